package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/sim"
)

// summaryText renders printSummary for s.
func summaryText(t *testing.T, s *sim.Summary) string {
	t.Helper()
	var b strings.Builder
	if err := printSummary(&b, s, &sim.Timing{TotalSeconds: 1.5, ValidatorEpochsPerSecond: 1000}, "runs/x"); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// healthySummary is a short minimal-preset run where nothing happened.
func healthySummary() *sim.Summary {
	return &sim.Summary{
		Scenario: "baseline", Seed: 1, Epochs: 20, CompletedEpochs: 20, Validators: 1024,
		Preset: "minimal", BLSMode: "aggregate",
		JustifiedEpoch: 19, FinalizedEpoch: 18, LongestFinalityGapEpochs: 2,
		APRPercent: 708.778, NetAPRPercent: 708.778, APRWindowEpochs: 19, APRActiveBalanceGwei: 32_768e9,
		Signatures: 20_000, AggregatesVerified: 600,
	}
}

func u64(v uint64) *uint64 { return &v }

func wantLines(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("summary lacks %q:\n%s", w, text)
		}
	}
}

func noLines(t *testing.T, text string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(text, u) {
			t.Errorf("summary has %q:\n%s", u, text)
		}
	}
}

// TestSummaryHealthyRun: a run where nothing happened prints only the lines
// that apply: no stall, conflict, reorg, consolidation or crossing line.
func TestSummaryHealthyRun(t *testing.T) {
	text := summaryText(t, healthySummary())
	wantLines(t, text,
		"baseline seed=1: 20 epochs, 1024 validators, preset minimal, bls aggregate\n",
		"  final justified epoch 19, finalized epoch 18, longest finality gap 2 epochs\n",
		"  APR 708.778% over the last 19 epochs (no penalties)\n",
		"  20000 signatures in 600 verified aggregates, 0 verify failures\n",
	)
	noLines(t, text, "stalled", "CONFLICTING", "reorg", "consolidation", "Byzantine", "interrupted", "WARNING")
}

// TestSummaryBLSOff: with BLS off no signature was made, so the signature
// line says so instead of counting aggregates.
func TestSummaryBLSOff(t *testing.T) {
	s := healthySummary()
	s.BLSMode, s.BLSWarning = "off", "BLS IS OFF: no signature was produced or verified in this run"
	text := summaryText(t, s)
	wantLines(t, text, "  no signatures were made or verified (bls off)\n", "WARNING: BLS IS OFF")
	noLines(t, text, "signatures in", "verified aggregates")
}

// TestSummaryNetAPRFloor: a net APR below -100% (maxeb-slashing printed
// -84694.327%) is printed as ETH lost per validator; no percentage below
// -100% appears anywhere.
func TestSummaryNetAPRFloor(t *testing.T) {
	s := healthySummary()
	s.APRPercent, s.NetAPRPercent, s.NetLossETHPerValidator = 770.386, -84694.327, 7.8
	text := summaryText(t, s)
	wantLines(t, text, "  APR 770.386% over the last 19 epochs; net of penalties, 7.800 ETH lost per validator in those epochs\n")
	for _, m := range regexp.MustCompile(`(-?[0-9.]+)%`).FindAllStringSubmatch(text, -1) {
		if v, err := strconv.ParseFloat(m[1], 64); err == nil && v < -100 {
			t.Errorf("summary prints %s:\n%s", m[0], text)
		}
	}
	// At -100% or above the rate is printed.
	s.NetAPRPercent = -40.5
	wantLines(t, summaryText(t, s), "(net of penalties -40.500%)")
}

// TestSummaryStall: the stall's epochs and length (resumed - stalled) are
// printed in place of the longest finality gap, which is another figure.
func TestSummaryStall(t *testing.T) {
	s := healthySummary()
	s.Scenario, s.Epochs, s.CompletedEpochs = "attack-33", 538, 538
	s.FinalityStalledAtEpoch, s.FinalityResumedEpoch, s.LongestFinalityGapEpochs = u64(10), u64(346), 337
	text := summaryText(t, s)
	wantLines(t, text, "  finality stalled at epoch 10 and resumed at epoch 346, after 336 epochs without finality\n")
	noLines(t, text, "337", "longest finality gap")

	s.FinalityResumedEpoch = nil
	s.Epochs, s.CompletedEpochs = 60, 60
	wantLines(t, summaryText(t, s), "  finality stalled at epoch 10 and has not resumed by the end (50 epochs without finality)\n")
}

// TestSummaryConflictingFinalization names both checkpoints and the
// slashable share of the stake.
func TestSummaryConflictingFinalization(t *testing.T) {
	s := healthySummary()
	f := 0.341
	s.ConflictingFinalization = &sim.ConflictingFinalization{Epoch: 20, BranchA: "a", CheckpointA: "12:ab12", BranchB: "b", CheckpointB: "12:cd34",
		SlashableGwei: 11_136_000_000_000, Cause: "equivocation"}
	s.SlashableFractionAtConflict = &f
	wantLines(t, summaryText(t, s),
		"  CONFLICTING FINALIZATION: branches a and b finalized conflicting checkpoints (12:ab12 and 12:cd34) at epoch 20; 34.1% of stake (11136 ETH) was slashable (cause: equivocation)\n")
}

