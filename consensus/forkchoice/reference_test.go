package forkchoice

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/stakesim/stakesim/consensus"
)

// refStore is a naive fork-choice store written straight from
// specs/phase0/fork-choice.md: maps, recursion, one validator at a time. It
// shares no code with Store.
type refStore struct {
	cfg        *consensus.Config
	states     func(consensus.Checkpoint) *consensus.State // store.checkpoint_states
	timeMs     uint64
	justified  consensus.Checkpoint
	finalized  consensus.Checkpoint
	uJustified consensus.Checkpoint
	uFinalized consensus.Checkpoint
	boost      consensus.Root
	blocks     map[consensus.Root]BlockInfo
	unrealJ    map[consensus.Root]consensus.Checkpoint
	latest     map[consensus.ValidatorIndex]refMsg
	equiv      map[consensus.ValidatorIndex]bool
	autoPrune  bool
}

type refMsg struct {
	epoch consensus.Epoch
	root  consensus.Root
}

// Reference: get_forkchoice_store. states gives the checkpoint states.
func newRef(cfg *consensus.Config, anchor BlockInfo, states func(consensus.Checkpoint) *consensus.State) *refStore {
	cp := consensus.Checkpoint{Epoch: consensus.Epoch(uint64(anchor.Slot) / cfg.SlotsPerEpoch), Root: anchor.Root}
	return &refStore{
		cfg: cfg, states: states,
		timeMs:    uint64(anchor.Slot) * cfg.SlotDurationMs,
		justified: cp, finalized: cp, uJustified: cp, uFinalized: cp,
		blocks:  map[consensus.Root]BlockInfo{anchor.Root: anchor},
		unrealJ: map[consensus.Root]consensus.Checkpoint{anchor.Root: cp},
		latest:  map[consensus.ValidatorIndex]refMsg{},
		equiv:   map[consensus.ValidatorIndex]bool{},
	}
}

func (r *refStore) slot() consensus.Slot { return consensus.Slot(r.timeMs / r.cfg.SlotDurationMs) }
func (r *refStore) epochAt(s consensus.Slot) consensus.Epoch {
	return consensus.Epoch(uint64(s) / r.cfg.SlotsPerEpoch)
}
func (r *refStore) startSlot(e consensus.Epoch) consensus.Slot {
	return consensus.Slot(uint64(e) * r.cfg.SlotsPerEpoch)
}
func (r *refStore) epoch() consensus.Epoch { return r.epochAt(r.slot()) }

// Reference: get_ancestor, stopping at the oldest block of the store (the
// anchor, or the finalized block after prune), as doc.go documents.
func (r *refStore) ancestor(root consensus.Root, slot consensus.Slot) consensus.Root {
	b := r.blocks[root]
	if _, ok := r.blocks[b.ParentRoot]; ok && b.Slot > slot {
		return r.ancestor(b.ParentRoot, slot)
	}
	return root
}

// Reference: is_ancestor of get_weight. A latest message for a pruned
// block supports no block.
func (r *refStore) isAncestor(node, anc consensus.Root) bool {
	if _, ok := r.blocks[node]; !ok {
		return false
	}
	return r.ancestor(node, r.blocks[anc].Slot) == anc
}

// Reference: get_checkpoint_block.
func (r *refStore) checkpointBlock(root consensus.Root, e consensus.Epoch) consensus.Root {
	return r.ancestor(root, r.startSlot(e))
}

// Reference: the validators of get_active_validator_indices(state,
// get_current_epoch(state)) (is_active_validator).
func (r *refStore) activeIndices(state *consensus.State) []int {
	epoch := consensus.Epoch(uint64(state.Slot) / r.cfg.SlotsPerEpoch)
	var out []int
	for i, v := range state.Validators {
		if v.ActivationEpoch <= epoch && epoch < v.ExitEpoch {
			out = append(out, i)
		}
	}
	return out
}

// Reference: get_attestation_score's unslashed_and_active_indices, as a
// table of the effective balance each validator's latest message weighs
// (absent: the message is not counted).
func (r *refStore) attestationWeights() map[consensus.ValidatorIndex]consensus.Gwei {
	state := r.states(r.justified)
	out := map[consensus.ValidatorIndex]consensus.Gwei{}
	for _, i := range r.activeIndices(state) {
		if !state.Validators[i].Slashed {
			out[consensus.ValidatorIndex(i)] = state.Validators[i].EffectiveBalance
		}
	}
	return out
}

