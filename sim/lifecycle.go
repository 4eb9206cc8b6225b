package sim

import (
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
	"github.com/stakesim/stakesim/scenarios"
)

// The validator lifecycle: execution-layer requests from staking operators,
// validators created by deposits, and the preset overrides of `config:`.

// applyConfig sets the scenario's preset overrides on cfg.
func applyConfig(cfg *consensus.Config, overrides []scenarios.ConfigOverride) error {
	for _, o := range overrides {
		v := o.Value
		switch o.Name {
		case "shard_committee_period":
			cfg.ShardCommitteePeriod = v
		case "min_validator_withdrawability_delay":
			cfg.MinValidatorWithdrawabilityDelay = v
		case "epochs_per_slashings_vector":
			cfg.EpochsPerSlashingsVector = v
		case "churn_limit_quotient":
			cfg.ChurnLimitQuotient = v
		case "min_per_epoch_churn_limit_gwei":
			cfg.MinPerEpochChurnLimitElectra = consensus.Gwei(v)
		case "max_per_epoch_activation_exit_churn_limit_gwei":
			cfg.MaxPerEpochActivationExitChurnLimit = consensus.Gwei(v)
		case "pending_consolidations_limit":
			cfg.PendingConsolidationsLimit = v
		case "pending_partial_withdrawals_limit":
			cfg.PendingPartialWithdrawalsLimit = v
		case "max_pending_deposits_per_epoch":
			cfg.MaxPendingDepositsPerEpoch = v
		default:
			return fmt.Errorf("sim: unknown config key %q", o.Name)
		}
	}
	return nil
}

// withdrawalCredentials is the credential of member i of group gi: the
// group's prefix and an address made of the group and member numbers, so
// that every validator has its own withdrawal address.
func withdrawalCredentials(prefix byte, gi, i int) consensus.Root {
	var cred consensus.Root
	cred[0] = prefix
	binary.LittleEndian.PutUint32(cred[12:16], uint32(gi))
	binary.LittleEndian.PutUint32(cred[16:20], uint32(i))
	return cred
}

// depositPlan gives every deposit wave its new validators' indices: waves
// in (epoch, group, wave) order, each taking the next indices after the
// genesis validators. Operators send deposits in that order and the engine
// queues a slot's deposits by key index, so pending deposits create
// validators exactly in key order (validator i holds key i).
type depositPlan struct {
	// keys[group][wave] are the indices of a deposit wave's new validators.
	keys  map[[2]int][]consensus.ValidatorIndex
	total int // genesis plus deposited validators
}

func planDeposits(sc *scenarios.Scenario, genesis int) depositPlan {
	type wv struct {
		epoch uint64
		g, w  int
	}
	var ws []wv
	for gi, g := range sc.Groups {
		for wi, r := range g.Requests {
			if r.Kind == scenarios.RequestDeposit {
				ws = append(ws, wv{r.Epoch, gi, wi})
			}
		}
	}
	sort.SliceStable(ws, func(i, j int) bool {
		if ws[i].epoch != ws[j].epoch {
			return ws[i].epoch < ws[j].epoch
		}
		if ws[i].g != ws[j].g {
			return ws[i].g < ws[j].g
		}
		return ws[i].w < ws[j].w
	})
	p := depositPlan{keys: map[[2]int][]consensus.ValidatorIndex{}, total: genesis}
	for _, w := range ws {
		n := sc.Groups[w.g].Requests[w.w].Count
		idx := make([]consensus.ValidatorIndex, n)
		for k := range idx {
			idx[k] = consensus.ValidatorIndex(p.total + k)
		}
		p.keys[[2]int{w.g, w.w}] = idx
		p.total += n
	}
	return p
}

// keyDirectory backs consensus.KeyDirectory with the run's keyring, or
// with synthetic keys when BLS is off (key i is a marker and i; every
// deposit proof is taken as valid, as every signature is in that mode).
type keyDirectory struct {
	ring *crypto.Keyring // nil with BLS off
	n    int
}

var offKeyMarker = [8]byte{'s', 't', 'k', 's', 'i', 'm', 0, 0}

func (k *keyDirectory) PubkeyIndex(pk crypto.PublicKeyBytes) (consensus.ValidatorIndex, bool) {
	if k.ring != nil {
		i, ok := k.ring.IndexOf(pk)
		return consensus.ValidatorIndex(i), ok
	}
	if [8]byte(pk[:8]) != offKeyMarker {
		return 0, false
	}
	i := binary.LittleEndian.Uint64(pk[8:16])
	return consensus.ValidatorIndex(i), i < uint64(k.n)
}

