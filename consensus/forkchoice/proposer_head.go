package forkchoice

import (
	"errors"
	"fmt"

	"github.com/stakesim/stakesim/consensus"
)

// The re-org parameters of get_proposer_head (phase0 fork-choice.md,
// configs/*.yaml). Config has no fields for them; both presets use these
// values.
const (
	// reorgHeadWeightThreshold is REORG_HEAD_WEIGHT_THRESHOLD, in percent
	// of a committee's weight.
	reorgHeadWeightThreshold = 20
	// reorgParentWeightThreshold is REORG_PARENT_WEIGHT_THRESHOLD, in
	// percent of a committee's weight.
	reorgParentWeightThreshold = 160
	// reorgMaxEpochsSinceFinalization is REORG_MAX_EPOCHS_SINCE_FINALIZATION.
	reorgMaxEpochsSinceFinalization = 2
	// ProposerReorgCutoffBps is PROPOSER_REORG_CUTOFF_BPS.
	ProposerReorgCutoffBps = 1667
)

var (
	// ErrBoostOnHead: ProposerHead was asked about the block that holds
	// the proposer boost (the spec asserts the boost has worn off).
	ErrBoostOnHead = errors.New("forkchoice: proposer head: the head still holds the proposer boost")
	// ErrProposerSlot: ProposerHead was asked about a slot before the
	// store's current slot.
	ErrProposerSlot = errors.New("forkchoice: proposer head: slot before the current slot")
)

// recentBlock is one block of the current or previous slot: enough for
// is_proposer_equivocation.
type recentBlock struct {
	root     consensus.Root
	slot     consensus.Slot
	proposer consensus.ValidatorIndex
}

// noteProposer records a block just added, if it is for the current or the
// previous slot (the only ones is_proposer_equivocation is asked about; see
// ProposerHead).
func (s *Store) noteProposer(b *BlockInfo) {
	if b.Slot+1 >= s.CurrentSlot() {
		s.recent = append(s.recent, recentBlock{root: b.Root, slot: b.Slot, proposer: b.ProposerIndex})
	}
}

// trimRecent drops the proposers of blocks older than the slot before cur.
func (s *Store) trimRecent(cur consensus.Slot) {
	kept := s.recent[:0]
	for _, r := range s.recent {
		if r.slot+1 >= cur {
			kept = append(kept, r)
		}
	}
	clear(s.recent[len(kept):])
	s.recent = kept
}

// CommitteesFunc returns the members of every beacon committee of slot in
// the post-state of block root: get_beacon_committee(head_state, slot, i)
// for each committee index i of the slot, concatenated.
type CommitteesFunc func(root consensus.Root, slot consensus.Slot) []consensus.ValidatorIndex

