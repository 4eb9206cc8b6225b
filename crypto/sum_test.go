package crypto

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"sync"
	"testing"

	blst "github.com/supranational/blst/bindings/go"
)

// scalarOf returns v mod r as a blst scalar, through blst's own big-endian
// decoding (independent of scalarSum's little-endian view).
func scalarOf(t *testing.T, v *big.Int) *blst.Scalar {
	t.Helper()
	var be [32]byte
	new(big.Int).Mod(v, groupOrder).FillBytes(be[:])
	s := new(blst.Scalar).FromBEndian(be[:])
	if s == nil {
		t.Fatalf("blst rejected scalar %x", be)
	}
	return s
}

func TestGroupOrderIsBLSOrder(t *testing.T) {
	// r = x⁴ - x² + 1 for the BLS12-381 parameter x = -0xd201000000010000.
	x := new(big.Int).Neg(new(big.Int).SetUint64(0xd201000000010000))
	x2 := new(big.Int).Mul(x, x)
	r := new(big.Int).Mul(x2, x2)
	r.Sub(r, x2).Add(r, big.NewInt(1))
	if r.Cmp(groupOrder) != 0 {
		t.Fatalf("groupOrder %x, want %x", groupOrder, r)
	}
}

// TestScalarSumMatchesBlst checks the Go sum against blst's modular
// addition (Scalar.AddAssign), over sums that wrap r many times.
func TestScalarSumMatchesBlst(t *testing.T) {
	k := NewKeyring(3, 64, 0)
	rmin1 := &SecretKey{s: *scalarOf(t, new(big.Int).Sub(groupOrder, big.NewInt(1)))}
	for _, n := range []int{1, 2, 5, 64, 1000} {
		var s scalarSum
		var want blst.Scalar
		for i := range n {
			sk := k.Secret(uint64(i*29) % 64)
			if i%7 == 3 {
				sk = rmin1 // r-1 makes the sum wrap
			}
			s.add(sk)
			want.AddAssign(&sk.s)
		}
		if got := s.scalar(); got != want {
			t.Errorf("%d keys: sum %x, blst %x", n, got.Serialize(), want.Serialize())
		}
	}
	var none scalarSum
	if none.scalar() != (blst.Scalar{}) {
		t.Error("empty sum is not zero")
	}
	// k and r-k sum to zero.
	var zero scalarSum
	zero.add(k.Secret(1))
	neg := new(big.Int).Sub(groupOrder, new(big.Int).SetBytes(k.Secret(1).s.Serialize()))
	zero.add(&SecretKey{s: *scalarOf(t, neg)})
	if zero.scalar() != (blst.Scalar{}) {
		t.Error("k + (r-k) is not zero")
	}
}

// TestGeneratorMulMatchesBlst compares the fixed-base table multiplication
// with blst's sk_to_pk for edge and random scalars.
func TestGeneratorMulMatchesBlst(t *testing.T) {
	vals := []*big.Int{big.NewInt(1), big.NewInt(2), big.NewInt(255), big.NewInt(256),
		big.NewInt(257), new(big.Int).Sub(groupOrder, big.NewInt(1)), new(big.Int).Lsh(big.NewInt(1), 254)}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 40 {
		var b [32]byte
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		vals = append(vals, new(big.Int).SetBytes(b[:]))
	}
	for _, v := range vals {
		sc := scalarOf(t, v)
		got := generatorMul(sc)
		want := new(blst.P1Affine).From(sc)
		if string(got.Compress()) != string(want.Compress()) {
			t.Errorf("scalar %x: table %x, blst %x", v, got.Compress(), want.Compress())
		}
	}
	inf := generatorMul(&blst.Scalar{})
	if !inf.Equals(new(blst.P1Affine).From(&blst.Scalar{})) {
		t.Error("0·g1 is not the point at infinity")
	}
}

// sumsCopy returns a copy of k switched to secret sums; k keeps its
// affine keys.
func sumsCopy(k *Keyring) *Keyring {
	c := *k
	c.UseSecretSums()
	return &c
}

