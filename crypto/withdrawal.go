package crypto

import (
	"crypto/sha256"
	"encoding/binary"
)

// withdrawalKeyDomain separates withdrawal keys from signing keys: the
// withdrawal key of (seed, index) is not the signing key of any index.
const withdrawalKeyDomain = "stakesim/crypto/DeriveWithdrawalKey/v1"

// DeriveWithdrawalKey returns the BLS withdrawal key of validator index
// under seed: the key whose public key a validator's 0x00 credentials
// commit to (BLS_WITHDRAWAL_PREFIX + hash(pubkey)[1:]) and which signs its
// BLS-to-execution change. The input key material is
//
//	IKM = SHA-256("stakesim/crypto/DeriveWithdrawalKey/v1" || uint64_le(seed) || uint64_le(index))
//
// and the key is KeyGen(IKM), exactly as DeriveSecretKey but with another
// domain string. Like signing keys, withdrawal keys are reproducible from
// (seed, index) and NOT secret; they are for simulation only.
func DeriveWithdrawalKey(seed, index uint64) *SecretKey {
	var buf [len(withdrawalKeyDomain) + 16]byte
	copy(buf[:], withdrawalKeyDomain)
	binary.LittleEndian.PutUint64(buf[len(withdrawalKeyDomain):], seed)
	binary.LittleEndian.PutUint64(buf[len(withdrawalKeyDomain)+8:], index)
	ikm := sha256.Sum256(buf[:])
	return keyGen(ikm[:])
}

// WithdrawalPublicKeys returns the compressed public keys of the withdrawal
// keys of indices under seed (DeriveWithdrawalKey), in the order given,
// using up to workers goroutines (one when workers <= 1). Each key is
// written at its own position, so the result does not depend on the
// number of workers.
func WithdrawalPublicKeys(seed uint64, indices []uint64, workers int) []PublicKeyBytes {
	out := make([]PublicKeyBytes, len(indices))
	parallelRanges(len(indices), max(1, workers), func(_, lo, hi int) {
		for j := lo; j < hi; j++ {
			out[j] = DeriveWithdrawalKey(seed, indices[j]).PublicKey().Bytes()
		}
	})
	return out
}
