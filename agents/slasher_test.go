package agents

import (
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// Helpers of this file are prefixed sl so that they cannot clash with other
// test files of the package.

const slETH = consensus.Gwei(1_000_000_000)

func slHash(label string, n uint64) consensus.Root {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], n)
	return sha256.Sum256(append([]byte(label), b[:]...))
}

// slData is attestation data with the given FFG epochs; tag varies the head
// vote so that two data with the same epochs can differ.
func slData(source, target consensus.Epoch, tag uint64) consensus.AttestationData {
	return consensus.AttestationData{
		Slot:            consensus.Slot(uint64(target) * 8),
		BeaconBlockRoot: slHash("head", tag),
		Source:          consensus.Checkpoint{Epoch: source, Root: slHash("cp", uint64(source))},
		Target:          consensus.Checkpoint{Epoch: target, Root: slHash("cp", uint64(target))},
	}
}

func slIA(d consensus.AttestationData, idx ...consensus.ValidatorIndex) *consensus.IndexedAttestation {
	return &consensus.IndexedAttestation{AttestingIndices: idx, Data: d}
}

func slHeader(proposer consensus.ValidatorIndex, slot consensus.Slot, tag uint64) *consensus.SignedBeaconBlockHeader {
	return &consensus.SignedBeaconBlockHeader{Message: consensus.BeaconBlockHeader{
		Slot: slot, ProposerIndex: proposer, ParentRoot: slHash("parent", uint64(slot)), BodyRoot: slHash("body", tag),
	}}
}

// slConflict is is_slashable_attestation_data written out from the spec
// text (phase0 beacon-chain.md), in the given order.
func slConflict(d1, d2 consensus.AttestationData) bool {
	double := d1 != d2 && d1.Target.Epoch == d2.Target.Epoch
	surround := d1.Source.Epoch < d2.Source.Epoch && d2.Target.Epoch < d1.Target.Epoch
	return double || surround
}

