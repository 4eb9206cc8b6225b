package sim

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/consensus/forkchoice"
	"github.com/stakesim/stakesim/crypto"
)

// blockEntry is one imported (valid) block and what the engine derived from
// it. Blocks are content-addressed and shared by every view.
type blockEntry struct {
	root     consensus.Root
	slot     consensus.Slot
	proposer consensus.ValidatorIndex
	parent   *blockEntry // nil for genesis and for bases (parent pruned)
	// signed is the block as proposed; nil for genesis and once the body is
	// thinned (bodyless).
	signed *consensus.SignedBeaconBlock
	// post is the post-state, or nil once evicted (regenerated on demand).
	post *consensus.State
	// el counts the execution-layer requests included on this chain up to
	// and including this block (see elPool).
	el elCursor

	// height is the number of blocks between genesis and this one; skip
	// is an ancestor at a lower height (Bitcoin's skip list), so ancestorAt
	// takes O(log height) steps however long finality stalls. skip is nil
	// where its target was pruned.
	skip   *blockEntry
	height uint32
	// children counts the blocks imported on this one; a block with two
	// or more is a fork point, whose post-state stays pinned (the common
	// ancestor of conflicting finalized checkpoints is one).
	children uint32
	// attestations is the number of attestations in the block's body
	// (at most MAX_ATTESTATIONS; saturated at 65535), kept for blocks.csv
	// after the body is thinned. 16 bits fit in the padding before the
	// flags below: a held block costs no more for it.
	attestations uint16
	// pinned post-states are never evicted (genesis, bases, finalized
	// blocks, fork points, epoch pins; see endSlot).
	pinned bool
	// finalPin: pinned as a finalized block (prune), not as an epoch pin.
	finalPin bool
	// dropped is set when the chain prunes the block; a message still in
	// flight for it is ignored (every view had processed it).
	dropped bool
	// slashCounted: the reporter has counted the block's slashings.
	slashCounted bool
	// bodyless: the body was dropped (thinBodies); replaying through the
	// block is impossible and postState reports it.
	bodyless bool

	// fresh is what only the block's delivery to views and the reports of
	// its epoch read; nil once thinned (thinBlocks).
	*fresh
}

// fresh is the part of a block that goes two epochs after its slot, once
// every view has processed it.
type fresh struct {
	// info is what fork choice needs.
	info *forkchoice.BlockInfo
	// report is what consensus.ProcessBlock did.
	report *consensus.BlockReport
	// votes are the attestations the block carries, as (indices, data), for
	// fork choice's on_attestation(is_from_block=True).
	votes []blockVote
	// processed marks the views that added the block to their fork
	// choice or refused it: a view never needs a block again once it has.
	processed viewSet
}

// processedBy reports whether all n views have processed the block (a
// thinned block has).
func (b *blockEntry) processedBy(n int) bool {
	return b.fresh == nil || b.processed.full(n)
}

// pinEvery is the spacing, in epochs, of the post-states kept forever.
const pinEvery = 16

type blockVote struct {
	indices []consensus.ValidatorIndex // sorted; never modified (slashers keep it)
	data    consensus.AttestationData
	sig     crypto.Signature
}

type boundaryKey struct {
	root  consensus.Root
	epoch consensus.Epoch
}

// boundary is a block's post-state advanced to the first slot of an epoch,
// with the report of the epoch processing that got it there.
type boundary struct {
	st     *consensus.State
	report *consensus.EpochReport // nil when no epoch boundary was crossed (block at the epoch's first slot)
}

// chain is the engine's database of valid blocks and their states.
type chain struct {
	cfg      *consensus.Config
	verifier consensus.Verifier
	blocks   map[consensus.Root]*blockEntry
	genesis  *blockEntry

	boundaries map[boundaryKey]*boundary
	preStates  map[preKey]*consensus.State
	// resident lists the unpinned blocks whose post-state is in memory:
	// endSlot scans it instead of every block.
	resident []*blockEntry
	// pins lists the pinned blocks other than genesis and the bases,
	// thinned as they age (thinPins).
	pins []*blockEntry
	// finalized is the set of view-finalized roots the last prune used.
	finalized []consensus.Root
	// young lists blocks in import order until thinBlocks has looked at
	// them; waiting holds the old ones some view has not processed yet.
	young, waiting []*blockEntry
	views          int
	// deep lists thinned blocks, oldest first, until their bodies go too
	// (thinBodies).
	deep []*blockEntry
	// epochPins lists the short-lived pins of epochs' first blocks.
	epochPins []*blockEntry
	// baseParents keeps the parent roots of the bases (blocks whose parents
	// were pruned), while they are kept.
	baseParents map[consensus.Root]consensus.Root
	// replayed counts the blocks replayed to regenerate evicted states.
	replayed uint64
}

