package agents

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// refSlasher is the Slasher's attestation part written the plain way, from
// its documentation: each validator has a list of votes (data and the
// stored attestation that proves it); a new vote is checked against every
// vote of its validators. The vote store of Slasher must give the same
// evidence, byte for byte.
type refSlasher struct {
	window  uint64
	seen    bool
	newest  consensus.Epoch
	votes   map[consensus.ValidatorIndex][]refVote
	covered map[consensus.Epoch]map[pairKey]map[consensus.ValidatorIndex]bool
	seq     int
}

type refVote struct {
	data consensus.AttestationData
	att  *refAtt
}

type refAtt struct {
	ia  consensus.IndexedAttestation // a private copy
	seq int
}

func newRefSlasher(window uint64) *refSlasher {
	return &refSlasher{window: window, votes: map[consensus.ValidatorIndex][]refVote{},
		covered: map[consensus.Epoch]map[pairKey]map[consensus.ValidatorIndex]bool{}}
}

func (r *refSlasher) cutoff() consensus.Epoch {
	if uint64(r.newest) < r.window {
		return 0
	}
	return r.newest - consensus.Epoch(r.window) + 1
}

// advance moves the window to e and forgets what left it.
func (r *refSlasher) advance(e consensus.Epoch) {
	if r.seen && e <= r.newest {
		return
	}
	r.seen, r.newest = true, e
	c := r.cutoff()
	for v, votes := range r.votes {
		votes = slices.DeleteFunc(votes, func(x refVote) bool { return x.data.Target.Epoch < c })
		r.votes[v] = votes
	}
	for e := range r.covered {
		if e < c {
			delete(r.covered, e)
		}
	}
}

func (r *refSlasher) observe(ia *consensus.IndexedAttestation) []Evidence {
	if !validIndices(ia.AttestingIndices) || ia.Data.Source.Epoch > maxSlasherEpoch || ia.Data.Target.Epoch > maxSlasherEpoch {
		return nil
	}
	r.advance(ia.Data.Target.Epoch)
	if ia.Data.Target.Epoch < r.cutoff() {
		return nil
	}
	var own *refAtt
	store := func() *refAtt {
		if own == nil {
			own = &refAtt{ia: copyIndexed(ia), seq: r.seq}
			r.seq++
		}
		return own
	}
	var cands []*refAtt
	for _, v := range ia.AttestingIndices {
		votes := r.votes[v]
		if i := slices.IndexFunc(votes, func(x refVote) bool { return x.data == ia.Data }); i >= 0 {
			if len(votes[i].att.ia.AttestingIndices) < len(ia.AttestingIndices) {
				votes[i].att = store()
			}
			continue
		}
		same := 0
		for _, x := range votes {
			if x.data.Target.Epoch == ia.Data.Target.Epoch {
				same++
			}
			if (slConflict(x.data, ia.Data) || slConflict(ia.Data, x.data)) && !slices.Contains(cands, x.att) {
				cands = append(cands, x.att)
			}
		}
		if same < maxVotesPerTarget {
			r.votes[v] = append(votes, refVote{data: ia.Data, att: store()})
		}
	}
	return r.evidence(ia, cands)
}

func (r *refSlasher) evidence(ia *consensus.IndexedAttestation, cands []*refAtt) []Evidence {
	slices.SortFunc(cands, func(x, y *refAtt) int {
		nx := len(slIntersection(ia.AttestingIndices, x.ia.AttestingIndices))
		ny := len(slIntersection(ia.AttestingIndices, y.ia.AttestingIndices))
		return cmp.Or(cmp.Compare(ny, nx), cmp.Compare(x.seq, y.seq))
	})
	var out []Evidence
	for _, c := range cands {
		inter := slIntersection(ia.AttestingIndices, c.ia.AttestingIndices)
		older := min(ia.Data.Target.Epoch, c.ia.Data.Target.Epoch)
		pk := makePairKey(ia.Data.Root(), c.ia.Data.Root())
		if r.covered[older] == nil {
			r.covered[older] = map[pairKey]map[consensus.ValidatorIndex]bool{}
		}
		if r.covered[older][pk] == nil {
			r.covered[older][pk] = map[consensus.ValidatorIndex]bool{}
		}
		fresh := false
		for _, v := range inter {
			fresh = fresh || !r.covered[older][pk][v]
			r.covered[older][pk][v] = true
		}
		if !fresh {
			continue
		}
		as := &consensus.AttesterSlashing{Attestation1: copyIndexed(ia), Attestation2: copyIndexed(&c.ia)}
		if slConflict(c.ia.Data, ia.Data) {
			as.Attestation1, as.Attestation2 = as.Attestation2, as.Attestation1
		}
		offence := OffenceSurroundVote
		if c.ia.Data.Target.Epoch == ia.Data.Target.Epoch {
			offence = OffenceDoubleVote
		}
		out = append(out, Evidence{Offence: offence, Validators: inter, Attester: as})
	}
	return out
}

