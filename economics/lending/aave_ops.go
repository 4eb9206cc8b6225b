package lending

import (
	"fmt"

	"github.com/stakesim/stakesim/consensus"
)

// Supply is SupplyLogic.executeSupply: user deposits amount of asset and
// receives as many aTokens (no interest, so the index stays 1). A balance
// of a reserve with a non-zero LT is collateral.
func (pl *Pool) Supply(user, asset string, amount consensus.Gwei) error {
	i, err := pl.reserveIndex(asset)
	if err != nil {
		return err
	}
	if amount == 0 {
		return fmt.Errorf("%w: supply 0", ErrInvalidAmount)
	}
	r := &pl.reserves[i]
	if _, ok := addGwei(r.supplied, amount); !ok {
		return fmt.Errorf("%w: supply of %s", ErrOverflow, asset)
	}
	a := pl.user(user).clone()
	a.supply[i] += amount
	r.supplied += amount
	r.cash += amount
	pl.store(user, a)
	return nil
}

// Withdraw is SupplyLogic.executeWithdraw: amount of asset leaves the
// user's balance (ValidationLogic.validateWithdraw) and the reserve's cash;
// if the user borrows anything and the asset was collateral, the health
// factor afterwards must be at least 1 (validateHFAndLtv →
// validateHealthFactor).
func (pl *Pool) Withdraw(user, asset string, amount consensus.Gwei, prices Prices) error {
	i, err := pl.reserveIndex(asset)
	if err != nil {
		return err
	}
	a := pl.user(user).clone()
	r := &pl.reserves[i]
	switch {
	case amount == 0:
		return fmt.Errorf("%w: withdraw 0", ErrInvalidAmount)
	case amount > a.supply[i]:
		return fmt.Errorf("%w: withdraw %d %s, balance %d", ErrInsufficient, amount, asset, a.supply[i])
	case amount > r.cash:
		return fmt.Errorf("%w: withdraw %d %s, cash %d", ErrLiquidity, amount, asset, r.cash)
	}
	a.supply[i] -= amount
	if a.borrowingAny() && r.p.LiquidationThreshold != 0 {
		if err := pl.validateHealthFactor(a, prices); err != nil {
			return fmt.Errorf("withdraw %d %s: %w", amount, asset, err)
		}
	}
	r.supplied -= amount
	r.cash -= amount
	pl.store(user, a)
	return nil
}

// validateHealthFactor is ValidationLogic.validateHealthFactor: HF ≥ 1.
func (pl *Pool) validateHealthFactor(a *account, prices Prices) error {
	d, err := pl.accountData(a, prices)
	if err != nil {
		return err
	}
	if d.HealthFactor < HealthFactorLiquidationThreshold {
		return fmt.Errorf("%w: %d", ErrHealthFactor, d.HealthFactor)
	}
	return nil
}

// Borrow is BorrowLogic.executeBorrow with ValidationLogic.validateBorrow.
func (pl *Pool) Borrow(user, asset string, amount consensus.Gwei, prices Prices) error {
	i, err := pl.reserveIndex(asset)
	if err != nil {
		return err
	}
	a := pl.user(user).clone()
	if err := pl.validateBorrow(a, i, amount, prices); err != nil {
		return fmt.Errorf("borrow %d %s: %w", amount, asset, err)
	}
	a.debt[i] += amount
	pl.reserves[i].debt += amount
	pl.reserves[i].cash -= amount
	pl.store(user, a)
	return nil
}

// validateBorrow is ValidationLogic.validateBorrow (v3.3) without caps,
// isolation or siloed borrowing: the reserve is borrowable (and in the
// user's e-mode category's borrowable set), the cash covers the amount,
// the user has collateral with a non-zero average LTV, a health factor
// above 1 now, and
//
//	(debtBase + ⌊amount·price/WAD⌋).percentDiv(avgLTV) ≤ collateralBase.
func (pl *Pool) validateBorrow(a *account, i int, amount consensus.Gwei, prices Prices) error {
	r := pl.reserves[i]
	if amount == 0 {
		return fmt.Errorf("%w: borrow 0", ErrInvalidAmount)
	}
	if !r.p.Borrowable {
		return ErrNotBorrowable
	}
	if e, ok := pl.emodes[a.category]; ok && !e.borrowable[i] {
		return fmt.Errorf("%w: not borrowable in e-mode %d", ErrNotBorrowable, a.category)
	}
	if amount > r.cash {
		return fmt.Errorf("%w: cash %d", ErrLiquidity, r.cash)
	}
	d, err := pl.accountData(a, prices)
	if err != nil {
		return err
	}
	if d.TotalCollateralBase == 0 || d.AvgLTV == 0 {
		return fmt.Errorf("%w: no collateral with an LTV", ErrCollateral)
	}
	if d.HealthFactor <= HealthFactorLiquidationThreshold {
		return fmt.Errorf("%w: health factor %d", ErrHealthFactor, d.HealthFactor)
	}
	return pl.checkCollateralNeeded(d, i, amount, prices)
}

