package slurm_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Hang guards: a step that takes longer than this is killed and the test
// fails. They bound the test; they are not what it measures.
const (
	buildTimeout   = 5 * time.Minute
	clusterTimeout = 5 * time.Minute // may include installing the packages
	jobTimeout     = 5 * time.Minute
	stepTimeout    = 2 * time.Minute
)

// TestSlurmArraySweep runs the example sweep on a real single-node Slurm
// cluster: it starts the cluster with cluster.sh, submits sweep.sbatch
// unchanged as a 4-task job array, merges the shards with stakesim merge,
// and checks that the merged results are byte-identical to the same sweep
// run in one process.
//
// It needs root and a Debian machine (cluster.sh installs slurmctld, slurmd,
// slurm-client and munge when they are missing), so it runs only when
// CI=true or STAKESIM_SLURM=1. Once enabled, a failure to install or start
// Slurm fails the test.
func TestSlurmArraySweep(t *testing.T) {
	if os.Getenv("CI") != "true" && os.Getenv("STAKESIM_SLURM") != "1" {
		t.Skip("starts a Slurm cluster as root (installing Debian packages if needed); " +
			"run with STAKESIM_SLURM=1 go test ./examples/slurm/ -run TestSlurm -v")
	}
	if os.Geteuid() != 0 {
		t.Fatal("the Slurm test must run as root: cluster.sh installs packages and starts munged, slurmctld and slurmd")
	}

	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(here, "..", "..") // the module root
	clusterSh := filepath.Join(here, "cluster.sh")
	sweepFile := filepath.Join(here, "small-sweep.yaml")
	tmp := t.TempDir()
	env := cleanEnv()

	// Build the binary the array tasks run.
	stakesim := filepath.Join(tmp, "stakesim")
	mustRun(t, buildTimeout, root, env, "go", "build", "-o", stakesim, "./cmd/stakesim")

	// Start the cluster unless one started by cluster.sh already runs (then
	// it is left running, as it is not ours to stop).
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	_, statusErr := run(ctx, here, env, "bash", clusterSh, "status")
	running := statusErr == nil
	if running {
		t.Log("cluster.sh status: a cluster is already running; using it and leaving it running")
	} else {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
			defer cancel()
			if out, err := run(ctx, here, env, "bash", clusterSh, "stop"); err != nil {
				t.Errorf("cluster.sh stop: %v\n%s", err, out.all())
			}
		})
	}
	out, err := run(ctx, here, env, "bash", clusterSh, "start")
	if err != nil {
		t.Fatalf("cluster.sh start: %v\n%s", err, out.all())
	}
	t.Logf("cluster.sh start:\n%s", ownLines(out.stderr, "cluster.sh: "))
	conf := slurmConf(out.stdout)
	if conf == "" {
		t.Fatalf("cluster.sh start printed no SLURM_CONF line; stdout:\n%s", out.stdout)
	}
	env = append(env, "SLURM_CONF="+conf)

	// On failure, show what the jobs and the daemons said. (Cleanups run
	// last-registered first: this one runs before cluster.sh stop.)
	jobDir := filepath.Join(tmp, "job")
	if err := os.MkdirAll(jobDir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			logFiles(t, filepath.Join(jobDir, "*.out"))
			logFiles(t, filepath.Join(filepath.Dir(conf), "log", "*.out"))
		}
	})

	// Submit the example array script unchanged and wait for every task.
	outDir := filepath.Join(tmp, "out")
	jctx, jcancel := context.WithTimeout(context.Background(), jobTimeout)
	defer jcancel()
	sub, err := run(jctx, jobDir, env, "sbatch", "--wait", "--parsable",
		"--array=0-3", "--time=10", "--chdir="+jobDir,
		"--export=ALL,SWEEP="+sweepFile+",OUT="+outDir+",STAKESIM="+stakesim,
		filepath.Join(here, "sweep.sbatch"))
	jobID := strings.TrimSpace(strings.SplitN(sub.stdout, ";", 2)[0])
	if err != nil {
		if jobID != "" && jctx.Err() != nil {
			// Timed out: do not leave the job queued.
			_, _ = run(context.Background(), jobDir, env, "scancel", jobID)
		}
		t.Fatalf("sbatch --wait (job %q): %v\n%s", jobID, err, sub.all())
	}
	t.Logf("array job %s finished", jobID)

	// Every task wrote a shard, and the shards split the runs.
	shards, err := filepath.Glob(filepath.Join(outDir, "shard-*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(shards) != 4 {
		t.Fatalf("shard directories in %s: got %d (%v), want 4", outDir, len(shards), shards)
	}
	total := 0
	for _, s := range shards {
		rows := readCSV(t, filepath.Join(s, "results.csv"))
		n := len(rows) - 1
		if n >= 8 {
			t.Errorf("%s has %d runs: the array did not shard the 8 runs", s, n)
		}
		total += n
	}
	if total != 8 {
		t.Errorf("shards hold %d runs in all, want 8", total)
	}

	// Merge the shards, and run the same sweep in one process.
	merged := filepath.Join(outDir, "merged")
	mustRun(t, stepTimeout, tmp, env, stakesim, append(append([]string{"merge"}, shards...), "--out", merged)...)
	one := filepath.Join(tmp, "one")
	mustRun(t, stepTimeout, tmp, env, stakesim, "sweep", sweepFile, "--out", one, "--quiet")

	for _, name := range []string{"results.csv", "results.parquet"} {
		a, errA := os.ReadFile(filepath.Join(merged, name))
		b, errB := os.ReadFile(filepath.Join(one, name))
		if err := errors.Join(errA, errB); err != nil {
			t.Fatal(err)
		}
		if len(a) == 0 {
			t.Errorf("merged %s is empty", name)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: merged shards (%d bytes) differ from the one-process sweep (%d bytes)", name, len(a), len(b))
		}
	}

	// The table has the 8 runs, each once and each successful.
	rows := readCSV(t, filepath.Join(merged, "results.csv"))
	if len(rows) != 1+8 {
		t.Fatalf("merged results.csv: %d data rows, want 8", len(rows)-1)
	}
	header := rows[0]
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		t.Fatalf("results.csv has no %q column: %v", name, header)
		return -1
	}
	idCol, statusCol := col("run_id"), col("status")
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		if seen[r[idCol]] {
			t.Errorf("run %s appears twice", r[idCol])
		}
		seen[r[idCol]] = true
		if r[statusCol] != "ok" {
			t.Errorf("run %s: status %q, want ok", r[idCol], r[statusCol])
		}
	}
}

