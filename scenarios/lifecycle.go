package scenarios

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// This file decodes the validator lifecycle part of the schema: a group's
// operator and request waves, and the top-level config overrides. doc.go
// documents them for users ("Validator lifecycle", "Config overrides").

// Protocol amounts the lifecycle checks rely on. They are the same in the
// mainnet and minimal presets (presets/*/phase0.yaml, electra.yaml), so the
// checks do not depend on the scenario's preset.
const (
	minActivationETH              = 32         // MIN_ACTIVATION_BALANCE
	maxEffectiveBalanceElectraETH = 2048       // MAX_EFFECTIVE_BALANCE_ELECTRA
	minDepositGwei                = gweiPerETH // MIN_DEPOSIT_AMOUNT
	defaultDepositGwei            = 32 * gweiPerETH
	defaultTargetETH              = maxEffectiveBalanceElectraETH
	maxRequests                   = 256 // request waves per group
)

// DepositedValidators returns how many validators the deposit waves of all
// groups create during the run. TotalValidators counts only the validators
// at genesis; the two add up to at most MaxValidators.
func (s *Scenario) DepositedValidators() int {
	n := 0
	for _, g := range s.Groups {
		n += g.depositedValidators()
	}
	return n
}

func (g *Group) depositedValidators() int {
	n := 0
	for _, r := range g.Requests {
		if r.Kind == RequestDeposit {
			n += r.Count
		}
	}
	return n
}

// waveStakeETH bounds the ETH that a group's deposit and top-up waves add,
// counting each amount rounded up to whole ETH. With at most maxRequests
// waves per group, MaxValidators per wave and MaxBalanceETH per amount, the
// sum over maxGroups groups fits in a uint64.
func (g *Group) waveStakeETH() uint64 {
	total := uint64(0)
	for _, r := range g.Requests {
		if r.Kind == RequestDeposit || r.Kind == RequestTopUp {
			total += uint64(r.Count) * ((r.AmountGwei + gweiPerETH - 1) / gweiPerETH)
		}
	}
	return total
}

// groupFacts is what the lifecycle checks need to know about a group whose
// other fields have been decoded. A false ...OK flag means that field was
// bad and already reported, so the checks that depend on it are skipped
// rather than reported a second time.
type groupFacts struct {
	g             *Group
	countOK       bool
	balanceOK     bool
	credentialsOK bool
	// coalition is set when the group has a coalition field.
	coalition bool
}

// decodeLifecycle decodes a group's operator and requests into fc.g.
// epochs is the run length, 0 when it did not decode.
func (d *decoder) decodeLifecycle(o *object, fc groupFacts, epochs uint64) {
	of, rf := o.get("operator"), o.get("requests")
	if fc.coalition {
		// An attacking coalition follows its strategy; mixing in an
		// operator's requests would make its behaviour depend on two
		// unrelated parts of the file.
		if of.present() {
			d.errorf(d.pos(of.key), of.path, "a group with a coalition may not have an operator: keep attacks and the validator lifecycle in separate groups")
		}
		if items, ok := d.list(rf); ok && len(items) > 0 {
			d.errorf(d.pos(rf.key), rf.path, "a group with a coalition may not have request waves: keep attacks and the validator lifecycle in separate groups")
		}
		return
	}
	opOK := true
	if of.present() {
		fc.g.Operator = d.decodeOperator(of, fc, epochs)
		opOK = fc.g.Operator != nil
	}
	fc.g.Requests = d.decodeRequests(rf, fc, opOK, epochs)
}

