package sim

// Liquid staking coupled with consensus (scenario `liquid_staking:` block).
//
// # Model
//
// One economics/lst.Protocol per protocol of the scenario, off-chain like
// the restaking ledger, driven from the summary branch at each reported
// epoch's boundary (the economic phase, after restaking). The protocol's
// validators are its operator groups' genesis validators, with 0x01 (or
// 0x02 for a compounding deposit size) credentials to the protocol's
// withdrawal vault address, and the validators its deposits create, whose
// keys are derived before the run (new_validators of them, dealt to its
// operator groups in turn). The group's validator clients run them like
// any other: they may be offline, Byzantine or slashed.
//
// At genesis every holder deposits its initial ETH (the first holder also
// the few Gwei the even split rounds away) and the protocol deposits its
// genesis validators from the buffer; they stay "transient" in the books
// until the first report sees them on the chain.
//
// Each reported epoch e, at the boundary (the books' clock reads e+1, the
// epoch of the summary branch's post-state), for each protocol in
// scenario order:
//
//  1. Vault credit: the withdrawals the summary branch's blocks paid to the
//     protocol's validators since the last credit (sweep skims and full
//     exits) are credited to the withdrawal vault. The engine keeps, per
//     recent block, the cumulative withdrawals to each protocol on its
//     chain, and credits the difference between the head's figure and the
//     credited total (a reorg that removed withdrawals credits nothing
//     until the chain pays them again).
//  2. Oracle (every report_epochs, when e+1 is a multiple): the oracle
//     agent reads the protocol's validators on the summary branch
//     (balances, exit and withdrawable epochs, slashed flags, and the
//     state's slashings sum and total active balance for the predicted
//     midterm penalties) and builds the lst.OracleReport; the books apply
//     it (sanity checks, bunker mode, finalization, fees, exits asked).
//  3. Protocol: the protocol agent deposits what the buffer allows (at
//     most the keys left) and picks the validators to exit.
//  4. Node operators: each deposits its share of the new keys through
//     EIP-6110 deposit requests and exits the picked validators by signed
//     voluntary exits (gossiped from its group's view) or EIP-7002
//     requests from the vault address. An exit that has not shown on the
//     summary branch after agents.RetryEpochs is asked again.
//  5. Holders: each holder agent claims its holders' finalized requests,
//     deposits and requests withdrawals by its policy.
//  6. Claimed requests are pruned from the books; the invariants are
//     checked (lstInvariants); one lst.csv row per protocol, and one
//     withdrawals.csv row per request finalized.
//
// Validators take indices in deposit order and validator i must hold key
// i, so only one protocol may deposit new validators, and not alongside
// deposit waves (the scenario checks it).

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"slices"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/lst"
	"github.com/stakesim/stakesim/scenarios"
)

// lstRun is the run's liquid-staking protocols.
type lstRun struct {
	e      *Engine
	sink   LSTSink // nil when the sink takes no lst rows
	protos []*lstProto
	lrts   []*lrtProto // liquid restaking protocols (lrt.go)
	// slots is the length of the vault tallies: one slot per protocol (its
	// index) and one per LRT's restaking operator (its EigenPod).
	slots int
	// protoOf is each validator's protocol index, -1 for none.
	protoOf []int16
	// cum is, per recent block of any branch, the cumulative withdrawals
	// its chain paid to each protocol (vault credits).
	cum map[consensus.Root]lstCum
}

type lstCum struct {
	slot consensus.Slot
	gwei []consensus.Gwei // by protocol
}

// lstProto is one protocol and what the engine keeps about it.
type lstProto struct {
	spec   scenarios.LSTProtocol
	index  int
	book   *lst.Protocol
	params lst.Params
	cred   consensus.Root

	oracle, protocol int // agent ids
	ops              []lstOperator
	holders          []lstHolderAgent
	ownerOf          map[string][2]int // owner → (holder agent, holder)

	genesis []consensus.ValidatorIndex // genesis validators, ascending
	keys    []consensus.ValidatorIndex // reserved for deposits, in deposit order
	used    int                        // keys deposited
	asked   map[consensus.ValidatorIndex]consensus.Epoch

	// flows the engine tallies itself (invariants)
	userIn, credited, claimed consensus.Gwei
	requests                  map[uint64]lstRequestMeta // open requests

	// figures
	maxRate, minRate    lst.ShareRate
	lastRebase          int64
	bunkerSince         consensus.Epoch
	stats               LSTSummary
	epochFinalized      consensus.Gwei
	epochFees           consensus.Gwei
	epochNegativeWAD    uint64
	epochBunkerStarted  bool
	pendingWithdrawRows []WithdrawalRow
}

