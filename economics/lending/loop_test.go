package lending

import "testing"

func TestLoopLeverage(t *testing.T) {
	// 1/(1 − 0.95/1.01) = 1.01/0.06 = 16.8333…; 1.01/0.045 = 22.4444… (domain.md).
	eq(t, "LT 95%", LoopLeverage(wad(950), wad(1010)), uint64(16_833_333_333))
	eq(t, "LT 96.5%", LoopLeverage(wad(965), wad(1010)), uint64(22_444_444_444))
	eq(t, "h ≤ LT", LoopLeverage(wad(950), wad(950)), 0)
}

func TestLoopPosition(t *testing.T) {
	// At one price: C = 10/(1 − 0.95/1.01) = 168.333… tokens, D = C·0.95/1.01 = C − E.
	c, d, err := LoopPosition(10*g, WAD, WAD, wad(950), wad(1010))
	must(t, err)
	eq(t, "C", c, 168_333_333_333)
	eq(t, "D", d, 158_333_333_333)
	// Minting at 1.0 while the oracle says 1.17 (a rate oracle on wstETH):
	// k = 0.95·1.17/1.01 = 1.1 ≥ 1: no bound.
	_, _, err = LoopPosition(10*g, WAD, wad(1170), wad(950), wad(1010))
	wantErr(t, err, ErrInvalidParams)
	// Buying at a 2% discount (pMint 0.98, oracle 1.0): k = 0.95/(1.01·0.98) =
	// 0.959789…; C = 10/0.040210… ≈ 248.69 tokens, more than at par.
	c2, d2, err := LoopPosition(10*g, wad(980), WAD, wad(950), wad(1010))
	must(t, err)
	if c2 <= c || d2 <= d {
		t.Fatalf("discount loop %d/%d not larger than %d/%d", c2, d2, c, d)
	}
	// The loop's HF in an Aave e-mode pool with LT 95% is 1.01 up to the
	// pool's rounding of the collateral value (percentMul drops 0.35 Gwei).
	if hf := hfOf(uint64(c), uint64(d), WAD, 9_500); hf < wad(1010)-1e9 {
		t.Fatalf("HF %d < 1.01", hf)
	}
}

func hfOf(c, d uint64, price, lt uint64) uint64 {
	v, _ := valueOf(gw(c), price)
	a, _ := percentMul(v, lt)
	h, _ := wadDiv(a, d)
	return h
}
