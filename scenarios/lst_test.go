package scenarios

import (
	"strings"
	"testing"
)

const lstHead = `name: t
description: d
epochs: 3
params:
  - {name: share, default: 0.5, min: 0, max: 1}
validators:
  - {name: a, count: 4}
  - {name: b, count: 2, withdrawal_credentials: "0x00"}
  - {name: c, count: 2, balance_eth: 64, withdrawal_credentials: "0x02"}
liquid_staking:
  protocols:
`

// TestLiquidStakingDecode: defaults, the even split of the genesis stake
// among holder groups without initial_eth, and the resolved scenario
// keeping the block with expressions evaluated.
func TestLiquidStakingDecode(t *testing.T) {
	src := lstHead + `    - name: pool
      operators: [a]
      holders:
        - {name: whale, count: 1, initial_eth: 100}
        - {name: crowd, count: 3, policy: withdraw, trigger: bunker, share: "${share}"}
`
	s, err := Parse("x.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := s.LiquidStaking.Protocols[0]
	// 4 × 32 = 128 ETH of genesis stake; the whale brings 100, the 3
	// others share 28: 9.333333333 ETH each (rounded down to the Gwei).
	if p.FeeBP != 1000 || p.DepositGwei != 32e9 || !p.Withdrawals || p.ExitMethod != ExitVoluntary || p.AnnualIncreaseBP != 1000 {
		t.Errorf("defaults: %+v", p)
	}
	if h := p.Holders; h[0].InitialGwei != 100e9 || h[1].InitialGwei != 9_333_333_333 || h[1].ShareWAD != 5e17 || h[1].Agents != 1 {
		t.Errorf("holders: %+v", h)
	}
	y, err := s.ResolvedYAML("run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(y), "liquid_staking:") || !strings.Contains(string(y), "share: 0.5") {
		t.Errorf("resolved scenario lacks the block:\n%s", y)
	}
}

// TestLiquidStakingErrors: each problem is reported at its field.
func TestLiquidStakingErrors(t *testing.T) {
	for _, tt := range []struct{ name, body, want string }{
		{"unknown group", "    - {name: p, operators: [zz], holders: [{name: h, count: 1}]}\n",
			`x.yaml:12:29: liquid_staking.protocols[0].operators[0]: unknown validator group "zz" (groups: a, b, c)`},
		{"0x00 group", "    - {name: p, operators: [b], holders: [{name: h, count: 1}]}\n",
			`x.yaml:12:29: liquid_staking.protocols[0].operators[0]: validator group "b" has withdrawal credentials 0x00`},
		{"balance not a deposit", "    - {name: p, operators: [c], holders: [{name: h, count: 1}]}\n",
			`x.yaml:12:29: liquid_staking.protocols[0].operators[0]: validator group "c" has balance_eth 64 but the protocol deposits 32 ETH`},
		{"too little initial", "    - {name: p, operators: [a], holders: [{name: h, count: 1, initial_eth: 100}]}\n",
			`x.yaml:12:42: liquid_staking.protocols[0].holders: the holders' initial deposits add up to 100 ETH, less than the protocol's genesis stake of 128 ETH`},
		{"field of another policy", "    - {name: p, operators: [a], holders: [{name: h, count: 1, trigger: bunker}]}\n",
			`x.yaml:12:63: liquid_staking.protocols[0].holders[0].trigger: trigger applies to policy withdraw only (this holder group's policy is hold)`},
		{"bad fee", "    - {name: p, operators: [a], fee: 0.12345, holders: [{name: h, count: 1}]}\n",
			`x.yaml:12:38: liquid_staking.protocols[0].fee: 0.12345 is not a whole number of basis points (0.0001)`},
		{"two depositors", "    - {name: p, operators: [a], new_validators: 2, holders: [{name: h, count: 1}]}\n" +
			"    - {name: q, operators: [c], deposit_eth: 64, new_validators: 1, holders: [{name: h, count: 1}]}\n",
			`x.yaml:13:66: liquid_staking.protocols[1].new_validators: protocol p already deposits new validators; only one protocol may`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(lstHead+tt.body), nil)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error:\n got: %v\nwant: %s...", err, tt.want)
			}
		})
	}
}
