package lending

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/stakesim/stakesim/consensus"
)

// IsolatedParams configure a Morpho-Blue-style market: ETH lent against one
// collateral token.
type IsolatedParams struct {
	Name string
	// LLTV is the liquidation loan-to-value in WAD (0.86e18); 0 < LLTV < WAD.
	LLTV uint64
}

// Isolated is a Morpho Blue market (Morpho.sol v1.0.0) with ETH as the
// loan asset and one collateral token, an interest rate frozen at 0 and no
// fee. Prices are WAD ETH per whole token (see the package documentation
// for the mapping to ORACLE_PRICE_SCALE). It is not safe for concurrent use.
type Isolated struct {
	p IsolatedParams

	totalSupplyAssets, totalBorrowAssets consensus.Gwei
	totalSupplyShares, totalBorrowShares *big.Int

	supplyShares map[string]*big.Int
	borrowers    map[string]borrower

	collateral consensus.Gwei // Σ position.collateral
	cash       consensus.Gwei // loan token held
	badDebt    consensus.Gwei // cumulative badDebtAssets
}

type borrower struct {
	shares     *big.Int
	collateral consensus.Gwei
}

// MarketState is a snapshot of an Isolated market's totals (Morpho's
// Market struct without interest fields).
type MarketState struct {
	TotalSupplyAssets, TotalBorrowAssets consensus.Gwei
	TotalSupplyShares, TotalBorrowShares *big.Int
	Collateral, Cash, BadDebt            consensus.Gwei
}

// NewIsolated makes an empty market.
func NewIsolated(p IsolatedParams) (*Isolated, error) {
	if p.LLTV == 0 || p.LLTV >= WAD {
		return nil, fmt.Errorf("%w: LLTV %d outside (0, WAD)", ErrInvalidParams, p.LLTV)
	}
	return &Isolated{
		p: p, totalSupplyShares: new(big.Int), totalBorrowShares: new(big.Int),
		supplyShares: map[string]*big.Int{}, borrowers: map[string]borrower{},
	}, nil
}

// Params returns the market's parameters.
func (m *Isolated) Params() IsolatedParams { return m.p }

// State returns a snapshot of the market's totals.
func (m *Isolated) State() MarketState {
	return MarketState{
		TotalSupplyAssets: m.totalSupplyAssets, TotalBorrowAssets: m.totalBorrowAssets,
		TotalSupplyShares: new(big.Int).Set(m.totalSupplyShares), TotalBorrowShares: new(big.Int).Set(m.totalBorrowShares),
		Collateral: m.collateral, Cash: m.cash, BadDebt: m.badDebt,
	}
}

func (m *Isolated) lenderShares(u string) *big.Int {
	if s, ok := m.supplyShares[u]; ok {
		return s
	}
	return new(big.Int)
}

func (m *Isolated) borrower(u string) borrower {
	if b, ok := m.borrowers[u]; ok {
		return b
	}
	return borrower{shares: new(big.Int)}
}

// SupplyShares is the lender's supply shares.
func (m *Isolated) SupplyShares(lender string) *big.Int {
	return new(big.Int).Set(m.lenderShares(lender))
}

// BorrowShares is the borrower's borrow shares.
func (m *Isolated) BorrowShares(user string) *big.Int {
	return new(big.Int).Set(m.borrower(user).shares)
}

// CollateralOf is the borrower's collateral in tokens.
func (m *Isolated) CollateralOf(user string) consensus.Gwei { return m.borrower(user).collateral }

// SupplyAssets is the lender's assets, toAssetsDown of its shares
// (MorphoBalancesLib.expectedSupplyAssets without interest).
func (m *Isolated) SupplyAssets(lender string) consensus.Gwei {
	a, _ := toAssets(m.lenderShares(lender), m.totalSupplyAssets, m.totalSupplyShares, false)
	return a
}

// Borrowed is the borrower's debt, toAssetsUp of its shares (as _isHealthy
// counts it).
func (m *Isolated) Borrowed(user string) consensus.Gwei {
	a, _ := toAssets(m.borrower(user).shares, m.totalBorrowAssets, m.totalBorrowShares, true)
	return a
}

// Supply is Morpho.supply with assets: shares = toSharesDown(assets).
func (m *Isolated) Supply(lender string, assets consensus.Gwei) (*big.Int, error) {
	if assets == 0 {
		return nil, fmt.Errorf("%w: supply 0", ErrInvalidAmount)
	}
	if _, ok := addGwei(m.totalSupplyAssets, assets); !ok {
		return nil, fmt.Errorf("%w: supply", ErrOverflow)
	}
	shares := toShares(assets, m.totalSupplyAssets, m.totalSupplyShares, false)
	m.supplyShares[lender] = new(big.Int).Add(m.lenderShares(lender), shares)
	m.totalSupplyShares = new(big.Int).Add(m.totalSupplyShares, shares)
	m.totalSupplyAssets += assets
	m.cash += assets
	return shares, nil
}

