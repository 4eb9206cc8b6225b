package scenarios

import (
	"strings"
)

// LiquidStaking is a scenario's `liquid_staking:` block: pooled staking
// protocols (economics/lst) whose validators are scenario groups and whose
// holders are agents. Amounts are Gwei, fractions WAD (1e18 = 1), times
// epochs. doc.go documents the block ("Liquid staking").
type LiquidStaking struct {
	Protocols []LSTProtocol
}

// Exit methods of a protocol's node operators.
const (
	ExitVoluntary = "voluntary" // signed voluntary exits, gossiped like votes
	ExitEIP7002   = "eip7002"   // EIP-7002 full-exit requests from the vault address
)

// Holder policies.
const (
	HolderHold     = "hold"     // never acts
	HolderDeposit  = "deposit"  // deposits AmountGwei every EveryEpochs
	HolderWithdraw = "withdraw" // requests a withdrawal when Trigger fires
)

// Withdrawal triggers of holders with policy HolderWithdraw.
const (
	TriggerRateDrop       = "rate_drop"       // the share rate fell by more than Threshold below its highest
	TriggerSlashing       = "slashing"        // more than Threshold of the protocol's validators slashed
	TriggerNegativeRebase = "negative_rebase" // a report rebased down by more than Threshold of the pooled ETH
	TriggerBunker         = "bunker"          // bunker mode started
)

// LSTProtocol is one liquid-staking protocol.
type LSTProtocol struct {
	Name string
	// Kind is KindLST (economics/lst, the default) or KindLRT
	// (economics/lrt: a liquid restaking token; see LRT fields below).
	Kind string
	// Operators are the validator groups that run the protocol's
	// validators (its node operators): their genesis validators are the
	// protocol's, with credentials to its withdrawal vault.
	Operators []string
	// FeeBP is the protocol fee on rewards in basis points (default
	// 1,000); the node operators get half of it, the treasury the rest.
	FeeBP uint64
	// ReportEpochs is the oracle's frame; 0 means lst.ParamsFor's for the
	// preset (after the config overrides).
	ReportEpochs uint64
	// DepositGwei is one validator deposit: 32 ETH, or more for
	// compounding (0x02) validators.
	DepositGwei uint64
	// AnnualIncreaseBP is the oracle's sanity limit on the annualised CL
	// balance increase, in basis points (Lido's 1,000). A small simulated
	// network issues far more per ETH than mainnet (issuance per ETH falls
	// as 1/sqrt(total stake)), so its reports need a higher limit.
	AnnualIncreaseBP uint64
	// Withdrawals enables holders' withdrawal requests (default true).
	Withdrawals bool
	// ExitMethod is ExitVoluntary (default) or ExitEIP7002.
	ExitMethod string
	// NewValidators is how many validators deposits may create (keys are
	// derived before the run); 0 means none.
	NewValidators int
	Holders       []LSTHolderGroup

	// LRT fields (Kind KindLRT). RestakingOperators are the operators of
	// the `restaking:` block the protocol delegates to; WeightsWAD their
	// target shares (summing to WAD) in that order, nil for an equal split
	// (Policy DelegationEqual); Asset is AssetNative or the name of a kind
	// lst protocol of the block whose shares it restakes (then Operators
	// is empty). Withdrawals is withdrawals_enabled.
	RestakingOperators []string
	Policy             string
	WeightsWAD         []uint64
	Asset              string
}

// Protocol kinds.
const (
	KindLST = "lst" // a liquid staking protocol (economics/lst)
	KindLRT = "lrt" // a liquid restaking protocol (economics/lrt)
)

// Delegation policies of an LRT, and its assets.
const (
	DelegationEqual   = "equal"   // the same share of the restaked stake to each operator
	DelegationWeights = "weights" // the shares given by weights
	AssetNative       = "native"  // native restaked ETH: the protocol's validators are its operators' groups
)

