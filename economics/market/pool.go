package market

import (
	"fmt"
	"math/big"

	"github.com/stakesim/stakesim/consensus"
)

// Pool is a two-coin StableSwap pool of ETH (coin 0) and a token (coin 1)
// following StableSwapSTETH.vy. It is not safe for concurrent use.
type Pool struct {
	p Params

	held  [NCoins]consensus.Gwei // coins the contract holds, admin fees included
	admin [NCoins]consensus.Gwei // admin_balances

	lpSupply uint64
	minted   uint64
	burned   uint64

	// Amplification, precise (A·APrecision), and its ramp.
	initialA, futureA           uint64
	initialAEpoch, futureAEpoch consensus.Epoch
	ramped                      bool // a ramp or stop has set initialAEpoch

	volume    [NCoins]consensus.Gwei // amounts sold into the pool, per coin sold
	swapFees  [NCoins]consensus.Gwei // exchange fees, per coin paid out
	lpFees    [NCoins]consensus.Gwei // add_liquidity imbalance and one-coin withdrawal fees
	exchanges uint64

	// D before and after the last exchange, at the same A.
	lastDBefore, lastDAfter *big.Int
}

// Stats is a snapshot of a pool's state and counters.
type Stats struct {
	Balances  [NCoins]consensus.Gwei // pool balances, admin fees excluded (the contract's balances(i))
	Admin     [NCoins]consensus.Gwei // accrued admin fees
	LPSupply  uint64
	Volume    [NCoins]consensus.Gwei // cumulative amounts sold into the pool, by coin sold
	SwapFees  [NCoins]consensus.Gwei // cumulative exchange fees, by coin paid out
	LPFees    [NCoins]consensus.Gwei // cumulative liquidity-operation fees, by coin
	Exchanges uint64
}

// NewPool makes a pool with parameters p. If eth and token are both
// positive they are the first deposit (add_liquidity with an empty supply
// mints D LP tokens); both zero leaves the pool empty. One zero and one
// positive is refused, as the contract requires all coins first.
func NewPool(p Params, eth, token consensus.Gwei) (*Pool, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	pl := &Pool{p: p, initialA: p.A * APrecision, futureA: p.A * APrecision}
	if eth == 0 && token == 0 {
		return pl, nil
	}
	if _, err := pl.AddLiquidity([NCoins]consensus.Gwei{eth, token}, 0, 0); err != nil {
		return nil, err
	}
	return pl, nil
}

// Params returns the pool's parameters (A is the constructor's A).
func (pl *Pool) Params() Params { return pl.p }

// APrecise is the contract's _A() at epoch: A·APrecision, interpolated
// linearly during a ramp (the contract's formula, with epochs for seconds).
// Before the ramp's start it is the start value.
func (pl *Pool) APrecise(epoch consensus.Epoch) uint64 {
	t1, a1 := pl.futureAEpoch, pl.futureA
	if epoch >= t1 {
		return a1
	}
	a0, t0 := pl.initialA, pl.initialAEpoch
	if epoch <= t0 {
		return a0
	}
	dt, span := uint64(epoch-t0), uint64(t1-t0)
	if a1 > a0 {
		return a0 + mulDiv(a1-a0, dt, span)
	}
	return a0 - mulDiv(a0-a1, dt, span)
}

// A is the published A at epoch: the contract's A(), _A() / A_PRECISION.
func (pl *Pool) A(epoch consensus.Epoch) uint64 { return pl.APrecise(epoch) / APrecision }

// AFloat is APrecise / APrecision without truncation (for the a column).
func (pl *Pool) AFloat(epoch consensus.Epoch) float64 {
	return float64(pl.APrecise(epoch)) / APrecision
}

func mulDiv(a, b, c uint64) uint64 {
	r := new(big.Int).Mul(gw(a), gw(b))
	return r.Quo(r, gw(c)).Uint64()
}

