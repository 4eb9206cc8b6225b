package lending

import (
	"fmt"

	"github.com/stakesim/stakesim/consensus"
)

// AssetAmount is an amount of a named asset.
type AssetAmount struct {
	Asset  string
	Amount consensus.Gwei
}

// LiquidationCall is the outcome of Pool.LiquidationCall or its quote.
type LiquidationCall struct {
	CollateralAsset, DebtAsset string
	DebtRepaid                 consensus.Gwei // actualDebtToLiquidate, paid by the liquidator
	CollateralSeized           consensus.Gwei // actualCollateralToLiquidate, to the liquidator
	ProtocolFee                consensus.Gwei // liquidationProtocolFeeAmount, aTokens to the treasury
	FullCloseFactor            bool           // the whole debt was liquidatable
	// Deficits are the debts written off (v3.3 DeficitCreated) when the
	// user's collateral is gone (hasNoCollateralLeft): the liquidated debt
	// first, then the user's other debts in pool order.
	Deficits []AssetAmount
}

// Deficit returns the amount of asset written off (0 if none).
func (l LiquidationCall) Deficit(asset string) consensus.Gwei {
	for _, d := range l.Deficits {
		if d.Asset == asset {
			return d.Amount
		}
	}
	return 0
}

// liqPlan is a computed liquidation, applied only once it is complete.
type liqPlan struct {
	user string
	a    *account // a copy of the user's account, changed on apply
	c, d int
	out  LiquidationCall
}

// QuoteLiquidationCall is LiquidationCall computed without changing
// anything, so a liquidator can judge the profit first.
func (pl *Pool) QuoteLiquidationCall(user, collateralAsset, debtAsset string, debtToCover consensus.Gwei, prices Prices) (LiquidationCall, error) {
	plan, err := pl.planLiquidation(user, collateralAsset, debtAsset, debtToCover, prices)
	return plan.out, err
}

// LiquidationCall is LiquidationLogic.executeLiquidationCall (v3.3,
// receiveAToken false): the liquidator repays up to debtToCover of the
// user's debtAsset and receives collateralAsset with the bonus; see the
// package documentation for the steps.
func (pl *Pool) LiquidationCall(liquidator, user, collateralAsset, debtAsset string, debtToCover consensus.Gwei, prices Prices) (LiquidationCall, error) {
	plan, err := pl.planLiquidation(user, collateralAsset, debtAsset, debtToCover, prices)
	if err != nil {
		return LiquidationCall{}, err
	}
	pl.applyLiquidation(plan)
	return plan.out, nil
}

func (pl *Pool) planLiquidation(user, collAsset, debtAsset string, debtToCover consensus.Gwei, prices Prices) (liqPlan, error) {
	c, err := pl.reserveIndex(collAsset)
	if err != nil {
		return liqPlan{}, err
	}
	d, err := pl.reserveIndex(debtAsset)
	if err != nil {
		return liqPlan{}, err
	}
	plan := liqPlan{user: user, a: pl.user(user).clone(), c: c, d: d}
	plan.out.CollateralAsset, plan.out.DebtAsset = collAsset, debtAsset
	if err := pl.computeLiquidation(&plan, debtToCover, prices); err != nil {
		return liqPlan{}, fmt.Errorf("liquidate %s (%s for %s): %w", user, debtAsset, collAsset, err)
	}
	return plan, nil
}

// liqPrices are the two prices and the position's values of a liquidation.
type liqPrices struct {
	pc, pd            uint64
	collBase, debtBas uint64 // the user's collateral and debt reserves, base currency
}

