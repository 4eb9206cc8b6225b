package consensus

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
)

// Block-building helpers for proposers and attesters. They are pure
// functions of a state; the engine calls them on the state advanced to the
// slot of the block being built (ProcessSlots), never on a parent state.

// BlockTemplate returns an unsigned block for st's slot with the header
// fields, the RANDAO reveal and the expected withdrawals filled in; the
// caller adds operations (see SelectAttestations) and signs
// BlockSigningRoot. st must be at the block's slot with no block applied
// for it yet.
func BlockTemplate(cfg *Config, st *State) (BeaconBlock, error) {
	proposer, err := GetBeaconProposerIndex(cfg, st)
	if err != nil {
		return BeaconBlock{}, err
	}
	ew, err := getExpectedWithdrawals(cfg, st)
	if err != nil {
		return BeaconBlock{}, err
	}
	return BeaconBlock{
		Slot:          st.Slot,
		ProposerIndex: proposer,
		ParentRoot:    st.LatestBlockHeader.Root(),
		Body: BeaconBlockBody{
			RandaoReveal: RandaoReveal(st, proposer, GetCurrentEpoch(cfg, st)),
			Withdrawals:  ew.withdrawals,
			// No sync committee message yet: the caller fills it in.
			SyncAggregate: NewSyncAggregate(cfg),
		},
	}, nil
}

// BlockSigningRoot is the message a proposer signs for b: the block root
// under DOMAIN_BEACON_PROPOSER at the block's epoch.
func BlockSigningRoot(cfg *Config, st *State, b *BeaconBlock) Root {
	return SigningRoot(cfg, st, DomainBeaconProposer, ComputeEpochAtSlot(cfg, b.Slot), b.Root())
}

// HeaderSigningRoot is the message behind a block header's signature (the
// same as BlockSigningRoot of the block it describes); proposer slashings
// carry such signatures.
func HeaderSigningRoot(cfg *Config, st *State, h *BeaconBlockHeader) Root {
	return SigningRoot(cfg, st, DomainBeaconProposer, ComputeEpochAtSlot(cfg, h.Slot), h.Root())
}

// AttestationSigningRoot is the message attesters sign for d: the data root
// under DOMAIN_BEACON_ATTESTER at the target epoch.
func AttestationSigningRoot(cfg *Config, st *State, d *AttestationData) Root {
	return SigningRoot(cfg, st, DomainBeaconAttester, d.Target.Epoch, d.Root())
}

type attCandidate struct {
	a        *Attestation
	dataRoot Root
	ca       checkedAttestation
	gain     int
}

func compareCandidates(x, y *attCandidate) int {
	if c := cmp.Compare(x.a.Data.Slot, y.a.Data.Slot); c != 0 {
		return c
	}
	if c := cmp.Compare(x.a.Data.Index, y.a.Data.Index); c != 0 {
		return c
	}
	if c := bytes.Compare(x.dataRoot[:], y.dataRoot[:]); c != 0 {
		return c
	}
	return bytes.Compare(x.a.AggregationBits, y.a.AggregationBits)
}

// SelectAttestations picks the attestations of pool to include in a block
// at st's slot: only those that process_attestation would accept (signatures
// are not checked: the pool is assumed to hold verified aggregates),
// duplicates of the same (data, bits) removed, only those that set at least
// one participation flag not already set by the state or by an attestation
// picked before them, preferring the ones that set the most flags, at most
// MAX_ATTESTATIONS. Overlapping aggregates are not merged. The result is in
// deterministic order (data.slot, data.index, data root, bits) and does not
// depend on the order of pool.
func SelectAttestations(cfg *Config, st *State, pool []Attestation) []Attestation {
	cur := GetCurrentEpoch(cfg, st)
	var shufflings [2]*Shuffling
	committees := func(epoch Epoch) (*Shuffling, error) {
		k := 0
		if epoch == cur {
			k = 1
		}
		if shufflings[k] == nil {
			s, err := EpochCommittees(cfg, st, epoch)
			if err != nil {
				return nil, err
			}
			shufflings[k] = s
		}
		return shufflings[k], nil
	}

	cands := make([]*attCandidate, 0, len(pool))
	for i := range pool {
		a := &pool[i]
		ca, err := checkAttestation(cfg, st, committees, a)
		if err != nil {
			continue
		}
		cands = append(cands, &attCandidate{a: a, dataRoot: a.Data.Root(), ca: ca})
	}
	slices.SortFunc(cands, compareCandidates)
	cands = slices.CompactFunc(cands, func(x, y *attCandidate) bool { return compareCandidates(x, y) == 0 })

	// Gain against the state alone, to rank; then greedy against the state
	// plus what was already picked.
	flagsOf := func(current bool, v ValidatorIndex) ParticipationFlags {
		if current {
			return st.CurrentEpochParticipation[v]
		}
		return st.PreviousEpochParticipation[v]
	}
	for _, c := range cands {
		for _, v := range c.ca.participants {
			c.gain += popcount8(uint8(c.ca.flags &^ flagsOf(c.ca.current, v)))
		}
	}
	slices.SortStableFunc(cands, func(x, y *attCandidate) int { return cmp.Compare(y.gain, x.gain) })

	type vk struct {
		current bool
		v       ValidatorIndex
	}
	added := make(map[vk]ParticipationFlags)
	var picked []*attCandidate
	for _, c := range cands {
		if uint64(len(picked)) >= cfg.MaxAttestations || c.gain == 0 {
			break
		}
		gain := 0
		for _, v := range c.ca.participants {
			have := flagsOf(c.ca.current, v) | added[vk{c.ca.current, v}]
			gain += popcount8(uint8(c.ca.flags &^ have))
		}
		if gain == 0 {
			continue
		}
		for _, v := range c.ca.participants {
			added[vk{c.ca.current, v}] |= c.ca.flags
		}
		picked = append(picked, c)
	}
	slices.SortFunc(picked, compareCandidates)
	out := make([]Attestation, len(picked))
	for i, c := range picked {
		out[i] = *c.a
	}
	return out
}

func popcount8(x uint8) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// AttestationDataFor returns the attestation data an honest validator of
// committee index at st's slot produces when its view of the chain is st:
// head = the latest block, target = the block at the epoch's start slot (or
// the head if that is the head's own slot), source = the current justified
// checkpoint.
//
// Spec reference (validator.md, "Attestation data"): beacon_block_root is
// hash_tree_root(head_block); target root is the epoch boundary block root;
// source is head_state.current_justified_checkpoint.
func AttestationDataFor(cfg *Config, st *State, index CommitteeIndex) (AttestationData, error) {
	epoch := GetCurrentEpoch(cfg, st)
	head := st.LatestBlockHeader.Root()
	if st.LatestBlockHeader.Slot > st.Slot {
		return AttestationData{}, fmt.Errorf("consensus: latest block at slot %d is after state slot %d", st.LatestBlockHeader.Slot, st.Slot)
	}
	start := ComputeStartSlotAtEpoch(cfg, epoch)
	target := head
	if start < st.Slot {
		if r, ok := GetBlockRootAtSlot(st, start); ok {
			target = r
		}
	}
	return AttestationData{
		Slot:            st.Slot,
		Index:           index,
		BeaconBlockRoot: head,
		Source:          st.CurrentJustifiedCheckpoint,
		Target:          Checkpoint{Epoch: epoch, Root: target},
	}, nil
}
