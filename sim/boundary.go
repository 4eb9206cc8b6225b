package sim

import (
	"fmt"

	"github.com/stakesim/stakesim/consensus"
)

// endEpoch is the epoch boundary, after the attest phase of the epoch's
// last slot: the reporter advances every branch through epoch processing,
// checks the invariants and builds the rows (reporter.endEpoch); the
// restaking layer and its economic agents act on the summary branch
// (afterEpoch); then blocks no view can need are pruned and old cached
// aggregate signatures evicted.
func (e *Engine) endEpoch(slot consensus.Slot, epoch consensus.Epoch) error {
	e.closeEpochWork()
	start := e.now()
	if err := e.rep.endEpoch(epoch); err != nil {
		return err
	}
	if err := e.afterEpoch(epoch); err != nil {
		return err
	}
	if err := e.pruneChain(); err != nil {
		return err
	}
	e.evictAggregates(slot)
	e.timing.EpochProcessingSeconds += e.since(start).Seconds()
	if e.opts.Progress != nil && uint64(epoch) < e.sc.Epochs {
		e.opts.Progress(e.rep.progress(uint64(epoch)))
	}
	return nil
}

// pruneChain drops the blocks no view can need again (chain.prune) and
// the views' notes about them. It runs at each epoch's end, after the
// reports and the conflict check.
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
	if err := e.chain.prune(fin, len(e.views)); err != nil {
		return err
	}
	if len(e.chain.blocks) == before {
		return nil
	}
	for _, v := range e.views {
		for r := range v.observed {
			if _, ok := e.chain.blocks[r]; !ok {
				delete(v.observed, r)
			}
		}
		for r := range v.rejected {
			if _, ok := e.chain.blocks[r]; !ok {
				delete(v.rejected, r)
			}
		}
	}
	return nil
}
