package consensus

import (
	"bytes"
	"cmp"
	"fmt"
	"math/bits"
	"slices"

	"github.com/prysmaticlabs/go-bitfield"
	"github.com/stakesim/stakesim/crypto"
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
	pos      int // index in the pool
	a        *Attestation
	dataRoot Root
	ca       checkedAttestation
	gain     int
}

func compareCandidates(x, y *attCandidate) int {
	if c := cmp.Compare(x.a.Data.Slot, y.a.Data.Slot); c != 0 {
		return c
	}
	if c := bytes.Compare(x.dataRoot[:], y.dataRoot[:]); c != 0 {
		return c
	}
	if c := cmp.Compare(x.a.CommitteeBits, y.a.CommitteeBits); c != 0 {
		return c
	}
	return bytes.Compare(x.a.AggregationBits, y.a.AggregationBits)
}

// compareCandidatesPos orders equal candidates by their pool position, so
// that the one kept of duplicates is the first in the pool.
func compareCandidatesPos(x, y *attCandidate) int {
	if c := compareCandidates(x, y); c != 0 {
		return c
	}
	return cmp.Compare(x.pos, y.pos)
}

// PackedAttestation is an on-chain aggregate chosen by SelectAttestations,
// with the network aggregates it combines (indices into the pool, in
// committee order). Its Signature is the aggregate of theirs.
type PackedAttestation struct {
	Attestation
	Parts []int
}

// attGroup is the best network aggregate per committee for one
// AttestationData: what compute_on_chain_aggregate would combine.
type attGroup struct {
	parts []*attCandidate // one per committee, in committee order
	gain  int
}

// SelectAttestations packs the network aggregates of pool (one committee
// bit each, as validator.md's aggregators produce them) into at most
// MAX_ATTESTATIONS_ELECTRA on-chain aggregates for a block at st's slot.
//
// Only aggregates that process_attestation would accept are used
// (signatures are not checked: the pool is assumed to hold verified
// aggregates); aggregates with more than one committee bit are ignored.
// Aggregates with equal data are grouped, keeping per committee the one
// that sets the most participation flags not yet set in the state
// (overlapping aggregates of one committee are not merged). Groups are
// taken by that gain, greedily against the state plus the groups already
// taken, each dropping committees that no longer add a flag, and every
// group taken becomes one attestation (ComputeOnChainAggregate). The result
// is in deterministic order (data.slot, data root) and does not depend on
// the order of pool.
//
// Spec reference (Electra validator.md, "Attestations"): "The network
// attestation aggregates contain only the assigned committee attestations.
// Committee aggregates with equal AttestationData SHOULD be consolidated
// into a single Attestation object."
func SelectAttestations(cfg *Config, st *State, pool []Attestation) []PackedAttestation {
	cands := attestationCandidates(cfg, st, pool)
	groups := groupCandidates(cands)
	picked := pickGroups(cfg, st, groups)
	out := make([]PackedAttestation, 0, len(picked))
	for _, g := range picked {
		aggs := make([]Attestation, len(g.parts))
		parts := make([]int, len(g.parts))
		for i, c := range g.parts {
			aggs[i], parts[i] = *c.a, c.pos
		}
		a, err := ComputeOnChainAggregate(aggs)
		if err != nil {
			continue // unreachable: the parts are checked network aggregates of one data
		}
		out = append(out, PackedAttestation{Attestation: a, Parts: parts})
	}
	return out
}

// attestationCandidates returns the valid network aggregates of pool,
// duplicates removed, with their gain against the state.
func attestationCandidates(cfg *Config, st *State, pool []Attestation) []*attCandidate {
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
	roots := map[AttestationData]Root{} // many aggregates share data
	for i := range pool {
		a := &pool[i]
		if bits.OnesCount64(uint64(a.CommitteeBits)) != 1 {
			continue
		}
		ca, err := checkAttestation(cfg, st, committees, a)
		if err != nil {
			continue
		}
		root, ok := roots[a.Data]
		if !ok {
			root = a.Data.Root()
			roots[a.Data] = root
		}
		c := &attCandidate{pos: i, a: a, dataRoot: root, ca: ca}
		part := st.PreviousEpochParticipation
		if ca.current {
			part = st.CurrentEpochParticipation
		}
		for _, v := range ca.participants {
			c.gain += popcount8(uint8(ca.flags &^ part[v]))
		}
		cands = append(cands, c)
	}
	slices.SortFunc(cands, compareCandidatesPos)
	return slices.CompactFunc(cands, func(x, y *attCandidate) bool { return compareCandidates(x, y) == 0 })
}

func participationOf(st *State, current bool, v ValidatorIndex) ParticipationFlags {
	if current {
		return st.CurrentEpochParticipation[v]
	}
	return st.PreviousEpochParticipation[v]
}

// groupCandidates groups sorted candidates by data, keeping the best
// aggregate of each committee (the first in candidate order on a tie), and
// orders the groups by gain (ties: data.slot, data root).
func groupCandidates(cands []*attCandidate) []*attGroup {
	var groups []*attGroup
	for i := 0; i < len(cands); {
		j := i
		for j < len(cands) && cands[j].dataRoot == cands[i].dataRoot {
			j++
		}
		g := &attGroup{}
		for k := i; k < j; k++ {
			c := cands[k]
			if n := len(g.parts); n > 0 && g.parts[n-1].a.CommitteeBits == c.a.CommitteeBits {
				if c.gain > g.parts[n-1].gain {
					g.parts[n-1] = c
				}
				continue
			}
			g.parts = append(g.parts, c)
		}
		for _, c := range g.parts {
			g.gain += c.gain
		}
		groups = append(groups, g)
		i = j
	}
	slices.SortStableFunc(groups, func(x, y *attGroup) int { return cmp.Compare(y.gain, x.gain) })
	return groups
}

