package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/stakesim/stakesim/report"
	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sweep"
)

func sweepCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "sweep",
		Usage:     "run a scenario over a grid or sample of params and seeds, in parallel, resumable and shardable",
		ArgsUsage: "SWEEP.yaml",
		Description: `Runs every point of a sweep file (see the README's "Sweeps" section) and writes
DIR/results.csv and DIR/results.parquet: one row per run, sorted by run_id, the same
bytes whatever the worker count, the sharding or the interruptions. Each finished run
is appended to DIR/journal.jsonl at once; --resume continues a sweep that was
stopped or killed. The shard is --shard K/N, else SLURM_ARRAY_TASK_ID + 1 of SLURM_ARRAY_TASK_COUNT
(Slurm job arrays submitted as --array=0-(N-1); --shard-count N overrides the
count when part of an array is resubmitted), else JOB_COMPLETION_INDEX + 1 of
--shard-count N (Kubernetes indexed jobs). Combine shard directories with
stakesim merge.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "output `DIR` (required unless --dry-run)"},
			&cli.IntFlag{Name: "workers", Usage: "`N` runs in parallel", DefaultText: "SLURM_CPUS_PER_TASK, else the number of CPUs"},
			&cli.StringFlag{Name: "shard", Usage: "run only slice `K/N` of the runs (K from 1 to N)"},
			&cli.IntFlag{Name: "shard-count", Usage: "`N` shards, with the index taken from JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID (Slurm; default SLURM_ARRAY_TASK_COUNT)"},
			&cli.BoolFlag{Name: "resume", Usage: "continue the sweep journaled in --out (starts afresh when --out is empty)"},
			&cli.BoolFlag{Name: "keep-runs", Usage: "also write every run's full outputs to DIR/runs/RUN_ID/"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the runs and their count, run nothing"},
			&cli.BoolFlag{Name: "quiet", Usage: "print no header or progress on stderr"},
			&cli.BoolFlag{Name: "no-report", Usage: "write no report.html (stakesim report DIR writes it later)"},
			&cli.BoolFlag{Name: "no-key-cache", Usage: "derive every run's BLS keys instead of using the key cache"},
		},
		Action: func(c *cli.Context) error { return runSweep(c, stdout, stderr) },
	}
}

func mergeCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "merge",
		Usage:     "combine the output directories of a sweep's shards into one",
		ArgsUsage: "DIR...",
		Description: `Checks that the directories hold shards of one sweep, each complete, together
