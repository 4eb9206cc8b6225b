// Package lst is the bookkeeping of a pooled liquid-staking protocol
// modelled on Lido v2 (lidofinance/core v2.2.0: contracts/0.4.24/Lido.sol,
// StETH.sol; contracts/0.8.9/WithdrawalQueueBase.sol, WithdrawalQueue.sol,
// sanity_checks/OracleReportSanityChecker.sol, lib/PositiveTokenRebaseLimiter.sol;
// contracts/0.6.12/WstETH.sol), Lido's accounting oracle (docs.lido.fi
// "Accounting oracle"; lidofinance/lido-oracle src/services/bunker.py and
// safe_border.py) and Rocket Pool's rETH exchange rate
// (RocketTokenRETH.getEthValue, getRethValue, getExchangeRate). It is pure:
// no goroutines, I/O, clocks or randomness. The engine and agents drive it.
//
// # Units
//
// Amounts are integer Gwei (consensus.Gwei), where Lido counts wei; shares
// are integers, minted 1:1 with Gwei by the first deposit. The share rate is
// kept as Lido's 1e27 fixed point (ShareRate, math/big): pooled × 1e27 /
// shares. Products of an amount and a share count use a 128-bit
// intermediate (math/bits); fee shares, the rate and the annual check use
// math/big because their products exceed 128 bits. Every division rounds
// down, as in Solidity, which leaves rounding dust with the pool. Time is
// the simulator's epoch; Lido's seconds become epochs (DefaultParams: 384-s
// mainnet epochs; ParamsFor scales the day-based windows for other presets).
//
// # Shares and tokens
//
// Holders own shares (Lido's StETH). Deposit mints
// getSharesByPooledEth(amount) = amount × totalShares / totalPooledEther
// (Lido._submit) and puts the ether in the buffer. The rebasing balance
// (BalanceOf) is getPooledEthByShares(shares). The wrapper (Wrap, Unwrap,
// WrappedByPooledEth, PooledEthByWrapped) is WstETH: a wrapped token is a
// share held by the wrapper, so its ETH value rises with the rate. EthValue,
// TokenValue and ExchangeRate give the rETH-style view of the same shares
// (ETH value per token rising). TotalPooledEther is Lido's
// _getTotalPooledEther: buffer + CL balance + transient (validators
// deposited and not yet seen on the CL, DepositGwei each).
//
// # Validators and vaults
//
// ValidatorsToDeposit is getDepositableEther / DEPOSIT_SIZE: the buffer
// beyond the pending requests' stETH, none in bunker mode (canDeposit).
// DepositValidators moves the ether to the transient balance; the engine
// creates the validators (0x01 at 32 ETH, or 0x02 with Params.Compounding
// and a larger DepositGwei). Ether the chain pays to the protocol's
// withdrawal credentials goes to the withdrawal vault
// (CreditWithdrawalVault: exits and skimmed rewards), EL rewards to the EL
// rewards vault (CreditELRewards); neither is pooled until a report
// collects it, as in Lido.
//
// # Oracle reports
//
// ApplyReport(OracleReport) follows AccountingOracle and
// Lido._handleOracleReport, once per frame (ReportEpochs; 225 on mainnet):
//
//  1. Shape (_processClStateUpdate): CL validators between the previous
//     count and the deposited count; exited counts never fall. Validators
//     appearing on the CL bring DepositGwei each into preCL.
//  2. Sanity (checkAccountingOracleReport). _checkCLBalanceDecrease: a
//     decrease preCL − (postCL + withdrawal vault) is recorded; the
//     decreases of the reports within SlashingWindowEpochs (18 days) may sum
//     to at most 1 ETH × (validators − exited 18 days ago) + 0.101 ETH ×
//     (validators − exited 54 days ago). _checkAnnualBalancesIncrease:
//     (EpochsPerYear × 10,000 × (postCL − preCL) / preCL) / elapsed epochs
//     ≤ 1,000 bp. A failing report is rejected (ReportResult.Rejection:
//     ErrCLBalanceDecrease or ErrCLBalanceIncrease) and changes nothing.
//  3. Smoothing (smoothenTokenRebase, PositiveTokenRebaseLimiter): the CL
//     change counts in full; the vaults are collected only up to a rise of
//     MaxPositiveTokenRebase (750,000 / 1e9) of the pre-report pooled
//     ether; the rest waits in the vaults for later reports.
//  4. Bunker mode (lido-oracle is_bunker_mode; WithdrawalQueue
//     onOracleReport), decided at every report: on when the frame's CL
//     rebase (postCL + collected withdrawals − preCL) is negative, or when
//     the largest per-frame sum of the midterm penalties of the protocol's
//     slashed, not yet withdrawable validators (OracleReport.Slashings)
//     exceeds it; its start is the previous report's epoch. It stops
//     deposits to validators.
//  5. Safe border (safe_border.py). Turbo: report epoch −
//     FinalizationDefaultShift (20 epochs, requestTimestampMargin 7,680 s).
//     Bunker: the earlier of the negative-rebase border max(epoch − 2,250,
//     bunker start − 20) and the associated-slashings border (frame start
//     of the earliest slashed epoch among not-yet-withdrawable slashings −
//     20). So a negative rebase alone delays finalization by at most about
//     10 days; an associated slashing holds requests made after it until
//     its validators are withdrawable (the slashing is "completed").
//  6. Fees (_processRewards, _distributeFee): only when postCL + collected
//     withdrawals > preCL; rewards R = that difference + collected EL
//     rewards; minted shares = R·fee·preShares / ((prePooled + R)·10,000 −
//     R·fee), with pre-report totals; the operators (OperatorsAccount) get
//     shares × OperatorFeeBP / FeeBP, the treasury the rest.
//  7. Finalization (calculateFinalizationBatches, prefinalize, _finalize,
//     _calculateClaimableEther): at the simulated share rate (the report
//     applied without finalization, previously requested burns included),
//     pending requests at or before the safe border are finalized in id
//     order while the buffer (after collecting the vaults) covers them,
//     stopping at the first that does not fit. A request pays its amount if
//     its own rate (amount × 1e27 / shares) is at most the simulated rate,
//     else shares × rate / 1e27: the lower of the rate when requested and
//     when finalized. The payout is locked; the request's shares go to the
//     burner and are burnt within the smoothing limit
//     (getSharesToBurnLimit), the rest in later reports. Whatever a request
//     is not paid stays in the pool: losses and gains are socialised.
//  8. Exits: the pending requests' stETH beyond the buffer, the vaults, the
//     balances of validators already exiting (OracleReport.ExitingBalanceGwei,
//     slashed ones included, however late they become withdrawable) and the
//     expected proceeds of exits asked for and not yet initiated, in
//     validators of the average CL balance (rounded up), is
//     ReportResult.ValidatorsToExit; the engine picks and exits them.
//
// # Withdrawal queue
//
// RequestWithdrawal(owner, amount) is requestWithdrawals: amount within
// [MinWithdrawalGwei, MaxWithdrawalGwei] (100 wei → 1 Gwei; 1,000 stETH);
// getSharesByPooledEth(amount) shares leave the owner and are locked;
// requests cannot be cancelled. RequestWithdrawalWrapped is the wstETH
// form. ClaimWithdrawal pays a finalized request to its owner.
//
// Requests and holder positions live in a go-memdb database: holders by
// (protocol, owner) and by protocol; requests by (protocol, id), by
// (protocol, status, id) — the FIFO walk of the queue is a prefix scan of
// that index — and by (protocol, owner, id). PruneClaimed(before) deletes
// requests claimed before an epoch, so the table holds open requests plus
// recent claims; totals are kept as counters and do not need them.
//
// # Invariants
//
// Check verifies: total shares = Σ holders' shares (fee recipients
// included) + Σ wrapped + pending requests' shares + burner shares; the
// queue's cached totals; locked ether = Σ unclaimed payouts, each at most
// its request's amount; transient = (deposited − CL validators) ×
// DepositGwei; and ether conservation: buffer + transient + CL + vaults +
// locked + claimed = deposits + vault and EL credits + the CL balance
// changes the reports brought. Deposits, requests, claims, wraps and
// transfers never lower the share rate (they round in the pool's favour).
//
// # Simplified or left out
//
//   - Amounts in Gwei, not wei; the 100-wei minimum request is 1 Gwei.
//   - One staking module and one operators' fee account; no staking limit,
//     pause, stake-limit or deposit security module; no referral.
//   - Payouts are computed per request, not per batch (Lido locks the
//     batch sum and pays per request; the model has no batch dust).
//   - Shares burnt are only those of finalized requests (no cover or
//     non-cover burn requests from the Burner).
//   - Checks left out: appeared-validators churn, exited-validators per
//     day, vault balances against actual balances, simulated share-rate
//     deviation, second-opinion oracle (a decrease beyond the allowance is
//     always rejected), extra data.
//   - Bunker condition 3 (abnormal CL rebase, from intra-frame balances) is
//     left out; the midterm penalties are the engine's predictions (it sees
//     the chain's slashings); the safe border rounds to frames counted from
//     epoch 0; requests are compared by creation epoch, not timestamp.
//   - Exit requests are a count from the average CL balance, not
//     ValidatorsExitBusOracle's predictions by operator and exit order.
//   - Compounding (0x02) validators are deposited at a fixed DepositGwei;
//     no top-ups or consolidations.
//   - ParamsFor scales day-based windows by EpochsPerSlashingsVector (÷128
//     on minimal) and the per-report rebase cap with the frame.
package lst
