package consensus

import (
	"errors"
	"fmt"

	"github.com/stakesim/stakesim/crypto"
)

// Epoch processing (Electra process_epoch). Every step is one linear pass
// over the per-validator slices; the total active balance is computed once,
// since nothing before process_effective_balance_updates changes an
// effective balance or the current epoch's active set.

// ErrNoPubkeyIndex is returned by ProcessEpoch when pending deposits must be
// resolved to validators but no public-key index is wired (see PubkeyIndexFunc).
var ErrNoPubkeyIndex = errors.New("consensus: pending deposits but no public-key index")

// ErrDepositOutOfOrder is returned when a pending deposit for a new
// validator carries a key whose keyring index is not the next validator
// index (validator i must hold keyring key i).
var ErrDepositOutOfOrder = errors.New("consensus: deposit for a new validator out of keyring order")

// PubkeyIndexFunc resolves a public key to its keyring index: validator i
// holds keyring key i (Validator carries no public key). ok is false for a
// key the keyring does not know. process_pending_deposits treats an index
// below len(st.Validators) as a top-up of that validator and anything else
// as a new validator, which must then be exactly len(st.Validators).
type PubkeyIndexFunc func(pk crypto.PublicKeyBytes) (ValidatorIndex, bool)

// EpochReport is what one ProcessEpoch did, for epochs.csv. Balances are
// sums of effective balances (raw sums, without get_total_balance's
// one-increment floor, except TotalActiveBalance which is the spec's value).
type EpochReport struct {
	// Epoch is the epoch that ended (get_current_epoch before processing).
	Epoch Epoch

	TotalActiveBalance    Gwei
	PreviousSourceBalance Gwei // unslashed, active in the previous epoch, timely source
	PreviousTargetBalance Gwei // ... timely target
	PreviousHeadBalance   Gwei // ... timely head
	CurrentTargetBalance  Gwei // unslashed, active in the current epoch, timely target

	// Justified and Finalized are the state's current justified and
	// finalized checkpoints after processing.
	Justified Checkpoint
	Finalized Checkpoint

	// InInactivityLeak is is_in_inactivity_leak as the rewards step saw it
	// (after this epoch's justification and finalization).
	InInactivityLeak bool

	// Rewards and Penalties are the attestation flag rewards and the flag
	// and inactivity penalties actually applied (penalties after clamping at
	// zero balance). InactivityPenalties is the inactivity part of Penalties.
	Rewards             Gwei
	Penalties           Gwei
	InactivityPenalties Gwei
	// SlashingPenalties is the correlation penalty (process_slashings) taken;
	// CorrelationPenalized lists the validators it was taken from, with the
	// amounts (after clamping) in CorrelationPenalties.
	SlashingPenalties    Gwei
	CorrelationPenalized []ValidatorIndex
	CorrelationPenalties []Gwei

	// Ejected lists validators whose exit process_registry_updates initiated
	// because their effective balance fell to EJECTION_BALANCE; Activated
	// those given an activation epoch. Both ascending.
	Ejected   []ValidatorIndex
	Activated []ValidatorIndex
	// ExitsInitiated counts exits initiated by epoch processing (the
	// ejections); exits initiated by blocks are not visible here.
	ExitsInitiated int
	// ExitQueue counts validators with an exit scheduled after this epoch
	// (current epoch < exit_epoch < FAR_FUTURE_EPOCH), before processing.
	ExitQueue int

	DepositsApplied       int  // pending deposits applied to a balance
	DepositedGwei         Gwei // their total amount
	ValidatorsCreated     int  // new registry entries made by deposits
	DepositsRejected      int  // deposits for new keys with an invalid proof of possession
	ConsolidationsApplied int  // pending consolidations whose balance moved
	ConsolidatedGwei      Gwei // the balance they moved
}

// ProcessEpoch runs the Electra epoch transition on st, whose slot is the
// last slot of the epoch being closed (process_slots calls it when
// (state.slot + 1) % SLOTS_PER_EPOCH == 0). Pending deposits are resolved
// with the KeyDirectory on st's Caches (Caches.SetKeys); without one,
// ProcessEpochWithPubkeys must be used.
//
// Spec definition (Electra):
//
//	def process_epoch(state: BeaconState) -> None:
//	    process_justification_and_finalization(state)
//	    process_inactivity_updates(state)
//	    process_rewards_and_penalties(state)
//	    # [Modified in Electra:EIP7251]
//	    process_registry_updates(state)
//	    # [Modified in Electra:EIP7251]
//	    process_slashings(state)
//	    process_eth1_data_reset(state)
//	    # [New in Electra:EIP7251]
//	    process_pending_deposits(state)
//	    # [New in Electra:EIP7251]
//	    process_pending_consolidations(state)
//	    # [Modified in Electra:EIP7251]
//	    process_effective_balance_updates(state)
//	    process_slashings_reset(state)
//	    process_randao_mixes_reset(state)
//	    process_historical_summaries_update(state)
//	    process_participation_flag_updates(state)
//	    process_sync_committee_updates(state)
//
// Not modelled: process_eth1_data_reset (no eth1 votes),
// process_historical_summaries_update (no historical accumulator; the
// state keeps short ring windows, see State.BlockRoots). If an error
// is returned st is partly processed and must be discarded, as a failed
// spec assertion discards the state.
func ProcessEpoch(cfg *Config, st *State) (EpochReport, error) {
	var idx PubkeyIndexFunc
	if k := st.caches.Keys(); k != nil {
		idx = k.PubkeyIndex
	}
	return ProcessEpochWithPubkeys(cfg, st, idx)
}

