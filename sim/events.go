package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// EventDetails is the typed details of one event: one struct per event
// kind (JustifiedDetails for EventJustified, and so on). EventKind names
// the kind the struct belongs to.
//
// events.jsonl is a contract: every struct marshals its keys in sorted
// order (the fields are declared in the alphabetical order of their JSON
// names), numbers as JSON numbers and hex roots as strings. A key is
// absent only where the struct says so (omitempty); a nil list is written
// as null. Add a field only in its sorted place (TestEventDetailsKeys
// checks the order).
type EventDetails interface {
	EventKind() string
}

// newEvent is the event of kind d.EventKind() with details d.
func newEvent(epoch, slot uint64, branch string, d EventDetails) Event {
	return Event{Epoch: epoch, Slot: slot, Kind: d.EventKind(), Branch: branch, Details: d}
}

// JustifiedDetails is the details of EventJustified: epoch processing on
// the event's branch justified a newer checkpoint (the state's current
// justified checkpoint moved up).
type JustifiedDetails struct {
	CheckpointEpoch uint64 `json:"checkpoint_epoch"` // epoch of the newly justified checkpoint
	Root            string `json:"root"`             // its block root: the first 8 bytes, 16 lowercase hex digits
}

// FinalizedDetails is the details of EventFinalized: epoch processing on
// the event's branch finalized a newer checkpoint.
type FinalizedDetails struct {
	CheckpointEpoch uint64 `json:"checkpoint_epoch"` // epoch of the newly finalized checkpoint
	Root            string `json:"root"`             // its block root: the first 8 bytes, 16 lowercase hex digits
}

// LeakStartedDetails is the details of EventLeakStarted: the event's
// branch entered the inactivity leak (too long since its last
// finalization).
type LeakStartedDetails struct {
	FinalizedEpoch uint64 `json:"finalized_epoch"` // the branch's finalized epoch when the leak started
}

// LeakEndedDetails is the details of EventLeakEnded: the event's branch
// left the inactivity leak (it finalized again).
type LeakEndedDetails struct {
	FinalizedEpoch uint64 `json:"finalized_epoch"` // the branch's finalized epoch when the leak ended
}

// SlashedDetails is the details of EventSlashed: a validator's slashed flag
// became set on the event's branch.
type SlashedDetails struct {
	Group     string `json:"group"`     // the validator's scenario group ("" for a validator of no group, always written)
	Validator uint64 `json:"validator"` // validator index
}

// EjectedDetails is the details of EventEjected: the event's branch
// ejected a validator whose effective balance fell to the ejection
// balance (its exit was initiated).
type EjectedDetails struct {
	BalanceGwei uint64 `json:"balance_gwei"` // its balance at the ejection, Gwei
	Group       string `json:"group"`        // the validator's scenario group ("" for none)
	Validator   uint64 `json:"validator"`    // validator index
}

// ExitedDetails is the details of EventExited: a validator's exit epoch
// was reached on the event's branch (it is no longer active).
type ExitedDetails struct {
	Group     string `json:"group"`     // the validator's scenario group ("" for none)
	Slashed   bool   `json:"slashed"`   // whether it was slashed
	Validator uint64 `json:"validator"` // validator index
}

// PartitionStartedDetails is the details of EventPartitionStarted: a
// scenario partition began; the views of its groups stop hearing each
// other. The event's branch is the summary branch as the last epoch
// boundary labelled it: the branch the partition splits (empty at epoch 0).
type PartitionStartedDetails struct {
	Groups    []string `json:"groups"`    // the partition's view groups, in scenario order (null if it lists none)
	Partition string   `json:"partition"` // the partition's name
}

// PartitionHealedDetails is the details of EventPartitionHealed: a
// scenario partition ended and the views sync the blocks they missed. The
// event's branch is the summary branch as the last epoch boundary labelled
// it (the main view's side of the partition).
type PartitionHealedDetails struct {
	Partition string `json:"partition"` // the partition's name
}

// BlockRejectedDetails is the details of EventBlockRejected: a block
// proposed from the event's view (its branch) failed to import.
type BlockRejectedDetails struct {
	Error    string `json:"error"`    // why the import failed
	Proposer uint64 `json:"proposer"` // the block's proposer index
}

