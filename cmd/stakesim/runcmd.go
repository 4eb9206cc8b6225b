package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/stakesim/stakesim/internal/buildinfo"
	"github.com/stakesim/stakesim/internal/narrate"
	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

func runCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run a scenario (a built-in NAME or a FILE) and write its results",
		ArgsUsage: "SCENARIO",
		Flags: append(runFlags(),
			&cli.BoolFlag{Name: "narrate", Usage: "tell the run's story in plain words on stdout as it happens (no progress bar)"},
		),
		Action: func(c *cli.Context) error {
			cfg, err := runConfigOf(c, c.Bool("narrate"))
			if err != nil {
				return err
			}
			return runScenario(c, cfg, stdout, stderr)
		},
	}
}

// runFlags are the flags of run, which lesson shares.
func runFlags() []cli.Flag {
	return []cli.Flag{
		&cli.Uint64Flag{Name: "seed", Usage: "run seed", DefaultText: "the scenario's seed"},
		&cli.Uint64Flag{Name: "epochs", Usage: "epochs to run", DefaultText: "the scenario's epochs"},
		&cli.StringSliceFlag{Name: "set", Usage: "override a scenario param, `NAME=VALUE` (repeatable)"},
		&cli.StringFlag{Name: "out", Usage: "output `DIR`", DefaultText: "runs/NAME-SEED"},
		&cli.BoolFlag{Name: "force", Usage: "replace an output directory written by an earlier stakesim run (never other files)"},
		&cli.BoolFlag{Name: "force-size", Usage: "run even when the memory estimate exceeds the memory available"},
		&cli.StringFlag{Name: "bls", Usage: "signing `MODE`: full, aggregate or off", DefaultText: "the scenario's mode"},
		&cli.BoolFlag{Name: "quiet", Usage: "print no header or progress on stderr"},
		&cli.IntFlag{Name: "workers", Usage: "`N` goroutines for key derivation and verification; results do not depend on it", DefaultText: "GOMAXPROCS"},
		&cli.DurationFlag{Name: "pace", Usage: "with the story: wait `DURATION` (e.g. 3s) after each epoch's line, for a live class"},
		&cli.BoolFlag{Name: "no-report", Usage: "write no report.html"},
		&cli.BoolFlag{Name: "no-key-cache", Usage: "derive the BLS keys instead of loading them from (or storing them in) the key cache (see stakesim cache info)"},
	}
}

// runConfig is how a run is carried out and told, from run's (or
// lesson's) flags.
type runConfig struct {
	narrate bool
	pace    time.Duration
	quiet   bool
	workers int
	report  bool
	keys    bool          // use the key cache (not --no-key-cache)
	lesson  string        // lesson: also write lesson.html for this lesson
	story   *bytes.Buffer // lesson: a copy of the story
}

// runConfigOf reads the run flags; narrate says whether the story is told.
func runConfigOf(c *cli.Context, narrate bool) (runConfig, error) {
	cfg := runConfig{narrate: narrate, pace: c.Duration("pace"), quiet: c.Bool("quiet"),
		workers: c.Int("workers"), report: !c.Bool("no-report"), keys: !c.Bool("no-key-cache")}
	if c.IsSet("pace") && (!narrate || cfg.pace < 0) {
		return cfg, badInput(errors.New("--pace needs --narrate and a duration of at least 0 (e.g. --narrate --pace 3s)"))
	}
	if cfg.workers < 0 {
		return cfg, badInput(fmt.Errorf("--workers: %d is negative", cfg.workers))
	}
	return cfg, nil
}

// runScenario loads the scenario, checks its size and the output
// directory, then runs it.
func runScenario(c *cli.Context, cfg runConfig, stdout, stderr io.Writer) error {
	sc, err := loadRun(c)
	if err != nil {
		return err
	}
	if err := checkSize(sc, c.Bool("force-size")); err != nil {
		return err
	}
	out := c.String("out")
	if out == "" {
		out = filepath.Join("runs", fmt.Sprintf("%s-%d", sc.Name, sc.Seed))
	}
	w, err := output.Create(out, c.Bool("force"))
	if err != nil {
		return badOut(out, err)
	}
	if err := writeScenario(w, sc, c.StringSlice("set")); err != nil {
		w.Abort()
		return err
	}
	if !cfg.quiet {
		fmt.Fprintf(stderr, "stakesim run %s seed=%d epochs=%d bls=%s preset=%s validators=%d\n%s\n",
			sc.Name, sc.Seed, sc.Epochs, sc.BLS, sc.Preset, sc.TotalValidators(), estimateLine(sc, !cfg.keys))
	}
	return simulate(c.Context, sc, w, cfg, stdout, stderr)
}

