package consensus

// Beacon state mutators (Electra): exits and slashing. Block processing
// (proposer and attester slashings, voluntary exits, withdrawal requests)
// and epoch processing (ejections) call these. Validators with BLS (0x00)
// credentials can exit voluntarily (a signed exit in a block) but are never
// withdrawn until a BLS-to-execution change gives them an address.

// InitiateValidatorExit schedules validator i's exit through the Electra
// exit churn. It does nothing if the exit is already scheduled.
//
// Spec definition (Electra):
//
//	def initiate_validator_exit(state: BeaconState, index: ValidatorIndex) -> None:
//	    """
//	    Initiate the exit of the validator with index ``index``.
//	    """
//	    # Return if validator already initiated exit
//	    validator = state.validators[index]
//	    if validator.exit_epoch != FAR_FUTURE_EPOCH:
//	        return
//
//	    # Compute exit queue epoch [Modified in Electra:EIP7251]
//	    exit_queue_epoch = compute_exit_epoch_and_update_churn(state, validator.effective_balance)
//
//	    # Set validator exit epoch and withdrawable epoch
//	    validator.exit_epoch = exit_queue_epoch
//	    validator.withdrawable_epoch = Epoch(validator.exit_epoch + MIN_VALIDATOR_WITHDRAWABILITY_DELAY)
//
// The caller must pass an index below len(st.Validators).
func InitiateValidatorExit(cfg *Config, st *State, i ValidatorIndex) {
	if st.Validators[i].ExitEpoch != FarFutureEpoch {
		return
	}
	InitiateValidatorExitWithTotal(cfg, st, i, GetTotalActiveBalance(cfg, st))
}

// InitiateValidatorExitWithTotal is InitiateValidatorExit with the current
// epoch's total active balance supplied by the caller, who must pass
// GetTotalActiveBalance(cfg, st). That figure changes only when effective
// balances or the epoch change (process_effective_balance_updates), so block
// processing can compute it once per block and slash or exit many
// validators in O(1) each. It reports whether an exit was initiated.
func InitiateValidatorExitWithTotal(cfg *Config, st *State, i ValidatorIndex, totalActive Gwei) bool {
	if st.Validators[i].ExitEpoch != FarFutureEpoch {
		return false
	}
	v := st.MutValidator(i)
	exitEpoch := computeExitEpochAndUpdateChurn(cfg, st, v.EffectiveBalance, totalActive)
	v.ExitEpoch = exitEpoch
	v.WithdrawableEpoch = exitEpoch + Epoch(cfg.MinValidatorWithdrawabilityDelay)
	return true
}

// SlashValidator slashes validator slashed: it exits it, marks it slashed,
// records its effective balance for the correlation penalty, takes the
// initial penalty and pays the proposer and the whistleblower. The spec
// looks the proposer up with get_beacon_proposer_index; here the caller
// passes it (block processing knows it), which keeps this package's
// mutators free of shuffling. A nil whistleblower means the proposer.
//
// Spec definition (Electra):
//
//	def slash_validator(
//	    state: BeaconState,
//	    slashed_index: ValidatorIndex,
//	    whistleblower_index: Optional[ValidatorIndex] = None,
//	) -> None:
//	    """
//	    Slash the validator with index ``slashed_index``.
//	    """
//	    epoch = get_current_epoch(state)
//	    initiate_validator_exit(state, slashed_index)
//	    validator = state.validators[slashed_index]
//	    validator.slashed = True
//	    validator.withdrawable_epoch = max(
//	        validator.withdrawable_epoch, Epoch(epoch + EPOCHS_PER_SLASHINGS_VECTOR)
//	    )
//	    state.slashings[epoch % EPOCHS_PER_SLASHINGS_VECTOR] += validator.effective_balance
//	    # [Modified in Electra:EIP7251]
//	    slashing_penalty = validator.effective_balance // MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA
//	    decrease_balance(state, slashed_index, slashing_penalty)
//
//	    # Apply proposer and whistleblower rewards
//	    proposer_index = get_beacon_proposer_index(state)
//	    if whistleblower_index is None:
//	        whistleblower_index = proposer_index
//	    # [Modified in Electra:EIP7251]
//	    whistleblower_reward = Gwei(
//	        validator.effective_balance // WHISTLEBLOWER_REWARD_QUOTIENT_ELECTRA
//	    )
//	    proposer_reward = Gwei(whistleblower_reward * PROPOSER_WEIGHT // WEIGHT_DENOMINATOR)
//	    increase_balance(state, proposer_index, proposer_reward)
//	    increase_balance(state, whistleblower_index, Gwei(whistleblower_reward - proposer_reward))
//
// The caller must pass indices below len(st.Validators) (block processing
// checks is_slashable_validator first).
func SlashValidator(cfg *Config, st *State, slashed, proposer ValidatorIndex, whistleblower *ValidatorIndex) SlashingReport {
	return SlashValidatorWithTotal(cfg, st, slashed, proposer, whistleblower, GetTotalActiveBalance(cfg, st))
}

// SlashingReport is what one slash_validator call applied, so that callers
// never recompute the penalty or the rewards.
type SlashingReport struct {
	Validator        ValidatorIndex
	EffectiveBalance Gwei // the slashed validator's, added to state.slashings
	// InitialPenalty is what decrease_balance took: effective_balance //
	// MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA, or the whole balance if smaller.
	InitialPenalty Gwei
	// WhistleblowerReward is effective_balance //
	// WHISTLEBLOWER_REWARD_QUOTIENT_ELECTRA, of which ProposerReward went
	// to Proposer and the rest to Whistleblower (the proposer when none).
	WhistleblowerReward, ProposerReward Gwei
	Proposer, Whistleblower             ValidatorIndex
}

// SlashValidatorWithTotal is SlashValidator with the current epoch's total
// active balance supplied by the caller (see InitiateValidatorExitWithTotal):
// an attester slashing that names thousands of validators stays linear.
func SlashValidatorWithTotal(cfg *Config, st *State, slashed, proposer ValidatorIndex, whistleblower *ValidatorIndex, totalActive Gwei) SlashingReport {
	epoch := GetCurrentEpoch(cfg, st)
	InitiateValidatorExitWithTotal(cfg, st, slashed, totalActive)
	v := st.MutValidator(slashed)
	v.Slashed = true
	v.WithdrawableEpoch = max(v.WithdrawableEpoch, epoch+Epoch(cfg.EpochsPerSlashingsVector))
	st.Slashings[uint64(epoch)%uint64(len(st.Slashings))] += v.EffectiveBalance
	before := st.Balances[slashed]
	st.DecreaseBalance(slashed, v.EffectiveBalance/Gwei(cfg.MinSlashingPenaltyQuotientElectra))
	penalty := before - st.Balances[slashed] // before any reward: the slashed validator may be the proposer

	wb := proposer
	if whistleblower != nil {
		wb = *whistleblower
	}
	whistleblowerReward := v.EffectiveBalance / Gwei(cfg.WhistleblowerRewardQuotientElectra)
	proposerReward := whistleblowerReward * ProposerWeight / WeightDenominator
	st.IncreaseBalance(proposer, proposerReward)
	st.IncreaseBalance(wb, whistleblowerReward-proposerReward)
	return SlashingReport{Validator: slashed, EffectiveBalance: v.EffectiveBalance, InitialPenalty: penalty,
		WhistleblowerReward: whistleblowerReward, ProposerReward: proposerReward, Proposer: proposer, Whistleblower: wb}
}
