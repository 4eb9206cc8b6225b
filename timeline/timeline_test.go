package timeline

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/stakesim/stakesim/consensus"
)

// modelResult is what the independent model computes.
type modelResult struct {
	first, lastRequest, lastExit, completion uint64
	sent, switches, consolidations, peak     int
	queueFullEpochs, churnLowEpochs          int
	churnStart, churnMin, churnMax, totalMin uint64
	validatorsAtEnd                          int
}

// model is a naive implementation of the timeline of doc.go, written from
// the spec text with plain integers and O(n) passes, sharing no code with
// the package: get_total_active_balance is a full sum every epoch, and
// process_effective_balance_updates runs over the whole registry.
func model(t *testing.T, cfg *consensus.Config, stakeETH, consETH, targetETH uint64) modelResult {
	t.Helper()
	const far = ^uint64(0)
	const gwei = 1_000_000_000
	inc := uint64(cfg.EffectiveBalanceIncrement)
	minAct := uint64(cfg.MinActivationBalance)
	n := int(stakeETH / 32)
	p := int(consETH / 32)
	k := int(targetETH / 32)
	if p%k == 1 {
		p--
	}
	eb := make([]uint64, n)
	bal := make([]uint64, n)
	exit := make([]uint64, n)
	withdrawable := make([]uint64, n)
	compounding := make([]bool, n)
	for i := range n {
		eb[i], bal[i], exit[i], withdrawable[i] = 32*gwei, 32*gwei, far, far
	}

	// Reference: electra/beacon-chain.md, get_balance_churn_limit,
	// get_activation_exit_churn_limit, get_consolidation_churn_limit.
	churnOf := func(total uint64) uint64 {
		c := max(uint64(cfg.MinPerEpochChurnLimitElectra), total/cfg.ChurnLimitQuotient)
		c -= c % inc
		return c - min(uint64(cfg.MaxPerEpochActivationExitChurnLimit), c)
	}
	// Reference: phase0 get_total_active_balance (everyone activated at 0).
	totalAt := func(e uint64) uint64 {
		var s uint64
		for i := range n {
			if e < exit[i] {
				s += eb[i]
			}
		}
		return max(inc, s)
	}
	activationExitEpoch := func(e uint64) uint64 { return e + 1 + cfg.MaxSeedLookahead }

	// upgrade_to_electra at genesis.
	earliest := activationExitEpoch(0)
	toConsume := churnOf(totalAt(0))
	type pc struct{ src, tgt int }
	var queue []pc

	var r modelResult
	start := cfg.ShardCommitteePeriod
	r.first = start
	next := 0
	for e := start; ; e++ {
		if e > start+1_000_000 {
			t.Fatal("model does not finish")
		}
		total := totalAt(e)
		churn := churnOf(total)
		if e == start {
			r.churnStart, r.churnMin, r.churnMax, r.totalMin = churn, churn, churn, total
		}
		r.churnMin, r.churnMax, r.totalMin = min(r.churnMin, churn), max(r.churnMax, churn), min(r.totalMin, total)
		full, low := false, false
		for range cfg.SlotsPerEpoch {
			// Build the slot's batch against the state before the slot.
			room := int(cfg.PendingConsolidationsLimit) - len(queue)
			var batch []int
			for f := next; f < p && len(batch) < int(cfg.MaxConsolidationRequestsPerPayload); f++ {
				if f%k != 0 {
					if !compounding[f-f%k] {
						break
					}
					if room <= 0 || churn <= minAct {
						full = full || room <= 0
						low = low || churn <= minAct
						break
					}
					room--
				}
				batch = append(batch, f)
			}
			for _, f := range batch {
				r.sent++
				r.lastRequest = e
				next = f + 1
				if f%k == 0 {
					// switch_to_compounding_validator: 0x02, no excess above 32 ETH.
					compounding[f] = true
					r.switches++
					continue
				}
				// Reference: compute_consolidation_epoch_and_update_churn.
				ee := max(earliest, activationExitEpoch(e))
				var budget uint64
				if earliest < ee {
					budget = churn
				} else {
					budget = toConsume
				}
				if eb[f] > budget {
					add := (eb[f]-budget-1)/churn + 1
					ee += add
					budget += add * churn
				}
				toConsume, earliest = budget-eb[f], ee
				exit[f] = ee
				withdrawable[f] = ee + cfg.MinValidatorWithdrawabilityDelay
				r.lastExit = ee
				queue = append(queue, pc{f, f - f%k})
				r.consolidations++
			}
			r.peak = max(r.peak, len(queue))
		}
		if full {
			r.queueFullEpochs++
		}
		if low {
			r.churnLowEpochs++
		}
		// Reference: process_pending_consolidations.
		nextEpoch := e + 1
		for len(queue) > 0 && withdrawable[queue[0].src] <= nextEpoch {
			c := queue[0]
			amount := min(bal[c.src], eb[c.src])
			bal[c.src] -= amount
			bal[c.tgt] += amount
			queue = queue[1:]
		}
		// Reference: process_effective_balance_updates (Electra).
		hyst := inc / cfg.HysteresisQuotient
		down, up := hyst*cfg.HysteresisDownwardMultiplier, hyst*cfg.HysteresisUpwardMultiplier
		for i := range n {
			maxEB := minAct
			if compounding[i] {
				maxEB = uint64(cfg.MaxEffectiveBalanceElectra)
			}
			if bal[i]+down < eb[i] || eb[i]+up < bal[i] {
				eb[i] = min(bal[i]-bal[i]%inc, maxEB)
			}
		}
		if next == p && len(queue) == 0 {
			r.completion = nextEpoch
			break
		}
	}
	for i := range n {
		if nextEpochActive := exit[i] > r.completion; nextEpochActive {
			r.validatorsAtEnd++
		}
	}
	return r
}

