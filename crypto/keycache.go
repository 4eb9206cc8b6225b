package crypto

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// CacheStatus says where LoadOrDeriveKeyring took a keyring from.
type CacheStatus string

const (
	// CacheHit: the keys were loaded from a cache file.
	CacheHit CacheStatus = "hit"
	// CacheMiss: the keys were derived and a cache file was written (or
	// could not be; CacheResult.Note says why).
	CacheMiss CacheStatus = "miss"
	// CacheOff: the keys were derived without the cache (disabled, fewer
	// keys than CacheOptions.MinKeys, or no cache directory).
	CacheOff CacheStatus = "off"
)

const (
	// CacheDirEnv names the environment variable that moves stakesim's
	// cache directory (keys go to its "keys" subdirectory) away from
	// os.UserCacheDir()/stakesim.
	CacheDirEnv = "STAKESIM_CACHE_DIR"
	// DefaultCacheMinKeys is the smallest keyring the cache serves by
	// default: below it deriving takes under about 2 s on 2 cores, and small
	// runs and tests never touch the cache directory.
	DefaultCacheMinKeys = 16384
	// DefaultCacheMaxBytes bounds the cache directory: after a write, the
	// least recently used files go until the rest fits (about 8 million
	// keys; the file just written always stays).
	DefaultCacheMaxBytes int64 = 1 << 30
)

// CacheOptions configure LoadOrDeriveKeyring. The zero value uses the
// cache in KeyCacheDir for keyrings of at least DefaultCacheMinKeys keys.
type CacheOptions struct {
	Disabled bool   // never read or write the cache (--no-key-cache)
	Dir      string // the keys directory itself; "" means KeyCacheDir()
	MinKeys  int    // smallest keyring to cache; <= 0 means DefaultCacheMinKeys
	MaxBytes int64  // size bound of Dir; <= 0 means DefaultCacheMaxBytes
	// SecretSums returns the keyring after Keyring.UseSecretSums (BLS mode
	// aggregate); a load then never allocates the affine public keys.
	SecretSums bool
}

// CacheResult describes what LoadOrDeriveKeyring did.
type CacheResult struct {
	Status CacheStatus
	Path   string // the file loaded or written, if any
	// Note says why the cache was off, which files were ignored (and
	// removed) as corrupt or stale, or why no file was written.
	Note string
}

// KeyCacheDir returns the directory of key cache files:
// $STAKESIM_CACHE_DIR/keys when that variable is set, otherwise
// os.UserCacheDir()/stakesim/keys (~/.cache/stakesim/keys on Linux,
// ~/Library/Caches/stakesim/keys on macOS, %LocalAppData%\stakesim\keys on
// Windows).
func KeyCacheDir() (string, error) {
	if d := os.Getenv(CacheDirEnv); d != "" {
		return filepath.Join(d, "keys"), nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "stakesim", "keys"), nil
}

// LoadOrDeriveKeyring returns the keyring NewKeyring(seed, n, workers)
// would (followed by UseSecretSums if opts.SecretSums), identical in every
// key, compressed key and index entry, loading it
// from the key cache when a valid file for (DerivationVersion, seed, N >= n)
// is there, and otherwise deriving it and writing a file for (seed, n). It
// never fails: a missing, unreadable, corrupt or stale file, or a cache
// directory that cannot be written, only means the keys are derived (and
// the result's Note says what happened). A file that fails a check is
// removed so that it is rebuilt.
func LoadOrDeriveKeyring(seed uint64, n, workers int, opts CacheOptions) (*Keyring, CacheResult) {
	n = max(n, 0)
	dir, off := opts.resolve(n)
	if off != "" {
		k := &Keyring{seed: seed, workers: workers, secretSums: opts.SecretSums}
		k.Append(n)
		return k, CacheResult{Status: CacheOff, Note: off}
	}
	k, path, notes := loadCached(dir, seed, n, workers, opts.SecretSums)
	if k != nil {
		now := time.Now() // the file's mtime orders eviction; results never see it
		_ = os.Chtimes(path, now, now)
		return k, CacheResult{Status: CacheHit, Path: path, Note: strings.Join(notes, "; ")}
	}
	k = NewKeyring(seed, n, workers)
	path, err := writeCacheFile(dir, k)
	if opts.SecretSums {
		k.UseSecretSums() // the file needed the affine keys; the run does not
	}
	if err != nil {
		notes = append(notes, "no cache file written: "+err.Error())
		return k, CacheResult{Status: CacheMiss, Note: strings.Join(notes, "; ")}
	}
	pruneCache(dir, path, opts.maxBytes())
	return k, CacheResult{Status: CacheMiss, Path: path, Note: strings.Join(notes, "; ")}
}

// resolve returns the cache directory to use for n keys, or why the cache
// is off.
func (o CacheOptions) resolve(n int) (dir, off string) {
	minKeys := o.MinKeys
	if minKeys <= 0 {
		minKeys = DefaultCacheMinKeys
	}
	switch {
	case o.Disabled:
		return "", "disabled"
	case n < minKeys:
		return "", fmt.Sprintf("%d keys, fewer than the %d the cache serves", n, minKeys)
	case o.Dir != "":
		return o.Dir, ""
	}
	dir, err := KeyCacheDir()
	if err != nil {
		return "", "no cache directory: " + err.Error()
	}
	return dir, ""
}

func (o CacheOptions) maxBytes() int64 {
	if o.MaxBytes <= 0 {
		return DefaultCacheMaxBytes
	}
	return o.MaxBytes
}

// loadCached loads n keys from the smallest valid cache file for seed that
// holds at least n. Files that fail a check are removed; notes say which.
func loadCached(dir string, seed uint64, n, workers int, secretSums bool) (*Keyring, string, []string) {
	var notes []string
	for _, name := range candidates(dir, seed, n) {
		path := filepath.Join(dir, name)
		k, fi, err := loadCacheFile(path, seed, n, workers, secretSums)
		if err == nil {
			return k, path, notes
		}
		if errors.Is(err, fs.ErrNotExist) {
			continue // pruned by another run since the listing
		}
		notes = append(notes, fmt.Sprintf("ignored %s: %v", name, err))
		if errors.Is(err, errBadCache) {
			removeIfSame(path, fi)
		}
	}
	return nil, "", notes
}

// removeIfSame removes path if it is still the file fi describes, not one
// another run has renamed into place since.
func removeIfSame(path string, fi os.FileInfo) {
	if fi == nil {
		return
	}
	if now, err := os.Stat(path); err == nil && os.SameFile(now, fi) {
		_ = os.Remove(path)
	}
}