// LSTHolderGroup is Count holders with one policy, run by Agents agents.
type LSTHolderGroup struct {
	Name   string
	Count  int
	Agents int
	// InitialGwei is each holder's deposit at genesis; InitialSet is false
	// when the field was omitted, and the group then shares evenly what
	// the explicit groups leave of the protocol's genesis stake.
	InitialGwei uint64
	InitialSet  bool
	Policy      string

	// Deposit policy: AmountGwei per holder every EveryEpochs epochs from
	// FromEpoch to ToEpoch (inclusive; HasToEpoch false: to the end).
	AmountGwei         uint64
	EveryEpochs        uint64
	FromEpoch, ToEpoch uint64
	HasToEpoch         bool
	Trigger            string
	ThresholdWAD       uint64 // withdraw policy: see the Trigger constants
	ShareWAD           uint64 // fraction of its balance a holder withdraws (default WAD)
	ProbabilityWAD     uint64 // chance each holder reacts (default WAD)
	DelayEpochs        uint64 // epochs between the trigger and the request
}

// Limits of the block.
const (
	maxLSTProtocols     = 16
	maxLSTHolderGroups  = 64
	maxLSTHolders       = 100_000 // per protocol
	maxLSTHolderAgents  = 256     // per holder group
	maxLSTNewValidators = 100_000
)

func lstFields() []string { return []string{"protocols"} }

func lstProtocolFields() []string {
	return []string{"name", "operators", "fee", "report_epochs", "deposit_eth", "annual_increase_limit_bp", "withdrawals", "exit_method", "new_validators", "holders"}
}

func lstHolderFields() []string {
	return []string{"name", "count", "agents", "initial_eth", "policy", "amount_eth", "every_epochs", "from_epoch", "to_epoch",
		"trigger", "threshold", "share", "probability", "delay_epochs"}
}

// HolderPolicies lists the holder policies in documentation order.
func HolderPolicies() []string { return []string{HolderHold, HolderDeposit, HolderWithdraw} }

// HolderTriggers lists the withdrawal triggers in documentation order.
func HolderTriggers() []string {
	return []string{TriggerRateDrop, TriggerSlashing, TriggerNegativeRebase, TriggerBunker}
}

// decodeLiquidStaking decodes the `liquid_staking:` block; absent or null
// means none (nil). groups are the decoded validator groups; restaking,
// when set, claims groups a protocol may not own too.
func (d *decoder) decodeLiquidStaking(f field, groups []Group, rs *Restaking) *LiquidStaking {
	if isNull(f.value) {
		return nil
	}
	o, ok := d.object(f.value, f.path, lstFields(), nil)
	if !ok {
		return nil
	}
	items, ok := d.boundedList(o, "protocols", "protocol", maxLSTProtocols, true)
	if !ok {
		return nil
	}
	byGroup := map[string]*Group{}
	names := make([]string, len(groups))
	for i := range groups {
		byGroup[groups[i].Name] = &groups[i]
		names[i] = groups[i].Name
	}
	owned := map[string]string{}
	if rs != nil {
		for _, op := range rs.Operators {
			for _, g := range op.Groups {
				owned[g] = "restaking operator " + op.Name
			}
		}
	}
	ls := &LiquidStaking{}
	seen := map[string]string{}
	depositor := ""
	var assets []lrtAssetRef
	for _, item := range items {
		po, ok := d.object(item.value, item.path, allProtocolFields(), nil)
		if !ok {
			continue
		}
		var p LSTProtocol
		if d.protocolKind(po) == KindLRT {
			p, ok = d.decodeLRTProtocol(po, seen, byGroup, names, owned, rs)
			if af := po.get("asset"); af.present() && p.Asset != AssetNative {
				assets = append(assets, lrtAssetRef{f: af, name: p.Asset})
			}
		} else {
			d.kindOnlyFields(po, KindLST)
			p, ok = d.decodeLSTProtocol(po, seen, byGroup, names, owned)
		}
		if ok {
			ls.Protocols = append(ls.Protocols, p)
		}
		if nf := po.get("new_validators"); ok && p.NewValidators > 0 {
			d.checkNewValidators(nf, groups, depositor)
			depositor = p.Name
		}
	}
	d.checkLRTAssets(assets, ls.Protocols)
	return ls
}

