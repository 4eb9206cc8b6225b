package consensus

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// GetSeed returns the seed of epoch for a domain.
//
// Spec definition:
//
//	def get_seed(state: BeaconState, epoch: Epoch, domain_type: DomainType) -> Bytes32:
//	    mix = get_randao_mix(
//	        state, Epoch(epoch + EPOCHS_PER_HISTORICAL_VECTOR - MIN_SEED_LOOKAHEAD - 1)
//	    )  # Avoid underflow
//	    return hash(domain_type + uint_to_bytes(epoch) + mix)
//
// The mix read is that of epoch-2 (modulo EPOCHS_PER_HISTORICAL_VECTOR, so
// at epochs 0 and 1 the ring entries of epochs 2^16-2 and 2^16-1, which hold
// the genesis seed as every entry does at genesis). The state's ring has
// HistoryWindowEpochs entries; NewGenesisState checks that this divides
// EPOCHS_PER_HISTORICAL_VECTOR, so reducing the spec's epoch number modulo the
// ring gives the entry the spec reads.
func GetSeed(cfg *Config, st *State, epoch Epoch, domain DomainType) Root {
	e := (uint64(epoch) + cfg.EpochsPerHistoricalVector - cfg.MinSeedLookahead - 1) % cfg.EpochsPerHistoricalVector
	mix := GetRandaoMix(st, Epoch(e))
	var buf [4 + 8 + 32]byte
	copy(buf[:4], domain[:])
	binary.LittleEndian.PutUint64(buf[4:12], uint64(epoch))
	copy(buf[12:], mix[:])
	return sha256.Sum256(buf[:])
}

// committeeCountForActive is get_committee_count_per_slot for an active
// set of n validators.
func committeeCountForActive(cfg *Config, n uint64) uint64 {
	return max(1, min(cfg.MaxCommitteesPerSlot, n/cfg.SlotsPerEpoch/cfg.TargetCommitteeSize))
}

// GetCommitteeCountPerSlot returns the number of committees per slot in epoch.
//
// Spec definition:
//
//	def get_committee_count_per_slot(state: BeaconState, epoch: Epoch) -> uint64:
//	    return max(
//	        uint64(1),
//	        min(
//	            MAX_COMMITTEES_PER_SLOT,
//	            uint64(len(get_active_validator_indices(state, epoch)))
//	            // SLOTS_PER_EPOCH
//	            // TARGET_COMMITTEE_SIZE,
//	        ),
//	    )
func GetCommitteeCountPerSlot(cfg *Config, st *State, epoch Epoch) uint64 {
	return committeeCountForActive(cfg, activeSummaryOf(st, epoch).count)
}

// Shuffling is the committee layout of one epoch: the active set shuffled
// once with the epoch's attester seed and cut into SLOTS_PER_EPOCH *
// committees-per-slot committees, plus the reverse lookup. It is immutable
// and shared through Caches; callers must not modify the slices it returns.
type Shuffling struct {
	Epoch             Epoch
	Seed              Root // get_seed(state, epoch, DOMAIN_BEACON_ATTESTER)
	CommitteesPerSlot uint64
	SlotsPerEpoch     uint64
	// Active lists the active validator indices in index order.
	Active []ValidatorIndex
	// Shuffled is the committee order: Shuffled[i] = Active[compute_shuffled_index(i, len(Active), Seed)].
	Shuffled []ValidatorIndex
	// position[v] is v's position in Shuffled, or -1.
	position []int32
}

// CommitteeAssignment is where a validator attests in an epoch.
type CommitteeAssignment struct {
	Slot           Slot
	CommitteeIndex CommitteeIndex
	Position       int // the validator's bit in the committee's aggregation bits
	CommitteeSize  int
}

func (s *Shuffling) bounds(k uint64) (start, end uint64) {
	n := uint64(len(s.Shuffled))
	count := s.CommitteesPerSlot * s.SlotsPerEpoch
	return n * k / count, n * (k + 1) / count
}

