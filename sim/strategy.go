package sim

import (
	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
)

// policyOf returns the policy of a coalition view (the zero policy for an
// honest view): every agent of a coalition returns the same one.
func (e *Engine) policyOf(v *view, epoch consensus.Epoch) agents.Policy {
	if v.honest || v.firstAgent < 0 {
		return agents.Policy{}
	}
	return e.agents[v.firstAgent].Policy(epoch)
}

// sidesOf returns the honest views a coalition view can play off against
// each other now (both-sides), or nil when there are fewer than two.
func (e *Engine) sidesOf(v *view, epoch consensus.Epoch) []*view {
	var out []*view
	for _, w := range e.views {
		if w.honest && e.sched.connected(uint64(epoch), v.id, w.id) {
			out = append(out, w)
		}
	}
	if len(out) < 2 {
		return nil
	}
	return out
}
