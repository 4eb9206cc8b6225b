package scenarios

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// This file is the schema half of the decoder; doc.go documents the same
// schema for users. Keep the two in step.

var (
	scenarioNameRe = regexp.MustCompile(`^[a-z0-9-]+$`)
	paramNameRe    = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	groupNameRe    = regexp.MustCompile(`^[a-z0-9_-]+$`)
)

func topFields() []string {
	return []string{"name", "description", "preset", "seed", "epochs", "bls", "params", "validators", "network", "proposer_boost", "proposer_reorg", "slasher_history_epochs", "gossip_verification", "explain", "config", "restaking", "liquid_staking", "markets", "resolved_from"}
}

// decodeFile decodes a whole scenario file. It returns nil only after
// reporting at least one problem.
func (d *decoder) decodeFile(data []byte, overrides []Override) *Scenario {
	body := d.document(data, maxInputBytes, "empty scenario: expected a mapping with at least name, description, epochs and validators")
	if body == nil {
		return nil
	}
	top, ok := d.object(body, "", topFields(), nil)
	if !ok {
		return nil
	}
	s := &Scenario{Preset: PresetMinimal, Seed: 1, BLS: BLSFull}

	// Params come first, then overrides, so that every expression below
	// sees the resolved values.
	d.decodeParams(top)
	d.applyOverrides(top, overrides)
	s.Params = append([]Param(nil), d.params...)

	if f, ok := d.require(top, "name"); ok {
		s.Name, _ = d.name(f, scenarioNameRe, "[a-z0-9-]+")
	}
	if f, ok := d.require(top, "description"); ok {
		if v, ok := d.str(f); ok {
			switch v = strings.TrimSpace(v); {
			case v == "":
				d.errorf(d.valuePos(f), f.path, "must not be empty")
			case strings.ContainsAny(v, "\r\n"):
				d.errorf(d.valuePos(f), f.path, "must be one line")
			default:
				s.Description = v
			}
		}
	}
	if f := top.get("preset"); f.present() {
		s.Preset, _ = d.enum(f, PresetMinimal, PresetMainnet)
	}
	if f := top.get("seed"); f.present() {
		s.Seed, _ = d.uint(f, 0, math.MaxUint64)
	}
	if f, ok := d.require(top, "epochs"); ok {
		s.Epochs, _ = d.uint(f, 1, MaxEpochs)
	}
	if f := top.get("bls"); f.present() {
		if v, ok := d.enum(f, string(BLSFull), string(BLSAggregate), string(BLSOff)); ok {
			s.BLS = BLSMode(v)
		}
	}
	s.ProposerBoost = defaultProposerBoost
	if f := top.get("proposer_boost"); f.present() {
		s.ProposerBoost, _ = d.uint(f, 0, 100)
	}
	s.ProposerReorg = true
	if f := top.get("proposer_reorg"); f.present() {
		if v, ok := d.flag(f); ok {
			s.ProposerReorg = v
		}
	}
	s.SlasherHistoryEpochs = defaultSlasherHistory
	if f := top.get("slasher_history_epochs"); f.present() {
		s.SlasherHistoryEpochs, _ = d.uint(f, 0, MaxSlasherHistory)
	}
	s.GossipVerification = GossipNone
	if f := top.get("gossip_verification"); f.present() {
		if v, ok := d.enum(f, GossipNone, GossipMain); ok {
			s.GossipVerification = v
		}
	}
	if f := top.get("explain"); f.present() {
		if v, ok := d.str(f); ok {
			s.Explain = strings.TrimSpace(v)
		}
	}
	if f := top.get("resolved_from"); f.present() {
		s.ResolvedFrom, _ = d.str(f)
		d.resolved = true
	}
	if f, ok := d.require(top, "validators"); ok {
		s.Groups = d.decodeGroups(f, s.Epochs)
	}
	s.Config = d.decodeConfig(top.get("config"))
	s.Network = d.decodeNetwork(top.get("network"), s.Groups)
	s.Restaking = d.decodeRestaking(top.get("restaking"), s.Groups)
	s.LiquidStaking = d.decodeLiquidStaking(top.get("liquid_staking"), s.Groups, s.Restaking)
	s.Markets = d.decodeMarkets(top.get("markets"), s.LiquidStaking, s.Epochs)
	d.checkCoalitions(top, s)
	return s
}

