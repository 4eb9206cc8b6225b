package consensus

import "fmt"

// Casper FFG bookkeeping at the epoch boundary (phase0 weigh_justification_and_finalization,
// Altair process_justification_and_finalization) and the fork-choice
// "pull-up" of unrealized checkpoints.

// ffgOutcome is the result of weighing one epoch's target votes: the new
// justification bits and checkpoints, computed without writing the state.
type ffgOutcome struct {
	bits              uint8
	previousJustified Checkpoint
	currentJustified  Checkpoint
	finalized         Checkpoint
}

// targetBalances are the inputs of weigh_justification_and_finalization.
type targetBalances struct {
	totalActive    Gwei // get_total_active_balance
	previousTarget Gwei // get_total_balance(previous epoch unslashed timely-target)
	currentTarget  Gwei // get_total_balance(current epoch unslashed timely-target)
}

// ProcessJustificationAndFinalization updates the justification bits and
// the justified and finalized checkpoints from the timely-target votes of
// the previous and current epochs.
//
// Spec definition (Altair):
//
//	def process_justification_and_finalization(state: BeaconState) -> None:
//	    # Initial FFG checkpoint values have a `0x00` stub for `root`.
//	    # Skip FFG updates in the first two epochs to avoid corner cases that might result in modifying this stub.
//	    if get_current_epoch(state) <= GENESIS_EPOCH + 1:
//	        return
//	    previous_indices = get_unslashed_participating_indices(
//	        state, TIMELY_TARGET_FLAG_INDEX, get_previous_epoch(state)
//	    )
//	    current_indices = get_unslashed_participating_indices(
//	        state, TIMELY_TARGET_FLAG_INDEX, get_current_epoch(state)
//	    )
//	    total_active_balance = get_total_active_balance(state)
//	    previous_target_balance = get_total_balance(state, previous_indices)
//	    current_target_balance = get_total_balance(state, current_indices)
//	    weigh_justification_and_finalization(
//	        state, total_active_balance, previous_target_balance, current_target_balance
//	    )
//
// It returns an error only if a checkpoint's block root has left the
// state's block-root window (see State.BlockRoots); st is then unchanged.
func ProcessJustificationAndFinalization(cfg *Config, st *State) error {
	if GetCurrentEpoch(cfg, st) <= GenesisEpoch+1 {
		return nil
	}
	tb := computeTargetBalances(cfg, st)
	return WeighJustificationAndFinalization(cfg, st, tb.totalActive, tb.previousTarget, tb.currentTarget)
}

// computeTargetBalances derives the three FFG balances from the registry
// pass that epoch processing also uses, with get_total_balance's floor of
// one increment on each.
func computeTargetBalances(cfg *Config, st *State) targetBalances {
	sums := computeParticipationSums(cfg, st)
	inc := cfg.EffectiveBalanceIncrement
	return targetBalances{
		totalActive:    max(sums.totalActive, inc),
		previousTarget: max(sums.prevFlag[TimelyTargetFlagIndex], inc),
		currentTarget:  max(sums.currentTarget, inc),
	}
}

// WeighJustificationAndFinalization applies the FFG rules to st with the
// given balances (as get_total_balance returns them: at least one increment).
//
// Spec definition (phase0):
//
//	def weigh_justification_and_finalization(
//	    state: BeaconState,
//	    total_active_balance: Gwei,
//	    previous_epoch_target_balance: Gwei,
//	    current_epoch_target_balance: Gwei,
//	) -> None:
//	    previous_epoch = get_previous_epoch(state)
//	    current_epoch = get_current_epoch(state)
//	    old_previous_justified_checkpoint = state.previous_justified_checkpoint
//	    old_current_justified_checkpoint = state.current_justified_checkpoint
//
//	    # Process justifications
//	    state.previous_justified_checkpoint = state.current_justified_checkpoint
//	    state.justification_bits[1:] = state.justification_bits[: JUSTIFICATION_BITS_LENGTH - 1]
//	    state.justification_bits[0] = 0b0
//	    if previous_epoch_target_balance * 3 >= total_active_balance * 2:
//	        state.current_justified_checkpoint = Checkpoint(
//	            epoch=previous_epoch, root=get_block_root(state, previous_epoch)
//	        )
//	        state.justification_bits[1] = 0b1
//	    if current_epoch_target_balance * 3 >= total_active_balance * 2:
//	        state.current_justified_checkpoint = Checkpoint(
//	            epoch=current_epoch, root=get_block_root(state, current_epoch)
//	        )
//	        state.justification_bits[0] = 0b1
//
//	    # Process finalizations
//	    bits = state.justification_bits
//	    # The 2nd/3rd/4th most recent epochs are justified, the 2nd using the 4th as source
//	    if all(bits[1:4]) and old_previous_justified_checkpoint.epoch + 3 == current_epoch:
//	        state.finalized_checkpoint = old_previous_justified_checkpoint
//	    # The 2nd/3rd most recent epochs are justified, the 2nd using the 3rd as source
//	    if all(bits[1:3]) and old_previous_justified_checkpoint.epoch + 2 == current_epoch:
//	        state.finalized_checkpoint = old_previous_justified_checkpoint
//	    # The 1st/2nd/3rd most recent epochs are justified, the 1st using the 3rd as source
//	    if all(bits[0:3]) and old_current_justified_checkpoint.epoch + 2 == current_epoch:
//	        state.finalized_checkpoint = old_current_justified_checkpoint
//	    # The 1st/2nd most recent epochs are justified, the 1st using the 2nd as source
//	    if all(bits[0:2]) and old_current_justified_checkpoint.epoch + 1 == current_epoch:
//	        state.finalized_checkpoint = old_current_justified_checkpoint
//
// State.JustificationBits holds bit i of the spec's bitvector in bit i of
// the byte (bit 0 = current epoch).
func WeighJustificationAndFinalization(cfg *Config, st *State, totalActive, previousTarget, currentTarget Gwei) error {
	out, err := weighFFG(cfg, st, targetBalances{totalActive, previousTarget, currentTarget})
	if err != nil {
		return err
	}
	st.JustificationBits = out.bits
	st.PreviousJustifiedCheckpoint = out.previousJustified
	st.CurrentJustifiedCheckpoint = out.currentJustified
	st.FinalizedCheckpoint = out.finalized
	return nil
}

