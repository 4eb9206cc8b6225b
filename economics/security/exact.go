package security

import (
	"math/bits"
	"slices"
	"sort"
)

// maxExactAllocationsPerService bounds the unique-stake allocations backing
// one service in an exact search: their 2^k subset sums are tabulated, so
// that the cheapest set of allocations completing a coalition is a binary
// search (k = 16: at most 65,536 sums per service).
const maxExactAllocationsPerService = 16

// maxExactOperatorsCap is the most full-stake operators an exact search will
// enumerate whatever Options say (2^30 coalitions).
const maxExactOperatorsCap = 30

// exactResult is what one exhaustive search over a view finds.
type exactResult struct {
	value    int64  // the largest profit - cost over all attacks (may be <= 0)
	cost     uint64 // the cost of that attack (ties go to the cheaper, then the first)
	mask     uint64 // its coalition of the view's full-stake units
	hasRatio bool   // some attacking coalition has positive profit
	ratioNum uint64 // min cost/profit over attacking coalitions with profit > 0
	ratioDen uint64
	count    uint64 // coalitions enumerated
}

// exactFits reports whether an exact search over v is within the limits.
func (v *view) exactFits(lim limits) bool {
	if len(v.full) > lim.ops || len(v.full) > maxExactOperatorsCap || len(v.svc) > lim.svcs {
		return false
	}
	for _, p := range v.pseudo {
		if len(p) > maxExactAllocationsPerService {
			return false
		}
	}
	return true
}

// subsetSums tabulates, per view service, the distinct sums of subsets of
// its allocation units in ascending order, each with one subset (a bit mask
// over v.pseudo[j]) that reaches it. sums[j][0] is 0, the empty subset.
//
// Of several subsets with the same sum, the one kept has the
// lexicographically smallest sorted list of unit indices (v.pseudo[j] is
// in unit order, so bit k stands for the k-th smallest unit). Units have
// positive weight, so two different subsets with the same sum never
// contain one another; the smaller list is then the one holding the
// smallest unit in which they differ, the lowest set bit of a^b.
func (v *view) subsetSums() (sums [][]uint64, masks [][]uint32) {
	sums = make([][]uint64, len(v.svc))
	masks = make([][]uint32, len(v.svc))
	for j, ps := range v.pseudo {
		type entry struct {
			sum  uint64
			mask uint32
		}
		es := make([]entry, 1<<len(ps))
		for k, u := range ps {
			w := v.m.units[u].weight
			half := 1 << k
			for i := 0; i < half; i++ {
				es[half+i] = entry{es[i].sum + w, es[i].mask | 1<<k}
			}
		}
		slices.SortStableFunc(es, func(a, b entry) int {
			switch {
			case a.sum < b.sum:
				return -1
			case a.sum > b.sum:
				return 1
			}
			return 0
		})
		for i, e := range es {
			if i > 0 && e.sum == es[i-1].sum {
				last := &masks[j][len(masks[j])-1]
				if d := e.mask ^ *last; e.mask&(d&-d) != 0 {
					*last = e.mask
				}
				continue
			}
			sums[j] = append(sums[j], e.sum)
			masks[j] = append(masks[j], e.mask)
		}
	}
	return sums, masks
}

// exactCover is the coverFunc of the exact search: the cheapest subset of a
// service's allocations whose stake is at least r. Because an allocation
// costs exactly its stake, the cheapest cover is the smallest subset sum
// >= r.
func exactCover(sums [][]uint64, masks [][]uint32) coverFunc {
	return func(j int, r uint64) (uint64, []int, bool) {
		i := sort.Search(len(sums[j]), func(i int) bool { return sums[j][i] >= r })
		if i == len(sums[j]) {
			return 0, nil, false
		}
		var picks []int
		for m := masks[j][i]; m != 0; m &= m - 1 {
			picks = append(picks, bits.TrailingZeros32(m))
		}
		return sums[j][i], picks, true
	}
}

