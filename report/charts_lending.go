package report

import (
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/stakesim/stakesim/internal/output"
)

// lendingFile is the lending file the charts read.
const lendingFile = output.LendingFile

// MaxVenues caps the lending venues drawn (the first ones of lending.csv).
const MaxVenues = 4

// hfColumns are lending.csv's health-factor buckets, riskiest first (the
// bottom of the stack), with their legend names.
var hfColumns = []struct{ col, name string }{
	{"positions_below_1", "HF < 1"},
	{"hf_1_1.01", "1 – 1.01"},
	{"hf_1.01_1.05", "1.01 – 1.05"},
	{"hf_1.05_1.1", "1.05 – 1.1"},
	{"hf_1.1_1.25", "1.1 – 1.25"},
	{"hf_above_1.25", "≥ 1.25"},
}

// hfShades are the buckets' shades of the sequential scale: darkest for
// the riskiest.
var hfShades = []int{8, 7, 6, 5, 4, 3}

// venueSeries are one venue's lending.csv series: the oracle price and
// the cumulative bad debt downsampled, liquidations and seized
// collateral summed per bucket, the health-factor distribution as the
// last row of each bucket.
type venueSeries struct {
	name            string
	oracle, badDebt *sampler
	liqs, seized    *binner
	hf              *snapshots
}

// snapshots keeps, per bucket of width epochs, the values of the last row
// in it (a state, not a flow: it is not summed). Rows arrive in epoch
// order, so at most one bucket is open and the kept buckets are at most
// MaxColumns + 1.
type snapshots struct {
	width uint64
	xs    []uint64
	vals  [][]float64
}

func newSnapshots(width uint64) *snapshots { return &snapshots{width: max(width, 1)} }

func (s *snapshots) add(epoch uint64, vals []float64) {
	x := epoch / s.width * s.width
	if n := len(s.xs); n > 0 && s.xs[n-1] == x {
		s.vals[n-1] = vals
		return
	}
	s.xs, s.vals = append(s.xs, x), append(s.vals, vals)
}

// points returns series i's non-zero values at the buckets' first epochs.
func (s *snapshots) points(i int) []Point {
	var out []Point
	for k, x := range s.xs {
		if v := s.vals[k][i]; v != 0 {
			out = append(out, Point{float64(x), v})
		}
	}
	return out
}

// lendingCols are the columns readLending needs, in this order, then
// hfColumns.
var lendingCols = []string{"epoch", "market", "oracle_price", "liquidations", "liquidated_collateral_gwei", "bad_debt_gwei"}

// readLending streams lending.csv into per-venue series (nil without it).
func readLending(dir string, width uint64, forced forcedSet) ([]*venueSeries, error) {
	if !exists(dir, lendingFile) {
		return nil, nil
	}
	c, err := openCSV(filepath.Join(dir, lendingFile))
	if err != nil {
		return nil, err
	}
	defer c.close()
	names := append([]string(nil), lendingCols...)
	for _, h := range hfColumns {
		names = append(names, h.col)
	}
	cols, err := c.need(names...)
	if err != nil {
		return nil, err
	}
	var out []*venueSeries
	for {
		rec, err := c.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		v := findVenue(&out, cell(rec, cols[1]), width, forced)
		if v == nil {
			continue
		}
		v.take(rec, cols)
	}
}

// findVenue returns the series of venue name, adding it while fewer
// than MaxVenues are known (nil past them).
func findVenue(vs *[]*venueSeries, name string, width uint64, forced forcedSet) *venueSeries {
	for _, v := range *vs {
		if v.name == name {
			return v
		}
	}
	if len(*vs) == MaxVenues {
		return nil
	}
	v := &venueSeries{name: name, oracle: newSampler(width, forced), badDebt: newSampler(width, forced),
		liqs: newBinner(width), seized: newBinner(width), hf: newSnapshots(width)}
	*vs = append(*vs, v)
	return v
}

// take adds one lending.csv row (cols as readLending asked for them).
func (v *venueSeries) take(rec []string, cols []int) {
	e := cellU(rec, cols[0])
	price, _ := strconv.ParseFloat(cell(rec, cols[2]), 64)
	v.oracle.add(e, price)
	v.liqs.add(e, float64(cellU(rec, cols[3])))
	v.seized.add(e, float64(cellU(rec, cols[4]))/1e9)
	v.badDebt.add(e, float64(cellU(rec, cols[5]))/1e9)
	hf := make([]float64, len(hfColumns))
	for i := range hfColumns {
		hf[i] = float64(cellU(rec, cols[len(lendingCols)+i]))
	}
	v.hf.add(e, hf)
}

// lendingCharts: the venues' oracles against the pools' prices, each
// venue's health-factor distribution, the liquidations, the seized
// collateral and the bad debt, when the run has lending.csv.
func lendingCharts(rd *runData, pools []*poolSeries) []Chart {
	vs, err := readLending(rd.dir, rd.width, rd.forced())
	if err != nil {
		rd.notes = append(rd.notes, "lending.csv could not be read: "+err.Error())
		return nil
	}
	if len(vs) == 0 {
		return nil
	}
	out := []Chart{oracleChart(rd, vs, pools)}
	for _, v := range vs {
		out = append(out, hfChart(rd, v))
	}
	return append(out, liquidationCharts(rd, vs, &out[0])...)
}

