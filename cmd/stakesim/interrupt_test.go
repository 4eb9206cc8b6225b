package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/sim"
)

// TestSIGINTKeepsCompletedEpochs runs the CLI as a separate process on a
// long run, follows epochs.csv as "tail -f" would until rows appear (the
// rows reach the file every epoch), then sends SIGINT. The process must
// exit 130 after writing the outputs of its completed epochs: a
// summary.json with interrupted true and completed_epochs equal to the
// rows in epochs.csv, and epochs.csv and events.jsonl byte-identical to
// an uninterrupted run of that many epochs.
// SIGTERM must do the same.
func TestSIGINTKeepsCompletedEpochs(t *testing.T) {
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) { interruptRun(t, sig) })
	}
}

func interruptRun(t *testing.T, sig os.Signal) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "cut")
	args := []string{"run", "attack-33", "--bls", "off", "--epochs", "5000", "--out", dir}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), "STAKESIM_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Wait until the file shows 20 rows: proof that rows are flushed while
	// the run goes on (5,000 epochs take far longer than the test).
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for rowsIn(t, filepath.Join(dir, output.EpochsFile)) < 20 {
		select {
		case err := <-done:
			t.Fatalf("the run ended early (%v): %s", err, stderr.String())
		case <-tick.C:
		}
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err = <-done
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit: %v, want code %d; stderr:\n%s", err, exitInterrupted, stderr.String())
	}
	var s sim.Summary
	data, err := os.ReadFile(filepath.Join(dir, output.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	rows := rowsIn(t, filepath.Join(dir, output.EpochsFile))
	if !s.Interrupted || s.CompletedEpochs == 0 || s.CompletedEpochs != uint64(rows) || s.Epochs != 5000 {
		t.Fatalf("summary: interrupted=%v completed_epochs=%d epochs=%d; epochs.csv has %d rows",
			s.Interrupted, s.CompletedEpochs, s.Epochs, rows)
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr does not say the run was interrupted:\n%s", stderr.String())
	}
	full := filepath.Join(t.TempDir(), "full")
	code, _, errText := runCLI(t, "run", "attack-33", "--bls", "off", "--epochs", strconv.FormatUint(s.CompletedEpochs, 10), "--out", full, "--quiet")
	if code != 0 {
		t.Fatalf("reference run: exit %d: %s", code, errText)
	}
	for _, f := range []string{output.EpochsFile, output.EventsFile} {
		a, _ := os.ReadFile(filepath.Join(dir, f))
		b, _ := os.ReadFile(filepath.Join(full, f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from a %d-epoch run's", f, s.CompletedEpochs)
		}
	}
}

// rowsIn counts the data rows of an epochs.csv (0 while it is absent).
func rowsIn(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := -1 // the header
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
	}
	return max(n, 0)
}

// TestScenarioYAMLReproducesRun: a run with --set, --epochs, --bls and
// --seed writes scenario.yaml; "stakesim run DIR/scenario.yaml --seed S"
// gives the same epochs.csv, events.jsonl and summary.json.
func TestScenarioYAMLReproducesRun(t *testing.T) {
	base := t.TempDir()
	first, again := filepath.Join(base, "first"), filepath.Join(base, "again")
	code, _, errText := runCLI(t, "run", "attack-33", "--set", "attacker_share=0.4", "--epochs", "14",
		"--bls", "off", "--seed", "9", "--out", first, "--quiet")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, errText)
	}
	resolved := filepath.Join(first, output.ScenarioFile)
	code, _, errText = runCLI(t, "run", resolved, "--seed", "9", "--out", again, "--quiet")
	if code != 0 {
		t.Fatalf("re-run of %s: exit %d: %s", resolved, code, errText)
	}
	for _, f := range []string{output.EpochsFile, output.EventsFile, output.SummaryFile} {
		a, errA := os.ReadFile(filepath.Join(first, f))
		b, errB := os.ReadFile(filepath.Join(again, f))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between the run and its scenario.yaml's re-run (%v, %v)", f, errA, errB)
		}
	}
	data, err := os.ReadFile(resolved)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"with --set attacker_share=0.4", "seed: 9", "epochs: 14", "default: 0.4", "resolved_from: builtin:attack-33"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("scenario.yaml lacks %q:\n%s", want, data)
		}
	}
}
