package forkchoice

import (
	"math/rand/v2"
	"testing"

	"github.com/stakesim/stakesim/consensus"
)

// longRun drives a Store and the naive refStore with the same calls over a
// long chain: most slots get a block on the reference head (some slots are
// missed, some blocks are late), committees vote for the reference head, and
// now and then a block forks off an old block, a fork grows, validators vote
// for old blocks, validators are slashed, the checkpoints advance (they
// mostly stall), and the store is pruned.
type longRun struct {
	t         *testing.T
	seed      uint64
	step      int
	rng       *rand.Rand
	cfg       consensus.Config
	nVal      int
	st        *Store
	ref       *refStore
	roots     []consensus.Root // every block accepted, pruned ones included
	forkTips  []consensus.Root
	head      consensus.Root // the reference head, as of the last compare
	stats     *longStats
	autoPrune bool
	ffgOdds   int // one block in ffgOdds may advance its checkpoints
}

// longStats counts what the generator reached, to check its coverage.
type longStats struct {
	blocks, lateForks, forkHeads, oldVotes, slashings, prunedBlocks int
	boosted, justifications, finalizations, heads, maxBlocks        int
}

// TestHeadMatchesReferenceLongChains checks Store against the naive
// refStore after every step of long runs (hundreds of blocks, thousands of
// steps): the head, the checkpoints, the proposer boost, the block count,
// and the weight, ancestry and BlockInfo of probe blocks, old ones
// included. All expected values come from refStore.
// Reference: phase0 fork-choice.md, get_head / get_weight /
// filter_block_tree / get_ancestor / on_block / on_attestation /
// on_attester_slashing.
func TestHeadMatchesReferenceLongChains(t *testing.T) {
	cases, steps := 8, 1600
	if testing.Short() {
		cases, steps = 3, 800
	}
	var stats longStats
	for seed := range uint64(cases) {
		r := newLongRun(t, seed, &stats)
		for r.step = range steps {
			r.randomStep()
			r.compare()
		}
	}
	t.Logf("%+v", stats)
	if testing.Short() {
		return // the coverage below needs the full runs
	}
	if stats.lateForks < cases || stats.forkHeads == 0 || stats.oldVotes < cases || stats.slashings < cases ||
		stats.prunedBlocks == 0 || stats.boosted < cases || stats.justifications < cases ||
		stats.finalizations < cases/2 || stats.maxBlocks < 300 {
		t.Fatalf("weak coverage: %+v", stats)
	}
}

func newLongRun(t *testing.T, seed uint64, stats *longStats) *longRun {
	rng := rand.New(rand.NewPCG(seed, 0x10c4a1))
	cfg := consensus.Minimal()
	cfg.SlotsPerEpoch = []uint64{4, 8}[rng.IntN(2)]
	cfg.ProposerScoreBoost = []uint64{0, 40, 40}[rng.IntN(3)]
	nVal := 8 + rng.IntN(24)
	states := stateFunc(&cfg, nVal, seed)
	slot := consensus.Slot(cfg.SlotsPerEpoch * uint64(rng.IntN(3)))
	cp := consensus.Checkpoint{Epoch: consensus.ComputeEpochAtSlot(&cfg, slot)}
	anchor := BlockInfo{Root: randRoot(rng), ParentRoot: randRoot(rng), Slot: slot}
	cp.Root = anchor.Root
	anchor.JustifiedCheckpoint, anchor.FinalizedCheckpoint, anchor.UnrealizedFinalized = cp, cp, cp
	r := &longRun{t: t, seed: seed, rng: rng, cfg: cfg, nVal: nVal, stats: stats,
		roots: []consensus.Root{anchor.Root}, head: anchor.Root, autoPrune: seed%2 == 0,
		ffgOdds: []int{1000, 12, 60}[seed%3]} // mostly stalled, often finalizing, or in between
	r.st = NewStore(&r.cfg, anchor, storeBalances(&r.cfg, states))
	r.ref = newRef(&r.cfg, anchor, states)
	r.st.SetAutoPrune(r.autoPrune)
	r.ref.autoPrune = r.autoPrune
	return r
}

func (r *longRun) fatalf(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("seed %d step %d: "+format, append([]any{r.seed, r.step}, args...)...)
}

