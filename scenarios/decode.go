package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// This file holds the generic half of the decoder: positions, mappings,
// lists and scalars over the goccy/go-yaml AST. parse.go holds the schema.

// maxNesting bounds the depth of the YAML tree the decoder walks.
const maxNesting = 64

// decoder collects every problem it finds instead of stopping at the first.
type decoder struct {
	file string
	errs ErrorList
	// params are the declared params with their resolved values; "${...}"
	// expressions look names up here.
	params  []Param
	paramAt []Pos // where each param is declared
	// resolved: the file is a run's scenario.yaml (resolved_from is set),
	// whose epochs may have been shortened by --epochs, so epochs
	// scheduled at or after the run's end are allowed (they never come).
	resolved bool
}

func (d *decoder) add(p Pos, field string, err error) {
	d.errs = append(d.errs, &Error{Pos: p, Field: field, Err: err})
}

func (d *decoder) errorf(p Pos, field, format string, args ...any) {
	d.add(p, field, fmt.Errorf(format, args...))
}

// tokenPos converts a token's position; a missing token maps to the start of
// the file so that every problem has a place.
func (d *decoder) tokenPos(tk *token.Token) Pos {
	if tk == nil || tk.Position == nil || tk.Position.Line <= 0 {
		return Pos{File: d.file, Line: 1, Col: 1}
	}
	col := tk.Position.Column
	if col <= 0 {
		col = 1
	}
	return Pos{File: d.file, Line: tk.Position.Line, Col: col}
}

// pos returns where n starts in the file: the first key of a block mapping,
// the "[" or "{" of a flow collection, the "-" of a block list entry.
func (d *decoder) pos(n ast.Node) Pos {
	switch n := n.(type) {
	case nil:
		return d.tokenPos(nil)
	case *ast.MappingNode:
		if !n.IsFlowStyle && len(n.Values) > 0 && n.Values[0] != nil {
			return d.pos(n.Values[0])
		}
		return d.tokenPos(n.Start)
	case *ast.MappingValueNode:
		if n.Key != nil {
			return d.pos(n.Key)
		}
		return d.tokenPos(n.Start)
	case *ast.SequenceNode:
		return d.tokenPos(n.Start)
	case *ast.DocumentNode:
		if n.Body != nil {
			return d.pos(n.Body)
		}
		return d.tokenPos(n.Start)
	}
	return d.tokenPos(n.GetToken())
}

// parseYAML runs the YAML parser. The parser is third-party code; a panic in
// it on some input is turned into an error so that Parse never panics.
// Duplicate keys are left to the decoder (object), whose message names the
// field path ("config.x: duplicate field (first at line 9)") where the
// parser's would not.
func parseYAML(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("%w: the YAML parser failed: %v", ErrSyntax, r)
		}
	}()
	return parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
}

// document parses data as one YAML document and returns its body, or nil
// after reporting why not: more than limit bytes, more nesting, tokens or
// path bytes than the parser can take in bounded memory (prescan, checked
// before parsing), a syntax error, several documents, an empty file
// (reported as empty), or YAML features the schemas do not use (checkPlain). A UTF-8 byte order mark is invisible in editors; columns are
// counted without it.
func (d *decoder) document(data []byte, limit int, empty string) ast.Node {
	if len(data) > limit {
		d.errorf(d.tokenPos(nil), "", "file is %d bytes; the limit is %d", len(data), limit)
		return nil
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if perr := prescan(data); perr != nil {
		d.errorf(Pos{File: d.file, Line: perr.line, Col: perr.col}, "", "%s", perr.msg)
		return nil
	}
	f, err := parseYAML(data)
	if err != nil {
		d.syntaxError(err)
		return nil
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			d.errorf(d.pos(doc.Body), "", "only one YAML document is allowed")
			return nil
		}
		body = doc.Body
	}
	if body == nil {
		d.errorf(d.tokenPos(nil), "", "%s", empty)
		return nil
	}
	if !d.checkPlain(body, "", 0) {
		return nil
	}
	return body
}

