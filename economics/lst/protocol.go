package lst

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/go-memdb"
)

// Protocol is one pooled liquid-staking protocol's books.
type Protocol struct {
	name  string
	p     Params
	db    *memdb.MemDB
	epoch Epoch

	totalShares  uint64
	queueShares  uint64 // shares locked by pending requests
	burnerShares uint64 // finalized requests' shares not yet burnt
	wrapped      uint64 // Σ Holder.Wrapped

	buffer, clBalance, transient Gwei
	deposited, clValidators      uint64 // validators deposited, seen on the CL (never falls)
	exited, exitsRequested       uint64
	exitInitiated                uint64 // validators with an exit initiated (reported)
	exitingBalance               Gwei   // their balance not yet withdrawn (reported)
	vault, elVault               Gwei   // withdrawal vault and EL rewards vault
	locked                       Gwei   // reserved for finalized, unclaimed requests
	unfinalized                  Gwei   // Σ AmountGwei of pending requests

	nextID          uint64
	lastReportEpoch Epoch
	reports         []reportRecord
	bunker          bool
	bunkerSince     Epoch

	// ETH conservation: what came in and went out.
	userIn, claimedOut, vaultIn, elIn Gwei
	clNet                             int64 // Σ (postCL − preCL with appeared validators)
}

// NewProtocol returns an empty protocol named name with params p, its clock
// at epoch start.
func NewProtocol(name string, p Params, start Epoch) (*Protocol, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, fmt.Errorf("%w: empty protocol name", ErrInvalidParams)
	}
	return &Protocol{name: name, p: p, db: newDB(), epoch: start, lastReportEpoch: start, nextID: 1}, nil
}

// Name is the protocol's name (the Protocol field of its rows).
func (p *Protocol) Name() string { return p.name }

// Params returns the protocol's params.
func (p *Protocol) Params() Params { return p.p }

// advance moves the clock to e, refusing to go back.
func (p *Protocol) advance(e Epoch) error {
	if e < p.epoch {
		return fmt.Errorf("%w: %d < %d", ErrTimeReversed, e, p.epoch)
	}
	p.epoch = e
	return nil
}

// TotalPooledEther is Lido's _getTotalPooledEther: buffer + CL balance +
// transient (deposited, not yet seen on the CL).
func (p *Protocol) TotalPooledEther() Gwei { return p.buffer + p.clBalance + p.transient }

// TotalShares is every share in existence (holders, wrapper, queue, burner).
func (p *Protocol) TotalShares() uint64 { return p.totalShares }

// ShareRate is the current rate, TotalPooledEther × 1e27 / TotalShares.
func (p *Protocol) ShareRate() ShareRate { return NewShareRate(p.TotalPooledEther(), p.totalShares) }

// SharesByPooledEth is StETH.getSharesByPooledEth, rounded down: eth ×
// totalShares / totalPooled, 1:1 while there are no shares.
func (p *Protocol) SharesByPooledEth(eth Gwei) uint64 {
	if p.totalShares == 0 {
		return uint64(eth)
	}
	q, ok := mulDiv(uint64(eth), p.totalShares, uint64(p.TotalPooledEther()))
	if !ok {
		return ^uint64(0)
	}
	return q
}

// PooledEthByShares is StETH.getPooledEthByShares, rounded down.
func (p *Protocol) PooledEthByShares(shares uint64) Gwei {
	if p.totalShares == 0 {
		return 0
	}
	q, ok := mulDiv(shares, uint64(p.TotalPooledEther()), p.totalShares)
	if !ok {
		return Gwei(^uint64(0))
	}
	return Gwei(q)
}

// BalanceOf is owner's rebasing (stETH-like) balance: shares × pooled /
// total shares, rounded down.
func (p *Protocol) BalanceOf(owner string) Gwei { return p.PooledEthByShares(p.Holder(owner).Shares) }

// SharesOf is owner's rebasing shares.
func (p *Protocol) SharesOf(owner string) uint64 { return p.Holder(owner).Shares }

// WrappedOf is owner's wrapper (wstETH-like) balance.
func (p *Protocol) WrappedOf(owner string) uint64 { return p.Holder(owner).Wrapped }

// Buffer is the deposited ether not yet sent to validators nor reserved
// for finalized requests (Lido's buffered ether).
func (p *Protocol) Buffer() Gwei { return p.buffer }

