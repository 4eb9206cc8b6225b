package consensus

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/stakesim/stakesim/crypto"
)

// tuSpecSyncIndices is Electra's get_next_sync_committee_indices written out
// from the spec text, with the literal per-index shuffle and get_seed
// spelled out (tuSpecSeed).
func tuSpecSyncIndices(cfg *Config, st *State) []ValidatorIndex {
	epoch := Epoch(uint64(st.Slot)/cfg.SlotsPerEpoch + 1)
	var active []ValidatorIndex
	for i, v := range st.Validators {
		if v.ActivationEpoch <= epoch && epoch < v.ExitEpoch {
			active = append(active, ValidatorIndex(i))
		}
	}
	n := uint64(len(active))
	mix := st.RandaoMixes[(uint64(epoch)+cfg.EpochsPerHistoricalVector-cfg.MinSeedLookahead-1)%uint64(len(st.RandaoMixes))]
	seed := tuSpecSeed(DomainType{0x07, 0, 0, 0}, epoch, mix)
	var out []ValidatorIndex
	for i := uint64(0); uint64(len(out)) < cfg.SyncCommitteeSize; i++ {
		k, _ := ComputeShuffledIndex(cfg, i%n, n, seed)
		candidate := active[k]
		rb := sha256.Sum256(binary.LittleEndian.AppendUint64(append([]byte{}, seed[:]...), i/16))
		off := i % 16 * 2
		rv := uint64(rb[off]) | uint64(rb[off+1])<<8
		if uint64(st.Validators[candidate].EffectiveBalance)*65535 >= uint64(cfg.MaxEffectiveBalanceElectra)*rv {
			out = append(out, candidate)
		}
	}
	return out
}

// Reference: Electra get_next_sync_committee_indices; presets/minimal/altair.yaml
// (SYNC_COMMITTEE_SIZE 32, EPOCHS_PER_SYNC_COMMITTEE_PERIOD 8) and mainnet (512, 256).
func TestSyncCommitteePresets(t *testing.T) {
	mn, mi := Mainnet(), Minimal()
	if mn.SyncCommitteeSize != 512 || mn.EpochsPerSyncCommitteePeriod != 256 || mi.SyncCommitteeSize != 32 || mi.EpochsPerSyncCommitteePeriod != 8 {
		t.Fatalf("mainnet %d/%d, minimal %d/%d", mn.SyncCommitteeSize, mn.EpochsPerSyncCommitteePeriod, mi.SyncCommitteeSize, mi.EpochsPerSyncCommitteePeriod)
	}
}

// Reference: Electra get_next_sync_committee_indices, on a mixed registry
// and on states whose RANDAO mixes differ.
func TestNextSyncCommitteeIndicesMatchSpecText(t *testing.T) {
	cfg := Minimal()
	st := tuMixedStakeState(t, &cfg, 10, 5, 2)
	for i := range uint64(20) {
		s := st.Copy()
		for e := range s.RandaoMixes {
			s.RandaoMixes[e] = tuHash("mix", i*100+uint64(e))
		}
		got, err := GetNextSyncCommitteeIndices(&cfg, s)
		if err != nil {
			t.Fatal(err)
		}
		if want := tuSpecSyncIndices(&cfg, s); !slices.Equal(got, want) {
			t.Fatalf("mixes %d: committee\n got %v\nwant %v", i, got, want)
		}
		if len(got) != 32 {
			t.Fatalf("%d members", len(got))
		}
	}
}

