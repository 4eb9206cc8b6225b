package consensus

import (
	"errors"
	"fmt"

	"github.com/stakesim/stakesim/crypto"
)

// Execution-layer requests (Electra: EIP-6110 deposits, EIP-7002
// withdrawals and exits, EIP-7251 consolidations and the switch to
// compounding credentials). The spec processes them in process_operations,
// after attestations. Apart from the per-payload list limits, an invalid
// request does not invalidate the block: the spec simply returns, and so do
// these functions, reporting why with a RequestResult.

// ErrInvalidRequests is wrapped by block processing when a block carries
// more execution requests than the payload's lists allow.
var ErrInvalidRequests = errors.New("consensus: invalid execution requests")

// ErrNoKeyDirectory is returned when requests must be resolved to validators
// but the state's Caches carry no KeyDirectory.
var ErrNoKeyDirectory = errors.New("consensus: execution requests but no key directory (Caches.SetKeys)")

// RequestResult says what processing a request did: applied, or which of
// the spec's checks made it return early.
type RequestResult uint8

const (
	RequestApplied               RequestResult = iota // deposit queued, exit initiated, partial withdrawal queued, consolidation queued
	RequestSwitchedToCompounding                      // consolidation request with source == target that switched credentials

	// Withdrawal and consolidation checks, in spec order.
	IgnoredPartialQueueFull       // pending_partial_withdrawals is full (partial withdrawals only)
	IgnoredSourceEqualsTarget     // source == target but not a valid switch to compounding
	IgnoredConsolidationQueueFull // pending_consolidations is full
	IgnoredChurnTooLow            // get_consolidation_churn_limit <= MIN_ACTIVATION_BALANCE
	IgnoredUnknownSource          // pubkey not in the registry (the validator of a withdrawal request)
	IgnoredUnknownTarget          // target pubkey not in the registry
	IgnoredWrongCredentials       // source lacks execution credentials, or its address is not the request's
	IgnoredTargetNotCompounding   // target lacks 0x02 credentials
	IgnoredSourceInactive         // source (or the withdrawal's validator) not active
	IgnoredTargetInactive         // target not active
	IgnoredSourceExiting          // source exit already initiated
	IgnoredTargetExiting          // target exit already initiated
	IgnoredSourceTooNew           // active for less than SHARD_COMMITTEE_PERIOD
	IgnoredPendingWithdrawal      // source has pending partial withdrawals (full exits and consolidations)
	IgnoredNoExcess               // partial withdrawal without 0x02 credentials, 32 ETH effective balance or excess balance
)

var requestResultNames = [...]string{
	RequestApplied:                "applied",
	RequestSwitchedToCompounding:  "switched_to_compounding",
	IgnoredPartialQueueFull:       "partial_queue_full",
	IgnoredSourceEqualsTarget:     "source_equals_target",
	IgnoredConsolidationQueueFull: "consolidation_queue_full",
	IgnoredChurnTooLow:            "churn_too_low",
	IgnoredUnknownSource:          "unknown_source",
	IgnoredUnknownTarget:          "unknown_target",
	IgnoredWrongCredentials:       "wrong_credentials",
	IgnoredTargetNotCompounding:   "target_not_compounding",
	IgnoredSourceInactive:         "source_inactive",
	IgnoredTargetInactive:         "target_inactive",
	IgnoredSourceExiting:          "source_exiting",
	IgnoredTargetExiting:          "target_exiting",
	IgnoredSourceTooNew:           "source_too_new",
	IgnoredPendingWithdrawal:      "pending_withdrawal",
	IgnoredNoExcess:               "no_excess_balance",
}

// String names the result (snake_case, as in events.jsonl).
func (r RequestResult) String() string {
	if int(r) < len(requestResultNames) {
		return requestResultNames[r]
	}
	return fmt.Sprintf("request_result_%d", r)
}

// Applied reports whether the request changed the state.
func (r RequestResult) Applied() bool {
	return r == RequestApplied || r == RequestSwitchedToCompounding
}

