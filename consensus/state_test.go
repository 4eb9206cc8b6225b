package consensus

import (
	"reflect"
	"testing"
)

// TestCopySharesUntilWrite checks the copy-on-write registry and
// inactivity scores: a copy shares them with the original until either
// writes, and a write through either never shows in the other.
func TestCopySharesUntilWrite(t *testing.T) {
	cfg := Minimal()
	orig := efState(&cfg, efN(4, 32*efETH)...)
	c := orig.Copy()
	if &c.Validators[0] != &orig.Validators[0] || &c.InactivityScores[0] != &orig.InactivityScores[0] {
		t.Fatal("a fresh copy does not share the registry and the scores")
	}
	want := orig.Copy()
	want.Validators = append([]Validator(nil), orig.Validators...)
	want.InactivityScores = append([]uint64(nil), orig.InactivityScores...)

	c.MutValidator(1).Slashed = true
	c.mutInactivityScores()[2] = 7
	addValidatorToRegistry(&cfg, c, efCreds(ETH1AddressWithdrawalPrefix), 32*efETH)
	orig.MutValidator(3).ExitEpoch = 9
	orig.appendValidator(Validator{ExitEpoch: 11})

	if orig.Validators[1].Slashed || orig.InactivityScores[2] != 0 || len(orig.InactivityScores) != 4 {
		t.Fatal("a write to the copy changed the original")
	}
	if c.Validators[3].ExitEpoch == 9 || len(c.Validators) != 5 || c.Validators[4].ExitEpoch == 11 {
		t.Fatal("a write to the original changed the copy")
	}
	if !reflect.DeepEqual(want.Validators[:3], orig.Validators[:3]) || !reflect.DeepEqual(want.InactivityScores, orig.InactivityScores) {
		t.Fatal("the original's untouched entries changed")
	}
}

// TestRegistryMemoFollowsWrites checks that the registry memo never
// answers for a registry that changed: a copy that exits a validator sees
// the smaller active set, the original keeps its own.
func TestRegistryMemoFollowsWrites(t *testing.T) {
	cfg := Minimal()
	orig := efState(&cfg, efN(4, 32*efETH)...)
	c := orig.Copy()
	epoch := GetCurrentEpoch(&cfg, c)
	if GetTotalActiveBalance(&cfg, c) != 128*efETH {
		t.Fatal("total active balance of the copy")
	}
	v := c.MutValidator(2)
	v.ExitEpoch, v.WithdrawableEpoch = epoch, epoch+1
	if got := GetTotalActiveBalance(&cfg, c); got != 96*efETH {
		t.Fatalf("after the exit, total %d, want %d", got, 96*efETH)
	}
	if got := GetTotalActiveBalance(&cfg, orig); got != 128*efETH {
		t.Fatalf("the original's total became %d", got)
	}
	c2 := c.Copy()
	if GetCommitteeCountPerSlot(&cfg, c2, epoch) != 1 || activeSummaryOf(c2, epoch).count != 3 {
		t.Fatal("the copy of the copy does not see three active validators")
	}
}
