package scenarios

import "strings"

// Markets is a scenario's `markets:` block: Curve StableSwap pools of ETH
// and a liquid_staking protocol's token (economics/market), the market
// agents that trade in them, and lending markets (economics/lending) with
// their loopers. Amounts are Gwei, fractions WAD (1e18 = 1), times epochs.
// doc.go documents the block ("Markets").
type Markets struct {
	Pools   []MarketPool
	Traders []TraderGroup
	Lending []LendingVenue
}

// MarketPool is one pool of ETH (coin 0) and a protocol's token (coin 1).
type MarketPool struct {
	Name string
	// Token is the liquid_staking protocol whose token is coin 1: its
	// shares for a kind lst protocol, its tokens for a kind lrt one.
	Token string
	// A is the published amplification (default 50); FeeBps the swap fee
	// (default 4); AdminFeeWAD the admin share of fees (default 0.5).
	A, FeeBps   uint64
	AdminFeeWAD uint64
	// EthGwei and TokensGwei are the genesis reserves: ETH, and tokens
	// minted by depositing TokensGwei ETH at the protocol at genesis.
	EthGwei, TokensGwei uint64
	// Ramp moves A linearly to Ramp.ToA between two epochs (nil: none).
	Ramp *PoolRamp
}

// PoolRamp is a pool's A ramp.
type PoolRamp struct {
	ToA                uint64
	FromEpoch, ToEpoch uint64
}

// Trader kinds.
const (
	TraderNoise     = "noise"     // random buys and sells of bounded size
	TraderPanic     = "panic"     // sells a share of its tokens when a trigger fires
	TraderArbitrage = "arbitrage" // mints above the rate, buys and redeems below it
	TraderLP        = "lp"        // removes liquidity when a trigger fires
	TraderWhale     = "whale"     // scripted sales and ETH liquidity removal
	TraderDipBuyer  = "dip_buyer" // buys the token while its price is below a threshold
)

// Market triggers of panic sellers and LPs.
const (
	MarketTriggerSlashing       = "slashing"        // a validator of the token's protocol was slashed
	MarketTriggerNegativeRebase = "negative_rebase" // the token's rate fell (a negative rebase or an AVS slash)
	MarketTriggerFinalityStall  = "finality_stall"  // finality has stalled StallEpochs epochs
	MarketTriggerPrice          = "price"           // the pool's price fell below BelowWAD
)

// TraderKinds lists the trader kinds in documentation order.
func TraderKinds() []string {
	return []string{TraderNoise, TraderPanic, TraderArbitrage, TraderLP, TraderWhale, TraderDipBuyer, TraderLooper, TraderLiquidator, TraderLender}
}

// MarketTriggers lists the panic sellers' and LPs' triggers in
// documentation order.
func MarketTriggers() []string {
	return []string{MarketTriggerSlashing, MarketTriggerNegativeRebase, MarketTriggerFinalityStall, MarketTriggerPrice}
}