// RequestsReport counts what a block's execution requests did.
type RequestsReport struct {
	Deposits int // deposit requests queued

	Exits              int // full exits initiated by withdrawal requests
	PartialWithdrawals int // partial withdrawals queued
	WithdrawalsIgnored int

	Consolidations       int // consolidations queued (source exit initiated)
	Switches             int // switches to compounding
	ConsolidationIgnored int
	// Ignored counts ignored withdrawal and consolidation requests by result.
	Ignored map[RequestResult]int
}

func (r *RequestsReport) ignore(res RequestResult) {
	if r.Ignored == nil {
		r.Ignored = map[RequestResult]int{}
	}
	r.Ignored[res]++
}

// requestContext resolves public keys and caches the total active balance
// for a batch of requests (one block's).
type requestContext struct {
	cfg   *Config
	st    *State
	keys  KeyDirectory
	total func() Gwei
}

// validatorOf is validator_pubkeys.index(pk): the key's index if a
// validator holds it.
func (rc *requestContext) validatorOf(pk crypto.PublicKeyBytes) (ValidatorIndex, bool) {
	k, ok := rc.keys.PubkeyIndex(pk)
	if !ok || uint64(k) >= uint64(len(rc.st.Validators)) {
		return 0, false
	}
	return k, true
}

// ProcessExecutionRequests applies a block's execution requests to st in
// the spec's order (deposits, withdrawals, consolidations), checking the
// per-payload limits. totalActive must be get_total_active_balance(st); the
// requests do not change it (exits take effect in a later epoch), so a
// caller that knows it may process many batches in O(requests) each. Pass
// 0 to have it computed on first use. The key directory is st's Caches'.
//
// Spec definition (Electra process_operations, the request part):
//
//	# [New in Electra:EIP6110]
//	for_ops(body.execution_requests.deposits, process_deposit_request)
//	# [New in Electra:EIP7002:EIP7251]
//	for_ops(body.execution_requests.withdrawals, process_withdrawal_request)
//	# [New in Electra:EIP7251]
//	for_ops(body.execution_requests.consolidations, process_consolidation_request)
//
// The list limits are the SSZ limits of ExecutionRequests
// (MAX_DEPOSIT_REQUESTS_PER_PAYLOAD, MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD,
// MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD): a longer list makes the block
// invalid.
func ProcessExecutionRequests(cfg *Config, st *State, reqs *ExecutionRequests, totalActive Gwei) (RequestsReport, error) {
	var rep RequestsReport
	if reqs.Empty() {
		return rep, nil
	}
	if n := uint64(len(reqs.Deposits)); n > cfg.MaxDepositRequestsPerPayload {
		return rep, fmt.Errorf("%w: %d deposit requests > MAX_DEPOSIT_REQUESTS_PER_PAYLOAD %d", ErrInvalidRequests, n, cfg.MaxDepositRequestsPerPayload)
	}
	if n := uint64(len(reqs.Withdrawals)); n > cfg.MaxWithdrawalRequestsPerPayload {
		return rep, fmt.Errorf("%w: %d withdrawal requests > MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD %d", ErrInvalidRequests, n, cfg.MaxWithdrawalRequestsPerPayload)
	}
	if n := uint64(len(reqs.Consolidations)); n > cfg.MaxConsolidationRequestsPerPayload {
		return rep, fmt.Errorf("%w: %d consolidation requests > MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD %d", ErrInvalidRequests, n, cfg.MaxConsolidationRequestsPerPayload)
	}
	rc := &requestContext{cfg: cfg, st: st, keys: st.caches.Keys()}
	if rc.keys == nil && (len(reqs.Withdrawals) > 0 || len(reqs.Consolidations) > 0) {
		return rep, ErrNoKeyDirectory
	}
	have := totalActive != 0
	rc.total = func() Gwei {
		if !have {
			totalActive = GetTotalActiveBalance(cfg, st)
			have = true
		}
		return totalActive
	}
	for i := range reqs.Deposits {
		ProcessDepositRequest(st, &reqs.Deposits[i])
		rep.Deposits++
	}
	for i := range reqs.Withdrawals {
		res := rc.processWithdrawalRequest(&reqs.Withdrawals[i])
		switch {
		case res != RequestApplied:
			rep.WithdrawalsIgnored++
			rep.ignore(res)
		case reqs.Withdrawals[i].Amount == FullExitRequestAmount:
			rep.Exits++
		default:
			rep.PartialWithdrawals++
		}
	}
	for i := range reqs.Consolidations {
		switch res := rc.processConsolidationRequest(&reqs.Consolidations[i]); res {
		case RequestApplied:
			rep.Consolidations++
		case RequestSwitchedToCompounding:
			rep.Switches++
		default:
			rep.ConsolidationIgnored++
			rep.ignore(res)
		}
	}
	return rep, nil
}