// slIntersection is the set intersection of two index lists, computed with
// a map.
func slIntersection(a, b []consensus.ValidatorIndex) []consensus.ValidatorIndex {
	in := map[consensus.ValidatorIndex]bool{}
	for _, v := range a {
		in[v] = true
	}
	var out []consensus.ValidatorIndex
	for _, v := range b {
		if in[v] {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// slCheckAttesterEvidence asserts that ev is well-formed attester evidence
// for the two data (in either order) and proves exactly want guilty.
func slCheckAttesterEvidence(t *testing.T, ev Evidence, offence string, dA, dB consensus.AttestationData, want []consensus.ValidatorIndex) {
	t.Helper()
	if ev.Attester == nil || ev.Proposer != nil {
		t.Fatalf("evidence %+v: want exactly an attester slashing", ev)
	}
	if ev.Offence != offence {
		t.Errorf("offence %q, want %q", ev.Offence, offence)
	}
	a1, a2 := ev.Attester.Attestation1, ev.Attester.Attestation2
	if !slConflict(a1.Data, a2.Data) {
		t.Errorf("attestation data %+v / %+v are not slashable in this order", a1.Data, a2.Data)
	}
	if !(a1.Data == dA && a2.Data == dB) && !(a1.Data == dB && a2.Data == dA) {
		t.Errorf("evidence is about the wrong pair of data")
	}
	inter := slIntersection(a1.AttestingIndices, a2.AttestingIndices)
	if fmt.Sprint(inter) != fmt.Sprint(want) {
		t.Errorf("intersection %v, want %v", inter, want)
	}
	if fmt.Sprint(ev.Validators) != fmt.Sprint(want) {
		t.Errorf("Validators %v, want %v", ev.Validators, want)
	}
}

// Reference: phase0 is_slashable_attestation_data, "Double vote".
func TestSlasherDoubleVote(t *testing.T) {
	d1 := slData(0, 1, 1)
	d2 := slData(0, 1, 2)

	t.Run("single votes", func(t *testing.T) {
		s := NewSlasher(0)
		if ev := s.ObserveAttestation(slIA(d1, 5)); len(ev) != 0 {
			t.Fatalf("first vote gave %d evidence", len(ev))
		}
		ev := s.ObserveAttestation(slIA(d2, 5))
		if len(ev) != 1 {
			t.Fatalf("got %d evidence, want 1", len(ev))
		}
		slCheckAttesterEvidence(t, ev[0], OffenceDoubleVote, d1, d2, []consensus.ValidatorIndex{5})
		if ev := s.ObserveAttestation(slIA(d2, 5)); len(ev) != 0 {
			t.Errorf("the same double vote seen again gave %d evidence", len(ev))
		}
	})

	t.Run("aggregates", func(t *testing.T) {
		s := NewSlasher(0)
		s.ObserveAttestation(slIA(d1, 1, 2, 3, 5, 7, 10))
		// 3 and 7 signed both; 12 and 15 only d2.
		ev := s.ObserveAttestation(slIA(d2, 3, 7, 12, 15))
		if len(ev) != 1 {
			t.Fatalf("got %d evidence, want 1", len(ev))
		}
		slCheckAttesterEvidence(t, ev[0], OffenceDoubleVote, d1, d2, []consensus.ValidatorIndex{3, 7})

		// 12 now signs d1 by gossip: new evidence, for 12 alone.
		ev = s.ObserveAttestation(slIA(d1, 12))
		if len(ev) != 1 {
			t.Fatalf("got %d evidence, want 1", len(ev))
		}
		slCheckAttesterEvidence(t, ev[0], OffenceDoubleVote, d1, d2, []consensus.ValidatorIndex{12})

		// A larger d1 aggregate proves nobody new guilty: nothing.
		if ev := s.ObserveAttestation(slIA(d1, 1, 2, 3, 5, 7, 10, 12)); len(ev) != 0 {
			t.Errorf("aggregate covering no new double voter gave %d evidence", len(ev))
		}
		ev = s.ObserveAttestation(slIA(d2, 3, 7, 12, 15, 20))
		if len(ev) != 0 {
			t.Errorf("d2 aggregate with no new d1 signer gave %d evidence", len(ev))
		}
		ev = s.ObserveAttestation(slIA(d1, 15))
		if len(ev) != 1 {
			t.Fatalf("got %d evidence, want 1", len(ev))
		}
		slCheckAttesterEvidence(t, ev[0], OffenceDoubleVote, d1, d2, []consensus.ValidatorIndex{15})
	})

	t.Run("votes refer to the largest aggregate", func(t *testing.T) {
		// Singles first, then their aggregate: a later conflicting
		// aggregate yields one evidence against all three, not three.
		s := NewSlasher(0)
		for v := consensus.ValidatorIndex(1); v <= 3; v++ {
			s.ObserveAttestation(slIA(d1, v))
		}
		s.ObserveAttestation(slIA(d1, 1, 2, 3, 4))
		ev := s.ObserveAttestation(slIA(d2, 1, 2, 3))
		if len(ev) != 1 {
			t.Fatalf("got %d evidence, want 1", len(ev))
		}
		slCheckAttesterEvidence(t, ev[0], OffenceDoubleVote, d1, d2, []consensus.ValidatorIndex{1, 2, 3})
		for v, want := range map[consensus.ValidatorIndex]int{1: 2, 2: 2, 3: 2, 4: 1} {
			if n := slVotesOf(s, v); n != want {
				t.Errorf("validator %d has %d stored votes, want %d (one per data root)", v, n, want)
			}
		}
	})

	t.Run("three data for one target", func(t *testing.T) {
		s := NewSlasher(0)
		d3 := slData(0, 1, 3)
		s.ObserveAttestation(slIA(d1, 4))
		s.ObserveAttestation(slIA(d2, 4))
		ev := s.ObserveAttestation(slIA(d3, 4))
		if len(ev) != 2 {
			t.Fatalf("got %d evidence, want one per earlier vote (2)", len(ev))
		}
		// Deterministic order: equal intersections, the earlier stored first.
		slCheckAttesterEvidence(t, ev[0], OffenceDoubleVote, d1, d3, []consensus.ValidatorIndex{4})
		slCheckAttesterEvidence(t, ev[1], OffenceDoubleVote, d2, d3, []consensus.ValidatorIndex{4})
	})
}

// Reference: phase0 is_slashable_attestation_data, "Surround vote": the
// surrounding attestation must come first.
func TestSlasherSurroundVote(t *testing.T) {
	outer := slData(1, 4, 0) // source 1, target 4
	inner := slData(2, 3, 0) // source 2, target 3
	for _, tc := range []struct {
		name        string
		first, then consensus.AttestationData
	}{
		{"new vote surrounds stored", inner, outer},
		{"new vote surrounded by stored", outer, inner},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSlasher(0)
			s.ObserveAttestation(slIA(tc.first, 1, 2, 8))
			ev := s.ObserveAttestation(slIA(tc.then, 2, 8, 9))
			if len(ev) != 1 {
				t.Fatalf("got %d evidence, want 1", len(ev))
			}
			slCheckAttesterEvidence(t, ev[0], OffenceSurroundVote, outer, inner, []consensus.ValidatorIndex{2, 8})
			a1, a2 := ev[0].Attester.Attestation1.Data, ev[0].Attester.Attestation2.Data
			if !(a1.Source.Epoch < a2.Source.Epoch && a2.Target.Epoch < a1.Target.Epoch) {
				t.Errorf("attestation 1 (%d->%d) does not surround attestation 2 (%d->%d)",
					a1.Source.Epoch, a1.Target.Epoch, a2.Source.Epoch, a2.Target.Epoch)
			}
		})
	}
}

// No false positives: repeated sightings and honest vote sequences.
func TestSlasherNoFalsePositive(t *testing.T) {
	type obs struct {
		d   consensus.AttestationData
		idx []consensus.ValidatorIndex
	}
	var honest, lagging, sameSource []obs
	for e := consensus.Epoch(1); e <= 30; e++ {
		honest = append(honest, obs{slData(e-1, e, uint64(e)), []consensus.ValidatorIndex{1, 2, 3}})
		honest = append(honest, obs{slData(e-1, e, uint64(e)), []consensus.ValidatorIndex{2}}) // gossip copy
		// Justification stalls: the source lags, but never moves back.
		lagging = append(lagging, obs{slData((e/4)*4, e, uint64(e)), []consensus.ValidatorIndex{4}})
		sameSource = append(sameSource, obs{slData(0, e, uint64(e)), []consensus.ValidatorIndex{5, 6}})
	}
	dup := []obs{
		{slData(0, 1, 1), []consensus.ValidatorIndex{7}},
		{slData(0, 1, 1), []consensus.ValidatorIndex{7}},
		{slData(0, 1, 1), []consensus.ValidatorIndex{3, 7, 9}},
		{slData(0, 1, 1), []consensus.ValidatorIndex{7}},
		{slData(0, 1, 1), []consensus.ValidatorIndex{3, 7, 9}},
	}
	// Different validators voting differently is no offence.
	disjoint := []obs{
		{slData(0, 1, 1), []consensus.ValidatorIndex{1, 2}},
		{slData(0, 1, 2), []consensus.ValidatorIndex{3, 4}},
		{slData(2, 3, 1), []consensus.ValidatorIndex{1, 2}},
		{slData(1, 4, 1), []consensus.ValidatorIndex{3, 4}},
	}
	for _, tc := range []struct {
		name string
		seq  []obs
	}{
		{"honest consecutive", honest}, {"lagging source", lagging}, {"constant source", sameSource},
		{"same vote seen again", dup}, {"disjoint voters", disjoint},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSlasher(0)
			for i, o := range tc.seq {
				if ev := s.ObserveAttestation(slIA(o.d, o.idx...)); len(ev) != 0 {
					t.Fatalf("observation %d: false evidence %+v", i, ev[0])
				}
			}
		})
	}
}