// A validator with a tiny effective balance is rarely drawn: a candidate
// is kept when effective_balance * 65535 >= MAX_EFFECTIVE_BALANCE_ELECTRA *
// random_value, which always holds at 2048 ETH and holds with probability
// about 1/2048 at 1 ETH. With 8 validators, one at 1 ETH and seven at 2048
// ETH, each of 200 committees of 32 seats offers the light one about 32/7
// draws, so it is expected on about 200*(32/7)/2048 ≈ 0.45 seats in all.
func TestNextSyncCommitteeWeightsByEffectiveBalance(t *testing.T) {
	cfg := Minimal()
	vals := make([]GenesisValidator, 8)
	for i := range vals {
		vals[i] = GenesisValidator{Balance: 2048 * tuETH, WithdrawalCredentials: tuCreds(CompoundingWithdrawalPrefix, i)}
	}
	st := tuGenesisWith(t, &cfg, vals)
	st.MutValidator(ValidatorIndex(0)).EffectiveBalance = 1 * tuETH
	seats := make([]int, 8)
	for i := range uint64(200) {
		s := st.Copy()
		for e := range s.RandaoMixes {
			s.RandaoMixes[e] = tuHash("weights", i)
		}
		got, err := GetNextSyncCommitteeIndices(&cfg, s)
		if err != nil {
			t.Fatal(err)
		}
		if i < 10 && !slices.Equal(got, tuSpecSyncIndices(&cfg, s)) {
			t.Fatalf("committee %d differs from the spec text", i)
		}
		for _, v := range got {
			seats[v]++
		}
	}
	if seats[0] > 3 {
		t.Fatalf("the 1-ETH validator got %d of 6400 seats, want about 0.45", seats[0])
	}
	for v := 1; v < 8; v++ {
		// 6400 seats over seven heavy validators: about 914 each.
		if seats[v] < 800 || seats[v] > 1030 {
			t.Fatalf("validator %d got %d seats, want about 914 (all: %v)", v, seats[v], seats)
		}
	}
}

// Reference: altair/fork.md upgrade_to_altair fills current and next with
// get_next_sync_committee of the same state.
func TestGenesisSyncCommittees(t *testing.T) {
	cfg := Minimal()
	st := tuMixedStakeState(t, &cfg, 40, 20, 4)
	want := tuSpecSyncIndices(&cfg, st)
	if !slices.Equal(st.CurrentSyncCommittee.Indices, want) || !slices.Equal(st.NextSyncCommittee.Indices, want) {
		t.Fatalf("genesis committees\ncurrent %v\nnext    %v\nwant    %v", st.CurrentSyncCommittee.Indices, st.NextSyncCommittee.Indices, want)
	}
	// Distinct backing arrays: changing one does not change the other.
	st.NextSyncCommittee.Indices[0]++
	if st.CurrentSyncCommittee.Indices[0] != want[0] {
		t.Fatal("current and next share their indices")
	}
}

func TestStateCopyCopiesSyncCommittees(t *testing.T) {
	cfg := Minimal()
	st := tuGenesis(t, &cfg, 64)
	c := st.Copy()
	c.CurrentSyncCommittee.Indices[0] = 63 - st.CurrentSyncCommittee.Indices[0]
	c.NextSyncCommittee.Indices[1] = 63 - st.NextSyncCommittee.Indices[1]
	if c.CurrentSyncCommittee.Indices[0] == st.CurrentSyncCommittee.Indices[0] || c.NextSyncCommittee.Indices[1] == st.NextSyncCommittee.Indices[1] {
		t.Fatal("State.Copy shares the sync committees")
	}
}

