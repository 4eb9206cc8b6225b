package lending

import (
	"testing"
)

// Reference: aave-dao/aave-v3-origin v3.3.0, GenericLogic.calculateUserAccountData,
// ValidationLogic.validateBorrow, LiquidationLogic.executeLiquidationCall and
// _calculateAvailableCollateralToLiquidate; PercentageMath rounds half up:
// percentMul(v, p) = (v·p + 5,000)/10,000, percentDiv(v, p) = (v·10,000 + p/2)/p,
// wadDiv(a, b) = (a·1e18 + b/2)/b. Values in base currency are Gwei of ETH.

func TestAaveHealthFactorAndBorrowLimit(t *testing.T) {
	v := aaveVenue(t, 0)
	// LTV 70%: collateral needed for 70 ETH + 1 Gwei is
	// percentDiv(70e9 + 1, 7,000) = 100,000,000,001.43 → 100,000,000,001 > 100e9.
	wantErr(t, v.Borrow("bob", 70*g+1, WAD), ErrCollateral)
	eq(t, "MaxBorrow", v.MaxBorrow("bob", WAD), 70*g)
	must(t, v.Borrow("bob", 70*g, WAD))
	// HF = percentMul(100e9, 8,000) wadDiv 70e9 = 80/70 = 1.142857142857142857|14 → …857.
	eq(t, "HF at 1.0", v.HealthFactor("bob", WAD), uint64(1_142_857_142_857_142_857))
	// At 0.85: 85e9·0.8 = 68e9; 68/70 = 0.971428571428571428|57 → …429 (half up).
	eq(t, "HF at 0.85", v.HealthFactor("bob", wad(850)), uint64(971_428_571_428_571_429))
	eq(t, "HF lender", v.HealthFactor("lender", WAD), NoDebtHealthFactor)
	eq(t, "MaxBorrow after", v.MaxBorrow("bob", WAD), 0)
	// Withdrawing 1 token at 0.85 would lower HF further below 1.
	wantErr(t, v.WithdrawCollateral("bob", g, wad(850)), ErrHealthFactor)
	// At 1.0 the HF after withdrawing 12.5 tokens is 87.5·0.8/70 = 1: allowed (≥ 1);
	// one Gwei more is not.
	wantErr(t, v.WithdrawCollateral("bob", 12*g+g/2+1, WAD), ErrHealthFactor)
	must(t, v.WithdrawCollateral("bob", 12*g+g/2, WAD))
	must(t, v.Check())
}

func TestAaveBorrowNeedsLiquidity(t *testing.T) {
	v := aaveVenue(t, 0)
	must(t, v.DepositCollateral("whale", 10_000*g))
	wantErr(t, v.Borrow("whale", 1000*g+1, WAD), ErrLiquidity)
	eq(t, "MaxBorrow capped by cash", v.MaxBorrow("whale", WAD), 1000*g)
	must(t, v.Borrow("whale", 1000*g, WAD))
	wantErr(t, v.WithdrawETH("lender", 1), ErrLiquidity)
	paid, err := v.Repay("whale", 2000*g)
	must(t, err)
	eq(t, "repaid at most the debt", paid, 1000*g)
}

func TestAaveLiquidationCloseFactor50(t *testing.T) {
	v := aaveVenue(t, 0)
	must(t, v.Borrow("bob", 70*g, WAD))
	p := wad(850) // HF 0.9714 > 0.95; collateral 85 ETH and debt 70 ETH ≥ 1 ETH
	_, err := v.QuoteLiquidation("bob", 70*g, WAD)
	wantErr(t, err, ErrHealthy)
	// Close factor: totalDebtBase.percentMul(5,000) = 35e9 < 70e9 → at most 35 ETH.
	eq(t, "MaxRepay", v.MaxRepay("bob", p), 35*g)
	// baseCollateral = ⌊35e9·1e18/0.85e18⌋ = 41,176,470,588;
	// ·1.05 half up = 43,235,294,117.4 → 43,235,294,117 tokens seized.
	q, err := v.QuoteLiquidation("bob", 70*g, p)
	must(t, err)
	if q != (Liquidation{User: "bob", Repaid: 35 * g, Seized: 43_235_294_117}) {
		t.Fatalf("quote %+v", q)
	}
	before := v.Position("bob")
	l, err := v.Liquidate("liq", "bob", 70*g, p)
	must(t, err)
	eq(t, "seized", l.Seized, q.Seized)
	eq(t, "position", v.Position("bob"), Position{User: "bob", Collateral: before.Collateral - 43_235_294_117, Debt: 35 * g})
	eq(t, "collateral left", v.Position("bob").Collateral, 56_764_705_883)
	must(t, v.Check())
}

