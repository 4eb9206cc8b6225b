package forkchoice

import (
	"errors"
	"fmt"

	"github.com/stakesim/stakesim/consensus"
)

// Sentinel errors returned by the handlers; test them with errors.Is. A
// handler that returns an error has not modified the Store (the spec's
// "invalid calls to handlers must not modify store").
var (
	// ErrUnknownParent: OnBlock got a block whose parent is not in the store.
	ErrUnknownParent = errors.New("forkchoice: unknown parent block")
	// ErrUnknownBlock: an attestation names a target or head block that is not in the store.
	ErrUnknownBlock = errors.New("forkchoice: unknown block")
	// ErrNotDescendant: a block does not descend from the store's finalized checkpoint.
	ErrNotDescendant = errors.New("forkchoice: block does not descend from finalized checkpoint")
	// ErrFutureBlock: a block's slot is after the store's current slot.
	ErrFutureBlock = errors.New("forkchoice: block from a future slot")
	// ErrBlockSlot: a block's slot is not after its parent's slot.
	ErrBlockSlot = errors.New("forkchoice: block slot not after parent slot")
	// ErrTargetEpoch: a wire attestation's target epoch is neither the current nor the previous epoch.
	ErrTargetEpoch = errors.New("forkchoice: attestation target epoch not current or previous")
	// ErrTargetMismatch: the target epoch does not match the attestation slot, or the
	// target root is not the checkpoint block of the voted head.
	ErrTargetMismatch = errors.New("forkchoice: attestation target inconsistent with its slot or head vote")
	// ErrFutureVote: the voted head block is newer than the attestation slot.
	ErrFutureVote = errors.New("forkchoice: attestation votes for a block newer than its slot")
	// ErrEarlyAttestation: the attestation's slot is not yet in the past.
	ErrEarlyAttestation = errors.New("forkchoice: attestation slot not yet in the past")
	// ErrValidatorIndex: a validator index is beyond MaxValidators.
	ErrValidatorIndex = errors.New("forkchoice: validator index out of range")
)

// MaxValidators bounds the validator indices a Store accepts (per-validator
// tables are slices indexed by validator). It is far above any simulated
// registry; it only stops a bad index from allocating unbounded memory.
const MaxValidators = 1 << 24

// BlockInfo is what the fork choice needs to know about one block: its place
// in the tree and the FFG checkpoints of its post-state, realized and pulled
// up to the next epoch boundary (compute_pulled_up_tip's
// process_justification_and_finalization on a copy of the post-state).
type BlockInfo struct {
	Root, ParentRoot consensus.Root
	Slot             consensus.Slot
	// ProposerIndex is the block's proposer_index, which
	// is_proposer_equivocation compares (see ProposerHead).
	ProposerIndex consensus.ValidatorIndex

	// JustifiedCheckpoint and FinalizedCheckpoint are the post-state's
	// current_justified_checkpoint and finalized_checkpoint.
	JustifiedCheckpoint, FinalizedCheckpoint consensus.Checkpoint
	// UnrealizedJustified and UnrealizedFinalized are the same two fields after
	// running process_justification_and_finalization on a copy of the post-state.
	UnrealizedJustified, UnrealizedFinalized consensus.Checkpoint
}

// latestMessage is one validator's latest message plus its equivocation flag.
type latestMessage struct {
	epoch  consensus.Epoch
	node   int32 // index of the voted block, -1 when pruned
	has    bool  // a latest message exists
	equivo bool  // index is in store.equivocating_indices
}

// balanceEntry caches the balances callback for one checkpoint.
type balanceEntry struct {
	cp  consensus.Checkpoint
	bal []consensus.Gwei // CheckpointBalances.Weights
	// total is get_total_active_balance of the checkpoint state
	// (CheckpointBalances.TotalActive), slashed validators included.
	total consensus.Gwei
	// effective is CheckpointBalances.Effective, or bal when that is nil.
	effective []consensus.Gwei
	ok        bool
}

