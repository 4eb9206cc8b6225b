package agents

import (
	"math/big"

	"github.com/stakesim/stakesim/consensus"
)

// Market agents: noise traders, panic sellers, arbitrageurs, liquidity
// providers, scripted whales and dip buyers trading in a StableSwap pool
// of ETH and a protocol's token (economics/market, driven by
// sim/market.go), and the lending kinds with the same duty: liquidators
// (lending.go) and leveraged loopers (looper.go), who build their loops
// in a build phase at genesis and, if managed, relever and deleverage. They are
// epoch-phase agents (they embed Economic) that the engine runs once per
// market slot: each gets a MarketDuty built from one snapshot (the pool,
// the token's rate, the chain's signals of the epoch, its participants'
// balances) and answers with orders, which the engine applies in agent
// and order order, each with its min-out bound. An agent acts for one or
// more participants of its trader group; it decides from its duty alone
// and draws from its own random stream.

// Kinds of the market agents.
const (
	KindMarketNoise     = "market_noise"
	KindMarketPanic     = "market_panic"
	KindMarketArbitrage = "market_arbitrage"
	KindMarketLP        = "market_lp"
	KindMarketWhale     = "market_whale"
	KindMarketDipBuyer  = "market_dip_buyer"
)

// Order kinds.
const (
	OrderSell           = iota + 1 // sell Amount tokens into the pool for ETH
	OrderBuy                       // buy tokens with Amount ETH
	OrderMint                      // deposit Amount ETH at the protocol for tokens
	OrderRedeem                    // request the withdrawal of Amount tokens (0: all held)
	OrderRemoveETH                 // remove_liquidity_one_coin of Amount LP tokens, in ETH
	OrderRemoveBoth                // remove_liquidity (balanced) of Amount LP tokens
	OrderLiquidate                 // liquidate User in Venue repaying Amount ETH, and sell the seized tokens (MinOut: ETH from the sale)
	OrderLoopBuild                 // a looper builds its loop in Venue: borrow Amount ETH, minted at the protocol, all its tokens as collateral
	OrderLoopRelever               // a looper borrows Amount ETH more in Venue, minted at the protocol and deposited
	OrderLoopDeleverage            // a looper sells Amount tokens of its collateral in Venue and repays with the ETH (MinOut: ETH from the sale)
)

// MarketOrder is one participant's order. MinOut bounds what it receives
// (ETH for a sale or an ETH removal, tokens for a buy): the engine drops
// an order whose result falls below it, as the contract would revert.
type MarketOrder struct {
	Participant int // index within the agent's participants
	Kind        int
	Amount      consensus.Gwei
	MinOut      consensus.Gwei
	// Venue and User name the position of an OrderLiquidate; Venue is a
	// looper's venue in its orders.
	Venue int
	User  string
	// Collateral is the tokens an OrderLoopBuild's position will hold
	// (its equity and the debt's mint; the engine deposits what it mints).
	Collateral consensus.Gwei
}

// PoolQuoter is the read-only part of a pool the agents quote from
// (market.Pool's GetDy and CalcWithdrawOneCoin on the slot's snapshot).
type PoolQuoter interface {
	GetDy(i, j int, dx consensus.Gwei, epoch consensus.Epoch) (consensus.Gwei, error)
	CalcWithdrawOneCoin(lp uint64, i int, epoch consensus.Epoch) (consensus.Gwei, error)
}

// MarketSignals are the chain's signals about the token's protocol, seen
// at the boundary of the epoch they happen in: a newly slashed validator
// of the protocol, a fall of its rate (a negative rebase, an AVS slash),
// bunker mode, and the epochs since the summary branch last finalized.
type MarketSignals struct {
	Slashed, RateFell, Bunker bool
	StallEpochs               uint64
}

// MarketParticipant is one participant's balances: ETH in its wallet,
// tokens in the protocol's books, LP tokens, and the LP tokens it held at
// genesis (a whale's schedule is a share of them).
type MarketParticipant struct {
	ETH, Tokens       consensus.Gwei
	LP, GenesisLP     uint64
	PendingRedeemGwei consensus.Gwei // requested, not yet claimed
	// A looper's position in its venue: collateral tokens, ETH debt and
	// health factor (WAD) at the oracle's price.
	Collateral, Debt consensus.Gwei
	HFWAD            uint64
}

