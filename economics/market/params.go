package market

import "fmt"

// Coin indices, as in the stETH pool: coin 0 is ETH, coin 1 the token.
const (
	ETH   = 0
	Token = 1
)

// Contract constants (StableSwapSTETH.vy).
const (
	NCoins         = 2
	APrecision     = 100            // A_PRECISION
	FeeDenominator = 10_000_000_000 // FEE_DENOMINATOR, 1e10
	MaxA           = 1_000_000      // MAX_A (published A, exclusive)
	MaxAChange     = 10             // MAX_A_CHANGE
	MaxFee         = 5_000_000_000  // MAX_FEE, 50%
	MaxAdminFee    = 10_000_000_000 // MAX_ADMIN_FEE, 100%

	// DefaultFee is 4 bps (0.04%) in units of 1/FeeDenominator.
	DefaultFee = 4_000_000
	// DefaultAdminFee is half of the swap fee, as in the stETH pool.
	DefaultAdminFee = 5_000_000_000
	// DefaultMinRampEpochs is MIN_RAMP_TIME (86400 s) in 384-s epochs.
	DefaultMinRampEpochs = 225
	// OneToken is one whole token (or ETH) in Gwei.
	OneToken = 1_000_000_000
)

// Params are a pool's parameters.
type Params struct {
	// A is the published amplification (the contract's constructor _A and
	// its A() getter): already the whitepaper's A·n^(n−1). The pool keeps
	// A·APrecision.
	A uint64
	// Fee is the swap fee in units of 1/FeeDenominator (4,000,000 = 4 bps).
	Fee uint64
	// AdminFee is the admin's share of fees in units of 1/FeeDenominator
	// (5,000,000,000 = half).
	AdminFee uint64
	// MinRampEpochs is MIN_RAMP_TIME in epochs: the shortest ramp, and the
	// least time between the starts of two ramps.
	MinRampEpochs uint64
}

// DefaultParams are the stETH pool's fee and admin fee with A = 50, the
// value that fits the pool's 2022 states.
func DefaultParams() Params {
	return Params{A: 50, Fee: DefaultFee, AdminFee: DefaultAdminFee, MinRampEpochs: DefaultMinRampEpochs}
}

// Validate checks the parameters against the contract's limits.
func (p Params) Validate() error {
	switch {
	case p.A == 0 || p.A >= MaxA:
		return fmt.Errorf("%w: A %d outside (0, %d)", ErrInvalidParams, p.A, MaxA)
	case p.Fee > MaxFee:
		return fmt.Errorf("%w: fee %d > MAX_FEE %d", ErrInvalidParams, p.Fee, MaxFee)
	case p.AdminFee > MaxAdminFee:
		return fmt.Errorf("%w: admin fee %d > MAX_ADMIN_FEE %d", ErrInvalidParams, p.AdminFee, MaxAdminFee)
	case p.MinRampEpochs == 0:
		return fmt.Errorf("%w: MinRampEpochs is 0", ErrInvalidParams)
	}
	return nil
}
