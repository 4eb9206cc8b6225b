package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/scenarios"
)

// loadPlan writes yaml to a sweep file in a temp dir and plans it.
func loadPlan(t testing.TB, yaml string) *Plan {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sweep.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	sw, err := scenarios.LoadSweep(path)
	if err != nil {
		t.Fatalf("LoadSweep: %v", err)
	}
	p, err := NewPlan(sw)
	if err != nil {
		t.Fatalf("NewPlan: %v", err)
	}
	return p
}

func paramIndex(t testing.TB, p *Plan, name string) int {
	t.Helper()
	for i, q := range p.Params {
		if q == name {
			return i
		}
	}
	t.Fatalf("no param %s in %v", name, p.Params)
	return -1
}

func TestGridExpansion(t *testing.T) {
	p := loadPlan(t, `
scenario: offline-20
epochs: 5
seeds: [7, 9]
set: {offline_from: 3}
grid:
  offline_share: [0.3, 0.1]
`)
	share, from := paramIndex(t, p, "offline_share"), paramIndex(t, p, "offline_from")
	type want struct {
		share float64
		seed  uint64
	}
	// The first axis varies slowest, then seeds, in file order (no sorting).
	wants := []want{{0.3, 7}, {0.3, 9}, {0.1, 7}, {0.1, 9}}
	if len(p.Runs) != len(wants) {
		t.Fatalf("%d runs, want %d", len(p.Runs), len(wants))
	}
	for i, w := range wants {
		r := p.Runs[i]
		if r.Index != i || r.Values[share] != w.share || r.Seed != w.seed || r.Values[from] != 3 {
			t.Errorf("run %d = index %d share %v seed %d from %v, want share %v seed %d from 3",
				i, r.Index, r.Values[share], r.Seed, r.Values[from], w.share, w.seed)
		}
	}
	if p.Epochs != 5 {
		t.Errorf("epochs %d, want the sweep's 5", p.Epochs)
	}
	if p.BLS != p.Sweep.Base.BLS {
		t.Errorf("bls %s, want the scenario's %s", p.BLS, p.Sweep.Base.BLS)
	}
}

func TestGridCrossProduct(t *testing.T) {
	p := loadPlan(t, `
scenario: partition-50-50
replicates: 2
grid:
  split: [0.4, 0.5, 0.6]
  partition_start: [2, 4]
  partition_end: [20, 25]
`)
	if len(p.Runs) != 3*2*2*2 {
		t.Fatalf("%d runs, want 24", len(p.Runs))
	}
	split, start, end := paramIndex(t, p, "split"), paramIndex(t, p, "partition_start"), paramIndex(t, p, "partition_end")
	seen := make(map[string]int)
	i := 0
	for _, a := range []float64{0.4, 0.5, 0.6} {
		for _, b := range []float64{2, 4} {
			for _, c := range []float64{20, 25} {
				for _, seed := range []uint64{1, 2} {
					r := p.Runs[i]
					if r.Values[split] != a || r.Values[start] != b || r.Values[end] != c || r.Seed != seed {
						t.Errorf("run %d = %v seed %d, want %v %v %v seed %d", i, r.Values, r.Seed, a, b, c, seed)
					}
					seen[fmt.Sprint(r.Values, r.Seed)]++
					i++
				}
			}
		}
	}
	if len(seen) != 24 {
		t.Errorf("%d distinct runs, want 24", len(seen))
	}
}

// lhsStrata returns the stratum of each value when [lo, hi] is cut in n.
func lhsStrata(values []float64, lo, hi float64) []int {
	n := len(values)
	out := make([]int, n)
	for i, v := range values {
		k := int(math.Floor((v - lo) / (hi - lo) * float64(n)))
		if k == n {
			k = n - 1
		}
		out[i] = k
	}
	return out
}

