package security

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

// remaining is the graph left after a shock and some cascade rounds, built
// from the result's ids only: shocked operators and full-stake attackers
// lose every allocation, attacking unique-stake allocations are removed,
// compromised services are dropped. Operators keep their stake (so that
// w(v, s) of an operator's other allocations is unchanged, as EigenLayer's
// unique stake promises).
func remaining(g *Graph, removedOps map[string]bool, removedAllocs map[[2]string]bool, compromised map[string]bool) *Graph {
	out := &Graph{Operators: g.Operators}
	newIdx := make([]int, len(g.Services))
	for s, svc := range g.Services {
		newIdx[s] = -1
		if !compromised[svc.ID] {
			newIdx[s] = len(out.Services)
			out.Services = append(out.Services, svc)
		}
	}
	for _, a := range g.Allocations {
		op, svc := g.Operators[a.Operator].ID, g.Services[a.Service].ID
		if removedOps[op] || removedAllocs[[2]string{op, svc}] || newIdx[a.Service] < 0 {
			continue
		}
		out.Allocations = append(out.Allocations, Allocation{Operator: a.Operator, Service: newIdx[a.Service], Magnitude: a.Magnitude})
	}
	return out
}

// replayCascade checks a cascade against the definitions, with the brute
// force: the shock is what it says, each round is a valid attack on the
// graph left by the shock and the previous rounds and is the most
// profitable one there, and no valid attack is left at the end. It also
// checks the loss bookkeeping.
func replayCascade(t *testing.T, g *Graph, res *CascadeResult) {
	t.Helper()
	stake := map[string]uint64{}
	magOp := map[string]bool{}
	for _, o := range g.Operators {
		stake[o.ID] = o.Stake
	}
	for _, a := range g.Allocations {
		if a.Magnitude != 0 {
			magOp[g.Operators[a.Operator].ID] = true
		}
	}
	removedOps := map[string]bool{}
	removedAllocs := map[[2]string]bool{}
	compromised := map[string]bool{}
	var shock uint64
	for _, id := range res.ShockOperators {
		removedOps[id] = true
		shock += stake[id]
	}
	if shock != res.ShockGwei {
		t.Fatalf("shock %d Gwei, operators %v hold %d", res.ShockGwei, res.ShockOperators, shock)
	}
	lost := shock
	for k, r := range res.Rounds {
		cur := remaining(g, removedOps, removedAllocs, compromised)
		if err := checkAttack(cur, &r.Attack); err != nil {
			t.Fatalf("round %d: attack %+v invalid on the remaining graph: %v", k, r.Attack, err)
		}
		if res.Exact {
			if bf := bruteForce(t, cur); attackValue(&r.Attack) != bf.bestValue {
				t.Fatalf("round %d: profit-cost %d, the most profitable attack has %d", k, attackValue(&r.Attack), bf.bestValue)
			}
		}
		if r.StakeLostGwei != r.Attack.CostGwei {
			t.Fatalf("round %d: lost %d, cost %d", k, r.StakeLostGwei, r.Attack.CostGwei)
		}
		lost += r.StakeLostGwei
		for _, id := range r.Attack.Operators {
			if !magOp[id] {
				removedOps[id] = true
			}
		}
		for _, al := range r.Attack.Allocations {
			removedAllocs[[2]string{al.Operator, al.Service}] = true
		}
		for _, s := range r.Attack.Services {
			if compromised[s] {
				t.Fatalf("round %d: service %q compromised twice", k, s)
			}
			compromised[s] = true
		}
	}
	if lost != res.StakeLostGwei {
		t.Fatalf("lost %d, rounds and shock add to %d", res.StakeLostGwei, lost)
	}
	var all []string
	for _, s := range g.Services {
		if compromised[s.ID] {
			all = append(all, s.ID)
		}
	}
	if !slices.Equal(all, res.ServicesCompromised) && !(len(all) == 0 && len(res.ServicesCompromised) == 0) {
		t.Fatalf("services compromised %v, rounds give %v", res.ServicesCompromised, all)
	}
	if res.Exact {
		if bf := bruteForce(t, remaining(g, removedOps, removedAllocs, compromised)); bf.attack {
			t.Fatalf("cascade stopped with a valid attack left (profit-cost %d)", bf.bestValue)
		}
	}
}

