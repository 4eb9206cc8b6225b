package sim

// Markets coupled with liquid staking and the chain (scenario `markets:`
// block). sim/doc.go ("Markets") is the model's description; this file
// builds the run and drives its slots, market_report.go writes its
// outputs and checks its invariants, market_token.go moves tokens in the
// protocols' books.

import (
	"fmt"
	"slices"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/market"
	"github.com/stakesim/stakesim/scenarios"
)

// marketRun is the run's pools, participants and market agents.
type marketRun struct {
	e      *Engine
	sink   MarketSink // nil when the sink takes no market rows
	pools  []*marketPool
	groups []*traderGroup
	parts  []*marketParticipant
	owners map[string]int // participant owner → index in parts
	// The market's ETH ledger: ETH given to the market at genesis, ETH
	// that left it for the protocols (mints) and that came back (claims).
	ethIn, minted, claimed consensus.Gwei
	failed                 uint64 // orders dropped (slippage, balances)
	// Lending (lending.go): the venues, lending.csv's sink, the market
	// slot's positions below HF 1, the epoch's event callback and the
	// current market slot.
	venues  []*lendVenue
	lsink   LendingSink
	liq     []agents.LiquidatablePosition
	ev      func(EventDetails)
	slotNow uint64
}

// marketPool is one pool and what the engine keeps about it.
type marketPool struct {
	spec    scenarios.MarketPool
	pool    *market.Pool
	tok     marketToken
	owner   string // the pool's holder name in the protocol's books
	passive uint64 // genesis LP tokens no trader group holds
	// per-epoch state: the slot snapshot's signals and figures
	sig          agents.MarketSignals
	slashedSeen  uint64
	wait         uint64
	lastVol      consensus.Gwei
	lastFees     consensus.Gwei
	armed        [len(depegThresholds)]bool
	stats        PoolSummary
	minPriceGwei uint64
	price        uint64 // price_sell_1 in Gwei after the last slot
}

// traderGroup is one scenario trader group and its agents.
type traderGroup struct {
	spec   scenarios.TraderGroup
	pool   int
	agents []marketAgent
	venues []int // a liquidator's venues
}

// marketAgent is one agent and the participants it trades for.
type marketAgent struct {
	id    int
	parts []int // indices into marketRun.parts
}

// marketParticipant is one trader: its wallet and LP tokens (its tokens
// are in the protocol's books under owner).
type marketParticipant struct {
	owner     string
	pool      int
	eth       consensus.Gwei
	lp        uint64
	genesisLP uint64
	loop      *loopPart // a looper's venue and mode, nil for other kinds
}

// loopPart is a looper participant's venue (index in venues) and mode.
type loopPart struct {
	venue int
	emode bool
}

// findToken returns the protocol named name as a market token.
func (r *lstRun) findToken(name string) (marketToken, error) {
	for _, p := range r.protos {
		if p.spec.Name == name {
			return lstToken{r: r, p: p}, nil
		}
	}
	for _, p := range r.lrts {
		if p.spec.Name == name {
			return lrtToken{r: r, p: p}, nil
		}
	}
	return nil, fmt.Errorf("sim: markets: no protocol %q", name)
}

