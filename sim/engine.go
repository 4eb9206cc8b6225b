package sim

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
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
	// prefetch tracks the background computation of the next epoch's
	// committees (prefetchCommittees); runEpoch waits for it.
	prefetch sync.WaitGroup

	sched   partitionSchedule
	delay   delayModel
	lossPPM uint64
	netRNG  []*RNG // per agent (sender) stream
	syncRNG *RNG   // partition-heal sync stream
	// syncNet is each agent's stream for its sync committee messages
	// (sync.go), apart from netRNG so that they draw no attestation's delay.
	syncNet map[int]*RNG
	queue   msgQueue
	seq     uint64
	// dutyAgents and dutyCounts are committeeDuties' scratch: the agent of
	// each committee member (-1: no duty) and, by agent, its duties to
	// come (all zero between calls).
	dutyAgents []int32
	dutyCounts []int32
	// sending is the message sendWith fills, kept here so that filling
	// it through a callback does not move a message to the heap per send.
	sending message

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
	// exits holds the views' pools of voluntary exits and BLS changes and
	// the 0x00 validators' withdrawal keys (exits.go).
	exits exitState

	// Restaking (nil without a restaking block), the Byzantine share's
	// threshold crossings and the gates of behaviours held back until the
	// share exceeds a threshold (restaking.go).
	rs *restakingRun
	// lst is the liquid-staking protocols (nil without a liquid_staking
	// block) and lstKeys their deposit keys (lst.go).
	lst       *lstRun
	mk        *marketRun // markets (market.go)
	lstKeys   lstKeyPlan
	byzantine byzantineTracker
	gates     []shareGate

	// maxFinal is each view's highest finalized epoch so far and
	// conflictSeen whether views have finalized conflicting checkpoints
	// (the invariants of the epoch boundary).
	maxFinal     []consensus.Epoch
	conflictSeen bool

	// limit is the number of reported epochs: the scenario's, until an
	// interruption lowers it to the epoch being run (see Run).
	limit       uint64
	interrupted bool

	rep    *reporter
	timing Timing
	stats  Stats
	// per-epoch work, for the start/end figures of summary and timing
	work workLog
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
	e := &Engine{cfg: cfg, sc: sc, opts: opts, aggCache: map[aggKey]cachedSig{}, limit: sc.Epochs, work: workLog{epochs: sc.Epochs}}
	if e.mode, ok = signMode[sc.BLS]; !ok {
		return nil, fmt.Errorf("sim: unknown bls mode %q", sc.BLS)
	}
	n := sc.TotalValidators()
	// Keys for the genesis validators and for those deposits will create.
	e.plan = planDeposits(sc, n)
	e.lstKeys = planLSTKeys(sc, &e.plan)
	total := e.plan.total

	start := e.now()
	e.loadKeys(total)

	genesis, err := e.buildGenesis(n, total)
	if err != nil {
		return nil, err
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
	if err := e.buildEconomics(sink); err != nil {
		return nil, err
	}
	e.timing.StartupSeconds = e.since(start).Seconds()
	if opts.Started != nil {
		opts.Started(Startup{Seconds: e.timing.StartupSeconds, KeySeconds: e.timing.KeyDerivationSeconds, KeyCache: e.timing.KeyCache})
	}
	return e, nil
}

// signMode maps the scenario's BLS mode to the agents'.
var signMode = map[scenarios.BLSMode]agents.SignMode{
	scenarios.BLSFull:      agents.SignFull,
	scenarios.BLSAggregate: agents.SignAggregate,
	scenarios.BLSOff:       agents.SignOff,
}

