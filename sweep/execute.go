package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// File names inside a sweep directory.
const (
	ManifestFile = "sweep.json"
	ResultsCSV   = "results.csv"
	ResultsPQ    = "results.parquet"
	RunsDir      = "runs"
)

// Errors the CLI tells apart.
var (
	// ErrDirNotEmpty: the output directory holds files and --resume was
	// not given.
	ErrDirNotEmpty = errors.New("sweep: output directory is not empty")
	// ErrOtherSweep: --resume on a directory that belongs to another sweep
	// or shard.
	ErrOtherSweep = errors.New("sweep: directory holds a different sweep")
	// ErrInterrupted: the context was cancelled; the journal keeps every
	// finished run and --resume continues.
	ErrInterrupted = errors.New("sweep: interrupted")
)

// Options configure Execute.
type Options struct {
	Dir   string
	Shard Shard // zero value: the whole sweep
	// Workers is the number of runs in flight (default runtime.NumCPU()).
	Workers int
	// RunWorkers is sim.Options.Workers for each run (default
	// GOMAXPROCS / Workers, at least 1); results do not depend on it.
	RunWorkers int
	// Resume continues the sweep journaled in Dir; on an empty or missing
	// Dir it starts afresh.
	Resume bool
	// KeepRuns writes each run's full outputs to Dir/runs/RUN_ID/.
	KeepRuns bool
	// Progress, when set, is called from one goroutine after each run.
	Progress func(Progress)
	// Now is the wall clock for timing.json of kept runs and for
	// Progress.Seconds; nil means no timings.
	Now func() time.Time
	// NoKeyCache is sim.Options.NoKeyCache for each run (--no-key-cache).
	NoKeyCache bool

	// simulate replaces the engine in tests (nil: sim.Run).
	simulate func(ctx context.Context, sc *scenarios.Scenario) (*sim.Summary, error)
}

// Progress reports one finished run.
type Progress struct {
	Done    int // runs of the shard finished so far, resumed ones included
	Total   int // runs of the shard
	Resumed int // runs found finished in the journal at the start
	Errors  int // runs recorded with status error (this session)
	Run     Run
	Status  string // ok or error
	Err     string
	Seconds float64 // the run's wall time (0 without Options.Now)
}

// Report is the outcome of Execute.
type Report struct {
	Shard   Shard
	Total   int // runs of the shard
	Resumed int // already in the journal
	Ran     int // run by this call
	Errors  int // rows with status error in the final table
}

// Manifest is sweep.json: what a sweep directory holds.
type Manifest struct {
	Format    string       `json:"format"`
	SweepID   string       `json:"sweep_id"`
	SweepFile string       `json:"sweep_file"`
	Scenario  string       `json:"scenario"`
	Epochs    uint64       `json:"epochs"` // 0: each run lasts as its scenario asks at its params
	BLS       string       `json:"bls"`
	Swept     []string     `json:"swept_params"`
	Seeds     []uint64     `json:"seeds"`
	Points    int          `json:"points"`
	Runs      int          `json:"runs"`
	Shard     string       `json:"shard"`
	ShardRuns int          `json:"shard_runs"`
	Columns   []ColumnSpec `json:"columns"`
	RunIDs    []string     `json:"run_ids"` // every run of the sweep, in expansion order
}

// ColumnSpec is a Column in sweep.json.
type ColumnSpec struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

const manifestFormat = "stakesim-sweep/1"

var kindNames = map[Kind]string{KindString: "string", KindInt64: "int64", KindUint64: "uint64", KindFloat64: "float64", KindBool: "bool"}

func kindOf(name string) (Kind, bool) {
	for k, n := range kindNames {
		if n == name {
			return k, true
		}
	}
	return 0, false
}

func (p *Plan) manifest(s Shard, shardRuns int) *Manifest {
	m := &Manifest{
		Format: manifestFormat, SweepID: p.ID, SweepFile: p.Sweep.Source, Scenario: p.Sweep.Base.Name,
		Epochs: p.Epochs, BLS: string(p.BLS), Swept: p.Sweep.SweptParams(), Seeds: p.Sweep.Seeds,
		Points: p.Sweep.Points(), Runs: len(p.Runs), Shard: s.String(), ShardRuns: shardRuns,
	}
	for _, c := range p.Columns {
		m.Columns = append(m.Columns, ColumnSpec{Name: c.Name, Type: kindNames[c.Kind]})
	}
	for _, r := range p.Runs {
		m.RunIDs = append(m.RunIDs, r.ID)
	}
	return m
}