// Locked is the ether reserved for finalized, unclaimed requests.
func (p *Protocol) Locked() Gwei { return p.locked }

// Unfinalized is the stETH the pending requests ask for
// (WithdrawalQueueBase.unfinalizedStETH).
func (p *Protocol) Unfinalized() Gwei { return p.unfinalized }

// Vaults are the withdrawal vault's and EL rewards vault's balances: ether
// that arrived from the chain and no report has collected yet.
func (p *Protocol) Vaults() (withdrawal, elRewards Gwei) { return p.vault, p.elVault }

// Bunker reports whether bunker mode is on, and since which report epoch.
func (p *Protocol) Bunker() (on bool, since Epoch) { return p.bunker, p.bunkerSince }

// Validators returns the deposited and CL-visible validator counts and the
// exited count of the last report (Lido's getBeaconStat, plus exits).
func (p *Protocol) Validators() (deposited, onCL, exited uint64) {
	return p.deposited, p.clValidators, p.exited
}

// Deposit is Lido's _submit: owner pays amount into the buffer and gets
// SharesByPooledEth(amount) shares, rounded down (a deposit never lowers
// the rate). A deposit worth no share is refused.
func (p *Protocol) Deposit(owner string, amount Gwei, e Epoch) (uint64, error) {
	if amount == 0 || owner == "" {
		return 0, fmt.Errorf("%w: deposit of %d by %q", ErrInvalidAmount, amount, owner)
	}
	if p.totalShares > 0 && p.TotalPooledEther() == 0 {
		return 0, ErrNoValue
	}
	shares := p.SharesByPooledEth(amount)
	if shares == 0 || p.totalShares+shares < p.totalShares || p.buffer+amount < p.buffer {
		return 0, fmt.Errorf("%w: deposit of %d Gwei mints %d shares", ErrInvalidAmount, amount, shares)
	}
	if err := p.advance(e); err != nil {
		return 0, err
	}
	txn := p.db.Txn(true)
	h := p.holder(txn, owner)
	h.Shares += shares
	p.putHolder(txn, h)
	txn.Commit()
	p.totalShares += shares
	p.buffer += amount
	p.userIn += amount
	return shares, nil
}

// TransferShares moves shares between holders' rebasing balances
// (StETH.transferShares).
func (p *Protocol) TransferShares(from, to string, shares uint64, e Epoch) error {
	if to == "" || shares == 0 {
		return fmt.Errorf("%w: transfer of %d shares to %q", ErrInvalidAmount, shares, to)
	}
	txn := p.db.Txn(true)
	defer txn.Abort()
	src := p.holder(txn, from)
	if src.Shares < shares {
		return fmt.Errorf("%w: %q has %d shares, sends %d", ErrInsufficient, from, src.Shares, shares)
	}
	if err := p.advance(e); err != nil {
		return err
	}
	src.Shares -= shares
	p.putHolder(txn, src)
	dst := p.holder(txn, to)
	dst.Shares += shares
	p.putHolder(txn, dst)
	txn.Commit()
	return nil
}

// WrappedByPooledEth is WstETH.getWstETHByStETH: the wrapper balance a
// stETH amount wraps to (its shares, rounded down).
func (p *Protocol) WrappedByPooledEth(eth Gwei) uint64 { return p.SharesByPooledEth(eth) }

// PooledEthByWrapped is WstETH.getStETHByWstETH, rounded down.
func (p *Protocol) PooledEthByWrapped(w uint64) Gwei { return p.PooledEthByShares(w) }

// Wrap is WstETH.wrap: owner's stETH amount becomes SharesByPooledEth(amount)
// wrapper tokens; the shares move from owner's rebasing balance to the
// wrapper. It returns the wrapper tokens minted.
func (p *Protocol) Wrap(owner string, amount Gwei, e Epoch) (uint64, error) {
	w := p.SharesByPooledEth(amount)
	if w == 0 {
		return 0, fmt.Errorf("%w: wrap of %d Gwei is no share", ErrInvalidAmount, amount)
	}
	return w, p.moveWrapped(owner, w, true, e)
}