// checkNewValidators: validators take indices in deposit order and
// validator i must hold key i, so keys derived before the run can be
// deposited in one order only — one protocol's, without deposit waves.
func (d *decoder) checkNewValidators(f field, groups []Group, depositor string) {
	if depositor != "" {
		d.errorf(d.valuePos(f), f.path, "protocol %s already deposits new validators; only one protocol may (validators take indices in deposit order)", depositor)
		return
	}
	for _, g := range groups {
		if g.depositedValidators() > 0 {
			d.errorf(d.valuePos(f), f.path, "group %s has deposit waves; a protocol may deposit new validators only in a scenario without them (validators take indices in deposit order)", g.Name)
			return
		}
	}
}

// decodeLSTProtocol decodes one protocol entry.
func (d *decoder) decodeLSTProtocol(po *object, seen map[string]string, byGroup map[string]*Group, names []string, owned map[string]string) (LSTProtocol, bool) {
	p := LSTProtocol{Kind: KindLST, FeeBP: 1_000, AnnualIncreaseBP: 1_000, DepositGwei: 32 * gweiPerETH, Withdrawals: true, ExitMethod: ExitVoluntary}
	name, named := d.entityName(po, "protocol", seen)
	p.Name = name
	if ff := po.get("fee"); ff.present() {
		if v, ok := d.fractionWAD(ff, rangeCO); ok {
			if v%bpsPerWAD != 0 {
				d.errorf(d.valuePos(ff), ff.path, "%s is not a whole number of basis points (0.0001)", formatWAD(v))
			} else {
				p.FeeBP = v / bpsPerWAD
			}
		}
	}
	if rf := po.get("report_epochs"); rf.present() {
		p.ReportEpochs, _ = d.uint(rf, 1, MaxEpochs)
	}
	depositOK := true
	if df := po.get("deposit_eth"); df.present() {
		if v, ok := d.amountGwei(df, 2048); ok && v >= 32*gweiPerETH {
			p.DepositGwei = v
		} else {
			if ok {
				d.errorf(d.valuePos(df), df.path, "%s ETH is less than 32: a deposit makes a 32-ETH validator, or a compounding one of up to 2,048 ETH", formatGwei(v))
			}
			depositOK = false
		}
	}
	if af := po.get("annual_increase_limit_bp"); af.present() {
		p.AnnualIncreaseBP, _ = d.uint(af, 1, 100_000_000)
	}
	if wf := po.get("withdrawals"); wf.present() {
		if v, ok := d.flagOrBit(wf); ok {
			p.Withdrawals = v
		}
	}
	if ef := po.get("exit_method"); ef.present() {
		if v, ok := d.enum(ef, ExitVoluntary, ExitEIP7002); ok {
			p.ExitMethod = v
		}
	}
	if nf := po.get("new_validators"); nf.present() {
		if v, ok := d.uint(nf, 0, maxLSTNewValidators); ok {
			p.NewValidators = int(v)
		}
	}
	genesis, groupsOK := d.lstOperators(po, &p, byGroup, names, owned, depositOK)
	p.Holders = d.decodeLSTHolders(po, genesis, groupsOK)
	return p, named
}

