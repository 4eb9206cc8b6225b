package sim

import "github.com/stakesim/stakesim/agents"

// EpochRow is one line of epochs.csv: the state of one branch at the end of
// one epoch. The column order of epochs.csv is the field order here; it is a
// contract read by later tools, so add columns only at the end.
type EpochRow struct {
	Epoch                  uint64
	Branch                 string // view groups whose head is on this branch, "+"-joined; "main" with one view group
	JustifiedEpoch         uint64
	FinalizedEpoch         uint64
	TargetParticipationPPM uint64 // timely-target share of active effective balance, parts per million (written with 6 decimals)
	ActiveValidators       uint64
	TotalActiveBalanceGwei uint64
	TotalBalanceGwei       uint64
	InInactivityLeak       bool
	SlashedValidators      uint64 // cumulative, slashed flag set
	ExitedValidators       uint64 // cumulative, exit epoch reached
	Proposals              uint64 // blocks on this branch in this epoch
	MissedProposals        uint64 // slots of this epoch without a block on this branch
	AggregatesVerified     uint64
	Signatures             uint64 // individual signatures represented by the verified aggregates
	VerifyFailures         uint64
	IssuanceGwei           uint64 // minted this epoch on this branch
	PenaltiesGwei          uint64 // burned this epoch on this branch
	// AttackerStakeSharePPM is the share of the branch's active effective
	// balance held by Byzantine validators (groups with a coalition), in
	// parts per million (written with 6 decimals as attacker_stake_share).
	AttackerStakeSharePPM uint64
	HonestBalanceGwei     uint64 // balances of validators in no coalition
	AttackerBalanceGwei   uint64 // balances of coalition validators
	// SlashableStakeGwei is the effective balance of validators that a
	// slasher on this branch has evidence against but that are not slashed
	// on the branch yet.
	SlashableStakeGwei uint64

	// MaxEB and lifecycle columns (state at the end of the epoch).
	CompoundingValidators   uint64 // not exited, 0x02 credentials
	MaxEffectiveBalanceGwei uint64 // largest effective balance of an active validator
	PendingDeposits         uint64 // len(pending_deposits)
	PendingConsolidations   uint64 // len(pending_consolidations)
	ConsolidationChurnGwei  uint64 // get_consolidation_churn_limit of the epoch
	ConsolidatedGwei        uint64 // balance process_pending_consolidations moved at the end of the epoch
	ActivationExitChurnGwei uint64 // get_activation_exit_churn_limit of the epoch
	ExitQueueEpochs         uint64 // earliest_exit_epoch minus the next epoch (0: no exit scheduled ahead)
	AttestationBytes        uint64 // aggregation bits, committee bits and 96-byte signatures of the attestations in this epoch's blocks

	// Restaking columns (see restaking.go). They are global, the same on
	// every branch's row, and 0 without a restaking block, except
	// ByzantineSharePPM, which is per branch.
	RestakedGwei uint64 // the restaking ledger's TotalRestaked at the end of the epoch
	// ByzantineSharePPM is Ethereum's Byzantine share: the coalition
	// groups' share of the branch's active effective balance (the same
	// figure as AttackerStakeSharePPM; written with 6 decimals as
	// byzantine_share).
	ByzantineSharePPM      uint64
	AVSCompromised         uint64 // AVSs ever compromised so far (cumulative count)
	OperatorsSlashed       uint64 // distinct restaking operators slashed so far
	RestakingSlashedGwei   uint64 // restaked Gwei slashed so far (cumulative)
	PendingWithdrawalsGwei uint64 // the ledger's uncompleted staker withdrawals

	// Electra block contents (issue 15), in this epoch's blocks on this
	// branch. SyncParticipationPPM is the share of their sync committee
	// bits set, in parts per million (written with 6 decimals as
	// sync_participation; 0 without blocks). SyncRewardsGwei is what
	// process_sync_aggregate paid (members and proposers),
	// SyncPenaltiesGwei what it took from members without a bit.
	BlockAttestations    uint64 // on-chain Attestation objects (EIP-7549 aggregates, each spanning a slot's committees)
	SyncParticipationPPM uint64
	SyncRewardsGwei      uint64
	SyncPenaltiesGwei    uint64
	VoluntaryExits       uint64 // signed voluntary exits (each initiated an exit)
	BLSChanges           uint64 // BLS-to-execution changes (each moved a validator to 0x01)
}