// checkCoalitions checks what spans groups: coalition kinds only in
// coalition groups, the same coalition kinds in every group of a
// coalition, release_to naming groups, one view per coalition (its groups
// on the same side of every partition, or all bridges), bridges being
// coalition groups.
func (d *decoder) checkCoalitions(top *object, s *Scenario) {
	f := top.get("validators")
	items, _ := d.list(f)
	groupPath := func(name string) (Pos, string) {
		for i, item := range items {
			path := index(f.path, i)
			if nf, ok := rawField(item, path, "name"); ok {
				if v, ok := nf.value.(*ast.StringNode); ok && v.Value == name {
					return d.pos(item), path
				}
			}
		}
		return d.pos(f.key), f.path
	}
	names := make([]string, len(s.Groups))
	byName := map[string]*Group{}
	for i := range s.Groups {
		names[i] = s.Groups[i].Name
		byName[names[i]] = &s.Groups[i]
	}
	first := map[string]*Group{}
	for i := range s.Groups {
		g := &s.Groups[i]
		pos, path := groupPath(g.Name)
		for _, b := range g.Behaviours {
			if CoalitionKind(b.Kind) && g.Coalition == "" {
				d.errorf(pos, path+".behaviours", "kind %q acts for a coalition: give the group a coalition", b.Kind)
			}
			for _, r := range b.ReleaseTo {
				if byName[r] == nil {
					d.errorf(pos, path+".behaviours", "release_to: unknown validator group %q (groups: %s)", r, strings.Join(names, ", "))
				}
			}
		}
		if g.Coalition == "" {
			continue
		}
		f0, seen := first[g.Coalition]
		if !seen {
			first[g.Coalition] = g
			continue
		}
		if coalitionKinds(f0) != coalitionKinds(g) {
			d.errorf(pos, path+".behaviours", "groups %q and %q are in coalition %q but have different coalition behaviours (%s; %s)",
				f0.Name, g.Name, g.Coalition, coalitionKinds(f0), coalitionKinds(g))
		}
		for _, p := range s.Network.Partitions {
			if sideOf(p, f0.Name) != sideOf(p, g.Name) {
				d.errorf(pos, path+".coalition", "coalition %q shares one view, but its groups %q and %q are on different sides of partition %q",
					g.Coalition, f0.Name, g.Name, p.Name)
			}
		}
	}
	for _, p := range s.Network.Partitions {
		for _, b := range p.Bridges {
			if g := byName[b]; g != nil && g.Coalition == "" {
				pos, path := groupPath(b)
				d.errorf(pos, path, "group %q is a bridge of partition %q, so it must be in a coalition", b, p.Name)
			}
		}
	}
}

// coalitionKinds lists a group's coalition behaviours with their windows.
func coalitionKinds(g *Group) string {
	var parts []string
	for _, b := range g.Behaviours {
		if CoalitionKind(b.Kind) {
			parts = append(parts, fmt.Sprintf("%s[%d,%d)", b.Kind, b.FromEpoch, b.ToEpoch))
		}
	}
	return strings.Join(parts, " ")
}

// sideOf returns the name of the view group of p that holds validator
// group g, "*" for a bridge.
func sideOf(p Partition, g string) string {
	for _, b := range p.Bridges {
		if b == g {
			return "*"
		}
	}
	for _, vg := range p.Groups {
		if contains(vg.Members, g) {
			return vg.Name
		}
	}
	return ""
}

