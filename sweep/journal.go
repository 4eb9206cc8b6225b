package sweep

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"syscall"

	"github.com/stakesim/stakesim/scenarios"
)

// The journal (journal.jsonl) is the sweep's durable record: one JSON line
// per finished run, {"id": RUN_ID, "row": [CELLS...]}, appended with one
// write and an fsync as each run finishes. A process killed at any moment
// (SIGKILL included) leaves at most a torn last line, which resume drops;
// every complete line is a run that never needs to run again.

// JournalFile is the journal's name inside a sweep directory.
const JournalFile = "journal.jsonl"

type journalRecord struct {
	ID  string   `json:"id"`
	Row []string `json:"row"`
}

// entry locates one record in the journal.
type entry struct {
	id     string
	offset int64
	length int
}

// journal appends records to an open journal file.
type journal struct {
	f *os.File
}

// appendRecord writes one line with a single write call, then syncs.
func (j *journal) appendRecord(id string, row []string) error {
	line, err := json.Marshal(journalRecord{ID: id, Row: row})
	if err != nil {
		return err
	}
	line = append(line, '\n')
	if _, err := j.f.Write(line); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

func (j *journal) close() error { return j.f.Close() }

// openRegular opens the journal at path with flag, refusing anything that
// is not a regular file before opening it (a FIFO would block the open or
// the first read for ever; a device would never end): the sweep directory
// is the user's (--resume and merge take it from the command line). With
// os.O_CREATE a missing file is created. The open does not block, and the
// opened file must still be the regular file that was checked.
func openRegular(path string, flag int) (*os.File, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && flag&os.O_CREATE != 0:
		fi = nil
	case err != nil:
		return nil, err
	default:
		if err := scenarios.CheckRegular(path, fi); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(path, flag|syscall.O_NONBLOCK, 0o644)
	if err != nil {
		return nil, err
	}
	fi2, err := f.Stat()
	if err == nil {
		err = scenarios.CheckRegular(path, fi2)
	}
	if err == nil && fi != nil && !os.SameFile(fi, fi2) {
		err = &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w: the file changed while it was being opened", scenarios.ErrNotRegular)}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// scanJournal reads the journal at path and returns its complete records in
// file order. A last line without its newline (a write cut short by a kill)
// is not a record; truncate, when set, cuts it off the file. Any other line
// that does not decode, or whose row does not have width cells, is
// corruption and an error.
func scanJournal(path string, width int, truncate bool) ([]entry, error) {
	f, err := openRegular(path, os.O_RDWR)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	var entries []entry
	var offset int64
	for lineNo := 1; ; lineNo++ {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			if len(line) > 0 && truncate {
				if err := f.Truncate(offset); err != nil {
					return nil, fmt.Errorf("%s: dropping a torn last line: %w", path, err)
				}
			}
			return entries, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		var rec journalRecord
		if err := json.Unmarshal(bytes.TrimSuffix(line, []byte("\n")), &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: corrupt journal line: %v", path, lineNo, err)
		}
		if rec.ID == "" || len(rec.Row) != width || rec.Row[0] != rec.ID {
			return nil, fmt.Errorf("%s:%d: journal line does not match this sweep's table (%d cells, want %d)", path, lineNo, len(rec.Row), width)
		}
		entries = append(entries, entry{id: rec.ID, offset: offset, length: len(line)})
		offset += int64(len(line))
	}
}

// journalRows returns a row iterator over entries in run-id order, reading
// each record back from the file: memory holds the index, not the rows.
// Entries from several files are allowed (merge); files holds one open file
// per distinct path index in fileOf.
type sortedRows struct {
	entries []entry
	fileOf  []int
	files   []*os.File
	next    int
	buf     []byte
}

func newSortedRows(entries []entry, fileOf []int, files []*os.File) *sortedRows {
	idx := make([]int, len(entries))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return entries[idx[a]].id < entries[idx[b]].id })
	s := &sortedRows{files: files}
	for _, i := range idx {
		s.entries = append(s.entries, entries[i])
		if fileOf != nil {
			s.fileOf = append(s.fileOf, fileOf[i])
		}
	}
	return s
}

// Next returns the next row, or io.EOF after the last.
func (s *sortedRows) Next() ([]string, error) {
	if s.next >= len(s.entries) {
		return nil, io.EOF
	}
	e := s.entries[s.next]
	f := s.files[0]
	if s.fileOf != nil {
		f = s.files[s.fileOf[s.next]]
	}
	s.next++
	if cap(s.buf) < e.length {
		s.buf = make([]byte, e.length)
	}
	buf := s.buf[:e.length]
	if _, err := f.ReadAt(buf, e.offset); err != nil {
		return nil, fmt.Errorf("%s: reading run %s back: %w", f.Name(), e.id, err)
	}
	var rec journalRecord
	if err := json.Unmarshal(bytes.TrimSuffix(buf, []byte("\n")), &rec); err != nil || rec.ID != e.id {
		return nil, fmt.Errorf("%s: run %s changed on disk while the results were written", f.Name(), e.id)
	}
	return rec.Row, nil
}

// Lines returns the raw journal lines in run-id order (for a merged
// journal).
func (s *sortedRows) line(i int) ([]byte, error) {
	e := s.entries[i]
	f := s.files[0]
	if s.fileOf != nil {
		f = s.files[s.fileOf[i]]
	}
	buf := make([]byte, e.length)
	_, err := f.ReadAt(buf, e.offset)
	return buf, err
}
