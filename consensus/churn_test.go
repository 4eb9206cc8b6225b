package consensus

import "testing"

// Electra churn. Reference: electra/beacon-chain.md get_balance_churn_limit,
// get_activation_exit_churn_limit, get_consolidation_churn_limit,
// compute_exit_epoch_and_update_churn, compute_consolidation_epoch_and_update_churn.

func TestChurnLimits(t *testing.T) {
	mainnet, minimal := Mainnet(), Minimal()
	for _, tc := range []struct {
		name                string
		cfg                 *Config
		totalETH            uint64
		balance, ae, consol Gwei
	}{
		// 3.2M ETH / 65536 = 48.8 ETH < 128 ETH floor.
		{"mainnet 100k validators", &mainnet, 3_200_000, 128 * efETH, 128 * efETH, 0},
		// 20M ETH / 65536 = 305.17 ETH -> 305 ETH; exits capped at 256.
		{"mainnet 20M ETH", &mainnet, 20_000_000, 305 * efETH, 256 * efETH, 49 * efETH},
		// 10M ETH / 65536 = 152.58 -> 152 ETH, under the 256 cap.
		{"mainnet 10M ETH", &mainnet, 10_000_000, 152 * efETH, 152 * efETH, 0},
		// Minimal: 3200 ETH / 32 = 100 ETH > 64 floor; cap 128.
		{"minimal 3200 ETH", &minimal, 3200, 100 * efETH, 100 * efETH, 0},
		{"minimal 8000 ETH", &minimal, 8000, 250 * efETH, 128 * efETH, 122 * efETH},
		{"minimal 256 ETH", &minimal, 256, 64 * efETH, 64 * efETH, 0},
	} {
		total := Gwei(tc.totalETH) * efETH
		if got := balanceChurnLimit(tc.cfg, total); got != tc.balance {
			t.Errorf("%s: balance churn %d, want %d", tc.name, got, tc.balance)
		}
		if got := activationExitChurnLimit(tc.cfg, total); got != tc.ae {
			t.Errorf("%s: activation/exit churn %d, want %d", tc.name, got, tc.ae)
		}
		if got := consolidationChurnLimit(tc.cfg, total); got != tc.consol {
			t.Errorf("%s: consolidation churn %d, want %d", tc.name, got, tc.consol)
		}
	}
	// The state forms read the total active balance of the state.
	st := efState(&minimal, efN(100, 32*efETH)...)
	if got := GetActivationExitChurnLimit(&minimal, st); got != 100*efETH {
		t.Errorf("GetActivationExitChurnLimit = %d, want 100 ETH", got)
	}
}

// TestExitChurnSpill initiates many exits in one epoch: 128 ETH of exits
// per epoch on mainnet, four 32 ETH validators, then a 2048 ETH one.
func TestExitChurnSpill(t *testing.T) {
	cfg := Mainnet()
	bals := efN(100, 32*efETH)
	bals[20] = 2048 * efETH
	st := efState(&cfg, bals...)
	efAtEpochEnd(&cfg, st, 10)
	for i := range 20 {
		InitiateValidatorExit(&cfg, st, ValidatorIndex(i))
	}
	for i := range 20 {
		want := Epoch(15 + i/4) // compute_activation_exit_epoch(10) = 15
		if v := st.Validators[i]; v.ExitEpoch != want || v.WithdrawableEpoch != want+256 {
			t.Errorf("validator %d: exit %d withdrawable %d, want %d %d", i, v.ExitEpoch, v.WithdrawableEpoch, want, want+256)
		}
	}
	// Epoch 19 is full (exit_balance_to_consume = 0): 2048 ETH needs
	// (2048e9 - 0 - 1) // 128e9 + 1 = 16 more epochs.
	InitiateValidatorExit(&cfg, st, 20)
	if got := st.Validators[20].ExitEpoch; got != 35 {
		t.Errorf("2048 ETH exit epoch %d, want 35", got)
	}
	InitiateValidatorExit(&cfg, st, 21)
	if got := st.Validators[21].ExitEpoch; got != 36 {
		t.Errorf("next exit epoch %d, want 36", got)
	}
	// A second initiation is a no-op.
	before := *st
	InitiateValidatorExit(&cfg, st, 21)
	if st.EarliestExitEpoch != before.EarliestExitEpoch || st.ExitBalanceToConsume != before.ExitBalanceToConsume {
		t.Error("re-initiating an exit consumed churn")
	}
	// Much later the queue is empty again: a fresh epoch's full churn.
	efAtEpochEnd(&cfg, st, 100)
	InitiateValidatorExit(&cfg, st, 22)
	if got := st.Validators[22].ExitEpoch; got != 105 || st.ExitBalanceToConsume != 96*efETH {
		t.Errorf("later exit epoch %d, to consume %d; want 105, 96 ETH", got, st.ExitBalanceToConsume)
	}
}

