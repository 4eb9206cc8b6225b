package restaking_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/economics/restaking"
)

// sentinels are the errors an operation may legitimately return.
var sentinels = []error{
	restaking.ErrInvalidParams, restaking.ErrInvalidID, restaking.ErrDuplicateID,
	restaking.ErrUnknownOperator, restaking.ErrUnknownStaker, restaking.ErrUnknownOperatorSet,
	restaking.ErrUnknownWithdrawal, restaking.ErrUnknownSlash, restaking.ErrInvalidAmount,
	restaking.ErrInvalidMagnitude, restaking.ErrInvalidWad, restaking.ErrInsufficientMagnitude,
	restaking.ErrModificationPending, restaking.ErrSameMagnitude, restaking.ErrInsufficientShares,
	restaking.ErrAlreadyDelegated, restaking.ErrNotDelegated, restaking.ErrOperatorCannotUndelegate,
	restaking.ErrFullySlashed, restaking.ErrAlreadyMember, restaking.ErrNotMember,
	restaking.ErrNotSlashable, restaking.ErrWithdrawalNotCompletable, restaking.ErrWithdrawalCompleted,
	restaking.ErrSlashNotPending, restaking.ErrTimeReversed, restaking.ErrPastEpoch,
	restaking.ErrOverflow, restaking.ErrRewardsAlreadyAccrued,
}

// tally is the test's own account of money in and out, kept from the
// operations' arguments and results only.
type tally struct {
	deposited, withdrawn, slashed, rewards, claimed Gwei
	magSlashed                                      map[string]uint64
	trace                                           strings.Builder
	// counts of interesting events, so the test can insist they happened
	slashesWithLoss, queueLosses, pendingDeallocSlashed, redistributed, vetoExecuted, skipped, completed int
}

func (tl *tally) slash(r restaking.SlashReport) {
	if r.Queued {
		return
	}
	var parts Gwei
	parts += r.Own.ActiveGwei + r.Own.QueuedGwei
	for _, d := range r.Delegators {
		parts += d.ActiveGwei + d.QueuedGwei
	}
	if parts != r.TotalGwei || r.ActiveGwei+r.QueuedGwei != r.TotalGwei {
		panic(fmt.Sprintf("slash report parts %d, active %d + queued %d, total %d", parts, r.ActiveGwei, r.QueuedGwei, r.TotalGwei))
	}
	tl.slashed += r.TotalGwei
	tl.magSlashed[r.Operator] += r.MagnitudeSlashed
	if r.TotalGwei > 0 {
		tl.slashesWithLoss++
	}
	if r.QueuedGwei > 0 {
		tl.queueLosses++
	}
	if r.PendingDeallocationSlashed > 0 {
		tl.pendingDeallocSlashed++
	}
	if r.Redistributed && r.TotalGwei > 0 {
		tl.redistributed++
	}
	if r.OperatorSet == "veto" && !r.Skipped {
		tl.vetoExecuted++
	}
	if r.Skipped {
		tl.skipped++
	}
	fmt.Fprintf(&tl.trace, "slash %+v\n", r)
}

// snapshot renders every public view of the ledger, to compare states.
func snapshot(l *restaking.Ledger) string {
	var b strings.Builder
	fmt.Fprintf(&b, "epoch %d %+v %+v %+v\n", l.Epoch(), l.Totals(), l.PendingSlashes(), l.Recipients())
	for _, op := range l.Operators() {
		fmt.Fprintf(&b, "%+v\n", val(l.Operator(op)))
		for _, s := range l.OperatorSets() {
			fmt.Fprintf(&b, " %s %+v\n", s, val(l.Allocation(op, s)))
		}
	}
	for _, a := range l.Accounts() {
		fmt.Fprintf(&b, "%+v %+v\n", val(l.Staker(a)), val(l.PendingWithdrawals(a)))
	}
	for _, s := range l.OperatorSets() {
		fmt.Fprintf(&b, "%+v\n", val(l.OperatorSet(s)))
	}
	return b.String()
}

