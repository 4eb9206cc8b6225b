package consensus

// Config holds one preset plus the run-time configuration values of
// ethereum/consensus-specs (presets/{mainnet,minimal}/*.yaml and
// configs/{mainnet,minimal}.yaml), Electra fork. A Config is a value passed
// to every rule; there are no package-level globals, so two presets can run
// side by side in one process.
type Config struct {
	PresetName string

	// Time.
	SlotsPerEpoch  uint64
	SlotDurationMs uint64

	// Committees and shuffling (phase0 preset).
	MaxCommitteesPerSlot      uint64
	TargetCommitteeSize       uint64
	MaxValidatorsPerCommittee uint64
	ShuffleRoundCount         uint64
	MinSeedLookahead          uint64
	MaxSeedLookahead          uint64

	// State vectors. SlotsPerHistoricalRoot and EpochsPerHistoricalVector are
	// the spec values; the state keeps only a short window of each (see
	// State.BlockRoots and State.RandaoMixes), which is all that the rules
	// implemented here ever read.
	SlotsPerHistoricalRoot    uint64
	EpochsPerHistoricalVector uint64
	EpochsPerSlashingsVector  uint64

	MinAttestationInclusionDelay uint64
	MinEpochsToInactivityPenalty uint64

	// Balances (Gwei).
	EffectiveBalanceIncrement  Gwei
	MinDepositAmount           Gwei
	MinActivationBalance       Gwei
	MaxEffectiveBalanceElectra Gwei
	EjectionBalance            Gwei

	HysteresisQuotient           uint64
	HysteresisDownwardMultiplier uint64
	HysteresisUpwardMultiplier   uint64

	// Rewards and penalties.
	BaseRewardFactor                        uint64
	ProposerRewardQuotient                  uint64
	WhistleblowerRewardQuotientElectra      uint64
	InactivityPenaltyQuotientBellatrix      uint64
	MinSlashingPenaltyQuotientElectra       uint64
	ProportionalSlashingMultiplierBellatrix uint64
	InactivityScoreBias                     uint64
	InactivityScoreRecoveryRate             uint64

	// Churn (Electra, Gwei).
	ChurnLimitQuotient                  uint64
	MinPerEpochChurnLimitElectra        Gwei
	MaxPerEpochActivationExitChurnLimit Gwei
	ShardCommitteePeriod                uint64
	MinValidatorWithdrawabilityDelay    uint64

	// Block operation limits.
	MaxProposerSlashings                  uint64
	MaxAttesterSlashings                  uint64 // MAX_ATTESTER_SLASHINGS_ELECTRA
	MaxAttestations                       uint64 // MAX_ATTESTATIONS_ELECTRA: on-chain aggregates per block, each spanning the committees of a slot
	MaxWithdrawalsPerPayload              uint64
	MaxValidatorsPerWithdrawalsSweep      uint64
	MaxPendingPartialsPerWithdrawalsSweep uint64
	MaxPendingDepositsPerEpoch            uint64
	MaxDepositRequestsPerPayload          uint64
	MaxWithdrawalRequestsPerPayload       uint64
	MaxConsolidationRequestsPerPayload    uint64
	PendingDepositsLimit                  uint64
	PendingPartialWithdrawalsLimit        uint64
	PendingConsolidationsLimit            uint64

	// Fork choice.
	ProposerScoreBoost uint64

	// Domains.
	GenesisForkVersion [4]byte
	ElectraForkVersion [4]byte

	// Sync committees (Altair preset).
	SyncCommitteeSize            uint64
	EpochsPerSyncCommitteePeriod uint64
}