// Committee returns the committee at (slot, index) as a read-only sub-slice
// of s.Shuffled; ok is false when slot is outside s.Epoch or index is out of
// range. This is get_beacon_committee over the cached shuffle.
func (s *Shuffling) Committee(slot Slot, index CommitteeIndex) ([]ValidatorIndex, bool) {
	start := uint64(s.Epoch) * s.SlotsPerEpoch
	if uint64(slot) < start || uint64(slot) >= start+s.SlotsPerEpoch || uint64(index) >= s.CommitteesPerSlot {
		return nil, false
	}
	k := (uint64(slot)-start)*s.CommitteesPerSlot + uint64(index)
	a, b := s.bounds(k)
	return s.Shuffled[a:b:b], true
}

// Assignment returns v's committee assignment in s.Epoch (the spec's
// get_committee_assignment, validator.md), ok false if v is not active.
func (s *Shuffling) Assignment(v ValidatorIndex) (CommitteeAssignment, bool) {
	if uint64(v) >= uint64(len(s.position)) || s.position[v] < 0 {
		return CommitteeAssignment{}, false
	}
	p := uint64(s.position[v])
	n := uint64(len(s.Shuffled))
	count := s.CommitteesPerSlot * s.SlotsPerEpoch
	// Committee k covers [n*k/count, n*(k+1)/count); start from the estimate
	// p*count/n and correct by at most a step or two.
	k := p * count / n
	for k > 0 {
		if a, _ := s.bounds(k); a <= p {
			break
		}
		k--
	}
	for {
		if _, b := s.bounds(k); p < b {
			break
		}
		k++
	}
	a, b := s.bounds(k)
	return CommitteeAssignment{
		Slot:           Slot(uint64(s.Epoch)*s.SlotsPerEpoch + k/s.CommitteesPerSlot),
		CommitteeIndex: CommitteeIndex(k % s.CommitteesPerSlot),
		Position:       int(p - a),
		CommitteeSize:  int(b - a),
	}, true
}

// checkSeedEpoch reports whether the state still holds the RANDAO mix that
// get_seed(epoch) reads: epoch may be at most one ahead of the current epoch
// (the mix of epoch-2 must be final) and not so old that the ring has
// overwritten it.
func checkSeedEpoch(cfg *Config, st *State, epoch Epoch) error {
	cur := GetCurrentEpoch(cfg, st)
	if epoch > cur+1 {
		return fmt.Errorf("consensus: committees of epoch %d requested at epoch %d (at most one ahead)", epoch, cur)
	}
	ring := uint64(len(st.RandaoMixes))
	if ring == 0 {
		return fmt.Errorf("consensus: state has no RANDAO mixes")
	}
	if uint64(epoch)+ring <= uint64(cur)+cfg.MinSeedLookahead+2 {
		return fmt.Errorf("consensus: committees of epoch %d requested at epoch %d: seed no longer in the %d-epoch window", epoch, cur, ring)
	}
	return nil
}

// EpochCommittees returns the committee layout of epoch (the previous,
// current or next epoch of st, or a few older ones still in the RANDAO
// window). The result is memoised in st's Caches.
func EpochCommittees(cfg *Config, st *State, epoch Epoch) (*Shuffling, error) {
	if err := checkSeedEpoch(cfg, st, epoch); err != nil {
		return nil, err
	}
	seed := GetSeed(cfg, st, epoch, DomainBeaconAttester)
	key := shufflingKey{preset: presetKeyOf(cfg), seed: seed, activeHash: activeSummaryOf(st, epoch).hash}
	return st.caches.shuffling(key, func() *Shuffling {
		return buildShuffling(cfg, epoch, seed, GetActiveValidatorIndices(st, epoch), len(st.Validators))
	}), nil
}

func buildShuffling(cfg *Config, epoch Epoch, seed Root, active []ValidatorIndex, nVals int) *Shuffling {
	s := &Shuffling{
		Epoch:             epoch,
		Seed:              seed,
		CommitteesPerSlot: committeeCountForActive(cfg, uint64(len(active))),
		SlotsPerEpoch:     cfg.SlotsPerEpoch,
		Active:            active,
		Shuffled:          ShuffleList(cfg, active, seed),
		position:          make([]int32, nVals),
	}
	for i := range s.position {
		s.position[i] = -1
	}
	for p, v := range s.Shuffled {
		s.position[v] = int32(p)
	}
	return s
}

