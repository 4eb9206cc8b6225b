package lrt

import (
	"math/bits"

	"github.com/stakesim/stakesim/economics/internal/fixed"
)

// Arithmetic. Tokens and units are uint64 (2^64 Gwei is 18.4 billion ETH).
// Products of two of them use mulDiv with a 128-bit intermediate; the share
// rate is economics/lst's 1e27 fixed point (math/big). Divisions round
// down, in the pool's favour.

// mulDiv is floor(x·y/d) with a 128-bit intermediate (fixed.MulDiv); ok
// is false when d is 0 or the quotient does not fit in 64 bits.
func mulDiv(x, y, d uint64) (q uint64, ok bool) { return fixed.MulDiv(x, y, d, false) }

// mustMulDiv is mulDiv where the state bounds the quotient by one of the
// factors; failure is a bug.
func mustMulDiv(x, y, d uint64) uint64 {
	q, ok := mulDiv(x, y, d)
	if !ok {
		panic("lrt: mulDiv out of range: broken invariant")
	}
	return q
}

// apportion is fixed.Apportion (largest-remainder split, ties to the
// earlier entry; nobody gets more than its weight) for totals the book
// keeps at most the weights' sum; a refusal is a bug.
func apportion(weights []uint64, total uint64) []uint64 {
	out, ok := fixed.Apportion(weights, total)
	if !ok {
		panic("lrt: apportion total above weights: broken invariant")
	}
	return out
}

// target is floor(w·total/W), an operator's target stake.
func target(w, sumW, total uint64) uint64 {
	if sumW == 0 {
		return 0
	}
	hi, lo := bits.Mul64(w, total)
	q, _ := bits.Div64(hi, lo, sumW)
	return q
}

// fill splits a deposit of total across delegations holding actives so
// that they move toward their weights' targets over actives + total: first
// the shortfalls below target (pro rata to the shortfalls when the deposit
// cannot fill them all), then what is left by weight. Zero-weight entries
// get nothing; with every weight zero nothing is placed.
func fill(actives, weights []uint64, total uint64) []uint64 {
	var sumA, sumW uint64
	for i := range actives {
		sumA += actives[i]
		sumW += weights[i]
	}
	if sumW == 0 {
		return make([]uint64, len(actives))
	}
	gaps := make([]uint64, len(actives))
	var gap uint64
	for i, a := range actives {
		if t := target(weights[i], sumW, sumA+total); t > a {
			gaps[i] = t - a
			gap += gaps[i]
		}
	}
	if gap >= total {
		return apportion(gaps, total)
	}
	out := apportion(weights, total-gap)
	for i := range out {
		out[i] += gaps[i]
	}
	return out
}

// drain splits a withdrawal of total (at most Σ actives) across
// delegations so that they move toward their targets over actives − total:
// first the excesses above target, then what is left in proportion to the
// stake that remains. No entry gives more than it holds.
func drain(actives, weights []uint64, total uint64) []uint64 {
	var sumA, sumW uint64
	for i := range actives {
		sumA += actives[i]
		sumW += weights[i]
	}
	excess := make([]uint64, len(actives))
	var ex uint64
	for i, a := range actives {
		if t := target(weights[i], sumW, sumA-total); a > t {
			excess[i] = a - t
			ex += excess[i]
		}
	}
	if ex >= total {
		return apportion(excess, total)
	}
	left := make([]uint64, len(actives))
	for i, a := range actives {
		left[i] = a - excess[i]
	}
	out := apportion(left, total-ex)
	for i := range out {
		out[i] += excess[i]
	}
	return out
}