// loadRun loads run's SCENARIO with its --set overrides, then applies
// --seed, --epochs and --bls.
func loadRun(c *cli.Context) (*scenarios.Scenario, error) {
	if c.NArg() != 1 {
		return nil, badInput(errors.New("run needs exactly one SCENARIO (a built-in name or a file; see stakesim scenarios)"))
	}
	overrides, err := parseOverrides(c.StringSlice("set"))
	if err != nil {
		return nil, err
	}
	sc, err := scenarios.Load(c.Args().First(), overrides)
	if err != nil {
		return nil, badInput(err)
	}
	if c.IsSet("seed") {
		sc.SetSeed(c.Uint64("seed"))
	}
	if c.IsSet("epochs") {
		if err := sc.SetEpochs(c.Uint64("epochs")); err != nil {
			return nil, badInput(fmt.Errorf("--epochs: %w", err))
		}
	}
	if c.IsSet("bls") {
		if err := sc.SetBLS(c.String("bls")); err != nil {
			return nil, badInput(fmt.Errorf("--bls: %w", err))
		}
	}
	return sc, nil
}

// simulate runs sc into w (through the narrator when the story is told),
// finishes the outputs, writes the report and prints the summary; an
// interrupted run ends with exit code 130 after its outputs are written.
func simulate(ctx context.Context, sc *scenarios.Scenario, w *output.Writer, cfg runConfig, stdout, stderr io.Writer) error {
	// Narration goes to stdout line by line; a progress bar on the same
	// terminal would cut into it, so the story turns progress off.
	var sink sim.Sink = w
	var story *narrate.Narrator
	if cfg.narrate {
		var to io.Writer = newPacedWriter(stdout, cfg.pace)
		if cfg.story != nil {
			to = io.MultiWriter(to, cfg.story)
		}
		story = narrate.New(to, w, sc)
		sink = story
	}
	prog := newProgress(stderr, cfg.quiet || story != nil, sc.Epochs)
	res, err := sim.Run(ctx, sc, sink, sim.Options{Workers: cfg.workers, Progress: prog.update, Started: prog.started, Now: time.Now, NoKeyCache: !cfg.keys})
	prog.finish(err == nil)
	if err != nil {
		w.Abort()
		if story != nil {
			_ = story.Flush() // the story up to the failure; the run error matters more
		}
		return fmt.Errorf("run %s seed=%d: %w", sc.Name, sc.Seed, err)
	}
	if err := w.Finish(&res.Summary, &res.Timing); err != nil {
		return err
	}
	if story != nil {
		if err := story.Finish(&res.Summary); err != nil {
			return fmt.Errorf("narrate: %w", err)
		}
		if _, err := fmt.Fprintln(stdout); err != nil {
			return err
		}
	}
	if err := printSummary(stdout, &res.Summary, &res.Timing, w.Dir()); err != nil {
		return err
	}
	if err := writePages(w.Dir(), cfg, stdout); err != nil {
		return err
	}
	if s := &res.Summary; s.Interrupted {
		return &exitError{code: exitInterrupted, err: fmt.Errorf("interrupted: %d of %d epochs completed; their outputs are in %s", s.CompletedEpochs, s.Epochs, w.Dir())}
	}
	return nil
}

// writeScenario writes the run directory's scenario.yaml: the scenario as
// it runs, with a header saying how to reproduce the run.
func writeScenario(w *output.Writer, sc *scenarios.Scenario, sets []string) error {
	build := buildinfo.Read()
	from := sc.Source
	if sc.ResolvedFrom != "" {
		from = sc.ResolvedFrom
	}
	header := fmt.Sprintf(`The scenario of this run, resolved by stakesim %s (commit %s) from %s%s.
Every expression is replaced by its value and the params' defaults are the
values the run used. Reproduce the run (byte-identical epochs.csv,
events.jsonl and summary.json with the same stakesim) with:
  stakesim run %s --seed %d --out DIR`,
		build.Version, build.Commit, from, setsText(sets), filepath.Join(w.Dir(), output.ScenarioFile), sc.Seed)
	data, err := sc.ResolvedYAML(header)
	if err != nil {
		return err
	}
	return w.WriteScenario(data)
}

