// Package sweep runs a scenario at many parameter points and seeds: it
// expands a sweep file (scenarios.Sweep) into runs with stable ids, splits
// them into deterministic shards, runs a shard on a pool of workers while
// journaling every finished run, and writes one results table per sweep
// (results.csv and results.parquet, sorted by run id) that does not depend
// on the worker count, the shard count or interruptions.
//
// Data flow: scenarios.LoadSweep → NewPlan (expansion, run ids, columns) →
// Execute (workers → one collector goroutine → journal.jsonl) → finalize
// (journal → sorted results files). Merge combines the directories of the
// shards of one sweep into the same files.
package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/stakesim/stakesim/scenarios"
)

// ErrBadSweep marks a sweep that cannot be planned (for example a sample
// whose integer rounding makes two points equal). The CLI treats it as bad
// input.
var ErrBadSweep = errors.New("bad sweep")

// Run is one simulation of a sweep: a parameter point and a seed.
type Run struct {
	Index  int    // position in expansion order (grid axes in file order, first slowest; then sample points; then seeds)
	ID     string // stable id derived from the scenario, the resolved params and the seed
	Seed   uint64
	Values []float64 // one per Plan.Params
}

// Plan is an expanded sweep.
type Plan struct {
	Sweep  *scenarios.Sweep
	Params []string // every param of the scenario, in declaration order
	Groups []string // the scenario's validator group names (summary columns)
	// Epochs is the sweep's run length (its epochs field), or 0 when the
	// sweep gives none: then every run lasts as long as its scenario asks
	// for at the run's params (an epochs expression over the params is
	// evaluated per point), which RunEpochs returns.
	Epochs  uint64
	BLS     scenarios.BLSMode
	Runs    []Run  // expansion order
	ID      string // sweep id: a hash of the run ids in expansion order
	Columns []Column
	// choices holds, per param, the words of a choice param (nil for a
	// number): its Values are indexes into them.
	choices [][]string
}

// NewPlan expands a sweep into its runs and checks that each run's
// scenario loads with its params.
func NewPlan(sw *scenarios.Sweep) (*Plan, error) {
	base := sw.Base
	p := &Plan{Sweep: sw, Epochs: sw.Epochs, BLS: base.BLS}
	if sw.BLS != "" {
		p.BLS = sw.BLS
	}
	defaults := make([]float64, len(base.Params))
	at := make(map[string]int, len(base.Params))
	for i, q := range base.Params {
		p.Params = append(p.Params, q.Name)
		p.choices = append(p.choices, q.Values)
		defaults[i] = q.Value
		at[q.Name] = i
	}
	for _, g := range base.Groups {
		p.Groups = append(p.Groups, g.Name)
	}
	for _, v := range sw.Set {
		defaults[at[v.Name]] = v.Value
	}
	points := expandPoints(sw, defaults, at)
	scenarioHash := sha256.Sum256(base.YAML)
	seen := make(map[string]int, len(points)*len(sw.Seeds))
	for pi, point := range points {
		for _, seed := range sw.Seeds {
			r := Run{Index: len(p.Runs), Seed: seed, Values: point}
			r.ID = runID(scenarioHash[:], p.Epochs, p.BLS, p.Params, point, seed)
			if j, dup := seen[r.ID]; dup {
				return nil, fmt.Errorf("%w: %s: point %d (%s) is the same run as point %d; the sample has more points than its integer params have combinations: lower n or widen a range",
					ErrBadSweep, sw.Source, pi+1, p.Describe(r), p.Runs[j].Index/len(sw.Seeds)+1)
			}
			seen[r.ID] = r.Index
			p.Runs = append(p.Runs, r)
		}
	}
	h := sha256.New()
	h.Write([]byte("stakesim sweep v1\n"))
	for _, r := range p.Runs {
		h.Write([]byte(r.ID + "\n"))
	}
	p.ID = hex.EncodeToString(h.Sum(nil))[:16]
	p.Columns = append(p.Columns, Column{"run_id", KindString}, Column{"seed", KindUint64})
	for i, name := range p.Params {
		if p.choices[i] != nil {
			p.Columns = append(p.Columns, Column{name, KindString}) // the word
		} else {
			p.Columns = append(p.Columns, Column{name, KindFloat64})
		}
	}
	p.Columns = append(p.Columns, Column{"status", KindString}, Column{"error", KindString})
	fixed := len(p.Columns)
	// A summary column with a param's name (summary.json's validators and
	// the param validators of most built-ins) is named summary_NAME: the
	// param's column keeps the name the sweep file uses.
	isParam := make(map[string]bool, len(p.Params))
	for _, name := range p.Params {
		isParam[name] = true
	}
	for _, c := range append(SummaryColumns(p.Groups), DerivedColumns()...) {
		if isParam[c.Name] {
			c.Name = "summary_" + c.Name
		}
		p.Columns = append(p.Columns, c)
	}
	names := make(map[string]bool, len(p.Columns))
	for i, c := range p.Columns {
		if names[c.Name] {
			what := "a results column"
			if i >= fixed {
				what = "a summary column"
			}
			return nil, fmt.Errorf("%w: %s: param %q has the name of %s; rename the param", ErrBadSweep, sw.Source, c.Name, what)
		}
		names[c.Name] = true
	}
	return p, nil
}