// lstOperators decodes a protocol's operator groups and returns its
// genesis stake (Gwei) and whether every group decoded.
func (d *decoder) lstOperators(po *object, p *LSTProtocol, byGroup map[string]*Group, names []string, owned map[string]string, depositOK bool) (uint64, bool) {
	gs, ok := d.refs(po, "operators", "validator group", maxGroups, true)
	var genesis uint64
	for _, g := range gs {
		grp := byGroup[g.name]
		switch other, taken := owned[g.name]; {
		case grp == nil:
			d.errorf(d.valuePos(g.f), g.f.path, "unknown validator group %q (groups: %s)", g.name, strings.Join(names, ", "))
			ok = false
		case taken:
			d.errorf(d.valuePos(g.f), g.f.path, "validator group %q already belongs to %s; a group's validators belong to one owner", g.name, other)
			ok = false
		case grp.Operator != nil || len(grp.Requests) > 0:
			d.errorf(d.valuePos(g.f), g.f.path, "validator group %q has an operator or request waves: a protocol's node operators deposit and exit for the protocol; remove them", g.name)
			ok = false
		case grp.Credentials == 0x00:
			d.errorf(d.valuePos(g.f), g.f.path, "validator group %q has withdrawal credentials 0x00: a protocol's validators pay its withdrawal vault; give the group withdrawal_credentials \"0x01\" (or \"0x02\" with a compounding deposit_eth)", g.name)
			ok = false
		case depositOK && grp.BalanceGwei != p.DepositGwei:
			d.errorf(d.valuePos(g.f), g.f.path, "validator group %q has balance_eth %s but the protocol deposits %s ETH per validator: the oracle counts each validator it sees appear as one deposit", g.name, formatGwei(grp.BalanceGwei), formatGwei(p.DepositGwei))
			ok = false
		default:
			owned[g.name] = "protocol " + p.Name
			p.Operators = append(p.Operators, g.name)
			genesis += uint64(grp.Count) * grp.BalanceGwei
		}
	}
	return genesis, ok
}

// decodeLSTHolders decodes a protocol's holder groups and splits the
// genesis stake among those without initial_eth.
func (d *decoder) decodeLSTHolders(po *object, genesis uint64, groupsOK bool) []LSTHolderGroup {
	items, ok := d.boundedList(po, "holders", "holder group", maxLSTHolderGroups, true)
	if !ok {
		return nil
	}
	var hs []LSTHolderGroup
	seen := map[string]string{}
	var explicit, implicitHolders, holders uint64
	for _, item := range items {
		ho, ok := d.object(item.value, item.path, lstHolderFields(), nil)
		if !ok {
			continue
		}
		h, ok := d.decodeLSTHolder(ho, seen)
		holders += uint64(h.Count)
		if holders > maxLSTHolders {
			d.errorf(ho.pos, ho.path, "%d holders in the protocol up to here; the limit is %d", holders, maxLSTHolders)
			return nil
		}
		if h.InitialSet {
			explicit += h.InitialGwei * uint64(h.Count)
		} else {
			implicitHolders += uint64(h.Count)
		}
		if ok {
			hs = append(hs, h)
		}
	}
	hf := po.get("holders")
	switch {
	case !groupsOK:
	case implicitHolders == 0 && explicit < genesis:
		d.errorf(d.valuePos(hf), hf.path, "the holders' initial deposits add up to %s ETH, less than the protocol's genesis stake of %s ETH (its groups' validators); omit initial_eth in a holder group to give it the rest",
			formatGwei(explicit), formatGwei(genesis))
	case implicitHolders > 0:
		rest := uint64(0)
		if genesis > explicit {
			rest = genesis - explicit
		}
		each := rest / implicitHolders
		if each == 0 {
			d.errorf(d.valuePos(hf), hf.path, "the holders without initial_eth share %s ETH of genesis stake: less than 1 Gwei each", formatGwei(rest))
		}
		for i := range hs {
			if !hs[i].InitialSet {
				hs[i].InitialGwei = each
			}
		}
	}
	return hs
}