type lstOperator struct {
	group int // scenario group index
	agent int
}

type lstHolderAgent struct {
	agent  int
	owners []string
}

type lstRequestMeta struct {
	epoch  consensus.Epoch
	rate   lst.ShareRate
	amount consensus.Gwei
}

// lstVaultCredentials is a protocol's withdrawal credentials: the prefix
// and an address made of "lst" and the protocol number (distinct from
// every group's, whose bytes 14-15 are 0).
func lstVaultCredentials(prefix byte, protocol int) consensus.Root {
	var cred consensus.Root
	cred[0] = prefix
	copy(cred[12:15], "lst")
	binary.LittleEndian.PutUint32(cred[16:20], uint32(protocol+1))
	return cred
}

// lstKeyPlan reserves the keys of the protocols' deposits after every
// other key: keys[p] are protocol p's, dealt to its operator groups in turn.
type lstKeyPlan struct {
	keys  [][]consensus.ValidatorIndex
	group [][]int // scenario group of each key
}

// planLSTKeys extends plan with the protocols' deposit keys.
func planLSTKeys(sc *scenarios.Scenario, plan *depositPlan) lstKeyPlan {
	var kp lstKeyPlan
	if sc.LiquidStaking == nil {
		return kp
	}
	groupIndex := map[string]int{}
	for gi, g := range sc.Groups {
		groupIndex[g.Name] = gi
	}
	for _, p := range sc.LiquidStaking.Protocols {
		keys := make([]consensus.ValidatorIndex, p.NewValidators)
		groups := make([]int, p.NewValidators)
		for k := range keys {
			keys[k] = consensus.ValidatorIndex(plan.total + k)
			groups[k] = groupIndex[p.Operators[k%len(p.Operators)]]
		}
		plan.total += p.NewValidators
		kp.keys = append(kp.keys, keys)
		kp.group = append(kp.group, groups)
	}
	return kp
}

// assignLSTValidators gives the protocols' genesis validators and reserved
// keys their group and the protocol's credentials (before genesis).
func (e *Engine) assignLSTValidators(gvals []consensus.GenesisValidator) {
	ls := e.sc.LiquidStaking
	if ls == nil {
		return
	}
	for pi, p := range ls.Protocols {
		prefix := byte(0x01)
		if p.DepositGwei > 32*uint64(lst.GweiPerETH) {
			prefix = 0x02
		}
		cred := lstVaultCredentials(prefix, pi)
		for vi := range gvals {
			if slices.Contains(p.Operators, e.sc.Groups[e.groupOfVal[vi]].Name) {
				gvals[vi].WithdrawalCredentials, e.credentials[vi] = cred, cred
			}
		}
		for k, vi := range e.lstKeys.keys[pi] {
			e.groupOfVal[vi], e.credentials[vi] = e.lstKeys.group[pi][k], cred
		}
	}
}

// newLSTRun builds the protocols, registers their agents and makes the
// genesis deposits.
func newLSTRun(e *Engine, sink Sink) (*lstRun, error) {
	r := &lstRun{e: e, protoOf: make([]int16, len(e.groupOfVal)), cum: map[consensus.Root]lstCum{}}
	if s, ok := sink.(LSTSink); ok {
		r.sink = s
	}
	for i := range r.protoOf {
		r.protoOf[i] = -1
	}
	r.slots = len(e.sc.LiquidStaking.Protocols)
	var onLST []int // LRTs restaking an LST: built once every LST is
	for pi, spec := range e.sc.LiquidStaking.Protocols {
		if spec.Kind == scenarios.KindLRT && spec.Asset != scenarios.AssetNative {
			onLST = append(onLST, pi)
			continue
		}
		if spec.Kind == scenarios.KindLRT {
			p, next, err := r.newLRT(pi, spec, r.slots, nil)
			if err != nil {
				return nil, err
			}
			r.slots = next
			r.lrts = append(r.lrts, p)
			continue
		}
		p, err := r.newProto(pi, spec)
		if err != nil {
			return nil, err
		}
		r.protos = append(r.protos, p)
	}
	for _, pi := range onLST {
		if err := r.addLRTOnLST(pi); err != nil {
			return nil, err
		}
	}
	r.cum[e.chain.genesis.root] = lstCum{gwei: make([]consensus.Gwei, r.slots)}
	return r, nil
}

