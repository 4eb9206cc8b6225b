package scenarios

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// This file decodes a scenario's `restaking:` block into a Restaking
// (restaking.go) and the fractions of the schema (WAD) in general. doc.go
// documents the block for users ("Restaking"); keep the two in step.

// Restaking block limits.
const (
	// MaxRestakingDelay bounds the delays and veto windows, in epochs.
	MaxRestakingDelay = 1 << 20
	// MaxRestakingProfitETH bounds the sum of the AVSs' profits from
	// corruption (10^18 Gwei), so that sums of profits never overflow.
	MaxRestakingProfitETH = MaxTotalStakeETH
	maxAVSs               = 256
	maxRestakingOperators = maxGroups // each restakes at least one group of its own
	maxRestakingStakers   = 4096
	// defaultCommissionBps is EigenLayer's global default operator
	// commission (GLOBAL_OPERATOR_COMMISSION_BIPS, 10%).
	defaultCommissionBps = 1000
	bpsPerWAD            = GraphWAD / 10_000
	// exprDigits is how many significant digits of an expression's value a
	// decimal field keeps: every decimal of 15 digits survives a trip
	// through float64, so "${p / 10}" with p = 3 is exactly 0.3.
	exprDigits = 15
)

func restakingFields() []string { return []string{"delays", "avss", "operators", "stakers"} }

func restakingDelayFields() []string { return []string{"allocation", "deallocation", "withdrawal"} }

func avsFields() []string {
	return []string{"name", "threshold", "profit_eth", "reward_rate", "slash_fraction", "redistribute_to", "veto_epochs", "buggy"}
}

func restakingOperatorFields() []string {
	return []string{"name", "groups", "avss", "allocation", "magnitudes", "byzantine", "commission"}
}

func restakingStakerFields() []string { return []string{"name", "operator", "share", "panic"} }

// AllocationPolicies returns the allocation policies a restaking operator
// may name, in documentation order.
func AllocationPolicies() []string {
	return []string{AllocationEven, AllocationConservative, AllocationYield}
}

// wadRange is an interval of fractions in WAD, each end open or closed.
type wadRange struct {
	lo, hi         uint64
	loOpen, hiOpen bool
}

// The ranges the schema's fractions take.
var (
	rangeOC = wadRange{lo: 0, hi: GraphWAD, loOpen: true}               // (0, 1]
	rangeCC = wadRange{lo: 0, hi: GraphWAD}                             // [0, 1]
	rangeCO = wadRange{lo: 0, hi: GraphWAD, hiOpen: true}               // [0, 1)
	rangeOO = wadRange{lo: 0, hi: GraphWAD, loOpen: true, hiOpen: true} // (0, 1)
)

func (r wadRange) contains(v uint64) bool {
	return (v > r.lo || (!r.loOpen && v == r.lo)) && (v < r.hi || (!r.hiOpen && v == r.hi))
}

func (r wadRange) String() string {
	open, closing := "[", "]"
	if r.loOpen {
		open = "("
	}
	if r.hiOpen {
		closing = ")"
	}
	return open + formatWAD(r.lo) + ", " + formatWAD(r.hi) + closing
}

// decimalUnits decodes a numeric field into a whole number of units of
// 10^-decimals, exactly: a literal as written (parseDecimal), an
// expression's value rounded to exprDigits significant digits first. It
// returns the magnitude, whether the value is negative, and the value as
// shown in messages. A value too large for a uint64 comes back as
// math.MaxUint64, for the caller's range check to reject.
func (d *decoder) decimalUnits(f field, decimals int, unit string) (v uint64, neg bool, text string, ok bool) {
	n, ok := d.number(f, true)
	if !ok {
		return 0, false, "", false
	}
	text = n.text
	var src string
	if n.expr {
		switch a := math.Abs(n.f); {
		case !finite(n.f):
			d.errorf(d.valuePos(f), f.path, "%s is not a finite number", n.text)
			return 0, false, "", false
		case a >= 1e20: // more than a uint64 of units: out of every range
			return math.MaxUint64, n.f < 0, text, true
		case a > 0 && a < 1e-30: // finer than any unit; parseDecimal takes exponents down to -40 only
			d.errorf(d.valuePos(f), f.path, "%s: more than %d decimals; %s", text, decimals, unit)
			return 0, false, "", false
		}
		src = strconv.FormatFloat(n.f, 'g', exprDigits, 64)
	} else if tk := f.value.GetToken(); tk != nil {
		src, text = tk.Value, tk.Value
	}
	v, neg, err := parseDecimal(src, decimals)
	if errors.Is(err, errTooLarge) {
		return math.MaxUint64, neg, text, true
	}
	if err != nil {
		d.errorf(d.valuePos(f), f.path, "%s: %v; %s", text, err, unit)
		return 0, false, "", false
	}
	return v, neg, text, true
}