// pickGroups takes groups greedily, at most MAX_ATTESTATIONS_ELECTRA,
// counting only the flags neither the state nor an earlier group sets, and
// returns them in (data.slot, data root) order.
func pickGroups(cfg *Config, st *State, groups []*attGroup) []*attGroup {
	type vk struct {
		current bool
		v       ValidatorIndex
	}
	added := make(map[vk]ParticipationFlags)
	adds := func(c *attCandidate) bool {
		for _, v := range c.ca.participants {
			have := participationOf(st, c.ca.current, v) | added[vk{c.ca.current, v}]
			if c.ca.flags&^have != 0 {
				return true
			}
		}
		return false
	}
	var picked []*attGroup
	for _, g := range groups {
		if uint64(len(picked)) >= cfg.MaxAttestations || g.gain == 0 {
			break
		}
		kept := &attGroup{}
		for _, c := range g.parts {
			if adds(c) {
				kept.parts = append(kept.parts, c)
			}
		}
		if len(kept.parts) == 0 {
			continue
		}
		for _, c := range kept.parts {
			for _, v := range c.ca.participants {
				added[vk{c.ca.current, v}] |= c.ca.flags
			}
		}
		picked = append(picked, kept)
	}
	slices.SortFunc(picked, func(x, y *attGroup) int { return compareCandidates(x.parts[0], y.parts[0]) })
	return picked
}

// ComputeOnChainAggregate combines network aggregates with equal data, one
// committee each, into one on-chain attestation: committee bits for all of
// them, their aggregation bits concatenated in committee order, their
// signatures aggregated. It fails when the data differ or an aggregate does
// not have exactly one committee bit, or two name the same committee.
//
// Spec definition (Electra validator.md):
//
//	def compute_on_chain_aggregate(network_aggregates: Sequence[Attestation]) -> Attestation:
//	    aggregates = sorted(
//	        network_aggregates, key=lambda a: get_committee_indices(a.committee_bits)[0]
//	    )
//
//	    data = aggregates[0].data
//	    aggregation_bits = AggregationBits()
//	    for a in aggregates:
//	        for b in a.aggregation_bits:
//	            aggregation_bits.append(b)
//
//	    signature = bls.Aggregate([a.signature for a in aggregates])
//
//	    committee_indices = [get_committee_indices(a.committee_bits)[0] for a in aggregates]
//	    committee_flags = [(index in committee_indices) for index in range(MAX_COMMITTEES_PER_SLOT)]
//	    committee_bits = CommitteeBits(committee_flags)
//
//	    return Attestation(
//	        aggregation_bits=aggregation_bits,
//	        data=data,
//	        signature=signature,
//	        committee_bits=committee_bits,
//	    )
func ComputeOnChainAggregate(aggs []Attestation) (Attestation, error) {
	if len(aggs) == 0 {
		return Attestation{}, fmt.Errorf("%w: no network aggregates", ErrInvalidAttestation)
	}
	sorted := slices.Clone(aggs)
	for i := range sorted {
		if len(sorted[i].CommitteeBits.Indices()) != 1 {
			return Attestation{}, fmt.Errorf("%w: network aggregate %d has %d committee bits, want 1", ErrInvalidAttestation, i, len(sorted[i].CommitteeBits.Indices()))
		}
		if sorted[i].Data != sorted[0].Data {
			return Attestation{}, fmt.Errorf("%w: network aggregate %d has other data", ErrInvalidAttestation, i)
		}
	}
	slices.SortStableFunc(sorted, func(x, y Attestation) int { return cmp.Compare(x.CommitteeBits, y.CommitteeBits) })
	var committees CommitteeBits
	total := uint64(0)
	sigs := make([]crypto.Signature, len(sorted))
	for i := range sorted {
		if committees&sorted[i].CommitteeBits != 0 {
			return Attestation{}, fmt.Errorf("%w: two network aggregates for committee %d", ErrInvalidAttestation, sorted[i].CommitteeBits.Indices()[0])
		}
		committees |= sorted[i].CommitteeBits
		total += sorted[i].AggregationBits.Len()
		sigs[i] = sorted[i].Signature
	}
	bits := bitfield.NewBitlist(total)
	offset := uint64(0)
	for i := range sorted {
		ab := sorted[i].AggregationBits
		for j := uint64(0); j < ab.Len(); j++ {
			if ab.BitAt(j) {
				bits.SetBitAt(offset+j, true)
			}
		}
		offset += ab.Len()
	}
	return Attestation{AggregationBits: bits, Data: sorted[0].Data, Signature: crypto.AggregateSignatures(sigs), CommitteeBits: committees}, nil
}

func popcount8(x uint8) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// AttestationDataFor returns the attestation data an honest validator at
// st's slot produces when its view of the chain is st (index 0, as every
// attestation's since Electra: the committee travels beside the data):
// head = the latest block, target = the block at the epoch's start slot (or
// the head if that is the head's own slot), source = the current justified
// checkpoint.
//
// Spec reference (validator.md, "Attestation data"): beacon_block_root is
// hash_tree_root(head_block); target root is the epoch boundary block root;
// source is head_state.current_justified_checkpoint.
func AttestationDataFor(cfg *Config, st *State) (AttestationData, error) {
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
		BeaconBlockRoot: head,
		Source:          st.CurrentJustifiedCheckpoint,
		Target:          Checkpoint{Epoch: epoch, Root: target},
	}, nil
}
