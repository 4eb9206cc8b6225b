package consensus

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"testing"
)

// tuSpecSeed is get_seed written out from the spec text: the mix is
// randao_mixes[(epoch + EPOCHS_PER_HISTORICAL_VECTOR - MIN_SEED_LOOKAHEAD - 1) % EPOCHS_PER_HISTORICAL_VECTOR]
// and the seed is hash(domain_type + uint_to_bytes(epoch) + mix).
func tuSpecSeed(domain DomainType, epoch Epoch, mix Root) Root {
	b := append([]byte{}, domain[:]...)
	b = binary.LittleEndian.AppendUint64(b, uint64(epoch))
	b = append(b, mix[:]...)
	return sha256.Sum256(b)
}

// Reference: phase0 get_seed. At genesis every mix is the genesis seed, so
// epochs 0 and 1 (which read the mixes of epochs 2^16-2 and 2^16-1) and
// epoch 2 (which reads epoch 0's) all see it.
func TestGetSeedGenesisEpochs(t *testing.T) {
	cfg := Minimal()
	st := tuGenesis(t, &cfg, 16)
	gs := tuHash("genesis", 0)
	for e := range Epoch(3) {
		if got, want := GetSeed(&cfg, st, e, DomainBeaconAttester), tuSpecSeed(DomainBeaconAttester, e, gs); got != want {
			t.Fatalf("epoch %d: seed %x, want %x", e, got[:4], want[:4])
		}
	}
	// Epoch 5 reads the mix of epoch 3.
	st.RandaoMixes[3] = tuHash("mix", 3)
	st.Slot = ComputeStartSlotAtEpoch(&cfg, 5)
	if got, want := GetSeed(&cfg, st, 5, DomainBeaconProposer), tuSpecSeed(DomainBeaconProposer, 5, tuHash("mix", 3)); got != want {
		t.Fatalf("epoch 5 seed does not use epoch 3's mix")
	}
}

// Reference: phase0 get_beacon_committee. Over one epoch the committees
// partition the active set: every active validator sits in exactly one
// committee, no inactive one sits in any.
func TestCommitteesPartitionActiveSet(t *testing.T) {
	minimal, mainnet := Minimal(), Mainnet()
	for _, tc := range []struct {
		cfg *Config
		n   int
	}{{&minimal, 1}, {&minimal, 37}, {&minimal, 500}, {&mainnet, 100}, {&mainnet, 9000}} {
		t.Run(fmt.Sprintf("%s/%d", tc.cfg.PresetName, tc.n), func(t *testing.T) {
			cfg := tc.cfg
			vals := make([]GenesisValidator, tc.n+3)
			for i := range vals {
				vals[i] = GenesisValidator{Balance: 32 * tuETH, WithdrawalCredentials: tuCreds(1, i)}
			}
			// Three validators below MIN_ACTIVATION_BALANCE are not active.
			for i := tc.n; i < tc.n+3; i++ {
				vals[i].Balance = 31 * tuETH
			}
			st := tuGenesisWith(t, cfg, vals)
			epoch := GetCurrentEpoch(cfg, st)
			sh, err := EpochCommittees(cfg, st, epoch)
			if err != nil {
				t.Fatal(err)
			}
			// Committee count from the spec formula.
			wantCount := uint64(tc.n) / cfg.SlotsPerEpoch / cfg.TargetCommitteeSize
			wantCount = max(1, min(cfg.MaxCommitteesPerSlot, wantCount))
			if sh.CommitteesPerSlot != wantCount || GetCommitteeCountPerSlot(cfg, st, epoch) != wantCount {
				t.Fatalf("committees per slot %d, want %d", sh.CommitteesPerSlot, wantCount)
			}
			seen := make(map[ValidatorIndex]int)
			for s := range cfg.SlotsPerEpoch {
				slot := ComputeStartSlotAtEpoch(cfg, epoch) + Slot(s)
				for ci := range wantCount {
					c, err := GetBeaconCommittee(cfg, st, slot, CommitteeIndex(ci))
					if err != nil {
						t.Fatal(err)
					}
					for pos, v := range c {
						seen[v]++
						a, ok := sh.Assignment(v)
						if !ok || a.Slot != slot || a.CommitteeIndex != CommitteeIndex(ci) || a.Position != pos || a.CommitteeSize != len(c) {
							t.Fatalf("validator %d: assignment %+v ok=%v, found at slot %d committee %d position %d", v, a, ok, slot, ci, pos)
						}
					}
				}
			}
			for i := range tc.n {
				if seen[ValidatorIndex(i)] != 1 {
					t.Fatalf("active validator %d in %d committees", i, seen[ValidatorIndex(i)])
				}
			}
			for i := tc.n; i < tc.n+3; i++ {
				if seen[ValidatorIndex(i)] != 0 {
					t.Fatalf("inactive validator %d in a committee", i)
				}
				if _, ok := sh.Assignment(ValidatorIndex(i)); ok {
					t.Fatalf("inactive validator %d has an assignment", i)
				}
			}
			if len(seen) != tc.n {
				t.Fatalf("%d distinct members, want %d", len(seen), tc.n)
			}
			if _, err := GetBeaconCommittee(cfg, st, 0, CommitteeIndex(wantCount)); err == nil {
				t.Fatal("committee index == count accepted")
			}
		})
	}
}