// fractionWAD decodes a fraction in r into WAD (1e18 = 1), exactly.
func (d *decoder) fractionWAD(f field, r wadRange) (uint64, bool) {
	v, neg, text, ok := d.decimalUnits(f, 18, "fractions are whole WAD (1e-18)")
	if !ok {
		return 0, false
	}
	if neg || !r.contains(v) {
		d.errorf(d.valuePos(f), f.path, "%s is outside %s", text, r)
		return 0, false
	}
	return v, true
}

// amountGwei decodes an amount of ETH, 0 or more and at most maxETH, into
// Gwei, exactly.
func (d *decoder) amountGwei(f field, maxETH uint64) (uint64, bool) {
	v, neg, text, ok := d.decimalUnits(f, 9, "amounts are whole Gwei (1e-9 ETH)")
	if !ok {
		return 0, false
	}
	switch {
	case neg:
		d.errorf(d.valuePos(f), f.path, "%s is negative; the amount is 0 or more", text)
		return 0, false
	case v > maxETH*gweiPerETH:
		d.errorf(d.valuePos(f), f.path, "%s ETH is greater than the maximum %d", text, maxETH)
		return 0, false
	}
	return v, true
}

// ref is one name in a list of names, with its own place in the file.
type ref struct {
	name string
	f    field
}

// refs decodes a list of names ([a-z0-9_-]+) of things of kind what, at
// most limit of them, each at most once. required asks for at least one
// (and reports an absent or null field).
func (d *decoder) refs(o *object, key, what string, limit int, required bool) ([]ref, bool) {
	items, ok := d.boundedList(o, key, what, limit, required)
	if !ok {
		return nil, false
	}
	var out []ref
	good := true
	first := map[string]string{}
	for _, ef := range items {
		name, ok := d.name(ef, groupNameRe, "[a-z0-9_-]+")
		if !ok {
			good = false
			continue
		}
		if at, dup := first[name]; dup {
			d.errorf(d.valuePos(ef), ef.path, "%s %q is listed twice (first at %s)", what, name, at)
			good = false
			continue
		}
		first[name] = ef.path
		out = append(out, ref{name: name, f: ef})
	}
	return out, good
}

// entityName decodes the required name of a list entry, unique among the
// entries seen (name -> path of the entry that declared it), and records
// it there.
func (d *decoder) entityName(o *object, what string, seen map[string]string) (string, bool) {
	nf, ok := d.require(o, "name")
	if !ok {
		return "", false
	}
	name, ok := d.name(nf, groupNameRe, "[a-z0-9_-]+")
	if !ok {
		return "", false
	}
	if first, dup := seen[name]; dup {
		d.errorf(d.valuePos(nf), nf.path, "duplicate %s name %q (first at %s)", what, name, first)
		return "", false
	}
	seen[name] = o.path
	return name, true
}

