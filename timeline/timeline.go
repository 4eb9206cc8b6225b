package timeline

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// gweiPerETH converts the ETH parameters to Gwei.
const gweiPerETH = 1_000_000_000

// MaxStakeETH bounds StakeETH: 2^27 ETH (4,194,304 validators of 32 ETH),
// more than the whole ETH supply, and about 600 MB of registry.
const MaxStakeETH = 1 << 27

// Params are the inputs of a timeline, in whole ETH.
type Params struct {
	// StakeETH is the total active stake. It is rounded down to whole
	// validators of MIN_ACTIVATION_BALANCE (32 ETH).
	StakeETH uint64
	// ConsolidateETH is the part of the stake that consolidates, rounded
	// down to whole validators.
	ConsolidateETH uint64
	// TargetETH is the size of each consolidated validator, rounded down to
	// whole validators; more than MIN_ACTIVATION_BALANCE, at most
	// MAX_EFFECTIVE_BALANCE_ELECTRA.
	TargetETH uint64
}

// DefaultParams is the question the tool was built for: consolidate 32M ETH
// into 2048-ETH validators at 34M ETH staked.
func DefaultParams() Params {
	return Params{StakeETH: 34_000_000, ConsolidateETH: 32_000_000, TargetETH: 2048}
}

// ErrInvalidParams is wrapped by every ParamError.
var ErrInvalidParams = errors.New("timeline: invalid parameters")

// ErrChurnTooLow is wrapped (inside a ParamError on stake_eth) when the
// stake is too small for any consolidation churn: the protocol would ignore
// every consolidation request.
var ErrChurnTooLow = errors.New("consolidation churn too low")

// ErrStalled is returned when requests remain but nothing can ever change
// again (no pending consolidations and a churn too low to send any). It
// does not happen for a stake at or above MinStakeETH.
var ErrStalled = errors.New("timeline: stalled")

// ParamError names the parameter (snake_case, as in the JSON output) that
// is out of range.
type ParamError struct {
	Param string // "stake_eth", "consolidate_eth" or "target_eth"
	Err   error  // what is wrong, phrased without the parameter's name
}

func (e *ParamError) Error() string { return fmt.Sprintf("timeline: %s: %v", e.Param, e.Err) }

// Unwrap returns ErrInvalidParams and the cause, for errors.Is.
func (e *ParamError) Unwrap() []error { return []error{ErrInvalidParams, e.Err} }

// Layout is how Params map onto the registry.
type Layout struct {
	Validators      int // StakeETH / 32, all active at the start
	Participants    int // validators taking part (indices 0..Participants-1)
	PerTarget       int // validators per full group (TargetETH / 32)
	Targets         int // groups, one target each
	Sources         int // Participants - Targets
	ValidatorGwei   consensus.Gwei
	StakeCountedETH uint64 // Validators * 32
}

// Plan validates p for cfg and returns the registry layout.
func Plan(cfg *consensus.Config, p Params) (Layout, error) {
	bad := func(param, format string, args ...any) (Layout, error) {
		return Layout{}, &ParamError{Param: param, Err: fmt.Errorf(format, args...)}
	}
	vg := cfg.MinActivationBalance
	if vg == 0 || vg%gweiPerETH != 0 {
		return Layout{}, fmt.Errorf("timeline: preset %s: MIN_ACTIVATION_BALANCE %d Gwei is not a whole number of ETH", cfg.PresetName, vg)
	}
	vETH := uint64(vg / gweiPerETH)
	maxEBETH := uint64(cfg.MaxEffectiveBalanceElectra / gweiPerETH)
	switch {
	case p.StakeETH == 0:
		return bad("stake_eth", "must be positive")
	case p.StakeETH > MaxStakeETH:
		return bad("stake_eth", "%d ETH is above the supported %d ETH", p.StakeETH, uint64(MaxStakeETH))
	case p.StakeETH < vETH:
		return bad("stake_eth", "%d ETH is less than one %d-ETH validator", p.StakeETH, vETH)
	case p.ConsolidateETH == 0:
		return bad("consolidate_eth", "must be positive")
	case p.ConsolidateETH > p.StakeETH:
		return bad("consolidate_eth", "%d ETH is more than the stake (%d ETH)", p.ConsolidateETH, p.StakeETH)
	case p.ConsolidateETH < 2*vETH:
		return bad("consolidate_eth", "%d ETH is less than two %d-ETH validators, nothing to consolidate", p.ConsolidateETH, vETH)
	case p.TargetETH <= vETH:
		return bad("target_eth", "%d ETH must be more than MIN_ACTIVATION_BALANCE (%d ETH)", p.TargetETH, vETH)
	case p.TargetETH > maxEBETH:
		return bad("target_eth", "%d ETH is above MAX_EFFECTIVE_BALANCE_ELECTRA (%d ETH)", p.TargetETH, maxEBETH)
	case p.TargetETH < 2*vETH:
		return bad("target_eth", "%d ETH rounds down to one %d-ETH validator; a target needs at least %d ETH (two validators)", p.TargetETH, vETH, 2*vETH)
	}
	l := Layout{
		Validators:    int(p.StakeETH / vETH),
		Participants:  int(p.ConsolidateETH / vETH),
		PerTarget:     int(p.TargetETH / vETH),
		ValidatorGwei: vg,
	}
	l.StakeCountedETH = uint64(l.Validators) * vETH
	l.Targets = (l.Participants + l.PerTarget - 1) / l.PerTarget
	if l.Participants%l.PerTarget == 1 { // a lone leftover validator has nothing to merge with
		l.Participants--
		l.Targets--
	}
	l.Sources = l.Participants - l.Targets
	return l, nil
}