// RampA is ramp_A: from epoch from, A moves linearly from its current value
// to futureA (published units) at epoch to. The contract's limits apply: at
// least MinRampEpochs since the previous ramp's start, a ramp of at least
// MinRampEpochs, 0 < futureA < MaxA, and a change of at most MaxAChange
// times either way.
func (pl *Pool) RampA(futureA uint64, from, to consensus.Epoch) error {
	mr := consensus.Epoch(pl.p.MinRampEpochs)
	if pl.ramped && from < pl.initialAEpoch+mr {
		return fmt.Errorf("%w: epoch %d is less than %d epochs after the previous ramp's start %d", ErrRamp, from, mr, pl.initialAEpoch)
	}
	if to < from+mr {
		return fmt.Errorf("%w: ramp %d..%d shorter than %d epochs", ErrRamp, from, to, mr)
	}
	if futureA == 0 || futureA >= MaxA {
		return fmt.Errorf("%w: A %d outside (0, %d)", ErrRamp, futureA, MaxA)
	}
	initial := pl.APrecise(from)
	fp := futureA * APrecision
	if fp < initial {
		if fp*MaxAChange < initial {
			return fmt.Errorf("%w: A %d below a tenth of %d", ErrRamp, fp, initial)
		}
	} else if fp > initial*MaxAChange {
		return fmt.Errorf("%w: A %d above ten times %d", ErrRamp, fp, initial)
	}
	pl.initialA, pl.futureA = initial, fp
	pl.initialAEpoch, pl.futureAEpoch = from, to
	pl.ramped = true
	return nil
}

// StopRampA is stop_ramp_A: A stays at its value at epoch.
func (pl *Pool) StopRampA(epoch consensus.Epoch) {
	a := pl.APrecise(epoch)
	pl.initialA, pl.futureA = a, a
	pl.initialAEpoch, pl.futureAEpoch = epoch, epoch
	pl.ramped = true
}

// xp is the contract's _balances(): holdings less admin fees.
func (pl *Pool) xp() [NCoins]*big.Int {
	return [NCoins]*big.Int{gw(uint64(pl.held[0] - pl.admin[0])), gw(uint64(pl.held[1] - pl.admin[1]))}
}

// Balances are the contract's balances(i): holdings less admin fees.
func (pl *Pool) Balances() [NCoins]consensus.Gwei {
	return [NCoins]consensus.Gwei{pl.held[0] - pl.admin[0], pl.held[1] - pl.admin[1]}
}

// Holdings are the coins the pool holds, admin fees included.
func (pl *Pool) Holdings() [NCoins]consensus.Gwei { return pl.held }

// AdminBalances are the accrued admin fees (admin_balances).
func (pl *Pool) AdminBalances() [NCoins]consensus.Gwei { return pl.admin }

// WithdrawAdminFees is withdraw_admin_fees: it pays out and returns the
// accrued admin fees.
func (pl *Pool) WithdrawAdminFees() [NCoins]consensus.Gwei {
	out := pl.admin
	for i := range pl.held {
		pl.held[i] -= pl.admin[i]
		pl.admin[i] = 0
	}
	return out
}

// LPSupply is the LP token's total supply.
func (pl *Pool) LPSupply() uint64 { return pl.lpSupply }

// Stats returns a snapshot of balances and counters.
func (pl *Pool) Stats() Stats {
	return Stats{
		Balances: pl.Balances(), Admin: pl.admin, LPSupply: pl.lpSupply,
		Volume: pl.volume, SwapFees: pl.swapFees, LPFees: pl.lpFees, Exchanges: pl.exchanges,
	}
}

// VolumeGwei is the cumulative amount sold into the pool, both coins at
// face value.
func (pl *Pool) VolumeGwei() consensus.Gwei { return pl.volume[0] + pl.volume[1] }

// FeesGwei is the cumulative fees charged (exchanges and liquidity
// operations), both coins at face value, admin share included.
func (pl *Pool) FeesGwei() consensus.Gwei {
	return pl.swapFees[0] + pl.swapFees[1] + pl.lpFees[0] + pl.lpFees[1]
}

// D is the invariant get_D(_balances(), _A()) at epoch.
func (pl *Pool) D(epoch consensus.Epoch) (*big.Int, error) {
	return getD(pl.xp(), gw(pl.APrecise(epoch)))
}

// VirtualPrice is get_virtual_price: D·1e18 / LP supply.
func (pl *Pool) VirtualPrice(epoch consensus.Epoch) (*big.Int, error) {
	if pl.lpSupply == 0 {
		return nil, ErrEmptyPool
	}
	D, err := pl.D(epoch)
	if err != nil {
		return nil, err
	}
	D.Mul(D, big.NewInt(1e18))
	return D.Quo(D, gw(pl.lpSupply)), nil
}

func checkPair(i, j int) error {
	if i < 0 || i >= NCoins || j < 0 || j >= NCoins || i == j {
		return fmt.Errorf("%w: i=%d j=%d", ErrInvalidCoin, i, j)
	}
	return nil
}

type quote struct {
	dy, fee, adminFee consensus.Gwei
	dBefore           *big.Int
}

