package forkchoice

import (
	"bytes"

	"github.com/stakesim/stakesim/consensus"
)

// Head returns get_head(store): LMD-GHOST from the justified checkpoint block
// over the viable block tree, ties broken in favour of the larger root.
//
// One call costs O(validators + blocks): latest-message balances are summed
// per voted block once, subtree weights are accumulated in one reverse pass
// over the blocks (children are always stored after their parents), leaf
// viability is propagated up in the same order, and the walk from the
// justified block visits each block at most once. The result (and the
// weights behind it) is cached until the store changes, so calling Head
// twice without an intervening handler call is free.
//
// If the justified checkpoint block is not in the store (possible only after
// Prune with inconsistent checkpoints), the walk starts at the finalized
// block, or else at the oldest block.
//
// Spec definition:
//
//	def get_head(store: Store) -> ForkChoiceNode:
//	    # Get filtered block tree that only includes viable branches
//	    blocks = get_filtered_block_tree(store)
//	    # Execute the LMD-GHOST fork choice
//	    head = ForkChoiceNode(root=store.justified_checkpoint.root)
//	    while True:
//	        children = get_node_children(store, blocks, head)
//	        if len(children) == 0:
//	            return head
//	        # Sort by latest attesting balance with ties broken lexicographically
//	        # Ties broken by favoring block with lexicographically higher root
//	        head = max(children, key=lambda child: (get_weight(store, child), child.root))
//
//	def get_node_children(
//	    store: Store,
//	    blocks: Dict[Root, BeaconBlock],
//	    node: ForkChoiceNode,
//	) -> Sequence[ForkChoiceNode]:
//	    return [ForkChoiceNode(root=root) for root in blocks if blocks[root].parent_root == node.root]
func (s *Store) Head() consensus.Root {
	return s.nodes[s.head()].info.Root
}

// Weight returns get_weight(store, root): the balance of the non-equivocating
// latest messages for root or its descendants, weighted by the justified
// checkpoint state, plus the proposer score if root is an ancestor of (or
// is) the boosted block. Unknown roots weigh 0.
//
// Spec definition:
//
//	def get_weight(store: Store, node: ForkChoiceNode) -> Gwei:
//	    state = store.checkpoint_states[store.justified_checkpoint]
//	    attestation_score = get_attestation_score(store, node, state)
//	    if store.proposer_boost_root == Root():
//	        # Return only attestation score if ``proposer_boost_root`` is not set
//	        return attestation_score
//
//	    # Calculate proposer score if ``proposer_boost_root`` is set
//	    proposer_score = Gwei(0)
//	    proposer_boost_node = ForkChoiceNode(root=store.proposer_boost_root)
//	    # Boost is applied if ``node`` is an ancestor of ``proposer_boost_node``
//	    if is_ancestor(store, proposer_boost_node, node):
//	        proposer_score = get_proposer_score(store)
//
//	    return attestation_score + proposer_score
//
//	def get_attestation_score(store: Store, node: ForkChoiceNode, state: BeaconState) -> Gwei:
//	    unslashed_and_active_indices = [
//	        i
//	        for i in get_active_validator_indices(state, get_current_epoch(state))
//	        if not state.validators[i].slashed
//	    ]
//	    return Gwei(
//	        sum(
//	            state.validators[i].effective_balance
//	            for i in unslashed_and_active_indices
//	            if (
//	                i in store.latest_messages
//	                and i not in store.equivocating_indices
//	                and is_ancestor(store, get_supported_node(store, store.latest_messages[i]), node)
//	            )
//	        )
//	    )
func (s *Store) Weight(root consensus.Root) consensus.Gwei {
	i, ok := s.index[root]
	if !ok {
		return 0
	}
	s.head()
	return s.weightBuf[i]
}

