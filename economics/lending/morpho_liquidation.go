package lending

import (
	"fmt"
	"math/big"

	"github.com/stakesim/stakesim/consensus"
)

// MorphoLiquidation is the outcome of Isolated.Liquidate (the contract's
// return values and its Liquidate event).
type MorphoLiquidation struct {
	Seized        consensus.Gwei // seizedAssets, collateral to the liquidator
	RepaidAssets  consensus.Gwei // paid by the liquidator
	RepaidShares  *big.Int
	BadDebtAssets consensus.Gwei // removed from total borrow and total supply
	BadDebtShares *big.Int
}

// Liquidate is Morpho.liquidate: exactly one of seizedAssets and
// repaidShares is non-zero (nil counts as zero); the position must be
// unhealthy at price. With LIF = IncentiveFactor(LLTV):
//
//	seizedAssets given: repaidShares = toSharesUp(
//	    wDivUp(mulDivUp(seizedAssets, price, ORACLE_PRICE_SCALE), LIF))
//	repaidShares given: seizedAssets = mulDivDown(
//	    wMulDown(toAssetsDown(repaidShares), LIF), ORACLE_PRICE_SCALE, price)
//	repaidAssets = toAssetsUp(repaidShares)
//
// If the borrower's collateral is then 0, its remaining borrow shares are
// bad debt: min(totalBorrowAssets, toAssetsUp(shares)) leaves both total
// borrow and total supply assets, a loss to every lender pro rata.
func (m *Isolated) Liquidate(liquidator, user string, seizedAssets consensus.Gwei, repaidShares *big.Int, price uint64) (MorphoLiquidation, error) {
	out, err := m.QuoteLiquidate(user, seizedAssets, repaidShares, price)
	if err != nil {
		return out, err
	}
	m.applyLiquidate(user, out)
	return out, nil
}

// QuoteLiquidate is Liquidate without any change.
func (m *Isolated) QuoteLiquidate(user string, seizedAssets consensus.Gwei, repaidShares *big.Int, price uint64) (MorphoLiquidation, error) {
	if repaidShares == nil {
		repaidShares = new(big.Int)
	}
	if (seizedAssets == 0) == (repaidShares.Sign() == 0) || repaidShares.Sign() < 0 || price == 0 {
		return MorphoLiquidation{}, fmt.Errorf("%w: exactly one of seizedAssets and repaidShares, and a price", ErrInvalidAmount)
	}
	b := m.borrower(user)
	if m.healthy(b, m.totalBorrowAssets, m.totalBorrowShares, price) {
		return MorphoLiquidation{}, fmt.Errorf("liquidate %s: %w", user, ErrHealthy)
	}
	out, err := m.liquidationAmounts(seizedAssets, repaidShares, price)
	if err != nil {
		return out, err
	}
	switch {
	case out.RepaidShares.Cmp(b.shares) > 0:
		return out, fmt.Errorf("liquidate %s: %w: repaid shares %s > %s", user, ErrInsufficient, out.RepaidShares, b.shares)
	case out.Seized > b.collateral:
		return out, fmt.Errorf("liquidate %s: %w: seized %d > collateral %d", user, ErrInsufficient, out.Seized, b.collateral)
	}
	m.badDebtOf(b, &out)
	return out, nil
}