// decodeParams decodes the params list into d.params. Params must be literal
// numbers: an expression in a param could refer to another param, and
// overrides must be checkable against fixed bounds.
func (d *decoder) decodeParams(top *object) {
	f := top.get("params")
	items, ok := d.list(f)
	if !ok {
		return
	}
	if len(items) > maxParams {
		d.errorf(d.valuePos(f), f.path, "%d params; the limit is %d", len(items), maxParams)
		return
	}
	seen := map[string]Pos{}
	for i, item := range items {
		path := index("params", i)
		o, ok := d.object(item, path, []string{"name", "default", "doc", "min", "max", "values"}, nil)
		if !ok {
			continue
		}
		var p Param
		good := true
		if f, ok := d.require(o, "name"); ok {
			if name, ok := d.name(f, paramNameRe, "[a-z_][a-z0-9_]*"); ok {
				if first, dup := seen[name]; dup {
					d.errorf(d.valuePos(f), f.path, "duplicate param %q (first at line %d)", name, first.Line)
					good = false
				} else {
					seen[name] = d.valuePos(f)
					p.Name = name
				}
			} else {
				good = false
			}
		} else {
			good = false
		}
		if f := o.get("doc"); f.present() && !isNull(f.value) {
			if v, ok := d.str(f); ok {
				p.Doc = strings.TrimSpace(v)
			}
		}
		if vf := o.get("values"); vf.present() {
			if d.decodeChoice(o, vf, &p) && good {
				d.params = append(d.params, p)
				d.paramAt = append(d.paramAt, d.pos(item))
			}
			continue
		}
		num := func(name string) (float64, field, bool) {
			f, ok := d.require(o, name)
			if !ok {
				return 0, f, false
			}
			v, ok := d.float(f, false)
			return v, f, ok
		}
		def, defField, okDef := num("default")
		lo, _, okMin := num("min")
		hi, maxField, okMax := num("max")
		switch {
		case okMin && okMax && lo > hi:
			d.errorf(d.valuePos(maxField), maxField.path, "max %s is less than min %s", fmtFloat(hi), fmtFloat(lo))
		case okDef && okMin && okMax && (def < lo || def > hi):
			d.errorf(d.valuePos(defField), defField.path, "default %s is outside the range [%s, %s]", fmtFloat(def), fmtFloat(lo), fmtFloat(hi))
		}
		if good {
			// A param with a bad number is still declared, so that its uses
			// do not also report "unknown param".
			p.Default, p.Min, p.Max, p.Value = def, lo, hi, def
			d.params = append(d.params, p)
			d.paramAt = append(d.paramAt, d.pos(item))
		}
	}
}

// maxChoiceValues bounds the values of a choice param.
const maxChoiceValues = 64

// choiceWordRe is what a choice param's values look like.
var choiceWordRe = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// decodeChoice decodes the values and default of a choice param (one
// declared with values) into p. It returns false when the param cannot be
// declared at all (no usable values); a bad default is reported and the
// first value stands in for it, so that the param's uses are not reported
// as unknown too.
func (d *decoder) decodeChoice(o *object, vf field, p *Param) bool {
	for _, name := range []string{"min", "max"} {
		if f := o.get(name); f.present() {
			d.errorf(d.pos(f.key), f.path, "a param with values takes no %s", name)
		}
	}
	items, ok := d.list(vf)
	if !ok {
		return false
	}
	if len(items) < 2 || len(items) > maxChoiceValues {
		d.errorf(d.valuePos(vf), vf.path, "%d values; a param with values needs 2 to %d", len(items), maxChoiceValues)
		if len(items) == 0 {
			return false
		}
	}
	for i, item := range items {
		ef := field{name: vf.name, path: index(vf.path, i), key: item, value: item}
		w, ok := d.name(ef, choiceWordRe, "[A-Za-z0-9_.-]+")
		if !ok {
			continue
		}
		if contains(p.Values, w) {
			d.errorf(d.valuePos(ef), ef.path, "value %q is listed twice", w)
			continue
		}
		p.Values = append(p.Values, w)
	}
	if len(p.Values) == 0 {
		return false
	}
	p.Min, p.Max = 0, float64(len(p.Values)-1)
	p.Text = p.Values[0]
	if f, ok := d.require(o, "default"); ok {
		if w, ok := d.str(f); ok {
			if i := slices.Index(p.Values, w); i >= 0 {
				p.Text, p.Default, p.Value = w, float64(i), float64(i)
			} else {
				d.errorf(d.valuePos(f), f.path, "default %q is not one of the values %s", w, strings.Join(p.Values, ", "))
			}
		}
	}
	return true
}