// Event is one line of events.jsonl. Details is the struct of the event's
// kind (see EventDetails: JustifiedDetails for EventJustified, and so on),
// or nil; its keys are written in sorted order. Branch is the branch or
// view the event happened on: partition and restaking events name the
// summary branch; it is empty only for a conflicting finalization (whose
// details name both branches) and for events before the first epoch
// boundary.
type Event struct {
	Epoch   uint64       `json:"epoch"`
	Slot    uint64       `json:"slot"`
	Kind    string       `json:"kind"`
	Branch  string       `json:"branch,omitempty"`
	Details EventDetails `json:"details,omitempty"`
}

// Event kinds. Each has its details struct, named after it (EventReorg:
// ReorgDetails), which documents the event and its keys.
const (
	EventJustified        = "justified"
	EventFinalized        = "finalized"
	EventLeakStarted      = "leak_started"
	EventLeakEnded        = "leak_ended"
	EventSlashed          = "slashed"
	EventEjected          = "ejected"
	EventExited           = "exited"
	EventPartitionStarted = "partition_started"
	EventPartitionHealed  = "partition_healed"
	EventBlockRejected    = "block_rejected"
	// EventReorg: a view's head moved to a block that does not descend
	// from its previous head (ReorgDetails).
	EventReorg = "reorg"
	// EventProposerReorg: an honest proposer built on its head's parent,
	// re-orging a late, weak head (get_proposer_head;
	// ProposerReorgDetails).
	EventProposerReorg = "proposer_reorg"
	// EventConflictingFinalization: two views finalized checkpoints of
	// which neither descends from the other, a safety failure
	// (ConflictingFinalizationDetails).
	EventConflictingFinalization = "conflicting_finalization"
	// EventSlashingDetected: a slasher found evidence
	// (SlashingDetectedDetails).
	EventSlashingDetected = "slashing_detected"
	// EventBlockWithheld / EventBlocksReleased: a coalition kept a block
	// private / published the blocks and votes it had withheld.
	EventBlockWithheld  = "block_withheld"
	EventBlocksReleased = "blocks_released"
	// EventBalancingStarted / EventBalancingEnded: the balancing attack
	// split the honest views onto two branches / the views agree again.
	EventBalancingStarted = "balancing_started"
	EventBalancingEnded   = "balancing_ended"
	// EventByzantineShareCrossed: the summary branch's Byzantine share went
	// above (direction "up") or back to or below ("down") 1/3, 1/2 or 2/3
	// (ByzantineShareCrossedDetails).
	EventByzantineShareCrossed = "byzantine_share_crossed"
	// EventRestakingSlashed: an AVS slash took restaked stake
	// (RestakingSlashedDetails).
	EventRestakingSlashed = "restaking_slashed"
	// EventRestakingSlashQueued: an AVS with a veto window queued a slash
	// (RestakingSlashQueuedDetails).
	EventRestakingSlashQueued = "restaking_slash_queued"
	// EventAVSCompromised: the Byzantine answerers of an AVS's task held at
	// least its threshold of its slashable stake (AVSCompromisedDetails).
	EventAVSCompromised = "avs_compromised"
	// EventRestakingExitsRequested: the engine sent EIP-7002 full-exit
	// requests for an operator's validators to cover restaked stake that
	// left the ledger (RestakingExitsRequestedDetails).
	EventRestakingExitsRequested = "restaking_exits_requested"
	// EventAVSTaskFailed: an AVS's task of the epoch did not complete — the
	// correct answers held less than its threshold α of the set's slashable
	// stake (a coalition holding more than 1 − α blocked it). A set with no
	// slashable stake at all has no event (AVSTaskFailedDetails).
	EventAVSTaskFailed = "avs_task_failed"
	// EventStakerWithdrawalQueued / EventStakerWithdrawalCompleted: a
	// staker ran on its operator / its withdrawal completed.
	EventStakerWithdrawalQueued    = "staker_withdrawal_queued"
	EventStakerWithdrawalCompleted = "staker_withdrawal_completed"
)