type preKey struct {
	parent consensus.Root
	slot   consensus.Slot
}

func newChain(cfg *consensus.Config, genesis *consensus.State, verifier consensus.Verifier) (*chain, error) {
	root := genesisRoot(genesis)
	g := &blockEntry{
		root:   root,
		slot:   genesis.Slot,
		post:   genesis,
		pinned: true,
		fresh:  &fresh{},
	}
	cp := consensus.Checkpoint{Epoch: 0, Root: root}
	g.info = &forkchoice.BlockInfo{
		Root: root, Slot: genesis.Slot,
		JustifiedCheckpoint: cp, FinalizedCheckpoint: cp,
		UnrealizedJustified: cp, UnrealizedFinalized: cp,
	}
	return &chain{
		cfg:         cfg,
		verifier:    verifier,
		blocks:      map[consensus.Root]*blockEntry{root: g},
		genesis:     g,
		boundaries:  map[boundaryKey]*boundary{},
		preStates:   map[preKey]*consensus.State{},
		baseParents: map[consensus.Root]consensus.Root{},
	}, nil
}

// postState returns the post-state of a block (read-only), regenerating it
// from the nearest ancestor that still has one if it was evicted.
func (c *chain) postState(b *blockEntry) (*consensus.State, error) {
	if b.post != nil {
		return b.post, nil
	}
	// Walk up to an ancestor with a state, then replay down.
	var path []*blockEntry
	a := b
	for a.post == nil {
		path = append(path, a)
		if a = a.parent; a == nil {
			return nil, fmt.Errorf("sim: no state to replay block %x at slot %d from: its ancestors were pruned", b.root[:4], b.slot)
		}
	}
	st := a.post
	for i := len(path) - 1; i >= 0; i-- {
		blk := path[i]
		if blk.bodyless {
			return nil, fmt.Errorf("sim: cannot replay block %x at slot %d: its body was thinned (engine bug: a state was asked for below the replay anchors)", blk.root[:4], blk.slot)
		}
		c.replayed++
		pre, err := c.advance(st, blk.slot)
		if err != nil {
			return nil, err
		}
		if _, err := consensus.ProcessBlock(c.cfg, pre, blk.signed, consensus.AcceptAll{}); err != nil {
			return nil, fmt.Errorf("sim: replaying block %x at slot %d: %w", blk.root[:4], blk.slot, err)
		}
		st = pre
		if i == 0 {
			blk.post = st // keep the one asked for
			c.resident = append(c.resident, blk)
		}
	}
	return st, nil
}

// advance returns a copy of st advanced to slot (epoch processing included).
func (c *chain) advance(st *consensus.State, slot consensus.Slot) (*consensus.State, error) {
	cp := st.Copy()
	if cp.Slot < slot {
		if _, err := consensus.ProcessSlots(c.cfg, cp, slot); err != nil {
			return nil, err
		}
	}
	return cp, nil
}

// atEpochStart returns block b's state advanced to the first slot of epoch
// (read-only, cached), with the report of the last epoch processing.
func (c *chain) atEpochStart(b *blockEntry, epoch consensus.Epoch) (*boundary, error) {
	start := consensus.ComputeStartSlotAtEpoch(c.cfg, epoch)
	if start <= b.slot {
		st, err := c.postState(b)
		if err != nil {
			return nil, err
		}
		return &boundary{st: st}, nil
	}
	key := boundaryKey{b.root, epoch}
	if bd, ok := c.boundaries[key]; ok {
		return bd, nil
	}
	// Start from the previous boundary (or the post-state) so each epoch is
	// processed once per chain tip.
	var from *consensus.State
	if consensus.ComputeStartSlotAtEpoch(c.cfg, epoch-1) > b.slot {
		prev, err := c.atEpochStart(b, epoch-1)
		if err != nil {
			return nil, err
		}
		from = prev.st
	} else {
		st, err := c.postState(b)
		if err != nil {
			return nil, err
		}
		from = st
	}
	st := from.Copy()
	reports, err := consensus.ProcessSlots(c.cfg, st, start)
	if err != nil {
		return nil, err
	}
	bd := &boundary{st: st}
	if n := len(reports); n > 0 {
		r := reports[n-1]
		bd.report = &r
	}
	c.boundaries[key] = bd
	return bd, nil
}

