package lst

import "errors"

// Sentinel errors; the protocol wraps them with context, test them with
// errors.Is. An operation that returns an error changes nothing.
var (
	ErrInvalidParams   = errors.New("lst: invalid parameters")
	ErrInvalidAmount   = errors.New("lst: invalid amount")
	ErrInsufficient    = errors.New("lst: insufficient balance")
	ErrRequestTooSmall = errors.New("lst: withdrawal request below the minimum")
	ErrRequestTooLarge = errors.New("lst: withdrawal request above the maximum")
	ErrUnknownRequest  = errors.New("lst: unknown withdrawal request")
	ErrNotOwner        = errors.New("lst: not the request's owner")
	ErrNotFinalized    = errors.New("lst: request not finalized")
	ErrAlreadyClaimed  = errors.New("lst: request already claimed")
	ErrTimeReversed    = errors.New("lst: epoch before the protocol's epoch")
	ErrInvalidReport   = errors.New("lst: malformed oracle report")
	ErrNoValue         = errors.New("lst: pool has shares but no ether")
	ErrInvariant       = errors.New("lst: invariant violated")

	// Sanity-check rejections (OracleReportSanityChecker); ReportResult.Rejection
	// wraps one of them.
	ErrCLBalanceDecrease = errors.New("lst: CL balance decrease beyond the slashing and inactivity allowances (IncorrectCLBalanceDecrease)")
	ErrCLBalanceIncrease = errors.New("lst: annual CL balance increase above the limit (IncorrectCLBalanceIncrease)")
)
