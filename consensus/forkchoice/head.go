package forkchoice

import (
	"bytes"

	"github.com/stakesim/stakesim/consensus"
)

// Head returns get_head(store): LMD-GHOST from the justified checkpoint block
// over the viable block tree, ties broken in favour of the larger root.
//
// One call costs O(validators + segments), however long the chains are: it
// works on the segments (single-child chains, see segment) below the
// justified block's segment, as the spec's walk has a choice only at a
// segment's tail. Latest-message balances are summed per segment,
// subtree sums give the get_weight of each segment's top block, leaf
// viability is propagated up, and the walk visits each segment at most
// once. The result is cached until the store changes, so calling Head twice
// without an intervening handler call is free.
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
	return s.nodes[s.head()].root
}

// Weight returns get_weight(store, root): the balance of the non-equivocating
// latest messages for root or its descendants, weighted by the justified
// checkpoint state, plus the proposer score if root is an ancestor of (or
// is) the boosted block. Unknown roots weigh 0. It is computed afresh, in
// O(validators x log blocks), straight from the definition.
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
	i, ok := s.lookup(root)
	if !ok {
		return 0
	}
	w := s.attestationScore(i)
	if b, ok := s.boostNode(); ok && s.isAncestor(i, b) {
		w += s.ProposerScore()
	}
	return w
}

// attestationScore is get_attestation_score(store, node i, justified
// checkpoint state), quoted at Weight.
func (s *Store) attestationScore(i int32) consensus.Gwei {
	bal, _ := s.justifiedBalances()
	var w consensus.Gwei
	for v, m := range scored(s.votes, bal) {
		if m.counts() && s.isAncestor(i, m.node) {
			w += bal[v]
		}
	}
	return w
}

// scored cuts a per-validator table to the validators whose latest messages
// get_attestation_score reads: those the justified state's balances cover.
func scored[T any](perValidator []T, bal []consensus.Gwei) []T {
	return perValidator[:min(len(perValidator), len(bal))]
}

// counts reports whether get_attestation_score counts m: it exists, its
// validator is not equivocating and its block is in the store.
func (m *latestMessage) counts() bool { return m.has && !m.equivo && m.node >= 0 }

// boostNode returns the index of the proposer-boosted block, if the boost
// is set and the block is in the store.
func (s *Store) boostNode() (int32, bool) {
	if s.proposerBoostRoot == (consensus.Root{}) {
		return -1, false
	}
	return s.lookup(s.proposerBoostRoot)
}

// ProposerScore returns get_proposer_score(store): PROPOSER_SCORE_BOOST
// percent of the average committee weight of the justified checkpoint
// state, 0 when cfg.ProposerScoreBoost is 0. The committee weight is
// get_total_active_balance of that state divided by SLOTS_PER_EPOCH, so it
// counts every active validator, slashed ones included
// (CheckpointBalances.TotalActive), although get_attestation_score gives a
// slashed validator's latest message no weight. With 3 validators of 32 ETH
// active, one of them slashed, and SLOTS_PER_EPOCH = 8, the committee
// weight is 96/8 = 12 ETH and a boost of 40 gives 4.8 ETH, not the 3.2 ETH
// of the unslashed 64 ETH.
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
//
//	def get_total_active_balance(state: BeaconState) -> Gwei:
//	    return get_total_balance(
//	        state, set(get_active_validator_indices(state, get_current_epoch(state)))
//	    )
func (s *Store) ProposerScore() consensus.Gwei {
	return s.committeeFraction(s.cfg.ProposerScoreBoost)
}

// committeeFraction is calculate_committee_fraction of the justified
// checkpoint state: percent percent of get_total_active_balance //
// SLOTS_PER_EPOCH.
//
// Spec definition:
//
//	def calculate_committee_fraction(state: BeaconState, committee_percent: Uint64) -> Gwei:
//	    committee_weight = get_total_active_balance(state) // SLOTS_PER_EPOCH
//	    return Gwei((committee_weight * committee_percent) // 100)
func (s *Store) committeeFraction(percent uint64) consensus.Gwei {
	_, total := s.justifiedBalances()
	committee := total / consensus.Gwei(s.cfg.SlotsPerEpoch)
	return committee * consensus.Gwei(percent) / 100
}

