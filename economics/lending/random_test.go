package lending

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stakesim/stakesim/consensus"
)

// flows tracks the ETH that entered and left a venue from outside.
type flows struct{ in, out consensus.Gwei }

// venueCash is the ETH a venue holds, read from its books.
func venueCash(v Venue) consensus.Gwei {
	switch v := v.(type) {
	case *AaveVenue:
		return v.pool.reserves[v.pool.index[eth]].cash
	case *MorphoVenue:
		return v.m.cash
	}
	panic("unknown venue")
}

// randomOp applies one random operation and checks the per-operation
// properties: a successful borrow leaves the position within its LTV/LLTV,
// a healthy position cannot be liquidated.
func randomOp(t *testing.T, r *rand.Rand, v Venue, f *flows, price uint64) {
	t.Helper()
	user := fmt.Sprintf("u%d", r.IntN(6))
	amt := consensus.Gwei(r.Uint64N(uint64(40*g)) + 1)
	switch r.IntN(8) {
	case 0:
		if v.SupplyETH(user, amt) == nil {
			f.in += amt
		}
	case 1:
		amt = min(amt, v.LenderBalance(user))
		if amt > 0 && v.WithdrawETH(user, amt) == nil {
			f.out += amt
		}
	case 2:
		_ = v.DepositCollateral(user, amt)
	case 3:
		_ = v.WithdrawCollateral(user, amt/4+1, price)
	case 4:
		borrowChecked(t, v, user, min(amt, v.MaxBorrow(user, price)+consensus.Gwei(r.IntN(3))), price, f)
	case 5:
		if paid, err := v.Repay(user, amt); err == nil {
			f.in += paid
		}
	default:
		liquidateChecked(t, v, user, amt, price, f)
	}
}

func borrowChecked(t *testing.T, v Venue, user string, amt consensus.Gwei, price uint64, f *flows) {
	t.Helper()
	if amt == 0 || v.Borrow(user, amt, price) != nil {
		return
	}
	f.out += amt
	pos := v.Position(user)
	val, _ := valueOf(pos.Collateral, price)
	if _, aave := v.(*AaveVenue); aave {
		val += uint64(v.LenderBalance(user)) // supplied ETH is collateral too
	}
	// The LTV bound: debt ≤ collateral value × max LTV (93% e-mode, 86% LLTV),
	// plus a Gwei of percentDiv's half-up rounding.
	limit, _ := mulDiv(val, 9_300, PercentageFactor, true)
	if _, morpho := v.(*MorphoVenue); morpho {
		limit, _ = mulDiv(val, wad(860), WAD, false)
	}
	if uint64(pos.Debt) > limit+1 {
		t.Fatalf("%s: %s borrowed to %d over the limit %d", v.Name(), user, pos.Debt, limit)
	}
	if v.HealthFactor(user, price) < WAD {
		t.Fatalf("%s: %s unhealthy right after a borrow", v.Name(), user)
	}
}

func liquidateChecked(t *testing.T, v Venue, user string, amt consensus.Gwei, price uint64, f *flows) {
	t.Helper()
	healthy := v.HealthFactor(user, price) >= WAD
	repay := min(amt*4, v.MaxRepay(user, price))
	if healthy && v.MaxRepay(user, price) != 0 {
		t.Fatalf("%s: healthy %s has MaxRepay %d", v.Name(), user, v.MaxRepay(user, price))
	}
	if repay == 0 {
		repay = amt
	}
	q, qerr := v.QuoteLiquidation(user, repay, price)
	l, err := v.Liquidate("liq", user, repay, price)
	if healthy && !errors.Is(err, ErrHealthy) {
		t.Fatalf("%s: healthy %s liquidated: %v", v.Name(), user, err)
	}
	if (err == nil) != (qerr == nil) || (err == nil && (q.Repaid != l.Repaid || q.Seized != l.Seized || q.BadDebt != l.BadDebt)) {
		t.Fatalf("%s: quote %+v/%v differs from liquidation %+v/%v", v.Name(), q, qerr, l, err)
	}
	if err == nil {
		f.in += l.Repaid
	}
}

// checkBooks verifies the books and ETH conservation: the venue's cash is
// what came in less what went out, and the lenders' claims are covered by
// cash + debt (+ the deficit for Aave, which does not socialise it).
func checkBooks(t *testing.T, v Venue, f flows, step int) {
	t.Helper()
	if err := v.Check(); err != nil {
		t.Fatalf("%s step %d: %v", v.Name(), step, err)
	}
	cash, tot := venueCash(v), v.Totals()
	if cash != f.in-f.out {
		t.Fatalf("%s step %d: cash %d ≠ in %d − out %d", v.Name(), step, cash, f.in, f.out)
	}
	var lent, debts consensus.Gwei
	for i := range 6 {
		lent += v.LenderBalance(fmt.Sprintf("u%d", i))
	}
	for _, p := range v.Positions() {
		debts += p.Debt
	}
	switch v.(type) {
	case *AaveVenue:
		if lent != tot.Supplied || debts != tot.Borrowed || lent != cash+debts+tot.BadDebt {
			t.Fatalf("aave step %d: lent %d, debts %d, totals %+v, cash %d", step, lent, debts, tot, cash)
		}
	case *MorphoVenue:
		// Claims round down and debts up, each by at most a Gwei per user.
		if lent > tot.Supplied || tot.Supplied > cash+tot.Borrowed || debts+6 < tot.Borrowed {
			t.Fatalf("morpho step %d: lent %d, debts %d, totals %+v, cash %d", step, lent, debts, tot, cash)
		}
	}
}

func runRandom(t *testing.T, v Venue, seed uint64, emode bool) {
	r := rand.New(rand.NewPCG(seed, 17))
	var f flows
	price := WAD
	for step := range 4000 {
		if emode && step%50 == 0 {
			for i := range 6 {
				_ = v.(*AaveVenue).EnterEMode(fmt.Sprintf("u%d", i), 1, price)
			}
		}
		if r.IntN(10) == 0 { // a random walk with occasional crashes
			price = max(wad(300), min(wad(1200), price+wad(20)-r.Uint64N(wad(44))))
		}
		if r.IntN(300) == 0 { // a crash that outruns the liquidators
			price = max(wad(300), price/10*8)
		}
		randomOp(t, r, v, &f, price)
		checkBooks(t, v, f, step)
	}
	t.Logf("%s seed %d: totals %+v, ETH in %d out %d", v.Name(), seed, v.Totals(), f.in, f.out)
}

func TestRandomInvariants(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprintf("aave-%d", seed), func(t *testing.T) {
			pl, err := NewPool(aaveParams(1_000))
			must(t, err)
			v, err := NewAaveVenue(pl, eth, tok)
			must(t, err)
			runRandom(t, v, seed, true)
		})
		t.Run(fmt.Sprintf("morpho-%d", seed), func(t *testing.T) {
			m, err := NewIsolated(IsolatedParams{Name: "morpho", LLTV: wad(860)})
			must(t, err)
			runRandom(t, NewMorphoVenue(m), seed, false)
		})
	}
}