// Reference: get_weight, get_attestation_score, get_proposer_score.
func (r *refStore) weight(node consensus.Root) consensus.Gwei {
	var score consensus.Gwei
	for v, b := range r.attestationWeights() {
		m, ok := r.latest[v]
		if ok && !r.equiv[v] && r.isAncestor(m.root, node) {
			score += b
		}
	}
	if r.boost == (consensus.Root{}) {
		return score
	}
	if r.isAncestor(r.boost, node) {
		score += r.proposerScore()
	}
	return score
}

// Reference: get_proposer_score, compute_proposer_score on the justified
// checkpoint state, with get_total_active_balance: every active
// validator's effective balance, slashed ones included, at least
// EFFECTIVE_BALANCE_INCREMENT.
func (r *refStore) proposerScore() consensus.Gwei {
	state := r.states(r.justified)
	var total consensus.Gwei
	for _, i := range r.activeIndices(state) {
		total += state.Validators[i].EffectiveBalance
	}
	if total < r.cfg.EffectiveBalanceIncrement {
		total = r.cfg.EffectiveBalanceIncrement
	}
	committeeWeight := total / consensus.Gwei(r.cfg.SlotsPerEpoch)
	return committeeWeight * consensus.Gwei(r.cfg.ProposerScoreBoost) / 100
}

// weights returns get_weight of every block at once, for head on long
// chains: the sum of get_attestation_score turned around, each counted
// latest message (and the boost) adding its balance to its block and to
// every ancestor of it.
func (r *refStore) weights() map[consensus.Root]consensus.Gwei {
	out := map[consensus.Root]consensus.Gwei{}
	add := func(root consensus.Root, w consensus.Gwei) {
		for {
			b, ok := r.blocks[root]
			if !ok {
				return
			}
			out[root] += w
			root = b.ParentRoot
		}
	}
	for v, b := range r.attestationWeights() {
		if m, ok := r.latest[v]; ok && !r.equiv[v] {
			add(m.root, b)
		}
	}
	if r.boost != (consensus.Root{}) {
		add(r.boost, r.proposerScore())
	}
	return out
}

// children returns the children of every block.
func (r *refStore) children() map[consensus.Root][]consensus.Root {
	out := map[consensus.Root][]consensus.Root{}
	for c, b := range r.blocks {
		if _, ok := r.blocks[b.ParentRoot]; ok && c != b.ParentRoot {
			out[b.ParentRoot] = append(out[b.ParentRoot], c)
		}
	}
	return out
}

// Reference: get_voting_source.
func (r *refStore) votingSource(root consensus.Root) consensus.Checkpoint {
	b := r.blocks[root]
	if r.epoch() > r.epochAt(b.Slot) {
		return r.unrealJ[root]
	}
	return b.JustifiedCheckpoint
}

// Reference: filter_block_tree.
func (r *refStore) filter(root consensus.Root, kids map[consensus.Root][]consensus.Root, out map[consensus.Root]BlockInfo) bool {
	if children := kids[root]; len(children) > 0 {
		anyViable := false
		for _, c := range children {
			if r.filter(c, kids, out) {
				anyViable = true
			}
		}
		if anyViable {
			out[root] = r.blocks[root]
		}
		return anyViable
	}
	cur := r.epoch()
	vs := r.votingSource(root)
	correctJ := r.justified.Epoch == 0 || vs.Epoch == r.justified.Epoch || vs.Epoch+2 >= cur
	correctF := r.finalized.Epoch == 0 || r.finalized.Root == r.checkpointBlock(root, r.finalized.Epoch)
	if correctJ && correctF {
		out[root] = r.blocks[root]
		return true
	}
	return false
}