// Reference: process_sync_committee_updates rotates only when the next
// epoch starts a period (epoch 8 on minimal): at the end of epoch 7, current
// := next and next := get_next_sync_committee(state).
func TestSyncCommitteeUpdatesAtPeriodBoundaryOnly(t *testing.T) {
	cfg := Minimal()
	st := tuGenesis(t, &cfg, 64)
	genesis := slices.Clone(st.CurrentSyncCommittee.Indices)
	// A marked next committee, so that a rotation is visible.
	marked := slices.Clone(genesis)
	marked[0] = 63 - genesis[0]
	st.NextSyncCommittee.Indices = slices.Clone(marked)
	// At the last slot of epochs 0..6 nothing rotates.
	for e := Epoch(0); e < 7; e++ {
		tuAdvance(t, &cfg, st, ComputeStartSlotAtEpoch(&cfg, e+1)-1)
		if err := ProcessSyncCommitteeUpdates(&cfg, st.Copy()); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(st.CurrentSyncCommittee.Indices, genesis) || !slices.Equal(st.NextSyncCommittee.Indices, marked) {
			t.Fatalf("epoch %d: committees changed inside the period", e)
		}
	}
	// At the last slot of epoch 7 (next epoch 8 starts a period) they do.
	tuAdvance(t, &cfg, st, ComputeStartSlotAtEpoch(&cfg, 8)-1)
	want := tuSpecSyncIndices(&cfg, st)
	direct := st.Copy()
	if err := ProcessSyncCommitteeUpdates(&cfg, direct); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(direct.CurrentSyncCommittee.Indices, marked) || !slices.Equal(direct.NextSyncCommittee.Indices, want) {
		t.Fatalf("after the update: current %v (want the old next %v), next %v (want %v)",
			direct.CurrentSyncCommittee.Indices, marked, direct.NextSyncCommittee.Indices, want)
	}
	// Through ProcessSlots: epoch 7's processing rotates them (the steps
	// before it change neither the mix that seed reads nor, this early,
	// any effective balance).
	tuAdvance(t, &cfg, st, ComputeStartSlotAtEpoch(&cfg, 8))
	if !slices.Equal(st.CurrentSyncCommittee.Indices, marked) || !slices.Equal(st.NextSyncCommittee.Indices, want) {
		t.Fatal("epoch processing did not rotate the committees at epoch 8")
	}
	next := slices.Clone(st.NextSyncCommittee.Indices)
	tuAdvance(t, &cfg, st, ComputeStartSlotAtEpoch(&cfg, 16)-1)
	if !slices.Equal(st.CurrentSyncCommittee.Indices, marked) || !slices.Equal(st.NextSyncCommittee.Indices, next) {
		t.Fatal("committees changed inside the second period")
	}
	tuAdvance(t, &cfg, st, ComputeStartSlotAtEpoch(&cfg, 16))
	if !slices.Equal(st.CurrentSyncCommittee.Indices, next) {
		t.Fatal("no rotation at epoch 16")
	}
}

// tuSyncBlock builds a block at st's slot whose sync aggregate sets the
// bits of the given seats, signed by those seats' validators over the
// previous slot's block root (the signing root spelled out with crypto's
// domain functions).
func tuSyncBlock(t *testing.T, cfg *Config, st *State, kr *crypto.Keyring, seats []int) *SignedBeaconBlock {
	t.Helper()
	sb := tuBlock(t, cfg, st, kr, nil, nil, nil)
	agg := &sb.Message.Body.SyncAggregate
	prev := st.BlockRoots[(uint64(st.Slot)-1)%uint64(len(st.BlockRoots))]
	domain := crypto.ComputeDomain([4]byte{0x07, 0, 0, 0}, cfg.ElectraForkVersion, st.GenesisValidatorsRoot)
	msg := crypto.ComputeSigningRoot(prev, domain)
	var signers []ValidatorIndex
	for _, k := range seats {
		agg.SyncCommitteeBits[k/8] |= 1 << (k % 8)
		signers = append(signers, st.CurrentSyncCommittee.Indices[k])
	}
	if len(seats) > 0 {
		agg.SyncCommitteeSignature = tuAggregate(kr, msg, signers)
	}
	tuSignBlock(cfg, st, kr, sb)
	return sb
}