// TraderGroup is Count market participants of one kind, run by Agents
// agents, trading in one pool.
type TraderGroup struct {
	Name, Kind, Pool string
	Count, Agents    int
	// EthGwei and TokensGwei are each participant's endowment: ETH in its
	// wallet, and tokens minted at genesis by depositing TokensGwei ETH.
	EthGwei, TokensGwei uint64
	// LPShareWAD is the share of the pool's genesis LP tokens the group
	// holds, split evenly among its participants (lp and whale only).
	LPShareWAD uint64
	// SlippageBps bounds every order: its min-out is the quote less this.
	SlippageBps uint64
	// ChanceWAD is a noise trader's (a dip buyer's) chance to trade each
	// slot; MaxTradeGwei the largest trade (noise, arbitrage, dip_buyer),
	// in ETH.
	ChanceWAD    uint64
	MaxTradeGwei uint64
	// Trigger, BelowWAD, StallEpochs: what makes a panic seller or an LP
	// act; ShareWAD what share of its tokens (LP tokens) it sells
	// (removes); CooldownEpochs how long it waits before it may act again.
	Trigger        string
	BelowWAD       uint64
	StallEpochs    uint64
	ShareWAD       uint64
	CooldownEpochs uint64
	// Coin is what an LP takes out: "eth" (remove_liquidity_one_coin) or
	// "both" (balanced).
	Coin string
	// HurdleWAD is an arbitrageur's yearly hurdle rate on capital locked
	// in the withdrawal queue; MinProfitBps its least profit per trade.
	HurdleWAD    uint64
	MinProfitBps uint64
	// A whale sells SellGwei tokens and removes RemoveLPWAD of its LP
	// tokens as ETH, each participant, spread evenly over the slots of
	// epochs [FromEpoch, ToEpoch). A dip buyer buys from FromEpoch on
	// while the price it pays is below BelowWAD.
	SellGwei           uint64
	RemoveLPWAD        uint64
	FromEpoch, ToEpoch uint64
	// Venue is a looper's or a lender's lending venue (its pool is the
	// group's); Venues a liquidator's (default: every venue of its pool).
	Venue  string
	Venues []string
	// A looper's target health factors (WAD): participant i of n gets
	// TargetHFWAD + (TargetHFMaxWAD − TargetHFWAD)·i/(n−1); EMode puts it
	// in its venue's e-mode category.
	TargetHFWAD, TargetHFMaxWAD uint64
	EMode                       bool
	// A managed looper's thresholds (WAD, 0: off): it borrows back to its
	// target when its HF rises above ReleverAboveWAD, and sells collateral
	// to repay back to its target when its HF falls below
	// DeleverageBelowWAD (while still at least 1).
	ReleverAboveWAD, DeleverageBelowWAD uint64
}

// Limits of the block.
const (
	maxMarketPools        = 8
	maxTraderGroups       = 64
	maxTradersPerGroup    = 10_000
	maxTraderAgents       = 256 // per group
	maxMarketETH          = MaxBalanceETH
	maxPoolA              = 999_999 // below MAX_A
	defaultPoolA          = 50
	defaultPoolFeeBps     = 4
	defaultSlippageBps    = 100
	defaultMaxTradeETH    = 1
	defaultCooldownEpochs = 8
	maxFeeBps             = 5_000 // MAX_FEE, 50%
)

func marketFields() []string { return []string{"pools", "traders", "lending"} }

func poolFields() []string {
	return []string{"name", "token", "a", "fee_bps", "admin_fee", "eth", "tokens", "ramp"}
}

func rampFields() []string { return []string{"to_a", "from_epoch", "to_epoch"} }

func traderFields() []string {
	return []string{"name", "kind", "pool", "count", "agents", "eth", "tokens", "lp_share", "slippage_bps", "chance", "max_trade_eth",
		"trigger", "below", "stall_epochs", "share", "cooldown_epochs", "coin", "hurdle", "min_profit_bps",
		"sell", "remove_lp", "from_epoch", "to_epoch", "venue", "venues", "target_hf", "target_hf_max", "e_mode",
		"relever_above", "deleverage_below"}
}

// traderKindFields are the fields that belong to some kinds only.
var traderKindFields = map[string][]string{
	"lp_share":         {TraderLP, TraderWhale},
	"chance":           {TraderNoise, TraderDipBuyer},
	"max_trade_eth":    {TraderNoise, TraderArbitrage, TraderDipBuyer},
	"trigger":          {TraderPanic, TraderLP},
	"below":            {TraderPanic, TraderLP, TraderDipBuyer},
	"stall_epochs":     {TraderPanic, TraderLP},
	"share":            {TraderPanic, TraderLP},
	"cooldown_epochs":  {TraderPanic, TraderLP},
	"coin":             {TraderLP},
	"hurdle":           {TraderArbitrage},
	"min_profit_bps":   {TraderArbitrage, TraderLiquidator},
	"venue":            {TraderLooper, TraderLender},
	"venues":           {TraderLiquidator},
	"target_hf":        {TraderLooper},
	"target_hf_max":    {TraderLooper},
	"e_mode":           {TraderLooper},
	"relever_above":    {TraderLooper},
	"deleverage_below": {TraderLooper},
	"sell":             {TraderWhale},
	"remove_lp":        {TraderWhale},
	"from_epoch":       {TraderWhale, TraderDipBuyer},
	"to_epoch":         {TraderWhale},
}

