package crypto

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"sync"

	blst "github.com/supranational/blst/bindings/go"
)

// batchDomain separates the batch-verification seed hash from other hashes.
const batchDomain = "stakesim/crypto/VerifyAggregates/v1"

// batchScalarBits is the size of the random multipliers of batch
// verification. 64 bits is what Lighthouse, Prysm and blst's own examples
// use: a batch containing an invalid signature passes with probability
// about 2⁻⁶⁴.
const batchScalarBits = 64

// Keyring holds the keys of validators 0..Len()-1 derived from one seed, and
// an index from compressed public key back to validator index.
//
// A keyring forms the aggregate public key of a check in one of two ways.
// By default it keeps every key's affine public key and sums the
// participants' (BLS mode full). After UseSecretSums it keeps none, sums
// the participants' secret keys modulo r instead and multiplies the
// generator once (BLS mode aggregate): the same point, at a fraction of
// the time and 96 bytes a key less.
//
// Reads (every method but Append and UseSecretSums) may run concurrently;
// Append and UseSecretSums must not run concurrently with anything else on
// the same Keyring. Pointers returned by Secret and Public stay valid and
// unchanged after Append.
type Keyring struct {
	seed       uint64
	workers    int
	secretSums bool // no affine public keys; aggregate keys from secret sums
	secrets    []SecretKey
	publics    []PublicKey // nil when secretSums
	pubBytes   []PublicKeyBytes
	index      pubIndex
}

// NewKeyring derives the keys of indices 0..n-1 under seed (see
// DeriveSecretKey) using workers goroutines (GOMAXPROCS when workers <= 0).
// Work is scattered by index and written back by offset, so the result does
// not depend on the number of workers or on their scheduling. A negative n
// is treated as 0.
func NewKeyring(seed uint64, n int, workers int) *Keyring {
	k := &Keyring{seed: seed, workers: workers}
	k.Append(n)
	return k
}

// UseSecretSums switches k to forming aggregate public keys from the sum
// of the participants' secret keys (see Keyring) and frees its affine
// public keys. Verification results do not change: the key is the same
// point. It cannot be undone.
func (k *Keyring) UseSecretSums() {
	k.secretSums, k.publics = true, nil
}

// SecretSums reports whether k forms aggregate keys from secret sums.
func (k *Keyring) SecretSums() bool { return k.secretSums }

// Append derives n more keys, for indices Len()..Len()+n-1, exactly as
// NewKeyring would have: NewKeyring(s, a+b, w) equals NewKeyring(s, a, w)
// followed by Append(b). A non-positive n does nothing.
func (k *Keyring) Append(n int) {
	if n <= 0 {
		return
	}
	base := len(k.secrets)
	secrets := make([]SecretKey, base+n)
	pubBytes := make([]PublicKeyBytes, base+n)
	var publics []PublicKey
	if !k.secretSums {
		publics = make([]PublicKey, base+n)
	}
	// Existing keys are copied into the new arrays; pointers handed out
	// earlier keep pointing at the old arrays, whose contents never change.
	copy(secrets, k.secrets)
	copy(publics, k.publics)
	copy(pubBytes, k.pubBytes)

	parallelRanges(n, k.workerCount(n), func(_, lo, hi int) {
		var pk PublicKey
		for j := lo; j < hi; j++ {
			i := base + j
			sk := DeriveSecretKey(k.seed, uint64(i))
			secrets[i] = *sk
			pk.p.From(&sk.s)
			copy(pubBytes[i][:], pk.p.Compress())
			if publics != nil {
				publics[i] = pk
			}
		}
	})

	k.secrets, k.publics, k.pubBytes = secrets, publics, pubBytes
	k.buildIndex()
}

// buildIndex (re)builds the index of the compressed public keys.
func (k *Keyring) buildIndex() {
	k.index = buildPubIndex(k.pubBytes)
}

// workerCount returns how many goroutines to use for n items.
func (k *Keyring) workerCount(n int) int {
	w := k.workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	return min(w, n)
}

// Len returns the number of keys.
func (k *Keyring) Len() int { return len(k.secrets) }

// Seed returns the seed the keys were derived from.
func (k *Keyring) Seed() uint64 { return k.seed }

// Secret returns the secret key of index i, or nil if i >= Len().
func (k *Keyring) Secret(i uint64) *SecretKey {
	if i >= uint64(len(k.secrets)) {
		return nil
	}
	return &k.secrets[i]
}

