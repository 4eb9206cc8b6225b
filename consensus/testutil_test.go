package consensus

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"testing"

	"github.com/prysmaticlabs/go-bitfield"
	"github.com/stakesim/stakesim/crypto"
)

// Shared fixtures for the block-processing tests. Every helper is prefixed
// tu so that it cannot clash with other test files of the package.

const tuETH = Gwei(1_000_000_000)

// tuCreds returns withdrawal credentials with the given prefix byte and an
// address derived from i.
func tuCreds(prefix byte, i int) Root {
	var r Root
	r[0] = prefix
	binary.LittleEndian.PutUint64(r[12:], uint64(i)+1)
	return r
}

// tuHash is SHA-256 of a label and a number, for distinct test roots.
func tuHash(label string, n uint64) Root {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], n)
	return sha256.Sum256(append([]byte(label), b[:]...))
}

// tuGenesisWith builds a genesis state from explicit validators.
func tuGenesisWith(t testing.TB, cfg *Config, vals []GenesisValidator) *State {
	t.Helper()
	st, err := NewGenesisState(cfg, vals, tuHash("genesis", 0), NewCaches())
	if err != nil {
		t.Fatalf("NewGenesisState: %v", err)
	}
	return st
}

// tuGenesis builds a genesis state of n 32-ETH validators with 0x01 credentials.
func tuGenesis(t testing.TB, cfg *Config, n int) *State {
	t.Helper()
	vals := make([]GenesisValidator, n)
	for i := range vals {
		vals[i] = GenesisValidator{Balance: 32 * tuETH, WithdrawalCredentials: tuCreds(ETH1AddressWithdrawalPrefix, i)}
	}
	return tuGenesisWith(t, cfg, vals)
}

// tuAdvance runs ProcessSlots to slot, failing the test on error.
func tuAdvance(t testing.TB, cfg *Config, st *State, slot Slot) {
	t.Helper()
	if slot <= st.Slot {
		return
	}
	if _, err := ProcessSlots(cfg, st, slot); err != nil {
		t.Fatalf("ProcessSlots(%d): %v", slot, err)
	}
}

// tuBlock builds a block at st's slot (st must already be there) carrying
// the given attestations and slashings, signed with kr (zero signature if
// kr is nil).
func tuBlock(t testing.TB, cfg *Config, st *State, kr *crypto.Keyring, atts []Attestation, ps []ProposerSlashing, as []AttesterSlashing) *SignedBeaconBlock {
	t.Helper()
	b, err := BlockTemplate(cfg, st)
	if err != nil {
		t.Fatalf("BlockTemplate: %v", err)
	}
	b.Body.Attestations = atts
	b.Body.ProposerSlashings = ps
	b.Body.AttesterSlashings = as
	sb := &SignedBeaconBlock{Message: b}
	tuSignBlock(cfg, st, kr, sb)
	return sb
}

// tuSignBlock (re)signs a block with its proposer's key.
func tuSignBlock(cfg *Config, st *State, kr *crypto.Keyring, sb *SignedBeaconBlock) {
	if kr == nil {
		sb.Signature = crypto.Signature{}
		return
	}
	sb.Signature = crypto.Sign(kr.Secret(uint64(sb.Message.ProposerIndex)), BlockSigningRoot(cfg, st, &sb.Message))
}

// tuAggregate signs msg with every listed validator's key and aggregates.
func tuAggregate(kr *crypto.Keyring, msg Root, signers []ValidatorIndex) crypto.Signature {
	if kr == nil {
		return crypto.Signature{}
	}
	sigs := make([]crypto.Signature, len(signers))
	for i, v := range signers {
		sigs[i] = crypto.Sign(kr.Secret(uint64(v)), msg)
	}
	return crypto.AggregateSignatures(sigs)
}