// Store is the fork-choice store of one view group. It is not safe for
// concurrent use.
type Store struct {
	cfg      *consensus.Config
	balances func(consensus.Checkpoint) CheckpointBalances

	timeMs uint64 // store.time - store.genesis_time, in milliseconds

	justified, finalized                 consensus.Checkpoint
	unrealizedJustified, unrealizedFinal consensus.Checkpoint
	proposerBoostRoot                    consensus.Root

	nodes            []node         // the blocks, parents first (tree.go)
	index            rootIndex      // root -> index in nodes
	ffgs             []ffgInfo      // the blocks' checkpoints, shared (node.ffg)
	segs             []segment      // the block tree, single-child chains compressed
	segsMoved        bool           // blocks changed segments since voteSegs was set
	oldestParentRoot consensus.Root // ParentRoot of nodes[0], whose parent is not in the store

	votes []latestMessage // indexed by ValidatorIndex
	// voteSegs holds, for each latest message get_attestation_score counts,
	// the segment of its block, and -1 for the others; OnAttestation,
	// OnAttesterSlashing and updateVoteSegments keep it so.
	voteSegs []int32

	bal balanceEntry

	autoPrune bool

	// recent holds the proposer of every block of the current and the
	// previous slot, for is_proposer_equivocation (proposer_head.go);
	// OnTick drops older entries. equivocators counts the indices
	// OnAttesterSlashing marked.
	recent       []recentBlock
	equivocators int

	// version counts mutations; the head cache is valid while it matches.
	version uint64
	cache   headCache
	// Scratch of computeHead, indexed like segs: the segments below the
	// start block's, and the weights of their top blocks.
	segOrder  []int32
	segWeight []consensus.Gwei
}

type headCache struct {
	version uint64
	valid   bool
	head    int32
}

// NewStore returns the store of get_forkchoice_store for anchor (the genesis
// block or a trusted finalized block). The store's justified and finalized
// checkpoints are (epoch of anchor.Slot, anchor.Root), and the store's time
// is the start of the anchor's slot. balances returns, for a checkpoint, the
// CheckpointBalances of that checkpoint's state (BalancesOf
// store.checkpoint_states[checkpoint]); the store calls it once per
// justified checkpoint, so it must be deterministic, and its Weights slice is
// kept and must not be modified afterwards.
//
// Spec definition:
//
//	def get_forkchoice_store(anchor_state: BeaconState, anchor_block: BeaconBlock) -> Store:
//	    assert anchor_block.state_root == hash_tree_root(anchor_state)
//	    anchor_root = hash_tree_root(anchor_block)
//	    anchor_epoch = get_current_epoch(anchor_state)
//	    justified_checkpoint = Checkpoint(epoch=anchor_epoch, root=anchor_root)
//	    finalized_checkpoint = Checkpoint(epoch=anchor_epoch, root=anchor_root)
//	    proposer_boost_root = Root()
//	    return Store(
//	        time=Uint64(anchor_state.genesis_time + SLOT_DURATION_MS * anchor_state.slot // 1000),
//	        genesis_time=anchor_state.genesis_time,
//	        justified_checkpoint=justified_checkpoint,
//	        finalized_checkpoint=finalized_checkpoint,
//	        unrealized_justified_checkpoint=justified_checkpoint,
//	        unrealized_finalized_checkpoint=finalized_checkpoint,
//	        proposer_boost_root=proposer_boost_root,
//	        equivocating_indices=set(),
//	        blocks={anchor_root: copy(anchor_block)},
//	        block_states={anchor_root: copy(anchor_state)},
//	        block_timeliness={},
//	        checkpoint_states={justified_checkpoint: copy(anchor_state)},
//	        latest_messages={},
//	        unrealized_justifications={anchor_root: justified_checkpoint},
//	    )
func NewStore(cfg *consensus.Config, anchor BlockInfo, balances func(consensus.Checkpoint) CheckpointBalances) *Store {
	if cfg == nil || cfg.SlotDurationMs == 0 || cfg.SlotsPerEpoch == 0 {
		panic("forkchoice: NewStore needs a Config with SlotDurationMs and SlotsPerEpoch set")
	}
	if balances == nil {
		panic("forkchoice: NewStore needs a balances callback")
	}
	cp := consensus.Checkpoint{Epoch: consensus.ComputeEpochAtSlot(cfg, anchor.Slot), Root: anchor.Root}
	anchor.UnrealizedJustified = cp
	s := &Store{
		cfg:                 cfg,
		balances:            balances,
		timeMs:              uint64(anchor.Slot) * cfg.SlotDurationMs,
		justified:           cp,
		finalized:           cp,
		unrealizedJustified: cp,
		unrealizedFinal:     cp,
		oldestParentRoot:    anchor.ParentRoot,
		ffgs:                []ffgInfo{ffgOf(&anchor)},
	}
	s.nodes = append(s.nodes, node{root: anchor.Root, slot: anchor.Slot, parent: -1})
	s.link(0)
	s.index.add(s.nodes, 0)
	return s
}

// SetAutoPrune turns on (or off) calling Prune whenever the store's finalized
// checkpoint advances. It is off by default.
func (s *Store) SetAutoPrune(on bool) { s.autoPrune = on }

// Justified returns store.justified_checkpoint.
func (s *Store) Justified() consensus.Checkpoint { return s.justified }

// Finalized returns store.finalized_checkpoint.
func (s *Store) Finalized() consensus.Checkpoint { return s.finalized }

// UnrealizedJustified returns store.unrealized_justified_checkpoint.
func (s *Store) UnrealizedJustified() consensus.Checkpoint { return s.unrealizedJustified }

