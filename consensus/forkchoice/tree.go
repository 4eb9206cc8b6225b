package forkchoice

import "github.com/stakesim/stakesim/consensus"

// node is one block in the store. Nodes are kept in a slice in insertion
// order; a parent is always inserted before its children, so parent < index
// for every node. A node holds only what ancestry and the head computation
// need (64 bytes): the block's parent root is its parent node's root, and
// its checkpoints are shared with the blocks around it in Store.ffgs.
type node struct {
	root   consensus.Root
	slot   consensus.Slot
	parent int32 // index in Store.nodes, -1 for the oldest block
	jump   int32 // an ancestor for climb: see link
	depth  int32 // number of ancestors in the store
	seg    int32 // index in Store.segs of the segment holding the block
	ffg    int32 // index in Store.ffgs of the block's checkpoints
	timely bool  // store.block_timeliness[root]
}

// ffgInfo is the FFG part of a BlockInfo. Consecutive blocks of a chain
// usually carry the same values, so a node shares its parent's entry when
// they are equal (see ffgIndex).
type ffgInfo struct {
	justified, finalized                     consensus.Checkpoint
	unrealizedJustified, unrealizedFinalized consensus.Checkpoint
}

func ffgOf(b *BlockInfo) ffgInfo {
	return ffgInfo{b.JustifiedCheckpoint, b.FinalizedCheckpoint, b.UnrealizedJustified, b.UnrealizedFinalized}
}

// ffgIndex returns the index in s.ffgs of f for a new child of parent: the
// parent's entry if it is equal, or else a new entry.
func (s *Store) ffgIndex(parent int32, f ffgInfo) int32 {
	if k := s.nodes[parent].ffg; s.ffgs[k] == f {
		return k
	}
	s.ffgs = append(s.ffgs, f)
	return int32(len(s.ffgs) - 1)
}

// blockInfo rebuilds the BlockInfo of node i.
func (s *Store) blockInfo(i int32) BlockInfo {
	nd := &s.nodes[i]
	parentRoot := s.oldestParentRoot
	if nd.parent >= 0 {
		parentRoot = s.nodes[nd.parent].root
	}
	f := &s.ffgs[nd.ffg]
	return BlockInfo{
		Root: nd.root, ParentRoot: parentRoot, Slot: nd.slot,
		JustifiedCheckpoint: f.justified, FinalizedCheckpoint: f.finalized,
		UnrealizedJustified: f.unrealizedJustified, UnrealizedFinalized: f.unrealizedFinalized,
	}
}

// link fills the depth, jump pointer and segment of node i, whose parent
// (if any) is already linked.
//
// The jump pointers are the skew-binary ones of Myers' random-access lists:
// a block jumps to its parent's jump's jump when the parent's two jumps
// cover equal numbers of blocks, and to its parent otherwise. Then a climb
// towards an ancestor that satisfies a monotone condition takes
// O(log depth) steps while every block stores a single pointer.
func (s *Store) link(i int32) {
	nd := &s.nodes[i]
	p := nd.parent
	if p < 0 {
		nd.depth, nd.jump = 0, i
		s.attach(i)
		return
	}
	pn := &s.nodes[p]
	j := &s.nodes[pn.jump]
	nd.depth, nd.jump = pn.depth+1, p
	if pn.depth-j.depth == j.depth-s.nodes[j.jump].depth {
		nd.jump = j.jump
	}
	s.attach(i)
}

// climb returns the first block for which stop is true on the path from i
// (included) to the oldest block, or the oldest block if there is none.
// stop must be monotone along the path: false up to some block and true
// from it on.
func (s *Store) climb(i int32, stop func(*node) bool) int32 {
	for !stop(&s.nodes[i]) && s.nodes[i].parent >= 0 {
		if j := s.nodes[i].jump; !stop(&s.nodes[j]) {
			i = j
		} else {
			i = s.nodes[i].parent
		}
	}
	return i
}

// ancestor is get_ancestor over node indices. The walk stops at the oldest
// block of the store (the anchor, or the finalized block after Prune): the
// store treats that block as the ancestor at every earlier slot, as clients
// treat their anchor. Slots increase strictly along a chain, so the climb
// applies.
//
// Spec definition:
//
//	def get_ancestor(store: Store, node: ForkChoiceNode, slot: Slot) -> ForkChoiceNode:
//	    block = store.blocks[node.root]
//	    if block.slot > slot:
//	        parent = ForkChoiceNode(root=block.parent_root)
//	        return get_ancestor(store, parent, slot)
//	    return node
func (s *Store) ancestor(i int32, slot consensus.Slot) int32 {
	return s.climb(i, func(n *node) bool { return n.slot <= slot })
}

// ancestorAtDepth returns the ancestor of i (or i) at depth d <= i's depth.
func (s *Store) ancestorAtDepth(i int32, d int32) int32 {
	return s.climb(i, func(n *node) bool { return n.depth <= d })
}

// isAncestor is the is_ancestor(store, desc, a) test of get_weight over
// node indices: whether a is desc or one of its ancestors. The spec
// compares get_ancestor(desc, slot of a) with a; since slots increase
// strictly along a chain and every block of the store descends from the
// oldest one, that holds exactly when a is on desc's chain, which is what
// the depth comparison checks.
func (s *Store) isAncestor(a, desc int32) bool {
	return s.nodes[desc].depth >= s.nodes[a].depth && s.ancestorAtDepth(desc, s.nodes[a].depth) == a
}