// TestSummaryInterrupted: an interrupted run says how far it got.
func TestSummaryInterrupted(t *testing.T) {
	s := healthySummary()
	s.Epochs, s.CompletedEpochs, s.Interrupted = 538, 100, true
	wantLines(t, summaryText(t, s), "baseline seed=1: interrupted after 100 of 538 epochs, 1024 validators")
}

// TestSummaryScenarioResults: reorgs, consolidations and Byzantine-share
// crossings get a line when they happened.
func TestSummaryScenarioResults(t *testing.T) {
	s := healthySummary()
	s.Reorgs = sim.ReorgSummary{Count: 14, MaxDepth: 3}
	s.ConsolidationsRequested, s.ConsolidationsAccepted, s.ConsolidationsCompleted = 441, 441, 441
	s.FirstConsolidationRequestEpoch, s.LastConsolidationEpoch, s.ConsolidationEpochs = u64(64), u64(400), u64(336)
	s.ValidatorsAtStart, s.ValidatorsAtEnd = 512, 71
	s.ByzantineCrossings = []sim.ByzantineCrossing{
		{Threshold: "1/3", Epoch: 16, Direction: "up", Share: 0.337719},
		{Threshold: "1/3", Epoch: 955, Direction: "down", Share: 0.329723},
	}
	wantLines(t, summaryText(t, s),
		"  the views saw 14 reorgs, the deepest of depth 3\n",
		"  441 consolidations requested, 441 accepted, 441 completed between epoch 64 (the first request) and epoch 400 (the last balance moved), 336 epochs; active validators 512 at the start, 71 at the end\n",
		"  Ethereum's Byzantine share rose above 1/3 at epoch 16 (33.8%), then fell to 1/3 or below at epoch 955 (33.0%)\n",
	)
}

// TestSummaryAPRNote: the APR gets a note when the preset or the stake
// puts it far from mainnet's, with mainnet's figure at ~34M ETH from
// economics.IdealEpochIssuance and IdealEpochSyncIssuance (2.8517%, worked
// by hand in apr_test.go, printed with one decimal).
func TestSummaryAPRNote(t *testing.T) {
	text := summaryText(t, healthySummary())
	wantLines(t, text, "  note: APR grows with epochs per year and falls as 1/sqrt(total stake): this run stakes 32,768 ETH in 48 s epochs; mainnet (~34M ETH, 384 s epochs) gives about 2.9%\n")

	s := healthySummary()
	s.Preset, s.APRPercent, s.NetAPRPercent = "mainnet", 2.75, 2.75
	s.APRActiveBalanceGwei = 34_000_000e9
	noLines(t, summaryText(t, s), "note:")

	s.APRActiveBalanceGwei = 1_000_000e9
	wantLines(t, summaryText(t, s), "  note: APR falls as 1/sqrt(total stake): this run stakes 1,000,000 ETH; mainnet's ~34M ETH gives about 2.9%\n")

	s.APRWindowEpochs = 0
	wantLines(t, summaryText(t, s), "  APR not measured: no epoch after epoch 0 was reported\n")
}

// TestSummaryLiquidStakingAndMarkets: one line per protocol and per pool,
// with the 18-decimal rate cut to 9 decimals and Gwei written as ETH.
func TestSummaryLiquidStakingAndMarkets(t *testing.T) {
	s := healthySummary()
	s.LiquidStaking = []sim.LSTSummary{{Protocol: "lido", Kind: "lst", MinShareRate: "0.974319165729616333",
		SocialisedLossGwei: 24_886_558_579, BunkerEpochs: 62, Requests: 20, RequestsFinalized: 19}}
	s.Markets = &sim.MarketsSummary{Pools: []sim.PoolSummary{{Pool: "curve", MinPrice: "0.956948770",
		MinPriceEpoch: 44, MinPriceSlot: 359, FinalPrice: "0.959129239", Depegs: 1}},
		Lending: []sim.VenueSummary{{Venue: "morpho-high", Kind: "morpho", Liquidations: 82, RepaidGwei: 170_528_232_529,
			LiquidatedCollateralGwei: 222_790_920_406, BadDebtGwei: 11_088_009_071, MinOraclePrice: "0.413265966"}}}
	wantLines(t, summaryText(t, s),
		"liquid staking lido (lst): min share rate 0.974319165, socialised loss 24.886558579 ETH, 62 epochs in bunker mode, 20 withdrawal requests (19 finalized)",
		"market curve: min price 0.956948770 ETH per token at epoch 44 (market slot 359), final 0.959129239, 1 depeg crossing",
		"lending morpho-high (morpho): 82 liquidations, 170.528232529 ETH repaid for 222.790920406 tokens, 11.088009071 ETH of bad debt; lowest oracle price 0.413265966")
}

// TestOutputFilesListsWhatExists: the closing line names the files the run
// wrote, in reading order, and no file it did not write.
func TestOutputFilesListsWhatExists(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"timing.json", "market.csv", "epochs.csv", "scenario.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := strings.Join(outputFiles(dir), ","), "scenario.yaml,epochs.csv,market.csv,timing.json"; got != want {
		t.Fatalf("outputFiles = %s, want %s", got, want)
	}
}