// ProcessEpochWithPubkeys is ProcessEpoch with an explicit public-key index
// for pending deposits. idx may be nil while no deposit is pending.
func ProcessEpochWithPubkeys(cfg *Config, st *State, idx PubkeyIndexFunc) (EpochReport, error) {
	if err := checkShape(st); err != nil {
		return EpochReport{}, err
	}
	if idx == nil && len(st.PendingDeposits) > 0 {
		return EpochReport{}, fmt.Errorf("%w (%d pending)", ErrNoPubkeyIndex, len(st.PendingDeposits))
	}
	cur := GetCurrentEpoch(cfg, st)
	rep := EpochReport{Epoch: cur}

	// One pass: the balances every later step needs.
	sums := computeParticipationSums(cfg, st)
	totalActive := sums.totalActive
	rep.TotalActiveBalance = totalActive
	rep.PreviousSourceBalance = sums.prevFlag[TimelySourceFlagIndex]
	rep.PreviousTargetBalance = sums.prevFlag[TimelyTargetFlagIndex]
	rep.PreviousHeadBalance = sums.prevFlag[TimelyHeadFlagIndex]
	rep.CurrentTargetBalance = sums.currentTarget
	rep.ExitQueue = sums.exitQueue

	if cur > GenesisEpoch+1 {
		inc := cfg.EffectiveBalanceIncrement
		if err := WeighJustificationAndFinalization(cfg, st, totalActive,
			max(sums.prevFlag[TimelyTargetFlagIndex], inc), max(sums.currentTarget, inc)); err != nil {
			return rep, err
		}
	}

	rep.InInactivityLeak = IsInInactivityLeak(cfg, st)
	processInactivityAndRewards(cfg, st, &sums, rep.InInactivityLeak, &rep)
	processRegistryUpdates(cfg, st, totalActive, &rep)
	rep.SlashingPenalties = processSlashings(cfg, st, totalActive, &rep)
	// process_eth1_data_reset: not modelled.
	if err := processPendingDeposits(cfg, st, totalActive, idx, &rep); err != nil {
		return rep, err
	}
	rep.ConsolidationsApplied, rep.ConsolidatedGwei = processPendingConsolidations(cfg, st)
	ProcessEffectiveBalanceUpdates(cfg, st)
	ProcessSlashingsReset(cfg, st)
	ProcessRandaoMixesReset(cfg, st)
	// process_historical_summaries_update: not modelled.
	ProcessParticipationFlagUpdates(st)
	if err := ProcessSyncCommitteeUpdates(cfg, st); err != nil {
		return rep, err
	}

	rep.Justified = st.CurrentJustifiedCheckpoint
	rep.Finalized = st.FinalizedCheckpoint
	return rep, nil
}

// checkShape verifies that the per-validator slices have one entry per
// validator and that the ring vectors are non-empty, so that a malformed
// State yields an error rather than an index panic.
func checkShape(st *State) error {
	n := len(st.Validators)
	if len(st.Balances) != n || len(st.PreviousEpochParticipation) != n ||
		len(st.CurrentEpochParticipation) != n || len(st.InactivityScores) != n {
		return fmt.Errorf("consensus: malformed state: %d validators, %d balances, %d/%d participation, %d inactivity scores",
			n, len(st.Balances), len(st.PreviousEpochParticipation), len(st.CurrentEpochParticipation), len(st.InactivityScores))
	}
	if len(st.Slashings) == 0 || len(st.RandaoMixes) == 0 {
		return fmt.Errorf("consensus: malformed state: %d slashings, %d randao mixes", len(st.Slashings), len(st.RandaoMixes))
	}
	return nil
}

// participationSums are the registry-wide sums of one pass.
type participationSums struct {
	totalActive   Gwei    // get_total_active_balance (floored at one increment)
	prevFlag      [3]Gwei // unslashed participating EB in the previous epoch, per flag (raw)
	currentTarget Gwei    // unslashed timely-target EB in the current epoch (raw)
	exitQueue     int
}

// computeParticipationSums sums, in one pass over the participation flags,
// the balances the epoch rules weigh. With the registry's memo it reads
// the compact participationWeights instead of the registry.
func computeParticipationSums(cfg *Config, st *State) participationSums {
	cur, prev := GetCurrentEpoch(cfg, st), GetPreviousEpoch(cfg, st)
	wc, wp := participationWeightsOf(cfg, st, cur), participationWeightsOf(cfg, st, prev)
	n := len(st.Validators)
	if wc == nil || wp == nil || len(st.CurrentEpochParticipation) < n || len(st.PreviousEpochParticipation) < n {
		return scanParticipationSums(cfg, st)
	}
	var curTarget uint64
	var prevFlag [3]uint64
	curPart, prevPart := st.CurrentEpochParticipation[:n], st.PreviousEpochParticipation[:n]
	for i, w := range wc.weight[:n] {
		if participated(curPart[i], TimelyTargetFlagIndex) {
			curTarget += uint64(w)
		}
	}
	for i, w := range wp.weight[:n] {
		f := prevPart[i]
		for flag := range prevFlag {
			if participated(f, flag) {
				prevFlag[flag] += uint64(w)
			}
		}
	}
	s := participationSums{
		totalActive:   max(activeSummaryOf(st, cur).total, cfg.EffectiveBalanceIncrement),
		currentTarget: Gwei(curTarget) * wc.inc,
		exitQueue:     wc.exitQueue,
	}
	for flag := range prevFlag {
		s.prevFlag[flag] = Gwei(prevFlag[flag]) * wp.inc
	}
	return s
}

// scanParticipationSums is computeParticipationSums reading the registry.
func scanParticipationSums(cfg *Config, st *State) participationSums {
	cur := GetCurrentEpoch(cfg, st)
	prev := GetPreviousEpoch(cfg, st)
	var s participationSums
	for i := range st.Validators {
		v := &st.Validators[i]
		if IsActiveValidator(v, cur) {
			s.totalActive += v.EffectiveBalance
			if !v.Slashed && participated(st.CurrentEpochParticipation[i], TimelyTargetFlagIndex) {
				s.currentTarget += v.EffectiveBalance
			}
		}
		if !v.Slashed && IsActiveValidator(v, prev) {
			f := st.PreviousEpochParticipation[i]
			for flag := range s.prevFlag {
				if participated(f, flag) {
					s.prevFlag[flag] += v.EffectiveBalance
				}
			}
		}
		if v.ExitEpoch != FarFutureEpoch && v.ExitEpoch > cur {
			s.exitQueue++
		}
	}
	s.totalActive = max(s.totalActive, cfg.EffectiveBalanceIncrement)
	return s
}

// GetFinalityDelay returns how many epochs finality lags the previous epoch.
//
// Spec definition (phase0):
//
//	def get_finality_delay(state: BeaconState) -> Uint64:
//	    return get_previous_epoch(state) - state.finalized_checkpoint.epoch
//
// A finalized epoch after the previous epoch (impossible for a state built
// by the rules) gives 0 rather than wrapping around.
func GetFinalityDelay(cfg *Config, st *State) uint64 {
	prev := GetPreviousEpoch(cfg, st)
	if st.FinalizedCheckpoint.Epoch > prev {
		return 0
	}
	return uint64(prev - st.FinalizedCheckpoint.Epoch)
}

