package crypto

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"

	blst "github.com/supranational/blst/bindings/go"
)

// The key cache file format (format version 1), all integers little-endian:
//
//	header  32 bytes: magic "STKSKEYS" | u32 format version | u32 DerivationVersion | u64 seed | u64 count
//	records count × 128 bytes: secret key (32 bytes, big-endian, as blst
//	        serializes it) | public key (96 bytes, uncompressed affine G1:
//	        x then y, big-endian, as blst serializes it)
//	trailer 32 bytes: SHA-256 of header and records
//
// The uncompressed public key loads without the square root that
// decompression needs; the compressed form is recomputed from it.
const (
	cacheMagic         = "STKSKEYS"
	cacheFormatVersion = 1
	cacheHeaderSize    = 32
	cacheRecordSize    = 32 + 96
	cacheHashSize      = sha256.Size
	// cacheChunkKeys records are read, hashed and decoded (or encoded and
	// written) at a time: 512 KiB, the only buffer besides the keyring.
	cacheChunkKeys = 4096
	// cacheMaxKeys bounds a header's count, so a corrupt count can neither
	// overflow nor allocate.
	cacheMaxKeys = 1 << 32
	// cacheSpotKeys keys chosen from the seed are re-derived on every load,
	// besides the first and the last.
	cacheSpotKeys   = 6
	cacheSpotDomain = "stakesim/crypto/keycache/spot/v1"
)

// KeyCacheBytesPerKey is the size of one key in a cache file (a file of
// n keys takes 64 + 128·n bytes).
const KeyCacheBytesPerKey = cacheRecordSize

// errBadCache marks a file that is not a valid cache file for the request
// (corrupt, truncated, foreign or stale); such files are removed.
var errBadCache = errors.New("bad key cache file")

func badCache(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadCache, fmt.Sprintf(format, args...))
}

// cacheFileSize is the size of a file of count keys.
func cacheFileSize(count uint64) int64 {
	return cacheHeaderSize + int64(count)*cacheRecordSize + cacheHashSize
}

// loadCacheFile reads the first n keys of the cache file at path, checking
// it for seed, into a keyring that keeps affine public keys unless
// secretSums. It returns what it opened, so a bad file can be removed
// only if it was not replaced meanwhile.
func loadCacheFile(path string, seed uint64, n, workers int, secretSums bool) (*Keyring, os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	k, err := readCache(f, fi.Size(), seed, n, workers, secretSums)
	return k, fi, err
}

// readCache reads a cache file of size bytes from r: the header, the
// records in chunks (decoding the first n while hashing all), the trailing
// hash, then the spot checks and the index. With secretSums the affine
// public keys are decoded only to compress them, and not kept.
func readCache(r io.Reader, size int64, seed uint64, n, workers int, secretSums bool) (*Keyring, error) {
	var hdr [cacheHeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, badCache("header: %v", err)
	}
	count, err := checkHeader(hdr[:], seed, n, size)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	h.Write(hdr[:])
	k := &Keyring{seed: seed, workers: workers, secretSums: secretSums,
		secrets: make([]SecretKey, n), pubBytes: make([]PublicKeyBytes, n)}
	if !secretSums {
		k.publics = make([]PublicKey, n)
	}
	if err := readRecords(r, h, k, count); err != nil {
		return nil, err
	}
	var sum [cacheHashSize]byte
	if _, err := io.ReadFull(r, sum[:]); err != nil {
		return nil, badCache("checksum: %v", err)
	}
	if !bytes.Equal(sum[:], h.Sum(nil)) {
		return nil, badCache("SHA-256 mismatch")
	}
	if err := k.spotCheck(); err != nil {
		return nil, err
	}
	k.buildIndex()
	return k, nil
}

// checkHeader checks a header against the request and the file size, and
// returns the file's key count.
func checkHeader(hdr []byte, seed uint64, n int, size int64) (int, error) {
	le := binary.LittleEndian
	format, deriv := le.Uint32(hdr[8:]), le.Uint32(hdr[12:])
	fseed, count := le.Uint64(hdr[16:]), le.Uint64(hdr[24:])
	switch {
	case string(hdr[:8]) != cacheMagic:
		return 0, badCache("not a key cache file")
	case format != cacheFormatVersion:
		return 0, badCache("format version %d, want %d", format, cacheFormatVersion)
	case deriv != DerivationVersion:
		return 0, badCache("derivation version %d, want %d", deriv, DerivationVersion)
	case fseed != seed:
		return 0, badCache("seed %d, want %d", fseed, seed)
	case count > cacheMaxKeys || count < uint64(n):
		return 0, badCache("%d keys, want at least %d", count, n)
	case size != cacheFileSize(count):
		return 0, badCache("%d bytes, want %d for %d keys", size, cacheFileSize(count), count)
	}
	return int(count), nil
}

