package consensus

import (
	"fmt"
	"testing"
)

// Inactivity leak tests. Reference: altair/beacon-chain.md "Inactivity
// scores", bellatrix/beacon-chain.md get_inactivity_penalty_deltas,
// phase0/beacon-chain.md is_in_inactivity_leak.

// efLeakEpoch is one epoch of a leak trajectory, from the simulation or from
// the homogeneous-group model.
type efLeakEpoch struct {
	Epoch          Epoch
	Justified      Epoch
	Finalized      Epoch
	Leak           bool
	OfflineBalance Gwei // validator 0, which never attests
	OfflineEB      Gwei
	OfflineScore   uint64
	HonestBalance  Gwei // the last validator, which always attests
	HonestEB       Gwei
	ActiveCount    int // validators active in the epoch processed
}

// efLeakFinalityResumes returns the first epoch whose processing finalized
// an epoch after genesis, or false.
func efLeakFinalityResumes(traj []efLeakEpoch) (Epoch, bool) {
	for _, r := range traj {
		if r.Finalized > 0 {
			return r.Epoch, true
		}
	}
	return 0, false
}

// efLeakSimulate builds nOffline validators that never attest followed by
// nHonest validators that attest with all three flags in every epoch they
// are active, all 32 ETH from genesis, and runs ProcessEpoch from epoch 0
// until extra epochs after finality resumes, or maxEpochs.
func efLeakSimulate(t testing.TB, cfg *Config, nOffline, nHonest int, maxEpochs, extra Epoch) []efLeakEpoch {
	t.Helper()
	n := nOffline + nHonest
	st := efState(cfg, efN(n, 32*efETH)...)
	var traj []efLeakEpoch
	resumedAt := Epoch(0)
	for e := Epoch(0); e <= maxEpochs; e++ {
		active := 0
		for i := range st.Validators {
			if IsActiveValidator(&st.Validators[i], e) {
				active++
				if i >= nOffline {
					st.CurrentEpochParticipation[i] = efAllFlags
				}
			}
		}
		rep := efAdvance(t, cfg, st)
		traj = append(traj, efLeakEpoch{
			Epoch: e, Justified: rep.Justified.Epoch, Finalized: rep.Finalized.Epoch, Leak: rep.InInactivityLeak,
			OfflineBalance: st.Balances[0], OfflineEB: st.Validators[0].EffectiveBalance, OfflineScore: st.InactivityScores[0],
			HonestBalance: st.Balances[n-1], HonestEB: st.Validators[n-1].EffectiveBalance, ActiveCount: active,
		})
		if resumedAt == 0 && rep.Finalized.Epoch > 0 {
			resumedAt = e
		}
		if resumedAt > 0 && e >= resumedAt+extra {
			break
		}
	}
	return traj
}

// efCohort is a set of identical validators of the model: same balance,
// effective balance, score, behaviour and exit epoch.
type efCohort struct {
	n       int
	attests bool
	balance Gwei
	eb      Gwei
	score   uint64
	exit    Epoch
}

