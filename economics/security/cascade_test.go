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

// attackKeys numbers an attack's participants on g as bfKey does: its
// full-stake operators and its unique-stake allocations.
func attackKeys(g *Graph, at *Attack) []int {
	opIdx, svcIdx := map[string]int{}, map[string]int{}
	for i, o := range g.Operators {
		opIdx[o.ID] = i
	}
	for i, sv := range g.Services {
		svcIdx[sv.ID] = i
	}
	magOp := map[int]bool{}
	for _, a := range g.Allocations {
		if a.Magnitude != 0 {
			magOp[a.Operator] = true
		}
	}
	var keys []int
	for _, id := range at.Operators {
		if op := opIdx[id]; !magOp[op] {
			keys = append(keys, op*(len(g.Services)+1))
		}
	}
	for _, al := range at.Allocations {
		keys = append(keys, opIdx[al.Operator]*(len(g.Services)+1)+1+svcIdx[al.Service])
	}
	slices.Sort(keys)
	return keys
}

// checkCheapest checks that at is the brute force's choice for the order
// "cheapest" on g: a valid attack of least cost, then largest profit, then
// smallest list of participants, corrupting every service they can.
func checkCheapest(g *Graph, at *Attack, bf bfResult) error {
	if !bf.attack {
		return fmt.Errorf("no valid attack exists")
	}
	want := bf.cheapest
	var svcs []string
	for _, s := range want.services {
		svcs = append(svcs, g.Services[s].ID)
	}
	if at.CostGwei != want.cost || at.ProfitGwei != want.profit || !slices.Equal(attackKeys(g, at), want.keys) || !slices.Equal(at.Services, svcs) {
		return fmt.Errorf("attack cost %d profit %d keys %v services %v; the cheapest is cost %d profit %d keys %v services %v",
			at.CostGwei, at.ProfitGwei, attackKeys(g, at), at.Services, want.cost, want.profit, want.keys, svcs)
	}
	return nil
}