// Reference: process_sync_aggregate. 64 validators of 32 ETH on minimal:
// total active balance 2,048,000,000,000 Gwei, integer_squareroot =
// 1,431,083, base reward per increment = 64e9 // 1,431,083 = 44,721, total
// base rewards = 44,721 * 2,048 = 91,588,608, max participant rewards =
// 91,588,608 * 2 // 64 // 8 = 357,768, participant_reward = 357,768 // 32 =
// 11,180, proposer_reward = 11,180 * 8 // 56 = 1,597.
func TestProcessSyncAggregateRewards(t *testing.T) {
	const participant, proposer = Gwei(11_180), Gwei(1_597)
	cfg := Minimal()
	kr := crypto.NewKeyring(3, 64, 2)
	st := tuGenesis(t, &cfg, 64)
	tuAdvance(t, &cfg, st, 1)
	// Seats 0..19 signed; a validator drawn twice is counted per seat.
	seats := make([]int, 20)
	for i := range seats {
		seats[i] = i
	}
	sb := tuSyncBlock(t, &cfg, st, kr, seats)
	before := slices.Clone(st.Balances)
	committee := slices.Clone(st.CurrentSyncCommittee.Indices)
	rep, err := ProcessBlock(&cfg, st, sb, kr)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int64, 64)
	for k, v := range committee {
		if k < 20 {
			want[v] += int64(participant)
			want[sb.Message.ProposerIndex] += int64(proposer)
		} else {
			want[v] -= int64(participant)
		}
	}
	for i := range want {
		if got := int64(st.Balances[i]) - int64(before[i]); got != want[i] {
			t.Fatalf("validator %d changed by %d, want %d", i, got, want[i])
		}
	}
	if rep.SyncParticipants != 20 || rep.SyncRewards != 20*(participant+proposer) || rep.SyncProposerReward != 20*proposer || rep.SyncPenalties != 12*participant {
		t.Fatalf("report: %d participants, rewards %d (proposer %d), penalties %d", rep.SyncParticipants, rep.SyncRewards, rep.SyncProposerReward, rep.SyncPenalties)
	}
	if rep.AggregatesVerified != 2 {
		t.Fatalf("%d checks, want the block signature and the sync aggregate", rep.AggregatesVerified)
	}
	if err := st.CheckConservation(); err != nil {
		t.Fatal(err)
	}
}

// Reference: process_sync_aggregate's assert eth_fast_aggregate_verify, and
// eth_fast_aggregate_verify itself (altair/bls.md).
func TestProcessSyncAggregateSignature(t *testing.T) {
	cfg := Minimal()
	kr := crypto.NewKeyring(3, 64, 2)
	base := tuGenesis(t, &cfg, 64)
	tuAdvance(t, &cfg, base, 1)

	t.Run("empty participation with the point at infinity", func(t *testing.T) {
		st := base.Copy()
		sb := tuSyncBlock(t, &cfg, st, kr, nil)
		if b := sb.Message.Body.SyncAggregate.SyncCommitteeSignature.Bytes(); b[0] != 0xc0 || b != (crypto.SignatureBytes{0xc0}) {
			t.Fatalf("empty aggregate's signature %x, want G2_POINT_AT_INFINITY", b[:4])
		}
		rep, err := ProcessBlock(&cfg, st, sb, kr)
		if err != nil {
			t.Fatal(err)
		}
		if rep.AggregatesVerified != 1 || rep.SyncParticipants != 0 || rep.SyncPenalties != 32*11_180 {
			t.Fatalf("report %+v", rep)
		}
	})
	t.Run("empty participation with another signature", func(t *testing.T) {
		st := base.Copy()
		sb := tuSyncBlock(t, &cfg, st, kr, nil)
		sb.Message.Body.SyncAggregate.SyncCommitteeSignature = crypto.Sign(kr.Secret(1), tuHash("x", 1))
		tuSignBlock(&cfg, st, kr, sb)
		if _, err := ProcessBlock(&cfg, st, sb, kr); !errors.Is(err, ErrInvalidSignature) {
			t.Fatalf("error %v, want ErrInvalidSignature", err)
		}
	})
	t.Run("wrong signature", func(t *testing.T) {
		st := base.Copy()
		sb := tuSyncBlock(t, &cfg, st, kr, []int{0, 1, 2})
		// Signed by seats 0 and 1 only.
		sb.Message.Body.SyncAggregate.SyncCommitteeSignature = tuSyncBlock(t, &cfg, base.Copy(), kr, []int{0, 1}).Message.Body.SyncAggregate.SyncCommitteeSignature
		tuSignBlock(&cfg, st, kr, sb)
		if _, err := ProcessBlock(&cfg, st, sb, kr); !errors.Is(err, ErrInvalidSignature) {
			t.Fatalf("error %v, want ErrInvalidSignature", err)
		}
	})
	t.Run("wrong root", func(t *testing.T) {
		st := base.Copy()
		sb := tuSyncBlock(t, &cfg, st, kr, []int{0})
		domain := crypto.ComputeDomain([4]byte{0x07, 0, 0, 0}, cfg.ElectraForkVersion, st.GenesisValidatorsRoot)
		sb.Message.Body.SyncAggregate.SyncCommitteeSignature = crypto.Sign(kr.Secret(uint64(st.CurrentSyncCommittee.Indices[0])), crypto.ComputeSigningRoot(tuHash("other head", 0), domain))
		tuSignBlock(&cfg, st, kr, sb)
		if _, err := ProcessBlock(&cfg, st, sb, kr); !errors.Is(err, ErrInvalidSignature) {
			t.Fatalf("error %v, want ErrInvalidSignature", err)
		}
	})
	t.Run("bits of the wrong length", func(t *testing.T) {
		st := base.Copy()
		sb := tuSyncBlock(t, &cfg, st, kr, nil)
		sb.Message.Body.SyncAggregate.SyncCommitteeBits = append(sb.Message.Body.SyncAggregate.SyncCommitteeBits, 0)
		tuSignBlock(&cfg, st, kr, sb)
		if _, err := ProcessBlock(&cfg, st, sb, kr); !errors.Is(err, ErrInvalidBlock) {
			t.Fatalf("error %v, want ErrInvalidBlock", err)
		}
	})
}

