package main

import (
	"fmt"
	"time"

	"github.com/stakesim/stakesim/crypto"
	"github.com/stakesim/stakesim/internal/sysmem"
	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// availableMemory is the memory a run may use (sysmem.Available); tests
// replace it.
var availableMemory = sysmem.Available

// estimateLine is the one-line cost estimate "validate" and "run" print;
// noKeyCache is run's --no-key-cache.
func estimateLine(sc *scenarios.Scenario, noKeyCache bool) string {
	e := sim.EstimateRun(sc)
	keys := keysText(e, !noKeyCache && keyCacheServes(sc.Seed, e.Keys))
	return fmt.Sprintf("estimate: peak memory %s, %s per epoch, about %s for %d epochs%s (model calibrated on 2 cores; see README \"Performance\")",
		formatBytes(e.PeakBytes), roundDuration(e.SecondsPerEpoch), roundDuration(e.TotalSeconds-e.KeySeconds), sc.Epochs, keys)
}

// estKeyLoadSeconds is loading one key from the key cache: 0.10 s per
// 100,000 keys (BenchmarkKeyCache, warm).
const estKeyLoadSeconds = 1e-6

// keysText is the estimate's key part: deriving them, or loading them when
// the key cache has them; nothing under half a second.
func keysText(e sim.Estimate, cached bool) string {
	if cached {
		if s := float64(e.Keys) * estKeyLoadSeconds; s >= 0.5 {
			return fmt.Sprintf(" + %s loading keys from the key cache", roundDuration(s))
		}
		return ""
	}
	if e.KeySeconds >= 0.5 {
		return fmt.Sprintf(" + %s deriving keys", roundDuration(e.KeySeconds))
	}
	return ""
}

// keyCacheServes: the run would load its n keys from the key cache (the
// engine uses it from crypto.DefaultCacheMinKeys keys).
func keyCacheServes(seed uint64, n int) bool {
	if n < crypto.DefaultCacheMinKeys {
		return false
	}
	dir, err := crypto.KeyCacheDir()
	return err == nil && crypto.KeyCacheServes(dir, seed, n)
}

// checkSize refuses (exit 2) a run whose memory estimate exceeds the
// memory available, unless force; it allows the run when the available
// memory cannot be told.
func checkSize(sc *scenarios.Scenario, force bool) error {
	if force {
		return nil
	}
	e := sim.EstimateRun(sc)
	avail, ok := availableMemory()
	if !ok || e.PeakBytes <= avail {
		return nil
	}
	views := "one view group"
	if e.Views > 1 {
		views = fmt.Sprintf("%d view groups", e.Views)
	}
	return badInput(fmt.Errorf("this run needs an estimated %s of memory (%d validators, %s) but %s is available; "+
		"run fewer validators (--set validators=N where the scenario has that param), or pass --force-size to run it anyway",
		formatBytes(e.PeakBytes), sc.TotalValidators()+sc.DepositedValidators(), views, formatBytes(avail)))
}

// formatBytes prints a byte count in KiB, MiB or GiB (GiB with one decimal).
func formatBytes(b uint64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%.0f KiB", float64(b)/(1<<10))
}

// roundDuration prints seconds as a duration rounded to what matters:
// milliseconds below a second, tenths below a minute, seconds above.
func roundDuration(s float64) string {
	d := time.Duration(s * float64(time.Second))
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
