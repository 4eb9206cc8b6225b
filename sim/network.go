package sim

import (
	"sort"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/scenarios"
)

// delayModel draws per-message delays from the scenario's distribution.
type delayModel struct {
	d scenarios.Delay
}

// draw returns one delay in milliseconds.
func (m delayModel) draw(g *RNG) uint64 {
	switch m.d.Dist {
	case "uniform":
		if m.d.MaxMs <= m.d.MinMs {
			return m.d.MinMs
		}
		return m.d.MinMs + g.IntN(m.d.MaxMs-m.d.MinMs+1)
	case "normal":
		return g.Normal(m.d.MeanMs, m.d.StddevMs)
	case "exponential":
		return g.Exponential(m.d.MeanMs)
	default: // fixed
		return m.d.Ms
	}
}

// partitionSchedule answers which view groups can reach each other at an
// epoch. Views are the finest grouping of validator groups implied by all
// partitions of the scenario (with no partition there is one view, "main").
type partitionSchedule struct {
	parts []scenarios.Partition
	// side[p][view] is the partition group index of view in partition p.
	side [][]int
}

// active returns the index of the partition in force at epoch, or -1.
func (s *partitionSchedule) active(epoch uint64) int {
	for i, p := range s.parts {
		if epoch >= p.StartEpoch && epoch < p.EndEpoch {
			return i
		}
	}
	return -1
}

// connected reports whether a message from view a reaches view b at epoch.
func (s *partitionSchedule) connected(epoch uint64, a, b int) bool {
	if a == b {
		return true
	}
	p := s.active(epoch)
	if p < 0 {
		return true
	}
	sa, sb := s.side[p][a], s.side[p][b]
	return sa == sb || sa == bridgeSide || sb == bridgeSide
}

// partitionEvents emits partition start/heal events and, at a heal, syncs
// every view with the blocks it missed (as nodes do by req/resp).
func (e *Engine) partitionEvents(slot consensus.Slot, epoch consensus.Epoch) {
	// The events carry the summary branch as the last epoch boundary
	// labelled it: the branch the partition splits, or the one whose view
	// the heal reunites with the others.
	branch := e.rep.summaryLabel()
	for _, p := range e.sched.parts {
		if uint64(epoch) == p.StartEpoch {
			e.rep.event(newEvent(uint64(epoch), uint64(slot), branch, PartitionStartedDetails{Partition: p.Name, Groups: viewGroupNames(p)}))
		}
		if uint64(epoch) == p.EndEpoch {
			e.rep.event(newEvent(uint64(epoch), uint64(slot), branch, PartitionHealedDetails{Partition: p.Name}))
			now := uint64(slot) * e.cfg.SlotDurationMs
			roots := make([]*blockEntry, 0, len(e.chain.blocks))
			for _, b := range e.chain.blocks {
				roots = append(roots, b)
			}
			sort.Slice(roots, func(i, j int) bool {
				if roots[i].slot != roots[j].slot {
					return roots[i].slot < roots[j].slot
				}
				return string(roots[i].root[:]) < string(roots[j].root[:])
			})
			for _, v := range e.views {
				for _, b := range roots {
					if !v.store.HasBlock(b.root) && !v.rejected[b.root] {
						e.push(message{at: now + e.delay.draw(e.syncRNG), view: v.id, block: b})
					}
				}
			}
		}
	}
}

// releaseHeld publishes what private-chain coalitions kept, in the epoch
// their window ends, to the view groups of the release's groups.
func (e *Engine) releaseHeld(slot consensus.Slot, epoch consensus.Epoch) {
	now := uint64(slot) * e.cfg.SlotDurationMs
	for _, v := range e.views {
		if v.honest || len(v.held) == 0 {
			continue
		}
		to, ok := e.strategyOf(v, epoch).release()
		if !ok {
			continue
		}
		targets := map[int]bool{}
		var names []string
		for gi, g := range e.sc.Groups {
			if len(to) == 0 || containsString(to, g.Name) {
				if w := e.groupView[gi]; !targets[w] && w != v.id {
					targets[w] = true
					names = append(names, e.views[w].name)
				}
			}
		}
		var blocks, syncMsgs uint64
		for _, w := range e.views {
			if !targets[w.id] || !e.sched.connected(uint64(epoch), v.id, w.id) {
				continue
			}
			for _, h := range v.held {
				m := message{at: now + e.delay.draw(e.syncRNG), view: w.id, block: h.block, att: h.att, sync: h.sync}
				e.push(m)
			}
		}
		for _, h := range v.held {
			if h.block != nil {
				blocks++
			}
			if h.sync != nil {
				syncMsgs++
			}
		}
		e.rep.event(newEvent(uint64(epoch), uint64(slot), v.name,
			BlocksReleasedDetails{Blocks: blocks, Votes: uint64(len(v.held)) - blocks - syncMsgs, To: names}))
		v.held = nil
	}
}