// applyOverrides applies --set overrides to the params; a later override of
// the same name wins. Problems are reported at the param's declaration, or
// at "params" (or the top of the file) for a name that is not declared.
func (d *decoder) applyOverrides(top *object, overrides []Override) {
	for _, ov := range overrides {
		field := "--set " + ov.Name
		i := -1
		for j, p := range d.params {
			if p.Name == ov.Name {
				i = j
				break
			}
		}
		if i < 0 {
			at := top.pos
			if f := top.get("params"); f.present() {
				at = d.pos(f.key)
			}
			if len(d.params) == 0 {
				d.add(at, field, fmt.Errorf("%w: unknown param %q; this scenario declares no params", ErrOverride, ov.Name))
			} else {
				d.add(at, field, fmt.Errorf("%w: unknown param %q; known params: %s", ErrOverride, ov.Name, strings.Join(d.paramNames(), ", ")))
			}
			continue
		}
		p := &d.params[i]
		at := d.paramAt[i]
		if len(p.Values) > 0 {
			w := strings.TrimSpace(ov.Value)
			j := slices.Index(p.Values, w)
			if j < 0 {
				d.add(at, field, fmt.Errorf("%w: %q is not one of %s (the values of param %s)",
					ErrOverride, ov.Value, strings.Join(p.Values, ", "), p.Name))
				continue
			}
			p.Text, p.Value = w, float64(j)
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(ov.Value), 64)
		if err != nil || !finite(v) {
			d.add(at, field, fmt.Errorf("%w: %q is not a number", ErrOverride, ov.Value))
			continue
		}
		if v < p.Min || v > p.Max {
			d.add(at, field, fmt.Errorf("%w: %s is outside the range [%s, %s] of param %s",
				ErrOverride, fmtFloat(v), fmtFloat(p.Min), fmtFloat(p.Max), p.Name))
			continue
		}
		p.Value = v
	}
}

func groupFields() []string {
	return []string{"name", "count", "balance_eth", "withdrawal_credentials", "validators_per_agent", "behaviours", "coalition", "operator", "requests"}
}

// decodeGroups decodes the validator groups. Only groups whose name decoded
// are returned, so that later checks can refer to them by name. epochs is
// the run length (0 when it did not decode), which bounds the epochs of the
// lifecycle fields.
func (d *decoder) decodeGroups(f field, epochs uint64) []Group {
	items, ok := d.list(f)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.errorf(d.valuePos(f), f.path, "at least one validator group is required")
		return nil
	}
	if len(items) > maxGroups {
		d.errorf(d.valuePos(f), f.path, "%d groups; the limit is %d", len(items), maxGroups)
		return nil
	}
	var groups []Group
	seen := map[string]Pos{}
	total := uint64(0)
	deposited := uint64(0)
	countsOK := true
	stakeGwei := uint64(0)
	waveStake := uint64(0) // ETH that deposit and top-up waves add
	for i, item := range items {
		path := index(f.path, i)
		o, ok := d.object(item, path, groupFields(), nil)
		if !ok {
			continue
		}
		g := Group{BalanceGwei: defaultBalanceGwei, Credentials: 0x01, ValidatorsPerAgent: 1}
		named := false
		if nf, ok := d.require(o, "name"); ok {
			if name, ok := d.name(nf, groupNameRe, "[a-z0-9_-]+"); ok {
				if first, dup := seen[name]; dup {
					d.errorf(d.valuePos(nf), nf.path, "duplicate group name %q (first at line %d)", name, first.Line)
				} else {
					seen[name] = d.valuePos(nf)
					g.Name, named = name, true
				}
			}
		}
		fc := groupFacts{g: &g, balanceOK: true, credentialsOK: true}
		if cf, ok := d.require(o, "count"); ok {
			if n, ok := d.uint(cf, 0, MaxValidators); ok {
				g.Count, fc.countOK = int(n), true
			} else {
				countsOK = false
			}
		} else {
			countsOK = false
		}
		if bf := o.get("balance_eth"); bf.present() {
			if v, ok := d.balanceGwei(bf); ok {
				g.BalanceGwei = v
			} else {
				fc.balanceOK = false
			}
		}
		if wf := o.get("withdrawal_credentials"); wf.present() {
			if v, ok := d.credentials(wf); ok {
				g.Credentials = v
			} else {
				fc.credentialsOK = false
			}
		}
		if af := o.get("validators_per_agent"); af.present() {
			if n, ok := d.uint(af, 1, MaxValidators); ok {
				g.ValidatorsPerAgent = int(n)
			}
		}
		g.Behaviours = d.decodeBehaviours(o.get("behaviours"))
		if cf := o.get("coalition"); cf.present() {
			g.Coalition, _ = d.name(cf, groupNameRe, "[a-z0-9_-]+")
			fc.coalition = true
		}
		d.decodeLifecycle(o, fc, epochs)
		total += uint64(g.Count)
		deposited += uint64(g.depositedValidators())
		stakeGwei += uint64(g.Count) * (g.BalanceGwei / gweiPerETH) // whole ETH suffices for a bound
		waveStake += g.waveStakeETH()
		if named {
			groups = append(groups, g)
		}
	}
	switch {
	case total == 0 && countsOK:
		d.errorf(d.pos(f.key), f.path, "no validators: the group counts add up to 0")
	case total > MaxValidators:
		d.errorf(d.pos(f.key), f.path, "%d validators in total; the limit is %d", total, MaxValidators)
	case total+deposited > MaxValidators:
		d.errorf(d.pos(f.key), f.path, "%d validators in total (%d at genesis + %d from deposit waves); the limit is %d",
			total+deposited, total, deposited, MaxValidators)
	case stakeGwei > MaxTotalStakeETH:
		d.errorf(d.pos(f.key), f.path, "%d ETH staked in total; the limit is %d", stakeGwei, MaxTotalStakeETH)
	case stakeGwei+waveStake > MaxTotalStakeETH:
		d.errorf(d.pos(f.key), f.path, "%d ETH staked in total (%d at genesis + %d from deposit and top-up waves); the limit is %d",
			stakeGwei+waveStake, stakeGwei, waveStake, MaxTotalStakeETH)
	}
	return groups
}