func TestCascadeHandMade(t *testing.T) {
	// The paper's Theorem 2 graph (section 4): secure with γ = 0; removing
	// a (ψ = 0.1) leaves b alone on x, which it now corrupts at cost 90 <
	// 100: everything is lost.
	thm2 := &Graph{
		Operators:   ops("a", 10, "b", 90),
		Services:    []Service{{ID: "x", Profit: 100, Threshold: WAD}},
		Allocations: []Allocation{{0, 0, 0}, {1, 0, 0}},
	}
	// a chain: s1 backed by a (60) and b (40), α 1/2, π 45; s2 backed by b
	// and c (50), α 2/3, π 55. Secure (cheapest: a on s1, 60/45; γ = 1/3).
	// Remove a: s1's need drops to 20, and {b, c} corrupts both (need 20
	// and 60 of 90) for 90 < 100 — worth 10, more than b on s1 alone (5).
	chain := &Graph{
		Operators: ops("a", 60, "b", 40, "c", 50),
		Services: []Service{
			{ID: "s1", Profit: 45, Threshold: half()},
			{ID: "s2", Profit: 55, Threshold: 2 * WAD / 3},
		},
		Allocations: []Allocation{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {2, 1, 0}},
	}
	cases := []struct {
		name        string
		g           *Graph
		shock       Shock
		shockOps    []string
		rounds      [][]string // each round's services
		compromised []string
		lost        uint64
		fraction    float64
	}{
		{"theorem 2, remove a", thm2, Shock{Remove: []string{"a"}}, []string{"a"}, [][]string{{"x"}}, []string{"x"}, 100, 1},
		{"theorem 2, worst 10%", thm2, Shock{Fraction: 0.1}, []string{"a"}, [][]string{{"x"}}, []string{"x"}, 100, 1},
		// 9% fits no operator: the empty shock, and the graph is secure.
		{"theorem 2, worst 9%", thm2, Shock{Fraction: 0.09}, []string{}, nil, []string{}, 0, 0},
		{"no shock", thm2, Shock{}, []string{}, nil, []string{}, 0, 0},
		{"chain, remove a", chain, Shock{Remove: []string{"a"}}, []string{"a"}, [][]string{{"s1", "s2"}}, []string{"s1", "s2"}, 150, 1},
		// Budget 60 of 150: removing b (40) lets c take s2 (loss 90),
		// removing c lets b take s2 (90), removing a loses everything.
		{"chain, worst 40%", chain, Shock{Fraction: 0.4}, []string{"a"}, [][]string{{"s1", "s2"}}, []string{"s1", "s2"}, 150, 1},
		// Budget 51: b or c alone, 90 either way; the tie goes to the
		// smaller shock, b.
		{"chain, worst 34%", chain, Shock{Fraction: 0.34}, []string{"b"}, [][]string{{"s2"}}, []string{"s2"}, 90, 0.6},
		// 1/3 as a float64 is a hair below 1/3: budget 49, only b fits.
		{"chain, worst 1/3", chain, Shock{Fraction: 1.0 / 3}, []string{"b"}, [][]string{{"s2"}}, []string{"s2"}, 90, 0.6},
		{"chain, remove b", chain, Shock{Remove: []string{"b"}}, []string{"b"}, [][]string{{"s2"}}, []string{"s2"}, 90, 0.6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Cascade(c.g, c.shock, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Exact {
				t.Fatal("not exact")
			}
			var rounds [][]string
			for _, r := range res.Rounds {
				rounds = append(rounds, r.Attack.Services)
			}
			if !slices.Equal(res.ShockOperators, c.shockOps) || fmt.Sprint(rounds) != fmt.Sprint(c.rounds) ||
				!slices.Equal(res.ServicesCompromised, c.compromised) || res.StakeLostGwei != c.lost || res.StakeLostFraction != c.fraction {
				t.Fatalf("got shock %v rounds %v compromised %v lost %d (%v)", res.ShockOperators, rounds, res.ServicesCompromised, res.StakeLostGwei, res.StakeLostFraction)
			}
			replayCascade(t, c.g, res)
		})
	}
}

func TestCascadeErrors(t *testing.T) {
	g := &Graph{Operators: ops("a", 1), Services: []Service{{ID: "s", Profit: 0, Threshold: WAD}}, Allocations: []Allocation{{0, 0, 0}}}
	for _, s := range []Shock{
		{Fraction: 0.5, Remove: []string{"a"}},
		{Fraction: -0.1},
		{Fraction: 1.5},
		{Fraction: nan()},
		{Remove: []string{"zz"}},
		{Remove: []string{"a", "a"}},
	} {
		if _, err := Cascade(g, s, Options{}); !errors.Is(err, ErrInvalidShock) {
			t.Fatalf("shock %+v: got %v", s, err)
		}
	}
}

func nan() float64 { var z float64; return z / z }

func TestShockBudget(t *testing.T) {
	for _, c := range []struct {
		f     float64
		total uint64
		want  uint64
	}{
		{0.1, 100, 10},     // 0.1 is a hair above 1/10 as a float64
		{0.3, 10, 2},       // 0.3 is a hair below 3/10: floor(2.999...) = 2
		{1.0 / 3, 150, 49}, // likewise a hair below 1/3
		{1, MaxTotalGwei, MaxTotalGwei},
		{0, 12345, 0},
		{0.5, 7, 3},
	} {
		if got := shockBudget(c.f, c.total); got != c.want {
			t.Fatalf("budget(%v, %d) = %d, want %d", c.f, c.total, got, c.want)
		}
	}
}

