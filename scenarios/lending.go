package scenarios

import (
	"fmt"
	"strings"
)

// LendingVenue is one lending market of the `markets:` block's `lending:`
// list (economics/lending): ETH lent against a pool's token.
type LendingVenue struct {
	Name string
	// Kind is LendingAave or LendingMorpho.
	Kind string
	// Pool is the pool whose token is the collateral, whose price an
	// oracle of kind pool or twap reads and where liquidators sell.
	Pool   string
	Oracle LendingOracle
	// Aave: LTV, LT and bonus in Aave's percent units (10,000 = 100%; a
	// bonus of 0.05 is 10,500); EMode the e-mode category, nil without;
	// CloseFactorGwei is MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD in ETH
	// (default 1 ETH).
	LTVBps, LTBps, BonusBps uint64
	EMode                   *LendingEMode
	CloseFactorGwei         uint64
	// Morpho: the LLTV (WAD).
	LLTVWAD uint64
	// SupplyGwei is the ETH passive lenders supply at genesis.
	SupplyGwei uint64
}

// LendingEMode is an Aave venue's e-mode category, in percent units.
type LendingEMode struct{ LTVBps, LTBps, BonusBps uint64 }

// LendingOracle is a venue's price oracle.
type LendingOracle struct {
	// Kind is OraclePool, OracleRate or OracleTWAP.
	Kind string
	// WindowSlots is a twap oracle's window in market slots.
	WindowSlots uint64
	// CapBpsPerYear caps a rate oracle's growth (CAPO), 0: no cap.
	CapBpsPerYear uint64
}

// Lending venue kinds and oracle kinds.
const (
	LendingAave   = "aave"
	LendingMorpho = "morpho"
	OraclePool    = "pool"
	OracleRate    = "rate"
	OracleTWAP    = "twap"
)

// Lending trader kinds (in traders:, with the market kinds).
const (
	TraderLooper     = "looper"     // leveraged positions built at the first market slot, optionally managed
	TraderLiquidator = "liquidator" // liquidates positions below HF 1 and sells the collateral
	TraderLender     = "lender"     // supplies ETH at genesis
)

const (
	maxLendingVenues      = 8
	defaultOracleWindow   = 16
	maxOracleWindow       = 1 << 16
	defaultCloseFactorETH = 1
	maxTargetHF           = 10 * GraphWAD
	percentFactor         = 10_000
	wadPerBps             = GraphWAD / percentFactor
	maxCapBps             = 100_000 // 1000% a year: CAPO's per-slot growth stays within 64 bits
)

func lendingFields() []string {
	return []string{"name", "kind", "pool", "oracle", "ltv", "lt", "bonus", "e_mode", "close_factor_eth", "lltv", "supply"}
}

func oracleFields() []string { return []string{"kind", "window_slots", "cap_bps_per_year"} }

// lendingKindFields are the venue fields of one kind only.
var lendingKindFields = map[string]string{
	"ltv": LendingAave, "lt": LendingAave, "bonus": LendingAave, "e_mode": LendingAave, "close_factor_eth": LendingAave,
	"lltv": LendingMorpho,
}

// decodeLending decodes the venues of the `lending:` list.
func (d *decoder) decodeLending(o *object, pools []MarketPool) []LendingVenue {
	items, ok := d.boundedList(o, "lending", "lending venue", maxLendingVenues, false)
	if !ok {
		return nil
	}
	var out []LendingVenue
	seen := map[string]string{}
	for _, item := range items {
		if v, ok := d.decodeVenue(item, pools, seen); ok {
			out = append(out, v)
		}
	}
	return out
}

// decodeVenue decodes one venue.
func (d *decoder) decodeVenue(item field, pools []MarketPool, seen map[string]string) (LendingVenue, bool) {
	v := LendingVenue{CloseFactorGwei: defaultCloseFactorETH * gweiPerETH, Oracle: LendingOracle{Kind: OraclePool}}
	vo, ok := d.object(item.value, item.path, lendingFields(), nil)
	if !ok {
		return v, false
	}
	v.Name, ok = d.entityName(vo, "lending venue", seen)
	if kf, has := d.require(vo, "kind"); has {
		v.Kind, _ = d.enum(kf, LendingAave, LendingMorpho)
	}
	v.Pool, ok = d.traderPool(vo, pools, ok)
	for _, k := range lendingFields() {
		if only, is := lendingKindFields[k]; is && v.Kind != "" && only != v.Kind {
			if f := vo.get(k); f.present() {
				d.errorf(d.pos(f.key), f.path, "%s applies to kind %s only (this venue's kind is %s)", k, only, v.Kind)
			}
		}
	}
	if f := vo.get("oracle"); f.present() {
		v.Oracle = d.decodeOracle(f)
	}
	if f, has := d.require(vo, "supply"); has {
		v.SupplyGwei, _ = d.balanceGwei(f)
	}
	switch v.Kind {
	case LendingAave:
		d.decodeAave(vo, &v)
	case LendingMorpho:
		if f, has := d.require(vo, "lltv"); has {
			v.LLTVWAD, _ = d.fractionWAD(f, rangeOO)
		}
	}
	return v, ok && v.Kind != ""
}