// credentials decodes a withdrawal credentials prefix, written 0x00, 0x01 or
// 0x02, quoted or not.
func (d *decoder) credentials(f field) (byte, bool) {
	var text string
	switch n := f.value.(type) {
	case *ast.StringNode:
		text = n.Value
	case *ast.IntegerNode:
		if n.Token != nil {
			text = n.Token.Value
		}
	}
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "0x00":
		return 0x00, true
	case "0x01":
		return 0x01, true
	case "0x02":
		return 0x02, true
	}
	d.errorf(d.valuePos(f), f.path, "%s is not one of 0x00, 0x01, 0x02", describeValue(f.value))
	return 0, false
}

// describeValue shows a scalar as written, or its type.
func describeValue(n ast.Node) string {
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode, *ast.StringNode, *ast.BoolNode:
		if tk := n.GetToken(); tk != nil {
			return strconv.Quote(truncate(tk.Value))
		}
	}
	return describe(n)
}

// decodeBehaviours decodes a group's behaviours; none means [honest].
func (d *decoder) decodeBehaviours(f field) []Behaviour {
	items, ok := d.list(f)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		return []Behaviour{{Kind: "honest"}}
	}
	if len(items) > maxBehaviours {
		d.errorf(d.valuePos(f), f.path, "%d behaviours; the limit is %d", len(items), maxBehaviours)
		return nil
	}
	var out []Behaviour
	for i, item := range items {
		if b, ok := d.decodeBehaviour(item, index(f.path, i)); ok {
			out = append(out, b)
		}
	}
	return out
}