// Reference: get_head (with get_node_children over the filtered blocks).
func (r *refStore) head() consensus.Root {
	kids := r.children()
	start := r.headStart()
	blocks := map[consensus.Root]BlockInfo{}
	r.filter(start, kids, blocks)
	weight := r.weights()
	head := start
	for {
		var children []consensus.Root
		for _, c := range kids[head] {
			if _, ok := blocks[c]; ok {
				children = append(children, c)
			}
		}
		if len(children) == 0 {
			return head
		}
		best := children[0]
		for _, c := range children[1:] {
			if weight[c] > weight[best] || (weight[c] == weight[best] && bytes.Compare(c[:], best[:]) > 0) {
				best = c
			}
		}
		head = best
	}
}

// headStart is the block get_head starts from: the justified checkpoint
// block, or, when prune dropped it, the finalized block, or else the oldest
// block (as Head documents).
func (r *refStore) headStart() consensus.Root {
	if _, ok := r.blocks[r.justified.Root]; ok {
		return r.justified.Root
	}
	if _, ok := r.blocks[r.finalized.Root]; ok {
		return r.finalized.Root
	}
	for root, b := range r.blocks {
		if _, ok := r.blocks[b.ParentRoot]; !ok {
			return root // the only block without a parent in the store
		}
	}
	panic("no blocks")
}

// Reference: Store.Prune keeps the finalized block and its descendants.
func (r *refStore) prune() {
	f, ok := r.blocks[r.finalized.Root]
	if !ok {
		return
	}
	var drop []consensus.Root
	for root := range r.blocks {
		if r.ancestor(root, f.Slot) != r.finalized.Root {
			drop = append(drop, root)
		}
	}
	for _, root := range drop {
		delete(r.blocks, root)
	}
}

// Reference: update_checkpoints.
func (r *refStore) updateCheckpoints(j, f consensus.Checkpoint) {
	if j.Epoch > r.justified.Epoch {
		r.justified = j
	}
	if f.Epoch > r.finalized.Epoch {
		r.finalized = f
		if r.autoPrune {
			r.prune()
		}
	}
}

// Reference: on_tick and on_tick_per_slot, slot by slot.
func (r *refStore) onTick(t uint64) {
	if t <= r.timeMs {
		return
	}
	tickSlot := consensus.Slot(t / r.cfg.SlotDurationMs)
	for r.slot() < tickSlot {
		r.onTickPerSlot(uint64(r.slot()+1) * r.cfg.SlotDurationMs)
	}
	r.onTickPerSlot(t)
}

func (r *refStore) onTickPerSlot(t uint64) {
	prev := r.slot()
	r.timeMs = t
	cur := r.slot()
	if cur > prev {
		r.boost = consensus.Root{}
	}
	if cur > prev && uint64(cur)%r.cfg.SlotsPerEpoch == 0 {
		r.updateCheckpoints(r.uJustified, r.uFinalized)
	}
}

// Reference: on_block with record_block_timeliness, update_proposer_boost_root
// and compute_pulled_up_tip. It returns false where the spec asserts.
func (r *refStore) onBlock(b BlockInfo) bool {
	if _, ok := r.blocks[b.Root]; ok {
		return true
	}
	parent, ok := r.blocks[b.ParentRoot]
	if !ok || b.Slot <= parent.Slot || r.slot() < b.Slot {
		return false
	}
	if b.Slot <= r.startSlot(r.finalized.Epoch) {
		return false
	}
	if r.checkpointBlock(b.ParentRoot, r.finalized.Epoch) != r.finalized.Root {
		return false
	}
	head := r.head()
	r.blocks[b.Root] = b
	due := 3333 * r.cfg.SlotDurationMs / 10000
	timely := r.slot() == b.Slot && r.timeMs%r.cfg.SlotDurationMs < due
	e := r.epoch()
	dep := consensus.Slot(0)
	if uint64(e) > r.cfg.MinSeedLookahead {
		dep = r.startSlot(e-consensus.Epoch(r.cfg.MinSeedLookahead)) - 1
	}
	if timely && r.boost == (consensus.Root{}) && r.ancestor(head, dep) == r.ancestor(b.Root, dep) {
		r.boost = b.Root
	}
	r.updateCheckpoints(b.JustifiedCheckpoint, b.FinalizedCheckpoint)
	r.unrealJ[b.Root] = b.UnrealizedJustified
	if b.UnrealizedJustified.Epoch > r.uJustified.Epoch {
		r.uJustified = b.UnrealizedJustified
	}
	if b.UnrealizedFinalized.Epoch > r.uFinalized.Epoch {
		r.uFinalized = b.UnrealizedFinalized
	}
	if r.epochAt(b.Slot) < r.epoch() {
		r.updateCheckpoints(b.UnrealizedJustified, b.UnrealizedFinalized)
	}
	return true
}

