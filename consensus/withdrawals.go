package consensus

import (
	"fmt"
)

// Withdrawals (Capella sweep with Electra's pending partial withdrawals).
// The block's Withdrawals list stands in for the execution payload's.

// IsFullyWithdrawableValidator reports whether v's whole balance is paid out.
//
// Spec definition (Electra):
//
//	def is_fully_withdrawable_validator(validator: Validator, balance: Gwei, epoch: Epoch) -> bool:
//	    return (
//	        has_execution_withdrawal_credential(validator)
//	        and validator.withdrawable_epoch <= epoch
//	        and balance > 0
//	    )
func IsFullyWithdrawableValidator(v *Validator, balance Gwei, epoch Epoch) bool {
	return HasExecutionWithdrawalCredential(v) && v.WithdrawableEpoch <= epoch && balance > 0
}

// IsPartiallyWithdrawableValidator reports whether v's excess balance is paid out.
//
// Spec definition (Electra):
//
//	def is_partially_withdrawable_validator(validator: Validator, balance: Gwei) -> bool:
//	    max_effective_balance = get_max_effective_balance(validator)
//	    has_max_effective_balance = validator.effective_balance == max_effective_balance
//	    has_excess_balance = balance > max_effective_balance
//	    return (
//	        has_execution_withdrawal_credential(validator)
//	        and has_max_effective_balance
//	        and has_excess_balance
//	    )
func IsPartiallyWithdrawableValidator(cfg *Config, v *Validator, balance Gwei) bool {
	maxEB := GetMaxEffectiveBalance(cfg, v)
	return HasExecutionWithdrawalCredential(v) && v.EffectiveBalance == maxEB && balance > maxEB
}

// IsEligibleForPartialWithdrawals reports whether a pending partial
// withdrawal of v can be paid.
//
// Spec definition (Electra):
//
//	def is_eligible_for_partial_withdrawals(validator: Validator, balance: Gwei) -> bool:
//	    has_sufficient_effective_balance = validator.effective_balance >= MIN_ACTIVATION_BALANCE
//	    has_excess_balance = balance > MIN_ACTIVATION_BALANCE
//	    return (
//	        validator.exit_epoch == FAR_FUTURE_EPOCH
//	        and has_sufficient_effective_balance
//	        and has_excess_balance
//	    )
func IsEligibleForPartialWithdrawals(cfg *Config, v *Validator, balance Gwei) bool {
	return v.ExitEpoch == FarFutureEpoch && v.EffectiveBalance >= cfg.MinActivationBalance && balance > cfg.MinActivationBalance
}

// balanceAfterWithdrawals is get_balance_after_withdrawals.
//
// Spec definition (Capella):
//
//	def get_balance_after_withdrawals(
//	    state: BeaconState, validator_index: ValidatorIndex, withdrawals: Sequence[Withdrawal],
//	) -> Gwei:
//	    withdrawn = sum(
//	        withdrawal.amount for withdrawal in withdrawals
//	        if withdrawal.validator_index == validator_index
//	    )
//	    return state.balances[validator_index] - withdrawn
func balanceAfterWithdrawals(st *State, i ValidatorIndex, withdrawals []Withdrawal) Gwei {
	var withdrawn Gwei
	for _, w := range withdrawals {
		if w.ValidatorIndex == i {
			withdrawn += w.Amount
		}
	}
	b := st.Balances[i]
	if withdrawn > b {
		return 0
	}
	return b - withdrawn
}

type expectedWithdrawals struct {
	withdrawals       []Withdrawal
	partialsProcessed uint64
}