// IsInInactivityLeak reports whether finality has lagged long enough for
// the inactivity leak.
//
// Spec definition (phase0):
//
//	def is_in_inactivity_leak(state: BeaconState) -> bool:
//	    return get_finality_delay(state) > MIN_EPOCHS_TO_INACTIVITY_PENALTY
func IsInInactivityLeak(cfg *Config, st *State) bool {
	return GetFinalityDelay(cfg, st) > cfg.MinEpochsToInactivityPenalty
}

// isEligible is the predicate of get_eligible_validator_indices.
func isEligible(v *Validator, prev Epoch) bool {
	return IsActiveValidator(v, prev) || (v.Slashed && prev+1 < v.WithdrawableEpoch)
}

// GetEligibleValidatorIndices returns the validators that rewards and
// penalties apply to: active in the previous epoch, or slashed and not yet
// withdrawable.
//
// Spec definition (phase0):
//
//	def get_eligible_validator_indices(state: BeaconState) -> Sequence[ValidatorIndex]:
//	    previous_epoch = get_previous_epoch(state)
//	    return [
//	        ValidatorIndex(index)
//	        for index, v in enumerate(state.validators)
//	        if is_active_validator(v, previous_epoch)
//	        or (v.slashed and previous_epoch + 1 < v.withdrawable_epoch)
//	    ]
func GetEligibleValidatorIndices(cfg *Config, st *State) []ValidatorIndex {
	prev := GetPreviousEpoch(cfg, st)
	var out []ValidatorIndex
	for i := range st.Validators {
		if isEligible(&st.Validators[i], prev) {
			out = append(out, ValidatorIndex(i))
		}
	}
	return out
}

// GetUnslashedParticipatingIndices returns the unslashed validators active
// in epoch whose participation has flagIndex set. ok is false unless epoch
// is the previous or current epoch (the spec asserts this).
//
// Spec definition (Altair):
//
//	def get_unslashed_participating_indices(
//	    state: BeaconState, flag_index: int, epoch: Epoch
//	) -> Set[ValidatorIndex]:
//	    """
//	    Return the set of validator indices that are both active and unslashed for the given ``flag_index`` and ``epoch``.
//	    """
//	    assert epoch in (get_previous_epoch(state), get_current_epoch(state))
//	    if epoch == get_current_epoch(state):
//	        epoch_participation = state.current_epoch_participation
//	    else:
//	        epoch_participation = state.previous_epoch_participation
//	    active_validator_indices = get_active_validator_indices(state, epoch)
//	    participating_indices = [
//	        i for i in active_validator_indices if has_flag(epoch_participation[i], flag_index)
//	    ]
//	    return set(filter(lambda index: not state.validators[index].slashed, participating_indices))
func GetUnslashedParticipatingIndices(cfg *Config, st *State, flagIndex int, epoch Epoch) (indices []ValidatorIndex, ok bool) {
	var part []ParticipationFlags
	switch epoch {
	case GetCurrentEpoch(cfg, st):
		part = st.CurrentEpochParticipation
	case GetPreviousEpoch(cfg, st):
		part = st.PreviousEpochParticipation
	default:
		return nil, false
	}
	for i := range st.Validators {
		v := &st.Validators[i]
		if IsActiveValidator(v, epoch) && participated(part[i], flagIndex) && !v.Slashed {
			indices = append(indices, ValidatorIndex(i))
		}
	}
	return indices, true
}

// rewardParams are the registry-wide figures of the flag rewards.
type rewardParams struct {
	perIncrement       Gwei      // get_base_reward_per_increment
	activeIncrements   uint64    // get_total_active_balance // EFFECTIVE_BALANCE_INCREMENT
	participatingIncrs [3]uint64 // get_total_balance(unslashed participating) // increment, per flag
}

func newRewardParams(cfg *Config, sums *participationSums) rewardParams {
	inc := cfg.EffectiveBalanceIncrement
	p := rewardParams{
		perIncrement:     GetBaseRewardPerIncrement(cfg, sums.totalActive),
		activeIncrements: uint64(sums.totalActive / inc),
	}
	for f := range p.participatingIncrs {
		p.participatingIncrs[f] = uint64(max(sums.prevFlag[f], inc) / inc)
	}
	return p
}

// flagDelta is one validator's (reward, penalty) for one flag, as in the
// loop body of get_flag_index_deltas.
func flagDelta(p *rewardParams, flag int, baseReward Gwei, participating, leak bool) (reward, penalty Gwei) {
	weight := ParticipationFlagWeights[flag]
	if participating {
		if !leak {
			num := uint64(baseReward) * weight * p.participatingIncrs[flag]
			return Gwei(num / (p.activeIncrements * WeightDenominator)), 0
		}
		return 0, 0
	}
	if flag != TimelyHeadFlagIndex {
		return 0, Gwei(uint64(baseReward) * weight / WeightDenominator)
	}
	return 0, 0
}

// inactivityPenalty is the loop body of get_inactivity_penalty_deltas for a
// validator without a timely target vote.
func inactivityPenalty(cfg *Config, eb Gwei, score uint64) Gwei {
	return Gwei(uint64(eb) * score / (cfg.InactivityScoreBias * cfg.InactivityPenaltyQuotientBellatrix))
}

// GetFlagIndexDeltas returns per-validator rewards and penalties for one
// participation flag of the previous epoch.
//
// Spec definition (Altair):
//
//	def get_flag_index_deltas(
//	    state: BeaconState, flag_index: int
//	) -> Tuple[Sequence[Gwei], Sequence[Gwei]]:
//	    """
//	    Return the deltas for a given ``flag_index`` by scanning through the participation flags.
//	    """
//	    rewards = [Gwei(0)] * len(state.validators)
//	    penalties = [Gwei(0)] * len(state.validators)
//	    previous_epoch = get_previous_epoch(state)
//	    unslashed_participating_indices = get_unslashed_participating_indices(
//	        state, flag_index, previous_epoch
//	    )
//	    weight = PARTICIPATION_FLAG_WEIGHTS[flag_index]
//	    unslashed_participating_balance = get_total_balance(state, unslashed_participating_indices)
//	    unslashed_participating_increments = (
//	        unslashed_participating_balance // EFFECTIVE_BALANCE_INCREMENT
//	    )
//	    active_increments = get_total_active_balance(state) // EFFECTIVE_BALANCE_INCREMENT
//	    for index in get_eligible_validator_indices(state):
//	        base_reward = get_base_reward(state, index)
//	        if index in unslashed_participating_indices:
//	            if not is_in_inactivity_leak(state):
//	                reward_numerator = base_reward * weight * unslashed_participating_increments
//	                rewards[index] += Gwei(reward_numerator // (active_increments * WEIGHT_DENOMINATOR))
//	        elif flag_index != TIMELY_HEAD_FLAG_INDEX:
//	            penalties[index] += Gwei(base_reward * weight // WEIGHT_DENOMINATOR)
//	    return rewards, penalties
//
// ProcessEpoch computes the same figures fused into one pass; this form is
// for inspection and tests. It returns nil slices for a flag index outside
// 0..2.
func GetFlagIndexDeltas(cfg *Config, st *State, flagIndex int) (rewards, penalties []Gwei) {
	if flagIndex < 0 || flagIndex >= len(ParticipationFlagWeights) {
		return nil, nil
	}
	sums := computeParticipationSums(cfg, st)
	p := newRewardParams(cfg, &sums)
	leak := IsInInactivityLeak(cfg, st)
	prev := GetPreviousEpoch(cfg, st)
	rewards = make([]Gwei, len(st.Validators))
	penalties = make([]Gwei, len(st.Validators))
	for i := range st.Validators {
		v := &st.Validators[i]
		if !isEligible(v, prev) {
			continue
		}
		base := GetBaseReward(cfg, st, ValidatorIndex(i), p.perIncrement)
		part := !v.Slashed && IsActiveValidator(v, prev) && participated(st.PreviousEpochParticipation[i], flagIndex)
		rewards[i], penalties[i] = flagDelta(&p, flagIndex, base, part, leak)
	}
	return rewards, penalties
}

