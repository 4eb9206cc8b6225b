package sim

// Liquid restaking coupled with consensus and the restaking ledger
// (`liquid_staking:` protocols of kind lrt).
//
// # Model
//
// One economics/lrt.Protocol per LRT entry, on the run's restaking ledger
// (the `restaking:` block's; package lrt's New registers one ledger staker
// "<protocol>/<operator>" per restaking operator, delegated to it). Its
// asset is native restaked ETH: its validators are its groups' genesis
// validators, with 0x01 credentials to its EigenPod address (the same
// vault credentials as a liquid-staking protocol's). At genesis the
// holders deposit their initial ETH (the first holder also the Gwei the
// even split rounds away) and the protocol restakes it, 32 ETH per
// validator, by its policy: the genesis validators are dealt to the
// restaking operators in index order, as many to each as the policy gave
// it chunks. Ether restaked later (AVS rewards claimed into the buffer
// and restaked) creates no validator: it waits in the operator's EigenPod
// and is the first ETH its withdrawals take.
//
// Each reported epoch e (the protocol's and the ledger's clock is e), in
// the economic phase, after the restaking epoch (the ledger's Advance(e)
// and the epoch's AVS slashes) and the liquid-staking protocols, for each
// LRT in scenario order:
//
//  1. Rate: if the rate is below the last row's (an AVS slash of one of
//     its operators lowered its ledger stake), an lrt_rate_fell event; the
//     pooled Gwei lost counts as socialised loss.
//  2. Holders: the holder agents claim their claimable requests and, by
//     policy, request withdrawals of tokens (refused by the books when
//     withdrawals are disabled; the agents then ask nothing).
//  3. EigenPods: the withdrawals the summary branch paid to each
//     operator's validators (as the vault credits of sim/lst.go) join its
//     pod. Rewards: per operator, the validators' balances plus what they
//     withdrew, less 32 ETH per validator, is checked against its highest
//     value so far (a checkpoint); a gain is credited to the ledger
//     (CreditRewards). Penalties and beacon slashings are not passed on
//     (economics/lrt's simplification); a later gain repays them first.
//  4. Each operator's pod pays its exit orders first in, first out; a
//     request whose orders are paid is credited (CreditExited).
//  5. Sync(e): AVS rewards claimed, escrows due completed (exit orders),
//     ready requests finalized (withdrawals.csv rows and a
//     withdrawal_finalized event), the buffer restaked.
//  6. Exits: the pods pay the new orders as in 4. What
//     the orders still need beyond the pod and the balances of the
//     validators already asked to exit goes to the protocol agent, which
//     picks validators; the node operators of their groups exit them by
//     voluntary exits or EIP-7002 requests (exits_requested), again after
//     agents.RetryEpochs if no exit shows. When an operator has nothing
//     left to exit or to arrive, its unpaid orders are credited short (a
//     beacon loss, socialised by the books).
//  7. Claimed requests are pruned; the invariants (lrt's Check, the
//     ledger's, the pods' conservation, payouts) are checked; one lst.csv
//     row of kind lrt.

import (
	"fmt"
	"math"
	"slices"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/lrt"
	"github.com/stakesim/stakesim/economics/lst"
	"github.com/stakesim/stakesim/scenarios"
)

// lrtProto is one liquid restaking protocol and what the engine keeps
// about it.
type lrtProto struct {
	spec     scenarios.LSTProtocol
	index    int
	book     *lrt.Protocol
	protocol int // agent id
	nodes    []lstOperator
	holders  []lstHolderAgent
	ownerOf  map[string][2]int
	ops      []*lrtOperator // by restaking operator, in the policy's order
	opOf     map[consensus.ValidatorIndex]int
	orders   []lrtOrder                // open exit orders, first in first out
	requests map[uint64]lrtRequestMeta // open requests
	// asset is the LST protocol whose shares the LRT restakes (nil for
	// native restaking); lstFlows tallies its shares (lrt_lst.go).
	asset    *lstProto
	lstFlows lrtLSTFlows
	lstT     consensus.Epoch // the LST books' epoch (0 at genesis, e+1 at epoch e)

	claimed                      uint64
	lastRate, maxRate, minRate   lst.ShareRate
	lastPooled, peakPooled, loss consensus.Gwei
	epochDropWAD                 uint64
	epochRebase                  int64
	epochFinalized               consensus.Gwei
	stats                        LSTSummary
	pendingRows                  []WithdrawalRow
}

