package lending

import (
	"fmt"
)

// AccountData is GenericLogic.calculateUserAccountData: values in the base
// currency (ETH, in Gwei), LTV and LT averaged over the collateral by value
// (percent units), and the health factor in WAD.
type AccountData struct {
	TotalCollateralBase uint64
	TotalDebtBase       uint64
	AvgLTV              uint64
	AvgLT               uint64
	HealthFactor        uint64 // NoDebtHealthFactor without debt; saturates there
}

func (pl *Pool) price(prices Prices, i int) (uint64, error) {
	p := prices[pl.reserves[i].p.Asset]
	if p == 0 {
		return 0, fmt.Errorf("%w: %s", ErrNoPrice, pl.reserves[i].p.Asset)
	}
	return p, nil
}

// params returns LTV and LT of reserve i for an account, the e-mode
// category's when the user is in one that lists the reserve as collateral.
func (pl *Pool) params(a *account, i int) (ltv, lt uint64) {
	if e, ok := pl.emodes[a.category]; ok && e.collateral[i] {
		return e.c.LTV, e.c.LiquidationThreshold
	}
	r := pl.reserves[i].p
	return r.LTV, r.LiquidationThreshold
}

// bonus is the liquidation bonus for seizing reserve i from an account
// (LiquidationLogic: the e-mode category's when the collateral is in it).
func (pl *Pool) bonus(a *account, i int) uint64 {
	if e, ok := pl.emodes[a.category]; ok && e.collateral[i] {
		return e.c.LiquidationBonus
	}
	return pl.reserves[i].p.LiquidationBonus
}

// accountData is GenericLogic.calculateUserAccountData (v3.3): every
// balance of a reserve with a non-zero LT is collateral at
// ⌊balance·price/WAD⌋; debts at ⌊debt·price/WAD⌋; avgLTV and avgLT are
// Σ value·param / Σ value rounded down; the health factor is
// percentMul(totalCollateral, avgLT) wadDiv totalDebt (both half up).
func (pl *Pool) accountData(a *account, prices Prices) (AccountData, error) {
	var d AccountData
	var sumLTV, sumLT wide
	for i := range pl.reserves {
		if a.supply[i] == 0 && a.debt[i] == 0 {
			continue
		}
		p, err := pl.price(prices, i)
		if err != nil {
			return d, err
		}
		if err := pl.addReserve(&d, &sumLTV, &sumLT, a, i, p); err != nil {
			return d, err
		}
	}
	return pl.finishAccountData(d, sumLTV, sumLT)
}

func (pl *Pool) addReserve(d *AccountData, sumLTV, sumLT *wide, a *account, i int, p uint64) error {
	ltv, lt := pl.params(a, i)
	if a.supply[i] != 0 && pl.reserves[i].p.LiquidationThreshold != 0 {
		v, ok := valueOf(a.supply[i], p)
		if !ok || d.TotalCollateralBase+v < v {
			return fmt.Errorf("%w: collateral value", ErrOverflow)
		}
		d.TotalCollateralBase += v
		sumLTV.addMul(v, ltv)
		sumLT.addMul(v, lt)
	}
	if a.debt[i] != 0 {
		v, ok := valueOf(a.debt[i], p)
		if !ok || d.TotalDebtBase+v < v {
			return fmt.Errorf("%w: debt value", ErrOverflow)
		}
		d.TotalDebtBase += v
	}
	return nil
}

func (pl *Pool) finishAccountData(d AccountData, sumLTV, sumLT wide) (AccountData, error) {
	if d.TotalCollateralBase != 0 {
		d.AvgLTV, _ = sumLTV.div(d.TotalCollateralBase)
		d.AvgLT, _ = sumLT.div(d.TotalCollateralBase)
	}
	d.HealthFactor = NoDebtHealthFactor
	if d.TotalDebtBase == 0 {
		return d, nil
	}
	adj, ok := percentMul(d.TotalCollateralBase, d.AvgLT)
	if !ok {
		return d, fmt.Errorf("%w: adjusted collateral", ErrOverflow)
	}
	if hf, ok := wadDiv(adj, d.TotalDebtBase); ok {
		d.HealthFactor = hf
	}
	return d, nil
}

// UserAccountData is Pool.getUserAccountData at prices.
func (pl *Pool) UserAccountData(user string, prices Prices) (AccountData, error) {
	return pl.accountData(pl.user(user), prices)
}

// HealthFactor is the user's health factor in WAD at prices.
func (pl *Pool) HealthFactor(user string, prices Prices) (uint64, error) {
	d, err := pl.UserAccountData(user, prices)
	return d.HealthFactor, err
}