// ProposerScore returns get_proposer_score(store) for the current justified
// checkpoint (0 when cfg.ProposerScoreBoost is 0).
//
// Spec definition:
//
//	def compute_proposer_score(state: BeaconState) -> Gwei:
//	    committee_weight = get_total_active_balance(state) // SLOTS_PER_EPOCH
//	    return (committee_weight * PROPOSER_SCORE_BOOST) // 100
//
//	def get_proposer_score(store: Store) -> Gwei:
//	    justified_checkpoint_state = store.checkpoint_states[store.justified_checkpoint]
//	    return compute_proposer_score(justified_checkpoint_state)
func (s *Store) ProposerScore() consensus.Gwei {
	_, total := s.justifiedBalances()
	committee := total / consensus.Gwei(s.cfg.SlotsPerEpoch)
	return committee * consensus.Gwei(s.cfg.ProposerScoreBoost) / 100
}

// justifiedBalances returns the balances of the justified checkpoint state
// and get_total_active_balance of it (at least EFFECTIVE_BALANCE_INCREMENT),
// calling the engine's callback once per justified checkpoint.
func (s *Store) justifiedBalances() ([]consensus.Gwei, consensus.Gwei) {
	if !s.bal.ok || s.bal.cp != s.justified {
		bal := s.balances(s.justified)
		var total consensus.Gwei
		for _, b := range bal {
			total += b
		}
		total = max(total, s.cfg.EffectiveBalanceIncrement)
		s.bal = balanceEntry{cp: s.justified, bal: bal, total: total, ok: true}
	}
	return s.bal.bal, s.bal.total
}

// head returns the index of the head block, from the cache when the store
// has not changed since the last computation.
func (s *Store) head() int32 {
	if s.cache.valid && s.cache.version == s.version {
		return s.cache.head
	}
	h := s.computeHead()
	s.cache = headCache{version: s.version, valid: true, head: h}
	return h
}

// computeHead fills s.weightBuf with get_weight of every block and returns
// get_head.
func (s *Store) computeHead() int32 {
	n := len(s.nodes)
	w := resize(s.weightBuf, n)
	s.weightBuf = w
	clear(w)

	// Attestation scores: the balance of each latest message lands on the
	// voted block, then subtree sums give get_attestation_score of every
	// block at once (is_ancestor(vote, node) holds exactly when node is on
	// the vote's chain, since slots increase strictly along a chain).
	bal, _ := s.justifiedBalances()
	votes := s.votes
	if len(votes) > len(bal) {
		votes = votes[:len(bal)]
	}
	for v := range votes {
		m := &votes[v]
		if m.has && !m.equivo && m.node >= 0 {
			w[m.node] += bal[v]
		}
	}
	if s.proposerBoostRoot != (consensus.Root{}) {
		if bi, ok := s.index[s.proposerBoostRoot]; ok {
			w[bi] += s.ProposerScore()
		}
	}
	for i := n - 1; i >= 0; i-- {
		if p := s.nodes[i].parent; p >= 0 {
			w[p] += w[i]
		}
	}

	viable := s.filterBlockTree()

	start, ok := s.index[s.justified.Root]
	if !ok {
		start, ok = s.index[s.finalized.Root]
		if !ok {
			start = 0
		}
	}
	h := start
	for {
		best := int32(-1)
		for _, c := range s.nodes[h].children {
			if !viable[c] {
				continue
			}
			if best < 0 || w[c] > w[best] ||
				w[c] == w[best] && bytes.Compare(s.nodes[c].info.Root[:], s.nodes[best].info.Root[:]) > 0 {
				best = c
			}
		}
		if best < 0 {
			return h
		}
		h = best
	}
}