func (d *decoder) decodeBehaviour(item ast.Node, path string) (Behaviour, bool) {
	// Find the kind first: it decides which fields are allowed.
	var kind behaviourKind
	kindOK := false
	if kf, ok := rawField(item, path, "kind"); ok {
		if name, ok := d.str(kf); ok {
			if kind, kindOK = lookupKind(name); !kindOK {
				d.errorf(d.valuePos(kf), kf.path, "unknown behaviour kind %q (kinds: %s)", name, strings.Join(BehaviourKinds(), ", "))
			}
		}
	}
	allowed := commonBehaviourFields()
	var reject func(string) error
	if kindOK {
		allowed = kind.allowedFields()
		reject = func(key string) error {
			if anyKindHasField(key) {
				return fmt.Errorf("field not allowed for kind %q (allowed: %s)", kind.name, strings.Join(allowed, ", "))
			}
			return nil
		}
	} else {
		// Without a valid kind, accept every kind's fields so that the only
		// problem reported is the kind itself.
		for _, k := range behaviourKinds() {
			for _, kf := range k.fields {
				if !contains(allowed, kf.name) {
					allowed = append(allowed, kf.name)
				}
			}
		}
	}
	o, ok := d.object(item, path, allowed, reject)
	if !ok {
		return Behaviour{}, false
	}
	if _, ok := d.require(o, "kind"); !ok || !kindOK {
		return Behaviour{}, false
	}
	b := Behaviour{Kind: kind.name}
	good := true
	if f := o.get("from_epoch"); f.present() {
		b.FromEpoch, ok = d.uint(f, 0, MaxEpochs)
		good = good && ok
	}
	if f := o.get("to_epoch"); f.present() {
		if b.ToEpoch, ok = d.uint(f, 1, MaxEpochs); ok {
			b.HasToEpoch = true
			if good && b.ToEpoch <= b.FromEpoch {
				d.errorf(d.valuePos(f), f.path, "to_epoch %d must be greater than from_epoch %d", b.ToEpoch, b.FromEpoch)
				good = false
			}
		} else {
			good = false
		}
	}
	if f := o.get("after_byzantine_share"); f.present() {
		b.AfterByzantineShareWAD, ok = d.fractionWAD(f, rangeOO)
		good = good && ok
	}
	for _, kf := range kind.fields {
		f := o.get(kf.name)
		if !f.present() {
			if kf.required {
				d.errorf(o.pos, f.path, "required field is missing for kind %q", kind.name)
				good = false
			}
			continue
		}
		if kf.setNames != nil {
			names, ok := d.names(f)
			if !ok {
				good = false
				continue
			}
			kf.setNames(&b, names)
			continue
		}
		v, ok := d.uint(f, kf.min, kf.max)
		if !ok {
			good = false
			continue
		}
		kf.set(&b, v)
	}
	if good && kind.check != nil {
		if err := kind.check(&b); err != nil {
			d.add(o.pos, path, err)
			good = false
		}
	}
	return b, good
}

// decodeNetwork decodes the network section; absent means no delay, no loss
// and no partitions.
func (d *decoder) decodeNetwork(f field, groups []Group) Network {
	n := Network{Delay: Delay{Dist: "fixed"}}
	if isNull(f.value) {
		return n
	}
	o, ok := d.object(f.value, f.path, []string{"delay", "loss", "partitions", "views"}, nil)
	if !ok {
		return n
	}
	if df := o.get("delay"); !isNull(df.value) {
		n.Delay = d.decodeDelay(df)
	}
	if lf := o.get("loss"); lf.present() {
		if v, ok := d.float(lf, true); ok {
			ppm := v * 1e6
			r := math.Round(ppm)
			switch {
			case v < 0 || v >= 1:
				d.errorf(d.valuePos(lf), lf.path, "%s is outside [0, 1)", fmtFloat(v))
			case math.Abs(ppm-r) > 1e-6:
				d.errorf(d.valuePos(lf), lf.path, "%s is finer than one part per million", fmtFloat(v))
			case r >= 1e6:
				d.errorf(d.valuePos(lf), lf.path, "%s rounds to 1; it must be below 1", fmtFloat(v))
			default:
				n.LossPPM = uint64(r)
			}
		}
	}
	n.Partitions = d.decodePartitions(o.get("partitions"), groups)
	if vf := o.get("views"); vf.present() && !isNull(vf.value) {
		names := make([]string, len(groups))
		for i, g := range groups {
			names[i] = g.Name
		}
		n.Views, _ = d.decodeViewGroups(vf, names, nil)
	}
	return n
}

