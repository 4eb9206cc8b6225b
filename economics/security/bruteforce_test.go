package security

import (
	"fmt"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

// This file holds the test's own reading of the paper's definitions
// (section 2, Eqs. (1)-(2); section 3, Eq. (11)), written without the
// package's search code: graphs are turned into "participants" — a
// full-stake operator, or one allocation of a magnitude operator — and every
// pair (A, B) of a set of services and a set of participants is checked
// directly.

// bfParticipant is one way of taking part in an attack.
type bfParticipant struct {
	op     int
	stake  uint64   // σ_v of the operator
	full   bool     // whole stake, slashed once by any attacked service it backs
	svc    int      // an allocation's service
	weight []uint64 // per service: stake backing it (0 when not an edge)
}

func bfWeight(stake, mag uint64) uint64 {
	if mag == 0 {
		return stake
	}
	x := new(big.Int).Mul(new(big.Int).SetUint64(stake), new(big.Int).SetUint64(mag))
	return x.Quo(x, new(big.Int).SetUint64(WAD)).Uint64()
}

func bfParticipants(g *Graph) []bfParticipant {
	var ps []bfParticipant
	full := map[int]int{}
	for _, a := range g.Allocations {
		st := g.Operators[a.Operator].Stake
		if a.Magnitude == 0 {
			i, ok := full[a.Operator]
			if !ok {
				i = len(ps)
				full[a.Operator] = i
				ps = append(ps, bfParticipant{op: a.Operator, stake: st, full: true, weight: make([]uint64, len(g.Services))})
			}
			ps[i].weight[a.Service] = st
			continue
		}
		w := make([]uint64, len(g.Services))
		w[a.Service] = bfWeight(st, a.Magnitude)
		ps = append(ps, bfParticipant{op: a.Operator, stake: st, svc: a.Service, weight: w})
	}
	return ps
}

// bfMeets is Eq. (1) for one service: backing·WAD >= α·total, compared as
// 128-bit products.
func bfMeets(backing, total, alpha uint64) bool {
	h1, l1 := bits.Mul64(backing, WAD)
	h2, l2 := bits.Mul64(alpha, total)
	return h1 > h2 || (h1 == h2 && l1 >= l2)
}

// bfCost is the stake the participants in b lose when every service in a
// slashes them: a full-stake operator min(σ_v, Σ_{s∈A∩N(v)} w) = σ_v when it
// backs some attacked service; an allocation its weight when its service is
// attacked.
func bfCost(ps []bfParticipant, b []bool, a []bool) uint64 {
	var cost uint64
	for i, p := range ps {
		if !b[i] {
			continue
		}
		var sum uint64
		for s, w := range p.weight {
			if a[s] {
				sum += w
			}
		}
		cost += min(p.stake, sum)
	}
	return cost
}

type bfResult struct {
	attack    bool  // some valid attack exists
	bestValue int64 // max π(A) - cost over attacking coalitions (0 for A = ∅)
	hasRatio  bool
	ratio     *big.Rat // min cost/π(A) over attacking coalitions with π(A) > 0
	cheapest  bfAttack // when attack: the cascade order "cheapest"'s choice
}

// bfAttack is a valid attack as the cascade order "cheapest" ranks it: the
// least cost, then the largest profit, then the lexicographically smallest
// sorted list of its participants' keys (bfKey: operator, then service,
// the package's unit order), then the most services.
type bfAttack struct {
	cost, profit uint64
	keys         []int
	services     []int
}

// bfKey numbers a participant like the package numbers its units: by
// operator, then by service (a full-stake operator before any service).
func bfKey(g *Graph, p bfParticipant) int {
	if p.full {
		return p.op * (len(g.Services) + 1)
	}
	return p.op*(len(g.Services)+1) + 1 + p.svc
}

// bfKeys lists the keys of the participants of b that take part in
// attacking a: those with stake backing some service of a (the others
// neither help nor lose anything), ascending.
func bfKeys(g *Graph, ps []bfParticipant, b, a []bool) []int {
	var keys []int
	for i, p := range ps {
		if !b[i] {
			continue
		}
		for s, w := range p.weight {
			if a[s] && w > 0 {
				keys = append(keys, bfKey(g, p))
				break
			}
		}
	}
	slices.Sort(keys)
	return keys
}

// bfBefore reports whether x ranks before y in the order "cheapest".
func bfBefore(x, y *bfAttack) bool {
	switch {
	case x.cost != y.cost:
		return x.cost < y.cost
	case x.profit != y.profit:
		return x.profit > y.profit
	}
	if c := slices.Compare(x.keys, y.keys); c != 0 {
		return c < 0
	}
	return len(x.services) > len(y.services)
}

// bruteForce checks every (A, B).
func bruteForce(t testing.TB, g *Graph) bfResult {
	ps := bfParticipants(g)
	if len(ps) > 16 || len(g.Services) > 8 {
		t.Fatalf("brute force too large: %d participants, %d services", len(ps), len(g.Services))
	}
	total := make([]uint64, len(g.Services))
	for _, p := range ps {
		for s, w := range p.weight {
			total[s] += w
		}
	}
	res := bfResult{}
	b := make([]bool, len(ps))
	a := make([]bool, len(g.Services))
	for bm := 0; bm < 1<<len(ps); bm++ {
		for i := range ps {
			b[i] = bm&(1<<i) != 0
		}
		for am := 0; am < 1<<len(g.Services); am++ {
			attacking := true
			var profit uint64
			for s := range g.Services {
				a[s] = am&(1<<s) != 0
				if !a[s] || !attacking {
					continue
				}
				profit += g.Services[s].Profit
				var backing uint64
				for i, p := range ps {
					if b[i] {
						backing += p.weight[s]
					}
				}
				if !bfMeets(backing, total[s], g.Services[s].Threshold) {
					attacking = false
				}
			}
			if !attacking {
				continue
			}
			cost := bfCost(ps, b, a)
			if profit > cost && (!res.attack || cost <= res.cheapest.cost) {
				cand := bfAttack{cost: cost, profit: profit, keys: bfKeys(g, ps, b, a)}
				for s, in := range a {
					if in {
						cand.services = append(cand.services, s)
					}
				}
				if !res.attack || bfBefore(&cand, &res.cheapest) {
					res.cheapest = cand
				}
			}
			if profit > cost {
				res.attack = true
			}
			if v := int64(profit) - int64(cost); v > res.bestValue {
				res.bestValue = v
			}
			if profit > 0 {
				r := big.NewRat(int64(cost), int64(profit))
				if !res.hasRatio || r.Cmp(res.ratio) < 0 {
					res.hasRatio, res.ratio = true, r
				}
			}
		}
	}
	return res
}

// checkAttack checks an Attack against the definition on g: every service
// in Services meets its threshold with the reported participants, the
// reported cost and profit are the definition's, and profit > cost.
func checkAttack(g *Graph, at *Attack) error {
	opIdx, svcIdx := map[string]int{}, map[string]int{}
	for i, o := range g.Operators {
		opIdx[o.ID] = i
	}
	for i, s := range g.Services {
		svcIdx[s.ID] = i
	}
	a := make([]bool, len(g.Services))
	for _, id := range at.Services {
		s, ok := svcIdx[id]
		if !ok {
			return fmt.Errorf("unknown service %q", id)
		}
		a[s] = true
	}
	inB := map[int]bool{}
	for _, id := range at.Operators {
		op, ok := opIdx[id]
		if !ok {
			return fmt.Errorf("unknown operator %q", id)
		}
		inB[op] = true
	}
	type edge struct{ op, s int }
	joined := map[edge]bool{}
	for _, al := range at.Allocations {
		op, s := opIdx[al.Operator], svcIdx[al.Service]
		if !inB[op] || !a[s] {
			return fmt.Errorf("allocation %s/%s outside the attack", al.Operator, al.Service)
		}
		joined[edge{op, s}] = true
	}
	ps := bfParticipants(g)
	b := make([]bool, len(ps))
	for i, p := range ps {
		if !inB[p.op] {
			continue
		}
		if p.full {
			for _, al := range at.Allocations {
				if opIdx[al.Operator] == p.op {
					return fmt.Errorf("full-stake operator %q listed with an allocation", al.Operator)
				}
			}
			b[i] = true
			continue
		}
		b[i] = joined[edge{p.op, p.svc}]
	}
	var profit uint64
	for s, in := range a {
		if !in {
			continue
		}
		profit += g.Services[s].Profit
		var backing, total uint64
		for i, p := range ps {
			total += p.weight[s]
			if b[i] {
				backing += p.weight[s]
			}
		}
		if !bfMeets(backing, total, g.Services[s].Threshold) {
			return fmt.Errorf("service %q: backing %d of %d below threshold", g.Services[s].ID, backing, total)
		}
	}
	cost := bfCost(ps, b, a)
	if cost != at.CostGwei || profit != at.ProfitGwei {
		return fmt.Errorf("cost/profit %d/%d, definition gives %d/%d", at.CostGwei, at.ProfitGwei, cost, profit)
	}
	if profit <= cost {
		return fmt.Errorf("not valid: profit %d <= cost %d", profit, cost)
	}
	return nil
}

// randomGraph draws a small restaking graph. Stakes and profits are small
// integers so that ties (profit = cost, backing exactly at threshold) occur;
// with magnitudes, about half the operators allocate unique stake, at most
// three allocations each. Participants stay <= 12.
func randomGraph(r *rand.Rand, maxOps, maxSvcs int, magnitudes bool) *Graph {
	g := &Graph{}
	nOps, nSvcs := 1+r.IntN(maxOps), 1+r.IntN(maxSvcs)
	for i := range nOps {
		st := uint64(1 + r.IntN(100))
		if r.IntN(15) == 0 {
			st = 0
		}
		g.Operators = append(g.Operators, Operator{ID: fmt.Sprintf("op%d", i), Stake: st})
	}
	alphas := []uint64{WAD / 3, WAD / 2, 2 * WAD / 3, WAD, 1 + r.Uint64N(WAD)}
	maxProfit := []int{20, 40, 80, 160}[r.IntN(4)]
	for i := range nSvcs {
		p := uint64(r.IntN(maxProfit))
		if r.IntN(8) == 0 {
			p = 0
		}
		g.Services = append(g.Services, Service{ID: fmt.Sprintf("s%d", i), Profit: p, Threshold: alphas[r.IntN(len(alphas))]})
	}
	density := 0.35 + 0.5*r.Float64()
	participants := 0
	for op := range nOps {
		mag := magnitudes && r.IntN(2) == 0
		var svcs []int
		for s := range nSvcs {
			if r.Float64() < density {
				svcs = append(svcs, s)
			}
		}
		if mag && len(svcs) > 3 {
			svcs = svcs[:3]
		}
		if len(svcs) == 0 {
			continue
		}
		need := 1
		if mag {
			need = len(svcs)
		}
		if participants+need > 12 {
			continue
		}
		participants += need
		left := WAD
		for _, s := range svcs {
			var m uint64
			if mag {
				m = min(1+r.Uint64N(left/2+1), left)
				if m == 0 {
					continue
				}
				left -= m
			}
			g.Allocations = append(g.Allocations, Allocation{Operator: op, Service: s, Magnitude: m})
		}
	}
	return g
}

func TestRandomGraphsValid(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		g := randomGraph(r, 7, 6, i%2 == 1)
		if err := g.Validate(); err != nil {
			t.Fatalf("graph %d: %v", i, err)
		}
	}
}

