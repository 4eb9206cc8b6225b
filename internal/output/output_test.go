package output

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stakesim/stakesim/sim"
)

// documentedColumns is the header of epochs.csv as documented for users.
var documentedColumns = []string{
	"epoch", "branch", "justified_epoch", "finalized_epoch", "target_participation",
	"active_validators", "total_active_balance_gwei", "total_balance_gwei",
	"in_inactivity_leak", "slashed_validators", "exited_validators", "proposals",
	"missed_proposals", "aggregates_verified", "signatures", "verify_failures",
	"issuance_gwei", "penalties_gwei", "attacker_stake_share", "honest_balance_gwei",
	"attacker_balance_gwei", "slashable_stake_gwei",
	"compounding_validators", "max_effective_balance_gwei", "pending_deposits",
	"pending_consolidations", "consolidation_churn_gwei", "consolidated_gwei",
	"activation_exit_churn_gwei", "exit_queue_epochs", "attestation_bytes",
	"restaked_gwei", "byzantine_share", "avs_compromised", "operators_slashed",
	"restaking_slashed_gwei", "pending_withdrawals_gwei", "block_attestations",
	"sync_participation", "sync_rewards_gwei", "sync_penalties_gwei", "voluntary_exits", "bls_changes",
}

// snake converts a Go field name to snake_case, keeping runs of capitals
// (PPM) together.
func snake(name string) string {
	var sb strings.Builder
	rs := []rune(name)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			prevLower := i > 0 && unicode.IsLower(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1]) && i > 0 && unicode.IsUpper(rs[i-1])
			if prevLower || nextLower {
				sb.WriteByte('_')
			}
			sb.WriteRune(unicode.ToLower(r))
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

func TestColumnsMatchEpochRow(t *testing.T) {
	typ := reflect.TypeOf(sim.EpochRow{})
	if got := len(Columns()); got != typ.NumField() {
		t.Fatalf("len(Columns()) = %d, sim.EpochRow has %d fields", got, typ.NumField())
	}
	if !slices.Equal(Columns(), documentedColumns) {
		t.Fatalf("Columns() = %v\nwant documented %v", Columns(), documentedColumns)
	}
	for i := range typ.NumField() {
		want := strings.TrimSuffix(snake(typ.Field(i).Name), "_ppm")
		if Columns()[i] != want {
			t.Errorf("column %d = %q, field %s gives %q", i, Columns()[i], typ.Field(i).Name, want)
		}
	}
}

func TestFormatPPM(t *testing.T) {
	tests := []struct {
		ppm  uint64
		want string
	}{
		{0, "0.000000"},
		{1, "0.000001"},
		{10, "0.000010"},
		{12345, "0.012345"},
		{500000, "0.500000"},
		{999999, "0.999999"},
		{1000000, "1.000000"},
		{1000001, "1.000001"},
		{1234567, "1.234567"},
		{^uint64(0), "18446744073709.551615"},
	}
	for _, tt := range tests {
		if got := FormatPPM(tt.ppm); got != tt.want {
			t.Errorf("FormatPPM(%d) = %q, want %q", tt.ppm, got, tt.want)
		}
	}
}

