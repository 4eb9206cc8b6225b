package restaking

import (
	"math/bits"

	"github.com/stakesim/stakesim/economics/internal/fixed"
)

// mulDiv is fixed.MulDiv: x·y/d rounded down (or up) with a 128-bit
// intermediate, like OpenZeppelin's Math.mulDiv that EigenLayer's
// SlashingLib uses.
func mulDiv(x, y, d uint64, up bool) (q uint64, ok bool) { return fixed.MulDiv(x, y, d, up) }

// MulDivDown is floor(x·y/d) with a 128-bit intermediate; it saturates at
// the largest uint64 when the quotient does not fit (or d is 0). Callers
// outside the ledger (agents, the engine) use it for WAD arithmetic.
func MulDivDown(x, y, d uint64) uint64 {
	q, ok := mulDiv(x, y, d, false)
	if !ok {
		return ^uint64(0)
	}
	return q
}

// MulDivUp is ceil(x·y/d) with a 128-bit intermediate; it saturates like
// MulDivDown.
func MulDivUp(x, y, d uint64) uint64 {
	q, ok := mulDiv(x, y, d, true)
	if !ok {
		return ^uint64(0)
	}
	return q
}

// FractionAtLeast reports whether a/b >= num/den exactly, as a·den >= num·b
// in 128 bits (with b = 0 it holds: any stake is at least a fraction of
// nothing).
func FractionAtLeast(a, b, num, den uint64) bool {
	h1, l1 := bits.Mul64(a, den)
	h2, l2 := bits.Mul64(num, b)
	return h1 > h2 || (h1 == h2 && l1 >= l2)
}

// FractionAbove reports whether a/b > num/den exactly: a·den > num·b.
func FractionAbove(a, b, num, den uint64) bool {
	h1, l1 := bits.Mul64(a, den)
	h2, l2 := bits.Mul64(num, b)
	return h1 > h2 || (h1 == h2 && l1 > l2)
}

// mustMulDiv is mulDiv for operands the ledger's invariants bound (a
// quotient at most one of the factors, a nonzero divisor); failure is a bug.
func mustMulDiv(x, y, d uint64, up bool) uint64 {
	q, ok := mulDiv(x, y, d, up)
	if !ok {
		panic("restaking: mulDiv out of range: broken ledger invariant")
	}
	return q
}

// mulWadRoundUp is SlashingLib.mulWadRoundUp: ceil(x·y / WAD), used for the
// slashed magnitude so that a slash never rounds down to nothing.
func mulWadRoundUp(x, y uint64) uint64 { return mustMulDiv(x, y, WAD, true) }

// calcSlashedAmount is SlashingLib.calcSlashedAmount:
//
//	// round up mulDiv so we don't overslash
//	return operatorShares - operatorShares.mulDiv(newMaxMagnitude, prevMaxMagnitude, Math.Rounding.Up);
//
// The shares that remain are rounded up, so the slashed amount is rounded
// down. prevMax must be positive and newMax <= prevMax.
func calcSlashedAmount(shares, prevMax, newMax uint64) uint64 {
	return shares - mustMulDiv(shares, newMax, prevMax, true)
}

// apportion is fixed.Apportion (largest-remainder split of total by
// weights; nobody gets more than its weight) for totals the ledger's
// invariants keep at most the weights' sum; a refusal is a bug.
func apportion(weights []uint64, total uint64) []uint64 {
	out, ok := fixed.Apportion(weights, total)
	if !ok {
		panic("restaking: apportion total above weights: broken ledger invariant")
	}
	return out
}
