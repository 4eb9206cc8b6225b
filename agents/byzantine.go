package agents

import (
	"github.com/stakesim/stakesim/consensus"
)

// Byzantine behaviours. Each is a value with a window; the ones that need
// the engine (block building, fork choice, the network) also implement
// PolicyBehaviour. A coalition's groups share one view, so behaviours that
// act for the whole coalition read the coalition's view (SlotView.Views,
// SlotView.Coalition).

// PolicyBehaviour is a behaviour with a part the engine carries out.
type PolicyBehaviour interface {
	Behaviour
	// Apply sets the behaviour's part of the policy for epoch.
	Apply(epoch consensus.Epoch, p *Policy)
}

// WithholdAttestations publishes no attestations and no sync committee
// messages.
type WithholdAttestations struct{ Window Window }

// Shape implements Behaviour.
func (w WithholdAttestations) Shape(v *SlotView, a *Actions) {
	if w.Window.Contains(v.Epoch) {
		a.Attestations = nil
		a.SyncMessages = nil // sync committee messages go with the votes
	}
}

// Name implements Behaviour.
func (WithholdAttestations) Name() string { return "withhold-attestations" }

// WithholdBlocks publishes none of its blocks.
type WithholdBlocks struct{ Window Window }

// Shape implements Behaviour.
func (w WithholdBlocks) Shape(v *SlotView, a *Actions) {
	if w.Window.Contains(v.Epoch) {
		a.Blocks = nil
	}
}

// Name implements Behaviour.
func (WithholdBlocks) Name() string { return "withhold-blocks" }

// DoubleVote adds, for every attestation, a second one for the same target
// epoch on a different head block: a double vote (is_slashable_attestation_data's
// first case). Both are published.
type DoubleVote struct{ Window Window }

// Shape implements Behaviour.
func (d DoubleVote) Shape(v *SlotView, a *Actions) {
	if !d.Window.Contains(v.Epoch) {
		return
	}
	n := len(a.Attestations)
	for i := 0; i < n; i++ {
		m := a.Attestations[i]
		other := v.HeadParent
		if m.Data.Target.Root != m.Data.BeaconBlockRoot {
			other = m.Data.Target.Root
		}
		if other == m.Data.BeaconBlockRoot || other == (consensus.Root{}) {
			continue // genesis head: no other block to vote for
		}
		m.Data.BeaconBlockRoot = other
		a.Attestations = append(a.Attestations, m)
	}
}

// Name implements Behaviour.
func (DoubleVote) Name() string { return "double-vote" }

// SurroundVote attests with the genesis checkpoint as source. Once the
// validator has voted with a later source, the new vote surrounds it
// (is_slashable_attestation_data's second case). Such a vote can never be
// included in a block (its source is not the justified checkpoint); it
// travels by gossip only.
type SurroundVote struct{ Window Window }

// Shape implements Behaviour.
func (s SurroundVote) Shape(v *SlotView, a *Actions) {
	if !s.Window.Contains(v.Epoch) {
		return
	}
	for i := range a.Attestations {
		d := &a.Attestations[i].Data
		if d.Source.Epoch > 0 {
			d.Source = consensus.Checkpoint{Epoch: 0, Root: v.GenesisRoot}
		}
	}
}

// Name implements Behaviour.
func (SurroundVote) Name() string { return "surround-vote" }

// DoublePropose signs, for each of its blocks, a second block for the same
// slot with different graffiti; both are published.
type DoublePropose struct{ Window Window }

// Shape implements Behaviour.
func (d DoublePropose) Shape(v *SlotView, a *Actions) {
	if !d.Window.Contains(v.Epoch) {
		return
	}
	n := len(a.Blocks)
	for i := 0; i < n; i++ {
		b := a.Blocks[i]
		b.Block.Message.Body.Graffiti = equivocationGraffiti
		a.Blocks = append(a.Blocks, b)
	}
}

// Name implements Behaviour.
func (DoublePropose) Name() string { return "double-propose" }

var equivocationGraffiti = consensus.Root{'e', 'q', 'u', 'i', 'v', 'o', 'c', 'a', 't', 'e'}

// BothSides votes and proposes on the head of every reachable honest view
// group, each side seeing only its own votes and blocks. The engine gives
// the coalition's agents one duty per side (each side's committees differ
// once the branches' RANDAO mixes do) and the client routes each vote to
// its side. During a partition that makes the coalition a bridge, this is
// the "34% plus half of the rest" attack: both sides justify and finalize,
// and every coalition member has double voted.
type BothSides struct{ Window Window }

// Shape implements Behaviour.
func (BothSides) Shape(*SlotView, *Actions) {}

