package lending

import "testing"

func TestOracleTWAP(t *testing.T) {
	o, err := NewOracle(OracleParams{Kind: OracleTWAP, Window: 4})
	must(t, err)
	eq(t, "empty", o.Price(), 0)
	o.Observe(10, wad(1000), WAD)
	o.Observe(11, wad(990), WAD)
	// Two observations: (1.000 + 0.990)/2 = 0.995.
	eq(t, "two", o.Price(), wad(995))
	// Slot 14 skips 12 and 13, which carry 0.990: window {0.990, 0.990, 0.990, 0.950}
	// (slot 10 fell out): mean 0.980.
	o.Observe(14, wad(950), WAD)
	eq(t, "window", o.Price(), wad(980))
	// A second call in slot 14 replaces its observation: {0.99, 0.99, 0.99, 0.91} → 0.97.
	o.Observe(14, wad(910), WAD)
	eq(t, "same slot", o.Price(), wad(970))
	// A long gap fills the window with the last price.
	o.Observe(1000, wad(900), WAD)
	eq(t, "gap", o.Price(), (3*wad(910)+wad(900))/4)
	if len(o.ring) != 4 {
		t.Fatalf("ring grew to %d", len(o.ring))
	}
}

func TestOracleRateCAPO(t *testing.T) {
	// snapshotRatio 1.1, 10%/year (1,000 bps), 2,628,000 slots a year:
	// growth = ⌊1.1e18·1,000·1e6/1e4/2,628,000⌋ = 41,856,925,418,569,254 per slot
	// (scaled by 1e6); after 262,800 slots (0.1 year) the cap is
	// 1.1e18 + ⌊41,856,925,418,569,254·262,800/1e6⌋ = 1.110999999999999999e18.
	o, err := NewOracle(OracleParams{Kind: OracleRate, MaxYearlyGrowthBps: 1_000, SnapshotRate: wad(1100), SnapshotSlot: 0, SlotsPerYear: 2_628_000})
	must(t, err)
	eq(t, "growth", o.growth, uint64(41_856_925_418_569_254))
	o.Observe(262_800, wad(900), wad(1200))
	eq(t, "capped", o.Price(), uint64(1_110_999_999_999_999_999))
	// Below the cap the rate passes; a depeg of the pool price changes nothing.
	o.Observe(262_801, wad(800), wad(1105))
	eq(t, "rate", o.Price(), wad(1105))
	// A slashing that lowers the rate lowers the price at once.
	o.Observe(262_802, wad(800), wad(1050))
	eq(t, "slashed", o.Price(), wad(1050))
}

func TestOraclePoolAndRateUncapped(t *testing.T) {
	pool, err := NewOracle(OracleParams{Kind: OraclePool})
	must(t, err)
	rate, err := NewOracle(OracleParams{Kind: OracleRate})
	must(t, err)
	for _, o := range []*Oracle{pool, rate} {
		o.Observe(1, wad(1000), wad(1170))
		o.Observe(2, wad(940), wad(1170)) // depeg
	}
	eq(t, "pool", pool.Price(), wad(940))
	eq(t, "rate", rate.Price(), wad(1170))
	_, err = NewOracle(OracleParams{Kind: OracleTWAP})
	wantErr(t, err, ErrInvalidParams)
	_, err = NewOracle(OracleParams{Kind: OracleRate, MaxYearlyGrowthBps: 100})
	wantErr(t, err, ErrInvalidParams)
}

// A depeg seen by a rate oracle does not liquidate an e-mode loop; a
// slashing that lowers the rate does once it pushes HF below 1.
func TestRateOracleDepegVersusSlashing(t *testing.T) {
	v := aaveVenue(t, 0)
	must(t, v.EnterEMode("bob", 1, WAD))
	must(t, v.Borrow("bob", 93*g, WAD)) // HF 95/93 = 1.0215
	o, err := NewOracle(OracleParams{Kind: OracleRate})
	must(t, err)
	o.Observe(1, wad(950), WAD) // pool at 0.95: 5% depeg
	eq(t, "no liquidation", v.MaxRepay("bob", o.Price()), 0)
	o.Observe(2, wad(950), wad(970)) // rate −3%: HF = 0.9215·…/0.93 < 1
	if v.HealthFactor("bob", o.Price()) >= WAD || v.MaxRepay("bob", o.Price()) == 0 {
		t.Fatal("a lower rate should make the loop liquidatable")
	}
}