// One committee is recomputed with the per-index compute_committee over
// get_active_validator_indices, independently of the cache.
func TestBeaconCommitteeMatchesPerIndexComputation(t *testing.T) {
	cfg := Minimal()
	st := tuGenesis(t, &cfg, 300)
	seed := tuSpecSeed(DomainBeaconAttester, 0, tuHash("genesis", 0))
	active := GetActiveValidatorIndices(st, 0)
	cps := min(cfg.MaxCommitteesPerSlot, uint64(300)/8/4) // spec formula: 4
	for _, slot := range []Slot{0, 3, 7} {
		for ci := range cps {
			got, err := GetBeaconCommittee(&cfg, st, slot, CommitteeIndex(ci))
			if err != nil {
				t.Fatal(err)
			}
			want := ComputeCommittee(&cfg, active, seed, uint64(slot%8)*cps+ci, cps*8)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("slot %d committee %d: %v, want %v", slot, ci, got, want)
			}
		}
	}
}

// Committees for 100,000 validators: one shuffle for the whole epoch, every
// later lookup is a cache hit (the spec's get_beacon_committee would
// reshuffle per call).
func TestCommitteeCacheShufflesOncePerEpoch(t *testing.T) {
	if testing.Short() {
		t.Skip("100k validators")
	}
	cfg := Mainnet()
	st := tuGenesis(t, &cfg, 100_000)
	c := st.Caches()
	for s := range Slot(cfg.SlotsPerEpoch) {
		for ci := range CommitteeIndex(100_000 / 32 / 128) { // 24 committees per slot
			if _, err := GetBeaconCommittee(&cfg, st, s, ci); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A Copy shares the cache.
	if _, err := GetBeaconCommittee(&cfg, st.Copy(), 5, 3); err != nil {
		t.Fatal(err)
	}
	hits, misses := c.ShufflingStats()
	if misses != 1 || hits != 32*24 {
		t.Fatalf("hits %d misses %d, want %d and 1", hits, misses, 32*24)
	}
}

// tuSpecProposer is compute_proposer_index (Electra) written out from the
// spec text with the literal per-index shuffle.
func tuSpecProposer(cfg *Config, st *State, indices []ValidatorIndex, seed Root) ValidatorIndex {
	total := uint64(len(indices))
	for i := uint64(0); ; i++ {
		k, _ := ComputeShuffledIndex(cfg, i%total, total, seed)
		candidate := indices[k]
		rb := sha256.Sum256(binary.LittleEndian.AppendUint64(append([]byte{}, seed[:]...), i/16))
		off := i % 16 * 2
		rv := uint64(rb[off]) | uint64(rb[off+1])<<8
		if uint64(st.Validators[candidate].EffectiveBalance)*65535 >= uint64(cfg.MaxEffectiveBalanceElectra)*rv {
			return candidate
		}
	}
}

func tuMixedStakeState(t testing.TB, cfg *Config, n32, n64, n256 int) *State {
	var vals []GenesisValidator
	for range n32 {
		vals = append(vals, GenesisValidator{Balance: 32 * tuETH, WithdrawalCredentials: tuCreds(1, len(vals))})
	}
	for range n64 {
		vals = append(vals, GenesisValidator{Balance: 64 * tuETH, WithdrawalCredentials: tuCreds(2, len(vals))})
	}
	for range n256 {
		vals = append(vals, GenesisValidator{Balance: 256 * tuETH, WithdrawalCredentials: tuCreds(2, len(vals))})
	}
	return tuGenesisWith(t, cfg, vals)
}

// Reference: Electra compute_proposer_index and get_beacon_proposer_index.
func TestProposerIndexMatchesSpecText(t *testing.T) {
	cfg := Minimal()
	st := tuMixedStakeState(t, &cfg, 40, 20, 4)
	active := GetActiveValidatorIndices(st, 0)
	for i := range uint64(200) {
		seed := tuHash("proposer", i)
		got, err := ComputeProposerIndex(&cfg, st, active, seed)
		if err != nil {
			t.Fatal(err)
		}
		if want := tuSpecProposer(&cfg, st, active, seed); got != want {
			t.Fatalf("seed %d: proposer %d, spec text %d", i, got, want)
		}
	}
	for slot := range Slot(8) {
		st.Slot = slot
		got, err := GetBeaconProposerIndex(&cfg, st)
		if err != nil {
			t.Fatal(err)
		}
		es := tuSpecSeed(DomainBeaconProposer, 0, tuHash("genesis", 0))
		seed := sha256.Sum256(binary.LittleEndian.AppendUint64(es[:], uint64(slot)))
		if want := tuSpecProposer(&cfg, st, active, seed); got != want {
			t.Fatalf("slot %d: proposer %d, spec text %d", slot, got, want)
		}
	}
	if _, err := ComputeProposerIndex(&cfg, st, nil, Root{}); err == nil {
		t.Fatal("empty index list accepted")
	}
}

// Proposer selection frequency is proportional to effective balance
// (32, 64 and 256 ETH groups). Chi-square with 2 degrees of freedom against
// the proportional expectation; 20.0 is exceeded with probability < 5e-5 under
// the null. (The Electra sampler is proportional up to an order effect of
// well under 1% at this registry size.)
func TestProposerFrequencyProportionalToBalance(t *testing.T) {
	cfg := Minimal()
	const n32, n64, n256 = 120, 60, 15
	st := tuMixedStakeState(t, &cfg, n32, n64, n256)
	active := GetActiveValidatorIndices(st, 0)
	trials := 6000.0
	if testing.Short() {
		trials = 3000
	}
	var counts [3]float64
	for i := range uint64(trials) {
		p, err := ComputeProposerIndex(&cfg, st, active, tuHash("freq", i))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case p < n32:
			counts[0]++
		case p < n32+n64:
			counts[1]++
		default:
			counts[2]++
		}
	}
	weights := [3]float64{32 * n32, 64 * n64, 256 * n256}
	total := weights[0] + weights[1] + weights[2]
	chi2 := 0.0
	for k := range counts {
		exp := trials * weights[k] / total
		chi2 += (counts[k] - exp) * (counts[k] - exp) / exp
	}
	t.Logf("counts %v, expected shares %.3f %.3f %.3f, chi2 %.2f", counts, weights[0]/total, weights[1]/total, weights[2]/total, chi2)
	if chi2 > 20.0 || math.IsNaN(chi2) {
		t.Fatalf("chi-square %.2f: frequencies %v not proportional to balance", chi2, counts)
	}
}

func BenchmarkEpochCommittees100k(b *testing.B) {
	cfg := Mainnet()
	st := tuGenesis(b, &cfg, 100_000)
	for b.Loop() {
		st.SetCaches(nil) // measure the shuffle itself
		if _, err := EpochCommittees(&cfg, st, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "epochs/s")
}

func BenchmarkBeaconProposer100k(b *testing.B) {
	cfg := Mainnet()
	st := tuGenesis(b, &cfg, 100_000)
	st.SetCaches(nil)
	i := 0
	for b.Loop() {
		st.Slot = Slot(i % 32)
		i++
		if _, err := GetBeaconProposerIndex(&cfg, st); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "proposers/s")
}