// UnrealizedFinalized returns store.unrealized_finalized_checkpoint.
func (s *Store) UnrealizedFinalized() consensus.Checkpoint { return s.unrealizedFinal }

// ProposerBoostRoot returns store.proposer_boost_root (the zero Root when unset).
func (s *Store) ProposerBoostRoot() consensus.Root { return s.proposerBoostRoot }

// CurrentSlot returns get_current_slot(store).
//
// Spec definition:
//
//	def get_slots_since_genesis(store: Store) -> int:
//	    return (store.time - store.genesis_time) * 1000 // SLOT_DURATION_MS
//
//	def get_current_slot(store: Store) -> Slot:
//	    return Slot(GENESIS_SLOT + get_slots_since_genesis(store))
func (s *Store) CurrentSlot() consensus.Slot {
	return consensus.Slot(s.timeMs / s.cfg.SlotDurationMs)
}

// currentEpoch is get_current_store_epoch.
//
// Spec definition:
//
//	def get_current_store_epoch(store: Store) -> Epoch:
//	    return compute_epoch_at_slot(get_current_slot(store))
func (s *Store) currentEpoch() consensus.Epoch {
	return consensus.ComputeEpochAtSlot(s.cfg, s.CurrentSlot())
}

// lookup returns the index of the block with root.
func (s *Store) lookup(root consensus.Root) (int32, bool) {
	return s.index.find(s.nodes, &root)
}

// HasBlock reports whether root is in store.blocks.
func (s *Store) HasBlock(root consensus.Root) bool {
	_, ok := s.lookup(root)
	return ok
}

// BlockCount returns the number of blocks in the store.
func (s *Store) BlockCount() int { return len(s.nodes) }

// Block returns the BlockInfo stored for root.
func (s *Store) Block(root consensus.Root) (BlockInfo, bool) {
	i, ok := s.lookup(root)
	if !ok {
		return BlockInfo{}, false
	}
	return s.blockInfo(i), true
}

// IsTimely returns store.block_timeliness[root] (false for unknown roots).
func (s *Store) IsTimely(root consensus.Root) bool {
	i, ok := s.lookup(root)
	return ok && s.nodes[i].timely
}

// Ancestor is get_ancestor: the block of root's chain at slot (the latest
// block with a slot not after slot). It returns the zero Root for an unknown
// root; below the oldest block of the store it returns that block.
func (s *Store) Ancestor(root consensus.Root, slot consensus.Slot) consensus.Root {
	i, ok := s.lookup(root)
	if !ok {
		return consensus.Root{}
	}
	return s.nodes[s.ancestor(i, slot)].root
}

// checkpointBlock is get_checkpoint_block over node indices.
//
// Spec definition:
//
//	def get_checkpoint_block(store: Store, root: Root, epoch: Epoch) -> Root:
//	    """
//	    Compute the checkpoint block for epoch ``epoch`` in the chain of block ``root``
//	    """
//	    epoch_first_slot = compute_start_slot_at_epoch(epoch)
//	    node = ForkChoiceNode(root=root)
//	    return get_ancestor(store, node, epoch_first_slot).root
func (s *Store) checkpointBlock(i int32, epoch consensus.Epoch) consensus.Root {
	return s.nodes[s.ancestor(i, consensus.ComputeStartSlotAtEpoch(s.cfg, epoch))].root
}

// CheckpointBlock is get_checkpoint_block (zero Root for an unknown root).
func (s *Store) CheckpointBlock(root consensus.Root, epoch consensus.Epoch) consensus.Root {
	i, ok := s.lookup(root)
	if !ok {
		return consensus.Root{}
	}
	return s.checkpointBlock(i, epoch)
}

