package sim_test

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stakesim/stakesim/sim"
)

// Liquid-staking paths the other engine tests do not take: compounding
// (0x02) deposits, and two protocols in one run.

// lstCompoundingYAML: a protocol whose deposit size is 96 ETH (deposit_eth
// above 32: compounding 0x02 validators). Its 4 genesis validators carry
// 96 ETH each (384 ETH: 8 base holders of 47.999999998 ETH, the 10 savers'
// 1 Gwei each and the 6 Gwei the first holder tops up make the buffer 0
// after the genesis deposits). 10 savers deposit 8 ETH each at epochs 1 to
// 4 (80 ETH per epoch, 320 ETH).
const lstCompoundingYAML = `
name: lst-compounding
description: compounding deposits
preset: minimal
seed: 1
epochs: 32
bls: "off"
validators:
  - {name: others, count: 56, validators_per_agent: 8}
  - {name: op, count: 4, validators_per_agent: 4, balance_eth: 96, withdrawal_credentials: "0x02"}
liquid_staking:
  protocols:
    - name: pool
      operators: [op]
      deposit_eth: 96
      new_validators: 6
      annual_increase_limit_bp: 1000000
      holders:
        - {name: base, count: 8}
        - {name: savers, count: 10, initial_eth: 0.000000001, policy: deposit, amount_eth: 8, from_epoch: 1, to_epoch: 4}
`

// TestLSTPathsCompoundingDeposits, worked by hand. The protocol phase runs
// before the holders' at each epoch, so the buffer the protocol sees is
// what the holders put in before, and it deposits floor(buffer / 96 ETH)
// validators (ValidatorsToDeposit; no withdrawal requests are pending):
//
//	epoch 1: buffer 0 → 0 validators; holders +80 → 80
//	epoch 2: 80 → 0;                  +80 → 160
//	epoch 3: 160 → 1 (−96) → 64;      +80 → 144
//	epoch 4: 144 → 1 (−96) → 48;      +80 → 128
//	epoch 5: 128 → 1 (−96) → 32
//
// So the 320 ETH make 3 validators of 96 ETH (32-ETH deposits would have
// made 10; new_validators 6 does not bind), and 32 ETH stay buffered for
// good: the 0x02 validators' balances stay far below
// MAX_EFFECTIVE_BALANCE_ELECTRA (2,048 ETH), so the sweep skims nothing
// and no withdrawal reaches the vault, which would add to the buffer.
//
// On the chain the deposits are 0x02 with the protocol's vault address: a
// new validator's effective balance is min(96, get_max_effective_balance
// = 2,048) = 96 ETH (a 0x01 one would be capped at MIN_ACTIVATION_BALANCE,
// 32). At the end: 4 + 3 = 7 compounding validators (the others are 0x01),
// 56 + 7 = 63 active, total active effective balance 56 × 32 + 7 × 96 =
// 2,464 ETH (32 epochs of rewards on 2,464 ETH, about 0.04 ETH per 32
// ETH, stay well within the 1.25-ETH upward hysteresis), the largest
// effective balance 96 ETH, no pending deposit.
func TestLSTPathsCompoundingDeposits(t *testing.T) {
	dir, res := runScenario(t, writeScenario(t, lstCompoundingYAML), 0, "")
	if len(res.Summary.LiquidStaking) != 1 {
		t.Fatalf("summary: %+v", res.Summary.LiquidStaking)
	}
	s := res.Summary.LiquidStaking[0]
	if s.ValidatorsDeposited != 3 || s.VaultCreditedGwei != 0 {
		t.Errorf("deposited %d validators, vault credited %d Gwei; want 3 and 0", s.ValidatorsDeposited, s.VaultCreditedGwei)
	}

	// The buffer, epoch by epoch (lst.csv epoch e is the books at e+1).
	wantBuffer := map[string]uint64{"0": 80, "1": 160, "2": 144, "3": 128, "4": 32}
	rows := readCSV(t, filepath.Join(dir, "lst.csv"))
	for _, r := range rows {
		want, ok := wantBuffer[r["epoch"]]
		if !ok {
			want = 32
		}
		if r["buffered_gwei"] != strconv.FormatUint(want*eth, 10) {
			t.Errorf("epoch %s: buffered %s Gwei, want %d ETH", r["epoch"], r["buffered_gwei"], want)
		}
	}
	if last := rows[len(rows)-1]; last["validators_active"] != "7" || last["epoch"] != "31" {
		t.Errorf("last lst.csv row (epoch %s): %s active, want 7 at epoch 31", last["epoch"], last["validators_active"])
	}

	reports := eventsOf(readEvents(t, dir), sim.EventOracleReport)
	if d := details[sim.OracleReportDetails](t, reports[len(reports)-1]); d.Validators != 7 || !d.Accepted {
		t.Errorf("last report: %+v; want 7 validators, accepted", d)
	}

	epochs := readRows(t, dir)
	last := epochs[len(epochs)-1]
	want := row{
		"compounding_validators":     "7",
		"active_validators":          "63",
		"total_active_balance_gwei":  strconv.FormatUint(2464*eth, 10),
		"max_effective_balance_gwei": strconv.FormatUint(96*eth, 10),
		"pending_deposits":           "0",
	}
	for k, v := range want {
		if last[k] != v {
			t.Errorf("epochs.csv epoch %s: %s = %q, want %s", last["epoch"], k, last[k], v)
		}
	}
}
