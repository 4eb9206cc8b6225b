package scenarios

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// A sweep file names a scenario and the points of its parameter space to
// run it at:
//
//	scenario: attack-33            # built-in name or path (relative to the sweep file)
//	epochs: 600                    # optional override of the run length
//	bls: off                       # optional override of the BLS mode
//	seeds: [1, 2, 3]               # or `replicates: 3` for seeds 1..3
//	set: {proposer_boost: 0}       # optional: params fixed for every run
//	grid:                          # the cross product of these values
//	  attacker_share: [0.34, 0.40, 0.45, 0.50]
//	sample:                        # n points in ranges (Latin hypercube or random)
//	  method: lhs
//	  n: 200
//	  seed: 1                      # optional, default 1
//	  params:
//	    attacker_share: {min: 0.20, max: 0.50}
//	    attack_start_epoch: {min: 2, max: 10, integer: true}
//
// Grid and sample may be combined: every grid point is run with every
// sample point. A param may appear in only one of set, grid and sample.
// Every name must be a param of the scenario and every value or range must
// lie within the param's declared range; LoadSweep reports each problem
// with its FILE:LINE:COL before anything runs.

// Sweep limits.
const (
	MaxSweepRuns     = 1_000_000 // points × seeds
	maxSweepSeeds    = 100_000
	maxSweepGridSize = 100_000 // values of one grid axis
)

// Sampling methods.
const (
	SampleLHS    = "lhs"
	SampleRandom = "random"
)

// Sweep is a decoded sweep file.
type Sweep struct {
	Source string // the sweep file's path
	// ScenarioRef is the scenario field as written; Base is that scenario
	// loaded with its default params.
	ScenarioRef string
	Base        *Scenario
	Epochs      uint64  // 0: the scenario's
	BLS         BLSMode // "": the scenario's
	Seeds       []uint64
	Set         []SweepValue // params fixed for every run, in file order
	Grid        []SweepAxis  // in file order; the first axis varies slowest
	Sample      *SweepSample // nil: no sampling
}

// SweepValue is one fixed param value.
type SweepValue struct {
	Name  string
	Value float64
}

// SweepAxis is one grid dimension.
type SweepAxis struct {
	Name   string
	Values []float64
}

// SweepSample asks for N points drawn in the ranges of Params.
type SweepSample struct {
	Method string // SampleLHS or SampleRandom
	N      int
	Seed   uint64
	Params []SweepRange
}

// SweepRange is the range one param is sampled in.
type SweepRange struct {
	Name     string
	Min, Max float64
	// Integer rounds sampled values to the nearest integer (for params
	// used as counts or epochs).
	Integer bool
}

// Points returns the number of parameter points (grid size times sample
// size; 1 when there is neither).
func (s *Sweep) Points() int {
	n := 1
	for _, a := range s.Grid {
		n *= len(a.Values)
	}
	if s.Sample != nil {
		n *= s.Sample.N
	}
	return n
}

// SweptParams returns the names of the params the sweep varies: grid axes,
// then sample params, in file order.
func (s *Sweep) SweptParams() []string {
	var names []string
	for _, a := range s.Grid {
		names = append(names, a.Name)
	}
	if s.Sample != nil {
		for _, r := range s.Sample.Params {
			names = append(names, r.Name)
		}
	}
	return names
}

