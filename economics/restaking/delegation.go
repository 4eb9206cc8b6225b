package restaking

import (
	"fmt"
	"slices"
	"strings"
)

// Deposit adds amount Gwei to an account's stake (a staker's, or an
// operator's own). If the account is delegated, its operator's shares grow
// by the same amount and the deposit is at once slashable in the
// proportions the operator has allocated (ELIP-002: "new delegations and
// deposits are immediately slashable by the same proportion"). EigenLayer's
// deposit scaling factor keeps earlier slashing from touching new deposits;
// the ledger holds exact per-account Gwei, so that is automatic. Like
// DelegationManager.increaseDelegatedShares, a deposit to an account whose
// operator was slashed 100% is rejected (ErrFullySlashed).
func (l *Ledger) Deposit(accountID string, amount Gwei) error {
	ai, err := l.lookupAccount(accountID)
	if err != nil {
		return err
	}
	if amount == 0 {
		return fmt.Errorf("%w: deposit of 0", ErrInvalidAmount)
	}
	if l.depositedGwei+amount < l.depositedGwei {
		return fmt.Errorf("%w: deposit %d", ErrOverflow, amount)
	}
	acc := l.accounts[ai]
	if acc.operator >= 0 && l.operators[acc.operator].maxMagnitude == 0 {
		return fmt.Errorf("%w: %q", ErrFullySlashed, l.operators[acc.operator].id)
	}
	acc.activeGwei += amount
	if acc.operator >= 0 {
		l.operators[acc.operator].sharesGwei += amount
	}
	l.depositedGwei += amount
	return nil
}

// DelegateTo delegates a staker, and all its stake, to an operator
// (DelegationManager.delegateTo). A staker delegates to at most one operator;
// operators are delegated to themselves and cannot delegate elsewhere.
// Delegating to a fully slashed operator is rejected (ErrFullySlashed).
func (l *Ledger) DelegateTo(stakerID, operatorID string) error {
	ai, err := l.lookupAccount(stakerID)
	if err != nil {
		return err
	}
	oi, err := l.lookupOperator(operatorID)
	if err != nil {
		return err
	}
	acc := l.accounts[ai]
	if acc.operator >= 0 {
		return fmt.Errorf("%w: %q to %q", ErrAlreadyDelegated, stakerID, l.operators[acc.operator].id)
	}
	op := l.operators[oi]
	if op.maxMagnitude == 0 {
		return fmt.Errorf("%w: %q", ErrFullySlashed, operatorID)
	}
	acc.operator = oi
	pos, _ := slices.BinarySearchFunc(op.delegators, stakerID, func(x int, id string) int {
		return strings.Compare(l.accounts[x].id, id)
	})
	op.delegators = slices.Insert(op.delegators, pos, ai)
	op.sharesGwei += acc.activeGwei
	return nil
}

// Undelegate removes a staker from its operator and queues a withdrawal of
// all its stake (DelegationManager.undelegate: "undelegates the staker and
// queues a withdrawal for all of their shares"). It returns the withdrawal's
// id, or 0 when the staker had nothing to withdraw. Operators cannot
// undelegate (ErrOperatorCannotUndelegate).
func (l *Ledger) Undelegate(stakerID string) (uint64, error) {
	ai, err := l.lookupAccount(stakerID)
	if err != nil {
		return 0, err
	}
	acc := l.accounts[ai]
	if acc.ownOperator >= 0 {
		return 0, fmt.Errorf("%w: %q", ErrOperatorCannotUndelegate, stakerID)
	}
	if acc.operator < 0 {
		return 0, fmt.Errorf("%w: %q", ErrNotDelegated, stakerID)
	}
	var id uint64
	if acc.activeGwei > 0 {
		id = l.queueWithdrawal(ai, acc.activeGwei)
	}
	op := l.operators[acc.operator]
	op.delegators = slices.DeleteFunc(op.delegators, func(x int) bool { return x == ai })
	acc.operator = -1
	return id, nil
}

// QueueWithdrawal queues amount Gwei of an account's stake for withdrawal
// (DelegationManager.queueWithdrawals). The amount leaves the account and
// its operator's shares at once, but stays slashable by the operator it was
// delegated to through epoch + WithdrawalDelay ("shares in the withdrawal
// queue remain slashable for MIN_WITHDRAWAL_DELAY_BLOCKS"); a slash in that
// window reduces what CompleteWithdrawal pays, as EigenLayer's scaled shares
// times the max magnitude at the completable block do. It returns the
// withdrawal's id.
func (l *Ledger) QueueWithdrawal(accountID string, amount Gwei) (uint64, error) {
	ai, err := l.lookupAccount(accountID)
	if err != nil {
		return 0, err
	}
	if amount == 0 {
		return 0, fmt.Errorf("%w: withdrawal of 0", ErrInvalidAmount)
	}
	if amount > l.accounts[ai].activeGwei {
		return 0, fmt.Errorf("%w: %q withdraws %d of %d", ErrInsufficientShares, accountID, amount, l.accounts[ai].activeGwei)
	}
	return l.queueWithdrawal(ai, amount), nil
}

func (l *Ledger) queueWithdrawal(ai int, amount Gwei) uint64 {
	acc := l.accounts[ai]
	id := uint64(len(l.withdrawals)) + 1
	w := &withdrawal{
		id:             id,
		staker:         ai,
		operator:       acc.operator,
		start:          l.epoch,
		slashableUntil: l.epoch + l.params.WithdrawalDelay,
		queuedGwei:     amount,
		amountGwei:     amount,
	}
	l.withdrawals = append(l.withdrawals, w)
	acc.activeGwei -= amount
	acc.pending = append(acc.pending, id)
	if acc.operator >= 0 {
		op := l.operators[acc.operator]
		op.sharesGwei -= amount
		op.queue = append(op.queue, id)
	}
	l.pendingGwei += amount
	return id
}

// CompleteWithdrawal pays out a queued withdrawal
// (DelegationManager.completeQueuedWithdrawal, received as tokens): it
// requires the current epoch to be after start + WithdrawalDelay
// ("require(uint32(block.number) > slashableUntil)"), and pays what is left
// after any slashing in the window. It returns the Gwei paid.
func (l *Ledger) CompleteWithdrawal(id uint64) (Gwei, error) {
	if id == 0 || id > uint64(len(l.withdrawals)) {
		return 0, fmt.Errorf("%w: %d", ErrUnknownWithdrawal, id)
	}
	w := l.withdrawals[id-1]
	if w.completed {
		return 0, fmt.Errorf("%w: %d", ErrWithdrawalCompleted, id)
	}
	if l.epoch <= w.slashableUntil {
		return 0, fmt.Errorf("%w: withdrawal %d completable from epoch %d, now %d", ErrWithdrawalNotCompletable, id, w.slashableUntil+1, l.epoch)
	}
	w.completed = true
	paid := w.amountGwei
	l.pendingGwei -= paid
	l.withdrawnGwei += paid
	acc := l.accounts[w.staker]
	acc.pending = slices.DeleteFunc(acc.pending, func(x uint64) bool { return x == id })
	return paid, nil
}
