package sim_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// writeScenario writes a scenario file for runScenario (which takes paths too).
func writeScenario(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "scenario.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const eth = 1_000_000_000

// consolidationYAML: one operator with 64 validators consolidating into
// 512-ETH targets (4 targets of 16), 128 solo stakers. Overrides make it
// short: no shard-committee wait, an 8-epoch withdrawability delay, and an
// activation/exit churn of 64 ETH, which leaves 192 - 64 = 128 ETH per epoch
// of consolidation churn at 6,144 ETH staked.
const consolidationYAML = `
name: t-consolidation
description: test
preset: minimal
seed: 3
epochs: 40
bls: off
params:
  - name: limit
    default: 262144
    doc: PENDING_CONSOLIDATIONS_LIMIT
    min: 1
    max: 262144
validators:
  - name: operator
    count: 64
    balance_eth: 32
    withdrawal_credentials: "0x01"
    validators_per_agent: 8
    operator:
      policy: consolidate
      target_eth: 512
      from_epoch: 2
    behaviours:
      - kind: honest
  - name: solo
    count: 128
    balance_eth: 32
    withdrawal_credentials: "0x01"
    validators_per_agent: 8
    behaviours:
      - kind: honest
config:
  shard_committee_period: 0
  min_validator_withdrawability_delay: 8
  max_per_epoch_activation_exit_churn_limit_gwei: 64000000000
  pending_consolidations_limit: "${limit}"
network:
  delay:
    dist: uniform
    min_ms: 0
    max_ms: 500
`

func TestConsolidationCompletes(t *testing.T) {
	dir, res := runScenario(t, writeScenario(t, consolidationYAML), 0, "")
	s := res.Summary
	const sources = 64 - 4 // four targets of 16 validators
	if s.ValidatorsAtStart != 192 || s.ValidatorsAtEnd != 192-sources {
		t.Fatalf("validators start %d end %d, want 192 and %d", s.ValidatorsAtStart, s.ValidatorsAtEnd, 192-sources)
	}
	if s.ConsolidationsAccepted != sources || s.ConsolidationsCompleted != sources {
		t.Fatalf("accepted %d completed %d, want %d", s.ConsolidationsAccepted, s.ConsolidationsCompleted, sources)
	}
	if s.SwitchesRequested < 4 || s.ConsolidationsRequested < sources {
		t.Fatalf("requested %d switches %d", s.ConsolidationsRequested, s.SwitchesRequested)
	}
	if s.MaxEffectiveBalanceStartGwei != 32*eth || s.MaxEffectiveBalanceEndGwei != 512*eth {
		t.Fatalf("max EB %d -> %d, want 32 and 512 ETH", s.MaxEffectiveBalanceStartGwei, s.MaxEffectiveBalanceEndGwei)
	}
	if s.FirstConsolidationRequestEpoch == nil || *s.FirstConsolidationRequestEpoch != 2 || s.ConsolidationEpochs == nil {
		t.Fatalf("first request %v, epochs %v", s.FirstConsolidationRequestEpoch, s.ConsolidationEpochs)
	}
	if s.SignaturesPerEpochEnd >= s.SignaturesPerEpochStart || s.SignaturesPerEpochStart != 192 {
		t.Fatalf("signatures per epoch %d -> %d", s.SignaturesPerEpochStart, s.SignaturesPerEpochEnd)
	}
	rows := readRows(t, dir)
	var moved uint64
	for _, r := range rows {
		moved += r.u(t, "consolidated_gwei")
	}
	// Every source moves min(balance, effective balance) = 32 ETH: it
	// earned rewards above 32 ETH, but its effective balance stays 32.
	if moved != sources*32*eth {
		t.Fatalf("consolidated %d Gwei, want %d", moved, uint64(sources*32*eth))
	}
	last := rows[len(rows)-1]
	if last.u(t, "compounding_validators") != 4 || last.u(t, "pending_consolidations") != 0 {
		t.Fatalf("last row: compounding %s, pending %s", last["compounding_validators"], last["pending_consolidations"])
	}
	// Exits per epoch respect the churn: the exited count rises by at most
	// consolidation_churn / 32 ETH (+1 for the carried-over balance).
	for i := 1; i < len(rows); i++ {
		d := rows[i].u(t, "exited_validators") - rows[i-1].u(t, "exited_validators")
		if lim := rows[i].u(t, "consolidation_churn_gwei")/(32*eth) + 1; d > lim+1 {
			t.Fatalf("epoch %s: %d exits, churn allows about %d", rows[i]["epoch"], d, lim)
		}
	}
}

// With a pending-consolidations limit of 8 the operator waits for room: the
// queue never exceeds the limit and everything still completes.
func TestConsolidationWaitsForQueueRoom(t *testing.T) {
	dir, res := runScenario(t, writeScenario(t, consolidationYAML), 150, "", "limit=8")
	peak := uint64(0)
	for _, r := range readRows(t, dir) {
		peak = max(peak, r.u(t, "pending_consolidations"))
	}
	if peak != 8 {
		t.Fatalf("peak pending consolidations %d, want the limit 8", peak)
	}
	if s := res.Summary; s.ConsolidationsCompleted != 60 || s.ConsolidationsAccepted != 60 {
		t.Fatalf("completed %d accepted %d, want 60", s.ConsolidationsCompleted, s.ConsolidationsAccepted)
	}
}

// exitQueueYAML: 32 full exits and 32 deposits at epoch 2, at 5,120 ETH
// staked: the activation/exit churn is min(128, max(64, 5120/32)) = 128 ETH,
// four 32-ETH validators per epoch.
const exitQueueYAML = `
name: t-exit-queue
description: test
preset: minimal
seed: 5
epochs: 40
bls: full
validators:
  - name: exiting
    count: 64
    balance_eth: 32
    withdrawal_credentials: "0x01"
    validators_per_agent: 8
    requests:
      - kind: exit
        epoch: 2
        count: 32
    behaviours:
      - kind: honest
  - name: entering
    count: 32
    balance_eth: 32
    withdrawal_credentials: "0x02"
    validators_per_agent: 8
    requests:
      - kind: deposit
        epoch: 2
        count: 32
        amount_eth: 32
    behaviours:
      - kind: honest
  - name: solo
    count: 64
    balance_eth: 32
    withdrawal_credentials: "0x01"
    validators_per_agent: 8
    behaviours:
      - kind: honest
config:
  shard_committee_period: 0
network:
  delay:
    dist: uniform
    min_ms: 0
    max_ms: 500
`

func TestExitQueueAndDeposits(t *testing.T) {
	dir, res := runScenario(t, writeScenario(t, exitQueueYAML), 0, "")
	rows := readRows(t, dir)
	// Exits requested in epoch 2: the first takes effect at
	// compute_activation_exit_epoch(2) = 2 + 1 + 4 = 7 and each epoch from
	// there takes 128 ETH = 4 exits, so the 32nd exits in epoch 7 + 7 = 14.
	// Seen from the state after epoch 2 (current epoch 3) the queue reaches
	// 14 - 3 = 11 epochs ahead.
	var peak uint64
	for _, r := range rows {
		peak = max(peak, r.u(t, "exit_queue_epochs"))
	}
	if peak != 11 {
		t.Fatalf("peak exit_queue_epochs %d, want 11", peak)
	}
	for i := 1; i < len(rows); i++ {
		if d := rows[i].u(t, "exited_validators") - rows[i-1].u(t, "exited_validators"); d > 4 {
			t.Fatalf("epoch %s: %d exits, the churn allows 4", rows[i]["epoch"], d)
		}
		if p, q := rows[i-1].u(t, "pending_deposits"), rows[i].u(t, "pending_deposits"); q+4 < p {
			t.Fatalf("epoch %s: %d deposits applied, the churn allows 4", rows[i]["epoch"], p-q)
		}
	}
	s := res.Summary
	if s.ExitRequestsApplied != 32 || s.DepositRequests != 32 {
		t.Fatalf("exits %d deposits %d, want 32 and 32", s.ExitRequestsApplied, s.DepositRequests)
	}
	last := rows[len(rows)-1]
	if last.u(t, "exited_validators") != 32 || s.ValidatorsAtEnd != 160 || s.Validators != 192 {
		t.Fatalf("exited %s, active at end %d, registry %d; want 32, 160, 192", last["exited_validators"], s.ValidatorsAtEnd, s.Validators)
	}
	// The new validators joined the depositing group and attest: their
	// group ends with 64 validators and more than 64 x 32 ETH.
	for _, g := range s.Groups {
		if g.Name == "entering" && (g.Validators != 64 || g.EndBalanceGwei <= 64*32*eth) {
			t.Fatalf("entering group: %+v", g)
		}
	}
	if last.u(t, "compounding_validators") != 64 {
		t.Fatalf("compounding validators %s, want 64 (the 0x02 group and its deposits)", last["compounding_validators"])
	}
}

// slashingYAML: 512 ETH as 16 x 32-ETH validators and as one 512-ETH
// compounding validator, both double voting in epoch 3. The overrides make
// the correlation penalty apply within the run: withdrawable = max(exit + 8,
// slash epoch + 32), penalised 16 epochs before that.
const slashingYAML = `
name: t-slashing
description: test
preset: minimal
seed: 7
epochs: 40
bls: aggregate
validators:
  - name: honest
    count: 128
    balance_eth: 32
    withdrawal_credentials: "0x01"
    validators_per_agent: 8
    behaviours:
      - kind: honest
  - name: small
    count: 16
    balance_eth: 32
    withdrawal_credentials: "0x01"
    validators_per_agent: 8
    behaviours:
      - kind: double-vote
        from_epoch: 3
        to_epoch: 4
  - name: big
    count: 1
    balance_eth: 512
    withdrawal_credentials: "0x02"
    behaviours:
      - kind: double-vote
        from_epoch: 3
        to_epoch: 4
config:
  min_validator_withdrawability_delay: 8
  epochs_per_slashings_vector: 32
network:
  delay:
    dist: uniform
    min_ms: 0
    max_ms: 500
`

func TestSlashingPenaltiesPerETH(t *testing.T) {
	_, res := runScenario(t, writeScenario(t, slashingYAML), 0, "")
	byName := map[string]int{}
	for i, g := range res.Summary.Groups {
		byName[g.Name] = i
	}
	small, big := res.Summary.Groups[byName["small"]], res.Summary.Groups[byName["big"]]
	if small.Slashed != 16 || big.Slashed != 1 || res.Summary.Groups[byName["honest"]].Slashed != 0 {
		t.Fatalf("slashed: small %d big %d", small.Slashed, big.Slashed)
	}
	if small.SlashedEffectiveBalanceGwei != 512*eth || big.SlashedEffectiveBalanceGwei != 512*eth {
		t.Fatalf("slashed effective balance: small %d big %d", small.SlashedEffectiveBalanceGwei, big.SlashedEffectiveBalanceGwei)
	}
	// slash_validator: effective_balance // 4096 each; per ETH 1e9/4096.
	if small.InitialPenaltyGwei != 16*(32*eth/4096) || big.InitialPenaltyGwei != 512*eth/4096 {
		t.Fatalf("initial penalties: small %d big %d", small.InitialPenaltyGwei, big.InitialPenaltyGwei)
	}
	if *small.InitialPenaltyGweiPerETH != 244140.625 || *big.InitialPenaltyGweiPerETH != 244140.625 {
		t.Fatalf("initial per ETH: %v %v", *small.InitialPenaltyGweiPerETH, *big.InitialPenaltyGweiPerETH)
	}
	// process_slashings: penalty_per_increment * effective_balance // increment,
	// the same per-increment figure for everyone penalised in one epoch.
	// Effective balances may have dropped by an increment between slashing
	// and penalty (a slashed validator earns nothing), so allow 1/31.
	cs, cb := *small.CorrelationPenaltyGweiPerETH, *big.CorrelationPenaltyGweiPerETH
	if cs <= 0 || cb <= 0 {
		t.Fatalf("no correlation penalty: %v %v", cs, cb)
	}
	if d := (cs - cb) / cb; d > 1.0/31 || d < -1.0/31 {
		t.Fatalf("correlation penalty per ETH differs: small %v big %v", cs, cb)
	}
}

func TestLifecycleDeterministicAcrossGOMAXPROCS(t *testing.T) {
	path := writeScenario(t, exitQueueYAML)
	old := runtime.GOMAXPROCS(1)
	d1, _ := runScenario(t, path, 12, "full")
	runtime.GOMAXPROCS(2)
	d2, _ := runScenario(t, path, 12, "full")
	runtime.GOMAXPROCS(old)
	a, b := readOutputs(t, d1), readOutputs(t, d2)
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Fatalf("%s differs between GOMAXPROCS 1 and 2", name)
		}
	}
	// The BLS mode changes no consensus outcome: epochs.csv is the same
	// with BLS off (synthetic keys) as with real signatures.
	d3, _ := runScenario(t, path, 12, "off")
	c := readOutputs(t, d3)
	if !bytes.Equal(a["epochs.csv"], c["epochs.csv"]) {
		t.Fatal("epochs.csv differs between BLS full and off")
	}
	if !strings.Contains(string(a["epochs.csv"]), "exit_queue_epochs") {
		t.Fatal("epochs.csv lacks the lifecycle columns")
	}
}

// With gossip_verification: main every single attestation of a reported
// epoch is verified once: 64 validators x 4 epochs.
func TestGossipVerificationCountsEveryVote(t *testing.T) {
	const yaml = `
name: t-gossip
description: test
preset: minimal
seed: 2
epochs: 4
bls: full
gossip_verification: main
validators:
  - name: honest
    count: 64
    validators_per_agent: 8
network:
  delay:
    dist: fixed
    ms: 100
`
	_, res := runScenario(t, writeScenario(t, yaml), 0, "")
	if got := res.Summary.GossipSignaturesVerified; got != 64*4 {
		t.Fatalf("gossip signatures verified %d, want %d", got, 64*4)
	}
	if res.Summary.VerifyFailures != 0 {
		t.Fatalf("%d verify failures", res.Summary.VerifyFailures)
	}
}
