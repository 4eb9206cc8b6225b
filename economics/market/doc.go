// Package market is a Curve StableSwap pool of ETH and one token, following
// the integer math of the Curve ETH/stETH pool (curvefi/curve-contract,
// contracts/pools/steth/StableSwapSTETH.vy, Vyper 0.2.8). It is pure: no
// goroutines, I/O, clocks or randomness. Agents and the engine drive it.
//
// # Coins and units
//
// Coin 0 is ETH and coin 1 the token (ETH, Token), as in the stETH pool.
// Amounts are integer Gwei (consensus.Gwei) at the API; LP tokens are
// uint64 in the same unit (the first deposit mints D). The contract works
// in wei with both coins at the 1e18 rate (the stETH pool has no rate
// multipliers: stETH is counted 1:1 with ETH). Working in Gwei makes every
// truncation — Newton's tolerance of 1, the −1 in dy, fee rounding — a
// Gwei instead of a wei, so results differ from the chain in the last
// Gwei; PriceSell1 (one whole token) is exact to the 9th decimal.
// Inside, the math uses math/big: get_D's D_P is of order D³/x², which for
// pools of millions of ETH in Gwei exceeds 128 bits, so a fixed 128-bit
// intermediate would overflow. Divisions truncate as uint256 division does;
// where the contract would revert (uint256 underflow, a zero divisor, no
// convergence in 255 steps) the pool returns a typed error and changes
// nothing.
//
// # Amplification
//
// Params.A is the published A: the constructor's _A and the A() getter,
// already the whitepaper's A'·n^(n−1). The pool keeps A·APrecision (100),
// and the formulas use Ann = A·n. APrecise is _A(); A is A() (truncated);
// AFloat is _A()/100 for output. RampA(futureA, from, to) is ramp_A with
// epochs for seconds: A moves linearly from its value at from to futureA
// at to; the ramp lasts at least Params.MinRampEpochs (MIN_RAMP_TIME, one
// day = 225 epochs of 384 s), starts at least that long after the previous
// ramp's start, and changes A at most MAX_A_CHANGE = 10 times either way,
// with 0 < futureA < MAX_A. StopRampA is stop_ramp_A. Before a ramp's
// start A is the start value (the contract cannot be asked about the past).
//
// # Functions and the contract
//
//   - D (get_D): D ← (Ann·S/100 + n·D_P)·D / ((Ann − 100)·D/100 + (n+1)·D_P),
//     D_P = D·D/(x₀·n+1)·D/(x₁·n+1), until a step of at most 1.
//   - GetDy (get_dy) and Exchange (exchange): y = get_y from
//     c = D·D/(x·n)·D·100/(Ann·n), b = x + D·100/Ann, y ← (y²+c)/(2y+b−D);
//     dy = x_j − y − 1; fee = dy·fee/1e10 is kept by the pool, and
//     fee·admin_fee/1e10 of it is booked to the admin balance of coin j.
//     Exchange refuses a result below minDy (ErrSlippage).
//   - PriceSell1: get_dy(1, 0, 1e9 Gwei)/1e9, ETH for one whole token, fee
//     included (the price_sell_1 column of market.csv).
//   - AddLiquidity (add_liquidity): the first deposit needs both coins and
//     mints D; later ones pay fee·n/(4(n−1)) (half the swap fee for two
//     coins) on each coin's distance from the ideal balance D1·old/D0, the
//     admin share booked, and mint supply·(D2 − D0)/D0.
//   - RemoveLiquidity (remove_liquidity): balanced, no fee, amounts
//     balance·lp/supply.
//   - RemoveLiquidityOneCoin, CalcWithdrawOneCoin (remove_liquidity_one_coin,
//     _calc_withdraw_one_coin with get_y_D): D1 = D0 − lp·D0/supply, the fee
//     charged on xp_reduced, dy = xp_reduced[i] − get_y_D(xp_reduced, D1) − 1.
//     As in the stETH pool (unlike 3pool and the ng pools) no admin share is
//     taken here: the whole fee stays with the LPs.
//   - Balances (balances(i)): holdings less admin fees; Holdings include
//     them; AdminBalances is admin_balances; WithdrawAdminFees is
//     withdraw_admin_fees. VirtualPrice is get_virtual_price (1e18 scale).
//
// # Counters and checks
//
// Stats and VolumeGwei/FeesGwei give the market.csv figures: volume is the
// amount sold into the pool (both coins at face value), fees are the swap
// fees (in the coin paid out) plus the imbalance fees of add_liquidity and
// the fee part of one-coin withdrawals (the amount get_y_D gives without
// the fee less the amount paid), admin share included. Check verifies that
// the holdings cover the admin fees, that the LP supply is minted less
// burned and a positive supply has a positive D, and that D did not fall
// across the last exchange beyond get_D's tolerance of 1 (the fee and the
// −1 make it rise).
//
// # Differences from newer pools
//
// The stETH pool already uses A_PRECISION (older pools such as 3pool keep A
// unscaled and use Ann − 1). The stableswap-ng pools compute D_P as
// D_P·D/x for each coin then divide by n^n (no +1), scale balances by
// stored rates (oracle or ERC-4626 tokens), raise the fee off peg
// (offpeg_fee_multiplier), take the admin share in every operation and keep
// an EMA price oracle. None of that is modelled here.
//
// # Simplifications
//
// Two coins only; no remove_liquidity_imbalance, kill switch, fee
// changes with their delay, ownership, or exchange_underlying. ETH sent
// with msg.value is simply the dx of coin 0. Time is the simulator's epoch.
package market
