package security

import (
	"fmt"
	"math/big"
	"slices"
)

// heuristicShockServices is how many services (most profitable first) give
// the heuristic worst-shock search a candidate: their backers, largest first.
const heuristicShockServices = 31

// Shock is the initial loss of a cascade: the operators named in Remove, or
// (Fraction F) the set of operators with stake at most F·σ(V) whose removal
// leads to the largest final loss. Giving both is an error; giving neither
// is the empty shock (the cascade then starts from the intact network).
type Shock struct {
	Fraction float64  `json:"fraction,omitempty"`
	Remove   []string `json:"remove,omitempty"`
}

// Round is one attack of a cascade and the stake it destroyed (its cost).
type Round struct {
	Attack        Attack `json:"attack"`
	StakeLostGwei uint64 `json:"stake_lost_gwei"`
}

// CascadeResult is the outcome of a shock and the cascade of attacks it
// enables.
type CascadeResult struct {
	// Exact is set when the shock is the named one or provably the worst
	// of its Fraction, and every round's attack was found by exhaustive
	// search — provably the cheapest valid attack, or the most profitable,
	// as Order says — so the cascade stopped because no valid attack
	// remained.
	Exact bool `json:"exact"`
	// Order is the rule that chose each round's attack: OrderCheapest or
	// OrderWorst.
	Order               string   `json:"order"`
	ShockOperators      []string `json:"shock_operators"` // removed by the shock, in graph order
	ShockGwei           uint64   `json:"shock_gwei"`      // their whole stake
	Rounds              []Round  `json:"rounds"`
	ServicesCompromised []string `json:"services_compromised"` // in graph order
	StakeLostGwei       uint64   `json:"stake_lost_gwei"`      // shock included
	StakeLostFraction   float64  `json:"stake_lost_fraction"`  // StakeLostGwei / σ(V) of the original graph
}