// ProcessDepositRequest queues an execution-layer deposit.
//
// Spec definition (Electra):
//
//	def process_deposit_request(state: BeaconState, deposit_request: DepositRequest) -> None:
//	    # Set deposit request start index
//	    if state.deposit_requests_start_index == UNSET_DEPOSIT_REQUESTS_START_INDEX:
//	        state.deposit_requests_start_index = deposit_request.index
//
//	    state.pending_deposits.append(
//	        PendingDeposit(
//	            pubkey=deposit_request.pubkey,
//	            withdrawal_credentials=deposit_request.withdrawal_credentials,
//	            amount=deposit_request.amount,
//	            signature=deposit_request.signature,
//	            slot=state.slot,
//	        )
//	    )
//
// The deposit's ETH enters the ledger when the pending deposit is applied
// (Ledger.Deposited); until then it is outside every balance.
func ProcessDepositRequest(st *State, r *DepositRequest) {
	if st.DepositRequestsStartIndex == UnsetDepositRequestsStartIndex {
		st.DepositRequestsStartIndex = r.Index
	}
	st.PendingDeposits = append(st.PendingDeposits, PendingDeposit{
		Pubkey:                r.Pubkey,
		WithdrawalCredentials: r.WithdrawalCredentials,
		Amount:                r.Amount,
		Signature:             r.Signature,
		Slot:                  st.Slot,
	})
}

// ProcessWithdrawalRequest applies one EIP-7002 request (a full exit or a
// partial withdrawal) using the key directory of st's Caches.
func ProcessWithdrawalRequest(cfg *Config, st *State, r *WithdrawalRequest) (RequestResult, error) {
	keys := st.caches.Keys()
	if keys == nil {
		return 0, ErrNoKeyDirectory
	}
	rc := &requestContext{cfg: cfg, st: st, keys: keys, total: func() Gwei { return GetTotalActiveBalance(cfg, st) }}
	return rc.processWithdrawalRequest(r), nil
}

