package restaking

import (
	"fmt"
	"slices"
	"strings"
)

// Ledger is the restaking ledger: operators, stakers, operator sets,
// allocations, queued withdrawals, queued slashes and the money that left
// (burned, redistributed, withdrawn). It is not safe for concurrent use; the
// simulator owns one and mutates it from one goroutine.
type Ledger struct {
	params Params
	epoch  Epoch

	operators     []*operator
	operatorIndex map[string]int
	accounts      []*account
	accountIndex  map[string]int
	sets          []*operatorSet
	setIndex      map[string]int

	withdrawals []*withdrawal // ID = index + 1
	slashes     []*slashRequest
	nextSlashID uint64

	recipients     []recipientBalance // in first-credit order
	recipientIndex map[string]int

	depositedGwei     Gwei
	withdrawnGwei     Gwei
	burnedGwei        Gwei
	redistributedGwei Gwei
	pendingGwei       Gwei // sum of the amounts of uncompleted withdrawals

	rewardsPaidGwei    Gwei
	rewardsClaimedGwei Gwei
	rewardsAccrued     bool
	lastRewardEpoch    Epoch
}

type operator struct {
	id            string
	self          int   // the operator's own account
	delegators    []int // other accounts delegated to it, sorted by account id
	sharesGwei    Gwei  // active stake of self and delegators
	commissionBps uint64
	maxMagnitude  uint64
	encumbered    uint64
	allocs        []allocation // by set index; missing entries are zero
	delay         allocationDelay
	queue         []uint64 // withdrawals queued while delegated here, still slashable
	slashedGwei   Gwei
}

// allocation is AllocationManager's Allocation plus the operator's
// RegistrationStatus for the same set.
type allocation struct {
	current     uint64
	pendingDiff int64
	pending     bool
	effect      Epoch

	registered     bool
	deregistered   bool
	slashableUntil Epoch
}

type allocationDelay struct {
	delay        Epoch
	pendingDelay Epoch
	effect       Epoch
	hasPending   bool
}

func (d allocationDelay) at(e Epoch) Epoch {
	if d.hasPending && e >= d.effect {
		return d.pendingDelay
	}
	return d.delay
}

type account struct {
	id          string
	ownOperator int // operator index when this is an operator's own account, else -1
	operator    int // operator delegated to, -1 when undelegated
	activeGwei  Gwei
	rewardsGwei Gwei
	pending     []uint64 // uncompleted withdrawal ids, queue order
}

type operatorSet struct {
	cfg             OperatorSetConfig
	slashedGwei     Gwei
	rewardsPaidGwei Gwei
}

type withdrawal struct {
	id             uint64
	staker         int
	operator       int // delegated operator when queued, -1 if none
	start          Epoch
	slashableUntil Epoch
	queuedGwei     Gwei
	amountGwei     Gwei
	completed      bool
}

type recipientBalance struct {
	name string
	gwei Gwei
}

// OperatorConfig describes an operator at registration.
type OperatorConfig struct {
	ID string
	// CommissionBps is the operator's split of the rewards its allocations
	// earn, in basis points (RewardsCoordinator operator split; EigenLayer's
	// default is DefaultCommissionBps).
	CommissionBps uint64
}

// OperatorSetConfig describes an AVS's operator set. An AVS with several
// operator sets is several OperatorSetConfigs.
type OperatorSetConfig struct {
	ID string
	// RewardRateWAD is the fraction of an operator's allocated (slashable)
	// stake the set pays per epoch, in WAD: 5% a year over 82,181.25
	// mainnet epochs a year is about 6.08e11. Rewards are paid from outside
	// the ledger (the AVS), not from stake.
	RewardRateWAD uint64
	// ThresholdWAD is α, the fraction of the set's allocated stake needed
	// to corrupt it, in (0, WAD].
	ThresholdWAD uint64
	// ProfitGwei is π, what corrupting the set is worth to an attacker.
	ProfitGwei Gwei
	// RedistributionRecipient receives slashed stake; empty burns it
	// (createRedistributingOperatorSets vs createOperatorSets). EigenLayer
	// does not redistribute native ETH (ELIP-006); the ledger allows it.
	RedistributionRecipient string
	// VetoWindow, when positive, queues every slash for this many epochs,
	// during which Veto cancels it. EigenLayer provides no protocol veto
	// (ELIP-002: "no vetoes are provided by the EigenLayer protocol"); this
	// models an AVS-side veto committee in front of slashOperator.
	VetoWindow Epoch
}

