package forkchoice

import (
	"errors"
	"testing"

	"github.com/stakesim/stakesim/consensus"
)

const eth = consensus.Gwei(1_000_000_000)

// rt names a test block.
func rt(name string) consensus.Root {
	var r consensus.Root
	copy(r[:], name)
	return r
}

// uniform returns a balances callback giving n validators 32 ETH each.
func uniform(n int) func(consensus.Checkpoint) []consensus.Gwei {
	bal := make([]consensus.Gwei, n)
	for i := range bal {
		bal[i] = 32 * eth
	}
	return func(consensus.Checkpoint) []consensus.Gwei { return bal }
}

// testCfg is the minimal preset: 8 slots of 6 s per epoch.
func testCfg(boost uint64) *consensus.Config {
	c := consensus.Minimal()
	c.ProposerScoreBoost = boost
	return &c
}

// genesisStore returns a store anchored at block "G" at slot 0.
func genesisStore(cfg *consensus.Config, nVal int) *Store {
	return newWeighted(cfg, BlockInfo{Root: rt("G")}, uniform(nVal))
}

var g0 = consensus.Checkpoint{Root: rt("G")}

// add inserts a block with genesis checkpoints.
func add(t *testing.T, s *Store, name, parent string, slot consensus.Slot) {
	t.Helper()
	addCp(t, s, name, parent, slot, g0, g0, g0, g0)
}

// addCp inserts a block with the given realized and pulled-up checkpoints.
func addCp(t *testing.T, s *Store, name, parent string, slot consensus.Slot, j, f, uj, uf consensus.Checkpoint) {
	t.Helper()
	err := s.OnBlock(BlockInfo{Root: rt(name), ParentRoot: rt(parent), Slot: slot,
		JustifiedCheckpoint: j, FinalizedCheckpoint: f, UnrealizedJustified: uj, UnrealizedFinalized: uf})
	if err != nil {
		t.Fatalf("OnBlock(%s): %v", name, err)
	}
}

// tickSlot moves the clock to offsetMs into slot.
func tickSlot(s *Store, slot consensus.Slot, offsetMs uint64) {
	s.OnTick(uint64(slot)*s.cfg.SlotDurationMs + offsetMs)
}

// vote makes validators [from, to) attest at slot for head block name.
func vote(t *testing.T, s *Store, from, to int, name string, slot consensus.Slot) {
	t.Helper()
	vals := make([]consensus.ValidatorIndex, 0, to-from)
	for i := from; i < to; i++ {
		vals = append(vals, consensus.ValidatorIndex(i))
	}
	e := consensus.ComputeEpochAtSlot(s.cfg, slot)
	d := consensus.AttestationData{Slot: slot, BeaconBlockRoot: rt(name),
		Target: consensus.Checkpoint{Epoch: e, Root: s.CheckpointBlock(rt(name), e)}}
	if err := s.OnAttestation(vals, d, false); err != nil {
		t.Fatalf("OnAttestation(%s, slot %d): %v", name, slot, err)
	}
}

func nameOf(r consensus.Root) string {
	n := 0
	for n < len(r) && r[n] != 0 {
		n++
	}
	return string(r[:n])
}

