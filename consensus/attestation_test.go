package consensus

import (
	"errors"
	"fmt"
	"testing"

	"github.com/prysmaticlabs/go-bitfield"
)

// tuFlagState returns a state at slot 3*SLOTS_PER_EPOCH+2 whose block-root
// ring holds distinct roots per slot and whose justified checkpoints are
// distinct, so that every match in get_attestation_participation_flag_indices
// is meaningful. No epoch processing runs (slots are set directly).
func tuFlagState(t *testing.T, cfg *Config) *State {
	st := tuGenesis(t, cfg, 64)
	st.Slot = Slot(3*cfg.SlotsPerEpoch + 2)
	for s := Slot(0); s < st.Slot; s++ {
		st.BlockRoots[uint64(s)%uint64(len(st.BlockRoots))] = tuHash("block", uint64(s))
	}
	st.CurrentJustifiedCheckpoint = Checkpoint{Epoch: 2, Root: tuHash("cj", 2)}
	st.PreviousJustifiedCheckpoint = Checkpoint{Epoch: 1, Root: tuHash("pj", 1)}
	return st
}

// tuHonestData is correct attestation data for slot as seen from tuFlagState.
func tuHonestData(cfg *Config, st *State, slot Slot) AttestationData {
	e := ComputeEpochAtSlot(cfg, slot)
	src := st.PreviousJustifiedCheckpoint
	if e == GetCurrentEpoch(cfg, st) {
		src = st.CurrentJustifiedCheckpoint
	}
	return AttestationData{
		Slot:            slot,
		BeaconBlockRoot: tuHash("block", uint64(slot)),
		Source:          src,
		Target:          Checkpoint{Epoch: e, Root: tuHash("block", uint64(ComputeStartSlotAtEpoch(cfg, e)))},
	}
}

// Reference: Deneb get_attestation_participation_flag_indices. Expected
// flags are written from the spec text: source if delay <=
// integer_squareroot(SLOTS_PER_EPOCH); target whenever source and target
// match (EIP-7045 removed the delay bound); head only at delay
// MIN_ATTESTATION_INCLUSION_DELAY with source, target and head matching.
func TestParticipationFlagTimeliness(t *testing.T) {
	const S, T, H = 1 << TimelySourceFlagIndex, 1 << TimelyTargetFlagIndex, 1 << TimelyHeadFlagIndex
	minimal, mainnet := Minimal(), Mainnet()
	for _, cfg := range []*Config{&minimal, &mainnet} {
		spe := cfg.SlotsPerEpoch
		isqrt := map[uint64]uint64{8: 2, 32: 5}[spe] // integer_squareroot by hand
		type tc struct {
			name    string
			delay   uint64
			mutate  func(d *AttestationData)
			want    ParticipationFlags
			wantErr bool
		}
		cases := []tc{
			{name: "delay 1", delay: 1, want: S | T | H},
			{name: "delay 2", delay: 2, want: S | T},
			{name: "delay isqrt", delay: isqrt, want: S | T},
			{name: "delay isqrt+1", delay: isqrt + 1, want: T},
			{name: "delay SLOTS_PER_EPOCH", delay: spe, want: T},
			{name: "delay SLOTS_PER_EPOCH+2 (previous epoch, Deneb)", delay: spe + 2, want: T},
			{name: "wrong head", delay: 1, mutate: func(d *AttestationData) { d.BeaconBlockRoot[0] ^= 1 }, want: S | T},
			{name: "wrong head late", delay: 2, mutate: func(d *AttestationData) { d.BeaconBlockRoot[0] ^= 1 }, want: S | T},
			{name: "wrong target", delay: 1, mutate: func(d *AttestationData) { d.Target.Root[0] ^= 1 }, want: S},
			{name: "wrong target late", delay: isqrt + 1, mutate: func(d *AttestationData) { d.Target.Root[0] ^= 1 }, want: 0},
			{name: "wrong source", delay: 1, mutate: func(d *AttestationData) { d.Source.Root[0] ^= 1 }, wantErr: true},
			{name: "wrong source epoch", delay: 1, mutate: func(d *AttestationData) { d.Source.Epoch-- }, wantErr: true},
		}
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/%s", cfg.PresetName, c.name), func(t *testing.T) {
				st := tuFlagState(t, cfg)
				d := tuHonestData(cfg, st, st.Slot-Slot(c.delay))
				if c.mutate != nil {
					c.mutate(&d)
				}
				got, err := GetAttestationParticipationFlagIndices(cfg, st, &d, c.delay)
				if c.wantErr {
					if !errors.Is(err, ErrInvalidAttestation) {
						t.Fatalf("error %v, want ErrInvalidAttestation", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got != c.want {
					t.Fatalf("flags %03b, want %03b", got, c.want)
				}
			})
		}
	}
}