// LoadSweep reads and checks a sweep file, loading the scenario it names.
// Problems come back as an ErrorList with positions in the sweep file.
func LoadSweep(path string) (*Sweep, error) {
	data, err := readInput(path, maxInputBytes)
	if err != nil {
		var list ErrorList
		if errors.As(err, &list) {
			return nil, err
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: sweep file %q", ErrNotFound, path)
		}
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	return ParseSweep(path, data)
}

// ParseSweep decodes a sweep file's bytes; path names it in error positions
// and anchors a relative scenario path.
func ParseSweep(path string, data []byte) (*Sweep, error) {
	d := &decoder{file: path}
	s := d.decodeSweep(data)
	if len(d.errs) > 0 || s == nil {
		if len(d.errs) == 0 {
			d.errs = append(d.errs, &Error{Pos: Pos{File: path}, Err: errors.New("invalid sweep file")})
		}
		return nil, d.errs.finish()
	}
	s.Source = path
	return s, nil
}

var sweepFields = []string{"scenario", "epochs", "bls", "seeds", "replicates", "set", "grid", "sample"}

func (d *decoder) decodeSweep(data []byte) *Sweep {
	body := d.document(data, maxInputBytes, "empty sweep file: expected a mapping with at least scenario")
	if body == nil {
		return nil
	}
	top, ok := d.objectOf(body, "", "sweep fields", sweepFields)
	if !ok {
		return nil
	}
	s := &Sweep{}
	if f := top.get("epochs"); f.present() {
		s.Epochs, _ = d.uintLit(f, 1, MaxEpochs)
	}
	if f := top.get("bls"); f.present() {
		if m, ok := d.enum(f, string(BLSFull), string(BLSAggregate), string(BLSOff)); ok {
			s.BLS = BLSMode(m)
		}
	}
	// Every param name and value below is checked against the scenario.
	sf, ok := d.require(top.object, "scenario")
	if !ok {
		d.sweepSeeds(top.object, nil) // report its problems too
		return nil
	}
	ref, ok := d.str(sf)
	if !ok {
		d.sweepSeeds(top.object, nil)
		return nil
	}
	s.ScenarioRef = strings.TrimSpace(ref)
	if s.ScenarioRef == "" {
		d.errorf(d.valuePos(sf), sf.path, "needs a built-in scenario name or a scenario file path")
		d.sweepSeeds(top.object, nil)
		return nil
	}
	base, err := loadSweepScenario(d.file, s.ScenarioRef)
	if err != nil {
		d.add(d.valuePos(sf), sf.path, fmt.Errorf("cannot load %q: %w", s.ScenarioRef, err))
		d.sweepSeeds(top.object, nil)
		return nil
	}
	s.Base = base
	s.Seeds = d.sweepSeeds(top.object, base)

	owner := make(map[string]string) // param name -> field path that sets it
	claim := func(name string, key ast.Node, path string) bool {
		if prev, dup := owner[name]; dup {
			d.errorf(d.pos(key), path, "param %s is already given at %s; a param may appear in only one of set, grid and sample", name, prev)
			return false
		}
		owner[name] = path
		return true
	}
	if f := top.get("set"); f.present() && !isNull(f.value) {
		if o, ok := d.objectOf(f.value, f.path, "params", nil); ok {
			for _, pf := range o.ordered {
				p, ok := d.sweepParam(base, pf)
				if !ok || !claim(p.Name, pf.key, pf.path) {
					continue
				}
				if v, ok := d.paramNumber(pf, p); ok && d.inParamRange(d.valuePos(pf), pf.path, p, v) {
					s.Set = append(s.Set, SweepValue{Name: p.Name, Value: v})
				}
			}
		}
	}
	if f := top.get("grid"); f.present() && !isNull(f.value) {
		if o, ok := d.objectOf(f.value, f.path, "params", nil); ok {
			for _, pf := range o.ordered {
				p, ok := d.sweepParam(base, pf)
				if !ok || !claim(p.Name, pf.key, pf.path) {
					continue
				}
				if ax, ok := d.gridAxis(pf, p); ok {
					s.Grid = append(s.Grid, ax)
				}
			}
		}
	}
	if f := top.get("sample"); f.present() && !isNull(f.value) {
		s.Sample = d.sample(f, base, claim)
	}
	if len(d.errs) > 0 {
		return nil
	}
	runs := uint64(len(s.Seeds))
	for _, a := range s.Grid {
		runs *= uint64(len(a.Values))
		if runs > MaxSweepRuns {
			break
		}
	}
	if s.Sample != nil && runs <= MaxSweepRuns {
		runs *= uint64(s.Sample.N)
	}
	if runs > MaxSweepRuns {
		d.errorf(top.pos, "", "the sweep has more than %d runs (points × seeds); split it into several sweep files", MaxSweepRuns)
		return nil
	}
	return s
}

// loadSweepScenario loads the scenario a sweep names: a built-in, or a file
// relative to the sweep file's directory.
func loadSweepScenario(sweepFile, ref string) (*Scenario, error) {
	looksLikePath := strings.Contains(ref, "/") || strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml")
	if !looksLikePath {
		if data, ok := BuiltinYAML(ref); ok {
			return Parse("builtin:"+ref, data, nil)
		}
	}
	path := ref
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(sweepFile), ref)
	}
	return Load(path, nil)
}

