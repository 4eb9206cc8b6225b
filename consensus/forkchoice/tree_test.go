package forkchoice

import (
	"math/bits"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/stakesim/stakesim/consensus"
)

// chainStore returns a store holding a chain of n blocks after the anchor,
// one every other slot, plus a one-block fork off every 100th block.
func chainStore(t *testing.T, n int) *Store {
	t.Helper()
	cfg := consensus.Minimal()
	anchor := stallRoot(0)
	s := newWeighted(&cfg, BlockInfo{Root: anchor}, func(consensus.Checkpoint) []consensus.Gwei { return nil })
	s.OnTick(uint64(2*n+2) * cfg.SlotDurationMs)
	parent := anchor
	for i := 1; i <= n; i++ {
		root := stallRoot(uint64(i))
		addInfo(t, s, BlockInfo{Root: root, ParentRoot: parent, Slot: consensus.Slot(2 * i)})
		if i%100 == 0 {
			addInfo(t, s, BlockInfo{Root: stallRoot(uint64(i) | 1<<40), ParentRoot: parent, Slot: consensus.Slot(2*i + 1)})
		}
		parent = root
	}
	return s
}

// addInfo adds b with the anchor's checkpoints.
func addInfo(t *testing.T, s *Store, b BlockInfo) {
	t.Helper()
	g := consensus.Checkpoint{Root: s.nodes[0].root}
	b.JustifiedCheckpoint, b.FinalizedCheckpoint, b.UnrealizedJustified, b.UnrealizedFinalized = g, g, g, g
	if err := s.OnBlock(b); err != nil {
		t.Fatal(err)
	}
}

// TestClimbLogarithmic checks that ancestor searches along the jump
// pointers find the block a parent-by-parent walk finds, in O(log depth)
// steps.
func TestClimbLogarithmic(t *testing.T) {
	s := chainStore(t, 50_000)
	rng := rand.New(rand.NewPCG(7, 7))
	maxSteps := 0
	for range 2000 {
		i := int32(rng.IntN(len(s.nodes)))
		slot := consensus.Slot(rng.Uint64N(uint64(s.nodes[i].slot) + 1))
		want := i
		for s.nodes[want].slot > slot && s.nodes[want].parent >= 0 {
			want = s.nodes[want].parent
		}
		steps := 0
		got := s.climb(i, func(n *node) bool { steps++; return n.slot <= slot })
		if got != want {
			t.Fatalf("ancestor of %d at slot %d: %d, want %d", i, slot, got, want)
		}
		maxSteps = max(maxSteps, steps)
	}
	if limit := 8 * bits.Len(uint(len(s.nodes))); maxSteps > limit {
		t.Fatalf("a climb took %d steps, more than %d", maxSteps, limit)
	}
	t.Logf("%d blocks: at most %d steps", len(s.nodes), maxSteps)
}

// TestSegmentsInvariant checks the segment structure after late forks
// splitting long segments near either end: every block's segment holds it
// between top and tail, every block but a tail has exactly one child, a
// tail's children are its child segments' tops, and every segment top's
// parent is its parent segment's tail.
func TestSegmentsInvariant(t *testing.T) {
	s := chainStore(t, 3000)
	rng := rand.New(rand.NewPCG(3, 3))
	for k := range 300 {
		p := int32(rng.IntN(len(s.nodes)))
		if k%3 == 0 { // near the end of the chain, to split off short tails
			p = int32(len(s.nodes) - 1 - rng.IntN(20))
		}
		addInfo(t, s, BlockInfo{Root: stallRoot(uint64(k) | 1<<41), ParentRoot: s.nodes[p].root, Slot: s.nodes[p].slot + 1})
	}
	children := make([][]int32, len(s.nodes))
	for i := range s.nodes {
		if p := s.nodes[i].parent; p >= 0 {
			children[p] = append(children[p], int32(i))
		}
	}
	for i, nd := range s.nodes {
		sg := s.segs[nd.seg]
		if !s.isAncestor(sg.top, int32(i)) || !s.isAncestor(int32(i), sg.tail) {
			t.Fatalf("block %d not between its segment's top %d and tail %d", i, sg.top, sg.tail)
		}
		if int32(i) != sg.tail && len(children[i]) != 1 {
			t.Fatalf("block %d inside a segment has %d children", i, len(children[i]))
		}
	}
	for g, sg := range s.segs {
		var tops []int32
		for c := sg.firstChild; c >= 0; c = s.segs[c].nextSibling {
			tops = append(tops, s.segs[c].top)
			if s.segs[c].parent != int32(g) || s.nodes[s.segs[c].top].parent != sg.tail {
				t.Fatalf("segment %d: child %d not linked to its tail", g, c)
			}
		}
		if len(tops) != len(children[sg.tail]) || len(tops) == 1 {
			t.Fatalf("segment %d: %d child segments, tail has %d children", g, len(tops), len(children[sg.tail]))
		}
	}
}

// TestRootIndex checks the root hash table with roots that differ in a
// single byte, anywhere, and with roots absent from it.
func TestRootIndex(t *testing.T) {
	var nodes []node
	var x rootIndex
	for pos := range 32 {
		for b := range 256 {
			var r consensus.Root
			r[pos] = byte(b)
			r[31-pos] ^= 0x5a
			if _, ok := x.find(nodes, &r); ok {
				continue
			}
			nodes = append(nodes, node{root: r})
			x.add(nodes, int32(len(nodes)-1))
		}
	}
	check := func() {
		t.Helper()
		for i := range nodes {
			if got, ok := x.find(nodes, &nodes[i].root); !ok || got != int32(i) {
				t.Fatalf("find(root of %d) = %d %v", i, got, ok)
			}
		}
		absent := consensus.Root{1, 2, 3}
		if _, ok := x.find(nodes, &absent); ok {
			t.Fatal("found an absent root")
		}
	}
	check()
	nodes = nodes[len(nodes)/3:]
	x.rebuild(nodes)
	check()
	if 2*x.count > len(x.slots) {
		t.Fatalf("%d roots in %d slots", x.count, len(x.slots))
	}
}

// TestNodeSize guards the memory a block costs.
func TestNodeSize(t *testing.T) {
	if n := unsafe.Sizeof(node{}); n != 64 {
		t.Fatalf("node is %d bytes, want 64", n)
	}
}
