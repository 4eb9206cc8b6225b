package scenarios

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// A restaking graph file describes operators, the services (AVSs) their
// stake secures, and which operator secures which service. It is the input
// of `stakesim restaking analyze` and `stakesim restaking cascade`:
//
//	operators:                                     # who holds the stake
//	  - {id: op1, stake: 100}                      # stake in ETH
//	  - {id: op2, stake: 32.5}
//	services:                                      # what the stake secures
//	  - {id: oracle, profit: 60, threshold: 0.5}   # profit from corruption in ETH; threshold α
//	  - {id: bridge, profit: 45, threshold: 0.67}
//	allocations:                                   # who secures what
//	  - {operator: op1, service: oracle}
//	  - {operator: op1, service: bridge}
//	  - {operator: op2, service: oracle, magnitude: 0.4}
//
// Fields:
//
//   - operators: at least one; id and stake are required. stake is the
//     operator's restaked ETH, greater than 0.
//   - services: at least one; id, profit and threshold are required. profit
//     is what corrupting the service is worth to an attacker, in ETH, 0 or
//     more. threshold is α, the fraction of the stake securing the service
//     that must collude to corrupt it, in (0, 1].
//   - allocations: operator and service name an operator and a service by
//     id; each pair appears at most once, and every service needs at least
//     one allocation. Without magnitude, the operator's whole stake backs,
//     and can be slashed by, every service it is allocated to (the model of
//     Durvasula & Roughgarden, "Robust Restaking Networks"). With
//     magnitude, a fraction in (0, 1], only that part of the stake backs
//     and can be slashed by the service (EigenLayer's unique stake). An
//     operator's allocations either all give a magnitude or none do, and
//     its magnitudes add up to at most 1.
//
// Ids match [A-Za-z0-9_.-]+ (at most 64 characters) and are unique among
// operators and among services; an operator and a service may share one.
// Amounts of ETH are decimals with at most 9 decimals (whole Gwei) and
// fractions are decimals with at most 18 decimals (whole WAD, 1e-18), so
// that every value is held exactly; exponent forms such as 1e-3 are
// accepted, with the same limits. The stakes add up to at most
// MaxGraphTotalETH, and so do the profits. A graph holds at most
// MaxGraphOperators operators, MaxGraphServices services and
// MaxGraphAllocations allocations, but the file is limited to 1 MiB and
// 40,000 YAML tokens (2,500 to 4,000 allocations, by style), which bounds
// the memory the YAML parser needs. Mappings and lists may be written in
// block or flow style; anchors, aliases, tags and ${...} expressions are
// not accepted. Every problem is reported as FILE:LINE:COL: FIELD: PROBLEM.

// Restaking graph limits.
const (
	MaxGraphOperators   = 100_000
	MaxGraphServices    = 100_000
	MaxGraphAllocations = 1_000_000
	// MaxGraphTotalETH bounds the sum of the stakes and the sum of the
	// profits (1e18 Gwei), so that sums of amounts never overflow uint64.
	MaxGraphTotalETH = 1_000_000_000
	// maxGraphBytes is the same 1 MiB as for scenario and sweep files
	// (it was 32 MiB): the YAML parser needs tens of times the input, and
	// maxTokens (prescan.go) refuses any larger file that is not mostly
	// one long string anyway.
	maxGraphBytes = maxInputBytes
	// GraphWAD is the fixed-point unit of thresholds and magnitudes: 1e18
	// stands for 1, as in EigenLayer's magnitudes.
	GraphWAD uint64 = 1_000_000_000_000_000_000
)

// RestakingGraph is a decoded restaking graph file.
type RestakingGraph struct {
	Source      string // the file's path
	Operators   []GraphOperator
	Services    []GraphService
	Allocations []GraphAllocation // in file order
}

// GraphOperator is one operator of a restaking graph.
type GraphOperator struct {
	ID        string
	StakeGwei uint64 // greater than 0
}

// GraphService is one service (AVS) of a restaking graph.
type GraphService struct {
	ID         string
	ProfitGwei uint64 // profit from corruption
	// ThresholdWAD is α in WAD units, in (0, GraphWAD].
	ThresholdWAD uint64
}

