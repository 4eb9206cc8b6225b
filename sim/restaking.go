package sim

// Restaking coupled with consensus (scenario `restaking:` block).
//
// # Model
//
// One restaking ledger (economics/restaking) per run. Like the
// execution-layer request pool it is off-chain and shared by every branch,
// and the engine drives it from the summary branch (the first honest
// view's).
//
// # Who decides what
//
// The decisions belong to the restaking agents of package agents, built
// from the scenario at setup and run as goroutine agents: the engine gives
// them their duties in epoch phases (the same barrier as the slot phases),
// reads their answers in agent-id order and applies what they decide to
// the ledger in a fixed order (it also keeps the ledger calls, forced
// exits, events, analysis and outputs):
//
//   - agents.RestakingOperatorAgent (one per operator): its allocation
//     (Allocate, by policy or explicit magnitudes), which AVSs' coalitions
//     it belongs to (IsByzantine) and its answer to each task (Answer: a
//     Byzantine operator answers wrongly exactly when its coalition
//     attacks, agents.CoalitionAttacks, the same decision for every member).
//   - agents.AVSAgent (one per AVS): the outcome of its task (Task: whether
//     the correct answers reached its quorum of α of the set's slashable
//     stake, whether the wrong ones did: compromised) and the slashes it
//     requests (the wrong answerers, then its buggy targets at its epoch).
//   - agents.StakerAgent (one per staker): how much it delegates
//     (DelegationGwei) and when it runs on its operator (ShouldWithdraw).
//
// Setup, at epoch 0:
//
//   - Each AVS is one operator set: threshold α, profit π, redistribution
//     recipient and veto window as given; its yearly reward rate is turned
//     into a per-epoch rate with the preset's epoch length (a year of
//     365.25 days).
//   - Native restaking: an operator's restaked ETH is the genesis balances
//     of its groups' validators. Each staker deposits ShareWAD of it
//     (rounded down) and delegates to the operator; the operator's own
//     account holds the rest. Beacon-chain rewards and penalties are never
//     checkpointed into the ledger afterwards: the ledger keeps the genesis
//     amounts less what restaking itself took.
//   - Operators register for their AVSs and allocate by policy (even:
//     WAD/n to each; conservative: WAD/(2n); yield: WAD to the AVS with the
//     highest reward rate, the first on ties; or explicit magnitudes). The
//     genesis allocations take effect at once: the ledger is built with an
//     allocation delay of 0 (the operators opted in before genesis), and
//     each operator's delay is then set to the scenario's allocation delay,
//     which EigenLayer applies after ALLOCATION_CONFIGURATION_DELAY (here
//     equal to the allocation delay). Operators make no later allocations.
//   - Delays are the scenario's, else EigenLayer's mainnet values converted
//     with the preset's epoch length (restaking.ParamsFor).
//
// Each reported epoch e, in the economic phase of its boundary (after the
// transitions and invariants, before the epoch's rows are built; see the
// package manual), in this order:
//
//  1. ledger.Advance(e): queued (vetoable) slashes whose window ended
//     execute. Nobody vetoes: the model has no veto committee.
//  2. Staker withdrawals whose delay has passed complete.
//  3. Every AVS, in scenario order, issues one task. Each registered
//     operator with slashable stake in the AVS answers it (in the ledger's
//     member order), seeing the agents.TaskView that agents.NewTaskView
//     builds. The operators with the AVS in their Byzantine list collude
//     and are rational: they answer wrongly only when the attack works and
//     pays — their slashable stake is at least α of the set's total
//     (exact: byz·WAD >= α·total, as economics/security checks) and the
//     AVS's profit from corruption exceeds what the slashing will take
//     from them (SlashFractionWAD of each one's slashable stake, rounded
//     up); otherwise they answer correctly and wait, so an attack can
//     become possible later, when honest stake leaves the set. When they
//     attack, the AVS is compromised (π counts as realized the first time)
//     and slashes each wrong answerer once (SlashFractionWAD of its
//     allocation) and deregisters it, so it answers no later task. A buggy
//     AVS, at its epoch, then slashes the named operators although they
//     answered correctly (if they are slashable by it). The task completes
//     when the correct answers hold at least α of the set's slashable
//     stake (the quorum that certifies a result, so that α is what
//     corrupting the AVS takes; see package agents); otherwise — a
//     coalition holding more than 1 − α blocked it, or the set has no
//     slashable stake left — the engine emits avs_task_failed.
//  4. AccrueRewards.
//  5. Stakers whose operator has lost more than PanicWAD of its initial
//     restaked stake (cumulative slashes over the genesis amount) queue a
//     withdrawal of everything they have: a run on the operator.
//  6. ledger.CheckInvariants: an error stops the run, like the ETH
//     conservation check.
//  7. Forced exits: every Gwei that left the ledger for an operator
//     (slashed from its own or its delegators' stake, or paid out by a
//     completed withdrawal of a staker delegated to it) must leave the
//     beacon chain. The engine keeps per operator the Gwei owed and sends
//     EIP-7002 full-exit requests (source address = the credentials'
//     address) into the shared request pool for the operator's validators
//     in index order — active, not exiting, not slashed, past
//     SHARD_COMMITTEE_PERIOD on the summary branch — until their balances
//     cover what is owed: the engine keeps, per operator, the cumulative
//     Gwei that left the ledger and the cumulative balances (at request) of
//     the validators it forced out, and requests exits while the second is
//     below the first (a validator's whole balance leaves, and the excess
//     counts against later debts). The requests reach blocks like any
//     other, go through process_withdrawal_request and the Electra exit
//     churn; a request that has not shown as an exit after
//     agents.RetryEpochs is sent again. What no exitable validator can
//     cover stays owed.
//  8. The security analysis of the ledger's restaking graph (operators'
//     shares, each AVS's π and α, and every allocation an AVS can slash
//     now), recomputed only when the graph changed: each AVS's cost of
//     corruption (the least backing stake reaching ceil(α·backing); exact
//     by enumeration up to 20 backing allocations, a greedy upper bound
//     above), whether it is secure (in no valid attack: with unique stake,
//     attacks on different AVSs are independent, so this is exact given
//     the costs), and security.Analyze's worst attack (exact up to 20
//     operators and 20 AVSs, else its heuristic), the summary keeping the
//     most profitable one seen. Then one avs.csv row per AVS, when the
//     sink takes them (AVSSink).
//
// Ethereum's Byzantine share is the coalition groups' share of the active
// effective balance (attacker_stake_share), recorded on every row and, for
// the summary branch and in every run (with or without restaking),
// compared exactly with 1/3, 1/2 and 2/3 each epoch (above: strictly):
// byzantine_share_crossed events, the summary's crossings and largest
// share. A behaviour with after_byzantine_share is gated: it is active from
// the epoch after the first epoch whose summary-branch row shows a larger
// share, within its window.

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/restaking"
	"github.com/stakesim/stakesim/economics/security"
	"github.com/stakesim/stakesim/scenarios"
)

