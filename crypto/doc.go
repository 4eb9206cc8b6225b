// Package crypto is the simulator's BLS layer: deterministic validator keys,
// signing, aggregation, FastAggregateVerify, batch verification, and the
// spec's signing domains and signing roots. It wraps blst
// (github.com/supranational/blst) in the minimal-pubkey-size variant that
// Ethereum uses: public keys are G1 points (48 bytes compressed), signatures
// are G2 points (96 bytes compressed), hashed to the curve with the
// proof-of-possession ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_
// ("BLS signatures" in phase0/beacon-chain.md). The package knows nothing
// about validators, epochs or slots; it works on 32-byte messages and
// keyring indices.
//
// # Keys
//
// Every key is a function of (seed, index): DeriveSecretKey hashes a fixed
// domain string, the seed and the index with SHA-256 into 32 bytes of input
// key material and runs the IETF draft-04 KeyGen on it (the doc comment of
// DeriveSecretKey gives the exact bytes). The keys are public knowledge to
// anyone with the seed; they exist to make signatures cost what they cost on
// the real network, not to protect anything.
//
// A Keyring holds the keys of validators 0..Len()-1 of one run. NewKeyring
// derives them on several goroutines, each filling a contiguous range of
// indices, so the keyring is identical whatever the worker count; Append
// extends it the same way when deposits add validators. Validator i of the
// beacon state uses Keyring key i, and IndexOf maps a compressed public key
// back to its index (an open-addressing table of 32-bit indices, at most
// half full, over the keyring's own compressed keys: 8 to 16 bytes a key,
// where a Go map of 48-byte keys took 134).
//
// Per key a keyring holds the secret (32 bytes), the compressed public key
// (48, which the beacon state's registry also needs) and, unless
// UseSecretSums was called, the affine public key (96). The affine keys
// serve one purpose: summing the public keys of an aggregate's
// participants (see Verification). BLS mode aggregate calls UseSecretSums
// (CacheOptions.SecretSums) and keeps none: 88 to 96 bytes a key with the
// index (full mode: 184 to 192), where the keyring held 310 with the
// affine keys and a map.
//
// # Key cache
//
// Deriving a key costs one KeyGen and one scalar multiplication, about
// 100 s of two cores for a million keys. LoadOrDeriveKeyring returns the
// keyring NewKeyring would, identical in every secret, affine and
// compressed public key and index entry, but loads it from a cache file
// when one is there, and otherwise derives it and writes one. With
// CacheOptions.SecretSums it returns that keyring after UseSecretSums; a
// load then decodes each affine key only to compress it, and never holds
// the affine array (a miss derives it, writes the file, then frees it).
// It never fails: whatever goes wrong with the cache only means deriving,
// and its CacheResult says what happened (hit, miss or off, and a note).
//
// Files live in KeyCacheDir(): os.UserCacheDir()/stakesim/keys, or
// $STAKESIM_CACHE_DIR/keys. A file is named
// keys-f<format>-d<DerivationVersion>-<seed, 16 hex digits>-<count>.bin
// and holds a 32-byte header (magic "STKSKEYS", format version,
// DerivationVersion, seed, count, little-endian), then per key the 32-byte
// big-endian secret and the 96-byte uncompressed affine public key (which
// loads without the square root decompression needs; the compressed form is
// recomputed from it), then a SHA-256 of all that: 128 bytes a key, 128 MB
// for a million. A file of N keys serves any n <= N (the smallest such
// file is used); a larger n is derived and its file supersedes the smaller
// one. A load streams the file in 512 KiB chunks, hashing each while the
// workers decode it into the keyring's own arrays (no second copy), then
// checks the hash and re-derives the first key, the last and six chosen
// from (seed, n), so that a corrupt, truncated, foreign or stale file (one
// whose derivation changed: bump DerivationVersion with it) is never used.
// Such a file is removed and rebuilt.
//
// Writes go to a temporary file in the same directory, renamed into place
// when complete: readers only see complete files, and concurrent runs that
// derive the same keys all succeed (the last rename wins; the bytes are
// identical). After a write, files it supersedes and temporary files older
// than an hour are removed, then the least recently used files (a load
// touches its file's modification time) until the directory holds at most
// CacheOptions.MaxBytes (1 GiB by default); ClearKeyCache empties it. These
// modification times are the only clock the package reads, and they never
// reach a result.
//
// The simulator uses the cache with BLS on for keyrings of at least
// DefaultCacheMinKeys (16,384) keys, which take about 2 s to derive;
// smaller runs, and so the tests, derive and never touch the directory.
//
// # Signatures
//
// Signature holds an affine G2 point, so hot paths never compress or
// decompress. Its zero value means "no signature". Bytes and
// SignatureFromBytes convert to and from the 96-byte wire form;
// SignatureFromBytes checks the curve and the subgroup, and maps 96 zero
// bytes back to the zero Signature.
//
// # BLS modes
//
// The simulator's --bls flag selects one of three modes; this package
// serves the first two, consensus.AcceptAll serves the third.
//
//   - full: every validator signs with Sign(Keyring.Secret(i), signingRoot);
//     aggregators combine with AggregateSignatures. A signature is sk·H(m),
//     and hashing m to G2 is about half its cost; the members of a
//     committee (and the sync committee) all sign the same message, so Sign
//     keeps H(m) of the last 256 messages it signed (hashCache, a
//     mutex-guarded table emptied when full) and only multiplies. The
//     signature is the same point, and bytes, as blst's Sign
//     (TestSignMatchesBlst).
//   - aggregate: signers of the same message are signed for once with
//     SignWithSum(their secret keys, signingRoot). Signing is linear in the
//     key, so this is the same G2 point, bit for bit, as AggregateSignatures
//     of the individual signatures (TestSignWithSumMatchesAggregate), at the
//     cost of one signature instead of n: about 1.2 ms instead of 510 ms
//     for a 490-member committee (BenchmarkCommitteeSignature, 2 loaded
//     cores). The keyring forms aggregate public keys from secret sums
//     (UseSecretSums, below).
//   - off: signatures stay zero and nothing is verified.
//
// In both full and aggregate modes verification is real and gives the same
// answers: a pairing check of the aggregate signature against the
// aggregate public key, which is the same point either way.
//
// # Verification
//
// FastAggregateVerify checks one signature against a list of public keys:
// it sums the keys and runs one pairing check. Public keys are trusted to be
// valid (they are derived here, or decoded by PublicKeyFromBytes, which runs
// KeyValidate), and signatures are trusted to be in G2 (they are made here,
// or decoded by SignatureFromBytes, which checks the subgroup), so no group
// check is repeated at verification time.
//
// Keyring.VerifyAggregates is what block processing calls, through the
// consensus.Verifier interface. It takes every aggregate of a block (or of
// any batch) as AggregateChecks of keyring indices, sums each check's public
// keys in parallel (see Aggregate public keys), and verifies all checks
// with one random linear
// combination, as beacon clients batch-verify: one final exponentiation for
// the whole block instead of one per aggregate. The 64-bit random
// multipliers come from a ChaCha8 stream seeded by hashing the keyring seed
// with the checks, never from global randomness. Only if the batch fails is
// each check verified alone, so that the answer still says exactly which
// checks are bad. Checks with a zero Signature, no indices or an
// out-of-range index are false without any pairing.
//
// # Aggregate public keys
//
// A check's aggregate public key Σ pkᵢ = Σ (skᵢ·g1) = (Σ skᵢ)·g1 can be
// formed two ways, both giving the same point (TestSecretSumsAggregateKeyMatches
// compares them with blst's aggregate of the members' keys):
//
//   - affine (BLS mode full): sum the participants' affine public keys with
//     one batched blst call (blst_p1s_add).
//   - secret sums (after UseSecretSums, BLS mode aggregate): add the
//     participants' secret keys as 256-bit integers in Go (no cgo call per
//     key), reduce modulo r once, and multiply g1 by the result with a
//     fixed-base table: d·256ʷ·g1 for each of the 32 byte positions w and
//     255 non-zero digits d (8,160 affine points, 783 KB, built in about
//     30 ms on first use), so the product is the sum of at most 32 table
//     points. Not constant-time, which only matters for secret keys, and
//     these are public.
//
// For a 490-member committee (a mainnet committee at a million validators)
// on 2 loaded cores (BenchmarkCommitteeAggregateKey): affine 520 µs, secret
// sums 100 µs (the Go sum takes 13 µs of it); secret sums with blst's own
// generator multiplication instead of the table take 340 µs, and 415 µs
// when the sum also uses blst's Scalar.AddAssign, one cgo call per key. An
// on-chain Electra aggregate covers a whole slot (about 31,000 members at
// a million validators), where the gap grows with the member count.
//
// # Goroutines
//
// NewKeyring, Append and VerifyAggregates use up to GOMAXPROCS goroutines
// (NewKeyring: the requested worker count). Each goroutine owns a
// contiguous range of the output and nothing is collected in completion
// order, so results never depend on scheduling. Everything else runs on the
// caller's goroutine; no function here reads a clock or global randomness.
// The only shared state is Sign's hash cache and the generator table, built
// once; neither can change a result.
//
// # Domains and signing roots
//
// ComputeForkDataRoot, ComputeDomain and ComputeSigningRoot implement the
// spec functions of the same names for the two-field containers ForkData
// and SigningData, whose SSZ hash_tree_root reduces to one SHA-256 of two
// 32-byte chunks (see domain.go). The caller computes the object root of
// the signed message (AttestationData, BeaconBlockHeader, ...) itself.
package crypto
