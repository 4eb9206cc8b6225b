package report

import (
	"slices"
)

// MaxColumns is the downsampling resolution: a series of a run longer
// than MaxColumns epochs is cut into at most MaxColumns buckets of
// bucketWidth epochs, and each bucket keeps two points, those with the
// smallest and the largest value, so spikes survive; the points at event
// epochs (forced) are always kept exactly. A series has at most
// 2·MaxColumns points plus its forced ones.
const MaxColumns = 600

// bucketWidth is the number of epochs per bucket for a run of n epochs.
func bucketWidth(n uint64) uint64 {
	if n <= MaxColumns {
		return 1
	}
	return (n + MaxColumns - 1) / MaxColumns
}

// Point is a point of a chart series.
type Point struct{ X, Y float64 }

// forcedSet is a sorted set of epochs whose points every series keeps.
type forcedSet []uint64

// newForcedSet returns the sorted set of the given epochs.
func newForcedSet(epochs []uint64) forcedSet {
	f := slices.Clone(epochs)
	slices.Sort(f)
	return slices.Compact(f)
}

func (f forcedSet) has(e uint64) bool {
	_, ok := slices.BinarySearch(f, e)
	return ok
}

// sampler downsamples one series whose points arrive in increasing x.
type sampler struct {
	width    uint64
	forced   forcedSet
	bucket   uint64
	open     bool
	min, max Point
	kept     []Point // forced points of the open bucket
	out      []Point
}

func newSampler(width uint64, forced forcedSet) *sampler {
	return &sampler{width: max(width, 1), forced: forced}
}

// add takes the series' value at epoch x.
func (s *sampler) add(x uint64, y float64) {
	p := Point{float64(x), y}
	if b := x / s.width; !s.open || b != s.bucket {
		s.flush()
		s.open, s.bucket, s.min, s.max = true, b, p, p
	}
	if y < s.min.Y {
		s.min = p
	}
	if y > s.max.Y {
		s.max = p
	}
	if s.forced.has(x) {
		s.kept = append(s.kept, p)
	}
}

// flush appends the open bucket's points, in x order, to out.
func (s *sampler) flush() {
	if !s.open {
		return
	}
	pts := append(s.kept, s.min, s.max)
	slices.SortStableFunc(pts, func(a, b Point) int { return cmpF(a.X, b.X) })
	for _, p := range pts {
		if n := len(s.out); n == 0 || s.out[n-1].X != p.X {
			s.out = append(s.out, p)
		}
	}
	s.open, s.kept = false, s.kept[:0]
}

// points ends the series and returns its points.
func (s *sampler) points() []Point {
	s.flush()
	return s.out
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// bandSampler downsamples a min–max band: each bucket keeps the smallest
// low and the largest high of its epochs, at the bucket's first and last
// epoch, so the band drawn is never narrower than the data.
type bandSampler struct {
	width      uint64
	bucket     uint64
	open       bool
	first      uint64
	last       uint64
	lo, hi     float64
	lows, high []Point
}

func newBandSampler(width uint64) *bandSampler { return &bandSampler{width: max(width, 1)} }

func (s *bandSampler) add(x uint64, lo, hi float64) {
	if b := x / s.width; !s.open || b != s.bucket {
		s.flush()
		s.open, s.bucket, s.first, s.lo, s.hi = true, b, x, lo, hi
	}
	s.last, s.lo, s.hi = x, min(s.lo, lo), max(s.hi, hi)
}

func (s *bandSampler) flush() {
	if !s.open {
		return
	}
	for _, x := range []uint64{s.first, s.last} {
		if n := len(s.lows); n > 0 && s.lows[n-1].X == float64(x) {
			continue
		}
		s.lows = append(s.lows, Point{float64(x), s.lo})
		s.high = append(s.high, Point{float64(x), s.hi})
	}
	s.open = false
}

// band ends the band and returns its low and high edges (same xs).
func (s *bandSampler) band() (lo, hi []Point) {
	s.flush()
	return s.lows, s.high
}

// binner sums a per-epoch count into buckets of width epochs: bars of
// events per bucket keep every event (their sum is exact).
type binner struct {
	width uint64
	sums  []float64
	any   bool
}

func newBinner(width uint64) *binner { return &binner{width: max(width, 1)} }

func (b *binner) add(epoch uint64, v float64) {
	i := epoch / b.width
	if i >= uint64(len(b.sums)) {
		if i > 1<<20 { // a corrupt epoch: do not allocate for it
			return
		}
		b.sums = append(b.sums, make([]float64, i+1-uint64(len(b.sums)))...)
	}
	b.sums[i] += v
	b.any = b.any || v != 0
}

// points returns one point per non-empty bucket, at the bucket's first
// epoch.
func (b *binner) points() []Point {
	var out []Point
	for i, s := range b.sums {
		if s != 0 {
			out = append(out, Point{float64(uint64(i) * b.width), s})
		}
	}
	return out
}
