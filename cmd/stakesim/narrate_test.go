package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

func TestExplainBaseline(t *testing.T) {
	code, stdout, stderr := runCLI(t, "explain", "baseline")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	sc, err := scenarios.Load("baseline", nil)
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(stdout), " ")
	if !strings.HasPrefix(flat, "baseline: "+sc.Description) {
		t.Errorf("explain does not start with the name and description:\n%s", stdout)
	}
	for _, p := range sc.Params {
		// NAME DEFAULT [MIN, MAX] as a row of the params table; a choice
		// param by its words: NAME WORD A|B.
		rng := `\[` + regexp.QuoteMeta(num(p.Min)) + `, ` + regexp.QuoteMeta(num(p.Max)) + `\]`
		def := regexp.QuoteMeta(num(p.Default))
		if len(p.Values) > 0 {
			rng = regexp.QuoteMeta(strings.Join(p.Values, "|"))
			def = regexp.QuoteMeta(p.Values[int(p.Default)])
		}
		re := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(p.Name) + ` +` + def + ` +` + rng + ` +\S`)
		if !re.MatchString(stdout) {
			t.Errorf("no params row for %s:\n%s", p.Name, stdout)
		}
	}
	for _, want := range []string{
		"\n  stakesim run baseline --narrate\n",
		"\n  " + output.EpochsFile + ":\n",
		"finalized_epoch",
		"target_participation",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("explain baseline lacks %q:\n%s", want, stdout)
		}
	}
	if sc.Explain == "" && !strings.Contains(stdout, "no explain text") {
		t.Errorf("a scenario without explain text is not said to have none:\n%s", stdout)
	}
	for _, l := range strings.Split(stdout, "\n") {
		if strings.Contains(l, "\t") {
			t.Errorf("line holds a tab: %q", l)
		}
	}
}

// TestExplainText checks a scenario file's explain text: prose paragraphs
// are reflowed, lists keep their lines, and --set values show.
func TestExplainText(t *testing.T) {
	base, _ := scenarios.BuiltinYAML("baseline")
	yaml := string(base) + `explain: |
  This is a long first paragraph that goes on and on so that it must be
  wrapped again by explain, since the file's line breaks are not kept.

  Watch:
  - finalized_epoch in epochs.csv
  - the leak_started event
`
	path := filepath.Join(t.TempDir(), "lesson.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "explain", path, "--set", "validators=64")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"  This is a long first paragraph that goes on and on so that it must be wrapped\n  again by explain,",
		"\n  Watch:\n  - finalized_epoch in epochs.csv\n  - the leak_started event\n",
		"  stakesim run " + path + " --set validators=64 --narrate\n",
		"NAME          DEFAULT  VALUE    RANGE",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("explain lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "stakesim show") {
		t.Errorf("explain of a file suggests show, which takes built-ins only:\n%s", stdout)
	}
}

func TestExplainBadInput(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: broken\nno_such_field: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown scenario", []string{"explain", "nosuch"}, "nosuch"},
		{"bad file", []string{"explain", bad}, bad + ":"},
		{"no scenario", []string{"explain"}, "SCENARIO"},
		{"two scenarios", []string{"explain", "baseline", "offline-20"}, "SCENARIO"},
		{"unknown param", []string{"explain", "baseline", "--set", "nope=1"}, "nope"},
		{"set without value", []string{"explain", "baseline", "--set", "validators"}, "validators"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != exitBadInput {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitBadInput, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.HasPrefix(stderr, "stakesim: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want a stakesim: message mentioning %q", stderr, tt.want)
			}
			checkNoTrace(t, stderr)
		})
	}
}

// TestExplainNamesExist checks that every column, event kind and summary
// field explain may point at exists in the outputs, and that every built-in
// explains.
func TestExplainNamesExist(t *testing.T) {
	var tags []string
	st := reflect.TypeOf(sim.Summary{})
	for i := range st.NumField() {
		tags = append(tags, strings.Split(st.Field(i).Tag.Get("json"), ",")[0])
	}
	for _, f := range summaryFields {
		if !slices.Contains(tags, f) {
			t.Errorf("summary field %q is not a JSON field of sim.Summary", f)
		}
	}
	for _, b := range scenarios.Builtins() {
		sc, err := scenarios.Load(b.Name, nil)
		if err != nil {
			t.Fatal(err)
		}
		cols, events, fields := watchList(sc)
		for _, c := range cols {
			if !slices.Contains(output.Columns(), c) {
				t.Errorf("%s: column %q is not in epochs.csv", b.Name, c)
			}
		}
		if len(events) == 0 || len(fields) == 0 {
			t.Errorf("%s: nothing to watch in events or summary", b.Name)
		}
		code, stdout, stderr := runCLI(t, "explain", b.Name)
		if code != 0 || !strings.HasPrefix(stdout, b.Name+": ") {
			t.Errorf("explain %s: exit %d, stderr %s", b.Name, code, stderr)
		}
	}
}