// Result is the answer of a timeline. Epochs are beacon-chain epochs of the
// modelled chain; amounts are Gwei unless the name says ETH.
type Result struct {
	Preset         string `json:"preset"`
	StakeETH       uint64 `json:"stake_eth"`
	ConsolidateETH uint64 `json:"consolidate_eth"`
	TargetETH      uint64 `json:"target_eth"`

	// StakeCountedETH is the stake after rounding down to whole validators.
	StakeCountedETH   uint64 `json:"stake_counted_eth"`
	ValidatorsAtStart int    `json:"validators_at_start"`
	ValidatorsAtEnd   int    `json:"validators_at_end"` // active once the last source has exited
	Participants      int    `json:"participants"`
	Targets           int    `json:"targets"`
	Sources           int    `json:"sources"`

	TotalActiveBalanceGwei    consensus.Gwei `json:"total_active_balance_gwei"` // at the start
	TotalActiveBalanceMinGwei consensus.Gwei `json:"total_active_balance_gwei_min"`
	// ConsolidationChurnGwei is get_consolidation_churn_limit at the start;
	// Min and Max are over every epoch of the run.
	ConsolidationChurnGwei    consensus.Gwei `json:"consolidation_churn_gwei_per_epoch"`
	ConsolidationChurnMinGwei consensus.Gwei `json:"consolidation_churn_gwei_per_epoch_min"`
	ConsolidationChurnMaxGwei consensus.Gwei `json:"consolidation_churn_gwei_per_epoch_max"`

	FirstRequestEpoch   consensus.Epoch `json:"first_request_epoch"`
	LastRequestEpoch    consensus.Epoch `json:"last_request_epoch"`
	LastExitEpoch       consensus.Epoch `json:"last_exit_epoch"`
	LastCompletionEpoch consensus.Epoch `json:"last_completion_epoch"`
	Epochs              uint64          `json:"epochs"` // LastCompletionEpoch - FirstRequestEpoch
	SecondsPerEpoch     float64         `json:"seconds_per_epoch"`
	Days                float64         `json:"days"`
	Months              float64         `json:"months"` // days / 30.44
	// NaiveEpochs is the moved balance divided by the starting churn,
	// rounded up: the estimate without the exit and withdrawability delays
	// and without the dip in total active balance.
	NaiveEpochs uint64 `json:"naive_epochs"`

	RequestsSent              int            `json:"requests_sent"`
	Switches                  int            `json:"switches"`       // applied switches to compounding
	Consolidations            int            `json:"consolidations"` // applied consolidations
	RequestsIgnored           map[string]int `json:"requests_ignored"`
	BalanceMovedGwei          consensus.Gwei `json:"balance_moved_gwei"`
	PeakPendingConsolidations int            `json:"peak_pending_consolidations"`
	// QueueFullEpochs counts epochs in which a source waited for room in
	// the pending-consolidations queue; ChurnTooLowEpochs those in which one
	// waited for the churn.
	QueueFullEpochs   int `json:"queue_full_epochs"`
	ChurnTooLowEpochs int `json:"churn_too_low_epochs"`
}

