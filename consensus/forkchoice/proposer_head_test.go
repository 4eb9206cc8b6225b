package forkchoice

import (
	"errors"
	"testing"

	"github.com/stakesim/stakesim/consensus"
)

// The tests of get_proposer_head share one setting, worked by hand from the
// spec text (phase0 fork-choice.md, consensus-specs v1.7.0-alpha.13,
// "Proposer head and reorg helpers"; configs/minimal.yaml).
//
// Minimal preset: SLOTS_PER_EPOCH 8, SLOT_DURATION_MS 6000. 64 validators
// of 32 ETH, all active, in every justified checkpoint state:
//
//	get_total_active_balance = 64 * 32 ETH = 2048 ETH
//	committee_weight = 2048 ETH // 8 = 256 ETH
//	calculate_committee_fraction(state, REORG_HEAD_WEIGHT_THRESHOLD = 20)
//	    = 256 * 20 // 100 = 51.2 ETH (51,200,000,000 Gwei)
//	calculate_committee_fraction(state, REORG_PARENT_WEIGHT_THRESHOLD = 160)
//	    = 256 * 160 // 100 = 409.6 ETH (409,600,000,000 Gwei)
//	get_attestation_due_ms = 3333 * 6000 // 10000 = 1999 ms
//	get_proposer_reorg_cutoff_ms = 1667 * 6000 // 10000 = 1000 ms
//
// The base case: genesis G (slot 0) <- A (slot a) <- B (slot a+1); A
// arrives at the start of its slot (timely), B at 2500 ms into its slot
// (late: 2500 >= 1999). At the start of slot a+2 (time into slot 0 <=
// 1000: on time) 13 validators' votes for A and 1 validator's vote for B
// are counted:
//
//	get_attestation_score(B) = 1 * 32 = 32 ETH < 51.2 ETH: head weak
//	get_attestation_score(A) = (13 + 1) * 32 = 448 ETH > 409.6 ETH: parent strong
//
// get_head is B (A's only child), and with a = 1 the proposer of slot 3
// (3 % 8 != 0; epoch 0 - finalized epoch 0 = 0 <= 2) builds on A. Each
// test below changes one thing and checks that the proposer builds on B.
type reorgCase struct {
	a          consensus.Slot // A's slot; B is at a+1
	bSlot      consensus.Slot // B's slot when not a+1 (0: a+1)
	proposeAt  consensus.Slot // the proposal's slot (0: B's slot + 1)
	bArrivalMs uint64         // B's arrival, ms into its slot
	proposeMs  uint64         // the proposer's time into its slot
	votesA     int            // validators voting for A (at A's slot)
	votesB     int            // validators voting for B (at B's slot)
	bUJ        *consensus.Checkpoint
	slashed    []int // slashed in every justified checkpoint state
}

// base is the reorg case above.
func base() reorgCase { return reorgCase{a: 1, bArrivalMs: 2500, votesA: 13, votesB: 1} }

// reorgStore builds the store of c and returns it ticked to the proposal's
// time, with the proposal's slot.
func reorgStore(t *testing.T, c reorgCase) (*Store, consensus.Slot) {
	t.Helper()
	cfg := minimalCfg(t)
	eb := make([]uint64, 64)
	for i := range eb {
		eb[i] = 32
	}
	states := func(cp consensus.Checkpoint) *consensus.State {
		return checkpointState(cfg, cp.Epoch, eb, c.slashed...)
	}
	s := NewStore(cfg, BlockInfo{Root: rt("G")}, storeBalances(cfg, states))
	bSlot := c.bSlot
	if bSlot == 0 {
		bSlot = c.a + 1
	}
	propose := c.proposeAt
	if propose == 0 {
		propose = bSlot + 1
	}
	tickSlot(s, c.a, 0)
	add(t, s, "A", "G", c.a)
	tickSlot(s, bSlot, c.bArrivalMs)
	uj := g0
	if c.bUJ != nil {
		uj = *c.bUJ
	}
	addCp(t, s, "B", "A", bSlot, g0, g0, uj, g0)
	tickSlot(s, propose, c.proposeMs)
	vote(t, s, 0, c.votesA, "A", c.a)
	vote(t, s, 32, 32+c.votesB, "B", bSlot)
	if s.Head() != rt("B") {
		t.Fatalf("head %q, want B", nameOf(s.Head()))
	}
	return s, propose
}