func TestConsolidationChurn(t *testing.T) {
	cfg := Mainnet()
	st := efState(&cfg, efN(4, 32*efETH)...)
	efAtEpochEnd(&cfg, st, 10)
	total := 20_000_000 * efETH // 49 ETH of consolidation churn per epoch
	// 2048 ETH: (2048 - 49 - 1) // 49 + 1 = 41 more epochs than 15.
	if got := computeConsolidationEpochAndUpdateChurn(&cfg, st, 2048*efETH, total); got != 56 {
		t.Errorf("consolidation epoch %d, want 56", got)
	}
	if st.ConsolidationBalanceToConsume != 10*efETH { // 42*49 - 2048
		t.Errorf("to consume %d, want 10 ETH", st.ConsolidationBalanceToConsume)
	}
	if got := computeConsolidationEpochAndUpdateChurn(&cfg, st, 10*efETH, total); got != 56 || st.ConsolidationBalanceToConsume != 0 {
		t.Errorf("fitting consolidation: epoch %d, to consume %d; want 56, 0", got, st.ConsolidationBalanceToConsume)
	}
	// With no consolidation churn (small registry) nothing can be booked.
	before := st.EarliestConsolidationEpoch
	if got := ComputeConsolidationEpochAndUpdateChurn(&cfg, st, 32*efETH); got != FarFutureEpoch || st.EarliestConsolidationEpoch != before {
		t.Errorf("zero churn: epoch %d, state earliest %d", got, st.EarliestConsolidationEpoch)
	}
}

// TestEjection: effective balance at EJECTION_BALANCE (16 ETH) is ejected
// through the churn; 17 ETH is not.
func TestEjection(t *testing.T) {
	cfg := Minimal()
	bals := efN(12, 32*efETH)
	bals[3] = 16 * efETH
	bals[4] = 17 * efETH
	bals[7] = 16 * efETH
	st := efState(&cfg, bals...)
	efAtEpochEnd(&cfg, st, 10)
	efSet(st.PreviousEpochParticipation, efAllFlags, efRange(0, 12)...)
	efSet(st.CurrentEpochParticipation, efAllFlags, efRange(0, 12)...)
	rep := efProcess(t, &cfg, st)
	if len(rep.Ejected) != 2 || rep.Ejected[0] != 3 || rep.Ejected[1] != 7 || rep.ExitsInitiated != 2 {
		t.Fatalf("ejected %v (%d exits), want [3 7]", rep.Ejected, rep.ExitsInitiated)
	}
	// Minimal churn 64 ETH: both fit epoch 15.
	for _, i := range []int{3, 7} {
		if v := st.Validators[i]; v.ExitEpoch != 15 || v.WithdrawableEpoch != 15+256 {
			t.Errorf("validator %d: exit %d withdrawable %d", i, v.ExitEpoch, v.WithdrawableEpoch)
		}
	}
	if st.Validators[4].ExitEpoch != FarFutureEpoch {
		t.Error("17 ETH validator ejected")
	}
}
