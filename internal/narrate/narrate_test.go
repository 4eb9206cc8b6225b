package narrate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// feed sends rows and events to n in the engine's order: for each epoch e,
// the events of e, then the rows of e-1 (rows are final one epoch late).
func feed(t *testing.T, n *Narrator, rows []sim.EpochRow, events []sim.Event) {
	t.Helper()
	last := uint64(0)
	for _, r := range rows {
		last = max(last, r.Epoch)
	}
	for _, ev := range events {
		last = max(last, ev.Epoch)
	}
	for e := uint64(0); e <= last+1; e++ {
		for _, ev := range events {
			if ev.Epoch == e {
				if err := n.Event(ev); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, r := range rows {
			if e > 0 && r.Epoch == e-1 {
				if err := n.Epoch(r); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// lines splits output into lines, dropping the final newline.
func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func checkLines(t *testing.T, got string, want []string) {
	t.Helper()
	g := lines(got)
	if !reflect.DeepEqual(g, want) {
		t.Errorf("got %d lines:\n%s\nwant %d lines:\n%s", len(g), strings.Join(g, "\n"), len(want), strings.Join(want, "\n"))
	}
}

// honestRow is a healthy chain: epoch 2 justified at epoch 2, then each
// epoch justified at once and the one before finalized.
func honestRow(e uint64, branch string) sim.EpochRow {
	r := sim.EpochRow{Epoch: e, Branch: branch, TargetParticipationPPM: 1_000_000, ActiveValidators: 1024}
	if e >= 2 {
		r.JustifiedEpoch = e
	}
	if e >= 3 {
		r.FinalizedEpoch = e - 1
	}
	return r
}

func justifiedAndFinalized(rows []sim.EpochRow) []sim.Event {
	var evs []sim.Event
	for _, r := range rows {
		if r.JustifiedEpoch == r.Epoch && r.Epoch > 0 {
			evs = append(evs, sim.Event{Epoch: r.Epoch, Kind: sim.EventJustified, Branch: r.Branch, Details: sim.JustifiedDetails{CheckpointEpoch: r.Epoch}})
		}
		if r.FinalizedEpoch > 0 {
			evs = append(evs, sim.Event{Epoch: r.Epoch, Kind: sim.EventFinalized, Branch: r.Branch, Details: sim.FinalizedDetails{CheckpointEpoch: r.FinalizedEpoch}})
		}
	}
	return evs
}

func attackScenario() *scenarios.Scenario {
	return &scenarios.Scenario{Groups: []scenarios.Group{{Name: "honest", Count: 676}, {Name: "evil", Count: 348, Coalition: "evil"}}}
}

// TestSteadyStateIsQuiet: a healthy chain is news once, when it first
// finalizes; the justified and finalized events of every epoch are not.
func TestSteadyStateIsQuiet(t *testing.T) {
	var rows []sim.EpochRow
	for e := uint64(0); e < 40; e++ {
		rows = append(rows, honestRow(e, "main"))
	}
	var out bytes.Buffer
	n := New(&out, nil, &scenarios.Scenario{Groups: []scenarios.Group{{Name: "honest", Count: 1024}}})
	feed(t, n, rows, justifiedAndFinalized(rows))
	if err := n.Flush(); err != nil {
		t.Fatal(err)
	}
	checkLines(t, out.String(), []string{
		"epoch 3: the chain finalizes for the first time: the checkpoint of epoch 2 is final.",
	})
}

// TestLivenessAttackStory follows a coalition of 34% that stops voting at
// epoch 10 until the inactivity leak has drained it below a third (the
// shape of the attack-33 scenario).
func TestLivenessAttackStory(t *testing.T) {
	var rows []sim.EpochRow
	for e := uint64(0); e <= 350; e++ {
		r := honestRow(e, "main")
		r.AttackerStakeSharePPM = 340_000
		switch {
		case e >= 10 && e < 346:
			r.FinalizedEpoch = 8
			r.JustifiedEpoch = 9
			r.TargetParticipationPPM = 660_000
			r.InInactivityLeak = e >= 13
		case e >= 346:
			// 343 at 346, then one a step: lagging, but not stalled.
			r.FinalizedEpoch = e - 3
		}
		if e >= 343 {
			r.AttackerStakeSharePPM = 333_000
			r.TargetParticipationPPM = 667_000
		}
		rows = append(rows, r)
	}
	events := []sim.Event{
		{Epoch: 13, Kind: sim.EventLeakStarted, Branch: "main", Details: sim.LeakStartedDetails{FinalizedEpoch: 8}},
		{Epoch: 346, Kind: sim.EventLeakEnded, Branch: "main", Details: sim.LeakEndedDetails{FinalizedEpoch: 343}},
	}
	var out bytes.Buffer
	n := New(&out, nil, attackScenario())
	feed(t, n, rows, events)
	if err := n.Flush(); err != nil {
		t.Fatal(err)
	}
	checkLines(t, out.String(), []string{
		"epoch 0: attackers (coalition evil) hold 34.0% of active stake.",
		"epoch 3: the chain finalizes for the first time: the checkpoint of epoch 2 is final.",
		// 8 + 1 < 10 after rows finalizing on time, and still 8 at 11
		// and 12: the stall begins at 10 (the summary's
		// finality_stalled_at_epoch), and its line says why; the
		// participation line of the same epoch would say it twice.
		"epoch 10: finality stalls: the last finalized checkpoint stays epoch 8; only 66.0% of active stake voted for the target, and justifying a checkpoint needs two thirds.",
		// Finality delay 13 - 8 = 5 > MIN_EPOCHS_TO_INACTIVITY_PENALTY (4).
		"epoch 13: the inactivity leak begins, draining the stake of validators that do not vote (the last finalized checkpoint is epoch 8). Attackers hold 34.0% of active stake.",
		"epoch 343: attackers' share of active stake falls to 33.3%, below one third: honest validators can finalize without them.",
		"epoch 343: target participation rose to 66.7% of active stake (from 66.0%), enough again to justify checkpoints.",
		// Resumed at 346 (finalized 343 > 8): 346 - 10 = 336 epochs, the
		// summary's stall length; no other length is told.
		"epoch 346: finality resumes, ending a stall of 336 epochs that began at epoch 10: the checkpoint of epoch 343 is final; attackers now hold 33.3% of active stake.",
		"epoch 346: the inactivity leak ends (finalized epoch 343); it began at epoch 13.",
	})
}

// TestLinesWaitForTheirRows: an epoch is told once the rows of the two
// epochs after it are complete (a row of the third arrives), so that its
// events and rows are told together, in order, and only changes that last
// are told.
func TestLinesWaitForTheirRows(t *testing.T) {
	var out bytes.Buffer
	n := New(&out, nil, nil)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for e := uint64(0); e <= 5; e++ {
		must(n.Epoch(honestRow(e, "main")))
	}
	// The engine's order: events of epoch 7 before the rows of epoch 6.
	must(n.Event(sim.Event{Epoch: 7, Kind: sim.EventReorg, Details: sim.ReorgDetails{View: "main", Depth: 2}}))
	if out.Len() != 0 {
		t.Fatalf("epoch 3 told before the rows of epoch 6 arrived: %q", out.String())
	}
	must(n.Event(sim.Event{Epoch: 4, Kind: sim.EventReorg, Details: sim.ReorgDetails{View: "main", Depth: 1}})) // late, but not yet told
	must(n.Epoch(honestRow(6, "main")))
	checkLines(t, out.String(), []string{"epoch 3: the chain finalizes for the first time: the checkpoint of epoch 2 is final."})
	must(n.Epoch(honestRow(7, "main")))
	checkLines(t, out.String(), []string{
		"epoch 3: the chain finalizes for the first time: the checkpoint of epoch 2 is final.",
		"epoch 4: reorg of depth 1 on view main.",
	})
	must(n.Flush())
	checkLines(t, out.String(), []string{
		"epoch 3: the chain finalizes for the first time: the checkpoint of epoch 2 is final.",
		"epoch 4: reorg of depth 1 on view main.",
		// 7 - 4 <= reorgGapEpochs: the same episode, counted at the end.
		"epoch 7: 1 more reorg on view main since epoch 5, of depth 2.",
	})
}

// TestReorgEpisodes: a run of reorgs is told at its start, then counted
// every 10 epochs and when it stops.
func TestReorgEpisodes(t *testing.T) {
	var rows []sim.EpochRow
	for e := uint64(0); e <= 40; e++ {
		rows = append(rows, honestRow(e, "main"))
	}
	var events []sim.Event
	for e := uint64(6); e <= 30; e++ {
		if e == 20 {
			continue // a gap of one epoch does not end the episode
		}
		events = append(events, sim.Event{Epoch: e, Kind: sim.EventReorg, Details: sim.ReorgDetails{View: "main", Depth: e % 5}})
		if e == 12 {
			events = append(events, sim.Event{Epoch: e, Kind: sim.EventReorg, Details: sim.ReorgDetails{View: "b", Depth: 7}})
		}
	}
	var out bytes.Buffer
	n := New(&out, nil, nil)
	feed(t, n, rows, events)
	if err := n.Flush(); err != nil {
		t.Fatal(err)
	}
	checkLines(t, out.String(), []string{
		"epoch 3: the chain finalizes for the first time: the checkpoint of epoch 2 is final.",
		"epoch 6: reorg of depth 1 on view main.",
		// Epochs 7..16: 10 reorgs on main, one on b.
		"epoch 16: 11 more reorgs on views b and main since epoch 7, the deepest of depth 7.",
		// Epochs 17..26 but 20: 9 reorgs, depths 2, 3, 4, 1, 2, 3, 4, 0, 1.
		"epoch 26: 9 more reorgs on view main since epoch 17, the deepest of depth 4.",
		// The last reorg is at 30; 34 is the first epoch more than 3 after it.
		"epoch 34: the reorgs stop: 4 more reorgs on view main since epoch 27, the deepest of depth 4.",
	})
}

// TestBlipsAreNotNews: views that disagree for one epoch, and a one-epoch
// dip in participation, are not told; a split that lasts is.
func TestBlipsAreNotNews(t *testing.T) {
	var rows []sim.EpochRow
	for e := uint64(0); e < 30; e++ {
		switch {
		case e == 6 || e == 7 || e >= 20:
			for _, br := range []string{"attackers", "main"} {
				r := honestRow(e, br)
				r.TargetParticipationPPM = 970_000
				rows = append(rows, r)
			}
		case e == 10:
			r := honestRow(e, "main+attackers")
			r.TargetParticipationPPM = 500_000
			rows = append(rows, r)
		default:
			rows = append(rows, honestRow(e, "main+attackers"))
		}
	}
	var out bytes.Buffer
	n := New(&out, nil, nil)
	feed(t, n, rows, justifiedAndFinalized(rows))
	if err := n.Flush(); err != nil {
		t.Fatal(err)
	}
	checkLines(t, out.String(), []string{
		"epoch 3: the chain finalizes for the first time: the checkpoint of epoch 2 is final.",
		"epoch 20: the views no longer agree on a head: the chain has split into 2 branches, attackers and main.",
	})
}

// TestPartitionStory: lines that hold on both branches are told once, lines
// that differ name their branch, and a merged branch continues the story.
func TestPartitionStory(t *testing.T) {
	var rows []sim.EpochRow
	for e := uint64(0); e <= 14; e++ {
		switch {
		case e < 4:
			rows = append(rows, honestRow(e, "a+b"))
		case e < 12:
			for _, br := range []string{"a", "b"} {
				r := sim.EpochRow{Epoch: e, Branch: br, JustifiedEpoch: 3, FinalizedEpoch: 2, TargetParticipationPPM: 500_000}
				if e == 11 && br == "a" {
					r.TargetParticipationPPM = 438_000
				}
				rows = append(rows, r)
			}
		case e == 12:
			rows = append(rows, sim.EpochRow{Epoch: e, Branch: "a+b", JustifiedEpoch: 12, FinalizedEpoch: 2, TargetParticipationPPM: 953_000})
		default:
			rows = append(rows, sim.EpochRow{Epoch: e, Branch: "a+b", JustifiedEpoch: e, FinalizedEpoch: e - 1, TargetParticipationPPM: 990_000})
		}
	}
	events := []sim.Event{
		{Epoch: 4, Kind: sim.EventPartitionStarted, Details: sim.PartitionStartedDetails{Partition: "split", Groups: []string{"a", "b"}}},
		{Epoch: 12, Kind: sim.EventPartitionHealed, Details: sim.PartitionHealedDetails{Partition: "split"}},
		{Epoch: 12, Kind: sim.EventReorg, Details: sim.ReorgDetails{View: "a", Depth: 33}},
	}
	var out bytes.Buffer
	n := New(&out, nil, nil)
	feed(t, n, rows, events)
	if err := n.Flush(); err != nil {
		t.Fatal(err)
	}
	checkLines(t, out.String(), []string{
		"epoch 3: the chain finalizes for the first time: the checkpoint of epoch 2 is final.",
		"epoch 4: the network splits (partition split): view groups a | b no longer hear each other.",
		"epoch 4: the views no longer agree on a head: the chain has split into 2 branches, a and b.",
		"epoch 4: finality stalls: the last finalized checkpoint stays epoch 2; only 50.0% of active stake voted for the target, and justifying a checkpoint needs two thirds.",
		// Branch a's drop at epoch 11 does not last: a is gone at 12.
		"epoch 12: partition split heals; the views exchange blocks and votes again.",
		"epoch 12: the branches merge: every view follows one head again (a+b, finalized epoch 2).",
		"epoch 12: reorg of depth 33 on view a.",
		"epoch 12: target participation rose to 95.3% of active stake (from 50.0%), enough again to justify checkpoints.",
		"epoch 13: finality resumes, ending a stall of 9 epochs that began at epoch 4: the checkpoint of epoch 12 is final.",
	})
}

// TestSlashingsAreCounted: slashings and ejections are counted per epoch,
// split into attackers and honest validators by group; only the first
// detection of each offence is told; reorgs are counted per view.
func TestSlashingsAreCounted(t *testing.T) {
	rows := []sim.EpochRow{
		{Epoch: 0, Branch: "main", TargetParticipationPPM: 1_000_000, AttackerStakeSharePPM: 340_000},
		{Epoch: 1, Branch: "main", TargetParticipationPPM: 1_000_000, AttackerStakeSharePPM: 340_000, SlashedValidators: 15},
		{Epoch: 2, Branch: "main", TargetParticipationPPM: 1_000_000, AttackerStakeSharePPM: 340_000, SlashedValidators: 16},
	}
	var events []sim.Event
	slash := func(epoch uint64, group string, k int) {
		for i := range k {
			events = append(events, sim.Event{Epoch: epoch, Kind: sim.EventSlashed, Branch: "main", Details: sim.SlashedDetails{Validator: uint64(i), Group: group}})
		}
	}
	slash(1, "evil", 12)
	slash(1, "honest", 3)
	slash(2, "evil", 1)
	events = append(events,
		sim.Event{Epoch: 1, Kind: sim.EventSlashingDetected, Details: sim.SlashingDetectedDetails{Offence: "double_vote", Validators: 300, Slasher: "a"}},
		sim.Event{Epoch: 1, Kind: sim.EventSlashingDetected, Details: sim.SlashingDetectedDetails{Offence: "double_vote", Validators: 48, Slasher: "a"}},
		sim.Event{Epoch: 2, Kind: sim.EventSlashingDetected, Details: sim.SlashingDetectedDetails{Offence: "double_vote", Validators: 7, Slasher: "a"}},
		sim.Event{Epoch: 2, Kind: sim.EventSlashingDetected, Details: sim.SlashingDetectedDetails{Offence: "surround_vote", Validators: 5, Slasher: "b"}},
		sim.Event{Epoch: 2, Kind: sim.EventReorg, Details: sim.ReorgDetails{View: "c", Depth: 1}},
		sim.Event{Epoch: 2, Kind: sim.EventReorg, Details: sim.ReorgDetails{View: "a", Depth: 1}},
		sim.Event{Epoch: 2, Kind: sim.EventReorg, Details: sim.ReorgDetails{View: "b", Depth: 1}},
		sim.Event{Epoch: 2, Kind: sim.EventReorg, Details: sim.ReorgDetails{View: "main", Depth: 2}},
		sim.Event{Epoch: 2, Kind: sim.EventReorg, Details: sim.ReorgDetails{View: "main", Depth: 3}},
		sim.Event{Epoch: 2, Kind: sim.EventEjected, Branch: "main", Details: sim.EjectedDetails{Validator: 5, Group: "honest", BalanceGwei: 15_900_000_000}},
		sim.Event{Epoch: 2, Kind: sim.EventEjected, Branch: "main", Details: sim.EjectedDetails{Validator: 6, Group: "honest", BalanceGwei: 15_750_000_000}},
	)
	var out bytes.Buffer
	n := New(&out, nil, attackScenario())
	feed(t, n, rows, events)
	if err := n.Flush(); err != nil {
		t.Fatal(err)
	}
	checkLines(t, out.String(), []string{
		"epoch 0: attackers (coalition evil) hold 34.0% of active stake.",
		"epoch 1: slasher on a found a double vote by 348 validators.",
		"epoch 1: 15 validators (12 attackers, 3 honest) slashed; a slashed validator loses a small part of its stake at once, more later in proportion to all the stake slashed around the same time, and is forced to exit.",
		"epoch 2: reorg of depth 1 on views a, b and c.",
		"epoch 2: 2 reorgs, the deepest of depth 3, on view main.",
		"epoch 2: slasher on b found a surround vote by 5 validators.",
		"epoch 2: 1 attacker slashed (16 so far).",
		"epoch 2: 2 honest validators ejected: their effective balance fell to the ejection balance (balances at most 15.9 ETH).",
	})
}

// TestSlashingsOnTwoBranches: different slashings on two branches make one
// line naming each; the same slashings make one line naming none.
func TestSlashingsOnTwoBranches(t *testing.T) {
	var rows []sim.EpochRow
	for e := uint64(0); e <= 3; e++ {
		for _, br := range []string{"a", "b"} {
			rows = append(rows, sim.EpochRow{Epoch: e, Branch: br, TargetParticipationPPM: 1_000_000, SlashedValidators: []uint64{0, 2, 5, 5}[e]})
		}
	}
	rows[5].SlashedValidators = 4 // branch b at epoch 2
	var events []sim.Event
	slash := func(epoch uint64, branch string, k int) {
		for i := range k {
			events = append(events, sim.Event{Epoch: epoch, Kind: sim.EventSlashed, Branch: branch, Details: sim.SlashedDetails{Validator: uint64(i), Group: "evil"}})
		}
	}
	slash(1, "a", 2)
	slash(1, "b", 2)
	slash(2, "a", 3)
	slash(2, "b", 2)
	var out bytes.Buffer
	n := New(&out, nil, attackScenario())
	feed(t, n, rows, events)
	if err := n.Flush(); err != nil {
		t.Fatal(err)
	}
	checkLines(t, out.String(), []string{
		"epoch 1: 2 attackers slashed; a slashed validator loses a small part of its stake at once, more later in proportion to all the stake slashed around the same time, and is forced to exit.",
		"epoch 2: 3 attackers slashed on branch a (5 so far); 2 attackers slashed on branch b (4 so far).",
	})
}

func TestConflictingFinalization(t *testing.T) {
	rows := []sim.EpochRow{{Epoch: 20, Branch: "a", FinalizedEpoch: 19}, {Epoch: 20, Branch: "b", FinalizedEpoch: 19}}
	events := []sim.Event{
		{Epoch: 20, Kind: sim.EventConflictingFinalization, Details: sim.ConflictingFinalizationDetails{
			BranchA: "a", CheckpointA: "12:ab12", BranchB: "b", CheckpointB: "12:cd34",
			SlashableFraction: 0.341, SlashableGwei: 11_000_000_000_000, Cause: "equivocation"}},
		{Epoch: 20, Kind: sim.EventConflictingFinalization, Details: sim.ConflictingFinalizationDetails{
			BranchA: "a", CheckpointA: "14:ef56", BranchB: "b", CheckpointB: "14:0789",
			SlashableFraction: 0.05, Cause: "inactivity_leak"}},
	}
	var out bytes.Buffer
	n := New(&out, nil, nil)
	feed(t, n, rows, events)
	if err := n.Flush(); err != nil {
		t.Fatal(err)
	}
	got := lines(out.String())
	want := []string{
		"epoch 20: branches a and b finalized conflicting checkpoints (12:ab12 and 12:cd34); 34.1% of stake is slashable — accountable safety.",
		"epoch 20: branches a and b finalized conflicting checkpoints (14:ef56 and 14:0789); 5.0% of stake is slashable — the inactivity leak let the two branches' validator sets drift apart, so accountable safety's one third need not be slashable.",
	}
	for _, w := range want {
		if !contains(got, w) {
			t.Errorf("missing line %q in:\n%s", w, out.String())
		}
	}
}

// TestAttackerThresholds checks the crossings of 1/3, 1/2 and 2/3 (strictly
// above each), both ways.
func TestAttackerThresholds(t *testing.T) {
	shares := []uint64{300_000, 300_000, 340_000, 510_000, 700_000, 700_000, 320_000, 333_333, 333_334}
	var rows []sim.EpochRow
	for e, s := range shares {
		r := honestRow(uint64(e), "main")
		r.AttackerStakeSharePPM = s
		rows = append(rows, r)
	}
	var out bytes.Buffer
	n := New(&out, nil, nil) // no scenario: the rows' attacker stake reveals the attackers
	feed(t, n, rows, nil)
	if err := n.Flush(); err != nil {
		t.Fatal(err)
	}
	checkLines(t, out.String(), []string{
		"epoch 2: attackers now hold 34.0% of active stake, more than one third: without their votes no checkpoint can be justified.",
		"epoch 3: the chain finalizes for the first time: the checkpoint of epoch 2 is final.",
		"epoch 3: attackers now hold 51.0% of active stake, more than half: their votes outweigh the honest ones in fork choice.",
		"epoch 4: attackers now hold 70.0% of active stake, more than two thirds: they can justify and finalize checkpoints on their own.",
		"epoch 6: attackers' share of active stake falls to 32.0%, below one third: honest validators can finalize without them.",
		// 333,333 ppm is below 1/3 (3 x 333,333 < 1,000,000); 333,334 is above.
		"epoch 8: attackers now hold 33.3% of active stake, more than one third: without their votes no checkpoint can be justified.",
	})
}

func TestWithholdingAndRelease(t *testing.T) {
	var rows []sim.EpochRow
	for e := uint64(0); e <= 6; e++ {
		rows = append(rows, honestRow(e, "main"))
	}
	rows[0].AttackerStakeSharePPM = 200_000 // from epoch 1 on, the coalitions are not active
	var events []sim.Event
	for _, e := range []uint64{1, 1, 2, 5} {
		events = append(events, sim.Event{Epoch: e, Kind: sim.EventBlockWithheld, Branch: "evil", Details: sim.BlockWithheldDetails{Proposer: 200 + e}})
	}
	// The engine's details: the branch is the coalition's view.
	events = append(events, sim.Event{Epoch: 3, Kind: sim.EventBlocksReleased, Branch: "evil", Details: sim.BlocksReleasedDetails{Blocks: 3, Votes: 120, To: []string{"a", "b"}}})
	var out bytes.Buffer
	n := New(&out, nil, &scenarios.Scenario{Groups: []scenarios.Group{{Name: "h"}, {Name: "e", Coalition: "evil"}, {Name: "f", Coalition: "fiends"}}})
	feed(t, n, rows, events)
	if err := n.Flush(); err != nil {
		t.Fatal(err)
	}
	checkLines(t, out.String(), []string{
		"epoch 0: attackers (coalitions evil and fiends) hold 20.0% of active stake.",
		"epoch 1: coalition evil starts withholding its blocks (2 blocks this epoch).",
		"epoch 3: coalition evil releases 3 blocks and 120 votes it withheld to a and b.",
		"epoch 3: the chain finalizes for the first time: the checkpoint of epoch 2 is final.",
		"epoch 5: coalition evil starts withholding its blocks (1 block this epoch).",
	})
}

type recorder struct {
	got     []any
	failRow bool
}

var errRecorder = errors.New("recorder: full")

func (r *recorder) Epoch(row sim.EpochRow) error {
	if r.failRow {
		return errRecorder
	}
	r.got = append(r.got, row)
	return nil
}

func (r *recorder) Event(ev sim.Event) error {
	r.got = append(r.got, ev)
	return nil
}

// TestForwardsEverything: the next sink sees every row and event, in the
// order they came, whatever the narrator prints; its errors come back.
func TestForwardsEverything(t *testing.T) {
	var want []any
	next := &recorder{}
	n := New(&bytes.Buffer{}, next, nil)
	for e := uint64(0); e < 5; e++ {
		ev := sim.Event{Epoch: e + 1, Kind: sim.EventJustified, Branch: "main"}
		row := honestRow(e, "main")
		if err := n.Event(ev); err != nil {
			t.Fatal(err)
		}
		if err := n.Epoch(row); err != nil {
			t.Fatal(err)
		}
		want = append(want, ev, row)
	}
	if !reflect.DeepEqual(next.got, want) {
		t.Errorf("next got %v, want %v", next.got, want)
	}
	next.failRow = true
	if err := n.Epoch(honestRow(5, "main")); !errors.Is(err, errRecorder) {
		t.Errorf("Epoch error = %v, want the next sink's", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrorSurfaces(t *testing.T) {
	n := New(failWriter{}, nil, nil)
	for e := uint64(0); e < 5; e++ {
		if err := n.Epoch(honestRow(e, "main")); err != nil {
			t.Fatalf("Epoch returned %v; a narration error must not stop the run", err)
		}
	}
	if err := n.Finish(&sim.Summary{Epochs: 5}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Finish error = %v, want the write error", err)
	}
}

func TestFinishParagraph(t *testing.T) {
	u := func(v uint64) *uint64 { return &v }
	f := 0.341
	s := &sim.Summary{
		Epochs: 500, FinalizedEpoch: 498, LongestFinalityGapEpochs: 337,
		FinalityStalledAtEpoch: u(11), FinalityResumedEpoch: u(346),
		ConflictingFinalization:     &sim.ConflictingFinalization{Epoch: 20, BranchA: "a", CheckpointA: "12:ab12", BranchB: "b", CheckpointB: "12:cd34", SlashableGwei: 11_136_000_000_000, Cause: "equivocation"},
		SlashableFractionAtConflict: &f,
		SlashedValidators:           348, AttackerSlashedGwei: 11_136_000_000_000,
		SlashingsDetected: 348, WhistleblowerRewardsGwei: 21_750_000_000,
		HonestLossGwei: -1_234_567_890,
		Reorgs:         sim.ReorgSummary{Count: 14, MaxDepth: 3},
		Branches:       []string{"a", "b"},
	}
	var out bytes.Buffer
	n := New(&out, nil, attackScenario())
	if err := n.Finish(s); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, l := range lines(text) {
		if len(l) > Width {
			t.Errorf("line longer than %d: %q", Width, l)
		}
	}
	flat := strings.Join(strings.Fields(text), " ")
	for _, want := range []string{
		// The stall's length is resumed - stalled (346 - 11), not the
		// longest finality gap, which the paragraph leaves out.
		"In 500 epochs: finality stalled at epoch 11 and resumed at epoch 346, after 335 epochs without finality; the last finalized checkpoint is epoch 498.",
		"Branches a and b finalized conflicting checkpoints (12:ab12 and 12:cd34) at epoch 20; 34.1% of stake (11136 ETH) was slashable (cause: equivocation).",
		"348 validators were slashed; attackers lost 11136 ETH of effective balance to slashing.",
		"Slashers found evidence against 348 validators; whistleblowers earned 21.75 ETH.",
		"Honest validators gained 1.235 ETH.",
		"The views saw 14 reorgs, the deepest of depth 3.",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("closing paragraph lacks %q:\n%s", want, text)
		}
	}
}

func TestFormats(t *testing.T) {
	tests := []struct{ got, want string }{
		{PercentPPM(0), "0.0%"},
		{PercentPPM(340_000), "34.0%"},
		{PercentPPM(333_333), "33.3%"},
		{PercentPPM(666_650), "66.7%"}, // 66.665% rounds half up
		{PercentPPM(1_000_000), "100.0%"},
		{eth(0), "0 ETH"},
		{eth(32_000_000_000), "32 ETH"},
		{eth(1_234_567_890), "1.235 ETH"},
		{eth(21_750_000_000), "21.75 ETH"},
		{eth(499_999), "0 ETH"},
		{eth(500_000), "0.001 ETH"},
		{andList([]string{"a"}), "a"},
		{andList([]string{"a", "b", "c"}), "a, b and c"},
		{plural(1, "block", "blocks"), "1 block"},
		{plural(0, "block", "blocks"), "0 blocks"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d: got %q, want %q", i, tt.got, tt.want)
		}
	}
}

func TestWrap(t *testing.T) {
	got := Wrap("one two  three\nfour averyveryverylongword five", 10, "> ")
	want := "> one two\n> three\n> four\n> averyveryverylongword\n> five\n"
	if got != want {
		t.Errorf("Wrap = %q, want %q", got, want)
	}
	if Wrap("   ", 10, "") != "" {
		t.Errorf("Wrap of blank text is not empty")
	}
}

// TestDeterministic: the same input gives the same story, even with many
// views, coalitions and branches whose bookkeeping lives in maps.
func TestDeterministic(t *testing.T) {
	story := func() string {
		var rows []sim.EpochRow
		var events []sim.Event
		for e := uint64(0); e < 12; e++ {
			for _, br := range []string{"x", "y", "z"} {
				rows = append(rows, sim.EpochRow{Epoch: e, Branch: br, FinalizedEpoch: e / 4, TargetParticipationPPM: uint64(300_000 + 50_000*e), AttackerStakeSharePPM: 100_000 * (e % 8)})
			}
			for v := 0; v < 6; v++ {
				events = append(events, sim.Event{Epoch: e, Kind: sim.EventReorg, Details: sim.ReorgDetails{View: fmt.Sprintf("v%d", (v*7+int(e))%6), Depth: uint64(v)}})
				events = append(events, sim.Event{Epoch: e, Kind: sim.EventBlockWithheld, Branch: fmt.Sprintf("c%d", v), Details: sim.BlockWithheldDetails{Proposer: uint64(v)}})
			}
		}
		// The coalitions c0 to c5, each the branch of its withheld blocks.
		sc := &scenarios.Scenario{}
		for v := 0; v < 6; v++ {
			sc.Groups = append(sc.Groups, scenarios.Group{Name: fmt.Sprintf("g%d", v), Coalition: fmt.Sprintf("c%d", v)})
		}
		var out bytes.Buffer
		n := New(&out, nil, sc)
		feed(t, n, rows, events)
		if err := n.Finish(&sim.Summary{Epochs: 12}); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	first := story()
	for range 5 {
		if got := story(); got != first {
			t.Fatalf("stories differ:\n%s\n---\n%s", first, got)
		}
	}
}

// avsRecorder is a sink that also takes avs.csv rows.
type avsRecorder struct {
	rows []sim.AVSRow
}

func (a *avsRecorder) Epoch(sim.EpochRow) error { return nil }
func (a *avsRecorder) Event(sim.Event) error    { return nil }
func (a *avsRecorder) AVS(r sim.AVSRow) error   { a.rows = append(a.rows, r); return nil }

func TestAVSRowsForwarded(t *testing.T) {
	rec := &avsRecorder{}
	n := New(new(bytes.Buffer), rec, &scenarios.Scenario{})
	want := sim.AVSRow{Epoch: 2, AVS: "oracle", AllocatedStakeGwei: 5, Secure: true}
	if err := n.AVS(want); err != nil {
		t.Fatal(err)
	}
	if len(rec.rows) != 1 || rec.rows[0] != want {
		t.Fatalf("forwarded %v, want [%v]", rec.rows, want)
	}
	// A next sink without AVS rows: nothing to forward, no error.
	if err := New(new(bytes.Buffer), nil, &scenarios.Scenario{}).AVS(want); err != nil {
		t.Fatal(err)
	}
}

// enderSink records the epochs whose end it was told.
type enderSink struct {
	ended          []uint64
	groups, blocks int
}

func (*enderSink) Epoch(sim.EpochRow) error { return nil }
func (*enderSink) Event(sim.Event) error    { return nil }
func (s *enderSink) Group(r sim.GroupRow) error {
	s.groups++
	return nil
}
func (s *enderSink) Block(r sim.BlockRow) error {
	s.blocks++
	return nil
}
func (s *enderSink) EndEpoch(e uint64) error {
	s.ended = append(s.ended, e)
	return nil
}

// TestEndEpochForwarded: with --narrate the output writer behind the
// narrator must still hear of every epoch's end (it flushes its files) and
// get every groups.csv and blocks.csv row.
func TestEndEpochForwarded(t *testing.T) {
	next := &enderSink{}
	n := New(io.Discard, next, nil)
	for e := range uint64(3) {
		if err := n.EndEpoch(e); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(next.ended, []uint64{0, 1, 2}) {
		t.Errorf("the next sink heard the end of epochs %v, want [0 1 2]", next.ended)
	}
	// groups.csv and blocks.csv rows pass through too.
	if err := n.Group(sim.GroupRow{}); err != nil {
		t.Fatal(err)
	}
	if err := n.Block(sim.BlockRow{}); err != nil {
		t.Fatal(err)
	}
	if next.groups != 1 || next.blocks != 1 {
		t.Errorf("the next sink got %d group and %d block rows, want 1 and 1", next.groups, next.blocks)
	}
}

// TestProposerReorgToldOncePerView: the first epoch with honest proposer
// re-orgs (get_proposer_head) in a view is told with its count; later ones
// are left to the summary.
func TestProposerReorgToldOncePerView(t *testing.T) {
	var out bytes.Buffer
	n := New(&out, nil, nil)
	for e := uint64(0); e <= 8; e++ {
		if e == 2 || e == 5 {
			for range e / 2 {
				if err := n.Event(sim.Event{Epoch: e, Branch: "main", Kind: sim.EventProposerReorg, Details: sim.ProposerReorgDetails{View: "main"}}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := n.Epoch(honestRow(e, "main")); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.Flush(); err != nil {
		t.Fatal(err)
	}
	checkLines(t, out.String(), []string{
		"epoch 2: in view main an honest proposer builds on the parent of a late, weakly voted head (get_proposer_head; 1 re-org this epoch).",
		"epoch 3: the chain finalizes for the first time: the checkpoint of epoch 2 is final.",
	})
}
