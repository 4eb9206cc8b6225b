package consensus

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stakesim/stakesim/crypto"
)

func tuIndexed(cfg *Config, st *State, kr *crypto.Keyring, d AttestationData, idx ...ValidatorIndex) IndexedAttestation {
	return IndexedAttestation{AttestingIndices: idx, Data: d, Signature: tuAggregate(kr, AttestationSigningRoot(cfg, st, &d), idx)}
}

// Reference: phase0 process_attester_slashing, Electra slash_validator.
// Exactly the slashable validators of the intersection are slashed, in
// ascending order, each losing effective_balance // MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA,
// and the proposer earns the whistleblower reward for each.
func TestAttesterSlashing(t *testing.T) {
	cfg := Minimal()
	kr := crypto.NewKeyring(7, 64, 2)
	base := tuGenesis(t, &cfg, 64)
	tuAdvance(t, &cfg, base, 3)
	src := Checkpoint{Epoch: 0, Root: tuHash("src", 0)}
	d1 := AttestationData{Slot: 1, BeaconBlockRoot: tuHash("a", 1), Source: src, Target: Checkpoint{Epoch: 0, Root: tuHash("t", 1)}}
	d2 := d1
	d2.BeaconBlockRoot = tuHash("b", 2) // double vote: same target epoch, different data
	// Surround: (source 1, target 4) surrounds (source 2, target 3).
	s1 := AttestationData{Slot: 33, Source: Checkpoint{Epoch: 1}, Target: Checkpoint{Epoch: 4}}
	s2 := AttestationData{Slot: 25, Source: Checkpoint{Epoch: 2}, Target: Checkpoint{Epoch: 3}}

	for _, tc := range []struct {
		name         string
		a1, a2       AttestationData
		i1, i2       []ValidatorIndex
		preSlashed   []ValidatorIndex
		wantSlashed  []ValidatorIndex
		wantErr      error
		badSignature bool
	}{
		{name: "double vote", a1: d1, a2: d2, i1: []ValidatorIndex{1, 3, 5, 7, 20}, i2: []ValidatorIndex{3, 5, 9, 20, 40}, wantSlashed: []ValidatorIndex{3, 5, 20}},
		{name: "surround vote", a1: s1, a2: s2, i1: []ValidatorIndex{2, 4, 6}, i2: []ValidatorIndex{4, 6, 8}, wantSlashed: []ValidatorIndex{4, 6}},
		{name: "already slashed skipped", a1: d1, a2: d2, i1: []ValidatorIndex{3, 5}, i2: []ValidatorIndex{3, 5}, preSlashed: []ValidatorIndex{3}, wantSlashed: []ValidatorIndex{5}},
		{name: "nothing slashable", a1: d1, a2: d2, i1: []ValidatorIndex{3}, i2: []ValidatorIndex{3}, preSlashed: []ValidatorIndex{3}, wantErr: ErrInvalidSlashing},
		{name: "empty intersection", a1: d1, a2: d2, i1: []ValidatorIndex{1}, i2: []ValidatorIndex{2}, wantErr: ErrInvalidSlashing},
		{name: "not slashable data", a1: d1, a2: d1, i1: []ValidatorIndex{1}, i2: []ValidatorIndex{1}, wantErr: ErrInvalidSlashing},
		{name: "unsorted indices", a1: d1, a2: d2, i1: []ValidatorIndex{5, 3}, i2: []ValidatorIndex{3, 5}, wantErr: ErrInvalidSlashing},
		{name: "index out of range", a1: d1, a2: d2, i1: []ValidatorIndex{3, 64}, i2: []ValidatorIndex{3}, wantErr: ErrInvalidSlashing},
		{name: "bad signature", a1: d1, a2: d2, i1: []ValidatorIndex{3, 5}, i2: []ValidatorIndex{3, 5}, badSignature: true, wantErr: ErrInvalidSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := base.Copy()
			for _, v := range tc.preSlashed {
				st.MutValidator(ValidatorIndex(v)).Slashed = true
			}
			as := AttesterSlashing{Attestation1: tuIndexed(&cfg, st, kr, tc.a1, tc.i1...), Attestation2: tuIndexed(&cfg, st, kr, tc.a2, tc.i2...)}
			if tc.badSignature {
				as.Attestation2.Signature = tuAggregate(kr, tuHash("x", 0), tc.i2)
			}
			sb := tuBlock(t, &cfg, st, kr, nil, nil, []AttesterSlashing{as})
			proposer := sb.Message.ProposerIndex
			before := append([]Gwei(nil), st.Balances...)
			// The block's sync aggregate is empty: every seat in the sync
			// committee loses participant_reward (process_sync_aggregate).
			syncPen := make([]Gwei, len(st.Validators))
			for i := range syncPen {
				syncPen[i] = tuEmptySyncPenalty(&cfg, st, ValidatorIndex(i))
			}
			rep, err := ProcessBlock(&cfg, st, sb, kr)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(rep.Slashed) != fmt.Sprint(tc.wantSlashed) {
				t.Fatalf("slashed %v, want %v", rep.Slashed, tc.wantSlashed)
			}
			isWant := map[ValidatorIndex]bool{}
			for _, v := range tc.wantSlashed {
				isWant[v] = true
			}
			var proposerGain Gwei
			for i := range st.Validators {
				v := ValidatorIndex(i)
				was := false
				for _, p := range tc.preSlashed {
					was = was || p == v
				}
				if st.Validators[i].Slashed != (isWant[v] || was) {
					t.Fatalf("validator %d slashed=%v", i, st.Validators[i].Slashed)
				}
				if isWant[v] {
					eb := st.Validators[i].EffectiveBalance
					if want := before[i] - eb/4096 - syncPen[i]; st.Balances[i] != want && v != proposer {
						t.Fatalf("validator %d balance %d, want %d", i, st.Balances[i], want)
					}
					if st.Validators[i].ExitEpoch == FarFutureEpoch || st.Validators[i].WithdrawableEpoch < Epoch(cfg.EpochsPerSlashingsVector) {
						t.Fatalf("validator %d: exit %d withdrawable %d", i, st.Validators[i].ExitEpoch, st.Validators[i].WithdrawableEpoch)
					}
					// whistleblower_reward = eb // 4096, all of it to the proposer (who is the whistleblower).
					proposerGain += eb / 4096
				}
			}
			if !isWant[proposer] && st.Balances[proposer]+syncPen[proposer]-before[proposer] != proposerGain {
				t.Fatalf("proposer gained %d (before sync penalty %d), want %d", st.Balances[proposer]+syncPen[proposer]-before[proposer], syncPen[proposer], proposerGain)
			}
			if err := st.CheckConservation(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Reference: Electra IndexedAttestation, attesting_indices:
// List[ValidatorIndex, MAX_VALIDATORS_PER_COMMITTEE * MAX_COMMITTEES_PER_SLOT]
// [Modified in Electra:EIP7549]. With MAX_VALIDATORS_PER_COMMITTEE lowered
// to 1 the minimal preset's limit is 1 * 4 = 4: evidence naming four
// validators slashes them, evidence naming five is invalid.
func TestAttesterSlashingIndexLimit(t *testing.T) {
	cfg := Minimal()
	cfg.MaxValidatorsPerCommittee = 1
	st := tuGenesis(t, &cfg, 64)
	tuAdvance(t, &cfg, st, 3)
	src := Checkpoint{Epoch: 0, Root: tuHash("src", 0)}
	d1 := AttestationData{Slot: 1, BeaconBlockRoot: tuHash("a", 1), Source: src, Target: Checkpoint{Epoch: 0, Root: tuHash("t", 1)}}
	d2 := d1
	d2.BeaconBlockRoot = tuHash("b", 2)
	for _, tc := range []struct {
		idx []ValidatorIndex
		ok  bool
	}{{[]ValidatorIndex{1, 2, 3, 4}, true}, {[]ValidatorIndex{1, 2, 3, 4, 5}, false}} {
		as := AttesterSlashing{Attestation1: IndexedAttestation{AttestingIndices: tc.idx, Data: d1}, Attestation2: IndexedAttestation{AttestingIndices: tc.idx, Data: d2}}
		sb := tuBlock(t, &cfg, st, nil, nil, nil, []AttesterSlashing{as})
		rep, err := ProcessBlock(&cfg, st.Copy(), sb, AcceptAll{})
		if tc.ok && (err != nil || len(rep.Slashed) != len(tc.idx)) {
			t.Fatalf("%d indices: err %v, slashed %v", len(tc.idx), err, rep.Slashed)
		}
		if !tc.ok && !errors.Is(err, ErrInvalidSlashing) {
			t.Fatalf("%d indices accepted or wrong error: %v", len(tc.idx), err)
		}
	}
}

// Reference: phase0 process_proposer_slashing.
func TestProposerSlashing(t *testing.T) {
	cfg := Minimal()
	kr := crypto.NewKeyring(9, 64, 2)
	base := tuGenesis(t, &cfg, 64)
	tuAdvance(t, &cfg, base, 2)
	const culprit = ValidatorIndex(17)
	sign := func(st *State, h BeaconBlockHeader) SignedBeaconBlockHeader {
		return SignedBeaconBlockHeader{Message: h, Signature: crypto.Sign(kr.Secret(uint64(h.ProposerIndex)), HeaderSigningRoot(&cfg, st, &h))}
	}
	h1 := BeaconBlockHeader{Slot: 1, ProposerIndex: culprit, BodyRoot: tuHash("body", 1)}
	h2 := h1
	h2.BodyRoot = tuHash("body", 2)
	for _, tc := range []struct {
		name    string
		make    func(st *State) ProposerSlashing
		wantErr error
	}{
		{"valid", func(st *State) ProposerSlashing { return ProposerSlashing{sign(st, h1), sign(st, h2)} }, nil},
		{"identical headers", func(st *State) ProposerSlashing { return ProposerSlashing{sign(st, h1), sign(st, h1)} }, ErrInvalidSlashing},
		{"different slots", func(st *State) ProposerSlashing {
			h := h2
			h.Slot = 0
			return ProposerSlashing{sign(st, h1), sign(st, h)}
		}, ErrInvalidSlashing},
		{"different proposers", func(st *State) ProposerSlashing {
			h := h2
			h.ProposerIndex = 18
			return ProposerSlashing{sign(st, h1), sign(st, h)}
		}, ErrInvalidSlashing},
		{"forged second signature", func(st *State) ProposerSlashing {
			ps := ProposerSlashing{sign(st, h1), sign(st, h2)}
			ps.SignedHeader2.Signature = crypto.Sign(kr.Secret(3), HeaderSigningRoot(&cfg, st, &h2))
			return ps
		}, ErrInvalidSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := base.Copy()
			sb := tuBlock(t, &cfg, st, kr, nil, []ProposerSlashing{tc.make(st)}, nil)
			if sb.Message.ProposerIndex == culprit {
				t.Skip("culprit proposes this block")
			}
			before := st.Balances[culprit]
			syncPen := tuEmptySyncPenalty(&cfg, st, culprit) // empty sync aggregate
			rep, err := ProcessBlock(&cfg, st, sb, kr)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Slashed) != 1 || rep.Slashed[0] != culprit || !st.Validators[culprit].Slashed {
				t.Fatalf("slashed %v", rep.Slashed)
			}
			if st.Balances[culprit] != before-32*tuETH/4096-syncPen {
				t.Fatalf("penalty %d", before-st.Balances[culprit])
			}
			// Slashing the same proposer again is invalid: it is no longer slashable.
			tuAdvance(t, &cfg, st, st.Slot+1)
			sb2 := tuBlock(t, &cfg, st, kr, nil, []ProposerSlashing{tc.make(st)}, nil)
			if _, err := ProcessBlock(&cfg, st, sb2, kr); !errors.Is(err, ErrInvalidSlashing) {
				t.Fatalf("second slashing: %v", err)
			}
		})
	}
}
