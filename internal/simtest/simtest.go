// Package simtest holds the helpers that tests of several packages share
// to run built-in scenarios: load one with --set style overrides, and run
// it through the real output writer into a temporary directory. It is for
// tests only.
package simtest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// Load loads a built-in (or a file) with NAME=VALUE overrides, then applies
// epochs and bls as --epochs and --bls do when they are not zero or empty.
func Load(t testing.TB, name string, epochs uint64, bls string, sets ...string) *scenarios.Scenario {
	t.Helper()
	var ovs []scenarios.Override
	for _, s := range sets {
		k, v, _ := strings.Cut(s, "=")
		ovs = append(ovs, scenarios.Override{Name: k, Value: v})
	}
	sc, err := scenarios.Load(name, ovs)
	if err != nil {
		t.Fatal(err)
	}
	if epochs > 0 {
		if err := sc.SetEpochs(epochs); err != nil {
			t.Fatal(err)
		}
	}
	if bls != "" {
		if err := sc.SetBLS(bls); err != nil {
			t.Fatal(err)
		}
	}
	return sc
}

// Run runs sc through the real output writer into a new directory under
// t.TempDir(), which it returns with the result.
func Run(t testing.TB, ctx context.Context, sc *scenarios.Scenario, opts sim.Options) (string, *sim.Result) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	w, err := output.Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.Run(ctx, sc, w, opts)
	if err != nil {
		w.Abort()
		t.Fatal(err)
	}
	if err := w.Finish(&res.Summary, &res.Timing); err != nil {
		t.Fatal(err)
	}
	return dir, res
}
