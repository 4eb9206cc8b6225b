package report

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Bounds of the block tree.
const (
	// MaxTreeWindows is the number of slot windows drawn; MaxTreeBlocks
	// the number of blocks drawn in them.
	MaxTreeWindows = 6
	MaxTreeBlocks  = 400
	// treeContext is the slots drawn before and after a fork; a window
	// longer than maxWindowSlots keeps its first and last halves, with a
	// break between.
	treeContext    = 3
	maxWindowSlots = 48
	// maxIntervals caps the stretches of forked slots remembered while
	// reading blocks.csv.
	maxIntervals = 256
	// maxLanes caps the lanes; blocks of further view sets share the last.
	maxLanes   = 10
	breakWidth = 4 // x units a collapsed stretch takes
)

// BlockTree is the data of the block-tree chart: the blocks in windows
// of slots around forks, on lanes by the views whose canonical chain
// holds them, with the quiet stretches between windows collapsed.
type BlockTree struct {
	Lanes   []string
	Blocks  []TreeBlock
	Edges   [][2]int // indexes of parent and child in Blocks
	Stubs   []int    // blocks whose parent is not drawn
	Breaks  []TreeBreak
	Ticks   []Tick
	Windows [][2]uint64 // first and last slot of each window
	Forked  int         // blocks not canonical on every view (all of blocks.csv)
	Total   int         // blocks in blocks.csv
	Views   []string    // every view named in canonical_on
	Notes   []string
}

// TreeBlock is one drawn block.
type TreeBlock struct {
	X                    float64
	Lane                 int
	Slot                 uint64
	Root, Parent         string
	CanonicalOn          string
	AllViews             bool // canonical on every view
	Justified, Finalized bool
}

// Orphaned reports whether no view has the block on its chain.
func (b *TreeBlock) Orphaned() bool { return b.CanonicalOn == "" }

// TreeBreak is a collapsed stretch of slots at X.
type TreeBreak struct {
	X     float64
	Slots uint64
}

// blockRow is one line of blocks.csv.
type blockRow struct {
	slot               uint64
	root, parent, cano string
}

// sortedLabel sorts the views of a "+"-joined label, so that sets compare
// as strings whatever order the file used.
func sortedLabel(l string) string {
	if !strings.Contains(l, "+") {
		return l
	}
	vs := splitLabel(l)
	slices.Sort(vs)
	return strings.Join(vs, "+")
}

// scanBlocks calls fn for every row of blocks.csv.
func scanBlocks(path string, fn func(blockRow)) error {
	c, err := openCSV(path)
	if err != nil {
		return err
	}
	defer c.close()
	cols, err := c.need("slot", "root", "parent_root", "canonical_on")
	if err != nil {
		return err
	}
	for {
		rec, err := c.next()
		if errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		fn(blockRow{cellU(rec, cols[0]), cell(rec, cols[1]), cell(rec, cols[2]), sortedLabel(cell(rec, cols[3]))})
	}
}

// buildBlockTree reads blocks.csv three times: the views and the last
// slot; the stretches of forked slots (blocks not canonical on every
// view: the children of a block with two children cannot both be); the
// blocks in the windows around them. Memory: bounded by maxIntervals
// and MaxTreeBlocks, not by the run's length.
func buildBlockTree(path string) (*BlockTree, error) {
	t := &BlockTree{}
	views := map[string]bool{}
	var last uint64
	err := scanBlocks(path, func(r blockRow) {
		t.Total++
		last = max(last, r.slot)
		for _, v := range splitLabel(r.cano) {
			views[v] = true
		}
	})
	if err != nil {
		return nil, err
	}
	for v := range views {
		t.Views = append(t.Views, v)
	}
	slices.Sort(t.Views)
	all := strings.Join(t.Views, "+")
	var iv intervals
	if err := scanBlocks(path, func(r blockRow) {
		if r.cano != all {
			t.Forked++
			iv.add(r.slot)
		}
	}); err != nil {
		return nil, err
	}
	t.Windows = windows(iv.list, last, &t.Notes)
	if iv.dropped > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("%d forked slots past the first %d stretches were not considered.", iv.dropped, maxIntervals))
	}
	return t, t.collect(path, all)
}

// intervals is a sorted list of merged slot stretches.
type intervals struct {
	list    [][2]uint64
	dropped int
}

// add inserts slot, merging stretches less than 2·treeContext+2 apart.
func (iv *intervals) add(slot uint64) {
	gap := uint64(2*treeContext + 2)
	i, _ := slices.BinarySearchFunc(iv.list, slot, func(s [2]uint64, x uint64) int { return cmp.Compare(s[0], x) })
	if i > 0 && slot <= iv.list[i-1][1]+gap {
		iv.list[i-1][1] = max(iv.list[i-1][1], slot)
		iv.mergeNext(i - 1)
		return
	}
	if i < len(iv.list) && iv.list[i][0] <= slot+gap {
		iv.list[i][0] = min(iv.list[i][0], slot)
		return
	}
	if len(iv.list) >= maxIntervals {
		iv.dropped++
		return
	}
	iv.list = slices.Insert(iv.list, i, [2]uint64{slot, slot})
}

func (iv *intervals) mergeNext(i int) {
	gap := uint64(2*treeContext + 2)
	for i+1 < len(iv.list) && iv.list[i+1][0] <= iv.list[i][1]+gap {
		iv.list[i][1] = max(iv.list[i][1], iv.list[i+1][1])
		iv.list = slices.Delete(iv.list, i+1, i+2)
	}
}

// windows turns forked stretches into at most MaxTreeWindows slot windows.
func windows(list [][2]uint64, last uint64, notes *[]string) [][2]uint64 {
	var out [][2]uint64
	half := uint64(maxWindowSlots / 2)
	for _, s := range list {
		lo, hi := s[0]-min(s[0], treeContext), min(s[1]+treeContext, last)
		if hi-lo+1 <= maxWindowSlots {
			out = append(out, [2]uint64{lo, hi})
			continue
		}
		out = append(out, [2]uint64{lo, lo + half - 1}, [2]uint64{hi - half + 1, hi})
	}
	out = mergeClose(out)
	if len(out) > MaxTreeWindows {
		*notes = append(*notes, fmt.Sprintf("Only the first %d of %d windows around forks are drawn.", MaxTreeWindows, len(out)))
		out = out[:MaxTreeWindows]
	}
	return out
}

// mergeClose joins windows less than 7 slots apart (a break would save
// nothing) while the joined window stays under 2·maxWindowSlots.
func mergeClose(ws [][2]uint64) [][2]uint64 {
	var out [][2]uint64
	for _, w := range ws {
		if n := len(out); n > 0 && w[0]-out[n-1][1] <= 7 && w[1]-out[n-1][0] < 2*maxWindowSlots {
			out[n-1][1] = w[1]
			continue
		}
		out = append(out, w)
	}
	return out
}

// inWindow reports whether slot is in one of t's windows.
func (t *BlockTree) inWindow(slot uint64) bool {
	for _, w := range t.Windows {
		if slot >= w[0] && slot <= w[1] {
			return true
		}
	}
	return false
}
