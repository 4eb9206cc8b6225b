package sim

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"runtime"
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
	viewOfAgent []int
	groupView   []int // view id of each scenario group
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

	aggCache map[aggKey]crypto.Signature

	rep    *reporter
	timing Timing
	stats  Stats
}

type job struct {
	view   *agents.SlotView
	duties *agents.Duties
}

type aggKey struct {
	data consensus.Root
	bits string
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
	e := &Engine{cfg: cfg, sc: sc, opts: opts, aggCache: map[aggKey]crypto.Signature{}}
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

	// Keys.
	start := e.now()
	if e.mode != agents.SignOff {
		e.keys = crypto.NewKeyring(sc.Seed, n, workers)
		e.verifier = &timedVerifier{inner: e.keys, e: e}
	} else {
		e.verifier = &timedVerifier{inner: consensus.AcceptAll{}, e: e}
	}
	e.timing.KeyDerivationSeconds = e.since(start).Seconds()

	// Genesis.
	gvals := make([]consensus.GenesisValidator, 0, n)
	e.groupOfVal = make([]int, 0, n)
	for gi, g := range sc.Groups {
		var cred consensus.Root
		cred[0] = g.Credentials
		for i := 0; i < g.Count; i++ {
			// The address part of the credential is the group and member
			// number, so that withdrawal addresses are distinct.
			binary.LittleEndian.PutUint32(cred[12:16], uint32(gi))
			binary.LittleEndian.PutUint32(cred[16:20], uint32(i))
			gvals = append(gvals, consensus.GenesisValidator{Balance: consensus.Gwei(g.BalanceGwei), WithdrawalCredentials: cred})
			e.groupOfVal = append(e.groupOfVal, gi)
		}
	}
	genesis, err := consensus.NewGenesisState(&e.cfg, gvals, genesisSeed(sc.Seed), consensus.NewCaches())
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

	e.delay = delayModel{d: sc.Network.Delay}
	e.lossPPM = sc.Network.LossPPM
	e.syncRNG = NewRNG(sc.Seed, ^uint64(0), "network/sync")
	e.rep = newReporter(e, sink)
	return e, nil
}

func genesisSeed(seed uint64) consensus.Root {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	return sha256.Sum256(append([]byte("stakesim/genesis/v1\x00"), b[:]...))
}

