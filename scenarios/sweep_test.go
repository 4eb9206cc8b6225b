package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The tests below use the built-in offline-20 (params offline_share in
// [0, 0.9], default 0.2, offline_from in [0, 23], default 4, validators
// [64, 200000] and the choice preset; seed 1, 24 epochs, bls full), ex-ante-reorg (attacker_share [0.01, 0.6],
// proposer_boost [0, 100], attack_start_epoch [1, 20], release_delay_ms
// [0, 1900]) and baseline (validators [64, 200000], max_delay_ms
// [0, 4000]). Expected values are written out by hand from the sweep
// file's text, not computed by the decoder's helpers.

// sweepOffline is the first line of most test sweep files.
const sweepOffline = "scenario: offline-20\n"

// sweepSrcAt returns the text of src from 1-based line and column, for
// checking that a reported position points at the offending token.
func sweepSrcAt(src string, line, col int) string {
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

// intList returns the flow list [from, from+1, ..., from+n-1].
func intList(from, n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(from + i))
	}
	b.WriteByte(']')
	return b.String()
}

func mustParseSweep(t *testing.T, src string) *Sweep {
	t.Helper()
	s, err := ParseSweep("sweep.yaml", []byte(src))
	if err != nil {
		t.Fatalf("ParseSweep: %v\nsource:\n%s", err, src)
	}
	return s
}

func TestParseSweepValid(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		check func(t *testing.T, s *Sweep)
	}{
		{
			name: "grid only keeps axis and value order",
			src: sweepOffline +
				"grid:\n" +
				"  offline_from: [4, 0, 23]\n" +
				"  offline_share: [0.3, 0.1]\n",
			check: func(t *testing.T, s *Sweep) {
				want := []SweepAxis{
					{Name: "offline_from", Values: []float64{4, 0, 23}},
					{Name: "offline_share", Values: []float64{0.3, 0.1}},
				}
				if !reflect.DeepEqual(s.Grid, want) {
					t.Errorf("Grid = %+v, want %+v", s.Grid, want)
				}
				if got := s.Points(); got != 6 {
					t.Errorf("Points() = %d, want 3 × 2 = 6", got)
				}
				if got, want := s.SweptParams(), []string{"offline_from", "offline_share"}; !reflect.DeepEqual(got, want) {
					t.Errorf("SweptParams() = %v, want %v", got, want)
				}
				if s.Sample != nil || s.Set != nil {
					t.Errorf("Sample = %+v, Set = %+v, want neither", s.Sample, s.Set)
				}
				if !reflect.DeepEqual(s.Seeds, []uint64{1}) {
					t.Errorf("Seeds = %v, want the scenario's seed [1]", s.Seeds)
				}
				if s.Epochs != 0 || s.BLS != "" {
					t.Errorf("Epochs = %d, BLS = %q, want no overrides", s.Epochs, s.BLS)
				}
				if s.ScenarioRef != "offline-20" || s.Source != "sweep.yaml" {
					t.Errorf("ScenarioRef = %q, Source = %q", s.ScenarioRef, s.Source)
				}
			},
		},
		{
			name: "grid values at both ends of the param range and in every number form",
			src:  sweepOffline + "grid:\n  offline_share: [0, 0.33, 1e-1, .2, 3E-1, 0_0.05]\n",
			check: func(t *testing.T, s *Sweep) {
				want := []float64{0, 0.33, 0.1, 0.2, 0.3, 0.05}
				if len(s.Grid) != 1 || !reflect.DeepEqual(s.Grid[0].Values, want) {
					t.Errorf("Grid = %+v, want offline_share %v", s.Grid, want)
				}
			},
		},
		{
			name: "sample only with defaults",
			src: sweepOffline +
				"sample:\n" +
				"  n: 50\n" +
				"  params:\n" +
				"    offline_share: {min: 0.05, max: 0.3}\n" +
				"    offline_from: {min: 2, max: 10, integer: true}\n",
			check: func(t *testing.T, s *Sweep) {
				want := &SweepSample{
					Method: SampleLHS, N: 50, Seed: 1,
					Params: []SweepRange{
						{Name: "offline_share", Min: 0.05, Max: 0.3},
						{Name: "offline_from", Min: 2, Max: 10, Integer: true},
					},
				}
				if !reflect.DeepEqual(s.Sample, want) {
					t.Errorf("Sample = %+v, want %+v", s.Sample, want)
				}
				if got := s.Points(); got != 50 {
					t.Errorf("Points() = %d, want n = 50", got)
				}
				if got, want := s.SweptParams(), []string{"offline_share", "offline_from"}; !reflect.DeepEqual(got, want) {
					t.Errorf("SweptParams() = %v, want %v", got, want)
				}
				if s.Grid != nil {
					t.Errorf("Grid = %+v, want none", s.Grid)
				}
			},
		},
		{
			name: "sample random with its own seed and integer false",
			src: sweepOffline +
				"sample:\n" +
				"  method: random\n" +
				"  n: 7\n" +
				"  seed: 42\n" +
				"  params:\n" +
				"    offline_from: {min: 3, max: 3, integer: false}\n",
			check: func(t *testing.T, s *Sweep) {
				want := &SweepSample{Method: SampleRandom, N: 7, Seed: 42,
					Params: []SweepRange{{Name: "offline_from", Min: 3, Max: 3}}}
				if !reflect.DeepEqual(s.Sample, want) {
					t.Errorf("Sample = %+v, want %+v", s.Sample, want)
				}
			},
		},
		{
			name: "sample seed 0 is a seed like any other",
			src:  sweepOffline + "sample:\n  n: 1\n  seed: 0\n  params:\n    offline_share: {min: 0, max: 0}\n",
			check: func(t *testing.T, s *Sweep) {
				if s.Sample == nil || s.Sample.Seed != 0 {
					t.Errorf("Sample = %+v, want seed 0", s.Sample)
				}
			},
		},
		{
			name: "integer range holding a single integer between fractional bounds",
			src:  sweepOffline + "sample:\n  n: 2\n  params:\n    offline_from: {min: 2.5, max: 3.5, integer: true}\n",
			check: func(t *testing.T, s *Sweep) {
				want := []SweepRange{{Name: "offline_from", Min: 2.5, Max: 3.5, Integer: true}}
				if s.Sample == nil || !reflect.DeepEqual(s.Sample.Params, want) {
					t.Errorf("Sample = %+v, want params %+v", s.Sample, want)
				}
			},
		},
		{
			// The sample block comes first in the file; the grid axes still
			// vary slowest and come first in SweptParams.
			name: "grid and sample",
			src: "scenario: ex-ante-reorg\n" +
				"sample:\n" +
				"  n: 10\n" +
				"  params:\n" +
				"    proposer_boost: {min: 0, max: 100}\n" +
				"    attack_start_epoch: {min: 1, max: 20, integer: true}\n" +
				"grid:\n" +
				"  release_delay_ms: [0, 500, 1000]\n" +
				"  attacker_share: [0.1, 0.3]\n",
			check: func(t *testing.T, s *Sweep) {
				if got := s.Points(); got != 60 {
					t.Errorf("Points() = %d, want 3 × 2 × 10 = 60", got)
				}
				want := []string{"release_delay_ms", "attacker_share", "proposer_boost", "attack_start_epoch"}
				if got := s.SweptParams(); !reflect.DeepEqual(got, want) {
					t.Errorf("SweptParams() = %v, want %v", got, want)
				}
			},
		},
		{
			name: "seeds list keeps its order",
			src:  sweepOffline + "seeds: [5, 3, 0, 18446744073709551615]\n",
			check: func(t *testing.T, s *Sweep) {
				if want := []uint64{5, 3, 0, 18446744073709551615}; !reflect.DeepEqual(s.Seeds, want) {
					t.Errorf("Seeds = %v, want %v", s.Seeds, want)
				}
				if got := s.Points(); got != 1 {
					t.Errorf("Points() = %d, want 1 (seeds are not points)", got)
				}
			},
		},
		{
			name: "replicates",
			src:  sweepOffline + "replicates: 3\n",
			check: func(t *testing.T, s *Sweep) {
				if want := []uint64{1, 2, 3}; !reflect.DeepEqual(s.Seeds, want) {
					t.Errorf("Seeds = %v, want %v", s.Seeds, want)
				}
			},
		},
		{
			name: "replicates 1",
			src:  sweepOffline + "replicates: 1\n",
			check: func(t *testing.T, s *Sweep) {
				if want := []uint64{1}; !reflect.DeepEqual(s.Seeds, want) {
					t.Errorf("Seeds = %v, want %v", s.Seeds, want)
				}
			},
		},
		{
			name: "set values in file order; Base keeps its defaults",
			src:  sweepOffline + "set:\n  offline_from: 10\n  offline_share: 0.05\n",
			check: func(t *testing.T, s *Sweep) {
				want := []SweepValue{{Name: "offline_from", Value: 10}, {Name: "offline_share", Value: 0.05}}
				if !reflect.DeepEqual(s.Set, want) {
					t.Errorf("Set = %+v, want %+v", s.Set, want)
				}
				if s.Points() != 1 || len(s.SweptParams()) != 0 {
					t.Errorf("Points() = %d, SweptParams() = %v: set params are not swept", s.Points(), s.SweptParams())
				}
				for name, def := range map[string]float64{"offline_share": 0.2, "offline_from": 4} {
					if p, ok := s.Base.Param(name); !ok || p.Value != def {
						t.Errorf("Base param %s = %+v, want value %v (the default)", name, p, def)
					}
				}
			},
		},
		{
			name: "epochs and bls overrides leave Base as written",
			src:  sweepOffline + "epochs: 600\nbls: off\n",
			check: func(t *testing.T, s *Sweep) {
				if s.Epochs != 600 || s.BLS != BLSOff {
					t.Errorf("Epochs = %d, BLS = %q, want 600, off", s.Epochs, s.BLS)
				}
				if s.Base.Epochs != 24 || s.Base.BLS != BLSFull {
					t.Errorf("Base.Epochs = %d, Base.BLS = %q, want the scenario's 24, full", s.Base.Epochs, s.Base.BLS)
				}
			},
		},
		{
			name: "bls aggregate, epochs at the limit",
			src:  sweepOffline + "bls: aggregate\nepochs: 1000000\n",
			check: func(t *testing.T, s *Sweep) {
				if s.Epochs != MaxEpochs || s.BLS != BLSAggregate {
					t.Errorf("Epochs = %d, BLS = %q", s.Epochs, s.BLS)
				}
			},
		},
		{
			name: "empty set, grid and sample blocks",
			src:  sweepOffline + "set:\ngrid: {}\nsample:\n",
			check: func(t *testing.T, s *Sweep) {
				if s.Set != nil || len(s.Grid) != 0 || s.Sample != nil {
					t.Errorf("Set = %+v, Grid = %+v, Sample = %+v, want none", s.Set, s.Grid, s.Sample)
				}
				if s.Points() != 1 || s.SweptParams() != nil {
					t.Errorf("Points() = %d, SweptParams() = %v, want 1 and none", s.Points(), s.SweptParams())
				}
			},
		},
		{
			name: "scenario only",
			src:  "scenario: attack-33\n",
			check: func(t *testing.T, s *Sweep) {
				if s.Base == nil || s.Base.Name != "attack-33" || s.Base.Source != "builtin:attack-33" {
					t.Fatalf("Base = %+v", s.Base)
				}
				p, ok := s.Base.Param("attacker_share")
				if !ok || p.Value != 0.34 {
					t.Errorf("Base attacker_share = %+v, want the default 0.34", p)
				}
				if s.Points() != 1 || !reflect.DeepEqual(s.Seeds, []uint64{1}) {
					t.Errorf("Points() = %d, Seeds = %v", s.Points(), s.Seeds)
				}
			},
		},
		{
			name: "byte order mark and CRLF line ends",
			src:  "\xef\xbb\xbfscenario: offline-20\r\ngrid:\r\n  offline_from: [1, 2]\r\n",
			check: func(t *testing.T, s *Sweep) {
				if len(s.Grid) != 1 || !reflect.DeepEqual(s.Grid[0].Values, []float64{1, 2}) {
					t.Errorf("Grid = %+v", s.Grid)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, mustParseSweep(t, tt.src))
		})
	}
}