// slSigs are a few real signatures (and the zero one), so that evidence
// shows which stored attestation it copied.
var slSigs = func() []crypto.Signature {
	sigs := []crypto.Signature{{}}
	for i := range 3 {
		sigs = append(sigs, crypto.Sign(crypto.DeriveSecretKey(7, uint64(i)), slHash("sig", uint64(i))))
	}
	return sigs
}()

// slRandomVotes is a random sequence of votes: single votes and
// aggregates of n validators, targets moving forward by about one epoch per
// perEpoch steps, one aggregate in aggEvery, tags of head votes out of
// tags (many tags: many distinct data per epoch), sources up to three
// epochs back, so that double and surround votes are frequent.
func slRandomVotes(rng *rand.Rand, steps, n, tags, perEpoch, aggEvery int) []*consensus.IndexedAttestation {
	var seq []*consensus.IndexedAttestation
	for i := range steps {
		base := consensus.Epoch(i/perEpoch) + 3
		tgt := base - consensus.Epoch(rng.IntN(3))
		src := tgt - 1 - consensus.Epoch(rng.IntN(min(3, int(tgt))))
		d := slData(src, tgt, uint64(rng.IntN(tags)))
		var idx []consensus.ValidatorIndex
		if rng.IntN(aggEvery) != 0 {
			idx = []consensus.ValidatorIndex{consensus.ValidatorIndex(rng.IntN(n))}
		} else {
			for v := range n {
				if rng.IntN(max(3, n/8)) == 0 {
					idx = append(idx, consensus.ValidatorIndex(v))
				}
			}
		}
		if len(idx) == 0 {
			idx = append(idx, 0)
		}
		ia := slIA(d, idx...)
		ia.Signature = slSigs[rng.IntN(len(slSigs))]
		seq = append(seq, ia)
	}
	return seq
}

// slCompare feeds seq to a Slasher (through all three entry points, chosen
// at random) and to the reference, and fails at the first call whose
// evidence differs. It returns the evidence count.
func slCompare(t *testing.T, rng *rand.Rand, s *Slasher, ref *refSlasher, seq []*consensus.IndexedAttestation) int {
	t.Helper()
	found := 0
	for i, ia := range seq {
		want := ref.observe(ia)
		var got []Evidence
		switch k := rng.IntN(3); {
		case k == 0 && len(ia.AttestingIndices) == 1:
			got = s.ObserveVote(ia.AttestingIndices[0], &ia.Data, ia.Signature)
		case k == 1:
			got = s.ObserveSharedAttestation(ia)
		default:
			got = s.ObserveAttestation(ia)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("call %d (%d indices, target %d): got %s, want %s", i, len(ia.AttestingIndices), ia.Data.Target.Epoch, slDescribe(got), slDescribe(want))
		}
		found += len(got)
	}
	return found
}

func slDescribe(evs []Evidence) string {
	out := fmt.Sprintf("%d evidence", len(evs))
	for _, e := range evs {
		a1, a2 := e.Attester.Attestation1, e.Attester.Attestation2
		out += fmt.Sprintf(" [%s %v: %v %v / %v %v]", e.Offence, e.Validators, a1.AttestingIndices, a1.Data.Target.Epoch, a2.AttestingIndices, a2.Data.Target.Epoch)
	}
	return out
}

// The vote store gives the evidence of the plain reference on random
// sequences with double and surround votes, aggregates that grow and
// shrink, signatures, and a window that drops votes.
func TestSlasherMatchesReference(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			window := []uint64{2, 4, 64}[seed%3]
			seq := slRandomVotes(rng, 600, 12, 3, 40, 2)
			s := NewSlasher(window)
			found := slCompare(t, rng, s, newRefSlasher(window), seq)
			if found == 0 {
				t.Fatal("no evidence: the comparison is vacuous")
			}
			packed := 0
			for _, ep := range s.epochs {
				for _, d := range ep.data {
					for _, a := range d.aggs {
						if a.packed != nil {
							packed++
						}
					}
				}
			}
			if packed == 0 && window > packAfter {
				t.Fatal("no packed aggregate: packing is not exercised")
			}
		})
	}
}