// lstParams are the protocol's lst params: ParamsFor the run's config, with
// the scenario's fee, frame and deposit size.
func lstParams(cfg *consensus.Config, spec scenarios.LSTProtocol) lst.Params {
	params := lst.ParamsFor(cfg)
	params.FeeBP, params.OperatorFeeBP = spec.FeeBP, spec.FeeBP/2
	if spec.ReportEpochs > 0 {
		params.ReportEpochs = consensus.Epoch(spec.ReportEpochs)
	}
	params.AnnualBalanceIncreaseBPLimit = spec.AnnualIncreaseBP
	params.DepositGwei = consensus.Gwei(spec.DepositGwei)
	params.Compounding = spec.DepositGwei > 32*uint64(lst.GweiPerETH)
	return params
}

// newProto builds protocol pi: books, agents, genesis deposits.
func (r *lstRun) newProto(pi int, spec scenarios.LSTProtocol) (*lstProto, error) {
	e := r.e
	params := lstParams(&e.cfg, spec)
	book, err := lst.NewProtocol(spec.Name, params, 0)
	if err != nil {
		return nil, fmt.Errorf("sim: liquid staking %q: %w", spec.Name, err)
	}
	p := &lstProto{spec: spec, index: pi, book: book, params: params, keys: e.lstKeys.keys[pi],
		asked: map[consensus.ValidatorIndex]consensus.Epoch{}, requests: map[uint64]lstRequestMeta{},
		ownerOf: map[string][2]int{}, cred: e.credentials[0]}
	p.stats.Protocol, p.stats.Kind = spec.Name, "lst"
	for vi, gi := range e.groupOfVal {
		if slices.Contains(spec.Operators, e.sc.Groups[gi].Name) {
			r.protoOf[vi] = int16(pi)
			if vi < e.sc.TotalValidators() {
				p.genesis = append(p.genesis, consensus.ValidatorIndex(vi))
			}
			p.cred = e.credentials[vi]
		}
	}
	if err := r.addAgents(p); err != nil {
		return nil, err
	}
	if err := r.genesisDeposits(p); err != nil {
		return nil, err
	}
	p.maxRate, p.minRate = book.ShareRate(), book.ShareRate()
	return p, nil
}

// addAgents registers the protocol's oracle, protocol, node-operator and
// holder agents (in that order).
func (r *lstRun) addAgents(p *lstProto) error {
	e := r.e
	name := p.spec.Name
	oracle := &agents.LSTOracleAgent{Protocol: name}
	if err := e.addEconomic(oracle, func(id int) { oracle.AgentID, p.oracle = id, id }); err != nil {
		return err
	}
	proto := &agents.LSTProtocolAgent{Protocol: name}
	if err := e.addEconomic(proto, func(id int) { proto.AgentID, p.protocol = id, id }); err != nil {
		return err
	}
	for gi, g := range e.sc.Groups {
		if !slices.Contains(p.spec.Operators, g.Name) {
			continue
		}
		op := &agents.LSTNodeOperatorAgent{Protocol: name, Group: g.Name, Method: p.spec.ExitMethod, Mode: e.mode,
			Keys: exitKeys{e}, Pubkey: e.dir.Pubkey}
		if err := e.addEconomic(op, func(id int) { op.AgentID = id; p.ops = append(p.ops, lstOperator{group: gi, agent: id}) }); err != nil {
			return err
		}
		e.viewOfAgent[op.AgentID] = e.groupView[gi] // its exits leave from its group's view
	}
	for _, h := range p.spec.Holders {
		pol := agents.HolderPolicy{Kind: h.Policy, AmountGwei: consensus.Gwei(h.AmountGwei), EveryEpochs: h.EveryEpochs,
			FromEpoch: consensus.Epoch(h.FromEpoch), ToEpoch: consensus.Epoch(h.ToEpoch), HasToEpoch: h.HasToEpoch,
			Trigger: h.Trigger, ThresholdWAD: h.ThresholdWAD, ShareWAD: h.ShareWAD, ChanceWAD: h.ProbabilityWAD, DelayEpochs: h.DelayEpochs}
		for k := 0; k < h.Agents; k++ {
			a := &agents.LSTHolderAgent{Protocol: name, Group: h.Name, Holding: pol}
			ha := lstHolderAgent{}
			if err := e.addEconomic(a, func(id int) {
				a.AgentID, ha.agent = id, id
				a.Rand = NewRNG(e.sc.Seed, uint64(id), "lst/holder")
			}); err != nil {
				return err
			}
			for i := k * h.Count / h.Agents; i < (k+1)*h.Count/h.Agents; i++ {
				owner := fmt.Sprintf("%s/%d", h.Name, i)
				p.ownerOf[owner] = [2]int{len(p.holders), len(ha.owners)}
				ha.owners = append(ha.owners, owner)
			}
			p.holders = append(p.holders, ha)
		}
	}
	return nil
}