// mainnetWith returns the mainnet preset with a smaller churn quotient, so
// that a few thousand validators have a consolidation churn, and an
// optional smaller pending-consolidations limit.
func mainnetWith(quotient, queueLimit uint64) *consensus.Config {
	c := consensus.Mainnet()
	c.ChurnLimitQuotient = quotient
	if queueLimit != 0 {
		c.PendingConsolidationsLimit = queueLimit
	}
	return &c
}

func minimal() *consensus.Config { c := consensus.Minimal(); return &c }

var modelCases = []struct {
	name string
	cfg  *consensus.Config
	p    Params
}{
	// Minimal: the 64-entry queue fills, the dip lowers the churn by 1 ETH
	// per exited source.
	{"minimal 400 validators", minimal(), Params{StakeETH: 12_800, ConsolidateETH: 10_240, TargetETH: 2048}},
	{"minimal small targets, partial last group", minimal(), Params{StakeETH: 12_832, ConsolidateETH: 6_000, TargetETH: 200}},
	// Just above the minimum stake: the dip pushes the churn to 32 ETH and
	// sources wait for the queue to drain.
	{"minimal churn falls too low", minimal(), Params{StakeETH: 170 * 32, ConsolidateETH: 160 * 32, TargetETH: 320}},
	// Mainnet rules (256-epoch delay, 2 requests per payload, 32 slots)
	// with CHURN_LIMIT_QUOTIENT 64: the EL limit of 64 requests per epoch
	// binds at first, and the queue limit of 300 binds later.
	{"mainnet quotient 64, queue 300", mainnetWith(64, 300), Params{StakeETH: 128_000, ConsolidateETH: 96_000, TargetETH: 2048}},
	{"mainnet quotient 256", mainnetWith(256, 0), Params{StakeETH: 160_000, ConsolidateETH: 160_000, TargetETH: 1024}},
}