// restakingRun is the run's restaking ledger and what the engine keeps
// about it.
type restakingRun struct {
	e       *Engine
	spec    *scenarios.Restaking
	ledger  *restaking.Ledger
	avsSink AVSSink // nil when the sink takes no avs.csv rows

	ops     []*rsOperator
	opIndex map[string]int
	avss    []rsAVS
	stakers []*rsStaker
	// queuedBuggy marks queued slashes requested by a buggy AVS.
	queuedBuggy map[uint64]bool
	// external marks the ledger stakers whose ETH is not the operators'
	// validators' (liquid restaking protocols' accounts, whose own
	// validators leave through their withdrawals): their slashed stake
	// forces no exit of the operator's validators.
	external map[string]bool

	compromised []bool // by AVS: ever compromised
	slashedOp   []bool // by operator: ever slashed
	avsSlashed  []consensus.Gwei

	compromisedN, operatorsSlashedN               uint64
	slashedGwei, burnedGwei, redistributedGwei    uint64
	stakeLeftGwei, profitRealizedGwei, withdrawnN uint64

	// security analysis
	lastGraph *security.Graph
	analysis  *security.Analysis
	costs     []uint64 // by AVS, of lastGraph
	secure    []bool
	worst     *RestakingAttack
}

type rsAVS struct {
	spec  scenarios.AVS
	index int
	agent *agents.AVSAgent
}

type rsOperator struct {
	spec       scenarios.RestakingOperator
	agent      *agents.RestakingOperatorAgent
	validators []consensus.ValidatorIndex // of its groups, ascending
	initial    consensus.Gwei             // restaked at genesis
	owed       consensus.Gwei             // cumulative: restaked Gwei that left the ledger
	forced     consensus.Gwei             // cumulative: balances of the validators forced out
	requested  []consensus.ValidatorIndex // forced exits not yet seen exiting
	sentAt     map[consensus.ValidatorIndex]consensus.Epoch
	isForced   map[consensus.ValidatorIndex]bool
}

type rsStaker struct {
	spec       scenarios.RestakingStaker
	agent      *agents.StakerAgent
	op         int
	panicked   bool
	withdrawal uint64 // pending withdrawal id, 0 if none
}

// perEpochRate converts a yearly WAD rate into a per-epoch one for epochs
// of epochMs milliseconds, rounding down (a year is 365.25 days).
func perEpochRate(yearlyWAD, epochMs uint64) uint64 {
	const yearMs = 36_525 * 86_400 * 10 // 365.25 days in ms
	return restaking.MulDivDown(yearlyWAD, epochMs, yearMs)
}

func newRestakingRun(e *Engine, sink Sink) (*restakingRun, error) {
	spec := e.sc.Restaking
	l, alloc, err := newRestakingLedger(&e.cfg, spec)
	if err != nil {
		return nil, err
	}
	rs := &restakingRun{e: e, spec: spec, ledger: l, opIndex: map[string]int{}, queuedBuggy: map[uint64]bool{}, external: map[string]bool{}}
	if s, ok := sink.(AVSSink); ok {
		rs.avsSink = s
	}
	offers, err := rs.setupAVSs()
	if err != nil {
		return nil, err
	}
	if err := rs.setupOperators(); err != nil {
		return nil, err
	}
	delegated, err := rs.setupStakers()
	if err != nil {
		return nil, err
	}
	if err := rs.allocate(offers, delegated, alloc); err != nil {
		return nil, err
	}
	rs.compromised = make([]bool, len(rs.avss))
	rs.slashedOp = make([]bool, len(rs.ops))
	rs.avsSlashed = make([]consensus.Gwei, len(rs.avss))
	if err := l.CheckInvariants(); err != nil {
		return nil, fmt.Errorf("sim: restaking setup: %w", err)
	}
	return rs, nil
}

// newRestakingLedger builds the ledger with the scenario's delays, else
// EigenLayer's in the preset's epochs, and returns the operators'
// allocation delay (the genesis allocations take effect at once).
func newRestakingLedger(cfg *consensus.Config, spec *scenarios.Restaking) (*restaking.Ledger, restaking.Epoch, error) {
	def := restaking.ParamsFor(cfg)
	alloc := def.AllocationDelay
	if spec.AllocationDelay != nil {
		alloc = restaking.Epoch(*spec.AllocationDelay)
	}
	params := restaking.Params{AllocationDelay: 0, AllocationConfigurationDelay: alloc,
		DeallocationDelay: def.DeallocationDelay, WithdrawalDelay: def.WithdrawalDelay}
	if spec.DeallocationDelay != nil {
		params.DeallocationDelay = restaking.Epoch(*spec.DeallocationDelay)
	}
	if spec.WithdrawalDelay != nil {
		params.WithdrawalDelay = restaking.Epoch(*spec.WithdrawalDelay)
	}
	l, err := restaking.New(params)
	if err != nil {
		return nil, 0, fmt.Errorf("sim: restaking: %w", err)
	}
	return l, alloc, nil
}

