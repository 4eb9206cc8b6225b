package consensus

// Math, predicates and accessors from the spec's "Helper functions" sections
// (phase0 → Electra). Each quotes its spec definition.

// IntegerSquareroot returns the largest integer x such that x**2 <= n.
//
// Spec definition:
//
//	def integer_squareroot(n: uint64) -> uint64:
//	    if n == UINT64_MAX:
//	        return UINT64_MAX_SQRT
//	    x = n
//	    y = (x + 1) // 2
//	    while y < x:
//	        x = y
//	        y = (x + n // x) // 2
//	    return x
func IntegerSquareroot(n uint64) uint64 {
	if n == ^uint64(0) {
		return 4294967295
	}
	x := n
	y := (x + 1) / 2
	for y < x {
		x = y
		y = (x + n/x) / 2
	}
	return x
}

// ComputeEpochAtSlot returns the epoch number at slot.
//
// Spec definition:
//
//	def compute_epoch_at_slot(slot: Slot) -> Epoch:
//	    return Epoch(slot // SLOTS_PER_EPOCH)
func ComputeEpochAtSlot(cfg *Config, slot Slot) Epoch {
	return Epoch(uint64(slot) / cfg.SlotsPerEpoch)
}

// ComputeStartSlotAtEpoch returns the first slot of epoch.
//
// Spec definition:
//
//	def compute_start_slot_at_epoch(epoch: Epoch) -> Slot:
//	    return Slot(epoch * SLOTS_PER_EPOCH)
func ComputeStartSlotAtEpoch(cfg *Config, epoch Epoch) Slot {
	return Slot(uint64(epoch) * cfg.SlotsPerEpoch)
}

// ComputeActivationExitEpoch returns the epoch at which an activation or
// exit triggered in epoch takes effect.
//
// Spec definition:
//
//	def compute_activation_exit_epoch(epoch: Epoch) -> Epoch:
//	    return Epoch(epoch + 1 + MAX_SEED_LOOKAHEAD)
func ComputeActivationExitEpoch(cfg *Config, epoch Epoch) Epoch {
	return epoch + 1 + Epoch(cfg.MaxSeedLookahead)
}

// GetCurrentEpoch returns the current epoch of st.
//
// Spec definition:
//
//	def get_current_epoch(state: BeaconState) -> Epoch:
//	    return compute_epoch_at_slot(state.slot)
func GetCurrentEpoch(cfg *Config, st *State) Epoch {
	return ComputeEpochAtSlot(cfg, st.Slot)
}

// GetPreviousEpoch returns the previous epoch (the current one at genesis).
//
// Spec definition:
//
//	def get_previous_epoch(state: BeaconState) -> Epoch:
//	    current_epoch = get_current_epoch(state)
//	    return GENESIS_EPOCH if current_epoch == GENESIS_EPOCH else Epoch(current_epoch - 1)
func GetPreviousEpoch(cfg *Config, st *State) Epoch {
	e := GetCurrentEpoch(cfg, st)
	if e == GenesisEpoch {
		return GenesisEpoch
	}
	return e - 1
}

// IsActiveValidator reports whether v is active in epoch.
//
// Spec definition:
//
//	def is_active_validator(validator: Validator, epoch: Epoch) -> bool:
//	    return validator.activation_epoch <= epoch < validator.exit_epoch
func IsActiveValidator(v *Validator, epoch Epoch) bool {
	return v.ActivationEpoch <= epoch && epoch < v.ExitEpoch
}

// IsEligibleForActivationQueue reports whether v may join the activation queue.
//
// Spec definition (Electra):
//
//	def is_eligible_for_activation_queue(validator: Validator) -> bool:
//	    return (
//	        validator.activation_eligibility_epoch == FAR_FUTURE_EPOCH
//	        and validator.effective_balance >= MIN_ACTIVATION_BALANCE
//	    )
func IsEligibleForActivationQueue(cfg *Config, v *Validator) bool {
	return v.ActivationEligibilityEpoch == FarFutureEpoch && v.EffectiveBalance >= cfg.MinActivationBalance
}

// IsEligibleForActivation reports whether v can be activated now.
//
// Spec definition:
//
//	def is_eligible_for_activation(state: BeaconState, validator: Validator) -> bool:
//	    return (
//	        # Placement in queue is finalized
//	        validator.activation_eligibility_epoch <= state.finalized_checkpoint.epoch
//	        # Has not yet been activated
//	        and validator.activation_epoch == FAR_FUTURE_EPOCH
//	    )
func IsEligibleForActivation(st *State, v *Validator) bool {
	return v.ActivationEligibilityEpoch <= st.FinalizedCheckpoint.Epoch && v.ActivationEpoch == FarFutureEpoch
}