// ProposerHead returns get_proposer_head(store, head, slot): the block an
// honest proposer of slot builds on, given head = Head(). It is head's
// parent when head is a late, weak, single-slot block the proposer boost of
// the new block can re-org (every condition below holds), or when head is
// weak and its proposer equivocated; otherwise head. slot must not be
// before the store's current slot (ErrProposerSlot): a proposer asks at
// its own slot, after OnTick. committees gives the head slot's committees
// for is_head_weak; it is called only when some validator is equivocating,
// and may be nil when none can be (then no committee weight is added).
// head must be in the store (ErrUnknownBlock) and must not hold the
// proposer boost (ErrBoostOnHead). A head whose parent is not in the store
// (the oldest block) is returned as it is.
//
// Spec definition:
//
//	def get_proposer_head(store: Store, head_node: ForkChoiceNode, slot: Slot) -> ForkChoiceNode:
//	    head_block = store.blocks[head_node.root]
//	    parent_root = head_block.parent_root
//	    parent_block = store.blocks[parent_root]
//	    parent_node = ForkChoiceNode(root=parent_root)
//
//	    # Only re-org the head block if it arrived later than the attestation deadline.
//	    head_late = is_head_late(store, head_node.root)
//
//	    # Do not re-org on an epoch boundary.
//	    not_epoch_boundary = is_not_epoch_boundary(slot)
//
//	    # Ensure that the FFG information of the new head will be competitive with the current head.
//	    ffg_competitive = is_ffg_competitive(store, head_node.root, parent_root)
//
//	    # Do not re-org if the chain is not finalizing with acceptable frequency.
//	    finalization_ok = is_finalization_ok(store, slot)
//
//	    # Only re-org if we are proposing on-time.
//	    proposing_on_time = is_proposing_on_time(store)
//
//	    # Only re-org a single slot at most.
//	    parent_slot_ok = parent_block.slot + 1 == head_block.slot
//	    current_time_ok = head_block.slot + 1 == slot
//	    single_slot_reorg = parent_slot_ok and current_time_ok
//
//	    # Check that the head has few enough votes to be overpowered by our proposer boost.
//	    assert store.proposer_boost_root != head_node.root  # ensure boost has worn off
//	    head_weak = is_head_weak(store, head_node.root)
//
//	    # Check that the missing votes are assigned to the parent and not being hoarded.
//	    parent_strong = is_parent_strong(store, head_node.root)
//
//	    # Re-org more aggressively if there is a proposer equivocation in the previous slot.
//	    proposer_equivocation = is_proposer_equivocation(store, head_node.root)
//
//	    if all([
//	        head_late,
//	        not_epoch_boundary,
//	        ffg_competitive,
//	        finalization_ok,
//	        proposing_on_time,
//	        single_slot_reorg,
//	        head_weak,
//	        parent_strong,
//	    ]):
//	        # We can re-org the current head by building upon its parent node.
//	        return parent_node
//	    elif all([head_weak, current_time_ok, proposer_equivocation]):
//	        return parent_node
//	    else:
//	        return head_node
//
// The spec allows evaluating the conditions in any order and stopping at
// the first false one; the weights, the costly part, are computed last.
func (s *Store) ProposerHead(head consensus.Root, slot consensus.Slot, committees CommitteesFunc) (consensus.Root, error) {
	h, ok := s.lookup(head)
	if !ok {
		return head, fmt.Errorf("proposer head %x: %w", head[:4], ErrUnknownBlock)
	}
	if slot < s.CurrentSlot() {
		return head, fmt.Errorf("slot %d, current slot %d: %w", slot, s.CurrentSlot(), ErrProposerSlot)
	}
	if s.proposerBoostRoot == head {
		return head, fmt.Errorf("proposer head %x: %w", head[:4], ErrBoostOnHead)
	}
	p := s.nodes[h].parent
	if p < 0 {
		return head, nil
	}
	if s.nodes[h].slot+1 != slot { // current_time_ok, needed by both branches
		return head, nil
	}
	c := s.reorgChecks(h, p, slot)
	if !c.all() && !s.isProposerEquivocation(h) {
		return head, nil
	}
	if !s.isHeadWeak(h, committees) {
		return head, nil
	}
	if c.all() && s.isParentStrong(h) {
		return s.nodes[p].root, nil
	}
	if s.isProposerEquivocation(h) {
		return s.nodes[p].root, nil
	}
	return head, nil
}

// reorgChecks are the cheap conditions of get_proposer_head's first
// branch (current_time_ok is checked before).
type reorgChecks struct {
	headLate, notEpochBoundary, ffgCompetitive, finalizationOK, proposingOnTime, parentSlotOK bool
}

func (c reorgChecks) all() bool {
	return c.headLate && c.notEpochBoundary && c.ffgCompetitive && c.finalizationOK && c.proposingOnTime && c.parentSlotOK
}

// reorgChecks evaluates them for head h with parent p at slot.
func (s *Store) reorgChecks(h, p int32, slot consensus.Slot) reorgChecks {
	return reorgChecks{
		headLate:         s.isHeadLate(h),
		notEpochBoundary: s.isNotEpochBoundary(slot),
		ffgCompetitive:   s.isFFGCompetitive(h, p),
		finalizationOK:   s.isFinalizationOK(slot),
		proposingOnTime:  s.isProposingOnTime(),
		parentSlotOK:     s.nodes[p].slot+1 == s.nodes[h].slot,
	}
}

