package consensus

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/stakesim/stakesim/crypto"
)

// Sync committees (Altair, with Electra's selection): the committee of
// SYNC_COMMITTEE_SIZE validators that signs the head block root every slot,
// its selection every EPOCHS_PER_SYNC_COMMITTEE_PERIOD epochs, and the
// SyncAggregate each block carries with its rewards and penalties.

// DomainSyncCommittee is DOMAIN_SYNC_COMMITTEE (Altair).
var DomainSyncCommittee = DomainType{0x07, 0x00, 0x00, 0x00}

// g2InfinityBytes is the compressed G2_POINT_AT_INFINITY (0xc0, then zeros).
var g2InfinityBytes = crypto.SignatureBytes{0xc0}

// G2PointAtInfinity returns G2_POINT_AT_INFINITY as a Signature: the
// signature of an empty SyncAggregate, which eth_fast_aggregate_verify
// accepts with no public keys.
func G2PointAtInfinity() crypto.Signature {
	s, err := crypto.SignatureFromBytes(g2InfinityBytes)
	if err != nil {
		return crypto.Signature{} // unreachable: the point at infinity is a valid encoding
	}
	return s
}

// IsG2PointAtInfinity reports whether sig is G2_POINT_AT_INFINITY.
func IsG2PointAtInfinity(sig crypto.Signature) bool {
	return sig.Bytes() == g2InfinityBytes
}

// SyncCommittee is the spec's SyncCommittee with validator indices in place
// of public keys: validator i's key is the KeyDirectory's (and the
// keyring's) key i and never changes, so Indices[k] names the same key as
// the spec's pubkeys[k]. The spec's aggregate_pubkey is not stored: the
// Verifier sums the participants' keys itself, which gives the same point.
// Indices may repeat (a validator can be drawn more than once); a slice
// taken from a State is read-only (State.Copy copies it).
//
// Spec definition:
//
//	class SyncCommittee(Container):
//	    pubkeys: SyncCommitteePubkeys
//	    aggregate_pubkey: BLSPubkey
type SyncCommittee struct {
	Indices []ValidatorIndex
}

// SyncAggregate is a block's record of the sync committee's signatures over
// the previous slot's block root. SyncCommitteeBits is the SSZ Bitvector of
// SYNC_COMMITTEE_SIZE bits (bit k in byte k/8 at position k%8).
//
// Spec definition:
//
//	class SyncAggregate(Container):
//	    sync_committee_bits: SyncCommitteeBits
//	    sync_committee_signature: BLSSignature
type SyncAggregate struct {
	SyncCommitteeBits      []byte
	SyncCommitteeSignature crypto.Signature
}

// NewSyncAggregate returns an aggregate with no bits set (of the preset's
// length) and the G2 point at infinity as signature: what a block carries
// when no sync committee message matches its parent.
func NewSyncAggregate(cfg *Config) SyncAggregate {
	return SyncAggregate{
		SyncCommitteeBits:      make([]byte, (cfg.SyncCommitteeSize+7)/8),
		SyncCommitteeSignature: G2PointAtInfinity(),
	}
}

// Bit reports whether bit k is set.
func (a *SyncAggregate) Bit(k int) bool {
	return k >= 0 && k/8 < len(a.SyncCommitteeBits) && a.SyncCommitteeBits[k/8]>>(k%8)&1 == 1
}

// SetBit sets bit k (out of range: nothing).
func (a *SyncAggregate) SetBit(k int) {
	if k >= 0 && k/8 < len(a.SyncCommitteeBits) {
		a.SyncCommitteeBits[k/8] |= 1 << (k % 8)
	}
}

// Count returns the number of bits set.
func (a *SyncAggregate) Count() int {
	n := 0
	for _, b := range a.SyncCommitteeBits {
		n += popcount8(b)
	}
	return n
}

// ComputeSyncCommitteePeriod returns the sync committee period of epoch.
//
// Spec definition (validator.md):
//
//	def compute_sync_committee_period(epoch: Epoch) -> uint64:
//	    return epoch // EPOCHS_PER_SYNC_COMMITTEE_PERIOD
func ComputeSyncCommitteePeriod(cfg *Config, epoch Epoch) uint64 {
	return uint64(epoch) / cfg.EpochsPerSyncCommitteePeriod
}

// maxSyncCommitteeSamples bounds get_next_sync_committee_indices's loop.
// Each sample accepts with probability at least 1/65536 (a random value
// of 0 always accepts), so the bound is never reached in practice.
const maxSyncCommitteeSamples = 1 << 40

