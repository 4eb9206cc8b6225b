package lending

import (
	"fmt"
	"slices"

	"github.com/stakesim/stakesim/consensus"
)

// Prices maps an asset to its oracle price in WAD: ETH per whole token
// (the ETH reserve's price is WAD). Aave's oracle quotes USD with 8
// decimals; here the base currency is ETH.
type Prices map[string]uint64

// Pool is an Aave-v3.3-style pooled lending market: reserves of named
// assets, each supplied by users (aTokens: lender liquidity and collateral
// at once) and borrowed at a variable rate frozen at 0. It is not safe for
// concurrent use.
type Pool struct {
	p        PoolParams
	reserves []reserve
	index    map[string]int
	emodes   map[uint8]*emode
	users    map[string]*account
}

type reserve struct {
	p        ReserveParams
	supplied consensus.Gwei // aToken supply, treasury included
	debt     consensus.Gwei // variable debt token supply
	cash     consensus.Gwei // underlying held (virtualUnderlyingBalance)
	deficit  consensus.Gwei // ReserveData.deficit, cumulative here (no eliminateReserveDeficit)
	treasury consensus.Gwei // aTokens of RESERVE_TREASURY_ADDRESS
}

type emode struct {
	c                      EModeCategory
	collateral, borrowable []bool // by reserve index: the bitmaps
}

// account is a user's aToken and debt balances by reserve index and its
// e-mode category.
type account struct {
	category uint8
	supply   []consensus.Gwei
	debt     []consensus.Gwei
}

// ReserveState is a snapshot of a reserve.
type ReserveState struct {
	Params   ReserveParams
	Supplied consensus.Gwei // aToken total supply, treasury included
	Debt     consensus.Gwei
	Cash     consensus.Gwei // available liquidity
	Deficit  consensus.Gwei // debt written off by liquidations (v3.3 deficit)
	Treasury consensus.Gwei // protocol fees, as aTokens
}

// NewPool makes an empty pool.
func NewPool(p PoolParams) (*Pool, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	if p.MinBaseMaxCloseFactor == 0 {
		p.MinBaseMaxCloseFactor = DefaultMinBaseMaxCloseFactor
	}
	pl := &Pool{p: p, index: map[string]int{}, emodes: map[uint8]*emode{}, users: map[string]*account{}}
	for i, r := range p.Reserves {
		pl.reserves = append(pl.reserves, reserve{p: r})
		pl.index[r.Asset] = i
	}
	for _, c := range p.EModes {
		e := &emode{c: c, collateral: make([]bool, len(p.Reserves)), borrowable: make([]bool, len(p.Reserves))}
		for _, a := range c.Collateral {
			e.collateral[pl.index[a]] = true
		}
		for _, a := range c.Borrowable {
			e.borrowable[pl.index[a]] = true
		}
		pl.emodes[c.ID] = e
	}
	return pl, nil
}

// Params returns the pool's parameters, defaults filled in.
func (pl *Pool) Params() PoolParams { return pl.p }

func (pl *Pool) reserveIndex(asset string) (int, error) {
	i, ok := pl.index[asset]
	if !ok {
		return 0, fmt.Errorf("%w %q", ErrUnknownAsset, asset)
	}
	return i, nil
}

// user returns the account of u, or an empty one not yet stored.
func (pl *Pool) user(u string) *account {
	if a, ok := pl.users[u]; ok {
		return a
	}
	n := len(pl.reserves)
	return &account{supply: make([]consensus.Gwei, n), debt: make([]consensus.Gwei, n)}
}

func (a *account) clone() *account {
	return &account{category: a.category, supply: slices.Clone(a.supply), debt: slices.Clone(a.debt)}
}

func (a *account) borrowingAny() bool {
	return slices.ContainsFunc(a.debt, func(d consensus.Gwei) bool { return d != 0 })
}

func (pl *Pool) store(u string, a *account) { pl.users[u] = a }

// Reserve returns a snapshot of asset's reserve.
func (pl *Pool) Reserve(asset string) (ReserveState, error) {
	i, err := pl.reserveIndex(asset)
	if err != nil {
		return ReserveState{}, err
	}
	r := pl.reserves[i]
	return ReserveState{Params: r.p, Supplied: r.supplied, Debt: r.debt, Cash: r.cash, Deficit: r.deficit, Treasury: r.treasury}, nil
}

// Balance is user's aToken balance of asset (0 for an unknown asset).
func (pl *Pool) Balance(user, asset string) consensus.Gwei {
	i, ok := pl.index[asset]
	if !ok {
		return 0
	}
	return pl.user(user).supply[i]
}

// Debt is user's debt in asset (0 for an unknown asset).
func (pl *Pool) Debt(user, asset string) consensus.Gwei {
	i, ok := pl.index[asset]
	if !ok {
		return 0
	}
	return pl.user(user).debt[i]
}

// UserEMode is the user's e-mode category (0: none).
func (pl *Pool) UserEMode(user string) uint8 { return pl.user(user).category }

// Users returns every user with a balance or a debt, sorted.
func (pl *Pool) Users() []string {
	out := make([]string, 0, len(pl.users))
	for u, a := range pl.users {
		if slices.ContainsFunc(a.supply, nonZero) || a.borrowingAny() {
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out
}

func nonZero(g consensus.Gwei) bool { return g != 0 }

// Check verifies the pool's books: for each reserve, the aToken supply is
// the users' balances plus the treasury's, the debt is the sum of the
// users' debts, and supplied = cash + debt + deficit (ETH lent out, repaid
// or written off is accounted for).
func (pl *Pool) Check() error {
	for i, r := range pl.reserves {
		supply, debt := r.treasury, consensus.Gwei(0)
		for _, a := range pl.users {
			supply += a.supply[i]
			debt += a.debt[i]
		}
		switch {
		case supply != r.supplied:
			return fmt.Errorf("%w: %s: balances %d ≠ supply %d", ErrInvariant, r.p.Asset, supply, r.supplied)
		case debt != r.debt:
			return fmt.Errorf("%w: %s: debts %d ≠ total %d", ErrInvariant, r.p.Asset, debt, r.debt)
		case r.cash+r.debt+r.deficit != r.supplied:
			return fmt.Errorf("%w: %s: cash %d + debt %d + deficit %d ≠ supply %d", ErrInvariant, r.p.Asset, r.cash, r.debt, r.deficit, r.supplied)
		}
	}
	return nil
}