// proposerHead returns the name of get_proposer_head(store, B, slot).
func proposerHead(t *testing.T, s *Store, slot consensus.Slot, committees CommitteesFunc) string {
	t.Helper()
	r, err := s.ProposerHead(rt("B"), slot, committees)
	if err != nil {
		t.Fatalf("ProposerHead: %v", err)
	}
	return nameOf(r)
}

func TestProposerHeadReorgsLateWeakHead(t *testing.T) {
	s, slot := reorgStore(t, base())
	if got, want := s.attestationScore(s.mustIndex(t, "B")), 32*eth; got != want {
		t.Fatalf("attestation score of B = %d, want %d", got, want)
	}
	if got, want := s.attestationScore(s.mustIndex(t, "A")), 448*eth; got != want {
		t.Fatalf("attestation score of A = %d, want %d", got, want)
	}
	if got, want := s.committeeFraction(reorgHeadWeightThreshold), consensus.Gwei(51_200_000_000); got != want {
		t.Fatalf("head threshold %d, want %d", got, want)
	}
	if got, want := s.committeeFraction(reorgParentWeightThreshold), consensus.Gwei(409_600_000_000); got != want {
		t.Fatalf("parent threshold %d, want %d", got, want)
	}
	if got := proposerHead(t, s, slot, nil); got != "A" {
		t.Fatalf("proposer head %q, want A (re-org of the late, weak B)", got)
	}
}

// checkNoReorg builds c and checks that the proposer builds on B.
func checkNoReorg(t *testing.T, c reorgCase, why string) {
	t.Helper()
	s, slot := reorgStore(t, c)
	if got := proposerHead(t, s, slot, nil); got != "B" {
		t.Fatalf("proposer head %q, want B: %s", got, why)
	}
}

// checkReorg builds c and checks that the proposer builds on A.
func checkReorg(t *testing.T, c reorgCase, why string) {
	t.Helper()
	s, slot := reorgStore(t, c)
	if got := proposerHead(t, s, slot, nil); got != "A" {
		t.Fatalf("proposer head %q, want A: %s", got, why)
	}
}

// B at 1998 ms is timely (1998 < 1999): is_head_late is false. At 1999 ms
// it is late and re-orged.
func TestProposerHeadTimelyHead(t *testing.T) {
	c := base()
	c.bArrivalMs = 1998
	checkNoReorg(t, c, "B arrived before the attestation deadline (1998 < 1999 ms)")
	c.bArrivalMs = 1999
	checkReorg(t, c, "B arrived at the attestation deadline (1999 ms is not before 1999 ms)")
}

// A at slot 6, B at 7, proposal at slot 8 = 1 * SLOTS_PER_EPOCH:
// is_not_epoch_boundary is false. (Epoch 1 - finalized 0 = 1 <= 2.)
func TestProposerHeadEpochBoundary(t *testing.T) {
	c := base()
	c.a = 6
	checkNoReorg(t, c, "slot 8 starts an epoch")
	c.a = 5
	checkReorg(t, c, "slot 7 does not start an epoch")
}

// B's pulled-up justification is (epoch 1, G), A's is genesis (epoch 0):
// is_ffg_competitive is false. A at slot 9, B at 10, proposal at 11; the
// votes' target is epoch 1, whose checkpoint block on A's chain is G.
func TestProposerHeadFFGNotCompetitive(t *testing.T) {
	c := base()
	c.a = 9
	checkReorg(t, c, "A and B carry the same pulled-up justification")
	c.bUJ = &consensus.Checkpoint{Epoch: 1, Root: rt("G")}
	checkNoReorg(t, c, "B's pulled-up justification (epoch 1) differs from A's (epoch 0)")
}

// Finalized epoch 0: a proposal in epoch 3 (slot 27; 3 - 0 = 3 > 2) does
// not re-org; one in epoch 2 (slot 19; 2 - 0 = 2 <= 2) does.
func TestProposerHeadFinalizationTooOld(t *testing.T) {
	c := base()
	c.a = 17
	checkReorg(t, c, "2 epochs since finalization")
	c.a = 25
	checkNoReorg(t, c, "3 epochs since finalization")
}