func (pl *Pool) computeLiquidation(plan *liqPlan, debtToCover consensus.Gwei, prices Prices) error {
	a, c, d := plan.a, plan.c, plan.d
	acct, lp, err := pl.validateLiquidationCall(a, c, d, debtToCover, prices)
	if err != nil {
		return err
	}
	maxDebt, full := pl.maxLiquidatableDebt(acct, lp, a.debt[d])
	plan.out.FullCloseFactor = full
	coll, debtNeeded, fee, seizedBase, err := pl.availableCollateralToLiquidate(a, c, lp, min(debtToCover, maxDebt))
	if err != nil {
		return err
	}
	if err := pl.checkDust(a, c, d, lp, coll, debtNeeded, fee); err != nil {
		return err
	}
	cash := pl.reserves[c].cash
	if c == d {
		cash += debtNeeded
	}
	if coll > cash {
		return fmt.Errorf("%w: collateral cash %d < %d", ErrLiquidity, cash, coll)
	}
	plan.out.DebtRepaid, plan.out.CollateralSeized, plan.out.ProtocolFee = debtNeeded, coll, fee
	if acct.TotalCollateralBase == seizedBase {
		plan.out.Deficits = pl.deficits(a, d, debtNeeded)
	}
	return nil
}

// validateLiquidationCall is ValidationLogic.validateLiquidationCall: HF
// below 1, the collateral enabled (LT ≠ 0 and a balance), a debt.
func (pl *Pool) validateLiquidationCall(a *account, c, d int, debtToCover consensus.Gwei, prices Prices) (AccountData, liqPrices, error) {
	var lp liqPrices
	if debtToCover == 0 {
		return AccountData{}, lp, fmt.Errorf("%w: debtToCover 0", ErrInvalidAmount)
	}
	acct, err := pl.accountData(a, prices)
	if err != nil {
		return acct, lp, err
	}
	switch {
	case acct.HealthFactor >= HealthFactorLiquidationThreshold:
		return acct, lp, fmt.Errorf("%w: health factor %d", ErrHealthy, acct.HealthFactor)
	case pl.reserves[c].p.LiquidationThreshold == 0 || a.supply[c] == 0:
		return acct, lp, ErrNoCollateral
	case a.debt[d] == 0:
		return acct, lp, ErrNoDebt
	}
	lp.pc, _ = pl.price(prices, c)
	lp.pd, _ = pl.price(prices, d)
	lp.collBase, _ = valueOf(a.supply[c], lp.pc)
	lp.debtBas, _ = valueOf(a.debt[d], lp.pd)
	return acct, lp, nil
}

// maxLiquidatableDebt is the close factor of executeLiquidationCall: the
// whole debt, unless the collateral and the debt reserves are both worth at
// least MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD and HF > 0.95, in which case
// the debt beyond DEFAULT_LIQUIDATION_CLOSE_FACTOR (50%) of the total debt
// is capped to ⌊(totalDebtBase.percentMul(50%))·WAD/P_debt⌋.
func (pl *Pool) maxLiquidatableDebt(acct AccountData, lp liqPrices, userDebt consensus.Gwei) (consensus.Gwei, bool) {
	thr := uint64(pl.p.MinBaseMaxCloseFactor)
	if lp.collBase < thr || lp.debtBas < thr || acct.HealthFactor <= CloseFactorHFThreshold {
		return userDebt, true
	}
	half, _ := percentMul(acct.TotalDebtBase, DefaultLiquidationCloseFactor)
	if lp.debtBas <= half {
		return userDebt, true
	}
	m, _ := mulDiv(half, WAD, lp.pd, false)
	return consensus.Gwei(m), false
}