func containsString(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func viewGroupNames(p scenarios.Partition) []string {
	var out []string
	for _, g := range p.Groups {
		out = append(out, g.Name)
	}
	return out
}

// send schedules one message from an agent: to every view it can reach,
// or along route.
func (e *Engine) send(agent int, epoch consensus.Epoch, now, extraMs uint64, route []agents.Send, fill func(*message)) {
	e.sendWith(e.netRNG[agent], agent, epoch, now, extraMs, route, fill)
}

// sendWith is send drawing delays and losses from g.
func (e *Engine) sendWith(g *RNG, agent int, epoch consensus.Epoch, now, extraMs uint64, route []agents.Send, fill func(*message)) {
	from := e.viewOfAgent[agent]
	deliver := func(to int, extra uint64) {
		if !e.sched.connected(uint64(epoch), from, to) {
			return
		}
		if e.lossPPM > 0 && g.Chance(e.lossPPM) {
			return
		}
		m := &e.sending
		*m = message{at: now + extra + e.delay.draw(g), view: to}
		fill(m)
		e.push(*m)
		*m = message{}
	}
	if route == nil {
		for _, v := range e.views {
			deliver(v.id, extraMs)
		}
		return
	}
	for _, s := range route {
		if s.View >= 0 && s.View < len(e.views) {
			deliver(s.View, extraMs+s.DelayMs)
		}
	}
}

func (e *Engine) push(m message) {
	e.seq++
	m.seq = e.seq
	e.queue.push(m)
}

// deliverUntil hands every message that has arrived by time t to its view,
// in (arrival, send order) order.
func (e *Engine) deliverUntil(t uint64) error {
	for e.queue.Len() > 0 && e.queue.peek().at <= t {
		m := e.queue.pop()
		v := e.views[m.view]
		slot := consensus.Slot(m.at / e.cfg.SlotDurationMs)
		switch {
		case m.block != nil:
			e.deliverBlock(v, m.block, m.at)
			if err := e.noteHead(v, slot); err != nil {
				return err
			}
		case m.op != nil:
			e.exits.deliver(m.view, m.op)
		case m.sync != nil:
			v.addSync(m.sync)
		case m.att != nil:
			v.addAttestation(m.att)
			v.vote(&e.cfg, slot, m.att.AttesterIndex, m.att.Data)
			if v.slasher != nil {
				e.evidence(v, slot, v.slasher.ObserveVote(m.att.AttesterIndex, &m.att.Data, m.att.Signature))
			}
		}
	}
	return e.checkReorgs(consensus.Slot(t / e.cfg.SlotDurationMs))
}

// deliverBlock adds a block (and any ancestors the view lacks, fetched as
// nodes do by req/resp) to a view's fork choice, with its votes. A view
// whose coalition builds its own chain ignores others' blocks.
func (e *Engine) deliverBlock(v *view, b *blockEntry, at uint64) {
	if b.dropped || v.store.HasBlock(b.root) {
		return // a pruned block was processed by every view already
	}
	slot := consensus.Slot(at / e.cfg.SlotDurationMs)
	if !e.strategyOf(v, consensus.ComputeEpochAtSlot(&e.cfg, slot)).acceptsBlock(b) {
		return
	}
	var path []*blockEntry
	a := b
	for ; a != nil && !v.store.HasBlock(a.root) && !v.rejected[a.root]; a = a.parent {
		path = append(path, a)
	}
	v.store.OnTick(at)
	rejected := a != nil && v.rejected[a.root]
	for i := len(path) - 1; i >= 0; i-- {
		blk := path[i]
		if rejected {
			// A descendant of a block fork choice refused: refused too.
			rejected = true
			v.rejected[blk.root] = true
			blk.processed.add(v.id)
			if v.slasher != nil {
				e.observeBlock(v, v.slasher, blk, slot)
			}
			continue
		}
		if v.slasher != nil {
			// The slasher reads every block that reaches the node, even
			// one its fork choice refuses, once: a block on the path is
			// neither in the store nor refused, so it is new to the view.
			e.observeBlock(v, v.slasher, blk, slot)
		}
		blk.processed.add(v.id)
		if err := v.store.OnBlock(*blk.info); err != nil {
			// e.g. conflicts with this view's finalized checkpoint
			rejected = true
			v.rejected[blk.root] = true
			continue
		}
		for _, vote := range blk.votes {
			_ = v.store.OnAttestation(vote.indices, vote.data, true)
		}
	}
}

// message is one delivery to one view; msgQueue (msgqueue.go) orders them.
type message struct {
	at    uint64
	seq   uint64
	view  int
	block *blockEntry
	att   *agents.AttestationMsg
	op    *opMsg // a voluntary exit or BLS change (exits.go)
	sync  *agents.SyncCommitteeMsg
}
