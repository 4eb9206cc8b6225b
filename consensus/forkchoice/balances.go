package forkchoice

import "github.com/stakesim/stakesim/consensus"

// CheckpointBalances is what get_weight reads from a checkpoint state
// (store.checkpoint_states[checkpoint]): the balances its two parts use,
// which differ for validators that are slashed but still active.
//
//   - get_attestation_score counts the latest messages of
//     unslashed_and_active_indices only, so Weights gives a slashed
//     validator 0.
//   - get_proposer_score takes compute_proposer_score of the same state,
//     whose committee weight is get_total_active_balance(state) //
//     SLOTS_PER_EPOCH: every active validator's effective balance, slashed
//     ones included (a slashed validator stays active until its exit
//     epoch, which initiate_validator_exit puts at least
//     MAX_SEED_LOOKAHEAD + 1 epochs ahead, and usually much later).
//
// Build it with BalancesOf, or so that it agrees with BalancesOf.
type CheckpointBalances struct {
	// Weights holds, for each validator index of the state, its effective
	// balance if it is active in the state's current epoch and not slashed,
	// and 0 otherwise: the weight get_attestation_score gives its latest
	// message.
	Weights []consensus.Gwei
	// TotalActive is get_total_active_balance(state): the effective
	// balance of every validator active in the state's current epoch,
	// slashed or not, and at least EFFECTIVE_BALANCE_INCREMENT.
	TotalActive consensus.Gwei
	// Effective holds validators[i].effective_balance for each validator
	// index of the state, whatever its status: is_head_weak adds it for the
	// equivocating members of the head slot's committees (see ProposerHead).
	// Nil means Weights, which differs only for validators slashed or
	// inactive in the checkpoint state.
	Effective []consensus.Gwei
}

// BalancesOf returns the CheckpointBalances of st, a checkpoint state: the
// checkpoint block's post-state advanced to the first slot of the
// checkpoint's epoch (store_target_checkpoint_state), so that its current
// epoch is the checkpoint's.
//
// Spec definitions (the parts of get_attestation_score and
// get_total_active_balance that read the state):
//
//	unslashed_and_active_indices = [
//	    i
//	    for i in get_active_validator_indices(state, get_current_epoch(state))
//	    if not state.validators[i].slashed
//	]
//
//	def get_total_active_balance(state: BeaconState) -> Gwei:
//	    return get_total_balance(
//	        state, set(get_active_validator_indices(state, get_current_epoch(state)))
//	    )
//
//	def get_total_balance(state: BeaconState, indices: Set[ValidatorIndex]) -> Gwei:
//	    return Gwei(
//	        max(
//	            EFFECTIVE_BALANCE_INCREMENT,
//	            sum([state.validators[index].effective_balance for index in indices]),
//	        )
//	    )
func BalancesOf(cfg *consensus.Config, st *consensus.State) CheckpointBalances {
	epoch := consensus.GetCurrentEpoch(cfg, st)
	out := CheckpointBalances{
		Weights:   make([]consensus.Gwei, len(st.Validators)),
		Effective: make([]consensus.Gwei, len(st.Validators)),
	}
	var total consensus.Gwei
	for i := range st.Validators {
		v := &st.Validators[i]
		out.Effective[i] = v.EffectiveBalance
		if !consensus.IsActiveValidator(v, epoch) {
			continue
		}
		total += v.EffectiveBalance
		if !v.Slashed {
			out.Weights[i] = v.EffectiveBalance
		}
	}
	out.TotalActive = max(total, cfg.EffectiveBalanceIncrement)
	return out
}
