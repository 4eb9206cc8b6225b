package sweep

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// MergeReport is the outcome of Merge.
type MergeReport struct {
	Dirs   int
	Runs   int
	Errors int // rows with status error
}

// Merge combines the directories of a sweep's shards into out: it checks
// that they belong to one sweep, that each is complete and that together
// they hold every run exactly once, then writes the files a one-process
// sweep writes (results.csv and results.parquet byte-identical to it, a
// sorted journal and a manifest for shard 1/1). out must be missing or
// empty; it appears complete or not at all.
func Merge(dirs []string, out string) (*MergeReport, error) {
	if len(dirs) == 0 {
		return nil, errors.New("merge: no shard directories given")
	}
	out = filepath.Clean(out)
	if empty, err := isEmptyDir(out); err != nil {
		return nil, err
	} else if !empty {
		return nil, fmt.Errorf("%w: %s; merge writes into a new or empty directory", ErrDirNotEmpty, out)
	}
	var first *Manifest
	var entries []entry
	var fileOf []int
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	owner := make(map[string]string) // run id -> directory holding it
	var cols []Column
	for _, dir := range dirs {
		m, err := readManifest(dir)
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("merge: %s has no %s; it is not a sweep output directory", dir, ManifestFile)
		}
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		if first == nil {
			first = m
			if cols, err = m.columns(); err != nil {
				return nil, fmt.Errorf("merge: %s: %w", dir, err)
			}
		} else if m.SweepID != first.SweepID || !sameColumns(m.Columns, first.Columns) {
			return nil, fmt.Errorf("merge: %s holds sweep %s (%s) but %s holds sweep %s (%s); merge only the shards of one sweep",
				dir, m.SweepID, m.SweepFile, dirs[0], first.SweepID, first.SweepFile)
		}
		shard, err := m.shard()
		if err != nil {
			return nil, fmt.Errorf("merge: %s: %w", dir, err)
		}
		want := shardIDs(m.RunIDs, shard)
		path := filepath.Join(dir, JournalFile)
		es, err := scanJournal(path, len(cols), false)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		got := make(map[string]bool, len(es))
		for _, e := range es {
			if !want[e.id] {
				return nil, fmt.Errorf("merge: %s: run %s does not belong to shard %s", path, e.id, m.Shard)
			}
			if prev, dup := owner[e.id]; dup {
				return nil, fmt.Errorf("merge: run %s is in both %s and %s; give each shard directory once", e.id, prev, dir)
			}
			owner[e.id] = dir
			got[e.id] = true
		}
		if len(got) != len(want) {
			return nil, fmt.Errorf("merge: %s (shard %s) is incomplete: %d of %d runs finished; complete it with stakesim sweep %s --out %s --shard %s --resume",
				dir, m.Shard, len(got), len(want), m.SweepFile, dir, m.Shard)
		}
		f, err := openRegular(path, os.O_RDONLY)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		files = append(files, f)
		for _, e := range es {
			entries = append(entries, e)
			fileOf = append(fileOf, len(files)-1)
		}
	}
	var missing []string
	for _, id := range first.RunIDs {
		if _, ok := owner[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		shards := missingShards(first, missing)
		return nil, fmt.Errorf("merge: %d of %d runs are missing (first %s); no directory given holds shard %s of %d",
			len(missing), len(first.RunIDs), missing[0], strings.Join(shards, ", "), shardCount(first))
	}

	tmp, err := tempSibling(out)
	if err != nil {
		return nil, err
	}
	rep := &MergeReport{Dirs: len(dirs), Runs: len(entries)}
	err = func() error {
		m := *first
		m.Shard, m.ShardRuns = All.String(), len(m.RunIDs)
		if err := writeManifest(tmp, &m); err != nil {
			return err
		}
		rows := newSortedRows(entries, fileOf, files)
		err := writeFileAtomic(filepath.Join(tmp, JournalFile), func(w io.Writer) error {
			for i := range rows.entries {
				line, err := rows.line(i)
				if err != nil {
					return err
				}
				if _, err := w.Write(line); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		n, err := writeResults(tmp, cols, entries, fileOf, files)
		rep.Errors = n
		return err
	}()
	if err == nil {
		if err = os.Remove(out); err != nil && errors.Is(err, os.ErrNotExist) {
			err = nil
		}
		if err == nil {
			err = os.Rename(tmp, out)
		}
	}
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("merge: %w", err)
	}
	return rep, nil
}

func sameColumns(a, b []ColumnSpec) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// shardIDs returns the run ids of shard s given all of a sweep's run ids:
// the same dealing as Plan.ShardRuns.
func shardIDs(all []string, s Shard) map[string]bool {
	sorted := append([]string(nil), all...)
	sort.Strings(sorted)
	out := make(map[string]bool, len(sorted)/max(1, s.N)+1)
	for rank, id := range sorted {
		if rank%s.N == s.K-1 {
			out[id] = true
		}
	}
	return out
}

// shardCount is the N of the manifest's shard, 1 when unreadable.
func shardCount(m *Manifest) int {
	s, err := m.shard()
	if err != nil {
		return 1
	}
	return s.N
}

// missingShards names the shards (of the first manifest's N) that hold the
// missing runs.
func missingShards(m *Manifest, missing []string) []string {
	n := shardCount(m)
	sorted := append([]string(nil), m.RunIDs...)
	sort.Strings(sorted)
	rank := make(map[string]int, len(sorted))
	for i, id := range sorted {
		rank[id] = i
	}
	seen := make(map[int]bool)
	var ks []int
	for _, id := range missing {
		k := rank[id]%n + 1
		if !seen[k] {
			seen[k] = true
			ks = append(ks, k)
		}
	}
	sort.Ints(ks)
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = fmt.Sprint(k)
	}
	return out
}

// tempSibling makes a fresh directory next to dir.
func tempSibling(dir string) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	tmp := dir + ".tmp-" + hex.EncodeToString(b[:])
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return "", err
	}
	return tmp, nil
}