// lrtOperator is the protocol's stake with one restaking operator: its
// validators and its EigenPod.
type lrtOperator struct {
	name string
	slot int // vault-credit slot (lstRun.cum)
	vals []consensus.ValidatorIndex
	// credited is the cumulative withdrawals the chain paid its validators;
	// idle the Gwei restaked without validators; pod what of both is not
	// yet paid to requests; served what was.
	credited, idle, pod, served consensus.Gwei
	// high is the highest checkpoint (balances + credited − 32 ETH per
	// validator) so far: rewards are credited above it.
	high  int64
	asked map[consensus.ValidatorIndex]consensus.Epoch
}

type lrtOrder struct {
	id     uint64
	op     int
	rem    consensus.Gwei
	served consensus.Gwei
}

type lrtRequestMeta struct {
	epoch consensus.Epoch
	rate  lst.ShareRate
	value consensus.Gwei
}

// lrtParams are the books' params for a scenario entry: an LST asset is
// restaked share by share.
func lrtParams(spec scenarios.LSTProtocol) lrt.Params {
	p := lrt.DefaultParams(spec.RestakingOperators...)
	p.WeightsWAD = slices.Clone(spec.WeightsWAD)
	p.WithdrawalsEnabled = spec.Withdrawals
	if spec.Asset != scenarios.AssetNative {
		p.Asset, p.ChunkUnits = lrt.AssetLST, 1
	}
	return p
}

// newLRT builds LRT pi: books on the restaking ledger, agents, genesis
// deposits and restaking; slot is its first vault-credit slot. It returns
// the next free slot. asset is the LST protocol it restakes (nil for
// native restaking, whose operators each take a slot for their pods).
func (r *lstRun) newLRT(pi int, spec scenarios.LSTProtocol, slot int, asset *lstProto) (*lrtProto, int, error) {
	e := r.e
	if e.rs == nil {
		return nil, slot, fmt.Errorf("sim: liquid restaking %q: no restaking ledger", spec.Name)
	}
	var price lrt.Pricer
	if asset != nil {
		price = asset.book
	}
	book, err := lrt.New(spec.Name, lrtParams(spec), e.rs.ledger, price, 0)
	if err != nil {
		return nil, slot, fmt.Errorf("sim: liquid restaking %q: %w", spec.Name, err)
	}
	p := &lrtProto{spec: spec, index: pi, book: book, ownerOf: map[string][2]int{}, opOf: map[consensus.ValidatorIndex]int{},
		requests: map[uint64]lrtRequestMeta{}, asset: asset}
	p.stats.Protocol, p.stats.Kind = spec.Name, scenarios.KindLRT
	for _, op := range spec.RestakingOperators {
		e.rs.external[book.Account(op)] = true
		o := &lrtOperator{name: op, slot: -1, asked: map[consensus.ValidatorIndex]consensus.Epoch{}}
		if asset == nil {
			o.slot = slot
			slot++
		}
		p.ops = append(p.ops, o)
	}
	if err := r.addLRTAgents(p); err != nil {
		return nil, slot, err
	}
	genesis := r.lrtGenesis
	if asset != nil {
		genesis = r.lrtGenesisLST
	}
	if err := genesis(p); err != nil {
		return nil, slot, err
	}
	p.lastRate, p.maxRate, p.minRate = book.Rate(), book.Rate(), book.Rate()
	p.lastPooled, p.peakPooled = book.TotalPooledGwei(), book.TotalPooledGwei()
	return p, slot, nil
}

