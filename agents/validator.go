package agents

import (
	"slices"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// SignMode says who signs attestations (see the package comment).
type SignMode uint8

const (
	SignFull SignMode = iota
	SignAggregate
	SignOff
)

// ValidatorClient is a node hosting one or more validator keys.
type ValidatorClient struct {
	id         int
	keys       map[consensus.ValidatorIndex]*crypto.SecretKey
	mode       SignMode
	behaviours []Behaviour
	// protection is the client's slashing-protection record (EIP-3076's
	// minimal rules): the highest source and target epochs each validator
	// has attested with. nil when protection is off.
	protection *protectionRecord
}

// protectionRecord holds a signedVote per validator: the client's own
// validators in a slice by their rank among them (a binary search, no map
// access per vote), any other in a map.
type protectionRecord struct {
	vals  []consensus.ValidatorIndex // the client's validators, ascending
	votes []signedVote               // votes[i] is vals[i]'s
	other map[consensus.ValidatorIndex]signedVote
}

// newProtectionRecord returns an empty record for the given validators.
func newProtectionRecord(keys map[consensus.ValidatorIndex]*crypto.SecretKey) *protectionRecord {
	vals := make([]consensus.ValidatorIndex, 0, len(keys))
	for v := range keys {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	return &protectionRecord{vals: vals, votes: make([]signedVote, len(vals)), other: map[consensus.ValidatorIndex]signedVote{}}
}

// vote returns validator v's record (the zero signedVote if none).
func (r *protectionRecord) vote(v consensus.ValidatorIndex) signedVote {
	if i, ok := slices.BinarySearch(r.vals, v); ok {
		return r.votes[i]
	}
	return r.other[v]
}

// set records validator v's vote.
func (r *protectionRecord) set(v consensus.ValidatorIndex, sv signedVote) {
	if i, ok := slices.BinarySearch(r.vals, v); ok {
		r.votes[i] = sv
		return
	}
	r.other[v] = sv
}

type signedVote struct {
	source, target consensus.Epoch
	any            bool
}

// EnableSlashingProtection makes the client refuse, as real clients do, to
// attest with a target epoch not above the last one it attested with, or a
// source epoch below the last source (which could surround an earlier
// vote). An honest node needs it: when its view switches to a branch with
// other committees, it may have a second duty in the same epoch. Byzantine
// behaviours add their conflicting votes after the check.
func (c *ValidatorClient) EnableSlashingProtection() {
	c.protection = newProtectionRecord(c.keys)
}

// NewValidatorClient returns a client for the given validators. keys maps
// each hosted validator to its secret key (nil entries in SignOff mode).
func NewValidatorClient(id int, keys map[consensus.ValidatorIndex]*crypto.SecretKey, mode SignMode, behaviours []Behaviour) *ValidatorClient {
	return &ValidatorClient{id: id, keys: keys, mode: mode, behaviours: behaviours}
}

// ID implements Agent.
func (c *ValidatorClient) ID() int { return c.id }

// Kind is KindValidatorClient.
func (c *ValidatorClient) Kind() string { return KindValidatorClient }

// Act implements Agent: honest duties first, then each behaviour in order,
// then signatures (so that what behaviours change or add is signed too).
func (c *ValidatorClient) Act(v *SlotView, d *Duties) Actions {
	var a Actions
	switch v.Phase {
	case PhasePropose:
		for _, p := range d.Proposals {
			msg := BlockMsg{Block: consensus.SignedBeaconBlock{Message: *p.Block}}
			if p.View != v.View {
				// Built on another side's head (both-sides): it goes there.
				msg.Route = []Send{{View: p.View}, {View: v.View}}
			}
			a.Blocks = append(a.Blocks, msg)
		}
	case PhaseAttest:
		if len(d.Attestations) > 0 {
			a.Attestations = make([]AttestationMsg, 0, len(d.Attestations))
		}
		for _, duty := range d.Attestations {
			data := v.Vote
			var route []Send
			if duty.View != v.View && duty.View >= 0 && duty.View < len(v.Views) {
				// Another side's duty (both-sides): its vote goes there only.
				data = v.Views[duty.View].Vote
				route = []Send{{View: duty.View}, {View: v.View}}
			}
			msg := AttestationMsg{
				SingleAttestation: consensus.SingleAttestation{CommitteeIndex: duty.Committee, AttesterIndex: duty.Validator, Data: data},
				Position:          duty.Position,
				CommitteeSize:     duty.CommitteeSize,
				Route:             route,
			}
			a.Attestations = append(a.Attestations, msg)
		}
		a.SyncMessages = syncMessages(v, d.SyncCommittee)
	}
	if c.protection != nil {
		kept := a.Attestations[:0]
		for _, m := range a.Attestations {
			last := c.protection.vote(m.AttesterIndex)
			if last.any && (m.Data.Target.Epoch <= last.target || m.Data.Source.Epoch < last.source) {
				continue
			}
			c.protection.set(m.AttesterIndex, signedVote{source: m.Data.Source.Epoch, target: m.Data.Target.Epoch, any: true})
			kept = append(kept, m)
		}
		a.Attestations = kept
	}
	for _, b := range c.behaviours {
		b.Shape(v, &a)
	}
	if c.mode != SignOff {
		for i := range a.Blocks {
			sb := &a.Blocks[i].Block
			if sb.Signature.IsZero() {
				root := crypto.ComputeSigningRoot(sb.Message.Root(), v.ProposerDomain)
				sb.Signature = crypto.Sign(c.keys[sb.Message.ProposerIndex], root)
			}
		}
	}
	if c.mode == SignFull {
		for i := range a.Attestations {
			m := &a.Attestations[i]
			// The domain depends only on the fork version and the genesis
			// validators root, the same on every branch.
			root := crypto.ComputeSigningRoot(m.Data.Root(), v.AttesterDomain)
			m.Signature = crypto.Sign(c.keys[m.AttesterIndex], root)
		}
		c.signSync(v, a.SyncMessages)
	}
	return a
}

// Policy implements Agent: the policy parts of the behaviours active in
// epoch, in order.
func (c *ValidatorClient) Policy(epoch consensus.Epoch) Policy {
	var p Policy
	for _, b := range c.behaviours {
		if pb, ok := b.(PolicyBehaviour); ok {
			pb.Apply(epoch, &p)
		}
	}
	return p
}
