// Package forkchoice is the LMD-GHOST + Casper FFG fork choice of
// specs/phase0/fork-choice.md, as amended up to Electra, in the text of
// consensus-specs consensus.SpecVersion (the later forks change only
// execution-payload and data-availability parts, which are not modelled).
// One Store serves one view group of the simulator: the agents that have
// seen the same messages. A Store holds a block tree with any
// number of branches, so partitions and attacks keep all their forks.
//
// The package does no state transition. The engine computes each block's
// post-state (package consensus) and hands the Store a BlockInfo: root,
// parent, slot, and the post-state's justified and finalized checkpoints
// both as realized and as pulled up to the next epoch boundary
// (compute_pulled_up_tip). Weights come from a callback that returns, for a
// checkpoint, the CheckpointBalances of its state (BalancesOf): the
// effective balance of every validator (0 for validators inactive in that
// state's epoch or slashed), which get_attestation_score uses, and
// get_total_active_balance, slashed validators included, which the proposer
// score uses. The Store calls it once per justified checkpoint and keeps the
// slice, so the callback must be deterministic and the slice must not be
// modified afterwards.
//
// # What the engine calls, in order
//
// Create the store once per view group:
//
//	fc := forkchoice.NewStore(cfg, genesisInfo, balancesAt) // balancesAt(cp) = BalancesOf(cfg, checkpoint state)
//	fc.SetAutoPrune(true) // optional; otherwise call Prune after finality advances
//
// Then, for every slot, in simulated time order:
//
//  1. OnTick(slot*cfg.SlotDurationMs) at the start of the slot. This resets
//     the proposer boost and, at an epoch's first slot, realizes the
//     unrealized checkpoints. Time is milliseconds since genesis; a time not
//     after the store's time is ignored.
//  2. The proposer's view: Head() gives the head; the parent for the slot's
//     block is Head(), or ProposerHead(Head(), slot, committees) for a
//     proposer that re-orgs late blocks (get_proposer_head: a late, weak head
//     one slot old, whose parent is strong, is built over).
//  3. For each block the network delivers to the view, first OnTick(arrival
//     time in ms), then OnBlock(info). The arrival time decides the proposer
//     boost: a block for the current slot arriving before
//     ATTESTATION_DUE_BPS (3333/10000 of the slot, 1999 ms of a 6 s slot) is
//     timely. Deliver parents before children. ErrUnknownParent and
//     ErrFutureBlock mean "retry later" (queue the block until its parent
//     arrives or its slot starts); ErrNotDescendant and ErrBlockSlot mean
//     "drop". Then, for the block's contents: OnAttesterSlashing(indices)
//     for each attester slashing (indices = the intersection of the two
//     attestations' attesting indices) and OnAttestation(indices, data,
//     true) for each included attestation.
//  4. The attesters' view at the attestation deadline: Head() (and
//     CheckpointBlock(head, epoch) for the FFG target, Justified() for the
//     source).
//  5. For each wire attestation delivered to the view:
//     OnAttestation(attestingIndices, data, false). The engine has already
//     checked the aggregate signature and committee against the target
//     checkpoint state (on_attestation's store_target_checkpoint_state and
//     is_valid_indexed_attestation). An attestation counts only from the
//     slot after its own: ErrEarlyAttestation, ErrUnknownBlock and a future
//     ErrTargetEpoch mean "retry later"; the other errors mean "drop".
//     Attester slashings seen on the wire go to OnAttesterSlashing at once.
//  6. When Finalized() has advanced: Prune() (unless auto-pruning is on).
//
// Every handler either succeeds or returns an error and leaves the Store
// unchanged. Head, Weight, Justified, Finalized, Ancestor and HasBlock only
// read (Head and Weight fill a cache).
//
// # Cost
//
// Apart from Prune, which is linear in the blocks held, no call costs more
// for longer chains, so a store that keeps every block of a long period
// without finality (nothing can be pruned) stays about as fast as a young
// one. What Head's cost grows with is the number of forks held.
//
// Head costs O(validators + segments). The block tree is kept compressed
// into segments, chains in which every block but the last has one child
// (the spec's walk has a choice only at a segment's last block), so a chain
// that grows without forking is one segment however long it gets, and a
// long partition is a few. A block forking off the middle of a segment
// splits it, relabelling the blocks of the shorter part. Latest messages are summed per segment, subtree
// sums over the segments below the justified block's segment give the
// get_weight of every block the walk compares, leaf viability is propagated
// up the same way, and the walk visits each segment at most once. The
// result is cached until a handler changes the store, so asking for the
// head twice in one slot costs one computation. OnBlock computes the
// pre-block head only when the block could take the proposer boost (timely
// and first in its slot), as update_proposer_boost_root needs it.
// ProposerHead costs O(1) unless the head is one slot old and late (or its
// proposer equivocated); then it computes two attestation scores, in
// O(validators x log blocks) each.
//
// get_ancestor (and with it get_checkpoint_block, the finalized-descent
// check of OnBlock and the target check of OnAttestation) takes
// O(log blocks) steps along skew-binary jump pointers, one per block.
// Weight is computed afresh from its definition in O(validators x log
// blocks). A block costs about 80 bytes: 64 for its root, slot, tree links
// and a reference to an entry of checkpoints it shares with the blocks
// around it (consecutive blocks mostly carry the same ones), plus its slot
// in a hash table of roots.
//
// Nothing iterates a map to decide anything: blocks live in an
// insertion-ordered slice, latest messages in a slice indexed by validator.
//
// # Differences from the spec text
//
//   - get_proposer_head (ProposerHead) is optional in the spec and so here:
//     the engine decides whether a proposer calls it. Its re-org parameters
//     (REORG_HEAD_WEIGHT_THRESHOLD 20, REORG_PARENT_WEIGHT_THRESHOLD 160,
//     REORG_MAX_EPOCHS_SINCE_FINALIZATION 2, PROPOSER_REORG_CUTOFF_BPS 1667)
//     are constants, the same in both presets. is_head_weak reads the head
//     slot's committees through a callback (asked only when some validator
//     is equivocating), and is_proposer_equivocation sees the proposers of
//     the blocks of the current and previous slot only, the one slot it is
//     asked about; ProposerHead refuses a slot before the current one.
//     block_timeliness is a flag on each block (IsTimely), pruned with it.
//   - Execution payloads (notify_forkchoice_updated, safe_block_hash,
//     validate_merge_block) and data availability (is_data_available) are
//     not modelled.
//   - The signature and committee checks of on_attestation and
//     on_attester_slashing are the engine's; the Store takes attesting and
//     equivocating indices.
//   - get_ancestor stops at the oldest block in the store (the anchor, or
//     the finalized block after Prune) instead of failing on a missing
//     parent; clients treat their anchor the same way.
//   - A block whose slot is not after its parent's is rejected with
//     ErrBlockSlot (the spec's state_transition would reject it).
//   - Validator indices are bounded by MaxValidators.
//   - If the justified checkpoint block is not in the store (possible only
//     after Prune with checkpoints from different branches), Head starts
//     from the finalized block, or else the oldest block.
package forkchoice
