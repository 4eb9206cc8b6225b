package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
)

// collect reads the blocks in the windows (third pass over blocks.csv),
// keeps at most MaxTreeBlocks of them (the earliest slots) and lays them
// out.
func (t *BlockTree) collect(path, all string) error {
	var rows []blockRow
	over := 0
	err := scanBlocks(path, func(r blockRow) {
		if !t.inWindow(r.slot) {
			return
		}
		if len(rows) >= 4*MaxTreeBlocks {
			over++
			return
		}
		rows = append(rows, r)
	})
	if err != nil {
		return err
	}
	slices.SortFunc(rows, func(a, b blockRow) int {
		return cmp.Or(cmp.Compare(a.slot, b.slot), cmp.Compare(a.root, b.root))
	})
	if n := len(rows) + over; n > MaxTreeBlocks {
		t.Notes = append(t.Notes, fmt.Sprintf("Only the first %d of the %d blocks in the windows are drawn.", MaxTreeBlocks, n))
		rows = rows[:min(len(rows), MaxTreeBlocks)]
	}
	t.layout(rows, all)
	return nil
}

// layout places the blocks: x from the slot within its window (windows
// side by side, a break between them), a lane per canonical_on set.
func (t *BlockTree) layout(rows []blockRow, all string) {
	lanes := t.lanes(rows, all)
	xOf := t.xPositions()
	orphansAt := map[uint64]int{}
	index := map[string]int{}
	for _, r := range rows {
		lane := lanes[r.cano]
		if r.cano == "" {
			lane += orphansAt[r.slot]
			orphansAt[r.slot]++
			for len(t.Lanes) <= lane {
				t.Lanes = append(t.Lanes, "orphaned "+strconv.Itoa(len(t.Lanes)-lanes[""]+1))
			}
		}
		index[r.root] = len(t.Blocks)
		t.Blocks = append(t.Blocks, TreeBlock{X: xOf(r.slot), Lane: lane, Slot: r.slot,
			Root: r.root, Parent: r.parent, CanonicalOn: r.cano, AllViews: r.cano == all && all != ""})
	}
	for i, b := range t.Blocks {
		if p, ok := index[b.Parent]; ok {
			t.Edges = append(t.Edges, [2]int{p, i})
		} else {
			t.Stubs = append(t.Stubs, i)
		}
	}
}

// lanes assigns a lane to every canonical_on set of rows: all views
// first, then the other sets sorted, then orphaned blocks.
func (t *BlockTree) lanes(rows []blockRow, all string) map[string]int {
	var sets []string
	hasAll, hasOrphan := false, false
	for _, r := range rows {
		switch {
		case r.cano == all && all != "":
			hasAll = true
		case r.cano == "":
			hasOrphan = true
		case !slices.Contains(sets, r.cano):
			sets = append(sets, r.cano)
		}
	}
	slices.Sort(sets)
	out := map[string]int{}
	if hasAll {
		out[all] = 0
		label := "all views (" + all + ")"
		if len(label) > 24 {
			label = "all views"
		}
		t.Lanes = append(t.Lanes, label)
	}
	for i, s := range sets {
		if len(t.Lanes) >= maxLanes-1 {
			out[s] = len(t.Lanes) - 1
			if i == len(sets)-1 {
				t.Lanes[len(t.Lanes)-1] += " and others"
			}
			continue
		}
		out[s] = len(t.Lanes)
		t.Lanes = append(t.Lanes, s)
	}
	if hasOrphan {
		out[""] = len(t.Lanes)
		t.Lanes = append(t.Lanes, "orphaned")
	}
	return out
}

// xPositions lays the windows out left to right and returns the x of a
// slot; it records the breaks and the ticks (each window's first and
// last slot).
func (t *BlockTree) xPositions() func(uint64) float64 {
	starts := make([]float64, len(t.Windows))
	x, prev := 0.0, uint64(0)
	for i, w := range t.Windows {
		gap := w[0] - prev
		if i == 0 {
			gap = w[0]
		} else {
			gap--
		}
		if gap > 0 {
			t.Breaks = append(t.Breaks, TreeBreak{X: x + breakWidth/2 - 0.5, Slots: gap})
			x += breakWidth
		}
		starts[i] = x
		t.Ticks = append(t.Ticks, Tick{x, strconv.FormatUint(w[0], 10)})
		x += float64(w[1] - w[0])
		if w[1] > w[0] {
			t.Ticks = append(t.Ticks, Tick{x, strconv.FormatUint(w[1], 10)})
		}
		x++
		prev = w[1]
	}
	t.Ticks = thinTicks(t.Ticks, x/16)
	return func(slot uint64) float64 {
		for i, w := range t.Windows {
			if slot >= w[0] && slot <= w[1] {
				return starts[i] + float64(slot-w[0])
			}
		}
		return 0
	}
}

// thinTicks drops ticks closer than gap to the last one kept, so labels
// do not run into each other.
func thinTicks(ts []Tick, gap float64) []Tick {
	var out []Tick
	for _, t := range ts {
		if len(out) == 0 || t.Value-out[len(out)-1].Value >= gap {
			out = append(out, t)
		}
	}
	return out
}

// roots returns the roots of the drawn blocks.
func (t *BlockTree) roots() map[string]bool {
	out := make(map[string]bool, len(t.Blocks))
	for _, b := range t.Blocks {
		out[b.Root] = true
	}
	return out
}

// markCheckpoints flags the drawn blocks that events.jsonl names as
// justified or finalized checkpoints.
func (t *BlockTree) markCheckpoints(ed *eventData) {
	for i := range t.Blocks {
		b := &t.Blocks[i]
		_, b.Justified = ed.checkJ[b.Root]
		_, b.Finalized = ed.checkF[b.Root]
	}
}