// addLRTAgents registers the protocol agent, the node operators of its
// groups and the holder agents.
func (r *lstRun) addLRTAgents(p *lrtProto) error {
	e := r.e
	proto := &agents.LRTProtocolAgent{Protocol: p.spec.Name}
	if err := e.addEconomic(proto, func(id int) { proto.AgentID, p.protocol = id, id }); err != nil {
		return err
	}
	for gi, g := range e.sc.Groups {
		if !slices.Contains(p.spec.Operators, g.Name) {
			continue
		}
		op := &agents.LSTNodeOperatorAgent{Protocol: p.spec.Name, Group: g.Name, Method: p.spec.ExitMethod, Mode: e.mode,
			Keys: exitKeys{e}, Pubkey: e.dir.Pubkey}
		if err := e.addEconomic(op, func(id int) { op.AgentID = id; p.nodes = append(p.nodes, lstOperator{group: gi, agent: id}) }); err != nil {
			return err
		}
		e.viewOfAgent[op.AgentID] = e.groupView[gi]
	}
	var err error
	p.holders, err = r.addHolders(p.spec, p.ownerOf, "lrt/holder")
	return err
}

// lrtGenesis makes the holders' initial deposits, restakes them and deals
// the genesis validators to the restaking operators.
func (r *lstRun) lrtGenesis(p *lrtProto) error {
	e := r.e
	var vals []consensus.ValidatorIndex
	for vi, gi := range e.groupOfVal {
		if vi < e.sc.TotalValidators() && slices.Contains(p.spec.Operators, e.sc.Groups[gi].Name) {
			vals = append(vals, consensus.ValidatorIndex(vi))
		}
	}
	stake := uint64(len(vals)) * 32 * uint64(lrt.GweiPerETH)
	var first string
	var total uint64
	for _, h := range p.spec.Holders {
		for _, ha := range p.holders {
			for _, owner := range ha.owners {
				if !ownerIn(owner, h.Name) || h.InitialGwei == 0 {
					continue
				}
				if first == "" {
					first = owner
				}
				if _, err := p.book.Deposit(owner, h.InitialGwei, 0); err != nil {
					return fmt.Errorf("sim: liquid restaking %q: holder %s: %w", p.spec.Name, owner, err)
				}
				total += h.InitialGwei
			}
		}
	}
	if total < stake && first != "" {
		if _, err := p.book.Deposit(first, stake-total, 0); err != nil {
			return fmt.Errorf("sim: liquid restaking %q: %w", p.spec.Name, err)
		}
	}
	res, err := p.book.Sync(0)
	if err != nil {
		return fmt.Errorf("sim: liquid restaking %q: genesis restaking: %w", p.spec.Name, err)
	}
	next := 0
	for _, s := range res.Staked {
		oi := slices.IndexFunc(p.ops, func(o *lrtOperator) bool { return o.name == s.Operator })
		for k := uint64(0); k < s.Validators && next < len(vals); k++ {
			vi := vals[next]
			next++
			p.ops[oi].vals = append(p.ops[oi].vals, vi)
			p.opOf[vi] = oi
			r.protoOf[vi] = int16(p.ops[oi].slot)
		}
	}
	if next != len(vals) {
		return fmt.Errorf("sim: liquid restaking %q: genesis restaked %d of %d validators", p.spec.Name, next, len(vals))
	}
	return nil
}

// addHolders registers the holder agents of a protocol's holder groups
// and maps each owner ("group/i") to its agent and position.
func (r *lstRun) addHolders(spec scenarios.LSTProtocol, ownerOf map[string][2]int, stream string) ([]lstHolderAgent, error) {
	e := r.e
	var out []lstHolderAgent
	for _, h := range spec.Holders {
		pol := agents.HolderPolicy{Kind: h.Policy, AmountGwei: consensus.Gwei(h.AmountGwei), EveryEpochs: h.EveryEpochs,
			FromEpoch: consensus.Epoch(h.FromEpoch), ToEpoch: consensus.Epoch(h.ToEpoch), HasToEpoch: h.HasToEpoch,
			Trigger: h.Trigger, ThresholdWAD: h.ThresholdWAD, ShareWAD: h.ShareWAD, ChanceWAD: h.ProbabilityWAD, DelayEpochs: h.DelayEpochs}
		for k := 0; k < h.Agents; k++ {
			a := &agents.LSTHolderAgent{Protocol: spec.Name, Group: h.Name, Holding: pol}
			ha := lstHolderAgent{}
			if err := e.addEconomic(a, func(id int) {
				a.AgentID, ha.agent = id, id
				a.Rand = NewRNG(e.sc.Seed, uint64(id), stream)
			}); err != nil {
				return nil, err
			}
			for i := k * h.Count / h.Agents; i < (k+1)*h.Count/h.Agents; i++ {
				owner := fmt.Sprintf("%s/%d", h.Name, i)
				ownerOf[owner] = [2]int{len(out), len(ha.owners)}
				ha.owners = append(ha.owners, owner)
			}
			out = append(out, ha)
		}
	}
	return out, nil
}

