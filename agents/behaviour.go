package agents

import (
	"fmt"

	"github.com/stakesim/stakesim/consensus"
)

// Behaviour shapes the honest actions of a validator client. Behaviours are
// values built from the scenario (see FromSpec) and applied in order.
type Behaviour interface {
	// Shape may remove, alter or delay the actions computed so far for this
	// phase. It must be deterministic given its arguments.
	Shape(view *SlotView, a *Actions)
	// Name is the scenario kind, for reports.
	Name() string
}

// Window is an epoch interval [From, To); To == 0 with !Bounded means no end.
// A window with a Gate also needs the gate open: it then contains only the
// epochs from the gate's opening epoch on.
type Window struct {
	From    consensus.Epoch
	To      consensus.Epoch
	Bounded bool
	Gate    *Gate
}

// Contains reports whether epoch e lies in the window.
func (w Window) Contains(e consensus.Epoch) bool {
	return e >= w.From && (!w.Bounded || e < w.To) && w.Gate.admits(e)
}

// Gate holds behaviours back until the engine opens it, e.g. once
// Ethereum's Byzantine share has exceeded a threshold (scenario
// after_byzantine_share). The engine opens a gate only between slot
// barriers, while no agent runs, and agents only read it, so sharing one
// gate among the agents of a group is free of data races.
type Gate struct {
	open bool
	from consensus.Epoch
}

// Open lets the gate admit epochs from epoch on; a gate opens once (later
// calls change nothing).
func (g *Gate) Open(from consensus.Epoch) {
	if !g.open {
		g.open, g.from = true, from
	}
}

// IsOpen reports whether the gate was opened, and from which epoch.
func (g *Gate) IsOpen() (consensus.Epoch, bool) { return g.from, g.open }

// admits reports whether epoch e passes the gate (a nil gate admits all).
func (g *Gate) admits(e consensus.Epoch) bool {
	return g == nil || (g.open && e >= g.from)
}

// Honest changes nothing: the duties are carried out as the spec's
// honest-validator guide says.
type Honest struct{}

func (Honest) Shape(*SlotView, *Actions) {}
func (Honest) Name() string              { return "honest" }

// Offline drops every action while the window lasts: the validator neither
// proposes nor attests (missed proposals, no votes).
type Offline struct{ Window Window }

func (o Offline) Shape(v *SlotView, a *Actions) {
	if o.Window.Contains(v.Epoch) {
		*a = Actions{}
	}
}
func (Offline) Name() string { return "offline" }

// Late sends attestations and sync committee messages DelayMs after the
// normal attestation time while the window lasts, so they arrive later and
// may miss the head, the inclusion windows of the timeliness flags or the
// next block's sync aggregate.
type Late struct {
	Window  Window
	DelayMs uint64
}

func (l Late) Shape(v *SlotView, a *Actions) {
	if !l.Window.Contains(v.Epoch) {
		return
	}
	for i := range a.Attestations {
		a.Attestations[i].ExtraDelayMs += l.DelayMs
	}
	for i := range a.SyncMessages {
		a.SyncMessages[i].ExtraDelayMs += l.DelayMs
	}
}
func (Late) Name() string { return "late" }

// LateBlocks publishes the validator's blocks DelayMs after the slot's
// start while the window lasts: with DelayMs plus the network delay past
// the attestation deadline (get_attestation_due_ms, a third of the slot), the block is late for
// its slot's attesters and for fork choice's block_timeliness, and an
// honest next proposer may re-org it (get_proposer_head).
type LateBlocks struct {
	Window  Window
	DelayMs uint64
}

func (l LateBlocks) Shape(v *SlotView, a *Actions) {
	if !l.Window.Contains(v.Epoch) {
		return
	}
	for i := range a.Blocks {
		a.Blocks[i].ExtraDelayMs += l.DelayMs
	}
}
func (LateBlocks) Name() string { return "late-blocks" }

// Spec is the scenario's description of one behaviour (mirrors
// scenarios.Behaviour, kept here so agents does not import scenarios).
type Spec struct {
	Kind           string
	FromEpoch      uint64
	ToEpoch        uint64
	HasToEpoch     bool
	DelayMs        uint64
	ReleaseTo      []string
	ReleaseDelayMs uint64
	// Gate, when set, holds the behaviour back until it opens (see Gate).
	Gate *Gate
}

// FromSpec builds a Behaviour from its scenario description.
func FromSpec(s Spec) (Behaviour, error) {
	w := Window{From: consensus.Epoch(s.FromEpoch), To: consensus.Epoch(s.ToEpoch), Bounded: s.HasToEpoch, Gate: s.Gate}
	switch s.Kind {
	case "honest":
		return Honest{}, nil
	case "offline":
		return Offline{Window: w}, nil
	case "late":
		return Late{Window: w, DelayMs: s.DelayMs}, nil
	case "late-blocks":
		return LateBlocks{Window: w, DelayMs: s.DelayMs}, nil
	case "withhold-attestations":
		return WithholdAttestations{Window: w}, nil
	case "withhold-blocks":
		return WithholdBlocks{Window: w}, nil
	case "private-chain":
		return PrivateChain{Window: w, ReleaseTo: s.ReleaseTo}, nil
	case "double-vote":
		return DoubleVote{Window: w}, nil
	case "surround-vote":
		return SurroundVote{Window: w}, nil
	case "double-propose":
		return DoublePropose{Window: w}, nil
	case "both-sides":
		return BothSides{Window: w}, nil
	case "censor":
		return Censor{Window: w}, nil
	case "own-chain":
		return OwnChain{Window: w}, nil
	case "ex-ante-reorg":
		return ExAnteReorg{Window: w, ReleaseDelayMs: s.ReleaseDelayMs}, nil
	case "balancing":
		return Balancing{Window: w}, nil
	}
	return nil, fmt.Errorf("agents: unknown behaviour kind %q", s.Kind)
}