// OnTick advances the store clock to timeMs (milliseconds since genesis).
// Time never goes back: a timeMs not after the store's time is ignored. A
// jump over several slots has the effect of the spec's slot-by-slot loop:
// the boost is reset and, if an epoch boundary was crossed, the unrealized
// checkpoints are realized.
//
// Spec definition:
//
//	def on_tick(store: Store, time: Uint64) -> None:
//	    # If the ``store.time`` falls behind, while loop catches up slot by slot
//	    # to ensure that every previous slot is processed with ``on_tick_per_slot``
//	    tick_slot = (time - store.genesis_time) * 1000 // SLOT_DURATION_MS
//	    while get_current_slot(store) < tick_slot:
//	        previous_time = (
//	            store.genesis_time + (get_current_slot(store) + 1) * SLOT_DURATION_MS // 1000
//	        )
//	        on_tick_per_slot(store, previous_time)
//	    on_tick_per_slot(store, time)
//
//	def on_tick_per_slot(store: Store, time: Uint64) -> None:
//	    previous_slot = get_current_slot(store)
//
//	    # Update store time
//	    store.time = time
//
//	    current_slot = get_current_slot(store)
//
//	    # If this is a new slot, reset store.proposer_boost_root
//	    if current_slot > previous_slot:
//	        store.proposer_boost_root = Root()
//
//	    # If a new epoch, pull-up justification and finalization from previous epoch
//	    if current_slot > previous_slot and compute_slots_since_epoch_start(current_slot) == 0:
//	        update_checkpoints(
//	            store, store.unrealized_justified_checkpoint, store.unrealized_finalized_checkpoint
//	        )
func (s *Store) OnTick(timeMs uint64) {
	if timeMs <= s.timeMs {
		return
	}
	prev := s.CurrentSlot()
	s.timeMs = timeMs
	cur := s.CurrentSlot()
	if cur == prev {
		return
	}
	s.version++
	s.proposerBoostRoot = consensus.Root{}
	s.trimRecent(cur)
	// Some slot in (prev, cur] starts an epoch iff the epoch changed; the
	// repeated update_checkpoints calls of the loop all use the same values.
	if consensus.ComputeEpochAtSlot(s.cfg, cur) > consensus.ComputeEpochAtSlot(s.cfg, prev) {
		s.updateCheckpoints(s.unrealizedJustified, s.unrealizedFinal)
	}
}

// updateCheckpoints is update_checkpoints.
//
// Spec definition:
//
//	def update_checkpoints(
//	    store: Store, justified_checkpoint: Checkpoint, finalized_checkpoint: Checkpoint
//	) -> None:
//	    """
//	    Update checkpoints in store if necessary
//	    """
//	    # Update justified checkpoint
//	    if justified_checkpoint.epoch > store.justified_checkpoint.epoch:
//	        store.justified_checkpoint = justified_checkpoint
//
//	    # Update finalized checkpoint
//	    if finalized_checkpoint.epoch > store.finalized_checkpoint.epoch:
//	        store.finalized_checkpoint = finalized_checkpoint
func (s *Store) updateCheckpoints(justified, finalized consensus.Checkpoint) {
	if justified.Epoch > s.justified.Epoch {
		s.justified = justified
	}
	if finalized.Epoch > s.finalized.Epoch {
		s.finalized = finalized
		if s.autoPrune {
			s.Prune()
		}
	}
}

// updateUnrealizedCheckpoints is update_unrealized_checkpoints.
//
// Spec definition:
//
//	def update_unrealized_checkpoints(
//	    store: Store,
//	    unrealized_justified_checkpoint: Checkpoint,
//	    unrealized_finalized_checkpoint: Checkpoint,
//	) -> None:
//	    """
//	    Update unrealized checkpoints in store if necessary
//	    """
//	    # Update unrealized justified checkpoint
//	    if unrealized_justified_checkpoint.epoch > store.unrealized_justified_checkpoint.epoch:
//	        store.unrealized_justified_checkpoint = unrealized_justified_checkpoint
//
//	    # Update unrealized finalized checkpoint
//	    if unrealized_finalized_checkpoint.epoch > store.unrealized_finalized_checkpoint.epoch:
//	        store.unrealized_finalized_checkpoint = unrealized_finalized_checkpoint
func (s *Store) updateUnrealizedCheckpoints(justified, finalized consensus.Checkpoint) {
	if justified.Epoch > s.unrealizedJustified.Epoch {
		s.unrealizedJustified = justified
	}
	if finalized.Epoch > s.unrealizedFinal.Epoch {
		s.unrealizedFinal = finalized
	}
}

// isTimely is the timeliness part of record_block_timeliness for a block at
// slot arriving now: the block is for the current slot and arrives before
// the attestation deadline.
//
// Spec definition:
//
//	def record_block_timeliness(store: Store, root: Root) -> None:
//	    block = store.blocks[root]
//	    seconds_since_genesis = store.time - store.genesis_time
//	    time_into_slot_ms = seconds_to_milliseconds(seconds_since_genesis) % SLOT_DURATION_MS
//	    attestation_threshold_ms = get_attestation_due_ms()
//	    is_before_attesting_interval = time_into_slot_ms < attestation_threshold_ms
//	    is_timely = get_current_slot(store) == block.slot and is_before_attesting_interval
//	    store.block_timeliness[root] = is_timely
//
//	def get_slot_component_duration_ms(basis_points: Uint64) -> Uint64:
//	    return basis_points * SLOT_DURATION_MS // BASIS_POINTS
//
//	def get_attestation_due_ms() -> Uint64:
//	    return get_slot_component_duration_ms(ATTESTATION_DUE_BPS)
func (s *Store) isTimely(slot consensus.Slot) bool {
	intoSlot := s.timeMs % s.cfg.SlotDurationMs
	return s.CurrentSlot() == slot && intoSlot < s.cfg.AttestationDueMs()
}