// decodeOperator decodes a group's operator; it returns nil after reporting
// a problem.
func (d *decoder) decodeOperator(f field, fc groupFacts, epochs uint64) *Operator {
	// The policy decides which fields are allowed; read it first.
	var policy operatorPolicy
	policyOK := false
	if pf, ok := rawField(f.value, f.path, "policy"); ok {
		if name, ok := d.enum(pf, policyNames()...); ok {
			policy, policyOK = lookupPolicy(name)
		}
	}
	allowed := []string{"policy", "target_eth", "from_epoch"}
	var reject func(string) error
	if policyOK {
		allowed = policy.allowedFields()
		reject = func(key string) error {
			if key == "target_eth" {
				return fmt.Errorf("field not allowed for policy %q: only policy %s has a target (allowed: %s)",
					policy.name, PolicyConsolidate, strings.Join(allowed, ", "))
			}
			return nil
		}
	}
	o, ok := d.object(f.value, f.path, allowed, reject)
	if !ok {
		return nil
	}
	pf, ok := d.require(o, "policy")
	if !ok || !policyOK {
		return nil
	}
	op := &Operator{Policy: policy.name}
	good := true
	if ff := o.get("from_epoch"); ff.present() {
		if v, ok := d.uint(ff, 0, MaxEpochs); !ok {
			good = false
		} else if epochs > 0 && v >= epochs && !d.resolved {
			d.errorf(d.valuePos(ff), ff.path, "from_epoch %d must be less than epochs %d (the run's length)", v, epochs)
			good = false
		} else {
			op.FromEpoch = v
		}
	}
	g := fc.g
	if policy.execution && fc.credentialsOK && g.Credentials == 0x00 {
		d.errorf(d.valuePos(pf), pf.path, "policy %q needs execution withdrawal credentials: give the group withdrawal_credentials \"0x01\" or \"0x02\" (it has 0x00)", policy.name)
		good = false
	}
	if policy.target {
		op.TargetGwei = defaultTargetETH * gweiPerETH
		tf := o.get("target_eth")
		targetOK := true
		if tf.present() {
			v, ok := d.uint(tf, 0, MaxBalanceETH)
			switch {
			case !ok:
				targetOK = false
			case v <= minActivationETH || v > maxEffectiveBalanceElectraETH:
				d.errorf(d.valuePos(tf), tf.path, "%d ETH is outside (%d, %d]: a consolidation target must hold more than MIN_ACTIVATION_BALANCE and at most MAX_EFFECTIVE_BALANCE_ELECTRA",
					v, minActivationETH, maxEffectiveBalanceElectraETH)
				targetOK = false
			default:
				op.TargetGwei = v * gweiPerETH
			}
		}
		if targetOK && fc.balanceOK && op.TargetGwei <= g.BalanceGwei {
			if tf.present() {
				d.errorf(d.valuePos(tf), tf.path, "target_eth %s must be greater than the group's balance_eth %s",
					fmtETH(op.TargetGwei), fmtETH(g.BalanceGwei))
			} else {
				d.errorf(d.valuePos(pf), pf.path, "policy %q: the default target_eth %s must be greater than the group's balance_eth %s",
					policy.name, fmtETH(op.TargetGwei), fmtETH(g.BalanceGwei))
			}
			targetOK = false
		}
		good = good && targetOK
	}
	if !good {
		return nil
	}
	return op
}

// fmtETH shows an amount of Gwei as decimal ETH, exactly.
func fmtETH(gwei uint64) string {
	whole, frac := gwei/gweiPerETH, gwei%gweiPerETH
	if frac == 0 {
		return fmt.Sprint(whole)
	}
	return strings.TrimRight(fmt.Sprintf("%d.%09d", whole, frac), "0")
}

// decodedRequest is a request wave with where its count was written, for
// the checks across waves.
type decodedRequest struct {
	r        Request
	countPos Pos
	count    string // the count field's path
	kindPos  Pos
	kind     string // the kind field's path
}