// quoteExchange is the arithmetic of get_dy and exchange.
func (pl *Pool) quoteExchange(i, j int, dx consensus.Gwei, epoch consensus.Epoch) (quote, error) {
	if err := checkPair(i, j); err != nil {
		return quote{}, err
	}
	if dx == 0 {
		return quote{}, fmt.Errorf("%w: dx is 0", ErrInvalidAmount)
	}
	xp := pl.xp()
	if xp[0].Sign() == 0 || xp[1].Sign() == 0 {
		return quote{}, ErrEmptyPool
	}
	if uint64(pl.held[i])+uint64(dx) < uint64(pl.held[i]) {
		return quote{}, fmt.Errorf("%w: balance %d + dx %d", ErrOverflow, pl.held[i], dx)
	}
	amp := gw(pl.APrecise(epoch))
	D, err := getD(xp, amp)
	if err != nil {
		return quote{}, err
	}
	x := new(big.Int).Add(xp[i], gw(uint64(dx)))
	y, err := solveY(amp, x, D) // get_y(i, j, x, xp)
	if err != nil {
		return quote{}, err
	}
	// dy = xp[j] - y - 1
	dy := new(big.Int).Sub(xp[j], y)
	dy.Sub(dy, bigOne)
	if dy.Sign() <= 0 {
		return quote{}, fmt.Errorf("%w: dx %d buys nothing", ErrInvalidAmount, dx)
	}
	fee := new(big.Int).Mul(dy, gw(pl.p.Fee))
	fee.Quo(fee, bigFeeD)
	adminFee := new(big.Int).Mul(fee, gw(pl.p.AdminFee))
	adminFee.Quo(adminFee, bigFeeD)
	dy.Sub(dy, fee)
	return quote{dy: consensus.Gwei(dy.Uint64()), fee: consensus.Gwei(fee.Uint64()), adminFee: consensus.Gwei(adminFee.Uint64()), dBefore: D}, nil
}

// GetDy is get_dy(i, j, dx): coin j received for dx of coin i at epoch,
// fee deducted.
func (pl *Pool) GetDy(i, j int, dx consensus.Gwei, epoch consensus.Epoch) (consensus.Gwei, error) {
	q, err := pl.quoteExchange(i, j, dx, epoch)
	return q.dy, err
}

// Exchange is exchange(i, j, dx, min_dy): it sells dx of coin i and returns
// the coin j paid out. The fee stays in the pool; its admin share is booked
// to the admin balance of coin j.
func (pl *Pool) Exchange(i, j int, dx, minDy consensus.Gwei, epoch consensus.Epoch) (consensus.Gwei, error) {
	q, err := pl.quoteExchange(i, j, dx, epoch)
	if err != nil {
		return 0, err
	}
	if q.dy < minDy {
		return 0, fmt.Errorf("%w: dy %d < min_dy %d", ErrSlippage, q.dy, minDy)
	}
	// D after the exchange, computed before any state changes.
	xp := pl.xp()
	xp[i].Add(xp[i], gw(uint64(dx)))
	xp[j].Sub(xp[j], gw(uint64(q.dy+q.adminFee)))
	dAfter, err := getD(xp, gw(pl.APrecise(epoch)))
	if err != nil {
		return 0, err
	}
	pl.held[i] += dx
	pl.held[j] -= q.dy
	pl.admin[j] += q.adminFee
	pl.volume[i] += dx
	pl.swapFees[j] += q.fee
	pl.exchanges++
	pl.lastDBefore, pl.lastDAfter = q.dBefore, dAfter
	return q.dy, nil
}

// PriceSell1 is ETH received for selling one whole token (OneToken Gwei)
// at epoch, fee included: get_dy(1, 0, 1 token) / 1 ETH.
func (pl *Pool) PriceSell1(epoch consensus.Epoch) (float64, error) {
	dy, err := pl.GetDy(Token, ETH, OneToken, epoch)
	if err != nil {
		return 0, err
	}
	return float64(dy) / OneToken, nil
}

