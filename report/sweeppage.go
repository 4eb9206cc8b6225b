package report

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// sweepPageData lays out the sweep page: the sweep's figures, the heat
// map, the charts per param, the failed runs.
func sweepPageData(sd *sweepData, opts PageOptions) (*pageData, error) {
	m := &sd.man
	pd := &pageData{
		Title:    "stakesim sweep report: " + m.Scenario,
		Subtitle: fmt.Sprintf("Sweep %s over %s.", m.SweepID, strings.Join(sd.params, ", ")),
		Lesson:   opts.Lesson, Timeline: opts.Timeline, Files: sd.files,
		Summary: sweepSummary(sd),
	}
	if opts.Title != "" {
		pd.Title = opts.Title
	}
	if sd.notResumed > 0 {
		pd.Notes = append(pd.Notes, fmt.Sprintf("%d runs ended with finality still stalled (finality_resumed=false): their stall lengths and gaps are cut off by the run length, lower bounds, so they are drawn hollow or hatched and left out of the means.", sd.notResumed))
	}
	if hm, ok, why := heatMap(sd); ok {
		svg, err := renderHeatMap(&hm)
		if err != nil {
			return nil, err
		}
		pd.Sections = append(pd.Sections, section{ID: "heatmap", Heading: "Heat map",
			Figures: []figure{{ID: hm.ID, SVG: template.HTML(svg), Caption: hm.Caption, Notes: hm.Notes}}})
	} else if why != "" {
		pd.Notes = append(pd.Notes, why)
	}
	figs, err := chartFigures(sweepCharts(sd))
	if err != nil {
		return nil, err
	}
	sec := section{ID: "params", Heading: "Results against each swept param", Figures: figs}
	if len(sd.keys) == 0 {
		sec.Intro = "None of the key results (" + strings.Join(sweepKeys, ", ") + ") varies among the finished runs."
	}
	pd.Sections = append(pd.Sections, sec)
	if sd.failedN > 0 {
		pd.Sections = append(pd.Sections, failedSection(sd))
	}
	return pd, nil
}

func sweepSummary(sd *sweepData) []row {
	m := &sd.man
	epochs := "each run's own (from the scenario)"
	if m.Epochs > 0 {
		epochs = strconv.FormatUint(m.Epochs, 10)
	}
	var seeds []string
	for _, s := range m.Seeds {
		seeds = append(seeds, strconv.FormatUint(s, 10))
	}
	return []row{
		{"Scenario", m.Scenario},
		{"Sweep", m.SweepID + " (" + m.SweepFile + ")"},
		{"Swept params", strings.Join(sd.params, ", ")},
		{"Seeds", strings.Join(seeds, ", ")},
		{"Epochs", epochs},
		{"BLS mode", m.BLS},
		{"Shard", m.Shard},
		{"Points / runs in results.csv", fmt.Sprintf("%d / %d", len(sd.points), sd.runs)},
		{"Runs ok / failed", fmt.Sprintf("%d / %d", sd.ok, sd.failedN)},
		{"Runs that did not resume finality", strconv.Itoa(sd.notResumed)},
	}
}

// failedSection lists the runs with status error.
func failedSection(sd *sweepData) section {
	t := table{Header: append(append([]string{"run_id", "seed"}, sd.params...), "error"), Rows: sd.failed}
	sec := section{ID: "failed", Heading: "Failed runs", Tables: []table{t},
		Intro: fmt.Sprintf("%d runs failed (status=error); they are in no chart.", sd.failedN)}
	if sd.failedN > len(sd.failed) {
		sec.Intro += fmt.Sprintf(" The first %d are listed.", len(sd.failed))
	}
	return sec
}