// weighFFG is weigh_justification_and_finalization as a pure function of st.
func weighFFG(cfg *Config, st *State, tb targetBalances) (ffgOutcome, error) {
	prev := GetPreviousEpoch(cfg, st)
	cur := GetCurrentEpoch(cfg, st)
	oldPrev := st.PreviousJustifiedCheckpoint
	oldCur := st.CurrentJustifiedCheckpoint

	out := ffgOutcome{
		bits:              (st.JustificationBits << 1) & (1<<JustificationBitsLength - 1),
		previousJustified: st.CurrentJustifiedCheckpoint,
		currentJustified:  st.CurrentJustifiedCheckpoint,
		finalized:         st.FinalizedCheckpoint,
	}
	if uint64(tb.previousTarget)*3 >= uint64(tb.totalActive)*2 {
		root, ok := GetBlockRoot(cfg, st, prev)
		if !ok {
			return ffgOutcome{}, fmt.Errorf("consensus: justify epoch %d at slot %d: block root outside the state's window", prev, st.Slot)
		}
		out.currentJustified = Checkpoint{Epoch: prev, Root: root}
		out.bits |= 1 << 1
	}
	if uint64(tb.currentTarget)*3 >= uint64(tb.totalActive)*2 {
		root, ok := GetBlockRoot(cfg, st, cur)
		if !ok {
			return ffgOutcome{}, fmt.Errorf("consensus: justify epoch %d at slot %d: block root outside the state's window", cur, st.Slot)
		}
		out.currentJustified = Checkpoint{Epoch: cur, Root: root}
		out.bits |= 1 << 0
	}

	b := out.bits
	all := func(mask uint8) bool { return b&mask == mask }
	if all(0b1110) && oldPrev.Epoch+3 == cur {
		out.finalized = oldPrev
	}
	if all(0b0110) && oldPrev.Epoch+2 == cur {
		out.finalized = oldPrev
	}
	if all(0b0111) && oldCur.Epoch+2 == cur {
		out.finalized = oldCur
	}
	if all(0b0011) && oldCur.Epoch+1 == cur {
		out.finalized = oldCur
	}
	return out, nil
}

// ComputeUnrealizedCheckpoints returns the justified and finalized
// checkpoints st would have if its epoch ended now: the fork choice's
// pull-up of a block's post-state.
//
// Spec definition (phase0 fork choice, the part that reads the state):
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
//	    ...
//
// Instead of copying the state it runs one read-only pass over the registry
// and weighs the votes without writing anything. If a needed block root is
// outside the state's window (which cannot happen for a state whose slot is
// past the start of its epoch, since the window spans several epochs) it
// returns st's realized checkpoints unchanged.
func ComputeUnrealizedCheckpoints(cfg *Config, st *State) (justified, finalized Checkpoint) {
	if GetCurrentEpoch(cfg, st) <= GenesisEpoch+1 {
		return st.CurrentJustifiedCheckpoint, st.FinalizedCheckpoint
	}
	out, err := weighFFG(cfg, st, computeTargetBalances(cfg, st))
	if err != nil {
		return st.CurrentJustifiedCheckpoint, st.FinalizedCheckpoint
	}
	return out.currentJustified, out.finalized
}

// participated reports whether flags has flagIndex set.
//
// Spec definition (Altair):
//
//	def has_flag(flags: ParticipationFlags, flag_index: int) -> bool:
//	    flag = ParticipationFlags(2**flag_index)
//	    return flags & flag == flag
func participated(flags ParticipationFlags, flagIndex int) bool {
	f := ParticipationFlags(1) << flagIndex
	return flags&f == f
}