// boundedList decodes the list field key of o as one field per entry: at
// most limit entries of things of kind what, at least one when required
// (which also reports an absent or null field).
func (d *decoder) boundedList(o *object, key, what string, limit int, required bool) ([]field, bool) {
	f := o.get(key)
	if required {
		if _, ok := d.require(o, key); !ok {
			return nil, false
		}
	}
	items, ok := d.list(f)
	if !ok {
		return nil, false
	}
	if required && len(items) == 0 {
		d.errorf(d.valuePos(f), f.path, "needs at least one %s", what)
		return nil, false
	}
	if len(items) > limit {
		d.errorf(d.valuePos(f), f.path, "%d %ss; the limit is %d", len(items), what, limit)
		return nil, false
	}
	out := make([]field, len(items))
	for i, item := range items {
		out[i] = field{name: key, path: index(f.path, i), key: item, value: item}
	}
	return out, true
}

// decodedAVS is an AVS with what the checks across the block need.
type decodedAVS struct {
	avs   AVS
	buggy []ref // the buggy slash's operators, checked once operators are known
}

// decodedOperator is a restaking operator with what the checks across the
// block need.
type decodedOperator struct {
	op     RestakingOperator
	path   string
	avssOK bool // its avss decoded without a problem
}

// decodeRestaking decodes the `restaking:` block; absent or null means no
// restaking (nil). groups are the validator groups whose names decoded.
func (d *decoder) decodeRestaking(f field, groups []Group) *Restaking {
	if isNull(f.value) {
		return nil
	}
	o, ok := d.object(f.value, f.path, restakingFields(), nil)
	if !ok {
		return nil
	}
	r := &Restaking{}
	d.decodeRestakingDelays(o.get("delays"), r)
	// A reference to a name is reported as unknown only when every entry
	// of that kind decoded its name: otherwise it could be an echo of the
	// problem with the entry.
	avss, avssComplete := d.decodeAVSs(o)
	ops, opsComplete := d.decodeRestakingOperators(o, avss, avssComplete, groups)
	d.checkBuggy(avss, ops, opsComplete)
	r.Stakers = d.decodeRestakingStakers(o, ops, opsComplete)
	for _, a := range avss {
		r.AVSs = append(r.AVSs, a.avs)
	}
	for _, op := range ops {
		r.Operators = append(r.Operators, op.op)
	}
	return r
}

func (d *decoder) decodeRestakingDelays(f field, r *Restaking) {
	if isNull(f.value) {
		return
	}
	o, ok := d.object(f.value, f.path, restakingDelayFields(), nil)
	if !ok {
		return
	}
	for _, dl := range []struct {
		key string
		dst **uint64
	}{
		{"allocation", &r.AllocationDelay},
		{"deallocation", &r.DeallocationDelay},
		{"withdrawal", &r.WithdrawalDelay},
	} {
		if df := o.get(dl.key); df.present() {
			if v, ok := d.uint(df, 0, MaxRestakingDelay); ok {
				*dl.dst = &v
			}
		}
	}
}

// decodeAVSs decodes the AVSs in file order. Entries whose name did not
// decode are left out, so that the checks across the block can refer to
// the others by name; complete reports that there were none.
func (d *decoder) decodeAVSs(o *object) (avss []decodedAVS, complete bool) {
	items, ok := d.boundedList(o, "avss", "AVS", maxAVSs, true)
	if !ok {
		return nil, false
	}
	complete = true
	seen := map[string]string{}
	var profitSum uint64
	profitSumOK := true
	for _, item := range items {
		ao, ok := d.object(item.value, item.path, avsFields(), nil)
		if !ok {
			complete = false
			continue
		}
		a := decodedAVS{avs: AVS{SlashFractionWAD: GraphWAD}}
		name, named := d.entityName(ao, "AVS", seen)
		a.avs.Name = name
		if tf, ok := d.require(ao, "threshold"); ok {
			a.avs.ThresholdWAD, _ = d.fractionWAD(tf, rangeOC)
		}
		if pf, ok := d.require(ao, "profit_eth"); ok {
			if v, ok := d.amountGwei(pf, MaxRestakingProfitETH); ok && profitSumOK {
				a.avs.ProfitGwei = v
				profitSum += v // both at most 10^18: no overflow
				if profitSum > MaxRestakingProfitETH*gweiPerETH {
					d.errorf(d.valuePos(pf), pf.path, "the AVSs' profits up to here add up to more than %d ETH", MaxRestakingProfitETH)
					profitSumOK = false
				}
			}
		}
		if rf := ao.get("reward_rate"); rf.present() {
			a.avs.RewardRateWAD, _ = d.fractionWAD(rf, rangeCC)
		}
		if sf := ao.get("slash_fraction"); sf.present() {
			a.avs.SlashFractionWAD, _ = d.fractionWAD(sf, rangeOC)
		}
		if rf := ao.get("redistribute_to"); rf.present() && !isNull(rf.value) {
			a.avs.RedistributeTo, _ = d.name(rf, groupNameRe, "[a-z0-9_-]+")
		}
		if vf := ao.get("veto_epochs"); vf.present() {
			a.avs.VetoEpochs, _ = d.uint(vf, 0, MaxRestakingDelay)
		}
		if bf := ao.get("buggy"); bf.present() && !isNull(bf.value) {
			a.avs.Buggy, a.buggy = d.decodeBuggy(bf)
		}
		if named {
			avss = append(avss, a)
		} else {
			complete = false
		}
	}
	return avss, complete
}