// MarketDuty is what a market agent sees at one market slot. Prices are
// Gwei per whole token (9 decimals): PriceGwei is what selling one token
// pays now (price_sell_1), RateGwei the token's redemption value.
type MarketDuty struct {
	Epoch                 consensus.Epoch
	Slot                  uint64 // market slot: Epoch·SlotsPerEpoch + SlotInEpoch
	SlotInEpoch, PerEpoch uint64
	Pool                  PoolQuoter
	PoolEpoch             consensus.Epoch // the epoch the pool's A is read at
	PriceGwei, RateGwei   uint64
	Signals               MarketSignals
	// Redemption: whether withdrawals can be requested, the expected wait
	// in epochs, and epochs per year (for the hurdle rate).
	Withdrawals            bool
	WaitEpochs, EpochsYear uint64
	Participants           []MarketParticipant
	// Liquidatable are the positions below HF 1 of the venues the agent
	// covers (liquidators only), by HF then venue then user.
	Liquidatable []LiquidatablePosition
	// Loop is a looper's venue (loopers only).
	Loop *LoopVenue
}

// MarketActions are a market agent's orders, in the order to apply them.
type MarketActions struct{ Orders []MarketOrder }

// MarketTrading is what every trader group's agents share: kind,
// parameters and random stream.
type MarketTrading struct {
	Economic
	Group, Pool string
	SlippageBps uint64
	Rand        Rand
}

// minOut is q less the slippage bound.
func (m *MarketTrading) minOut(q consensus.Gwei) consensus.Gwei {
	return q - consensus.Gwei(mulDivSat(uint64(q), m.SlippageBps, 10_000))
}

// sell is an order selling tokens at the quote less slippage (nil when
// the pool cannot quote it).
func (m *MarketTrading) sell(d *MarketDuty, i int, tokens consensus.Gwei) *MarketOrder {
	if tokens == 0 {
		return nil
	}
	q, err := d.Pool.GetDy(1, 0, tokens, d.PoolEpoch)
	if err != nil || q == 0 {
		return nil
	}
	return &MarketOrder{Participant: i, Kind: OrderSell, Amount: tokens, MinOut: m.minOut(q)}
}

// buy is an order buying tokens with eth.
func (m *MarketTrading) buy(d *MarketDuty, i int, eth consensus.Gwei) *MarketOrder {
	if eth == 0 {
		return nil
	}
	q, err := d.Pool.GetDy(0, 1, eth, d.PoolEpoch)
	if err != nil || q == 0 {
		return nil
	}
	return &MarketOrder{Participant: i, Kind: OrderBuy, Amount: eth, MinOut: m.minOut(q)}
}

func marketActions(orders []MarketOrder) Actions {
	return Actions{Market: &MarketActions{Orders: orders}}
}

// ------------------------------------------------------------------ noise

// MarketNoiseAgent trades at random: each slot each participant, with
// probability ChanceWAD, buys or sells (even odds) an amount drawn
// uniformly in (0, MaxTradeGwei] ETH of value, within its balances.
type MarketNoiseAgent struct {
	MarketTrading
	ChanceWAD    uint64
	MaxTradeGwei consensus.Gwei
}

// Kind is KindMarketNoise.
func (a *MarketNoiseAgent) Kind() string { return KindMarketNoise }

// Act trades (Decide).
func (a *MarketNoiseAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.Market == nil {
		return Actions{}
	}
	return marketActions(a.Decide(d.Market))
}

// Decide draws each participant's trade: three draws each, always, so the
// stream does not depend on balances.
func (a *MarketNoiseAgent) Decide(d *MarketDuty) []MarketOrder {
	var out []MarketOrder
	for i, p := range d.Participants {
		trade := a.Rand.IntN(lstWAD) < a.ChanceWAD
		size := consensus.Gwei(1 + a.Rand.IntN(uint64(max(a.MaxTradeGwei, 1))))
		buy := a.Rand.IntN(2) == 0
		if !trade || d.PriceGwei == 0 {
			continue
		}
		var o *MarketOrder
		if buy {
			o = a.buy(d, i, min(size, p.ETH))
		} else {
			o = a.sell(d, i, min(consensus.Gwei(mulDivSat(uint64(size), 1e9, d.PriceGwei)), p.Tokens))
		}
		if o != nil {
			out = append(out, *o)
		}
	}
	return out
}