func (pl *Pool) checkCollateralNeeded(d AccountData, i int, amount consensus.Gwei, prices Prices) error {
	p, err := pl.price(prices, i)
	if err != nil {
		return err
	}
	v, ok := valueOf(amount, p)
	if !ok || d.TotalDebtBase+v < v {
		return fmt.Errorf("%w: borrow value", ErrOverflow)
	}
	needed, ok := percentDiv(d.TotalDebtBase+v, d.AvgLTV)
	if !ok || needed > d.TotalCollateralBase {
		return fmt.Errorf("%w: needs %d, has %d (base Gwei)", ErrCollateral, needed, d.TotalCollateralBase)
	}
	return nil
}

// MaxBorrow is the largest amount of asset Borrow accepts now (0 if none).
func (pl *Pool) MaxBorrow(user, asset string, prices Prices) consensus.Gwei {
	i, err := pl.reserveIndex(asset)
	if err != nil {
		return 0
	}
	a := pl.user(user)
	d, err := pl.accountData(a, prices)
	p := prices[asset]
	if err != nil || p == 0 {
		return 0
	}
	room, _ := mulDiv(d.TotalCollateralBase, d.AvgLTV, PercentageFactor, false)
	est := uint64(pl.reserves[i].cash)
	if room <= d.TotalDebtBase {
		est = 0
	} else if e, ok := mulDiv(room-d.TotalDebtBase+1, WAD, p, true); ok && e < est {
		est = e
	}
	return consensus.Gwei(largest(est, func(x uint64) bool {
		return pl.validateBorrow(a, i, consensus.Gwei(x), prices) == nil
	}))
}

// largest returns the largest x in [0, hi] with ok(x), taking 0 as
// acceptable, by bisection (ok is monotone up to rounding; the result
// always passes ok or is 0).
func largest(hi uint64, ok func(uint64) bool) uint64 {
	if hi == 0 || ok(hi) {
		return hi
	}
	lo := uint64(0)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if ok(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// Repay is BorrowLogic.executeRepay: it repays at most the user's debt in
// asset and returns what it repaid.
func (pl *Pool) Repay(user, asset string, amount consensus.Gwei) (consensus.Gwei, error) {
	i, err := pl.reserveIndex(asset)
	if err != nil {
		return 0, err
	}
	a := pl.user(user).clone()
	if amount == 0 {
		return 0, fmt.Errorf("%w: repay 0", ErrInvalidAmount)
	}
	if a.debt[i] == 0 {
		return 0, fmt.Errorf("%w: %s", ErrNoDebt, asset)
	}
	paid := min(amount, a.debt[i])
	a.debt[i] -= paid
	pl.reserves[i].debt -= paid
	pl.reserves[i].cash += paid
	pl.store(user, a)
	return paid, nil
}

// SetUserEMode is EModeLogic.executeSetUserEMode: category 0 leaves
// e-mode; another must exist, and every asset the user borrows must be in
// its borrowable set (ValidationLogic.validateSetUserEMode); the health
// factor with the new parameters must be at least 1.
func (pl *Pool) SetUserEMode(user string, category uint8, prices Prices) error {
	a := pl.user(user).clone()
	if a.category == category {
		return nil
	}
	e, ok := pl.emodes[category]
	if category != 0 && !ok {
		return fmt.Errorf("%w: no category %d", ErrEMode, category)
	}
	for i, d := range a.debt {
		if category != 0 && d != 0 && !e.borrowable[i] {
			return fmt.Errorf("%w: debt in %s not borrowable in category %d", ErrEMode, pl.reserves[i].p.Asset, category)
		}
	}
	a.category = category
	if err := pl.validateHealthFactor(a, prices); err != nil {
		return fmt.Errorf("%w: %w", ErrEMode, err)
	}
	pl.store(user, a)
	return nil
}
