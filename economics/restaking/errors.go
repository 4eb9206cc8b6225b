package restaking

import "errors"

// Sentinel errors; the ledger wraps them with context, test them with
// errors.Is. Every one of them reports bad input or a request the rules
// forbid; none leaves the ledger changed.
var (
	ErrInvalidParams            = errors.New("restaking: invalid parameters")
	ErrInvalidID                = errors.New("restaking: invalid id")
	ErrDuplicateID              = errors.New("restaking: duplicate id")
	ErrUnknownOperator          = errors.New("restaking: unknown operator")
	ErrUnknownStaker            = errors.New("restaking: unknown staker")
	ErrUnknownOperatorSet       = errors.New("restaking: unknown operator set")
	ErrUnknownWithdrawal        = errors.New("restaking: unknown withdrawal")
	ErrUnknownSlash             = errors.New("restaking: unknown slash")
	ErrInvalidAmount            = errors.New("restaking: invalid amount")
	ErrInvalidMagnitude         = errors.New("restaking: invalid magnitude")
	ErrInvalidWad               = errors.New("restaking: wad to slash not in (0, WAD]")
	ErrInsufficientMagnitude    = errors.New("restaking: encumbered magnitude would exceed max magnitude")
	ErrModificationPending      = errors.New("restaking: allocation modification already pending")
	ErrSameMagnitude            = errors.New("restaking: new magnitude equals current magnitude")
	ErrInsufficientShares       = errors.New("restaking: insufficient shares")
	ErrAlreadyDelegated         = errors.New("restaking: staker already delegated")
	ErrNotDelegated             = errors.New("restaking: staker not delegated")
	ErrOperatorCannotUndelegate = errors.New("restaking: operators cannot undelegate")
	ErrFullySlashed             = errors.New("restaking: operator fully slashed (max magnitude 0)")
	ErrAlreadyMember            = errors.New("restaking: operator registered or still slashable for the operator set")
	ErrNotMember                = errors.New("restaking: operator not registered for the operator set")
	ErrNotSlashable             = errors.New("restaking: operator not slashable by the operator set")
	ErrWithdrawalNotCompletable = errors.New("restaking: withdrawal delay not elapsed")
	ErrWithdrawalCompleted      = errors.New("restaking: withdrawal already completed")
	ErrSlashNotPending          = errors.New("restaking: slash not pending")
	ErrTimeReversed             = errors.New("restaking: epoch before the ledger's epoch")
	ErrPastEpoch                = errors.New("restaking: query epoch before the ledger's epoch")
	ErrOverflow                 = errors.New("restaking: amount overflow")
	ErrRewardsAlreadyAccrued    = errors.New("restaking: rewards already accrued this epoch")
	ErrInvariant                = errors.New("restaking: ledger invariant violated")
)
