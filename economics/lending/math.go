package lending

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/internal/fixed"
)

// Fixed-point scales.
const (
	// WAD is 1e18: a price of WAD is one ETH per whole token, a health
	// factor of WAD is 1 (WadRayMath.WAD, MathLib.WAD).
	WAD uint64 = 1_000_000_000_000_000_000
	// PercentageFactor is Aave's 100% (PercentageMath.PERCENTAGE_FACTOR):
	// LTV 9,300 is 93%, a liquidation bonus of 10,500 is 5%.
	PercentageFactor uint64 = 10_000
	// OneToken is one whole token (or ETH) in Gwei.
	OneToken consensus.Gwei = 1_000_000_000
	// NoDebtHealthFactor is the health factor of a position without debt
	// (type(uint256).max in the contracts, here the largest uint64).
	NoDebtHealthFactor uint64 = math.MaxUint64
)

// mulDiv is x·y/d rounded down or up (fixed.MulDiv); ok is false on a zero
// divisor or a quotient beyond 64 bits.
func mulDiv(x, y, d uint64, up bool) (uint64, bool) { return fixed.MulDiv(x, y, d, up) }

// mulDivHalfUp is (x·y + ⌊d/2⌋)/d, the rounding of PercentageMath and
// WadRayMath. It equals ⌊(⌊2xy/d⌋ + 1)/2⌋ for odd and even d alike, so it
// needs only fixed.MulDiv.
func mulDivHalfUp(x, y, d uint64) (uint64, bool) {
	var q uint64
	var ok bool
	switch {
	case y <= math.MaxUint64/2:
		q, ok = mulDiv(x, 2*y, d, false)
	case x <= math.MaxUint64/2:
		q, ok = mulDiv(2*x, y, d, false)
	default:
		return 0, false
	}
	if !ok {
		return 0, false
	}
	return q/2 + q%2, true
}

// percentMul is PercentageMath.percentMul: value·percentage/1e4, half up.
func percentMul(value, percentage uint64) (uint64, bool) {
	return mulDivHalfUp(value, percentage, PercentageFactor)
}

// percentDiv is PercentageMath.percentDiv: value·1e4/percentage, half up.
func percentDiv(value, percentage uint64) (uint64, bool) {
	return mulDivHalfUp(value, PercentageFactor, percentage)
}

// wadDiv is WadRayMath.wadDiv: a·WAD/b, half up.
func wadDiv(a, b uint64) (uint64, bool) { return mulDivHalfUp(a, WAD, b) }

// valueOf is an amount's value in the base currency, ETH in Gwei:
// amount·price/WAD rounded down (GenericLogic._getUserBalanceInBaseCurrency,
// balance·assetPrice/assetUnit).
func valueOf(amount consensus.Gwei, price uint64) (uint64, bool) {
	return mulDiv(uint64(amount), price, WAD, false)
}

func addGwei(a, b consensus.Gwei) (consensus.Gwei, bool) {
	s := a + b
	return s, s >= a
}

func bigU(x uint64) *big.Int { return new(big.Int).SetUint64(x) }

// bigMulDiv is x·y/d over big integers, rounded down or up (MathLib
// mulDivDown, mulDivUp).
func bigMulDiv(x, y, d *big.Int, up bool) *big.Int {
	n := new(big.Int).Mul(x, y)
	if up {
		n.Add(n, d).Sub(n, big.NewInt(1))
	}
	return n.Quo(n, d)
}

// wide is a 128-bit accumulator for sums of products, such as
// GenericLogic's Σ balance·LTV before the division by the total.
type wide struct{ hi, lo uint64 }

func (w *wide) addMul(x, y uint64) {
	hi, lo := bits.Mul64(x, y)
	var c uint64
	w.lo, c = bits.Add64(w.lo, lo, 0)
	w.hi += hi + c
}

// div is the sum divided by d, rounded down; ok is false if d is 0 or the
// quotient does not fit 64 bits.
func (w wide) div(d uint64) (uint64, bool) {
	if d == 0 || w.hi >= d {
		return 0, false
	}
	q, _ := bits.Div64(w.hi, w.lo, d)
	return q, true
}