// AgentCounts counts a run's agents by kind (agents.Kind*). Kinds added
// later get a field here.
type AgentCounts struct {
	ValidatorClient   uint64 `json:"validator_client"`
	StakingOperator   uint64 `json:"staking_operator"`
	RestakingOperator uint64 `json:"restaking_operator"`
	AVS               uint64 `json:"avs"`
	Staker            uint64 `json:"staker"`
	// Liquid-staking agents (absent from summary.json when 0).
	LSTOracle       uint64 `json:"lst_oracle,omitempty"`
	LSTProtocol     uint64 `json:"lst_protocol,omitempty"`
	LSTNodeOperator uint64 `json:"lst_node_operator,omitempty"`
	LSTHolder       uint64 `json:"lst_holder,omitempty"`
	// Market agents (absent when 0).
	MarketNoise     uint64 `json:"market_noise,omitempty"`
	MarketPanic     uint64 `json:"market_panic,omitempty"`
	MarketArbitrage uint64 `json:"market_arbitrage,omitempty"`
	MarketLP        uint64 `json:"market_lp,omitempty"`
	MarketWhale     uint64 `json:"market_whale,omitempty"`
	MarketDipBuyer  uint64 `json:"market_dip_buyer,omitempty"`
	// Lending agents (absent when 0).
	MarketLiquidator uint64 `json:"market_liquidator,omitempty"`
	MarketLooper     uint64 `json:"market_looper,omitempty"`
}

// add counts one agent of kind.
func (c *AgentCounts) add(kind string) {
	switch kind {
	case agents.KindValidatorClient:
		c.ValidatorClient++
	case agents.KindStakingOperator:
		c.StakingOperator++
	case agents.KindRestakingOperator:
		c.RestakingOperator++
	case agents.KindAVS:
		c.AVS++
	case agents.KindStaker:
		c.Staker++
	case agents.KindLSTOracle:
		c.LSTOracle++
	case agents.KindLSTProtocol:
		c.LSTProtocol++
	case agents.KindLSTNodeOperator:
		c.LSTNodeOperator++
	case agents.KindLSTHolder:
		c.LSTHolder++
	case agents.KindMarketNoise:
		c.MarketNoise++
	case agents.KindMarketPanic:
		c.MarketPanic++
	case agents.KindMarketArbitrage:
		c.MarketArbitrage++
	case agents.KindMarketLP:
		c.MarketLP++
	case agents.KindMarketWhale:
		c.MarketWhale++
	case agents.KindMarketDipBuyer:
		c.MarketDipBuyer++
	case agents.KindMarketLiquidator:
		c.MarketLiquidator++
	case agents.KindMarketLooper:
		c.MarketLooper++
	}
}

