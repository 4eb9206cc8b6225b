package sim

import (
	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
)

// strategy is what the engine does on a view group's behalf at an epoch:
// honest for honest views; for a coalition's view, what its agents'
// agents.Policy asks. The slot loop calls these hooks and never asks
// which strategy it runs; every coalition policy is read here and only
// here (the balancing strategy's own moves are in balancing.go).
type strategy interface {
	// dutiesOn reports whether the view's validators propose and attest on
	// view w's head and committees: on their own view, or, playing both
	// sides, on every honest view they reach instead.
	dutiesOn(w *view) bool
	// filterAggregate is what the view's block builder may include of a
	// pool entry (nil: nothing); a censoring coalition keeps its own votes.
	filterAggregate(c *poolEntry) *poolEntry
	// acceptsBlock reports whether the view's fork choice takes b; a
	// coalition building its own chain ignores the others' blocks.
	acceptsBlock(b *blockEntry) bool
	// holdBlock and holdVote give the final route of a message the view's
	// agents send; held reports that it was kept back (a private chain keeps
	// everything to itself until its release).
	holdBlock(b *blockEntry, route []agents.Send) (out []agents.Send, held bool)
	holdVote(m *agents.AttestationMsg, route []agents.Send) (out []agents.Send, held bool)
	// holdSync is holdVote for a sync committee message.
	holdSync(m *agents.SyncCommitteeMsg, route []agents.Send) (out []agents.Send, held bool)
	// keepsSync reports whether the view's block builder includes val's
	// sync committee message; a censoring coalition keeps its own.
	keepsSync(val consensus.ValidatorIndex) bool
	// release returns, in the epoch a private chain's window ends, the
	// scenario groups its held messages go to (all when empty) and true.
	release() (groups []string, ok bool)
	// balancing reports whether the balancing strategy votes for the view.
	balancing() bool
}

// strategyOf returns view v's strategy at epoch.
func (e *Engine) strategyOf(v *view, epoch consensus.Epoch) strategy {
	if v.honest || v.firstAgent < 0 {
		return honest{v: v}
	}
	// Every agent of a coalition returns the same Policy.
	return &coalition{e: e, v: v, epoch: epoch, pol: e.agents[v.firstAgent].Policy(epoch)}
}

// honest is the strategy of an honest view: its own duties, every
// aggregate, every valid block, messages sent as routed.
type honest struct{ v *view }

func (h honest) dutiesOn(w *view) bool                                        { return w == h.v }
func (honest) filterAggregate(c *poolEntry) *poolEntry                        { return c }
func (honest) acceptsBlock(*blockEntry) bool                                  { return true }
func (honest) release() ([]string, bool)                                      { return nil, false }
func (honest) balancing() bool                                                { return false }
func (honest) holdBlock(_ *blockEntry, r []agents.Send) ([]agents.Send, bool) { return r, false }
func (honest) holdVote(_ *agents.AttestationMsg, r []agents.Send) ([]agents.Send, bool) {
	return r, false
}
func (honest) holdSync(_ *agents.SyncCommitteeMsg, r []agents.Send) ([]agents.Send, bool) {
	return r, false
}
func (honest) keepsSync(consensus.ValidatorIndex) bool { return true }

// coalition is a coalition view's strategy, from its agents' Policy.
type coalition struct {
	e     *Engine
	v     *view
	epoch consensus.Epoch
	pol   agents.Policy
}

// bothSides reports whether the coalition plays both sides now: it asks
// to, and reaches at least two honest views.
func (c *coalition) bothSides() bool {
	return c.pol.BothSides && c.e.sidesOf(c.v, c.epoch) != nil
}

func (c *coalition) dutiesOn(w *view) bool {
	if !c.bothSides() {
		return w == c.v
	}
	return w.honest && c.e.sched.connected(uint64(c.epoch), c.v.id, w.id)
}

func (c *coalition) filterAggregate(p *poolEntry) *poolEntry {
	if !c.pol.Censor {
		return p
	}
	return p.only(c.v.members)
}

func (c *coalition) acceptsBlock(b *blockEntry) bool {
	return !c.pol.OwnChain || b == c.e.chain.genesis || c.v.members[b.proposer]
}

func (c *coalition) holdBlock(b *blockEntry, route []agents.Send) ([]agents.Send, bool) {
	if !c.pol.PrivateChain {
		return route, false
	}
	c.v.held = append(c.v.held, heldMsg{block: b})
	return []agents.Send{{View: c.v.id}}, true
}

func (c *coalition) holdVote(m *agents.AttestationMsg, route []agents.Send) ([]agents.Send, bool) {
	if !c.pol.PrivateChain {
		return route, false
	}
	c.v.held = append(c.v.held, heldMsg{att: m})
	return []agents.Send{{View: c.v.id}}, true
}

func (c *coalition) holdSync(m *agents.SyncCommitteeMsg, route []agents.Send) ([]agents.Send, bool) {
	if !c.pol.PrivateChain {
		return route, false
	}
	c.v.held = append(c.v.held, heldMsg{sync: m})
	return []agents.Send{{View: c.v.id}}, true
}

func (c *coalition) keepsSync(val consensus.ValidatorIndex) bool {
	return !c.pol.Censor || (int(val) < len(c.v.members) && c.v.members[val])
}

func (c *coalition) release() ([]string, bool) { return c.pol.ReleaseTo, c.pol.Release }
func (c *coalition) balancing() bool           { return c.pol.Balancing }

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