// isHeadLate is is_head_late over node indices: the block did not arrive
// timely (record_block_timeliness, quoted at isTimely).
//
// Spec definition:
//
//	def is_head_late(store: Store, head_root: Root) -> bool:
//	    return not store.block_timeliness[head_root]
func (s *Store) isHeadLate(h int32) bool { return !s.nodes[h].timely }

// isNotEpochBoundary is is_not_epoch_boundary.
//
// Spec definition:
//
//	def is_not_epoch_boundary(slot: Slot) -> bool:
//	    return slot % SLOTS_PER_EPOCH != 0
func (s *Store) isNotEpochBoundary(slot consensus.Slot) bool {
	return uint64(slot)%s.cfg.SlotsPerEpoch != 0
}

// isFFGCompetitive is is_ffg_competitive over node indices: head and parent
// have the same unrealized justified checkpoint (BlockInfo.UnrealizedJustified,
// the store's unrealized_justifications).
//
// Spec definition:
//
//	def is_ffg_competitive(store: Store, head_root: Root, parent_root: Root) -> bool:
//	    return (
//	        store.unrealized_justifications[head_root] == store.unrealized_justifications[parent_root]
//	    )
func (s *Store) isFFGCompetitive(h, p int32) bool {
	return s.ffgs[s.nodes[h].ffg].unrealizedJustified == s.ffgs[s.nodes[p].ffg].unrealizedJustified
}

// isFinalizationOK is is_finalization_ok. A slot whose epoch is before the
// finalized epoch (never asked by a proposer) counts as 0 epochs since.
//
// Spec definition:
//
//	def is_finalization_ok(store: Store, slot: Slot) -> bool:
//	    epochs_since_finalization = compute_epoch_at_slot(slot) - store.finalized_checkpoint.epoch
//	    return epochs_since_finalization <= REORG_MAX_EPOCHS_SINCE_FINALIZATION
func (s *Store) isFinalizationOK(slot consensus.Slot) bool {
	e := consensus.ComputeEpochAtSlot(s.cfg, slot)
	return e <= s.finalized.Epoch || e-s.finalized.Epoch <= reorgMaxEpochsSinceFinalization
}

// isProposingOnTime is is_proposing_on_time: the store's time is at most
// PROPOSER_REORG_CUTOFF_BPS (1667/10000 of the slot) into its slot.
//
// Spec definition:
//
//	def is_proposing_on_time(store: Store) -> bool:
//	    seconds_since_genesis = store.time - store.genesis_time
//	    time_into_slot_ms = seconds_to_milliseconds(seconds_since_genesis) % SLOT_DURATION_MS
//	    proposer_reorg_cutoff_ms = get_proposer_reorg_cutoff_ms()
//	    return time_into_slot_ms <= proposer_reorg_cutoff_ms
//
//	def get_proposer_reorg_cutoff_ms() -> Uint64:
//	    return get_slot_component_duration_ms(PROPOSER_REORG_CUTOFF_BPS)
//
//	def get_slot_component_duration_ms(basis_points: Uint64) -> Uint64:
//	    return basis_points * SLOT_DURATION_MS // BASIS_POINTS
func (s *Store) isProposingOnTime() bool {
	return s.timeMs%s.cfg.SlotDurationMs <= s.proposerReorgCutoffMs()
}

// proposerReorgCutoffMs is get_proposer_reorg_cutoff_ms (quoted at
// isProposingOnTime).
func (s *Store) proposerReorgCutoffMs() uint64 {
	return s.cfg.SlotComponentDurationMs(ProposerReorgCutoffBps)
}