// Summary is summary.json. Every field is deterministic (no wall clock);
// the build fields say which program wrote it, so they differ between
// builds, not between runs.
type Summary struct {
	Scenario    string       `json:"scenario"`
	Description string       `json:"description"`
	Seed        uint64       `json:"seed"`
	Params      []ParamValue `json:"params"`
	Preset      string       `json:"preset"`
	// Build: the stakesim module version ("(devel)" for a source build),
	// the VCS revision ("unknown" when the build has none, with
	// "-modified" when the tree had changes) and the Go version.
	StakesimVersion string `json:"stakesim_version"`
	Commit          string `json:"commit"`
	GoVersion       string `json:"go_version"`
	// SpecVersion is the consensus-specs release whose Electra rules the
	// run follows (consensus.SpecVersion).
	SpecVersion string `json:"spec_version"`
	// Epochs is the scenario's length; CompletedEpochs the epochs reported
	// (fewer only when Interrupted: a run stopped by SIGINT or SIGTERM
	// reports what a run of CompletedEpochs epochs would).
	Epochs          uint64 `json:"epochs"`
	CompletedEpochs uint64 `json:"completed_epochs"`
	Interrupted     bool   `json:"interrupted"`
	// SummaryBranch is the branch whose state the summary's final figures
	// describe: that of the main (first honest) view at the end.
	SummaryBranch string      `json:"summary_branch"`
	Validators    uint64      `json:"validators"`
	Agents        AgentCounts `json:"agents"`
	// AgentGoroutines is the number of agent goroutines the run started:
	// one per agent of every kind.
	AgentGoroutines          uint64   `json:"agent_goroutines"`
	BLSMode                  string   `json:"bls_mode"`
	BLSWarning               string   `json:"bls_warning,omitempty"`
	JustifiedEpoch           uint64   `json:"justified_epoch"`
	FinalizedEpoch           uint64   `json:"finalized_epoch"`
	LongestFinalityGapEpochs uint64   `json:"longest_finality_gap_epochs"`
	SlashedValidators        uint64   `json:"slashed_validators"`
	EjectedValidators        uint64   `json:"ejected_validators"`
	ExitedValidators         uint64   `json:"exited_validators"`
	TotalIssuanceGwei        uint64   `json:"total_issuance_gwei"`
	TotalPenaltiesGwei       uint64   `json:"total_penalties_gwei"`
	APRPercent               float64  `json:"apr_percent"`     // steady state over the APR window (see APRWindowEpochs)
	NetAPRPercent            float64  `json:"net_apr_percent"` // the same, net of the window's penalties
	Signatures               uint64   `json:"signatures"`
	AggregatesVerified       uint64   `json:"aggregates_verified"`
	VerifyFailures           uint64   `json:"verify_failures"`
	Proposals                uint64   `json:"proposals"`
	MissedProposals          uint64   `json:"missed_proposals"`
	Branches                 []string `json:"branches"`
	// APR: apr_percent is the steady-state consensus-layer yield of the
	// summary branch: the issuance (issuance_gwei) of the APR window's
	// epochs over the sum of their total active balances
	// (total_active_balance_gwei), times the preset's epochs per 365.25-day
	// year, times 100 (simple, not compounded; no sync-committee rewards,
	// fees or MEV). The window is the last min(64, completed_epochs - 1)
	// reported epochs, APRWindowEpochs of them: epoch 0 is never in it,
	// because its processing pays no attestation rewards (there is no epoch
	// before it to reward). net_apr_percent is the same with the window's
	// penalties (penalties_gwei, slashings included) taken from its
	// issuance; annualising one-off slashing losses can put it far below
	// -100%, so the printed texts give NetLossETHPerValidator instead
	// below -100%. APRWindowEpochs is 0 (and both APRs 0) when only epoch
	// 0 was reported. APRActiveBalanceGwei is the window's mean total
	// active balance, the stake the APR is earned on (the APR scales with
	// 1/sqrt of it).
	APRWindowEpochs      uint64 `json:"apr_window_epochs"`
	APRActiveBalanceGwei uint64 `json:"apr_active_balance_gwei"`
	// NetLossETHPerValidator is the window's penalties minus its issuance,
	// in ETH, over the window's mean number of active validators: what an
	// average active validator lost in the window, net (negative: a net
	// gain), rounded to 6 decimals.
	NetLossETHPerValidator float64 `json:"net_loss_eth_per_validator"`
	// Attack measurements (zero or null when nothing happened).
	FinalityStalledAtEpoch      *uint64                  `json:"finality_stalled_at_epoch"` // first epoch, after finality had started, whose row shows finalized_epoch + 1 < epoch (summary branch)
	FinalityResumedEpoch        *uint64                  `json:"finality_resumed_epoch"`    // first epoch after the stall at which finality advanced again
	ConflictingFinalization     *ConflictingFinalization `json:"conflicting_finalization"`
	SlashableFractionAtConflict *float64                 `json:"slashable_fraction_at_conflict"`
	AttackerSlashedGwei         uint64                   `json:"attacker_slashed_gwei"` // effective balance of coalition validators slashed (at the time of slashing), summary branch
	HonestLossGwei              int64                    `json:"honest_loss_gwei"`      // start minus end balance of non-coalition validators, summary branch (negative: a gain)
	WhistleblowerRewardsGwei    uint64                   `json:"whistleblower_rewards_gwei"`
	SlashingsDetected           uint64                   `json:"slashings_detected"` // validators with evidence against them (any slasher)
	Reorgs                      ReorgSummary             `json:"reorgs"`
	// MaxEB and lifecycle measurements.
	ValidatorsAtStart       uint64 `json:"validators_at_start"`        // active in epoch 0
	ValidatorsAtEnd         uint64 `json:"validators_at_end"`          // active in the last epoch (summary branch)
	SignaturesPerEpochStart uint64 `json:"signatures_per_epoch_start"` // attestations signed per epoch, mean of the first 3 epochs
	SignaturesPerEpochEnd   uint64 `json:"signatures_per_epoch_end"`   // ... of the last 3 epochs
	// ConsolidationsRequested counts consolidation requests (source !=
	// target) the operators sent, retries included; SwitchesRequested the
	// switch-to-compounding requests.
	ConsolidationsRequested uint64 `json:"consolidations_requested"`
	SwitchesRequested       uint64 `json:"switches_requested"`
	// ConsolidationsAccepted and ConsolidationsCompleted count, on the
	// summary branch, requests that initiated a source's exit and pending
	// consolidations whose balance moved.
	ConsolidationsAccepted  uint64 `json:"consolidations_accepted"`
	ConsolidationsCompleted uint64 `json:"consolidations_completed"`
	// FirstConsolidationRequestEpoch is the epoch of the first consolidation
	// request, LastConsolidationEpoch the epoch whose processing moved the
	// last balance; ConsolidationEpochs is their difference (null: none).
	FirstConsolidationRequestEpoch *uint64 `json:"first_consolidation_request_epoch"`
	LastConsolidationEpoch         *uint64 `json:"last_consolidation_epoch"`
	ConsolidationEpochs            *uint64 `json:"consolidation_epochs"`
	DepositRequests                uint64  `json:"deposit_requests"`      // queued on the summary branch
	ExitRequestsApplied            uint64  `json:"exit_requests_applied"` // full exits initiated by EIP-7002 requests, summary branch
	PartialWithdrawalsQueued       uint64  `json:"partial_withdrawals_queued"`
	// MaxEffectiveBalance*Gwei is the largest slashing exposure: the
	// biggest effective balance of an active validator at the start and end.
	MaxEffectiveBalanceStartGwei uint64 `json:"max_effective_balance_start_gwei"`
	MaxEffectiveBalanceEndGwei   uint64 `json:"max_effective_balance_end_gwei"`
	// GossipSignaturesVerified counts single attestation signatures the
	// main view verified on gossip (gossip_verification: main).
	GossipSignaturesVerified uint64         `json:"gossip_signatures_verified"`
	Groups                   []GroupSummary `json:"groups"`
	OutputsSHA256            string         `json:"outputs_sha256"` // filled by the writer
	// Byzantine share of the summary branch (every run): the largest share
	// and the first epoch it was seen, and every crossing of 1/3, 1/2, 2/3.
	MaxByzantineShare      float64             `json:"max_byzantine_share"`
	MaxByzantineShareEpoch uint64              `json:"max_byzantine_share_epoch"`
	ByzantineCrossings     []ByzantineCrossing `json:"byzantine_crossings"`
	// Restaking is null for scenarios without a restaking block.
	Restaking *RestakingSummary `json:"restaking"`
	// LiquidStaking has one entry per protocol of a liquid_staking block
	// (absent without one; lst_report.go).
	LiquidStaking []LSTSummary `json:"liquid_staking,omitempty"`
	// Markets is the markets block's section (absent without one;
	// market_report.go).
	Markets *MarketsSummary `json:"markets,omitempty"`
}

