package crypto

import (
	"crypto/sha256"
	"errors"
	"testing"
)

// testKeyring is small and shared by the tests of this file; key derivation
// is the slow part of setting up.
func testKeyring(t testing.TB, n int) *Keyring {
	t.Helper()
	return NewKeyring(42, n, 0)
}

func msgOf(s string) [32]byte { return sha256.Sum256([]byte(s)) }

func publics(k *Keyring, idx ...uint64) []*PublicKey {
	out := make([]*PublicKey, len(idx))
	for i, j := range idx {
		out[i] = k.Public(j)
	}
	return out
}

func sigsOf(k *Keyring, msg [32]byte, idx ...uint64) []Signature {
	out := make([]Signature, len(idx))
	for i, j := range idx {
		out[i] = Sign(k.Secret(j), msg)
	}
	return out
}

func TestSignVerifyRoundTrip(t *testing.T) {
	k := testKeyring(t, 4)
	msg := msgOf("round trip")
	for i := range uint64(4) {
		sig := Sign(k.Secret(i), msg)
		if sig.IsZero() {
			t.Fatalf("key %d: Sign returned the zero Signature", i)
		}
		if !FastAggregateVerify(publics(k, i), msg, sig) {
			t.Errorf("key %d: own signature rejected", i)
		}
		// The signature of one key must not verify under another.
		other := (i + 1) % 4
		if FastAggregateVerify(publics(k, other), msg, sig) {
			t.Errorf("key %d: signature accepted under key %d", i, other)
		}
	}
}

func TestTamperedSignatureRejected(t *testing.T) {
	k := testKeyring(t, 1)
	msg := msgOf("original")
	sig := Sign(k.Secret(0), msg)
	pks := publics(k, 0)

	if FastAggregateVerify(pks, msgOf("different"), sig) {
		t.Error("signature accepted for a message it did not sign")
	}
	if FastAggregateVerify(pks, msg, Sign(k.Secret(0), msgOf("different"))) {
		t.Error("signature over a different message accepted")
	}

	// Flipping bits of the x coordinate gives either a non-point, a point
	// outside G2 (the cofactor of E2 is huge, so a random curve point is
	// essentially never in G2) or, never in practice, a wrong signature.
	// Both decode errors must occur among 40 flips, and nothing may verify.
	var notPoint, notInGroup int
	for j := range 40 {
		b := sig.Bytes()
		b[95] ^= byte(j + 1)
		got, err := SignatureFromBytes(b)
		switch {
		case errors.Is(err, ErrInvalidSignature):
			notPoint++
		case errors.Is(err, ErrSignatureNotInGroup):
			notInGroup++
		case err != nil:
			t.Fatalf("flip %d: unexpected error %v", j, err)
		case FastAggregateVerify(pks, msg, got):
			t.Errorf("flip %d: tampered signature verified", j)
		}
	}
	if notPoint == 0 || notInGroup == 0 {
		t.Errorf("decode errors: %d not a point, %d not in G2; want both > 0", notPoint, notInGroup)
	}
}

func TestWrongAggregationRejected(t *testing.T) {
	k := testKeyring(t, 8)
	msg := msgOf("committee")
	signers := []uint64{1, 2, 3, 5}
	agg := AggregateSignatures(sigsOf(k, msg, signers...))

	tests := []struct {
		name string
		pks  []uint64
		want bool
	}{
		{"exact signers", []uint64{1, 2, 3, 5}, true},
		{"exact signers reordered", []uint64{5, 3, 1, 2}, true},
		{"a signer missing", []uint64{1, 2, 3}, false},
		{"an extra non-signer", []uint64{1, 2, 3, 5, 7}, false},
		{"a signer duplicated", []uint64{1, 2, 3, 5, 5}, false},
		{"one signer replaced", []uint64{1, 2, 3, 6}, false},
		{"no keys", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FastAggregateVerify(publics(k, tc.pks...), msg, agg); got != tc.want {
				t.Errorf("FastAggregateVerify = %v, want %v", got, tc.want)
			}
		})
	}
	if FastAggregateVerify(publics(k, signers...), msg, Signature{}) {
		t.Error("zero Signature accepted")
	}
	// A duplicated signature is only valid for a duplicated key.
	dup := AggregateSignatures(sigsOf(k, msg, 1, 1, 2))
	if !FastAggregateVerify(publics(k, 1, 1, 2), msg, dup) {
		t.Error("duplicated signer with duplicated key rejected")
	}
	if FastAggregateVerify(publics(k, 1, 2), msg, dup) {
		t.Error("duplicated signature accepted for single key")
	}
}

