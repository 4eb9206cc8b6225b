package restaking

import (
	"math/bits"
	"slices"
)

// mulDiv returns x·y/d rounded down (or up when up is set) with a 128-bit
// intermediate, like OpenZeppelin's Math.mulDiv that EigenLayer's
// SlashingLib uses. ok is false when d is 0 or the quotient does not fit in
// 64 bits.
func mulDiv(x, y, d uint64, up bool) (q uint64, ok bool) {
	if d == 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(x, y)
	if hi >= d {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, d)
	if up && r != 0 {
		if q == ^uint64(0) {
			return 0, false
		}
		q++
	}
	return q, true
}

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

// apportion splits total among holders in proportion to weights, exactly:
// holder i first gets floor(w_i·total/W) (W the sum of weights), then the
// Gwei left over go one each to the holders with the largest remainders,
// ties to the earlier holder (largest-remainder method). Nobody gets more
// than its weight. total must be at most W and W must fit in 64 bits.
func apportion(weights []uint64, total uint64) []uint64 {
	out := make([]uint64, len(weights))
	if total == 0 {
		return out
	}
	var sum uint64
	for _, w := range weights {
		s, carry := bits.Add64(sum, w, 0)
		if carry != 0 {
			panic("restaking: apportion weights overflow: broken ledger invariant")
		}
		sum = s
	}
	if total > sum {
		panic("restaking: apportion total above weights: broken ledger invariant")
	}
	rem := make([]uint64, len(weights))
	var given uint64
	for i, w := range weights {
		hi, lo := bits.Mul64(w, total)
		q, r := bits.Div64(hi, lo, sum)
		out[i], rem[i] = q, r
		given += q
	}
	left := total - given
	if left == 0 {
		return out
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return a - b
	})
	for _, i := range order[:left] {
		out[i]++
	}
	return out
}