func TestLatinHypercube(t *testing.T) {
	for _, n := range []int{1, 2, 17, 200} {
		s := &scenarios.SweepSample{Method: scenarios.SampleLHS, N: n, Seed: 3, Params: []scenarios.SweepRange{
			{Name: "a", Min: 0.2, Max: 0.5},
			{Name: "b", Min: -10, Max: 30},
		}}
		pts := Sample(s)
		if len(pts) != n {
			t.Fatalf("n=%d: %d points", n, len(pts))
		}
		for j, r := range s.Params {
			col := make([]float64, n)
			for i := range pts {
				col[i] = pts[i][j]
				if col[i] < r.Min || col[i] > r.Max {
					t.Errorf("n=%d param %s: %v outside [%v, %v]", n, r.Name, col[i], r.Min, r.Max)
				}
			}
			strata := lhsStrata(col, r.Min, r.Max)
			sort.Ints(strata)
			for k, got := range strata {
				if got != k {
					t.Fatalf("n=%d param %s: strata %v are not one point per stratum", n, r.Name, strata)
				}
			}
		}
	}
}

func TestSampleDeterministicAndSeeded(t *testing.T) {
	mk := func(method string, seed uint64) [][]float64 {
		return Sample(&scenarios.SweepSample{Method: method, N: 30, Seed: seed, Params: []scenarios.SweepRange{{Name: "a", Min: 0, Max: 1}}})
	}
	for _, m := range []string{scenarios.SampleLHS, scenarios.SampleRandom} {
		a, b, c := mk(m, 1), mk(m, 1), mk(m, 2)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s: same seed, different points", m)
		}
		if fmt.Sprint(a) == fmt.Sprint(c) {
			t.Errorf("%s: seeds 1 and 2 gave the same points", m)
		}
		distinct := make(map[float64]bool)
		for _, pt := range a {
			if pt[0] < 0 || pt[0] > 1 {
				t.Errorf("%s: %v outside [0, 1]", m, pt[0])
			}
			distinct[pt[0]] = true
		}
		if len(distinct) < 29 {
			t.Errorf("%s: only %d distinct values of 30", m, len(distinct))
		}
	}
}

func TestSampleIntegerParams(t *testing.T) {
	p := loadPlan(t, `
scenario: offline-20
sample:
  method: lhs
  n: 10
  params:
    offline_from: {min: 2.5, max: 21.5, integer: true}
    offline_share: {min: 0, max: 0.33}
`)
	from := paramIndex(t, p, "offline_from")
	seen := make(map[float64]bool)
	for _, r := range p.Runs {
		v := r.Values[from]
		if v != math.Round(v) || v < 3 || v > 21 {
			t.Errorf("offline_from %v: want an integer in [3, 21]", v)
		}
		seen[v] = true
	}
	// 19 integers (3..21) in 10 strata: the values are distinct and each
	// stratum of consecutive integers [3+floor(19s/10), 3+floor(19(s+1)/10))
	// holds exactly one.
	if len(seen) != 10 {
		t.Errorf("%d distinct integers, want 10", len(seen))
	}
	for st := 0; st < 10; st++ {
		a, b := 3+float64(19*st/10), 3+float64(19*(st+1)/10)
		in := 0
		for v := range seen {
			if v >= a && v < b {
				in++
			}
		}
		if in != 1 {
			t.Errorf("stratum %d [%v, %v) holds %d values", st, a, b, in)
		}
	}
}

func TestSampleIntegerFewerThanStrata(t *testing.T) {
	for _, method := range []string{scenarios.SampleLHS, scenarios.SampleRandom} {
		pts := Sample(&scenarios.SweepSample{Method: method, N: 40, Seed: 5, Params: []scenarios.SweepRange{{Name: "a", Min: 0.5, Max: 3.7, Integer: true}}})
		count := map[float64]int{}
		for _, pt := range pts {
			count[pt[0]]++
		}
		for v := range count {
			if v != 1 && v != 2 && v != 3 {
				t.Errorf("%s: value %v outside the integers of [0.5, 3.7]", method, v)
			}
		}
		// LHS spreads 40 points over 3 integers as evenly as the strata
		// allow (13 or 14 each); random must at least hit all three.
		for v := 1.0; v <= 3; v++ {
			if c := count[v]; c == 0 || (method == scenarios.SampleLHS && (c < 13 || c > 14)) {
				t.Errorf("%s: integer %v drawn %d times of 40", method, v, c)
			}
		}
	}
}

