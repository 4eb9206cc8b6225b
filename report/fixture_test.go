package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/sim"
)

// synth describes a synthetic run written by genRun: views a, b, c agree
// until split, then follow their own branches; finality resumes on a at
// resumeA and on b at resumeB, never on c.
type synth struct {
	epochs, split, resumeA, resumeB uint64
	spikeEpoch                      uint64 // participation of view a drops to 0.01 here
	views                           []string
	groups                          int
}

var bigRun = synth{epochs: 5000, split: 100, resumeA: 2000, resumeB: 3500, spikeEpoch: 1234, views: []string{"a", "b", "c"}, groups: 3}

// synthFinalized is the finalized epoch of view v at epoch e.
func (s synth) finalized(v string, e uint64) uint64 {
	resume, ok := map[string]uint64{"a": s.resumeA, "b": s.resumeB}[v]
	if !ok {
		resume = math.MaxUint64
	}
	switch {
	case e < 3:
		return 0
	case e < s.split+1 || e >= resume:
		return e - 1
	}
	return s.split - 1
}

// participation of view v at epoch e: a third of the stake during the
// split, climbing to 2/3 by the resume, with a spike.
func (s synth) participation(v string, e uint64) float64 {
	if v == "a" && e == s.spikeEpoch {
		return 0.01
	}
	if e < s.split || s.finalized(v, e) == e-1 {
		return 1
	}
	return 0.34 + 0.3*float64(e-s.split)/float64(s.epochs) + 0.01*float64(e%7)
}

// labels returns the branch labels of epoch e.
func (s synth) labels(e uint64) []string {
	if e < s.split {
		return []string{strings.Join(s.views, "+")}
	}
	return s.views
}

// genRun writes a synthetic run directory: epochs.csv with every column
// of the real writer, groups.csv and blocks.csv in the format of the run
// outputs being added, events.jsonl and summary.json (no timing.json).
func genRun(t testing.TB, dir string, s synth) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, epochsFile), func(w *bufio.Writer) { genEpochs(w, s) })
	writeFile(t, filepath.Join(dir, groupsFile), func(w *bufio.Writer) { genGroups(w, s) })
	writeFile(t, filepath.Join(dir, blocksFile), func(w *bufio.Writer) { genBlocks(w, s) })
	writeFile(t, filepath.Join(dir, eventsFile), func(w *bufio.Writer) { genEvents(w, s) })
	stall, resumed := s.split+1, s.resumeA
	sum := sim.Summary{Scenario: "synthetic", Description: "three views split at epoch 100", Seed: 1,
		Epochs: s.epochs, CompletedEpochs: s.epochs, SummaryBranch: "a", Validators: 300, BLSMode: "off",
		FinalityStalledAtEpoch: &stall, FinalityResumedEpoch: &resumed,
	}
	b, err := json.MarshalIndent(&sum, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, summaryFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, path string, fill func(*bufio.Writer)) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fill(w)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func genEpochs(w *bufio.Writer, s synth) {
	cols := output.Columns()
	fmt.Fprintln(w, strings.Join(cols, ","))
	for e := range s.epochs {
		for _, l := range s.labels(e) {
			v := splitLabel(l)[0]
			vals := map[string]string{
				"epoch": fmt.Sprint(e), "branch": l,
				"justified_epoch":           fmt.Sprint(min(s.finalized(v, e)+1, e)),
				"finalized_epoch":           fmt.Sprint(s.finalized(v, e)),
				"target_participation":      fmt.Sprintf("%.6f", s.participation(v, e)),
				"total_active_balance_gwei": "9600000000000",
				"attacker_stake_share":      fmt.Sprintf("%.6f", 0.1+0.05*float64(e%3)),
				"signatures":                fmt.Sprint(300 - e%50), "aggregates_verified": fmt.Sprint(40 + e%9),
			}
			row := make([]string, len(cols))
			for i, c := range cols {
				if row[i] = vals[c]; row[i] == "" {
					row[i] = "0"
				}
			}
			fmt.Fprintln(w, strings.Join(row, ","))
		}
	}
}

func genGroups(w *bufio.Writer, s synth) {
	fmt.Fprintln(w, strings.Join(output.GroupColumns(), ","))
	for e := range s.epochs {
		for _, l := range s.labels(e) {
			for gi := range s.groups {
				g := fmt.Sprintf("g%d", gi)
				bal := 32e9 - float64(e*uint64(gi+1))*1e5
				fmt.Fprintf(w, "%d,%s,%s,100,100,0,0,%.0f,%.0f,%.0f,32000000000,%d.%06d\n",
					e, l, g, bal, bal-2e8, bal+1e8, (e*uint64(gi))%400, e%1000)
			}
		}
	}
}

// genBlocks writes 8 slots per epoch: one chain before the split, one
// per view after it, and an orphan every 500 slots; in batches of 800
// slots, each sorted by slot.
func genBlocks(w *bufio.Writer, s synth) {
	fmt.Fprintln(w, strings.Join(output.BlockColumns(), ","))
	root := func(v string, slot uint64) string { return fmt.Sprintf("%s%015x", v, slot) }
	parent := func(v string, slot uint64) string {
		if slot == 0 {
			return "0000000000000000"
		} else if slot <= s.split*8 {
			return root("0", slot-1)
		}
		return root(v, slot-1)
	}
	for slot := range s.epochs * 8 {
		if slot < s.split*8 {
			fmt.Fprintf(w, "%d,%s,%s,1,4,%s\n", slot, root("0", slot), parent("0", slot), strings.Join(s.views, "+"))
		} else {
			for _, v := range s.views {
				fmt.Fprintf(w, "%d,%s,%s,1,4,%s\n", slot, root(v, slot), parent(v, slot), v)
			}
		}
		if slot%500 == 250 {
			fmt.Fprintf(w, "%d,%s,%s,2,1,\n", slot, root("f", slot), parent("0", slot))
		}
	}
}

func genEvents(w *bufio.Writer, s synth) {
	ev := func(e uint64, kind, branch, details string) {
		fmt.Fprintf(w, `{"epoch":%d,"slot":%d,"kind":"%s","branch":"%s","details":%s}`+"\n", e, e*8, kind, branch, details)
	}
	for e := range s.epochs {
		if e == s.split {
			ev(e, "partition_started", strings.Join(s.views, "+"), `{"partition":"split"}`)
		}
		if e == s.split+4 {
			for _, v := range s.views {
				ev(e, "leak_started", v, `{"finalized_epoch":99}`)
			}
		}
		if e == s.resumeA || e == s.resumeB {
			ev(e, "leak_ended", map[uint64]string{s.resumeA: "a", s.resumeB: "b"}[e], `{"finalized_epoch":1}`)
		}
		if e%20 == 7 {
			ev(e, "byzantine_share_crossed", "a", `{"direction":"up","share":0.34,"threshold":"1/3"}`)
		}
		if e%13 == 5 {
			ev(e, "slashed", "a", fmt.Sprintf(`{"group":"g0","validator":%d}`, e%300))
		}
		for _, l := range s.labels(e) {
			ev(e, "justified", l, fmt.Sprintf(`{"checkpoint_epoch":%d,"root":"%016x"}`, e, e))
		}
	}
	ev(2500, "conflicting_finalization", "", `{"branch_a":"a","branch_b":"b","cause":"inactivity_leak","checkpoint_a":"2499:01","checkpoint_b":"2499:02","slashable_fraction":0,"slashable_gwei":0}`)
}
