package sim

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
}

// Event is one line of events.jsonl.
type Event struct {
	Epoch   uint64         `json:"epoch"`
	Slot    uint64         `json:"slot"`
	Kind    string         `json:"kind"`
	Branch  string         `json:"branch,omitempty"`
	Details map[string]any `json:"details,omitempty"` // encoding/json sorts map keys, so lines are deterministic
}

// Event kinds.
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
)

// Summary is summary.json. Every field is deterministic (no wall clock).
type Summary struct {
	Scenario                 string         `json:"scenario"`
	Description              string         `json:"description"`
	Seed                     uint64         `json:"seed"`
	Params                   []ParamValue   `json:"params"`
	Preset                   string         `json:"preset"`
	Epochs                   uint64         `json:"epochs"`
	Validators               uint64         `json:"validators"`
	Agents                   uint64         `json:"agents"`
	BLSMode                  string         `json:"bls_mode"`
	BLSWarning               string         `json:"bls_warning,omitempty"`
	JustifiedEpoch           uint64         `json:"justified_epoch"`
	FinalizedEpoch           uint64         `json:"finalized_epoch"`
	LongestFinalityGapEpochs uint64         `json:"longest_finality_gap_epochs"`
	SlashedValidators        uint64         `json:"slashed_validators"`
	EjectedValidators        uint64         `json:"ejected_validators"`
	ExitedValidators         uint64         `json:"exited_validators"`
	TotalIssuanceGwei        uint64         `json:"total_issuance_gwei"`
	TotalPenaltiesGwei       uint64         `json:"total_penalties_gwei"`
	APRPercent               float64        `json:"apr_percent"`
	NetAPRPercent            float64        `json:"net_apr_percent"`
	Signatures               uint64         `json:"signatures"`
	AggregatesVerified       uint64         `json:"aggregates_verified"`
	VerifyFailures           uint64         `json:"verify_failures"`
	Proposals                uint64         `json:"proposals"`
	MissedProposals          uint64         `json:"missed_proposals"`
	Branches                 []string       `json:"branches"`
	Groups                   []GroupSummary `json:"groups"`
	OutputsSHA256            string         `json:"outputs_sha256"` // filled by the writer
}

// GroupSummary is the fate of one scenario validator group on the summary's
// branch: how its balances moved from genesis to the end.
type GroupSummary struct {
	Name             string `json:"name"`
	Validators       uint64 `json:"validators"`
	StartBalanceGwei uint64 `json:"start_balance_gwei"`
	EndBalanceGwei   uint64 `json:"end_balance_gwei"`
	Slashed          uint64 `json:"slashed"`
}

// ParamValue is a resolved scenario parameter.
type ParamValue struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// Timing is timing.json: wall-clock figures, kept apart from the
// deterministic outputs.
type Timing struct {
	KeyDerivationSeconds     float64 `json:"key_derivation_seconds"`
	AgentsSeconds            float64 `json:"agents_seconds"`
	SigningSeconds           float64 `json:"signing_seconds"`
	VerificationSeconds      float64 `json:"verification_seconds"`
	EpochProcessingSeconds   float64 `json:"epoch_processing_seconds"`
	TotalSeconds             float64 `json:"total_seconds"`
	PeakMemoryBytes          uint64  `json:"peak_memory_bytes"`
	ValidatorEpochsPerSecond float64 `json:"validator_epochs_per_second"`
}

// Sink receives a run's deterministic outputs as they are produced. The
// engine calls it from one goroutine, in output order.
type Sink interface {
	Epoch(row EpochRow) error
	Event(ev Event) error
}