// AddLiquidity is add_liquidity(amounts, min_mint_amount): it deposits
// amounts and returns the LP tokens minted. After the first deposit an
// imbalanced deposit pays fee·n/(4(n−1)) on its distance from the ideal
// balances, with the admin share booked.
func (pl *Pool) AddLiquidity(amounts [NCoins]consensus.Gwei, minMint uint64, epoch consensus.Epoch) (uint64, error) {
	amp := gw(pl.APrecise(epoch))
	old := pl.xp()
	D0, err := getD(old, amp)
	if err != nil {
		return 0, err
	}
	var nb [NCoins]*big.Int
	for i := range amounts {
		if pl.lpSupply == 0 && amounts[i] == 0 {
			return 0, fmt.Errorf("%w: initial deposit requires all coins", ErrInvalidAmount)
		}
		if uint64(pl.held[i])+uint64(amounts[i]) < uint64(pl.held[i]) {
			return 0, fmt.Errorf("%w: deposit of coin %d", ErrOverflow, i)
		}
		nb[i] = new(big.Int).Add(old[i], gw(uint64(amounts[i])))
	}
	D1, err := getD(nb, amp)
	if err != nil {
		return 0, err
	}
	if D1.Cmp(D0) <= 0 {
		return 0, fmt.Errorf("%w: deposit does not raise D", ErrInvalidAmount)
	}
	var fees, adminFees [NCoins]consensus.Gwei
	var mint *big.Int
	if pl.lpSupply > 0 {
		if D0.Sign() == 0 {
			return 0, fmt.Errorf("%w: LP supply %d with D = 0", ErrEmptyPool, pl.lpSupply)
		}
		fee := new(big.Int).Mul(gw(pl.p.Fee), bigN)
		fee.Quo(fee, big.NewInt(4*(NCoins-1)))
		for i := range nb {
			ideal := new(big.Int).Mul(D1, old[i])
			ideal.Quo(ideal, D0)
			diff := ideal.Sub(ideal, nb[i])
			diff.Abs(diff)
			f := diff.Mul(diff, fee)
			f.Quo(f, bigFeeD)
			fees[i] = consensus.Gwei(f.Uint64())
			af := new(big.Int).Mul(f, gw(pl.p.AdminFee))
			adminFees[i] = consensus.Gwei(af.Quo(af, bigFeeD).Uint64())
			nb[i].Sub(nb[i], f)
		}
		D2, err := getD(nb, amp)
		if err != nil {
			return 0, err
		}
		mint = new(big.Int).Sub(D2, D0)
		mint.Mul(mint, gw(pl.lpSupply)).Quo(mint, D0)
	} else {
		mint = D1
	}
	if !mint.IsUint64() || pl.lpSupply+mint.Uint64() < pl.lpSupply {
		return 0, fmt.Errorf("%w: LP mint %s", ErrOverflow, mint)
	}
	m := mint.Uint64()
	if m < minMint {
		return 0, fmt.Errorf("%w: mint %d < min %d", ErrSlippage, m, minMint)
	}
	for i := range amounts {
		pl.held[i] += amounts[i]
		pl.admin[i] += adminFees[i]
		pl.lpFees[i] += fees[i]
	}
	pl.lpSupply += m
	pl.minted += m
	return m, nil
}

// RemoveLiquidity is remove_liquidity(_amount, _min_amounts): it burns lp
// tokens and pays each coin in proportion, without fee.
func (pl *Pool) RemoveLiquidity(lp uint64, minAmounts [NCoins]consensus.Gwei) ([NCoins]consensus.Gwei, error) {
	var out [NCoins]consensus.Gwei
	if lp == 0 || lp > pl.lpSupply {
		return out, fmt.Errorf("%w: burn %d of supply %d", ErrInsufficient, lp, pl.lpSupply)
	}
	bal := pl.Balances()
	for i := range bal {
		out[i] = consensus.Gwei(mulDiv(uint64(bal[i]), lp, pl.lpSupply))
		if out[i] < minAmounts[i] {
			return [NCoins]consensus.Gwei{}, fmt.Errorf("%w: coin %d: %d < min %d", ErrSlippage, i, out[i], minAmounts[i])
		}
	}
	for i := range out {
		pl.held[i] -= out[i]
	}
	pl.lpSupply -= lp
	pl.burned += lp
	return out, nil
}

