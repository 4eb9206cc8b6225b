package sweep

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// smallSweep is 3 points × 2 seeds of offline-20 with BLS off, 4 epochs:
// about 0.05 s per run.
const smallSweep = `
scenario: offline-20
epochs: 4
bls: off
seeds: [1, 2]
grid:
  offline_share: [0, 0.15, 0.3]
`

// fakeSim is a deterministic stand-in for the engine: the summary is a
// function of the scenario's seed and params.
func fakeSim(_ context.Context, sc *scenarios.Scenario) (*sim.Summary, error) {
	s := &sim.Summary{Scenario: sc.Name, Seed: sc.Seed, Epochs: sc.Epochs, FinalizedEpoch: sc.Seed * 10}
	for _, p := range sc.Params {
		s.APRPercent += p.Value
	}
	return s, nil
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readCSV(t testing.TB, path string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(readFile(t, path))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// sameResults fails unless both directories hold byte-identical results.
func sameResults(t testing.TB, a, b string) {
	t.Helper()
	for _, f := range []string{ResultsCSV, ResultsPQ} {
		if !bytes.Equal(readFile(t, filepath.Join(a, f)), readFile(t, filepath.Join(b, f))) {
			t.Errorf("%s differs between %s and %s", f, a, b)
		}
	}
}

// journalIDs returns the run ids in a journal, in file order.
func journalIDs(t testing.TB, dir string) []string {
	t.Helper()
	var ids []string
	for _, line := range strings.Split(strings.TrimSuffix(string(readFile(t, filepath.Join(dir, JournalFile))), "\n"), "\n") {
		if line == "" {
			continue
		}
		var rec journalRecord
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("journal line %q: %v", line, err)
		}
		ids = append(ids, rec.ID)
	}
	return ids
}

func TestExecuteRealRunsAnyWorkerCount(t *testing.T) {
	p := loadPlan(t, smallSweep)
	base := t.TempDir()
	one, three := filepath.Join(base, "one"), filepath.Join(base, "three")
	var progress []Progress
	rep, err := Execute(context.Background(), p, Options{Dir: one, Workers: 1, Progress: func(pr Progress) { progress = append(progress, pr) }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != 6 || rep.Ran != 6 || rep.Resumed != 0 || rep.Errors != 0 {
		t.Errorf("report %+v, want 6 runs, 6 ran, no errors", rep)
	}
	if len(progress) != 6 || progress[5].Done != 6 || progress[5].Total != 6 {
		t.Errorf("progress calls %d, last %+v", len(progress), progress[len(progress)-1])
	}
	if _, err := Execute(context.Background(), p, Options{Dir: three, Workers: 3}); err != nil {
		t.Fatal(err)
	}
	sameResults(t, one, three)

	recs := readCSV(t, filepath.Join(one, ResultsCSV))
	header := recs[0]
	if len(recs) != 7 {
		t.Fatalf("%d CSV records, want header + 6", len(recs))
	}
	for i, c := range p.Columns {
		if header[i] != c.Name {
			t.Fatalf("header[%d] = %s, want %s", i, header[i], c.Name)
		}
	}
	// offline-20's params in file order (preset as its word), then the
	// summary's columns, whose validators is summary_validators here (the
	// param has the name), then the finality columns.
	if strings.Join(header[:8], ",") != "run_id,seed,offline_share,offline_from,validators,preset,status,error" {
		t.Errorf("leading columns %v", header[:8])
	}
	if i := slices.Index(header, "summary_validators"); i < 8 || slices.Contains(header[8:], "validators") {
		t.Errorf("summary column validators: %v", header)
	}
	if got := strings.Join(header[len(header)-2:], ","); got != "finality_stall_epochs,finality_resumed" {
		t.Errorf("last columns %s", got)
	}
	var ids []string
	for _, rec := range recs[1:] {
		ids = append(ids, rec[0])
	}
	if !sort.StringsAreSorted(ids) {
		t.Errorf("rows not sorted by run_id: %v", ids)
	}
	// Each row holds what a direct run of that point gives.
	byID := make(map[string][]string)
	for _, rec := range recs[1:] {
		byID[rec[0]] = rec
	}
	for _, r := range []Run{p.Runs[0], p.Runs[5]} {
		sc, err := p.Scenario(r)
		if err != nil {
			t.Fatal(err)
		}
		res, err := sim.Run(context.Background(), sc, discard{}, sim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		row := byID[r.ID]
		if row == nil || row[1] != fmt.Sprint(r.Seed) || row[4] != "1024" || row[5] != "minimal" || row[6] != "ok" {
			t.Fatalf("row of %s: %v", r.ID, row)
		}
		want := append(SummaryCells(&res.Summary, p.Groups), DerivedCells(&res.Summary)...)
		if got := row[8:]; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("row of %s (%s) is not the direct run's summary:\n got %v\nwant %v", r.ID, p.Describe(r), got, want)
		}
	}
}

// TestResumeAfterTornJournal cuts the journal of a finished sweep at every
// kind of place a kill can leave it (between lines, inside a line, empty)
// and checks that resuming runs exactly the missing runs and gives the
// same results.
func TestResumeAfterTornJournal(t *testing.T) {
	p := loadPlan(t, smallSweep)
	base := t.TempDir()
	full := filepath.Join(base, "full")
	if _, err := Execute(context.Background(), p, Options{Dir: full, Workers: 2, simulate: fakeSim}); err != nil {
		t.Fatal(err)
	}
	journal := readFile(t, filepath.Join(full, JournalFile))
	lineEnds := []int{0}
	for i, c := range journal {
		if c == '\n' {
			lineEnds = append(lineEnds, i+1)
		}
	}
	cuts := append([]int{}, lineEnds...)
	for i := 1; i < len(lineEnds); i++ {
		cuts = append(cuts, lineEnds[i-1]+1, (lineEnds[i-1]+lineEnds[i])/2, lineEnds[i]-1)
	}
	for _, cut := range cuts {
		complete := 0
		for _, e := range lineEnds[1:] {
			if e <= cut {
				complete++
			}
		}
		dir := filepath.Join(base, fmt.Sprintf("cut%d", cut))
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, ManifestFile), readFile(t, filepath.Join(full, ManifestFile)), 0o644)
		os.WriteFile(filepath.Join(dir, JournalFile), journal[:cut], 0o644)
		var calls atomic.Int64
		sim := func(ctx context.Context, sc *scenarios.Scenario) (*sim.Summary, error) {
			calls.Add(1)
			return fakeSim(ctx, sc)
		}
		rep, err := Execute(context.Background(), p, Options{Dir: dir, Workers: 2, Resume: true, simulate: sim})
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if int(calls.Load()) != 6-complete || rep.Resumed != complete {
			t.Errorf("cut %d (%d complete lines): %d runs made, %d resumed; want %d and %d", cut, complete, calls.Load(), rep.Resumed, 6-complete, complete)
		}
		ids := journalIDs(t, dir)
		seen := make(map[string]bool)
		for _, id := range ids {
			if seen[id] {
				t.Errorf("cut %d: run %s journaled twice", cut, id)
			}
			seen[id] = true
		}
		if len(ids) != 6 {
			t.Errorf("cut %d: journal has %d runs, want 6", cut, len(ids))
		}
		sameResults(t, full, dir)
	}
}

func TestResumeRefusesOtherSweepAndCorruption(t *testing.T) {
	p := loadPlan(t, smallSweep)
	dir := t.TempDir()
	if _, err := Execute(context.Background(), p, Options{Dir: dir, simulate: fakeSim}); err != nil {
		t.Fatal(err)
	}
	if _, err := Execute(context.Background(), p, Options{Dir: dir, simulate: fakeSim}); !errors.Is(err, ErrDirNotEmpty) {
		t.Errorf("second run without resume: %v, want ErrDirNotEmpty", err)
	}
	other := loadPlan(t, strings.Replace(smallSweep, "0.3]", "0.25]", 1))
	if _, err := Execute(context.Background(), other, Options{Dir: dir, Resume: true, simulate: fakeSim}); !errors.Is(err, ErrOtherSweep) {
		t.Errorf("resume with another sweep: %v, want ErrOtherSweep", err)
	}
	if _, err := Execute(context.Background(), p, Options{Dir: dir, Resume: true, Shard: Shard{1, 2}, simulate: fakeSim}); !errors.Is(err, ErrOtherSweep) {
		t.Errorf("resume as another shard: %v, want ErrOtherSweep", err)
	}
	// Resuming a finished sweep runs nothing and rewrites the same files.
	before := readFile(t, filepath.Join(dir, ResultsCSV))
	rep, err := Execute(context.Background(), p, Options{Dir: dir, Resume: true, simulate: func(context.Context, *scenarios.Scenario) (*sim.Summary, error) {
		t.Error("a finished sweep ran a run on resume")
		return nil, errors.New("no")
	}})
	if err != nil || rep.Resumed != 6 || rep.Ran != 0 {
		t.Errorf("resume of a finished sweep: %+v, %v", rep, err)
	}
	if !bytes.Equal(before, readFile(t, filepath.Join(dir, ResultsCSV))) {
		t.Error("resume of a finished sweep changed results.csv")
	}
	// A damaged line before the end is corruption, not a torn write.
	j := readFile(t, filepath.Join(dir, JournalFile))
	bad := append([]byte("{not json}\n"), j...)
	os.WriteFile(filepath.Join(dir, JournalFile), bad, 0o644)
	if _, err := Execute(context.Background(), p, Options{Dir: dir, Resume: true, simulate: fakeSim}); err == nil || !strings.Contains(err.Error(), ":1: corrupt journal line") {
		t.Errorf("corrupt journal: %v", err)
	}
	// A directory with other files is not a sweep directory.
	junk := t.TempDir()
	os.WriteFile(filepath.Join(junk, "notes.txt"), []byte("x"), 0o644)
	if _, err := Execute(context.Background(), p, Options{Dir: junk, Resume: true, simulate: fakeSim}); !errors.Is(err, ErrOtherSweep) {
		t.Errorf("resume in a non-sweep directory: %v", err)
	}
}

func TestFailedRunsAreRecorded(t *testing.T) {
	p := loadPlan(t, smallSweep)
	failID, panicID := p.Runs[1].ID, p.Runs[4].ID
	sim := func(ctx context.Context, sc *scenarios.Scenario) (*sim.Summary, error) {
		s, _ := fakeSim(ctx, sc)
		id := ""
		for _, r := range p.Runs {
			if r.Seed == sc.Seed && r.Values[0] == sc.Params[0].Value {
				id = r.ID
			}
		}
		switch id {
		case failID:
			return nil, errors.New("engine: invariant broken\nsecond line")
		case panicID:
			panic("boom")
		}
		return s, nil
	}
	dir := t.TempDir()
	rep, err := Execute(context.Background(), p, Options{Dir: dir, Workers: 2, simulate: sim})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors != 2 {
		t.Errorf("%d error rows, want 2", rep.Errors)
	}
	rows := readCSV(t, filepath.Join(dir, ResultsCSV))
	for _, row := range rows[1:] {
		// run_id, seed, offline_share, offline_from, validators, preset,
		// status, error.
		switch row[0] {
		case failID:
			if row[6] != "error" || row[7] != "engine: invariant broken | second line" {
				t.Errorf("failed run row: status %q error %q", row[6], row[7])
			}
		case panicID:
			if row[6] != "error" || !strings.Contains(row[7], "internal error") || !strings.Contains(row[7], "boom") {
				t.Errorf("panicking run row: status %q error %q", row[6], row[7])
			}
		default:
			if row[6] != "ok" || row[7] != "" {
				t.Errorf("run %s: status %q error %q", row[0], row[6], row[7])
			}
			continue
		}
		// A failed run keeps its identity columns and leaves the summary
		// and finality columns empty.
		if row[1] == "" || row[2] == "" || row[4] != "1024" || row[5] != "minimal" {
			t.Errorf("failed run lost its seed or params: %v", row[:6])
		}
		for i, cell := range row[8:] {
			if cell != "" {
				t.Errorf("failed run has summary cell %s = %q", rows[0][8+i], cell)
			}
		}
	}
}

func TestInterruptKeepsFinishedRuns(t *testing.T) {
	p := loadPlan(t, smallSweep)
	clean := t.TempDir()
	if _, err := Execute(context.Background(), p, Options{Dir: clean, simulate: fakeSim}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	started := 0
	sim := func(ctx context.Context, sc *scenarios.Scenario) (*sim.Summary, error) {
		mu.Lock()
		started++
		n := started
		mu.Unlock()
		if n <= 3 {
			return fakeSim(ctx, sc)
		}
		cancel() // the 4th run is cut short by the interrupt
		<-ctx.Done()
		return nil, ctx.Err()
	}
	_, err := Execute(ctx, p, Options{Dir: dir, Workers: 1, simulate: sim})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err %v, want ErrInterrupted", err)
	}
	if ids := journalIDs(t, dir); len(ids) != 3 {
		t.Errorf("journal has %d runs after the interrupt, want the 3 finished", len(ids))
	}
	if _, err := os.Stat(filepath.Join(dir, ResultsCSV)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an interrupted sweep wrote %s", ResultsCSV)
	}
	rep, err := Execute(context.Background(), p, Options{Dir: dir, Resume: true, simulate: fakeSim})
	if err != nil || rep.Resumed != 3 || rep.Ran != 3 {
		t.Fatalf("resume: %+v %v", rep, err)
	}
	sameResults(t, clean, dir)
}

func TestKeepRuns(t *testing.T) {
	p := loadPlan(t, "scenario: offline-20\nepochs: 3\nbls: off\ngrid: {offline_share: [0, 0.2]}\n")
	dir := t.TempDir()
	if _, err := Execute(context.Background(), p, Options{Dir: dir, Workers: 2, KeepRuns: true}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, RunsDir))
	if len(entries) != 2 {
		t.Fatalf("%d entries in runs/, want 2", len(entries))
	}
	rows := readCSV(t, filepath.Join(dir, ResultsCSV))
	col := -1
	for i, name := range rows[0] {
		if name == "finalized_epoch" {
			col = i
		}
	}
	for _, row := range rows[1:] {
		var s sim.Summary
		if err := json.Unmarshal(readFile(t, filepath.Join(dir, RunsDir, row[0], "summary.json")), &s); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(s.FinalizedEpoch) != row[col] {
			t.Errorf("run %s: summary.json finalized %d, results %s", row[0], s.FinalizedEpoch, row[col])
		}
	}
}

