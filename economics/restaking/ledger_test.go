package restaking_test

import (
	"errors"
	"math/big"
	"testing"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/restaking"
)

type (
	Gwei  = consensus.Gwei
	Epoch = consensus.Epoch
)

const (
	eth = Gwei(1_000_000_000)
	wad = restaking.WAD
)

// pct is p percent in WAD.
func pct(p uint64) uint64 { return p * (wad / 100) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func check(t *testing.T, l *restaking.Ledger) {
	t.Helper()
	if err := l.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}

func expectErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func stake(t *testing.T, l *restaking.Ledger, op, set string, at Epoch) Gwei {
	t.Helper()
	s, err := l.SlashableStake(op, set, at)
	must(t, err)
	return s
}

// setup builds a ledger with operator "op" holding ownGwei, registered for
// the given sets (burning, no veto, no rewards).
func setup(t *testing.T, p restaking.Params, own Gwei, sets ...string) *restaking.Ledger {
	t.Helper()
	l, err := restaking.New(p)
	must(t, err)
	must(t, l.RegisterOperator(restaking.OperatorConfig{ID: "op", CommissionBps: restaking.DefaultCommissionBps}))
	if own > 0 {
		must(t, l.Deposit("op", own))
	}
	for _, s := range sets {
		must(t, l.CreateOperatorSet(restaking.OperatorSetConfig{ID: s, ThresholdWAD: pct(50)}))
		must(t, l.RegisterForOperatorSet("op", s))
	}
	check(t, l)
	return l
}

func TestMainnetParams(t *testing.T) {
	// Reference: docs/core/AllocationManager.md and DelegationManager.md,
	// "Parameterization"; 12-s blocks, 32 × 12-s slots per epoch.
	//   100,800 × 12 / 384 = 3,150 exactly.
	//   126,000 × 12 / 384 = 3,937.5, rounded up to 3,938.
	p := restaking.MainnetParams()
	want := restaking.Params{AllocationDelay: 3938, AllocationConfigurationDelay: 3938, DeallocationDelay: 3150, WithdrawalDelay: 3150}
	if p != want {
		t.Fatalf("MainnetParams() = %+v, want %+v", p, want)
	}
	// Minimal preset: 8 × 6-s slots = 48-s epochs: 100,800 × 12 / 48 =
	// 25,200 and 126,000 × 12 / 48 = 31,500.
	cfg := consensus.Minimal()
	p = restaking.ParamsFor(&cfg)
	want = restaking.Params{AllocationDelay: 31500, AllocationConfigurationDelay: 31500, DeallocationDelay: 25200, WithdrawalDelay: 25200}
	if p != want {
		t.Fatalf("ParamsFor(minimal) = %+v, want %+v", p, want)
	}
}

// TestEigenLayerWorkedExample: an operator with 100 shares allocates 0.3
// and 0.5 to two operator sets; the first slashes 50%: 15 shares are
// slashed, the first set's slashable stake is 15, the second's stays 50,
// and the max magnitude is 0.85. Reference: issue 6, "Done means"; ELIP-002
// "Slashing of Unique Stake".
func TestEigenLayerWorkedExample(t *testing.T) {
	p := restaking.MainnetParams()
	l := setup(t, p, 100*eth, "A", "B")
	must(t, l.ModifyAllocation("op", "A", pct(30)))
	must(t, l.ModifyAllocation("op", "B", pct(50)))
	check(t, l)
	// Not slashable until the allocation delay has passed.
	eq(t, "stake(A) now", stake(t, l, "op", "A", 0), 0)
	eq(t, "stake(A) at effect-1", stake(t, l, "op", "A", p.AllocationDelay-1), 0)
	eq(t, "stake(A) at effect", stake(t, l, "op", "A", p.AllocationDelay), 30*eth)

	_, err := l.Advance(p.AllocationDelay)
	must(t, err)
	check(t, l)
	eq(t, "stake(A)", stake(t, l, "op", "A", l.Epoch()), 30*eth)
	eq(t, "stake(B)", stake(t, l, "op", "B", l.Epoch()), 50*eth)

	rep, err := l.Slash("op", "A", pct(50))
	must(t, err)
	check(t, l)
	eq(t, "magnitude slashed", rep.MagnitudeSlashed, pct(15))
	eq(t, "new max magnitude", rep.NewMaxMagnitude, pct(85))
	eq(t, "shares slashed", rep.TotalGwei, 15*eth)
	eq(t, "own slashed", rep.Own.ActiveGwei, 15*eth)
	eq(t, "delegators", len(rep.Delegators), 0)
	eq(t, "burned", rep.Redistributed, false)

	eq(t, "stake(A) after", stake(t, l, "op", "A", l.Epoch()), 15*eth)
	eq(t, "stake(B) after", stake(t, l, "op", "B", l.Epoch()), 50*eth)
	mm, err := l.MaxMagnitude("op")
	must(t, err)
	eq(t, "max magnitude", mm, pct(85))
	b, err := l.Allocation("op", "B")
	must(t, err)
	eq(t, "B magnitude", b.CurrentMagnitude, pct(50))
	info, err := l.Operator("op")
	must(t, err)
	eq(t, "shares", info.SharesGwei, 85*eth)
	eq(t, "burned total", l.Totals().BurnedGwei, 15*eth)
}

// TestELIP002Example follows ELIP-002's magnitude tables: magnitudes 30%,
// 25%, 20% of 100; the first set is deallocated to 20% (10 stays slashable
// until the delay passes); a staker delegates 100 more; the first set
// slashes 50%: its magnitude falls to 10% of a total of 90%, the operator
// keeps 180, and the sets' stakes are 20, 50 and 40.
func TestELIP002Example(t *testing.T) {
	p := restaking.Params{DeallocationDelay: 5, WithdrawalDelay: 5}
	l := setup(t, p, 100*eth, "AVS_1", "AVS_2", "EigenDA")
	must(t, l.ModifyAllocation("op", "AVS_1", pct(30)))
	must(t, l.ModifyAllocation("op", "AVS_2", pct(25)))
	must(t, l.ModifyAllocation("op", "EigenDA", pct(20)))
	check(t, l)
	must(t, l.ModifyAllocation("op", "AVS_1", pct(20)))
	eq(t, "AVS_1 during deallocation", stake(t, l, "op", "AVS_1", 0), 30*eth)
	eq(t, "AVS_1 at effect", stake(t, l, "op", "AVS_1", 6), 20*eth)
	_, err := l.Advance(6)
	must(t, err)
	eq(t, "allocatable after deallocation", val(l.AllocatableMagnitude("op")), pct(35))

	must(t, l.RegisterStaker("alice"))
	must(t, l.Deposit("alice", 100*eth))
	must(t, l.DelegateTo("alice", "op"))
	check(t, l)
	eq(t, "AVS_1 with deposit", stake(t, l, "op", "AVS_1", 6), 40*eth)

	rep, err := l.Slash("op", "AVS_1", pct(50))
	must(t, err)
	check(t, l)
	eq(t, "max", rep.NewMaxMagnitude, pct(90))
	eq(t, "slashed", rep.TotalGwei, 20*eth)
	eq(t, "own", rep.Own.ActiveGwei, 10*eth)
	eq(t, "alice", rep.Delegators[0], restaking.StakerSlash{Staker: "alice", ActiveGwei: 10 * eth})
	eq(t, "AVS_1", stake(t, l, "op", "AVS_1", 6), 20*eth)
	eq(t, "AVS_2", stake(t, l, "op", "AVS_2", 6), 50*eth)
	eq(t, "EigenDA", stake(t, l, "op", "EigenDA", 6), 40*eth)
	eq(t, "restaked", l.TotalRestaked(), 180*eth)
}

// val unwraps a query result; a query error fails the test with a panic.
func val[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// bigCeil is ceil(a·b/c) with math/big, written independently of the
// ledger's 128-bit arithmetic.
func bigCeil(a, b, c uint64) uint64 {
	n := new(big.Int).Mul(new(big.Int).SetUint64(a), new(big.Int).SetUint64(b))
	n.Add(n, new(big.Int).SetUint64(c-1))
	return n.Div(n, new(big.Int).SetUint64(c)).Uint64()
}

// TestSlashRounding checks the slashed magnitude (rounded up,
// SlashingLib.mulWadRoundUp) and the slashed shares (shares less the
// remaining shares rounded up, SlashingLib.calcSlashedAmount) on awkward
// numbers against hand calculations.
func TestSlashRounding(t *testing.T) {
	tests := []struct {
		name       string
		shares     Gwei
		magnitude  uint64
		wadToSlash uint64
		wantMag    uint64
		wantGwei   Gwei
	}{
		{
			// 333333333333333333 × 0.5 = 166666666666666666.5 → up to
			// ...667. New max 833333333333333333; 10e9 × 0.833... =
			// 8333333333.33 → remaining rounded up to 8333333334; slashed
			// 10e9 − 8333333334 = 1666666666 (rounding down would give
			// ...667).
			name: "third slashed by half", shares: 10 * eth, magnitude: wad / 3, wadToSlash: wad / 2,
			wantMag: 166666666666666667, wantGwei: 1666666666,
		},
		{
			// 0.3e18 × 1/1e18 = 0.3 → up to 1: a dust slash still takes
			// magnitude. New max 1e18 − 1; 100e9 × (1 − 1e-18) rounds up to
			// 100e9: no Gwei slashed.
			name: "dust", shares: 100 * eth, magnitude: pct(30), wadToSlash: 1,
			wantMag: 1, wantGwei: 0,
		},
		{
			// 0.3e18 × 333333333333333333 / 1e18 = 99999999999999999.9 →
			// up to 1e17. New max 0.9e18: 7e9 × 0.9 = 6.3e9; slashed 0.7e9.
			name: "a third of 0.3", shares: 7 * eth, magnitude: pct(30), wadToSlash: wad / 3,
			wantMag: pct(10), wantGwei: 700_000_000,
		},
		{
			// 100% of a full allocation: everything.
			name: "all", shares: 3 * eth, magnitude: wad, wadToSlash: wad,
			wantMag: wad, wantGwei: 3 * eth,
		},
		{
			// Odd numbers, checked with math/big.
			name: "odd", shares: 31_415_926_535, magnitude: 123_456_789_012_345_678, wadToSlash: 987_654_321_098_765_432,
			wantMag:  bigCeil(123_456_789_012_345_678, 987_654_321_098_765_432, wad),
			wantGwei: 31_415_926_535 - Gwei(bigCeil(31_415_926_535, wad-bigCeil(123_456_789_012_345_678, 987_654_321_098_765_432, wad), wad)),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := setup(t, restaking.Params{}, tc.shares, "A")
			must(t, l.ModifyAllocation("op", "A", tc.magnitude))
			rep, err := l.Slash("op", "A", tc.wadToSlash)
			must(t, err)
			check(t, l)
			eq(t, "magnitude slashed", rep.MagnitudeSlashed, tc.wantMag)
			eq(t, "new max", rep.NewMaxMagnitude, wad-tc.wantMag)
			eq(t, "slashed", rep.TotalGwei, tc.wantGwei)
			a := val(l.Allocation("op", "A"))
			eq(t, "remaining magnitude", a.CurrentMagnitude, tc.magnitude-tc.wantMag)
		})
	}
}

func TestRepeatedSlashes(t *testing.T) {
	l := setup(t, restaking.Params{}, 100*eth, "A", "B")
	must(t, l.ModifyAllocation("op", "A", pct(30)))
	must(t, l.ModifyAllocation("op", "B", pct(50)))
	// Each 50% slash halves A's magnitude and takes as much off the max:
	// A 0.3 → 0.15 → 0.075 → 0.0375; max 1 → 0.85 → 0.775 → 0.7375;
	// shares 100 → 85 → 77.5 → 73.75 (slashed 15, 7.5, 3.75); B keeps
	// 73.75 × 0.5 / 0.7375 = 50.
	steps := []struct {
		mag, max uint64
		slashed  Gwei
	}{
		{pct(15), pct(85), 15 * eth},
		{75_000_000_000_000_000, 775_000_000_000_000_000, 7_500_000_000},
		{37_500_000_000_000_000, 737_500_000_000_000_000, 3_750_000_000},
	}
	for _, s := range steps {
		rep, err := l.Slash("op", "A", pct(50))
		must(t, err)
		check(t, l)
		eq(t, "slashed", rep.TotalGwei, s.slashed)
		eq(t, "max", rep.NewMaxMagnitude, s.max)
		eq(t, "A magnitude", val(l.Allocation("op", "A")).CurrentMagnitude, s.mag)
		eq(t, "B stake", stake(t, l, "op", "B", 0), 50*eth)
	}
	eq(t, "restaked", l.TotalRestaked(), 73_750_000_000)
}

// TestSlashPendingDeallocation: a deallocation stays slashable until
// DEALLOCATION_DELAY has passed, and a slash in that window also shrinks
// the pending deallocation proportionally; after the delay only the
// reduced allocation is slashable.
func TestSlashPendingDeallocation(t *testing.T) {
	const D = 10
	p := restaking.Params{DeallocationDelay: D, WithdrawalDelay: D}
	start := func(t *testing.T) *restaking.Ledger {
		l := setup(t, p, 100*eth, "A")
		must(t, l.ModifyAllocation("op", "A", pct(50)))
		must(t, l.ModifyAllocation("op", "A", pct(20))) // at epoch 0, effect at D+1
		check(t, l)
		a := val(l.Allocation("op", "A"))
		eq(t, "effect epoch", a.EffectEpoch, Epoch(D+1))
		eq(t, "stake at D", stake(t, l, "op", "A", D), 50*eth)
		eq(t, "stake at D+1", stake(t, l, "op", "A", D+1), 20*eth)
		eq(t, "minimum stake through D", val(l.MinimumSlashableStake("op", "A", D)), 50*eth)
		eq(t, "minimum stake through D+1", val(l.MinimumSlashableStake("op", "A", D+1)), 20*eth)
		return l
	}
	t.Run("inside window", func(t *testing.T) {
		l := start(t)
		_, err := l.Advance(D)
		must(t, err)
		rep, err := l.Slash("op", "A", pct(50))
		must(t, err)
		check(t, l)
		// 0.5 × 0.5 = 0.25 slashed; pending −0.3 shrinks by 0.15 to −0.15;
		// shares 100 → 75.
		eq(t, "magnitude slashed", rep.MagnitudeSlashed, pct(25))
		eq(t, "pending slashed", rep.PendingDeallocationSlashed, pct(15))
		eq(t, "slashed", rep.TotalGwei, 25*eth)
		_, err = l.Advance(D + 1)
		must(t, err)
		check(t, l)
		a := val(l.Allocation("op", "A"))
		eq(t, "magnitude after deallocation", a.CurrentMagnitude, pct(10))
		eq(t, "allocatable", val(l.AllocatableMagnitude("op")), pct(65))
		eq(t, "stake", stake(t, l, "op", "A", D+1), 10*eth) // 75 × 0.1/0.75
	})
	t.Run("after window", func(t *testing.T) {
		l := start(t)
		_, err := l.Advance(D + 1)
		must(t, err)
		rep, err := l.Slash("op", "A", pct(50))
		must(t, err)
		check(t, l)
		eq(t, "magnitude slashed", rep.MagnitudeSlashed, pct(10))
		eq(t, "slashed", rep.TotalGwei, 10*eth)
	})
	t.Run("not slashable frees at once", func(t *testing.T) {
		l := setup(t, p, 100*eth, "A")
		must(t, l.ModifyAllocation("op", "A", pct(50)))
		must(t, l.DeregisterFromOperatorSet("op", "A"))
		_, err := l.Advance(D + 1) // slashableUntil = D has passed
		must(t, err)
		must(t, l.ModifyAllocation("op", "A", pct(20)))
		check(t, l)
		a := val(l.Allocation("op", "A"))
		eq(t, "pending", a.HasPending, false)
		eq(t, "magnitude", a.CurrentMagnitude, pct(20))
		eq(t, "allocatable", val(l.AllocatableMagnitude("op")), pct(80))
	})
}

func TestAllocationNotSlashableBeforeEffect(t *testing.T) {
	p := restaking.Params{AllocationDelay: 5, DeallocationDelay: 3}
	l := setup(t, p, 100*eth, "A")
	must(t, l.ModifyAllocation("op", "A", pct(40)))
	_, err := l.Advance(4)
	must(t, err)
	rep, err := l.Slash("op", "A", pct(50))
	must(t, err)
	check(t, l)
	eq(t, "skipped", rep.Skipped, true)
	eq(t, "slashed", rep.TotalGwei, 0)
	eq(t, "max", val(l.MaxMagnitude("op")), wad)
	eq(t, "stake now", stake(t, l, "op", "A", 4), 0)
	eq(t, "stake at 5", stake(t, l, "op", "A", 5), 40*eth)
	// Another modification while one is pending is refused.
	expectErr(t, l.ModifyAllocation("op", "A", pct(10)), restaking.ErrModificationPending)

	_, err = l.Advance(5)
	must(t, err)
	rep, err = l.Slash("op", "A", pct(50))
	must(t, err)
	check(t, l)
	eq(t, "slashed at effect", rep.TotalGwei, 20*eth)

	// Registration is required, and a deregistered operator is slashable
	// through epoch + DEALLOCATION_DELAY only.
	must(t, l.DeregisterFromOperatorSet("op", "A"))
	expectErr(t, l.RegisterForOperatorSet("op", "A"), restaking.ErrAlreadyMember)
	_, err = l.Advance(8)
	must(t, err)
	_, err = l.Slash("op", "A", pct(10))
	must(t, err)
	_, err = l.Advance(9)
	must(t, err)
	_, err = l.Slash("op", "A", pct(10))
	expectErr(t, err, restaking.ErrNotSlashable)
	eq(t, "stake when not slashable", stake(t, l, "op", "A", 9), 0)
	must(t, l.RegisterForOperatorSet("op", "A"))
	check(t, l)
}

func TestAllocateBeyondMaxMagnitude(t *testing.T) {
	p := restaking.Params{AllocationDelay: 5}
	l := setup(t, p, 100*eth, "A", "B", "C")
	must(t, l.ModifyAllocation("op", "A", pct(60)))
	// The pending 0.6 already counts against the max.
	expectErr(t, l.ModifyAllocation("op", "B", pct(50)), restaking.ErrInsufficientMagnitude)
	expectErr(t, l.ModifyAllocation("op", "B", wad+1), restaking.ErrInvalidMagnitude)
	check(t, l)
	eq(t, "allocatable", val(l.AllocatableMagnitude("op")), pct(40))
	must(t, l.ModifyAllocation("op", "B", pct(40)))
	eq(t, "allocatable", val(l.AllocatableMagnitude("op")), 0)

	// After a slash the max is smaller: 0.6 and 0.4 in effect, 50% of A
	// slashed → A 0.3, max 0.7, encumbered 0.7.
	_, err := l.Advance(5)
	must(t, err)
	_, err = l.Slash("op", "A", pct(50))
	must(t, err)
	must(t, l.ModifyAllocation("op", "A", pct(20))) // slashable: pending, still encumbered
	expectErr(t, l.ModifyAllocation("op", "C", 1), restaking.ErrInsufficientMagnitude)
	_, err = l.Advance(6) // DeallocationDelay 0: effect at 5+0+1
	must(t, err)
	expectErr(t, l.ModifyAllocation("op", "C", pct(10)+1), restaking.ErrInsufficientMagnitude)
	must(t, l.ModifyAllocation("op", "C", pct(10)))
	check(t, l)
	expectErr(t, l.ModifyAllocation("op", "B", pct(40)), restaking.ErrSameMagnitude)
}

// TestWithdrawalSlashedInQueue: stake queued for withdrawal stays slashable
// by the operator it was delegated to until the withdrawal delay passes; a
// slash in that window reduces the payout; completing early is refused.
func TestWithdrawalSlashedInQueue(t *testing.T) {
	const W = 10
	p := restaking.Params{WithdrawalDelay: W, DeallocationDelay: W}
	l := setup(t, p, 60*eth, "A")
	for _, s := range []struct {
		id  string
		amt Gwei
	}{{"bob", 20 * eth}, {"alice", 40 * eth}, {"carol", 10 * eth}} {
		must(t, l.RegisterStaker(s.id))
		must(t, l.Deposit(s.id, s.amt))
		must(t, l.DelegateTo(s.id, "op"))
	}
	must(t, l.ModifyAllocation("op", "A", pct(50)))
	wa := val(l.QueueWithdrawal("alice", 40*eth))
	wb := val(l.Undelegate("bob"))
	check(t, l)
	eq(t, "pending", l.PendingWithdrawalsGwei(), 60*eth)
	eq(t, "stake", stake(t, l, "op", "A", 0), 35*eth) // (60 + 10) × 0.5

	_, err := l.Advance(1)
	must(t, err)
	rep, err := l.Slash("op", "A", pct(50))
	must(t, err)
	check(t, l)
	// Magnitude 0.25 slashed, max 0.75. Active shares 70 → 52.5: op 15,
	// carol 2.5. Queue 60 → 45: alice 10, bob 5.
	eq(t, "active", rep.ActiveGwei, 17_500_000_000)
	eq(t, "queued", rep.QueuedGwei, 15*eth)
	eq(t, "own", rep.Own, restaking.StakerSlash{Staker: "op", ActiveGwei: 15 * eth})
	want := []restaking.StakerSlash{
		{Staker: "alice", QueuedGwei: 10 * eth},
		{Staker: "bob", QueuedGwei: 5 * eth},
		{Staker: "carol", ActiveGwei: 2_500_000_000},
	}
	eq(t, "delegators", len(rep.Delegators), len(want))
	for i := range want {
		eq(t, "delegator", rep.Delegators[i], want[i])
	}

	_, err = l.Advance(W)
	must(t, err)
	_, err = l.CompleteWithdrawal(wa)
	expectErr(t, err, restaking.ErrWithdrawalNotCompletable)
	_, err = l.Advance(W + 1)
	must(t, err)
	// Past the window: a new slash no longer reaches the queue.
	rep, err = l.Slash("op", "A", pct(10))
	must(t, err)
	eq(t, "queued after window", rep.QueuedGwei, 0)
	eq(t, "alice paid", val(l.CompleteWithdrawal(wa)), 30*eth)
	eq(t, "bob paid", val(l.CompleteWithdrawal(wb)), 15*eth)
	_, err = l.CompleteWithdrawal(wa)
	expectErr(t, err, restaking.ErrWithdrawalCompleted)
	check(t, l)
	tot := l.Totals()
	eq(t, "withdrawn", tot.WithdrawnGwei, 45*eth)
	eq(t, "pending", tot.PendingWithdrawalsGwei, 0)
}

func TestVeto(t *testing.T) {
	p := restaking.Params{DeallocationDelay: 2}
	l, err := restaking.New(p)
	must(t, err)
	must(t, l.RegisterOperator(restaking.OperatorConfig{ID: "op"}))
	must(t, l.Deposit("op", 100*eth))
	must(t, l.CreateOperatorSet(restaking.OperatorSetConfig{ID: "V", ThresholdWAD: pct(50), VetoWindow: 5}))
	must(t, l.RegisterForOperatorSet("op", "V"))
	must(t, l.ModifyAllocation("op", "V", pct(50)))

	rep, err := l.Slash("op", "V", pct(50))
	must(t, err)
	eq(t, "queued", rep.Queued, true)
	eq(t, "execute epoch", rep.ExecuteEpoch, 5)
	eq(t, "slashed yet", rep.TotalGwei, 0)
	eq(t, "pending slashes", len(l.PendingSlashes()), 1)
	must(t, l.Veto(rep.ID))
	reps, err := l.Advance(10)
	must(t, err)
	check(t, l)
	eq(t, "reports after veto", len(reps), 0)
	eq(t, "stake after veto", stake(t, l, "op", "V", 10), 50*eth)

	rep, err = l.Slash("op", "V", pct(50))
	must(t, err)
	reps, err = l.Advance(14)
	must(t, err)
	eq(t, "reports before window end", len(reps), 0)
	reps, err = l.Advance(20)
	must(t, err)
	check(t, l)
	eq(t, "reports", len(reps), 1)
	eq(t, "executed id", reps[0].ID, rep.ID)
	eq(t, "executed at", reps[0].Epoch, 15)
	eq(t, "slashed", reps[0].TotalGwei, 25*eth)
	expectErr(t, l.Veto(rep.ID), restaking.ErrSlashNotPending)
	expectErr(t, l.Veto(999), restaking.ErrUnknownSlash)

	// An operator that deregisters escapes a slash whose window outlasts
	// its deallocation delay: the slash executes at 25 > 20 + 2.
	rep, err = l.Slash("op", "V", pct(50))
	must(t, err)
	must(t, l.DeregisterFromOperatorSet("op", "V"))
	reps, err = l.Advance(25)
	must(t, err)
	check(t, l)
	eq(t, "reports", len(reps), 1)
	eq(t, "skipped", reps[0].Skipped, true)
	eq(t, "slashed", reps[0].TotalGwei, 0)
}

func TestVetoAfterExecution(t *testing.T) {
	l, err := restaking.New(restaking.Params{})
	must(t, err)
	must(t, l.RegisterOperator(restaking.OperatorConfig{ID: "op"}))
	must(t, l.Deposit("op", 10*eth))
	must(t, l.CreateOperatorSet(restaking.OperatorSetConfig{ID: "V", ThresholdWAD: wad, VetoWindow: 1}))
	must(t, l.RegisterForOperatorSet("op", "V"))
	must(t, l.ModifyAllocation("op", "V", wad))
	a, err := l.Slash("op", "V", pct(10))
	must(t, err)
	b, err := l.Slash("op", "V", pct(10))
	must(t, err)
	must(t, l.Veto(a.ID))
	expectErr(t, l.Veto(a.ID), restaking.ErrSlashNotPending)
	reps, err := l.Advance(1)
	must(t, err)
	eq(t, "executed", len(reps), 1)
	eq(t, "executed id", reps[0].ID, b.ID)
	eq(t, "slashed", reps[0].TotalGwei, 1*eth)
	check(t, l)
}

func TestRedistribution(t *testing.T) {
	l, err := restaking.New(restaking.Params{})
	must(t, err)
	must(t, l.RegisterOperator(restaking.OperatorConfig{ID: "op"}))
	must(t, l.Deposit("op", 100*eth))
	must(t, l.CreateOperatorSet(restaking.OperatorSetConfig{ID: "R", ThresholdWAD: pct(50), RedistributionRecipient: "insurance"}))
	must(t, l.CreateOperatorSet(restaking.OperatorSetConfig{ID: "B", ThresholdWAD: pct(50)}))
	for _, s := range []string{"R", "B"} {
		must(t, l.RegisterForOperatorSet("op", s))
		must(t, l.ModifyAllocation("op", s, pct(40)))
	}
	rep, err := l.Slash("op", "R", pct(25))
	must(t, err)
	check(t, l)
	eq(t, "redistributed", rep.Redistributed, true)
	eq(t, "recipient", rep.Recipient, "insurance")
	eq(t, "slashed", rep.TotalGwei, 10*eth)
	eq(t, "credited", l.Redistributed("insurance"), 10*eth)
	rep, err = l.Slash("op", "B", pct(25))
	must(t, err)
	check(t, l)
	// Max 0.9 → 0.8 takes 90 → 80.
	eq(t, "burned slash", rep.TotalGwei, 10*eth)
	tot := l.Totals()
	eq(t, "burned", tot.BurnedGwei, 10*eth)
	eq(t, "redistributed total", tot.RedistributedGwei, 10*eth)
	eq(t, "recipients", len(l.Recipients()), 1)
	set := val(l.OperatorSet("R"))
	eq(t, "set slashed", set.SlashedGwei, 10*eth)
	eq(t, "set stake", set.AllocatedStakeGwei, 30*eth) // 80 × 0.3/0.8
}

func TestRewards(t *testing.T) {
	l, err := restaking.New(restaking.Params{})
	must(t, err)
	must(t, l.RegisterOperator(restaking.OperatorConfig{ID: "op", CommissionBps: 1000}))
	must(t, l.Deposit("op", 60*eth))
	must(t, l.RegisterStaker("s"))
	must(t, l.Deposit("s", 40*eth))
	must(t, l.DelegateTo("s", "op"))
	must(t, l.CreateOperatorSet(restaking.OperatorSetConfig{ID: "A", ThresholdWAD: pct(50), RewardRateWAD: wad / 1_000_000}))
	must(t, l.CreateOperatorSet(restaking.OperatorSetConfig{ID: "unregistered", ThresholdWAD: pct(50), RewardRateWAD: wad / 1_000_000}))
	must(t, l.RegisterForOperatorSet("op", "A"))
	must(t, l.ModifyAllocation("op", "A", pct(50)))
	must(t, l.ModifyAllocation("op", "unregistered", pct(50)))
	rep, err := l.AccrueRewards()
	must(t, err)
	check(t, l)
	// Slashable stake 50 ETH × 1e-6 = 50,000 Gwei; commission 10% = 5,000;
	// 45,000 split 60:40 = 27,000 and 18,000. The unregistered set pays
	// nothing: its allocation is not slashable.
	eq(t, "total", rep.TotalGwei, 50_000)
	eq(t, "sets", len(rep.Sets), 1)
	eq(t, "commission", rep.Operators[0].CommissionGwei, 5_000)
	eq(t, "op part", rep.Operators[0].Stakers[0], restaking.StakerReward{Staker: "op", Gwei: 27_000})
	eq(t, "s part", rep.Operators[0].Stakers[1], restaking.StakerReward{Staker: "s", Gwei: 18_000})
	eq(t, "op rewards", val(l.Staker("op")).RewardsGwei, 32_000)
	eq(t, "s rewards", val(l.Staker("s")).RewardsGwei, 18_000)
	_, err = l.AccrueRewards()
	expectErr(t, err, restaking.ErrRewardsAlreadyAccrued)
	_, err = l.Advance(1)
	must(t, err)
	_, err = l.AccrueRewards()
	must(t, err)
	eq(t, "claimed", val(l.ClaimRewards("s")), 36_000)
	check(t, l)
}

func TestDelegationRules(t *testing.T) {
	l := setup(t, restaking.Params{WithdrawalDelay: 1}, 10*eth, "A")
	must(t, l.RegisterOperator(restaking.OperatorConfig{ID: "op2"}))
	must(t, l.RegisterStaker("s"))
	expectErr(t, l.RegisterStaker("op"), restaking.ErrDuplicateID)
	expectErr(t, l.RegisterStaker(""), restaking.ErrInvalidID)
	expectErr(t, l.Deposit("s", 0), restaking.ErrInvalidAmount)
	_, err := l.Undelegate("s")
	expectErr(t, err, restaking.ErrNotDelegated)
	_, err = l.Undelegate("op")
	expectErr(t, err, restaking.ErrOperatorCannotUndelegate)
	expectErr(t, l.DelegateTo("op", "op2"), restaking.ErrAlreadyDelegated)
	must(t, l.Deposit("s", 5*eth))
	_, err = l.QueueWithdrawal("s", 6*eth)
	expectErr(t, err, restaking.ErrInsufficientShares)
	must(t, l.DelegateTo("s", "op"))
	eq(t, "shares", val(l.Operator("op")).SharesGwei, 15*eth)
	expectErr(t, l.DelegateTo("s", "op2"), restaking.ErrAlreadyDelegated)

	// A 100% slash of a full allocation leaves a max magnitude of 0: the
	// operator can take no new stake.
	must(t, l.ModifyAllocation("op", "A", wad))
	rep, err := l.Slash("op", "A", wad)
	must(t, err)
	eq(t, "all slashed", rep.TotalGwei, 15*eth)
	expectErr(t, l.Deposit("s", eth), restaking.ErrFullySlashed)
	id, err := l.Undelegate("s")
	must(t, err)
	eq(t, "nothing to withdraw", id, 0)
	must(t, l.RegisterStaker("t"))
	expectErr(t, l.DelegateTo("t", "op"), restaking.ErrFullySlashed)
	must(t, l.DelegateTo("s", "op2"))
	must(t, l.Deposit("s", eth))
	check(t, l)
	eq(t, "op2 shares", val(l.Operator("op2")).SharesGwei, eth)
}

func TestAdvanceRules(t *testing.T) {
	l := setup(t, restaking.Params{AllocationDelay: 3, AllocationConfigurationDelay: 4}, 10*eth, "A")
	_, err := l.Advance(5)
	must(t, err)
	_, err = l.Advance(4)
	expectErr(t, err, restaking.ErrTimeReversed)
	_, err = l.SlashableStake("op", "A", 4)
	expectErr(t, err, restaking.ErrPastEpoch)
	// A new allocation delay takes ALLOCATION_CONFIGURATION_DELAY + 1.
	must(t, l.SetAllocationDelay("op", 0))
	eq(t, "delay now", val(l.Operator("op")).AllocationDelay, 3)
	_, err = l.Advance(9)
	must(t, err)
	eq(t, "delay before", val(l.Operator("op")).AllocationDelay, 3)
	_, err = l.Advance(10)
	must(t, err)
	eq(t, "delay after", val(l.Operator("op")).AllocationDelay, 0)
	must(t, l.ModifyAllocation("op", "A", pct(10)))
	eq(t, "immediate", stake(t, l, "op", "A", 10), eth)
	check(t, l)
}
