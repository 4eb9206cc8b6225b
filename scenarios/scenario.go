package scenarios

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Limits on scenario values. Every loop the engine runs over a scenario is
// bounded by one of these.
const (
	MaxEpochs         = 1_000_000
	MaxValidators     = 2_000_000 // per group and in total
	MaxLateDelayMs    = 600_000
	MaxNetworkDelayMs = 600_000
	MaxBalanceETH     = 1_000_000
	MaxTotalStakeETH  = 1_000_000_000
	maxGroups         = 1024
	maxBehaviours     = 64
	maxParams         = 256
	maxPartitions     = 1024
	maxInputBytes     = 1 << 20
	maxNameLen        = 64
	// MaxSlasherHistory bounds slasher_history_epochs (Lighthouse's
	// default history is 4,096 epochs).
	MaxSlasherHistory     = 65_536
	defaultSlasherHistory = 64
	defaultProposerBoost  = 40
	defaultBalanceGwei    = 32_000_000_000
	gweiPerETH            = 1_000_000_000
)

// BLSMode selects how the engine signs and verifies (see DESIGN.md).
type BLSMode string

// The BLS modes a scenario may ask for.
const (
	BLSFull      BLSMode = "full"
	BLSAggregate BLSMode = "aggregate"
	BLSOff       BLSMode = "off"
)

// Presets a scenario may name; they select consensus.Minimal or Mainnet.
const (
	PresetMinimal = "minimal"
	PresetMainnet = "mainnet"
)

// Scenario is a validated scenario with every default filled in. The engine
// may rely on every limit documented in doc.go having been checked.
type Scenario struct {
	Name, Description, Preset string
	Seed, Epochs              uint64
	BLS                       BLSMode
	// Params are the declared params in file order, each with the Value
	// that overrides and defaults resolved to.
	Params []Param
	// Groups are the validator groups in file order; validator indices are
	// assigned group by group in this order.
	Groups  []Group
	Network Network
	// Config overrides preset values (`config:`), in file order, each key
	// at most once and within its ConfigKeys range.
	Config []ConfigOverride
	// ProposerBoost is PROPOSER_SCORE_BOOST in percent of a slot's
	// committee weight (the spec's 40 unless the scenario sets it; 0 turns
	// proposer boost off).
	ProposerBoost uint64
	// ProposerReorg makes honest proposers build on get_proposer_head
	// (re-orging a late, weak head) instead of the head; default true, as
	// in the major clients.
	ProposerReorg bool
	// SlasherHistoryEpochs is how many epochs of votes each honest view
	// group's slasher remembers; 0 runs no slashers.
	SlasherHistoryEpochs uint64
	// GossipVerification is GossipNone (default: signatures are verified
	// when blocks are imported) or GossipMain: the first honest view also
	// verifies every single attestation signature sent in the slot, as a
	// node subscribed to every attestation subnet does (full BLS mode only;
	// in aggregate and off modes single votes carry no signature).
	GossipVerification string
	// Restaking is the `restaking:` block (nil: no restaking).
	Restaking *Restaking
	// LiquidStaking is the `liquid_staking:` block (nil: none).
	LiquidStaking *LiquidStaking
	// Markets is the `markets:` block (nil: none).
	Markets *Markets
	// Explain is the scenario's lesson for "stakesim explain": what it
	// demonstrates, which params to vary and what to watch. May be empty.
	Explain string
	// Source is the file name, or "builtin:NAME" for a built-in.
	Source string
	// ResolvedFrom is the source a run's scenario.yaml was resolved from
	// (see ResolvedYAML); "" for other files.
	ResolvedFrom string
	// YAML is the original file. The setters do not rewrite it, so a
	// report should print it together with Seed, Epochs and BLS.
	YAML []byte
}

// Param is a named number that "${...}" expressions may use, or, when
// Values is set, a choice among words.
type Param struct {
	Name, Doc         string
	Default, Min, Max float64
	Value             float64 // Default, or the --set override
	// Values, when not empty, makes the param a choice (declared with
	// `values:`): it takes one of these words, Text, which a field that
	// takes one of a fixed set of words (preset, bls, ...) uses as
	// "${NAME}"; numeric expressions cannot use it. For code that handles
	// params as numbers (sweeps, summary.json), Default and Value are then
	// the indexes in Values of the default and of Text, Min is 0 and Max is
	// len(Values)-1.
	Values []string
	Text   string
}