// readRecords reads count records chunk by chunk, hashing each chunk on
// one goroutine while the keyring's workers decode it.
func readRecords(r io.Reader, h hash.Hash, k *Keyring, count int) error {
	n := len(k.secrets)
	buf := make([]byte, min(count, cacheChunkKeys)*cacheRecordSize)
	for base := 0; base < count; base += cacheChunkKeys {
		m := min(cacheChunkKeys, count-base)
		chunk := buf[:m*cacheRecordSize]
		if _, err := io.ReadFull(r, chunk); err != nil {
			return badCache("keys: %v", err)
		}
		var wg sync.WaitGroup
		wg.Go(func() { h.Write(chunk) })
		var err error
		if base < n {
			err = k.decodeRecords(chunk, base, min(m, n-base))
		}
		wg.Wait()
		if err != nil {
			return err
		}
	}
	return nil
}

// decodeRecords decodes the first m records of chunk into keys base..base+m-1.
func (k *Keyring) decodeRecords(chunk []byte, base, m int) error {
	w := k.workerCount(m)
	errs := make([]error, w)
	parallelRanges(m, w, func(wi, lo, hi int) {
		var pk blst.P1Affine
		for j := lo; j < hi; j++ {
			rec, i := chunk[j*cacheRecordSize:(j+1)*cacheRecordSize], base+j
			if k.secrets[i].s.Deserialize(rec[:32]) == nil {
				errs[wi] = badCache("key %d: secret key out of range", i)
				return
			}
			if pk.Deserialize(rec[32:]) == nil {
				errs[wi] = badCache("key %d: public key not on the curve", i)
				return
			}
			copy(k.pubBytes[i][:], pk.Compress())
			if k.publics != nil {
				k.publics[i].p = pk
			}
		}
	})
	return errors.Join(errs...)
}

// spotCheck re-derives the first key, the last and cacheSpotKeys chosen
// from the seed and the count, and compares them with the loaded keys: a
// file of other keys (another derivation, a bug) fails even if its hash
// holds.
func (k *Keyring) spotCheck() error {
	for _, i := range spotIndices(k.seed, len(k.secrets)) {
		sk := DeriveSecretKey(k.seed, uint64(i))
		pk := sk.PublicKey()
		if sk.s != k.secrets[i].s || (k.publics != nil && !pk.Equal(&k.publics[i])) || pk.Bytes() != k.pubBytes[i] {
			return badCache("key %d differs from its derivation", i)
		}
	}
	return nil
}

// spotIndices returns 0, n-1 and cacheSpotKeys indices drawn from a ChaCha8
// stream seeded with SHA-256(cacheSpotDomain || u64 seed || u64 n).
func spotIndices(seed uint64, n int) []int {
	if n == 0 {
		return nil
	}
	buf := binary.LittleEndian.AppendUint64([]byte(cacheSpotDomain), seed)
	rng := rand.New(rand.NewChaCha8(sha256.Sum256(binary.LittleEndian.AppendUint64(buf, uint64(n)))))
	idx := []int{0, n - 1}
	for range cacheSpotKeys {
		idx = append(idx, rng.IntN(n))
	}
	return idx
}

// writeCacheFile writes k's cache file into dir (k must hold its affine
// public keys: not after UseSecretSums) through a temporary file in
// the same directory, renamed into place when complete, and returns its
// path. Readers therefore only ever see complete files, and two runs
// writing the same file both succeed (the second rename replaces the first
// file with identical bytes).
func writeCacheFile(dir string, k *Keyring) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, cacheTempPrefix+"*")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, cacheName{cacheFormatVersion, DerivationVersion, k.seed, k.Len()}.String())
	err = writeCache(tmp, k)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return "", err
	}
	return path, nil
}

// writeCache writes k in the cache file format to w.
func writeCache(w io.Writer, k *Keyring) error {
	h := sha256.New()
	out := io.MultiWriter(w, h)
	var hdr [cacheHeaderSize]byte
	copy(hdr[:], cacheMagic)
	binary.LittleEndian.PutUint32(hdr[8:], cacheFormatVersion)
	binary.LittleEndian.PutUint32(hdr[12:], DerivationVersion)
	binary.LittleEndian.PutUint64(hdr[16:], k.seed)
	binary.LittleEndian.PutUint64(hdr[24:], uint64(k.Len()))
	if _, err := out.Write(hdr[:]); err != nil {
		return err
	}
	n := k.Len()
	buf := make([]byte, min(n, cacheChunkKeys)*cacheRecordSize)
	for base := 0; base < n; base += cacheChunkKeys {
		m := min(cacheChunkKeys, n-base)
		chunk := buf[:m*cacheRecordSize]
		parallelRanges(m, k.workerCount(m), func(_, lo, hi int) {
			for j := lo; j < hi; j++ {
				rec, i := chunk[j*cacheRecordSize:(j+1)*cacheRecordSize], base+j
				copy(rec[:32], k.secrets[i].s.Serialize())
				copy(rec[32:], k.publics[i].p.Serialize())
			}
		})
		if _, err := out.Write(chunk); err != nil {
			return err
		}
	}
	_, err := w.Write(h.Sum(nil))
	return err
}