// FinalityStall is a stall of finality on one branch. Its length, Epochs,
// is the one definition of a stall's length that summary.json's readers
// (the run summary, the narration, the lessons) use: Until - Since, the
// epochs from the stall's first epoch up to the one at which finality
// advanced again, none of whose processing advanced the finalized
// checkpoint. It is not longest_finality_gap_epochs, the largest
// epoch - finalized_epoch of any row, which is a lag (at the first epoch of
// a stall the finalized checkpoint is already 2 epochs behind).
type FinalityStall struct {
	// Since is the stall's first epoch (see FinalityWatch).
	Since uint64
	// Resumed: finality advanced again at epoch Until. Otherwise Until is
	// the first epoch not reported (the run ended, the stall lasting).
	Resumed bool
	Until   uint64
	Epochs  uint64 // Until - Since
}

// FinalityStall returns the stall of finality_stalled_at_epoch and
// finality_resumed_epoch (ok false when finality never stalled). A stall
// that had not resumed runs to the end of the reported epochs
// (CompletedEpochs, or Epochs in a summary without it).
func (s *Summary) FinalityStall() (st FinalityStall, ok bool) {
	if s.FinalityStalledAtEpoch == nil {
		return FinalityStall{}, false
	}
	st.Since = *s.FinalityStalledAtEpoch
	if r := s.FinalityResumedEpoch; r != nil {
		st.Resumed, st.Until = true, *r
	} else if st.Until = s.CompletedEpochs; st.Until == 0 {
		st.Until = s.Epochs
	}
	if st.Until > st.Since {
		st.Epochs = st.Until - st.Since
	}
	return st, true
}

