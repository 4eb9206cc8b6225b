package forkchoice

// segment is a maximal chain of blocks in which every block but the last
// has exactly one child: the block tree with its single-child chains
// compressed. A segment's last block (its tail) is a leaf or has two or more
// children, the tops of its child segments. A chain that grows without
// forking stays one segment however long it gets, so the head computation,
// which works on segments, costs the same after a thousand epochs without
// finality as after ten.
type segment struct {
	top, tail   int32 // first and last block (node indices)
	parent      int32 // segment of top's parent, -1 for the oldest block's segment
	firstChild  int32 // first child segment, -1 if tail is a leaf
	nextSibling int32 // next child segment of parent, -1 for the last

	// Filled by computeHead for the segments below the start block's.
	viable bool  // a leaf at or below top is viable (filter_block_tree)
	cp     int32 // get_checkpoint_block(tail, finalized epoch), unless that is genesis
}

// attach adds node i, whose parent is linked, to the segments: it extends
// its parent's segment when the parent was a leaf, and otherwise starts a
// new segment under the parent, splitting the parent's segment first if the
// parent was inside it.
func (s *Store) attach(i int32) {
	p := s.nodes[i].parent
	if p < 0 {
		s.nodes[i].seg = s.newSegment(i, -1)
		return
	}
	sg := s.nodes[p].seg
	if s.segs[sg].tail == p && s.segs[sg].firstChild < 0 {
		s.segs[sg].tail = i
		s.nodes[i].seg = sg
		return
	}
	if s.segs[sg].tail != p {
		sg = s.splitAfter(p)
	}
	s.nodes[i].seg = s.newSegment(i, sg)
}

// newSegment appends the segment of the single block i as a child of parent
// (-1 for none) and returns its index.
func (s *Store) newSegment(i, parent int32) int32 {
	k := int32(len(s.segs))
	sg := segment{top: i, tail: i, parent: parent, firstChild: -1, nextSibling: -1}
	if parent >= 0 {
		sg.nextSibling = s.segs[parent].firstChild
		s.segs[parent].firstChild = k
	}
	s.segs = append(s.segs, sg)
	return k
}

// splitAfter cuts the segment holding p, which has exactly one child, below
// p, and returns the index of the segment that now ends at p. The shorter
// part moves to a new segment and only its blocks are relabelled, so that
// any sequence of splits relabels O(n log n) blocks in all.
func (s *Store) splitAfter(p int32) int32 {
	old := s.nodes[p].seg
	sg := s.segs[old]
	child := s.ancestorAtDepth(sg.tail, s.nodes[p].depth+1)
	above := s.nodes[p].depth - s.nodes[sg.top].depth + 1
	below := s.nodes[sg.tail].depth - s.nodes[p].depth
	k := int32(len(s.segs))
	if below <= above {
		// child..tail moves to k, under old; old's children move with it.
		s.segs = append(s.segs, segment{top: child, tail: sg.tail, parent: old, firstChild: sg.firstChild, nextSibling: -1})
		for c := sg.firstChild; c >= 0; c = s.segs[c].nextSibling {
			s.segs[c].parent = k
		}
		s.segs[old].tail, s.segs[old].firstChild = p, k
		s.relabel(sg.tail, child, k)
		return old
	}
	// top..p moves to k, which takes old's place under old's parent.
	s.segs = append(s.segs, segment{top: sg.top, tail: p, parent: sg.parent, firstChild: old, nextSibling: sg.nextSibling})
	if sg.parent >= 0 {
		c := &s.segs[sg.parent].firstChild
		for *c != old {
			c = &s.segs[*c].nextSibling
		}
		*c = k
	}
	s.segs[old].top, s.segs[old].parent, s.segs[old].nextSibling = child, k, -1
	s.relabel(p, sg.top, k)
	return k
}

// relabel puts the blocks from i up to its ancestor last (both included)
// in segment sg.
func (s *Store) relabel(i, last, sg int32) {
	s.segsMoved = true
	for {
		s.nodes[i].seg = sg
		if i == last {
			return
		}
		i = s.nodes[i].parent
	}
}