// GetNextSyncCommitteeIndices returns the validator indices of the next
// sync committee, with possible duplicates, sampled by effective balance.
// It fails when no validator is active in the next epoch (the spec divides
// by zero there).
//
// Spec definition (Electra):
//
//	def get_next_sync_committee_indices(state: BeaconState) -> Sequence[ValidatorIndex]:
//	    """
//	    Return the sync committee indices, with possible duplicates, for the next sync committee.
//	    """
//	    epoch = Epoch(get_current_epoch(state) + 1)
//
//	    # [Modified in Electra]
//	    MAX_RANDOM_VALUE = 2**16 - 1
//	    active_validator_indices = get_active_validator_indices(state, epoch)
//	    active_validator_count = uint64(len(active_validator_indices))
//	    seed = get_seed(state, epoch, DOMAIN_SYNC_COMMITTEE)
//	    i = uint64(0)
//	    sync_committee_indices: List[ValidatorIndex] = []
//	    while len(sync_committee_indices) < SYNC_COMMITTEE_SIZE:
//	        shuffled_index = compute_shuffled_index(
//	            uint64(i % active_validator_count), active_validator_count, seed
//	        )
//	        candidate_index = active_validator_indices[shuffled_index]
//	        # [Modified in Electra]
//	        random_bytes = hash(seed + uint_to_bytes(i // 16))
//	        offset = i % 16 * 2
//	        random_value = bytes_to_uint64(random_bytes[offset : offset + 2])
//	        effective_balance = state.validators[candidate_index].effective_balance
//	        # [Modified in Electra:EIP7251]
//	        if effective_balance * MAX_RANDOM_VALUE >= MAX_EFFECTIVE_BALANCE_ELECTRA * random_value:
//	            sync_committee_indices.append(candidate_index)
//	        i += 1
//	    return sync_committee_indices
func GetNextSyncCommitteeIndices(cfg *Config, st *State) ([]ValidatorIndex, error) {
	epoch := GetCurrentEpoch(cfg, st) + 1
	const maxRandomValue = 1<<16 - 1
	active := GetActiveValidatorIndices(st, epoch)
	count := uint64(len(active))
	if count == 0 {
		return nil, fmt.Errorf("consensus: get_next_sync_committee_indices: no validator active in epoch %d", epoch)
	}
	seed := GetSeed(cfg, st, epoch, DomainSyncCommittee)
	sh := newIndexShuffler(cfg, seed, count)
	out := make([]ValidatorIndex, 0, cfg.SyncCommitteeSize)
	var buf [40]byte
	copy(buf[:32], seed[:])
	var random Root
	for i := uint64(0); uint64(len(out)) < cfg.SyncCommitteeSize; i++ {
		if i >= maxSyncCommitteeSamples {
			return nil, fmt.Errorf("consensus: get_next_sync_committee_indices: %d members after %d samples", len(out), i)
		}
		candidate := active[sh.index(i%count)]
		if i%16 == 0 {
			binary.LittleEndian.PutUint64(buf[32:], i/16)
			random = sha256.Sum256(buf[:])
		}
		off := i % 16 * 2
		value := uint64(binary.LittleEndian.Uint16(random[off : off+2]))
		eb := uint64(st.Validators[candidate].EffectiveBalance)
		if eb*maxRandomValue >= uint64(cfg.MaxEffectiveBalanceElectra)*value {
			out = append(out, candidate)
		}
	}
	return out, nil
}

// GetNextSyncCommittee returns the next sync committee (see SyncCommittee
// for why it holds indices and no aggregate key).
//
// Spec definition:
//
//	def get_next_sync_committee(state: BeaconState) -> SyncCommittee:
//	    """
//	    Return the next sync committee, with possible pubkey duplicates.
//	    """
//	    indices = get_next_sync_committee_indices(state)
//	    pubkeys = [state.validators[index].pubkey for index in indices]
//	    aggregate_pubkey = eth_aggregate_pubkeys(pubkeys)
//	    return SyncCommittee(pubkeys=pubkeys, aggregate_pubkey=aggregate_pubkey)
func GetNextSyncCommittee(cfg *Config, st *State) (SyncCommittee, error) {
	idx, err := GetNextSyncCommitteeIndices(cfg, st)
	if err != nil {
		return SyncCommittee{}, err
	}
	return SyncCommittee{Indices: idx}, nil
}

// ProcessSyncCommitteeUpdates rotates the sync committees at the end of
// the last epoch of a period: next becomes current and a new next is
// drawn. It is the last step of ProcessEpoch.
//
// Spec definition:
//
//	def process_sync_committee_updates(state: BeaconState) -> None:
//	    next_epoch = get_current_epoch(state) + Epoch(1)
//	    if next_epoch % EPOCHS_PER_SYNC_COMMITTEE_PERIOD == 0:
//	        state.current_sync_committee = state.next_sync_committee
//	        state.next_sync_committee = get_next_sync_committee(state)
func ProcessSyncCommitteeUpdates(cfg *Config, st *State) error {
	next := GetCurrentEpoch(cfg, st) + 1
	if uint64(next)%cfg.EpochsPerSyncCommitteePeriod != 0 {
		return nil
	}
	c, err := GetNextSyncCommittee(cfg, st)
	if err != nil {
		return err
	}
	st.CurrentSyncCommittee = st.NextSyncCommittee
	st.NextSyncCommittee = c
	return nil
}

