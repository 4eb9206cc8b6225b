package market

import (
	"fmt"
	"math/big"
)

// The integer math of StableSwapSTETH.vy for two coins, in math/big: D_P is
// of order D³/x², which for pools of millions of ETH in Gwei exceeds 128
// bits, so a fixed 128-bit intermediate would not do. Every division
// truncates, as uint256 division does; a subtraction the contract would
// revert on (uint256 underflow) returns an error instead.

var (
	bigN     = big.NewInt(NCoins)
	bigNp1   = big.NewInt(NCoins + 1)
	bigAP    = big.NewInt(APrecision)
	bigFeeD  = big.NewInt(FeeDenominator)
	bigOne   = big.NewInt(1)
	bigTwo   = big.NewInt(2)
	maxIters = 255
)

func gw(v uint64) *big.Int { return new(big.Int).SetUint64(v) }

// getD is get_D(xp, amp): amp is the precise A (A·APrecision).
func getD(xp [NCoins]*big.Int, amp *big.Int) (*big.Int, error) {
	S := new(big.Int)
	for _, x := range xp {
		S.Add(S, x)
	}
	if S.Sign() == 0 {
		return new(big.Int), nil
	}
	D := new(big.Int).Set(S)
	Ann := new(big.Int).Mul(amp, bigN)
	annS := new(big.Int).Quo(new(big.Int).Mul(Ann, S), bigAP) // Ann*S/A_PRECISION
	annM := new(big.Int).Sub(Ann, bigAP)                      // Ann - A_PRECISION
	t, num, den := new(big.Int), new(big.Int), new(big.Int)
	for range maxIters {
		DP := new(big.Int).Set(D)
		for _, x := range xp {
			t.Mul(x, bigN).Add(t, bigOne) // _x*N_COINS + 1
			DP.Mul(DP, D).Quo(DP, t)
		}
		Dprev := new(big.Int).Set(D)
		// (Ann*S/A_PRECISION + D_P*N_COINS) * D
		num.Mul(DP, bigN).Add(num, annS).Mul(num, D)
		// (Ann - A_PRECISION)*D/A_PRECISION + (N_COINS+1)*D_P
		den.Mul(annM, D).Quo(den, bigAP)
		t.Mul(bigNp1, DP)
		den.Add(den, t)
		D.Quo(num, den)
		if t.Sub(D, Dprev).CmpAbs(bigOne) <= 0 {
			return D, nil
		}
	}
	return nil, fmt.Errorf("%w: get_D", ErrNoConvergence)
}

// solveY is the Newton loop shared by get_y and get_y_D for two coins: the
// balance of one coin that keeps the invariant at D when the other coin's
// balance is other.
func solveY(amp, other, D *big.Int) (*big.Int, error) {
	if other.Sign() <= 0 {
		return nil, fmt.Errorf("%w: other coin's balance is 0", ErrEmptyPool)
	}
	Ann := new(big.Int).Mul(amp, bigN)
	// c = D * D / (_x*N_COINS); c = c * D * A_PRECISION / (Ann*N_COINS)
	c := new(big.Int).Mul(D, D)
	c.Quo(c, new(big.Int).Mul(other, bigN))
	c.Mul(c, D).Mul(c, bigAP)
	c.Quo(c, new(big.Int).Mul(Ann, bigN))
	// b = S_ + D*A_PRECISION/Ann
	b := new(big.Int).Mul(D, bigAP)
	b.Quo(b, Ann).Add(b, other)
	y := new(big.Int).Set(D)
	num, den, t := new(big.Int), new(big.Int), new(big.Int)
	for range maxIters {
		yPrev := new(big.Int).Set(y)
		num.Mul(y, y).Add(num, c)
		den.Mul(y, bigTwo).Add(den, b).Sub(den, D) // 2*y + b - D
		if den.Sign() <= 0 {
			return nil, fmt.Errorf("%w: get_y denominator %s", ErrNoConvergence, den)
		}
		y.Quo(num, den)
		if t.Sub(y, yPrev).CmpAbs(bigOne) <= 0 {
			return y, nil
		}
	}
	return nil, fmt.Errorf("%w: get_y", ErrNoConvergence)
}

// getYD is get_y_D(A_, i, xp, D): coin i's balance at invariant D with the
// other balances of xp.
func getYD(amp *big.Int, i int, xp [NCoins]*big.Int, D *big.Int) (*big.Int, error) {
	return solveY(amp, xp[1-i], D)
}