// shufflingDependentRoot is get_shuffling_dependent_root over node indices.
//
// Spec definition:
//
//	def compute_shuffling_dependent_slot(epoch: Epoch) -> Slot:
//	    if epoch <= MIN_SEED_LOOKAHEAD:
//	        return GENESIS_SLOT
//	    return compute_start_slot_at_epoch(epoch - MIN_SEED_LOOKAHEAD) - Slot(1)
//
//	def get_shuffling_dependent_root(store: Store, root: Root, epoch: Epoch) -> Root:
//	    node = ForkChoiceNode(root=root)
//	    dependent_slot = compute_shuffling_dependent_slot(epoch)
//	    return get_ancestor(store, node, dependent_slot).root
func (s *Store) shufflingDependentRoot(i int32, epoch consensus.Epoch) consensus.Root {
	slot := consensus.GenesisSlot
	if uint64(epoch) > s.cfg.MinSeedLookahead {
		slot = consensus.ComputeStartSlotAtEpoch(s.cfg, epoch-consensus.Epoch(s.cfg.MinSeedLookahead)) - 1
	}
	return s.nodes[s.ancestor(i, slot)].root
}

// OnBlock adds a block whose post-state the engine has computed and
// validated. A block already in the store is ignored. The block's parent must
// be in the store, its slot must not be in the future, and it must descend
// from the finalized checkpoint. The block gets the proposer boost if it is
// timely and the first timely block of the slot with the same shuffling
// dependent root as the head; then the store's checkpoints are updated from
// its realized and pulled-up (unrealized) checkpoints.
//
// Spec definition (Deneb on_block without the data-availability check; the
// state transition is the engine's):
//
//	def on_block(store: Store, signed_block: SignedBeaconBlock) -> None:
//	    block = signed_block.message
//	    block_root = hash_tree_root(block)
//
//	    # Return early if the block is already known
//	    if block_root in store.blocks:
//	        return
//
//	    # Parent block must be known
//	    assert block.parent_root in store.block_states
//	    # Blocks cannot be in the future. If they are, their consideration must be delayed until they are in the past.
//	    assert get_current_slot(store) >= block.slot
//
//	    # Check that block is later than the finalized epoch slot (optimization to reduce calls to get_ancestor)
//	    finalized_slot = compute_start_slot_at_epoch(store.finalized_checkpoint.epoch)
//	    assert block.slot > finalized_slot
//	    # Check block is a descendant of the finalized block at the checkpoint finalized slot
//	    finalized_checkpoint_block = get_checkpoint_block(
//	        store,
//	        block.parent_root,
//	        store.finalized_checkpoint.epoch,
//	    )
//	    assert store.finalized_checkpoint.root == finalized_checkpoint_block
//
//	    # Check the block is valid and compute the post-state
//	    state = copy(store.block_states[block.parent_root])
//	    state_transition(state, signed_block, validate_result=True)
//
//	    # Compute head before applying the block
//	    head = get_head(store)
//	    # Add new block to the store
//	    store.blocks[block_root] = block
//	    # Add new state for this block to the store
//	    store.block_states[block_root] = state
//
//	    record_block_timeliness(store, block_root)
//	    update_proposer_boost_root(store, head.root, block_root)
//
//	    # Update checkpoints in store if necessary
//	    update_checkpoints(store, state.current_justified_checkpoint, state.finalized_checkpoint)
//
//	    # Eagerly compute unrealized justification and finality.
//	    compute_pulled_up_tip(store, block_root)
//
//	def update_proposer_boost_root(store: Store, head: Root, root: Root) -> None:
//	    is_first_block = store.proposer_boost_root == Root()
//	    is_timely = store.block_timeliness[root]
//	    epoch = get_current_store_epoch(store)
//	    head_dependent_root = get_shuffling_dependent_root(store, head, epoch)
//	    block_dependent_root = get_shuffling_dependent_root(store, root, epoch)
//	    is_same_dependent_root = head_dependent_root == block_dependent_root
//
//	    # Add proposer score boost if the block is timely, not conflicting with an
//	    # existing block, with the same dependent root as the canonical chain head.
//	    if is_timely and is_first_block and is_same_dependent_root:
//	        store.proposer_boost_root = root
//
//	def compute_pulled_up_tip(store: Store, block_root: Root) -> None:
//	    state = store.block_states[block_root].copy()
//	    # Pull up the post-state of the block to the next epoch boundary
//	    process_justification_and_finalization(state)
//
//	    store.unrealized_justifications[block_root] = state.current_justified_checkpoint
//	    update_unrealized_checkpoints(
//	        store, state.current_justified_checkpoint, state.finalized_checkpoint
//	    )
//
//	    # If the block is from a prior epoch, apply the realized values
//	    block_epoch = compute_epoch_at_slot(store.blocks[block_root].slot)
//	    current_epoch = get_current_store_epoch(store)
//	    if block_epoch < current_epoch:
//	        update_checkpoints(store, state.current_justified_checkpoint, state.finalized_checkpoint)
func (s *Store) OnBlock(b BlockInfo) error {
	if s.HasBlock(b.Root) {
		return nil
	}
	p, ok := s.lookup(b.ParentRoot)
	if !ok {
		return fmt.Errorf("block %x at slot %d: %w", b.Root[:4], b.Slot, ErrUnknownParent)
	}
	if b.Slot <= s.nodes[p].slot {
		return fmt.Errorf("block %x at slot %d, parent at slot %d: %w", b.Root[:4], b.Slot, s.nodes[p].slot, ErrBlockSlot)
	}
	if b.Slot > s.CurrentSlot() {
		return fmt.Errorf("block %x at slot %d, current slot %d: %w", b.Root[:4], b.Slot, s.CurrentSlot(), ErrFutureBlock)
	}
	if b.Slot <= consensus.ComputeStartSlotAtEpoch(s.cfg, s.finalized.Epoch) ||
		s.checkpointBlock(p, s.finalized.Epoch) != s.finalized.Root {
		return fmt.Errorf("block %x at slot %d, finalized epoch %d: %w", b.Root[:4], b.Slot, s.finalized.Epoch, ErrNotDescendant)
	}

	timely := s.isTimely(b.Slot)
	// The pre-block head matters only when the boost can be granted, so it
	// is computed only then (get_head has no side effects).
	var headIdx int32 = -1
	if timely && s.proposerBoostRoot == (consensus.Root{}) {
		headIdx = s.head()
	}

	s.version++
	idx := int32(len(s.nodes))
	s.nodes = append(s.nodes, node{root: b.Root, slot: b.Slot, parent: p, ffg: s.ffgIndex(p, ffgOf(&b)), timely: timely})
	s.link(idx)
	s.index.add(s.nodes, idx)
	s.noteProposer(&b)

	if headIdx >= 0 {
		epoch := s.currentEpoch()
		if s.shufflingDependentRoot(headIdx, epoch) == s.shufflingDependentRoot(idx, epoch) {
			s.proposerBoostRoot = b.Root
		}
	}

	s.updateCheckpoints(b.JustifiedCheckpoint, b.FinalizedCheckpoint)

	s.updateUnrealizedCheckpoints(b.UnrealizedJustified, b.UnrealizedFinalized)
	if consensus.ComputeEpochAtSlot(s.cfg, b.Slot) < s.currentEpoch() {
		s.updateCheckpoints(b.UnrealizedJustified, b.UnrealizedFinalized)
	}
	return nil
}

