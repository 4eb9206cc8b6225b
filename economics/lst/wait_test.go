package lst

import (
	"testing"

	"github.com/stakesim/stakesim/consensus"
)

// TestMainnetWithdrawalWait: a 100,000-ETH request at 34M ETH staked on
// the mainnet preset, worked by hand:
//
//   - churn: get_balance_churn_limit = max(128 ETH, 34,000,000 / 65,536
//     = 518.8 → 518 ETH) = 518 ETH; get_activation_exit_churn_limit =
//     min(256 ETH, 518) = 256 ETH an epoch: eight 32-ETH exits;
//   - 100,000 / 32 = 3,125 validators → ceil(3,125 / 8) = 391 epochs of
//     churn, the first exit 1 + MAX_SEED_LOOKAHEAD = 5 epochs ahead;
//   - MIN_VALIDATOR_WITHDRAWABILITY_DELAY = 256 epochs: the chain part is
//     5 + 391 + 256 = 652 epochs (2.9 days of 384 s);
//   - sweep: 34,000,000 / 32 = 1,062,500 validators, 16 withdrawals a slot
//     → 66,407 slots = 2,076 epochs a cycle (9.2 days);
//   - Lido's frame of 225 epochs before the exits are asked and after the
//     ether arrives: mean 652 + 1,038 + 225 = 1,915 epochs (8.5 days),
//     worst 652 + 2,076 + 450 = 3,178 epochs (14.1 days).
func TestMainnetWithdrawalWait(t *testing.T) {
	cfg := consensus.Mainnet()
	w := EstimateWithdrawalWait(&cfg, DefaultParams(), 34_000_000*GweiPerETH, 100_000*GweiPerETH, 1_062_500)
	want := WaitEstimate{ChurnGwei: 256 * GweiPerETH, ExitValidators: 3125, Lookahead: 5, ExitChurnEpochs: 391,
		Withdrawability: 256, SweepCycleEpochs: 2076, ReportEpochs: 225}
	if w != want {
		t.Fatalf("got %+v\nwant %+v", w, want)
	}
	if w.Chain() != 652 || w.Mean() != 1915 || w.Worst() != 3178 {
		t.Fatalf("chain %d mean %d worst %d", w.Chain(), w.Mean(), w.Worst())
	}
	t.Logf("100,000 ETH at 34M ETH staked: churn %d Gwei/epoch, %d exits, %d+%d+%d = %d epochs on chain, sweep cycle %d, mean %d, worst %d",
		w.ChurnGwei, w.ExitValidators, w.Lookahead, w.ExitChurnEpochs, w.Withdrawability, w.Chain(), w.SweepCycleEpochs, w.Mean(), w.Worst())
}