// Reference: validate_on_attestation and update_latest_messages.
func (r *refStore) onAttestation(vals []consensus.ValidatorIndex, d consensus.AttestationData, fromBlock bool) bool {
	if !fromBlock {
		cur := r.epoch()
		prev := cur
		if cur > 0 {
			prev = cur - 1
		}
		if d.Target.Epoch != cur && d.Target.Epoch != prev {
			return false
		}
	}
	if d.Target.Epoch != r.epochAt(d.Slot) {
		return false
	}
	if _, ok := r.blocks[d.Target.Root]; !ok {
		return false
	}
	b, ok := r.blocks[d.BeaconBlockRoot]
	if !ok || b.Slot > d.Slot {
		return false
	}
	if d.Target.Root != r.checkpointBlock(d.BeaconBlockRoot, d.Target.Epoch) {
		return false
	}
	if r.slot() < d.Slot+1 {
		return false
	}
	for _, v := range vals {
		if r.equiv[v] {
			continue
		}
		if m, ok := r.latest[v]; !ok || d.Target.Epoch > m.epoch {
			r.latest[v] = refMsg{epoch: d.Target.Epoch, root: d.BeaconBlockRoot}
		}
	}
	return true
}

// randRoot draws a random root.
func randRoot(rng *rand.Rand) consensus.Root {
	var r consensus.Root
	for i := 0; i < 32; i += 8 {
		binary.LittleEndian.PutUint64(r[i:], rng.Uint64())
	}
	return r
}

// stateFunc returns a deterministic checkpoint-state callback: each
// checkpoint gets its own state at the first slot of its epoch, with
// validators of 1 to 4 increments of effective balance, of which about one
// in six is slashed but still active (counted by get_total_active_balance,
// not by get_attestation_score), one in twelve not yet active, one in twelve
// exited (slashed or not).
func stateFunc(cfg *consensus.Config, nVal int, seed uint64) func(consensus.Checkpoint) *consensus.State {
	return func(cp consensus.Checkpoint) *consensus.State {
		rng := rand.New(rand.NewPCG(seed^uint64(cp.Epoch), binary.LittleEndian.Uint64(cp.Root[:])))
		st := &consensus.State{Slot: consensus.ComputeStartSlotAtEpoch(cfg, cp.Epoch),
			Validators: make([]consensus.Validator, nVal)}
		for i := range st.Validators {
			v := consensus.Validator{
				EffectiveBalance: consensus.Gwei(1+rng.IntN(4)) * cfg.EffectiveBalanceIncrement,
				ActivationEpoch:  0,
				ExitEpoch:        consensus.FarFutureEpoch,
			}
			switch rng.IntN(12) {
			case 0, 1: // slashed, exiting later
				v.Slashed = true
				v.ExitEpoch = cp.Epoch + 1 + consensus.Epoch(rng.IntN(4))
			case 2: // not yet active
				v.ActivationEpoch = cp.Epoch + 1
			case 3: // exited, slashed or not
				v.ExitEpoch = cp.Epoch
				v.Slashed = rng.IntN(2) == 0
			}
			*st.MutValidator(consensus.ValidatorIndex(i)) = v
		}
		return st
	}
}

// storeBalances is the Store's balances callback for the same checkpoint
// states: BalancesOf each.
func storeBalances(cfg *consensus.Config, states func(consensus.Checkpoint) *consensus.State) func(consensus.Checkpoint) CheckpointBalances {
	return func(cp consensus.Checkpoint) CheckpointBalances { return BalancesOf(cfg, states(cp)) }
}

// genCheckpoint picks a checkpoint for a block at slot with parent: either
// base or a later epoch (up to the block's epoch) whose checkpoint block is
// on the block's chain.
func genCheckpoint(rng *rand.Rand, r *refStore, base consensus.Checkpoint, parent, root consensus.Root, slot consensus.Slot) consensus.Checkpoint {
	maxE := r.epochAt(slot)
	if base.Epoch >= maxE || rng.IntN(3) != 0 {
		return base
	}
	e := base.Epoch + 1 + consensus.Epoch(rng.IntN(int(maxE-base.Epoch)))
	if r.startSlot(e) >= slot {
		return consensus.Checkpoint{Epoch: e, Root: root}
	}
	return consensus.Checkpoint{Epoch: e, Root: r.ancestor(parent, r.startSlot(e))}
}