// availableCollateralToLiquidate is _calculateAvailableCollateralToLiquidate
// with both assets in Gwei (so the asset units cancel):
//
//	baseCollateral = ⌊P_debt·debtToCover/P_coll⌋
//	maxCollateral  = baseCollateral.percentMul(bonus)
//	if maxCollateral > balance: collateral = balance,
//	    debtNeeded = ⌊P_coll·balance/P_debt⌋.percentDiv(bonus)
//	bonusCollateral = collateral − collateral.percentDiv(bonus)
//	fee = bonusCollateral.percentMul(protocolFee); collateral −= fee
//
// seizedBase is the collateral (fee included) in the base currency.
func (pl *Pool) availableCollateralToLiquidate(a *account, c int, lp liqPrices, debtToCover consensus.Gwei) (coll, debtNeeded, fee consensus.Gwei, seizedBase uint64, err error) {
	bonus := pl.bonus(a, c)
	base, ok1 := mulDiv(uint64(debtToCover), lp.pd, lp.pc, false)
	maxColl, ok2 := percentMul(base, bonus)
	if !ok1 || !ok2 {
		return 0, 0, 0, 0, fmt.Errorf("%w: collateral to seize", ErrOverflow)
	}
	coll, debtNeeded = consensus.Gwei(maxColl), debtToCover
	if maxColl > uint64(a.supply[c]) {
		coll = a.supply[c]
		v, _ := mulDiv(uint64(coll), lp.pc, lp.pd, false)
		dn, _ := percentDiv(v, bonus)
		debtNeeded = consensus.Gwei(dn)
	}
	seizedBase, _ = valueOf(coll, lp.pc)
	if pf := pl.reserves[c].p.LiquidationProtocolFee; pf != 0 {
		net, _ := percentDiv(uint64(coll), bonus)
		f, _ := percentMul(uint64(coll)-net, pf)
		fee = consensus.Gwei(f)
		coll -= fee
	}
	if debtNeeded == 0 && coll+fee == 0 {
		return 0, 0, 0, 0, fmt.Errorf("%w: %d too small", ErrLiquidationSize, debtToCover)
	}
	return coll, debtNeeded, fee, seizedBase, nil
}

// checkDust is executeLiquidationCall's MUST_NOT_LEAVE_DUST rule: unless
// the liquidation clears the debt or the collateral, both the debt and the
// collateral left must be worth at least MIN_LEFTOVER_BASE (half the
// threshold). As in v3.3 the collateral left is counted before the fee.
func (pl *Pool) checkDust(a *account, c, d int, lp liqPrices, coll, debtNeeded, fee consensus.Gwei) error {
	if debtNeeded >= a.debt[d] || coll+fee >= a.supply[c] {
		return nil
	}
	leftover := uint64(pl.p.MinBaseMaxCloseFactor) / 2
	debtLeft, _ := valueOf(a.debt[d]-debtNeeded, lp.pd)
	collLeft, _ := valueOf(a.supply[c]-coll, lp.pc)
	if debtLeft < leftover || collLeft < leftover {
		return fmt.Errorf("%w: debt left %d, collateral left %d, minimum %d (base Gwei)", ErrDust, debtLeft, collLeft, leftover)
	}
	return nil
}

// applyLiquidation books a computed liquidation: _burnDebtTokens,
// _burnCollateralATokens, the fee's transferOnLiquidation to the treasury,
// and the deficits (the liquidated debt's rest, then _burnBadDebt).
func (pl *Pool) applyLiquidation(plan liqPlan) {
	a, c, d := plan.a, plan.c, plan.d
	out := plan.out
	rd := &pl.reserves[d]
	rd.cash += out.DebtRepaid
	a.debt[d] -= out.DebtRepaid
	rd.debt -= out.DebtRepaid
	rc := &pl.reserves[c]
	a.supply[c] -= out.CollateralSeized + out.ProtocolFee
	rc.supplied -= out.CollateralSeized
	rc.cash -= out.CollateralSeized
	rc.treasury += out.ProtocolFee
	for _, w := range out.Deficits {
		i := pl.index[w.Asset]
		a.debt[i] -= w.Amount
		pl.reserves[i].debt -= w.Amount
		pl.reserves[i].deficit += w.Amount
	}
	pl.store(plan.user, a)
}

// deficits lists what a liquidation leaving no collateral writes off: the
// liquidated debt's rest (_burnDebtTokens with hasNoCollateralLeft), then
// every other debt of the user in pool order (_burnBadDebt).
func (pl *Pool) deficits(a *account, d int, repaid consensus.Gwei) []AssetAmount {
	var out []AssetAmount
	if rest := a.debt[d] - repaid; rest != 0 {
		out = append(out, AssetAmount{Asset: pl.reserves[d].p.Asset, Amount: rest})
	}
	for i, debt := range a.debt {
		if i != d && debt != 0 {
			out = append(out, AssetAmount{Asset: pl.reserves[i].p.Asset, Amount: debt})
		}
	}
	return out
}