// setsText is " with --set A --set B" for the --set flags given, or "".
func setsText(sets []string) string {
	if len(sets) == 0 {
		return ""
	}
	return " with --set " + strings.Join(sets, " --set ")
}

// badOut turns an error of output.Create for --out dir into a bad-input
// error (exit code 2) whose message names dir.
func badOut(dir string, err error) error {
	switch {
	case errors.Is(err, output.ErrNotEmpty):
		return badInput(fmt.Errorf("output directory %s is not empty; pass --force to replace it, or choose another --out", dir))
	case errors.Is(err, output.ErrNotRunDir):
		return badInput(fmt.Errorf("output directory %s is not empty and was not written by stakesim (it has no %s file); --force only replaces stakesim's own run directories: choose another --out, or empty it yourself", dir, output.MarkerFile))
	case errors.Is(err, output.ErrUnsafeDir):
		return badInput(fmt.Errorf("--out %s is the working directory or one of its ancestors; a run needs a directory of its own, e.g. --out runs/NAME", dir))
	}
	return badInput(fmt.Errorf("cannot write to --out %s: %s", dir, strings.TrimPrefix(err.Error(), "output: ")))
}

// progress shows how far a run has come: a bar on a terminal, otherwise a
// line about every tenth of the run.
type progress struct {
	w   io.Writer
	bar *progressbar.ProgressBar
	// describe: the bar has room for the justified and finalized epochs.
	describe bool
	lines    bool
	step     uint64 // epochs between lines
	next     uint64 // epoch at which the next line is due
	ended    bool   // the last line has been printed
	start    time.Time
	now      func() time.Time
	// last is when the last line was printed; recent holds the (time,
	// epoch) of the last few updates, for an ETA from the recent rate.
	last   time.Time
	recent []progressSample
}

// progressSample is one progress update.
type progressSample struct {
	at    time.Time
	epoch uint64
}

// Without a terminal, a progress line is printed at every tenth of the run
// and at least every progressEvery; the ETA comes from the rate over the
// last progressWindow updates.
const (
	progressEvery  = 10 * time.Second
	progressWindow = 20
)

func newProgress(stderr io.Writer, quiet bool, epochs uint64) *progress {
	return newProgressAt(stderr, quiet, epochs, time.Now)
}

// newProgressAt is newProgress with an injected clock.
func newProgressAt(stderr io.Writer, quiet bool, epochs uint64, now func() time.Time) *progress {
	p := &progress{w: stderr, start: now(), now: now}
	p.last = p.start
	switch {
	case quiet:
	case isTerminal(stderr):
		p.bar, p.describe = newBar(stderr, epochs, terminalWidth(stderr))
	default:
		p.lines = true
		p.step = max(1, (epochs+9)/10)
		p.next = p.step
	}
	return p
}

// Widths of the progress line's parts, for newBar: the description
// ("justified N finalized N" with 6-digit epochs), and what the bar
// prints around the bar itself (" 100% |", "| (123456/123456, 12 it/s)"
// and " [1h2m3s:1h2m3s]", rounded up).
const (
	barDescWidth   = 34
	barFixedWidth  = 30
	barTimesWidth  = 20
	barMinWidth    = 10
	barNormalWidth = 30
)

// newBar makes the progress bar for a terminal of the given width (0:
// unknown, taken as 80 columns) so that its line never wraps: the
// description, the times and the count go, in that order, when the
// terminal is too narrow for them.
func newBar(w io.Writer, epochs uint64, width int) (*progressbar.ProgressBar, bool) {
	if width <= 0 {
		width = 80
	}
	room := width - 1 // never the last column: some terminals wrap there
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	}
	describe := room >= barDescWidth+barFixedWidth+barTimesWidth+barNormalWidth
	if describe {
		room -= barDescWidth
		opts = append(opts, progressbar.OptionSetDescription("epochs"))
	}
	if room >= barFixedWidth+barTimesWidth+barMinWidth {
		room -= barTimesWidth
		opts = append(opts, progressbar.OptionSetPredictTime(true), progressbar.OptionSetElapsedTime(true))
	} else {
		opts = append(opts, progressbar.OptionSetPredictTime(false), progressbar.OptionSetElapsedTime(false))
	}
	if room >= barFixedWidth+barMinWidth {
		room -= barFixedWidth
		opts = append(opts, progressbar.OptionShowCount())
	} else {
		room -= 8 // " 100% |" and "|"
	}
	opts = append(opts, progressbar.OptionSetWidth(max(1, min(barNormalWidth, room))))
	return progressbar.NewOptions64(int64(epochs), opts...), describe
}

