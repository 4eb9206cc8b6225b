package lending

import (
	"math/big"

	"github.com/stakesim/stakesim/consensus"
)

// Morpho Blue constants (libraries/ConstantsLib.sol, SharesMathLib.sol).
const (
	// MaxLiquidationIncentiveFactor is MAX_LIQUIDATION_INCENTIVE_FACTOR, 1.15.
	MaxLiquidationIncentiveFactor uint64 = 1_150_000_000_000_000_000
	// LiquidationCursor is LIQUIDATION_CURSOR, 0.3.
	LiquidationCursor uint64 = 300_000_000_000_000_000
	// VirtualShares is SharesMathLib.VIRTUAL_SHARES.
	VirtualShares uint64 = 1_000_000
	// VirtualAssets is SharesMathLib.VIRTUAL_ASSETS: 1 Gwei here (1 wei
	// on chain).
	VirtualAssets uint64 = 1
)

// IncentiveFactor is Morpho's liquidation incentive factor for a market of
// LLTV lltv (both WAD), as Morpho.liquidate computes it:
//
//	min(MAX_LIQUIDATION_INCENTIVE_FACTOR,
//	    WAD.wDivDown(WAD − LIQUIDATION_CURSOR.wMulDown(WAD − lltv)))
//
// LLTV 0.86 gives 1.043841336116910229, 0.77 gives 1.074113856068743286.
// An lltv above WAD is treated as WAD.
func IncentiveFactor(lltv uint64) uint64 {
	lltv = min(lltv, WAD)
	cut, _ := mulDiv(LiquidationCursor, WAD-lltv, WAD, false)
	f, _ := mulDiv(WAD, WAD, WAD-cut, false)
	return min(MaxLiquidationIncentiveFactor, f)
}

// Morpho supply and borrow shares start at VIRTUAL_SHARES = 1e6 per Gwei,
// so a market of more than about 18,000 ETH needs more than 64 bits; they
// are big integers, never nil in the market's books and never mutated in
// place once stored.

var (
	bigVirtualShares = bigU(VirtualShares)
	bigVirtualAssets = bigU(VirtualAssets)
)

// toShares is SharesMathLib.toSharesDown/toSharesUp:
// assets·(totalShares + VIRTUAL_SHARES)/(totalAssets + VIRTUAL_ASSETS).
func toShares(assets, totalAssets consensus.Gwei, totalShares *big.Int, up bool) *big.Int {
	num := new(big.Int).Add(totalShares, bigVirtualShares)
	den := new(big.Int).Add(bigU(uint64(totalAssets)), bigVirtualAssets)
	return bigMulDiv(bigU(uint64(assets)), num, den, up)
}

// toAssets is SharesMathLib.toAssetsDown/toAssetsUp:
// shares·(totalAssets + VIRTUAL_ASSETS)/(totalShares + VIRTUAL_SHARES).
// ok is false when the result exceeds uint64.
func toAssets(shares *big.Int, totalAssets consensus.Gwei, totalShares *big.Int, up bool) (consensus.Gwei, bool) {
	num := new(big.Int).Add(bigU(uint64(totalAssets)), bigVirtualAssets)
	den := new(big.Int).Add(totalShares, bigVirtualShares)
	q := bigMulDiv(shares, num, den, up)
	if !q.IsUint64() {
		return 0, false
	}
	return consensus.Gwei(q.Uint64()), true
}
