package consensus

import (
	"fmt"
	"slices"
)

// Attestation processing in the Electra form (EIP-7549: committee_bits,
// aggregates spanning the committees of a slot), with Deneb timing and
// Altair participation flags.

// GetAttestationParticipationFlagIndices returns the participation flags an
// attestation with data earns when included inclusionDelay slots after its
// slot, as a bit set (bit i = flag index i). It fails with
// ErrInvalidAttestation when the source is not the justified checkpoint the
// spec asserts.
//
// Spec definition (Deneb, unchanged in Electra):
//
//	def get_attestation_participation_flag_indices(
//	    state: BeaconState, data: AttestationData, inclusion_delay: uint64
//	) -> Sequence[int]:
//	    # Matching source
//	    if data.target.epoch == get_current_epoch(state):
//	        justified_checkpoint = state.current_justified_checkpoint
//	    else:
//	        justified_checkpoint = state.previous_justified_checkpoint
//	    is_matching_source = data.source == justified_checkpoint
//
//	    # Matching target
//	    target_root = get_block_root(state, data.target.epoch)
//	    target_root_matches = data.target.root == target_root
//	    is_matching_target = is_matching_source and target_root_matches
//
//	    # Matching head
//	    head_root = get_block_root_at_slot(state, data.slot)
//	    head_root_matches = data.beacon_block_root == head_root
//	    is_matching_head = is_matching_target and head_root_matches
//
//	    assert is_matching_source
//
//	    participation_flag_indices = []
//	    if is_matching_source and inclusion_delay <= integer_squareroot(SLOTS_PER_EPOCH):
//	        participation_flag_indices.append(TIMELY_SOURCE_FLAG_INDEX)
//	    # [Modified in Deneb:EIP7045]
//	    if is_matching_target:
//	        participation_flag_indices.append(TIMELY_TARGET_FLAG_INDEX)
//	    if is_matching_head and inclusion_delay == MIN_ATTESTATION_INCLUSION_DELAY:
//	        participation_flag_indices.append(TIMELY_HEAD_FLAG_INDEX)
//
//	    return participation_flag_indices
//
// The block roots come from the state's window; a root outside it (which
// process_attestation's timing rules rule out) counts as not matching.
func GetAttestationParticipationFlagIndices(cfg *Config, st *State, data *AttestationData, inclusionDelay uint64) (ParticipationFlags, error) {
	justified := st.PreviousJustifiedCheckpoint
	if data.Target.Epoch == GetCurrentEpoch(cfg, st) {
		justified = st.CurrentJustifiedCheckpoint
	}
	if data.Source != justified {
		return 0, fmt.Errorf("%w: source %d/%x is not the justified checkpoint %d/%x",
			ErrInvalidAttestation, data.Source.Epoch, data.Source.Root[:4], justified.Epoch, justified.Root[:4])
	}
	targetRoot, ok := GetBlockRoot(cfg, st, data.Target.Epoch)
	matchingTarget := ok && data.Target.Root == targetRoot
	headRoot, ok := GetBlockRootAtSlot(st, data.Slot)
	matchingHead := matchingTarget && ok && data.BeaconBlockRoot == headRoot

	var flags ParticipationFlags
	if inclusionDelay <= IntegerSquareroot(cfg.SlotsPerEpoch) {
		flags |= 1 << TimelySourceFlagIndex
	}
	if matchingTarget {
		flags |= 1 << TimelyTargetFlagIndex
	}
	if matchingHead && inclusionDelay == cfg.MinAttestationInclusionDelay {
		flags |= 1 << TimelyHeadFlagIndex
	}
	return flags, nil
}

// checkedAttestation is an attestation that passed every process_attestation
// check except the signature.
type checkedAttestation struct {
	participants []ValidatorIndex // in committee order
	flags        ParticipationFlags
	current      bool // target is the current epoch
}

// shufflingSource yields the committees of the previous or current epoch.
type shufflingSource func(epoch Epoch) (*Shuffling, error)

