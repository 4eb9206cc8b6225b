package report

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

// checkFinalitySeries asserts that the finality chart's justified and
// finalized series of every view class are exactly epochs.csv's columns
// on the rows whose branch holds the class (no downsampling below
// MaxColumns epochs).
func checkFinalitySeries(t *testing.T, dir string) *runData {
	t.Helper()
	rd, err := loadRun(dir, PageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rd.n > MaxColumns {
		t.Fatalf("%d epochs: this check needs a run of at most %d", rd.n, MaxColumns)
	}
	ch := finalityChart(rd)
	rows := csvRows(t, filepath.Join(dir, epochsFile))
	for c := range rd.vc.labels {
		var wantJ, wantF []Point
		for _, r := range rows {
			if rd.vc.contains(r["branch"], c) {
				e := num(t, r["epoch"])
				wantJ = append(wantJ, Point{e, num(t, r["justified_epoch"])})
				wantF = append(wantF, Point{e, num(t, r["finalized_epoch"])})
			}
		}
		if len(wantF) != int(rd.n) {
			t.Errorf("class %s is on %d rows, want one per epoch (%d)", rd.vc.labels[c], len(wantF), rd.n)
		}
		name := seriesName(rd, c)
		if got := lineByName(t, &ch, "finalized · "+name); !slices.Equal(got, wantF) {
			t.Errorf("finalized · %s:\n got %v\nwant %v", name, got, wantF)
		}
		if got := lineByName(t, &ch, "justified · "+name); !slices.Equal(got, wantJ) {
			t.Errorf("justified · %s:\n got %v\nwant %v", name, got, wantJ)
		}
	}
	return rd
}

// TestFinalitySeriesAttack33: attack-33 (BLS off, 40 epochs): one class
// (main+attackers), the stall from epoch 10.
func TestFinalitySeriesAttack33(t *testing.T) {
	dir := runScenario(t, "attack-33", 40, "off")
	rd := checkFinalitySeries(t, dir)
	if len(rd.vc.labels) != 1 {
		t.Errorf("classes %q, want one", rd.vc.labels)
	}
	ch := finalityChart(rd)
	if len(ch.Spans) != 1 || ch.Spans[0].From != 10 || ch.Spans[0].To != 40 {
		t.Errorf("stall spans %v, want [10, 40] (the stall lasts past the run)", ch.Spans)
	}
	if !slices.ContainsFunc(ch.Markers, func(m Marker) bool { return m.Kind == "leak_started" }) {
		t.Errorf("no leak_started marker: %v", ch.Markers)
	}
}

// TestFinalitySeriesPartition: partition-50-50 (20 epochs): views a and
// b split at epoch 4, so there are two classes and two series each.
func TestFinalitySeriesPartition(t *testing.T) {
	dir := runScenario(t, "partition-50-50", 20, "off")
	rd := checkFinalitySeries(t, dir)
	if !slices.Equal(rd.vc.labels, []string{"a", "b"}) {
		t.Errorf("classes %q, want [a b]", rd.vc.labels)
	}
	ch := finalityChart(rd)
	for _, k := range []string{"partition_started", "partition_healed"} {
		if !slices.ContainsFunc(ch.Markers, func(m Marker) bool { return m.Kind == k }) {
			t.Errorf("no %s marker", k)
		}
	}
}

// TestFixtureGroupsAndShares: the hand-written fork-run fixture: the
// per-group series equal groups.csv, the shares are active ×
// effective_balance_mean over the branch's total_active_balance_gwei.
func TestFixtureGroupsAndShares(t *testing.T) {
	dir := filepath.Join("testdata", "fork-run")
	rd := checkFinalitySeries(t, dir)
	totals := map[string]float64{}
	for _, r := range csvRows(t, filepath.Join(dir, epochsFile)) {
		totals[r["epoch"]+"/"+r["branch"]] = num(t, r["total_active_balance_gwei"])
	}
	for c, label := range rd.vc.labels {
		for _, g := range []string{"a", "b"} {
			var mean, share []Point
			for _, r := range csvRows(t, filepath.Join(dir, groupsFile)) {
				if r["group"] == g && rd.vc.contains(r["branch"], c) {
					e := num(t, r["epoch"])
					mean = append(mean, Point{e, num(t, r["balance_mean_gwei"]) / 1e9})
					stake := num(t, r["active"]) * num(t, r["effective_balance_mean_gwei"])
					share = append(share, Point{e, stake / totals[r["epoch"]+"/"+r["branch"]]})
				}
			}
			gs := rd.s.groups[groupKey{c, g}]
			if got := gs.mean.points(); !slices.Equal(got, mean) {
				t.Errorf("%s/%s mean balance:\n got %v\nwant %v", label, g, got, mean)
			}
			if got := gs.share.points(); !slices.Equal(got, share) {
				t.Errorf("%s/%s share:\n got %v\nwant %v", label, g, got, share)
			}
		}
	}
	ex, _ := exitsCharts(rd)
	if len(ex) != 1 || fmt.Sprint(ex[0].Bars[0].Points) != "[{6 1}]" || fmt.Sprint(ex[0].Bars[2].Points) != "[{7 1}]" {
		t.Errorf("exits chart bars %v", ex)
	}
}

// TestBlockTreeFixture: the fixture's two forks give two windows with a
// collapsed stretch before and between them, lanes for all views, a, b
// and orphans, and the checkpoints of events.jsonl.
func TestBlockTreeFixture(t *testing.T) {
	rd, err := loadRun(filepath.Join("testdata", "fork-run"), PageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tr := rd.tree
	if want := [][2]uint64{{8, 16}, {38, 44}}; !slices.Equal(tr.Windows, want) {
		t.Errorf("windows %v, want %v", tr.Windows, want)
	}
	if want := []string{"all views (a+b)", "a", "b", "orphaned"}; !slices.Equal(tr.Lanes, want) {
		t.Errorf("lanes %q, want %q", tr.Lanes, want)
	}
	if want := []TreeBreak{{X: 1.5, Slots: 8}, {X: 14.5, Slots: 21}}; !slices.Equal(tr.Breaks, want) {
		t.Errorf("breaks %v, want %v", tr.Breaks, want)
	}
	if tr.Forked != 6 || tr.Total != 45 || len(tr.Blocks) != 16 {
		t.Errorf("forked %d total %d drawn %d, want 6, 45, 16", tr.Forked, tr.Total, len(tr.Blocks))
	}
	lanes := map[string]int{}
	for _, b := range tr.Blocks {
		lanes[b.Root] = b.Lane
		if (b.Root == "1000000000000008") != b.Finalized || (b.Root == "c000000000000016") != b.Justified {
			t.Errorf("block %s: justified %v finalized %v", b.Root, b.Justified, b.Finalized)
		}
	}
	want := map[string]int{"b000000000000011": 3, "b000000000000013": 3, "d000000000000041": 1, "e000000000000044": 2, "a000000000000010": 0}
	for r, l := range want {
		if lanes[r] != l {
			t.Errorf("block %s on lane %d, want %d", r, lanes[r], l)
		}
	}
	if len(tr.Edges) != 14 || len(tr.Stubs) != 2 {
		t.Errorf("%d edges and %d stubs, want 14 and 2", len(tr.Edges), len(tr.Stubs))
	}
}

// TestCoalitionZoom: attack-33's zoomed chart draws epochs.csv's
// attacker_stake_share exactly (a short run is not downsampled), with the
// 1/3 line inside its range; baseline, without a coalition, has none.
func TestCoalitionZoom(t *testing.T) {
	dir := runScenario(t, "attack-33", 40, "off")
	rd, err := loadRun(dir, PageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ch, ok := coalitionZoom(rd)
	if !ok {
		t.Fatal("no zoomed coalition chart for attack-33")
	}
	var want []Point
	for _, r := range csvRows(t, filepath.Join(dir, epochsFile)) {
		want = append(want, Point{num(t, r["epoch"]), num(t, r["attacker_stake_share"])})
	}
	got := lineByName(t, &ch, "coalition · "+seriesName(rd, 0))
	if !slices.Equal(got, want) {
		t.Errorf("zoomed line %v\nwant epochs.csv's %v", got, want)
	}
	if len(ch.HLines) == 0 || ch.HLines[0].Y != 1.0/3 || !slices.Contains(ch.YInclude, 1.0/3) {
		t.Errorf("the 1/3 line is missing: %+v %v", ch.HLines, ch.YInclude)
	}
	base, err := loadRun(runScenario(t, "baseline", 6, "off"), PageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := coalitionZoom(base); ok {
		t.Error("baseline has no coalition but got a zoomed coalition chart")
	}
}