// loadKeys obtains the keys of total validators (none with BLS off), from
// the key cache or by deriving them, and sets the verifier and the key
// directory.
func (e *Engine) loadKeys(total int) {
	start := e.now()
	workers := e.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if e.mode != agents.SignOff {
		var kc crypto.CacheResult
		// Aggregate mode forms aggregate keys from secret-key sums and
		// keeps no affine public keys (crypto.Keyring.UseSecretSums).
		e.keys, kc = crypto.LoadOrDeriveKeyring(e.sc.Seed, total, workers,
			crypto.CacheOptions{Disabled: e.opts.NoKeyCache, MinKeys: e.opts.KeyCacheMinKeys,
				SecretSums: e.mode == agents.SignAggregate})
		e.timing.KeyCache, e.timing.KeyCacheNote = string(kc.Status), kc.Note
		e.verifier = &timedVerifier{inner: e.keys, e: e}
	} else {
		e.timing.KeyCache, e.timing.KeyCacheNote = string(crypto.CacheOff), "BLS off: no keys"
		e.verifier = &timedVerifier{inner: consensus.AcceptAll{}, e: e}
	}
	e.dir = &keyDirectory{ring: e.keys, n: total}
	e.timing.KeyDerivationSeconds = e.since(start).Seconds()
}

// buildEconomics builds the restaking, liquid-staking and market runs the
// scenario has.
func (e *Engine) buildEconomics(sink Sink) error {
	var err error
	if e.sc.Restaking != nil {
		if e.rs, err = newRestakingRun(e, sink); err != nil {
			return err
		}
	}
	if e.sc.LiquidStaking != nil {
		if e.lst, err = newLSTRun(e, sink); err != nil {
			return err
		}
	}
	if e.sc.Markets != nil {
		if e.mk, err = newMarketRun(e, sink); err != nil {
			return err
		}
	}
	return nil
}

