package sim

// Lending venues of the markets block (scenario `markets: lending:`):
// Aave- and Morpho-style markets (economics/lending) lending the market's
// ETH against a pool's token, their oracles, the looper agents' duties
// and orders (build, relever, deleverage) and the liquidations. sim/doc.go ("Markets") describes the
// model; lending_report.go writes lending.csv, the events, the summary
// and the invariants.

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/lending"
	"github.com/stakesim/stakesim/economics/market"
	"github.com/stakesim/stakesim/scenarios"
)

// wad is 1e18, lending's fixed point.
const wad = lending.WAD

// lendVenue is one venue and what the engine keeps about it.
type lendVenue struct {
	spec   scenarios.LendingVenue
	v      lending.Venue
	aave   *lending.AaveVenue // nil for a Morpho venue
	morpho *lending.MorphoVenue
	oracle *lending.Oracle
	pool   int
	owner  string // the venue's holder name in the protocol's books
	price  uint64 // the oracle's price at the current market slot (WAD)
	// per-epoch figures and the summary's
	liqs, liqColl uint64
	stats         VenueSummary
}

// ethReserve and tokenReserve are an Aave venue's reserves.
const (
	ethReserve   = "ETH"
	tokenReserve = "TOKEN"
	emodeID      = 1
)

// newVenue makes a venue, its oracle (observed once at genesis) and its
// lenders' supply.
func (m *marketRun) newVenue(spec scenarios.LendingVenue) (*lendVenue, error) {
	pi := slices.IndexFunc(m.pools, func(p *marketPool) bool { return p.spec.Name == spec.Pool })
	if pi < 0 {
		return nil, fmt.Errorf("sim: lending venue %q: no pool %q", spec.Name, spec.Pool)
	}
	lv := &lendVenue{spec: spec, pool: pi, owner: "lending:" + spec.Name}
	lv.stats.Venue, lv.stats.Kind = spec.Name, spec.Kind
	var err error
	if spec.Kind == scenarios.LendingAave {
		lv.aave, err = newAaveVenue(spec)
		lv.v = lv.aave
	} else {
		var iso *lending.Isolated
		iso, err = lending.NewIsolated(lending.IsolatedParams{Name: spec.Name, LLTV: spec.LLTVWAD})
		if err == nil {
			lv.morpho = lending.NewMorphoVenue(iso)
			lv.v = lv.morpho
		}
	}
	if err != nil {
		return nil, fmt.Errorf("sim: lending venue %q: %w", spec.Name, err)
	}
	if lv.oracle, err = m.newOracle(spec.Oracle, m.pools[pi]); err != nil {
		return nil, fmt.Errorf("sim: lending venue %q: %w", spec.Name, err)
	}
	m.observeOracle(lv, 0)
	if spec.SupplyGwei > 0 {
		m.ethIn += consensus.Gwei(spec.SupplyGwei)
		if err := lv.v.SupplyETH("lenders:"+spec.Name, consensus.Gwei(spec.SupplyGwei)); err != nil {
			return nil, fmt.Errorf("sim: lending venue %q: supply: %w", spec.Name, err)
		}
	}
	return lv, nil
}

// newAaveVenue is an Aave pool with an ETH reserve (not collateral) and
// the token's reserve, and the e-mode category when given.
func newAaveVenue(spec scenarios.LendingVenue) (*lending.AaveVenue, error) {
	p := lending.PoolParams{Name: spec.Name, MinBaseMaxCloseFactor: consensus.Gwei(spec.CloseFactorGwei),
		Reserves: []lending.ReserveParams{
			{Asset: ethReserve, Borrowable: true},
			{Asset: tokenReserve, LTV: spec.LTVBps, LiquidationThreshold: spec.LTBps, LiquidationBonus: spec.BonusBps},
		}}
	if em := spec.EMode; em != nil {
		p.EModes = []lending.EModeCategory{{ID: emodeID, Label: "eth-correlated", LTV: em.LTVBps, LiquidationThreshold: em.LTBps,
			LiquidationBonus: em.BonusBps, Collateral: []string{tokenReserve}, Borrowable: []string{ethReserve}}}
	}
	pool, err := lending.NewPool(p)
	if err != nil {
		return nil, err
	}
	return lending.NewAaveVenue(pool, ethReserve, tokenReserve)
}

