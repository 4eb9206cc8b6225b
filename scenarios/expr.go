package scenarios

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Limits on expressions, so that no input can make the evaluator slow or
// exhaust the stack.
const (
	maxExprLen   = 1024
	maxExprDepth = 64
)

// exprFuncNames lists the functions an expression may call, for messages.
const exprFuncNames = "ceil, floor, max, min, round"

// Eval evaluates an arithmetic expression (the EXPR inside "${EXPR}") over
// the named values in params, in float64. The grammar is
//
//	expr    = term { ("+" | "-") term }
//	term    = unary { ("*" | "/") unary }
//	unary   = ("-" | "+") unary | primary
//	primary = number | name | name "(" expr { "," expr } ")" | "(" expr ")"
//
// with numbers written as in Go or YAML (12, 0.5, 1e3) and names of the form
// [A-Za-z_][A-Za-z0-9_]*. A name followed by "(" calls one of the functions
// round(x) (half away from zero), floor(x), ceil(x), min(a, b) and max(a, b);
// any other name is a param. Division by zero, an unknown name, a result
// that is not finite and a syntax error are errors wrapping ErrExpr.
func Eval(expr string, params map[string]float64) (float64, error) {
	return evalExpr(expr, func(name string) (float64, error) {
		v, ok := params[name]
		if !ok {
			return 0, errNoParam
		}
		return v, nil
	}, func() []string {
		names := make([]string, 0, len(params))
		for n := range params {
			names = append(names, n)
		}
		sort.Strings(names)
		return names
	})
}

// errNoParam is what a lookup returns for a name that is not a param.
var errNoParam = errors.New("no such param")

// evalExpr evaluates src, resolving names with lookup; known lists the names
// for error messages and is called only when lookup returns errNoParam. Any
// other error from lookup is reported at the name.
func evalExpr(src string, lookup func(string) (float64, error), known func() []string) (float64, error) {
	if len(src) > maxExprLen {
		return 0, fmt.Errorf("%w: expression longer than %d characters", ErrExpr, maxExprLen)
	}
	p := &exprParser{src: src, lookup: lookup, known: known}
	v, err := p.expr()
	if err != nil {
		return 0, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return 0, p.errorf("unexpected %s", p.describeNext())
	}
	return v, nil
}

// exprParser is a recursive-descent parser that evaluates as it parses.
type exprParser struct {
	src    string
	pos    int
	depth  int
	lookup func(string) (float64, error)
	known  func() []string
}

func (p *exprParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s at offset %d", ErrExpr, fmt.Sprintf(format, args...), p.pos)
}

