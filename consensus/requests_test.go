package consensus

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/crypto"
)

// Electra lifecycle rules: execution-layer requests and the queues they
// feed. Reference: electra/beacon-chain.md process_withdrawal_request,
// is_valid_switch_to_compounding_request, process_consolidation_request,
// switch_to_compounding_validator, queue_excess_active_balance,
// process_deposit_request, process_operations (request part),
// get_balance_churn_limit, get_activation_exit_churn_limit,
// get_consolidation_churn_limit, compute_exit_epoch_and_update_churn,
// compute_consolidation_epoch_and_update_churn, apply_pending_deposit,
// process_pending_deposits, process_pending_consolidations,
// process_effective_balance_updates, get_pending_partial_withdrawals,
// get_validators_sweep_withdrawals, process_withdrawals.
//
// Expected values come from the rq* reference functions below, written from
// the spec text (never by calling the code under test), or are worked out
// by hand in the comments. Helpers are prefixed rq; the state fixtures of
// epoch_fixture_test.go (ef*) and testutil_test.go (tu*) are reused.

// rqKeys is a synthetic KeyDirectory: key i is efPubkey(i) (the index in
// the key's first bytes), the directory knows every such key, and
// VerifyDeposit answers verify and records which keys it was asked about.
type rqKeys struct {
	verify bool
	asked  []crypto.PublicKeyBytes
}

func (k *rqKeys) PubkeyIndex(pk crypto.PublicKeyBytes) (ValidatorIndex, bool) {
	return efPubkeyIndex(pk)
}

func (k *rqKeys) Pubkey(i ValidatorIndex) crypto.PublicKeyBytes { return efPubkey(uint64(i)) }

func (k *rqKeys) VerifyDeposit(pk crypto.PublicKeyBytes, _ Root, _ crypto.Signature) bool {
	k.asked = append(k.asked, pk)
	return k.verify
}

// rqAddr is the execution address in tuCreds(prefix, i):
// withdrawal_credentials[12:] holds i+1 as a little-endian uint64, then zeros.
func rqAddr(i int) ExecutionAddress {
	var a ExecutionAddress
	binary.LittleEndian.PutUint64(a[:8], uint64(i)+1)
	return a
}

// rqState is a hand-built State (efState) of n validators of 32 ETH with
// 0x01 credentials tuCreds(0x01, i), active since epoch 0, at the last slot
// of epoch, with Caches carrying keys and no deposit request seen yet.
func rqState(cfg *Config, n int, epoch Epoch, keys KeyDirectory) *State {
	st := efState(cfg, efN(n, 32*efETH)...)
	for i := range st.Validators {
		st.MutValidator(ValidatorIndex(i)).WithdrawalCredentials = tuCreds(ETH1AddressWithdrawalPrefix, i)
	}
	efAtEpochEnd(cfg, st, epoch)
	st.DepositRequestsStartIndex = UnsetDepositRequestsStartIndex
	c := NewCaches()
	c.SetKeys(keys)
	st.SetCaches(c)
	return st
}

// rqSetBalance sets validator i's balance and keeps the ledger consistent.
func rqSetBalance(st *State, i int, b Gwei) {
	st.Ledger.Genesis = st.Ledger.Genesis - st.Balances[i] + b
	st.Balances[i] = b
}

// rqCompounding gives validator i 0x02 credentials (same address), the
// given balance and effective balance.
func rqCompounding(st *State, i int, balance, eb Gwei) {
	st.MutValidator(ValidatorIndex(i)).WithdrawalCredentials[0] = CompoundingWithdrawalPrefix
	rqSetBalance(st, i, balance)
	st.MutValidator(ValidatorIndex(i)).EffectiveBalance = eb
}

// rqEpoch is get_current_epoch: slot // SLOTS_PER_EPOCH.
func rqEpoch(cfg *Config, st *State) Epoch { return Epoch(uint64(st.Slot) / cfg.SlotsPerEpoch) }

// rqTotalActive is get_total_active_balance from the spec text: the summed
// effective balance of validators with activation_epoch <= epoch <
// exit_epoch, at least one increment.
func rqTotalActive(cfg *Config, st *State) Gwei {
	cur := rqEpoch(cfg, st)
	var s Gwei
	for _, v := range st.Validators {
		if v.ActivationEpoch <= cur && cur < v.ExitEpoch {
			s += v.EffectiveBalance
		}
	}
	return max(s, cfg.EffectiveBalanceIncrement)
}

// rqBalanceChurn is get_balance_churn_limit: max(MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA,
// total // CHURN_LIMIT_QUOTIENT) rounded down to a whole increment.
func rqBalanceChurn(cfg *Config, total Gwei) Gwei {
	churn := total / Gwei(cfg.ChurnLimitQuotient)
	if churn < cfg.MinPerEpochChurnLimitElectra {
		churn = cfg.MinPerEpochChurnLimitElectra
	}
	return churn / cfg.EffectiveBalanceIncrement * cfg.EffectiveBalanceIncrement
}

// rqActivationExitChurn is get_activation_exit_churn_limit.
func rqActivationExitChurn(cfg *Config, total Gwei) Gwei {
	if b := rqBalanceChurn(cfg, total); b < cfg.MaxPerEpochActivationExitChurnLimit {
		return b
	}
	return cfg.MaxPerEpochActivationExitChurnLimit
}

// rqConsolidationChurn is get_consolidation_churn_limit.
func rqConsolidationChurn(cfg *Config, total Gwei) Gwei {
	return rqBalanceChurn(cfg, total) - rqActivationExitChurn(cfg, total)
}

// rqQueue is the (earliest epoch, balance to consume) pair of the exit or
// the consolidation queue.
type rqQueue struct {
	earliest  Epoch
	toConsume Gwei
}

// book is compute_exit_epoch_and_update_churn (and its consolidation twin)
// from the spec text, with the "additional epochs" written as a loop that
// adds one epoch's churn at a time. With a zero per-epoch churn the spec
// would divide by zero; the code under test documents returning
// FAR_FUTURE_EPOCH and leaving the queue alone, and so does this.
func (q *rqQueue) book(cfg *Config, cur Epoch, perEpoch, amount Gwei) Epoch {
	earliest := q.earliest
	if a := cur + 1 + Epoch(cfg.MaxSeedLookahead); a > earliest { // compute_activation_exit_epoch
		earliest = a
	}
	toConsume := q.toConsume
	if q.earliest < earliest {
		toConsume = perEpoch // a new epoch for this queue
	}
	for amount > toConsume {
		if perEpoch == 0 {
			return FarFutureEpoch
		}
		earliest++
		toConsume += perEpoch
	}
	q.earliest, q.toConsume = earliest, toConsume-amount
	return earliest
}

// rqDiff lists the exported State fields in which got differs from want
// (an empty and a nil slice are equal), or "" if none.
func rqDiff(want, got *State) string {
	var out []string
	wv, gv := reflect.ValueOf(want).Elem(), reflect.ValueOf(got).Elem()
	for i := range wv.NumField() {
		f := wv.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		a, b := wv.Field(i), gv.Field(i)
		if a.Kind() != reflect.Slice {
			if !reflect.DeepEqual(a.Interface(), b.Interface()) {
				out = append(out, fmt.Sprintf("%s = %+v, want %+v", f.Name, b.Interface(), a.Interface()))
			}
			continue
		}
		if a.Len() != b.Len() {
			out = append(out, fmt.Sprintf("len(%s) = %d, want %d", f.Name, b.Len(), a.Len()))
			continue
		}
		for k := range a.Len() {
			if !reflect.DeepEqual(a.Index(k).Interface(), b.Index(k).Interface()) {
				out = append(out, fmt.Sprintf("%s[%d] = %+v, want %+v", f.Name, k, b.Index(k).Interface(), a.Index(k).Interface()))
				break
			}
		}
	}
	return strings.Join(out, "; ")
}

func rqWithdrawal(i int, amount Gwei) WithdrawalRequest {
	return WithdrawalRequest{SourceAddress: rqAddr(i), ValidatorPubkey: efPubkey(uint64(i)), Amount: amount}
}

func rqConsolidation(src, tgt int) ConsolidationRequest {
	return ConsolidationRequest{SourceAddress: rqAddr(src), SourcePubkey: efPubkey(uint64(src)), TargetPubkey: efPubkey(uint64(tgt))}
}

// rqExpectConsolidation applies to exp what an accepted consolidation of
// src into tgt does: the source exits at the consolidation epoch, becomes
// withdrawable MIN_VALIDATOR_WITHDRAWABILITY_DELAY later, and the pair is queued.
func rqExpectConsolidation(cfg *Config, src, tgt int) func(exp *State) {
	return func(exp *State) {
		per := rqConsolidationChurn(cfg, rqTotalActive(cfg, exp))
		q := rqQueue{exp.EarliestConsolidationEpoch, exp.ConsolidationBalanceToConsume}
		e := q.book(cfg, rqEpoch(cfg, exp), per, exp.Validators[src].EffectiveBalance)
		exp.MutValidator(ValidatorIndex(src)).ExitEpoch = e
		exp.MutValidator(ValidatorIndex(src)).WithdrawableEpoch = e + Epoch(cfg.MinValidatorWithdrawabilityDelay)
		exp.EarliestConsolidationEpoch, exp.ConsolidationBalanceToConsume = q.earliest, q.toConsume
		exp.PendingConsolidations = append(exp.PendingConsolidations,
			PendingConsolidation{SourceIndex: ValidatorIndex(src), TargetIndex: ValidatorIndex(tgt)})
	}
}

// rqExpectSwitch applies to exp what switch_to_compounding_validator does.
func rqExpectSwitch(cfg *Config, i int) func(exp *State) {
	return func(exp *State) {
		v := &exp.Validators[i]
		v.WithdrawalCredentials[0] = CompoundingWithdrawalPrefix
		if b := exp.Balances[i]; b > cfg.MinActivationBalance {
			exp.Balances[i] = cfg.MinActivationBalance
			exp.Ledger.Requeued += b - cfg.MinActivationBalance
			exp.PendingDeposits = append(exp.PendingDeposits, PendingDeposit{
				Pubkey: efPubkey(uint64(i)), WithdrawalCredentials: v.WithdrawalCredentials,
				Amount: b - cfg.MinActivationBalance, Slot: GenesisSlot,
			})
		}
	}
}

// rqExpectExit applies to exp what initiate_validator_exit does.
func rqExpectExit(cfg *Config, i int) func(exp *State) {
	return func(exp *State) {
		per := rqActivationExitChurn(cfg, rqTotalActive(cfg, exp))
		q := rqQueue{exp.EarliestExitEpoch, exp.ExitBalanceToConsume}
		e := q.book(cfg, rqEpoch(cfg, exp), per, exp.Validators[i].EffectiveBalance)
		exp.MutValidator(ValidatorIndex(i)).ExitEpoch = e
		exp.MutValidator(ValidatorIndex(i)).WithdrawableEpoch = e + Epoch(cfg.MinValidatorWithdrawabilityDelay)
		exp.EarliestExitEpoch, exp.ExitBalanceToConsume = q.earliest, q.toConsume
	}
}

