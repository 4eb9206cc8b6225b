package consensus

// Electra (EIP-7251) churn: activations, exits and consolidations are
// rate-limited in Gwei per epoch rather than in validators per epoch.
//
// Every function here needs get_total_active_balance, an O(n) pass over the
// registry. The exported forms compute it; the lower-case forms take it as an
// argument so that epoch processing (and block processing, which never
// changes effective balances) can compute it once.

// GetBalanceChurnLimit returns the churn limit of the current epoch in Gwei.
//
// Spec definition (Electra):
//
//	def get_balance_churn_limit(state: BeaconState) -> Gwei:
//	    """
//	    Return the churn limit for the current epoch.
//	    """
//	    churn = max(
//	        MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA, get_total_active_balance(state) // CHURN_LIMIT_QUOTIENT
//	    )
//	    return churn - churn % EFFECTIVE_BALANCE_INCREMENT
func GetBalanceChurnLimit(cfg *Config, st *State) Gwei {
	return balanceChurnLimit(cfg, GetTotalActiveBalance(cfg, st))
}

func balanceChurnLimit(cfg *Config, totalActive Gwei) Gwei {
	churn := max(cfg.MinPerEpochChurnLimitElectra, totalActive/Gwei(cfg.ChurnLimitQuotient))
	return churn - churn%cfg.EffectiveBalanceIncrement
}

// ChurnLimitsFor returns get_balance_churn_limit,
// get_activation_exit_churn_limit and get_consolidation_churn_limit for a
// state whose get_total_active_balance is totalActive.
func ChurnLimitsFor(cfg *Config, totalActive Gwei) (balance, activationExit, consolidation Gwei) {
	return balanceChurnLimit(cfg, totalActive), activationExitChurnLimit(cfg, totalActive), consolidationChurnLimit(cfg, totalActive)
}

// GetActivationExitChurnLimit returns the part of the churn limit that
// activations (pending deposits) and exits share.
//
// Spec definition (Electra):
//
//	def get_activation_exit_churn_limit(state: BeaconState) -> Gwei:
//	    """
//	    Return the churn limit for the current epoch dedicated to activations and exits.
//	    """
//	    return min(MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT, get_balance_churn_limit(state))
func GetActivationExitChurnLimit(cfg *Config, st *State) Gwei {
	return activationExitChurnLimit(cfg, GetTotalActiveBalance(cfg, st))
}

func activationExitChurnLimit(cfg *Config, totalActive Gwei) Gwei {
	return min(cfg.MaxPerEpochActivationExitChurnLimit, balanceChurnLimit(cfg, totalActive))
}

// GetConsolidationChurnLimit returns the churn left for consolidations.
//
// Spec definition (Electra):
//
//	def get_consolidation_churn_limit(state: BeaconState) -> Gwei:
//	    return get_balance_churn_limit(state) - get_activation_exit_churn_limit(state)
func GetConsolidationChurnLimit(cfg *Config, st *State) Gwei {
	return consolidationChurnLimit(cfg, GetTotalActiveBalance(cfg, st))
}

func consolidationChurnLimit(cfg *Config, totalActive Gwei) Gwei {
	return balanceChurnLimit(cfg, totalActive) - activationExitChurnLimit(cfg, totalActive)
}

// ComputeExitEpochAndUpdateChurn books exitBalance against the exit churn and
// returns the epoch at which the exit takes effect.
//
// Spec definition (Electra):
//
//	def compute_exit_epoch_and_update_churn(state: BeaconState, exit_balance: Gwei) -> Epoch:
//	    earliest_exit_epoch = max(
//	        state.earliest_exit_epoch, compute_activation_exit_epoch(get_current_epoch(state))
//	    )
//	    per_epoch_churn = get_activation_exit_churn_limit(state)
//	    # New epoch for exits.
//	    if state.earliest_exit_epoch < earliest_exit_epoch:
//	        exit_balance_to_consume = per_epoch_churn
//	    else:
//	        exit_balance_to_consume = state.exit_balance_to_consume
//
//	    # Exit doesn't fit in the current earliest epoch.
//	    if exit_balance > exit_balance_to_consume:
//	        balance_to_process = exit_balance - exit_balance_to_consume
//	        additional_epochs = (balance_to_process - 1) // per_epoch_churn + 1
//	        earliest_exit_epoch += additional_epochs
//	        exit_balance_to_consume += additional_epochs * per_epoch_churn
//
//	    # Consume the balance and update state variables.
//	    state.exit_balance_to_consume = exit_balance_to_consume - exit_balance
//	    state.earliest_exit_epoch = earliest_exit_epoch
//
//	    return state.earliest_exit_epoch
func ComputeExitEpochAndUpdateChurn(cfg *Config, st *State, exitBalance Gwei) Epoch {
	return computeExitEpochAndUpdateChurn(cfg, st, exitBalance, GetTotalActiveBalance(cfg, st))
}

