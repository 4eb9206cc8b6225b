package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/sim"
)

// outputFiles lists the run's output files that exist in dir, in the order
// a reader meets them: the scenario, the per-epoch files, the files of the
// layers the scenario has (restaking, liquid staking, markets), then the
// summary and the timing.
func outputFiles(dir string) []string {
	candidates := []string{
		output.ScenarioFile, output.EpochsFile, output.EventsFile, output.GroupsFile, output.BlocksFile,
		output.AVSFile, output.LSTFile, output.WithdrawalsFile, output.MarketFile, output.LendingFile,
		output.SummaryFile, output.TimingFile,
	}
	var files []string
	for _, f := range candidates {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			files = append(files, f)
		}
	}
	return files
}

// summaryLiquidStaking is one line per liquid-staking protocol: the lowest
// share rate, the loss its holders shared, bunker mode and the withdrawal
// requests (summary.json liquid_staking).
func summaryLiquidStaking(s *sim.Summary) string {
	var b strings.Builder
	for _, p := range s.LiquidStaking {
		bunker := "" // an LRT has no bunker mode
		if p.Kind != "lrt" {
			bunker = ", " + summaryPlural(p.BunkerEpochs, "epoch", "epochs") + " in bunker mode"
		}
		fmt.Fprintf(&b, "  liquid staking %s (%s): min share rate %s, socialised loss %s ETH%s, %s (%d finalized)\n",
			p.Protocol, p.Kind, trimRate(p.MinShareRate), formatETH(p.SocialisedLossGwei), bunker,
			summaryPlural(p.Requests, "withdrawal request", "withdrawal requests"), p.RequestsFinalized)
	}
	return b.String()
}

// summaryMarkets is one line per pool (its lowest price and when, the final
// price and the depeg thresholds crossed) and one per lending venue (its
// liquidations, what they repaid and seized, the bad debt and the lowest
// oracle price): summary.json markets.
func summaryMarkets(s *sim.Summary) string {
	if s.Markets == nil {
		return ""
	}
	var b strings.Builder
	for _, p := range s.Markets.Pools {
		fmt.Fprintf(&b, "  market %s: min price %s ETH per token at epoch %d (market slot %d), final %s, %s\n",
			p.Pool, p.MinPrice, p.MinPriceEpoch, p.MinPriceSlot, p.FinalPrice, summaryPlural(p.Depegs, "depeg crossing", "depeg crossings"))
	}
	for _, v := range s.Markets.Lending {
		fmt.Fprintf(&b, "  lending %s (%s): %s, %s ETH repaid for %s tokens, %s ETH of bad debt; lowest oracle price %s\n",
			v.Venue, v.Kind, summaryPlural(v.Liquidations, "liquidation", "liquidations"), formatETH(v.RepaidGwei),
			formatETH(v.LiquidatedCollateralGwei), formatETH(v.BadDebtGwei), v.MinOraclePrice)
	}
	return b.String()
}

// trimRate shortens an 18-decimal rate to 9 decimals (a Gwei per ETH).
func trimRate(r string) string {
	if i := strings.IndexByte(r, '.'); i >= 0 && len(r) > i+10 {
		return r[:i+10]
	}
	return r
}
