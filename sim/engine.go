package sim

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/consensus/forkchoice"
	"github.com/stakesim/stakesim/crypto"
	"github.com/stakesim/stakesim/scenarios"
)

// Engine runs one scenario. It is the single writer of every piece of
// shared state; agents run in their own goroutines and only return Actions.
type Engine struct {
	cfg  consensus.Config
	sc   *scenarios.Scenario
	mode agents.SignMode
	opts Options

	keys     *crypto.Keyring
	verifier *timedVerifier
	chain    *chain
	registry *Registry

	views       []*view
	mainView    int // the first honest view: the summary's branch
	viewOfAgent []int
	byz         []bool // by validator: in some coalition
	groupView   []int  // view id of each scenario group
	agentOfVal  []int
	groupOfVal  []int
	agents      []agents.Agent
	workers     []chan job
	results     []agents.Actions
	wg          sync.WaitGroup

	sched   partitionSchedule
	delay   delayModel
	lossPPM uint64
	netRNG  []*RNG // per agent (sender) stream
	syncRNG *RNG   // partition-heal sync stream
	queue   msgQueue
	seq     uint64

	aggCache map[aggKey]cachedSig

	// auditor sees every message any agent sends and every block: it
	// counts the stake that broke a slashing rule, for accountable safety.
	auditor  *agents.Slasher
	offender []bool // by validator: the auditor has proof against it
	// pendingDetections gathers a slot's new slasher findings.
	pendingDetections map[detectionKey]*detection
	detected          []bool // by validator: some view's slasher has evidence
	balance           *balancer

	// Lifecycle: the key directory, every validator's withdrawal
	// credentials (genesis and deposited), the operator agents and the
	// execution layer's request queues.
	dir         *keyDirectory
	credentials []consensus.Root
	operators   []int
	el          elPool
	plan        depositPlan

	// Restaking (nil without a restaking block), the Byzantine share's
	// threshold crossings and the gates of behaviours held back until the
	// share exceeds a threshold (restaking.go).
	rs        *restakingRun
	byzantine byzantineTracker
	gates     []shareGate

	rep    *reporter
	timing Timing
	stats  Stats
	// per-epoch work, for the start/end figures of summary and timing
	work workLog
}

type job struct {
	view   *agents.SlotView
	duties *agents.Duties
}

type aggKey struct {
	data consensus.Root
	bits string
}

// cachedSig is an aggregate signature made in aggregate mode, kept until
// its attestation is too old for any block (evictAggregates).
type cachedSig struct {
	sig  crypto.Signature
	slot consensus.Slot
}

// evictAggregates drops the cached signatures of attestations that no
// block can include any more (older than the pool keeps them).
func (e *Engine) evictAggregates(now consensus.Slot) {
	for k, c := range e.aggCache {
		if uint64(c.slot)+2*e.cfg.SlotsPerEpoch < uint64(now) {
			delete(e.aggCache, k)
		}
	}
}

// pruneChain drops the blocks no view can need again (chain.prune) and
// the views' notes about them. It runs at each epoch's end, after the
// reports and the conflict check.
func (e *Engine) pruneChain() error {
	fin := make([]*blockEntry, 0, len(e.views))
	for _, v := range e.views {
		root := v.store.Finalized().Root
		b, ok := e.chain.blocks[root]
		if !ok {
			return fmt.Errorf("sim: view %s: finalized block %x is not in the chain", v.name, root[:4])
		}
		fin = append(fin, b)
	}
	before := len(e.chain.blocks)
	if err := e.chain.prune(fin, len(e.views)); err != nil {
		return err
	}
	if len(e.chain.blocks) == before {
		return nil
	}
	for _, v := range e.views {
		for r := range v.observed {
			if _, ok := e.chain.blocks[r]; !ok {
				delete(v.observed, r)
			}
		}
		for r := range v.rejected {
			if _, ok := e.chain.blocks[r]; !ok {
				delete(v.rejected, r)
			}
		}
	}
	return nil
}

// timedVerifier counts and times verification; counts never reach results.
type timedVerifier struct {
	inner   consensus.Verifier
	e       *Engine
	seconds float64
}

func (t *timedVerifier) VerifyAggregates(checks []crypto.AggregateCheck) []bool {
	start := t.e.now()
	ok := t.inner.VerifyAggregates(checks)
	t.seconds += t.e.since(start).Seconds()
	return ok
}

// now reads the injected wall clock (Options.Now), or the zero time when
// none was given: the engine itself never reads the clock, and the clock
// only ever feeds timing.json.
func (e *Engine) now() time.Time {
	if e.opts.Now == nil {
		return time.Time{}
	}
	return e.opts.Now()
}

func (e *Engine) since(t time.Time) time.Duration { return e.now().Sub(t) }

