package sim_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// marketRows reads market.csv.
func marketRows(t *testing.T, dir string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "market.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, c := range recs[0] {
			m[c] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func minPrice(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMarketSteth2022: the sell-off brings the pool's ETH share near 22%
// and, without withdrawals, the price to the StableSwap figure for that
// share (domain.md's fit at A = 50: 21.6% → 0.954, 23.3% → 0.961); with
// withdrawals the arbitrageurs' redemptions keep the price above 0.99.
// The market's invariants (market ETH, pool holdings against the books,
// the pool's Check) are checked by the engine every epoch: a run that
// completes held them.
func TestMarketSteth2022(t *testing.T) {
	dir, res := runScenario(t, "steth-2022", 0, "off")
	rows := marketRows(t, dir)
	last := rows[len(rows)-1]
	eth, _ := strconv.ParseFloat(last["reserve_eth_gwei"], 64)
	tok, _ := strconv.ParseFloat(last["reserve_token_gwei"], 64)
	share := eth / (eth + tok)
	if share < 0.216 || share > 0.233 {
		t.Fatalf("final ETH share %.4f, want within the fit's 21.6%%–23.3%%", share)
	}
	p := res.Summary.Markets.Pools[0]
	if lo := minPrice(t, p.MinPrice); lo < 0.950 || lo > 0.961 {
		t.Errorf("min price %s, want within the fit's [0.954, 0.961] (less noise)", p.MinPrice)
	}
	if p.Depegs < 2 {
		t.Errorf("depegs %d, want the 0.99 and 0.97 crossings", p.Depegs)
	}
	_, res1 := runScenario(t, "steth-2022", 0, "off", "withdrawals=1")
	p1 := res1.Summary.Markets.Pools[0]
	if minPrice(t, p1.MinPrice) <= 0.99 || p1.Depegs != 0 {
		t.Errorf("withdrawals=1: min price %s, %d depegs; want the arbitrage to keep it above 0.99", p1.MinPrice, p1.Depegs)
	}
	if ls := res1.Summary.LiquidStaking[0]; ls.Requests == 0 || ls.RequestsFinalized == 0 {
		t.Errorf("withdrawals=1: the arbitrageurs made no request: %+v", ls)
	}
}

// TestMarketDeterministicAcrossGOMAXPROCS: the market outputs are
// byte-identical at GOMAXPROCS 1 and 2.
func TestMarketDeterministicAcrossGOMAXPROCS(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	d1, _ := runScenario(t, "steth-2022", 24, "off", "withdrawals=1")
	runtime.GOMAXPROCS(max(2, prev))
	d2, _ := runScenario(t, "steth-2022", 24, "off", "withdrawals=1")
	for _, f := range []string{"market.csv", "lst.csv", "withdrawals.csv", "events.jsonl", "summary.json"} {
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
