package sim_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/internal/output"
)

// update rewrites the golden files: go test ./sim -run TestGolden -update.
// Review every diff before committing it; a changed golden file needs a
// reason in the commit message.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenCase is one built-in at a short length. bls overrides the
// scenario's mode ("" keeps it): the long attack runs use off so that the
// suite stays fast, the short ones keep their real signatures.
type goldenCase struct {
	name string
	// scenario is the built-in to run when it differs from name (a
	// variant's golden directory is name).
	scenario string
	epochs   uint64
	bls      string
	set      []string
}

var goldenCases = []goldenCase{
	{name: "baseline", epochs: 6, set: []string{"validators=128"}},
	{name: "offline-20", epochs: 8, bls: "aggregate"},
	{name: "attack-33", epochs: 24, bls: "off", set: []string{"attack_start_epoch=4"}},
	{name: "attack-34-both-sides", epochs: 36, bls: "off"},
	{name: "attack-67", epochs: 24, bls: "off"},
	{name: "balancing", epochs: 12},
	{name: "ex-ante-reorg", epochs: 12},
	{name: "late-block-reorg", epochs: 12, bls: "off"},
	{name: "partition-50-50", epochs: 24, bls: "off"},
	{name: "partition-leak", epochs: 40, set: []string{"partition_start=3"}},
	{name: "maxeb-consolidation", epochs: 30, bls: "off"},
	{name: "maxeb-exit-queue", epochs: 30, bls: "off"},
	{name: "maxeb-slashing", epochs: 30, bls: "off"},
	{name: "voluntary-exit", epochs: 18},
	{name: "bls-change-exit", epochs: 28, bls: "aggregate"},
	{name: "restaking-byzantine", epochs: 24},
	{name: "restaking-cascade", epochs: 16},
	{name: "restaking-profitable-attack", epochs: 10},
	{name: "lst-slashing", epochs: 80, bls: "off"},
	{name: "lst-leak", epochs: 70, bls: "off"},
	{name: "lrt-avs-slash", epochs: 42, bls: "off"},
	{name: "steth-2022", epochs: 40, bls: "off"},
	{name: "steth-2022-withdrawals", scenario: "steth-2022", epochs: 40, bls: "off", set: []string{"withdrawals=1"}},
	{name: "ezeth-2024", epochs: 40, bls: "off"},
	{name: "lst-slash-loops", epochs: 48, bls: "off"},
	{name: "lst-slash-loops-depeg", scenario: "lst-slash-loops", epochs: 48, bls: "off", set: []string{"mode=1"}},
}

// goldenFiles are compared byte for byte; avs.csv, lst.csv and
// withdrawals.csv only where a run has them.
var goldenFiles = []string{output.EpochsFile, output.EventsFile, output.SummaryFile, output.AVSFile,
	output.GroupsFile, output.BlocksFile, output.LSTFile, output.WithdrawalsFile, output.MarketFile, output.LendingFile}

// TestGolden runs built-ins at short lengths through the real output
// writer and compares epochs.csv, events.jsonl, summary.json (and avs.csv),
// groups.csv and blocks.csv with the files under testdata/golden, committed
// before the engine was refactored: a refactor that should not change
// behaviour must leave them byte-identical.
func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := runGolden(t, c)
			want := filepath.Join("testdata", "golden", c.name)
			if *update {
				writeGolden(t, want, got)
				return
			}
			for _, f := range goldenFiles {
				wantBytes, err := os.ReadFile(filepath.Join(want, f))
				_, produced := got[f]
				if os.IsNotExist(err) && !produced {
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v (run with -update to create it)", f, err)
				}
				if !produced {
					t.Fatalf("%s: the run wrote no %s but the golden file exists", c.name, f)
				}
				if !bytes.Equal(got[f], wantBytes) {
					t.Errorf("%s differs from %s:\n%s", f, filepath.Join(want, f), firstDiff(got[f], wantBytes))
				}
			}
		})
	}
}

func runGolden(t *testing.T, c goldenCase) map[string][]byte {
	t.Helper()
	name := c.name
	if c.scenario != "" {
		name = c.scenario
	}
	dir, _ := runScenario(t, name, c.epochs, c.bls, c.set...)
	got := map[string][]byte{}
	for _, f := range goldenFiles {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if f == output.SummaryFile {
			b = normaliseBuild(b)
		}
		got[f] = b
	}
	return got
}

// buildFields matches summary.json's fields that depend on the build, not
// on the run: they read "BUILD" in the golden files.
var buildFields = regexp.MustCompile(`(?m)^(  "(?:stakesim_version|commit|go_version)": )"[^"]*"`)

// normaliseBuild replaces the build-dependent fields of a summary.json.
func normaliseBuild(summary []byte) []byte {
	return buildFields.ReplaceAll(summary, []byte(`${1}"BUILD"`))
}

func writeGolden(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range goldenFiles {
		path := filepath.Join(dir, f)
		b, ok := files[f]
		if !ok {
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// firstDiff shows the first line where two outputs differ.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return "(lengths differ)"
}
