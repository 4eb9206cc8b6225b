package sim

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/scenarios"
)

// This file checks the built-in scenario attack-33 against an independent
// calculation of the consensus specification's epoch arithmetic.
//
// The engine is run epoch by epoch (package-internal: New, Start, RunEpoch)
// and observed on the main view's head. A model written here from the spec
// text (altair, bellatrix and electra beacon-chain.md; no consensus rule
// function is called) starts from the engine's state at the start of
// attack_start_epoch and evolves the coalition as groups of validators with
// identical (balance, effective balance, inactivity score, exit epoch),
// epoch by epoch, in the order of process_epoch:
//
//	process_justification_and_finalization
//	process_inactivity_updates
//	process_rewards_and_penalties
//	process_registry_updates   (ejection at EJECTION_BALANCE)
//	process_slashings          (nothing is slashed)
//	process_effective_balance_updates (Electra hysteresis)
//
// What the model takes from the engine, epoch by epoch, is only what blocks
// did, which depends on who proposed when (see a33Input):
//
//   - which honest validators' attestations for epoch e were included during
//     epoch e: the current-epoch target balance that the processing of e
//     weighs. An attestation of an epoch's last slot cannot be included
//     before the next epoch (inclusion delay at least
//     MIN_ATTESTATION_INCLUSION_DELAY), and the coalition's slots have no
//     block, so this is never every honest validator and the current-epoch
//     rule cannot justify while the honest share is near two thirds;
//   - the previous epoch's participation flags of the coalition: non-zero
//     only at the processing of the attack's first epoch, whose previous
//     epoch still has the coalition's votes (they earn rewards then and
//     their inactivity scores fall), and the honest validators' source and
//     head flags, which only size those rewards;
//   - the epoch's blocks on the chain, in slot order, and for each: which
//     coalition members its withdrawal sweep reached (only the fact; the
//     model computes the amount from the spec's
//     is_fully_/is_partially_withdrawable_validator on its own state), its
//     proposer, and its sync aggregate's bits over the epoch's sync
//     committee, which the model pays and charges as process_sync_aggregate
//     does after the withdrawals of the same block. The coalition starts
//     the attack with some balance above MIN_ACTIVATION_BALANCE, and the
//     sweep takes that excess from a member it reaches before the penalties
//     have.
//
// The honest validators are treated as always timely-target for the
// previous epoch and as keeping their effective balance; the test checks
// both on the engine's state in every epoch of the window. (An honest
// attestation is included by the end of the next epoch unless that whole
// epoch has coalition proposers only; honest balances only lose source
// penalties for late inclusion, far less than the hysteresis margin, and
// gain proposer rewards.) The coalition is checked to have no participation
// flag at all from the attack start.

// Spec constants used by the model (altair/beacon-chain.md, "Incentivization
// weights"): TIMELY_SOURCE_WEIGHT, TIMELY_TARGET_WEIGHT, TIMELY_HEAD_WEIGHT,
// WEIGHT_DENOMINATOR, SYNC_REWARD_WEIGHT, PROPOSER_WEIGHT.
const (
	a33SourceWeight      = 14
	a33TargetWeight      = 26
	a33HeadWeight        = 14
	a33WeightDenominator = 64
	a33SyncRewardWeight  = 2
	a33ProposerWeight    = 8
	a33TargetFlag        = consensus.ParticipationFlags(1) << consensus.TimelyTargetFlagIndex
	a33CompoundingPrefix = 0x02
)

// a33Val is one validator's part of the state that the model tracks.
type a33Val struct {
	balance, eb        consensus.Gwei
	score              uint64
	exit, withdrawable consensus.Epoch
}

// a33Observed is what the harness saw of one epoch e of the engine's run.
type a33Observed struct {
	epoch consensus.Epoch
	// prevFlags (epoch e-1, final) and curFlags (epoch e, as included by
	// the end of e) are the participation flags in the state just before
	// the processing of epoch e.
	prevFlags, curFlags []consensus.ParticipationFlags
	// preBal are the balances just before the processing of epoch e;
	// swept marks the validators a block's withdrawal sweep reached during e.
	preBal []consensus.Gwei
	swept  []bool
	// blocks are epoch e's blocks on the chain, in slot order.
	blocks []a33Block
	// post is the state after the processing of epoch e.
	post []a33Val
}

// a33Run is one observed engine run of attack-33.
type a33Run struct {
	cfg       consensus.Config
	start     consensus.Epoch // attack_start_epoch
	byz       []bool          // by validator: in the coalition
	n         int
	init      a33Init
	obs       []a33Observed // obs[i] is epoch start+i
	rows      []EpochRow
	summary   Summary
	attackers int
	// scenarioEpochs is the run length the scenario itself asks for.
	scenarioEpochs uint64
}

// a33Init is the engine's state at the start of the attack epoch (after
// the processing of epoch start-1).
type a33Init struct {
	bits                         uint8
	prevJust, curJust, finalized consensus.Epoch
	earliestExit                 consensus.Epoch
	exitToConsume                consensus.Gwei
	vals                         []a33Val
	compounding                  []bool
}

type a33Sink struct{ rows []EpochRow }

func (s *a33Sink) Epoch(r EpochRow) error { s.rows = append(s.rows, r); return nil }
func (s *a33Sink) Event(Event) error      { return nil }

