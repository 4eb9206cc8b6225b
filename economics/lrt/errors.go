package lrt

import "errors"

// Sentinel errors; the protocol wraps them with context, test them with
// errors.Is. An operation that returns an error changes nothing, except
// where its doc comment says that an error from the restaking ledger (a
// broken caller contract) leaves the ledger and the protocol apart.
var (
	ErrInvalidParams         = errors.New("lrt: invalid parameters")
	ErrInvalidAmount         = errors.New("lrt: invalid amount")
	ErrInsufficient          = errors.New("lrt: insufficient balance")
	ErrWithdrawalsDisabled   = errors.New("lrt: withdrawals disabled")
	ErrInsufficientLiquidity = errors.New("lrt: not enough restaked collateral or buffer for the request (NotEnoughCollateralValue)")
	ErrUnknownRequest        = errors.New("lrt: unknown withdrawal request")
	ErrNotOwner              = errors.New("lrt: not the request's owner")
	ErrWrongStage            = errors.New("lrt: request not in the stage the operation needs")
	ErrTimeReversed          = errors.New("lrt: epoch before the protocol's epoch")
	ErrNoValue               = errors.New("lrt: tokens in supply but no value")
	ErrLedger                = errors.New("lrt: restaking ledger refused an operation")
	ErrInvariant             = errors.New("lrt: invariant violated")
)
