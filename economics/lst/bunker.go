package lst

import "github.com/hashicorp/go-memdb"

type memTxn = *memdb.Txn

// updateBunker is lido-oracle's BunkerService.is_bunker_mode followed by
// WithdrawalQueue.onOracleReport: bunker mode is on at a report if the
// frame's CL rebase is negative (condition 2) or if the largest per-frame
// sum of midterm penalties of the protocol's slashed, not yet withdrawable
// validators exceeds the frame's CL rebase (condition 1, "new or ongoing
// mass slashing"). It is re-decided at every report; when it turns on, its
// start is the previous report's epoch.
func (p *Protocol) updateBunker(r OracleReport, res *ReportResult) {
	on := res.NegativeRebase || p.highMidtermPenalty(r, res.CLRebaseGwei)
	switch {
	case on && !p.bunker:
		p.bunkerSince = p.lastReportEpoch
		res.BunkerStarted = true
	case !on && p.bunker:
		res.BunkerEnded = true
	}
	p.bunker = on
	res.Bunker = on
}

// highMidtermPenalty is _is_high_midterm_slashing_penalty: midterm
// penalties bucketed by the report frame they fall in, the largest bucket
// against the frame's CL rebase.
func (p *Protocol) highMidtermPenalty(r OracleReport, rebase int64) bool {
	buckets := map[Epoch]Gwei{}
	var worst Gwei
	half := p.p.EpochsPerSlashingsVector / 2
	for _, s := range r.Slashings {
		if s.WithdrawableEpoch <= r.Epoch {
			continue
		}
		mid, _ := sub(s.WithdrawableEpoch, half)
		frame := p.frameOf(mid)
		buckets[frame] += s.MidtermPenaltyGwei
		worst = max(worst, buckets[frame])
	}
	return len(buckets) > 0 && int64(worst) > rebase
}

// frameOf is the start epoch of the report frame holding e (frames are
// counted from epoch 0).
func (p *Protocol) frameOf(e Epoch) Epoch { return e / p.p.ReportEpochs * p.p.ReportEpochs }

// safeBorder is lido-oracle's SafeBorder.get_safe_border_epoch. In turbo
// mode: the report epoch − FinalizationDefaultShift. In bunker mode the
// earlier of the negative-rebase border, max(epoch −
// FinalizationMaxNegativeRebaseShift, bunker start − default shift), and
// the associated-slashings border, the frame start of the earliest
// slashed epoch among slashings not yet withdrawable − default shift. ok is
// false when the border falls before epoch 0.
func (p *Protocol) safeBorder(r OracleReport) (Epoch, bool) {
	def, defOK := sub(r.Epoch, p.p.FinalizationDefaultShift)
	if !p.bunker {
		return def, defOK
	}
	neg, negOK := sub(p.bunkerSince, p.p.FinalizationDefaultShift)
	if capE, ok := sub(r.Epoch, p.p.FinalizationMaxNegativeRebaseShift); ok && (!negOK || capE > neg) {
		neg, negOK = capE, true
	}
	assoc, assocOK := def, defOK
	if earliest, ok := earliestIncompleteSlashing(r); ok {
		assoc, assocOK = sub(p.frameOf(earliest), p.p.FinalizationDefaultShift)
	}
	switch {
	case !negOK || !assocOK:
		return 0, false
	default:
		return min(neg, assoc), true
	}
}

// earliestIncompleteSlashing is the earliest slashed epoch among the
// slashings not yet withdrawable at the report epoch.
func earliestIncompleteSlashing(r OracleReport) (Epoch, bool) {
	var earliest Epoch
	found := false
	for _, s := range r.Slashings {
		if s.WithdrawableEpoch > r.Epoch && (!found || s.SlashedEpoch < earliest) {
			earliest, found = s.SlashedEpoch, true
		}
	}
	return earliest, found
}