// terminalWidth is the width of the terminal w is, or 0.
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return width
}

// isTerminal reports whether w is a terminal; only an *os.File can be.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// startupNoteSeconds: a start-up at least this long gets its own line
// (a million validators take seconds to build; small runs start at once).
const startupNoteSeconds = 5

// started is the engine's Started callback: a line saying how long the
// start-up took and how much of it went to the keys, when it was long.
func (p *progress) started(s sim.Startup) {
	if (p.bar == nil && !p.lines) || s.Seconds < startupNoteSeconds {
		return
	}
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	keys := "no keys (BLS off)"
	switch s.KeyCache {
	case "hit":
		keys = fmt.Sprintf("keys %s from the key cache", seconds(s.KeySeconds))
	case "miss":
		keys = fmt.Sprintf("keys %s derived and stored in the key cache", seconds(s.KeySeconds))
	default:
		if s.KeySeconds > 0 {
			keys = fmt.Sprintf("keys %s derived", seconds(s.KeySeconds))
		}
	}
	fmt.Fprintf(p.w, "  started in %s: %s, genesis, views and agents %s\n", seconds(s.Seconds), keys, seconds(s.Seconds-s.KeySeconds))
}

// seconds prints a duration in seconds to a tenth.
func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(100 * time.Millisecond).String()
}

// update is the engine's Progress callback.
func (p *progress) update(pr sim.Progress) {
	switch {
	case p.bar != nil:
		if p.describe {
			p.bar.Describe(fmt.Sprintf("justified %d finalized %d", pr.JustifiedEpoch, pr.FinalizedEpoch))
		}
		_ = p.bar.Set64(int64(min(pr.Epoch, pr.Epochs)))
	case p.lines && !p.ended:
		now := p.now()
		p.recent = append(p.recent, progressSample{now, pr.Epoch})
		if len(p.recent) > progressWindow {
			p.recent = p.recent[1:]
		}
		if pr.Epoch < p.next && pr.Epoch < pr.Epochs && now.Sub(p.last) < progressEvery {
			return
		}
		pct := uint64(100)
		if pr.Epochs > 0 {
			pct = min(100, pr.Epoch*100/pr.Epochs)
		}
		fmt.Fprintf(p.w, "  epoch %d/%d (%d%%) justified=%d finalized=%d branches=%d elapsed=%s%s\n",
			pr.Epoch, pr.Epochs, pct, pr.JustifiedEpoch, pr.FinalizedEpoch, pr.Branches,
			now.Sub(p.start).Round(100*time.Millisecond), p.eta(pr))
		p.last = now
		p.next = (pr.Epoch/p.step + 1) * p.step
		p.ended = pr.Epoch >= pr.Epochs
	}
}

// eta is " eta=D" from the rate over the recent updates, or "" when it
// cannot be told (the run is done, or too few updates).
func (p *progress) eta(pr sim.Progress) string {
	if pr.Epoch >= pr.Epochs || len(p.recent) < 2 {
		return ""
	}
	first, last := p.recent[0], p.recent[len(p.recent)-1]
	done, took := last.epoch-first.epoch, last.at.Sub(first.at)
	if done == 0 || took <= 0 {
		return ""
	}
	left := time.Duration(float64(took) * float64(pr.Epochs-pr.Epoch) / float64(done))
	return " eta=" + left.Round(time.Second).String()
}

// finish ends the bar: filled when the run completed, left where it
// stopped when it failed.
func (p *progress) finish(completed bool) {
	if p.bar == nil {
		return
	}
	if completed {
		_ = p.bar.Finish()
	} else {
		_ = p.bar.Exit()
	}
}
