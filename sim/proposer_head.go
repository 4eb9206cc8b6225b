package sim

import (
	"errors"
	"fmt"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/consensus/forkchoice"
)

// proposerHead returns what an honest proposer of view v builds on at
// slot (the start of the slot, its store ticked there): the view's head h,
// or, when the scenario's proposer_reorg is on and get_proposer_head says
// so, h's parent with the parent's state advanced to slot. A re-org is a
// proposer_reorg event. The proposer decides at the slot's start, where
// is_proposing_on_time holds, unless it publishes late (publishDelayMs):
// then it is judged at its publication time, as a client proposing then
// would be, and a delay past get_proposer_reorg_cutoff_ms means no re-org.
func (e *Engine) proposerHead(v *view, slot consensus.Slot, h slotHead, proposer consensus.ValidatorIndex) (slotHead, error) {
	if !e.sc.ProposerReorg || h.head.parent == nil {
		return h, nil
	}
	epoch := consensus.ComputeEpochAtSlot(&e.cfg, slot)
	if e.publishDelayMs(proposer, epoch) > e.cfg.SlotComponentDurationMs(forkchoice.ProposerReorgCutoffBps) {
		return h, nil // is_proposing_on_time is false
	}
	root, err := v.store.ProposerHead(h.head.root, slot, e.headCommittees)
	if errors.Is(err, forkchoice.ErrBoostOnHead) {
		return h, nil // a head of this very slot: nothing to re-org
	}
	if err != nil {
		return h, fmt.Errorf("sim: slot %d: view %s: %w", slot, v.name, err)
	}
	if root == h.head.root {
		return h, nil
	}
	parent := e.chain.blocks[root]
	st, err := e.chain.stateAtSlot(parent, slot)
	if err != nil {
		return h, fmt.Errorf("sim: slot %d: view %s: proposer head: %w", slot, v.name, err)
	}
	// The proposer of a slot does not depend on a block of the same epoch
	// (its seed and the effective balances are fixed at the epoch's start),
	// and get_proposer_head never re-orgs across an epoch's first slot; the
	// check only guards that reasoning.
	if p, err := consensus.GetBeaconProposerIndex(&e.cfg, st); err != nil || p != proposer {
		return h, nil
	}
	e.rep.proposerReorg()
	e.rep.event(newEvent(uint64(epoch), uint64(slot), v.name, ProposerReorgDetails{
		View: v.name, Proposer: uint64(proposer),
		Head: fmt.Sprintf("%x", h.head.root[:8]), HeadSlot: uint64(h.head.slot),
		Parent: fmt.Sprintf("%x", parent.root[:8]), ParentSlot: uint64(parent.slot),
	}))
	return slotHead{head: parent, st: st}, nil
}

// publishDelayMs is how long after the slot's start the proposer's client
// publishes its block in epoch: the delay of an active late-blocks
// behaviour of its group, else 0.
func (e *Engine) publishDelayMs(proposer consensus.ValidatorIndex, epoch consensus.Epoch) uint64 {
	gi := e.groupOfVal[proposer]
	for bi, b := range e.sc.Groups[gi].Behaviours {
		if b.Kind != "late-blocks" {
			continue
		}
		w := agents.Window{From: consensus.Epoch(b.FromEpoch), To: consensus.Epoch(b.ToEpoch), Bounded: b.HasToEpoch,
			Gate: e.gateFor(gi, bi, b.AfterByzantineShareWAD)}
		if w.Contains(epoch) {
			return b.DelayMs
		}
	}
	return 0
}

// headCommittees gives fork choice's is_head_weak the members of every
// committee of slot in the post-state of block root.
func (e *Engine) headCommittees(root consensus.Root, slot consensus.Slot) []consensus.ValidatorIndex {
	b, ok := e.chain.blocks[root]
	if !ok {
		return nil
	}
	st, err := e.chain.postState(b)
	if err != nil {
		return nil
	}
	sh, err := consensus.EpochCommittees(&e.cfg, st, consensus.ComputeEpochAtSlot(&e.cfg, slot))
	if err != nil {
		return nil
	}
	var out []consensus.ValidatorIndex
	for ci := uint64(0); ci < sh.CommitteesPerSlot; ci++ {
		members, _ := sh.Committee(slot, consensus.CommitteeIndex(ci))
		out = append(out, members...)
	}
	return out
}
