package consensus

import (
	"fmt"
	"testing"
)

// Reference: Capella/Electra get_expected_withdrawals and process_withdrawals.
// Expected withdrawals are written out by hand from the spec rules.
func TestWithdrawalSweep(t *testing.T) {
	cfg := Minimal() // MAX_WITHDRAWALS_PER_PAYLOAD 4, sweep 16, partials 2
	vals := []GenesisValidator{
		{Balance: 33 * tuETH, WithdrawalCredentials: tuCreds(1, 0)},   // 0x01, 1 ETH excess -> partial 1 ETH
		{Balance: 35 * tuETH, WithdrawalCredentials: tuCreds(0, 1)},   // 0x00: nothing
		{Balance: 32 * tuETH, WithdrawalCredentials: tuCreds(1, 2)},   // no excess
		{Balance: 40 * tuETH, WithdrawalCredentials: tuCreds(2, 3)},   // 0x02, eb 40 != 2048: nothing
		{Balance: 32*tuETH + 7, WithdrawalCredentials: tuCreds(1, 4)}, // 7 Gwei excess
		{Balance: 32 * tuETH, WithdrawalCredentials: tuCreds(1, 5)},   // exited and withdrawable: full
		{Balance: 32 * tuETH, WithdrawalCredentials: tuCreds(0, 6)},   // 0x00 withdrawable: nothing
		{Balance: 2050 * tuETH, WithdrawalCredentials: tuCreds(2, 7)}, // 0x02 at 2048: 2 ETH excess
		{Balance: 36 * tuETH, WithdrawalCredentials: tuCreds(1, 8)},   // pending partial of 1 ETH, then sweep 3 ETH
	}
	for i := 9; i < 64; i++ {
		vals = append(vals, GenesisValidator{Balance: 32 * tuETH, WithdrawalCredentials: tuCreds(1, i)})
	}
	st := tuGenesisWith(t, &cfg, vals)
	st.MutValidator(ValidatorIndex(5)).ExitEpoch, st.MutValidator(ValidatorIndex(5)).WithdrawableEpoch = 0, 0
	st.MutValidator(ValidatorIndex(6)).ExitEpoch, st.MutValidator(ValidatorIndex(6)).WithdrawableEpoch = 0, 0
	st.PendingPartialWithdrawals = []PendingPartialWithdrawal{
		{ValidatorIndex: 8, Amount: 1 * tuETH, WithdrawableEpoch: 0},
		{ValidatorIndex: 2, Amount: 1 * tuETH, WithdrawableEpoch: 0},  // no excess: skipped but processed
		{ValidatorIndex: 0, Amount: 1 * tuETH, WithdrawableEpoch: 99}, // not yet withdrawable: stops the queue
	}
	st.NextWithdrawalIndex = 100
	tuAdvance(t, &cfg, st, 1)

	// Partials first (limit min(2, 4-1) = 2 processed: #8 pays 1 ETH, #2 is not eligible),
	// then the sweep from 0 until 4 withdrawals: 0 (1 ETH), 4 (7 Gwei), 5 (full 32 ETH).
	want := []Withdrawal{
		{Index: 100, ValidatorIndex: 8, Amount: 1 * tuETH},
		{Index: 101, ValidatorIndex: 0, Amount: 1 * tuETH},
		{Index: 102, ValidatorIndex: 4, Amount: 7},
		{Index: 103, ValidatorIndex: 5, Amount: 32 * tuETH},
	}
	got := ExpectedWithdrawals(&cfg, st)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("expected withdrawals\n got %v\nwant %v", got, want)
	}
	sb := tuBlock(t, &cfg, st, nil, nil, nil, nil)
	// The block's sync aggregate is empty: each sync committee seat loses
	// participant_reward after the withdrawals (process_sync_aggregate).
	pen := func(v ValidatorIndex) Gwei { return tuEmptySyncPenalty(&cfg, st, v) }
	pen0, pen1, pen3, pen4, pen7, pen8 := pen(0), pen(1), pen(3), pen(4), pen(7), pen(8)
	rep, err := ProcessBlock(&cfg, st, sb, AcceptAll{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Withdrawals != 4 || rep.WithdrawnGwei != 34*tuETH+7 || st.Ledger.Withdrawn != 34*tuETH+7 {
		t.Fatalf("report %d withdrawals %d Gwei, ledger %d", rep.Withdrawals, rep.WithdrawnGwei, st.Ledger.Withdrawn)
	}
	if st.Balances[0] != 32*tuETH-pen0 || st.Balances[1] != 35*tuETH-pen1 || st.Balances[5] != 0 || st.Balances[8] != 35*tuETH-pen8 || st.Balances[4] != 32*tuETH-pen4 {
		t.Fatalf("balances after withdrawals: %v", st.Balances[:9])
	}
	// Full payload: the sweep resumes after the last withdrawn validator.
	if st.NextWithdrawalIndex != 104 || st.NextWithdrawalValidatorIndex != 6 || len(st.PendingPartialWithdrawals) != 1 {
		t.Fatalf("next index %d, next validator %d, pending %d", st.NextWithdrawalIndex, st.NextWithdrawalValidatorIndex, len(st.PendingPartialWithdrawals))
	}
	if err := st.CheckConservation(); err != nil {
		t.Fatal(err)
	}

	// Next block: sweep from 6 over 16 validators (6..21): 7 (2 ETH), 8 (3 ETH);
	// not a full payload, so the sweep advances by 16 to 22. (The excess
	// is what the first block's sync penalties left.)
	tuAdvance(t, &cfg, st, 2)
	want = []Withdrawal{
		{Index: 104, ValidatorIndex: 7, Amount: 2*tuETH - pen7},
		{Index: 105, ValidatorIndex: 8, Amount: 3*tuETH - pen8},
	}
	if got := ExpectedWithdrawals(&cfg, st); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("second block\n got %v\nwant %v", got, want)
	}
	sb = tuBlock(t, &cfg, st, nil, nil, nil, nil)
	pen1, pen3 = pen1+pen(1), pen3+pen(3)
	if _, err := ProcessBlock(&cfg, st, sb, AcceptAll{}); err != nil {
		t.Fatal(err)
	}
	if st.NextWithdrawalValidatorIndex != 22 || st.Balances[1] != 35*tuETH-pen1 || st.Balances[6] != 32*tuETH || st.Balances[3] != 40*tuETH-pen3 {
		t.Fatalf("next validator %d; 0x00 / non-max 0x02 balances %d %d %d", st.NextWithdrawalValidatorIndex, st.Balances[1], st.Balances[6], st.Balances[3])
	}
	if err := st.CheckConservation(); err != nil {
		t.Fatal(err)
	}

	// A block whose withdrawals differ from the expected list is invalid.
	tuAdvance(t, &cfg, st, 3)
	sb = tuBlock(t, &cfg, st, nil, nil, nil, nil)
	sb.Message.Body.Withdrawals = append(sb.Message.Body.Withdrawals, Withdrawal{Index: 999, ValidatorIndex: 9, Amount: 1})
	if _, err := ProcessBlock(&cfg, st.Copy(), sb, AcceptAll{}); err == nil {
		t.Fatal("block with an extra withdrawal accepted")
	}
}