// decodeBuggy decodes a buggy AVS's wrongful slashing; its operators are
// checked once the operators are known (checkBuggy). The epoch may lie at
// or past the end of the run, which then never reaches it.
func (d *decoder) decodeBuggy(f field) (*BuggySlash, []ref) {
	bo, ok := d.object(f.value, f.path, []string{"epoch", "operators"}, nil)
	if !ok {
		return nil, nil
	}
	b := &BuggySlash{}
	if ef, ok := d.require(bo, "epoch"); ok {
		b.Epoch, _ = d.uint(ef, 0, MaxEpochs)
	}
	ops, _ := d.refs(bo, "operators", "operator", maxRestakingOperators, true)
	for _, r := range ops {
		b.Operators = append(b.Operators, r.name)
	}
	return b, ops
}

func avsNames(avss []decodedAVS) []string {
	names := make([]string, len(avss))
	for i, a := range avss {
		names[i] = a.avs.Name
	}
	return names
}

// decodeRestakingOperators decodes the operators in file order, checking
// their groups and AVSs; entries whose name did not decode are left out
// (complete reports that there were none). avssComplete is decodeAVSs's.
func (d *decoder) decodeRestakingOperators(o *object, avss []decodedAVS, avssComplete bool, groups []Group) (ops []decodedOperator, complete bool) {
	items, ok := d.boundedList(o, "operators", "operator", maxRestakingOperators, true)
	if !ok {
		return nil, false
	}
	complete = true
	known := avsNames(avss)
	groupNames := make([]string, len(groups))
	byGroup := map[string]*Group{}
	for i := range groups {
		groupNames[i] = groups[i].Name
		byGroup[groups[i].Name] = &groups[i]
	}
	restakedBy := map[string]string{} // group -> path of the operator that restakes it
	seen := map[string]string{}
	for _, item := range items {
		oo, ok := d.object(item.value, item.path, restakingOperatorFields(), nil)
		if !ok {
			complete = false
			continue
		}
		op := decodedOperator{op: RestakingOperator{Allocation: AllocationEven, CommissionBps: defaultCommissionBps}, path: item.path}
		name, named := d.entityName(oo, "operator", seen)
		op.op.Name = name

		gs, _ := d.refs(oo, "groups", "validator group", maxGroups, true)
		for _, g := range gs {
			grp := byGroup[g.name]
			switch other, taken := restakedBy[g.name]; {
			case grp == nil:
				d.errorf(d.valuePos(g.f), g.f.path, "unknown validator group %q (groups: %s)", g.name, strings.Join(groupNames, ", "))
			case taken:
				d.errorf(d.valuePos(g.f), g.f.path, "validator group %q is already restaked by %s; a group's ETH backs one operator", g.name, other)
			case grp.Credentials != 0x01 && grp.Credentials != 0x02:
				d.errorf(d.valuePos(g.f), g.f.path, "validator group %q has withdrawal credentials 0x%02x: restaked ETH must be exitable by EIP-7002 requests from its execution address; give the group withdrawal_credentials \"0x01\" or \"0x02\"",
					g.name, grp.Credentials)
			default:
				restakedBy[g.name] = item.path
				op.op.Groups = append(op.op.Groups, g.name)
			}
		}

		as, avssOK := d.refs(oo, "avss", "AVS", maxAVSs, true)
		for _, a := range as {
			if !contains(known, a.name) {
				if avssComplete {
					d.errorf(d.valuePos(a.f), a.f.path, "unknown AVS %q (AVSs: %s)", a.name, strings.Join(known, ", "))
				}
				avssOK = false
				continue
			}
			op.op.AVSs = append(op.op.AVSs, a.name)
		}
		op.avssOK = avssOK
		// mine reports whether the AVS named by r is one of the operator's,
		// reporting it if not; the problems are skipped when its avss did
		// not decode, since they might be echoes.
		mine := func(r ref) bool {
			switch {
			case !contains(known, r.name):
				if avssComplete {
					d.errorf(d.valuePos(r.f), r.f.path, "unknown AVS %q (AVSs: %s)", r.name, strings.Join(known, ", "))
				}
				return false
			case contains(op.op.AVSs, r.name):
				return true
			case avssOK:
				d.errorf(d.valuePos(r.f), r.f.path, "AVS %q is not among the operator's avss (%s)", r.name, strings.Join(op.op.AVSs, ", "))
			}
			return false
		}

		af, mf := oo.get("allocation"), oo.get("magnitudes")
		hasAlloc, hasMag := af.present() && !isNull(af.value), mf.present() && !isNull(mf.value)
		switch {
		case hasAlloc && hasMag:
			later := mf
			if d.pos(mf.key).before(d.pos(af.key)) {
				later = af
			}
			d.errorf(d.pos(later.key), later.path, "give allocation or magnitudes, not both (magnitudes replace the allocation policy)")
		case hasAlloc:
			if v, ok := d.enum(af, AllocationPolicies()...); ok {
				op.op.Allocation = v
			}
		case hasMag:
			op.op.Magnitudes = d.decodeMagnitudes(mf, op.op.Name, mine)
		}

		byz, _ := d.refs(oo, "byzantine", "AVS", maxAVSs, false)
		for _, b := range byz {
			if mine(b) {
				op.op.Byzantine = append(op.op.Byzantine, b.name)
			}
		}

		if cf := oo.get("commission"); cf.present() {
			if v, ok := d.fractionWAD(cf, rangeCC); ok {
				if v%bpsPerWAD != 0 {
					d.errorf(d.valuePos(cf), cf.path, "%s is not a whole number of basis points (0.0001)", formatWAD(v))
				} else {
					op.op.CommissionBps = v / bpsPerWAD
				}
			}
		}
		if named {
			ops = append(ops, op)
		} else {
			complete = false
		}
	}
	return ops, complete
}