// GetBeaconCommittee returns the committee at (slot, index).
//
// Spec definition:
//
//	def get_beacon_committee(
//	    state: BeaconState, slot: Slot, index: CommitteeIndex
//	) -> Sequence[ValidatorIndex]:
//	    epoch = compute_epoch_at_slot(slot)
//	    committees_per_slot = get_committee_count_per_slot(state, epoch)
//	    return compute_committee(
//	        indices=get_active_validator_indices(state, epoch),
//	        seed=get_seed(state, epoch, DOMAIN_BEACON_ATTESTER),
//	        index=(slot % SLOTS_PER_EPOCH) * committees_per_slot + index,
//	        count=committees_per_slot * SLOTS_PER_EPOCH,
//	    )
//
// The returned slice is shared and read-only.
func GetBeaconCommittee(cfg *Config, st *State, slot Slot, index CommitteeIndex) ([]ValidatorIndex, error) {
	s, err := EpochCommittees(cfg, st, ComputeEpochAtSlot(cfg, slot))
	if err != nil {
		return nil, err
	}
	c, ok := s.Committee(slot, index)
	if !ok {
		return nil, fmt.Errorf("consensus: committee index %d >= %d committees at slot %d", index, s.CommitteesPerSlot, slot)
	}
	return c, nil
}

// GetCommitteeAssignment returns the committee assignment of v in epoch.
//
// Spec definition (validator.md):
//
//	def get_committee_assignment(
//	    state: BeaconState, epoch: Epoch, validator_index: ValidatorIndex
//	) -> Optional[Tuple[Sequence[ValidatorIndex], CommitteeIndex, Slot]]:
//	    next_epoch = Epoch(get_current_epoch(state) + 1)
//	    assert epoch <= next_epoch
//	    start_slot = compute_start_slot_at_epoch(epoch)
//	    committee_count_per_slot = get_committee_count_per_slot(state, epoch)
//	    for slot in range(start_slot, start_slot + SLOTS_PER_EPOCH):
//	        for index in range(committee_count_per_slot):
//	            committee = get_beacon_committee(state, Slot(slot), CommitteeIndex(index))
//	            if validator_index in committee:
//	                return committee, CommitteeIndex(index), Slot(slot)
//	    return None
func GetCommitteeAssignment(cfg *Config, st *State, epoch Epoch, v ValidatorIndex) (CommitteeAssignment, bool, error) {
	s, err := EpochCommittees(cfg, st, epoch)
	if err != nil {
		return CommitteeAssignment{}, false, err
	}
	a, ok := s.Assignment(v)
	return a, ok, nil
}

// maxProposerSamples bounds compute_proposer_index's loop. Each sample
// accepts with probability at least 1/65536 whatever the balances (a random
// value of 0 always accepts), so this bound is never reached in practice.
const maxProposerSamples = 1 << 26