func (d *decoder) decodeDelay(f field) Delay {
	out := Delay{Dist: "fixed"}
	// The dist decides which fields are allowed; read it first.
	dist, distOK := lookupDist("fixed")
	if df, ok := rawField(f.value, f.path, "dist"); ok {
		if name, ok := d.enum(df, distNames()...); ok {
			dist, distOK = lookupDist(name)
		} else {
			distOK = false
		}
	}
	allowed := []string{"dist"}
	for _, df := range dist.fields {
		allowed = append(allowed, df.name)
	}
	var reject func(string) error
	if distOK {
		reject = func(key string) error {
			if anyDistHasField(key) {
				return fmt.Errorf("field not allowed for dist %q (allowed: %s)", dist.name, strings.Join(allowed, ", "))
			}
			return nil
		}
	} else {
		// The dist is bad and already reported: accept every dist's fields
		// so that it is the only problem reported.
		for _, dd := range delayDists() {
			for _, df := range dd.fields {
				if !contains(allowed, df.name) {
					allowed = append(allowed, df.name)
				}
			}
		}
	}
	o, ok := d.object(f.value, f.path, allowed, reject)
	if !ok || !distOK {
		return out
	}
	out.Dist = dist.name
	good := true
	for _, df := range dist.fields {
		ff := o.get(df.name)
		if !ff.present() {
			if df.required {
				d.errorf(o.pos, ff.path, "required field is missing for dist %q", dist.name)
				good = false
			}
			continue
		}
		v, ok := d.uint(ff, 0, MaxNetworkDelayMs)
		if !ok {
			good = false
			continue
		}
		df.set(&out, v)
	}
	if good && dist.check != nil {
		if err := dist.check(&out); err != nil {
			d.add(o.pos, f.path, err)
		}
	}
	return out
}

func partitionFields() []string {
	return []string{"name", "start_epoch", "end_epoch", "groups", "bridges"}
}

// names decodes a list of validator group names (checked against the
// groups later).
func (d *decoder) names(f field) ([]string, bool) {
	items, ok := d.list(f)
	if !ok {
		return nil, false
	}
	var out []string
	good := true
	for j, m := range items {
		ef := field{name: f.name, path: index(f.path, j), key: m, value: m}
		name, ok := d.name(ef, groupNameRe, "[a-z0-9_-]+")
		if !ok {
			good = false
			continue
		}
		out = append(out, name)
	}
	return out, good
}

func (d *decoder) decodePartitions(f field, groups []Group) []Partition {
	items, ok := d.list(f)
	if !ok || len(items) == 0 {
		return nil
	}
	if len(items) > maxPartitions {
		d.errorf(d.valuePos(f), f.path, "%d partitions; the limit is %d", len(items), maxPartitions)
		return nil
	}
	groupNames := make([]string, len(groups))
	for i, g := range groups {
		groupNames[i] = g.Name
	}
	var out []Partition
	seen := map[string]Pos{}
	prev := -1 // index in items of the last partition with a valid window
	var prevP Partition
	for i, item := range items {
		path := index(f.path, i)
		o, ok := d.object(item, path, partitionFields(), nil)
		if !ok {
			continue
		}
		var p Partition
		good := true
		if nf, ok := d.require(o, "name"); ok {
			if name, ok := d.name(nf, groupNameRe, "[a-z0-9_-]+"); ok {
				if first, dup := seen[name]; dup {
					d.errorf(d.valuePos(nf), nf.path, "duplicate partition name %q (first at line %d)", name, first.Line)
					good = false
				}
				seen[name] = d.valuePos(nf)
				p.Name = name
			} else {
				good = false
			}
		} else {
			good = false
		}
		sf, okS := d.require(o, "start_epoch")
		if okS {
			p.StartEpoch, okS = d.uint(sf, 0, MaxEpochs)
		}
		ef, okE := d.require(o, "end_epoch")
		if okE {
			p.EndEpoch, okE = d.uint(ef, 1, MaxEpochs)
		}
		if okS && okE {
			switch {
			case p.EndEpoch <= p.StartEpoch:
				d.errorf(d.valuePos(ef), ef.path, "end_epoch %d must be greater than start_epoch %d", p.EndEpoch, p.StartEpoch)
				good = false
			case prev >= 0 && p.StartEpoch < prevP.StartEpoch:
				d.errorf(d.valuePos(sf), sf.path, "partitions must be in time order: starts at epoch %d, before %s[%d] (epoch %d)",
					p.StartEpoch, f.path, prev, prevP.StartEpoch)
				good = false
			case prev >= 0 && p.StartEpoch < prevP.EndEpoch:
				d.errorf(d.valuePos(sf), sf.path, "overlaps %s[%d] %q (epochs [%d, %d)); partitions must not overlap",
					f.path, prev, prevP.Name, prevP.StartEpoch, prevP.EndEpoch)
				good = false
			default:
				prev, prevP = i, p
			}
		} else {
			good = false
		}
		var bridgeNames []string
		if bf := o.get("bridges"); bf.present() {
			bs, ok := d.names(bf)
			good = good && ok
			for j, b := range bs {
				if !contains(groupNames, b) {
					d.errorf(d.valuePos(bf), index(bf.path, j), "unknown validator group %q (groups: %s)", b, strings.Join(groupNames, ", "))
					good = false
					continue
				}
				bridgeNames = append(bridgeNames, b)
			}
			p.Bridges = bridgeNames
		}
		if gf, ok := d.require(o, "groups"); ok {
			vgs, ok := d.decodeViewGroups(gf, groupNames, bridgeNames)
			p.Groups = vgs
			good = good && ok
		} else {
			good = false
		}
		if good {
			out = append(out, p)
		}
	}
	return out
}

