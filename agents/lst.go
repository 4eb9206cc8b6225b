package agents

import (
	"math/big"
	"math/bits"
	"slices"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
	"github.com/stakesim/stakesim/economics/lst"
)

// Liquid-staking agents: a protocol's oracle, the protocol itself, its node
// operators and its holders. All are epoch-phase agents (they embed
// Economic): at each epoch end the engine (sim/lst.go) hands them duties
// built from the summary branch and the protocol's books, and applies
// their answers to economics/lst in a fixed order. They decide from their
// duty alone, and holders draw from their own random stream.

// Kinds of the liquid-staking agents.
const (
	KindLSTOracle       = "lst_oracle"
	KindLSTProtocol     = "lst_protocol"
	KindLSTNodeOperator = "lst_node_operator"
	KindLSTHolder       = "lst_holder"
)

// LSTDuty is one liquid-staking agent's epoch duty: the field of its kind
// is set.
type LSTDuty struct {
	Oracle   *OracleDuty
	Protocol *ProtocolDuty
	Operator *NodeOperatorDuty
	Holder   *HolderDuty
	LRT      *LRTExitDuty // a liquid restaking protocol (lrt.go)
}

// LSTActions are a liquid-staking agent's answer to its LSTDuty. Node
// operators answer in Actions.Requests and Actions.VoluntaryExits.
type LSTActions struct {
	Report *lst.OracleReport
	Plan   *ProtocolPlan
	Holder *HolderActions
	// Exits are a liquid restaking protocol's picks (LRTProtocolAgent).
	Exits []consensus.ValidatorIndex
}

// ---------------------------------------------------------------- oracle

// LSTValidator is one of a protocol's validators as the oracle reads it on
// the summary branch.
type LSTValidator struct {
	Index                        consensus.ValidatorIndex
	Balance, EffectiveBalance    consensus.Gwei
	Slashed                      bool
	ExitEpoch, WithdrawableEpoch consensus.Epoch
}

// OracleDuty asks the oracle for its report at Epoch. Validators are the
// protocol's validators present in the state (in index order);
// SlashingsGwei is the sum of the state's slashings vector and
// TotalActiveGwei its total active balance, from which the oracle predicts
// the midterm (correlation) penalties.
type OracleDuty struct {
	Epoch                          consensus.Epoch
	Config                         *consensus.Config
	Validators                     []LSTValidator
	SlashingsGwei, TotalActiveGwei consensus.Gwei
}

// LSTOracleAgent is a protocol's accounting oracle.
type LSTOracleAgent struct {
	Economic
	Protocol string
}

// Kind is KindLSTOracle.
func (o *LSTOracleAgent) Kind() string { return KindLSTOracle }

// Act builds the report (Report).
func (o *LSTOracleAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.LST == nil || d.LST.Oracle == nil {
		return Actions{}
	}
	r := o.Report(d.LST.Oracle)
	return Actions{LST: &LSTActions{Report: &r}}
}

// Report is the accounting oracle's report: every validator the CL has
// seen, the sum of their balances, those whose exit epoch has come, those
// whose exit is initiated with their balances not yet withdrawn, and the
// slashed ones not yet withdrawable with their predicted midterm penalty.
func (o *LSTOracleAgent) Report(d *OracleDuty) lst.OracleReport {
	r := lst.OracleReport{Epoch: d.Epoch, CLValidators: uint64(len(d.Validators))}
	for _, v := range d.Validators {
		r.CLBalanceGwei += v.Balance
		if v.ExitEpoch <= d.Epoch {
			r.ExitedValidators++
		}
		if v.ExitEpoch != consensus.FarFutureEpoch {
			r.ExitingValidators++
			r.ExitingBalanceGwei += v.Balance
		}
		if v.Slashed && v.WithdrawableEpoch > d.Epoch {
			r.Slashings = append(r.Slashings, lst.Slashing{
				SlashedEpoch:       slashedEpoch(d.Config, v),
				WithdrawableEpoch:  v.WithdrawableEpoch,
				MidtermPenaltyGwei: MidtermPenalty(d.Config, v.EffectiveBalance, d.SlashingsGwei, d.TotalActiveGwei),
			})
		}
	}
	return r
}