// Withdraw is Morpho.withdraw with assets: shares = toSharesUp(assets).
func (m *Isolated) Withdraw(lender string, assets consensus.Gwei) (*big.Int, error) {
	if assets == 0 {
		return nil, fmt.Errorf("%w: withdraw 0", ErrInvalidAmount)
	}
	shares := toShares(assets, m.totalSupplyAssets, m.totalSupplyShares, true)
	return shares, m.withdraw(lender, assets, shares)
}

// WithdrawShares is Morpho.withdraw with shares: assets = toAssetsDown(shares).
func (m *Isolated) WithdrawShares(lender string, shares *big.Int) (consensus.Gwei, error) {
	if shares.Sign() <= 0 {
		return 0, fmt.Errorf("%w: withdraw 0 shares", ErrInvalidAmount)
	}
	assets, ok := toAssets(shares, m.totalSupplyAssets, m.totalSupplyShares, false)
	if !ok {
		return 0, fmt.Errorf("%w: shares %s above the lender's", ErrInsufficient, shares)
	}
	return assets, m.withdraw(lender, assets, shares)
}

// withdraw books a withdrawal; the contract's checked subtractions and
// INSUFFICIENT_LIQUIDITY (totalBorrowAssets ≤ totalSupplyAssets) apply.
func (m *Isolated) withdraw(lender string, assets consensus.Gwei, shares *big.Int) error {
	held := m.lenderShares(lender)
	switch {
	case shares.Cmp(held) > 0:
		return fmt.Errorf("%w: %s shares, has %s", ErrInsufficient, shares, held)
	case assets > m.totalSupplyAssets || m.totalBorrowAssets > m.totalSupplyAssets-assets || assets > m.cash:
		return fmt.Errorf("%w: withdraw %d", ErrLiquidity, assets)
	}
	m.supplyShares[lender] = new(big.Int).Sub(held, shares)
	m.totalSupplyShares = new(big.Int).Sub(m.totalSupplyShares, shares)
	m.totalSupplyAssets -= assets
	m.cash -= assets
	return nil
}

// SupplyCollateral is Morpho.supplyCollateral.
func (m *Isolated) SupplyCollateral(user string, tokens consensus.Gwei) error {
	if tokens == 0 {
		return fmt.Errorf("%w: collateral 0", ErrInvalidAmount)
	}
	if _, ok := addGwei(m.collateral, tokens); !ok {
		return fmt.Errorf("%w: collateral", ErrOverflow)
	}
	b := m.borrower(user)
	b.collateral += tokens
	m.borrowers[user] = b
	m.collateral += tokens
	return nil
}

// WithdrawCollateral is Morpho.withdrawCollateral: the position must stay
// healthy at price.
func (m *Isolated) WithdrawCollateral(user string, tokens consensus.Gwei, price uint64) error {
	b := m.borrower(user)
	switch {
	case tokens == 0:
		return fmt.Errorf("%w: collateral 0", ErrInvalidAmount)
	case tokens > b.collateral:
		return fmt.Errorf("%w: collateral %d, has %d", ErrInsufficient, tokens, b.collateral)
	}
	b.collateral -= tokens
	if !m.healthy(b, m.totalBorrowAssets, m.totalBorrowShares, price) {
		return fmt.Errorf("%w: withdraw collateral %d", ErrHealthFactor, tokens)
	}
	m.borrowers[user] = b
	m.collateral -= tokens
	return nil
}

// Borrow is Morpho.borrow with assets: shares = toSharesUp(assets); then
// _isHealthy (INSUFFICIENT_COLLATERAL) and totalBorrowAssets ≤
// totalSupplyAssets (INSUFFICIENT_LIQUIDITY) must hold.
func (m *Isolated) Borrow(user string, assets consensus.Gwei, price uint64) (*big.Int, error) {
	b, tb, tbs, shares, err := m.planBorrow(user, assets, price)
	if err != nil {
		return nil, err
	}
	m.borrowers[user] = b
	m.totalBorrowAssets, m.totalBorrowShares = tb, tbs
	m.cash -= assets
	return shares, nil
}

// planBorrow returns the borrower and the borrow totals after a borrow.
func (m *Isolated) planBorrow(user string, assets consensus.Gwei, price uint64) (b borrower, tb consensus.Gwei, tbs, shares *big.Int, err error) {
	if assets == 0 {
		return b, 0, nil, nil, fmt.Errorf("%w: borrow 0", ErrInvalidAmount)
	}
	shares = toShares(assets, m.totalBorrowAssets, m.totalBorrowShares, true)
	tb, ok := addGwei(m.totalBorrowAssets, assets)
	if !ok || tb > m.totalSupplyAssets || assets > m.cash {
		return b, 0, nil, nil, fmt.Errorf("%w: borrow %d", ErrLiquidity, assets)
	}
	tbs = new(big.Int).Add(m.totalBorrowShares, shares)
	b = m.borrower(user)
	b.shares = new(big.Int).Add(b.shares, shares)
	if !m.healthy(b, tb, tbs, price) {
		return b, 0, nil, nil, fmt.Errorf("%w: borrow %d", ErrCollateral, assets)
	}
	return b, tb, tbs, shares, nil
}

