package scenarios

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// WAD amounts written out (1 = 10^18), independently of the package's
// constants.
const (
	wad1   = 1_000_000_000_000_000_000
	wadP5  = 500_000_000_000_000_000 // 0.5
	wadP3  = 300_000_000_000_000_000 // 0.3
	wadP05 = 50_000_000_000_000_000  // 0.05
)

// rbase starts the restaking test scenarios (lines 1-8): groups ga (0x01,
// the default), gb (0x02) and gz (0x00), then "restaking:" on line 8.
const rbase = "name: t\ndescription: d\nepochs: 40\nvalidators:\n" +
	"  - {name: ga, count: 4}\n" +
	"  - {name: gb, count: 4, withdrawal_credentials: \"0x02\"}\n" +
	"  - {name: gz, count: 4, withdrawal_credentials: \"0x00\"}\n" +
	"restaking:\n"

// rAVSs declares AVSs oracle and bridge on lines 9-11.
const rAVSs = "  avss:\n" +
	"    - {name: oracle, threshold: 0.5, profit_eth: 10}\n" +
	"    - {name: bridge, threshold: 0.5, profit_eth: 10}\n"

// rOps starts the operators list on line 12 of rbase+rAVSs.
const rOps = rbase + rAVSs + "  operators:\n"

// rOneOp is a complete block: operator op-a (line 13) restakes ga for both
// AVSs; what follows starts on line 14.
const rOneOp = rOps + "    - {name: op-a, groups: [ga], avss: [oracle, bridge]}\n"

func u64(v uint64) *uint64 { return &v }

const restakingFull = `name: restaking-full
description: Every restaking field set.
epochs: 40
params:
  - {name: alpha, default: 0.5, doc: Threshold of the oracle., min: 0.1, max: 1}
  - {name: w, default: 32, doc: Withdrawal delay., min: 0, max: 100}
validators:
  - {name: restaked-a, count: 4, withdrawal_credentials: "0x01"}
  - {name: restaked-b, count: 4, withdrawal_credentials: "0x02"}
  - {name: restaked-c, count: 2}
  - name: attackers
    count: 4
    coalition: byz
    behaviours:
      - {kind: own-chain, after_byzantine_share: 0.333333333333333334}
      - kind: censor
        from_epoch: 3
        after_byzantine_share: "${alpha}"
restaking:
  delays: {allocation: 0, deallocation: 32, withdrawal: "${w}"}
  avss:
    - name: oracle
      threshold: "${alpha}"
      profit_eth: 600
      reward_rate: 0.05
      slash_fraction: 1
      redistribute_to: treasury
      veto_epochs: 2
      buggy: {epoch: 20, operators: [op-a]}
    - {name: bridge, threshold: 0.67, profit_eth: 45.000000001, slash_fraction: 0.000000000000000001}
    - {name: da, threshold: 1, profit_eth: 0}
  operators:
    - name: op-a
      groups: [restaked-a]
      avss: [oracle, bridge]
      magnitudes: {bridge: 0.5, oracle: 0.3}
      byzantine: [bridge]
      commission: 0.1234
    - name: op-b
      groups: [restaked-b, restaked-c]
      avss: [bridge, da]
      allocation: yield
      commission: 0
  stakers:
    - {name: lrt-a, operator: op-a, share: 0.5, panic: 0.05}
    - {name: lrt-b, operator: op-a, share: 0.5}
    - {name: lrt-c, operator: op-b, share: 1, panic: 0}
`

func TestRestakingParseFull(t *testing.T) {
	src := restakingFull
	s, err := Parse("r.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Restaking{
		AllocationDelay:   u64(0),
		DeallocationDelay: u64(32),
		WithdrawalDelay:   u64(32),
		AVSs: []AVS{
			{Name: "oracle", ThresholdWAD: wadP5, ProfitGwei: 600_000_000_000, RewardRateWAD: wadP05, SlashFractionWAD: wad1,
				RedistributeTo: "treasury", VetoEpochs: 2, Buggy: &BuggySlash{Epoch: 20, Operators: []string{"op-a"}}},
			{Name: "bridge", ThresholdWAD: 670_000_000_000_000_000, ProfitGwei: 45_000_000_001, SlashFractionWAD: 1},
			{Name: "da", ThresholdWAD: wad1, ProfitGwei: 0, SlashFractionWAD: wad1},
		},
		Operators: []RestakingOperator{
			{Name: "op-a", Groups: []string{"restaked-a"}, AVSs: []string{"oracle", "bridge"}, Allocation: AllocationEven,
				Magnitudes: []AVSMagnitude{{AVS: "bridge", MagnitudeWAD: wadP5}, {AVS: "oracle", MagnitudeWAD: wadP3}},
				Byzantine:  []string{"bridge"}, CommissionBps: 1234},
			{Name: "op-b", Groups: []string{"restaked-b", "restaked-c"}, AVSs: []string{"bridge", "da"}, Allocation: AllocationYield, CommissionBps: 0},
		},
		Stakers: []RestakingStaker{
			{Name: "lrt-a", Operator: "op-a", ShareWAD: wadP5, PanicWAD: wadP05},
			{Name: "lrt-b", Operator: "op-a", ShareWAD: wadP5},
			{Name: "lrt-c", Operator: "op-b", ShareWAD: wad1},
		},
	}
	if !reflect.DeepEqual(s.Restaking, want) {
		t.Errorf("restaking:\n got %s\nwant %s", dumpRestaking(s.Restaking), dumpRestaking(want))
	}
	b := s.Groups[3].Behaviours
	if len(b) != 2 || b[0].AfterByzantineShareWAD != 333_333_333_333_333_334 ||
		!reflect.DeepEqual(b[1], Behaviour{Kind: "censor", FromEpoch: 3, AfterByzantineShareWAD: wadP5}) {
		t.Errorf("behaviours %+v", b)
	}
	for _, g := range s.Groups[:3] {
		if g.Behaviours[0].AfterByzantineShareWAD != 0 {
			t.Errorf("group %s: after_byzantine_share %d without the field", g.Name, g.Behaviours[0].AfterByzantineShareWAD)
		}
	}

	// Overrides reach the expressions: alpha = 0.35 is 0.35 exactly.
	s, err = Parse("r.yaml", []byte(src), []Override{{Name: "alpha", Value: "0.35"}, {Name: "w", Value: "7"}})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Restaking
	if r.AVSs[0].ThresholdWAD != 350_000_000_000_000_000 || *r.WithdrawalDelay != 7 ||
		s.Groups[3].Behaviours[1].AfterByzantineShareWAD != 350_000_000_000_000_000 {
		t.Errorf("with overrides: threshold %d, withdrawal delay %d, share %d",
			r.AVSs[0].ThresholdWAD, *r.WithdrawalDelay, s.Groups[3].Behaviours[1].AfterByzantineShareWAD)
	}
}

