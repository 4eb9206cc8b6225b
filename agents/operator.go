package agents

import (
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// Staking operators: the owners of validators' withdrawal credentials. They
// never sign consensus messages (their validators' clients do); they act on
// the execution layer, sending the deposit, withdrawal and consolidation
// requests of EIP-6110, EIP-7002 and EIP-7251. An operator reads its view's
// head state each slot and decides from it alone, so its requests wait while
// the spec would ignore them (queue full, churn too low, validator too new)
// and are sent again if one has not taken effect after RetryEpochs.

// Operator policies (scenario `operator.policy`).
const (
	PolicyKeep        = "keep"
	PolicyConsolidate = "consolidate"
	PolicyCompound    = "compound"
)

// Wave kinds (scenario `requests[].kind`).
const (
	WaveDeposit           = "deposit"
	WaveTopUp             = "top_up"
	WaveExit              = "exit"
	WavePartialWithdrawal = "partial_withdrawal"
	WaveVoluntaryExit     = "voluntary_exit"
	WaveBLSChange         = "bls_change"
)

// RetryEpochs is how long an operator waits for a request to show in its
// head state before sending it again.
const RetryEpochs = 2

// OperateDuty asks an operator to act on its view's head.
type OperateDuty struct {
	Config *consensus.Config
	State  *consensus.State // the view's head state at this slot (read-only)
	// Backlog counts requests waiting in the execution layer's queues that
	// the head's chain has not included yet. Operators keep the withdrawal
	// and consolidation queues within one block's worth, as the system
	// contracts' fees push senders to.
	Backlog Backlog
}

// Backlog is the length of each execution-layer request queue.
type Backlog struct{ Deposits, Withdrawals, Consolidations int }

// NewKey is a validator key an operator deposits for (a new validator).
type NewKey struct {
	Pubkey      crypto.PublicKeyBytes
	Secret      *crypto.SecretKey // nil with BLS off
	Credentials consensus.Root
}

// Wave is one scheduled batch of requests.
type Wave struct {
	Kind       string
	Epoch      consensus.Epoch
	Count      int
	AmountGwei consensus.Gwei
	// Keys are the new validators' keys of a deposit wave, in deposit order.
	Keys []NewKey
}

// OperatorConfig sets an operator up.
type OperatorConfig struct {
	ID         int
	Policy     string
	TargetGwei consensus.Gwei
	FromEpoch  consensus.Epoch
	// Validators are the indices the operator owns, ascending: its genesis
	// validators and, after them, those its deposit waves create.
	Validators []consensus.ValidatorIndex
	Waves      []Wave
	// Pubkey returns validator i's public key.
	Pubkey func(consensus.ValidatorIndex) crypto.PublicKeyBytes
	Mode   SignMode
	// Keys gives the keys of voluntary exits and BLS-to-execution changes
	// (see ExitKeys); nil when the operator has no such waves.
	Keys ExitKeys
}

// ExitKeys are the keys an operator signs consensus-layer operations with.
// It runs its validators' clients (as a solo staker or a node operator
// does), so it signs their voluntary exits with their signing keys; it owns
// their BLS withdrawal keys, which sign BLS-to-execution changes.
type ExitKeys interface {
	// Signing returns validator i's signing key (nil with BLS off).
	Signing(i consensus.ValidatorIndex) *crypto.SecretKey
	// Withdrawal returns validator i's withdrawal key (nil with BLS off)
	// and its public key (always: 0x00 credentials commit to it).
	Withdrawal(i consensus.ValidatorIndex) (*crypto.SecretKey, crypto.PublicKeyBytes)
	// Address is the execution address validator i converts to.
	Address(i consensus.ValidatorIndex) consensus.ExecutionAddress
}

// Operator is a staking-operator agent.
type Operator struct {
	c OperatorConfig

	waves []waveState
	// sent[i] is the slot a request for validator i was last sent (by kind).
	sentConsolidation map[consensus.ValidatorIndex]consensus.Slot
	plan              *consolidationPlan
	// this slot's request budgets (see OperateDuty.Backlog)
	withdrawalBudget, consolidationBudget int
	consolidationBacklog                  int
	// this slot's budgets of voluntary exits and BLS changes (one block's
	// worth each)
	exitBudget, changeBudget int
}

type waveState struct {
	Wave
	started bool
	todo    []consensus.ValidatorIndex
	// base is each todo validator's pending partial withdrawals when the
	// wave started: the wave's own request shows as more than that.
	base map[consensus.ValidatorIndex]consensus.Gwei
	done map[consensus.ValidatorIndex]bool
	sent map[consensus.ValidatorIndex]consensus.Slot
}

// consolidationPlan assigns sources to targets.
type consolidationPlan struct {
	targets []consensus.ValidatorIndex
	sources [][]consensus.ValidatorIndex // by target
	planned map[consensus.ValidatorIndex]bool
	sum     consensus.Gwei // effective balance planned into the last target
}

// NewOperator returns an operator agent.
func NewOperator(c OperatorConfig) *Operator {
	o := &Operator{c: c, sentConsolidation: map[consensus.ValidatorIndex]consensus.Slot{}}
	for _, w := range c.Waves {
		o.waves = append(o.waves, waveState{Wave: w, base: map[consensus.ValidatorIndex]consensus.Gwei{},
			done: map[consensus.ValidatorIndex]bool{}, sent: map[consensus.ValidatorIndex]consensus.Slot{}})
	}
	return o
}

// ID returns the agent id.
func (o *Operator) ID() int { return o.c.ID }

// Policy: operators take no part in consensus strategies.
func (o *Operator) Policy(consensus.Epoch) Policy { return Policy{} }

// Kind is KindStakingOperator.
func (o *Operator) Kind() string { return KindStakingOperator }

// Act sends the requests due at this slot.
func (o *Operator) Act(v *SlotView, d *Duties) Actions {
	var a Actions
	if d.Operate == nil || d.Operate.State == nil {
		return a
	}
	cfg, st := d.Operate.Config, d.Operate.State
	o.withdrawalBudget = max(0, int(cfg.MaxWithdrawalRequestsPerPayload)-d.Operate.Backlog.Withdrawals)
	o.consolidationBudget = max(0, int(cfg.MaxConsolidationRequestsPerPayload)-d.Operate.Backlog.Consolidations)
	o.consolidationBacklog = d.Operate.Backlog.Consolidations
	o.exitBudget, o.changeBudget = consensus.MaxVoluntaryExits, consensus.MaxBLSToExecutionChanges
	for i := range o.waves {
		switch w := &o.waves[i]; w.Kind {
		case WaveVoluntaryExit, WaveBLSChange:
			o.consensusWave(cfg, st, v, w, &a)
		default:
			o.wave(cfg, st, v, w, &a.Requests)
		}
	}
	if v.Epoch >= o.c.FromEpoch {
		switch o.c.Policy {
		case PolicyConsolidate:
			o.consolidate(cfg, st, v, &a.Requests)
		case PolicyCompound:
			o.compound(cfg, st, v, &a.Requests)
		}
	}
	return a
}

// due reports whether a request sent at slot `sent` (ok: ever) may be sent again.
func due(cfg *consensus.Config, now consensus.Slot, sent consensus.Slot, ok bool) bool {
	return !ok || now >= sent+consensus.Slot(RetryEpochs*cfg.SlotsPerEpoch)
}

// canExit reports whether the spec would accept an exit or withdrawal
// request for v now (active, not exiting, past SHARD_COMMITTEE_PERIOD).
func canExit(cfg *consensus.Config, v *consensus.Validator, epoch consensus.Epoch) bool {
	return consensus.IsActiveValidator(v, epoch) && v.ExitEpoch == consensus.FarFutureEpoch &&
		epoch >= v.ActivationEpoch+consensus.Epoch(cfg.ShardCommitteePeriod)
}

func (o *Operator) owned(st *consensus.State) []consensus.ValidatorIndex {
	n := consensus.ValidatorIndex(len(st.Validators))
	var out []consensus.ValidatorIndex
	for _, i := range o.c.Validators {
		if i < n {
			out = append(out, i)
		}
	}
	return out
}

func (o *Operator) wave(cfg *consensus.Config, st *consensus.State, v *SlotView, w *waveState, out *consensus.ExecutionRequests) {
	if v.Epoch < w.Epoch {
		return
	}
	if !w.started {
		w.started = true
		switch w.Kind {
		case WaveDeposit:
			for _, k := range w.Keys {
				r := consensus.DepositRequest{Pubkey: k.Pubkey, WithdrawalCredentials: k.Credentials, Amount: w.AmountGwei}
				if o.c.Mode != SignOff && k.Secret != nil {
					r.Signature = crypto.Sign(k.Secret, consensus.DepositSigningRoot(cfg, k.Pubkey, k.Credentials, w.AmountGwei))
				}
				out.Deposits = append(out.Deposits, r)
			}
			return
		case WaveTopUp:
			for _, i := range o.owned(st) {
				if len(w.todo) == w.Count {
					break
				}
				val := &st.Validators[i]
				if val.ExitEpoch == consensus.FarFutureEpoch && !val.Slashed {
					w.todo = append(w.todo, i)
					out.Deposits = append(out.Deposits, consensus.DepositRequest{Pubkey: o.c.Pubkey(i), WithdrawalCredentials: val.WithdrawalCredentials, Amount: w.AmountGwei})
				}
			}
			return
		default:
			for _, i := range o.owned(st) {
				if len(w.todo) == w.Count {
					break
				}
				val := &st.Validators[i]
				if val.ExitEpoch == consensus.FarFutureEpoch && !val.Slashed &&
					(w.Kind != WavePartialWithdrawal || consensus.HasCompoundingWithdrawalCredential(val) || o.c.Policy != PolicyKeep) {
					w.todo = append(w.todo, i)
					w.base[i] = consensus.GetPendingBalanceToWithdraw(st, i)
				}
			}
		}
	}
	if w.Kind != WaveExit && w.Kind != WavePartialWithdrawal {
		return
	}
	for _, i := range w.todo {
		if o.withdrawalBudget <= 0 {
			return
		}
		if w.done[i] {
			continue
		}
		val := &st.Validators[i]
		switch {
		case w.Kind == WaveExit && val.ExitEpoch != consensus.FarFutureEpoch:
			w.done[i] = true
			continue
		case w.Kind == WavePartialWithdrawal && consensus.GetPendingBalanceToWithdraw(st, i) > w.base[i]:
			w.done[i] = true
			continue
		case val.Slashed || (val.ExitEpoch != consensus.FarFutureEpoch):
			w.done[i] = true // can no longer take the request
			continue
		}
		if !canExit(cfg, val, v.Epoch) {
			continue // waits until the spec would accept it
		}
		if w.Kind == WavePartialWithdrawal && (!consensus.HasCompoundingWithdrawalCredential(val) || val.EffectiveBalance < cfg.MinActivationBalance ||
			st.Balances[i] <= cfg.MinActivationBalance+consensus.GetPendingBalanceToWithdraw(st, i)) {
			continue // waits for compounding credentials or excess balance
		}
		last, ok := w.sent[i]
		if !due(cfg, v.Slot, last, ok) {
			continue
		}
		amount := consensus.FullExitRequestAmount
		if w.Kind == WavePartialWithdrawal {
			amount = w.AmountGwei
		}
		out.Withdrawals = append(out.Withdrawals, consensus.WithdrawalRequest{
			SourceAddress: consensus.AddressOf(val.WithdrawalCredentials), ValidatorPubkey: o.c.Pubkey(i), Amount: amount,
		})
		w.sent[i] = v.Slot
		o.withdrawalBudget--
	}
}

// compound switches every owned 0x01 validator to 0x02 credentials.
func (o *Operator) compound(cfg *consensus.Config, st *consensus.State, v *SlotView, out *consensus.ExecutionRequests) {
	for _, i := range o.owned(st) {
		if o.consolidationBudget <= 0 {
			return
		}
		if o.switchOne(cfg, st, v, i, out) {
			o.consolidationBudget--
		}
	}
}

// switchOne sends a switch-to-compounding request for i if it needs and can
// take one; it reports whether it sent.
func (o *Operator) switchOne(cfg *consensus.Config, st *consensus.State, v *SlotView, i consensus.ValidatorIndex, out *consensus.ExecutionRequests) bool {
	val := &st.Validators[i]
	if !consensus.HasEth1WithdrawalCredential(val) || !consensus.IsActiveValidator(val, v.Epoch) || val.ExitEpoch != consensus.FarFutureEpoch {
		return false
	}
	last, ok := o.sentConsolidation[i]
	if !due(cfg, v.Slot, last, ok) {
		return false
	}
	pk := o.c.Pubkey(i)
	out.Consolidations = append(out.Consolidations, consensus.ConsolidationRequest{
		SourceAddress: consensus.AddressOf(val.WithdrawalCredentials), SourcePubkey: pk, TargetPubkey: pk,
	})
	o.sentConsolidation[i] = v.Slot
	return true
}

// consolidate moves the owned validators into targets of TargetGwei: each
// target first switches to compounding, then its sources consolidate into it
// while the pending queue has room and the consolidation churn exceeds
// MIN_ACTIVATION_BALANCE (the spec ignores requests otherwise). Requests go
// out only while the execution layer's queue holds less than one block's
// MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD.
func (o *Operator) consolidate(cfg *consensus.Config, st *consensus.State, v *SlotView, out *consensus.ExecutionRequests) {
	if o.plan == nil {
		o.plan = &consolidationPlan{planned: map[consensus.ValidatorIndex]bool{}}
	}
	o.plan.extend(o, st, v.Epoch)
	for _, t := range o.plan.targets {
		if o.consolidationBudget <= 0 {
			return
		}
		if o.switchOne(cfg, st, v, t, out) {
			o.consolidationBudget--
		}
	}
	budget := o.consolidationBudget
	if budget <= 0 || uint64(len(st.PendingConsolidations)) >= cfg.PendingConsolidationsLimit ||
		consensus.GetConsolidationChurnLimit(cfg, st) <= cfg.MinActivationBalance {
		return
	}
	// Requests still in the execution layer's queue will take room too.
	room := int(cfg.PendingConsolidationsLimit) - len(st.PendingConsolidations) - o.consolidationBacklog
	budget = min(budget, room)
	for k, t := range o.plan.targets {
		tv := &st.Validators[t]
		if !consensus.HasCompoundingWithdrawalCredential(tv) || !consensus.IsActiveValidator(tv, v.Epoch) || tv.ExitEpoch != consensus.FarFutureEpoch {
			continue
		}
		for _, s := range o.plan.sources[k] {
			if budget <= 0 {
				return
			}
			sv := &st.Validators[s]
			if !canExit(cfg, sv, v.Epoch) || consensus.GetPendingBalanceToWithdraw(st, s) > 0 {
				continue
			}
			last, ok := o.sentConsolidation[s]
			if !due(cfg, v.Slot, last, ok) {
				continue
			}
			out.Consolidations = append(out.Consolidations, consensus.ConsolidationRequest{
				SourceAddress: consensus.AddressOf(sv.WithdrawalCredentials), SourcePubkey: o.c.Pubkey(s), TargetPubkey: o.c.Pubkey(t),
			})
			o.sentConsolidation[s] = v.Slot
			budget--
			o.consolidationBudget--
		}
	}
}

// extend adds to the plan, in index order, the owned validators that are
// active, not exiting and not planned yet (validators that activate later,
// including those the operator's deposits create, join when they do): each
// target is followed by the sources whose effective balances fit with its
// own under TargetGwei.
func (p *consolidationPlan) extend(o *Operator, st *consensus.State, epoch consensus.Epoch) {
	for _, i := range o.owned(st) {
		if p.planned[i] {
			continue
		}
		val := &st.Validators[i]
		if !consensus.IsActiveValidator(val, epoch) || val.ExitEpoch != consensus.FarFutureEpoch || val.Slashed ||
			!consensus.HasExecutionWithdrawalCredential(val) {
			continue
		}
		p.planned[i] = true
		eb := val.EffectiveBalance
		if len(p.targets) == 0 || p.sum+eb > o.c.TargetGwei {
			p.targets = append(p.targets, i)
			p.sources = append(p.sources, nil)
			p.sum = eb
			continue
		}
		k := len(p.targets) - 1
		p.sources[k] = append(p.sources[k], i)
		p.sum += eb
	}
}