// processWithdrawalRequest is process_withdrawal_request.
//
// Spec definition (Electra):
//
//	def process_withdrawal_request(state: BeaconState, withdrawal_request: WithdrawalRequest) -> None:
//	    amount = withdrawal_request.amount
//	    is_full_exit_request = amount == FULL_EXIT_REQUEST_AMOUNT
//
//	    # If partial withdrawal queue is full, only full exits are processed
//	    if (
//	        len(state.pending_partial_withdrawals) == PENDING_PARTIAL_WITHDRAWALS_LIMIT
//	        and not is_full_exit_request
//	    ):
//	        return
//
//	    validator_pubkeys = [v.pubkey for v in state.validators]
//	    # Verify pubkey exists
//	    request_pubkey = withdrawal_request.validator_pubkey
//	    if request_pubkey not in validator_pubkeys:
//	        return
//	    index = ValidatorIndex(validator_pubkeys.index(request_pubkey))
//	    validator = state.validators[index]
//
//	    # Verify withdrawal credentials
//	    has_correct_credential = has_execution_withdrawal_credential(validator)
//	    is_correct_source_address = (
//	        validator.withdrawal_credentials[12:] == withdrawal_request.source_address
//	    )
//	    if not (has_correct_credential and is_correct_source_address):
//	        return
//	    # Verify the validator is active
//	    if not is_active_validator(validator, get_current_epoch(state)):
//	        return
//	    # Verify exit has not been initiated
//	    if validator.exit_epoch != FAR_FUTURE_EPOCH:
//	        return
//	    # Verify the validator has been active long enough
//	    if get_current_epoch(state) < validator.activation_epoch + SHARD_COMMITTEE_PERIOD:
//	        return
//
//	    pending_balance_to_withdraw = get_pending_balance_to_withdraw(state, index)
//
//	    if is_full_exit_request:
//	        # Only exit validator if it has no pending withdrawals in the queue
//	        if pending_balance_to_withdraw == 0:
//	            initiate_validator_exit(state, index)
//	        return
//
//	    has_sufficient_effective_balance = validator.effective_balance >= MIN_ACTIVATION_BALANCE
//	    has_excess_balance = (
//	        state.balances[index] > MIN_ACTIVATION_BALANCE + pending_balance_to_withdraw
//	    )
//
//	    # Only allow partial withdrawals with compounding withdrawal credentials
//	    if (
//	        has_compounding_withdrawal_credential(validator)
//	        and has_sufficient_effective_balance
//	        and has_excess_balance
//	    ):
//	        to_withdraw = min(
//	            state.balances[index] - MIN_ACTIVATION_BALANCE - pending_balance_to_withdraw, amount
//	        )
//	        exit_queue_epoch = compute_exit_epoch_and_update_churn(state, to_withdraw)
//	        withdrawable_epoch = Epoch(exit_queue_epoch + MIN_VALIDATOR_WITHDRAWABILITY_DELAY)
//	        state.pending_partial_withdrawals.append(
//	            PendingPartialWithdrawal(
//	                validator_index=index,
//	                amount=to_withdraw,
//	                withdrawable_epoch=withdrawable_epoch,
//	            )
//	        )
func (rc *requestContext) processWithdrawalRequest(r *WithdrawalRequest) RequestResult {
	cfg, st := rc.cfg, rc.st
	full := r.Amount == FullExitRequestAmount
	if uint64(len(st.PendingPartialWithdrawals)) == cfg.PendingPartialWithdrawalsLimit && !full {
		return IgnoredPartialQueueFull
	}
	index, ok := rc.validatorOf(r.ValidatorPubkey)
	if !ok {
		return IgnoredUnknownSource
	}
	v := &st.Validators[index]
	if !HasExecutionWithdrawalCredential(v) || AddressOf(v.WithdrawalCredentials) != r.SourceAddress {
		return IgnoredWrongCredentials
	}
	cur := GetCurrentEpoch(cfg, st)
	if !IsActiveValidator(v, cur) {
		return IgnoredSourceInactive
	}
	if v.ExitEpoch != FarFutureEpoch {
		return IgnoredSourceExiting
	}
	if cur < v.ActivationEpoch+Epoch(cfg.ShardCommitteePeriod) {
		return IgnoredSourceTooNew
	}
	pending := GetPendingBalanceToWithdraw(st, index)
	if full {
		if pending != 0 {
			return IgnoredPendingWithdrawal
		}
		InitiateValidatorExitWithTotal(cfg, st, index, rc.total())
		return RequestApplied
	}
	sufficientEB := v.EffectiveBalance >= cfg.MinActivationBalance
	excess := st.Balances[index] > cfg.MinActivationBalance+pending
	if !(HasCompoundingWithdrawalCredential(v) && sufficientEB && excess) {
		return IgnoredNoExcess
	}
	toWithdraw := min(st.Balances[index]-cfg.MinActivationBalance-pending, r.Amount)
	exitQueueEpoch := computeExitEpochAndUpdateChurn(cfg, st, toWithdraw, rc.total())
	st.PendingPartialWithdrawals = append(st.PendingPartialWithdrawals, PendingPartialWithdrawal{
		ValidatorIndex:    index,
		Amount:            toWithdraw,
		WithdrawableEpoch: exitQueueEpoch + Epoch(cfg.MinValidatorWithdrawabilityDelay),
	})
	return RequestApplied
}

