package sim

import (
	"github.com/stakesim/stakesim/consensus"
)

// balancer runs the balancing strategy for a coalition whose policy asks
// for it (see balancing attack notes in docs/ARCHITECTURE.md).
type balancer struct {
	e *Engine
}

func newBalancer(e *Engine) *balancer { return &balancer{e: e} }

// attest is called after every attest phase.
func (b *balancer) attest(slot consensus.Slot, now uint64, heads []slotHead, votes []consensus.AttestationData, committees *consensus.Shuffling) error {
	return nil
}