func TestAaveLiquidationFullCloseFactorBelow095(t *testing.T) {
	v := aaveVenue(t, 0)
	must(t, v.Borrow("bob", 70*g, WAD))
	p := wad(830) // HF = 83·0.8/70 = 0.948571… ≤ 0.95: the whole debt
	eq(t, "HF", v.HealthFactor("bob", p), uint64(948_571_428_571_428_571))
	eq(t, "MaxRepay", v.MaxRepay("bob", p), 70*g)
	// ⌊70e9/0.83⌋ = 84,337,349,397; ·1.05 = 88,554,216,866.85 → 88,554,216,867.
	l, err := v.Liquidate("liq", "bob", 70*g, p)
	must(t, err)
	eq(t, "repaid", l.Repaid, 70*g)
	eq(t, "seized", l.Seized, 88_554_216_867)
	eq(t, "bad debt", l.BadDebt, 0)
	eq(t, "position", v.Position("bob"), Position{User: "bob", Collateral: 100*g - 88_554_216_867})
	must(t, v.Check())
}

func TestAaveCappedSeizureFeeAndDeficit(t *testing.T) {
	v := aaveVenue(t, 1_000) // protocol fee: 10% of the bonus
	must(t, v.Borrow("bob", 70*g, WAD))
	p := wad(700) // collateral worth 70 ETH for 70 ETH of debt: HF 0.8
	// ⌊70e9/0.7⌋·1.05 = 105e9 > 100e9: all the collateral, and the debt
	// recomputed: percentDiv(⌊100e9·0.7⌋ = 70e9, 10,500) = 66,666,666,666.67 → …667.
	// Fee: bonus part 100e9 − percentDiv(100e9, 10,500) = 100e9 − 95,238,095,238
	// = 4,761,904,762; 10% half up = 476,190,476; the liquidator gets the rest.
	// All collateral gone (totalCollateralBase = seized base = 70e9): the debt
	// left, 70e9 − 66,666,666,667 = 3,333,333,333, becomes the ETH reserve's deficit.
	l, err := v.Liquidate("liq", "bob", 70*g, p)
	must(t, err)
	want := Liquidation{User: "bob", Liquidator: "liq", Repaid: 66_666_666_667, Seized: 99_523_809_524, Fee: 476_190_476, BadDebt: 3_333_333_333}
	if l != want {
		t.Fatalf("liquidation %+v, want %+v", l, want)
	}
	eq(t, "position", v.Position("bob"), Position{User: "bob"})
	tot := v.Totals()
	eq(t, "totals", tot, Totals{Supplied: 1000 * g, Borrowed: 0, Collateral: 0, BadDebt: 3_333_333_333})
	r, _ := v.Pool().Reserve(tok)
	eq(t, "treasury", r.Treasury, 476_190_476)
	// Aave does not socialise the deficit: the lender keeps its balance, the
	// cash is short by the deficit.
	eq(t, "lender balance", v.LenderBalance("lender"), 1000*g)
	wantErr(t, v.WithdrawETH("lender", 1000*g), ErrLiquidity)
	must(t, v.WithdrawETH("lender", 1000*g-3_333_333_333))
	must(t, v.Check())
}

func TestAaveDustRule(t *testing.T) {
	v := aaveVenue(t, 0)
	must(t, v.DepositCollateral("amy", 12*g/10))
	must(t, v.Borrow("amy", 8*g/10, WAD))
	p := wad(800) // collateral 0.96 ETH < 1 ETH: the whole debt; HF 0.768/0.8 = 0.96
	eq(t, "HF", v.HealthFactor("amy", p), wad(960))
	// Repaying 0.5 leaves 0.3 ETH of debt < MIN_LEFTOVER_BASE (0.5 ETH).
	before := v.Position("amy")
	_, err := v.Liquidate("liq", "amy", g/2, p)
	wantErr(t, err, ErrDust)
	eq(t, "unchanged", v.Position("amy"), before)
	l, err := v.Liquidate("liq", "amy", g, p)
	must(t, err)
	eq(t, "repaid all", l.Repaid, 8*g/10)
	must(t, v.Check())
}

