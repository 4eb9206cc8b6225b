package sim

import (
	"context"
	"crypto/sha256"
	"testing"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
	"github.com/stakesim/stakesim/scenarios"
)

// rowSink keeps the epoch rows of a run.
type rowSink struct{ rows []EpochRow }

func (s *rowSink) Epoch(r EpochRow) error { s.rows = append(s.rows, r); return nil }
func (s *rowSink) Event(Event) error      { return nil }

// runToHead runs a built-in at its default params with the given BLS mode
// and returns its epoch rows and the post-state of the main view's head.
func runToHead(t *testing.T, name, bls string) ([]EpochRow, *consensus.State) {
	t.Helper()
	sc, err := scenarios.Load(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.SetBLS(bls); err != nil {
		t.Fatal(err)
	}
	sink := &rowSink{}
	e, err := New(sc, sink, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	defer e.Stop()
	for ep := uint64(0); ep <= sc.Epochs; ep++ {
		if err := e.RunEpoch(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	st, err := e.chain.postState(e.chain.blocks[e.views[e.mainView].store.Head()])
	if err != nil {
		t.Fatal(err)
	}
	return sink.rows, st
}

// exitEpochsByHand is the exit epoch of the k-th of n 32-ETH exits
// included at epoch `at` in a registry of 256 × 32 ETH, worked by hand
// from compute_exit_epoch_and_update_churn (Electra):
//
//	total active = 256 × 32 = 8192 ETH
//	get_balance_churn_limit = max(MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA 64 ETH, 8192 // 32 = 256 ETH) = 256 ETH
//	get_activation_exit_churn_limit = min(MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT 128 ETH, 256) = 128 ETH
//	first exit: compute_activation_exit_epoch(at) = at + 1 + 4 > genesis earliest 6
//	each epoch's 128 ETH takes four 32-ETH exits, so exit k (from 0) lands
//	on at + 5 + k // 4.
//
// The returned slice counts exits per exit epoch.
func exitEpochsByHand(at consensus.Epoch, n int) map[consensus.Epoch]int {
	out := map[consensus.Epoch]int{}
	for k := range n {
		out[at+5+consensus.Epoch(k/4)]++
	}
	return out
}

// TestVoluntaryExitScenario: voluntary-exit at its defaults (192 stayers,
// 64 leavers of which the 32 lowest-indexed, 192..223, sign exits at epoch
// 4; SHARD_COMMITTEE_PERIOD 4): the 32 exits are included in epoch 4's
// blocks (two blocks' worth), land on epochs 9..16, four per epoch
// (exitEpochsByHand), are withdrawable 256 epochs later, and the exit queue
// at the end of epoch 4 is 16 - 5 = 11 epochs. Nobody else exits.
func TestVoluntaryExitScenario(t *testing.T) {
	rows, st := runToHead(t, "voluntary-exit", "aggregate")
	var exits, changes uint64
	for _, r := range rows {
		exits += r.VoluntaryExits
		changes += r.BLSChanges
		if r.Epoch == 4 && (r.VoluntaryExits != 32 || r.ExitQueueEpochs != 11) {
			t.Errorf("epoch 4: %d voluntary exits, exit queue %d epochs; want 32 and 11", r.VoluntaryExits, r.ExitQueueEpochs)
		}
	}
	if exits != 32 || changes != 0 {
		t.Errorf("voluntary_exits sum %d, bls_changes sum %d; want 32 and 0", exits, changes)
	}
	got := map[consensus.Epoch]int{}
	for i, v := range st.Validators {
		leaving := i >= 192 && i < 224
		if (v.ExitEpoch != consensus.FarFutureEpoch) != leaving {
			t.Fatalf("validator %d: exit epoch %d (leaving: %v)", i, v.ExitEpoch, leaving)
		}
		if leaving {
			got[v.ExitEpoch]++
			if v.WithdrawableEpoch != v.ExitEpoch+256 {
				t.Errorf("validator %d: withdrawable %d, exit %d + 256", i, v.WithdrawableEpoch, v.ExitEpoch)
			}
		}
	}
	checkExitEpochs(t, got, exitEpochsByHand(4, 32))
}

func checkExitEpochs(t *testing.T, got, want map[consensus.Epoch]int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("exit epochs %v, want %v", got, want)
	}
	for ep, n := range want {
		if got[ep] != n {
			t.Fatalf("exit epochs %v, want %v", got, want)
		}
	}
}

// TestBLSChangeExitScenario: bls-change-exit at its defaults, with real
// signatures (aggregate mode signs exits and changes as full mode does).
// 224 stayers (0x01), then "converting" (224..239) and "locked" (240..255),
// both 0x00. converting's 16 changes are in epoch 2's blocks and give each
// validator 0x01 || 11 zero bytes || address, the address being group 1
// and member m as little-endian uint32s (written out here); locked keeps
// 0x00 || SHA-256(withdrawal pubkey)[1:]. The 32 exits signed at epoch 4
// land on epochs 9..16, four per epoch; with
// MIN_VALIDATOR_WITHDRAWABILITY_DELAY 4 every one is withdrawable by epoch
// 20. By the end (epoch 27) the sweep has paid every converted validator's
// whole balance (0 left), while every locked validator still holds more
// than its 32 ETH (it earned rewards until it exited, and nothing can be
// withdrawn from 0x00 credentials).
func TestBLSChangeExitScenario(t *testing.T) {
	rows, st := runToHead(t, "bls-change-exit", "aggregate")
	var exits, changes uint64
	for _, r := range rows {
		exits += r.VoluntaryExits
		changes += r.BLSChanges
		if r.Epoch == 2 && r.BLSChanges != 16 {
			t.Errorf("epoch 2: %d BLS changes, want 16", r.BLSChanges)
		}
	}
	if exits != 32 || changes != 16 {
		t.Errorf("voluntary_exits sum %d, bls_changes sum %d; want 32 and 16", exits, changes)
	}
	got := map[consensus.Epoch]int{}
	for i := 224; i < 256; i++ {
		v := st.Validators[i]
		got[v.ExitEpoch]++
		if v.WithdrawableEpoch != v.ExitEpoch+4 {
			t.Errorf("validator %d: withdrawable %d, exit %d + 4", i, v.WithdrawableEpoch, v.ExitEpoch)
		}
		if i < 240 {
			var want consensus.Root
			want[0], want[12], want[16] = 0x01, 1, byte(i-224)
			if v.WithdrawalCredentials != want {
				t.Errorf("converted validator %d: credentials %x, want %x", i, v.WithdrawalCredentials, want)
			}
			if st.Balances[i] != 0 {
				t.Errorf("converted validator %d: balance %d after its withdrawable epoch %d, want 0", i, st.Balances[i], v.WithdrawableEpoch)
			}
			continue
		}
		pk := crypto.DeriveWithdrawalKey(1, uint64(i)).PublicKey().Bytes()
		want := consensus.Root(sha256.Sum256(pk[:]))
		want[0] = 0x00
		if v.WithdrawalCredentials != want {
			t.Errorf("locked validator %d: credentials %x, want %x", i, v.WithdrawalCredentials, want)
		}
		if st.Balances[i] <= 32_000_000_000 {
			t.Errorf("locked validator %d: balance %d, want it kept (above 32 ETH)", i, st.Balances[i])
		}
	}
	checkExitEpochs(t, got, exitEpochsByHand(4, 32))
	for i := range 224 {
		if st.Validators[i].ExitEpoch != consensus.FarFutureEpoch {
			t.Errorf("stayer %d exits", i)
		}
	}
}
