// Package restaking is a restaking ledger modelled on EigenLayer's slashing
// design (Layr-Labs/eigenlayer-contracts: AllocationManager,
// DelegationManager, SlashingLib; ELIP-002 "Slashing via Unique Stake &
// Operator Sets"). It keeps operators, stakers, AVS operator sets, unique
// stake allocations, queued withdrawals, queued (vetoable) slashes and
// rewards, with exact integer arithmetic.
//
// # Units
//
// Amounts are integer Gwei (consensus.Gwei). Magnitudes, slash fractions,
// corruption thresholds α and reward rates are integers in WAD (1e18 = 1),
// as EigenLayer's magnitudes are. Time is the simulator's epoch
// (consensus.Epoch); delays are Params in epochs. ParamsFor converts
// EigenLayer's mainnet delays, given in 12-s blocks: 100,800 blocks (14 days)
// of DEALLOCATION_DELAY and MIN_WITHDRAWAL_DELAY_BLOCKS are 3,150 mainnet
// epochs; 126,000 blocks (17.5 days) of ALLOCATION_CONFIGURATION_DELAY are
// 3,938 (3,937.5 rounded up).
//
// # Model
//
// An operator has its own account (it is self-delegated, as
// registerAsOperator makes it) and stakers delegated to it; its shares are
// their active stake. It allocates magnitude to operator sets; the
// magnitudes it has allocated, plus pending allocations, never exceed its
// max magnitude, which starts at WAD and only falls when it is slashed. The
// slashable stake of (operator, set) is shares × magnitude / max magnitude.
// A slash of a fraction f of one set's allocation removes ceil(magnitude·f)
// from that allocation and from the max magnitude: every account's stake
// with the operator falls by the same factor newMax/prevMax, and other sets'
// slashable stake is unchanged (their magnitude over a smaller max, times
// smaller shares). EigenLayer applies that factor lazily to each staker
// (deposit scaling factor × slashing factor); the ledger applies it at once
// to exact per-account Gwei, which is the same bookkeeping without the
// rounding dust and lets the conservation law hold to the Gwei.
//
// Allocations become slashable after the operator's allocation delay;
// deallocations and deregistrations stay slashable for the deallocation
// delay; queued withdrawals stay slashable, by the operator they were
// delegated to when queued, for the withdrawal delay and can be completed
// only after it. Slashed stake is burned or credited to the set's
// redistribution recipient. A set with a veto window queues its slashes,
// and Veto cancels one before the window ends.
//
// # Use
//
// Build with New(params) and register operators (RegisterOperator),
// stakers (RegisterStaker) and operator sets (CreateOperatorSet). Then each
// epoch e, in order:
//
//  1. Advance(e): the clock moves to e; allocation changes reaching their
//     effect epoch take effect, and queued slashes whose veto window ended
//     execute; the returned reports are those slashes.
//  2. Actions at epoch e, in the caller's deterministic order: Deposit,
//     DelegateTo, Undelegate, QueueWithdrawal, CompleteWithdrawal,
//     ModifyAllocation, RegisterForOperatorSet, DeregisterFromOperatorSet,
//     SetAllocationDelay, Slash, Veto. Each either applies completely or
//     returns an error (wrapping a sentinel Err*) and changes nothing.
//  3. AccrueRewards() once, if the operator sets pay rewards.
//  4. Queries for the epoch's records: SlashableStake, AllocatedStake,
//     TotalRestaked, PendingWithdrawalsGwei, Totals, Operator, Staker,
//     OperatorSet.
//
// The ledger is pure: no goroutines, I/O, clocks or randomness, and no map
// iteration reaches a result. Lists come back in registration order or
// sorted by id, as each method says. CheckInvariants verifies conservation
// (deposited = active + pending withdrawals + burned + redistributed +
// withdrawn) and the magnitude bookkeeping.
//
// # Left out
//
// One strategy (native ETH) per operator set, so no per-strategy
// bookkeeping; withdrawals complete as tokens only (not re-deposited as
// shares); no beacon-chain slashing factor (the simulator moves
// beacon-chain balances itself); no AVS registrar consent, pausing,
// permissions or slasher addresses.
package restaking