// initSyncCommittees fills both committees at genesis with the same
// committee, as the Altair fork does ("a duplicate committee is assigned
// for the current and next committee at the fork boundary"). A registry
// with no validator active at epoch 1 gets empty committees (its blocks
// then fail process_sync_aggregate, as the spec's would fail earlier).
//
// Spec definition (altair/fork.md, upgrade_to_altair):
//
//	# Fill in sync committees
//	# Note: A duplicate committee is assigned for the current and next committee at the fork boundary
//	post.current_sync_committee = get_next_sync_committee(post)
//	post.next_sync_committee = get_next_sync_committee(post)
func initSyncCommittees(cfg *Config, st *State) {
	c, err := GetNextSyncCommittee(cfg, st)
	if err != nil {
		return
	}
	st.CurrentSyncCommittee = c
	st.NextSyncCommittee = SyncCommittee{Indices: append([]ValidatorIndex(nil), c.Indices...)}
}

// SyncCommitteeSigningRoot is what a sync committee member signs at slot
// for the head block root: the root under DOMAIN_SYNC_COMMITTEE at the
// slot's epoch (validator.md get_sync_committee_message; the block at
// slot+1 verifies it in process_sync_aggregate with the same domain).
func SyncCommitteeSigningRoot(cfg *Config, st *State, slot Slot, blockRoot Root) Root {
	return SigningRoot(cfg, st, DomainSyncCommittee, ComputeEpochAtSlot(cfg, slot), blockRoot)
}

// SyncCommitteeFor returns the committee whose members sign at slot (for
// inclusion at slot+1), as seen from st, a state in slot's epoch: the
// current committee, or the next one when slot+1 starts a new period.
//
// Spec reference (validator.md, "Sync Committee"): "Being assigned to a
// sync committee for a given slot means that the validator produces and
// broadcasts signatures for slot - 1 for inclusion in slot."
func SyncCommitteeFor(cfg *Config, st *State, slot Slot) []ValidatorIndex {
	cur := ComputeSyncCommitteePeriod(cfg, GetCurrentEpoch(cfg, st))
	if ComputeSyncCommitteePeriod(cfg, ComputeEpochAtSlot(cfg, slot+1)) != cur {
		return st.NextSyncCommittee.Indices
	}
	return st.CurrentSyncCommittee.Indices
}

// SyncRewards returns process_sync_aggregate's participant_reward and
// proposer_reward for a state whose total active balance is totalActive.
func SyncRewards(cfg *Config, totalActive Gwei) (participant, proposer Gwei) {
	increments := totalActive / cfg.EffectiveBalanceIncrement
	totalBase := GetBaseRewardPerIncrement(cfg, totalActive) * increments
	maxParticipant := totalBase * SyncRewardWeight / WeightDenominator / Gwei(cfg.SlotsPerEpoch)
	participant = maxParticipant / Gwei(cfg.SyncCommitteeSize)
	proposer = participant * ProposerWeight / (WeightDenominator - ProposerWeight)
	return participant, proposer
}

