package lending

import (
	"fmt"

	"github.com/stakesim/stakesim/consensus"
)

// LeverageScale is the fixed point of LoopLeverage: 1e9, so a leverage is
// the collateral (in Gwei) a loop holds per whole token of equity. WAD would
// overflow uint64 above 18.4×, and e-mode loops reach 22×.
const LeverageScale uint64 = 1_000_000_000

// LoopLeverage is the leverage (collateral value over equity, in units of
// 1/LeverageScale) of a loop rebuilt until its health factor is hf, with
// liquidation threshold lt (both WAD: 0.95e18, 1.01e18):
//
//	C·LT/D = h and C = E + D  ⇒  C/E = 1/(1 − LT/h) = h/(h − LT)
//
// 16.83× at LT 95%, h 1.01; 22.44× at LT 96.5%. It returns 0 when hf ≤ lt
// (no finite loop). Reaching it needs an LTV of at least LT/h: Aave's
// borrow check uses the LTV, so e-mode at LTV 93%, LT 95% stops at
// h = LT/LTV ≈ 1.0215.
func LoopLeverage(lt, hf uint64) uint64 {
	if hf <= lt {
		return 0
	}
	l, ok := mulDiv(hf, LeverageScale, hf-lt, false)
	if !ok {
		return 0
	}
	return l
}

// LoopPosition is the collateral (tokens) and debt (ETH) of a loop built
// from equity tokens to health factor hf at liquidation threshold lt (WAD),
// where each borrowed ETH buys 1/pMint tokens (mint at the protocol rate or
// buy in the market, WAD ETH per token) and the market's oracle prices the
// token at pOracle. From C = E + D/pMint and C·pOracle·LT/D = h:
//
//	C = E / (1 − LT·pOracle/(h·pMint)),   D = C·pOracle·LT/h
//
// With pOracle = pMint this is LoopLeverage. Both round down, so the
// health factor of the result is at least hf up to the market's own
// rounding. It fails when LT·pOracle ≥ h·pMint (the loop has no bound).
func LoopPosition(equity consensus.Gwei, pMint, pOracle, lt, hf uint64) (collateral, debt consensus.Gwei, err error) {
	if pMint == 0 || pOracle == 0 || hf == 0 {
		return 0, 0, fmt.Errorf("%w: zero price or health factor", ErrInvalidParams)
	}
	// k = LT·pOracle/(h·pMint) in WAD, rounded up so C rounds down.
	x, ok1 := mulDiv(lt, pOracle, hf, true)
	k, ok2 := mulDiv(x, WAD, pMint, true)
	if !ok1 || !ok2 || k >= WAD {
		return 0, 0, fmt.Errorf("%w: LT·pOracle ≥ h·pMint, the loop is unbounded", ErrInvalidParams)
	}
	c, ok := mulDiv(uint64(equity), WAD, WAD-k, false)
	if !ok {
		return 0, 0, fmt.Errorf("%w: collateral", ErrOverflow)
	}
	v, _ := valueOf(consensus.Gwei(c), pOracle)
	d, ok := mulDiv(v, lt, hf, false)
	if !ok {
		return 0, 0, fmt.Errorf("%w: debt", ErrOverflow)
	}
	return consensus.Gwei(c), consensus.Gwei(d), nil
}
