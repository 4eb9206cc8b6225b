package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The expected values below are written out by hand from the file text:
// 1 ETH = 1_000_000_000 Gwei and 1 = 1_000_000_000_000_000_000 WAD.

// Lines 1-3, 4-5 and 6-8 of most test graphs.
const (
	rgOps    = "operators:\n  - {id: op1, stake: 100}\n  - {id: op2, stake: 50}\n"
	rgSvcs   = "services:\n  - {id: oracle, profit: 60, threshold: 0.5}\n"
	rgAllocs = "allocations:\n  - {operator: op1, service: oracle}\n  - {operator: op2, service: oracle}\n"
)

func TestParseRestakingGraphValid(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want RestakingGraph
	}{
		{
			name: "flow entries",
			src:  rgOps + rgSvcs + rgAllocs,
			want: RestakingGraph{
				Operators: []GraphOperator{{"op1", 100_000_000_000}, {"op2", 50_000_000_000}},
				Services:  []GraphService{{"oracle", 60_000_000_000, 500_000_000_000_000_000}},
				Allocations: []GraphAllocation{
					{Operator: 0, Service: 0},
					{Operator: 1, Service: 0},
				},
			},
		},
		{
			name: "block entries with comments, allocations before services",
			src: "# a graph\n" +
				"operators:\n" +
				"  - id: big\n" +
				"    stake: 1_000.5   # ETH\n" +
				"  - id: tiny\n" +
				"    stake: 0.000000001\n" +
				"allocations:\n" +
				"  - operator: tiny\n" +
				"    service: da\n" +
				"  - operator: big\n" +
				"    service: bridge\n" +
				"  - operator: big\n" +
				"    service: da\n" +
				"services:\n" +
				"  - id: bridge\n" +
				"    profit: 0\n" +
				"    threshold: 1\n" +
				"  - id: da\n" +
				"    profit: 12.345678912\n" +
				"    threshold: 0.666666666666666667\n",
			want: RestakingGraph{
				Operators: []GraphOperator{{"big", 1_000_500_000_000}, {"tiny", 1}},
				Services: []GraphService{
					{"bridge", 0, 1_000_000_000_000_000_000},
					{"da", 12_345_678_912, 666_666_666_666_666_667},
				},
				Allocations: []GraphAllocation{
					{Operator: 1, Service: 1},
					{Operator: 0, Service: 0},
					{Operator: 0, Service: 1},
				},
			},
		},
		{
			// EigenLayer's worked example: 0.3 and 0.5 of one operator's stake.
			name: "magnitudes",
			src: "operators:\n  - {id: op1, stake: 100}\n  - {id: op2, stake: 30}\n" +
				"services:\n  - {id: a, profit: 10, threshold: 0.5}\n  - {id: b, profit: 10, threshold: 0.5}\n  - {id: c, profit: 1, threshold: 0.34}\n" +
				"allocations:\n" +
				"  - {operator: op1, service: a, magnitude: 0.3}\n" +
				"  - {operator: op1, service: b, magnitude: 0.5}\n" +
				"  - {operator: op2, service: a, magnitude: 0.333333333333333333}\n" +
				"  - {operator: op2, service: b, magnitude: 0.333333333333333333}\n" +
				"  - {operator: op2, service: c, magnitude: 0.333333333333333334}\n",
			want: RestakingGraph{
				Operators: []GraphOperator{{"op1", 100_000_000_000}, {"op2", 30_000_000_000}},
				Services: []GraphService{
					{"a", 10_000_000_000, 500_000_000_000_000_000},
					{"b", 10_000_000_000, 500_000_000_000_000_000},
					{"c", 1_000_000_000, 340_000_000_000_000_000},
				},
				Allocations: []GraphAllocation{
					{0, 0, 300_000_000_000_000_000},
					{0, 1, 500_000_000_000_000_000},
					{1, 0, 333_333_333_333_333_333},
					{1, 1, 333_333_333_333_333_333},
					{1, 2, 333_333_333_333_333_334}, // the three add up to exactly 1
				},
			},
		},
		{
			name: "exponents, numeric ids, a shared id, a magnitude of 1",
			src: "operators: [{id: 7, stake: 1e3}, {id: x.y-z_9, stake: 2E-9}]\n" +
				"services: [{id: 7, profit: 1.5e+1, threshold: 5e-1}, {id: \"q\", profit: 1e-9, threshold: 1e-18}]\n" +
				"allocations:\n" +
				"  - {operator: 7, service: 7, magnitude: 1}\n" +
				"  - {operator: x.y-z_9, service: q}\n" +
				"  - {operator: x.y-z_9, service: 7}\n",
			want: RestakingGraph{
				Operators: []GraphOperator{{"7", 1_000_000_000_000}, {"x.y-z_9", 2}},
				Services: []GraphService{
					{"7", 15_000_000_000, 500_000_000_000_000_000},
					{"q", 1, 1},
				},
				Allocations: []GraphAllocation{{0, 0, 1_000_000_000_000_000_000}, {1, 1, 0}, {1, 0, 0}},
			},
		},
		{
			name: "whole file in flow style, with a byte-order mark",
			src: "\xef\xbb\xbf{operators: [{id: a, stake: 1}], services: [{id: s, profit: 2, threshold: 0.25}], " +
				"allocations: [{operator: a, service: s}]}\n",
			want: RestakingGraph{
				Operators:   []GraphOperator{{"a", 1_000_000_000}},
				Services:    []GraphService{{"s", 2_000_000_000, 250_000_000_000_000_000}},
				Allocations: []GraphAllocation{{0, 0, 0}},
			},
		},
		{
			name: "total stake and total profit exactly at the limit",
			src: "operators: [{id: a, stake: 600_000_000}, {id: b, stake: 400000000}]\n" +
				"services: [{id: s, profit: 999_999_999.999999999, threshold: 1}, {id: t, profit: 0.000000001, threshold: 1}]\n" +
				"allocations: [{operator: a, service: s}, {operator: b, service: t}]\n",
			want: RestakingGraph{
				Operators: []GraphOperator{{"a", 600_000_000_000_000_000}, {"b", 400_000_000_000_000_000}},
				Services: []GraphService{
					{"s", 999_999_999_999_999_999, 1_000_000_000_000_000_000},
					{"t", 1, 1_000_000_000_000_000_000},
				},
				Allocations: []GraphAllocation{{0, 0, 0}, {1, 1, 0}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ParseRestakingGraph("g.yaml", []byte(tt.src))
			if err != nil {
				t.Fatalf("ParseRestakingGraph: %v\nsource:\n%s", err, tt.src)
			}
			want := tt.want
			want.Source = "g.yaml"
			if !reflect.DeepEqual(*g, want) {
				t.Errorf("got  %+v\nwant %+v", *g, want)
			}
		})
	}
}