// decodeMarkets decodes the `markets:` block; absent or null means none.
// Pools name protocols of ls.
func (d *decoder) decodeMarkets(f field, ls *LiquidStaking, epochs uint64) *Markets {
	if isNull(f.value) {
		return nil
	}
	o, ok := d.object(f.value, f.path, marketFields(), nil)
	if !ok {
		return nil
	}
	m := &Markets{}
	items, ok := d.boundedList(o, "pools", "pool", maxMarketPools, true)
	if !ok {
		return m
	}
	seen := map[string]string{}
	for _, item := range items {
		if p, ok := d.decodePool(item, ls, seen, epochs); ok {
			m.Pools = append(m.Pools, p)
		}
	}
	m.Lending = d.decodeLending(o, m.Pools)
	m.Traders = d.decodeTraders(o, m.Pools, m.Lending, epochs)
	return m
}

// decodePool decodes one pool entry.
func (d *decoder) decodePool(item field, ls *LiquidStaking, seen map[string]string, epochs uint64) (MarketPool, bool) {
	p := MarketPool{A: defaultPoolA, FeeBps: defaultPoolFeeBps, AdminFeeWAD: GraphWAD / 2}
	po, ok := d.object(item.value, item.path, poolFields(), nil)
	if !ok {
		return p, false
	}
	p.Name, ok = d.entityName(po, "pool", seen)
	if tf, has := d.require(po, "token"); has {
		p.Token, _ = d.name(tf, groupNameRe, "[a-z0-9_-]+")
		if p.Token != "" && !hasProtocol(ls, p.Token) {
			d.errorf(d.valuePos(tf), tf.path, "unknown protocol %q: a pool's token is a protocol of liquid_staking (%s)", p.Token, protocolNames(ls))
			ok = false
		}
	}
	if af := po.get("a"); af.present() {
		p.A, _ = d.uint(af, 1, maxPoolA)
	}
	if ff := po.get("fee_bps"); ff.present() {
		p.FeeBps, _ = d.uint(ff, 0, maxFeeBps)
	}
	if ff := po.get("admin_fee"); ff.present() {
		p.AdminFeeWAD, _ = d.fractionWAD(ff, rangeCC)
	}
	if ef, has := d.require(po, "eth"); has {
		p.EthGwei, _ = d.balanceGwei(ef)
	}
	if tf, has := d.require(po, "tokens"); has {
		p.TokensGwei, _ = d.balanceGwei(tf)
	}
	if rf := po.get("ramp"); rf.present() {
		p.Ramp = d.decodeRamp(rf, p.A, epochs)
	}
	return p, ok
}

// decodeRamp decodes a pool's A ramp: to_a within 10 times A either way,
// from_epoch < to_epoch <= epochs.
func (d *decoder) decodeRamp(f field, a, epochs uint64) *PoolRamp {
	ro, ok := d.object(f.value, f.path, rampFields(), nil)
	if !ok {
		return nil
	}
	r := &PoolRamp{}
	if tf, has := d.require(ro, "to_a"); has {
		if v, ok := d.uint(tf, 1, maxPoolA); ok {
			if v > a*10 || v*10 < a {
				d.errorf(d.valuePos(tf), tf.path, "%d is more than 10 times away from a = %d (MAX_A_CHANGE)", v, a)
			}
			r.ToA = v
		}
	}
	if ff, has := d.require(ro, "from_epoch"); has {
		r.FromEpoch, _ = d.uint(ff, 0, MaxEpochs)
	}
	if tf, has := d.require(ro, "to_epoch"); has {
		if v, ok := d.uint(tf, 0, MaxEpochs); ok {
			if v <= r.FromEpoch {
				d.errorf(d.valuePos(tf), tf.path, "%d is not after from_epoch %d", v, r.FromEpoch)
			}
			r.ToEpoch = v
		}
	}
	return r
}

func hasProtocol(ls *LiquidStaking, name string) bool {
	if ls == nil {
		return false
	}
	for _, p := range ls.Protocols {
		if p.Name == name {
			return true
		}
	}
	return false
}

func protocolNames(ls *LiquidStaking) string {
	if ls == nil || len(ls.Protocols) == 0 {
		return "the scenario has no liquid_staking block"
	}
	var names []string
	for _, p := range ls.Protocols {
		names = append(names, p.Name)
	}
	return "protocols: " + strings.Join(names, ", ")
}