func TestSampleTimesGrid(t *testing.T) {
	p := loadPlan(t, `
scenario: offline-20
seeds: [1]
grid: {offline_from: [2, 4]}
sample: {method: random, n: 5, seed: 9, params: {offline_share: {min: 0, max: 0.3}}}
`)
	if len(p.Runs) != 10 {
		t.Fatalf("%d runs, want 2 grid points × 5 samples", len(p.Runs))
	}
	from, share := paramIndex(t, p, "offline_from"), paramIndex(t, p, "offline_share")
	for i := 0; i < 5; i++ {
		a, b := p.Runs[i], p.Runs[5+i]
		if a.Values[from] != 2 || b.Values[from] != 4 || a.Values[share] != b.Values[share] {
			t.Errorf("sample %d: grid points do not share the sample: %v vs %v", i, a.Values, b.Values)
		}
	}
}

func TestDuplicatePointsRejected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(path, []byte(`
scenario: offline-20
sample: {n: 5, params: {offline_from: {min: 2, max: 4, integer: true}}}
`), 0o644)
	sw, err := scenarios.LoadSweep(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewPlan(sw); !errors.Is(err, ErrBadSweep) || !strings.Contains(err.Error(), "lower n") {
		t.Errorf("5 integer samples in [2, 4]: err %v, want ErrBadSweep explaining the integer range", err)
	}
}

// TestRunIDRecipe recomputes run ids from the documented recipe and checks
// they are stable across sweeps that contain the same run.
func TestRunIDRecipe(t *testing.T) {
	a := loadPlan(t, "scenario: offline-20\nepochs: 4\nbls: off\nseeds: [1, 2]\ngrid: {offline_share: [0.1, 0.2]}\n")
	b := loadPlan(t, "scenario: offline-20\nepochs: 4\nbls: off\nseeds: [2]\nset: {offline_from: 4}\ngrid: {offline_share: [0.2]}\n")
	yaml, _ := scenarios.BuiltinYAML("offline-20")
	sum := sha256.Sum256(yaml)
	for _, r := range a.Runs {
		// validators at its default, preset as the index of minimal.
		text := fmt.Sprintf("stakesim run v1\nscenario=%s\nepochs=4\nbls=off\noffline_share=%s\noffline_from=4\nvalidators=1024\npreset=0\nseed=%d\n",
			hex.EncodeToString(sum[:]), scenarios.FormatSweepValue(r.Values[0]), r.Seed)
		h := sha256.Sum256([]byte(text))
		if want := hex.EncodeToString(h[:8]); r.ID != want {
			t.Errorf("run %v seed %d: id %s, recipe gives %s", r.Values, r.Seed, r.ID, want)
		}
	}
	// (offline_share 0.2, seed 2) is the last run of a and the only run of
	// b; offline_from 4 is the default, so setting it changes nothing.
	if a.Runs[3].ID != b.Runs[0].ID {
		t.Errorf("the same run has ids %s and %s in two sweeps", a.Runs[3].ID, b.Runs[0].ID)
	}
	c := loadPlan(t, "scenario: offline-20\nepochs: 5\nbls: off\nseeds: [2]\ngrid: {offline_share: [0.2]}\n")
	if c.Runs[0].ID == b.Runs[0].ID {
		t.Error("a different run length kept the same id")
	}
	if a.ID == b.ID {
		t.Error("two different sweeps have the same sweep id")
	}
}

func TestShardPartition(t *testing.T) {
	p := loadPlan(t, "scenario: offline-20\nreplicates: 3\nsample: {n: 9, params: {offline_share: {min: 0, max: 0.3}}}\n")
	if len(p.Runs) != 27 {
		t.Fatalf("%d runs", len(p.Runs))
	}
	for n := 1; n <= 30; n++ {
		owner := make(map[string]int)
		minSize, maxSize := len(p.Runs), 0
		for k := 1; k <= n; k++ {
			runs := p.ShardRuns(Shard{k, n})
			minSize, maxSize = min(minSize, len(runs)), max(maxSize, len(runs))
			last := -1
			for _, r := range runs {
				if prev, dup := owner[r.ID]; dup {
					t.Fatalf("N=%d: run %s in shards %d and %d", n, r.ID, prev, k)
				}
				owner[r.ID] = k
				if r.Index <= last {
					t.Errorf("N=%d K=%d: runs not in expansion order", n, k)
				}
				last = r.Index
			}
			// The manifest-side dealing agrees.
			ids := make([]string, len(p.Runs))
			for i, r := range p.Runs {
				ids[i] = r.ID
			}
			set := shardIDs(ids, Shard{k, n})
			if len(set) != len(runs) {
				t.Errorf("N=%d K=%d: shardIDs has %d runs, ShardRuns %d", n, k, len(set), len(runs))
			}
			for _, r := range runs {
				if !set[r.ID] {
					t.Errorf("N=%d K=%d: shardIDs lacks %s", n, k, r.ID)
				}
			}
		}
		if len(owner) != len(p.Runs) {
			t.Errorf("N=%d: %d of %d runs in some shard", n, len(owner), len(p.Runs))
		}
		if maxSize-minSize > 1 {
			t.Errorf("N=%d: shard sizes from %d to %d", n, minSize, maxSize)
		}
	}
}

