// Package sim is stakesim's engine: it runs one scenario as agents in
// goroutines over the consensus rules, writes what happens to a Sink and
// returns a summary. It owns every piece of shared state; agents only
// return Actions.
//
// # Usage
//
// The simplest use is Run:
//
//	sc, err := scenarios.Load("baseline", nil)
//	w, err := output.Create("runs/baseline-1", false) // internal/output: a Sink
//	res, err := sim.Run(ctx, sc, w, sim.Options{Now: time.Now})
//	err = w.Finish(&res.Summary, &res.Timing)
//
// Run is New, Start, RunEpoch for each of the scenario's epochs plus one
// settling epoch (the last reported epoch's votes are included during the
// next), the summary, and Stop. Benchmarks and tools that step a run
// themselves call those in the same order and must call Stop. An Engine is
// not safe for concurrent use: one goroutine drives it, and every Sink
// call comes from that goroutine.
//
// # Agents
//
// Every agent implements agents.Agent (ID, Kind, Act, Policy) and runs in
// its own goroutine, started by Start: validator clients (one or more
// keys), staking operators (execution-layer requests), and the economic
// agents of the epoch phase — restaking operators, AVSs and stakers, and
// the liquid-staking oracles, protocols, node operators and holders, which
// embed agents.Economic. A phase is run the same way whatever the kind:
// the engine builds one immutable view per view group, hands each agent
// with duties its view and its Duties over the agent's channel, waits for
// all of them (the barrier), and reads their Actions from a slice indexed
// by agent id, in id order. Nothing depends on which goroutine finished
// first. A new kind of agent adds a duty and a result field; the loop
// does not change. The registry (registry.go, go-memdb) records every
// agent with its kind, group and view, and every validator with its
// agent, group and view; summary.json counts agents by kind.
//
// Besides the agents, the engine starts one goroutine per epoch of its
// own: at an epoch's first slot it computes the next epoch's committees
// on a copy of the main view's head state (prefetchCommittees), filling
// the content-addressed consensus.Caches ahead of need; RunEpoch waits for
// it before returning. No result depends on it.
//
// Fork choice runs per view group, not per agent: view groups are the
// finest partition of the scenario's validator groups implied by its
// network partitions, its network views and its coalitions (one view,
// "main", for a scenario without them). A view has one fork-choice store,
// one attestation pool, and (if honest and slashers run) one slasher.
//
// # Each slot, in order
//
// RunEpoch runs the slots of one epoch. For each slot s, at time
// t = s·SLOT_DURATION_MS:
//
//  1. At the first slot of an epoch (startEpoch): partitions that start or
//     heal now are announced, and at a heal every view is sent the blocks
//     it has not processed (as nodes sync by req/resp); private chains
//     whose window ends are released; slashers forget what is older than
//     their history.
//  2. Propose phase at t (not at slot 0): messages that have arrived by t
//     are delivered; each view's store ticks, retries its deferred votes
//     and gives its head, whose state is advanced to s; the proposer of s
//     on that head is computed (consensus.GetBeaconProposerIndex). If the
//     proposer's agent is in that view (or is a both-sides coalition
//     reaching it) the engine prepares the block (on the head or, for an
//     honest proposer when the scenario's proposer_reorg is on, on
//     forkchoice's ProposerHead: get_proposer_head gives the parent of a
//     late, weak head, a proposer_reorg event; proposer_head.go) — the
//     pool's network aggregates (one per vote and committee) that
//     consensus.SelectAttestations accepts and packs into at most 8
//     on-chain aggregates across committees (EIP-7549), signed in full
//     mode by aggregating the members' signatures and in aggregate mode
//     with the sum of their keys, the slashings the view's
//     slasher has evidence for, the expected withdrawals, the RANDAO
//     reveal, the execution requests this chain lacks, up to 16 voluntary
//     exits and 16 BLS-to-execution changes from the view's pool that the
//     block's pre-state accepts, and a SyncAggregate of the messages of
//     slot s-1 for this chain's root at s-1 (members slashed on the chain,
//     or by the block, left out) — and the agent signs it. Staking
//     operators get an Operate duty. After the barrier (applyProposals):
//     operators' requests join the execution-layer pool, their signed
//     exits and changes are gossiped (below);
//     blocks are imported (consensus.ProcessBlock, one batched BLS
//     verification per block; an invalid block becomes a block_rejected
//     event), shown to the auditor, routed by the coalition's strategy
//     and sent with the network's delay and loss.
//  3. Attest phase at t + SLOT/3: delivery again; each view's head and vote
//     template; committees (consensus.EpochCommittees) give every member's
//     agent its duty, and the sync committee that signs for this slot
//     (consensus.SyncCommitteeFor) gives each member not slashed in the
//     view a sync duty on the same head; after the barrier, single votes
//     are verified on gossip where the scenario asks, shown to the
//     auditor, routed, and sent; sync committee messages are routed like
//     the member's votes and sent on a network stream of their own
//     (sync.go); the balancing strategy adds its votes.
//  4. At the last slot of an epoch: the epoch boundary (below).
//  5. endSlot: the slashers' new findings become slashing_detected events;
//     every view's head is noted (a head that leaves its predecessor is a
//     reorg event; one that leaves the view's finalized checkpoint fails
//     the run); the chain evicts states and thins blocks (Bounded state);
//     pools drop attestations too old for any block and sync committee
//     messages of earlier slots. A Sink error stops
//     the run here.
//
// # The epoch boundary
//
// endEpoch runs once per epoch, after the last slot's attest phase, and
// hands one immutable EpochBoundary to everything after it:
//
//  1. boundary: every distinct head among the views (a branch; its label
//     joins the names of the views on it) is advanced through the epoch's
//     processing (consensus.ProcessSlots across the boundary, cached per
//     (block, epoch), so each branch is processed once). Each branch's
//     BranchBoundary holds its state before (Pre) and after (Post), the
//     consensus.EpochReport and the coalition's and everyone's active
//     stake. The invariants are checked here and only here: conservation
//     and slashed-never-rewarded on each branch, finality-never-reverts in
//     each view, accountable safety across views. A failure is an
//     *InvariantError wrapping ErrConservation, ErrSlashedRewarded,
//     ErrFinalityReverted or ErrAccountableSafety; it stops the run.
//  2. The reporter emits the chain's events of the epoch (justified,
//     finalized, leak started or ended, slashed, exited, ejected,
//     conflicting finalization) and writes the previous epoch's rows,
//     whose target participation this boundary's processing made final.
//  3. The economic phase (afterEpoch) reads the summary branch (the first
//     honest view's): the Byzantine share and its crossings of 1/3, 1/2,
//     2/3 (events, and the gates of behaviours held back until a share is
//     exceeded); then, with a restaking block, the restaking layer
//     (restaking.go): queued slashes, completed withdrawals, the security
//     analysis, one task per AVS — its operators answer and the AVS judges,
//     each an epoch phase of goroutine agents — slashes, rewards, the
//     stakers' decisions (an epoch phase), the ledger's own invariants,
//     forced exits through EIP-7002 requests, avs.csv rows; then, with a
//     liquid_staking block, the protocols (lst.go): vault credits from the
//     summary branch's withdrawals, the oracle's report (an epoch phase)
//     applied to the books, the protocol's deposits and exits and its node
//     operators' requests and voluntary exits (epoch phases), the holders'
//     deposits, requests and claims (an epoch phase), the invariants
//     (InvariantError with CheckLSTBooks, CheckLSTConservation,
//     CheckLSTPayout), lst.csv and withdrawals.csv rows; then the liquid
//     restaking protocols (lrt.go, kind lrt): economics/lrt on the
//     restaking ledger — holders' claims and requests (an epoch phase),
//     EigenPod arrivals and checkpointed rewards, Sync, exit orders paid
//     from the pods or by exits the protocol agent picks and its node
//     operators sign (epoch phases), lrt_rate_fell, the invariants
//     (CheckLRTBooks, CheckLSTConservation, CheckLSTPayout), lst.csv rows
//     of kind lrt and withdrawals.csv rows; then, with a markets block,
//     the markets (market.go; "Markets" below). An LRT whose asset is an LST
//     protocol (lrt_lst.go) runs after every LST protocol's step, so it
//     values its shares at the LST's rate after this epoch's report: its
//     holders' claims are paid in LST shares (lst.TransferShares), their
//     deposits buy shares, Sync's AVS rewards are bought as shares, and
//     the shares a restaking slash took go to the LST's burn account; it
//     has no pods or exits. Such LRTs are built after all the others, in
//     scenario order.
//  4. The reporter builds this epoch's rows from the boundary and the
//     restaking ledger (and, for a GroupSink, the groups.csv rows from the
//     same post-states, in one pass over each branch's validators); they
//     are written, unchanged, when the next epoch's participation is known.
//  5. The chain drops the blocks no view can need again (their fate is
//     settled: for a BlockSink, one blocks.csv batch), and cached
//     aggregate signatures that no block can include any more.
//
// timing.json's epoch_processing_seconds measures step 1, reporting_seconds
// steps 2 and 4, economics_seconds step 3.
//
// # Bounded state
//
// Memory and per-epoch cost do not grow with the number of epochs run
// while finality advances, and grow only by a small skeleton per block
// while it is stalled:
//
//   - Blocks (chain.go) that do not descend from any view's finalized
//     block and that every view has processed are dropped at the end of
//     an epoch in which some view's finalized checkpoint moved. The kept
//     blocks whose parents went become bases: the oldest finalized blocks
//     keep their post-states as replay anchors.
//   - A block every view has processed loses, two epochs later, its votes,
//     its report and its fork-choice info, and 128 epochs later its body
//     (its header fields stay). States are never replayed through such a
//     block: recent states replay from pins less than 64 epochs old, and
//     fork points, bases, finalized blocks and every view's head and
//     checkpoints keep their states.
//   - Post-states four slots old are evicted unless pinned: the first
//     block of each epoch stays pinned for two epochs (a recent state
//     replays at most one epoch), the first block of every 16th epoch on
//     each chain for longer, thinning out beyond 64 epochs to about two
//     per doubling of age.
//   - Boundary states live two epochs (longer for the views' heads and
//     checkpoints); per-slot pre-states live one slot; aggregate
//     signatures as long as their attestations can be included.
//   - Ancestor searches use skip pointers: O(log length) steps.
//   - The work log keeps three epochs at each end of the run.
//
// Blocks that some view has not processed (a partition that has not healed,
// a coalition ignoring others' blocks, a lost message) are kept until it
// has: a heal must still deliver them, and slashers learn from them.
//
// # Voluntary exits and BLS changes
//
// Operators sign voluntary exits and BLS-to-execution changes
// (agents/exits.go). Unlike execution-layer requests, which reach every
// branch through one shared queue (the execution layer is not modelled),
// these are consensus-layer gossip, so the engine sends each one like a
// vote: to every view the sender's view reaches, with the network's delay
// and loss, withheld by partitions (exits.go). Each view keeps what reached
// it in its own pool, at most one exit and one change per validator,
// and drops every slot what its head state no longer accepts (applied or
// invalid there; signatures are checked only at block import). A lost or
// dropped operation is signed again by its operator after 2 epochs. This
// costs one message per operation and view, and keeps a partitioned side
// from including what it never heard of.
//
// # Markets
//
// With a markets block (market.go, market_report.go, market_token.go),
// each pool is an economics/market.Pool, off-chain like the protocols'
// books. Its coin 1 is a liquid_staking protocol's token in its
// non-rebasing unit: an lst protocol's shares (moved with
// TransferShares), an lrt protocol's tokens (Transfer). The pool counts
// it 1:1 with ETH (no rate multiplier, as the stETH pool), so its peg is
// 1 token = 1 ETH while the redemption value is the share rate. Every
// token a pool or a market participant holds is a holder balance in the
// protocol's books (owners "pool:NAME", "market:GROUP/N"), so shares stay
// conserved and the protocols' invariants keep holding; mints go through
// the engine's tallies of the protocol (lst.go's deposits), requests
// through its request records, claims through its claimed total.
//
// At genesis each pool's token reserve and each participant's token
// endowment are minted by depositing ETH at the protocol: an lst
// protocol's buffer keeps that ETH (staked only if it has new_validators
// keys; meanwhile it pays withdrawal requests at the next report); an lrt
// protocol's next Sync restakes it as idle pod ETH. The genesis LP tokens
// are split among the groups with lp_share; the rest is held by nobody
// who trades.
//
// Each reported epoch e, in the economic phase after the liquid-staking
// protocols (so the market sees the epoch's report, rate and events):
//
//  1. Claims: the participants' finalized withdrawal requests are
//     claimed into their wallets.
//  2. Signals, per pool, from the summary branch: a newly slashed
//     validator of the token's protocol, a fall of its rate (this epoch's
//     negative rebase or AVS slash), bunker mode, and the epochs since
//     the branch last finalized. They reach the market at the boundary of
//     the epoch they happen in (up to an epoch after the chain saw them;
//     an oracle report's view of them later still).
//  3. SLOTS_PER_EPOCH market slots (market slot e·SLOTS_PER_EPOCH + k):
//     each is one barrier phase. Every market agent with something to
//     hold gets a MarketDuty built from the same snapshot (a copy of its
//     pool, its price and the token's rate, the signals, its
//     participants' balances); after the barrier the engine applies the
//     orders in agent-id order, each agent's in its order, each with its
//     min-out bound. An order the pool or the books refuse (slippage, a
//     balance an earlier order spent) is dropped, as the contract would
//     revert, and counted. Then each pool's price (price_sell_1) is read:
//     the minimum, and depeg events at 0.99, 0.97, 0.95 and 0.90, once
//     per downward crossing (re-armed at or above the threshold). So a
//     sale moves the price the next slot, and the next orders of the same
//     slot, see.
//  4. Invariants (InvariantError with CheckMarketETH, CheckMarketTokens,
//     CheckMarketPool): the market's ETH (wallets and pools) equals what
//     it got at genesis less the mints plus the claims; each pool's token
//     holdings equal its balance in the books and its LP supply what its
//     holders hold; the pool's own Check. Then one market.csv row per
//     pool (volume and fees of the epoch).
//
// Lending (lending.go, lending_report.go): venues of the `lending:` list
// are economics/lending's AaveVenue or MorphoVenue; their collateral is a
// holder "lending:VENUE" in the protocol's books and their cash is part of
// the market ETH ledger (genesis − mints + claims = wallets + pools +
// venues' cash; bad debt moves no ETH, it is the lenders' loss). Loopers
// are goroutine agents (agents.MarketLooperAgent, grouped as the other
// trader kinds); their equity tokens are minted at genesis. Run's first
// epoch phase, once the goroutines start and before the chain's first
// epoch, is the loopers' build phase: each looper agent's duty carries
// its venue (the oracle's genesis price, the protocol's genesis rate, LT
// and LTV of its mode) and its participants' tokens, and it answers one
// OrderLoopBuild per participant with the debt and collateral of
// lending.LoopPosition at its target; the engine mints the debt at the
// protocol at time 0 (the build does not move the pool), deposits every
// token and borrows, Aave's borrow checked at a price up to LT/LTV higher.
// Building in epoch 0's first market slot instead would come after epoch
// 0's economic phase: an lrt's Sync and rewards would already have moved
// its rate and restaked the genesis ETH. A managed looper group
// (relever_above, deleverage_below) also gets a duty at each market slot
// while it has debt, with its positions and health factors at the slot's
// oracle price: an OrderLoopRelever borrows what the venue allows at the
// oracle price, mints it and deposits it, round after round (at most 64)
// until the amount is borrowed; an OrderLoopDeleverage is a bundle (a
// flash loan) applied atomically: the tokens' sale is quoted on the pool
// as earlier orders left it and dropped below its min-out or when the
// withdrawal would leave HF below 1.001; otherwise the debt is repaid with
// the sale's ETH, the tokens withdrawn and sold, the surplus to the
// wallet. The summary counts them per venue (relevers, deleverages). At
// each market slot, before the duties, every venue's oracle
// Observes (slot, the last price_sell_1, the protocol's rate) and the
// positions with HF < 1 are listed by HF, venue, user, with MaxRepay and
// the venue's quote; liquidators get them in their duty. An
// OrderLiquidate is a bundle applied atomically: the repay is capped by
// MaxRepay now and the wallet, the seized tokens' sale is quoted on the
// pool as earlier orders left it and the bundle is dropped below its
// min-out; otherwise the venue liquidates and the tokens are sold at once,
// so each sale moves the price the next liquidation's check sees. Each
// epoch: CheckLending (venue Check, holdings against the books), then
// one lending.csv row per venue (per-epoch liquidations and seized
// collateral, cumulative bad debt, positions per HF bucket).
//
// Agents draw from their own streams (seed, agent id, "market/KIND");
// nothing depends on goroutine order. Nothing grows with epochs: the
// pools and participants are fixed, events are streamed, and the books
// prune claimed requests.
//
// # What a Sink must do
//
// Epoch receives the rows of epoch e, one per branch in branch-label
// order, at the end of epoch e+1, epochs in increasing order; the settling
// epoch is never reported. Event receives events in the order the engine
// emits them: by slot, and within a slot in the order above. Optional
// interfaces, found by type assertion on the Sink: AVSSink receives
// avs.csv rows after each epoch's economic phase; LSTSink receives lst.csv
// rows after it too, each with the withdrawals.csv rows of the requests
// finalized in that epoch, and the pending requests' rows before the
// summary; MarketSink receives market.csv rows after it, one per pool;
// GroupSink receives each
// branch's groups.csv rows (one per scenario group, in scenario order)
// right after its EpochRow; BlockSink receives a blocks.csv row for every
// block of the chain's database (genesis and every valid proposal,
// canonical or not) once its fate is settled for every view — a batch,
// sorted by (slot, root), when the chain prunes blocks at the end of an
// epoch (a pruned block's canonical views are those whose finalized block
// descends from it), and a last batch with every block still held at the
// end of the run (canonical views from the views' heads), before the
// summary is built, also for an interrupted run. A parent's row comes
// before its children's, and every block has exactly one row; nothing is
// kept for it but the chain's own blocks, so memory stays bounded.
// EpochEnder's EndEpoch follows each epoch's rows. The first error a Sink
// returns stops the run: Run returns it wrapped, and nothing more is sent.
//
// # Determinism
//
// A run is a function of the scenario (with its seed): same scenario, same
// bytes in every Sink call and in the summary, at any GOMAXPROCS and any
// Options.Workers. Randomness comes from streams derived from (seed, agent
// id, purpose) (rng.go); map iteration never reaches a result; results of
// a phase are read in agent-id order. Wall-clock figures go only to
// Timing, through Options.Now; the engine reads no clock of its own.
// Keys are the same whether they come from the key cache or are derived
// (crypto.LoadOrDeriveKeyring; Options.NoKeyCache, Options.KeyCacheMinKeys),
// so the cache changes only Timing (KeyCache, KeyDerivationSeconds).
package sim