// syntaxError converts a parser error into a positioned Error.
func (d *decoder) syntaxError(err error) {
	var se *yaml.SyntaxError
	if errors.As(err, &se) && se != nil {
		d.add(d.tokenPos(se.Token), "", fmt.Errorf("%w: %s", ErrSyntax, se.Message))
		return
	}
	if errors.Is(err, ErrSyntax) {
		d.add(d.tokenPos(nil), "", err)
		return
	}
	d.add(d.tokenPos(nil), "", fmt.Errorf("%w: %v", ErrSyntax, err))
}

// checkPlain reports the YAML features the schema does not use: anchors,
// aliases, tags, merge keys and complex ("?") keys. They are rejected
// rather than resolved so that every value has exactly one position and no
// input can expand into a large tree. It returns false if it found any.
func (d *decoder) checkPlain(n ast.Node, path string, depth int) bool {
	if n == nil {
		return true
	}
	if depth > maxNesting {
		d.errorf(d.pos(n), path, "nested deeper than %d levels", maxNesting)
		return false
	}
	switch n := n.(type) {
	case *ast.MappingNode:
		ok := true
		for _, mv := range n.Values {
			ok = d.checkPlain(mv, path, depth+1) && ok
		}
		return ok
	case *ast.MappingValueNode:
		switch k := n.Key.(type) {
		case *ast.StringNode:
			return d.checkPlain(n.Value, join(path, pathKey(k.Value)), depth+1)
		case nil:
			d.errorf(d.pos(n), path, "mapping entry without a key")
		default:
			if k.IsMergeKey() {
				d.errorf(d.pos(k), path, "merge keys (<<) are not supported")
			} else {
				d.errorf(d.pos(k), path, "keys must be plain strings, not %s", describe(k))
			}
		}
		d.checkPlain(n.Value, path, depth+1)
		return false
	case *ast.SequenceNode:
		ok := true
		for i, v := range n.Values {
			ok = d.checkPlain(v, index(path, i), depth+1) && ok
		}
		return ok
	case *ast.AnchorNode:
		d.errorf(d.pos(n), path, "anchors (&name) are not supported")
		return false
	case *ast.AliasNode:
		d.errorf(d.pos(n), path, "aliases (*name) are not supported")
		return false
	case *ast.TagNode:
		d.errorf(d.pos(n), path, "tags (!tag) are not supported")
		return false
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NullNode,
		*ast.InfinityNode, *ast.NanNode:
		return true
	case *ast.LiteralNode:
		if n.Value == nil {
			d.errorf(d.pos(n), path, "empty block scalar")
			return false
		}
		return true
	}
	d.errorf(d.pos(n), path, "unsupported YAML node %s", n.Type())
	return false
}