// slashedEpoch recovers when a validator was slashed from its
// withdrawable epoch: slash_validator sets it to at least the slashing
// epoch + EPOCHS_PER_SLASHINGS_VECTOR; when the exit's withdrawability
// delay gave a later one, the exit epoch (at most a few epochs after the
// slashing with an idle exit queue) is the best bound the record holds.
func slashedEpoch(cfg *consensus.Config, v LSTValidator) consensus.Epoch {
	vec := consensus.Epoch(cfg.EpochsPerSlashingsVector)
	if v.WithdrawableEpoch >= vec && v.WithdrawableEpoch-vec <= v.ExitEpoch {
		return v.WithdrawableEpoch - vec
	}
	return min(v.ExitEpoch, v.WithdrawableEpoch)
}

// MidtermPenalty is process_slashings' correlation penalty (Electra) for a
// validator of effective balance eb, were it applied with slashings and
// total as they are now: per increment, min(3 · slashings, total) /
// (total / increment), times eb's increments.
func MidtermPenalty(cfg *consensus.Config, eb, slashings, total consensus.Gwei) consensus.Gwei {
	inc := cfg.EffectiveBalanceIncrement
	if total < inc || inc == 0 {
		return 0
	}
	adjusted := slashings * consensus.Gwei(cfg.ProportionalSlashingMultiplierBellatrix)
	if hi, _ := bits.Mul64(uint64(slashings), cfg.ProportionalSlashingMultiplierBellatrix); hi != 0 || adjusted > total {
		adjusted = total
	}
	perInc := adjusted / (total / inc)
	return perInc * (eb / inc)
}

// -------------------------------------------------------------- protocol

// ExitCandidate is a validator the protocol may ask to exit: active, not
// slashed, not exiting, past SHARD_COMMITTEE_PERIOD, not asked before.
// Operator is the index of its node operator in the protocol.
type ExitCandidate struct {
	Index    consensus.ValidatorIndex
	Operator int
}

// ProtocolDuty asks the protocol how many of the Deposit validators the
// buffer allows it deposits, and which Exit validators (of Candidates, in
// index order) it asks to leave. Active counts each node operator's
// active validators.
type ProtocolDuty struct {
	Epoch      consensus.Epoch
	Deposit    uint64
	Exit       uint64
	Active     []uint64
	Candidates []ExitCandidate
}

// ProtocolPlan is the protocol's decision: how many validators to deposit
// and which validators to exit.
type ProtocolPlan struct {
	Deposit uint64
	Exits   []consensus.ValidatorIndex
}

// LSTProtocolAgent is a protocol's deposit logic and validator exit bus.
type LSTProtocolAgent struct {
	Economic
	Protocol string
}

// Kind is KindLSTProtocol.
func (p *LSTProtocolAgent) Kind() string { return KindLSTProtocol }

// Act plans deposits and exits (Plan).
func (p *LSTProtocolAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.LST == nil || d.LST.Protocol == nil {
		return Actions{}
	}
	plan := p.Plan(d.LST.Protocol)
	return Actions{LST: &LSTActions{Plan: &plan}}
}

