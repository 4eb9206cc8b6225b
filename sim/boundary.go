package sim

import (
	"fmt"

	"github.com/stakesim/stakesim/consensus"
)

// EpochBoundary is what the engine knows at the end of one epoch. It is
// built once, by boundary, after every branch's epoch processing and the
// invariant checks; the economic agents and then the reporter read it,
// and nothing writes to it afterwards (like raft's Ready).
type EpochBoundary struct {
	Epoch consensus.Epoch
	// Branches are the distinct heads of the views, in label order.
	Branches []*BranchBoundary
	// Summary is the branch the first honest view follows (the summary
	// branch of summary.json).
	Summary *BranchBoundary
	// Conflict is set at the first epoch at which two views have finalized
	// conflicting checkpoints.
	Conflict *conflictFound
}

// BranchBoundary is one branch at an epoch boundary.
type BranchBoundary struct {
	Label string // the names of its views, "+"-joined
	Views []int  // ids of the view groups whose head it is
	// Pre is the branch's state at the start of the epoch (after the
	// previous epoch's processing; genesis for epoch 0) and Post its state
	// after this epoch's processing, at the next epoch's first slot.
	// Both are read-only.
	Pre, Post *consensus.State
	// Report is what the epoch's processing did (consensus.ProcessEpoch).
	Report *consensus.EpochReport
	// ByzantineGwei and ActiveGwei are the coalition validators' and all
	// validators' active effective balance in Post at Epoch: the Byzantine
	// share's numerator and denominator.
	ByzantineGwei, ActiveGwei consensus.Gwei

	head *blockEntry
}

// conflictFound is a conflicting finalization and the stake the auditor
// can prove broke a slashing rule.
type conflictFound struct {
	record   ConflictingFinalization
	fraction float64
}

// endEpoch is the epoch boundary, after the attest phase of the epoch's
// last slot, in this order: every branch's epoch processing and the
// invariants (boundary); the chain's events and the previous epoch's rows,
// whose participation is now final; the economic phase on the summary
// branch (afterEpoch); this epoch's rows; then the chain drops what no
// view can need and cached aggregate signatures expire.
func (e *Engine) endEpoch(slot consensus.Slot, epoch consensus.Epoch) error {
	e.closeEpochWork()
	start := e.now()
	b, err := e.boundary(epoch)
	if err != nil {
		return err
	}
	e.timing.EpochProcessingSeconds += e.since(start).Seconds()
	start = e.now()
	e.rep.chainEvents(b)
	if err := e.rep.writeRows(b); err != nil {
		return err
	}
	e.timing.ReportingSeconds += e.since(start).Seconds()
	start = e.now()
	if err := e.afterEpoch(b); err != nil {
		return err
	}
	e.timing.EconomicsSeconds += e.since(start).Seconds()
	start = e.now()
	e.rep.buildRows(b)
	e.timing.ReportingSeconds += e.since(start).Seconds()
	if err := e.pruneChain(); err != nil {
		return err
	}
	e.evictAggregates(slot)
	if ee, ok := e.rep.sink.(EpochEnder); ok {
		if err := ee.EndEpoch(uint64(epoch)); err != nil {
			return err
		}
	}
	if e.opts.Progress != nil && uint64(epoch) < e.limit {
		e.opts.Progress(e.rep.progress(uint64(epoch)))
	}
	return nil
}

// boundary advances every branch through the epoch's processing (once per
// branch: the chain caches boundary states) and checks the invariants:
// conservation and slashed-never-rewarded on each branch, finality never
// reverting in each view, and accountable safety across views.
func (e *Engine) boundary(epoch consensus.Epoch) (*EpochBoundary, error) {
	heads, views, labels := e.branchHeads()
	b := &EpochBoundary{Epoch: epoch}
	for i, h := range heads {
		br, err := e.branchBoundary(epoch, h, views[i], labels[i])
		if err != nil {
			return nil, err
		}
		b.Branches = append(b.Branches, br)
		if containsInt(br.Views, e.mainView) {
			b.Summary = br
		}
	}
	if err := e.checkViewsFinality(epoch); err != nil {
		return nil, err
	}
	c, err := e.findConflict(epoch)
	if err != nil {
		return nil, err
	}
	b.Conflict = c
	return b, nil
}