// TestEpochRowFieldOrder writes a row whose every field has a distinct value
// and checks that each column holds its own field.
func TestEpochRowFieldOrder(t *testing.T) {
	var row sim.EpochRow
	v := reflect.ValueOf(&row).Elem()
	want := make([]string, v.NumField())
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Uint64:
			n := uint64(1000 + i)
			f.SetUint(n)
			want[i] = strconv.FormatUint(n, 10)
			if name := v.Type().Field(i).Name; name == "TargetParticipationPPM" || name == "AttackerStakeSharePPM" || name == "ByzantineSharePPM" || name == "SyncParticipationPPM" {
				want[i] = "0.00" + strconv.FormatUint(n, 10) // 1004 ppm = 0.001004
			}
		case reflect.String:
			f.SetString("a+b")
			want[i] = "a+b"
		case reflect.Bool:
			f.SetBool(true)
			want[i] = "1"
		default:
			t.Fatalf("field %s has kind %s, not handled by the writer test", v.Type().Field(i).Name, f.Kind())
		}
	}
	dir := filepath.Join(t.TempDir(), "run")
	w, err := Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Epoch(row); err != nil {
		t.Fatal(err)
	}
	row.InInactivityLeak = false
	if err := w.Epoch(row); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(&sim.Summary{}, &sim.Timing{}); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, filepath.Join(dir, EpochsFile))
	if len(recs) != 3 {
		t.Fatalf("got %d lines, want header + 2", len(recs))
	}
	if !slices.Equal(recs[0], documentedColumns) {
		t.Errorf("header = %v", recs[0])
	}
	if !slices.Equal(recs[1], want) {
		t.Errorf("row = %v\nwant  %v", recs[1], want)
	}
	if got := recs[2][8]; got != "0" {
		t.Errorf("in_inactivity_leak false written as %q, want 0", got)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestAbortLeavesNothing(t *testing.T) {
	parent := t.TempDir()
	w, err := Create(filepath.Join(parent, "run"), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries(t, parent)) != 1 {
		t.Fatalf("Create should make exactly one temporary directory, got %v", entries(t, parent))
	}
	if err := w.Epoch(sim.EpochRow{Epoch: 1, Branch: "main"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Event(sim.Event{Epoch: 1, Kind: sim.EventJustified}); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	w.Abort() // idempotent
	if got := entries(t, parent); len(got) != 0 {
		t.Fatalf("after Abort the parent holds %v, want nothing", got)
	}
	if err := w.Epoch(sim.EpochRow{}); err == nil {
		t.Error("Epoch after Abort succeeded")
	}
	if err := w.Finish(&sim.Summary{}, &sim.Timing{}); err == nil {
		t.Error("Finish after Abort succeeded")
	}
}

func TestCreateRefusesNonEmptyDir(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "run")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(dir, "keep.txt")
	if err := os.WriteFile(keep, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := Create(dir, false)
	if !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("Create on a non-empty dir: w=%v err=%v, want ErrNotEmpty", w, err)
	}
	if got := entries(t, parent); !slices.Equal(got, []string{"run"}) {
		t.Errorf("parent holds %v after the refusal, want only run", got)
	}
	if got := entries(t, dir); !slices.Equal(got, []string{"keep.txt"}) {
		t.Errorf("dir holds %v after the refusal", got)
	}
}

func TestCreateRefusesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, force := range []bool{false, true} {
		if _, err := Create(path, force); err == nil {
			t.Errorf("Create(file, force=%v) succeeded", force)
		}
	}
}

func TestEmptyDirIsReplaced(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "run")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(&sim.Summary{}, &sim.Timing{}); err != nil {
		t.Fatal(err)
	}
	want := []string{MarkerFile, EpochsFile, EventsFile, GroupsFile, BlocksFile, SummaryFile, TimingFile}
	slices.Sort(want)
	if got := entries(t, dir); !slices.Equal(got, want) {
		t.Errorf("dir holds %v, want %v", got, want)
	}
	if got := entries(t, parent); !slices.Equal(got, []string{"run"}) {
		t.Errorf("parent holds %v, want only run", got)
	}
}

// TestForceMovesOldAside: with force the earlier run waits in a sibling
// while the new one writes in place, and goes at Finish.
func TestForceMovesOldAside(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "run")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "old.txt"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeMarkerFile(t, dir) // an earlier run's directory
	w, err := Create(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Epoch(sim.EpochRow{Epoch: 0, Branch: "main"}); err != nil {
		t.Fatal(err)
	}
	if err := w.EndEpoch(0); err != nil {
		t.Fatal(err)
	}
	if got := entries(t, w.aside); !slices.Equal(got, []string{".stakesim-run", "old.txt", "sub"}) {
		t.Fatalf("before Finish the earlier run's sibling holds %v, want the old contents", got)
	}
	if got := entries(t, dir); !slices.Equal(got, []string{".stakesim-run", "blocks.csv", "epochs.csv", "events.jsonl", "groups.csv"}) {
		t.Fatalf("before Finish dir holds %v, want the new run's files", got)
	}
	if err := w.Finish(&sim.Summary{}, &sim.Timing{}); err != nil {
		t.Fatal(err)
	}
	want := []string{MarkerFile, EpochsFile, EventsFile, GroupsFile, BlocksFile, SummaryFile, TimingFile}
	slices.Sort(want)
	if got := entries(t, dir); !slices.Equal(got, want) {
		t.Errorf("after Finish dir holds %v, want %v", got, want)
	}
	if got := entries(t, parent); !slices.Equal(got, []string{"run"}) {
		t.Errorf("parent holds %v, want only run", got)
	}
}

