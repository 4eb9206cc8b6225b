package report

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/sim"
	"github.com/stakesim/stakesim/sweep"
)

// Files of a run directory and of a sweep directory that the report reads,
// named where they are written (internal/output, sweep).
const (
	summaryFile = output.SummaryFile
	timingFile  = output.TimingFile
	epochsFile  = output.EpochsFile
	eventsFile  = output.EventsFile
	groupsFile  = output.GroupsFile
	blocksFile  = output.BlocksFile
	avsFile     = output.AVSFile
	resultsFile = sweep.ResultsCSV
	manifest    = sweep.ManifestFile
	reportFile  = "report.html"
)

// csvReader reads a CSV file row by row (the record is reused between
// calls), with its header's column positions.
type csvReader struct {
	path string
	f    *os.File
	r    *csv.Reader
	idx  map[string]int
	line int
}

// openCSV opens path and reads its header.
func openCSV(path string) (*csvReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(f)
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		f.Close()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file (no header)", path)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c := &csvReader{path: path, f: f, r: r, idx: make(map[string]int, len(head)), line: 1}
	for i, h := range head {
		c.idx[h] = i
	}
	return c, nil
}

// openOptionalCSV is openCSV that returns nil, nil when the file does not
// exist.
func openOptionalCSV(path string) (*csvReader, error) {
	c, err := openCSV(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return c, err
}

// next returns the next record, or io.EOF.
func (c *csvReader) next() ([]string, error) {
	rec, err := c.r.Read()
	if err == nil {
		c.line++
	} else if !errors.Is(err, io.EOF) {
		err = fmt.Errorf("%s: %w", c.path, err)
	}
	return rec, err
}

// col returns the position of column name, or -1.
func (c *csvReader) col(name string) int {
	if i, ok := c.idx[name]; ok {
		return i
	}
	return -1
}

// need returns the positions of the named columns, or an error naming the
// first missing one.
func (c *csvReader) need(names ...string) ([]int, error) {
	out := make([]int, len(names))
	for i, n := range names {
		if out[i] = c.col(n); out[i] < 0 {
			return nil, fmt.Errorf("%s: no column %q", c.path, n)
		}
	}
	return out, nil
}

func (c *csvReader) close() {
	if c != nil {
		c.f.Close()
	}
}

// cell returns rec[i], or "" when i is -1 or past the record's end.
func cell(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return rec[i]
}

// cellU parses rec[i] as an unsigned integer (0 when missing or bad).
func cellU(rec []string, i int) uint64 {
	v, _ := strconv.ParseUint(cell(rec, i), 10, 64)
	return v
}

// cellF parses rec[i] as a float (0 when missing or bad).
func cellF(rec []string, i int) float64 {
	v, _ := strconv.ParseFloat(cell(rec, i), 64)
	return v
}

// readJSON decodes the JSON file path into v.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// readSummary reads DIR/summary.json.
func readSummary(dir string) (*sim.Summary, error) {
	var s sim.Summary
	if err := readJSON(filepath.Join(dir, summaryFile), &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// readTiming reads DIR/timing.json; nil when it is absent or unreadable
// (the report then says so).
func readTiming(dir string) *sim.Timing {
	var t sim.Timing
	if readJSON(filepath.Join(dir, timingFile), &t) != nil {
		return nil
	}
	return &t
}

// exists reports whether DIR/name is a regular file.
func exists(dir, name string) bool {
	st, err := os.Stat(filepath.Join(dir, name))
	return err == nil && st.Mode().IsRegular()
}
