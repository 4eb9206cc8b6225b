package report

import (
	"fmt"
	"slices"
	"strconv"
)

// seriesName is the legend name of a view class's series.
func seriesName(rd *runData, c int) string {
	if len(rd.vc.labels) == 1 {
		return "branch " + rd.vc.labels[c]
	}
	return "view " + rd.vc.labels[c]
}

// markers returns the markers of the given kinds: kept events (one per
// kind and epoch) and the pseudo kinds stalled, resumed and timeline.
func markers(rd *runData, kinds ...string) []Marker {
	var out []Marker
	seen := map[string]bool{}
	for _, k := range kinds {
		for _, e := range markerEpochs(rd, k) {
			key := k + "/" + strconv.FormatFloat(e.X, 'f', -1, 64)
			if !seen[key] {
				seen[key] = true
				out = append(out, e)
			}
		}
	}
	return out
}

func markerEpochs(rd *runData, kind string) []Marker {
	var out []Marker
	switch kind {
	case "stalled":
		if e := rd.sum.FinalityStalledAtEpoch; e != nil {
			out = append(out, Marker{X: float64(*e), Kind: kind})
		}
	case "resumed":
		if e := rd.sum.FinalityResumedEpoch; e != nil {
			out = append(out, Marker{X: float64(*e), Kind: kind})
		}
	case "timeline":
		for i, t := range rd.opts.Timeline[:min(len(rd.opts.Timeline), MaxEventsPerKind)] {
			out = append(out, Marker{X: float64(t.Epoch), Kind: kind, Label: strconv.Itoa(i + 1)})
		}
	case "depeg":
		out = depegMarkers(rd.ev.kept[kind])
	default:
		for _, ev := range rd.ev.kept[kind] {
			out = append(out, Marker{X: float64(ev.Epoch), Kind: kind})
		}
	}
	return out
}

// depegMarkers is one marker per epoch with depeg events, labelled with
// the lowest threshold crossed in it ("<0.95").
func depegMarkers(evs []event) []Marker {
	var out []Marker
	lowest := 0.0
	for _, ev := range evs {
		th, _ := strconv.ParseFloat(ev.Details.Threshold, 64)
		label := "<" + strconv.FormatFloat(th, 'f', -1, 64)
		if n := len(out); n > 0 && out[n-1].X == float64(ev.Epoch) {
			if th < lowest {
				lowest, out[n-1].Label = th, label
			}
			continue
		}
		lowest = th
		out = append(out, Marker{X: float64(ev.Epoch), Kind: "depeg", Label: label})
	}
	return out
}

// finalityChart: justified and finalized epoch per view class, stalls
// shaded.
func finalityChart(rd *runData) Chart {
	ch := Chart{ID: "finality", Title: "Finality: justified and finalized checkpoints",
		XLabel: "epoch", YLabel: "checkpoint epoch",
		Caption: "Look for where the finalized line (solid) stops climbing while epochs go on: the shaded spans are stalls (finalized checkpoint 2 or more epochs behind), and the markers say what caused and ended them."}
	var spans []Span
	for c, cs := range rd.s.classes {
		name := seriesName(rd, c)
		ch.Lines = append(ch.Lines,
			Line{Name: "finalized · " + name, Points: cs.fin.points(), Color: c, Dash: 0, Step: true},
			Line{Name: "justified · " + name, Points: cs.just.points(), Color: c, Dash: 1 + c%(len(dashes)-1), Step: true})
		spans = append(spans, cs.spans...)
		if cs.dropped > 0 {
			ch.Notes = append(ch.Notes, fmt.Sprintf("%s: %d more stalls not shaded (first %d kept).", name, cs.dropped, MaxSpans))
		}
	}
	ch.Spans = unionSpans(spans, "finality stalled on a branch")
	ch.Markers = markers(rd, "stalled", "resumed", "partition_started", "partition_healed",
		"leak_started", "leak_ended", "conflicting_finalization", "timeline")
	if n := len(rd.opts.Timeline); n > MaxEventsPerKind {
		ch.Notes = append(ch.Notes, fmt.Sprintf("The first %d of the %d timeline entries are marked.", MaxEventsPerKind, n))
	}
	return ch
}

// unionSpans merges overlapping spans (of all view classes) into one
// shade each.
func unionSpans(spans []Span, label string) []Span {
	slices.SortFunc(spans, func(a, b Span) int { return cmpF(a.From, b.From) })
	var out []Span
	for _, sp := range spans {
		if n := len(out); n > 0 && sp.From <= out[n-1].To {
			out[n-1].To = max(out[n-1].To, sp.To)
			continue
		}
		out = append(out, Span{From: sp.From, To: sp.To, Label: label})
	}
	return out
}