// TestSignWithSumMatchesAggregate proves the `aggregate` BLS mode: signing
// once with Σ skᵢ gives the same bytes as aggregating the individual
// signatures.
func TestSignWithSumMatchesAggregate(t *testing.T) {
	k := testKeyring(t, 128)
	msg := msgOf("sum")
	for _, size := range []int{1, 2, 3, 17, 64, 128} {
		idx := make([]uint64, size)
		sks := make([]*SecretKey, size)
		for i := range idx {
			// A stride that is coprime with 128 visits keys out of order.
			idx[i] = uint64(i*37) % 128
			sks[i] = k.Secret(idx[i])
		}
		summed := SignWithSum(sks, msg)
		aggregated := AggregateSignatures(sigsOf(k, msg, idx...))
		if summed.Bytes() != aggregated.Bytes() {
			t.Errorf("size %d: SignWithSum %x != AggregateSignatures %x",
				size, summed.Bytes(), aggregated.Bytes())
		}
		if !summed.Equal(aggregated) {
			t.Errorf("size %d: points differ", size)
		}
		if !FastAggregateVerify(publics(k, idx...), msg, summed) {
			t.Errorf("size %d: SignWithSum signature does not verify", size)
		}
	}
	// Duplicated keys count twice on both sides.
	dup := SignWithSum([]*SecretKey{k.Secret(4), k.Secret(4), k.Secret(9)}, msg)
	if dup.Bytes() != AggregateSignatures(sigsOf(k, msg, 4, 4, 9)).Bytes() {
		t.Error("duplicated key: SignWithSum differs from AggregateSignatures")
	}
	// Size 1 is exactly Sign.
	if SignWithSum([]*SecretKey{k.Secret(7)}, msg).Bytes() != Sign(k.Secret(7), msg).Bytes() {
		t.Error("SignWithSum of one key differs from Sign")
	}
	if !SignWithSum(nil, msg).IsZero() {
		t.Error("SignWithSum of no keys is not the zero Signature")
	}
}

func TestAggregateSignaturesZeroHandling(t *testing.T) {
	k := testKeyring(t, 3)
	msg := msgOf("zeros")
	if !AggregateSignatures(nil).IsZero() {
		t.Error("aggregate of nothing is not zero")
	}
	if !AggregateSignatures([]Signature{{}, {}}).IsZero() {
		t.Error("aggregate of zero Signatures is not zero")
	}
	s := sigsOf(k, msg, 0, 1, 2)
	withGap := AggregateSignatures([]Signature{s[0], {}, s[2]})
	if !withGap.Equal(AggregateSignatures([]Signature{s[0], s[2]})) {
		t.Error("zero Signature not skipped")
	}
	if FastAggregateVerify(publics(k, 0, 1, 2), msg, withGap) {
		t.Error("aggregate with a missing signature verified for all three keys")
	}
}

func TestCompressedRoundTrip(t *testing.T) {
	k := testKeyring(t, 5)
	msg := msgOf("bytes")
	for i := range uint64(5) {
		sig := Sign(k.Secret(i), msg)
		back, err := SignatureFromBytes(sig.Bytes())
		if err != nil {
			t.Fatalf("key %d: SignatureFromBytes: %v", i, err)
		}
		if !back.Equal(sig) || back.Bytes() != sig.Bytes() {
			t.Errorf("key %d: signature round trip changed the value", i)
		}
		if !FastAggregateVerify(publics(k, i), msg, back) {
			t.Errorf("key %d: decoded signature does not verify", i)
		}
		// Compressed encodings have the compression flag (top bit) set.
		if sig.Bytes()[0]&0x80 == 0 {
			t.Errorf("key %d: compression flag missing", i)
		}

		pkb := k.PublicBytes(i)
		if pkb != k.Public(i).Bytes() {
			t.Errorf("key %d: PublicBytes differs from Public().Bytes()", i)
		}
		pk, err := PublicKeyFromBytes(pkb)
		if err != nil {
			t.Fatalf("key %d: PublicKeyFromBytes: %v", i, err)
		}
		if !pk.Equal(k.Public(i)) || pk.Bytes() != pkb {
			t.Errorf("key %d: public key round trip changed the value", i)
		}
	}
	zero, err := SignatureFromBytes(SignatureBytes{})
	if err != nil || !zero.IsZero() {
		t.Errorf("zero bytes: got (%v, %v), want zero Signature", zero, err)
	}
	if (Signature{}).Bytes() != (SignatureBytes{}) {
		t.Error("zero Signature does not encode as zero bytes")
	}
	if !(Signature{}).Equal(Signature{}) || (Signature{}).Equal(Sign(k.Secret(0), msg)) {
		t.Error("Equal mishandles the zero Signature")
	}
	// The infinity encoding is valid for a public key's curve but fails
	// KeyValidate.
	var inf PublicKeyBytes
	inf[0] = 0xc0
	if _, err := PublicKeyFromBytes(inf); !errors.Is(err, ErrInvalidPublicKey) {
		t.Errorf("infinite public key: err = %v, want ErrInvalidPublicKey", err)
	}
	if _, err := PublicKeyFromBytes(PublicKeyBytes{}); !errors.Is(err, ErrInvalidPublicKey) {
		t.Errorf("zero public key bytes: err = %v, want ErrInvalidPublicKey", err)
	}
}

func TestAggregatePublicKeys(t *testing.T) {
	k := testKeyring(t, 4)
	msg := msgOf("agg pk")
	agg := AggregatePublicKeys(publics(k, 0, 1, 3))
	sig := SignWithSum([]*SecretKey{k.Secret(0), k.Secret(1), k.Secret(3)}, msg)
	if !FastAggregateVerify([]*PublicKey{agg}, msg, sig) {
		t.Error("aggregate public key does not verify the aggregate signature")
	}
	if AggregatePublicKeys(nil) != nil {
		t.Error("aggregate of no keys is not nil")
	}
	if AggregatePublicKeys([]*PublicKey{k.Public(0), nil}) != nil {
		t.Error("aggregate with a nil key is not nil")
	}
	if FastAggregateVerify([]*PublicKey{k.Public(0), nil}, msg, sig) {
		t.Error("FastAggregateVerify accepted a nil key")
	}
}
