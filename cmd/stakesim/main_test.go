package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// runCLI runs the CLI as "stakesim ARGS..." and returns the exit code and
// what it printed.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"stakesim"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// checkNoTrace fails if stderr looks like a panic or a Go stack trace, or
// has a line that does not start with "stakesim".
func checkNoTrace(t *testing.T, stderr string) {
	t.Helper()
	if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") || strings.Contains(stderr, ".go:") {
		t.Errorf("stderr looks like a stack trace:\n%s", stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if line != "" && !strings.HasPrefix(line, "stakesim") {
			t.Errorf("stderr line %q does not start with stakesim", line)
		}
	}
}

// TestAllFlagsExistInHelp checks that every flag of every command, and every
// command, is documented in --help (the idea of Prysm's test of that name).
func TestAllFlagsExistInHelp(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	code, top, _ := runCLI(t, "--help")
	if code != 0 {
		t.Fatalf("--help exit code %d", code)
	}
	for _, cmd := range app.Commands {
		if !strings.Contains(top, cmd.Name) {
			t.Errorf("stakesim --help does not list command %q", cmd.Name)
		}
		code, help, stderr := runCLI(t, cmd.Name, "--help")
		if code != 0 {
			t.Errorf("%s --help: exit code %d, stderr %s", cmd.Name, code, stderr)
		}
		for _, f := range cmd.Flags {
			for _, name := range f.Names() {
				dash := "--"
				if len(name) == 1 {
					dash = "-"
				}
				if !strings.Contains(help, dash+name) {
					t.Errorf("%s --help does not mention %s%s:\n%s", cmd.Name, dash, name, help)
				}
			}
		}
	}
	if len(app.Command("run").Flags) != 13 {
		t.Errorf("run has %d flags, the test expects the 13 documented ones", len(app.Command("run").Flags))
	}
}

func TestValidateBadFile(t *testing.T) {
	tests := []struct {
		name, yaml string
	}{
		{"syntax", "name: broken\nepochs: [1, 2\n"},
		{"unknown field", "name: broken\nno_such_field: 1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCLI(t, "validate", path)
			if code != exitBadInput {
				t.Errorf("exit code %d, want %d", code, exitBadInput)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			re := regexp.MustCompile(`(?m)^stakesim: ` + regexp.QuoteMeta(path) + `:\d+:\d+: \S`)
			if !re.MatchString(stderr) {
				t.Errorf("stderr has no FILE:LINE:COL message:\n%s", stderr)
			}
			checkNoTrace(t, stderr)
		})
	}
}

func TestShowThenValidate(t *testing.T) {
	code, yaml, stderr := runCLI(t, "show", "baseline")
	if code != 0 {
		t.Fatalf("show baseline: exit %d: %s", code, stderr)
	}
	want, ok := scenarios.BuiltinYAML("baseline")
	if !ok || yaml != string(want) {
		t.Errorf("show baseline does not print the built-in YAML exactly")
	}
	if _, err := scenarios.Parse("shown.yaml", []byte(yaml), nil); err != nil {
		t.Errorf("shown YAML does not parse: %v", err)
	}
	path := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "validate", path)
	if code != 0 || !strings.HasPrefix(stdout, path+": ok (") || !strings.Contains(stdout, " validators, ") {
		t.Errorf("validate: exit %d stdout %q stderr %q", code, stdout, stderr)
	}
}