// The proposer at 1000 ms into its slot is on time (1000 <= 1000); at 1001
// ms it is not.
func TestProposerHeadProposingLate(t *testing.T) {
	c := base()
	c.proposeMs = 1000
	checkReorg(t, c, "proposing at the cutoff, 1000 ms")
	c.proposeMs = 1001
	checkNoReorg(t, c, "proposing after the cutoff (1001 > 1000 ms)")
}

// A at slot 1, B at slot 3 (a skipped slot between): parent_slot_ok is
// false.
func TestProposerHeadParentSlotGap(t *testing.T) {
	c := base()
	c.bSlot = 3
	checkNoReorg(t, c, "B's parent is two slots older")
}

// B at slot 2, proposal at slot 4: current_time_ok is false.
func TestProposerHeadProposalSlotGap(t *testing.T) {
	c := base()
	c.proposeAt = 4
	checkNoReorg(t, c, "the proposal is two slots after B")
}

// Two votes for B: 64 ETH >= 51.2 ETH, so is_head_weak is false. (A's
// score is then 15 * 32 = 480 ETH, still strong.)
func TestProposerHeadStrongHead(t *testing.T) {
	c := base()
	c.votesB = 2
	checkNoReorg(t, c, "B has 64 ETH of votes, at least 51.2 ETH")
}

// 11 votes for A: A's score is (11 + 1) * 32 = 384 ETH, not above 409.6
// ETH, so is_parent_strong is false. With 12: 416 ETH > 409.6 ETH.
func TestProposerHeadWeakParent(t *testing.T) {
	c := base()
	c.votesA = 11
	checkNoReorg(t, c, "A has 384 ETH, not above 409.6 ETH")
	c.votesA = 12
	checkReorg(t, c, "A has 416 ETH, above 409.6 ETH")
}

// is_head_weak adds the justified-state effective balance of the
// equivocating validators in the head slot's committees. Validator 20 is
// slashed in the justified state (so its latest message would weigh 0) and
// equivocating: B's weight is 32 (vote) + 32 (validator 20's
// effective_balance) = 64 ETH >= 51.2 ETH, so B is not weak, but only if
// validator 20 sits in a committee of B's slot. Slashed validators stay
// active, so the thresholds are unchanged (2048 ETH active).
func TestProposerHeadCountsEquivocatingCommitteeMembers(t *testing.T) {
	c := base()
	c.slashed = []int{20}
	s, slot := reorgStore(t, c)
	s.OnAttesterSlashing([]consensus.ValidatorIndex{20})
	var asked []string
	in := func(members ...consensus.ValidatorIndex) CommitteesFunc {
		return func(root consensus.Root, sl consensus.Slot) []consensus.ValidatorIndex {
			asked = append(asked, nameOf(root))
			if sl != 2 {
				t.Errorf("committees asked for slot %d, want B's slot 2", sl)
			}
			return members
		}
	}
	if got := proposerHead(t, s, slot, in(19, 20, 21)); got != "B" {
		t.Fatalf("proposer head %q, want B: equivocating validator 20 is in B's committee", got)
	}
	if got := proposerHead(t, s, slot, in(19, 21)); got != "A" {
		t.Fatalf("proposer head %q, want A: validator 20 is not in B's committee", got)
	}
	if len(asked) != 2 || asked[0] != "B" || asked[1] != "B" {
		t.Fatalf("committees asked for %v, want B twice", asked)
	}
}