// OnAttestation applies the LMD votes of validators (the attesting indices
// of one attestation whose signature and committee the engine has checked
// against the target checkpoint state) with data. fromBlock is the spec's
// is_from_block: attestations included in blocks skip the target-epoch
// window check. Invalid attestations leave the store unchanged; ones
// rejected for ErrTargetEpoch (future), ErrUnknownBlock or ErrEarlyAttestation
// may become valid later and can be retried.
//
// Spec definition:
//
//	def on_attestation(store: Store, attestation: Attestation, is_from_block: bool = False) -> None:
//	    validate_on_attestation(store, attestation, is_from_block)
//
//	    store_target_checkpoint_state(store, attestation.data.target)
//
//	    # Get state at the `target` to fully validate attestation
//	    target_state = store.checkpoint_states[attestation.data.target]
//	    indexed_attestation = get_indexed_attestation(target_state, attestation)
//	    assert is_valid_indexed_attestation(target_state, indexed_attestation)
//
//	    # Update latest messages for attesting indices
//	    update_latest_messages(store, indexed_attestation.attesting_indices, attestation)
//
//	def update_latest_messages(
//	    store: Store, attesting_indices: Sequence[ValidatorIndex], attestation: Attestation
//	) -> None:
//	    target = attestation.data.target
//	    beacon_block_root = attestation.data.beacon_block_root
//	    non_equivocating_attesting_indices = [
//	        i for i in attesting_indices if i not in store.equivocating_indices
//	    ]
//	    for i in non_equivocating_attesting_indices:
//	        if i not in store.latest_messages or target.epoch > store.latest_messages[i].epoch:
//	            store.latest_messages[i] = LatestMessage(epoch=target.epoch, root=beacon_block_root)
func (s *Store) OnAttestation(validators []consensus.ValidatorIndex, data consensus.AttestationData, fromBlock bool) error {
	blockIdx, err := s.validateOnAttestation(&data, fromBlock)
	if err != nil {
		return err
	}
	var maxIdx consensus.ValidatorIndex
	for _, v := range validators {
		if v >= MaxValidators {
			return fmt.Errorf("validator %d: %w", v, ErrValidatorIndex)
		}
		maxIdx = max(maxIdx, v)
	}
	if len(validators) == 0 {
		return nil
	}
	s.growVotes(maxIdx)
	for _, v := range validators {
		m := &s.votes[v]
		if m.equivo {
			continue
		}
		if !m.has || data.Target.Epoch > m.epoch {
			m.has = true
			m.epoch = data.Target.Epoch
			m.node = blockIdx
			s.voteSegs[v] = s.nodes[blockIdx].seg
			s.version++
		}
	}
	return nil
}