// decodeRequests decodes a group's request waves, in file order. opOK is
// false when the group's operator was given but did not decode.
func (d *decoder) decodeRequests(f field, fc groupFacts, opOK bool, epochs uint64) []Request {
	items, ok := d.list(f)
	if !ok || len(items) == 0 {
		return nil
	}
	if len(items) > maxRequests {
		d.errorf(d.valuePos(f), f.path, "%d request waves; the limit is %d", len(items), maxRequests)
		return nil
	}
	var waves []decodedRequest
	allOK := true
	for i, item := range items {
		w, ok := d.decodeRequest(item, index(f.path, i), fc, opOK, epochs)
		if !ok {
			allOK = false
			continue
		}
		waves = append(waves, w)
	}
	// A wave that acts on existing validators can reach the group's genesis
	// validators and those its deposit waves of earlier epochs created.
	// Skipped when a wave is missing, since the bound would be too low.
	if allOK && fc.countOK {
		for _, w := range waves {
			if k, _ := lookupRequestKind(w.r.Kind); k.creates {
				continue
			}
			deposited := 0
			for _, e := range waves {
				if e.r.Kind == RequestDeposit && e.r.Epoch < w.r.Epoch {
					deposited += e.r.Count
				}
			}
			if limit := fc.g.Count + deposited; w.r.Count > limit {
				d.errorf(w.countPos, w.count, "count %d is more than the group's %d validators before epoch %d (%d at genesis + %d from deposit waves of earlier epochs)",
					w.r.Count, limit, w.r.Epoch, fc.g.Count, deposited)
			}
		}
	}
	if fc.credentialsOK && fc.g.Credentials == 0x00 {
		d.checkConverted(waves)
	}
	out := make([]Request, len(waves))
	for i, w := range waves {
		out[i] = w.r
	}
	return out
}

// checkConverted reports the waves of a 0x00 group that need execution
// credentials and come before any bls_change wave: only validators that a
// BLS-to-execution change of an earlier epoch has converted can be
// addressed from the execution layer.
func (d *decoder) checkConverted(waves []decodedRequest) {
	for _, w := range waves {
		k, _ := lookupRequestKind(w.r.Kind)
		if !k.execution {
			continue
		}
		converted := false
		for _, c := range waves {
			converted = converted || (c.r.Kind == RequestBLSChange && c.r.Epoch < w.r.Epoch)
		}
		if !converted {
			d.errorf(w.kindPos, w.kind, "kind %q needs execution withdrawal credentials: give the group withdrawal_credentials \"0x01\" or \"0x02\", or convert its validators with a bls_change wave of an earlier epoch (it has 0x00; EIP-7002 requests come from the execution address)", k.name)
		}
	}
}

func (d *decoder) decodeRequest(item ast.Node, path string, fc groupFacts, opOK bool, epochs uint64) (decodedRequest, bool) {
	// The kind decides which fields are allowed; read it first.
	var kind requestKind
	kindOK := false
	if kf, ok := rawField(item, path, "kind"); ok {
		if name, ok := d.str(kf); ok {
			if kind, kindOK = lookupRequestKind(name); !kindOK {
				d.errorf(d.valuePos(kf), kf.path, "unknown request kind %q (kinds: %s)", name, strings.Join(requestKindNames(), ", "))
			}
		}
	}
	// Without a valid kind, accept every kind's fields so that the only
	// problem reported is the kind itself.
	allowed := []string{"kind", "epoch", "count", "amount_eth", "amount_gwei"}
	var reject func(string) error
	if kindOK {
		allowed = kind.allowedFields()
		reject = func(key string) error {
			if key == "amount_eth" || key == "amount_gwei" {
				return fmt.Errorf("field not allowed for kind %q (allowed: %s)", kind.name, strings.Join(allowed, ", "))
			}
			return nil
		}
	}
	o, ok := d.object(item, path, allowed, reject)
	if !ok {
		return decodedRequest{}, false
	}
	kf, ok := d.require(o, "kind")
	if !ok || !kindOK {
		return decodedRequest{}, false
	}
	w := decodedRequest{r: Request{Kind: kind.name}, kindPos: d.valuePos(kf), kind: kf.path}
	good := true
	if ef, ok := d.require(o, "epoch"); !ok {
		good = false
	} else if v, ok := d.uint(ef, 0, MaxEpochs); !ok {
		good = false
	} else if epochs > 0 && v >= epochs && !d.resolved {
		d.errorf(d.valuePos(ef), ef.path, "epoch %d must be less than epochs %d (the run's length)", v, epochs)
		good = false
	} else {
		w.r.Epoch = v
	}
	if cf, ok := d.require(o, "count"); !ok {
		good = false
	} else if v, ok := d.uint(cf, 1, MaxValidators); !ok {
		good = false
	} else {
		w.r.Count, w.countPos, w.count = int(v), d.valuePos(cf), cf.path
	}
	if kind.amount {
		if v, ok := d.requestAmount(o, kind); ok {
			w.r.AmountGwei = v
		} else {
			good = false
		}
	}
	g := fc.g
	switch {
	case !fc.credentialsOK:
	case kind.execution && g.Credentials == 0x00:
		// Checked across the group's waves (checkConverted): a bls_change
		// wave of an earlier epoch gives the validators an address.
	case kind.bls && g.Credentials != 0x00:
		d.errorf(d.valuePos(kf), kf.path, "kind %q needs BLS withdrawal credentials: give the group withdrawal_credentials \"0x00\" (it has 0x%02x; a BLS-to-execution change converts 0x00 credentials to 0x01)", kind.name, g.Credentials)
		good = false
	case kind.compounding && g.Credentials != 0x02 && opOK && !operatorCompounds(g.Operator):
		d.errorf(d.valuePos(kf), kf.path, "kind %q needs 0x02 (compounding) credentials: give the group withdrawal_credentials \"0x02\" or an operator with policy %s or %s",
			kind.name, PolicyCompound, PolicyConsolidate)
		good = false
	}
	return w, good
}

