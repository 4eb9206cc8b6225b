package security

import (
	"math/bits"
	"slices"
)

// cheapestKnapsackNodes bounds the branch-and-bound nodes one exact
// cheapest search spends choosing, per coalition, which services to
// complete with allocations (TigerBeetle: put a limit on everything). Past
// it every remaining coalition gets only its greedy choice, a valid attack
// but not necessarily its cheapest, and the search reports itself inexact.
// Only unique-stake graphs need the knapsack at all.
const cheapestKnapsackNodes = 1 << 22

// cheapItem is a service a coalition can add to its attack only by paying
// for allocations: cover cost c > 0, profit p > c, gain g = p - c.
type cheapItem struct {
	j       int // view service
	c, g, p uint64
}

// cheapBest is the best candidate of an exact cheapest search so far: a
// coalition of full-stake units (mask over the view's full units) and the
// view services it completes with allocations (items), with the relaxed
// cost σ(B) + Σ c_s and the profit.
type cheapBest struct {
	has          bool
	cost, profit uint64
	mask         uint64
	items        []int // view services, ascending
	units        []int // the attack's units, once a tie needed them
	unitsKnown   bool
}

// cheapSearch is the state of an exact cheapest search.
type cheapSearch struct {
	v        *view
	sums     [][]uint64
	masks    [][]uint32
	best     cheapBest
	nodes    int
	maxNodes int
	cut      bool // the node budget ran out

	// The coalition being evaluated.
	mask   uint64
	k      uint64 // σ(B)
	free   uint64 // profit of the services B corrupts on its own
	r      uint64 // the items chosen must gain more than r
	items  []cheapItem
	suffix []uint64 // suffix[i]: gain of items[i:]
	chosen []int    // view services of the items on the current branch
}

// searchCheapest finds the valid attack of least cost on the view, ties
// going to the larger profit, then to the lexicographically smallest
// sorted list of unit indices; nil when no valid attack exists. exact is
// false only when the knapsack budget ran out (the attack is then valid
// but maybe not the cheapest; whether one exists is still decided
// exactly). Why the enumeration is exhaustive is argued in the package doc
// ("Why the cheapest search is exact"); in short, for every coalition B of
// full-stake units it solves exactly
//
//	minimise  σ(B) + Σ_{s∈A} c_s(B)
//	over      A ⊆ {s : c_s(B) < ∞}
//	with      π(A) > σ(B) + Σ_{s∈A} c_s(B),
//
// which takes every service B corrupts on its own (c_s = 0), never one
// with π_s <= c_s, and chooses among the rest — each gaining g_s = π_s -
// c_s > 0 — a set gaining more than r = σ(B) - π(free) at least extra
// cost: a covering knapsack, solved by branch and bound (items by c/g, the
// fractional relaxation as lower bound, pruned against the best attack so
// far).
func (v *view) searchCheapest() (f *found, exact bool) {
	return v.searchCheapestWithin(cheapestKnapsackNodes)
}

// searchCheapestWithin is searchCheapest with a knapsack budget of
// maxNodes branch-and-bound nodes.
func (v *view) searchCheapestWithin(maxNodes int) (f *found, exact bool) {
	n := len(v.full)
	s := &cheapSearch{v: v, maxNodes: maxNodes}
	s.sums, s.masks = v.subsetSums()
	S := len(v.svc)
	back := make([]uint64, S) // backing of each service by the current coalition
	evaluate := func() {
		if s.best.has && s.k > s.best.cost {
			return // every attack of this coalition costs at least σ(B)
		}
		s.free = 0
		s.items = s.items[:0]
		var gains uint64
		for j := 0; j < S; j++ {
			var c uint64
			if back[j] < v.need[j] {
				rr := v.need[j] - back[j]
				sj := s.sums[j]
				if sj[len(sj)-1] < rr {
					continue
				}
				lo, hi := 1, len(sj)-1 // sj[0] = 0 < rr
				for lo < hi {
					mid := (lo + hi) / 2
					if sj[mid] >= rr {
						hi = mid
					} else {
						lo = mid + 1
					}
				}
				c = sj[lo]
			}
			switch p := v.profit[j]; {
			case c == 0:
				s.free += p
			case p > c:
				s.items = append(s.items, cheapItem{j: j, c: c, g: p - c, p: p})
				gains += p - c
			}
		}
		if s.free+gains <= s.k {
			return // no valid attack with this coalition (its worst is worth <= 0)
		}
		s.chosen = s.chosen[:0]
		if s.free > s.k {
			s.leaf(0, 0) // the free services alone pay
			return
		}
		s.r = s.k - s.free
		sortByRatio(s.items)
		s.suffix = s.suffix[:0]
		for range len(s.items) + 1 {
			s.suffix = append(s.suffix, 0)
		}
		for i := len(s.items) - 1; i >= 0; i-- {
			s.suffix[i] = s.suffix[i+1] + s.items[i].g
		}
		// The greedy prefix first: a valid attack whatever the budget.
		var c, g, p uint64
		for i := 0; g <= s.r; i++ {
			it := s.items[i]
			c, g, p = c+it.c, g+it.g, p+it.p
			s.chosen = append(s.chosen, it.j)
		}
		s.leaf(c, p)
		s.chosen = s.chosen[:0]
		s.dfs(0, 0, 0, 0)
	}
	var mask uint64
	evaluate()
	for i := uint64(1); i < 1<<n; i++ {
		b := bits.TrailingZeros64(i)
		mask ^= 1 << b
		add := mask&(1<<b) != 0
		w := v.m.units[v.full[b]].weight
		for _, j := range v.fullSvc[b] {
			if add {
				back[j] += w
			} else {
				back[j] -= w
			}
		}
		if add {
			s.k += w
		} else {
			s.k -= w
		}
		s.mask = mask
		evaluate()
	}
	if !s.best.has {
		return nil, !s.cut
	}
	a := s.attack(s.best.mask, s.best.items)
	if a.profit != s.best.profit || a.cost > s.best.cost || (!s.cut && a.cost != s.best.cost) || a.profit <= a.cost {
		panic("security: cheapest search: reconstructed attack disagrees with the search")
	}
	return &a, !s.cut
}