// randomStep makes one call (or a tick and a call) on both stores.
func (r *longRun) randomStep() {
	switch op := r.rng.IntN(100); {
	case op < 30:
		r.nextSlot()
	case op < 35: // a block forking off any known block, now
		parent := r.roots[r.rng.IntN(len(r.roots))]
		if r.addBlock(parent, r.ref.slot()) {
			r.stats.lateForks++
			r.forkTips = append(r.forkTips, r.roots[len(r.roots)-1])
		}
	case op < 39: // a fork grows
		if len(r.forkTips) > 0 {
			k := r.rng.IntN(len(r.forkTips))
			if r.addBlock(r.forkTips[k], r.ref.slot()) {
				r.forkTips[k] = r.roots[len(r.roots)-1]
			}
		}
	case op < 65:
		r.committeeVote()
	case op < 73:
		r.oldVote()
	case op < 76:
		v := consensus.ValidatorIndex(r.rng.IntN(r.nVal + 1))
		r.st.OnAttesterSlashing([]consensus.ValidatorIndex{v})
		r.ref.equiv[v] = true
		r.stats.slashings++
	case op < 79:
		before := len(r.ref.blocks)
		r.st.Prune()
		r.ref.prune()
		r.stats.prunedBlocks += before - len(r.ref.blocks)
	case op < 88:
		r.tick(r.ref.timeMs + uint64(r.rng.IntN(int(r.cfg.SlotDurationMs))))
	}
}

func (r *longRun) tick(ms uint64) {
	r.st.OnTick(ms)
	r.ref.onTick(ms)
}

// nextSlot starts the next slot and, unless its proposer is missing, adds
// a block on the reference head, timely or late.
func (r *longRun) nextSlot() {
	slot := r.ref.slot() + 1
	offset := uint64(r.rng.IntN(int(r.cfg.SlotDurationMs / 4)))
	if r.rng.IntN(4) == 0 {
		offset = r.cfg.SlotDurationMs/2 + offset // after the attestation deadline
	}
	r.tick(uint64(slot)*r.cfg.SlotDurationMs + offset)
	if r.rng.IntN(3) == 0 {
		return // missed slot
	}
	r.addBlock(r.ref.head(), slot)
}

// addBlock offers both stores a block on parent at slot (bumped past the
// parent's slot, which may make it a future block) with the parent's
// checkpoints, advanced once in a while. It reports whether the block was
// accepted, and checks that both stores agree on that.
func (r *longRun) addBlock(parent consensus.Root, slot consensus.Slot) bool {
	pb, known := r.ref.blocks[parent]
	if known && slot <= pb.Slot {
		slot = pb.Slot + 1
	}
	b := BlockInfo{Root: randRoot(r.rng), ParentRoot: parent, Slot: slot,
		JustifiedCheckpoint: pb.JustifiedCheckpoint, FinalizedCheckpoint: pb.FinalizedCheckpoint,
		UnrealizedJustified: r.ref.unrealJ[parent], UnrealizedFinalized: pb.UnrealizedFinalized}
	if known && r.rng.IntN(r.ffgOdds) == 0 {
		genBlockCheckpoints(r.rng, r.ref, &b, parent, b.JustifiedCheckpoint, b.FinalizedCheckpoint,
			b.UnrealizedJustified, b.UnrealizedFinalized)
	}
	j, f := r.ref.justified, r.ref.finalized
	err := r.st.OnBlock(b)
	ok := r.ref.onBlock(b)
	if (err == nil) != ok {
		r.fatalf("OnBlock err=%v, reference accepted=%v", err, ok)
	}
	if !ok {
		return false
	}
	r.roots = append(r.roots, b.Root)
	r.stats.blocks++
	if r.ref.boost == b.Root {
		r.stats.boosted++
	}
	if r.ref.justified != j {
		r.stats.justifications++
	}
	if r.ref.finalized != f {
		r.stats.finalizations++
	}
	return true
}

// committeeVote makes the committee of the previous slot vote for the
// reference head (or its ancestor at that slot).
func (r *longRun) committeeVote() {
	cur := r.ref.slot()
	if cur == 0 {
		return
	}
	aslot := cur - 1
	head := r.ref.ancestor(r.head, aslot) // no call since compare
	var vals []consensus.ValidatorIndex
	for v := range r.nVal {
		if uint64(v)%r.cfg.SlotsPerEpoch == uint64(aslot)%r.cfg.SlotsPerEpoch {
			vals = append(vals, consensus.ValidatorIndex(v))
		}
	}
	r.vote(vals, head, aslot, r.rng.IntN(4) == 0)
}