// operatorCompounds reports whether op switches the group's validators to
// 0x02 credentials.
func operatorCompounds(op *Operator) bool {
	if op == nil {
		return false
	}
	p, ok := lookupPolicy(op.Policy)
	return ok && p.compounding
}

// requestAmount decodes a wave's amount, given as exactly one of
// amount_eth (whole ETH) and amount_gwei, into Gwei.
func (d *decoder) requestAmount(o *object, kind requestKind) (uint64, bool) {
	ef, gf := o.get("amount_eth"), o.get("amount_gwei")
	switch {
	case ef.present() && gf.present():
		later := gf
		if d.pos(gf.key).before(d.pos(ef.key)) {
			later = ef
		}
		d.errorf(d.pos(later.key), later.path, "give amount_eth or amount_gwei, not both")
		return 0, false
	case ef.present():
		minETH := (kind.minAmountGwei + gweiPerETH - 1) / gweiPerETH
		v, ok := d.uint(ef, minETH, kind.maxAmountGwei/gweiPerETH)
		return v * gweiPerETH, ok
	case gf.present():
		return d.uint(gf, kind.minAmountGwei, kind.maxAmountGwei)
	case kind.defaultAmountGwei > 0:
		return kind.defaultAmountGwei, true
	}
	d.errorf(o.pos, join(o.path, "amount_eth"), "required field is missing for kind %q: give amount_eth or amount_gwei", kind.name)
	return 0, false
}

// decodeConfig decodes the config overrides in file order; absent or null
// means none.
func (d *decoder) decodeConfig(f field) []ConfigOverride {
	if isNull(f.value) {
		return nil
	}
	names := configKeyNames()
	o, ok := d.object(f.value, f.path, names, func(string) error {
		return fmt.Errorf("unknown config key (allowed: %s)", strings.Join(names, ", "))
	})
	if !ok {
		return nil
	}
	var out []ConfigOverride
	entries, _ := mappingEntries(f.value)
	for _, mv := range entries {
		if mv == nil {
			continue
		}
		k, ok := mv.Key.(*ast.StringNode)
		if !ok {
			continue // reported by checkPlain
		}
		cf, ok := o.fields[k.Value]
		if !ok || cf.key != ast.Node(k) {
			continue // unknown, or a duplicate: reported by object
		}
		key, _ := lookupConfigKey(k.Value)
		if v, ok := d.uint(cf, key.Min, key.Max); ok {
			out = append(out, ConfigOverride{Name: key.Name, Value: v})
		}
	}
	return out
}
