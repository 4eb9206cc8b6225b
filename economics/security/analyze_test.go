package security

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func half() uint64 { return WAD / 2 }

// op and svc build graphs tersely in tables.
func ops(kv ...any) []Operator {
	var out []Operator
	for i := 0; i < len(kv); i += 2 {
		out = append(out, Operator{ID: kv[i].(string), Stake: uint64(kv[i+1].(int))})
	}
	return out
}

func TestValidate(t *testing.T) {
	base := func() *Graph {
		return &Graph{
			Operators:   ops("a", 10, "b", 20),
			Services:    []Service{{ID: "s", Profit: 5, Threshold: half()}, {ID: "t", Profit: 5, Threshold: WAD}},
			Allocations: []Allocation{{Operator: 0, Service: 0}, {Operator: 1, Service: 0, Magnitude: WAD / 4}, {Operator: 1, Service: 1, Magnitude: 3 * WAD / 4}},
		}
	}
	if err := base().Validate(); err != nil {
		t.Fatalf("valid graph rejected: %v", err)
	}
	cases := []struct {
		name   string
		mutate func(g *Graph)
	}{
		{"empty operator id", func(g *Graph) { g.Operators[0].ID = "" }},
		{"duplicate operator id", func(g *Graph) { g.Operators[1].ID = "a" }},
		{"empty service id", func(g *Graph) { g.Services[1].ID = "" }},
		{"duplicate service id", func(g *Graph) { g.Services[1].ID = "s" }},
		{"threshold zero", func(g *Graph) { g.Services[0].Threshold = 0 }},
		{"threshold above one", func(g *Graph) { g.Services[0].Threshold = WAD + 1 }},
		{"operator index out of range", func(g *Graph) { g.Allocations[0].Operator = 2 }},
		{"negative service index", func(g *Graph) { g.Allocations[0].Service = -1 }},
		{"duplicate edge", func(g *Graph) { g.Allocations = append(g.Allocations, Allocation{Operator: 0, Service: 0}) }},
		{"mixed magnitudes", func(g *Graph) {
			g.Allocations = append(g.Allocations, Allocation{Operator: 0, Service: 1, Magnitude: 1})
		}},
		{"magnitude above one", func(g *Graph) { g.Allocations[1].Magnitude = WAD + 1 }},
		{"magnitudes sum above one", func(g *Graph) { g.Allocations[2].Magnitude = 3*WAD/4 + 1 }},
		{"total stake too large", func(g *Graph) { g.Operators[0].Stake = MaxTotalGwei }},
		{"total profit too large", func(g *Graph) { g.Services[0].Profit = math.MaxUint64 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := base()
			c.mutate(g)
			if err := g.Validate(); !errors.Is(err, ErrInvalidGraph) {
				t.Fatalf("got %v, want ErrInvalidGraph", err)
			}
			if _, err := Analyze(g, Options{}); !errors.Is(err, ErrInvalidGraph) {
				t.Fatalf("Analyze: got %v, want ErrInvalidGraph", err)
			}
		})
	}
	var nilGraph *Graph
	if err := nilGraph.Validate(); !errors.Is(err, ErrInvalidGraph) {
		t.Fatalf("nil graph: %v", err)
	}
	if _, err := Analyze(base(), Options{MaxExactOperators: -1}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("negative option: %v", err)
	}
}

func TestStakeBacking(t *testing.T) {
	// EigenLayer's worked example: 100 shares, allocations 0.3 and 0.5.
	if got := StakeBacking(100, 3*WAD/10); got != 30 {
		t.Fatalf("0.3 of 100 = %d", got)
	}
	if got := StakeBacking(100, WAD/2); got != 50 {
		t.Fatalf("0.5 of 100 = %d", got)
	}
	if got := StakeBacking(7, WAD/3); got != 2 { // 2.33 rounds down
		t.Fatalf("1/3 of 7 = %d", got)
	}
	if got := StakeBacking(MaxTotalGwei, WAD); got != MaxTotalGwei {
		t.Fatalf("whole of max = %d", got)
	}
	if got := StakeBacking(42, 0); got != 42 {
		t.Fatalf("no magnitude = %d", got)
	}
	// The threshold need is ceil(α·W/WAD): half of 59 needs 30, a third of 90 needs 30.
	if got := corruptionNeed(half(), 59); got != 30 {
		t.Fatalf("need(1/2, 59) = %d", got)
	}
	if got := corruptionNeed(WAD/3, 90); got != 30 { // WAD/3 is a hair below 1/3
		t.Fatalf("need(1/3, 90) = %d", got)
	}
	if got := corruptionNeed(WAD, 0); got != 0 {
		t.Fatalf("need of unbacked = %d", got)
	}
}