// genesisDeposits makes the holders' initial deposits and deposits the
// genesis validators.
func (r *lstRun) genesisDeposits(p *lstProto) error {
	stake := consensus.Gwei(len(p.genesis)) * p.params.DepositGwei
	var first string
	for hg, h := range p.spec.Holders {
		for _, ha := range p.holders {
			for _, owner := range ha.owners {
				if !ownerIn(owner, h.Name) || h.InitialGwei == 0 {
					continue
				}
				if first == "" {
					first = owner
				}
				if err := r.deposit(p, owner, consensus.Gwei(h.InitialGwei), 0); err != nil {
					return fmt.Errorf("sim: liquid staking %q: holder group %d: %w", p.spec.Name, hg, err)
				}
			}
		}
	}
	if b := p.book.Buffer(); b < stake && first != "" {
		if err := r.deposit(p, first, stake-b, 0); err != nil {
			return err
		}
	}
	n, err := p.book.DepositValidators(uint64(len(p.genesis)), 0)
	if err != nil || n != uint64(len(p.genesis)) {
		return fmt.Errorf("sim: liquid staking %q: genesis deposits %d of %d validators: %v", p.spec.Name, n, len(p.genesis), err)
	}
	return nil
}

// ownerIn reports whether owner ("group/i") belongs to holder group g.
func ownerIn(owner, g string) bool {
	return len(owner) > len(g) && owner[:len(g)] == g && owner[len(g)] == '/'
}

// deposit is a holder's deposit, tallied for the invariants.
func (r *lstRun) deposit(p *lstProto, owner string, amount consensus.Gwei, t consensus.Epoch) error {
	if _, err := p.book.Deposit(owner, amount, t); err != nil {
		return err
	}
	p.userIn += amount
	return nil
}

// epoch runs the liquid-staking part of a reported epoch (see the model
// above).
func (r *lstRun) epoch(epoch consensus.Epoch, main *BranchBoundary) error {
	e := r.e
	t := epoch + 1
	slot := uint64(consensus.ComputeStartSlotAtEpoch(&e.cfg, t))
	ev := func(d EventDetails) { e.rep.event(newEvent(uint64(epoch), slot, main.Label, d)) }
	credits, err := r.vaultCredits(main.head)
	if err != nil {
		return fmt.Errorf("sim: epoch %d: liquid staking: %w", epoch, err)
	}
	for _, p := range r.protos {
		p.epochFinalized, p.epochFees, p.epochNegativeWAD, p.epochBunkerStarted = 0, 0, 0, false
		if c := credits[p.index]; c > p.credited {
			if err := p.book.CreditWithdrawalVault(c-p.credited, t); err != nil {
				return err
			}
			p.credited = c
		}
		var res *lst.ReportResult
		if t%p.params.ReportEpochs == 0 {
			if res, err = r.report(p, t, main, ev); err != nil {
				return err
			}
		}
		if err := r.depositsAndExits(p, t, main.Post, res, ev); err != nil {
			return err
		}
		if err := r.holders(p, t, main.Post); err != nil {
			return err
		}
		p.book.PruneClaimed(t + 1)
		if err := r.check(p, epoch, main.Label); err != nil {
			return err
		}
		if err := r.row(p, epoch, main.Post); err != nil {
			return err
		}
	}
	for _, p := range r.lrts {
		if err := r.lrtEpoch(p, epoch, main, credits, ev); err != nil {
			return err
		}
	}
	r.pruneCum(main.head.slot)
	return nil
}

