package report

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/stakesim/stakesim/sim"
)

// Bounds of the per-group charts.
const (
	// MaxGroups is the number of validator groups drawn (the first ones of
	// groups.csv); MaxPanels the number of view classes that get their
	// own group panels.
	MaxGroups = 8
	MaxPanels = 4
	// MaxSpans caps the stall spans kept per view class.
	MaxSpans = 100
)

// runData is everything the run page shows, read from a run directory.
type runData struct {
	dir      string
	sum      *sim.Summary
	timing   *sim.Timing
	vc       *viewClasses
	sumClass int
	n, width uint64
	ev       *eventData
	tree     *BlockTree
	s        *runSeries
	avs      *binner // AVS slashes (ETH) per bucket; nil without avs.csv
	notes    []string
	files    []string
	opts     PageOptions
}

// loadRun reads a run directory, streaming every file once (blocks.csv
// three times, epochs.csv twice).
func loadRun(dir string, opts PageOptions) (*runData, error) {
	sum, err := readSummary(dir)
	if err != nil {
		return nil, err
	}
	rd := &runData{dir: dir, sum: sum, timing: readTiming(dir), opts: opts}
	if rd.vc, err = scanClasses(dir); err != nil {
		return nil, err
	}
	rd.n, rd.width = rd.vc.epochs, bucketWidth(rd.vc.epochs)
	rd.sumClass = rd.vc.summaryClass(sum.SummaryBranch, coalitions(sum))
	roots := map[string]bool{}
	if exists(dir, blocksFile) {
		if rd.tree, err = buildBlockTree(filepath.Join(dir, blocksFile)); err != nil {
			return nil, err
		}
		roots = rd.tree.roots()
	}
	onSummary := func(b string) bool { return rd.vc.contains(b, rd.sumClass) }
	if rd.ev, err = readEvents(dir, rd.width, roots, onSummary); err != nil {
		return nil, err
	}
	if rd.tree != nil {
		rd.tree.markCheckpoints(rd.ev)
	}
	if err := rd.readSeries(); err != nil {
		return nil, err
	}
	if exists(dir, avsFile) {
		if rd.avs, err = readAVS(filepath.Join(dir, avsFile), rd.width); err != nil {
			return nil, err
		}
	}
	rd.listFiles()
	return rd, nil
}

// coalitions lists the coalition names of the summary's groups.
func coalitions(s *sim.Summary) []string {
	var out []string
	for _, g := range s.Groups {
		if g.Coalition != "" && !slices.Contains(out, g.Coalition) {
			out = append(out, g.Coalition)
		}
	}
	return out
}

// forced returns the epochs every series keeps exactly: the kept marker
// events, the summary's stall and resume, the timeline's first
// MaxEventsPerKind entries.
func (rd *runData) forced() forcedSet {
	eps := rd.ev.epochs()
	if st := rd.sum.FinalityStalledAtEpoch; st != nil {
		eps = append(eps, *st)
	}
	if r := rd.sum.FinalityResumedEpoch; r != nil {
		eps = append(eps, *r)
	}
	for _, t := range rd.opts.Timeline[:min(len(rd.opts.Timeline), MaxEventsPerKind)] {
		eps = append(eps, t.Epoch)
	}
	return newForcedSet(eps)
}

// readSeries streams epochs.csv and groups.csv into the series.
func (rd *runData) readSeries() error {
	fr, err := openFrames(rd.dir)
	if err != nil {
		return err
	}
	defer fr.close()
	rd.s = newRunSeries(len(rd.vc.labels), rd.width, rd.forced())
	rd.s.hasGroups = fr.groups != nil
	for {
		f, err := fr.next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
		rd.s.take(f, rd.vc, rd.sumClass)
	}
	rd.s.end(rd.n)
	if fr.skipped > 0 {
		rd.notes = append(rd.notes, fmt.Sprintf("%d rows of groups.csv were out of epoch order and were left out.", fr.skipped))
	}
	return nil
}

// readAVS sums avs.csv's slashed_gwei (as ETH) over AVSs, per bucket.
func readAVS(path string, width uint64) (*binner, error) {
	c, err := openCSV(path)
	if err != nil {
		return nil, err
	}
	defer c.close()
	cols, err := c.need("epoch", "slashed_gwei")
	if err != nil {
		return nil, err
	}
	b := newBinner(width)
	for {
		rec, err := c.next()
		if errors.Is(err, io.EOF) {
			return b, nil
		} else if err != nil {
			return nil, err
		}
		b.add(cellU(rec, cols[0]), float64(cellU(rec, cols[1]))/1e9)
	}
}

// listFiles records which input files the run directory had.
func (rd *runData) listFiles() {
	for _, f := range []string{summaryFile, epochsFile, eventsFile, groupsFile, blocksFile, timingFile, avsFile, lstFile, marketFile, lendingFile} {
		if exists(rd.dir, f) {
			rd.files = append(rd.files, f)
		}
	}
	if !exists(rd.dir, groupsFile) {
		rd.notes = append(rd.notes, "groups.csv is not in this run directory: no per-group charts; stake shares show the coalition only.")
	}
	if exists(rd.dir, groupsFile) && len(rd.s.groupNames) == 0 {
		rd.notes = append(rd.notes, "groups.csv has no rows: no per-group charts; stake shares show the coalition only.")
	}
	if !exists(rd.dir, blocksFile) {
		rd.notes = append(rd.notes, "blocks.csv is not in this run directory: no block tree.")
	}
	if rd.timing == nil {
		rd.notes = append(rd.notes, "timing.json is missing or unreadable: no BLS timing table.")
	}
	if rd.ev.skipped > 0 {
		rd.notes = append(rd.notes, fmt.Sprintf("%d lines of events.jsonl over 1 MiB were skipped.", rd.ev.skipped))
	}
	if !rd.ev.present {
		rd.notes = append(rd.notes, "events.jsonl is not in this run directory: no event markers or slashing bars.")
	}
	if c := rd.ev.capped(); len(c) > 0 {
		rd.notes = append(rd.notes, fmt.Sprintf("Event markers are capped at the first %d events of each kind (%s).", MaxEventsPerKind, joinComma(c)))
	}
	if rd.width > 1 {
		rd.notes = append(rd.notes, fmt.Sprintf("The %d epochs are downsampled to buckets of %d epochs: each line keeps the lowest and highest point of every bucket and the exact points at event epochs; bars sum each bucket.", rd.n, rd.width))
	}
}