// setupAVSs creates one operator set and one AVS agent per AVS and returns
// what the operators' allocation policies know of them.
func (rs *restakingRun) setupAVSs() ([]agents.AVSOffer, error) {
	e, l := rs.e, rs.ledger
	epochMs := e.cfg.SlotsPerEpoch * e.cfg.SlotDurationMs
	var offers []agents.AVSOffer
	for i, a := range rs.spec.AVSs {
		cfg := restaking.OperatorSetConfig{ID: a.Name, RewardRateWAD: perEpochRate(a.RewardRateWAD, epochMs),
			ThresholdWAD: a.ThresholdWAD, ProfitGwei: consensus.Gwei(a.ProfitGwei),
			RedistributionRecipient: a.RedistributeTo, VetoWindow: restaking.Epoch(a.VetoEpochs)}
		if err := l.CreateOperatorSet(cfg); err != nil {
			return nil, fmt.Errorf("sim: restaking: AVS %q: %w", a.Name, err)
		}
		ag := newAVSAgent(a)
		if err := e.addEconomic(ag, func(id int) { ag.AgentID = id }); err != nil {
			return nil, err
		}
		rs.avss = append(rs.avss, rsAVS{spec: a, index: i, agent: ag})
		offers = append(offers, agents.AVSOffer{Name: a.Name, RewardRateWAD: a.RewardRateWAD})
	}
	return offers, nil
}

// setupOperators registers each restaking operator with its agent, its
// validator groups (each restaked by one operator, with 0x01 or 0x02
// credentials so that EIP-7002 requests can exit them) and its genesis
// restaked ETH.
func (rs *restakingRun) setupOperators() error {
	e, l := rs.e, rs.ledger
	groupIndex := map[string]int{}
	for gi, g := range e.sc.Groups {
		groupIndex[g.Name] = gi
	}
	for _, o := range rs.spec.Operators {
		op := &rsOperator{spec: o, agent: newOperatorAgent(o), sentAt: map[consensus.ValidatorIndex]consensus.Epoch{}, isForced: map[consensus.ValidatorIndex]bool{}}
		if err := e.addEconomic(op.agent, func(id int) { op.agent.AgentID = id }); err != nil {
			return err
		}
		for _, gname := range o.Groups {
			gi, ok := groupIndex[gname]
			if !ok {
				return fmt.Errorf("sim: restaking operator %q: unknown validator group %q", o.Name, gname)
			}
			if prev, err := e.registry.RelatedTo(RestakesGroup, gname); err != nil {
				return err
			} else if len(prev) > 0 {
				return fmt.Errorf("sim: restaking operator %q: group %q already restaked by %q", o.Name, gname, prev[0])
			}
			if err := e.registry.relate(RestakingRecord{Relation: RestakesGroup, From: o.Name, To: gname}); err != nil {
				return err
			}
			g := e.sc.Groups[gi]
			if g.Credentials != consensus.ETH1AddressWithdrawalPrefix && g.Credentials != consensus.CompoundingWithdrawalPrefix {
				return fmt.Errorf("sim: restaking operator %q: group %q has 0x%02x credentials; restaked validators need 0x01 or 0x02 so that EIP-7002 requests can exit them", o.Name, gname, g.Credentials)
			}
			op.initial += consensus.Gwei(uint64(g.Count) * g.BalanceGwei)
		}
		vals, err := rs.restakedValidators(o.Name)
		if err != nil {
			return err
		}
		op.validators = vals
		if err := l.RegisterOperator(restaking.OperatorConfig{ID: o.Name, CommissionBps: o.CommissionBps}); err != nil {
			return fmt.Errorf("sim: restaking operator %q: %w", o.Name, err)
		}
		rs.opIndex[o.Name] = len(rs.ops)
		rs.ops = append(rs.ops, op)
	}
	return nil
}

// restakedValidators lists, ascending, the validators of the groups an
// operator restakes (from the registry's relations).
func (rs *restakingRun) restakedValidators(op string) ([]consensus.ValidatorIndex, error) {
	groups, err := rs.e.registry.Related(RestakesGroup, op)
	if err != nil {
		return nil, err
	}
	var out []consensus.ValidatorIndex
	for _, g := range groups {
		vals, err := rs.e.registry.ValidatorsOfGroup(g)
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			out = append(out, consensus.ValidatorIndex(v))
		}
	}
	slices.Sort(out)
	return out, nil
}

// setupStakers deposits and delegates each staker's share of its
// operator's restaked ETH, with its agent; it returns the amounts
// delegated to each operator.
func (rs *restakingRun) setupStakers() ([]consensus.Gwei, error) {
	e, l := rs.e, rs.ledger
	delegated := make([]consensus.Gwei, len(rs.ops))
	for _, s := range rs.spec.Stakers {
		oi, ok := rs.opIndex[s.Operator]
		if !ok {
			return nil, fmt.Errorf("sim: restaking staker %q: unknown operator %q", s.Name, s.Operator)
		}
		sa := &agents.StakerAgent{Name: s.Name, Operator: s.Operator, ShareWAD: s.ShareWAD, PanicWAD: s.PanicWAD}
		amount := sa.DelegationGwei(rs.ops[oi].initial)
		if delegated[oi]+amount > rs.ops[oi].initial {
			return nil, fmt.Errorf("sim: restaking staker %q: the shares of operator %q's stakers exceed its restaked ETH", s.Name, s.Operator)
		}
		delegated[oi] += amount
		if err := l.RegisterStaker(s.Name); err != nil {
			return nil, fmt.Errorf("sim: restaking staker %q: %w", s.Name, err)
		}
		if amount > 0 {
			if err := l.Deposit(s.Name, amount); err != nil {
				return nil, fmt.Errorf("sim: restaking staker %q: %w", s.Name, err)
			}
		}
		if err := l.DelegateTo(s.Name, s.Operator); err != nil {
			return nil, fmt.Errorf("sim: restaking staker %q: %w", s.Name, err)
		}
		if err := e.registry.relate(RestakingRecord{Relation: DelegatesTo, From: s.Name, To: s.Operator}); err != nil {
			return nil, err
		}
		if err := e.addEconomic(sa, func(id int) { sa.AgentID = id }); err != nil {
			return nil, err
		}
		rs.stakers = append(rs.stakers, &rsStaker{spec: s, agent: sa, op: oi})
	}
	return delegated, nil
}

