package forkchoice

import "github.com/stakesim/stakesim/consensus"

// newWeighted is NewStore for tests whose checkpoints have no slashed
// active validator: the total active balance is then the weights' sum.
func newWeighted(cfg *consensus.Config, anchor BlockInfo, weights func(consensus.Checkpoint) []consensus.Gwei) *Store {
	return NewStore(cfg, anchor, func(cp consensus.Checkpoint) CheckpointBalances {
		w := weights(cp)
		var sum consensus.Gwei
		for _, b := range w {
			sum += b
		}
		return CheckpointBalances{Weights: w, TotalActive: sum}
	})
}
