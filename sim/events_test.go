package sim_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/sim"
)

// detailsCase is one details struct with every field set (so that
// omitempty keys appear), its kind and its JSON keys in the order
// events.jsonl has always written them, written out by hand. omitted are
// the keys its zero value leaves out; every other key must be written even
// when zero.
type detailsCase struct {
	kind    string
	full    sim.EventDetails
	zero    sim.EventDetails
	keys    []string
	omitted []string
}

var detailsCases = []detailsCase{
	{sim.EventJustified, sim.JustifiedDetails{CheckpointEpoch: 3, Root: "0011223344556677"}, sim.JustifiedDetails{},
		[]string{"checkpoint_epoch", "root"}, nil},
	{sim.EventFinalized, sim.FinalizedDetails{CheckpointEpoch: 2, Root: "8899aabbccddeeff"}, sim.FinalizedDetails{},
		[]string{"checkpoint_epoch", "root"}, nil},
	{sim.EventLeakStarted, sim.LeakStartedDetails{FinalizedEpoch: 8}, sim.LeakStartedDetails{},
		[]string{"finalized_epoch"}, nil},
	{sim.EventLeakEnded, sim.LeakEndedDetails{FinalizedEpoch: 9}, sim.LeakEndedDetails{},
		[]string{"finalized_epoch"}, nil},
	{sim.EventSlashed, sim.SlashedDetails{Group: "evil", Validator: 7}, sim.SlashedDetails{},
		[]string{"group", "validator"}, nil},
	{sim.EventEjected, sim.EjectedDetails{BalanceGwei: 16e9, Group: "a", Validator: 1}, sim.EjectedDetails{},
		[]string{"balance_gwei", "group", "validator"}, nil},
	{sim.EventExited, sim.ExitedDetails{Group: "a", Slashed: true, Validator: 2}, sim.ExitedDetails{},
		[]string{"group", "slashed", "validator"}, nil},
	{sim.EventPartitionStarted, sim.PartitionStartedDetails{Groups: []string{"a", "b"}, Partition: "split"}, sim.PartitionStartedDetails{},
		[]string{"groups", "partition"}, nil},
	{sim.EventPartitionHealed, sim.PartitionHealedDetails{Partition: "split"}, sim.PartitionHealedDetails{},
		[]string{"partition"}, nil},
	{sim.EventBlockRejected, sim.BlockRejectedDetails{Error: "bad", Proposer: 4}, sim.BlockRejectedDetails{},
		[]string{"error", "proposer"}, nil},
	{sim.EventReorg, sim.ReorgDetails{CommonAncestorSlot: 40, Depth: 2, NewHead: "aa", OldHead: "bb", View: "a"}, sim.ReorgDetails{},
		[]string{"common_ancestor_slot", "depth", "new_head", "old_head", "view"}, nil},
	{sim.EventProposerReorg, sim.ProposerReorgDetails{Head: "aa", HeadSlot: 9, Parent: "bb", ParentSlot: 8, Proposer: 3, View: "a"}, sim.ProposerReorgDetails{},
		[]string{"head", "head_slot", "parent", "parent_slot", "proposer", "view"}, nil},
	{sim.EventConflictingFinalization, sim.ConflictingFinalizationDetails{BranchA: "a", BranchB: "b", Cause: "equivocation",
		CheckpointA: "5:00112233", CheckpointB: "5:44556677", SlashableFraction: 0.34, SlashableGwei: 1}, sim.ConflictingFinalizationDetails{},
		[]string{"branch_a", "branch_b", "cause", "checkpoint_a", "checkpoint_b", "slashable_fraction", "slashable_gwei"}, nil},
	{sim.EventSlashingDetected, sim.SlashingDetectedDetails{FirstValidator: 3, Offence: "double_vote", Slasher: "a", Validators: 5}, sim.SlashingDetectedDetails{},
		[]string{"first_validator", "offence", "slasher", "validators"}, nil},
	{sim.EventBlockWithheld, sim.BlockWithheldDetails{Block: "cc", Proposer: 9}, sim.BlockWithheldDetails{},
		[]string{"block", "proposer"}, nil},
	{sim.EventBlocksReleased, sim.BlocksReleasedDetails{Blocks: 2, To: []string{"a"}, Votes: 30}, sim.BlocksReleasedDetails{},
		[]string{"blocks", "to", "votes"}, nil},
	{sim.EventBalancingStarted, sim.BalancingStartedDetails{BlockL: "dd", BlockR: "ee"}, sim.BalancingStartedDetails{},
		[]string{"block_l", "block_r"}, nil},
	{sim.EventBalancingEnded, sim.BalancingEndedDetails{Views: []sim.BalancingView{{View: "b", Side: "L"}, {View: "a", Side: "R"}}}, sim.BalancingEndedDetails{},
		[]string{"view_a", "view_b"}, []string{"view_a", "view_b"}},
	{sim.EventByzantineShareCrossed, sim.ByzantineShareCrossedDetails{Direction: "up", Share: 0.34, Threshold: "1/3"}, sim.ByzantineShareCrossedDetails{},
		[]string{"direction", "share", "threshold"}, nil},
	{sim.EventRestakingSlashed, sim.RestakingSlashedDetails{ActiveGwei: 1, AVS: "oracle", Buggy: true, Burned: true, Gwei: 3,
		Operator: "op", QueuedGwei: 2, Recipient: "treasury"}, sim.RestakingSlashedDetails{},
		[]string{"active_gwei", "avs", "buggy", "burned", "gwei", "operator", "queued_gwei", "recipient"}, []string{"recipient"}},
	{sim.EventRestakingSlashQueued, sim.RestakingSlashQueuedDetails{AVS: "oracle", Buggy: true, ExecuteEpoch: 2, Operator: "op", SlashID: 1}, sim.RestakingSlashQueuedDetails{},
		[]string{"avs", "buggy", "execute_epoch", "operator", "slash_id"}, nil},
	{sim.EventAVSCompromised, sim.AVSCompromisedDetails{AVS: "bridge", ByzantineStakeGwei: 1, Operators: []string{"eve"}, ProfitGwei: 2,
		ThresholdStakeGwei: 3, TotalStakeGwei: 4}, sim.AVSCompromisedDetails{},
		[]string{"avs", "byzantine_stake_gwei", "operators", "profit_gwei", "threshold_stake_gwei", "total_stake_gwei"}, nil},
	{sim.EventRestakingExitsRequested, sim.RestakingExitsRequestedDetails{BalanceGwei: 1, FirstValidator: 2, Operator: "op", OwedGwei: 3, Validators: 4},
		sim.RestakingExitsRequestedDetails{},
		[]string{"balance_gwei", "first_validator", "operator", "owed_gwei", "validators"}, nil},
	{sim.EventAVSTaskFailed, sim.AVSTaskFailedDetails{AVS: "da", CorrectStakeGwei: 1, QuorumStakeGwei: 2, TotalStakeGwei: 3, WrongStakeGwei: 4}, sim.AVSTaskFailedDetails{},
		[]string{"avs", "correct_stake_gwei", "quorum_stake_gwei", "total_stake_gwei", "wrong_stake_gwei"}, nil},
	{sim.EventStakerWithdrawalQueued, sim.StakerWithdrawalQueuedDetails{CompletableEpoch: 3, Gwei: 1, Operator: "op", Staker: "s", Withdrawal: 1},
		sim.StakerWithdrawalQueuedDetails{},
		[]string{"completable_epoch", "gwei", "operator", "staker", "withdrawal"}, nil},
	{sim.EventStakerWithdrawalCompleted, sim.StakerWithdrawalCompletedDetails{Gwei: 1, Operator: "op", Staker: "s", Withdrawal: 1},
		sim.StakerWithdrawalCompletedDetails{},
		[]string{"gwei", "operator", "staker", "withdrawal"}, nil},
	{sim.EventOracleReport, sim.OracleReportDetails{Accepted: true, BeaconBalanceGwei: 1, Exited: 2, Protocol: "lido", RebaseGwei: -3,
		Rejection: "no", ReportEpoch: 4, ShareRate: "1.000000000000000000", Slashings: 5, Validators: 6}, sim.OracleReportDetails{},
		[]string{"accepted", "beacon_balance_gwei", "exited", "protocol", "rebase_gwei", "rejection", "report_epoch", "share_rate", "slashings", "validators"},
		[]string{"rejection"}},
	{sim.EventNegativeRebase, sim.NegativeRebaseDetails{Protocol: "lido", RateAfter: "0.9", RateBefore: "1.0", RebaseGwei: -1, ReportEpoch: 2},
		sim.NegativeRebaseDetails{}, []string{"protocol", "rate_after", "rate_before", "rebase_gwei", "report_epoch"}, nil},
	{sim.EventBunkerStarted, sim.BunkerStartedDetails{Protocol: "lido", ReportEpoch: 2, SinceEpoch: 1}, sim.BunkerStartedDetails{},
		[]string{"protocol", "report_epoch", "since_epoch"}, nil},
	{sim.EventBunkerEnded, sim.BunkerEndedDetails{DurationEpochs: 3, Protocol: "lido", ReportEpoch: 4}, sim.BunkerEndedDetails{},
		[]string{"duration_epochs", "protocol", "report_epoch"}, nil},
	{sim.EventExitsRequested, sim.ExitsRequestedDetails{BalanceGwei: 1, FirstValidator: 2, Method: "voluntary", Protocol: "lido", Validators: 3},
		sim.ExitsRequestedDetails{}, []string{"balance_gwei", "first_validator", "method", "protocol", "validators"}, nil},
	{sim.EventWithdrawalFinalized, sim.WithdrawalFinalizedDetails{AmountGwei: 1, FirstRequest: 2, LastRequest: 3, PaidGwei: 1, Protocol: "lido",
		Rate: "0.9", Requests: 2}, sim.WithdrawalFinalizedDetails{},
		[]string{"amount_gwei", "first_request", "last_request", "paid_gwei", "protocol", "rate", "requests"}, nil},
}

