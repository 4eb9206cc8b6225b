package lending

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/stakesim/stakesim/consensus"
)

// MorphoVenue is the Venue view of an Isolated market.
type MorphoVenue struct{ m *Isolated }

// NewMorphoVenue wraps a market.
func NewMorphoVenue(m *Isolated) *MorphoVenue { return &MorphoVenue{m: m} }

// Market is the underlying market.
func (v *MorphoVenue) Market() *Isolated { return v.m }

// Name is the market's name.
func (v *MorphoVenue) Name() string { return v.m.p.Name }

// SupplyETH is Isolated.Supply.
func (v *MorphoVenue) SupplyETH(lender string, eth consensus.Gwei) error {
	_, err := v.m.Supply(lender, eth)
	return err
}

// WithdrawETH withdraws eth of the lender's assets: by shares when eth is
// the whole balance (so nothing is left behind), else by assets.
func (v *MorphoVenue) WithdrawETH(lender string, eth consensus.Gwei) error {
	if eth != 0 && eth == v.m.SupplyAssets(lender) {
		_, err := v.m.WithdrawShares(lender, v.m.SupplyShares(lender))
		return err
	}
	_, err := v.m.Withdraw(lender, eth)
	return err
}

// LenderBalance is Isolated.SupplyAssets: bad debt lowers it.
func (v *MorphoVenue) LenderBalance(lender string) consensus.Gwei { return v.m.SupplyAssets(lender) }

// DepositCollateral is Isolated.SupplyCollateral.
func (v *MorphoVenue) DepositCollateral(user string, tokens consensus.Gwei) error {
	return v.m.SupplyCollateral(user, tokens)
}

// WithdrawCollateral is Isolated.WithdrawCollateral.
func (v *MorphoVenue) WithdrawCollateral(user string, tokens consensus.Gwei, price uint64) error {
	return v.m.WithdrawCollateral(user, tokens, price)
}

// Borrow is Isolated.Borrow.
func (v *MorphoVenue) Borrow(user string, eth consensus.Gwei, price uint64) error {
	_, err := v.m.Borrow(user, eth, price)
	return err
}

// Repay repays at most the debt: all borrow shares (repay by shares) when
// eth covers toAssetsUp of them, else by assets.
func (v *MorphoVenue) Repay(user string, eth consensus.Gwei) (consensus.Gwei, error) {
	shares := v.m.borrower(user).shares
	if shares.Sign() == 0 {
		return 0, ErrNoDebt
	}
	if debt := v.m.Borrowed(user); eth >= debt {
		return v.m.RepayShares(user, new(big.Int).Set(shares))
	}
	_, err := v.m.Repay(user, eth)
	if err != nil {
		return 0, err
	}
	return eth, nil
}

// MaxBorrow is Isolated.MaxBorrow.
func (v *MorphoVenue) MaxBorrow(user string, price uint64) consensus.Gwei {
	return v.m.MaxBorrow(user, price)
}

// HealthFactor is maxBorrow·WAD/borrowed rounded down, with maxBorrow and
// borrowed as _isHealthy computes them, so HF ≥ WAD exactly when the
// position is healthy. It saturates at NoDebtHealthFactor.
func (v *MorphoVenue) HealthFactor(user string, price uint64) uint64 {
	b := v.m.borrower(user)
	if b.shares.Sign() == 0 {
		return NoDebtHealthFactor
	}
	hf, ok := mulDiv(v.m.maxBorrowValue(b.collateral, price), WAD, uint64(v.m.Borrowed(user)), false)
	if !ok {
		return NoDebtHealthFactor
	}
	return hf
}

// Position is the user's collateral and debt (toAssetsUp of its shares).
func (v *MorphoVenue) Position(user string) Position {
	return Position{User: user, Collateral: v.m.CollateralOf(user), Debt: v.m.Borrowed(user)}
}

// Positions lists the borrowers with collateral or debt, sorted.
func (v *MorphoVenue) Positions() []Position {
	var out []Position
	for u, b := range v.m.borrowers {
		if b.shares.Sign() != 0 || b.collateral != 0 {
			out = append(out, v.Position(u))
		}
	}
	slices.SortFunc(out, func(a, b Position) int {
		switch {
		case a.User < b.User:
			return -1
		case a.User > b.User:
			return 1
		}
		return 0
	})
	return out
}

// MaxRepay is the ETH a liquidation repays at most now: the whole debt, or
// less when it would seize all the collateral first; 0 if healthy.
func (v *MorphoVenue) MaxRepay(user string, price uint64) consensus.Gwei {
	debt := v.m.Borrowed(user)
	if debt == 0 {
		return 0
	}
	q, err := v.plan(user, debt, price)
	if err != nil {
		return 0
	}
	return q.RepaidAssets
}

// plan turns an ETH repay into Morpho.liquidate's arguments as an
// integrating liquidator would: repaidShares = toSharesDown(repay) (all
// the shares when repay covers the debt), so the liquidator pays
// toAssetsUp(repaidShares) ≤ repay; if those shares would seize more than
// the collateral, seizedAssets = the whole collateral instead, and the
// contract computes the shares to repay (then bad debt may follow).
func (v *MorphoVenue) plan(user string, repay consensus.Gwei, price uint64) (MorphoLiquidation, error) {
	if v.m.IsHealthy(user, price) {
		return MorphoLiquidation{}, fmt.Errorf("liquidate %s: %w", user, ErrHealthy)
	}
	b := v.m.borrower(user)
	shares := new(big.Int).Set(b.shares)
	if repay < v.m.Borrowed(user) {
		shares = toShares(repay, v.m.totalBorrowAssets, v.m.totalBorrowShares, false)
	}
	if shares.Sign() == 0 {
		return MorphoLiquidation{}, ErrLiquidationSize
	}
	q, err := v.m.QuoteLiquidate(user, 0, shares, price)
	if err != nil && q.RepaidShares != nil && q.Seized > b.collateral {
		return v.m.QuoteLiquidate(user, b.collateral, nil, price)
	}
	return q, err
}

// QuoteLiquidation is the liquidation Liquidate would make.
func (v *MorphoVenue) QuoteLiquidation(user string, repay consensus.Gwei, price uint64) (Liquidation, error) {
	q, err := v.plan(user, repay, price)
	if err != nil {
		return Liquidation{}, err
	}
	return venueLiquidation(user, "", q), nil
}

// Liquidate liquidates with the repay converted as plan describes.
func (v *MorphoVenue) Liquidate(liquidator, user string, repay consensus.Gwei, price uint64) (Liquidation, error) {
	q, err := v.plan(user, repay, price)
	if err != nil {
		return Liquidation{}, err
	}
	v.m.applyLiquidate(user, q)
	return venueLiquidation(user, liquidator, q), nil
}

func venueLiquidation(user, liquidator string, q MorphoLiquidation) Liquidation {
	return Liquidation{User: user, Liquidator: liquidator, Repaid: q.RepaidAssets, Seized: q.Seized, BadDebt: q.BadDebtAssets}
}

// Totals are the market's supply and borrow assets, collateral and
// cumulative bad debt.
func (v *MorphoVenue) Totals() Totals {
	return Totals{Supplied: v.m.totalSupplyAssets, Borrowed: v.m.totalBorrowAssets, Collateral: v.m.collateral, BadDebt: v.m.badDebt}
}

// Check is Isolated.Check.
func (v *MorphoVenue) Check() error { return v.m.Check() }
