package sim_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/sim"
)

const (
	zeroRoot      = "0000000000000000"
	slotsPerEpoch = 8 // the minimal preset's
)

// readBlocks reads blocks.csv and checks what holds for every run: the
// genesis block comes first (slot 0, proposer 0, no attestations, a zero
// parent root), every root is 16 lowercase hex digits and appears once,
// and every other block's parent is a row written before it (batches are
// sorted by slot, and a block's parent is settled no later than it).
func readBlocks(t *testing.T, dir string) []row {
	t.Helper()
	bs := readTable(t, dir, output.BlocksFile, output.BlockColumns())
	if len(bs) == 0 {
		t.Fatal("blocks.csv has no rows")
	}
	if g := bs[0]; g["slot"] != "0" || g["parent_root"] != zeroRoot || g["proposer"] != "0" || g["attestations"] != "0" {
		t.Errorf("first row %v, want the genesis block", g)
	}
	seen := map[string]bool{}
	for i, b := range bs {
		for _, k := range []string{"root", "parent_root"} {
			if len(b[k]) != 16 || strings.Trim(b[k], "0123456789abcdef") != "" {
				t.Fatalf("row %d: %s %q is not 16 lowercase hex digits", i, k, b[k])
			}
		}
		if seen[b["root"]] {
			t.Fatalf("row %d: block %s appears twice", i, b["root"])
		}
		if i > 0 && !seen[b["parent_root"]] {
			t.Errorf("row %d (slot %s): parent %s is not an earlier row", i, b["slot"], b["parent_root"])
		}
		if i > 0 && b.u(t, "slot") == 0 {
			t.Errorf("row %d: a second block at slot 0", i)
		}
		seen[b["root"]] = true
	}
	return bs
}

// canonicalOn reports whether view is one of a canonical_on's names.
func canonicalOn(b row, view string) bool {
	for _, v := range strings.Split(b["canonical_on"], "+") {
		if v == view {
			return true
		}
	}
	return false
}

// checkProposals: for each reported epoch and each view, the blocks of
// that epoch canonical on the view are the epochs.csv row's proposals of
// the branch the view was on, and their attestations plus one block
// signature and one sync aggregate each are its aggregates_verified
// (consensus.BlockReport: one signature check per attestation, one for the
// block and one for a sync aggregate with a participant; the scenarios
// checked have no slashings, and every block has sync participants: the
// sync committee is spread over every view, and each view's members sign
// each slot). This holds when no view moved off the chain it reported (no
// later reorg past a reported epoch).
func checkProposals(t *testing.T, eps, bs []row, views []string) {
	t.Helper()
	type key struct {
		epoch uint64
		view  string
	}
	blocks, checks, atts := map[key]uint64{}, map[key]uint64{}, map[key]uint64{}
	for _, b := range bs {
		s := b.u(t, "slot")
		if s == 0 {
			continue // genesis is no epoch's proposal
		}
		for _, v := range views {
			if canonicalOn(b, v) {
				k := key{s / slotsPerEpoch, v}
				blocks[k]++
				// One check per attestation, one for the block signature and
				// one for the sync aggregate.
				checks[k] += b.u(t, "attestations") + 2
				atts[k] += b.u(t, "attestations")
			}
		}
	}
	for _, er := range eps {
		for _, v := range views {
			if !canonicalOn(row{"canonical_on": er["branch"]}, v) {
				continue
			}
			k := key{er.u(t, "epoch"), v}
			if blocks[k] != er.u(t, "proposals") || checks[k] != er.u(t, "aggregates_verified") {
				t.Errorf("epoch %d view %s: %d canonical blocks with %d checks, epochs.csv has %s proposals, %s aggregates verified",
					k.epoch, v, blocks[k], checks[k], er["proposals"], er["aggregates_verified"])
			}
			if atts[k] != er.u(t, "block_attestations") {
				t.Errorf("epoch %d view %s: %d attestations in canonical blocks, epochs.csv has block_attestations %s", k.epoch, v, atts[k], er["block_attestations"])
			}
		}
	}
}