func TestScenariosListsBuiltins(t *testing.T) {
	code, stdout, stderr := runCLI(t, "scenarios")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{"baseline", "offline-20", "partition-50-50"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s+\S`).MatchString(stdout) {
			t.Errorf("scenarios does not list %s with a description:\n%s", name, stdout)
		}
	}
	for _, b := range scenarios.Builtins() {
		for _, p := range b.Params {
			if !strings.Contains(stdout, "  "+p.Name+" ") {
				t.Errorf("scenarios does not list param %s of %s", p.Name, b.Name)
			}
		}
	}
}

// TestBadInputExitCodes checks that every kind of user mistake exits with 2
// and a one-line-per-problem message.
func TestBadInputExitCodes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"unknown scenario", []string{"run", "no-such-scenario", "--out", out}, "no-such-scenario"},
		{"unknown param", []string{"run", "baseline", "--set", "nope=1", "--out", out}, "nope"},
		{"set without value", []string{"run", "baseline", "--set", "validators", "--out", out}, "validators"},
		{"bad bls", []string{"run", "baseline", "--bls", "maybe", "--out", out}, "maybe"},
		{"zero epochs", []string{"run", "baseline", "--epochs", "0", "--out", out}, "epochs"},
		{"epochs not a number", []string{"run", "baseline", "--epochs", "three", "--out", out}, "three"},
		{"negative workers", []string{"run", "baseline", "--workers", "-1", "--out", out}, "workers"},
		{"undefined flag", []string{"run", "baseline", "--frobnicate"}, "frobnicate"},
		{"no scenario", []string{"run"}, "SCENARIO"},
		{"two scenarios", []string{"run", "baseline", "offline-20"}, "SCENARIO"},
		{"unknown command", []string{"frobnicate"}, "frobnicate"},
		{"show unknown", []string{"show", "no-such-scenario"}, "no-such-scenario"},
		{"validate missing file", []string{"validate", filepath.Join(out, "missing.yaml")}, "missing.yaml"},
		{"validate no file", []string{"validate"}, "FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != exitBadInput {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitBadInput, stderr)
			}
			if !strings.HasPrefix(stderr, "stakesim: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want a stakesim: message mentioning %q", stderr, tt.want)
			}
			checkNoTrace(t, stderr)
		})
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused run created %s (err %v)", out, err)
	}
}

func TestRunRefusesNonEmptyOut(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "run")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(out, "epochs.csv")
	if err := os.WriteFile(old, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "run", "baseline", "--epochs", "3", "--out", out)
	if code != exitBadInput {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitBadInput, stderr)
	}
	if stdout != "" || !strings.Contains(stderr, "--force") {
		t.Errorf("stdout %q, stderr %q: want nothing and a hint at --force", stdout, stderr)
	}
	checkNoTrace(t, stderr)
	if data, err := os.ReadFile(old); err != nil || string(data) != "precious" {
		t.Errorf("old file now %q (err %v)", data, err)
	}
	for _, dir := range []string{parent, out} {
		des, err := os.ReadDir(dir)
		if err != nil || len(des) != 1 {
			t.Errorf("%s holds %v (err %v), want one entry", dir, des, err)
		}
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "stakesim ") || !strings.Contains(stdout, "\ngo go1.") {
		t.Errorf("version: exit %d, stdout %q", code, stdout)
	}
}

func TestFlagsFirst(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	tests := []struct {
		in, want string
	}{
		{"stakesim run baseline --epochs 3 --force --set a=1 --out=x",
			"stakesim run --epochs 3 --force --set a=1 --out=x -- baseline"},
		{"stakesim run --quiet baseline --bls off", "stakesim run --quiet --bls off -- baseline"},
		{"stakesim run baseline -- --weird", "stakesim run -- baseline --weird"},
		{"stakesim run --epochs", "stakesim run --epochs"},
		{"stakesim validate a.yaml", "stakesim validate -- a.yaml"},
		{"stakesim nope a b", "stakesim nope a b"},
		{"stakesim run", "stakesim run"},
	}
	for _, tt := range tests {
		got := strings.Join(flagsFirst(app, strings.Fields(tt.in)), " ")
		if got != tt.want {
			t.Errorf("flagsFirst(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"run failure", errors.New("sim: conservation violated"), 1},
		{"scenario error", fmt.Errorf("load: %w", &scenarios.Error{Field: "epochs", Err: errors.New("bad")}), 2},
		{"error list", scenarios.ErrorList{{Field: "x", Err: errors.New("bad")}}, 2},
		{"not found", fmt.Errorf("%w: x", scenarios.ErrNotFound), 2},
		{"non-empty out", fmt.Errorf("%w: runs/x", output.ErrNotEmpty), 2},
		{"marked", badInput(errors.New("no")), 2},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("%s: exitCode = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestProgressLines checks the non-terminal progress: one line per tenth of
// the run, the last at 100%, and nothing when quiet.
func TestProgressLines(t *testing.T) {
	tests := []struct {
		epochs    uint64
		quiet     bool
		wantLines int
	}{
		{20, false, 10},
		{3, false, 3},
		{25, false, 9}, // every 3 epochs: 3..24, then 25
		{20, true, 0},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		p := newProgress(&buf, tt.quiet, tt.epochs)
		for e := uint64(1); e <= tt.epochs; e++ {
			p.update(sim.Progress{Epoch: e, Epochs: tt.epochs, Branches: 1, JustifiedEpoch: e - 1})
		}
		p.finish(true)
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if buf.Len() == 0 {
			lines = nil
		}
		if len(lines) != tt.wantLines {
			t.Errorf("epochs=%d quiet=%v: %d lines, want %d:\n%s", tt.epochs, tt.quiet, len(lines), tt.wantLines, buf.String())
			continue
		}
		if n := len(lines); n > 0 && !strings.Contains(lines[n-1], fmt.Sprintf("epoch %d/%d (100%%)", tt.epochs, tt.epochs)) {
			t.Errorf("last line %q is not at 100%%", lines[n-1])
		}
	}
}

// TestRunEndToEnd runs a small scenario through the whole CLI. It needs the
// engine (sim.Run).
func TestRunEndToEnd(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := runCLI(t, "run", "baseline", "--epochs", "3", "--bls", "off", "--set", "validators=64", "--out", out)
	if code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, stderr)
	}
	if !strings.HasPrefix(stderr, "stakesim run baseline seed=") || !strings.Contains(stderr, " epochs=3 bls=off ") {
		t.Errorf("stderr does not start with the run line:\n%s", stderr)
	}
	if !strings.Contains(stdout, "WARNING: BLS IS OFF") || !strings.Contains(stdout, out) {
		t.Errorf("summary lacks the BLS warning or the output directory:\n%s", stdout)
	}
	for _, name := range []string{output.EpochsFile, output.EventsFile, output.SummaryFile, output.TimingFile} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}
	data, err := os.ReadFile(filepath.Join(out, output.EpochsFile))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 4 || !slices.Equal(recs[0], output.Columns()) {
		t.Errorf("epochs.csv has %d lines (want header + 3 or more), header %v", len(recs), recs[0])
	}
}

// TestProgressEveryTenSeconds: without a terminal, a slow run prints a line
// at least every 10 s between its tenths, with an ETA from the recent rate
// (here worked out by hand: after a slow start, 2 s per epoch).
func TestProgressEveryTenSeconds(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Unix(0, 0)
	p := newProgressAt(&buf, false, 100, func() time.Time { return clock })
	// Epochs 1-5 take 30 s each, then 2 s each.
	for e := uint64(1); e <= 30; e++ {
		if e <= 5 {
			clock = clock.Add(30 * time.Second)
		} else {
			clock = clock.Add(2 * time.Second)
		}
		p.update(sim.Progress{Epoch: e, Epochs: 100, Branches: 1})
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// Epochs 1-5 each come 30 s after the last line; then epoch 10 (a
	// tenth), 15 (10 s after 10), 20 (a tenth), 25 and 30.
	var epochs []string
	for _, l := range lines {
		epochs = append(epochs, strings.Fields(l)[1])
	}
	want := "1/100 2/100 3/100 4/100 5/100 10/100 15/100 20/100 25/100 30/100"
	if got := strings.Join(epochs, " "); got != want {
		t.Fatalf("lines at %s, want %s:\n%s", got, want, buf.String())
	}
	// At epoch 30 the last 20 updates (epochs 11-30) took 2 s each: 70
	// epochs left take 140 s, although the average since the start is
	// (150+50)/30 = 6.7 s per epoch.
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, "eta=2m20s") {
		t.Errorf("last line %q, want eta=2m20s", last)
	}
}
