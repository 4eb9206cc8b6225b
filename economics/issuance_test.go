package economics

import (
	"math"
	"testing"

	"github.com/stakesim/stakesim/consensus"
)

// TestIdealEpochIssuanceByHand checks the formula against numbers worked out
// by hand from the spec text for 1,024 validators of 32 ETH (minimal preset).
func TestIdealEpochIssuanceByHand(t *testing.T) {
	cfg := consensus.Minimal()
	// total = 1024 * 32e9 = 32,768e9 Gwei; isqrt(32,768,000,000,000) = 5,724,334
	// (5,724,334^2 = 32,767,999,741,556 <= total < 5,724,335^2).
	// per increment = 1e9 * 64 // 5,724,334 = 11,180; base reward = 32 * 11,180 = 357,760.
	// flags: 357,760*14//64 = 78,260; *26//64 = 145,340; *14//64 = 78,260 -> 301,860 each.
	// proposers: 8 slots, each block carrying one on-chain aggregate of the
	// previous slot's 4 committees of 32 (EIP-7549), floored once:
	// 128 * 357,760 * 54 // 448 = 2,472,837,120 // 448 = 5,519,725 each
	// (448 * 5,519,725 = 2,472,836,800). Per committee, as before Electra,
	// it was 4 * 1,379,931 = 5,519,724.
	want := consensus.Gwei(1024*301_860 + 8*5_519_725)
	if got := IdealEpochIssuance(&cfg, 1024, 32_000_000_000); got != want {
		t.Fatalf("IdealEpochIssuance = %d, want %d", got, want)
	}
}

// TestIdealEpochSyncIssuanceByHand: the same registry's full sync
// participation, worked by hand from process_sync_aggregate.
func TestIdealEpochSyncIssuanceByHand(t *testing.T) {
	cfg := consensus.Minimal()
	// per increment 11,180 (above); total base rewards = 11,180 * 32,768 =
	// 366,346,240; max participant rewards = 366,346,240 * 2 // 64 // 8 =
	// 1,431,040; participant_reward = 1,431,040 // 32 = 44,720;
	// proposer_reward = 44,720 * 8 // 56 = 6,388. Per epoch: 8 blocks of
	// 32 seats, each paying both.
	want := consensus.Gwei(8 * 32 * (44_720 + 6_388))
	if got := IdealEpochSyncIssuance(&cfg, 1024, 32_000_000_000); got != want {
		t.Fatalf("IdealEpochSyncIssuance = %d, want %d", got, want)
	}
	if IdealEpochSyncIssuance(&cfg, 0, 32_000_000_000) != 0 {
		t.Fatal("no validators, some issuance")
	}
}

// TestAnnualisedPercentMainnetOrder: about 1M validators of 32 ETH earn the
// familiar ~2.8% a year from attestations and proposals (sync excluded).
func TestAnnualisedPercentMainnetOrder(t *testing.T) {
	cfg := consensus.Mainnet()
	n := uint64(1_000_000)
	per := IdealEpochIssuance(&cfg, n, 32_000_000_000)
	apr := AnnualisedPercent(&cfg, per, consensus.Gwei(n*32_000_000_000))
	// 64/sqrt(32e15) per increment-Gwei, times 62/64 of the weights, times
	// 82,181 epochs a year: 2.0% .. 3.5% bounds the spec value (about 2.8%).
	base := 64 / math.Sqrt(32e15) * (54.0/64 + 54.0/448) * 365.25 * 86400 / 384 * 100
	if math.Abs(apr-base) > 0.01*base {
		t.Fatalf("APR %.4f%%, independent float estimate %.4f%%", apr, base)
	}
	if apr < 2.0 || apr > 3.5 {
		t.Fatalf("APR %.3f%% outside the expected range", apr)
	}
}