// vaultCredits returns the cumulative withdrawals the chain of head paid
// to each protocol, from the memo of recent blocks.
func (r *lstRun) vaultCredits(head *blockEntry) ([]consensus.Gwei, error) {
	var path []*blockEntry
	b := head
	for {
		if c, ok := r.cum[b.root]; ok {
			cur := append([]consensus.Gwei(nil), c.gwei...)
			for i := len(path) - 1; i >= 0; i-- {
				blk := path[i]
				if blk.signed == nil {
					return nil, fmt.Errorf("block at slot %d has no body to read withdrawals from", blk.slot)
				}
				for _, w := range blk.signed.Message.Body.Withdrawals {
					if int(w.ValidatorIndex) < len(r.protoOf) {
						if pi := r.protoOf[w.ValidatorIndex]; pi >= 0 {
							cur[pi] += w.Amount
						}
					}
				}
				r.cum[blk.root] = lstCum{slot: blk.slot, gwei: append([]consensus.Gwei(nil), cur...)}
			}
			return cur, nil
		}
		if b.parent == nil {
			return nil, fmt.Errorf("the summary branch left the vault tally's horizon at slot %d", b.slot)
		}
		path = append(path, b)
		b = b.parent
	}
}

// horizon is how many slots of blocks the vault tally remembers
// behind the summary head (a reorg deeper than this stops the run).
func (r *lstRun) horizon() consensus.Slot { return consensus.Slot(64 * r.e.cfg.SlotsPerEpoch) }

// pruneCum forgets the tally of blocks far behind the summary head.
func (r *lstRun) pruneCum(head consensus.Slot) {
	if head < r.horizon() {
		return
	}
	cut := head - r.horizon()
	for root, c := range r.cum {
		if c.slot < cut {
			delete(r.cum, root)
		}
	}
}

// protoValidators lists the protocol's validators present in st, in index
// order (genesis, then created by its deposits).
func (r *lstRun) protoValidators(p *lstProto, st *consensus.State) []consensus.ValidatorIndex {
	out := append([]consensus.ValidatorIndex(nil), p.genesis...)
	for _, vi := range p.keys[:p.used] {
		if int(vi) < len(st.Validators) && st.Validators[vi].WithdrawalCredentials == p.cred {
			out = append(out, vi)
		}
	}
	return out
}

// report runs the oracle phase and applies its report to the books.
func (r *lstRun) report(p *lstProto, t consensus.Epoch, main *BranchBoundary, ev func(EventDetails)) (*lst.ReportResult, error) {
	e := r.e
	st := main.Post
	duty := &agents.OracleDuty{Epoch: t, Config: &e.cfg, TotalActiveGwei: main.Report.TotalActiveBalance}
	for _, s := range st.Slashings {
		duty.SlashingsGwei += s
	}
	for _, vi := range r.protoValidators(p, st) {
		v := &st.Validators[vi]
		duty.Validators = append(duty.Validators, agents.LSTValidator{Index: vi, Balance: st.Balances[vi], EffectiveBalance: v.EffectiveBalance,
			Slashed: v.Slashed, ExitEpoch: v.ExitEpoch, WithdrawableEpoch: v.WithdrawableEpoch})
	}
	out := e.runEpochPhase(map[int]*agents.Duties{p.oracle: {LST: &agents.LSTDuty{Oracle: duty}}})
	act := out[p.oracle].LST
	if act == nil || act.Report == nil {
		return nil, fmt.Errorf("sim: liquid staking %q: the oracle made no report at epoch %d", p.spec.Name, t)
	}
	res, err := p.book.ApplyReport(*act.Report)
	if err != nil {
		return nil, fmt.Errorf("sim: liquid staking %q: %w", p.spec.Name, err)
	}
	r.reportEvents(p, t, act.Report, &res, ev)
	if !res.Accepted {
		return &res, nil
	}
	p.lastRebase = res.CLRebaseGwei
	if res.NegativeRebase {
		p.stats.SocialisedLossGwei += uint64(-res.CLRebaseGwei)
		p.epochNegativeWAD = fracWAD(uint64(-res.CLRebaseGwei), uint64(res.PrePooled))
	}
	if res.PostShares > 0 {
		p.epochFees = lst.Gwei(mulDivU64(res.FeeShares, uint64(res.PostPooled), res.PostShares))
		p.stats.TotalFeesGwei += uint64(p.epochFees)
	}
	if res.BunkerStarted {
		p.bunkerSince, p.epochBunkerStarted = t, true
	}
	return &res, r.finalized(p, t, &res, ev)
}