// GraphAllocation says that an operator's stake backs a service.
type GraphAllocation struct {
	Operator int // index in Operators
	Service  int // index in Services
	// MagnitudeWAD is the fraction of the operator's stake allocated, in
	// (0, GraphWAD]; 0 when the file gives none (the whole stake backs the
	// service).
	MagnitudeWAD uint64
}

// LoadRestakingGraph reads and checks a restaking graph file. Problems in
// the file come back as an ErrorList with positions in it; a file that
// cannot be read, as an error wrapping the *fs.PathError (errors.Is
// os.ErrNotExist for a missing one, ErrNotRegular for a device, FIFO or
// directory, which is refused before it is opened).
func LoadRestakingGraph(path string) (*RestakingGraph, error) {
	data, err := readInput(path, maxGraphBytes)
	if err != nil {
		var list ErrorList
		if errors.As(err, &list) {
			return nil, err
		}
		return nil, fmt.Errorf("restaking graph file: %w", err) // the *PathError names the file
	}
	return ParseRestakingGraph(path, data)
}

// ParseRestakingGraph decodes a restaking graph file's bytes; path names it
// in error positions.
func ParseRestakingGraph(path string, data []byte) (*RestakingGraph, error) {
	d := &decoder{file: path}
	g := d.decodeGraph(data)
	if len(d.errs) > 0 || g == nil {
		if len(d.errs) == 0 {
			d.errs = append(d.errs, &Error{Pos: Pos{File: path}, Err: errors.New("invalid restaking graph file")})
		}
		return nil, d.errs.finish()
	}
	g.Source = path
	return g, nil
}