// sweepSeeds decodes seeds or replicates; with neither, the scenario's own
// seed is the only one (none when base is nil: the scenario did not load).
func (d *decoder) sweepSeeds(top *object, base *Scenario) []uint64 {
	sf, rf := top.get("seeds"), top.get("replicates")
	if sf.present() && rf.present() {
		d.errorf(d.pos(rf.key), rf.path, "give seeds or replicates, not both")
		return nil
	}
	if rf.present() {
		n, ok := d.uintLit(rf, 1, maxSweepSeeds)
		if !ok {
			return nil
		}
		seeds := make([]uint64, n)
		for i := range seeds {
			seeds[i] = uint64(i) + 1
		}
		return seeds
	}
	if !sf.present() {
		if base == nil {
			return nil
		}
		return []uint64{base.Seed}
	}
	items, ok := d.list(sf)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.errorf(d.valuePos(sf), sf.path, "needs at least one seed")
		return nil
	}
	if len(items) > maxSweepSeeds {
		d.errorf(d.valuePos(sf), sf.path, "has %d seeds; the limit is %d", len(items), maxSweepSeeds)
		return nil
	}
	var seeds []uint64
	seen := make(map[uint64]int)
	for i, n := range items {
		f := field{path: index(sf.path, i), key: n, value: n}
		v, ok := d.uintLit(f, 0, math.MaxUint64)
		if !ok {
			continue
		}
		if j, dup := seen[v]; dup {
			d.errorf(d.pos(n), f.path, "seed %d repeats %s", v, index(sf.path, j))
			continue
		}
		seen[v] = i
		seeds = append(seeds, v)
	}
	return seeds
}

// sweepParam resolves a key of set, grid or sample.params to the
// scenario's param of that name.
func (d *decoder) sweepParam(base *Scenario, f field) (Param, bool) {
	p, ok := base.Param(f.name)
	if ok {
		return p, true
	}
	if len(base.Params) == 0 {
		d.errorf(d.pos(f.key), f.path, "unknown param %q: scenario %s declares no params", f.name, base.Name)
		return Param{}, false
	}
	names := make([]string, len(base.Params))
	for i, q := range base.Params {
		names[i] = q.Name
	}
	d.errorf(d.pos(f.key), f.path, "unknown param %q; scenario %s has: %s", f.name, base.Name, strings.Join(names, ", "))
	return Param{}, false
}

func (d *decoder) inParamRange(at Pos, path string, p Param, v float64) bool {
	if v < p.Min || v > p.Max {
		d.errorf(at, path, "%s is outside the range [%s, %s] of param %s", fmtFloat(v), fmtFloat(p.Min), fmtFloat(p.Max), p.Name)
		return false
	}
	return true
}

// paramNumber decodes a value given for param p in a sweep file: a
// number, or for a choice param one of its words (its index) or the index
// itself.
func (d *decoder) paramNumber(f field, p Param) (float64, bool) {
	if len(p.Values) > 0 {
		if sn, ok := f.value.(*ast.StringNode); ok {
			if i := slices.Index(p.Values, sn.Value); i >= 0 {
				return float64(i), true
			}
			d.errorf(d.valuePos(f), f.path, "%q is not one of %s (the values of param %s)", sn.Value, strings.Join(p.Values, ", "), p.Name)
			return 0, false
		}
	}
	return d.float(f, false)
}

// gridAxis decodes one grid entry: a non-empty list of distinct values
// within the param's range.
func (d *decoder) gridAxis(f field, p Param) (SweepAxis, bool) {
	items, ok := d.list(f)
	if !ok {
		return SweepAxis{}, false
	}
	if len(items) == 0 {
		d.errorf(d.valuePos(f), f.path, "needs at least one value")
		return SweepAxis{}, false
	}
	if len(items) > maxSweepGridSize {
		d.errorf(d.valuePos(f), f.path, "has %d values; the limit is %d", len(items), maxSweepGridSize)
		return SweepAxis{}, false
	}
	ax := SweepAxis{Name: p.Name}
	seen := make(map[float64]int)
	good := true
	for i, n := range items {
		vf := field{path: index(f.path, i), key: n, value: n}
		v, ok := d.paramNumber(vf, p)
		if !ok || !d.inParamRange(d.pos(n), vf.path, p, v) {
			good = false
			continue
		}
		if j, dup := seen[v]; dup {
			d.errorf(d.pos(n), vf.path, "value %s repeats %s", fmtFloat(v), index(f.path, j))
			good = false
			continue
		}
		seen[v] = i
		ax.Values = append(ax.Values, v)
	}
	return ax, good
}

var sampleFields = []string{"method", "n", "seed", "params"}
var rangeFields = []string{"min", "max", "integer"}