// Run computes the timeline of p under cfg; ctx (not nil) is checked every
// 4096 epochs. It returns a *ParamError for
// out-of-range parameters (also when the stake is too small for any
// consolidation churn, wrapping ErrChurnTooLow), ctx's error if ctx is
// cancelled, and ErrStalled if the run can make no more progress.
func Run(ctx context.Context, cfg *consensus.Config, p Params) (Result, error) {
	r, _, err := run(ctx, cfg, p, options{})
	return r, err
}

// MinStakeETH is the smallest stake (a whole number of validators) whose
// consolidation churn is above MIN_ACTIVATION_BALANCE, or 0 if none up to
// MaxStakeETH is. It searches with consensus.GetConsolidationChurnLimit.
func MinStakeETH(cfg *consensus.Config) uint64 {
	vg := cfg.MinActivationBalance
	if vg == 0 {
		return 0
	}
	ok := func(n uint64) bool { return consolidationChurn(cfg, consensus.Gwei(n)*vg) > cfg.MinActivationBalance }
	lo, hi := uint64(1), uint64(MaxStakeETH)*gweiPerETH/uint64(vg)
	if !ok(hi) {
		return 0
	}
	for lo < hi { // the churn never falls as the stake grows
		mid := lo + (hi-lo)/2
		if ok(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo * uint64(vg) / gweiPerETH
}

// ethText formats a Gwei amount in ETH for messages.
func ethText(g consensus.Gwei) string {
	return strconv.FormatFloat(float64(g)/gweiPerETH, 'f', -1, 64)
}

// consolidationChurn is get_consolidation_churn_limit at a total active
// balance of total, computed by the consensus package on a proxy state
// whose only active validator carries the whole total.
func consolidationChurn(cfg *consensus.Config, total consensus.Gwei) consensus.Gwei {
	proxy := consensus.State{Validators: []consensus.Validator{{
		EffectiveBalance: total,
		ExitEpoch:        consensus.FarFutureEpoch,
	}}}
	return consensus.GetConsolidationChurnLimit(cfg, &proxy)
}

// keyDirectory is the synthetic consensus.KeyDirectory of a timeline: key i
// is the tag "timeline", then i as 8 big-endian bytes, then zeros. There is
// no BLS: no key is a curve point and nothing is signed.
type keyDirectory struct{ n int }

var keyTag = [8]byte{'t', 'i', 'm', 'e', 'l', 'i', 'n', 'e'}

func (d keyDirectory) Pubkey(i consensus.ValidatorIndex) crypto.PublicKeyBytes {
	var pk crypto.PublicKeyBytes
	copy(pk[:8], keyTag[:])
	binary.BigEndian.PutUint64(pk[8:16], uint64(i))
	return pk
}

func (d keyDirectory) PubkeyIndex(pk crypto.PublicKeyBytes) (consensus.ValidatorIndex, bool) {
	if [8]byte(pk[:8]) != keyTag {
		return 0, false
	}
	for _, b := range pk[16:] {
		if b != 0 {
			return 0, false
		}
	}
	i := binary.BigEndian.Uint64(pk[8:16])
	if i >= uint64(d.n) {
		return 0, false
	}
	return consensus.ValidatorIndex(i), true
}

// VerifyDeposit rejects everything: a timeline makes no deposits.
func (keyDirectory) VerifyDeposit(crypto.PublicKeyBytes, consensus.Root, crypto.Signature) bool {
	return false
}

// groupAddress is the withdrawal address of group g (one operator per
// group); validators outside every group share address ^0.
func groupAddress(g uint64) consensus.ExecutionAddress {
	var a consensus.ExecutionAddress
	a[0] = 0x7e
	binary.BigEndian.PutUint64(a[12:], g)
	return a
}

// options are test hooks.
type options struct {
	// onEpoch, if set, sees the state at the start of every epoch (before
	// its requests) with the incrementally maintained total active balance.
	onEpoch func(epoch consensus.Epoch, st *consensus.State, totalActive consensus.Gwei)
	// fullPasses runs ProcessPendingConsolidations on the whole queue and
	// ProcessEffectiveBalanceUpdates on the whole registry every epoch, and
	// recomputes the total with GetTotalActiveBalance: the slow reference.
	fullPasses bool
}

// timeline is one run in progress.
type timeline struct {
	cfg *consensus.Config
	st  *consensus.State
	l   Layout
	opt options

	// next is the feed position: validator next's request is the next to
	// send (a switch when next is a group's first validator).
	next int
	// activeSum is the sum of the effective balances of the validators
	// active in the current epoch (get_total_active_balance before its
	// floor of one increment).
	activeSum consensus.Gwei
	// exiting holds the applied sources in request order, so in order of
	// exit epoch (earliest_consolidation_epoch never decreases).
	exiting []consensus.ValidatorIndex

	reqs    consensus.ExecutionRequests
	batch   []int // feed positions of reqs.Consolidations
	touched []consensus.ValidatorIndex
	scratch consensus.State

	res     Result
	ignored map[consensus.RequestResult]int
}

func run(ctx context.Context, cfg *consensus.Config, p Params, opt options) (Result, *consensus.State, error) {
	l, err := Plan(cfg, p)
	if err != nil {
		return Result{}, nil, err
	}
	if cfg.SlotsPerEpoch == 0 || cfg.MaxConsolidationRequestsPerPayload == 0 || cfg.PendingConsolidationsLimit == 0 {
		return Result{}, nil, fmt.Errorf("timeline: preset %s has a zero slot or request limit", cfg.PresetName)
	}
	total := consensus.Gwei(l.Validators) * l.ValidatorGwei
	if churn := consolidationChurn(cfg, total); churn <= cfg.MinActivationBalance {
		return Result{}, nil, &ParamError{Param: "stake_eth", Err: fmt.Errorf(
			"%w: at %d ETH staked the consolidation churn is %s ETH per epoch, not above MIN_ACTIVATION_BALANCE (%s ETH), "+
				"so the protocol ignores every consolidation request; preset %s needs at least %d ETH staked",
			ErrChurnTooLow, l.StakeCountedETH, ethText(churn), ethText(cfg.MinActivationBalance), cfg.PresetName, MinStakeETH(cfg))}
	}

	st, err := genesis(cfg, l)
	if err != nil {
		return Result{}, nil, err
	}
	t := &timeline{
		cfg:     cfg,
		st:      st,
		l:       l,
		opt:     opt,
		exiting: make([]consensus.ValidatorIndex, 0, 1024),
		ignored: map[consensus.RequestResult]int{},
		reqs:    consensus.ExecutionRequests{Consolidations: make([]consensus.ConsolidationRequest, 0, cfg.MaxConsolidationRequestsPerPayload)},
	}
	for i := range st.Validators {
		if consensus.IsActiveValidator(&st.Validators[i], consensus.Epoch(cfg.ShardCommitteePeriod)) {
			t.activeSum += st.Validators[i].EffectiveBalance
		}
	}
	t.res = Result{
		Preset:            cfg.PresetName,
		StakeETH:          p.StakeETH,
		ConsolidateETH:    p.ConsolidateETH,
		TargetETH:         p.TargetETH,
		StakeCountedETH:   l.StakeCountedETH,
		ValidatorsAtStart: l.Validators,
		Participants:      l.Participants,
		Targets:           l.Targets,
		Sources:           l.Sources,
		SecondsPerEpoch:   cfg.SecondsPerEpoch(),
	}
	if err := t.loop(ctx); err != nil {
		return Result{}, nil, err
	}
	if err := t.finish(); err != nil {
		return Result{}, nil, err
	}
	return t.res, t.st, nil
}

// genesis builds the registry: 0x01 credentials with the group's address,
// 32 ETH each, active since genesis, and attaches the key directory.
func genesis(cfg *consensus.Config, l Layout) (*consensus.State, error) {
	vals := make([]consensus.GenesisValidator, l.Validators)
	for i := range vals {
		g := ^uint64(0)
		if i < l.Participants {
			g = uint64(i / l.PerTarget)
		}
		var creds consensus.Root
		creds[0] = consensus.ETH1AddressWithdrawalPrefix
		a := groupAddress(g)
		copy(creds[12:], a[:])
		vals[i] = consensus.GenesisValidator{Balance: l.ValidatorGwei, WithdrawalCredentials: creds}
	}
	caches := consensus.NewCaches()
	caches.SetKeys(keyDirectory{n: l.Validators})
	st, err := consensus.NewGenesisState(cfg, vals, consensus.Root{}, caches)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	return st, nil
}

// totalActive is get_total_active_balance of the current epoch.
func (t *timeline) totalActive() consensus.Gwei {
	return max(t.activeSum, t.cfg.EffectiveBalanceIncrement)
}

// isTarget reports whether feed position f is a group's first validator.
func (t *timeline) isTarget(f int) bool { return f%t.l.PerTarget == 0 }

// applied reports whether feed position f's request has taken effect.
func (t *timeline) applied(f int) bool {
	v := &t.st.Validators[f]
	if t.isTarget(f) {
		return consensus.HasCompoundingWithdrawalCredential(v)
	}
	return v.ExitEpoch != consensus.FarFutureEpoch
}

// maxEpochs bounds a run: with a churn above MIN_ACTIVATION_BALANCE every
// epoch of churn takes at least one 32-ETH source, so even one source per
// epoch with a drained queue between each would finish well inside this.
func (t *timeline) maxEpochs() uint64 {
	per := t.cfg.MaxSeedLookahead + 1 + t.cfg.MinValidatorWithdrawabilityDelay + 2
	return uint64(t.l.Participants+1)*per + 1024
}

func (t *timeline) loop(ctx context.Context) error {
	cfg, st := t.cfg, t.st
	start := consensus.Epoch(cfg.ShardCommitteePeriod)
	t.res.FirstRequestEpoch = start
	t.res.TotalActiveBalanceGwei = t.totalActive()
	t.res.TotalActiveBalanceMinGwei = t.totalActive()
	t.res.ConsolidationChurnGwei = consolidationChurn(cfg, t.totalActive())
	t.res.ConsolidationChurnMinGwei = t.res.ConsolidationChurnGwei
	t.res.ConsolidationChurnMaxGwei = t.res.ConsolidationChurnGwei
	idle := 0
	for e := start; ; e++ {
		if uint64(e-start) > t.maxEpochs() {
			return fmt.Errorf("%w: no completion after %d epochs (a bug)", ErrStalled, t.maxEpochs())
		}
		if (e-start)%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		st.Slot = consensus.ComputeStartSlotAtEpoch(cfg, e)
		total := t.totalActive()
		churn := consolidationChurn(cfg, total)
		t.res.TotalActiveBalanceMinGwei = min(t.res.TotalActiveBalanceMinGwei, total)
		t.res.ConsolidationChurnMinGwei = min(t.res.ConsolidationChurnMinGwei, churn)
		t.res.ConsolidationChurnMaxGwei = max(t.res.ConsolidationChurnMaxGwei, churn)
		if t.opt.onEpoch != nil {
			t.opt.onEpoch(e, st, total)
		}

		sent, err := t.sendEpoch(e, total, churn > cfg.MinActivationBalance)
		if err != nil {
			return err
		}
		st.Slot = consensus.ComputeStartSlotAtEpoch(cfg, e+1) - 1
		t.epochBoundary(e)

		if t.next == t.l.Participants && len(st.PendingConsolidations) == 0 {
			t.res.LastCompletionEpoch = e + 1
			return nil
		}
		// With nothing queued and nothing sent, the total (and so the
		// churn) can change only through the effective-balance updates of
		// this boundary; a second such epoch in a row means it never will.
		if sent == 0 && len(st.PendingConsolidations) == 0 {
			idle++
			if idle >= 2 {
				return fmt.Errorf("%w at epoch %d: %d requests left, nothing pending, consolidation churn %d Gwei",
					ErrStalled, e, t.l.Participants-t.next, churn)
			}
		} else {
			idle = 0
		}
	}
}

// sendEpoch feeds the epoch's slots and returns how many requests it sent.
func (t *timeline) sendEpoch(e consensus.Epoch, total consensus.Gwei, churnOK bool) (int, error) {
	cfg, st := t.cfg, t.st
	var sent int
	var queueFull, churnLow bool
	first := consensus.ComputeStartSlotAtEpoch(cfg, e)
	for s := uint64(0); s < cfg.SlotsPerEpoch && t.next < t.l.Participants; s++ {
		room := int(cfg.PendingConsolidationsLimit) - len(st.PendingConsolidations)
		t.reqs.Consolidations = t.reqs.Consolidations[:0]
		t.batch = t.batch[:0]
		blocked := false
		for f := t.next; f < t.l.Participants && len(t.batch) < int(cfg.MaxConsolidationRequestsPerPayload); f++ {
			if t.applied(f) { // only after the protocol ignored an earlier request
				continue
			}
			if !t.isTarget(f) {
				tgt := f - f%t.l.PerTarget
				if !consensus.HasCompoundingWithdrawalCredential(&st.Validators[tgt]) {
					break // its target's switch is in this batch (or was ignored)
				}
				if room <= 0 || !churnOK {
					queueFull = queueFull || room <= 0
					churnLow = churnLow || !churnOK
					blocked = true
					break
				}
				room--
			}
			t.batch = append(t.batch, f)
			t.reqs.Consolidations = append(t.reqs.Consolidations, t.request(f))
		}
		if len(t.batch) == 0 {
			if blocked {
				break // room and churn do not change before the epoch boundary
			}
			continue
		}
		st.Slot = first + consensus.Slot(s)
		rep, err := consensus.ProcessExecutionRequests(cfg, st, &t.reqs, total)
		if err != nil {
			return sent, fmt.Errorf("timeline: epoch %d slot %d: %w", e, st.Slot, err)
		}
		sent += len(t.batch)
		t.res.RequestsSent += len(t.batch)
		t.res.Switches += rep.Switches
		t.res.Consolidations += rep.Consolidations
		for r, n := range rep.Ignored { // counts only: order does not matter
			t.ignored[r] += n
		}
		t.res.LastRequestEpoch = e
		for _, f := range t.batch {
			if t.isTarget(f) || !t.applied(f) {
				continue
			}
			i := consensus.ValidatorIndex(f)
			x := st.Validators[i].ExitEpoch
			if n := len(t.exiting); n > 0 && st.Validators[t.exiting[n-1]].ExitEpoch > x {
				panic(fmt.Sprintf("timeline: source %d exits at %d, before the previous source (%d)", i, x, st.Validators[t.exiting[n-1]].ExitEpoch))
			}
			t.exiting = append(t.exiting, i)
			t.res.LastExitEpoch = x
		}
		for t.next < t.l.Participants && t.applied(t.next) {
			t.next++
		}
		t.res.PeakPendingConsolidations = max(t.res.PeakPendingConsolidations, len(st.PendingConsolidations))
	}
	if queueFull {
		t.res.QueueFullEpochs++
	}
	if churnLow {
		t.res.ChurnTooLowEpochs++
	}
	return sent, nil
}

// request is feed position f's consolidation request: a switch to
// compounding for a target, a consolidation into its target for a source.
func (t *timeline) request(f int) consensus.ConsolidationRequest {
	keys := keyDirectory{n: t.l.Validators}
	tgt := f - f%t.l.PerTarget
	return consensus.ConsolidationRequest{
		SourceAddress: groupAddress(uint64(f / t.l.PerTarget)),
		SourcePubkey:  keys.Pubkey(consensus.ValidatorIndex(f)),
		TargetPubkey:  keys.Pubkey(consensus.ValidatorIndex(tgt)),
	}
}

// epochBoundary runs the end of epoch e (st.Slot is its last slot): the
// sources that exit at e+1 leave the total, then process_pending_consolidations
// and process_effective_balance_updates run, and the effective-balance
// changes of validators active at e+1 enter the total.
func (t *timeline) epochBoundary(e consensus.Epoch) {
	cfg, st := t.cfg, t.st
	next := e + 1
	for len(t.exiting) > 0 {
		v := &st.Validators[t.exiting[0]]
		if v.ExitEpoch > next {
			break
		}
		if v.ExitEpoch != next {
			panic(fmt.Sprintf("timeline: source %d exited at %d, missed by the total", t.exiting[0], v.ExitEpoch))
		}
		t.activeSum -= v.EffectiveBalance
		t.exiting = t.exiting[1:]
	}

	if t.opt.fullPasses {
		consensus.ProcessPendingConsolidations(cfg, st)
		consensus.ProcessEffectiveBalanceUpdates(cfg, st)
		t.activeSum = 0
		for i := range st.Validators {
			if consensus.IsActiveValidator(&st.Validators[i], next) {
				t.activeSum += st.Validators[i].EffectiveBalance
			}
		}
		return
	}

	// Hand the function the queue up to its first entry that is not due:
	// the spec's loop stops there, and the tail is not copied.
	q := st.PendingConsolidations
	n := consensus.ValidatorIndex(len(st.Validators))
	due := 0
	t.touched = t.touched[:0]
	for ; due < len(q); due++ {
		pc := q[due]
		if pc.SourceIndex >= n || pc.TargetIndex >= n || st.Validators[pc.SourceIndex].Slashed {
			continue // the function skips these entries
		}
		if st.Validators[pc.SourceIndex].WithdrawableEpoch > next {
			break
		}
		t.touched = append(t.touched, pc.SourceIndex, pc.TargetIndex)
	}
	if due == 0 {
		return
	}
	window := q[:min(due+1, len(q))]
	st.PendingConsolidations = window
	moved := consensus.ProcessPendingConsolidations(cfg, st)
	if consumed := len(window) - len(st.PendingConsolidations); consumed != due || moved != len(t.touched)/2 {
		panic(fmt.Sprintf("timeline: ProcessPendingConsolidations consumed %d and moved %d, expected %d and %d", consumed, moved, due, len(t.touched)/2))
	}
	st.PendingConsolidations = q[due:]

	// Effective-balance updates for the validators whose balance changed,
	// on a scratch state holding only them.
	slices.Sort(t.touched)
	t.touched = slices.Compact(t.touched)
	sc := &t.scratch
	sc.Validators = sc.Validators[:0]
	sc.Balances = sc.Balances[:0]
	for _, i := range t.touched {
		sc.Validators = append(sc.Validators, st.Validators[i])
		sc.Balances = append(sc.Balances, st.Balances[i])
	}
	consensus.ProcessEffectiveBalanceUpdates(cfg, sc)
	for j, i := range t.touched {
		v := &st.Validators[i]
		old, eb := v.EffectiveBalance, sc.Validators[j].EffectiveBalance
		if consensus.IsActiveValidator(v, next) {
			t.activeSum = t.activeSum - old + eb
		}
		v.EffectiveBalance = eb
	}
}

// finish fills the derived figures and checks the end state against full
// passes of the consensus functions.
func (t *timeline) finish() error {
	cfg, st := t.cfg, t.st
	r := &t.res
	r.Epochs = uint64(r.LastCompletionEpoch - r.FirstRequestEpoch)
	r.Days = float64(r.Epochs) * r.SecondsPerEpoch / 86400
	r.Months = r.Days / 30.44
	// The balance that reached the targets, from the state.
	var moved consensus.Gwei
	for g := 0; g < t.l.Targets; g++ {
		moved += st.Balances[g*t.l.PerTarget] - t.l.ValidatorGwei
	}
	r.BalanceMovedGwei = moved
	if want := consensus.Gwei(r.Sources) * t.l.ValidatorGwei; moved != want {
		return fmt.Errorf("timeline: %d Gwei moved into targets, want %d", moved, want)
	}
	if r.ConsolidationChurnGwei > 0 {
		r.NaiveEpochs = uint64((moved + r.ConsolidationChurnGwei - 1) / r.ConsolidationChurnGwei)
	}
	r.RequestsIgnored = make(map[string]int, len(t.ignored))
	for k, n := range t.ignored {
		r.RequestsIgnored[k.String()] = n
	}
	// The end state against full passes: the incremental total and the
	// ledger.
	st.Slot = consensus.ComputeStartSlotAtEpoch(cfg, r.LastCompletionEpoch)
	r.ValidatorsAtEnd = len(consensus.GetActiveValidatorIndices(st, r.LastCompletionEpoch))
	if got := consensus.GetTotalActiveBalance(cfg, st); got != t.totalActive() {
		panic(fmt.Sprintf("timeline: incremental total active balance %d != get_total_active_balance %d", t.totalActive(), got))
	}
	if err := st.CheckConservation(); err != nil {
		panic(fmt.Sprintf("timeline: %v", err))
	}
	if r.Consolidations != r.Sources || r.Switches != r.Targets {
		return fmt.Errorf("timeline: %d consolidations and %d switches applied, want %d and %d", r.Consolidations, r.Switches, r.Sources, r.Targets)
	}
	return nil
}