// Malformed attestations are ignored, not stored and never panic.
func TestSlasherIgnoresMalformed(t *testing.T) {
	s := NewSlasher(0)
	d1, d2 := slData(0, 1, 1), slData(0, 1, 2)
	for _, ia := range []*consensus.IndexedAttestation{nil, slIA(d1), slIA(d1, 3, 3), slIA(d1, 4, 3)} {
		if ev := s.ObserveAttestation(ia); len(ev) != 0 {
			t.Fatalf("malformed attestation gave evidence")
		}
	}
	if ev := s.ObserveAttestation(slIA(d2, 3, 4)); len(ev) != 0 {
		t.Fatalf("malformed attestations were stored: %+v", ev)
	}
	if ev := s.ObserveHeader(nil); len(ev) != 0 {
		t.Fatal("nil header gave evidence")
	}
}

// Reference: phase0 process_proposer_slashing.
func TestSlasherDoubleProposal(t *testing.T) {
	s := NewSlasher(0)
	h1 := slHeader(7, 10, 1)
	if ev := s.ObserveHeader(h1); len(ev) != 0 {
		t.Fatal("first header gave evidence")
	}
	if ev := s.ObserveHeader(slHeader(7, 10, 1)); len(ev) != 0 {
		t.Fatal("same header seen again gave evidence")
	}
	if ev := s.ObserveHeader(slHeader(8, 10, 2)); len(ev) != 0 {
		t.Fatal("another proposer at the same slot gave evidence")
	}
	if ev := s.ObserveHeader(slHeader(7, 11, 2)); len(ev) != 0 {
		t.Fatal("the same proposer at another slot gave evidence")
	}
	h2 := slHeader(7, 10, 2)
	ev := s.ObserveHeader(h2)
	if len(ev) != 1 {
		t.Fatalf("got %d evidence, want 1", len(ev))
	}
	e := ev[0]
	if e.Offence != OffenceDoubleProposal || e.Attester != nil || e.Proposer == nil {
		t.Fatalf("evidence %+v", e)
	}
	if fmt.Sprint(e.Validators) != "[7]" {
		t.Errorf("Validators %v, want [7]", e.Validators)
	}
	m1, m2 := e.Proposer.SignedHeader1.Message, e.Proposer.SignedHeader2.Message
	if m1 != h1.Message || m2 != h2.Message {
		t.Errorf("headers %+v / %+v, want the two observed", m1, m2)
	}
	if ev := s.ObserveHeader(slHeader(7, 10, 3)); len(ev) != 0 {
		t.Error("a third header for the same proposer and slot gave evidence again")
	}
}