func TestAaveEMode(t *testing.T) {
	v := aaveVenue(t, 0)
	pl := v.Pool()
	must(t, v.EnterEMode("bob", 1, WAD))
	// e-mode LTV 93%: percentDiv(93e9, 9,300) = 100e9 ≤ 100e9.
	eq(t, "MaxBorrow", v.MaxBorrow("bob", WAD), 93*g)
	must(t, v.Borrow("bob", 93*g, WAD))
	// HF = 95/93 = 1.021505376344086021|5 → …022.
	eq(t, "HF", v.HealthFactor("bob", WAD), uint64(1_021_505_376_344_086_022))
	// Leaving e-mode would make HF 80/93 < 1.
	wantErr(t, v.EnterEMode("bob", 0, WAD), ErrEMode)
	// DAI is not borrowable in the category.
	must(t, pl.Supply("dai-lender", dai, 1000*g))
	wantErr(t, pl.Borrow("bob", dai, g, Prices{eth: WAD, tok: WAD, dai: wad(1)}), ErrNotBorrowable)
	// A user with DAI debt cannot enter the category.
	must(t, v.DepositCollateral("carl", 10*g))
	must(t, pl.Borrow("carl", dai, g, Prices{eth: WAD, tok: WAD, dai: wad(1)}))
	wantErr(t, pl.SetUserEMode("carl", 1, Prices{eth: WAD, tok: WAD, dai: wad(1)}), ErrEMode)
	// At 0.97: HF = 92.15/93 = 0.990860…; 50% close factor: 46.5 ETH;
	// ⌊46.5e9/0.97⌋ = 47,938,144,329; e-mode bonus 1%: 48,417,525,772.
	p := wad(970)
	eq(t, "HF 0.97", v.HealthFactor("bob", p), uint64(990_860_215_053_763_441))
	l, err := v.Liquidate("liq", "bob", 93*g, p)
	must(t, err)
	eq(t, "repaid", l.Repaid, 46_500_000_000)
	eq(t, "seized", l.Seized, 48_417_525_772)
	must(t, v.Check())
}

func TestPercentMathHalfUp(t *testing.T) {
	for _, c := range []struct{ v, p, mul, div uint64 }{
		{1, 5_000, 1, 2},                    // 0.5 → 1; 2
		{3, 5_000, 2, 6},                    // 1.5 → 2
		{1, 10_500, 1, 1},                   // 1.05 → 1; 0.952 → 1
		{10, 3, 0, 33_333},                  // 0.003 → 0
		{5, 10_001, 5, 5},                   //
		{1 << 62, 10_000, 1 << 62, 1 << 62}, // identity without overflow
	} {
		if m, _ := percentMul(c.v, c.p); m != c.mul {
			t.Errorf("percentMul(%d, %d) = %d, want %d", c.v, c.p, m, c.mul)
		}
		if d, _ := percentDiv(c.v, c.p); d != c.div {
			t.Errorf("percentDiv(%d, %d) = %d, want %d", c.v, c.p, d, c.div)
		}
	}
	// wadDiv(2, 3) = (2e18 + 1)/3 = 666,666,666,666,666,667.
	if d, _ := wadDiv(2, 3); d != 666_666_666_666_666_667 {
		t.Errorf("wadDiv(2, 3) = %d", d)
	}
}

func TestPoolParamsRefused(t *testing.T) {
	for _, p := range []PoolParams{
		{Reserves: []ReserveParams{{Asset: eth, LTV: 9_000, LiquidationThreshold: 8_000, LiquidationBonus: 10_500}}},
		{Reserves: []ReserveParams{{Asset: eth, LTV: 8_000, LiquidationThreshold: 9_800, LiquidationBonus: 10_500}}},
		{Reserves: []ReserveParams{{Asset: eth, LTV: 8_000, LiquidationThreshold: 8_500, LiquidationBonus: 10_000}}},
		{Reserves: []ReserveParams{{Asset: eth}, {Asset: eth}}},
		{Reserves: []ReserveParams{{Asset: eth}}, EModes: []EModeCategory{{ID: 1, LTV: 9_000, LiquidationThreshold: 9_300, LiquidationBonus: 10_100, Collateral: []string{"x"}}}},
	} {
		_, err := NewPool(p)
		wantErr(t, err, ErrInvalidParams)
	}
}
