// Package lrt is the bookkeeping of a liquid restaking protocol (an LRT:
// Renzo's ezETH, ether.fi's eETH/weETH, Kelp's rsETH, Puffer's pufETH) on
// the restaking ledger of economics/restaking. It follows Renzo
// (Renzo-Protocol/contracts-public: RestakeManager.calculateTVLs,
// depositETH/deposit, chooseOperatorDelegatorForDeposit;
// RenzoOracle.calculateMintAmount and calculateRedeemAmount;
// WithdrawQueue.withdraw and claim with its coolDownPeriod), ether.fi
// (LiquidityPool.getTotalPooledEther, sharesForAmount, amountForShare;
// WithdrawRequestNFT), Kelp (LRTOracle.updateRSETHPrice: total ETH in the
// protocol over the rsETH supply, queued withdrawals included) and
// EigenLayer's DelegationManager (queueWithdrawals,
// completeQueuedWithdrawal, MIN_WITHDRAWAL_DELAY_BLOCKS). It is pure: no
// goroutines, I/O, clocks or randomness; the engine and agents drive it.
//
// # Units
//
// Values are integer Gwei (consensus.Gwei). The restaked asset is counted
// in units: Gwei for native restaked ETH (AssetNative), or shares of an
// economics/lst protocol for an LST (AssetLST; one unit is a stETH share,
// i.e. one wstETH), valued by a Pricer — *lst.Protocol is one — at that
// protocol's rate, rounded down. The restaking ledger's "Gwei" of the
// protocol's accounts are these units: its slashing arithmetic is
// proportional, so the unit does not matter to it. Tokens are integers,
// minted 1:1 with the first deposit's Gwei value. The rate (Rate) is
// economics/lst's ShareRate: pooled Gwei × 1e27 / supply (math/big), so
// 1e27 is one Gwei per token and the precision is 1e-27 Gwei per token.
// Products of two amounts use a 128-bit intermediate; every division
// rounds down, in the pool's favour. Time is the simulator's epoch; the
// escrow delay is the ledger's Params.WithdrawalDelay (3,150 mainnet
// epochs, 100,800 blocks, from restaking.ParamsFor).
//
// # Holdings and the rate
//
// The protocol is one ledger staker per operator ("<name>/<operator>",
// Renzo's OperatorDelegator: each is one EigenLayer staker delegated to one
// operator, with an EigenPod for native ETH), registered and delegated by
// New. Its units are: delegated in the ledger (active, slashable stake),
// in the ledger's escrow (queued withdrawals, slashable until completion),
// exiting the beacon chain (native), arrived for open requests, in the
// buffer, and reserved for claimable requests (Holdings). TotalPooledUnits
// is all but the reserved units, read live from the ledger as
// calculateTVLs reads EigenLayer; the rate is their Gwei value over the
// supply. An AVS slash of an operator (restaking.Ledger.Slash) lowers the
// protocol's stake with it by the ledger's own arithmetic (every stake
// with the operator falls by newMaxMagnitude / prevMaxMagnitude), and with
// it the rate: no slashing is re-implemented here.
//
// # Deposits and delegation
//
// Deposit takes units into the buffer and mints value × supply / pooled
// tokens (ether.fi sharesForAmount; Renzo's calculateMintAmount is the same
// quantity, newSupply − supply with newSupply = supply / (1 − value /
// (pooled + value)), and rounds through 1e18 so may mint one unit less).
// Sync's Restake delegates the buffer beyond Params.BufferTarget, in whole
// ChunkUnits (32 ETH, one validator, for native restaking), by the policy:
// an equal split or WAD weights. fill moves every delegation toward its
// weight's share of the new total — shortfalls first, the rest by weight —
// so deposits re-balance the delegations; fully slashed operators get
// nothing. Renzo sends each deposit to the first OperatorDelegator below
// its allocation (in basis points) and to the first one otherwise; ether.fi
// and Kelp spread stake over node delegators by admin decision: the
// water-filling here is the continuous version of Renzo's rule.
// CreditRewards adds beacon-chain rewards of the protocol's validators to
// one delegation (an EigenPod checkpoint crediting shares); Sync claims
// the accounts' AVS rewards from the ledger into the buffer.
//
// # Withdrawals
//
// RequestWithdrawal refuses every request when
// Params.WithdrawalsEnabled is false (ezETH had no withdrawals until after
// April 2024). Otherwise the tokens are locked (they stay in the supply
// until finalization burns them, as Renzo's WithdrawQueue holds ezETH until
// claim) and the request's value at request (tokens × rate, Renzo's
// amountToRedeem) is recorded: the most it will pay. Its units (tokens ×
// pooled units / supply) are pulled out at once, as Renzo's and Kelp's
// operators queue EigenLayer withdrawals for the requests: from the
// delegations (drain: those above their weight's target first, then in
// proportion to what is left) through the ledger's QueueWithdrawal, and
// from the buffer only for what the delegations lack; beyond both the
// request is refused (ErrInsufficientLiquidity, Renzo's
// NotEnoughCollateralValue). The request then passes:
//
//  1. escrow: the ledger withdrawals wait out WithdrawalDelay and stay
//     slashable by the operators they were delegated to (ELIP-002); a slash
//     lowers what they pay, and the rate for everyone, since escrowed units
//     are pooled. CompleteEscrow completes them once the ledger allows.
//  2. beacon exit (native only): ExitOrders tell the engine how many Gwei
//     of which operator's validators to exit; it reports the ETH with
//     CreditExited once the exit churn, withdrawability delay and sweep
//     return it (a shortfall is a beacon loss, socialised through the rate).
//     An LST's units are in hand at completion.
//  3. finalization (Finalize, in id order): the payout is min(value at
//     request, tokens × rate now) — Renzo's claim pays the lower of
//     amountToRedeem and calculateAmountToRedeem at claim, Lido the lower
//     of the two rates — its units are reserved and the tokens burnt. What
//     arrived beyond the payout joins the buffer; a shortfall (a slash hit
//     this request's escrow harder than the pool as a whole) comes from the
//     buffer or, when it is short, from a new escrow round (Request.Rounds).
//     So the pool keeps what a request is not paid and pays what a
//     request's own escrow lost beyond its share: losses are socialised as
//     in Lido.
//  4. Claim pays the reserved units (ETH, or LST shares the engine moves).
//
// The rate never falls from deposits, requests, finalizations or claims;
// it falls only with slashes, beacon exit losses and (for an LST) the
// LST's own rate.
//
// # Driving it
//
// Per epoch e, the engine: advances the ledger (Advance(e)) and applies
// the epoch's AVS slashes; calls Deposit, Transfer and RequestWithdrawal
// for the holders' decisions (the ledger at e); CreditRewards for the
// protocol's validators' rewards; CreditExited for exits that returned;
// then Sync(e), which claims AVS rewards, completes due escrows (returning
// the exits to start), finalizes and restakes (returning the validators to
// create per operator); Claim for holders collecting. Snapshot gives the
// lst.csv row (kind lrt). PruneClaimed(before) bounds the request table.
//
// # Storage and invariants
//
// Holders and requests live in go-memdb as economics/lst's: holders by
// (protocol, owner) and by protocol; requests by (protocol, id), (protocol,
// status, id) — each stage is a FIFO prefix scan — and (protocol, owner,
// id); counters keep the totals. Check verifies that tokens are conserved
// (holders + locked = supply), that the open requests match the cached
// totals and own exactly the protocol's uncompleted ledger withdrawals,
// that reserved = Σ claimable payouts, that no request is paid more than
// its value at request or at finalization, and that units are conserved:
// buffer + exiting + arrived + reserved + claimed + (units put in the
// ledger − units taken out) + exit losses = deposits + rewards, with the
// ledger holding no more than was put in net (the rest was slashed).
//
// # Simplified or left out
//
//   - One asset per protocol (Renzo and Kelp accept ETH and several LSTs).
//   - Native restaking credits the ledger when the buffer is restaked: the
//     activation queue and EigenPod credential proofs are the engine's
//     concern; beacon-chain penalties and slashings of the protocol's
//     validators are not passed to the ledger (it has no beacon-chain
//     slashing factor), only rewards (CreditRewards) and exit shortfalls.
//   - Escrow then exit, in sequence, as the domain notes count the wait
//     (14 days plus the exit queue); an EigenPod can exit validators while
//     the withdrawal is in escrow, which would overlap the two.
//   - Every request queues its own ledger withdrawals at once; real LRTs
//     batch them and serve small requests from a buffer after a cooldown
//     (Renzo's coolDownPeriod). Here the buffer serves only what the
//     delegations cannot, at once.
//   - No protocol fee on rewards (Renzo and Kelp take about 10%), no
//     deposit caps, pauses, price-change limits (Kelp pauses on a large
//     drop), whitelists or instant withdrawals.
//   - AVS rewards are paid in the restaked asset's units.
//   - Amounts are Gwei, not wei.
package lrt