// ReorgDetails is the details of EventReorg: an honest view's head moved
// to a block that does not descend from its previous head. The event's
// branch is the view.
type ReorgDetails struct {
	CommonAncestorSlot uint64 `json:"common_ancestor_slot"` // slot of the last block the old and new heads share
	Depth              uint64 `json:"depth"`                // blocks of the old head's chain abandoned
	NewHead            string `json:"new_head"`             // the new head's root: first 8 bytes, 16 hex digits
	OldHead            string `json:"old_head"`             // the old head's root, likewise
	View               string `json:"view"`                 // the view (the same as the event's branch)
}

// ProposerReorgDetails is the details of EventProposerReorg: an honest
// proposer of the view built its block on the parent of the view's head,
// which had arrived after the attestation deadline with few votes
// (get_proposer_head). The event's branch is the view.
type ProposerReorgDetails struct {
	Head       string `json:"head"`        // the re-orged head's root: first 8 bytes, 16 hex digits
	HeadSlot   uint64 `json:"head_slot"`   // its slot
	Parent     string `json:"parent"`      // the block built on instead, likewise
	ParentSlot uint64 `json:"parent_slot"` // its slot
	Proposer   uint64 `json:"proposer"`    // the proposer's validator index
	View       string `json:"view"`        // the view (the same as the event's branch)
}

// ConflictingFinalizationDetails is the details of
// EventConflictingFinalization: two views finalized checkpoints of which
// neither descends from the other (a safety failure). It concerns two
// branches, named in the details, so the event has no branch.
type ConflictingFinalizationDetails struct {
	BranchA string `json:"branch_a"` // the first view
	BranchB string `json:"branch_b"` // the second view
	// Cause is "equivocation" when at least a third of the stake broke a
	// slashing rule, "inactivity_leak" otherwise (the leak let the two
	// branches' validator sets drift apart).
	Cause       string `json:"cause"`
	CheckpointA string `json:"checkpoint_a"` // BranchA's finalized checkpoint, "EPOCH:ROOTPREFIX" (4 root bytes in hex)
	CheckpointB string `json:"checkpoint_b"` // BranchB's, likewise
	// SlashableFraction is SlashableGwei's share of the active effective
	// balance at the last common finalized block, rounded to 6 decimals.
	SlashableFraction float64 `json:"slashable_fraction"`
	SlashableGwei     uint64  `json:"slashable_gwei"` // effective balance (Gwei) of validators that signed two conflicting votes
}

// SlashingDetectedDetails is the details of EventSlashingDetected: a
// view's slasher found new evidence in one slot. The event's branch is
// the slasher's view.
type SlashingDetectedDetails struct {
	FirstValidator uint64 `json:"first_validator"` // the lowest index among the offenders
	Offence        string `json:"offence"`         // "double_vote", "surround_vote" or "double_proposal"
	Slasher        string `json:"slasher"`         // the slasher's view (the same as the event's branch)
	Validators     uint64 `json:"validators"`      // number of validators with new evidence against them
}

// BlockWithheldDetails is the details of EventBlockWithheld: a coalition
// kept a block private. The event's branch is the coalition's view.
type BlockWithheldDetails struct {
	Block    string `json:"block"`    // the block's root: first 8 bytes, 16 hex digits
	Proposer uint64 `json:"proposer"` // the block's proposer index
}

// BlocksReleasedDetails is the details of EventBlocksReleased: a
// coalition published the blocks and votes it had withheld. The event's
// branch is the coalition's view.
type BlocksReleasedDetails struct {
	Blocks uint64   `json:"blocks"` // blocks released
	To     []string `json:"to"`     // the views sent to, in scenario group order (null for none)
	Votes  uint64   `json:"votes"`  // votes (attestations) released
}

// BalancingStartedDetails is the details of EventBalancingStarted: the
// balancing attack split the honest views onto two branches, L and R. The
// event's branch is the view of the equivocating proposer.
type BalancingStartedDetails struct {
	BlockL string `json:"block_l"` // root of the block starting branch L: first 8 bytes, 16 hex digits
	BlockR string `json:"block_r"` // root of the block starting branch R, likewise
}

// BalancingEndedDetails is the details of EventBalancingEnded: the two
// honest views the balancing attack kept apart agree again (or the
// coalition stopped). The event's branch is the coalition's view.
//
// Its JSON has one key per view, "view_" + the view's name, whose value
// is the side its head was on: {"view_a":"L","view_b":"L"}. The keys are
// sorted; a second view of the same name would replace the first.
type BalancingEndedDetails struct {
	Views []BalancingView // ordered by name (as their JSON keys)
}