// Public returns the public key of index i, or nil if i >= Len(). After
// UseSecretSums it is computed from the secret key on each call.
func (k *Keyring) Public(i uint64) *PublicKey {
	switch {
	case i >= uint64(len(k.secrets)):
		return nil
	case k.secretSums:
		return &PublicKey{p: generatorMul(&k.secrets[i].s)}
	}
	return &k.publics[i]
}

// PublicBytes returns the compressed public key of index i, or zero bytes
// if i >= Len().
func (k *Keyring) PublicBytes(i uint64) PublicKeyBytes {
	if i >= uint64(len(k.pubBytes)) {
		return PublicKeyBytes{}
	}
	return k.pubBytes[i]
}

// IndexOf returns the index whose compressed public key is pk.
func (k *Keyring) IndexOf(pk PublicKeyBytes) (uint64, bool) {
	return k.index.find(k.pubBytes, &pk)
}

// VerifyAggregates reports, per check, whether check.Signature is a valid
// FastAggregateVerify signature over check.Message by the keyring keys at
// check.Indices. It implements consensus.Verifier.
//
// A check is false without any pairing if its Signature is zero, its
// Indices are empty, or an index is out of range. For the others:
//
//  1. The participants' public keys are summed per check (the first step of
//     FastAggregateVerify), in parallel over contiguous ranges of checks:
//     their affine public keys, or after UseSecretSums their secret keys,
//     whose sum times the generator is the same point.
//  2. All checks are verified at once by a random linear combination, as
//     beacon clients batch-verify: with 64-bit scalars cᵢ, the batch holds
//     iff e(g1, Σ cᵢ·sigᵢ) = Π e(cᵢ·pkᵢ, H(msgᵢ)). Each worker accumulates its
//     range of checks in its own blst pairing context; contexts are merged
//     in worker order and one final exponentiation decides the batch.
//  3. If the batch fails, every check is verified on its own so that the
//     result names exactly the failing checks.
//
// The scalars come from a ChaCha8 stream seeded with SHA-256 of the keyring
// seed and every check's indices, message and signature, and are drawn in
// check order before any goroutine starts. The result is thus a function of
// the keyring and the checks alone, never of scheduling. A batch of valid
// checks always holds; a batch containing an invalid check holds with
// probability about 2⁻⁶⁴ for multipliers the signer could not predict. (A
// signer who knew the multipliers in advance could make two invalid
// signatures cancel; nobody in a simulation is that signer.)
func (k *Keyring) VerifyAggregates(checks []AggregateCheck) []bool {
	n := len(checks)
	ok := make([]bool, n)
	if n == 0 {
		return ok
	}
	scalars := k.batchScalars(checks)
	aggPks := make([]blst.P1Affine, n)
	valid := make([]bool, n)
	workers := min(runtime.GOMAXPROCS(0), n)
	parts := make([]batchPart, workers)

	parallelRanges(n, workers, func(w, lo, hi int) {
		part := &parts[w]
		var pts []*blst.P1Affine
		for i := lo; i < hi; i++ {
			c := &checks[i]
			if !k.usable(c) {
				continue
			}
			aggPks[i], pts = k.aggregateKey(c.Indices, pts)
			valid[i] = true
			if part.failed {
				continue
			}
			if part.ctx == nil {
				part.ctx = blst.PairingCtx(true, []byte(ciphersuite))
			}
			// An error (an infinite aggregate key) fails the whole
			// batch; the per-check fallback then rejects the check.
			if blst.PairingMulNAggregatePkInG1(part.ctx, &aggPks[i], false,
				c.Signature.p, false, &scalars[i], batchScalarBits,
				c.Message[:]) != blstSuccess {
				part.failed = true
			}
		}
		if part.ctx != nil && !part.failed {
			blst.PairingCommit(part.ctx)
		}
	})

	usable := 0
	for _, v := range valid {
		if v {
			usable++
		}
	}
	if usable == 0 {
		return ok
	}
	if batchHolds(parts) {
		copy(ok, valid)
		return ok
	}
	// A batch of valid checks always holds, so a failed batch of one
	// check means that check is invalid; no need to verify it again.
	if usable == 1 {
		return ok
	}
	parallelRanges(n, workers, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			if valid[i] {
				ok[i] = coreVerify(&aggPks[i], checks[i].Signature.p, checks[i].Message)
			}
		}
	})
	return ok
}

