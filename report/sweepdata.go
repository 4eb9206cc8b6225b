package report

import (
	"errors"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/stakesim/stakesim/sweep"
)

// sweepKeys are the results.csv columns the sweep page charts, those
// that exist and vary among the runs that finished.
var sweepKeys = []string{
	"finality_stall_epochs", "longest_finality_gap_epochs", "finalized_epoch",
	"slashed_validators", "apr_percent", "max_byzantine_share",
}

// Bounds of the sweep page.
const (
	MaxFailedListed = 50 // failed runs listed (the rest counted)
	maxHollow       = 50 // not-resumed values kept per point and key
	maxSeriesSplit  = 6  // the other param's values drawn as separate series
	maxHeatAxis     = 40 // distinct values per heat-map axis
)

// stat is a running mean, min and max.
type stat struct {
	n             int
	sum, min, max float64
}

func (s *stat) add(v float64) {
	if s.n == 0 || v < s.min {
		s.min = v
	}
	if s.n == 0 || v > s.max {
		s.max = v
	}
	s.n++
	s.sum += v
}

func (s *stat) merge(o *stat) {
	switch {
	case o.n == 0:
	case s.n == 0:
		*s = *o
	default:
		s.min, s.max = min(s.min, o.min), max(s.max, o.max)
		s.n, s.sum = s.n+o.n, s.sum+o.sum
	}
}

func (s *stat) mean() float64 { return s.sum / float64(s.n) }

// sweepPoint is one parameter point: its runs' results.
type sweepPoint struct {
	values    []string // the swept params' cells
	stats     []stat   // per key: ok runs that resumed finality (or never stalled)
	hollow    [][]float64
	runs      int
	notResume int
}

// sweepData is what the sweep page shows.
type sweepData struct {
	dir        string
	man        sweep.Manifest
	params     []string
	keys       []string // key results that exist and vary
	points     []*sweepPoint
	runs, ok   int
	notResumed int
	failed     [][]string
	failedN    int
	files      []string
}

// loadSweep reads sweep.json and streams results.csv.
func loadSweep(dir string) (*sweepData, error) {
	sd := &sweepData{dir: dir}
	if err := readJSON(filepath.Join(dir, manifest), &sd.man); err != nil {
		return nil, err
	}
	c, err := openCSV(filepath.Join(dir, resultsFile))
	if err != nil {
		return nil, err
	}
	defer c.close()
	sd.params = sd.man.Swept
	pcols, err := c.need(sd.params...)
	if err != nil {
		return nil, err
	}
	kcols, vary := sd.keyColumns(c)
	if err := sd.readRows(c, pcols, kcols, vary); err != nil {
		return nil, err
	}
	sd.dropConstantKeys(vary)
	sd.sortPoints()
	sd.files = []string{manifest, resultsFile}
	return sd, nil
}

// keyColumns returns the positions of the key results that exist.
func (sd *sweepData) keyColumns(c *csvReader) ([]int, []stat) {
	var cols []int
	for _, k := range sweepKeys {
		if i := c.col(k); i >= 0 {
			sd.keys = append(sd.keys, k)
			cols = append(cols, i)
		}
	}
	return cols, make([]stat, len(cols))
}

// readRows aggregates results.csv per point.
func (sd *sweepData) readRows(c *csvReader, pcols, kcols []int, vary []stat) error {
	byKey := map[string]*sweepPoint{}
	st, er, fr, id, seed := c.col("status"), c.col("error"), c.col("finality_resumed"), c.col("run_id"), c.col("seed")
	for {
		rec, err := c.next()
		if errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		sd.runs++
		vals := make([]string, len(pcols))
		for i, p := range pcols {
			vals[i] = cell(rec, p)
		}
		if cell(rec, st) == "error" {
			sd.addFailed(append([]string{cell(rec, id), cell(rec, seed)}, append(vals, cell(rec, er))...))
			continue
		}
		sd.ok++
		key := strings.Join(vals, "\x00")
		pt := byKey[key]
		if pt == nil {
			pt = &sweepPoint{values: vals, stats: make([]stat, len(kcols)), hollow: make([][]float64, len(kcols))}
			byKey[key] = pt
			sd.points = append(sd.points, pt)
		}
		pt.take(rec, kcols, cell(rec, fr) == "false", vary)
		if cell(rec, fr) == "false" {
			sd.notResumed++
		}
	}
}

func (pt *sweepPoint) take(rec []string, kcols []int, notResumed bool, vary []stat) {
	pt.runs++
	if notResumed {
		pt.notResume++
	}
	for i, k := range kcols {
		v, err := strconv.ParseFloat(cell(rec, k), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		vary[i].add(v)
		if !notResumed {
			pt.stats[i].add(v)
		} else if len(pt.hollow[i]) < maxHollow {
			pt.hollow[i] = append(pt.hollow[i], v)
		}
	}
}

func (sd *sweepData) addFailed(row []string) {
	sd.failedN++
	if len(sd.failed) < MaxFailedListed {
		sd.failed = append(sd.failed, row)
	}
}

// dropConstantKeys keeps the key results whose values vary.
func (sd *sweepData) dropConstantKeys(vary []stat) {
	var keep []int
	for i := range sd.keys {
		if vary[i].n > 0 && vary[i].max > vary[i].min {
			keep = append(keep, i)
		}
	}
	var keys []string
	for _, i := range keep {
		keys = append(keys, sd.keys[i])
	}
	for _, pt := range sd.points {
		st, ho := make([]stat, len(keep)), make([][]float64, len(keep))
		for j, i := range keep {
			st[j], ho[j] = pt.stats[i], pt.hollow[i]
		}
		pt.stats, pt.hollow = st, ho
	}
	sd.keys = keys
}

// sortPoints orders the points by their param values (numbers as
// numbers), so the page does not depend on run ids.
func (sd *sweepData) sortPoints() {
	slices.SortStableFunc(sd.points, func(a, b *sweepPoint) int {
		for i := range a.values {
			if c := cmpCell(a.values[i], b.values[i]); c != 0 {
				return c
			}
		}
		return 0
	})
}

// cmpCell compares two cells as numbers when both are, else as text.
func cmpCell(a, b string) int {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		return cmpF(x, y)
	}
	return strings.Compare(a, b)
}

// distinct returns the sorted distinct values of param i.
func (sd *sweepData) distinct(i int) []string {
	var out []string
	for _, pt := range sd.points {
		if !slices.Contains(out, pt.values[i]) {
			out = append(out, pt.values[i])
		}
	}
	slices.SortFunc(out, cmpCell)
	return out
}

// numeric reports whether every value of param i is a number.
func (sd *sweepData) numeric(i int) bool {
	for _, v := range sd.distinct(i) {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return false
		}
	}
	return true
}
