package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/sim"
)

// withAvailable makes the CLI see avail bytes of available memory.
func withAvailable(t *testing.T, avail uint64, known bool) {
	t.Helper()
	old := availableMemory
	availableMemory = func() (uint64, bool) { return avail, known }
	t.Cleanup(func() { availableMemory = old })
}

// TestRunRefusesTooBig: with 50 MiB available, 20,000 validators for one
// epoch (estimated at 16 MiB + 20,000 × (1,024 + 2 × 25) bytes + 2,500
// clients × 15 KiB ≈ 73 MiB)
// are refused up front
// with exit 2, the estimate and nothing written; --force-size runs it
// anyway (checked here with 2,000 validators and 1 MiB available, so that
// the run is short); unknown available memory never refuses.
func TestRunRefusesTooBig(t *testing.T) {
	withAvailable(t, 50<<20, true)
	out := filepath.Join(t.TempDir(), "run")
	code, _, stderr := runCLI(t, "run", "baseline", "--set", "validators=20000", "--bls", "off", "--epochs", "1", "--out", out)
	if code != exitBadInput {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitBadInput, stderr)
	}
	for _, want := range []string{"estimated 73 MiB", "50 MiB is available", "--force-size"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused run created %s (%v)", out, err)
	}
	withAvailable(t, 1<<20, true)
	code, _, stderr = runCLI(t, "run", "baseline", "--set", "validators=2000", "--bls", "off", "--epochs", "1", "--out", out, "--force-size", "--quiet")
	if code != 0 {
		t.Fatalf("--force-size: exit %d; stderr:\n%s", code, stderr)
	}
	withAvailable(t, 0, false)
	code, _, stderr = runCLI(t, "run", "baseline", "--set", "validators=2000", "--bls", "off", "--epochs", "1", "--out", out, "--force", "--quiet")
	if code != 0 {
		t.Fatalf("unknown available memory: exit %d; stderr:\n%s", code, stderr)
	}
}

// TestValidatePrintsEstimate: validate prints the estimate line; 200,000
// validators in one view group, BLS full, for 20 epochs cost 16 MiB +
// 200,000 × (1,024 + 21 × 25 + 400) bytes + 25,000 clients × 15 KiB ≈
// 754 MiB by the model's constants.
func TestValidatePrintsEstimate(t *testing.T) {
	code, stdout, stderr := runCLI(t, "validate", "baseline", "--set", "validators=200000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "estimate: peak memory 754 MiB") {
		t.Errorf("no memory estimate:\n%s", stdout)
	}
}

// TestKeysText: 1,000,000 keys take 135 s to derive (135 µs a key) and
// 1 s to load from the key cache (0.10 s per 100,000); under half a second
// nothing is said.
func TestKeysText(t *testing.T) {
	e := sim.Estimate{Keys: 1_000_000, KeySeconds: 135}
	if got := keysText(e, false); got != " + 2m15s deriving keys" {
		t.Errorf("derive: %q", got)
	}
	if got := keysText(e, true); got != " + 1s loading keys from the key cache" {
		t.Errorf("cached: %q", got)
	}
	small := sim.Estimate{Keys: 100_000, KeySeconds: 13.5}
	if got := keysText(small, true); got != "" {
		t.Errorf("cached 100,000 keys: %q, want nothing (0.1 s)", got)
	}
}
