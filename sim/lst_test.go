package sim_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/stakesim/stakesim/sim"
)

// TestLSTSlashingFigures: lst-slashing at its defaults (report_epochs 2,
// slash_epoch 4, 5 slashed validators of 100), worked by hand:
//
//   - the double votes of epoch 4 are slashed in epoch 4, so the slashed
//     validators are withdrawable at 4 + EPOCHS_PER_SLASHINGS_VECTOR (64)
//     = 68 (their exit epoch + the 32-epoch withdrawability delay is
//     earlier), and process_slashings takes the correlation penalty at the
//     end of epoch 68 − 64/2 = 36;
//   - reports are at the epochs of the state they read, t = 2, 4, 6, ...:
//     the first to see the slashings is t = 6 (the state at the start of
//     epoch 6), whose predicted midterm penalty (5 × ~4.8 ETH) exceeds the
//     frame's rebase: bunker mode starts at 6;
//   - the report at 38 sees the penalty: one negative rebase, of
//     32 ETH × 3 × 160 ETH / total active per slashed validator. The total
//     active balance at epoch 36 lies between 92 and 95 validators' worth
//     (the 5 slashed have exited; at most 3 of the protocol's exits have
//     taken effect), so the 5 lose 25.26 to 26.09 ETH together; the frame's
//     rewards and skims add less than 1 ETH back: the rebase lies in
//     [−26.1, −24.2] ETH;
//   - the report at 68 no longer counts the slashings (withdrawable at 68)
//     and its rebase is positive: bunker mode ends at 68, after 62 epochs;
//   - the nervous holders' requests, made at epoch 5 when they saw the
//     slashing, are paid at the lower rate after bunker mode: less than
//     they asked.
func TestLSTSlashingFigures(t *testing.T) {
	dir, res := runScenario(t, "lst-slashing", 0, "off")
	evs := readEvents(t, dir)
	neg := eventsOf(evs, sim.EventNegativeRebase)
	if len(neg) != 1 {
		t.Fatalf("%d negative rebases, want 1", len(neg))
	}
	n := details[sim.NegativeRebaseDetails](t, neg[0])
	if n.ReportEpoch != 38 || n.RebaseGwei > -24_200_000_000 || n.RebaseGwei < -26_100_000_000 {
		t.Errorf("negative rebase %d Gwei at report %d, want in [-26.1, -24.2] ETH at 38", n.RebaseGwei, n.ReportEpoch)
	}
	started, ended := eventsOf(evs, sim.EventBunkerStarted), eventsOf(evs, sim.EventBunkerEnded)
	if len(started) != 1 || len(ended) != 1 {
		t.Fatalf("bunker started %d times, ended %d, want 1 and 1", len(started), len(ended))
	}
	if s, e := details[sim.BunkerStartedDetails](t, started[0]), details[sim.BunkerEndedDetails](t, ended[0]); s.ReportEpoch != 6 || e.ReportEpoch != 68 || e.DurationEpochs != 62 {
		t.Errorf("bunker from %d to %d (%d epochs), want 6 to 68 (62)", s.ReportEpoch, e.ReportEpoch, e.DurationEpochs)
	}
	if len(res.Summary.LiquidStaking) != 1 {
		t.Fatalf("summary: %+v", res.Summary.LiquidStaking)
	}
	s := res.Summary.LiquidStaking[0]
	if s.SocialisedLossGwei != uint64(-n.RebaseGwei) || s.RequestDiscountGwei == 0 || s.RequestsPending != 0 || s.LargestWaitEpochs < 68-5 {
		t.Errorf("summary %+v", s)
	}
	for _, w := range readCSV(t, filepath.Join(dir, "withdrawals.csv")) {
		if w["finalized_epoch"] == "" || w["rate_at_finalization"] >= w["rate_at_request"] {
			t.Errorf("request %s: finalized %q at %s, requested at %s", w["request_id"], w["finalized_epoch"], w["rate_at_finalization"], w["rate_at_request"])
		}
	}
}