var (
	graphFields      = []string{"operators", "services", "allocations"}
	graphOpFields    = []string{"id", "stake"}
	graphSvcFields   = []string{"id", "profit", "threshold"}
	graphAllocFields = []string{"operator", "service", "magnitude"}
	graphIDRe        = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

const graphIDPattern = "[A-Za-z0-9_.-]+"

func (d *decoder) decodeGraph(data []byte) *RestakingGraph {
	body := d.document(data, maxGraphBytes, "empty restaking graph file: expected a mapping with operators, services and allocations")
	if body == nil {
		return nil
	}
	top, ok := d.objectOf(body, "", "graph fields", graphFields)
	if !ok {
		return nil
	}
	g := &RestakingGraph{}
	opIndex := d.graphOperators(top.object, g)
	svcIndex, svcAt := d.graphServices(top.object, g)
	if len(d.errs) > 0 {
		// Allocations name operators and services; with those in doubt,
		// their own problems would mostly be echoes.
		d.graphAllocationsShape(top.object)
		return nil
	}
	d.graphAllocations(top.object, g, opIndex, svcIndex, svcAt)
	if len(d.errs) > 0 {
		return nil
	}
	return g
}

// graphList decodes a required, non-empty list field of at most limit
// entries.
func (d *decoder) graphList(o *object, name, what string, limit int) ([]ast.Node, field, bool) {
	f, ok := d.require(o, name)
	if !ok {
		return nil, f, false
	}
	items, ok := d.list(f)
	if !ok {
		return nil, f, false
	}
	if len(items) == 0 {
		d.errorf(d.valuePos(f), f.path, "needs at least one %s", what)
		return nil, f, false
	}
	if len(items) > limit {
		d.errorf(d.valuePos(f), f.path, "has %d entries; the limit is %d", len(items), limit)
		return nil, f, false
	}
	return items, f, true
}

func (d *decoder) graphOperators(top *object, g *RestakingGraph) map[string]int {
	ids := make(map[string]int)
	items, lf, ok := d.graphList(top, "operators", "operator", MaxGraphOperators)
	if !ok {
		return ids
	}
	var total uint64
	totalOK := true
	for i, n := range items {
		path := index(lf.path, i)
		o, ok := d.objectOf(n, path, "operator fields", graphOpFields)
		if !ok {
			continue
		}
		idF, okID := d.require(o.object, "id")
		stakeF, okStake := d.require(o.object, "stake")
		var op GraphOperator
		if okID {
			op.ID, okID = d.graphID(idF)
		}
		if okID {
			if j, dup := ids[op.ID]; dup {
				d.errorf(d.valuePos(idF), idF.path, "operator %q is already declared at %s", op.ID, index(lf.path, j))
				okID = false
			}
		}
		if okStake {
			op.StakeGwei, okStake = d.graphETH(stakeF, false)
		}
		if okStake && totalOK {
			total += op.StakeGwei
			if total > MaxGraphTotalETH*gweiPerETH {
				d.errorf(d.valuePos(stakeF), stakeF.path, "the stakes up to here add up to more than %d ETH", MaxGraphTotalETH)
				totalOK = false
			}
		}
		if okID {
			ids[op.ID] = i
		}
		g.Operators = append(g.Operators, op)
	}
	return ids
}

func (d *decoder) graphServices(top *object, g *RestakingGraph) (map[string]int, []Pos) {
	ids := make(map[string]int)
	var at []Pos
	items, lf, ok := d.graphList(top, "services", "service", MaxGraphServices)
	if !ok {
		return ids, nil
	}
	var total uint64
	totalOK := true
	for i, n := range items {
		path := index(lf.path, i)
		at = append(at, d.pos(n))
		o, ok := d.objectOf(n, path, "service fields", graphSvcFields)
		if !ok {
			continue
		}
		idF, okID := d.require(o.object, "id")
		profitF, okProfit := d.require(o.object, "profit")
		alphaF, okAlpha := d.require(o.object, "threshold")
		var s GraphService
		if okID {
			s.ID, okID = d.graphID(idF)
		}
		if okID {
			if j, dup := ids[s.ID]; dup {
				d.errorf(d.valuePos(idF), idF.path, "service %q is already declared at %s", s.ID, index(lf.path, j))
				okID = false
			}
		}
		if okProfit {
			s.ProfitGwei, okProfit = d.graphETH(profitF, true)
		}
		if okProfit && totalOK {
			total += s.ProfitGwei
			if total > MaxGraphTotalETH*gweiPerETH {
				d.errorf(d.valuePos(profitF), profitF.path, "the profits up to here add up to more than %d ETH", MaxGraphTotalETH)
				totalOK = false
			}
		}
		if okAlpha {
			s.ThresholdWAD, _ = d.graphFraction(alphaF)
		}
		if okID {
			ids[s.ID] = i
		}
		g.Services = append(g.Services, s)
	}
	return ids, at
}

// graphAllocationsShape reports the problems of the allocations that do not
// depend on the operators and services: a missing or malformed list,
// unknown or missing fields, malformed magnitudes.
func (d *decoder) graphAllocationsShape(top *object) {
	items, lf, ok := d.graphList(top, "allocations", "allocation", MaxGraphAllocations)
	if !ok {
		return
	}
	for i, n := range items {
		o, ok := d.objectOf(n, index(lf.path, i), "allocation fields", graphAllocFields)
		if !ok {
			continue
		}
		if f, ok := d.require(o.object, "operator"); ok {
			d.graphID(f)
		}
		if f, ok := d.require(o.object, "service"); ok {
			d.graphID(f)
		}
		if f := o.get("magnitude"); f.present() {
			d.graphFraction(f)
		}
	}
}

// graphAllocations decodes the allocations and checks them against the
// operators and services: names resolve, pairs are unique, an operator's
// allocations agree on giving magnitudes and their magnitudes add up to at
// most 1, and every service has an allocation.
func (d *decoder) graphAllocations(top *object, g *RestakingGraph, opIndex, svcIndex map[string]int, svcAt []Pos) {
	items, lf, ok := d.graphList(top, "allocations", "allocation", MaxGraphAllocations)
	if !ok {
		return
	}
	type pair struct{ op, svc int }
	seen := make(map[pair]int)
	// Per operator: where its first allocation is (-1: none yet) and
	// whether that one gives a magnitude; its magnitudes so far; whether
	// their sum was reported as above 1.
	firstAt := make([]int, len(g.Operators))
	for i := range firstAt {
		firstAt[i] = -1
	}
	firstMag := make([]bool, len(g.Operators))
	magSum := make([]uint64, len(g.Operators))
	overReported := make([]bool, len(g.Operators))
	secured := make([]bool, len(g.Services))
	errsBefore := len(d.errs)
	for i, n := range items {
		path := index(lf.path, i)
		o, ok := d.objectOf(n, path, "allocation fields", graphAllocFields)
		if !ok {
			continue
		}
		opF, okOp := d.require(o.object, "operator")
		svcF, okSvc := d.require(o.object, "service")
		var a GraphAllocation
		if okOp {
			var id string
			if id, okOp = d.graphID(opF); okOp {
				a.Operator, okOp = d.graphRef(opF, id, "operator", opIndex, g.operatorIDs)
			}
		}
		if okSvc {
			var id string
			if id, okSvc = d.graphID(svcF); okSvc {
				a.Service, okSvc = d.graphRef(svcF, id, "service", svcIndex, g.serviceIDs)
			}
		}
		magF := o.get("magnitude")
		okMag := true
		if magF.present() {
			a.MagnitudeWAD, okMag = d.graphFraction(magF)
		}
		if okSvc {
			secured[a.Service] = true
		}
		if !okOp || !okSvc {
			continue
		}
		if j, dup := seen[pair{a.Operator, a.Service}]; dup {
			d.errorf(o.pos, path, "operator %q is already allocated to service %q at %s",
				g.Operators[a.Operator].ID, g.Services[a.Service].ID, index(lf.path, j))
			continue
		}
		seen[pair{a.Operator, a.Service}] = i
		op, hasMag := a.Operator, magF.present()
		if j := firstAt[op]; j < 0 {
			firstAt[op], firstMag[op] = i, hasMag
		} else if hasMag != firstMag[op] {
			at, atPath := o.pos, path
			if hasMag {
				at, atPath = d.pos(magF.key), magF.path
			}
			d.errorf(at, atPath, "operator %q: this allocation %s but %s %s; an operator's allocations all give a magnitude or none do",
				g.Operators[op].ID, givesMagnitude(hasMag), index(lf.path, j), givesMagnitude(firstMag[op]))
			continue
		}
		if !okMag {
			continue
		}
		if hasMag {
			magSum[op] += a.MagnitudeWAD // each is at most GraphWAD: no overflow
			if magSum[op] > GraphWAD && !overReported[op] {
				overReported[op] = true
				d.errorf(d.valuePos(magF), magF.path, "operator %q: its magnitudes up to here add up to %s, more than 1",
					g.Operators[op].ID, formatWAD(magSum[op]))
			}
		}
		g.Allocations = append(g.Allocations, a)
	}
	if len(d.errs) > errsBefore {
		return // a service may look unsecured only because of a typo above
	}
	for s, ok := range secured {
		if !ok {
			d.errorf(svcAt[s], index("services", s), "service %q has no allocation; every service needs at least one operator", g.Services[s].ID)
		}
	}
}

func givesMagnitude(b bool) string {
	if b {
		return "gives a magnitude"
	}
	return "gives none"
}

func (g *RestakingGraph) operatorIDs() []string {
	ids := make([]string, len(g.Operators))
	for i, o := range g.Operators {
		ids[i] = o.ID
	}
	return ids
}

func (g *RestakingGraph) serviceIDs() []string {
	ids := make([]string, len(g.Services))
	for i, s := range g.Services {
		ids[i] = s.ID
	}
	return ids
}

// graphRef resolves an id given in an allocation.
func (d *decoder) graphRef(f field, id, what string, idx map[string]int, ids func() []string) (int, bool) {
	if i, ok := idx[id]; ok {
		return i, true
	}
	all := ids()
	const show = 10
	list := strings.Join(all[:min(len(all), show)], ", ")
	if len(all) > show {
		list += fmt.Sprintf(", ... (%d in all)", len(all))
	}
	d.errorf(d.valuePos(f), f.path, "unknown %s %q (%ss: %s)", what, id, what, list)
	return -1, false
}

// graphID decodes an id: a string, or a plain number taken as written
// (id: 7), matching graphIDPattern.
func (d *decoder) graphID(f field) (string, bool) {
	switch n := f.value.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		if tk := n.GetToken(); tk != nil {
			f = field{name: f.name, path: f.path, key: f.key, value: ast.String(tk)}
		}
	}
	return d.name(f, graphIDRe, graphIDPattern)
}