// columns converts the manifest's columns back.
func (m *Manifest) columns() ([]Column, error) {
	cols := make([]Column, len(m.Columns))
	for i, c := range m.Columns {
		k, ok := kindOf(c.Type)
		if !ok {
			return nil, fmt.Errorf("column %s has unknown type %q", c.Name, c.Type)
		}
		cols[i] = Column{Name: c.Name, Kind: k}
	}
	return cols, nil
}

// shard parses the manifest's "K/N".
func (m *Manifest) shard() (Shard, error) {
	return ParseShard(m.Shard)
}

// ParseShard parses "K/N" with 1 <= K <= N.
func ParseShard(s string) (Shard, error) {
	ks, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	sh := Shard{K: k, N: n}
	if !ok || err1 != nil || err2 != nil || !sh.Valid() {
		return Shard{}, fmt.Errorf("shard %q: want K/N with 1 <= K <= N (shards are numbered from 1)", s)
	}
	return sh, nil
}

// maxManifestBytes bounds the sweep.json that readManifest reads. The
// manifest lists every run id of the sweep (24 bytes each as written, up
// to scenarios.MaxSweepRuns), so it may be far larger than the 1 MiB of a
// scenario or sweep file.
const maxManifestBytes = 64 << 20

// readManifest reads DIR/sweep.json, refusing anything that is not a
// regular file or is larger than maxManifestBytes (the directory is the
// user's: --resume and merge take it from the command line).
func readManifest(dir string) (*Manifest, error) {
	data, err := scenarios.ReadInput(filepath.Join(dir, ManifestFile), maxManifestBytes)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
	}
	if m.Format != manifestFormat {
		return nil, fmt.Errorf("%s: format %q, want %q", filepath.Join(dir, ManifestFile), m.Format, manifestFormat)
	}
	return &m, nil
}

// writeFileAtomic writes data to path through a temporary file and a
// rename, so a reader (or a resumed sweep) sees the old file or the new one.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func writeManifest(dir string, m *Manifest) error {
	return writeFileAtomic(filepath.Join(dir, ManifestFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	})
}

// isEmptyDir reports whether dir is missing or holds nothing.
func isEmptyDir(dir string) (bool, error) {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	if !fi.IsDir() {
		return false, fmt.Errorf("%s exists and is not a directory", dir)
	}
	names, err := f.Readdirnames(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	return len(names) == 0, nil
}

// Execute runs shard opts.Shard of the plan into opts.Dir and, once every
// run of the shard is journaled, writes results.csv and results.parquet.
// A cancelled ctx stops it with ErrInterrupted; the journal keeps what
// finished.
func Execute(ctx context.Context, p *Plan, opts Options) (*Report, error) {
	shard := opts.Shard
	if shard == (Shard{}) {
		shard = All
	}
	if !shard.Valid() {
		return nil, fmt.Errorf("sweep: invalid shard %s", shard)
	}
	runs := p.ShardRuns(shard)
	want := make(map[string]bool, len(runs))
	for _, r := range runs {
		want[r.ID] = true
	}
	dir := filepath.Clean(opts.Dir)
	journalPath := filepath.Join(dir, JournalFile)

	done := make(map[string]bool)
	empty, err := isEmptyDir(dir)
	if err != nil {
		return nil, err
	}
	switch {
	case !empty && !opts.Resume:
		return nil, fmt.Errorf("%w: %s; pass --resume to continue the sweep in it, or choose another --out", ErrDirNotEmpty, dir)
	case !empty:
		m, err := readManifest(dir)
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s holds files but no %s; it is not a sweep directory", ErrOtherSweep, dir, ManifestFile)
		}
		if err != nil {
			return nil, err
		}
		if m.SweepID != p.ID || m.Shard != shard.String() {
			return nil, fmt.Errorf("%w: %s holds sweep %s shard %s (from %s), not sweep %s shard %s", ErrOtherSweep, dir, m.SweepID, m.Shard, m.SweepFile, p.ID, shard)
		}
		entries, err := scanJournal(journalPath, len(p.Columns), true)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		for _, e := range entries {
			if !want[e.id] {
				return nil, fmt.Errorf("%s: run %s does not belong to shard %s of this sweep", journalPath, e.id, shard)
			}
			if done[e.id] {
				return nil, fmt.Errorf("%s: run %s is journaled twice", journalPath, e.id)
			}
			done[e.id] = true
		}
	default:
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := writeManifest(dir, p.manifest(shard, len(runs))); err != nil {
			return nil, err
		}
	}
	jf, err := openRegular(journalPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND)
	if err != nil {
		return nil, err
	}
	j := &journal{f: jf}
	defer j.close()
	if opts.KeepRuns {
		if err := cleanRunsDir(filepath.Join(dir, RunsDir)); err != nil {
			return nil, err
		}
	}

	var todo []Run
	for _, r := range runs {
		if !done[r.ID] {
			todo = append(todo, r)
		}
	}
	rep := &Report{Shard: shard, Total: len(runs), Resumed: len(done)}
	if err := p.runAll(ctx, todo, dir, opts, j, rep); err != nil {
		return rep, err
	}
	if err := finalize(dir, p.Columns, want, rep); err != nil {
		return rep, err
	}
	return rep, nil
}

