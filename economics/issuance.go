package economics

import "github.com/stakesim/stakesim/consensus"

// IdealEpochIssuance is the ETH minted in one epoch by n validators of equal
// effective balance eb when every validator attests timely on all three
// flags (source, target, head) and every slot's block includes the previous
// slot's attestations. It follows get_flag_index_deltas (Altair) and the
// proposer reward of process_attestation:
//
//	reward_numerator = base_reward * weight * unslashed_participating_increments
//	reward = reward_numerator // (active_increments * WEIGHT_DENOMINATOR)
//
//	proposer_reward_denominator = (WEIGHT_DENOMINATOR - PROPOSER_WEIGHT) * WEIGHT_DENOMINATOR // PROPOSER_WEIGHT
//	proposer_reward = Gwei(proposer_reward_numerator // proposer_reward_denominator)
//
// With everyone participating the flag reward of each validator is
// base_reward * weight // WEIGHT_DENOMINATOR; each slot's block earns its
// proposer the sum of base_reward * (14 + 26 + 14) over that slot's
// committees, divided by 448 (floored per attestation: since EIP-7549 one
// on-chain aggregate spans every committee of the slot). Sync committee
// rewards are not modelled.
func IdealEpochIssuance(cfg *consensus.Config, n uint64, eb consensus.Gwei) consensus.Gwei {
	if n == 0 {
		return 0
	}
	inc := uint64(cfg.EffectiveBalanceIncrement)
	increments := uint64(eb) / inc
	total := n * increments * inc
	if total < inc {
		total = inc
	}
	perIncrement := inc * cfg.BaseRewardFactor / consensus.IntegerSquareroot(total)
	baseReward := increments * perIncrement

	var flagReward uint64
	for _, w := range consensus.ParticipationFlagWeights {
		// unslashed_participating_increments == active_increments cancel out.
		flagReward += baseReward * w * (n * increments) / (n * increments * consensus.WeightDenominator)
	}
	issued := n * flagReward

	denominator := uint64((consensus.WeightDenominator - consensus.ProposerWeight) * consensus.WeightDenominator / consensus.ProposerWeight)
	var weightSum uint64
	for _, w := range consensus.ParticipationFlagWeights {
		weightSum += w
	}
	// process_attestation floors the proposer reward per attestation, and a
	// block carries one on-chain aggregate for the previous slot, spanning
	// all its committees. Committees cut the shuffled active list into
	// SLOTS_PER_EPOCH * committees_per_slot contiguous slices, in slot
	// order, so slot s holds floor(n*(s+1)/SLOTS_PER_EPOCH) -
	// floor(n*s/SLOTS_PER_EPOCH) validators.
	for s := uint64(0); s < cfg.SlotsPerEpoch; s++ {
		size := n*(s+1)/cfg.SlotsPerEpoch - n*s/cfg.SlotsPerEpoch
		issued += size * baseReward * weightSum / denominator
	}
	return consensus.Gwei(issued)
}

// AnnualisedPercent converts an amount earned per epoch on a stake into a
// yearly percentage (simple, not compounded), with the preset's epoch length.
func AnnualisedPercent(cfg *consensus.Config, perEpoch, stake consensus.Gwei) float64 {
	if stake == 0 {
		return 0
	}
	epochsPerYear := 365.25 * 86400 / cfg.SecondsPerEpoch()
	return float64(perEpoch) / float64(stake) * epochsPerYear * 100
}

// IdealEpochSyncIssuance is the ETH process_sync_aggregate mints in one
// epoch for n validators of equal effective balance eb when every slot has
// a block whose sync aggregate has every bit set: per block,
// SYNC_COMMITTEE_SIZE participant rewards and as many proposer rewards.
// IdealEpochIssuance does not count it.
//
//	total_base_rewards = base_reward_per_increment * total_active_increments
//	max_participant_rewards = total_base_rewards * SYNC_REWARD_WEIGHT // WEIGHT_DENOMINATOR // SLOTS_PER_EPOCH
//	participant_reward = max_participant_rewards // SYNC_COMMITTEE_SIZE
//	proposer_reward = participant_reward * PROPOSER_WEIGHT // (WEIGHT_DENOMINATOR - PROPOSER_WEIGHT)
func IdealEpochSyncIssuance(cfg *consensus.Config, n uint64, eb consensus.Gwei) consensus.Gwei {
	participant, proposer := SyncRewardsPerSeat(cfg, n, eb)
	return consensus.Gwei(cfg.SlotsPerEpoch*cfg.SyncCommitteeSize) * (participant + proposer)
}

// SyncRewardsPerSeat returns process_sync_aggregate's participant_reward
// (what a sync committee seat earns in a slot whose block has its bit, and
// loses in one whose block lacks it) and proposer_reward (what the block's
// proposer earns per bit set) for n validators of effective balance eb
// (formulas above).
func SyncRewardsPerSeat(cfg *consensus.Config, n uint64, eb consensus.Gwei) (participant, proposer consensus.Gwei) {
	if n == 0 {
		return 0, 0
	}
	inc := uint64(cfg.EffectiveBalanceIncrement)
	total := max(n*(uint64(eb)/inc)*inc, inc)
	perIncrement := inc * cfg.BaseRewardFactor / consensus.IntegerSquareroot(total)
	totalBase := perIncrement * (total / inc)
	part := totalBase * consensus.SyncRewardWeight / consensus.WeightDenominator / cfg.SlotsPerEpoch / cfg.SyncCommitteeSize
	prop := part * consensus.ProposerWeight / (consensus.WeightDenominator - consensus.ProposerWeight)
	return consensus.Gwei(part), consensus.Gwei(prop)
}
