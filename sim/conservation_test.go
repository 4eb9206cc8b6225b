package sim

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/scenarios"
)

// TestConservationViolationStopsRun: a balance that changes outside the
// ledger (here: one Gwei slipped into the genesis state) stops the run at
// the first epoch check with an error naming the epoch.
func TestConservationViolationStopsRun(t *testing.T) {
	sc, err := scenarios.Load("baseline", []scenarios.Override{{Name: "validators", Value: "64"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.SetBLS("off"); err != nil {
		t.Fatal(err)
	}
	e, err := New(sc, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.chain.genesis.post.Balances[3]++ // not through IncreaseBalance
	_, err = e.Run(context.Background())
	if !errors.Is(err, consensus.ErrConservation) {
		t.Fatalf("err = %v, want ErrConservation", err)
	}
	if !strings.Contains(err.Error(), "epoch 0") {
		t.Errorf("error does not name the epoch: %v", err)
	}
}