// allocate deposits each operator's own restaked ETH, registers it for its
// AVSs with the magnitudes its policy chooses, then sets its allocation
// delay.
func (rs *restakingRun) allocate(offers []agents.AVSOffer, delegated []consensus.Gwei, alloc restaking.Epoch) error {
	l := rs.ledger
	avsIndex := map[string]int{}
	for i, a := range rs.spec.AVSs {
		avsIndex[a.Name] = i
	}
	for oi, op := range rs.ops {
		o := op.spec
		if own := op.initial - delegated[oi]; own > 0 {
			if err := l.Deposit(o.Name, own); err != nil {
				return fmt.Errorf("sim: restaking operator %q: %w", o.Name, err)
			}
		}
		mags, err := op.agent.Allocate(offers)
		if err != nil {
			return fmt.Errorf("sim: restaking operator %q: %w", o.Name, err)
		}
		for i, a := range o.AVSs {
			if _, ok := avsIndex[a]; !ok {
				return fmt.Errorf("sim: restaking operator %q: unknown AVS %q", o.Name, a)
			}
			if err := l.RegisterForOperatorSet(o.Name, a); err != nil {
				return fmt.Errorf("sim: restaking operator %q: AVS %q: %w", o.Name, a, err)
			}
			if err := rs.e.registry.relate(RestakingRecord{Relation: RegisteredFor, From: o.Name, To: a}); err != nil {
				return err
			}
			if mags[i] > 0 {
				if err := l.ModifyAllocation(o.Name, a, mags[i]); err != nil {
					return fmt.Errorf("sim: restaking operator %q: AVS %q: %w", o.Name, a, err)
				}
			}
		}
		if err := l.SetAllocationDelay(o.Name, alloc); err != nil {
			return fmt.Errorf("sim: restaking operator %q: %w", o.Name, err)
		}
	}
	return nil
}

// newAVSAgent is the agent of a scenario AVS.
func newAVSAgent(a scenarios.AVS) *agents.AVSAgent {
	ag := &agents.AVSAgent{Name: a.Name, ThresholdWAD: a.ThresholdWAD, ProfitGwei: a.ProfitGwei, SlashFractionWAD: a.SlashFractionWAD}
	if b := a.Buggy; b != nil {
		ag.Buggy = &agents.BuggySlash{Epoch: consensus.Epoch(b.Epoch), Operators: slices.Clone(b.Operators)}
	}
	return ag
}

// newOperatorAgent is the agent of a scenario restaking operator.
func newOperatorAgent(o scenarios.RestakingOperator) *agents.RestakingOperatorAgent {
	ag := &agents.RestakingOperatorAgent{Name: o.Name, AVSs: slices.Clone(o.AVSs), Allocation: o.Allocation, Byzantine: slices.Clone(o.Byzantine)}
	for _, m := range o.Magnitudes {
		ag.Magnitudes = append(ag.Magnitudes, agents.AVSMagnitude{AVS: m.AVS, MagnitudeWAD: m.MagnitudeWAD})
	}
	return ag
}

// afterEpoch is the economic phase of a reported epoch, on the summary
// branch of the boundary: the Byzantine share's crossings and gates, then
// the restaking epoch (its agents act in epoch phases).
func (e *Engine) afterEpoch(b *EpochBoundary) error {
	epoch := b.Epoch
	if uint64(epoch) >= e.limit {
		return nil // the settling epoch is not reported
	}
	main := b.Summary
	if main == nil {
		return fmt.Errorf("sim: epoch %d: no summary branch", epoch)
	}
	e.byzantine.observe(e, epoch, main)
	for _, g := range e.gates {
		if _, open := g.gate.IsOpen(); !open && restaking.FractionAbove(uint64(main.ByzantineGwei), uint64(main.ActiveGwei), g.thresholdWAD, restaking.WAD) {
			g.gate.Open(epoch + 1)
		}
	}
	if e.rs != nil {
		if err := e.rs.epoch(epoch, main); err != nil {
			return err
		}
	}
	if e.lst != nil {
		if err := e.lst.epoch(epoch, main); err != nil {
			return err
		}
	}
	if e.mk != nil {
		return e.mk.epoch(epoch, main)
	}
	return nil
}

// shareGate is a behaviour gate opened by the Byzantine share.
type shareGate struct {
	group, behaviour int
	thresholdWAD     uint64
	gate             *agents.Gate
}

// gateFor returns the gate of behaviour bi of group gi (shared by the
// group's agents), or nil when the behaviour has no share threshold.
func (e *Engine) gateFor(gi, bi int, thresholdWAD uint64) *agents.Gate {
	if thresholdWAD == 0 {
		return nil
	}
	for _, g := range e.gates {
		if g.group == gi && g.behaviour == bi {
			return g.gate
		}
	}
	g := shareGate{group: gi, behaviour: bi, thresholdWAD: thresholdWAD, gate: &agents.Gate{}}
	e.gates = append(e.gates, g)
	return g.gate
}

// byzThresholds are the Byzantine-share thresholds whose crossings are
// reported.
var byzThresholds = [...]struct {
	num, den uint64
	name     string
}{{1, 3, "1/3"}, {1, 2, "1/2"}, {2, 3, "2/3"}}

// byzantineTracker follows the summary branch's Byzantine share.
type byzantineTracker struct {
	above     [len(byzThresholds)]bool
	crossings []ByzantineCrossing
	seen      bool
	maxByz    consensus.Gwei
	maxActive consensus.Gwei
	maxEpoch  uint64
}

// shareOf is byz/active truncated to 6 decimals, the figure the
// byzantine_share column prints.
func shareOf(byz, active consensus.Gwei) float64 {
	return float64(ppm(byz, active)) / 1e6
}