func computeExitEpochAndUpdateChurn(cfg *Config, st *State, exitBalance, totalActive Gwei) Epoch {
	earliest := max(st.EarliestExitEpoch, ComputeActivationExitEpoch(cfg, GetCurrentEpoch(cfg, st)))
	perEpoch := activationExitChurnLimit(cfg, totalActive)
	var toConsume Gwei
	if st.EarliestExitEpoch < earliest {
		toConsume = perEpoch
	} else {
		toConsume = st.ExitBalanceToConsume
	}
	if exitBalance > toConsume {
		toProcess := exitBalance - toConsume
		additional := (toProcess-1)/perEpoch + 1
		earliest += Epoch(additional)
		toConsume += additional * perEpoch
	}
	st.ExitBalanceToConsume = toConsume - exitBalance
	st.EarliestExitEpoch = earliest
	return st.EarliestExitEpoch
}

// ComputeConsolidationEpochAndUpdateChurn books consolidationBalance against
// the consolidation churn and returns the epoch at which the source exits.
//
// Spec definition (Electra):
//
//	def compute_consolidation_epoch_and_update_churn(
//	    state: BeaconState, consolidation_balance: Gwei
//	) -> Epoch:
//	    earliest_consolidation_epoch = max(
//	        state.earliest_consolidation_epoch, compute_activation_exit_epoch(get_current_epoch(state))
//	    )
//	    per_epoch_consolidation_churn = get_consolidation_churn_limit(state)
//	    # New epoch for consolidations.
//	    if state.earliest_consolidation_epoch < earliest_consolidation_epoch:
//	        consolidation_balance_to_consume = per_epoch_consolidation_churn
//	    else:
//	        consolidation_balance_to_consume = state.consolidation_balance_to_consume
//
//	    # Consolidation doesn't fit in the current earliest epoch.
//	    if consolidation_balance > consolidation_balance_to_consume:
//	        balance_to_process = consolidation_balance - consolidation_balance_to_consume
//	        additional_epochs = (balance_to_process - 1) // per_epoch_consolidation_churn + 1
//	        earliest_consolidation_epoch += additional_epochs
//	        consolidation_balance_to_consume += additional_epochs * per_epoch_consolidation_churn
//
//	    # Consume the balance and update state variables.
//	    state.consolidation_balance_to_consume = (
//	        consolidation_balance_to_consume - consolidation_balance
//	    )
//	    state.earliest_consolidation_epoch = earliest_consolidation_epoch
//
//	    return state.earliest_consolidation_epoch
//
// The spec only calls this after checking get_consolidation_churn_limit(state)
// > MIN_ACTIVATION_BALANCE (process_consolidation_request), so the per-epoch
// churn is never zero there. Called with a zero consolidation churn (a small
// registry, where the whole churn goes to activations and exits) the spec
// would divide by zero; this returns FarFutureEpoch and leaves st unchanged.
func ComputeConsolidationEpochAndUpdateChurn(cfg *Config, st *State, consolidationBalance Gwei) Epoch {
	return computeConsolidationEpochAndUpdateChurn(cfg, st, consolidationBalance, GetTotalActiveBalance(cfg, st))
}

func computeConsolidationEpochAndUpdateChurn(cfg *Config, st *State, consolidationBalance, totalActive Gwei) Epoch {
	earliest := max(st.EarliestConsolidationEpoch, ComputeActivationExitEpoch(cfg, GetCurrentEpoch(cfg, st)))
	perEpoch := consolidationChurnLimit(cfg, totalActive)
	var toConsume Gwei
	if st.EarliestConsolidationEpoch < earliest {
		toConsume = perEpoch
	} else {
		toConsume = st.ConsolidationBalanceToConsume
	}
	if consolidationBalance > toConsume {
		if perEpoch == 0 {
			return FarFutureEpoch
		}
		toProcess := consolidationBalance - toConsume
		additional := (toProcess-1)/perEpoch + 1
		earliest += Epoch(additional)
		toConsume += additional * perEpoch
	}
	st.ConsolidationBalanceToConsume = toConsume - consolidationBalance
	st.EarliestConsolidationEpoch = earliest
	return st.EarliestConsolidationEpoch
}