// decodeMagnitudes decodes an operator's explicit allocations, in file
// order: each AVS one of the operator's, each magnitude in (0, 1], their
// sum at most 1 (reported at the entry that passes 1).
func (d *decoder) decodeMagnitudes(f field, opName string, mine func(ref) bool) []AVSMagnitude {
	mo, ok := d.objectOf(f.value, f.path, "AVS magnitudes", nil)
	if !ok {
		return nil
	}
	if len(mo.ordered) == 0 {
		d.errorf(d.valuePos(f), f.path, "needs at least one AVS: magnitude entry (leave magnitudes out to use the allocation policy)")
		return nil
	}
	var out []AVSMagnitude
	var sum uint64
	over := false
	for _, mf := range mo.ordered {
		kf := field{name: mf.name, path: mf.path, key: mf.key, value: mf.key}
		name, nameOK := d.name(kf, groupNameRe, "[a-z0-9_-]+")
		if nameOK {
			nameOK = mine(ref{name: name, f: kf})
		}
		v, ok := d.fractionWAD(mf, rangeOC)
		if !ok {
			continue
		}
		if !over {
			sum += v // sum <= WAD before, v <= WAD: no overflow
			if sum > GraphWAD {
				over = true
				d.errorf(d.valuePos(mf), mf.path, "operator %q: its magnitudes up to here add up to %s, more than 1", opName, formatWAD(sum))
			}
		}
		if nameOK {
			out = append(out, AVSMagnitude{AVS: name, MagnitudeWAD: v})
		}
	}
	return out
}

