package lending

import (
	"math/big"
	"testing"
)

// Reference: morpho-org/morpho-blue v1.0.0, Morpho.sol (liquidate, _isHealthy,
// borrow), SharesMathLib (VIRTUAL_SHARES 1e6, VIRTUAL_ASSETS 1), MathLib
// (mulDivDown, mulDivUp, wMulDown, wDivUp), ConstantsLib.

func TestIncentiveFactor(t *testing.T) {
	// 0.86: 0.3·0.14 = 0.042 exactly; 1e36/0.958e18 = 1.043841336116910229|6 → down.
	// 0.77: 0.3·0.23 = 0.069; 1e36/0.931e18 = 1.074113856068743286|7 → down.
	// 0.5: 1/(1 − 0.15) = 1.1764… > 1.15 → 1.15.
	eq(t, "LIF 0.86", IncentiveFactor(wad(860)), uint64(1_043_841_336_116_910_229))
	eq(t, "LIF 0.77", IncentiveFactor(wad(770)), uint64(1_074_113_856_068_743_286))
	eq(t, "LIF 0.5", IncentiveFactor(wad(500)), MaxLiquidationIncentiveFactor)
}

func TestMorphoBorrowAndHealth(t *testing.T) {
	v := morphoVenue(t)
	m := v.Market()
	// First borrow: toSharesUp(86e9, 0, 0) = 86e9·1e6/1 = 8.6e16 shares;
	// borrowed = toAssetsUp(8.6e16, 86e9, 8.6e16) = 86e9 exactly; maxBorrow
	// = ⌊100e9·1.0⌋·0.86 = 86e9: healthy at the limit.
	eq(t, "shares", m.BorrowShares("bob").String(), "86000000000000000")
	eq(t, "debt", v.Position("bob").Debt, 86*g)
	eq(t, "HF", v.HealthFactor("bob", WAD), WAD)
	eq(t, "MaxBorrow", v.MaxBorrow("bob", WAD), 0)
	wantErr(t, v.Borrow("bob", 1, WAD), ErrCollateral)
	wantErr(t, v.WithdrawCollateral("bob", 1, WAD), ErrHealthFactor)
	// At 0.95: maxBorrow 81.7e9 < 86e9; HF = 81.7/86 = 0.95.
	eq(t, "HF 0.95", v.HealthFactor("bob", wad(950)), wad(950))
	must(t, v.Check())
}

func TestMorphoLiquidateRepaidShares(t *testing.T) {
	v := morphoVenue(t)
	m := v.Market()
	p := wad(950)
	_, err := m.Liquidate("liq", "bob", 0, big.NewInt(1), WAD)
	wantErr(t, err, ErrHealthy)
	// repaidShares 4.3e16 (half): toAssetsDown = 4.3e16·(86e9+1)/(8.6e16+1e6) = 43e9;
	// wMulDown(LIF 1.043841336116910229) = 44,885,177,453.027 → 44,885,177,453;
	// mulDivDown(·, 1e36, 0.95e36) = 47,247,555,213.7 → 47,247,555,213 seized;
	// repaidAssets = toAssetsUp(4.3e16) = 43e9.
	l, err := m.Liquidate("liq", "bob", 0, big.NewInt(43_000_000_000_000_000), p)
	must(t, err)
	eq(t, "seized", l.Seized, 47_247_555_213)
	eq(t, "repaid", l.RepaidAssets, 43*g)
	eq(t, "bad debt", l.BadDebtAssets, 0)
	eq(t, "position", v.Position("bob"), Position{User: "bob", Collateral: 100*g - 47_247_555_213, Debt: 43 * g})
	// The same through the Venue: 43 ETH → toSharesDown(43e9) = 4.3e16 shares.
	v2 := morphoVenue(t)
	q, err := v2.QuoteLiquidation("bob", 43*g, p)
	must(t, err)
	eq(t, "venue quote", q, Liquidation{User: "bob", Repaid: 43 * g, Seized: 47_247_555_213})
	must(t, v.Check())
}

func TestMorphoBadDebtSocialised(t *testing.T) {
	v := morphoVenue(t)
	p := wad(500) // 100 tokens worth 50 ETH against 86 ETH
	// All shares would seize ⌊86e9·LIF⌋/0.5 = 179,540,709,812 > 100e9 tokens, so
	// seizedAssets = 100e9: quoted = ⌈100e9·0.5⌉ = 50e9; wDivUp(LIF) =
	// ⌈50e9·1e18/LIF⌉ = 47,900,000,001; toSharesUp = 4.7900000001e16 shares
	// (the ratio is exactly 1e6), repaidAssets = 47,900,000,001. Collateral 0:
	// the other 3.8099999999e16 shares are bad debt, toAssetsUp = 38,099,999,999,
	// taken from total borrow and total supply assets.
	eq(t, "MaxRepay", v.MaxRepay("bob", p), 47_900_000_001)
	l, err := v.Liquidate("liq", "bob", 86*g, p)
	must(t, err)
	eq(t, "liquidation", l, Liquidation{User: "bob", Liquidator: "liq", Repaid: 47_900_000_001, Seized: 100 * g, BadDebt: 38_099_999_999})
	eq(t, "position", v.Position("bob"), Position{User: "bob"})
	eq(t, "totals", v.Totals(), Totals{Supplied: 961_900_000_001, Borrowed: 0, Collateral: 0, BadDebt: 38_099_999_999})
	// The lender's assets: toAssetsDown(1e18 shares, 961,900,000,001, 1e18) =
	// ⌊1e18·961,900,000,002/(1e18 + 1e6)⌋ = 961,900,000,001: the loss is socialised.
	eq(t, "lender", v.LenderBalance("lender"), 961_900_000_001)
	wantErr(t, v.WithdrawETH("lender", 961_900_000_002), ErrInsufficient)
	must(t, v.WithdrawETH("lender", 961_900_000_001))
	eq(t, "lender after", v.LenderBalance("lender"), 0)
	eq(t, "cash", v.Market().State().Cash, 0)
	must(t, v.Check())
}

func TestMorphoRepayAndWithdraw(t *testing.T) {
	v := morphoVenue(t)
	paid, err := v.Repay("bob", 10*g)
	must(t, err)
	eq(t, "partial", paid, 10*g)
	paid, err = v.Repay("bob", 1000*g)
	must(t, err)
	eq(t, "rest", paid, 76*g)
	eq(t, "no shares", v.Market().BorrowShares("bob").Sign(), 0)
	_, err = v.Repay("bob", g)
	wantErr(t, err, ErrNoDebt)
	must(t, v.WithdrawCollateral("bob", 100*g, WAD))
	wantErr(t, v.WithdrawETH("lender", 1000*g+1), ErrInsufficient)
	must(t, v.WithdrawETH("lender", 1000*g))
	eq(t, "positions", len(v.Positions()), 0)
	must(t, v.Check())
}

func TestMorphoLiquidityBoundsBorrowAndWithdraw(t *testing.T) {
	v := morphoVenue(t)
	must(t, v.DepositCollateral("whale", 10_000*g))
	eq(t, "MaxBorrow whale", v.MaxBorrow("whale", WAD), 914*g)
	wantErr(t, v.Borrow("whale", 914*g+1, WAD), ErrLiquidity)
	must(t, v.Borrow("whale", 914*g, WAD))
	wantErr(t, v.WithdrawETH("lender", 1), ErrLiquidity)
}
