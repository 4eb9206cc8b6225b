package sim

import (
	"slices"
	"testing"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/economics/market"
	"github.com/stakesim/stakesim/scenarios"
)

// newLendingEngine builds a built-in's engine at genesis (no epoch run).
func newLendingEngine(t *testing.T, name string) *Engine {
	t.Helper()
	sc, err := scenarios.Load(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.SetBLS("off"); err != nil {
		t.Fatal(err)
	}
	e, err := New(sc, &rowSink{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	buildLoops(t, e)
	return e
}

// buildLoops runs the loopers' build phase, as Run does before the first
// epoch.
func buildLoops(t *testing.T, e *Engine) {
	t.Helper()
	e.Start()
	t.Cleanup(e.Stop)
	if err := e.mk.build(); err != nil {
		t.Fatal(err)
	}
}

// TestLooperGenesisPosition: lst-slash-loops' loopers are built at HF
// 1.01 in e-mode (LT 95%); the leverage, collateral value over equity, is
// 1/(1 − LT/h) = 1.01/0.06 = 16.8333… worked by hand. At genesis the
// rate is exactly 1 and the oracle reads it, so collateral and equity
// (2 ETH of tokens) compare directly.
func TestLooperGenesisPosition(t *testing.T) {
	e := newLendingEngine(t, "lst-slash-loops")
	lv := e.mk.venues[0]
	if lv.price != wad {
		t.Fatalf("genesis oracle price %d, want 1e18", lv.price)
	}
	ps := lv.v.Positions()
	if len(ps) != 10 {
		t.Fatalf("%d positions, want 10", len(ps))
	}
	for _, p := range ps {
		hf := float64(lv.v.HealthFactor(p.User, lv.price)) / 1e18
		if hf < 1.0099 || hf > 1.0101 {
			t.Errorf("%s: HF %.6f, want 1.01", p.User, hf)
		}
		lev := float64(p.Collateral) / 2e9
		if lev < 16.83 || lev > 16.84 {
			t.Errorf("%s: leverage %.4f, want 16.8333", p.User, lev)
		}
		// debt = collateral − equity (the borrowed ETH minted 1:1)
		if d := int64(p.Collateral) - 2e9 - int64(p.Debt); d < -2 || d > 2 {
			t.Errorf("%s: collateral %d, debt %d: not equity + debt", p.User, p.Collateral, p.Debt)
		}
	}
}

// TestLiquidationSaleMovesNextCheck: two positions below HF 1 in one
// slot; the liquidator's first bundle sells its seized tokens into the
// pool, and the second bundle's sale is quoted on the pool that sale
// left: lower than on the pool without it. The expectation is computed
// on copies of the pool alone.
func TestLiquidationSaleMovesNextCheck(t *testing.T) {
	e := newLendingEngine(t, "steth-2022")
	m := e.mk
	p := m.pools[0]
	// Push the pool price to about 0.977: loopers at HF 1.01 and 1.02
	// fall below 1, the one at 1.03 does not (1.03·0.977 > 1.006).
	for m.priceGwei(p, 0) > 977_000_000 {
		if _, err := p.pool.Exchange(market.Token, market.ETH, 2e9, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	p.price = m.priceGwei(p, 0)
	m.observeOracles(1)
	if len(m.liq) != 2 || m.liq[0].User != "market:loopers/0" || m.liq[1].User != "market:loopers/1" {
		t.Fatalf("liquidatable %+v, want loopers 0 and 1", m.liq)
	}
	var g *traderGroup
	for _, x := range m.groups {
		if x.spec.Kind == scenarios.TraderLiquidator {
			g = x
		}
	}
	a := &g.agents[0]
	snap := *p.pool
	d := m.duty(g, a, &snap, 0, 0, false)
	liq := &agents.MarketLiquidatorAgent{MinProfitBps: g.spec.MinProfitBps, Venues: g.venues}
	orders := liq.Decide(d)
	if len(orders) != 2 {
		t.Fatalf("orders %+v, want two liquidations", orders)
	}
	seized1, seized2 := m.liq[0].Seized, m.liq[1].Seized
	alone := *p.pool // the pool without the first sale
	withFirst := *p.pool
	if _, err := withFirst.Exchange(market.Token, market.ETH, seized1, 0, 0); err != nil {
		t.Fatal(err)
	}
	dyAlone, _ := alone.GetDy(market.Token, market.ETH, seized2, 0)
	dyAfter, _ := withFirst.GetDy(market.Token, market.ETH, seized2, 0)
	if err := m.apply(0, a, orders[:1]); err != nil {
		t.Fatal(err)
	}
	live, _ := p.pool.GetDy(market.Token, market.ETH, seized2, 0)
	if live != dyAfter || !(live < dyAlone) {
		t.Fatalf("second sale quote: live %d, pool with the first sale %d, without %d", live, dyAfter, dyAlone)
	}
	if err := m.apply(0, a, orders[1:]); err != nil {
		t.Fatal(err)
	}
	if lv := m.venues[0]; lv.stats.Liquidations != 2 || lv.v.HealthFactor("market:loopers/1", lv.price) < wad {
		t.Errorf("after both: %d liquidations, HF of looper 1 %d", lv.stats.Liquidations, lv.v.HealthFactor("market:loopers/1", lv.price))
	}
}

// TestManagedLooperSurvivesFall: two loopers at HF 1.1 in steth-2022's
// Aave venue (pool oracle, LT 0.81), one managed (deleverage_below
// 1.05), one not, with the liquidators. The pool's price is pushed down
// to about 0.88 in small steps, a market slot after each: the unmanaged
// loop falls below 1 (1.1·0.88 < 1) and is liquidated; the managed one
// sells collateral and repays whenever its HF is below 1.05, and is
// never liquidated.
func TestManagedLooperSurvivesFall(t *testing.T) {
	sc, err := scenarios.Load("steth-2022", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.SetBLS("off"); err != nil {
		t.Fatal(err)
	}
	var liq, loop scenarios.TraderGroup
	for _, g := range sc.Markets.Traders {
		switch g.Kind {
		case scenarios.TraderLiquidator:
			liq = g
		case scenarios.TraderLooper:
			loop = g
		}
	}
	loop.Count, loop.Agents, loop.TargetHFWAD, loop.TargetHFMaxWAD = 1, 1, 11*wad/10, 11*wad/10
	managed := loop
	managed.Name, managed.DeleverageBelowWAD = "managed", wad+wad/20
	sc.Markets.Traders = []scenarios.TraderGroup{liq, loop, managed}
	e, err := New(sc, &rowSink{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	buildLoops(t, e)
	m := e.mk
	var liquidated []string
	m.ev = func(d EventDetails) {
		if l, ok := d.(LiquidationDetails); ok {
			liquidated = append(liquidated, l.User)
		}
	}
	p, lv := m.pools[0], m.venues[0]
	for k := uint64(0); m.priceGwei(p, 0) > 880_000_000; k++ {
		if _, err := p.pool.Exchange(market.Token, market.ETH, 3e9, 0, 0); err != nil {
			t.Fatal(err)
		}
		p.price = m.priceGwei(p, 0)
		if err := m.slot(0, k, m.ev); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Contains(liquidated, "market:loopers/0") {
		t.Fatalf("liquidations %v: the unmanaged looper should be liquidated", liquidated)
	}
	if slices.Contains(liquidated, "market:managed/0") {
		t.Fatalf("liquidations %v: the managed looper was liquidated", liquidated)
	}
	hf := lv.v.HealthFactor("market:managed/0", lv.price)
	if lv.stats.Deleverages == 0 || hf < wad || lv.v.Position("market:managed/0").Debt == 0 {
		t.Fatalf("managed looper: %d deleverages, HF %d, position %+v", lv.stats.Deleverages, hf, lv.v.Position("market:managed/0"))
	}
	t.Logf("price %d, managed HF %d after %d deleverages; liquidations %v", p.price, hf, lv.stats.Deleverages, liquidated)
}
