package sim

import (
	"fmt"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/consensus/forkchoice"
	"github.com/stakesim/stakesim/crypto"
)

// blockEntry is one imported (valid) block and what the engine derived from
// it. Blocks are content-addressed and shared by every view.
type blockEntry struct {
	root   consensus.Root
	signed *consensus.SignedBeaconBlock
	slot   consensus.Slot
	parent *blockEntry // nil for genesis
	info   forkchoice.BlockInfo
	report consensus.BlockReport
	// votes are the attestations the block carries, as (indices, data), for
	// fork choice's on_attestation(is_from_block=True).
	votes []blockVote
	// slashedEB is the effective balance of each validator the block
	// slashed (report.Slashed order), whistle the whistleblower rewards it
	// paid (to its proposer, as the spec does when no whistleblower is named).
	slashedEB []consensus.Gwei
	whistle   consensus.Gwei
	// post is the post-state, or nil once evicted (regenerated on demand).
	post *consensus.State
	// pinned post-states are never evicted (genesis, epoch-first blocks kept
	// as replay anchors).
	pinned bool
	// el counts the execution-layer requests included on this chain up to
	// and including this block (see elPool).
	el elCursor
}

// pinEvery is the spacing, in epochs, of the post-states kept forever.
const pinEvery = 16

type blockVote struct {
	indices []consensus.ValidatorIndex // sorted
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

	// counters for timing.json
	epochSeconds float64
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
	}
	cp := consensus.Checkpoint{Epoch: 0, Root: root}
	g.info = forkchoice.BlockInfo{
		Root: root, Slot: genesis.Slot,
		JustifiedCheckpoint: cp, FinalizedCheckpoint: cp,
		UnrealizedJustified: cp, UnrealizedFinalized: cp,
	}
	return &chain{
		cfg:        cfg,
		verifier:   verifier,
		blocks:     map[consensus.Root]*blockEntry{root: g},
		genesis:    g,
		boundaries: map[boundaryKey]*boundary{},
		preStates:  map[preKey]*consensus.State{},
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
		a = a.parent
	}
	st := a.post
	for i := len(path) - 1; i >= 0; i-- {
		blk := path[i]
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
	var slashedEB []consensus.Gwei
	var whistle consensus.Gwei
	for _, v := range rep.Slashed {
		eb := st.Validators[v].EffectiveBalance
		slashedEB = append(slashedEB, eb)
		whistle += eb / consensus.Gwei(c.cfg.WhistleblowerRewardQuotientElectra)
	}
	b := &blockEntry{
		root:      root,
		signed:    sb,
		slot:      sb.Message.Slot,
		parent:    parent,
		report:    rep,
		votes:     votes,
		slashedEB: slashedEB,
		whistle:   whistle,
		post:      st,
		el:        parent.el.advanced(&sb.Message.Body.ExecutionRequests),
		info: forkchoice.BlockInfo{
			Root: root, ParentRoot: parent.root, Slot: sb.Message.Slot,
			JustifiedCheckpoint: st.CurrentJustifiedCheckpoint,
			FinalizedCheckpoint: st.FinalizedCheckpoint,
			UnrealizedJustified: uj, UnrealizedFinalized: uf,
		},
	}
	// Keep the first block of every pinEvery-th epoch on each chain as a
	// replay anchor: regenerating an evicted state replays at most that
	// many epochs of blocks, and memory no longer grows with every epoch
	// of long runs (partition-leak runs thousands of epochs on two chains).
	pe := consensus.ComputeEpochAtSlot(c.cfg, parent.slot)
	be := consensus.ComputeEpochAtSlot(c.cfg, b.slot)
	if pe < be && (be/pinEvery > pe/pinEvery || be%pinEvery == 0) {
		b.pinned = true
	}
	c.blocks[root] = b
	return b, nil
}

// ancestorAt returns the last block at or before slot on b's chain.
func (c *chain) ancestorAt(b *blockEntry, slot consensus.Slot) *blockEntry {
	for b.parent != nil && b.slot > slot {
		b = b.parent
	}
	return b
}

// endSlot drops per-slot caches and evicts states no longer likely needed.
func (c *chain) endSlot(now consensus.Slot, keep map[consensus.Root]bool) {
	clear(c.preStates)
	horizon := consensus.Slot(2 * c.cfg.SlotsPerEpoch)
	if now < horizon {
		return
	}
	old := now - horizon
	for _, b := range c.blocks {
		if b.post != nil && !b.pinned && b.slot < old && !keep[b.root] {
			b.post = nil
		}
	}
	oldEpoch := consensus.ComputeEpochAtSlot(c.cfg, old)
	for k := range c.boundaries {
		if k.epoch < oldEpoch && !keep[k.root] {
			delete(c.boundaries, k)
		}
	}
}

func genesisRoot(st *consensus.State) consensus.Root {
	return consensus.GenesisBlockRoot(st)
}
