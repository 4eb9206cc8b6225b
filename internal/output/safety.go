package output

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// MarkerFile is written into every run directory. Its presence is how
// stakesim recognises a directory it wrote itself: Create(dir, true) only
// ever replaces a directory that holds it (or, for directories written
// before the marker existed, nothing but stakesim's own output files), and
// only a leftover temporary directory that holds it is cleaned up.
const MarkerFile = ".stakesim-run"

// markerContent is the one line written into MarkerFile.
const markerContent = "This directory was written by stakesim run; stakesim run --force may replace it.\n"

// ErrNotRunDir is wrapped by Create when force is set but dir is a
// non-empty directory that stakesim did not write: force never replaces it.
var ErrNotRunDir = errors.New("output: directory is not empty and was not written by stakesim")

// ErrUnsafeDir is wrapped by Create when dir is the working directory or
// one of its ancestors: a run is always written into a directory of its own.
var ErrUnsafeDir = errors.New("output: directory is the working directory or one of its ancestors")

// tmpSep separates a run directory's name from the random suffix of its
// temporary sibling: DIR + tmpSep + 16 lowercase hex digits.
const tmpSep = ".tmp-"

// suffixLen is the length of the hex suffix made by randomSuffix.
const suffixLen = 16

// IsRunDir reports whether dir is a directory written by stakesim: it holds
// MarkerFile as a regular file, or (for directories written before the
// marker existed) it holds epochs.csv and summary.json and nothing but
// stakesim's output files, all regular files.
func IsRunDir(dir string) (bool, error) {
	if fi, err := os.Lstat(filepath.Join(dir, MarkerFile)); err == nil {
		return fi.Mode().IsRegular(), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	known := map[string]bool{EpochsFile: true, EventsFile: true, SummaryFile: true, TimingFile: true, AVSFile: true, ScenarioFile: true,
		LSTFile: true, WithdrawalsFile: true, MarketFile: true, LendingFile: true}
	seen := map[string]bool{}
	for _, de := range des {
		if !known[de.Name()] || !de.Type().IsRegular() {
			return false, nil
		}
		seen[de.Name()] = true
	}
	return seen[EpochsFile] && seen[SummaryFile], nil
}

// checkNotCwd fails, wrapping ErrUnsafeDir, if dir is the working directory
// or one of its ancestors, comparing absolute cleaned paths both as given
// and with symbolic links resolved.
func checkNotCwd(dir string) error {
	cwd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("output: working directory: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if isAncestorOrSelf(abs, cwd) {
		return fmt.Errorf("%w: %s", ErrUnsafeDir, dir)
	}
	realDir, err := filepath.EvalSymlinks(abs)
	if err != nil {
		// A path that does not exist cannot be the working directory or
		// hold it.
		return nil
	}
	realCwd, err := filepath.EvalSymlinks(cwd)
	if err != nil {
		realCwd = cwd
	}
	if isAncestorOrSelf(realDir, realCwd) || isAncestorOrSelf(realDir, cwd) {
		return fmt.Errorf("%w: %s", ErrUnsafeDir, dir)
	}
	return nil
}

// isAncestorOrSelf reports whether the absolute cleaned path a is p or one
// of p's ancestors.
func isAncestorOrSelf(a, p string) bool {
	a, p = filepath.Clean(a), filepath.Clean(p)
	if a == p {
		return true
	}
	prefix := a
	if !strings.HasSuffix(prefix, string(filepath.Separator)) {
		prefix += string(filepath.Separator)
	}
	return strings.HasPrefix(p, prefix)
}

// isTmpName reports whether name is exactly base + tmpSep + 16 lowercase
// hex digits: the name of a temporary sibling of a run directory named
// base (not its ".old" variant, which may hold a previous run).
func isTmpName(name, base string) bool {
	suffix, ok := strings.CutPrefix(name, base+tmpSep)
	if !ok || len(suffix) != suffixLen {
		return false
	}
	for _, c := range suffix {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// cleanLeftovers removes the temporary siblings of dir that a killed run
// left behind: directories (not symbolic links) named exactly
// NAME.tmp-HEX for dir's NAME that hold MarkerFile and that no running
// stakesim is writing (the writer holds a lock on the marker where the
// platform has one; without locks nothing is removed). It returns the
// directories it removed. Failures are not errors: a leftover that cannot be
// removed stays.
func cleanLeftovers(dir string) []string {
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	f, err := os.Open(parent)
	if err != nil {
		return nil
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil
	}
	var removed []string
	for _, name := range names {
		if !isTmpName(name, base) {
			continue
		}
		tmp := filepath.Join(parent, name)
		if fi, err := os.Lstat(tmp); err != nil || !fi.IsDir() {
			continue
		}
		marker := filepath.Join(tmp, MarkerFile)
		if fi, err := os.Lstat(marker); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		mf, err := os.Open(marker)
		if err != nil {
			continue
		}
		if !tryLock(mf) {
			mf.Close() // in use by a running stakesim, or no locks here
			continue
		}
		err = os.RemoveAll(tmp)
		mf.Close()
		if err == nil {
			removed = append(removed, tmp)
		}
	}
	return removed
}

// markerLocked reports whether a running stakesim holds dir's marker
// locked (never, where the platform has no locks).
func markerLocked(dir string) bool {
	mf, err := os.Open(filepath.Join(dir, MarkerFile))
	if err != nil {
		return false
	}
	defer mf.Close()
	return haveLocks && !tryLock(mf)
}

// writeMarker creates MarkerFile in tmp, locked for as long as the returned
// file stays open, so that a concurrent run into the same parent does not
// take tmp for a leftover. The marker appears under its name only once it
// is locked.
func writeMarker(tmp string) (*os.File, error) {
	staging := filepath.Join(tmp, MarkerFile+".new")
	f, err := os.OpenFile(staging, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	tryLock(f) // best effort; without locks leftovers are never cleaned
	if _, err := f.WriteString(markerContent); err != nil {
		f.Close()
		return nil, fmt.Errorf("output: %s: %w", MarkerFile, err)
	}
	if err := os.Rename(staging, filepath.Join(tmp, MarkerFile)); err != nil {
		f.Close()
		return nil, fmt.Errorf("output: %w", err)
	}
	return f, nil
}
