package sim

import (
	"context"
	"errors"
	"testing"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/market"
	"github.com/stakesim/stakesim/scenarios"
)

// TestDepegCrossings: each threshold fires once per downward crossing and
// is re-armed when the price is back at or above it. The pool is moved
// by exchanges; the prices are read from the pool itself, the events
// counted against the thresholds the price passed.
func TestDepegCrossings(t *testing.T) {
	pool, err := market.NewPool(market.DefaultParams(), 1000e9, 1000e9)
	if err != nil {
		t.Fatal(err)
	}
	m := &marketRun{e: &Engine{cfg: consensus.Config{SlotsPerEpoch: 8}}}
	p := &marketPool{pool: pool}
	p.price = m.priceGwei(p, 0)
	p.minPriceGwei = p.price
	for i, th := range depegThresholds {
		p.armed[i] = p.price >= th
	}
	var got []string
	ev := func(d EventDetails) { got = append(got, d.(DepegDetails).Threshold) }
	step := func(i, j int, dx consensus.Gwei) uint64 {
		if _, err := pool.Exchange(i, j, dx, 0, 0); err != nil {
			t.Fatal(err)
		}
		m.observePrice(p, 0, 0, ev)
		return p.price
	}
	// Sell tokens until below 0.99 but above 0.97: one event.
	for p.price >= 990_000_000 {
		step(market.Token, market.ETH, 20e9)
	}
	if p.price < 970_000_000 || len(got) != 1 || got[0] != "0.990000000" {
		t.Fatalf("price %d, events %v", p.price, got)
	}
	// Still below 0.99: nothing new.
	step(market.Token, market.ETH, 1e9)
	if len(got) != 1 {
		t.Fatalf("a second event below the same threshold: %v", got)
	}
	// Back above 0.99, then below again: a second 0.99 event.
	for p.price < 990_000_000 {
		step(market.ETH, market.Token, 20e9)
	}
	for p.price >= 990_000_000 {
		step(market.Token, market.ETH, 20e9)
	}
	if len(got) != 2 || got[1] != "0.990000000" {
		t.Fatalf("after re-arming: %v", got)
	}
	// One large sale crossing 0.97, 0.95 and 0.90 at once: three events.
	for p.price >= 900_000_000 {
		step(market.Token, market.ETH, 200e9)
	}
	if len(got) < 5 || got[len(got)-1] != "0.900000000" {
		t.Fatalf("deep sale: %v", got)
	}
	if p.stats.Depegs != uint64(len(got)) || p.minPriceGwei != p.price {
		t.Errorf("stats %+v, min %d, price %d", p.stats, p.minPriceGwei, p.price)
	}
}

// TestMarketInvariantsCatch: the market's checks fail on a ledger that
// does not add up, on pool tokens the books do not hold, and on LP
// tokens nobody holds.
func TestMarketInvariantsCatch(t *testing.T) {
	sc, err := scenarios.Load("steth-2022", nil)
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
	e.Start()
	defer e.Stop()
	for i := 0; i < 3; i++ {
		if err := e.RunEpoch(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	m := e.mk
	if err := m.check(2, "main"); err != nil {
		t.Fatalf("a clean run fails its check: %v", err)
	}
	m.ethIn++
	if err := m.check(2, "main"); !errors.Is(err, ErrMarketETH) {
		t.Errorf("an extra Gwei of genesis ETH: %v", err)
	}
	m.ethIn--
	m.pools[0].passive++
	if err := m.check(2, "main"); !errors.Is(err, ErrMarketTokens) {
		t.Errorf("an LP token nobody holds: %v", err)
	}
	m.pools[0].passive--
	m.pools[0].owner = "pool:elsewhere"
	if err := m.check(2, "main"); !errors.Is(err, ErrMarketTokens) {
		t.Errorf("pool tokens the books do not hold: %v", err)
	}
}
