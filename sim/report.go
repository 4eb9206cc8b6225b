package sim

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"github.com/stakesim/stakesim/internal/buildinfo"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics"
)

// reporter turns the chain's branch heads into epochs.csv rows, events and
// the summary. Rows of epoch e are written at the end of epoch e+1, when
// every attestation for e that will ever be included has had its chance.
type reporter struct {
	e    *Engine
	sink Sink
	// groupSink and blockSink are sink as a GroupSink and a BlockSink, nil
	// when it is not one (nothing is computed for them then).
	groupSink GroupSink
	blockSink BlockSink
	// err is the first error the sink returned: sticky, it ends the run.
	err error

	pending []*pendingRow
	rows    uint64

	longestGap uint64
	branches   map[string]bool
	lastEpoch  *pendingRow // canonical row of the last reported epoch

	sumProposals, sumMissed, sumAggs, sumSigs, sumFailures uint64
	apr                                                    aprWindow // the summary branch's last epochs, for the APR
	failuresSeen                                           []uint64
	ejectedN                                               uint64

	// attack measurements
	detections        uint64
	reorgCount        uint64
	reorgMax          uint64
	proposerReorgs    uint64
	conflict          *ConflictingFinalization
	conflictFraction  float64
	stalledAt         *uint64
	resumedAt         *uint64
	watch             FinalityWatch // the summary branch's stalls
	attackerSlashedEB uint64
	whistleblowerGwei uint64
	penalties         map[int]*groupPenalty // by group index, summary branch

	// lifecycle measurements (summary branch)
	firstRow                           *pendingRow
	consAccepted, consCompleted        uint64
	depositReqs, exitReqs, partialReqs uint64
	lastConsolidation                  *uint64
	consRequested, switchesRequested   uint64
	firstConsRequest                   *uint64
}

// proposerReorg counts one honest proposal built on the head's parent.
func (r *reporter) proposerReorg() { r.proposerReorgs++ }

// reorg counts one reorganisation of an honest view's head.
func (r *reporter) reorg(depth uint64) {
	r.reorgCount++
	r.reorgMax = max(r.reorgMax, depth)
}

type pendingRow struct {
	row                   EpochRow
	consolidationsApplied int
	requests              consensus.RequestsReport // of the epoch's blocks
	head                  *blockEntry
	state                 *consensus.State // boundary state at the start of epoch+1 (read-only)
	views                 []int
	groups                []GroupRow // groups.csv rows, from state (with a GroupSink)
	// participationPPM is known once the next epoch ends (filled);
	// partialPPM is what the epoch's own processing saw, for branches
	// abandoned before then.
	participationPPM, partialPPM uint64
	filled                       bool
}

func newReporter(e *Engine, sink Sink) *reporter {
	r := &reporter{
		e: e, sink: sink,
		branches:     map[string]bool{},
		failuresSeen: make([]uint64, len(e.views)),
	}
	r.groupSink, _ = sink.(GroupSink)
	r.blockSink, _ = sink.(BlockSink)
	return r
}

// event sends one event to the sink. The first sink error is kept (later
// events are dropped) and stops the run at the end of the slot (sinkErr).
func (r *reporter) event(ev Event) {
	if r.sink == nil || r.err != nil {
		return
	}
	if err := r.sink.Event(ev); err != nil {
		r.err = fmt.Errorf("sim: writing event %q of epoch %d: %w", ev.Kind, ev.Epoch, err)
	}
}

func ppm(num, den consensus.Gwei) uint64 {
	if den == 0 {
		return 0
	}
	// 128-bit product: balances in Gwei times 1e6 overflow 64 bits.
	hi, lo := bits.Mul64(uint64(num), 1_000_000)
	if hi >= uint64(den) {
		return ^uint64(0)
	}
	q, _ := bits.Div64(hi, lo, uint64(den))
	return q
}