// TestAnalyzeMatchesBruteForce compares Analyze with the definition on 600
// random small graphs, half with unique-stake magnitudes: existence of a
// valid attack, the worst profit - cost, the γ-slack, and the reported
// attack's validity. Reference: the paper, section 2 (Eqs. 1-2) and
// section 3 (Eq. 11).
func TestAnalyzeMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(2024, 7))
	var insecure, gammaZero, withMag int
	for i := range 600 {
		mag := i%2 == 1
		g := randomGraph(r, 7, 6, mag)
		bf := bruteForce(t, g)
		a, err := Analyze(g, Options{})
		if err != nil {
			t.Fatalf("graph %d: %v", i, err)
		}
		if !a.Exact {
			t.Fatalf("graph %d: not exact: %s", i, a.Method)
		}
		if got, want := a.Verdict == VerdictInsecure, bf.attack; got != want {
			t.Fatalf("graph %d (%+v): insecure = %v, brute force %v", i, g, got, want)
		}
		if a.Secure != (a.Verdict == VerdictSecure) {
			t.Fatalf("graph %d: Secure %v with verdict %q", i, a.Secure, a.Verdict)
		}
		if bf.attack {
			insecure++
			if mag {
				withMag++
			}
			if a.WorstAttack == nil {
				t.Fatalf("graph %d: insecure without an attack", i)
			}
			if err := checkAttack(g, a.WorstAttack); err != nil {
				t.Fatalf("graph %d (%+v): worst attack %+v: %v", i, g, a.WorstAttack, err)
			}
			if v := int64(a.WorstAttack.ProfitGwei) - int64(a.WorstAttack.CostGwei); v != bf.bestValue {
				t.Fatalf("graph %d (%+v): worst profit-cost %d, brute force %d", i, g, v, bf.bestValue)
			}
			if a.GammaSlack != nil {
				t.Fatalf("graph %d: gamma reported for an insecure graph", i)
			}
			continue
		}
		if a.WorstAttack != nil {
			t.Fatalf("graph %d: secure with an attack", i)
		}
		if !bf.hasRatio {
			if !a.GammaUnbounded || a.GammaSlack != nil {
				t.Fatalf("graph %d: no profitable coalition, want unbounded gamma, got %v", i, a.GammaSlack)
			}
			continue
		}
		want, _ := new(big.Rat).Sub(bf.ratio, big.NewRat(1, 1)).Float64()
		if a.GammaSlack == nil || *a.GammaSlack != want {
			t.Fatalf("graph %d (%+v): gamma %v, brute force %v", i, g, a.GammaSlack, want)
		}
		if want == 0 {
			gammaZero++
		}
		// Corollary 2: the sufficient condition bounds γ from below.
		if a.SufficientHolds {
			maxLoad := 0.0
			for _, c := range a.Sufficient {
				maxLoad = max(maxLoad, c.Load)
			}
			if maxLoad > 0 && want < 1/maxLoad-1-1e-9 {
				t.Fatalf("graph %d: gamma %v below the sufficient condition's bound %v", i, want, 1/maxLoad-1)
			}
		}
	}
	// The sample must exercise both verdicts and the γ = 0 boundary.
	if insecure < 100 || insecure > 500 || withMag < 30 || gammaZero == 0 {
		t.Fatalf("unbalanced sample: %d insecure (%d with magnitudes), %d with gamma 0", insecure, withMag, gammaZero)
	}
	t.Logf("%d of 600 insecure (%d with magnitudes), %d secure with gamma exactly 0", insecure, withMag, gammaZero)
}

// TestSufficientConditionSound checks Claim 1 on random graphs: whenever the
// condition holds, the brute force finds no valid attack.
func TestSufficientConditionSound(t *testing.T) {
	r := rand.New(rand.NewPCG(99, 1))
	holds := 0
	for i := range 1500 {
		g := randomGraph(r, 6, 5, i%2 == 1)
		// Shrink profits so the condition holds more often.
		for s := range g.Services {
			g.Services[s].Profit /= uint64(1 + r.IntN(8))
		}
		a, err := Analyze(g, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !a.SufficientHolds {
			continue
		}
		holds++
		if bf := bruteForce(t, g); bf.attack {
			t.Fatalf("graph %d (%+v): sufficient condition holds but an attack exists", i, g)
		}
	}
	if holds < 50 {
		t.Fatalf("condition held on only %d graphs", holds)
	}
}
