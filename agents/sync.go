package agents

import (
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// SyncDuty asks a validator to sign, as a sync committee member, the head
// of a view at the slot (validator.md get_sync_committee_message): the
// block at the next slot includes it. A validator seated more than once
// has one duty; its message fills every one of its seats.
type SyncDuty struct {
	Validator consensus.ValidatorIndex
	// View is the view group whose head the message signs: the agent's
	// own, or another side's for a both-sides coalition.
	View int
}

// SyncCommitteeMsg is one member's sync committee message as sent to the
// network (the spec's SyncCommitteeMessage, plus routing).
type SyncCommitteeMsg struct {
	Slot            consensus.Slot
	BeaconBlockRoot consensus.Root
	Validator       consensus.ValidatorIndex
	// Signature is set in full BLS mode and zero otherwise.
	Signature crypto.Signature
	// ExtraDelayMs and Route as for AttestationMsg.
	ExtraDelayMs uint64
	Route        []Send
}

// syncMessages returns the honest sync committee messages of duties: each
// signs its view's head (another side's head, routed there, for a
// both-sides duty), as attestations do.
func syncMessages(v *SlotView, duties []SyncDuty) []SyncCommitteeMsg {
	if len(duties) == 0 {
		return nil
	}
	out := make([]SyncCommitteeMsg, 0, len(duties))
	for _, d := range duties {
		m := SyncCommitteeMsg{Slot: v.Slot, BeaconBlockRoot: v.Head, Validator: d.Validator}
		if d.View != v.View && d.View >= 0 && d.View < len(v.Views) {
			m.BeaconBlockRoot = v.Views[d.View].Head
			m.Route = []Send{{View: d.View}, {View: v.View}}
		}
		out = append(out, m)
	}
	return out
}

// signSync signs each message (full BLS mode): the block root under
// DOMAIN_SYNC_COMMITTEE.
//
// Spec definition (validator.md):
//
//	def get_sync_committee_message(
//	    state: BeaconState, block_root: Root, validator_index: ValidatorIndex, privkey: int
//	) -> SyncCommitteeMessage:
//	    epoch = get_current_epoch(state)
//	    domain = get_domain(state, DOMAIN_SYNC_COMMITTEE, epoch)
//	    signing_root = compute_signing_root(block_root, domain)
//	    signature = bls.Sign(privkey, signing_root)
//
//	    return SyncCommitteeMessage(
//	        slot=state.slot,
//	        beacon_block_root=block_root,
//	        validator_index=validator_index,
//	        signature=signature,
//	    )
func (c *ValidatorClient) signSync(v *SlotView, msgs []SyncCommitteeMsg) {
	for i := range msgs {
		m := &msgs[i]
		m.Signature = crypto.Sign(c.keys[m.Validator], crypto.ComputeSigningRoot(m.BeaconBlockRoot, v.SyncDomain))
	}
}
