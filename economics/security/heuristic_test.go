package security

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"reflect"
	"testing"
)

// approx runs Analyze's path for graphs beyond the exact limits on any graph.
func approx(t *testing.T, g *Graph) *Analysis {
	t.Helper()
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	m := newModel(g)
	a := &Analysis{}
	var maxLoad *big.Rat
	a.Sufficient, a.SufficientHolds, maxLoad = m.sufficient()
	m.analyzeApprox(a, m.newView(nil, nil), maxLoad)
	return a
}

// TestHeuristicAgainstBruteForce runs the non-exact path on small random
// graphs and compares with the brute force: it never says "secure" when an
// attack exists, its γ is a lower bound of the true γ, and every attack it
// reports is valid by the definition.
func TestHeuristicAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(77, 3))
	var insecure, found, secure, unknown int
	for i := range 600 {
		g := randomGraph(r, 7, 6, i%2 == 1)
		if i%3 == 0 { // more graphs that the sufficient condition proves
			for s := range g.Services {
				g.Services[s].Profit /= 4
			}
		}
		bf := bruteForce(t, g)
		a := approx(t, g)
		if a.Exact {
			t.Fatal("approx path reported exact")
		}
		switch a.Verdict {
		case VerdictSecure:
			secure++
			if bf.attack {
				t.Fatalf("graph %d (%+v): heuristic path says secure, an attack exists", i, g)
			}
			if a.GammaSlack != nil {
				exact, _ := new(big.Rat).Sub(bf.ratio, big.NewRat(1, 1)).Float64()
				if *a.GammaSlack > exact+1e-12 {
					t.Fatalf("graph %d: lower bound %v above the exact γ %v", i, *a.GammaSlack, exact)
				}
			} else if !a.GammaUnbounded || bf.hasRatio {
				t.Fatalf("graph %d: secure without gamma", i)
			}
		case VerdictInsecure:
			if !bf.attack {
				t.Fatalf("graph %d: heuristic found an attack where none exists", i)
			}
			if err := checkAttack(g, a.WorstAttack); err != nil {
				t.Fatalf("graph %d (%+v): heuristic attack %+v: %v", i, g, a.WorstAttack, err)
			}
			if attackValue(a.WorstAttack) > bf.bestValue {
				t.Fatalf("graph %d: heuristic attack beats the brute-force maximum", i)
			}
		case VerdictUnknown:
			unknown++
			if a.WorstAttack != nil || a.GammaSlack != nil || a.Secure {
				t.Fatalf("graph %d: unknown with %+v", i, a)
			}
		default:
			t.Fatalf("verdict %q", a.Verdict)
		}
		if bf.attack {
			insecure++
			if a.Verdict == VerdictInsecure {
				found++
			}
		}
	}
	// On graphs this small the local search should find nearly every attack.
	if found*100 < insecure*95 || secure < 50 {
		t.Fatalf("heuristic found %d of %d attacks; %d proved secure", found, insecure, secure)
	}
	t.Logf("found %d of %d attacks; %d proved secure by the sufficient condition, %d unknown", found, insecure, secure, unknown)
}

// bigGraph draws a graph beyond the exact limits: nFull full-stake
// operators, nMag unique-stake operators, nSvcs services.
func bigGraph(r *rand.Rand, nFull, nMag, nSvcs int, profitScale float64) *Graph {
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
		left := WAD
		for s := range nSvcs {
			if r.IntN(4) != 0 {
				continue
			}
			var m uint64
			if mag {
				m = min(1+r.Uint64N(WAD/4), left)
				if m == 0 {
					continue
				}
				left -= m
			}
			g.Allocations = append(g.Allocations, Allocation{Operator: op, Service: s, Magnitude: m})
			backing[s] += StakeBacking(g.Operators[op].Stake, m)
		}
	}
	for s := range g.Services {
		g.Services[s].Profit = uint64(float64(backing[s]) * profitScale * r.Float64())
	}
	return g
}

func TestAnalyzeBeyondExactLimits(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	verdicts := map[string]int{}
	for i := range 12 {
		// Profit scales from small (provably secure) to large (attackable).
		scale := []float64{0.02, 0.2, 0.5, 1.5}[i%4]
		g := bigGraph(r, 40, 10, 30, scale)
		a, err := Analyze(g, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if a.Exact {
			t.Fatalf("graph %d: exact beyond the limits", i)
		}
		verdicts[a.Verdict]++
		switch a.Verdict {
		case VerdictSecure:
			if !a.SufficientHolds || a.GammaSlack == nil {
				t.Fatalf("graph %d: secure without the sufficient condition: %s", i, a.Method)
			}
		case VerdictInsecure:
			if err := checkAttack(g, a.WorstAttack); err != nil {
				t.Fatalf("graph %d: %v", i, err)
			}
		}
		b, err := Analyze(g, Options{})
		if err != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("graph %d: second run differs", i)
		}
		t.Logf("graph %d (scale %v): %s — %s", i, scale, a.Verdict, a.Method)
	}
	if verdicts[VerdictSecure] == 0 || verdicts[VerdictInsecure] == 0 {
		t.Fatalf("verdicts %v: want both secure and insecure", verdicts)
	}
}

