package lrt

import (
	"fmt"
	"slices"

	"github.com/hashicorp/go-memdb"
	"github.com/stakesim/stakesim/economics/lst"
	"github.com/stakesim/stakesim/economics/restaking"
)

// Pricer values the restaked asset: units to Gwei and back, both rounded
// down. *lst.Protocol is one (getPooledEthByShares, getSharesByPooledEth);
// native restaking uses the identity.
type Pricer interface {
	PooledEthByShares(shares uint64) Gwei
	SharesByPooledEth(eth Gwei) uint64
}

var _ Pricer = (*lst.Protocol)(nil)

// nativePricer is 1 unit = 1 Gwei.
type nativePricer struct{}

func (nativePricer) PooledEthByShares(s uint64) Gwei { return Gwei(s) }
func (nativePricer) SharesByPooledEth(e Gwei) uint64 { return uint64(e) }

// Protocol is one liquid restaking protocol's books over a restaking
// ledger. It reads the ledger live (as Renzo's calculateTVLs reads
// EigenLayer) and changes it only through its own accounts.
type Protocol struct {
	name     string
	p        Params
	ledger   *restaking.Ledger
	price    Pricer
	db       *memdb.MemDB
	epoch    Epoch
	accounts []string // ledger staker ids, one per operator, in Params order

	supply   uint64                // tokens in existence (holders + locked)
	locked   uint64                // tokens of open requests
	buffer   uint64                // units held, not restaked, not owed
	exiting  uint64                // units of open requests the beacon chain has to return
	arrived  uint64                // units of open requests in hand
	reserved uint64                // units owed to claimable requests
	openVal  Gwei                  // Σ ValueAtRequestGwei of open requests
	stages   map[RequestStatus]int // open requests by stage
	nextID   uint64

	// Conservation, in units.
	deposited, rewards, toLedger, fromLedger, claimed, exitLoss uint64
	burned                                                      uint64 // tokens
}

// New returns an empty protocol named name with params p over ledger,
// starting at epoch start. It registers one ledger staker per operator,
// "<name>/<operator>", delegated to it (Renzo deploys one
// OperatorDelegator per operator; each is an EigenLayer staker, with an
// EigenPod for native ETH). price values an LST; for native restaking it
// must be nil.
func New(name string, p Params, ledger *restaking.Ledger, price Pricer, start Epoch) (*Protocol, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	switch {
	case name == "":
		return nil, fmt.Errorf("%w: empty protocol name", ErrInvalidParams)
	case ledger == nil:
		return nil, fmt.Errorf("%w: no restaking ledger", ErrInvalidParams)
	case p.Asset == AssetLST && price == nil:
		return nil, fmt.Errorf("%w: an LST needs a pricer", ErrInvalidParams)
	case p.Asset == AssetNative && price != nil:
		return nil, fmt.Errorf("%w: native restaking is priced 1:1", ErrInvalidParams)
	}
	if price == nil {
		price = nativePricer{}
	}
	pr := &Protocol{name: name, p: p, ledger: ledger, price: price, db: newDB(), epoch: start, nextID: 1, stages: map[RequestStatus]int{}}
	for _, op := range p.Operators {
		id := name + "/" + op
		if err := ledger.RegisterStaker(id); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrLedger, err)
		}
		if err := ledger.DelegateTo(id, op); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrLedger, err)
		}
		pr.accounts = append(pr.accounts, id)
	}
	return pr, nil
}

// Name is the protocol's name (the Protocol field of its rows).
func (p *Protocol) Name() string { return p.name }

// Params returns the protocol's params.
func (p *Protocol) Params() Params { return p.p }

// Epoch is the protocol's clock.
func (p *Protocol) Epoch() Epoch { return p.epoch }

// Account is the ledger staker that delegates to operator ("" if the
// policy does not name it).
func (p *Protocol) Account(operator string) string {
	for i, op := range p.p.Operators {
		if op == operator {
			return p.accounts[i]
		}
	}
	return ""
}