// decodeOracle decodes a venue's oracle.
func (d *decoder) decodeOracle(f field) LendingOracle {
	or := LendingOracle{Kind: OraclePool}
	oo, ok := d.object(f.value, f.path, oracleFields(), nil)
	if !ok {
		return or
	}
	if kf, has := d.require(oo, "kind"); has {
		or.Kind, _ = d.enum(kf, OraclePool, OracleRate, OracleTWAP)
	}
	wf, cf := oo.get("window_slots"), oo.get("cap_bps_per_year")
	if or.Kind == OracleTWAP {
		or.WindowSlots = defaultOracleWindow
	}
	switch {
	case wf.present() && or.Kind != OracleTWAP:
		d.errorf(d.pos(wf.key), wf.path, "window_slots applies to oracle kind twap only")
	case wf.present():
		or.WindowSlots, _ = d.uint(wf, 1, maxOracleWindow)
	}
	switch {
	case cf.present() && or.Kind != OracleRate:
		d.errorf(d.pos(cf.key), cf.path, "cap_bps_per_year applies to oracle kind rate only")
	case cf.present():
		or.CapBpsPerYear, _ = d.uint(cf, 0, maxCapBps)
	}
	return or
}

// decodeAave decodes an Aave venue's LTV, LT, bonus, e-mode and close
// factor threshold, with the configurator's rules.
func (d *decoder) decodeAave(vo *object, v *LendingVenue) {
	v.LTVBps, v.LTBps, v.BonusBps = d.aavePercents(vo, vo.path)
	if f := vo.get("e_mode"); f.present() {
		eo, ok := d.object(f.value, f.path, []string{"ltv", "lt", "bonus"}, nil)
		if ok {
			ltv, lt, bonus := d.aavePercents(eo, f.path)
			v.EMode = &LendingEMode{LTVBps: ltv, LTBps: lt, BonusBps: bonus}
		}
	}
	if f := vo.get("close_factor_eth"); f.present() {
		v.CloseFactorGwei, _ = d.balanceGwei(f)
	}
}

// aavePercents decodes ltv, lt (required, 0 < ltv <= lt < 1) and bonus
// (required, lt·(1+bonus) <= 1) in percent units.
func (d *decoder) aavePercents(o *object, path string) (ltv, lt, bonus uint64) {
	pct := func(key string, r wadRange) uint64 {
		f, has := d.require(o, key)
		if !has {
			return 0
		}
		w, ok := d.fractionWAD(f, r)
		if ok && w%wadPerBps != 0 {
			d.errorf(d.valuePos(f), f.path, "%s has more than 4 decimals (Aave's percent units are 0.01%%)", key)
		}
		return w / wadPerBps
	}
	ltv, lt, bonus = pct("ltv", rangeOO), pct("lt", rangeOO), pct("bonus", rangeOO)
	if ltv > lt && lt != 0 {
		d.errorf(o.pos, join(path, "ltv"), "ltv %s is above lt %s", bps(ltv), bps(lt))
	}
	if lt != 0 && lt*(percentFactor+bonus) > percentFactor*percentFactor {
		d.errorf(o.pos, join(path, "bonus"), "lt·(1 + bonus) is above 1: a liquidation could not pay its bonus")
	}
	return ltv, lt, bonus + percentFactor
}

func bps(v uint64) string { return fmt.Sprintf("%d.%04d", v/percentFactor, v%percentFactor) }

// venueNames lists the venues' names for errors.
func venueNames(vs []LendingVenue) string {
	if len(vs) == 0 {
		return "the markets block has no lending venue"
	}
	var names []string
	for _, v := range vs {
		names = append(names, v.Name)
	}
	return "venues: " + strings.Join(names, ", ")
}

// findVenue decodes a venue name field.
func (d *decoder) findVenue(f field, vs []LendingVenue) (LendingVenue, bool) {
	name, ok := d.name(f, groupNameRe, "[a-z0-9_-]+")
	if !ok {
		return LendingVenue{}, false
	}
	for _, v := range vs {
		if v.Name == name {
			return v, true
		}
	}
	d.errorf(d.valuePos(f), f.path, "unknown lending venue %q (%s)", name, venueNames(vs))
	return LendingVenue{}, false
}

