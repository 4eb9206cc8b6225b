package consensus

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// Epoch processing. Reference: electra/beacon-chain.md process_epoch and
// the functions it calls.

func TestEffectiveBalanceHysteresis(t *testing.T) {
	cfg := Mainnet()
	const q = efETH / 4 // HYSTERESIS_INCREMENT = 0.25 ETH
	for _, tc := range []struct {
		name        string
		prefix      byte
		eb, balance Gwei
		want        Gwei
	}{
		{"small drop stays", 0x01, 32 * efETH, 32*efETH - q, 32 * efETH},        // not strictly below
		{"drop past 0.25 ETH", 0x01, 32 * efETH, 32*efETH - q - 1, 31 * efETH},  // floor(31.75-) = 31
		{"drop to 16.74", 0x01, 17 * efETH, 16*efETH + 740_000_000, 16 * efETH}, //
		{"rise to exactly +1.25 stays", 0x01, 31 * efETH, 32*efETH + q, 31 * efETH},
		{"rise past +1.25", 0x01, 31 * efETH, 32*efETH + q + 1, 32 * efETH},
		{"0x01 capped at 32", 0x01, 32 * efETH, 40 * efETH, 32 * efETH},
		{"0x01 above cap stays", 0x01, 32 * efETH, 33*efETH + q + 1, 32 * efETH},
		{"0x02 grows past 32", 0x02, 32 * efETH, 33*efETH + q + 1, 33 * efETH},
		{"0x02 below threshold", 0x02, 32 * efETH, 33*efETH + q, 32 * efETH},
		{"0x02 capped at 2048", 0x02, 2048 * efETH, 2100 * efETH, 2048 * efETH},
		{"0x02 large drop", 0x02, 2048 * efETH, 1000*efETH + 1, 1000 * efETH},
		{"0x00 capped at 32", 0x00, 0, 35 * efETH, 32 * efETH},
		{"new deposit from zero", 0x02, 0, 40 * efETH, 40 * efETH},
		{"zero balance", 0x01, 32 * efETH, 0, 0},
	} {
		st := efState(&cfg, 32*efETH)
		st.MutValidator(ValidatorIndex(0)).WithdrawalCredentials = efCreds(tc.prefix)
		st.MutValidator(ValidatorIndex(0)).EffectiveBalance = tc.eb
		st.Balances[0] = tc.balance
		ProcessEffectiveBalanceUpdates(&cfg, st)
		if got := st.Validators[0].EffectiveBalance; got != tc.want {
			t.Errorf("%s: effective balance %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestActivationAfterFinality: a validator that becomes eligible in epoch 0
// is activated once its eligibility epoch is finalized, with activation
// epoch current + 1 + MAX_SEED_LOOKAHEAD; below MIN_ACTIVATION_BALANCE it
// never becomes eligible.
func TestActivationAfterFinality(t *testing.T) {
	cfg := Minimal()
	bals := efN(18, 32*efETH)
	bals[17] = 31 * efETH
	st := efState(&cfg, bals...)
	for _, i := range []int{16, 17} {
		v := &st.Validators[i]
		v.ActivationEligibilityEpoch, v.ActivationEpoch = FarFutureEpoch, FarFutureEpoch
	}
	activatedAt := Epoch(0)
	for e := Epoch(0); e < 12; e++ {
		efSet(st.CurrentEpochParticipation, efAllFlags, efRange(0, 16)...)
		rep := efAdvance(t, &cfg, st)
		if e == 0 && st.Validators[16].ActivationEligibilityEpoch != 1 {
			t.Fatalf("eligibility epoch %d, want 1", st.Validators[16].ActivationEligibilityEpoch)
		}
		for _, i := range rep.Activated {
			if i != 16 {
				t.Fatalf("epoch %d: activated %d", e, i)
			}
			if rep.Finalized.Epoch < 1 {
				t.Fatalf("activated at epoch %d before eligibility was finalized (finalized %d)", e, rep.Finalized.Epoch)
			}
			activatedAt = e
		}
	}
	// Finality: epoch 3 finalizes 2 >= 1, so activation at epoch 3, effective 8.
	if activatedAt != 3 || st.Validators[16].ActivationEpoch != 8 {
		t.Errorf("activated at %d with activation epoch %d, want 3 and 8", activatedAt, st.Validators[16].ActivationEpoch)
	}
	if v := st.Validators[17]; v.ActivationEligibilityEpoch != FarFutureEpoch || v.ActivationEpoch != FarFutureEpoch {
		t.Errorf("31 ETH validator: eligibility %d activation %d", v.ActivationEligibilityEpoch, v.ActivationEpoch)
	}
}

// efDepositState is a minimal-preset state at the end of epoch 10 with
// epoch 8 finalized (finalized slot 64), 8 validators of 32 ETH.
func efDepositState(cfg *Config) *State {
	st := efState(cfg, efN(8, 32*efETH)...)
	efAtEpochEnd(cfg, st, 10)
	st.FinalizedCheckpoint = Checkpoint{Epoch: 8}
	st.CurrentJustifiedCheckpoint = Checkpoint{Epoch: 9}
	st.PreviousJustifiedCheckpoint = Checkpoint{Epoch: 8}
	return st
}

func efDeposit(key uint64, amount Gwei, slot Slot) PendingDeposit {
	return PendingDeposit{Pubkey: efPubkey(key), WithdrawalCredentials: efCreds(0x02), Amount: amount, Slot: slot}
}

func TestPendingDeposits(t *testing.T) {
	cfg := Minimal() // activation/exit churn 64 ETH at 256 ETH staked
	t.Run("top-up and new validator", func(t *testing.T) {
		st := efDepositState(&cfg)
		st.PendingDeposits = []PendingDeposit{efDeposit(2, 5*efETH, 10), efDeposit(8, 40*efETH, 20), efDeposit(8, efETH, 30)}
		if err := ProcessPendingDeposits(&cfg, st, efPubkeyIndex); err != nil {
			t.Fatal(err)
		}
		// 5 + 40 fit the 64 ETH churn, the 1 ETH top-up of the new validator too.
		if st.Balances[2] != 37*efETH || len(st.Validators) != 9 || st.Balances[8] != 41*efETH {
			t.Fatalf("balances %v, %d validators", st.Balances, len(st.Validators))
		}
		v := st.Validators[8]
		if v.EffectiveBalance != 40*efETH || v.ActivationEligibilityEpoch != FarFutureEpoch || v.ExitEpoch != FarFutureEpoch {
			t.Errorf("new validator %+v", v)
		}
		if len(st.PendingDeposits) != 0 || st.DepositBalanceToConsume != 0 {
			t.Errorf("queue %d, to consume %d", len(st.PendingDeposits), st.DepositBalanceToConsume)
		}
		if len(st.InactivityScores) != 9 || len(st.PreviousEpochParticipation) != 9 || len(st.CurrentEpochParticipation) != 9 {
			t.Error("per-validator slices not extended")
		}
		if st.Ledger.Deposited != 46*efETH || st.Ledger.Issued != 0 {
			t.Errorf("ledger deposited %d issued %d", st.Ledger.Deposited, st.Ledger.Issued)
		}
		if err := st.CheckConservation(); err != nil {
			t.Error(err)
		}
	})
	t.Run("churn limit carries over", func(t *testing.T) {
		st := efDepositState(&cfg)
		st.PendingDeposits = []PendingDeposit{efDeposit(1, 40*efETH, 1), efDeposit(2, 40*efETH, 2)}
		if err := ProcessPendingDeposits(&cfg, st, efPubkeyIndex); err != nil {
			t.Fatal(err)
		}
		if st.Balances[1] != 72*efETH || st.Balances[2] != 32*efETH || len(st.PendingDeposits) != 1 || st.DepositBalanceToConsume != 24*efETH {
			t.Fatalf("balances %d %d, queue %d, to consume %d", st.Balances[1], st.Balances[2], len(st.PendingDeposits), st.DepositBalanceToConsume)
		}
		// Next epoch 24 + 64 = 88 ETH available.
		efAtEpochEnd(&cfg, st, 11)
		if err := ProcessPendingDeposits(&cfg, st, efPubkeyIndex); err != nil {
			t.Fatal(err)
		}
		if st.Balances[2] != 72*efETH || len(st.PendingDeposits) != 0 || st.DepositBalanceToConsume != 0 {
			t.Fatalf("second epoch: balance %d queue %d to consume %d", st.Balances[2], len(st.PendingDeposits), st.DepositBalanceToConsume)
		}
	})
	t.Run("not finalized", func(t *testing.T) {
		st := efDepositState(&cfg)
		st.PendingDeposits = []PendingDeposit{efDeposit(1, efETH, 64), efDeposit(2, efETH, 65), efDeposit(3, efETH, 1)}
		if err := ProcessPendingDeposits(&cfg, st, efPubkeyIndex); err != nil {
			t.Fatal(err)
		}
		if st.Balances[1] != 33*efETH || st.Balances[2] != 32*efETH || st.Balances[3] != 32*efETH || len(st.PendingDeposits) != 2 {
			t.Fatalf("balances %v queue %d", st.Balances[:4], len(st.PendingDeposits))
		}
	})
	t.Run("exiting postponed, withdrawn applied without churn", func(t *testing.T) {
		st := efDepositState(&cfg)
		st.MutValidator(ValidatorIndex(1)).ExitEpoch, st.MutValidator(ValidatorIndex(1)).WithdrawableEpoch = 20, 276 // exiting
		st.MutValidator(ValidatorIndex(2)).ExitEpoch, st.MutValidator(ValidatorIndex(2)).WithdrawableEpoch = 5, 9    // withdrawn
		st.PendingDeposits = []PendingDeposit{efDeposit(1, efETH, 1), efDeposit(2, 100*efETH, 2), efDeposit(3, 64*efETH, 3)}
		if err := ProcessPendingDeposits(&cfg, st, efPubkeyIndex); err != nil {
			t.Fatal(err)
		}
		if st.Balances[1] != 32*efETH || st.Balances[2] != 132*efETH || st.Balances[3] != 96*efETH {
			t.Fatalf("balances %v", st.Balances[:4])
		}
		if len(st.PendingDeposits) != 1 || st.PendingDeposits[0].Pubkey != efPubkey(1) {
			t.Fatalf("queue %+v, want only the postponed deposit", st.PendingDeposits)
		}
	})
	t.Run("per-epoch count limit", func(t *testing.T) {
		st := efDepositState(&cfg)
		for i := range 20 {
			st.PendingDeposits = append(st.PendingDeposits, efDeposit(uint64(i%8), efETH, 1))
		}
		if err := ProcessPendingDeposits(&cfg, st, efPubkeyIndex); err != nil {
			t.Fatal(err)
		}
		if len(st.PendingDeposits) != 4 || st.Ledger.Deposited != 16*efETH {
			t.Fatalf("queue %d deposited %d, want 4 and 16 ETH", len(st.PendingDeposits), st.Ledger.Deposited)
		}
	})
	t.Run("out of order key", func(t *testing.T) {
		st := efDepositState(&cfg)
		st.PendingDeposits = []PendingDeposit{efDeposit(9, 32*efETH, 1)}
		err := ProcessPendingDeposits(&cfg, st, efPubkeyIndex)
		if !errors.Is(err, ErrDepositOutOfOrder) {
			t.Fatalf("err %v, want ErrDepositOutOfOrder", err)
		}
	})
	t.Run("no index", func(t *testing.T) {
		st := efDepositState(&cfg)
		st.PendingDeposits = []PendingDeposit{efDeposit(1, efETH, 1)}
		if _, err := ProcessEpoch(&cfg, st); !errors.Is(err, ErrNoPubkeyIndex) {
			t.Fatalf("err %v, want ErrNoPubkeyIndex", err)
		}
	})
}

func TestPendingConsolidations(t *testing.T) {
	cfg := Minimal()
	st := efState(&cfg, 40*efETH, 32*efETH, 31*efETH, 32*efETH, 32*efETH, 32*efETH)
	efAtEpochEnd(&cfg, st, 10)
	// 0 -> 1: withdrawable at 11 = next epoch, moves min(40, EB 32) = 32 ETH.
	st.MutValidator(ValidatorIndex(0)).EffectiveBalance = 32 * efETH
	st.MutValidator(ValidatorIndex(0)).ExitEpoch, st.MutValidator(ValidatorIndex(0)).WithdrawableEpoch = 5, 11
	// 2 -> 3: slashed source, dropped without moving.
	st.MutValidator(ValidatorIndex(2)).Slashed = true
	// 4 -> 5: not yet withdrawable, stops the queue.
	st.MutValidator(ValidatorIndex(4)).ExitEpoch, st.MutValidator(ValidatorIndex(4)).WithdrawableEpoch = 8, 12
	st.PendingConsolidations = []PendingConsolidation{{0, 1}, {2, 3}, {4, 5}, {0, 5}}
	moved := ProcessPendingConsolidations(&cfg, st)
	if moved != 1 || st.Balances[0] != 8*efETH || st.Balances[1] != 64*efETH || st.Balances[2] != 31*efETH || st.Balances[4] != 32*efETH {
		t.Fatalf("moved %d, balances %v", moved, st.Balances)
	}
	if len(st.PendingConsolidations) != 2 || st.PendingConsolidations[0] != (PendingConsolidation{4, 5}) {
		t.Fatalf("queue %v", st.PendingConsolidations)
	}
	if st.Ledger.Burned != 0 || st.Ledger.Issued != 0 {
		t.Errorf("a move counted as burn %d / issuance %d", st.Ledger.Burned, st.Ledger.Issued)
	}
	if err := st.CheckConservation(); err != nil {
		t.Error(err)
	}
}

func TestResetsAndRotation(t *testing.T) {
	cfg := Minimal()
	st := efState(&cfg, efN(4, 32*efETH)...)
	efAtEpochEnd(&cfg, st, 13)
	st.Slashings[14%64] = 99
	st.Slashings[13%64] = 7
	mix := GetRandaoMix(st, 13)
	efSet(st.CurrentEpochParticipation, efAllFlags, 0, 2)
	efSet(st.PreviousEpochParticipation, 1, 1, 3)
	efProcess(t, &cfg, st)
	if st.Slashings[14] != 0 || st.Slashings[13] != 7 {
		t.Errorf("slashings %d %d, want 0 7", st.Slashings[14], st.Slashings[13])
	}
	if got := st.RandaoMixes[14%len(st.RandaoMixes)]; got != mix {
		t.Errorf("next randao mix %x, want %x", got[:4], mix[:4])
	}
	want := []ParticipationFlags{efAllFlags, 0, efAllFlags, 0}
	for i := range 4 {
		if st.PreviousEpochParticipation[i] != want[i] || st.CurrentEpochParticipation[i] != 0 {
			t.Errorf("validator %d: previous %b current %b", i, st.PreviousEpochParticipation[i], st.CurrentEpochParticipation[i])
		}
	}
}

// TestConservationManyEpochs runs 300 epochs with random participation,
// slashings, deposits, consolidations and exits, checking the ledger every
// epoch (efProcess) and the report's figures against the balance changes.
func TestConservationManyEpochs(t *testing.T) {
	cfg := Minimal()
	st := efState(&cfg, efN(64, 32*efETH)...)
	rng := rand.New(rand.NewPCG(1, 2))
	nextKey := uint64(64)
	for e := Epoch(0); e < 300; e++ {
		for i := range st.Validators {
			if !IsActiveValidator(&st.Validators[i], e) {
				continue
			}
			switch r := rng.IntN(100); {
			case r < 80:
				st.CurrentEpochParticipation[i] = efAllFlags
			case r < 95:
				st.CurrentEpochParticipation[i] = ParticipationFlags(rng.IntN(8))
			}
		}
		if e%37 == 5 {
			i := ValidatorIndex(rng.IntN(len(st.Validators)))
			if IsSlashableValidator(&st.Validators[i], e) {
				wb := ValidatorIndex(rng.IntN(len(st.Validators)))
				SlashValidator(&cfg, st, i, 0, &wb)
			}
		}
		if e%11 == 3 {
			st.PendingDeposits = append(st.PendingDeposits,
				efDeposit(nextKey, Gwei(32+rng.IntN(20))*efETH, ComputeStartSlotAtEpoch(&cfg, e)),
				efDeposit(uint64(rng.IntN(int(nextKey))), Gwei(1+rng.IntN(3))*efETH, ComputeStartSlotAtEpoch(&cfg, e)))
			nextKey++
		}
		if e%29 == 7 {
			i := ValidatorIndex(rng.IntN(len(st.Validators)))
			InitiateValidatorExit(&cfg, st, i)
			st.PendingConsolidations = append(st.PendingConsolidations, PendingConsolidation{i, ValidatorIndex(rng.IntN(len(st.Validators)))})
		}
		ledger := st.Ledger
		rep := efAdvance(t, &cfg, st)
		issued := st.Ledger.Issued - ledger.Issued
		burned := st.Ledger.Burned - ledger.Burned
		if issued != rep.Rewards || burned != rep.Penalties+rep.SlashingPenalties {
			t.Fatalf("epoch %d: ledger issued %d burned %d, report rewards %d penalties %d slashing %d",
				e, issued, burned, rep.Rewards, rep.Penalties, rep.SlashingPenalties)
		}
		if st.Ledger.Deposited-ledger.Deposited != rep.DepositedGwei {
			t.Fatalf("epoch %d: deposited %d, report %d", e, st.Ledger.Deposited-ledger.Deposited, rep.DepositedGwei)
		}
	}
	if len(st.Validators) <= 64 || st.Ledger.Burned == 0 || st.Ledger.Issued == 0 {
		t.Errorf("run too quiet: %d validators, burned %d, issued %d", len(st.Validators), st.Ledger.Burned, st.Ledger.Issued)
	}
}

// TestProcessEpochMalformed: inconsistent slices give an error, not a panic.
func TestProcessEpochMalformed(t *testing.T) {
	cfg := Minimal()
	st := efState(&cfg, efN(4, 32*efETH)...)
	st.InactivityScores = st.InactivityScores[:3]
	if _, err := ProcessEpoch(&cfg, st); err == nil {
		t.Fatal("no error for a malformed state")
	}
}

// BenchmarkProcessEpoch100k measures one epoch transition of 100,000
// validators on the mainnet preset with 95% participation.
func BenchmarkProcessEpoch100k(b *testing.B) {
	cfg := Mainnet()
	const n = 100_000
	base := efState(&cfg, efN(n, 32*efETH)...)
	efAtEpochEnd(&cfg, base, 100)
	base.FinalizedCheckpoint = Checkpoint{Epoch: 98}
	for i := range n {
		if i%20 != 0 {
			base.PreviousEpochParticipation[i] = efAllFlags
			base.CurrentEpochParticipation[i] = efAllFlags
		}
	}
	states := make([]*State, b.N)
	for i := range states {
		states[i] = base.Copy()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ProcessEpochWithPubkeys(&cfg, states[i], efPubkeyIndex); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "epochs/s")
}
