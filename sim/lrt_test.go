package sim_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/stakesim/stakesim/sim"
)

// TestLRTRateDropAtTheSlash: with the slash at epoch 0, nothing has moved
// the LRT's books yet: ezeth holds 24 validators (768 ETH) delegated
// equally, 256 ETH to each of op-a, op-b and op-c, at a rate of exactly 1.
// op-b allocates all of its stake (magnitude 1) to the AVS, which slashes
// 0.3 of it: the ledger takes 0.3 × 256 = 76.8 ETH of ezeth's stake with
// op-b, and the rate falls by op-b's share of the delegation (256/768 =
// 1/3) times the slash fraction (0.3): 1 − 0.1 = 0.9, 691.2 ETH over 768
// ETH of tokens.
func TestLRTRateDropAtTheSlash(t *testing.T) {
	dir, res := runScenario(t, "lrt-avs-slash", 12, "off", "slash_epoch=0")
	fell := eventsOf(readEvents(t, dir), sim.EventLRTRateFell)
	if len(fell) != 1 {
		t.Fatalf("%d lrt_rate_fell events, want 1", len(fell))
	}
	d := details[sim.LRTRateFellDetails](t, fell[0])
	if fell[0].Epoch != 0 || d.RateBefore != "1.000000000000000000" || d.RateAfter != "0.900000000000000000" ||
		d.LossGwei != 76_800_000_000 || d.PooledGwei != 691_200_000_000 {
		t.Errorf("rate fell at epoch %d: %+v, want 1 → 0.9, 76.8 ETH lost, 691.2 ETH left", fell[0].Epoch, d)
	}
	if s := res.Summary.LiquidStaking[0]; s.Kind != "lrt" || s.SocialisedLossGwei != 76_800_000_000 || s.TotalFeesGwei != 0 {
		t.Errorf("summary %+v", s)
	}
}

// TestLRTAVSSlashFigures: lrt-avs-slash at its defaults (slash at epoch 4,
// fraction 0.3, escrow 8 epochs, withdrawability delay 16), worked by
// hand from the scenario and the spec:
//
//   - rate: op-b holds a third of ezeth's stake (256 ETH plus the few
//     Gwei of rewards credited to each operator by then), so the rate falls
//     by 0.3/3: its ratio after/before lies within 1e-4 of 0.9;
//   - the 8 nervous holders (a third of the 768 ETH of tokens) request
//     everything at epoch 4, worth 0.9 × 256 = 230.4 ETH: the protocol
//     pulls it from the delegations toward equal targets of (691.2 −
//     230.4)/3 = 153.6 ETH: 102.4 ETH each from op-a and op-c, 25.6 from
//     op-b, i.e. 4 + 1 + 4 = 9 validators to exit;
//   - escrow: the ledger withdrawals queued at 4 stay slashable through
//     4 + 8 = 12 and complete at 13, where the protocol asks the 9 exits
//     (one exits_requested event); they are signed for epoch 14 and
//     included in its blocks;
//   - exit queue: compute_activation_exit_epoch(14) = 14 + 1 +
//     MAX_SEED_LOOKAHEAD (4) = 19. The churn is total active balance / 32
//     (minimal CHURN_LIMIT_QUOTIENT) = 90 validators (op-b's own one was
//     forced out at epoch 10) × 32 ETH / 32 = 90 ETH an epoch (between
//     the 64-ETH floor and the 128-ETH cap): 2 exits at 19 (26 ETH of churn
//     left), 3 at 20 (26 + 90 = 116, 20 left), 3 at 21 (110, 14 left) and 1
//     at 22;
//   - withdrawability: exit + 16, so 35, 36, 37 and 38; op-c's exits are the
//     4 last (validators 80-83), and op-c's orders of 12.8 ETH each are paid
//     first in, first out: requests 1-7 need 89.6 ETH, the three validators
//     withdrawable at 37; request 8 needs the last one, at 38;
//   - sweep: 64 0x00 validators at 16 per payload take 4 blocks and the 27
//     0x01 validators, each with a skim or a full withdrawal, 4 per payload
//     take 7: a cycle is at most 11 slots, so each is withdrawn in its
//     withdrawable epoch or the next, and the books finalize at that epoch.
//
// So requests 1-7 wait 37 − 4 = 33 or 34 epochs and request 8 waits 34 or
// 35: 9 (escrow) + 1 (inclusion) + 8 (exit queue: 5 + 3 of churn) + 16
// (withdrawability) + 0 or 1 (sweep).
func TestLRTAVSSlashFigures(t *testing.T) {
	dir, res := runScenario(t, "lrt-avs-slash", 0, "off")
	evs := readEvents(t, dir)
	fell := eventsOf(evs, sim.EventLRTRateFell)
	if len(fell) != 1 || fell[0].Epoch != 4 {
		t.Fatalf("lrt_rate_fell events %v, want one at epoch 4", fell)
	}
	d := details[sim.LRTRateFellDetails](t, fell[0])
	before, _ := strconv.ParseFloat(d.RateBefore, 64)
	after, _ := strconv.ParseFloat(d.RateAfter, 64)
	if r := after / before; r < 0.9-1e-4 || r > 0.9+1e-4 {
		t.Errorf("rate %s → %s: ratio %.6f, want 0.9 (1 − 0.3/3)", d.RateBefore, d.RateAfter, r)
	}
	exits := eventsOf(evs, sim.EventExitsRequested)
	if len(exits) != 1 || exits[0].Epoch != 13 || details[sim.ExitsRequestedDetails](t, exits[0]).Validators != 9 {
		t.Fatalf("exits_requested %v, want 9 validators at epoch 13", exits)
	}
	// exited events are at the boundary before the exit epoch.
	perExitEpoch := map[uint64]int{}
	for _, ev := range eventsOf(evs, sim.EventExited) {
		if details[sim.ExitedDetails](t, ev).Group == "ezeth-nodes" {
			perExitEpoch[ev.Epoch+1]++
		}
	}
	if perExitEpoch[19] != 2 || perExitEpoch[20] != 3 || perExitEpoch[21] != 3 || perExitEpoch[22] != 1 {
		t.Errorf("exits per exit epoch %v, want 2, 3, 3, 1 at 19-22", perExitEpoch)
	}
	rows := readCSV(t, filepath.Join(dir, "withdrawals.csv"))
	if len(rows) != 8 {
		t.Fatalf("%d withdrawals, want 8", len(rows))
	}
	for i, w := range rows {
		fin, _ := strconv.ParseUint(w["finalized_epoch"], 10, 64)
		lo := uint64(37)
		if i == 7 {
			lo = 38
		}
		paid, _ := strconv.ParseUint(w["paid_gwei"], 10, 64)
		if w["requested_epoch"] != "4" || fin < lo || fin > lo+1 || paid < 28_800_000_000 || paid > 28_810_000_000 {
			t.Errorf("request %s: requested %s, finalized %d (want %d or %d), paid %d (want 32 × 0.9 ETH and the rewards since)",
				w["request_id"], w["requested_epoch"], fin, lo, lo+1, paid)
		}
	}
	s := res.Summary.LiquidStaking[0]
	if s.LargestWaitEpochs < 34 || s.LargestWaitEpochs > 35 || s.Requests != 8 || s.RequestsFinalized != 8 || s.ExitsRequested != 9 {
		t.Errorf("summary %+v", s)
	}
}