// tuAttestations returns one full-committee network aggregate per committee
// of st's slot, with the data an honest validator whose head state is st
// produces, signed with kr (unsigned if kr is nil).
func tuAttestations(t testing.TB, cfg *Config, st *State, kr *crypto.Keyring) []Attestation {
	t.Helper()
	sh, err := EpochCommittees(cfg, st, GetCurrentEpoch(cfg, st))
	if err != nil {
		t.Fatalf("EpochCommittees: %v", err)
	}
	var out []Attestation
	for ci := range sh.CommitteesPerSlot {
		committee, ok := sh.Committee(st.Slot, CommitteeIndex(ci))
		if !ok {
			t.Fatalf("no committee %d at slot %d", ci, st.Slot)
		}
		data, err := AttestationDataFor(cfg, st)
		if err != nil {
			t.Fatalf("AttestationDataFor: %v", err)
		}
		bits := bitfield.NewBitlist(uint64(len(committee)))
		for i := range committee {
			bits.SetBitAt(uint64(i), true)
		}
		out = append(out, Attestation{
			AggregationBits: bits,
			Data:            data,
			Signature:       tuAggregate(kr, AttestationSigningRoot(cfg, st, &data), committee),
			CommitteeBits:   CommitteeBit(CommitteeIndex(ci)),
		})
	}
	return out
}

// tuRunChain runs slots 1..upTo with a block in every slot that includes
// the previous slot's attestations (signed with kr if not nil), checking
// conservation after each block, and returns the last block report.
func tuRunChain(t testing.TB, cfg *Config, st *State, kr *crypto.Keyring, upTo Slot) BlockReport {
	t.Helper()
	var v Verifier = AcceptAll{}
	if kr != nil {
		v = kr
	}
	var pending []Attestation
	var last BlockReport
	for s := st.Slot + 1; s <= upTo; s++ {
		tuAdvance(t, cfg, st, s)
		sb := tuBlock(t, cfg, st, kr, tuOnChain(SelectAttestations(cfg, st, pending)), nil, nil)
		rep, err := ProcessBlock(cfg, st, sb, v)
		if err != nil {
			t.Fatalf("slot %d: ProcessBlock: %v", s, err)
		}
		if err := st.CheckConservation(); err != nil {
			t.Fatalf("slot %d: %v", s, err)
		}
		last = rep
		pending = tuAttestations(t, cfg, st, kr)
	}
	return last
}

// tuOnChain returns the attestations of a packing.
func tuOnChain(p []PackedAttestation) []Attestation {
	out := make([]Attestation, len(p))
	for i := range p {
		out[i] = p[i].Attestation
	}
	return out
}

// tuSyncParticipantReward is process_sync_aggregate's participant_reward
// for st, worked from the spec text with math/big (not the package's
// helpers): total_base_rewards = EBI*BASE_REWARD_FACTOR//isqrt(total) *
// (total//EBI); participant_reward = total_base_rewards*SYNC_REWARD_WEIGHT
// //WEIGHT_DENOMINATOR//SLOTS_PER_EPOCH//SYNC_COMMITTEE_SIZE.
func tuSyncParticipantReward(cfg *Config, st *State) Gwei {
	epoch := Epoch(uint64(st.Slot) / cfg.SlotsPerEpoch)
	var total uint64
	for i := range st.Validators {
		v := &st.Validators[i]
		if v.ActivationEpoch <= epoch && epoch < v.ExitEpoch {
			total += uint64(v.EffectiveBalance)
		}
	}
	total = max(total, uint64(cfg.EffectiveBalanceIncrement))
	sqrt := new(big.Int).Sqrt(new(big.Int).SetUint64(total)).Uint64()
	perIncrement := uint64(cfg.EffectiveBalanceIncrement) * cfg.BaseRewardFactor / sqrt
	totalBase := perIncrement * (total / uint64(cfg.EffectiveBalanceIncrement))
	return Gwei(totalBase * 2 / 64 / cfg.SlotsPerEpoch / cfg.SyncCommitteeSize)
}

// tuSeats counts v's seats in st's current sync committee.
func tuSeats(st *State, v ValidatorIndex) Gwei {
	var n Gwei
	for _, m := range st.CurrentSyncCommittee.Indices {
		if m == v {
			n++
		}
	}
	return n
}

// tuEmptySyncPenalty is what a block with an empty sync aggregate (what
// tuBlock builds) takes from v: participant_reward per seat.
func tuEmptySyncPenalty(cfg *Config, st *State, v ValidatorIndex) Gwei {
	return tuSeats(st, v) * tuSyncParticipantReward(cfg, st)
}
