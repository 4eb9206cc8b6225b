package sim

import (
	"errors"
	"fmt"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/market"
)

// Market outputs: market.csv rows, depeg events, the summary's markets
// section, the invariants (see market.go and sim/doc.go, "Markets").

// MarketRow is one line of market.csv: one pool at the end of one
// epoch's market slots. The column order is the field order.
type MarketRow struct {
	Epoch uint64
	Pool  string
	// A is the published A at the epoch (truncated during a ramp).
	A, FeeBps uint64
	// Reserves are the pool's balances (balances(i): admin fees
	// excluded); the token's in its non-rebasing unit.
	ReserveEthGwei, ReserveTokenGwei uint64
	LPSupply                         uint64
	// PriceSell1 is ETH for selling one whole token, fee included, 9
	// decimals.
	PriceSell1 string
	// VolumeGwei and FeesGwei are the epoch's: amounts sold into the pool
	// (both coins at face value) and fees (swap and liquidity fees).
	VolumeGwei, FeesGwei uint64
}

// MarketSink is an optional interface of a Sink: a sink that implements
// it receives market.csv rows (one per pool, after each epoch's economic
// phase), for scenarios with a markets block only.
type MarketSink interface {
	Market(row MarketRow) error
}

// MarketsSummary is summary.json's markets section.
type MarketsSummary struct {
	Pools []PoolSummary `json:"pools"`
	// OrdersDropped counts orders the pools or books refused (slippage,
	// spent balances): what would have reverted on chain.
	OrdersDropped uint64 `json:"orders_dropped"`
	// Lending are the lending venues (lending.go), absent without.
	Lending []VenueSummary `json:"lending,omitempty"`
}

// PoolSummary is one pool's part of the summary.
type PoolSummary struct {
	Pool string `json:"pool"`
	// MinPrice is the lowest price_sell_1 after any market slot, with its
	// epoch and market slot (the first time it was seen); FinalPrice the
	// price after the last slot. 9 decimals.
	MinPrice      string `json:"min_price"`
	MinPriceEpoch uint64 `json:"min_price_epoch"`
	MinPriceSlot  uint64 `json:"min_price_slot"`
	FinalPrice    string `json:"final_price"`
	VolumeGwei    uint64 `json:"volume_gwei"`
	FeesGwei      uint64 `json:"fees_gwei"`
	Depegs        uint64 `json:"depegs"`
}

// EventDepeg: a pool's price crossed a threshold downward (DepegDetails).
const EventDepeg = "depeg"

// DepegDetails is the details of EventDepeg. Slot is the market slot.
type DepegDetails struct {
	Pool      string `json:"pool"`
	Price     string `json:"price"`
	Slot      uint64 `json:"slot"`
	Threshold string `json:"threshold"`
}

func (DepegDetails) EventKind() string { return EventDepeg }

func init() { detailsDecoders[EventDepeg] = decodeDetails[DepegDetails] }

// depegThresholds are the prices (Gwei per token) whose downward
// crossings are depeg events; each is re-armed when the price is back at
// or above it.
var depegThresholds = [...]uint64{990_000_000, 970_000_000, 950_000_000, 900_000_000}

// Market invariant checks and their sentinels.
const (
	// CheckMarketETH: the market's ETH (wallets and pools) is what it got
	// at genesis, less mints at the protocols, plus claimed withdrawals.
	CheckMarketETH = "market_eth"
	// CheckMarketTokens: each pool's token holdings are its balance in the
	// protocol's books, and its LP supply is what its holders hold.
	CheckMarketTokens = "market_tokens"
	// CheckMarketPool: the pool's own Check.
	CheckMarketPool = "market_pool"
)

var (
	ErrMarketETH    = errors.New("sim: market ETH not conserved")
	ErrMarketTokens = errors.New("sim: market tokens inconsistent with the books")
	ErrMarketPool   = errors.New("sim: pool invariant violated")
)

// formatGwei9 writes Gwei as ETH with 9 decimals.
func formatGwei9(g uint64) string { return fmt.Sprintf("%d.%09d", g/1_000_000_000, g%1_000_000_000) }