// newOracle makes a venue's oracle; a capped rate oracle's snapshot is
// the genesis rate at slot 0.
func (m *marketRun) newOracle(o scenarios.LendingOracle, pool *marketPool) (*lending.Oracle, error) {
	p := lending.OracleParams{Kind: lending.OraclePool}
	switch o.Kind {
	case scenarios.OracleRate:
		p.Kind, p.MaxYearlyGrowthBps = lending.OracleRate, o.CapBpsPerYear
		p.SnapshotRate = pool.tok.rateGwei() * 1_000_000_000
		p.SlotsPerYear = 31_557_600_000 / max(m.e.cfg.SlotDurationMs, 1)
	case scenarios.OracleTWAP:
		p.Kind, p.Window = lending.OracleTWAP, int(o.WindowSlots)
	}
	return lending.NewOracle(p)
}

// observeOracle feeds a venue's oracle market slot's pool price (the last
// price_sell_1) and the protocol's rate, and reads its price.
func (m *marketRun) observeOracle(lv *lendVenue, slot uint64) {
	p := m.pools[lv.pool]
	lv.oracle.Observe(slot, p.price*1_000_000_000, p.tok.rateGwei()*1_000_000_000)
	lv.price = lv.oracle.Price()
	if lv.stats.minPrice == 0 || lv.price < lv.stats.minPrice {
		lv.stats.minPrice = lv.price
	}
}

// venueIndex is the index of the venue named name.
func (m *marketRun) venueIndex(name string) int {
	return slices.IndexFunc(m.venues, func(lv *lendVenue) bool { return lv.spec.Name == name })
}

// looperTargets are the target health factors of a looper group's
// participants [lo, hi): participant i of n gets target_hf +
// (target_hf_max − target_hf)·i/(n−1).
func looperTargets(spec scenarios.TraderGroup, lo, hi int) []uint64 {
	var out []uint64
	for i := lo; i < hi; i++ {
		hf := spec.TargetHFWAD
		if spec.Count > 1 {
			hf += mulDivU64(spec.TargetHFMaxWAD-spec.TargetHFWAD, uint64(i), uint64(spec.Count-1))
		}
		out = append(out, hf)
	}
	return out
}

// loopDuty completes a looper agent's duty with its venue and its
// participants' positions, or is nil: outside the build phase, when the
// group is not managed or none of its participants has a position.
func (m *marketRun) loopDuty(g *traderGroup, a *marketAgent, d *agents.MarketDuty, build bool) *agents.MarketDuty {
	managed := g.spec.ReleverAboveWAD > 0 || g.spec.DeleverageBelowWAD > 0
	if !build && !managed {
		return nil
	}
	vi := g.venues[0]
	lv, p := m.venues[vi], m.pools[g.pool]
	lt, ltv := lv.thresholds(g.spec.EMode)
	d.Loop = &agents.LoopVenue{Venue: vi, PriceWAD: lv.price, MintWAD: p.tok.rateGwei() * 1_000_000_000, LTWAD: lt, LTVWAD: ltv, Build: build}
	some := false
	for _, pi := range a.parts {
		part := m.parts[pi]
		pos := lv.v.Position(part.owner)
		mp := agents.MarketParticipant{ETH: part.eth, Tokens: p.tok.balance(part.owner), Collateral: pos.Collateral, Debt: pos.Debt}
		if pos.Debt > 0 {
			mp.HFWAD = lv.v.HealthFactor(part.owner, lv.price)
		}
		some = some || (build && mp.Tokens > 0) || (!build && mp.Debt > 0)
		d.Participants = append(d.Participants, mp)
	}
	if !some {
		return nil
	}
	return d
}