// replayCascade checks a cascade against the definitions, with the brute
// force: the shock is what it says, each round is a valid attack on the
// graph left by the shock and the previous rounds — when the cascade is
// exact, the one its order picks there (the most profitable, or the
// cheapest with its tie-breaks) — and, when exact, no valid attack is left
// at the end. It also checks the loss bookkeeping.
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
			bf := bruteForce(t, cur)
			switch res.Order {
			case OrderWorst:
				if attackValue(&r.Attack) != bf.bestValue {
					t.Fatalf("round %d: profit-cost %d, the most profitable attack has %d", k, attackValue(&r.Attack), bf.bestValue)
				}
			case OrderCheapest:
				if err := checkCheapest(cur, &r.Attack, bf); err != nil {
					t.Fatalf("round %d (graph left %+v): %v", k, cur, err)
				}
			default:
				t.Fatalf("order %q", res.Order)
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
	// 100: everything is lost. It is the only attack, so both orders agree.
	thm2 := &Graph{
		Operators:   ops("a", 10, "b", 90),
		Services:    []Service{{ID: "x", Profit: 100, Threshold: WAD}},
		Allocations: []Allocation{{0, 0, 0}, {1, 0, 0}},
	}
	// a chain: s1 backed by a (60) and b (40), α 1/2, π 45; s2 backed by b
	// and c (50), α 2/3, π 55. Secure (cheapest: a on s1, 60/45; γ = 1/3).
	// Remove a: s1's need drops to 20, s2's stays ceil(2/3·90) = 60. Valid
	// attacks: {b} on s1 (40 < 45, worth 5) and {b, c} on both (90 < 100,
	// worth 10). Worst order: {b, c} at once. Cheapest order: {b} (40);
	// then s2 is backed by c alone, need ceil(2/3·50) = 34 <= 50, and {c}
	// takes it (50 < 55). Either way everything is lost.
	// Removing b instead: s1 is backed by a alone (need 30; 60 > 45, no
	// attack), s2 by c alone (need 34): {c} takes s2 (50 < 55), then a on
	// s1 still costs 60 > 45: loss 40 + 50 = 90. Removing c: s2 is backed
	// by b alone (need 27): {b} takes s2 (40 < 55), then a alone on s1
	// costs 60 > 45: loss 50 + 40 = 90.
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
		order       string // "" is the default, cheapest
		shock       Shock
		shockOps    []string
		rounds      [][]string // each round's services
		compromised []string
		lost        uint64
		fraction    float64
	}{
		{"theorem 2, remove a", thm2, "", Shock{Remove: []string{"a"}}, []string{"a"}, [][]string{{"x"}}, []string{"x"}, 100, 1},
		{"theorem 2, remove a, worst", thm2, OrderWorst, Shock{Remove: []string{"a"}}, []string{"a"}, [][]string{{"x"}}, []string{"x"}, 100, 1},
		{"theorem 2, worst 10%", thm2, "", Shock{Fraction: 0.1}, []string{"a"}, [][]string{{"x"}}, []string{"x"}, 100, 1},
		// 9% fits no operator: the empty shock, and the graph is secure.
		{"theorem 2, worst 9%", thm2, "", Shock{Fraction: 0.09}, []string{}, nil, []string{}, 0, 0},
		{"no shock", thm2, OrderCheapest, Shock{}, []string{}, nil, []string{}, 0, 0},
		{"chain, remove a", chain, "", Shock{Remove: []string{"a"}}, []string{"a"}, [][]string{{"s1"}, {"s2"}}, []string{"s1", "s2"}, 150, 1},
		{"chain, remove a, worst", chain, OrderWorst, Shock{Remove: []string{"a"}}, []string{"a"}, [][]string{{"s1", "s2"}}, []string{"s1", "s2"}, 150, 1},
		// Budget 60 of 150: removing b (40) or c (50) loses 90 (above),
		// removing a loses everything, in either order.
		{"chain, worst 40%", chain, "", Shock{Fraction: 0.4}, []string{"a"}, [][]string{{"s1"}, {"s2"}}, []string{"s1", "s2"}, 150, 1},
		{"chain, worst 40%, worst order", chain, OrderWorst, Shock{Fraction: 0.4}, []string{"a"}, [][]string{{"s1", "s2"}}, []string{"s1", "s2"}, 150, 1},
		// Budget 51: b or c alone, 90 either way; the tie goes to the
		// smaller shock, b.
		{"chain, worst 34%", chain, "", Shock{Fraction: 0.34}, []string{"b"}, [][]string{{"s2"}}, []string{"s2"}, 90, 0.6},
		{"chain, worst 34%, worst order", chain, OrderWorst, Shock{Fraction: 0.34}, []string{"b"}, [][]string{{"s2"}}, []string{"s2"}, 90, 0.6},
		// 1/3 as a float64 is a hair below 1/3: budget 49, only b fits.
		{"chain, worst 1/3", chain, "", Shock{Fraction: 1.0 / 3}, []string{"b"}, [][]string{{"s2"}}, []string{"s2"}, 90, 0.6},
		{"chain, remove b", chain, "", Shock{Remove: []string{"b"}}, []string{"b"}, [][]string{{"s2"}}, []string{"s2"}, 90, 0.6},
		{"chain, remove c", chain, "", Shock{Remove: []string{"c"}}, []string{"c"}, [][]string{{"s2"}}, []string{"s2"}, 90, 0.6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Cascade(c.g, c.shock, Options{CascadeOrder: c.order})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Exact {
				t.Fatal("not exact")
			}
			wantOrder := c.order
			if wantOrder == "" {
				wantOrder = OrderCheapest
			}
			if res.Order != wantOrder {
				t.Fatalf("order %q, want %q", res.Order, wantOrder)
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

// TestCascadeLongChain is a cascade of four rounds under the cheapest
// order, worked out by hand. Operators op1..op5 have 100 each; service s_k
// (k = 1..4, profit 110, α 2/3) is backed by op_k and op_{k+1}, 200 in
// all, so it needs ceil(2/3·200) = 134, both of its backers: m operators
// corrupt at most the m - 1 services between them (a path), 110·(m - 1) <
// 100·m for m <= 5 — secure, the tightest coalition being all five
// (500 for 440, γ = 500/440 - 1 = 3/22).
//
// Shock: remove op1. s1 is now backed by op2 alone and needs
// ceil(2/3·100) = 67.
//
//	round 1: valid attacks are {op2} on s1 (100 < 110) and {op2, ..., op_j}
//	         on s1..s_{j-1} (100·(j-1) < 110·(j-1)); the cheapest is {op2}.
//	round 2: op2 gone, s2 is backed by op3 alone (need 67): {op3} on s2,
//	         100 < 110, is the cheapest.
//	round 3: {op4} on s3, likewise.
//	round 4: {op5} on s4; nothing is left.
//
// Loss: 100 (shock) + 4·100 = 500, all the stake. The worst order instead
// executes {op2, op3, op4, op5} on s1..s4 at once (400 < 440, worth 40,
// more than any shorter chain): one round, the same loss.
func TestCascadeLongChain(t *testing.T) {
	g := &Graph{Operators: ops("op1", 100, "op2", 100, "op3", 100, "op4", 100, "op5", 100)}
	for k := 1; k <= 4; k++ {
		g.Services = append(g.Services, Service{ID: fmt.Sprintf("s%d", k), Profit: 110, Threshold: 2 * WAD / 3})
		g.Allocations = append(g.Allocations, Allocation{Operator: k - 1, Service: k - 1}, Allocation{Operator: k, Service: k - 1})
	}
	if a, err := Analyze(g, Options{}); err != nil || !a.Secure {
		t.Fatalf("intact chain not secure: %+v %v", a, err)
	}
	res, err := Cascade(g, Shock{Remove: []string{"op1"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Exact || res.Order != OrderCheapest || len(res.Rounds) != 4 {
		t.Fatalf("exact %v order %q, %d rounds: %+v", res.Exact, res.Order, len(res.Rounds), res.Rounds)
	}
	for k, r := range res.Rounds {
		wantOp, wantSvc := fmt.Sprintf("op%d", k+2), fmt.Sprintf("s%d", k+1)
		if !slices.Equal(r.Attack.Operators, []string{wantOp}) || !slices.Equal(r.Attack.Services, []string{wantSvc}) ||
			r.Attack.CostGwei != 100 || r.Attack.ProfitGwei != 110 || r.StakeLostGwei != 100 {
			t.Fatalf("round %d: %+v, want {%s} on {%s}, cost 100, profit 110", k+1, r, wantOp, wantSvc)
		}
	}
	if res.StakeLostGwei != 500 || res.StakeLostFraction != 1 || len(res.ServicesCompromised) != 4 {
		t.Fatalf("lost %d (%v), compromised %v", res.StakeLostGwei, res.StakeLostFraction, res.ServicesCompromised)
	}
	replayCascade(t, g, res)

	worst, err := Cascade(g, Shock{Remove: []string{"op1"}}, Options{CascadeOrder: OrderWorst})
	if err != nil {
		t.Fatal(err)
	}
	if len(worst.Rounds) != 1 || !slices.Equal(worst.Rounds[0].Attack.Operators, []string{"op2", "op3", "op4", "op5"}) ||
		worst.Rounds[0].Attack.CostGwei != 400 || worst.Rounds[0].Attack.ProfitGwei != 440 || worst.StakeLostGwei != 500 {
		t.Fatalf("worst order: %+v", worst)
	}
	replayCascade(t, g, worst)
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
	for _, o := range []string{"Cheapest", "best", " worst"} {
		if _, err := Cascade(g, Shock{}, Options{CascadeOrder: o}); !errors.Is(err, ErrInvalidOptions) {
			t.Fatalf("order %q: got %v", o, err)
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
// under both orders (the theorem bounds every sequence of valid attacks),
// the worst shock of several fractions, found exhaustively, and random
// removals — loses less than (1 + 1/γ)·ψ, ψ being the shock's actual stake
// fraction; with no shock nothing is lost. Each cascade is also replayed
// against the definitions.
func TestTheorem1(t *testing.T) {
	r := rand.New(rand.NewPCG(31337, 4))
	graphs, cascades, nontrivial, multi := 0, 0, 0, 0
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
		for k := range 2 * len(shocks) {
			s, order := shocks[k/2], []string{OrderCheapest, OrderWorst}[k%2]
			res, err := Cascade(g, s, Options{CascadeOrder: order})
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
			if len(res.Rounds) > 1 {
				multi++
			}
			n, d := bf.ratio.Num(), bf.ratio.Denom()
			bound := new(big.Rat).SetFrac(new(big.Int).Mul(new(big.Int).SetUint64(res.ShockGwei), n), new(big.Int).Sub(n, d))
			f, _ := new(big.Rat).Quo(new(big.Rat).SetInt64(int64(res.StakeLostGwei)), bound).Float64()
			worst = max(worst, f)
		}
	}
	if graphs < 150 || nontrivial < 100 || multi == 0 {
		t.Fatalf("weak sample: %d graphs, %d cascades with an attack, %d with several rounds", graphs, nontrivial, multi)
	}
	t.Logf("%d graphs with γ > 0, %d cascades (%d with attacks, %d with several rounds); largest loss/bound %.3f", graphs, cascades, nontrivial, multi, worst)
}

// TestCascadeOneRoundWhenExact checks a consequence of Corollary 1 (section
// 3): the attacks of a cascade together form a valid attack on the graph
// they started from, worth the sum of their profits minus costs, so once
// the most profitable attack has been executed no valid attack remains —
// an exact cascade in the worst order has at most one round. Graphs are
// random, secure or not, and the shock is random.
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
		res, err := Cascade(g, Shock{Remove: rm}, Options{CascadeOrder: OrderWorst})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rounds) > 1 {
			t.Fatalf("graph %d: %d rounds", i, len(res.Rounds))
		}
		replayCascade(t, g, res)
	}
}

// TestCascadeCheapestBruteForce runs cheapest-first cascades on random
// small graphs, half with unique-stake magnitudes, after a random removal,
// and replays each against the brute force: every round's attack is a
// valid attack of least cost on the graph left at that round (then of
// largest profit, then of smallest participant list), and none is left at
// the end. It logs the distribution of the number of rounds, which must
// include cascades of several rounds, and compares the final loss with
// the worst order's.
func TestCascadeCheapestBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 13))
	const graphs = 400
	hist := map[int]int{}
	var maxRounds, withMag, more, less int
	for i := range graphs {
		mag := i%2 == 1
		g := randomGraph(r, 7, 6, mag)
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
		if !res.Exact || res.Order != OrderCheapest {
			t.Fatalf("graph %d: exact %v order %q", i, res.Exact, res.Order)
		}
		replayCascade(t, g, res)
		n := len(res.Rounds)
		hist[n]++
		maxRounds = max(maxRounds, n)
		if n > 1 && mag {
			withMag++
		}
		w, err := Cascade(g, Shock{Remove: rm}, Options{CascadeOrder: OrderWorst})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case res.StakeLostGwei > w.StakeLostGwei:
			more++
		case res.StakeLostGwei < w.StakeLostGwei:
			less++
		}
	}
	multi := graphs - hist[0] - hist[1]
	if multi < 20 || withMag == 0 || maxRounds < 3 {
		t.Fatalf("weak sample: rounds %v", hist)
	}
	var dist []string
	for n := 0; n <= maxRounds; n++ {
		dist = append(dist, fmt.Sprintf("%d:%d", n, hist[n]))
	}
	t.Logf("rounds under cheapest over %d random cascades (rounds:count) %v; %d with several rounds (%d with magnitudes); final loss vs the worst order: %d larger, %d smaller",
		graphs, dist, multi, withMag, more, less)
}

// TestCascadeCheapestTies checks the tie-break between equally cheap
// covers by hand. Service x (profit 8, α 1/2) is backed only by the
// unique-stake allocations of d0, d1, d2, d3, of 1, 3, 4 and 6 (each
// operator allocates all of its stake), 14 in all: it needs 7. The covers
// of least stake are {d0, d3} (1 + 6) and {d1, d2} (3 + 4), both costing
// 7 < 8 for the same profit; the sorted unit lists are [0, 3] and [1, 2],
// so {d0, d3} attacks.
func TestCascadeCheapestTies(t *testing.T) {
	g := &Graph{
		Operators: ops("d0", 1, "d1", 3, "d2", 4, "d3", 6),
		Services:  []Service{{ID: "x", Profit: 8, Threshold: half()}},
		Allocations: []Allocation{
			{Operator: 0, Service: 0, Magnitude: WAD}, {Operator: 1, Service: 0, Magnitude: WAD},
			{Operator: 2, Service: 0, Magnitude: WAD}, {Operator: 3, Service: 0, Magnitude: WAD},
		},
	}
	res, err := Cascade(g, Shock{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rounds) != 1 || !slices.Equal(res.Rounds[0].Attack.Operators, []string{"d0", "d3"}) || res.Rounds[0].Attack.CostGwei != 7 {
		t.Fatalf("got %+v, want {d0, d3} at cost 7", res.Rounds)
	}
	replayCascade(t, g, res)
}

// TestCheapestKnapsackBudget runs the exact cheapest search with no
// knapsack budget at all on random unique-stake graphs: each coalition
// then gets only its greedy choice of services. Whether a valid attack
// exists must still be decided exactly, the attack must be valid, and the
// search must say it is inexact whenever its attack is not the cheapest.
func TestCheapestKnapsackBudget(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 17))
	cut, dearer := 0, 0
	for i := range 400 {
		g := randomGraph(r, 7, 6, true)
		bf := bruteForce(t, g)
		m := newModel(g)
		f, exact := m.newView(nil, nil).searchCheapestWithin(0)
		if (f != nil) != bf.attack {
			t.Fatalf("graph %d: found %v, an attack exists: %v", i, f != nil, bf.attack)
		}
		if !exact {
			cut++
		}
		if f == nil {
			continue
		}
		at := m.toAttack(*f)
		if err := checkAttack(g, &at); err != nil {
			t.Fatalf("graph %d: %v", i, err)
		}
		if at.CostGwei != bf.cheapest.cost {
			dearer++
			if exact {
				t.Fatalf("graph %d: cost %d labelled exact, the least is %d", i, at.CostGwei, bf.cheapest.cost)
			}
		}
	}
	if cut == 0 {
		t.Fatal("the budget never ran out")
	}
	t.Logf("budget 0: %d of 400 searches cut, %d attacks dearer than the cheapest", cut, dearer)
}