// New returns an empty ledger at epoch 0.
func New(p Params) (*Ledger, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Ledger{
		params:         p,
		operatorIndex:  map[string]int{},
		accountIndex:   map[string]int{},
		setIndex:       map[string]int{},
		recipientIndex: map[string]int{},
	}, nil
}

// Params returns the ledger's delays.
func (l *Ledger) Params() Params { return l.params }

// Epoch returns the ledger's clock.
func (l *Ledger) Epoch() Epoch { return l.epoch }

func validID(id string) bool {
	return id != "" && strings.TrimSpace(id) == id
}

// RegisterOperator adds an operator and its own account (same id, delegated
// to itself), like DelegationManager.registerAsOperator, which
// "self-delegates the operator to themselves". Its max magnitude starts at
// WAD and its allocation delay at Params.AllocationDelay, effective at once
// as for a newly registered operator. Operator and staker ids share one
// namespace.
func (l *Ledger) RegisterOperator(cfg OperatorConfig) error {
	if !validID(cfg.ID) {
		return fmt.Errorf("%w: operator %q", ErrInvalidID, cfg.ID)
	}
	if _, dup := l.accountIndex[cfg.ID]; dup {
		return fmt.Errorf("%w: operator %q", ErrDuplicateID, cfg.ID)
	}
	if cfg.CommissionBps > BasisPoints {
		return fmt.Errorf("%w: operator %q: commission_bps %d > %d", ErrInvalidParams, cfg.ID, cfg.CommissionBps, BasisPoints)
	}
	oi := len(l.operators)
	ai := len(l.accounts)
	l.accounts = append(l.accounts, &account{id: cfg.ID, ownOperator: oi, operator: oi})
	l.accountIndex[cfg.ID] = ai
	l.operators = append(l.operators, &operator{
		id:            cfg.ID,
		self:          ai,
		commissionBps: cfg.CommissionBps,
		maxMagnitude:  WAD,
		delay:         allocationDelay{delay: l.params.AllocationDelay},
	})
	l.operatorIndex[cfg.ID] = oi
	return nil
}

// RegisterStaker adds an undelegated staker with no deposit.
func (l *Ledger) RegisterStaker(id string) error {
	if !validID(id) {
		return fmt.Errorf("%w: staker %q", ErrInvalidID, id)
	}
	if _, dup := l.accountIndex[id]; dup {
		return fmt.Errorf("%w: staker %q", ErrDuplicateID, id)
	}
	l.accountIndex[id] = len(l.accounts)
	l.accounts = append(l.accounts, &account{id: id, ownOperator: -1, operator: -1})
	return nil
}

// CreateOperatorSet adds an AVS operator set (createOperatorSets, or
// createRedistributingOperatorSets when cfg names a recipient).
func (l *Ledger) CreateOperatorSet(cfg OperatorSetConfig) error {
	if !validID(cfg.ID) {
		return fmt.Errorf("%w: operator set %q", ErrInvalidID, cfg.ID)
	}
	if _, dup := l.setIndex[cfg.ID]; dup {
		return fmt.Errorf("%w: operator set %q", ErrDuplicateID, cfg.ID)
	}
	if cfg.ThresholdWAD == 0 || cfg.ThresholdWAD > WAD {
		return fmt.Errorf("%w: operator set %q: threshold %d not in (0, WAD]", ErrInvalidParams, cfg.ID, cfg.ThresholdWAD)
	}
	if cfg.RewardRateWAD > WAD {
		return fmt.Errorf("%w: operator set %q: reward rate %d > WAD", ErrInvalidParams, cfg.ID, cfg.RewardRateWAD)
	}
	if cfg.VetoWindow > MaxDelay {
		return fmt.Errorf("%w: operator set %q: veto window %d > %d", ErrInvalidParams, cfg.ID, cfg.VetoWindow, MaxDelay)
	}
	if cfg.RedistributionRecipient != "" && !validID(cfg.RedistributionRecipient) {
		return fmt.Errorf("%w: operator set %q: redistribution recipient %q", ErrInvalidID, cfg.ID, cfg.RedistributionRecipient)
	}
	l.setIndex[cfg.ID] = len(l.sets)
	l.sets = append(l.sets, &operatorSet{cfg: cfg})
	return nil
}

func (l *Ledger) lookupOperator(id string) (int, error) {
	i, ok := l.operatorIndex[id]
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrUnknownOperator, id)
	}
	return i, nil
}

func (l *Ledger) lookupAccount(id string) (int, error) {
	i, ok := l.accountIndex[id]
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrUnknownStaker, id)
	}
	return i, nil
}

