package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The expected figures in these tests are worked out by hand, in the
// comments, from the definitions (Durvasula & Roughgarden, "Robust
// Restaking Networks", section 2): B can corrupt s when σ(B ∩ N(s)) >=
// α_s·σ(N(s)); an attack (A, B) is valid when B can corrupt every s in A
// and π(A) > cost(B); the worst attack has the largest π(A) - cost; the
// γ-slack is min over coalitions that can corrupt A of cost/π(A), minus 1;
// EigenLayer's load of a full-stake operator v is Σ_{s ∈ N(v)} π_s /
// (α_s·σ(N(s))), and of an operator with magnitudes the largest such term
// over its allocations, σ(N(s)) then being the stake allocated to s. With
// magnitudes, an allocation of m of an operator's stake σ_v backs (and
// costs, when slashed) m·σ_v of the one service it is allocated to.

const restakingExamples = "../../examples/restaking/"

// restakingAnalyzeOut is what analyze --json prints; pointers tell null
// from a value.
type restakingAnalyzeOut struct {
	Secure         *bool
	Exact          *bool
	Verdict        string
	Method         string
	WorstAttack    *restakingAttackOut `json:"worst_attack"`
	GammaSlack     *float64            `json:"gamma_slack"`
	GammaUnbounded bool                `json:"gamma_unbounded"`
	EigenLayer     *struct {
		Holds     bool
		Operators []struct {
			ID    string
			Load  float64
			Holds bool
		}
	} `json:"eigenlayer_condition"`
}

type restakingAttackOut struct {
	Operators   []string
	Services    []string
	Cost        json.Number
	Profit      json.Number
	CostGwei    uint64 `json:"cost_gwei"`
	ProfitGwei  uint64 `json:"profit_gwei"`
	Allocations []struct {
		Operator, Service string
		Stake             json.Number
		StakeGwei         uint64 `json:"stake_gwei"`
	}
}

// restakingCascadeOut is what cascade --json prints.
type restakingCascadeOut struct {
	Exact *bool
	Order string
	Shock struct {
		Fraction  *float64
		Remove    []string
		Operators []string
		Stake     json.Number
		StakeGwei uint64 `json:"stake_gwei"`
	}
	Rounds       *int
	RoundDetails []struct {
		Round         int
		Attack        restakingAttackOut
		StakeLostGwei uint64 `json:"stake_lost_gwei"`
	} `json:"round_details"`
	ServicesCompromised []string    `json:"services_compromised"`
	StakeLost           json.Number `json:"stake_lost"`
	StakeLostGwei       uint64      `json:"stake_lost_gwei"`
	StakeLostFraction   *float64    `json:"stake_lost_fraction"`
}

func decodeStrict(t *testing.T, data string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("output is not the expected JSON: %v\n%s", err, data)
	}
}

