package consensus

import "testing"

// Slashing. Reference: electra/beacon-chain.md slash_validator,
// process_slashings.

func TestSlashValidatorInitialPenaltyAndRewards(t *testing.T) {
	cfg := Mainnet()
	wb := ValidatorIndex(3)
	for _, tc := range []struct {
		name          string
		eb            Gwei
		whistleblower *ValidatorIndex
		penalty       Gwei // EB / 4096
		proposerGain  Gwei // (EB/4096) * 8 / 64 (+ the rest if no whistleblower)
		wbGain        Gwei
		exit          Epoch // 32 ETH fits the 128 ETH churn of epoch 15; 2048 ETH needs 15 more epochs
		// proposerReward is whistleblower_reward * PROPOSER_WEIGHT / WEIGHT_DENOMINATOR.
		proposerReward Gwei
	}{
		// 32 ETH: 32e9/4096 = 7,812,500; proposer 7,812,500*8/64 = 976,562.
		{"32 ETH with whistleblower", 32 * efETH, &wb, 7_812_500, 976_562, 6_835_938, 15, 976_562},
		{"32 ETH proposer reports", 32 * efETH, nil, 7_812_500, 7_812_500, 0, 15, 976_562},
		// 2048 ETH: 0.5 ETH; proposer 62,500,000.
		{"2048 ETH with whistleblower", 2048 * efETH, &wb, 500_000_000, 62_500_000, 437_500_000, 30, 62_500_000},
		{"2048 ETH proposer reports", 2048 * efETH, nil, 500_000_000, 500_000_000, 0, 30, 62_500_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bals := efN(64, 32*efETH)
			bals[0] = tc.eb
			st := efState(&cfg, bals...)
			efAtEpochEnd(&cfg, st, 10)
			st.Slot -= 5 // any slot of epoch 10
			rep := SlashValidator(&cfg, st, 0, 2, tc.whistleblower)
			v := st.Validators[0]
			wantWB := ValidatorIndex(2)
			if tc.whistleblower != nil {
				wantWB = *tc.whistleblower
			}
			// The report says what was applied: the same hand-worked figures.
			if rep.Validator != 0 || rep.EffectiveBalance != tc.eb || rep.InitialPenalty != tc.penalty ||
				rep.WhistleblowerReward != tc.proposerGain+tc.wbGain || rep.ProposerReward != tc.proposerReward ||
				rep.Proposer != 2 || rep.Whistleblower != wantWB {
				t.Errorf("report %+v, want penalty %d, whistleblower reward %d", rep, tc.penalty, tc.proposerGain+tc.wbGain)
			}
			if got := tc.eb - st.Balances[0]; got != tc.penalty {
				t.Errorf("initial penalty %d, want %d", got, tc.penalty)
			}
			if got := st.Balances[2] - 32*efETH; got != tc.proposerGain {
				t.Errorf("proposer gained %d, want %d", got, tc.proposerGain)
			}
			if got := st.Balances[3] - 32*efETH; got != tc.wbGain {
				t.Errorf("whistleblower gained %d, want %d", got, tc.wbGain)
			}
			if !v.Slashed || v.ExitEpoch != tc.exit {
				t.Errorf("slashed %v exit %d, want true %d", v.Slashed, v.ExitEpoch, tc.exit)
			}
			if want := Epoch(10 + 8192); v.WithdrawableEpoch != want {
				t.Errorf("withdrawable %d, want %d", v.WithdrawableEpoch, want)
			}
			if st.Slashings[10] != tc.eb {
				t.Errorf("slashings[10] = %d, want %d", st.Slashings[10], tc.eb)
			}
			if err := st.CheckConservation(); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestSlashValidatorReportsClampedPenalty: decrease_balance takes at most
// the balance, and the report gives what was taken (1,000 Gwei of a
// validator whose 32 ETH effective balance would call for 7,812,500).
func TestSlashValidatorReportsClampedPenalty(t *testing.T) {
	cfg := Mainnet()
	st := efState(&cfg, efN(8, 32*efETH)...)
	efAtEpochEnd(&cfg, st, 10)
	st.Slot -= 5
	st.Balances[1] = 1_000 // effective balance still 32 ETH until the next update
	burned := st.Ledger.Burned
	rep := SlashValidator(&cfg, st, 1, 0, nil)
	if rep.InitialPenalty != 1_000 || st.Balances[1] != 0 || st.Ledger.Burned-burned != 1_000 {
		t.Errorf("initial penalty %d, balance %d, burned %d; want 1000, 0, 1000", rep.InitialPenalty, st.Balances[1], st.Ledger.Burned-burned)
	}
	if rep.WhistleblowerReward != 7_812_500 {
		t.Errorf("whistleblower reward %d, want 7812500 (from the effective balance)", rep.WhistleblowerReward)
	}
}

// TestSlashValidatorReportsPenaltyOfSlashedProposer: a proposer that
// includes evidence against itself is slashed and rewarded in one call;
// the report's initial penalty is still EB/4096, taken before the rewards.
func TestSlashValidatorReportsPenaltyOfSlashedProposer(t *testing.T) {
	cfg := Mainnet()
	st := efState(&cfg, efN(8, 32*efETH)...)
	efAtEpochEnd(&cfg, st, 10)
	st.Slot -= 5
	rep := SlashValidator(&cfg, st, 4, 4, nil)
	if rep.InitialPenalty != 7_812_500 {
		t.Errorf("initial penalty %d, want 7812500", rep.InitialPenalty)
	}
	// Net: -7,812,500 penalty + 7,812,500 whistleblower and proposer rewards.
	if st.Balances[4] != 32*efETH {
		t.Errorf("balance %d, want %d", st.Balances[4], 32*efETH)
	}
}

// TestSlashingWithdrawableKeepsLaterExit: an exit already scheduled beyond
// epoch + EPOCHS_PER_SLASHINGS_VECTOR keeps its later withdrawable epoch.
func TestSlashingWithdrawableKeepsLaterExit(t *testing.T) {
	cfg := Minimal()
	st := efState(&cfg, efN(4, 32*efETH)...)
	efAtEpochEnd(&cfg, st, 10)
	st.MutValidator(ValidatorIndex(1)).ExitEpoch = 500
	st.MutValidator(ValidatorIndex(1)).WithdrawableEpoch = 756
	SlashValidator(&cfg, st, 1, 0, nil)
	if v := st.Validators[1]; v.ExitEpoch != 500 || v.WithdrawableEpoch != 756 {
		t.Errorf("exit %d withdrawable %d, want 500 756", v.ExitEpoch, v.WithdrawableEpoch)
	}
	st2 := efState(&cfg, efN(4, 32*efETH)...)
	efAtEpochEnd(&cfg, st2, 10)
	SlashValidator(&cfg, st2, 1, 0, nil)
	// Minimal: exit 15, 15+256 = 271 > 10+64 = 74.
	if v := st2.Validators[1]; v.ExitEpoch != 15 || v.WithdrawableEpoch != 271 {
		t.Errorf("exit %d withdrawable %d, want 15 271", v.ExitEpoch, v.WithdrawableEpoch)
	}
}

// TestCorrelationPenalty slashes one validator, or a third of the stake, and
// checks process_slashings at the half-way epoch.
func TestCorrelationPenalty(t *testing.T) {
	cfg := Mainnet()
	const n = 300
	for _, slashedCount := range []int{1, n / 3} {
		st := efState(&cfg, efN(n, 32*efETH)...)
		efAtEpochEnd(&cfg, st, 10)
		for i := range slashedCount {
			SlashValidator(&cfg, st, ValidatorIndex(i), ValidatorIndex(n-1), nil)
		}
		after := append([]Gwei(nil), st.Balances...)
		withdrawable := st.Validators[0].WithdrawableEpoch
		half := withdrawable - Epoch(cfg.EpochsPerSlashingsVector/2)
		for _, e := range []Epoch{half - 1, half, half + 1} {
			c := st.Copy()
			efAtEpochEnd(&cfg, c, e)
			taken := ProcessSlashings(&cfg, c)
			if e != half {
				if taken != 0 {
					t.Errorf("%d slashed, epoch %d (not half-way): took %d", slashedCount, e, taken)
				}
				continue
			}
			// From the spec text: slashed validators have exited by now, so
			// the total active balance is the others'.
			total := uint64(n-slashedCount) * uint64(32*efETH)
			sum := uint64(slashedCount) * uint64(32*efETH)
			adjusted := min(sum*3, total)
			perIncrement := adjusted / (total / uint64(efETH))
			penalty := Gwei(perIncrement * 32)
			var wantTaken Gwei
			for i := range n {
				want := after[i]
				if i < slashedCount {
					p := min(penalty, want)
					want -= p
					wantTaken += p
				}
				if c.Balances[i] != want {
					t.Fatalf("%d slashed: validator %d balance %d, want %d", slashedCount, i, c.Balances[i], want)
				}
			}
			if taken != wantTaken {
				t.Errorf("%d slashed: took %d, want %d", slashedCount, taken, wantTaken)
			}
			// One of 300: 96e9 // 9568 = 10,033,444 Gwei per increment, times 32.
			if slashedCount == 1 && penalty != 321_070_208 {
				t.Errorf("one slashed: penalty %d, want 321070208", penalty)
			}
			if slashedCount == n/3 && c.Balances[0] != 0 {
				t.Errorf("a third slashed: balance %d left, want the whole stake taken", c.Balances[0])
			}
			if err := c.CheckConservation(); err != nil {
				t.Error(err)
			}
		}
	}
}

// TestSlashedNeverRewarded: a slashed validator with perfect flags only
// loses balance, epoch after epoch, until it is withdrawable.
func TestSlashedNeverRewarded(t *testing.T) {
	cfg := Minimal()
	st := efState(&cfg, efN(16, 32*efETH)...)
	efAtEpochEnd(&cfg, st, 3)
	SlashValidator(&cfg, st, 5, 0, nil)
	prev := st.Balances[5]
	for e := 0; e < 40; e++ {
		efSet(st.CurrentEpochParticipation, efAllFlags, efRange(0, 16)...)
		efAdvance(t, &cfg, st)
		if st.Balances[5] > prev {
			t.Fatalf("epoch %d: slashed validator's balance rose %d -> %d", e, prev, st.Balances[5])
		}
		prev = st.Balances[5]
	}
	if prev >= 32*efETH-7_812_500 {
		t.Error("slashed validator was never penalised after the initial penalty")
	}
}