// checkAttestation runs the checks of process_attestation that do not need
// the signature, against st at its current slot (see processAttestation for
// the spec text).
func checkAttestation(cfg *Config, st *State, committees shufflingSource, a *Attestation) (checkedAttestation, error) {
	data := &a.Data
	cur, prev := GetCurrentEpoch(cfg, st), GetPreviousEpoch(cfg, st)
	if data.Target.Epoch != prev && data.Target.Epoch != cur {
		return checkedAttestation{}, fmt.Errorf("%w: target epoch %d is neither the previous (%d) nor the current (%d) epoch",
			ErrInvalidAttestation, data.Target.Epoch, prev, cur)
	}
	if e := ComputeEpochAtSlot(cfg, data.Slot); data.Target.Epoch != e {
		return checkedAttestation{}, fmt.Errorf("%w: target epoch %d does not contain slot %d", ErrInvalidAttestation, data.Target.Epoch, data.Slot)
	}
	if uint64(data.Slot)+cfg.MinAttestationInclusionDelay > uint64(st.Slot) {
		return checkedAttestation{}, fmt.Errorf("%w: slot %d + MIN_ATTESTATION_INCLUSION_DELAY > state slot %d", ErrInvalidAttestation, data.Slot, st.Slot)
	}
	if data.Index != 0 {
		return checkedAttestation{}, fmt.Errorf("%w: data.index %d, must be 0 since Electra", ErrInvalidAttestation, data.Index)
	}
	sh, err := committees(data.Target.Epoch)
	if err != nil {
		return checkedAttestation{}, err
	}
	participants, err := attestersOf(cfg, sh, a)
	if err != nil {
		return checkedAttestation{}, err
	}
	flags, err := GetAttestationParticipationFlagIndices(cfg, st, data, uint64(st.Slot-data.Slot))
	if err != nil {
		return checkedAttestation{}, err
	}
	return checkedAttestation{participants: participants, flags: flags, current: data.Target.Epoch == cur}, nil
}

// attestersOf walks a's committees as process_attestation does: every
// committee bit names an existing committee of the slot, every committee has
// at least one bit set, and the aggregation bits are exactly as long as the
// committees together. It returns the attesters in committee order.
func attestersOf(cfg *Config, sh *Shuffling, a *Attestation) ([]ValidatorIndex, error) {
	if a.CommitteeBits == 0 {
		return nil, fmt.Errorf("%w: no committee bit set", ErrInvalidAttestation)
	}
	if limit := cfg.MaxCommitteesPerSlot; limit < 64 && a.CommitteeBits>>limit != 0 {
		return nil, fmt.Errorf("%w: committee bits %#x beyond MAX_COMMITTEES_PER_SLOT %d", ErrInvalidAttestation, uint64(a.CommitteeBits), limit)
	}
	participants := make([]ValidatorIndex, 0, a.AggregationBits.Len()) // at most one per bit
	offset := uint64(0)
	for _, ci := range a.CommitteeBits.Indices() {
		if uint64(ci) >= sh.CommitteesPerSlot {
			return nil, fmt.Errorf("%w: committee index %d >= %d committees per slot", ErrInvalidAttestation, ci, sh.CommitteesPerSlot)
		}
		committee, _ := sh.Committee(a.Data.Slot, ci)
		if offset+uint64(len(committee)) > a.AggregationBits.Len() {
			return nil, fmt.Errorf("%w: %d aggregation bits, fewer than the committees' members", ErrInvalidAttestation, a.AggregationBits.Len())
		}
		n := len(participants)
		bits := a.AggregationBits // bit offset+i, below Len as just checked, is bits[j/8] bit j%8
		for i, v := range committee {
			if j := offset + uint64(i); bits[j>>3]>>(j&7)&1 == 1 {
				participants = append(participants, v)
			}
		}
		if len(participants) == n {
			return nil, fmt.Errorf("%w: no aggregation bit set for committee %d", ErrInvalidAttestation, ci)
		}
		offset += uint64(len(committee))
	}
	if n := a.AggregationBits.Len(); n != offset {
		return nil, fmt.Errorf("%w: %d aggregation bits for committees of %d members", ErrInvalidAttestation, n, offset)
	}
	return participants, nil
}

