package sim

import (
	"errors"
	"testing"

	"github.com/stakesim/stakesim/consensus"
)

func testGenesis(t *testing.T, n int) *consensus.State {
	t.Helper()
	cfg, _ := consensus.PresetByName("minimal")
	vals := make([]consensus.GenesisValidator, n)
	for i := range vals {
		vals[i] = consensus.GenesisValidator{Balance: 32_000_000_000}
		vals[i].WithdrawalCredentials[0] = consensus.ETH1AddressWithdrawalPrefix
	}
	st, err := consensus.NewGenesisState(&cfg, vals, consensus.Root{1}, consensus.NewCaches())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestInvariantErrors: each check returns a typed InvariantError that
// names the epoch, branch and check and wraps its sentinel, and passes
// the states the invariant allows.
func TestInvariantErrors(t *testing.T) {
	st := testGenesis(t, 8)
	if err := checkConservation(3, "main", st); err != nil {
		t.Fatalf("genesis: %v", err)
	}
	broken := st.Copy()
	broken.Balances[0]++ // one Gwei from nowhere, bypassing the Ledger
	err := checkConservation(3, "main", broken)
	var ie *InvariantError
	if !errors.As(err, &ie) || ie.Epoch != 3 || ie.Branch != "main" || ie.Check != CheckConservation {
		t.Fatalf("conservation: got %v", err)
	}
	if !errors.Is(err, ErrConservation) || !errors.Is(err, consensus.ErrConservation) {
		t.Errorf("conservation error %v does not wrap both sentinels", err)
	}

	prev := st.Copy()
	prev.MutValidator(consensus.ValidatorIndex(5)).Slashed = true
	next := prev.Copy()
	next.Balances[5] += 7
	if err := checkSlashedNotRewarded(4, "a+b", prev, next, nil); !errors.Is(err, ErrSlashedRewarded) {
		t.Errorf("slashed validator +7 Gwei: got %v, want ErrSlashedRewarded", err)
	}
	if err := checkSlashedNotRewarded(4, "a+b", prev, next, map[consensus.ValidatorIndex]bool{5: true}); err != nil {
		t.Errorf("a deposit into a slashed validator is allowed: %v", err)
	}
	rewarded := prev.Copy()
	rewarded.Balances[4] += 7 // not slashed
	if err := checkSlashedNotRewarded(4, "a+b", prev, rewarded, nil); err != nil {
		t.Errorf("an unslashed validator may be rewarded: %v", err)
	}
	newlySlashed := st.Copy()
	newlySlashed.MutValidator(consensus.ValidatorIndex(2)).Slashed = true
	newlySlashed.Balances[2] += 7 // slashed during the epoch: prev had it unslashed
	if err := checkSlashedNotRewarded(4, "a+b", st, newlySlashed, nil); err != nil {
		t.Errorf("only validators slashed before the epoch are checked: %v", err)
	}

	if err := checkFinalityKept(9, "left", 4, 4); err != nil {
		t.Errorf("finality kept: %v", err)
	}
	err = checkFinalityKept(9, "left", 3, 4)
	if !errors.As(err, &ie) || ie.Check != CheckFinalityReverted || !errors.Is(err, ErrFinalityReverted) {
		t.Errorf("finality reverted: got %v", err)
	}
}

// TestExitScheduledAfter: at genesis no exit is queued although
// earliest_exit_epoch is already ahead; one validator with an exit epoch
// after the epoch makes the queue non-empty, one already exited does not.
func TestExitScheduledAfter(t *testing.T) {
	st := testGenesis(t, 4)
	if st.EarliestExitEpoch <= 1 {
		t.Fatalf("earliest_exit_epoch %d: the genesis case this test is about needs it ahead of epoch 1", st.EarliestExitEpoch)
	}
	if exitScheduledAfter(st, 1) {
		t.Error("genesis: an exit is reported queued")
	}
	st.MutValidator(consensus.ValidatorIndex(2)).ExitEpoch = 1
	if exitScheduledAfter(st, 1) {
		t.Error("an exit at epoch 1 is not after epoch 1")
	}
	st.MutValidator(consensus.ValidatorIndex(3)).ExitEpoch = 7
	if !exitScheduledAfter(st, 1) {
		t.Error("an exit at epoch 7 is not seen")
	}
}