// applyLoop applies a looper's order in its own venue.
func (m *marketRun) applyLoop(epoch consensus.Epoch, part *marketParticipant, o agents.MarketOrder) (bool, error) {
	if part.loop == nil || o.Venue != part.loop.venue || o.Amount == 0 {
		return false, nil
	}
	lv := m.venues[o.Venue]
	switch o.Kind {
	case agents.OrderLoopBuild:
		return m.applyBuild(lv, part, o.Amount)
	case agents.OrderLoopRelever:
		return m.applyRelever(epoch, lv, part, o.Amount)
	}
	return m.applyDeleverage(epoch, lv, part, o)
}

// applyBuild builds a looper's position with its tokens and debt ETH
// borrowed: the debt is minted at the protocol, all its tokens deposited,
// the debt borrowed at buildPrice (so the build does not move the pool).
// The build phase runs at genesis, so the books move at time 0. A build
// the venue refuses is an error: the agent computes it with
// lending.LoopPosition at the duty's prices, which the venue accepts.
func (m *marketRun) applyBuild(lv *lendVenue, part *marketParticipant, debt consensus.Gwei) (bool, error) {
	p := m.pools[lv.pool]
	const t = 0
	owner := part.owner
	if pos := lv.v.Position(owner); pos.Debt > 0 || pos.Collateral > 0 {
		return false, nil
	}
	equity := p.tok.balance(owner)
	if equity == 0 {
		return false, nil
	}
	lt, ltv := lv.thresholds(part.loop.emode)
	if part.loop.emode {
		if err := lv.aave.EnterEMode(owner, emodeID, lv.price); err != nil {
			return false, err
		}
	}
	more, err := p.tok.mint(owner, debt, t)
	if err != nil {
		return false, err
	}
	m.minted += debt // the borrowed ETH, minted: the venue's cash pays it
	if err := m.deposit(lv, owner, equity+more, t); err != nil {
		return false, err
	}
	return true, lv.v.Borrow(owner, debt, buildPrice(lv.price, lt, ltv))
}

// deposit moves a looper's tokens to the venue and deposits them.
func (m *marketRun) deposit(lv *lendVenue, owner string, tokens consensus.Gwei, t consensus.Epoch) error {
	if err := m.pools[lv.pool].tok.transfer(owner, lv.owner, tokens, t); err != nil {
		return err
	}
	return lv.v.DepositCollateral(owner, tokens)
}

// applyRelever borrows up to more ETH as a loop does: borrow what the
// venue allows now (MaxBorrow at the oracle price), mint it at the
// protocol, deposit the tokens, again, at most 64 rounds.
func (m *marketRun) applyRelever(epoch consensus.Epoch, lv *lendVenue, part *marketParticipant, more consensus.Gwei) (bool, error) {
	p := m.pools[lv.pool]
	t := p.tok.at(epoch)
	if lv.v.Position(part.owner).Debt == 0 {
		return false, nil
	}
	var borrowed consensus.Gwei
	for range 64 {
		b := min(more-borrowed, lv.v.MaxBorrow(part.owner, lv.price))
		if b == 0 {
			break
		}
		if err := lv.v.Borrow(part.owner, b, lv.price); err != nil {
			return false, err
		}
		tokens, err := p.tok.mint(part.owner, b, t)
		if err != nil {
			return false, err
		}
		m.minted += b
		borrowed += b
		if err := m.deposit(lv, part.owner, tokens, t); err != nil {
			return false, err
		}
	}
	lv.stats.Relevers++
	return borrowed > 0, nil
}

