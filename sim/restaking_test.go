package sim_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// restakingYAML: 64 solo validators and two restaking operators of 32
// validators (1,024 ETH) each. op-a is Byzantine in both AVSs; op-b is
// honest, and the buggy bridge slashes it at epoch 3. Staker s-a holds a
// quarter of op-a and runs once op-a has lost more than 10%.
//
// Reference numbers (EigenLayer unique stake; ledger arithmetic):
//   - oracle: op-a allocates 0.25 (256 ETH), op-b 0.25 (256 ETH); α = 0.5,
//     so op-a's 256 of 512 ETH is exactly α, and the slash it risks (0.5 of
//     256 = 128 ETH) is below the oracle's 300 ETH: op-a attacks at epoch 0,
//     the oracle is compromised, and op-a loses 128 ETH (shares 1,024 ->
//     896, max magnitude 0.875).
//   - bridge: op-a 0.1 (896·0.1/0.875 = 102.4 ETH), op-b 0.5 (512 ETH);
//     102.4/614.4 < α: op-a cannot corrupt it, answers correctly and is
//     never slashed by it (rational attackers wait).
//   - op-a lost 128 of 1,024 ETH (12.5% > 10%): s-a withdraws its 256 ETH
//     less 12.5%, 224 ETH, completable at 0 + 2 + 1 = 3.
//   - epoch 3: the withdrawal completes (op-a 672 shares: 76.8 ETH in the
//     bridge), then the buggy bridge slashes 0.5 of op-b's 512 ETH: 256 ETH.
//     op-a's 76.8 of 332.8 ETH stays below α: still no attack.
const restakingYAML = `
name: t-restaking
description: test
preset: minimal
seed: 5
epochs: %d
bls: off
validators:
  - name: solo
    count: 64
    withdrawal_credentials: "0x01"
    validators_per_agent: 8
  - name: restaked-a
    count: 32
    withdrawal_credentials: "0x01"
    validators_per_agent: 8
  - name: restaked-b
    count: 32
    withdrawal_credentials: "0x01"
    validators_per_agent: 8
config:
  shard_committee_period: 0
network:
  delay:
    dist: uniform
    min_ms: 0
    max_ms: 500
restaking:
  delays: {allocation: 1, deallocation: 2, withdrawal: 2}
  avss:
    - {name: oracle, threshold: 0.5, profit_eth: 300, reward_rate: 0.05, slash_fraction: 0.5}
    - name: bridge
      threshold: 0.5
      profit_eth: 100
      slash_fraction: 0.5
      redistribute_to: treasury
      buggy: {epoch: 3, operators: [op-b]}
  operators:
    - name: op-a
      groups: [restaked-a]
      avss: [oracle, bridge]
      magnitudes: {oracle: 0.25, bridge: 0.1}
      byzantine: [oracle, bridge]
    - name: op-b
      groups: [restaked-b]
      avss: [oracle, bridge]
      magnitudes: {oracle: 0.25, bridge: 0.5}
  stakers:
    - {name: s-a, operator: op-a, share: 0.25, panic: 0.1}
    - {name: s-b, operator: op-b, share: 0.5}
`

const (
	restakedETH = 1024 // per operator: 32 validators of 32 ETH
	gweiPerETH  = eth
)

// runRestaking runs the restaking scenario for epochs.
func runRestaking(t *testing.T, yaml string, epochs int) (string, *sim.Result) {
	t.Helper()
	return runScenario(t, writeScenario(t, fmt.Sprintf(yaml, epochs)), 0, "")
}