// getExpectedWithdrawals is Electra's get_expected_withdrawals with its two
// halves inlined.
//
// Spec definition (Electra):
//
//	def get_expected_withdrawals(state: BeaconState) -> ExpectedWithdrawals:
//	    withdrawal_index = state.next_withdrawal_index
//	    withdrawals: list[Withdrawal] = []
//	    # Get partial withdrawals
//	    partial_withdrawals, withdrawal_index, processed_partial_withdrawals_count = (
//	        get_pending_partial_withdrawals(state, withdrawal_index, withdrawals)
//	    )
//	    withdrawals.extend(partial_withdrawals)
//	    # Get validators sweep withdrawals
//	    validators_sweep_withdrawals, withdrawal_index, processed_validators_sweep_count = (
//	        get_validators_sweep_withdrawals(state, withdrawal_index, withdrawals)
//	    )
//	    withdrawals.extend(validators_sweep_withdrawals)
//	    return ExpectedWithdrawals(withdrawals, processed_partial_withdrawals_count,
//	                               processed_validators_sweep_count)
//
//	def get_pending_partial_withdrawals(state, withdrawal_index, prior_withdrawals):
//	    epoch = get_current_epoch(state)
//	    withdrawals_limit = min(
//	        len(prior_withdrawals) + MAX_PENDING_PARTIALS_PER_WITHDRAWALS_SWEEP,
//	        MAX_WITHDRAWALS_PER_PAYLOAD - 1,
//	    )
//	    processed_count: Uint64 = 0
//	    withdrawals: list[Withdrawal] = []
//	    for withdrawal in state.pending_partial_withdrawals:
//	        all_withdrawals = list(prior_withdrawals) + withdrawals
//	        is_withdrawable = withdrawal.withdrawable_epoch <= epoch
//	        has_reached_limit = len(all_withdrawals) >= withdrawals_limit
//	        if not is_withdrawable or has_reached_limit:
//	            break
//	        validator_index = withdrawal.validator_index
//	        validator = state.validators[validator_index]
//	        balance = get_balance_after_withdrawals(state, validator_index, all_withdrawals)
//	        if is_eligible_for_partial_withdrawals(validator, balance):
//	            withdrawal_amount = min(balance - MIN_ACTIVATION_BALANCE, withdrawal.amount)
//	            withdrawals.append(Withdrawal(index=withdrawal_index, validator_index=validator_index,
//	                address=ExecutionAddress(validator.withdrawal_credentials[12:]),
//	                amount=withdrawal_amount))
//	            withdrawal_index += WithdrawalIndex(1)
//	        processed_count += 1
//	    return withdrawals, withdrawal_index, processed_count
//
//	def get_validators_sweep_withdrawals(state, withdrawal_index, prior_withdrawals):
//	    epoch = get_current_epoch(state)
//	    validators_limit = min(len(state.validators), MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP)
//	    withdrawals_limit = MAX_WITHDRAWALS_PER_PAYLOAD
//	    # There must be at least one space reserved for validator sweep withdrawals
//	    assert len(prior_withdrawals) < withdrawals_limit
//	    processed_count: Uint64 = 0
//	    withdrawals: list[Withdrawal] = []
//	    validator_index = state.next_withdrawal_validator_index
//	    for _ in range(validators_limit):
//	        all_withdrawals = list(prior_withdrawals) + withdrawals
//	        has_reached_limit = len(all_withdrawals) >= withdrawals_limit
//	        if has_reached_limit:
//	            break
//	        validator = state.validators[validator_index]
//	        balance = get_balance_after_withdrawals(state, validator_index, all_withdrawals)
//	        if is_fully_withdrawable_validator(validator, balance, epoch):
//	            withdrawals.append(Withdrawal(index=withdrawal_index, validator_index=validator_index,
//	                address=ExecutionAddress(validator.withdrawal_credentials[12:]),
//	                amount=balance))
//	            withdrawal_index += WithdrawalIndex(1)
//	        elif is_partially_withdrawable_validator(validator, balance):
//	            withdrawals.append(Withdrawal(index=withdrawal_index, validator_index=validator_index,
//	                address=ExecutionAddress(validator.withdrawal_credentials[12:]),
//	                amount=balance - get_max_effective_balance(validator)))
//	            withdrawal_index += WithdrawalIndex(1)
//	        validator_index = ValidatorIndex((validator_index + 1) % len(state.validators))
//	        processed_count += 1
//	    return withdrawals, withdrawal_index, processed_count
//
// The address is not modelled (a Withdrawal pays the validator's own
// withdrawal credentials).
func getExpectedWithdrawals(cfg *Config, st *State) (expectedWithdrawals, error) {
	epoch := GetCurrentEpoch(cfg, st)
	n := uint64(len(st.Validators))
	index := st.NextWithdrawalIndex
	var out expectedWithdrawals
	if cfg.MaxWithdrawalsPerPayload == 0 {
		return out, nil
	}

	partialLimit := min(cfg.MaxPendingPartialsPerWithdrawalsSweep, cfg.MaxWithdrawalsPerPayload-1)
	for _, pw := range st.PendingPartialWithdrawals {
		if pw.WithdrawableEpoch > epoch || uint64(len(out.withdrawals)) >= partialLimit {
			break
		}
		vi := pw.ValidatorIndex
		if uint64(vi) >= n {
			return out, fmt.Errorf("consensus: pending partial withdrawal for validator %d of %d", vi, n)
		}
		v := &st.Validators[vi]
		balance := balanceAfterWithdrawals(st, vi, out.withdrawals)
		if IsEligibleForPartialWithdrawals(cfg, v, balance) {
			out.withdrawals = append(out.withdrawals, Withdrawal{
				Index: index, ValidatorIndex: vi, Amount: min(balance-cfg.MinActivationBalance, pw.Amount),
			})
			index++
		}
		out.partialsProcessed++
	}

	if n == 0 {
		return out, nil
	}
	vi := uint64(st.NextWithdrawalValidatorIndex) % n
	for range min(n, cfg.MaxValidatorsPerWithdrawalsSweep) {
		if uint64(len(out.withdrawals)) >= cfg.MaxWithdrawalsPerPayload {
			break
		}
		v := &st.Validators[vi]
		balance := balanceAfterWithdrawals(st, ValidatorIndex(vi), out.withdrawals)
		switch {
		case IsFullyWithdrawableValidator(v, balance, epoch):
			out.withdrawals = append(out.withdrawals, Withdrawal{Index: index, ValidatorIndex: ValidatorIndex(vi), Amount: balance})
			index++
		case IsPartiallyWithdrawableValidator(cfg, v, balance):
			out.withdrawals = append(out.withdrawals, Withdrawal{
				Index: index, ValidatorIndex: ValidatorIndex(vi), Amount: balance - GetMaxEffectiveBalance(cfg, v),
			})
			index++
		}
		vi = (vi + 1) % n
	}
	return out, nil
}

