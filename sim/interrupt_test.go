package sim_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/sim"
)

// TestInterruptedRunKeepsCompletedEpochs cancels a run's context while it
// is in epoch 7 (from the progress callback of epoch 6). The engine
// finishes epoch 7 as the settling epoch, so the outputs must be byte for
// byte those of an uninterrupted run of 7 epochs, and the summary must say
// interrupted, with 7 completed epochs of the 40 planned.
func TestInterruptedRunKeepsCompletedEpochs(t *testing.T) {
	const stopIn = 7
	for _, name := range []string{"partition-50-50", "restaking-cascade"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opts := sim.Options{Progress: func(p sim.Progress) {
				if p.Epoch == stopIn { // epoch stopIn-1 is done
					cancel()
				}
			}}
			cut, res := runLoaded(t, ctx, loadScenario(t, name, 40, "off"), opts)
			s := res.Summary
			if !s.Interrupted || s.CompletedEpochs != stopIn || s.Epochs != 40 {
				t.Fatalf("summary: interrupted=%v completed_epochs=%d epochs=%d, want true, %d, 40",
					s.Interrupted, s.CompletedEpochs, s.Epochs, stopIn)
			}
			full, ref := runScenario(t, name, stopIn, "off")
			if ref.Summary.Interrupted || ref.Summary.CompletedEpochs != stopIn {
				t.Fatalf("reference run: interrupted=%v completed_epochs=%d", ref.Summary.Interrupted, ref.Summary.CompletedEpochs)
			}
			for _, f := range []string{output.EpochsFile, output.EventsFile, output.AVSFile} {
				a, errA := os.ReadFile(filepath.Join(cut, f))
				b, errB := os.ReadFile(filepath.Join(full, f))
				if os.IsNotExist(errA) && os.IsNotExist(errB) {
					continue
				}
				if errA != nil || errB != nil {
					t.Fatalf("%s: %v, %v", f, errA, errB)
				}
				if !bytes.Equal(a, b) {
					t.Errorf("%s of the interrupted run differs from a %d-epoch run's", f, stopIn)
				}
			}
			if s.FinalizedEpoch != ref.Summary.FinalizedEpoch || s.APRPercent != ref.Summary.APRPercent {
				t.Errorf("summary figures differ: finalized %d vs %d, APR %v vs %v",
					s.FinalizedEpoch, ref.Summary.FinalizedEpoch, s.APRPercent, ref.Summary.APRPercent)
			}
		})
	}
}

// TestInterruptedInFirstEpoch: a run stopped during epoch 0 reports
// nothing but says so.
func TestInterruptedInFirstEpoch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir, res := runLoaded(t, ctx, loadScenario(t, "baseline", 10, "off"), sim.Options{})
	if !res.Summary.Interrupted || res.Summary.CompletedEpochs != 0 {
		t.Fatalf("interrupted=%v completed_epochs=%d, want true, 0", res.Summary.Interrupted, res.Summary.CompletedEpochs)
	}
	rows := readRows(t, dir)
	if len(rows) != 0 {
		t.Errorf("%d rows, want none", len(rows))
	}
}