// reportEvents emits a report's events.
func (r *lstRun) reportEvents(p *lstProto, t consensus.Epoch, rep *lst.OracleReport, res *lst.ReportResult, ev func(EventDetails)) {
	d := OracleReportDetails{Accepted: res.Accepted, BeaconBalanceGwei: uint64(rep.CLBalanceGwei), Exited: rep.ExitedValidators,
		Protocol: p.spec.Name, RebaseGwei: res.CLRebaseGwei, ReportEpoch: uint64(t), ShareRate: formatRate(res.PostRate),
		Slashings: uint64(len(rep.Slashings)), Validators: rep.CLValidators}
	if res.Rejection != nil {
		d.Rejection = res.Rejection.Error()
	}
	p.stats.Reports++
	if !res.Accepted {
		p.stats.ReportsRejected++
	}
	ev(d)
	if !res.Accepted {
		return
	}
	if res.NegativeRebase {
		p.stats.NegativeRebases++
		ev(NegativeRebaseDetails{Protocol: p.spec.Name, RateAfter: formatRate(res.PostRate), RateBefore: formatRate(res.PreRate),
			RebaseGwei: res.CLRebaseGwei, ReportEpoch: uint64(t)})
	}
	if res.BunkerStarted {
		_, since := p.book.Bunker()
		ev(BunkerStartedDetails{Protocol: p.spec.Name, ReportEpoch: uint64(t), SinceEpoch: uint64(since)})
	}
	if res.BunkerEnded {
		ev(BunkerEndedDetails{DurationEpochs: uint64(t - p.bunkerSince), Protocol: p.spec.Name, ReportEpoch: uint64(t)})
		p.stats.BunkerEpochs += uint64(t - p.bunkerSince)
	}
}

// finalized records the requests a report finalized: withdrawals.csv
// rows, the paid-at-most-its-worth check, the event.
func (r *lstRun) finalized(p *lstProto, t consensus.Epoch, res *lst.ReportResult, ev func(EventDetails)) error {
	if len(res.Finalized) == 0 {
		return nil
	}
	var amount consensus.Gwei
	for _, id := range res.Finalized {
		q, ok := p.book.Request(id)
		meta, known := p.requests[id]
		if !ok || !known {
			return fmt.Errorf("sim: liquid staking %q: finalized request %d unknown", p.spec.Name, id)
		}
		if q.PayoutGwei > meta.amount {
			return &InvariantError{Epoch: t, Check: CheckLSTPayout, Err: fmt.Errorf("%w: %s request %d pays %d Gwei, worth %d when requested",
				ErrLSTPayout, p.spec.Name, id, q.PayoutGwei, meta.amount)}
		}
		delete(p.requests, id)
		amount += q.AmountGwei
		p.stats.RequestsFinalized++
		p.stats.RequestDiscountGwei += uint64(q.AmountGwei - q.PayoutGwei)
		p.stats.LargestWaitEpochs = max(p.stats.LargestWaitEpochs, uint64(t-meta.epoch))
		p.pendingWithdrawRows = append(p.pendingWithdrawRows, WithdrawalRow{RequestID: id, Protocol: p.spec.Name, Owner: q.Owner,
			RequestedEpoch: uint64(meta.epoch), Shares: q.Shares, RateAtRequest: formatRate(meta.rate), Finalized: true,
			FinalizedEpoch: uint64(t), RateAtFinalization: formatRate(res.FinalizationRate), PaidGwei: uint64(q.PayoutGwei)})
	}
	p.epochFinalized = res.FinalizedGwei
	ev(WithdrawalFinalizedDetails{AmountGwei: uint64(amount), FirstRequest: res.Finalized[0], LastRequest: res.Finalized[len(res.Finalized)-1],
		PaidGwei: uint64(res.FinalizedGwei), Protocol: p.spec.Name, Rate: formatRate(res.FinalizationRate), Requests: uint64(len(res.Finalized))})
	return nil
}

