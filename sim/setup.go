package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/consensus/forkchoice"
	"github.com/stakesim/stakesim/crypto"
)

func genesisSeed(seed uint64) consensus.Root {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	return sha256.Sum256(append([]byte("stakesim/genesis/v1\x00"), b[:]...))
}

func (e *Engine) buildViews() error {
	parts := e.sc.Network.Partitions
	sides, err := e.groupSides()
	if err != nil {
		return err
	}
	viewOfGroup := make([]int, len(e.sc.Groups))
	var viewSides [][]int
	var viewCoal, names []string
	for gi, g := range e.sc.Groups {
		found := -1
		for vi, s := range viewSides {
			if slices.Equal(s, sides[gi]) && viewCoal[vi] == g.Coalition {
				found = vi
				break
			}
		}
		if found < 0 {
			found = len(viewSides)
			viewSides = append(viewSides, sides[gi])
			viewCoal = append(viewCoal, g.Coalition)
			names = append(names, e.viewName(sides[gi], g.Coalition))
		}
		viewOfGroup[gi] = found
	}
	e.sched = partitionSchedule{parts: parts}
	for pi := range parts {
		row := make([]int, len(viewSides))
		for vi := range viewSides {
			row[vi] = viewSides[vi][pi]
		}
		e.sched.side = append(e.sched.side, row)
	}
	e.groupView = viewOfGroup
	e.makeViews(names, viewCoal)
	return nil
}

// groupSides gives each validator group its signature: its side in every
// partition (bridgeSide for a bridge), then its network view if the
// scenario has views (they split groups like a partition that never
// disconnects).
func (e *Engine) groupSides() ([][]int, error) {
	parts := e.sc.Network.Partitions
	sides := make([][]int, len(e.sc.Groups))
	for gi, g := range e.sc.Groups {
		sides[gi] = make([]int, len(parts))
		for pi, p := range parts {
			sides[gi][pi] = -1
			for _, b := range p.Bridges {
				if b == g.Name {
					sides[gi][pi] = bridgeSide
				}
			}
			for si, vg := range p.Groups {
				if slices.Contains(vg.Members, g.Name) {
					sides[gi][pi] = si
				}
			}
			if sides[gi][pi] == -1 {
				return nil, fmt.Errorf("sim: validator group %q is in no group of partition %q", g.Name, p.Name)
			}
		}
	}
	if vgs := e.sc.Network.Views; len(vgs) > 0 {
		for gi, g := range e.sc.Groups {
			side := -1
			for si, vg := range vgs {
				if slices.Contains(vg.Members, g.Name) {
					side = si
				}
			}
			if side < 0 {
				return nil, fmt.Errorf("sim: validator group %q is in no network view", g.Name)
			}
			sides[gi] = append(sides[gi], side)
		}
	}
	return sides, nil
}

// viewName names a view group: its coalition's name, else the names of its
// partition sides and network view joined by "/", else "main".
func (e *Engine) viewName(sides []int, coalition string) string {
	if coalition != "" {
		return coalition
	}
	parts := e.sc.Network.Partitions
	var names []string
	for pi, p := range parts {
		if s := sides[pi]; s != bridgeSide {
			names = append(names, p.Groups[s].Name)
		}
	}
	if vgs := e.sc.Network.Views; len(vgs) > 0 {
		names = append(names, vgs[sides[len(parts)]].Name)
	}
	if len(names) == 0 {
		return "main"
	}
	return strings.Join(names, "/")
}

// makeViews creates the views, each with its fork-choice store from
// genesis, its slasher (honest views, when slashers run) and, for a
// coalition, its members; the first honest view is the summary's.
func (e *Engine) makeViews(names, coalitions []string) {
	g := e.chain.genesis
	e.mainView = -1
	for vi, name := range names {
		v := &view{id: vi, name: name, pool: map[poolKey]*poolEntry{}, coalition: coalitions[vi], honest: coalitions[vi] == "", lastHead: g, rejected: map[consensus.Root]bool{}, firstAgent: -1}
		v.store = forkchoice.NewStore(&e.cfg, *g.info, e.balancesAt)
		if v.honest && e.sc.SlasherHistoryEpochs > 0 {
			v.slasher = agents.NewSlasher(e.sc.SlasherHistoryEpochs)
		}
		g.processed.add(vi) // every store starts from genesis
		if v.honest && e.mainView < 0 {
			e.mainView = vi
		}
		e.views = append(e.views, v)
	}
	if e.mainView < 0 {
		e.mainView = 0
	}
	e.chain.views = len(e.views)
	e.maxFinal = make([]consensus.Epoch, len(e.views))
}

// bridgeSide is the side of a bridge group in a partition: every side.
const bridgeSide = -2

// balancesAt gives fork choice the balances of a checkpoint state
// (forkchoice.BalancesOf): the effective balances its attestation score
// weighs (0 for validators not active in the checkpoint's epoch or slashed)
// and get_total_active_balance, slashed validators included, for the
// proposer score.
func (e *Engine) balancesAt(cp consensus.Checkpoint) forkchoice.CheckpointBalances {
	b, ok := e.chain.blocks[cp.Root]
	if !ok {
		return forkchoice.CheckpointBalances{}
	}
	bd, err := e.chain.atEpochStart(b, cp.Epoch)
	if err != nil {
		return forkchoice.CheckpointBalances{}
	}
	return forkchoice.BalancesOf(&e.cfg, bd.st)
}