// observePrice reads a pool's price after a market slot: the minimum and
// the depeg crossings.
func (m *marketRun) observePrice(p *marketPool, epoch consensus.Epoch, k uint64, ev func(EventDetails)) {
	price := m.priceGwei(p, epoch)
	p.price = price
	slot := uint64(epoch)*m.e.cfg.SlotsPerEpoch + k
	if price < p.minPriceGwei {
		p.minPriceGwei = price
		p.stats.MinPriceEpoch, p.stats.MinPriceSlot = uint64(epoch), slot
	}
	for i, th := range depegThresholds {
		switch {
		case p.armed[i] && price < th:
			p.armed[i] = false
			p.stats.Depegs++
			ev(DepegDetails{Pool: p.spec.Name, Price: formatGwei9(price), Slot: slot, Threshold: formatGwei9(th)})
		case !p.armed[i] && price >= th:
			p.armed[i] = true
		}
	}
}

// check runs the market's invariants at the end of an epoch.
func (m *marketRun) check(epoch consensus.Epoch, label string) error {
	fail := func(check string, err error) error {
		return &InvariantError{Epoch: epoch, Branch: label, Check: check, Err: err}
	}
	var held consensus.Gwei
	for _, part := range m.parts {
		held += part.eth
	}
	lp := make([]uint64, len(m.pools))
	for _, part := range m.parts {
		lp[part.pool] += part.lp
	}
	for i, p := range m.pools {
		h := p.pool.Holdings()
		held += h[market.ETH]
		if err := p.pool.Check(epoch); err != nil {
			return fail(CheckMarketPool, fmt.Errorf("%w: %s: %w", ErrMarketPool, p.spec.Name, err))
		}
		if b := p.tok.balance(p.owner); b != h[market.Token] {
			return fail(CheckMarketTokens, fmt.Errorf("%w: pool %s holds %d tokens, the books say %d", ErrMarketTokens, p.spec.Name, h[market.Token], b))
		}
		if lp[i]+p.passive != p.pool.LPSupply() {
			return fail(CheckMarketTokens, fmt.Errorf("%w: pool %s: LP held %d + passive %d != supply %d", ErrMarketTokens, p.spec.Name, lp[i], p.passive, p.pool.LPSupply()))
		}
	}
	cash, err := m.checkVenues()
	if err != nil {
		return fail(CheckLending, err)
	}
	held += cash
	if want := m.ethIn - m.minted + m.claimed; held != want {
		return fail(CheckMarketETH, fmt.Errorf("%w: wallets, pools and venues hold %d, genesis %d − mints %d + claims %d = %d",
			ErrMarketETH, held, m.ethIn, m.minted, m.claimed, want))
	}
	return nil
}

// rows sends each pool's market.csv row of epoch.
func (m *marketRun) rows(epoch consensus.Epoch) error {
	for _, p := range m.pools {
		vol, fees := p.pool.VolumeGwei(), p.pool.FeesGwei()
		bal := p.pool.Balances()
		row := MarketRow{Epoch: uint64(epoch), Pool: p.spec.Name, A: p.pool.A(epoch), FeeBps: p.spec.FeeBps,
			ReserveEthGwei: uint64(bal[market.ETH]), ReserveTokenGwei: uint64(bal[market.Token]), LPSupply: p.pool.LPSupply(),
			PriceSell1: formatGwei9(p.price), VolumeGwei: uint64(vol - p.lastVol), FeesGwei: uint64(fees - p.lastFees)}
		p.lastVol, p.lastFees = vol, fees
		if m.sink == nil {
			continue
		}
		if err := m.sink.Market(row); err != nil {
			return fmt.Errorf("sim: writing market.csv row of epoch %d: %w", epoch, err)
		}
	}
	return nil
}

// summary is the markets section of summary.json.
func (m *marketRun) summary() *MarketsSummary {
	s := &MarketsSummary{OrdersDropped: m.failed}
	for _, p := range m.pools {
		ps := p.stats
		ps.MinPrice, ps.FinalPrice = formatGwei9(p.minPriceGwei), formatGwei9(p.price)
		ps.VolumeGwei, ps.FeesGwei = uint64(p.pool.VolumeGwei()), uint64(p.pool.FeesGwei())
		s.Pools = append(s.Pools, ps)
	}
	s.Lending = m.lendingSummary()
	return s
}
