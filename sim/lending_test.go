package sim_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stakesim/stakesim/sim"
)

func venue(t *testing.T, res *sim.Result, name string) sim.VenueSummary {
	t.Helper()
	for _, v := range res.Summary.Markets.Lending {
		if v.Venue == name {
			return v
		}
	}
	t.Fatalf("no venue %s", name)
	return sim.VenueSummary{}
}

// TestLendingEzeth2024: the sell-off liquidates more at LLTV 0.86 than at
// 0.77, and leaves bad debt at 0.86 only; dip buyers floor the price
// between 0.6 and 0.8. The engine checks the venues,
// the books and the market ETH ledger every epoch: a completed run held
// them.
func TestLendingEzeth2024(t *testing.T) {
	_, res := runScenario(t, "ezeth-2024", 0, "off")
	hi, lo := venue(t, res, "morpho-high"), venue(t, res, "morpho-low")
	if hi.Liquidations <= lo.Liquidations {
		t.Errorf("liquidations: %d at 0.86, %d at 0.77; want more at 0.86", hi.Liquidations, lo.Liquidations)
	}
	if lo.BadDebtGwei != 0 || hi.BadDebtGwei == 0 {
		t.Errorf("bad debt: %d at 0.86, %d at 0.77; want some at 0.86 and none at 0.77", hi.BadDebtGwei, lo.BadDebtGwei)
	}
	// The dip buyers stop the fall in the range of April 2024's DEX lows.
	if p := minPrice(t, res.Summary.Markets.Pools[0].MinPrice); p < 0.6 || p > 0.8 {
		t.Errorf("min price %.4f, want the dip bought between 0.6 and 0.8", p)
	}
}

// TestLendingSlashLoops: under the rate oracle a slashing liquidates the
// e-mode loopers; a 2% market depeg liquidates none.
func TestLendingSlashLoops(t *testing.T) {
	_, res := runScenario(t, "lst-slash-loops", 0, "off")
	if v := venue(t, res, "aave"); v.Liquidations < 10 || minPrice(t, v.MinOraclePrice) >= 0.99 {
		t.Errorf("slash: %d liquidations, min oracle price %s; want every looper liquidated after the rate falls below 0.99", v.Liquidations, v.MinOraclePrice)
	}
	_, res1 := runScenario(t, "lst-slash-loops", 0, "off", "mode=1")
	v := venue(t, res1, "aave")
	if v.Liquidations != 0 || v.PositionsBelow1 != 0 || minPrice(t, v.MinOraclePrice) < 1 {
		t.Errorf("depeg: %+v; want no liquidation and the oracle at the rate", v)
	}
	if p := minPrice(t, res1.Summary.Markets.Pools[0].MinPrice); p > 0.98 {
		t.Errorf("depeg: pool min price %.4f, want a depeg of about 2%%", p)
	}
}

// TestLendingDeterministicAcrossGOMAXPROCS: lending outputs are
// byte-identical at GOMAXPROCS 1 and 2.
func TestLendingDeterministicAcrossGOMAXPROCS(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	d1, _ := runScenario(t, "ezeth-2024", 0, "off")
	runtime.GOMAXPROCS(max(2, prev))
	d2, _ := runScenario(t, "ezeth-2024", 0, "off")
	for _, f := range []string{"lending.csv", "market.csv", "events.jsonl", "summary.json"} {
		a, err := os.ReadFile(filepath.Join(d1, f))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(d2, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between GOMAXPROCS=1 and %d", f, max(2, prev))
		}
	}
}