// observe compares the summary row's share with the thresholds: above
// means strictly greater (3·byz > active for 1/3), exactly.
func (b *byzantineTracker) observe(e *Engine, epoch consensus.Epoch, br *BranchBoundary) {
	byz, active := br.ByzantineGwei, br.ActiveGwei
	larger := false
	switch {
	case active == 0:
	case !b.seen:
		larger = true
	case b.maxActive == 0:
		larger = byz > 0
	default:
		larger = restaking.FractionAbove(uint64(byz), uint64(active), uint64(b.maxByz), uint64(b.maxActive))
	}
	if larger {
		b.seen, b.maxByz, b.maxActive, b.maxEpoch = true, byz, active, uint64(epoch)
	}
	slot := uint64(consensus.ComputeStartSlotAtEpoch(&e.cfg, epoch+1))
	for i, t := range byzThresholds {
		now := active > 0 && restaking.FractionAbove(uint64(byz), uint64(active), t.num, t.den)
		if now == b.above[i] {
			continue
		}
		b.above[i] = now
		dir := "down"
		if now {
			dir = "up"
		}
		share := shareOf(byz, active)
		b.crossings = append(b.crossings, ByzantineCrossing{Threshold: t.name, Epoch: uint64(epoch), Direction: dir, Share: share})
		e.rep.event(newEvent(uint64(epoch), slot, br.Label, ByzantineShareCrossedDetails{Threshold: t.name, Share: share, Direction: dir}))
	}
}

func (b *byzantineTracker) summary(s *Summary) {
	s.MaxByzantineShare = shareOf(b.maxByz, b.maxActive)
	s.MaxByzantineShareEpoch = b.maxEpoch
	s.ByzantineCrossings = b.crossings
	if s.ByzantineCrossings == nil {
		s.ByzantineCrossings = []ByzantineCrossing{}
	}
}

// fill sets a row's restaking columns (global figures).
func (rs *restakingRun) fill(row *EpochRow) {
	row.RestakedGwei = uint64(rs.ledger.TotalRestaked())
	row.AVSCompromised = rs.compromisedN
	row.OperatorsSlashed = rs.operatorsSlashedN
	row.RestakingSlashedGwei = rs.slashedGwei
	row.PendingWithdrawalsGwei = uint64(rs.ledger.PendingWithdrawalsGwei())
}

// epoch runs the restaking part of a reported epoch (see the model above).
// main is the summary branch at the boundary; its Post is the beacon state
// at the start of epoch+1.
func (rs *restakingRun) epoch(epoch consensus.Epoch, main *BranchBoundary) error {
	e := rs.e
	l := rs.ledger
	slot := uint64(consensus.ComputeStartSlotAtEpoch(&e.cfg, epoch+1))
	ev := func(d EventDetails) {
		e.rep.event(newEvent(uint64(epoch), slot, main.Label, d))
	}
	clear(rs.avsSlashed)
	reports, err := l.Advance(epoch)
	if err != nil {
		return fmt.Errorf("sim: epoch %d: restaking: %w", epoch, err)
	}
	for _, r := range reports {
		rs.slashed(r, rs.queuedBuggy[r.ID], ev)
		delete(rs.queuedBuggy, r.ID)
	}
	if err := rs.completeWithdrawals(epoch, ev); err != nil {
		return err
	}
	// The graph the tasks are decided on: analysed first, so that an attack
	// carried out this epoch also counts as a possible attack.
	if err := rs.refresh(epoch); err != nil {
		return err
	}
	// Tasks.
	for ai, a := range rs.avss {
		if err := rs.task(epoch, ai, a, ev); err != nil {
			return err
		}
	}
	if _, err := l.AccrueRewards(); err != nil {
		return fmt.Errorf("sim: epoch %d: restaking: %w", epoch, err)
	}
	if err := rs.stakerRuns(epoch, ev); err != nil {
		return err
	}
	if err := l.CheckInvariants(); err != nil {
		return fmt.Errorf("sim: epoch %d: restaking ledger: %w", epoch, err)
	}
	rs.forceExits(epoch, main.Post, ev)
	return rs.analyse(epoch)
}

// completeWithdrawals completes the stakers' withdrawals that are due:
// the Gwei paid out becomes owed by their operator (forced exits).
func (rs *restakingRun) completeWithdrawals(epoch consensus.Epoch, ev func(EventDetails)) error {
	l := rs.ledger
	for _, s := range rs.stakers {
		if s.withdrawal == 0 {
			continue
		}
		w, err := l.Withdrawal(s.withdrawal)
		if err != nil {
			return fmt.Errorf("sim: epoch %d: restaking: %w", epoch, err)
		}
		if epoch < w.CompletableEpoch {
			continue
		}
		paid, err := l.CompleteWithdrawal(s.withdrawal)
		if err != nil {
			return fmt.Errorf("sim: epoch %d: restaking: %w", epoch, err)
		}
		rs.ops[s.op].owed += paid
		rs.withdrawnN++
		ev(StakerWithdrawalCompletedDetails{Staker: s.spec.Name, Operator: s.spec.Operator, Gwei: uint64(paid), Withdrawal: s.withdrawal})
		s.withdrawal = 0
	}
	return nil
}