// checkBuggy checks that every operator a buggy AVS slashes exists and is
// registered with that AVS. opsComplete is decodeRestakingOperators's.
func (d *decoder) checkBuggy(avss []decodedAVS, ops []decodedOperator, opsComplete bool) {
	byName := map[string]*decodedOperator{}
	var names []string
	for i := range ops {
		byName[ops[i].op.Name] = &ops[i]
		names = append(names, ops[i].op.Name)
	}
	for _, a := range avss {
		for _, b := range a.buggy {
			op := byName[b.name]
			switch {
			case op == nil && opsComplete:
				d.errorf(d.valuePos(b.f), b.f.path, "unknown operator %q (operators: %s)", b.name, strings.Join(names, ", "))
			case op == nil:
			case op.avssOK && !contains(op.op.AVSs, a.avs.Name):
				d.errorf(d.valuePos(b.f), b.f.path, "operator %q is not registered with AVS %q: add %q to %s.avss", b.name, a.avs.Name, a.avs.Name, op.path)
			}
		}
	}
}

// decodeRestakingStakers decodes the stakers in file order. Staker names
// are unique and differ from the operators' (the ledger keeps operators and
// stakers in one namespace); the shares of one operator's stakers add up to
// at most 1. opsComplete is decodeRestakingOperators's.
func (d *decoder) decodeRestakingStakers(o *object, ops []decodedOperator, opsComplete bool) []RestakingStaker {
	items, ok := d.boundedList(o, "stakers", "staker", maxRestakingStakers, false)
	if !ok {
		return nil
	}
	var opNames []string
	for _, op := range ops {
		opNames = append(opNames, op.op.Name)
	}
	shareSum := map[string]uint64{}
	over := map[string]bool{}
	seen := map[string]string{}
	var out []RestakingStaker
	for _, item := range items {
		so, ok := d.object(item.value, item.path, restakingStakerFields(), nil)
		if !ok {
			continue
		}
		var st RestakingStaker
		st.Name, _ = d.entityName(so, "staker", seen)
		if st.Name != "" && contains(opNames, st.Name) {
			nf := so.get("name")
			d.errorf(d.valuePos(nf), nf.path, "%q is an operator's name; stakers and operators share one namespace", st.Name)
		}
		opOK := false
		if of, ok := d.require(so, "operator"); ok {
			if name, ok := d.name(of, groupNameRe, "[a-z0-9_-]+"); ok {
				if contains(opNames, name) {
					st.Operator, opOK = name, true
				} else if opsComplete {
					d.errorf(d.valuePos(of), of.path, "unknown operator %q (operators: %s)", name, strings.Join(opNames, ", "))
				}
			}
		}
		if sf, ok := d.require(so, "share"); ok {
			if st.ShareWAD, ok = d.fractionWAD(sf, rangeOC); ok && opOK && !over[st.Operator] {
				shareSum[st.Operator] += st.ShareWAD // at most WAD + WAD: no overflow
				if s := shareSum[st.Operator]; s > GraphWAD {
					over[st.Operator] = true
					d.errorf(d.valuePos(sf), sf.path, "operator %q: the shares of its stakers up to here add up to %s, more than 1", st.Operator, formatWAD(s))
				}
			}
		}
		if pf := so.get("panic"); pf.present() {
			st.PanicWAD, _ = d.fractionWAD(pf, rangeCO)
		}
		if st.Name != "" {
			out = append(out, st)
		}
	}
	return out
}