// TestParseSweepStyles checks that flow and block YAML give the same sweep.
func TestParseSweepStyles(t *testing.T) {
	block := "scenario: offline-20\n" +
		"epochs: 30\n" +
		"bls: off\n" +
		"seeds:\n" +
		"  - 4\n" +
		"  - 2\n" +
		"set:\n" +
		"  offline_from: 6\n" +
		"grid:\n" +
		"  offline_share:\n" +
		"    - 0.25\n" +
		"    - 0.05\n"
	flow := "{scenario: offline-20, epochs: 30, bls: off, seeds: [4, 2], set: {offline_from: 6}, " +
		"grid: {offline_share: [0.25, 0.05]}}\n"

	blockSample := "scenario: offline-20\n" +
		"grid:\n" +
		"  offline_share: [0.25, 0.05]\n" +
		"sample:\n" +
		"  method: random\n" +
		"  n: 3\n" +
		"  seed: 9\n" +
		"  params:\n" +
		"    offline_from:\n" +
		"      min: 1\n" +
		"      max: 5\n" +
		"      integer: true\n"
	flowSample := "scenario: offline-20\n" +
		"grid: {offline_share: [0.25, 0.05]}\n" +
		"sample: {method: random, n: 3, seed: 9, params: {offline_from: {min: 1, max: 5, integer: true}}}\n"

	for _, pair := range [][2]string{{block, flow}, {blockSample, flowSample}} {
		a, b := mustParseSweep(t, pair[0]), mustParseSweep(t, pair[1])
		if a.Base == nil || b.Base == nil || a.Base.Name != b.Base.Name {
			t.Fatalf("Base differs: %v vs %v", a.Base, b.Base)
		}
		a.Base, b.Base = nil, nil
		if !reflect.DeepEqual(a, b) {
			t.Errorf("block and flow styles differ:\nblock: %+v\nflow:  %+v\nblock source:\n%s\nflow source:\n%s", a, b, pair[0], pair[1])
		}
	}
	s := mustParseSweep(t, flow)
	if want := []uint64{4, 2}; !reflect.DeepEqual(s.Seeds, want) || s.Epochs != 30 || s.BLS != BLSOff {
		t.Errorf("flow sweep: Seeds %v, Epochs %d, BLS %q", s.Seeds, s.Epochs, s.BLS)
	}
	if want := []SweepValue{{Name: "offline_from", Value: 6}}; !reflect.DeepEqual(s.Set, want) {
		t.Errorf("flow sweep: Set %+v, want %+v", s.Set, want)
	}
	if want := []SweepAxis{{Name: "offline_share", Values: []float64{0.25, 0.05}}}; !reflect.DeepEqual(s.Grid, want) {
		t.Errorf("flow sweep: Grid %+v, want %+v", s.Grid, want)
	}
	s = mustParseSweep(t, flowSample)
	wantSample := &SweepSample{Method: SampleRandom, N: 3, Seed: 9,
		Params: []SweepRange{{Name: "offline_from", Min: 1, Max: 5, Integer: true}}}
	if !reflect.DeepEqual(s.Sample, wantSample) || s.Points() != 6 {
		t.Errorf("flow sample: %+v, Points() %d, want %+v and 2 × 3 = 6", s.Sample, s.Points(), wantSample)
	}
}

