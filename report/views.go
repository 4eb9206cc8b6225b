package report

import (
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
)

// A branch label of epochs.csv names the views whose head is on the
// branch ("a+b"), and labels change as views move between branches. The
// charts draw one series per view class: a set of views that shared a
// branch in every row of the run ("main+attackers" in attack-33, "a" and
// "b" during and after a partition that never healed), so a series is
// continuous and the same line is not drawn twice.

// viewClasses is the partition of a run's views into classes.
type viewClasses struct {
	labels  []string       // class labels: the views joined by "+" (see build)
	ofView  map[string]int // view -> class
	byLabel map[string][]int
	epochs  uint64 // the largest epoch in epochs.csv, plus one
	rows    int
}

// splitLabel splits a branch label into its views.
func splitLabel(label string) []string {
	if label == "" {
		return nil
	}
	return strings.Split(label, "+")
}

// scanClasses reads the branch column of DIR/epochs.csv and refines the
// views into classes: two views are in one class when no row has one of
// them without the other.
func scanClasses(dir string) (*viewClasses, error) {
	c, err := openCSV(filepath.Join(dir, epochsFile))
	if err != nil {
		return nil, err
	}
	defer c.close()
	cols, err := c.need("epoch", "branch")
	if err != nil {
		return nil, err
	}
	sig := map[string]int{}   // view -> signature (class id so far)
	order := map[string]int{} // view -> rank of its first appearance
	ids := 1                  // signature 0: not seen yet
	vc := &viewClasses{}
	for {
		rec, err := c.next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		vc.rows++
		vc.epochs = max(vc.epochs, cellU(rec, cols[0])+1)
		remap := map[int]int{}
		for _, v := range splitLabel(cell(rec, cols[1])) {
			if _, ok := order[v]; !ok {
				order[v] = len(order)
			}
			old := sig[v]
			if _, ok := remap[old]; !ok {
				remap[old] = ids
				ids++
			}
			sig[v] = remap[old]
		}
	}
	if vc.rows == 0 {
		return nil, errors.New(c.path + ": no rows")
	}
	vc.build(sig, order)
	return vc, nil
}

// build turns the views' final signatures into classes. A class lists
// its views in the order they first appear in epochs.csv (the order of
// the branch labels), and the classes come in the order of their first
// view.
func (vc *viewClasses) build(sig, order map[string]int) {
	members := map[int][]string{}
	for v, s := range sig {
		members[s] = append(members[s], v)
	}
	byOrder := func(a, b string) int { return order[a] - order[b] }
	var classes [][]string
	for _, vs := range members {
		slices.SortFunc(vs, byOrder)
		classes = append(classes, vs)
	}
	slices.SortFunc(classes, func(a, b []string) int { return byOrder(a[0], b[0]) })
	vc.ofView = map[string]int{}
	for i, vs := range classes {
		vc.labels = append(vc.labels, strings.Join(vs, "+"))
		for _, v := range vs {
			vc.ofView[v] = i
		}
	}
	vc.byLabel = map[string][]int{}
}

// of returns the classes whose views are on the branch labelled label,
// in class order.
func (vc *viewClasses) of(label string) []int {
	if cs, ok := vc.byLabel[label]; ok {
		return cs
	}
	var cs []int
	for _, v := range splitLabel(label) {
		if c, ok := vc.ofView[v]; ok && !slices.Contains(cs, c) {
			cs = append(cs, c)
		}
	}
	slices.Sort(cs)
	if len(vc.byLabel) < 4096 {
		vc.byLabel[label] = cs
	}
	return cs
}

// contains reports whether the branch labelled label holds class c.
func (vc *viewClasses) contains(label string, c int) bool {
	return slices.Contains(vc.of(label), c)
}

// summaryClass returns the class the summary describes: the first class
// of the summary branch with a view that is not a coalition's, else the
// summary branch's first class, else class 0.
func (vc *viewClasses) summaryClass(summaryBranch string, coalitions []string) int {
	cs := vc.of(summaryBranch)
	for _, c := range cs {
		for _, v := range splitLabel(vc.labels[c]) {
			if !slices.Contains(coalitions, v) {
				return c
			}
		}
	}
	if len(cs) > 0 {
		return cs[0]
	}
	return 0
}