// FinalityWatch follows finality along one branch's rows, one per epoch in
// epoch order. Once finality has started (a row showed finalized_epoch + 1
// == epoch, past genesis), a stall begins at a row whose finalized epoch
// did not advance and is 2 or more epochs behind (finalized_epoch + 1 <
// epoch), and ends at the first later row whose finalized epoch is above
// the previous row's. Its first stall on the summary branch is summary.json's
// finality_stalled_at_epoch and finality_resumed_epoch (before a first
// stall, a row 2 epochs behind cannot have advanced, so "did not advance"
// only matters for later stalls, which follow a resume whose finality may
// keep lagging 2 or 3 epochs while it advances). The narration tells every
// stall of every branch with it. The zero value has seen no row; copying a
// watch copies the branch's history.
type FinalityWatch struct {
	rows       uint64
	finalizing bool   // finality has started
	last       uint64 // the finalized epoch of the last row
	stall      FinalityStall
	stalled    bool // a stall is in progress
}

// Row takes the branch's next row, its epoch and finalized epoch, and
// reports whether a stall begins at this epoch (begins) or the stall in
// progress ends at it (resumed; Last then returns it).
func (w *FinalityWatch) Row(epoch, finalized uint64) (begins, resumed bool) {
	if finalized > 0 && finalized+1 == epoch {
		w.finalizing = true
	}
	if w.rows > 0 {
		switch {
		case !w.stalled && w.finalizing && finalized+1 < epoch && finalized <= w.last:
			w.stalled, begins = true, true
			w.stall = FinalityStall{Since: epoch}
		case w.stalled && finalized > w.last:
			w.stalled, resumed = false, true
			w.stall.Resumed, w.stall.Until, w.stall.Epochs = true, epoch, epoch-w.stall.Since
		}
	}
	w.last = finalized
	w.rows++
	return begins, resumed
}

// Stalled returns the first epoch of the stall in progress (ok false when
// finality is not stalled).
func (w *FinalityWatch) Stalled() (since uint64, ok bool) {
	return w.stall.Since, w.stalled
}

// Last returns the last stall, in progress (Resumed false, Until and
// Epochs 0) or ended; ok is false before the first.
func (w *FinalityWatch) Last() (st FinalityStall, ok bool) {
	return w.stall, w.stalled || w.stall.Resumed
}

// ByzantineCrossing is one crossing of a Byzantine-share threshold on the
// summary branch.
type ByzantineCrossing struct {
	Threshold string  `json:"threshold"` // "1/3", "1/2" or "2/3"
	Epoch     uint64  `json:"epoch"`
	Direction string  `json:"direction"` // "up" (above) or "down" (at or below)
	Share     float64 `json:"share"`
}

// RestakingSummary is the restaking part of summary.json.
type RestakingSummary struct {
	// WorstAttack is the valid attack with the largest profit minus cost
	// that the security analysis of the ledger's restaking graph found in
	// any epoch (the first epoch it was seen), or null.
	WorstAttack                      *RestakingAttack `json:"worst_attack"`
	RestakingSlashedGwei             uint64           `json:"slashed_gwei"`
	RestakingBurnedGwei              uint64           `json:"burned_gwei"`
	RestakingRedistributedGwei       uint64           `json:"redistributed_gwei"`
	StakeLeftGwei                    uint64           `json:"stake_left_gwei"` // balances of the validators forced out (at request)
	AVSCompromised                   uint64           `json:"avs_compromised"`
	OperatorsSlashed                 uint64           `json:"operators_slashed"`
	ProfitFromCorruptionRealizedGwei uint64           `json:"profit_from_corruption_realized_gwei"` // π summed over compromised AVSs
	StakersWithdrawn                 uint64           `json:"stakers_withdrawn"`                    // staker withdrawals completed
}

// RestakingAttack is a valid attack on the restaking graph.
type RestakingAttack struct {
	Epoch      uint64   `json:"epoch"`
	Operators  []string `json:"operators"`
	Services   []string `json:"services"`
	CostGwei   uint64   `json:"cost_gwei"`
	ProfitGwei uint64   `json:"profit_gwei"`
	Exact      bool     `json:"exact"` // found by the exact search (else the heuristic)
}

// ConflictingFinalization is the first safety failure of a run: two
// finalized checkpoints on different branches.
type ConflictingFinalization struct {
	Epoch       uint64 `json:"epoch"` // epoch whose processing made the second of the two final
	BranchA     string `json:"branch_a"`
	CheckpointA string `json:"checkpoint_a"` // "EPOCH:ROOTPREFIX"
	BranchB     string `json:"branch_b"`
	CheckpointB string `json:"checkpoint_b"`
	// SlashableGwei is the effective balance (at the last common finalized
	// checkpoint) of validators that signed two conflicting votes.
	SlashableGwei uint64 `json:"slashable_gwei"`
	// Cause is "equivocation" when at least a third of the stake broke a
	// slashing rule, "inactivity_leak" when the validator sets of the two
	// branches drifted apart through the leak (Gasper's accountable safety
	// assumes a fixed validator set).
	Cause string `json:"cause"`
}