// GetPendingBalanceToWithdraw sums a validator's queued partial withdrawals.
//
// Spec definition (Electra):
//
//	def get_pending_balance_to_withdraw(state: BeaconState, validator_index: ValidatorIndex) -> Gwei:
//	    return sum(
//	        withdrawal.amount
//	        for withdrawal in state.pending_partial_withdrawals
//	        if withdrawal.validator_index == validator_index
//	    )
func GetPendingBalanceToWithdraw(st *State, i ValidatorIndex) Gwei {
	var sum Gwei
	for _, w := range st.PendingPartialWithdrawals {
		if w.ValidatorIndex == i {
			sum += w.Amount
		}
	}
	return sum
}

// ProcessConsolidationRequest applies one EIP-7251 request using the key
// directory of st's Caches.
func ProcessConsolidationRequest(cfg *Config, st *State, r *ConsolidationRequest) (RequestResult, error) {
	keys := st.caches.Keys()
	if keys == nil {
		return 0, ErrNoKeyDirectory
	}
	rc := &requestContext{cfg: cfg, st: st, keys: keys, total: func() Gwei { return GetTotalActiveBalance(cfg, st) }}
	return rc.processConsolidationRequest(r), nil
}

// isValidSwitchToCompoundingRequest is is_valid_switch_to_compounding_request.
//
// Spec definition (Electra):
//
//	def is_valid_switch_to_compounding_request(
//	    state: BeaconState, consolidation_request: ConsolidationRequest
//	) -> bool:
//	    # Switch to compounding requires source and target be equal
//	    if consolidation_request.source_pubkey != consolidation_request.target_pubkey:
//	        return False
//
//	    # Verify pubkey exists
//	    source_pubkey = consolidation_request.source_pubkey
//	    validator_pubkeys = [v.pubkey for v in state.validators]
//	    if source_pubkey not in validator_pubkeys:
//	        return False
//
//	    source_validator = state.validators[ValidatorIndex(validator_pubkeys.index(source_pubkey))]
//
//	    # Verify request has been authorized
//	    if source_validator.withdrawal_credentials[12:] != consolidation_request.source_address:
//	        return False
//
//	    # Verify source withdrawal credentials
//	    if not has_eth1_withdrawal_credential(source_validator):
//	        return False
//
//	    # Verify the source is active
//	    current_epoch = get_current_epoch(state)
//	    if not is_active_validator(source_validator, current_epoch):
//	        return False
//
//	    # Verify exit for source has not been initiated
//	    if source_validator.exit_epoch != FAR_FUTURE_EPOCH:
//	        return False
//
//	    return True
func (rc *requestContext) isValidSwitchToCompoundingRequest(r *ConsolidationRequest) (ValidatorIndex, bool) {
	if r.SourcePubkey != r.TargetPubkey {
		return 0, false
	}
	i, ok := rc.validatorOf(r.SourcePubkey)
	if !ok {
		return 0, false
	}
	v := &rc.st.Validators[i]
	if AddressOf(v.WithdrawalCredentials) != r.SourceAddress {
		return 0, false
	}
	if !HasEth1WithdrawalCredential(v) {
		return 0, false
	}
	if !IsActiveValidator(v, GetCurrentEpoch(rc.cfg, rc.st)) {
		return 0, false
	}
	if v.ExitEpoch != FarFutureEpoch {
		return 0, false
	}
	return i, true
}