// decodeLSTHolder decodes one holder group.
func (d *decoder) decodeLSTHolder(ho *object, seen map[string]string) (LSTHolderGroup, bool) {
	h := LSTHolderGroup{Agents: 1, Policy: HolderHold, EveryEpochs: 1, ShareWAD: GraphWAD, ProbabilityWAD: GraphWAD}
	name, named := d.entityName(ho, "holder group", seen)
	h.Name = name
	if cf, ok := d.require(ho, "count"); ok {
		if n, ok := d.uint(cf, 1, maxLSTHolders); ok {
			h.Count = int(n)
		}
	}
	if af := ho.get("agents"); af.present() {
		if n, ok := d.uint(af, 1, maxLSTHolderAgents); ok {
			h.Agents = int(n)
		}
	}
	h.Agents = max(1, min(h.Agents, h.Count))
	if f := ho.get("initial_eth"); f.present() {
		h.InitialGwei, h.InitialSet = d.amountGwei(f, MaxBalanceETH)
	}
	if f := ho.get("policy"); f.present() {
		h.Policy, _ = d.enum(f, HolderPolicies()...)
	}
	switch h.Policy {
	case HolderDeposit:
		if f, ok := d.require(ho, "amount_eth"); ok {
			h.AmountGwei, _ = d.amountGwei(f, MaxBalanceETH)
		}
		if f := ho.get("every_epochs"); f.present() {
			h.EveryEpochs, _ = d.uint(f, 1, MaxEpochs)
		}
	case HolderWithdraw:
		if f, ok := d.require(ho, "trigger"); ok {
			h.Trigger, _ = d.enum(f, HolderTriggers()...)
		}
		if f := ho.get("threshold"); f.present() {
			h.ThresholdWAD, _ = d.fractionWAD(f, rangeCO)
		}
		if f := ho.get("share"); f.present() {
			h.ShareWAD, _ = d.fractionWAD(f, rangeOC)
		}
		if f := ho.get("probability"); f.present() {
			h.ProbabilityWAD, _ = d.fractionWAD(f, rangeOC)
		}
		if f := ho.get("delay_epochs"); f.present() {
			h.DelayEpochs, _ = d.uint(f, 0, MaxEpochs)
		}
	}
	d.holderOnlyFields(ho, h.Policy)
	if f := ho.get("from_epoch"); f.present() {
		h.FromEpoch, _ = d.uint(f, 0, MaxEpochs)
	}
	if f := ho.get("to_epoch"); f.present() {
		if v, ok := d.uint(f, 0, MaxEpochs); ok {
			if v < h.FromEpoch {
				d.errorf(d.valuePos(f), f.path, "%d is before from_epoch %d", v, h.FromEpoch)
			}
			h.ToEpoch, h.HasToEpoch = v, true
		}
	}
	return h, named
}

// holderOnlyFields reports fields that belong to another policy.
func (d *decoder) holderOnlyFields(ho *object, policy string) {
	only := map[string]string{
		"amount_eth": HolderDeposit, "every_epochs": HolderDeposit,
		"trigger": HolderWithdraw, "threshold": HolderWithdraw, "share": HolderWithdraw,
		"probability": HolderWithdraw, "delay_epochs": HolderWithdraw,
	}
	for _, k := range lstHolderFields() {
		want, ok := only[k]
		if f := ho.get(k); ok && f.present() && want != policy {
			d.errorf(d.pos(f.key), f.path, "%s applies to policy %s only (this holder group's policy is %s)", k, want, policy)
		}
	}
}

// formatGwei shows an amount of Gwei in ETH, without trailing zeros.
func formatGwei(g uint64) string {
	s := strings.TrimRight(strings.TrimRight(formatFixed(g, 9), "0"), ".")
	if s == "" {
		return "0"
	}
	return s
}

// formatFixed shows v / 10^decimals with all its decimals.
func formatFixed(v uint64, decimals int) string {
	s := []byte(strings.Repeat("0", decimals+1))
	digits := []byte{}
	for x := v; x > 0; x /= 10 {
		digits = append([]byte{byte('0' + x%10)}, digits...)
	}
	if len(digits) > len(s) {
		s = digits
	} else {
		copy(s[len(s)-len(digits):], digits)
	}
	return string(s[:len(s)-decimals]) + "." + string(s[len(s)-decimals:])
}
