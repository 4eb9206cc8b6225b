package agents

import (
	"cmp"
	"encoding/binary"
	"slices"

	"github.com/stakesim/stakesim/consensus"
)

// packStride is how many indices a packedIndices decodes at most to find
// one: every packStride-th index is kept whole, the others as the varint
// gap to the one before.
const packStride = 32

// packedIndices is a sorted, unique index list below 2^32 in little more
// than a byte per index when the indices are dense (a committee drawn from
// the whole registry has gaps of about the committee count): the gaps as
// uvarints, and every packStride-th index whole, with where the gaps after
// it start, for the search.
type packedIndices struct {
	n     int
	gaps  []byte
	skips []packSkip
}

// packSkip is an index kept whole and the offset in gaps of the next one.
type packSkip struct {
	v, off uint32
}

// packIndices packs a sorted, unique list of indices below 2^32.
func packIndices(idx []consensus.ValidatorIndex) *packedIndices {
	size := 0
	for i := 1; i < len(idx); i++ {
		if i%packStride != 0 {
			size += uvarintLen(uint64(idx[i] - idx[i-1]))
		}
	}
	p := &packedIndices{n: len(idx), gaps: make([]byte, 0, size), skips: make([]packSkip, 0, (len(idx)+packStride-1)/packStride)}
	for i, v := range idx {
		if i%packStride == 0 {
			p.skips = append(p.skips, packSkip{v: uint32(v), off: uint32(len(p.gaps))})
		} else {
			p.gaps = binary.AppendUvarint(p.gaps, uint64(v-idx[i-1]))
		}
	}
	return p
}

func uvarintLen(x uint64) int {
	n := 1
	for ; x >= 0x80; x >>= 7 {
		n++
	}
	return n
}

// group calls f with the indices of skip group g in order until f returns
// false.
func (p *packedIndices) group(g int, f func(consensus.ValidatorIndex) bool) {
	v := consensus.ValidatorIndex(p.skips[g].v)
	if !f(v) {
		return
	}
	off := int(p.skips[g].off)
	end := min(p.n, (g+1)*packStride)
	for i := g*packStride + 1; i < end; i++ {
		gap, k := binary.Uvarint(p.gaps[off:])
		off += k
		v += consensus.ValidatorIndex(gap)
		if !f(v) {
			return
		}
	}
}

// has reports whether the list holds v.
func (p *packedIndices) has(v consensus.ValidatorIndex) bool {
	g, found := slices.BinarySearchFunc(p.skips, v, func(s packSkip, v consensus.ValidatorIndex) int {
		return cmp.Compare(consensus.ValidatorIndex(s.v), v)
	})
	if found {
		return true
	}
	if g == 0 {
		return false
	}
	in := false
	p.group(g-1, func(x consensus.ValidatorIndex) bool {
		in = x == v
		return x < v
	})
	return in
}

// all returns the indices, in a new list.
func (p *packedIndices) all() []consensus.ValidatorIndex {
	out := make([]consensus.ValidatorIndex, 0, p.n)
	for g := range p.skips {
		p.group(g, func(v consensus.ValidatorIndex) bool {
			out = append(out, v)
			return true
		})
	}
	return out
}

// size is the number of indices of a stored aggregate.
func (a *storedAgg) size() int {
	if a.packed != nil {
		return a.packed.n
	}
	return len(a.indices)
}

// has reports whether the aggregate holds v.
func (a *storedAgg) has(v consensus.ValidatorIndex) bool {
	if a.packed != nil {
		return a.packed.has(v)
	}
	return hasIndex(a.indices, v)
}

// list returns the aggregate's indices; the caller must not modify them.
func (a *storedAgg) list() []consensus.ValidatorIndex {
	if a.packed != nil {
		return a.packed.all()
	}
	return a.indices
}

// pack replaces the aggregate's index list with its packed form.
func (a *storedAgg) pack() {
	if a.packed == nil {
		a.packed, a.indices = packIndices(a.indices), nil
	}
}