// The window: votes older than historyEpochs before the newest target are
// forgotten, so a surround spanning more than the window is not found, and
// memory stays bounded however long the run.
func TestSlasherWindow(t *testing.T) {
	for _, tc := range []struct {
		name    string
		advance consensus.Epoch // target of an unrelated vote
		want    int
	}{
		{"stored vote still inside the window", 6, 1}, // window 4: targets 3..6 kept
		{"stored vote pruned", 7, 0},                  // targets 4..7 kept
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSlasher(4)
			s.ObserveAttestation(slIA(slData(2, 3, 0), 1))
			s.ObserveAttestation(slIA(slData(tc.advance-1, tc.advance, 0), 2))
			if ev := s.ObserveAttestation(slIA(slData(1, 5, 0), 1)); len(ev) != tc.want {
				t.Fatalf("got %d evidence, want %d", len(ev), tc.want)
			}
		})
	}

	t.Run("votes older than the window are ignored", func(t *testing.T) {
		s := NewSlasher(4)
		s.ObserveAttestation(slIA(slData(9, 10, 0), 1))
		s.ObserveAttestation(slIA(slData(0, 2, 1), 3))
		if ev := s.ObserveAttestation(slIA(slData(0, 2, 2), 3)); len(ev) != 0 {
			t.Fatalf("double vote outside the window gave evidence")
		}
	})

	t.Run("Prune", func(t *testing.T) {
		s := NewSlasher(4)
		s.ObserveAttestation(slIA(slData(0, 1, 1), 1, 2, 3))
		s.Prune(3)
		if n := slStoredVotes(s); n != 3 {
			t.Fatalf("Prune(3) with window 4 left %d votes, want 3", n)
		}
		s.Prune(5)
		if n := slStoredVotes(s); n != 0 || len(s.epochs) != 0 {
			t.Fatalf("Prune(5) kept %d votes in %d epochs", n, len(s.epochs))
		}
		if ev := s.ObserveAttestation(slIA(slData(0, 1, 2), 1)); len(ev) != 0 {
			t.Fatal("a vote older than the window after Prune gave evidence")
		}
	})

	t.Run("bounded memory", func(t *testing.T) {
		const n, window = 200, 8
		s := NewSlasher(window)
		for e := consensus.Epoch(1); e <= 400; e++ {
			d := slData(e-1, e, uint64(e))
			all := make([]consensus.ValidatorIndex, n)
			for i := range all {
				all[i] = consensus.ValidatorIndex(i)
				s.ObserveAttestation(slIA(d, all[i]))
			}
			s.ObserveAttestation(slIA(d, all[:n/2]...))
			s.ObserveAttestation(slIA(d, all...))
			s.ObserveAttestation(slIA(d, all...))
			// A double vote every epoch, to exercise the coverage records.
			s.ObserveAttestation(slIA(slData(e-1, e, uint64(e)+1000), 0))

			for _, ep := range s.epochs {
				if ep.target+window <= e {
					t.Fatalf("epoch %d: votes for target %d kept", e, ep.target)
				}
				for v := range ep.ids {
					if k := len(ep.votesOf(consensus.ValidatorIndex(v), new([1]uint32))); k > 1 && v != 0 {
						t.Fatalf("epoch %d: validator %d has %d votes for target %d", e, v, k, ep.target)
					}
				}
			}
			// One vote per validator and target, plus validator 0's double votes.
			if records, maxRecords := slStoredVotes(s), n*window+window; records > maxRecords {
				t.Fatalf("epoch %d: %d vote records > %d", e, records, maxRecords)
			}
			// Upgrades leave one full aggregate (and validator 0's double,
			// a single vote) per epoch, and no single vote of the others.
			aggs, singles := slStoredAttestations(s)
			if aggs > window || singles > window {
				t.Fatalf("epoch %d: %d aggregates and %d single votes stored", e, aggs, singles)
			}
			if len(s.epochs) > window || len(s.spare) > 2 {
				t.Fatalf("epoch %d: %d epochs and %d spare arrays kept", e, len(s.epochs), len(s.spare))
			}
			if len(s.covered) > window {
				t.Fatalf("epoch %d: coverage kept for %d epochs", e, len(s.covered))
			}
		}
		// Headers: one per slot for many epochs stays within the window in slots.
		for slot := consensus.Slot(0); slot < 100_000; slot++ {
			s.ObserveHeader(slHeader(consensus.ValidatorIndex(slot%64), slot, 0))
		}
		if limit := window*headerSlotsPerEpoch + headerSlotsPerEpoch; len(s.headers) > limit {
			t.Fatalf("%d headers kept, want <= %d", len(s.headers), limit)
		}
	})
}

// Property (raft quorum/quick_test style): on random aggregates, the
// evidence equals what a naive all-pairs check finds. Every evidence is
// slashable in its order and proves exactly its intersection guilty; every
// (validator, conflicting pair of data) the naive check finds is covered;
// no evidence repeats a pair without a new validator; observing everything
// again produces nothing; two slashers fed the same calls agree.
func TestSlasherMatchesNaive(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			var seq []*consensus.IndexedAttestation
			for range 150 {
				src := consensus.Epoch(rng.IntN(5))
				tgt := src + 1 + consensus.Epoch(rng.IntN(3))
				d := slData(src, tgt, uint64(rng.IntN(2)))
				var idx []consensus.ValidatorIndex
				for v := range 8 {
					if rng.IntN(3) == 0 {
						idx = append(idx, consensus.ValidatorIndex(v))
					}
				}
				if len(idx) == 0 {
					idx = []consensus.ValidatorIndex{consensus.ValidatorIndex(rng.IntN(8))}
				}
				seq = append(seq, slIA(d, idx...))
			}

			type pv struct {
				pair pairKey
				v    consensus.ValidatorIndex
			}
			s, twin := NewSlasher(100), NewSlasher(100)
			var all, allTwin []Evidence
			signed := map[consensus.ValidatorIndex][]consensus.AttestationData{}
			want := map[pv]bool{}
			for _, ia := range seq {
				ev := s.ObserveAttestation(ia)
				all = append(all, ev...)
				allTwin = append(allTwin, twin.ObserveAttestation(ia)...)
				for _, v := range ia.AttestingIndices {
					for _, d := range signed[v] {
						if slConflict(d, ia.Data) || slConflict(ia.Data, d) {
							want[pv{makePairKey(d.Root(), ia.Data.Root()), v}] = true
						}
					}
					if !slices.Contains(signed[v], ia.Data) {
						signed[v] = append(signed[v], ia.Data)
					}
				}
			}
			if len(want) == 0 {
				t.Fatal("the random sequence holds no offence; the property is vacuous")
			}
			got := map[pv]bool{}
			for i, e := range all {
				a1, a2 := e.Attester.Attestation1, e.Attester.Attestation2
				if !slConflict(a1.Data, a2.Data) {
					t.Fatalf("evidence %d is not slashable in its order", i)
				}
				inter := slIntersection(a1.AttestingIndices, a2.AttestingIndices)
				if len(inter) == 0 || fmt.Sprint(inter) != fmt.Sprint(e.Validators) {
					t.Fatalf("evidence %d: Validators %v, intersection %v", i, e.Validators, inter)
				}
				pk := makePairKey(a1.Data.Root(), a2.Data.Root())
				fresh := false
				for _, v := range inter {
					if !want[pv{pk, v}] {
						t.Fatalf("evidence %d accuses %d, whom the naive check does not", i, v)
					}
					if !got[pv{pk, v}] {
						fresh = true
					}
					got[pv{pk, v}] = true
				}
				if !fresh {
					t.Fatalf("evidence %d proves nobody new guilty", i)
				}
			}
			for k := range want {
				if !got[k] {
					t.Fatalf("validator %d's conflict was not found", k.v)
				}
			}
			for _, ia := range seq {
				if ev := s.ObserveAttestation(ia); len(ev) != 0 {
					t.Fatalf("observing again gave %d evidence", len(ev))
				}
			}
			if !reflect.DeepEqual(all, allTwin) {
				t.Fatal("two slashers fed the same calls disagree")
			}
		})
	}
}