// efLeakModel is an independent calculation of the same run with one
// representative per cohort, written from the spec text: justification
// (2/3 of total active balance, four finalization rules), inactivity
// scores, flag rewards and penalties, inactivity penalties, ejection at
// EJECTION_BALANCE through the Electra exit churn, and effective-balance
// hysteresis. Cohort 0 holds validator 0; the honest cohort is last.
func efLeakModel(cfg *Config, nOffline, nHonest int, maxEpochs, extra Epoch) []efLeakEpoch {
	inc := cfg.EffectiveBalanceIncrement
	cohorts := []efCohort{
		{n: nOffline, balance: 32 * efETH, eb: 32 * efETH, exit: FarFutureEpoch},
		{n: nHonest, attests: true, balance: 32 * efETH, eb: 32 * efETH, exit: FarFutureEpoch},
	}
	var bits uint8
	var prevJ, curJ, fin Epoch
	earliestExit, exitToConsume := Epoch(0), Gwei(0)
	var traj []efLeakEpoch
	resumedAt := Epoch(0)

	sumEB := func(ep Epoch, onlyAttesters bool) Gwei {
		var s Gwei
		for _, c := range cohorts {
			if ep < c.exit && (!onlyAttesters || c.attests) {
				s += Gwei(c.n) * c.eb
			}
		}
		return s
	}
	for e := Epoch(0); e <= maxEpochs; e++ {
		cur := e
		prev := Epoch(0)
		if e > 0 {
			prev = e - 1
		}
		activeCount := 0
		for _, c := range cohorts {
			if cur < c.exit {
				activeCount += c.n
			}
		}
		total := max(sumEB(cur, false), inc)
		prevTarget := max(sumEB(prev, true), inc)
		curTarget := max(sumEB(cur, true), inc)

		// Justification and finalization.
		if cur > 1 {
			oldPrev, oldCur := prevJ, curJ
			prevJ = curJ
			bits = (bits << 1) & 0b1111
			if prevTarget*3 >= total*2 {
				curJ = prev
				bits |= 0b10
			}
			if curTarget*3 >= total*2 {
				curJ = cur
				bits |= 0b01
			}
			if bits&0b1110 == 0b1110 && oldPrev+3 == cur {
				fin = oldPrev
			}
			if bits&0b0110 == 0b0110 && oldPrev+2 == cur {
				fin = oldPrev
			}
			if bits&0b0111 == 0b0111 && oldCur+2 == cur {
				fin = oldCur
			}
			if bits&0b0011 == 0b0011 && oldCur+1 == cur {
				fin = oldCur
			}
		}
		leak := uint64(prev-fin) > cfg.MinEpochsToInactivityPenalty

		// Inactivity scores, then rewards and penalties.
		if cur > 0 {
			perIncrement := inc * Gwei(cfg.BaseRewardFactor) / Gwei(efIsqrt(uint64(total)))
			activeIncrements := uint64(total / inc)
			participatingIncrements := uint64(prevTarget / inc) // honest set all flags
			for k := range cohorts {
				c := &cohorts[k]
				if !(prev < c.exit) {
					continue // not eligible
				}
				if c.attests {
					c.score -= min(1, c.score)
				} else {
					c.score += cfg.InactivityScoreBias
				}
				if !leak {
					c.score -= min(cfg.InactivityScoreRecoveryRate, c.score)
				}
				base := uint64(c.eb/inc) * uint64(perIncrement)
				for flag, w := range []uint64{14, 26, 14} {
					if c.attests {
						if !leak {
							c.balance += Gwei(base * w * participatingIncrements / (activeIncrements * 64))
						}
					} else if flag != 2 {
						c.balance -= min(c.balance, Gwei(base*w/64))
					}
				}
				if !c.attests {
					c.balance -= min(c.balance, Gwei(uint64(c.eb)*c.score/(cfg.InactivityScoreBias*cfg.InactivityPenaltyQuotientBellatrix)))
				}
			}
		}

		// Registry updates: ejections, one validator at a time through the churn.
		churn := max(cfg.MinPerEpochChurnLimitElectra, total/Gwei(cfg.ChurnLimitQuotient))
		churn -= churn % inc
		perEpoch := min(cfg.MaxPerEpochActivationExitChurnLimit, churn)
		var next []efCohort
		for _, c := range cohorts {
			if !(cur < c.exit && c.eb <= cfg.EjectionBalance && c.exit == FarFutureEpoch) {
				next = append(next, c)
				continue
			}
			for v := 0; v < c.n; v++ {
				earliest := max(earliestExit, cur+1+Epoch(cfg.MaxSeedLookahead))
				toConsume := exitToConsume
				if earliestExit < earliest {
					toConsume = perEpoch
				}
				if c.eb > toConsume {
					add := (c.eb-toConsume-1)/perEpoch + 1
					earliest += Epoch(add)
					toConsume += add * perEpoch
				}
				exitToConsume = toConsume - c.eb
				earliestExit = earliest
				if last := len(next) - 1; last >= 0 && next[last].exit == earliest && !next[last].attests {
					next[last].n++
				} else {
					one := c
					one.n, one.exit = 1, earliest
					next = append(next, one)
				}
			}
		}
		cohorts = next

		// Effective balances with hysteresis (0x01: cap 32 ETH).
		for k := range cohorts {
			c := &cohorts[k]
			if c.balance+inc/4 < c.eb || c.eb+inc*5/4 < c.balance {
				c.eb = min(c.balance-c.balance%inc, cfg.MinActivationBalance)
			}
		}

		off, hon := cohorts[0], cohorts[len(cohorts)-1]
		traj = append(traj, efLeakEpoch{
			Epoch: e, Justified: curJ, Finalized: fin, Leak: leak,
			OfflineBalance: off.balance, OfflineEB: off.eb, OfflineScore: off.score,
			HonestBalance: hon.balance, HonestEB: hon.eb, ActiveCount: activeCount,
		})
		if resumedAt == 0 && fin > 0 {
			resumedAt = e
		}
		if resumedAt > 0 && e >= resumedAt+extra {
			break
		}
	}
	return traj
}

