package consensus

import "testing"

// Attestation rewards and penalties. Reference: altair/beacon-chain.md
// get_flag_index_deltas, process_rewards_and_penalties; bellatrix
// get_inactivity_penalty_deltas.

// efMixedParticipation builds a registry with every combination that
// matters: flag subsets, a compounding validator, a slashed one, a not yet
// active one and an exited one. It is at the end of epoch 10.
func efMixedParticipation(cfg *Config) *State {
	st := efState(cfg,
		32*efETH, 32*efETH, 32*efETH, 32*efETH, 32*efETH, // 0..4
		2048*efETH,           // 5 compounding
		31*efETH+400_000_000, // 6 EB 31 ETH
		32*efETH,             // 7 slashed
		32*efETH,             // 8 not yet active
		32*efETH,             // 9 exited before the previous epoch
	)
	efAtEpochEnd(cfg, st, 10)
	const s, tg, h = 1 << TimelySourceFlagIndex, 1 << TimelyTargetFlagIndex, 1 << TimelyHeadFlagIndex
	flags := []ParticipationFlags{s | tg | h, s | tg, tg, h, 0, s | tg | h, s, s | tg | h, s | tg | h, s | tg | h}
	copy(st.PreviousEpochParticipation, flags)
	st.MutValidator(ValidatorIndex(7)).Slashed = true
	st.MutValidator(ValidatorIndex(7)).ExitEpoch = 30
	st.MutValidator(ValidatorIndex(7)).WithdrawableEpoch = 100
	st.MutValidator(ValidatorIndex(8)).ActivationEpoch = 1000
	st.MutValidator(ValidatorIndex(9)).ExitEpoch = 9
	st.MutValidator(ValidatorIndex(9)).WithdrawableEpoch = 300
	st.InactivityScores[4] = 100
	st.InactivityScores[1] = 7
	st.FinalizedCheckpoint = Checkpoint{Epoch: 8}
	st.CurrentJustifiedCheckpoint = Checkpoint{Epoch: 9, Root: efRoot(ComputeStartSlotAtEpoch(cfg, 9))}
	st.PreviousJustifiedCheckpoint = Checkpoint{Epoch: 8}
	return st
}

// efExpectedDeltas computes, from the spec text, the per-flag rewards and
// penalties and the inactivity penalty of efMixedParticipation, given the
// inactivity scores after process_inactivity_updates.
func efExpectedDeltas(cfg *Config, leak bool, scores []uint64) (rew, pen [3][10]Gwei, inact [10]Gwei) {
	const e = uint64(efETH)
	eb := []uint64{32, 32, 32, 32, 32, 2048, 31, 32, 32, 32}
	// Active in the current epoch 10: all but 8 (not active) and 9 (exited at 9).
	total := uint64(0)
	for i := 0; i <= 7; i++ {
		total += eb[i] * e
	}
	// Unslashed participants in the previous epoch, per flag:
	// source: 0,1,5,6; target: 0,1,2,5; head: 0,3,5.
	part := [3]uint64{
		(32 + 32 + 2048 + 31) * e,
		(32 + 32 + 32 + 2048) * e,
		(32 + 32 + 2048) * e,
	}
	has := [3][10]bool{
		{true, true, false, false, false, true, true, false, false, false},
		{true, true, true, false, false, true, false, false, false, false},
		{true, false, false, true, false, true, false, false, false, false},
	}
	weights := [3]uint64{14, 26, 14}
	perInc := e * 64 / efIsqrt(total)
	activeIncr := total / e
	for i := 0; i <= 7; i++ { // eligible: active in epoch 9, or slashed and not withdrawable
		base := eb[i] * perInc
		for f := 0; f < 3; f++ {
			if has[f][i] {
				if !leak {
					rew[f][i] = Gwei(base * weights[f] * (part[f] / e) / (activeIncr * 64))
				}
			} else if f != 2 {
				pen[f][i] = Gwei(base * weights[f] / 64)
			}
		}
		if !has[1][i] {
			inact[i] = Gwei(eb[i] * e * scores[i] / (4 << 24))
		}
	}
	return rew, pen, inact
}

func TestFlagIndexDeltasMixedParticipation(t *testing.T) {
	cfg := Mainnet()
	for _, leak := range []bool{false, true} {
		st := efMixedParticipation(&cfg)
		if leak {
			st.FinalizedCheckpoint = Checkpoint{Epoch: 2}
		}
		rew, pen, _ := efExpectedDeltas(&cfg, leak, st.InactivityScores)
		for f := 0; f < 3; f++ {
			gr, gp := GetFlagIndexDeltas(&cfg, st, f)
			for i := range 10 {
				if gr[i] != rew[f][i] || gp[i] != pen[f][i] {
					t.Errorf("leak=%v flag %d validator %d: got +%d -%d, want +%d -%d", leak, f, i, gr[i], gp[i], rew[f][i], pen[f][i])
				}
			}
		}
	}
	// The figures are not all zero: a sanity check on the fixture itself.
	rew, pen, _ := efExpectedDeltas(&cfg, false, make([]uint64, 10))
	if rew[1][5] == 0 || pen[0][4] == 0 || rew[2][3] == 0 {
		t.Fatal("fixture gives zero deltas")
	}
}

