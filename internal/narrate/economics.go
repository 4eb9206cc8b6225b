package narrate

import (
	"fmt"
	"strings"

	"github.com/stakesim/stakesim/sim"
)

// economicsText is the line of a liquid-staking or market event worth
// telling, "" for the others: negative rebases, bunker mode, exits asked
// for withdrawals, rejected oracle reports, an LRT's rate falling, and a
// pool's price crossing a depeg threshold. Accepted reports and finalized
// withdrawals are routine (lst.csv and withdrawals.csv have them).
func economicsText(ev sim.Event) string {
	switch d := ev.Details.(type) {
	case sim.NegativeRebaseDetails:
		return fmt.Sprintf("%s's oracle reports a negative rebase of %s: the share rate falls from %s to %s, a loss every holder shares.",
			d.Protocol, eth(uint64(-d.RebaseGwei)), rate9(d.RateBefore), rate9(d.RateAfter))
	case sim.BunkerStartedDetails:
		return fmt.Sprintf("%s enters bunker mode: withdrawal requests wait until its slashed validators' penalties are known.", d.Protocol)
	case sim.BunkerEndedDetails:
		return fmt.Sprintf("%s leaves bunker mode after %s.", d.Protocol, plural(d.DurationEpochs, "epoch", "epochs"))
	case sim.ExitsRequestedDetails:
		return fmt.Sprintf("%s asks its operators to exit %s (%s) to pay withdrawal requests.",
			d.Protocol, plural(d.Validators, "validator", "validators"), eth(d.BalanceGwei))
	case sim.OracleReportDetails:
		if d.Accepted {
			return ""
		}
		return fmt.Sprintf("%s's oracle report for epoch %d is rejected by the sanity checker (%s).", d.Protocol, d.ReportEpoch, d.Rejection)
	case sim.LRTRateFellDetails:
		return fmt.Sprintf("%s's rate falls from %s to %s: its restaked ETH lost %s.", d.Protocol, rate9(d.RateBefore), rate9(d.RateAfter), eth(d.LossGwei))
	case sim.DepegDetails:
		return fmt.Sprintf("in pool %s the token trades below %s ETH (%s at market slot %d).", d.Pool, strings.TrimRight(d.Threshold, "0"), strings.TrimRight(d.Price, "0"), d.Slot)
	}
	return ""
}

// rate9 cuts an 18-decimal rate to 9 decimals.
func rate9(r string) string {
	if i := strings.IndexByte(r, '.'); i >= 0 && len(r) > i+10 {
		return r[:i+10]
	}
	return r
}
