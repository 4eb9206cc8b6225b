package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/sweep"
)

// synthSweep writes a sweep directory: attacker_share × attack_start_epoch
// (2 × 2) × seeds 1..3, with run (0.4, 10, seed 3) ending before finality
// resumed and run (0.4, 5, seed 2) failed.
func synthSweep(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sweep")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cols := []string{"run_id", "seed", "attacker_share", "attack_start_epoch", "validators", "status", "error"}
	for _, c := range sweep.SummaryColumns([]string{"honest", "attackers"}) {
		cols = append(cols, c.Name)
	}
	for _, c := range sweep.DerivedColumns() {
		cols = append(cols, c.Name)
	}
	var b bytes.Buffer
	b.WriteString(strings.Join(cols, ",") + "\n")
	n := 0
	for _, share := range []float64{0.34, 0.4} {
		for _, start := range []int{5, 10} {
			for seed := 1; seed <= 3; seed++ {
				b.WriteString(strings.Join(sweepRow(cols, n, seed, share, start), ",") + "\n")
				n++
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, resultsFile), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	m := sweep.Manifest{Format: "stakesim-sweep/1", SweepID: "feedc0de", SweepFile: "s.yaml", Scenario: "attack-33",
		Epochs: 600, BLS: "off", Swept: []string{"attacker_share", "attack_start_epoch"}, Seeds: []uint64{1, 2, 3},
		Points: 4, Runs: 12, Shard: "1/1", ShardRuns: 12}
	js, _ := json.Marshal(&m)
	if err := os.WriteFile(filepath.Join(dir, manifest), js, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// stallOf is the synthetic stall of a run.
func stallOf(share float64, start, seed int) float64 {
	return math.Round(share*1000) + float64(start) + float64(seed)
}

func sweepRow(cols []string, n, seed int, share float64, start int) []string {
	v := map[string]string{
		"run_id": fmt.Sprintf("run%02d", n), "seed": fmt.Sprint(seed), "attacker_share": fmt.Sprint(share),
		"attack_start_epoch": fmt.Sprint(start), "validators": "256", "status": "ok",
		"finality_stall_epochs":       fmt.Sprint(stallOf(share, start, seed)),
		"longest_finality_gap_epochs": fmt.Sprint(stallOf(share, start, seed) + 1),
		"apr_percent":                 fmt.Sprint(100*share + float64(seed)),
		"finalized_epoch":             "590", "finality_resumed": "true",
	}
	switch {
	case share == 0.4 && start == 10 && seed == 3:
		v["finality_resumed"], v["finality_stall_epochs"] = "false", "600"
	case share == 0.4 && start == 5 && seed == 2:
		v = map[string]string{"run_id": v["run_id"], "seed": v["seed"], "attacker_share": v["attacker_share"],
			"attack_start_epoch": v["attack_start_epoch"], "validators": "256", "status": "error", "error": "engine: boom"}
	}
	row := make([]string, len(cols))
	for i, c := range cols {
		row[i] = v[c]
	}
	return row
}

// TestSweepPage: the heat map holds the mean stall per cell, hatched
// where a run did not resume; each swept param gets a chart per varying
// key result with means over seeds, min–max whiskers and the
// not-resumed run hollow; the failed run is listed.
func TestSweepPage(t *testing.T) {
	dir := synthSweep(t)
	sd, err := loadSweep(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"finality_stall_epochs", "longest_finality_gap_epochs", "apr_percent"}; !slices.Equal(sd.keys, want) {
		t.Errorf("key results %q, want %q (finalized_epoch is constant)", sd.keys, want)
	}
	hm, ok, _ := heatMap(sd)
	if !ok {
		t.Fatal("no heat map for two swept params")
	}
	mean := func(share float64, start int, seeds ...int) float64 {
		s := 0.0
		for _, seed := range seeds {
			s += stallOf(share, start, seed)
		}
		return s / float64(len(seeds))
	}
	wantV := [][]float64{{mean(0.34, 5, 1, 2, 3), mean(0.4, 5, 1, 3)}, {mean(0.34, 10, 1, 2, 3), mean(0.4, 10, 1, 2)}}
	wantH := [][]bool{{false, false}, {false, true}}
	if fmt.Sprint(hm.Values) != fmt.Sprint(wantV) || fmt.Sprint(hm.Hatched) != fmt.Sprint(wantH) {
		t.Errorf("heat map %v hatched %v, want %v and %v", hm.Values, hm.Hatched, wantV, wantH)
	}
	charts := sweepCharts(sd)
	if len(charts) != 6 {
		t.Fatalf("%d charts, want 2 params × 3 keys", len(charts))
	}
	ch := charts[0] // finality_stall_epochs against attacker_share, a series per attack_start_epoch
	if got := lineByName(t, &ch, "attack_start_epoch = 10 (mean; whiskers: min–max)"); fmt.Sprint(got) != fmt.Sprint([]Point{{0.34, mean(0.34, 10, 1, 2, 3)}, {0.4, mean(0.4, 10, 1, 2)}}) {
		t.Errorf("means %v", got)
	}
	if w := ch.Whisker[1].Ranges[1]; w.Lo != stallOf(0.4, 10, 1) || w.Hi != stallOf(0.4, 10, 2) {
		t.Errorf("whisker %v", w)
	}
	if !slices.ContainsFunc(ch.Scatter, func(s Scatter) bool { return s.Hollow && fmt.Sprint(s.Points) == "[{0.4 600}]" }) {
		t.Errorf("the not-resumed run is not a hollow marker: %v", ch.Scatter)
	}
	page, err := SweepPage(dir, PageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := checkXML(t, "sweep", page); n != 7 {
		t.Errorf("%d svgs, want 7 (heat map and 6 charts)", n)
	}
	for _, want := range []string{"run07", "engine: boom", "1 runs ended with finality still stalled", "Heat map"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the sweep page does not say %q", want)
		}
	}
	path, err := Write(dir)
	if err != nil || filepath.Base(path) != reportFile {
		t.Errorf("Write: %q, %v", path, err)
	}
}

// TestSweepOneParam: one swept param gives no heat map and one series.
func TestSweepOneParam(t *testing.T) {
	dir := synthSweep(t)
	m := sweep.Manifest{Scenario: "attack-33", Swept: []string{"attacker_share"}}
	js, _ := json.Marshal(&m)
	if err := os.WriteFile(filepath.Join(dir, manifest), js, 0o644); err != nil {
		t.Fatal(err)
	}
	sd, err := loadSweep(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := heatMap(sd); ok {
		t.Error("a heat map for one param")
	}
	ch := sweepCharts(sd)[0]
	if len(ch.Lines) != 1 || ch.Lines[0].Points[0].Y != (meanOf(stallOf(0.34, 5, 1), stallOf(0.34, 5, 2), stallOf(0.34, 5, 3), stallOf(0.34, 10, 1), stallOf(0.34, 10, 2), stallOf(0.34, 10, 3))) {
		t.Errorf("pooled series %v", ch.Lines)
	}
}

func meanOf(v ...float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
