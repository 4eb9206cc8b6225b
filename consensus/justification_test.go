package consensus

import "testing"

// Justification and finalization. Reference: phase0/beacon-chain.md
// weigh_justification_and_finalization; altair process_justification_and_finalization.

func efCheckpoint(cfg *Config, e Epoch) Checkpoint {
	return Checkpoint{Epoch: e, Root: efRoot(ComputeStartSlotAtEpoch(cfg, e))}
}

func TestFinalizationRules(t *testing.T) {
	cfg := Minimal()
	const E = Epoch(20)
	type tc struct {
		name                string
		bitsBefore          uint8 // bit 0 = epoch E-1 before the shift
		prevJ, curJ         Epoch
		prevVotes, curVotes bool // 2/3 of stake voted the previous / current target
		wantBits            uint8
		wantJustified       Epoch
		wantFinalized       Epoch // 0 = unchanged (the fixture's finalized epoch is 0)
	}
	cases := []tc{
		// Rule 1: E-1, E-2, E-3 justified, E-1 with source E-3.
		{name: "rule1 2nd/3rd/4th", bitsBefore: 0b110, prevJ: E - 3, curJ: E - 2, prevVotes: true,
			wantBits: 0b1110, wantJustified: E - 1, wantFinalized: E - 3},
		// Rule 2: E-1 and E-2 justified, E-1 with source E-2.
		{name: "rule2 2nd/3rd", bitsBefore: 0b010, prevJ: E - 2, curJ: E - 2, prevVotes: true,
			wantBits: 0b0110, wantJustified: E - 1, wantFinalized: E - 2},
		// Rule 3: E, E-1, E-2 justified, E with source E-2.
		{name: "rule3 1st/2nd/3rd", bitsBefore: 0b010, prevJ: E - 5, curJ: E - 2, prevVotes: true, curVotes: true,
			wantBits: 0b0111, wantJustified: E, wantFinalized: E - 2},
		// Rule 4: E and E-1 justified, E with source E-1.
		{name: "rule4 1st/2nd", bitsBefore: 0b001, prevJ: E - 2, curJ: E - 1, curVotes: true,
			wantBits: 0b0011, wantJustified: E, wantFinalized: E - 1},
		// Rule 1 bits but the source is not E-3.
		{name: "rule1 bits wrong source", bitsBefore: 0b110, prevJ: E - 4, curJ: E - 2, prevVotes: true,
			wantBits: 0b1110, wantJustified: E - 1, wantFinalized: 0},
		// Rule 4 bits but the source is not E-1.
		{name: "rule4 bits wrong source", bitsBefore: 0b001, prevJ: E - 4, curJ: E - 3, curVotes: true,
			wantBits: 0b0011, wantJustified: E, wantFinalized: 0},
		// Nothing justified: bits shift out, checkpoints stay.
		{name: "no votes", bitsBefore: 0b1111, prevJ: E - 2, curJ: E - 1,
			wantBits: 0b1110, wantJustified: E - 1, wantFinalized: E - 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// 9 validators of 32 ETH: 6 is exactly 2/3 (6*3 >= 9*2).
			st := efState(&cfg, efN(9, 32*efETH)...)
			efAtEpochEnd(&cfg, st, E)
			st.JustificationBits = c.bitsBefore
			st.PreviousJustifiedCheckpoint = efCheckpoint(&cfg, c.prevJ)
			st.CurrentJustifiedCheckpoint = efCheckpoint(&cfg, c.curJ)
			if c.prevVotes {
				efSet(st.PreviousEpochParticipation, 1<<TimelyTargetFlagIndex, efRange(0, 6)...)
			} else {
				efSet(st.PreviousEpochParticipation, 1<<TimelyTargetFlagIndex, efRange(0, 5)...)
			}
			if c.curVotes {
				efSet(st.CurrentEpochParticipation, 1<<TimelyTargetFlagIndex, efRange(3, 9)...)
			}
			wantJ, wantF := ComputeUnrealizedCheckpoints(&cfg, st)
			snapshot := *st
			if err := ProcessJustificationAndFinalization(&cfg, st); err != nil {
				t.Fatal(err)
			}
			if st.JustificationBits != c.wantBits {
				t.Errorf("bits %04b, want %04b", st.JustificationBits, c.wantBits)
			}
			if want := efCheckpoint(&cfg, c.wantJustified); st.CurrentJustifiedCheckpoint != want {
				t.Errorf("justified %+v, want %+v", st.CurrentJustifiedCheckpoint, want)
			}
			if want := efCheckpoint(&cfg, c.curJ); st.PreviousJustifiedCheckpoint != want {
				t.Errorf("previous justified %+v, want the old current %+v", st.PreviousJustifiedCheckpoint, want)
			}
			wantFin := Checkpoint{}
			if c.wantFinalized != 0 {
				wantFin = efCheckpoint(&cfg, c.wantFinalized)
			}
			if st.FinalizedCheckpoint != wantFin {
				t.Errorf("finalized %+v, want %+v", st.FinalizedCheckpoint, wantFin)
			}
			// The pull-up agrees with the processed state and wrote nothing.
			if wantJ != st.CurrentJustifiedCheckpoint || wantF != st.FinalizedCheckpoint {
				t.Errorf("unrealized (%v, %v), processed (%v, %v)", wantJ, wantF, st.CurrentJustifiedCheckpoint, st.FinalizedCheckpoint)
			}
			if snapshot.JustificationBits != c.bitsBefore || snapshot.CurrentJustifiedCheckpoint != efCheckpoint(&cfg, c.curJ) {
				t.Error("ComputeUnrealizedCheckpoints modified the state")
			}
		})
	}
}