// processConsolidationRequest is process_consolidation_request.
//
// Spec definition (Electra):
//
//	def process_consolidation_request(
//	    state: BeaconState, consolidation_request: ConsolidationRequest
//	) -> None:
//	    if is_valid_switch_to_compounding_request(state, consolidation_request):
//	        validator_pubkeys = [v.pubkey for v in state.validators]
//	        request_source_pubkey = consolidation_request.source_pubkey
//	        source_index = ValidatorIndex(validator_pubkeys.index(request_source_pubkey))
//	        switch_to_compounding_validator(state, source_index)
//	        return
//
//	    # Verify that source != target, so a consolidation cannot be used as an exit
//	    if consolidation_request.source_pubkey == consolidation_request.target_pubkey:
//	        return
//	    # If the pending consolidations queue is full, consolidation requests are ignored
//	    if len(state.pending_consolidations) == PENDING_CONSOLIDATIONS_LIMIT:
//	        return
//	    # If there is too little available consolidation churn limit, consolidation requests are ignored
//	    if get_consolidation_churn_limit(state) <= MIN_ACTIVATION_BALANCE:
//	        return
//
//	    validator_pubkeys = [v.pubkey for v in state.validators]
//	    # Verify pubkeys exists
//	    request_source_pubkey = consolidation_request.source_pubkey
//	    request_target_pubkey = consolidation_request.target_pubkey
//	    if request_source_pubkey not in validator_pubkeys:
//	        return
//	    if request_target_pubkey not in validator_pubkeys:
//	        return
//	    source_index = ValidatorIndex(validator_pubkeys.index(request_source_pubkey))
//	    target_index = ValidatorIndex(validator_pubkeys.index(request_target_pubkey))
//	    source_validator = state.validators[source_index]
//	    target_validator = state.validators[target_index]
//
//	    # Verify source withdrawal credentials
//	    has_correct_credential = has_execution_withdrawal_credential(source_validator)
//	    is_correct_source_address = (
//	        source_validator.withdrawal_credentials[12:] == consolidation_request.source_address
//	    )
//	    if not (has_correct_credential and is_correct_source_address):
//	        return
//
//	    # Verify that target has compounding withdrawal credentials
//	    if not has_compounding_withdrawal_credential(target_validator):
//	        return
//
//	    # Verify the source and the target are active
//	    current_epoch = get_current_epoch(state)
//	    if not is_active_validator(source_validator, current_epoch):
//	        return
//	    if not is_active_validator(target_validator, current_epoch):
//	        return
//	    # Verify exits for source and target have not been initiated
//	    if source_validator.exit_epoch != FAR_FUTURE_EPOCH:
//	        return
//	    if target_validator.exit_epoch != FAR_FUTURE_EPOCH:
//	        return
//	    # Verify the source has been active long enough
//	    if current_epoch < source_validator.activation_epoch + SHARD_COMMITTEE_PERIOD:
//	        return
//	    # Verify the source has no pending withdrawals in the queue
//	    if get_pending_balance_to_withdraw(state, source_index) > 0:
//	        return
//
//	    # Initiate source validator exit and append pending consolidation
//	    source_validator.exit_epoch = compute_consolidation_epoch_and_update_churn(
//	        state, source_validator.effective_balance
//	    )
//	    source_validator.withdrawable_epoch = Epoch(
//	        source_validator.exit_epoch + MIN_VALIDATOR_WITHDRAWABILITY_DELAY
//	    )
//	    state.pending_consolidations.append(
//	        PendingConsolidation(source_index=source_index, target_index=target_index)
//	    )
func (rc *requestContext) processConsolidationRequest(r *ConsolidationRequest) RequestResult {
	cfg, st := rc.cfg, rc.st
	if i, ok := rc.isValidSwitchToCompoundingRequest(r); ok {
		SwitchToCompoundingValidator(cfg, st, i, rc.keys.Pubkey(i))
		return RequestSwitchedToCompounding
	}
	if r.SourcePubkey == r.TargetPubkey {
		return IgnoredSourceEqualsTarget
	}
	if uint64(len(st.PendingConsolidations)) == cfg.PendingConsolidationsLimit {
		return IgnoredConsolidationQueueFull
	}
	if consolidationChurnLimit(cfg, rc.total()) <= cfg.MinActivationBalance {
		return IgnoredChurnTooLow
	}
	si, ok := rc.validatorOf(r.SourcePubkey)
	if !ok {
		return IgnoredUnknownSource
	}
	ti, ok := rc.validatorOf(r.TargetPubkey)
	if !ok {
		return IgnoredUnknownTarget
	}
	src, tgt := &st.Validators[si], &st.Validators[ti]
	if !HasExecutionWithdrawalCredential(src) || AddressOf(src.WithdrawalCredentials) != r.SourceAddress {
		return IgnoredWrongCredentials
	}
	if !HasCompoundingWithdrawalCredential(tgt) {
		return IgnoredTargetNotCompounding
	}
	cur := GetCurrentEpoch(cfg, st)
	if !IsActiveValidator(src, cur) {
		return IgnoredSourceInactive
	}
	if !IsActiveValidator(tgt, cur) {
		return IgnoredTargetInactive
	}
	if src.ExitEpoch != FarFutureEpoch {
		return IgnoredSourceExiting
	}
	if tgt.ExitEpoch != FarFutureEpoch {
		return IgnoredTargetExiting
	}
	if cur < src.ActivationEpoch+Epoch(cfg.ShardCommitteePeriod) {
		return IgnoredSourceTooNew
	}
	if GetPendingBalanceToWithdraw(st, si) > 0 {
		return IgnoredPendingWithdrawal
	}
	src = st.MutValidator(si)
	src.ExitEpoch = computeConsolidationEpochAndUpdateChurn(cfg, st, src.EffectiveBalance, rc.total())
	src.WithdrawableEpoch = src.ExitEpoch + Epoch(cfg.MinValidatorWithdrawabilityDelay)
	st.PendingConsolidations = append(st.PendingConsolidations, PendingConsolidation{SourceIndex: si, TargetIndex: ti})
	return RequestApplied
}

