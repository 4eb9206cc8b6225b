package report

import (
	"context"
	"encoding/csv"
	"os"
	"strconv"
	"testing"

	"github.com/stakesim/stakesim/internal/simtest"
	"github.com/stakesim/stakesim/sim"
)

// runScenario runs a built-in scenario through the real output writer
// into a temporary directory (internal/simtest).
func runScenario(t *testing.T, name string, epochs uint64, bls string, sets ...string) string {
	t.Helper()
	dir, _ := simtest.Run(t, context.Background(), simtest.Load(t, name, epochs, bls, sets...), sim.Options{})
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