// Mainnet returns the mainnet preset and configuration (Electra).
func Mainnet() Config {
	return Config{
		PresetName:     "mainnet",
		SlotsPerEpoch:  32,
		SlotDurationMs: 12000,

		MaxCommitteesPerSlot:      64,
		TargetCommitteeSize:       128,
		MaxValidatorsPerCommittee: 2048,
		ShuffleRoundCount:         90,
		MinSeedLookahead:          1,
		MaxSeedLookahead:          4,

		SlotsPerHistoricalRoot:    8192,
		EpochsPerHistoricalVector: 65536,
		EpochsPerSlashingsVector:  8192,

		MinAttestationInclusionDelay: 1,
		MinEpochsToInactivityPenalty: 4,

		EffectiveBalanceIncrement:  1_000_000_000,
		MinDepositAmount:           1_000_000_000,
		MinActivationBalance:       32_000_000_000,
		MaxEffectiveBalanceElectra: 2_048_000_000_000,
		EjectionBalance:            16_000_000_000,

		HysteresisQuotient:           4,
		HysteresisDownwardMultiplier: 1,
		HysteresisUpwardMultiplier:   5,

		BaseRewardFactor:                        64,
		ProposerRewardQuotient:                  8,
		WhistleblowerRewardQuotientElectra:      4096,
		InactivityPenaltyQuotientBellatrix:      1 << 24,
		MinSlashingPenaltyQuotientElectra:       4096,
		ProportionalSlashingMultiplierBellatrix: 3,
		InactivityScoreBias:                     4,
		InactivityScoreRecoveryRate:             16,

		ChurnLimitQuotient:                  65536,
		MinPerEpochChurnLimitElectra:        128_000_000_000,
		MaxPerEpochActivationExitChurnLimit: 256_000_000_000,
		ShardCommitteePeriod:                256,
		MinValidatorWithdrawabilityDelay:    256,

		MaxProposerSlashings:                  16,
		MaxAttesterSlashings:                  1,
		MaxAttestations:                       8,
		MaxWithdrawalsPerPayload:              16,
		MaxValidatorsPerWithdrawalsSweep:      16384,
		MaxPendingPartialsPerWithdrawalsSweep: 8,
		MaxPendingDepositsPerEpoch:            16,
		MaxDepositRequestsPerPayload:          8192,
		MaxWithdrawalRequestsPerPayload:       16,
		MaxConsolidationRequestsPerPayload:    2,
		PendingDepositsLimit:                  1 << 27,
		PendingPartialWithdrawalsLimit:        1 << 27,
		PendingConsolidationsLimit:            1 << 18,

		ProposerScoreBoost: 40,

		GenesisForkVersion: [4]byte{0x00, 0x00, 0x00, 0x00},
		ElectraForkVersion: [4]byte{0x05, 0x00, 0x00, 0x00},

		SyncCommitteeSize:            512,
		EpochsPerSyncCommitteePeriod: 256,
	}
}

// Minimal returns the minimal preset and configuration (Electra), the one the
// spec's own tests use: 8 slots per epoch, small committees, fast churn.
func Minimal() Config {
	c := Mainnet()
	c.PresetName = "minimal"
	c.SlotsPerEpoch = 8
	c.SlotDurationMs = 6000
	c.MaxCommitteesPerSlot = 4
	c.TargetCommitteeSize = 4
	c.ShuffleRoundCount = 10
	c.SlotsPerHistoricalRoot = 64
	c.EpochsPerHistoricalVector = 64
	c.EpochsPerSlashingsVector = 64
	c.ChurnLimitQuotient = 32
	c.MinPerEpochChurnLimitElectra = 64_000_000_000
	c.MaxPerEpochActivationExitChurnLimit = 128_000_000_000
	c.ShardCommitteePeriod = 64
	c.MaxWithdrawalsPerPayload = 4
	c.MaxValidatorsPerWithdrawalsSweep = 16
	c.MaxPendingPartialsPerWithdrawalsSweep = 2
	c.PendingPartialWithdrawalsLimit = 64
	c.PendingConsolidationsLimit = 64
	c.GenesisForkVersion = [4]byte{0x00, 0x00, 0x00, 0x01}
	c.ElectraForkVersion = [4]byte{0x05, 0x00, 0x00, 0x01}
	c.SyncCommitteeSize = 32
	c.EpochsPerSyncCommitteePeriod = 8
	return c
}

// PresetByName returns the named preset ("mainnet" or "minimal").
func PresetByName(name string) (Config, bool) {
	switch name {
	case "mainnet":
		return Mainnet(), true
	case "minimal":
		return Minimal(), true
	}
	return Config{}, false
}

// SecondsPerEpoch is the wall-clock length of an epoch in the modelled chain.
func (c *Config) SecondsPerEpoch() float64 {
	return float64(c.SlotsPerEpoch*c.SlotDurationMs) / 1000
}

// AttestationDueBps and BasisPoints are ATTESTATION_DUE_BPS (configs/*.yaml,
// 3333 in both presets; Config has no field for it) and BASIS_POINTS.
const (
	AttestationDueBps = 3333
	BasisPoints       = 10000
)

// SlotComponentDurationMs is get_slot_component_duration_ms.
//
// Spec definition:
//
//	def get_slot_component_duration_ms(basis_points: Uint64) -> Uint64:
//	    return basis_points * SLOT_DURATION_MS // BASIS_POINTS
func (c *Config) SlotComponentDurationMs(basisPoints uint64) uint64 {
	return basisPoints * c.SlotDurationMs / BasisPoints
}

// AttestationDueMs is get_attestation_due_ms: how far into its slot a block
// must arrive to be timely, and when honest validators attest without a
// block (validator.md): 3,999 ms on mainnet, 1,999 ms on minimal.
//
// Spec definition:
//
//	def get_attestation_due_ms() -> Uint64:
//	    return get_slot_component_duration_ms(ATTESTATION_DUE_BPS)
func (c *Config) AttestationDueMs() uint64 {
	return c.SlotComponentDurationMs(AttestationDueBps)
}