func TestForceAbortKeepsOldContents(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "run")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "old.txt"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeMarkerFile(t, dir)
	w, err := Create(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if got := entries(t, dir); !slices.Equal(got, []string{".stakesim-run", "old.txt"}) {
		t.Errorf("after Abort dir holds %v, want the old contents", got)
	}
	if got := entries(t, parent); !slices.Equal(got, []string{"run"}) {
		t.Errorf("parent holds %v, want only run", got)
	}
}

// TestFilesAndHash checks the events.jsonl lines, the layout of summary.json
// and that outputs_sha256 is the SHA-256 of epochs.csv followed by
// events.jsonl.
func TestFilesAndHash(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "run")
	w, err := Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	for e := range uint64(3) {
		if err := w.Epoch(sim.EpochRow{Epoch: e, Branch: "main", TargetParticipationPPM: 1000000}); err != nil {
			t.Fatal(err)
		}
	}
	evs := []sim.Event{
		{Epoch: 2, Slot: 64, Kind: sim.EventBlockRejected, Branch: "main", Details: sim.BlockRejectedDetails{Proposer: 1, Error: "x<y"}},
		{Epoch: 3, Slot: 96, Kind: sim.EventPartitionStarted, Branch: "g0+g1"},
	}
	for _, ev := range evs {
		if err := w.Event(ev); err != nil {
			t.Fatal(err)
		}
	}
	summary := &sim.Summary{Scenario: "baseline", Seed: 7}
	if err := w.Finish(summary, &sim.Timing{TotalSeconds: 1.5}); err != nil {
		t.Fatal(err)
	}

	epochs, err := os.ReadFile(filepath.Join(dir, EpochsFile))
	if err != nil {
		t.Fatal(err)
	}
	events, err := os.ReadFile(filepath.Join(dir, EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	wantEvents := `{"epoch":2,"slot":64,"kind":"block_rejected","branch":"main","details":{"error":"x<y","proposer":1}}` + "\n" +
		`{"epoch":3,"slot":96,"kind":"partition_started","branch":"g0+g1"}` + "\n"
	if string(events) != wantEvents {
		t.Errorf("events.jsonl =\n%s\nwant\n%s", events, wantEvents)
	}
	if !strings.HasPrefix(string(epochs), strings.Join(documentedColumns, ",")+"\n0,main,0,0,1.000000,") {
		t.Errorf("epochs.csv starts %q", epochs[:min(len(epochs), 300)])
	}

	h := sha256.Sum256(append(append([]byte{}, epochs...), events...))
	wantSum := hex.EncodeToString(h[:])
	if summary.OutputsSHA256 != wantSum {
		t.Errorf("summary.OutputsSHA256 = %s, want %s", summary.OutputsSHA256, wantSum)
	}

	raw, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(raw, []byte("}\n")) || !bytes.Contains(raw, []byte("\n  \"scenario\": \"baseline\",\n")) {
		t.Errorf("summary.json is not indented by 2 with a trailing newline:\n%s", raw)
	}
	var got sim.Summary
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.OutputsSHA256 != wantSum || got.Seed != 7 {
		t.Errorf("summary.json has outputs_sha256=%s seed=%d", got.OutputsSHA256, got.Seed)
	}
	raw, err = os.ReadFile(filepath.Join(dir, TimingFile))
	if err != nil {
		t.Fatal(err)
	}
	var timing sim.Timing
	if err := json.Unmarshal(raw, &timing); err != nil || timing.TotalSeconds != 1.5 || !bytes.HasSuffix(raw, []byte("}\n")) {
		t.Errorf("timing.json = %s (err %v)", raw, err)
	}
	if err := w.Epoch(sim.EpochRow{}); err == nil {
		t.Error("Epoch after Finish succeeded")
	}
}

// TestAVSFileOnlyWithRows: avs.csv exists only when AVS rows were written,
// with the documented header and each field in its column.
func TestAVSFileOnlyWithRows(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plain")
	w, err := Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(&sim.Summary{}, &sim.Timing{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, AVSFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("avs.csv written without AVS rows (stat err %v)", err)
	}

	dir = filepath.Join(t.TempDir(), "restaking")
	w, err = Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	rows := []sim.AVSRow{
		{Epoch: 3, AVS: "oracle", AllocatedStakeGwei: 11, CostOfCorruptionGwei: 12, ProfitFromCorruptionGwei: 13, Secure: true, SlashedGwei: 14},
		{Epoch: 3, AVS: "bridge", AllocatedStakeGwei: 21, CostOfCorruptionGwei: 22, ProfitFromCorruptionGwei: 23, Secure: false, SlashedGwei: 24},
	}
	for _, r := range rows {
		if err := w.AVS(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finish(&sim.Summary{}, &sim.Timing{}); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, filepath.Join(dir, AVSFile))
	want := [][]string{
		{"epoch", "avs", "allocated_stake_gwei", "cost_of_corruption_gwei", "profit_from_corruption_gwei", "secure", "slashed_gwei"},
		{"3", "oracle", "11", "12", "13", "1", "14"},
		{"3", "bridge", "21", "22", "23", "0", "24"},
	}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("avs.csv = %v\nwant %v", recs, want)
	}
	typ := reflect.TypeOf(sim.AVSRow{})
	if typ.NumField() != len(AVSColumns()) {
		t.Fatalf("sim.AVSRow has %d fields, AVSColumns %d", typ.NumField(), len(AVSColumns()))
	}
	for i := range typ.NumField() {
		if got := snake(typ.Field(i).Name); got != AVSColumns()[i] {
			t.Errorf("avs column %d = %q, field %s gives %q", i, AVSColumns()[i], typ.Field(i).Name, got)
		}
	}
}

// TestEndEpochReachesTheFile: after EndEpoch a reader of epochs.csv and
// events.jsonl (tail -f) sees every row and event sent so far.
func TestEndEpochReachesTheFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	w, err := Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	for e := range uint64(2) {
		if err := w.Epoch(sim.EpochRow{Epoch: e, Branch: "main"}); err != nil {
			t.Fatal(err)
		}
		if err := w.Event(sim.Event{Epoch: e, Kind: "justified"}); err != nil {
			t.Fatal(err)
		}
		if err := w.EndEpoch(e); err != nil {
			t.Fatal(err)
		}
		rows, err := os.ReadFile(filepath.Join(dir, EpochsFile))
		if err != nil {
			t.Fatal(err)
		}
		events, err := os.ReadFile(filepath.Join(dir, EventsFile))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(string(rows), "\n"); got != int(e)+2 { // header + rows
			t.Errorf("after epoch %d epochs.csv has %d lines, want %d", e, got, e+2)
		}
		if got := strings.Count(string(events), "\n"); got != int(e)+1 {
			t.Errorf("after epoch %d events.jsonl has %d lines, want %d", e, got, e+1)
		}
	}
}

// TestGroupAndBlockColumns: groups.csv's and blocks.csv's headers are the
// documented columns, the snake_case names of sim.GroupRow's and
// sim.BlockRow's fields in order (a _ppm unit dropped: the figure is
// written with 6 decimals).
func TestGroupAndBlockColumns(t *testing.T) {
	for _, c := range []struct {
		typ        reflect.Type
		columns    []string
		documented []string
	}{
		{reflect.TypeOf(sim.GroupRow{}), GroupColumns(), []string{"epoch", "branch", "group", "validators", "active", "slashed", "exited",
			"balance_mean_gwei", "balance_min_gwei", "balance_max_gwei", "effective_balance_mean_gwei", "inactivity_score_mean"}},
		{reflect.TypeOf(sim.BlockRow{}), BlockColumns(), []string{"slot", "root", "parent_root", "proposer", "attestations", "canonical_on"}},
	} {
		if !slices.Equal(c.columns, c.documented) {
			t.Errorf("%s columns %v, want documented %v", c.typ.Name(), c.columns, c.documented)
		}
		if c.typ.NumField() != len(c.columns) {
			t.Fatalf("%s has %d fields, %d columns", c.typ.Name(), c.typ.NumField(), len(c.columns))
		}
		for i := range c.typ.NumField() {
			if want := strings.TrimSuffix(snake(c.typ.Field(i).Name), "_ppm"); c.columns[i] != want {
				t.Errorf("%s column %d = %q, field %s gives %q", c.typ.Name(), i, c.columns[i], c.typ.Field(i).Name, want)
			}
		}
	}
}

// TestGroupsAndBlocksFiles: Create writes groups.csv and blocks.csv with
// their headers (a run without rows has both); rows reach the files at
// EndEpoch, each field in its column (inactivity_score_mean with six
// decimals from millionths, an empty canonical_on as an empty field);
// outputs_sha256 still covers epochs.csv and events.jsonl only.
func TestGroupsAndBlocksFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	w, err := Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name   string
		header []string
	}{{GroupsFile, GroupColumns()}, {BlocksFile, BlockColumns()}} {
		if recs := readCSV(t, filepath.Join(dir, f.name)); !reflect.DeepEqual(recs, [][]string{f.header}) {
			t.Errorf("%s after Create = %v, want the header alone", f.name, recs)
		}
	}
	groups := []sim.GroupRow{
		{Epoch: 4, Branch: "a+b", Group: "online", Validators: 3, Active: 2, Slashed: 1, Exited: 1,
			BalanceMeanGwei: 31_999_999_999, BalanceMinGwei: 31_000_000_000, BalanceMaxGwei: 32_000_000_007,
			EffectiveBalanceMeanGwei: 31_000_000_000, InactivityScoreMeanPPM: 4_333_333},
		{Epoch: 4, Branch: "a+b", Group: "none"},
	}
	blocks := []sim.BlockRow{
		{Slot: 0, Root: "00112233aabbccdd", ParentRoot: "0000000000000000", Proposer: 0, Attestations: 0, CanonicalOn: "a+b"},
		{Slot: 9, Root: "ffeeddccbbaa9988", ParentRoot: "00112233aabbccdd", Proposer: 41, Attestations: 7, CanonicalOn: ""},
	}
	for _, g := range groups {
		if err := w.Group(g); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range blocks {
		if err := w.Block(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.EndEpoch(4); err != nil {
		t.Fatal(err)
	}
	wantGroups := [][]string{GroupColumns(),
		{"4", "a+b", "online", "3", "2", "1", "1", "31999999999", "31000000000", "32000000007", "31000000000", "4.333333"},
		{"4", "a+b", "none", "0", "0", "0", "0", "0", "0", "0", "0", "0.000000"},
	}
	wantBlocks := [][]string{BlockColumns(),
		{"0", "00112233aabbccdd", "0000000000000000", "0", "0", "a+b"},
		{"9", "ffeeddccbbaa9988", "00112233aabbccdd", "41", "7", ""},
	}
	// Before Finish: what EndEpoch pushed is in the files.
	if recs := readCSV(t, filepath.Join(dir, GroupsFile)); !reflect.DeepEqual(recs, wantGroups) {
		t.Errorf("groups.csv after EndEpoch = %v\nwant %v", recs, wantGroups)
	}
	if recs := readCSV(t, filepath.Join(dir, BlocksFile)); !reflect.DeepEqual(recs, wantBlocks) {
		t.Errorf("blocks.csv after EndEpoch = %v\nwant %v", recs, wantBlocks)
	}
	if err := w.Epoch(sim.EpochRow{Epoch: 4, Branch: "a+b"}); err != nil {
		t.Fatal(err)
	}
	summary := &sim.Summary{}
	if err := w.Finish(summary, &sim.Timing{}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, BlocksFile))
	if err != nil {
		t.Fatal(err)
	}
	if want := "slot,root,parent_root,proposer,attestations,canonical_on\n0,00112233aabbccdd,0000000000000000,0,0,a+b\n9,ffeeddccbbaa9988,00112233aabbccdd,41,7,\n"; string(raw) != want {
		t.Errorf("blocks.csv =\n%q\nwant\n%q", raw, want)
	}
	var both []byte
	for _, f := range []string{EpochsFile, EventsFile} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		both = append(both, b...)
	}
	if h := sha256.Sum256(both); summary.OutputsSHA256 != hex.EncodeToString(h[:]) {
		t.Errorf("outputs_sha256 %s is not the hash of epochs.csv and events.jsonl alone", summary.OutputsSHA256)
	}
	if err := w.Group(sim.GroupRow{}); err == nil {
		t.Error("Group after Finish succeeded")
	}
	if err := w.Block(sim.BlockRow{}); err == nil {
		t.Error("Block after Finish succeeded")
	}
}

// TestAbortRemovesGroupsAndBlocks: Abort removes groups.csv and blocks.csv
// with the run's other files, and leaves what it did not write.
func TestAbortRemovesGroupsAndBlocks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Group(sim.GroupRow{Epoch: 1, Branch: "main", Group: "g"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Block(sim.BlockRow{Root: "00", ParentRoot: "00"}); err != nil {
		t.Fatal(err)
	}
	if err := w.EndEpoch(1); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if got := entries(t, dir); !slices.Equal(got, []string{"notes.txt"}) {
		t.Errorf("after Abort dir holds %v, want only notes.txt", got)
	}
}