// ComputeProposerIndex samples a proposer from indices by effective balance.
//
// Spec definition (Electra):
//
//	def compute_proposer_index(
//	    state: BeaconState, indices: Sequence[ValidatorIndex], seed: Bytes32
//	) -> ValidatorIndex:
//	    assert len(indices) > 0
//	    MAX_RANDOM_VALUE = 2**16 - 1
//	    i = uint64(0)
//	    total = uint64(len(indices))
//	    while True:
//	        candidate_index = indices[compute_shuffled_index(i % total, total, seed)]
//	        random_bytes = hash(seed + uint_to_bytes(i // 16))
//	        offset = i % 16 * 2
//	        random_value = bytes_to_uint64(random_bytes[offset : offset + 2])
//	        effective_balance = state.validators[candidate_index].effective_balance
//	        if effective_balance * MAX_RANDOM_VALUE >= MAX_EFFECTIVE_BALANCE_ELECTRA * random_value:
//	            return candidate_index
//	        i += 1
func ComputeProposerIndex(cfg *Config, st *State, indices []ValidatorIndex, seed Root) (ValidatorIndex, error) {
	if len(indices) == 0 {
		return 0, fmt.Errorf("consensus: compute_proposer_index: no active validators")
	}
	const maxRandomValue = 1<<16 - 1
	total := uint64(len(indices))
	sh := newIndexShuffler(cfg, seed, total)
	var buf [40]byte
	copy(buf[:32], seed[:])
	var random Root
	for i := uint64(0); i < maxProposerSamples; i++ {
		candidate := indices[sh.index(i%total)]
		if i%16 == 0 {
			binary.LittleEndian.PutUint64(buf[32:], i/16)
			random = sha256.Sum256(buf[:])
		}
		off := i % 16 * 2
		value := uint64(binary.LittleEndian.Uint16(random[off : off+2]))
		eb := uint64(st.Validators[candidate].EffectiveBalance)
		if eb*maxRandomValue >= uint64(cfg.MaxEffectiveBalanceElectra)*value {
			return candidate, nil
		}
	}
	return 0, fmt.Errorf("consensus: compute_proposer_index: no proposer after %d samples", maxProposerSamples)
}

// activeIndices returns get_active_validator_indices(st, epoch), whose
// summary is sum: the epoch's cached Shuffling holds it when one was built
// (read-only, shared), else it is computed.
func activeIndices(cfg *Config, st *State, epoch Epoch, sum *activeSummary) []ValidatorIndex {
	if checkSeedEpoch(cfg, st, epoch) == nil {
		key := shufflingKey{preset: presetKeyOf(cfg), seed: GetSeed(cfg, st, epoch, DomainBeaconAttester), activeHash: sum.hash}
		if sh, ok := st.caches.cachedShuffling(key); ok {
			return sh.Active
		}
	}
	return GetActiveValidatorIndices(st, epoch)
}

// ProposerSeed is the per-slot seed of get_beacon_proposer_index:
// hash(get_seed(state, epoch, DOMAIN_BEACON_PROPOSER) + uint_to_bytes(slot)).
func ProposerSeed(cfg *Config, st *State, slot Slot) Root {
	epochSeed := GetSeed(cfg, st, ComputeEpochAtSlot(cfg, slot), DomainBeaconProposer)
	var buf [40]byte
	copy(buf[:32], epochSeed[:])
	binary.LittleEndian.PutUint64(buf[32:], uint64(slot))
	return sha256.Sum256(buf[:])
}

// GetBeaconProposerIndex returns the proposer of st's current slot. It is
// memoised in st's Caches by (seed, active set, effective balances).
//
// Spec definition:
//
//	def get_beacon_proposer_index(state: BeaconState) -> ValidatorIndex:
//	    epoch = get_current_epoch(state)
//	    seed = hash(get_seed(state, epoch, DOMAIN_BEACON_PROPOSER) + uint_to_bytes(state.slot))
//	    indices = get_active_validator_indices(state, epoch)
//	    return compute_proposer_index(state, indices, seed)
func GetBeaconProposerIndex(cfg *Config, st *State) (ValidatorIndex, error) {
	if len(st.RandaoMixes) == 0 {
		return 0, fmt.Errorf("consensus: state has no RANDAO mixes")
	}
	epoch := GetCurrentEpoch(cfg, st)
	seed := ProposerSeed(cfg, st, st.Slot)
	sum := activeSummaryOf(st, epoch)
	key := proposerKey{preset: presetKeyOf(cfg), seed: seed, activeHash: sum.hash, balHash: sum.balHash}
	if p, ok := st.caches.proposer(key); ok {
		return p, nil
	}
	p, err := ComputeProposerIndex(cfg, st, activeIndices(cfg, st, epoch, sum), seed)
	if err != nil {
		return 0, err
	}
	st.caches.putProposer(key, p)
	return p, nil
}
