package sim

import (
	"fmt"
	"slices"
	"sort"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// checkReorgs notes every view's head (see noteHead).
func (e *Engine) checkReorgs(slot consensus.Slot) error {
	for _, v := range e.views {
		if err := e.noteHead(v, slot); err != nil {
			return err
		}
	}
	return nil
}

// noteHead compares a view's head with the one last noted: an honest view
// whose head no longer descends from its previous head has reorged. It
// fails the run if a view's head ever leaves its finalized checkpoint
// (finality must never revert on a view). Heads are noted after every
// block delivery and at every phase, so short-lived heads are seen.
func (e *Engine) noteHead(v *view, slot consensus.Slot) error {
	h := e.chain.blocks[v.store.Head()]
	old := v.lastHead
	if h == old {
		return nil
	}
	v.lastHead = h
	fin := v.store.Finalized()
	if fb, ok := e.chain.blocks[fin.Root]; ok && e.chain.ancestorAt(h, fb.slot) != fb {
		return &InvariantError{Epoch: consensus.ComputeEpochAtSlot(&e.cfg, slot), Branch: v.name, Check: CheckFinalityReverted,
			Err: fmt.Errorf("%w: slot %d: head %x does not descend from the finalized checkpoint %d", ErrFinalityReverted, slot, h.root[:4], fin.Epoch)}
	}
	if old == nil || e.chain.ancestorAt(h, old.slot) == old || !v.honest {
		return nil
	}
	common := old
	for common.parent != nil && e.chain.ancestorAt(h, common.slot) != common {
		common = common.parent
	}
	depth := uint64(0)
	for b := old; b != common; b = b.parent {
		depth++
	}
	e.rep.reorg(depth)
	e.rep.event(newEvent(uint64(consensus.ComputeEpochAtSlot(&e.cfg, slot)), uint64(slot), v.name,
		ReorgDetails{View: v.name, Depth: depth, OldHead: fmt.Sprintf("%x", old.root[:8]), NewHead: fmt.Sprintf("%x", h.root[:8]), CommonAncestorSlot: uint64(common.slot)}))
	return nil
}

// observeBlock shows a block's header and aggregates to a slasher.
func (e *Engine) observeBlock(v *view, s *agents.Slasher, b *blockEntry, slot consensus.Slot) {
	if b == e.chain.genesis {
		return
	}
	h := consensus.SignedBeaconBlockHeader{Message: b.signed.Message.Header(), Signature: b.signed.Signature}
	e.evidence(v, slot, s.ObserveHeader(&h))
	for i := range b.votes {
		vote := &b.votes[i]
		ia := consensus.IndexedAttestation{AttestingIndices: vote.indices, Data: vote.data, Signature: vote.sig}
		e.evidence(v, slot, s.ObserveSharedAttestation(&ia)) // a block's votes never change
	}
}

// evidence records what a view's slasher found (v nil: the auditor) and
// reports validators found guilty for the first time.
func (e *Engine) evidence(v *view, slot consensus.Slot, evs []agents.Evidence) {
	seen := e.detected
	if v == nil {
		seen = e.offender
	} else if len(evs) > 0 {
		v.slasher.Add(evs)
	}
	for _, ev := range evs {
		var fresh []uint64
		for _, vi := range ev.Validators {
			if int(vi) < len(seen) && !seen[vi] {
				seen[vi] = true
				fresh = append(fresh, uint64(vi))
			}
		}
		if v == nil || len(fresh) == 0 {
			continue
		}
		e.rep.detections += uint64(len(fresh))
		k := detectionKey{view: v.id, offence: ev.Offence}
		d := e.pendingDetections[k]
		if d == nil {
			d = &detection{slot: slot}
			e.pendingDetections[k] = d
		}
		d.validators = append(d.validators, fresh...)
	}
}

// detectionKey groups a slot's new findings for one event per view and offence.
type detectionKey struct {
	view    int
	offence string
}

type detection struct {
	slot       consensus.Slot
	validators []uint64
}

// flushDetections emits the slashing_detected events gathered during a slot.
func (e *Engine) flushDetections() {
	keys := make([]detectionKey, 0, len(e.pendingDetections))
	for k := range e.pendingDetections {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].view != keys[j].view {
			return keys[i].view < keys[j].view
		}
		return keys[i].offence < keys[j].offence
	})
	for _, k := range keys {
		d := e.pendingDetections[k]
		slices.Sort(d.validators)
		v := e.views[k.view]
		e.rep.event(newEvent(uint64(consensus.ComputeEpochAtSlot(&e.cfg, d.slot)), uint64(d.slot), v.name,
			SlashingDetectedDetails{Offence: k.offence, Validators: uint64(len(d.validators)), FirstValidator: d.validators[0], Slasher: v.name}))
	}
	clear(e.pendingDetections)
}