// Unwrap is WstETH.unwrap: w wrapper tokens go back to owner's rebasing
// balance as w shares; it returns their stETH value, rounded down.
func (p *Protocol) Unwrap(owner string, w uint64, e Epoch) (Gwei, error) {
	if w == 0 {
		return 0, fmt.Errorf("%w: unwrap of 0", ErrInvalidAmount)
	}
	if err := p.moveWrapped(owner, w, false, e); err != nil {
		return 0, err
	}
	return p.PooledEthByShares(w), nil
}

// moveWrapped moves n shares between owner's rebasing and wrapped balances.
func (p *Protocol) moveWrapped(owner string, n uint64, wrap bool, e Epoch) error {
	txn := p.db.Txn(true)
	defer txn.Abort()
	h := p.holder(txn, owner)
	have := h.Wrapped
	if wrap {
		have = h.Shares
	}
	if have < n {
		return fmt.Errorf("%w: %q has %d, moves %d", ErrInsufficient, owner, have, n)
	}
	if err := p.advance(e); err != nil {
		return err
	}
	if wrap {
		h.Shares, h.Wrapped, p.wrapped = h.Shares-n, h.Wrapped+n, p.wrapped+n
	} else {
		h.Shares, h.Wrapped, p.wrapped = h.Shares+n, h.Wrapped-n, p.wrapped-n
	}
	p.putHolder(txn, h)
	txn.Commit()
	return nil
}

// EthValue is the exchange-rate token's view (Rocket Pool's
// RocketTokenRETH.getEthValue): tokens × total ETH / token supply, rounded
// down, 1:1 with no supply. Over the same shares it equals
// PooledEthByShares.
func (p *Protocol) EthValue(tokens uint64) Gwei {
	if p.totalShares == 0 {
		return Gwei(tokens)
	}
	return p.PooledEthByShares(tokens)
}

// TokenValue is RocketTokenRETH.getRethValue: eth × supply / total ETH,
// rounded down, 1:1 with no ETH.
func (p *Protocol) TokenValue(eth Gwei) uint64 {
	if p.TotalPooledEther() == 0 {
		return uint64(eth)
	}
	return p.SharesByPooledEth(eth)
}

// ExchangeRate is RocketTokenRETH.getExchangeRate: the ETH value of one
// token in 1e18 units (getEthValue(1 ether) with 1e18-wei tokens), computed
// without the model's Gwei rounding: totalPooled × 1e18 / totalShares.
func (p *Protocol) ExchangeRate() *big.Int {
	if p.totalShares == 0 {
		return new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)
	}
	r := new(big.Int).Mul(big64(uint64(p.TotalPooledEther())), new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil))
	return r.Quo(r, big64(p.totalShares))
}

// ValidatorsToDeposit is how many validator deposits the buffer allows
// (Lido's getDepositableEther / DEPOSIT_SIZE): the buffer beyond what the
// pending requests ask for, in DepositGwei units; none in bunker mode
// (Lido.canDeposit).
func (p *Protocol) ValidatorsToDeposit() uint64 {
	if p.bunker || p.buffer <= p.unfinalized {
		return 0
	}
	return uint64((p.buffer - p.unfinalized) / p.p.DepositGwei)
}

// DepositValidators is Lido.deposit: it deposits min(max,
// ValidatorsToDeposit()) validators, moving DepositGwei each from the buffer
// to the transient balance (deposited, not yet on the CL). It returns the
// count; the engine creates the validators.
func (p *Protocol) DepositValidators(max uint64, e Epoch) (uint64, error) {
	if err := p.advance(e); err != nil {
		return 0, err
	}
	n := min(max, p.ValidatorsToDeposit())
	amount := Gwei(n) * p.p.DepositGwei
	p.buffer -= amount
	p.transient += amount
	p.deposited += n
	return n, nil
}

// CreditWithdrawalVault records ether the chain paid to the protocol's
// withdrawal credentials (full and partial withdrawals). It joins the
// pool only when a report collects it.
func (p *Protocol) CreditWithdrawalVault(amount Gwei, e Epoch) error {
	if err := p.advance(e); err != nil {
		return err
	}
	p.vault += amount
	p.vaultIn += amount
	return nil
}

// CreditELRewards records execution-layer rewards (priority fees, MEV) paid
// to the protocol's fee recipient, the EL rewards vault.
func (p *Protocol) CreditELRewards(amount Gwei, e Epoch) error {
	if err := p.advance(e); err != nil {
		return err
	}
	p.elVault += amount
	p.elIn += amount
	return nil
}