func tuFullBits(n int) bitfield.Bitlist {
	b := bitfield.NewBitlist(uint64(n))
	for i := range n {
		b.SetBitAt(uint64(i), true)
	}
	return b
}

// Reference: Electra process_attestation (timing and committee checks).
func TestProcessAttestationRejects(t *testing.T) {
	cfg := Minimal()
	base := tuFlagState(t, &cfg)
	cps := GetCommitteeCountPerSlot(&cfg, base, 3)
	mk := func(slot Slot, index CommitteeIndex) Attestation {
		d := tuHonestData(&cfg, base, slot)
		d.Index = index
		c, err := GetBeaconCommittee(&cfg, base, slot, index)
		if err != nil {
			t.Fatal(err)
		}
		return Attestation{AggregationBits: tuFullBits(len(c)), Data: d}
	}
	good := mk(base.Slot-1, 0)
	for _, tc := range []struct {
		name   string
		att    func() Attestation
		reject bool
	}{
		{"good", func() Attestation { return good }, false},
		{"bits one too long", func() Attestation {
			a := good
			a.AggregationBits = tuFullBits(int(good.AggregationBits.Len()) + 1)
			return a
		}, true},
		{"bits one too short", func() Attestation {
			a := good
			a.AggregationBits = tuFullBits(int(good.AggregationBits.Len()) - 1)
			return a
		}, true},
		{"no bits set", func() Attestation {
			a := good
			a.AggregationBits = bitfield.NewBitlist(good.AggregationBits.Len())
			return a
		}, true},
		{"malformed bitlist", func() Attestation { a := good; a.AggregationBits = bitfield.Bitlist{}; return a }, true},
		{"same slot (delay 0)", func() Attestation { return mk(base.Slot, 0) }, true},
		{"future slot", func() Attestation { a := good; a.Data.Slot = base.Slot + 1; return a }, true},
		{"epoch before previous", func() Attestation { return mk(ComputeStartSlotAtEpoch(&cfg, 1)+3, 0) }, true},
		{"target epoch not the slot's", func() Attestation { a := good; a.Data.Target.Epoch = 2; return a }, true},
		{"committee index out of range", func() Attestation { a := good; a.Data.Index = CommitteeIndex(cps); return a }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := base.Copy()
			_, err := checkAttestation(&cfg, st, func(e Epoch) (*Shuffling, error) { return EpochCommittees(&cfg, st, e) }, tuPtr(tc.att()))
			if tc.reject && !errors.Is(err, ErrInvalidAttestation) {
				t.Fatalf("accepted or wrong error: %v", err)
			}
			if !tc.reject && err != nil {
				t.Fatalf("rejected: %v", err)
			}
		})
	}
}

func tuPtr[T any](v T) *T { return &v }