// depositsAndExits runs the protocol's and its node operators' phases.
func (r *lstRun) depositsAndExits(p *lstProto, t consensus.Epoch, st *consensus.State, res *lst.ReportResult, ev func(EventDetails)) error {
	e := r.e
	duty := &agents.ProtocolDuty{Epoch: t, Deposit: min(p.book.ValidatorsToDeposit(), uint64(len(p.keys)-p.used)),
		Active: make([]uint64, len(p.ops))}
	if res != nil && res.Accepted {
		duty.Exit = res.ValidatorsToExit
	}
	opOf := map[int]int{}
	for i, op := range p.ops {
		opOf[op.group] = i
	}
	for _, vi := range r.protoValidators(p, st) {
		v := &st.Validators[vi]
		oi := opOf[r.e.groupOfVal[vi]]
		if consensus.IsActiveValidator(v, t) {
			duty.Active[oi]++
		}
		if _, asked := p.asked[vi]; !asked && canForceExit(&e.cfg, v, t) {
			duty.Candidates = append(duty.Candidates, agents.ExitCandidate{Index: vi, Operator: oi})
		}
	}
	var plan agents.ProtocolPlan
	if duty.Deposit > 0 || duty.Exit > 0 {
		out := e.runEpochPhase(map[int]*agents.Duties{p.protocol: {LST: &agents.LSTDuty{Protocol: duty}}})
		if a := out[p.protocol].LST; a != nil && a.Plan != nil {
			plan = *a.Plan
		}
	}
	n, err := p.book.DepositValidators(min(plan.Deposit, duty.Deposit), t)
	if err != nil {
		return err
	}
	opDuties := map[int]*agents.Duties{}
	opDuty := func(oi int) *agents.NodeOperatorDuty {
		id := p.ops[oi].agent
		if opDuties[id] == nil {
			opDuties[id] = &agents.Duties{LST: &agents.LSTDuty{Operator: &agents.NodeOperatorDuty{Config: &e.cfg, State: st, Epoch: t, AmountGwei: p.params.DepositGwei}}}
		}
		return opDuties[id].LST.Operator
	}
	for _, vi := range p.keys[p.used : p.used+int(n)] {
		k := agents.NewKey{Pubkey: e.dir.Pubkey(vi), Credentials: e.credentials[vi]}
		if e.keys != nil {
			k.Secret = e.keys.Secret(uint64(vi))
		}
		d := opDuty(opOf[e.groupOfVal[vi]])
		d.Deposit = append(d.Deposit, k)
	}
	p.used += int(n)
	p.stats.ValidatorsDeposited += n
	r.exits(p, t, st, plan.Exits, opOf, opDuty, ev)
	if len(opDuties) == 0 {
		return nil
	}
	out := e.runEpochPhase(opDuties)
	now := uint64(consensus.ComputeStartSlotAtEpoch(&e.cfg, t)) * e.cfg.SlotDurationMs
	for _, op := range p.ops {
		a, ok := out[op.agent]
		if !ok {
			continue
		}
		e.el.add(&a.Requests, e.dir)
		for i := range a.VoluntaryExits {
			x := a.VoluntaryExits[i]
			e.send(op.agent, t, now, 0, nil, func(m *message) { m.op = &opMsg{exit: &x} })
		}
	}
	return nil
}

// exits hands the node operators the validators to exit: the plan's new
// ones and those asked agents.RetryEpochs ago that have not shown an exit.
func (r *lstRun) exits(p *lstProto, t consensus.Epoch, st *consensus.State, picked []consensus.ValidatorIndex,
	opOf map[int]int, opDuty func(int) *agents.NodeOperatorDuty, ev func(EventDetails)) {
	e := r.e
	for vi, at := range p.asked {
		v := &st.Validators[vi]
		switch {
		case v.ExitEpoch != consensus.FarFutureEpoch:
			delete(p.asked, vi) // leaving
		case t >= at+agents.RetryEpochs && canForceExit(&e.cfg, v, t):
			p.asked[vi] = t
		}
	}
	var retry []consensus.ValidatorIndex
	for vi, at := range p.asked {
		if at == t {
			retry = append(retry, vi)
		}
	}
	slices.Sort(retry)
	for _, vi := range retry {
		d := opDuty(opOf[e.groupOfVal[vi]])
		d.Exit = append(d.Exit, vi)
	}
	if len(picked) == 0 {
		return
	}
	var gwei consensus.Gwei
	for _, vi := range picked {
		p.asked[vi] = t
		gwei += st.Balances[vi]
		d := opDuty(opOf[e.groupOfVal[vi]])
		d.Exit = append(d.Exit, vi)
	}
	p.stats.ExitsRequested += uint64(len(picked))
	ev(ExitsRequestedDetails{BalanceGwei: uint64(gwei), FirstValidator: uint64(picked[0]), Method: p.spec.ExitMethod,
		Protocol: p.spec.Name, Validators: uint64(len(picked))})
}