// GetInactivityPenaltyDeltas returns per-validator inactivity penalties
// (the rewards are always zero and are omitted).
//
// Spec definition (Bellatrix):
//
//	def get_inactivity_penalty_deltas(state: BeaconState) -> Tuple[Sequence[Gwei], Sequence[Gwei]]:
//	    """
//	    Return the inactivity penalty deltas by considering timely target participation flags and inactivity scores.
//	    """
//	    rewards = [Gwei(0) for _ in range(len(state.validators))]
//	    penalties = [Gwei(0) for _ in range(len(state.validators))]
//	    previous_epoch = get_previous_epoch(state)
//	    matching_target_indices = get_unslashed_participating_indices(
//	        state, TIMELY_TARGET_FLAG_INDEX, previous_epoch
//	    )
//	    for index in get_eligible_validator_indices(state):
//	        if index not in matching_target_indices:
//	            penalty_numerator = (
//	                state.validators[index].effective_balance * state.inactivity_scores[index]
//	            )
//	            # [Modified in Bellatrix]
//	            penalty_denominator = INACTIVITY_SCORE_BIAS * INACTIVITY_PENALTY_QUOTIENT_BELLATRIX
//	            penalties[index] += Gwei(penalty_numerator // penalty_denominator)
//	    return rewards, penalties
func GetInactivityPenaltyDeltas(cfg *Config, st *State) (penalties []Gwei) {
	prev := GetPreviousEpoch(cfg, st)
	penalties = make([]Gwei, len(st.Validators))
	for i := range st.Validators {
		v := &st.Validators[i]
		if !isEligible(v, prev) {
			continue
		}
		target := !v.Slashed && IsActiveValidator(v, prev) && participated(st.PreviousEpochParticipation[i], TimelyTargetFlagIndex)
		if !target {
			penalties[i] = inactivityPenalty(cfg, v.EffectiveBalance, st.InactivityScores[i])
		}
	}
	return penalties
}

// ProcessInactivityUpdates updates inactivity scores from the previous
// epoch's timely-target votes.
//
// Spec definition (Altair):
//
//	def process_inactivity_updates(state: BeaconState) -> None:
//	    # Skip the genesis epoch as score updates are based on the previous epoch participation
//	    if get_current_epoch(state) == GENESIS_EPOCH:
//	        return
//
//	    for index in get_eligible_validator_indices(state):
//	        # Increase the inactivity score of inactive validators
//	        if index in get_unslashed_participating_indices(
//	            state, TIMELY_TARGET_FLAG_INDEX, get_previous_epoch(state)
//	        ):
//	            state.inactivity_scores[index] -= min(1, state.inactivity_scores[index])
//	        else:
//	            state.inactivity_scores[index] += INACTIVITY_SCORE_BIAS
//	        # Decrease the inactivity score of all eligible validators during a leak-free epoch
//	        if not is_in_inactivity_leak(state):
//	            state.inactivity_scores[index] -= min(
//	                INACTIVITY_SCORE_RECOVERY_RATE, state.inactivity_scores[index]
//	            )
//
// ProcessEpoch fuses this with ProcessRewardsAndPenalties; the two are
// exported separately for tests and step-by-step inspection.
func ProcessInactivityUpdates(cfg *Config, st *State) {
	if GetCurrentEpoch(cfg, st) == GenesisEpoch {
		return
	}
	leak := IsInInactivityLeak(cfg, st)
	prev := GetPreviousEpoch(cfg, st)
	for i := range st.Validators {
		v := &st.Validators[i]
		if isEligible(v, prev) {
			updateInactivityScore(cfg, st, i, v, prev, leak)
		}
	}
}

func updateInactivityScore(cfg *Config, st *State, i int, v *Validator, prev Epoch, leak bool) {
	s := st.InactivityScores[i]
	if !v.Slashed && IsActiveValidator(v, prev) && participated(st.PreviousEpochParticipation[i], TimelyTargetFlagIndex) {
		s -= min(1, s)
	} else {
		s += cfg.InactivityScoreBias
	}
	if !leak {
		s -= min(cfg.InactivityScoreRecoveryRate, s)
	}
	if s != st.InactivityScores[i] {
		st.mutInactivityScores()[i] = s
	}
}

// ProcessRewardsAndPenalties applies the three flag deltas and the
// inactivity penalties of the previous epoch. It returns the rewards paid
// and the penalties taken (after clamping at zero).
//
// Spec definition (Altair):
//
//	def process_rewards_and_penalties(state: BeaconState) -> None:
//	    # No rewards are applied at the end of `GENESIS_EPOCH` because rewards are for work done in the previous epoch
//	    if get_current_epoch(state) == GENESIS_EPOCH:
//	        return
//
//	    flag_deltas = [
//	        get_flag_index_deltas(state, flag_index)
//	        for flag_index in range(len(PARTICIPATION_FLAG_WEIGHTS))
//	    ]
//	    deltas = flag_deltas + [get_inactivity_penalty_deltas(state)]
//	    for rewards, penalties in deltas:
//	        for index in range(len(state.validators)):
//	            increase_balance(state, ValidatorIndex(index), rewards[index])
//	            decrease_balance(state, ValidatorIndex(index), penalties[index])
func ProcessRewardsAndPenalties(cfg *Config, st *State) (rewards, penalties Gwei) {
	if GetCurrentEpoch(cfg, st) == GenesisEpoch {
		return 0, 0
	}
	sums := computeParticipationSums(cfg, st)
	var rep EpochReport
	applyRewards(cfg, st, &sums, IsInInactivityLeak(cfg, st), false, &rep)
	return rep.Rewards, rep.Penalties
}

