package consensus

import (
	"fmt"
	"testing"
)

// Reference: phase0 beacon-chain.md, compute_shuffled_index and
// compute_shuffled_permutation. ComputeShuffledIndex is the literal per-index
// form; the whole-list shuffle must agree with it everywhere.
func TestShufflePermutationAgreesWithPerIndex(t *testing.T) {
	minimal, mainnet := Minimal(), Mainnet()
	sizes := []uint64{0, 1, 2, 3, 5, 17, 255, 256, 257, 513, 1000}
	for _, cfg := range []*Config{&minimal, &mainnet} {
		for _, n := range sizes {
			for s := range uint64(3) {
				seed := tuHash("shuffle-seed", s*1000+n)
				t.Run(fmt.Sprintf("%s/n=%d/seed=%d", cfg.PresetName, n, s), func(t *testing.T) {
					perm := ShufflePermutation(cfg, n, seed)
					if uint64(len(perm)) != n {
						t.Fatalf("len %d, want %d", len(perm), n)
					}
					seen := make([]bool, n)
					fast := newIndexShuffler(cfg, seed, n)
					for i := range n {
						want, ok := ComputeShuffledIndex(cfg, i, n, seed)
						if !ok {
							t.Fatalf("ComputeShuffledIndex(%d, %d) not ok", i, n)
						}
						if perm[i] != want {
							t.Fatalf("perm[%d] = %d, per-index = %d", i, perm[i], want)
						}
						if got := fast.index(i); got != want {
							t.Fatalf("indexShuffler(%d) = %d, per-index = %d", i, got, want)
						}
						if want >= n || seen[want] {
							t.Fatalf("per-index shuffle is not a permutation: %d repeated or out of range", want)
						}
						seen[want] = true
					}
				})
			}
		}
	}
}

func TestComputeShuffledIndexRejectsOutOfRange(t *testing.T) {
	cfg := Minimal()
	if _, ok := ComputeShuffledIndex(&cfg, 5, 5, Root{}); ok {
		t.Fatal("index == count accepted")
	}
	if _, ok := ComputeShuffledIndex(&cfg, 0, 0, Root{}); ok {
		t.Fatal("count 0 accepted")
	}
}

// The shuffle must actually move things: for a list of 1000, a fixed point
// count near 1 (a random permutation has one on average) and the identity
// is astronomically unlikely.
func TestShuffleIsNotIdentity(t *testing.T) {
	cfg := Mainnet()
	perm := ShufflePermutation(&cfg, 1000, tuHash("x", 1))
	fixed := 0
	for i, p := range perm {
		if uint64(i) == p {
			fixed++
		}
	}
	if fixed > 10 {
		t.Fatalf("%d fixed points out of 1000", fixed)
	}
}

// compute_committee per index equals slicing the whole-list shuffle.
func TestComputeCommitteeMatchesShuffleList(t *testing.T) {
	cfg := Minimal()
	indices := make([]ValidatorIndex, 203)
	for i := range indices {
		indices[i] = ValidatorIndex(3*i + 1) // not the identity, to catch index/position mix-ups
	}
	seed := tuHash("committee", 7)
	shuffled := ShuffleList(&cfg, indices, seed)
	const count = 13
	var joined []ValidatorIndex
	for k := range uint64(count) {
		c := ComputeCommittee(&cfg, indices, seed, k, count)
		n := uint64(len(indices))
		start, end := n*k/count, n*(k+1)/count
		if uint64(len(c)) != end-start {
			t.Fatalf("committee %d has %d members, want %d", k, len(c), end-start)
		}
		for i, v := range c {
			if shuffled[start+uint64(i)] != v {
				t.Fatalf("committee %d member %d = %d, shuffled list has %d", k, i, v, shuffled[start+uint64(i)])
			}
		}
		joined = append(joined, c...)
	}
	if len(joined) != len(indices) {
		t.Fatalf("committees cover %d of %d", len(joined), len(indices))
	}
}

func BenchmarkShufflePermutation100k(b *testing.B) {
	cfg := Mainnet()
	seed := tuHash("bench", 0)
	for b.Loop() {
		ShufflePermutation(&cfg, 100_000, seed)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "shuffles/s")
}
