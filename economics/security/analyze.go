package security

import (
	"fmt"
	"math/big"
)

// Verdicts of an Analysis.
const (
	VerdictSecure   = "secure"
	VerdictInsecure = "insecure"
	VerdictUnknown  = "unknown"
)

// Attack is an attack (A, B): the operators B, the services A they corrupt,
// the stake B loses when every service in A slashes it, and π(A).
type Attack struct {
	Operators  []string `json:"operators"`   // ids, in graph order
	Services   []string `json:"services"`    // ids, in graph order
	CostGwei   uint64   `json:"cost_gwei"`   // stake the coalition loses when slashed
	ProfitGwei uint64   `json:"profit_gwei"` // sum of the services' profit from corruption
	// Allocations lists the unique-stake allocations that take part (an
	// operator with magnitudes joins the attack on some of its services and
	// not others); empty when no operator in B has magnitudes. A full-stake
	// operator in Operators backs and is slashed by every service of
	// Services it is allocated to.
	Allocations []AttackAllocation `json:"allocations,omitempty"`
}

// AttackAllocation is one unique-stake allocation in an attack: the
// operator's stake allocated to the service, all of which the service
// slashes.
type AttackAllocation struct {
	Operator  string `json:"operator"`
	Service   string `json:"service"`
	StakeGwei uint64 `json:"stake_gwei"`
}

// Options bound the exact searches; zero fields take the defaults.
type Options struct {
	// MaxExactOperators is the most full-stake operators (with stake and at
	// least one allocation) for which Analyze enumerates every coalition.
	// Default 20; at most 30 is ever enumerated.
	MaxExactOperators int
	// MaxExactServices is the most services for an exact analysis. Default 20.
	MaxExactServices int
	// MaxExactShockOperators is the most operators (with stake) for which
	// Cascade enumerates every shock of a Fraction to find the worst one.
	// Default 14 (each candidate shock runs a whole cascade: about 1 s at
	// 14 operators and 20 services when every set fits the budget, in
	// either order; BenchmarkCascadeWorstShock).
	MaxExactShockOperators int
	// CascadeOrder is which valid attack each round of a Cascade executes:
	// OrderCheapest (the default, also for "") or OrderWorst; any other
	// value is ErrInvalidOptions (in Analyze too, which does not use it).
	// See the package doc, "Cascades".
	CascadeOrder string
}

// Orders of a cascade (Options.CascadeOrder).
const (
	// OrderCheapest executes, each round, the valid attack of least cost:
	// the one whose coalition risks the least stake. Ties go to the larger
	// profit - cost, then to the lexicographically smallest sorted list of
	// unit indices (units are numbered by operator, then service).
	OrderCheapest = "cheapest"
	// OrderWorst executes, each round, the most profitable valid attack
	// (largest profit - cost), the worst attack of Analyze.
	OrderWorst = "worst"
)

// Defaults of Options.
const (
	DefaultMaxExactOperators      = 20
	DefaultMaxExactServices       = 20
	DefaultMaxExactShockOperators = 14
)

type limits struct {
	ops, svcs, shockOps int
	cheapest            bool // the cascade order is OrderCheapest
}

func (o Options) limits() (limits, error) {
	if o.MaxExactOperators < 0 || o.MaxExactServices < 0 || o.MaxExactShockOperators < 0 {
		return limits{}, fmt.Errorf("%w: negative limit %+v", ErrInvalidOptions, o)
	}
	l := limits{ops: o.MaxExactOperators, svcs: o.MaxExactServices, shockOps: o.MaxExactShockOperators}
	switch o.CascadeOrder {
	case "", OrderCheapest:
		l.cheapest = true
	case OrderWorst:
	default:
		return limits{}, fmt.Errorf("%w: cascade order %q (want %q or %q)", ErrInvalidOptions, o.CascadeOrder, OrderCheapest, OrderWorst)
	}
	if l.ops == 0 {
		l.ops = DefaultMaxExactOperators
	}
	if l.svcs == 0 {
		l.svcs = DefaultMaxExactServices
	}
	if l.shockOps == 0 {
		l.shockOps = DefaultMaxExactShockOperators
	}
	return l, nil
}

// Analysis is the security analysis of a restaking graph.
type Analysis struct {
	Verdict string `json:"verdict"` // "secure", "insecure" or "unknown" (heuristic found no attack, not proved)
	Secure  bool   `json:"secure"`  // Verdict == "secure"
	Exact   bool   `json:"exact"`
	Method  string `json:"method"` // how it was decided, one line
	// WorstAttack is the attack with the largest profit - cost (exact), or
	// the best the heuristic found; nil if none was found.
	WorstAttack *Attack `json:"worst_attack"`
	// GammaSlack is the largest γ with (1+γ)·π(A) <= cost for every
	// attacking coalition (exact), or, when the graph was proved secure by
	// EigenLayer's condition only, the lower bound 1/max Load - 1 that
	// Corollary 2 gives. nil when insecure or unknown, and when unbounded.
	GammaSlack *float64 `json:"gamma_slack"`
	// GammaUnbounded is set when the graph is secure and no attacking
	// coalition has positive profit (every profit is 0), so every γ works.
	GammaUnbounded  bool            `json:"gamma_unbounded,omitempty"`
	Sufficient      []OperatorCheck `json:"sufficient"`
	SufficientHolds bool            `json:"sufficient_holds"`
}