// newMarketRun builds the pools (their token reserves minted at the
// protocols), the participants (endowments minted the same way), the
// genesis LP tokens and the agents.
func newMarketRun(e *Engine, sink Sink) (*marketRun, error) {
	if e.lst == nil {
		return nil, fmt.Errorf("sim: markets need a liquid_staking block")
	}
	m := &marketRun{e: e, owners: map[string]int{}}
	if s, ok := sink.(MarketSink); ok {
		m.sink = s
	}
	if s, ok := sink.(LendingSink); ok {
		m.lsink = s
	}
	for _, spec := range e.sc.Markets.Pools {
		p, err := m.newPool(spec)
		if err != nil {
			return nil, err
		}
		m.pools = append(m.pools, p)
	}
	for _, p := range m.pools {
		p.price = m.priceGwei(p, 0)
		p.minPriceGwei = p.price
		for i, th := range depegThresholds {
			p.armed[i] = p.price >= th
		}
	}
	for _, spec := range e.sc.Markets.Lending {
		lv, err := m.newVenue(spec)
		if err != nil {
			return nil, err
		}
		m.venues = append(m.venues, lv)
	}
	for _, spec := range e.sc.Markets.Traders {
		if err := m.newTraders(spec); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// newTraders makes a trader group: lenders supply at genesis, without
// agents; the other kinds (loopers too) are agents.
func (m *marketRun) newTraders(spec scenarios.TraderGroup) error {
	if spec.Kind == scenarios.TraderLender {
		return m.newLenders(spec)
	}
	return m.newGroup(spec)
}

// newPool mints the pool's token reserve and makes the pool.
func (m *marketRun) newPool(spec scenarios.MarketPool) (*marketPool, error) {
	tok, err := m.e.lst.findToken(spec.Token)
	if err != nil {
		return nil, err
	}
	p := &marketPool{spec: spec, tok: tok, owner: "pool:" + spec.Name}
	p.stats.Pool = spec.Name
	tokens, err := m.mint(tok, p.owner, spec.TokensGwei, 0)
	if err != nil {
		return nil, fmt.Errorf("sim: pool %q: minting its tokens: %w", spec.Name, err)
	}
	m.ethIn += consensus.Gwei(spec.EthGwei)
	params := market.Params{A: spec.A, Fee: spec.FeeBps * 1_000_000, AdminFee: spec.AdminFeeWAD / 100_000_000,
		MinRampEpochs: 1}
	if p.pool, err = market.NewPool(params, consensus.Gwei(spec.EthGwei), tokens); err != nil {
		return nil, fmt.Errorf("sim: pool %q: %w", spec.Name, err)
	}
	if r := spec.Ramp; r != nil {
		if err := p.pool.RampA(r.ToA, consensus.Epoch(r.FromEpoch), consensus.Epoch(r.ToEpoch)); err != nil {
			return nil, fmt.Errorf("sim: pool %q: %w", spec.Name, err)
		}
	}
	p.passive = p.pool.LPSupply()
	return p, nil
}

// mint gives eth to the market at genesis and deposits it at the
// protocol for owner.
func (m *marketRun) mint(tok marketToken, owner string, eth uint64, e consensus.Epoch) (consensus.Gwei, error) {
	if eth == 0 {
		return 0, nil
	}
	m.ethIn += consensus.Gwei(eth)
	m.minted += consensus.Gwei(eth)
	return tok.mint(owner, consensus.Gwei(eth), e)
}

// newGroup makes a trader group's participants (endowments, LP tokens)
// and registers its agents.
func (m *marketRun) newGroup(spec scenarios.TraderGroup) error {
	pi := slices.IndexFunc(m.pools, func(p *marketPool) bool { return p.spec.Name == spec.Pool })
	if pi < 0 {
		return fmt.Errorf("sim: trader group %q: no pool %q", spec.Name, spec.Pool)
	}
	p := m.pools[pi]
	g := &traderGroup{spec: spec, pool: pi}
	for _, name := range spec.Venues {
		g.venues = append(g.venues, m.venueIndex(name))
	}
	var loop *loopPart
	if spec.Kind == scenarios.TraderLooper {
		if loop = (&loopPart{venue: m.venueIndex(spec.Venue), emode: spec.EMode}); loop.venue < 0 {
			return fmt.Errorf("sim: looper group %q: no venue %q", spec.Name, spec.Venue)
		}
		g.venues = []int{loop.venue}
	}
	lpEach := mulDivU64(p.pool.LPSupply(), spec.LPShareWAD, 1_000_000_000_000_000_000) / uint64(spec.Count)
	for k := 0; k < spec.Agents; k++ {
		var a marketAgent
		for i := k * spec.Count / spec.Agents; i < (k+1)*spec.Count/spec.Agents; i++ {
			part := &marketParticipant{owner: fmt.Sprintf("market:%s/%d", spec.Name, i), pool: pi, eth: consensus.Gwei(spec.EthGwei),
				lp: lpEach, genesisLP: lpEach, loop: loop}
			m.ethIn += part.eth
			p.passive -= lpEach
			if _, err := m.mint(p.tok, part.owner, spec.TokensGwei, 0); err != nil {
				return fmt.Errorf("sim: trader group %q: minting its tokens: %w", spec.Name, err)
			}
			m.owners[part.owner] = len(m.parts)
			a.parts = append(a.parts, len(m.parts))
			m.parts = append(m.parts, part)
		}
		id, err := m.addAgent(spec, k*spec.Count/spec.Agents, (k+1)*spec.Count/spec.Agents)
		if err != nil {
			return err
		}
		a.id = id
		g.agents = append(g.agents, a)
	}
	m.groups = append(m.groups, g)
	return nil
}

// addAgent registers one agent of the group's kind, for its participants
// [lo, hi), with its own stream.
func (m *marketRun) addAgent(spec scenarios.TraderGroup, lo, hi int) (int, error) {
	e := m.e
	base := agents.MarketTrading{Group: spec.Name, Pool: spec.Pool, SlippageBps: spec.SlippageBps}
	trig := agents.MarketTrigger{Kind: spec.Trigger, BelowGwei: spec.BelowWAD / 1_000_000_000, StallEpochs: spec.StallEpochs,
		ShareWAD: spec.ShareWAD, CooldownEpochs: spec.CooldownEpochs}
	var a agents.Agent
	var tr *agents.MarketTrading
	switch spec.Kind {
	case scenarios.TraderNoise:
		x := &agents.MarketNoiseAgent{MarketTrading: base, ChanceWAD: spec.ChanceWAD, MaxTradeGwei: consensus.Gwei(spec.MaxTradeGwei)}
		a, tr = x, &x.MarketTrading
	case scenarios.TraderPanic:
		x := &agents.MarketPanicAgent{MarketTrading: base, Trigger: trig}
		a, tr = x, &x.MarketTrading
	case scenarios.TraderLP:
		x := &agents.MarketLPAgent{MarketTrading: base, Trigger: trig, Both: spec.Coin == "both"}
		a, tr = x, &x.MarketTrading
	case scenarios.TraderArbitrage:
		x := &agents.MarketArbitrageAgent{MarketTrading: base, MaxTradeGwei: consensus.Gwei(spec.MaxTradeGwei), HurdleWAD: spec.HurdleWAD,
			MinProfitBps: spec.MinProfitBps}
		a, tr = x, &x.MarketTrading
	case scenarios.TraderWhale:
		x := &agents.MarketWhaleAgent{MarketTrading: base, SellGwei: consensus.Gwei(spec.SellGwei), RemoveLPWAD: spec.RemoveLPWAD,
			From: consensus.Epoch(spec.FromEpoch), To: consensus.Epoch(spec.ToEpoch)}
		a, tr = x, &x.MarketTrading
	case scenarios.TraderDipBuyer:
		x := &agents.MarketDipBuyerAgent{MarketTrading: base, BelowGwei: spec.BelowWAD / 1_000_000_000,
			MaxTradeGwei: consensus.Gwei(spec.MaxTradeGwei), ChanceWAD: spec.ChanceWAD, From: consensus.Epoch(spec.FromEpoch)}
		a, tr = x, &x.MarketTrading
	case scenarios.TraderLiquidator:
		x := &agents.MarketLiquidatorAgent{MarketTrading: base, MinProfitBps: spec.MinProfitBps}
		for _, name := range spec.Venues {
			x.Venues = append(x.Venues, m.venueIndex(name))
		}
		a, tr = x, &x.MarketTrading
	case scenarios.TraderLooper:
		x := &agents.MarketLooperAgent{MarketTrading: base, TargetHFWAD: looperTargets(spec, lo, hi),
			ReleverAboveWAD: spec.ReleverAboveWAD, DeleverageBelowWAD: spec.DeleverageBelowWAD}
		a, tr = x, &x.MarketTrading
	default:
		return 0, fmt.Errorf("sim: trader group %q: unknown kind %q", spec.Name, spec.Kind)
	}
	var id int
	err := e.addEconomic(a, func(n int) {
		id, tr.AgentID = n, n
		tr.Rand = NewRNG(e.sc.Seed, uint64(n), "market/"+spec.Kind)
	})
	return id, err
}

// epoch runs the market of reported epoch e: claims, the chain's signals,
// SLOTS_PER_EPOCH market slots, the invariants and the rows.
func (m *marketRun) epoch(epoch consensus.Epoch, main *BranchBoundary) error {
	e := m.e
	slot := uint64(consensus.ComputeStartSlotAtEpoch(&e.cfg, epoch+1))
	ev := func(d EventDetails) { e.rep.event(newEvent(uint64(epoch), slot, main.Label, d)) }
	m.ev = ev
	if err := m.claims(epoch); err != nil {
		return err
	}
	m.observe(epoch, main)
	for k := uint64(0); k < e.cfg.SlotsPerEpoch; k++ {
		if err := m.slot(epoch, k, ev); err != nil {
			return err
		}
	}
	if err := m.check(epoch, main.Label); err != nil {
		return err
	}
	if err := m.rows(epoch); err != nil {
		return err
	}
	return m.lendingRows(epoch)
}

// claims claims the participants' finalized withdrawals into their
// wallets.
func (m *marketRun) claims(epoch consensus.Epoch) error {
	done := map[string]bool{}
	for _, p := range m.pools {
		if done[p.tok.name()] {
			continue
		}
		done[p.tok.name()] = true
		paid, err := p.tok.claim(m.owners, p.tok.at(epoch))
		if err != nil {
			return fmt.Errorf("sim: epoch %d: markets: %s: %w", epoch, p.tok.name(), err)
		}
		owners := make([]string, 0, len(paid))
		for o := range paid {
			owners = append(owners, o)
		}
		slices.Sort(owners)
		for _, o := range owners {
			m.parts[m.owners[o]].eth += paid[o]
			m.claimed += paid[o]
		}
	}
	return nil
}

// observe reads the chain's signals of the epoch for each pool's token.
func (m *marketRun) observe(epoch consensus.Epoch, main *BranchBoundary) {
	st := main.Post
	stall := uint64(epoch) - min(uint64(epoch), uint64(st.FinalizedCheckpoint.Epoch))
	for _, p := range m.pools {
		sig, slashed := p.tok.signals(st)
		sig.Slashed = slashed > p.slashedSeen
		sig.StallEpochs = stall
		p.slashedSeen = max(p.slashedSeen, slashed)
		p.sig = sig
		p.wait = p.tok.waitEpochs(&m.e.cfg, st, 32*1_000_000_000)
	}
}

// build is the loopers' build phase, at genesis once the agents run
// (Engine.Run, before the first epoch): the first market slot's duty of
// each looper agent asks it to build, at the genesis oracle price and
// rate, before anything else happens.
func (m *marketRun) build() error {
	return m.phase(0, 0, true)
}

// slot runs market slot k of epoch: the oracles' observation; every agent
// with something to do gets a duty from the same snapshot; the orders are
// applied in agent id and order order; then each pool's price is observed.
func (m *marketRun) slot(epoch consensus.Epoch, k uint64, ev func(EventDetails)) error {
	m.slotNow = uint64(epoch)*m.e.cfg.SlotsPerEpoch + k
	if len(m.venues) > 0 {
		m.observeOracles(m.slotNow)
	}
	if err := m.phase(epoch, k, false); err != nil {
		return err
	}
	for _, p := range m.pools {
		m.observePrice(p, epoch, k, ev)
	}
	return nil
}

// phase is one barrier phase of market slot k: the loopers' build phase
// (build: only looper groups, asked to build) or the slot's trading.
func (m *marketRun) phase(epoch consensus.Epoch, k uint64, build bool) error {
	e := m.e
	snaps := make([]market.Pool, len(m.pools))
	for i, p := range m.pools {
		snaps[i] = *p.pool // a copy: agents only read it
	}
	duties := map[int]*agents.Duties{}
	var order []*marketAgent
	for _, g := range m.groups {
		if build && g.spec.Kind != scenarios.TraderLooper {
			continue
		}
		for ai := range g.agents {
			a := &g.agents[ai]
			if d := m.duty(g, a, &snaps[g.pool], epoch, k, build); d != nil {
				duties[a.id] = &agents.Duties{Market: d}
				order = append(order, a)
			}
		}
	}
	if len(duties) > 0 {
		out := e.runEpochPhase(duties)
		slices.SortFunc(order, func(x, y *marketAgent) int { return x.id - y.id })
		for _, a := range order {
			if act := out[a.id].Market; act != nil {
				if err := m.apply(epoch, a, act.Orders); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// duty builds an agent's duty, or nil when it has nothing to act with.
func (m *marketRun) duty(g *traderGroup, a *marketAgent, snap *market.Pool, epoch consensus.Epoch, k uint64, build bool) *agents.MarketDuty {
	p := m.pools[g.pool]
	cfg := &m.e.cfg
	d := &agents.MarketDuty{Epoch: epoch, Slot: uint64(epoch)*cfg.SlotsPerEpoch + k, SlotInEpoch: k, PerEpoch: cfg.SlotsPerEpoch,
		Pool: snap, PoolEpoch: epoch, PriceGwei: p.price, RateGwei: p.tok.rateGwei(), Signals: p.sig,
		Withdrawals: p.tok.withdrawals(), WaitEpochs: p.wait, EpochsYear: epochsPerYear(cfg)}
	switch g.spec.Kind {
	case scenarios.TraderLiquidator:
		if d.Liquidatable = m.liquidatable(g); len(d.Liquidatable) == 0 {
			return nil
		}
	case scenarios.TraderLooper:
		return m.loopDuty(g, a, d, build)
	}
	some := false
	for _, pi := range a.parts {
		part := m.parts[pi]
		mp := agents.MarketParticipant{ETH: part.eth, Tokens: p.tok.balance(part.owner), LP: part.lp, GenesisLP: part.genesisLP}
		some = some || mp.ETH > 0 || mp.Tokens > 0 || mp.LP > 0
		d.Participants = append(d.Participants, mp)
	}
	if !some {
		return nil
	}
	return d
}

// epochsPerYear is 365.25 days of the config's epochs.
func epochsPerYear(cfg *consensus.Config) uint64 {
	return 31_557_600_000 / max(cfg.SlotsPerEpoch*cfg.SlotDurationMs, 1)
}

// apply applies an agent's orders in order. An order the pool or the
// books refuse (slippage, a balance the agent's earlier orders spent) is
// dropped, as the contract would revert; an inconsistency between the
// pool and the books is an error.
func (m *marketRun) apply(epoch consensus.Epoch, a *marketAgent, orders []agents.MarketOrder) error {
	for _, o := range orders {
		if o.Participant < 0 || o.Participant >= len(a.parts) {
			m.failed++
			continue
		}
		part := m.parts[a.parts[o.Participant]]
		ok, err := m.applyOrder(epoch, part, o)
		if err != nil {
			return fmt.Errorf("sim: epoch %d: markets: %s: %w", epoch, part.owner, err)
		}
		if !ok {
			m.failed++
		}
	}
	return nil
}

// applyOrder applies one order; false when it was dropped.
func (m *marketRun) applyOrder(epoch consensus.Epoch, part *marketParticipant, o agents.MarketOrder) (bool, error) {
	p := m.pools[part.pool]
	t := p.tok.at(epoch)
	switch o.Kind {
	case agents.OrderSell:
		n := min(o.Amount, p.tok.balance(part.owner))
		if n == 0 {
			return false, nil
		}
		dy, err := p.pool.Exchange(market.Token, market.ETH, n, o.MinOut, epoch)
		if err != nil {
			return false, nil
		}
		part.eth += dy
		return true, p.tok.transfer(part.owner, p.owner, n, t)
	case agents.OrderBuy:
		n := min(o.Amount, part.eth)
		if n == 0 {
			return false, nil
		}
		dy, err := p.pool.Exchange(market.ETH, market.Token, n, o.MinOut, epoch)
		if err != nil {
			return false, nil
		}
		part.eth -= n
		return true, p.tok.transfer(p.owner, part.owner, dy, t)
	case agents.OrderMint:
		n := min(o.Amount, part.eth)
		if n == 0 {
			return false, nil
		}
		if _, err := p.tok.mint(part.owner, n, t); err != nil {
			return false, nil
		}
		part.eth -= n
		m.minted += n
		return true, nil
	case agents.OrderRedeem:
		n := o.Amount
		if n == 0 {
			n = p.tok.balance(part.owner)
		}
		locked, err := p.tok.redeem(part.owner, n, t)
		return locked > 0, err
	case agents.OrderLiquidate:
		return m.applyLiquidation(epoch, part, o)
	case agents.OrderLoopBuild, agents.OrderLoopRelever, agents.OrderLoopDeleverage:
		return m.applyLoop(epoch, part, o)
	}
	return m.applyRemoval(epoch, p, part, o)
}

// applyRemoval applies a liquidity removal.
func (m *marketRun) applyRemoval(epoch consensus.Epoch, p *marketPool, part *marketParticipant, o agents.MarketOrder) (bool, error) {
	lp := min(uint64(o.Amount), part.lp)
	if lp == 0 {
		return false, nil
	}
	switch o.Kind {
	case agents.OrderRemoveETH:
		dy, err := p.pool.RemoveLiquidityOneCoin(lp, market.ETH, o.MinOut, epoch)
		if err != nil {
			return false, nil
		}
		part.lp -= lp
		part.eth += dy
		return true, nil
	case agents.OrderRemoveBoth:
		out, err := p.pool.RemoveLiquidity(lp, [market.NCoins]consensus.Gwei{})
		if err != nil {
			return false, nil
		}
		part.lp -= lp
		part.eth += out[market.ETH]
		if out[market.Token] == 0 {
			return true, nil
		}
		return true, p.tok.transfer(p.owner, part.owner, out[market.Token], p.tok.at(epoch))
	}
	return false, nil
}

// priceGwei is price_sell_1 in Gwei (0 when the pool cannot quote).
func (m *marketRun) priceGwei(p *marketPool, epoch consensus.Epoch) uint64 {
	dy, err := p.pool.GetDy(market.Token, market.ETH, market.OneToken, epoch)
	if err != nil {
		return 0
	}
	return uint64(dy)
}
