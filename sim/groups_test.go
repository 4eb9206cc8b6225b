package sim_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stakesim/stakesim/internal/output"
)

// readTable reads a CSV file of a run directory into rows keyed by its
// header, which must be header.
func readTable(t *testing.T, dir, file string, header []string) []row {
	t.Helper()
	recs := readCSVFile(t, filepath.Join(dir, file))
	if len(recs) == 0 || !slices.Equal(recs[0], header) {
		t.Fatalf("%s: header %v, want %v", file, recs[:min(1, len(recs))], header)
	}
	out := make([]row, 0, len(recs)-1)
	for _, r := range recs[1:] {
		m := row{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// TestGroupsAgreeWithEpochs: offline-20 (its default 20% of 1,024 offline
// from epoch 4, BLS off, 12 epochs). groups.csv has one row per
// epochs.csv row and group, in epochs.csv's order then scenario order; the
// groups' counts add up to the row's (active, slashed, exited), their
// balance sums (mean × validators, up to the floor) to its total balance;
// and once offline the offline group's mean balance falls every epoch
// while the online group's rises.
func TestGroupsAgreeWithEpochs(t *testing.T) {
	const epochs, offlineFrom = 12, 4
	dir, _ := runScenario(t, "offline-20", epochs, "off")
	eps := readRows(t, dir)
	groups := readTable(t, dir, output.GroupsFile, output.GroupColumns())
	names := []string{"online", "offline"} // scenario order
	if len(groups) != len(names)*len(eps) {
		t.Fatalf("%d group rows for %d epoch rows and %d groups", len(groups), len(eps), len(names))
	}
	mean := map[string][]uint64{}
	for i, er := range eps {
		var active, slashed, exited, validators, lo, hi uint64
		for k, name := range names {
			g := groups[i*len(names)+k]
			if g["epoch"] != er["epoch"] || g["branch"] != er["branch"] || g["group"] != name {
				t.Fatalf("group row %d is (%s, %s, %s), want (%s, %s, %s)", i*len(names)+k,
					g["epoch"], g["branch"], g["group"], er["epoch"], er["branch"], name)
			}
			n, m := g.u(t, "validators"), g.u(t, "balance_mean_gwei")
			if n == 0 {
				t.Fatalf("epoch %s group %s: no validators", g["epoch"], name)
			}
			if mn, mx := g.u(t, "balance_min_gwei"), g.u(t, "balance_max_gwei"); mn > m || m > mx {
				t.Errorf("epoch %s group %s: min %d, mean %d, max %d out of order", g["epoch"], name, mn, m, mx)
			}
			active += g.u(t, "active")
			slashed += g.u(t, "slashed")
			exited += g.u(t, "exited")
			validators += n
			// mean = floor(sum / n): sum is in [mean·n, mean·n + n - 1].
			lo += m * n
			hi += m*n + n - 1
			mean[name] = append(mean[name], m)
		}
		if active != er.u(t, "active_validators") || slashed != er.u(t, "slashed_validators") || exited != er.u(t, "exited_validators") {
			t.Errorf("epoch %s: groups count %d active, %d slashed, %d exited; epochs.csv %s, %s, %s", er["epoch"],
				active, slashed, exited, er["active_validators"], er["slashed_validators"], er["exited_validators"])
		}
		if validators != 1024 {
			t.Errorf("epoch %s: %d validators in the groups, want 1024", er["epoch"], validators)
		}
		if total := er.u(t, "total_balance_gwei"); total < lo || total > hi {
			t.Errorf("epoch %s: total balance %d outside the groups' [%d, %d]", er["epoch"], total, lo, hi)
		}
	}
	for e := offlineFrom + 1; e < epochs; e++ {
		if on := mean["online"]; on[e] <= on[e-1] {
			t.Errorf("epoch %d: online mean balance %d did not rise from %d", e, on[e], on[e-1])
		}
		if off := mean["offline"]; off[e] >= off[e-1] {
			t.Errorf("epoch %d: offline mean balance %d did not fall from %d", e, off[e], off[e-1])
		}
	}
}

// TestGroupsInactivityScores: attack-33 from epoch 4 (BLS off, 30 epochs)
// stalls finality and the leak starts. The spec's process_inactivity_updates
// adds INACTIVITY_SCORE_BIAS = 4 to the score of every validator without a
// timely target vote and, outside a leak, takes off up to
// INACTIVITY_SCORE_RECOVERY_RATE = 16: so the silent coalition's mean
// score is 0 until the leak and then grows by exactly 4.000000 an epoch,
// and the honest group's, which always votes, stays 0. The rows' balance
// columns agree with epochs.csv's honest and attacker balances.
func TestGroupsInactivityScores(t *testing.T) {
	dir, _ := runScenario(t, "attack-33", 30, "off", "attack_start_epoch=4")
	eps := readRows(t, dir)
	groups := readTable(t, dir, output.GroupsFile, output.GroupColumns())
	if len(groups) != 2*len(eps) {
		t.Fatalf("%d group rows for %d epoch rows", len(groups), len(eps))
	}
	leakEpochs := 0
	prev := "0.000000"
	for i, er := range eps {
		honest, attackers := groups[2*i], groups[2*i+1]
		if honest["group"] != "honest" || attackers["group"] != "attackers" || honest["epoch"] != er["epoch"] || attackers["epoch"] != er["epoch"] {
			t.Fatalf("rows %d, %d: %v, %v", 2*i, 2*i+1, honest, attackers)
		}
		if got := honest["inactivity_score_mean"]; got != "0.000000" {
			t.Errorf("epoch %s: honest inactivity_score_mean %s, want 0.000000", er["epoch"], got)
		}
		want := "0.000000"
		if er["in_inactivity_leak"] == "1" {
			leakEpochs++
			var p uint64
			if _, err := fmt.Sscanf(prev, "%d.000000", &p); err != nil {
				t.Fatalf("epoch %s: previous score %q is not whole", er["epoch"], prev)
			}
			want = fmt.Sprintf("%d.000000", p+4)
		}
		got := attackers["inactivity_score_mean"]
		if got != want {
			t.Errorf("epoch %s (leak %s): attackers inactivity_score_mean %s, want %s", er["epoch"], er["in_inactivity_leak"], got, want)
		}
		prev = got
		for _, c := range []struct {
			g      row
			column string
		}{{honest, "honest_balance_gwei"}, {attackers, "attacker_balance_gwei"}} {
			n, m := c.g.u(t, "validators"), c.g.u(t, "balance_mean_gwei")
			if sum := er.u(t, c.column); sum/n != m {
				t.Errorf("epoch %s: %s mean balance %d, epochs.csv's %s / %d = %d", er["epoch"], c.g["group"], m, c.column, n, sum/n)
			}
		}
	}
	if leakEpochs < 15 {
		t.Fatalf("only %d epochs in the leak: the scenario should stall from epoch 4", leakEpochs)
	}
	if last := groups[len(groups)-1]["inactivity_score_mean"]; last != fmt.Sprintf("%d.000000", 4*leakEpochs) {
		t.Errorf("attackers' last score %s after %d leak epochs", last, leakEpochs)
	}
}