// New builds the engine: keys, genesis, registry, views and agents.
func New(sc *scenarios.Scenario, sink Sink, opts Options) (*Engine, error) {
	cfg, ok := consensus.PresetByName(sc.Preset)
	if !ok {
		return nil, fmt.Errorf("sim: unknown preset %q", sc.Preset)
	}
	cfg.ProposerScoreBoost = sc.ProposerBoost
	if err := applyConfig(&cfg, sc.Config); err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, sc: sc, opts: opts, aggCache: map[aggKey]cachedSig{}, work: workLog{epochs: sc.Epochs}}
	switch sc.BLS {
	case scenarios.BLSFull:
		e.mode = agents.SignFull
	case scenarios.BLSAggregate:
		e.mode = agents.SignAggregate
	case scenarios.BLSOff:
		e.mode = agents.SignOff
	default:
		return nil, fmt.Errorf("sim: unknown bls mode %q", sc.BLS)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	n := sc.TotalValidators()
	// Keys for the genesis validators and for those deposits will create.
	e.plan = planDeposits(sc, n)
	total := e.plan.total

	// Keys.
	start := e.now()
	if e.mode != agents.SignOff {
		e.keys = crypto.NewKeyring(sc.Seed, total, workers)
		e.verifier = &timedVerifier{inner: e.keys, e: e}
	} else {
		e.verifier = &timedVerifier{inner: consensus.AcceptAll{}, e: e}
	}
	e.dir = &keyDirectory{ring: e.keys, n: total}
	e.timing.KeyDerivationSeconds = e.since(start).Seconds()

	// Genesis. The address part of a credential is the group and member
	// number, so that withdrawal addresses are distinct.
	gvals := make([]consensus.GenesisValidator, 0, n)
	e.groupOfVal = make([]int, total)
	e.byz = make([]bool, total)
	e.credentials = make([]consensus.Root, total)
	vi := 0
	for gi, g := range sc.Groups {
		for i := 0; i < g.Count; i++ {
			cred := withdrawalCredentials(g.Credentials, gi, i)
			gvals = append(gvals, consensus.GenesisValidator{Balance: consensus.Gwei(g.BalanceGwei), WithdrawalCredentials: cred})
			e.groupOfVal[vi], e.byz[vi], e.credentials[vi] = gi, g.Coalition != "", cred
			vi++
		}
	}
	for gi, g := range sc.Groups {
		member := g.Count
		for wi := range g.Requests {
			for _, k := range e.plan.keys[[2]int{gi, wi}] {
				e.groupOfVal[k], e.byz[k] = gi, g.Coalition != ""
				e.credentials[k] = withdrawalCredentials(g.Credentials, gi, member)
				member++
			}
		}
	}
	caches := consensus.NewCaches()
	caches.SetKeys(e.dir)
	genesis, err := consensus.NewGenesisState(&e.cfg, gvals, genesisSeed(sc.Seed), caches)
	if err != nil {
		return nil, fmt.Errorf("sim: genesis: %w", err)
	}
	e.chain, err = newChain(&e.cfg, genesis, e.verifier)
	if err != nil {
		return nil, err
	}

	// Views: the finest grouping of validator groups over all partitions.
	if err := e.buildViews(); err != nil {
		return nil, err
	}

	// Agents and registry.
	if err := e.buildAgents(); err != nil {
		return nil, err
	}

	e.auditor = agents.NewSlasher(max(sc.SlasherHistoryEpochs, 64))
	e.offender = make([]bool, total)
	e.pendingDetections = map[detectionKey]*detection{}
	e.detected = make([]bool, total)
	e.balance = newBalancer(e)
	e.delay = delayModel{d: sc.Network.Delay}
	e.lossPPM = sc.Network.LossPPM
	e.syncRNG = NewRNG(sc.Seed, ^uint64(0), "network/sync")
	e.rep = newReporter(e, sink)
	if sc.Restaking != nil {
		if e.rs, err = newRestakingRun(e, sink); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func genesisSeed(seed uint64) consensus.Root {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	return sha256.Sum256(append([]byte("stakesim/genesis/v1\x00"), b[:]...))
}

func (e *Engine) buildViews() error {
	parts := e.sc.Network.Partitions
	// Signature of each validator group: its side in every partition
	// (bridgeSide for a bridge) and its coalition.
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
				for _, m := range vg.Members {
					if m == g.Name {
						sides[gi][pi] = si
					}
				}
			}
			if sides[gi][pi] == -1 {
				return fmt.Errorf("sim: validator group %q is in no group of partition %q", g.Name, p.Name)
			}
		}
	}
	// Network views split groups like a partition that never disconnects.
	if vgs := e.sc.Network.Views; len(vgs) > 0 {
		for gi, g := range e.sc.Groups {
			side := -1
			for si, vg := range vgs {
				for _, m := range vg.Members {
					if m == g.Name {
						side = si
					}
				}
			}
			if side < 0 {
				return fmt.Errorf("sim: validator group %q is in no network view", g.Name)
			}
			sides[gi] = append(sides[gi], side)
		}
	}
	viewOfGroup := make([]int, len(e.sc.Groups))
	var viewSides [][]int
	var viewCoal, names []string
	for gi, g := range e.sc.Groups {
		found := -1
		for vi, s := range viewSides {
			if equalInts(s, sides[gi]) && viewCoal[vi] == g.Coalition {
				found = vi
				break
			}
		}
		if found < 0 {
			found = len(viewSides)
			viewSides = append(viewSides, sides[gi])
			viewCoal = append(viewCoal, g.Coalition)
			var parts2 []string
			for pi, p := range parts {
				if s := sides[gi][pi]; s != bridgeSide {
					parts2 = append(parts2, p.Groups[s].Name)
				}
			}
			if vgs := e.sc.Network.Views; len(vgs) > 0 {
				parts2 = append(parts2, vgs[sides[gi][len(parts)]].Name)
			}
			name := strings.Join(parts2, "/")
			switch {
			case g.Coalition != "":
				name = g.Coalition
			case name == "":
				name = "main"
			}
			names = append(names, name)
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
	g := e.chain.genesis
	e.mainView = -1
	for vi, name := range names {
		v := &view{id: vi, name: name, pool: map[poolKey]*poolEntry{}, coalition: viewCoal[vi], honest: viewCoal[vi] == "", lastHead: g, observed: map[consensus.Root]bool{}, rejected: map[consensus.Root]bool{}, firstAgent: -1}
		v.store = forkchoice.New(&e.cfg, *g.info, e.balancesAt)
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
	e.groupView = viewOfGroup
	e.chain.views = len(e.views)
	for _, v := range e.views {
		if v.coalition == "" {
			continue
		}
		v.members = make([]bool, len(e.groupOfVal))
		for i, gi := range e.groupOfVal {
			v.members[i] = e.sc.Groups[gi].Coalition == v.coalition
		}
	}
	return nil
}

// bridgeSide is the side of a bridge group in a partition: every side.
const bridgeSide = -2

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// balancesAt gives fork choice the effective balances at a checkpoint state
// (0 for validators not active in the checkpoint's epoch or slashed).
func (e *Engine) balancesAt(cp consensus.Checkpoint) []consensus.Gwei {
	b, ok := e.chain.blocks[cp.Root]
	if !ok {
		return nil
	}
	bd, err := e.chain.atEpochStart(b, cp.Epoch)
	if err != nil {
		return nil
	}
	st := bd.st
	out := make([]consensus.Gwei, len(st.Validators))
	for i := range st.Validators {
		v := &st.Validators[i]
		if consensus.IsActiveValidator(v, cp.Epoch) && !v.Slashed {
			out[i] = v.EffectiveBalance
		}
	}
	return out
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
			arecs = append(arecs, AgentRecord{ID: id, Kind: agents.KindValidatorClient, Group: g.Name, View: view.name})
			for _, idx := range ms[first:min(first+per, len(ms))] {
				vrecs = append(vrecs, ValidatorRecord{Index: uint64(idx), Group: g.Name, Agent: id, View: view.name})
			}
		}
	}
	if err := reg.insert(vrecs, arecs); err != nil {
		return err
	}
	e.agentOfVal = make([]int, len(vrecs))
	for _, r := range vrecs {
		e.agentOfVal[r.Index] = r.Agent
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
		for _, vi := range reg.ValidatorsOfAgent(a.ID) {
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

// runEpochPhase hands the economic agents with duties their epoch duty
// (the view is nil) and waits for all of them: the same barrier as the
// slot phases. It returns their results by agent id, in id order, and
// clears them.
func (e *Engine) runEpochPhase(duties map[int]*agents.Duties) map[int]agents.Actions {
	ids := e.runPhase(nil, duties, false)
	out := make(map[int]agents.Actions, len(ids))
	for _, id := range ids {
		out[id] = e.results[id]
		e.results[id] = agents.Actions{}
	}
	return out
}

// agentCounts counts the agents by kind.
func (e *Engine) agentCounts() AgentCounts {
	var c AgentCounts
	for _, a := range e.agents {
		c.add(a.Kind())
	}
	return c
}

// Start launches one goroutine per agent.
func (e *Engine) Start() {
	e.workers = make([]chan job, len(e.agents))
	for i, a := range e.agents {
		ch := make(chan job, 1)
		e.workers[i] = ch
		go func(id int, a agents.Agent, in <-chan job) {
			for j := range in {
				e.results[id] = a.Act(j.view, j.duties)
				e.wg.Done()
			}
		}(i, a, ch)
	}
}

// Stop ends the agent goroutines.
func (e *Engine) Stop() {
	for _, ch := range e.workers {
		close(ch)
	}
}

// runPhase hands every agent with duties its view and waits for all of
// them (the slot barrier). Results land in e.results by agent id. The wall
// time goes to timing's agents phase, or to signing for the attestation
// phase in full BLS mode, where agents do little but sign.
func (e *Engine) runPhase(views []*agents.SlotView, duties map[int]*agents.Duties, signing bool) []int {
	ids := make([]int, 0, len(duties))
	for id := range duties {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	start := e.now()
	e.wg.Add(len(ids))
	for _, id := range ids {
		var v *agents.SlotView
		if views != nil {
			v = views[e.viewOfAgent[id]]
		}
		e.workers[id] <- job{view: v, duties: duties[id]}
	}
	e.wg.Wait()
	if signing {
		e.timing.SigningSeconds += e.since(start).Seconds()
	} else {
		e.timing.AgentsSeconds += e.since(start).Seconds()
	}
	return ids
}

// Run executes the scenario (see the package-level Run).
func (e *Engine) Run(ctx context.Context) (*Result, error) {
	wall := e.now()
	e.Start()
	defer e.Stop()
	// One epoch more than reported: the last reported epoch's attestations
	// are included during the next one, so its participation is final only then.
	for ep := uint64(0); ep <= e.sc.Epochs; ep++ {
		if err := e.RunEpoch(ctx); err != nil {
			return nil, err
		}
	}
	res, err := e.rep.finish()
	if err != nil {
		return nil, err
	}
	e.timing.VerificationSeconds = e.verifier.seconds
	e.timing.TotalSeconds = e.since(wall).Seconds() + e.timing.KeyDerivationSeconds
	e.timing.PeakMemoryBytes = peakMemory()
	if e.timing.TotalSeconds > 0 {
		e.timing.ValidatorEpochsPerSecond = float64(uint64(len(e.agentOfVal))*e.sc.Epochs) / e.timing.TotalSeconds
	}
	ws, we := e.work.start(), e.work.end()
	e.timing.SigningSecondsPerEpochStart, e.timing.SigningSecondsPerEpochEnd = ws.signingSeconds, we.signingSeconds
	e.timing.VerificationSecondsPerEpochStart, e.timing.VerificationSecondsPerEpochEnd = ws.verificationSeconds, we.verificationSeconds
	res.Timing = e.timing
	return res, nil
}

// Stats counts the cryptographic work done so far (for benchmarks; never
// part of the results).
type Stats struct {
	Epochs             uint64
	AttestationSigns   uint64 // individual attestation signatures (full mode)
	BlockSigns         uint64
	AggregateSigns     uint64 // SignWithSum calls (aggregate mode)
	AggregatesVerified uint64
	SignaturesVerified uint64 // participants over all verified aggregates
	GossipVerified     uint64 // single attestations verified on gossip (gossip_verification: main)
}

// Stats returns the work counters.
func (e *Engine) Stats() Stats { return e.stats }

// RunEpoch runs the next epoch's slots (both phases of each) and the epoch
// report. Start must have been called.
func (e *Engine) RunEpoch(ctx context.Context) error {
	spe := e.cfg.SlotsPerEpoch
	slotMs := e.cfg.SlotDurationMs
	epoch := consensus.Epoch(e.stats.Epochs)
	first := consensus.ComputeStartSlotAtEpoch(&e.cfg, epoch)
	for slot := first; slot < first+consensus.Slot(spe); slot++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if slot == first {
			e.partitionEvents(slot, epoch)
			e.releaseHeld(slot, epoch)
			if e.auditor != nil {
				e.auditor.Prune(epoch)
			}
			for _, v := range e.views {
				if v.slasher != nil {
					v.slasher.Prune(epoch)
				}
			}
		}
		t0 := uint64(slot) * slotMs
		if slot > 0 {
			if err := e.proposePhase(slot, t0); err != nil {
				return err
			}
		}
		if err := e.attestPhase(slot, t0+slotMs/3); err != nil {
			return err
		}
		if slot == first+consensus.Slot(spe)-1 {
			e.closeEpochWork()
			start := e.now()
			if err := e.rep.endEpoch(epoch); err != nil {
				return err
			}
			if err := e.afterEpoch(epoch); err != nil {
				return err
			}
			if err := e.pruneChain(); err != nil {
				return err
			}
			e.evictAggregates(slot)
			e.timing.EpochProcessingSeconds += e.since(start).Seconds()
			if e.opts.Progress != nil && uint64(epoch) < e.sc.Epochs {
				e.opts.Progress(e.rep.progress(uint64(epoch)))
			}
		}
		e.flushDetections()
		if err := e.checkReorgs(slot); err != nil {
			return err
		}
		keep := map[consensus.Root]bool{}
		for _, v := range e.views {
			keep[v.store.Head()] = true
			keep[v.store.Justified().Root] = true
			keep[v.store.Finalized().Root] = true
		}
		e.chain.endSlot(slot, keep)
		for _, v := range e.views {
			v.prune(&e.cfg, slot)
		}
	}
	e.stats.Epochs++
	return nil
}

// partitionEvents emits partition start/heal events and, at a heal, syncs
// every view with the blocks it missed (as nodes do by req/resp).
func (e *Engine) partitionEvents(slot consensus.Slot, epoch consensus.Epoch) {
	for _, p := range e.sched.parts {
		if uint64(epoch) == p.StartEpoch {
			e.rep.event(Event{Epoch: uint64(epoch), Slot: uint64(slot), Kind: EventPartitionStarted, Details: map[string]any{"partition": p.Name, "groups": viewGroupNames(p)}})
		}
		if uint64(epoch) == p.EndEpoch {
			e.rep.event(Event{Epoch: uint64(epoch), Slot: uint64(slot), Kind: EventPartitionHealed, Details: map[string]any{"partition": p.Name}})
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
		pol := e.policyOf(v, epoch)
		if !pol.Release {
			continue
		}
		targets := map[int]bool{}
		var names []string
		for gi, g := range e.sc.Groups {
			if len(pol.ReleaseTo) == 0 || containsString(pol.ReleaseTo, g.Name) {
				if w := e.groupView[gi]; !targets[w] && w != v.id {
					targets[w] = true
					names = append(names, e.views[w].name)
				}
			}
		}
		blocks := 0
		for _, w := range e.views {
			if !targets[w.id] || !e.sched.connected(uint64(epoch), v.id, w.id) {
				continue
			}
			for _, h := range v.held {
				m := message{at: now + e.delay.draw(e.syncRNG), view: w.id, block: h.block, att: h.att}
				e.push(m)
			}
		}
		for _, h := range v.held {
			if h.block != nil {
				blocks++
			}
		}
		e.rep.event(Event{Epoch: uint64(epoch), Slot: uint64(slot), Kind: EventBlocksReleased, Branch: v.name,
			Details: map[string]any{"blocks": blocks, "votes": len(v.held) - blocks, "to": names}})
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

// checkReorgs notes every view's head (see noteHead).
func (e *Engine) checkReorgs(slot consensus.Slot) error {
	for _, v := range e.views {
		if err := e.noteHead(v, slot); err != nil {
			return err
		}
	}
	return nil
}

// noteHead compares a view's head with the one last noted: an honest view
// whose head no longer descends from its previous head has reorged. It
// fails the run if a view's head ever leaves its finalized checkpoint
// (finality must never revert on a view). Heads are noted after every
// block delivery and at every phase, so short-lived heads are seen.
func (e *Engine) noteHead(v *view, slot consensus.Slot) error {
	h := e.chain.blocks[v.store.Head()]
	old := v.lastHead
	if h == old {
		return nil
	}
	v.lastHead = h
	fin := v.store.Finalized()
	if fb, ok := e.chain.blocks[fin.Root]; ok && e.chain.ancestorAt(h, fb.slot) != fb {
		return fmt.Errorf("sim: slot %d: view %s: head %x does not descend from its finalized checkpoint %d", slot, v.name, h.root[:4], fin.Epoch)
	}
	if old == nil || e.chain.ancestorAt(h, old.slot) == old || !v.honest {
		return nil
	}
	common := old
	for common.parent != nil && e.chain.ancestorAt(h, common.slot) != common {
		common = common.parent
	}
	depth := uint64(0)
	for b := old; b != common; b = b.parent {
		depth++
	}
	e.rep.reorg(depth)
	e.rep.event(Event{Epoch: uint64(consensus.ComputeEpochAtSlot(&e.cfg, slot)), Slot: uint64(slot), Kind: EventReorg, Branch: v.name,
		Details: map[string]any{"view": v.name, "depth": depth, "old_head": fmt.Sprintf("%x", old.root[:8]), "new_head": fmt.Sprintf("%x", h.root[:8]), "common_ancestor_slot": uint64(common.slot)}})
	return nil
}

func viewGroupNames(p scenarios.Partition) []string {
	var out []string
	for _, g := range p.Groups {
		out = append(out, g.Name)
	}
	return out
}

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
		sv.HeadParent = h.head.signed.Message.ParentRoot
		sv.HeadProposer = h.head.signed.Message.ProposerIndex
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
		p, err := consensus.GetBeaconProposerIndex(&e.cfg, st)
		if err != nil {
			return fmt.Errorf("sim: slot %d: proposer: %w", slot, err)
		}
		proposers[v.id] = p
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
		av := e.views[e.viewOfAgent[agent]]
		builder := av // whose policy shapes the block
		switch {
		case av.id == w.id:
			if !av.honest && e.policyOf(av, epoch).BothSides && e.sidesOf(av, epoch) != nil {
				continue // it proposes on the sides instead
			}
		case !av.honest && w.honest && e.policyOf(av, epoch).BothSides && e.sidesOf(av, epoch) != nil &&
			e.sched.connected(uint64(epoch), av.id, w.id):
		default:
			continue
		}
		blk, err := e.buildBlock(w, builder, heads[w.id].head, heads[w.id].st, proposer)
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
	for _, id := range ids {
		if r := &e.results[id].Requests; !r.Empty() {
			e.el.add(r, e.dir)
			e.rep.noteRequests(epoch, r)
		}
		from := e.views[e.viewOfAgent[id]]
		pol := e.policyOf(from, epoch)
		var imported []*blockEntry
		var routes [][]agents.Send
		for i := range e.results[id].Blocks {
			msg := e.results[id].Blocks[i]
			sb := msg.Block
			b, err := e.chain.importBlock(&sb)
			if err != nil {
				from.verifyFailures++
				e.rep.event(Event{Epoch: uint64(epoch), Slot: uint64(slot), Kind: EventBlockRejected, Branch: from.name, Details: map[string]any{"proposer": uint64(sb.Message.ProposerIndex), "error": err.Error()}})
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
		}
		started := e.balance.started
		routes = e.balance.routeBlocks(from, slot, imported, routes)
		{
			if !started && e.balance.started {
				e.rep.event(Event{Epoch: uint64(epoch), Slot: uint64(slot), Kind: EventBalancingStarted, Branch: from.name,
					Details: map[string]any{"block_l": fmt.Sprintf("%x", imported[0].root[:8]), "block_r": fmt.Sprintf("%x", imported[1].root[:8])}})
			}
		}
		for i, b := range imported {
			route := routes[i]
			if pol.PrivateChain {
				route = []agents.Send{{View: from.id}}
				from.held = append(from.held, heldMsg{block: b})
			}
			if pol.PrivateChain || withheld(route) {
				e.rep.event(Event{Epoch: uint64(epoch), Slot: uint64(slot), Kind: EventBlockWithheld, Branch: from.name,
					Details: map[string]any{"proposer": uint64(b.signed.Message.ProposerIndex), "block": fmt.Sprintf("%x", b.root[:8])}})
			}
			e.send(id, epoch, now, 0, route, func(m *message) { m.block = b })
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
	censor := !builder.honest && e.policyOf(builder, epoch).Censor
	cands := v.candidates(&e.cfg, slot)
	unsigned := make([]consensus.Attestation, 0, len(cands))
	byRoot := map[aggKey]*poolEntry{}
	for _, c := range cands {
		if !targetOnChain(&e.cfg, st, head, c.data.Target) {
			// A vote for another branch's checkpoint earns nothing here,
			// and that branch's committees may differ from this one's.
			continue
		}
		if censor {
			c = c.only(builder.members)
			if c == nil {
				continue
			}
		}
		att := c.aggregate(func([]poolMember, *consensus.AttestationData) crypto.Signature { return crypto.Signature{} })
		unsigned = append(unsigned, att)
		byRoot[aggKey{c.data.Root(), string(att.AggregationBits)}] = c
	}
	chosen := consensus.SelectAttestations(&e.cfg, st, unsigned)
	for i := range chosen {
		k := aggKey{chosen[i].Data.Root(), string(chosen[i].AggregationBits)}
		c := byRoot[k]
		chosen[i].Signature = e.signAggregate(st, c, &chosen[i])
	}
	body := consensus.BeaconBlockBody{
		RandaoReveal: consensus.RandaoReveal(st, proposer, epoch),
		Attestations: chosen,
		Withdrawals:  consensus.ExpectedWithdrawals(&e.cfg, st),
		// The execution payload's requests: the next ones this chain lacks.
		ExecutionRequests: e.el.next(&e.cfg, head.el),
	}
	if builder.honest && v.slasher != nil {
		ps, as := v.slasher.ForBlock(&e.cfg, st)
		for i := range as {
			e.signIndexed(st, &as[i].Attestation1)
			e.signIndexed(st, &as[i].Attestation2)
		}
		body.ProposerSlashings, body.AttesterSlashings = ps, as
	}
	return &consensus.BeaconBlock{Slot: slot, ProposerIndex: proposer, ParentRoot: head.root, Body: body}, nil
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

// signIndexed signs slashing evidence that lacks a signature: in aggregate
// mode single gossip votes carry none (the engine signs aggregates with the
// sum of the members' keys, and does the same here).
func (e *Engine) signIndexed(st *consensus.State, ia *consensus.IndexedAttestation) {
	if e.mode != agents.SignAggregate || !ia.Signature.IsZero() {
		return
	}
	sks := make([]*crypto.SecretKey, len(ia.AttestingIndices))
	for i, v := range ia.AttestingIndices {
		sks[i] = e.keys.Secret(uint64(v))
	}
	root := consensus.SigningRoot(&e.cfg, st, consensus.DomainBeaconAttester, ia.Data.Target.Epoch, ia.Data.Root())
	ia.Signature = crypto.SignWithSum(sks, root)
	e.stats.AggregateSigns++
}

// signAggregate produces an aggregate's signature: in full mode the sum of
// the members' own signatures; in aggregate mode one signature with the sum
// of their secret keys (cached); nothing in off mode.
func (e *Engine) signAggregate(st *consensus.State, c *poolEntry, att *consensus.Attestation) crypto.Signature {
	switch e.mode {
	case agents.SignFull:
		sigs := make([]crypto.Signature, 0, len(c.members))
		for _, p := range sortedPositions(c) {
			sigs = append(sigs, c.members[p].sig)
		}
		return crypto.AggregateSignatures(sigs)
	case agents.SignAggregate:
		k := aggKey{att.Data.Root(), string(att.AggregationBits)}
		if s, ok := e.aggCache[k]; ok {
			return s.sig
		}
		start := e.now()
		sks := make([]*crypto.SecretKey, 0, len(c.members))
		for _, p := range sortedPositions(c) {
			sks = append(sks, e.keys.Secret(uint64(c.members[p].validator)))
		}
		root := consensus.SigningRoot(&e.cfg, st, consensus.DomainBeaconAttester, att.Data.Target.Epoch, att.Data.Root())
		s := crypto.SignWithSum(sks, root)
		e.stats.AggregateSigns++
		e.timing.SigningSeconds += e.since(start).Seconds()
		e.aggCache[k] = cachedSig{sig: s, slot: att.Data.Slot}
		return s
	}
	return crypto.Signature{}
}

// dutiesOf returns the agent's entry in a phase's duty table, creating it.
func dutiesOf(duties map[int]*agents.Duties, agent int) *agents.Duties {
	d := duties[agent]
	if d == nil {
		d = &agents.Duties{}
		duties[agent] = d
	}
	return d
}

func sortedPositions(c *poolEntry) []int {
	ps := make([]int, 0, len(c.members))
	for p := range c.members {
		ps = append(ps, p)
	}
	sort.Ints(ps)
	return ps
}

// attestPhase: deliver what arrived by a third of the slot, then every
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
		targetRoot := head.root
		if start := consensus.ComputeStartSlotAtEpoch(&e.cfg, epoch); start < slot {
			if r, ok := consensus.GetBlockRoot(&e.cfg, st, epoch); ok {
				targetRoot = r
			}
		}
		votes[v.id] = consensus.AttestationData{
			Slot:            slot,
			BeaconBlockRoot: head.root,
			Source:          st.CurrentJustifiedCheckpoint,
			Target:          consensus.Checkpoint{Epoch: epoch, Root: targetRoot},
		}
	}
	views := make([]*agents.SlotView, len(e.views))
	duties := map[int]*agents.Duties{}
	bothSides := make([]bool, len(e.views))
	for _, v := range e.views {
		bothSides[v.id] = !v.honest && e.policyOf(v, epoch).BothSides && e.sidesOf(v, epoch) != nil
	}
	for _, v := range e.views {
		sv := e.slotView(v, slot, agents.PhaseAttest, heads[v.id], e.viewInfos(v.id, epoch, heads, votes))
		sv.Vote = votes[v.id]
		views[v.id] = sv
		sh, err := consensus.EpochCommittees(&e.cfg, heads[v.id].st, epoch)
		if err != nil {
			return fmt.Errorf("sim: slot %d: committees: %w", slot, err)
		}
		// Duties on v's committees: for v's own agents, and for the agents
		// of a both-sides coalition that reaches v (which then has no
		// duties of its own view).
		for ci := uint64(0); ci < sh.CommitteesPerSlot; ci++ {
			members, _ := sh.Committee(slot, consensus.CommitteeIndex(ci))
			for pos, val := range members {
				agent := e.agentOfVal[val]
				if !bothSides[e.viewOfAgent[agent]] {
					if e.viewOfAgent[agent] != v.id {
						continue
					}
				} else if !v.honest || !e.sched.connected(uint64(epoch), e.viewOfAgent[agent], v.id) {
					continue
				}
				d := dutiesOf(duties, agent)
				d.Attestations = append(d.Attestations, agents.AttestDuty{
					Validator: val, Committee: consensus.CommitteeIndex(ci), Position: pos, CommitteeSize: len(members), View: v.id,
				})
			}
		}
	}
	ids := e.runPhase(views, duties, e.mode == agents.SignFull)
	e.verifyGossip(ids, views[e.mainView].AttesterDomain)
	for _, id := range ids {
		from := e.views[e.viewOfAgent[id]]
		pol := e.policyOf(from, epoch)
		atts := e.results[id].Attestations
		if e.balance.active(from) {
			atts = nil // the balancing strategy votes for the coalition
		}
		e.work.cur.votes += uint64(len(atts))
		for i := range atts {
			m := atts[i]
			e.balance.seen(&m)
			if !m.Signature.IsZero() {
				e.stats.AttestationSigns++
			}
			e.auditVote(&m)
			route := m.Route
			if pol.PrivateChain {
				route = []agents.Send{{View: from.id}}
				from.held = append(from.held, heldMsg{att: &m})
			}
			e.send(id, epoch, now, m.ExtraDelayMs, route, func(msg *message) { msg.att = &m })
		}
		e.results[id] = agents.Actions{}
	}
	return e.balance.attest(slot, now, heads)
}

// send schedules one message from an agent: to every view it can reach,
// or along route.
func (e *Engine) send(agent int, epoch consensus.Epoch, now, extraMs uint64, route []agents.Send, fill func(*message)) {
	from := e.viewOfAgent[agent]
	g := e.netRNG[agent]
	deliver := func(to int, extra uint64) {
		if !e.sched.connected(uint64(epoch), from, to) {
			return
		}
		if e.lossPPM > 0 && g.Chance(e.lossPPM) {
			return
		}
		m := message{at: now + extra + e.delay.draw(g), view: to}
		fill(&m)
		e.push(m)
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
	heap.Push(&e.queue, m)
}

// deliverUntil hands every message that has arrived by time t to its view,
// in (arrival, send order) order.
func (e *Engine) deliverUntil(t uint64) error {
	for e.queue.Len() > 0 && e.queue[0].at <= t {
		m := heap.Pop(&e.queue).(message)
		v := e.views[m.view]
		slot := consensus.Slot(m.at / e.cfg.SlotDurationMs)
		switch {
		case m.block != nil:
			e.deliverBlock(v, m.block, m.at)
			if err := e.noteHead(v, slot); err != nil {
				return err
			}
		case m.att != nil:
			v.addAttestation(m.att)
			v.vote(&e.cfg, slot, m.att.Validator, m.att.Data)
			if v.slasher != nil {
				ia := consensus.IndexedAttestation{AttestingIndices: []consensus.ValidatorIndex{m.att.Validator}, Data: m.att.Data, Signature: m.att.Signature}
				e.evidence(v, slot, v.slasher.ObserveAttestation(&ia))
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
	if !v.honest && b != e.chain.genesis && !v.members[b.signed.Message.ProposerIndex] &&
		e.policyOf(v, consensus.ComputeEpochAtSlot(&e.cfg, slot)).OwnChain {
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
			if v.slasher != nil && !v.observed[blk.root] {
				v.observed[blk.root] = true
				e.observeBlock(v, v.slasher, blk, slot)
			}
			continue
		}
		if v.slasher != nil && !v.observed[blk.root] {
			// The slasher reads every block that reaches the node, even
			// one its fork choice refuses.
			v.observed[blk.root] = true
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

// observeBlock shows a block's header and aggregates to a slasher.
func (e *Engine) observeBlock(v *view, s *agents.Slasher, b *blockEntry, slot consensus.Slot) {
	if b == e.chain.genesis {
		return
	}
	h := consensus.SignedBeaconBlockHeader{Message: b.signed.Message.Header(), Signature: b.signed.Signature}
	e.evidence(v, slot, s.ObserveHeader(&h))
	for i := range b.votes {
		vote := &b.votes[i]
		ia := consensus.IndexedAttestation{AttestingIndices: vote.indices, Data: vote.data, Signature: vote.sig}
		e.evidence(v, slot, s.ObserveAttestation(&ia))
	}
}

// evidence records what a view's slasher found (v nil: the auditor) and
// reports validators found guilty for the first time.
func (e *Engine) evidence(v *view, slot consensus.Slot, evs []agents.Evidence) {
	seen := e.detected
	if v == nil {
		seen = e.offender
	} else if len(evs) > 0 {
		v.slasher.Add(evs)
	}
	for _, ev := range evs {
		var fresh []uint64
		for _, vi := range ev.Validators {
			if int(vi) < len(seen) && !seen[vi] {
				seen[vi] = true
				fresh = append(fresh, uint64(vi))
			}
		}
		if v == nil || len(fresh) == 0 {
			continue
		}
		e.rep.detections += uint64(len(fresh))
		k := detectionKey{view: v.id, offence: ev.Offence}
		d := e.pendingDetections[k]
		if d == nil {
			d = &detection{slot: slot}
			e.pendingDetections[k] = d
		}
		d.validators = append(d.validators, fresh...)
	}
}

// detectionKey groups a slot's new findings for one event per view and offence.
type detectionKey struct {
	view    int
	offence string
}

type detection struct {
	slot       consensus.Slot
	validators []uint64
}

// flushDetections emits the slashing_detected events gathered during a slot.
func (e *Engine) flushDetections() {
	keys := make([]detectionKey, 0, len(e.pendingDetections))
	for k := range e.pendingDetections {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].view != keys[j].view {
			return keys[i].view < keys[j].view
		}
		return keys[i].offence < keys[j].offence
	})
	for _, k := range keys {
		d := e.pendingDetections[k]
		slices.Sort(d.validators)
		v := e.views[k.view]
		e.rep.event(Event{Epoch: uint64(consensus.ComputeEpochAtSlot(&e.cfg, d.slot)), Slot: uint64(d.slot), Kind: EventSlashingDetected, Branch: v.name,
			Details: map[string]any{"offence": k.offence, "validators": len(d.validators), "first_validator": d.validators[0], "slasher": v.name}})
	}
	clear(e.pendingDetections)
}

// auditVote and auditBlock show every message sent to the auditor.
func (e *Engine) auditVote(m *agents.AttestationMsg) {
	ia := consensus.IndexedAttestation{AttestingIndices: []consensus.ValidatorIndex{m.Validator}, Data: m.Data}
	e.evidence(nil, m.Data.Slot, e.auditor.ObserveAttestation(&ia))
}

func (e *Engine) auditBlock(b *blockEntry) {
	e.observeBlock(nil, e.auditor, b, b.slot)
}

// message is one delivery to one view.
type message struct {
	at    uint64
	seq   uint64
	view  int
	block *blockEntry
	att   *agents.AttestationMsg
}

type msgQueue []message

func (q msgQueue) Len() int { return len(q) }
func (q msgQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q msgQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *msgQueue) Push(x any)   { *q = append(*q, x.(message)) }
func (q *msgQueue) Pop() any {
	old := *q
	n := len(old)
	m := old[n-1]
	*q = old[:n-1]
	return m
}

func peakMemory() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Sys
}