// Analyze decides whether g is secure, and reports the worst attack, the
// γ-slack and EigenLayer's sufficient condition (OperatorCheck).
//
// Paper definition (section 2, Eqs. (1)-(2)): (A, B) is an attacking
// coalition when
//
//	σ(B ∩ N(s)) >= α_s · σ(N(s))   for all s ∈ A
//
// and a valid attack when moreover π(A) > σ(B); G is secure when no valid
// attack exists. Section 3, Eq. (11): G is secure with γ-slack when
// (1 + γ)·π(A) <= σ(B) for every attacking coalition (A, B).
//
// Here σ is the weighted stake of the package doc ("Model") and the cost of
// (A, B) is what B loses when every service in A slashes it. The worst
// attack maximises π(A) - cost; GammaSlack is the largest such γ.
//
// When g has at most MaxExactOperators full-stake operators with stake and
// allocations, at most MaxExactServices services, and at most 16
// unique-stake allocations on any one service, the search is exhaustive and
// Exact is set. Otherwise Analyze reports "secure" only when EigenLayer's
// condition proves it, with GammaSlack its lower bound; failing that it runs
// a heuristic search and reports "insecure" with the (checked) attack it
// found, or "unknown".
func Analyze(g *Graph, opts Options) (*Analysis, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	lim, err := opts.limits()
	if err != nil {
		return nil, err
	}
	m := newModel(g)
	a := &Analysis{}
	var maxLoad *big.Rat
	a.Sufficient, a.SufficientHolds, maxLoad = m.sufficient()
	v := m.newView(nil, nil)

	if v.exactFits(lim) {
		a.Exact = true
		res, worst := v.bestExact(true)
		a.Method = fmt.Sprintf("exhaustive over 2^%d coalitions of full-stake operators", len(v.full))
		if len(m.units) > len(v.full) {
			a.Method += ", unique-stake allocations covered exactly per service"
		}
		if worst != nil {
			at := m.toAttack(*worst)
			a.WorstAttack = &at
			a.Verdict = VerdictInsecure
			if !res.hasRatio || res.ratioNum >= res.ratioDen {
				panic("security: exact search found a valid attack but a cost/profit ratio >= 1")
			}
			return a, nil
		}
		a.Verdict, a.Secure = VerdictSecure, true
		if !res.hasRatio {
			a.GammaUnbounded = true
			return a, nil
		}
		if res.ratioNum < res.ratioDen {
			panic("security: exact search found no valid attack but a cost/profit ratio < 1")
		}
		// γ = min cost/π(A) - 1, exact as a fraction, rounded once.
		gamma, _ := new(big.Rat).SetFrac(
			new(big.Int).SetUint64(res.ratioNum-res.ratioDen),
			new(big.Int).SetUint64(res.ratioDen)).Float64()
		a.GammaSlack = &gamma
		return a, nil
	}

	m.analyzeApprox(a, v, maxLoad)
	return a, nil
}

// analyzeApprox fills a for a graph beyond the exact limits: "secure" only
// when EigenLayer's condition proves it, else the heuristic's attack, else
// "unknown".
func (m *model) analyzeApprox(a *Analysis, v *view, maxLoad *big.Rat) {
	a.Exact = false
	size := fmt.Sprintf("%d full-stake operators, %d services", len(v.full), len(v.svc))
	if a.SufficientHolds {
		a.Verdict, a.Secure = VerdictSecure, true
		if maxLoad.Sign() == 0 {
			a.GammaUnbounded = true
			a.Method = "not exact (" + size + "): proved secure by EigenLayer's sufficient condition; no service has profit"
			return
		}
		a.Method = "not exact (" + size + "): proved secure by EigenLayer's sufficient condition; gamma_slack is its lower bound 1/max load - 1"
		one := big.NewRat(1, 1)
		gamma, _ := new(big.Rat).Sub(new(big.Rat).Quo(one, maxLoad), one).Float64()
		a.GammaSlack = &gamma
		return
	}
	if worst := v.searchHeuristic(); worst != nil {
		at := m.toAttack(*worst)
		a.WorstAttack = &at
		a.Verdict = VerdictInsecure
		a.Method = "heuristic (" + size + "; local search): found a valid attack; worst_attack is the best found, not necessarily the worst"
		return
	}
	a.Verdict = VerdictUnknown
	a.Method = "heuristic (" + size + "; local search): no attack found and EigenLayer's sufficient condition fails; security not proved"
}