// BalancingView is the side of one honest view's head at the end of the
// balancing attack.
type BalancingView struct {
	View string // the view's name
	Side string // "L", "R" or "neither" (a head on neither branch)
}

// MarshalJSON writes the views as "view_"+name keys in sorted order, as a
// map[string]string would be written (and through the same string
// encoding: the caller's HTML escaping applies when it compacts the
// result).
func (d BalancingEndedDetails) MarshalJSON() ([]byte, error) {
	m := make(map[string]string, len(d.Views))
	for _, v := range d.Views {
		m["view_"+v.View] = v.Side
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads what MarshalJSON writes; every key must start with
// "view_".
func (d *BalancingEndedDetails) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	views := make([]BalancingView, 0, len(m))
	for k, side := range m {
		name, ok := strings.CutPrefix(k, "view_")
		if !ok {
			return fmt.Errorf("sim: %s details: key %q does not start with view_", EventBalancingEnded, k)
		}
		views = append(views, BalancingView{View: name, Side: side})
	}
	sort.Slice(views, func(i, j int) bool { return views[i].View < views[j].View })
	d.Views = views
	return nil
}

// ByzantineShareCrossedDetails is the details of
// EventByzantineShareCrossed: the summary branch's Byzantine share (the
// coalition groups' share of its active effective balance) went above or
// back to or below 1/3, 1/2 or 2/3. The event's branch is the summary
// branch.
type ByzantineShareCrossedDetails struct {
	Direction string  `json:"direction"` // "up" (now strictly above) or "down" (now at or below)
	Share     float64 `json:"share"`     // the share now, a fraction with 6 decimals (parts per million / 1e6)
	Threshold string  `json:"threshold"` // "1/3", "1/2" or "2/3"
}

// RestakingSlashedDetails is the details of EventRestakingSlashed: an AVS
// slash took restaked stake from an operator. Like every restaking event,
// it is on the summary branch, whose beacon state the restaking ledger
// follows; the event's branch is that branch.
type RestakingSlashedDetails struct {
	ActiveGwei uint64 `json:"active_gwei"` // taken from delegated (active) stake, Gwei
	AVS        string `json:"avs"`         // the slashing AVS (operator set)
	Buggy      bool   `json:"buggy"`       // a buggy or captured slash of an operator that did nothing wrong
	Burned     bool   `json:"burned"`      // the stake was burned (false: redistributed to Recipient)
	Gwei       uint64 `json:"gwei"`        // total restaked Gwei slashed: ActiveGwei + QueuedGwei
	Operator   string `json:"operator"`    // the slashed operator
	QueuedGwei uint64 `json:"queued_gwei"` // taken from withdrawals in their slashable window, Gwei
	// Recipient receives the slashed stake when the AVS redistributes it;
	// "" and absent from the JSON when it is burned.
	Recipient string `json:"recipient,omitempty"`
}

// RestakingSlashQueuedDetails is the details of EventRestakingSlashQueued:
// an AVS with a veto window queued a slash; it executes at ExecuteEpoch
// unless vetoed. The event is on the summary branch (see
// RestakingSlashedDetails).
type RestakingSlashQueuedDetails struct {
	AVS          string `json:"avs"`           // the slashing AVS (operator set)
	Buggy        bool   `json:"buggy"`         // a buggy or captured slash
	ExecuteEpoch uint64 `json:"execute_epoch"` // the epoch at which it executes
	Operator     string `json:"operator"`      // the operator to slash
	SlashID      uint64 `json:"slash_id"`      // the ledger's id of the queued slash
}

// AVSCompromisedDetails is the details of EventAVSCompromised: the
// Byzantine answerers of an AVS's task held at least its threshold of its
// slashable stake. The event is on the summary branch.
type AVSCompromisedDetails struct {
	AVS                string   `json:"avs"`                  // the AVS
	ByzantineStakeGwei uint64   `json:"byzantine_stake_gwei"` // slashable stake of the wrong answerers, Gwei
	Operators          []string `json:"operators"`            // the wrong answerers, in answer order
	ProfitGwei         uint64   `json:"profit_gwei"`          // π, the AVS's profit from corruption, Gwei
	ThresholdStakeGwei uint64   `json:"threshold_stake_gwei"` // the quorum stake, ceil(α·total), Gwei
	TotalStakeGwei     uint64   `json:"total_stake_gwei"`     // slashable stake of all answerers, Gwei
}

// RestakingExitsRequestedDetails is the details of
// EventRestakingExitsRequested: the engine sent EIP-7002 full-exit
// requests for an operator's validators to cover restaked stake that left
// the ledger (judged on the summary branch's state; the requests join the
// execution-layer pool every branch draws from). The event is on the
// summary branch.
type RestakingExitsRequestedDetails struct {
	BalanceGwei    uint64 `json:"balance_gwei"`    // the requested validators' balances, Gwei
	FirstValidator uint64 `json:"first_validator"` // index of the first requested validator
	Operator       string `json:"operator"`        // the restaking operator
	OwedGwei       uint64 `json:"owed_gwei"`       // what the operator still owes after these requests, Gwei
	Validators     uint64 `json:"validators"`      // number of validators requested
}

// AVSTaskFailedDetails is the details of EventAVSTaskFailed: an AVS's task
// of the epoch did not complete — the correct answers held less than its
// quorum of the set's slashable stake. The event is on the summary branch.
type AVSTaskFailedDetails struct {
	AVS              string `json:"avs"`                // the AVS
	CorrectStakeGwei uint64 `json:"correct_stake_gwei"` // slashable stake of the correct answers, Gwei
	QuorumStakeGwei  uint64 `json:"quorum_stake_gwei"`  // the stake a result needed, ceil(α·total), Gwei
	TotalStakeGwei   uint64 `json:"total_stake_gwei"`   // slashable stake of all answerers, Gwei
	WrongStakeGwei   uint64 `json:"wrong_stake_gwei"`   // slashable stake of the wrong answers, Gwei
}

// StakerWithdrawalQueuedDetails is the details of
// EventStakerWithdrawalQueued: a staker ran on its slashed operator and
// queued the withdrawal of everything it could withdraw. The event has no
// branch.
type StakerWithdrawalQueuedDetails struct {
	CompletableEpoch uint64 `json:"completable_epoch"` // the first epoch the withdrawal can complete
	Gwei             uint64 `json:"gwei"`              // the amount queued, Gwei
	Operator         string `json:"operator"`          // the staker's operator
	Staker           string `json:"staker"`            // the staker
	Withdrawal       uint64 `json:"withdrawal"`        // the ledger's withdrawal id
}

// StakerWithdrawalCompletedDetails is the details of
// EventStakerWithdrawalCompleted: a staker's queued withdrawal completed.
// The event is on the summary branch.
type StakerWithdrawalCompletedDetails struct {
	Gwei       uint64 `json:"gwei"`       // the amount paid out, Gwei
	Operator   string `json:"operator"`   // the staker's operator
	Staker     string `json:"staker"`     // the staker
	Withdrawal uint64 `json:"withdrawal"` // the ledger's withdrawal id
}

func (JustifiedDetails) EventKind() string                 { return EventJustified }
func (FinalizedDetails) EventKind() string                 { return EventFinalized }
func (LeakStartedDetails) EventKind() string               { return EventLeakStarted }
func (LeakEndedDetails) EventKind() string                 { return EventLeakEnded }
func (SlashedDetails) EventKind() string                   { return EventSlashed }
func (EjectedDetails) EventKind() string                   { return EventEjected }
func (ExitedDetails) EventKind() string                    { return EventExited }
func (PartitionStartedDetails) EventKind() string          { return EventPartitionStarted }
func (PartitionHealedDetails) EventKind() string           { return EventPartitionHealed }
func (BlockRejectedDetails) EventKind() string             { return EventBlockRejected }
func (ReorgDetails) EventKind() string                     { return EventReorg }
func (ProposerReorgDetails) EventKind() string             { return EventProposerReorg }
func (ConflictingFinalizationDetails) EventKind() string   { return EventConflictingFinalization }
func (SlashingDetectedDetails) EventKind() string          { return EventSlashingDetected }
func (BlockWithheldDetails) EventKind() string             { return EventBlockWithheld }
func (BlocksReleasedDetails) EventKind() string            { return EventBlocksReleased }
func (BalancingStartedDetails) EventKind() string          { return EventBalancingStarted }
func (BalancingEndedDetails) EventKind() string            { return EventBalancingEnded }
func (ByzantineShareCrossedDetails) EventKind() string     { return EventByzantineShareCrossed }
func (RestakingSlashedDetails) EventKind() string          { return EventRestakingSlashed }
func (RestakingSlashQueuedDetails) EventKind() string      { return EventRestakingSlashQueued }
func (AVSCompromisedDetails) EventKind() string            { return EventAVSCompromised }
func (RestakingExitsRequestedDetails) EventKind() string   { return EventRestakingExitsRequested }
func (AVSTaskFailedDetails) EventKind() string             { return EventAVSTaskFailed }
func (StakerWithdrawalQueuedDetails) EventKind() string    { return EventStakerWithdrawalQueued }
func (StakerWithdrawalCompletedDetails) EventKind() string { return EventStakerWithdrawalCompleted }

// detailsDecoders decodes the details of each kind into its struct.
var detailsDecoders = map[string]func([]byte) (EventDetails, error){
	EventJustified:                 decodeDetails[JustifiedDetails],
	EventFinalized:                 decodeDetails[FinalizedDetails],
	EventLeakStarted:               decodeDetails[LeakStartedDetails],
	EventLeakEnded:                 decodeDetails[LeakEndedDetails],
	EventSlashed:                   decodeDetails[SlashedDetails],
	EventEjected:                   decodeDetails[EjectedDetails],
	EventExited:                    decodeDetails[ExitedDetails],
	EventPartitionStarted:          decodeDetails[PartitionStartedDetails],
	EventPartitionHealed:           decodeDetails[PartitionHealedDetails],
	EventBlockRejected:             decodeDetails[BlockRejectedDetails],
	EventReorg:                     decodeDetails[ReorgDetails],
	EventProposerReorg:             decodeDetails[ProposerReorgDetails],
	EventConflictingFinalization:   decodeDetails[ConflictingFinalizationDetails],
	EventSlashingDetected:          decodeDetails[SlashingDetectedDetails],
	EventBlockWithheld:             decodeDetails[BlockWithheldDetails],
	EventBlocksReleased:            decodeDetails[BlocksReleasedDetails],
	EventBalancingStarted:          decodeDetails[BalancingStartedDetails],
	EventBalancingEnded:            decodeDetails[BalancingEndedDetails],
	EventByzantineShareCrossed:     decodeDetails[ByzantineShareCrossedDetails],
	EventRestakingSlashed:          decodeDetails[RestakingSlashedDetails],
	EventRestakingSlashQueued:      decodeDetails[RestakingSlashQueuedDetails],
	EventAVSCompromised:            decodeDetails[AVSCompromisedDetails],
	EventRestakingExitsRequested:   decodeDetails[RestakingExitsRequestedDetails],
	EventAVSTaskFailed:             decodeDetails[AVSTaskFailedDetails],
	EventStakerWithdrawalQueued:    decodeDetails[StakerWithdrawalQueuedDetails],
	EventStakerWithdrawalCompleted: decodeDetails[StakerWithdrawalCompletedDetails],
}

func decodeDetails[T EventDetails](raw []byte) (EventDetails, error) {
	var d T
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, err
	}
	return d, nil
}

// UnmarshalJSON reads one line of events.jsonl: the details become the
// struct of the event's kind (nil when the line has none). A kind the
// package does not know, or a details key its struct does not have, is an
// error.
func (ev *Event) UnmarshalJSON(b []byte) error {
	var raw struct {
		Epoch   uint64          `json:"epoch"`
		Slot    uint64          `json:"slot"`
		Kind    string          `json:"kind"`
		Branch  string          `json:"branch"`
		Details json.RawMessage `json:"details"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*ev = Event{Epoch: raw.Epoch, Slot: raw.Slot, Kind: raw.Kind, Branch: raw.Branch}
	if len(raw.Details) == 0 || string(raw.Details) == "null" {
		return nil
	}
	decode, ok := detailsDecoders[raw.Kind]
	if !ok {
		return fmt.Errorf("sim: event of unknown kind %q", raw.Kind)
	}
	d, err := decode(raw.Details)
	if err != nil {
		return fmt.Errorf("sim: %s event details: %w", raw.Kind, err)
	}
	ev.Details = d
	return nil
}