// sortByRatio orders items by cost per gain, c/g ascending (exactly, by
// 128-bit cross products), ties by view service.
func sortByRatio(items []cheapItem) {
	slices.SortFunc(items, func(a, b cheapItem) int {
		if c := mulCmp(a.c, b.g, b.c, a.g); c != 0 {
			return c
		}
		return a.j - b.j
	})
}

// dfs is the branch and bound over s.items[i:] with cost c, gain g and
// profit p of the items chosen so far.
func (s *cheapSearch) dfs(i int, c, g, p uint64) {
	if g > s.r {
		s.leaf(c, p) // more items only cost more
		return
	}
	if i == len(s.items) {
		return
	}
	if s.nodes >= s.maxNodes {
		s.cut = true
		return
	}
	s.nodes++
	need := s.r + 1 - g // gains are integers: "> r" is ">= r + 1"
	if s.suffix[i] < need {
		return
	}
	if s.best.has && s.k+c+fractionalCost(s.items[i:], need) > s.best.cost {
		return
	}
	it := s.items[i]
	s.chosen = append(s.chosen, it.j)
	s.dfs(i+1, c+it.c, g+it.g, p+it.p)
	s.chosen = s.chosen[:len(s.chosen)-1]
	s.dfs(i+1, c, g, p)
}

// fractionalCost is the least cost of gaining need from items (sorted by
// c/g) when items may be taken in part — the linear relaxation of the
// knapsack, rounded up: a lower bound on any integral choice, whose costs
// are integers. The caller ensures the items gain at least need.
func fractionalCost(items []cheapItem, need uint64) uint64 {
	var lb uint64
	for _, it := range items {
		if it.g >= need {
			hi, lo := bits.Mul64(it.c, need)
			q, r := bits.Div64(hi, lo, it.g) // need <= g, so the quotient is <= c
			if r != 0 {
				q++
			}
			return lb + q
		}
		lb += it.c
		need -= it.g
	}
	return lb
}

// leaf offers the current coalition with the current items (extra cost c,
// their profit p) as the cheapest attack.
func (s *cheapSearch) leaf(c, p uint64) {
	cost, profit := s.k+c, s.free+p
	b := &s.best
	switch {
	case !b.has || cost < b.cost || (cost == b.cost && profit > b.profit):
		*b = cheapBest{has: true, cost: cost, profit: profit, mask: s.mask, items: sortedClone(s.chosen)}
	case cost == b.cost && profit == b.profit:
		items := sortedClone(s.chosen)
		units := s.attack(s.mask, items).units
		if !b.unitsKnown {
			b.units, b.unitsKnown = s.attack(b.mask, b.items).units, true
		}
		if slices.Compare(units, b.units) < 0 {
			*b = cheapBest{has: true, cost: cost, profit: profit, mask: s.mask, items: items, units: units, unitsKnown: true}
		}
	}
}

func sortedClone(xs []int) []int {
	out := slices.Clone(xs)
	slices.Sort(out)
	return out
}

// attack builds the attack of coalition mask completing the view services
// items with their cheapest allocations (the lexicographically smallest
// set among equally cheap ones; see subsetSums).
func (s *cheapSearch) attack(mask uint64, items []int) found {
	inB := make([]bool, len(s.v.full))
	for i := range inB {
		inB[i] = mask&(1<<i) != 0
	}
	return s.v.attackWith(inB, exactCover(s.sums, s.masks), func(j int, _ uint64) bool {
		_, ok := slices.BinarySearch(items, j)
		return ok
	})
}
