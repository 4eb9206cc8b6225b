package crypto

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// cacheTempPrefix starts the names of files being written; they are
// renamed to a cacheName when complete.
const cacheTempPrefix = ".tmp-keys-"

// cacheTempAge is how old a temporary file must be before a later write
// removes it as left by a run that died while writing.
const cacheTempAge = time.Hour

// cacheName is the name of a cache file:
// keys-f<format>-d<derivation>-<seed, 16 hex digits>-<count>.bin.
type cacheName struct {
	format, deriv int
	seed          uint64
	count         int
}

func (c cacheName) String() string {
	return fmt.Sprintf("keys-f%d-d%d-%016x-%d.bin", c.format, c.deriv, c.seed, c.count)
}

// parseCacheName parses a cache file name; only the canonical form counts.
func parseCacheName(s string) (cacheName, bool) {
	var c cacheName
	if _, err := fmt.Sscanf(s, "keys-f%d-d%d-%x-%d.bin", &c.format, &c.deriv, &c.seed, &c.count); err != nil {
		return c, false
	}
	return c, c.String() == s
}

// current reports whether c was written by this format and derivation.
func (c cacheName) current() bool {
	return c.format == cacheFormatVersion && c.deriv == DerivationVersion
}

// candidates lists the names of dir's current files for seed holding at
// least n keys, fewest keys first.
func candidates(dir string, seed uint64, n int) []string {
	entries, _ := os.ReadDir(dir)
	var cs []cacheName
	for _, e := range entries {
		if c, ok := parseCacheName(e.Name()); ok && c.current() && c.seed == seed && c.count >= n {
			cs = append(cs, c)
		}
	}
	slices.SortFunc(cs, func(a, b cacheName) int { return cmp.Compare(a.count, b.count) })
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.String()
	}
	return names
}

// KeyCacheFile describes one file of the key cache directory.
type KeyCacheFile struct {
	Name  string
	Seed  uint64
	Keys  int
	Bytes int64
	// Used is the file's modification time: when it was last written or
	// loaded. Eviction removes the least recently used files first.
	Used time.Time
	// Current: written by this binary's format and derivation versions
	// (others are never loaded; they go when the directory is full).
	Current bool
	// Temp: a file being written, or left by a run that died writing it.
	Temp bool
}

// ListKeyCache lists the key cache files in dir (see KeyCacheDir), least
// recently used first. Other files are not listed. A missing dir is empty.
func ListKeyCache(dir string) ([]KeyCacheFile, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var files []KeyCacheFile
	for _, e := range entries {
		c, ok := parseCacheName(e.Name())
		temp := strings.HasPrefix(e.Name(), cacheTempPrefix)
		info, err := e.Info()
		if (!ok && !temp) || err != nil || !info.Mode().IsRegular() {
			continue
		}
		files = append(files, KeyCacheFile{Name: e.Name(), Seed: c.seed, Keys: c.count,
			Bytes: info.Size(), Used: info.ModTime(), Current: ok && c.current(), Temp: temp})
	}
	slices.SortFunc(files, func(a, b KeyCacheFile) int {
		return cmp.Or(a.Used.Compare(b.Used), cmp.Compare(a.Name, b.Name))
	})
	return files, nil
}

// ClearKeyCache removes every key cache file from dir (files ListKeyCache
// lists; nothing else) and returns how many it removed and their size.
func ClearKeyCache(dir string) (files int, bytes int64, err error) {
	list, err := ListKeyCache(dir)
	for _, f := range list {
		if rerr := os.Remove(filepath.Join(dir, f.Name)); rerr != nil {
			err = cmp.Or(err, rerr)
			continue
		}
		files++
		bytes += f.Bytes
	}
	return files, bytes, err
}

// pruneCache runs after keep was written: it removes the files keep
// supersedes (same format, derivation and seed, fewer keys), temporary
// files older than cacheTempAge, then the least recently used files until
// the directory holds at most maxBytes (keep always stays). Errors are
// ignored: another run may be pruning too.
func pruneCache(dir, keep string, maxBytes int64) {
	files, _ := ListKeyCache(dir)
	kept, _ := parseCacheName(filepath.Base(keep))
	var live []KeyCacheFile
	var total int64
	for _, f := range files {
		c, _ := parseCacheName(f.Name)
		superseded := !f.Temp && f.Current && c.seed == kept.seed && c.count < kept.count
		stale := f.Temp && time.Since(f.Used) > cacheTempAge
		if superseded || stale {
			_ = os.Remove(filepath.Join(dir, f.Name))
			continue
		}
		if !f.Temp {
			live = append(live, f)
			total += f.Bytes
		}
	}
	for _, f := range live { // least recently used first
		if total <= maxBytes {
			break
		}
		if f.Name != kept.String() && os.Remove(filepath.Join(dir, f.Name)) == nil {
			total -= f.Bytes
		}
	}
}

// KeyCacheServes reports whether dir holds a current key cache file for
// seed with at least n keys: what LoadOrDeriveKeyring would load rather
// than derive (unless the file turns out bad). "validate" and "run" use it
// for their estimate.
func KeyCacheServes(dir string, seed uint64, n int) bool {
	files, err := ListKeyCache(dir)
	if err != nil {
		return false
	}
	for _, f := range files {
		if f.Current && !f.Temp && f.Seed == seed && f.Keys >= n {
			return true
		}
	}
	return false
}