func TestMergeShards(t *testing.T) {
	p := loadPlan(t, smallSweep)
	base := t.TempDir()
	single := filepath.Join(base, "single")
	if _, err := Execute(context.Background(), p, Options{Dir: single, Workers: 2, simulate: fakeSim}); err != nil {
		t.Fatal(err)
	}
	var shards []string
	for k := 1; k <= 4; k++ {
		d := filepath.Join(base, fmt.Sprintf("shard-%d", k))
		if _, err := Execute(context.Background(), p, Options{Dir: d, Shard: Shard{k, 4}, simulate: fakeSim}); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, d)
	}
	merged := filepath.Join(base, "merged")
	rep, err := Merge(shards, merged)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Runs != 6 {
		t.Errorf("merged %d runs, want 6", rep.Runs)
	}
	sameResults(t, single, merged)
	// The merged directory is itself a complete sweep directory.
	again := filepath.Join(base, "again")
	if _, err := Merge([]string{merged}, again); err != nil {
		t.Errorf("merging a merged directory: %v", err)
	}
	sameResults(t, single, again)

	cases := []struct {
		name string
		dirs []string
		want string
	}{
		{"missing shard", shards[:3], "missing"},
		{"shard twice", append(append([]string{}, shards...), shards[1]), "in both"},
		{"overlap with merged", append([]string{merged}, shards[0]), "in both"},
		{"not a sweep dir", []string{t.TempDir()}, "not a sweep output directory"},
	}
	for _, c := range cases {
		if _, err := Merge(c.dirs, filepath.Join(base, "out-"+strings.ReplaceAll(c.name, " ", "-"))); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want it to mention %q", c.name, err, c.want)
		}
	}
	// An incomplete shard is refused with the command that completes it.
	inc := filepath.Join(base, "incomplete")
	os.MkdirAll(inc, 0o755)
	os.WriteFile(filepath.Join(inc, ManifestFile), readFile(t, filepath.Join(shards[0], ManifestFile)), 0o644)
	os.WriteFile(filepath.Join(inc, JournalFile), nil, 0o644)
	if _, err := Merge(append([]string{inc}, shards[1:]...), filepath.Join(base, "out-inc")); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Errorf("incomplete shard: %v", err)
	}
	// Shards of another sweep are refused.
	other := loadPlan(t, strings.Replace(smallSweep, "0.3]", "0.25]", 1))
	od := filepath.Join(base, "other")
	if _, err := Execute(context.Background(), other, Options{Dir: od, simulate: fakeSim}); err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(append([]string{od}, shards...), filepath.Join(base, "out-other")); err == nil || !strings.Contains(err.Error(), "one sweep") {
		t.Errorf("mixed sweeps: %v", err)
	}
	// The output must be new.
	if _, err := Merge(shards, single); !errors.Is(err, ErrDirNotEmpty) {
		t.Errorf("merge into a non-empty directory: %v", err)
	}
	for _, c := range cases {
		if _, err := os.Stat(filepath.Join(base, "out-"+strings.ReplaceAll(c.name, " ", "-"))); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: a failed merge left its output directory", c.name)
		}
	}
}

