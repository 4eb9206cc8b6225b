package sim_test

import (
	"testing"

	"github.com/stakesim/stakesim/sim"
)

// TestLateBlockReorg: late-block-reorg at its defaults (256 validators,
// the last round(256 * 0.2) = 51, indices 205 to 255, publish their blocks
// 2,500 ms into the slot from epoch 2 on; the network adds 200 ms, after
// the 1,999 ms attestation deadline), BLS off, 12 epochs.
//
// With proposer_reorg on, honest proposers re-org late blocks: each
// proposer_reorg event names a head one slot before the proposal, whose
// parent is one slot before it (single_slot_reorg), proposed by the late
// group, at a slot that does not start an epoch, from epoch 2 on, by an
// on-time proposer (a late one is past the re-org cutoff: is_proposing_on_
// time is false), and the head is orphaned (on no view's canonical chain);
// summary.json counts the events. With it off, no proposal re-orgs and every late block stays
// canonical.
func TestLateBlockReorg(t *testing.T) {
	const firstLate, lateFrom = 205, 2
	dirOn, on := runScenario(t, "late-block-reorg", 12, "off")
	dirOff, off := runScenario(t, "late-block-reorg", 12, "off", "proposer_reorg=0")

	blocks := map[string]row{}
	for _, b := range readBlocks(t, dirOn) {
		blocks[b["root"]] = b
	}
	evs := readEvents(t, dirOn)
	n, orphaned := 0, 0
	for _, ev := range evs {
		if ev.Kind != sim.EventProposerReorg {
			continue
		}
		n++
		d, ok := ev.Details.(sim.ProposerReorgDetails)
		if !ok {
			t.Fatalf("proposer_reorg details %T", ev.Details)
		}
		if d.HeadSlot+1 != ev.Slot || d.ParentSlot+1 != d.HeadSlot || ev.Slot%slotsPerEpoch == 0 || ev.Epoch < lateFrom {
			t.Errorf("slot %d: re-org of head at %d on parent at %d: not the single-slot re-org get_proposer_head allows", ev.Slot, d.HeadSlot, d.ParentSlot)
		}
		h, ok := blocks[d.Head]
		if !ok {
			t.Fatalf("slot %d: re-orged head %s not in blocks.csv", ev.Slot, d.Head)
		}
		if h.u(t, "proposer") < firstLate {
			t.Errorf("slot %d: re-orged head %s proposed by %s, not a late validator", ev.Slot, d.Head, h["proposer"])
		}
		if d.Proposer >= firstLate {
			t.Errorf("slot %d: late proposer %d re-orged: publishing 2,500 ms into the slot is past get_proposer_reorg_cutoff_ms (1667 × 6,000 / 10,000 = 1,000 ms), so is_proposing_on_time is false", ev.Slot, d.Proposer)
		}
		if h["canonical_on"] != "" {
			t.Errorf("slot %d: re-orged head %s is canonical on %q", ev.Slot, d.Head, h["canonical_on"])
		} else {
			orphaned++
		}
		if blocks[h["parent_root"]]["root"] != d.Parent {
			t.Errorf("slot %d: event parent %s, head's parent %s", ev.Slot, d.Parent, h["parent_root"])
		}
	}
	if orphaned < 5 || on.Summary.Reorgs.Proposer != uint64(n) {
		t.Errorf("proposer_reorg on: %d events (%d heads orphaned), summary %+v; want at least 5, all orphaning their head, all counted in reorgs.proposer",
			n, orphaned, on.Summary.Reorgs)
	}

	if c := countEvents(readEvents(t, dirOff), sim.EventProposerReorg); c != 0 || off.Summary.Reorgs != (sim.ReorgSummary{}) {
		t.Errorf("proposer_reorg off: %d events, reorgs %+v; want none", c, off.Summary.Reorgs)
	}
	late := 0
	for _, b := range readBlocks(t, dirOff) {
		if b.u(t, "proposer") >= firstLate && b.u(t, "slot") >= lateFrom*slotsPerEpoch {
			late++
			if b["canonical_on"] != "main" {
				t.Errorf("proposer_reorg off: late block %s at slot %s canonical on %q, want main", b["root"], b["slot"], b["canonical_on"])
			}
		}
	}
	if late < 5 {
		t.Errorf("proposer_reorg off: %d late blocks, want several", late)
	}
}