// allKinds are the event kinds of sim/metrics.go, written out by hand.
var allKinds = []string{
	"justified", "finalized", "leak_started", "leak_ended", "slashed", "ejected", "exited",
	"partition_started", "partition_healed", "block_rejected", "reorg", "proposer_reorg", "conflicting_finalization",
	"slashing_detected", "block_withheld", "blocks_released", "balancing_started", "balancing_ended",
	"byzantine_share_crossed", "restaking_slashed", "restaking_slash_queued", "avs_compromised",
	"restaking_exits_requested", "avs_task_failed", "staker_withdrawal_queued", "staker_withdrawal_completed",
	"oracle_report", "negative_rebase", "bunker_started", "bunker_ended", "exits_requested", "withdrawal_finalized",
}

// encodeLine encodes v as the output writer does: compact, no HTML
// escaping, one line.
func encodeLine(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// objectKeys returns the keys of a JSON object in the order they appear.
func objectKeys(t *testing.T, data []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s: not an object", data)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestEventDetailsKeys: every details struct writes exactly its documented
// keys, in sorted order (as the map[string]any details of earlier versions
// did), keeps its zero-valued keys, and belongs to its kind; every kind
// has one struct.
func TestEventDetailsKeys(t *testing.T) {
	var kinds []string
	for _, c := range detailsCases {
		kinds = append(kinds, c.kind)
		if got := c.full.EventKind(); got != c.kind {
			t.Errorf("%T.EventKind() = %q, want %q", c.full, got, c.kind)
		}
		if got := c.zero.EventKind(); got != c.kind {
			t.Errorf("%T.EventKind() = %q, want %q", c.zero, got, c.kind)
		}
		data, err := json.Marshal(c.full)
		if err != nil {
			t.Fatal(err)
		}
		keys := objectKeys(t, data)
		if !slices.Equal(keys, c.keys) {
			t.Errorf("%s: keys %v, want %v (%s)", c.kind, keys, c.keys, data)
		}
		if !slices.IsSorted(keys) {
			t.Errorf("%s: keys %v are not sorted", c.kind, keys)
		}
		data, err = json.Marshal(c.zero)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, k := range c.keys {
			if !slices.Contains(c.omitted, k) {
				want = append(want, k)
			}
		}
		if keys := objectKeys(t, data); !slices.Equal(keys, want) {
			t.Errorf("%s zero value: keys %v, want %v (%s)", c.kind, keys, want, data)
		}
	}
	if !slices.Equal(kinds, allKinds) {
		t.Errorf("details cases cover kinds %v, want %v", kinds, allKinds)
	}
	for _, k := range []string{sim.EventJustified, sim.EventFinalized, sim.EventLeakStarted, sim.EventLeakEnded,
		sim.EventSlashed, sim.EventEjected, sim.EventExited, sim.EventPartitionStarted, sim.EventPartitionHealed,
		sim.EventBlockRejected, sim.EventReorg, sim.EventProposerReorg, sim.EventConflictingFinalization, sim.EventSlashingDetected,
		sim.EventBlockWithheld, sim.EventBlocksReleased, sim.EventBalancingStarted, sim.EventBalancingEnded,
		sim.EventByzantineShareCrossed, sim.EventRestakingSlashed, sim.EventRestakingSlashQueued,
		sim.EventAVSCompromised, sim.EventRestakingExitsRequested, sim.EventAVSTaskFailed,
		sim.EventStakerWithdrawalQueued, sim.EventStakerWithdrawalCompleted, sim.EventOracleReport, sim.EventNegativeRebase,
		sim.EventBunkerStarted, sim.EventBunkerEnded, sim.EventExitsRequested, sim.EventWithdrawalFinalized} {
		if !slices.Contains(allKinds, k) {
			t.Errorf("kind %q has no details case", k)
		}
	}
}

// TestEventDetailsLikeMaps: typed details write the bytes the
// map[string]any details of earlier versions wrote, nil lists (null) and
// HTML characters included, through the writer's encoder and json.Marshal.
func TestEventDetailsLikeMaps(t *testing.T) {
	for _, c := range []struct {
		typed sim.EventDetails
		old   map[string]any
	}{
		{sim.PartitionStartedDetails{Partition: "p"}, map[string]any{"partition": "p", "groups": []string(nil)}},
		{sim.BlocksReleasedDetails{Blocks: 1, Votes: 0}, map[string]any{"blocks": 1, "votes": 0, "to": []string(nil)}},
		{sim.AVSCompromisedDetails{AVS: "a&b", Operators: []string{}}, map[string]any{"avs": "a&b", "operators": []string{},
			"byzantine_stake_gwei": uint64(0), "total_stake_gwei": uint64(0), "threshold_stake_gwei": uint64(0), "profit_gwei": uint64(0)}},
		{sim.ByzantineShareCrossedDetails{Direction: "down", Share: 1.0 / 3, Threshold: "1/3"}, map[string]any{"threshold": "1/3", "share": 1.0 / 3, "direction": "down"}},
		{sim.ConflictingFinalizationDetails{SlashableFraction: 1e-7}, map[string]any{"branch_a": "", "checkpoint_a": "", "branch_b": "", "checkpoint_b": "",
			"slashable_gwei": uint64(0), "slashable_fraction": 1e-7, "cause": ""}},
		{sim.RestakingSlashedDetails{AVS: "x", Burned: true}, map[string]any{"avs": "x", "operator": "", "gwei": uint64(0),
			"active_gwei": uint64(0), "queued_gwei": uint64(0), "buggy": false, "burned": true}},
		{sim.BalancingEndedDetails{Views: []sim.BalancingView{{View: "z<", Side: "L"}, {View: "a\u2028", Side: "neither"}}},
			map[string]any{"view_z<": "L", "view_a\u2028": "neither"}},
		{sim.BalancingEndedDetails{Views: []sim.BalancingView{{View: "a", Side: "L"}, {View: "a", Side: "R"}}},
			map[string]any{"view_a": "R"}},
	} {
		ev := sim.Event{Epoch: 1, Slot: 2, Kind: c.typed.EventKind(), Branch: "b", Details: c.typed}
		old := struct {
			Epoch   uint64         `json:"epoch"`
			Slot    uint64         `json:"slot"`
			Kind    string         `json:"kind"`
			Branch  string         `json:"branch,omitempty"`
			Details map[string]any `json:"details,omitempty"`
		}{ev.Epoch, ev.Slot, ev.Kind, ev.Branch, c.old}
		if got, want := encodeLine(t, ev), encodeLine(t, old); !bytes.Equal(got, want) {
			t.Errorf("writer encoding:\n got %s\nwant %s", got, want)
		}
		got, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(old)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("json.Marshal:\n got %s\nwant %s", got, want)
		}
	}
	// No details: no key, as with a nil map.
	if got := string(encodeLine(t, sim.Event{Epoch: 1, Kind: sim.EventPartitionHealed})); got != `{"epoch":1,"slot":0,"kind":"partition_healed"}`+"\n" {
		t.Errorf("event without details: %s", got)
	}
}

// TestEventRoundTrip: every line of the golden events.jsonl files decodes
// into its kind's struct (no unknown key) and encodes back to the same
// bytes.
func TestEventRoundTrip(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*", "events.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden events files (%v)", err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var ev sim.Event
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Fatalf("%s: %v\n%s", f, err, sc.Bytes())
			}
			if ev.Details == nil || ev.Details.EventKind() != ev.Kind {
				t.Fatalf("%s: %s event decoded with details %T", f, ev.Kind, ev.Details)
			}
			seen[ev.Kind] = true
			if got := encodeLine(t, ev); !bytes.Equal(got, append(sc.Bytes(), '\n')) {
				t.Fatalf("%s: round trip\n got %s\nwant %s", f, got, sc.Bytes())
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) < 15 {
		t.Errorf("golden files hold only the kinds %v", seen)
	}
	// The hand-made values of every kind round-trip too.
	for _, c := range detailsCases {
		ev := sim.Event{Epoch: 1, Slot: 2, Kind: c.kind, Details: c.full}
		line := encodeLine(t, ev)
		var back sim.Event
		if err := json.Unmarshal(line, &back); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if got := encodeLine(t, back); !bytes.Equal(got, line) {
			t.Errorf("round trip\n got %s\nwant %s", got, line)
		}
	}
}

func TestEventUnmarshalErrors(t *testing.T) {
	for _, line := range []string{
		`{"epoch":1,"slot":2,"kind":"no_such_kind","details":{"a":1}}`,
		`{"epoch":1,"slot":2,"kind":"slashed","details":{"group":"a","validator":1,"extra":2}}`,
		`{"epoch":1,"slot":2,"kind":"slashed","details":{"group":1,"validator":1}}`,
		`{"epoch":1,"slot":2,"kind":"balancing_ended","details":{"a":"L"}}`,
	} {
		var ev sim.Event
		if err := json.Unmarshal([]byte(line), &ev); err == nil {
			t.Errorf("%s decoded without error: %+v", line, ev)
		} else if !strings.Contains(err.Error(), "sim:") {
			t.Errorf("%s: error %v does not name the package", line, err)
		}
	}
	var ev sim.Event
	if err := json.Unmarshal([]byte(`{"epoch":1,"slot":2,"kind":"no_such_kind"}`), &ev); err != nil || ev.Details != nil || ev.Kind != "no_such_kind" {
		t.Errorf("event without details: %+v, %v", ev, err)
	}
}