// Plan deposits every validator the buffer allows (Lido's deposit
// security module deposits whenever it can) and picks exits as the exit
// bus orders them: each from the operator with the most active
// validators (the first on ties), its lowest-index candidate first.
func (p *LSTProtocolAgent) Plan(d *ProtocolDuty) ProtocolPlan {
	plan := ProtocolPlan{Deposit: d.Deposit}
	n := len(d.Active)
	count := append([]uint64(nil), d.Active...)
	byOp := make([][]consensus.ValidatorIndex, n)
	for _, c := range d.Candidates {
		if c.Operator >= 0 && c.Operator < n {
			byOp[c.Operator] = append(byOp[c.Operator], c.Index)
		}
	}
	for k := uint64(0); k < d.Exit; k++ {
		best := -1
		for i := range byOp {
			if len(byOp[i]) > 0 && (best < 0 || count[i] > count[best]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		plan.Exits = append(plan.Exits, byOp[best][0])
		byOp[best] = byOp[best][1:]
		count[best] = max(count[best], 1) - 1
	}
	slices.Sort(plan.Exits)
	return plan
}

// --------------------------------------------------------- node operator

// NodeOperatorDuty asks a node operator to deposit for its new keys
// (AmountGwei each) and to exit validators, judged on State (the summary
// branch's state, read-only).
type NodeOperatorDuty struct {
	Config     *consensus.Config
	State      *consensus.State
	Epoch      consensus.Epoch
	Deposit    []NewKey
	AmountGwei consensus.Gwei
	Exit       []consensus.ValidatorIndex
}

// LSTNodeOperatorAgent runs a protocol's validators of one scenario group:
// it deposits new validators through EIP-6110 deposit requests and exits
// validators with signed voluntary exits or EIP-7002 requests from the
// protocol's withdrawal vault address.
type LSTNodeOperatorAgent struct {
	Economic
	Protocol, Group string
	Method          string // "voluntary" or "eip7002"
	Mode            SignMode
	Keys            ExitKeys
	Pubkey          func(consensus.ValidatorIndex) crypto.PublicKeyBytes
}

// Kind is KindLSTNodeOperator.
func (o *LSTNodeOperatorAgent) Kind() string { return KindLSTNodeOperator }

// Act sends the duty's deposits and exits.
func (o *LSTNodeOperatorAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.LST == nil || d.LST.Operator == nil {
		return Actions{}
	}
	od := d.LST.Operator
	var a Actions
	for _, k := range od.Deposit {
		r := consensus.DepositRequest{Pubkey: k.Pubkey, WithdrawalCredentials: k.Credentials, Amount: od.AmountGwei}
		if o.Mode != SignOff && k.Secret != nil {
			r.Signature = crypto.Sign(k.Secret, consensus.DepositSigningRoot(od.Config, k.Pubkey, k.Credentials, od.AmountGwei))
		}
		a.Requests.Deposits = append(a.Requests.Deposits, r)
	}
	for _, vi := range od.Exit {
		if o.Method == "eip7002" {
			a.Requests.Withdrawals = append(a.Requests.Withdrawals, consensus.WithdrawalRequest{
				SourceAddress:   consensus.AddressOf(od.State.Validators[vi].WithdrawalCredentials),
				ValidatorPubkey: o.Pubkey(vi),
				Amount:          consensus.FullExitRequestAmount,
			})
			continue
		}
		se := consensus.SignedVoluntaryExit{Message: consensus.VoluntaryExit{Epoch: od.Epoch, ValidatorIndex: vi}}
		if consensus.CheckVoluntaryExit(od.Config, od.State, &se.Message) != nil {
			continue // the engine asks again later
		}
		if o.Mode != SignOff {
			se.Signature = crypto.Sign(o.Keys.Signing(vi), consensus.VoluntaryExitSigningRoot(od.Config, od.State, &se.Message))
		}
		a.VoluntaryExits = append(a.VoluntaryExits, se)
	}
	return a
}

// ---------------------------------------------------------------- holders

// Rand is a deterministic random stream (sim.RNG).
type Rand interface{ IntN(n uint64) uint64 }

// HolderPolicy is what a holder group does (scenarios.LSTHolderGroup).
type HolderPolicy struct {
	Kind                string // "hold", "deposit", "withdraw"
	AmountGwei          consensus.Gwei
	EveryEpochs         uint64
	FromEpoch, ToEpoch  consensus.Epoch
	HasToEpoch          bool
	Trigger             string // rate_drop, slashing, negative_rebase, bunker
	ThresholdWAD        uint64
	ShareWAD, ChanceWAD uint64
	DelayEpochs         uint64
}

// HolderDuty is what a holder agent sees at an epoch end: the share rate
// now and the highest so far (1e27 fixed point), the fraction of the
// protocol's validators slashed, this epoch's report's rebase as a
// fraction of the pooled ETH (negative rebases only), whether bunker mode
// started, its holders' balances (stETH), their finalized requests to
// claim, and the request bounds.
type HolderDuty struct {
	Epoch                  consensus.Epoch
	Rate, MaxRate          lst.ShareRate
	SlashedWAD             uint64
	NegativeRebaseWAD      uint64
	BunkerStarted          bool
	Balances               []consensus.Gwei
	Claimable              []uint64
	WithdrawalsEnabled     bool
	MinRequest, MaxRequest consensus.Gwei
}

// HolderAmount is one holder's deposit or withdrawal request.
type HolderAmount struct {
	Holder int // index within the agent's holders
	Gwei   consensus.Gwei
}

// HolderActions are a holder agent's decisions: deposits, withdrawal
// requests and claims, in holder order.
type HolderActions struct {
	Deposits, Requests []HolderAmount
	Claims             []uint64
}

// LSTHolderAgent acts for a few holders of one holder group.
type LSTHolderAgent struct {
	Economic
	Protocol, Group string
	Holding         HolderPolicy
	Rand            Rand
	// triggeredAt: the epoch the trigger fired (withdraw policy), done
	// once the holders have decided.
	triggered   bool
	triggeredAt consensus.Epoch
	done        bool
}

// Kind is KindLSTHolder.
func (h *LSTHolderAgent) Kind() string { return KindLSTHolder }

// Act decides the holders' deposits, requests and claims (Decide).
func (h *LSTHolderAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.LST == nil || d.LST.Holder == nil {
		return Actions{}
	}
	a := h.Decide(d.LST.Holder)
	return Actions{LST: &LSTActions{Holder: &a}}
}

// Decide claims every finalized request; a depositing group deposits on
// its schedule; a withdrawing group, DelayEpochs after its trigger first
// fires, has each holder (with probability ChanceWAD, one draw each)
// request ShareWAD of its balance, in requests of at most MaxRequest.
func (h *LSTHolderAgent) Decide(d *HolderDuty) HolderActions {
	a := HolderActions{Claims: append([]uint64(nil), d.Claimable...)}
	p := h.Holding
	if d.Epoch < p.FromEpoch || (p.HasToEpoch && d.Epoch > p.ToEpoch) {
		return a
	}
	switch p.Kind {
	case "deposit":
		if (uint64(d.Epoch-p.FromEpoch))%max(1, p.EveryEpochs) == 0 && p.AmountGwei > 0 {
			for i := range d.Balances {
				a.Deposits = append(a.Deposits, HolderAmount{Holder: i, Gwei: p.AmountGwei})
			}
		}
	case "withdraw":
		if h.done || !d.WithdrawalsEnabled {
			return a
		}
		if !h.triggered && h.fires(d) {
			h.triggered, h.triggeredAt = true, d.Epoch
		}
		if h.triggered && d.Epoch >= h.triggeredAt+consensus.Epoch(p.DelayEpochs) {
			h.done = true
			a.Requests = h.requests(d)
		}
	}
	return a
}

// fires reports whether the withdraw trigger fires at this duty.
func (h *LSTHolderAgent) fires(d *HolderDuty) bool {
	p := h.Holding
	switch p.Trigger {
	case "rate_drop":
		// rate < max · (1 − threshold), exactly: rate·WAD < max·(WAD − threshold)
		l := d.Rate.Big()
		l.Mul(l, new(big.Int).SetUint64(lstWAD))
		r := d.MaxRate.Big()
		r.Mul(r, new(big.Int).SetUint64(lstWAD-p.ThresholdWAD))
		return l.Cmp(r) < 0
	case "slashing":
		return d.SlashedWAD > p.ThresholdWAD
	case "negative_rebase":
		return d.NegativeRebaseWAD > p.ThresholdWAD
	case "bunker":
		return d.BunkerStarted
	}
	return false
}

// requests draws which holders react and splits their requests.
func (h *LSTHolderAgent) requests(d *HolderDuty) []HolderAmount {
	p := h.Holding
	var out []HolderAmount
	for i, bal := range d.Balances {
		if p.ChanceWAD < lstWAD && h.Rand.IntN(lstWAD) >= p.ChanceWAD {
			continue
		}
		amount := mulWAD(bal, p.ShareWAD)
		for amount >= max(d.MinRequest, 1) {
			part := min(amount, d.MaxRequest)
			out = append(out, HolderAmount{Holder: i, Gwei: part})
			amount -= part
		}
	}
	return out
}

// lstWAD is 1.0 in the fractions of the holder policies.
const lstWAD = 1_000_000_000_000_000_000

// mulWAD is floor(g × f / WAD) (128-bit intermediate).
func mulWAD(g consensus.Gwei, f uint64) consensus.Gwei {
	hi, lo := bits.Mul64(uint64(g), f)
	q, _ := bits.Div64(hi, lo, lstWAD)
	return consensus.Gwei(q)
}