func TestParseRestakingGraphErrors(t *testing.T) {
	long := strings.Repeat("a", 65)
	tests := []struct {
		name string
		src  string
		want string // the whole error
		at   string // the text the first problem points at
	}{
		// The file as a whole.
		{
			name: "syntax error",
			src:  "operators: [{id: a, stake: 1}\n",
			want: "g.yaml:1:12: YAML syntax error: sequence end token ']' not found",
		},
		{
			name: "empty file",
			src:  "# nothing\n",
			want: "g.yaml:1:1: empty restaking graph file: expected a mapping with operators, services and allocations",
		},
		{
			name: "two documents",
			src:  rgOps + rgSvcs + rgAllocs + "---\noperators: []\n",
			want: "g.yaml:10:1: only one YAML document is allowed",
			at:   "operators: []",
		},
		{
			name: "not a mapping",
			src:  "- {id: a, stake: 1}\n",
			want: "g.yaml:1:1: expected a mapping of graph fields, got a list",
			at:   "- {id",
		},
		{
			name: "unknown top-level field",
			src:  rgOps + rgSvcs + rgAllocs + "avs: []\n",
			want: "g.yaml:9:1: avs: unknown field (allowed: operators, services, allocations)",
			at:   "avs:",
		},
		{
			name: "anchor",
			src:  rgOps + "services:\n  - &s {id: oracle, profit: 60, threshold: 0.5}\n" + rgAllocs,
			want: "g.yaml:5:5: services[0]: anchors (&name) are not supported",
			at:   "&s",
		},
		{
			name: "tag",
			src:  rgOps + "services:\n  - {id: oracle, profit: !!float 60, threshold: 0.5}\n" + rgAllocs,
			want: "g.yaml:5:26: services[0].profit: tags (!tag) are not supported",
			at:   "!!float",
		},

		// The three lists.
		{
			name: "missing operators",
			src:  rgSvcs + rgAllocs,
			want: "g.yaml:1:1: operators: required field is missing",
		},
		{
			name: "missing services",
			src:  rgOps + rgAllocs,
			want: "g.yaml:1:1: services: required field is missing",
		},
		{
			name: "missing allocations",
			src:  rgOps + rgSvcs,
			want: "g.yaml:1:1: allocations: required field is missing",
		},
		{
			name: "operators not a list",
			src:  "operators: {id: op1, stake: 100}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:1:12: operators: expected a list, got a mapping",
			at:   "{id: op1",
		},
		{
			name: "no services",
			src:  rgOps + "services: []\n" + rgAllocs,
			want: "g.yaml:4:11: services: needs at least one service",
			at:   "[]",
		},
		{
			name: "null allocations",
			src:  rgOps + rgSvcs + "allocations:\n",
			want: "g.yaml:6:1: allocations: required field has no value",
			at:   "allocations:",
		},
		{
			// MaxGraphOperators entries no longer fit in a file: the
			// token limit (prescan.go), checked before the YAML parser
			// runs, refuses the file at the 40,001st token.
			name: "too many operators",
			src:  "operators: [" + strings.Repeat("0, ", MaxGraphOperators) + "0]\n" + rgSvcs + rgAllocs,
			want: "g.yaml:1:60008: more than 40000 YAML tokens (keys, values, punctuation and comments); the limit is 40000",
			at:   ", 0, 0",
		},

		// Operators.
		{
			name: "operator not a mapping",
			src:  "operators:\n  - op1\n" + rgSvcs + rgAllocs,
			want: `g.yaml:2:5: operators[0]: expected a mapping of operator fields, got the string "op1"`,
			at:   "op1",
		},
		{
			name: "operator unknown field",
			src:  "operators:\n  - {id: op1, stake: 100, commission: 0.1}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:2:27: operators[0].commission: unknown field (allowed: id, stake)",
			at:   "commission",
		},
		{
			name: "operator missing stake",
			src:  "operators:\n  - {id: op1}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:2:5: operators[0].stake: required field is missing",
			at:   "{id: op1}",
		},
		{
			name: "operator missing id, block style",
			src:  "operators:\n  - stake: 100\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:2:5: operators[0].id: required field is missing",
			at:   "stake: 100",
		},
		{
			name: "operator id null",
			src:  "operators:\n  - {id: , stake: 100}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:2:6: operators[0].id: required field has no value",
			at:   "id: ,",
		},
		{
			name: "operator id with a space",
			src:  "operators:\n  - {id: \"op 1\", stake: 100}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: `g.yaml:2:10: operators[0].id: "op 1" does not match [A-Za-z0-9_.-]+`,
			at:   `"op 1"`,
		},
		{
			name: "operator id too long",
			src:  "operators:\n  - {id: " + long + ", stake: 100}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:2:10: operators[0].id: longer than 64 characters",
			at:   long,
		},
		{
			name: "operator id a boolean",
			src:  "operators:\n  - {id: true, stake: 100}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:2:10: operators[0].id: expected a string, got a boolean",
			at:   "true",
		},
		{
			name: "duplicate operator",
			src:  "operators:\n  - {id: op1, stake: 100}\n  - {id: op1, stake: 50}\n" + rgSvcs + rgAllocs,
			want: `g.yaml:3:10: operators[1].id: operator "op1" is already declared at operators[0]`,
			at:   "op1, stake: 50",
		},
		{
			name: "stake zero",
			src:  "operators:\n  - {id: op1, stake: 0}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:2:22: operators[0].stake: 0 is not positive; a stake is greater than 0",
			at:   "0}",
		},
		{
			name: "stake negative",
			src:  "operators:\n  - {id: op1, stake: -0.5}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:2:22: operators[0].stake: -0.5 is not positive; a stake is greater than 0",
			at:   "-0.5",
		},
		{
			name: "stake below a Gwei",
			src:  "operators:\n  - {id: op1, stake: 32.0000000001}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:2:22: operators[0].stake: 32.0000000001: more than 9 decimals; amounts are whole Gwei (1e-9 ETH)",
			at:   "32.0000000001",
		},
		{
			name: "stake with an exponent below a Gwei",
			src:  "operators:\n  - {id: op1, stake: 1e-10}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:2:22: operators[0].stake: 1e-10: more than 9 decimals; amounts are whole Gwei (1e-9 ETH)",
			at:   "1e-10",
		},
		{
			name: "stake too large",
			src:  "operators:\n  - {id: op1, stake: 1_000_000_000.000000001}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:2:22: operators[0].stake: 1_000_000_000.000000001 ETH is greater than the maximum 1000000000 ETH",
			at:   "1_000_000_000.0",
		},
		{
			name: "stake beyond uint64",
			src:  "operators:\n  - {id: op1, stake: 1e30}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:2:22: operators[0].stake: 1e30 ETH is greater than the maximum 1000000000 ETH",
			at:   "1e30",
		},
		{
			name: "stakes add up to too much",
			src:  "operators:\n  - {id: op1, stake: 600_000_000}\n  - {id: op2, stake: 400_000_000.000000001}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:3:22: operators[1].stake: the stakes up to here add up to more than 1000000000 ETH",
			at:   "400_000_000.0",
		},
		{
			name: "stake expression",
			src:  "operators:\n  - {id: op1, stake: \"${32 * 3}\"}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:2:22: operators[0].stake: expressions (${...}) are not allowed here; write a number",
			at:   `"${32`,
		},
		{
			name: "stake with a unit",
			src:  "operators:\n  - {id: op1, stake: 100 ETH}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: `g.yaml:2:22: operators[0].stake: expected a number, got the string "100 ETH"`,
			at:   "100 ETH",
		},
		{
			name: "stake in hexadecimal",
			src:  "operators:\n  - {id: op1, stake: 0x64}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:2:22: operators[0].stake: 0x64: not a decimal number; amounts are whole Gwei (1e-9 ETH)",
			at:   "0x64",
		},
		{
			name: "stake infinite",
			src:  "operators:\n  - {id: op1, stake: .inf}\n  - {id: op2, stake: 50}\n" + rgSvcs + rgAllocs,
			want: "g.yaml:2:22: operators[0].stake: expected a finite number, got .inf",
			at:   ".inf",
		},

		// Services.
		{
			name: "service missing threshold",
			src:  rgOps + "services:\n  - {id: oracle, profit: 60}\n" + rgAllocs,
			want: "g.yaml:5:5: services[0].threshold: required field is missing",
			at:   "{id: oracle",
		},
		{
			name: "duplicate service",
			src: rgOps + "services:\n  - {id: oracle, profit: 60, threshold: 0.5}\n  - {id: oracle, profit: 1, threshold: 1}\n" +
				rgAllocs,
			want: `g.yaml:6:10: services[1].id: service "oracle" is already declared at services[0]`,
			at:   "oracle, profit: 1",
		},
		{
			name: "profit negative",
			src:  rgOps + "services:\n  - {id: oracle, profit: -60, threshold: 0.5}\n" + rgAllocs,
			want: "g.yaml:5:26: services[0].profit: -60 is negative; a profit is 0 or more",
			at:   "-60",
		},
		{
			name: "profits add up to too much",
			src: rgOps + "services:\n  - {id: oracle, profit: 999_999_999, threshold: 0.5}\n  - {id: b, profit: 1.000000001, threshold: 0.5}\n" +
				rgAllocs,
			want: "g.yaml:6:21: services[1].profit: the profits up to here add up to more than 1000000000 ETH",
			at:   "1.000000001",
		},
		{
			name: "threshold zero",
			src:  rgOps + "services:\n  - {id: oracle, profit: 60, threshold: 0}\n" + rgAllocs,
			want: "g.yaml:5:41: services[0].threshold: 0 is outside (0, 1]",
			at:   "0}",
		},
		{
			name: "threshold above 1",
			src:  rgOps + "services:\n  - {id: oracle, profit: 60, threshold: 1.000000000000000001}\n" + rgAllocs,
			want: "g.yaml:5:41: services[0].threshold: 1.000000000000000001 is outside (0, 1]",
			at:   "1.000000000000000001",
		},
		{
			name: "threshold negative",
			src:  rgOps + "services:\n  - {id: oracle, profit: 60, threshold: -0.5}\n" + rgAllocs,
			want: "g.yaml:5:41: services[0].threshold: -0.5 is outside (0, 1]",
			at:   "-0.5",
		},
		{
			name: "threshold as a percentage",
			src:  rgOps + "services:\n  - {id: oracle, profit: 60, threshold: 67}\n" + rgAllocs,
			want: "g.yaml:5:41: services[0].threshold: 67 is outside (0, 1]",
			at:   "67",
		},
		{
			name: "threshold below a WAD",
			src:  rgOps + "services:\n  - {id: oracle, profit: 60, threshold: 0.6666666666666666667}\n" + rgAllocs,
			want: "g.yaml:5:41: services[0].threshold: 0.6666666666666666667: more than 18 decimals; fractions are whole WAD (1e-18)",
			at:   "0.6666666666666666667",
		},
		{
			// Reported at the service, once nothing else is wrong.
			name: "service without allocations",
			src:  rgOps + "services:\n  - {id: oracle, profit: 60, threshold: 0.5}\n  - id: bridge\n    profit: 1\n    threshold: 1\n" + rgAllocs,
			want: `g.yaml:6:5: services[1]: service "bridge" has no allocation; every service needs at least one operator`,
			at:   "id: bridge",
		},

		// Allocations.
		{
			name: "allocation unknown field",
			src:  rgOps + rgSvcs + "allocations:\n  - {operator: op1, service: oracle, weight: 1}\n",
			want: "g.yaml:7:38: allocations[0].weight: unknown field (allowed: operator, service, magnitude)",
			at:   "weight",
		},
		{
			name: "allocation missing service",
			src:  rgOps + rgSvcs + "allocations:\n  - {operator: op1}\n",
			want: "g.yaml:7:5: allocations[0].service: required field is missing",
			at:   "{operator: op1}",
		},
		{
			name: "allocation unknown operator",
			src:  rgOps + rgSvcs + "allocations:\n  - {operator: op3, service: oracle}\n",
			want: `g.yaml:7:16: allocations[0].operator: unknown operator "op3" (operators: op1, op2)`,
			at:   "op3",
		},
		{
			name: "allocation unknown service",
			src:  rgOps + rgSvcs + "allocations:\n  - {operator: op1, service: Oracle}\n",
			want: `g.yaml:7:30: allocations[0].service: unknown service "Oracle" (services: oracle)`,
			at:   "Oracle",
		},
		{
			name: "duplicate allocation",
			src:  rgOps + rgSvcs + rgAllocs + "  - {operator: op1, service: oracle}\n",
			want: `g.yaml:9:5: allocations[2]: operator "op1" is already allocated to service "oracle" at allocations[0]`,
			at:   "{operator: op1",
		},
		{
			name: "magnitude zero",
			src:  rgOps + rgSvcs + "allocations:\n  - {operator: op1, service: oracle, magnitude: 0}\n",
			want: "g.yaml:7:49: allocations[0].magnitude: 0 is outside (0, 1]",
			at:   "0}",
		},
		{
			name: "magnitude above 1",
			src:  rgOps + rgSvcs + "allocations:\n  - {operator: op1, service: oracle, magnitude: 1.5}\n",
			want: "g.yaml:7:49: allocations[0].magnitude: 1.5 is outside (0, 1]",
			at:   "1.5",
		},
		{
			name: "magnitude expression",
			src:  rgOps + rgSvcs + "allocations:\n  - {operator: op1, service: oracle, magnitude: \"${1/3}\"}\n",
			want: "g.yaml:7:49: allocations[0].magnitude: expressions (${...}) are not allowed here; write a number",
			at:   `"${1/3}"`,
		},
		{
			// Shape problems of the allocations are reported even when an
			// operator is wrong; names are resolved only once both lists are.
			name: "bad operator and a bad magnitude",
			src: "operators:\n  - {id: op1, stake: 0}\n" + rgSvcs +
				"allocations:\n  - {operator: op1, service: oracle, magnitude: 2}\n  - {operator: nobody, service: oracle}\n",
			want: "g.yaml:2:22: operators[0].stake: 0 is not positive; a stake is greater than 0\n" +
				"g.yaml:6:49: allocations[0].magnitude: 2 is outside (0, 1]",
			at: "0}",
		},
		{
			name: "magnitude after none",
			src: "operators:\n  - {id: op1, stake: 100}\n" +
				"services:\n  - {id: a, profit: 1, threshold: 1}\n  - {id: b, profit: 1, threshold: 1}\n" +
				"allocations:\n  - {operator: op1, service: a}\n  - {operator: op1, service: b, magnitude: 0.5}\n",
			want: `g.yaml:8:33: allocations[1].magnitude: operator "op1": this allocation gives a magnitude but allocations[0] gives none; ` +
				"an operator's allocations all give a magnitude or none do",
			at: "magnitude: 0.5",
		},
		{
			name: "none after a magnitude",
			src: "operators:\n  - {id: op1, stake: 100}\n" +
				"services:\n  - {id: a, profit: 1, threshold: 1}\n  - {id: b, profit: 1, threshold: 1}\n" +
				"allocations:\n  - {operator: op1, service: a, magnitude: 0.5}\n  - operator: op1\n    service: b\n",
			want: `g.yaml:8:5: allocations[1]: operator "op1": this allocation gives none but allocations[0] gives a magnitude; ` +
				"an operator's allocations all give a magnitude or none do",
			at: "operator: op1",
		},
		{
			// 0.5 + 0.4 = 0.9, then + 0.100000000000000001 crosses 1; the
			// fourth adds more but is not reported again.
			name: "magnitudes above 1",
			src: "operators:\n  - {id: op1, stake: 100}\n" +
				"services:\n  - {id: a, profit: 1, threshold: 1}\n  - {id: b, profit: 1, threshold: 1}\n  - {id: c, profit: 1, threshold: 1}\n  - {id: d, profit: 1, threshold: 1}\n" +
				"allocations:\n" +
				"  - {operator: op1, service: a, magnitude: 0.5}\n" +
				"  - {operator: op1, service: b, magnitude: 0.4}\n" +
				"  - {operator: op1, service: c, magnitude: 0.100000000000000001}\n" +
				"  - {operator: op1, service: d, magnitude: 0.5}\n",
			want: `g.yaml:11:44: allocations[2].magnitude: operator "op1": its magnitudes up to here add up to 1.000000000000000001, more than 1`,
			at:   "0.100000000000000001",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ParseRestakingGraph("g.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("ParseRestakingGraph accepted the file (%+v); want\n%s", g, tt.want)
			}
			if g != nil {
				t.Errorf("ParseRestakingGraph returned a graph with its error")
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tt.want)
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T is not a non-empty ErrorList", err)
			}
			if tt.at != "" {
				first := list[0].Pos
				if got := sweepSrcAt(tt.src, first.Line, first.Col); !strings.HasPrefix(got, tt.at) {
					t.Errorf("first problem points at %q (%d:%d), want text starting %q", got, first.Line, first.Col, tt.at)
				}
			}
		})
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		text     string
		decimals int
		want     uint64
		neg      bool
		err      string // "" for none
	}{
		{"0.5", 18, 500_000_000_000_000_000, false, ""},
		{"1", 18, 1_000_000_000_000_000_000, false, ""},
		{"0.333333333333333333", 18, 333_333_333_333_333_333, false, ""},
		{"0.3333333333333333333", 18, 0, false, "more than 18 decimals"},
		{"0.333333333333333333000", 18, 333_333_333_333_333_333, false, ""}, // trailing zeros are exact
		{"1e-3", 18, 1_000_000_000_000_000, false, ""},
		{"1E-18", 18, 1, false, ""},
		{"1e-19", 18, 0, false, "more than 18 decimals"},
		{"2.5e+1", 9, 25_000_000_000, false, ""},
		{"3.2e1", 9, 32_000_000_000, false, ""},
		{"0.0032e4", 9, 32_000_000_000, false, ""},
		{".5", 9, 500_000_000, false, ""},
		{"5.", 9, 5_000_000_000, false, ""},
		{"1_000.5", 9, 1_000_500_000_000, false, ""},
		{"+7", 0, 7, false, ""},
		{"-1.25", 9, 1_250_000_000, true, ""},
		{"-0", 9, 0, false, ""},
		{"-0.0e5", 18, 0, false, ""},
		{"0.000000001", 9, 1, false, ""},
		{"0.0000000001", 9, 0, false, "more than 9 decimals"},
		{"18446744073709551615", 0, 18_446_744_073_709_551_615, false, ""},
		{"18446744073709551616", 0, 0, false, "too large"},
		{"18.446744073709551616", 18, 0, false, "too large"},
		{"1e40", 0, 0, false, "too large"},
		{"1e41", 0, 0, false, "bad exponent"},
		{"1e", 0, 0, false, "bad exponent"},
		{"", 9, 0, false, "not a decimal number"},
		{".", 9, 0, false, "not a decimal number"},
		{"1.2.3", 9, 0, false, "not a decimal number"},
		{"0x10", 9, 0, false, "not a decimal number"},
	}
	for _, tt := range tests {
		v, neg, err := parseDecimal(tt.text, tt.decimals)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseDecimal(%q, %d) = %d, %v, %v; want error %q", tt.text, tt.decimals, v, neg, err, tt.err)
			}
			continue
		}
		if err != nil || v != tt.want || neg != tt.neg {
			t.Errorf("parseDecimal(%q, %d) = %d, %v, %v; want %d, %v", tt.text, tt.decimals, v, neg, err, tt.want, tt.neg)
		}
	}
}

