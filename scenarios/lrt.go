package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Liquid restaking protocols: entries of `liquid_staking: protocols:` with
// kind: lrt (doc.go, "Liquid staking"). They share the block with the
// liquid-staking protocols — the same holder groups, lst.csv rows of kind
// lrt — and delegate to the operators of the `restaking:` block.

// lstOnlyFields and lrtOnlyFields belong to one kind of protocol entry.
func lstOnlyFields() []string {
	return []string{"fee", "report_epochs", "deposit_eth", "annual_increase_limit_bp", "withdrawals", "new_validators"}
}

func lrtOnlyFields() []string {
	return []string{"restaking_operators", "policy", "weights", "asset", "withdrawals_enabled"}
}

// allProtocolFields are the fields a protocol entry of either kind may have.
func allProtocolFields() []string {
	return append(append([]string{"kind"}, lstProtocolFields()...), lrtOnlyFields()...)
}

// protocolKind decodes an entry's kind (KindLST when absent or wrong).
func (d *decoder) protocolKind(po *object) string {
	if f := po.get("kind"); f.present() {
		if k, ok := d.enum(f, KindLST, KindLRT); ok {
			return k
		}
	}
	return KindLST
}

// kindOnlyFields reports the fields of the other kind of entry.
func (d *decoder) kindOnlyFields(po *object, kind string) {
	other, owner := lrtOnlyFields(), KindLRT
	if kind == KindLRT {
		other, owner = lstOnlyFields(), KindLST
	}
	for _, k := range other {
		if f := po.get(k); f.present() {
			d.errorf(d.pos(f.key), f.path, "%s applies to kind %s only (this protocol's kind is %s)", k, owner, kind)
		}
	}
}

// decodeLRTProtocol decodes a kind: lrt entry: its validator groups (its
// node operators, native restaking), the restaking operators it delegates
// to and by which policy, its asset, withdrawals_enabled, exit_method and
// holders.
func (d *decoder) decodeLRTProtocol(po *object, seen map[string]string, byGroup map[string]*Group, names []string, owned map[string]string, rs *Restaking) (LSTProtocol, bool) {
	p := LSTProtocol{Kind: KindLRT, DepositGwei: 32 * gweiPerETH, Withdrawals: true, ExitMethod: ExitVoluntary,
		Policy: DelegationEqual, Asset: AssetNative}
	name, named := d.entityName(po, "protocol", seen)
	p.Name = name
	d.kindOnlyFields(po, KindLRT)
	if rs == nil {
		kf := po.get("kind")
		d.errorf(d.valuePos(kf), kf.path, "a liquid restaking protocol delegates to restaking operators: the scenario needs a restaking: block")
	}
	d.lrtOperators(po, &p, rs)
	d.lrtWeights(po, &p)
	if f := po.get("asset"); f.present() {
		if v, ok := d.str(f); ok {
			p.Asset = v // an LST protocol's name: checked by checkLRTAssets
		}
	}
	if f := po.get("withdrawals_enabled"); f.present() {
		if v, ok := d.flagOrBit(f); ok {
			p.Withdrawals = v
		}
	}
	if ef := po.get("exit_method"); ef.present() {
		if v, ok := d.enum(ef, ExitVoluntary, ExitEIP7002); ok {
			p.ExitMethod = v
		}
	}
	if p.Asset != AssetNative {
		if of := po.get("operators"); of.present() {
			d.errorf(d.pos(of.key), of.path, "an LRT restaking the shares of %s has no validators of its own (its stake is %s's validators'); remove operators", p.Asset, p.Asset)
		}
		p.Holders = d.decodeLSTHolders(po, 0, false)
		d.lrtLSTHolders(po, p.Holders)
		return p, named
	}
	genesis, groupsOK := d.lstOperators(po, &p, byGroup, names, owned, true)
	p.Holders = d.decodeLSTHolders(po, genesis, groupsOK)
	d.lrtHolderPolicies(po)
	return p, named
}

// lrtLSTHolders: an LST-asset LRT has no genesis stake to share, so each
// holder group says its initial_eth.
func (d *decoder) lrtLSTHolders(po *object, hs []LSTHolderGroup) {
	for _, h := range hs {
		if !h.InitialSet {
			hf := po.get("holders")
			d.errorf(d.valuePos(hf), hf.path, "holder group %s has no initial_eth: an LRT restaking an LST has no genesis stake to share; give each holder group initial_eth (0 for none)", h.Name)
			return
		}
	}
}

// lrtAssetRef is an LRT entry's asset field naming an LST protocol.
type lrtAssetRef struct {
	f    field
	name string
}