// Group is a run of validators that share a balance, credentials and
// behaviours.
type Group struct {
	Name        string
	Count       int
	BalanceGwei uint64
	// Credentials is the withdrawal credentials prefix: 0x00, 0x01 or 0x02.
	Credentials byte
	// ValidatorsPerAgent is how many validator keys one client agent holds;
	// the last agent of a group may hold fewer.
	ValidatorsPerAgent int
	// Behaviours are composed in order; never empty (default [honest]).
	Behaviours []Behaviour
	// Coalition names the Byzantine coalition the group belongs to, or ""
	// for honest validators. The groups of one coalition share one view
	// (one fork-choice store and attestation pool) and one strategy.
	Coalition string

	// Operator, when set, makes a staking-operator agent the owner of the
	// group's withdrawal credentials: it sends the execution-layer requests
	// of its consolidation policy and of the group's request waves. A group
	// without one (solo stakers) keeps its validators as they are, except
	// for its request waves, which a policy-"keep" operator then sends.
	Operator *Operator
	// Requests are waves of execution-layer requests, voluntary exits and
	// BLS-to-execution changes by the group's owner.
	Requests []Request
}

// Gossip verification modes (`gossip_verification`).
const (
	GossipNone = "none"
	GossipMain = "main"
)

// Operator policies.
const (
	PolicyKeep        = "keep"        // keep 32-ETH validators
	PolicyConsolidate = "consolidate" // consolidate into targets of TargetGwei
	PolicyCompound    = "compound"    // switch every validator to 0x02 credentials
)

// Operator is a staking operator's consolidation policy (`operator:`).
type Operator struct {
	Policy string // PolicyKeep, PolicyConsolidate or PolicyCompound
	// TargetGwei is the size of a consolidation target (policy consolidate):
	// MIN_ACTIVATION_BALANCE < TargetGwei <= MAX_EFFECTIVE_BALANCE_ELECTRA
	// (default 2048 ETH).
	TargetGwei uint64
	// FromEpoch is the first epoch in which the operator sends requests.
	FromEpoch uint64
}

// Request kinds (a wave's `kind`).
const (
	RequestDeposit           = "deposit"            // Count new validators of AmountGwei each (EIP-6110)
	RequestTopUp             = "top_up"             // AmountGwei more for Count of the group's validators
	RequestExit              = "exit"               // full exits of Count of the group's validators (EIP-7002)
	RequestPartialWithdrawal = "partial_withdrawal" // AmountGwei from Count of the group's 0x02 validators (EIP-7002)
	// RequestVoluntaryExit: Count of the group's validators sign voluntary
	// exits (consensus layer, any credentials).
	RequestVoluntaryExit = "voluntary_exit"
	// RequestBLSChange: Count of the group's 0x00 validators move to 0x01
	// credentials with BLS-to-execution changes signed by their withdrawal
	// keys (Capella).
	RequestBLSChange = "bls_change"
)

// Request is one wave of execution-layer requests sent in Epoch by the
// owner of the group's withdrawal credentials. Exits, top-ups and partial
// withdrawals apply to the group's lowest-indexed validators that can take
// them; deposits create new validators that join the group (same
// behaviours, view and credentials prefix).
type Request struct {
	Kind       string
	Epoch      uint64
	Count      int
	AmountGwei uint64 // deposit, top_up, partial_withdrawal
}

// ConfigOverride replaces one preset value (`config:`), for experiments
// that vary protocol parameters; see ConfigKeys.
type ConfigOverride struct {
	Name  string // a ConfigKeys name
	Value uint64 // in the key's unit (Gwei for *_gwei keys)
}