holding every run exactly once, and writes to --out the results.csv and
results.parquet a one-process sweep would have written (byte-identical).`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "output `DIR` (must be new or empty)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return badInput(errors.New("merge needs at least one shard DIR"))
			}
			out := c.String("out")
			if out == "" {
				return badInput(errors.New("merge needs --out DIR"))
			}
			rep, err := sweep.Merge(c.Args().Slice(), out)
			if err != nil {
				return badInput(err)
			}
			_, err = fmt.Fprintf(stdout, "merged %d directories: %d runs (%d with status error)\nresults in %s (%s, %s)\n",
				rep.Dirs, rep.Runs, rep.Errors, out, sweep.ResultsCSV, sweep.ResultsPQ)
			return err
		},
	}
}

// resolveShard picks the shard from --shard, else from a Slurm job array,
// else from a Kubernetes indexed job; the second result says where it came
// from ("" for the whole sweep).
func resolveShard(flag string, count int, countSet bool, getenv func(string) string) (sweep.Shard, string, error) {
	if flag != "" {
		s, err := sweep.ParseShard(flag)
		if err != nil {
			return sweep.Shard{}, "", fmt.Errorf("--shard: %w", err)
		}
		return s, "--shard", nil
	}
	envInt := func(name string) (int, bool, error) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, true, fmt.Errorf("%s=%q is not a non-negative integer", name, v)
		}
		return n, true, nil
	}
	if id, ok, err := envInt("SLURM_ARRAY_TASK_ID"); err != nil {
		return sweep.Shard{}, "", err
	} else if ok {
		n, okN, err := envInt("SLURM_ARRAY_TASK_COUNT")
		if err != nil {
			return sweep.Shard{}, "", err
		}
		if countSet {
			n, okN = count, true
		}
		if !okN {
			return sweep.Shard{}, "", errors.New("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; pass --shard K/N")
		}
		// Task ids are shard indices from 0, so that resubmitting part of
		// an array (--array=2 with --shard-count 4) runs the same shard.
		s := sweep.Shard{K: id + 1, N: n}
		if !s.Valid() {
			return sweep.Shard{}, "", fmt.Errorf("SLURM_ARRAY_TASK_ID=%d is not below the shard count %d: submit the array as --array=0-%d, and when resubmitting part of it pass the whole count with --shard-count (sweep.sbatch: SHARDS=N)", id, n, max(n, 1)-1)
		}
		return s, "Slurm array", nil
	}
	if idx, ok, err := envInt("JOB_COMPLETION_INDEX"); err != nil {
		return sweep.Shard{}, "", err
	} else if ok {
		if !countSet {
			return sweep.Shard{}, "", errors.New("JOB_COMPLETION_INDEX is set: pass --shard-count N (the Job's completions)")
		}
		s := sweep.Shard{K: idx + 1, N: count}
		if !s.Valid() {
			return sweep.Shard{}, "", fmt.Errorf("JOB_COMPLETION_INDEX=%d is not below --shard-count %d", idx, count)
		}
		return s, "Kubernetes indexed job", nil
	}
	if countSet {
		return sweep.Shard{}, "", errors.New("--shard-count needs JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID in the environment; use --shard K/N otherwise")
	}
	return sweep.All, "", nil
}

func runSweep(c *cli.Context, stdout, stderr io.Writer) error {
	if c.NArg() != 1 {
		return badInput(errors.New("sweep needs exactly one SWEEP file"))
	}
	file := c.Args().First()
	if c.IsSet("shard-count") && c.Int("shard-count") < 1 {
		return badInput(fmt.Errorf("--shard-count: %d is not a positive count", c.Int("shard-count")))
	}
	shard, shardFrom, err := resolveShard(c.String("shard"), c.Int("shard-count"), c.IsSet("shard-count"), os.Getenv)
	if err != nil {
		return badInput(err)
	}
	workers := c.Int("workers")
	if workers < 0 {
		return badInput(fmt.Errorf("--workers: %d is negative", workers))
	}
	if workers == 0 {
		workers = runtime.NumCPU()
		if n, err := strconv.Atoi(os.Getenv("SLURM_CPUS_PER_TASK")); err == nil && n > 0 {
			workers = n
		}
	}
	sw, err := scenarios.LoadSweep(file)
	if err != nil {
		return badInput(err)
	}
	plan, err := sweep.NewPlan(sw)
	if err != nil {
		return badInput(err)
	}
	runs := plan.ShardRuns(shard)
	if err := plan.Check(runs); err != nil {
		return badInput(err)
	}
	if c.Bool("dry-run") {
		return printDryRun(stdout, plan, shard, runs)
	}
	out := c.String("out")
	if out == "" {
		return badInput(errors.New("sweep needs --out DIR (or --dry-run)"))
	}
	quiet := c.Bool("quiet")
	if !quiet {
		from := ""
		if shardFrom != "" {
			from = " (from " + shardFrom + ")"
		}
		fmt.Fprintf(stderr, "stakesim sweep %s: scenario %s, %s; shard %s%s: %d runs, %d workers -> %s\n",
			file, sw.Base.Name, countText(plan), shard, from, len(runs), workers, out)
	}
	prog := newSweepProgress(stderr, quiet, plan, len(runs))
	start := time.Now()
	rep, err := sweep.Execute(c.Context, plan, sweep.Options{
		Dir: out, Shard: shard, Workers: workers, Resume: c.Bool("resume"), KeepRuns: c.Bool("keep-runs"),
		Progress: prog.update, Now: time.Now, NoKeyCache: c.Bool("no-key-cache"),
	})
	prog.finish()
	if err != nil {
		// A directory of another sweep, or one whose sweep.json or journal
		// is not a regular file or is too large, is the user's mistake.
		var list scenarios.ErrorList
		if errors.Is(err, sweep.ErrDirNotEmpty) || errors.Is(err, sweep.ErrOtherSweep) ||
			errors.Is(err, scenarios.ErrNotRegular) || errors.As(err, &list) {
			return badInput(err)
		}
		return err
	}
	return finishSweep(stdout, sw.Base.Name, out, rep, time.Since(start), !c.Bool("no-report"))
}

// finishSweep prints what a finished sweep did and writes its report.
func finishSweep(stdout io.Writer, name, out string, rep *sweep.Report, took time.Duration, withReport bool) error {
	rate := 0.0
	if s := took.Seconds(); s > 0 {
		rate = float64(rep.Ran) / s
	}
	_, err := fmt.Fprintf(stdout, "sweep %s shard %s: %d runs (%d resumed from the journal, %d run now at %.2f runs/s), %d with status error\nresults in %s (%s, %s)\n",
		name, rep.Shard, rep.Total, rep.Resumed, rep.Ran, rate, rep.Errors, out, sweep.ResultsCSV, sweep.ResultsPQ)
	if err != nil || !withReport {
		return err
	}
	path, err := report.Write(out)
	if err != nil {
		return fmt.Errorf("the sweep's results are complete in %s, but its report failed: %w", out, err)
	}
	return printReportPath(stdout, path)
}

// countText says how the run count comes about: "4 points × 3 seeds = 12 runs".
func countText(p *sweep.Plan) string {
	seeds := len(p.Sweep.Seeds)
	return fmt.Sprintf("%d points × %d seeds = %d runs", p.Sweep.Points(), seeds, len(p.Runs))
}

// printDryRun lists the runs of the shard in expansion order.
func printDryRun(w io.Writer, p *sweep.Plan, shard sweep.Shard, runs []sweep.Run) error {
	swept := p.Sweep.SweptParams()
	col := make([]int, len(swept))
	for i, name := range swept {
		for j, q := range p.Params {
			if q == name {
				col[i] = j
			}
		}
	}
	epochs := fmt.Sprintf("epochs %d", p.Epochs)
	if p.Epochs == 0 {
		epochs = "epochs: each point's own (the scenario's at its params)"
	}
	fmt.Fprintf(w, "sweep %s: scenario %s, %s, bls %s\n%s; shard %s: %d runs\n\n",
		p.Sweep.Source, p.Sweep.Base.Name, epochs, p.BLS, countText(p), shard, len(runs))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "RUN_ID\tSEED")
	for _, name := range swept {
		fmt.Fprintf(tw, "\t%s", name)
	}
	if p.Epochs == 0 {
		fmt.Fprintf(tw, "\tEPOCHS")
	}
	fmt.Fprintln(tw)
	perPoint := max(1, len(p.Sweep.Seeds))
	epochsOf := map[int]uint64{} // by point: seeds share a point's length
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%d", r.ID, r.Seed)
		for _, j := range col {
			fmt.Fprintf(tw, "\t%s", p.FormatValue(j, r.Values[j]))
		}
		if p.Epochs == 0 {
			n, ok := epochsOf[r.Index/perPoint]
			if !ok {
				var err error
				if n, err = p.RunEpochs(r); err != nil { // Check loaded every point already
					return err
				}
				epochsOf[r.Index/perPoint] = n
			}
			fmt.Fprintf(tw, "\t%d", n)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d runs\n", len(runs))
	return err
}

// sweepProgress shows a sweep's progress: a bar with count, rate and ETA on
// a terminal, otherwise one line per finished run.
type sweepProgress struct {
	w       io.Writer
	plan    *sweep.Plan
	bar     *progressbar.ProgressBar
	lines   bool
	start   time.Time
	started bool
}

func newSweepProgress(stderr io.Writer, quiet bool, plan *sweep.Plan, total int) *sweepProgress {
	p := &sweepProgress{w: stderr, plan: plan, start: time.Now()}
	switch {
	case quiet:
	case isTerminal(stderr):
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("runs"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("runs"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }),
		)
	default:
		p.lines = true
	}
	return p
}

// update is sweep.Options.Progress.
func (p *sweepProgress) update(pr sweep.Progress) {
	switch {
	case p.bar != nil:
		if !p.started && pr.Resumed > 0 {
			_ = p.bar.Set(pr.Resumed)
		}
		p.started = true
		p.bar.Describe(fmt.Sprintf("runs (%d errors)", pr.Errors))
		_ = p.bar.Set(pr.Done)
	case p.lines:
		elapsed := time.Since(p.start).Seconds()
		ran := pr.Done - pr.Resumed
		rate, eta := 0.0, ""
		if elapsed > 0 && ran > 0 {
			rate = float64(ran) / elapsed
			eta = ", ETA " + time.Duration(float64(pr.Total-pr.Done)/rate*float64(time.Second)).Round(time.Second).String()
		}
		status := pr.Status
		if pr.Err != "" {
			status += ": " + pr.Err
		}
		fmt.Fprintf(p.w, "  [%d/%d] %s %s: %s (%.1f s); %.2f runs/s%s\n",
			pr.Done, pr.Total, pr.Run.ID, p.plan.Describe(pr.Run), status, pr.Seconds, rate, eta)
	}
}

func (p *sweepProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Exit()
	}
}
