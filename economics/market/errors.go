package market

import "errors"

// Errors returned by the pool. They are wrapped with details; test them
// with errors.Is. An operation that returns an error changes nothing.
var (
	ErrInvalidParams = errors.New("market: invalid pool parameters")
	ErrInvalidCoin   = errors.New("market: invalid coin index")
	ErrInvalidAmount = errors.New("market: invalid amount")
	ErrSlippage      = errors.New("market: result below the caller's minimum")
	ErrInsufficient  = errors.New("market: not enough LP tokens or pool balance")
	ErrEmptyPool     = errors.New("market: pool has no liquidity")
	ErrOverflow      = errors.New("market: amount overflows uint64 Gwei")
	ErrNoConvergence = errors.New("market: Newton iteration did not converge")
	ErrRamp          = errors.New("market: invalid A ramp")
	ErrInvariant     = errors.New("market: invariant violated")
)