// TestProposerBoost: a timely block for the current slot outweighs a
// sibling with three votes when the boost is on (64 validators x 32 ETH:
// committee weight 2048/8 = 256 ETH, boost 40% = 102.4 ETH > 96 ETH), does
// nothing when PROPOSER_SCORE_BOOST is 0 or the block is late, and wears off
// at the next slot.
// Reference: phase0 fork-choice.md, get_weight, record_block_timeliness,
// update_proposer_boost_root, on_tick_per_slot.
func TestProposerBoost(t *testing.T) {
	tests := []struct {
		name      string
		boost     uint64
		arriveMs  uint64 // time into slot 2 when B arrives
		wantHead  string
		wantBoost bool
	}{
		{"boost flips the race", 40, 100, "B", true},
		{"boost off", 0, 100, "A", true},
		{"late block gets no boost", 40, 1999, "A", false}, // due = 3333*6000/10000 = 1999 ms
		{"last timely millisecond", 40, 1998, "B", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := genesisStore(testCfg(tc.boost), 64)
			tickSlot(s, 1, 0)
			add(t, s, "A", "G", 1)
			tickSlot(s, 2, 0)
			vote(t, s, 0, 3, "A", 1)
			if got := nameOf(s.Head()); got != "A" {
				t.Fatalf("head before B = %s, want A", got)
			}
			tickSlot(s, 2, tc.arriveMs)
			add(t, s, "B", "G", 2)
			if got := s.ProposerBoostRoot() == rt("B"); got != tc.wantBoost {
				t.Fatalf("boost root set = %v, want %v", got, tc.wantBoost)
			}
			wantScore := 2048 * eth / 8 * consensus.Gwei(tc.boost) / 100
			if !tc.wantBoost {
				wantScore = 0
			}
			if w := s.Weight(rt("B")); w != wantScore {
				t.Fatalf("Weight(B) = %d, want %d", w, wantScore)
			}
			if w := s.Weight(rt("G")); w != 96*eth+wantScore {
				t.Fatalf("Weight(G) = %d, want %d", w, 96*eth+wantScore)
			}
			if got := nameOf(s.Head()); got != tc.wantHead {
				t.Fatalf("head = %s, want %s", got, tc.wantHead)
			}
			tickSlot(s, 3, 0)
			if s.ProposerBoostRoot() != (consensus.Root{}) || nameOf(s.Head()) != "A" {
				t.Fatalf("after the slot: boost %x head %s, want no boost and head A", s.ProposerBoostRoot(), nameOf(s.Head()))
			}
		})
	}
}

// TestProposerBoostFirstBlockOnly: a second timely block in the same slot
// does not take the boost from the first.
// Reference: update_proposer_boost_root, is_first_block.
func TestProposerBoostFirstBlockOnly(t *testing.T) {
	s := genesisStore(testCfg(40), 64)
	tickSlot(s, 1, 10)
	add(t, s, "A", "G", 1)
	add(t, s, "B", "G", 1)
	if s.ProposerBoostRoot() != rt("A") {
		t.Fatalf("boost root %q, want A", nameOf(s.ProposerBoostRoot()))
	}
	if got := nameOf(s.Head()); got != "A" {
		t.Fatalf("head %s, want A (boosted, though B has the larger root)", got)
	}
}

// TestEquivocatingWeightDisappears: slashing three of A's five voters moves
// 96 ETH off A and flips the head to B; later votes of slashed validators
// are ignored.
// Reference: on_attester_slashing, get_attestation_score, update_latest_messages.
func TestEquivocatingWeightDisappears(t *testing.T) {
	s := genesisStore(testCfg(0), 64)
	tickSlot(s, 1, 0)
	add(t, s, "A", "G", 1)
	add(t, s, "B", "G", 1)
	tickSlot(s, 2, 0)
	vote(t, s, 0, 5, "A", 1)
	vote(t, s, 5, 9, "B", 1)
	if w := s.Weight(rt("A")); w != 5*32*eth {
		t.Fatalf("Weight(A) = %d, want 160 ETH", w)
	}
	if got := nameOf(s.Head()); got != "A" {
		t.Fatalf("head %s, want A", got)
	}
	s.OnAttesterSlashing([]consensus.ValidatorIndex{0, 1, 2})
	if w := s.Weight(rt("A")); w != 2*32*eth {
		t.Fatalf("after slashing Weight(A) = %d, want 64 ETH", w)
	}
	if got := nameOf(s.Head()); got != "B" {
		t.Fatalf("after slashing head %s, want B", got)
	}
	// New epoch: the slashed validators vote again; it must not count.
	tickSlot(s, 9, 0)
	add(t, s, "A2", "A", 9)
	tickSlot(s, 10, 0)
	vote(t, s, 0, 3, "A2", 9)
	if w := s.Weight(rt("A")); w != 2*32*eth {
		t.Fatalf("slashed votes counted: Weight(A) = %d, want 64 ETH", w)
	}
	if !s.IsEquivocating(1) || s.IsEquivocating(3) {
		t.Fatal("IsEquivocating wrong")
	}
}