// ---------------------------------------------------------------- triggers

// MarketTrigger is what makes a panic seller or an LP act: Kind is one of
// "slashing", "negative_rebase", "finality_stall", "price".
type MarketTrigger struct {
	Kind           string
	BelowGwei      uint64 // price: acts when the price is below
	StallEpochs    uint64 // finality_stall: acts when finality has stalled this long
	ShareWAD       uint64 // share of its tokens (LP tokens) it sells (removes)
	CooldownEpochs uint64
}

// fires reports whether the trigger fires at this duty.
func (t *MarketTrigger) fires(d *MarketDuty) bool {
	switch t.Kind {
	case "slashing":
		return d.Signals.Slashed
	case "negative_rebase":
		return d.Signals.RateFell
	case "finality_stall":
		return d.Signals.StallEpochs >= t.StallEpochs
	case "price":
		return d.PriceGwei < t.BelowGwei
	}
	return false
}

// reactor remembers when its participants last acted.
type reactor struct {
	acted   bool
	actedAt consensus.Epoch
}

// ready reports whether the trigger fires and the cooldown is over, and
// records the action.
func (r *reactor) ready(t *MarketTrigger, d *MarketDuty) bool {
	if r.acted && d.Epoch < r.actedAt+consensus.Epoch(max(t.CooldownEpochs, 1)) {
		return false
	}
	if !t.fires(d) {
		return false
	}
	r.acted, r.actedAt = true, d.Epoch
	return true
}

// ------------------------------------------------------------------ panic

// MarketPanicAgent's participants sell ShareWAD of their tokens when the
// trigger fires, then wait CooldownEpochs.
type MarketPanicAgent struct {
	MarketTrading
	Trigger MarketTrigger
	r       reactor
}

// Kind is KindMarketPanic.
func (a *MarketPanicAgent) Kind() string { return KindMarketPanic }

// Act sells (Decide).
func (a *MarketPanicAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.Market == nil {
		return Actions{}
	}
	return marketActions(a.Decide(d.Market))
}

// Decide sells ShareWAD of every participant's tokens when ready.
func (a *MarketPanicAgent) Decide(d *MarketDuty) []MarketOrder {
	if !a.r.ready(&a.Trigger, d) {
		return nil
	}
	var out []MarketOrder
	for i, p := range d.Participants {
		if o := a.sell(d, i, mulWAD(p.Tokens, a.Trigger.ShareWAD)); o != nil {
			out = append(out, *o)
		}
	}
	return out
}

// --------------------------------------------------------------------- lp

// MarketLPAgent's participants remove ShareWAD of their LP tokens when
// the trigger fires: in ETH (one coin) or balanced (Both).
type MarketLPAgent struct {
	MarketTrading
	Trigger MarketTrigger
	Both    bool
	r       reactor
}

// Kind is KindMarketLP.
func (a *MarketLPAgent) Kind() string { return KindMarketLP }

// Act removes liquidity (Decide).
func (a *MarketLPAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.Market == nil {
		return Actions{}
	}
	return marketActions(a.Decide(d.Market))
}

// Decide removes ShareWAD of every participant's LP tokens when ready.
func (a *MarketLPAgent) Decide(d *MarketDuty) []MarketOrder {
	if !a.r.ready(&a.Trigger, d) {
		return nil
	}
	var out []MarketOrder
	for i, p := range d.Participants {
		lp := uint64(mulWAD(consensus.Gwei(p.LP), a.Trigger.ShareWAD))
		if o := a.remove(d, i, lp, a.Both); o != nil {
			out = append(out, *o)
		}
	}
	return out
}

// remove is an order removing lp LP tokens, in ETH or balanced.
func (m *MarketTrading) remove(d *MarketDuty, i int, lp uint64, both bool) *MarketOrder {
	if lp == 0 {
		return nil
	}
	if both {
		return &MarketOrder{Participant: i, Kind: OrderRemoveBoth, Amount: consensus.Gwei(lp)}
	}
	q, err := d.Pool.CalcWithdrawOneCoin(lp, 0, d.PoolEpoch)
	if err != nil || q == 0 {
		return nil
	}
	return &MarketOrder{Participant: i, Kind: OrderRemoveETH, Amount: consensus.Gwei(lp), MinOut: m.minOut(q)}
}