// TestLeakHomogeneousGroups runs the leak with a share of validators
// offline until finality resumes and compares every epoch with the
// homogeneous-group model.
func TestLeakHomogeneousGroups(t *testing.T) {
	cfg := Minimal()
	for _, tc := range []struct {
		offline, honest int
		// Sanity bounds on when finality resumes (the leak must have run).
		resumeMin, resumeMax Epoch
	}{
		{offline: 34, honest: 66, resumeMin: 150, resumeMax: 1200},
		{offline: 40, honest: 60, resumeMin: 1000, resumeMax: 4000},
		{offline: 50, honest: 50, resumeMin: 2000, resumeMax: 6000},
	} {
		t.Run(fmt.Sprintf("offline=%d/%d", tc.offline, tc.offline+tc.honest), func(t *testing.T) {
			const maxEpochs, extra = 8000, 40
			got := efLeakSimulate(t, &cfg, tc.offline, tc.honest, maxEpochs, extra)
			want := efLeakModel(&cfg, tc.offline, tc.honest, maxEpochs, extra)
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Fatalf("epoch %d:\n got  %+v\n want %+v", i, got[i], want[i])
				}
			}
			if len(got) != len(want) {
				t.Fatalf("trajectory lengths differ: %d vs %d", len(got), len(want))
			}
			resumed, ok := efLeakFinalityResumes(got)
			if !ok {
				t.Fatalf("finality never resumed within %d epochs", maxEpochs)
			}
			if resumed < tc.resumeMin || resumed > tc.resumeMax {
				t.Errorf("finality resumed at epoch %d, want within [%d, %d]", resumed, tc.resumeMin, tc.resumeMax)
			}
			last := got[len(got)-1]
			if last.Leak {
				t.Errorf("still leaking %d epochs after finality resumed", extra)
			}
			t.Logf("finality resumes at epoch %d; offline validator then has %d Gwei (EB %d), %d active validators",
				resumed, got[resumed].OfflineBalance, got[resumed].OfflineEB, got[resumed].ActiveCount)
		})
	}
}