func (k *keyDirectory) Pubkey(i consensus.ValidatorIndex) crypto.PublicKeyBytes {
	if k.ring != nil {
		return k.ring.PublicBytes(uint64(i))
	}
	var pk crypto.PublicKeyBytes
	copy(pk[:8], offKeyMarker[:])
	binary.LittleEndian.PutUint64(pk[8:16], uint64(i))
	return pk
}

func (k *keyDirectory) VerifyDeposit(pk crypto.PublicKeyBytes, root consensus.Root, sig crypto.Signature) bool {
	if k.ring == nil {
		return true
	}
	i, ok := k.ring.IndexOf(pk)
	if !ok {
		p, err := crypto.PublicKeyFromBytes(pk)
		if err != nil {
			return false
		}
		return crypto.FastAggregateVerify([]*crypto.PublicKey{p}, root, sig)
	}
	return crypto.FastAggregateVerify([]*crypto.PublicKey{k.ring.Public(i)}, root, sig)
}

// elPool is the execution layer's request queues (the deposit contract and
// the EIP-7002 and EIP-7251 system contracts), shared by every branch: a
// block takes the next requests its chain has not included yet, up to the
// per-payload limits (blockEntry.el counts what its chain has taken).
// Simplification: no request fees, and requests reach every branch in the
// order they were made.
type elPool struct {
	deposits       []consensus.DepositRequest
	withdrawals    []consensus.WithdrawalRequest
	consolidations []consensus.ConsolidationRequest
}

// elCursor counts the requests of each queue a chain has included (32
// bits each: a block keeps one, and a run's request queues stay far
// below 2^32).
type elCursor struct{ deposits, withdrawals, consolidations uint32 }

// add queues one agent's requests; deposits are queued in key order.
func (p *elPool) add(r *consensus.ExecutionRequests, keys *keyDirectory) {
	if len(r.Deposits) > 0 {
		ds := append([]consensus.DepositRequest(nil), r.Deposits...)
		sort.SliceStable(ds, func(i, j int) bool {
			a, _ := keys.PubkeyIndex(ds[i].Pubkey)
			b, _ := keys.PubkeyIndex(ds[j].Pubkey)
			return a < b
		})
		for _, d := range ds {
			d.Index = uint64(len(p.deposits))
			p.deposits = append(p.deposits, d)
		}
	}
	p.withdrawals = append(p.withdrawals, r.Withdrawals...)
	p.consolidations = append(p.consolidations, r.Consolidations...)
}

// next returns the requests a block on a chain at cursor c carries.
func (p *elPool) next(cfg *consensus.Config, c elCursor) consensus.ExecutionRequests {
	take := func(n, from int, limit uint64) (int, int) {
		to := from + int(min(uint64(n-from), limit))
		return from, to
	}
	var r consensus.ExecutionRequests
	if a, b := take(len(p.deposits), int(c.deposits), cfg.MaxDepositRequestsPerPayload); b > a {
		r.Deposits = append([]consensus.DepositRequest(nil), p.deposits[a:b]...)
	}
	if a, b := take(len(p.withdrawals), int(c.withdrawals), cfg.MaxWithdrawalRequestsPerPayload); b > a {
		r.Withdrawals = append([]consensus.WithdrawalRequest(nil), p.withdrawals[a:b]...)
	}
	if a, b := take(len(p.consolidations), int(c.consolidations), cfg.MaxConsolidationRequestsPerPayload); b > a {
		r.Consolidations = append([]consensus.ConsolidationRequest(nil), p.consolidations[a:b]...)
	}
	return r
}

// advanced is the cursor after a block carrying r.
func (c elCursor) advanced(r *consensus.ExecutionRequests) elCursor {
	return elCursor{c.deposits + uint32(len(r.Deposits)), c.withdrawals + uint32(len(r.Withdrawals)), c.consolidations + uint32(len(r.Consolidations))}
}