// attackValue is profit - cost of a reported attack.
func attackValue(a *Attack) int64 { return int64(a.ProfitGwei) - int64(a.CostGwei) }

// TestAnalyzeHandMade checks graphs whose answers are worked out by hand in
// the comments. Reference: the paper, section 2 (attacks), section 3 (γ),
// section 4 (Theorem 2's example).
func TestAnalyzeHandMade(t *testing.T) {
	cases := []struct {
		name  string
		g     *Graph
		check func(t *testing.T, g *Graph, a *Analysis)
	}{
		{
			// One service, α = 1/2 of 100: coalitions reaching 50 are {a,b}
			// (60), {a,c}, {b,c} (70), all (100); {c} = 40 falls short. The
			// cheapest costs 60 > 50 = π: secure, γ = 60/50 - 1 = 0.2.
			// EigenLayer: every load is 50/(0.5·100) = 1, holds with equality.
			name: "single service threshold half, secure",
			g: &Graph{
				Operators:   ops("a", 30, "b", 30, "c", 40),
				Services:    []Service{{ID: "s", Profit: 50, Threshold: half()}},
				Allocations: []Allocation{{0, 0, 0}, {1, 0, 0}, {2, 0, 0}},
			},
			check: func(t *testing.T, g *Graph, a *Analysis) {
				wantSecure(t, a, 0.2)
				if !a.SufficientHolds {
					t.Fatal("sufficient condition should hold (loads = 1)")
				}
				for _, c := range a.Sufficient {
					if c.Load != 1 || !c.Holds {
						t.Fatalf("load %+v, want 1", c)
					}
				}
			},
		},
		{
			// The same with π = 61: {a,b} at cost 60 is a valid attack, the
			// only one with profit - cost > 0.
			name: "single service threshold half, insecure",
			g: &Graph{
				Operators:   ops("a", 30, "b", 30, "c", 40),
				Services:    []Service{{ID: "s", Profit: 61, Threshold: half()}},
				Allocations: []Allocation{{0, 0, 0}, {1, 0, 0}, {2, 0, 0}},
			},
			check: func(t *testing.T, g *Graph, a *Analysis) {
				wantAttack(t, a, []string{"a", "b"}, []string{"s"}, 60, 61)
				if a.SufficientHolds {
					t.Fatal("sufficient condition cannot hold on an insecure graph")
				}
			},
		},
		{
			// Cumulative profit: both services are backed by a (100) and b
			// (120) with α = 1/2 of 220, so b alone (120 >= 110) corrupts
			// either. Each alone pays 70 < 120, both together 140 > 120.
			name: "two services profitable only together",
			g: &Graph{
				Operators: ops("a", 100, "b", 120),
				Services: []Service{
					{ID: "s1", Profit: 70, Threshold: half()},
					{ID: "s2", Profit: 70, Threshold: half()},
				},
				Allocations: []Allocation{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {1, 1, 0}},
			},
			check: func(t *testing.T, g *Graph, a *Analysis) {
				wantAttack(t, a, []string{"b"}, []string{"s1", "s2"}, 120, 140)
				// Each service on its own is secure: γ = 120/70 - 1.
				for _, s := range []int{0, 1} {
					one := &Graph{Operators: g.Operators, Services: []Service{g.Services[s]},
						Allocations: []Allocation{{0, 0, 0}, {1, 0, 0}}}
					b, err := Analyze(one, Options{})
					if err != nil {
						t.Fatal(err)
					}
					wantSecure(t, b, 120.0/70-1)
				}
			},
		},
		{
			// An unbacked service with profit is corrupted by nobody at cost 0.
			name: "unbacked service",
			g: &Graph{
				Operators:   ops("a", 100),
				Services:    []Service{{ID: "s", Profit: 10, Threshold: half()}, {ID: "orphan", Profit: 5, Threshold: WAD}},
				Allocations: []Allocation{{0, 0, 0}},
			},
			check: func(t *testing.T, g *Graph, a *Analysis) {
				wantAttack(t, a, []string{}, []string{"orphan"}, 0, 5)
				if a.SufficientHolds {
					t.Fatal("an unbacked profitable service must fail the sufficient condition")
				}
				if !a.Sufficient[0].Holds {
					t.Fatalf("operator a's own condition holds (load 0.2): %+v", a.Sufficient[0])
				}
			},
		},
		{
			// An unbacked service without profit is harmless: γ = 100/10 - 1
			// from a alone on s (need 50, cost 100, π 10; the orphan adds 0).
			name: "unbacked service without profit",
			g: &Graph{
				Operators:   ops("a", 100),
				Services:    []Service{{ID: "s", Profit: 10, Threshold: half()}, {ID: "orphan", Profit: 0, Threshold: WAD}},
				Allocations: []Allocation{{0, 0, 0}},
			},
			check: func(t *testing.T, g *Graph, a *Analysis) {
				wantSecure(t, a, 9)
			},
		},
		{
			// The paper's Theorem 2 graph (section 4) with ε = 0.1: one
			// service, α = 1, π = σ(V) = 100, validators of 10 and 90. Only
			// {a, b} corrupts it, at cost 100 = π: secure with γ = 0
			// exactly, and EigenLayer's condition holds with equality.
			name: "paper theorem 2 graph",
			g: &Graph{
				Operators:   ops("a", 10, "b", 90),
				Services:    []Service{{ID: "x", Profit: 100, Threshold: WAD}},
				Allocations: []Allocation{{0, 0, 0}, {1, 0, 0}},
			},
			check: func(t *testing.T, g *Graph, a *Analysis) {
				wantSecure(t, a, 0)
				if !a.SufficientHolds || a.Sufficient[0].Load != 1 || a.Sufficient[1].Load != 1 {
					t.Fatalf("sufficient: %+v", a.Sufficient)
				}
			},
		},
		{
			// Unique stake (EigenLayer's example: 100 shares, magnitudes 0.3
			// and 0.5). u backs s1 with 30 and s2 with 50; f backs s1 with 29
			// (full stake); g backs s2 with 100. s1: W = 59, need 30: u's
			// allocation alone reaches it for 30 < π 40, without touching
			// u's 50 on s2. Slashing u's whole stake (the paper's model)
			// would cost 100 and not pay. s2: W = 150, need 75: only g (100)
			// or more, and 100 > 60.
			name: "unique stake joins one service only",
			g: &Graph{
				Operators: ops("u", 100, "f", 29, "g", 100),
				Services: []Service{
					{ID: "s1", Profit: 40, Threshold: half()},
					{ID: "s2", Profit: 60, Threshold: half()},
				},
				Allocations: []Allocation{{0, 0, 3 * WAD / 10}, {0, 1, WAD / 2}, {1, 0, 0}, {2, 1, 0}},
			},
			check: func(t *testing.T, g *Graph, a *Analysis) {
				wantAttack(t, a, []string{"u"}, []string{"s1"}, 30, 40)
				want := []AttackAllocation{{Operator: "u", Service: "s1", StakeGwei: 30}}
				if !slices.Equal(a.WorstAttack.Allocations, want) {
					t.Fatalf("allocations %+v, want %+v", a.WorstAttack.Allocations, want)
				}
				// u's load is its largest allocation term: max(40/(0.5·59), 60/(0.5·150)).
				if got, want := a.Sufficient[0].Load, 40/(0.5*59); math.Abs(got-want) > 1e-12 {
					t.Fatalf("u load %v, want %v", got, want)
				}
			},
		},
		{
			// Why unique stake needs the per-allocation load: 10% of 100
			// backs a service (α = 1, π = 50) alone. The stake-weighted form
			// would give 10·50/(1·10·100) = 0.5 and pass; the attack costs
			// 10 < 50. The per-allocation load is 50/10 = 5.
			name: "unique stake defeats the stake-weighted condition",
			g: &Graph{
				Operators:   ops("v", 100),
				Services:    []Service{{ID: "s", Profit: 50, Threshold: WAD}},
				Allocations: []Allocation{{0, 0, WAD / 10}},
			},
			check: func(t *testing.T, g *Graph, a *Analysis) {
				wantAttack(t, a, []string{"v"}, []string{"s"}, 10, 50)
				if a.SufficientHolds || a.Sufficient[0].Load != 5 {
					t.Fatalf("sufficient: %+v", a.Sufficient)
				}
			},
		},
		{
			// EigenLayer's condition (Claim 1) by hand: a (100) backs s1
			// (π 30, α 1/2, W 150) and s2 (π 20, α 1, W 100); b (50) backs
			// s1. Load_a = 30/75 + 20/100 = 0.6, Load_b = 0.4: holds, so
			// γ >= 1/0.6 - 1 (Corollary 2). Exact: {a} corrupts both (need
			// 75 and 100) at 100 for π 50; {b} corrupts nothing; the others
			// cost more. γ = 100/50 - 1 = 1.
			name: "sufficient condition by hand",
			g: &Graph{
				Operators: ops("a", 100, "b", 50),
				Services: []Service{
					{ID: "s1", Profit: 30, Threshold: half()},
					{ID: "s2", Profit: 20, Threshold: WAD},
				},
				Allocations: []Allocation{{0, 0, 0}, {0, 1, 0}, {1, 0, 0}},
			},
			check: func(t *testing.T, g *Graph, a *Analysis) {
				wantSecure(t, a, 1)
				if !a.SufficientHolds || math.Abs(a.Sufficient[0].Load-0.6) > 1e-15 || math.Abs(a.Sufficient[1].Load-0.4) > 1e-15 {
					t.Fatalf("sufficient: %+v", a.Sufficient)
				}
			},
		},
		{
			name: "no profit anywhere",
			g: &Graph{
				Operators:   ops("a", 1),
				Services:    []Service{{ID: "s", Profit: 0, Threshold: half()}},
				Allocations: []Allocation{{0, 0, 0}},
			},
			check: func(t *testing.T, g *Graph, a *Analysis) {
				if !a.Secure || a.GammaSlack != nil || !a.GammaUnbounded {
					t.Fatalf("got %+v", a)
				}
			},
		},
		{
			name: "empty graph",
			g:    &Graph{},
			check: func(t *testing.T, g *Graph, a *Analysis) {
				if !a.Secure || !a.Exact || !a.GammaUnbounded || !a.SufficientHolds {
					t.Fatalf("got %+v", a)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := Analyze(c.g, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !a.Exact {
				t.Fatalf("not exact: %s", a.Method)
			}
			c.check(t, c.g, a)
			if a.WorstAttack != nil {
				if err := checkAttack(c.g, a.WorstAttack); err != nil {
					t.Fatalf("attack %+v: %v", a.WorstAttack, err)
				}
			}
		})
	}
}

func wantSecure(t *testing.T, a *Analysis, gamma float64) {
	t.Helper()
	if a.Verdict != VerdictSecure || !a.Secure || a.WorstAttack != nil {
		t.Fatalf("want secure, got %q (%+v)", a.Verdict, a.WorstAttack)
	}
	if a.GammaSlack == nil || math.Abs(*a.GammaSlack-gamma) > 1e-12 {
		t.Fatalf("gamma %v, want %v", a.GammaSlack, gamma)
	}
}

func wantAttack(t *testing.T, a *Analysis, operators, services []string, cost, profit uint64) {
	t.Helper()
	if a.Verdict != VerdictInsecure || a.Secure || a.GammaSlack != nil {
		t.Fatalf("want insecure, got %q, gamma %v", a.Verdict, a.GammaSlack)
	}
	w := a.WorstAttack
	if w == nil || !slices.Equal(w.Operators, operators) || !slices.Equal(w.Services, services) || w.CostGwei != cost || w.ProfitGwei != profit {
		t.Fatalf("worst attack %+v, want %v %v cost %d profit %d", w, operators, services, cost, profit)
	}
}
