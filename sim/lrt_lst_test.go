package sim_test

import (
	"bytes"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/stakesim/stakesim/sim"
)

// lrtOnLSTYAML: steth, a liquid-staking protocol of 8 validators (256 ETH,
// its one holder's), and ez, an LRT whose two holders deposit 64 ETH each
// into steth at genesis, at a rate of exactly 1: 128 ETH of steth shares,
// restaked equally with op-a and op-b (64 ETH each). The buggy AVS
// slashes op-b for %[1]s of its allocation (all of its stake) at epoch
// %[2]d; steth's validators are offline from epoch %[3]d, so its reports
// (every 4 epochs, no fee, so no shares minted) rebase down.
const lrtOnLSTYAML = `
name: lrt-on-lst
description: an LRT restaking an LST
preset: minimal
seed: 3
epochs: %[4]d
bls: "off"
config:
  shard_committee_period: 4
  min_validator_withdrawability_delay: 16
validators:
  - {name: others, count: 54, validators_per_agent: 9}
  - name: lido
    count: 8
    validators_per_agent: 4
    withdrawal_credentials: "0x01"
    behaviours: [{kind: offline, from_epoch: %[3]d}]
  - {name: op-a-own, count: 1, withdrawal_credentials: "0x01"}
  - {name: op-b-own, count: 1, withdrawal_credentials: "0x01"}
restaking:
  delays: {allocation: 0, deallocation: 16, withdrawal: 4}
  avss:
    - {name: oracle, threshold: 0.5, profit_eth: 100, slash_fraction: %[1]s, buggy: {epoch: %[2]d, operators: [op-b]}}
  operators:
    - {name: op-a, groups: [op-a-own], avss: [oracle], magnitudes: {oracle: 1}}
    - {name: op-b, groups: [op-b-own], avss: [oracle], magnitudes: {oracle: 1}}
liquid_staking:
  protocols:
    - name: ez
      kind: lrt
      asset: steth
      restaking_operators: [op-a, op-b]
      holders:
        - {name: h, count: 1, initial_eth: 64}
        - {name: nervous, count: 1, initial_eth: 64, policy: withdraw, trigger: rate_drop, threshold: 0.05}
    - name: steth
      operators: [lido]
      fee: 0
      report_epochs: 4
      annual_increase_limit_bp: 1000000
      holders: [{name: s, count: 1}]
`

// lstRows splits lst.csv by protocol.
func lstRows(t *testing.T, dir string) map[string][]map[string]string {
	t.Helper()
	out := map[string][]map[string]string{}
	for _, r := range readCSV(t, filepath.Join(dir, "lst.csv")) {
		out[r["protocol"]] = append(out[r["protocol"]], r)
	}
	return out
}

