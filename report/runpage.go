package report

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/stakesim/stakesim/sim"
)

// runPageData lays out the run page: key results, then sections of
// charts.
func runPageData(rd *runData) (*pageData, error) {
	s := rd.sum
	pd := &pageData{
		Title:    fmt.Sprintf("stakesim run report: %s, seed %d", s.Scenario, s.Seed),
		Subtitle: s.Description,
		Lesson:   rd.opts.Lesson,
		Summary:  keyResults(s),
		Timeline: rd.opts.Timeline,
		Notes:    rd.notes,
		Files:    rd.files,
	}
	if rd.opts.Title != "" {
		pd.Title = rd.opts.Title
	}
	secs, err := runSections(rd)
	pd.Sections = secs
	return pd, err
}

// runSections renders the charts section by section.
func runSections(rd *runData) ([]section, error) {
	type spec struct {
		id, heading string
		charts      []Chart
		intro       string
	}
	exits, exitsIntro := exitsCharts(rd)
	specs := []spec{
		{"finality", "Finality", []Chart{finalityChart(rd), participationChart(rd)}, ""},
		{"stake", "Stake and balances", append(stakeCharts(rd), balanceCharts(rd)...), ""},
		{"exits", "Slashings, ejections and exits", exits, exitsIntro},
		{"bls", "BLS load", []Chart{blsChart(rd)}, ""},
		{"maxeb", "MaxEB", maxebCharts(rd), ""},
		{"restaking", "Restaking", restakingCharts(rd), ""},
		{"lst", "Liquid staking", lstCharts(rd), ""},
		{"markets", "Markets and lending", marketCharts(rd), ""},
	}
	var out []section
	for _, sp := range specs {
		if len(sp.charts) == 0 && sp.intro == "" {
			continue
		}
		for i := range sp.charts {
			sp.charts[i].XInclude = []float64{0, float64(max(rd.n, 1) - 1)}
		}
		figs, err := chartFigures(sp.charts)
		if err != nil {
			return nil, err
		}
		out = append(out, section{ID: sp.id, Heading: sp.heading, Intro: sp.intro, Figures: figs})
		if sp.id == "stake" {
			tree, err := treeSection(rd)
			if err != nil {
				return nil, err
			}
			out = append(out, tree)
		}
		if sp.id == "bls" {
			out[len(out)-1].Tables = timingTables(rd)
		}
	}
	return out, nil
}

// treeSection is the block tree, or a note saying why there is none.
func treeSection(rd *runData) (section, error) {
	sec := section{ID: "blocks", Heading: "Block tree"}
	t := rd.tree
	switch {
	case t == nil:
		sec.Intro = "No blocks.csv in this run directory."
		return sec, nil
	case t.Total == 0:
		sec.Intro = "blocks.csv has no rows: no block tree."
		return sec, nil
	case len(t.Blocks) == 0:
		sec.Intro = fmt.Sprintf("No forks: each of the %d blocks is on the canonical chain of every view.", t.Total)
		return sec, nil
	}
	svg, err := renderTree(t)
	if err != nil {
		return sec, err
	}
	sec.Figures = []figure{{ID: "block-tree", SVG: template.HTML(svg), Notes: t.Notes,
		Caption: fmt.Sprintf("Windows of slots around the %d blocks (of %d) that are not on every view's chain: follow the lanes where the views' chains part, and the orphaned blocks a reorg abandoned; stretches without forks are collapsed.", t.Forked, t.Total)}}
	return sec, nil
}

// timingTables is timing.json's BLS figures.
func timingTables(rd *runData) []table {
	t := rd.timing
	if t == nil {
		return nil
	}
	sec := func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
	return []table{{Title: "Timing (timing.json: wall clock, not deterministic)", Header: []string{"figure", "seconds"},
		Rows: [][]string{
			{"signing", sec(t.SigningSeconds)},
			{"verification", sec(t.VerificationSeconds)},
			{"verification per epoch, first 3 epochs", sec(t.VerificationSecondsPerEpochStart)},
			{"verification per epoch, last 3 epochs", sec(t.VerificationSecondsPerEpochEnd)},
			{"signing per epoch, first 3 epochs", sec(t.SigningSecondsPerEpochStart)},
			{"signing per epoch, last 3 epochs", sec(t.SigningSecondsPerEpochEnd)},
			{"epoch processing", sec(t.EpochProcessingSeconds)},
			{"total", sec(t.TotalSeconds)},
		}}}
}