// decodeLendingTrader decodes a looper's, a liquidator's or a lender's
// fields; a looper's or a lender's pool is its venue's.
func (d *decoder) decodeLendingTrader(to *object, g *TraderGroup, venues []LendingVenue) bool {
	switch g.Kind {
	case TraderLooper, TraderLender:
		vf, has := d.require(to, "venue")
		if !has {
			return false
		}
		v, ok := d.findVenue(vf, venues)
		if !ok {
			return false
		}
		if pf := to.get("pool"); pf.present() && g.Pool != v.Pool {
			d.errorf(d.valuePos(pf), pf.path, "pool %s is not venue %s's pool %s", g.Pool, v.Name, v.Pool)
			return false
		}
		g.Venue, g.Pool = v.Name, v.Pool
		if g.Kind == TraderLooper {
			return d.decodeLooper(to, g, v)
		}
		return true
	case TraderLiquidator:
		return d.decodeLiquidator(to, g, venues)
	}
	return true
}

// decodeLooper decodes a looper's target health factors and e-mode.
func (d *decoder) decodeLooper(to *object, g *TraderGroup, v LendingVenue) bool {
	ok := true
	if f, has := d.require(to, "target_hf"); has {
		g.TargetHFWAD, ok = d.fractionWAD(f, wadRange{lo: GraphWAD, hi: maxTargetHF, loOpen: true})
	} else {
		ok = false
	}
	g.TargetHFMaxWAD = g.TargetHFWAD
	if f := to.get("target_hf_max"); f.present() {
		if m, good := d.fractionWAD(f, wadRange{lo: GraphWAD, hi: maxTargetHF, loOpen: true}); good {
			if m < g.TargetHFWAD {
				d.errorf(d.valuePos(f), f.path, "target_hf_max is below target_hf")
				ok = false
			}
			g.TargetHFMaxWAD = m
		}
	}
	if f := to.get("e_mode"); f.present() {
		g.EMode, _ = d.boolean(f)
		if g.EMode && v.EMode == nil {
			d.errorf(d.valuePos(f), f.path, "venue %s has no e_mode category", v.Name)
			ok = false
		}
	}
	if g.TokensGwei == 0 {
		d.errorf(to.pos, join(to.path, "tokens"), "a looper needs tokens (its equity, minted at genesis)")
		ok = false
	}
	return d.decodeLooperManagement(to, g) && ok
}

// decodeLooperManagement decodes a managed looper's relever_above (in
// (1, 10], above target_hf_max) and deleverage_below (in (1, 10], below
// target_hf).
func (d *decoder) decodeLooperManagement(to *object, g *TraderGroup) bool {
	ok := true
	hfRange := wadRange{lo: GraphWAD, hi: maxTargetHF, loOpen: true}
	if f := to.get("relever_above"); f.present() {
		v, good := d.fractionWAD(f, hfRange)
		if good && g.TargetHFMaxWAD != 0 && v <= g.TargetHFMaxWAD {
			d.errorf(d.valuePos(f), f.path, "relever_above must be above target_hf_max (the highest target it relevers to)")
			good = false
		}
		g.ReleverAboveWAD, ok = v, good
	}
	if f := to.get("deleverage_below"); f.present() {
		v, good := d.fractionWAD(f, hfRange)
		if good && g.TargetHFWAD != 0 && v >= g.TargetHFWAD {
			d.errorf(d.valuePos(f), f.path, "deleverage_below must be below target_hf (the lowest target it deleverages to)")
			good = false
		}
		g.DeleverageBelowWAD, ok = v, ok && good
	}
	return ok
}

// decodeLiquidator decodes a liquidator's venues (default: every venue
// of its pool) and its least profit.
func (d *decoder) decodeLiquidator(to *object, g *TraderGroup, venues []LendingVenue) bool {
	if f := to.get("min_profit_bps"); f.present() {
		g.MinProfitBps, _ = d.uint(f, 0, 10_000)
	}
	if !to.get("venues").present() {
		for _, v := range venues {
			if v.Pool == g.Pool {
				g.Venues = append(g.Venues, v.Name)
			}
		}
		return true
	}
	refs, ok := d.refs(to, "venues", "lending venue", maxLendingVenues, true)
	for _, r := range refs {
		v, found := d.findVenue(r.f, venues)
		switch {
		case !found:
			ok = false
		case v.Pool != g.Pool:
			d.errorf(d.valuePos(r.f), r.f.path, "venue %s's pool is %s, not the liquidator's pool %s", v.Name, v.Pool, g.Pool)
			ok = false
		default:
			g.Venues = append(g.Venues, v.Name)
		}
	}
	return ok
}