// ReorgSummary counts the head reorganisations seen by the views.
type ReorgSummary struct {
	Count    uint64 `json:"count"`
	MaxDepth uint64 `json:"max_depth"`
	// Proposer counts the honest proposals built on the head's parent
	// (proposer_reorg events): late, weak heads re-orged on purpose.
	Proposer uint64 `json:"proposer"`
}

// GroupSummary is the fate of one scenario validator group on the summary's
// branch: how its balances moved from genesis to the end.
type GroupSummary struct {
	Name             string `json:"name"`
	Validators       uint64 `json:"validators"`
	StartBalanceGwei uint64 `json:"start_balance_gwei"`
	EndBalanceGwei   uint64 `json:"end_balance_gwei"`
	Slashed          uint64 `json:"slashed"`
	Coalition        string `json:"coalition,omitempty"`
	// Slashing penalties on the summary branch: the effective balance of
	// the group's validators when slashed, the initial penalties
	// (slash_validator) and correlation penalties (process_slashings)
	// taken, and both per ETH of slashed effective balance (Gwei/ETH).
	SlashedEffectiveBalanceGwei  uint64   `json:"slashed_effective_balance_gwei,omitempty"`
	InitialPenaltyGwei           uint64   `json:"initial_penalty_gwei,omitempty"`
	CorrelationPenaltyGwei       uint64   `json:"correlation_penalty_gwei,omitempty"`
	InitialPenaltyGweiPerETH     *float64 `json:"initial_penalty_gwei_per_eth,omitempty"`
	CorrelationPenaltyGweiPerETH *float64 `json:"correlation_penalty_gwei_per_eth,omitempty"`
}

// ParamValue is a resolved scenario parameter.
type ParamValue struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"` // a choice param's index in its values
	// Choice is a choice param's word (e.g. "mainnet" for preset);
	// omitted for numeric params.
	Choice string `json:"choice,omitempty"`
}

// Timing is timing.json: wall-clock figures, kept apart from the
// deterministic outputs.
type Timing struct {
	// KeyDerivationSeconds: obtaining the keys, derived or (KeyCache
	// "hit") loaded from the key cache. KeyCache is "hit", "miss" (derived
	// and stored) or "off" (derived: --no-key-cache, too few keys, BLS off
	// or no cache directory); KeyCacheNote says why it was off, or which
	// cache file was rejected or could not be written.
	KeyDerivationSeconds float64 `json:"key_derivation_seconds"`
	KeyCache             string  `json:"key_cache"`
	KeyCacheNote         string  `json:"key_cache_note,omitempty"`
	// StartupSeconds: building the engine before the first epoch (the
	// keys, genesis, views, agents and economic books); TotalSeconds
	// includes it.
	StartupSeconds      float64 `json:"startup_seconds"`
	AgentsSeconds       float64 `json:"agents_seconds"`
	SigningSeconds      float64 `json:"signing_seconds"`
	VerificationSeconds float64 `json:"verification_seconds"`
	// EpochProcessingSeconds: the epoch boundary's state transitions and
	// invariant checks; ReportingSeconds: rows and chain events;
	// EconomicsSeconds: the economic phase (Byzantine share, restaking and
	// its agents, the security analysis).
	EpochProcessingSeconds float64 `json:"epoch_processing_seconds"`
	ReportingSeconds       float64 `json:"reporting_seconds"`
	EconomicsSeconds       float64 `json:"economics_seconds"`
	TotalSeconds           float64 `json:"total_seconds"`
	PeakMemoryBytes        uint64  `json:"peak_memory_bytes"`
	// Signing and verification seconds per epoch, averaged over the first
	// and the last 3 epochs: the measured BLS cost before and after a
	// change such as consolidation.
	SigningSecondsPerEpochStart      float64 `json:"signing_seconds_per_epoch_start"`
	SigningSecondsPerEpochEnd        float64 `json:"signing_seconds_per_epoch_end"`
	VerificationSecondsPerEpochStart float64 `json:"verification_seconds_per_epoch_start"`
	VerificationSecondsPerEpochEnd   float64 `json:"verification_seconds_per_epoch_end"`
	ValidatorEpochsPerSecond         float64 `json:"validator_epochs_per_second"`
}

