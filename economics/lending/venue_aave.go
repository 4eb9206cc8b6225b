package lending

import (
	"fmt"
	"maps"

	"github.com/stakesim/stakesim/consensus"
)

// AaveVenue is the Venue view of a Pool: ETH (the reserve named by eth,
// priced at WAD) lent against one token reserve. A user's e-mode category
// (EnterEMode) applies to its LTV, LT and bonus.
type AaveVenue struct {
	pool       *Pool
	eth, token string
	others     Prices
	last       uint64 // the last token price given, for WithdrawETH
}

// NewAaveVenue binds a pool to its ETH reserve and one token reserve.
func NewAaveVenue(pool *Pool, eth, token string) (*AaveVenue, error) {
	if _, err := pool.reserveIndex(eth); err != nil {
		return nil, err
	}
	if _, err := pool.reserveIndex(token); err != nil {
		return nil, err
	}
	if eth == token {
		return nil, fmt.Errorf("%w: ETH and token are both %q", ErrInvalidParams, eth)
	}
	return &AaveVenue{pool: pool, eth: eth, token: token, others: Prices{}}, nil
}

// Pool is the underlying pool.
func (v *AaveVenue) Pool() *Pool { return v.pool }

// SetPrice fixes the price of another reserve of the pool, for users who
// also hold it (the Venue's methods only carry the token's price).
func (v *AaveVenue) SetPrice(asset string, price uint64) { v.others[asset] = price }

func (v *AaveVenue) prices(price uint64) Prices {
	p := maps.Clone(v.others)
	p[v.eth], p[v.token] = WAD, price
	if price != 0 {
		v.last = price
	}
	return p
}

// EnterEMode puts user in an e-mode category (0 leaves), as
// Pool.SetUserEMode at price.
func (v *AaveVenue) EnterEMode(user string, category uint8, price uint64) error {
	return v.pool.SetUserEMode(user, category, v.prices(price))
}

// Name is the pool's name.
func (v *AaveVenue) Name() string { return v.pool.p.Name }

// SupplyETH supplies ETH to the ETH reserve.
func (v *AaveVenue) SupplyETH(lender string, eth consensus.Gwei) error {
	return v.pool.Supply(lender, v.eth, eth)
}

// WithdrawETH withdraws supplied ETH. Aave does not socialise a deficit:
// balances are unchanged and the last withdrawers may find the cash
// short (ErrLiquidity). If the lender borrows, the health check uses the
// last token price the venue was given.
func (v *AaveVenue) WithdrawETH(lender string, eth consensus.Gwei) error {
	return v.pool.Withdraw(lender, v.eth, eth, v.prices(v.last))
}

// LenderBalance is the lender's aToken balance of ETH.
func (v *AaveVenue) LenderBalance(lender string) consensus.Gwei { return v.pool.Balance(lender, v.eth) }

// DepositCollateral supplies tokens to the token reserve.
func (v *AaveVenue) DepositCollateral(user string, tokens consensus.Gwei) error {
	return v.pool.Supply(user, v.token, tokens)
}

// WithdrawCollateral withdraws tokens, keeping HF ≥ 1.
func (v *AaveVenue) WithdrawCollateral(user string, tokens consensus.Gwei, price uint64) error {
	return v.pool.Withdraw(user, v.token, tokens, v.prices(price))
}

// Borrow borrows ETH (validateBorrow).
func (v *AaveVenue) Borrow(user string, eth consensus.Gwei, price uint64) error {
	return v.pool.Borrow(user, v.eth, eth, v.prices(price))
}

// Repay repays at most the ETH debt.
func (v *AaveVenue) Repay(user string, eth consensus.Gwei) (consensus.Gwei, error) {
	return v.pool.Repay(user, v.eth, eth)
}

// MaxBorrow is Pool.MaxBorrow of ETH.
func (v *AaveVenue) MaxBorrow(user string, price uint64) consensus.Gwei {
	return v.pool.MaxBorrow(user, v.eth, v.prices(price))
}

// HealthFactor is the user's health factor; 0 if a price it needs is
// missing (another reserve without SetPrice).
func (v *AaveVenue) HealthFactor(user string, price uint64) uint64 {
	hf, err := v.pool.HealthFactor(user, v.prices(price))
	if err != nil {
		return 0
	}
	return hf
}

// Position is the user's token balance and ETH debt.
func (v *AaveVenue) Position(user string) Position {
	return Position{User: user, Collateral: v.pool.Balance(user, v.token), Debt: v.pool.Debt(user, v.eth)}
}

// Positions lists users with token collateral or ETH debt, sorted.
func (v *AaveVenue) Positions() []Position {
	var out []Position
	for _, u := range v.pool.Users() {
		if p := v.Position(u); p.Collateral != 0 || p.Debt != 0 {
			out = append(out, p)
		}
	}
	return out
}

// MaxRepay is what a liquidation of the whole ETH debt would repay now:
// the close factor's cap, or less when the token collateral runs out.
func (v *AaveVenue) MaxRepay(user string, price uint64) consensus.Gwei {
	debt := v.pool.Debt(user, v.eth)
	if debt == 0 {
		return 0
	}
	q, err := v.QuoteLiquidation(user, debt, price)
	if err != nil {
		return 0
	}
	return q.Repaid
}

// QuoteLiquidation is Pool.QuoteLiquidationCall of the ETH debt against
// the token.
func (v *AaveVenue) QuoteLiquidation(user string, repay consensus.Gwei, price uint64) (Liquidation, error) {
	l, err := v.pool.QuoteLiquidationCall(user, v.token, v.eth, repay, v.prices(price))
	return v.liquidation(user, "", l), err
}

// Liquidate is Pool.LiquidationCall of the ETH debt against the token.
func (v *AaveVenue) Liquidate(liquidator, user string, repay consensus.Gwei, price uint64) (Liquidation, error) {
	l, err := v.pool.LiquidationCall(liquidator, user, v.token, v.eth, repay, v.prices(price))
	return v.liquidation(user, liquidator, l), err
}

func (v *AaveVenue) liquidation(user, liquidator string, l LiquidationCall) Liquidation {
	return Liquidation{
		User: user, Liquidator: liquidator, Repaid: l.DebtRepaid, Seized: l.CollateralSeized,
		Fee: l.ProtocolFee, BadDebt: l.Deficit(v.eth),
	}
}

// Totals are the ETH reserve's supply, debt and deficit and the users'
// token balances (the treasury's fees excluded).
func (v *AaveVenue) Totals() Totals {
	e := v.pool.reserves[v.pool.index[v.eth]]
	t := v.pool.reserves[v.pool.index[v.token]]
	return Totals{Supplied: e.supplied, Borrowed: e.debt, Collateral: t.supplied - t.treasury, BadDebt: e.deficit}
}

// Check is Pool.Check.
func (v *AaveVenue) Check() error { return v.pool.Check() }