func TestSlasherAddDeduplicates(t *testing.T) {
	s := NewSlasher(0)
	d1, d2 := slData(0, 1, 1), slData(0, 1, 2)
	s.ObserveAttestation(slIA(d1, 1, 2))
	ev := s.ObserveAttestation(slIA(d2, 2, 3))
	s.ObserveHeader(slHeader(4, 9, 1))
	ev = append(ev, s.ObserveHeader(slHeader(4, 9, 2))...)
	if len(ev) != 2 {
		t.Fatalf("got %d evidence, want 2", len(ev))
	}
	s.Add(ev)
	s.Add(ev)
	// The same findings with the operands swapped are the same evidence.
	swapped := []Evidence{
		{Attester: &consensus.AttesterSlashing{Attestation1: ev[0].Attester.Attestation2, Attestation2: ev[0].Attester.Attestation1}},
		{Proposer: &consensus.ProposerSlashing{SignedHeader1: ev[1].Proposer.SignedHeader2, SignedHeader2: ev[1].Proposer.SignedHeader1}},
	}
	s.Add(swapped)
	// Malformed: both set, none set, no offence, empty intersection.
	s.Add([]Evidence{
		{Attester: ev[0].Attester, Proposer: ev[1].Proposer},
		{},
		{Attester: &consensus.AttesterSlashing{Attestation1: *slIA(d1, 1), Attestation2: *slIA(d1, 1)}},
		{Attester: &consensus.AttesterSlashing{Attestation1: *slIA(d1, 1), Attestation2: *slIA(d2, 2)}},
		{Proposer: &consensus.ProposerSlashing{SignedHeader1: *slHeader(4, 9, 1), SignedHeader2: *slHeader(4, 9, 1)}},
		{Proposer: &consensus.ProposerSlashing{SignedHeader1: *slHeader(4, 9, 1), SignedHeader2: *slHeader(5, 9, 2)}},
	})
	if s.PoolSize() != 2 {
		t.Fatalf("pool holds %d entries, want 2", s.PoolSize())
	}
	// The pool keeps its own copy.
	ev[0].Attester.Attestation1.AttestingIndices[0] = 99
	if got := s.pool[0].ev.Attester.Attestation1.AttestingIndices[0]; got == 99 {
		t.Fatal("the pool shares the caller's index slice")
	}
}

// slGenesis builds a Minimal-preset genesis state with the given balances
// (0x02 credentials above 32 ETH, so that the effective balance follows).
func slGenesis(t *testing.T, cfg *consensus.Config, balances []consensus.Gwei) *consensus.State {
	t.Helper()
	vals := make([]consensus.GenesisValidator, len(balances))
	for i, b := range balances {
		var cred consensus.Root
		cred[0] = consensus.ETH1AddressWithdrawalPrefix
		if b > 32*slETH {
			cred[0] = consensus.CompoundingWithdrawalPrefix
		}
		binary.LittleEndian.PutUint64(cred[12:], uint64(i)+1)
		vals[i] = consensus.GenesisValidator{Balance: b, WithdrawalCredentials: cred}
	}
	st, err := consensus.NewGenesisState(cfg, vals, slHash("genesis", 0), consensus.NewCaches())
	if err != nil {
		t.Fatalf("NewGenesisState: %v", err)
	}
	return st
}

// slNextSlot advances st to the next slot whose proposer is not slashed (a
// slashed proposer's block is invalid whatever it carries).
func slNextSlot(t *testing.T, cfg *consensus.Config, st *consensus.State) {
	t.Helper()
	for range 64 {
		if _, err := consensus.ProcessSlots(cfg, st, st.Slot+1); err != nil {
			t.Fatalf("ProcessSlots: %v", err)
		}
		p, err := consensus.GetBeaconProposerIndex(cfg, st)
		if err != nil {
			t.Fatalf("GetBeaconProposerIndex: %v", err)
		}
		if !st.Validators[p].Slashed {
			return
		}
	}
	t.Fatal("no unslashed proposer in 64 slots")
}