// TestKeptRunReproduces: a kept run's scenario.yaml, run on its own, gives
// the run's epochs.csv and events.jsonl byte for byte.
func TestKeptRunReproduces(t *testing.T) {
	p := loadPlan(t, "scenario: offline-20\nepochs: 4\nbls: off\nseeds: [5]\ngrid: {offline_share: [0.2], validators: [96]}\n")
	dir := t.TempDir()
	if _, err := Execute(context.Background(), p, Options{Dir: dir, Workers: 1, KeepRuns: true}); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, RunsDir))
	if err != nil || len(entries) != 1 {
		t.Fatalf("runs/: %v %v", entries, err)
	}
	run := filepath.Join(dir, RunsDir, entries[0].Name())
	sc, err := scenarios.Load(filepath.Join(run, output.ScenarioFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Seed != 5 || sc.TotalValidators() != 96 {
		t.Errorf("scenario.yaml: seed %d, %d validators; want 5, 96", sc.Seed, sc.TotalValidators())
	}
	again := filepath.Join(t.TempDir(), "again")
	w, err := output.Create(again, false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.Run(context.Background(), sc, w, sim.Options{})
	if err != nil {
		w.Abort()
		t.Fatal(err)
	}
	if err := w.Finish(&res.Summary, &res.Timing); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{output.EpochsFile, output.EventsFile} {
		if !bytes.Equal(readFile(t, filepath.Join(run, f)), readFile(t, filepath.Join(again, f))) {
			t.Errorf("%s of the re-run differs from the kept run's", f)
		}
	}
}

// TestInterruptedEngineRunIsNotJournaled: when the context ends during a
// run, the engine stops it at the end of the epoch it is in with a summary
// saying interrupted; the sweep must not take it for a finished run
// (nothing journaled, no kept run).
func TestInterruptedEngineRunIsNotJournaled(t *testing.T) {
	p := loadPlan(t, "scenario: offline-20\nepochs: 5000\nbls: off\ngrid: {offline_share: [0.2]}\n")
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel once the kept run's epochs.csv shows rows: the run is going.
	go func() {
		for {
			matches, _ := filepath.Glob(filepath.Join(dir, RunsDir, "*", output.EpochsFile))
			for _, m := range matches {
				if data, err := os.ReadFile(m); err == nil && bytes.Count(data, []byte("\n")) >= 3 {
					cancel()
					return
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	_, err := Execute(ctx, p, Options{Dir: dir, Workers: 1, KeepRuns: true})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err %v, want ErrInterrupted", err)
	}
	if ids := journalIDs(t, dir); len(ids) != 0 {
		t.Errorf("journal has %v after an interrupted run", ids)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, RunsDir)); len(entries) != 0 {
		t.Errorf("runs/ holds %d entries after an interrupted run", len(entries))
	}
}