// move counts a request leaving stage from ("" for a new request) for
// stage to (closed stages are not counted).
func (p *Protocol) move(from, to RequestStatus) {
	if from != "" {
		p.stages[from]--
	}
	if slices.Contains(openStatuses, to) {
		p.stages[to]++
	}
}

// advance moves the clock to e, refusing to go back.
func (p *Protocol) advance(e Epoch) error {
	if e < p.epoch {
		return fmt.Errorf("%w: %d < %d", ErrTimeReversed, e, p.epoch)
	}
	p.epoch = e
	return nil
}

// staker reads one of the protocol's ledger accounts.
func (p *Protocol) staker(i int) restaking.StakerInfo {
	info, err := p.ledger.Staker(p.accounts[i])
	if err != nil {
		panic(fmt.Sprintf("lrt: ledger lost account %q: %v", p.accounts[i], err))
	}
	return info
}

// actives are the protocol's active (delegated, slashable) units per
// operator, in Params order, net of every slash so far.
func (p *Protocol) actives() []uint64 {
	out := make([]uint64, len(p.accounts))
	for i := range p.accounts {
		out[i] = uint64(p.staker(i).WithdrawableGwei)
	}
	return out
}

// Holdings is where the protocol's units are: delegated in the ledger,
// queued in the ledger's escrow (net of slashes so far), exiting the
// beacon chain, arrived for open requests, in the buffer, and reserved for
// claimable requests.
type Holdings struct {
	Delegated, Escrow, Exiting, Arrived, Buffer, Reserved uint64
}

// Pooled is the total backing the tokens: everything but Reserved.
func (h Holdings) Pooled() uint64 {
	return h.Delegated + h.Escrow + h.Exiting + h.Arrived + h.Buffer
}

// Holdings reads the ledger and the protocol's own balances.
func (p *Protocol) Holdings() Holdings {
	h := Holdings{Exiting: p.exiting, Arrived: p.arrived, Buffer: p.buffer, Reserved: p.reserved}
	for i := range p.accounts {
		s := p.staker(i)
		h.Delegated += uint64(s.WithdrawableGwei)
		h.Escrow += uint64(s.PendingWithdrawalGwei)
	}
	return h
}

// TotalPooledUnits is the units backing the tokens (Renzo's totalTVL,
// ether.fi's getTotalPooledEther, Kelp's totalETHInProtocol): delegated +
// escrow + exiting + arrived + buffer; reserved payouts are owed, not
// pooled.
func (p *Protocol) TotalPooledUnits() uint64 { return p.Holdings().Pooled() }

// TotalPooledGwei is TotalPooledUnits valued in Gwei.
func (p *Protocol) TotalPooledGwei() Gwei { return p.price.PooledEthByShares(p.TotalPooledUnits()) }

// TotalSupply is every token in existence, locked ones included.
func (p *Protocol) TotalSupply() uint64 { return p.supply }

// Locked is the tokens of open withdrawal requests.
func (p *Protocol) Locked() uint64 { return p.locked }

// Buffer is the units held, neither restaked nor owed.
func (p *Protocol) Buffer() uint64 { return p.buffer }

// Reserved is the units owed to claimable requests.
func (p *Protocol) Reserved() uint64 { return p.reserved }

// Rate is the value of a token, TotalPooledGwei × 1e27 / TotalSupply, in
// economics/lst's 1e27 fixed point (1e27 with no supply).
func (p *Protocol) Rate() lst.ShareRate { return lst.NewShareRate(p.TotalPooledGwei(), p.supply) }

// ValueOfTokens is tokens × pooled / supply in Gwei, rounded down (ether.fi
// amountForShare, Renzo calculateRedeemAmount); 0 with no supply.
func (p *Protocol) ValueOfTokens(tokens uint64) Gwei {
	if p.supply == 0 {
		return 0
	}
	return Gwei(mustMulDiv(tokens, uint64(p.TotalPooledGwei()), p.supply))
}