// oldVote makes a few validators vote for a random known block (pruned
// ones included) at a random slot since it, from a block or from the wire.
func (r *longRun) oldVote() {
	block := r.roots[r.rng.IntN(len(r.roots))]
	b, ok := r.ref.blocks[block]
	if !ok || b.Slot > r.ref.slot() {
		b.Slot = r.ref.slot()
	}
	aslot := b.Slot + consensus.Slot(r.rng.IntN(int(r.ref.slot()-b.Slot)+1))
	vals := make([]consensus.ValidatorIndex, 1+r.rng.IntN(3))
	for i := range vals {
		vals[i] = consensus.ValidatorIndex(r.rng.IntN(r.nVal))
	}
	if r.vote(vals, block, aslot, r.rng.IntN(2) == 0) {
		r.stats.oldVotes++
	}
}

// vote offers both stores an attestation of vals for head at aslot, with
// the matching target, and checks that both accept or reject it.
func (r *longRun) vote(vals []consensus.ValidatorIndex, head consensus.Root, aslot consensus.Slot, fromBlock bool) bool {
	te := r.ref.epochAt(aslot)
	d := consensus.AttestationData{Slot: aslot, BeaconBlockRoot: head,
		Target: consensus.Checkpoint{Epoch: te, Root: r.ref.checkpointBlock(head, te)}}
	err := r.st.OnAttestation(vals, d, fromBlock)
	ok := r.ref.onAttestation(vals, d, fromBlock)
	if (err == nil) != ok {
		r.fatalf("OnAttestation err=%v, reference accepted=%v (%+v)", err, ok, d)
	}
	return ok
}

// compare checks everything the Store exposes against the reference.
func (r *longRun) compare() {
	st, ref := r.st, r.ref
	h, rh := st.Head(), ref.head()
	if h != rh {
		r.fatalf("Head %x, reference %x", h[:4], rh[:4])
	}
	r.head = rh
	r.stats.heads++
	for _, tip := range r.forkTips {
		if tip == rh {
			r.stats.forkHeads++ // a late fork took the head
		}
	}
	if st.Justified() != ref.justified || st.Finalized() != ref.finalized ||
		st.UnrealizedJustified() != ref.uJustified || st.UnrealizedFinalized() != ref.uFinalized {
		r.fatalf("checkpoints J=%v F=%v UJ=%v UF=%v, reference J=%v F=%v UJ=%v UF=%v",
			st.Justified(), st.Finalized(), st.UnrealizedJustified(), st.UnrealizedFinalized(),
			ref.justified, ref.finalized, ref.uJustified, ref.uFinalized)
	}
	if st.ProposerBoostRoot() != ref.boost {
		r.fatalf("boost %x, reference %x", st.ProposerBoostRoot(), ref.boost)
	}
	if st.BlockCount() != len(ref.blocks) {
		r.fatalf("BlockCount %d, reference %d", st.BlockCount(), len(ref.blocks))
	}
	r.stats.maxBlocks = max(r.stats.maxBlocks, len(ref.blocks))
	var weights map[consensus.Root]consensus.Gwei
	if r.step%16 == 0 {
		weights = ref.weights() // the head's weights, checked against get_weight
	}
	for _, p := range []consensus.Root{rh, r.roots[r.rng.IntN(len(r.roots))], r.roots[0], ref.boost} {
		want := ref.weight(p)
		if _, ok := ref.blocks[p]; ok && weights != nil && weights[p] != want {
			r.fatalf("reference weights disagree for %x: %d and %d", p[:4], weights[p], want)
		}
		if w := st.Weight(p); w != want {
			r.fatalf("Weight(%x)=%d, reference %d", p[:4], w, want)
		}
	}
	r.compareBlock(r.roots[r.rng.IntN(len(r.roots))])
}

