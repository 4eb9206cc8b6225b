package security

import "slices"

// unit is one slashable piece of stake in the search model (see the package
// doc, "Model"): a full-stake operator, whose whole stake backs every service
// it is allocated to and is lost once, or one allocation of a unique-stake
// operator, which backs one service and is lost only when that service
// slashes it. Units of zero weight are left out: they neither help a
// coalition nor cost it anything.
type unit struct {
	op     int    // graph operator index
	weight uint64 // Gwei: σ_v for a full-stake operator, w(v, s) for an allocation
	full   bool
	svcs   []int // graph service indices, ascending; exactly one for an allocation
}

// model is a validated graph turned into units.
type model struct {
	g       *Graph
	units   []unit
	opUnits [][]int // per operator, its unit indices
	total   uint64  // σ(V): all operators' stake, allocated or not
}

func newModel(g *Graph) *model {
	m := &model{g: g, opUnits: make([][]int, len(g.Operators))}
	type alloc struct {
		svc int
		mag uint64
	}
	per := make([][]alloc, len(g.Operators))
	for _, a := range g.Allocations {
		per[a.Operator] = append(per[a.Operator], alloc{a.Service, a.Magnitude})
	}
	for op, o := range g.Operators {
		m.total += o.Stake
		as := per[op]
		slices.SortFunc(as, func(a, b alloc) int { return a.svc - b.svc })
		if len(as) == 0 || o.Stake == 0 {
			continue
		}
		if as[0].mag == 0 { // Validate: all without magnitudes
			svcs := make([]int, len(as))
			for i, a := range as {
				svcs[i] = a.svc
			}
			m.opUnits[op] = append(m.opUnits[op], len(m.units))
			m.units = append(m.units, unit{op: op, weight: o.Stake, full: true, svcs: svcs})
			continue
		}
		for _, a := range as {
			w := StakeBacking(o.Stake, a.mag)
			if w == 0 {
				continue
			}
			m.opUnits[op] = append(m.opUnits[op], len(m.units))
			m.units = append(m.units, unit{op: op, weight: w, svcs: []int{a.svc}})
		}
	}
	return m
}

// view is the part of the network a search runs on: the units still alive
// and the services not yet compromised, with each service's backing stake
// and corruption need recomputed over what remains (the paper's G↓D).
type view struct {
	m       *model
	svc     []int    // open graph services, ascending
	profit  []uint64 // per view service
	need    []uint64 // per view service: ceil(α·W/WAD) over the remaining backing W
	backing []uint64 // per view service: W
	full    []int    // alive full-stake units backing at least one open service
	fullSvc [][]int  // per full unit of the view: view service positions
	pseudo  [][]int  // per view service: alive allocation units backing it
}

// newView builds the view of the units with alive[u] and the services with
// open[s]; nil slices mean all.
func (m *model) newView(alive, open []bool) *view {
	g := m.g
	v := &view{m: m}
	pos := make([]int, len(g.Services))
	for s := range g.Services {
		pos[s] = -1
		if open == nil || open[s] {
			pos[s] = len(v.svc)
			v.svc = append(v.svc, s)
			v.profit = append(v.profit, g.Services[s].Profit)
		}
	}
	v.backing = make([]uint64, len(v.svc))
	v.pseudo = make([][]int, len(v.svc))
	for u, un := range m.units {
		if alive != nil && !alive[u] {
			continue
		}
		if !un.full {
			j := pos[un.svcs[0]]
			if j >= 0 {
				v.pseudo[j] = append(v.pseudo[j], u)
				v.backing[j] += un.weight
			}
			continue
		}
		var js []int
		for _, s := range un.svcs {
			if j := pos[s]; j >= 0 {
				js = append(js, j)
				v.backing[j] += un.weight
			}
		}
		if len(js) > 0 {
			v.full = append(v.full, u)
			v.fullSvc = append(v.fullSvc, js)
		}
	}
	v.need = make([]uint64, len(v.svc))
	for j, s := range v.svc {
		v.need[j] = corruptionNeed(g.Services[s].Threshold, v.backing[j])
	}
	return v
}

// found is an attack in model terms: the participating units and the
// services they corrupt, with its cost and profit.
type found struct {
	units  []int // ascending
	svcs   []int // graph service indices, ascending
	cost   uint64
	profit uint64
}

func (f *found) value() int64 { return int64(f.profit) - int64(f.cost) }

// coverFunc returns the cost of the allocation units (positions into
// v.pseudo[j]) a search adds to reach r more backing stake on view service
// j, and which ones; ok is false when they cannot.
type coverFunc func(j int, r uint64) (cost uint64, picks []int, ok bool)

// attackOf turns a coalition of the view's full-stake units (inB, by view
// position) into the attack the searches credit it with: every open service
// it can corrupt either on its own or with allocations that cost less than
// the service's profit (plus those it corrupts for free), with the
// coalition trimmed to the units backing those services.
func (v *view) attackOf(inB []bool, cover coverFunc) found {
	return v.attackWith(inB, cover, func(j int, c uint64) bool { return v.profit[j] > c })
}

// attackWith is attackOf with the rule for services that need allocations
// given by take: view service j, which the coalition completes with
// allocations costing c > 0, joins the attack when take(j, c). Services the
// coalition corrupts on its own always join.
func (v *view) attackWith(inB []bool, cover coverFunc, take func(j int, c uint64) bool) found {
	f := make([]uint64, len(v.svc))
	for i, in := range inB {
		if in {
			w := v.m.units[v.full[i]].weight
			for _, j := range v.fullSvc[i] {
				f[j] += w
			}
		}
	}
	var a found
	inA := make([]bool, len(v.svc))
	var units []int
	for j := range v.svc {
		var r uint64
		if f[j] < v.need[j] {
			r = v.need[j] - f[j]
		}
		c, picks, ok := cover(j, r)
		if !ok || (c != 0 && !take(j, c)) {
			continue
		}
		inA[j] = true
		a.svcs = append(a.svcs, v.svc[j])
		a.profit += v.profit[j]
		for _, p := range picks {
			u := v.pseudo[j][p]
			units = append(units, u)
			a.cost += v.m.units[u].weight
		}
	}
	for i, in := range inB {
		if !in {
			continue
		}
		for _, j := range v.fullSvc[i] {
			if inA[j] {
				units = append(units, v.full[i])
				a.cost += v.m.units[v.full[i]].weight
				break
			}
		}
	}
	slices.Sort(units)
	a.units = units
	return a
}

// toAttack renders a found attack with graph ids, in graph order (units are
// numbered by operator, then service, so f.units is already in that order).
func (m *model) toAttack(f found) Attack {
	a := Attack{Operators: []string{}, Services: []string{}, CostGwei: f.cost, ProfitGwei: f.profit}
	var ops []int
	for _, u := range f.units {
		un := m.units[u]
		ops = append(ops, un.op)
		if !un.full {
			a.Allocations = append(a.Allocations, AttackAllocation{
				Operator:  m.g.Operators[un.op].ID,
				Service:   m.g.Services[un.svcs[0]].ID,
				StakeGwei: un.weight,
			})
		}
	}
	slices.Sort(ops)
	for _, op := range slices.Compact(ops) {
		a.Operators = append(a.Operators, m.g.Operators[op].ID)
	}
	for _, s := range f.svcs {
		a.Services = append(a.Services, m.g.Services[s].ID)
	}
	return a
}
