package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// keyLabels are the axis labels (with units) of the key results.
var keyLabels = map[string]string{
	"finality_stall_epochs":       "finality stall (epochs)",
	"longest_finality_gap_epochs": "longest finality gap (epochs)",
	"finalized_epoch":             "final finalized epoch",
	"slashed_validators":          "slashed validators",
	"apr_percent":                 "APR (%)",
	"max_byzantine_share":         "max Byzantine share (fraction)",
}

// sweepCharts: each key result against each swept param.
func sweepCharts(sd *sweepData) []Chart {
	var out []Chart
	for i := range sd.params {
		for k := range sd.keys {
			out = append(out, paramChart(sd, i, k))
		}
	}
	return out
}

// splitParam is the param whose values get their own series in param
// i's charts: the other param of a two-param sweep with few values; -1
// pools every other param.
func splitParam(sd *sweepData, i int) int {
	if len(sd.params) != 2 {
		return -1
	}
	j := 1 - i
	if len(sd.distinct(j)) > maxSeriesSplit {
		return -1
	}
	return j
}

// axisOf maps param i's values to x: the number, or the value's index
// for a choice param (then ticks name the values).
func axisOf(sd *sweepData, i int) (func(string) float64, []Tick) {
	xs := sd.distinct(i)
	if sd.numeric(i) {
		return func(v string) float64 { f, _ := strconv.ParseFloat(v, 64); return f }, nil
	}
	var ticks []Tick
	for n, v := range xs {
		ticks = append(ticks, Tick{float64(n), v})
	}
	return func(v string) float64 { return float64(slices.Index(xs, v)) }, ticks
}

// paramChart: key k against param i, mean over seeds with min–max
// whiskers; runs that did not resume finality as hollow markers.
func paramChart(sd *sweepData, i, k int) Chart {
	p, key := sd.params[i], sd.keys[k]
	xOf, ticks := axisOf(sd, i)
	ch := Chart{ID: "sweep-" + p + "-" + key, Title: keyLabel(key) + " against " + p,
		XLabel: p, YLabel: keyLabel(key), XTicks: ticks, Pad: true,
		Caption: fmt.Sprintf("Mean over seeds (line and dots) and min–max (whiskers) of %s at each %s; hollow circles are runs that ended with finality still stalled, lower bounds left out of the means.", key, p)}
	j := splitParam(sd, i)
	groups := []string{""}
	if j >= 0 {
		groups = sd.distinct(j)
	} else if len(sd.params) > 1 {
		ch.Notes = append(ch.Notes, "Pooled over the other swept params' values.")
	}
	var hollow []Point
	for g, gv := range groups {
		agg := map[string]*stat{}
		for _, pt := range sd.points {
			if j >= 0 && pt.values[j] != gv {
				continue
			}
			if agg[pt.values[i]] == nil {
				agg[pt.values[i]] = &stat{}
			}
			agg[pt.values[i]].merge(&pt.stats[k])
			for _, v := range pt.hollow[k] {
				hollow = append(hollow, Point{xOf(pt.values[i]), v})
			}
		}
		addParamSeries(&ch, sd.distinct(i), agg, xOf, seriesLabel(sd, j, gv), g)
	}
	if len(hollow) > 0 {
		ch.Scatter = append(ch.Scatter, Scatter{Name: "finality not resumed (lower bound, not a result)", Points: hollow, Color: 6, Shape: 0, Hollow: true})
	}
	return ch
}

func seriesLabel(sd *sweepData, j int, v string) string {
	if j < 0 {
		return "mean"
	}
	return sd.params[j] + " = " + v
}

// addParamSeries adds one series: the means as a line with dots, the
// min–max as whiskers.
func addParamSeries(ch *Chart, xs []string, agg map[string]*stat, xOf func(string) float64, name string, g int) {
	var means []Point
	var w Whiskers
	for _, x := range xs {
		st := agg[x]
		if st == nil || st.n == 0 {
			continue
		}
		means = append(means, Point{xOf(x), st.mean()})
		w.Ranges = append(w.Ranges, Range{X: xOf(x), Lo: st.min, Hi: st.max})
	}
	if len(means) == 0 {
		return
	}
	w.Color = g
	ch.Lines = append(ch.Lines, Line{Name: name + " (mean; whiskers: min–max)", Points: means, Color: g, Dash: g})
	ch.Scatter = append(ch.Scatter, Scatter{Points: means, Color: g, Shape: g})
	ch.Whisker = append(ch.Whisker, w)
}

func keyLabel(k string) string {
	if l, ok := keyLabels[k]; ok {
		return l
	}
	return k
}

// heatKey is the key result of the heat map: finality_stall_epochs when
// it varies, else the first key result that does.
func heatKey(sd *sweepData) int {
	if i := slices.Index(sd.keys, "finality_stall_epochs"); i >= 0 {
		return i
	}
	return 0
}

// heatMap: with exactly two swept params, the mean of the heat key per
// cell; ok is false (with a reason) when there is none.
func heatMap(sd *sweepData) (hm HeatMap, ok bool, why string) {
	if len(sd.params) != 2 || len(sd.keys) == 0 {
		return hm, false, ""
	}
	xs, ys := sd.distinct(0), sd.distinct(1)
	if len(xs) > maxHeatAxis || len(ys) > maxHeatAxis {
		return hm, false, fmt.Sprintf("No heat map: more than %d distinct values on an axis (a sampled sweep); see the charts per param.", maxHeatAxis)
	}
	k := heatKey(sd)
	hm = HeatMap{ID: "heatmap", Title: "Mean " + keyLabel(sd.keys[k]), XLabel: sd.params[0], YLabel: sd.params[1],
		ValueLabel: sd.keys[k], XTicks: xs, YTicks: ys,
		Caption: fmt.Sprintf("Each cell is the mean of %s over the seeds of its point, printed in the cell; hatched cells hold runs that ended with finality still stalled (left out of the mean; a cell with only such runs shows ≥ their least value).", sd.keys[k])}
	hm.Values, hm.Counts, hm.Hatched = grid[float64](len(ys), len(xs)), grid[int](len(ys), len(xs)), grid[bool](len(ys), len(xs))
	for r := range hm.Values {
		for c := range hm.Values[r] {
			hm.Values[r][c] = math.NaN()
		}
	}
	for _, pt := range sd.points {
		c, r := slices.Index(xs, pt.values[0]), slices.Index(ys, pt.values[1])
		st := pt.stats[k]
		if st.n > 0 {
			hm.Values[r][c], hm.Counts[r][c] = st.mean(), st.n
		}
		hm.Hatched[r][c] = pt.notResume > 0
		if st.n == 0 && len(pt.hollow[k]) > 0 {
			hm.Values[r][c] = slices.Min(pt.hollow[k])
		}
	}
	return hm, true, ""
}

func grid[T any](rows, cols int) [][]T {
	out := make([][]T, rows)
	for r := range out {
		out[r] = make([]T, cols)
	}
	return out
}