// participationChart: target participation per view class, with 2/3.
func participationChart(rd *runData) Chart {
	ch := Chart{ID: "participation", Title: "Target participation",
		XLabel: "epoch", YLabel: "timely target votes (share)",
		Caption: "Justification needs the line above the 2/3 reference: below it, no checkpoint is justified and finality stalls until the leak shrinks the absent stake.",
		HLines:  []HLine{{2.0 / 3, "2/3"}}, YInclude: []float64{0, 1}}
	for c, cs := range rd.s.classes {
		ch.Lines = append(ch.Lines, Line{Name: seriesName(rd, c), Points: cs.part.points(), Color: c, Dash: c})
	}
	ch.Markers = markers(rd, "partition_started", "partition_healed", "leak_started", "leak_ended")
	return ch
}

// shareLines are the 1/3 and 2/3 reference lines of the stake charts.
var shareLines = []HLine{{1.0 / 3, "1/3"}, {2.0 / 3, "2/3"}}

// panels returns the classes that get per-group panels: the summary
// class first, then the others, at most MaxPanels.
func panels(rd *runData) []int {
	out := []int{rd.sumClass}
	for c := range rd.vc.labels {
		if c != rd.sumClass && len(out) < MaxPanels {
			out = append(out, c)
		}
	}
	return out
}

// stakeCharts: active-stake share per group (one panel per view class)
// and the coalition's share; without groups.csv one chart of the
// coalition's share per class.
func stakeCharts(rd *runData) []Chart {
	base := Chart{XLabel: "epoch", YLabel: "share of active stake", HLines: shareLines, YInclude: []float64{0, 1},
		Markers: markers(rd, "leak_started", "leak_ended", "byzantine_share_crossed"),
		Caption: "Watch the shares cross 1/3 and 2/3: during an inactivity leak the absent validators' stake drains until the voting ones hold 2/3 again and finality can resume."}
	if !rd.s.hasGroups || len(rd.s.groupNames) == 0 {
		ch := base
		ch.ID, ch.Title = "stake", "Stake shares: the coalition's share of active stake"
		for c, cs := range rd.s.classes {
			ch.Lines = append(ch.Lines, Line{Name: "coalition · " + seriesName(rd, c), Points: cs.attacker.points(), Color: c, Dash: c})
		}
		return []Chart{ch}
	}
	var out []Chart
	for _, c := range panels(rd) {
		ch := base
		ch.Lines, ch.ID = nil, "stake-"+strconv.Itoa(c)
		ch.Title = "Stake shares per group · " + seriesName(rd, c)
		for g, name := range rd.s.groupNames {
			if gs := rd.s.groups[groupKey{c, name}]; gs != nil {
				ch.Lines = append(ch.Lines, Line{Name: "group " + name, Points: gs.share.points(), Color: g, Dash: g})
			}
		}
		ch.Lines = append(ch.Lines, Line{Name: "coalition (attacker_stake_share)", Points: rd.s.classes[c].attacker.points(), Color: 6, Dash: 2})
		out = append(out, ch)
	}
	out[len(out)-1].Notes = groupNotes(rd)
	if z, ok := coalitionZoom(rd); ok {
		out = append(out, z)
	}
	return out
}

// coalitionZoom is the coalition's share alone, its y axis fitted to it
// and the 1/3 line, so that a share that drains from just above 1/3 to
// just below it (attack-33: 0.3398 to 0.3328) shows its crossing; ok is
// false when no coalition holds stake.
func coalitionZoom(rd *runData) (Chart, bool) {
	ch := Chart{ID: "coalition-zoom", Title: "The coalition's share against 1/3 (zoomed)",
		XLabel: "epoch", YLabel: "share of active stake", YInclude: []float64{1.0 / 3}, Pad: true,
		HLines:  []HLine{{1.0 / 3, "1/3"}},
		Markers: markers(rd, "leak_started", "leak_ended", "byzantine_share_crossed"),
		Caption: "The same share with its axis fitted: the leak drains the silent coalition until it falls below the 1/3 line, which is when the others hold 2/3 and finality can resume."}
	any := false
	for c, cs := range rd.s.classes {
		pts := cs.attacker.points()
		for _, p := range pts {
			any = any || p.Y > 0
		}
		ch.Lines = append(ch.Lines, Line{Name: "coalition · " + seriesName(rd, c), Points: pts, Color: 6, Dash: c})
	}
	for _, h := range []float64{2.0 / 3} {
		if lo, hi := yExtent(ch.Lines); h >= lo && h <= hi {
			ch.HLines = append(ch.HLines, HLine{h, "2/3"})
		}
	}
	return ch, any
}