// expandPoints returns every parameter point, each a full vector of param
// values (defaults and set values where the sweep does not vary a param).
func expandPoints(sw *scenarios.Sweep, defaults []float64, at map[string]int) [][]float64 {
	points := [][]float64{append([]float64(nil), defaults...)}
	for _, ax := range sw.Grid {
		var next [][]float64
		for _, pt := range points {
			for _, v := range ax.Values {
				q := append([]float64(nil), pt...)
				q[at[ax.Name]] = v
				next = append(next, q)
			}
		}
		points = next
	}
	if sw.Sample == nil {
		return points
	}
	samples := Sample(sw.Sample)
	var out [][]float64
	for _, pt := range points {
		for _, s := range samples {
			q := append([]float64(nil), pt...)
			for j, r := range sw.Sample.Params {
				q[at[r.Name]] = s[j]
			}
			out = append(out, q)
		}
	}
	return out
}

// Sample draws the sample's N points; point i holds one value per
// s.Params, in order. The draw depends only on s (its seed included).
//
// Latin hypercube (lhs): each range is cut into N equal strata, and every
// stratum of every param holds exactly one point; which strata are paired
// is a random permutation per param, and the value inside its stratum is
// uniform. Random: each value is uniform in its range.
//
// Integer params draw whole numbers: the K integers of the range are cut
// into N strata of consecutive integers (sizes differing by at most one)
// and the value is uniform among its stratum's integers, so with K >= N
// the N values are distinct; with K < N strata share integers. Random
// integer values are uniform over the K integers.
func Sample(s *scenarios.SweepSample) [][]float64 {
	rng := rand.New(rand.NewPCG(s.Seed, 0x5eed5eed5eed5eed))
	n := s.N
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, len(s.Params))
	}
	for j, r := range s.Params {
		var perm []int
		if s.Method == scenarios.SampleLHS {
			perm = rng.Perm(n)
		}
		for i := 0; i < n; i++ {
			u := rng.Float64()
			switch {
			case r.Integer:
				out[i][j] = sampleInteger(r, perm, i, n, u)
			case perm != nil:
				out[i][j] = r.Min + (float64(perm[i])+u)/float64(n)*(r.Max-r.Min)
			default:
				out[i][j] = r.Min + u*(r.Max-r.Min)
			}
			out[i][j] = math.Min(math.Max(out[i][j], r.Min), r.Max)
		}
	}
	return out
}

// sampleInteger draws point i's whole-number value of r (see Sample).
func sampleInteger(r scenarios.SweepRange, perm []int, i, n int, u float64) float64 {
	lo, hi := math.Ceil(r.Min), math.Floor(r.Max)
	k := int64(hi-lo) + 1 // integers in the range; the parser checked k >= 1
	var a, b int64        // the stratum's integers are lo+a .. lo+b-1
	switch {
	case perm == nil:
		a, b = 0, k
	case k >= int64(n):
		st := int64(perm[i])
		a, b = st*k/int64(n), (st+1)*k/int64(n)
	default:
		// Fewer integers than strata: stratum st maps to one integer.
		st := int64(perm[i])
		a = st * k / int64(n)
		b = a + 1
	}
	v := a + int64(u*float64(b-a))
	if v >= b {
		v = b - 1
	}
	return lo + float64(v)
}

// runID derives a run's id from everything that determines its outputs: the
// scenario's bytes, the run length (0 when each run takes its scenario's,
// which the scenario's bytes and the params determine), the BLS mode,
// every param value (a choice param's as the index of its word) and the
// seed. The same run gets the same id in any sweep.
func runID(scenarioHash []byte, epochs uint64, bls scenarios.BLSMode, names []string, values []float64, seed uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "stakesim run v1\nscenario=%x\nepochs=%d\nbls=%s\n", scenarioHash, epochs, bls)
	for i, name := range names {
		fmt.Fprintf(&b, "%s=%s\n", name, scenarios.FormatSweepValue(values[i]))
	}
	fmt.Fprintf(&b, "seed=%d\n", seed)
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:8])
}

