// Package lending is two lending markets where a liquid staking or
// restaking token is collateral and ETH is borrowed, with the price oracles
// that drive their liquidations: an Aave-v3.3-style pooled market (Pool,
// following aave-dao/aave-v3-origin v3.3.0: LiquidationLogic, GenericLogic,
// ValidationLogic, EModeLogic, PercentageMath, WadRayMath) and a
// Morpho-Blue-style isolated market (Isolated, following morpho-org/
// morpho-blue v1.0.0: Morpho.sol, SharesMathLib, MathLib, ConstantsLib),
// both behind one Venue interface for the engine. It is pure: no
// goroutines, I/O, clocks or randomness, and no map order in any result.
//
// # Units
//
// Amounts are integer Gwei (consensus.Gwei) of ETH or of the token; both
// assets have the same unit, so the contracts' 10^decimals factors cancel.
// Prices are uint64 WAD (1e18): ETH per whole token. The base currency is
// ETH, not USD: Aave's oracle quotes USD with 8 decimals, here the ETH
// reserve is priced at WAD and a value "in base currency" is Gwei of ETH,
// amount·price/WAD rounded down. Aave's percentages are its own units
// (PercentageFactor = 10,000 = 100%; a liquidation bonus of 10,500 is 5%);
// health factors, Morpho's LLTV and its incentive factor are WAD. Every
// product and quotient uses a 128-bit intermediate (fixed.MulDiv), rounded
// in the direction the contract rounds; Morpho's shares, 1e6 per Gwei, are
// big integers because a market of 18,000 ETH would fill 64 bits.
//
// # Aave-style pool
//
// A Pool has named reserves (ReserveParams: LTV, liquidation threshold LT,
// liquidation bonus, liquidation protocol fee, Borrowable) and e-mode
// categories (EModeCategory: their own LTV, LT and bonus for the assets
// listed as Collateral, and the assets a member may borrow, as the v3.2+
// bitmaps). Supplying mints aTokens 1:1 (no interest, index 1); a balance
// of a reserve with LT ≠ 0 is collateral, the ETH of a lender too, as in
// Aave with collateral enabled.
//
//   - UserAccountData (GenericLogic.calculateUserAccountData): collateral
//     and debt in base currency; avgLTV and avgLT weighted by value, rounded
//     down; HF = percentMul(totalCollateral, avgLT) wadDiv totalDebt, both
//     half up; NoDebtHealthFactor (max uint64) without debt, and it
//     saturates there above 18.4. In e-mode the category's LTV and LT
//     apply to the collateral in the category.
//   - Borrow (ValidationLogic.validateBorrow): the reserve is borrowable and,
//     in e-mode, in the category's borrowable set; the cash covers it; the
//     user has collateral with avgLTV ≠ 0 and HF > 1 now; and
//     (debtBase + amountBase).percentDiv(avgLTV) ≤ collateralBase.
//     MaxBorrow bisects on that check, so Borrow(MaxBorrow) succeeds.
//   - Withdraw (SupplyLogic.executeWithdraw, validateHFAndLtv): at most the
//     balance and the cash; if the user borrows and the asset is
//     collateral, HF ≥ 1 afterwards. Repay repays at most the debt.
//   - SetUserEMode (EModeLogic.executeSetUserEMode, validateSetUserEMode):
//     refused if the user borrows an asset outside the category's
//     borrowable set, or if HF < 1 with the new parameters.
//   - LiquidationCall (LiquidationLogic.executeLiquidationCall), refused
//     unless HF < 1 (validateLiquidationCall). Close factor: the whole debt,
//     unless the collateral and the debt reserves are both worth at least
//     MinBaseMaxCloseFactor (MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD) and
//     HF > 0.95 (CLOSE_FACTOR_HF_THRESHOLD): then at most
//     ⌊totalDebtBase.percentMul(50%)·WAD/P_debt⌋. Seizure
//     (_calculateAvailableCollateralToLiquidate): base = ⌊P_debt·repay/P_coll⌋,
//     seized = base.percentMul(bonus) (the e-mode bonus for collateral in
//     the user's category); if that exceeds the balance, all of it is
//     seized and the debt repaid is recomputed as
//     ⌊P_coll·balance/P_debt⌋.percentDiv(bonus). The protocol fee is
//     (seized − seized.percentDiv(bonus)).percentMul(fee), moved as aTokens
//     to the treasury out of the seized amount. Dust (MUST_NOT_LEAVE_DUST,
//     ErrDust): unless the debt or the collateral is cleared, both left
//     must be worth MIN_LEFTOVER_BASE = half the threshold. Deficit (v3.3
//     _burnDebtTokens, _burnBadDebt): when the seized collateral's value
//     equals the user's total collateral value, the user's remaining debt
//     in that reserve, then in every other reserve, is burnt and added to
//     the reserve's deficit. QuoteLiquidationCall is the same computation
//     without any change, for a liquidator to judge the profit.
//
// DefaultMinBaseMaxCloseFactor is 1 ETH: the contract's 2,000 USD, which
// its comment says must be re-chosen for a base currency other than USD.
// The deficit is not socialised: lenders keep their aToken balances and the
// cash falls short by the deficit (Aave's Umbrella and
// eliminateReserveDeficit, which cover it, are not modelled).
//
// # Morpho-style isolated market
//
// An Isolated market lends ETH against one token with one LLTV (WAD).
// Supply, Withdraw, WithdrawShares, Borrow, Repay and RepayShares are the
// contract's functions with SharesMathLib's rounding: supply and repay by
// assets toSharesDown, withdraw and borrow by assets toSharesUp, withdraw by
// shares toAssetsDown, repay by shares toAssetsUp, with VIRTUAL_SHARES 1e6
// and VIRTUAL_ASSETS 1 (here 1 Gwei). Borrow needs _isHealthy afterwards,
// ⌊⌊collateral·price/WAD⌋·LLTV/WAD⌋ ≥ toAssetsUp(borrowShares), and
// totalBorrowAssets ≤ totalSupplyAssets (also required by withdraw).
// Liquidate (Morpho.liquidate) takes seizedAssets or repaidShares:
//
//	LIF = min(1.15, WAD.wDivDown(WAD − 0.3.wMulDown(WAD − LLTV)))
//	seized given: repaidShares = toSharesUp(⌈⌈seized·price/WAD⌉·WAD/LIF⌉)
//	shares given: seized = ⌊⌊toAssetsDown(repaidShares)·LIF/WAD⌋·WAD/price⌋
//	repaidAssets = toAssetsUp(repaidShares)
//
// IncentiveFactor gives LIF (LLTV 0.86 → 1.043841336116910229, 0.77 →
// 1.074113856068743286). When the borrower's collateral reaches 0, the
// rest of its shares are bad debt: min(totalBorrowAssets, toAssetsUp) is
// removed from total borrow and total supply assets, so every lender's
// SupplyAssets falls pro rata. Morpho's oracle returns the price of one
// collateral unit in loan units times 1e36 (ORACLE_PRICE_SCALE, adjusted by
// the decimals); with both assets in Gwei that is the WAD price times 1e18,
// so mulDiv(x, oraclePrice, 1e36) is exactly mulDiv(x, price, WAD).
//
// # Venue
//
// Venue is what the engine uses for both: ETH lent and borrowed, one token
// as collateral, prices as one WAD number. AaveVenue binds a Pool to its
// ETH reserve (priced at WAD) and a token reserve (NewAaveVenue);
// EnterEMode puts a user, typically a looper, in an e-mode category, whose
// parameters then apply; SetPrice fixes the price of other reserves a user
// may hold. MorphoVenue wraps an Isolated market.
//
// Morpho's Liquidate takes a repay in ETH. It is converted as an
// integrating liquidator would call the contract: repaidShares =
// toSharesDown(repay) (all the borrower's shares when repay covers the
// debt), so the liquidator pays toAssetsUp(repaidShares) ≤ repay and the
// seized amount is the contract's; if those shares would seize more than
// the collateral (the contract would revert), the call is made with
// seizedAssets = the whole collateral instead and the contract's rounding
// up decides the shares repaid, then bad debt follows. MaxRepay is the
// repay of the largest liquidation possible now: Aave's close factor, or
// less when the collateral runs out; Morpho's whole debt, or the repay
// that takes all the collateral. Liquidation.BadDebt is Aave's deficit in
// ETH or Morpho's badDebtAssets; Totals.BadDebt is cumulative. Morpho's
// HealthFactor is maxBorrow·WAD/borrowed (rounded down), so it is ≥ WAD
// exactly when _isHealthy holds. WithdrawETH in Morpho withdraws by shares
// when asked for the whole balance, so a lender can leave entirely.
//
// # Oracles
//
// Oracle (NewOracle, Observe once per slot, Price) is one of: OraclePool,
// the last pool price; OracleRate, the protocol's exchange rate, optionally
// capped as Aave's CAPO adapters (bgd-labs/aave-capo PriceCapAdapterBase:
// maxRatioGrowthPerSecondScaled = snapshotRatio·maxYearlyRatioGrowthPercent
// ·1e6/1e4/SECONDS_PER_YEAR, here per slot with SlotsPerYear; price =
// min(rate, snapshotRatio + growth·(slot − snapshotSlot)/1e6)); and
// OracleTWAP, the arithmetic mean of the pool price over the last Window
// slots in a fixed ring (skipped slots carry the previous price). A market
// depeg leaves a rate oracle unchanged, so it does not liquidate e-mode
// loops (5 August 2024); a slashing that lowers the rate lowers the price
// at once. Price is 0 before the first observation.
//
// # Loops
//
// LoopLeverage(lt, h) = h/(h − LT) = 1/(1 − LT/h), in units of 1e-9
// (LeverageScale; WAD would overflow uint64 above 18.4×): 16.83× at LT 95%,
// h 1.01; 22.44× at LT 96.5%. LoopPosition gives the collateral and debt
// of a loop built from equity tokens when a borrowed ETH buys 1/pMint
// tokens and the oracle says pOracle: C = E/(1 − LT·pOracle/(h·pMint)),
// D = C·pOracle·LT/h. Aave's borrow check uses the LTV, not the LT, so a
// loop can only be built down to h = LT/LTV.
//
// # Simplifications
//
//   - No interest: indices stay at 1 and rates at 0, since runs span hours
//     or days; no reserve factor, Morpho fee or IRM.
//   - One debt asset (ETH) and one collateral token per Venue; the Pool is
//     general but has no isolation mode, siloed borrowing, supply or borrow
//     caps, debt ceilings, pause or freeze, price oracle sentinel, grace
//     periods, flash loans or receiveAToken liquidations, and every
//     balance with LT ≠ 0 is collateral (no setUserUseReserveAsCollateral;
//     the hasZeroLtvCollateral withdraw rule is left out).
//   - No eliminateReserveDeficit or Umbrella: Aave deficits accumulate.
//   - Aave v3.3's rounding: values in base currency rounded down (v3.4+
//     round debt up). Morpho's VIRTUAL_ASSETS is 1 Gwei, not 1 wei.
//   - Morpho's liquidate callback, authorisations and events are left out;
//     the liquidator is a name, not a balance.
package lending