func TestParseShard(t *testing.T) {
	good := map[string]Shard{"1/1": {1, 1}, "3/4": {3, 4}, " 4/4 ": {4, 4}}
	for in, want := range good {
		if got, err := ParseShard(in); err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"0/4", "5/4", "1/0", "1", "a/b", "-1/2", "1/2/3", ""} {
		if _, err := ParseShard(in); err == nil {
			t.Errorf("ParseShard(%q) accepted", in)
		}
	}
}

func TestCheckRejectsPoints(t *testing.T) {
	p := loadPlan(t, `
scenario: partition-50-50
grid:
  partition_start: [5, 20]
  partition_end: [10]
`)
	err := p.Check(p.Runs)
	if !errors.Is(err, ErrBadSweep) {
		t.Fatalf("Check: %v, want ErrBadSweep", err)
	}
	if !strings.Contains(err.Error(), "1 of the sweep's points") || !strings.Contains(err.Error(), "partition_start=20") {
		t.Errorf("Check error does not name the one bad point:\n%v", err)
	}
}

// TestChoiceParamInSweep: a choice param (attack-33's preset) is swept by
// the index of its word, which is how sweep files give it; the runs get the
// word, and so do the results table and Describe.
func TestChoiceParamInSweep(t *testing.T) {
	p := loadPlan(t, "scenario: attack-33\nepochs: 3\nbls: off\ngrid: {preset: [0, 1]}\nset: {validators: 64}\n")
	pi := paramIndex(t, p, "preset")
	for i, c := range p.Columns {
		if c.Name == "preset" && c.Kind != KindString {
			t.Errorf("column preset is %v, want string", c.Kind)
		}
		if c.Name == "validators" && i != 2+paramIndex(t, p, "validators") {
			t.Errorf("column validators at %d", i)
		}
	}
	for i, want := range []string{"minimal", "mainnet"} {
		r := p.Runs[i]
		if got := p.FormatValue(pi, r.Values[pi]); got != want {
			t.Errorf("run %d: preset %q, want %q", i, got, want)
		}
		if !strings.Contains(p.Describe(r), "preset="+want) {
			t.Errorf("run %d: Describe %q", i, p.Describe(r))
		}
		sc, err := p.Scenario(r)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Preset != want || sc.TotalValidators() != 64 || sc.Epochs != 3 {
			t.Errorf("run %d: preset %s, %d validators, %d epochs", i, sc.Preset, sc.TotalValidators(), sc.Epochs)
		}
	}
	// A value between two words loads as a number, which the scenario
	// refuses: Check names the point.
	bad := loadPlan(t, "scenario: attack-33\nepochs: 3\nset: {preset: 0.5}\n")
	err := bad.Check(bad.Runs)
	if !errors.Is(err, ErrBadSweep) || !strings.Contains(err.Error(), `--set preset: bad override: "0.5" is not one of minimal, mainnet`) {
		t.Errorf("preset 0.5: %v", err)
	}
}