func (s *Store) growVotes(maxIdx consensus.ValidatorIndex) {
	if int(maxIdx) < len(s.votes) {
		return
	}
	n := int(maxIdx) + 1
	if n < 2*len(s.votes) {
		n = 2 * len(s.votes)
	}
	if n > MaxValidators {
		n = MaxValidators
	}
	grown := make([]latestMessage, n)
	copy(grown, s.votes)
	s.votes = grown
	segs := make([]int32, n)
	for v := copy(segs, s.voteSegs); v < n; v++ {
		segs[v] = -1
	}
	s.voteSegs = segs
}

// validateOnAttestation is validate_on_attestation; it returns the index of
// the voted block.
//
// Spec definition:
//
//	def validate_target_epoch_against_current_time(store: Store, attestation: Attestation) -> None:
//	    target = attestation.data.target
//
//	    # Attestations must be from the current or previous epoch
//	    current_epoch = get_current_store_epoch(store)
//	    # Use GENESIS_EPOCH for previous when genesis to avoid underflow
//	    previous_epoch = current_epoch - 1 if current_epoch > GENESIS_EPOCH else GENESIS_EPOCH
//	    # If attestation target is from a future epoch, delay consideration until the epoch arrives
//	    assert target.epoch in [current_epoch, previous_epoch]
//
//	def validate_on_attestation(store: Store, attestation: Attestation, is_from_block: bool) -> None:
//	    target = attestation.data.target
//
//	    # If the given attestation is not from a beacon block message, we have to check the target epoch scope.
//	    if not is_from_block:
//	        validate_target_epoch_against_current_time(store, attestation)
//
//	    # Check that the epoch number and slot number are matching
//	    assert target.epoch == compute_epoch_at_slot(attestation.data.slot)
//
//	    # Attestation target must be for a known block. If target block is unknown, delay consideration until block is found
//	    assert target.root in store.blocks
//
//	    # Attestations must be for a known block. If block is unknown, delay consideration until the block is found
//	    assert attestation.data.beacon_block_root in store.blocks
//	    # Attestations must not be for blocks in the future. If not, the attestation should not be considered
//	    assert store.blocks[attestation.data.beacon_block_root].slot <= attestation.data.slot
//
//	    # LMD vote must be consistent with FFG vote target
//	    assert target.root == get_checkpoint_block(
//	        store, attestation.data.beacon_block_root, target.epoch
//	    )
//
//	    # Attestations can only affect the fork choice of subsequent slots.
//	    # Delay consideration in the fork choice until their slot is in the past.
//	    assert get_current_slot(store) >= attestation.data.slot + 1
func (s *Store) validateOnAttestation(data *consensus.AttestationData, fromBlock bool) (int32, error) {
	target := data.Target
	if !fromBlock {
		cur := s.currentEpoch()
		prev := cur
		if cur > consensus.GenesisEpoch {
			prev = cur - 1
		}
		if target.Epoch != cur && target.Epoch != prev {
			return -1, fmt.Errorf("target epoch %d, current epoch %d: %w", target.Epoch, cur, ErrTargetEpoch)
		}
	}
	if target.Epoch != consensus.ComputeEpochAtSlot(s.cfg, data.Slot) {
		return -1, fmt.Errorf("target epoch %d, attestation slot %d: %w", target.Epoch, data.Slot, ErrTargetMismatch)
	}
	if !s.HasBlock(target.Root) {
		return -1, fmt.Errorf("target root %x: %w", target.Root[:4], ErrUnknownBlock)
	}
	bi, ok := s.lookup(data.BeaconBlockRoot)
	if !ok {
		return -1, fmt.Errorf("head root %x: %w", data.BeaconBlockRoot[:4], ErrUnknownBlock)
	}
	if s.nodes[bi].slot > data.Slot {
		return -1, fmt.Errorf("head block slot %d, attestation slot %d: %w", s.nodes[bi].slot, data.Slot, ErrFutureVote)
	}
	if s.checkpointBlock(bi, target.Epoch) != target.Root {
		return -1, fmt.Errorf("target root %x not the epoch-%d checkpoint of head %x: %w", target.Root[:4], target.Epoch, data.BeaconBlockRoot[:4], ErrTargetMismatch)
	}
	if s.CurrentSlot() < data.Slot+1 {
		return -1, fmt.Errorf("attestation slot %d, current slot %d: %w", data.Slot, s.CurrentSlot(), ErrEarlyAttestation)
	}
	return bi, nil
}

