package forkchoice

import (
	"encoding/binary"

	"github.com/stakesim/stakesim/consensus"
)

// rootIndex finds a block's node by its root. It is an open-addressing hash
// table (linear probing, at most half full) of node indices; the roots are
// read from the nodes, so it costs 8 to 16 bytes per block where a Go map
// keyed by Root costs 50 to 70. Blocks are only ever added; Prune rebuilds
// the table.
type rootIndex struct {
	slots []int32 // node index + 1, 0 for an empty slot; the length is a power of two
	count int
}

// rootHash mixes all 32 bytes of a root (roots made in tests are mostly
// zero bytes).
func rootHash(r *consensus.Root) uint64 {
	var h uint64
	for i := 0; i < len(r); i += 8 {
		h = (h ^ binary.LittleEndian.Uint64(r[i:])) * 0x9e3779b97f4a7c15
		h ^= h >> 32
	}
	return h
}

// find returns the index of the node with root r.
func (x *rootIndex) find(nodes []node, r *consensus.Root) (int32, bool) {
	if len(x.slots) == 0 {
		return -1, false
	}
	mask := uint64(len(x.slots) - 1)
	for h := rootHash(r) & mask; x.slots[h] != 0; h = (h + 1) & mask {
		if i := x.slots[h] - 1; nodes[i].root == *r {
			return i, true
		}
	}
	return -1, false
}

// add records node i, whose root is not in the table yet.
func (x *rootIndex) add(nodes []node, i int32) {
	if 2*(x.count+1) > len(x.slots) {
		x.grow(nodes)
	}
	mask := uint64(len(x.slots) - 1)
	h := rootHash(&nodes[i].root) & mask
	for x.slots[h] != 0 {
		h = (h + 1) & mask
	}
	x.slots[h] = i + 1
	x.count++
}

// grow doubles the table (at least 16 slots) and re-adds what it held.
func (x *rootIndex) grow(nodes []node) {
	old := x.slots
	x.slots, x.count = make([]int32, max(16, 2*len(old))), 0
	for _, v := range old {
		if v != 0 {
			x.add(nodes, v-1)
		}
	}
}

// rebuild makes the table hold exactly nodes.
func (x *rootIndex) rebuild(nodes []node) {
	size := 16
	for 2*len(nodes) > size {
		size *= 2
	}
	x.slots, x.count = make([]int32, size), 0
	for i := range nodes {
		x.add(nodes, int32(i))
	}
}
