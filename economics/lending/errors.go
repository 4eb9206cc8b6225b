package lending

import "errors"

// Errors returned by the markets and oracles. They are wrapped with
// details; test them with errors.Is. An operation that returns an error
// changes nothing.
var (
	ErrInvalidParams   = errors.New("lending: invalid parameters")
	ErrInvalidAmount   = errors.New("lending: invalid amount")
	ErrUnknownAsset    = errors.New("lending: unknown asset")
	ErrNoPrice         = errors.New("lending: no price for an asset the user holds")
	ErrInsufficient    = errors.New("lending: amount above the user's balance")
	ErrLiquidity       = errors.New("lending: not enough liquidity in the market")
	ErrCollateral      = errors.New("lending: collateral cannot cover the borrow")
	ErrHealthFactor    = errors.New("lending: health factor would fall below 1")
	ErrNotBorrowable   = errors.New("lending: asset not borrowable")
	ErrEMode           = errors.New("lending: e-mode category refused")
	ErrNoDebt          = errors.New("lending: user has no debt in the asset")
	ErrHealthy         = errors.New("lending: position is healthy, not liquidatable")
	ErrNoCollateral    = errors.New("lending: user has no such collateral")
	ErrDust            = errors.New("lending: liquidation would leave dust (MUST_NOT_LEAVE_DUST)")
	ErrOverflow        = errors.New("lending: amount overflows uint64")
	ErrInvariant       = errors.New("lending: invariant violated")
	ErrLiquidationSize = errors.New("lending: liquidation repays nothing")
)
