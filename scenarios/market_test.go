package scenarios

import (
	"strings"
	"testing"
)

const marketHead = lstHead + `    - name: lido
      operators: [a]
      holders: [{name: h, count: 1}]
markets:
`

// TestMarketsDecode: defaults of a pool and of each trader kind.
func TestMarketsDecode(t *testing.T) {
	src := marketHead + `  pools:
    - {name: curve, token: lido, eth: 100, tokens: 100.5}
  traders:
    - {name: w, kind: whale, count: 2, lp_share: 0.5, sell: 10, remove_lp: 0.25, from_epoch: 1, to_epoch: 3}
    - {name: p, kind: panic, count: 3, agents: 5, trigger: price, below: 0.97}
    - {name: n, kind: noise, count: 1}
    - {name: d, kind: dip_buyer, count: 2, eth: 50, below: 0.9}
    - {name: d2, kind: dip_buyer, count: 1, below: 0.8, max_trade_eth: 5, chance: 0.5, from_epoch: 4}
`
	s, err := Parse("x.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := s.Markets.Pools[0]
	if p.A != 50 || p.FeeBps != 4 || p.AdminFeeWAD != 5e17 || p.EthGwei != 100e9 || p.TokensGwei != 100_500_000_000 || p.Ramp != nil {
		t.Errorf("pool %+v", p)
	}
	w, pn, n := s.Markets.Traders[0], s.Markets.Traders[1], s.Markets.Traders[2]
	if w.Pool != "curve" || w.LPShareWAD != 5e17 || w.SellGwei != 10e9 || w.RemoveLPWAD != 25e16 || w.FromEpoch != 1 || w.ToEpoch != 3 || w.SlippageBps != 100 {
		t.Errorf("whale %+v", w)
	}
	if pn.Agents != 3 || pn.BelowWAD != 97e16 || pn.ShareWAD != 1e18 || pn.CooldownEpochs != 8 {
		t.Errorf("panic %+v", pn)
	}
	if n.ChanceWAD != 1e17 || n.MaxTradeGwei != 1e9 || n.Agents != 1 {
		t.Errorf("noise %+v", n)
	}
	d, d2 := s.Markets.Traders[3], s.Markets.Traders[4]
	if d.BelowWAD != 9e17 || d.ChanceWAD != 1e18 || d.MaxTradeGwei != 1e9 || d.FromEpoch != 0 || d.EthGwei != 50e9 {
		t.Errorf("dip buyer %+v", d)
	}
	if d2.BelowWAD != 8e17 || d2.ChanceWAD != 5e17 || d2.MaxTradeGwei != 5e9 || d2.FromEpoch != 4 {
		t.Errorf("dip buyer %+v", d2)
	}
}

// TestMarketsErrors: each problem is reported at its field.
func TestMarketsErrors(t *testing.T) {
	pool := "  pools:\n    - {name: curve, token: lido, eth: 100, tokens: 100}\n"
	for _, tt := range []struct{ name, body, want string }{
		{"unknown token", "  pools:\n    - {name: curve, token: zz, eth: 1, tokens: 1}\n",
			`x.yaml:17:28: markets.pools[0].token: unknown protocol "zz": a pool's token is a protocol of liquid_staking (protocols: lido)`},
		{"no eth", "  pools:\n    - {name: curve, token: lido, tokens: 1}\n",
			`x.yaml:17:7: markets.pools[0].eth: required field is missing`},
		{"ramp too far", "  pools:\n    - {name: curve, token: lido, eth: 1, tokens: 1, ramp: {to_a: 600, from_epoch: 0, to_epoch: 2}}\n",
			`x.yaml:17:66: markets.pools[0].ramp.to_a: 600 is more than 10 times away from a = 50`},
		{"unknown pool", pool + "  traders:\n    - {name: n, kind: noise, count: 1, pool: zz}\n",
			`x.yaml:19:46: markets.traders[0].pool: unknown pool "zz" (pools: curve)`},
		{"field of another kind", pool + "  traders:\n    - {name: n, kind: noise, count: 1, sell: 3}\n",
			`x.yaml:19:40: markets.traders[0].sell: sell applies to kind whale only (this trader group's kind is noise)`},
		{"price without below", pool + "  traders:\n    - {name: p, kind: panic, count: 1, trigger: price}\n",
			`x.yaml:19:7: markets.traders[0].below: trigger price needs below`},
		{"lp shares above 1", pool + "  traders:\n    - {name: a, kind: lp, count: 1, trigger: slashing, lp_share: 0.6}\n    - {name: b, kind: whale, count: 1, lp_share: 0.6, to_epoch: 2}\n",
			`x.yaml:20:7: markets.traders[1]: the trader groups' lp_share of pool curve add up to more than 1`},
		{"dip buyer without below", pool + "  traders:\n    - {name: d, kind: dip_buyer, count: 1}\n",
			`x.yaml:19:7: markets.traders[0].below: required field is missing`},
		{"dip buyer below out of range", pool + "  traders:\n    - {name: d, kind: dip_buyer, count: 1, below: 0}\n",
			`x.yaml:19:51: markets.traders[0].below: 0 is outside (0, 2]`},
		{"dip buyer with a trigger", pool + "  traders:\n    - {name: d, kind: dip_buyer, count: 1, below: 0.9, trigger: price}\n",
			`x.yaml:19:56: markets.traders[0].trigger: trigger applies to kind panic, lp only (this trader group's kind is dip_buyer)`},
		{"whale window", pool + "  traders:\n    - {name: w, kind: whale, count: 1, from_epoch: 3, to_epoch: 2}\n",
			`x.yaml:19:65: markets.traders[0].to_epoch: 2 is not after from_epoch 3`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(marketHead+tt.body), nil)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error:\n got: %v\nwant: %s...", err, tt.want)
			}
		})
	}
}

// TestMarketsNeedLiquidStaking: a pool's token must be a protocol.
func TestMarketsNeedLiquidStaking(t *testing.T) {
	src := "name: t\ndescription: d\nepochs: 3\nvalidators:\n  - {name: a, count: 4}\nmarkets:\n  pools:\n    - {name: c, token: lido, eth: 1, tokens: 1}\n"
	_, err := Parse("x.yaml", []byte(src), nil)
	if err == nil || !strings.Contains(err.Error(), "the scenario has no liquid_staking block") {
		t.Errorf("error: %v", err)
	}
}