// decodeTraders decodes the trader groups and checks each pool's LP
// shares add up to at most 1.
func (d *decoder) decodeTraders(o *object, pools []MarketPool, venues []LendingVenue, epochs uint64) []TraderGroup {
	items, ok := d.boundedList(o, "traders", "trader group", maxTraderGroups, false)
	if !ok {
		return nil
	}
	var out []TraderGroup
	seen := map[string]string{}
	lp := map[string]uint64{}
	for _, item := range items {
		g, ok := d.decodeTrader(item, pools, venues, seen, epochs)
		if !ok {
			continue
		}
		lp[g.Pool] += g.LPShareWAD
		if lp[g.Pool] > GraphWAD {
			d.errorf(d.valuePos(item), item.path, "the trader groups' lp_share of pool %s add up to more than 1", g.Pool)
		}
		out = append(out, g)
	}
	return out
}

// decodeTrader decodes one trader group.
func (d *decoder) decodeTrader(item field, pools []MarketPool, venues []LendingVenue, seen map[string]string, epochs uint64) (TraderGroup, bool) {
	g := TraderGroup{Agents: 1, SlippageBps: defaultSlippageBps, MaxTradeGwei: defaultMaxTradeETH * gweiPerETH, ChanceWAD: GraphWAD / 10,
		ShareWAD: GraphWAD, CooldownEpochs: defaultCooldownEpochs, Coin: "eth", HurdleWAD: GraphWAD / 20, MinProfitBps: 5}
	to, ok := d.object(item.value, item.path, traderFields(), nil)
	if !ok {
		return g, false
	}
	g.Name, ok = d.entityName(to, "trader group", seen)
	if kf, has := d.require(to, "kind"); has {
		g.Kind, _ = d.enum(kf, TraderKinds()...)
	}
	g.Pool, ok = d.traderPool(to, pools, ok)
	if cf, has := d.require(to, "count"); has {
		if n, ok := d.uint(cf, 1, maxTradersPerGroup); ok {
			g.Count = int(n)
		}
	}
	if af := to.get("agents"); af.present() {
		if n, ok := d.uint(af, 1, maxTraderAgents); ok {
			g.Agents = int(n)
		}
	}
	g.Agents = max(1, min(g.Agents, g.Count))
	if f := to.get("eth"); f.present() {
		g.EthGwei, _ = d.amountGwei(f, maxMarketETH)
	}
	if f := to.get("tokens"); f.present() {
		g.TokensGwei, _ = d.amountGwei(f, maxMarketETH)
	}
	if f := to.get("slippage_bps"); f.present() {
		g.SlippageBps, _ = d.uint(f, 0, 10_000)
	}
	d.traderKindOnly(to, g.Kind)
	d.decodeTraderKind(to, &g, epochs)
	if !d.decodeLendingTrader(to, &g, venues) {
		ok = false
	}
	return g, ok && g.Kind != ""
}

// traderPool decodes a trader group's pool (default: the first).
func (d *decoder) traderPool(to *object, pools []MarketPool, ok bool) (string, bool) {
	pf := to.get("pool")
	if !pf.present() {
		if len(pools) == 0 {
			return "", false
		}
		return pools[0].Name, ok
	}
	name, good := d.name(pf, groupNameRe, "[a-z0-9_-]+")
	if !good {
		return "", false
	}
	for _, p := range pools {
		if p.Name == name {
			return name, ok
		}
	}
	var names []string
	for _, p := range pools {
		names = append(names, p.Name)
	}
	d.errorf(d.valuePos(pf), pf.path, "unknown pool %q (pools: %s)", name, strings.Join(names, ", "))
	return "", false
}