// lrtEpoch runs one LRT's part of a reported epoch (see the model above);
// credits are the vault-credit slots' cumulative withdrawals.
func (r *lstRun) lrtEpoch(p *lrtProto, epoch consensus.Epoch, main *BranchBoundary, credits []consensus.Gwei, ev func(EventDetails)) error {
	t := epoch
	st := main.Post
	p.epochFinalized, p.epochRebase, p.epochDropWAD = 0, 0, 0
	p.lstT = epoch + 1
	r.lrtRateDrop(p, ev)
	if err := r.lrtHolders(p, t); err != nil {
		return err
	}
	if p.asset != nil {
		return r.lrtEpochLST(p, epoch, main, ev)
	}
	if err := r.lrtRewards(p, t, st, credits); err != nil {
		return err
	}
	for oi := range p.ops {
		if _, err := r.lrtServe(p, oi, t, false); err != nil {
			return err
		}
	}
	res, err := p.book.Sync(t)
	if err != nil {
		return fmt.Errorf("sim: epoch %d: liquid restaking %q: %w", epoch, p.spec.Name, err)
	}
	for _, o := range res.Exits {
		oi := slices.IndexFunc(p.ops, func(x *lrtOperator) bool { return x.name == o.Operator })
		p.orders = append(p.orders, lrtOrder{id: o.RequestID, op: oi, rem: o.Gwei})
	}
	for _, s := range res.Staked {
		oi := slices.IndexFunc(p.ops, func(x *lrtOperator) bool { return x.name == s.Operator })
		p.ops[oi].idle += consensus.Gwei(s.Units)
		p.ops[oi].pod += consensus.Gwei(s.Units)
	}
	if err := r.lrtFinalized(p, t, res.Finalized, ev); err != nil {
		return err
	}
	if err := r.lrtExits(p, t, st, ev); err != nil {
		return err
	}
	p.book.PruneClaimed(t + 1)
	if err := r.lrtCheck(p, epoch, main.Label); err != nil {
		return err
	}
	return r.lrtRow(p, epoch, st)
}

// lrtRateDrop reports a rate below the last row's: the ledger's slashes
// of this epoch lowered the protocol's stake.
func (r *lstRun) lrtRateDrop(p *lrtProto, ev func(EventDetails)) {
	rate, pooled := p.book.Rate(), p.book.TotalPooledGwei()
	if rate.Cmp(p.lastRate) >= 0 || pooled >= p.lastPooled {
		return
	}
	lost := p.lastPooled - pooled
	p.loss += lost
	p.stats.SocialisedLossGwei += uint64(lost)
	p.epochRebase -= int64(lost)
	p.epochDropWAD = fracWAD(uint64(lost), uint64(p.lastPooled))
	ev(LRTRateFellDetails{Protocol: p.spec.Name, RateBefore: formatRate(p.lastRate), RateAfter: formatRate(rate),
		LossGwei: uint64(lost), PooledGwei: uint64(pooled)})
}