// liquidationAmounts computes seized and repaid from whichever is given.
func (m *Isolated) liquidationAmounts(seized consensus.Gwei, shares *big.Int, price uint64) (MorphoLiquidation, error) {
	lif := IncentiveFactor(m.p.LLTV)
	out := MorphoLiquidation{BadDebtShares: new(big.Int)}
	if seized > 0 {
		quoted, ok1 := mulDiv(uint64(seized), price, WAD, true)
		assets, ok2 := mulDiv(quoted, WAD, lif, true)
		if !ok1 || !ok2 {
			return out, fmt.Errorf("%w: seized value", ErrOverflow)
		}
		out.Seized = seized
		out.RepaidShares = toShares(consensus.Gwei(assets), m.totalBorrowAssets, m.totalBorrowShares, true)
	} else {
		a, ok := toAssets(shares, m.totalBorrowAssets, m.totalBorrowShares, false)
		withBonus, ok2 := mulDiv(uint64(a), lif, WAD, false)
		s, ok3 := mulDiv(withBonus, WAD, price, false)
		if !ok || !ok2 || !ok3 {
			return out, fmt.Errorf("%w: repaid shares %s", ErrOverflow, shares)
		}
		out.Seized, out.RepaidShares = consensus.Gwei(s), new(big.Int).Set(shares)
	}
	r, ok := toAssets(out.RepaidShares, m.totalBorrowAssets, m.totalBorrowShares, true)
	if !ok {
		return out, fmt.Errorf("%w: repaid assets", ErrOverflow)
	}
	out.RepaidAssets = r
	return out, nil
}

// badDebtOf fills the bad debt a liquidation leaves when it takes all the
// collateral, at the totals after the repayment.
func (m *Isolated) badDebtOf(b borrower, out *MorphoLiquidation) {
	if out.Seized != b.collateral {
		return
	}
	tb := m.totalBorrowAssets - min(out.RepaidAssets, m.totalBorrowAssets)
	tbs := new(big.Int).Sub(m.totalBorrowShares, out.RepaidShares)
	rest := new(big.Int).Sub(b.shares, out.RepaidShares)
	if rest.Sign() == 0 {
		return
	}
	a, _ := toAssets(rest, tb, tbs, true)
	out.BadDebtShares = rest
	out.BadDebtAssets = min(a, tb)
}

func (m *Isolated) applyLiquidate(user string, out MorphoLiquidation) {
	b := m.borrower(user)
	b.shares = new(big.Int).Sub(b.shares, out.RepaidShares)
	b.shares.Sub(b.shares, out.BadDebtShares)
	b.collateral -= out.Seized
	m.borrowers[user] = b
	m.totalBorrowShares = new(big.Int).Sub(m.totalBorrowShares, out.RepaidShares)
	m.totalBorrowShares.Sub(m.totalBorrowShares, out.BadDebtShares)
	m.totalBorrowAssets -= min(out.RepaidAssets, m.totalBorrowAssets)
	m.totalBorrowAssets -= out.BadDebtAssets
	m.totalSupplyAssets -= out.BadDebtAssets
	m.badDebt += out.BadDebtAssets
	m.collateral -= out.Seized
	m.cash += out.RepaidAssets
}

// Check verifies the market's books: the share totals are the sums of the
// positions', the collateral total is the sum of the collateral, total
// borrow is at most total supply, and the cash covers total supply less
// total borrow (repay's zeroFloorSub can leave it a Gwei above).
func (m *Isolated) Check() error {
	ss, bs := new(big.Int), new(big.Int)
	var coll consensus.Gwei
	for _, s := range m.supplyShares {
		ss.Add(ss, s)
	}
	for _, b := range m.borrowers {
		bs.Add(bs, b.shares)
		coll += b.collateral
	}
	switch {
	case ss.Cmp(m.totalSupplyShares) != 0:
		return fmt.Errorf("%w: supply shares %s ≠ total %s", ErrInvariant, ss, m.totalSupplyShares)
	case bs.Cmp(m.totalBorrowShares) != 0:
		return fmt.Errorf("%w: borrow shares %s ≠ total %s", ErrInvariant, bs, m.totalBorrowShares)
	case coll != m.collateral:
		return fmt.Errorf("%w: collateral %d ≠ total %d", ErrInvariant, coll, m.collateral)
	case m.totalBorrowAssets > m.totalSupplyAssets:
		return fmt.Errorf("%w: borrow %d > supply %d", ErrInvariant, m.totalBorrowAssets, m.totalSupplyAssets)
	case m.cash < m.totalSupplyAssets-m.totalBorrowAssets:
		return fmt.Errorf("%w: cash %d < supply − borrow %d", ErrInvariant, m.cash, m.totalSupplyAssets-m.totalBorrowAssets)
	}
	return nil
}