// isHeadWeak is is_head_weak over node indices: the head's attestation
// score, plus the justified-state effective balance of the equivocating
// validators in the head slot's committees, is below
// REORG_HEAD_WEIGHT_THRESHOLD percent of a committee. committees is asked
// only when some validator is equivocating.
//
// Spec definition:
//
//	def is_head_weak(store: Store, head_root: Root) -> bool:
//	    # Calculate weight threshold for weak head
//	    justified_state = store.checkpoint_states[store.justified_checkpoint]
//	    reorg_threshold = calculate_committee_fraction(justified_state, REORG_HEAD_WEIGHT_THRESHOLD)
//
//	    # Compute head weight including equivocations
//	    head_state = store.block_states[head_root]
//	    head_block = store.blocks[head_root]
//	    epoch = compute_epoch_at_slot(head_block.slot)
//	    head_node = ForkChoiceNode(root=head_root)
//	    head_weight = get_attestation_score(store, head_node, justified_state)
//	    for index in range(get_committee_count_per_slot(head_state, epoch)):
//	        committee = get_beacon_committee(head_state, head_block.slot, CommitteeIndex(index))
//	        head_weight += Gwei(
//	            sum(
//	                justified_state.validators[i].effective_balance
//	                for i in committee
//	                if i in store.equivocating_indices
//	            )
//	        )
//
//	    return head_weight < reorg_threshold
func (s *Store) isHeadWeak(h int32, committees CommitteesFunc) bool {
	w := s.attestationScore(h)
	if s.equivocators > 0 && committees != nil {
		s.justifiedBalances()
		eff := s.bal.effective
		for _, v := range committees(s.nodes[h].root, s.nodes[h].slot) {
			if s.IsEquivocating(v) && int(v) < len(eff) {
				w += eff[v]
			}
		}
	}
	return w < s.committeeFraction(reorgHeadWeightThreshold)
}

// isParentStrong is is_parent_strong for head h: the attestation score of
// h's parent is above REORG_PARENT_WEIGHT_THRESHOLD percent of a committee.
//
// Spec definition:
//
//	def is_parent_strong(store: Store, root: Root) -> bool:
//	    justified_state = store.checkpoint_states[store.justified_checkpoint]
//	    parent_threshold = calculate_committee_fraction(justified_state, REORG_PARENT_WEIGHT_THRESHOLD)
//	    parent_root = store.blocks[root].parent_root
//	    parent_node = ForkChoiceNode(root=parent_root)
//	    parent_weight = get_attestation_score(store, parent_node, justified_state)
//	    return parent_weight > parent_threshold
func (s *Store) isParentStrong(h int32) bool {
	return s.attestationScore(s.nodes[h].parent) > s.committeeFraction(reorgParentWeightThreshold)
}

// isProposerEquivocation is is_proposer_equivocation for head h: the store
// holds another block of h's slot by h's proposer. The store remembers
// proposers for the blocks of the current and previous slot only, which is
// where ProposerHead asks (current_time_ok: the head's slot is the one
// before the proposer's, not before the current slot); for an older head it
// returns false.
//
// Spec definition:
//
//	def is_proposer_equivocation(store: Store, root: Root) -> bool:
//	    block = store.blocks[root]
//	    proposer_index = block.proposer_index
//	    slot = block.slot
//	    # roots from the same slot and proposer
//	    matching_roots = [
//	        root
//	        for root, block in store.blocks.items()
//	        if (block.proposer_index == proposer_index and block.slot == slot)
//	    ]
//	    return len(matching_roots) > 1
func (s *Store) isProposerEquivocation(h int32) bool {
	nd := &s.nodes[h]
	proposer, found := consensus.ValidatorIndex(0), false
	for _, r := range s.recent {
		if r.root == nd.root {
			proposer, found = r.proposer, true
			break
		}
	}
	if !found {
		return false
	}
	n := 0
	for _, r := range s.recent {
		if r.slot == nd.slot && r.proposer == proposer {
			n++
		}
	}
	return n > 1
}
