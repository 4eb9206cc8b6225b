// Package fixed is the integer arithmetic the economics packages share:
// products of two uint64 amounts divided with a 128-bit intermediate, and
// exact proportional splits. One place for each rule: the restaking ledger,
// the liquid staking and the liquid restaking books all round the same way.
package fixed

import (
	"math/bits"
	"slices"
)

// MulDiv returns x·y/d rounded down (or up when up is set) with a 128-bit
// intermediate, like OpenZeppelin's Math.mulDiv (which EigenLayer's
// SlashingLib and Lido's share math rely on). ok is false when d is 0 or the
// quotient does not fit in 64 bits.
func MulDiv(x, y, d uint64, up bool) (q uint64, ok bool) {
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

// Apportion splits total in proportion to weights, exactly: entry i first
// gets floor(w_i·total/W) (W the sum of the weights), then the units left
// over go one each to the entries with the largest remainders, ties to the
// earlier entry (the largest-remainder method). Nobody gets more than its
// weight. ok is false, and nothing is split, when the weights' sum
// overflows 64 bits or total exceeds it (all-zero weights can only split 0).
func Apportion(weights []uint64, total uint64) (out []uint64, ok bool) {
	out = make([]uint64, len(weights))
	var sum uint64
	for _, w := range weights {
		s, carry := bits.Add64(sum, w, 0)
		if carry != 0 {
			return out, false
		}
		sum = s
	}
	if total > sum {
		return out, false
	}
	if total == 0 {
		return out, true
	}
	rem := make([]uint64, len(weights))
	var given uint64
	for i, w := range weights {
		hi, lo := bits.Mul64(w, total)
		out[i], rem[i] = bits.Div64(hi, lo, sum)
		given += out[i]
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
	for _, i := range order[:total-given] {
		out[i]++
	}
	return out, true
}