// processInactivityAndRewards is process_inactivity_updates followed by
// process_rewards_and_penalties in one pass. Fusing is exact: a validator's
// deltas depend on its own (already updated) score and on registry-wide
// sums that neither step changes; per validator the deltas are applied in
// the spec's order (source, target, head, inactivity; each reward before
// its penalty), which matters when a penalty is clamped at zero.
func processInactivityAndRewards(cfg *Config, st *State, sums *participationSums, leak bool, rep *EpochReport) {
	if GetCurrentEpoch(cfg, st) == GenesisEpoch {
		return
	}
	applyRewards(cfg, st, sums, leak, true, rep)
}

func applyRewards(cfg *Config, st *State, sums *participationSums, leak, updateScores bool, rep *EpochReport) {
	p := newRewardParams(cfg, sums)
	prev := GetPreviousEpoch(cfg, st)
	for i := range st.Validators {
		v := &st.Validators[i]
		if !isEligible(v, prev) {
			continue
		}
		if updateScores {
			updateInactivityScore(cfg, st, i, v, prev, leak)
		}
		idx := ValidatorIndex(i)
		base := Gwei(uint64(v.EffectiveBalance/cfg.EffectiveBalanceIncrement)) * p.perIncrement
		activeUnslashed := !v.Slashed && IsActiveValidator(v, prev)
		flags := st.PreviousEpochParticipation[i]
		for flag := range ParticipationFlagWeights {
			r, pen := flagDelta(&p, flag, base, activeUnslashed && participated(flags, flag), leak)
			if r > 0 {
				st.IncreaseBalance(idx, r)
				rep.Rewards += r
			}
			if pen > 0 {
				rep.Penalties += takePenalty(st, idx, pen)
			}
		}
		if !(activeUnslashed && participated(flags, TimelyTargetFlagIndex)) {
			if pen := inactivityPenalty(cfg, v.EffectiveBalance, st.InactivityScores[i]); pen > 0 {
				taken := takePenalty(st, idx, pen)
				rep.Penalties += taken
				rep.InactivityPenalties += taken
			}
		}
	}
}

// takePenalty applies decrease_balance and returns the amount actually taken.
func takePenalty(st *State, i ValidatorIndex, pen Gwei) Gwei {
	taken := min(pen, st.Balances[i])
	st.DecreaseBalance(i, pen)
	return taken
}

// ProcessRegistryUpdates marks validators eligible for activation, ejects
// those at or below EJECTION_BALANCE and activates every eligible
// validator whose eligibility is finalized.
//
// Spec definition (Electra):
//
//	def process_registry_updates(state: BeaconState) -> None:
//	    current_epoch = get_current_epoch(state)
//	    activation_epoch = compute_activation_exit_epoch(current_epoch)
//
//	    # Process activation eligibility, ejections, and activations
//	    for index, validator in enumerate(state.validators):
//	        # [Modified in Electra:EIP7251]
//	        if is_eligible_for_activation_queue(validator):
//	            validator.activation_eligibility_epoch = current_epoch + 1
//	        elif (
//	            is_active_validator(validator, current_epoch)
//	            and validator.effective_balance <= EJECTION_BALANCE
//	        ):
//	            # [Modified in Electra:EIP7251]
//	            initiate_validator_exit(state, ValidatorIndex(index))
//	        elif is_eligible_for_activation(state, validator):
//	            validator.activation_epoch = activation_epoch
//
// Electra has no activation queue here: the churn applies to the deposits
// that build the balance (process_pending_deposits).
func ProcessRegistryUpdates(cfg *Config, st *State) (ejected, activated []ValidatorIndex) {
	var rep EpochReport
	processRegistryUpdates(cfg, st, GetTotalActiveBalance(cfg, st), &rep)
	return rep.Ejected, rep.Activated
}

func processRegistryUpdates(cfg *Config, st *State, totalActive Gwei, rep *EpochReport) {
	cur := GetCurrentEpoch(cfg, st)
	activationEpoch := ComputeActivationExitEpoch(cfg, cur)
	for i := range st.Validators {
		v := &st.Validators[i]
		switch {
		case IsEligibleForActivationQueue(cfg, v):
			st.MutValidator(ValidatorIndex(i)).ActivationEligibilityEpoch = cur + 1
		case IsActiveValidator(v, cur) && v.EffectiveBalance <= cfg.EjectionBalance:
			if InitiateValidatorExitWithTotal(cfg, st, ValidatorIndex(i), totalActive) {
				rep.Ejected = append(rep.Ejected, ValidatorIndex(i))
				rep.ExitsInitiated++
			}
		case IsEligibleForActivation(st, v):
			st.MutValidator(ValidatorIndex(i)).ActivationEpoch = activationEpoch
			rep.Activated = append(rep.Activated, ValidatorIndex(i))
		}
	}
}

// ProcessSlashings applies the correlation penalty to validators slashed
// EPOCHS_PER_SLASHINGS_VECTOR / 2 epochs ago, and returns the total taken.
//
// Spec definition (Electra):
//
//	def process_slashings(state: BeaconState) -> None:
//	    epoch = get_current_epoch(state)
//	    total_balance = get_total_active_balance(state)
//	    adjusted_total_slashing_balance = min(
//	        sum(state.slashings) * PROPORTIONAL_SLASHING_MULTIPLIER_BELLATRIX, total_balance
//	    )
//	    increment = (
//	        EFFECTIVE_BALANCE_INCREMENT  # Factored out from total balance to avoid Uint64 overflow
//	    )
//	    penalty_per_effective_balance_increment = adjusted_total_slashing_balance // (
//	        total_balance // increment
//	    )
//	    for index, validator in enumerate(state.validators):
//	        if (
//	            validator.slashed
//	            and epoch + EPOCHS_PER_SLASHINGS_VECTOR // 2 == validator.withdrawable_epoch
//	        ):
//	            effective_balance_increments = validator.effective_balance // increment
//	            # [Modified in Electra:EIP7251]
//	            penalty = penalty_per_effective_balance_increment * effective_balance_increments
//	            decrease_balance(state, ValidatorIndex(index), penalty)
func ProcessSlashings(cfg *Config, st *State) Gwei {
	return processSlashings(cfg, st, GetTotalActiveBalance(cfg, st), nil)
}