// ratioItem is a service a coalition can add at extra cost c for profit p.
type ratioItem struct{ c, p uint64 }

// searchExact enumerates every coalition B of the view's full-stake units
// (in Gray-code order, updating each service's backing incrementally) and,
// for each, the services B can corrupt, completed per service by the
// cheapest allocations. Why this finds the worst attack and the exact
// γ-slack is argued in the package doc ("Why the search is exact").
// wantRatio asks for the minimum cost/profit ratio too.
func (v *view) searchExact(wantRatio bool) exactResult {
	n := len(v.full)
	sums, _ := v.subsetSums()
	S := len(v.svc)
	f := make([]uint64, S)
	var K uint64
	res := exactResult{value: -1 << 63}
	var items []ratioItem
	consider := func(num, den uint64) {
		if !res.hasRatio || mulCmp(num, res.ratioDen, res.ratioNum, den) < 0 {
			res.hasRatio, res.ratioNum, res.ratioDen = true, num, den
		}
	}
	evaluate := func(mask uint64) {
		res.count++
		var gain int64
		var extra, free uint64
		items = items[:0]
		for j := 0; j < S; j++ {
			var c uint64
			if f[j] < v.need[j] {
				r := v.need[j] - f[j]
				sj := sums[j]
				if sj[len(sj)-1] < r {
					continue
				}
				lo, hi := 1, len(sj)-1 // sj[0] = 0 < r
				for lo < hi {
					mid := (lo + hi) / 2
					if sj[mid] >= r {
						hi = mid
					} else {
						lo = mid + 1
					}
				}
				c = sj[lo]
			}
			p := v.profit[j]
			switch {
			case c == 0:
				gain += int64(p)
				free += p
			case p > c:
				gain += int64(p - c)
				extra += c
			}
			if wantRatio && c > 0 && p > 0 {
				items = append(items, ratioItem{c, p})
			}
		}
		value := gain - int64(K)
		cost := K + extra
		if value > res.value || (value == res.value && cost < res.cost) {
			res.value, res.cost, res.mask = value, cost, mask
		}
		if !wantRatio {
			return
		}
		// For a fixed coalition the ratio (K + Σc)/(Σp) over a set of
		// services is smallest on a prefix of the services ordered by c/p:
		// adding a service whose c/p is below the current ratio lowers it,
		// one above raises it. Services corrupted for free (c = 0) come first.
		num, den := K, free
		if den > 0 {
			consider(num, den)
		}
		if len(items) > 1 {
			slices.SortFunc(items, func(a, b ratioItem) int { return mulCmp(a.c, b.p, b.c, a.p) })
		}
		for _, it := range items {
			num += it.c
			den += it.p
			consider(num, den)
		}
	}
	toggle := func(i int, add bool) {
		w := v.m.units[v.full[i]].weight
		for _, j := range v.fullSvc[i] {
			if add {
				f[j] += w
			} else {
				f[j] -= w
			}
		}
		if add {
			K += w
		} else {
			K -= w
		}
	}
	var mask uint64
	evaluate(0)
	for i := uint64(1); i < 1<<n; i++ {
		b := bits.TrailingZeros64(i)
		mask ^= 1 << b
		toggle(b, mask&(1<<b) != 0)
		evaluate(mask)
	}
	return res
}

// bestExact runs the exact search and returns the worst attack, if any is
// valid (profit > cost).
func (v *view) bestExact(wantRatio bool) (exactResult, *found) {
	res := v.searchExact(wantRatio)
	if res.value <= 0 {
		return res, nil
	}
	inB := make([]bool, len(v.full))
	for i := range inB {
		inB[i] = res.mask&(1<<i) != 0
	}
	sums, masks := v.subsetSums()
	a := v.attackOf(inB, exactCover(sums, masks))
	if a.value() != res.value {
		panic("security: exact search: reconstructed attack disagrees with the search")
	}
	return res, &a
}
