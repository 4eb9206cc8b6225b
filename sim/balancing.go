package sim

import (
	"sort"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// balancer runs the LMD-GHOST balancing attack (Neu, Tas and Tse, "Ebb-
// and-flow protocols", 2021; the attack that motivated proposer boost) for
// a coalition whose policy asks for it. It needs exactly two honest view
// groups (nodes that hear each other, but which the coalition can reach
// separately: network.views) and runs in the engine because it needs what
// the whole coalition knows at once: every vote sent so far and the
// committees of both branches.
//
//  1. Start: at the first slot of an epoch where a coalition member
//     proposes (with double-propose, two blocks), block L goes to view a and
//     block R to view b at once, and each to the other view only after the
//     attestation deadline. Honest a votes L, honest b votes R, and the
//     epoch's checkpoints differ on the two branches.
//  2. Every slot: the coalition keeps a tally T of the latest votes for the
//     L and R subtrees (weight L minus weight R, from every vote sent). It
//     releases votes of its members (each at most once per epoch, never a
//     slashable double vote), timed so that just before the next
//     attestation deadline view a sees L ahead and view b sees R ahead,
//     while every vote reaches both views before the deadline after, when
//     the tally is back near zero. Honest validators keep splitting, no
//     checkpoint gets two thirds, and finality stalls.
//
// Proposer boost breaks it: each timely honest block adds a boost of
// PROPOSER_SCORE_BOOST% of a committee to its branch in both views, more
// than the coalition can release per slot unless it is large.
type balancer struct {
	e       *Engine
	started bool
	done    bool
	side    [2]*view       // honest views: a sees L first, b sees R first
	root    [2]*blockEntry // L and R
	// tally is every validator's latest vote: its epoch and side (+1 L,
	// -1 R, 0 neither).
	tally map[consensus.ValidatorIndex]tallyVote
	// used marks coalition members that voted in the current epoch.
	used      map[consensus.ValidatorIndex]bool
	usedEpoch consensus.Epoch
}

type tallyVote struct {
	epoch consensus.Epoch
	side  int8
}

func newBalancer(e *Engine) *balancer {
	return &balancer{e: e, tally: map[consensus.ValidatorIndex]tallyVote{}, used: map[consensus.ValidatorIndex]bool{}}
}

// coalition returns the balancing coalition's view in epoch, or nil.
func (b *balancer) coalition(epoch consensus.Epoch) *view {
	for _, v := range b.e.views {
		if b.e.strategyOf(v, epoch).balancing() {
			return v
		}
	}
	return nil
}

// honestViews returns the two honest views, or false.
func (b *balancer) honestViews() ([2]*view, bool) {
	var out [2]*view
	n := 0
	for _, v := range b.e.views {
		if v.honest {
			if n == 2 {
				return out, false
			}
			out[n] = v
			n++
		}
	}
	return out, n == 2
}

// active reports whether the coalition of view v is running the attack.
func (b *balancer) active(v *view) bool {
	return b.started && !b.done && b.e.strategyOf(v, b.e.currentEpoch()).balancing()
}

// routeBlocks routes a coalition agent's two equivocating blocks at the
// first slot of an epoch and starts the attack; otherwise it returns the
// routes unchanged.
func (b *balancer) routeBlocks(from *view, slot consensus.Slot, blocks []*blockEntry, routes [][]agents.Send) [][]agents.Send {
	e := b.e
	epoch := consensus.ComputeEpochAtSlot(&e.cfg, slot)
	if len(blocks) == 2 && e.strategyOf(from, epoch).balancing() && (b.started || b.done) {
		// Once the attack is under way the second block is not needed:
		// keep it to the coalition.
		return [][]agents.Send{routes[0], {{View: from.id}}}
	}
	if b.started || b.done || len(blocks) != 2 || !e.strategyOf(from, epoch).balancing() ||
		consensus.ComputeStartSlotAtEpoch(&e.cfg, epoch) != slot {
		return routes
	}
	sides, ok := b.honestViews()
	if !ok {
		return routes
	}
	late := e.cfg.AttestationDueMs() + 1
	b.side, b.root, b.started = sides, [2]*blockEntry{blocks[0], blocks[1]}, true
	return [][]agents.Send{
		{{View: sides[0].id}, {View: from.id}, {View: sides[1].id, DelayMs: late}},
		{{View: sides[1].id}, {View: from.id}, {View: sides[0].id, DelayMs: late}},
	}
}

// sideOf classifies a block: +1 in L's subtree, -1 in R's, 0 otherwise.
func (b *balancer) sideOf(root consensus.Root) int8 {
	blk, ok := b.e.chain.blocks[root]
	if !ok {
		return 0
	}
	for i, r := range b.root {
		if b.e.chain.ancestorAt(blk, r.slot) == r {
			return int8(1 - 2*i)
		}
	}
	return 0
}

// seen records a vote that was sent (latest message per validator).
func (b *balancer) seen(m *agents.AttestationMsg) {
	if !b.started || b.done {
		return
	}
	t := b.tally[m.AttesterIndex]
	if m.Data.Target.Epoch < t.epoch {
		return
	}
	b.tally[m.AttesterIndex] = tallyVote{epoch: m.Data.Target.Epoch, side: b.sideOf(m.Data.BeaconBlockRoot)}
}

// attest runs after each attest phase: it releases the coalition's votes
// for the next slot's deadline.
func (b *balancer) attest(slot consensus.Slot, now uint64, heads []slotHead) error {
	e := b.e
	if !b.started || b.done {
		return nil
	}
	epoch := consensus.ComputeEpochAtSlot(&e.cfg, slot)
	coal := b.coalition(epoch)
	if coal == nil {
		b.done = true
		return nil
	}
	if b.ended(slot, epoch, coal, heads) {
		return nil
	}
	if epoch != b.usedEpoch {
		clear(b.used)
		b.usedEpoch = epoch
	}
	balances := e.balancesAt(b.side[0].store.Justified()).Weights
	eb := func(v consensus.ValidatorIndex) int64 {
		if int(v) < len(balances) {
			return int64(balances[v])
		}
		return 0
	}
	var T int64
	for v, t := range b.tally {
		T += int64(t.side) * eb(v)
	}
	H, err := b.honestNext(slot, heads, eb)
	if err != nil {
		return err
	}
	cands, err := b.unusedVotes(slot, epoch, coal, heads)
	if err != nil {
		return err
	}
	pick := b.choose(cands, T, H, eb)
	b.sendVotes(pick, epoch, now, heads)
	return nil
}

// ended reports (and announces) the end of the attack: it holds while the
// two honest views' heads are on opposite sides; once they agree it is
// over.
func (b *balancer) ended(slot consensus.Slot, epoch consensus.Epoch, coal *view, heads []slotHead) bool {
	a, bv := b.side[0], b.side[1]
	if b.sideOf(heads[a.id].head.root) == 1 && b.sideOf(heads[bv.id].head.root) == -1 {
		return false
	}
	b.done = true
	views := []BalancingView{{View: a.name, Side: sideName(b.sideOf(heads[a.id].head.root))}, {View: bv.name, Side: sideName(b.sideOf(heads[bv.id].head.root))}}
	sort.Slice(views, func(i, j int) bool { return views[i].View < views[j].View })
	b.e.rep.event(newEvent(uint64(epoch), uint64(slot), coal.name, BalancingEndedDetails{Views: views}))
	return true
}

// honestNext is how the honest votes of the next slot will move the tally:
// view a's members vote L (+), view b's vote R (-).
func (b *balancer) honestNext(slot consensus.Slot, heads []slotHead, eb func(consensus.ValidatorIndex) int64) (int64, error) {
	e := b.e
	next := slot + 1
	nextEpoch := consensus.ComputeEpochAtSlot(&e.cfg, next)
	var H int64
	for i, w := range b.side {
		sh, err := consensus.EpochCommittees(&e.cfg, heads[w.id].st, nextEpoch)
		if err != nil {
			return 0, err
		}
		want := int8(1 - 2*i)
		for ci := uint64(0); ci < sh.CommitteesPerSlot; ci++ {
			members, _ := sh.Committee(next, consensus.CommitteeIndex(ci))
			for _, val := range members {
				if e.viewOfAgent[e.agentOfVal[val]] != w.id {
					continue
				}
				H += int64(want-b.tally[val].side) * eb(val)
			}
		}
	}
	return H, nil
}

// unusedVotes lists the coalition's votes not yet used on each branch,
// from its duties of the epoch up to slot.
func (b *balancer) unusedVotes(slot consensus.Slot, epoch consensus.Epoch, coal *view, heads []slotHead) ([2][]balVote, error) {
	e := b.e
	cands := [2][]balVote{}
	for i, w := range b.side {
		sh, err := consensus.EpochCommittees(&e.cfg, heads[w.id].st, epoch)
		if err != nil {
			return cands, err
		}
		first := consensus.ComputeStartSlotAtEpoch(&e.cfg, epoch)
		for s := first; s <= slot; s++ {
			if s < b.root[i].slot {
				continue // its vote could not be in this side's subtree
			}
			for ci := uint64(0); ci < sh.CommitteesPerSlot; ci++ {
				members, _ := sh.Committee(s, consensus.CommitteeIndex(ci))
				for pos, val := range members {
					if !coal.members[val] || b.used[val] {
						continue
					}
					cands[i] = append(cands[i], balVote{val: val, slot: s, index: consensus.CommitteeIndex(ci), pos: pos, size: len(members)})
				}
			}
		}
	}
	return cands, nil
}

// choose picks the votes to send: view a must see T+L > 0 and view b
// T-R < 0 at the deadline, and afterwards T+L-R+H should be as close to 0
// as the votes allow. A vote moves the tally by the difference to the
// member's latest vote: an L vote by a member whose latest vote was R
// moves it twice.
func (b *balancer) choose(cands [2][]balVote, T, H int64, eb func(consensus.ValidatorIndex) int64) [2][]balVote {
	var pick [2][]balVote
	taken := map[consensus.ValidatorIndex]bool{}
	sumL, sumR := int64(0), int64(0)
	gain := func(i int, v consensus.ValidatorIndex) int64 {
		if i == 0 {
			return int64(1-b.tally[v].side) * eb(v)
		}
		return int64(1+b.tally[v].side) * eb(v)
	}
	for i := range cands {
		c := cands[i]
		sort.SliceStable(c, func(x, y int) bool { return gain(i, c[x].val) > gain(i, c[y].val) })
	}
	take := func(i int) bool {
		for len(cands[i]) > 0 {
			c := cands[i][0]
			cands[i] = cands[i][1:]
			g := gain(i, c.val)
			if taken[c.val] || g <= 0 {
				continue
			}
			taken[c.val] = true
			pick[i] = append(pick[i], c)
			if i == 0 {
				sumL += g
			} else {
				sumR += g
			}
			return true
		}
		return false
	}
	for T+sumL <= 0 && take(0) {
	}
	for T-sumR >= 0 && take(1) {
	}
	// Then spend votes on the side the tally leans away from while a vote
	// brings it closer to zero.
	for moved := true; moved; {
		after := T + sumL - sumR + H
		switch {
		case after > 0 && len(cands[1]) > 0 && 2*after > gain(1, cands[1][0].val):
			moved = take(1)
		case after < 0 && len(cands[0]) > 0 && -2*after > gain(0, cands[0][0].val):
			moved = take(0)
		default:
			moved = false
		}
	}
	return pick
}

// sendVotes sends the chosen votes: each early to its own side and late
// to the other, so that each side sees its votes before the deadline.
func (b *balancer) sendVotes(pick [2][]balVote, epoch consensus.Epoch, now uint64, heads []slotHead) {
	e := b.e
	early := e.cfg.SlotDurationMs - e.maxNetDelay() - 1
	late := e.cfg.SlotDurationMs + 1
	for i, w := range b.side {
		other := b.side[1-i]
		for _, c := range pick[i] {
			b.used[c.val] = true
			data := consensus.AttestationData{
				Slot:            c.slot,
				BeaconBlockRoot: e.chain.ancestorAt(heads[w.id].head, c.slot).root,
				Source:          heads[w.id].st.CurrentJustifiedCheckpoint,
				Target:          consensus.Checkpoint{Epoch: epoch, Root: e.chain.ancestorAt(heads[w.id].head, consensus.ComputeStartSlotAtEpoch(&e.cfg, epoch)).root},
			}
			m := agents.AttestationMsg{SingleAttestation: consensus.SingleAttestation{CommitteeIndex: c.index, AttesterIndex: c.val, Data: data},
				Position: c.pos, CommitteeSize: c.size,
				// Not to the coalition's own view: its proposers would put the
				// votes in blocks and so show them to both sides at once.
				Route: []agents.Send{{View: w.id, DelayMs: early}, {View: other.id, DelayMs: late}}}
			if e.mode == agents.SignFull {
				root := consensus.SigningRoot(&e.cfg, heads[w.id].st, consensus.DomainBeaconAttester, epoch, data.Root())
				m.Signature = crypto.Sign(e.keys.Secret(uint64(c.val)), root)
				e.stats.AttestationSigns++
			}
			b.seen(&m)
			e.auditVote(&m)
			e.send(e.agentOfVal[c.val], epoch, now, 0, m.Route, func(msg *message) { msg.att = &m })
		}
	}
}

type balVote struct {
	val   consensus.ValidatorIndex
	slot  consensus.Slot
	index consensus.CommitteeIndex
	pos   int
	size  int
}

func sideName(s int8) string {
	switch s {
	case 1:
		return "L"
	case -1:
		return "R"
	}
	return "neither"
}

// maxNetDelay is the largest delay the network model draws (a bound for
// the distributions without one).
func (e *Engine) maxNetDelay() uint64 {
	d := e.sc.Network.Delay
	switch d.Dist {
	case "fixed":
		return d.Ms
	case "uniform":
		return d.MaxMs
	}
	return e.cfg.SlotDurationMs / 6
}

// currentEpoch is the epoch being run.
func (e *Engine) currentEpoch() consensus.Epoch { return consensus.Epoch(e.stats.Epochs) }
