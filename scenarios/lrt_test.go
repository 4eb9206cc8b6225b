package scenarios

import (
	"strings"
	"testing"
)

const lrtHead = `name: t
description: d
epochs: 3
validators:
  - {name: a, count: 6, withdrawal_credentials: "0x01"}
  - {name: ra, count: 1, withdrawal_credentials: "0x01"}
  - {name: rb, count: 1, withdrawal_credentials: "0x01"}
restaking:
  avss: [{name: s, threshold: 0.5, profit_eth: 10}]
  operators:
    - {name: op-a, groups: [ra], avss: [s]}
    - {name: op-b, groups: [rb], avss: [s]}
liquid_staking:
  protocols:
`

// TestLRTDecode: defaults, weights in restaking_operators order, and
// withdrawals_enabled.
func TestLRTDecode(t *testing.T) {
	src := lrtHead + `    - name: ez
      kind: lrt
      operators: [a]
      restaking_operators: [op-a, op-b]
      policy: weights
      weights: {op-b: 0.25, op-a: 0.75}
      withdrawals_enabled: false
      holders: [{name: h, count: 2}]
`
	s, err := Parse("x.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := s.LiquidStaking.Protocols[0]
	if p.Kind != KindLRT || p.Withdrawals || p.Asset != AssetNative || p.ExitMethod != ExitVoluntary || p.Policy != DelegationWeights {
		t.Errorf("decoded %+v", p)
	}
	if len(p.WeightsWAD) != 2 || p.WeightsWAD[0] != 75e16 || p.WeightsWAD[1] != 25e16 {
		t.Errorf("weights %v, want [0.75 0.25] in restaking_operators order", p.WeightsWAD)
	}
	// 6 validators × 32 ETH = 192 ETH shared by 2 holders.
	if p.Holders[0].InitialGwei != 96e9 || p.Operators[0] != "a" {
		t.Errorf("holders %+v operators %v", p.Holders, p.Operators)
	}
	q, err := Parse("x.yaml", []byte(lrtHead+"    - {name: ez, kind: lrt, operators: [a], restaking_operators: [op-a], holders: [{name: h, count: 1}]}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := q.LiquidStaking.Protocols[0]; !p.Withdrawals || p.Policy != DelegationEqual || p.WeightsWAD != nil {
		t.Errorf("defaults %+v", p)
	}
}

// TestLRTErrors: each problem is reported at its field.
func TestLRTErrors(t *testing.T) {
	entry := func(extra string) string {
		return "    - {name: ez, kind: lrt, operators: [a], restaking_operators: [op-a, op-b]" + extra + ", holders: [{name: h, count: 1}]}\n"
	}
	for _, tt := range []struct{ name, body, want string }{
		{"unknown operator", "    - {name: ez, kind: lrt, operators: [a], restaking_operators: [op-z], holders: [{name: h, count: 1}]}\n",
			`x.yaml:15:67: liquid_staking.protocols[0].restaking_operators[0]: unknown restaking operator "op-z" (operators: op-a, op-b)`},
		{"lst field", entry(", fee: 0.1"),
			`x.yaml:15:80: liquid_staking.protocols[0].fee: fee applies to kind lst only (this protocol's kind is lrt)`},
		{"lrt field on lst", "    - {name: p, operators: [a], weights: {op-a: 1}, holders: [{name: h, count: 1}]}\n",
			`x.yaml:15:33: liquid_staking.protocols[0].weights: weights applies to kind lrt only (this protocol's kind is lst)`},
		{"weights sum", entry(", policy: weights, weights: {op-a: 0.5, op-b: 0.4}"),
			`x.yaml:15:106: liquid_staking.protocols[0].weights: the weights add up to 0.9, not 1`},
		{"weights missing op", entry(", policy: weights, weights: {op-a: 1}"),
			`x.yaml:15:106: liquid_staking.protocols[0].weights: no weight for restaking operator "op-b"`},
		{"weights without policy", entry(", weights: {op-a: 1}"),
			`x.yaml:15:80: liquid_staking.protocols[0].weights: weights apply to policy weights only (this protocol's policy is equal)`},
		{"asset unknown", "    - {name: ez, kind: lrt, asset: steth, restaking_operators: [op-a], holders: [{name: h, count: 1, initial_eth: 1}]}\n",
			`x.yaml:15:36: liquid_staking.protocols[0].asset: asset "steth": neither native nor a liquid-staking protocol of this block (lst protocols: )`},
		{"asset an lrt", "    - {name: ez, kind: lrt, asset: ez, restaking_operators: [op-a], holders: [{name: h, count: 1, initial_eth: 1}]}\n",
			`x.yaml:15:36: liquid_staking.protocols[0].asset: asset "ez" is a liquid restaking protocol`},
		{"asset with operators", entry(", asset: steth"),
			`x.yaml:15:29: liquid_staking.protocols[0].operators: an LRT restaking the shares of steth has no validators of its own`},
		{"asset holders without initial_eth", "    - {name: ez, kind: lrt, asset: ez, restaking_operators: [op-a], holders: [{name: h, count: 1}]}\n",
			`liquid_staking.protocols[0].holders: holder group h has no initial_eth`},
		{"withdrawals flag", entry(", withdrawals_enabled: maybe"),
			`x.yaml:15:101: liquid_staking.protocols[0].withdrawals_enabled:`},
		{"group of a restaking operator", "    - {name: ez, kind: lrt, operators: [ra], restaking_operators: [op-a], holders: [{name: h, count: 1}]}\n",
			`x.yaml:15:41: liquid_staking.protocols[0].operators[0]: validator group "ra" already belongs to restaking operator op-a`},
		{"deposit holders", "    - {name: ez, kind: lrt, operators: [a], restaking_operators: [op-a], holders: [{name: h, count: 1, policy: deposit, amount_eth: 1}]}\n",
			`x.yaml:15:112: liquid_staking.protocols[0].holders[0].policy: an LRT's holders may hold or withdraw`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(lrtHead+tt.body), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to contain:\n%s", err, tt.want)
			}
		})
	}
	noRestaking := strings.Replace(lrtHead, "restaking:\n  avss: [{name: s, threshold: 0.5, profit_eth: 10}]\n  operators:\n    - {name: op-a, groups: [ra], avss: [s]}\n    - {name: op-b, groups: [rb], avss: [s]}\n", "", 1)
	_, err := Parse("x.yaml", []byte(noRestaking+"    - {name: ez, kind: lrt, operators: [a], restaking_operators: [op-a], holders: [{name: h, count: 1}]}\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "x.yaml:10:24: liquid_staking.protocols[0].kind: a liquid restaking protocol delegates to restaking operators: the scenario needs a restaking: block") {
		t.Errorf("no restaking block: %v", err)
	}
}

// TestLRTAssetLST: asset names a kind lst protocol of the block, declared
// before or after the LRT; the LRT then has no operators, its holders may
// deposit, and the resolved scenario writes the asset back.
func TestLRTAssetLST(t *testing.T) {
	src := lrtHead + `    - {name: ez, kind: lrt, asset: steth, restaking_operators: [op-a, op-b], holders: [{name: h, count: 2, initial_eth: 8, policy: deposit, amount_eth: 1}]}
    - {name: steth, operators: [a], holders: [{name: s, count: 1}]}
`
	s, err := Parse("x.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := s.LiquidStaking.Protocols[0]
	if p.Asset != "steth" || len(p.Operators) != 0 || p.Holders[0].InitialGwei != 8e9 || p.Holders[0].Policy != HolderDeposit {
		t.Errorf("decoded %+v", p)
	}
	out, err := s.ResolvedYAML("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "asset: steth") {
		t.Errorf("resolved scenario lacks the asset:\n%s", out)
	}
}