// is_proposer_equivocation: B and B2 are two blocks of slot 2 by proposer
// 5, both timely (is_head_late is false, so the first branch fails). B is
// weak (32 ETH < 51.2 ETH) and one slot before the proposal, so the second
// branch builds on A. With different proposers it builds on B.
func TestProposerHeadProposerEquivocation(t *testing.T) {
	for _, tc := range []struct {
		proposer2 consensus.ValidatorIndex
		want      string
	}{{5, "A"}, {6, "B"}} {
		s := genesisStore(testCfg(40), 64)
		tickSlot(s, 1, 0)
		add(t, s, "A", "G", 1)
		tickSlot(s, 2, 0)
		for _, b := range []struct {
			name     string
			proposer consensus.ValidatorIndex
		}{{"B", 5}, {"B2", tc.proposer2}} {
			if err := s.OnBlock(BlockInfo{Root: rt(b.name), ParentRoot: rt("A"), Slot: 2, ProposerIndex: b.proposer,
				JustifiedCheckpoint: g0, FinalizedCheckpoint: g0, UnrealizedJustified: g0, UnrealizedFinalized: g0}); err != nil {
				t.Fatal(err)
			}
		}
		tickSlot(s, 3, 0)
		vote(t, s, 0, 13, "A", 1)
		vote(t, s, 32, 33, "B", 2)
		if s.Head() != rt("B") || !s.IsTimely(rt("B")) {
			t.Fatalf("head %q (timely %v), want the timely B", nameOf(s.Head()), s.IsTimely(rt("B")))
		}
		if got := proposerHead(t, s, 3, nil); got != tc.want {
			t.Fatalf("second proposer %d: proposer head %q, want %s", tc.proposer2, got, tc.want)
		}
	}
}

// The spec asserts the boost has worn off; a past slot is refused; an
// unknown head is an error.
func TestProposerHeadErrors(t *testing.T) {
	s := genesisStore(testCfg(40), 64)
	tickSlot(s, 1, 0)
	add(t, s, "A", "G", 1)
	if _, err := s.ProposerHead(rt("A"), 1, nil); !errors.Is(err, ErrBoostOnHead) {
		t.Fatalf("boosted head: err %v, want ErrBoostOnHead", err)
	}
	tickSlot(s, 2, 0)
	if _, err := s.ProposerHead(rt("A"), 1, nil); !errors.Is(err, ErrProposerSlot) {
		t.Fatalf("past slot: err %v, want ErrProposerSlot", err)
	}
	if _, err := s.ProposerHead(rt("X"), 2, nil); !errors.Is(err, ErrUnknownBlock) {
		t.Fatalf("unknown head: err %v, want ErrUnknownBlock", err)
	}
	if r, err := s.ProposerHead(rt("G"), 2, nil); err != nil || r != rt("G") {
		t.Fatalf("oldest block: %q, %v; want G, nil", nameOf(r), err)
	}
}

// The proposers remembered for is_proposer_equivocation are those of the
// current and previous slot only.
func TestProposerHeadRecentBlocksBounded(t *testing.T) {
	s := genesisStore(testCfg(40), 64)
	parent := "G"
	for slot := consensus.Slot(1); slot <= 20; slot++ {
		tickSlot(s, slot, 0)
		name := "B" + itoa(int(slot))
		add(t, s, name, parent, slot)
		parent = name
		if len(s.recent) > 2 {
			t.Fatalf("slot %d: %d recent blocks, want at most 2", slot, len(s.recent))
		}
	}
}

// mustIndex returns the node index of the block called name.
func (s *Store) mustIndex(t *testing.T, name string) int32 {
	t.Helper()
	i, ok := s.lookup(rt(name))
	if !ok {
		t.Fatalf("no block %s", name)
	}
	return i
}

// TestTimelinessDeadline: get_attestation_due_ms is 3333 × 6,000 / 10,000
// = 1,999 ms on minimal (rounded down) and 3333 × 12,000 / 10,000 = 3,999
// on mainnet, and record_block_timeliness needs time_into_slot_ms below
// it: a block arriving 1,998 ms into its slot is timely, one at 1,999 is
// not.
func TestTimelinessDeadline(t *testing.T) {
	if got := testCfg(40).AttestationDueMs(); got != 1999 {
		t.Fatalf("minimal attestation due %d ms, want 1999", got)
	}
	if mc := consensus.Mainnet(); mc.AttestationDueMs() != 3999 {
		t.Fatalf("mainnet attestation due %d ms, want 3999", mc.AttestationDueMs())
	}
	for _, tc := range []struct {
		ms   uint64
		want bool
	}{{1998, true}, {1999, false}, {2000, false}} {
		s := genesisStore(testCfg(40), 64)
		tickSlot(s, 1, tc.ms)
		add(t, s, "A", "G", 1)
		if got := s.IsTimely(rt("A")); got != tc.want {
			t.Errorf("block at %d ms: timely %v, want %v", tc.ms, got, tc.want)
		}
	}
}