// lrtHolders runs the holder agents: claims, then withdrawal requests, in
// agent and holder order. Their balances are tokens.
func (r *lstRun) lrtHolders(p *lrtProto, t consensus.Epoch) error {
	if len(p.holders) == 0 {
		return nil
	}
	rate := p.book.Rate()
	claimable := make([][]uint64, len(p.holders))
	for _, q := range p.book.Requests(lrt.StatusClaimable) {
		if at, ok := p.ownerOf[q.Owner]; ok {
			claimable[at[0]] = append(claimable[at[0]], q.ID)
		}
	}
	duties := map[int]*agents.Duties{}
	for hi, ha := range p.holders {
		d := &agents.HolderDuty{Epoch: t, Rate: rate, MaxRate: p.maxRate, SlashedWAD: fracWAD(uint64(p.loss), uint64(p.peakPooled)),
			NegativeRebaseWAD: p.epochDropWAD, Claimable: claimable[hi], WithdrawalsEnabled: p.spec.Withdrawals,
			MinRequest: consensus.Gwei(p.book.Params().MinRequestTokens), MaxRequest: math.MaxUint64}
		for _, owner := range ha.owners {
			d.Balances = append(d.Balances, consensus.Gwei(p.book.BalanceOf(owner)))
		}
		duties[ha.agent] = &agents.Duties{LST: &agents.LSTDuty{Holder: d}}
	}
	out := r.e.runEpochPhase(duties)
	for _, ha := range p.holders {
		if a := out[ha.agent].LST; a != nil && a.Holder != nil {
			if err := r.lrtApplyHolder(p, t, ha, a.Holder); err != nil {
				return err
			}
		}
	}
	if rate.Cmp(p.maxRate) > 0 {
		p.maxRate = rate
	}
	return nil
}

// lrtApplyHolder applies one holder agent's claims, deposits (LST asset
// only) and requests; what the books refuse (as the contract would
// revert) is dropped. A claim's LST shares the LST's books refuse to move
// is an error.
func (r *lstRun) lrtApplyHolder(p *lrtProto, t consensus.Epoch, ha lstHolderAgent, a *agents.HolderActions) error {
	for _, id := range a.Claims {
		q, ok := p.book.Request(id)
		if !ok {
			continue
		}
		units, err := p.book.Claim(q.Owner, id, t)
		if err != nil {
			continue
		}
		p.claimed += units
		if p.asset != nil {
			if err := r.lrtPayShares(p, q.Owner, units, t); err != nil {
				return err
			}
		}
	}
	if p.asset != nil {
		for _, d := range a.Deposits {
			if d.Holder >= 0 && d.Holder < len(ha.owners) {
				_ = r.lrtBuy(p, ha.owners[d.Holder], d.Gwei, t)
			}
		}
	}
	for _, q := range a.Requests {
		if q.Holder < 0 || q.Holder >= len(ha.owners) {
			continue
		}
		tokens := uint64(q.Gwei)
		meta := lrtRequestMeta{epoch: t, rate: p.book.Rate(), value: p.book.ValueOfTokens(tokens)}
		id, err := p.book.RequestWithdrawal(ha.owners[q.Holder], tokens, t)
		if err != nil {
			continue
		}
		p.requests[id] = meta
		p.stats.Requests++
	}
	return nil
}

// lrtRewards credits the pods' arrivals and the validators' checkpointed
// gains (see the model).
func (r *lstRun) lrtRewards(p *lrtProto, t consensus.Epoch, st *consensus.State, credits []consensus.Gwei) error {
	for _, op := range p.ops {
		if c := credits[op.slot]; c > op.credited {
			op.pod += c - op.credited
			op.credited = c
		}
		total := int64(op.credited) - int64(len(op.vals))*int64(32*lrt.GweiPerETH)
		for _, vi := range op.vals {
			total += int64(st.Balances[vi])
		}
		if total <= op.high {
			continue
		}
		gain := uint64(total - op.high)
		op.high = total
		if m, err := r.e.rs.ledger.MaxMagnitude(op.name); err != nil || m == 0 {
			continue // a fully slashed operator takes no more stake
		}
		if err := p.book.CreditRewards(op.name, gain, t); err != nil {
			return fmt.Errorf("sim: epoch %d: liquid restaking %q: %w", t, p.spec.Name, err)
		}
		p.epochRebase += int64(gain)
	}
	return nil
}