// TestMatchesIndependentModel compares the timeline with the naive model:
// every epoch, count and churn figure must agree.
func TestMatchesIndependentModel(t *testing.T) {
	for _, tc := range modelCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Run(context.Background(), tc.cfg, tc.p)
			if err != nil {
				t.Fatal(err)
			}
			want := model(t, tc.cfg, tc.p.StakeETH, tc.p.ConsolidateETH, tc.p.TargetETH)
			check := func(name string, g, w uint64) {
				t.Helper()
				if g != w {
					t.Errorf("%s = %d, model %d", name, g, w)
				}
			}
			check("first_request_epoch", uint64(got.FirstRequestEpoch), want.first)
			check("last_request_epoch", uint64(got.LastRequestEpoch), want.lastRequest)
			check("last_exit_epoch", uint64(got.LastExitEpoch), want.lastExit)
			check("last_completion_epoch", uint64(got.LastCompletionEpoch), want.completion)
			check("requests_sent", uint64(got.RequestsSent), uint64(want.sent))
			check("switches", uint64(got.Switches), uint64(want.switches))
			check("consolidations", uint64(got.Consolidations), uint64(want.consolidations))
			check("peak_pending_consolidations", uint64(got.PeakPendingConsolidations), uint64(want.peak))
			check("queue_full_epochs", uint64(got.QueueFullEpochs), uint64(want.queueFullEpochs))
			check("churn_too_low_epochs", uint64(got.ChurnTooLowEpochs), uint64(want.churnLowEpochs))
			check("churn at start", uint64(got.ConsolidationChurnGwei), want.churnStart)
			check("churn min", uint64(got.ConsolidationChurnMinGwei), want.churnMin)
			check("churn max", uint64(got.ConsolidationChurnMaxGwei), want.churnMax)
			check("total active min", uint64(got.TotalActiveBalanceMinGwei), want.totalMin)
			check("validators_at_end", uint64(got.ValidatorsAtEnd), uint64(want.validatorsAtEnd))
			if len(got.RequestsIgnored) != 0 {
				t.Errorf("requests ignored: %v", got.RequestsIgnored)
			}
			// The last balance moves at the boundary into the last source's
			// withdrawable epoch.
			if got.LastCompletionEpoch != got.LastExitEpoch+consensus.Epoch(tc.cfg.MinValidatorWithdrawabilityDelay) {
				t.Errorf("completion %d != last exit %d + MIN_VALIDATOR_WITHDRAWABILITY_DELAY", got.LastCompletionEpoch, got.LastExitEpoch)
			}
			if got.Epochs != uint64(got.LastCompletionEpoch-got.FirstRequestEpoch) {
				t.Errorf("epochs %d != %d - %d", got.Epochs, got.LastCompletionEpoch, got.FirstRequestEpoch)
			}
			t.Logf("%d epochs, churn %d..%d Gwei, peak queue %d, queue-full epochs %d, churn-low epochs %d",
				got.Epochs, got.ConsolidationChurnMinGwei, got.ConsolidationChurnMaxGwei, got.PeakPendingConsolidations,
				got.QueueFullEpochs, got.ChurnTooLowEpochs)
		})
	}
}

// TestModelCasesExerciseLimits keeps the model cases honest: between them
// they must hit the queue limit, the churn floor and a churn that changes.
func TestModelCasesExerciseLimits(t *testing.T) {
	var full, low, varying bool
	for _, tc := range modelCases {
		r, err := Run(context.Background(), tc.cfg, tc.p)
		if err != nil {
			t.Fatal(err)
		}
		full = full || r.QueueFullEpochs > 0
		low = low || r.ChurnTooLowEpochs > 0
		varying = varying || r.ConsolidationChurnMinGwei < r.ConsolidationChurnMaxGwei
	}
	if !full || !low || !varying {
		t.Errorf("queue full %v, churn too low %v, churn varies %v: want all", full, low, varying)
	}
}

// TestTotalActiveMatchesSpec checks the incrementally kept total against
// consensus.GetTotalActiveBalance at the start of sampled epochs.
func TestTotalActiveMatchesSpec(t *testing.T) {
	tests := []struct {
		name  string
		cfg   *consensus.Config
		p     Params
		every consensus.Epoch
	}{
		{"minimal every epoch", minimal(), Params{StakeETH: 12_800, ConsolidateETH: 10_240, TargetETH: 2048}, 1},
		{"minimal near the floor", minimal(), Params{StakeETH: 170 * 32, ConsolidateETH: 160 * 32, TargetETH: 320}, 1},
		{"mainnet rules sampled", mainnetWith(64, 300), Params{StakeETH: 128_000, ConsolidateETH: 96_000, TargetETH: 2048}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checked, changed := 0, 0
			var last consensus.Gwei
			opt := options{onEpoch: func(e consensus.Epoch, st *consensus.State, total consensus.Gwei) {
				if consensus.GetCurrentEpoch(tt.cfg, st) != e {
					t.Fatalf("epoch %d: state is at epoch %d", e, consensus.GetCurrentEpoch(tt.cfg, st))
				}
				if total != last {
					changed++
					last = total
				}
				if e%tt.every != 0 {
					return
				}
				checked++
				if want := consensus.GetTotalActiveBalance(tt.cfg, st); total != want {
					t.Fatalf("epoch %d: incremental total %d, get_total_active_balance %d", e, total, want)
				}
			}}
			if _, _, err := run(context.Background(), tt.cfg, tt.p, opt); err != nil {
				t.Fatal(err)
			}
			if checked < 50 || changed < 10 {
				t.Errorf("checked %d epochs and saw %d changes of the total: too few to mean anything", checked, changed)
			}
		})
	}
}

