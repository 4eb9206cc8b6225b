package crypto

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// testCache is a cache in a fresh temporary directory that serves any size.
func testCache(t *testing.T) CacheOptions {
	t.Helper()
	return CacheOptions{Dir: t.TempDir(), MinKeys: 1}
}

// identicalKeyring fails unless got equals NewKeyring(seed, n, workers) in
// every field: secrets, affine publics (unless got uses secret sums, and
// then has none), compressed bytes, index, seed.
func identicalKeyring(t *testing.T, name string, got *Keyring, seed uint64, n, workers int) {
	t.Helper()
	want := NewKeyring(seed, n, workers)
	if got.seed != want.seed || got.workers != want.workers || got.Len() != want.Len() {
		t.Fatalf("%s: seed/workers/len %d/%d/%d, want %d/%d/%d", name,
			got.seed, got.workers, got.Len(), want.seed, want.workers, want.Len())
	}
	if got.secretSums != (got.publics == nil) {
		t.Fatalf("%s: secret sums %v with %d affine keys", name, got.secretSums, len(got.publics))
	}
	for i := range want.secrets {
		if got.secrets[i].s != want.secrets[i].s || got.pubBytes[i] != want.pubBytes[i] ||
			(!got.secretSums && got.publics[i].p != want.publics[i].p) {
			t.Fatalf("%s: key %d differs from NewKeyring", name, i)
		}
	}
	if !slices.Equal(got.index.slots, want.index.slots) {
		t.Fatalf("%s: index differs from NewKeyring", name)
	}
}

// cacheFiles lists the names in dir.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func mustLoad(t *testing.T, seed uint64, n, workers int, opts CacheOptions, want CacheStatus) CacheResult {
	t.Helper()
	k, res := LoadOrDeriveKeyring(seed, n, workers, opts)
	if res.Status != want {
		t.Fatalf("seed %d n %d: status %s (%s), want %s", seed, n, res.Status, res.Note, want)
	}
	identicalKeyring(t, fmt.Sprintf("seed %d n %d %s", seed, n, res.Status), k, seed, n, workers)
	return res
}

func TestKeyCacheRoundTrip(t *testing.T) {
	opts := testCache(t)
	miss := mustLoad(t, 5, 300, 3, opts, CacheMiss)
	if fi, err := os.Stat(miss.Path); err != nil || fi.Size() != cacheFileSize(300) {
		t.Fatalf("cache file %s: %v, size %v; want %d bytes", miss.Path, err, fi, cacheFileSize(300))
	}
	hit := mustLoad(t, 5, 300, 1, opts, CacheHit)
	if hit.Path != miss.Path || hit.Note != "" {
		t.Errorf("hit %+v, want the file written by the miss %s and no note", hit, miss.Path)
	}
	// A file of N keys serves fewer.
	if fewer := mustLoad(t, 5, 123, 2, opts, CacheHit); fewer.Path != miss.Path {
		t.Errorf("123 keys loaded from %s, want %s", fewer.Path, miss.Path)
	}
	// More keys: derived, written, and the smaller file is superseded.
	more := mustLoad(t, 5, 301, 2, opts, CacheMiss)
	if got := cacheFiles(t, opts.Dir); len(got) != 1 || got[0] != filepath.Base(more.Path) {
		t.Errorf("files after a larger write: %v, want only %s", got, filepath.Base(more.Path))
	}
	mustLoad(t, 6, 300, 2, opts, CacheMiss) // another seed never hits
}

// TestKeyCacheSecretSums loads and derives with CacheOptions.SecretSums:
// the same keys, compressed keys and index, and no affine keys, from the
// same files (a file written either way serves both).
func TestKeyCacheSecretSums(t *testing.T) {
	opts := testCache(t)
	sums := opts
	sums.SecretSums = true
	miss := mustLoad(t, 8, 200, 2, sums, CacheMiss)
	hit := mustLoad(t, 8, 150, 3, sums, CacheHit)
	if hit.Path != miss.Path {
		t.Errorf("secret sums loaded %s, want %s", hit.Path, miss.Path)
	}
	mustLoad(t, 8, 200, 1, opts, CacheHit)
	if k, _ := LoadOrDeriveKeyring(8, 150, 3, sums); !k.SecretSums() || k.publics != nil {
		t.Error("a load with SecretSums kept affine keys")
	}
	sums.MinKeys = 1000
	mustLoad(t, 8, 200, 2, sums, CacheOff)
	if k, _ := LoadOrDeriveKeyring(8, 200, 3, sums); !k.SecretSums() || k.publics != nil {
		t.Error("a derivation with SecretSums kept affine keys")
	}
}

