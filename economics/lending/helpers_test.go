package lending

import (
	"errors"
	"testing"

	"github.com/stakesim/stakesim/consensus"
)

const (
	g   = OneToken // one whole token or ETH, in Gwei
	eth = "ETH"
	tok = "wstETH"
	dai = "DAI"
)

// wad makes a WAD value from thousandths (wad(950) = 0.95e18).
func wad(milli uint64) uint64 { return milli * 1_000_000_000_000_000 }

// aaveParams: ETH (LTV 80%, LT 82.5%), the token (LTV 70%, LT 80%, bonus
// 5%, protocol fee fee), DAI (borrowable, outside e-mode) and e-mode 1 for
// ETH-correlated assets (LTV 93%, LT 95%, bonus 1%).
func aaveParams(fee uint64) PoolParams {
	return PoolParams{
		Name: "aave",
		Reserves: []ReserveParams{
			{Asset: eth, LTV: 8_000, LiquidationThreshold: 8_250, LiquidationBonus: 10_500, Borrowable: true},
			{Asset: tok, LTV: 7_000, LiquidationThreshold: 8_000, LiquidationBonus: 10_500, LiquidationProtocolFee: fee},
			{Asset: dai, LTV: 7_500, LiquidationThreshold: 8_000, LiquidationBonus: 10_500, Borrowable: true},
		},
		EModes: []EModeCategory{{
			ID: 1, Label: "ETH correlated", LTV: 9_300, LiquidationThreshold: 9_500, LiquidationBonus: 10_100,
			Collateral: []string{eth, tok}, Borrowable: []string{eth},
		}},
	}
}

// aaveVenue: a lender supplies 1,000 ETH; "bob" deposits 100 tokens.
func aaveVenue(t *testing.T, fee uint64) *AaveVenue {
	t.Helper()
	pl, err := NewPool(aaveParams(fee))
	must(t, err)
	v, err := NewAaveVenue(pl, eth, tok)
	must(t, err)
	must(t, v.SupplyETH("lender", 1000*g))
	must(t, v.DepositCollateral("bob", 100*g))
	return v
}

// morphoVenue: LLTV 0.86, a lender supplies 1,000 ETH, "bob" deposits
// 100 tokens and borrows 86 ETH at price 1.
func morphoVenue(t *testing.T) *MorphoVenue {
	t.Helper()
	m, err := NewIsolated(IsolatedParams{Name: "morpho", LLTV: wad(860)})
	must(t, err)
	v := NewMorphoVenue(m)
	must(t, v.SupplyETH("lender", 1000*g))
	must(t, v.DepositCollateral("bob", 100*g))
	must(t, v.Borrow("bob", 86*g, WAD))
	return v
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func gw(x uint64) consensus.Gwei { return consensus.Gwei(x) }