// branchHeads groups views by their head, returning for each distinct head
// the sorted view ids, ordered by branch label.
func (e *Engine) branchHeads() ([]*blockEntry, [][]int, []string) {
	byHead := map[consensus.Root][]int{}
	var order []consensus.Root
	for _, v := range e.views {
		h := v.store.Head()
		if _, ok := byHead[h]; !ok {
			order = append(order, h)
		}
		byHead[h] = append(byHead[h], v.id)
	}
	type br struct {
		head  *blockEntry
		views []int
		label string
	}
	var brs []br
	for _, h := range order {
		ids := byHead[h]
		names := make([]string, len(ids))
		for i, id := range ids {
			names[i] = e.views[id].name
		}
		brs = append(brs, br{e.chain.blocks[h], ids, strings.Join(names, "+")})
	}
	sort.Slice(brs, func(i, j int) bool { return brs[i].label < brs[j].label })
	heads := make([]*blockEntry, len(brs))
	views := make([][]int, len(brs))
	labels := make([]string, len(brs))
	for i, b := range brs {
		heads[i], views[i], labels[i] = b.head, b.views, b.label
	}
	return heads, views, labels
}

// writeRows completes the previous epoch's rows — their target
// participation is final with this boundary's epoch processing — and
// writes them, with those of abandoned branches as they stood.
func (r *reporter) writeRows(b *EpochBoundary) error {
	e := r.e
	if b.Epoch > 0 {
		for _, br := range b.Branches {
			anc := e.chain.ancestorAt(br.head, lastSlotOf(&e.cfg, b.Epoch-1))
			for _, p := range r.pending {
				if !p.filled && anc == p.head {
					p.participationPPM = ppm(br.Report.PreviousTargetBalance, br.Report.TotalActiveBalance)
					p.filled = true
				}
			}
		}
	}
	return r.flush()
}

// buildRows builds this epoch's rows, one per branch; they are written
// when the next epoch ends (writeRows).
func (r *reporter) buildRows(b *EpochBoundary) {
	r.pending = r.pending[:0]
	for _, br := range b.Branches {
		r.pending = append(r.pending, r.makeRow(b.Epoch, br))
	}
}

func lastSlotOf(cfg *consensus.Config, epoch consensus.Epoch) consensus.Slot {
	return consensus.ComputeStartSlotAtEpoch(cfg, epoch+1) - 1
}

func (r *reporter) flush() error {
	for _, p := range r.pending {
		if !p.filled {
			p.participationPPM = p.partialPPM
		}
		p.row.TargetParticipationPPM = p.participationPPM // the row is complete only now
		if p.row.Epoch >= r.e.limit {
			continue // the settling epoch is not reported
		}
		if r.sink != nil {
			if err := r.sink.Epoch(p.row); err != nil {
				return err
			}
		}
		if err := r.writeGroups(p); err != nil {
			return err
		}
		r.rows++
		r.branches[p.row.Branch] = true
		if gap := p.row.Epoch - p.row.FinalizedEpoch; gap > r.longestGap {
			r.longestGap = gap
		}
		r.sumProposals += p.row.Proposals
		r.sumMissed += p.row.MissedProposals
		r.sumAggs += p.row.AggregatesVerified
		r.sumSigs += p.row.Signatures
		r.sumFailures += p.row.VerifyFailures
		if containsInt(p.views, r.e.mainView) {
			r.lastEpoch = p
			if r.firstRow == nil {
				r.firstRow = p
			}
			r.apr.add(&p.row)
			r.mainRow(p)
			r.consAccepted += uint64(p.requests.Consolidations)
			r.depositReqs += uint64(p.requests.Deposits)
			r.exitReqs += uint64(p.requests.Exits)
			r.partialReqs += uint64(p.requests.PartialWithdrawals)
			if p.consolidationsApplied > 0 {
				r.consCompleted += uint64(p.consolidationsApplied)
				ep := p.row.Epoch
				r.lastConsolidation = &ep
			}
		}
	}
	r.pending = nil
	return nil
}