// processAttestation applies one attestation and queues its signature check.
//
// Spec definition (Electra):
//
//	def process_attestation(state: BeaconState, attestation: Attestation) -> None:
//	    data = attestation.data
//	    assert data.target.epoch in (get_previous_epoch(state), get_current_epoch(state))
//	    assert data.target.epoch == compute_epoch_at_slot(data.slot)
//	    assert data.slot + MIN_ATTESTATION_INCLUSION_DELAY <= state.slot
//
//	    # [Modified in Electra:EIP7549]
//	    assert data.index == 0
//	    committee_indices = get_committee_indices(attestation.committee_bits)
//	    committee_offset = 0
//	    for committee_index in committee_indices:
//	        assert committee_index < get_committee_count_per_slot(state, data.target.epoch)
//	        committee = get_beacon_committee(state, data.slot, committee_index)
//	        committee_attesters = {
//	            attester_index
//	            for i, attester_index in enumerate(committee)
//	            if attestation.aggregation_bits[committee_offset + i]
//	        }
//	        assert len(committee_attesters) > 0
//	        committee_offset += len(committee)
//
//	    # Bitfield length matches total number of participants
//	    assert len(attestation.aggregation_bits) == committee_offset
//
//	    # Participation flag indices
//	    participation_flag_indices = get_attestation_participation_flag_indices(
//	        state, data, state.slot - data.slot
//	    )
//
//	    # Verify signature
//	    assert is_valid_indexed_attestation(state, get_indexed_attestation(state, attestation))
//
//	    # Update epoch participation flags
//	    if data.target.epoch == get_current_epoch(state):
//	        epoch_participation = state.current_epoch_participation
//	    else:
//	        epoch_participation = state.previous_epoch_participation
//
//	    proposer_reward_numerator = 0
//	    for index in get_attesting_indices(state, attestation):
//	        for flag_index, weight in enumerate(PARTICIPATION_FLAG_WEIGHTS):
//	            if flag_index in participation_flag_indices and not has_flag(
//	                epoch_participation[index], flag_index
//	            ):
//	                epoch_participation[index] = add_flag(epoch_participation[index], flag_index)
//	                proposer_reward_numerator += get_base_reward(state, index) * weight
//
//	    # Reward proposer
//	    proposer_reward_denominator = (
//	        (WEIGHT_DENOMINATOR - PROPOSER_WEIGHT) * WEIGHT_DENOMINATOR // PROPOSER_WEIGHT
//	    )
//	    proposer_reward = Gwei(proposer_reward_numerator // proposer_reward_denominator)
//	    increase_balance(state, get_beacon_proposer_index(state), proposer_reward)
//
// The base reward per increment is computed once per block (see
// blockContext.total).
func processAttestation(bc *blockContext, i int, a *Attestation) error {
	cfg, st := bc.cfg, bc.st
	ca, err := checkAttestation(cfg, st, bc.shuffling, a)
	if err != nil {
		return err
	}
	bc.addCheck(fmt.Sprintf("attestation %d (slot %d, committees %v) aggregate signature", i, a.Data.Slot, a.CommitteeBits.Indices()),
		ca.participants, AttestationSigningRoot(cfg, st, &a.Data), a.Signature)

	participation := st.PreviousEpochParticipation
	if ca.current {
		participation = st.CurrentEpochParticipation
	}
	perIncrement := GetBaseRewardPerIncrement(cfg, bc.total())
	var numerator uint64
	for _, v := range ca.participants {
		newFlags := ca.flags &^ participation[v]
		if newFlags == 0 {
			continue
		}
		participation[v] |= newFlags
		base := uint64(GetBaseReward(cfg, st, v, perIncrement))
		for flag, weight := range ParticipationFlagWeights {
			if newFlags&(1<<flag) != 0 {
				numerator += base * weight
			}
		}
		if newFlags&(1<<TimelySourceFlagIndex) != 0 {
			bc.report.NewTimelySource++
		}
		if newFlags&(1<<TimelyTargetFlagIndex) != 0 {
			bc.report.NewTimelyTarget++
		}
		if newFlags&(1<<TimelyHeadFlagIndex) != 0 {
			bc.report.NewTimelyHead++
		}
	}
	const denominator = (WeightDenominator - ProposerWeight) * WeightDenominator / ProposerWeight
	reward := Gwei(numerator / denominator)
	st.IncreaseBalance(bc.proposer, reward)
	bc.report.ProposerReward += reward
	bc.report.AttestationsIncluded++
	return nil
}