// rewrite applies edit to the cache file at path and, if rehash, recomputes
// its trailing SHA-256 so that only the other checks can catch the edit.
func rewrite(t *testing.T, path string, rehash bool, edit func([]byte) []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = edit(data)
	if rehash {
		sum := sha256.Sum256(data[:len(data)-cacheHashSize])
		copy(data[len(data)-cacheHashSize:], sum[:])
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestKeyCacheCorruptionRebuilt(t *testing.T) {
	const n = 200
	flip := func(at int) func([]byte) []byte {
		return func(b []byte) []byte { b[at] ^= 0x10; return b }
	}
	for name, edit := range map[string]func([]byte) []byte{
		"magic":          flip(0),
		"count":          flip(24),
		"secret":         flip(cacheHeaderSize + 7*cacheRecordSize + 3),
		"public":         flip(cacheHeaderSize + 150*cacheRecordSize + 40),
		"last public":    flip(cacheHeaderSize + n*cacheRecordSize - 1),
		"hash":           flip(int(cacheFileSize(n)) - 1),
		"truncated by 1": func(b []byte) []byte { return b[:len(b)-1] },
		"truncated half": func(b []byte) []byte { return b[:len(b)/2] },
		"header only":    func(b []byte) []byte { return b[:cacheHeaderSize] },
		"empty":          func(b []byte) []byte { return b[:0] },
		"extra byte":     func(b []byte) []byte { return append(b, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			opts := testCache(t)
			path := mustLoad(t, 9, n, 2, opts, CacheMiss).Path
			rewrite(t, path, false, edit)
			res := mustLoad(t, 9, n, 2, opts, CacheMiss)
			if !strings.Contains(res.Note, "ignored") || res.Path != path {
				t.Errorf("corrupt file: %+v, want it noted and rewritten at %s", res, path)
			}
			mustLoad(t, 9, n, 2, opts, CacheHit)
			// Fewer keys from a file whose unread tail is corrupt: still refused.
			rewrite(t, path, false, flip(cacheHeaderSize+190*cacheRecordSize))
			mustLoad(t, 9, 100, 2, opts, CacheMiss)
		})
	}
}

func TestKeyCacheForeignAndStaleFilesNotUsed(t *testing.T) {
	const n = 64
	le := binary.LittleEndian
	same := func(b []byte) []byte { return b }
	for name, c := range map[string]struct {
		from   uint64 // the seed whose file is renamed to seed 1's name
		rehash bool
		edit   func([]byte) []byte
		note   string
	}{
		"other seed's file":       {2, false, same, "seed 2, want 1"},
		"other seed, rehashed":    {2, true, func(b []byte) []byte { le.PutUint64(b[16:], 1); return b }, "differs from its derivation"},
		"bumped derivation":       {1, true, func(b []byte) []byte { le.PutUint32(b[12:], DerivationVersion+1); return b }, "derivation version"},
		"other format version":    {1, true, func(b []byte) []byte { le.PutUint32(b[8:], cacheFormatVersion+1); return b }, "format version"},
		"keys of another index":   {1, true, func(b []byte) []byte { copy(b[cacheHeaderSize:], b[cacheHeaderSize+cacheRecordSize:]); return b }, "key 0 differs"},
		"fewer keys than named":   {1, true, func(b []byte) []byte { le.PutUint64(b[24:], n-1); return b }, "keys, want at least"},
		"more keys than the size": {1, true, func(b []byte) []byte { le.PutUint64(b[24:], 1<<40); return b }, "keys, want at least"},
		"count off by one":        {1, true, func(b []byte) []byte { le.PutUint64(b[24:], n+1); return b }, "bytes, want"},
	} {
		t.Run(name, func(t *testing.T) {
			opts := testCache(t)
			src := mustLoad(t, c.from, n, 1, opts, CacheMiss).Path
			dst := filepath.Join(opts.Dir, cacheName{cacheFormatVersion, DerivationVersion, 1, n}.String())
			if err := os.Rename(src, dst); err != nil {
				t.Fatal(err)
			}
			rewrite(t, dst, c.rehash, c.edit)
			if res := mustLoad(t, 1, n, 1, opts, CacheMiss); !strings.Contains(res.Note, c.note) {
				t.Errorf("note %q, want it to mention %q", res.Note, c.note)
			}
			mustLoad(t, 1, n, 1, opts, CacheHit)
		})
	}
}

// TestKeyCacheOtherVersionsIgnored: files named for another derivation or
// format version are never opened, and a new write leaves them to eviction.
func TestKeyCacheOtherVersionsIgnored(t *testing.T) {
	opts := testCache(t)
	path := mustLoad(t, 3, 50, 1, opts, CacheMiss).Path
	bumped := filepath.Join(opts.Dir, cacheName{cacheFormatVersion, DerivationVersion + 1, 3, 50}.String())
	if err := os.Rename(path, bumped); err != nil {
		t.Fatal(err)
	}
	mustLoad(t, 3, 50, 1, opts, CacheMiss)
	files, err := ListKeyCache(opts.Dir)
	if err != nil || len(files) != 2 {
		t.Fatalf("ListKeyCache: %v, %v; want the bumped file and the new one", files, err)
	}
	for _, f := range files {
		if f.Current != (f.Name != filepath.Base(bumped)) || f.Seed != 3 || f.Keys != 50 {
			t.Errorf("listed %+v", f)
		}
	}
}

func TestKeyCacheConcurrentGoroutines(t *testing.T) {
	opts := testCache(t)
	const n, runs = 150, 6
	for _, want := range []CacheStatus{CacheMiss, CacheHit} {
		var wg sync.WaitGroup
		rings := make([]*Keyring, runs)
		status := make([]CacheResult, runs)
		for r := range runs {
			wg.Go(func() { rings[r], status[r] = LoadOrDeriveKeyring(11, n, 1+r%3, opts) })
		}
		wg.Wait()
		for r := range runs {
			identicalKeyring(t, fmt.Sprintf("run %d", r), rings[r], 11, n, 1+r%3)
			if want == CacheHit && status[r].Status != CacheHit {
				t.Errorf("run %d on a warm cache: %+v", r, status[r])
			}
		}
		if files := cacheFiles(t, opts.Dir); len(files) != 1 {
			t.Errorf("files after concurrent runs: %v, want one cache file and no temporaries", files)
		}
	}
}

// childEnv marks a run of this test binary as a child of
// TestKeyCacheConcurrentProcesses.
const childEnv = "STAKESIM_KEYCACHE_CHILD"

// TestKeyCacheChildProcess is the child: it loads or derives 150 keys of
// seed 12 in $STAKESIM_CACHE_DIR and prints a digest of the public keys.
func TestKeyCacheChildProcess(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run by TestKeyCacheConcurrentProcesses")
	}
	k, res := LoadOrDeriveKeyring(12, 150, 1, CacheOptions{MinKeys: 1})
	fmt.Printf("status=%s digest=%s\n", res.Status, keyDigest(k))
}

func keyDigest(k *Keyring) string {
	h := sha256.New()
	for i := range k.Len() {
		b := k.PublicBytes(uint64(i))
		h.Write(b[:])
		h.Write(k.Secret(uint64(i)).s.Serialize())
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestKeyCacheConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	root := t.TempDir()
	want := keyDigest(NewKeyring(12, 150, 1))
	for round := range 2 {
		outs := make([][]byte, 3)
		errs := make([]error, 3)
		var wg sync.WaitGroup
		for i := range outs {
			cmd := exec.Command(os.Args[0], "-test.run=^TestKeyCacheChildProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), childEnv+"=1", CacheDirEnv+"="+root)
			wg.Go(func() { outs[i], errs[i] = cmd.Output() })
		}
		wg.Wait()
		for i := range outs {
			if errs[i] != nil || !strings.Contains(string(outs[i]), "digest="+want) {
				t.Fatalf("round %d child %d: %v\n%s", round, i, errs[i], outs[i])
			}
			if round == 1 && !strings.Contains(string(outs[i]), "status=hit") {
				t.Errorf("child %d on a warm cache: %s", i, outs[i])
			}
		}
	}
	if files := cacheFiles(t, filepath.Join(root, "keys")); len(files) != 1 {
		t.Errorf("files: %v, want one", files)
	}
}

func TestKeyCacheOffWritesNothing(t *testing.T) {
	root := t.TempDir()
	t.Setenv(CacheDirEnv, root)
	if k, res := LoadOrDeriveKeyring(4, 40, 2, CacheOptions{Disabled: true, MinKeys: 1}); res.Status != CacheOff {
		t.Errorf("disabled: %+v", res)
	} else {
		identicalKeyring(t, "disabled", k, 4, 40, 2)
	}
	if _, res := LoadOrDeriveKeyring(4, 40, 2, CacheOptions{}); res.Status != CacheOff {
		t.Errorf("40 keys with the default threshold: %+v", res)
	}
	if names := cacheFiles(t, root); len(names) != 0 {
		t.Errorf("the cache was off but %s holds %v", root, names)
	}
	// The same directory is used when the cache is on.
	mustLoad(t, 4, 40, 2, CacheOptions{MinKeys: 1}, CacheMiss)
	if names := cacheFiles(t, filepath.Join(root, "keys")); len(names) != 1 {
		t.Errorf("cache on: %v", names)
	}
}

func TestKeyCacheUnwritableDirDerives(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{"under a file": filepath.Join(file, "keys")}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := t.TempDir()
		if err := os.Chmod(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(ro, 0o700) })
		dirs["read-only"] = ro
	}
	for name, dir := range dirs {
		res := mustLoad(t, 8, 30, 2, CacheOptions{Dir: dir, MinKeys: 1}, CacheMiss)
		if res.Path != "" || !strings.Contains(res.Note, "no cache file written") {
			t.Errorf("%s: %+v", name, res)
		}
	}
}

func TestKeyCacheEvictionAndClear(t *testing.T) {
	opts := testCache(t)
	other := filepath.Join(opts.Dir, "notes.txt")
	if err := os.WriteFile(other, []byte("not ours"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts.MaxBytes = 2*cacheFileSize(20) + 1
	for seed := range uint64(4) { // each write evicts down to two files
		mustLoad(t, seed, 20, 1, opts, CacheMiss)
	}
	files, err := ListKeyCache(opts.Dir)
	if err != nil || len(files) != 2 {
		t.Fatalf("after eviction: %+v, %v; want two files", files, err)
	}
	if last := files[len(files)-1]; last.Seed != 3 || last.Keys != 20 || last.Bytes != cacheFileSize(20) {
		t.Errorf("most recent file %+v, want seed 3's", last)
	}
	n, size, err := ClearKeyCache(opts.Dir)
	if err != nil || n != 2 || size != 2*cacheFileSize(20) {
		t.Errorf("ClearKeyCache: %d files, %d bytes, %v", n, size, err)
	}
	if names := cacheFiles(t, opts.Dir); len(names) != 1 || names[0] != "notes.txt" {
		t.Errorf("after clear: %v, want only notes.txt", names)
	}
}

func TestKeyCacheNames(t *testing.T) {
	c := cacheName{1, 2, 0xfeed, 1_000_000}
	if got, ok := parseCacheName(c.String()); !ok || got != c {
		t.Errorf("%s parsed as %+v %v", c, got, ok)
	}
	for _, s := range []string{"keys-f1-d1-feed-10.bin", "keys-f1-d1-000000000000feed-010.bin",
		"keys-f1-d1-000000000000feed-10.bin.tmp", "x"} {
		if _, ok := parseCacheName(s); ok {
			t.Errorf("%q parsed as a cache name", s)
		}
	}
	t.Setenv(CacheDirEnv, "/some/where")
	if d, err := KeyCacheDir(); err != nil || d != filepath.Join("/some/where", "keys") {
		t.Errorf("KeyCacheDir with %s set: %s, %v", CacheDirEnv, d, err)
	}
	idx := spotIndices(7, 1000)
	if len(idx) != 2+cacheSpotKeys || idx[0] != 0 || idx[1] != 999 || fmt.Sprint(idx) != fmt.Sprint(spotIndices(7, 1000)) {
		t.Errorf("spot indices %v", idx)
	}
}

// TestKeyCacheServes: after a miss wrote 300 keys of seed 5, the cache
// serves seed 5 up to 300 keys, not 301, and not seed 6; an empty or
// missing directory serves nothing.
func TestKeyCacheServes(t *testing.T) {
	opts := testCache(t)
	if KeyCacheServes(opts.Dir, 5, 1) {
		t.Fatal("empty cache serves keys")
	}
	mustLoad(t, 5, 300, 2, opts, CacheMiss)
	for _, c := range []struct {
		seed uint64
		n    int
		want bool
	}{{5, 300, true}, {5, 1, true}, {5, 301, false}, {6, 300, false}} {
		if got := KeyCacheServes(opts.Dir, c.seed, c.n); got != c.want {
			t.Errorf("seed %d, %d keys: serves %v, want %v", c.seed, c.n, got, c.want)
		}
	}
	if KeyCacheServes(filepath.Join(opts.Dir, "missing"), 5, 1) {
		t.Error("a missing directory serves keys")
	}
}