// IsSlashableValidator reports whether v can be slashed in epoch.
//
// Spec definition:
//
//	def is_slashable_validator(validator: Validator, epoch: Epoch) -> bool:
//	    return (not validator.slashed) and (
//	        validator.activation_epoch <= epoch < validator.withdrawable_epoch
//	    )
func IsSlashableValidator(v *Validator, epoch Epoch) bool {
	return !v.Slashed && v.ActivationEpoch <= epoch && epoch < v.WithdrawableEpoch
}

// IsSlashableAttestationData reports a double vote or a surround vote.
//
// Spec definition:
//
//	def is_slashable_attestation_data(data_1: AttestationData, data_2: AttestationData) -> bool:
//	    return (
//	        # Double vote
//	        (data_1 != data_2 and data_1.target.epoch == data_2.target.epoch)
//	        # Surround vote
//	        or (data_1.source.epoch < data_2.source.epoch and data_2.target.epoch < data_1.target.epoch)
//	    )
func IsSlashableAttestationData(d1, d2 *AttestationData) bool {
	return (*d1 != *d2 && d1.Target.Epoch == d2.Target.Epoch) ||
		(d1.Source.Epoch < d2.Source.Epoch && d2.Target.Epoch < d1.Target.Epoch)
}

// HasEth1WithdrawalCredential reports a 0x01 credential.
//
// Spec definition:
//
//	def has_eth1_withdrawal_credential(validator: Validator) -> bool:
//	    return validator.withdrawal_credentials[:1] == ETH1_ADDRESS_WITHDRAWAL_PREFIX
func HasEth1WithdrawalCredential(v *Validator) bool {
	return v.WithdrawalCredentials[0] == ETH1AddressWithdrawalPrefix
}

// HasCompoundingWithdrawalCredential reports a 0x02 credential.
//
// Spec definition (Electra):
//
//	def is_compounding_withdrawal_credential(withdrawal_credentials: Bytes32) -> bool:
//	    return withdrawal_credentials[:1] == COMPOUNDING_WITHDRAWAL_PREFIX
//
//	def has_compounding_withdrawal_credential(validator: Validator) -> bool:
//	    return is_compounding_withdrawal_credential(validator.withdrawal_credentials)
func HasCompoundingWithdrawalCredential(v *Validator) bool {
	return v.WithdrawalCredentials[0] == CompoundingWithdrawalPrefix
}

// HasExecutionWithdrawalCredential reports a 0x01 or 0x02 credential.
//
// Spec definition (Electra):
//
//	def has_execution_withdrawal_credential(validator: Validator) -> bool:
//	    return has_compounding_withdrawal_credential(validator) or has_eth1_withdrawal_credential(validator)
func HasExecutionWithdrawalCredential(v *Validator) bool {
	return HasCompoundingWithdrawalCredential(v) || HasEth1WithdrawalCredential(v)
}

// GetMaxEffectiveBalance returns the effective-balance cap of v.
//
// Spec definition (Electra):
//
//	def get_max_effective_balance(validator: Validator) -> Gwei:
//	    if has_compounding_withdrawal_credential(validator):
//	        return MAX_EFFECTIVE_BALANCE_ELECTRA
//	    else:
//	        return MIN_ACTIVATION_BALANCE
func GetMaxEffectiveBalance(cfg *Config, v *Validator) Gwei {
	if HasCompoundingWithdrawalCredential(v) {
		return cfg.MaxEffectiveBalanceElectra
	}
	return cfg.MinActivationBalance
}

// GetActiveValidatorIndices returns the indices of validators active in epoch.
//
// Spec definition:
//
//	def get_active_validator_indices(state: BeaconState, epoch: Epoch) -> Sequence[ValidatorIndex]:
//	    return [
//	        ValidatorIndex(i) for i, v in enumerate(state.validators) if is_active_validator(v, epoch)
//	    ]
func GetActiveValidatorIndices(st *State, epoch Epoch) []ValidatorIndex {
	out := make([]ValidatorIndex, 0, len(st.Validators))
	for i := range st.Validators {
		if IsActiveValidator(&st.Validators[i], epoch) {
			out = append(out, ValidatorIndex(i))
		}
	}
	return out
}

