package lending

import (
	"fmt"

	"github.com/stakesim/stakesim/consensus"
)

// Aave v3.3 constants (LiquidationLogic, ValidationLogic).
const (
	// DefaultLiquidationCloseFactor is DEFAULT_LIQUIDATION_CLOSE_FACTOR, 50%.
	DefaultLiquidationCloseFactor uint64 = 5_000
	// CloseFactorHFThreshold is CLOSE_FACTOR_HF_THRESHOLD: at or below it
	// the whole debt may be liquidated.
	CloseFactorHFThreshold uint64 = 950_000_000_000_000_000
	// HealthFactorLiquidationThreshold is HEALTH_FACTOR_LIQUIDATION_THRESHOLD, 1.
	HealthFactorLiquidationThreshold = WAD
	// DefaultMinBaseMaxCloseFactor is the default analogue of
	// MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD (2,000 USD with 8 decimals) in
	// an ETH base currency: 1 ETH, in Gwei. The contract notes the value
	// must be adjusted for a pool whose base is not USD.
	DefaultMinBaseMaxCloseFactor consensus.Gwei = OneToken
)

// ReserveParams configure one reserve (asset) of a Pool, in Aave's percent
// units (PercentageFactor = 100%).
type ReserveParams struct {
	Asset string
	// LTV is the loan-to-value that bounds borrowing (9,300 = 93%); 0
	// makes the asset useless for borrowing power.
	LTV uint64
	// LiquidationThreshold is LT in the health factor (9,500 = 95%); 0
	// means the asset is never collateral.
	LiquidationThreshold uint64
	// LiquidationBonus is 100% plus the liquidator's bonus (10,500 = 5%).
	LiquidationBonus uint64
	// LiquidationProtocolFee is the treasury's share of the bonus part of
	// seized collateral (1,000 = 10% of the bonus); 0 by default.
	LiquidationProtocolFee uint64
	// Borrowable enables borrowing the asset.
	Borrowable bool
}

// EModeCategory is an Aave efficiency-mode category (DataTypes.EModeCategory,
// v3.2+): its LTV, LT and bonus replace the reserve's for the assets in
// Collateral when a user has chosen it, and such a user may only borrow
// the assets in Borrowable.
type EModeCategory struct {
	ID                   uint8 // 1..255; 0 is "no category"
	Label                string
	LTV                  uint64
	LiquidationThreshold uint64
	LiquidationBonus     uint64
	Collateral           []string // collateralBitmap
	Borrowable           []string // borrowableBitmap
}

// PoolParams configure a Pool.
type PoolParams struct {
	Name     string
	Reserves []ReserveParams
	EModes   []EModeCategory
	// MinBaseMaxCloseFactor is the MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD
	// analogue in Gwei of ETH: a position whose collateral or debt in the
	// reserves being liquidated is worth less may be liquidated in full.
	// MIN_LEFTOVER_BASE is half of it. 0 means DefaultMinBaseMaxCloseFactor.
	MinBaseMaxCloseFactor consensus.Gwei
}

// validPercents checks Aave's configurator rules (PoolConfigurator
// configureReserveAsCollateral, setEModeCategory): LTV ≤ LT, a bonus above
// 100% when LT is set, and LT·bonus ≤ 100% so a liquidation can always pay.
func validPercents(what string, ltv, lt, bonus uint64) error {
	if ltv > lt {
		return fmt.Errorf("%w: %s: LTV %d > LT %d", ErrInvalidParams, what, ltv, lt)
	}
	if lt == 0 {
		return nil
	}
	if bonus <= PercentageFactor {
		return fmt.Errorf("%w: %s: liquidation bonus %d not above 100%%", ErrInvalidParams, what, bonus)
	}
	if v, ok := percentMul(lt, bonus); !ok || v > PercentageFactor {
		return fmt.Errorf("%w: %s: LT %d × bonus %d above 100%%", ErrInvalidParams, what, lt, bonus)
	}
	return nil
}

func (p PoolParams) validate() error {
	seen := map[string]bool{}
	for _, r := range p.Reserves {
		if r.Asset == "" || seen[r.Asset] {
			return fmt.Errorf("%w: reserve %q empty or repeated", ErrInvalidParams, r.Asset)
		}
		seen[r.Asset] = true
		if err := validPercents("reserve "+r.Asset, r.LTV, r.LiquidationThreshold, r.LiquidationBonus); err != nil {
			return err
		}
		if r.LiquidationProtocolFee > PercentageFactor {
			return fmt.Errorf("%w: reserve %s: protocol fee %d above 100%%", ErrInvalidParams, r.Asset, r.LiquidationProtocolFee)
		}
	}
	ids := map[uint8]bool{}
	for _, c := range p.EModes {
		if c.ID == 0 || ids[c.ID] || c.LiquidationThreshold == 0 {
			return fmt.Errorf("%w: e-mode %d: id 0, repeated, or LT 0", ErrInvalidParams, c.ID)
		}
		ids[c.ID] = true
		if err := validPercents(fmt.Sprintf("e-mode %d", c.ID), c.LTV, c.LiquidationThreshold, c.LiquidationBonus); err != nil {
			return err
		}
		for _, a := range append(append([]string(nil), c.Collateral...), c.Borrowable...) {
			if !seen[a] {
				return fmt.Errorf("%w: e-mode %d: %w %q", ErrInvalidParams, c.ID, ErrUnknownAsset, a)
			}
		}
	}
	return nil
}