// TestJustificationThreshold: 2/3 of the total active balance exactly
// justifies; one Gwei less of effective balance does not (effective
// balances move in whole increments, so use unequal validators).
func TestJustificationThreshold(t *testing.T) {
	cfg := Minimal()
	for _, tc := range []struct {
		voters []int
		want   bool
	}{
		{[]int{0, 1}, true},    // 64 of 96 ETH
		{[]int{0, 2}, false},   // 63 of 96
		{[]int{0, 1, 2}, true}, // all
		{[]int{2}, false},
	} {
		st := efState(&cfg, 32*efETH, 32*efETH, 31*efETH, efETH)
		efAtEpochEnd(&cfg, st, 7)
		efSet(st.PreviousEpochParticipation, 1<<TimelyTargetFlagIndex, tc.voters...)
		if err := ProcessJustificationAndFinalization(&cfg, st); err != nil {
			t.Fatal(err)
		}
		got := st.JustificationBits&0b10 != 0
		if got != tc.want {
			t.Errorf("voters %v: justified %v, want %v", tc.voters, got, tc.want)
		}
	}
}

// TestJustificationSkippedEarly: epochs 0 and 1 never change FFG state.
func TestJustificationSkippedEarly(t *testing.T) {
	cfg := Minimal()
	for _, e := range []Epoch{0, 1} {
		st := efState(&cfg, efN(3, 32*efETH)...)
		efAtEpochEnd(&cfg, st, e)
		efSet(st.PreviousEpochParticipation, efAllFlags, 0, 1, 2)
		efSet(st.CurrentEpochParticipation, efAllFlags, 0, 1, 2)
		rep := efProcess(t, &cfg, st)
		if st.JustificationBits != 0 || rep.Justified != (Checkpoint{}) || rep.Finalized != (Checkpoint{}) {
			t.Errorf("epoch %d: bits %b justified %v", e, st.JustificationBits, rep.Justified)
		}
	}
}

// TestFinalityFromGenesis: with everyone voting, epoch 2 justifies 1 and 2,
// epoch 3 finalizes 2 (rule 4), and so on every epoch.
func TestFinalityFromGenesis(t *testing.T) {
	cfg := Minimal()
	st := efState(&cfg, efN(16, 32*efETH)...)
	for e := Epoch(0); e < 10; e++ {
		efSet(st.CurrentEpochParticipation, efAllFlags, efRange(0, 16)...)
		rep := efAdvance(t, &cfg, st)
		wantJ, wantF := Epoch(0), Epoch(0)
		if e >= 2 {
			wantJ = e
		}
		if e >= 3 {
			wantF = e - 1
		}
		if rep.Justified.Epoch != wantJ || rep.Finalized.Epoch != wantF {
			t.Errorf("epoch %d: justified %d finalized %d, want %d %d", e, rep.Justified.Epoch, rep.Finalized.Epoch, wantJ, wantF)
		}
		if e >= 2 && rep.Justified.Root != efRoot(ComputeStartSlotAtEpoch(&cfg, e)) {
			t.Errorf("epoch %d: justified root %x", e, rep.Justified.Root[:8])
		}
	}
}