// stakerRuns runs on slashed operators: the stakers decide together, in
// an epoch phase (their operators' losses do not change while withdrawals
// are queued), then their withdrawals are queued in staker order.
func (rs *restakingRun) stakerRuns(epoch consensus.Epoch, ev func(EventDetails)) error {
	l := rs.ledger
	ask := map[int]*agents.Duties{}
	for _, s := range rs.stakers {
		if s.panicked || s.spec.PanicWAD == 0 {
			continue
		}
		op := rs.ops[s.op]
		oinfo, err := l.Operator(op.spec.Name)
		if err != nil {
			return fmt.Errorf("sim: epoch %d: restaking: %w", epoch, err)
		}
		ask[s.agent.ID()] = &agents.Duties{Withdraw: &agents.WithdrawDuty{LostGwei: oinfo.SlashedGwei, InitialGwei: op.initial}}
	}
	decided := rs.e.runEpochPhase(ask)
	for _, s := range rs.stakers {
		if d, ok := decided[s.agent.ID()]; !ok || !d.Withdraw {
			continue
		}
		s.panicked = true
		sinfo, err := l.Staker(s.spec.Name)
		if err != nil {
			return fmt.Errorf("sim: epoch %d: restaking: %w", epoch, err)
		}
		if sinfo.WithdrawableGwei == 0 {
			continue
		}
		id, err := l.QueueWithdrawal(s.spec.Name, sinfo.WithdrawableGwei)
		if err != nil {
			return fmt.Errorf("sim: epoch %d: restaking: %w", epoch, err)
		}
		w, err := l.Withdrawal(id)
		if err != nil {
			return fmt.Errorf("sim: epoch %d: restaking: %w", epoch, err)
		}
		s.withdrawal = id
		ev(StakerWithdrawalQueuedDetails{Staker: s.spec.Name, Operator: s.spec.Operator, Gwei: uint64(sinfo.WithdrawableGwei),
			Withdrawal: id, CompletableEpoch: uint64(w.CompletableEpoch)})
	}
	return nil
}

// task runs AVS a's task of epoch: the operators of its set with slashable
// stake answer (agents.RestakingOperatorAgent.Answer, over the view
// agents.NewTaskView builds), the AVS judges the answers
// (agents.AVSAgent.Task), and the engine reports the outcome and applies
// the slashes it requests, in order.
func (rs *restakingRun) task(epoch consensus.Epoch, ai int, a rsAVS, ev func(EventDetails)) error {
	l := rs.ledger
	info, err := l.OperatorSet(a.spec.Name)
	if err != nil {
		return fmt.Errorf("sim: epoch %d: restaking: %w", epoch, err)
	}
	var members []agents.TaskMember
	for _, m := range info.Members {
		st, err := l.SlashableStake(m, a.spec.Name, epoch)
		if err != nil {
			return fmt.Errorf("sim: epoch %d: restaking: %w", epoch, err)
		}
		if st == 0 {
			continue
		}
		members = append(members, agents.TaskMember{Operator: m, StakeGwei: st, Byzantine: rs.ops[rs.opIndex[m]].agent.IsByzantine(a.spec.Name)})
	}
	view := agents.NewTaskView(a.agent, members)
	ask := map[int]*agents.Duties{}
	for _, m := range members {
		ask[rs.ops[rs.opIndex[m.Operator]].agent.ID()] = &agents.Duties{Answer: &agents.AnswerDuty{View: view}}
	}
	said := rs.e.runEpochPhase(ask)
	answers := make([]agents.TaskAnswer, len(members))
	for i, m := range members {
		answers[i] = agents.TaskAnswer{Operator: m.Operator, StakeGwei: m.StakeGwei, Correct: said[rs.ops[rs.opIndex[m.Operator]].agent.ID()].Answer}
	}
	judged := rs.e.runEpochPhase(map[int]*agents.Duties{a.agent.ID(): {Judge: &agents.JudgeDuty{Epoch: epoch, Answers: answers}}})
	out := *judged[a.agent.ID()].Outcome
	if out.Compromised {
		ev(AVSCompromisedDetails{AVS: a.spec.Name, Operators: out.Wrong, ByzantineStakeGwei: uint64(out.WrongGwei),
			TotalStakeGwei: uint64(out.TotalGwei), ThresholdStakeGwei: out.QuorumGwei, ProfitGwei: a.spec.ProfitGwei})
		if !rs.compromised[ai] {
			rs.compromised[ai] = true
			rs.compromisedN++
			rs.profitRealizedGwei += a.spec.ProfitGwei
		}
	}
	if !out.Completed && out.TotalGwei > 0 {
		ev(AVSTaskFailedDetails{AVS: a.spec.Name, CorrectStakeGwei: uint64(out.CorrectGwei), WrongStakeGwei: uint64(out.WrongGwei),
			TotalStakeGwei: uint64(out.TotalGwei), QuorumStakeGwei: out.QuorumGwei})
	}
	for _, r := range out.Slashes {
		what := "AVS"
		if r.Buggy {
			what = "buggy AVS"
			ok, err := l.IsSlashable(r.Operator, a.spec.Name)
			if err != nil {
				return fmt.Errorf("sim: epoch %d: restaking: buggy AVS %q: %w", epoch, a.spec.Name, err)
			}
			if !ok {
				continue
			}
		}
		rep, err := l.Slash(r.Operator, a.spec.Name, r.FractionWAD)
		if err != nil {
			return fmt.Errorf("sim: epoch %d: restaking: %s %q slashes %q: %w", epoch, what, a.spec.Name, r.Operator, err)
		}
		rs.slashed(rep, r.Buggy, ev)
		if r.Deregister {
			if err := l.DeregisterFromOperatorSet(r.Operator, a.spec.Name); err != nil {
				return fmt.Errorf("sim: epoch %d: restaking: %w", epoch, err)
			}
		}
	}
	return nil
}

// slashed records one slash report.
func (rs *restakingRun) slashed(r restaking.SlashReport, buggy bool, ev func(EventDetails)) {
	switch {
	case r.Queued:
		rs.queuedBuggy[r.ID] = buggy
		ev(RestakingSlashQueuedDetails{AVS: r.OperatorSet, Operator: r.Operator, SlashID: r.ID,
			ExecuteEpoch: uint64(r.ExecuteEpoch), Buggy: buggy})
		return
	case r.Skipped:
		return
	}
	oi := rs.opIndex[r.Operator]
	rs.ops[oi].owed += r.TotalGwei - rs.externalSlashed(r)
	rs.slashedGwei += uint64(r.TotalGwei)
	if !rs.slashedOp[oi] {
		rs.slashedOp[oi] = true
		rs.operatorsSlashedN++
	}
	for i := range rs.avss {
		if rs.avss[i].spec.Name == r.OperatorSet {
			rs.avsSlashed[i] += r.TotalGwei
		}
	}
	d := RestakingSlashedDetails{AVS: r.OperatorSet, Operator: r.Operator, Gwei: uint64(r.TotalGwei),
		ActiveGwei: uint64(r.ActiveGwei), QueuedGwei: uint64(r.QueuedGwei), Buggy: buggy, Burned: !r.Redistributed}
	if r.Redistributed {
		// The ledger redistributes exactly when the set names a recipient,
		// so Recipient is never empty here (omitempty drops it otherwise).
		rs.redistributedGwei += uint64(r.TotalGwei)
		d.Recipient = r.Recipient
	} else {
		rs.burnedGwei += uint64(r.TotalGwei)
	}
	ev(d)
}