func (e *Engine) buildViews() error {
	parts := e.sc.Network.Partitions
	// signature of each validator group: its side in every partition
	sides := make([][]int, len(e.sc.Groups))
	for gi, g := range e.sc.Groups {
		sides[gi] = make([]int, len(parts))
		for pi, p := range parts {
			sides[gi][pi] = -1
			for si, vg := range p.Groups {
				for _, m := range vg.Members {
					if m == g.Name {
						sides[gi][pi] = si
					}
				}
			}
			if sides[gi][pi] < 0 {
				return fmt.Errorf("sim: validator group %q is in no group of partition %q", g.Name, p.Name)
			}
		}
	}
	viewOfGroup := make([]int, len(e.sc.Groups))
	var viewSides [][]int
	var names []string
	for gi := range e.sc.Groups {
		found := -1
		for vi, s := range viewSides {
			if equalInts(s, sides[gi]) {
				found = vi
				break
			}
		}
		if found < 0 {
			found = len(viewSides)
			viewSides = append(viewSides, sides[gi])
			var parts2 []string
			for pi, p := range parts {
				parts2 = append(parts2, p.Groups[sides[gi][pi]].Name)
			}
			name := strings.Join(parts2, "/")
			if name == "" {
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
	for vi, name := range names {
		v := &view{id: vi, name: name, pool: map[poolKey]*poolEntry{}}
		v.store = forkchoice.New(&e.cfg, g.info, e.balancesAt)
		e.views = append(e.views, v)
	}
	e.groupView = viewOfGroup
	return nil
}

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
	idx := 0
	for gi, g := range e.sc.Groups {
		view := e.views[e.groupView[gi]]
		per := g.ValidatorsPerAgent
		if per < 1 {
			per = 1
		}
		for first := 0; first < g.Count; first += per {
			id := len(arecs)
			arecs = append(arecs, AgentRecord{ID: id, Kind: "validator-client", Group: g.Name, View: view.name})
			for k := first; k < first+per && k < g.Count; k++ {
				vrecs = append(vrecs, ValidatorRecord{Index: uint64(idx), Group: g.Name, Agent: id, View: view.name})
				idx++
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
		for _, b := range g.Behaviours {
			beh, err := agents.FromSpec(agents.Spec{Kind: b.Kind, FromEpoch: b.FromEpoch, ToEpoch: b.ToEpoch, HasToEpoch: b.HasToEpoch, DelayMs: b.DelayMs})
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
		e.agents = append(e.agents, agents.NewValidatorClient(a.ID, keys, e.mode, bs))
		e.viewOfAgent = append(e.viewOfAgent, e.groupView[gi])
		e.netRNG = append(e.netRNG, NewRNG(e.sc.Seed, uint64(a.ID), "network"))
	}
	e.results = make([]agents.Actions, len(e.agents))
	return nil
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
		e.workers[id] <- job{view: views[e.viewOfAgent[id]], duties: duties[id]}
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
			start := e.now()
			if err := e.rep.endEpoch(epoch); err != nil {
				return err
			}
			e.timing.EpochProcessingSeconds += e.since(start).Seconds()
			if e.opts.Progress != nil && uint64(epoch) < e.sc.Epochs {
				e.opts.Progress(e.rep.progress(uint64(epoch)))
			}
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
					if !v.store.HasBlock(b.root) {
						e.push(message{at: now + e.delay.draw(e.syncRNG), view: v.id, block: b})
					}
				}
			}
		}
	}
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

// proposePhase: deliver what arrived by the slot start, let each view's
// proposer (if its agent is in that view) sign a block on the view's head.
func (e *Engine) proposePhase(slot consensus.Slot, now uint64) error {
	if err := e.deliverUntil(now); err != nil {
		return err
	}
	epoch := consensus.ComputeEpochAtSlot(&e.cfg, slot)
	views := make([]*agents.SlotView, len(e.views))
	duties := map[int]*agents.Duties{}
	for _, v := range e.views {
		v.store.OnTick(now) // before retrying votes: they count only once their slot is past
		v.retryDeferred(&e.cfg, slot)
		head, st, err := e.viewHead(v, slot, now)
		if err != nil {
			return err
		}
		views[v.id] = &agents.SlotView{Slot: slot, Epoch: epoch, Phase: agents.PhasePropose, Head: head.root}
		proposer, err := consensus.GetBeaconProposerIndex(&e.cfg, st)
		if err != nil {
			return fmt.Errorf("sim: slot %d: proposer: %w", slot, err)
		}
		agent := e.agentOfVal[proposer]
		if e.viewOfAgent[agent] != v.id {
			continue
		}
		blk, err := e.buildBlock(v, head, st, proposer)
		if err != nil {
			return fmt.Errorf("sim: slot %d: build block: %w", slot, err)
		}
		d := dutiesOf(duties, agent)
		d.Proposals = append(d.Proposals, agents.ProposeDuty{
			Validator:   proposer,
			Block:       blk,
			SigningRoot: consensus.SigningRoot(&e.cfg, st, consensus.DomainBeaconProposer, epoch, blk.Root()),
		})
	}
	ids := e.runPhase(views, duties, false)
	for _, id := range ids {
		for i := range e.results[id].Blocks {
			sb := e.results[id].Blocks[i]
			b, err := e.chain.importBlock(&sb)
			if err != nil {
				e.views[e.viewOfAgent[id]].verifyFailures++
				e.rep.event(Event{Epoch: uint64(epoch), Slot: uint64(slot), Kind: EventBlockRejected, Branch: e.views[e.viewOfAgent[id]].name, Details: map[string]any{"proposer": uint64(sb.Message.ProposerIndex), "error": err.Error()}})
				continue
			}
			if !sb.Signature.IsZero() {
				e.stats.BlockSigns++
			}
			e.stats.AggregatesVerified += uint64(b.report.AggregatesVerified)
			e.stats.SignaturesVerified += uint64(b.report.Signatures)
			e.send(id, epoch, now, 0, func(m *message) { m.block = b })
		}
		e.results[id] = agents.Actions{}
	}
	return nil
}

// buildBlock prepares the honest block for a view's proposer: the pool's
// aggregates that the spec's process_attestation accepts, the expected
// withdrawals and the RANDAO reveal.
func (e *Engine) buildBlock(v *view, head *blockEntry, st *consensus.State, proposer consensus.ValidatorIndex) (*consensus.BeaconBlock, error) {
	slot := st.Slot
	epoch := consensus.ComputeEpochAtSlot(&e.cfg, slot)
	cands := v.candidates(&e.cfg, slot)
	unsigned := make([]consensus.Attestation, 0, len(cands))
	byRoot := map[aggKey]*poolEntry{}
	for _, c := range cands {
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
	return &consensus.BeaconBlock{
		Slot:          slot,
		ProposerIndex: proposer,
		ParentRoot:    head.root,
		Body: consensus.BeaconBlockBody{
			RandaoReveal: consensus.RandaoReveal(st, proposer, epoch),
			Attestations: chosen,
			Withdrawals:  consensus.ExpectedWithdrawals(&e.cfg, st),
		},
	}, nil
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
			return s
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
		e.aggCache[k] = s
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
	views := make([]*agents.SlotView, len(e.views))
	duties := map[int]*agents.Duties{}
	for _, v := range e.views {
		head, st, err := e.viewHead(v, slot, now)
		if err != nil {
			return err
		}
		targetRoot := head.root
		if start := consensus.ComputeStartSlotAtEpoch(&e.cfg, epoch); start < slot {
			if r, ok := consensus.GetBlockRoot(&e.cfg, st, epoch); ok {
				targetRoot = r
			}
		}
		views[v.id] = &agents.SlotView{
			Slot: slot, Epoch: epoch, Phase: agents.PhaseAttest, Head: head.root,
			Vote: consensus.AttestationData{
				Slot:            slot,
				BeaconBlockRoot: head.root,
				Source:          st.CurrentJustifiedCheckpoint,
				Target:          consensus.Checkpoint{Epoch: epoch, Root: targetRoot},
			},
			AttesterDomain: consensus.GetDomain(&e.cfg, st, consensus.DomainBeaconAttester, epoch),
		}
		sh, err := consensus.EpochCommittees(&e.cfg, st, epoch)
		if err != nil {
			return fmt.Errorf("sim: slot %d: committees: %w", slot, err)
		}
		for ci := uint64(0); ci < sh.CommitteesPerSlot; ci++ {
			members, _ := sh.Committee(slot, consensus.CommitteeIndex(ci))
			for pos, val := range members {
				agent := e.agentOfVal[val]
				if e.viewOfAgent[agent] != v.id {
					continue
				}
				d := dutiesOf(duties, agent)
				d.Attestations = append(d.Attestations, agents.AttestDuty{
					Validator: val, Committee: consensus.CommitteeIndex(ci), Position: pos, CommitteeSize: len(members),
				})
			}
		}
	}
	ids := e.runPhase(views, duties, e.mode == agents.SignFull)
	for _, id := range ids {
		atts := e.results[id].Attestations
		for i := range atts {
			m := atts[i]
			if !m.Signature.IsZero() {
				e.stats.AttestationSigns++
			}
			e.send(id, epoch, now, m.ExtraDelayMs, func(msg *message) { msg.att = &m })
		}
		e.results[id] = agents.Actions{}
	}
	return nil
}

// send schedules one message from an agent to every view it can reach.
func (e *Engine) send(agent int, epoch consensus.Epoch, now, extraMs uint64, fill func(*message)) {
	from := e.viewOfAgent[agent]
	g := e.netRNG[agent]
	for _, v := range e.views {
		if !e.sched.connected(uint64(epoch), from, v.id) {
			continue
		}
		if e.lossPPM > 0 && g.Chance(e.lossPPM) {
			continue
		}
		m := message{at: now + extraMs + e.delay.draw(g), view: v.id}
		fill(&m)
		e.push(m)
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
		case m.att != nil:
			v.addAttestation(m.att)
			v.vote(&e.cfg, slot, m.att.Validator, m.att.Data)
		}
	}
	return nil
}

// deliverBlock adds a block (and any ancestors the view lacks, fetched as
// nodes do by req/resp) to a view's fork choice, with its votes.
func (e *Engine) deliverBlock(v *view, b *blockEntry, at uint64) {
	if v.store.HasBlock(b.root) {
		return
	}
	var path []*blockEntry
	for a := b; a != nil && !v.store.HasBlock(a.root); a = a.parent {
		path = append(path, a)
	}
	v.store.OnTick(at)
	for i := len(path) - 1; i >= 0; i-- {
		blk := path[i]
		if err := v.store.OnBlock(blk.info); err != nil {
			return // e.g. conflicts with this view's finalized checkpoint
		}
		for _, vote := range blk.votes {
			_ = v.store.OnAttestation(vote.indices, vote.data, true)
		}
	}
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