func processSlashings(cfg *Config, st *State, totalActive Gwei, rep *EpochReport) Gwei {
	epoch := GetCurrentEpoch(cfg, st)
	var sum Gwei
	for _, s := range st.Slashings {
		sum += s
	}
	adjusted := min(sum*Gwei(cfg.ProportionalSlashingMultiplierBellatrix), totalActive)
	inc := cfg.EffectiveBalanceIncrement
	perIncrement := adjusted / (totalActive / inc)
	target := epoch + Epoch(cfg.EpochsPerSlashingsVector/2)
	var taken Gwei
	for i := range st.Validators {
		v := &st.Validators[i]
		if v.Slashed && v.WithdrawableEpoch == target {
			got := takePenalty(st, ValidatorIndex(i), perIncrement*(v.EffectiveBalance/inc))
			taken += got
			if rep != nil {
				rep.CorrelationPenalized = append(rep.CorrelationPenalized, ValidatorIndex(i))
				rep.CorrelationPenalties = append(rep.CorrelationPenalties, got)
			}
		}
	}
	return taken
}

// ProcessPendingDeposits applies pending deposits within the activation
// churn, as process_pending_deposits, resolving public keys with idx.
//
// Spec definition (Electra):
//
//	def process_pending_deposits(state: BeaconState) -> None:
//	    next_epoch = Epoch(get_current_epoch(state) + 1)
//	    available_for_processing = state.deposit_balance_to_consume + get_activation_exit_churn_limit(
//	        state
//	    )
//	    processed_amount = 0
//	    next_deposit_index = 0
//	    deposits_to_postpone = []
//	    is_churn_limit_reached = False
//	    finalized_slot = compute_start_slot_at_epoch(state.finalized_checkpoint.epoch)
//
//	    for deposit in state.pending_deposits:
//	        # Do not process deposit requests if Eth1 bridge deposits are not yet applied.
//	        if (
//	            # Is deposit request
//	            deposit.slot > GENESIS_SLOT
//	            and
//	            # There are pending Eth1 bridge deposits
//	            state.eth1_deposit_index < state.deposit_requests_start_index
//	        ):
//	            break
//
//	        # Check if deposit has been finalized, otherwise, stop processing.
//	        if deposit.slot > finalized_slot:
//	            break
//
//	        # Check if number of processed deposits has not reached the limit, otherwise, stop processing.
//	        if next_deposit_index >= MAX_PENDING_DEPOSITS_PER_EPOCH:
//	            break
//
//	        # Read validator state
//	        is_validator_exited = False
//	        is_validator_withdrawn = False
//	        validator_pubkeys = [v.pubkey for v in state.validators]
//	        if deposit.pubkey in validator_pubkeys:
//	            validator = state.validators[ValidatorIndex(validator_pubkeys.index(deposit.pubkey))]
//	            is_validator_exited = validator.exit_epoch < FAR_FUTURE_EPOCH
//	            is_validator_withdrawn = validator.withdrawable_epoch < next_epoch
//
//	        if is_validator_withdrawn:
//	            # Deposited balance will never become active. Increase balance but do not consume churn
//	            apply_pending_deposit(state, deposit)
//	        elif is_validator_exited:
//	            # Validator is exiting, postpone the deposit until after withdrawable epoch
//	            deposits_to_postpone.append(deposit)
//	        else:
//	            # Check if deposit fits in the churn, otherwise, do no more deposit processing in this epoch.
//	            is_churn_limit_reached = processed_amount + deposit.amount > available_for_processing
//	            if is_churn_limit_reached:
//	                break
//
//	            # Consume churn and apply deposit.
//	            processed_amount += deposit.amount
//	            apply_pending_deposit(state, deposit)
//
//	        # Regardless of how the deposit was handled, we move on in the queue.
//	        next_deposit_index += 1
//
//	    state.pending_deposits = state.pending_deposits[next_deposit_index:] + deposits_to_postpone
//
//	    # Accumulate churn only if the churn limit has been hit.
//	    if is_churn_limit_reached:
//	        state.deposit_balance_to_consume = available_for_processing - processed_amount
//	    else:
//	        state.deposit_balance_to_consume = Gwei(0)
//
// The model has no Eth1 bridge (every deposit is a deposit request, and
// there is no eth1_deposit_index), so the first check never stops the loop.
func ProcessPendingDeposits(cfg *Config, st *State, idx PubkeyIndexFunc) error {
	var rep EpochReport
	return processPendingDeposits(cfg, st, GetTotalActiveBalance(cfg, st), idx, &rep)
}

func processPendingDeposits(cfg *Config, st *State, totalActive Gwei, idx PubkeyIndexFunc, rep *EpochReport) error {
	if len(st.PendingDeposits) == 0 {
		st.DepositBalanceToConsume = 0
		return nil
	}
	if idx == nil {
		return ErrNoPubkeyIndex
	}
	nextEpoch := GetCurrentEpoch(cfg, st) + 1
	available := st.DepositBalanceToConsume + activationExitChurnLimit(cfg, totalActive)
	var processed Gwei
	next := 0
	var postpone []PendingDeposit
	churnReached := false
	finalizedSlot := ComputeStartSlotAtEpoch(cfg, st.FinalizedCheckpoint.Epoch)

	for _, d := range st.PendingDeposits {
		if d.Slot > finalizedSlot {
			break
		}
		if uint64(next) >= cfg.MaxPendingDepositsPerEpoch {
			break
		}
		exited, withdrawn := false, false
		if k, ok := idx(d.Pubkey); ok && int(k) < len(st.Validators) {
			v := &st.Validators[k]
			exited = v.ExitEpoch < FarFutureEpoch
			withdrawn = v.WithdrawableEpoch < nextEpoch
		}
		switch {
		case withdrawn:
			if err := applyPendingDeposit(cfg, st, d, idx, rep); err != nil {
				return err
			}
		case exited:
			postpone = append(postpone, d)
		default:
			churnReached = processed+d.Amount > available
			if churnReached {
				break
			}
			processed += d.Amount
			if err := applyPendingDeposit(cfg, st, d, idx, rep); err != nil {
				return err
			}
		}
		if churnReached {
			break
		}
		next++
	}

	rest := make([]PendingDeposit, 0, len(st.PendingDeposits)-next+len(postpone))
	rest = append(rest, st.PendingDeposits[next:]...)
	st.PendingDeposits = append(rest, postpone...)

	if churnReached {
		st.DepositBalanceToConsume = available - processed
	} else {
		st.DepositBalanceToConsume = 0
	}
	return nil
}

