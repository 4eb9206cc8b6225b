package report

import (
	"github.com/stakesim/stakesim/sim"
)

// classSeries are the downsampled series of one view class.
type classSeries struct {
	just, fin, part, attacker *sampler
	watch                     sim.FinalityWatch
	spans                     []Span
	dropped                   int // stall spans past MaxSpans
	stalled                   bool
	since                     uint64
}

// groupSeries are the downsampled series of one group in one class.
type groupSeries struct {
	share, mean, eff, inact *sampler
	band                    *bandSampler
}

type groupKey struct {
	class int
	group string
}

// runSeries holds every downsampled series of a run.
type runSeries struct {
	width      uint64
	forced     forcedSet
	classes    []*classSeries
	groups     map[groupKey]*groupSeries
	groupNames []string // in order of first appearance, at most MaxGroups
	moreGroups bool
	hasGroups  bool
	// summary class
	sigs, aggs                                *sampler
	compounding, pendingCons, pendingDeps     *sampler
	consChurn, exitQueue, restaked, avsBroken *sampler
	maxeb, restaking                          bool
}

func newRunSeries(classes int, width uint64, forced forcedSet) *runSeries {
	rs := &runSeries{width: width, forced: forced, groups: map[groupKey]*groupSeries{}}
	ns := func() *sampler { return newSampler(width, forced) }
	for range classes {
		rs.classes = append(rs.classes, &classSeries{just: ns(), fin: ns(), part: ns(), attacker: ns()})
	}
	rs.sigs, rs.aggs = ns(), ns()
	rs.compounding, rs.pendingCons, rs.pendingDeps = ns(), ns(), ns()
	rs.consChurn, rs.exitQueue, rs.restaked, rs.avsBroken = ns(), ns(), ns(), ns()
	return rs
}

// take adds one epoch's rows.
func (rs *runSeries) take(f *frame, vc *viewClasses, sumClass int) {
	totals := make(map[string]uint64, len(f.rows))
	for i := range f.rows {
		r := &f.rows[i]
		totals[r.branch] = r.totalActive
		for _, c := range vc.of(r.branch) {
			rs.classes[c].take(r)
		}
		if vc.contains(r.branch, sumClass) {
			rs.takeSummary(r)
		}
	}
	for i := range f.groups {
		g := &f.groups[i]
		for _, c := range vc.of(g.branch) {
			if gs := rs.group(c, g.group); gs != nil {
				gs.take(g, totals[g.branch])
			}
		}
	}
}

func (cs *classSeries) take(r *epochRow) {
	x := r.epoch
	cs.just.add(x, float64(r.justified))
	cs.fin.add(x, float64(r.finalized))
	cs.part.add(x, r.participation)
	cs.attacker.add(x, r.attackerShare)
	begins, resumed := cs.watch.Row(r.epoch, r.finalized)
	switch {
	case resumed:
		cs.closeSpan(x)
	case begins:
		cs.stalled, cs.since = true, x
	}
}

// closeSpan ends the stall in progress at epoch until.
func (cs *classSeries) closeSpan(until uint64) {
	if !cs.stalled {
		return
	}
	cs.stalled = false
	if len(cs.spans) >= MaxSpans {
		cs.dropped++
		return
	}
	cs.spans = append(cs.spans, Span{From: float64(cs.since), To: float64(until)})
}

func (rs *runSeries) takeSummary(r *epochRow) {
	x := r.epoch
	rs.sigs.add(x, float64(r.signatures))
	rs.aggs.add(x, float64(r.aggregates))
	rs.compounding.add(x, float64(r.compounding))
	rs.pendingCons.add(x, float64(r.pendingConsolidation))
	rs.pendingDeps.add(x, float64(r.pendingDeposits))
	rs.consChurn.add(x, float64(r.consolidationGw)/1e9)
	rs.exitQueue.add(x, float64(r.exitQueue))
	rs.restaked.add(x, float64(r.restaked)/1e9)
	rs.avsBroken.add(x, float64(r.avsBroken))
	rs.maxeb = rs.maxeb || r.compounding > 0 || r.pendingConsolidation > 0
	rs.restaking = rs.restaking || r.restaked > 0 || r.avsBroken > 0
}

// group returns the series of group name in class c (nil past MaxGroups).
func (rs *runSeries) group(c int, name string) *groupSeries {
	k := groupKey{c, name}
	if gs, ok := rs.groups[k]; ok {
		return gs
	}
	known := false
	for _, g := range rs.groupNames {
		known = known || g == name
	}
	if !known {
		if len(rs.groupNames) >= MaxGroups {
			rs.moreGroups = true
			return nil
		}
		rs.groupNames = append(rs.groupNames, name)
	}
	ns := func() *sampler { return newSampler(rs.width, rs.forced) }
	gs := &groupSeries{share: ns(), mean: ns(), eff: ns(), inact: ns(), band: newBandSampler(rs.width)}
	rs.groups[k] = gs
	return gs
}

func (gs *groupSeries) take(g *groupRow, total uint64) {
	x := g.epoch
	if total > 0 {
		gs.share.add(x, stakeOf(g)/float64(total))
	}
	gs.mean.add(x, float64(g.balMean)/1e9)
	gs.eff.add(x, float64(g.effMean)/1e9)
	gs.inact.add(x, g.inactivity)
	gs.band.add(x, float64(g.balMin)/1e9, float64(g.balMax)/1e9)
}

// stakeOf is a group's active stake: active_effective_balance_gwei when
// groups.csv has it, else active × effective_balance_mean_gwei.
func stakeOf(g *groupRow) float64 {
	if g.hasActiveEffective {
		return float64(g.activeEffective)
	}
	return float64(g.active) * float64(g.effMean)
}

// end closes the stalls still in progress at epoch n (the run's end).
func (rs *runSeries) end(n uint64) {
	for _, cs := range rs.classes {
		cs.closeSpan(n)
	}
}