// ConfigKeys are the preset values a scenario may override, with their
// ranges. The engine maps each name to its consensus.Config field.
var ConfigKeys = []ConfigKey{
	{Name: "shard_committee_period", Min: 0, Max: 1 << 20, Doc: "SHARD_COMMITTEE_PERIOD: epochs a validator must be active before it may exit or be a consolidation source"},
	{Name: "min_validator_withdrawability_delay", Min: 0, Max: 1 << 20, Doc: "MIN_VALIDATOR_WITHDRAWABILITY_DELAY: epochs from exit to withdrawable (and from a consolidation's source exit to the balance move)"},
	{Name: "epochs_per_slashings_vector", Min: 4, Max: 1 << 16, Doc: "EPOCHS_PER_SLASHINGS_VECTOR: window of the correlation penalty"},
	{Name: "churn_limit_quotient", Min: 1, Max: 1 << 32, Doc: "CHURN_LIMIT_QUOTIENT: total active balance / this = the balance churn limit"},
	{Name: "min_per_epoch_churn_limit_gwei", Min: 0, Max: 1 << 60, Doc: "MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA in Gwei"},
	{Name: "max_per_epoch_activation_exit_churn_limit_gwei", Min: 0, Max: 1 << 60, Doc: "MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT in Gwei"},
	{Name: "pending_consolidations_limit", Min: 1, Max: 1 << 32, Doc: "PENDING_CONSOLIDATIONS_LIMIT: length of the pending consolidation queue"},
	{Name: "pending_partial_withdrawals_limit", Min: 1, Max: 1 << 32, Doc: "PENDING_PARTIAL_WITHDRAWALS_LIMIT"},
	{Name: "max_pending_deposits_per_epoch", Min: 1, Max: 1 << 32, Doc: "MAX_PENDING_DEPOSITS_PER_EPOCH"},
}

// ConfigKey describes one overridable preset value.
type ConfigKey struct {
	Name     string
	Min, Max uint64
	Doc      string
}

// Behaviour is one behaviour of a group of validators, active in the epochs
// [FromEpoch, ToEpoch), or from FromEpoch to the end when !HasToEpoch. The
// fields other than the window are meaningful only for the kinds that allow
// them (see BehaviourKinds) and zero otherwise.
type Behaviour struct {
	Kind       string
	FromEpoch  uint64
	ToEpoch    uint64 // 0 when absent
	HasToEpoch bool
	DelayMs    uint64 // late: milliseconds after the normal attestation time; late-blocks: after the slot start
	// ReleaseTo names the validator groups whose view groups receive what
	// a private-chain coalition withheld, when its window ends (empty:
	// every view group).
	ReleaseTo []string
	// ReleaseDelayMs: ex-ante-reorg releases the withheld block and votes
	// this long after the start of the next slot.
	ReleaseDelayMs uint64
	// AfterByzantineShareWAD, when non-zero, holds the behaviour back until
	// Ethereum's Byzantine share (the coalitions' share of the active
	// effective balance on the summary branch) has exceeded this fraction:
	// it is active from the epoch after the first epoch whose row shows a
	// larger share, within its window.
	AfterByzantineShareWAD uint64
}

// ActiveAt reports whether the behaviour's window contains epoch.
func (b Behaviour) ActiveAt(epoch uint64) bool {
	return epoch >= b.FromEpoch && (!b.HasToEpoch || epoch < b.ToEpoch)
}

// Network is the message delivery model between view groups.
type Network struct {
	Delay Delay
	// LossPPM is the probability, in parts per million, that a message to a
	// view group is lost; always < 1_000_000.
	LossPPM    uint64
	Partitions []Partition
	// Views, when set, splits the validator groups into view groups that
	// stay connected but keep separate fork-choice stores and pools (nodes
	// in different places of the network, which an attacker can target
	// separately). Every validator group is in exactly one.
	Views []ViewGroup
}

// Delay is the per-message delay distribution. Dist is "fixed" (Ms),
// "uniform" (MinMs..MaxMs inclusive), "normal" (MeanMs, StddevMs, truncated
// at 0) or "exponential" (MeanMs); the fields the distribution does not use
// are zero.
type Delay struct {
	Dist                               string
	Ms, MinMs, MaxMs, MeanMs, StddevMs uint64
}

// Partition splits the network into view groups for the epochs
// [StartEpoch, EndEpoch). Every validator group is in exactly one view group.
type Partition struct {
	Name                 string
	StartEpoch, EndEpoch uint64
	Groups               []ViewGroup
	// Bridges are coalition validator groups that reach every view group
	// of the partition (an attacker connected to both sides).
	Bridges []string
}