// keyResults is the key results table.
func keyResults(s *sim.Summary) []row {
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	rows := []row{
		{"Scenario", s.Scenario},
		{"Seed", u(s.Seed)},
		{"Epochs (completed / asked)", u(s.CompletedEpochs) + " / " + u(s.Epochs)},
		{"Validators", u(s.Validators)},
		{"Preset", s.Preset},
		{"BLS mode", s.BLSMode + warn(s.BLSWarning)},
		{"Summary branch", s.SummaryBranch},
	}
	rows = append(rows, finalityRows(s)...)
	rows = append(rows,
		row{"Conflicting finalization", conflict(s)},
		row{"Slashed / ejected / exited validators", u(s.SlashedValidators) + " / " + u(s.EjectedValidators) + " / " + u(s.ExitedValidators)},
		row{"Reorgs (count, deepest)", u(s.Reorgs.Count) + ", depth " + u(s.Reorgs.MaxDepth)},
		row{"Max Byzantine share", fmt.Sprintf("%.6f at epoch %d", s.MaxByzantineShare, s.MaxByzantineShareEpoch)},
		row{"APR", apr(s)},
		row{"Interrupted", yesNo(s.Interrupted)},
	)
	if r := s.Restaking; r != nil {
		rows = append(rows, row{"Restaking", fmt.Sprintf("%d AVSs compromised, %d operators slashed, %s ETH slashed",
			r.AVSCompromised, r.OperatorsSlashed, eth(r.RestakingSlashedGwei))})
	}
	return rows
}

// finalityRows: stall, resume, stall length and the longest gap.
func finalityRows(s *sim.Summary) []row {
	st, ok := s.FinalityStall()
	if !ok {
		return []row{{"Finality stalled", "never"},
			{"Final justified / finalized epoch", fmt.Sprintf("%d / %d", s.JustifiedEpoch, s.FinalizedEpoch)},
			{"Longest finality gap", fmt.Sprintf("%d epochs", s.LongestFinalityGapEpochs)}}
	}
	resumed := "not before the run ended (the stall length is a lower bound)"
	length := fmt.Sprintf("at least %d epochs (run ended during the stall)", st.Epochs)
	if st.Resumed {
		resumed = "epoch " + strconv.FormatUint(st.Until, 10)
		length = fmt.Sprintf("%d epochs (resumed − stalled)", st.Epochs)
	}
	return []row{
		{"Finality stalled at", "epoch " + strconv.FormatUint(st.Since, 10)},
		{"Finality resumed at", resumed},
		{"Stall length", length},
		{"Final justified / finalized epoch", fmt.Sprintf("%d / %d", s.JustifiedEpoch, s.FinalizedEpoch)},
		{"Longest finality gap", fmt.Sprintf("%d epochs", s.LongestFinalityGapEpochs)},
	}
}

func conflict(s *sim.Summary) string {
	c := s.ConflictingFinalization
	if c == nil {
		return "none"
	}
	out := fmt.Sprintf("epoch %d: %s finalized %s, %s finalized %s (cause: %s)", c.Epoch, c.BranchA, c.CheckpointA, c.BranchB, c.CheckpointB, c.Cause)
	if f := s.SlashableFractionAtConflict; f != nil {
		out += fmt.Sprintf("; slashable fraction %.6f (%s ETH)", *f, eth(c.SlashableGwei))
	}
	return out
}

func apr(s *sim.Summary) string {
	if s.APRWindowEpochs == 0 {
		return "no APR window (only epoch 0 was reported)"
	}
	return fmt.Sprintf("%.4f%% (net %.4f%%) over the last %d epochs, on %s ETH of active stake",
		s.APRPercent, s.NetAPRPercent, s.APRWindowEpochs, eth(s.APRActiveBalanceGwei))
}

// eth prints Gwei as ETH with up to 9 decimals, trailing zeros dropped.
func eth(gwei uint64) string {
	s := strconv.FormatUint(gwei/1e9, 10)
	if f := gwei % 1e9; f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%09d", f), "0")
	}
	return s
}

func warn(w string) string {
	if w == "" {
		return ""
	}
	return " — " + w
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func joinComma(s []string) string { return strings.Join(s, "; ") }
