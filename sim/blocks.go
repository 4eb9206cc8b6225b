package sim

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/stakesim/stakesim/consensus"
)

// blocks.csv: one row per block in the chain's database (every valid
// proposal and the genesis block), written when the block's fate is
// settled for every view — when the chain prunes it (chain.prune, from
// pruneChain at the end of an epoch), or at the end of the run for the
// blocks still held (reporter.finish). Nothing is kept per block for it
// but the attestation count (blockEntry.attestations): the rows come from
// the chain itself, so memory does not grow with the blocks written.

// settledBlock is what a blocks.csv row needs of a block, taken before the
// chain lets go of it.
type settledBlock struct {
	root, parent consensus.Root
	slot         consensus.Slot
	proposer     consensus.ValidatorIndex
	attestations uint16
	// canonical holds the views whose canonical chain includes the block.
	canonical viewSet
}

// settleDropped returns the rows of the blocks prune is about to drop (not
// kept), sorted by (slot, root). finalized holds each view's finalized
// block, by view id. A dropped block is never a finalized block nor one
// of its descendants, and every view's head descends from its finalized
// block (noteHead), which never reverts: a dropped block is on a view's
// canonical chain now and for good exactly when it is an ancestor of the
// view's finalized block. Kept blocks never link to dropped ones (relink),
// so each walk ends at a base or genesis.
func (c *chain) settleDropped(finalized []*blockEntry, keep map[*blockEntry]bool) []settledBlock {
	canon := map[*blockEntry]viewSet{}
	for v, f := range finalized {
		for a := f.parent; a != nil; a = a.parent {
			if !keep[a] {
				s := canon[a]
				s.add(v)
				canon[a] = s
			}
		}
	}
	var out []settledBlock
	for _, b := range c.blocks {
		if !keep[b] {
			out = append(out, c.settled(b, canon[b]))
		}
	}
	sortSettled(out)
	return out
}

// settleHeld returns the rows of every block the chain still holds, sorted
// by (slot, root), with the views (by view id, heads[id] its head) whose
// chain from the head back includes each. It is called once, at the end
// of the run.
func (c *chain) settleHeld(heads []*blockEntry) []settledBlock {
	canon := map[*blockEntry]viewSet{}
	for v, h := range heads {
		for a := h; a != nil; a = a.parent {
			s := canon[a]
			s.add(v)
			canon[a] = s
		}
	}
	out := make([]settledBlock, 0, len(c.blocks))
	for _, b := range c.blocks {
		out = append(out, c.settled(b, canon[b]))
	}
	sortSettled(out)
	return out
}

func (c *chain) settled(b *blockEntry, canon viewSet) settledBlock {
	return settledBlock{root: b.root, parent: c.parentRoot(b), slot: b.slot, proposer: b.proposer,
		attestations: b.attestations, canonical: canon}
}

// sortSettled orders rows by (slot, root): map iteration never reaches
// the output.
func sortSettled(bs []settledBlock) {
	sort.Slice(bs, func(i, j int) bool {
		if bs[i].slot != bs[j].slot {
			return bs[i].slot < bs[j].slot
		}
		return bytes.Compare(bs[i].root[:], bs[j].root[:]) < 0
	})
}

// has reports whether view v is in the set.
func (s viewSet) has(v int) bool {
	return v/64 < len(s) && s[v/64]&(1<<(v%64)) != 0
}

// viewNames returns the names of the views in s, sorted and "+"-joined.
func (e *Engine) viewNames(s viewSet) string {
	var names []string
	for _, v := range e.views {
		if s.has(v.id) {
			names = append(names, v.name)
		}
	}
	sort.Strings(names)
	return strings.Join(names, "+")
}

// writeBlocks sends one batch of settled blocks to the sink's BlockSink.
func (r *reporter) writeBlocks(bs []settledBlock) error {
	if r.blockSink == nil {
		return nil
	}
	for i := range bs {
		b := &bs[i]
		row := BlockRow{
			Slot:         uint64(b.slot),
			Root:         fmt.Sprintf("%x", b.root[:8]),
			ParentRoot:   fmt.Sprintf("%x", b.parent[:8]),
			Proposer:     uint64(b.proposer),
			Attestations: uint64(b.attestations),
			CanonicalOn:  r.e.viewNames(b.canonical),
		}
		if err := r.blockSink.Block(row); err != nil {
			return fmt.Errorf("sim: writing the block row of slot %d: %w", b.slot, err)
		}
	}
	return nil
}

// settleHeldBlocks writes the rows of the blocks the chain still holds at
// the end of the run, their canonical chains those of the views' heads.
func (r *reporter) settleHeldBlocks() error {
	if r.blockSink == nil {
		return nil
	}
	e := r.e
	heads := make([]*blockEntry, len(e.views))
	for i, v := range e.views {
		h, ok := e.chain.blocks[v.store.Head()]
		if !ok {
			root := v.store.Head()
			return fmt.Errorf("sim: view %s: head %x is not in the chain", v.name, root[:4])
		}
		heads[i] = h
	}
	return r.writeBlocks(e.chain.settleHeld(heads))
}
