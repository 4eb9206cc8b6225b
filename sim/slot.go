package sim

import (
	"fmt"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
)

// viewHead advances a view's fork choice to time now and returns its head
// with the head's state advanced to slot (read-only).
func (e *Engine) viewHead(v *view, slot consensus.Slot, now uint64) (*blockEntry, *consensus.State, error) {
	v.store.OnTick(now)
	head := e.chain.blocks[v.store.Head()]
	st, err := e.chain.stateAtSlot(head, slot)
	if err != nil {
		return nil, nil, fmt.Errorf("sim: slot %d: view %s: %w", slot, v.name, err)
	}
	return head, st, nil
}

// slotHead is one view's head at a phase of a slot.
type slotHead struct {
	head *blockEntry
	st   *consensus.State
}

// slotView fills the parts of an agent's SlotView common to both phases.
func (e *Engine) slotView(v *view, slot consensus.Slot, phase agents.Phase, h slotHead, infos []agents.ViewInfo) *agents.SlotView {
	epoch := consensus.ComputeEpochAtSlot(&e.cfg, slot)
	sv := &agents.SlotView{
		Slot: slot, Epoch: epoch, Phase: phase, Head: h.head.root,
		ProposerDomain: consensus.GetDomain(&e.cfg, h.st, consensus.DomainBeaconProposer, epoch),
		AttesterDomain: consensus.GetDomain(&e.cfg, h.st, consensus.DomainBeaconAttester, epoch),
		View:           v.id, Views: infos,
		HeadSlot: h.head.slot, GenesisRoot: e.chain.genesis.root,
		Coalition: v.members, SlotMs: e.cfg.SlotDurationMs,
	}
	if h.head != e.chain.genesis {
		sv.HeadParent = e.chain.parentRoot(h.head)
		sv.HeadProposer = h.head.proposer
	}
	return sv
}

// viewInfos describes every view for coalition behaviours.
func (e *Engine) viewInfos(from int, epoch consensus.Epoch, heads []slotHead, votes []consensus.AttestationData) []agents.ViewInfo {
	out := make([]agents.ViewInfo, len(e.views))
	for i, w := range e.views {
		out[i] = agents.ViewInfo{ID: w.id, Name: w.name, Honest: w.honest, Reachable: e.sched.connected(uint64(epoch), from, w.id), Head: heads[i].head.root}
		if votes != nil {
			out[i].Vote = votes[i]
		}
	}
	return out
}

// proposePhase: deliver what arrived by the slot start, let each view's
// proposer (if its agent is in that view, or is a both-sides coalition
// reaching it) sign a block on the view's head.
func (e *Engine) proposePhase(slot consensus.Slot, now uint64) error {
	if err := e.deliverUntil(now); err != nil {
		return err
	}
	epoch := consensus.ComputeEpochAtSlot(&e.cfg, slot)
	heads := make([]slotHead, len(e.views))
	proposers := make([]consensus.ValidatorIndex, len(e.views))
	for _, v := range e.views {
		v.store.OnTick(now) // before retrying votes: they count only once their slot is past
		v.retryDeferred(&e.cfg, slot)
		head, st, err := e.viewHead(v, slot, now)
		if err != nil {
			return err
		}
		heads[v.id] = slotHead{head, st}
		e.pruneOps(v.id, st)
		p, err := consensus.GetBeaconProposerIndex(&e.cfg, st)
		if err != nil {
			return fmt.Errorf("sim: slot %d: proposer: %w", slot, err)
		}
		proposers[v.id] = p
	}
	if slot == consensus.ComputeStartSlotAtEpoch(&e.cfg, epoch) {
		e.prefetchCommittees(heads[e.mainView].st, epoch)
	}
	views := make([]*agents.SlotView, len(e.views))
	for _, v := range e.views {
		views[v.id] = e.slotView(v, slot, agents.PhasePropose, heads[v.id], e.viewInfos(v.id, epoch, heads, nil))
	}
	duties := map[int]*agents.Duties{}
	for _, w := range e.views {
		proposer := proposers[w.id]
		if heads[w.id].st.Validators[proposer].Slashed {
			continue // a slashed validator's block would be invalid (process_block_header); its client does not try
		}
		agent := e.agentOfVal[proposer]
		av := e.views[e.viewOfAgent[agent]] // whose strategy shapes the block
		if !e.strategyOf(av, epoch).dutiesOn(w) {
			continue
		}
		h := heads[w.id]
		if av.honest {
			var err error
			if h, err = e.proposerHead(w, slot, h, proposer); err != nil {
				return err
			}
		}
		blk, err := e.buildBlock(w, av, h.head, h.st, proposer)
		if err != nil {
			return fmt.Errorf("sim: slot %d: build block: %w", slot, err)
		}
		d := dutiesOf(duties, agent)
		d.Proposals = append(d.Proposals, agents.ProposeDuty{Validator: proposer, Block: blk, View: w.id})
	}
	for _, id := range e.operators {
		h := heads[e.viewOfAgent[id]]
		dutiesOf(duties, id).Operate = &agents.OperateDuty{Config: &e.cfg, State: h.st, Backlog: e.el.backlog(h.head.el)}
	}
	ids := e.runPhase(views, duties, false)
	return e.applyProposals(ids, slot, epoch, now)
}