// Overflow: an epoch with more distinct data than a byte names, and
// validators with more votes per target than maxVotesPerTarget keeps.
func TestSlasherMatchesReferenceManyData(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	s, ref := NewSlasher(8), newRefSlasher(8)
	seq := slRandomVotes(rng, 2000, 200, 1000, 1000, 20)
	if slCompare(t, rng, s, ref, seq) == 0 {
		t.Fatal("no evidence: the comparison is vacuous")
	}
	maxData, extra, capped := 0, 0, false
	for _, ep := range s.epochs {
		maxData = max(maxData, len(ep.data))
		extra += len(ep.extra)
		for _, ids := range ep.extra {
			capped = capped || len(ids) == maxVotesPerTarget
		}
	}
	if maxData < manyVotes || extra == 0 || !capped {
		t.Fatalf("overflow not exercised: %d data in an epoch, %d validators with a list, capped %v", maxData, extra, capped)
	}
}

// Pruning releases the votes: after many windows, the slasher keeps the
// window's epochs and two spare arrays, and its live heap does not grow.
func TestSlasherWindowReleasesMemory(t *testing.T) {
	const n, window = 20_000, 4
	s := NewSlasher(window)
	all := make([]consensus.ValidatorIndex, n)
	for i := range all {
		all[i] = consensus.ValidatorIndex(i)
	}
	heapAt := map[consensus.Epoch]float64{}
	for e := consensus.Epoch(1); e <= 8*window; e++ {
		d := slData(e-1, e, uint64(e))
		for _, v := range all {
			s.ObserveVote(v, &d, crypto.Signature{})
		}
		s.ObserveSharedAttestation(slIA(d, all...))
		if e%window == 0 {
			heapAt[e] = slLiveHeap()
		}
	}
	if len(s.epochs) != window || len(s.spare) > 2 {
		t.Fatalf("%d epochs and %d spare arrays kept, want %d and at most 2", len(s.epochs), len(s.spare), window)
	}
	if _, singles := slStoredAttestations(s); singles != 0 {
		t.Fatalf("%d single votes kept after their aggregates", singles)
	}
	if early, late := heapAt[2*window], heapAt[8*window]; late > early*1.1+1<<20 {
		t.Fatalf("live heap grew from %.0f to %.0f bytes over six windows", early, late)
	}
	s.Prune(100)
	if len(s.epochs) != 0 || slStoredVotes(s) != 0 {
		t.Fatalf("Prune past the window kept %d epochs", len(s.epochs))
	}
	runtime.KeepAlive(s)
}

// A gossip vote, once its epoch and data exist, allocates nothing.
func TestSlasherObserveVoteAllocs(t *testing.T) {
	const n = 4096
	s := NewSlasher(0)
	d := slData(4, 5, 1)
	s.ObserveVote(n, &d, crypto.Signature{}) // the epoch, its data and array
	v := consensus.ValidatorIndex(0)
	allocs := testing.AllocsPerRun(n-1, func() {
		s.ObserveVote(v, &d, crypto.Signature{})
		v++
	})
	// The single votes' list grows by doubling: a dozen allocations in all.
	if allocs > 0.01 {
		t.Fatalf("%.3f allocations per gossip vote", allocs)
	}
}

// Packed index lists give back the list and answer membership exactly,
// for dense lists, sparse ones (multi-byte gaps) and every length around
// the stride.
func TestPackedIndices(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{2, 3, packStride - 1, packStride, packStride + 1, 2*packStride + 5, 1000} {
		for _, spread := range []int{1, 40, 1 << 20} {
			idx := make([]consensus.ValidatorIndex, 0, n)
			v := consensus.ValidatorIndex(rng.IntN(spread))
			for range n {
				idx = append(idx, v)
				v += 1 + consensus.ValidatorIndex(rng.IntN(spread))
			}
			p := packIndices(idx)
			if got := p.all(); !slices.Equal(got, idx) {
				t.Fatalf("n %d spread %d: unpacked %v, want %v", n, spread, got, idx)
			}
			for _, x := range idx {
				for _, probe := range []consensus.ValidatorIndex{x - 1, x, x + 1} {
					if want := hasIndex(idx, probe); p.has(probe) != want {
						t.Fatalf("n %d spread %d: has(%d) = %v", n, spread, probe, !want)
					}
				}
			}
			if p.has(v) || p.has(0) != (idx[0] == 0) {
				t.Fatalf("n %d spread %d: membership past the ends", n, spread)
			}
		}
	}
}