// runRandom applies n random operations from seed, checking after each one
// the ledger's own invariants and the test's independent conservation
// tally, and that a failed operation changed nothing.
func runRandom(t *testing.T, seed uint64, n int) string {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	p := restaking.Params{AllocationDelay: 3, AllocationConfigurationDelay: 4, DeallocationDelay: 5, WithdrawalDelay: 6}
	l, err := restaking.New(p)
	must(t, err)
	tl := &tally{magSlashed: map[string]uint64{}}

	ops := []string{"op0", "op1", "op2", "op3"}
	sets := []string{"burn", "veto", "redist", "plain"}
	var accounts []string
	for i, op := range ops {
		must(t, l.RegisterOperator(restaking.OperatorConfig{ID: op, CommissionBps: uint64(i) * 1000}))
		accounts = append(accounts, op)
	}
	for i := range 12 {
		id := fmt.Sprintf("s%02d", i)
		must(t, l.RegisterStaker(id))
		accounts = append(accounts, id)
	}
	must(t, l.CreateOperatorSet(restaking.OperatorSetConfig{ID: "burn", ThresholdWAD: pct(50), RewardRateWAD: wad / 100_000}))
	must(t, l.CreateOperatorSet(restaking.OperatorSetConfig{ID: "veto", ThresholdWAD: pct(67), VetoWindow: 3, RewardRateWAD: wad / 300_000}))
	must(t, l.CreateOperatorSet(restaking.OperatorSetConfig{ID: "redist", ThresholdWAD: pct(33), RedistributionRecipient: "pool"}))
	must(t, l.CreateOperatorSet(restaking.OperatorSetConfig{ID: "plain", ThresholdWAD: wad}))

	var withdrawals []uint64
	var slashIDs []uint64
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	magnitude := func() uint64 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return r.Uint64N(wad / 2)
		default:
			return r.Uint64N(11) * (wad / 20)
		}
	}
	for step := range n {
		before := snapshot(l)
		var err error
		op := r.IntN(15)
		switch op {
		case 0, 1:
			a, amt := pick(accounts), Gwei(1+r.Uint64N(uint64(64*eth)))
			if err = l.Deposit(a, amt); err == nil {
				tl.deposited += amt
			}
		case 2:
			err = l.DelegateTo(pick(accounts), pick(ops))
		case 3:
			var id uint64
			if id, err = l.Undelegate(pick(accounts)); err == nil && id != 0 {
				withdrawals = append(withdrawals, id)
			}
		case 4:
			a := pick(accounts)
			amt := Gwei(1 + r.Uint64N(uint64(val(l.Staker(a)).WithdrawableGwei)+1))
			var id uint64
			if id, err = l.QueueWithdrawal(a, amt); err == nil {
				withdrawals = append(withdrawals, id)
			}
		case 5:
			if len(withdrawals) > 0 {
				var paid Gwei
				if paid, err = l.CompleteWithdrawal(withdrawals[r.IntN(len(withdrawals))]); err == nil {
					tl.withdrawn += paid
					tl.completed++
				}
			}
		case 6, 7:
			err = l.ModifyAllocation(pick(ops), pick(sets), magnitude())
		case 8:
			err = l.RegisterForOperatorSet(pick(ops), pick(sets))
		case 9:
			err = l.DeregisterFromOperatorSet(pick(ops), pick(sets))
		case 10:
			w := 1 + r.Uint64N(wad)
			if r.IntN(3) == 0 {
				w = r.Uint64N(4) * (wad / 4)
			}
			var rep restaking.SlashReport
			if rep, err = l.Slash(pick(ops), pick(sets), w); err == nil {
				tl.slash(rep)
				if rep.Queued {
					slashIDs = append(slashIDs, rep.ID)
				}
			}
		case 11:
			if len(slashIDs) > 0 && r.IntN(2) == 0 {
				err = l.Veto(slashIDs[r.IntN(len(slashIDs))])
			}
		case 12:
			var reps []restaking.SlashReport
			if reps, err = l.Advance(l.Epoch() + restaking.Epoch(r.IntN(4))); err == nil {
				for _, rep := range reps {
					tl.slash(rep)
				}
			}
		case 13:
			var rep restaking.RewardReport
			if rep, err = l.AccrueRewards(); err == nil {
				tl.rewards += rep.TotalGwei
				var parts Gwei
				for _, o := range rep.Operators {
					parts += o.CommissionGwei
					for _, s := range o.Stakers {
						parts += s.Gwei
					}
				}
				if parts != rep.TotalGwei {
					t.Fatalf("step %d: reward parts %d != total %d", step, parts, rep.TotalGwei)
				}
			}
		case 14:
			if r.IntN(4) == 0 {
				err = l.SetAllocationDelay(pick(ops), restaking.Epoch(r.IntN(5)))
			} else {
				var c Gwei
				if c, err = l.ClaimRewards(pick(accounts)); err == nil {
					tl.claimed += c
				}
			}
		}
		fmt.Fprintf(&tl.trace, "%d op %d err %v\n", step, op, err)
		if err != nil {
			known := false
			for _, s := range sentinels {
				known = known || errors.Is(err, s)
			}
			if !known {
				t.Fatalf("step %d: unexpected error %v", step, err)
			}
			if after := snapshot(l); after != before {
				t.Fatalf("step %d: failed operation (%v) changed the ledger:\nbefore %s\nafter %s", step, err, before, after)
			}
		}
		if err := l.CheckInvariants(); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		checkTally(t, step, l, tl, ops)
	}
	for _, c := range []struct {
		what string
		n    int
	}{
		{"slashes with losses", tl.slashesWithLoss}, {"slashes reaching the withdrawal queue", tl.queueLosses},
		{"slashes of pending deallocations", tl.pendingDeallocSlashed}, {"redistributions", tl.redistributed},
		{"executed veto-window slashes", tl.vetoExecuted}, {"skipped slashes", tl.skipped},
		{"completed withdrawals", tl.completed},
	} {
		if c.n == 0 {
			t.Errorf("seed %d: no %s in %d operations", seed, c.what, n)
		}
	}
	return tl.trace.String() + snapshot(l)
}