// applyProposals takes the propose phase's results in agent-id order:
// execution requests join the pool, blocks are imported (invalid ones
// become block_rejected events), shown to the auditor, routed by the
// coalition's strategy and sent.
func (e *Engine) applyProposals(ids []int, slot consensus.Slot, epoch consensus.Epoch, now uint64) error {
	for _, id := range ids {
		if r := &e.results[id].Requests; !r.Empty() {
			e.el.add(r, e.dir)
			e.rep.noteRequests(epoch, r)
		}
		e.gossipOps(id, epoch, now)
		from := e.views[e.viewOfAgent[id]]
		strat := e.strategyOf(from, epoch)
		var imported []*blockEntry
		var routes [][]agents.Send
		var delays []uint64
		for i := range e.results[id].Blocks {
			msg := e.results[id].Blocks[i]
			sb := msg.Block
			b, err := e.chain.importBlock(&sb)
			if err != nil {
				from.verifyFailures++
				e.rep.event(newEvent(uint64(epoch), uint64(slot), from.name, BlockRejectedDetails{Proposer: uint64(sb.Message.ProposerIndex), Error: err.Error()}))
				continue
			}
			if !sb.Signature.IsZero() {
				e.stats.BlockSigns++
			}
			e.stats.AggregatesVerified += uint64(b.report.AggregatesVerified)
			e.stats.SignaturesVerified += uint64(b.report.Signatures)
			e.auditBlock(b)
			imported = append(imported, b)
			routes = append(routes, msg.Route)
			delays = append(delays, msg.ExtraDelayMs)
		}
		started := e.balance.started
		routes = e.balance.routeBlocks(from, slot, imported, routes)
		{
			if !started && e.balance.started {
				e.rep.event(newEvent(uint64(epoch), uint64(slot), from.name,
					BalancingStartedDetails{BlockL: fmt.Sprintf("%x", imported[0].root[:8]), BlockR: fmt.Sprintf("%x", imported[1].root[:8])}))
			}
		}
		for i, b := range imported {
			route, held := strat.holdBlock(b, routes[i])
			if held || withheld(route) {
				e.rep.event(newEvent(uint64(epoch), uint64(slot), from.name,
					BlockWithheldDetails{Proposer: uint64(b.proposer), Block: fmt.Sprintf("%x", b.root[:8])}))
			}
			e.send(id, epoch, now, delays[i], route, func(m *message) { m.block = b })
		}
		e.results[id] = agents.Actions{}
	}
	return nil
}

// withheld reports whether a route holds a block back from some view
// (sent later than the network would carry it).
func withheld(route []agents.Send) bool {
	for _, s := range route {
		if s.DelayMs > 0 {
			return true
		}
	}
	return false
}