// TestInactivityScores follows one validator through missed and made
// target votes during and outside a leak.
// Reference: altair/beacon-chain.md process_inactivity_updates.
func TestInactivityScores(t *testing.T) {
	cfg := Minimal()
	bias, recovery := cfg.InactivityScoreBias, cfg.InactivityScoreRecoveryRate
	// 10 validators; validator 0 is the subject, 1..9 always attest (so
	// justification keeps working when we want no leak).
	st := efState(&cfg, efN(10, 32*efETH)...)
	efAtEpochEnd(&cfg, st, 20)

	type step struct {
		leak     bool // force a leak by putting finality far back
		attest   bool
		wantFrom func(s uint64) uint64
	}
	steps := []step{
		{leak: true, attest: false, wantFrom: func(s uint64) uint64 { return s + bias }},
		{leak: true, attest: false, wantFrom: func(s uint64) uint64 { return s + bias }},
		{leak: true, attest: false, wantFrom: func(s uint64) uint64 { return s + bias }},
		{leak: true, attest: true, wantFrom: func(s uint64) uint64 { return s - 1 }},
		{leak: true, attest: false, wantFrom: func(s uint64) uint64 { return s + bias }},
		{leak: false, attest: true, wantFrom: func(s uint64) uint64 { return (s - 1) - min(recovery, s-1) }},
		{leak: false, attest: false, wantFrom: func(s uint64) uint64 { return s + bias - min(recovery, s+bias) }},
	}
	score, maxScore := uint64(0), uint64(0)
	for k, s := range steps {
		cur := GetCurrentEpoch(&cfg, st)
		// Finality: leak iff previous - finalized > 4.
		if s.leak {
			st.FinalizedCheckpoint = Checkpoint{Epoch: cur - 10}
		} else {
			st.FinalizedCheckpoint = Checkpoint{Epoch: cur - 2}
		}
		st.CurrentJustifiedCheckpoint = Checkpoint{Epoch: cur - 1, Root: efRoot(ComputeStartSlotAtEpoch(&cfg, cur-1))}
		st.PreviousJustifiedCheckpoint = st.CurrentJustifiedCheckpoint
		// No current-epoch votes and no earlier bits, so this epoch's
		// justification cannot finalize anything and the leak is as set.
		st.JustificationBits = 0
		for i := range st.Validators {
			st.PreviousEpochParticipation[i] = efAllFlags
			st.CurrentEpochParticipation[i] = 0
		}
		if !s.attest {
			st.PreviousEpochParticipation[0] = 0
		}
		// Penalty figure before processing, with the score after the update
		// (process_inactivity_updates runs before the rewards).
		want := s.wantFrom(score)
		bal := st.Balances[0]
		rep := efProcess(t, &cfg, st)
		if rep.InInactivityLeak != s.leak {
			t.Fatalf("step %d: leak %v, want %v", k, rep.InInactivityLeak, s.leak)
		}
		if got := st.InactivityScores[0]; got != want {
			t.Fatalf("step %d: score %d, want %d", k, got, want)
		}
		score = want
		maxScore = max(maxScore, score)
		if !s.attest {
			// Reference: bellatrix get_inactivity_penalty_deltas.
			inactivity := Gwei(uint64(32*efETH) * score / (bias * cfg.InactivityPenaltyQuotientBellatrix))
			if rep.InactivityPenalties != inactivity {
				t.Errorf("step %d: inactivity penalties %d, want %d", k, rep.InactivityPenalties, inactivity)
			}
			if st.Balances[0] >= bal {
				t.Errorf("step %d: offline balance did not fall", k)
			}
		}
		efAtEpochEnd(&cfg, st, cur+1)
	}
	if maxScore != 3*bias+bias-1 {
		t.Fatalf("highest score %d, want %d", maxScore, 3*bias+bias-1)
	}
}

// TestInactivityPenaltyFormula checks get_inactivity_penalty_deltas for a
// spread of scores and effective balances, including a slashed validator
// (penalised even with a target vote) and one that is not eligible.
func TestInactivityPenaltyFormula(t *testing.T) {
	cfg := Mainnet()
	st := efState(&cfg, 32*efETH, 31*efETH, 2048*efETH, 32*efETH, 32*efETH, 32*efETH)
	efAtEpochEnd(&cfg, st, 100)
	scores := []uint64{0, 37, 4096, 123456, 50, 50}
	copy(st.InactivityScores, scores)
	efSet(st.PreviousEpochParticipation, efAllFlags, 3, 4)
	st.MutValidator(ValidatorIndex(4)).Slashed = true
	st.MutValidator(ValidatorIndex(4)).WithdrawableEpoch = 5000
	st.MutValidator(ValidatorIndex(5)).ActivationEpoch = 200 // not active, not eligible
	got := GetInactivityPenaltyDeltas(&cfg, st)
	den := uint64(4) * (1 << 24)
	want := []Gwei{
		0,
		Gwei(uint64(31*efETH) * 37 / den),
		Gwei(uint64(2048*efETH) * 4096 / den),
		0, // attested
		Gwei(uint64(32*efETH) * 50 / den),
		0,
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("validator %d: penalty %d, want %d", i, got[i], want[i])
		}
	}
}