// ExpectedWithdrawals returns the withdrawals a block at st's slot must
// carry (get_expected_withdrawals(state).withdrawals). It returns nil if the
// state is inconsistent, in which case ProcessBlock reports the error.
func ExpectedWithdrawals(cfg *Config, st *State) []Withdrawal {
	ew, err := getExpectedWithdrawals(cfg, st)
	if err != nil {
		return nil
	}
	return ew.withdrawals
}

// processWithdrawals checks the block's withdrawals against the expected
// list and pays them out through State.Withdraw.
//
// Spec definition (Electra):
//
//	def process_withdrawals(state: BeaconState, payload: ExecutionPayload) -> None:
//	    # Get expected withdrawals
//	    expected = get_expected_withdrawals(state)
//	    assert payload.withdrawals == expected.withdrawals
//
//	    # Apply expected withdrawals
//	    apply_withdrawals(state, expected.withdrawals)
//
//	    # Update withdrawals fields in the state
//	    update_next_withdrawal_index(state, expected.withdrawals)
//	    update_pending_partial_withdrawals(state, expected.processed_partial_withdrawals_count)
//	    update_next_withdrawal_validator_index(state, expected.withdrawals)
//
//	def update_next_withdrawal_index(state: BeaconState, withdrawals: Sequence[Withdrawal]) -> None:
//	    if len(withdrawals) != 0:
//	        latest_withdrawal = withdrawals[-1]
//	        state.next_withdrawal_index = WithdrawalIndex(latest_withdrawal.index + 1)
//
//	def update_pending_partial_withdrawals(state, processed_partial_withdrawals_count) -> None:
//	    state.pending_partial_withdrawals = state.pending_partial_withdrawals[
//	        processed_partial_withdrawals_count:
//	    ]
//
//	def update_next_withdrawal_validator_index(state, withdrawals) -> None:
//	    if len(withdrawals) == MAX_WITHDRAWALS_PER_PAYLOAD:
//	        next_validator_index = ValidatorIndex(
//	            (withdrawals[-1].validator_index + 1) % len(state.validators)
//	        )
//	        state.next_withdrawal_validator_index = next_validator_index
//	    else:
//	        next_index = state.next_withdrawal_validator_index + MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP
//	        next_validator_index = ValidatorIndex(next_index % len(state.validators))
//	        state.next_withdrawal_validator_index = next_validator_index
func processWithdrawals(bc *blockContext, body *BeaconBlockBody) error {
	cfg, st := bc.cfg, bc.st
	ew, err := getExpectedWithdrawals(cfg, st)
	if err != nil {
		return err
	}
	want := ew.withdrawals
	if len(body.Withdrawals) != len(want) {
		return fmt.Errorf("block has %d withdrawals, expected %d", len(body.Withdrawals), len(want))
	}
	for i := range want {
		if body.Withdrawals[i] != want[i] {
			return fmt.Errorf("withdrawal %d is %+v, expected %+v", i, body.Withdrawals[i], want[i])
		}
	}
	for _, w := range want {
		st.Withdraw(w.ValidatorIndex, w.Amount)
		bc.report.WithdrawnGwei += w.Amount
	}
	bc.report.Withdrawals = len(want)
	if len(want) != 0 {
		st.NextWithdrawalIndex = want[len(want)-1].Index + 1
	}
	if ew.partialsProcessed > 0 {
		st.PendingPartialWithdrawals = append([]PendingPartialWithdrawal(nil), st.PendingPartialWithdrawals[ew.partialsProcessed:]...)
	}
	if n := uint64(len(st.Validators)); n > 0 {
		if uint64(len(want)) == cfg.MaxWithdrawalsPerPayload {
			st.NextWithdrawalValidatorIndex = ValidatorIndex((uint64(want[len(want)-1].ValidatorIndex) + 1) % n)
		} else {
			st.NextWithdrawalValidatorIndex = ValidatorIndex((uint64(st.NextWithdrawalValidatorIndex) + cfg.MaxValidatorsPerWithdrawalsSweep) % n)
		}
	}
	return nil
}