func eventsOf(evs []sim.Event, kind string) []sim.Event {
	var out []sim.Event
	for _, ev := range evs {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// details returns the details of ev, which must be a T.
func details[T sim.EventDetails](t *testing.T, ev sim.Event) T {
	t.Helper()
	d, ok := ev.Details.(T)
	if !ok {
		t.Fatalf("%s event details %T, want %T", ev.Kind, ev.Details, d)
	}
	return d
}

func TestRestakingSlashesForceExits(t *testing.T) {
	const epochs = 14
	dir, res := runRestaking(t, restakingYAML, epochs)
	evs := readEvents(t, dir)

	// Expected slashes, from the scenario's numbers: allocation × fraction.
	alloc := func(magNum, magDen uint64) uint64 { return restakedETH * gweiPerETH * magNum / magDen }
	type slash struct {
		epoch     uint64
		avs, op   string
		gwei      uint64
		buggy     bool
		burned    bool
		recipient string
	}
	want := []slash{
		{0, "oracle", "op-a", alloc(25, 100) / 2, false, true, ""},
		{3, "bridge", "op-b", alloc(50, 100) / 2, true, false, "treasury"},
	}
	var got []slash
	for _, ev := range eventsOf(evs, sim.EventRestakingSlashed) {
		d := details[sim.RestakingSlashedDetails](t, ev)
		got = append(got, slash{epoch: ev.Epoch, avs: d.AVS, op: d.Operator, gwei: d.Gwei, buggy: d.Buggy, burned: d.Burned, recipient: d.Recipient})
	}
	if !slices.Equal(got, want) {
		t.Fatalf("restaking slashes:\n got %+v\nwant %+v", got, want)
	}
	// The buggy AVS slashed the honest operator at its epoch, not before.
	for _, s := range got {
		if s.op == "op-b" && s.epoch < 3 {
			t.Errorf("op-b slashed at epoch %d, before the bug", s.epoch)
		}
	}

	// Compromised: oracle (Byzantine allocation exactly α of the set), not
	// the bridge (below α). Checked against the allocations.
	compromised := func(byz, total, alphaNum, alphaDen uint64) bool { return byz*alphaDen >= alphaNum*total }
	if !compromised(alloc(25, 100), alloc(25, 100)+alloc(25, 100), 1, 2) || compromised(alloc(10, 100), alloc(10, 100)+alloc(50, 100), 1, 2) {
		t.Fatal("test numbers broken")
	}
	comp := eventsOf(evs, sim.EventAVSCompromised)
	if len(comp) != 1 || comp[0].Epoch != 0 {
		t.Fatalf("avs_compromised events: %+v", comp)
	}
	if d := details[sim.AVSCompromisedDetails](t, comp[0]); d.AVS != "oracle" || d.ByzantineStakeGwei != alloc(25, 100) || d.TotalStakeGwei != 2*alloc(25, 100) {
		t.Fatalf("avs_compromised events: %+v", comp)
	}

	// The run on op-a: s-a's quarter less op-a's 12.5% loss.
	lossA := want[0].gwei
	withdrawn := uint64(restakedETH*gweiPerETH/4) - lossA/4
	q := eventsOf(evs, sim.EventStakerWithdrawalQueued)
	c := eventsOf(evs, sim.EventStakerWithdrawalCompleted)
	if len(q) != 1 || q[0].Epoch != 0 {
		t.Fatalf("withdrawal queued: %+v (want %d Gwei)", q, withdrawn)
	}
	if d := details[sim.StakerWithdrawalQueuedDetails](t, q[0]); d.Staker != "s-a" || d.Gwei != withdrawn || d.CompletableEpoch != 3 {
		t.Fatalf("withdrawal queued: %+v (want %d Gwei)", q, withdrawn)
	}
	if len(c) != 1 || c[0].Epoch != 3 || details[sim.StakerWithdrawalCompletedDetails](t, c[0]).Gwei != withdrawn {
		t.Fatalf("withdrawal completed: %+v", c)
	}

	// Exits: each operator's validators cover what left the ledger. With
	// balances between 32 and 32.5 ETH (an honest run of a few epochs),
	// that is ceil(owed / 32 ETH) validators.
	ceil32 := func(g uint64) uint64 { return (g + 32*gweiPerETH - 1) / (32 * gweiPerETH) }
	wantA := ceil32(lossA + withdrawn) // 352 ETH: 11
	wantB := ceil32(want[1].gwei)      // 256 ETH: 8
	exited := map[string]uint64{}
	for _, ev := range eventsOf(evs, sim.EventExited) {
		exited[details[sim.ExitedDetails](t, ev).Group]++
	}
	if exited["restaked-a"] != wantA || exited["restaked-b"] != wantB || exited["solo"] != 0 {
		t.Errorf("exited validators by group %v, want restaked-a %d, restaked-b %d", exited, wantA, wantB)
	}
	var requested uint64
	for _, ev := range eventsOf(evs, sim.EventRestakingExitsRequested) {
		requested += details[sim.RestakingExitsRequestedDetails](t, ev).Validators
	}
	if requested != wantA+wantB {
		t.Errorf("exit requests for %d validators, want %d", requested, wantA+wantB)
	}
	rows := readRows(t, dir)
	if len(rows) != epochs {
		t.Fatalf("%d rows, want %d (one branch)", len(rows), epochs)
	}
	if last := rows[len(rows)-1]; last.u(t, "active_validators") != 128-wantA-wantB {
		t.Errorf("active validators at the end %d, want %d", last.u(t, "active_validators"), 128-wantA-wantB)
	}

	// Restaking columns, from the numbers above.
	total := uint64(2 * restakedETH * gweiPerETH)
	for _, r := range rows {
		e := r.u(t, "epoch")
		restaked, pending, slashed, ops := total-lossA-withdrawn, withdrawn, lossA, uint64(1)
		if e >= 3 {
			restaked, pending, slashed, ops = total-lossA-withdrawn-want[1].gwei, 0, lossA+want[1].gwei, 2
		}
		if r.u(t, "restaked_gwei") != restaked || r.u(t, "pending_withdrawals_gwei") != pending || r.u(t, "restaking_slashed_gwei") != slashed ||
			r.u(t, "operators_slashed") != ops || r.u(t, "avs_compromised") != 1 || r["byzantine_share"] != "0.000000" {
			t.Errorf("epoch %d: restaking columns %v", e, r)
		}
	}

	// Summary.
	rsum := res.Summary.Restaking
	if rsum == nil {
		t.Fatal("summary without restaking")
	}
	if rsum.RestakingSlashedGwei != lossA+want[1].gwei || rsum.RestakingBurnedGwei != want[0].gwei ||
		rsum.RestakingRedistributedGwei != want[1].gwei || rsum.AVSCompromised != 1 || rsum.OperatorsSlashed != 2 ||
		rsum.ProfitFromCorruptionRealizedGwei != 300*gweiPerETH || rsum.StakersWithdrawn != 1 {
		t.Errorf("restaking summary %+v", rsum)
	}
	if n := wantA + wantB; rsum.StakeLeftGwei < n*32*gweiPerETH || rsum.StakeLeftGwei >= n*32*gweiPerETH+n*gweiPerETH/2 {
		t.Errorf("stake left %d, want the balances of %d validators", rsum.StakeLeftGwei, n)
	}
	// Before epoch 0's tasks, op-a and op-b each hold 256 of the oracle's
	// 512 ETH (α = 0.5): either can corrupt it, losing its 256 ETH
	// allocation for a profit of 300 ETH; the analysis breaks the tie
	// towards the first operator, op-a (the one that does attack).
	if w := rsum.WorstAttack; w == nil || w.Epoch != 0 || !slices.Equal(w.Operators, []string{"op-a"}) || !slices.Equal(w.Services, []string{"oracle"}) ||
		w.CostGwei != alloc(25, 100) || w.ProfitGwei != 300*gweiPerETH {
		t.Errorf("worst attack %+v", rsum.WorstAttack)
	}

	// avs.csv: two rows per epoch. At the end the oracle is backed by
	// op-b's 256 ETH (op-a was deregistered and its deallocation is past
	// the delay); corrupting it needs 128, so op-b's 256 ETH, for a profit
	// of 300: insecure. The bridge is backed by op-a's 76.8 and op-b's
	// 256 ETH; corrupting it needs 166.4 ETH, so op-b (op-a's 76.8 is too
	// little), 256 ETH for 100 — in no valid attack, even with the oracle
	// (100 - 256 + 44 < 0): secure.
	recs := readCSVFile(t, filepath.Join(dir, "avs.csv"))
	if len(recs) != 1+2*epochs {
		t.Fatalf("avs.csv has %d lines, want %d", len(recs), 1+2*epochs)
	}
	bridgeA := alloc(10, 100) * 672 / 896 // op-a's bridge backing after the withdrawal: 76.8 ETH
	wantEnd := [][]string{
		{fmt.Sprint(epochs - 1), "oracle", fmt.Sprint(alloc(25, 100)), fmt.Sprint(alloc(25, 100)), fmt.Sprint(300 * gweiPerETH), "0", "0"},
		{fmt.Sprint(epochs - 1), "bridge", fmt.Sprint(bridgeA + alloc(25, 100)), fmt.Sprint(alloc(25, 100)), fmt.Sprint(100 * gweiPerETH), "1", "0"},
	}
	if got := recs[len(recs)-2:]; !slices.EqualFunc(got, wantEnd, slices.Equal) {
		t.Errorf("avs.csv last epoch %v, want %v", got, wantEnd)
	}
	if r := recs[1+2*3+1]; r[1] != "bridge" || r[6] != fmt.Sprint(want[1].gwei) {
		t.Errorf("avs.csv bridge at epoch 3: %v", r)
	}
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// restakingByzYAML: a coalition of 30 of 96 validators (0.3125) and an
// honest operator of 26 validators whose whole allocation (half its
// stake, 416 ETH) a buggy AVS slashes at epoch 1: 13 validators must
// leave, and once 7 have left the coalition holds more than a third. The
// coalition goes offline once it does (after_byzantine_share).
const restakingByzYAML = `
name: t-restaking-byz
description: test
preset: minimal
seed: 7
epochs: %d
bls: off
validators:
  - name: coal
    count: 30
    withdrawal_credentials: "0x01"
    validators_per_agent: 6
    coalition: c1
    behaviours:
      - {kind: offline, after_byzantine_share: 0.3334}
  - name: solo
    count: 40
    withdrawal_credentials: "0x01"
    validators_per_agent: 8
  - name: restaked-h
    count: 26
    withdrawal_credentials: "0x01"
    validators_per_agent: 13
config:
  shard_committee_period: 0
network:
  delay:
    dist: uniform
    min_ms: 0
    max_ms: 500
restaking:
  delays: {allocation: 0, deallocation: 4, withdrawal: 4}
  avss:
    - {name: da, threshold: 0.5, profit_eth: 10, slash_fraction: 1, buggy: {epoch: 1, operators: [op-h]}}
  operators:
    - {name: op-h, groups: [restaked-h], avss: [da], magnitudes: {da: 0.5}}
`

func TestRestakingPushesByzantineShareAboveAThird(t *testing.T) {
	const epochs, coal = 16, 30
	dir, res := runRestaking(t, restakingByzYAML, epochs)
	rows := readRows(t, dir)
	if len(rows) != epochs {
		t.Fatalf("%d rows, want one per epoch", len(rows))
	}
	evs := readEvents(t, dir)
	// Every effective balance stays 32 ETH, so the share is coalition
	// validators over active validators.
	crossing := -1
	for i, r := range rows {
		active := r.u(t, "active_validators")
		if want := fmtPPM(coal * 1_000_000 / active); r["byzantine_share"] != want || r["attacker_stake_share"] != want {
			t.Errorf("epoch %d: byzantine_share %s, attacker_stake_share %s, want %s (%d active)", i, r["byzantine_share"], r["attacker_stake_share"], want, active)
		}
		if crossing < 0 && 3*coal > active {
			crossing = i
		}
	}
	if crossing < 0 {
		t.Fatal("the share never went above 1/3")
	}
	// Only the slashed operator's validators left, at least 7 of them.
	for _, ev := range eventsOf(evs, sim.EventExited) {
		if g := details[sim.ExitedDetails](t, ev).Group; g != "restaked-h" {
			t.Errorf("validator of %v exited", g)
		}
	}
	if a := rows[crossing].u(t, "active_validators"); a > 96-7 || crossing == 0 || rows[crossing-1].u(t, "active_validators") < 96-6 {
		t.Errorf("crossed at epoch %d with %d active validators", crossing, a)
	}
	cr := eventsOf(evs, sim.EventByzantineShareCrossed)
	share := fmtPPM(coal * 1_000_000 / rows[crossing].u(t, "active_validators"))
	if len(cr) != 1 || cr[0].Epoch != uint64(crossing) {
		t.Fatalf("crossing events %+v, want one 1/3 up at epoch %d", cr, crossing)
	}
	if d := details[sim.ByzantineShareCrossedDetails](t, cr[0]); d.Threshold != "1/3" || d.Direction != "up" || fmt.Sprintf("%.6f", d.Share) != share {
		t.Fatalf("crossing events %+v, want one 1/3 up at epoch %d", cr, crossing)
	}
	s := res.Summary
	if len(s.ByzantineCrossings) != 1 || s.ByzantineCrossings[0].Epoch != uint64(crossing) {
		t.Errorf("summary crossings %+v", s.ByzantineCrossings)
	}
	minActive := rows[len(rows)-1].u(t, "active_validators")
	if want := float64(coal*1_000_000/minActive) / 1e6; s.MaxByzantineShare != want || s.MaxByzantineShareEpoch != firstAt(t, rows, minActive) {
		t.Errorf("max byzantine share %v, want %v", s.MaxByzantineShare, want)
	}
	if minActive != 96-13 {
		t.Errorf("%d active at the end, want 83", minActive)
	}
	// The gated behaviour: online through the crossing epoch, offline
	// from the next one.
	if p := rows[crossing].u(t, "proposals"); p == 0 {
		t.Error("no proposals")
	}
	if r := rows[crossing]; r["target_participation"] < "0.95" {
		t.Errorf("epoch %d: participation %s before the gate opened", crossing, r["target_participation"])
	}
	// Participation is the timely target balance of an epoch over the
	// total active balance of the next (the epoch processing that judges
	// it, as weigh_justification_and_finalization does).
	for i := crossing + 1; i < len(rows); i++ {
		r := rows[i]
		active, next := r.u(t, "active_validators"), r.u(t, "active_validators")
		if i+1 < len(rows) {
			next = rows[i+1].u(t, "active_validators")
		}
		if max := fmtPPM((active - coal) * 1_000_000 / next); r["target_participation"] > max {
			t.Errorf("epoch %s: participation %s with the coalition offline, want <= %s", r["epoch"], r["target_participation"], max)
		}
	}
}

// TestRestakingVetoWindowQueuesSlash: with a veto window of 2 epochs the
// oracle's slash of op-a is queued at epoch 0 and executes at epoch 2 (op-a
// is still slashable: deregistered at 0, deallocation delay 2), taking the
// same 128 ETH, since the bridge's slash in between left the oracle's
// allocation unchanged (unique stake). The run on op-a waits for it.
func TestRestakingVetoWindowQueuesSlash(t *testing.T) {
	yaml := strings.Replace(restakingYAML, "slash_fraction: 0.5}", "slash_fraction: 0.5, veto_epochs: 2}", 1)
	dir, _ := runRestaking(t, yaml, 6)
	evs := readEvents(t, dir)
	q := eventsOf(evs, sim.EventRestakingSlashQueued)
	if len(q) != 1 || q[0].Epoch != 0 {
		t.Fatalf("queued slashes %+v", q)
	}
	if d := details[sim.RestakingSlashQueuedDetails](t, q[0]); d.AVS != "oracle" || d.ExecuteEpoch != 2 {
		t.Fatalf("queued slashes %+v", q)
	}
	var oracle []sim.Event
	for _, ev := range eventsOf(evs, sim.EventRestakingSlashed) {
		if details[sim.RestakingSlashedDetails](t, ev).AVS == "oracle" {
			oracle = append(oracle, ev)
		}
	}
	if len(oracle) != 1 || oracle[0].Epoch != 2 || details[sim.RestakingSlashedDetails](t, oracle[0]).Gwei != restakedETH*gweiPerETH/4/2 {
		t.Fatalf("oracle slashes %+v", oracle)
	}
	w := eventsOf(evs, sim.EventStakerWithdrawalQueued)
	if len(w) != 1 || w[0].Epoch != 2 {
		t.Fatalf("withdrawals queued %+v, want one at epoch 2 (5%% lost before, 17.5%% after)", w)
	}
}

// firstAt is the first epoch whose row has active validators.
func firstAt(t *testing.T, rows []row, active uint64) uint64 {
	for i, r := range rows {
		if r.u(t, "active_validators") == active {
			return uint64(i)
		}
	}
	return ^uint64(0)
}

func fmtPPM(p uint64) string { return fmt.Sprintf("%d.%06d", p/1_000_000, p%1_000_000) }

// TestRestakingDeterministicAcrossGOMAXPROCS: a restaking run gives
// byte-identical outputs, avs.csv included, at GOMAXPROCS 1 and 2.
func TestRestakingDeterministicAcrossGOMAXPROCS(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	for name, yaml := range map[string]string{"restaking": restakingYAML, "byzantine": restakingByzYAML} {
		runtime.GOMAXPROCS(1)
		d1, _ := runRestaking(t, yaml, 12)
		runtime.GOMAXPROCS(max(2, prev))
		d2, _ := runRestaking(t, yaml, 12)
		for _, f := range []string{"epochs.csv", "events.jsonl", "summary.json", "avs.csv"} {
			a, err1 := os.ReadFile(filepath.Join(d1, f))
			b, err2 := os.ReadFile(filepath.Join(d2, f))
			if err := errors.Join(err1, err2); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Errorf("%s: %s differs between GOMAXPROCS=1 and %d", name, f, max(2, prev))
			}
		}
	}
}

// TestRestakingColumnsWithoutRestaking: a scenario without a restaking
// block has the restaking columns at 0, byzantine_share equal to
// attacker_stake_share, no avs.csv and a null restaking summary.
func TestRestakingColumnsWithoutRestaking(t *testing.T) {
	dir, res := runScenario(t, "baseline", 3, "off", "validators=64")
	for _, r := range readRows(t, dir) {
		for _, k := range []string{"restaked_gwei", "avs_compromised", "operators_slashed", "restaking_slashed_gwei", "pending_withdrawals_gwei"} {
			if r[k] != "0" {
				t.Errorf("epoch %s: %s = %q", r["epoch"], k, r[k])
			}
		}
		if r["byzantine_share"] != r["attacker_stake_share"] || r["byzantine_share"] != "0.000000" {
			t.Errorf("epoch %s: byzantine_share %q attacker_stake_share %q", r["epoch"], r["byzantine_share"], r["attacker_stake_share"])
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "avs.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("avs.csv without restaking (stat: %v)", err)
	}
	if s := res.Summary; s.Restaking != nil || len(s.ByzantineCrossings) != 0 || s.MaxByzantineShare != 0 {
		t.Errorf("summary: restaking %+v, crossings %v, max share %v", s.Restaking, s.ByzantineCrossings, s.MaxByzantineShare)
	}
}

// TestRestakingRationalAttackers: with the oracle worth exactly what the
// attack would cost op-a (0.5 of its 256 ETH allocation = 128 ETH), the
// attack does not pay (a valid attack needs profit > cost): op-a answers
// correctly, nothing is compromised and op-a is never slashed.
func TestRestakingRationalAttackers(t *testing.T) {
	yaml := strings.Replace(restakingYAML, "profit_eth: 300", "profit_eth: 128", 1)
	if yaml == restakingYAML {
		t.Fatal("test scenario did not change")
	}
	dir, res := runRestaking(t, yaml, 6)
	evs := readEvents(t, dir)
	if c := eventsOf(evs, sim.EventAVSCompromised); len(c) != 0 {
		t.Errorf("compromised with profit = cost: %+v", c)
	}
	for _, ev := range eventsOf(evs, sim.EventRestakingSlashed) {
		if details[sim.RestakingSlashedDetails](t, ev).Operator == "op-a" {
			t.Errorf("op-a slashed although its attack would not pay: %+v", ev)
		}
	}
	if r := res.Summary.Restaking; r == nil || r.AVSCompromised != 0 || r.ProfitFromCorruptionRealizedGwei != 0 {
		t.Errorf("restaking summary %+v", res.Summary.Restaking)
	}
}

// TestRestakingAllocationPolicyNames: the engine hands the scenario's
// allocation policy to agents.RestakingOperatorAgent as it is, so the two
// packages must spell the policies alike.
func TestRestakingAllocationPolicyNames(t *testing.T) {
	for _, p := range [][2]string{
		{scenarios.AllocationEven, agents.AllocationEven},
		{scenarios.AllocationConservative, agents.AllocationConservative},
		{scenarios.AllocationYield, agents.AllocationYield},
	} {
		if p[0] != p[1] {
			t.Errorf("scenario policy %q is %q in package agents", p[0], p[1])
		}
	}
}