// ------------------------------------------------------------------ whale

// MarketWhaleAgent follows a schedule: each participant removes
// RemoveLPWAD of its genesis LP tokens as ETH and sells SellGwei tokens,
// each spread evenly over the slots of epochs [From, To); removal first.
type MarketWhaleAgent struct {
	MarketTrading
	SellGwei    consensus.Gwei
	RemoveLPWAD uint64
	From, To    consensus.Epoch
}

// Kind is KindMarketWhale.
func (a *MarketWhaleAgent) Kind() string { return KindMarketWhale }

// Act follows the schedule (Decide).
func (a *MarketWhaleAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.Market == nil {
		return Actions{}
	}
	return marketActions(a.Decide(d.Market))
}

// Decide is the slot's part of the schedule: slot k of n gets the
// amount's k+1-th n-th less its k-th (so the parts add up exactly).
func (a *MarketWhaleAgent) Decide(d *MarketDuty) []MarketOrder {
	if d.Epoch < a.From || d.Epoch >= a.To {
		return nil
	}
	n := uint64(a.To-a.From) * d.PerEpoch
	k := uint64(d.Epoch-a.From)*d.PerEpoch + d.SlotInEpoch
	part := func(total uint64) uint64 { return mulDivSat(total, k+1, n) - mulDivSat(total, k, n) }
	var out []MarketOrder
	for i, p := range d.Participants {
		lp := part(uint64(mulWAD(consensus.Gwei(p.GenesisLP), a.RemoveLPWAD)))
		if o := a.remove(d, i, min(lp, p.LP), false); o != nil {
			out = append(out, *o)
		}
		if o := a.sell(d, i, min(consensus.Gwei(part(uint64(a.SellGwei))), p.Tokens)); o != nil {
			out = append(out, *o)
		}
	}
	return out
}

// -------------------------------------------------------------- dip buyer

// MarketDipBuyerAgent's participants buy the token with their ETH when it
// is cheap: from epoch From on, at each market slot each participant,
// with probability ChanceWAD, buys with the largest of MaxTradeGwei,
// MaxTradeGwei/2, … (8 halvings, within its ETH) whose price — the ETH it
// pays per whole token at the slot's quote, fee included — is below
// BelowGwei. So it buys while the token is below its threshold and stops
// once its own buying has lifted the price to it. It never sells.
type MarketDipBuyerAgent struct {
	MarketTrading
	BelowGwei    uint64
	MaxTradeGwei consensus.Gwei
	ChanceWAD    uint64
	From         consensus.Epoch
}

// Kind is KindMarketDipBuyer.
func (a *MarketDipBuyerAgent) Kind() string { return KindMarketDipBuyer }

// Act buys the dip (Decide).
func (a *MarketDipBuyerAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.Market == nil {
		return Actions{}
	}
	return marketActions(a.Decide(d.Market))
}

// Decide picks each participant's buy: one draw each, always, so the
// stream does not depend on prices or balances.
func (a *MarketDipBuyerAgent) Decide(d *MarketDuty) []MarketOrder {
	var out []MarketOrder
	for i, p := range d.Participants {
		act := a.Rand.IntN(lstWAD) < a.ChanceWAD
		if !act || d.Epoch < a.From || d.PriceGwei >= a.BelowGwei {
			continue
		}
		if o := a.buyBelow(d, i, min(p.ETH, a.MaxTradeGwei)); o != nil {
			out = append(out, *o)
		}
	}
	return out
}

// buyBelow is the largest buy of budget or a halving of it whose quoted
// price is below BelowGwei (nil when none is).
func (a *MarketDipBuyerAgent) buyBelow(d *MarketDuty, i int, budget consensus.Gwei) *MarketOrder {
	for eth := budget; eth > 0 && eth*256 >= budget; eth /= 2 {
		q, err := d.Pool.GetDy(0, 1, eth, d.PoolEpoch)
		if err != nil || q == 0 {
			continue
		}
		if mulDivSat(uint64(eth), 1e9, uint64(q)) < a.BelowGwei {
			return &MarketOrder{Participant: i, Kind: OrderBuy, Amount: eth, MinOut: a.minOut(q)}
		}
	}
	return nil
}

// -------------------------------------------------------------- arbitrage