// Apply implements PolicyBehaviour.
func (b BothSides) Apply(e consensus.Epoch, p *Policy) {
	if b.Window.Contains(e) {
		p.BothSides = true
	}
}

// Name implements Behaviour.
func (BothSides) Name() string { return "both-sides" }

// Censor leaves attestations by validators outside the coalition out of
// the coalition's blocks.
type Censor struct{ Window Window }

// Shape implements Behaviour.
func (Censor) Shape(*SlotView, *Actions) {}

// Apply implements PolicyBehaviour.
func (c Censor) Apply(e consensus.Epoch, p *Policy) {
	if c.Window.Contains(e) {
		p.Censor = true
	}
}

// Name implements Behaviour.
func (Censor) Name() string { return "censor" }

// OwnChain makes the coalition ignore blocks it did not propose.
type OwnChain struct{ Window Window }

// Shape implements Behaviour.
func (OwnChain) Shape(*SlotView, *Actions) {}

// Apply implements PolicyBehaviour.
func (o OwnChain) Apply(e consensus.Epoch, p *Policy) {
	if o.Window.Contains(e) {
		p.OwnChain = true
	}
}

// Name implements Behaviour.
func (OwnChain) Name() string { return "own-chain" }

// PrivateChain builds a private chain: within the window the coalition
// ignores others' blocks and publishes nothing (the engine keeps its
// blocks and votes); in the epoch the window ends, it releases them.
type PrivateChain struct {
	Window    Window
	ReleaseTo []string
}

// Shape implements Behaviour.
func (PrivateChain) Shape(*SlotView, *Actions) {}

// Apply implements PolicyBehaviour.
func (pc PrivateChain) Apply(e consensus.Epoch, p *Policy) {
	switch {
	case pc.Window.Contains(e):
		p.PrivateChain, p.OwnChain = true, true
	case pc.Window.Bounded && e == pc.Window.To:
		p.Release = true
		p.ReleaseTo = pc.ReleaseTo
	}
}

// Name implements Behaviour.
func (PrivateChain) Name() string { return "private-chain" }

// ExAnteReorg withholds each of the coalition's blocks and the coalition's
// votes for it until ReleaseDelayMs into the next slot, so that the next
// (honest) proposer builds beside it and its block is reorged out when the
// withheld block and votes arrive (Schwarz-Schilling et al., "Three Attacks
// on Proof-of-Stake Ethereum", 2022). Proposer boost defeats it unless the
// withheld votes outweigh the boost.
type ExAnteReorg struct {
	Window         Window
	ReleaseDelayMs uint64
}

// Shape implements Behaviour.
func (x ExAnteReorg) Shape(v *SlotView, a *Actions) {
	if !x.Window.Contains(v.Epoch) {
		return
	}
	var others []Send
	switch v.Phase {
	case PhasePropose:
		// Released ReleaseDelayMs into the next slot.
		for _, w := range v.Views {
			if w.ID != v.View {
				others = append(others, Send{View: w.ID, DelayMs: v.SlotMs + x.ReleaseDelayMs})
			}
		}
		for i := range a.Blocks {
			a.Blocks[i].Route = append([]Send{{View: v.View}}, others...)
		}
	case PhaseAttest:
		// Votes for our own block of this slot are withheld with it.
		if v.HeadSlot != v.Slot || int(v.HeadProposer) >= len(v.Coalition) || !v.Coalition[v.HeadProposer] {
			return
		}
		delay := v.SlotMs - v.SlotMs/3 + x.ReleaseDelayMs
		for _, w := range v.Views {
			if w.ID != v.View {
				others = append(others, Send{View: w.ID, DelayMs: delay})
			}
		}
		for i := range a.Attestations {
			a.Attestations[i].Route = append([]Send{{View: v.View}}, others...)
		}
		for i := range a.SyncMessages {
			a.SyncMessages[i].Route = append([]Send{{View: v.View}}, others...)
		}
	}
}

// Name implements Behaviour.
func (ExAnteReorg) Name() string { return "ex-ante-reorg" }

// Balancing hands the coalition's votes to the engine's balancing strategy
// once the attack has started (the strategy needs every vote sent and the
// committees of both branches at once). Use it with double-propose: the
// attack starts with two blocks at an epoch's first slot.
type Balancing struct{ Window Window }

// Shape implements Behaviour.
func (Balancing) Shape(*SlotView, *Actions) {}

// Apply implements PolicyBehaviour.
func (b Balancing) Apply(e consensus.Epoch, p *Policy) {
	if b.Window.Contains(e) {
		p.Balancing = true
	}
}

// Name implements Behaviour.
func (Balancing) Name() string { return "balancing" }