// applyPendingDeposit credits a deposit to its validator or creates one.
//
// Spec definition (Electra):
//
//	def apply_pending_deposit(state: BeaconState, deposit: PendingDeposit) -> None:
//	    """
//	    Applies ``deposit`` to the ``state``.
//	    """
//	    validator_pubkeys = [v.pubkey for v in state.validators]
//	    if deposit.pubkey not in validator_pubkeys:
//	        # Verify the deposit signature (proof of possession) which is not checked by the deposit contract
//	        if is_valid_deposit_signature(
//	            deposit.pubkey, deposit.withdrawal_credentials, deposit.amount, deposit.signature
//	        ):
//	            add_validator_to_registry(
//	                state, deposit.pubkey, deposit.withdrawal_credentials, deposit.amount
//	            )
//	    else:
//	        validator_index = ValidatorIndex(validator_pubkeys.index(deposit.pubkey))
//	        increase_balance(state, validator_index, deposit.amount)
//
// The proof of possession is checked with the KeyDirectory on st's Caches
// (is_valid_deposit_signature); a state without one (unit tests, BLS off)
// takes every signature as valid. A deposit with an invalid signature for a
// new key is dropped, as in the spec: its ETH is lost, which the ledger
// counts as burned. The amount of an applied deposit is counted in
// Ledger.Deposited, not Issued.
func applyPendingDeposit(cfg *Config, st *State, d PendingDeposit, idx PubkeyIndexFunc, rep *EpochReport) error {
	n := len(st.Validators)
	k, ok := idx(d.Pubkey)
	if ok && int(k) < n {
		creditDeposit(st, k, d.Amount)
	} else {
		if keys := st.caches.Keys(); keys != nil &&
			!keys.VerifyDeposit(d.Pubkey, DepositSigningRoot(cfg, d.Pubkey, d.WithdrawalCredentials, d.Amount), d.Signature) {
			st.Ledger.Deposited += d.Amount
			st.Ledger.Burned += d.Amount
			rep.DepositsRejected++
			return nil
		}
		if ok && int(k) != n {
			return fmt.Errorf("%w: keyring index %d, next validator index %d", ErrDepositOutOfOrder, k, n)
		}
		addValidatorToRegistry(cfg, st, d.WithdrawalCredentials, d.Amount)
		rep.ValidatorsCreated++
	}
	rep.DepositsApplied++
	rep.DepositedGwei += d.Amount
	return nil
}

// creditDeposit adds a deposited amount to a balance through
// IncreaseBalance and books it as deposited rather than issued.
func creditDeposit(st *State, i ValidatorIndex, amount Gwei) {
	st.IncreaseBalance(i, amount)
	st.Ledger.Issued -= amount
	st.Ledger.Deposited += amount
}

// addValidatorToRegistry appends a new validator at index len(st.Validators)
// (the model never reuses indices: get_index_for_new_validator is the
// list length) and an entry to every per-validator slice.
//
// Spec definition (Electra):
//
//	def add_validator_to_registry(
//	    state: BeaconState, pubkey: BLSPubkey, withdrawal_credentials: Bytes32, amount: Uint64
//	) -> None:
//	    index = get_index_for_new_validator(state)
//	    # [Modified in Electra:EIP7251]
//	    validator = get_validator_from_deposit(pubkey, withdrawal_credentials, amount)
//	    set_or_append_list(state.validators, index, validator)
//	    set_or_append_list(state.balances, index, amount)
//	    set_or_append_list(state.previous_epoch_participation, index, ParticipationFlags(0b0000_0000))
//	    set_or_append_list(state.current_epoch_participation, index, ParticipationFlags(0b0000_0000))
//	    set_or_append_list(state.inactivity_scores, index, Uint64(0))
func addValidatorToRegistry(cfg *Config, st *State, creds Root, amount Gwei) ValidatorIndex {
	i := ValidatorIndex(len(st.Validators))
	st.appendValidator(GetValidatorFromDeposit(cfg, creds, amount))
	st.Balances = append(st.Balances, 0)
	st.PreviousEpochParticipation = append(st.PreviousEpochParticipation, 0)
	st.CurrentEpochParticipation = append(st.CurrentEpochParticipation, 0)
	st.appendInactivityScore()
	creditDeposit(st, i, amount)
	return i
}

// GetValidatorFromDeposit builds the registry entry of a new depositor.
//
// Spec definition (Electra):
//
//	def get_validator_from_deposit(
//	    pubkey: BLSPubkey, withdrawal_credentials: Bytes32, amount: Uint64
//	) -> Validator:
//	    validator = Validator(
//	        pubkey=pubkey,
//	        withdrawal_credentials=withdrawal_credentials,
//	        effective_balance=Gwei(0),
//	        slashed=False,
//	        activation_eligibility_epoch=FAR_FUTURE_EPOCH,
//	        activation_epoch=FAR_FUTURE_EPOCH,
//	        exit_epoch=FAR_FUTURE_EPOCH,
//	        withdrawable_epoch=FAR_FUTURE_EPOCH,
//	    )
//
//	    # [Modified in Electra:EIP7251]
//	    max_effective_balance = get_max_effective_balance(validator)
//	    validator.effective_balance = min(
//	        amount - amount % EFFECTIVE_BALANCE_INCREMENT, max_effective_balance
//	    )
//
//	    return validator
func GetValidatorFromDeposit(cfg *Config, creds Root, amount Gwei) Validator {
	v := Validator{
		WithdrawalCredentials:      creds,
		ActivationEligibilityEpoch: FarFutureEpoch,
		ActivationEpoch:            FarFutureEpoch,
		ExitEpoch:                  FarFutureEpoch,
		WithdrawableEpoch:          FarFutureEpoch,
	}
	v.EffectiveBalance = min(amount-amount%cfg.EffectiveBalanceIncrement, GetMaxEffectiveBalance(cfg, &v))
	return v
}