// genBlockCheckpoints sets b's realized and pulled-up checkpoints from its
// parent's (pj, pf, puj, puf), each possibly advanced along b's chain.
func genBlockCheckpoints(rng *rand.Rand, ref *refStore, b *BlockInfo, parent consensus.Root, pj, pf, puj, puf consensus.Checkpoint) {
	b.JustifiedCheckpoint = genCheckpoint(rng, ref, pj, parent, b.Root, b.Slot)
	b.FinalizedCheckpoint = minCp(genCheckpoint(rng, ref, pf, parent, b.Root, b.Slot), b.JustifiedCheckpoint)
	if b.FinalizedCheckpoint.Epoch < pf.Epoch {
		b.FinalizedCheckpoint = pf
	}
	uj := puj
	if uj.Epoch < b.JustifiedCheckpoint.Epoch {
		uj = b.JustifiedCheckpoint
	}
	b.UnrealizedJustified = genCheckpoint(rng, ref, uj, parent, b.Root, b.Slot)
	uf := puf
	if uf.Epoch < b.FinalizedCheckpoint.Epoch {
		uf = b.FinalizedCheckpoint
	}
	b.UnrealizedFinalized = genCheckpoint(rng, ref, uf, parent, b.Root, b.Slot)
	if b.UnrealizedFinalized.Epoch > b.UnrealizedJustified.Epoch {
		b.UnrealizedFinalized = uf
	}
}

func minCp(a, b consensus.Checkpoint) consensus.Checkpoint {
	if a.Epoch <= b.Epoch {
		return a
	}
	return b
}