// buildOperators creates one operator agent per group with an operator or
// request waves, after the validator clients.
func (e *Engine) buildOperators(plan depositPlan) error {
	for gi, g := range e.sc.Groups {
		if g.Operator == nil && len(g.Requests) == 0 {
			continue
		}
		oc := agents.OperatorConfig{ID: len(e.agents), Policy: agents.PolicyKeep, Pubkey: e.dir.Pubkey, Mode: e.mode, Keys: exitKeys{e}}
		if op := g.Operator; op != nil {
			oc.Policy = op.Policy
			oc.TargetGwei = consensus.Gwei(op.TargetGwei)
			oc.FromEpoch = consensus.Epoch(op.FromEpoch)
		}
		vals, err := e.registry.ValidatorsOfGroup(g.Name)
		if err != nil {
			return err
		}
		for _, vi := range vals {
			oc.Validators = append(oc.Validators, consensus.ValidatorIndex(vi))
		}
		for wi, r := range g.Requests {
			w := agents.Wave{Kind: r.Kind, Epoch: consensus.Epoch(r.Epoch), Count: r.Count, AmountGwei: consensus.Gwei(r.AmountGwei)}
			for _, vi := range plan.keys[[2]int{gi, wi}] {
				k := agents.NewKey{Pubkey: e.dir.Pubkey(vi), Credentials: e.credentials[vi]}
				if e.keys != nil {
					k.Secret = e.keys.Secret(uint64(vi))
				}
				w.Keys = append(w.Keys, k)
			}
			oc.Waves = append(oc.Waves, w)
		}
		e.operators = append(e.operators, len(e.agents))
		e.agents = append(e.agents, agents.NewOperator(oc))
		e.viewOfAgent = append(e.viewOfAgent, e.groupView[gi])
		e.netRNG = append(e.netRNG, NewRNG(e.sc.Seed, uint64(oc.ID), "network"))
		if err := e.registry.insert(nil, []AgentRecord{{ID: oc.ID, Kind: agents.KindStakingOperator, Group: g.Name, View: e.views[e.groupView[gi]].name}}); err != nil {
			return err
		}
	}
	e.results = make([]agents.Actions, len(e.agents))
	return nil
}

// lifecycleRow fills the queue and churn columns of a row from the branch's
// state at the start of epoch+1 (st) and the epoch report (makeRow counts
// compounding validators and the largest effective balance in its pass over
// the registry).
func (e *Engine) lifecycleRow(row *EpochRow, st *consensus.State, rep *consensus.EpochReport, epoch consensus.Epoch) {
	cfg := &e.cfg
	row.PendingDeposits = uint64(len(st.PendingDeposits))
	row.PendingConsolidations = uint64(len(st.PendingConsolidations))
	_, ae, cons := consensus.ChurnLimitsFor(cfg, rep.TotalActiveBalance)
	row.ConsolidationChurnGwei = uint64(cons)
	row.ActivationExitChurnGwei = uint64(ae)
	row.ConsolidatedGwei = uint64(rep.ConsolidatedGwei)
	if cur := epoch + 1; st.EarliestExitEpoch > cur && exitScheduledAfter(st, cur) {
		row.ExitQueueEpochs = uint64(st.EarliestExitEpoch - cur)
	}
}

// exitScheduledAfter reports whether some validator has an exit epoch
// after epoch: earliest_exit_epoch starts ahead of genesis with no exit
// queued, and the exit queue is empty until an exit is scheduled.
func exitScheduledAfter(st *consensus.State, epoch consensus.Epoch) bool {
	for i := range st.Validators {
		if x := st.Validators[i].ExitEpoch; x > epoch && x != consensus.FarFutureEpoch {
			return true
		}
	}
	return false
}

// attestationBytes is what a block's attestations occupy: aggregation bits,
// a 96-byte signature and the committee bits (Bitvector[MAX_COMMITTEES_PER_SLOT])
// each.
func attestationBytes(cfg *consensus.Config, b *consensus.BeaconBlock) uint64 {
	committeeBytes := (cfg.MaxCommitteesPerSlot + 7) / 8
	var n uint64
	for i := range b.Body.Attestations {
		n += uint64(len(b.Body.Attestations[i].AggregationBits)) + 96 + committeeBytes
	}
	return n
}

// closeEpochWork ends the current epoch's work tally: the counts and the
// seconds of signing and verification spent since the last call.
func (e *Engine) closeEpochWork() {
	e.work.close(e.timing.SigningSeconds, e.verifier.seconds)
}

// balanceInflows lists the validators whose balance may rise during the
// epoch after prev for reasons other than rewards: consolidation targets
// and deposit recipients (a slashed validator may receive either).
func (e *Engine) balanceInflows(prev *consensus.State) map[consensus.ValidatorIndex]bool {
	if len(prev.PendingConsolidations) == 0 && len(prev.PendingDeposits) == 0 {
		return nil
	}
	out := map[consensus.ValidatorIndex]bool{}
	for _, pc := range prev.PendingConsolidations {
		out[pc.TargetIndex] = true
	}
	for _, d := range prev.PendingDeposits {
		if i, ok := e.dir.PubkeyIndex(d.Pubkey); ok {
			out[i] = true
		}
	}
	return out
}

