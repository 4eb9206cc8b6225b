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

// lstTwoProtocolsYAML: two protocols on disjoint groups. alpha's 8
// validators are 0x01 at 32 ETH: the sweep skims their rewards to alpha's
// vault. beta's 4 are compounding (0x02) at 64 ETH, far below 2,048: the
// sweep skims nothing and, with no exits, the chain pays beta nothing.
// The 48 others are 0x01 too, skimmed to their own addresses. Total stake
// 48 × 32 + 8 × 32 + 4 × 64 = 2,048 ETH, of which alpha holds 256 (1/8).
const lstTwoProtocolsYAML = `
name: lst-two
description: two protocols
preset: minimal
seed: 1
epochs: 24
bls: "off"
validators:
  - {name: others, count: 48, validators_per_agent: 8}
  - {name: a-op, count: 8, validators_per_agent: 4}
  - {name: b-op, count: 4, validators_per_agent: 4, balance_eth: 64, withdrawal_credentials: "0x02"}
liquid_staking:
  protocols:
    - name: alpha
      operators: [a-op]
      annual_increase_limit_bp: 1000000
      holders:
        - {name: base, count: 4}
    - name: beta
      operators: [b-op]
      deposit_eth: 64
      annual_increase_limit_bp: 1000000
      holders:
        - {name: base, count: 4}
`

// TestLSTPathsTwoProtocols, worked by hand:
//
//   - lst.csv has one row per epoch for each protocol: 24 epochs, 48 rows,
//     epochs 0 to 23, alpha then beta;
//   - the minimal preset's frame is 2 epochs: each protocol reports at
//     t = 2, 4, ..., 24 (12 reports), all accepted;
//   - beta's vault is credited nothing (no skim below 2,048 ETH, no exit),
//     so its buffer stays 0 in every row, while alpha's is credited its
//     skims;
//   - alpha's CL gain (vault credits + its validators' balances at the end
//     − 256 ETH) is its stake share, about 1/8, of the network's net
//     issuance (Σ issuance − penalties in epochs.csv): between 1/16 and
//     1/4 (proposals and sync-committee seats are drawn at random); had
//     the others' skims (48/60 of the validators) been credited to alpha,
//     its credits alone would exceed 1/2 of it;
//   - the sweep visits up to 16 validators a block and pays at most 4
//     (minimal preset), so every one of the 60 validators is skimmed about
//     every 2 epochs: of alpha's 24 epochs of rewards, at least half have
//     reached its vault.
func TestLSTPathsTwoProtocols(t *testing.T) {
	const epochs = 24
	dir, res := runScenario(t, writeScenario(t, lstTwoProtocolsYAML), 0, "")
	sum := map[string]sim.LSTSummary{}
	for _, s := range res.Summary.LiquidStaking {
		sum[s.Protocol] = s
	}
	alpha, beta := sum["alpha"], sum["beta"]
	if len(sum) != 2 || alpha.Reports != 12 || beta.Reports != 12 || alpha.ReportsRejected+beta.ReportsRejected != 0 {
		t.Fatalf("summary: %+v", res.Summary.LiquidStaking)
	}
	if beta.VaultCreditedGwei != 0 || alpha.VaultCreditedGwei == 0 {
		t.Errorf("vault credits: alpha %d, beta %d Gwei; want beta 0 and alpha its skims", alpha.VaultCreditedGwei, beta.VaultCreditedGwei)
	}

	rows := readCSV(t, filepath.Join(dir, "lst.csv"))
	if len(rows) != 2*epochs {
		t.Fatalf("%d lst.csv rows, want %d", len(rows), 2*epochs)
	}
	for i, r := range rows {
		if want := strconv.Itoa(i / 2); r["epoch"] != want || r["protocol"] != []string{"alpha", "beta"}[i%2] {
			t.Errorf("row %d: epoch %s protocol %s, want epoch %s protocol %s", i, r["epoch"], r["protocol"], want, []string{"alpha", "beta"}[i%2])
		}
		if r["protocol"] == "beta" && r["buffered_gwei"] != "0" {
			t.Errorf("epoch %s: beta buffered %s Gwei, want 0 (its vault is never credited)", r["epoch"], r["buffered_gwei"])
		}
	}
	if rows[2*epochs-2]["buffered_gwei"] == "0" {
		t.Error("alpha's reports never collected its vault into the buffer")
	}

	perProto := map[string]int{}
	for _, ev := range eventsOf(readEvents(t, dir), sim.EventOracleReport) {
		d := details[sim.OracleReportDetails](t, ev)
		perProto[d.Protocol]++
		if want := map[string]uint64{"alpha": 8, "beta": 4}[d.Protocol]; d.Validators != want || !d.Accepted {
			t.Errorf("report %+v: want %d validators, accepted", d, want)
		}
	}
	if perProto["alpha"] != 12 || perProto["beta"] != 12 {
		t.Errorf("oracle reports per protocol: %v, want 12 each", perProto)
	}

	var net int64
	for _, r := range readRows(t, dir) {
		iss, _ := strconv.ParseInt(r["issuance_gwei"], 10, 64)
		pen, _ := strconv.ParseInt(r["penalties_gwei"], 10, 64)
		net += iss - pen
	}
	bal, _ := strconv.ParseInt(rows[2*epochs-2]["beacon_balance_gwei"], 10, 64)
	credited := int64(alpha.VaultCreditedGwei)
	gain := credited + bal - 256*eth
	if net <= 0 || gain*16 < net || gain*4 > net {
		t.Errorf("alpha gained %d Gwei of a net issuance of %d, want between 1/16 and 1/4", gain, net)
	}
	if credited*2 < gain {
		t.Errorf("alpha's vault credited %d Gwei of its %d Gwei gain, want at least half", credited, gain)
	}
	t.Logf("net issuance %d, alpha gain %d (credited %d), beta last beacon balance %s", net, gain, credited, rows[2*epochs-1]["beacon_balance_gwei"])
}