// unitsOfTokens is tokens × pooled units / supply, rounded down.
func (p *Protocol) unitsOfTokens(tokens, pooled uint64) uint64 {
	if p.supply == 0 {
		return 0
	}
	return mustMulDiv(tokens, pooled, p.supply)
}

// TokensForValue is what a deposit worth v Gwei mints: v × supply /
// pooled, rounded down (ether.fi sharesForAmount; Renzo's
// calculateMintAmount computes the same quantity as newSupply − supply
// with newSupply = supply / (1 − v/(pooled + v))), 1:1 for the first
// deposit. ok is false when tokens exist but back nothing, or on overflow.
func (p *Protocol) TokensForValue(v Gwei) (uint64, bool) {
	if p.supply == 0 {
		return uint64(v), true
	}
	pooled := p.TotalPooledGwei()
	if pooled == 0 {
		return 0, false
	}
	return mulDiv(uint64(v), p.supply, uint64(pooled))
}

// ValueOf is owner's tokens valued at the current rate.
func (p *Protocol) ValueOf(owner string) Gwei { return p.ValueOfTokens(p.BalanceOf(owner)) }

// Deposit takes units of the asset (Gwei of ETH, or LST shares) from
// owner into the buffer and mints TokensForValue(their value) tokens
// (RestakeManager.depositETH / deposit). A deposit worth no token is
// refused. Sync restakes the buffer.
func (p *Protocol) Deposit(owner string, units uint64, e Epoch) (uint64, error) {
	if units == 0 || owner == "" {
		return 0, fmt.Errorf("%w: deposit of %d by %q", ErrInvalidAmount, units, owner)
	}
	tokens, ok := p.TokensForValue(p.price.PooledEthByShares(units))
	if !ok {
		return 0, ErrNoValue
	}
	if tokens == 0 || p.supply+tokens < p.supply || p.deposited+units < p.deposited {
		return 0, fmt.Errorf("%w: deposit of %d units mints %d tokens", ErrInvalidAmount, units, tokens)
	}
	if err := p.advance(e); err != nil {
		return 0, err
	}
	txn := p.db.Txn(true)
	h := p.holder(txn, owner)
	h.Tokens += tokens
	p.putHolder(txn, h)
	txn.Commit()
	p.supply += tokens
	p.buffer += units
	p.deposited += units
	return tokens, nil
}

// Transfer moves tokens between holders.
func (p *Protocol) Transfer(from, to string, tokens uint64, e Epoch) error {
	if to == "" || tokens == 0 {
		return fmt.Errorf("%w: transfer of %d to %q", ErrInvalidAmount, tokens, to)
	}
	txn := p.db.Txn(true)
	defer txn.Abort()
	src := p.holder(txn, from)
	if src.Tokens < tokens {
		return fmt.Errorf("%w: %q has %d tokens, sends %d", ErrInsufficient, from, src.Tokens, tokens)
	}
	if err := p.advance(e); err != nil {
		return err
	}
	src.Tokens -= tokens
	p.putHolder(txn, src)
	dst := p.holder(txn, to)
	dst.Tokens += tokens
	p.putHolder(txn, dst)
	txn.Commit()
	return nil
}

// CreditRewards adds units to the stake delegated to operator: for native
// restaking, beacon-chain rewards of the protocol's validators under that
// operator once an EigenPod checkpoint credits them as shares. The ledger
// refuses a credit to a fully slashed operator (ErrLedger).
func (p *Protocol) CreditRewards(operator string, units uint64, e Epoch) error {
	acct := p.Account(operator)
	if acct == "" || units == 0 {
		return fmt.Errorf("%w: reward of %d to %q", ErrInvalidAmount, units, operator)
	}
	if e < p.epoch {
		return fmt.Errorf("%w: %d < %d", ErrTimeReversed, e, p.epoch)
	}
	if err := p.ledger.Deposit(acct, Gwei(units)); err != nil {
		return fmt.Errorf("%w: %w", ErrLedger, err)
	}
	p.epoch = e
	p.rewards += units
	p.toLedger += units
	return nil
}