// lifecycleSummary fills the summary's MaxEB fields.
func (r *reporter) lifecycleSummary(s *Summary) {
	e := r.e
	if p := r.firstRow; p != nil {
		s.ValidatorsAtStart = p.row.ActiveValidators
		s.MaxEffectiveBalanceStartGwei = p.row.MaxEffectiveBalanceGwei
	}
	if p := r.lastEpoch; p != nil {
		s.ValidatorsAtEnd = p.row.ActiveValidators
		s.MaxEffectiveBalanceEndGwei = p.row.MaxEffectiveBalanceGwei
	}
	s.SignaturesPerEpochStart = e.work.start().votes
	s.SignaturesPerEpochEnd = e.work.end().votes
	s.ConsolidationsRequested, s.SwitchesRequested = r.consRequested, r.switchesRequested
	s.ConsolidationsAccepted, s.ConsolidationsCompleted = r.consAccepted, r.consCompleted
	s.FirstConsolidationRequestEpoch, s.LastConsolidationEpoch = r.firstConsRequest, r.lastConsolidation
	if r.firstConsRequest != nil && r.lastConsolidation != nil && *r.lastConsolidation >= *r.firstConsRequest {
		d := *r.lastConsolidation - *r.firstConsRequest
		s.ConsolidationEpochs = &d
	}
	s.DepositRequests, s.ExitRequestsApplied, s.PartialWithdrawalsQueued = r.depositReqs, r.exitReqs, r.partialReqs
	s.GossipSignaturesVerified = e.work.gossip
}

// noteRequests counts the consolidation requests an operator sent.
func (r *reporter) noteRequests(epoch consensus.Epoch, reqs *consensus.ExecutionRequests) {
	for _, c := range reqs.Consolidations {
		if c.SourcePubkey == c.TargetPubkey {
			r.switchesRequested++
			continue
		}
		r.consRequested++
		if r.firstConsRequest == nil {
			ep := uint64(epoch)
			r.firstConsRequest = &ep
		}
	}
}

// backlog is what the queues hold beyond cursor c.
func (p *elPool) backlog(c elCursor) agents.Backlog {
	return agents.Backlog{
		Deposits:       len(p.deposits) - int(c.deposits),
		Withdrawals:    len(p.withdrawals) - int(c.withdrawals),
		Consolidations: len(p.consolidations) - int(c.consolidations),
	}
}

// groupPenalty sums a group's slashing penalties on the summary branch.
type groupPenalty struct{ slashedEB, initial, correlation uint64 }

func (r *reporter) groupPenalty(vi int) *groupPenalty {
	gi := -1
	if vi < len(r.e.groupOfVal) {
		gi = r.e.groupOfVal[vi]
	}
	if r.penalties == nil {
		r.penalties = map[int]*groupPenalty{}
	}
	p := r.penalties[gi]
	if p == nil {
		p = &groupPenalty{}
		r.penalties[gi] = p
	}
	return p
}

// fillPenalties copies group gi's penalties into its summary, with the
// per-ETH figures (Gwei per ETH of slashed effective balance, 3 decimals).
func (r *reporter) fillPenalties(gs *GroupSummary, gi int) {
	p := r.penalties[gi]
	if p == nil || p.slashedEB == 0 {
		return
	}
	gs.SlashedEffectiveBalanceGwei, gs.InitialPenaltyGwei, gs.CorrelationPenaltyGwei = p.slashedEB, p.initial, p.correlation
	eth := float64(p.slashedEB) / 1e9
	in := float64(int64(float64(p.initial)/eth*1000+0.5)) / 1000
	co := float64(int64(float64(p.correlation)/eth*1000+0.5)) / 1000
	gs.InitialPenaltyGweiPerETH, gs.CorrelationPenaltyGweiPerETH = &in, &co
}

// verifyGossip checks, for scenarios with gossip_verification: main, every
// single attestation signature the agents produced this slot, as a node on
// every subnet does before forwarding: one batch (random linear combination,
// per-check fallback) through the run's timed verifier. The results change
// nothing (honest signatures are valid, and a Byzantine vote is judged at
// block import as before); the work is what timing.json measures.
func (e *Engine) verifyGossip(ids []int, domain consensus.Root) {
	if e.sc.GossipVerification != scenarios.GossipMain || e.mode != agents.SignFull {
		return
	}
	var checks []crypto.AggregateCheck
	for _, id := range ids {
		for i := range e.results[id].Attestations {
			m := &e.results[id].Attestations[i]
			if m.Signature.IsZero() {
				continue
			}
			checks = append(checks, crypto.AggregateCheck{
				Indices:   []uint64{uint64(m.AttesterIndex)},
				Message:   crypto.ComputeSigningRoot(m.Data.Root(), domain),
				Signature: m.Signature,
			})
		}
	}
	if len(checks) == 0 {
		return
	}
	e.verifier.VerifyAggregates(checks)
	e.stats.GossipVerified += uint64(len(checks))
	e.work.cur.gossip += uint64(len(checks))
}
