package sim

import (
	"context"
	"time"

	"github.com/stakesim/stakesim/scenarios"
)

// Options tune a run without changing its results.
type Options struct {
	// Workers bounds the goroutines used for key derivation and batch
	// verification (default GOMAXPROCS). Agents always run one goroutine each.
	Workers int
	// Progress, when set, is called by the engine goroutine after every epoch.
	Progress func(Progress)
	// Now is the wall clock for timing.json (the CLI passes time.Now). The
	// engine reads no clock of its own; without Now every timing is zero.
	Now func() time.Time
	// NoKeyCache derives the keys even when the key cache could serve them
	// (--no-key-cache). With BLS on, a run of at least KeyCacheMinKeys keys
	// otherwise loads them from crypto.KeyCacheDir(), or derives and stores
	// them there; the keys are identical either way.
	NoKeyCache bool
	// KeyCacheMinKeys is the smallest keyring that uses the key cache
	// (default crypto.DefaultCacheMinKeys, 16,384); tests lower it.
	KeyCacheMinKeys int
	// Started, when set, is called once the engine is built (keys,
	// genesis, views and agents), before the first epoch, with how long
	// that took by the clock Now (zero without Now).
	Started func(Startup)
}

// Startup is how long building the engine took.
type Startup struct {
	Seconds    float64 // keys, genesis, views, agents and economics
	KeySeconds float64 // of which obtaining the keys
	KeyCache   string  // "hit", "miss" or "off", as in Timing
}

// Progress reports how far a run has come.
type Progress struct {
	Epoch, Epochs  uint64
	Branches       int
	FinalizedEpoch uint64
	JustifiedEpoch uint64
}

// Result is what a finished run returns besides what went to the Sink.
type Result struct {
	Summary Summary
	Timing  Timing
}

// Run executes a scenario to completion, streaming epoch rows and events to
// sink, and returns the summary and timings. The scenario must have been
// validated by package scenarios. An error means the run stopped (invalid
// scenario for the engine, an invariant violation such as ETH conservation,
// or ctx cancelled); outputs already sent to sink are then incomplete.
func Run(ctx context.Context, sc *scenarios.Scenario, sink Sink, opts Options) (*Result, error) {
	e, err := New(sc, sink, opts)
	if err != nil {
		return nil, err
	}
	return e.Run(ctx)
}