// Run executes the scenario (see the package-level Run).
func (e *Engine) Run(ctx context.Context) (*Result, error) {
	wall := e.now()
	e.Start()
	defer e.Stop()
	if e.mk != nil {
		if err := e.mk.build(); err != nil {
			return nil, err
		}
	}
	// One epoch more than reported: the last reported epoch's attestations
	// are included during the next one, so its participation is final only then.
	for ep := uint64(0); ep <= e.limit; ep++ {
		if err := e.runEpoch(func() error { e.interruptOn(ctx); return nil }); err != nil {
			return nil, err
		}
	}
	res, err := e.rep.finish()
	if err != nil {
		return nil, err
	}
	e.timing.VerificationSeconds = e.verifier.seconds
	e.timing.TotalSeconds = e.since(wall).Seconds() + e.timing.StartupSeconds
	e.timing.PeakMemoryBytes = peakMemory()
	if e.timing.TotalSeconds > 0 {
		e.timing.ValidatorEpochsPerSecond = float64(uint64(len(e.agentOfVal))*e.limit) / e.timing.TotalSeconds
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
	SyncSigns          uint64 // individual sync committee message signatures (full mode)
	BlockSigns         uint64
	AggregateSigns     uint64 // SignWithSum calls (aggregate mode)
	AggregatesVerified uint64
	SignaturesVerified uint64 // participants over all verified aggregates
	GossipVerified     uint64 // single attestations verified on gossip (gossip_verification: main)
	StateReplays       uint64 // blocks replayed to regenerate evicted states

	// SignaturesAggregated counts the signatures summed into on-chain
	// attestation and sync aggregates (full mode).
	SignaturesAggregated uint64
}

// Stats returns the work counters.
func (e *Engine) Stats() Stats {
	s := e.stats
	s.StateReplays = e.chain.replayed
	return s
}

// interruptOn ends the run early once ctx is done: the epoch being run
// becomes the settling epoch, so that the outputs are those of a run of
// that many epochs, and the summary says the run was interrupted.
func (e *Engine) interruptOn(ctx context.Context) {
	if e.interrupted || ctx.Err() == nil {
		return
	}
	e.interrupted = true
	e.limit = min(e.limit, e.stats.Epochs)
	e.work.epochs = e.limit
}

// RunEpoch runs the next epoch's slots (both phases of each) and the epoch
// report. Start must have been called. It stops with ctx's error at the
// next slot once ctx is done.
func (e *Engine) RunEpoch(ctx context.Context) error {
	return e.runEpoch(ctx.Err)
}

// runEpoch is RunEpoch; check runs before every slot and stops the epoch
// when it returns an error.
func (e *Engine) runEpoch(check func() error) error {
	defer e.prefetch.Wait()
	epoch := consensus.Epoch(e.stats.Epochs)
	first := consensus.ComputeStartSlotAtEpoch(&e.cfg, epoch)
	last := first + consensus.Slot(e.cfg.SlotsPerEpoch) - 1
	for slot := first; slot <= last; slot++ {
		if err := check(); err != nil {
			return err
		}
		if slot == first {
			e.startEpoch(slot, epoch)
		}
		if err := e.runSlot(slot); err != nil {
			return err
		}
		if slot == last {
			if err := e.endEpoch(slot, epoch); err != nil {
				return err
			}
		}
		if err := e.endSlot(slot); err != nil {
			return err
		}
	}
	e.stats.Epochs++
	return nil
}

// prefetchCommittees computes in the background the committee layout of
// the epoch after epoch as st (a head state in epoch, read-only) sees it,
// so that the next epoch's first slot finds it in the Caches while this
// epoch's work overlaps the shuffle. The Caches are content-addressed and
// safe for concurrent use: a branch whose layout differs computes its own
// when asked, as before, and no result depends on the prefetch.
func (e *Engine) prefetchCommittees(st *consensus.State, epoch consensus.Epoch) {
	c := st.Copy() // the goroutine's own state
	e.prefetch.Add(1)
	go func() {
		defer e.prefetch.Done()
		_, _ = consensus.EpochCommittees(&e.cfg, c, epoch+1)
	}()
}

// startEpoch runs what happens before an epoch's first slot: partitions
// start or heal, private chains are released, slashers forget what is
// older than their history.
func (e *Engine) startEpoch(slot consensus.Slot, epoch consensus.Epoch) {
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

// runSlot runs a slot's two phases: propose at its start (none at the
// genesis slot) and attest at get_attestation_due_ms (a third of the way
// in, less the rounding of ATTESTATION_DUE_BPS: 3,999 ms on mainnet).
func (e *Engine) runSlot(slot consensus.Slot) error {
	t0 := uint64(slot) * e.cfg.SlotDurationMs
	if slot > 0 {
		if err := e.proposePhase(slot, t0); err != nil {
			return err
		}
	}
	return e.attestPhase(slot, t0+e.cfg.AttestationDueMs())
}

// endSlot runs what follows every slot: the slashers' findings become
// events, heads are noted (reorgs), and the chain and the views' pools drop
// what is too old to matter.
func (e *Engine) endSlot(slot consensus.Slot) error {
	e.flushDetections()
	if err := e.rep.err; err != nil {
		return err // a sink error stops the run at the slot it happened in
	}
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
	return nil
}

func peakMemory() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Sys
}

// buildGenesis lays out the n genesis validators group by group, gives
// every validator (and each of the total-n a deposit will create) its
// group, coalition flag and withdrawal credentials (the address part is
// the group and member number, so that addresses are distinct), and
// builds the genesis state.
func (e *Engine) buildGenesis(n, total int) (*consensus.State, error) {
	gvals := make([]consensus.GenesisValidator, 0, n)
	e.groupOfVal = make([]int, total)
	e.credentials = make([]consensus.Root, total)
	vi := 0
	for gi, g := range e.sc.Groups {
		for i := 0; i < g.Count; i++ {
			cred := withdrawalCredentials(g.Credentials, gi, i)
			gvals = append(gvals, consensus.GenesisValidator{Balance: consensus.Gwei(g.BalanceGwei), WithdrawalCredentials: cred})
			e.groupOfVal[vi], e.credentials[vi] = gi, cred
			vi++
		}
	}
	for gi, g := range e.sc.Groups {
		member := g.Count
		for wi := range g.Requests {
			for _, k := range e.plan.keys[[2]int{gi, wi}] {
				e.groupOfVal[k] = gi
				e.credentials[k] = withdrawalCredentials(g.Credentials, gi, member)
				member++
			}
		}
	}
	e.assignLSTValidators(gvals)
	e.setBLSCredentials(gvals)
	caches := consensus.NewCaches()
	caches.SetKeys(e.dir)
	genesis, err := consensus.NewGenesisState(&e.cfg, gvals, genesisSeed(e.sc.Seed), caches)
	if err != nil {
		return nil, fmt.Errorf("sim: genesis: %w", err)
	}
	return genesis, nil
}