// writeSweepFile writes data to dir/name, creating dir/name's directory.
func writeSweepFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoadSweepScenarioFile loads sweeps whose scenario is a file given
// relative to the sweep file.
func TestLoadSweepScenarioFile(t *testing.T) {
	builtin, ok := BuiltinYAML("offline-20")
	if !ok {
		t.Fatal("no built-in offline-20")
	}
	// The same scenario, renamed and with seed 7, so that the tests can
	// tell it from the built-in and see its seed become the sweep's.
	src := string(builtin)
	for _, r := range [][2]string{{"name: offline-20\n", "name: my-offline\n"}, {"seed: 1\n", "seed: 7\n"}} {
		if !strings.Contains(src, r[0]) {
			t.Fatalf("built-in offline-20 has no line %q", r[0])
		}
		src = strings.Replace(src, r[0], r[1], 1)
	}
	dir := t.TempDir()
	writeSweepFile(t, dir, "my-offline.yaml", src)
	writeSweepFile(t, dir, "scen/nested.yml", src)
	writeSweepFile(t, dir, "baseline", src) // same name as a built-in
	noParams := "name: np\ndescription: d\nepochs: 3\nvalidators:\n  - {name: a, count: 1}\n"
	writeSweepFile(t, dir, "noparams.yaml", noParams)
	writeSweepFile(t, dir, "bad.yaml", "name: t\n")

	t.Run("next to the sweep file", func(t *testing.T) {
		path := writeSweepFile(t, dir, "sweep.yaml", "scenario: my-offline.yaml\ngrid:\n  offline_share: [0.1, 0.3]\n")
		s, err := LoadSweep(path)
		if err != nil {
			t.Fatal(err)
		}
		if s.Source != path || s.ScenarioRef != "my-offline.yaml" {
			t.Errorf("Source = %q, ScenarioRef = %q", s.Source, s.ScenarioRef)
		}
		if s.Base.Name != "my-offline" || s.Base.Source != filepath.Join(dir, "my-offline.yaml") {
			t.Errorf("Base.Name = %q, Base.Source = %q, want the file next to the sweep", s.Base.Name, s.Base.Source)
		}
		if !reflect.DeepEqual(s.Seeds, []uint64{7}) {
			t.Errorf("Seeds = %v, want the scenario file's seed [7]", s.Seeds)
		}
		for name, def := range map[string]float64{"offline_share": 0.2, "offline_from": 4} {
			if p, ok := s.Base.Param(name); !ok || p.Value != def {
				t.Errorf("Base param %s = %+v, want value %v (the default)", name, p, def)
			}
		}
		if s.Points() != 2 {
			t.Errorf("Points() = %d, want 2", s.Points())
		}
	})

	t.Run("in a subdirectory, with replicates", func(t *testing.T) {
		path := writeSweepFile(t, dir, "sweep2.yaml", "scenario: scen/nested.yml\nreplicates: 2\n")
		s, err := LoadSweep(path)
		if err != nil {
			t.Fatal(err)
		}
		if s.Base.Source != filepath.Join(dir, "scen", "nested.yml") {
			t.Errorf("Base.Source = %q", s.Base.Source)
		}
		if !reflect.DeepEqual(s.Seeds, []uint64{1, 2}) {
			t.Errorf("Seeds = %v, want replicates [1 2], not the scenario's seed", s.Seeds)
		}
	})

	t.Run("parent directory from a sweep in a subdirectory", func(t *testing.T) {
		path := writeSweepFile(t, dir, "sub/sweep.yaml", "scenario: ../my-offline.yaml\n")
		s, err := LoadSweep(path)
		if err != nil {
			t.Fatal(err)
		}
		if s.Base.Name != "my-offline" {
			t.Errorf("Base.Name = %q", s.Base.Name)
		}
	})

	t.Run("absolute path", func(t *testing.T) {
		abs := filepath.Join(dir, "my-offline.yaml")
		path := writeSweepFile(t, dir, "sub/abs.yaml", "scenario: "+abs+"\n")
		s, err := LoadSweep(path)
		if err != nil {
			t.Fatal(err)
		}
		if s.Base.Source != abs {
			t.Errorf("Base.Source = %q, want %q", s.Base.Source, abs)
		}
	})

	t.Run("a bare name is the built-in, ./name the file", func(t *testing.T) {
		s, err := LoadSweep(writeSweepFile(t, dir, "bare.yaml", "scenario: baseline\n"))
		if err != nil {
			t.Fatal(err)
		}
		if s.Base.Name != "baseline" || s.Base.Source != "builtin:baseline" {
			t.Errorf("bare name loaded %q from %q, want the built-in", s.Base.Name, s.Base.Source)
		}
		s, err = LoadSweep(writeSweepFile(t, dir, "dot.yaml", "scenario: ./baseline\n"))
		if err != nil {
			t.Fatal(err)
		}
		if s.Base.Name != "my-offline" {
			t.Errorf("./baseline loaded %q, want the file", s.Base.Name)
		}
	})

	t.Run("relative sweep path", func(t *testing.T) {
		t.Chdir(dir)
		s, err := LoadSweep("sub/sweep.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if s.Source != "sub/sweep.yaml" || s.Base.Name != "my-offline" {
			t.Errorf("Source = %q, Base.Name = %q", s.Source, s.Base.Name)
		}
		// Problems are reported against the path as given.
		writeSweepFile(t, dir, "sub/bad-sweep.yaml", "scenario: ../my-offline.yaml\ngrid:\n  nope: [1]\n")
		_, err = LoadSweep("sub/bad-sweep.yaml")
		want := `sub/bad-sweep.yaml:3:3: grid.nope: unknown param "nope"; scenario my-offline has: offline_share, offline_from, validators, preset`
		if err == nil || err.Error() != want {
			t.Errorf("err = %v, want %s", err, want)
		}
	})

	t.Run("scenario without params", func(t *testing.T) {
		path := writeSweepFile(t, dir, "np-sweep.yaml", "scenario: noparams.yaml\nset:\n  x: 1\n")
		_, err := LoadSweep(path)
		want := path + `:3:3: set.x: unknown param "x": scenario np declares no params`
		if err == nil || err.Error() != want {
			t.Errorf("err = %v, want %s", err, want)
		}
	})

	t.Run("missing scenario file", func(t *testing.T) {
		path := writeSweepFile(t, dir, "missing.yaml", "scenario: nowhere.yaml\n")
		_, err := LoadSweep(path)
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("errors.Is(err, ErrNotFound) = false for %v", err)
		}
		prefix := path + `:1:11: scenario: cannot load "nowhere.yaml": `
		if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), filepath.Join(dir, "nowhere.yaml")) {
			t.Errorf("err = %v, want prefix %q naming the path looked at", err, prefix)
		}
	})

	t.Run("invalid scenario file", func(t *testing.T) {
		path := writeSweepFile(t, dir, "bad-scenario.yaml", "scenario: bad.yaml\n")
		_, err := LoadSweep(path)
		want := path + `:1:11: scenario: cannot load "bad.yaml": ` +
			filepath.Join(dir, "bad.yaml") + ":1:1: description: required field is missing"
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("err = %v\nwant prefix %s", err, want)
		}
		var list ErrorList
		if !errors.As(err, &list) || list[0].Pos.File != path || list[0].Field != "scenario" {
			t.Errorf("outer problem = %+v, want one at the sweep's scenario field", list)
		}
	})

	t.Run("missing sweep file", func(t *testing.T) {
		_, err := LoadSweep(filepath.Join(dir, "no-such-sweep.yaml"))
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no-such-sweep.yaml") {
			t.Errorf("err = %v, want ErrNotFound naming the file", err)
		}
	})
}