// stateAtSlot returns block b's state advanced to slot (read-only, cached
// for the current slot).
func (c *chain) stateAtSlot(b *blockEntry, slot consensus.Slot) (*consensus.State, error) {
	key := preKey{b.root, slot}
	if st, ok := c.preStates[key]; ok {
		return st, nil
	}
	epoch := consensus.ComputeEpochAtSlot(c.cfg, slot)
	var base *consensus.State
	if consensus.ComputeEpochAtSlot(c.cfg, b.slot) < epoch {
		bd, err := c.atEpochStart(b, epoch)
		if err != nil {
			return nil, err
		}
		base = bd.st
	} else {
		st, err := c.postState(b)
		if err != nil {
			return nil, err
		}
		base = st
	}
	st := base
	if base.Slot < slot {
		var err error
		st, err = c.advance(base, slot)
		if err != nil {
			return nil, err
		}
	}
	c.preStates[key] = st
	return st, nil
}

// importBlock runs the state transition for a signed block on its parent
// and, when valid, records it. Invalid blocks return an error and leave no
// trace.
func (c *chain) importBlock(sb *consensus.SignedBeaconBlock) (*blockEntry, error) {
	root := sb.Message.Root()
	if b, ok := c.blocks[root]; ok {
		return b, nil
	}
	parent, ok := c.blocks[sb.Message.ParentRoot]
	if !ok {
		return nil, fmt.Errorf("%w: unknown parent %x", consensus.ErrInvalidBlock, sb.Message.ParentRoot[:4])
	}
	if sb.Message.Slot <= parent.slot {
		return nil, fmt.Errorf("%w: slot %d not after parent slot %d", consensus.ErrInvalidBlock, sb.Message.Slot, parent.slot)
	}
	pre, err := c.stateAtSlot(parent, sb.Message.Slot)
	if err != nil {
		return nil, err
	}
	st := pre.Copy()
	// Collect the votes before processing (committees are those of the pre-state).
	votes := make([]blockVote, 0, len(sb.Message.Body.Attestations))
	for i := range sb.Message.Body.Attestations {
		att := &sb.Message.Body.Attestations[i]
		idx, err := consensus.GetAttestingIndices(c.cfg, st, att)
		if err != nil {
			return nil, fmt.Errorf("%w: attestation %d: %v", consensus.ErrInvalidBlock, i, err)
		}
		votes = append(votes, blockVote{indices: idx, data: att.Data, sig: att.Signature})
	}
	rep, err := consensus.ProcessBlock(c.cfg, st, sb, c.verifier)
	if err != nil {
		return nil, err
	}
	uj, uf := consensus.ComputeUnrealizedCheckpoints(c.cfg, st)
	b := &blockEntry{
		root:     root,
		signed:   sb,
		slot:     sb.Message.Slot,
		proposer: sb.Message.ProposerIndex,
		parent:   parent,
		post:     st,
		el:       parent.el.advanced(&sb.Message.Body.ExecutionRequests),
		fresh: &fresh{
			report: &rep,
			votes:  votes,
			info: &forkchoice.BlockInfo{
				Root: root, ParentRoot: parent.root, Slot: sb.Message.Slot,
				ProposerIndex:       sb.Message.ProposerIndex,
				JustifiedCheckpoint: st.CurrentJustifiedCheckpoint,
				FinalizedCheckpoint: st.FinalizedCheckpoint,
				UnrealizedJustified: uj, UnrealizedFinalized: uf,
			},
		},
	}
	if err := c.track(b, parent); err != nil {
		return nil, err
	}
	b.height = parent.height + 1
	b.attestations = uint16(min(len(sb.Message.Body.Attestations), math.MaxUint16))
	b.skip = ancestorAtHeight(parent, skipHeight(b.height))
	c.blocks[root] = b
	return b, nil
}

