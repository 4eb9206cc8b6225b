package report

import "fmt"

// maxebCharts: the MaxEB queues and churn, when the run used them
// (compounding validators, consolidations, or execution-layer requests).
func maxebCharts(rd *runData) []Chart {
	s := rd.sum
	if !rd.s.maxeb && s.ConsolidationsRequested == 0 && s.SwitchesRequested == 0 && s.ExitRequestsApplied == 0 && s.DepositRequests == 0 {
		return nil
	}
	q := Chart{ID: "maxeb-queues", Title: "MaxEB: compounding validators and pending queues",
		XLabel: "epoch", YLabel: "count", YInclude: []float64{0}, Caption: "Compounding (0x02) validators rise as consolidations complete while the pending consolidations drain at the consolidation churn; deposits wait in their own queue.",
		Lines: []Line{
			{Name: "compounding validators", Points: rd.s.compounding.points(), Color: 0, Step: true},
			{Name: "pending consolidations", Points: rd.s.pendingCons.points(), Color: 1, Dash: 1, Step: true},
			{Name: "pending deposits", Points: rd.s.pendingDeps.points(), Color: 2, Dash: 2, Step: true},
		}}
	churn := Chart{ID: "maxeb-churn", Title: "MaxEB: consolidation churn", XLabel: "epoch", YLabel: "ETH per epoch", YInclude: []float64{0},
		Caption: "The balance the chain may consolidate each epoch: the pending queue cannot drain faster than this.",
		Lines:   []Line{{Name: "consolidation churn", Points: rd.s.consChurn.points(), Color: 3, Step: true}}}
	exitq := Chart{ID: "maxeb-exit-queue", Title: "Exit queue", XLabel: "epoch", YLabel: "exit queue (epochs)", YInclude: []float64{0},
		Caption: "How far ahead the last scheduled exit is: a wave of exits (or consolidations, which use the same churn) pushes it out.",
		Lines:   []Line{{Name: "exit queue", Points: rd.s.exitQueue.points(), Color: 4, Step: true}}}
	return []Chart{q, churn, exitq}
}

// restakingCharts: the Byzantine share against 1/3, AVS slashes and
// compromised AVSs, when the run had a restaking block.
func restakingCharts(rd *runData) []Chart {
	if !rd.s.restaking && rd.sum.Restaking == nil && rd.avs == nil {
		return nil
	}
	byz := Chart{ID: "restaking-share", Title: "Restaking: Byzantine share of Ethereum's stake", XLabel: "epoch",
		YLabel: "share of active stake", HLines: shareLines, YInclude: []float64{0, 1}, Markers: markers(rd, "byzantine_share_crossed"),
		Caption: "When forced exits of slashed honest operators shrink the honest stake, the coalition's share can cross 1/3 without buying a single validator: then it can stall finality."}
	for c, cs := range rd.s.classes {
		byz.Lines = append(byz.Lines, Line{Name: "coalition · " + seriesName(rd, c), Points: cs.attacker.points(), Color: c, Dash: c})
	}
	avs := Chart{ID: "restaking-avs", Title: "Restaking: restaked ETH slashed by AVSs", XLabel: "epoch",
		YLabel: slashedUnit(rd.width), Caption: "Each bar is the restaked ETH the AVSs slashed (avs.csv slashed_gwei, all AVSs): a buggy or captured AVS shows as a burst."}
	if rd.avs != nil && rd.avs.any {
		avs.Bars = []Bars{{Name: "restaked ETH slashed", Points: rd.avs.points(), Width: float64(rd.width), Color: 1}}
	} else {
		avs.Notes = append(avs.Notes, "No AVS slashed restaked ETH in this run.")
	}
	broken := Chart{ID: "restaking-compromised", Title: "Restaking: AVSs compromised", XLabel: "epoch", YLabel: "AVSs (cumulative)",
		Caption: "An AVS is compromised when the Byzantine answerers of its task held its threshold of its slashable stake: each step is one more.",
		Lines:   []Line{{Name: "AVSs compromised", Points: rd.s.avsBroken.points(), Color: 0, Step: true}}, YInclude: []float64{0, 1}}
	return []Chart{byz, avs, broken}
}

// slashedUnit is the y label of per-epoch (or per-bucket) ETH bars.
func slashedUnit(width uint64) string {
	if width > 1 {
		return fmt.Sprintf("ETH per %d epochs", width)
	}
	return "ETH per epoch"
}