// rqExpectPartial applies to exp the queuing of a partial withdrawal of
// amount (worked out by hand in the case) for validator i.
func rqExpectPartial(cfg *Config, i int, amount Gwei) func(exp *State) {
	return func(exp *State) {
		per := rqActivationExitChurn(cfg, rqTotalActive(cfg, exp))
		q := rqQueue{exp.EarliestExitEpoch, exp.ExitBalanceToConsume}
		e := q.book(cfg, rqEpoch(cfg, exp), per, amount)
		exp.EarliestExitEpoch, exp.ExitBalanceToConsume = q.earliest, q.toConsume
		exp.PendingPartialWithdrawals = append(exp.PendingPartialWithdrawals, PendingPartialWithdrawal{
			ValidatorIndex: ValidatorIndex(i), Amount: amount, WithdrawableEpoch: e + Epoch(cfg.MinValidatorWithdrawabilityDelay),
		})
	}
}

// rqConsolidationThreshold is the smallest registry of 32-ETH validators
// whose consolidation churn exceeds MIN_ACTIVATION_BALANCE.
func rqConsolidationThreshold(cfg *Config) int {
	for n := 1; n < 10_000_000; n++ {
		if rqConsolidationChurn(cfg, Gwei(n)*32*efETH) > cfg.MinActivationBalance {
			return n
		}
	}
	return -1
}

// rqCase is one request applied to a fresh registry: setup adjusts the
// registry, want is the result, expect (nil for an ignored request) makes
// the expected changes to a copy of the pre-state, and check adds
// hand-computed assertions.
type rqCase struct {
	name   string
	n      int // registry size; 0 for the test's default
	setup  func(st *State)
	want   RequestResult
	expect func(exp *State)
	check  func(t *testing.T, st *State)
}

// rqRun builds the case's registry, applies the request with apply and
// compares the whole state with the expectation.
func rqRun(t *testing.T, cfg *Config, tc rqCase, defaultN int, epoch Epoch, base func(*State), apply func(*State) (RequestResult, error)) {
	t.Helper()
	n := tc.n
	if n == 0 {
		n = defaultN
	}
	st := rqState(cfg, n, epoch, &rqKeys{verify: true})
	if base != nil {
		base(st)
	}
	if tc.setup != nil {
		tc.setup(st)
	}
	pre := st.Copy()
	got, err := apply(st)
	if err != nil {
		t.Fatalf("%s: %v", tc.name, err)
	}
	if got != tc.want {
		t.Errorf("%s: result %v, want %v", tc.name, got, tc.want)
	}
	if got.Applied() != (tc.expect != nil) {
		t.Errorf("%s: Applied() = %v", tc.name, got.Applied())
	}
	exp := pre.Copy()
	if tc.expect != nil {
		tc.expect(exp)
	}
	if d := rqDiff(exp, st); d != "" {
		t.Errorf("%s: state differs from expected: %s", tc.name, d)
	}
	if tc.check != nil {
		tc.check(t, st)
	}
	if err := st.CheckConservation(); err != nil {
		t.Errorf("%s: %v", tc.name, err)
	}
}

// TestConsolidationRequestChecks walks process_consolidation_request (with
// is_valid_switch_to_compounding_request in front) check by check, in spec
// order. Registry: 200 validators of 32 ETH on minimal at epoch 100, so the
// consolidation churn is 6400/32 = 200 ETH balance churn - 128 ETH
// activation/exit churn = 72 ETH > 32 ETH; source 10 (0x01), target 20
// (0x02), switch candidate 30.
func TestConsolidationRequestChecks(t *testing.T) {
	cfg := Minimal()
	const n, epoch = 200, Epoch(100)
	const src, tgt, sw = 10, 20, 30
	eth := efETH
	threshold := rqConsolidationThreshold(&cfg)
	// 161 * 32 ETH / 32 = 161 ETH of balance churn; 161 - 128 = 33 ETH > 32 ETH.
	// With 160 validators it is 32 ETH, not above MIN_ACTIVATION_BALANCE.
	if threshold != 161 {
		t.Fatalf("reference threshold %d validators, hand-computed 161", threshold)
	}
	base := func(st *State) { rqCompounding(st, tgt, 32*eth, 32*eth) }
	fill := func(k int) []PendingConsolidation {
		q := make([]PendingConsolidation, k)
		for i := range q {
			q[i] = PendingConsolidation{SourceIndex: 100, TargetIndex: 101}
		}
		return q
	}
	same := rqConsolidation(sw, sw)
	normal := rqConsolidation(src, tgt)
	for _, tc := range []struct {
		rqCase
		req ConsolidationRequest
	}{
		// is_valid_switch_to_compounding_request.
		{rqCase{name: "switch moves excess to the deposit queue",
			setup:  func(st *State) { rqSetBalance(st, sw, 40*eth) },
			want:   RequestSwitchedToCompounding,
			expect: rqExpectSwitch(&cfg, sw),
			check: func(t *testing.T, st *State) {
				if st.Validators[sw].WithdrawalCredentials != tuCreds(CompoundingWithdrawalPrefix, sw) || st.Balances[sw] != 32*eth ||
					st.Validators[sw].EffectiveBalance != 32*eth || st.Ledger.Requeued != 8*eth {
					t.Errorf("switch: creds %x balance %d eb %d requeued %d", st.Validators[sw].WithdrawalCredentials[:1],
						st.Balances[sw], st.Validators[sw].EffectiveBalance, st.Ledger.Requeued)
				}
				if len(st.PendingDeposits) != 1 || st.PendingDeposits[0].Slot != 0 || st.PendingDeposits[0].Amount != 8*eth {
					t.Errorf("switch: pending deposits %+v", st.PendingDeposits)
				}
			}}, same},
		{rqCase{name: "switch at exactly 32 ETH queues nothing", want: RequestSwitchedToCompounding, expect: rqExpectSwitch(&cfg, sw)}, same},
		{rqCase{name: "switch needs no consolidation churn", n: threshold - 1,
			setup: func(st *State) { rqSetBalance(st, sw, 33*eth) }, want: RequestSwitchedToCompounding, expect: rqExpectSwitch(&cfg, sw)}, same},
		{rqCase{name: "switch: unknown key", want: IgnoredSourceEqualsTarget}, rqConsolidation(n, n)},
		{rqCase{name: "switch: wrong address", want: IgnoredSourceEqualsTarget},
			ConsolidationRequest{SourceAddress: rqAddr(sw + 1), SourcePubkey: efPubkey(sw), TargetPubkey: efPubkey(sw)}},
		{rqCase{name: "switch: BLS credentials", setup: func(st *State) { st.MutValidator(ValidatorIndex(sw)).WithdrawalCredentials[0] = BLSWithdrawalPrefix },
			want: IgnoredSourceEqualsTarget}, same},
		{rqCase{name: "switch: already compounding", setup: func(st *State) { rqCompounding(st, sw, 40*eth, 40*eth) },
			want: IgnoredSourceEqualsTarget}, same},
		{rqCase{name: "switch: not active", setup: func(st *State) { st.MutValidator(ValidatorIndex(sw)).ActivationEpoch = FarFutureEpoch },
			want: IgnoredSourceEqualsTarget}, same},
		{rqCase{name: "switch: exiting", setup: func(st *State) {
			st.MutValidator(ValidatorIndex(sw)).ExitEpoch, st.MutValidator(ValidatorIndex(sw)).WithdrawableEpoch = 150, 406
		},
			want: IgnoredSourceEqualsTarget}, same},

		// process_consolidation_request.
		{rqCase{name: "queue full", setup: func(st *State) { st.PendingConsolidations = fill(int(cfg.PendingConsolidationsLimit)) },
			want: IgnoredConsolidationQueueFull}, normal},
		{rqCase{name: "queue one short of full", setup: func(st *State) { st.PendingConsolidations = fill(int(cfg.PendingConsolidationsLimit) - 1) },
			want: RequestApplied, expect: rqExpectConsolidation(&cfg, src, tgt)}, normal},
		{rqCase{name: "churn too low", n: threshold - 1, want: IgnoredChurnTooLow}, normal},
		{rqCase{name: "churn just enough", n: threshold, want: RequestApplied, expect: rqExpectConsolidation(&cfg, src, tgt),
			check: func(t *testing.T, st *State) {
				// 33 ETH per epoch: 32 ETH fits epoch 105 with 1 ETH left.
				if st.Validators[src].ExitEpoch != 105 || st.ConsolidationBalanceToConsume != 1*eth {
					t.Errorf("exit %d, to consume %d", st.Validators[src].ExitEpoch, st.ConsolidationBalanceToConsume)
				}
			}}, normal},
		{rqCase{name: "unknown source (next key, no validator yet)", want: IgnoredUnknownSource},
			ConsolidationRequest{SourceAddress: rqAddr(src), SourcePubkey: efPubkey(n), TargetPubkey: efPubkey(tgt)}},
		{rqCase{name: "source key unknown to the directory", want: IgnoredUnknownSource},
			ConsolidationRequest{SourceAddress: rqAddr(src), SourcePubkey: crypto.PublicKeyBytes{}, TargetPubkey: efPubkey(tgt)}},
		{rqCase{name: "unknown target", want: IgnoredUnknownTarget},
			ConsolidationRequest{SourceAddress: rqAddr(src), SourcePubkey: efPubkey(src), TargetPubkey: efPubkey(n + 7)}},
		{rqCase{name: "source has BLS credentials", setup: func(st *State) { st.MutValidator(ValidatorIndex(src)).WithdrawalCredentials[0] = BLSWithdrawalPrefix },
			want: IgnoredWrongCredentials}, normal},
		{rqCase{name: "wrong source address", want: IgnoredWrongCredentials},
			ConsolidationRequest{SourceAddress: rqAddr(src + 1), SourcePubkey: efPubkey(src), TargetPubkey: efPubkey(tgt)}},
		{rqCase{name: "target not compounding", want: IgnoredTargetNotCompounding}, rqConsolidation(src, tgt+1)},
		{rqCase{name: "source not active", setup: func(st *State) { st.MutValidator(ValidatorIndex(src)).ActivationEpoch = FarFutureEpoch },
			want: IgnoredSourceInactive}, normal},
		{rqCase{name: "target not active", setup: func(st *State) { st.MutValidator(ValidatorIndex(tgt)).ActivationEpoch = 101 },
			want: IgnoredTargetInactive}, normal},
		{rqCase{name: "source exiting", setup: func(st *State) {
			st.MutValidator(ValidatorIndex(src)).ExitEpoch, st.MutValidator(ValidatorIndex(src)).WithdrawableEpoch = 150, 406
		},
			want: IgnoredSourceExiting}, normal},
		{rqCase{name: "target exiting", setup: func(st *State) {
			st.MutValidator(ValidatorIndex(tgt)).ExitEpoch, st.MutValidator(ValidatorIndex(tgt)).WithdrawableEpoch = 150, 406
		},
			want: IgnoredTargetExiting}, normal},
		// 100 < 37 + SHARD_COMMITTEE_PERIOD (64) = 101; 100 < 36 + 64 is false.
		{rqCase{name: "source too new", setup: func(st *State) { st.MutValidator(ValidatorIndex(src)).ActivationEpoch = 37 }, want: IgnoredSourceTooNew}, normal},
		{rqCase{name: "source just old enough", setup: func(st *State) { st.MutValidator(ValidatorIndex(src)).ActivationEpoch = 36 },
			want: RequestApplied, expect: rqExpectConsolidation(&cfg, src, tgt)}, normal},
		{rqCase{name: "source has a pending partial withdrawal",
			setup: func(st *State) {
				st.PendingPartialWithdrawals = []PendingPartialWithdrawal{{ValidatorIndex: src, Amount: 1, WithdrawableEpoch: 400}}
			},
			want: IgnoredPendingWithdrawal}, normal},

		// Accepted.
		{rqCase{name: "accepted", want: RequestApplied, expect: rqExpectConsolidation(&cfg, src, tgt),
			check: func(t *testing.T, st *State) {
				// compute_activation_exit_epoch(100) = 105; 32 of 72 ETH used.
				v := st.Validators[src]
				if v.ExitEpoch != 105 || v.WithdrawableEpoch != 105+256 || st.EarliestConsolidationEpoch != 105 ||
					st.ConsolidationBalanceToConsume != 40*eth || len(st.PendingConsolidations) != 1 {
					t.Errorf("exit %d withdrawable %d earliest %d to consume %d queue %v", v.ExitEpoch, v.WithdrawableEpoch,
						st.EarliestConsolidationEpoch, st.ConsolidationBalanceToConsume, st.PendingConsolidations)
				}
			}}, normal},
		{rqCase{name: "accepted with another validator's pending partial",
			setup: func(st *State) {
				st.PendingPartialWithdrawals = []PendingPartialWithdrawal{{ValidatorIndex: src + 1, Amount: efETH, WithdrawableEpoch: 400}}
			},
			want: RequestApplied, expect: rqExpectConsolidation(&cfg, src, tgt)}, normal},
		{rqCase{name: "compounding source larger than one epoch's churn",
			setup: func(st *State) { rqCompounding(st, src, 100*eth, 100*eth) },
			want:  RequestApplied, expect: rqExpectConsolidation(&cfg, src, tgt),
			check: func(t *testing.T, st *State) {
				// Total 199*32 + 100 = 6468 ETH: 202 ETH balance churn, 74 ETH for
				// consolidations; 100 > 74 needs one more epoch: 106, 148 - 100 = 48 ETH left.
				if st.Validators[src].ExitEpoch != 106 || st.ConsolidationBalanceToConsume != 48*eth {
					t.Errorf("exit %d to consume %d", st.Validators[src].ExitEpoch, st.ConsolidationBalanceToConsume)
				}
			}}, normal},
		{rqCase{name: "carried-over consolidation churn",
			setup: func(st *State) { st.EarliestConsolidationEpoch, st.ConsolidationBalanceToConsume = 110, 10*eth },
			want:  RequestApplied, expect: rqExpectConsolidation(&cfg, src, tgt),
			check: func(t *testing.T, st *State) {
				// 32 > 10: one more epoch, 111, with 10 + 72 - 32 = 50 ETH left.
				if st.Validators[src].ExitEpoch != 111 || st.ConsolidationBalanceToConsume != 50*eth {
					t.Errorf("exit %d to consume %d", st.Validators[src].ExitEpoch, st.ConsolidationBalanceToConsume)
				}
			}}, normal},
		{rqCase{name: "stale earliest epoch starts afresh",
			setup: func(st *State) { st.EarliestConsolidationEpoch, st.ConsolidationBalanceToConsume = 103, 5*eth },
			want:  RequestApplied, expect: rqExpectConsolidation(&cfg, src, tgt),
			check: func(t *testing.T, st *State) {
				if st.Validators[src].ExitEpoch != 105 || st.ConsolidationBalanceToConsume != 40*eth {
					t.Errorf("exit %d to consume %d", st.Validators[src].ExitEpoch, st.ConsolidationBalanceToConsume)
				}
			}}, normal},
	} {
		req := tc.req
		rqRun(t, &cfg, tc.rqCase, n, epoch, base, func(st *State) (RequestResult, error) {
			return ProcessConsolidationRequest(&cfg, st, &req)
		})
	}
}