// track files a new block in the lists that bound memory: the first block
// of every pinEvery-th epoch on each chain is pinned as a long-term replay
// anchor (regenerating an evicted state replays at most that many epochs,
// and memory does not grow with every epoch of long runs), the first block
// of every other epoch is pinned for epochPinEpochs epochs (a recent state
// replays at most one epoch), and any other block's state is resident
// until evicted. A parent that gets its second child becomes a fork point,
// pinned as the anchor of both branches.
func (c *chain) track(b, parent *blockEntry) error {
	pe := consensus.ComputeEpochAtSlot(c.cfg, parent.slot)
	be := consensus.ComputeEpochAtSlot(c.cfg, b.slot)
	switch {
	case pe < be && (be/pinEvery > pe/pinEvery || be%pinEvery == 0):
		b.pinned = true
		c.pins = append(c.pins, b)
	case pe < be:
		b.pinned = true
		c.epochPins = append(c.epochPins, b)
	default:
		c.resident = append(c.resident, b)
	}
	c.young = append(c.young, b)
	if parent.children++; parent.children == 2 && !parent.pinned {
		if _, err := c.postState(parent); err != nil {
			return err
		}
		parent.pinned = true
	}
	return nil
}

// skipHeight is the height of a block's skip target: Bitcoin's
// GetSkipHeight, which makes ancestor searches take O(log height) steps.
func skipHeight(h uint32) uint32 {
	if h < 2 {
		return 0
	}
	invertLowest := func(n uint32) uint32 { return n & (n - 1) }
	if h&1 == 1 {
		return invertLowest(invertLowest(h-1)) + 1
	}
	return invertLowest(h)
}

// ancestorAtHeight returns b's ancestor at height h, or the oldest block
// still linked (genesis or a base) when h is below it.
func ancestorAtHeight(b *blockEntry, h uint32) *blockEntry {
	for b.height > h && b.parent != nil {
		if b.skip != nil && b.skip.height >= h {
			b = b.skip
		} else {
			b = b.parent
		}
	}
	return b
}

// ancestorAt returns the last block at or before slot on b's chain (the
// oldest block still linked when slot is below it). Slots grow strictly
// along a chain, so a skip target still after slot is a safe jump.
func (c *chain) ancestorAt(b *blockEntry, slot consensus.Slot) *blockEntry {
	for b.parent != nil && b.slot > slot {
		if b.skip != nil && b.skip.slot > slot {
			b = b.skip
		} else {
			b = b.parent
		}
	}
	return b
}

// endSlot drops per-slot caches and what is no longer likely needed:
// unpinned post-states more than stateHorizonSlots old (except those of
// keep), boundary states more than two epochs old, aged pins, and the
// fresh parts and bodies of old blocks (thinBlocks, thinBodies). It scans
// only the lists of blocks that hold something, so its cost does not grow
// with the blocks kept.
func (c *chain) endSlot(now consensus.Slot, keep map[consensus.Root]bool) {
	clear(c.preStates)
	horizon := consensus.Slot(2 * c.cfg.SlotsPerEpoch)
	if now >= stateHorizonSlots {
		c.evictStates(now-stateHorizonSlots, keep)
	}
	if now < horizon {
		return
	}
	old := now - horizon
	oldEpoch := consensus.ComputeEpochAtSlot(c.cfg, old)
	for k := range c.boundaries {
		if k.epoch < oldEpoch && !keep[k.root] {
			delete(c.boundaries, k)
		}
	}
	c.thinBlocks(old)
	if now >= bodyHorizon(c.cfg) {
		c.thinBodies(now - bodyHorizon(c.cfg))
	}
	if uint64(now)%c.cfg.SlotsPerEpoch == 0 {
		epoch := consensus.ComputeEpochAtSlot(c.cfg, now)
		c.thinPins(epoch)
		c.unpinEpochs(epoch)
		c.waiting = c.thinProcessed(c.waiting)
	}
}

// stateHorizonSlots is how long an unpinned post-state stays after its
// block's slot. Heads and checkpoints keep theirs; any other recent state
// replays from its epoch's pinned first block.
const stateHorizonSlots = 4

// epochPinEpochs is how long the first block of an epoch stays pinned.
const epochPinEpochs = 2

// evictStates drops the unpinned post-states of blocks before slot old,
// except those of keep.
func (c *chain) evictStates(old consensus.Slot, keep map[consensus.Root]bool) {
	live := c.resident[:0]
	for _, b := range c.resident {
		if b.post == nil || b.pinned || b.dropped {
			continue // evicted, pinned or pruned meanwhile
		}
		if b.slot < old && !keep[b.root] {
			b.post = nil
			continue
		}
		live = append(live, b)
	}
	clear(c.resident[len(live):])
	c.resident = live
}