// lrtFinalized records the requests Sync finalized: withdrawals.csv rows,
// the paid-at-most-its-worth check, the event.
func (r *lstRun) lrtFinalized(p *lrtProto, t consensus.Epoch, ids []uint64, ev func(EventDetails)) error {
	if len(ids) == 0 {
		return nil
	}
	rate := p.book.Rate()
	var asked, paid consensus.Gwei
	for _, id := range ids {
		q, ok := p.book.Request(id)
		meta, known := p.requests[id]
		if !ok || !known {
			return fmt.Errorf("sim: liquid restaking %q: finalized request %d unknown", p.spec.Name, id)
		}
		if q.PayoutGwei > meta.value {
			return &InvariantError{Epoch: t, Check: CheckLSTPayout, Err: fmt.Errorf("%w: %s request %d pays %d Gwei, worth %d when requested",
				ErrLSTPayout, p.spec.Name, id, q.PayoutGwei, meta.value)}
		}
		delete(p.requests, id)
		asked += meta.value
		paid += q.PayoutGwei
		p.stats.RequestsFinalized++
		p.stats.RequestDiscountGwei += uint64(meta.value - q.PayoutGwei)
		p.stats.LargestWaitEpochs = max(p.stats.LargestWaitEpochs, uint64(t-meta.epoch))
		p.pendingRows = append(p.pendingRows, WithdrawalRow{RequestID: id, Protocol: p.spec.Name, Owner: q.Owner,
			RequestedEpoch: uint64(meta.epoch), Shares: q.Tokens, RateAtRequest: formatRate(meta.rate), Finalized: true,
			FinalizedEpoch: uint64(t), RateAtFinalization: formatRate(rate), PaidGwei: uint64(q.PayoutGwei)})
	}
	p.epochFinalized = paid
	ev(WithdrawalFinalizedDetails{AmountGwei: uint64(asked), FirstRequest: ids[0], LastRequest: ids[len(ids)-1],
		PaidGwei: uint64(paid), Protocol: p.spec.Name, Rate: formatRate(rate), Requests: uint64(len(ids))})
	return nil
}

// lrtExits pays the exit orders from the pods, credits the requests
// whose orders are paid, and asks for the exits the rest needs.
func (r *lstRun) lrtExits(p *lrtProto, t consensus.Epoch, st *consensus.State, ev func(EventDetails)) error {
	cfg := &r.e.cfg
	next := t + 1
	needs := make([]agents.LRTOperatorNeed, len(p.ops))
	var retry []consensus.ValidatorIndex
	for oi, op := range p.ops {
		var expected consensus.Gwei
		for vi, at := range op.asked {
			v := &st.Validators[vi]
			switch {
			case v.ExitEpoch != consensus.FarFutureEpoch && st.Balances[vi] == 0 && v.WithdrawableEpoch <= next:
				delete(op.asked, vi) // withdrawn
				continue
			case v.ExitEpoch == consensus.FarFutureEpoch && next >= at+agents.RetryEpochs && canForceExit(cfg, v, next):
				op.asked[vi] = next
				retry = append(retry, vi)
			}
			expected += st.Balances[vi]
		}
		needs[oi].Operator = op.name
		for _, vi := range op.vals {
			if _, asked := op.asked[vi]; !asked && canForceExit(cfg, &st.Validators[vi], next) {
				needs[oi].Candidates = append(needs[oi].Candidates, agents.LRTCandidate{Index: vi, Balance: st.Balances[vi]})
			}
		}
		stuck := expected == 0 && !slices.ContainsFunc(op.vals, func(vi consensus.ValidatorIndex) bool {
			return st.Balances[vi] > 0 || st.Validators[vi].ExitEpoch == consensus.FarFutureEpoch
		})
		owed, err := r.lrtServe(p, oi, t, stuck)
		if err != nil {
			return err
		}
		if owed > op.pod+expected {
			needs[oi].NeedGwei = owed - op.pod - expected
		}
	}
	slices.Sort(retry)
	var picked []consensus.ValidatorIndex
	if slices.ContainsFunc(needs, func(n agents.LRTOperatorNeed) bool { return n.NeedGwei > 0 }) {
		out := r.e.runEpochPhase(map[int]*agents.Duties{p.protocol: {LST: &agents.LSTDuty{LRT: &agents.LRTExitDuty{Epoch: t, Needs: needs}}}})
		if a := out[p.protocol].LST; a != nil {
			picked = a.Exits
		}
	}
	return r.lrtSendExits(p, t, st, picked, retry, ev)
}