// a33Observe runs attack-33 with the given attacker_share (BLS off) until
// the rows show finality resumed (a33StallResume) and margin more epochs
// have been reported, or fails after limit epochs.
func a33Observe(tb testing.TB, share string, margin, limit uint64) *a33Run {
	tb.Helper()
	sc, err := scenarios.Load("attack-33", []scenarios.Override{{Name: "attacker_share", Value: share}})
	if err != nil {
		tb.Fatal(err)
	}
	if err := sc.SetBLS("off"); err != nil {
		tb.Fatal(err)
	}
	p, ok := sc.Param("attack_start_epoch")
	if !ok {
		tb.Fatal("attack-33 has no attack_start_epoch")
	}
	// Rows are reported only below sc.Epochs; the run is stepped here and
	// stops by itself once finality has resumed.
	scenarioEpochs := sc.Epochs
	if err := sc.SetEpochs(limit + 2); err != nil {
		tb.Fatal(err)
	}
	sink := &a33Sink{}
	e, err := New(sc, sink, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	e.Start()
	defer e.Stop()

	run := &a33Run{cfg: e.cfg, start: consensus.Epoch(p.Value), byz: e.byz, n: len(e.byz), scenarioEpochs: scenarioEpochs}
	for _, b := range e.byz {
		if b {
			run.attackers++
		}
	}
	if run.start < 3 {
		tb.Fatalf("attack_start_epoch %d: the model needs finality working before the attack", run.start)
	}
	cfg := &e.cfg
	ctx := context.Background()
	var prevHead *blockEntry
	for k := consensus.Epoch(0); ; k++ {
		if uint64(k) >= limit {
			tb.Fatalf("share %s: finality not resumed within %d epochs", share, limit)
		}
		if err := e.RunEpoch(ctx); err != nil {
			tb.Fatalf("epoch %d: %v", k, err)
		}
		// The head's chain up to the end of the previous epoch must be the
		// one observed then, so that prevPost is the state this epoch's
		// blocks were built on.
		h := e.chain.blocks[e.views[e.mainView].store.Head()]
		if prevHead != nil && e.chain.ancestorAt(h, consensus.ComputeStartSlotAtEpoch(cfg, k)-1) != prevHead {
			tb.Fatalf("epoch %d: the main head's chain changed before the epoch", k)
		}
		prevHead = h
		bd, err := e.chain.atEpochStart(h, k+1)
		if err != nil {
			tb.Fatal(err)
		}
		post := bd.st
		if k+1 == run.start {
			run.init = a33Init{
				bits:          post.JustificationBits,
				prevJust:      post.PreviousJustifiedCheckpoint.Epoch,
				curJust:       post.CurrentJustifiedCheckpoint.Epoch,
				finalized:     post.FinalizedCheckpoint.Epoch,
				earliestExit:  post.EarliestExitEpoch,
				exitToConsume: post.ExitBalanceToConsume,
				vals:          a33Vals(post),
			}
			for i := range post.Validators {
				run.init.compounding = append(run.init.compounding, post.Validators[i].WithdrawalCredentials[0] == a33CompoundingPrefix)
			}
			if len(post.PendingDeposits)+len(post.PendingConsolidations)+len(post.PendingPartialWithdrawals) > 0 {
				tb.Fatalf("pending deposits, consolidations or partial withdrawals at the attack start: not modelled")
			}
		}
		if k >= run.start {
			// The state just before the processing of epoch k.
			last := consensus.ComputeStartSlotAtEpoch(cfg, k+1) - 1
			pre, err := e.chain.postState(h)
			if err != nil {
				tb.Fatal(err)
			}
			if pre.Slot < last {
				if pre, err = e.chain.advance(pre, last); err != nil {
					tb.Fatal(err)
				}
			}
			o := a33Observed{
				epoch:     k,
				prevFlags: slices.Clone(pre.PreviousEpochParticipation),
				curFlags:  slices.Clone(pre.CurrentEpochParticipation),
				preBal:    slices.Clone(pre.Balances),
				swept:     make([]bool, len(pre.Balances)),
				post:      a33Vals(post),
				blocks:    a33Blocks(cfg, h, k, pre),
			}
			for _, b := range o.blocks {
				for i, w := range b.withdrawn {
					o.swept[i] = o.swept[i] || w
				}
			}
			run.obs = append(run.obs, o)
		}
		if n := len(sink.rows); n > 0 {
			if _, r, _, ok := a33StallResume(a33RowsFin(sink.rows)); ok && sink.rows[n-1].Epoch >= r+margin {
				break
			}
		}
	}
	res, err := e.rep.finish()
	if err != nil {
		tb.Fatal(err)
	}
	run.rows, run.summary = sink.rows, res.Summary
	return run
}

func a33Vals(st *consensus.State) []a33Val {
	out := make([]a33Val, len(st.Validators))
	for i := range st.Validators {
		v := &st.Validators[i]
		out[i] = a33Val{balance: st.Balances[i], eb: v.EffectiveBalance, score: st.InactivityScores[i], exit: v.ExitEpoch, withdrawable: v.WithdrawableEpoch}
	}
	return out
}

// a33Group is a set of coalition members in identical states.
type a33Group struct {
	members []int // validator indices, ascending
	a33Val
	compounding bool
}

// a33Model is the independent calculation: the FFG state, the coalition's
// groups, the honest validators' (constant) effective balances, and the
// exit churn state.
type a33Model struct {
	cfg      *consensus.Config
	groups   []*a33Group
	honestEB []consensus.Gwei // by validator; 0 for coalition members
	byz      []bool

	bits                         uint8 // bit 0 = current epoch, as in the state
	prevJust, curJust, finalized consensus.Epoch
	earliestExit                 consensus.Epoch
	exitToConsume                consensus.Gwei
	maxGroups                    int
}

// a33Step is the model's result for one epoch.
type a33Step struct {
	epoch                consensus.Epoch
	justified, finalized consensus.Epoch
	leak                 bool
	pre, post            []a33Val // by validator, coalition members only (others zero)
}

func newA33Model(cfg *consensus.Config, init *a33Init, byz []bool) *a33Model {
	m := &a33Model{cfg: cfg, byz: byz, honestEB: make([]consensus.Gwei, len(byz)),
		bits: init.bits, prevJust: init.prevJust, curJust: init.curJust, finalized: init.finalized,
		earliestExit: init.earliestExit, exitToConsume: init.exitToConsume}
	for i, b := range byz {
		if !b {
			m.honestEB[i] = init.vals[i].eb
			continue
		}
		m.groups = append(m.groups, &a33Group{members: []int{i}, a33Val: init.vals[i], compounding: init.compounding[i]})
	}
	m.regroup()
	return m
}

// regroup merges groups in identical states (members stay ascending).
func (m *a33Model) regroup() {
	type key struct {
		a33Val
		compounding bool
	}
	byKey := map[key]*a33Group{}
	var out []*a33Group
	for _, g := range m.groups {
		k := key{g.a33Val, g.compounding}
		if h, ok := byKey[k]; ok {
			h.members = append(h.members, g.members...)
			continue
		}
		byKey[k] = g
		out = append(out, g)
	}
	for _, g := range out {
		slices.Sort(g.members)
	}
	// Order groups by their first member so results never depend on map order.
	slices.SortFunc(out, func(a, b *a33Group) int { return a.members[0] - b.members[0] })
	m.groups = out
	m.maxGroups = max(m.maxGroups, len(out))
}

// split moves the members for which pick is true into a group of their own
// (a copy of g's state) and returns it, or nil if there are none.
func (m *a33Model) split(g *a33Group, pick func(int) bool) *a33Group {
	var in, out []int
	for _, i := range g.members {
		if pick(i) {
			in = append(in, i)
		} else {
			out = append(out, i)
		}
	}
	if len(in) == 0 {
		return nil
	}
	if len(out) == 0 {
		return g
	}
	g.members = out
	ng := &a33Group{members: in, a33Val: g.a33Val, compounding: g.compounding}
	m.groups = append(m.groups, ng)
	return ng
}

func (m *a33Model) expand() []a33Val {
	out := make([]a33Val, len(m.byz))
	for _, g := range m.groups {
		for _, i := range g.members {
			out[i] = g.a33Val
		}
	}
	return out
}

// withdrawals applies one block's process_withdrawals to the coalition
// members it reached. get_expected_withdrawals (electra) takes, for a
// validator it sweeps, the whole balance if is_fully_withdrawable_validator:
//
//	has_execution_withdrawal_credential(validator)
//	and validator.withdrawable_epoch <= epoch and balance > 0
//
// else the excess if is_partially_withdrawable_validator:
//
//	has_execution_withdrawal_credential(validator)
//	and validator.effective_balance == get_max_effective_balance(validator)
//	and balance > get_max_effective_balance(validator)
//
// amount = balance - get_max_effective_balance(validator).
func (m *a33Model) withdrawals(k consensus.Epoch, swept []bool) {
	for _, g := range slices.Clone(m.groups) {
		sg := m.split(g, func(i int) bool { return swept[i] })
		if sg == nil {
			continue
		}
		switch maxEB := m.maxEB(sg); {
		case sg.withdrawable <= k && sg.balance > 0:
			sg.balance = 0
		case sg.eb == maxEB && sg.balance > maxEB:
			sg.balance = maxEB
		}
	}
	m.regroup()
}

// syncAggregate applies one block's process_sync_aggregate to the
// coalition (altair/beacon-chain.md):
//
//	total_active_increments = get_total_active_balance(state) // EFFECTIVE_BALANCE_INCREMENT
//	total_base_rewards = get_base_reward_per_increment(state) * total_active_increments
//	max_participant_rewards = total_base_rewards * SYNC_REWARD_WEIGHT // WEIGHT_DENOMINATOR // SLOTS_PER_EPOCH
//	participant_reward = max_participant_rewards // SYNC_COMMITTEE_SIZE
//	proposer_reward = participant_reward * PROPOSER_WEIGHT // (WEIGHT_DENOMINATOR - PROPOSER_WEIGHT)
//
// and, seat by seat, a set bit pays its member participant_reward and the
// proposer proposer_reward, a clear bit takes participant_reward from its
// member (decrease_balance, clamped at zero). A member's gains are applied
// before its losses; members' balances stay far above zero here, so the
// seat order does not matter.
func (m *a33Model) syncAggregate(b *a33Block) {
	cfg := m.cfg
	inc := cfg.EffectiveBalanceIncrement
	total := m.totalActive(b.epoch)
	perInc := inc * consensus.Gwei(cfg.BaseRewardFactor) / consensus.Gwei(a33Isqrt(uint64(total)))
	maxParticipant := perInc * (total / inc) * a33SyncRewardWeight / a33WeightDenominator / consensus.Gwei(cfg.SlotsPerEpoch)
	participant := maxParticipant / consensus.Gwei(cfg.SyncCommitteeSize)
	proposer := participant * a33ProposerWeight / (a33WeightDenominator - a33ProposerWeight)
	type delta struct{ gain, loss consensus.Gwei }
	d := make([]delta, len(m.byz))
	for s, v := range b.committee {
		if b.bits[s/8]>>(s%8)&1 == 1 {
			d[v].gain += participant
			d[b.proposer].gain += proposer
		} else {
			d[v].loss += participant
		}
	}
	for _, g := range slices.Clone(m.groups) {
		for len(g.members) > 0 {
			first := d[g.members[0]]
			sg := m.split(g, func(i int) bool { return d[i] == first })
			sg.balance += first.gain
			sg.balance -= min(sg.balance, first.loss)
			if sg == g {
				break
			}
		}
	}
	m.regroup()
}

// a33Block is what one block of the observed chain did that the model
// takes as given.
type a33Block struct {
	epoch     consensus.Epoch
	withdrawn []bool                     // by validator: its withdrawal sweep reached it
	proposer  consensus.ValidatorIndex   // the block's proposer
	committee []consensus.ValidatorIndex // the sync committee of the block's state
	bits      []byte                     // its sync aggregate's bits
}

// a33Blocks returns the blocks of epoch k on h's chain, in slot order; pre
// is a state of epoch k on that chain (its current sync committee is that
// of every block of the epoch: committees rotate only at epoch processing).
func a33Blocks(cfg *consensus.Config, h *blockEntry, k consensus.Epoch, pre *consensus.State) []a33Block {
	first := consensus.ComputeStartSlotAtEpoch(cfg, k)
	var out []a33Block
	for b := h; b != nil && b.slot >= first && b.signed != nil; b = b.parent {
		if consensus.ComputeEpochAtSlot(cfg, b.slot) != k {
			continue
		}
		body := &b.signed.Message.Body
		w := make([]bool, len(pre.Validators))
		for _, wd := range body.Withdrawals {
			w[wd.ValidatorIndex] = true
		}
		out = append(out, a33Block{epoch: k, withdrawn: w, proposer: b.proposer,
			committee: pre.CurrentSyncCommittee.Indices, bits: body.SyncAggregate.SyncCommitteeBits})
	}
	slices.Reverse(out)
	return out
}

// a33Isqrt is integer_squareroot.
//
// Spec definition (phase0):
//
//	def integer_squareroot(n: uint64) -> uint64:
//	    x = n
//	    y = (x + 1) // 2
//	    while y < x:
//	        x = y
//	        y = (x + n // x) // 2
//	    return x
func a33Isqrt(n uint64) uint64 {
	x := n
	y := x/2 + x%2 // (x + 1) // 2 without overflow
	for y < x {
		x = y
		y = (x + n/x) / 2
	}
	return x
}

// maxEB is get_max_effective_balance (electra): MAX_EFFECTIVE_BALANCE_ELECTRA
// for compounding credentials, MIN_ACTIVATION_BALANCE otherwise.
func (m *a33Model) maxEB(g *a33Group) consensus.Gwei {
	if g.compounding {
		return m.cfg.MaxEffectiveBalanceElectra
	}
	return m.cfg.MinActivationBalance
}

// active is is_active_validator for a coalition member (activated at
// genesis): activation_epoch <= epoch < exit_epoch.
func a33Active(v *a33Val, epoch consensus.Epoch) bool { return epoch < v.exit }

// totalActive is get_total_active_balance at epoch k: honest validators are
// all active; max(EFFECTIVE_BALANCE_INCREMENT, sum) as in get_total_balance.
func (m *a33Model) totalActive(k consensus.Epoch) consensus.Gwei {
	var t consensus.Gwei
	for _, eb := range m.honestEB {
		t += eb
	}
	for _, g := range m.groups {
		if a33Active(&g.a33Val, k) {
			t += g.eb * consensus.Gwei(len(g.members))
		}
	}
	return max(t, m.cfg.EffectiveBalanceIncrement)
}

// a33Input is what the engine's blocks did in one epoch k, as the model
// takes it (see the file comment).
type a33Input struct {
	// prevFlags are the participation flags for epoch k-1 (final). The
	// model reads the coalition's (they are non-zero only for the processing
	// of the attack's first epoch, whose previous epoch still had the
	// coalition's votes) and the honest validators' source and head flags
	// (which only size the rewards of participants outside a leak). Honest
	// target participation is assumed, not read.
	prevFlags []consensus.ParticipationFlags
	// curTarget marks the honest validators whose timely-target attestation
	// for k was included during k.
	curTarget []bool
	// blocks are k's blocks (withdrawals, proposer, sync aggregate).
	blocks []a33Block
}

// step advances the model through epoch k: the blocks of k (withdrawal
// sweep), then the processing of epoch k.
func (m *a33Model) step(k consensus.Epoch, in a33Input) a33Step {
	cfg := m.cfg
	inc := cfg.EffectiveBalanceIncrement

	// Blocks of epoch k, in order: process_withdrawals, then
	// process_sync_aggregate (see a33Block).
	for _, b := range in.blocks {
		m.withdrawals(k, b.withdrawn)
		m.syncAggregate(&b)
	}
	m.regroup()
	out := a33Step{epoch: k, pre: m.expand()}

	// Members with different previous-epoch flags are no longer alike.
	for _, g := range slices.Clone(m.groups) {
		for _, i := range g.members {
			f := in.prevFlags[i]
			m.split(g, func(j int) bool { return in.prevFlags[j] == f })
		}
	}
	flagsOf := func(g *a33Group) consensus.ParticipationFlags { return in.prevFlags[g.members[0]] }
	has := func(f consensus.ParticipationFlags, idx int) bool { return f&(1<<idx) != 0 }

	prev := k - 1
	total := m.totalActive(k)

	// get_unslashed_participating_indices for the previous epoch, as total
	// balances (get_total_balance: max(EFFECTIVE_BALANCE_INCREMENT, sum)),
	// by flag: honest validators are all active and timely-target; the
	// coalition's members count if active in the previous epoch and flagged.
	var prevFlag [3]consensus.Gwei
	var curTarget consensus.Gwei
	for i, eb := range m.honestEB {
		if m.byz[i] {
			continue
		}
		f := in.prevFlags[i] | a33TargetFlag
		for idx := range prevFlag {
			if has(f, idx) {
				prevFlag[idx] += eb
			}
		}
		if in.curTarget[i] {
			curTarget += eb
		}
	}
	for _, g := range m.groups {
		if !a33Active(&g.a33Val, prev) {
			continue
		}
		for idx := range prevFlag {
			if has(flagsOf(g), idx) {
				prevFlag[idx] += g.eb * consensus.Gwei(len(g.members))
			}
		}
	}
	for idx := range prevFlag {
		prevFlag[idx] = max(prevFlag[idx], inc)
	}
	curTarget = max(curTarget, inc)

	// process_justification_and_finalization (altair), then phase0's
	// weigh_justification_and_finalization with previous_target_balance
	// (epoch k-1, final) and current_target_balance (epoch k, as included
	// by the end of k).
	oldPrev, oldCur := m.prevJust, m.curJust
	m.prevJust = m.curJust
	m.bits = (m.bits << 1) & 0b1111 // bits[1:] = bits[:3]; bits[0] = 0
	if prevFlag[consensus.TimelyTargetFlagIndex]*3 >= total*2 {
		m.curJust = prev
		m.bits |= 0b10
	}
	if curTarget*3 >= total*2 {
		m.curJust = k
		m.bits |= 0b01
	}
	all := func(mask uint8) bool { return m.bits&mask == mask }
	if all(0b1110) && oldPrev+3 == k { // bits[1:4], the 2nd using the 4th as source
		m.finalized = oldPrev
	}
	if all(0b0110) && oldPrev+2 == k { // bits[1:3], the 2nd using the 3rd as source
		m.finalized = oldPrev
	}
	if all(0b0111) && oldCur+2 == k { // bits[0:3], the 1st using the 3rd as source
		m.finalized = oldCur
	}
	if all(0b0011) && oldCur+1 == k { // bits[0:2], the 1st using the 2nd as source
		m.finalized = oldCur
	}
	out.justified, out.finalized = m.curJust, m.finalized

	// is_in_inactivity_leak: get_finality_delay (previous epoch - finalized
	// epoch) > MIN_EPOCHS_TO_INACTIVITY_PENALTY, on the state after
	// justification and finalization.
	leak := uint64(prev-m.finalized) > cfg.MinEpochsToInactivityPenalty
	out.leak = leak

	// process_inactivity_updates (altair) over get_eligible_validator_indices
	// (active in the previous epoch; nobody is slashed): a timely-target
	// member loses min(1, score), any other gains INACTIVITY_SCORE_BIAS;
	// then, outside a leak, every one loses min(INACTIVITY_SCORE_RECOVERY_RATE, score).
	for _, g := range m.groups {
		if !a33Active(&g.a33Val, prev) {
			continue
		}
		if has(flagsOf(g), consensus.TimelyTargetFlagIndex) {
			g.score -= min(1, g.score)
		} else {
			g.score += cfg.InactivityScoreBias
		}
		if !leak {
			g.score -= min(cfg.InactivityScoreRecoveryRate, g.score)
		}
	}

	// process_rewards_and_penalties (altair): the (rewards, penalties) of
	// get_flag_index_deltas for the source, target and head flags, then of
	// get_inactivity_penalty_deltas (bellatrix), applied pair by pair
	// (increase_balance, then decrease_balance clamped at zero).
	//
	// base_reward = effective_balance // EFFECTIVE_BALANCE_INCREMENT *
	// (EFFECTIVE_BALANCE_INCREMENT * BASE_REWARD_FACTOR //
	// integer_squareroot(total_active_balance)). A participant gets, outside
	// a leak, base_reward * weight * unslashed_participating_increments //
	// (active_increments * WEIGHT_DENOMINATOR); a non-participant loses
	// base_reward * weight // WEIGHT_DENOMINATOR for source and target. A
	// member not timely-target loses effective_balance * score //
	// (INACTIVITY_SCORE_BIAS * INACTIVITY_PENALTY_QUOTIENT_BELLATRIX).
	perInc := inc * consensus.Gwei(cfg.BaseRewardFactor) / consensus.Gwei(a33Isqrt(uint64(total)))
	activeIncs := total / inc
	weights := [3]consensus.Gwei{a33SourceWeight, a33TargetWeight, a33HeadWeight}
	dec := func(b, d consensus.Gwei) consensus.Gwei {
		if d > b {
			return 0
		}
		return b - d
	}
	for _, g := range m.groups {
		if !a33Active(&g.a33Val, prev) {
			continue
		}
		f := flagsOf(g)
		base := g.eb / inc * perInc
		for idx, w := range weights {
			switch {
			case has(f, idx) && !leak:
				g.balance += base * w * (prevFlag[idx] / inc) / (activeIncs * a33WeightDenominator)
			case !has(f, idx) && idx != consensus.TimelyHeadFlagIndex:
				g.balance = dec(g.balance, base*w/a33WeightDenominator)
			}
		}
		if !has(f, consensus.TimelyTargetFlagIndex) {
			g.balance = dec(g.balance, g.eb*consensus.Gwei(g.score)/consensus.Gwei(cfg.InactivityScoreBias*cfg.InactivityPenaltyQuotientBellatrix))
		}
	}

	// process_registry_updates (electra): in index order, every validator
	// active in the current epoch with effective_balance <= EJECTION_BALANCE
	// gets initiate_validator_exit: if not already exiting, exit_epoch =
	// compute_exit_epoch_and_update_churn(state, effective_balance) and
	// withdrawable_epoch = exit_epoch + MIN_VALIDATOR_WITHDRAWABILITY_DELAY.
	var eject []int
	for _, g := range m.groups {
		if a33Active(&g.a33Val, k) && g.eb <= cfg.EjectionBalance && g.exit == consensus.FarFutureEpoch {
			eject = append(eject, g.members...)
		}
	}
	slices.Sort(eject)
	for _, i := range eject {
		for _, g := range slices.Clone(m.groups) {
			if sg := m.split(g, func(j int) bool { return j == i }); sg != nil {
				sg.exit = m.exitEpochAndUpdateChurn(k, total, sg.eb)
				sg.withdrawable = sg.exit + consensus.Epoch(cfg.MinValidatorWithdrawabilityDelay)
				break
			}
		}
	}

	// process_effective_balance_updates (electra), with hysteresis:
	// HYSTERESIS_INCREMENT = EFFECTIVE_BALANCE_INCREMENT // HYSTERESIS_QUOTIENT;
	// if balance + DOWNWARD_THRESHOLD < effective_balance or
	// effective_balance + UPWARD_THRESHOLD < balance, the effective balance
	// becomes min(balance - balance % EFFECTIVE_BALANCE_INCREMENT,
	// get_max_effective_balance(validator)).
	hyst := inc / consensus.Gwei(cfg.HysteresisQuotient)
	down := hyst * consensus.Gwei(cfg.HysteresisDownwardMultiplier)
	up := hyst * consensus.Gwei(cfg.HysteresisUpwardMultiplier)
	for _, g := range m.groups {
		if g.balance+down < g.eb || g.eb+up < g.balance {
			g.eb = min(g.balance-g.balance%inc, m.maxEB(g))
		}
	}
	m.regroup()
	out.post = m.expand()
	return out
}

// exitEpochAndUpdateChurn is compute_exit_epoch_and_update_churn (electra)
// at current epoch k with get_total_active_balance total:
//
//	earliest_exit_epoch = max(state.earliest_exit_epoch,
//	    compute_activation_exit_epoch(get_current_epoch(state)))
//	per_epoch_churn = get_activation_exit_churn_limit(state)
//	if state.earliest_exit_epoch < earliest_exit_epoch:
//	    exit_balance_to_consume = per_epoch_churn
//	else:
//	    exit_balance_to_consume = state.exit_balance_to_consume
//	if exit_balance > exit_balance_to_consume:
//	    balance_to_process = exit_balance - exit_balance_to_consume
//	    additional_epochs = (balance_to_process - 1) // per_epoch_churn + 1
//	    earliest_exit_epoch += additional_epochs
//	    exit_balance_to_consume += additional_epochs * per_epoch_churn
//	state.exit_balance_to_consume = exit_balance_to_consume - exit_balance
//	state.earliest_exit_epoch = earliest_exit_epoch
//	return state.earliest_exit_epoch
//
// get_activation_exit_churn_limit = min(MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT,
// get_balance_churn_limit), get_balance_churn_limit = max(MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA,
// total // CHURN_LIMIT_QUOTIENT) rounded down to EFFECTIVE_BALANCE_INCREMENT;
// compute_activation_exit_epoch(e) = e + 1 + MAX_SEED_LOOKAHEAD.
func (m *a33Model) exitEpochAndUpdateChurn(k consensus.Epoch, total, exitBalance consensus.Gwei) consensus.Epoch {
	cfg := m.cfg
	churn := max(cfg.MinPerEpochChurnLimitElectra, total/consensus.Gwei(cfg.ChurnLimitQuotient))
	churn -= churn % cfg.EffectiveBalanceIncrement
	perEpoch := min(cfg.MaxPerEpochActivationExitChurnLimit, churn)
	earliest := max(m.earliestExit, k+1+consensus.Epoch(cfg.MaxSeedLookahead))
	toConsume := m.exitToConsume
	if m.earliestExit < earliest {
		toConsume = perEpoch
	}
	if exitBalance > toConsume {
		add := (exitBalance-toConsume-1)/perEpoch + 1
		earliest += consensus.Epoch(add)
		toConsume += add * perEpoch
	}
	m.exitToConsume = toConsume - exitBalance
	m.earliestExit = earliest
	return earliest
}

// a33Fin is one row's epoch and finalized epoch.
type a33Fin struct{ epoch, finalized uint64 }

func a33RowsFin(rows []EpochRow) []a33Fin {
	out := make([]a33Fin, len(rows))
	for i, r := range rows {
		out[i] = a33Fin{r.Epoch, r.FinalizedEpoch}
	}
	return out
}

// a33StallResume applies summary.json's definitions to a series of rows:
// stalled is the first epoch whose row has finalized_epoch+1 < epoch after
// finality had been working, that is after some row had finalized_epoch+1
// == epoch with a finalized epoch past genesis (the genesis checkpoint is
// finalized by fiat: row 1 shows finalized epoch 0, and row 2 cannot
// finalize anything yet because justification starts at the processing of
// epoch 2); resumed is the first later epoch whose row's finalized epoch
// exceeds the previous row's.
func a33StallResume(rows []a33Fin) (stalled, resumed uint64, okS, okR bool) {
	working := false
	for i, r := range rows {
		if r.finalized+1 == r.epoch && r.finalized > uint64(consensus.GenesisEpoch) {
			working = true
		}
		if i == 0 {
			continue
		}
		if okS && !okR && r.finalized > rows[i-1].finalized {
			resumed, okR = r.epoch, true
		}
		if !okS && working && r.finalized+1 < r.epoch {
			stalled, okS = r.epoch, true
		}
	}
	return
}

// a33Result compares one observed run with the model. problems lists every
// disagreement and every failed assumption (at most a few per kind).
type a33Result struct {
	engineStall, engineResume   uint64
	modelStall, modelResume     uint64
	summaryStall, summaryResume *uint64
	maxGroups                   int
	coalitionSweeps             int
	problems                    []string
	// counts has the number of problems by kind; the kinds in
	// a33AssumptionKinds are failed assumptions, every other kind is a
	// disagreement between the engine and the model.
	counts map[string]int
	// ejected counts the coalition members the model ejected.
	ejected int
}

var a33AssumptionKinds = []string{"honesttarget", "honesteb", "byzflags"}

// mismatches counts the problems that are disagreements between the engine
// and the model (not failed assumptions).
func (r *a33Result) mismatches() int {
	n := 0
	for kind, c := range r.counts {
		if !slices.Contains(a33AssumptionKinds, kind) {
			n += c
		}
	}
	return n
}

func a33Compare(run *a33Run) *a33Result {
	res := &a33Result{summaryStall: run.summary.FinalityStalledAtEpoch, summaryResume: run.summary.FinalityResumedEpoch}
	counts := map[string]int{}
	res.counts = counts
	report := func(kind, format string, args ...any) {
		counts[kind]++
		if counts[kind] <= 3 {
			res.problems = append(res.problems, fmt.Sprintf(format, args...))
		}
	}
	cfg := &run.cfg

	// Engine rows: one branch, one row per epoch from 0.
	rowOf := map[uint64]*EpochRow{}
	for i := range run.rows {
		r := &run.rows[i]
		if r.Branch != run.rows[0].Branch {
			report("branch", "epoch %d: second branch %q", r.Epoch, r.Branch)
		}
		if r.Epoch != uint64(i) {
			report("rows", "row %d has epoch %d", i, r.Epoch)
		}
		rowOf[r.Epoch] = r
	}
	var okS, okR bool
	res.engineStall, res.engineResume, okS, okR = a33StallResume(a33RowsFin(run.rows))
	if !okS || !okR {
		report("engine", "engine rows: stalled=%v resumed=%v", okS, okR)
	}

	// The model, from the state at the start of the attack epoch.
	if run.init.finalized+2 != run.start {
		report("init", "finalized epoch %d at the start of epoch %d: finality was not working before the attack", run.init.finalized, run.start)
	}
	m := newA33Model(cfg, &run.init, run.byz)
	modelFin := []a33Fin{{uint64(run.start - 1), uint64(run.init.finalized)}}
	for _, o := range run.obs {
		k := o.epoch
		// Assumptions: every honest validator timely-target in the previous
		// epoch; no coalition member has any flag from the attack start;
		// honest effective balances unchanged.
		cur := make([]bool, run.n)
		for i := 0; i < run.n; i++ {
			if run.byz[i] {
				if o.curFlags[i] != 0 || (k > run.start && o.prevFlags[i] != 0) {
					report("byzflags", "epoch %d: coalition member %d has flags prev=%b cur=%b", k, i, o.prevFlags[i], o.curFlags[i])
				}
				continue
			}
			if o.prevFlags[i]&a33TargetFlag == 0 {
				report("honesttarget", "epoch %d: honest validator %d not timely-target in epoch %d", k, i, k-1)
			}
			if o.post[i].eb != run.init.vals[i].eb {
				report("honesteb", "epoch %d: honest validator %d effective balance %d, was %d", k, i, o.post[i].eb, run.init.vals[i].eb)
			}
			cur[i] = o.curFlags[i]&a33TargetFlag != 0
		}
		st := m.step(k, a33Input{prevFlags: o.prevFlags, curTarget: cur, blocks: o.blocks})
		modelFin = append(modelFin, a33Fin{uint64(k), uint64(st.finalized)})
		for i := 0; i < run.n; i++ {
			if !run.byz[i] {
				continue
			}
			if o.swept[i] {
				res.coalitionSweeps++
			}
			if st.pre[i].balance != o.preBal[i] {
				report("prebal", "epoch %d: validator %d balance before epoch processing: engine %d, model %d (swept %v)", k, i, o.preBal[i], st.pre[i].balance, o.swept[i])
			}
			if st.post[i] != o.post[i] {
				report("post", "epoch %d: validator %d after epoch processing: engine %+v, model %+v", k, i, o.post[i], st.post[i])
			}
		}
		if r := rowOf[uint64(k)]; r != nil {
			if r.FinalizedEpoch != uint64(st.finalized) || r.JustifiedEpoch != uint64(st.justified) || r.InInactivityLeak != st.leak {
				report("row", "epoch %d: engine row justified %d finalized %d leak %v; model justified %d finalized %d leak %v",
					k, r.JustifiedEpoch, r.FinalizedEpoch, r.InInactivityLeak, st.justified, st.finalized, st.leak)
			}
		}
	}
	res.maxGroups = m.maxGroups
	for _, g := range m.groups {
		if g.exit != consensus.FarFutureEpoch {
			res.ejected += len(g.members)
		}
	}
	res.modelStall, res.modelResume, okS, okR = a33StallResume(modelFin)
	if !okS || !okR {
		report("model", "model: stalled=%v resumed=%v within the observed epochs", okS, okR)
	}
	for kind, c := range counts {
		if c > 3 {
			res.problems = append(res.problems, fmt.Sprintf("... %d %s problems in all", c, kind))
		}
	}
	slices.Sort(res.problems)
	return res
}

func a33Ptr(p *uint64) string {
	if p == nil {
		return "none"
	}
	return strconv.FormatUint(*p, 10)
}

// TestAttack33FinalityMatchesSpecArithmetic: for attacker shares 0.34 (87
// of 256 validators) and 0.345 (88, whose coalition must lose a second
// effective-balance increment), the epochs at which finality stalls and
// resumes, and the rows' justified and finalized epochs and leak flags in
// every epoch from the attack start to past the resumption, equal the
// model's; so do the coalition's balances, effective balances, inactivity
// scores and exit epochs before and after every epoch processing. The
// summary (summary.json) must report the same stall and resume epochs, and
// the scenario's own run length must reach the resumption.
//
// Reference: altair/beacon-chain.md "Justification and finalization",
// "Inactivity scores", "Rewards and penalties"; bellatrix
// get_inactivity_penalty_deltas; electra process_registry_updates,
// process_effective_balance_updates, process_withdrawals; phase0
// weigh_justification_and_finalization, is_in_inactivity_leak.
func TestAttack33FinalityMatchesSpecArithmetic(t *testing.T) {
	for _, share := range []string{"0.34", "0.345"} {
		t.Run(share, func(t *testing.T) {
			run := a33Observe(t, share, 4, 3000)
			res := a33Compare(run)
			for _, p := range res.problems {
				t.Error(p)
			}
			if res.engineStall != res.modelStall || res.engineResume != res.modelResume {
				t.Errorf("rows: stalled %d resumed %d; model: stalled %d resumed %d",
					res.engineStall, res.engineResume, res.modelStall, res.modelResume)
			}
			// The attack stops finality in its first epoch: the processing of
			// epoch start still justifies start-1 (the coalition voted in it),
			// but the current epoch lacks the coalition's votes, so nothing
			// newer than start-2 is finalized (phase0
			// weigh_justification_and_finalization).
			if res.modelStall != uint64(run.start) {
				t.Errorf("model stalls at %d, want the attack start %d", res.modelStall, run.start)
			}
			// summary.json: the first epoch, after finality had started, whose
			// processing did not finalize the epoch before it, and the first
			// later epoch at which finality advanced (README).
			if a33Ptr(res.summaryStall) != strconv.FormatUint(res.modelStall, 10) || a33Ptr(res.summaryResume) != strconv.FormatUint(res.modelResume, 10) {
				t.Errorf("summary: finality_stalled_at_epoch %s finality_resumed_epoch %s; model: %d and %d",
					a33Ptr(res.summaryStall), a33Ptr(res.summaryResume), res.modelStall, res.modelResume)
			}
			if run.scenarioEpochs <= res.modelResume {
				t.Errorf("attack-33 at attacker_share %s runs %d epochs by default; finality resumes at %d", share, run.scenarioEpochs, res.modelResume)
			}
			t.Logf("share %s: %d attackers; stalled %d, resumed %d (%d epochs without finality); %d withdrawals from the coalition after the attack start; at most %d coalition groups",
				share, run.attackers, res.modelStall, res.modelResume, res.modelResume-res.modelStall, res.coalitionSweeps, res.maxGroups)
		})
	}
}

// BenchmarkAttack33Figure runs attack-33 once per share too long for the
// test suite and reports the epochs without finality (resumed - stalled)
// of the engine's rows and of the model, the number of disagreements
// between them (balances, effective balances, scores and exit epochs of
// the coalition, rows), the honest validator-epochs that missed the
// previous epoch's target (the model assumes none), and the coalition
// members ejected. The problems found are logged.
func BenchmarkAttack33Figure(b *testing.B) {
	for _, share := range []string{"0.40", "0.45", "0.50"} {
		b.Run(share, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				run := a33Observe(b, share, 4, 20000)
				res := a33Compare(run)
				for _, p := range res.problems {
					b.Log(p)
				}
				b.ReportMetric(float64(res.engineResume-res.engineStall), "engine-epochs-without-finality")
				b.ReportMetric(float64(res.modelResume-res.modelStall), "model-epochs-without-finality")
				b.ReportMetric(float64(res.modelStall), "model-stalled-epoch")
				b.ReportMetric(float64(res.mismatches()), "mismatches")
				b.ReportMetric(float64(res.counts["honesttarget"]), "honest-target-misses")
				b.ReportMetric(float64(res.ejected), "ejected")
			}
		})
	}
}
