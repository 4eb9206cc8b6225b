package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics"
	"github.com/stakesim/stakesim/internal/narrate"
	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// summaryMainnetStakeETH is the mainnet total stake the APR note compares a
// run with (about 34M ETH staked in 2025).
const summaryMainnetStakeETH = 34_000_000

// printSummary prints the short paragraph that ends a run: its size, the
// scenario's key results (only those that apply: a finality stall, a
// conflicting finalization, reorgs, consolidations, Byzantine-share
// crossings, restaking), the APR and the run's cost. The key results are
// phrased by internal/narrate, the same words as the story's closing
// paragraph.
func printSummary(w io.Writer, s *sim.Summary, t *sim.Timing, dir string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s seed=%d: %s, %d validators, preset %s, bls %s\n",
		s.Scenario, s.Seed, narrate.RunLengthText(s), s.Validators, s.Preset, s.BLSMode)
	if stall := narrate.StallText(s); stall != "" {
		// The stall's length replaces the longest finality gap (a lag, one
		// more than the stall's length for a single stall): one figure.
		fmt.Fprintf(&b, "  final justified epoch %d, finalized epoch %d\n  %s\n", s.JustifiedEpoch, s.FinalizedEpoch, stall)
	} else {
		fmt.Fprintf(&b, "  final justified epoch %d, finalized epoch %d, longest finality gap %d epochs\n",
			s.JustifiedEpoch, s.FinalizedEpoch, s.LongestFinalityGapEpochs)
	}
	if c := narrate.ConflictText(s); c != "" {
		fmt.Fprintf(&b, "  CONFLICTING FINALIZATION: %s\n", c)
	}
	fmt.Fprintf(&b, "  slashed %d, ejected %d, exited %d validators\n", s.SlashedValidators, s.EjectedValidators, s.ExitedValidators)
	for _, line := range []string{narrate.ReorgText(s), narrate.ConsolidationText(s), narrate.CrossingsText(s)} {
		if line != "" {
			fmt.Fprintf(&b, "  %s\n", line)
		}
	}
	b.WriteString(summaryAPR(s))
	if s.BLSMode == string(scenarios.BLSOff) {
		b.WriteString("  no signatures were made or verified (bls off)")
		if s.VerifyFailures > 0 {
			fmt.Fprintf(&b, "; %d blocks failed to import", s.VerifyFailures)
		}
		b.WriteString("\n")
	} else {
		fmt.Fprintf(&b, "  %d signatures in %d verified aggregates, %d verify failures\n", s.Signatures, s.AggregatesVerified, s.VerifyFailures)
	}
	fmt.Fprintf(&b, "  %.1f s, %.0f validator-epochs/s\n", t.TotalSeconds, t.ValidatorEpochsPerSecond)
	if s.Restaking != nil {
		r := s.Restaking
		fmt.Fprintf(&b, "  restaking: %d AVSs compromised, %d operators slashed, %s ETH slashed, %s ETH of profit from corruption realized; max Byzantine share %s\n",
			r.AVSCompromised, r.OperatorsSlashed, formatETH(r.RestakingSlashedGwei), formatETH(r.ProfitFromCorruptionRealizedGwei), narrate.Percent(s.MaxByzantineShare))
	}
	if s.BLSMode == string(scenarios.BLSOff) {
		warning := s.BLSWarning
		if warning == "" {
			warning = "BLS IS OFF: no signature was made or verified"
		}
		fmt.Fprintf(&b, "WARNING: %s; these results say nothing about signature costs or failures.\n", warning)
	}
	b.WriteString(summaryLiquidStaking(s))
	b.WriteString(summaryMarkets(s))
	fmt.Fprintf(&b, "outputs in %s (%s)\n", dir, strings.Join(outputFiles(dir), ", "))
	_, err := io.WriteString(w, b.String())
	return err
}

// summaryAPR is the APR line (the steady-state rate of summary.json's APR
// window) and, when the run's preset or stake puts it far from mainnet's,
// a note saying why. A net rate below -100% is not a rate anyone earns (it
// annualises one-off slashing losses), so it reads as ETH lost per
// validator instead.
func summaryAPR(s *sim.Summary) string {
	if s.APRWindowEpochs == 0 {
		return "  APR not measured: no epoch after epoch 0 was reported\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  APR %.3f%% over the last %s", s.APRPercent, summaryPlural(s.APRWindowEpochs, "epoch", "epochs"))
	switch {
	case s.NetAPRPercent < -100:
		fmt.Fprintf(&b, "; net of penalties, %s ETH lost per validator in those epochs\n", strconv.FormatFloat(s.NetLossETHPerValidator, 'f', 3, 64))
	case s.NetAPRPercent != s.APRPercent:
		fmt.Fprintf(&b, " (net of penalties %.3f%%)\n", s.NetAPRPercent)
	default:
		b.WriteString(" (no penalties)\n")
	}
	b.WriteString(summaryAPRNote(s))
	return b.String()
}

// summaryAPRNote explains an APR far from mainnet's: one line when the
// preset is not mainnet (its epochs are shorter, so a year has more of
// them) or the run's stake is more than twice or less than half mainnet's
// (the base reward, and so the APR, scales with 1/sqrt(total stake)).
// Mainnet's figure is the full-participation rate of
// economics.IdealEpochIssuance plus IdealEpochSyncIssuance on the mainnet
// preset at 34M ETH (about 2.85%), consensus layer only.
func summaryAPRNote(s *sim.Summary) string {
	stakeETH := float64(s.APRActiveBalanceGwei) / 1e9
	farStake := stakeETH < summaryMainnetStakeETH/2 || stakeETH > summaryMainnetStakeETH*2
	if s.Preset == "mainnet" && !farStake {
		return ""
	}
	mainnet, ok := consensus.PresetByName("mainnet")
	if !ok {
		return ""
	}
	n := uint64(summaryMainnetStakeETH / 32)
	staked := consensus.Gwei(n * 32e9)
	ideal := economics.IdealEpochIssuance(&mainnet, n, 32e9) + economics.IdealEpochSyncIssuance(&mainnet, n, 32e9)
	ref := economics.AnnualisedPercent(&mainnet, ideal, staked)
	secs := func(c *consensus.Config) string { return strconv.FormatFloat(c.SecondsPerEpoch(), 'f', -1, 64) }
	if cfg, ok := consensus.PresetByName(s.Preset); ok && s.Preset != "mainnet" {
		return fmt.Sprintf("  note: APR grows with epochs per year and falls as 1/sqrt(total stake): this run stakes %s ETH in %s s epochs; mainnet (~34M ETH, %s s epochs) gives about %.1f%%\n",
			summaryThousands(stakeETH), secs(&cfg), secs(&mainnet), ref)
	}
	return fmt.Sprintf("  note: APR falls as 1/sqrt(total stake): this run stakes %s ETH; mainnet's ~34M ETH gives about %.1f%%\n",
		summaryThousands(stakeETH), ref)
}

// summaryThousands formats a whole number of ETH with thousands separators.
func summaryThousands(x float64) string {
	digits := strconv.FormatFloat(math.Round(x), 'f', 0, 64)
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func summaryPlural(n uint64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatUint(n, 10) + " " + many
}