// sample decodes the sample block.
func (d *decoder) sample(f field, base *Scenario, claim func(string, ast.Node, string) bool) *SweepSample {
	o, ok := d.objectOf(f.value, f.path, "sample fields", sampleFields)
	if !ok {
		return nil
	}
	s := &SweepSample{Method: SampleLHS, Seed: 1}
	if mf := o.get("method"); mf.present() {
		s.Method, _ = d.enum(mf, SampleLHS, SampleRandom)
	}
	if nf, ok := d.require(o.object, "n"); ok {
		n, _ := d.uintLit(nf, 1, MaxSweepRuns)
		s.N = int(n)
	}
	if sf := o.get("seed"); sf.present() {
		s.Seed, _ = d.uintLit(sf, 0, math.MaxUint64)
	}
	pf, ok := d.require(o.object, "params")
	if !ok {
		return nil
	}
	params, ok := d.objectOf(pf.value, pf.path, "params", nil)
	if !ok {
		return nil
	}
	if len(params.ordered) == 0 {
		d.errorf(d.valuePos(pf), pf.path, "needs at least one param")
		return nil
	}
	for _, rf := range params.ordered {
		p, ok := d.sweepParam(base, rf)
		if !ok || !claim(p.Name, rf.key, rf.path) {
			continue
		}
		ro, ok := d.objectOf(rf.value, rf.path, "range fields", rangeFields)
		if !ok {
			continue
		}
		r := SweepRange{Name: p.Name}
		minF, ok1 := d.require(ro.object, "min")
		maxF, ok2 := d.require(ro.object, "max")
		if !ok1 || !ok2 {
			continue
		}
		lo, okLo := d.float(minF, false)
		hi, okHi := d.float(maxF, false)
		okLo = okLo && d.inParamRange(d.valuePos(minF), minF.path, p, lo)
		okHi = okHi && d.inParamRange(d.valuePos(maxF), maxF.path, p, hi)
		if !okLo || !okHi {
			continue
		}
		if lo > hi {
			d.errorf(d.valuePos(maxF), maxF.path, "max %s is below min %s", fmtFloat(hi), fmtFloat(lo))
			continue
		}
		r.Min, r.Max = lo, hi
		if inf := ro.get("integer"); inf.present() {
			b, ok := d.boolean(inf)
			if !ok {
				continue
			}
			r.Integer = b
			if b && math.Ceil(lo) > math.Floor(hi) {
				d.errorf(d.valuePos(maxF), rf.path, "integer: true but [%s, %s] holds no integer", fmtFloat(lo), fmtFloat(hi))
				continue
			}
		}
		s.Params = append(s.Params, r)
	}
	return s
}

// uintLit decodes the field as an integer literal in [minV, maxV]; sweep
// files have no params for expressions to use.
func (d *decoder) uintLit(f field, minV, maxV uint64) (uint64, bool) {
	n, ok := d.number(f, false)
	if !ok {
		return 0, false
	}
	return d.uintOf(d.valuePos(f), f.path, n, minV, maxV)
}

// boolean decodes the field as true or false.
func (d *decoder) boolean(f field) (bool, bool) {
	if n, ok := f.value.(*ast.BoolNode); ok {
		return n.Value, true
	}
	d.errorf(d.valuePos(f), f.path, "expected true or false, got %s", describe(f.value))
	return false, false
}

// orderedObject is an object whose fields are also kept in file order.
type orderedObject struct {
	*object
	ordered []field
}

// objectOf decodes n as a mapping. With allowed set, keys must be among
// them; with allowed nil, any key that is a plain param name is accepted
// (what names the key is checked by the caller). what names the mapping's
// contents in the error for a non-mapping.
func (d *decoder) objectOf(n ast.Node, path, what string, allowed []string) (*orderedObject, bool) {
	entries, isMapping := mappingEntries(n)
	if !isMapping {
		if path == "" {
			d.errorf(d.pos(n), "", "expected a mapping of %s, got %s", what, describe(n))
		} else {
			d.errorf(d.pos(n), path, "expected a mapping of %s, got %s", what, describe(n))
		}
		return nil, false
	}
	keys := allowed
	if keys == nil {
		for _, mv := range entries {
			if mv == nil {
				continue
			}
			if k, ok := mv.Key.(*ast.StringNode); ok && !contains(keys, k.Value) {
				keys = append(keys, k.Value)
			}
		}
	}
	o, ok := d.object(n, path, keys, nil)
	if !ok {
		return nil, false
	}
	oo := &orderedObject{object: o}
	for _, mv := range entries {
		if mv == nil {
			continue
		}
		k, ok := mv.Key.(*ast.StringNode)
		if !ok {
			continue
		}
		if f, ok := o.fields[k.Value]; ok && f.key == mv.Key {
			oo.ordered = append(oo.ordered, f)
		}
	}
	return oo, true
}

// FormatSweepValue prints a param value as sweeps write it: the shortest
// decimal that parses back to the same float64.
func FormatSweepValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