// decodeViewGroups decodes a partition's view groups and checks that every
// validator group is in exactly one of them.
func (d *decoder) decodeViewGroups(f field, groupNames, bridges []string) ([]ViewGroup, bool) {
	items, ok := d.list(f)
	if !ok {
		return nil, false
	}
	if len(items) < 2 {
		d.errorf(d.valuePos(f), f.path, "a partition needs at least 2 view groups, got %d", len(items))
		return nil, false
	}
	if len(items) > maxGroups {
		d.errorf(d.valuePos(f), f.path, "%d view groups; the limit is %d", len(items), maxGroups)
		return nil, false
	}
	good := true
	owner := map[string]string{} // validator group -> view group
	seen := map[string]Pos{}
	var out []ViewGroup
	for i, item := range items {
		path := index(f.path, i)
		o, ok := d.object(item, path, []string{"name", "members"}, nil)
		if !ok {
			good = false
			continue
		}
		var vg ViewGroup
		if nf, ok := d.require(o, "name"); ok {
			if name, ok := d.name(nf, groupNameRe, "[a-z0-9_-]+"); ok {
				if first, dup := seen[name]; dup {
					d.errorf(d.valuePos(nf), nf.path, "duplicate view group name %q (first at line %d)", name, first.Line)
					good = false
				}
				seen[name] = d.valuePos(nf)
				vg.Name = name
			} else {
				good = false
			}
		} else {
			good = false
		}
		mf, ok := d.require(o, "members")
		if !ok {
			good = false
			continue
		}
		members, ok := d.list(mf)
		if !ok {
			good = false
			continue
		}
		if len(members) == 0 {
			d.errorf(d.valuePos(mf), mf.path, "a view group needs at least one member")
			good = false
		}
		for j, m := range members {
			ef := field{name: "members", path: index(mf.path, j), key: m, value: m}
			name, ok := d.str(ef)
			if !ok {
				good = false
				continue
			}
			switch other, taken := owner[name]; {
			case contains(bridges, name):
				d.errorf(d.valuePos(ef), ef.path, "validator group %q is a bridge of this partition; bridges reach every view group and are in none", name)
				good = false
			case !contains(groupNames, name):
				d.errorf(d.valuePos(ef), ef.path, "unknown validator group %q (groups: %s)", name, strings.Join(groupNames, ", "))
				good = false
			case taken && other == vg.Name:
				d.errorf(d.valuePos(ef), ef.path, "validator group %q is listed twice", name)
				good = false
			case taken:
				d.errorf(d.valuePos(ef), ef.path, "validator group %q is already in view group %q", name, other)
				good = false
			default:
				owner[name] = vg.Name
				vg.Members = append(vg.Members, name)
			}
		}
		out = append(out, vg)
	}
	for _, g := range groupNames {
		if _, ok := owner[g]; !ok && !contains(bridges, g) {
			d.errorf(d.pos(f.key), f.path, "validator group %q is in no view group", g)
			good = false
		}
	}
	return out, good
}
