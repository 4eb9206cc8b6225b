package sim

import (
	"context"
	"testing"

	"github.com/stakesim/stakesim/scenarios"
)

// TestChainBoundedWhileFinalizing: with finality advancing every epoch, the
// chain keeps only the blocks from the oldest finalized checkpoint on, and
// only a handful of post-states, however many epochs run (the pruning
// rules of the package manual's "Bounded state").
func TestChainBoundedWhileFinalizing(t *testing.T) {
	sc, err := scenarios.Load("baseline", []scenarios.Override{{Name: "validators", Value: "64"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.SetBLS("off"); err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, sc)
	spe := int(e.cfg.SlotsPerEpoch)
	for ep := 0; ep < 60; ep++ {
		if err := e.RunEpoch(context.Background()); err != nil {
			t.Fatal(err)
		}
		if ep < 4 {
			continue
		}
		// Finality lags two epochs behind in a healthy chain, and the
		// finalized checkpoint's block starts its epoch: at most four
		// epochs of blocks stay.
		if n := len(e.chain.blocks); n > 4*spe {
			t.Fatalf("epoch %d: %d blocks kept, want at most %d", ep, n, 4*spe)
		}
		posts := 0
		for _, b := range e.chain.blocks {
			if b.post != nil {
				posts++
			}
		}
		// The last stateHorizonSlots blocks, two epoch pins, the finalized
		// block (a base), genesis-era pins and the views' heads and
		// checkpoints: well under one epoch of states.
		if posts > spe {
			t.Fatalf("epoch %d: %d post-states kept, want at most %d", ep, posts, spe)
		}
		if n := len(e.chain.boundaries); n > 8 {
			t.Fatalf("epoch %d: %d boundary states cached, want at most 8", ep, n)
		}
	}
	if e.rep.rows == 0 {
		t.Fatal("no rows were written")
	}
}

// TestChainThinsWhileStalled: with finality stalled (40% offline), every
// block is kept, but those every view has processed lose their fresh part
// two epochs after their slot and their bodies after bodyEpochs, and only
// a bounded number of post-states stay.
func TestChainThinsWhileStalled(t *testing.T) {
	sc, err := scenarios.Parse("stall.yaml", []byte(`name: stall
description: 40% offline
preset: minimal
epochs: 1000
bls: off
validators:
  - name: online
    count: 38
  - name: offline
    count: 26
    behaviours:
      - kind: offline
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, sc)
	spe := int(e.cfg.SlotsPerEpoch)
	const epochs = 200
	for ep := 0; ep < epochs; ep++ {
		if err := e.RunEpoch(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if f := e.views[e.mainView].store.Finalized().Epoch; f != 0 {
		t.Fatalf("finalized epoch %d: the scenario should stall", f)
	}
	var fresh, bodies, posts int
	for _, b := range e.chain.blocks {
		if b.fresh != nil {
			fresh++
		}
		if b.signed != nil {
			bodies++
		}
		if b.post != nil {
			posts++
		}
	}
	t.Logf("blocks %d fresh %d bodies %d posts %d", len(e.chain.blocks), fresh, bodies, posts)
	if len(e.chain.blocks) < epochs*spe/2 {
		t.Fatalf("only %d blocks kept: nothing is finalized, so all should be", len(e.chain.blocks))
	}
	if fresh > 3*spe {
		t.Errorf("%d blocks keep their fresh part, want at most %d (two epochs and one slot)", fresh, 3*spe)
	}
	if bodies > (bodyEpochs+3)*spe {
		t.Errorf("%d blocks keep their bodies, want at most %d", bodies, (bodyEpochs+3)*spe)
	}
	// Genesis, the pins of the last 64 epochs (one in 16), about two per
	// doubling of age beyond, two epoch pins, the horizon's blocks, heads.
	if posts > 24 {
		t.Errorf("%d post-states kept, want at most 24", posts)
	}
}

// startEngine builds and starts an engine for sc, stopped when the test ends.
func startEngine(t *testing.T, sc *scenarios.Scenario) *Engine {
	t.Helper()
	e, err := New(sc, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	t.Cleanup(e.Stop)
	return e
}