// slApply puts the slashings in a block on st (advanced to its slot), runs
// consensus.ProcessBlock and checks that exactly the expected validators
// were slashed: every proposer, then every attester-slashing intersection
// member not slashed before, in block order (computed here from the
// operations and the pre-state).
func slApply(t *testing.T, cfg *consensus.Config, st *consensus.State, ps []consensus.ProposerSlashing, as []consensus.AttesterSlashing) []consensus.ValidatorIndex {
	t.Helper()
	done := map[consensus.ValidatorIndex]bool{}
	for i := range st.Validators {
		done[consensus.ValidatorIndex(i)] = st.Validators[i].Slashed
	}
	var want []consensus.ValidatorIndex
	for _, p := range ps {
		v := p.SignedHeader1.Message.ProposerIndex
		if done[v] {
			t.Fatalf("proposer slashing of %d, already slashed", v)
		}
		done[v] = true
		want = append(want, v)
	}
	for _, a := range as {
		for _, v := range slIntersection(a.Attestation1.AttestingIndices, a.Attestation2.AttestingIndices) {
			if !done[v] {
				done[v] = true
				want = append(want, v)
			}
		}
	}
	b, err := consensus.BlockTemplate(cfg, st)
	if err != nil {
		t.Fatalf("BlockTemplate: %v", err)
	}
	b.Body.ProposerSlashings = ps
	b.Body.AttesterSlashings = as
	rep, err := consensus.ProcessBlock(cfg, st, &consensus.SignedBeaconBlock{Message: b}, consensus.AcceptAll{})
	if err != nil {
		t.Fatalf("slot %d: ProcessBlock rejected the selected slashings: %v", st.Slot, err)
	}
	if fmt.Sprint(rep.Slashed) != fmt.Sprint(want) {
		t.Fatalf("slot %d: slashed %v, want %v", st.Slot, rep.Slashed, want)
	}
	for _, v := range want {
		if !st.Validators[v].Slashed {
			t.Fatalf("validator %d not slashed", v)
		}
	}
	return want
}

// ForBlock selects within the block limits, only evidence that passes
// process_*_slashing, most slashable effective balance first; applied
// block after block, it slashes every guilty validator that can be
// slashed, and leaves in the pool only evidence that may still be usable.
// Reference: phase0 process_proposer_slashing, process_attester_slashing;
// Electra process_operations limits.
func TestSlasherForBlock(t *testing.T) {
	cfg := consensus.Minimal()
	balances := make([]consensus.Gwei, 64)
	for i := range balances {
		balances[i] = 32 * slETH
	}
	balances[3] = 2048 * slETH // compounding: effective balance 2048 ETH
	balances[40] = 16 * slETH  // below MIN_ACTIVATION_BALANCE: never active
	st := slGenesis(t, &cfg, balances)
	slNextSlot(t, &cfg, st)
	st.Validators[20].Slashed = true
	st.Validators[30].Slashed = true

	s := NewSlasher(0)
	var ev []Evidence
	// Each offence at its own target epoch, so that they do not interact.
	double := func(target consensus.Epoch, a, b []consensus.ValidatorIndex) {
		ev = append(ev, s.ObserveAttestation(slIA(slData(0, target, 1), a...))...)
		ev = append(ev, s.ObserveAttestation(slIA(slData(0, target, 2), b...))...)
	}
	double(1, []consensus.ValidatorIndex{1, 3, 5, 7}, []consensus.ValidatorIndex{3, 5, 9}) // {3,5}: 2080 ETH
	ev = append(ev, s.ObserveAttestation(slIA(slData(2, 3, 0), 10, 11, 12, 13))...)
	ev = append(ev, s.ObserveAttestation(slIA(slData(1, 4, 0), 9, 10, 11, 12))...)    // surround {10,11,12}: 96 ETH
	double(5, []consensus.ValidatorIndex{20, 21}, []consensus.ValidatorIndex{20, 21}) // 20 already slashed
	double(6, []consensus.ValidatorIndex{40}, []consensus.ValidatorIndex{40})         // not active: unusable, kept
	double(7, []consensus.ValidatorIndex{30}, []consensus.ValidatorIndex{30})         // already slashed: dropped
	double(8, []consensus.ValidatorIndex{5, 70}, []consensus.ValidatorIndex{5, 70})   // 70 not in the registry
	// 18 double proposals, more than MAX_PROPOSER_SLASHINGS (16); 3 among them.
	proposers := []consensus.ValidatorIndex{3}
	for v := consensus.ValidatorIndex(44); v < 61; v++ {
		proposers = append(proposers, v)
	}
	for _, p := range proposers {
		s.ObserveHeader(slHeader(p, 1, 0))
		ev = append(ev, s.ObserveHeader(slHeader(p, 1, 1))...)
	}
	if len(ev) != 6+len(proposers) {
		t.Fatalf("got %d evidence, want %d", len(ev), 6+len(proposers))
	}
	s.Add(ev)

	guilty := map[consensus.ValidatorIndex]bool{}
	for _, v := range []consensus.ValidatorIndex{3, 5, 10, 11, 12, 21} {
		guilty[v] = true
	}
	for _, p := range proposers {
		guilty[p] = true
	}

	// First block: 16 proposer slashings, validator 3 (2048 ETH) first; with
	// 3 taken by a proposer slashing the {3,5} double vote is worth 32 ETH,
	// so the surround vote (96 ETH) is the attester slashing.
	ps, as := s.ForBlock(&cfg, st)
	if uint64(len(ps)) != cfg.MaxProposerSlashings || uint64(len(as)) != cfg.MaxAttesterSlashings {
		t.Fatalf("first block: %d proposer and %d attester slashings, want %d and %d",
			len(ps), len(as), cfg.MaxProposerSlashings, cfg.MaxAttesterSlashings)
	}
	if p := ps[0].SignedHeader1.Message.ProposerIndex; p != 3 {
		t.Errorf("first proposer slashing is of %d, want 3 (largest effective balance)", p)
	}
	if got := slIntersection(as[0].Attestation1.AttestingIndices, as[0].Attestation2.AttestingIndices); fmt.Sprint(got) != "[10 11 12]" {
		t.Errorf("attester slashing of %v, want the surround vote [10 11 12]", got)
	}
	if s.PoolSize() != len(ev)-1 {
		t.Errorf("pool holds %d, want %d (only the evidence against 30 dropped)", s.PoolSize(), len(ev)-1)
	}
	slashed := map[consensus.ValidatorIndex]bool{}
	for _, v := range slApply(t, &cfg, st, ps, as) {
		slashed[v] = true
	}

	for blocks := 1; ; blocks++ {
		if blocks > 10 {
			t.Fatal("evidence still selected after 10 blocks")
		}
		slNextSlot(t, &cfg, st)
		ps, as := s.ForBlock(&cfg, st)
		if uint64(len(ps)) > cfg.MaxProposerSlashings || uint64(len(as)) > cfg.MaxAttesterSlashings {
			t.Fatalf("over the block limits: %d, %d", len(ps), len(as))
		}
		if len(ps)+len(as) == 0 {
			break
		}
		for _, v := range slApply(t, &cfg, st, ps, as) {
			slashed[v] = true
		}
	}
	for v := range guilty {
		if !slashed[v] || !st.Validators[v].Slashed {
			t.Errorf("guilty validator %d was not slashed", v)
		}
	}
	for v := range slashed {
		if !guilty[v] {
			t.Errorf("validator %d slashed without an offence", v)
		}
	}
	if got := s.Pending(st); fmt.Sprint(got) != "[40]" {
		t.Errorf("Pending = %v, want [40] (70 is outside the registry)", got)
	}
	// Left: the evidence against 40 (may yet activate) and against {5,70}
	// (70 may yet join the registry).
	if s.PoolSize() != 2 {
		t.Errorf("pool holds %d entries, want 2", s.PoolSize())
	}
}

