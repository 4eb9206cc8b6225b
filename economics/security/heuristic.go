package security

import (
	"math/rand/v2"
	"slices"
	"sort"
)

// Bounds of the heuristic search (TigerBeetle: put a limit on everything).
const (
	// heuristicWork is the budget of one heuristic search in service-steps:
	// each evaluation of a coalition costs about one step per open service
	// and one per allocation unit.
	heuristicWork = 40_000_000
	// heuristicMinEvals is the fewest coalition evaluations a search gets,
	// however large the graph.
	heuristicMinEvals = 2_000
	// heuristicServiceSeeds is how many services (most profitable first)
	// seed a local search with a coalition that just corrupts them.
	heuristicServiceSeeds = 64
	// heuristicRandomSeeds is how many random coalitions seed a local search.
	heuristicRandomSeeds = 8
)

// hsearch is the state of a heuristic search over a view: a coalition of
// the view's full-stake units and the backing it gives each service.
type hsearch struct {
	v        *view
	wdesc    [][]uint64 // per view service: allocation weights, largest first
	order    [][]int    // matching positions into v.pseudo[j]
	tot      []uint64   // per view service: total allocation stake
	in       []bool
	f        []uint64
	K        uint64
	evals    int
	maxEvals int
	best     int64
	bestIn   []bool
	scratch  []bool

	// The cheapest-attack search (searchCheapHeuristic).
	items []cheapItem
	cheap hscore // the cheapest valid attack found (cheap.ok once one is)
}

// hscore ranks coalitions in the cheapest-attack search: those that make a
// valid attack (ok) by the least cost found for them, the others by the
// largest profit - cost (value), so that a climb from a coalition that
// cannot attack heads for one that can.
type hscore struct {
	ok    bool
	cost  uint64
	value int64
}

func (a hscore) better(b hscore) bool {
	if a.ok != b.ok {
		return a.ok
	}
	if a.ok {
		return a.cost < b.cost
	}
	return a.value > b.value
}

func newHSearch(v *view) *hsearch {
	S := len(v.svc)
	h := &hsearch{
		v: v, wdesc: make([][]uint64, S), order: make([][]int, S), tot: make([]uint64, S),
		in: make([]bool, len(v.full)), f: make([]uint64, S), best: -1 << 63,
	}
	work := S + 1
	for j, ps := range v.pseudo {
		ord := make([]int, len(ps))
		for k := range ord {
			ord[k] = k
		}
		slices.SortStableFunc(ord, func(a, b int) int {
			wa, wb := v.m.units[ps[a]].weight, v.m.units[ps[b]].weight
			switch {
			case wa > wb:
				return -1
			case wa < wb:
				return 1
			}
			return 0
		})
		h.order[j] = ord
		h.wdesc[j] = make([]uint64, len(ps))
		for k, p := range ord {
			h.wdesc[j][k] = v.m.units[ps[p]].weight
			h.tot[j] += h.wdesc[j][k]
		}
		work += len(ps)
		if len(ps) > len(h.scratch) {
			h.scratch = make([]bool, len(ps))
		}
	}
	h.maxEvals = max(heuristicMinEvals, heuristicWork/work)
	return h
}

// cover is a greedy, not necessarily cheapest, set of view service j's
// allocations with stake at least r: the better of the smallest single
// allocation that suffices and "largest first among the smaller ones, then
// drop what is not needed, smallest first". picks (positions into
// v.pseudo[j]) are filled only when want is set.
func (h *hsearch) cover(j int, r uint64, want bool) (uint64, []int, bool) {
	if r == 0 {
		return 0, nil, true
	}
	if h.tot[j] < r {
		return 0, nil, false
	}
	ws := h.wdesc[j]
	k := sort.Search(len(ws), func(i int) bool { return ws[i] < r }) // ws[:k] >= r
	best, single := uint64(0), -1
	if k > 0 {
		best, single = ws[k-1], k-1
	}
	taken := h.scratch[:len(ws)]
	clear(taken)
	var sum uint64
	for i := k; i < len(ws) && sum < r; i++ {
		sum += ws[i]
		taken[i] = true
	}
	greedy := sum >= r
	if greedy {
		for i := len(ws) - 1; i >= k; i-- {
			if taken[i] && sum-ws[i] >= r {
				sum -= ws[i]
				taken[i] = false
			}
		}
		greedy = single < 0 || sum < best
		if greedy {
			best = sum
		}
	}
	if !want {
		return best, nil, true
	}
	var picks []int
	if greedy {
		for i, t := range taken {
			if t {
				picks = append(picks, h.order[j][i])
			}
		}
	} else {
		picks = []int{h.order[j][single]}
	}
	slices.Sort(picks)
	return best, picks, true
}

