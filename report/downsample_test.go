package report

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
)

// TestSamplerKeepsEventsAndExtremes: a 5,000-point noisy series with
// spikes keeps every forced (event) epoch exactly, its global minimum
// and maximum, x order, and at most 2·MaxColumns points plus the forced.
func TestSamplerKeepsEventsAndExtremes(t *testing.T) {
	const n = 5000
	r := rand.New(rand.NewPCG(1, 2))
	ys := make([]float64, n)
	for i := range ys {
		ys[i] = math.Sin(float64(i)/100) + r.Float64()*0.1
	}
	ys[1777], ys[4001] = 9, -9 // one-epoch spikes
	forced := newForcedSet([]uint64{0, 3, 1500, 1501, 2999, 4999, 1777})
	s := newSampler(bucketWidth(n), forced)
	for i, y := range ys {
		s.add(uint64(i), y)
	}
	pts := s.points()
	if len(pts) > 2*MaxColumns+len(forced) {
		t.Errorf("%d points, want at most %d", len(pts), 2*MaxColumns+len(forced))
	}
	if len(pts) >= n {
		t.Errorf("%d points: not downsampled", len(pts))
	}
	at := map[float64]float64{}
	for i, p := range pts {
		if i > 0 && p.X <= pts[i-1].X {
			t.Fatalf("points out of order at %d: %v after %v", i, p, pts[i-1])
		}
		if ys[int(p.X)] != p.Y {
			t.Errorf("point %v is not the series' value %v", p, ys[int(p.X)])
		}
		at[p.X] = p.Y
	}
	for _, e := range forced {
		if y, ok := at[float64(e)]; !ok || y != ys[e] {
			t.Errorf("event epoch %d not kept exactly (got %v, %v)", e, y, ok)
		}
	}
	if y := at[1777]; y != slices.Max(ys) {
		t.Errorf("global max %v not kept", slices.Max(ys))
	}
	if y, ok := at[4001]; !ok || y != slices.Min(ys) {
		t.Errorf("global min %v not kept", slices.Min(ys))
	}
}

// TestShortSeriesNotDownsampled: up to MaxColumns epochs every point
// stays.
func TestShortSeriesNotDownsampled(t *testing.T) {
	s := newSampler(bucketWidth(MaxColumns), nil)
	for i := range uint64(MaxColumns) {
		s.add(i, float64(i%7))
	}
	if got := len(s.points()); got != MaxColumns {
		t.Errorf("%d points, want %d", got, MaxColumns)
	}
}

// TestBandAndBinner: the band envelope holds every epoch's low and high;
// the binner's bucket sums add up to the total.
func TestBandAndBinner(t *testing.T) {
	const n = 3001
	b, bin := newBandSampler(bucketWidth(n)), newBinner(bucketWidth(n))
	lo, hi := make([]float64, n), make([]float64, n)
	total := 0.0
	for i := range n {
		lo[i], hi[i] = -float64(i%17), float64(i%23)
		b.add(uint64(i), lo[i], hi[i])
		bin.add(uint64(i), float64(i%3))
		total += float64(i % 3)
	}
	l, h := b.band()
	if len(l) != len(h) || len(l) > 2*MaxColumns {
		t.Fatalf("band of %d/%d points", len(l), len(h))
	}
	for i := range n {
		// the band's segment around epoch i must reach lo[i] and hi[i]
		j, _ := slices.BinarySearchFunc(l, float64(i), func(p Point, x float64) int { return cmpF(p.X, x) })
		j = min(j, len(l)-1)
		if l[j].X != float64(i) && j > 0 {
			j-- // the segment starts before i
		}
		if l[j].Y > lo[i] || h[j].Y < hi[i] {
			t.Fatalf("epoch %d: band [%v, %v] misses [%v, %v]", i, l[j].Y, h[j].Y, lo[i], hi[i])
		}
	}
	sum := 0.0
	for _, p := range bin.points() {
		sum += p.Y
	}
	if sum != total {
		t.Errorf("bars sum to %v, want %v", sum, total)
	}
}

// TestRunChartsKeepEventEpochs: on the 5,000-epoch synthetic run, every
// finality and participation series keeps the exact points at the
// marker events' epochs, and the participation spike survives.
func TestRunChartsKeepEventEpochs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "synth")
	genRun(t, dir, bigRun)
	rd, err := loadRun(dir, PageOptions{Timeline: []TimelineEntry{{Epoch: 4321, Text: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	if rd.width <= 1 {
		t.Fatalf("bucket width %d: not downsampled", rd.width)
	}
	forced := rd.forced()
	for _, e := range []uint64{bigRun.split, bigRun.split + 4, bigRun.resumeA, bigRun.resumeB, 2500, 4321} {
		if !forced.has(e) {
			t.Errorf("epoch %d is not kept", e)
		}
	}
	fin, part := finalityChart(rd), participationChart(rd)
	for _, ch := range []*Chart{&fin, &part} {
		for _, l := range ch.Lines {
			xs := map[float64]bool{}
			for _, p := range l.Points {
				xs[p.X] = true
			}
			for _, e := range forced {
				if !xs[float64(e)] {
					t.Errorf("%s / %s: no point at event epoch %d", ch.ID, l.Name, e)
				}
			}
		}
	}
	a := lineByName(t, &part, "view a")
	if !slices.Contains(a, Point{float64(bigRun.spikeEpoch), 0.01}) {
		t.Errorf("the participation spike at epoch %d was lost", bigRun.spikeEpoch)
	}
}