// auditVote and auditBlock show every message sent to the auditor.
func (e *Engine) auditVote(m *agents.AttestationMsg) {
	e.evidence(nil, m.Data.Slot, e.auditor.ObserveVote(m.AttesterIndex, &m.Data, crypto.Signature{}))
}

func (e *Engine) auditBlock(b *blockEntry) {
	e.observeBlock(nil, e.auditor, b, b.slot)
}

// findConflict looks for two views whose finalized checkpoints conflict
// (neither block descends from the other). The first such pair is
// reported with the stake that broke a slashing rule (the auditor's count,
// over the active stake at the last checkpoint both branches finalized).
// Gasper's accountable safety says that stake is at least a third for a
// fixed validator set; if it is not, the run shows the break came from the
// inactivity leak changing the validator sets of the branches, and fails
// if neither branch leaked (that would be a bug in the engine). It finds
// a conflict once; later epochs return nil.
func (e *Engine) findConflict(epoch consensus.Epoch) (*conflictFound, error) {
	if e.conflictSeen {
		return nil, nil
	}
	c := e.chain
	for i := range e.views {
		for j := i + 1; j < len(e.views); j++ {
			fa, fb := e.views[i].store.Finalized(), e.views[j].store.Finalized()
			ba, oka := c.blocks[fa.Root]
			bb, okb := c.blocks[fb.Root]
			if !oka || !okb || ba == bb {
				continue
			}
			if c.ancestorAt(ba, bb.slot) == bb || c.ancestorAt(bb, ba.slot) == ba {
				continue
			}
			// The last block both finalized chains share, and its state.
			common := ba
			for common.parent != nil && c.ancestorAt(bb, common.slot) != common {
				common = common.parent
			}
			st, err := c.postState(common)
			if err != nil {
				return nil, err
			}
			cEpoch := consensus.ComputeEpochAtSlot(&e.cfg, common.slot)
			var total, bad consensus.Gwei
			for k := range st.Validators {
				v := &st.Validators[k]
				if !consensus.IsActiveValidator(v, cEpoch) {
					continue
				}
				total += v.EffectiveBalance
				if e.offender[k] {
					bad += v.EffectiveBalance
				}
			}
			frac := 0.0
			if total > 0 {
				frac = float64(bad) / float64(total)
			}
			cause := "equivocation"
			if 3*bad < total {
				cause = "inactivity_leak"
				if !e.views[i].leaked && !e.views[j].leaked {
					return nil, &InvariantError{Epoch: epoch, Check: CheckAccountableSafety,
						Err: fmt.Errorf("%w: views %s and %s finalized conflicting checkpoints with only %.4f of the stake slashable and no inactivity leak (engine bug)",
							ErrAccountableSafety, e.views[i].name, e.views[j].name, frac)}
				}
			}
			e.conflictSeen = true
			return &conflictFound{fraction: frac, record: ConflictingFinalization{
				Epoch: uint64(epoch), BranchA: e.views[i].name, CheckpointA: cpString(fa),
				BranchB: e.views[j].name, CheckpointB: cpString(fb),
				SlashableGwei: uint64(bad), Cause: cause,
			}}, nil
		}
	}
	return nil, nil
}