func TestLoadRestakingGraph(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "g.yaml")
	if err := os.WriteFile(path, []byte(rgOps+rgSvcs+rgAllocs), 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := LoadRestakingGraph(path)
	if err != nil {
		t.Fatalf("LoadRestakingGraph: %v", err)
	}
	if g.Source != path || len(g.Operators) != 2 || len(g.Services) != 1 || len(g.Allocations) != 2 {
		t.Errorf("got %+v", g)
	}
	_, err = LoadRestakingGraph(filepath.Join(dir, "missing.yaml"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: error %v, want os.ErrNotExist naming the file", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(rgOps+rgSvcs), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadRestakingGraph(bad)
	if err == nil || !strings.HasPrefix(err.Error(), bad+":1:1: allocations: ") {
		t.Errorf("bad file: error %v, want it positioned in %s", err, bad)
	}
}

// TestRestakingGraphExamples parses every example graph shipped in
// examples/restaking.
func TestRestakingGraphExamples(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "examples", "restaking", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 3 {
		t.Fatalf("found %d example graphs, want at least 3", len(paths))
	}
	for _, p := range paths {
		if _, err := LoadRestakingGraph(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// FuzzParseRestakingGraph checks that ParseRestakingGraph never panics,
// that every failure is a sorted ErrorList with positions in the file, and
// that every graph it accepts keeps the promises of its doc comment.
func FuzzParseRestakingGraph(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "examples", "restaking", "*.yaml"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(rgOps + rgSvcs + rgAllocs))
	f.Add([]byte("operators: [{id: a, stake: 1e-9}]\nservices: [{id: s, profit: 0, threshold: 1e-18}]\n" +
		"allocations: [{operator: a, service: s, magnitude: 0.5}]\n"))
	f.Add([]byte("operators: &a [*a]\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseRestakingGraph("f.yaml", data)
		if err != nil {
			if g != nil {
				t.Fatal("graph and error both returned")
			}
			checkErrorList(t, "f.yaml", err)
			return
		}
		checkGraphInvariants(t, g)
	})
}

// checkGraphInvariants checks what the doc comment promises of a parsed
// graph, independently of the parser's own bookkeeping.
func checkGraphInvariants(t *testing.T, g *RestakingGraph) {
	t.Helper()
	if len(g.Operators) == 0 || len(g.Services) == 0 || len(g.Allocations) == 0 {
		t.Fatalf("empty list in %+v", g)
	}
	ops, svcs := map[string]bool{}, map[string]bool{}
	var stake, profit uint64
	for _, o := range g.Operators {
		if ops[o.ID] || !graphIDRe.MatchString(o.ID) || len(o.ID) > 64 || o.StakeGwei == 0 {
			t.Fatalf("bad operator %+v", o)
		}
		ops[o.ID] = true
		stake += o.StakeGwei
	}
	for _, s := range g.Services {
		if svcs[s.ID] || !graphIDRe.MatchString(s.ID) || len(s.ID) > 64 || s.ThresholdWAD == 0 || s.ThresholdWAD > GraphWAD {
			t.Fatalf("bad service %+v", s)
		}
		svcs[s.ID] = true
		profit += s.ProfitGwei
	}
	if stake > MaxGraphTotalETH*1_000_000_000 || profit > MaxGraphTotalETH*1_000_000_000 {
		t.Fatalf("totals %d, %d Gwei over the limit", stake, profit)
	}
	type pair struct{ o, s int }
	seen := map[pair]bool{}
	withMag := map[int]bool{}
	without := map[int]bool{}
	magSum := map[int]uint64{}
	secured := map[int]bool{}
	for _, a := range g.Allocations {
		if a.Operator < 0 || a.Operator >= len(g.Operators) || a.Service < 0 || a.Service >= len(g.Services) ||
			seen[pair{a.Operator, a.Service}] || a.MagnitudeWAD > GraphWAD {
			t.Fatalf("bad allocation %+v", a)
		}
		seen[pair{a.Operator, a.Service}] = true
		secured[a.Service] = true
		if a.MagnitudeWAD == 0 {
			without[a.Operator] = true
		} else {
			withMag[a.Operator] = true
			magSum[a.Operator] += a.MagnitudeWAD
		}
		if withMag[a.Operator] && without[a.Operator] || magSum[a.Operator] > GraphWAD {
			t.Fatalf("operator %d mixes magnitudes or exceeds 1: %+v", a.Operator, g.Allocations)
		}
	}
	if len(secured) != len(g.Services) {
		t.Fatalf("a service without allocations: %+v", g)
	}
}