// SwitchToCompoundingValidator gives validator i 0x02 credentials and queues
// its balance above MIN_ACTIVATION_BALANCE as a pending deposit. pubkey is
// the validator's key (Validator stores none).
//
// Spec definition (Electra):
//
//	def switch_to_compounding_validator(state: BeaconState, index: ValidatorIndex) -> None:
//	    validator = state.validators[index]
//	    validator.withdrawal_credentials = (
//	        COMPOUNDING_WITHDRAWAL_PREFIX + validator.withdrawal_credentials[1:]
//	    )
//	    queue_excess_active_balance(state, index)
func SwitchToCompoundingValidator(cfg *Config, st *State, i ValidatorIndex, pubkey crypto.PublicKeyBytes) {
	st.MutValidator(i).WithdrawalCredentials[0] = CompoundingWithdrawalPrefix
	QueueExcessActiveBalance(cfg, st, i, pubkey)
}

// QueueExcessActiveBalance moves validator i's balance above
// MIN_ACTIVATION_BALANCE into the deposit queue (Ledger.Requeued).
//
// Spec definition (Electra):
//
//	def queue_excess_active_balance(state: BeaconState, index: ValidatorIndex) -> None:
//	    balance = state.balances[index]
//	    if balance > MIN_ACTIVATION_BALANCE:
//	        excess_balance = balance - MIN_ACTIVATION_BALANCE
//	        state.balances[index] = MIN_ACTIVATION_BALANCE
//	        validator = state.validators[index]
//	        # Use bls.G2_POINT_AT_INFINITY as a signature field placeholder
//	        # and GENESIS_SLOT to distinguish from a pending deposit request
//	        state.pending_deposits.append(
//	            PendingDeposit(
//	                pubkey=validator.pubkey,
//	                withdrawal_credentials=validator.withdrawal_credentials,
//	                amount=excess_balance,
//	                signature=bls.G2_POINT_AT_INFINITY,
//	                slot=GENESIS_SLOT,
//	            )
//	        )
//
// The placeholder signature is the zero crypto.Signature; it is never
// checked, since the key already belongs to a validator.
func QueueExcessActiveBalance(cfg *Config, st *State, i ValidatorIndex, pubkey crypto.PublicKeyBytes) {
	b := st.Balances[i]
	if b <= cfg.MinActivationBalance {
		return
	}
	excess := b - cfg.MinActivationBalance
	st.Balances[i] = cfg.MinActivationBalance
	st.Ledger.Requeued += excess
	st.PendingDeposits = append(st.PendingDeposits, PendingDeposit{
		Pubkey:                pubkey,
		WithdrawalCredentials: st.Validators[i].WithdrawalCredentials,
		Amount:                excess,
		Slot:                  GenesisSlot,
	})
}