// Cascade applies a shock to g and then lets attacks happen until none is
// left, after the paper's cascades (section 2, "cascading attacks" and
// R_ψ): the shock removes a set D of operators (G↓D); then, round after
// round, one valid attack on what remains — remaining operators and
// allocations, services not yet compromised, each service's threshold
// taken over its remaining backing stake — is executed: its full-stake
// operators are removed, its unique-stake allocations are slashed in full
// (the operator's other allocations stay), and its services are marked
// compromised. opts.CascadeOrder picks the attack: by default
// (OrderCheapest) the one of least cost, so that the smallest coalitions
// strike first and the cascade shows how far it spreads; with OrderWorst
// the most profitable one (largest π(A) - cost). Every round compromises
// at least one service, so there are at most |S| rounds; with OrderWorst
// and every round exact there is at most one (package doc, "Cascades":
// Corollary 1 folds a longer sequence into one more profitable attack).
//
// Paper definition (section 2): (A_1, B_1), …, (A_T, B_T) is a sequence of
// cascading attacks on G when each (A_t, B_t) is a valid attack on
// G↓(B_1 ∪ … ∪ B_{t-1}), G↓D being G without the validators D (thresholds
// over σ(N(s) \ D)); with D_ψ the shocks D of stake at most ψ·σ(V),
//
//	R_ψ(G) = ψ + max_{D ∈ D_ψ} max_{cascades on G↓D} σ(B_1 ∪ … ∪ B_T) / σ(V).
//
// Section 3, Theorem 1: if G is secure with γ-slack for some γ > 0, then
// R_ψ(G) < (1 + 1/γ)·ψ for every ψ > 0. Cascade follows one sequence
// (cheapest first, or greedy by profit - cost) from one shock, so its loss
// is at most R_ψ and within that bound, whichever the order.
//
// With a Fraction, the shock is the worst set of operators with total stake
// at most floor(F·σ(V)) (the loss counts the shocked operators' whole stake):
// found by trying every such set when g has at most MaxExactShockOperators
// operators with stake and is within Analyze's exact limits, otherwise the
// worst of a fixed list of candidates (largest operators first; the backers
// of each of the most profitable services; operators by EigenLayer load),
// and Exact is false.
func Cascade(g *Graph, s Shock, opts Options) (*CascadeResult, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	lim, err := opts.limits()
	if err != nil {
		return nil, err
	}
	if s.Fraction != 0 && len(s.Remove) > 0 {
		return nil, fmt.Errorf("%w: both a fraction and operators to remove", ErrInvalidShock)
	}
	if !(s.Fraction >= 0 && s.Fraction <= 1) {
		return nil, fmt.Errorf("%w: fraction %v not in [0, 1]", ErrInvalidShock, s.Fraction)
	}
	m := newModel(g)
	if s.Fraction == 0 {
		removed := make([]bool, len(g.Operators))
		index := make(map[string]int, len(g.Operators))
		for i, op := range g.Operators {
			index[op.ID] = i
		}
		for _, id := range s.Remove {
			i, ok := index[id]
			if !ok {
				return nil, fmt.Errorf("%w: unknown operator %q", ErrInvalidShock, id)
			}
			if removed[i] {
				return nil, fmt.Errorf("%w: operator %q named twice", ErrInvalidShock, id)
			}
			removed[i] = true
		}
		return m.result(m.cascade(removed, lim), lim), nil
	}

	budget := shockBudget(s.Fraction, m.total)
	var cands []int // operators with stake
	for i, op := range g.Operators {
		if op.Stake > 0 {
			cands = append(cands, i)
		}
	}
	if len(cands) <= lim.shockOps && m.newView(nil, nil).exactFits(lim) {
		var best *cascadeRun
		exact := true
		removed := make([]bool, len(g.Operators))
		for mask := uint64(0); mask < 1<<len(cands); mask++ {
			var sum uint64
			for k, op := range cands {
				removed[op] = mask&(1<<k) != 0
				if removed[op] {
					sum += g.Operators[op].Stake
				}
			}
			if sum > budget {
				continue
			}
			run := m.cascade(removed, lim)
			if run.heuristic {
				panic("security: cascade within exact limits used a heuristic round")
			}
			exact = exact && run.exact // a cut knapsack: a round valid, maybe not the cheapest
			if best == nil || worse(&run, best) {
				best = &run
			}
		}
		best.exact = exact
		return m.result(*best, lim), nil
	}

	var best *cascadeRun
	for _, removed := range m.shockCandidates(cands, budget) {
		run := m.cascade(removed, lim)
		run.exact = false
		if best == nil || worse(&run, best) {
			best = &run
		}
	}
	return m.result(*best, lim), nil
}

// shockBudget is floor(F·total), computed exactly from the float F.
func shockBudget(f float64, total uint64) uint64 {
	r := new(big.Rat).SetFloat64(f) // f is finite, in [0, 1]
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).SetUint64(total)))
	return new(big.Int).Quo(r.Num(), r.Denom()).Uint64()
}

// worse orders cascades for the worst-shock search: the larger final loss,
// then the smaller shock; on a full tie the earlier candidate stays.
func worse(a, b *cascadeRun) bool {
	if a.lost != b.lost {
		return a.lost > b.lost
	}
	return a.shockGwei < b.shockGwei
}

// cascadeRun is one cascade in model terms.
type cascadeRun struct {
	removed   []bool // operators removed by the shock
	shockGwei uint64
	rounds    []found
	lost      uint64 // shock included
	exact     bool   // every round's search was exact
	heuristic bool   // some round's search was heuristic (beyond the exact limits)
}

// cascade runs the cascade after removing the operators marked in removed.
func (m *model) cascade(removed []bool, lim limits) cascadeRun {
	run := cascadeRun{removed: slices.Clone(removed), exact: true}
	for op, r := range removed {
		if r {
			run.shockGwei += m.g.Operators[op].Stake
		}
	}
	run.lost = run.shockGwei
	alive := make([]bool, len(m.units))
	for u, un := range m.units {
		alive[u] = !removed[un.op]
	}
	open := make([]bool, len(m.g.Services))
	for s := range open {
		open[s] = true
	}
	for range len(m.g.Services) + 1 {
		v := m.newView(alive, open)
		var f *found
		switch {
		case v.exactFits(lim) && lim.cheapest:
			var exact bool
			f, exact = v.searchCheapest()
			run.exact = run.exact && exact
		case v.exactFits(lim):
			_, f = v.bestExact(false)
		case lim.cheapest:
			run.exact, run.heuristic = false, true
			f = v.searchCheapHeuristic()
		default:
			run.exact, run.heuristic = false, true
			f = v.searchHeuristic()
		}
		if f == nil {
			return run
		}
		if len(f.svcs) == 0 {
			panic("security: cascade: a valid attack corrupts no service")
		}
		for _, u := range f.units {
			alive[u] = false
		}
		for _, s := range f.svcs {
			open[s] = false
		}
		run.rounds = append(run.rounds, *f)
		run.lost += f.cost
	}
	panic("security: cascade: more rounds than services")
}