func TestWatchListFollowsScenario(t *testing.T) {
	honest, err := scenarios.Load("baseline", nil)
	if err != nil {
		t.Fatal(err)
	}
	cols, _, _ := watchList(honest)
	if slices.Contains(cols, "attacker_stake_share") || slices.Contains(cols, "branch") {
		t.Errorf("baseline has no attackers or partitions, yet explain points at %v", cols)
	}
	part, err := scenarios.Load("partition-50-50", nil)
	if err != nil {
		t.Fatal(err)
	}
	cols, events, _ := watchList(part)
	if !slices.Contains(cols, "branch") || !slices.Contains(events, sim.EventPartitionStarted) {
		t.Errorf("partition-50-50: explain points at %v and %v, not at branches and partitions", cols, events)
	}
	attack := &scenarios.Scenario{Groups: []scenarios.Group{
		{Name: "evil", Coalition: "evil", Behaviours: []scenarios.Behaviour{{Kind: "double-vote"}}},
	}}
	cols, events, fields := watchList(attack)
	for _, want := range []string{"attacker_stake_share", "slashable_stake_gwei"} {
		if !slices.Contains(cols, want) {
			t.Errorf("double-voting coalition: columns %v lack %s", cols, want)
		}
	}
	if !slices.Contains(events, sim.EventSlashingDetected) || !slices.Contains(fields, "attacker_slashed_gwei") {
		t.Errorf("double-voting coalition: events %v, fields %v", events, fields)
	}
}

func TestFormatProse(t *testing.T) {
	got := formatProse("one two three four\nfive\n\n1. keep\n2. these\n\n  code  line", 12, "  ")
	want := "  one two\n  three four\n  five\n\n  1. keep\n  2. these\n\n    code  line\n"
	if got != want {
		t.Errorf("formatProse =\n%q\nwant\n%q", got, want)
	}
}

func TestShellQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"baseline", "baseline"},
		{"dir/my-file.yaml", "dir/my-file.yaml"},
		{"validators=64", "validators=64"},
		{"my file.yaml", "'my file.yaml'"},
		{"it's.yaml", `'it'\''s.yaml'`},
		{"", "''"},
	}
	for _, tt := range tests {
		if got := shellQuote(tt.in); got != tt.want {
			t.Errorf("shellQuote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRunNarrate runs baseline with --narrate: the story is on stdout before
// the summary, the first finality is told, there is no progress on stderr,
// and the story is the same on a second run.
func TestRunNarrate(t *testing.T) {
	story := func(dir string) string {
		t.Helper()
		code, stdout, stderr := runCLI(t, "run", "baseline", "--narrate", "--epochs", "6", "--bls", "off",
			"--set", "validators=64", "--out", filepath.Join(dir, "run"))
		if code != 0 {
			t.Fatalf("exit code %d; stderr:\n%s", code, stderr)
		}
		if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "stakesim run baseline seed=") ||
			!strings.HasPrefix(lines[1], "estimate: ") {
			t.Errorf("stderr holds more than the header (progress is off with --narrate):\n%s", stderr)
		}
		i := strings.Index(stdout, "\nbaseline seed=")
		if i < 0 {
			t.Fatalf("no run summary after the story:\n%s", stdout)
		}
		return stdout[:i]
	}
	first := story(t.TempDir())
	if !regexp.MustCompile(`(?m)^epoch \d+: the chain finalizes for the first time: the checkpoint of epoch \d+ is final\.$`).MatchString(first) {
		t.Errorf("no first-finality line:\n%s", first)
	}
	if !strings.Contains(first, "\nIn 6 epochs: ") {
		t.Errorf("no closing paragraph:\n%s", first)
	}
	story1, _, _ := strings.Cut(first, "\nIn 6 epochs")
	for _, l := range strings.Split(strings.TrimSpace(story1), "\n") {
		if !strings.HasPrefix(l, "epoch ") {
			t.Errorf("story line %q does not start with an epoch", l)
		}
	}
	if second := story(t.TempDir()); second != first {
		t.Errorf("two runs told different stories:\n%s\n---\n%s", first, second)
	}
}

// TestRunNarrateFiguresAgree runs partition-50-50 with --narrate: the
// stall's first epoch, end and length are summary.json's in the story line
// that tells it, in the closing paragraph and in the printed summary.
func TestRunNarrateFiguresAgree(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := runCLI(t, "run", "partition-50-50", "--narrate", "--bls", "off", "--out", dir)
	if code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, output.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var s sim.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	st, ok := s.FinalityStall()
	if !ok || !st.Resumed || st.Epochs <= 2 {
		t.Fatalf("summary.json: no lasting stall that resumed (%+v, %v)", st, ok)
	}
	story, rest, _ := strings.Cut(stdout, "\n\n")
	closing, printed, _ := strings.Cut(rest, "\n\n")
	closing = strings.Join(strings.Fields(closing), " ")
	stall := fmt.Sprintf("finality stalled at epoch %d and resumed at epoch %d, after %d epochs without finality", st.Since, st.Until, st.Epochs)
	for _, w := range []struct{ where, text, want string }{
		{"story", story, fmt.Sprintf("\nepoch %d: finality stalls: ", st.Since)},
		{"story", story, fmt.Sprintf("\nepoch %d: finality resumes, ending a stall of %d epochs that began at epoch %d: ", st.Until, st.Epochs, st.Since)},
		{"closing paragraph", closing, stall + ";"},
		{"printed summary", printed, "\n  " + stall + "\n"},
	} {
		if !strings.Contains(w.text, w.want) {
			t.Errorf("%s lacks %q:\n%s", w.where, w.want, w.text)
		}
	}
	if strings.Contains(printed, "signatures in") {
		t.Errorf("bls off, yet the printed summary counts signatures:\n%s", printed)
	}
}