// Sink receives a run's deterministic outputs as they are produced. The
// engine calls it from one goroutine, in output order.
type Sink interface {
	Epoch(row EpochRow) error
	Event(ev Event) error
}

// EpochEnder is a Sink that wants to know when an epoch's rows and events
// have all been sent: the engine calls EndEpoch after every epoch (the
// output writer pushes its buffers to the files then, so that the files
// can be followed while a run goes on). An error stops the run.
type EpochEnder interface {
	EndEpoch(epoch uint64) error
}

// AVSRow is one line of avs.csv: one AVS at the end of one epoch. The
// column order is the field order.
type AVSRow struct {
	Epoch              uint64
	AVS                string
	AllocatedStakeGwei uint64 // stake the AVS can slash now (ledger AllocatedStake)
	// CostOfCorruptionGwei is the least allocated stake a coalition must
	// hold, and so risk, to corrupt this AVS alone (a minimum cover of
	// ceil(α·backing)).
	CostOfCorruptionGwei     uint64
	ProfitFromCorruptionGwei uint64 // π
	// Secure: the AVS is in no valid attack of the whole restaking graph.
	Secure      bool
	SlashedGwei uint64 // restaked Gwei this AVS slashed in this epoch
}

// AVSSink is an optional interface of a Sink: a sink that implements it
// receives avs.csv rows, at the end of each epoch, for scenarios with a
// restaking block only.
type AVSSink interface {
	AVS(row AVSRow) error
}

// GroupRow is one line of groups.csv: one scenario group on one branch at
// the end of one epoch, read from the same state as that (epoch, branch)'s
// EpochRow. The column order is the field order. Means are floored
// integer divisions; every figure is 0 for a group none of whose
// validators exists on the branch yet.
type GroupRow struct {
	Epoch  uint64
	Branch string // as in epochs.csv
	Group  string // the scenario group's name
	// Validators counts the group's validators that exist in the branch's
	// state: its genesis validators and those its deposits created.
	Validators uint64
	Active     uint64 // active in the epoch (as active_validators counts)
	Slashed    uint64 // slashed flag set
	Exited     uint64 // exit epoch reached (as exited_validators counts)
	// Balances of the group's validators that exist.
	BalanceMeanGwei          uint64
	BalanceMinGwei           uint64
	BalanceMaxGwei           uint64
	EffectiveBalanceMeanGwei uint64
	// InactivityScoreMeanPPM is the mean inactivity score in millionths
	// (floor(sum * 10^6 / validators)), written with 6 decimals as
	// inactivity_score_mean.
	InactivityScoreMeanPPM uint64
}

// GroupSink is an optional interface of a Sink: a sink that implements it
// receives groups.csv rows, one per (epoch, branch, group): a branch's
// rows, one per scenario group in scenario order, right after the EpochRow
// of the same epoch and branch. So they come in the order epoch, branch
// (as the EpochRows), group; like the EpochRows, the settling epoch has
// none.
type GroupSink interface {
	Group(row GroupRow) error
}

// BlockRow is one line of blocks.csv: one block the engine imported into
// its block database (every valid proposal, canonical or not, and the
// genesis block). The column order is the field order.
type BlockRow struct {
	Slot uint64
	// Root and ParentRoot are the first 8 bytes of the block's root and of
	// its parent's, as 16 lowercase hex digits (as events.jsonl prints
	// roots); the genesis block's ParentRoot is all zeros.
	Root       string
	ParentRoot string
	Proposer   uint64 // validator index (0 for genesis)
	// Attestations is the number of attestations (aggregates) in the
	// block's body.
	Attestations uint64
	// CanonicalOn is the names of the views (sorted, "+"-joined) whose
	// canonical chain holds the block when its row is written: the chain
	// from the view's finalized block back when the chain prunes the block
	// (no later head of that view can change it), the chain from the
	// view's head back at the end of the run. Empty for a block no view
	// has on its chain (orphaned).
	CanonicalOn string
}

// BlockSink is an optional interface of a Sink: a sink that implements it
// receives one blocks.csv row per block, in batches as the blocks are
// settled: at the end of an epoch in which the chain pruned blocks (after
// that epoch's other rows), and for every block still held at the end of
// the run, before the summary is built (also for an interrupted run). Each
// batch is sorted by (slot, root); batches follow one another in time, so
// a block's parent is in an earlier batch or in the same one. Every block
// gets exactly one row.
type BlockSink interface {
	Block(row BlockRow) error
}