// TestLRTWithdrawalsDisabled: with withdrawals_enabled=0 the rate falls
// the same, but the nervous holders make no request: no exit, no
// withdrawal, no wait.
func TestLRTWithdrawalsDisabled(t *testing.T) {
	dir, res := runScenario(t, "lrt-avs-slash", 0, "off", "withdrawals_enabled=0")
	evs := readEvents(t, dir)
	if len(eventsOf(evs, sim.EventLRTRateFell)) != 1 || len(eventsOf(evs, sim.EventExitsRequested)) != 0 ||
		len(eventsOf(evs, sim.EventWithdrawalFinalized)) != 0 {
		t.Error("the rate should fall once, with no exit and no withdrawal")
	}
	if _, err := os.Stat(filepath.Join(dir, "withdrawals.csv")); !os.IsNotExist(err) {
		t.Errorf("withdrawals.csv written (%v)", err)
	}
	for _, row := range readCSV(t, filepath.Join(dir, "lst.csv")) {
		if row["withdrawal_requests_pending"] != "0" || row["validators_active"] != "24" || row["total_shares"] != "768000000000" {
			t.Fatalf("epoch %s: %v", row["epoch"], row)
		}
	}
	if s := res.Summary.LiquidStaking[0]; s.Requests != 0 || s.LargestWaitEpochs != 0 || s.ExitsRequested != 0 {
		t.Errorf("summary %+v", s)
	}
}

// TestLRTDeterministicAcrossGOMAXPROCS: the LRT outputs are byte-identical
// at GOMAXPROCS 1 and 2.
func TestLRTDeterministicAcrossGOMAXPROCS(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	d1, _ := runScenario(t, "lrt-avs-slash", 40, "off")
	runtime.GOMAXPROCS(max(2, prev))
	d2, _ := runScenario(t, "lrt-avs-slash", 40, "off")
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