// externalSlashed is what a slash took from the external stakers' stake.
func (rs *restakingRun) externalSlashed(r restaking.SlashReport) consensus.Gwei {
	var g consensus.Gwei
	for _, d := range r.Delegators {
		if rs.external[d.Staker] {
			g += d.ActiveGwei + d.QueuedGwei
		}
	}
	return g
}

// canForceExit reports whether process_withdrawal_request would initiate
// v's full exit at epoch (as far as the validator record says).
func canForceExit(cfg *consensus.Config, v *consensus.Validator, epoch consensus.Epoch) bool {
	return consensus.IsActiveValidator(v, epoch) && v.ExitEpoch == consensus.FarFutureEpoch && !v.Slashed &&
		epoch >= v.ActivationEpoch+consensus.Epoch(cfg.ShardCommitteePeriod)
}

// forceExits sends the EIP-7002 full-exit requests that cover what each
// operator owes, judged on the summary branch's state st at the start of
// epoch+1.
func (rs *restakingRun) forceExits(epoch consensus.Epoch, st *consensus.State, ev func(EventDetails)) {
	e := rs.e
	cfg := &e.cfg
	next := epoch + 1
	var reqs []consensus.WithdrawalRequest
	request := func(vi consensus.ValidatorIndex) {
		reqs = append(reqs, consensus.WithdrawalRequest{
			SourceAddress:   consensus.AddressOf(st.Validators[vi].WithdrawalCredentials),
			ValidatorPubkey: e.dir.Pubkey(vi),
			Amount:          consensus.FullExitRequestAmount,
		})
	}
	for _, op := range rs.ops {
		keep := op.requested[:0]
		for _, vi := range op.requested {
			v := &st.Validators[vi]
			if v.ExitEpoch != consensus.FarFutureEpoch {
				continue // leaving
			}
			if next >= op.sentAt[vi]+agents.RetryEpochs && canForceExit(cfg, v, next) {
				request(vi)
				op.sentAt[vi] = next
			}
			keep = append(keep, vi)
		}
		op.requested = keep
		var n int
		var first consensus.ValidatorIndex
		var gwei consensus.Gwei
		for _, vi := range op.validators {
			if op.forced >= op.owed {
				break
			}
			if int(vi) >= len(st.Validators) || op.isForced[vi] || !canForceExit(cfg, &st.Validators[vi], next) {
				continue
			}
			bal := st.Balances[vi]
			op.isForced[vi] = true
			op.sentAt[vi] = next
			op.requested = append(op.requested, vi)
			request(vi)
			op.forced += bal
			rs.stakeLeftGwei += uint64(bal)
			if n == 0 {
				first = vi
			}
			n++
			gwei += bal
		}
		if n > 0 {
			ev(RestakingExitsRequestedDetails{Operator: op.spec.Name, Validators: uint64(n), FirstValidator: uint64(first),
				BalanceGwei: uint64(gwei), OwedGwei: uint64(op.owed - min(op.owed, op.forced))})
		}
	}
	if len(reqs) > 0 {
		e.el.add(&consensus.ExecutionRequests{Withdrawals: reqs}, e.dir)
	}
}

// graph is the ledger's restaking graph now: operators with their shares,
// AVSs with π and α, and an allocation for every AVS that can slash the
// operator now. Its magnitude is ceil(w·WAD/shares) for the ledger's
// slashable stake w, so that security.StakeBacking gives back exactly w
// (shares never exceed WAD Gwei); if rounding up would take an operator's
// magnitudes past WAD, its allocations use current/max rounded down
// instead (then backing may be 1 Gwei short).
func (rs *restakingRun) graph(epoch consensus.Epoch) (*security.Graph, error) {
	l := rs.ledger
	g := &security.Graph{}
	for oi, op := range rs.ops {
		info, err := l.Operator(op.spec.Name)
		if err != nil {
			return nil, err
		}
		shares := uint64(info.SharesGwei)
		g.Operators = append(g.Operators, security.Operator{ID: op.spec.Name, Stake: shares})
		var exact, floor []security.Allocation
		var sum uint64
		for ai, a := range rs.avss {
			w, err := l.SlashableStake(op.spec.Name, a.spec.Name, epoch)
			if err != nil {
				return nil, err
			}
			if w == 0 || shares == 0 {
				continue
			}
			al, err := l.Allocation(op.spec.Name, a.spec.Name)
			if err != nil {
				return nil, err
			}
			m := restaking.MulDivUp(uint64(w), restaking.WAD, shares)
			sum += m
			exact = append(exact, security.Allocation{Operator: oi, Service: ai, Magnitude: m})
			if al.ProportionWAD > 0 {
				floor = append(floor, security.Allocation{Operator: oi, Service: ai, Magnitude: al.ProportionWAD})
			}
		}
		if sum <= restaking.WAD {
			g.Allocations = append(g.Allocations, exact...)
		} else {
			g.Allocations = append(g.Allocations, floor...)
		}
	}
	for _, a := range rs.avss {
		g.Services = append(g.Services, security.Service{ID: a.spec.Name, Profit: a.spec.ProfitGwei, Threshold: a.spec.ThresholdWAD})
	}
	return g, nil
}

