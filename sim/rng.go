package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/rand/v2"
)

// RNG is a deterministic random stream with integer-first methods. Each
// stream is derived from hash(seed, owner, purpose), never from another
// stream's position, so one extra draw in one place changes nothing
// elsewhere.
type RNG struct {
	r *rand.Rand
}

// NewRNG returns the stream for (seed, owner, purpose).
func NewRNG(seed uint64, owner uint64, purpose string) *RNG {
	h := sha256.New()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], seed)
	binary.LittleEndian.PutUint64(b[8:], owner)
	h.Write([]byte("stakesim/rng/v1\x00"))
	h.Write(b[:])
	h.Write([]byte(purpose))
	var d [32]byte
	h.Sum(d[:0])
	return &RNG{r: rand.New(rand.NewPCG(binary.LittleEndian.Uint64(d[:8]), binary.LittleEndian.Uint64(d[8:16])))}
}

// Uint64 returns a uniform 64-bit value.
func (g *RNG) Uint64() uint64 { return g.r.Uint64() }

// IntN returns a uniform value in [0, n); n must be > 0.
func (g *RNG) IntN(n uint64) uint64 { return g.r.Uint64N(n) }

// Chance returns true with probability ppm / 1e6.
func (g *RNG) Chance(ppm uint64) bool {
	if ppm == 0 {
		return false
	}
	return g.r.Uint64N(1_000_000) < ppm
}

// Normal returns a normal deviate with the given mean and standard deviation,
// truncated at zero, by the Irwin–Hall sum of twelve uniforms (integer
// arithmetic only, so identical on every platform).
func (g *RNG) Normal(mean, stddev uint64) uint64 {
	const scale = 1 << 20
	var sum int64
	for i := 0; i < 12; i++ {
		sum += int64(g.r.Uint64N(scale))
	}
	z := sum - 6*scale // ~ N(0, 1) * scale
	v := int64(mean) + z*int64(stddev)/scale
	if v < 0 {
		return 0
	}
	return uint64(v)
}

// Exponential returns an exponential deviate with the given mean (inverse
// CDF; the only float step, rounded to whole milliseconds).
func (g *RNG) Exponential(mean uint64) uint64 {
	u := (float64(g.r.Uint64N(1<<53)) + 0.5) / (1 << 53)
	return uint64(math.Round(-math.Log(u) * float64(mean)))
}
