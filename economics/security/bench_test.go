package security

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// denseGraph is nFull full-stake and nMag unique-stake operators over nSvcs
// services, each edge present with probability 1/2, profits a fraction of
// each service's backing.
func denseGraph(nFull, nMag, nSvcs int, div uint64) *Graph {
	r := rand.New(rand.NewPCG(20, 20))
	g := &Graph{}
	for i := range nFull + nMag {
		g.Operators = append(g.Operators, Operator{ID: fmt.Sprintf("op%d", i), Stake: 32_000_000_000 * uint64(1+r.IntN(100))})
	}
	for i := range nSvcs {
		g.Services = append(g.Services, Service{ID: fmt.Sprintf("s%d", i), Threshold: []uint64{WAD / 3, WAD / 2, 2 * WAD / 3}[r.IntN(3)]})
	}
	backing := make([]uint64, nSvcs)
	for op := range nFull + nMag {
		mag := op >= nFull
		for s := range nSvcs {
			if r.IntN(2) == 0 {
				continue
			}
			var m uint64
			if mag {
				m = WAD / uint64(nSvcs)
			}
			g.Allocations = append(g.Allocations, Allocation{Operator: op, Service: s, Magnitude: m})
			backing[s] += StakeBacking(g.Operators[op].Stake, m)
		}
	}
	for s := range g.Services {
		g.Services[s].Profit = backing[s] / div
	}
	return g
}

func benchAnalyze(b *testing.B, g *Graph) {
	a, err := Analyze(g, Options{})
	if err != nil || !a.Exact {
		b.Fatalf("not exact: %v %+v", err, a)
	}
	if a.GammaSlack != nil {
		b.Logf("%s: %s, gamma %.4f", a.Method, a.Verdict, *a.GammaSlack)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Analyze(g, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	v := newModel(g).newView(nil, nil)
	b.ReportMetric(float64(uint64(1)<<len(v.full))*float64(b.N)/b.Elapsed().Seconds(), "coalitions/s")
}

// BenchmarkAnalyzeExact20x20 is the largest graph the default options
// analyse exactly: 20 full-stake operators, 20 services.
func BenchmarkAnalyzeExact20x20(b *testing.B) { benchAnalyze(b, denseGraph(20, 0, 20, 40)) }

// BenchmarkAnalyzeExact20x20Unique adds 10 unique-stake operators
// (allocations on about half the services each) to the 20x20 graph.
func BenchmarkAnalyzeExact20x20Unique(b *testing.B) { benchAnalyze(b, denseGraph(20, 10, 20, 40)) }

// BenchmarkCascadeWorstShock finds the worst shock exhaustively on n
// operators and 20 services, in both cascade orders; a fraction of 1 tries
// every set of operators (2^n cascades, about 3^n coalitions searched per
// round in all).
func BenchmarkCascadeWorstShock(b *testing.B) {
	for _, c := range []struct {
		n     int
		f     float64
		order string
	}{{12, 0.3, OrderCheapest}, {12, 1, OrderCheapest}, {14, 0.3, OrderCheapest}, {14, 1, OrderCheapest}, {14, 1, OrderWorst}} {
		b.Run(fmt.Sprintf("ops=%d/fraction=%v/order=%s", c.n, c.f, c.order), func(b *testing.B) {
			g := denseGraph(c.n, 0, 20, 8)
			opts := Options{MaxExactShockOperators: c.n, CascadeOrder: c.order}
			for b.Loop() {
				res, err := Cascade(g, Shock{Fraction: c.f}, opts)
				if err != nil || !res.Exact {
					b.Fatalf("%v %+v", err, res)
				}
			}
		})
	}
}

// BenchmarkCheapestExact is one exact cheapest-attack search (one cascade
// round in the default order) on the 20x20 graphs, with and without 10
// unique-stake operators, and with profits a 40th or a 4th of each
// service's backing (the latter insecure: the search must find the least
// cost, with a knapsack per coalition when allocations take part).
func BenchmarkCheapestExact(b *testing.B) {
	for _, c := range []struct {
		mag int
		div uint64
	}{{0, 40}, {0, 4}, {10, 40}, {10, 4}} {
		b.Run(fmt.Sprintf("unique=%d/div=%d", c.mag, c.div), func(b *testing.B) {
			v := newModel(denseGraph(20, c.mag, 20, c.div)).newView(nil, nil)
			f, exact := v.searchCheapest()
			if !exact {
				b.Fatal("knapsack budget ran out")
			}
			if f != nil {
				b.Logf("cheapest attack: cost %d, profit %d, %d units", f.cost, f.profit, len(f.units))
			}
			for b.Loop() {
				v.searchCheapest()
			}
			b.ReportMetric(float64(uint64(1)<<len(v.full))*float64(b.N)/b.Elapsed().Seconds(), "coalitions/s")
		})
	}
}