// TestAttestationValidation checks each validate_on_attestation rule, and
// that a rejected attestation leaves the weights unchanged.
// Reference: validate_on_attestation, validate_target_epoch_against_current_time.
func TestAttestationValidation(t *testing.T) {
	cp := func(e consensus.Epoch, r string) consensus.Checkpoint {
		return consensus.Checkpoint{Epoch: e, Root: rt(r)}
	}
	tests := []struct {
		name      string
		data      consensus.AttestationData
		fromBlock bool
		want      error
	}{
		{"valid", consensus.AttestationData{Slot: 17, BeaconBlockRoot: rt("C17"), Target: cp(2, "C16")}, false, nil},
		{"valid previous epoch", consensus.AttestationData{Slot: 9, BeaconBlockRoot: rt("C9"), Target: cp(1, "C8")}, false, nil},
		{"too old target", consensus.AttestationData{Slot: 1, BeaconBlockRoot: rt("C1"), Target: cp(0, "G")}, false, ErrTargetEpoch},
		{"too old target from block", consensus.AttestationData{Slot: 1, BeaconBlockRoot: rt("C1"), Target: cp(0, "G")}, true, nil},
		{"future target epoch", consensus.AttestationData{Slot: 24, BeaconBlockRoot: rt("C17"), Target: cp(3, "C17")}, false, ErrTargetEpoch},
		{"future target from block", consensus.AttestationData{Slot: 24, BeaconBlockRoot: rt("C17"), Target: cp(3, "C17")}, true, ErrEarlyAttestation},
		{"target epoch not slot epoch", consensus.AttestationData{Slot: 17, BeaconBlockRoot: rt("C17"), Target: cp(1, "C8")}, false, ErrTargetMismatch},
		{"unknown head block", consensus.AttestationData{Slot: 17, BeaconBlockRoot: rt("nope"), Target: cp(2, "C16")}, false, ErrUnknownBlock},
		{"unknown target block", consensus.AttestationData{Slot: 17, BeaconBlockRoot: rt("C17"), Target: cp(2, "nope")}, false, ErrUnknownBlock},
		{"head newer than slot", consensus.AttestationData{Slot: 16, BeaconBlockRoot: rt("C17"), Target: cp(2, "C16")}, false, ErrFutureVote},
		{"target not head's checkpoint", consensus.AttestationData{Slot: 17, BeaconBlockRoot: rt("C17"), Target: cp(2, "C17")}, false, ErrTargetMismatch},
		{"current slot", consensus.AttestationData{Slot: 18, BeaconBlockRoot: rt("C17"), Target: cp(2, "C16")}, false, ErrEarlyAttestation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := genesisStore(testCfg(0), 16)
			tickSlot(s, 17, 0)
			parent := "G"
			for slot := consensus.Slot(1); slot <= 17; slot++ {
				name := "C" + itoa(int(slot))
				add(t, s, name, parent, slot)
				parent = name
			}
			tickSlot(s, 18, 0)
			before := s.Weight(rt("C1"))
			err := s.OnAttestation([]consensus.ValidatorIndex{3, 4}, tc.data, tc.fromBlock)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("OnAttestation: %v", err)
				}
				if w := s.Weight(tc.data.BeaconBlockRoot); w != 64*eth {
					t.Fatalf("Weight = %d, want 64 ETH", w)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if s.Weight(rt("C1")) != before {
				t.Fatal("rejected attestation changed the weights")
			}
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestLatestMessageNeedsNewerEpoch: a second vote in the same target epoch
// does not replace the first; one in a later epoch does.
// Reference: update_latest_messages.
func TestLatestMessageNeedsNewerEpoch(t *testing.T) {
	s := genesisStore(testCfg(0), 8)
	tickSlot(s, 1, 0)
	add(t, s, "A", "G", 1)
	add(t, s, "B", "G", 1)
	tickSlot(s, 3, 0)
	vote(t, s, 0, 1, "A", 1)
	vote(t, s, 0, 1, "B", 2)
	if s.Weight(rt("A")) != 32*eth || s.Weight(rt("B")) != 0 {
		t.Fatalf("same-epoch vote replaced the latest message: A=%d B=%d", s.Weight(rt("A")), s.Weight(rt("B")))
	}
	tickSlot(s, 9, 0)
	vote(t, s, 0, 1, "B", 8)
	if s.Weight(rt("A")) != 0 || s.Weight(rt("B")) != 32*eth {
		t.Fatalf("newer-epoch vote ignored: A=%d B=%d", s.Weight(rt("A")), s.Weight(rt("B")))
	}
}

// finalizedChain builds G <- C1 <- ... <- C17 and a side branch S5 off C4,
// with C17 reporting justified (2, C16) and finalized (1, C8); the clock
// is at slot 18.
func finalizedChain(t *testing.T, s *Store) {
	t.Helper()
	tickSlot(s, 18, 0)
	parent := "G"
	for slot := consensus.Slot(1); slot <= 16; slot++ {
		name := "C" + itoa(int(slot))
		add(t, s, name, parent, slot)
		parent = name
	}
	add(t, s, "S5", "C4", 5)
	add(t, s, "S6", "S5", 6)
	j := consensus.Checkpoint{Epoch: 2, Root: rt("C16")}
	f := consensus.Checkpoint{Epoch: 1, Root: rt("C8")}
	addCp(t, s, "C17", "C16", 17, j, f, j, f)
	if s.Finalized() != f || s.Justified() != j {
		t.Fatalf("checkpoints J=%v F=%v, want J=%v F=%v", s.Justified(), s.Finalized(), j, f)
	}
}

// TestRejectsNonFinalizedDescendant: once (1, C8) is finalized, a block on
// a branch that left the chain before C8, or one at or before the finalized
// slot, is rejected; the canonical chain still grows.
// Reference: on_block, the finalized-descendant asserts.
func TestRejectsNonFinalizedDescendant(t *testing.T) {
	s := genesisStore(testCfg(40), 16)
	finalizedChain(t, s)
	tests := []struct {
		name, parent string
		slot         consensus.Slot
		want         error
	}{
		{"side branch", "S6", 18, ErrNotDescendant},
		{"off genesis", "G", 18, ErrNotDescendant},
		{"at finalized slot", "C7", 8, ErrNotDescendant},
		{"unknown parent", "X", 18, ErrUnknownParent},
		{"future slot", "C17", 19, ErrFutureBlock},
		{"slot not after parent", "C17", 17, ErrBlockSlot},
		{"canonical", "C17", 18, nil},
		{"fork after finalized block", "C9", 18, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := s.BlockCount()
			err := s.OnBlock(BlockInfo{Root: rt("new-" + tc.name), ParentRoot: rt(tc.parent), Slot: tc.slot})
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want != nil && s.BlockCount() != n {
				t.Fatal("rejected block was stored")
			}
		})
	}
}

// TestJustificationFiltering: after C16 is justified (epoch 2), branch X
// carries only justified epoch 1 and is heavier; while it is recent enough
// (voting source + 2 >= current epoch) it is the head, and from epoch 4 it
// is filtered out and the lighter branch Y, carrying (2, C16), wins.
// Reference: filter_block_tree, get_voting_source.
func TestJustificationFiltering(t *testing.T) {
	s := genesisStore(testCfg(0), 64)
	tickSlot(s, 27, 0)
	parent := "G"
	for slot := consensus.Slot(1); slot <= 16; slot++ {
		name := "C" + itoa(int(slot))
		add(t, s, name, parent, slot)
		parent = name
	}
	old := consensus.Checkpoint{Epoch: 1, Root: rt("C8")}
	cur := consensus.Checkpoint{Epoch: 2, Root: rt("C16")}
	addCp(t, s, "X26", "C16", 26, old, g0, old, g0)
	addCp(t, s, "Y25", "C16", 25, cur, g0, cur, g0)
	if s.Justified() != cur {
		t.Fatalf("justified %v, want %v", s.Justified(), cur)
	}
	vote(t, s, 0, 10, "X26", 26)
	vote(t, s, 10, 12, "Y25", 26)
	if got := nameOf(s.Head()); got != "X26" {
		t.Fatalf("epoch 3: head %s, want X26 (voting source epoch 1 + 2 >= 3)", got)
	}
	tickSlot(s, 33, 0)
	if s.Weight(rt("X26")) <= s.Weight(rt("Y25")) {
		t.Fatalf("test setup: X26 (%d) should outweigh Y25 (%d)", s.Weight(rt("X26")), s.Weight(rt("Y25")))
	}
	if got := nameOf(s.Head()); got != "Y25" {
		t.Fatalf("epoch 4: head %s, want Y25 (X26's voting source is stale)", got)
	}
}

// TestUnrealizedPullUp: a block from a prior epoch realizes its pulled-up
// checkpoints at once; one from the current epoch only at the next epoch
// boundary tick.
// Reference: compute_pulled_up_tip, on_tick_per_slot.
func TestUnrealizedPullUp(t *testing.T) {
	j1 := consensus.Checkpoint{Epoch: 1, Root: rt("C8")}
	s := genesisStore(testCfg(0), 8)
	tickSlot(s, 15, 0)
	parent := "G"
	for slot := consensus.Slot(1); slot <= 15; slot++ {
		name := "C" + itoa(int(slot))
		if slot == 15 {
			addCp(t, s, name, parent, slot, g0, g0, j1, g0)
		} else {
			add(t, s, name, parent, slot)
		}
		parent = name
	}
	if s.Justified() != g0 || s.UnrealizedJustified() != j1 {
		t.Fatalf("current-epoch block: J=%v UJ=%v, want J=genesis UJ=%v", s.Justified(), s.UnrealizedJustified(), j1)
	}
	tickSlot(s, 16, 0)
	if s.Justified() != j1 {
		t.Fatalf("after the epoch boundary J=%v, want %v", s.Justified(), j1)
	}

	// The same block delivered late (store already in epoch 2).
	s2 := genesisStore(testCfg(0), 8)
	tickSlot(s2, 17, 0)
	parent = "G"
	for slot := consensus.Slot(1); slot <= 15; slot++ {
		name := "C" + itoa(int(slot))
		if slot == 15 {
			addCp(t, s2, name, parent, slot, g0, g0, j1, g0)
		} else {
			add(t, s2, name, parent, slot)
		}
		parent = name
	}
	if s2.Justified() != j1 {
		t.Fatalf("prior-epoch block: J=%v, want %v at once", s2.Justified(), j1)
	}
}

// TestParallelBranchesDisjointVoters grows two branches side by side for
// three epochs, each voted for by its own validators every slot; the head
// is the tip of the branch with more stake, and each tip's weight is its
// voters' stake.
func TestParallelBranchesDisjointVoters(t *testing.T) {
	tests := []struct {
		name   string
		nA, nB int
		want   string
	}{
		{"A heavier", 40, 24, "A"},
		{"B heavier", 20, 44, "B"},
		{"B by one validator", 32, 33, "B"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := genesisStore(testCfg(40), tc.nA+tc.nB)
			const last = 24
			for slot := consensus.Slot(1); slot <= last; slot++ {
				tickSlot(s, slot, 500)
				pa, pb := "A"+itoa(int(slot)-1), "B"+itoa(int(slot)-1)
				if slot == 1 {
					pa, pb = "G", "G"
				}
				add(t, s, "A"+itoa(int(slot)), pa, slot)
				add(t, s, "B"+itoa(int(slot)), pb, slot)
				if slot > 1 {
					vote(t, s, 0, tc.nA, "A"+itoa(int(slot)-1), slot-1)
					vote(t, s, tc.nA, tc.nA+tc.nB, "B"+itoa(int(slot)-1), slot-1)
				}
			}
			tickSlot(s, last+1, 0)
			vote(t, s, 0, tc.nA, "A"+itoa(last), last)
			vote(t, s, tc.nA, tc.nA+tc.nB, "B"+itoa(last), last)
			want := tc.want + itoa(last)
			if got := nameOf(s.Head()); got != want {
				t.Fatalf("head %s, want %s", got, want)
			}
			// Latest messages are per target epoch: each validator's vote is
			// its first one in epoch 3 (slot 24), on the branch tip.
			if w := s.Weight(rt("A" + itoa(last))); w != consensus.Gwei(tc.nA)*32*eth {
				t.Fatalf("Weight(A tip) = %d, want %d", w, consensus.Gwei(tc.nA)*32*eth)
			}
			if w := s.Weight(rt("G")); w != consensus.Gwei(tc.nA+tc.nB)*32*eth {
				t.Fatalf("Weight(G) = %d, want all stake", w)
			}
		})
	}
}

// TestPrune: Prune drops the blocks outside the finalized block's subtree
// and keeps the head, the weights of kept blocks and the ability to extend
// and vote; SetAutoPrune prunes as finality advances.
func TestPrune(t *testing.T) {
	for _, auto := range []bool{false, true} {
		s := genesisStore(testCfg(40), 16)
		s.SetAutoPrune(auto)
		finalizedChain(t, s)
		add(t, s, "D10", "C9", 10) // fork after the finalized block: kept
		tickSlot(s, 19, 0)
		vote(t, s, 0, 6, "C17", 18)
		vote(t, s, 6, 9, "D10", 18)
		wantFresh := consensus.Gwei(7) // validators 9..15 vote for C19 below
		if auto {
			if s.HasBlock(rt("S6")) {
				t.Fatal("auto-prune kept S6 after finality advanced")
			}
		} else {
			vote(t, s, 9, 12, "S6", 18)
			wantFresh = 4 // 9..11 already voted in epoch 2
		}
		head := s.Head()
		wantW := map[string]consensus.Gwei{}
		for _, n := range []string{"C8", "C9", "C17", "D10"} {
			wantW[n] = s.Weight(rt(n))
		}
		s.Prune()
		for _, n := range []string{"G", "C4", "C7", "S5", "S6"} {
			if s.HasBlock(rt(n)) {
				t.Fatalf("auto=%v: %s survived Prune", auto, n)
			}
		}
		for n, w := range wantW {
			if !s.HasBlock(rt(n)) || s.Weight(rt(n)) != w {
				t.Fatalf("auto=%v: %s lost or reweighed by Prune (%d, want %d)", auto, n, s.Weight(rt(n)), w)
			}
		}
		if s.Head() != head || s.BlockCount() != 11 {
			t.Fatalf("auto=%v: head %s (want %s), %d blocks (want 11)", auto, nameOf(s.Head()), nameOf(head), s.BlockCount())
		}
		if got := s.Ancestor(rt("C17"), 3); got != rt("C8") {
			t.Fatalf("auto=%v: Ancestor below the pruned boundary = %s, want C8", auto, nameOf(got))
		}
		add(t, s, "C19", "C17", 19)
		tickSlot(s, 20, 0)
		// S6's voters keep their epoch-2 latest message although S6 is gone,
		// so their new epoch-2 votes are ignored; fresh voters count.
		vote(t, s, 9, 16, "C19", 19)
		if w := s.Weight(rt("C19")); w != wantFresh*32*eth {
			t.Fatalf("auto=%v: Weight(C19) = %d, want %d", auto, w, wantFresh*32*eth)
		}
		if got := nameOf(s.Head()); got != "C19" {
			t.Fatalf("auto=%v: head after growth %s, want C19", auto, got)
		}
	}
}

// TestHeadDeterministic: the head and the weights are a function of the
// blocks and votes the store has seen, not of the order they arrived in or
// of when Head was asked, and repeated calls return the same head. Store a
// gets the inputs in one order and is asked only at the end; store b gets
// them in another order and is asked after every step, so a head cached
// across a change, or a tie-break that depends on insertion order, shows.
// Both are checked against the result worked out by hand:
//
// 32 validators x 32 ETH, boost 40% (committee weight 1024/8 = 128 ETH,
// boost 51.2 ETH). Blocks: P, Q, R on G at slot 1; T on P and S on R at
// slot 2. Votes at slot 2, counted from slot 3: validators 0..3 for T, 4..7
// for S, 8..9 for Q. Weights: P = T = 128 ETH, R = S = 128 ETH, Q = 64 ETH,
// G = 320 ETH. P and R tie; the larger root, R ("R" > "P"), wins, and the
// head is its only child S.
func TestHeadDeterministic(t *testing.T) {
	wantWeight := map[string]consensus.Gwei{
		"G": 320 * eth, "P": 128 * eth, "Q": 64 * eth, "R": 128 * eth, "S": 128 * eth, "T": 128 * eth,
	}

	a := genesisStore(testCfg(40), 32)
	tickSlot(a, 1, 0)
	for _, n := range []string{"P", "Q", "R"} {
		add(t, a, n, "G", 1)
	}
	tickSlot(a, 2, 0)
	add(t, a, "T", "P", 2)
	add(t, a, "S", "R", 2)
	tickSlot(a, 3, 0)
	vote(t, a, 0, 4, "T", 2)
	vote(t, a, 4, 8, "S", 2)
	vote(t, a, 8, 10, "Q", 2)

	b := genesisStore(testCfg(40), 32)
	steps := []struct {
		name string
		do   func()
		head string // worked out by hand
	}{
		{"tick 1", func() { tickSlot(b, 1, 0) }, "G"},
		{"R", func() { add(t, b, "R", "G", 1) }, "R"},
		{"Q", func() { add(t, b, "Q", "G", 1) }, "R"}, // R holds the boost
		{"tick 2", func() { tickSlot(b, 2, 0) }, "R"}, // boost gone: Q and R tie at 0, R is larger
		{"S", func() { add(t, b, "S", "R", 2) }, "S"}, // timely: boosted
		{"P", func() { add(t, b, "P", "G", 1) }, "S"}, // late for slot 1: no boost
		{"T", func() { add(t, b, "T", "P", 2) }, "S"}, // S already holds the slot's boost
		{"tick 3", func() { tickSlot(b, 3, 0) }, "S"}, // no weight anywhere: R, then S
		{"votes Q", func() { vote(t, b, 8, 10, "Q", 2) }, "Q"},
		{"votes S", func() { vote(t, b, 4, 8, "S", 2) }, "S"},
		{"votes T", func() { vote(t, b, 0, 4, "T", 2) }, "S"}, // P ties R at 128 ETH
	}
	for _, st := range steps {
		st.do()
		if got := nameOf(b.Head()); got != st.head {
			t.Fatalf("store b after %s: head %s, want %s", st.name, got, st.head)
		}
	}

	for _, c := range []struct {
		name string
		s    *Store
	}{{"a", a}, {"b", b}} {
		for n, w := range wantWeight {
			if got := c.s.Weight(rt(n)); got != w {
				t.Errorf("store %s: Weight(%s) = %d, want %d", c.name, n, got, w)
			}
		}
		for call := 1; call <= 2; call++ {
			if got := nameOf(c.s.Head()); got != "S" {
				t.Errorf("store %s, Head call %d: %s, want S", c.name, call, got)
			}
		}
	}
}