// unpinEpochs releases the epoch pins older than epochPinEpochs (fork
// points, bases and finalized blocks stay pinned).
func (c *chain) unpinEpochs(now consensus.Epoch) {
	n := 0
	for n < len(c.epochPins) && consensus.ComputeEpochAtSlot(c.cfg, c.epochPins[n].slot)+epochPinEpochs <= now {
		b := c.epochPins[n]
		if !b.dropped && b.parent != nil && b.children < 2 && !b.finalPin {
			b.pinned = false
			c.resident = append(c.resident, b)
		}
		n++
	}
	clear(c.epochPins[:n])
	c.epochPins = c.epochPins[n:]
}

// thinBlocks drops what only delivery and reporting read from blocks
// imported before slot old: their votes (fork choice and slashers read
// them when a view receives the block) and their report and slashing
// figures (the reporter reads the current epoch's blocks). A block some
// view has not processed keeps its votes until it has.
func (c *chain) thinBlocks(old consensus.Slot) {
	n := 0
	for n < len(c.young) && c.young[n].slot < old {
		n++
	}
	if n == 0 {
		return
	}
	c.waiting = append(c.waiting, c.thinProcessed(c.young[:n])...)
	clear(c.young[:n])
	c.young = c.young[n:]
}

// bodyEpochs is the age, in epochs, after which a thinned block loses its
// body too (operations, attestations, withdrawals, requests; the header
// fields stay). A state is then never replayed through it: recent states
// replay from pins less than pinRecentEpochs old, fork points and bases
// are pinned, and the views' heads and checkpoints keep their states.
const bodyEpochs = 2 * pinRecentEpochs

func bodyHorizon(cfg *consensus.Config) consensus.Slot {
	return consensus.Slot(bodyEpochs * cfg.SlotsPerEpoch)
}

// thinBodies drops the bodies of the thinned blocks imported before slot
// old.
func (c *chain) thinBodies(old consensus.Slot) {
	n := 0
	for n < len(c.deep) && c.deep[n].slot < old {
		if b := c.deep[n]; !b.dropped {
			b.signed, b.bodyless = nil, true
		}
		n++
	}
	clear(c.deep[:n])
	c.deep = c.deep[n:]
}

// thinProcessed thins the blocks every view has processed and returns
// the others.
func (c *chain) thinProcessed(bs []*blockEntry) []*blockEntry {
	var out []*blockEntry
	for _, b := range bs {
		if b.dropped {
			continue
		}
		if !b.processedBy(c.views) {
			out = append(out, b)
			continue
		}
		b.fresh = nil
		c.deep = append(c.deep, b)
	}
	return out
}

// pinRecentEpochs is the age below which every pin is kept.
const pinRecentEpochs = 64

// thinPins unpins replay anchors as they age, so that a chain that does
// not finalize keeps O(log length) pinned states instead of one every
// pinEvery epochs: a pin of age a (epochs) stays while its epoch is a
// multiple of the largest power of two at most a/2 (and of pinEvery).
// Only very old states then cost a longer replay, and they are seldom
// asked for (the common ancestor of conflicting finalized checkpoints).
func (c *chain) thinPins(now consensus.Epoch) {
	live := c.pins[:0]
	for _, b := range c.pins {
		if b.dropped || !b.pinned {
			continue
		}
		if b.parent == nil || b.children > 1 || b.finalPin {
			continue // a base, a fork point or a finalized block: pinned while kept
		}
		be := consensus.ComputeEpochAtSlot(c.cfg, b.slot)
		if age := uint64(now - min(now, be)); age >= pinRecentEpochs {
			spacing := uint64(1) << (bits.Len64(age/2) - 1)
			if uint64(be)%max(spacing, pinEvery) != 0 {
				b.pinned = false
				c.resident = append(c.resident, b) // evicted by the next endSlot
				continue
			}
		}
		live = append(live, b)
	}
	clear(c.pins[len(live):])
	c.pins = live
}

