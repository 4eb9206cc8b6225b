package scenarios

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestEval(t *testing.T) {
	params := map[string]float64{"a": 3, "share": 0.2, "n_2": 10}
	tests := []struct {
		expr string
		want float64
	}{
		{"1", 1},
		{" 1 + 2 * 3 ", 7},
		{"(1 + 2) * 3", 9},
		{"10 - 4 - 3", 3}, // left associative
		{"48 / 4 / 2", 6}, // left associative
		{"-a", -3},
		{"--a", 3},
		{"+a", 3},
		{"2 * -a", -6},
		{"-a * -a", 9},
		{"1024 * share", 204.8},
		{"round(1024 * share)", 205},
		{"round(2.5)", 3},
		{"round(-2.5)", -3},
		{"floor(2.9)", 2},
		{"floor(-2.1)", -3},
		{"ceil(2.1)", 3},
		{"min(a, n_2)", 3},
		{"max(a, n_2)", 10},
		{"max(min(1, 2), -5)", 1},
		{"1e3 / 8", 125},
		{".5 + 0.25", 0.75},
		{"1024 - round(1024 * share)", 819},
		{"((((a))))", 3},
	}
	for _, tt := range tests {
		got, err := Eval(tt.expr, params)
		if err != nil {
			t.Errorf("Eval(%q): %v", tt.expr, err)
			continue
		}
		if math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("Eval(%q) = %v, want %v", tt.expr, got, tt.want)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	params := map[string]float64{"b": 2, "a": 1}
	tests := []struct {
		expr string
		want string
	}{
		{"", "unexpected end of expression at offset 0"},
		{"1 +", "unexpected end of expression at offset 3"},
		{"1 2", "unexpected '2' at offset 2"},
		{"(1", `expected ")", found end of expression at offset 2`},
		{"1 / 0", "division by zero at offset 2"},
		{"1 / (a - 1)", "division by zero at offset 2"},
		{"c + 1", `unknown param "c" (known: a, b) at offset 0`},
		{"sqrt(4)", `unknown function "sqrt" (functions: ceil, floor, max, min, round) at offset 0`},
		{"min(1)", "min takes 2 argument(s), got 1 at offset 0"},
		{"round(1, 2)", "round takes 1 argument(s) at offset 0"},
		{"round()", "round takes 1 argument(s), got 0 at offset 0"},
		{"1e308 * 10", "result is not a finite number at offset 6"},
		{"1 $ 2", "unexpected '$' at offset 2"},
		{strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100), "expression nested deeper than 64"},
		{strings.Repeat("-", 100) + "1", "expression nested deeper than 64"},
		{strings.Repeat("1+", 600) + "1", "expression longer than 1024 characters"},
	}
	for _, tt := range tests {
		_, err := Eval(tt.expr, params)
		if err == nil {
			t.Errorf("Eval(%q) succeeded, want error %q", tt.expr, tt.want)
			continue
		}
		if !errors.Is(err, ErrExpr) {
			t.Errorf("Eval(%q) error %v does not wrap ErrExpr", tt.expr, err)
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Eval(%q) error %q, want it to contain %q", tt.expr, err, tt.want)
		}
	}
	if _, err := Eval("x", nil); err == nil || !strings.Contains(err.Error(), "declares no params") {
		t.Errorf("Eval with no params: %v", err)
	}
}

// TestIntegerFields checks the integral tolerance of 1e-9 on integer fields.
func TestIntegerFields(t *testing.T) {
	tests := []struct {
		expr    string
		want    int
		wantErr string
	}{
		{"${0.1 * 3 * 10}", 3, ""}, // 3.0000000000000004 is within 1e-9 of 3
		{"${10 / 3 * 3}", 10, ""},  // 10 exactly, or within rounding
		{"${7 + 0.000001}", 0, "${7 + 0.000001} = 7.000001 is not an integer; use round()"},
		{"${round(7.4)}", 7, ""},
		{"${-1}", 0, "${-1} = -1 is less than the minimum 0"},
	}
	for _, tt := range tests {
		src := head + "validators:\n  - name: a\n    count: \"" + tt.expr + "\"\n"
		s, err := Parse("x.yaml", []byte(src), nil)
		if tt.wantErr != "" {
			if want := "x.yaml:6:12: validators[0].count: " + tt.wantErr; err == nil || err.Error() != want {
				t.Errorf("%s: err = %v, want %s", tt.expr, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if s.Groups[0].Count != tt.want {
			t.Errorf("%s: count %d, want %d", tt.expr, s.Groups[0].Count, tt.want)
		}
	}
}
