package narrate

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// TestEconomicsStory tells liquid-staking and market events in plain words
// at their epochs, and leaves routine ones (accepted reports) out.
func TestEconomicsStory(t *testing.T) {
	var rows []sim.EpochRow
	for e := uint64(0); e < 8; e++ {
		rows = append(rows, honestRow(e, "main"))
	}
	const gwei = 1_000_000_000
	events := []sim.Event{
		{Epoch: 2, Kind: sim.EventOracleReport, Details: sim.OracleReportDetails{Protocol: "lido", Accepted: true, ReportEpoch: 2}},
		{Epoch: 3, Kind: sim.EventBunkerStarted, Details: sim.BunkerStartedDetails{Protocol: "lido", ReportEpoch: 3}},
		{Epoch: 4, Kind: sim.EventNegativeRebase, Details: sim.NegativeRebaseDetails{Protocol: "lido", RebaseGwei: -24_886_558_579,
			RateBefore: "1.000241967123456789", RateAfter: "0.974319165729616333"}},
		{Epoch: 4, Kind: sim.EventExitsRequested, Details: sim.ExitsRequestedDetails{Protocol: "lido", Validators: 2, BalanceGwei: 64 * gwei}},
		{Epoch: 5, Kind: sim.EventOracleReport, Details: sim.OracleReportDetails{Protocol: "lido", ReportEpoch: 5, Rejection: "CL balance decrease"}},
		{Epoch: 5, Kind: sim.EventLRTRateFell, Details: sim.LRTRateFellDetails{Protocol: "ezeth", LossGwei: 51_200_000_000,
			RateBefore: "1.000000000000000000", RateAfter: "0.900000000000000000"}},
		{Epoch: 6, Kind: sim.EventDepeg, Details: sim.DepegDetails{Pool: "curve", Threshold: "0.970000000", Price: "0.969625600", Slot: 258}},
		{Epoch: 7, Kind: sim.EventBunkerEnded, Details: sim.BunkerEndedDetails{Protocol: "lido", DurationEpochs: 4}},
		{Epoch: 7, Kind: sim.EventLiquidation, Details: sim.LiquidationDetails{Venue: "aave", User: "a", OraclePrice: "0.964017180", RepaidGwei: 10 * gwei, SeizedGwei: 10_500_000_000}},
		{Epoch: 7, Kind: sim.EventLiquidation, Details: sim.LiquidationDetails{Venue: "aave", User: "b", OraclePrice: "0.950000000", RepaidGwei: 5 * gwei, SeizedGwei: 5_250_000_000}},
		{Epoch: 7, Kind: sim.EventBadDebt, Details: sim.BadDebtDetails{Venue: "aave", User: "b", BadDebtGwei: 1_500_000_000}},
		{Epoch: 7, Kind: sim.EventLiquidation, Details: sim.LiquidationDetails{Venue: "morpho", User: "c", OraclePrice: "0.9", RepaidGwei: gwei, SeizedGwei: gwei}},
	}
	var out bytes.Buffer
	n := New(&out, nil, &scenarios.Scenario{Groups: []scenarios.Group{{Name: "honest", Count: 256}}})
	feed(t, n, rows, append(justifiedAndFinalized(rows), events...))
	if err := n.Finish(&sim.Summary{Epochs: 8, FinalizedEpoch: 6, LongestFinalityGapEpochs: 2}); err != nil {
		t.Fatal(err)
	}
	story := out.String()
	for _, want := range []string{
		"epoch 3: lido enters bunker mode: withdrawal requests wait until its slashed validators' penalties are known.",
		"epoch 4: lido's oracle reports a negative rebase of 24.887 ETH: the share rate falls from 1.000241967 to 0.974319165, a loss every holder shares.",
		"epoch 4: lido asks its operators to exit 2 validators (64 ETH) to pay withdrawal requests.",
		"epoch 5: lido's oracle report for epoch 5 is rejected by the sanity checker (CL balance decrease).",
		"epoch 5: ezeth's rate falls from 1.000000000 to 0.900000000: its restaked ETH lost 51.2 ETH.",
		"epoch 6: in pool curve the token trades below 0.97 ETH (0.9696256 at market slot 258).",
		"epoch 7: lido leaves bunker mode after 4 epochs.",
		// 10 + 5 ETH repaid, 10.5 + 5.25 tokens seized, summed per venue.
		"epoch 7: lending venue aave: 2 liquidations (the first at an oracle price of 0.96401718): liquidators repay 15 ETH and seize 15.75 tokens; 1.5 ETH of bad debt written off (1 position left without collateral).",
		"epoch 7: lending venue morpho: 1 liquidation (the first at an oracle price of 0.9): liquidators repay 1 ETH and seize 1 token.",
	} {
		if !strings.Contains(story, want+"\n") {
			t.Errorf("story lacks %q:\n%s", want, story)
		}
	}
	if strings.Contains(story, "epoch 2: lido") {
		t.Errorf("an accepted report was told:\n%s", story)
	}
}