// dumpRestaking shows a Restaking with its pointers followed.
func dumpRestaking(r *Restaking) string {
	if r == nil {
		return "nil"
	}
	var b strings.Builder
	for _, d := range []*uint64{r.AllocationDelay, r.DeallocationDelay, r.WithdrawalDelay} {
		if d == nil {
			b.WriteString("delay nil; ")
		} else {
			fmt.Fprintf(&b, "delay %d; ", *d)
		}
	}
	for _, a := range r.AVSs {
		fmt.Fprintf(&b, "%+v", a)
		if a.Buggy != nil {
			fmt.Fprintf(&b, " buggy %+v", *a.Buggy)
		}
		b.WriteString("; ")
	}
	for _, o := range r.Operators {
		fmt.Fprintf(&b, "%+v; ", o)
	}
	for _, st := range r.Stakers {
		fmt.Fprintf(&b, "%+v; ", st)
	}
	return b.String()
}

func TestRestakingDefaults(t *testing.T) {
	s, err := Parse("r.yaml", []byte(rOneOp), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Restaking{
		AVSs: []AVS{
			{Name: "oracle", ThresholdWAD: wadP5, ProfitGwei: 10_000_000_000, SlashFractionWAD: wad1},
			{Name: "bridge", ThresholdWAD: wadP5, ProfitGwei: 10_000_000_000, SlashFractionWAD: wad1},
		},
		Operators: []RestakingOperator{
			{Name: "op-a", Groups: []string{"ga"}, AVSs: []string{"oracle", "bridge"}, Allocation: "even", CommissionBps: 1000},
		},
	}
	if !reflect.DeepEqual(s.Restaking, want) {
		t.Errorf("restaking:\n got %s\nwant %s", dumpRestaking(s.Restaking), dumpRestaking(want))
	}

	// No block, or a null one: no restaking.
	for _, src := range []string{twoGroups, twoGroups + "restaking:\n", twoGroups + "restaking: null\n"} {
		s, err := Parse("r.yaml", []byte(src), nil)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if s.Restaking != nil {
			t.Errorf("%q: restaking %+v, want nil", src, s.Restaking)
		}
	}

	// A delays mapping that gives some delays leaves the others nil.
	s, err = Parse("r.yaml", []byte(rbase+"  delays:\n    deallocation: 1048576\n"+strings.TrimPrefix(rOneOp, rbase)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Restaking; r.AllocationDelay != nil || r.WithdrawalDelay != nil || r.DeallocationDelay == nil || *r.DeallocationDelay != 1<<20 {
		t.Errorf("delays %s", dumpRestaking(r))
	}

	// Each policy decodes; null allocation and magnitudes mean absent.
	for _, p := range []string{"even", "conservative", "yield"} {
		s, err := Parse("r.yaml", []byte(rOps+"    - {name: op-a, groups: [ga], avss: [oracle], allocation: "+p+", magnitudes: null}\n"), nil)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if op := s.Restaking.Operators[0]; op.Allocation != p || op.Magnitudes != nil {
			t.Errorf("%s: %+v", p, op)
		}
	}
}

// TestRestakingStyles checks that the block reads the same in block and
// flow style.
func TestRestakingStyles(t *testing.T) {
	block := rbase + `  delays:
    allocation: 1
    withdrawal: 5
  avss:
    - name: oracle
      threshold: 0.5
      profit_eth: 10
      buggy:
        epoch: 3
        operators:
          - op-a
    - name: bridge
      threshold: 0.25
      profit_eth: 1.5
  operators:
    - name: op-a
      groups:
        - ga
        - gb
      avss:
        - oracle
        - bridge
      magnitudes:
        oracle: 0.25
        bridge: 0.75
      byzantine:
        - oracle
  stakers:
    - name: s1
      operator: op-a
      share: 0.125
`
	flow := rbase + `  {delays: {allocation: 1, withdrawal: 5},
   avss: [{name: oracle, threshold: 0.5, profit_eth: 10, buggy: {epoch: 3, operators: [op-a]}},
          {name: bridge, threshold: 0.25, profit_eth: 1.5}],
   operators: [{name: op-a, groups: [ga, gb], avss: [oracle, bridge], magnitudes: {oracle: 0.25, bridge: 0.75}, byzantine: [oracle]}],
   stakers: [{name: s1, operator: op-a, share: 0.125}]}
`
	a, err := Parse("block.yaml", []byte(block), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("flow.yaml", []byte(flow), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Restaking, b.Restaking) {
		t.Errorf("block and flow differ:\nblock %s\n flow %s", dumpRestaking(a.Restaking), dumpRestaking(b.Restaking))
	}
	r := a.Restaking
	if *r.AllocationDelay != 1 || r.DeallocationDelay != nil || *r.WithdrawalDelay != 5 ||
		r.AVSs[1].ThresholdWAD != 250_000_000_000_000_000 || r.AVSs[1].ProfitGwei != 1_500_000_000 ||
		!reflect.DeepEqual(r.Operators[0].Magnitudes, []AVSMagnitude{{"oracle", 250_000_000_000_000_000}, {"bridge", 750_000_000_000_000_000}}) ||
		r.Stakers[0].ShareWAD != 125_000_000_000_000_000 {
		t.Errorf("decoded %s", dumpRestaking(r))
	}
}

// TestRestakingExpressions checks the numeric fields that take "${...}"
// and the rule for turning an expression's float64 into an exact decimal:
// 15 significant digits.
func TestRestakingExpressions(t *testing.T) {
	src := "name: t\ndescription: d\nepochs: 40\nparams:\n" +
		"  - {name: p, default: 3, doc: x, min: 0, max: 10}\n" +
		"validators:\n  - {name: ga, count: 4}\n" +
		"restaking:\n" +
		"  delays: {allocation: \"${p}\", deallocation: \"${p * 2}\", withdrawal: \"${round(p / 2)}\"}\n" +
		"  avss:\n" +
		"    - name: oracle\n" +
		"      threshold: \"${p / 10}\"\n" + // 0.30000000000000004 in float64: exactly 0.3
		"      profit_eth: \"${p * 100.5}\"\n" +
		"      reward_rate: \"${1 / p}\"\n" + // 0.333333333333333 (15 digits)
		"      slash_fraction: \"${0.1 * p}\"\n" +
		"      veto_epochs: \"${p + 1}\"\n" +
		"      buggy: {epoch: \"${p * 5}\", operators: [op-a]}\n" +
		"  operators:\n" +
		"    - name: op-a\n" +
		"      groups: [ga]\n" +
		"      avss: [oracle]\n" +
		"      magnitudes: {oracle: \"${p / 4}\"}\n" +
		"      commission: \"${0.1 * p}\"\n" +
		"  stakers:\n" +
		"    - {name: s, operator: op-a, share: \"${p / 7}\", panic: \"${p / 100}\"}\n"
	s, err := Parse("e.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := s.Restaking
	a, op, st := r.AVSs[0], r.Operators[0], r.Stakers[0]
	checks := []struct {
		what      string
		got, want uint64
	}{
		{"allocation delay", *r.AllocationDelay, 3},
		{"deallocation delay", *r.DeallocationDelay, 6},
		{"withdrawal delay", *r.WithdrawalDelay, 2}, // round(1.5) = 2, half away from zero
		{"threshold", a.ThresholdWAD, 300_000_000_000_000_000},
		{"profit", a.ProfitGwei, 301_500_000_000},
		{"reward rate", a.RewardRateWAD, 333_333_333_333_333_000},
		{"slash fraction", a.SlashFractionWAD, 300_000_000_000_000_000},
		{"veto", a.VetoEpochs, 4},
		{"buggy epoch", a.Buggy.Epoch, 15},
		{"magnitude", op.Magnitudes[0].MagnitudeWAD, 750_000_000_000_000_000},
		{"commission", op.CommissionBps, 3000},
		{"share", st.ShareWAD, 428_571_428_571_429_000}, // 3/7 = 0.428571428571429 (15 digits)
		{"panic", st.PanicWAD, 30_000_000_000_000_000},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.what, c.got, c.want)
		}
	}
	// The same values as literals give the same WAD.
	lit := strings.NewReplacer(`"${p / 10}"`, "0.3", `"${0.1 * p}"`, "0.3", `"${p / 4}"`, "0.75").Replace(src)
	s2, err := Parse("e.yaml", []byte(lit), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a2 := s2.Restaking.AVSs[0]; a2.ThresholdWAD != a.ThresholdWAD || a2.SlashFractionWAD != a.SlashFractionWAD ||
		s2.Restaking.Operators[0].CommissionBps != op.CommissionBps || s2.Restaking.Operators[0].Magnitudes[0] != op.Magnitudes[0] {
		t.Errorf("literals differ from expressions: %s vs %s", dumpRestaking(s2.Restaking), dumpRestaking(r))
	}
}

func TestRestakingBadInputs(t *testing.T) {
	const groupsList = "(groups: ga, gb, gz)"
	tests := []struct {
		name string
		src  string
		want string // the whole error
		at   string // the source text the first problem must point at
	}{
		// The block.
		{
			name: "not a mapping",
			src:  rbase + "  - oracle\n",
			want: "x.yaml:9:3: restaking: expected a mapping, got a list",
			at:   "- oracle",
		},
		{
			name: "unknown field",
			src:  rOneOp + "  avs: []\n",
			want: "x.yaml:14:3: restaking.avs: unknown field (allowed: delays, avss, operators, stakers)",
			at:   "avs: []",
		},
		{
			name: "duplicate field",
			src:  rOneOp + "  avss: []\n",
			want: "x.yaml:14:3: restaking.avss: duplicate field (first at line 9)",
			at:   "avss: []",
		},
		{
			name: "avss missing",
			src:  rbase + "  operators:\n    - {name: op-a, groups: [ga], avss: [oracle]}\n",
			want: "x.yaml:9:3: restaking.avss: required field is missing", // not also "unknown AVS"
			at:   "operators:",
		},
		{
			name: "no AVS",
			src:  rbase + "  avss: []\n  operators: []\n",
			want: "x.yaml:9:9: restaking.avss: needs at least one AVS\nx.yaml:10:14: restaking.operators: needs at least one operator",
			at:   "[]",
		},
		{
			name: "too many AVSs",
			src: rbase + "  avss: [" + strings.Repeat("{name: a, threshold: 1, profit_eth: 1}, ", 256) + "{name: a, threshold: 1, profit_eth: 1}]\n" +
				"  operators: [{name: op, groups: [ga], avss: [a]}]\n",
			want: "x.yaml:9:9: restaking.avss: 257 AVSs; the limit is 256",
			at:   "[{name",
		},
		{
			name: "operators missing",
			src:  rbase + rAVSs,
			want: "x.yaml:9:3: restaking.operators: required field is missing",
			at:   "avss:",
		},
		{
			name: "operators null",
			src:  rbase + rAVSs + "  operators:\n",
			want: "x.yaml:12:3: restaking.operators: required field has no value",
			at:   "operators:",
		},
		// Delays.
		{
			name: "delay too long",
			src:  rbase + "  delays: {withdrawal: 1048577}\n" + strings.TrimPrefix(rOneOp, rbase),
			want: "x.yaml:9:24: restaking.delays.withdrawal: 1048577 is greater than the maximum 1048576",
			at:   "1048577",
		},
		{
			name: "delay unknown",
			src:  rbase + "  delays: {exit: 3}\n" + strings.TrimPrefix(rOneOp, rbase),
			want: "x.yaml:9:12: restaking.delays.exit: unknown field (allowed: allocation, deallocation, withdrawal)",
			at:   "exit",
		},
		{
			name: "delay negative",
			src:  rbase + "  delays: {allocation: -1}\n" + strings.TrimPrefix(rOneOp, rbase),
			want: "x.yaml:9:24: restaking.delays.allocation: -1 is less than the minimum 0",
			at:   "-1",
		},
		// AVSs.
		{
			name: "duplicate AVS",
			src:  rbase + "  avss:\n    - {name: oracle, threshold: 0.5, profit_eth: 10}\n    - {name: oracle, threshold: 0.5, profit_eth: 10}\n  operators:\n    - {name: op-a, groups: [ga], avss: [oracle]}\n",
			want: `x.yaml:11:14: restaking.avss[1].name: duplicate AVS name "oracle" (first at restaking.avss[0])`,
			at:   "oracle, threshold",
		},
		{
			name: "bad AVS name",
			src:  strings.Replace(rOneOp, "name: bridge", "name: Bridge", 1),
			want: `x.yaml:11:14: restaking.avss[1].name: "Bridge" does not match [a-z0-9_-]+`, // not also "unknown AVS"
			at:   "Bridge",
		},
		{
			name: "AVS name missing",
			src:  strings.Replace(rOneOp, "{name: oracle, threshold", "{threshold", 1),
			want: "x.yaml:10:7: restaking.avss[0].name: required field is missing",
			at:   "{threshold",
		},
		{
			name: "threshold zero",
			src:  strings.Replace(rOneOp, "threshold: 0.5, profit_eth: 10}\n    - {name: bridge", "threshold: 0, profit_eth: 10}\n    - {name: bridge", 1),
			want: "x.yaml:10:33: restaking.avss[0].threshold: 0 is outside (0, 1]",
			at:   "0, profit",
		},
		{
			name: "threshold above 1",
			src:  strings.Replace(rOneOp, "name: bridge, threshold: 0.5", "name: bridge, threshold: 1.000000000000000001", 1),
			want: "x.yaml:11:33: restaking.avss[1].threshold: 1.000000000000000001 is outside (0, 1]",
			at:   "1.000000000000000001",
		},
		{
			name: "threshold 19 decimals",
			src:  strings.Replace(rOneOp, "name: bridge, threshold: 0.5", "name: bridge, threshold: 0.1000000000000000001", 1),
			want: "x.yaml:11:33: restaking.avss[1].threshold: 0.1000000000000000001: more than 18 decimals; fractions are whole WAD (1e-18)",
			at:   "0.1000000000000000001",
		},
		{
			name: "threshold missing",
			src:  strings.Replace(rOneOp, "name: bridge, threshold: 0.5, ", "name: bridge, ", 1),
			want: "x.yaml:11:7: restaking.avss[1].threshold: required field is missing",
			at:   "{name: bridge",
		},
		{
			name: "threshold a string",
			src:  strings.Replace(rOneOp, "name: bridge, threshold: 0.5", "name: bridge, threshold: half", 1),
			want: `x.yaml:11:33: restaking.avss[1].threshold: expected a number or "${expression}", got the string "half"`,
			at:   "half",
		},
		{
			name: "threshold unknown param",
			src:  strings.Replace(rOneOp, "name: bridge, threshold: 0.5", `name: bridge, threshold: "${alpha}"`, 1),
			want: `x.yaml:11:33: restaking.avss[1].threshold: ${alpha}: expression error: unknown param "alpha" (this scenario declares no params) at offset 0`,
			at:   `"${alpha}"`,
		},
		{
			name: "threshold expression too fine",
			src:  strings.Replace(rOneOp, "name: bridge, threshold: 0.5", `name: bridge, threshold: "${1e-19}"`, 1),
			want: `x.yaml:11:33: restaking.avss[1].threshold: ${1e-19} = 1e-19: more than 18 decimals; fractions are whole WAD (1e-18)`,
			at:   `"${1e-19}"`,
		},
		{
			name: "threshold expression huge",
			src:  strings.Replace(rOneOp, "name: bridge, threshold: 0.5", `name: bridge, threshold: "${1e50}"`, 1),
			want: `x.yaml:11:33: restaking.avss[1].threshold: ${1e50} = 1e+50 is outside (0, 1]`,
			at:   `"${1e50}"`,
		},
		{
			name: "threshold expression tiny",
			src:  strings.Replace(rOneOp, "name: bridge, threshold: 0.5", `name: bridge, threshold: "${1e-50}"`, 1),
			want: `x.yaml:11:33: restaking.avss[1].threshold: ${1e-50} = 1e-50: more than 18 decimals; fractions are whole WAD (1e-18)`,
			at:   `"${1e-50}"`,
		},
		{
			name: "profit expression huge and negative",
			src:  strings.Replace(rOneOp, "name: bridge, threshold: 0.5, profit_eth: 10", `name: bridge, threshold: 0.5, profit_eth: "${-1e30}"`, 1),
			want: `x.yaml:11:50: restaking.avss[1].profit_eth: ${-1e30} = -1e+30 is negative; the amount is 0 or more`,
			at:   `"${-1e30}"`,
		},
		{
			name: "profit negative",
			src:  strings.Replace(rOneOp, "name: bridge, threshold: 0.5, profit_eth: 10", "name: bridge, threshold: 0.5, profit_eth: -1", 1),
			want: "x.yaml:11:50: restaking.avss[1].profit_eth: -1 is negative; the amount is 0 or more",
			at:   "-1}",
		},
		{
			name: "profit 10 decimals",
			src:  strings.Replace(rOneOp, "name: bridge, threshold: 0.5, profit_eth: 10", "name: bridge, threshold: 0.5, profit_eth: 0.0000000001", 1),
			want: "x.yaml:11:50: restaking.avss[1].profit_eth: 0.0000000001: more than 9 decimals; amounts are whole Gwei (1e-9 ETH)",
			at:   "0.0000000001",
		},
		{
			name: "profit too large",
			src:  strings.Replace(rOneOp, "name: bridge, threshold: 0.5, profit_eth: 10", "name: bridge, threshold: 0.5, profit_eth: 1e10", 1),
			want: "x.yaml:11:50: restaking.avss[1].profit_eth: 1e10 ETH is greater than the maximum 1000000000",
			at:   "1e10",
		},
		{
			name: "profits add up to too much",
			src: strings.Replace(strings.Replace(rOneOp, "name: oracle, threshold: 0.5, profit_eth: 10", "name: oracle, threshold: 0.5, profit_eth: 600_000_000", 1),
				"name: bridge, threshold: 0.5, profit_eth: 10", "name: bridge, threshold: 0.5, profit_eth: 400_000_000.5", 1),
			want: "x.yaml:11:50: restaking.avss[1].profit_eth: the AVSs' profits up to here add up to more than 1000000000 ETH",
			at:   "400_000_000.5",
		},
		{
			name: "reward rate above 1",
			src:  strings.Replace(rOneOp, "profit_eth: 10}\n  operators", "profit_eth: 10, reward_rate: 1.5}\n  operators", 1),
			want: "x.yaml:11:67: restaking.avss[1].reward_rate: 1.5 is outside [0, 1]",
			at:   "1.5",
		},
		{
			name: "slash fraction zero",
			src:  strings.Replace(rOneOp, "profit_eth: 10}\n  operators", "profit_eth: 10, slash_fraction: 0}\n  operators", 1),
			want: "x.yaml:11:70: restaking.avss[1].slash_fraction: 0 is outside (0, 1]",
			at:   "0}",
		},
		{
			name: "redistribute_to an expression",
			src:  strings.Replace(rOneOp, "profit_eth: 10}\n  operators", "profit_eth: 10, redistribute_to: \"${1}\"}\n  operators", 1),
			want: "x.yaml:11:71: restaking.avss[1].redistribute_to: expressions (${...}) are allowed only in numeric fields",
			at:   `"${1}"`,
		},
		{
			name: "veto too long",
			src:  strings.Replace(rOneOp, "profit_eth: 10}\n  operators", "profit_eth: 10, veto_epochs: 2000000}\n  operators", 1),
			want: "x.yaml:11:67: restaking.avss[1].veto_epochs: 2000000 is greater than the maximum 1048576",
			at:   "2000000",
		},
		{
			name: "unknown AVS field",
			src:  strings.Replace(rOneOp, "profit_eth: 10}\n  operators", "profit_eth: 10, alpha: 1}\n  operators", 1),
			want: "x.yaml:11:54: restaking.avss[1].alpha: unknown field (allowed: name, threshold, profit_eth, reward_rate, slash_fraction, redistribute_to, veto_epochs, buggy)",
			at:   "alpha",
		},
		// Buggy AVSs.
		{
			name: "buggy unknown operator",
			src:  strings.Replace(rOneOp, "profit_eth: 10}\n  operators", "profit_eth: 10, buggy: {epoch: 5, operators: [op-a, op-z]}}\n  operators", 1),
			want: `x.yaml:11:90: restaking.avss[1].buggy.operators[1]: unknown operator "op-z" (operators: op-a)`,
			at:   "op-z",
		},
		{
			name: "buggy operator not registered",
			src: strings.Replace(rOneOp, "profit_eth: 10}\n  operators", "profit_eth: 10, buggy: {epoch: 5, operators: [op-b]}}\n  operators", 1) +
				"    - {name: op-b, groups: [gb], avss: [oracle]}\n",
			want: `x.yaml:11:84: restaking.avss[1].buggy.operators[0]: operator "op-b" is not registered with AVS "bridge": add "bridge" to restaking.operators[1].avss`,
			at:   "op-b]",
		},
		{
			name: "buggy operator twice",
			src:  strings.Replace(rOneOp, "profit_eth: 10}\n  operators", "profit_eth: 10, buggy: {epoch: 5, operators: [op-a, op-a]}}\n  operators", 1),
			want: `x.yaml:11:90: restaking.avss[1].buggy.operators[1]: operator "op-a" is listed twice (first at restaking.avss[1].buggy.operators[0])`,
			at:   "op-a]",
		},
		{
			name: "buggy without operators",
			src:  strings.Replace(rOneOp, "profit_eth: 10}\n  operators", "profit_eth: 10, buggy: {epoch: 5, operators: []}}\n  operators", 1),
			want: `x.yaml:11:83: restaking.avss[1].buggy.operators: needs at least one operator`,
			at:   "[]",
		},
		{
			name: "buggy without epoch",
			src:  strings.Replace(rOneOp, "profit_eth: 10}\n  operators", "profit_eth: 10, buggy: {operators: [op-a]}}\n  operators", 1),
			want: `x.yaml:11:61: restaking.avss[1].buggy.epoch: required field is missing`,
			at:   "{operators",
		},
		{
			name: "buggy epoch beyond the limit",
			src:  strings.Replace(rOneOp, "profit_eth: 10}\n  operators", "profit_eth: 10, buggy: {epoch: 1000001, operators: [op-a]}}\n  operators", 1),
			want: `x.yaml:11:69: restaking.avss[1].buggy.epoch: 1000001 is greater than the maximum 1000000`,
			at:   "1000001",
		},
		// Operators: names, groups, AVSs.
		{
			name: "operator name missing: no echoes in references to it",
			src: strings.Replace(rOps, "profit_eth: 10}\n  operators", "profit_eth: 10, buggy: {epoch: 1, operators: [op-a]}}\n  operators", 1) +
				"    - {groups: [ga], avss: [oracle, bridge]}\n  stakers:\n    - {name: s, operator: op-a, share: 1}\n",
			want: "x.yaml:13:7: restaking.operators[0].name: required field is missing",
			at:   "{groups",
		},
		{
			name: "duplicate operator",
			src:  rOneOp + "    - {name: op-a, groups: [gb], avss: [oracle]}\n",
			want: `x.yaml:14:14: restaking.operators[1].name: duplicate operator name "op-a" (first at restaking.operators[0])`,
			at:   "op-a, groups",
		},
		{
			name: "unknown group",
			src:  rOps + "    - {name: op-a, groups: [ga, gq], avss: [oracle]}\n",
			want: `x.yaml:13:33: restaking.operators[0].groups[1]: unknown validator group "gq" ` + groupsList,
			at:   "gq",
		},
		{
			name: "group restaked twice",
			src:  rOneOp + "    - {name: op-b, groups: [gb, ga], avss: [oracle]}\n",
			want: `x.yaml:14:33: restaking.operators[1].groups[1]: validator group "ga" is already restaked by restaking.operators[0]; a group's ETH backs one operator`,
			at:   "ga]",
		},
		{
			name: "group listed twice",
			src:  rOps + "    - {name: op-a, groups: [ga, ga], avss: [oracle]}\n",
			want: `x.yaml:13:33: restaking.operators[0].groups[1]: validator group "ga" is listed twice (first at restaking.operators[0].groups[0])`,
			at:   "ga]",
		},
		{
			name: "group with 0x00 credentials",
			src:  rOps + "    - {name: op-a, groups: [gz], avss: [oracle]}\n",
			want: `x.yaml:13:29: restaking.operators[0].groups[0]: validator group "gz" has withdrawal credentials 0x00: restaked ETH must be exitable by EIP-7002 requests from its execution address; give the group withdrawal_credentials "0x01" or "0x02"`,
			at:   "gz]",
		},
		{
			name: "no groups",
			src:  rOps + "    - {name: op-a, groups: [], avss: [oracle]}\n",
			want: `x.yaml:13:28: restaking.operators[0].groups: needs at least one validator group`,
			at:   "[]",
		},
		{
			name: "groups missing",
			src:  rOps + "    - {name: op-a, avss: [oracle]}\n",
			want: `x.yaml:13:7: restaking.operators[0].groups: required field is missing`,
			at:   "{name: op-a",
		},
		{
			name: "groups not a list",
			src:  rOps + "    - {name: op-a, groups: ga, avss: [oracle]}\n",
			want: `x.yaml:13:28: restaking.operators[0].groups: expected a list, got the string "ga"`,
			at:   "ga,",
		},
		{
			name: "unknown AVS",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle, dex]}\n",
			want: `x.yaml:13:49: restaking.operators[0].avss[1]: unknown AVS "dex" (AVSs: oracle, bridge)`,
			at:   "dex",
		},
		{
			name: "AVS twice",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle, oracle]}\n",
			want: `x.yaml:13:49: restaking.operators[0].avss[1]: AVS "oracle" is listed twice (first at restaking.operators[0].avss[0])`,
			at:   "oracle]",
		},
		{
			name: "no AVSs",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: []}\n",
			want: `x.yaml:13:40: restaking.operators[0].avss: needs at least one AVS`,
			at:   "[]",
		},
		{
			name: "unknown operator field",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle], stake: 3}\n",
			want: `x.yaml:13:50: restaking.operators[0].stake: unknown field (allowed: name, groups, avss, allocation, magnitudes, byzantine, commission)`,
			at:   "stake",
		},
		// Allocation and magnitudes.
		{
			name: "unknown policy",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle], allocation: greedy}\n",
			want: `x.yaml:13:62: restaking.operators[0].allocation: "greedy" is not one of even, conservative, yield`,
			at:   "greedy",
		},
		{
			name: "policy and magnitudes",
			src:  rOps + "    - name: op-a\n      groups: [ga]\n      avss: [oracle]\n      magnitudes: {oracle: 0.5}\n      allocation: even\n",
			want: `x.yaml:17:7: restaking.operators[0].allocation: give allocation or magnitudes, not both (magnitudes replace the allocation policy)`,
			at:   "allocation: even",
		},
		{
			name: "magnitude for an AVS not registered",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle], magnitudes: {oracle: 0.5, bridge: 0.5}}\n",
			want: `x.yaml:13:76: restaking.operators[0].magnitudes.bridge: AVS "bridge" is not among the operator's avss (oracle)`,
			at:   "bridge: 0.5",
		},
		{
			name: "magnitude for an unknown AVS",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle], magnitudes: {dex: 0.5}}\n",
			want: `x.yaml:13:63: restaking.operators[0].magnitudes.dex: unknown AVS "dex" (AVSs: oracle, bridge)`,
			at:   "dex: 0.5",
		},
		{
			name: "magnitude zero",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle], magnitudes: {oracle: 0}}\n",
			want: `x.yaml:13:71: restaking.operators[0].magnitudes.oracle: 0 is outside (0, 1]`,
			at:   "0}",
		},
		{
			name: "magnitudes add up to more than 1",
			src:  rOps + "    - name: op-a\n      groups: [ga]\n      avss: [oracle, bridge]\n      magnitudes:\n        oracle: 0.6\n        bridge: 0.400000000000000001\n",
			want: `x.yaml:18:17: restaking.operators[0].magnitudes.bridge: operator "op-a": its magnitudes up to here add up to 1.000000000000000001, more than 1`,
			at:   "0.400000000000000001",
		},
		{
			name: "magnitudes empty",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle], magnitudes: {}}\n",
			want: `x.yaml:13:62: restaking.operators[0].magnitudes: needs at least one AVS: magnitude entry (leave magnitudes out to use the allocation policy)`,
			at:   "{}",
		},
		{
			name: "magnitudes a list",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle], magnitudes: [0.5]}\n",
			want: `x.yaml:13:62: restaking.operators[0].magnitudes: expected a mapping of AVS magnitudes, got a list`,
			at:   "[0.5]",
		},
		{
			name: "magnitude key twice",
			src:  rOps + "    - name: op-a\n      groups: [ga]\n      avss: [oracle]\n      magnitudes:\n        oracle: 0.1\n        oracle: 0.2\n",
			want: `x.yaml:18:9: restaking.operators[0].magnitudes.oracle: duplicate field (first at line 17)`,
			at:   "oracle: 0.2",
		},
		// Byzantine.
		{
			name: "byzantine AVS not registered",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle], byzantine: [bridge]}\n",
			want: `x.yaml:13:62: restaking.operators[0].byzantine[0]: AVS "bridge" is not among the operator's avss (oracle)`,
			at:   "bridge]",
		},
		{
			name: "byzantine unknown AVS",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle], byzantine: [oracle, dex]}\n",
			want: `x.yaml:13:70: restaking.operators[0].byzantine[1]: unknown AVS "dex" (AVSs: oracle, bridge)`,
			at:   "dex]",
		},
		{
			name: "byzantine twice",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle], byzantine: [oracle, oracle]}\n",
			want: `x.yaml:13:70: restaking.operators[0].byzantine[1]: AVS "oracle" is listed twice (first at restaking.operators[0].byzantine[0])`,
			at:   "oracle]",
		},
		{
			name: "byzantine not checked against avss that did not decode",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle, Bridge], byzantine: [bridge]}\n",
			want: `x.yaml:13:49: restaking.operators[0].avss[1]: "Bridge" does not match [a-z0-9_-]+`,
			at:   "Bridge",
		},
		// Commission.
		{
			name: "commission not whole bps",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle], commission: 0.12345}\n",
			want: `x.yaml:13:62: restaking.operators[0].commission: 0.12345 is not a whole number of basis points (0.0001)`,
			at:   "0.12345",
		},
		{
			name: "commission above 1",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle], commission: 1.1}\n",
			want: `x.yaml:13:62: restaking.operators[0].commission: 1.1 is outside [0, 1]`,
			at:   "1.1",
		},
		// Stakers.
		{
			name: "staker of an unknown operator",
			src:  rOneOp + "  stakers:\n    - {name: s, operator: op-z, share: 0.5}\n",
			want: `x.yaml:15:27: restaking.stakers[0].operator: unknown operator "op-z" (operators: op-a)`,
			at:   "op-z",
		},
		{
			name: "shares add up to more than 1",
			src:  rOneOp + "  stakers:\n    - {name: s1, operator: op-a, share: 0.75}\n    - {name: s2, operator: op-a, share: 0.25}\n    - {name: s3, operator: op-a, share: 0.000000000000000001}\n",
			want: `x.yaml:17:41: restaking.stakers[2].share: operator "op-a": the shares of its stakers up to here add up to 1.000000000000000001, more than 1`,
			at:   "0.000000000000000001",
		},
		{
			name: "share zero",
			src:  rOneOp + "  stakers:\n    - {name: s1, operator: op-a, share: 0}\n",
			want: `x.yaml:15:41: restaking.stakers[0].share: 0 is outside (0, 1]`,
			at:   "0}",
		},
		{
			name: "share missing",
			src:  rOneOp + "  stakers:\n    - {name: s1, operator: op-a}\n",
			want: `x.yaml:15:7: restaking.stakers[0].share: required field is missing`,
			at:   "{name: s1",
		},
		{
			name: "panic 1",
			src:  rOneOp + "  stakers:\n    - {name: s1, operator: op-a, share: 1, panic: 1}\n",
			want: `x.yaml:15:51: restaking.stakers[0].panic: 1 is outside [0, 1)`,
			at:   "1}",
		},
		{
			name: "panic negative",
			src:  rOneOp + "  stakers:\n    - {name: s1, operator: op-a, share: 1, panic: -0.1}\n",
			want: `x.yaml:15:51: restaking.stakers[0].panic: -0.1 is outside [0, 1)`,
			at:   "-0.1",
		},
		{
			name: "duplicate staker",
			src:  rOneOp + "  stakers:\n    - {name: s1, operator: op-a, share: 0.1}\n    - {name: s1, operator: op-a, share: 0.1}\n",
			want: `x.yaml:16:14: restaking.stakers[1].name: duplicate staker name "s1" (first at restaking.stakers[0])`,
			at:   "s1, operator",
		},
		{
			name: "staker named like an operator",
			src:  rOneOp + "  stakers:\n    - {name: op-a, operator: op-a, share: 0.1}\n",
			want: `x.yaml:15:14: restaking.stakers[0].name: "op-a" is an operator's name; stakers and operators share one namespace`,
			at:   "op-a, operator",
		},
		{
			name: "staker not a mapping",
			src:  rOneOp + "  stakers: [s1]\n",
			want: `x.yaml:14:13: restaking.stakers[0]: expected a mapping, got the string "s1"`,
			at:   "s1]",
		},
		// Behaviours.
		{
			name: "after_byzantine_share 1",
			src:  head + "validators:\n  - name: a\n    count: 1\n    behaviours:\n      - {kind: offline, after_byzantine_share: 1}\n",
			want: `x.yaml:8:48: validators[0].behaviours[0].after_byzantine_share: 1 is outside (0, 1)`,
			at:   "1}",
		},
		{
			name: "after_byzantine_share 0",
			src:  head + "validators:\n  - name: a\n    count: 1\n    behaviours:\n      - {kind: late, delay_ms: 1, after_byzantine_share: 0}\n",
			want: `x.yaml:8:58: validators[0].behaviours[0].after_byzantine_share: 0 is outside (0, 1)`,
			at:   "0}",
		},
		{
			name: "after_byzantine_share expression",
			src:  paramsHead + "validators:\n  - name: a\n    count: 1\n    behaviours:\n      - {kind: offline, after_byzantine_share: \"${p / 10}\"}\n",
			want: `x.yaml:13:48: validators[0].behaviours[0].after_byzantine_share: ${p / 10} = 1 is outside (0, 1)`,
			at:   `"${p / 10}"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("x.yaml", []byte(tt.src), nil)
			if err == nil {
				t.Fatalf("Parse succeeded (%s), want error %q", dumpRestaking(s.Restaking), tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got: %s\nwant: %s", got, tt.want)
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is %T, want a non-empty ErrorList", err)
			}
			first := list[0]
			if got := textAt(tt.src, first.Pos.Line, first.Pos.Col); !strings.HasPrefix(got, tt.at) {
				t.Errorf("first problem points at %q (line %d col %d), want text starting %q", got, first.Pos.Line, first.Pos.Col, tt.at)
			}
		})
	}
}

// TestRestakingAllowed checks values at the edges of their ranges.
func TestRestakingAllowed(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		check func(t *testing.T, r *Restaking)
	}{
		{
			name: "buggy epoch past the run",
			src:  strings.Replace(rOneOp, "profit_eth: 10}\n  operators", "profit_eth: 10, buggy: {epoch: 1000000, operators: [op-a]}}\n  operators", 1),
			check: func(t *testing.T, r *Restaking) {
				if b := r.AVSs[1].Buggy; b == nil || b.Epoch != 1_000_000 || !reflect.DeepEqual(b.Operators, []string{"op-a"}) {
					t.Errorf("buggy %+v", b)
				}
			},
		},
		{
			name: "magnitudes add up to exactly 1, an AVS left out",
			src:  rOps + "    - {name: op-a, groups: [ga, gb], avss: [oracle, bridge], magnitudes: {oracle: 0.999999999999999999, bridge: 0.000000000000000001}}\n",
			check: func(t *testing.T, r *Restaking) {
				m := r.Operators[0].Magnitudes
				if len(m) != 2 || m[0].MagnitudeWAD+m[1].MagnitudeWAD != wad1 || m[1].MagnitudeWAD != 1 {
					t.Errorf("magnitudes %+v", m)
				}
			},
		},
		{
			name: "a single magnitude",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle, bridge], magnitudes: {bridge: 1}}\n",
			check: func(t *testing.T, r *Restaking) {
				if m := r.Operators[0].Magnitudes; !reflect.DeepEqual(m, []AVSMagnitude{{"bridge", wad1}}) {
					t.Errorf("magnitudes %+v", m)
				}
			},
		},
		{
			name: "commission bounds",
			src:  rOps + "    - {name: op-a, groups: [ga], avss: [oracle], commission: 1}\n    - {name: op-b, groups: [gb], avss: [oracle], commission: 0.0001}\n",
			check: func(t *testing.T, r *Restaking) {
				if r.Operators[0].CommissionBps != 10_000 || r.Operators[1].CommissionBps != 1 {
					t.Errorf("commissions %d %d", r.Operators[0].CommissionBps, r.Operators[1].CommissionBps)
				}
			},
		},
		{
			name: "reward rate 1 and 0, profit 0, threshold in exponent form",
			src: rbase + "  avss:\n    - {name: a, threshold: 1e-18, profit_eth: 0, reward_rate: 1}\n    - {name: b, threshold: 1, profit_eth: 1e-9, reward_rate: 0}\n" +
				"  operators:\n    - {name: op, groups: [ga], avss: [a, b]}\n",
			check: func(t *testing.T, r *Restaking) {
				a, b := r.AVSs[0], r.AVSs[1]
				if a.ThresholdWAD != 1 || a.ProfitGwei != 0 || a.RewardRateWAD != wad1 || b.ThresholdWAD != wad1 || b.ProfitGwei != 1 || b.RewardRateWAD != 0 {
					t.Errorf("AVSs %s", dumpRestaking(r))
				}
			},
		},
		{
			name: "shares of different operators add up separately; panic just below 1",
			src: rOps + "    - {name: op-a, groups: [ga], avss: [oracle]}\n    - {name: op-b, groups: [gb], avss: [bridge]}\n" +
				"  stakers:\n    - {name: s1, operator: op-a, share: 1}\n    - {name: s2, operator: op-b, share: 1, panic: 0.999999999999999999}\n",
			check: func(t *testing.T, r *Restaking) {
				if len(r.Stakers) != 2 || r.Stakers[1].PanicWAD != wad1-1 || r.Stakers[1].ShareWAD != wad1 {
					t.Errorf("stakers %s", dumpRestaking(r))
				}
			},
		},
		{
			name: "a coalition group may be restaked; an AVS no operator registers for is allowed",
			src: "name: t\ndescription: d\nepochs: 4\nvalidators:\n  - {name: c, count: 4, coalition: byz}\nrestaking:\n" +
				"  avss: [{name: a, threshold: 0.5, profit_eth: 1}, {name: lonely, threshold: 0.5, profit_eth: 1}]\n" +
				"  operators: [{name: op, groups: [c], avss: [a], byzantine: [a]}]\n",
			check: func(t *testing.T, r *Restaking) {
				if len(r.AVSs) != 2 || !reflect.DeepEqual(r.Operators[0].Byzantine, []string{"a"}) {
					t.Errorf("%s", dumpRestaking(r))
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("x.yaml", []byte(tt.src), nil)
			if err != nil {
				t.Fatal(err)
			}
			if s.Restaking == nil {
				t.Fatal("no restaking")
			}
			tt.check(t, s.Restaking)
			checkRestakingInvariants(t, s)
		})
	}
}

// TestRestakingSeveralProblems checks that problems in different parts of
// the block are all reported, sorted by position.
func TestRestakingSeveralProblems(t *testing.T) {
	src := rbase + "  avss:\n    - {name: oracle, threshold: 2, profit_eth: 10}\n  operators:\n" +
		"    - {name: op-a, groups: [gq], avss: [oracle, dex], allocation: random}\n" +
		"  stakers:\n    - {name: s, operator: op-q, share: 0.5}\n"
	want := "x.yaml:10:33: restaking.avss[0].threshold: 2 is outside (0, 1]\n" +
		`x.yaml:12:29: restaking.operators[0].groups[0]: unknown validator group "gq" (groups: ga, gb, gz)` + "\n" +
		`x.yaml:12:49: restaking.operators[0].avss[1]: unknown AVS "dex" (AVSs: oracle)` + "\n" +
		`x.yaml:12:67: restaking.operators[0].allocation: "random" is not one of even, conservative, yield` + "\n" +
		`x.yaml:14:27: restaking.stakers[0].operator: unknown operator "op-q" (operators: op-a)`
	_, err := Parse("x.yaml", []byte(src), nil)
	if err == nil || err.Error() != want {
		t.Errorf("error:\n got: %v\nwant: %s", err, want)
	}
}

// TestRestakingBuiltins checks that every built-in still parses and that
// the ones with a restaking block satisfy its invariants.
func TestRestakingBuiltins(t *testing.T) {
	for _, b := range Builtins() {
		s, err := Load(b.Name, nil)
		if err != nil {
			t.Errorf("%s: %v", b.Name, err)
			continue
		}
		if s.Restaking != nil {
			checkRestakingInvariants(t, s)
		}
	}
}

// TestRestakingDocs checks that doc.go documents every field of the block,
// the allocation policies and the behaviour option.
func TestRestakingDocs(t *testing.T) {
	data, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	var words []string
	words = append(words, restakingFields()...)
	words = append(words, restakingDelayFields()...)
	words = append(words, avsFields()...)
	words = append(words, restakingOperatorFields()...)
	words = append(words, restakingStakerFields()...)
	words = append(words, "after_byzantine_share", "# Restaking")
	for _, w := range words {
		if !strings.Contains(doc, w) {
			t.Errorf("doc.go does not mention %q", w)
		}
	}
	for _, p := range AllocationPolicies() {
		if !strings.Contains(doc, "- "+p+":") {
			t.Errorf("doc.go does not document allocation policy %q", p)
		}
	}
}

// checkRestakingInvariants asserts what the engine may rely on in a parsed
// restaking block (also used by the fuzz test).
func checkRestakingInvariants(t *testing.T, s *Scenario) {
	t.Helper()
	for _, g := range s.Groups {
		for _, b := range g.Behaviours {
			if b.AfterByzantineShareWAD >= wad1 {
				t.Fatalf("group %s: after_byzantine_share %d", g.Name, b.AfterByzantineShareWAD)
			}
		}
	}
	r := s.Restaking
	if r == nil {
		return
	}
	if len(r.AVSs) == 0 || len(r.Operators) == 0 {
		t.Fatalf("%d AVSs, %d operators", len(r.AVSs), len(r.Operators))
	}
	for _, dl := range []*uint64{r.AllocationDelay, r.DeallocationDelay, r.WithdrawalDelay} {
		if dl != nil && *dl > 1<<20 {
			t.Fatalf("delay %d", *dl)
		}
	}
	avs := map[string]bool{}
	var profits uint64
	for _, a := range r.AVSs {
		if avs[a.Name] || a.ThresholdWAD == 0 || a.ThresholdWAD > wad1 || a.RewardRateWAD > wad1 ||
			a.SlashFractionWAD == 0 || a.SlashFractionWAD > wad1 || a.VetoEpochs > 1<<20 {
			t.Fatalf("bad AVS %+v", a)
		}
		avs[a.Name] = true
		profits += a.ProfitGwei
		if profits > 1_000_000_000_000_000_000 {
			t.Fatalf("profits add up to %d Gwei", profits)
		}
	}
	groups := map[string]*Group{}
	for i := range s.Groups {
		groups[s.Groups[i].Name] = &s.Groups[i]
	}
	ops := map[string]*RestakingOperator{}
	restaked := map[string]bool{}
	for i := range r.Operators {
		op := &r.Operators[i]
		if ops[op.Name] != nil || len(op.Groups) == 0 || len(op.AVSs) == 0 || op.CommissionBps > 10_000 {
			t.Fatalf("bad operator %+v", op)
		}
		ops[op.Name] = op
		for _, g := range op.Groups {
			if groups[g] == nil || restaked[g] || groups[g].Credentials == 0 {
				t.Fatalf("operator %s: bad group %q", op.Name, g)
			}
			restaked[g] = true
		}
		mine := map[string]bool{}
		for _, a := range op.AVSs {
			if !avs[a] || mine[a] {
				t.Fatalf("operator %s: bad AVS %q", op.Name, a)
			}
			mine[a] = true
		}
		for _, a := range op.Byzantine {
			if !mine[a] {
				t.Fatalf("operator %s: byzantine %q", op.Name, a)
			}
		}
		switch op.Allocation {
		case AllocationEven, AllocationConservative, AllocationYield:
		default:
			t.Fatalf("operator %s: allocation %q", op.Name, op.Allocation)
		}
		var sum uint64
		for _, m := range op.Magnitudes {
			if !mine[m.AVS] || m.MagnitudeWAD == 0 || m.MagnitudeWAD > wad1 {
				t.Fatalf("operator %s: magnitude %+v", op.Name, m)
			}
			sum += m.MagnitudeWAD
		}
		if sum > wad1 {
			t.Fatalf("operator %s: magnitudes add up to %d", op.Name, sum)
		}
	}
	for _, a := range r.AVSs {
		if a.Buggy == nil {
			continue
		}
		for _, o := range a.Buggy.Operators {
			if ops[o] == nil || !contains(ops[o].AVSs, a.Name) {
				t.Fatalf("AVS %s: buggy operator %q", a.Name, o)
			}
		}
	}
	shares := map[string]uint64{}
	stakers := map[string]bool{}
	for _, st := range r.Stakers {
		if stakers[st.Name] || ops[st.Name] != nil || ops[st.Operator] == nil || st.ShareWAD == 0 || st.PanicWAD >= wad1 {
			t.Fatalf("bad staker %+v", st)
		}
		stakers[st.Name] = true
		shares[st.Operator] += st.ShareWAD
		if shares[st.Operator] > wad1 {
			t.Fatalf("operator %s: shares add up to %d", st.Operator, shares[st.Operator])
		}
	}
}
