package crypto

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"
)

func TestDeriveSecretKeyDeterministic(t *testing.T) {
	a := DeriveSecretKey(7, 3)
	b := DeriveSecretKey(7, 3)
	if a.PublicKey().Bytes() != b.PublicKey().Bytes() {
		t.Error("same (seed, index) gave different keys")
	}
	// Recompute the documented IKM independently and run KeyGen on it.
	buf := []byte("stakesim/crypto/DeriveSecretKey/v1")
	buf = binary.LittleEndian.AppendUint64(buf, 7)
	buf = binary.LittleEndian.AppendUint64(buf, 3)
	ikm := sha256.Sum256(buf)
	if keyGen(ikm[:]).PublicKey().Bytes() != a.PublicKey().Bytes() {
		t.Error("DeriveSecretKey does not follow its documented derivation")
	}
}

func TestDeriveSecretKeyDistinct(t *testing.T) {
	seen := make(map[PublicKeyBytes][2]uint64)
	for _, seed := range []uint64{0, 1, 2, 1 << 32} {
		for index := range uint64(16) {
			pk := DeriveSecretKey(seed, index).PublicKey().Bytes()
			if prev, dup := seen[pk]; dup {
				t.Fatalf("(seed %d, index %d) repeats the key of %v", seed, index, prev)
			}
			seen[pk] = [2]uint64{seed, index}
		}
	}
	// Swapping seed and index must not give the same key.
	if DeriveSecretKey(1, 2).PublicKey().Bytes() == DeriveSecretKey(2, 1).PublicKey().Bytes() {
		t.Error("(1,2) and (2,1) share a key")
	}
}

func sameKeyring(t *testing.T, name string, a, b *Keyring) {
	t.Helper()
	if a.Len() != b.Len() || a.Seed() != b.Seed() {
		t.Fatalf("%s: len/seed %d/%d vs %d/%d", name, a.Len(), a.Seed(), b.Len(), b.Seed())
	}
	for i := range uint64(a.Len()) {
		if a.PublicBytes(i) != b.PublicBytes(i) {
			t.Fatalf("%s: key %d differs", name, i)
		}
		if a.Secret(i).s != b.Secret(i).s {
			t.Fatalf("%s: secret %d differs", name, i)
		}
	}
}

func TestKeyringIndependentOfWorkersAndAppend(t *testing.T) {
	const n = 37 // not a multiple of the worker counts
	serial := NewKeyring(9, n, 1)
	sameKeyring(t, "workers 1 vs 4", serial, NewKeyring(9, n, 4))
	sameKeyring(t, "workers 1 vs default", serial, NewKeyring(9, n, 0))
	sameKeyring(t, "workers 1 vs 64", serial, NewKeyring(9, n, 64))

	for _, k := range []int{0, 1, 10, 36, 37} {
		grown := NewKeyring(9, k, 3)
		grown.Append(n - k)
		sameKeyring(t, "append", serial, grown)
	}
	twice := NewKeyring(9, 5, 2)
	twice.Append(10)
	twice.Append(22)
	sameKeyring(t, "append twice", serial, twice)

	for i := range uint64(n) {
		if serial.PublicBytes(i) != DeriveSecretKey(9, i).PublicKey().Bytes() {
			t.Fatalf("keyring key %d is not DeriveSecretKey(9, %d)", i, i)
		}
	}
}

func TestKeyringAccessors(t *testing.T) {
	k := NewKeyring(5, 6, 2)
	old := k.Public(2)
	oldBytes := old.Bytes()
	k.Append(3)
	if k.Len() != 9 || k.Seed() != 5 {
		t.Fatalf("Len, Seed = %d, %d; want 9, 5", k.Len(), k.Seed())
	}
	if old.Bytes() != oldBytes || old.Bytes() != k.PublicBytes(2) {
		t.Error("a public key handed out before Append changed")
	}
	for i := range uint64(9) {
		got, ok := k.IndexOf(k.PublicBytes(i))
		if !ok || got != i {
			t.Errorf("IndexOf(key %d) = %d, %v", i, got, ok)
		}
		if k.Secret(i).PublicKey().Bytes() != k.PublicBytes(i) {
			t.Errorf("key %d: secret and public do not match", i)
		}
	}
	if _, ok := k.IndexOf(DeriveSecretKey(6, 0).PublicKey().Bytes()); ok {
		t.Error("IndexOf found a key of another seed")
	}
	if k.Secret(9) != nil || k.Public(9) != nil || k.PublicBytes(9) != (PublicKeyBytes{}) {
		t.Error("out-of-range accessors did not return nil/zero")
	}
	k.Append(0)
	k.Append(-3)
	if k.Len() != 9 {
		t.Errorf("Append of non-positive n changed Len to %d", k.Len())
	}
	if NewKeyring(1, -1, 0).Len() != 0 {
		t.Error("negative n did not give an empty keyring")
	}
}

// A check may name a validator twice (a sync committee can seat one
// validator twice): its key then counts twice in the aggregate key, as in
// FastAggregateVerify over a pubkey list with the key twice. The aggregate
// of the signatures (one per seat) verifies, in a batch and alone; one
// signature for two seats does not.
func TestVerifyAggregatesRepeatedIndex(t *testing.T) {
	k := NewKeyring(7, 8, 2)
	msg := [32]byte{1, 2, 3}
	s3, s5 := Sign(k.Secret(3), msg), Sign(k.Secret(5), msg)
	twice := AggregateSignatures([]Signature{s3, s3, s5})
	once := AggregateSignatures([]Signature{s3, s5})
	if !twice.Equal(SignWithSum([]*SecretKey{k.Secret(3), k.Secret(3), k.Secret(5)}, msg)) {
		t.Fatal("SignWithSum with a repeated key differs from the aggregate")
	}
	checks := []AggregateCheck{
		{Indices: []uint64{3, 3, 5}, Message: msg, Signature: twice},
		{Indices: []uint64{3, 3, 5}, Message: msg, Signature: once},
		{Indices: []uint64{3, 5}, Message: msg, Signature: once},
		{Indices: []uint64{3, 5}, Message: msg, Signature: twice},
	}
	if got := k.VerifyAggregates(checks); !got[0] || got[1] || !got[2] || got[3] {
		t.Fatalf("results %v, want [true false true false]", got)
	}
	if got := k.VerifyAggregates(checks[:1]); !got[0] {
		t.Fatal("repeated index alone rejected")
	}
	if !FastAggregateVerify([]*PublicKey{k.Public(3), k.Public(3), k.Public(5)}, msg, twice) {
		t.Fatal("FastAggregateVerify with a repeated key rejected")
	}
}