// TestParseSweepRejects checks the whole error text of every rejection:
// FILE:LINE:COL, field path and message, and that the position points at
// the offending text.
func TestParseSweepRejects(t *testing.T) {
	builtins := strings.Join([]string{"attack-33", "attack-34-both-sides", "attack-67", "balancing", "baseline",
		"ex-ante-reorg", "maxeb-consolidation", "maxeb-exit-queue", "maxeb-slashing", "offline-20",
		"partition-50-50", "partition-leak"}, ", ")
	if got := strings.Join(builtinNames(), ", "); got != builtins {
		// Keep the expected text below in step with the built-ins.
		t.Logf("built-ins are now %s", got)
		builtins = got
	}
	const offlineParams = "scenario offline-20 has: offline_share, offline_from, validators, preset"
	const exclusive = "; a param may appear in only one of set, grid and sample"
	tests := []struct {
		name string
		src  string
		want string // the whole error text, every problem
		at   string // the source text the first problem points at ("" for none)
	}{
		// The file as a whole.
		{
			name: "unknown top-level field",
			src:  sweepOffline + "replicate: 3\n",
			want: "sweep.yaml:2:1: replicate: unknown field (allowed: scenario, epochs, bls, seeds, replicates, set, grid, sample)",
			at:   "replicate: 3",
		},
		{
			name: "duplicate top-level field",
			src:  sweepOffline + "scenario: baseline\n",
			want: "sweep.yaml:2:1: scenario: duplicate field (first at line 1)",
			at:   "scenario: baseline",
		},
		{
			name: "YAML syntax error",
			src:  sweepOffline + "grid: [\n",
			want: "sweep.yaml:2:7: YAML syntax error: sequence end token ']' not found",
			at:   "[",
		},
		{
			name: "empty file",
			src:  "",
			want: "sweep.yaml:1:1: empty sweep file: expected a mapping with at least scenario",
		},
		{
			name: "only a comment",
			src:  "# nothing here\n",
			want: "sweep.yaml:1:1: empty sweep file: expected a mapping with at least scenario",
		},
		{
			name: "two documents",
			src:  sweepOffline + "---\nscenario: baseline\n",
			want: "sweep.yaml:3:1: only one YAML document is allowed",
			at:   "scenario: baseline",
		},
		{
			name: "not a mapping",
			src:  "- offline-20\n",
			want: "sweep.yaml:1:1: expected a mapping of sweep fields, got a list",
			at:   "- offline-20",
		},
		{
			name: "anchor",
			src:  "scenario: &s offline-20\n",
			want: "sweep.yaml:1:11: scenario: anchors (&name) are not supported",
			at:   "&s offline-20",
		},

		// scenario.
		{
			name: "missing scenario",
			src:  "grid:\n  offline_share: [0.1]\n",
			want: "sweep.yaml:1:1: scenario: required field is missing",
			at:   "grid:",
		},
		{
			name: "scenario without a value",
			src:  "scenario:\nreplicates: 2\n",
			want: "sweep.yaml:1:1: scenario: required field has no value",
			at:   "scenario:",
		},
		{
			name: "unknown scenario name",
			src:  "scenario: nope\n",
			want: `sweep.yaml:1:11: scenario: cannot load "nope": scenarios: no such built-in scenario or file: "nope" (built-ins: ` + builtins + ")",
			at:   "nope",
		},
		{
			name: "scenario is a number",
			src:  "scenario: 5\n",
			want: "sweep.yaml:1:11: scenario: expected a string, got a number",
			at:   "5",
		},
		{
			name: "scenario is an expression",
			src:  "scenario: \"${x}\"\n",
			want: "sweep.yaml:1:11: scenario: expressions (${...}) are allowed only in numeric fields",
			at:   `"${x}"`,
		},

		// epochs and bls.
		{
			name: "epochs 0",
			src:  sweepOffline + "epochs: 0\n",
			want: "sweep.yaml:2:9: epochs: 0 is less than the minimum 1",
			at:   "0",
		},
		{
			name: "epochs over the limit",
			src:  sweepOffline + "epochs: 1000001\n",
			want: "sweep.yaml:2:9: epochs: 1000001 is greater than the maximum 1000000",
			at:   "1000001",
		},
		{
			name: "epochs not an integer",
			src:  sweepOffline + "epochs: 2.5\n",
			want: "sweep.yaml:2:9: epochs: 2.5 is not an integer",
			at:   "2.5",
		},
		{
			name: "bls bogus",
			src:  sweepOffline + "bls: bogus\n",
			want: `sweep.yaml:2:6: bls: "bogus" is not one of full, aggregate, off`,
			at:   "bogus",
		},

		// seeds and replicates.
		{
			name: "duplicate seed",
			src:  sweepOffline + "seeds: [3, 1, 3]\n",
			want: "sweep.yaml:2:15: seeds[2]: seed 3 repeats seeds[0]",
			at:   "3]",
		},
		{
			name: "duplicate seed in a block list",
			src:  sweepOffline + "seeds:\n  - 1\n  - 2\n  - 1\n",
			want: "sweep.yaml:5:5: seeds[2]: seed 1 repeats seeds[0]",
			at:   "1",
		},
		{
			name: "bad seeds",
			src:  sweepOffline + "seeds: [-1, 1.5, 18446744073709551616]\n",
			want: "sweep.yaml:2:9: seeds[0]: -1 is less than the minimum 0\n" +
				"sweep.yaml:2:13: seeds[1]: 1.5 is not an integer\n" +
				"sweep.yaml:2:18: seeds[2]: 18446744073709551616 is greater than the maximum 18446744073709551615",
			at: "-1, 1.5",
		},
		{
			name: "empty seeds",
			src:  sweepOffline + "seeds: []\n",
			want: "sweep.yaml:2:8: seeds: needs at least one seed",
			at:   "[]",
		},
		{
			name: "seeds without a value",
			src:  sweepOffline + "seeds:\n",
			want: "sweep.yaml:2:1: seeds: needs at least one seed",
			at:   "seeds:",
		},
		{
			name: "seeds not a list",
			src:  sweepOffline + "seeds: 3\n",
			want: "sweep.yaml:2:8: seeds: expected a list, got a number",
			at:   "3",
		},
		{
			name: "seeds and replicates",
			src:  sweepOffline + "seeds: [1]\nreplicates: 2\n",
			want: "sweep.yaml:3:1: replicates: give seeds or replicates, not both",
			at:   "replicates: 2",
		},
		{
			name: "replicates and seeds",
			src:  sweepOffline + "replicates: 2\nseeds: [1]\n",
			want: "sweep.yaml:2:1: replicates: give seeds or replicates, not both",
			at:   "replicates: 2",
		},
		{
			name: "replicates 0",
			src:  sweepOffline + "replicates: 0\n",
			want: "sweep.yaml:2:13: replicates: 0 is less than the minimum 1",
			at:   "0",
		},
		{
			name: "replicates over the limit",
			src:  sweepOffline + "replicates: 100001\n",
			want: "sweep.yaml:2:13: replicates: 100001 is greater than the maximum 100000",
			at:   "100001",
		},

		// Unknown params.
		{
			name: "unknown param in grid",
			src:  sweepOffline + "grid:\n  offline_share: [0.1]\n  nope: [1]\n",
			want: `sweep.yaml:4:3: grid.nope: unknown param "nope"; ` + offlineParams,
			at:   "nope: [1]",
		},
		{
			name: "unknown param in set",
			src:  sweepOffline + "set:\n  Offline_share: 0.1\n",
			want: `sweep.yaml:3:3: set.Offline_share: unknown param "Offline_share"; ` + offlineParams,
			at:   "Offline_share: 0.1",
		},
		{
			name: "unknown param in sample.params",
			src:  sweepOffline + "sample:\n  n: 3\n  params:\n    nope: {min: 0, max: 1}\n",
			want: `sweep.yaml:5:5: sample.params.nope: unknown param "nope"; ` + offlineParams,
			at:   "nope: {min",
		},
		{
			name: "unknown param in flow grid",
			src:  sweepOffline + "grid: {offline_share: [0.1], nope: [1]}\n",
			want: `sweep.yaml:2:30: grid.nope: unknown param "nope"; ` + offlineParams,
			at:   "nope: [1]}",
		},

		// grid.
		{
			name: "grid value out of range",
			src:  sweepOffline + "grid:\n  offline_share: [0, 0.1, 0.95]\n",
			want: "sweep.yaml:3:27: grid.offline_share[2]: 0.95 is outside the range [0, 0.9] of param offline_share",
			at:   "0.95]",
		},
		{
			name: "grid value below range in a block list",
			src:  sweepOffline + "grid:\n  offline_from:\n    - 1\n    - -1\n",
			want: "sweep.yaml:5:7: grid.offline_from[1]: -1 is outside the range [0, 23] of param offline_from",
			at:   "-1",
		},
		{
			name: "duplicate grid value",
			src:  sweepOffline + "grid:\n  offline_share: [0.1, 0.2, 0.10]\n",
			want: "sweep.yaml:3:29: grid.offline_share[2]: value 0.1 repeats grid.offline_share[0]",
			at:   "0.10]",
		},
		{
			name: "duplicate grid axis",
			src:  sweepOffline + "grid:\n  offline_share: [0.1]\n  offline_share: [0.2]\n",
			want: "sweep.yaml:4:3: grid.offline_share: duplicate field (first at line 3)",
			at:   "offline_share: [0.2]",
		},
		{
			name: "empty grid list",
			src:  sweepOffline + "grid:\n  offline_share: []\n",
			want: "sweep.yaml:3:18: grid.offline_share: needs at least one value",
			at:   "[]",
		},
		{
			name: "grid axis without values",
			src:  sweepOffline + "grid:\n  offline_share:\n",
			want: "sweep.yaml:3:3: grid.offline_share: needs at least one value",
			at:   "offline_share:",
		},
		{
			name: "grid axis not a list",
			src:  sweepOffline + "grid:\n  offline_share: 0.1\n",
			want: "sweep.yaml:3:18: grid.offline_share: expected a list, got a number",
			at:   "0.1",
		},
		{
			name: "grid not a mapping",
			src:  sweepOffline + "grid:\n  - offline_share\n",
			want: "sweep.yaml:3:3: grid: expected a mapping of params, got a list",
			at:   "- offline_share",
		},
		{
			name: "non-numeric grid value",
			src:  sweepOffline + "grid:\n  offline_share: [0.1, lots]\n",
			want: `sweep.yaml:3:24: grid.offline_share[1]: expected a number, got the string "lots"`,
			at:   "lots]",
		},
		{
			name: "quoted number in grid",
			src:  sweepOffline + "grid:\n  offline_share: [\"0.1\"]\n",
			want: `sweep.yaml:3:19: grid.offline_share[0]: expected a number, got the string "0.1"`,
			at:   `"0.1"]`,
		},
		{
			name: "infinite and NaN grid values",
			src:  sweepOffline + "grid:\n  offline_share: [.inf, .nan]\n",
			want: "sweep.yaml:3:19: grid.offline_share[0]: expected a finite number, got .inf\n" +
				"sweep.yaml:3:25: grid.offline_share[1]: expected a finite number, got .nan",
			at: ".inf",
		},
		{
			name: "expression in grid",
			src:  sweepOffline + "grid:\n  offline_share: [\"${0.1}\"]\n",
			want: "sweep.yaml:3:19: grid.offline_share[0]: expressions (${...}) are not allowed here; write a number",
			at:   `"${0.1}"]`,
		},

		// set.
		{
			name: "set value out of range",
			src:  sweepOffline + "set:\n  offline_from: 24\n",
			want: "sweep.yaml:3:17: set.offline_from: 24 is outside the range [0, 23] of param offline_from",
			at:   "24",
		},
		{
			name: "expression in set",
			src:  sweepOffline + "set:\n  offline_share: \"${offline_share / 2}\"\n",
			want: "sweep.yaml:3:18: set.offline_share: expressions (${...}) are not allowed here; write a number",
			at:   `"${offline_share / 2}"`,
		},
		{
			name: "set not a mapping",
			src:  sweepOffline + "set: 3\n",
			want: "sweep.yaml:2:6: set: expected a mapping of params, got a number",
			at:   "3",
		},

		// sample.
		{
			name: "sample min out of range",
			src:  sweepOffline + "sample:\n  n: 3\n  params:\n    offline_share: {min: -0.1, max: 0.3}\n",
			want: "sweep.yaml:5:26: sample.params.offline_share.min: -0.1 is outside the range [0, 0.9] of param offline_share",
			at:   "-0.1,",
		},
		{
			name: "sample max out of range",
			src:  sweepOffline + "sample:\n  n: 3\n  params:\n    offline_share: {min: 0.1, max: 0.95}\n",
			want: "sweep.yaml:5:36: sample.params.offline_share.max: 0.95 is outside the range [0, 0.9] of param offline_share",
			at:   "0.95}",
		},
		{
			name: "sample min and max out of range in block style",
			src: sweepOffline + "sample:\n  n: 3\n  params:\n    offline_from:\n" +
				"      min: -1\n      max: 24\n",
			want: "sweep.yaml:6:12: sample.params.offline_from.min: -1 is outside the range [0, 23] of param offline_from\n" +
				"sweep.yaml:7:12: sample.params.offline_from.max: 24 is outside the range [0, 23] of param offline_from",
			at: "-1",
		},
		{
			name: "sample max below min",
			src:  sweepOffline + "sample:\n  n: 3\n  params:\n    offline_share:\n      min: 0.3\n      max: 0.2\n",
			want: "sweep.yaml:7:12: sample.params.offline_share.max: max 0.2 is below min 0.3",
			at:   "0.2",
		},
		{
			name: "n 0",
			src:  sweepOffline + "sample:\n  n: 0\n  params:\n    offline_share: {min: 0, max: 0.3}\n",
			want: "sweep.yaml:3:6: sample.n: 0 is less than the minimum 1",
			at:   "0",
		},
		{
			name: "n over the runs limit",
			src:  sweepOffline + "sample:\n  n: 1000001\n  params:\n    offline_share: {min: 0, max: 0.3}\n",
			want: "sweep.yaml:3:6: sample.n: 1000001 is greater than the maximum 1000000",
			at:   "1000001",
		},
		{
			name: "n missing",
			src:  sweepOffline + "sample:\n  params:\n    offline_share: {min: 0, max: 0.3}\n",
			want: "sweep.yaml:3:3: sample.n: required field is missing",
			at:   "params:",
		},
		{
			name: "sample params missing",
			src:  sweepOffline + "sample:\n  n: 3\n",
			want: "sweep.yaml:3:3: sample.params: required field is missing",
			at:   "n: 3",
		},
		{
			name: "sample params empty",
			src:  sweepOffline + "sample:\n  n: 3\n  params: {}\n",
			want: "sweep.yaml:4:11: sample.params: needs at least one param",
			at:   "{}",
		},
		{
			name: "unknown sample method",
			src:  sweepOffline + "sample:\n  method: sobol\n  n: 3\n  params:\n    offline_share: {min: 0, max: 0.3}\n",
			want: `sweep.yaml:3:11: sample.method: "sobol" is not one of lhs, random`,
			at:   "sobol",
		},
		{
			name: "unknown sample field",
			src:  sweepOffline + "sample:\n  n: 3\n  size: 3\n  params:\n    offline_share: {min: 0, max: 0.3}\n",
			want: "sweep.yaml:4:3: sample.size: unknown field (allowed: method, n, seed, params)",
			at:   "size: 3",
		},
		{
			name: "negative sample seed",
			src:  sweepOffline + "sample:\n  n: 3\n  seed: -1\n  params:\n    offline_share: {min: 0, max: 0.3}\n",
			want: "sweep.yaml:4:9: sample.seed: -1 is less than the minimum 0",
			at:   "-1",
		},
		{
			name: "sample not a mapping",
			src:  sweepOffline + "sample: [1]\n",
			want: "sweep.yaml:2:9: sample: expected a mapping of sample fields, got a list",
			at:   "[1]",
		},
		{
			name: "unknown field in a sample range",
			src:  sweepOffline + "sample:\n  n: 3\n  params:\n    offline_share: {min: 0, max: 0.3, step: 0.1}\n",
			want: "sweep.yaml:5:39: sample.params.offline_share.step: unknown field (allowed: min, max, integer)",
			at:   "step: 0.1}",
		},
		{
			name: "sample range without max",
			src:  sweepOffline + "sample:\n  n: 3\n  params:\n    offline_share: {min: 0.1}\n",
			want: "sweep.yaml:5:20: sample.params.offline_share.max: required field is missing",
			at:   "{min: 0.1}",
		},
		{
			name: "sample range not a mapping",
			src:  sweepOffline + "sample:\n  n: 3\n  params:\n    offline_share: [0, 0.3]\n",
			want: "sweep.yaml:5:20: sample.params.offline_share: expected a mapping of range fields, got a list",
			at:   "[0, 0.3]",
		},
		{
			// The problem is reported at max, the end of the range.
			name: "integer true on a range with no integer",
			src:  sweepOffline + "sample:\n  n: 3\n  params:\n    offline_share: {min: 0.1, max: 0.2, integer: true}\n",
			want: "sweep.yaml:5:36: sample.params.offline_share: integer: true but [0.1, 0.2] holds no integer",
			at:   "0.2, integer",
		},
		{
			name: "integer true on a one-point fractional range",
			src:  sweepOffline + "sample:\n  n: 3\n  params:\n    offline_from: {min: 2.5, max: 2.5, integer: true}\n",
			want: "sweep.yaml:5:35: sample.params.offline_from: integer: true but [2.5, 2.5] holds no integer",
			at:   "2.5, integer",
		},
		{
			name: "integer not a boolean",
			src:  sweepOffline + "sample:\n  n: 3\n  params:\n    offline_from: {min: 1, max: 5, integer: yes}\n",
			want: `sweep.yaml:5:45: sample.params.offline_from.integer: expected true or false, got the string "yes"`,
			at:   "yes}",
		},
		{
			name: "expression in a sample range",
			src:  sweepOffline + "sample:\n  n: 3\n  params:\n    offline_share: {min: \"${0}\", max: 0.3}\n",
			want: "sweep.yaml:5:26: sample.params.offline_share.min: expressions (${...}) are not allowed here; write a number",
			at:   `"${0}"`,
		},

		// A param in two places.
		{
			name: "param in grid and sample",
			src: sweepOffline + "grid:\n  offline_share: [0.1]\n" +
				"sample:\n  n: 2\n  params:\n    offline_share: {min: 0, max: 0.1}\n",
			want: "sweep.yaml:7:5: sample.params.offline_share: param offline_share is already given at grid.offline_share" + exclusive,
			at:   "offline_share: {min",
		},
		{
			// Set is checked first whatever the order in the file.
			name: "param in grid and set",
			src:  sweepOffline + "grid:\n  offline_share: [0.1]\nset:\n  offline_share: 0.1\n",
			want: "sweep.yaml:3:3: grid.offline_share: param offline_share is already given at set.offline_share" + exclusive,
			at:   "offline_share: [0.1]",
		},
		{
			name: "param in set and sample",
			src: sweepOffline + "set:\n  offline_from: 3\n" +
				"sample:\n  n: 2\n  params:\n    offline_from: {min: 0, max: 5}\n",
			want: "sweep.yaml:7:5: sample.params.offline_from: param offline_from is already given at set.offline_from" + exclusive,
			at:   "offline_from: {min",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSweep("sweep.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("ParseSweep accepted the file (%+v); want\n%s\nsource:\n%s", s, tt.want, tt.src)
			}
			if s != nil {
				t.Errorf("ParseSweep returned a sweep with its error")
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s\nsource:\n%s", err, tt.want, tt.src)
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

// TestParseSweepExpressionsInIntegerFields checks that "${...}" is
// rejected in the sweep's integer fields as it is in its param values: a
// sweep file has no params for an expression to use, and its doc promises
// numbers. The non-number message must not offer expressions either.
func TestParseSweepExpressionsInIntegerFields(t *testing.T) {
	const noExpr = "expressions (${...}) are not allowed here; write a number"
	const rng = "    offline_share: {min: 0, max: 0.3}\n"
	tests := []struct {
		name, src, want string
	}{
		{"epochs", sweepOffline + "epochs: \"${1 + 2}\"\n", "sweep.yaml:2:9: epochs: " + noExpr},
		{"replicates", sweepOffline + "replicates: \"${3}\"\n", "sweep.yaml:2:13: replicates: " + noExpr},
		{"seeds item", sweepOffline + "seeds: [1, \"${4}\"]\n", "sweep.yaml:2:12: seeds[1]: " + noExpr},
		{"sample n", sweepOffline + "sample:\n  n: \"${2}\"\n  params:\n" + rng, "sweep.yaml:3:6: sample.n: " + noExpr},
		{"sample seed", sweepOffline + "sample:\n  n: 2\n  seed: \"${5}\"\n  params:\n" + rng, "sweep.yaml:4:9: sample.seed: " + noExpr},
		{"epochs not a number", sweepOffline + "epochs: lots\n", `sweep.yaml:2:9: epochs: expected a number, got the string "lots"`},
		{"seeds item not a number", sweepOffline + "seeds: [1, x]\n", `sweep.yaml:2:12: seeds[1]: expected a number, got the string "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSweep("sweep.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("ParseSweep accepted the file (Epochs %d, Seeds %v, Sample %+v); want\n%s", s.Epochs, s.Seeds, s.Sample, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tt.want)
			}
		})
	}
}

// TestParseSweepSeveralProblems checks that every problem of a file is
// reported, sorted by position although they are found in another order
// (set before grid before sample).
func TestParseSweepSeveralProblems(t *testing.T) {
	src := sweepOffline + // 1
		"bogus: 1\n" + // 2: unknown field
		"sample:\n" + // 3
		"  n: 0\n" + // 4: n below 1
		"  params:\n" + // 5
		"    nope: {min: 0, max: 1}\n" + // 6: unknown param
		"grid:\n" + // 7
		"  offline_share: [0.1, 0.95]\n" + // 8: out of range
		"set:\n" + // 9
		"  offline_from: 99\n" + // 10: out of range
		"bls: bogus\n" // 11: not a mode
	want := []string{
		"sweep.yaml:2:1: bogus: unknown field (allowed: scenario, epochs, bls, seeds, replicates, set, grid, sample)",
		"sweep.yaml:4:6: sample.n: 0 is less than the minimum 1",
		`sweep.yaml:6:5: sample.params.nope: unknown param "nope"; scenario offline-20 has: offline_share, offline_from, validators, preset`,
		"sweep.yaml:8:24: grid.offline_share[1]: 0.95 is outside the range [0, 0.9] of param offline_share",
		"sweep.yaml:10:17: set.offline_from: 99 is outside the range [0, 23] of param offline_from",
		`sweep.yaml:11:6: bls: "bogus" is not one of full, aggregate, off`,
	}
	_, err := ParseSweep("sweep.yaml", []byte(src))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v (%T), want an ErrorList", err, err)
	}
	got := make([]string, len(list))
	for i, e := range list {
		got[i] = e.Error()
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if err.Error() != strings.Join(want, "\n") {
		t.Errorf("Error() = %q", err.Error())
	}
}

// TestParseSweepTooManyProblems checks that a file with more problems than
// maxReported reports the first ones in order and a count of the rest.
func TestParseSweepTooManyProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString(sweepOffline + "grid:\n")
	const bad = 25
	for i := 0; i < bad; i++ {
		b.WriteString("  nope" + strconv.Itoa(i) + ": [1]\n") // lines 3..27
	}
	_, err := ParseSweep("sweep.yaml", []byte(b.String()))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v", err)
	}
	if len(list) != maxReported+1 {
		t.Fatalf("%d problems reported, want %d and a note", len(list), maxReported)
	}
	for i, e := range list[:maxReported] {
		if e.Pos.Line != 3+i || e.Field != "grid.nope"+strconv.Itoa(i) {
			t.Errorf("problem %d = %v, want grid.nope%d on line %d", i, e, i, 3+i)
		}
	}
	if want := "too many problems; 5 more not shown"; !strings.HasSuffix(list[maxReported].Error(), want) {
		t.Errorf("last entry %q, want suffix %q", list[maxReported].Error(), want)
	}
}

// TestSweepRunsLimit checks the bound on points × seeds at and just past
// MaxSweepRuns, and the bounds on one grid axis and on the seeds list.
func TestSweepRunsLimit(t *testing.T) {
	if MaxSweepRuns != 1_000_000 {
		t.Fatalf("MaxSweepRuns = %d; the cases below assume 1,000,000", MaxSweepRuns)
	}
	const tooMany = "sweep.yaml:1:1: the sweep has more than 1000000 runs (points × seeds); split it into several sweep files"
	rangeShare := "    offline_share: {min: 0, max: 0.3}\n"
	tests := []struct {
		name   string
		src    string
		points int    // when accepted
		want   string // the error, "" if accepted
	}{
		{
			name:   "grid of exactly the limit",
			src:    "scenario: baseline\ngrid:\n  validators: " + intList(64, 1000) + "\n  max_delay_ms: " + intList(0, 1000) + "\n",
			points: 1_000_000,
		},
		{
			name: "grid one row past the limit",
			src:  "scenario: baseline\ngrid:\n  validators: " + intList(64, 1001) + "\n  max_delay_ms: " + intList(0, 1000) + "\n",
			want: tooMany,
		},
		{
			name: "grid product past the limit with the first axes already past it",
			src: "scenario: ex-ante-reorg\ngrid:\n  release_delay_ms: " + intList(0, 1901) + "\n  proposer_boost: " +
				intList(0, 101) + "\n  attack_start_epoch: " + intList(1, 20) + "\n",
			want: tooMany,
		},
		{
			name: "grid times replicates past the limit",
			src:  "scenario: baseline\nreplicates: 1001\ngrid:\n  max_delay_ms: " + intList(0, 1000) + "\n",
			want: tooMany,
		},
		{
			name: "grid times seeds list past the limit",
			src:  "scenario: baseline\nseeds: " + intList(1, 2) + "\ngrid:\n  validators: " + intList(64, 1000) + "\n  max_delay_ms: " + intList(0, 501) + "\n",
			want: tooMany,
		},
		{
			name:   "sample times replicates at the limit",
			src:    sweepOffline + "replicates: 1000\nsample:\n  n: 1000\n  params:\n" + rangeShare,
			points: 1000,
		},
		{
			name: "sample times replicates past the limit",
			src:  sweepOffline + "replicates: 1000\nsample:\n  n: 1001\n  params:\n" + rangeShare,
			want: tooMany,
		},
		{
			name:   "grid times sample at the limit",
			src:    sweepOffline + "grid:\n  offline_from: " + intList(0, 20) + "\nsample:\n  n: 50000\n  params:\n" + rangeShare,
			points: 1_000_000,
		},
		{
			name: "grid times sample times seeds past the limit",
			src:  sweepOffline + "seeds: [1, 2]\ngrid:\n  offline_from: " + intList(0, 20) + "\nsample:\n  n: 25001\n  params:\n" + rangeShare,
			want: tooMany,
		},
		{
			// 100,001 values no longer fit in a file: the token limit
			// (prescan.go) refuses it before the YAML parser runs.
			name: "one grid axis over its limit",
			src:  "scenario: baseline\ngrid:\n  validators: " + intList(64, 100_001) + "\n",
			want: "sweep.yaml:3:129080: more than 40000 YAML tokens (keys, values, punctuation and comments); the limit is 40000",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSweep("sweep.yaml", []byte(tt.src))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ParseSweep: %v", err)
				}
				if s.Points() != tt.points {
					t.Errorf("Points() = %d, want %d", s.Points(), tt.points)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseSweep accepted %d points × %d seeds; want %s", s.Points(), len(s.Seeds), tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tt.want)
			}
		})
	}
}

// TestSweepErrorListForExitCode checks that every rejection, including
// YAML syntax errors and a scenario that cannot be loaded, is an ErrorList
// (which the CLI maps to exit code 2) whose problems are positioned *Error
// values, and that errors.Is sees the sentinels through it.
func TestSweepErrorListForExitCode(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		sentinel error // nil: none to check
		field    string
	}{
		{"unknown field", sweepOffline + "nope: 1\n", nil, "nope"},
		{"syntax", "scenario: [\n", ErrSyntax, ""},
		{"unknown scenario", "scenario: nope\n", ErrNotFound, "scenario"},
		{"empty", "", nil, ""},
		{"runs limit", "scenario: baseline\nreplicates: 100000\ngrid:\n  max_delay_ms: " + intList(0, 11) + "\n", nil, ""},
		{"empty scenario name", "scenario: \"\"\n", nil, "scenario"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSweep("dir/sweep.yaml", []byte(tt.src))
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("errors.As(%v, *ErrorList) failed", err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("errors.As(%v, **Error) failed", err)
			}
			if e.Pos.File != "dir/sweep.yaml" || e.Pos.Line < 1 || e.Pos.Col < 1 || e.Field != tt.field {
				t.Errorf("first problem at %v field %q, want a position in dir/sweep.yaml and field %q", e.Pos, e.Field, tt.field)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.sentinel)
			}
			// Wrapped as the CLI does before mapping it.
			wrapped := errors.Join(errors.New("sweep"), err)
			if !errors.As(wrapped, &list) {
				t.Errorf("errors.As through a wrapper failed")
			}
		})
	}
}

func TestFormatSweepValue(t *testing.T) {
	tenth, fifth := 0.1, 0.2 // variables: constant arithmetic would be exact
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"}, {0.1, "0.1"}, {0.33, "0.33"}, {1e-7, "1e-07"}, {4, "4"}, {262144, "262144"},
		{1e21, "1e+21"}, {tenth + fifth, "0.30000000000000004"},
	}
	for _, tt := range tests {
		got := FormatSweepValue(tt.v)
		if got != tt.want {
			t.Errorf("FormatSweepValue(%v) = %q, want %q", tt.v, got, tt.want)
		}
		if back, err := strconv.ParseFloat(got, 64); err != nil || back != tt.v {
			t.Errorf("FormatSweepValue(%v) = %q does not parse back (%v, %v)", tt.v, got, back, err)
		}
	}
}

// TestParseSweepReportsAllWithoutScenario: problems that do not depend on
// the scenario are reported even when the scenario is missing or empty.
func TestParseSweepReportsAllWithoutScenario(t *testing.T) {
	for _, src := range []string{
		"bls: bogus\nseeds: [1, 1]\n",
		"scenario: \"\"\nbls: bogus\nseeds: [1, 1]\n",
	} {
		_, err := ParseSweep("sweep.yaml", []byte(src))
		var list ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("%q: %v", src, err)
		}
		text := err.Error()
		for _, want := range []string{"bls: \"bogus\" is not one of", "seeds[1]: seed 1 repeats seeds[0]"} {
			if !strings.Contains(text, want) {
				t.Errorf("%q: error does not report %q:\n%s", src, want, text)
			}
		}
		if !strings.Contains(text, "scenario: ") {
			t.Errorf("%q: no scenario problem:\n%s", src, text)
		}
	}
}

// TestSweepChoiceWords: a choice param (preset) is given in a sweep file by
// its words, or by index; an unknown word names the allowed ones.
func TestSweepChoiceWords(t *testing.T) {
	s := mustParseSweep(t, "scenario: offline-20\nseeds: [1]\ngrid:\n  preset: [minimal, mainnet]\nset:\n  validators: 64\n")
	if len(s.Grid) != 1 || !slices.Equal(s.Grid[0].Values, []float64{0, 1}) {
		t.Errorf("grid = %+v, want preset [0 1]", s.Grid)
	}
	s = mustParseSweep(t, "scenario: offline-20\nseeds: [1]\nset:\n  preset: mainnet\n")
	if len(s.Set) != 1 || s.Set[0].Value != 1 {
		t.Errorf("set = %+v, want preset 1", s.Set)
	}
	_, err := ParseSweep("sweep.yaml", []byte("scenario: offline-20\nseeds: [1]\ngrid:\n  preset: [gnosis]\n"))
	if err == nil || !strings.Contains(err.Error(), `sweep.yaml:4:12: grid.preset[0]: "gnosis" is not one of minimal, mainnet`) {
		t.Errorf("unknown word: %v", err)
	}
}