// graphETH decodes a stake (zeroOK false: greater than 0) or a profit
// (zeroOK true: 0 or more) in ETH into Gwei exactly.
func (d *decoder) graphETH(f field, zeroOK bool) (uint64, bool) {
	p := d.valuePos(f)
	text, ok := d.graphNumberText(f)
	if !ok {
		return 0, false
	}
	v, neg, err := parseDecimal(text, 9)
	if errors.Is(err, errTooLarge) {
		v, neg, err = MaxGraphTotalETH*gweiPerETH+1, false, nil // out of range below
	}
	if err != nil {
		d.errorf(p, f.path, "%s: %v; amounts are whole Gwei (1e-9 ETH)", text, err)
		return 0, false
	}
	switch {
	case neg && zeroOK:
		d.errorf(p, f.path, "%s is negative; a profit is 0 or more", text)
		return 0, false
	case (neg || v == 0) && !zeroOK:
		d.errorf(p, f.path, "%s is not positive; a stake is greater than 0", text)
		return 0, false
	case v > MaxGraphTotalETH*gweiPerETH:
		d.errorf(p, f.path, "%s ETH is greater than the maximum %d ETH", text, MaxGraphTotalETH)
		return 0, false
	}
	return v, true
}

// graphFraction decodes a threshold or magnitude in (0, 1] into WAD exactly.
func (d *decoder) graphFraction(f field) (uint64, bool) {
	p := d.valuePos(f)
	text, ok := d.graphNumberText(f)
	if !ok {
		return 0, false
	}
	v, neg, err := parseDecimal(text, 18)
	if errors.Is(err, errTooLarge) {
		v, neg, err = GraphWAD+1, false, nil // out of range below
	}
	if err != nil {
		d.errorf(p, f.path, "%s: %v; fractions are whole WAD (1e-18)", text, err)
		return 0, false
	}
	if neg || v == 0 || v > GraphWAD {
		d.errorf(p, f.path, "%s is outside (0, 1]", text)
		return 0, false
	}
	return v, true
}

