package crypto

import (
	"errors"

	blst "github.com/supranational/blst/bindings/go"
)

// ciphersuite is the domain separation tag of the proof-of-possession
// ciphersuite that the consensus specification mandates ("BLS signatures" in
// phase0/beacon-chain.md). It is a string constant so that no package-level
// byte slice can be mutated; blst copies it into each pairing context.
const ciphersuite = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"

// blstSuccess is BLST_SUCCESS, the zero value of blst's BLST_ERROR enum,
// which the Go binding returns as a plain int from its pairing functions.
const blstSuccess = 0

// Sentinel errors of the package; check them with errors.Is.
var (
	// ErrInvalidSignature reports bytes that are not a compressed G2 point.
	ErrInvalidSignature = errors.New("crypto: invalid signature encoding")
	// ErrSignatureNotInGroup reports a G2 point outside the prime-order subgroup.
	ErrSignatureNotInGroup = errors.New("crypto: signature not in G2 subgroup")
	// ErrInvalidPublicKey reports bytes that fail the spec's KeyValidate.
	ErrInvalidPublicKey = errors.New("crypto: invalid public key")
)

// Sign returns the signature of sk over msg (the IETF draft's CoreSign with
// the proof-of-possession ciphersuite): sk·H(msg). H(msg) comes from a
// small cache of recently signed messages (hashCache), so the signers of
// one message hash it once; the signature is the same point, and bytes, as
// blst's Sign (TestSignMatchesBlst). A nil sk yields the zero Signature.
func Sign(sk *SecretKey, msg [32]byte) Signature {
	if sk == nil {
		return Signature{}
	}
	return Signature{p: signHashes.hash(msg).Mult(&sk.s).ToAffine()}
}

// SignWithSum signs msg once with the sum of the secret keys modulo the
// group order r. This is the `aggregate` BLS mode: because signing is linear
// in the key, Sign(Σ skᵢ, m) = Σ Sign(skᵢ, m), so the result is the very
// point, and therefore the very bytes, that AggregateSignatures returns for
// the individual signatures (TestSignWithSumMatchesAggregate proves it).
// Duplicated keys count as often as they appear, as duplicated signatures do
// in AggregateSignatures. Nil entries are skipped; with no key left the
// result is the zero Signature.
func SignWithSum(sks []*SecretKey, msg [32]byte) Signature {
	var sum scalarSum
	for _, sk := range sks {
		if sk != nil {
			sum.add(sk)
		}
	}
	if sum.count == 0 {
		return Signature{}
	}
	// A sum of zero (probability about n/r) signs to the point at
	// infinity, exactly as the individual signatures would aggregate to it.
	sc := sum.scalar()
	p := new(blst.P2Affine).Sign(&sc, msg[:], []byte(ciphersuite))
	return Signature{p: p}
}

// AggregateSignatures returns the sum of the signatures (the IETF draft's
// Aggregate). Zero Signatures ("no signature") are skipped, so aggregating
// only zero Signatures, or nothing at all, returns the zero Signature. A
// skipped signature leaves its signer's share out of the sum, so the
// aggregate then fails verification against the full signer set, which is
// what a missing signature should do.
func AggregateSignatures(sigs []Signature) Signature {
	var agg blst.P2Aggregate
	count := 0
	for _, s := range sigs {
		if s.p == nil {
			continue
		}
		// Signatures made here or decoded by SignatureFromBytes are in
		// the subgroup already, so the group check is skipped.
		agg.Add(s.p, false)
		count++
	}
	if count == 0 {
		return Signature{}
	}
	return Signature{p: agg.ToAffine()}
}

// IsZero reports whether s is the zero Signature ("no signature").
func (s Signature) IsZero() bool { return s.p == nil }

// Equal reports whether s and o are the same point; two zero Signatures are
// equal, a zero Signature equals no point.
func (s Signature) Equal(o Signature) bool {
	if s.p == nil || o.p == nil {
		return s.p == nil && o.p == nil
	}
	return s.p.Equals(o.p)
}

// Bytes returns the 96-byte compressed encoding of s (ZCash format, as in
// the consensus specification's BLSSignature). The zero Signature encodes as
// 96 zero bytes, which is not a valid point encoding and which
// SignatureFromBytes maps back to the zero Signature.
func (s Signature) Bytes() SignatureBytes {
	var out SignatureBytes
	if s.p != nil {
		copy(out[:], s.p.Compress())
	}
	return out
}

// SignatureFromBytes decodes a compressed signature, checking that it is on
// the curve and in the prime-order subgroup G2. The point at infinity
// (0xc0 followed by zeros) is a valid group element and is accepted, as the
// IETF draft accepts it; it verifies against nothing useful. 96 zero bytes
// decode to the zero Signature, so Bytes and SignatureFromBytes round-trip
// every Signature.
func SignatureFromBytes(b SignatureBytes) (Signature, error) {
	if b == (SignatureBytes{}) {
		return Signature{}, nil
	}
	p := new(blst.P2Affine).Uncompress(b[:])
	if p == nil {
		return Signature{}, ErrInvalidSignature
	}
	if !p.SigValidate(false) {
		return Signature{}, ErrSignatureNotInGroup
	}
	return Signature{p: p}, nil
}

// FastAggregateVerify reports whether sig is a valid signature over msg by
// all of pks (the IETF draft's FastAggregateVerify: aggregate the public
// keys, then CoreVerify). It returns false for an empty pks, a nil entry or
// a zero Signature. The public keys are trusted to have passed KeyValidate
// (PublicKeyFromBytes and key derivation guarantee it), as the spec trusts
// registry keys validated at deposit time.
func FastAggregateVerify(pks []*PublicKey, msg [32]byte, sig Signature) bool {
	if len(pks) == 0 || sig.p == nil {
		return false
	}
	agg := AggregatePublicKeys(pks)
	if agg == nil {
		return false
	}
	return coreVerify(&agg.p, sig.p, msg)
}

// coreVerify checks e(pk, H(msg)) == e(g1, sig) in one pairing context, with
// no goroutines and no group checks (both points are trusted, see
// FastAggregateVerify). blst rejects an infinite pk here.
func coreVerify(pk *blst.P1Affine, sig *blst.P2Affine, msg [32]byte) bool {
	ctx := blst.PairingCtx(true, []byte(ciphersuite))
	if blst.PairingAggregatePkInG1(ctx, pk, false, sig, false, msg[:]) != blstSuccess {
		return false
	}
	blst.PairingCommit(ctx)
	return blst.PairingFinalVerify(ctx, nil)
}