// output is what a command wrote.
type output struct{ stdout, stderr string }

func (o output) all() string { return o.stdout + o.stderr }

// run runs a command in dir with env and returns its output.
func run(ctx context.Context, dir string, env []string, name string, args ...string) (output, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	// The daemons cluster.sh starts do not keep our pipes, but do not let
	// a stray child holding them hang the test either.
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return output{stdout.String(), stderr.String()}, err
}

// mustRun runs a command with a timeout and fails the test if it fails.
func mustRun(t *testing.T, timeout time.Duration, dir string, env []string, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := run(ctx, dir, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.all())
	}
}

// cleanEnv returns the environment without the variables stakesim sweep
// takes its shard or worker count from, so that the test behaves the same
// when it runs inside a Slurm job or a Kubernetes pod.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "SLURM_") || strings.HasPrefix(kv, "JOB_COMPLETION_INDEX=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// slurmConf returns the path in the "export SLURM_CONF=PATH" line that
// cluster.sh start prints.
func slurmConf(stdout string) string {
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		if p, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "export SLURM_CONF="); ok {
			return p
		}
	}
	return ""
}

// ownLines returns the lines of s that start with prefix (leaving out the
// package manager's output).
func ownLines(s, prefix string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if strings.HasPrefix(line, prefix) {
			b.WriteString(line)
		}
	}
	return b.String()
}

// readCSV reads a whole CSV file (header first).
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no header", path)
	}
	return rows
}

// logFiles writes the files matching pattern to the test log.
func logFiles(t *testing.T, pattern string) {
	t.Helper()
	paths, _ := filepath.Glob(pattern)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Logf("%s: %v", p, err)
			continue
		}
		const limit = 8000
		if len(b) > limit {
			b = append([]byte("...\n"), b[len(b)-limit:]...)
		}
		t.Logf("---- %s\n%s", p, b)
	}
}