func (e *Engine) buildAgents() error {
	reg, err := newRegistry()
	if err != nil {
		return err
	}
	e.registry = reg
	var vrecs []ValidatorRecord
	var arecs []AgentRecord
	members := make([][]int, len(e.sc.Groups)) // validator indices of each group, ascending
	for vi, gi := range e.groupOfVal {
		members[gi] = append(members[gi], vi)
	}
	for gi, g := range e.sc.Groups {
		view := e.views[e.groupView[gi]]
		per := g.ValidatorsPerAgent
		if per < 1 {
			per = 1
		}
		ms := members[gi]
		for first := 0; first < len(ms); first += per {
			id := len(arecs)
			arecs = append(arecs, AgentRecord{ID: id, Kind: agents.KindValidatorClient, Group: g.Name, View: view.name, Coalition: g.Coalition})
			vrecs = appendRanges(vrecs, ms[first:min(first+per, len(ms))], ValidatorRecord{Group: g.Name, Agent: id, View: view.name, Coalition: g.Coalition})
		}
	}
	if err := reg.insert(vrecs, arecs); err != nil {
		return err
	}
	if err := e.indexRegistry(vrecs); err != nil {
		return err
	}
	groupIndex := map[string]int{}
	for gi, g := range e.sc.Groups {
		groupIndex[g.Name] = gi
	}
	for _, a := range arecs {
		gi := groupIndex[a.Group]
		g := e.sc.Groups[gi]
		var bs []agents.Behaviour
		for bi, b := range g.Behaviours {
			beh, err := agents.FromSpec(agents.Spec{Kind: b.Kind, FromEpoch: b.FromEpoch, ToEpoch: b.ToEpoch, HasToEpoch: b.HasToEpoch,
				DelayMs: b.DelayMs, ReleaseTo: b.ReleaseTo, ReleaseDelayMs: b.ReleaseDelayMs, Gate: e.gateFor(gi, bi, b.AfterByzantineShareWAD)})
			if err != nil {
				return fmt.Errorf("sim: group %q: %w", g.Name, err)
			}
			bs = append(bs, beh)
		}
		keys := map[consensus.ValidatorIndex]*crypto.SecretKey{}
		vals, err := reg.ValidatorsOfAgent(a.ID)
		if err != nil {
			return err
		}
		for _, vi := range vals {
			var sk *crypto.SecretKey
			if e.keys != nil {
				sk = e.keys.Secret(vi)
			}
			keys[consensus.ValidatorIndex(vi)] = sk
		}
		client := agents.NewValidatorClient(a.ID, keys, e.mode, bs)
		if g.Coalition == "" {
			client.EnableSlashingProtection()
		}
		e.agents = append(e.agents, client)
		e.viewOfAgent = append(e.viewOfAgent, e.groupView[gi])
		if v := e.views[e.groupView[gi]]; v.firstAgent < 0 {
			v.firstAgent = len(e.agents) - 1
		}
		e.netRNG = append(e.netRNG, NewRNG(e.sc.Seed, uint64(a.ID), "network"))
	}
	return e.buildOperators(e.plan)
}

// addEconomic registers an epoch-phase agent (restaking operators, AVSs,
// stakers, ...) after the validator clients and staking operators: it gets
// the next id, its own goroutine at Start, the summary view for routing,
// and a row in the registry.
func (e *Engine) addEconomic(a agents.Agent, set func(id int)) error {
	id := len(e.agents)
	set(id)
	e.agents = append(e.agents, a)
	e.viewOfAgent = append(e.viewOfAgent, e.mainView)
	e.netRNG = append(e.netRNG, NewRNG(e.sc.Seed, uint64(id), "network"))
	e.results = append(e.results, agents.Actions{})
	return e.registry.insert(nil, []AgentRecord{{ID: id, Kind: a.Kind(), View: e.views[e.mainView].name}})
}

// agentCounts counts the agents by kind.
func (e *Engine) agentCounts() AgentCounts {
	var c AgentCounts
	for _, a := range e.agents {
		c.add(a.Kind())
	}
	return c
}

// indexRegistry builds the hot-path indexes of the registry, read every
// slot: the agent of each validator, whether it is in a coalition, and
// each coalition view's members. They are derived from the registry's
// records (its relations are the source) and never written afterwards.
func (e *Engine) indexRegistry(vrecs []ValidatorRecord) error {
	e.agentOfVal = make([]int, len(e.groupOfVal))
	for _, r := range vrecs {
		for i := r.First; i < r.First+r.Count; i++ {
			e.agentOfVal[i] = r.Agent
		}
	}
	e.byz = make([]bool, len(e.groupOfVal))
	for _, v := range e.views {
		if v.coalition == "" {
			continue
		}
		vals, err := e.registry.ValidatorsOfCoalition(v.coalition)
		if err != nil {
			return err
		}
		v.members = make([]bool, len(e.groupOfVal))
		for _, i := range vals {
			v.members[i], e.byz[i] = true, true
		}
	}
	return nil
}
