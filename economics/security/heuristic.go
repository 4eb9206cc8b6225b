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
	n := len(v.full)
	seed := make([]bool, n)
	h.set(seed)
	h.climb()
	for i := range seed {
		seed[i] = true
	}
	h.set(seed)
	h.climb()

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
	backers := make([][]int, len(v.svc))
	for i, js := range v.fullSvc {
		for _, j := range js {
			backers[j] = append(backers[j], i)
		}
	}
	for k, j := range byProfit {
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
		h.climb()
	}
	rng := rand.New(rand.NewPCG(0x5ec0_7e57_a11a_c4e5, uint64(n)<<32|uint64(len(v.svc))))
	for k := 0; k < heuristicRandomSeeds && h.evals < h.maxEvals; k++ {
		d := uint64(2) << (k % 4) // densities 1/2, 1/4, 1/8, 1/16
		for i := range seed {
			seed[i] = rng.Uint64N(d) == 0
		}
		h.set(seed)
		h.climb()
	}
	if h.best <= 0 {
		return nil
	}
	a := v.attackOf(h.bestIn, func(j int, r uint64) (uint64, []int, bool) { return h.cover(j, r, true) })
	if a.value() < h.best {
		panic("security: heuristic search: reconstructed attack worth less than the search credited")
	}
	return &a
}