// checkTally compares the ledger's public views with the test's tally:
// money in = active + pending withdrawals + slashed + paid out; rewards
// paid = unclaimed + claimed; every operator's max magnitude = WAD less the
// magnitude its slash reports took; allocated magnitudes within the max.
func checkTally(t *testing.T, step int, l *restaking.Ledger, tl *tally, ops []string) {
	t.Helper()
	var active, pending, rewards Gwei
	for _, a := range l.Accounts() {
		s := val(l.Staker(a))
		active += s.WithdrawableGwei
		pending += s.PendingWithdrawalGwei
		rewards += s.RewardsGwei
	}
	if got := active + pending + tl.slashed + tl.withdrawn; got != tl.deposited {
		t.Fatalf("step %d: active %d + pending %d + slashed %d + withdrawn %d = %d != deposited %d",
			step, active, pending, tl.slashed, tl.withdrawn, got, tl.deposited)
	}
	if rewards+tl.claimed != tl.rewards {
		t.Fatalf("step %d: rewards unclaimed %d + claimed %d != paid %d", step, rewards, tl.claimed, tl.rewards)
	}
	for _, op := range ops {
		info := val(l.Operator(op))
		if info.MaxMagnitude != wad-tl.magSlashed[op] {
			t.Fatalf("step %d: %s max magnitude %d, reports slashed %d", step, op, info.MaxMagnitude, tl.magSlashed[op])
		}
		var enc uint64
		for _, s := range l.OperatorSets() {
			a := val(l.Allocation(op, s))
			enc += a.CurrentMagnitude
			if a.PendingDiff > 0 {
				enc += uint64(a.PendingDiff)
			}
		}
		if enc > info.MaxMagnitude || enc != info.EncumberedMagnitude {
			t.Fatalf("step %d: %s allocations %d, encumbered %d, max %d", step, op, enc, info.EncumberedMagnitude, info.MaxMagnitude)
		}
	}
}

// TestRandomOperations: conservation and magnitude bookkeeping hold after
// every one of a few thousand random operations, for several seeds.
func TestRandomOperations(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			runRandom(t, seed, 3000)
		})
	}
}

// TestDeterminism: the same seed gives the same reports and final state.
func TestDeterminism(t *testing.T) {
	a := runRandom(t, 42, 1000)
	b := runRandom(t, 42, 1000)
	if a != b {
		t.Fatal("two runs of seed 42 differ")
	}
}
