package scenarios

import (
	"strings"
	"testing"
)

const lendPool = "  pools:\n    - {name: curve, token: lido, eth: 100, tokens: 100}\n"

// TestLendingDecode: a venue's and the lending traders' values and
// defaults.
func TestLendingDecode(t *testing.T) {
	src := marketHead + lendPool + `  lending:
    - {name: aave, kind: aave, ltv: 0.75, lt: 0.81, bonus: 0.05, supply: 500, e_mode: {ltv: 0.93, lt: 0.95, bonus: 0.01}}
    - {name: mo, kind: morpho, lltv: 0.86, supply: 10, oracle: {kind: twap}}
  traders:
    - {name: l, kind: looper, venue: aave, count: 3, tokens: 2, target_hf: 1.01, target_hf_max: 1.2, e_mode: true}
    - {name: q, kind: liquidator, count: 1, eth: 50}
    - {name: m, kind: looper, venue: aave, count: 2, agents: 2, tokens: 2, target_hf: 1.1, relever_above: 1.3, deleverage_below: 1.05}
`
	s, err := Parse("x.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, m := s.Markets.Lending[0], s.Markets.Lending[1]
	if a.Pool != "curve" || a.LTVBps != 7500 || a.LTBps != 8100 || a.BonusBps != 10500 || a.SupplyGwei != 500e9 ||
		a.CloseFactorGwei != 1e9 || a.Oracle.Kind != OraclePool || *a.EMode != (LendingEMode{9300, 9500, 10100}) {
		t.Errorf("aave %+v", a)
	}
	if m.LLTVWAD != 86e16 || m.Oracle.Kind != OracleTWAP || m.Oracle.WindowSlots != 16 {
		t.Errorf("morpho %+v", m)
	}
	l, q := s.Markets.Traders[0], s.Markets.Traders[1]
	if l.Venue != "aave" || l.Pool != "curve" || l.TargetHFWAD != 101e16 || l.TargetHFMaxWAD != 12e17 || !l.EMode {
		t.Errorf("looper %+v", l)
	}
	if len(q.Venues) != 2 || q.MinProfitBps != 5 {
		t.Errorf("liquidator %+v", q)
	}
	if l.ReleverAboveWAD != 0 || l.DeleverageBelowWAD != 0 || l.Agents != 1 {
		t.Errorf("unmanaged looper %+v", l)
	}
	if mg := s.Markets.Traders[2]; mg.ReleverAboveWAD != 13e17 || mg.DeleverageBelowWAD != 105e16 || mg.Agents != 2 {
		t.Errorf("managed looper %+v", mg)
	}
}

// TestLendingErrors: each problem is reported at its field.
func TestLendingErrors(t *testing.T) {
	aave := "  lending:\n    - {name: aave, kind: aave, ltv: 0.75, lt: 0.81, bonus: 0.05, supply: 5}\n"
	for _, tt := range []struct{ name, body, want string }{
		{"lltv on aave", lendPool + "  lending:\n    - {name: v, kind: aave, ltv: 0.7, lt: 0.8, bonus: 0.05, supply: 1, lltv: 0.9}\n",
			`x.yaml:19:72: markets.lending[0].lltv: lltv applies to kind morpho only`},
		{"ltv above lt", lendPool + "  lending:\n    - {name: v, kind: aave, ltv: 0.9, lt: 0.8, bonus: 0.05, supply: 1}\n",
			`markets.lending[0].ltv: ltv 0.9000 is above lt 0.8000`},
		{"bonus too large", lendPool + "  lending:\n    - {name: v, kind: aave, ltv: 0.9, lt: 0.97, bonus: 0.05, supply: 1}\n",
			`markets.lending[0].bonus: lt·(1 + bonus) is above 1`},
		{"window on rate", lendPool + "  lending:\n    - {name: v, kind: morpho, lltv: 0.9, supply: 1, oracle: {kind: rate, window_slots: 3}}\n",
			`markets.lending[0].oracle.window_slots: window_slots applies to oracle kind twap only`},
		{"unknown venue", lendPool + aave + "  traders:\n    - {name: l, kind: looper, venue: zz, count: 1, tokens: 1, target_hf: 1.1}\n",
			`markets.traders[0].venue: unknown lending venue "zz" (venues: aave)`},
		{"no e-mode", lendPool + aave + "  traders:\n    - {name: l, kind: looper, venue: aave, count: 1, tokens: 1, target_hf: 1.1, e_mode: true}\n",
			`markets.traders[0].e_mode: venue aave has no e_mode category`},
		{"hf at 1", lendPool + aave + "  traders:\n    - {name: l, kind: looper, venue: aave, count: 1, tokens: 1, target_hf: 1}\n",
			`markets.traders[0].target_hf: 1 is outside`},
		{"target on liquidator", lendPool + aave + "  traders:\n    - {name: q, kind: liquidator, count: 1, target_hf: 1.1}\n",
			`markets.traders[0].target_hf: target_hf applies to kind looper only`},
		{"relever below target", lendPool + aave + "  traders:\n    - {name: l, kind: looper, venue: aave, count: 2, tokens: 1, target_hf: 1.1, target_hf_max: 1.3, relever_above: 1.2}\n",
			`x.yaml:21:116: markets.traders[0].relever_above: relever_above must be above target_hf_max`},
		{"deleverage above target", lendPool + aave + "  traders:\n    - {name: l, kind: looper, venue: aave, count: 1, tokens: 1, target_hf: 1.1, deleverage_below: 1.1}\n",
			`markets.traders[0].deleverage_below: deleverage_below must be below target_hf`},
		{"deleverage at 1", lendPool + aave + "  traders:\n    - {name: l, kind: looper, venue: aave, count: 1, tokens: 1, target_hf: 1.1, deleverage_below: 1}\n",
			`markets.traders[0].deleverage_below: 1 is outside`},
		{"relever on lender", lendPool + aave + "  traders:\n    - {name: l, kind: lender, venue: aave, count: 1, eth: 1, relever_above: 1.5}\n",
			`markets.traders[0].relever_above: relever_above applies to kind looper only`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(marketHead+tt.body), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "x.yaml:") {
				t.Errorf("error:\n got: %v\nwant: %s...", err, tt.want)
			}
		})
	}
}