// writeGraph writes a graph file for a test and returns its path.
func writeGraph(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "graph.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// uniqueStakeAttackable is unique-stake.yaml without op-a: oracle is
// backed by big-op's 0.3 allocation alone.
const uniqueStakeAttackable = `operators:
  - {id: big-op, stake: 100}
  - {id: op-b, stake: 100}
  - {id: op-c, stake: 100}
services:
  - {id: oracle, profit: 40, threshold: 0.5}
  - {id: bridge, profit: 40, threshold: 0.5}
  - {id: da, profit: 40, threshold: 0.5}
allocations:
  - {operator: big-op, service: oracle, magnitude: 0.3}
  - {operator: big-op, service: bridge, magnitude: 0.3}
  - {operator: big-op, service: da, magnitude: 0.3}
  - {operator: op-b, service: bridge}
  - {operator: op-c, service: da}
`

// restakingChain is a chain of services, each backed by two neighbouring
// operators of 100 ETH: s1 by op1 and op2, s2 by op2 and op3, s3 by op3
// and op4; each is worth 110 ETH and needs 0.67 of its 200 ETH, 134 ETH,
// so both of its backers. m operators corrupt at most the m - 1 services
// between them, 110·(m - 1) < 100·m: secure. Without op1, s1 is backed by
// op2 alone and needs 67 ETH: see the cascade tests.
const restakingChain = `operators:
  - {id: op1, stake: 100}
  - {id: op2, stake: 100}
  - {id: op3, stake: 100}
  - {id: op4, stake: 100}
services:
  - {id: s1, profit: 110, threshold: 0.67}
  - {id: s2, profit: 110, threshold: 0.67}
  - {id: s3, profit: 110, threshold: 0.67}
allocations:
  - {operator: op1, service: s1}
  - {operator: op2, service: s1}
  - {operator: op2, service: s2}
  - {operator: op3, service: s2}
  - {operator: op3, service: s3}
  - {operator: op4, service: s3}
`

func TestRestakingAnalyzeJSON(t *testing.T) {
	type check struct {
		id    string
		load  float64
		holds bool
	}
	tests := []struct {
		name, graph string
		args        []string
		secure      bool
		exact       bool
		verdict     string
		worst       *restakingAttackOut // nil: null
		gamma       *float64            // nil: null
		holds       bool
		checks      []check
	}{
		{
			// alice, bob, carol 100 ETH each; oracle (40, α 0.5) backed by
			// alice and bob; bridge (40, 0.5) by bob and carol; da (30, 0.6)
			// by all three. One operator meets 0.5 of 200; da needs 180 of
			// 300, two operators. Cheapest coalition per set of services,
			// cost/π: {oracle} 100/40, {bridge} 100/40, {oracle, bridge}
			// {bob} 100/80 = 1.25, any set with da 200/(30..110) >= 1.81.
			// γ = 1.25 - 1 = 0.25. Loads: alice 40/(0.5·200) + 30/(0.6·300)
			// = 0.4 + 1/6 = 17/30, bob 0.4 + 0.4 + 1/6 = 29/30, carol 17/30.
			name: "secure", graph: restakingExamples + "secure.yaml",
			secure: true, exact: true, verdict: "secure", gamma: ptr(0.25), holds: true,
			checks: []check{{"alice", 17.0 / 30, true}, {"bob", 29.0 / 30, true}, {"carol", 17.0 / 30, true}},
		},
		{
			// big-op, op-a, op-b, op-c 100 ETH each; oracle, bridge, da
			// (40 ETH, α 0.5) each backed by big-op and one op-x: 100 of
			// 200 suffices. {big-op} corrupts all three: 120 > 100, a gain
			// of 20; any other valid attack needs a second operator (cost
			// 200 > 120). Loads: big-op 3·40/(0.5·200) = 1.2, others 0.4.
			name: "insecure", graph: restakingExamples + "insecure.yaml",
			verdict: "insecure", exact: true,
			worst: &restakingAttackOut{
				Operators: []string{"big-op"}, Services: []string{"oracle", "bridge", "da"},
				Cost: "100", Profit: "120", CostGwei: 100_000_000_000, ProfitGwei: 120_000_000_000,
			},
			checks: []check{{"big-op", 1.2, false}, {"op-a", 0.4, true}, {"op-b", 0.4, true}, {"op-c", 0.4, true}},
		},
		{
			// As insecure.yaml, but big-op allocates 0.3 (30 ETH) to each
			// service: each is backed by 130 ETH and needs 65; big-op's 30
			// is not enough, so corrupting a service costs op-x's 100 (or
			// 130 with big-op) for 40, and k services cost 100·k for 40·k.
			// γ = 100/40 - 1 = 1.5. Loads: every term is 40/(0.5·130) = 8/13.
			name: "unique stake", graph: restakingExamples + "unique-stake.yaml",
			secure: true, exact: true, verdict: "secure", gamma: ptr(1.5), holds: true,
			checks: []check{{"big-op", 8.0 / 13, true}, {"op-a", 8.0 / 13, true}, {"op-b", 8.0 / 13, true}, {"op-c", 8.0 / 13, true}},
		},
		{
			// oracle is backed by big-op's 30 ETH only and needs 15: big-op
			// corrupts it by losing that allocation, 30 < 40, a gain of 10.
			// bridge (and da) need 65 of 130: big-op's 30 with op-b's 100
			// costs 130 > 40. Loads: big-op max(40/(0.5·30), 40/(0.5·130))
			// = 8/3, op-b and op-c 8/13.
			name: "unique stake attack", graph: "", // uniqueStakeAttackable
			verdict: "insecure", exact: true,
			worst: &restakingAttackOut{
				Operators: []string{"big-op"}, Services: []string{"oracle"},
				Cost: "30", Profit: "40", CostGwei: 30_000_000_000, ProfitGwei: 40_000_000_000,
				Allocations: []struct {
					Operator, Service string
					Stake             json.Number
					StakeGwei         uint64 `json:"stake_gwei"`
				}{{"big-op", "oracle", "30", 30_000_000_000}},
			},
			checks: []check{{"big-op", 8.0 / 3, false}, {"op-b", 8.0 / 13, true}, {"op-c", 8.0 / 13, true}},
		},
		{
			// Past the exact limit (3 full-stake operators > 1), the graph
			// is proved secure by EigenLayer's condition, with the γ bound
			// 1/max load - 1 = 30/29 - 1 = 1/29.
			name: "secure beyond the exact limit", graph: restakingExamples + "secure.yaml",
			args:   []string{"--max-exact-operators", "1"},
			secure: true, verdict: "secure", gamma: ptr(1.0 / 29), holds: true,
			checks: []check{{"alice", 17.0 / 30, true}, {"bob", 29.0 / 30, true}, {"carol", 17.0 / 30, true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			graph := tt.graph
			if graph == "" {
				graph = writeGraph(t, uniqueStakeAttackable)
			}
			args := append([]string{"restaking", "analyze", graph, "--json"}, tt.args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr)
			}
			var got restakingAnalyzeOut
			decodeStrict(t, stdout, &got)
			if got.Secure == nil || *got.Secure != tt.secure || got.Exact == nil || *got.Exact != tt.exact || got.Verdict != tt.verdict {
				t.Errorf("secure %v exact %v verdict %q; want %v %v %q", deref(got.Secure), deref(got.Exact), got.Verdict, tt.secure, tt.exact, tt.verdict)
			}
			if got.Method == "" {
				t.Errorf("no method")
			}
			if !reflect.DeepEqual(got.WorstAttack, tt.worst) {
				t.Errorf("worst_attack = %+v, want %+v", got.WorstAttack, tt.worst)
			}
			switch {
			case tt.gamma == nil && got.GammaSlack != nil:
				t.Errorf("gamma_slack = %v, want null", *got.GammaSlack)
			case tt.gamma != nil && (got.GammaSlack == nil || math.Abs(*got.GammaSlack-*tt.gamma) > 1e-12):
				t.Errorf("gamma_slack = %v, want %v", deref(got.GammaSlack), *tt.gamma)
			}
			// null must be printed, not left out.
			var raw map[string]json.RawMessage
			decodeStrict(t, stdout, &raw)
			for _, key := range []string{"secure", "exact", "verdict", "method", "worst_attack", "gamma_slack", "eigenlayer_condition"} {
				if _, ok := raw[key]; !ok {
					t.Errorf("no %q in the output", key)
				}
			}
			if got.EigenLayer == nil {
				t.Fatalf("no eigenlayer_condition")
			}
			if got.EigenLayer.Holds != tt.holds {
				t.Errorf("eigenlayer_condition.holds = %v, want %v", got.EigenLayer.Holds, tt.holds)
			}
			if len(got.EigenLayer.Operators) != len(tt.checks) {
				t.Fatalf("eigenlayer_condition.operators = %+v, want %d", got.EigenLayer.Operators, len(tt.checks))
			}
			for i, c := range tt.checks {
				o := got.EigenLayer.Operators[i]
				if o.ID != c.id || o.Holds != c.holds || math.Abs(o.Load-c.load) > 1e-12 {
					t.Errorf("operator %d = %+v, want %s load %v holds %v", i, o, c.id, c.load, c.holds)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestRestakingAnalyzeHeuristicNeverSecure checks that past the exact
// limits an insecure graph (EigenLayer's condition fails for big-op) is
// not reported secure, and that the report says it is not exact.
func TestRestakingAnalyzeHeuristicNeverSecure(t *testing.T) {
	code, stdout, stderr := runCLI(t, "restaking", "analyze", "--max-exact-operators", "1", restakingExamples+"insecure.yaml", "--json")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	var got restakingAnalyzeOut
	decodeStrict(t, stdout, &got)
	if got.Exact == nil || *got.Exact || got.Secure == nil || *got.Secure || got.Verdict == "secure" || got.GammaSlack != nil {
		t.Errorf("exact %v secure %v verdict %q gamma %v; want a non-exact, non-secure verdict without γ",
			deref(got.Exact), deref(got.Secure), got.Verdict, deref(got.GammaSlack))
	}
	if got.Verdict == "insecure" {
		if w := got.WorstAttack; w == nil || w.ProfitGwei <= w.CostGwei {
			t.Errorf("insecure without a valid attack: %+v", w)
		}
	}
	code, text, _ := runCLI(t, "restaking", "analyze", "--max-exact-operators", "1", restakingExamples+"insecure.yaml")
	if code != 0 || !strings.Contains(text, "(heuristic") {
		t.Errorf("text output does not label the heuristic:\n%s", text)
	}
}

func TestRestakingAnalyzeText(t *testing.T) {
	tests := []struct {
		graph string
		want  []string // lines, in order
	}{
		{"secure.yaml", []string{
			"restaking graph " + restakingExamples + "secure.yaml: 3 operators (300 ETH of stake), 3 services (110 ETH of profit from corruption), 7 allocations",
			"SECURE (exact, γ-slack 0.25): ",
			"EigenLayer's per-operator sufficient condition: holds",
			"  bob       0.9667  yes",
		}},
		{"insecure.yaml", []string{
			"INSECURE (exact): coalition {big-op} can corrupt {oracle, bridge, da}: cost 100 ETH < profit 120 ETH\n",
			"γ-slack: none (the network is insecure)",
			"EigenLayer's per-operator sufficient condition: fails",
			"  big-op    1.2   no",
		}},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, "restaking", "analyze", restakingExamples+tt.graph)
		if code != 0 {
			t.Fatalf("%s: exit %d; stderr:\n%s", tt.graph, code, stderr)
		}
		rest := stdout
		for _, w := range tt.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%s: output lacks %q (after the previous line):\n%s", tt.graph, w, stdout)
				break
			}
			rest = rest[i+len(w):]
		}
	}
	path := writeGraph(t, uniqueStakeAttackable)
	_, stdout, _ := runCLI(t, "restaking", "analyze", path)
	want := "INSECURE (exact): coalition {big-op} can corrupt {oracle}: cost 30 ETH < profit 40 ETH (unique-stake allocations slashed: big-op→oracle 30 ETH)\n"
	if !strings.Contains(stdout, want) {
		t.Errorf("output lacks %q:\n%s", want, stdout)
	}
}

func TestRestakingCascadeJSON(t *testing.T) {
	type round struct {
		ops, svcs    []string
		cost, profit uint64 // Gwei
	}
	tests := []struct {
		name     string
		graph    string // a file in examples/restaking, or "" for restakingChain
		args     []string
		order    string   // "" is the default, cheapest
		fraction *float64 // shock.fraction
		shockOps []string // nil: any one of anyShock
		anyShock []string
		shock    uint64 // Gwei
		rounds   []round
		services []string
		lost     uint64 // Gwei
		fracLost float64
	}{
		{
			// Without bob: oracle is backed by alice alone (needs 50 of
			// 100), bridge by carol alone, da by both (needs 120 of 200).
			// {alice} gains 40 for 100, {carol} 40 for 100, {alice, carol}
			// 110 for 200: no valid attack. Loss 100 of 300.
			name: "secure, remove bob", graph: "secure.yaml", args: []string{"--remove", "bob"},
			shockOps: []string{"bob"}, shock: 100_000_000_000,
			services: []string{}, lost: 100_000_000_000, fracLost: 1.0 / 3,
		},
		{
			// Without op-a, oracle is backed by big-op alone; {big-op}
			// still corrupts all three: 120 > 100. Then every service is
			// compromised. Loss 100 + 100 = 200 of 400.
			name: "insecure, remove op-a", graph: "insecure.yaml", args: []string{"--remove", "op-a"},
			shockOps: []string{"op-a"}, shock: 100_000_000_000,
			rounds:   []round{{[]string{"big-op"}, []string{"oracle", "bridge", "da"}, 100_000_000_000, 120_000_000_000}},
			services: []string{"oracle", "bridge", "da"}, lost: 200_000_000_000, fracLost: 0.5,
		},
		{
			// The same with --order worst: {big-op} is also the most
			// profitable attack (worth 20; {big-op, op-b} on all three
			// costs 200 > 120).
			name: "insecure, remove op-a, worst", graph: "insecure.yaml", args: []string{"--remove", "op-a", "--order", "worst"},
			order: "worst", shockOps: []string{"op-a"}, shock: 100_000_000_000,
			rounds:   []round{{[]string{"big-op"}, []string{"oracle", "bridge", "da"}, 100_000_000_000, 120_000_000_000}},
			services: []string{"oracle", "bridge", "da"}, lost: 200_000_000_000, fracLost: 0.5,
		},
		{
			// The empty shock: the attack of the intact network happens.
			// Loss 100 of 400. Cheapest: every operator has 100, and of
			// the single operators only big-op can attack (op-x alone
			// meets its service's 100 of 200 for 40 < 100).
			name: "insecure, shock 0", graph: "insecure.yaml", args: []string{"--shock", "0"},
			fraction: ptr(0.0), shockOps: []string{}, shock: 0,
			rounds:   []round{{[]string{"big-op"}, []string{"oracle", "bridge", "da"}, 100_000_000_000, 120_000_000_000}},
			services: []string{"oracle", "bridge", "da"}, lost: 100_000_000_000, fracLost: 0.25,
		},
		{
			// A shock of at most 0.25·400 = 100 ETH removes one operator
			// or none. None: big-op attacks, loss 100. big-op: each op-x
			// alone gains 40 for 100, no attack, loss 100. op-a, op-b or
			// op-c: as "remove op-a", loss 200, the worst.
			name: "insecure, shock 0.25", graph: "insecure.yaml", args: []string{"--shock", "0.25"},
			fraction: ptr(0.25), anyShock: []string{"op-a", "op-b", "op-c"}, shock: 100_000_000_000,
			rounds:   []round{{[]string{"big-op"}, []string{"oracle", "bridge", "da"}, 100_000_000_000, 120_000_000_000}},
			services: []string{"oracle", "bridge", "da"}, lost: 200_000_000_000, fracLost: 0.5,
		},
		{
			// Without op-a, oracle is backed by big-op's 30 ETH alone and
			// needs 15: big-op's allocation corrupts it, 40 > 30, and only
			// that allocation is lost. bridge and da still need 65 of 130:
			// op-b (op-c) costs 100 > 40. Loss 100 + 30 = 130 of 400.
			name: "unique stake, remove op-a", graph: "unique-stake.yaml", args: []string{"--remove", "op-a"},
			shockOps: []string{"op-a"}, shock: 100_000_000_000,
			rounds:   []round{{[]string{"big-op"}, []string{"oracle"}, 30_000_000_000, 40_000_000_000}},
			services: []string{"oracle"}, lost: 130_000_000_000, fracLost: 0.325,
		},
		{
			// restakingChain without op1: s1 needs 67 ETH of op2's 100.
			// Valid attacks: {op2} on s1 (100 < 110), {op2, op3} on s1, s2
			// (200 < 220), {op2, op3, op4} on all three (300 < 330). The
			// cheapest is {op2}. Then s2 is backed by op3 alone (needs 67):
			// {op3} on s2 (100 < 110) is the cheapest, and then {op4} on s3.
			// Loss 100 + 3·100 = 400 of 400.
			name: "chain, remove op1", args: []string{"--remove", "op1"},
			shockOps: []string{"op1"}, shock: 100_000_000_000,
			rounds: []round{
				{[]string{"op2"}, []string{"s1"}, 100_000_000_000, 110_000_000_000},
				{[]string{"op3"}, []string{"s2"}, 100_000_000_000, 110_000_000_000},
				{[]string{"op4"}, []string{"s3"}, 100_000_000_000, 110_000_000_000},
			},
			services: []string{"s1", "s2", "s3"}, lost: 400_000_000_000, fracLost: 1,
		},
		{
			// The same shock, --order worst: of the attacks above the most
			// profitable is {op2, op3, op4} (worth 30, against 20 and 10),
			// and nothing is left after it: one round, the same loss.
			name: "chain, remove op1, worst", args: []string{"--order", "worst", "--remove", "op1"},
			order: "worst", shockOps: []string{"op1"}, shock: 100_000_000_000,
			rounds:   []round{{[]string{"op2", "op3", "op4"}, []string{"s1", "s2", "s3"}, 300_000_000_000, 330_000_000_000}},
			services: []string{"s1", "s2", "s3"}, lost: 400_000_000_000, fracLost: 1,
		},
		{
			// Budget 0.25·400 = 100 ETH: one operator or none. None: the
			// chain is secure, loss 0. op1: the three rounds above, 400.
			// op4: the mirror image ({op3} on s3, {op2} on s2, {op1} on
			// s1), 400 — a tie, kept by the earlier candidate, op1. op2:
			// s1 is backed by op1 alone and s2 by op3 alone: {op1} on s1,
			// {op3} on s2, then s3 is backed by op4 alone: {op4}; 400 too,
			// as is op3 by symmetry. The worst removal is op1, in 3 rounds.
			name: "chain, shock 0.25", args: []string{"--shock", "0.25"},
			fraction: ptr(0.25), shockOps: []string{"op1"}, shock: 100_000_000_000,
			rounds: []round{
				{[]string{"op2"}, []string{"s1"}, 100_000_000_000, 110_000_000_000},
				{[]string{"op3"}, []string{"s2"}, 100_000_000_000, 110_000_000_000},
				{[]string{"op4"}, []string{"s3"}, 100_000_000_000, 110_000_000_000},
			},
			services: []string{"s1", "s2", "s3"}, lost: 400_000_000_000, fracLost: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			graph := restakingExamples + tt.graph
			if tt.graph == "" {
				graph = writeGraph(t, restakingChain)
			}
			args := append([]string{"restaking", "cascade", graph, "--json"}, tt.args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr)
			}
			var got restakingCascadeOut
			decodeStrict(t, stdout, &got)
			if got.Exact == nil || !*got.Exact {
				t.Errorf("exact = %v, want true", deref(got.Exact))
			}
			if want := map[string]string{"": "cheapest", "worst": "worst"}[tt.order]; got.Order != want {
				t.Errorf("order = %q, want %q", got.Order, want)
			}
			switch {
			case tt.fraction == nil && got.Shock.Fraction != nil:
				t.Errorf("shock.fraction = %v, want null", *got.Shock.Fraction)
			case tt.fraction != nil && (got.Shock.Fraction == nil || *got.Shock.Fraction != *tt.fraction):
				t.Errorf("shock.fraction = %v, want %v", deref(got.Shock.Fraction), *tt.fraction)
			}
			if tt.anyShock != nil {
				if len(got.Shock.Operators) != 1 || !strings.Contains(strings.Join(tt.anyShock, " "), got.Shock.Operators[0]) {
					t.Errorf("shock.operators = %v, want one of %v", got.Shock.Operators, tt.anyShock)
				}
			} else if !reflect.DeepEqual(got.Shock.Operators, tt.shockOps) {
				t.Errorf("shock.operators = %v, want %v", got.Shock.Operators, tt.shockOps)
			}
			if got.Shock.StakeGwei != tt.shock {
				t.Errorf("shock.stake_gwei = %d, want %d", got.Shock.StakeGwei, tt.shock)
			}
			if got.Rounds == nil || *got.Rounds != len(tt.rounds) || len(got.RoundDetails) != len(tt.rounds) {
				t.Fatalf("rounds = %v with %d details, want %d", deref(got.Rounds), len(got.RoundDetails), len(tt.rounds))
			}
			for i, w := range tt.rounds {
				r := got.RoundDetails[i]
				a := r.Attack
				if r.Round != i+1 || !reflect.DeepEqual(a.Operators, w.ops) || !reflect.DeepEqual(a.Services, w.svcs) ||
					a.CostGwei != w.cost || a.ProfitGwei != w.profit || r.StakeLostGwei != w.cost {
					t.Errorf("round %d = %+v, want %+v", i+1, r, w)
				}
			}
			services := tt.services
			if services == nil {
				services = []string{}
			}
			if !reflect.DeepEqual(got.ServicesCompromised, services) {
				t.Errorf("services_compromised = %v, want %v", got.ServicesCompromised, services)
			}
			if want := json.Number(strings.TrimSuffix(fmt.Sprint(tt.lost), "000000000")); got.StakeLostGwei != tt.lost || got.StakeLost != want {
				t.Errorf("stake_lost = %s (%d Gwei), want %s (%d Gwei)", got.StakeLost, got.StakeLostGwei, want, tt.lost)
			}
			if got.StakeLostFraction == nil || math.Abs(*got.StakeLostFraction-tt.fracLost) > 1e-15 {
				t.Errorf("stake_lost_fraction = %v, want %v", deref(got.StakeLostFraction), tt.fracLost)
			}
		})
	}
}

func TestRestakingCascadeText(t *testing.T) {
	code, stdout, stderr := runCLI(t, "restaking", "cascade", "--remove", "op-a", restakingExamples+"insecure.yaml")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		"shock: removed {op-a}, 100 ETH (0.25 of the stake)\n",
		"order: cheapest (each round executes the valid attack of least cost)\n",
		"round 1: coalition {big-op} corrupts {oracle, bridge, da}: cost 100 ETH, profit 120 ETH; 100 ETH slashed\n",
		"cascade (exact): 1 round; 3 of 3 services compromised {oracle, bridge, da}; stake lost 200 ETH = 0.5 of 400 ETH (shock included)\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	// The chain of TestRestakingCascadeJSON, round by round (worked out
	// there), and in the worst order.
	chain := writeGraph(t, restakingChain)
	_, stdout, _ = runCLI(t, "restaking", "cascade", chain, "--remove", "op1")
	want := "shock: removed {op1}, 100 ETH (0.25 of the stake)\n" +
		"order: cheapest (each round executes the valid attack of least cost)\n" +
		"round 1: coalition {op2} corrupts {s1}: cost 100 ETH, profit 110 ETH; 100 ETH slashed\n" +
		"round 2: coalition {op3} corrupts {s2}: cost 100 ETH, profit 110 ETH; 100 ETH slashed\n" +
		"round 3: coalition {op4} corrupts {s3}: cost 100 ETH, profit 110 ETH; 100 ETH slashed\n" +
		"cascade (exact): 3 rounds; 3 of 3 services compromised {s1, s2, s3}; stake lost 400 ETH = 1 of 400 ETH (shock included)\n"
	if !strings.HasSuffix(stdout, want) {
		t.Errorf("chain cascade: want the output to end with\n%s\ngot\n%s", want, stdout)
	}
	_, stdout, _ = runCLI(t, "restaking", "cascade", chain, "--remove", "op1", "--order", "worst")
	want = "order: worst (each round executes the most profitable valid attack)\n" +
		"round 1: coalition {op2, op3, op4} corrupts {s1, s2, s3}: cost 300 ETH, profit 330 ETH; 300 ETH slashed\n" +
		"cascade (exact): 1 round; 3 of 3 services compromised {s1, s2, s3}; stake lost 400 ETH = 1 of 400 ETH (shock included)\n"
	if !strings.HasSuffix(stdout, want) {
		t.Errorf("chain cascade, worst order: want the output to end with\n%s\ngot\n%s", want, stdout)
	}
	_, stdout, _ = runCLI(t, "restaking", "cascade", "--remove", "bob", restakingExamples+"secure.yaml")
	if !strings.Contains(stdout, "no attack after the shock") || !strings.Contains(stdout, "0 rounds; 0 of 3 services compromised {}") {
		t.Errorf("a cascade without rounds:\n%s", stdout)
	}
}

// TestRestakingFlagPlacement checks that flags may come before or after
// the subcommand and the graph, with or without "=".
func TestRestakingFlagPlacement(t *testing.T) {
	graph := restakingExamples + "insecure.yaml"
	_, want, _ := runCLI(t, "restaking", "cascade", graph, "--remove", "op-a", "--json")
	for _, args := range [][]string{
		{"restaking", "cascade", "--json", "--remove", "op-a", graph},
		{"restaking", "--json", "cascade", graph, "--remove=op-a"},
		{"restaking", "--remove", "op-a", "--json", "cascade", graph},
	} {
		code, got, stderr := runCLI(t, args...)
		if code != 0 || got != want {
			t.Errorf("%v: exit %d, stderr %q, output differs from the usual order:\n%s", args, code, stderr, got)
		}
	}
}

// TestRestakingHelp checks that each subcommand's help documents its own
// flags (TestAllFlagsExistInHelp checks the restaking command's).
func TestRestakingHelp(t *testing.T) {
	tests := []struct {
		args  []string
		flags []string
		not   []string
	}{
		{[]string{"restaking", "analyze", "--help"}, []string{"--json", "--check", "verdict INSECURE", "--max-exact-operators", "--max-exact-services"}, []string{"--shock", "--remove", "--order"}},
		{[]string{"restaking", "cascade", "--help"}, []string{"--json", "--check", "insecure after the shock", "--shock", "--remove", "--order", "cheapest|worst", "--max-exact-operators", "--max-exact-services", "--max-exact-shock-operators"}, nil},
		{[]string{"restaking", "help", "cascade"}, []string{"--shock", "--remove"}, nil},
		{[]string{"restaking", "--help"}, []string{"analyze", "cascade", "--shock"}, nil},
		{[]string{"restaking"}, []string{"analyze", "cascade"}, nil},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code != 0 {
			t.Errorf("%v: exit %d; stderr %s", tt.args, code, stderr)
		}
		for _, f := range tt.flags {
			if !strings.Contains(stdout, f) {
				t.Errorf("%v does not mention %s:\n%s", tt.args, f, stdout)
			}
		}
		for _, f := range tt.not {
			if strings.Contains(stdout, f) {
				t.Errorf("%v mentions %s, not a flag of it", tt.args, f)
			}
		}
	}
}

func TestRestakingBadInput(t *testing.T) {
	secure := restakingExamples + "secure.yaml"
	bad := writeGraph(t, "operators:\n  - {id: a, stake: 0}\nservices:\n  - {id: s, profit: 1, threshold: 1}\nallocations:\n  - {operator: a, service: t}\n")
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"bad graph", []string{"restaking", "analyze", bad}, "stakesim: " + bad + ":2:20: operators[0].stake: 0 is not positive; a stake is greater than 0\n"},
		{"bad graph in cascade", []string{"restaking", "cascade", bad, "--shock", "0.1"}, bad + ":2:20: operators[0].stake: "},
		{"missing graph", []string{"restaking", "analyze", filepath.Join(t.TempDir(), "none.yaml")}, "none.yaml: no such file"},
		{"no graph", []string{"restaking", "analyze"}, "needs exactly one GRAPH.yaml"},
		{"two graphs", []string{"restaking", "analyze", secure, secure}, "needs exactly one GRAPH.yaml"},
		{"unknown subcommand", []string{"restaking", "simulate", secure}, `unknown subcommand "simulate"`},
		{"flags only", []string{"restaking", "--json"}, "needs a subcommand"},
		{"cascade flag on analyze", []string{"restaking", "analyze", secure, "--shock", "0.1"}, "shock"},
		{"undefined flag", []string{"restaking", "analyze", secure, "--frobnicate"}, "frobnicate"},
		{"no shock", []string{"restaking", "cascade", secure}, "needs --shock F or --remove"},
		{"both shocks", []string{"restaking", "cascade", secure, "--shock", "0.1", "--remove", "bob"}, "not both"},
		{"shock above 1", []string{"restaking", "cascade", secure, "--shock", "1.01"}, `--shock: "1.01" is not a fraction in [0, 1]`},
		{"shock negative", []string{"restaking", "cascade", secure, "--shock=-0.1"}, `--shock: "-0.1"`},
		{"shock not a number", []string{"restaking", "cascade", secure, "--shock", "half"}, `--shock: "half"`},
		{"shock NaN", []string{"restaking", "cascade", secure, "--shock", "NaN"}, `--shock: "NaN"`},
		{"remove unknown", []string{"restaking", "cascade", secure, "--remove", "bob,dave"}, `--remove: unknown operator "dave"`},
		{"remove twice", []string{"restaking", "cascade", secure, "--remove", "bob,bob"}, `--remove: operator "bob" is named twice`},
		{"remove empty", []string{"restaking", "cascade", secure, "--remove", ""}, "--remove: "},
		{"unknown order", []string{"restaking", "cascade", secure, "--remove", "bob", "--order", "best"}, `--order: "best" is not cheapest or worst`},
		{"empty order", []string{"restaking", "cascade", secure, "--remove", "bob", "--order="}, `--order: "" is not cheapest or worst`},
		{"order on analyze", []string{"restaking", "analyze", secure, "--order", "worst"}, "order"},
		{"negative limit", []string{"restaking", "analyze", secure, "--max-exact-services", "-1"}, "--max-exact-services: -1 is negative"},
		{"negative shock limit", []string{"restaking", "cascade", secure, "--shock", "0.1", "--max-exact-shock-operators", "-2"}, "--max-exact-shock-operators: -2 is negative"},
		{"limit not a number", []string{"restaking", "analyze", secure, "--max-exact-operators", "many"}, "many"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != exitBadInput {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitBadInput, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.HasPrefix(stderr, "stakesim: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want a stakesim: message with %q", stderr, tt.want)
			}
			checkNoTrace(t, stderr)
		})
	}
}