// TestSecretSumsAggregateKeyMatches compares the aggregate key formed from
// secret sums with blst's aggregate of the members' public keys, each
// computed by blst from its secret key.
func TestSecretSumsAggregateKeyMatches(t *testing.T) {
	k := NewKeyring(13, 600, 0)
	sums := sumsCopy(k)
	rng := rand.New(rand.NewPCG(1, 1))
	for _, size := range []int{1, 2, 31, 490} {
		idx := make([]uint64, size)
		var agg blst.P1Aggregate
		for i := range idx {
			idx[i] = uint64(rng.IntN(600)) // repeats count twice on both sides
			agg.Add(new(blst.P1Affine).From(&k.Secret(idx[i]).s), false)
		}
		want := agg.ToAffine().Compress()
		got, _ := sums.aggregateKey(idx, nil)
		affine, _ := k.aggregateKey(idx, nil)
		if string(got.Compress()) != string(want) || string(affine.Compress()) != string(want) {
			t.Errorf("size %d: secret sums %x, affine %x, blst %x", size, got.Compress(), affine.Compress(), want)
		}
	}
}

// TestSecretSumsVerifyAggregates verifies valid and corrupted checks with
// both ways of forming aggregate keys: the answers must be the same.
func TestSecretSumsVerifyAggregates(t *testing.T) {
	k := NewKeyring(11, 96, 0)
	sums := sumsCopy(k)
	var checks []AggregateCheck
	for i := range 24 {
		members := make([]uint64, 1+i*4)
		for j := range members {
			members[j] = uint64((i*7 + j*13) % 96)
		}
		c := committeeCheck(k, msgOf(fmt.Sprint("data", i%5)), members)
		if i%3 == 1 {
			c = corrupt(k, c, i)
		}
		checks = append(checks, c)
	}
	want := k.VerifyAggregates(checks)
	got := sums.VerifyAggregates(checks)
	for i := range checks {
		if got[i] != want[i] || want[i] != (i%3 != 1) {
			t.Errorf("check %d: secret sums %v, affine %v, want %v", i, got[i], want[i], i%3 != 1)
		}
	}
}

// TestSecretSumsKeyring checks what a keyring keeps after UseSecretSums:
// no affine keys, the same compressed keys and index, and public keys
// computed on demand equal to blst's.
func TestSecretSumsKeyring(t *testing.T) {
	k := NewKeyring(5, 40, 2)
	sums := &Keyring{seed: 5, workers: 2, secretSums: true}
	sums.Append(25)
	sums.Append(15)
	identicalKeyring(t, "secret sums by Append", sums, 5, 40, 2)
	if !sums.SecretSums() || k.SecretSums() {
		t.Error("SecretSums reports the wrong mode")
	}
	for i := range uint64(40) {
		want := new(blst.P1Affine).From(&k.Secret(i).s)
		if !sums.Public(i).p.Equals(want) {
			t.Errorf("key %d: Public differs from blst's", i)
		}
		if j, ok := sums.IndexOf(k.PublicBytes(i)); !ok || j != i {
			t.Errorf("IndexOf(key %d) = %d, %v", i, j, ok)
		}
	}
	if sums.Public(40) != nil {
		t.Error("out-of-range Public is not nil")
	}
}

// TestPubIndexCollisions fills an index whose keys share their hash bytes,
// so that every lookup probes past the others.
func TestPubIndexCollisions(t *testing.T) {
	pks := make([]PublicKeyBytes, 9)
	for i := range pks {
		pks[i][0], pks[i][40] = 0x80, byte(i)
	}
	pks[8] = pks[3] // a repeat keeps the first index
	x := buildPubIndex(pks)
	for i := range 8 {
		if j, ok := x.find(pks, &pks[i]); !ok || j != uint64(i) {
			t.Errorf("key %d found at %d, %v", i, j, ok)
		}
	}
	if j, _ := x.find(pks, &pks[8]); j != 3 {
		t.Errorf("repeated key found at %d, want 3", j)
	}
	missing := pks[0]
	missing[40] = 99
	if _, ok := x.find(pks, &missing); ok {
		t.Error("a missing key was found")
	}
	var empty pubIndex
	if _, ok := empty.find(nil, &missing); ok {
		t.Error("the zero index found a key")
	}
}

// TestSignMatchesBlst compares Sign (cached hash, then a multiplication)
// with blst's own Sign, over more messages than the cache holds and with
// each message signed by several keys, concurrently.
func TestSignMatchesBlst(t *testing.T) {
	k := NewKeyring(21, 6, 0)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for m := range hashCacheSize + 40 {
				msg := msgOf(fmt.Sprint("sign", m%(hashCacheSize+7)))
				i := uint64((m + g) % k.Len())
				want := new(blst.P2Affine).Sign(&k.Secret(i).s, msg[:], []byte(ciphersuite))
				if got := Sign(k.Secret(i), msg); string(got.p.Compress()) != string(want.Compress()) {
					t.Errorf("key %d message %d: Sign differs from blst", i, m)
					return
				}
			}
		})
	}
	wg.Wait()
}