// yExtent is the smallest and largest y of lines.
func yExtent(lines []Line) (lo, hi float64) {
	lo, hi = 1, 0
	for _, l := range lines {
		for _, p := range l.Points {
			lo, hi = min(lo, p.Y), max(hi, p.Y)
		}
	}
	return lo, hi
}

// groupNotes says which groups and classes were left out.
func groupNotes(rd *runData) []string {
	var n []string
	if rd.s.moreGroups {
		n = append(n, fmt.Sprintf("Only the first %d groups of groups.csv are drawn.", MaxGroups))
	}
	if len(rd.vc.labels) > MaxPanels {
		n = append(n, fmt.Sprintf("Per-group panels are drawn for %d of the %d view classes.", MaxPanels, len(rd.vc.labels)))
	}
	return n
}

// balanceCharts: per group mean balance with its min–max band and the
// mean effective balance; then the mean inactivity score.
func balanceCharts(rd *runData) []Chart {
	if !rd.s.hasGroups || len(rd.s.groupNames) == 0 {
		return nil
	}
	var bal, ina []Chart
	for _, c := range panels(rd) {
		name := seriesName(rd, c)
		b := Chart{ID: "balances-" + strconv.Itoa(c), Title: "Balances per group · " + name,
			XLabel: "epoch", YLabel: "balance (ETH)", Markers: markers(rd, "leak_started", "leak_ended"),
			Caption: "The solid line is a group's mean balance, the band its lowest to highest validator, the dashed line its mean effective balance: a leak bleeds the absent group, a slashing drops it at once."}
		in := Chart{ID: "inactivity-" + strconv.Itoa(c), Title: "Inactivity score per group · " + name,
			XLabel: "epoch", YLabel: "mean inactivity score", Markers: b.Markers, YInclude: []float64{0},
			Caption: "The score climbs by 4 each epoch a validator misses its target during a leak, and its penalty grows with it: the steepest line is the group losing stake fastest."}
		for g, gname := range rd.s.groupNames {
			gs := rd.s.groups[groupKey{c, gname}]
			if gs == nil {
				continue
			}
			lo, hi := gs.band.band()
			b.Bands = append(b.Bands, Band{Name: "min–max · " + gname, Lower: lo, Upper: hi, Color: g})
			b.Lines = append(b.Lines, Line{Name: "mean · " + gname, Points: gs.mean.points(), Color: g},
				Line{Name: "effective mean · " + gname, Points: gs.eff.points(), Color: g, Dash: 1, Step: true})
			in.Lines = append(in.Lines, Line{Name: "group " + gname, Points: gs.inact.points(), Color: g, Dash: g})
		}
		bal, ina = append(bal, b), append(ina, in)
	}
	return append(bal, ina...)
}

// exitsCharts: slashings, ejections and exits per epoch (or bucket) on
// the summary class; none, and a sentence instead, when there were none.
func exitsCharts(rd *runData) ([]Chart, string) {
	unit := "validators per epoch"
	if rd.width > 1 {
		unit = fmt.Sprintf("validators per %d epochs", rd.width)
	}
	ch := Chart{ID: "exits", Title: "Slashings, ejections and exits", XLabel: "epoch", YLabel: unit,
		Caption: "Each bar counts the events of its epoch on " + seriesName(rd, rd.sumClass) + " (the summary's): slashings come in bursts when evidence lands, ejections follow a long leak, exits trail both by the exit queue."}
	for i, k := range countKinds {
		ch.Bars = append(ch.Bars, Bars{Name: k, Points: rd.ev.counts[k].points(), Width: float64(rd.width), Color: []int{1, 3, 0}[i]})
	}
	if !slices.ContainsFunc(ch.Bars, func(b Bars) bool { return len(b.Points) > 0 }) {
		return nil, "No validator was slashed, ejected or exited on " + seriesName(rd, rd.sumClass) + "."
	}
	ch.Markers = markers(rd, "conflicting_finalization", "partition_healed")
	return []Chart{ch}, ""
}

// blsChart: signatures and aggregates verified per epoch.
func blsChart(rd *runData) Chart {
	ch := Chart{ID: "bls", Title: "BLS load: signatures and aggregates per epoch", XLabel: "epoch", YLabel: "count per epoch", YInclude: []float64{0},
		Caption: "The verification work of " + seriesName(rd, rd.sumClass) + ": aggregates checked and the individual signatures they stand for; fewer validators (consolidation, ejection) or missed votes lower both."}
	ch.Lines = []Line{
		{Name: "signatures", Points: rd.s.sigs.points(), Color: 0},
		{Name: "aggregates verified", Points: rd.s.aggs.points(), Color: 1, Dash: 1},
	}
	if rd.sum.BLSMode == "off" {
		ch.Notes = append(ch.Notes, "BLS was off in this run: the counts are what would have been verified; no signature was made or checked.")
	}
	return ch
}