// calcWithdrawOneCoin is _calc_withdraw_one_coin, also returning the fee
// (the amount without fee, xp[i] − get_y_D(D1) − 1, less the amount paid).
func (pl *Pool) calcWithdrawOneCoin(lp uint64, i int, epoch consensus.Epoch) (dy, fee consensus.Gwei, err error) {
	if i < 0 || i >= NCoins {
		return 0, 0, fmt.Errorf("%w: %d", ErrInvalidCoin, i)
	}
	if lp == 0 || lp > pl.lpSupply {
		return 0, 0, fmt.Errorf("%w: burn %d of supply %d", ErrInsufficient, lp, pl.lpSupply)
	}
	amp := gw(pl.APrecise(epoch))
	xp := pl.xp()
	D0, err := getD(xp, amp)
	if err != nil {
		return 0, 0, err
	}
	// D1 = D0 - _token_amount * D0 / total_supply
	D1 := new(big.Int).Mul(gw(lp), D0)
	D1.Quo(D1, gw(pl.lpSupply))
	D1.Sub(D0, D1)
	newY, err := getYD(amp, i, xp, D1)
	if err != nil {
		return 0, 0, err
	}
	f := new(big.Int).Mul(gw(pl.p.Fee), bigN)
	f.Quo(f, big.NewInt(4*(NCoins-1)))
	var red [NCoins]*big.Int
	for j := range xp {
		exp := new(big.Int).Mul(xp[j], D1)
		exp.Quo(exp, D0)
		if j == i {
			exp.Sub(exp, newY) // xp[j]*D1/D0 - new_y
		} else {
			exp.Sub(xp[j], exp) // xp[j] - xp[j]*D1/D0
		}
		if exp.Sign() < 0 {
			return 0, 0, fmt.Errorf("%w: negative expected withdrawal", ErrInsufficient)
		}
		exp.Mul(exp, f).Quo(exp, bigFeeD)
		red[j] = new(big.Int).Sub(xp[j], exp)
	}
	y2, err := getYD(amp, i, red, D1)
	if err != nil {
		return 0, 0, err
	}
	d := new(big.Int).Sub(red[i], y2)
	d.Sub(d, bigOne)
	if d.Sign() < 0 || d.Cmp(xp[i]) > 0 {
		return 0, 0, fmt.Errorf("%w: withdrawal %s of coin %d", ErrInsufficient, d, i)
	}
	noFee := new(big.Int).Sub(xp[i], newY)
	noFee.Sub(noFee, bigOne).Sub(noFee, d)
	if noFee.Sign() < 0 {
		noFee.SetInt64(0)
	}
	return consensus.Gwei(d.Uint64()), consensus.Gwei(noFee.Uint64()), nil
}

// CalcWithdrawOneCoin is calc_withdraw_one_coin(_token_amount, i).
func (pl *Pool) CalcWithdrawOneCoin(lp uint64, i int, epoch consensus.Epoch) (consensus.Gwei, error) {
	dy, _, err := pl.calcWithdrawOneCoin(lp, i, epoch)
	return dy, err
}

// RemoveLiquidityOneCoin is remove_liquidity_one_coin(_token_amount, i,
// _min_amount): it burns lp tokens for coin i alone. As in the stETH pool,
// the fee stays with the LPs and no admin share is booked.
func (pl *Pool) RemoveLiquidityOneCoin(lp uint64, i int, minAmount consensus.Gwei, epoch consensus.Epoch) (consensus.Gwei, error) {
	dy, fee, err := pl.calcWithdrawOneCoin(lp, i, epoch)
	if err != nil {
		return 0, err
	}
	if dy < minAmount {
		return 0, fmt.Errorf("%w: %d < min %d", ErrSlippage, dy, minAmount)
	}
	pl.held[i] -= dy
	pl.lpSupply -= lp
	pl.burned += lp
	pl.lpFees[i] += fee
	return dy, nil
}

// Check verifies the pool's invariants and returns an error wrapping
// ErrInvariant on the first that fails: the holdings cover the admin fees;
// the LP supply is the tokens minted less those burned, and a positive
// supply has a positive D; D did not decrease across the last exchange
// (rounding is in the pool's favour; get_D's own tolerance of 1 is
// allowed).
func (pl *Pool) Check(epoch consensus.Epoch) error {
	for i := range pl.held {
		if pl.held[i] < pl.admin[i] {
			return fmt.Errorf("%w: coin %d holdings %d below admin fees %d", ErrInvariant, i, pl.held[i], pl.admin[i])
		}
	}
	if pl.minted-pl.burned != pl.lpSupply || pl.burned > pl.minted {
		return fmt.Errorf("%w: LP supply %d != minted %d - burned %d", ErrInvariant, pl.lpSupply, pl.minted, pl.burned)
	}
	if pl.lpSupply > 0 {
		D, err := pl.D(epoch)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvariant, err)
		}
		if D.Sign() == 0 {
			return fmt.Errorf("%w: LP supply %d with D = 0", ErrInvariant, pl.lpSupply)
		}
	}
	if pl.lastDBefore != nil {
		after := new(big.Int).Add(pl.lastDAfter, bigOne)
		if after.Cmp(pl.lastDBefore) < 0 {
			return fmt.Errorf("%w: D fell across an exchange: %s -> %s", ErrInvariant, pl.lastDBefore, pl.lastDAfter)
		}
	}
	return nil
}