// value is the profit - cost the search credits the current coalition with
// (the same rule as view.attackOf, before trimming).
func (h *hsearch) value() int64 {
	h.evals++
	v := h.v
	var gain int64
	for j := range v.svc {
		var r uint64
		if h.f[j] < v.need[j] {
			r = v.need[j] - h.f[j]
		}
		c, _, ok := h.cover(j, r, false)
		if !ok {
			continue
		}
		if p := v.profit[j]; c == 0 {
			gain += int64(p)
		} else if p > c {
			gain += int64(p - c)
		}
	}
	return gain - int64(h.K)
}

func (h *hsearch) toggle(i int) {
	h.in[i] = !h.in[i]
	w := h.v.m.units[h.v.full[i]].weight
	for _, j := range h.v.fullSvc[i] {
		if h.in[i] {
			h.f[j] += w
		} else {
			h.f[j] -= w
		}
	}
	if h.in[i] {
		h.K += w
	} else {
		h.K -= w
	}
}

func (h *hsearch) set(in []bool) {
	for i := range h.in {
		if h.in[i] != in[i] {
			h.toggle(i)
		}
	}
}

func (h *hsearch) record(val int64) {
	if val > h.best {
		h.best = val
		h.bestIn = slices.Clone(h.in)
	}
}

// climb is first-improvement local search over single-unit toggles from the
// current coalition, until no toggle improves or the budget is spent.
func (h *hsearch) climb() {
	cur := h.value()
	h.record(cur)
	for improved := true; improved; {
		improved = false
		for i := range h.in {
			if h.evals >= h.maxEvals {
				return
			}
			h.toggle(i)
			if val := h.value(); val > cur {
				cur = val
				improved = true
				h.record(val)
			} else {
				h.toggle(i)
			}
		}
	}
}

// searchHeuristic looks for a valid attack by local search from a fixed list
// of seeds: the empty coalition, all operators, for the most profitable
// services a coalition of their largest backers that just corrupts each,
// and random coalitions from a PCG seeded by the view's size. It is
// deterministic for a given view. It returns nil when it found no attack;
// that proves nothing.
func (v *view) searchHeuristic() *found {
	h := newHSearch(v)
	byProfit := make([]int, len(v.svc))
	for j := range byProfit {
		byProfit[j] = j
	}
	slices.SortStableFunc(byProfit, func(a, b int) int {
		switch {
		case v.profit[a] > v.profit[b]:
			return -1
		case v.profit[a] < v.profit[b]:
			return 1
		}
		return 0
	})
	h.fromSeeds(byProfit, h.climb)
	if h.best <= 0 {
		return nil
	}
	a := v.attackOf(h.bestIn, func(j int, r uint64) (uint64, []int, bool) { return h.cover(j, r, true) })
	if a.value() < h.best {
		panic("security: heuristic search: reconstructed attack worth less than the search credited")
	}
	return &a
}

// searchCheapHeuristic looks for the valid attack of least cost by local
// search, the heuristic counterpart of searchCheapest: the seeds of
// searchHeuristic, with the service seeds taken from the services cheapest
// to corrupt (smallest need) first, climbing on hscore; each coalition is
// credited with greedy allocation covers and a greedy choice of the
// services to complete with them (cheapScore). It returns nil when it
// found no valid attack (that proves nothing), and otherwise a valid
// attack that need not be the cheapest.
func (v *view) searchCheapHeuristic() *found {
	h := newHSearch(v)
	byNeed := make([]int, len(v.svc))
	for j := range byNeed {
		byNeed[j] = j
	}
	slices.SortStableFunc(byNeed, func(a, b int) int {
		switch {
		case v.need[a] < v.need[b]:
			return -1
		case v.need[a] > v.need[b]:
			return 1
		case v.profit[a] > v.profit[b]:
			return -1
		case v.profit[a] < v.profit[b]:
			return 1
		}
		return 0
	})
	h.fromSeeds(byNeed, h.climbCheap)
	if !h.cheap.ok {
		return nil
	}
	h.set(h.bestIn)
	sc, take := h.cheapScore(true)
	a := v.attackWith(h.bestIn, func(j int, r uint64) (uint64, []int, bool) { return h.cover(j, r, true) },
		func(j int, _ uint64) bool { return take[j] })
	if !sc.ok || a.profit <= a.cost || a.cost > sc.cost {
		panic("security: heuristic cheapest search: reconstructed attack invalid or dearer than credited")
	}
	return &a
}

