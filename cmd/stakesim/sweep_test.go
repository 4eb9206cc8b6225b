package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stakesim/stakesim/sweep"
)

// TestMain lets a test re-run this binary as the stakesim CLI (for the
// SIGKILL and SIGINT tests): with STAKESIM_TEST_MAIN=1 the arguments after
// the binary name are the CLI's, and main handles signals as stakesim does.
func TestMain(m *testing.M) {
	if os.Getenv("STAKESIM_TEST_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

func writeSweep(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sweep.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestResolveShard(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name     string
		flag     string
		count    int
		countSet bool
		getenv   func(string) string
		want     sweep.Shard
		err      string
	}{
		{"none", "", 0, false, env(), sweep.All, ""},
		{"flag", "2/5", 0, false, env("SLURM_ARRAY_TASK_ID", "0", "SLURM_ARRAY_TASK_COUNT", "4"), sweep.Shard{K: 2, N: 5}, ""},
		{"flag zero-based", "0/5", 0, false, env(), sweep.Shard{}, "numbered from 1"},
		{"slurm", "", 0, false, env("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "4"), sweep.Shard{K: 4, N: 4}, ""},
		{"slurm numbered from 1", "", 0, false, env("SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_COUNT", "4", "SLURM_ARRAY_TASK_MIN", "1"), sweep.Shard{}, "--array=0-3"},
		{"slurm part resubmitted", "", 0, false, env("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "1", "SLURM_ARRAY_TASK_MIN", "2"), sweep.Shard{}, "--shard-count"},
		{"slurm part resubmitted with count", "", 4, true, env("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "1", "SLURM_ARRAY_TASK_MIN", "2"), sweep.Shard{K: 3, N: 4}, ""},
		{"slurm no count", "", 0, false, env("SLURM_ARRAY_TASK_ID", "1"), sweep.Shard{}, "SLURM_ARRAY_TASK_COUNT"},
		{"slurm garbage", "", 0, false, env("SLURM_ARRAY_TASK_ID", "x", "SLURM_ARRAY_TASK_COUNT", "4"), sweep.Shard{}, "not a non-negative integer"},
		{"k8s", "", 3, true, env("JOB_COMPLETION_INDEX", "0"), sweep.Shard{K: 1, N: 3}, ""},
		{"k8s last", "", 3, true, env("JOB_COMPLETION_INDEX", "2"), sweep.Shard{K: 3, N: 3}, ""},
		{"k8s no count", "", 0, false, env("JOB_COMPLETION_INDEX", "2"), sweep.Shard{}, "--shard-count"},
		{"k8s past count", "", 3, true, env("JOB_COMPLETION_INDEX", "3"), sweep.Shard{}, "not below"},
		{"count without index", "", 3, true, env(), sweep.Shard{}, "JOB_COMPLETION_INDEX"},
	}
	for _, tc := range tests {
		got, _, err := resolveShard(tc.flag, tc.count, tc.countSet, tc.getenv)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestSweepBadInput(t *testing.T) {
	bad := writeSweep(t, "scenario: offline-20\ngrid:\n  offline_share: [0.1, 0.95]\n")
	code, _, stderr := runCLI(t, "sweep", bad, "--out", filepath.Join(t.TempDir(), "o"))
	if code != exitBadInput || !strings.Contains(stderr, bad+":3:24: grid.offline_share[1]: 0.95 is outside the range [0, 0.9]") {
		t.Errorf("out-of-range value: exit %d, stderr:\n%s", code, stderr)
	}
	checkNoTrace(t, stderr)
	good := writeSweep(t, "scenario: offline-20\nepochs: 2\nbls: off\ngrid: {offline_share: [0.1]}\n")
	for _, args := range [][]string{
		{"sweep", good}, // no --out
		{"sweep", good, "--dry-run", "--shard", "3/2"}, // bad shard
		{"sweep", good, "--dry-run", "--workers", "-1"},
		{"sweep", good, "--dry-run", "--shard-count", "2"}, // no index in the environment
		{"sweep"},
		{"merge", "--out", t.TempDir()},
		{"merge", t.TempDir()},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != exitBadInput {
			t.Errorf("%v: exit %d, want 2; stderr %s", args, code, stderr)
		}
		checkNoTrace(t, stderr)
	}
	// A non-empty --out is refused without --resume, and nothing is written.
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "x"), []byte("x"), 0o644)
	code, _, stderr = runCLI(t, "sweep", good, "--out", out, "--quiet")
	if code != exitBadInput || !strings.Contains(stderr, "--resume") {
		t.Errorf("non-empty --out: exit %d, stderr %s", code, stderr)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 1 {
		t.Errorf("a refused sweep wrote into %s", out)
	}
}

func TestSweepDryRun(t *testing.T) {
	f := writeSweep(t, "scenario: offline-20\nreplicates: 2\ngrid: {offline_share: [0, 0.1, 0.2]}\n")
	code, stdout, stderr := runCLI(t, "sweep", f, "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "3 points × 2 seeds = 6 runs") || !strings.Contains(stdout, "\n6 runs\n") {
		t.Errorf("dry run does not give the count:\n%s", stdout)
	}
	if lines := strings.Count(stdout, "offline_share"); lines != 1 {
		t.Errorf("dry run header: %d mentions of offline_share", lines)
	}
	code, stdout, _ = runCLI(t, "sweep", f, "--dry-run", "--shard", "2/4")
	if code != 0 || !strings.Contains(stdout, "shard 2/4: 2 runs") {
		t.Errorf("dry run of a shard:\n%s", stdout)
	}
}

// TestSweepDryRunEpochsAndWords: without epochs in the sweep file the dry
// run shows each point's run length (attack-33's: 538 at 0.34, 3,210 at
// 0.40), and a choice param its words.
func TestSweepDryRunEpochsAndWords(t *testing.T) {
	f := writeSweep(t, "scenario: attack-33\nbls: off\ngrid:\n  attacker_share: [0.34, 0.4]\n  preset: [0, 1]\n")
	code, stdout, stderr := runCLI(t, "sweep", f, "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "epochs: each point's own") || !regexp.MustCompile(`(?m)^RUN_ID +SEED +attacker_share +preset +EPOCHS$`).MatchString(stdout) {
		t.Errorf("dry run header:\n%s", stdout)
	}
	for _, row := range []string{`0\.34 +minimal +538`, `0\.34 +mainnet +538`, `0\.4 +minimal +3210`, `0\.4 +mainnet +3210`} {
		if !regexp.MustCompile(`(?m)^[0-9a-f]{16} +1 +` + row + `$`).MatchString(stdout) {
			t.Errorf("dry run lacks a row %q:\n%s", row, stdout)
		}
	}
}

// TestSweepShardsMergeCLI runs a sweep whole and in two shards through the
// CLI and checks the merge is byte-identical.
func TestSweepShardsMergeCLI(t *testing.T) {
	f := writeSweep(t, "scenario: offline-20\nepochs: 3\nbls: off\nseeds: [1, 2]\ngrid: {offline_share: [0, 0.2]}\n")
	base := t.TempDir()
	whole := filepath.Join(base, "whole")
	if code, _, stderr := runCLI(t, "sweep", f, "--out", whole, "--workers", "2"); code != 0 {
		t.Fatalf("sweep: exit %d\n%s", code, stderr)
	} else if !strings.Contains(stderr, "[4/4]") {
		t.Errorf("no per-run progress lines on a non-terminal stderr:\n%s", stderr)
	}
	var shards []string
	for k := 1; k <= 2; k++ {
		d := filepath.Join(base, fmt.Sprint("s", k))
		if code, _, stderr := runCLI(t, "sweep", f, "--out", d, "--shard", fmt.Sprintf("%d/2", k), "--quiet"); code != 0 {
			t.Fatalf("shard %d: exit %d\n%s", k, code, stderr)
		}
		shards = append(shards, d)
	}
	merged := filepath.Join(base, "merged")
	code, stdout, stderr := runCLI(t, append(append([]string{"merge"}, shards...), "--out", merged)...)
	if code != 0 || !strings.Contains(stdout, "4 runs") {
		t.Fatalf("merge: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, name := range []string{sweep.ResultsCSV, sweep.ResultsPQ} {
		a, _ := os.ReadFile(filepath.Join(whole, name))
		b, _ := os.ReadFile(filepath.Join(merged, name))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: merged differs from the one-process sweep", name)
		}
	}
	code, _, stderr = runCLI(t, "merge", shards[0], "--out", filepath.Join(base, "half"))
	if code != exitBadInput || !strings.Contains(stderr, "missing") {
		t.Errorf("merge of half the shards: exit %d, %s", code, stderr)
	}
}

// TestSweepSurvivesSIGKILL kills a sweep process twice while it runs, then
// resumes it, and checks that no run was lost or repeated and that the
// results equal an uninterrupted sweep's.
func TestSweepSurvivesSIGKILL(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	values := make([]string, 12)
	for i := range values {
		values[i] = fmt.Sprint(float64(i) * 0.025)
	}
	f := writeSweep(t, "scenario: offline-20\nepochs: 3\nbls: off\nseeds: [1, 2, 3]\ngrid: {offline_share: ["+strings.Join(values, ", ")+"]}\n")
	const total = 36
	base := t.TempDir()
	clean := filepath.Join(base, "clean")
	if code, _, stderr := runCLI(t, "sweep", f, "--out", clean, "--quiet", "--workers", "2"); code != 0 {
		t.Fatalf("clean sweep: exit %d\n%s", code, stderr)
	}
	dir := filepath.Join(base, "killed")
	journal := filepath.Join(dir, sweep.JournalFile)
	lines := func() int {
		b, _ := os.ReadFile(journal)
		return bytes.Count(b, []byte("\n"))
	}
	start := func(extra ...string) (*exec.Cmd, <-chan error, *bytes.Buffer) {
		cmd := exec.Command(self, append([]string{"sweep", f, "--out", dir, "--workers", "2", "--quiet"}, extra...)...)
		cmd.Env = append(os.Environ(), "STAKESIM_TEST_MAIN=1")
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		return cmd, done, &errb
	}
	killedAt := []int{}
	for i, after := range []int{3, 12} {
		extra := []string{}
		if i > 0 {
			extra = append(extra, "--resume")
		}
		cmd, done, errb := start(extra...)
		// Wait (without a deadline of our own: go test's -timeout bounds
		// it) until the journal has grown past `after` runs, then kill.
		for lines() < after {
			select {
			case err := <-done:
				t.Fatalf("the sweep ended before the kill: %v\n%s", err, errb)
			case <-time.After(5 * time.Millisecond):
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		n := lines()
		if n >= total {
			t.Fatalf("the sweep finished before the kill (%d runs journaled); the test needs a longer sweep", n)
		}
		killedAt = append(killedAt, n)
	}
	cmd := exec.Command(self, "sweep", f, "--out", dir, "--workers", "2", "--resume", "--quiet")
	cmd.Env = append(os.Environ(), "STAKESIM_TEST_MAIN=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("resume after kills at %v runs: %v\n%s", killedAt, err, out)
	}
	if !strings.Contains(string(out), fmt.Sprintf("%d runs (%d resumed", total, killedAt[1])) {
		t.Errorf("resume summary does not count %d resumed runs:\n%s", killedAt[1], out)
	}
	seen := map[string]bool{}
	b, _ := os.ReadFile(journal)
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rec struct{ ID string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("journal line %q: %v", line, err)
		}
		if seen[rec.ID] {
			t.Errorf("run %s journaled twice", rec.ID)
		}
		seen[rec.ID] = true
	}
	if len(seen) != total {
		t.Errorf("%d runs journaled, want %d", len(seen), total)
	}
	for _, name := range []string{sweep.ResultsCSV, sweep.ResultsPQ} {
		a, _ := os.ReadFile(filepath.Join(clean, name))
		c, _ := os.ReadFile(filepath.Join(dir, name))
		if len(a) == 0 || !bytes.Equal(a, c) {
			t.Errorf("%s after kills at %v runs differs from the uninterrupted sweep", name, killedAt)
		}
	}
	t.Logf("killed after %v journaled runs of %d", killedAt, total)
}