// GetAttestingIndices returns the validators whose bits are set in a, sorted
// ascending. It checks the committee bits and the bit length as
// process_attestation does.
//
// Spec definition (Electra):
//
//	def get_attesting_indices(state: BeaconState, attestation: Attestation) -> Set[ValidatorIndex]:
//	    """
//	    Return the set of attesting indices corresponding to ``aggregation_bits`` and ``committee_bits``.
//	    """
//	    output: Set[ValidatorIndex] = set()
//	    committee_indices = get_committee_indices(attestation.committee_bits)
//	    committee_offset = 0
//	    for committee_index in committee_indices:
//	        committee = get_beacon_committee(state, attestation.data.slot, committee_index)
//	        committee_attesters = {
//	            attester_index
//	            for i, attester_index in enumerate(committee)
//	            if attestation.aggregation_bits[committee_offset + i]
//	        }
//	        output = output.union(committee_attesters)
//
//	        committee_offset += len(committee)
//
//	    return output
func GetAttestingIndices(cfg *Config, st *State, a *Attestation) ([]ValidatorIndex, error) {
	sh, err := EpochCommittees(cfg, st, ComputeEpochAtSlot(cfg, a.Data.Slot))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidAttestation, err)
	}
	out, err := attestersOf(cfg, sh, a)
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

// GetIndexedAttestation converts an attestation to its indexed form.
//
// Spec definition:
//
//	def get_indexed_attestation(state: BeaconState, attestation: Attestation) -> IndexedAttestation:
//	    attesting_indices = get_attesting_indices(state, attestation)
//	    return IndexedAttestation(
//	        attesting_indices=sorted(attesting_indices),
//	        data=attestation.data,
//	        signature=attestation.signature,
//	    )
func GetIndexedAttestation(cfg *Config, st *State, a *Attestation) (IndexedAttestation, error) {
	idx, err := GetAttestingIndices(cfg, st, a)
	if err != nil {
		return IndexedAttestation{}, err
	}
	return IndexedAttestation{AttestingIndices: idx, Data: a.Data, Signature: a.Signature}, nil
}

// checkIndexedAttestation is the structural half of is_valid_indexed_attestation;
// the caller queues the signature check.
//
// Spec definition:
//
//	def is_valid_indexed_attestation(
//	    state: BeaconState, indexed_attestation: IndexedAttestation
//	) -> bool:
//	    # Verify indices are sorted and unique
//	    indices = indexed_attestation.attesting_indices
//	    if len(indices) == 0 or indices != sorted(set(indices)):
//	        return False
//	    # Verify aggregate signature
//	    pubkeys = [state.validators[i].pubkey for i in indices]
//	    domain = get_domain(state, DOMAIN_BEACON_ATTESTER, indexed_attestation.data.target.epoch)
//	    signing_root = compute_signing_root(indexed_attestation.data, domain)
//	    return bls.FastAggregateVerify(pubkeys, signing_root, indexed_attestation.signature)
//
// The SSZ list limit of attesting_indices, which Electra raised to
// MAX_VALIDATORS_PER_COMMITTEE * MAX_COMMITTEES_PER_SLOT so that an indexed
// attestation spans a slot's committees, is checked here too.
func checkIndexedAttestation(cfg *Config, st *State, ia *IndexedAttestation) error {
	idx := ia.AttestingIndices
	if len(idx) == 0 {
		return fmt.Errorf("no attesting indices")
	}
	if limit := cfg.MaxValidatorsPerCommittee * cfg.MaxCommitteesPerSlot; uint64(len(idx)) > limit {
		return fmt.Errorf("%d attesting indices > MAX_VALIDATORS_PER_COMMITTEE * MAX_COMMITTEES_PER_SLOT = %d", len(idx), limit)
	}
	for i, v := range idx {
		if uint64(v) >= uint64(len(st.Validators)) {
			return fmt.Errorf("attesting index %d out of range (%d validators)", v, len(st.Validators))
		}
		if i > 0 && idx[i-1] >= v {
			return fmt.Errorf("attesting indices not sorted and unique at position %d", i)
		}
	}
	return nil
}