func (l *Ledger) lookupSet(id string) (int, error) {
	i, ok := l.setIndex[id]
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrUnknownOperatorSet, id)
	}
	return i, nil
}

// alloc returns the operator's allocation record for set s, growing the
// table when sets were created after the operator.
func (op *operator) alloc(s int) *allocation {
	if s >= len(op.allocs) {
		op.allocs = slices.Grow(op.allocs, s+1-len(op.allocs))
		op.allocs = op.allocs[:s+1]
	}
	return &op.allocs[s]
}

// peek returns the allocation without growing the table.
func (op *operator) peek(s int) allocation {
	if s >= len(op.allocs) {
		return allocation{}
	}
	return op.allocs[s]
}

// slashableAt is AllocationManager.isOperatorSlashable: "status.registered
// || block.number <= status.slashableUntil".
func (a allocation) slashableAt(e Epoch) bool {
	return a.registered || (a.deregistered && e <= a.slashableUntil)
}

// Advance moves the clock to epoch to and returns the queued slashes that
// executed on the way. Events between the current epoch and to happen in
// epoch order: at each epoch, first allocation changes that reach their
// effect epoch take effect (modifyAllocations / clearDeallocationQueue),
// then queued slashes whose veto window ends execute, in request order.
func (l *Ledger) Advance(to Epoch) ([]SlashReport, error) {
	if to < l.epoch {
		return nil, fmt.Errorf("%w: advance to %d, ledger at %d", ErrTimeReversed, to, l.epoch)
	}
	if to > MaxEpoch {
		return nil, fmt.Errorf("%w: epoch %d > %d", ErrOverflow, to, MaxEpoch)
	}
	var reports []SlashReport
	// Each pass consumes at least one pending effect or queued slash, and
	// none is created inside the loop, so it is bounded by their number.
	for {
		next, ok := l.nextEvent(to)
		if !ok {
			break
		}
		l.epoch = next
		l.settleAll()
		reports = append(reports, l.executeDueSlashes()...)
	}
	l.epoch = to
	l.settleAll()
	l.pruneQueues()
	return reports, nil
}

// nextEvent is the earliest epoch in (l.epoch, to] at which an allocation
// change takes effect or a queued slash executes.
func (l *Ledger) nextEvent(to Epoch) (Epoch, bool) {
	best, found := Epoch(0), false
	consider := func(e Epoch) {
		if e > l.epoch && e <= to && (!found || e < best) {
			best, found = e, true
		}
	}
	for _, op := range l.operators {
		for _, a := range op.allocs {
			if a.pending {
				consider(a.effect)
			}
		}
	}
	for _, s := range l.slashes {
		if s.status == slashQueued {
			consider(s.executeEpoch)
		}
	}
	return best, found
}

// settleAll applies every allocation change whose effect epoch has come.
func (l *Ledger) settleAll() {
	for _, op := range l.operators {
		for s := range op.allocs {
			l.settle(op, s)
		}
	}
}

// settle is AllocationManager._getUpdatedAllocation made permanent, which is
// what _clearDeallocationQueue does for deallocations: "If the pending
// change can't be completed yet, return as-is. Otherwise, complete the
// pending change": currentMagnitude += pendingDiff, and a completed
// deallocation frees its magnitude from the encumbered total. Every
// deallocation waits the same DEALLOCATION_DELAY, so EigenLayer's ordered
// deallocation queue clears exactly the ones whose effect epoch has come.
func (l *Ledger) settle(op *operator, s int) {
	if s >= len(op.allocs) {
		return
	}
	a := &op.allocs[s]
	if !a.pending || l.epoch < a.effect {
		return
	}
	a.current = addDiff(a.current, a.pendingDiff)
	if a.pendingDiff < 0 {
		op.encumbered = addDiff(op.encumbered, a.pendingDiff)
	}
	a.pending, a.pendingDiff, a.effect = false, 0, 0
}

func addDiff(x uint64, d int64) uint64 {
	if d >= 0 {
		return x + uint64(d)
	}
	m := uint64(-d)
	if m > x {
		panic("restaking: magnitude underflow: broken ledger invariant")
	}
	return x - m
}

// pruneQueues drops withdrawals that are no longer slashable from the
// operators' slashable queues.
func (l *Ledger) pruneQueues() {
	for _, op := range l.operators {
		keep := op.queue[:0]
		for _, id := range op.queue {
			w := l.withdrawals[id-1]
			if !w.completed && l.epoch <= w.slashableUntil {
				keep = append(keep, id)
			}
		}
		op.queue = keep
	}
}