func TestFormatETH(t *testing.T) {
	tests := []struct {
		gwei uint64
		want string
	}{
		{0, "0"},
		{1, "0.000000001"},
		{1_000_000_000, "1"},
		{32_500_000_000, "32.5"},
		{100_000_000_001, "100.000000001"},
		{123_456_789_120, "123.45678912"},
		{18_446_744_073_709_551_615, "18446744073.709551615"},
	}
	for _, tt := range tests {
		if got := formatETH(tt.gwei); got != tt.want {
			t.Errorf("formatETH(%d) = %q, want %q", tt.gwei, got, tt.want)
		}
	}
}

// TestRestakingCheck: with --check, analyze and cascade print their usual
// output and then exit 1 when the graph is not proved secure (insecure.yaml:
// big-op alone corrupts all three services, cost 100 < profit 120 ETH),
// 0 when it is (secure.yaml: γ-slack 0.25); without --check an insecure
// graph still exits 0. Exit 1 is not bad input (2).
func TestRestakingCheck(t *testing.T) {
	insecure, secure := restakingExamples+"insecure.yaml", restakingExamples+"secure.yaml"
	chain := writeGraph(t, restakingChain)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // in stderr; "" for none
	}{
		{"analyze insecure", []string{"analyze", insecure, "--check"}, exitRunFailure,
			"stakesim: restaking graph is insecure: coalition {big-op} can corrupt {oracle, bridge, da}: cost 100 ETH < profit 120 ETH\n"},
		{"analyze insecure, json", []string{"analyze", "--check", "--json", insecure}, exitRunFailure, "restaking graph is insecure: "},
		{"analyze insecure without --check", []string{"analyze", insecure}, exitOK, ""},
		{"analyze secure", []string{"analyze", secure, "--check"}, exitOK, ""},
		{"analyze secure, json", []string{"--check", "analyze", secure, "--json"}, exitOK, ""},
		// The chain is secure (restakingChain), but with one operator
		// searched exactly the heuristic proves nothing: UNKNOWN fails.
		{"analyze unknown", []string{"analyze", chain, "--max-exact-operators", "1", "--check"}, exitRunFailure,
			"stakesim: restaking graph is not proved secure (verdict unknown): heuristic"},
		{"cascade insecure", []string{"cascade", insecure, "--remove", "op-a", "--check"}, exitRunFailure,
			"stakesim: restaking graph is insecure after the shock: the cascade compromised 3 of 3 services {oracle, bridge, da} in 1 round, starting with coalition {big-op}"},
		{"cascade insecure without --check", []string{"cascade", insecure, "--remove", "op-a"}, exitOK, ""},
		{"cascade insecure, shock", []string{"cascade", insecure, "--shock", "0.3", "--check", "--json"}, exitRunFailure, "restaking graph is insecure after the shock"},
		{"cascade secure", []string{"cascade", secure, "--remove", "bob", "--check"}, exitOK, ""},
		{"cascade secure, shock", []string{"cascade", secure, "--shock", "0.3", "--check"}, exitOK, ""},
		// Without op1 the chain falls round by round (TestRestakingCascadeText).
		{"cascade chain", []string{"cascade", chain, "--remove", "op1", "--check"}, exitRunFailure, "in 3 rounds, starting with coalition {op2} can corrupt {s1}"},
		{"cascade heuristic, no attack", []string{"cascade", chain, "--shock", "0", "--max-exact-operators", "1", "--check"}, exitRunFailure,
			"stakesim: restaking graph is not proved secure after the shock: no attack found, but the cascade is heuristic"},
		{"bad input stays 2", []string{"cascade", secure, "--check", "--shock", "2"}, exitBadInput, `--shock: "2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"restaking"}, tt.args...)
			code, stdout, stderr := runCLI(t, args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if tt.stderr == "" && stderr != "" || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr = %q, want %q", stderr, tt.stderr)
			}
			checkNoTrace(t, stderr)
			if code == exitBadInput {
				return
			}
			// The output is the one without --check.
			var plain []string
			for _, a := range args {
				if a != "--check" {
					plain = append(plain, a)
				}
			}
			if pc, want, _ := runCLI(t, plain...); pc != exitOK || stdout != want {
				t.Errorf("output with --check differs from the one without (exit %d):\n%s\nwant\n%s", pc, stdout, want)
			}
		})
	}
}