// MaxBorrow is the largest amount Borrow accepts now (0 if none).
func (m *Isolated) MaxBorrow(user string, price uint64) consensus.Gwei {
	b := m.borrower(user)
	mb, borrowed := m.maxBorrowValue(b.collateral, price), uint64(m.Borrowed(user))
	if mb <= borrowed || m.totalBorrowAssets >= m.totalSupplyAssets {
		return 0
	}
	hi := min(mb-borrowed, uint64(m.totalSupplyAssets-m.totalBorrowAssets), uint64(m.cash))
	return consensus.Gwei(largest(hi, func(x uint64) bool {
		_, _, _, _, err := m.planBorrow(user, consensus.Gwei(x), price)
		return err == nil
	}))
}

// Repay is Morpho.repay with assets: shares = toSharesDown(assets), and
// totalBorrowAssets falls by at most its value (zeroFloorSub).
func (m *Isolated) Repay(user string, assets consensus.Gwei) (*big.Int, error) {
	if assets == 0 {
		return nil, fmt.Errorf("%w: repay 0", ErrInvalidAmount)
	}
	shares := toShares(assets, m.totalBorrowAssets, m.totalBorrowShares, false)
	return shares, m.repay(user, assets, shares)
}

// RepayShares is Morpho.repay with shares: assets = toAssetsUp(shares).
func (m *Isolated) RepayShares(user string, shares *big.Int) (consensus.Gwei, error) {
	if shares.Sign() <= 0 {
		return 0, fmt.Errorf("%w: repay 0 shares", ErrInvalidAmount)
	}
	assets, ok := toAssets(shares, m.totalBorrowAssets, m.totalBorrowShares, true)
	if !ok {
		return 0, fmt.Errorf("%w: repay shares %s", ErrInsufficient, shares)
	}
	return assets, m.repay(user, assets, shares)
}

func (m *Isolated) repay(user string, assets consensus.Gwei, shares *big.Int) error {
	b := m.borrower(user)
	if shares.Cmp(b.shares) > 0 {
		return fmt.Errorf("%w: repay %s shares, owes %s", ErrInsufficient, shares, b.shares)
	}
	if _, ok := addGwei(m.cash, assets); !ok {
		return fmt.Errorf("%w: repay", ErrOverflow)
	}
	b.shares = new(big.Int).Sub(b.shares, shares)
	m.borrowers[user] = b
	m.totalBorrowShares = new(big.Int).Sub(m.totalBorrowShares, shares)
	m.totalBorrowAssets -= min(assets, m.totalBorrowAssets)
	m.cash += assets
	return nil
}

// healthy is Morpho._isHealthy at the given borrow totals:
// ⌊⌊collateral·price/WAD⌋·LLTV/WAD⌋ ≥ toAssetsUp(borrowShares). No debt is
// healthy.
func (m *Isolated) healthy(b borrower, tb consensus.Gwei, tbs *big.Int, price uint64) bool {
	if b.shares.Sign() == 0 {
		return true
	}
	borrowed, ok := toAssets(b.shares, tb, tbs, true)
	return ok && m.maxBorrowValue(b.collateral, price) >= uint64(borrowed)
}

// maxBorrowValue is _isHealthy's maxBorrow:
// collateral.mulDivDown(price, ORACLE_PRICE_SCALE).wMulDown(lltv).
func (m *Isolated) maxBorrowValue(collateral consensus.Gwei, price uint64) uint64 {
	v, _ := valueOf(collateral, price)
	mb, _ := mulDiv(v, m.p.LLTV, WAD, false)
	return mb
}

// IsHealthy is _isHealthy for user at price.
func (m *Isolated) IsHealthy(user string, price uint64) bool {
	return m.healthy(m.borrower(user), m.totalBorrowAssets, m.totalBorrowShares, price)
}

// Users returns every lender and borrower with shares or collateral, sorted.
func (m *Isolated) Users() []string {
	set := map[string]bool{}
	for u, s := range m.supplyShares {
		if s.Sign() != 0 {
			set[u] = true
		}
	}
	for u, b := range m.borrowers {
		if b.shares.Sign() != 0 || b.collateral != 0 {
			set[u] = true
		}
	}
	out := make([]string, 0, len(set))
	for u := range set {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}