// graphNumberText checks that the field is a number literal (expressions
// are not allowed) and returns it as written.
func (d *decoder) graphNumberText(f field) (string, bool) {
	if _, ok := d.number(f, false); !ok {
		return "", false
	}
	if tk := f.value.GetToken(); tk != nil {
		return tk.Value, true
	}
	return "", false
}

var errTooLarge = errors.New("too large")

// parseDecimal converts a decimal literal such as "32", "-1.25", "1_000.5",
// "0.333333333333333333" or "3.2e-1" into an integer count of units of
// 10^-decimals, exactly: a value needing more decimals is an error, never
// rounded. It returns the magnitude and whether the literal was negative
// (a zero is never negative). decimals is at most 18.
func parseDecimal(text string, decimals int) (v uint64, neg bool, err error) {
	s := strings.ReplaceAll(strings.TrimSpace(text), "_", "")
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || e < -40 || e > 40 {
			return 0, false, errors.New("bad exponent")
		}
		exp, s = e, s[:i]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	digits := intPart + frac
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, false, errors.New("not a decimal number")
	}
	scale := decimals + exp - len(frac)
	if scale < 0 {
		cut := max(len(digits)+scale, 0)
		if strings.Trim(digits[cut:], "0") != "" {
			return 0, false, fmt.Errorf("more than %d decimals", decimals)
		}
		digits = digits[:cut]
	} else {
		digits += strings.Repeat("0", scale)
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return 0, false, nil
	}
	if len(digits) > 20 {
		return 0, false, errTooLarge
	}
	v, err = strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, false, errTooLarge
	}
	return v, neg, nil
}

// formatWAD shows a WAD amount as a decimal, exactly.
func formatWAD(v uint64) string {
	whole, frac := v/GraphWAD, v%GraphWAD
	if frac == 0 {
		return strconv.FormatUint(whole, 10)
	}
	return strings.TrimRight(fmt.Sprintf("%d.%018d", whole, frac), "0")
}