// holders runs the holder agents' phase and applies their decisions in
// agent and holder order. A deposit or request the books refuse (as the
// contract would revert) is dropped.
func (r *lstRun) holders(p *lstProto, t consensus.Epoch, st *consensus.State) error {
	if len(p.holders) == 0 {
		return nil
	}
	rate := p.book.ShareRate()
	claimable := make([][]uint64, len(p.holders))
	for _, q := range p.book.Requests(lst.StatusFinalized) {
		if at, ok := p.ownerOf[q.Owner]; ok {
			claimable[at[0]] = append(claimable[at[0]], q.ID)
		}
	}
	var slashed uint64
	vals := r.protoValidators(p, st)
	for _, vi := range vals {
		if st.Validators[vi].Slashed {
			slashed++
		}
	}
	duties := map[int]*agents.Duties{}
	for hi, ha := range p.holders {
		d := &agents.HolderDuty{Epoch: t, Rate: rate, MaxRate: p.maxRate, SlashedWAD: fracWAD(slashed, uint64(len(vals))),
			NegativeRebaseWAD: p.epochNegativeWAD, BunkerStarted: p.epochBunkerStarted, Claimable: claimable[hi],
			WithdrawalsEnabled: p.spec.Withdrawals, MinRequest: p.params.MinWithdrawalGwei, MaxRequest: p.params.MaxWithdrawalGwei}
		for _, owner := range ha.owners {
			d.Balances = append(d.Balances, p.book.BalanceOf(owner))
		}
		duties[ha.agent] = &agents.Duties{LST: &agents.LSTDuty{Holder: d}}
	}
	out := r.e.runEpochPhase(duties)
	for _, ha := range p.holders {
		a := out[ha.agent].LST
		if a == nil || a.Holder == nil {
			continue
		}
		if err := r.applyHolder(p, t, ha, a.Holder); err != nil {
			return err
		}
	}
	if rate.Cmp(p.maxRate) > 0 {
		p.maxRate = rate
	}
	return nil
}

// applyHolder applies one holder agent's claims, deposits and requests.
func (r *lstRun) applyHolder(p *lstProto, t consensus.Epoch, ha lstHolderAgent, a *agents.HolderActions) error {
	for _, id := range a.Claims {
		q, ok := p.book.Request(id)
		if !ok {
			continue
		}
		paid, err := p.book.ClaimWithdrawal(q.Owner, id, t)
		if err != nil {
			continue
		}
		p.claimed += paid
	}
	for _, d := range a.Deposits {
		if d.Holder < 0 || d.Holder >= len(ha.owners) {
			continue
		}
		_ = r.deposit(p, ha.owners[d.Holder], d.Gwei, t)
	}
	for _, q := range a.Requests {
		if q.Holder < 0 || q.Holder >= len(ha.owners) {
			continue
		}
		rate := p.book.ShareRate()
		id, err := p.book.RequestWithdrawal(ha.owners[q.Holder], q.Gwei, t)
		if err != nil {
			continue
		}
		p.requests[id] = lstRequestMeta{epoch: t, rate: rate, amount: q.Gwei}
		p.stats.Requests++
	}
	return nil
}

// fracWAD is num/den in WAD, 0 for den 0.
func fracWAD(num, den uint64) uint64 {
	if den == 0 {
		return 0
	}
	return mulDivU64(num, 1_000_000_000_000_000_000, den)
}

// mulDivU64 is floor(a·b/c) with a 128-bit intermediate, saturating.
func mulDivU64(a, b, c uint64) uint64 {
	q := new(big.Int).Mul(new(big.Int).SetUint64(a), new(big.Int).SetUint64(b))
	q.Quo(q, new(big.Int).SetUint64(c))
	if !q.IsUint64() {
		return ^uint64(0)
	}
	return q.Uint64()
}

// formatRate writes a 1e27 share rate as a decimal with 18 places
// (truncated).
func formatRate(r lst.ShareRate) string {
	v := r.Big()
	v.Quo(v, big.NewInt(1_000_000_000)) // 1e18 units
	s := v.String()
	for len(s) < 19 {
		s = "0" + s
	}
	return s[:len(s)-18] + "." + s[len(s)-18:]
}
