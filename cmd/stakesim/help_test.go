package main

import (
	"runtime"
	"strings"
	"testing"
)

// TestVersionFlag: --version prints the same as "stakesim version" and
// exits 0.
func TestVersionFlag(t *testing.T) {
	code, out, errOut := runCLI(t, "--version")
	if code != exitOK || errOut != "" {
		t.Fatalf("--version: exit %d, stderr %q", code, errOut)
	}
	if !strings.HasPrefix(out, "stakesim ") || !strings.Contains(out, "go "+runtime.Version()) {
		t.Errorf("--version printed %q", out)
	}
	_, viaCommand, _ := runCLI(t, "version")
	if out != viaCommand {
		t.Errorf("--version %q differs from the version command %q", out, viaCommand)
	}
}

// TestUnknownFlagPointsToHelp: an unknown flag is exit 2 with a pointer to
// the help of the command it was given to.
func TestUnknownFlagPointsToHelp(t *testing.T) {
	for _, c := range []struct {
		args []string
		hint string
	}{
		{[]string{"--bogus"}, "(see stakesim --help)"},
		{[]string{"run", "--bogus", "baseline"}, "(see stakesim run --help)"},
		{[]string{"validate", "--bogus", "baseline"}, "(see stakesim validate --help)"},
	} {
		code, _, errOut := runCLI(t, c.args...)
		if code != exitBadInput || !strings.Contains(errOut, "flag provided but not defined: -bogus") || !strings.Contains(errOut, c.hint) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errOut, c.hint)
		}
		checkNoTrace(t, errOut)
	}
}

// TestHelpNamesOutputsAndExitCodes: the help page says what a run writes
// and what each exit code means.
func TestHelpNamesOutputsAndExitCodes(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	if code != exitOK {
		t.Fatalf("--help: exit %d", code)
	}
	for _, want := range []string{"epochs.csv", "events.jsonl", "summary.json", "timing.json", ".stakesim-run",
		"Exit codes: 0 success; 1 a run that failed", "2 bad input"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help does not mention %q", want)
		}
	}
}