// applyDeleverage is a bundle (a flash loan): sell Amount tokens of the
// collateral into the pool, repay the debt with the ETH, withdraw the
// tokens; the surplus ETH goes to the wallet. It is dropped if the sale
// pays less than MinOut or the withdrawal would leave HF below 1.001.
func (m *marketRun) applyDeleverage(epoch consensus.Epoch, lv *lendVenue, part *marketParticipant, o agents.MarketOrder) (bool, error) {
	p := m.pools[lv.pool]
	pos := lv.v.Position(part.owner)
	x := min(o.Amount, pos.Collateral)
	if pos.Debt == 0 || x == 0 {
		return false, nil
	}
	dy, err := p.pool.GetDy(market.Token, market.ETH, x, epoch)
	if err != nil || dy < o.MinOut {
		return false, nil
	}
	repay := min(dy, pos.Debt)
	lt, _ := lv.thresholds(part.loop.emode)
	left := mulDivU64(mulDivU64(uint64(pos.Collateral-x), lv.price, wad), lt, wad)
	if rest := uint64(pos.Debt - repay); rest > 0 && left <= rest+rest/1000 {
		return false, nil
	}
	repaid, err := lv.v.Repay(part.owner, repay)
	if err != nil {
		return false, err
	}
	if err := lv.v.WithdrawCollateral(part.owner, x, lv.price); err != nil {
		return false, err
	}
	t := p.tok.at(epoch)
	if err := p.tok.transfer(lv.owner, part.owner, x, t); err != nil {
		return false, err
	}
	if _, err := p.pool.Exchange(market.Token, market.ETH, x, dy, epoch); err != nil {
		return false, fmt.Errorf("venue %s: the quoted sale failed: %w", lv.spec.Name, err)
	}
	part.eth += dy - repaid
	lv.stats.Deleverages++
	return true, p.tok.transfer(part.owner, p.owner, x, t)
}

// thresholds are the LT and the LTV (WAD) a looper's position is built
// against: the e-mode category's, the reserve's, or Morpho's LLTV for both.
func (lv *lendVenue) thresholds(emode bool) (lt, ltv uint64) {
	s := lv.spec
	switch {
	case s.Kind == scenarios.LendingMorpho:
		return s.LLTVWAD, s.LLTVWAD
	case emode:
		return s.EMode.LTBps * (wad / 10_000), s.EMode.LTVBps * (wad / 10_000)
	}
	return s.LTBps * (wad / 10_000), s.LTVBps * (wad / 10_000)
}

// buildPrice is the price Aave's borrow check is run at when a position
// is built: a loop to a health factor below LT/LTV cannot be borrowed at
// the genesis price (the check uses the LTV), so genesis positions are
// taken as opened earlier, at a price up to LT/LTV higher, and the
// token has slipped since. It is the genesis price for Morpho (LTV = LT).
func buildPrice(price, lt, ltv uint64) uint64 {
	if ltv == 0 || lt <= ltv {
		return price
	}
	return mulDivU64(price, lt, ltv) + 1
}

// newLenders supplies each lender's ETH at genesis.
func (m *marketRun) newLenders(spec scenarios.TraderGroup) error {
	vi := m.venueIndex(spec.Venue)
	if vi < 0 {
		return fmt.Errorf("sim: lender group %q: no venue %q", spec.Name, spec.Venue)
	}
	for i := 0; i < spec.Count; i++ {
		m.ethIn += consensus.Gwei(spec.EthGwei)
		if err := m.venues[vi].v.SupplyETH(fmt.Sprintf("market:%s/%d", spec.Name, i), consensus.Gwei(spec.EthGwei)); err != nil {
			return fmt.Errorf("sim: lender group %q: %w", spec.Name, err)
		}
	}
	return nil
}

