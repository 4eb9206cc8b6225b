package report

import (
	"errors"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
)

// PageOptions adds to a page what a lesson page needs. The zero value
// gives the plain report.
type PageOptions struct {
	// Title replaces the page's heading and <title> when not empty.
	Title string
	// Lesson is a trusted HTML section (the lesson's text) shown between
	// the key results and the charts. It is inserted as it is: the caller
	// escapes anything that is not meant as markup.
	Lesson template.HTML
	// Timeline is a narrated timeline shown beside the charts, numbered;
	// the numbers also mark the entries' epochs on the finality chart,
	// and the series keep their exact points at these epochs.
	Timeline []TimelineEntry
}

// TimelineEntry is one entry of a narrated timeline.
type TimelineEntry struct {
	Epoch uint64
	Text  string
}

// ErrNotResults marks a directory that is neither a finished run nor a
// finished sweep (Detect's and Write's errors wrap it; an unreadable
// directory gives the os error instead).
var ErrNotResults = errors.New("not a run or sweep directory")

// DirKind is what a directory holds.
type DirKind int

// Directory kinds.
const (
	NotReportable DirKind = iota
	RunDir                // summary.json and epochs.csv
	SweepDir              // results.csv and sweep.json
)

// Detect tells a run directory from a sweep directory; anything else is
// an error naming dir and what it lacks.
func Detect(dir string) (DirKind, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return NotReportable, fmt.Errorf("report: %w", err)
	}
	if !st.IsDir() {
		return NotReportable, fmt.Errorf("report: %s is not a directory: %w", dir, ErrNotResults)
	}
	switch {
	case exists(dir, summaryFile) && exists(dir, epochsFile):
		return RunDir, nil
	case exists(dir, resultsFile) && exists(dir, manifest):
		return SweepDir, nil
	case exists(dir, epochsFile):
		return NotReportable, fmt.Errorf("report: %s has epochs.csv but no summary.json: a run that is still going or was killed: %w", dir, ErrNotResults)
	case exists(dir, manifest):
		return NotReportable, fmt.Errorf("report: %s has sweep.json but no results.csv: a sweep that has not finished (see --resume): %w", dir, ErrNotResults)
	}
	return NotReportable, fmt.Errorf("report: %s is neither a run directory (summary.json and epochs.csv) nor a sweep directory (results.csv and sweep.json): %w", dir, ErrNotResults)
}

// Write writes DIR/report.html for a run or sweep directory and returns
// its path. The file is replaced atomically; the same inputs give the
// same bytes.
func Write(dir string) (string, error) {
	kind, err := Detect(dir)
	if err != nil {
		return "", err
	}
	var page []byte
	if kind == RunDir {
		page, err = RunPage(dir, PageOptions{})
	} else {
		page, err = SweepPage(dir, PageOptions{})
	}
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, reportFile)
	return path, writeAtomic(path, page)
}

// RunPage returns the report page of a run directory.
func RunPage(dir string, opts PageOptions) ([]byte, error) {
	rd, err := loadRun(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	pd, err := runPageData(rd)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return renderPage(pd)
}

// SweepPage returns the report page of a sweep directory.
func SweepPage(dir string, opts PageOptions) ([]byte, error) {
	sd, err := loadSweep(dir)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	pd, err := sweepPageData(sd, opts)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return renderPage(pd)
}

// writeAtomic writes b to path through a temporary file in its directory.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
