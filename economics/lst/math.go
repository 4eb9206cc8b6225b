package lst

import (
	"math/big"

	"github.com/stakesim/stakesim/economics/internal/fixed"
)

// Arithmetic. Amounts and shares are uint64 (Gwei: 2^64 Gwei is 18.4
// billion ETH). Products of two of them (amount × shares) need 128 bits and
// use mulDiv (math/bits); the 1e27 share rate needs up to 64 + 90 bits and
// uses math/big, only in reports and per finalized request.

// ratePrecision is Lido's 1e27 (E27_PRECISION_BASE).
var ratePrecision = new(big.Int).Exp(big.NewInt(10), big.NewInt(27), nil)

// ShareRate is a share rate in 1e27 fixed point: pooled ether × 1e27 /
// total shares, as lido-oracle's get_share_rate and the withdrawal queue
// compute it. The zero value is a rate of 0. It is immutable.
type ShareRate struct{ r *big.Int }

// NewShareRate is floor(pooled × 1e27 / shares); with no shares it is 1e27
// (the 1:1 rate of a first deposit).
func NewShareRate(pooled Gwei, shares uint64) ShareRate {
	if shares == 0 {
		return ShareRate{new(big.Int).Set(ratePrecision)}
	}
	r := new(big.Int).Mul(new(big.Int).SetUint64(uint64(pooled)), ratePrecision)
	return ShareRate{r.Quo(r, new(big.Int).SetUint64(shares))}
}

// Big returns a copy of the rate as a big integer (1e27 = 1).
func (s ShareRate) Big() *big.Int {
	if s.r == nil {
		return new(big.Int)
	}
	return new(big.Int).Set(s.r)
}

// Cmp compares two rates: -1, 0 or +1.
func (s ShareRate) Cmp(o ShareRate) int { return s.Big().Cmp(o.Big()) }

// String is the rate in 1e27 units.
func (s ShareRate) String() string { return s.Big().String() }

// Float is the rate as a float64 (1.0 = one Gwei per share), for outputs.
func (s ShareRate) Float() float64 {
	f, _ := new(big.Rat).SetFrac(s.Big(), ratePrecision).Float64()
	return f
}

// Value is floor(shares × rate / 1e27), the withdrawal queue's discounted
// payout.
func (s ShareRate) Value(shares uint64) Gwei {
	v := new(big.Int).Mul(new(big.Int).SetUint64(shares), s.Big())
	return Gwei(v.Quo(v, ratePrecision).Uint64())
}

// mulDiv is floor(x·y/d) with a 128-bit intermediate (fixed.MulDiv); ok
// is false when d is 0 or the quotient overflows 64 bits.
func mulDiv(x, y, d uint64) (q uint64, ok bool) { return fixed.MulDiv(x, y, d, false) }

// mustMulDiv is mulDiv where the protocol's state bounds the quotient
// (a result at most one of the factors); failure is a bug.
func mustMulDiv(x, y, d uint64) uint64 {
	q, ok := mulDiv(x, y, d)
	if !ok {
		panic("lst: mulDiv out of range: broken invariant")
	}
	return q
}

// big64 is a shorthand for big.Int from uint64.
func big64(x uint64) *big.Int { return new(big.Int).SetUint64(x) }

// feeShares is Lido's _distributeFee: the shares to mint so that they are
// worth fee/BasisPoints of the rewards once the rewards are pooled:
//
//	shares = rewards·fee·preShares / ((prePooled + rewards)·10000 − rewards·fee)
func feeShares(prePooled Gwei, preShares uint64, rewards Gwei, feeBP uint64) uint64 {
	if feeBP == 0 || rewards == 0 || preShares == 0 {
		return 0
	}
	num := new(big.Int).Mul(big64(uint64(rewards)), big64(feeBP))
	num.Mul(num, big64(preShares))
	den := new(big.Int).Mul(big64(uint64(prePooled+rewards)), big64(BasisPoints))
	den.Sub(den, new(big.Int).Mul(big64(uint64(rewards)), big64(feeBP)))
	return num.Quo(num, den).Uint64()
}