// lrtServe pays operator oi's orders from its pod, first in first out,
// and credits each request whose orders are all paid; stuck (nothing
// left to exit or to arrive) credits the unpaid rest as lost. It returns
// what the operator's open orders still need.
func (r *lstRun) lrtServe(p *lrtProto, oi int, t consensus.Epoch, stuck bool) (consensus.Gwei, error) {
	op := p.ops[oi]
	var owed consensus.Gwei
	keep := p.orders[:0]
	var done []uint64
	for _, o := range p.orders {
		if o.op == oi {
			pay := min(o.rem, op.pod)
			o.rem -= pay
			o.served += pay
			op.pod -= pay
			op.served += pay
			if stuck {
				o.rem = 0
			}
			if o.rem == 0 {
				done = append(done, o.id)
			}
			owed += o.rem
		}
		keep = append(keep, o)
	}
	p.orders = keep
	for _, id := range done {
		if err := r.lrtCredit(p, id, t); err != nil {
			return 0, err
		}
	}
	return owed, nil
}

// lrtCredit credits request id if none of its orders is still open.
func (r *lstRun) lrtCredit(p *lrtProto, id uint64, t consensus.Epoch) error {
	var got consensus.Gwei
	for _, o := range p.orders {
		if o.id == id && o.rem > 0 {
			return nil
		}
	}
	keep := p.orders[:0]
	for _, o := range p.orders {
		if o.id == id {
			got += o.served
			continue
		}
		keep = append(keep, o)
	}
	p.orders = keep
	if err := p.book.CreditExited(id, got, t); err != nil {
		return fmt.Errorf("sim: epoch %d: liquid restaking %q: %w", t, p.spec.Name, err)
	}
	return nil
}

// lrtSendExits hands the picked and retried validators to the node
// operators of their groups and sends what they sign.
func (r *lstRun) lrtSendExits(p *lrtProto, t consensus.Epoch, st *consensus.State, picked, retry []consensus.ValidatorIndex, ev func(EventDetails)) error {
	e := r.e
	duties := map[int]*agents.Duties{}
	assign := func(vi consensus.ValidatorIndex) {
		for _, n := range p.nodes {
			if n.group != e.groupOfVal[vi] {
				continue
			}
			if duties[n.agent] == nil {
				duties[n.agent] = &agents.Duties{LST: &agents.LSTDuty{Operator: &agents.NodeOperatorDuty{Config: &e.cfg, State: st, Epoch: t + 1}}}
			}
			d := duties[n.agent].LST.Operator
			d.Exit = append(d.Exit, vi)
		}
	}
	var gwei consensus.Gwei
	var valid []consensus.ValidatorIndex
	for _, vi := range picked {
		oi, ok := p.opOf[vi]
		if !ok {
			continue
		}
		if _, dup := p.ops[oi].asked[vi]; dup {
			continue
		}
		p.ops[oi].asked[vi] = t + 1
		gwei += st.Balances[vi]
		valid = append(valid, vi)
	}
	for _, vi := range slices.Concat(retry, valid) {
		assign(vi)
	}
	if len(valid) > 0 {
		p.stats.ExitsRequested += uint64(len(valid))
		ev(ExitsRequestedDetails{BalanceGwei: uint64(gwei), FirstValidator: uint64(valid[0]), Method: p.spec.ExitMethod,
			Protocol: p.spec.Name, Validators: uint64(len(valid))})
	}
	if len(duties) == 0 {
		return nil
	}
	out := e.runEpochPhase(duties)
	now := uint64(consensus.ComputeStartSlotAtEpoch(&e.cfg, t+1)) * e.cfg.SlotDurationMs
	for _, n := range p.nodes {
		a, ok := out[n.agent]
		if !ok {
			continue
		}
		e.el.add(&a.Requests, e.dir)
		for i := range a.VoluntaryExits {
			x := a.VoluntaryExits[i]
			e.send(n.agent, t+1, now, 0, nil, func(m *message) { m.op = &opMsg{exit: &x} })
		}
	}
	return nil
}