// buildBlock prepares the block for a proposer on view v's head: the
// pool's aggregates that the spec's process_attestation accepts (only the
// coalition's own when the builder's coalition censors), the slashings
// v's slasher has evidence for, the expected withdrawals and the RANDAO
// reveal. builder is the proposer's own view (v itself, or a both-sides
// coalition's view).
func (e *Engine) buildBlock(v, builder *view, head *blockEntry, st *consensus.State, proposer consensus.ValidatorIndex) (*consensus.BeaconBlock, error) {
	slot := st.Slot
	epoch := consensus.ComputeEpochAtSlot(&e.cfg, slot)
	strat := e.strategyOf(builder, epoch)
	cands := v.candidates(&e.cfg, slot)
	unsigned := make([]consensus.Attestation, 0, len(cands))
	entries := make([]*poolEntry, 0, len(cands))
	for _, c := range cands {
		if !targetOnChain(&e.cfg, st, head, c.data.Target) {
			// A vote for another branch's checkpoint earns nothing here,
			// and that branch's committees may differ from this one's.
			continue
		}
		if c = strat.filterAggregate(c); c == nil {
			continue
		}
		unsigned = append(unsigned, c.aggregate())
		entries = append(entries, c)
	}
	packed := consensus.SelectAttestations(&e.cfg, st, unsigned)
	chosen := make([]consensus.Attestation, len(packed))
	for i := range packed {
		parts := make([]*poolEntry, len(packed[i].Parts))
		for j, k := range packed[i].Parts {
			parts[j] = entries[k]
		}
		chosen[i] = packed[i].Attestation
		chosen[i].Signature = e.signAggregate(st, parts, &chosen[i])
	}
	// The header, RANDAO reveal and expected withdrawals come from
	// consensus; the engine adds the operations.
	blk, err := consensus.BlockTemplate(&e.cfg, st)
	if err != nil {
		return nil, err
	}
	if blk.ProposerIndex != proposer || blk.ParentRoot != head.root {
		return nil, fmt.Errorf("sim: slot %d: block template for proposer %d on %x, want %d on %x", slot, blk.ProposerIndex, blk.ParentRoot[:4], proposer, head.root[:4])
	}
	blk.Body.Attestations = chosen
	// The execution payload's requests: the next ones this chain lacks.
	blk.Body.ExecutionRequests = e.el.next(&e.cfg, head.el)
	blk.Body.VoluntaryExits, blk.Body.BLSToExecutionChanges = e.opsForBlock(v.id, st)
	if builder.honest && v.slasher != nil {
		ps, as := v.slasher.ForBlock(&e.cfg, st)
		for i := range as {
			e.signIndexed(st, &as[i].Attestation1)
			e.signIndexed(st, &as[i].Attestation2)
		}
		blk.Body.ProposerSlashings, blk.Body.AttesterSlashings = ps, as
	}
	blk.Body.SyncAggregate = e.syncAggregate(v, strat, st, &blk.Body)
	return &blk, nil
}

// targetOnChain reports whether target is the checkpoint of its epoch on
// the chain of head (whose state advanced to the block's slot is st).
func targetOnChain(cfg *consensus.Config, st *consensus.State, head *blockEntry, target consensus.Checkpoint) bool {
	if consensus.ComputeStartSlotAtEpoch(cfg, target.Epoch) >= st.Slot {
		return target.Root == head.root
	}
	r, ok := consensus.GetBlockRoot(cfg, st, target.Epoch)
	return ok && r == target.Root
}

// attestPhase: deliver what arrived by get_attestation_due_ms, then every
// committee member attests to its view's head.
func (e *Engine) attestPhase(slot consensus.Slot, now uint64) error {
	if err := e.deliverUntil(now); err != nil {
		return err
	}
	epoch := consensus.ComputeEpochAtSlot(&e.cfg, slot)
	heads := make([]slotHead, len(e.views))
	votes := make([]consensus.AttestationData, len(e.views))
	for _, v := range e.views {
		head, st, err := e.viewHead(v, slot, now)
		if err != nil {
			return err
		}
		heads[v.id] = slotHead{head, st}
		// The honest vote on this head; each agent sets its committee index.
		vote, err := consensus.AttestationDataFor(&e.cfg, st)
		if err != nil {
			return fmt.Errorf("sim: slot %d: view %s: attestation data: %w", slot, v.name, err)
		}
		votes[v.id] = vote
	}
	views, duties, err := e.attestDuties(slot, epoch, heads, votes)
	if err != nil {
		return err
	}
	e.syncDuties(slot, epoch, heads, views, duties)
	ids := e.runPhase(views, duties, e.mode == agents.SignFull)
	e.verifyGossip(ids, views[e.mainView].AttesterDomain)
	for _, id := range ids {
		from := e.views[e.viewOfAgent[id]]
		strat := e.strategyOf(from, epoch)
		atts := e.results[id].Attestations
		if e.balance.active(from) {
			atts = nil // the balancing strategy votes for the coalition
		}
		e.work.cur.votes += uint64(len(atts))
		for i := range atts {
			// The messages point into the agent's fresh Actions (not
			// reused), so that a vote costs no allocation of its own.
			m := &atts[i]
			e.balance.seen(m)
			if !m.Signature.IsZero() {
				e.stats.AttestationSigns++
			}
			e.auditVote(m)
			route, _ := strat.holdVote(m, m.Route)
			e.send(id, epoch, now, m.ExtraDelayMs, route, func(msg *message) { msg.att = m })
		}
		e.sendSync(id, epoch, now, strat, e.results[id].SyncMessages)
		e.results[id] = agents.Actions{}
	}
	return e.balance.attest(slot, now, heads)
}