// Describe prints a run's swept params and seed, "offline_share=0.1 seed=2".
func (p *Plan) Describe(r Run) string {
	var parts []string
	for _, name := range p.Sweep.SweptParams() {
		for i, q := range p.Params {
			if q == name {
				parts = append(parts, name+"="+p.FormatValue(i, r.Values[i]))
			}
		}
	}
	parts = append(parts, fmt.Sprintf("seed=%d", r.Seed))
	return strings.Join(parts, " ")
}

// FormatValue formats value v of param i (an index of Params) as --set
// takes it: the word of a choice param (v is its index in the param's
// values; anything else is shown as the number, which the scenario then
// refuses), else the number as FormatSweepValue writes it.
func (p *Plan) FormatValue(i int, v float64) string {
	if words := p.choices[i]; words != nil && v >= 0 && v < float64(len(words)) && v == math.Trunc(v) {
		return words[int(v)]
	}
	return scenarios.FormatSweepValue(v)
}

// Overrides returns the run's params as scenario overrides.
func (p *Plan) Overrides(r Run) []scenarios.Override {
	ov := make([]scenarios.Override, len(p.Params))
	for i, name := range p.Params {
		ov[i] = scenarios.Override{Name: name, Value: p.FormatValue(i, r.Values[i])}
	}
	return ov
}

// Scenario loads the run's scenario: the sweep's scenario with the run's
// params, seed, run length and BLS mode.
func (p *Plan) Scenario(r Run) (*scenarios.Scenario, error) {
	base := p.Sweep.Base
	sc, err := scenarios.Parse(base.Source, base.YAML, p.Overrides(r))
	if err != nil {
		return nil, err
	}
	sc.SetSeed(r.Seed)
	if p.Epochs != 0 {
		if err := sc.SetEpochs(p.Epochs); err != nil {
			return nil, err
		}
	}
	if err := sc.SetBLS(string(p.BLS)); err != nil {
		return nil, err
	}
	return sc, nil
}

// RunEpochs returns how many epochs run r lasts: the sweep's epochs, or
// its scenario's at its params (which loads the scenario).
func (p *Plan) RunEpochs(r Run) (uint64, error) {
	if p.Epochs != 0 {
		return p.Epochs, nil
	}
	sc, err := p.Scenario(r)
	if err != nil {
		return 0, err
	}
	return sc.Epochs, nil
}

// Shard is the K-th (1-based) of N slices of a sweep.
type Shard struct{ K, N int }

// All is the whole sweep as one shard.
var All = Shard{1, 1}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.K, s.N) }

// Valid reports whether 1 <= K <= N.
func (s Shard) Valid() bool { return s.N >= 1 && s.K >= 1 && s.K <= s.N }

// ShardRuns returns the runs of shard s, in expansion order. Runs are dealt
// to shards round-robin in run-id order, so the slices are deterministic,
// differ in size by at most one, and mix cheap and expensive points.
func (p *Plan) ShardRuns(s Shard) []Run {
	ids := make([]string, len(p.Runs))
	for i, r := range p.Runs {
		ids[i] = r.ID
	}
	in := shardIDs(ids, s)
	var out []Run
	for _, r := range p.Runs {
		if in[r.ID] {
			out = append(out, r)
		}
	}
	return out
}

// maxCheckErrors bounds how many failing points Check reports.
const maxCheckErrors = 10

// Check loads the scenario of every distinct point among runs (seeds share
// a point) with its params, so that a point the scenario rejects (an
// expression that comes out of range, say) stops the sweep before anything
// runs, with the point named.
func (p *Plan) Check(runs []Run) error {
	var problems []string
	failed := 0
	checked := make(map[int]bool)
	perPoint := max(1, len(p.Sweep.Seeds))
	for _, r := range runs {
		point := r.Index / perPoint
		if checked[point] {
			continue
		}
		checked[point] = true
		if _, err := p.Scenario(r); err != nil {
			failed++
			if len(problems) < maxCheckErrors {
				problems = append(problems, fmt.Sprintf("point %d (%s): %v", point+1, p.Describe(r), err))
			}
		}
	}
	if failed == 0 {
		return nil
	}
	msg := strings.Join(problems, "\n")
	if failed > len(problems) {
		msg += fmt.Sprintf("\n... and %d more points", failed-len(problems))
	}
	return fmt.Errorf("%w: %s: the scenario rejects %d of the sweep's points:\n%s", ErrBadSweep, p.Sweep.Source, failed, msg)
}
