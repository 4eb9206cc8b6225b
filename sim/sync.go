package sim

import (
	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// Sync committees in the engine. In the attest phase of slot s every member
// of the committee that signs for s (consensus.SyncCommitteeFor on the
// view's head state) gets a duty and signs its view's head; the messages
// travel like attestations (routes, delays, partitions, private chains) on
// a stream of their own, and each view pools them by (slot, root). The
// proposer of s+1 puts into its block a SyncAggregate of the messages of
// slot s for get_block_root_at_slot(state, s) on the chain it builds on.
// Messages are not verified on gossip: the block's aggregate is verified
// at import with the block's other signatures.

// syncKey is what a sync committee message signs: the slot and the root.
type syncKey struct {
	slot consensus.Slot
	root consensus.Root
}

// addSync pools one member's message (the first one per validator counts).
func (v *view) addSync(m *agents.SyncCommitteeMsg) {
	if v.syncPool == nil {
		v.syncPool = map[syncKey]map[consensus.ValidatorIndex]crypto.Signature{}
	}
	k := syncKey{m.Slot, m.BeaconBlockRoot}
	msgs := v.syncPool[k]
	if msgs == nil {
		msgs = map[consensus.ValidatorIndex]crypto.Signature{}
		v.syncPool[k] = msgs
	}
	if _, dup := msgs[m.Validator]; !dup {
		msgs[m.Validator] = m.Signature
	}
}

// pruneSync drops the messages no block can include any more: those of a
// slot before now (a message of slot s goes only into the block of s+1).
func (v *view) pruneSync(now consensus.Slot) {
	for k := range v.syncPool {
		if k.slot < now {
			delete(v.syncPool, k)
		}
	}
}

// syncDuties gives every member of each view's sync committee for slot a
// SyncDuty (once, however many seats it has), on the view's head, with
// the same routing of duties as attestations (own view, or both sides).
// Validator clients stop sync duties once their validator is slashed in
// their view, as real clients stop their duties after a slashing.
func (e *Engine) syncDuties(slot consensus.Slot, epoch consensus.Epoch, heads []slotHead, views []*agents.SlotView, duties map[int]*agents.Duties) {
	strats := make([]strategy, len(e.views))
	for _, v := range e.views {
		strats[v.id] = e.strategyOf(v, epoch)
	}
	for _, v := range e.views {
		st := heads[v.id].st
		views[v.id].SyncDomain = consensus.GetDomain(&e.cfg, st, consensus.DomainSyncCommittee, epoch)
		committee := consensus.SyncCommitteeFor(&e.cfg, st, slot)
		seen := make(map[consensus.ValidatorIndex]bool, len(committee))
		for _, val := range committee {
			if seen[val] || st.Validators[val].Slashed {
				continue
			}
			seen[val] = true
			agent := e.agentOfVal[val]
			if !strats[e.viewOfAgent[agent]].dutiesOn(v) {
				continue
			}
			d := dutiesOf(duties, agent)
			d.SyncCommittee = append(d.SyncCommittee, agents.SyncDuty{Validator: val, View: v.id})
		}
	}
}

// sendSync sends an agent's sync committee messages as its strategy
// routes them, drawing delays from the agent's own sync stream.
func (e *Engine) sendSync(id int, epoch consensus.Epoch, now uint64, strat strategy, msgs []agents.SyncCommitteeMsg) {
	if len(msgs) == 0 {
		return
	}
	if e.syncNet == nil {
		e.syncNet = map[int]*RNG{}
	}
	g := e.syncNet[id]
	if g == nil {
		g = NewRNG(e.sc.Seed, uint64(id), "network/sync-committee")
		e.syncNet[id] = g
	}
	for i := range msgs {
		m := &msgs[i] // as attestPhase's votes: the agent's fresh Actions
		if !m.Signature.IsZero() {
			e.stats.SyncSigns++
		}
		route, _ := strat.holdSync(m, m.Route)
		e.sendWith(g, id, epoch, now, m.ExtraDelayMs, route, func(msg *message) { msg.sync = m })
	}
}

// syncAggregate builds the SyncAggregate of a block at st's slot on view
// v's chain: a bit for every seat of the current committee whose member's
// message for the previous slot's block root reached v, and the aggregate
// of their signatures (one per seat: a member seated twice counts twice).
// In full mode that is the sum of the members' signatures, in aggregate
// mode one signature with the sum of their keys (the same bytes), in off
// mode none. Left out: members slashed on this chain, including by the
// block's own slashings (process_operations runs before
// process_sync_aggregate; a slashed validator is never rewarded here, see
// README), and, for a censoring builder, members outside its coalition.
// With no bit set the signature is the point at infinity.
func (e *Engine) syncAggregate(v *view, strat strategy, st *consensus.State, body *consensus.BeaconBlockBody) consensus.SyncAggregate {
	agg := consensus.NewSyncAggregate(&e.cfg)
	prev := st.Slot - 1
	root, ok := consensus.GetBlockRootAtSlot(st, prev)
	if st.Slot == 0 || !ok {
		return agg
	}
	msgs := v.syncPool[syncKey{prev, root}]
	if len(msgs) == 0 {
		return agg
	}
	slashed := slashedBy(body)
	var sigs []crypto.Signature
	var signers []consensus.ValidatorIndex
	for k, val := range st.CurrentSyncCommittee.Indices {
		sig, ok := msgs[val]
		if !ok || st.Validators[val].Slashed || slashed[val] || !strat.keepsSync(val) {
			continue
		}
		agg.SetBit(k)
		sigs = append(sigs, sig)
		signers = append(signers, val)
	}
	if len(signers) == 0 {
		return agg
	}
	switch e.mode {
	case agents.SignFull:
		agg.SyncCommitteeSignature = crypto.AggregateSignatures(sigs)
		e.stats.SignaturesAggregated += uint64(len(sigs))
	case agents.SignAggregate:
		start := e.now()
		sks := make([]*crypto.SecretKey, len(signers))
		for i, val := range signers {
			sks[i] = e.keys.Secret(uint64(val))
		}
		agg.SyncCommitteeSignature = crypto.SignWithSum(sks, consensus.SyncCommitteeSigningRoot(&e.cfg, st, prev, root))
		e.stats.AggregateSigns++
		e.timing.SigningSeconds += e.since(start).Seconds()
	default:
		agg.SyncCommitteeSignature = crypto.Signature{}
	}
	return agg
}

// slashedBy returns the validators a block's slashings name: the proposer
// of each proposer slashing and the validators in both halves of each
// attester slashing (a superset of those it slashes).
func slashedBy(body *consensus.BeaconBlockBody) map[consensus.ValidatorIndex]bool {
	out := map[consensus.ValidatorIndex]bool{}
	for i := range body.ProposerSlashings {
		out[body.ProposerSlashings[i].SignedHeader1.Message.ProposerIndex] = true
	}
	for i := range body.AttesterSlashings {
		as := &body.AttesterSlashings[i]
		in1 := map[consensus.ValidatorIndex]bool{}
		for _, v := range as.Attestation1.AttestingIndices {
			in1[v] = true
		}
		for _, v := range as.Attestation2.AttestingIndices {
			if in1[v] {
				out[v] = true
			}
		}
	}
	return out
}
