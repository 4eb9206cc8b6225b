package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// printSummary prints the short paragraph that ends a run.
func printSummary(w io.Writer, s *sim.Summary, t *sim.Timing, dir string) error {
	_, err := fmt.Fprintf(w, `%s seed=%d: %d epochs, %d validators, preset %s, bls %s
  final justified epoch %d, finalized epoch %d, longest finality gap %d epochs
  slashed %d, ejected %d, exited %d validators
  APR %.3f%% (net of penalties %.3f%%)
  %d signatures in %d verified aggregates, %d verify failures
  %.1f s, %.0f validator-epochs/s
`,
		s.Scenario, s.Seed, s.Epochs, s.Validators, s.Preset, s.BLSMode,
		s.JustifiedEpoch, s.FinalizedEpoch, s.LongestFinalityGapEpochs,
		s.SlashedValidators, s.EjectedValidators, s.ExitedValidators,
		s.APRPercent, s.NetAPRPercent,
		s.Signatures, s.AggregatesVerified, s.VerifyFailures,
		t.TotalSeconds, t.ValidatorEpochsPerSecond)
	if err != nil {
		return err
	}
	files := []string{output.EpochsFile, output.EventsFile, output.SummaryFile, output.TimingFile}
	if s.Restaking != nil {
		files = append(files, output.AVSFile)
		r := s.Restaking
		fmt.Fprintf(w, "  restaking: %d AVSs compromised, %d operators slashed, %s ETH slashed, %s ETH of profit from corruption realized; max Byzantine share %.4f\n",
			r.AVSCompromised, r.OperatorsSlashed, formatETH(r.RestakingSlashedGwei), formatETH(r.ProfitFromCorruptionRealizedGwei), s.MaxByzantineShare)
	}
	if s.BLSMode == string(scenarios.BLSOff) {
		warning := s.BLSWarning
		if warning == "" {
			warning = "BLS IS OFF: no signature was made or verified"
		}
		fmt.Fprintf(w, "WARNING: %s; these results say nothing about signature costs or failures.\n", warning)
	}
	_, err = fmt.Fprintf(w, "outputs in %s (%s)\n", dir, strings.Join(files, ", "))
	return err
}