// observeOracles feeds every venue's oracle at market slot slot, before
// the agents act, and lists the positions below HF 1.
func (m *marketRun) observeOracles(slot uint64) {
	m.liq = m.liq[:0]
	for vi, lv := range m.venues {
		m.observeOracle(lv, slot)
		for _, pos := range lv.v.Positions() {
			hf := lv.v.HealthFactor(pos.User, lv.price)
			if pos.Debt == 0 || hf >= wad {
				continue
			}
			lp := agents.LiquidatablePosition{Venue: vi, User: pos.User, HFWAD: hf, MaxRepay: lv.v.MaxRepay(pos.User, lv.price)}
			if q, err := lv.v.QuoteLiquidation(pos.User, lp.MaxRepay, lv.price); err == nil {
				lp.Repaid, lp.Seized = q.Repaid, q.Seized-q.Fee
				m.liq = append(m.liq, lp)
			}
		}
	}
	slices.SortStableFunc(m.liq, func(a, b agents.LiquidatablePosition) int {
		if a.HFWAD != b.HFWAD {
			return cmp.Compare(a.HFWAD, b.HFWAD)
		}
		if a.Venue != b.Venue {
			return a.Venue - b.Venue
		}
		return cmp.Compare(a.User, b.User)
	})
}

// liquidatable are the slot's positions below 1 in the venues a
// liquidator group covers.
func (m *marketRun) liquidatable(g *traderGroup) []agents.LiquidatablePosition {
	var out []agents.LiquidatablePosition
	for _, lp := range m.liq {
		if slices.Contains(g.venues, lp.Venue) {
			out = append(out, lp)
		}
	}
	return out
}

// applyLiquidation applies a liquidation bundle: the repay is capped by
// the position's MaxRepay now and the participant's ETH; the bundle is
// dropped if selling the seized tokens into the pool as it is now pays
// less than MinOut (scaled to a capped repay). Otherwise the venue
// liquidates, the seized tokens go to the liquidator and are sold.
func (m *marketRun) applyLiquidation(epoch consensus.Epoch, part *marketParticipant, o agents.MarketOrder) (bool, error) {
	if o.Venue < 0 || o.Venue >= len(m.venues) || m.venues[o.Venue].pool != part.pool || o.Amount == 0 {
		return false, nil
	}
	lv := m.venues[o.Venue]
	p := m.pools[lv.pool]
	hf := lv.v.HealthFactor(o.User, lv.price)
	repay := min(o.Amount, lv.v.MaxRepay(o.User, lv.price), part.eth)
	if repay == 0 {
		return false, nil
	}
	q, err := lv.v.QuoteLiquidation(o.User, repay, lv.price)
	if err != nil || q.Seized <= q.Fee {
		return false, nil
	}
	minOut := consensus.Gwei(mulDivU64(uint64(o.MinOut), uint64(q.Repaid), uint64(o.Amount)))
	if dy, err := p.pool.GetDy(market.Token, market.ETH, q.Seized-q.Fee, epoch); err != nil || dy < minOut {
		return false, nil
	}
	l, err := lv.v.Liquidate(part.owner, o.User, repay, lv.price)
	if err != nil {
		return false, fmt.Errorf("venue %s: a quoted liquidation failed: %w", lv.spec.Name, err)
	}
	return true, m.settleLiquidation(epoch, lv, part, l, hf, minOut)
}

// settleLiquidation moves the seized tokens to the liquidator, pays the
// repay from its wallet, sells the tokens, and records the liquidation.
func (m *marketRun) settleLiquidation(epoch consensus.Epoch, lv *lendVenue, part *marketParticipant, l lending.Liquidation, hf uint64, minOut consensus.Gwei) error {
	p := m.pools[lv.pool]
	t := p.tok.at(epoch)
	got := l.Seized - l.Fee
	part.eth -= l.Repaid
	if err := p.tok.transfer(lv.owner, part.owner, got, t); err != nil {
		return err
	}
	dy, err := p.pool.Exchange(market.Token, market.ETH, got, minOut, epoch)
	if err != nil {
		return fmt.Errorf("venue %s: the quoted sale failed: %w", lv.spec.Name, err)
	}
	part.eth += dy
	if err := p.tok.transfer(part.owner, p.owner, got, t); err != nil {
		return err
	}
	m.recordLiquidation(lv, part, l, hf)
	return nil
}