// TestProcessEpochRewardsExact checks the balances after a whole
// ProcessEpoch against the spec's sequence of increases and decreases.
func TestProcessEpochRewardsExact(t *testing.T) {
	cfg := Mainnet()
	for _, leak := range []bool{false, true} {
		st := efMixedParticipation(&cfg)
		if leak {
			st.FinalizedCheckpoint = Checkpoint{Epoch: 2}
			st.PreviousJustifiedCheckpoint = Checkpoint{Epoch: 2}
			st.CurrentJustifiedCheckpoint = Checkpoint{Epoch: 2}
		}
		before := append([]Gwei(nil), st.Balances...)
		// Scores after process_inactivity_updates (eligible 0..7; target
		// voters 0,1,2,5 go down by 1, the others up by 4; recovery of 16
		// outside a leak).
		scores := append([]uint64(nil), st.InactivityScores...)
		target := []bool{true, true, true, false, false, true, false, false}
		for i := 0; i <= 7; i++ {
			if target[i] {
				scores[i] -= min(1, scores[i])
			} else {
				scores[i] += 4
			}
			if !leak {
				scores[i] -= min(16, scores[i])
			}
		}
		rew, pen, inact := efExpectedDeltas(&cfg, leak, scores)
		rep := efProcess(t, &cfg, st)
		if rep.InInactivityLeak != leak {
			t.Fatalf("leak %v, want %v", rep.InInactivityLeak, leak)
		}
		var totalRew, totalPen Gwei
		for i := range 10 {
			want := before[i]
			for f := 0; f < 3; f++ {
				want += rew[f][i]
				want -= min(want, pen[f][i])
				totalRew += rew[f][i]
				totalPen += pen[f][i]
			}
			want -= min(want, inact[i])
			totalPen += inact[i]
			if st.Balances[i] != want {
				t.Errorf("leak=%v validator %d: balance %d, want %d (delta %d)", leak, i, st.Balances[i], want, int64(st.Balances[i])-int64(want))
			}
			if i < len(scores) && st.InactivityScores[i] != scores[i] {
				t.Errorf("leak=%v validator %d: score %d, want %d", leak, i, st.InactivityScores[i], scores[i])
			}
		}
		if rep.Rewards != totalRew || rep.Penalties != totalPen {
			t.Errorf("leak=%v report rewards %d penalties %d, want %d %d", leak, rep.Rewards, rep.Penalties, totalRew, totalPen)
		}
		if leak && (rep.Rewards != 0 || inact[4] == 0) {
			t.Errorf("leak: rewards %d (want 0), inactivity penalty of validator 4 = %d (want > 0)", rep.Rewards, inact[4])
		}
	}
}

// TestRewardsSkippedAtGenesis: no rewards, penalties or score changes at
// the end of epoch 0.
func TestRewardsSkippedAtGenesis(t *testing.T) {
	cfg := Minimal()
	st := efState(&cfg, efN(4, 32*efETH)...)
	st.InactivityScores[2] = 9
	efSet(st.PreviousEpochParticipation, efAllFlags, 0, 1)
	rep := efProcess(t, &cfg, st)
	for i, b := range st.Balances {
		if b != 32*efETH {
			t.Errorf("validator %d: balance %d changed at genesis", i, b)
		}
	}
	if st.InactivityScores[2] != 9 || rep.Rewards != 0 || rep.Penalties != 0 {
		t.Errorf("genesis epoch: score %d, rewards %d, penalties %d", st.InactivityScores[2], rep.Rewards, rep.Penalties)
	}
}

// TestPenaltyClampOrder: a validator whose balance cannot cover its
// penalties ends at zero and the ledger counts only what was taken.
func TestPenaltyClampOrder(t *testing.T) {
	cfg := Minimal()
	st := efState(&cfg, efN(8, 32*efETH)...)
	efAtEpochEnd(&cfg, st, 5)
	efSet(st.PreviousEpochParticipation, efAllFlags, efRange(1, 8)...)
	// Validator 0 keeps a 32 ETH effective balance but has almost no balance.
	st.DecreaseBalance(0, 32*efETH-1000)
	burnedBefore := st.Ledger.Burned
	rep := efProcess(t, &cfg, st)
	if st.Balances[0] != 0 {
		t.Errorf("balance %d, want 0", st.Balances[0])
	}
	if got := st.Ledger.Burned - burnedBefore; got != 1000 || rep.Penalties != 1000 {
		t.Errorf("burned %d, report penalties %d, want 1000 each", got, rep.Penalties)
	}
}

// TestStepwiseMatchesFused: the exported step functions, run in spec order,
// give the same balances and scores as ProcessEpoch's fused pass.
func TestStepwiseMatchesFused(t *testing.T) {
	cfg := Mainnet()
	for _, fin := range []Epoch{8, 2} {
		a := efMixedParticipation(&cfg)
		a.FinalizedCheckpoint = Checkpoint{Epoch: fin}
		b := a.Copy()
		if err := ProcessJustificationAndFinalization(&cfg, a); err != nil {
			t.Fatal(err)
		}
		ProcessInactivityUpdates(&cfg, a)
		rew, pen := ProcessRewardsAndPenalties(&cfg, a)
		rep := efProcess(t, &cfg, b)
		for i := range a.Balances {
			if a.Balances[i] != b.Balances[i] || a.InactivityScores[i] != b.InactivityScores[i] {
				t.Errorf("finalized %d, validator %d: stepwise %d/%d, fused %d/%d", fin, i,
					a.Balances[i], a.InactivityScores[i], b.Balances[i], b.InactivityScores[i])
			}
		}
		if rew != rep.Rewards || pen != rep.Penalties || (rew == 0 && fin == 8) {
			t.Errorf("finalized %d: stepwise +%d -%d, fused +%d -%d", fin, rew, pen, rep.Rewards, rep.Penalties)
		}
	}
}