// TestHeadMatchesReference drives Store and the naive refStore with the same
// random ticks, blocks (several branches, random realized and pulled-up
// checkpoints), attestations (valid and invalid), slashings and boost
// settings, and checks after every step that both accept the same calls and
// agree on the head, the checkpoints and the weights.
// Reference: phase0 fork-choice.md, get_head / get_weight / filter_block_tree.
func TestHeadMatchesReference(t *testing.T) {
	const cases = 600
	var heads, nonGenesisFinal, rejectedBlocks, boosted, distinctHeads int
	for seed := range uint64(cases) {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		cfg := consensus.Minimal()
		cfg.SlotsPerEpoch = []uint64{2, 3, 4, 8}[rng.IntN(4)]
		cfg.ProposerScoreBoost = []uint64{0, 40, 40, 100}[rng.IntN(4)]
		nVal := 4 + rng.IntN(40)
		states := stateFunc(&cfg, nVal, seed)
		anchor := BlockInfo{Root: randRoot(rng)}
		st := NewStore(&cfg, anchor, storeBalances(&cfg, states))
		ref := newRef(&cfg, anchor, states)
		roots := []consensus.Root{anchor.Root}
		seen := map[consensus.Root]bool{}

		steps := 40 + rng.IntN(120)
		for step := range steps {
			switch op := rng.IntN(10); {
			case op < 2: // tick
				t1 := ref.timeMs + uint64(rng.IntN(int(2*cfg.SlotDurationMs)))
				st.OnTick(t1)
				ref.onTick(t1)
			case op < 5: // block
				var parent consensus.Root
				if rng.IntN(3) == 0 {
					parent = roots[rng.IntN(len(roots))]
				} else {
					parent = roots[len(roots)-1-rng.IntN(min(3, len(roots)))]
				}
				pb := ref.blocks[parent]
				slot := pb.Slot + 1 + consensus.Slot(rng.IntN(3))
				if rng.IntN(10) == 0 { // occasionally a future block
					slot = ref.slot() + 1
				}
				if slot <= pb.Slot {
					slot = pb.Slot + 1
				}
				b := BlockInfo{Root: randRoot(rng), ParentRoot: parent, Slot: slot}
				if rng.IntN(20) == 0 { // unknown parent
					b.ParentRoot = randRoot(rng)
				}
				pj, pf := pb.JustifiedCheckpoint, pb.FinalizedCheckpoint
				puj, puf := ref.unrealJ[parent], pb.UnrealizedFinalized
				if parent == anchor.Root {
					pj = consensus.Checkpoint{Root: anchor.Root}
					pf, puj, puf = pj, pj, pj
				}
				genBlockCheckpoints(rng, ref, &b, parent, pj, pf, puj, puf)
				err := st.OnBlock(b)
				ok := ref.onBlock(b)
				if (err == nil) != ok {
					t.Fatalf("seed %d step %d: OnBlock err=%v, reference accepted=%v", seed, step, err, ok)
				}
				if ok {
					if _, dup := seen[b.Root]; !dup {
						roots = append(roots, b.Root)
						seen[b.Root] = true
					}
					if ref.boost == b.Root {
						boosted++
					}
				} else {
					rejectedBlocks++
				}
			case op < 8: // attestation
				br := roots[rng.IntN(len(roots))]
				bb := ref.blocks[br]
				aslot := bb.Slot + consensus.Slot(rng.IntN(2*int(cfg.SlotsPerEpoch)))
				te := ref.epochAt(aslot)
				d := consensus.AttestationData{Slot: aslot, BeaconBlockRoot: br,
					Target: consensus.Checkpoint{Epoch: te, Root: ref.checkpointBlock(br, te)}}
				switch rng.IntN(12) {
				case 0:
					d.BeaconBlockRoot = randRoot(rng)
				case 1:
					d.Target.Root = roots[rng.IntN(len(roots))]
				case 2:
					d.Target.Epoch++
				}
				n := 1 + rng.IntN(nVal)
				vals := make([]consensus.ValidatorIndex, n)
				for i := range vals {
					vals[i] = consensus.ValidatorIndex(rng.IntN(nVal + 2))
				}
				fromBlock := rng.IntN(4) == 0
				err := st.OnAttestation(vals, d, fromBlock)
				ok := ref.onAttestation(vals, d, fromBlock)
				if (err == nil) != ok {
					t.Fatalf("seed %d step %d: OnAttestation err=%v, reference accepted=%v (%+v)", seed, step, err, ok, d)
				}
			case op < 9: // slashing
				if rng.IntN(4) == 0 {
					v := consensus.ValidatorIndex(rng.IntN(nVal))
					st.OnAttesterSlashing([]consensus.ValidatorIndex{v})
					ref.equiv[v] = true
				}
			default: // head check only
			}
			h, rh := st.Head(), ref.head()
			heads++
			if h != rh {
				t.Fatalf("seed %d step %d: Head %x, reference %x", seed, step, h[:4], rh[:4])
			}
			if st.Justified() != ref.justified || st.Finalized() != ref.finalized {
				t.Fatalf("seed %d step %d: checkpoints J=%v F=%v, reference J=%v F=%v",
					seed, step, st.Justified(), st.Finalized(), ref.justified, ref.finalized)
			}
			if st.ProposerBoostRoot() != ref.boost {
				t.Fatalf("seed %d step %d: boost %x, reference %x", seed, step, st.ProposerBoostRoot(), ref.boost)
			}
			probe := roots[rng.IntN(len(roots))]
			if w, rw := st.Weight(probe), ref.weight(probe); w != rw {
				t.Fatalf("seed %d step %d: Weight(%x)=%d, reference %d", seed, step, probe[:4], w, rw)
			}
		}
		if ref.finalized.Epoch > 0 {
			nonGenesisFinal++
		}
		if ref.head() != anchor.Root {
			distinctHeads++
		}
	}
	// The generator must reach the interesting regions, or the comparison
	// proves little.
	if nonGenesisFinal < cases/10 || rejectedBlocks == 0 || boosted == 0 || distinctHeads < cases/2 {
		t.Fatalf("weak coverage: %d cases with finality, %d rejected blocks, %d boosted, %d non-anchor heads",
			nonGenesisFinal, rejectedBlocks, boosted, distinctHeads)
	}
	t.Logf("%d cases, %d head comparisons, %d with finality, %d rejected blocks, %d boosted blocks",
		cases, heads, nonGenesisFinal, rejectedBlocks, boosted)
}