// branchBoundary builds one branch's boundary and checks its invariants.
func (e *Engine) branchBoundary(epoch consensus.Epoch, h *blockEntry, views []int, label string) (*BranchBoundary, error) {
	bd, err := e.chain.atEpochStart(h, epoch+1)
	if err != nil {
		return nil, fmt.Errorf("sim: epoch %d: %w", epoch, err)
	}
	if err := checkConservation(epoch, label, bd.st); err != nil {
		return nil, err
	}
	if bd.report == nil {
		return nil, fmt.Errorf("sim: epoch %d: no epoch report for branch %s", epoch, label)
	}
	pre, err := e.branchPre(epoch, h)
	if err != nil {
		return nil, err
	}
	if err := checkSlashedNotRewarded(epoch, label, pre, bd.st, e.balanceInflows(pre)); err != nil {
		return nil, err
	}
	if bd.report.InInactivityLeak {
		for _, id := range views {
			e.views[id].leaked = true
		}
	}
	byz, active := activeShares(bd.st, epoch, e.byz)
	return &BranchBoundary{Label: label, Views: views, Pre: pre, Post: bd.st, Report: bd.report,
		ByzantineGwei: byz, ActiveGwei: active, head: h}, nil
}

// branchPre is the state of h's branch at the start of epoch: genesis for
// epoch 0, else the boundary state of the branch's last block before it.
func (e *Engine) branchPre(epoch consensus.Epoch, h *blockEntry) (*consensus.State, error) {
	if epoch == 0 {
		return e.chain.genesis.post, nil
	}
	anc := e.chain.ancestorAt(h, lastSlotOf(&e.cfg, epoch-1))
	pbd, err := e.chain.atEpochStart(anc, epoch)
	if err != nil {
		return nil, err
	}
	return pbd.st, nil
}

// activeShares returns the active effective balance at epoch of the
// validators marked in byz and of all validators.
func activeShares(st *consensus.State, epoch consensus.Epoch, byz []bool) (byzGwei, activeGwei consensus.Gwei) {
	for i := range st.Validators {
		v := &st.Validators[i]
		if consensus.IsActiveValidator(v, epoch) {
			activeGwei += v.EffectiveBalance
			if i < len(byz) && byz[i] {
				byzGwei += v.EffectiveBalance
			}
		}
	}
	return byzGwei, activeGwei
}

// checkViewsFinality: finality never reverts within a view. Its
// fork-choice store's finalized checkpoint never goes back (and noteHead
// checks that the head always descends from it). The head state's own
// finalized checkpoint may be older after the view switches branches,
// which the spec allows as long as the head descends from the store's.
func (e *Engine) checkViewsFinality(epoch consensus.Epoch) error {
	for _, v := range e.views {
		f := v.store.Finalized().Epoch
		if err := checkFinalityKept(epoch, v.name, f, e.maxFinal[v.id]); err != nil {
			return err
		}
		e.maxFinal[v.id] = f
	}
	return nil
}

// pruneChain drops the blocks no view can need again (chain.prune) and
// the views' notes about them, and writes the dropped blocks' blocks.csv
// rows (one batch, sorted by slot and root). It runs at each epoch's end,
// after the reports and the conflict check.
func (e *Engine) pruneChain() error {
	fin := make([]*blockEntry, 0, len(e.views))
	for _, v := range e.views {
		root := v.store.Finalized().Root
		b, ok := e.chain.blocks[root]
		if !ok {
			return fmt.Errorf("sim: view %s: finalized block %x is not in the chain", v.name, root[:4])
		}
		fin = append(fin, b)
	}
	before := len(e.chain.blocks)
	settled, err := e.chain.prune(fin, len(e.views), e.rep.blockSink != nil)
	if err != nil {
		return err
	}
	// blocks.csv: the dropped blocks' fate is settled for every view.
	if err := e.rep.writeBlocks(settled); err != nil {
		return err
	}
	if len(e.chain.blocks) == before {
		return nil
	}
	for _, v := range e.views {
		for r := range v.rejected {
			if _, ok := e.chain.blocks[r]; !ok {
				delete(v.rejected, r)
			}
		}
	}
	return nil
}