func containsInt(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// makeRow builds the row of epoch for one branch from its boundary, with
// the restaking columns as the economic phase left them.
func (r *reporter) makeRow(epoch consensus.Epoch, br *BranchBoundary) *pendingRow {
	e := r.e
	st, rep, prev := br.Post, br.Report, br.Pre
	row := EpochRow{
		Epoch:                  uint64(epoch),
		Branch:                 br.Label,
		JustifiedEpoch:         uint64(st.CurrentJustifiedCheckpoint.Epoch),
		FinalizedEpoch:         uint64(st.FinalizedCheckpoint.Epoch),
		TotalActiveBalanceGwei: uint64(rep.TotalActiveBalance),
		TotalBalanceGwei:       uint64(st.TotalBalance()),
		InInactivityLeak:       rep.InInactivityLeak,
		IssuanceGwei:           uint64(st.Ledger.Issued - prev.Ledger.Issued),
		PenaltiesGwei:          uint64(st.Ledger.Burned - prev.Ledger.Burned),
	}
	registryRow(&row, st, epoch)
	e.lifecycleRow(&row, st, rep, epoch)
	reqs := r.blocksRow(&row, epoch, br.head)
	for _, id := range br.Views {
		v := e.views[id]
		row.VerifyFailures += v.verifyFailures - r.failuresSeen[id]
		r.failuresSeen[id] = v.verifyFailures
	}
	r.attackRow(&row, br, epoch)
	if e.rs != nil {
		e.rs.fill(&row)
	}
	p := &pendingRow{row: row, head: br.head, state: st, views: br.Views,
		partialPPM:            ppm(rep.CurrentTargetBalance, rep.TotalActiveBalance),
		consolidationsApplied: rep.ConsolidationsApplied, requests: reqs}
	if r.groupSink != nil {
		p.groups = r.groupRows(epoch, br.Label, st)
	}
	return p
}

// exitedBy is the one rule by which a validator counts as exited in the
// row of epoch (exited_validators, summary.json's exited_validators,
// groups.csv's exited): its exit epoch is at most epoch+1, the epoch whose
// first slot the row's state is at.
func exitedBy(v *consensus.Validator, epoch consensus.Epoch) bool {
	return v.ExitEpoch <= epoch+1
}

// registryRow fills a row's validator counts from the branch's state.
func registryRow(row *EpochRow, st *consensus.State, epoch consensus.Epoch) {
	for i := range st.Validators {
		v := &st.Validators[i]
		if consensus.IsActiveValidator(v, epoch) {
			row.ActiveValidators++
		}
		if v.Slashed {
			row.SlashedValidators++
		}
		if exitedBy(v, epoch) {
			row.ExitedValidators++
		}
		if v.ExitEpoch > epoch && consensus.HasCompoundingWithdrawalCredential(v) {
			row.CompoundingValidators++
		}
		if consensus.IsActiveValidator(v, epoch) && uint64(v.EffectiveBalance) > row.MaxEffectiveBalanceGwei {
			row.MaxEffectiveBalanceGwei = uint64(v.EffectiveBalance)
		}
	}
}

// blocksRow fills a row's block columns from the epoch's blocks on the
// branch whose head is h, and returns what their execution requests did.
func (r *reporter) blocksRow(row *EpochRow, epoch consensus.Epoch, h *blockEntry) consensus.RequestsReport {
	e := r.e
	var reqs consensus.RequestsReport
	var syncBits uint64
	first := consensus.ComputeStartSlotAtEpoch(&e.cfg, epoch)
	last := lastSlotOf(&e.cfg, epoch)
	slots := uint64(e.cfg.SlotsPerEpoch)
	if epoch == 0 {
		slots-- // slot 0 is genesis
	}
	for b := h; b != nil && b.slot >= first; b = b.parent {
		if b.slot > last || b == e.chain.genesis {
			continue
		}
		row.Proposals++
		row.AggregatesVerified += uint64(b.report.AggregatesVerified)
		row.Signatures += uint64(b.report.Signatures)
		row.AttestationBytes += attestationBytes(&e.cfg, &b.signed.Message)
		row.BlockAttestations += uint64(len(b.signed.Message.Body.Attestations))
		row.VoluntaryExits += uint64(b.report.VoluntaryExits)
		row.BLSChanges += uint64(b.report.BLSToExecutionChanges)
		syncBits += uint64(b.report.SyncParticipants)
		row.SyncRewardsGwei += uint64(b.report.SyncRewards)
		row.SyncPenaltiesGwei += uint64(b.report.SyncPenalties)
		rr := &b.report.Requests
		reqs.Deposits += rr.Deposits
		reqs.Exits += rr.Exits
		reqs.PartialWithdrawals += rr.PartialWithdrawals
		reqs.Consolidations += rr.Consolidations
	}
	row.MissedProposals = slots - row.Proposals
	if seats := row.Proposals * e.cfg.SyncCommitteeSize; seats > 0 {
		row.SyncParticipationPPM = syncBits * 1_000_000 / seats
	}
	return reqs
}

// chainEvents emits what the epoch's processing did on each branch —
// justified, finalized, leak started or ended, slashed, exited, ejected —
// then a conflicting finalization; and it keeps the summary branch's
// slashing and ejection figures for the summary.
func (r *reporter) chainEvents(b *EpochBoundary) {
	for _, br := range b.Branches {
		if uint64(b.Epoch) < r.e.limit {
			r.branchEvents(b.Epoch, br)
		}
		if br == b.Summary && uint64(b.Epoch) < r.e.limit {
			r.summarySlashings(b.Epoch, br)
		}
	}
	if c := b.Conflict; c != nil {
		r.conflict, r.conflictFraction = &c.record, c.fraction
		cf := c.record
		r.event(newEvent(uint64(b.Epoch), uint64(consensus.ComputeStartSlotAtEpoch(&r.e.cfg, b.Epoch+1)), "",
			ConflictingFinalizationDetails{BranchA: cf.BranchA, CheckpointA: cf.CheckpointA, BranchB: cf.BranchB, CheckpointB: cf.CheckpointB,
				SlashableGwei: cf.SlashableGwei, SlashableFraction: round6(c.fraction), Cause: cf.Cause}))
	}
}

// branchEvents emits one branch's events of the epoch (its processing
// happened at the first slot of the next epoch).
func (r *reporter) branchEvents(epoch consensus.Epoch, br *BranchBoundary) {
	e := r.e
	cfg := &e.cfg
	st, prev, label := br.Post, br.Pre, br.Label
	evSlot := uint64(consensus.ComputeStartSlotAtEpoch(cfg, epoch+1))
	if st.CurrentJustifiedCheckpoint.Epoch > prev.CurrentJustifiedCheckpoint.Epoch {
		cp := st.CurrentJustifiedCheckpoint
		r.event(newEvent(uint64(epoch), evSlot, label, JustifiedDetails{CheckpointEpoch: uint64(cp.Epoch), Root: fmt.Sprintf("%x", cp.Root[:8])}))
	}
	if st.FinalizedCheckpoint.Epoch > prev.FinalizedCheckpoint.Epoch {
		cp := st.FinalizedCheckpoint
		r.event(newEvent(uint64(epoch), evSlot, label, FinalizedDetails{CheckpointEpoch: uint64(cp.Epoch), Root: fmt.Sprintf("%x", cp.Root[:8])}))
	}
	wasLeak := consensus.IsInInactivityLeak(cfg, prev)
	nowLeak := consensus.IsInInactivityLeak(cfg, st)
	if nowLeak && !wasLeak {
		r.event(newEvent(uint64(epoch), evSlot, label, LeakStartedDetails{FinalizedEpoch: uint64(st.FinalizedCheckpoint.Epoch)}))
	}
	if wasLeak && !nowLeak {
		r.event(newEvent(uint64(epoch), evSlot, label, LeakEndedDetails{FinalizedEpoch: uint64(st.FinalizedCheckpoint.Epoch)}))
	}
	n := len(prev.Validators)
	for i := range st.Validators {
		v := &st.Validators[i]
		wasSlashed := i < n && prev.Validators[i].Slashed
		if v.Slashed && !wasSlashed {
			r.event(newEvent(uint64(epoch), evSlot, label, SlashedDetails{Validator: uint64(i), Group: e.groupName(i)}))
		}
		if v.ExitEpoch == epoch+1 {
			r.event(newEvent(uint64(epoch), evSlot, label, ExitedDetails{Validator: uint64(i), Group: e.groupName(i), Slashed: v.Slashed}))
		}
	}
	for _, vi := range br.Report.Ejected {
		r.event(newEvent(uint64(epoch), evSlot, label, EjectedDetails{Validator: uint64(vi), Group: e.groupName(int(vi)), BalanceGwei: uint64(st.Balances[vi])}))
	}
}

// summarySlashings keeps the summary branch's ejections, correlation
// penalties, and the slashings and whistleblower rewards of the epoch's
// blocks, as consensus reports what slash_validator applied.
func (r *reporter) summarySlashings(epoch consensus.Epoch, br *BranchBoundary) {
	e := r.e
	r.ejectedN += uint64(len(br.Report.Ejected))
	for k, vi := range br.Report.CorrelationPenalized {
		r.groupPenalty(int(vi)).correlation += uint64(br.Report.CorrelationPenalties[k])
	}
	first := consensus.ComputeStartSlotAtEpoch(&e.cfg, epoch)
	last := lastSlotOf(&e.cfg, epoch)
	for b := br.head; b != nil && b.slot >= first; b = b.parent {
		if b.slot > last || b == e.chain.genesis || len(b.report.Slashings) == 0 || b.slashCounted {
			continue
		}
		b.slashCounted = true
		for _, sr := range b.report.Slashings {
			r.whistleblowerGwei += uint64(sr.WhistleblowerReward)
			if e.byz[sr.Validator] {
				r.attackerSlashedEB += uint64(sr.EffectiveBalance)
			}
			gp := r.groupPenalty(int(sr.Validator))
			gp.slashedEB += uint64(sr.EffectiveBalance)
			gp.initial += uint64(sr.InitialPenalty)
		}
	}
}

func (e *Engine) groupName(i int) string {
	if i < len(e.groupOfVal) {
		return e.sc.Groups[e.groupOfVal[i]].Name
	}
	return ""
}

// summaryLabel is the label of the summary (main view's) branch at the
// last epoch boundary; "" before the first.
func (r *reporter) summaryLabel() string {
	for _, pr := range r.pending {
		if containsInt(pr.views, r.e.mainView) {
			return pr.row.Branch
		}
	}
	return ""
}

func (r *reporter) progress(epoch uint64) Progress {
	p := Progress{Epoch: epoch + 1, Epochs: r.e.sc.Epochs, Branches: len(r.pending)}
	for _, pr := range r.pending {
		if containsInt(pr.views, r.e.mainView) {
			p.FinalizedEpoch = pr.row.FinalizedEpoch
			p.JustifiedEpoch = pr.row.JustifiedEpoch
		}
	}
	return p
}

// finish flushes nothing more (the settling epoch's rows are dropped),
// writes the blocks.csv rows of the blocks still held, and builds the
// summary from the main (first honest) view's branch.
func (r *reporter) finish() (*Result, error) {
	e := r.e
	// blocks.csv's last batch: every block still held.
	if err := r.settleHeldBlocks(); err != nil {
		return nil, err
	}
	sc := e.sc
	s := Summary{
		Scenario:    sc.Name,
		Description: sc.Description,
		Seed:        sc.Seed,
		Preset:      sc.Preset,
		Epochs:      sc.Epochs,
		// An interrupted run reports the epochs before the one it was
		// running when interrupted (see Engine.Run).
		CompletedEpochs: e.limit,
		Interrupted:     e.interrupted,
		Validators:      uint64(len(e.agentOfVal)),
		Agents:          e.agentCounts(),
		// Start launched one goroutine per agent; the summary is built
		// before Stop ends them.
		AgentGoroutines: uint64(len(e.workers)),
		BLSMode:         string(sc.BLS),
		SpecVersion:     consensus.SpecVersion,
	}
	build := buildinfo.Read()
	s.StakesimVersion, s.Commit, s.GoVersion = build.Version, build.Commit, build.GoVersion
	if e.mode == agents.SignOff {
		s.BLSWarning = "BLS IS OFF: no signature was produced or verified in this run"
	}
	for _, p := range sc.Params {
		pv := ParamValue{Name: p.Name, Value: p.Value}
		if len(p.Values) > 0 {
			pv.Choice = p.Text
		}
		s.Params = append(s.Params, pv)
	}
	for b := range r.branches {
		s.Branches = append(s.Branches, b)
	}
	sort.Strings(s.Branches)
	s.LongestFinalityGapEpochs = r.longestGap
	s.Signatures, s.AggregatesVerified, s.VerifyFailures = r.sumSigs, r.sumAggs, r.sumFailures
	s.Proposals, s.MissedProposals = r.sumProposals, r.sumMissed
	if p := r.lastEpoch; p != nil {
		if err := r.finalState(&s, p); err != nil {
			return nil, err
		}
	}
	s.EjectedValidators = r.ejected()
	s.FinalityStalledAtEpoch, s.FinalityResumedEpoch = r.stalledAt, r.resumedAt
	if r.conflict != nil {
		s.ConflictingFinalization = r.conflict
		f := round6(r.conflictFraction)
		s.SlashableFractionAtConflict = &f
	}
	s.AttackerSlashedGwei = r.attackerSlashedEB
	s.WhistleblowerRewardsGwei = r.whistleblowerGwei
	s.SlashingsDetected = r.detections
	s.Reorgs = ReorgSummary{Count: r.reorgCount, MaxDepth: r.reorgMax, Proposer: r.proposerReorgs}
	var start, end int64
	for _, g := range s.Groups {
		if g.Coalition == "" {
			start += int64(g.StartBalanceGwei)
			end += int64(g.EndBalanceGwei)
		}
	}
	s.HonestLossGwei = start - end
	r.lifecycleSummary(&s)
	e.byzantine.summary(&s)
	if e.rs != nil {
		s.Restaking = e.rs.summary()
	}
	if e.lst != nil {
		var err error
		if s.LiquidStaking, err = e.lst.finish(consensus.Epoch(e.limit)); err != nil {
			return nil, err
		}
	}
	if e.mk != nil {
		s.Markets = e.mk.summary()
	}
	return &Result{Summary: s}, nil
}

// finalState fills the summary's figures of the summary branch's last
// reported state: registry counts, issuance and penalties, groups, APR.
func (r *reporter) finalState(s *Summary, p *pendingRow) error {
	e := r.e
	st := p.state
	s.Validators = uint64(len(st.Validators)) // genesis plus those deposits created
	s.SummaryBranch = p.row.Branch
	s.JustifiedEpoch = p.row.JustifiedEpoch
	s.FinalizedEpoch = p.row.FinalizedEpoch
	s.TotalIssuanceGwei = uint64(st.Ledger.Issued)
	s.TotalPenaltiesGwei = uint64(st.Ledger.Burned)
	for i := range st.Validators {
		v := &st.Validators[i]
		if v.Slashed {
			s.SlashedValidators++
		}
		if exitedBy(v, consensus.Epoch(p.row.Epoch)) {
			s.ExitedValidators++
		}
	}
	groups, err := r.groupSummaries(st)
	if err != nil {
		return err
	}
	s.Groups = groups
	r.apr.fill(s, &e.cfg)
	return nil
}

// aprWindowEpochs is the APR window's length: the steady-state APR is
// measured over the summary branch's last aprWindowEpochs reported epochs
// (fewer in a shorter run), epoch 0 excluded. 64 epochs smooth the
// proposer schedule's luck (a few blocks an epoch on the minimal preset)
// and keep a run's start (epoch 0 pays no attestation rewards; the first
// finality, the first deposits) out of all but short runs.
const aprWindowEpochs = 64

// aprWindow keeps the figures of the summary branch's last aprWindowEpochs
// reported rows, epoch 0 excluded, in a ring: bounded memory, whatever the
// run's length.
type aprWindow struct {
	rows [aprWindowEpochs]aprRow
	n    uint64 // rows added; the ring holds the last min(n, aprWindowEpochs)
}

type aprRow struct{ issued, burned, active, validators uint64 }

// add keeps a summary-branch row (in epoch order; the reporter passes the
// reported epochs only).
func (w *aprWindow) add(row *EpochRow) {
	if row.Epoch == 0 {
		return // no attestation rewards: it would bias the APR low
	}
	w.rows[w.n%aprWindowEpochs] = aprRow{row.IssuanceGwei, row.PenaltiesGwei, row.TotalActiveBalanceGwei, row.ActiveValidators}
	w.n++
}

// fill sets the summary's APR figures from the window (see Summary's APR
// fields). The sums are taken in float64: 64 epochs of active balance can
// pass 2^64 Gwei with large MaxEB registries.
func (w *aprWindow) fill(s *Summary, cfg *consensus.Config) {
	k := min(w.n, aprWindowEpochs)
	s.APRWindowEpochs = k
	if k == 0 {
		return
	}
	var issued, burned, active, validators float64
	for _, r := range w.rows[:k] {
		issued += float64(r.issued)
		burned += float64(r.burned)
		active += float64(r.active)
		validators += float64(r.validators)
	}
	if active == 0 {
		return
	}
	s.APRActiveBalanceGwei = uint64(active/float64(k) + 0.5)
	// The window's issuance per epoch over its mean active balance is its
	// total issuance over the sum of its active balances.
	perUnit := economics.AnnualisedPercent(cfg, 1, 1) // percent a year for earning the whole stake every epoch
	s.APRPercent = round6(issued / active * perUnit)
	s.NetAPRPercent = round6((issued - burned) / active * perUnit)
	if validators > 0 {
		s.NetLossETHPerValidator = round6((burned - issued) / 1e9 / (validators / float64(k)))
	}
}

func (r *reporter) ejected() uint64 { return r.ejectedN }

func (r *reporter) groupSummaries(st *consensus.State) ([]GroupSummary, error) {
	e := r.e
	g0 := e.chain.genesis.post
	var out []GroupSummary
	for gi, g := range e.sc.Groups {
		gs := GroupSummary{Name: g.Name, Coalition: g.Coalition}
		r.fillPenalties(&gs, gi)
		vals, err := e.registry.ValidatorsOfGroup(g.Name)
		if err != nil {
			return nil, err
		}
		for _, vi := range vals {
			if vi >= uint64(len(st.Validators)) {
				continue // a deposit that has not created its validator
			}
			gs.Validators++
			if vi < uint64(len(g0.Balances)) { // else created by a deposit during the run
				gs.StartBalanceGwei += uint64(g0.Balances[vi])
			}
			gs.EndBalanceGwei += uint64(st.Balances[vi])
			if st.Validators[vi].Slashed {
				gs.Slashed++
			}
		}
		out = append(out, gs)
	}
	return out, nil
}

func round6(x float64) float64 {
	const f = 1e6
	if x < 0 {
		return -float64(int64(-x*f+0.5)) / f
	}
	return float64(int64(x*f+0.5)) / f
}

// mainRow follows finality on the summary branch with the one stall rule
// (FinalityWatch): the summary keeps the first stall and its resume.
func (r *reporter) mainRow(p *pendingRow) {
	begins, resumed := r.watch.Row(p.row.Epoch, p.row.FinalizedEpoch)
	if begins && r.stalledAt == nil {
		v := p.row.Epoch
		r.stalledAt = &v
	}
	if resumed && r.resumedAt == nil {
		v := p.row.Epoch
		r.resumedAt = &v
	}
}

// attackRow fills a row's attack columns: the coalition's share of the
// active effective balance (from the boundary), honest and coalition
// balances, and the stake some slasher on the branch has evidence against
// but which is not slashed.
func (r *reporter) attackRow(row *EpochRow, br *BranchBoundary, epoch consensus.Epoch) {
	e := r.e
	st := br.Post
	pending := map[consensus.ValidatorIndex]bool{}
	for _, id := range br.Views {
		if s := e.views[id].slasher; s != nil {
			for _, vi := range s.Pending(st) {
				pending[vi] = true
			}
		}
	}
	for i := range st.Validators {
		v := &st.Validators[i]
		if i < len(e.byz) && e.byz[i] {
			row.AttackerBalanceGwei += uint64(st.Balances[i])
		} else {
			row.HonestBalanceGwei += uint64(st.Balances[i])
		}
		if pending[consensus.ValidatorIndex(i)] && !v.Slashed {
			row.SlashableStakeGwei += uint64(v.EffectiveBalance)
		}
	}
	row.AttackerStakeSharePPM = ppm(br.ByzantineGwei, br.ActiveGwei)
	row.ByzantineSharePPM = row.AttackerStakeSharePPM
}

func cpString(cp consensus.Checkpoint) string {
	return fmt.Sprintf("%d:%x", cp.Epoch, cp.Root[:4])
}
