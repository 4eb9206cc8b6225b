package lending

import "github.com/stakesim/stakesim/consensus"

// Position is a borrower's collateral (tokens) and debt (ETH) in a Venue.
type Position struct {
	User             string
	Collateral, Debt consensus.Gwei
}

// Liquidation is the outcome of a Venue's liquidation or its quote.
type Liquidation struct {
	User, Liquidator string
	Repaid           consensus.Gwei // ETH the liquidator pays
	Seized           consensus.Gwei // tokens the liquidator receives
	Fee              consensus.Gwei // tokens to the treasury (Aave protocol fee), 0 for Morpho
	BadDebt          consensus.Gwei // ETH written off by this liquidation (Aave deficit or Morpho bad debt)
}

// Totals are a Venue's totals; BadDebt is cumulative.
type Totals struct{ Supplied, Borrowed, Collateral, BadDebt consensus.Gwei }

// Venue is a lending market where ETH is lent and borrowed against one
// collateral token, as the simulator's engine sees it. Prices are WAD ETH
// per whole token; amounts are Gwei. AaveVenue and MorphoVenue implement
// it. A method returning an error changes nothing.
type Venue interface {
	Name() string
	SupplyETH(lender string, eth consensus.Gwei) error
	WithdrawETH(lender string, eth consensus.Gwei) error // lender's assets, after any socialised loss
	LenderBalance(lender string) consensus.Gwei
	DepositCollateral(user string, tokens consensus.Gwei) error
	WithdrawCollateral(user string, tokens consensus.Gwei, price uint64) error
	Borrow(user string, eth consensus.Gwei, price uint64) error
	Repay(user string, eth consensus.Gwei) (consensus.Gwei, error) // repays at most the debt; returns what was repaid
	MaxBorrow(user string, price uint64) consensus.Gwei            // what Borrow would still accept (LTV / LLTV, and liquidity)
	HealthFactor(user string, price uint64) uint64                 // WAD; math.MaxUint64 with no debt
	Position(user string) Position
	Positions() []Position                             // every position with collateral or debt, sorted by User
	MaxRepay(user string, price uint64) consensus.Gwei // largest repay a liquidation may use now (0 if healthy)
	QuoteLiquidation(user string, repay consensus.Gwei, price uint64) (Liquidation, error)
	Liquidate(liquidator, user string, repay consensus.Gwei, price uint64) (Liquidation, error)
	Totals() Totals
	Check() error // internal books consistent
}

var (
	_ Venue = (*AaveVenue)(nil)
	_ Venue = (*MorphoVenue)(nil)
)
