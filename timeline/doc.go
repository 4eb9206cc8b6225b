// Package timeline answers "how long would consolidating the validator set
// take at a given stake?" by pushing EIP-7251 consolidation requests through
// the consensus package's own request, churn and epoch functions for a
// mainnet-sized registry, without any attestation, reward or signature work.
//
// # Model
//
// Registry. StakeETH / 32 validators of exactly 32 ETH (the remainder of a
// stake that is not a multiple of 32 ETH is dropped: whole validators only),
// built by consensus.NewGenesisState with 0x01 credentials, all active since
// genesis. The run starts at epoch SHARD_COMMITTEE_PERIOD, so every
// validator is old enough to consolidate.
//
// Participants. The first ConsolidateETH / 32 validators take part, grouped
// in order into targets of TargetETH / 32 validators (TargetETH is rounded
// down to a whole number of validators too). The first validator of a group
// is its target, the others are its sources; each group is one operator with
// its own withdrawal address. A final group smaller than the others still
// consolidates (a smaller target); a lone validator left over is not part of
// any group. Validators beyond the participants stay as they are.
//
// Requests. Each target first switches to 0x02 credentials with a
// consolidation request whose source is also its target; then each source
// sends a consolidation request into its target. The requests form one feed
// in that order (target of group 0, its sources, target of group 1, ...)
// and are fed in order, never reordered: per slot at most
// MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD requests from the head of the feed
// (the execution-layer limit, so SLOTS_PER_EPOCH times that per epoch), and
// a batch stops at the first request that cannot be sent yet:
//   - a source whose target does not have 0x02 credentials in the state
//     before the slot (so a target's switch and its first source never share
//     a slot);
//   - a source while the pending-consolidations queue has no room (counting
//     the sources already in the batch), or while the consolidation churn of
//     the epoch is not above MIN_ACTIVATION_BALANCE. Such a source waits: the
//     model's senders check before paying for a request, so in a normal run
//     no request is ignored. The protocol still decides; any request it
//     ignores is counted by reason and sent again later.
//
// Each slot's batch goes through consensus.ProcessExecutionRequests with the
// cached total active balance.
//
// Epoch boundary. After the epoch's slots, the work of process_epoch that
// matters here runs in spec order: consensus.ProcessPendingConsolidations,
// then consensus.ProcessEffectiveBalanceUpdates for the validators whose
// balance it changed (targets and their sources). Nothing else runs: no
// attestations, rewards, penalties, inactivity scores, slashings, deposits,
// registry updates or withdrawals sweep. So a source's balance is exactly
// 32 ETH until it moves, a target gains exactly 32 ETH per source, and the
// result is the pure queue-and-churn answer at a fixed stake. (On mainnet,
// rewards would add to balances, but a consolidation moves at most the
// source's effective balance, 32 ETH; deposits and exits of other
// validators would move the total, and so the churn, which this model
// holds fixed.)
//
// Total active balance. The churn of each epoch is get_consolidation_churn_limit
// at that epoch's get_total_active_balance, which changes during the run:
// a source leaves the active set at its exit epoch, and its 32 ETH counts
// again only once process_pending_consolidations has moved it into the
// target (MIN_VALIDATOR_WITHDRAWABILITY_DELAY epochs later) and the
// effective-balance update has raised the target's effective balance. The
// dip lowers the churn by about an ETH per epoch on mainnet, and the tool
// captures it. An O(n) pass per epoch is too slow for a million validators
// over a hundred thousand epochs, so the total is maintained incrementally:
// minus each source's effective balance at its exit epoch, plus each
// effective-balance change at the epoch boundary. The package tests check
// it against consensus.GetTotalActiveBalance, and Run checks it once more
// against a full pass at the end.
//
// Churn of an epoch (for the pre-check, the reported figures and the
// minimum stake) is computed by consensus.GetConsolidationChurnLimit on a
// one-validator proxy state whose only active validator carries the whole
// total active balance, so the formula is the consensus package's.
//
// Slots. st.Slot is set to each slot that carries a batch, and to the
// epoch's last slot before the epoch-boundary step, so get_current_epoch is
// right everywhere; slots without requests are skipped.
//
// Two exact shortcuts keep a mainnet run in seconds. (1) The pending
// consolidations queue is handed to ProcessPendingConsolidations only up to
// and including its first entry that is not yet due: the spec's loop stops
// there, so the outcome is the same, but the 4 MB copy of the remaining
// queue (up to PENDING_CONSOLIDATIONS_LIMIT entries) each epoch is avoided.
// (2) ProcessEffectiveBalanceUpdates runs on a scratch state holding only the
// validators whose balance changed: no other balance changes, and the
// update is idempotent for an unchanged balance. A test runs the same
// timeline with full passes and compares the final states.
//
// # Output
//
// first_request_epoch is the epoch of the first request (the start epoch).
// last_completion_epoch is the first epoch whose state has the last source's
// balance in its target: process_pending_consolidations moves a source at
// the boundary into its withdrawable epoch, so this is the last source's
// exit epoch plus MIN_VALIDATOR_WITHDRAWABILITY_DELAY. epochs is their
// difference; days = epochs * SECONDS_PER_SLOT * SLOTS_PER_EPOCH / 86400 and
// months = days / 30.44.
//
// Below a minimum stake (mainnet: 18,939,904 ETH, see MinStakeETH) the whole
// balance churn goes to activations and exits, the consolidation churn is
// at most MIN_ACTIVATION_BALANCE and the protocol ignores every
// consolidation request; Run reports that as a ParamError on stake_eth.
package timeline