// traderKindOnly reports fields that belong to other kinds.
func (d *decoder) traderKindOnly(to *object, kind string) {
	if kind == "" {
		return
	}
	for _, k := range traderFields() {
		kinds, only := traderKindFields[k]
		if f := to.get(k); only && f.present() && !containsString(kinds, kind) {
			d.errorf(d.pos(f.key), f.path, "%s applies to kind %s only (this trader group's kind is %s)", k, strings.Join(kinds, ", "), kind)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// decodeTraderKind decodes the fields of the group's kind.
func (d *decoder) decodeTraderKind(to *object, g *TraderGroup, epochs uint64) {
	if f := to.get("lp_share"); f.present() {
		g.LPShareWAD, _ = d.fractionWAD(f, rangeCC)
	}
	if f := to.get("chance"); f.present() {
		g.ChanceWAD, _ = d.fractionWAD(f, rangeCC)
	}
	if f := to.get("max_trade_eth"); f.present() {
		g.MaxTradeGwei, _ = d.balanceGwei(f)
	}
	switch g.Kind {
	case TraderPanic, TraderLP:
		d.decodeTrigger(to, g)
	case TraderArbitrage:
		if f := to.get("hurdle"); f.present() {
			g.HurdleWAD, _ = d.fractionWAD(f, rangeCC)
		}
		if f := to.get("min_profit_bps"); f.present() {
			g.MinProfitBps, _ = d.uint(f, 0, 10_000)
		}
	case TraderWhale:
		d.decodeWhale(to, g, epochs)
	case TraderDipBuyer:
		d.decodeDipBuyer(to, g)
	}
}

// decodeDipBuyer decodes a dip buyer's threshold and start; its chance
// defaults to 1 (every slot).
func (d *decoder) decodeDipBuyer(to *object, g *TraderGroup) {
	if f, ok := d.require(to, "below"); ok {
		g.BelowWAD, _ = d.fractionWAD(f, wadRange{lo: 0, hi: 2 * GraphWAD, loOpen: true})
	}
	if f := to.get("from_epoch"); f.present() {
		g.FromEpoch, _ = d.uint(f, 0, MaxEpochs)
	}
	if !to.get("chance").present() {
		g.ChanceWAD = GraphWAD
	}
}

// decodeTrigger decodes a panic seller's or an LP's trigger and reaction.
func (d *decoder) decodeTrigger(to *object, g *TraderGroup) {
	if f, ok := d.require(to, "trigger"); ok {
		g.Trigger, _ = d.enum(f, MarketTriggers()...)
	}
	bf, sf := to.get("below"), to.get("stall_epochs")
	switch {
	case g.Trigger == MarketTriggerPrice && !bf.present():
		d.errorf(to.pos, join(to.path, "below"), "trigger price needs below (the price, ETH per token, under which it acts)")
	case g.Trigger != MarketTriggerPrice && bf.present():
		d.errorf(d.pos(bf.key), bf.path, "below applies to trigger price only")
	case g.Trigger == MarketTriggerFinalityStall && !sf.present():
		d.errorf(to.pos, join(to.path, "stall_epochs"), "trigger finality_stall needs stall_epochs")
	case g.Trigger != MarketTriggerFinalityStall && sf.present():
		d.errorf(d.pos(sf.key), sf.path, "stall_epochs applies to trigger finality_stall only")
	}
	if bf.present() {
		g.BelowWAD, _ = d.fractionWAD(bf, wadRange{lo: 0, hi: 2 * GraphWAD, loOpen: true})
	}
	if sf.present() {
		g.StallEpochs, _ = d.uint(sf, 1, MaxEpochs)
	}
	if f := to.get("share"); f.present() {
		g.ShareWAD, _ = d.fractionWAD(f, rangeOC)
	}
	if f := to.get("cooldown_epochs"); f.present() {
		g.CooldownEpochs, _ = d.uint(f, 0, MaxEpochs)
	}
	if f := to.get("coin"); f.present() {
		g.Coin, _ = d.enum(f, "eth", "both")
	}
}

// decodeWhale decodes a whale's schedule.
func (d *decoder) decodeWhale(to *object, g *TraderGroup, epochs uint64) {
	if f := to.get("sell"); f.present() {
		g.SellGwei, _ = d.amountGwei(f, maxMarketETH)
	}
	if f := to.get("remove_lp"); f.present() {
		g.RemoveLPWAD, _ = d.fractionWAD(f, rangeCC)
	}
	if f := to.get("from_epoch"); f.present() {
		g.FromEpoch, _ = d.uint(f, 0, MaxEpochs)
	}
	if f, ok := d.require(to, "to_epoch"); ok {
		if v, ok := d.uint(f, 1, MaxEpochs); ok {
			if v <= g.FromEpoch {
				d.errorf(d.valuePos(f), f.path, "%d is not after from_epoch %d", v, g.FromEpoch)
			}
			g.ToEpoch = v
		}
	}
	if g.ToEpoch <= g.FromEpoch {
		g.ToEpoch = g.FromEpoch + 1
	}
}