// With room for several attester slashings, the greedy choice never picks
// one whose validators an earlier pick already slashes (process_attester_slashing
// would fail its slashed_any assertion).
func TestSlasherForBlockNoOverlap(t *testing.T) {
	cfg := consensus.Minimal()
	cfg.MaxAttesterSlashings = 2
	balances := make([]consensus.Gwei, 16)
	for i := range balances {
		balances[i] = 32 * slETH
	}
	balances[3] = 64 * slETH
	st := slGenesis(t, &cfg, balances)
	slNextSlot(t, &cfg, st)

	s := NewSlasher(0)
	var ev []Evidence
	for tag := uint64(1); tag <= 3; tag++ { // 3 signs three data: pairs {3,5}, {3}, {3}
		idx := []consensus.ValidatorIndex{3}
		if tag == 1 || tag == 2 {
			idx = append(idx, 5)
		}
		ev = append(ev, s.ObserveAttestation(slIA(slData(0, 1, tag), idx...))...)
	}
	s.ObserveAttestation(slIA(slData(0, 2, 1), 6))
	ev = append(ev, s.ObserveAttestation(slIA(slData(0, 2, 2), 6))...)
	if len(ev) != 4 {
		t.Fatalf("got %d evidence, want 4", len(ev))
	}
	s.Add(ev)
	_, as := s.ForBlock(&cfg, st)
	if len(as) != 2 {
		t.Fatalf("got %d attester slashings, want 2", len(as))
	}
	first := slIntersection(as[0].Attestation1.AttestingIndices, as[0].Attestation2.AttestingIndices)
	second := slIntersection(as[1].Attestation1.AttestingIndices, as[1].Attestation2.AttestingIndices)
	if fmt.Sprint(first) != "[3 5]" || fmt.Sprint(second) != "[6]" {
		t.Fatalf("selected %v then %v, want [3 5] then [6]", first, second)
	}
	slApply(t, &cfg, st, nil, as)
}

