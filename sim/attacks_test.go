package sim_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stakesim/stakesim/sim"
)

// readEvents returns the events of a run.
func readEvents(t *testing.T, dir string) []sim.Event {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sim.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev sim.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

func countEvents(evs []sim.Event, kind string) int {
	n := 0
	for _, ev := range evs {
		if ev.Kind == kind {
			n++
		}
	}
	return n
}

// Both sides of the partition finalize conflicting checkpoints; the stake
// that made it possible double voted, is at least a third, is detected
// after the heal and slashed (with real BLS: the evidence verifies).
func TestBothSidesConflictingFinalizationIsAccountable(t *testing.T) {
	dir, res := runScenario(t, "attack-34-both-sides", 0, "full")
	s := res.Summary
	c := s.ConflictingFinalization
	if c == nil {
		t.Fatal("no conflicting finalization")
	}
	if c.Cause != "equivocation" || s.SlashableFractionAtConflict == nil || *s.SlashableFractionAtConflict < 1.0/3 {
		t.Errorf("conflict %+v, slashable fraction %v: want equivocation by at least 1/3", c, s.SlashableFractionAtConflict)
	}
	if c.BranchA == c.BranchB || c.CheckpointA == c.CheckpointB {
		t.Errorf("conflict between %s %s and %s %s", c.BranchA, c.CheckpointA, c.BranchB, c.CheckpointB)
	}
	evs := readEvents(t, dir)
	if countEvents(evs, sim.EventConflictingFinalization) != 1 {
		t.Errorf("%d conflicting_finalization events", countEvents(evs, sim.EventConflictingFinalization))
	}
	if countEvents(evs, sim.EventSlashingDetected) == 0 {
		t.Error("no slashing detected")
	}
	// Both sides were finalizing during the split (rows of branches a and b).
	fin := map[string]uint64{}
	for _, r := range readRows(t, dir) {
		if r.u(t, "epoch") == 12 {
			fin[r["branch"]] = r.u(t, "finalized_epoch")
		}
	}
	if fin["a"] < 8 || fin["b+attackers"] < 8 && fin["b"] < 8 {
		t.Errorf("finalized epochs at epoch 12 by branch: %v", fin)
	}
	var attackers, slashed uint64
	for _, g := range s.Groups {
		if g.Coalition != "" {
			attackers, slashed = g.Validators, g.Slashed
		} else if g.Slashed != 0 {
			t.Errorf("honest group %s has %d slashed validators", g.Name, g.Slashed)
		}
	}
	if slashed == 0 || s.AttackerSlashedGwei == 0 || s.WhistleblowerRewardsGwei == 0 {
		t.Errorf("coalition of %d: %d slashed, %d Gwei, whistleblowers %d Gwei", attackers, slashed, s.AttackerSlashedGwei, s.WhistleblowerRewardsGwei)
	}
	// Whistleblower rewards are EB/4096 per slashed validator (Electra).
	if want := s.AttackerSlashedGwei / 4096; s.WhistleblowerRewardsGwei < want-slashed || s.WhistleblowerRewardsGwei > want+slashed {
		t.Errorf("whistleblower rewards %d, want about %d", s.WhistleblowerRewardsGwei, want)
	}
	if s.VerifyFailures != 0 {
		t.Errorf("%d verify failures", s.VerifyFailures)
	}
	// EIP-7549: an attester slashing's indexed attestations span a slot's
	// committees, so the one slashing a block may carry covers a slot's worth
	// of the coalition. The partition heals at epoch 16; on the summary
	// branch the whole coalition is slashed within three epochs (before
	// Electra's attestation format it took until epoch 27 on this branch,
	// and 31 on the other).
	var last uint64
	n := uint64(0)
	for _, ev := range evs {
		if ev.Kind == sim.EventSlashed && ev.Branch == s.SummaryBranch {
			n++
			last = ev.Epoch
		}
	}
	if n != attackers || last > 16+3 {
		t.Errorf("summary branch %s: %d of %d coalition members slashed, the last at epoch %d; want all by epoch 19", s.SummaryBranch, n, attackers, last)
	}
}

// Below a third, the coalition cannot give either side a supermajority:
// no conflicting finalization, and nothing finalizes during the split.
func TestBothSidesBelowAThirdIsSafe(t *testing.T) {
	dir, res := runScenario(t, "attack-34-both-sides", 20, "off", "attacker_share=0.3")
	if c := res.Summary.ConflictingFinalization; c != nil {
		t.Fatalf("conflicting finalization with a 30%% coalition: %+v", c)
	}
	for _, r := range readRows(t, dir) {
		if e := r.u(t, "epoch"); e >= 6 && e < 16 && r.u(t, "finalized_epoch") > 3 {
			t.Errorf("epoch %d branch %s finalized %d during the split", e, r["branch"], r.u(t, "finalized_epoch"))
		}
	}
}

// The ex-ante reorg works without proposer boost and fails with it.
func TestExAnteReorgNeedsNoBoost(t *testing.T) {
	_, off := runScenario(t, "ex-ante-reorg", 16, "off", "proposer_boost=0")
	_, on := runScenario(t, "ex-ante-reorg", 16, "off", "proposer_boost=40")
	if off.Summary.Reorgs.Count < 5 || off.Summary.Reorgs.MaxDepth != 1 {
		t.Errorf("without boost: reorgs %+v, want several of depth 1", off.Summary.Reorgs)
	}
	if on.Summary.Reorgs.Count != 0 {
		t.Errorf("with boost: reorgs %+v, want none", on.Summary.Reorgs)
	}
}

// The balancing attack stalls justification without boost; boost ends it.
func TestBalancingNeedsNoBoost(t *testing.T) {
	dirOff, off := runScenario(t, "balancing", 16, "off", "proposer_boost=0")
	dirOn, on := runScenario(t, "balancing", 16, "off", "proposer_boost=40")
	if off.Summary.LongestFinalityGapEpochs < 5 {
		t.Errorf("without boost: longest finality gap %d", off.Summary.LongestFinalityGapEpochs)
	}
	if on.Summary.LongestFinalityGapEpochs > 3 {
		t.Errorf("with boost: longest finality gap %d", on.Summary.LongestFinalityGapEpochs)
	}
	if countEvents(readEvents(t, dirOff), sim.EventBalancingStarted) != 1 || countEvents(readEvents(t, dirOn), sim.EventBalancingEnded) != 1 {
		t.Error("balancing start/end events missing")
	}
}

// A two-thirds coalition keeps finalizing alone, orphans honest blocks and
// censors honest votes, so the honest validators lose balance.
func TestSupermajorityFinalizesAndCensors(t *testing.T) {
	dir, res := runScenario(t, "attack-67", 24, "off")
	s := res.Summary
	if s.FinalizedEpoch+3 < 24 {
		t.Errorf("finalized epoch %d at the end of 24 epochs", s.FinalizedEpoch)
	}
	if s.HonestLossGwei <= 0 || s.Reorgs.Count == 0 {
		t.Errorf("honest loss %d, reorgs %+v", s.HonestLossGwei, s.Reorgs)
	}
	for _, r := range readRows(t, dir) {
		if e := r.u(t, "epoch"); e >= 10 && r["branch"] != "main" {
			if share := r["attacker_stake_share"]; share < "0.67" {
				t.Errorf("epoch %d: attacker share %s", e, share)
			}
			if p := r["target_participation"]; p > "0.70" {
				t.Errorf("epoch %d branch %s: target participation %s, want only the coalition's", e, r["branch"], p)
			}
		}
	}
	if s.ConflictingFinalization != nil || s.SlashedValidators != 0 {
		t.Errorf("nothing slashable happened, yet: %+v, %d slashed", s.ConflictingFinalization, s.SlashedValidators)
	}
}

// Equivocating behaviours are caught by the slashers and slashed on chain.
func TestEquivocationsAreSlashed(t *testing.T) {
	for _, kind := range []string{"double-vote", "surround-vote", "double-propose"} {
		t.Run(kind, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.yaml")
			yaml := "name: eq\ndescription: x\npreset: minimal\nepochs: 12\nbls: aggregate\nvalidators:\n" +
				"  - {name: honest, count: 96, validators_per_agent: 8}\n" +
				"  - name: bad\n    count: 32\n    validators_per_agent: 8\n    coalition: bad\n    behaviours:\n" +
				"      - {kind: " + kind + ", from_epoch: 4, to_epoch: 6}\n"
			if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			dir, res := runScenario(t, path, 0, "")
			s := res.Summary
			evs := readEvents(t, dir)
			if countEvents(evs, sim.EventSlashingDetected) == 0 || s.SlashingsDetected == 0 {
				t.Fatalf("%s not detected", kind)
			}
			if s.SlashedValidators == 0 || s.VerifyFailures != 0 {
				t.Errorf("%d slashed, %d verify failures", s.SlashedValidators, s.VerifyFailures)
			}
			for _, g := range s.Groups {
				if g.Coalition == "" && g.Slashed != 0 {
					t.Errorf("honest validators slashed: %+v", g)
				}
			}
		})
	}
}