// ProcessPendingConsolidations moves the balance of each consolidating
// source whose withdrawable epoch has come to its target, and returns how
// many moved.
//
// Spec definition (Electra):
//
//	def process_pending_consolidations(state: BeaconState) -> None:
//	    next_epoch = Epoch(get_current_epoch(state) + 1)
//	    next_pending_consolidation = 0
//	    for pending_consolidation in state.pending_consolidations:
//	        source_validator = state.validators[pending_consolidation.source_index]
//	        if source_validator.slashed:
//	            next_pending_consolidation += 1
//	            continue
//	        if source_validator.withdrawable_epoch > next_epoch:
//	            break
//
//	        # Calculate the consolidated balance
//	        source_effective_balance = min(
//	            state.balances[pending_consolidation.source_index], source_validator.effective_balance
//	        )
//
//	        # Move active balance to target. Excess balance is withdrawable.
//	        decrease_balance(state, pending_consolidation.source_index, source_effective_balance)
//	        increase_balance(state, pending_consolidation.target_index, source_effective_balance)
//	        next_pending_consolidation += 1
//
//	    state.pending_consolidations = state.pending_consolidations[next_pending_consolidation:]
//
// The move goes through DecreaseBalance and IncreaseBalance and is then
// booked as neither burned nor issued (the ETH stays in the registry).
// Entries naming a validator index outside the registry are dropped.
func ProcessPendingConsolidations(cfg *Config, st *State) int {
	n, _ := processPendingConsolidations(cfg, st)
	return n
}

// processPendingConsolidations is ProcessPendingConsolidations that also
// returns the total balance moved.
func processPendingConsolidations(cfg *Config, st *State) (int, Gwei) {
	var movedGwei Gwei
	nextEpoch := GetCurrentEpoch(cfg, st) + 1
	n := ValidatorIndex(len(st.Validators))
	next, moved := 0, 0
	for _, pc := range st.PendingConsolidations {
		if pc.SourceIndex >= n || pc.TargetIndex >= n {
			next++
			continue
		}
		src := &st.Validators[pc.SourceIndex]
		if src.Slashed {
			next++
			continue
		}
		if src.WithdrawableEpoch > nextEpoch {
			break
		}
		amount := min(st.Balances[pc.SourceIndex], src.EffectiveBalance)
		st.DecreaseBalance(pc.SourceIndex, amount)
		st.IncreaseBalance(pc.TargetIndex, amount)
		st.Ledger.Burned -= amount
		st.Ledger.Issued -= amount
		movedGwei += amount
		next++
		moved++
	}
	st.PendingConsolidations = append([]PendingConsolidation(nil), st.PendingConsolidations[next:]...)
	return moved, movedGwei
}

// ProcessEffectiveBalanceUpdates moves effective balances toward balances
// with hysteresis, capped by get_max_effective_balance.
//
// Spec definition (Electra):
//
//	def process_effective_balance_updates(state: BeaconState) -> None:
//	    # Update effective balances with hysteresis
//	    for index, validator in enumerate(state.validators):
//	        balance = state.balances[index]
//	        HYSTERESIS_INCREMENT = Uint64(EFFECTIVE_BALANCE_INCREMENT // HYSTERESIS_QUOTIENT)
//	        DOWNWARD_THRESHOLD = HYSTERESIS_INCREMENT * HYSTERESIS_DOWNWARD_MULTIPLIER
//	        UPWARD_THRESHOLD = HYSTERESIS_INCREMENT * HYSTERESIS_UPWARD_MULTIPLIER
//	        # [Modified in Electra:EIP7251]
//	        max_effective_balance = get_max_effective_balance(validator)
//
//	        if (
//	            balance + DOWNWARD_THRESHOLD < validator.effective_balance
//	            or validator.effective_balance + UPWARD_THRESHOLD < balance
//	        ):
//	            validator.effective_balance = min(
//	                balance - balance % EFFECTIVE_BALANCE_INCREMENT, max_effective_balance
//	            )
func ProcessEffectiveBalanceUpdates(cfg *Config, st *State) {
	hysteresis := cfg.EffectiveBalanceIncrement / Gwei(cfg.HysteresisQuotient)
	down := hysteresis * Gwei(cfg.HysteresisDownwardMultiplier)
	up := hysteresis * Gwei(cfg.HysteresisUpwardMultiplier)
	for i := range st.Validators {
		v := &st.Validators[i]
		b := st.Balances[i]
		if b+down < v.EffectiveBalance || v.EffectiveBalance+up < b {
			eb := min(b-b%cfg.EffectiveBalanceIncrement, GetMaxEffectiveBalance(cfg, v))
			if eb != v.EffectiveBalance {
				st.MutValidator(ValidatorIndex(i)).EffectiveBalance = eb
			}
		}
	}
}

// ProcessSlashingsReset clears the slashings slot of the next epoch.
//
// Spec definition (phase0):
//
//	def process_slashings_reset(state: BeaconState) -> None:
//	    next_epoch = Epoch(get_current_epoch(state) + 1)
//	    # Reset slashings
//	    state.slashings[next_epoch % EPOCHS_PER_SLASHINGS_VECTOR] = Gwei(0)
func ProcessSlashingsReset(cfg *Config, st *State) {
	next := uint64(GetCurrentEpoch(cfg, st)) + 1
	st.Slashings[next%uint64(len(st.Slashings))] = 0
}

// ProcessRandaoMixesReset carries the current RANDAO mix into the next
// epoch's slot of the ring (len(st.RandaoMixes) entries, see State).
//
// Spec definition (phase0):
//
//	def process_randao_mixes_reset(state: BeaconState) -> None:
//	    current_epoch = get_current_epoch(state)
//	    next_epoch = Epoch(current_epoch + 1)
//	    # Set randao mix
//	    state.randao_mixes[next_epoch % EPOCHS_PER_HISTORICAL_VECTOR] = get_randao_mix(
//	        state, current_epoch
//	    )
func ProcessRandaoMixesReset(cfg *Config, st *State) {
	cur := GetCurrentEpoch(cfg, st)
	st.RandaoMixes[uint64(cur+1)%uint64(len(st.RandaoMixes))] = GetRandaoMix(st, cur)
}

// ProcessParticipationFlagUpdates rotates the participation flags. The old
// previous-epoch slice is cleared and reused as the new current one, so a
// caller must not keep references to st's participation slices across it.
//
// Spec definition (Altair):
//
//	def process_participation_flag_updates(state: BeaconState) -> None:
//	    state.previous_epoch_participation = state.current_epoch_participation
//	    state.current_epoch_participation = EpochParticipation(
//	        ParticipationFlags(0b0000_0000) for _ in range(len(state.validators))
//	    )
func ProcessParticipationFlagUpdates(st *State) {
	n := len(st.Validators)
	old := st.PreviousEpochParticipation
	st.PreviousEpochParticipation = st.CurrentEpochParticipation
	if cap(old) >= n {
		old = old[:n]
		clear(old)
	} else {
		old = make([]ParticipationFlags, n)
	}
	st.CurrentEpochParticipation = old
}