// attestDuties builds each view's SlotView for the attest phase and the
// duties on its committees: for the view's own agents, and for the agents
// of a both-sides coalition that reaches it (which then have no duties of
// their own view).
func (e *Engine) attestDuties(slot consensus.Slot, epoch consensus.Epoch, heads []slotHead, votes []consensus.AttestationData) ([]*agents.SlotView, map[int]*agents.Duties, error) {
	views := make([]*agents.SlotView, len(e.views))
	duties := map[int]*agents.Duties{}
	strats := make([]strategy, len(e.views))
	for _, v := range e.views {
		strats[v.id] = e.strategyOf(v, epoch)
	}
	// byAgent mirrors duties by agent id: a committee member's lookup
	// costs no map access.
	byAgent := make([]*agents.Duties, len(e.agents))
	for _, v := range e.views {
		sv := e.slotView(v, slot, agents.PhaseAttest, heads[v.id], e.viewInfos(v.id, epoch, heads, votes))
		sv.Vote = votes[v.id]
		views[v.id] = sv
		sh, err := consensus.EpochCommittees(&e.cfg, heads[v.id].st, epoch)
		if err != nil {
			return nil, nil, fmt.Errorf("sim: slot %d: committees: %w", slot, err)
		}
		e.committeeDuties(v, slot, sh, strats, duties, byAgent)
	}
	return views, duties, nil
}

// committeeDuties adds the duties on v's committees at slot: for v's own
// agents, and for the agents of a both-sides coalition that reaches v
// (which then has no duties of its own view), in committee and position
// order. A first pass finds each member's agent and counts the agents'
// duties; the second hands each agent that has none yet a segment of one
// allocation, so that the appends do not grow slices per agent.
func (e *Engine) committeeDuties(v *view, slot consensus.Slot, sh *consensus.Shuffling, strats []strategy, duties map[int]*agents.Duties, byAgent []*agents.Duties) {
	if len(e.dutyCounts) != len(e.agents) {
		e.dutyCounts = make([]int32, len(e.agents))
	}
	agentOf, counts := e.dutyAgents[:0], e.dutyCounts
	total := 0
	for ci := uint64(0); ci < sh.CommitteesPerSlot; ci++ {
		members, _ := sh.Committee(slot, consensus.CommitteeIndex(ci))
		for _, val := range members {
			agent := e.agentOfVal[val]
			if !strats[e.viewOfAgent[agent]].dutiesOn(v) {
				agentOf = append(agentOf, -1)
				continue
			}
			agentOf = append(agentOf, int32(agent))
			counts[agent]++
			total++
		}
	}
	e.dutyAgents = agentOf
	all := make([]agents.AttestDuty, total)
	cursor, k := 0, 0
	for ci := uint64(0); ci < sh.CommitteesPerSlot; ci++ {
		members, _ := sh.Committee(slot, consensus.CommitteeIndex(ci))
		for pos, val := range members {
			agent := agentOf[k]
			k++
			if agent < 0 {
				continue
			}
			d := byAgent[agent]
			if d == nil {
				d = dutiesOf(duties, int(agent))
				byAgent[agent] = d
			}
			if n := int(counts[agent]); n > 0 { // the agent's first duty here
				if len(d.Attestations) == 0 {
					d.Attestations = all[cursor:cursor:min(cursor+n, len(all))]
				}
				cursor += n
				counts[agent] = 0 // the scratch is zero again after the pass
			}
			d.Attestations = append(d.Attestations, agents.AttestDuty{
				Validator: val, Committee: consensus.CommitteeIndex(ci), Position: pos, CommitteeSize: len(members), View: v.id,
			})
		}
	}
}
