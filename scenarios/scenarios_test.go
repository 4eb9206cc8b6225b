package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// head is the start of most test scenarios: lines 1-3.
const head = "name: t\ndescription: d\nepochs: 3\n"

// paramsHead declares one param p (default 10, range [0, 20]) on lines 4-8.
const paramsHead = head + "params:\n  - name: p\n    default: 10\n    min: 0\n    max: 20\n"

// twoGroups declares groups a and b, one validator each, on lines 4-6.
const twoGroups = head + "validators:\n  - {name: a, count: 1}\n  - {name: b, count: 1}\n"

// textAt returns the source text starting at 1-based line and column.
func textAt(src string, line, col int) string {
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	l := lines[line-1]
	if col < 1 || col > len(l)+1 {
		return ""
	}
	return l[col-1:]
}

func TestParseBadInputs(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		overrides []Override
		want      string // the whole error, every problem
		at        string // the source text the first problem must point at
	}{
		{
			name: "unknown field",
			src:  head + "epoch: 4\nvalidators:\n  - {name: a, count: 1}\n",
			want: "x.yaml:4:1: epoch: unknown field (allowed: name, description, preset, seed, epochs, bls, params, validators, network, proposer_boost, proposer_reorg, slasher_history_epochs, gossip_verification, explain, config, restaking, liquid_staking, markets, resolved_from)",
			at:   "epoch: 4",
		},
		{
			name: "wrong type",
			src:  "name: t\ndescription: d\nepochs: [3]\nvalidators:\n  - {name: a, count: 1}\n",
			want: `x.yaml:3:9: epochs: expected a number or "${expression}", got a list`,
			at:   "[3]",
		},
		{
			name: "wrong type string",
			src:  "name: t\ndescription: d\nepochs: lots\nvalidators:\n  - {name: a, count: 1}\n",
			want: `x.yaml:3:9: epochs: expected a number or "${expression}", got the string "lots"`,
			at:   "lots",
		},
		{
			name: "missing name",
			src:  "description: d\nepochs: 3\nvalidators:\n  - {name: a, count: 1}\n",
			want: "x.yaml:1:1: name: required field is missing",
			at:   "description",
		},
		{
			name: "bad preset",
			src:  head + "preset: testnet\nvalidators:\n  - {name: a, count: 1}\n",
			want: `x.yaml:4:9: preset: "testnet" is not one of minimal, mainnet`,
			at:   "testnet",
		},
		{
			name: "bad bls",
			src:  head + "bls: fast\nvalidators:\n  - {name: a, count: 1}\n",
			want: `x.yaml:4:6: bls: "fast" is not one of full, aggregate, off`,
			at:   "fast",
		},
		{
			name: "count negative",
			src:  head + "validators:\n  - name: a\n    count: -3\n",
			want: "x.yaml:6:12: validators[0].count: -3 is less than the minimum 0",
			at:   "-3",
		},
		{
			name: "counts add up to zero",
			src:  head + "validators:\n  - name: a\n    count: 0\n",
			want: "x.yaml:4:1: validators: no validators: the group counts add up to 0",
			at:   "validators:",
		},
		{
			name: "duplicate group",
			src:  head + "validators:\n  - {name: a, count: 1}\n  - {name: a, count: 2}\n",
			want: `x.yaml:6:12: validators[1].name: duplicate group name "a" (first at line 5)`,
			at:   "a, count: 2}",
		},
		{
			name: "balance with 10 decimals",
			src:  head + "validators:\n  - name: a\n    count: 1\n    balance_eth: 31.0000000001\n",
			want: "x.yaml:7:18: validators[0].balance_eth: 31.0000000001: more than 9 decimals; a balance is a whole number of Gwei",
			at:   "31.0000000001",
		},
		{
			name: "credentials",
			src:  head + "validators:\n  - name: a\n    count: 1\n    withdrawal_credentials: 0x03\n",
			want: `x.yaml:7:29: validators[0].withdrawal_credentials: "0x03" is not one of 0x00, 0x01, 0x02`,
			at:   "0x03",
		},
		{
			name: "member of no view group",
			src: twoGroups + "  - {name: c, count: 1}\nnetwork:\n  partitions:\n    - name: p\n      start_epoch: 1\n      end_epoch: 2\n" +
				"      groups:\n        - {name: x, members: [a]}\n        - {name: y, members: [b]}\n",
			want: `x.yaml:13:7: network.partitions[0].groups: validator group "c" is in no view group`,
			at:   "groups:",
		},
		{
			name: "group in two view groups",
			src: twoGroups + "network:\n  partitions:\n    - name: p\n      start_epoch: 1\n      end_epoch: 2\n" +
				"      groups:\n        - {name: x, members: [a, b]}\n        - {name: y, members: [b]}\n",
			want: `x.yaml:14:31: network.partitions[0].groups[1].members[0]: validator group "b" is already in view group "x"`,
			at:   "b]}",
		},
		{
			name: "unknown member",
			src: twoGroups + "network:\n  partitions:\n    - name: p\n      start_epoch: 1\n      end_epoch: 2\n" +
				"      groups:\n        - {name: x, members: [a, zz]}\n        - {name: y, members: [b]}\n",
			want: `x.yaml:13:34: network.partitions[0].groups[0].members[1]: unknown validator group "zz" (groups: a, b)`,
			at:   "zz]}",
		},
		{
			name: "one view group",
			src: twoGroups + "network:\n  partitions:\n    - name: p\n      start_epoch: 1\n      end_epoch: 2\n" +
				"      groups:\n        - {name: x, members: [a, b]}\n",
			want: `x.yaml:13:9: network.partitions[0].groups: a partition needs at least 2 view groups, got 1`,
			at:   "- {name: x",
		},
		{
			name: "overlapping partitions",
			src: twoGroups + "network:\n  partitions:\n" +
				"    - name: p\n      start_epoch: 1\n      end_epoch: 5\n      groups: [{name: x, members: [a]}, {name: y, members: [b]}]\n" +
				"    - name: q\n      start_epoch: 4\n      end_epoch: 8\n      groups: [{name: x, members: [a]}, {name: y, members: [b]}]\n",
			want: `x.yaml:14:20: network.partitions[1].start_epoch: overlaps network.partitions[0] "p" (epochs [1, 5)); partitions must not overlap`,
			at:   "4",
		},
		{
			name: "partitions out of order",
			src: twoGroups + "network:\n  partitions:\n" +
				"    - name: p\n      start_epoch: 5\n      end_epoch: 6\n      groups: [{name: x, members: [a]}, {name: y, members: [b]}]\n" +
				"    - name: q\n      start_epoch: 1\n      end_epoch: 2\n      groups: [{name: x, members: [a]}, {name: y, members: [b]}]\n",
			want: `x.yaml:14:20: network.partitions[1].start_epoch: partitions must be in time order: starts at epoch 1, before network.partitions[0] (epoch 5)`,
			at:   "1",
		},
		{
			name: "end not after start",
			src: twoGroups + "network:\n  partitions:\n" +
				"    - name: p\n      start_epoch: 5\n      end_epoch: 5\n      groups: [{name: x, members: [a]}, {name: y, members: [b]}]\n",
			want: `x.yaml:11:18: network.partitions[0].end_epoch: end_epoch 5 must be greater than start_epoch 5`,
			at:   "5",
		},
		{
			name: "unknown behaviour kind",
			src:  head + "validators:\n  - name: a\n    count: 1\n    behaviours:\n      - kind: byzantine\n        delay_ms: 3\n",
			want: `x.yaml:8:15: validators[0].behaviours[0].kind: unknown behaviour kind "byzantine" (kinds: balancing, both-sides, censor, double-propose, double-vote, ex-ante-reorg, honest, late, late-blocks, offline, own-chain, private-chain, surround-vote, withhold-attestations, withhold-blocks)`,
			at:   "byzantine",
		},
		{
			name: "field not allowed for kind",
			src:  head + "validators:\n  - name: a\n    count: 1\n    behaviours:\n      - kind: offline\n        delay_ms: 5000\n",
			want: `x.yaml:9:9: validators[0].behaviours[0].delay_ms: field not allowed for kind "offline" (allowed: kind, from_epoch, to_epoch, after_byzantine_share)`,
			at:   "delay_ms",
		},
		{
			name: "unknown behaviour field",
			src:  head + "validators:\n  - name: a\n    count: 1\n    behaviours:\n      - {kind: late, delay_ms: 1, colour: red}\n",
			want: `x.yaml:8:35: validators[0].behaviours[0].colour: unknown field (allowed: kind, from_epoch, to_epoch, after_byzantine_share, delay_ms)`,
			at:   "colour",
		},
		{
			name: "late without delay",
			src:  head + "validators:\n  - name: a\n    count: 1\n    behaviours:\n      - kind: late\n",
			want: `x.yaml:8:9: validators[0].behaviours[0].delay_ms: required field is missing for kind "late"`,
			at:   "kind: late",
		},
		{
			name: "late delay too large",
			src:  head + "validators:\n  - name: a\n    count: 1\n    behaviours:\n      - {kind: late, delay_ms: 600001}\n",
			want: `x.yaml:8:32: validators[0].behaviours[0].delay_ms: 600001 is greater than the maximum 600000`,
			at:   "600001",
		},
		{
			name: "behaviour window empty",
			src:  head + "validators:\n  - name: a\n    count: 1\n    behaviours:\n      - {kind: offline, from_epoch: 3, to_epoch: 3}\n",
			want: `x.yaml:8:50: validators[0].behaviours[0].to_epoch: to_epoch 3 must be greater than from_epoch 3`,
			at:   "3}",
		},
		{
			name:      "param out of range via --set",
			src:       paramsHead + "validators:\n  - {name: a, count: \"${p}\"}\n",
			overrides: []Override{{Name: "p", Value: "21"}},
			want:      `x.yaml:5:5: --set p: bad override: 21 is outside the range [0, 20] of param p`,
			at:        "name: p",
		},
		{
			name:      "--set not a number",
			src:       paramsHead + "validators:\n  - {name: a, count: \"${p}\"}\n",
			overrides: []Override{{Name: "p", Value: "ten"}},
			want:      `x.yaml:5:5: --set p: bad override: "ten" is not a number`,
			at:        "name: p",
		},
		{
			name:      "unknown --set name",
			src:       paramsHead + "validators:\n  - {name: a, count: \"${p}\"}\n",
			overrides: []Override{{Name: "q", Value: "1"}},
			want:      `x.yaml:4:1: --set q: bad override: unknown param "q"; known params: p`,
			at:        "params:",
		},
		{
			name:      "--set without params",
			src:       head + "validators:\n  - {name: a, count: 1}\n",
			overrides: []Override{{Name: "q", Value: "1"}},
			want:      `x.yaml:1:1: --set q: bad override: unknown param "q"; this scenario declares no params`,
			at:        "name: t",
		},
		{
			name: "param default out of range",
			src:  head + "params:\n  - {name: p, default: 30, min: 0, max: 20}\nvalidators:\n  - {name: a, count: 1}\n",
			want: `x.yaml:5:24: params[0].default: default 30 is outside the range [0, 20]`,
			at:   "30,",
		},
		{
			name: "expression in param",
			src:  head + "params:\n  - {name: p, default: \"${1}\", min: 0, max: 20}\nvalidators:\n  - {name: a, count: 1}\n",
			want: `x.yaml:5:24: params[0].default: expressions (${...}) are not allowed here; write a number`,
			at:   `"${1}"`,
		},
		{
			name: "expression unknown param",
			src:  paramsHead + "validators:\n  - {name: a, count: \"${q * 2}\"}\n",
			want: `x.yaml:10:22: validators[0].count: ${q * 2}: expression error: unknown param "q" (known: p) at offset 0`,
			at:   `"${q * 2}"`,
		},
		{
			name: "expression syntax error",
			src:  paramsHead + "validators:\n  - {name: a, count: \"${p +}\"}\n",
			want: `x.yaml:10:22: validators[0].count: ${p +}: expression error: unexpected end of expression at offset 3`,
			at:   `"${p +}"`,
		},
		{
			name: "expression division by zero",
			src:  paramsHead + "validators:\n  - {name: a, count: \"${p / (p - 10)}\"}\n",
			want: `x.yaml:10:22: validators[0].count: ${p / (p - 10)}: expression error: division by zero at offset 2`,
			at:   `"${p / (p - 10)}"`,
		},
		{
			name: "non-integer expression",
			src:  paramsHead + "validators:\n  - name: a\n    count: \"${p * 10.24}\"\n",
			want: `x.yaml:11:12: validators[0].count: ${p * 10.24} = 102.4 is not an integer; use round()`,
			at:   `"${p * 10.24}"`,
		},
		{
			name: "expression in a string field",
			src:  paramsHead + "validators:\n  - {name: \"${p}\", count: 1}\n",
			want: `x.yaml:10:12: validators[0].name: expressions (${...}) are allowed only in numeric fields`,
			at:   `"${p}"`,
		},
		{
			name: "uniform min above max",
			src:  head + "validators:\n  - {name: a, count: 1}\nnetwork:\n  delay:\n    dist: uniform\n    min_ms: 9\n    max_ms: 3\n",
			want: `x.yaml:8:5: network.delay: min_ms 9 is greater than max_ms 3`,
			at:   "dist: uniform",
		},
		{
			name: "field not allowed for dist",
			src:  head + "validators:\n  - {name: a, count: 1}\nnetwork:\n  delay: {dist: fixed, ms: 5, mean_ms: 3}\n",
			want: `x.yaml:7:31: network.delay.mean_ms: field not allowed for dist "fixed" (allowed: dist, ms)`,
			at:   "mean_ms",
		},
		{
			name: "loss of one",
			src:  head + "validators:\n  - {name: a, count: 1}\nnetwork:\n  loss: 1\n",
			want: `x.yaml:7:9: network.loss: 1 is outside [0, 1)`,
			at:   "1",
		},
		{
			name: "multi-line description",
			src:  "name: t\ndescription: |\n  one\n  two\nepochs: 3\nvalidators:\n  - {name: a, count: 1}\n",
			want: `x.yaml:2:14: description: must be one line`,
			at:   "|",
		},
		{
			name: "seed too large",
			src:  head + "seed: 18446744073709551616\nvalidators:\n  - {name: a, count: 1}\n",
			want: `x.yaml:4:7: seed: 18446744073709551616 is greater than the maximum 18446744073709551615`,
			at:   "18446744073709551616",
		},
		{
			name: "yaml syntax error",
			src:  head + "validators: [1, 2\n",
			want: `x.yaml:4:13: YAML syntax error: sequence end token ']' not found`,
			at:   "[1, 2",
		},
		{
			name: "duplicate key",
			src:  head + "validators:\n  - {name: a, count: 1}\nepochs: 4\n",
			want: "x.yaml:6:1: epochs: duplicate field (first at line 3)",
			at:   "epochs: 4",
		},
		{
			name: "duplicate key in a group",
			src:  head + "validators:\n  - name: a\n    count: 1\n    count: 2\n",
			want: "x.yaml:7:5: validators[0].count: duplicate field (first at line 6)",
			at:   "count: 2",
		},
		{
			name: "alias",
			src:  head + "validators:\n  - &g {name: a, count: 1}\n  - *g\n",
			want: "x.yaml:5:5: validators[0]: anchors (&name) are not supported\nx.yaml:6:5: validators[1]: aliases (*name) are not supported",
			at:   "&g",
		},
		{
			name: "complex key",
			src:  head + "? validators\n: []\n",
			want: "x.yaml:4:1: keys must be plain strings, not a complex key (?)",
			at:   "? validators",
		},
		{
			name: "odd key is quoted in the path",
			src:  head + "validators:\n  - {name: a, count: 1, \"x y\": 1}\n",
			want: `x.yaml:5:25: validators[0]."x y": unknown field (allowed: name, count, balance_eth, withdrawal_credentials, validators_per_agent, behaviours, coalition, operator, requests)`,
			at:   `"x y"`,
		},
		{
			name: "empty file",
			src:  "# nothing\n",
			want: "x.yaml:1:1: empty scenario: expected a mapping with at least name, description, epochs and validators",
			at:   "# nothing",
		},
		{
			name: "two documents",
			src:  head + "validators:\n  - {name: a, count: 1}\n---\nname: u\n",
			want: "x.yaml:7:1: only one YAML document is allowed",
			at:   "name: u",
		},
		{
			name: "several problems, sorted by position",
			src:  "name: T\ndescription: d\nepochs: 0\nvalidators:\n  - {name: a, count: 1, extra: 1}\n",
			want: "x.yaml:1:7: name: \"T\" does not match [a-z0-9-]+\n" +
				"x.yaml:3:9: epochs: 0 is less than the minimum 1\n" +
				"x.yaml:5:25: validators[0].extra: unknown field (allowed: name, count, balance_eth, withdrawal_credentials, validators_per_agent, behaviours, coalition, operator, requests)",
			at: "T",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("x.yaml", []byte(tt.src), tt.overrides)
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want error %q", s, tt.want)
			}
			if s != nil {
				t.Errorf("Parse returned a scenario with an error")
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

func TestErrorWrapping(t *testing.T) {
	_, err := Parse("x.yaml", []byte(paramsHead+"validators:\n  - {name: a, count: \"${1/0}\"}\n"), []Override{{Name: "zz", Value: "1"}})
	if !errors.Is(err, ErrExpr) {
		t.Errorf("errors.Is(err, ErrExpr) = false for %v", err)
	}
	if !errors.Is(err, ErrOverride) {
		t.Errorf("errors.Is(err, ErrOverride) = false for %v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Pos.File != "x.yaml" {
		t.Errorf("errors.As(*Error) = %v, %+v", e != nil, e)
	}
	_, err = Parse("x.yaml", []byte("a: [\n"), nil)
	if !errors.Is(err, ErrSyntax) {
		t.Errorf("errors.Is(err, ErrSyntax) = false for %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    *Error
		want string
	}{
		{&Error{Pos: Pos{File: "f.yaml", Line: 3, Col: 7}, Field: "a.b", Err: errors.New("bad")}, "f.yaml:3:7: a.b: bad"},
		{&Error{Pos: Pos{File: "f.yaml", Line: 3, Col: 7}, Err: errors.New("bad")}, "f.yaml:3:7: bad"},
		{&Error{Field: "epochs", Err: errors.New("bad")}, "epochs: bad"},
		{&Error{Pos: Pos{File: "f.yaml"}, Field: "x", Err: errors.New("bad")}, "f.yaml: x: bad"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestTooManyProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString(head + "validators:\n")
	const groups = 30
	for i := 0; i < groups; i++ {
		b.WriteString("  - {name: A, count: 1}\n") // a bad name on each of lines 5..34
	}
	_, err := Parse("x.yaml", []byte(b.String()), nil)
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v", err)
	}
	if len(list) != maxReported+1 {
		t.Fatalf("%d problems reported, want %d plus a note", len(list), maxReported)
	}
	for i := 1; i < len(list); i++ {
		if list[i].Pos.before(list[i-1].Pos) {
			t.Errorf("problem %d (%v) sorts before problem %d (%v)", i, list[i].Pos, i-1, list[i-1].Pos)
		}
	}
	for i, e := range list[:maxReported] {
		if e.Pos.Line != 5+i {
			t.Errorf("problem %d at line %d, want %d", i, e.Pos.Line, 5+i)
		}
	}
	if want := "too many problems; 10 more not shown"; !strings.HasSuffix(list[maxReported].Error(), want) {
		t.Errorf("last entry %q, want suffix %q", list[maxReported].Error(), want)
	}
}

func TestDefaults(t *testing.T) {
	s, err := Parse("x.yaml", []byte(head+"validators:\n  - {name: a, count: 5}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Preset != "minimal" || s.Seed != 1 || s.BLS != BLSFull || s.Epochs != 3 {
		t.Errorf("preset %q seed %d bls %q epochs %d", s.Preset, s.Seed, s.BLS, s.Epochs)
	}
	g := s.Groups[0]
	if g.BalanceGwei != 32_000_000_000 || g.Credentials != 0x01 || g.ValidatorsPerAgent != 1 {
		t.Errorf("group defaults %+v", g)
	}
	if len(g.Behaviours) != 1 || !reflect.DeepEqual(g.Behaviours[0], Behaviour{Kind: "honest"}) {
		t.Errorf("behaviours %+v, want [honest]", g.Behaviours)
	}
	if s.Network.Delay != (Delay{Dist: "fixed"}) || s.Network.LossPPM != 0 || len(s.Network.Partitions) != 0 {
		t.Errorf("network %+v", s.Network)
	}
	if s.Source != "x.yaml" || string(s.YAML) != head+"validators:\n  - {name: a, count: 5}\n" {
		t.Errorf("source %q yaml %q", s.Source, s.YAML)
	}
}

func TestFullScenario(t *testing.T) {
	src := `name: full-example
description: Every field set.
preset: mainnet
seed: 18446744073709551615
epochs: 1_000
bls: aggregate
params:
  - name: share
    default: 0.25
    doc: Share of group b.
    min: 0
    max: 1
validators:
  - name: a
    count: "${400 - round(400 * share)}"
    balance_eth: 31.75
    withdrawal_credentials: 0x00
    validators_per_agent: 4
  - name: b
    count: "${round(400 * share)}"
    balance_eth: "${2048 / 4}"
    withdrawal_credentials: "0x02"
    behaviours:
      - kind: offline
        from_epoch: 2
        to_epoch: "${2 + 3}"
      - kind: late
        delay_ms: 4000
network:
  delay: {dist: normal, mean_ms: 100, stddev_ms: 30}
  loss: 0.015
  partitions:
    - name: first
      start_epoch: 5
      end_epoch: 10
      groups:
        - {name: x, members: [a]}
        - {name: y, members: [b]}
    - name: second
      start_epoch: 10
      end_epoch: 11
      groups:
        - {name: x, members: [b]}
        - {name: y, members: [a]}
`
	s, err := Parse("full.yaml", []byte(src), []Override{{Name: "share", Value: "0.5"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Preset != PresetMainnet || s.Seed != 1<<64-1 || s.Epochs != 1000 || s.BLS != BLSAggregate {
		t.Errorf("header: %q %d %d %q", s.Preset, s.Seed, s.Epochs, s.BLS)
	}
	if p, ok := s.Param("share"); !ok || p.Value != 0.5 || p.Default != 0.25 || p.Doc != "Share of group b." {
		t.Errorf("param %+v", p)
	}
	wantGroups := []Group{
		{Name: "a", Count: 200, BalanceGwei: 31_750_000_000, Credentials: 0, ValidatorsPerAgent: 4,
			Behaviours: []Behaviour{{Kind: "honest"}}},
		{Name: "b", Count: 200, BalanceGwei: 512_000_000_000, Credentials: 2, ValidatorsPerAgent: 1,
			Behaviours: []Behaviour{{Kind: "offline", FromEpoch: 2, ToEpoch: 5, HasToEpoch: true}, {Kind: "late", DelayMs: 4000}}},
	}
	if len(s.Groups) != len(wantGroups) {
		t.Fatalf("%d groups", len(s.Groups))
	}
	for i, w := range wantGroups {
		g := s.Groups[i]
		if g.Name != w.Name || g.Count != w.Count || g.BalanceGwei != w.BalanceGwei || g.Credentials != w.Credentials ||
			g.ValidatorsPerAgent != w.ValidatorsPerAgent || len(g.Behaviours) != len(w.Behaviours) {
			t.Errorf("group %d = %+v, want %+v", i, g, w)
			continue
		}
		for j := range w.Behaviours {
			if !reflect.DeepEqual(g.Behaviours[j], w.Behaviours[j]) {
				t.Errorf("group %d behaviour %d = %+v, want %+v", i, j, g.Behaviours[j], w.Behaviours[j])
			}
		}
	}
	if s.TotalValidators() != 400 {
		t.Errorf("TotalValidators = %d", s.TotalValidators())
	}
	if s.Network.Delay != (Delay{Dist: "normal", MeanMs: 100, StddevMs: 30}) || s.Network.LossPPM != 15_000 {
		t.Errorf("network %+v", s.Network)
	}
	ps := s.Network.Partitions
	if len(ps) != 2 || ps[0].Name != "first" || ps[0].StartEpoch != 5 || ps[0].EndEpoch != 10 ||
		ps[1].StartEpoch != 10 || ps[1].EndEpoch != 11 ||
		len(ps[1].Groups) != 2 || ps[1].Groups[0].Name != "x" || strings.Join(ps[1].Groups[0].Members, ",") != "b" {
		t.Errorf("partitions %+v", ps)
	}
}

func TestBalanceConversion(t *testing.T) {
	tests := []struct {
		text    string
		want    uint64
		wantErr bool
	}{
		{"32", 32_000_000_000, false},
		{"31.75", 31_750_000_000, false},
		{"0.000000001", 1, false},
		{"1_000.5", 1_000_500_000_000, false},
		{"3.2e1", 32_000_000_000, false},
		{"1.5e-9", 0, true},
		{"100e-11", 1, false},
		{"32.0000000001", 0, true},
		{"32.1000000000", 32_100_000_000, false},
		{"-1", 0, true},
		{"abc", 0, true},
		{"99999999999999999999", 0, true},
	}
	for _, tt := range tests {
		got, err := decimalToGwei(tt.text)
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("decimalToGwei(%q) = %d, %v; want %d, err %v", tt.text, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestBuiltinsLoad(t *testing.T) {
	bs := Builtins()
	if len(bs) < 3 {
		t.Fatalf("%d built-ins", len(bs))
	}
	for i, b := range bs {
		if i > 0 && bs[i-1].Name >= b.Name {
			t.Errorf("Builtins not sorted: %q before %q", bs[i-1].Name, b.Name)
		}
		s, err := Load(b.Name, nil)
		if err != nil {
			t.Errorf("built-in %s: %v", b.Name, err)
			continue
		}
		if s.Name != b.Name {
			t.Errorf("built-in file %s.yaml has name %q", b.Name, s.Name)
		}
		wantPreset := PresetMinimal
		if b.Name == "mainnet" {
			wantPreset = PresetMainnet
		}
		if s.Source != "builtin:"+b.Name || s.Description == "" || s.Preset != wantPreset {
			t.Errorf("built-in %s: source %q description %q preset %q", b.Name, s.Source, s.Description, s.Preset)
		}
		for _, p := range b.Params {
			if p.Doc == "" {
				t.Errorf("built-in %s: param %s has no doc", b.Name, p.Name)
			}
		}
		if y, ok := BuiltinYAML(b.Name); !ok || string(y) != string(b.YAML) || string(s.YAML) != string(y) {
			t.Errorf("built-in %s: YAML mismatch", b.Name)
		}
	}
	if _, ok := BuiltinYAML("../scenarios"); ok {
		t.Error("BuiltinYAML accepted a path")
	}
}

func TestBuiltinContents(t *testing.T) {
	base, err := Load("baseline", nil)
	if err != nil {
		t.Fatal(err)
	}
	if base.TotalValidators() != 1024 || base.Epochs != 20 || len(base.Groups) != 1 {
		t.Fatalf("baseline: %d validators, %d epochs, %d groups", base.TotalValidators(), base.Epochs, len(base.Groups))
	}
	g := base.Groups[0]
	if g.BalanceGwei != 32_000_000_000 || g.Credentials != 1 || g.ValidatorsPerAgent != 8 || g.Behaviours[0].Kind != "honest" {
		t.Errorf("baseline group %+v", g)
	}
	if base.Network.Delay != (Delay{Dist: "uniform", MinMs: 0, MaxMs: 1000}) {
		t.Errorf("baseline delay %+v", base.Network.Delay)
	}
	big, err := Load("baseline", []Override{{"validators", "4096"}, {"max_delay_ms", "250"}})
	if err != nil {
		t.Fatal(err)
	}
	if big.TotalValidators() != 4096 || big.Network.Delay.MaxMs != 250 {
		t.Errorf("baseline overridden: %d validators, max %d ms", big.TotalValidators(), big.Network.Delay.MaxMs)
	}

	off, err := Load("offline-20", nil)
	if err != nil {
		t.Fatal(err)
	}
	// 1024 * 0.2 = 204.8, rounded to 205.
	if off.Epochs != 24 || off.TotalValidators() != 1024 || off.Groups[1].Count != 205 || off.Groups[0].Count != 819 {
		t.Errorf("offline-20: epochs %d groups %+v", off.Epochs, off.Groups)
	}
	if b := off.Groups[1].Behaviours; len(b) != 1 || !reflect.DeepEqual(b[0], Behaviour{Kind: "offline", FromEpoch: 4}) {
		t.Errorf("offline-20 behaviours %+v", b)
	}

	part, err := Load("partition-50-50", nil)
	if err != nil {
		t.Fatal(err)
	}
	if part.Epochs != 30 || part.Groups[0].Count != 512 || part.Groups[1].Count != 512 {
		t.Errorf("partition-50-50: epochs %d groups %+v", part.Epochs, part.Groups)
	}
	ps := part.Network.Partitions
	if len(ps) != 1 || ps[0].StartEpoch != 4 || ps[0].EndEpoch != 12 || len(ps[0].Groups) != 2 ||
		ps[0].Groups[0].Members[0] != "a" || ps[0].Groups[1].Members[0] != "b" {
		t.Errorf("partition-50-50 partitions %+v", ps)
	}
}

func TestOverrides(t *testing.T) {
	tests := []struct {
		name      string
		scenario  string
		overrides []Override
		check     func(t *testing.T, s *Scenario)
		wantErr   string
	}{
		{
			name:      "share feeds expressions",
			scenario:  "offline-20",
			overrides: []Override{{"offline_share", "0.1"}, {"offline_from", "7"}},
			check: func(t *testing.T, s *Scenario) {
				// 1024 * 0.1 = 102.4, rounded to 102.
				if s.Groups[1].Count != 102 || s.Groups[0].Count != 922 || s.Groups[1].Behaviours[0].FromEpoch != 7 {
					t.Errorf("groups %+v", s.Groups)
				}
				if p, _ := s.Param("offline_share"); p.Value != 0.1 || p.Default != 0.2 {
					t.Errorf("param %+v", p)
				}
			},
		},
		{
			name:      "last override wins",
			scenario:  "offline-20",
			overrides: []Override{{"offline_share", "0.3"}, {"offline_share", "0"}},
			check: func(t *testing.T, s *Scenario) {
				if s.Groups[1].Count != 0 || s.Groups[0].Count != 1024 {
					t.Errorf("groups %+v", s.Groups)
				}
			},
		},
		{
			name:      "range ends are inclusive",
			scenario:  "partition-50-50",
			overrides: []Override{{"split", "0.7"}, {"partition_start", "0"}, {"partition_end", "29"}},
			check: func(t *testing.T, s *Scenario) {
				// 1024 * 0.7 = 716.8, rounded to 717.
				if s.Groups[0].Count != 717 || s.Groups[1].Count != 307 {
					t.Errorf("groups %+v", s.Groups)
				}
				if p := s.Network.Partitions[0]; p.StartEpoch != 0 || p.EndEpoch != 29 {
					t.Errorf("partition %+v", p)
				}
			},
		},
		{
			name:      "overrides that make the scenario invalid",
			scenario:  "partition-50-50",
			overrides: []Override{{"partition_start", "20"}, {"partition_end", "10"}},
			wantErr:   "builtin:partition-50-50:50:18: network.partitions[0].end_epoch: end_epoch 10 must be greater than start_epoch 20",
		},
		{
			name:      "below min",
			scenario:  "partition-50-50",
			overrides: []Override{{"split", "0.2"}},
			wantErr:   "builtin:partition-50-50:11:5: --set split: bad override: 0.2 is outside the range [0.3, 0.7] of param split",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(tt.scenario, tt.overrides)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s)
		})
	}
}

func TestParseOverride(t *testing.T) {
	if o, err := ParseOverride("a_b = 0.5"); err != nil || o != (Override{"a_b", "0.5"}) {
		t.Errorf("ParseOverride = %+v, %v", o, err)
	}
	for _, bad := range []string{"a", "=1", "a=", ""} {
		if _, err := ParseOverride(bad); !errors.Is(err, ErrOverride) {
			t.Errorf("ParseOverride(%q) err = %v", bad, err)
		}
	}
}

func TestLoadPathOrBuiltin(t *testing.T) {
	dir := t.TempDir()
	file := head + "validators:\n  - {name: from-file, count: 3}\n"
	for _, name := range []string{"baseline", "mine.yaml", "baseline.yml"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(file), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	tests := []struct {
		arg      string
		wantName string // "t" means the file was read
	}{
		{"baseline", "baseline"},              // both exist; a bare name means the built-in
		{"./baseline", "t"},                   // contains '/'
		{filepath.Join(dir, "baseline"), "t"}, // absolute path
		{"baseline.yml", "t"},                 // ends in .yml
		{"mine.yaml", "t"},                    // only a file
		{"offline-20", "offline-20"},          // only a built-in
	}
	for _, tt := range tests {
		s, err := Load(tt.arg, nil)
		if err != nil {
			t.Errorf("Load(%q): %v", tt.arg, err)
			continue
		}
		if s.Name != tt.wantName {
			t.Errorf("Load(%q) loaded %q, want %q", tt.arg, s.Name, tt.wantName)
		}
		if tt.wantName == "t" && s.Source != tt.arg {
			t.Errorf("Load(%q).Source = %q", tt.arg, s.Source)
		}
	}
	if _, err := Load("no-such-thing", nil); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "baseline") {
		t.Errorf("Load(missing) err = %v, want ErrNotFound listing the built-ins", err)
	}
	// A file's problems are reported against its path.
	if err := os.WriteFile("bad.yaml", []byte("name: t\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load("bad.yaml", nil); err == nil || !strings.HasPrefix(err.Error(), "bad.yaml:1:1: description: required field is missing") {
		t.Errorf("Load(bad.yaml) err = %v", err)
	}
}

func TestSetters(t *testing.T) {
	s, err := Load("baseline", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetEpochs(0); err == nil || err.Error() != "epochs: 0 is out of range [1, 1000000]" {
		t.Errorf("SetEpochs(0) = %v", err)
	}
	if err := s.SetEpochs(MaxEpochs + 1); err == nil {
		t.Error("SetEpochs(max+1) accepted")
	}
	if err := s.SetEpochs(7); err != nil || s.Epochs != 7 {
		t.Errorf("SetEpochs(7) = %v, epochs %d", err, s.Epochs)
	}
	s.SetSeed(99)
	if s.Seed != 99 {
		t.Errorf("seed %d", s.Seed)
	}
	if err := s.SetBLS("fast"); err == nil || s.BLS != BLSFull {
		t.Errorf("SetBLS(fast) = %v, bls %q", err, s.BLS)
	}
	for _, m := range []BLSMode{BLSOff, BLSAggregate, BLSFull} {
		if err := s.SetBLS(string(m)); err != nil || s.BLS != m {
			t.Errorf("SetBLS(%q) = %v, bls %q", m, err, s.BLS)
		}
	}
}

func TestBehaviourActiveAt(t *testing.T) {
	open := Behaviour{Kind: "offline", FromEpoch: 3}
	closed := Behaviour{Kind: "offline", FromEpoch: 3, ToEpoch: 5, HasToEpoch: true}
	for e, want := range map[uint64][2]bool{2: {false, false}, 3: {true, true}, 4: {true, true}, 5: {true, false}, 100: {true, false}} {
		if open.ActiveAt(e) != want[0] || closed.ActiveAt(e) != want[1] {
			t.Errorf("epoch %d: open %v closed %v, want %v", e, open.ActiveAt(e), closed.ActiveAt(e), want)
		}
	}
}

func TestBehaviourKinds(t *testing.T) {
	got := strings.Join(BehaviourKinds(), ",")
	if got != "balancing,both-sides,censor,double-propose,double-vote,ex-ante-reorg,honest,late,late-blocks,offline,own-chain,private-chain,surround-vote,withhold-attestations,withhold-blocks" {
		t.Errorf("BehaviourKinds() = %s", got)
	}
	for _, k := range behaviourKinds() {
		for _, f := range k.fields {
			if (f.set == nil) == (f.setNames == nil) || f.min > f.max {
				t.Errorf("kind %s field %s: bad table entry", k.name, f.name)
			}
		}
	}
}

func TestByteOrderMark(t *testing.T) {
	src := "\xef\xbb\xbf" + head + "validators:\n  - {name: a, count: 0}\n"
	_, err := Parse("x.yaml", []byte(src), nil)
	// Columns are counted without the invisible mark.
	if want := "x.yaml:4:1: validators: no validators: the group counts add up to 0"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}