// filterBlockTree marks the blocks of get_filtered_block_tree: a leaf is
// viable if its voting source and finalized checkpoint agree with the store,
// and an inner block is viable if any child is. It is computed for every
// block in one reverse pass; Head only walks the justified block's subtree,
// which is what the spec's recursion from the justified root covers.
//
// Spec definition:
//
//	def filter_block_tree(store: Store, block_root: Root, blocks: Dict[Root, BeaconBlock]) -> bool:
//	    block = store.blocks[block_root]
//	    children = [root for root in store.blocks if store.blocks[root].parent_root == block_root]
//
//	    # If any children branches contain expected finalized/justified checkpoints,
//	    # add to filtered block-tree and signal viability to parent.
//	    if any(children):
//	        filter_block_tree_result = [filter_block_tree(store, child, blocks) for child in children]
//	        if any(filter_block_tree_result):
//	            blocks[block_root] = block
//	            return True
//	        return False
//
//	    current_epoch = get_current_store_epoch(store)
//	    voting_source = get_voting_source(store, block_root)
//
//	    # The voting source should be either at the same height as the store's justified checkpoint or
//	    # not more than two epochs ago
//	    correct_justified = (
//	        store.justified_checkpoint.epoch == GENESIS_EPOCH
//	        or voting_source.epoch == store.justified_checkpoint.epoch
//	        or voting_source.epoch + 2 >= current_epoch
//	    )
//
//	    finalized_checkpoint_block = get_checkpoint_block(
//	        store,
//	        block_root,
//	        store.finalized_checkpoint.epoch,
//	    )
//
//	    correct_finalized = (
//	        store.finalized_checkpoint.epoch == GENESIS_EPOCH
//	        or store.finalized_checkpoint.root == finalized_checkpoint_block
//	    )
//
//	    # If expected finalized/justified, add to viable block-tree and signal viability to parent.
//	    if correct_justified and correct_finalized:
//	        blocks[block_root] = block
//	        return True
//
//	    # Otherwise, branch not viable
//	    return False
//
//	def get_filtered_block_tree(store: Store) -> Dict[Root, BeaconBlock]:
//	    base = store.justified_checkpoint.root
//	    blocks: Dict[Root, BeaconBlock] = {}
//	    filter_block_tree(store, base, blocks)
//	    return blocks
func (s *Store) filterBlockTree() []bool {
	n := len(s.nodes)
	viable := resize(s.viableBuf, n)
	s.viableBuf = viable
	clear(viable)

	cur := s.currentEpoch()
	checkFinalized := s.finalized.Epoch != consensus.GenesisEpoch
	var cpBlock []int32
	if checkFinalized {
		// cpBlock[i] is get_checkpoint_block(i, finalized epoch), computed
		// top-down: a block at or before the epoch's first slot is its own
		// ancestor at that slot, any other inherits its parent's.
		cpBlock = resize(s.cpBlockBuf, n)
		s.cpBlockBuf = cpBlock
		firstSlot := consensus.ComputeStartSlotAtEpoch(s.cfg, s.finalized.Epoch)
		for i := range s.nodes {
			nd := &s.nodes[i]
			if nd.info.Slot <= firstSlot || nd.parent < 0 {
				cpBlock[i] = int32(i)
			} else {
				cpBlock[i] = cpBlock[nd.parent]
			}
		}
	}

	for i := n - 1; i >= 0; i-- {
		nd := &s.nodes[i]
		if len(nd.children) == 0 {
			source := s.votingSource(&nd.info, cur)
			correctJustified := s.justified.Epoch == consensus.GenesisEpoch ||
				source.Epoch == s.justified.Epoch ||
				source.Epoch+2 >= cur
			correctFinalized := !checkFinalized || s.nodes[cpBlock[i]].info.Root == s.finalized.Root
			viable[i] = correctJustified && correctFinalized
		}
		if viable[i] && nd.parent >= 0 {
			viable[nd.parent] = true
		}
	}
	return viable
}

// votingSource is get_voting_source for a block.
//
// Spec definition:
//
//	def get_voting_source(store: Store, block_root: Root) -> Checkpoint:
//	    """
//	    Compute the voting source checkpoint in event that block with root ``block_root`` is the head block
//	    """
//	    block = store.blocks[block_root]
//	    current_epoch = get_current_store_epoch(store)
//	    block_epoch = compute_epoch_at_slot(block.slot)
//	    if current_epoch > block_epoch:
//	        # The block is from a prior epoch, the voting source will be pulled-up
//	        return store.unrealized_justifications[block_root]
//	    else:
//	        # The block is not from a prior epoch, therefore the voting source is not pulled up
//	        head_state = store.block_states[block_root]
//	        return head_state.current_justified_checkpoint
func (s *Store) votingSource(b *BlockInfo, cur consensus.Epoch) consensus.Checkpoint {
	if cur > consensus.ComputeEpochAtSlot(s.cfg, b.Slot) {
		return b.UnrealizedJustified
	}
	return b.JustifiedCheckpoint
}

// resize returns buf with length n, reusing its storage when large enough.
func resize[T any](buf []T, n int) []T {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]T, n, n+n/4)
}