func (p *exprParser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (p *exprParser) peek() byte {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

func (p *exprParser) describeNext() string {
	if p.pos >= len(p.src) {
		return "end of expression"
	}
	return strconv.QuoteRune(rune(p.src[p.pos]))
}

func (p *exprParser) enter() error {
	p.depth++
	if p.depth > maxExprDepth {
		return p.errorf("expression nested deeper than %d", maxExprDepth)
	}
	return nil
}

func (p *exprParser) leave() { p.depth-- }

func finite(v float64) bool { return !math.IsInf(v, 0) && !math.IsNaN(v) }

func (p *exprParser) expr() (float64, error) {
	if err := p.enter(); err != nil {
		return 0, err
	}
	defer p.leave()
	v, err := p.term()
	if err != nil {
		return 0, err
	}
	for {
		op := p.peek()
		if op != '+' && op != '-' {
			return v, nil
		}
		at := p.pos
		p.pos++
		w, err := p.term()
		if err != nil {
			return 0, err
		}
		if op == '+' {
			v += w
		} else {
			v -= w
		}
		if !finite(v) {
			p.pos = at
			return 0, p.errorf("result is not a finite number")
		}
	}
}

func (p *exprParser) term() (float64, error) {
	v, err := p.unary()
	if err != nil {
		return 0, err
	}
	for {
		op := p.peek()
		if op != '*' && op != '/' {
			return v, nil
		}
		at := p.pos
		p.pos++
		w, err := p.unary()
		if err != nil {
			return 0, err
		}
		if op == '*' {
			v *= w
		} else {
			if w == 0 {
				p.pos = at
				return 0, p.errorf("division by zero")
			}
			v /= w
		}
		if !finite(v) {
			p.pos = at
			return 0, p.errorf("result is not a finite number")
		}
	}
}

func (p *exprParser) unary() (float64, error) {
	if err := p.enter(); err != nil {
		return 0, err
	}
	defer p.leave()
	switch p.peek() {
	case '-':
		p.pos++
		v, err := p.unary()
		return -v, err
	case '+':
		p.pos++
		return p.unary()
	}
	return p.primary()
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isIdentChar(c byte) bool  { return isIdentStart(c) || isDigit(c) }

func (p *exprParser) primary() (float64, error) {
	c := p.peek()
	switch {
	case c == '(':
		p.pos++
		v, err := p.expr()
		if err != nil {
			return 0, err
		}
		if p.peek() != ')' {
			return 0, p.errorf("expected \")\", found %s", p.describeNext())
		}
		p.pos++
		return v, nil
	case isDigit(c) || c == '.':
		return p.number()
	case isIdentStart(c):
		start := p.pos
		for p.pos < len(p.src) && isIdentChar(p.src[p.pos]) {
			p.pos++
		}
		name := p.src[start:p.pos]
		if p.peek() == '(' {
			p.pos++
			return p.call(name, start)
		}
		v, err := p.lookup(name)
		if err != nil {
			p.pos = start
			if !errors.Is(err, errNoParam) {
				return 0, p.errorf("%v", err)
			}
			known := p.known()
			if len(known) == 0 {
				return 0, p.errorf("unknown param %q (this scenario declares no params)", name)
			}
			return 0, p.errorf("unknown param %q (known: %s)", name, strings.Join(known, ", "))
		}
		return v, nil
	}
	return 0, p.errorf("unexpected %s", p.describeNext())
}

// number scans a decimal literal: digits, an optional fraction and an
// optional exponent.
func (p *exprParser) number() (float64, error) {
	start := p.pos
	for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
		p.pos++
	}
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
			p.pos++
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		q := p.pos + 1
		if q < len(p.src) && (p.src[q] == '+' || p.src[q] == '-') {
			q++
		}
		if q < len(p.src) && isDigit(p.src[q]) {
			for q < len(p.src) && isDigit(p.src[q]) {
				q++
			}
			p.pos = q
		}
	}
	text := p.src[start:p.pos]
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || !finite(v) {
		p.pos = start
		return 0, p.errorf("bad number %q", text)
	}
	return v, nil
}

// call parses the arguments of a function call whose "(" has been consumed
// and applies the function.
func (p *exprParser) call(name string, at int) (float64, error) {
	arity := 0
	switch name {
	case "round", "floor", "ceil":
		arity = 1
	case "min", "max":
		arity = 2
	default:
		p.pos = at
		return 0, p.errorf("unknown function %q (functions: %s)", name, exprFuncNames)
	}
	var args []float64
	if p.peek() != ')' {
		for {
			v, err := p.expr()
			if err != nil {
				return 0, err
			}
			args = append(args, v)
			if len(args) > arity {
				p.pos = at
				return 0, p.errorf("%s takes %d argument(s)", name, arity)
			}
			if p.peek() != ',' {
				break
			}
			p.pos++
		}
	}
	if p.peek() != ')' {
		return 0, p.errorf("expected \")\" or \",\", found %s", p.describeNext())
	}
	p.pos++
	if len(args) != arity {
		p.pos = at
		return 0, p.errorf("%s takes %d argument(s), got %d", name, arity, len(args))
	}
	switch name {
	case "round":
		return math.Round(args[0]), nil
	case "floor":
		return math.Floor(args[0]), nil
	case "ceil":
		return math.Ceil(args[0]), nil
	case "min":
		return math.Min(args[0], args[1]), nil
	default: // max
		return math.Max(args[0], args[1]), nil
	}
}
