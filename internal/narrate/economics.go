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

// venueNews is one lending venue's liquidations and bad debt in an epoch.
type venueNews struct {
	liquidations, repaidGwei, seizedGwei uint64
	firstPrice                           string // oracle price at the first liquidation
	badDebts, badDebtGwei                uint64
}

// recordLending adds a liquidation or a bad-debt write-off to its venue's
// news.
func (en *epochNews) recordLending(ev sim.Event) {
	venue := func(name string) *venueNews {
		v := en.lending[name]
		if v == nil {
			v = &venueNews{}
			en.lending[name] = v
		}
		return v
	}
	switch d := ev.Details.(type) {
	case sim.LiquidationDetails:
		v := venue(d.Venue)
		if v.liquidations == 0 {
			v.firstPrice = d.OraclePrice
		}
		v.liquidations++
		v.repaidGwei += d.RepaidGwei
		v.seizedGwei += d.SeizedGwei
	case sim.BadDebtDetails:
		v := venue(d.Venue)
		v.badDebts++
		v.badDebtGwei += d.BadDebtGwei
	}
}

// tellLending tells each venue's liquidations and bad debt of the epoch,
// one line per venue.
func tellLending(en *epochNews, add func(int, string, string)) {
	for _, name := range sortedKeys(en.lending) {
		v := en.lending[name]
		var parts []string
		if v.liquidations > 0 {
			parts = append(parts, fmt.Sprintf("%s (the first at an oracle price of %s): liquidators repay %s and seize %s",
				plural(v.liquidations, "liquidation", "liquidations"), strings.TrimRight(v.firstPrice, "0"), eth(v.repaidGwei), tokens(v.seizedGwei)))
		}
		if v.badDebts > 0 {
			parts = append(parts, fmt.Sprintf("%s of bad debt written off (%s left without collateral)",
				eth(v.badDebtGwei), plural(v.badDebts, "position", "positions")))
		}
		add(prioRestaking, "", "lending venue "+name+": "+strings.Join(parts, "; ")+".")
	}
}

// tokens writes a token amount in Gwei as eth does ETH: "35.834 tokens".
func tokens(g uint64) string {
	n := strings.TrimSuffix(eth(g), " ETH")
	if n == "1" {
		return "1 token"
	}
	return n + " tokens"
}