// describe names the type of n for "expected X, got Y" messages.
func describe(n ast.Node) string {
	switch n := n.(type) {
	case nil, *ast.NullNode:
		return "nothing (null)"
	case *ast.StringNode:
		return fmt.Sprintf("the string %q", truncate(n.Value))
	case *ast.LiteralNode:
		return "a block string"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	case *ast.SequenceNode:
		return "a list"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.MappingKeyNode:
		return "a complex key (?)"
	case *ast.AnchorNode:
		return "an anchor"
	case *ast.AliasNode:
		return "an alias"
	case *ast.TagNode:
		return "a tagged value"
	default:
		return n.Type().String()
	}
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// plainKey matches keys that can appear in a field path as they are.
var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// pathKey returns name as it should appear in a field path: quoted when it
// contains anything unusual, so that a message stays on one line.
func pathKey(name string) string {
	if plainKey.MatchString(name) {
		return name
	}
	return strconv.Quote(truncate(name))
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// field is one key: value entry of a mapping, or an absent one (key nil).
type field struct {
	name  string
	path  string
	key   ast.Node
	value ast.Node
}

func (f field) present() bool { return f.key != nil }

func isNull(n ast.Node) bool {
	if n == nil {
		return true
	}
	_, ok := n.(*ast.NullNode)
	return ok
}

// valuePos is where problems with the field's value are reported: the value,
// or the key when the value is empty.
func (d *decoder) valuePos(f field) Pos {
	if isNull(f.value) {
		return d.pos(f.key)
	}
	return d.pos(f.value)
}

// object is a decoded mapping: its fields by name, its position and path.
type object struct {
	path   string
	pos    Pos
	fields map[string]field
}

// get returns the field called name; present() is false if it is absent.
func (o *object) get(name string) field {
	if f, ok := o.fields[name]; ok {
		return f
	}
	return field{name: name, path: join(o.path, name)}
}

// require returns the field called name, reporting it if absent or null.
func (d *decoder) require(o *object, name string) (field, bool) {
	f := o.get(name)
	if !f.present() {
		d.errorf(o.pos, f.path, "required field is missing")
		return f, false
	}
	if isNull(f.value) {
		d.errorf(d.valuePos(f), f.path, "required field has no value")
		return f, false
	}
	return f, true
}

// object decodes n as a mapping whose keys must be among allowed. For a key
// that is not allowed, reject (if not nil) supplies the problem; the default
// is "unknown field".
func (d *decoder) object(n ast.Node, path string, allowed []string, reject func(key string) error) (*object, bool) {
	entries, isMapping := mappingEntries(n)
	if !isMapping {
		p := d.pos(n)
		if path == "" {
			d.errorf(p, "", "expected a mapping of scenario fields, got %s", describe(n))
		} else {
			d.errorf(p, path, "expected a mapping, got %s", describe(n))
		}
		return nil, false
	}
	o := &object{path: path, pos: d.pos(n), fields: make(map[string]field, len(entries))}
	for _, mv := range entries {
		if mv == nil {
			continue
		}
		k, ok := mv.Key.(*ast.StringNode)
		if !ok {
			continue // reported by checkPlain
		}
		name := k.Value
		fpath := join(path, pathKey(name))
		if prev, dup := o.fields[name]; dup {
			d.errorf(d.pos(k), fpath, "duplicate field (first at line %d)", d.pos(prev.key).Line)
			continue
		}
		if !contains(allowed, name) {
			var err error
			if reject != nil {
				err = reject(name)
			}
			if err == nil {
				err = fmt.Errorf("unknown field (allowed: %s)", strings.Join(allowed, ", "))
			}
			d.add(d.pos(k), fpath, err)
			continue
		}
		o.fields[name] = field{name: name, path: fpath, key: k, value: mv.Value}
	}
	return o, true
}

// mappingEntries returns the entries of the mapping n in file order, and
// whether n is a mapping at all. The parser gives a one-entry flow mapping
// as a bare MappingValueNode.
func mappingEntries(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch n := n.(type) {
	case *ast.MappingNode:
		return n.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{n}, true
	}
	return nil, false
}

// rawField finds key in the mapping n before the mapping is decoded, for
// fields (kind, dist) that decide which other fields are allowed.
func rawField(n ast.Node, path, key string) (field, bool) {
	entries, _ := mappingEntries(n)
	for _, mv := range entries {
		if mv == nil {
			continue
		}
		if k, ok := mv.Key.(*ast.StringNode); ok && k.Value == key {
			return field{name: key, path: join(path, key), key: k, value: mv.Value}, true
		}
	}
	return field{}, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// list decodes the field as a list; an absent or null field is an empty list.
func (d *decoder) list(f field) ([]ast.Node, bool) {
	if isNull(f.value) {
		return nil, true
	}
	seq, ok := f.value.(*ast.SequenceNode)
	if !ok {
		d.errorf(d.valuePos(f), f.path, "expected a list, got %s", describe(f.value))
		return nil, false
	}
	return seq.Values, true
}

// str decodes the field as a string. Expressions are for numbers only.
func (d *decoder) str(f field) (string, bool) {
	var s string
	switch n := f.value.(type) {
	case *ast.StringNode:
		s = n.Value
	case *ast.LiteralNode:
		if n.Value == nil {
			d.errorf(d.valuePos(f), f.path, "empty block string")
			return "", false
		}
		s = n.Value.Value
	default:
		d.errorf(d.valuePos(f), f.path, "expected a string, got %s", describe(f.value))
		return "", false
	}
	if strings.HasPrefix(strings.TrimSpace(s), "${") {
		d.errorf(d.valuePos(f), f.path, "expressions (${...}) are allowed only in numeric fields")
		return "", false
	}
	return s, true
}

// name decodes the field as a string matching re.
func (d *decoder) name(f field, re *regexp.Regexp, pattern string) (string, bool) {
	s, ok := d.str(f)
	if !ok {
		return "", false
	}
	if len(s) > maxNameLen {
		d.errorf(d.valuePos(f), f.path, "longer than %d characters", maxNameLen)
		return "", false
	}
	if !re.MatchString(s) {
		d.errorf(d.valuePos(f), f.path, "%q does not match %s", s, pattern)
		return "", false
	}
	return s, true
}

// enum decodes the field as one of the strings in allowed, written as it is
// or as "${NAME}" of a choice param (one declared with values).
func (d *decoder) enum(f field, allowed ...string) (string, bool) {
	if name, ok := choiceRef(f.value); ok {
		return d.choice(f, name, allowed)
	}
	s, ok := d.str(f)
	if !ok {
		return "", false
	}
	if !contains(allowed, s) {
		d.errorf(d.valuePos(f), f.path, "%q is not one of %s", s, strings.Join(allowed, ", "))
		return "", false
	}
	return s, true
}

// choiceRef returns NAME when n is the string "${NAME}" (spaces allowed
// inside the braces) and NAME is a valid param name.
func choiceRef(n ast.Node) (string, bool) {
	sn, ok := n.(*ast.StringNode)
	if !ok {
		return "", false
	}
	s := strings.TrimSpace(sn.Value)
	if !strings.HasPrefix(s, "${") || !strings.HasSuffix(s, "}") {
		return "", false
	}
	name := strings.TrimSpace(s[2 : len(s)-1])
	return name, paramNameRe.MatchString(name)
}

// choice resolves "${name}" in an enum field to the word the choice param
// name holds, which must be among allowed.
func (d *decoder) choice(f field, name string, allowed []string) (string, bool) {
	p := d.valuePos(f)
	var choices []string
	for _, q := range d.params {
		if len(q.Values) > 0 {
			choices = append(choices, q.Name)
		}
		if q.Name != name {
			continue
		}
		if len(q.Values) == 0 {
			d.errorf(p, f.path, "${%s}: param %q is a number; this field takes one of %s, so it can only name a param declared with values", name, name, strings.Join(allowed, ", "))
			return "", false
		}
		if !contains(allowed, q.Text) {
			d.errorf(p, f.path, "${%s} = %q is not one of %s", name, q.Text, strings.Join(allowed, ", "))
			return "", false
		}
		return q.Text, true
	}
	if len(choices) == 0 {
		d.errorf(p, f.path, "${%s}: unknown param %q (this scenario declares no param with values)", name, name)
	} else {
		d.errorf(p, f.path, "${%s}: unknown param %q (params with values: %s)", name, name, strings.Join(choices, ", "))
	}
	return "", false
}

// number is a decoded numeric value. When exact is set, u holds the value
// exactly (a YAML integer literal, which float64 could round); otherwise f
// holds it. text shows the value in messages: the literal, or
// "${EXPR} = VALUE" for an expression.
type number struct {
	f     float64
	u     uint64
	exact bool
	expr  bool
	text  string
}

// plainNumber matches the unquoted scalars accepted as numbers that the YAML
// parser leaves as strings (1e3, integers too large for int64).
var plainNumber = regexp.MustCompile(`^[+-]?([0-9][0-9_]*\.?[0-9_]*|\.[0-9][0-9_]*)([eE][+-]?[0-9]+)?$`)

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// number decodes the field as a number literal or, when allowExpr is set, a
// "${EXPR}" string evaluated over the params.
func (d *decoder) number(f field, allowExpr bool) (number, bool) {
	p := d.valuePos(f)
	switch n := f.value.(type) {
	case *ast.IntegerNode:
		switch v := n.Value.(type) {
		case uint64:
			return number{u: v, f: float64(v), exact: true, text: strconv.FormatUint(v, 10)}, true
		case int64:
			if v >= 0 {
				return number{u: uint64(v), f: float64(v), exact: true, text: strconv.FormatInt(v, 10)}, true
			}
			return number{f: float64(v), text: strconv.FormatInt(v, 10)}, true
		}
	case *ast.FloatNode:
		if finite(n.Value) {
			return number{f: n.Value, text: fmtFloat(n.Value)}, true
		}
	case *ast.InfinityNode, *ast.NanNode:
		d.errorf(p, f.path, "expected a finite number, got %s", n.GetToken().Value)
		return number{}, false
	case *ast.StringNode:
		s := strings.TrimSpace(n.Value)
		if strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") {
			if !allowExpr {
				d.errorf(p, f.path, "expressions (${...}) are not allowed here; write a number")
				return number{}, false
			}
			return d.eval(p, f.path, s)
		}
		if n.Token != nil && n.Token.Type == token.StringType && plainNumber.MatchString(s) {
			clean := strings.ReplaceAll(s, "_", "")
			if u, err := strconv.ParseUint(strings.TrimPrefix(clean, "+"), 10, 64); err == nil {
				return number{u: u, f: float64(u), exact: true, text: s}, true
			}
			if v, err := strconv.ParseFloat(clean, 64); err == nil || errors.Is(err, strconv.ErrRange) {
				// Out of float64 range becomes ±Inf, reported by the range check.
				return number{f: v, text: s}, true
			}
		}
	}
	if allowExpr {
		d.errorf(p, f.path, "expected a number or \"${expression}\", got %s", describe(f.value))
	} else {
		d.errorf(p, f.path, "expected a number, got %s", describe(f.value))
	}
	return number{}, false
}

// eval evaluates the "${EXPR}" string s over the params.
func (d *decoder) eval(p Pos, path, s string) (number, bool) {
	src := s[2 : len(s)-1]
	v, err := evalExpr(src, d.lookupParam, d.paramNames)
	if err != nil {
		d.add(p, path, fmt.Errorf("%s: %w", truncate(s), err))
		return number{}, false
	}
	return number{f: v, expr: true, text: fmt.Sprintf("%s = %s", truncate(s), fmtFloat(v))}, true
}

func (d *decoder) lookupParam(name string) (float64, error) {
	for _, p := range d.params {
		if p.Name != name {
			continue
		}
		if len(p.Values) > 0 {
			return 0, fmt.Errorf("param %q is a choice (%s), not a number; only a field that takes one of a few words (such as preset) can use it, as \"${%s}\"",
				name, strings.Join(p.Values, ", "), name)
		}
		return p.Value, nil
	}
	return 0, errNoParam
}

func (d *decoder) paramNames() []string {
	names := make([]string, len(d.params))
	for i, p := range d.params {
		names[i] = p.Name
	}
	return names
}

// uint decodes the field as an integer in [min, max]. An expression must
// come within 1e-9 of an integer.
func (d *decoder) uint(f field, minV, maxV uint64) (uint64, bool) {
	n, ok := d.number(f, true)
	if !ok {
		return 0, false
	}
	return d.uintOf(d.valuePos(f), f.path, n, minV, maxV)
}

func (d *decoder) uintOf(p Pos, path string, n number, minV, maxV uint64) (uint64, bool) {
	if n.exact {
		if n.u < minV {
			d.errorf(p, path, "%s is less than the minimum %d", n.text, minV)
			return 0, false
		}
		if n.u > maxV {
			d.errorf(p, path, "%s is greater than the maximum %d", n.text, maxV)
			return 0, false
		}
		return n.u, true
	}
	if !finite(n.f) {
		d.errorf(p, path, "%s is not a finite number", n.text)
		return 0, false
	}
	r := math.Round(n.f)
	if math.Abs(n.f-r) > 1e-9 {
		if n.expr {
			d.errorf(p, path, "%s is not an integer; use round()", n.text)
		} else {
			d.errorf(p, path, "%s is not an integer", n.text)
		}
		return 0, false
	}
	if r < float64(minV) {
		d.errorf(p, path, "%s is less than the minimum %d", n.text, minV)
		return 0, false
	}
	// float64(maxV) may round up past maxV; 2^64 itself never fits.
	if r > float64(maxV) || r >= 1<<64 || uint64(r) > maxV {
		d.errorf(p, path, "%s is greater than the maximum %d", n.text, maxV)
		return 0, false
	}
	return uint64(r), true
}

// float decodes the field as a finite number.
func (d *decoder) float(f field, allowExpr bool) (float64, bool) {
	n, ok := d.number(f, allowExpr)
	if !ok {
		return 0, false
	}
	if !finite(n.f) {
		d.errorf(d.valuePos(f), f.path, "%s is not a finite number", n.text)
		return 0, false
	}
	return n.f, true
}

// balanceGwei decodes a decimal amount of ETH into Gwei exactly: a literal
// may have at most 9 decimals; an expression must come within a thousandth
// of a Gwei of a whole Gwei (float64 cannot do better).
func (d *decoder) balanceGwei(f field) (uint64, bool) {
	p := d.valuePos(f)
	n, ok := d.number(f, true)
	if !ok {
		return 0, false
	}
	const maxGwei = MaxBalanceETH * gweiPerETH
	var gwei uint64
	switch {
	case n.exact:
		if n.u > MaxBalanceETH {
			d.errorf(p, f.path, "%s ETH is greater than the maximum %d", n.text, MaxBalanceETH)
			return 0, false
		}
		gwei = n.u * gweiPerETH
	case n.expr:
		if !(n.f > 0) || n.f > MaxBalanceETH {
			d.errorf(p, f.path, "%s is out of range (0, %d] ETH", n.text, MaxBalanceETH)
			return 0, false
		}
		g := n.f * gweiPerETH
		r := math.Round(g)
		if math.Abs(g-r) > math.Max(1e-3, g*1e-15) {
			d.errorf(p, f.path, "%s has more than 9 decimals; a balance is a whole number of Gwei", n.text)
			return 0, false
		}
		gwei = uint64(r)
	default:
		tok := f.value.GetToken()
		text := n.text
		if tok != nil {
			text = tok.Value
		}
		g, err := decimalToGwei(text)
		if err != nil {
			d.errorf(p, f.path, "%s: %v", text, err)
			return 0, false
		}
		gwei = g
	}
	if gwei == 0 || gwei > maxGwei {
		d.errorf(p, f.path, "%s is out of range (0, %d] ETH", n.text, MaxBalanceETH)
		return 0, false
	}
	return gwei, true
}

// decimalToGwei converts a decimal ETH literal such as "32", "31.75",
// "1_000.5" or "3.2e1" into Gwei without rounding.
func decimalToGwei(text string) (uint64, error) {
	s := strings.ReplaceAll(strings.TrimSpace(text), "_", "")
	s = strings.TrimPrefix(s, "+")
	if strings.HasPrefix(s, "-") {
		return 0, errors.New("a balance cannot be negative")
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e < -30 || e > 30 {
			return 0, errors.New("bad exponent")
		}
		exp, s = e, s[:i]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	digits := intPart + frac
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, errors.New("not a decimal number")
	}
	scale := 9 + exp - len(frac)
	if scale < 0 {
		cut := len(digits) + scale
		if cut < 0 {
			cut = 0
		}
		if strings.Trim(digits[cut:], "0") != "" {
			return 0, errors.New("more than 9 decimals; a balance is a whole number of Gwei")
		}
		digits = digits[:cut]
	} else {
		digits += strings.Repeat("0", scale)
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return 0, nil
	}
	if len(digits) > 19 {
		return 0, errors.New("too large")
	}
	g, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, errors.New("too large")
	}
	return g, nil
}

// flag decodes the field as true or false, written as a YAML boolean or as
// a "${EXPR}" that evaluates to 1 (true) or 0 (false), so that a numeric
// param can switch it (--set, sweeps).
func (d *decoder) flag(f field) (bool, bool) {
	if b, ok := f.value.(*ast.BoolNode); ok {
		return b.Value, true
	}
	if sn, ok := f.value.(*ast.StringNode); ok {
		if s := strings.TrimSpace(sn.Value); strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") {
			n, ok := d.eval(d.valuePos(f), f.path, s)
			if !ok {
				return false, false
			}
			switch n.f {
			case 0:
				return false, true
			case 1:
				return true, true
			}
			d.errorf(d.valuePos(f), f.path, "%s is neither 0 (false) nor 1 (true)", n.text)
			return false, false
		}
	}
	d.errorf(d.valuePos(f), f.path, "expected true, false or \"${expression}\" (0 or 1), got %s", describe(f.value))
	return false, false
}
