package security

import (
	"math/big"
)

// OperatorCheck is EigenLayer's per-operator sufficient condition for
// security, as the paper states it, for one operator: its Load and whether
// the condition holds.
//
// Paper definition (section 2, Eq. (3), Claim 1): G is secure if for every
// validator v ∈ V
//
//	Σ_{s ∈ N(v)} (σ_v / σ(N(s))) · (π_s / α_s)  <=  σ_v
//
// that is, Load_v = Σ_{s ∈ N(v)} π_s / (α_s·σ(N(s))) <= 1: each service's
// profit is spread over its backers in proportion to stake, inflated by
// 1/α_s, and no validator may carry more than its stake. Summing over a
// coalition gives σ(B) >= Σ_{s∈A} π_s·σ(B∩N(s))/(α_s·σ(N(s))) >= π(A) for
// every attacking coalition (A, B), so no attack is valid. Holds is
// Load <= 1, non-strict as in the paper: equality still rules out
// π(A) > σ(B).
//
// Paper definition (section 3, Corollary 2): if every v satisfies the
// condition with the profits scaled by (1 + γ), i.e. (1 + γ)·Load_v <= 1,
// then G is secure with γ-slack. So a graph meeting the condition has
// γ-slack at least 1/max_v Load_v - 1.
//
// Unique stake. Each allocation of a magnitude operator is its own validator
// of stake w(v, s) backing one service (package doc, "Model"), so the
// paper's condition for it reads π_s / (α_s·σ(N(s))) <= 1, and the operator
// passes when every one of its allocations does: its Load is the largest of
// those terms, not their stake-weighted sum. (The stake-weighted form
// Σ w(v,s)·π_s/(α_s·σ(N(s))·σ_v) is not sufficient: an operator that
// allocates 10% of 100 ETH to a service with profit 50 and α = 1, which
// nobody else backs, has that form at 0.5 yet the service is corruptible for
// 10 ETH.) For a full-stake operator the two forms agree.
//
// σ(N(s)) is the service's total backing stake; only edges of positive
// weight count, so an operator without stake or allocations has Load 0. A
// service with positive profit and no backing stake is covered by no
// operator's condition — the empty coalition corrupts it — so it makes
// Analysis.SufficientHolds false while every operator's check may hold.
type OperatorCheck struct {
	ID    string  `json:"id"`
	Load  float64 `json:"load"` // the exact rational load, rounded once
	Holds bool    `json:"holds"`
}

// sufficient evaluates OperatorCheck for every operator, exactly in
// rationals, and whether the whole graph meets the condition.
func (m *model) sufficient() (checks []OperatorCheck, holds bool, maxLoad *big.Rat) {
	g := m.g
	v := m.newView(nil, nil) // all services open: view positions are service indices
	holds = true
	for j := range v.svc {
		if v.backing[j] == 0 && v.profit[j] > 0 {
			holds = false
		}
	}
	one := big.NewRat(1, 1)
	maxLoad = new(big.Rat)
	checks = make([]OperatorCheck, len(g.Operators))
	for op := range g.Operators {
		load := new(big.Rat)
		for _, u := range m.opUnits[op] {
			un := m.units[u]
			for _, s := range un.svcs {
				p := g.Services[s].Profit
				if p == 0 {
					continue
				}
				num := new(big.Int).Mul(new(big.Int).SetUint64(p), new(big.Int).SetUint64(WAD))
				den := new(big.Int).Mul(new(big.Int).SetUint64(g.Services[s].Threshold), new(big.Int).SetUint64(v.backing[s]))
				term := new(big.Rat).SetFrac(num, den) // backing >= un.weight > 0
				if un.full {
					load.Add(load, term)
				} else if term.Cmp(load) > 0 {
					load = term
				}
			}
		}
		f, _ := load.Float64()
		ok := load.Cmp(one) <= 0
		checks[op] = OperatorCheck{ID: g.Operators[op].ID, Load: f, Holds: ok}
		holds = holds && ok
		if load.Cmp(maxLoad) > 0 {
			maxLoad = load
		}
	}
	return checks, holds, maxLoad
}