// TestBlocksBaseline: on baseline every block is canonical on main, and
// blocks.csv holds genesis, the proposals epochs.csv counts, and the
// blocks of the settling epoch (run, never reported). With everyone voting
// alike, every block after genesis carries exactly one attestation: the
// previous slot's two committees (64 validators on minimal) packed into
// one on-chain aggregate (EIP-7549).
func TestBlocksBaseline(t *testing.T) {
	const epochs = 10
	dir, res := runScenario(t, "baseline", epochs, "off", "validators=64")
	eps := readRows(t, dir)
	bs := readBlocks(t, dir)
	var settling uint64
	for _, b := range bs {
		if b["canonical_on"] != "main" {
			t.Errorf("block %s at slot %s: canonical_on %q, want main", b["root"], b["slot"], b["canonical_on"])
		}
		if b.u(t, "slot") >= epochs*slotsPerEpoch {
			settling++
		}
		if b.u(t, "slot") > 0 && b.u(t, "attestations") != 1 {
			t.Errorf("block at slot %s carries %s attestations, want 1", b["slot"], b["attestations"])
		}
	}
	if settling == 0 || settling > slotsPerEpoch {
		t.Errorf("%d blocks in the settling epoch", settling)
	}
	if want := 1 + res.Summary.Proposals + settling; uint64(len(bs)) != want {
		t.Errorf("%d rows, want 1 (genesis) + %d proposals + %d in the settling epoch", len(bs), res.Summary.Proposals, settling)
	}
	checkProposals(t, eps, bs, []string{"main"})
}

// TestBlocksPartition: partition-50-50 (BLS off), the network split from
// epoch 4 to 12. Run to epoch 24, after the heal and finality: the blocks
// of the side fork choice abandoned are orphaned (canonical nowhere), all
// of them proposed during the split or in the heal's epoch, and every
// other block is canonical on both views. Run to epoch 8, in the split: the blocks proposed in it are
// canonical on one side only, some on each, and the earlier ones on both;
// the per-view counts match each side's rows of epochs.csv.
func TestBlocksPartition(t *testing.T) {
	const start, end = 4 * slotsPerEpoch, 12 * slotsPerEpoch
	t.Run("healed", func(t *testing.T) {
		dir, _ := runScenario(t, "partition-50-50", 24, "off")
		bs := readBlocks(t, dir)
		orphans := 0
		for _, b := range bs {
			switch b["canonical_on"] {
			case "a+b":
			case "":
				orphans++
				// A block of the heal's epoch may still build on its
				// side's head before the views agree again.
				if s := b.u(t, "slot"); s < start || s >= end+slotsPerEpoch {
					t.Errorf("block %s at slot %d orphaned outside the split and its heal", b["root"], s)
				}
			default:
				t.Errorf("block %s at slot %s: canonical_on %q after the heal", b["root"], b["slot"], b["canonical_on"])
			}
		}
		if orphans == 0 {
			t.Error("no block was orphaned: one side's chain should have lost")
		}
	})
	t.Run("split", func(t *testing.T) {
		dir, _ := runScenario(t, "partition-50-50", 8, "off")
		eps := readRows(t, dir)
		bs := readBlocks(t, dir)
		sides := map[string]int{}
		for _, b := range bs {
			s, on := b.u(t, "slot"), b["canonical_on"]
			if s < start && on != "a+b" {
				t.Errorf("block at slot %d before the split: canonical_on %q, want a+b", s, on)
			}
			if s >= start && on != "a" && on != "b" {
				t.Errorf("block at slot %d in the split: canonical_on %q, want one side", s, on)
			}
			sides[on]++
		}
		if sides["a"] == 0 || sides["b"] == 0 {
			t.Errorf("blocks by canonical_on %v: each side should have its own", sides)
		}
		checkProposals(t, eps, bs, []string{"a", "b"})
	})
}

// TestBlocksAndGroupsOfInterruptedRun: a run interrupted in epoch 7 (the
// context cancelled from epoch 6's progress callback) settles the blocks
// it holds at its end like any run, so its groups.csv and blocks.csv are
// byte for byte those of a run of 7 epochs.
func TestBlocksAndGroupsOfInterruptedRun(t *testing.T) {
	const stopIn = 7
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := sim.Options{Progress: func(p sim.Progress) {
		if p.Epoch == stopIn {
			cancel()
		}
	}}
	cut, res := runLoaded(t, ctx, loadScenario(t, "partition-50-50", 40, "off"), opts)
	if !res.Summary.Interrupted || res.Summary.CompletedEpochs != stopIn {
		t.Fatalf("interrupted=%v completed_epochs=%d", res.Summary.Interrupted, res.Summary.CompletedEpochs)
	}
	full, _ := runScenario(t, "partition-50-50", stopIn, "off")
	for _, f := range []string{output.GroupsFile, output.BlocksFile} {
		a, errA := os.ReadFile(filepath.Join(cut, f))
		b, errB := os.ReadFile(filepath.Join(full, f))
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v, %v", f, errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s of the interrupted run differs from a %d-epoch run's", f, stopIn)
		}
	}
	readBlocks(t, cut)
}
