package report

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// runScenario runs a built-in scenario (as sim/engine_test.go's helper
// does) through the real output writer into a temporary directory.
func runScenario(t *testing.T, name string, epochs uint64, bls string, sets ...string) string {
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
	if err := sc.SetEpochs(epochs); err != nil {
		t.Fatal(err)
	}
	if err := sc.SetBLS(bls); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), name)
	w, err := output.Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.Run(context.Background(), sc, w, sim.Options{})
	if err != nil {
		w.Abort()
		t.Fatal(err)
	}
	if err := w.Finish(&res.Summary, &res.Timing); err != nil {
		t.Fatal(err)
	}
	return dir
}

// csvRows reads a CSV file as maps from column to cell.
func csvRows(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("cell %q: %v", s, err)
	}
	return v
}

// lineByName returns the points of the chart's line called name.
func lineByName(t *testing.T, ch *Chart, name string) []Point {
	t.Helper()
	for _, l := range ch.Lines {
		if l.Name == name {
			return l.Points
		}
	}
	var names []string
	for _, l := range ch.Lines {
		names = append(names, l.Name)
	}
	t.Fatalf("chart %s has no line %q (has %q)", ch.ID, name, names)
	return nil
}