// prune drops every block that does not descend from (or equal) one of
// the views' finalized blocks and that every view has processed (added
// to its fork choice or refused): no view can need it again, no head can
// descend from it, and the common ancestor of any two checkpoints that
// views finalize later descends from today's oldest finalized block. The
// kept blocks whose parents are dropped become bases: they keep their
// post-states as replay anchors. It does nothing unless the finalized
// set changed since the last prune, so a stall costs nothing here.
//
// finalized holds each view's finalized block, indexed by view id. With
// settle, prune returns what blocks.csv needs of the dropped blocks
// (settleDropped), sorted by (slot, root); else nil.
func (c *chain) prune(finalized []*blockEntry, views int, settle bool) ([]settledBlock, error) {
	roots := make([]consensus.Root, len(finalized))
	for i, f := range finalized {
		roots[i] = f.root
	}
	if slices.Equal(roots, c.finalized) {
		return nil, nil
	}
	c.finalized = roots
	fin := map[*blockEntry]bool{}
	for _, f := range finalized {
		fin[f] = true
	}
	memo := map[*blockEntry]bool{} // descends from a finalized block
	descends := func(b *blockEntry) bool {
		var path []*blockEntry
		found := false
		for a := b; a != nil; a = a.parent {
			if d, ok := memo[a]; ok {
				found = d
				break
			}
			path = append(path, a)
			if fin[a] {
				found = true
				break
			}
		}
		for _, a := range path {
			memo[a] = found
		}
		return found
	}
	keep := map[*blockEntry]bool{}
	for _, b := range c.blocks {
		keep[b] = descends(b) || !b.processedBy(views)
	}
	var settled []settledBlock
	if settle {
		// Before anything is unlinked: the dropped blocks' parent roots
		// and ancestry are read here.
		settled = c.settleDropped(finalized, keep)
	}
	// Every finalized block keeps its state while it is kept: the replay
	// anchor of the chains the views build on it.
	for _, f := range finalized {
		if _, err := c.postState(f); err != nil {
			return nil, err
		}
		f.pinned, f.finalPin = true, true
	}
	// The kept blocks whose parents go become bases. Those on finalized
	// chains (the oldest finalized blocks, whose states the views keep)
	// get their post-states while the ancestors can still be replayed;
	// the others wait only to be delivered and never need a state.
	var bases []*blockEntry
	for _, b := range c.blocks {
		if keep[b] && b.parent != nil && !keep[b.parent] {
			if memo[b] {
				if _, err := c.postState(b); err != nil {
					return nil, err
				}
			}
			bases = append(bases, b)
		}
	}
	for _, b := range c.blocks {
		if keep[b] {
			continue
		}
		b.dropped = true
		if b != c.genesis { // the reporter reads genesis balances to the end
			b.post, b.pinned = nil, false
		}
		delete(c.blocks, b.root)
	}
	c.relink(bases)
	return settled, nil
}

// relink cuts the links from kept blocks to dropped ones: the bases
// (kept blocks whose parents were dropped) keep their post-states pinned,
// and skip pointers into dropped blocks go.
func (c *chain) relink(bases []*blockEntry) {
	for r := range c.baseParents {
		if _, ok := c.blocks[r]; !ok {
			delete(c.baseParents, r)
		}
	}
	for _, b := range bases {
		c.baseParents[b.root] = b.parent.root
		b.pinned, b.parent = true, nil
	}
	for _, b := range c.blocks {
		if b.skip != nil && b.skip.dropped {
			b.skip = nil
		}
	}
}

// parentRoot returns a block's parent root (zero for genesis), also for a
// base whose parent was pruned.
func (c *chain) parentRoot(b *blockEntry) consensus.Root {
	if b.parent != nil {
		return b.parent.root
	}
	return c.baseParents[b.root]
}

// viewSet is a set of view ids.
type viewSet []uint64

func (s *viewSet) add(v int) {
	for len(*s) <= v/64 {
		*s = append(*s, 0)
	}
	(*s)[v/64] |= 1 << (v % 64)
}

// full reports whether all views 0..n-1 are in the set.
func (s viewSet) full(n int) bool {
	for v := 0; v < n; v += 64 {
		want := ^uint64(0)
		if n-v < 64 {
			want = 1<<(n-v) - 1
		}
		if v/64 >= len(s) || s[v/64]&want != want {
			return false
		}
	}
	return true
}

func genesisRoot(st *consensus.State) consensus.Root {
	return consensus.GenesisBlockRoot(st)
}
