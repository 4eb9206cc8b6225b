package crypto

import (
	"crypto/sha256"
	"encoding/binary"

	blst "github.com/supranational/blst/bindings/go"
)

// keyDomain separates the key-derivation hash from every other SHA-256 use
// in the simulator. Changing it changes every key of every run.
const keyDomain = "stakesim/crypto/DeriveSecretKey/v1"

// DerivationVersion names the key derivation of DeriveSecretKey (domain
// string, IKM layout, KeyGen). The key cache (keycache.go) stores it in
// every file's name and header and never uses a file of another version.
// Bump it whenever DeriveSecretKey's output changes for any (seed, index).
const DerivationVersion = 1

// SecretKey is a BLS secret scalar in [1, r). Keys are immutable once made.
type SecretKey struct {
	s blst.SecretKey
}

// PublicKey is a BLS public key, an affine point of G1 (the
// minimal-pubkey-size variant the consensus specification uses).
type PublicKey struct {
	p blst.P1Affine
}

// DeriveSecretKey returns the secret key of validator index under seed. The
// input key material is
//
//	IKM = SHA-256("stakesim/crypto/DeriveSecretKey/v1" || uint64_le(seed) || uint64_le(index))
//
// (34 ASCII bytes of domain, then the two integers as 8-byte little-endian,
// SSZ's uint64 encoding), and the key is KeyGen(IKM) with empty key_info,
// the KeyGen of draft-irtf-cfrg-bls-signature-04 §2.3 that blst implements
// (HKDF-SHA-256 with salt SHA-256("BLS-SIG-KEYGEN-SALT-"), reduced mod r,
// re-salted until non-zero; it equals EIP-2333's derive_master_SK, see
// TestKeyGenEIP2333Vectors). Keys are therefore reproducible from
// (seed, index) alone and are NOT secret: anyone who knows the seed knows
// every key. They are for simulation only.
func DeriveSecretKey(seed uint64, index uint64) *SecretKey {
	return keyGen(deriveIKM(seed, index))
}

// deriveIKM builds the 32-byte input key material of DeriveSecretKey.
func deriveIKM(seed, index uint64) []byte {
	var buf [len(keyDomain) + 16]byte
	copy(buf[:], keyDomain)
	binary.LittleEndian.PutUint64(buf[len(keyDomain):], seed)
	binary.LittleEndian.PutUint64(buf[len(keyDomain)+8:], index)
	ikm := sha256.Sum256(buf[:])
	return ikm[:]
}

// keyGen runs blst's KeyGen (draft-04 KeyGen, empty key_info) on ikm.
func keyGen(ikm []byte) *SecretKey {
	sk := blst.KeyGen(ikm)
	if sk == nil {
		// blst returns nil only for IKM shorter than 32 bytes, and
		// every caller passes 32 or more.
		panic("crypto: KeyGen rejected input key material of 32+ bytes")
	}
	// Copy the scalar out: blst attaches a zeroizing finalizer to its own
	// allocation, and keyrings hold millions of keys by value.
	return &SecretKey{s: *sk}
}

// PublicKey returns the public key sk·g1 of sk.
func (sk *SecretKey) PublicKey() *PublicKey {
	pk := new(PublicKey)
	pk.p.From(&sk.s)
	return pk
}

// Bytes returns the 48-byte compressed encoding of pk (the spec's
// BLSPubkey). A nil pk encodes as zeros.
func (pk *PublicKey) Bytes() PublicKeyBytes {
	var out PublicKeyBytes
	if pk != nil {
		copy(out[:], pk.p.Compress())
	}
	return out
}

// PublicKeyFromBytes decodes a compressed public key and applies the IETF
// draft's KeyValidate: on the curve, in the subgroup G1, not the point at
// infinity.
func PublicKeyFromBytes(b PublicKeyBytes) (*PublicKey, error) {
	pk := new(PublicKey)
	if pk.p.Uncompress(b[:]) == nil || !pk.p.KeyValidate() {
		return nil, ErrInvalidPublicKey
	}
	return pk, nil
}

// Equal reports whether pk and o are the same point (nil equals only nil).
func (pk *PublicKey) Equal(o *PublicKey) bool {
	if pk == nil || o == nil {
		return pk == nil && o == nil
	}
	return pk.p.Equals(&o.p)
}

// AggregatePublicKeys returns the sum of pks, the first step of
// FastAggregateVerify. It returns nil for an empty slice or a nil entry.
// Duplicates count as often as they appear.
func AggregatePublicKeys(pks []*PublicKey) *PublicKey {
	if len(pks) == 0 {
		return nil
	}
	pts := make([]*blst.P1Affine, len(pks))
	for i, pk := range pks {
		if pk == nil {
			return nil
		}
		pts[i] = &pk.p
	}
	return &PublicKey{p: *aggregatePoints(pts)}
}

// aggregatePoints sums non-empty pts with one blst call (batched affine
// addition, no goroutines).
func aggregatePoints(pts []*blst.P1Affine) *blst.P1Affine {
	return blst.P1AffinesAdd(pts).ToAffine()
}