// Reference: Altair/Electra process_attestation, participation update and
// proposer reward. The reward is recomputed here from the spec formulas:
// base_reward = effective_balance // INCREMENT * (INCREMENT * BASE_REWARD_FACTOR // isqrt(total_active)),
// numerator = sum over newly set flags of base_reward * weight,
// reward = numerator // ((64 - 8) * 64 // 8).
func TestProcessAttestationUpdatesFlagsAndRewardsProposer(t *testing.T) {
	cfg := Minimal()
	st := tuGenesis(t, &cfg, 64)
	tuRunChain(t, &cfg, st, nil, 9) // state at slot 9 with block 9 applied
	atts := tuAttestations(t, &cfg, st, nil)
	tuAdvance(t, &cfg, st, 10)
	// Pre-set one attester's source flag: it earns only target and head.
	pre, err := GetAttestingIndices(&cfg, st, &atts[0])
	if err != nil {
		t.Fatal(err)
	}
	st.CurrentEpochParticipation[pre[0]] = 1 << TimelySourceFlagIndex

	var totalActive Gwei
	for _, v := range st.Validators {
		totalActive += v.EffectiveBalance
	}
	perInc := uint64(1_000_000_000) * 64 / IntegerSquareroot(uint64(totalActive))
	var numerator uint64
	attesters := 0
	for i := range atts {
		idx, err := GetAttestingIndices(&cfg, st, &atts[i])
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range idx {
			attesters++
			base := uint64(st.Validators[v].EffectiveBalance/1_000_000_000) * perInc
			if v == pre[0] {
				numerator += base * (26 + 14)
			} else {
				numerator += base * (14 + 26 + 14)
			}
		}
	}
	wantReward := Gwei(numerator / 448)

	sb := tuBlock(t, &cfg, st, nil, atts, nil, nil)
	proposer := sb.Message.ProposerIndex
	before := st.Balances[proposer]
	rep, err := ProcessBlock(&cfg, st, sb, AcceptAll{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ProposerReward != wantReward || st.Balances[proposer]-before != wantReward {
		t.Fatalf("proposer reward %d (balance +%d), want %d", rep.ProposerReward, st.Balances[proposer]-before, wantReward)
	}
	if rep.NewTimelySource != attesters-1 || rep.NewTimelyTarget != attesters || rep.NewTimelyHead != attesters {
		t.Fatalf("new flags S/T/H %d/%d/%d, want %d/%d/%d", rep.NewTimelySource, rep.NewTimelyTarget, rep.NewTimelyHead, attesters-1, attesters, attesters)
	}
	for i := range atts {
		idx, _ := GetAttestingIndices(&cfg, st, &atts[i])
		for _, v := range idx {
			if st.CurrentEpochParticipation[v] != 0b111 {
				t.Fatalf("validator %d flags %03b", v, st.CurrentEpochParticipation[v])
			}
		}
	}
	if err := st.CheckConservation(); err != nil {
		t.Fatal(err)
	}

	// Including the same attestations again adds no flags and no reward.
	tuAdvance(t, &cfg, st, 11)
	sb = tuBlock(t, &cfg, st, nil, atts, nil, nil)
	rep, err = ProcessBlock(&cfg, st, sb, AcceptAll{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ProposerReward != 0 || rep.NewTimelyTarget != 0 {
		t.Fatalf("repeat inclusion rewarded %d", rep.ProposerReward)
	}
	if got := SelectAttestations(&cfg, st, atts); len(got) != 0 {
		t.Fatalf("SelectAttestations kept %d attestations that add nothing", len(got))
	}
}

// SelectAttestations: dedupes, drops invalid ones, is order-independent
// and caps at MAX_ATTESTATIONS.
func TestSelectAttestations(t *testing.T) {
	cfg := Minimal()
	st := tuGenesis(t, &cfg, 256) // 4 committees per slot in minimal
	tuRunChain(t, &cfg, st, nil, 9)
	atts := tuAttestations(t, &cfg, st, nil)
	if len(atts) != 4 {
		t.Fatalf("%d committees", len(atts))
	}
	tuAdvance(t, &cfg, st, 10)
	bad := atts[1]
	bad.Data.Source.Epoch += 7
	pool := []Attestation{atts[3], atts[1], atts[1], bad, atts[0], atts[2], atts[0]}
	got := SelectAttestations(&cfg, st, pool)
	if len(got) != 4 {
		t.Fatalf("selected %d, want 4", len(got))
	}
	for i := range got {
		if got[i].Data != atts[i].Data {
			t.Fatalf("position %d: committee %d, want order by index", i, got[i].Data.Index)
		}
	}
	rev := append([]Attestation(nil), pool...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	if fmt.Sprint(SelectAttestations(&cfg, st, rev)) != fmt.Sprint(got) {
		t.Fatal("selection depends on pool order")
	}
	small := cfg
	small.MaxAttestations = 2
	if n := len(SelectAttestations(&small, st, pool)); n != 2 {
		t.Fatalf("cap: %d selected", n)
	}
	// A subset aggregate adds nothing once the full one is picked.
	sub := atts[0]
	sub.AggregationBits = bitfield.NewBitlist(atts[0].AggregationBits.Len())
	sub.AggregationBits.SetBitAt(0, true)
	if got := SelectAttestations(&cfg, st, []Attestation{sub, atts[0]}); len(got) != 1 || got[0].AggregationBits.Count() != atts[0].AggregationBits.Count() {
		t.Fatalf("subset aggregate kept: %d selected", len(got))
	}
}