func u64(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestLRTOnLSTAVSSlash: at epoch 0 steth's rate is exactly 1 (no report
// yet; the LRT's 128 ETH joined its buffer at that rate), so ez holds
// 128e9 steth shares, 64e9 with each operator, worth 128 ETH over 128e9
// tokens. The AVS slashes op-b for 0.5: 32e9 shares, so ez's pooled value
// falls to 96 ETH and its rate from 1 to 0.75 = 1 − (64/128) × 0.5. The
// nervous holder (threshold 5%) asks for its 64e9 tokens, worth 48 ETH
// (48e9 shares); it waits the 4-epoch escrow and is paid 48e9 steth shares,
// never more than its value at request. steth's own shares stay 256e9 +
// 128e9 = 384e9 throughout (moves and burns are transfers).
func TestLRTOnLSTAVSSlash(t *testing.T) {
	dir, res := runScenario(t, writeScenario(t, fmt.Sprintf(lrtOnLSTYAML, "0.5", 0, 1000, 12)), 0, "")
	fell := eventsOf(readEvents(t, dir), sim.EventLRTRateFell)
	if len(fell) != 1 {
		t.Fatalf("%d lrt_rate_fell events, want 1", len(fell))
	}
	d := details[sim.LRTRateFellDetails](t, fell[0])
	if fell[0].Epoch != 0 || d.RateBefore != "1.000000000000000000" || d.RateAfter != "0.750000000000000000" ||
		d.LossGwei != 32*eth || d.PooledGwei != 96*eth {
		t.Errorf("rate fell at epoch %d: %+v, want 1 → 0.75, 32 ETH lost, 96 ETH left", fell[0].Epoch, d)
	}
	rows := lstRows(t, dir)
	for _, r := range rows["steth"] {
		if r["total_shares"] != "384000000000" {
			t.Fatalf("steth epoch %s: %s shares, want 384e9", r["epoch"], r["total_shares"])
		}
	}
	ws := readCSV(t, filepath.Join(dir, "withdrawals.csv"))
	if len(ws) != 1 {
		t.Fatalf("%d withdrawals, want 1", len(ws))
	}
	w := ws[0]
	paid := u64(t, w["paid_gwei"])
	if w["protocol"] != "ez" || w["requested_epoch"] != "0" || w["shares"] != "64000000000" || paid < 48*eth-1 || paid > 48*eth {
		t.Errorf("withdrawal %v, want 64e9 tokens asked at 0 and about 48 ETH paid", w)
	}
	if fin := u64(t, w["finalized_epoch"]); fin < 4 || fin > 6 {
		t.Errorf("finalized at %d, want after the 4-epoch escrow (5)", fin)
	}
	if s := res.Summary.LiquidStaking; len(s) != 2 || s[1].Protocol != "ez" && s[0].Protocol != "ez" {
		t.Errorf("summary %+v", s)
	}
}

// TestLRTOnLSTFollowsTheLSTRate: no AVS slash takes effect (fraction 0.01
// at epoch 30, after the run) and steth's validators go offline at epoch
// 2: every report from epoch 7 on rebases steth down. ez holds 128e9
// steth shares over 128e9 tokens, so its pooled Gwei is, at every row,
// floor(128e9 × steth pooled / steth shares) (the Pricer's rounding) and
// its rate falls by the same ratio as steth's.
func TestLRTOnLSTFollowsTheLSTRate(t *testing.T) {
	dir, _ := runScenario(t, writeScenario(t, fmt.Sprintf(lrtOnLSTYAML, "0.01", 30, 2, 20)), 0, "")
	rows := lstRows(t, dir)
	ez, st := rows["ez"], rows["steth"]
	if len(ez) != 20 || len(st) != 20 {
		t.Fatalf("%d ez rows, %d steth rows, want 20 each", len(ez), len(st))
	}
	falls := 0
	for i := range ez {
		pooled, shares := u64(t, st[i]["total_pooled_gwei"]), u64(t, st[i]["total_shares"])
		want := new(big.Int).Mul(big.NewInt(128*eth), new(big.Int).SetUint64(pooled))
		want.Quo(want, new(big.Int).SetUint64(shares))
		if got := u64(t, ez[i]["total_pooled_gwei"]); got != want.Uint64() {
			t.Errorf("epoch %s: ez pooled %d, want 128e9 × %d / %d = %d", ez[i]["epoch"], got, pooled, shares, want)
		}
		if i > 0 && st[i]["share_rate"] < st[i-1]["share_rate"] {
			falls++
			if ez[i]["share_rate"] >= ez[i-1]["share_rate"] {
				t.Errorf("epoch %s: steth's rate fell, ez's did not", ez[i]["epoch"])
			}
		}
	}
	if falls == 0 {
		t.Error("steth's rate never fell: the offline validators should rebase it down")
	}
	if fell := eventsOf(readEvents(t, dir), sim.EventLRTRateFell); len(fell) != falls {
		t.Errorf("%d lrt_rate_fell events, want one per steth fall (%d)", len(fell), falls)
	}
}

// TestLRTOnLSTDeterministic: byte-identical at GOMAXPROCS 1 and 2.
func TestLRTOnLSTDeterministic(t *testing.T) {
	src := writeScenario(t, fmt.Sprintf(lrtOnLSTYAML, "0.5", 1, 3, 12))
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	d1, _ := runScenario(t, src, 0, "")
	runtime.GOMAXPROCS(max(2, prev))
	d2, _ := runScenario(t, src, 0, "")
	for _, f := range []string{"lst.csv", "withdrawals.csv", "events.jsonl", "summary.json"} {
		a, err := os.ReadFile(filepath.Join(d1, f))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(d2, f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between GOMAXPROCS=1 and %d", f, max(2, prev))
		}
	}
}