// A validator on two seats signs once per seat: its key counts twice in
// the aggregate key (the spec's pubkeys list has it twice), and it is paid
// twice. The committee is set by hand so that the duplicate is certain.
func TestProcessSyncAggregateDuplicateSeats(t *testing.T) {
	const participant, proposer = Gwei(11_180), Gwei(1_597)
	cfg := Minimal()
	kr := crypto.NewKeyring(3, 64, 2)
	st := tuGenesis(t, &cfg, 64)
	tuAdvance(t, &cfg, st, 1)
	for k := range st.CurrentSyncCommittee.Indices {
		st.CurrentSyncCommittee.Indices[k] = ValidatorIndex(10 + k)
	}
	st.CurrentSyncCommittee.Indices[1] = 10 // validator 10 on seats 0 and 1
	sb := tuSyncBlock(t, &cfg, st, kr, []int{0, 1, 2})
	before := st.Balances[10]
	if _, err := ProcessBlock(&cfg, st.Copy(), sb, kr); err != nil {
		t.Fatalf("seats 0, 1, 2 signed (validator 10 twice): %v", err)
	}
	// Validator 10 signing once for two seats is not a valid aggregate.
	bad := tuSyncBlock(t, &cfg, st, kr, []int{0, 2})
	bad.Message.Body.SyncAggregate.SyncCommitteeBits[0] |= 1 << 1
	tuSignBlock(&cfg, st, kr, bad)
	if _, err := ProcessBlock(&cfg, st.Copy(), bad, kr); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("one signature for two seats: %v", err)
	}
	if _, err := ProcessBlock(&cfg, st, sb, kr); err != nil {
		t.Fatal(err)
	}
	gain := 2 * participant
	if sb.Message.ProposerIndex == 10 {
		gain += 3 * proposer
	}
	if st.Balances[10]-before != gain {
		t.Fatalf("validator 10 gained %d, want %d", st.Balances[10]-before, gain)
	}
}

// Reference: validator.md — members sign at slot s for inclusion at s+1,
// so the last slot of a period is signed by the next period's committee.
func TestSyncCommitteeForSlot(t *testing.T) {
	cfg := Minimal()
	st := tuGenesis(t, &cfg, 64)
	st.NextSyncCommittee.Indices = slices.Clone(st.NextSyncCommittee.Indices)
	st.NextSyncCommittee.Indices[0] = 63 - st.CurrentSyncCommittee.Indices[0]
	tuAdvance(t, &cfg, st, 62)
	if got := SyncCommitteeFor(&cfg, st, 62); got[0] != st.CurrentSyncCommittee.Indices[0] {
		t.Fatal("slot 62 is signed by the current committee")
	}
	tuAdvance(t, &cfg, st, 63)
	if got := SyncCommitteeFor(&cfg, st, 63); got[0] != st.NextSyncCommittee.Indices[0] {
		t.Fatal("slot 63 (included at 64, a new period) is signed by the next committee")
	}
}