// checkLRTAssets: each asset names a kind lst protocol of the block.
func (d *decoder) checkLRTAssets(refs []lrtAssetRef, ps []LSTProtocol) {
	var lsts []string
	for _, p := range ps {
		if p.Kind == KindLST {
			lsts = append(lsts, p.Name)
		}
	}
	for _, r := range refs {
		at := slices.IndexFunc(ps, func(p LSTProtocol) bool { return p.Name == r.name })
		switch {
		case at >= 0 && ps[at].Kind == KindLRT:
			d.errorf(d.valuePos(r.f), r.f.path, "asset %q is a liquid restaking protocol: an LRT restakes %s ETH or the shares of a kind lst protocol (%s)", r.name, AssetNative, strings.Join(lsts, ", "))
		case at < 0:
			d.errorf(d.valuePos(r.f), r.f.path, "asset %q: neither %s nor a liquid-staking protocol of this block (lst protocols: %s)", r.name, AssetNative, strings.Join(lsts, ", "))
		}
	}
}

// flagOrBit is flag, also taking the integers 1 and 0: the resolved
// scenario writes withdrawals_enabled: "${withdrawals_enabled}" back as
// the param's value.
func (d *decoder) flagOrBit(f field) (bool, bool) {
	if n, ok := f.value.(*ast.IntegerNode); ok {
		switch fmt.Sprint(n.Value) {
		case "0":
			return false, true
		case "1":
			return true, true
		}
	}
	return d.flag(f)
}

// lrtHolderPolicies reports holder groups with policy deposit: an LRT's
// holders may hold or withdraw.
func (d *decoder) lrtHolderPolicies(po *object) {
	hf := po.get("holders")
	seq, ok := hf.value.(*ast.SequenceNode)
	if !hf.present() || !ok {
		return
	}
	for i, n := range seq.Values {
		f, ok := rawField(n, index(hf.path, i), "policy")
		if v, isStr := f.value.(*ast.StringNode); ok && isStr && strings.TrimSpace(v.Value) == HolderDeposit {
			d.errorf(d.valuePos(f), f.path, "an LRT's holders may hold or withdraw: deposits after genesis would restake ETH into validators the engine does not create")
		}
	}
}

// lrtOperators decodes restaking_operators: names of the restaking block's
// operators, each once.
func (d *decoder) lrtOperators(po *object, p *LSTProtocol, rs *Restaking) {
	refs, _ := d.refs(po, "restaking_operators", "restaking operator", maxRestakingOperators, true)
	var known []string
	if rs != nil {
		for _, o := range rs.Operators {
			known = append(known, o.Name)
		}
	}
	for _, r := range refs {
		if rs != nil && !slices.Contains(known, r.name) {
			d.errorf(d.valuePos(r.f), r.f.path, "unknown restaking operator %q (operators: %s)", r.name, strings.Join(known, ", "))
			continue
		}
		p.RestakingOperators = append(p.RestakingOperators, r.name)
	}
}

// lrtWeights decodes policy and weights: equal (no weights), or weights,
// one fraction in (0, 1] per restaking operator, adding up to exactly 1.
func (d *decoder) lrtWeights(po *object, p *LSTProtocol) {
	pf, wf := po.get("policy"), po.get("weights")
	if pf.present() {
		if v, ok := d.enum(pf, DelegationEqual, DelegationWeights); ok {
			p.Policy = v
		}
	}
	switch {
	case p.Policy == DelegationEqual && wf.present():
		d.errorf(d.pos(wf.key), wf.path, "weights apply to policy weights only (this protocol's policy is %s)", p.Policy)
		return
	case p.Policy == DelegationWeights && !wf.present():
		d.errorf(po.pos, wf.path, "required field is missing (policy weights)")
		return
	case p.Policy != DelegationWeights:
		return
	}
	mo, ok := d.objectOf(wf.value, wf.path, "restaking operator weights", nil)
	if !ok {
		return
	}
	byOp := map[string]uint64{}
	var sum uint64
	for _, mf := range mo.ordered {
		kf := field{name: mf.name, path: mf.path, key: mf.key, value: mf.key}
		name, nameOK := d.name(kf, groupNameRe, "[a-z0-9_-]+")
		v, vOK := d.fractionWAD(mf, rangeOC)
		if !nameOK || !vOK {
			return
		}
		if !slices.Contains(p.RestakingOperators, name) {
			d.errorf(d.pos(mf.key), mf.path, "operator %q is not among restaking_operators (%s)", name, strings.Join(p.RestakingOperators, ", "))
			return
		}
		byOp[name] = v
		sum += v
	}
	for _, op := range p.RestakingOperators {
		if _, ok := byOp[op]; !ok {
			d.errorf(d.valuePos(wf), wf.path, "no weight for restaking operator %q", op)
			return
		}
	}
	if sum != GraphWAD {
		d.errorf(d.valuePos(wf), wf.path, "the weights add up to %s, not 1", formatWAD(sum))
		return
	}
	for _, op := range p.RestakingOperators {
		p.WeightsWAD = append(p.WeightsWAD, byOp[op])
	}
}