func sameGraph(a, b *security.Graph) bool {
	return a != nil && b != nil && slices.Equal(a.Operators, b.Operators) && slices.Equal(a.Services, b.Services) && slices.Equal(a.Allocations, b.Allocations)
}

// maxExactCover is the largest number of backing allocations for which
// the cost of corruption is found by exhaustive search; above it a greedy
// cover (an upper bound) is used.
const maxExactCover = 20

// minCover is the least sum of a subset of ws that reaches need: exact by
// enumeration up to maxExactCover weights, greedy (largest first) above.
func minCover(ws []uint64, need uint64) uint64 {
	if need == 0 {
		return 0
	}
	if len(ws) > maxExactCover {
		s := slices.Clone(ws)
		slices.SortFunc(s, func(a, b uint64) int {
			switch {
			case a > b:
				return -1
			case a < b:
				return 1
			}
			return 0
		})
		var sum uint64
		for _, w := range s {
			sum += w
			if sum >= need {
				return sum
			}
		}
		return sum
	}
	best := ^uint64(0)
	for mask := uint64(1); mask < 1<<len(ws); mask++ {
		var sum uint64
		for i, w := range ws {
			if mask&(1<<i) != 0 {
				sum += w
			}
		}
		if sum >= need && sum < best {
			best = sum
		}
	}
	return best
}

// analyse recomputes, when the restaking graph changed, each AVS's cost of
// corruption and security and the analysis' worst attack, then writes the
// epoch's avs.csv rows.
//
// With magnitudes on every allocation (always, here) each allocation backs
// one AVS and is lost only to it, so attacks on different AVSs are
// independent: an AVS s is in some valid attack exactly when
// π_s − c_s + Σ_{t≠s} max(0, π_t − c_t) > 0, where c_t is t's cost of
// corruption (the least backing stake reaching ceil(α_t·W_t)).
func (rs *restakingRun) analyse(epoch consensus.Epoch) error {
	if err := rs.refresh(epoch); err != nil {
		return err
	}
	if rs.avsSink == nil {
		return nil
	}
	for i, a := range rs.avss {
		alloc, err := rs.ledger.AllocatedStake(a.spec.Name)
		if err != nil {
			return fmt.Errorf("sim: epoch %d: restaking: %w", epoch, err)
		}
		row := AVSRow{Epoch: uint64(epoch), AVS: a.spec.Name, AllocatedStakeGwei: uint64(alloc), CostOfCorruptionGwei: rs.costs[i],
			ProfitFromCorruptionGwei: a.spec.ProfitGwei, Secure: rs.secure[i], SlashedGwei: uint64(rs.avsSlashed[i])}
		if err := rs.avsSink.AVS(row); err != nil {
			return err
		}
	}
	return nil
}

// refresh recomputes the security analysis when the restaking graph
// changed, and keeps the most profitable valid attack seen. It runs before
// the epoch's tasks too, so that an attack carried out in the very epoch
// it becomes possible is still seen as a possible attack.
func (rs *restakingRun) refresh(epoch consensus.Epoch) error {
	g, err := rs.graph(epoch)
	if err != nil {
		return fmt.Errorf("sim: epoch %d: restaking graph: %w", epoch, err)
	}
	if !sameGraph(g, rs.lastGraph) {
		rs.lastGraph = g
		n := len(rs.avss)
		rs.costs = make([]uint64, n)
		rs.secure = make([]bool, n)
		ws := make([][]uint64, n)
		for _, a := range g.Allocations {
			ws[a.Service] = append(ws[a.Service], security.StakeBacking(g.Operators[a.Operator].Stake, a.Magnitude))
		}
		gain := new(big.Int)
		gains := make([]*big.Int, n)
		for s := range n {
			var w uint64
			for _, x := range ws[s] {
				w += x
			}
			need := restaking.MulDivUp(w, g.Services[s].Threshold, restaking.WAD)
			rs.costs[s] = minCover(ws[s], need)
			gains[s] = new(big.Int).Sub(new(big.Int).SetUint64(g.Services[s].Profit), new(big.Int).SetUint64(rs.costs[s]))
			if gains[s].Sign() > 0 {
				gain.Add(gain, gains[s])
			}
		}
		for s := range n {
			t := new(big.Int).Set(gain)
			if gains[s].Sign() <= 0 {
				t.Add(t, gains[s])
			}
			rs.secure[s] = t.Sign() <= 0
		}
		if err := g.Validate(); err != nil {
			return fmt.Errorf("sim: epoch %d: restaking graph: %w", epoch, err)
		}
		an, err := security.Analyze(g, security.Options{})
		if err != nil {
			return fmt.Errorf("sim: epoch %d: restaking analysis: %w", epoch, err)
		}
		rs.analysis = an
		if w := an.WorstAttack; w != nil && w.ProfitGwei > w.CostGwei {
			gainNew := w.ProfitGwei - w.CostGwei
			if rs.worst == nil || gainNew > rs.worst.ProfitGwei-rs.worst.CostGwei {
				rs.worst = &RestakingAttack{Epoch: uint64(epoch), Operators: slices.Clone(w.Operators), Services: slices.Clone(w.Services),
					CostGwei: w.CostGwei, ProfitGwei: w.ProfitGwei, Exact: an.Exact}
			}
		}
	}
	return nil
}

// summary is the restaking part of summary.json.
func (rs *restakingRun) summary() *RestakingSummary {
	return &RestakingSummary{
		WorstAttack:                      rs.worst,
		RestakingSlashedGwei:             rs.slashedGwei,
		RestakingBurnedGwei:              rs.burnedGwei,
		RestakingRedistributedGwei:       rs.redistributedGwei,
		StakeLeftGwei:                    rs.stakeLeftGwei,
		AVSCompromised:                   rs.compromisedN,
		OperatorsSlashed:                 rs.operatorsSlashedN,
		ProfitFromCorruptionRealizedGwei: rs.profitRealizedGwei,
		StakersWithdrawn:                 rs.withdrawnN,
	}
}
