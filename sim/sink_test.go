package sim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// failingSink accepts failAt-1 events, then fails every call; it counts
// the calls it got after its first failure.
type failingSink struct {
	failAt, events, after int
	rows                  int
}

var errDiskFull = errors.New("disk full")

func (s *failingSink) Epoch(sim.EpochRow) error { s.rows++; return nil }

func (s *failingSink) Event(sim.Event) error {
	s.events++
	if s.events > s.failAt {
		s.after++
	}
	if s.events >= s.failAt {
		return errDiskFull
	}
	return nil
}

// TestSinkErrorStopsRun: the first error a Sink returns for an event stops
// the run (it is returned wrapped), and no event is sent after it.
func TestSinkErrorStopsRun(t *testing.T) {
	sc, err := scenarios.Load("baseline", []scenarios.Override{{Name: "validators", Value: "64"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.SetBLS("off"); err != nil {
		t.Fatal(err)
	}
	sink := &failingSink{failAt: 2} // baseline emits justified/finalized events from epoch 2 on
	_, err = sim.Run(context.Background(), sc, sink, sim.Options{})
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("run error = %v, want the sink's error", err)
	}
	if sink.after != 0 {
		t.Errorf("%d events were sent after the sink failed", sink.after)
	}
	if sink.rows >= int(sc.Epochs) {
		t.Errorf("the run went on to the end (%d rows) after the sink failed", sink.rows)
	}
}