// theoremHolds is Theorem 1's bound for a graph whose minimum cost/profit
// over attacking coalitions is ratio = N/D > 1, so γ = N/D - 1 > 0 and
// 1 + 1/γ = N/(N-D): lost < (1 + 1/γ)·shock ⇔ lost·(N-D) < shock·N.
func theoremHolds(ratio *big.Rat, lost, shock uint64) bool {
	n, d := ratio.Num(), ratio.Denom()
	lhs := new(big.Int).Mul(new(big.Int).SetUint64(lost), new(big.Int).Sub(n, d))
	rhs := new(big.Int).Mul(new(big.Int).SetUint64(shock), n)
	return lhs.Cmp(rhs) < 0
}

// TestTheorem1 checks the paper's Theorem 1 (section 3) on random graphs
// with positive γ-slack (computed by the brute force): every cascade —
// the worst shock of several fractions, found exhaustively, and random
// removals — loses less than (1 + 1/γ)·ψ, ψ being the shock's actual stake
// fraction; with no shock nothing is lost. Each cascade is also replayed
// against the definitions.
func TestTheorem1(t *testing.T) {
	r := rand.New(rand.NewPCG(31337, 4))
	graphs, cascades, nontrivial := 0, 0, 0
	worst := 0.0 // largest loss / bound seen
	for i := 0; graphs < 150 && i < 5000; i++ {
		g := randomGraph(r, 7, 6, i%2 == 1)
		bf := bruteForce(t, g)
		if bf.attack || !bf.hasRatio || bf.ratio.Cmp(big.NewRat(1, 1)) <= 0 {
			continue
		}
		graphs++
		var total uint64
		for _, o := range g.Operators {
			total += o.Stake
		}
		var shocks []Shock
		for _, f := range []float64{0.05, 0.1, 0.2, 0.35, 0.5} {
			shocks = append(shocks, Shock{Fraction: f})
		}
		for range 4 {
			var rm []string
			for _, o := range g.Operators {
				if r.IntN(3) == 0 {
					rm = append(rm, o.ID)
				}
			}
			shocks = append(shocks, Shock{Remove: rm})
		}
		for _, s := range shocks {
			res, err := Cascade(g, s, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Exact {
				t.Fatalf("graph %d: cascade not exact", i)
			}
			cascades++
			replayCascade(t, g, res)
			if s.Fraction > 0 && res.ShockGwei > shockBudget(s.Fraction, total) {
				t.Fatalf("graph %d: shock %d over budget", i, res.ShockGwei)
			}
			if res.ShockGwei == 0 {
				if res.StakeLostGwei != 0 {
					t.Fatalf("graph %d: secure graph lost %d with no shock", i, res.StakeLostGwei)
				}
				continue
			}
			if !theoremHolds(bf.ratio, res.StakeLostGwei, res.ShockGwei) {
				t.Fatalf("graph %d (%+v): shock %+v lost %d of shock %d, beyond (1+1/γ)ψ with γ = %v - 1", i, g, s, res.StakeLostGwei, res.ShockGwei, bf.ratio)
			}
			if len(res.Rounds) > 0 {
				nontrivial++
			}
			n, d := bf.ratio.Num(), bf.ratio.Denom()
			bound := new(big.Rat).SetFrac(new(big.Int).Mul(new(big.Int).SetUint64(res.ShockGwei), n), new(big.Int).Sub(n, d))
			f, _ := new(big.Rat).Quo(new(big.Rat).SetInt64(int64(res.StakeLostGwei)), bound).Float64()
			worst = max(worst, f)
		}
	}
	if graphs < 150 || nontrivial < 50 {
		t.Fatalf("weak sample: %d graphs, %d cascades with an attack", graphs, nontrivial)
	}
	t.Logf("%d graphs with γ > 0, %d cascades (%d with attacks); largest loss/bound %.3f", graphs, cascades, nontrivial, worst)
}

// TestCascadeOneRoundWhenExact checks a consequence of Corollary 1 (section
// 3): the attacks of a cascade together form a valid attack on the graph
// they started from, worth the sum of their profits minus costs, so once
// the most profitable attack has been executed no valid attack remains —
// an exact greedy cascade has at most one round. Graphs are random,
// secure or not, and the shock is random.
func TestCascadeOneRoundWhenExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for i := range 300 {
		g := randomGraph(r, 7, 6, i%2 == 1)
		var rm []string
		for _, o := range g.Operators {
			if r.IntN(4) == 0 {
				rm = append(rm, o.ID)
			}
		}
		res, err := Cascade(g, Shock{Remove: rm}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rounds) > 1 {
			t.Fatalf("graph %d: %d rounds", i, len(res.Rounds))
		}
		replayCascade(t, g, res)
	}
}