// TestSummaryColumnRenamedForParam: summary.json's validators becomes the
// column summary_validators when the scenario has a param validators, whose
// column keeps the name; a param that then collides is still refused.
func TestSummaryColumnRenamedForParam(t *testing.T) {
	p := loadPlan(t, "scenario: baseline\nepochs: 2\nbls: off\ngrid: {validators: [64, 128]}\n")
	var names []string
	for _, c := range p.Columns {
		names = append(names, c.Name)
	}
	if !slices.Contains(names, "summary_validators") || slices.Index(names, "validators") != 2 {
		t.Errorf("columns %v", names)
	}
	other := loadPlan(t, "scenario: maxeb-slashing\nepochs: 2\n")
	for _, c := range other.Columns {
		if c.Name == "summary_validators" {
			t.Error("summary_validators without a param validators")
		}
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "s.yaml"), []byte("name: s\ndescription: d\nepochs: 2\n"+
		"params:\n  - {name: validators, default: 64, min: 1, max: 100}\n  - {name: summary_validators, default: 0, min: 0, max: 1}\n"+
		"validators:\n  - {name: a, count: \"${validators}\"}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "sweep.yaml"), []byte("scenario: s.yaml\n"), 0o644)
	sw, err := scenarios.LoadSweep(filepath.Join(dir, "sweep.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewPlan(sw); !errors.Is(err, ErrBadSweep) || !strings.Contains(err.Error(), `param "summary_validators" has the name of a summary column`) {
		t.Errorf("colliding param: %v", err)
	}
}

// TestRunEpochsFromScenario: without epochs in the sweep file each run
// lasts as long as its scenario asks for at its params (attack-33's epochs
// expression: 538 at 0.34, 3,210 at 0.40, 5,210 at 0.50), and the run id
// recipe has epochs=0; with epochs every run has that many.
func TestRunEpochsFromScenario(t *testing.T) {
	p := loadPlan(t, "scenario: attack-33\nbls: off\nseeds: [1]\ngrid: {attacker_share: [0.34, 0.4, 0.5]}\n")
	if p.Epochs != 0 {
		t.Errorf("Plan.Epochs %d, want 0", p.Epochs)
	}
	yaml, _ := scenarios.BuiltinYAML("attack-33")
	sum := sha256.Sum256(yaml)
	for i, want := range []uint64{538, 3210, 5210} {
		r := p.Runs[i]
		n, err := p.RunEpochs(r)
		if err != nil || n != want {
			t.Errorf("run %d: RunEpochs %d, %v; want %d", i, n, err, want)
		}
		if sc, err := p.Scenario(r); err != nil || sc.Epochs != want {
			t.Errorf("run %d: scenario epochs %v, %v; want %d", i, sc, err, want)
		}
		text := fmt.Sprintf("stakesim run v1\nscenario=%s\nepochs=0\nbls=off\nattacker_share=%s\nattack_start_epoch=10\nvalidators=256\npreset=0\nseed=1\n",
			hex.EncodeToString(sum[:]), []string{"0.34", "0.4", "0.5"}[i])
		h := sha256.Sum256([]byte(text))
		if id := hex.EncodeToString(h[:8]); r.ID != id {
			t.Errorf("run %d: id %s, recipe gives %s", i, r.ID, id)
		}
	}
	fixed := loadPlan(t, "scenario: attack-33\nepochs: 600\nbls: off\nseeds: [1]\ngrid: {attacker_share: [0.34, 0.4]}\n")
	for _, r := range fixed.Runs {
		if n, err := fixed.RunEpochs(r); err != nil || n != 600 {
			t.Errorf("epochs 600: RunEpochs %d, %v", n, err)
		}
		if sc, err := fixed.Scenario(r); err != nil || sc.Epochs != 600 {
			t.Errorf("epochs 600: scenario epochs %v, %v", sc, err)
		}
	}
}

// TestExampleSweeps plans the sweep files under examples/sweeps/. The
// attack-33 example gives no epochs, so that every point runs until
// finality has resumed.
func TestExampleSweeps(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "examples", "sweeps", "*.yaml"))
	if len(paths) < 2 {
		t.Fatalf("example sweeps: %v", paths)
	}
	for _, path := range paths {
		sw, err := scenarios.LoadSweep(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewPlan(sw)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Check(p.Runs); err != nil {
			t.Fatal(err)
		}
		if filepath.Base(path) != "attack-33.yaml" {
			continue
		}
		if p.Epochs != 0 || len(p.Runs) != 12 {
			t.Errorf("%s: epochs %d, %d runs; want the scenario's epochs and 12 runs", path, p.Epochs, len(p.Runs))
		}
		total := uint64(0)
		for _, r := range p.Runs {
			n, _ := p.RunEpochs(r)
			total += n
		}
		// 3 seeds x (538 + 3,210 + 4,210 + 5,210), as the file says.
		if total != 39504 {
			t.Errorf("%s: %d epochs in all, want 39504", path, total)
		}
	}
}
