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