// BenchmarkSlasherEpoch observes one epoch of honest votes of 1,000
// validators in steady state (a full window behind it): each vote once by
// gossip and twice inside its committee's aggregate.
func BenchmarkSlasherEpoch(b *testing.B) {
	const n, slots = 1000, 32
	committees := make([][]consensus.ValidatorIndex, slots)
	for v := range n {
		committees[v%slots] = append(committees[v%slots], consensus.ValidatorIndex(v))
	}
	s := NewSlasher(0)
	epoch := consensus.Epoch(0)
	observeEpoch := func() int {
		epoch++
		found := 0
		for i, c := range committees {
			d := consensus.AttestationData{
				Slot:            consensus.Slot(uint64(epoch)*slots + uint64(i)),
				BeaconBlockRoot: slHash("head", uint64(epoch)*slots+uint64(i)),
				Source:          consensus.Checkpoint{Epoch: epoch - 1, Root: slHash("cp", uint64(epoch-1))},
				Target:          consensus.Checkpoint{Epoch: epoch, Root: slHash("cp", uint64(epoch))},
			}
			for _, v := range c {
				found += len(s.ObserveAttestation(&consensus.IndexedAttestation{AttestingIndices: []consensus.ValidatorIndex{v}, Data: d}))
			}
			agg := &consensus.IndexedAttestation{AttestingIndices: c, Data: d}
			found += len(s.ObserveAttestation(agg))
			found += len(s.ObserveAttestation(agg))
		}
		return found
	}
	for range DefaultHistoryEpochs {
		observeEpoch()
	}
	b.ReportAllocs()
	for b.Loop() {
		if found := observeEpoch(); found != 0 {
			b.Fatalf("honest epoch gave %d evidence", found)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/epoch")
	b.ReportMetric(float64(b.N)*3*n/b.Elapsed().Seconds(), "votes/s")
}

// TestSlasherSharedIndices: a slasher fed shared attestations (whose
// indices it keeps without a copy) finds the same evidence as one fed
// copies.
func TestSlasherSharedIndices(t *testing.T) {
	copied, shared := NewSlasher(8), NewSlasher(8)
	seq := []*consensus.IndexedAttestation{
		slIA(slData(0, 1, 1), 1, 2, 3, 4),
		slIA(slData(0, 1, 2), 2, 3),       // double vote by 2 and 3
		slIA(slData(0, 3, 3), 1, 4, 5),    // no conflict
		slIA(slData(1, 2, 4), 5),          // surrounded by (0, 3)
		slIA(slData(0, 1, 2), 2, 3, 4, 6), // larger aggregate of a stored vote
		slIA(slData(0, 1, 5), 4, 6),
	}
	found := 0
	for i, ia := range seq {
		want := copied.ObserveAttestation(ia)
		got := shared.ObserveSharedAttestation(ia)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("attestation %d: shared gave %+v, copied %+v", i, got, want)
		}
		found += len(got)
	}
	if found < 2 {
		t.Fatalf("%d pieces of evidence, want a double and a surround vote at least", found)
	}
}

// BenchmarkSlasherVotes feeds one slasher, alone, a million validators'
// honest votes for a few epochs (64, the full window, when the -bench
// pattern names epochs-64), as the engine does: each vote once by gossip
// and then inside its slot's block aggregate (one data per slot, shared
// indices). The gossip votes go through ObserveVote (vote) or, as callers
// did before it, through ObserveAttestation with an IndexedAttestation
// each (attestation). It reports the time per observed vote and the live
// heap the slasher holds at the end, per validator. One iteration takes
// seconds:
//
//	go test ./agents -run XXX -bench BenchmarkSlasherVotes -benchtime 1x
func BenchmarkSlasherVotes(b *testing.B) {
	epochs := []consensus.Epoch{4}
	if f := flag.Lookup("test.bench"); f != nil && strings.Contains(f.Value.String(), "epochs-64") {
		epochs = append(epochs, 64)
	}
	for _, e := range epochs {
		b.Run(fmt.Sprintf("vote-epochs-%d", e), func(b *testing.B) {
			benchSlasherVotes(b, e, func(s *Slasher, v consensus.ValidatorIndex, d *consensus.AttestationData) {
				s.ObserveVote(v, d, crypto.Signature{})
			})
		})
		b.Run(fmt.Sprintf("attestation-epochs-%d", e), func(b *testing.B) {
			benchSlasherVotes(b, e, slObserveSingle)
		})
	}
}

func benchSlasherVotes(b *testing.B, epochs consensus.Epoch, single func(*Slasher, consensus.ValidatorIndex, *consensus.AttestationData)) {
	const n, slots = 1_000_000, 32
	committees := make([][]consensus.ValidatorIndex, slots)
	for v := range n {
		committees[v%slots] = append(committees[v%slots], consensus.ValidatorIndex(v))
	}
	var bytes float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		base := slLiveHeap()
		b.StartTimer()
		s := NewSlasher(0)
		for e := consensus.Epoch(1); e <= epochs; e++ {
			for j, c := range committees {
				d := consensus.AttestationData{
					Slot:            consensus.Slot(uint64(e)*slots + uint64(j)),
					BeaconBlockRoot: slHash("head", uint64(e)*slots+uint64(j)),
					Source:          consensus.Checkpoint{Epoch: e - 1, Root: slHash("cp", uint64(e-1))},
					Target:          consensus.Checkpoint{Epoch: e, Root: slHash("cp", uint64(e))},
				}
				for _, v := range c {
					single(s, v, &d)
				}
				s.ObserveSharedAttestation(&consensus.IndexedAttestation{AttestingIndices: c, Data: d})
			}
		}
		b.StopTimer()
		bytes = slLiveHeap() - base
		runtime.KeepAlive(s)
		b.StartTimer()
	}
	b.ReportMetric(bytes/n, "B/validator")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*int(epochs)*n*2), "ns/vote")
}

// slLiveHeap is the live heap after a GC.
func slLiveHeap() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc)
}

// slObserveSingle shows a slasher one gossip vote.
func slObserveSingle(s *Slasher, v consensus.ValidatorIndex, d *consensus.AttestationData) {
	s.ObserveAttestation(&consensus.IndexedAttestation{AttestingIndices: []consensus.ValidatorIndex{v}, Data: *d})
}

// slVotesOf is the number of votes stored for validator v.
func slVotesOf(s *Slasher, v consensus.ValidatorIndex) int {
	n := 0
	for _, ep := range s.epochs {
		n += len(ep.votesOf(v, new([1]uint32)))
	}
	return n
}

// slStoredVotes is the number of votes stored.
func slStoredVotes(s *Slasher) int {
	n := 0
	for _, ep := range s.epochs {
		for v := range ep.ids {
			n += len(ep.votesOf(consensus.ValidatorIndex(v), new([1]uint32)))
		}
	}
	return n
}

// slStoredAttestations counts the stored aggregates and single votes.
func slStoredAttestations(s *Slasher) (aggs, singles int) {
	for _, ep := range s.epochs {
		for _, d := range ep.data {
			aggs += len(d.aggs)
			singles += len(d.singles)
		}
	}
	return aggs, singles
}