// ViewGroup is a set of validator groups (by name) that see each other's
// messages during a partition.
type ViewGroup struct {
	Name    string
	Members []string
}

// Override is one --set NAME=VALUE from the command line.
type Override struct{ Name, Value string }

// ParseOverride splits "NAME=VALUE" as given to --set.
func ParseOverride(s string) (Override, error) {
	name, value, ok := strings.Cut(s, "=")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" || value == "" {
		return Override{}, fmt.Errorf("%w: %q: want NAME=VALUE", ErrOverride, s)
	}
	return Override{Name: name, Value: value}, nil
}

// TotalValidators returns the number of validators at genesis over all
// groups (the sum of the group counts). Validators that deposit waves add
// during the run are not included; DepositedValidators counts them.
func (s *Scenario) TotalValidators() int {
	n := 0
	for _, g := range s.Groups {
		n += g.Count
	}
	return n
}

// Param returns the param called name.
func (s *Scenario) Param(name string) (Param, bool) {
	for _, p := range s.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// SetEpochs replaces the run length, as --epochs does; n must be in
// [1, MaxEpochs]. Behaviour and partition windows that reach past the new
// end are allowed and simply end with the run; so are request waves and
// operator start epochs at or past it, which then never happen.
func (s *Scenario) SetEpochs(n uint64) error {
	if n < 1 || n > MaxEpochs {
		return &Error{Field: "epochs", Err: fmt.Errorf("%d is out of range [1, %d]", n, MaxEpochs)}
	}
	s.Epochs = n
	return nil
}

// SetSeed replaces the run seed, as --seed does. Every uint64 is a valid seed.
func (s *Scenario) SetSeed(seed uint64) { s.Seed = seed }

// SetBLS replaces the BLS mode, as --bls does.
func (s *Scenario) SetBLS(mode string) error {
	m, ok := parseBLS(mode)
	if !ok {
		return &Error{Field: "bls", Err: fmt.Errorf("%q is not one of full, aggregate, off", mode)}
	}
	s.BLS = m
	return nil
}

func parseBLS(s string) (BLSMode, bool) {
	switch m := BLSMode(s); m {
	case BLSFull, BLSAggregate, BLSOff:
		return m, true
	}
	return "", false
}

// Parse decodes and validates the scenario in data, applying overrides to
// its params before any "${...}" expression is evaluated. file names the
// source in positions and becomes Scenario.Source. On failure the error is
// an ErrorList of up to about 20 problems sorted by position. Parse never
// panics and never does I/O.
func Parse(file string, data []byte, overrides []Override) (*Scenario, error) {
	d := &decoder{file: file}
	s := d.decodeFile(data, overrides)
	if len(d.errs) > 0 || s == nil {
		if len(d.errs) == 0 {
			// A nil scenario without a reported problem would be a bug in
			// the decoder; report it rather than returning nothing.
			d.errs = append(d.errs, &Error{Pos: Pos{File: file}, Err: errors.New("invalid scenario")})
		}
		return nil, d.errs.finish()
	}
	s.Source = file
	s.YAML = append([]byte(nil), data...)
	return s, nil
}

// Load loads a built-in scenario by name or a scenario file by path. When
// both exist, the path wins only if nameOrPath contains a '/' or ends in
// .yaml or .yml; otherwise the built-in wins. A built-in's Source (and the
// file in its error positions) is "builtin:NAME".
func Load(nameOrPath string, overrides []Override) (*Scenario, error) {
	looksLikePath := strings.Contains(nameOrPath, "/") ||
		strings.HasSuffix(nameOrPath, ".yaml") || strings.HasSuffix(nameOrPath, ".yml")
	if !looksLikePath {
		if data, ok := BuiltinYAML(nameOrPath); ok {
			return Parse("builtin:"+nameOrPath, data, overrides)
		}
	}
	data, err := readInput(nameOrPath, maxInputBytes)
	if err != nil {
		var list ErrorList
		if errors.As(err, &list) {
			return nil, err
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %q (built-ins: %s)", ErrNotFound, nameOrPath, strings.Join(builtinNames(), ", "))
		}
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	return Parse(nameOrPath, data, overrides)
}