// OnAttesterSlashing marks indices as equivocating: their latest messages
// never count again and their future votes are ignored. indices is the
// intersection of the two attestations' attesting indices of an attester
// slashing the engine has validated. Indices beyond MaxValidators are
// ignored.
//
// Spec definition:
//
//	def on_attester_slashing(store: Store, attester_slashing: AttesterSlashing) -> None:
//	    attestation_1 = attester_slashing.attestation_1
//	    attestation_2 = attester_slashing.attestation_2
//	    assert is_slashable_attestation_data(attestation_1.data, attestation_2.data)
//	    state = store.block_states[store.justified_checkpoint.root]
//	    assert is_valid_indexed_attestation(state, attestation_1)
//	    assert is_valid_indexed_attestation(state, attestation_2)
//
//	    indices = set(attestation_1.attesting_indices).intersection(attestation_2.attesting_indices)
//	    for index in indices:
//	        store.equivocating_indices.add(index)
func (s *Store) OnAttesterSlashing(indices []consensus.ValidatorIndex) {
	var maxIdx consensus.ValidatorIndex
	found := false
	for _, v := range indices {
		if v < MaxValidators {
			maxIdx = max(maxIdx, v)
			found = true
		}
	}
	if !found {
		return
	}
	s.growVotes(maxIdx)
	for _, v := range indices {
		if v < MaxValidators && !s.votes[v].equivo {
			s.equivocators++
			s.votes[v].equivo = true
			s.voteSegs[v] = -1
			s.version++
		}
	}
}

// IsEquivocating reports whether v is in store.equivocating_indices.
func (s *Store) IsEquivocating(v consensus.ValidatorIndex) bool {
	return int(v) < len(s.votes) && s.votes[v].equivo
}

// Prune drops every block that does not descend from the finalized
// checkpoint block (its ancestors included); the finalized block becomes the
// oldest block of the store. Latest messages for dropped blocks stay
// recorded (their epochs still gate update_latest_messages) but support no
// block. Prune does nothing if the finalized root is not in the store.
// Dropped blocks cannot change Head: they are outside the finalized
// block's subtree, which holds the justified checkpoint block whenever the
// store's checkpoints are consistent.
func (s *Store) Prune() {
	f, ok := s.lookup(s.finalized.Root)
	if !ok {
		return
	}
	remap, n := s.subtreeIndices(f)
	if n == len(s.nodes) {
		return
	}
	if p := s.nodes[f].parent; p >= 0 {
		s.oldestParentRoot = s.nodes[p].root
	}
	s.keepNodes(remap, n)
	for i := range s.votes {
		if s.votes[i].has && s.votes[i].node >= 0 {
			s.votes[i].node = remap[s.votes[i].node]
		}
	}
	s.version++
}

// subtreeIndices returns the index every block gets when only f and its
// descendants are kept (-1 for the others), and how many are kept.
func (s *Store) subtreeIndices(f int32) ([]int32, int) {
	remap := make([]int32, len(s.nodes))
	n := 0
	for i := range s.nodes {
		remap[i] = -1
		if p := s.nodes[i].parent; int32(i) == f || int32(i) > f && p >= 0 && remap[p] >= 0 {
			remap[i] = int32(n)
			n++
		}
	}
	return remap, n
}

// keepNodes keeps the n blocks remap gives an index and rebuilds what
// depends on block indices: parents, links and segments, the shared
// checkpoint entries and the root index.
func (s *Store) keepNodes(remap []int32, n int) {
	kept := make([]node, 0, n)
	for i := range s.nodes {
		if remap[i] >= 0 {
			kept = append(kept, s.nodes[i])
		}
	}
	kept[0].parent = -1
	for i := 1; i < n; i++ {
		kept[i].parent = remap[kept[i].parent]
	}
	s.nodes = kept
	s.compactFFGs()
	s.segs = s.segs[:0]
	for i := range s.nodes {
		s.link(int32(i))
	}
	s.segsMoved = true
	s.index.rebuild(s.nodes)
}

// compactFFGs drops the entries of s.ffgs no block uses any more.
func (s *Store) compactFFGs() {
	remap := make([]int32, len(s.ffgs))
	for k := range remap {
		remap[k] = -1
	}
	var kept []ffgInfo
	for i := range s.nodes {
		k := s.nodes[i].ffg
		if remap[k] < 0 {
			remap[k] = int32(len(kept))
			kept = append(kept, s.ffgs[k])
		}
		s.nodes[i].ffg = remap[k]
	}
	s.ffgs = kept
}