// TestShortcutsMatchFullPasses runs each model case with the windowed queue
// and the touched-only effective-balance update, and again with full passes
// of ProcessPendingConsolidations and ProcessEffectiveBalanceUpdates every
// epoch: results and final states must be identical.
func TestShortcutsMatchFullPasses(t *testing.T) {
	for _, tc := range modelCases {
		t.Run(tc.name, func(t *testing.T) {
			fast, fastSt, err := run(context.Background(), tc.cfg, tc.p, options{})
			if err != nil {
				t.Fatal(err)
			}
			slow, slowSt, err := run(context.Background(), tc.cfg, tc.p, options{fullPasses: true})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fast, slow) {
				t.Errorf("results differ:\nshortcuts   %+v\nfull passes %+v", fast, slow)
			}
			if !slices.Equal(fastSt.Validators, slowSt.Validators) || !slices.Equal(fastSt.Balances, slowSt.Balances) {
				t.Error("final registries differ")
			}
			if fastSt.Ledger != slowSt.Ledger || fastSt.EarliestConsolidationEpoch != slowSt.EarliestConsolidationEpoch ||
				fastSt.ConsolidationBalanceToConsume != slowSt.ConsolidationBalanceToConsume || len(fastSt.PendingConsolidations) != 0 {
				t.Error("final churn bookkeeping, ledger or queue differ")
			}
			// Every target holds its group's stake and has the matching
			// effective balance; every source is empty and exited.
			l, _ := Plan(tc.cfg, tc.p)
			for f := 0; f < l.Participants; f++ {
				v, b := fastSt.Validators[f], fastSt.Balances[f]
				if f%l.PerTarget == 0 {
					size := min(l.PerTarget, l.Participants-f)
					want := consensus.Gwei(size) * l.ValidatorGwei
					if b != want || v.EffectiveBalance != want || v.WithdrawalCredentials[0] != consensus.CompoundingWithdrawalPrefix {
						t.Fatalf("target %d: balance %d, effective %d, prefix %#x; want %d", f, b, v.EffectiveBalance, v.WithdrawalCredentials[0], want)
					}
				} else if b != 0 || v.ExitEpoch == consensus.FarFutureEpoch {
					t.Fatalf("source %d: balance %d, exit %d", f, b, v.ExitEpoch)
				}
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	tc := modelCases[0]
	a, err := Run(context.Background(), tc.cfg, tc.p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(context.Background(), tc.cfg, tc.p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("two runs differ:\n%+v\n%+v", a, b)
	}
}

func TestPlan(t *testing.T) {
	main := consensus.Mainnet()
	tests := []struct {
		name  string
		p     Params
		param string // "" for a valid plan
		want  Layout
	}{
		{"default", DefaultParams(), "", Layout{Validators: 1_062_500, Participants: 1_000_000, PerTarget: 64, Targets: 15_625, Sources: 984_375}},
		{"rounds down to whole validators", Params{StakeETH: 1000, ConsolidateETH: 200, TargetETH: 100}, "",
			Layout{Validators: 31, Participants: 6, PerTarget: 3, Targets: 2, Sources: 4}},
		{"partial last group", Params{StakeETH: 3200, ConsolidateETH: 3200, TargetETH: 2048}, "",
			Layout{Validators: 100, Participants: 100, PerTarget: 64, Targets: 2, Sources: 98}},
		{"lone leftover is dropped", Params{StakeETH: 3200, ConsolidateETH: 65 * 32, TargetETH: 2048}, "",
			Layout{Validators: 100, Participants: 64, PerTarget: 64, Targets: 1, Sources: 63}},
		{"zero stake", Params{StakeETH: 0, ConsolidateETH: 64, TargetETH: 64}, "stake_eth", Layout{}},
		{"huge stake", Params{StakeETH: MaxStakeETH + 1, ConsolidateETH: 64, TargetETH: 64}, "stake_eth", Layout{}},
		{"zero consolidate", Params{StakeETH: 3200, ConsolidateETH: 0, TargetETH: 64}, "consolidate_eth", Layout{}},
		{"consolidate above stake", Params{StakeETH: 3200, ConsolidateETH: 3201, TargetETH: 64}, "consolidate_eth", Layout{}},
		{"one validator", Params{StakeETH: 3200, ConsolidateETH: 63, TargetETH: 64}, "consolidate_eth", Layout{}},
		{"target 32", Params{StakeETH: 3200, ConsolidateETH: 3200, TargetETH: 32}, "target_eth", Layout{}},
		{"target 63 is one validator", Params{StakeETH: 3200, ConsolidateETH: 3200, TargetETH: 63}, "target_eth", Layout{}},
		{"target above 2048", Params{StakeETH: 3200, ConsolidateETH: 3200, TargetETH: 2049}, "target_eth", Layout{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Plan(&main, tt.p)
			if tt.param != "" {
				var pe *ParamError
				if !errors.As(err, &pe) || pe.Param != tt.param || !errors.Is(err, ErrInvalidParams) {
					t.Fatalf("err = %v, want a ParamError on %s", err, tt.param)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.ValidatorGwei = main.MinActivationBalance
			tt.want.StakeCountedETH = uint64(tt.want.Validators) * 32
			if l != tt.want {
				t.Errorf("layout %+v, want %+v", l, tt.want)
			}
		})
	}
}

// TestMinStakeETH checks the minimum stake against the spec arithmetic:
// get_consolidation_churn_limit = churn - min(MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT, churn)
// exceeds MIN_ACTIVATION_BALANCE once the balance churn (whole ETH) is at
// least MIN_ACTIVATION_BALANCE + MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT
// + 1 ETH, that is total // CHURN_LIMIT_QUOTIENT >= that.
func TestMinStakeETH(t *testing.T) {
	tests := []struct {
		cfg  *consensus.Config
		want uint64
	}{
		{func() *consensus.Config { c := consensus.Mainnet(); return &c }(), (32 + 256 + 1) * 65536}, // 18,939,904 ETH
		{minimal(), (32 + 128 + 1) * 32}, // 5,152 ETH
	}
	for _, tt := range tests {
		if got := MinStakeETH(tt.cfg); got != tt.want {
			t.Errorf("%s: MinStakeETH = %d, want %d", tt.cfg.PresetName, got, tt.want)
		}
	}
	// Just below the minimum (one validator less) Run refuses, at it Run works.
	cfg := minimal()
	_, err := Run(context.Background(), cfg, Params{StakeETH: 5152 - 32, ConsolidateETH: 3200, TargetETH: 320})
	var pe *ParamError
	if !errors.As(err, &pe) || pe.Param != "stake_eth" || !errors.Is(err, ErrChurnTooLow) {
		t.Errorf("below the minimum stake: err = %v, want a stake_eth ParamError wrapping ErrChurnTooLow", err)
	}
	if _, err := Run(context.Background(), cfg, Params{StakeETH: 5152, ConsolidateETH: 3200, TargetETH: 320}); err != nil {
		t.Errorf("at the minimum stake: %v", err)
	}
}

func TestKeyDirectory(t *testing.T) {
	d := keyDirectory{n: 1000}
	for _, i := range []consensus.ValidatorIndex{0, 1, 255, 256, 999} {
		got, ok := d.PubkeyIndex(d.Pubkey(i))
		if !ok || got != i {
			t.Errorf("PubkeyIndex(Pubkey(%d)) = %d, %v", i, got, ok)
		}
	}
	if _, ok := d.PubkeyIndex(d.Pubkey(1000)); ok {
		t.Error("key 1000 of a 1000-key directory resolved")
	}
	pk := d.Pubkey(5)
	pk[47] = 1
	if _, ok := d.PubkeyIndex(pk); ok {
		t.Error("a key with a stray byte resolved")
	}
	if _, ok := d.PubkeyIndex([48]byte{}); ok {
		t.Error("the zero key resolved")
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, minimal(), modelCases[0].p); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// BenchmarkMainnetDefault is the tool's default question: 34M ETH staked
// (1,062,500 validators), 32M ETH consolidating into 2048-ETH targets.
func BenchmarkMainnetDefault(b *testing.B) {
	cfg := consensus.Mainnet()
	var epochs uint64
	for b.Loop() {
		r, err := Run(context.Background(), &cfg, DefaultParams())
		if err != nil {
			b.Fatal(err)
		}
		epochs += r.Epochs
	}
	b.ReportMetric(float64(epochs)/b.Elapsed().Seconds(), "epochs/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(epochs), "ns/epoch")
}