// perEpoch is the unit of a per-epoch (per-bucket when downsampled) bar.
func perEpoch(what string, width uint64) string {
	if width > 1 {
		return what + " per " + strconv.FormatUint(width, 10) + " epochs"
	}
	return what + " per epoch"
}

// hfChart: venue v's positions with debt per health-factor bucket,
// stacked, riskiest at the bottom.
func hfChart(rd *runData, v *venueSeries) Chart {
	ch := Chart{ID: "lending-hf-" + v.name, Title: "Lending: health factors, " + v.name, XLabel: "epoch",
		YLabel: "positions with debt", YInclude: []float64{0},
		Caption: "The " + v.name + " positions that owe ETH, stacked by health factor at the venue's oracle price at each epoch's end, the riskiest (darkest) at the bottom: watch them slide into the darker buckets as the price falls, and leave the stack when liquidations repay all their debt (a partial liquidation lifts a position back up)."}
	any := false
	for i, h := range hfColumns {
		pts := v.hf.points(i)
		any = any || len(pts) > 0
		ch.Bars = append(ch.Bars, Bars{Name: h.name, Points: pts, Width: float64(rd.width), Shade: hfShades[i]})
	}
	if !any {
		ch.Notes = append(ch.Notes, "No position of "+v.name+" owed ETH at any epoch's end.")
	}
	if rd.width > 1 {
		ch.Notes = append(ch.Notes, "Each bar is the last epoch of its bucket.")
	}
	return ch
}

// liquidationCharts: liquidations and the collateral they seized per
// epoch, stacked by venue, and each venue's bad debt; a note on the
// oracle chart instead when no position was liquidated.
func liquidationCharts(rd *runData, vs []*venueSeries, oracle *Chart) []Chart {
	liq := Chart{ID: "lending-liquidations", Title: "Lending: liquidations", XLabel: "epoch",
		YLabel: perEpoch("liquidations", rd.width), YInclude: []float64{0}, Markers: markers(rd, "depeg"),
		Caption: "Liquidations each epoch, stacked by venue: a cascade is a run of bars after the depeg markers, each liquidator's sale of the seized tokens pushing the pool down for the next."}
	seized := Chart{ID: "lending-seized", Title: "Lending: collateral seized", XLabel: "epoch",
		YLabel: perEpoch("tokens", rd.width), YInclude: []float64{0},
		Caption: "The collateral tokens the liquidators seized each epoch (the liquidation incentive included), stacked by venue: they sold them into the pool at once."}
	debt := Chart{ID: "lending-bad-debt", Title: "Lending: bad debt", XLabel: "epoch", YLabel: "ETH (cumulative)", YInclude: []float64{0}, Pad: true,
		Caption: "Each venue's bad debt so far: the debt left when a liquidation took a position's last collateral. It appears when the price falls faster than liquidations keep up, and the liquidation incentive no longer covers the gap between the oracle and the pool."}
	anyLiq, anyDebt := false, false
	for i, v := range vs {
		anyLiq = anyLiq || v.liqs.any
		liq.Bars = append(liq.Bars, Bars{Name: v.name, Points: v.liqs.points(), Width: float64(rd.width), Color: i})
		seized.Bars = append(seized.Bars, Bars{Name: v.name, Points: v.seized.points(), Width: float64(rd.width), Color: i})
		pts := v.badDebt.points()
		anyDebt = anyDebt || slices.ContainsFunc(pts, func(p Point) bool { return p.Y != 0 })
		debt.Lines = append(debt.Lines, Line{Name: v.name, Points: pts, Color: i, Dash: i, Step: true})
	}
	if !anyLiq {
		oracle.Notes = append(oracle.Notes, "No position was liquidated in this run.")
		return nil
	}
	if !anyDebt {
		seized.Notes = append(seized.Notes, "No venue was left with bad debt: every liquidated position's collateral covered its debt.")
		return []Chart{liq, seized}
	}
	return []Chart{liq, seized, debt}
}

// oracleChart: each venue's oracle price against each pool's price.
func oracleChart(rd *runData, vs []*venueSeries, pools []*poolSeries) Chart {
	ch := Chart{ID: "lending-oracle", Title: "Lending: oracle price against the pool", XLabel: "epoch", YLabel: "ETH per token", Pad: true,
		Markers: markers(rd, "depeg", "negative_rebase", "lrt_rate_fell"),
		Caption: "The price each venue's health factors use, against the pool's price_sell_1: an oracle on the pool's price (or a short average of it, which lags) follows a depeg down and liquidates; an exchange-rate oracle stays at the share rate through a market depeg and falls only with the rate (a slashing)."}
	for i, p := range pools {
		ch.Lines = append(ch.Lines, Line{Name: p.name + " · price", Points: p.price.points(), Color: 6 - i, Step: true})
	}
	for i, v := range vs {
		ch.Lines = append(ch.Lines, Line{Name: v.name + " · oracle", Points: v.oracle.points(), Color: i, Dash: i + 1, Step: true})
	}
	return ch
}
