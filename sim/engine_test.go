package sim_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics"
	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/internal/simtest"
	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// runScenario runs a built-in scenario with overrides into a temp dir and
// returns the directory and the result.
func runScenario(t *testing.T, name string, epochs uint64, bls string, sets ...string) (string, *sim.Result) {
	t.Helper()
	return runLoaded(t, context.Background(), loadScenario(t, name, epochs, bls, sets...), sim.Options{})
}

// loadScenario loads a built-in with --set style overrides, and --epochs
// and --bls when not zero.
func loadScenario(t *testing.T, name string, epochs uint64, bls string, sets ...string) *scenarios.Scenario {
	t.Helper()
	return simtest.Load(t, name, epochs, bls, sets...)
}

// runLoaded runs sc through the real output writer into a temporary
// directory, which it returns with the result.
func runLoaded(t *testing.T, ctx context.Context, sc *scenarios.Scenario, opts sim.Options) (string, *sim.Result) {
	t.Helper()
	return simtest.Run(t, ctx, sc, opts)
}

type row map[string]string

func readRows(t *testing.T, dir string) []row {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "epochs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []row
	for _, r := range recs[1:] {
		m := row{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func (r row) u(t *testing.T, k string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(r[k], 10, 64)
	if err != nil {
		t.Fatalf("column %s: %v", k, err)
	}
	return v
}

// TestBaselineFinalizesEveryEpoch: with real BLS, every epoch after the
// first two is justified at its end and the one before finalized, with
// full target participation and no verification failure.
func TestBaselineFinalizesEveryEpoch(t *testing.T) {
	dir, res := runScenario(t, "baseline", 6, "full", "validators=256")
	rows := readRows(t, dir)
	if len(rows) != 6 {
		t.Fatalf("rows = %d, want 6", len(rows))
	}
	for _, r := range rows {
		e := r.u(t, "epoch")
		if r["branch"] != "main" {
			t.Errorf("epoch %d: branch %q", e, r["branch"])
		}
		if r["target_participation"] != "1.000000" || r["sync_participation"] != "1.000000" {
			t.Errorf("epoch %d: target participation %s, sync participation %s", e, r["target_participation"], r["sync_participation"])
		}
		if r.u(t, "verify_failures") != 0 {
			t.Errorf("epoch %d: verify failures", e)
		}
		if r.u(t, "aggregates_verified") == 0 || r.u(t, "signatures") == 0 {
			t.Errorf("epoch %d: nothing verified", e)
		}
		if e >= 2 && r.u(t, "justified_epoch") != e {
			t.Errorf("epoch %d: justified %s", e, r["justified_epoch"])
		}
		if e >= 3 && r.u(t, "finalized_epoch") != e-1 {
			t.Errorf("epoch %d: finalized %s", e, r["finalized_epoch"])
		}
	}
	s := res.Summary
	if s.VerifyFailures != 0 || s.BLSMode != "full" || s.BLSWarning != "" {
		t.Errorf("summary: %+v", s)
	}
	// Every validator signed once per epoch and every block is signed; the
	// last slot's attestations are included in the next (unreported) epoch.
	// Every block also carries the whole sync committee's signatures
	// (SYNC_COMMITTEE_SIZE 32 on minimal).
	if want := uint64(256*6) - 256/8 + s.Proposals + 32*s.Proposals; s.Signatures != want {
		t.Errorf("signatures = %d, want %d", s.Signatures, want)
	}
}

// TestOfflineKeepsFinalityAndLosesBalance: 20% offline cannot stop
// finality; the offline group's balance falls while the online group's rises.
func TestOfflineKeepsFinalityAndLosesBalance(t *testing.T) {
	dir, res := runScenario(t, "offline-20", 12, "off")
	rows := readRows(t, dir)
	last := rows[len(rows)-1]
	if e := last.u(t, "epoch"); last.u(t, "finalized_epoch")+3 < e {
		t.Errorf("finality lost: epoch %d finalized %s", e, last["finalized_epoch"])
	}
	for _, r := range rows {
		if r["in_inactivity_leak"] != "0" {
			t.Errorf("epoch %s in leak", r["epoch"])
		}
	}
	var on, off *sim.GroupSummary
	for i := range res.Summary.Groups {
		g := &res.Summary.Groups[i]
		if strings.Contains(g.Name, "offline") {
			off = g
		} else {
			on = g
		}
	}
	if on == nil || off == nil {
		t.Fatalf("groups: %+v", res.Summary.Groups)
	}
	if off.EndBalanceGwei >= off.StartBalanceGwei {
		t.Errorf("offline balance did not fall: %d -> %d", off.StartBalanceGwei, off.EndBalanceGwei)
	}
	if on.EndBalanceGwei <= on.StartBalanceGwei {
		t.Errorf("online balance did not rise: %d -> %d", on.StartBalanceGwei, on.EndBalanceGwei)
	}
	if !strings.Contains(res.Summary.BLSWarning, "OFF") {
		t.Errorf("bls off not said loudly: %q", res.Summary.BLSWarning)
	}
}

// TestOfflineSyncCommittee: offline-20's offline fifth holds some of the
// 32 seats of the minimal preset's sync committee, so once it is offline
// sync participation falls to about 0.8 and every block charges each empty
// seat process_sync_aggregate's participant_reward, worked here from the
// spec text: total_base_rewards = EBI*BASE_REWARD_FACTOR//isqrt(total) *
// (total//EBI); participant_reward = total_base_rewards * 2 // 64 // 8 // 32.
func TestOfflineSyncCommittee(t *testing.T) {
	dir, _ := runScenario(t, "offline-20", 8, "off")
	for _, r := range readRows(t, dir) {
		e := r.u(t, "epoch")
		sp, err := strconv.ParseFloat(r["sync_participation"], 64)
		if err != nil {
			t.Fatal(err)
		}
		if e < 4 {
			if sp != 1 || r.u(t, "sync_penalties_gwei") != 0 {
				t.Errorf("epoch %d (all online): sync participation %s, penalties %s", e, r["sync_participation"], r["sync_penalties_gwei"])
			}
			continue
		}
		if e == 4 {
			continue // the offline window starts within the epoch
		}
		if sp < 0.7 || sp > 0.95 {
			t.Errorf("epoch %d: sync participation %v, want near 0.8", e, sp)
		}
		total := r.u(t, "total_active_balance_gwei")
		const ebi = 1_000_000_000
		perInc := ebi * 64 / isqrt(total)
		participant := perInc * (total / ebi) * 2 / 64 / 8 / 32
		blocks := r.u(t, "proposals")
		empty := uint64(math.Round((1 - sp) * 32 * float64(blocks)))
		if got, want := r.u(t, "sync_penalties_gwei"), empty*participant; empty == 0 || got != want {
			t.Errorf("epoch %d: sync penalties %d, want %d empty seats x %d = %d", e, got, empty, participant, want)
		}
	}
}

// TestPartitionStallsAndResumes: a 50/50 partition stops finality on both
// sides (two branches), and finality resumes after the heal on one branch.
func TestPartitionStallsAndResumes(t *testing.T) {
	dir, res := runScenario(t, "partition-50-50", 0, "off")
	rows := readRows(t, dir)
	sc, _ := scenarios.Load("partition-50-50", nil)
	p := sc.Network.Partitions[0]
	branches := map[string]bool{}
	var stalled, resumed bool
	for _, r := range rows {
		e := r.u(t, "epoch")
		branches[r["branch"]] = true
		if e > p.StartEpoch+1 && e < p.EndEpoch && r.u(t, "finalized_epoch") < p.StartEpoch {
			stalled = true
		}
		if e >= p.EndEpoch+2 && r.u(t, "finalized_epoch") >= p.EndEpoch {
			resumed = true
		}
	}
	if len(branches) < 3 {
		t.Errorf("branches %v: want the joint branch and one per side", branches)
	}
	if !stalled || !resumed {
		t.Errorf("stalled=%v resumed=%v", stalled, resumed)
	}
	if res.Summary.LongestFinalityGapEpochs < p.EndEpoch-p.StartEpoch {
		t.Errorf("longest gap %d", res.Summary.LongestFinalityGapEpochs)
	}
	// Honest validators whose view changes branch (and committees) after
	// the heal must not sign twice for one target: slashing protection.
	if s := res.Summary; s.SlashingsDetected != 0 || s.SlashedValidators != 0 || s.ConflictingFinalization != nil {
		t.Errorf("honest partition: %d detected, %d slashed, conflict %+v", s.SlashingsDetected, s.SlashedValidators, s.ConflictingFinalization)
	}
	ev, _ := os.ReadFile(filepath.Join(dir, "events.jsonl"))
	for _, k := range []string{"partition_started", "partition_healed", "leak_started", "leak_ended", "finalized"} {
		if !bytes.Contains(ev, []byte(`"kind":"`+k+`"`)) {
			t.Errorf("no %s event", k)
		}
	}
}

func readOutputs(t *testing.T, dir string) map[string][]byte {
	out := map[string][]byte{}
	for _, f := range []string{"epochs.csv", "events.jsonl", "summary.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		out[f] = b
	}
	return out
}

// TestDeterministicAcrossGOMAXPROCS: same scenario and seed give
// byte-identical outputs with one and with several OS threads.
func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	d1, _ := runScenario(t, "partition-50-50", 14, "aggregate")
	runtime.GOMAXPROCS(max(2, prev))
	d2, _ := runScenario(t, "partition-50-50", 14, "aggregate")
	a, b := readOutputs(t, d1), readOutputs(t, d2)
	for f := range a {
		if !bytes.Equal(a[f], b[f]) {
			t.Errorf("%s differs between GOMAXPROCS=1 and %d", f, max(2, prev))
		}
	}
}

// TestBLSModesAgree: the chain does not depend on the BLS mode; only the
// signature bookkeeping does. full and aggregate verify the same number of
// aggregates and signatures.
func TestBLSModesAgree(t *testing.T) {
	dFull, rFull := runScenario(t, "offline-20", 4, "full")
	dAgg, rAgg := runScenario(t, "offline-20", 4, "aggregate")
	dOff, _ := runScenario(t, "offline-20", 4, "off")
	full, agg, off := readOutputs(t, dFull), readOutputs(t, dAgg), readOutputs(t, dOff)
	if !bytes.Equal(full["epochs.csv"], agg["epochs.csv"]) || !bytes.Equal(full["events.jsonl"], agg["events.jsonl"]) {
		t.Errorf("full and aggregate runs differ")
	}
	// Block roots commit to signature bytes, so only the per-epoch figures
	// (not the roots in events) can agree with off mode.
	if !bytes.Equal(full["epochs.csv"], off["epochs.csv"]) {
		t.Errorf("full and off runs have different epochs.csv")
	}
	if rFull.Summary.Signatures != rAgg.Summary.Signatures || rFull.Summary.AggregatesVerified != rAgg.Summary.AggregatesVerified {
		t.Errorf("signature counts differ: %+v vs %+v", rFull.Summary, rAgg.Summary)
	}
}

// TestSteadyIssuanceMatchesEconomics: once the chain is running, a fully
// participating epoch mints exactly what the analytic formulas of package
// economics say (attestations, proposals and sync committees), to the Gwei
// (an independent calculation of the spec's reward arithmetic).
func TestSteadyIssuanceMatchesEconomics(t *testing.T) {
	dir, _ := runScenario(t, "baseline", 5, "off")
	cfg := consensus.Minimal()
	want := uint64(economics.IdealEpochIssuance(&cfg, 1024, 32_000_000_000) + economics.IdealEpochSyncIssuance(&cfg, 1024, 32_000_000_000))
	rows := readRows(t, dir)
	for _, r := range rows[2:] {
		if got := r.u(t, "issuance_gwei"); got != want {
			t.Errorf("epoch %s: issuance %d, want %d", r["epoch"], got, want)
		}
		if r.u(t, "penalties_gwei") != 0 {
			t.Errorf("epoch %s: penalties in a perfect run", r["epoch"])
		}
	}
}

// TestLossLowersParticipation: with 30% of messages to each view lost,
// attestations that never reach the proposers' view are never included,
// so target participation falls to about 70% while finality holds.
func TestLossLowersParticipation(t *testing.T) {
	sc, err := scenarios.Parse("loss.yaml", []byte(`name: loss
description: lossy network
epochs: 6
bls: off
validators:
  - name: v
    count: 512
    validators_per_agent: 8
network:
  delay: {dist: uniform, min_ms: 0, max_ms: 500}
  loss: 0.3
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	w, err := output.Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.Run(context.Background(), sc, w, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(&res.Summary, &res.Timing); err != nil {
		t.Fatal(err)
	}
	for _, r := range readRows(t, dir)[1:] {
		p, _ := strconv.ParseFloat(r["target_participation"], 64)
		if p < 0.6 || p > 0.8 {
			t.Errorf("epoch %s: participation %.3f, want about 0.7", r["epoch"], p)
		}
	}
	// With the current epoch's target short of 2/3 at its end but the
	// previous epoch's above it, process_justification_and_finalization
	// justifies each epoch one epoch late: at the end of epoch 5 (the last
	// reported) epoch 4 is justified, the bits for epochs 2, 3 and 4 are
	// set and the previous justified checkpoint is epoch 2, so the
	// "2nd/3rd/4th most recent epochs are justified" rule
	// (old_previous_justified_checkpoint.epoch + 3 == current_epoch)
	// finalizes epoch 2.
	if res.Summary.JustifiedEpoch != 4 || res.Summary.FinalizedEpoch != 2 {
		t.Errorf("under 30%% loss: justified %d finalized %d, want 4 and 2", res.Summary.JustifiedEpoch, res.Summary.FinalizedEpoch)
	}
}
