package main

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestRestakingChainExample checks examples/restaking/chain.yaml against
// the numbers its comment works out by hand: secure with γ-slack
// 60/440, and a shock of op1 unravels it in four rounds under the
// cheapest order (one under the worst), losing all 500 ETH.
func TestRestakingChainExample(t *testing.T) {
	graph := filepath.Join("..", "..", "examples", "restaking", "chain.yaml")
	code, stdout, stderr := runCLI(t, "restaking", "analyze", graph, "--json")
	if code != 0 {
		t.Fatalf("analyze: exit %d: %s", code, stderr)
	}
	var a struct {
		Secure     bool
		Exact      bool
		GammaSlack *float64 `json:"gamma_slack"`
	}
	decodeStrict(t, stdout, &a)
	if !a.Secure || !a.Exact || a.GammaSlack == nil || *a.GammaSlack != 60.0/440.0 {
		t.Errorf("analyze: secure %v exact %v γ %v; want secure, exact, γ = 60/440", a.Secure, a.Exact, deref(a.GammaSlack))
	}
	for _, tc := range []struct {
		order  string
		rounds [][]string // attackers per round
	}{
		{"cheapest", [][]string{{"op2"}, {"op3"}, {"op4"}, {"op5"}}},
		{"worst", [][]string{{"op2", "op3", "op4", "op5"}}},
	} {
		code, stdout, stderr := runCLI(t, "restaking", "cascade", graph, "--remove", "op1", "--order", tc.order, "--json")
		if code != 0 {
			t.Fatalf("cascade --order %s: exit %d: %s", tc.order, code, stderr)
		}
		var c restakingCascadeOut
		decodeStrict(t, stdout, &c)
		if c.Rounds == nil || *c.Rounds != len(tc.rounds) || len(c.RoundDetails) != len(tc.rounds) {
			t.Fatalf("--order %s: %v rounds, want %d", tc.order, deref(c.Rounds), len(tc.rounds))
		}
		for i, want := range tc.rounds {
			if got := c.RoundDetails[i].Attack.Operators; !slices.Equal(got, want) {
				t.Errorf("--order %s round %d: attackers %v, want %v", tc.order, i+1, got, want)
			}
		}
		if c.StakeLostGwei != 500_000_000_000 || c.StakeLostFraction == nil || *c.StakeLostFraction != 1 {
			t.Errorf("--order %s: lost %d Gwei (fraction %v), want all 500 ETH", tc.order, c.StakeLostGwei, deref(c.StakeLostFraction))
		}
		if len(c.ServicesCompromised) != 4 {
			t.Errorf("--order %s: compromised %v, want all four", tc.order, c.ServicesCompromised)
		}
	}
}