// TestSwitchToCompoundingRoundTrip: the excess a switch re-queues comes back
// through process_pending_deposits (slot 0 is always finalized), the
// validator then compounds it into its effective balance, and the ledger
// balances at every step.
func TestSwitchToCompoundingRoundTrip(t *testing.T) {
	cfg := Minimal()
	keys := &rqKeys{verify: false} // a re-queued deposit's key is known: never verified
	st := rqState(&cfg, 16, 100, keys)
	rqSetBalance(st, 3, 45*efETH+7)
	req := rqConsolidation(3, 3)
	rep, err := ProcessExecutionRequests(&cfg, st, &ExecutionRequests{Consolidations: []ConsolidationRequest{req}}, 0)
	if err != nil || rep.Switches != 1 || rep.ConsolidationIgnored != 0 {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	if err := st.CheckConservation(); err != nil {
		t.Fatal(err)
	}
	// A second identical request is no longer a valid switch (0x02 now) and
	// falls through to the source == target check.
	if res, _ := ProcessConsolidationRequest(&cfg, st, &req); res != IgnoredSourceEqualsTarget {
		t.Errorf("second switch: %v", res)
	}
	if err := ProcessPendingDeposits(&cfg, st, keys.PubkeyIndex); err != nil {
		t.Fatal(err)
	}
	if st.Balances[3] != 45*efETH+7 || len(st.PendingDeposits) != 0 || len(keys.asked) != 0 {
		t.Fatalf("balance %d, queue %d, verified %d keys", st.Balances[3], len(st.PendingDeposits), len(keys.asked))
	}
	ProcessEffectiveBalanceUpdates(&cfg, st)
	if st.Validators[3].EffectiveBalance != 45*efETH {
		t.Errorf("effective balance %d, want 45 ETH", st.Validators[3].EffectiveBalance)
	}
	if st.Ledger.Requeued != 13*efETH+7 || st.Ledger.Deposited != 13*efETH+7 {
		t.Errorf("ledger requeued %d deposited %d", st.Ledger.Requeued, st.Ledger.Deposited)
	}
	if err := st.CheckConservation(); err != nil {
		t.Fatal(err)
	}
}

// TestWithdrawalRequestChecks walks process_withdrawal_request. Registry:
// 200 validators on minimal at epoch 100, 198 of 32 ETH and two 0x02
// validators (30, 31) with 40 ETH: total 6416 ETH, balance churn 200 ETH,
// activation/exit churn 128 ETH.
func TestWithdrawalRequestChecks(t *testing.T) {
	cfg := Minimal()
	const n, epoch = 200, Epoch(100)
	const v01, c1, c2 = 10, 30, 31
	eth := efETH
	base := func(st *State) {
		rqCompounding(st, c1, 40*eth, 40*eth)
		rqCompounding(st, c2, 40*eth, 40*eth)
	}
	full := func(i int) WithdrawalRequest { return rqWithdrawal(i, FullExitRequestAmount) }
	fillPartials := func(k int) []PendingPartialWithdrawal {
		q := make([]PendingPartialWithdrawal, k)
		for i := range q {
			q[i] = PendingPartialWithdrawal{ValidatorIndex: c2, Amount: 1, WithdrawableEpoch: 400}
		}
		return q
	}
	limit := int(cfg.PendingPartialWithdrawalsLimit)
	for _, tc := range []struct {
		rqCase
		req WithdrawalRequest
	}{
		{rqCase{name: "full exit", want: RequestApplied, expect: rqExpectExit(&cfg, v01),
			check: func(t *testing.T, st *State) {
				// compute_activation_exit_epoch(100) = 105, 128 - 32 = 96 ETH left.
				v := st.Validators[v01]
				if v.ExitEpoch != 105 || v.WithdrawableEpoch != 361 || st.EarliestExitEpoch != 105 || st.ExitBalanceToConsume != 96*eth {
					t.Errorf("exit %d withdrawable %d earliest %d to consume %d", v.ExitEpoch, v.WithdrawableEpoch, st.EarliestExitEpoch, st.ExitBalanceToConsume)
				}
			}}, full(v01)},
		{rqCase{name: "full exit joins carried churn",
			setup: func(st *State) { st.EarliestExitEpoch, st.ExitBalanceToConsume = 120, 20*eth },
			want:  RequestApplied, expect: rqExpectExit(&cfg, v01),
			check: func(t *testing.T, st *State) {
				// 32 > 20: epoch 121, 20 + 128 - 32 = 116 ETH left.
				if st.Validators[v01].ExitEpoch != 121 || st.ExitBalanceToConsume != 116*eth {
					t.Errorf("exit %d to consume %d", st.Validators[v01].ExitEpoch, st.ExitBalanceToConsume)
				}
			}}, full(v01)},
		{rqCase{name: "full exit of a compounding validator", want: RequestApplied, expect: rqExpectExit(&cfg, c1)}, full(c1)},
		{rqCase{name: "full exit refused with a pending partial",
			setup: func(st *State) {
				st.PendingPartialWithdrawals = []PendingPartialWithdrawal{{ValidatorIndex: c1, Amount: 1, WithdrawableEpoch: 400}}
			},
			want: IgnoredPendingWithdrawal}, full(c1)},
		{rqCase{name: "full exit processed with a full partial queue",
			setup: func(st *State) { st.PendingPartialWithdrawals = fillPartials(limit) },
			want:  RequestApplied, expect: rqExpectExit(&cfg, v01)}, full(v01)},
		// 40 - 32 - 3 pending = 5 ETH < 10 ETH asked.
		{rqCase{name: "partial capped by excess and pending",
			setup: func(st *State) {
				st.PendingPartialWithdrawals = []PendingPartialWithdrawal{{ValidatorIndex: c1, Amount: 3 * eth, WithdrawableEpoch: 380}}
			},
			want: RequestApplied, expect: rqExpectPartial(&cfg, c1, 5*eth),
			check: func(t *testing.T, st *State) {
				if st.EarliestExitEpoch != 105 || st.ExitBalanceToConsume != 123*eth {
					t.Errorf("earliest %d to consume %d", st.EarliestExitEpoch, st.ExitBalanceToConsume)
				}
				if w := st.PendingPartialWithdrawals[1]; w.Amount != 5*eth || w.WithdrawableEpoch != 361 {
					t.Errorf("queued %+v", w)
				}
			}}, rqWithdrawal(c1, 10*eth)},
		{rqCase{name: "partial below the excess", want: RequestApplied, expect: rqExpectPartial(&cfg, c1, 2*eth)}, rqWithdrawal(c1, 2*eth)},
		{rqCase{name: "partial of a 1 Gwei excess",
			setup: func(st *State) { rqCompounding(st, c1, 32*eth+1, 32*eth) },
			want:  RequestApplied, expect: rqExpectPartial(&cfg, c1, 1)}, rqWithdrawal(c1, 10*eth)},
		{rqCase{name: "partial with the queue one short of full",
			setup: func(st *State) { st.PendingPartialWithdrawals = fillPartials(limit - 1) },
			want:  RequestApplied, expect: rqExpectPartial(&cfg, c1, 4*eth)}, rqWithdrawal(c1, 4*eth)},
		{rqCase{name: "partial with a full queue",
			setup: func(st *State) { st.PendingPartialWithdrawals = fillPartials(limit) },
			want:  IgnoredPartialQueueFull}, rqWithdrawal(c1, 4*eth)},
		{rqCase{name: "full queue is checked before the key",
			setup: func(st *State) { st.PendingPartialWithdrawals = fillPartials(limit) },
			want:  IgnoredPartialQueueFull}, rqWithdrawal(n+3, 4*eth)},
		{rqCase{name: "partial for 0x01 credentials", setup: func(st *State) { rqSetBalance(st, v01, 40*eth) },
			want: IgnoredNoExcess}, rqWithdrawal(v01, 4*eth)},
		{rqCase{name: "partial without excess", setup: func(st *State) { rqCompounding(st, c1, 32*eth, 32*eth) },
			want: IgnoredNoExcess}, rqWithdrawal(c1, 4*eth)},
		{rqCase{name: "partial whose excess is already pending",
			setup: func(st *State) {
				st.PendingPartialWithdrawals = []PendingPartialWithdrawal{{ValidatorIndex: c1, Amount: 8 * eth, WithdrawableEpoch: 380}}
			},
			want: IgnoredNoExcess}, rqWithdrawal(c1, 4*eth)},
		{rqCase{name: "partial with effective balance below 32 ETH", setup: func(st *State) { rqCompounding(st, c1, 33*eth, 31*eth) },
			want: IgnoredNoExcess}, rqWithdrawal(c1, 1*eth)},
		{rqCase{name: "unknown key", want: IgnoredUnknownSource}, full(n)},
		{rqCase{name: "key unknown to the directory", want: IgnoredUnknownSource},
			WithdrawalRequest{SourceAddress: rqAddr(v01), Amount: FullExitRequestAmount}},
		{rqCase{name: "wrong address", want: IgnoredWrongCredentials},
			WithdrawalRequest{SourceAddress: rqAddr(v01 + 1), ValidatorPubkey: efPubkey(v01)}},
		{rqCase{name: "BLS credentials", setup: func(st *State) { st.MutValidator(ValidatorIndex(v01)).WithdrawalCredentials[0] = BLSWithdrawalPrefix },
			want: IgnoredWrongCredentials}, full(v01)},
		{rqCase{name: "not yet active", setup: func(st *State) { st.MutValidator(ValidatorIndex(v01)).ActivationEpoch = FarFutureEpoch },
			want: IgnoredSourceInactive}, full(v01)},
		{rqCase{name: "already exited", setup: func(st *State) {
			st.MutValidator(ValidatorIndex(v01)).ExitEpoch, st.MutValidator(ValidatorIndex(v01)).WithdrawableEpoch = 90, 346
		},
			want: IgnoredSourceInactive}, full(v01)},
		{rqCase{name: "exiting", setup: func(st *State) {
			st.MutValidator(ValidatorIndex(v01)).ExitEpoch, st.MutValidator(ValidatorIndex(v01)).WithdrawableEpoch = 150, 406
		},
			want: IgnoredSourceExiting}, full(v01)},
		{rqCase{name: "too new", setup: func(st *State) { st.MutValidator(ValidatorIndex(c1)).ActivationEpoch = 37 }, want: IgnoredSourceTooNew},
			rqWithdrawal(c1, 1*eth)},
		{rqCase{name: "just old enough", setup: func(st *State) { st.MutValidator(ValidatorIndex(v01)).ActivationEpoch = 36 },
			want: RequestApplied, expect: rqExpectExit(&cfg, v01)}, full(v01)},
	} {
		req := tc.req
		rqRun(t, &cfg, tc.rqCase, n, epoch, base, func(st *State) (RequestResult, error) {
			return ProcessWithdrawalRequest(&cfg, st, &req)
		})
	}
}

// TestChurnLimitsAgainstSpecText sweeps the total active balance across the
// MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA floor and the
// MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT cap on both presets.
func TestChurnLimitsAgainstSpecText(t *testing.T) {
	for _, cfg := range []Config{Mainnet(), Minimal()} {
		inc := cfg.EffectiveBalanceIncrement
		q := Gwei(cfg.ChurnLimitQuotient)
		floorAt := cfg.MinPerEpochChurnLimitElectra * q      // total // quotient reaches the floor
		capAt := cfg.MaxPerEpochActivationExitChurnLimit * q // activation/exit churn reaches its cap
		consolAt := capAt + inc*q                            // first whole increment of consolidation churn
		usefulAt := capAt + (cfg.MinActivationBalance+inc)*q // consolidation churn > MIN_ACTIVATION_BALANCE
		var totals []Gwei
		for _, c := range []Gwei{0, 1, inc, 32 * inc, floorAt, capAt, consolAt, usefulAt, 120_000_000 * inc} {
			for _, d := range []Gwei{0, 1, q - 1, q, inc * q} {
				totals = append(totals, c+d)
				if c >= d {
					totals = append(totals, c-d)
				}
			}
		}
		rng := rand.New(rand.NewPCG(1, uint64(cfg.SlotsPerEpoch)))
		for range 300 {
			totals = append(totals, Gwei(rng.Uint64N(uint64(2*usefulAt))))
			totals = append(totals, Gwei(rng.Uint64N(uint64(130_000_000*inc))))
		}
		for _, total := range totals {
			b, ae, c := rqBalanceChurn(&cfg, total), rqActivationExitChurn(&cfg, total), rqConsolidationChurn(&cfg, total)
			if got := balanceChurnLimit(&cfg, total); got != b {
				t.Errorf("%s total %d: balance churn %d, spec %d", cfg.PresetName, total, got, b)
			}
			if got := activationExitChurnLimit(&cfg, total); got != ae {
				t.Errorf("%s total %d: activation/exit churn %d, spec %d", cfg.PresetName, total, got, ae)
			}
			if got := consolidationChurnLimit(&cfg, total); got != c {
				t.Errorf("%s total %d: consolidation churn %d, spec %d", cfg.PresetName, total, got, c)
			}
		}
		// Hand-computed anchors for the reference itself.
		for _, a := range []struct {
			total, b, ae, c Gwei
		}{
			{floorAt - 1, cfg.MinPerEpochChurnLimitElectra, cfg.MinPerEpochChurnLimitElectra, 0},
			{floorAt + inc*q - 1, cfg.MinPerEpochChurnLimitElectra, cfg.MinPerEpochChurnLimitElectra, 0},
			{floorAt + inc*q, cfg.MinPerEpochChurnLimitElectra + inc, cfg.MinPerEpochChurnLimitElectra + inc, 0},
			{capAt, cfg.MaxPerEpochActivationExitChurnLimit, cfg.MaxPerEpochActivationExitChurnLimit, 0},
			{consolAt - 1, cfg.MaxPerEpochActivationExitChurnLimit, cfg.MaxPerEpochActivationExitChurnLimit, 0},
			{consolAt, cfg.MaxPerEpochActivationExitChurnLimit + inc, cfg.MaxPerEpochActivationExitChurnLimit, inc},
			{usefulAt, cfg.MaxPerEpochActivationExitChurnLimit + 33*inc, cfg.MaxPerEpochActivationExitChurnLimit, 33 * inc},
		} {
			if rqBalanceChurn(&cfg, a.total) != a.b || rqActivationExitChurn(&cfg, a.total) != a.ae || rqConsolidationChurn(&cfg, a.total) != a.c {
				t.Fatalf("%s: reference disagrees with hand anchor %+v", cfg.PresetName, a)
			}
		}
		// The state forms: a one-validator registry whose effective balance
		// is the total (get_total_active_balance floors it at one increment).
		for _, total := range totals[:40] {
			st := efState(&cfg, total)
			tot := rqTotalActive(&cfg, st)
			if got := GetBalanceChurnLimit(&cfg, st); got != rqBalanceChurn(&cfg, tot) {
				t.Errorf("%s: GetBalanceChurnLimit(total %d) = %d, spec %d", cfg.PresetName, tot, got, rqBalanceChurn(&cfg, tot))
			}
			if got := GetActivationExitChurnLimit(&cfg, st); got != rqActivationExitChurn(&cfg, tot) {
				t.Errorf("%s: GetActivationExitChurnLimit(total %d) = %d", cfg.PresetName, tot, got)
			}
			if got := GetConsolidationChurnLimit(&cfg, st); got != rqConsolidationChurn(&cfg, tot) {
				t.Errorf("%s: GetConsolidationChurnLimit(total %d) = %d", cfg.PresetName, tot, got)
			}
		}
	}
}

// TestChurnQueuesAgainstSpecText books random sequences of exits and
// consolidations (balances from 0 to 2048 ETH, including exact fits and
// one Gwei over the balance left) while the epoch advances irregularly and
// the total active balance changes, and compares each returned epoch and
// the queue fields with the reference after every call.
func TestChurnQueuesAgainstSpecText(t *testing.T) {
	for _, cfg := range []Config{Mainnet(), Minimal()} {
		inc := cfg.EffectiveBalanceIncrement
		q := Gwei(cfg.ChurnLimitQuotient)
		capAt := cfg.MaxPerEpochActivationExitChurnLimit * q
		// Totals below the floor, between floor and cap, and above the cap
		// (with zero and with small or large consolidation churn).
		pool := []Gwei{32 * inc, cfg.MinPerEpochChurnLimitElectra*q + 37*inc*q, capAt, capAt + inc*q, capAt + 49*inc*q, 3 * capAt}
		// The exported forms read the total from the state: one validator
		// whose effective balance leaves 49 increments of consolidation churn.
		registry := capAt + 49*inc*q + 5
		for seed := range uint64(4) {
			rng := rand.New(rand.NewPCG(seed, 0xc4))
			st := efState(&cfg, registry)
			exitQ := rqQueue{st.EarliestExitEpoch, st.ExitBalanceToConsume}
			consQ := rqQueue{st.EarliestConsolidationEpoch, st.ConsolidationBalanceToConsume}
			epoch := Epoch(rng.IntN(50))
			for step := range 1500 {
				switch r := rng.IntN(10); {
				case r < 6: // same epoch
				case r < 9:
					epoch += Epoch(1 + rng.IntN(3))
				default:
					epoch += Epoch(5 + rng.IntN(60))
				}
				st.Slot = ComputeStartSlotAtEpoch(&cfg, epoch) + Slot(rng.IntN(int(cfg.SlotsPerEpoch)))
				exported := rng.IntN(3) == 0
				total := pool[rng.IntN(len(pool))]
				if exported {
					total = rqTotalActive(&cfg, st)
				}
				consolidation := rng.IntN(2) == 0
				ref := &exitQ
				if consolidation {
					ref = &consQ
				}
				var amount Gwei
				switch rng.IntN(7) {
				case 0:
					amount = 0
				case 1:
					amount = 1
				case 2:
					amount = ref.toConsume
				case 3:
					amount = ref.toConsume + 1
				case 4:
					amount = 32 * inc
				case 5:
					amount = Gwei(1+rng.IntN(2048)) * inc
				default:
					amount = Gwei(rng.Uint64N(uint64(2048*inc) + 1))
				}
				var got, want Epoch
				if consolidation {
					want = consQ.book(&cfg, epoch, rqConsolidationChurn(&cfg, total), amount)
					if exported {
						got = ComputeConsolidationEpochAndUpdateChurn(&cfg, st, amount)
					} else {
						got = computeConsolidationEpochAndUpdateChurn(&cfg, st, amount, total)
					}
				} else {
					want = exitQ.book(&cfg, epoch, rqActivationExitChurn(&cfg, total), amount)
					if exported {
						got = ComputeExitEpochAndUpdateChurn(&cfg, st, amount)
					} else {
						got = computeExitEpochAndUpdateChurn(&cfg, st, amount, total)
					}
				}
				if got != want || st.EarliestExitEpoch != exitQ.earliest || st.ExitBalanceToConsume != exitQ.toConsume ||
					st.EarliestConsolidationEpoch != consQ.earliest || st.ConsolidationBalanceToConsume != consQ.toConsume {
					t.Fatalf("%s seed %d step %d (epoch %d, total %d, amount %d, consolidation %v): epoch %d want %d; "+
						"exit queue (%d, %d) want (%d, %d); consolidation queue (%d, %d) want (%d, %d)",
						cfg.PresetName, seed, step, epoch, total, amount, consolidation, got, want,
						st.EarliestExitEpoch, st.ExitBalanceToConsume, exitQ.earliest, exitQ.toConsume,
						st.EarliestConsolidationEpoch, st.ConsolidationBalanceToConsume, consQ.earliest, consQ.toConsume)
				}
			}
		}
	}
}

// TestCompoundingEffectiveBalanceWalk raises a 0x02 validator's balance in
// 0.05 ETH steps from 32 to 2060 ETH and back down to 1990 ETH.
// process_effective_balance_updates must move the effective balance one
// whole ETH at a time: up at the first balance above EB + 1.25 ETH
// (HYSTERESIS_INCREMENT * HYSTERESIS_UPWARD_MULTIPLIER = 0.25 * 5), down at
// the first balance below EB - 0.25 ETH, never above 2048 ETH.
func TestCompoundingEffectiveBalanceWalk(t *testing.T) {
	cfg := Minimal()
	eth := efETH
	const step = Gwei(50_000_000)
	up, down := eth+eth/4, eth/4
	st := efState(&cfg, 32*eth)
	st.MutValidator(ValidatorIndex(0)).WithdrawalCredentials = tuCreds(CompoundingWithdrawalPrefix, 0)
	raises := 0
	for b := 32 * eth; b <= 2060*eth; b += step {
		prev := st.Validators[0].EffectiveBalance
		st.Balances[0] = b
		ProcessEffectiveBalanceUpdates(&cfg, st)
		got := st.Validators[0].EffectiveBalance
		want := prev
		if b > prev+up && prev < 2048*eth {
			want = prev + eth
			raises++
		}
		if got != want {
			t.Fatalf("rising: balance %d, effective %d -> %d, want %d", b, prev, got, want)
		}
	}
	if raises != 2016 || st.Validators[0].EffectiveBalance != 2048*eth {
		t.Fatalf("%d raises to %d, want 2016 to 2048 ETH", raises, st.Validators[0].EffectiveBalance)
	}
	lowers := 0
	for b := 2060 * eth; b >= 1990*eth; b -= step {
		prev := st.Validators[0].EffectiveBalance
		st.Balances[0] = b
		ProcessEffectiveBalanceUpdates(&cfg, st)
		got := st.Validators[0].EffectiveBalance
		want := prev
		if b+down < prev {
			want = prev - eth
			lowers++
		}
		if got != want {
			t.Fatalf("falling: balance %d, effective %d -> %d, want %d", b, prev, got, want)
		}
	}
	// The last drop is to 1990 at 1990.70 ETH (below 1991 - 0.25).
	if lowers != 58 || st.Validators[0].EffectiveBalance != 1990*eth {
		t.Fatalf("%d drops to %d, want 58 to 1990 ETH", lowers, st.Validators[0].EffectiveBalance)
	}
	// The exact thresholds away from 32 ETH, and the caps.
	for _, tc := range []struct {
		prefix      byte
		eb, balance Gwei
		want        Gwei
	}{
		{0x02, 1000 * eth, 1001*eth + eth/4, 1000 * eth},
		{0x02, 1000 * eth, 1001*eth + eth/4 + 1, 1001 * eth},
		{0x02, 1000 * eth, 999*eth + 3*eth/4, 1000 * eth},
		{0x02, 1000 * eth, 999*eth + 3*eth/4 - 1, 999 * eth},
		{0x02, 32 * eth, 3000 * eth, 2048 * eth},
		{0x01, 32 * eth, 2000 * eth, 32 * eth},
	} {
		st := efState(&cfg, tc.balance)
		st.MutValidator(ValidatorIndex(0)).WithdrawalCredentials = tuCreds(tc.prefix, 0)
		st.MutValidator(ValidatorIndex(0)).EffectiveBalance = tc.eb
		ProcessEffectiveBalanceUpdates(&cfg, st)
		if got := st.Validators[0].EffectiveBalance; got != tc.want {
			t.Errorf("0x%02x eb %d balance %d: effective %d, want %d", tc.prefix, tc.eb, tc.balance, got, tc.want)
		}
	}
}

// TestCompoundingKeepsRewards: over 500 epochs of full participation a
// 0x02 validator's rewards raise its effective balance (and so its later
// rewards) and none of them is swept; the same rewards on 0x01 validators
// stay at a 32 ETH effective balance and get_expected_withdrawals sweeps
// balance - 32 ETH. At 2048 ETH a 0x02 validator's excess is swept too.
func TestCompoundingKeepsRewards(t *testing.T) {
	cfg := Minimal()
	eth := efETH
	st := efState(&cfg, efN(4, 32*eth)...)
	for i := range st.Validators {
		st.MutValidator(ValidatorIndex(i)).WithdrawalCredentials = tuCreds(ETH1AddressWithdrawalPrefix, i)
	}
	st.MutValidator(ValidatorIndex(0)).WithdrawalCredentials = tuCreds(CompoundingWithdrawalPrefix, 0)
	for range 500 {
		efSet(st.CurrentEpochParticipation, efAllFlags, 0, 1, 2, 3)
		efAdvance(t, &cfg, st)
	}
	a, b := st.Validators[0], st.Validators[1]
	t.Logf("after 500 epochs: 0x02 balance %d (eb %d), 0x01 balance %d (eb %d)", st.Balances[0], a.EffectiveBalance, st.Balances[1], b.EffectiveBalance)
	if st.Balances[1] <= 32*eth+eth || b.EffectiveBalance != 32*eth {
		t.Fatalf("0x01 validator: balance %d, effective %d; want over 33 ETH and 32 ETH", st.Balances[1], b.EffectiveBalance)
	}
	// Rewards only: the balance never fell, so the effective balance is at
	// most the balance and within the 1.25 ETH upward hysteresis of it.
	if a.EffectiveBalance <= 32*eth || a.EffectiveBalance > st.Balances[0] || a.EffectiveBalance+eth+eth/4 < st.Balances[0] {
		t.Fatalf("0x02 validator: effective %d for balance %d", a.EffectiveBalance, st.Balances[0])
	}
	if st.Balances[0] <= st.Balances[1] {
		t.Errorf("compounding validator earned no more: %d vs %d", st.Balances[0], st.Balances[1])
	}
	want := []Withdrawal{
		{Index: 0, ValidatorIndex: 1, Amount: st.Balances[1] - 32*eth},
		{Index: 1, ValidatorIndex: 2, Amount: st.Balances[2] - 32*eth},
		{Index: 2, ValidatorIndex: 3, Amount: st.Balances[3] - 32*eth},
	}
	if got := ExpectedWithdrawals(&cfg, st); !slices.Equal(got, want) {
		t.Errorf("expected withdrawals %v, want %v", got, want)
	}

	// 2048 ETH: excess above the compounding maximum is swept; 2047 ETH
	// effective balance with 2048.2 ETH is not at the maximum: nothing.
	st = efState(&cfg, 2048*eth+3*eth+7, 2048*eth+eth/5, 32*eth)
	st.MutValidator(ValidatorIndex(0)).EffectiveBalance = 2048 * eth
	st.MutValidator(ValidatorIndex(1)).EffectiveBalance = 2047 * eth
	if got := ExpectedWithdrawals(&cfg, st); !slices.Equal(got, []Withdrawal{{Index: 0, ValidatorIndex: 0, Amount: 3*eth + 7}}) {
		t.Errorf("at the maximum: %v", got)
	}
}

// TestPendingPartialsPaidBySweep: partial withdrawals requested in a block
// at epoch SHARD_COMMITTEE_PERIOD are paid by process_withdrawals from
// their withdrawable epoch on, at most MAX_PENDING_PARTIALS_PER_WITHDRAWALS_SWEEP
// (2 on minimal) per payload, each capped to leave 32 ETH, and leave the queue.
func TestPendingPartialsPaidBySweep(t *testing.T) {
	cfg := Minimal()
	eth := tuETH
	keys := &rqKeys{verify: true}
	vals := make([]GenesisValidator, 64)
	for i := range vals {
		prefix, bal := byte(ETH1AddressWithdrawalPrefix), 32*eth
		if i < 3 {
			prefix, bal = CompoundingWithdrawalPrefix, 40*eth
		}
		vals[i] = GenesisValidator{Balance: bal, WithdrawalCredentials: tuCreds(prefix, i)}
	}
	st := tuGenesisWith(t, &cfg, vals)
	st.Caches().SetKeys(keys)
	tuAdvance(t, &cfg, st, ComputeStartSlotAtEpoch(&cfg, Epoch(cfg.ShardCommitteePeriod)))

	pre := st.Copy()
	sb := tuBlock(t, &cfg, st, nil, nil, nil, nil)
	if len(sb.Message.Body.Withdrawals) != 0 {
		t.Fatalf("unexpected sweep withdrawals %v", sb.Message.Body.Withdrawals)
	}
	sb.Message.Body.ExecutionRequests.Withdrawals = []WithdrawalRequest{rqWithdrawal(0, 5*eth), rqWithdrawal(1, 5*eth), rqWithdrawal(2, 5*eth)}
	rep, err := ProcessBlock(&cfg, st, sb, AcceptAll{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests.PartialWithdrawals != 3 {
		t.Fatalf("requests report %+v", rep.Requests)
	}
	// Queue expected from the pre-state: amounts min(balance - 32 ETH, 5 ETH),
	// withdrawable at the exit-churn epoch + MIN_VALIDATOR_WITHDRAWABILITY_DELAY.
	exitQ := rqQueue{pre.EarliestExitEpoch, pre.ExitBalanceToConsume}
	per := rqActivationExitChurn(&cfg, rqTotalActive(&cfg, pre))
	var wantQueue []PendingPartialWithdrawal
	for i := range 3 {
		amount := min(pre.Balances[i]-32*eth, 5*eth)
		e := exitQ.book(&cfg, rqEpoch(&cfg, pre), per, amount)
		wantQueue = append(wantQueue, PendingPartialWithdrawal{ValidatorIndex: ValidatorIndex(i), Amount: amount, WithdrawableEpoch: e + 256})
	}
	if !slices.Equal(st.PendingPartialWithdrawals, wantQueue) {
		t.Fatalf("queue %v, want %v", st.PendingPartialWithdrawals, wantQueue)
	}
	w := wantQueue[0].WithdrawableEpoch
	if wantQueue[2].WithdrawableEpoch != w {
		t.Fatalf("queue spans epochs %v", wantQueue)
	}

	// The epoch before: nothing is paid.
	tuAdvance(t, &cfg, st, ComputeStartSlotAtEpoch(&cfg, w)-1)
	if got := ExpectedWithdrawals(&cfg, st); len(got) != 0 {
		t.Fatalf("epoch %d: paid before withdrawable: %v", rqEpoch(&cfg, st), got)
	}
	tuAdvance(t, &cfg, st, ComputeStartSlotAtEpoch(&cfg, w))
	// Validator 1 lost balance meanwhile: its payment is capped at 2 ETH.
	if st.Balances[1] < 34*eth {
		t.Fatalf("validator 1 balance %d", st.Balances[1])
	}
	st.DecreaseBalance(1, st.Balances[1]-34*eth)
	before := st.Copy()
	want := []Withdrawal{
		{Index: 0, ValidatorIndex: 0, Amount: min(before.Balances[0]-32*eth, wantQueue[0].Amount)},
		{Index: 1, ValidatorIndex: 1, Amount: 2 * eth},
	}
	sb = tuBlock(t, &cfg, st, nil, nil, nil, nil)
	if !slices.Equal(sb.Message.Body.Withdrawals, want) {
		t.Fatalf("first payload %v, want %v", sb.Message.Body.Withdrawals, want)
	}
	// The block's sync aggregate is empty: each seat loses participant_reward.
	pen0, pen1 := tuEmptySyncPenalty(&cfg, st, 0), tuEmptySyncPenalty(&cfg, st, 1)
	rep, err = ProcessBlock(&cfg, st, sb, AcceptAll{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Withdrawals != 2 || st.Balances[0] != before.Balances[0]-want[0].Amount-pen0 || st.Balances[1] != 32*eth-pen1 ||
		st.Ledger.Withdrawn != want[0].Amount+want[1].Amount {
		t.Fatalf("after first payload: %d withdrawals, balances %d %d, withdrawn %d", rep.Withdrawals, st.Balances[0], st.Balances[1], st.Ledger.Withdrawn)
	}
	if !slices.Equal(st.PendingPartialWithdrawals, wantQueue[2:]) {
		t.Fatalf("queue after first payload %v", st.PendingPartialWithdrawals)
	}
	tuAdvance(t, &cfg, st, st.Slot+1)
	bal2 := st.Balances[2]
	sb = tuBlock(t, &cfg, st, nil, nil, nil, nil)
	if want := []Withdrawal{{Index: 2, ValidatorIndex: 2, Amount: min(bal2-32*eth, 5*eth)}}; !slices.Equal(sb.Message.Body.Withdrawals, want) {
		t.Fatalf("second payload %v, want %v", sb.Message.Body.Withdrawals, want)
	}
	if _, err := ProcessBlock(&cfg, st, sb, AcceptAll{}); err != nil {
		t.Fatal(err)
	}
	if len(st.PendingPartialWithdrawals) != 0 || st.Balances[2] != bal2-min(bal2-32*eth, 5*eth) {
		t.Fatalf("after second payload: queue %v balance %d", st.PendingPartialWithdrawals, st.Balances[2])
	}
	if err := st.CheckConservation(); err != nil {
		t.Fatal(err)
	}
}

// TestPendingPartialsLimitMainnet: with MAX_PENDING_PARTIALS_PER_WITHDRAWALS_SWEEP
// = 8 the queue yields at most 8 withdrawals; an entry whose validator is
// no longer eligible (exiting) is processed without paying and does not
// count against the limit; two entries of one validator see the balance
// left after the first; a not-yet-withdrawable entry stops the queue.
func TestPendingPartialsLimitMainnet(t *testing.T) {
	cfg := Mainnet()
	eth := efETH
	bals := efN(40, 32*eth)
	for i := range 12 {
		bals[i] = 40 * eth
	}
	st := efState(&cfg, bals...)
	efAtEpochEnd(&cfg, st, 20)
	st.MutValidator(ValidatorIndex(2)).ExitEpoch, st.MutValidator(ValidatorIndex(2)).WithdrawableEpoch = 25, 281
	pw := func(i int, amount Gwei, epoch Epoch) PendingPartialWithdrawal {
		return PendingPartialWithdrawal{ValidatorIndex: ValidatorIndex(i), Amount: amount, WithdrawableEpoch: epoch}
	}
	st.PendingPartialWithdrawals = []PendingPartialWithdrawal{
		pw(0, 5*eth, 20), pw(0, 5*eth, 3), pw(1, eth, 20), pw(2, eth, 20), // entry 3: exiting, skipped
		pw(3, eth, 20), pw(4, eth, 20), pw(5, eth, 20), pw(6, eth, 20), pw(7, eth, 20), // 8th withdrawal is validator 7's
		pw(8, eth, 20), pw(9, eth, 21), pw(10, eth, 20),
	}
	ew, err := getExpectedWithdrawals(&cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	want := []Withdrawal{
		{Index: 0, ValidatorIndex: 0, Amount: 5 * eth}, {Index: 1, ValidatorIndex: 0, Amount: 3 * eth}, // 40 - 5 - 32 = 3 left
		{Index: 2, ValidatorIndex: 1, Amount: eth}, {Index: 3, ValidatorIndex: 3, Amount: eth},
		{Index: 4, ValidatorIndex: 4, Amount: eth}, {Index: 5, ValidatorIndex: 5, Amount: eth},
		{Index: 6, ValidatorIndex: 6, Amount: eth}, {Index: 7, ValidatorIndex: 7, Amount: eth},
	}
	if !slices.Equal(ew.withdrawals, want) || ew.partialsProcessed != 9 {
		t.Fatalf("withdrawals %v (processed %d), want %v (processed 9)", ew.withdrawals, ew.partialsProcessed, want)
	}
	// With the limit lifted the queue stops at validator 9's entry (epoch 21 > 20).
	cfg.MaxPendingPartialsPerWithdrawalsSweep = 100
	ew, err = getExpectedWithdrawals(&cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	if ew.partialsProcessed != 10 || len(ew.withdrawals) != 9 || ew.withdrawals[8].ValidatorIndex != 8 {
		t.Fatalf("unlimited: withdrawals %v processed %d; want 9 withdrawals ending with validator 8, 10 processed", ew.withdrawals, ew.partialsProcessed)
	}
}

// TestPendingDepositsFIFO: deposits are applied in queue order within the
// activation churn (64 ETH here: 8 validators of 32 ETH on minimal), stop
// at the first that does not fit even if a later one would, keep the rest
// in order, and send deposits of exiting validators to the back.
func TestPendingDepositsFIFO(t *testing.T) {
	cfg := Minimal()
	eth := efETH
	d := func(k uint64, amount Gwei) PendingDeposit { return efDeposit(k, amount, 10) }
	for _, tc := range []struct {
		name      string
		queue     []PendingDeposit
		carry     Gwei
		balances  [8]Gwei // ETH added per validator
		rest      []PendingDeposit
		toConsume Gwei
	}{
		// 10 + 20 + 30 = 60; 60 + 5 > 64 stops; the 1 ETH behind it waits.
		{"stops at the churn", []PendingDeposit{d(1, 10*eth), d(2, 20*eth), d(3, 30*eth), d(4, 5*eth), d(5, 1*eth)}, 0,
			[8]Gwei{0, 10 * eth, 20 * eth, 30 * eth}, []PendingDeposit{d(4, 5*eth), d(5, 1*eth)}, 4 * eth},
		// Validator 6 is exiting: its deposit goes behind the stopped rest.
		{"postponed to the back", []PendingDeposit{d(1, 10*eth), d(6, 3*eth), d(2, 20*eth), d(3, 40*eth), d(4, 1*eth)}, 0,
			[8]Gwei{0, 10 * eth, 20 * eth}, []PendingDeposit{d(3, 40*eth), d(4, 1*eth), d(6, 3*eth)}, 34 * eth},
		// Exactly 64: the churn is not "reached", nothing carries over.
		{"exact fit", []PendingDeposit{d(1, 30*eth), d(2, 34*eth)}, 0, [8]Gwei{0, 30 * eth, 34 * eth}, nil, 0},
		// One Gwei over: reached with 0 left.
		{"one gwei over", []PendingDeposit{d(1, 30*eth), d(2, 34*eth), d(3, 1)}, 0, [8]Gwei{0, 30 * eth, 34 * eth}, []PendingDeposit{d(3, 1)}, 0},
		// Carried churn adds to this epoch's: 64 + 20 = 84 >= 40 + 40.
		{"carried churn", []PendingDeposit{d(1, 40*eth), d(2, 40*eth), d(3, 40*eth)}, 20 * eth,
			[8]Gwei{0, 40 * eth, 40 * eth}, []PendingDeposit{d(3, 40*eth)}, 4 * eth},
		// Validator 7 is withdrawn: applied without consuming churn.
		{"withdrawn validator bypasses the churn", []PendingDeposit{d(7, 100*eth), d(1, 64*eth)}, 0,
			[8]Gwei{0, 64 * eth, 0, 0, 0, 0, 0, 100 * eth}, nil, 0},
	} {
		st := efDepositState(&cfg)
		st.MutValidator(ValidatorIndex(6)).ExitEpoch, st.MutValidator(ValidatorIndex(6)).WithdrawableEpoch = 20, 276
		st.MutValidator(ValidatorIndex(7)).ExitEpoch, st.MutValidator(ValidatorIndex(7)).WithdrawableEpoch = 4, 9
		// Total active is 7 * 32 = 224 ETH: the churn is still the 64 ETH floor.
		st.DepositBalanceToConsume = tc.carry
		st.PendingDeposits = tc.queue
		if err := ProcessPendingDeposits(&cfg, st, efPubkeyIndex); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for i := range 8 {
			if st.Balances[i] != 32*eth+tc.balances[i] {
				t.Errorf("%s: validator %d balance %d, want %d", tc.name, i, st.Balances[i], 32*eth+tc.balances[i])
			}
		}
		if !slices.Equal(st.PendingDeposits, tc.rest) || st.DepositBalanceToConsume != tc.toConsume {
			t.Errorf("%s: queue %v to consume %d, want %v and %d", tc.name, st.PendingDeposits, st.DepositBalanceToConsume, tc.rest, tc.toConsume)
		}
		if err := st.CheckConservation(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestPendingDepositsAgainstSpecText runs process_pending_deposits on
// random queues of top-ups (random amounts, slots around the finalized
// slot, validators active, exiting, withdrawn, or withdrawable exactly next
// epoch, random carried churn) and compares with the spec text.
func TestPendingDepositsAgainstSpecText(t *testing.T) {
	cfg := Minimal()
	eth := efETH
	rng := rand.New(rand.NewPCG(7, 11))
	for trial := range 400 {
		st := efDepositState(&cfg) // end of epoch 10, finalized epoch 8
		for i := range st.Validators {
			v := &st.Validators[i]
			switch rng.IntN(6) {
			case 0: // exiting
				v.ExitEpoch, v.WithdrawableEpoch = 20, 276
			case 1: // withdrawn
				v.ExitEpoch, v.WithdrawableEpoch = 4, 9
			case 2: // withdrawable at the next epoch: not yet "withdrawn"
				v.ExitEpoch, v.WithdrawableEpoch = 5, 11
			}
		}
		st.DepositBalanceToConsume = Gwei(rng.IntN(3)) * Gwei(rng.Uint64N(uint64(30*eth)))
		for range rng.IntN(26) {
			amount := Gwei(1+rng.IntN(40)) * eth
			if rng.IntN(3) == 0 {
				amount = Gwei(1 + rng.Uint64N(uint64(40*eth)))
			}
			slot := Slot(rng.IntN(65))
			if rng.IntN(8) == 0 {
				slot = Slot(65 + rng.IntN(20))
			}
			st.PendingDeposits = append(st.PendingDeposits, efDeposit(uint64(rng.IntN(8)), amount, slot))
		}

		// The spec text.
		queue := slices.Clone(st.PendingDeposits)
		bal := slices.Clone(st.Balances)
		next := rqEpoch(&cfg, st) + 1
		avail := st.DepositBalanceToConsume + rqActivationExitChurn(&cfg, rqTotalActive(&cfg, st))
		finalizedSlot := Slot(uint64(st.FinalizedCheckpoint.Epoch) * cfg.SlotsPerEpoch)
		var processed, deposited Gwei
		var postponed []PendingDeposit
		nextIndex, reached := 0, false
		for _, dep := range queue {
			if dep.Slot > finalizedSlot || uint64(nextIndex) >= cfg.MaxPendingDepositsPerEpoch {
				break
			}
			k, _ := efPubkeyIndex(dep.Pubkey)
			v := st.Validators[k]
			if v.WithdrawableEpoch < next {
				bal[k] += dep.Amount
				deposited += dep.Amount
			} else if v.ExitEpoch < FarFutureEpoch {
				postponed = append(postponed, dep)
			} else {
				if processed+dep.Amount > avail {
					reached = true
					break
				}
				processed += dep.Amount
				bal[k] += dep.Amount
				deposited += dep.Amount
			}
			nextIndex++
		}
		wantQueue := append(slices.Clone(queue[nextIndex:]), postponed...)
		wantToConsume := Gwei(0)
		if reached {
			wantToConsume = avail - processed
		}

		ledger := st.Ledger
		if err := ProcessPendingDeposits(&cfg, st, efPubkeyIndex); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if !slices.Equal(st.Balances, bal) || !slices.Equal(st.PendingDeposits, wantQueue) || st.DepositBalanceToConsume != wantToConsume ||
			st.Ledger.Deposited-ledger.Deposited != deposited {
			t.Fatalf("trial %d: balances %v want %v\nqueue %v\nwant  %v\nto consume %d want %d, deposited %d want %d", trial,
				st.Balances, bal, st.PendingDeposits, wantQueue, st.DepositBalanceToConsume, wantToConsume,
				st.Ledger.Deposited-ledger.Deposited, deposited)
		}
		if err := st.CheckConservation(); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
	}
}

// TestPendingConsolidationsOrder: consolidations complete in queue order;
// a slashed source is dropped without moving anything; the first source
// not yet withdrawable (withdrawable_epoch > next epoch) stops the queue,
// and withdrawable or slashed entries behind it wait. Each completed one
// moves min(balance, effective balance) of the source.
func TestPendingConsolidationsOrder(t *testing.T) {
	cfg := Minimal()
	eth := efETH
	st := efState(&cfg, 33*eth, 64*eth, 32*eth, 64*eth, 32*eth, 64*eth, 31*eth, 64*eth, 32*eth)
	efAtEpochEnd(&cfg, st, 10) // next epoch 11
	set := func(i int, exit, withdrawable Epoch, slashed bool) {
		v := &st.Validators[i]
		v.ExitEpoch, v.WithdrawableEpoch, v.Slashed = exit, withdrawable, slashed
	}
	st.MutValidator(ValidatorIndex(0)).EffectiveBalance = 32 * eth // 33 ETH balance, 32 ETH effective
	st.MutValidator(ValidatorIndex(6)).EffectiveBalance = 32 * eth // 31 ETH balance, 32 ETH effective
	set(0, 3, 11, false)                                           // A: withdrawable at the next epoch
	set(2, 9, 200, true)                                           // S: slashed
	set(4, 9, 12, false)                                           // B: one epoch early
	set(6, 2, 5, false)                                            // C: long withdrawable
	set(8, 9, 300, true)                                           // D: slashed, behind B
	pc := func(s, t ValidatorIndex) PendingConsolidation {
		return PendingConsolidation{SourceIndex: s, TargetIndex: t}
	}
	st.PendingConsolidations = []PendingConsolidation{pc(0, 1), pc(2, 3), pc(4, 5), pc(6, 7), pc(8, 7)}
	ledger := st.Ledger
	if moved := ProcessPendingConsolidations(&cfg, st); moved != 1 {
		t.Fatalf("epoch 10: moved %d, want 1", moved)
	}
	wantBal := []Gwei{1 * eth, 96 * eth, 32 * eth, 64 * eth, 32 * eth, 64 * eth, 31 * eth, 64 * eth, 32 * eth}
	if !slices.Equal(st.Balances, wantBal) || !slices.Equal(st.PendingConsolidations, []PendingConsolidation{pc(4, 5), pc(6, 7), pc(8, 7)}) {
		t.Fatalf("epoch 10: balances %v queue %v", st.Balances, st.PendingConsolidations)
	}
	// A queue headed by a not-yet-withdrawable source does not move.
	c := st.Copy()
	if moved := ProcessPendingConsolidations(&cfg, c); moved != 0 || rqDiff(st, c) != "" {
		t.Fatalf("blocked queue moved %d: %s", moved, rqDiff(st, c))
	}
	efAtEpochEnd(&cfg, st, 11) // next epoch 12: B is due
	if moved := ProcessPendingConsolidations(&cfg, st); moved != 2 {
		t.Fatalf("epoch 11: moved %d, want 2", moved)
	}
	wantBal = []Gwei{1 * eth, 96 * eth, 32 * eth, 64 * eth, 0, 96 * eth, 0, 95 * eth, 32 * eth}
	if !slices.Equal(st.Balances, wantBal) || len(st.PendingConsolidations) != 0 {
		t.Fatalf("epoch 11: balances %v queue %v", st.Balances, st.PendingConsolidations)
	}
	if st.Ledger != ledger {
		t.Errorf("moves changed the ledger: %+v -> %+v", ledger, st.Ledger)
	}
	if err := st.CheckConservation(); err != nil {
		t.Fatal(err)
	}
}

// TestExecutionRequestsLimitsAndOrder covers process_operations' request
// part: list limits invalidate the block, requests run deposits, then
// withdrawals, then consolidations, and the report counts each outcome.
func TestExecutionRequestsLimitsAndOrder(t *testing.T) {
	cfg := Minimal()
	eth := efETH
	const n, epoch = 200, Epoch(100)
	fresh := func() *State {
		st := rqState(&cfg, n, epoch, &rqKeys{verify: true})
		rqCompounding(st, 20, 32*eth, 32*eth) // consolidation target
		rqCompounding(st, 30, 40*eth, 40*eth)
		return st
	}
	t.Run("limits", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			limit uint64
			make  func(k int) ExecutionRequests
		}{
			{"deposits", cfg.MaxDepositRequestsPerPayload, func(k int) ExecutionRequests {
				r := ExecutionRequests{Deposits: make([]DepositRequest, k)}
				for i := range r.Deposits {
					r.Deposits[i] = DepositRequest{Pubkey: efPubkey(uint64(i % n)), Amount: eth, Index: uint64(i)}
				}
				return r
			}},
			{"withdrawals", cfg.MaxWithdrawalRequestsPerPayload, func(k int) ExecutionRequests {
				r := ExecutionRequests{Withdrawals: make([]WithdrawalRequest, k)}
				for i := range r.Withdrawals {
					r.Withdrawals[i] = rqWithdrawal(n+i, 0) // unknown keys: ignored
				}
				return r
			}},
			{"consolidations", cfg.MaxConsolidationRequestsPerPayload, func(k int) ExecutionRequests {
				r := ExecutionRequests{Consolidations: make([]ConsolidationRequest, k)}
				for i := range r.Consolidations {
					r.Consolidations[i] = rqConsolidation(n+i, 20)
				}
				return r
			}},
		} {
			st := fresh()
			pre := st.Copy()
			over := tc.make(int(tc.limit) + 1)
			if _, err := ProcessExecutionRequests(&cfg, st, &over, 0); !errors.Is(err, ErrInvalidRequests) {
				t.Errorf("%s: %d requests: err %v, want ErrInvalidRequests", tc.name, tc.limit+1, err)
			}
			if d := rqDiff(pre, st); d != "" {
				t.Errorf("%s: over-limit batch changed the state: %s", tc.name, d)
			}
			at := tc.make(int(tc.limit))
			rep, err := ProcessExecutionRequests(&cfg, st, &at, 0)
			if err != nil {
				t.Errorf("%s: %d requests: %v", tc.name, tc.limit, err)
			}
			if got := rep.Deposits + rep.WithdrawalsIgnored + rep.ConsolidationIgnored; got != int(tc.limit) {
				t.Errorf("%s: report %+v accounts for %d of %d", tc.name, rep, got, tc.limit)
			}
		}
	})
	t.Run("block", func(t *testing.T) {
		vals := make([]GenesisValidator, 64)
		for i := range vals {
			vals[i] = GenesisValidator{Balance: 32 * eth, WithdrawalCredentials: tuCreds(ETH1AddressWithdrawalPrefix, i)}
		}
		st := tuGenesisWith(t, &cfg, vals)
		st.Caches().SetKeys(&rqKeys{verify: true})
		tuAdvance(t, &cfg, st, 1)
		sb := tuBlock(t, &cfg, st, nil, nil, nil, nil)
		sb.Message.Body.ExecutionRequests.Consolidations = []ConsolidationRequest{rqConsolidation(1, 2), rqConsolidation(3, 4), rqConsolidation(5, 6)}
		_, err := ProcessBlock(&cfg, st.Copy(), sb, AcceptAll{})
		if !errors.Is(err, ErrInvalidBlock) || !errors.Is(err, ErrInvalidRequests) {
			t.Fatalf("block with 3 consolidation requests: err %v", err)
		}
		sb.Message.Body.ExecutionRequests.Consolidations = sb.Message.Body.ExecutionRequests.Consolidations[:2]
		rep, err := ProcessBlock(&cfg, st, sb, AcceptAll{})
		if err != nil {
			t.Fatal(err)
		}
		// 64 validators: 2048 ETH, consolidation churn 0.
		if rep.Requests.ConsolidationIgnored != 2 || rep.Requests.Ignored[IgnoredChurnTooLow] != 2 {
			t.Fatalf("report %+v", rep.Requests)
		}
	})
	t.Run("order and report", func(t *testing.T) {
		st := fresh()
		reqs := ExecutionRequests{
			Deposits: []DepositRequest{
				{Pubkey: efPubkey(30), WithdrawalCredentials: tuCreds(CompoundingWithdrawalPrefix, 30), Amount: eth, Index: 7},
				{Pubkey: efPubkey(n), WithdrawalCredentials: tuCreds(CompoundingWithdrawalPrefix, n), Amount: 33 * eth, Index: 8},
			},
			Withdrawals: []WithdrawalRequest{
				rqWithdrawal(30, 2*eth),  // partial: queued
				rqWithdrawal(30, 10*eth), // sees the first: 40 - 32 - 2 = 6 ETH
				rqWithdrawal(40, 0),      // full exit
				rqWithdrawal(n+50, 0),    // unknown
				rqWithdrawal(41, 2*eth),  // 0x01: no partials
			},
			Consolidations: []ConsolidationRequest{
				rqConsolidation(30, 20), // the partial above is pending now
				rqConsolidation(40, 20), // the exit above is initiated now
			},
		}
		slot := st.Slot
		ledger := st.Ledger
		rep, err := ProcessExecutionRequests(&cfg, st, &reqs, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := RequestsReport{Deposits: 2, Exits: 1, PartialWithdrawals: 2, WithdrawalsIgnored: 2, ConsolidationIgnored: 2,
			Ignored: map[RequestResult]int{IgnoredUnknownSource: 1, IgnoredNoExcess: 1, IgnoredPendingWithdrawal: 1, IgnoredSourceExiting: 1}}
		if !reflect.DeepEqual(rep, want) {
			t.Errorf("report %+v, want %+v", rep, want)
		}
		if st.DepositRequestsStartIndex != 7 || len(st.PendingDeposits) != 2 ||
			st.PendingDeposits[0] != (PendingDeposit{Pubkey: efPubkey(30), WithdrawalCredentials: tuCreds(CompoundingWithdrawalPrefix, 30), Amount: eth, Slot: slot}) ||
			st.PendingDeposits[1].Amount != 33*eth || st.PendingDeposits[1].Slot != slot {
			t.Errorf("deposit requests: start index %d, queue %+v", st.DepositRequestsStartIndex, st.PendingDeposits)
		}
		if st.Ledger != ledger || st.Balances[30] != 40*eth {
			t.Errorf("a deposit request touched balances: ledger %+v", st.Ledger)
		}
		if len(st.PendingPartialWithdrawals) != 2 || st.PendingPartialWithdrawals[0].Amount != 2*eth || st.PendingPartialWithdrawals[1].Amount != 6*eth ||
			st.Validators[40].ExitEpoch == FarFutureEpoch ||
			st.Validators[30].ExitEpoch != FarFutureEpoch || len(st.PendingConsolidations) != 0 {
			t.Errorf("state after the batch: partials %v, exit(40) %d, exit(30) %d, consolidations %v",
				st.PendingPartialWithdrawals, st.Validators[40].ExitEpoch, st.Validators[30].ExitEpoch, st.PendingConsolidations)
		}
		// Control: without the withdrawals both consolidations are accepted,
		// so it was the order that made them fail.
		st = fresh()
		ctl := ExecutionRequests{Consolidations: reqs.Consolidations}
		rep, err = ProcessExecutionRequests(&cfg, st, &ctl, 0)
		if err != nil || rep.Consolidations != 2 ||
			!slices.Equal(st.PendingConsolidations, []PendingConsolidation{{SourceIndex: 30, TargetIndex: 20}, {SourceIndex: 40, TargetIndex: 20}}) {
			t.Errorf("control: report %+v err %v, queue %v (in request order)", rep, err, st.PendingConsolidations)
		}
		// A switch and a consolidation in one payload.
		st = fresh()
		sw := ExecutionRequests{Consolidations: []ConsolidationRequest{rqConsolidation(50, 50), rqConsolidation(51, 20)}}
		rep, err = ProcessExecutionRequests(&cfg, st, &sw, rqTotalActive(&cfg, st))
		if err != nil || !reflect.DeepEqual(rep, RequestsReport{Switches: 1, Consolidations: 1}) {
			t.Errorf("switch + consolidation: report %+v err %v", rep, err)
		}
		// A later deposit request keeps the first start index.
		more := ExecutionRequests{Deposits: []DepositRequest{{Pubkey: efPubkey(1), Amount: eth, Index: 99}}}
		if _, err := ProcessExecutionRequests(&cfg, st, &more, 0); err != nil || st.DepositRequestsStartIndex != 99 {
			t.Errorf("first deposit request on this state: start index %d err %v", st.DepositRequestsStartIndex, err)
		}
		more.Deposits[0].Index = 100
		if _, err := ProcessExecutionRequests(&cfg, st, &more, 0); err != nil || st.DepositRequestsStartIndex != 99 {
			t.Errorf("second deposit request: start index %d err %v", st.DepositRequestsStartIndex, err)
		}
	})
	t.Run("no key directory", func(t *testing.T) {
		st := efState(&cfg, efN(4, 32*eth)...)
		w := ExecutionRequests{Withdrawals: []WithdrawalRequest{rqWithdrawal(1, 0)}}
		if _, err := ProcessExecutionRequests(&cfg, st, &w, 0); !errors.Is(err, ErrNoKeyDirectory) {
			t.Errorf("withdrawal without keys: err %v", err)
		}
		d := ExecutionRequests{Deposits: []DepositRequest{{Pubkey: efPubkey(1), Amount: eth}}}
		if _, err := ProcessExecutionRequests(&cfg, st, &d, 0); err != nil || len(st.PendingDeposits) != 1 {
			t.Errorf("deposit without keys: err %v, queue %d", err, len(st.PendingDeposits))
		}
	})
}

// TestDepositProofOfPossession: apply_pending_deposit checks the proof of
// possession only for a key that holds no validator. A rejected deposit is
// dropped (the ledger books it as deposited and burned) but still consumes
// the churn it was admitted under, as in process_pending_deposits.
func TestDepositProofOfPossession(t *testing.T) {
	cfg := Minimal()
	eth := efETH
	setup := func(verify bool, queue ...PendingDeposit) (*State, *rqKeys) {
		keys := &rqKeys{verify: verify}
		st := efDepositState(&cfg) // 8 validators, churn 64 ETH
		c := NewCaches()
		c.SetKeys(keys)
		st.SetCaches(c)
		st.PendingDeposits = queue
		return st, keys
	}
	run := func(st *State, keys *rqKeys) {
		t.Helper()
		if err := ProcessPendingDeposits(&cfg, st, keys.PubkeyIndex); err != nil {
			t.Fatal(err)
		}
		if err := st.CheckConservation(); err != nil {
			t.Fatal(err)
		}
	}

	st, keys := setup(false, efDeposit(8, 40*eth, 10))
	ledger := st.Ledger
	run(st, keys)
	if len(st.Validators) != 8 || len(st.Balances) != 8 || len(st.PendingDeposits) != 0 {
		t.Errorf("rejected: %d validators, queue %d", len(st.Validators), len(st.PendingDeposits))
	}
	if st.Ledger.Deposited-ledger.Deposited != 40*eth || st.Ledger.Burned-ledger.Burned != 40*eth || !slices.Equal(keys.asked, []crypto.PublicKeyBytes{efPubkey(8)}) {
		t.Errorf("rejected: ledger %+v, verified %d keys", st.Ledger, len(keys.asked))
	}

	// The rejected 60 ETH used the churn: the 10 ETH top-up behind it waits.
	st, keys = setup(false, efDeposit(8, 60*eth, 10), efDeposit(1, 10*eth, 11))
	run(st, keys)
	if st.Balances[1] != 32*eth || len(st.PendingDeposits) != 1 || st.DepositBalanceToConsume != 4*eth {
		t.Errorf("rejected deposit and churn: balance %d, queue %d, to consume %d", st.Balances[1], len(st.PendingDeposits), st.DepositBalanceToConsume)
	}

	st, keys = setup(true, efDeposit(8, 40*eth, 10), efDeposit(8, eth, 10))
	ledger = st.Ledger
	run(st, keys)
	if len(st.Validators) != 9 || st.Balances[8] != 41*eth || len(keys.asked) != 1 {
		t.Fatalf("accepted: %d validators, balance %d, %d verifications", len(st.Validators), st.Balances[8], len(keys.asked))
	}
	want := Validator{WithdrawalCredentials: efCreds(CompoundingWithdrawalPrefix), EffectiveBalance: 40 * eth,
		ActivationEligibilityEpoch: FarFutureEpoch, ActivationEpoch: FarFutureEpoch, ExitEpoch: FarFutureEpoch, WithdrawableEpoch: FarFutureEpoch}
	if st.Validators[8] != want || st.Ledger.Burned != ledger.Burned || st.Ledger.Deposited-ledger.Deposited != 41*eth {
		t.Errorf("accepted: validator %+v, ledger %+v", st.Validators[8], st.Ledger)
	}

	// A top-up is never checked, whatever the directory would answer.
	st, keys = setup(false, efDeposit(3, 5*eth, 10))
	run(st, keys)
	if st.Balances[3] != 37*eth || len(keys.asked) != 0 {
		t.Errorf("top-up: balance %d, %d verifications", st.Balances[3], len(keys.asked))
	}

	// Two rejected deposits for one new key are each checked and burned.
	st, keys = setup(false, efDeposit(8, 2*eth, 10), efDeposit(8, 3*eth, 10))
	ledger = st.Ledger
	run(st, keys)
	if len(keys.asked) != 2 || st.Ledger.Burned-ledger.Burned != 5*eth || len(st.Validators) != 8 {
		t.Errorf("two rejected: %d verifications, burned %d", len(keys.asked), st.Ledger.Burned-ledger.Burned)
	}

	// ProcessEpoch reads the key directory from the caches and reports it.
	st, _ = setup(false, efDeposit(8, 40*eth, 10))
	rep, err := ProcessEpoch(&cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	if rep.DepositsRejected != 1 || rep.ValidatorsCreated != 0 || len(st.Validators) != 8 {
		t.Errorf("epoch report: rejected %d created %d", rep.DepositsRejected, rep.ValidatorsCreated)
	}
	if err := st.CheckConservation(); err != nil {
		t.Error(err)
	}
}