// TestHeuristicFindsCumulativeAttack plants the two-services-together attack
// in a graph too large for the exact search: 30 small full-stake operators
// back a big "decoy" service; one large operator x and a smaller y back
// s1..s4, where x alone meets each threshold but pays only with all four.
func TestHeuristicFindsCumulativeAttack(t *testing.T) {
	g := &Graph{}
	for i := range 30 {
		g.Operators = append(g.Operators, Operator{ID: fmt.Sprintf("d%d", i), Stake: 100})
	}
	g.Operators = append(g.Operators, Operator{ID: "x", Stake: 1000}, Operator{ID: "y", Stake: 900})
	g.Services = append(g.Services, Service{ID: "decoy", Profit: 100, Threshold: half()})
	for i := range 30 {
		g.Allocations = append(g.Allocations, Allocation{Operator: i, Service: 0})
	}
	for s := 1; s <= 4; s++ {
		g.Services = append(g.Services, Service{ID: fmt.Sprintf("s%d", s), Profit: 300, Threshold: half()})
		g.Allocations = append(g.Allocations, Allocation{Operator: 30, Service: s}, Allocation{Operator: 31, Service: s})
	}
	a, err := Analyze(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Exact || a.Verdict != VerdictInsecure {
		t.Fatalf("got %s exact=%v: %s", a.Verdict, a.Exact, a.Method)
	}
	wantAttack(t, a, []string{"x"}, []string{"s1", "s2", "s3", "s4"}, 1000, 1200)
}

// TestCascadeHeuristicShock forces the candidate-list shock search on small
// graphs: the result is labelled inexact, its rounds are valid, its loss is
// at most the exhaustive worst shock's, and Theorem 1 still bounds it.
func TestCascadeHeuristicShock(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 34))
	for i := range 200 {
		g := randomGraph(r, 7, 6, i%2 == 1)
		for _, f := range []float64{0.1, 0.3} {
			h, err := Cascade(g, Shock{Fraction: f}, Options{MaxExactShockOperators: 1})
			if err != nil {
				t.Fatal(err)
			}
			e, err := Cascade(g, Shock{Fraction: f}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if h.Exact && len(g.Operators) > 1 {
				t.Fatalf("graph %d: candidate shock labelled exact", i)
			}
			if h.StakeLostGwei > e.StakeLostGwei {
				t.Fatalf("graph %d: candidate shock lost %d, more than the worst %d", i, h.StakeLostGwei, e.StakeLostGwei)
			}
			replayCascade(t, g, h)
			if bf := bruteForce(t, g); !bf.attack && bf.hasRatio && bf.ratio.Cmp(big.NewRat(1, 1)) > 0 && h.ShockGwei > 0 {
				if !theoremHolds(bf.ratio, h.StakeLostGwei, h.ShockGwei) {
					t.Fatalf("graph %d: Theorem 1 bound broken", i)
				}
			}
		}
	}
}

// TestCheapHeuristicAgainstBruteForce runs the heuristic cheapest-attack
// search on small random graphs: every attack it reports is valid by the
// definition and costs at least the brute force's least cost; and on this
// sample it finds an attack whenever one exists and the cheapest one on
// most graphs (the rates are logged).
func TestCheapHeuristicAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 6))
	var insecure, found, cheapest int
	for i := range 600 {
		g := randomGraph(r, 7, 6, i%2 == 1)
		bf := bruteForce(t, g)
		m := newModel(g)
		f := m.newView(nil, nil).searchCheapHeuristic()
		if f == nil {
			if bf.attack {
				insecure++
			}
			continue
		}
		at := m.toAttack(*f)
		if err := checkAttack(g, &at); err != nil {
			t.Fatalf("graph %d (%+v): attack %+v: %v", i, g, at, err)
		}
		if !bf.attack || at.CostGwei < bf.cheapest.cost {
			t.Fatalf("graph %d: attack of cost %d, brute force: attack %v, least cost %d", i, at.CostGwei, bf.attack, bf.cheapest.cost)
		}
		insecure++
		found++
		if at.CostGwei == bf.cheapest.cost {
			cheapest++
		}
	}
	if found != insecure || cheapest*10 < found*9 {
		t.Fatalf("found %d of %d attacks, %d of least cost", found, insecure, cheapest)
	}
	t.Logf("found %d of %d attacks, %d of least cost", found, insecure, cheapest)
}

// TestCascadeCheapestHeuristic forces heuristic rounds (at most one
// full-stake operator searched exactly) on small random graphs: cascades
// that needed them are labelled inexact, and every round is still a valid
// attack on the graph left at that round.
func TestCascadeCheapestHeuristic(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 55))
	inexact := 0
	for i := range 200 {
		g := randomGraph(r, 7, 6, i%2 == 1)
		var rm []string
		for _, o := range g.Operators {
			if r.IntN(4) == 0 {
				rm = append(rm, o.ID)
			}
		}
		res, err := Cascade(g, Shock{Remove: rm}, Options{MaxExactOperators: 1})
		if err != nil {
			t.Fatal(err)
		}
		if full := newModel(g).newView(nil, nil).full; len(full)-len(rm) > 1 && res.Exact {
			t.Fatalf("graph %d: %d full-stake operators, labelled exact", i, len(full))
		}
		if !res.Exact {
			inexact++
		}
		replayCascade(t, g, res)
	}
	if inexact < 50 {
		t.Fatalf("only %d cascades used the heuristic", inexact)
	}
}