// MarketArbitrageAgent closes the gap between the pool and the token's
// redemption value. Above the rate it mints at the protocol and sells in
// the pool; below it (when withdrawals can be requested and bunker mode
// is off) it buys in the pool and requests the tokens' withdrawal, if the
// discount beats MinProfitBps plus HurdleWAD a year over the expected
// wait. Each participant trades at most MaxTradeGwei of ETH a slot, the
// largest of MaxTrade, MaxTrade/2, … (8 halvings) that pays.
type MarketArbitrageAgent struct {
	MarketTrading
	MaxTradeGwei consensus.Gwei
	HurdleWAD    uint64
	MinProfitBps uint64
}

// Kind is KindMarketArbitrage.
func (a *MarketArbitrageAgent) Kind() string { return KindMarketArbitrage }

// Act arbitrages (Decide).
func (a *MarketArbitrageAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.Market == nil {
		return Actions{}
	}
	return marketActions(a.Decide(d.Market))
}

// Decide picks each participant's trade.
func (a *MarketArbitrageAgent) Decide(d *MarketDuty) []MarketOrder {
	if d.RateGwei == 0 {
		return nil
	}
	var out []MarketOrder
	for i, p := range d.Participants {
		budget := min(p.ETH, a.MaxTradeGwei)
		switch {
		case d.PriceGwei > d.RateGwei:
			out = append(out, a.mintAndSell(d, i, budget)...)
		case d.Withdrawals && !d.Signals.Bunker:
			out = append(out, a.buyAndRedeem(d, i, budget)...)
		}
	}
	return out
}

// mintAndSell mints tokens with eth and sells them, if the sale pays eth
// plus the minimum profit.
func (a *MarketArbitrageAgent) mintAndSell(d *MarketDuty, i int, budget consensus.Gwei) []MarketOrder {
	for eth := budget; eth > 0 && eth*256 >= budget; eth /= 2 {
		tokens := consensus.Gwei(mulDivSat(uint64(eth), 1e9, d.RateGwei)) // rounded down, as the protocol mints
		if tokens == 0 {
			break
		}
		q, err := d.Pool.GetDy(1, 0, tokens, d.PoolEpoch)
		want := eth + consensus.Gwei(mulDivSat(uint64(eth), a.MinProfitBps, 10_000))
		if err == nil && q > want {
			return []MarketOrder{{Participant: i, Kind: OrderMint, Amount: eth},
				{Participant: i, Kind: OrderSell, Amount: tokens, MinOut: max(want, a.minOut(q))}}
		}
	}
	return nil
}

// buyAndRedeem buys tokens with eth and requests their withdrawal, if
// their redemption value beats eth by the minimum profit and the hurdle
// over the wait.
func (a *MarketArbitrageAgent) buyAndRedeem(d *MarketDuty, i int, budget consensus.Gwei) []MarketOrder {
	// required return in WAD: min profit + hurdle · wait / year
	need := mulDivSat(a.MinProfitBps, lstWAD, 10_000) + mulDivSat(a.HurdleWAD, d.WaitEpochs, max(d.EpochsYear, 1))
	for eth := budget; eth > 0 && eth*256 >= budget; eth /= 2 {
		q, err := d.Pool.GetDy(0, 1, eth, d.PoolEpoch)
		if err != nil || q == 0 {
			continue
		}
		value := mulDivSat(uint64(q), d.RateGwei, 1e9)
		want := uint64(eth) + mulDivSat(uint64(eth), need, lstWAD)
		if value > want {
			minTokens := consensus.Gwei(mulDivSat(want, 1e9, d.RateGwei))
			return []MarketOrder{{Participant: i, Kind: OrderBuy, Amount: eth, MinOut: max(minTokens, a.minOut(q))},
				{Participant: i, Kind: OrderRedeem}}
		}
	}
	return nil
}

// mulDivSat is floor(a·b/c) with a 128-bit intermediate, saturating.
func mulDivSat(a, b, c uint64) uint64 {
	if c == 0 {
		return 0
	}
	q := new(big.Int).Mul(new(big.Int).SetUint64(a), new(big.Int).SetUint64(b))
	q.Quo(q, new(big.Int).SetUint64(c))
	if !q.IsUint64() {
		return ^uint64(0)
	}
	return q.Uint64()
}