// processSyncAggregate checks the block's sync aggregate against the
// current committee and pays or charges its members and the proposer.
// The signature check joins the block's single VerifyAggregates call with
// the participants' indices in committee order (a validator drawn twice
// counts twice, as its key does in the spec's pubkeys); an empty
// participation with the point at infinity is accepted without it, as
// eth_fast_aggregate_verify says. The spec's shortcuts over the committee's
// aggregate key (more than half participating) compute the same point.
//
// Spec definition:
//
//	def process_sync_aggregate(state: BeaconState, sync_aggregate: SyncAggregate) -> None:
//	    # Verify sync committee aggregate signature signing over the previous slot block root
//	    committee_pubkeys = state.current_sync_committee.pubkeys
//	    committee_bits = sync_aggregate.sync_committee_bits
//	    if sum(committee_bits) == SYNC_COMMITTEE_SIZE:
//	        # All members participated - use precomputed aggregate key
//	        participant_pubkeys = [state.current_sync_committee.aggregate_pubkey]
//	    elif sum(committee_bits) > SYNC_COMMITTEE_SIZE // 2:
//	        # More than half participated - subtract non-participant keys.
//	        ...
//	    else:
//	        # Less than half participated - aggregate participant keys
//	        participant_pubkeys = [
//	            pubkey
//	            for pubkey, bit in zip(
//	                committee_pubkeys, sync_aggregate.sync_committee_bits, strict=True
//	            )
//	            if bit
//	        ]
//	    previous_slot = max(state.slot, Slot(1)) - Slot(1)
//	    domain = get_domain(state, DOMAIN_SYNC_COMMITTEE, compute_epoch_at_slot(previous_slot))
//	    signing_root = compute_signing_root(get_block_root_at_slot(state, previous_slot), domain)
//	    # Note: eth_fast_aggregate_verify works with a singleton list containing an aggregated key
//	    assert eth_fast_aggregate_verify(
//	        participant_pubkeys, signing_root, sync_aggregate.sync_committee_signature
//	    )
//
//	    # Compute participant and proposer rewards
//	    total_active_increments = get_total_active_balance(state) // EFFECTIVE_BALANCE_INCREMENT
//	    total_base_rewards = Gwei(get_base_reward_per_increment(state) * total_active_increments)
//	    max_participant_rewards = Gwei(
//	        total_base_rewards * SYNC_REWARD_WEIGHT // WEIGHT_DENOMINATOR // SLOTS_PER_EPOCH
//	    )
//	    participant_reward = Gwei(max_participant_rewards // SYNC_COMMITTEE_SIZE)
//	    proposer_reward = Gwei(
//	        participant_reward * PROPOSER_WEIGHT // (WEIGHT_DENOMINATOR - PROPOSER_WEIGHT)
//	    )
//
//	    # Apply participant and proposer rewards
//	    all_pubkeys = [v.pubkey for v in state.validators]
//	    committee_indices = [
//	        ValidatorIndex(all_pubkeys.index(pubkey)) for pubkey in state.current_sync_committee.pubkeys
//	    ]
//	    for participant_index, participation_bit in zip(
//	        committee_indices, sync_aggregate.sync_committee_bits, strict=True
//	    ):
//	        if participation_bit:
//	            increase_balance(state, participant_index, participant_reward)
//	            increase_balance(state, get_beacon_proposer_index(state), proposer_reward)
//	        else:
//	            decrease_balance(state, participant_index, participant_reward)
//
// eth_fast_aggregate_verify (altair/bls.md):
//
//	def eth_fast_aggregate_verify(
//	    pubkeys: Sequence[BLSPubkey], message: Bytes32, signature: BLSSignature
//	) -> bool:
//	    if len(pubkeys) == 0 and signature == G2_POINT_AT_INFINITY:
//	        return True
//	    return bls.FastAggregateVerify(pubkeys, message, signature)
func processSyncAggregate(bc *blockContext, agg *SyncAggregate) error {
	cfg, st := bc.cfg, bc.st
	committee := st.CurrentSyncCommittee.Indices
	if uint64(len(committee)) != cfg.SyncCommitteeSize {
		return fmt.Errorf("sync aggregate: the state's sync committee has %d members, want %d", len(committee), cfg.SyncCommitteeSize)
	}
	if err := checkSyncBits(cfg, agg.SyncCommitteeBits); err != nil {
		return err
	}
	participants := make([]ValidatorIndex, 0, len(committee))
	for k, v := range committee {
		if agg.Bit(k) {
			participants = append(participants, v)
		}
	}
	previous := max(st.Slot, 1) - 1
	root, ok := GetBlockRootAtSlot(st, previous)
	if !ok {
		return fmt.Errorf("sync aggregate: no block root for slot %d", previous)
	}
	if len(participants) > 0 || !IsG2PointAtInfinity(agg.SyncCommitteeSignature) {
		bc.addCheck("sync aggregate", participants, SyncCommitteeSigningRoot(cfg, st, previous, root), agg.SyncCommitteeSignature)
	}
	participant, proposer := SyncRewards(cfg, bc.total())
	rep := &bc.report
	rep.SyncParticipants = len(participants)
	for k, v := range committee {
		if agg.Bit(k) {
			st.IncreaseBalance(v, participant)
			st.IncreaseBalance(bc.proposer, proposer)
			rep.SyncRewards += participant + proposer
			rep.SyncProposerReward += proposer
			continue
		}
		rep.SyncPenalties += min(participant, st.Balances[v])
		st.DecreaseBalance(v, participant)
	}
	return nil
}

// checkSyncBits is the SSZ type check of a Bitvector[SYNC_COMMITTEE_SIZE]:
// the right number of bytes and no bit set beyond the size.
func checkSyncBits(cfg *Config, bits []byte) error {
	size := cfg.SyncCommitteeSize
	if uint64(len(bits)) != (size+7)/8 {
		return fmt.Errorf("sync aggregate: %d bytes of bits, want %d", len(bits), (size+7)/8)
	}
	if r := size % 8; r != 0 && bits[len(bits)-1]>>r != 0 {
		return fmt.Errorf("sync aggregate: bits set beyond SYNC_COMMITTEE_SIZE %d", size)
	}
	return nil
}
