package sim

import (
	"reflect"
	"testing"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/scenarios"
)

// TestGroupRowsByHand: groupRows on a five-validator state, checked
// against figures worked out by hand. Validator 5 is planned (a deposit of
// group y) but not in the state yet, and group z has no validator at all.
func TestGroupRowsByHand(t *testing.T) {
	const far = consensus.FarFutureEpoch
	e := &Engine{
		sc:         &scenarios.Scenario{Groups: []scenarios.Group{{Name: "x"}, {Name: "y"}, {Name: "z"}}},
		groupOfVal: []int{0, 1, 0, 1, 0, 1},
	}
	r := &reporter{e: e}
	st := &consensus.State{
		Validators: []consensus.Validator{
			{EffectiveBalance: 32e9, ActivationEpoch: 0, ExitEpoch: far},              // x: active
			{EffectiveBalance: 31e9, ActivationEpoch: 0, ExitEpoch: 6, Slashed: true}, // y: active at 5, exited (6 <= 5+1)
			{EffectiveBalance: 30e9, ActivationEpoch: 0, ExitEpoch: 7},                // x: active, not exited (7 > 6)
			{EffectiveBalance: 1e9, ActivationEpoch: 0, ExitEpoch: 3, Slashed: true},  // y: exited long ago
			{EffectiveBalance: 32e9, ActivationEpoch: 6, ExitEpoch: far},              // x: not active yet
		},
		Balances:         []consensus.Gwei{32_000_000_005, 31_000_000_000, 30_000_000_001, 1_000_000_000, 31_999_999_999},
		InactivityScores: []uint64{0, 7, 10, 0, 3},
	}
	got := r.groupRows(5, "a+b", st)
	want := []GroupRow{
		{
			Epoch: 5, Branch: "a+b", Group: "x",
			Validators: 3, Active: 2, Slashed: 0, Exited: 0,
			// (32_000_000_005 + 30_000_000_001 + 31_999_999_999) / 3 = 94_000_000_005 / 3
			BalanceMeanGwei: 31_333_333_335, BalanceMinGwei: 30_000_000_001, BalanceMaxGwei: 32_000_000_005,
			// (32 + 30 + 32) ETH / 3 = 94e9 / 3, floored
			EffectiveBalanceMeanGwei: 31_333_333_333,
			// (0 + 10 + 3) / 3 = 4.333333...
			InactivityScoreMeanPPM: 4_333_333,
		},
		{
			Epoch: 5, Branch: "a+b", Group: "y",
			Validators: 2, Active: 1, Slashed: 2, Exited: 2,
			BalanceMeanGwei: 16_000_000_000, BalanceMinGwei: 1_000_000_000, BalanceMaxGwei: 31_000_000_000,
			EffectiveBalanceMeanGwei: 16_000_000_000,
			InactivityScoreMeanPPM:   3_500_000, // 7 / 2
		},
		{Epoch: 5, Branch: "a+b", Group: "z"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groupRows =\n%+v\nwant\n%+v", got, want)
	}
}

// TestMillionthsOf: floor(sum * 10^6 / n) past 64 bits of product.
func TestMillionthsOf(t *testing.T) {
	for _, c := range []struct{ sum, n, want uint64 }{
		{0, 1, 0},
		{1, 3, 333_333},
		{2, 3, 666_666},
		{13, 3, 4_333_333},
		{1 << 60, 1 << 20, 1 << 40 * 1_000_000},           // product above 2^64
		{^uint64(0), 1, ^uint64(0)},                       // saturates
		{^uint64(0), 1_000_000, ^uint64(0)},               // exactly fits
		{^uint64(0) - 1, 1_000_000, ^uint64(0) - 1},       // exactly fits
		{1_000_000_007, 1_000_000, 1_000_000_007},         // n = 10^6: the sum
		{4_000_000_000_000, 1_000_000, 4_000_000_000_000}, // large, exact
	} {
		if got := millionthsOf(c.sum, c.n); got != c.want {
			t.Errorf("millionthsOf(%d, %d) = %d, want %d", c.sum, c.n, got, c.want)
		}
	}
}