// cleanRunsDir removes run directories a killed sweep left half-written.
func cleanRunsDir(runsDir string) error {
	names, err := filepath.Glob(filepath.Join(runsDir, "*.tmp-*"))
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := os.RemoveAll(n); err != nil {
			return err
		}
	}
	return nil
}

type outcome struct {
	run     Run
	row     []string
	status  string
	errText string
	seconds float64
	stopped bool // cancelled: not a result
}

// runAll runs todo on the worker pool; one collector (this goroutine)
// journals each finished run.
func (p *Plan) runAll(ctx context.Context, todo []Run, dir string, opts Options, j *journal, rep *Report) error {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	workers = max(1, min(workers, len(todo)))
	runWorkers := opts.RunWorkers
	if runWorkers <= 0 {
		runWorkers = max(1, runtime.GOMAXPROCS(0)/workers)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan Run)
	results := make(chan outcome)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				results <- p.runOne(ctx, r, dir, opts, runWorkers)
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, r := range todo {
			select {
			case jobs <- r:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	var failure error
	for o := range results {
		if o.stopped || failure != nil {
			continue
		}
		if err := j.appendRecord(o.run.ID, o.row); err != nil {
			failure = err
			cancel()
			continue
		}
		rep.Ran++
		if o.status != statusOK {
			rep.Errors++
		}
		if opts.Progress != nil {
			opts.Progress(Progress{
				Done: rep.Resumed + rep.Ran, Total: rep.Total, Resumed: rep.Resumed, Errors: rep.Errors,
				Run: o.run, Status: o.status, Err: o.errText, Seconds: o.seconds,
			})
		}
	}
	if failure != nil {
		return failure
	}
	if rep.Resumed+rep.Ran < rep.Total {
		return fmt.Errorf("%w after %d of %d runs of shard %s; the journal in %s keeps them: rerun with --resume to continue",
			ErrInterrupted, rep.Resumed+rep.Ran, rep.Total, rep.Shard, dir)
	}
	return nil
}

const (
	statusOK    = "ok"
	statusError = "error"
)

// discard is the Sink of a run whose outputs are not kept.
type discard struct{}

func (discard) Epoch(sim.EpochRow) error { return nil }
func (discard) Event(sim.Event) error    { return nil }

// runOne runs one point and builds its results row. A failed run is a row
// with status error; only cancellation yields no row.
func (p *Plan) runOne(ctx context.Context, r Run, dir string, opts Options, runWorkers int) (o outcome) {
	o.run = r
	var start time.Time
	if opts.Now != nil {
		start = opts.Now()
	}
	summary, err := p.simulate(ctx, r, dir, opts, runWorkers)
	if opts.Now != nil {
		o.seconds = opts.Now().Sub(start).Seconds()
	}
	if err != nil && ctx.Err() != nil {
		o.stopped = true
		return o
	}
	o.row = make([]string, 0, len(p.Columns))
	o.row = append(o.row, r.ID, strconv.FormatUint(r.Seed, 10))
	for i, v := range r.Values {
		if p.choices[i] != nil {
			o.row = append(o.row, p.FormatValue(i, v)) // the word
		} else {
			o.row = append(o.row, strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	if err != nil {
		o.status, o.errText = statusError, oneLine(err.Error())
		o.row = append(o.row, o.status, o.errText)
		for len(o.row) < len(p.Columns) {
			o.row = append(o.row, "")
		}
		return o
	}
	o.status = statusOK
	o.row = append(o.row, statusOK, "")
	o.row = append(o.row, SummaryCells(summary, p.Groups)...)
	o.row = append(o.row, DerivedCells(summary)...)
	return o
}

// simulate loads and runs one point. A panic in the engine becomes the
// run's error rather than ending the sweep.
func (p *Plan) simulate(ctx context.Context, r Run, dir string, opts Options, runWorkers int) (s *sim.Summary, err error) {
	defer func() {
		if v := recover(); v != nil {
			s, err = nil, fmt.Errorf("internal error (a bug; please report it): %v", v)
		}
	}()
	sc, err := p.Scenario(r)
	if err != nil {
		return nil, err
	}
	simOpts := sim.Options{Workers: runWorkers, Now: opts.Now, NoKeyCache: opts.NoKeyCache}
	if opts.simulate != nil {
		return opts.simulate(ctx, sc)
	}
	if !opts.KeepRuns {
		res, err := sim.Run(ctx, sc, discard{}, simOpts)
		if err != nil {
			return nil, err
		}
		if res.Summary.Interrupted {
			return nil, interrupted(ctx)
		}
		return &res.Summary, nil
	}
	w, err := output.Create(filepath.Join(dir, RunsDir, r.ID), true)
	if err != nil {
		return nil, err
	}
	if err := writeScenario(w, sc, r); err != nil {
		w.Abort()
		return nil, err
	}
	res, err := sim.Run(ctx, sc, w, simOpts)
	if err == nil && res.Summary.Interrupted {
		err = interrupted(ctx)
	}
	if err != nil {
		w.Abort()
		return nil, err
	}
	if err := w.Finish(&res.Summary, &res.Timing); err != nil {
		return nil, err
	}
	return &res.Summary, nil
}

// interrupted is the error of a run the engine stopped early because ctx
// ended: a sweep keeps only complete runs (the next --resume runs it again).
func interrupted(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return context.Canceled
}

// writeScenario writes a kept run's scenario.yaml: the point's scenario,
// resolved, which "stakesim run FILE" reproduces.
func writeScenario(w *output.Writer, sc *scenarios.Scenario, r Run) error {
	data, err := sc.ResolvedYAML(fmt.Sprintf("Run %s of a stakesim sweep, resolved from %s.\nReproduce it with: stakesim run %s --seed %d",
		r.ID, sc.Source, filepath.Join(w.Dir(), output.ScenarioFile), sc.Seed))
	if err != nil {
		return err
	}
	return w.WriteScenario(data)
}

// oneLine folds a multi-line error message onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " | ")), " ")
}

// finalize checks that the journal holds exactly the runs in want and
// writes the sorted results files.
func finalize(dir string, cols []Column, want map[string]bool, rep *Report) error {
	journalPath := filepath.Join(dir, JournalFile)
	entries, err := scanJournal(journalPath, len(cols), false)
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		if !want[e.id] || seen[e.id] {
			return fmt.Errorf("%s: run %s is unexpected or repeated", journalPath, e.id)
		}
		seen[e.id] = true
	}
	if len(seen) != len(want) {
		return fmt.Errorf("%s: %d of %d runs journaled", journalPath, len(seen), len(want))
	}
	f, err := openRegular(journalPath, os.O_RDONLY)
	if err != nil {
		return err
	}
	defer f.Close()
	errors, err := writeResults(dir, cols, entries, nil, []*os.File{f})
	rep.Errors = errors
	return err
}

// writeResults writes results.csv and results.parquet from journal
// entries, in run-id order, and returns how many rows have status error.
func writeResults(dir string, cols []Column, entries []entry, fileOf []int, files []*os.File) (int, error) {
	statusCol := -1
	for i, c := range cols {
		if c.Name == "status" {
			statusCol = i
		}
	}
	errorsSeen := 0
	err := writeFileAtomic(filepath.Join(dir, ResultsCSV), func(w io.Writer) error {
		rows := newSortedRows(entries, fileOf, files)
		return WriteCSV(w, cols, func() ([]string, error) {
			row, err := rows.Next()
			if err == nil && statusCol >= 0 && row[statusCol] != statusOK {
				errorsSeen++
			}
			return row, err
		})
	})
	if err != nil {
		return 0, fmt.Errorf("writing %s: %w", ResultsCSV, err)
	}
	err = writeFileAtomic(filepath.Join(dir, ResultsPQ), func(w io.Writer) error {
		rows := newSortedRows(entries, fileOf, files)
		return WriteParquet(w, cols, rows.Next)
	})
	if err != nil {
		return 0, fmt.Errorf("writing %s: %w", ResultsPQ, err)
	}
	return errorsSeen, nil
}