// GetTotalBalance sums effective balances, with a floor of one increment.
//
// Spec definition:
//
//	def get_total_balance(state: BeaconState, indices: Set[ValidatorIndex]) -> Gwei:
//	    return Gwei(max(EFFECTIVE_BALANCE_INCREMENT, sum([state.validators[index].effective_balance for index in indices])))
func GetTotalBalance(cfg *Config, st *State, indices []ValidatorIndex) Gwei {
	var s Gwei
	for _, i := range indices {
		s += st.Validators[i].EffectiveBalance
	}
	if s < cfg.EffectiveBalanceIncrement {
		return cfg.EffectiveBalanceIncrement
	}
	return s
}

// GetTotalActiveBalance sums the effective balance of the current epoch's
// active validators.
//
// Spec definition:
//
//	def get_total_active_balance(state: BeaconState) -> Gwei:
//	    return get_total_balance(state, set(get_active_validator_indices(state, get_current_epoch(state))))
func GetTotalActiveBalance(cfg *Config, st *State) Gwei {
	return max(cfg.EffectiveBalanceIncrement, activeSummaryOf(st, GetCurrentEpoch(cfg, st)).total)
}

// GetBaseRewardPerIncrement is the reward per EFFECTIVE_BALANCE_INCREMENT.
//
// Spec definition (Altair):
//
//	def get_base_reward_per_increment(state: BeaconState) -> Gwei:
//	    return Gwei(EFFECTIVE_BALANCE_INCREMENT * BASE_REWARD_FACTOR // integer_squareroot(get_total_active_balance(state)))
func GetBaseRewardPerIncrement(cfg *Config, totalActiveBalance Gwei) Gwei {
	return Gwei(uint64(cfg.EffectiveBalanceIncrement) * cfg.BaseRewardFactor / IntegerSquareroot(uint64(totalActiveBalance)))
}

// GetBaseReward is a validator's base reward; the caller passes the
// per-increment figure so loops compute the total active balance once.
//
// Spec definition (Altair):
//
//	def get_base_reward(state: BeaconState, index: ValidatorIndex) -> Gwei:
//	    increments = state.validators[index].effective_balance // EFFECTIVE_BALANCE_INCREMENT
//	    return Gwei(increments * get_base_reward_per_increment(state))
func GetBaseReward(cfg *Config, st *State, i ValidatorIndex, perIncrement Gwei) Gwei {
	increments := st.Validators[i].EffectiveBalance / cfg.EffectiveBalanceIncrement
	return increments * perIncrement
}

// GetRandaoMix returns the RANDAO mix of epoch from the state's window.
//
// Spec definition:
//
//	def get_randao_mix(state: BeaconState, epoch: Epoch) -> Bytes32:
//	    return state.randao_mixes[epoch % EPOCHS_PER_HISTORICAL_VECTOR]
func GetRandaoMix(st *State, epoch Epoch) Root {
	return st.RandaoMixes[uint64(epoch)%uint64(len(st.RandaoMixes))]
}

// GetBlockRootAtSlot returns the block root at a recent slot.
//
// Spec definition:
//
//	def get_block_root_at_slot(state: BeaconState, slot: Slot) -> Root:
//	    assert slot < state.slot <= slot + SLOTS_PER_HISTORICAL_ROOT
//	    return state.block_roots[slot % SLOTS_PER_HISTORICAL_ROOT]
//
// The window is len(st.BlockRoots) slots rather than SLOTS_PER_HISTORICAL_ROOT;
// ok is false outside it.
func GetBlockRootAtSlot(st *State, slot Slot) (root Root, ok bool) {
	n := Slot(len(st.BlockRoots))
	if !(slot < st.Slot && st.Slot <= slot+n) {
		return Root{}, false
	}
	return st.BlockRoots[uint64(slot)%uint64(n)], true
}

// GetBlockRoot returns the block root at the start of a recent epoch.
//
// Spec definition:
//
//	def get_block_root(state: BeaconState, epoch: Epoch) -> Root:
//	    return get_block_root_at_slot(state, compute_start_slot_at_epoch(epoch))
func GetBlockRoot(cfg *Config, st *State, epoch Epoch) (Root, bool) {
	return GetBlockRootAtSlot(st, ComputeStartSlotAtEpoch(cfg, epoch))
}