// compareBlock checks HasBlock, Block, Ancestor and CheckpointBlock for
// root.
func (r *longRun) compareBlock(root consensus.Root) {
	b, ok := r.ref.blocks[root]
	if r.st.HasBlock(root) != ok {
		r.fatalf("HasBlock(%x)=%v, reference %v", root[:4], !ok, ok)
	}
	got, gotOK := r.st.Block(root)
	if ok {
		b.UnrealizedJustified = r.ref.unrealJ[root]
	}
	if got != b || gotOK != ok {
		r.fatalf("Block(%x)=%+v %v, reference %+v %v", root[:4], got, gotOK, b, ok)
	}
	if !ok {
		return
	}
	slot := consensus.Slot(r.rng.IntN(int(b.Slot) + 2))
	if a, ra := r.st.Ancestor(root, slot), r.ref.ancestor(root, slot); a != ra {
		r.fatalf("Ancestor(%x, %d)=%x, reference %x", root[:4], slot, a[:4], ra[:4])
	}
	e := r.ref.epochAt(slot)
	if c, rc := r.st.CheckpointBlock(root, e), r.ref.checkpointBlock(root, e); c != rc {
		r.fatalf("CheckpointBlock(%x, %d)=%x, reference %x", root[:4], e, c[:4], rc[:4])
	}
}

// TestPruneDroppingEveryFork prunes a store whose only fork lies before the
// new finalized block, so that the kept blocks form one chain and every
// latest message left must be recounted on the rebuilt tree. Head and
// weights are compared with refStore before and after.
func TestPruneDroppingEveryFork(t *testing.T) {
	cfg := consensus.Minimal()
	cfg.ProposerScoreBoost = 0
	states := stateFunc(&cfg, 16, 1)
	g := BlockInfo{Root: rt("G")}
	st, ref := NewStore(&cfg, g, storeBalances(&cfg, states)), newRef(&cfg, g, states)
	tick := func(slot consensus.Slot) {
		st.OnTick(uint64(slot) * cfg.SlotDurationMs)
		ref.onTick(uint64(slot) * cfg.SlotDurationMs)
	}
	add := func(name, parent string, slot consensus.Slot, j, f consensus.Checkpoint) {
		b := BlockInfo{Root: rt(name), ParentRoot: rt(parent), Slot: slot,
			JustifiedCheckpoint: j, FinalizedCheckpoint: f, UnrealizedJustified: j, UnrealizedFinalized: f}
		if err, ok := st.OnBlock(b), ref.onBlock(b); err != nil || !ok {
			t.Fatalf("OnBlock(%s): %v, reference %v", name, err, ok)
		}
	}
	vote := func(from, to int, name string, slot consensus.Slot) {
		var vals []consensus.ValidatorIndex
		for v := from; v < to; v++ {
			vals = append(vals, consensus.ValidatorIndex(v))
		}
		e := ref.epochAt(slot)
		d := consensus.AttestationData{Slot: slot, BeaconBlockRoot: rt(name),
			Target: consensus.Checkpoint{Epoch: e, Root: ref.checkpointBlock(rt(name), e)}}
		if err, ok := st.OnAttestation(vals, d, true), ref.onAttestation(vals, d, true); err != nil || !ok {
			t.Fatalf("OnAttestation(%s): %v, reference %v", name, err, ok)
		}
	}
	compare := func(when string) {
		if h, rh := st.Head(), ref.head(); h != rh {
			t.Fatalf("%s: head %s, reference %s", when, nameOf(h), nameOf(rh))
		}
		for root := range ref.blocks {
			if w, rw := st.Weight(root), ref.weight(root); w != rw {
				t.Fatalf("%s: Weight(%s) = %d, reference %d", when, nameOf(root), w, rw)
			}
		}
	}
	g0 := consensus.Checkpoint{Root: rt("G")}
	tick(30)
	parent := "G"
	for i := 1; i <= 20; i++ {
		name := "A" + string(rune('a'+i))
		j, f := g0, g0
		if i == 20 {
			j = consensus.Checkpoint{Epoch: 2, Root: rt("Aq")} // A16
			f = consensus.Checkpoint{Epoch: 1, Root: rt("Ai")} // A8
		}
		add(name, parent, consensus.Slot(i), j, f)
		if i == 2 {
			add("F3", name, 3, g0, g0)
		}
		parent = name
	}
	vote(0, 6, "Am", 12) // A12
	vote(6, 9, "F3", 3)
	vote(9, 12, "At", 19) // A19
	compare("before Prune")
	st.Prune()
	ref.prune()
	if st.BlockCount() != 13 || len(ref.blocks) != 13 {
		t.Fatalf("%d blocks kept, reference %d, want 13", st.BlockCount(), len(ref.blocks))
	}
	compare("after Prune")
	vote(12, 16, "Al", 28) // A11, epoch 3
	compare("after a vote")
}