// shockCandidates lists the shocks the heuristic worst-shock search tries,
// each a set of operators (from cands) with total stake at most budget:
// none; the largest operators first; for each of the most profitable
// services, its backers largest first; operators by EigenLayer load,
// largest first. Duplicates are dropped; the order is fixed.
func (m *model) shockCandidates(cands []int, budget uint64) [][]bool {
	g := m.g
	var out [][]bool
	add := func(order []int) {
		set := make([]bool, len(g.Operators))
		var sum uint64
		for _, op := range order {
			if st := g.Operators[op].Stake; st > 0 && sum+st <= budget {
				set[op] = true
				sum += st
			}
		}
		for _, o := range out {
			if slices.Equal(o, set) {
				return
			}
		}
		out = append(out, set)
	}
	add(nil)
	byStake := func(ops []int) []int {
		ops = slices.Clone(ops)
		slices.SortStableFunc(ops, func(a, b int) int {
			sa, sb := g.Operators[a].Stake, g.Operators[b].Stake
			switch {
			case sa > sb:
				return -1
			case sa < sb:
				return 1
			}
			return 0
		})
		return ops
	}
	add(byStake(cands))

	svcs := make([]int, len(g.Services))
	for s := range svcs {
		svcs[s] = s
	}
	slices.SortStableFunc(svcs, func(a, b int) int {
		pa, pb := g.Services[a].Profit, g.Services[b].Profit
		switch {
		case pa > pb:
			return -1
		case pa < pb:
			return 1
		}
		return 0
	})
	backers := make([][]int, len(g.Services))
	for op, us := range m.opUnits {
		for _, u := range us {
			for _, s := range m.units[u].svcs {
				if len(backers[s]) == 0 || backers[s][len(backers[s])-1] != op {
					backers[s] = append(backers[s], op)
				}
			}
		}
	}
	for k, s := range svcs {
		if k >= heuristicShockServices {
			break
		}
		add(byStake(backers[s]))
	}

	checks, _, _ := m.sufficient()
	byLoad := slices.Clone(cands)
	slices.SortStableFunc(byLoad, func(a, b int) int {
		la, lb := checks[a].Load, checks[b].Load
		switch {
		case la > lb:
			return -1
		case la < lb:
			return 1
		}
		return 0
	})
	add(byLoad)
	return out
}

// result renders a cascade with graph ids.
func (m *model) result(run cascadeRun, lim limits) *CascadeResult {
	g := m.g
	r := &CascadeResult{
		Exact:               run.exact,
		Order:               OrderWorst,
		ShockOperators:      []string{},
		ShockGwei:           run.shockGwei,
		Rounds:              []Round{},
		ServicesCompromised: []string{},
		StakeLostGwei:       run.lost,
	}
	if lim.cheapest {
		r.Order = OrderCheapest
	}
	for op, rm := range run.removed {
		if rm {
			r.ShockOperators = append(r.ShockOperators, g.Operators[op].ID)
		}
	}
	compromised := make([]bool, len(g.Services))
	for _, f := range run.rounds {
		r.Rounds = append(r.Rounds, Round{Attack: m.toAttack(f), StakeLostGwei: f.cost})
		for _, s := range f.svcs {
			compromised[s] = true
		}
	}
	for s, c := range compromised {
		if c {
			r.ServicesCompromised = append(r.ServicesCompromised, g.Services[s].ID)
		}
	}
	if m.total > 0 {
		r.StakeLostFraction = float64(run.lost) / float64(m.total)
	}
	return r
}
