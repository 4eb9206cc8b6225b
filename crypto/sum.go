package crypto

import (
	"encoding/binary"
	"math/big"
	"math/bits"
	"sync"
	"unsafe"

	blst "github.com/supranational/blst/bindings/go"
)

// groupOrder is r, the order of G1 and G2 (and so the modulus of secret
// keys), as the consensus specification and the IETF draft give it.
var groupOrder, _ = new(big.Int).SetString("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001", 16)

// A blst scalar is 32 little-endian bytes (blst_scalar is byte b[32]); the
// sums below read secret keys through that layout without a cgo call.
var _ [32 - unsafe.Sizeof(blst.Scalar{})]struct{}
var _ [unsafe.Sizeof(blst.Scalar{}) - 32]struct{}

// scalarSum adds secret keys as plain 256-bit integers into five 64-bit
// limbs (exact for up to 2⁶⁴ terms) and reduces modulo r once at the end.
// It replaces one cgo call per key (blst's Scalar.AddAssign, which reduces
// every time) by a few ns of Go; the result is the same scalar.
type scalarSum struct {
	limbs [5]uint64 // little-endian
	count int
}

// add adds sk.
func (s *scalarSum) add(sk *SecretKey) {
	b := (*[32]byte)(unsafe.Pointer(&sk.s))
	var c uint64
	for i := range 4 {
		s.limbs[i], c = bits.Add64(s.limbs[i], binary.LittleEndian.Uint64(b[8*i:]), c)
	}
	s.limbs[4] += c
	s.count++
}

// scalar returns the sum modulo r as a blst scalar (zero for no terms or a
// sum divisible by r).
func (s *scalarSum) scalar() blst.Scalar {
	var be [40]byte
	for i, l := range s.limbs {
		binary.BigEndian.PutUint64(be[8*(4-i):], l)
	}
	v := new(big.Int).SetBytes(be[:])
	v.Mod(v, groupOrder)
	var out blst.Scalar
	b := (*[32]byte)(unsafe.Pointer(&out))
	v.FillBytes(be[:32])
	for i := range 32 {
		b[i] = be[31-i]
	}
	return out
}

// publicOfSum returns (Σ skᵢ)·g1 for the summed keys: the public key of
// the summed secret, which is the sum of the keys' public keys.
func (s *scalarSum) publicOfSum() blst.P1Affine {
	sc := s.scalar()
	return generatorMul(&sc)
}

// genWindowBits is the window of the fixed-base multiplication: a scalar is
// read as 32 base-256 digits, each looked up in its own row of multiples
// of g1.
const (
	genWindowBits = 8
	genWindows    = 256 / genWindowBits
	genDigits     = 1<<genWindowBits - 1 // non-zero digits
)

// generatorTable holds d·256ʷ·g1 at [w][d-1] for every window w and
// non-zero digit d: 8,160 affine points, 783 KB, built on first use (a few
// ms) by the first aggregate-mode keyring.
var generatorTable = sync.OnceValue(func() []blst.P1Affine {
	jac := make(blst.P1s, 0, genWindows*genDigits)
	base := *blst.P1Generator()
	for range genWindows {
		acc := base
		for range genDigits {
			jac = append(jac, acc)
			acc.AddAssign(&base)
		}
		base = acc // 256·base
	}
	return jac.ToAffine()
})

// generatorMul returns sc·g1, the same point as blst's P1Affine.From(sc)
// (blst_sk_to_pk_in_g1), by fixed-base multiplication: the sum of one
// table entry per non-zero byte of the scalar, at most 32 affine points
// added with one batched blst call instead of a 255-bit double-and-add.
// It is not constant-time; the simulator's keys are public anyway.
func generatorMul(sc *blst.Scalar) blst.P1Affine {
	table := generatorTable()
	b := (*[32]byte)(unsafe.Pointer(sc))
	pts := make([]*blst.P1Affine, 0, genWindows)
	for w, d := range b {
		if d != 0 {
			pts = append(pts, &table[w*genDigits+int(d)-1])
		}
	}
	if len(pts) == 0 {
		return blst.P1Affine{} // the point at infinity
	}
	return *blst.P1AffinesAdd(pts).ToAffine()
}
