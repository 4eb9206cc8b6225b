package consensus

import (
	"fmt"
)

// GenesisValidator is one validator of the genesis registry.
type GenesisValidator struct {
	Balance               Gwei
	WithdrawalCredentials Root
}

// UnsetDepositRequestsStartIndex is UNSET_DEPOSIT_REQUESTS_START_INDEX (Electra).
const UnsetDepositRequestsStartIndex = ^uint64(0)

// NewGenesisState builds the genesis state of a fresh Electra chain.
//
// It follows phase0's initialize_beacon_state_from_eth1 with Electra's
// effective-balance cap, and initialises the Electra fields as
// upgrade_to_electra does for a chain at epoch 0 with no exits:
//
//	def initialize_beacon_state_from_eth1(...) -> BeaconState:
//	    ...
//	    state = BeaconState(
//	        ...
//	        latest_block_header=BeaconBlockHeader(body_root=hash_tree_root(BeaconBlockBody())),
//	        randao_mixes=[eth1_block_hash] * EPOCHS_PER_HISTORICAL_VECTOR,  # Seed RANDAO with Eth1 entropy
//	    )
//	    ...
//	    # Process activations
//	    for index, validator in enumerate(state.validators):
//	        balance = state.balances[index]
//	        validator.effective_balance = min(
//	            balance - balance % EFFECTIVE_BALANCE_INCREMENT, MAX_EFFECTIVE_BALANCE
//	        )
//	        if validator.effective_balance == MAX_EFFECTIVE_BALANCE:
//	            validator.activation_eligibility_epoch = GENESIS_EPOCH
//	            validator.activation_epoch = GENESIS_EPOCH
//	    # Set genesis validators root for domain separation and chain versioning
//	    state.genesis_validators_root = hash_tree_root(state.validators)
//
//	def upgrade_to_electra(pre: deneb.BeaconState) -> BeaconState:
//	    epoch = deneb.get_current_epoch(pre)
//	    earliest_exit_epoch = compute_activation_exit_epoch(get_current_epoch(pre))
//	    for validator in pre.validators:
//	        if validator.exit_epoch != FAR_FUTURE_EPOCH:
//	            earliest_exit_epoch = max(earliest_exit_epoch, validator.exit_epoch)
//	    earliest_exit_epoch += Epoch(1)
//	    post = BeaconState(
//	        ...
//	        deposit_requests_start_index=UNSET_DEPOSIT_REQUESTS_START_INDEX,
//	        deposit_balance_to_consume=0,
//	        exit_balance_to_consume=0,
//	        earliest_exit_epoch=earliest_exit_epoch,
//	        consolidation_balance_to_consume=0,
//	        earliest_consolidation_epoch=compute_activation_exit_epoch(get_current_epoch(pre)),
//	        pending_deposits=[],
//	        pending_partial_withdrawals=[],
//	        pending_consolidations=[],
//	    )
//	    post.exit_balance_to_consume = get_activation_exit_churn_limit(post)
//	    post.consolidation_balance_to_consume = get_consolidation_churn_limit(post)
//	    ...
//
// Differences, all deliberate: the effective balance is capped at
// get_max_effective_balance (so a 0x02 validator may start above 32 ETH) and
// activation needs MIN_ACTIVATION_BALANCE, as Electra's
// is_eligible_for_activation_queue does; validators below it keep
// FAR_FUTURE_EPOCH epochs and their balance (the fork's move of such
// balances into pending_deposits only matters for a chain upgraded from
// Deneb). genesisSeed plays the part of eth1_block_hash. The registry root
// is SHA-256 over the encoding documented in encoding.go. Both sync
// committees are get_next_sync_committee of the finished genesis state, as
// upgrade_to_altair fills them (see initSyncCommittees). caches may be nil.
func NewGenesisState(cfg *Config, vals []GenesisValidator, genesisSeed Root, caches *Caches) (*State, error) {
	if cfg.SlotsPerEpoch == 0 || cfg.TargetCommitteeSize == 0 || cfg.EffectiveBalanceIncrement == 0 ||
		cfg.EpochsPerSlashingsVector == 0 || cfg.EpochsPerHistoricalVector == 0 {
		return nil, fmt.Errorf("consensus: genesis: preset %q has a zero size", cfg.PresetName)
	}
	if cfg.EpochsPerHistoricalVector%HistoryWindowEpochs != 0 {
		return nil, fmt.Errorf("consensus: genesis: EPOCHS_PER_HISTORICAL_VECTOR %d is not a multiple of the %d-epoch RANDAO window",
			cfg.EpochsPerHistoricalVector, HistoryWindowEpochs)
	}
	if uint64(HistoryWindowEpochs) <= cfg.MinSeedLookahead+2 {
		return nil, fmt.Errorf("consensus: genesis: RANDAO window too short for MIN_SEED_LOOKAHEAD %d", cfg.MinSeedLookahead)
	}
	n := len(vals)
	st := &State{
		Slot:                       GenesisSlot,
		BlockRoots:                 make([]Root, HistoryWindowEpochs*cfg.SlotsPerEpoch),
		RandaoMixes:                make([]Root, HistoryWindowEpochs),
		Validators:                 make([]Validator, n),
		Balances:                   make([]Gwei, n),
		PreviousEpochParticipation: make([]ParticipationFlags, n),
		CurrentEpochParticipation:  make([]ParticipationFlags, n),
		InactivityScores:           make([]uint64, n),
		Slashings:                  make([]Gwei, cfg.EpochsPerSlashingsVector),
		DepositRequestsStartIndex:  UnsetDepositRequestsStartIndex,
		caches:                     caches,
	}
	for i := range st.RandaoMixes {
		st.RandaoMixes[i] = genesisSeed
	}
	for i, gv := range vals {
		v := Validator{
			WithdrawalCredentials:      gv.WithdrawalCredentials,
			ActivationEligibilityEpoch: FarFutureEpoch,
			ActivationEpoch:            FarFutureEpoch,
			ExitEpoch:                  FarFutureEpoch,
			WithdrawableEpoch:          FarFutureEpoch,
		}
		v.EffectiveBalance = min(gv.Balance-gv.Balance%cfg.EffectiveBalanceIncrement, GetMaxEffectiveBalance(cfg, &v))
		if v.EffectiveBalance >= cfg.MinActivationBalance {
			v.ActivationEligibilityEpoch = GenesisEpoch
			v.ActivationEpoch = GenesisEpoch
		}
		st.Validators[i] = v
		st.Balances[i] = gv.Balance
		st.Ledger.Genesis += gv.Balance
	}
	st.GenesisValidatorsRoot = registryRoot(st.Validators)
	st.LatestBlockHeader = GenesisBlockHeader()

	st.EarliestExitEpoch = ComputeActivationExitEpoch(cfg, GenesisEpoch) + 1
	st.EarliestConsolidationEpoch = ComputeActivationExitEpoch(cfg, GenesisEpoch)
	st.ExitBalanceToConsume = GetActivationExitChurnLimit(cfg, st)
	st.ConsolidationBalanceToConsume = GetConsolidationChurnLimit(cfg, st)
	initSyncCommittees(cfg, st)
	return st, nil
}

// GenesisBlockHeader is the header of the genesis block: slot 0, proposer 0,
// zero parent, and the root of an empty body. The spec's genesis block also
// commits to the genesis state root; without state roots (README) the
// genesis block root is the same for every chain of a preset, and chains are
// told apart by GenesisValidatorsRoot in every signing domain.
func GenesisBlockHeader() BeaconBlockHeader {
	body := BeaconBlockBody{}
	return BeaconBlockHeader{Slot: GenesisSlot, BodyRoot: body.Root()}
}

// GenesisBlockRoot returns the root of the genesis block of st's chain, the
// anchor of fork choice.
func GenesisBlockRoot(st *State) Root {
	_ = st
	return GenesisBlockHeader().Root()
}