// justifiedBalances returns the weights get_attestation_score gives the
// validators of the justified checkpoint state and get_total_active_balance
// of that state, calling the engine's callback once per justified
// checkpoint. The total is at least EFFECTIVE_BALANCE_INCREMENT, the floor
// of get_total_balance, whatever the callback returns.
func (s *Store) justifiedBalances() ([]consensus.Gwei, consensus.Gwei) {
	if !s.bal.ok || s.bal.cp != s.justified {
		cb := s.balances(s.justified)
		total := max(cb.TotalActive, s.cfg.EffectiveBalanceIncrement)
		eff := cb.Effective
		if eff == nil {
			eff = cb.Weights
		}
		s.bal = balanceEntry{cp: s.justified, bal: cb.Weights, total: total, effective: eff, ok: true}
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

// computeHead returns get_head. The spec's walk from the start block (the
// justified block) only ever chooses at a segment's tail: inside a segment
// every block but the tail has one child, which is viable whenever its
// parent is (it holds all the leaves below). So the walk runs over the
// segments below the start block's segment, comparing child segments by the
// get_weight and root of their top blocks, and ends at a leaf segment's
// tail. If no leaf below the start block is viable, the filtered tree is
// empty and the head is the start block.
func (s *Store) computeHead() int32 {
	start := s.headStart()
	order := s.subtree(s.nodes[start].seg)
	s.addWeights(order)
	s.filterBlockTree(order)
	sg := order[0]
	if !s.segs[sg].viable {
		return start
	}
	for s.segs[sg].firstChild >= 0 {
		sg = s.bestChild(sg)
	}
	return s.segs[sg].tail
}

// headStart returns the block get_head starts from: the justified
// checkpoint block, or, if that is not in the store (possible only after
// Prune with inconsistent checkpoints), the finalized block, or else the
// oldest block.
func (s *Store) headStart() int32 {
	if i, ok := s.lookup(s.justified.Root); ok {
		return i
	}
	if i, ok := s.lookup(s.finalized.Root); ok {
		return i
	}
	return 0
}

// subtree returns root and the segments below it, parents before children.
func (s *Store) subtree(root int32) []int32 {
	order := append(s.segOrder[:0], root)
	for k := 0; k < len(order); k++ {
		sg := &s.segs[order[k]]
		for c := sg.firstChild; c >= 0; c = s.segs[c].nextSibling {
			order = append(order, c)
		}
	}
	s.segOrder = order
	return order
}

// addWeights fills s.segWeight so that it holds, for every segment of
// order but the first, get_weight of the segment's top block. The balance
// of each counted latest message lands on the voted block's segment, the
// proposer score on the boosted block's, then subtree sums give
// get_attestation_score plus the boost of every top block at once: a top
// block's weight is that of every block at or below it (is_ancestor(vote,
// top) holds exactly for those), wherever they are inside their segments.
// Weights of segments outside order are left partial; nothing reads them.
func (s *Store) addWeights(order []int32) {
	w := resize(s.segWeight, len(s.segs))
	s.segWeight = w
	clear(w)
	if s.segsMoved {
		s.updateVoteSegments()
	}
	bal, _ := s.justifiedBalances()
	for v, g := range scored(s.voteSegs, bal) {
		if g >= 0 {
			w[g] += bal[v]
		}
	}
	if b, ok := s.boostNode(); ok {
		w[s.nodes[b].seg] += s.ProposerScore()
	}
	for k := len(order) - 1; k > 0; k-- {
		g := order[k]
		w[s.segs[g].parent] += w[g]
	}
}

// updateVoteSegments sets s.voteSegs again after blocks moved between
// segments (a split or Prune). The vote pass of addWeights reads only
// s.voteSegs and the balances, 12 bytes per validator.
func (s *Store) updateVoteSegments() {
	for v := range s.votes {
		s.voteSegs[v] = -1
		if m := &s.votes[v]; m.counts() {
			s.voteSegs[v] = s.nodes[m.node].seg
		}
	}
	s.segsMoved = false
}

// bestChild returns the child segment of sg the walk moves to: the viable
// one whose top block has the largest (get_weight, root). sg must be viable
// and not a leaf segment.
func (s *Store) bestChild(sg int32) int32 {
	w := s.segWeight
	best := int32(-1)
	for c := s.segs[sg].firstChild; c >= 0; c = s.segs[c].nextSibling {
		if !s.segs[c].viable {
			continue
		}
		if best < 0 || w[c] > w[best] ||
			w[c] == w[best] && bytes.Compare(s.nodes[s.segs[c].top].root[:], s.nodes[s.segs[best].top].root[:]) > 0 {
			best = c
		}
	}
	return best
}

// filterBlockTree marks the segments of order holding blocks of
// get_filtered_block_tree: a leaf is viable if its voting source and
// finalized checkpoint agree with the store, and any other block is viable
// if one of its children is, so a segment is viable if its tail is a viable
// leaf or one of its child segments is viable. Only leaves below the start
// block matter, which is what the spec's recursion from the justified root
// covers.
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
func (s *Store) filterBlockTree(order []int32) {
	cur := s.currentEpoch()
	checkFinalized := s.finalized.Epoch != consensus.GenesisEpoch
	if checkFinalized {
		s.checkpointBlocks(order)
	}
	for k := len(order) - 1; k >= 0; k-- {
		sg := &s.segs[order[k]]
		if sg.firstChild < 0 {
			source := s.votingSource(&s.nodes[sg.tail], cur)
			correctJustified := s.justified.Epoch == consensus.GenesisEpoch ||
				source.Epoch == s.justified.Epoch ||
				source.Epoch+2 >= cur
			correctFinalized := !checkFinalized || s.nodes[sg.cp].root == s.finalized.Root
			sg.viable = correctJustified && correctFinalized
			continue
		}
		sg.viable = false
		for c := sg.firstChild; c >= 0 && !sg.viable; c = s.segs[c].nextSibling {
			sg.viable = s.segs[c].viable
		}
	}
}

// checkpointBlocks sets the cp of every segment of order to
// get_checkpoint_block(tail, finalized epoch), top-down: a segment whose
// blocks all come after the epoch's first slot has its parent segment's,
// any other one finds it by a climb from its tail.
func (s *Store) checkpointBlocks(order []int32) {
	firstSlot := consensus.ComputeStartSlotAtEpoch(s.cfg, s.finalized.Epoch)
	for k, g := range order {
		sg := &s.segs[g]
		if k > 0 && s.nodes[sg.top].slot > firstSlot {
			sg.cp = s.segs[sg.parent].cp
		} else {
			sg.cp = s.ancestor(sg.tail, firstSlot)
		}
	}
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
func (s *Store) votingSource(n *node, cur consensus.Epoch) consensus.Checkpoint {
	f := &s.ffgs[n.ffg]
	if cur > consensus.ComputeEpochAtSlot(s.cfg, n.slot) {
		return f.unrealizedJustified
	}
	return f.justified
}

// resize returns buf with length n, reusing its storage when large enough.
func resize[T any](buf []T, n int) []T {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]T, n, n+n/4)
}