// batchPart is one worker's share of a batch verification.
type batchPart struct {
	ctx    blst.Pairing // nil if the worker had no usable check
	failed bool         // blst refused a point (infinite aggregate key)
}

// batchHolds merges the workers' pairing contexts in worker order and runs
// the final exponentiation. The outcome is pure arithmetic in GT, so the
// merge order does not affect it; the fixed order keeps the work itself
// reproducible.
func batchHolds(parts []batchPart) bool {
	var acc blst.Pairing
	for i := range parts {
		if parts[i].failed {
			return false
		}
		if parts[i].ctx == nil {
			continue
		}
		if acc == nil {
			acc = parts[i].ctx
			continue
		}
		if blst.PairingMerge(acc, parts[i].ctx) != blstSuccess {
			return false
		}
	}
	return acc != nil && blst.PairingFinalVerify(acc, nil)
}

// usable reports whether c can be verified at all: a non-zero Signature,
// at least one index, and every index in range.
func (k *Keyring) usable(c *AggregateCheck) bool {
	if c.Signature.p == nil || len(c.Indices) == 0 {
		return false
	}
	for _, idx := range c.Indices {
		if idx >= uint64(len(k.secrets)) {
			return false
		}
	}
	return true
}

// aggregateKey returns the sum of the public keys at indices (all in
// range, at least one): after UseSecretSums (Σ skᵢ mod r)·g1, else the
// sum of the affine keys, gathered in pts (returned for reuse).
func (k *Keyring) aggregateKey(indices []uint64, pts []*blst.P1Affine) (blst.P1Affine, []*blst.P1Affine) {
	if k.secretSums {
		var s scalarSum
		for _, idx := range indices {
			s.add(&k.secrets[idx])
		}
		return s.publicOfSum(), pts
	}
	pts = pts[:0]
	for _, idx := range indices {
		pts = append(pts, &k.publics[idx].p)
	}
	return *aggregatePoints(pts), pts
}

// batchScalars draws one non-zero 64-bit multiplier per check, in check
// order, from a ChaCha8 stream seeded with
//
//	SHA-256("stakesim/crypto/VerifyAggregates/v1" || uint64_le(seed) || uint64_le(len(checks)) ||
//	        for each check: uint64_le(len(indices)) || uint64_le(index)... || message || compressed signature)
//
// (a zero Signature contributes 96 zero bytes).
func (k *Keyring) batchScalars(checks []AggregateCheck) []blst.Scalar {
	h := sha256.New()
	var buf []byte
	buf = append(buf, batchDomain...)
	buf = binary.LittleEndian.AppendUint64(buf, k.seed)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(checks)))
	h.Write(buf)
	for i := range checks {
		c := &checks[i]
		buf = binary.LittleEndian.AppendUint64(buf[:0], uint64(len(c.Indices)))
		for _, idx := range c.Indices {
			buf = binary.LittleEndian.AppendUint64(buf, idx)
		}
		buf = append(buf, c.Message[:]...)
		sb := c.Signature.Bytes()
		buf = append(buf, sb[:]...)
		h.Write(buf)
	}
	var seed [32]byte
	h.Sum(seed[:0])
	rng := rand.NewChaCha8(seed)

	scalars := make([]blst.Scalar, len(checks))
	for i := range scalars {
		r := rng.Uint64()
		for r == 0 {
			r = rng.Uint64()
		}
		var le [blst.BLST_SCALAR_BYTES]byte
		binary.LittleEndian.PutUint64(le[:], r)
		if scalars[i].FromLEndian(le[:]) == nil {
			panic("crypto: blst rejected a 64-bit scalar")
		}
	}
	return scalars
}

// parallelRanges splits [0, n) into `workers` contiguous ranges, runs
// fn(w, lo, hi) for range w on its own goroutine, and waits for all. Each
// fn writes only to its own range (or its own w slot), so results never
// depend on completion order. With one worker fn runs inline.
func parallelRanges(n, workers int, fn func(w, lo, hi int)) {
	if n <= 0 {
		return
	}
	workers = max(1, min(workers, n))
	if workers == 1 {
		fn(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w, lo, hi)
		}()
	}
	wg.Wait()
}