// Attack runs are as deterministic as honest ones: the coalition's
// strategies and the slashers see messages in a fixed order.
func TestAttacksDeterministicAcrossGOMAXPROCS(t *testing.T) {
	for _, name := range []string{"attack-34-both-sides", "balancing"} {
		prev := runtime.GOMAXPROCS(1)
		d1, _ := runScenario(t, name, 18, "aggregate")
		runtime.GOMAXPROCS(max(2, prev))
		d2, _ := runScenario(t, name, 18, "aggregate")
		runtime.GOMAXPROCS(prev)
		a, b := readOutputs(t, d1), readOutputs(t, d2)
		for f := range a {
			if !bytes.Equal(a[f], b[f]) {
				t.Errorf("%s: %s differs between GOMAXPROCS=1 and %d", name, f, max(2, prev))
			}
		}
	}
}

// A private chain is kept from the honest views and released when its
// window ends; a minority's private chain loses to the honest chain.
func TestPrivateChainIsReleased(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.yaml")
	yaml := "name: pc\ndescription: x\npreset: minimal\nepochs: 12\nbls: off\nvalidators:\n" +
		"  - {name: honest, count: 160, validators_per_agent: 8}\n" +
		"  - name: bad\n    count: 96\n    validators_per_agent: 8\n    coalition: bad\n    behaviours:\n" +
		"      - {kind: private-chain, from_epoch: 3, to_epoch: 6, release_to: [honest]}\n"
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	dir, res := runScenario(t, path, 0, "")
	evs := readEvents(t, dir)
	var released, withheld int
	for _, ev := range evs {
		switch ev.Kind {
		case sim.EventBlocksReleased:
			released++
			if d, _ := ev.Details.(sim.BlocksReleasedDetails); d.Blocks == 0 || ev.Epoch != 6 {
				t.Errorf("release %+v: want blocks at epoch 6", ev)
			}
		case sim.EventBlockWithheld:
			withheld++
			if ev.Epoch < 3 || ev.Epoch >= 6 {
				t.Errorf("withheld outside the window: %+v", ev)
			}
		}
	}
	if released != 1 || withheld == 0 {
		t.Errorf("%d releases, %d withheld blocks", released, withheld)
	}
	// The honest 62.5% cannot justify alone during the window; once the
	// coalition votes again on the (heavier) honest chain, finality resumes.
	if res.Summary.FinalizedEpoch+3 < 12 || res.Summary.ConflictingFinalization != nil {
		t.Errorf("finalized %d, conflict %+v", res.Summary.FinalizedEpoch, res.Summary.ConflictingFinalization)
	}
}