// cheapScore credits the current coalition B with the cheapest valid
// attack the heuristic makes of it: every service B corrupts on its own,
// plus services completed by greedy covers (h.cover), chosen among those
// whose profit exceeds their cover — the greedy prefix by cover cost per
// gain until the attack pays, or the cheapest single service that pays on
// its own, whichever costs less. take (when want) marks the chosen view
// services.
func (h *hsearch) cheapScore(want bool) (hscore, []bool) {
	h.evals++
	v := h.v
	var free, gains uint64
	items := h.items[:0]
	for j := range v.svc {
		var r uint64
		if h.f[j] < v.need[j] {
			r = v.need[j] - h.f[j]
		}
		c, _, ok := h.cover(j, r, false)
		if !ok {
			continue
		}
		switch p := v.profit[j]; {
		case c == 0:
			free += p
		case p > c:
			items = append(items, cheapItem{j: j, c: c, g: p - c, p: p})
			gains += p - c
		}
	}
	h.items = items
	sc := hscore{value: int64(free+gains) - int64(h.K)}
	if sc.value <= 0 {
		return sc, nil
	}
	sc.ok = true
	var take []bool
	if want {
		take = make([]bool, len(v.svc))
	}
	if free > h.K {
		sc.cost = h.K
		return sc, take
	}
	r := h.K - free
	sortByRatio(items)
	var c, g uint64
	k := 0
	for ; g <= r; k++ { // ends: the items gain more than r in all (value > 0)
		c, g = c+items[k].c, g+items[k].g
	}
	single := -1
	for t, it := range items {
		if it.g > r && (single < 0 || it.c < items[single].c) {
			single = t
		}
	}
	if single >= 0 && items[single].c < c {
		c, k = items[single].c, -1
	}
	sc.cost = h.K + c
	if want {
		if k < 0 {
			take[items[single].j] = true
		} else {
			for _, it := range items[:k] {
				take[it.j] = true
			}
		}
	}
	return sc, take
}

// climbCheap is climb for the cheapest-attack search: first-improvement
// single-unit toggles on hscore.
func (h *hsearch) climbCheap() {
	cur, _ := h.cheapScore(false)
	h.recordCheap(cur)
	for improved := true; improved; {
		improved = false
		for i := range h.in {
			if h.evals >= h.maxEvals {
				return
			}
			h.toggle(i)
			if sc, _ := h.cheapScore(false); sc.better(cur) {
				cur = sc
				improved = true
				h.recordCheap(sc)
			} else {
				h.toggle(i)
			}
		}
	}
}

func (h *hsearch) recordCheap(sc hscore) {
	if sc.ok && (!h.cheap.ok || sc.cost < h.cheap.cost) {
		h.cheap = sc
		h.bestIn = slices.Clone(h.in)
	}
}

// fromSeeds runs climb from each seed in turn: the empty coalition, all
// units, for the first heuristicServiceSeeds services of svcOrder a
// coalition of their largest backers that just reaches the need, and
// heuristicRandomSeeds random coalitions from a PCG seeded by the view's
// size.
func (h *hsearch) fromSeeds(svcOrder []int, climb func()) {
	v := h.v
	n := len(v.full)
	seed := make([]bool, n)
	h.set(seed)
	climb()
	for i := range seed {
		seed[i] = true
	}
	h.set(seed)
	climb()

	backers := make([][]int, len(v.svc))
	for i, js := range v.fullSvc {
		for _, j := range js {
			backers[j] = append(backers[j], i)
		}
	}
	for k, j := range svcOrder {
		if k >= heuristicServiceSeeds || h.evals >= h.maxEvals {
			break
		}
		bs := slices.Clone(backers[j])
		slices.SortStableFunc(bs, func(a, b int) int {
			wa, wb := v.m.units[v.full[a]].weight, v.m.units[v.full[b]].weight
			switch {
			case wa > wb:
				return -1
			case wa < wb:
				return 1
			}
			return 0
		})
		clear(seed)
		var got uint64
		for _, i := range bs {
			if got >= v.need[j] {
				break
			}
			seed[i] = true
			got += v.m.units[v.full[i]].weight
		}
		h.set(seed)
		climb()
	}
	rng := rand.New(rand.NewPCG(0x5ec0_7e57_a11a_c4e5, uint64(n)<<32|uint64(len(v.svc))))
	for k := 0; k < heuristicRandomSeeds && h.evals < h.maxEvals; k++ {
		d := uint64(2) << (k % 4) // densities 1/2, 1/4, 1/8, 1/16
		for i := range seed {
			seed[i] = rng.Uint64N(d) == 0
		}
		h.set(seed)
		climb()
	}
}