// TestLSTLeakFigures: in lst-leak the inactivity leak lowers the share
// rate below 1 (negative rebases, bunker mode) and the worried holders'
// withdrawals wait at least the exit queue's MAX_SEED_LOOKAHEAD + 1
// epochs and the 16-epoch withdrawability delay.
func TestLSTLeakFigures(t *testing.T) {
	dir, res := runScenario(t, "lst-leak", 0, "off")
	evs := readEvents(t, dir)
	if len(eventsOf(evs, sim.EventLeakStarted)) == 0 || len(eventsOf(evs, sim.EventNegativeRebase)) < 10 ||
		len(eventsOf(evs, sim.EventExitsRequested)) == 0 || len(eventsOf(evs, sim.EventBunkerStarted)) == 0 {
		t.Fatal("the leak, negative rebases, exits and bunker mode should all show")
	}
	s := res.Summary.LiquidStaking[0]
	if s.MinShareRate >= "1" || s.LargestWaitEpochs < 5+16 || s.RequestsFinalized == 0 {
		t.Errorf("summary %+v", s)
	}
}

// TestLSTDeterministicAcrossGOMAXPROCS: lst.csv and withdrawals.csv are
// byte-identical at GOMAXPROCS 1 and 2.
func TestLSTDeterministicAcrossGOMAXPROCS(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	d1, _ := runScenario(t, "lst-slashing", 72, "off")
	runtime.GOMAXPROCS(max(2, prev))
	d2, _ := runScenario(t, "lst-slashing", 72, "off")
	for _, f := range []string{"lst.csv", "withdrawals.csv", "events.jsonl", "summary.json"} {
		a, err := os.ReadFile(filepath.Join(d1, f))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(d2, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between GOMAXPROCS=1 and %d", f, max(2, prev))
		}
	}
}

// readCSV reads a CSV file into rows keyed by the header.
func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// lstDepositYAML: 10 savers deposit 8 ETH each every epoch from epoch 1
// to 4 (320 ETH); the protocol deposits 32-ETH validators as the buffer
// allows, at most 6 (its new_validators).
const lstDepositYAML = `
name: lst-deposits
description: deposits
preset: minimal
seed: 1
epochs: 24
bls: "off"
validators:
  - {name: others, count: 56, validators_per_agent: 8}
  - {name: op, count: 8, validators_per_agent: 4}
liquid_staking:
  protocols:
    - name: pool
      operators: [op]
      new_validators: 6
      annual_increase_limit_bp: 1000000
      holders:
        - {name: base, count: 8}
        - {name: savers, count: 10, initial_eth: 0.000000001, policy: deposit, amount_eth: 8, from_epoch: 1, to_epoch: 4}
`

// TestLSTDepositsCreateValidators: 320 ETH deposited from epoch 1 to 4 make
// 10 deposits' worth, of which the protocol may use 6 keys: 6 validators
// of 32 ETH join through EIP-6110 requests and the activation churn, the
// oracle counts 8 + 6 validators, and 128 ETH stay buffered.
func TestLSTDepositsCreateValidators(t *testing.T) {
	dir, res := runScenario(t, writeScenario(t, lstDepositYAML), 0, "")
	s := res.Summary.LiquidStaking[0]
	if s.ValidatorsDeposited != 6 {
		t.Fatalf("deposited %d validators, want 6", s.ValidatorsDeposited)
	}
	rows := readCSV(t, filepath.Join(dir, "lst.csv"))
	last := rows[len(rows)-1]
	if buf, _ := strconv.ParseUint(last["buffered_gwei"], 10, 64); last["validators_active"] != "14" || buf < 128*1_000_000_000 {
		t.Errorf("last row: %s active, %d Gwei buffered; want 14 and at least 128 ETH", last["validators_active"], buf)
	}
	reports := eventsOf(readEvents(t, dir), sim.EventOracleReport)
	if d := details[sim.OracleReportDetails](t, reports[len(reports)-1]); d.Validators != 14 || !d.Accepted {
		t.Errorf("last report: %+v", d)
	}
}
