package agents

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// Tests of the staking-operator agent. Every helper is prefixed op so that
// it cannot clash with other test files of the package.
//
// The fixtures: a minimal-preset registry of 32-ETH validators with 0x01
// credentials, validator i's address being opAddr(i) and its key
// opPubkey(i); the operator acts at epoch SHARD_COMMITTEE_PERIOD + 6, so
// every genesis validator may exit or be a consolidation source.
//
// Reference: consensus-specs electra/beacon-chain.md,
// process_withdrawal_request and process_consolidation_request.

const opETH = consensus.Gwei(1_000_000_000)

// opAddr is validator i's withdrawal address (distinct per validator, so a
// request sent from the wrong validator's address is caught).
func opAddr(i consensus.ValidatorIndex) consensus.ExecutionAddress {
	var a consensus.ExecutionAddress
	a[0] = 0xee
	binary.BigEndian.PutUint64(a[12:], uint64(i)+1)
	return a
}

// opCreds returns credentials with the given prefix and validator i's
// address in bytes [12:], as the spec lays them out.
func opCreds(prefix byte, i consensus.ValidatorIndex) consensus.Root {
	var r consensus.Root
	r[0] = prefix
	a := opAddr(i)
	copy(r[12:], a[:])
	return r
}

// opPubkey is the synthetic public key of validator i: a marker byte and
// the index in the last 8 bytes.
func opPubkey(i consensus.ValidatorIndex) crypto.PublicKeyBytes {
	var pk crypto.PublicKeyBytes
	pk[0] = 0xa5
	binary.BigEndian.PutUint64(pk[40:], uint64(i))
	return pk
}

// opIndex inverts opPubkey.
func opIndex(pk crypto.PublicKeyBytes) (consensus.ValidatorIndex, bool) {
	want := opPubkey(consensus.ValidatorIndex(binary.BigEndian.Uint64(pk[40:])))
	if pk != want {
		return 0, false
	}
	return consensus.ValidatorIndex(binary.BigEndian.Uint64(pk[40:])), true
}

// opKeys is a KeyDirectory over the synthetic keys (for the closed-loop test).
type opKeys struct{}

func (opKeys) PubkeyIndex(pk crypto.PublicKeyBytes) (consensus.ValidatorIndex, bool) {
	return opIndex(pk)
}
func (opKeys) Pubkey(i consensus.ValidatorIndex) crypto.PublicKeyBytes { return opPubkey(i) }
func (opKeys) VerifyDeposit(crypto.PublicKeyBytes, consensus.Root, crypto.Signature) bool {
	return false
}

// opEpoch is the epoch the tests act in: past SHARD_COMMITTEE_PERIOD.
func opEpoch(cfg *consensus.Config) consensus.Epoch {
	return consensus.Epoch(cfg.ShardCommitteePeriod + 6)
}

// opFirstSlot is the first slot of epoch e.
func opFirstSlot(cfg *consensus.Config, e consensus.Epoch) consensus.Slot {
	return consensus.Slot(uint64(e) * cfg.SlotsPerEpoch)
}

// opState builds a genesis state of n 32-ETH validators with 0x01
// credentials and moves it to the first slot of opEpoch.
func opState(t *testing.T, cfg *consensus.Config, n int) *consensus.State {
	t.Helper()
	vals := make([]consensus.GenesisValidator, n)
	for i := range vals {
		vals[i] = consensus.GenesisValidator{Balance: 32 * opETH, WithdrawalCredentials: opCreds(consensus.ETH1AddressWithdrawalPrefix, consensus.ValidatorIndex(i))}
	}
	caches := consensus.NewCaches()
	caches.SetKeys(opKeys{})
	st, err := consensus.NewGenesisState(cfg, vals, consensus.Root{7}, caches)
	if err != nil {
		t.Fatalf("NewGenesisState: %v", err)
	}
	st.Slot = opFirstSlot(cfg, opEpoch(cfg))
	return st
}

// opRange returns the indices [from, to).
func opRange(from, to int) []consensus.ValidatorIndex {
	var out []consensus.ValidatorIndex
	for i := from; i < to; i++ {
		out = append(out, consensus.ValidatorIndex(i))
	}
	return out
}

// opSetCompounding gives validators 0x02 credentials (as an applied switch
// request would).
func opSetCompounding(st *consensus.State, idx ...consensus.ValidatorIndex) {
	for _, i := range idx {
		st.Validators[i].WithdrawalCredentials[0] = consensus.CompoundingWithdrawalPrefix
	}
}

// opAct moves st to slot (the operator reads the view's head state, which
// is at the view's slot) and returns the operator's requests.
func opAct(o *Operator, cfg *consensus.Config, st *consensus.State, slot consensus.Slot, backlog Backlog) consensus.ExecutionRequests {
	st.Slot = slot
	v := &SlotView{Slot: slot, Epoch: consensus.Epoch(uint64(slot) / cfg.SlotsPerEpoch), Phase: PhasePropose}
	return o.Act(v, &Duties{Operate: &OperateDuty{Config: cfg, State: st, Backlog: backlog}}).Requests
}

// opPair is a consolidation request resolved to validators.
type opPair struct{ Source, Target consensus.ValidatorIndex }

func (p opPair) String() string { return fmt.Sprintf("%d->%d", p.Source, p.Target) }

// opPairs resolves consolidation requests, failing the test on an unknown
// key or a source address that is not the source's credential address
// (process_consolidation_request and is_valid_switch_to_compounding_request
// both compare withdrawal_credentials[12:] of the source with
// source_address).
func opPairs(t *testing.T, reqs []consensus.ConsolidationRequest) []opPair {
	t.Helper()
	var out []opPair
	for _, r := range reqs {
		s, ok1 := opIndex(r.SourcePubkey)
		d, ok2 := opIndex(r.TargetPubkey)
		if !ok1 || !ok2 {
			t.Fatalf("request with unknown keys: %+v", r)
		}
		if r.SourceAddress != opAddr(s) {
			t.Errorf("request %d->%d: source address %x, want validator %d's %x", s, d, r.SourceAddress, s, opAddr(s))
		}
		out = append(out, opPair{s, d})
	}
	return out
}

// opSwitches turns validator indices into switch-to-compounding pairs
// (source == target).
func opSwitches(idx ...consensus.ValidatorIndex) []opPair {
	var out []opPair
	for _, i := range idx {
		out = append(out, opPair{i, i})
	}
	return out
}

// opCheckLimit fails if a slot's requests exceed what one payload may carry
// minus what already waits in the execution layer's queue.
func opCheckLimit(t *testing.T, cfg *consensus.Config, slot consensus.Slot, r consensus.ExecutionRequests, b Backlog) {
	t.Helper()
	if lim := max(0, int(cfg.MaxConsolidationRequestsPerPayload)-b.Consolidations); len(r.Consolidations) > lim {
		t.Errorf("slot %d: %d consolidation requests with backlog %d, limit %d", slot, len(r.Consolidations), b.Consolidations, lim)
	}
	if lim := max(0, int(cfg.MaxWithdrawalRequestsPerPayload)-b.Withdrawals); len(r.Withdrawals) > lim {
		t.Errorf("slot %d: %d withdrawal requests with backlog %d, limit %d", slot, len(r.Withdrawals), b.Withdrawals, lim)
	}
}

// opStep is one slot of a scripted run: the backlog the operator sees and
// the consolidation requests it must send.
type opStep struct {
	backlog int
	want    []opPair
}

func opRun(t *testing.T, cfg *consensus.Config, st *consensus.State, o *Operator, first consensus.Slot, steps []opStep) {
	t.Helper()
	for k, s := range steps {
		slot := first + consensus.Slot(k)
		b := Backlog{Consolidations: s.backlog}
		r := opAct(o, cfg, st, slot, b)
		opCheckLimit(t, cfg, slot, r, b)
		if got := opPairs(t, r.Consolidations); !slices.Equal(got, s.want) {
			t.Errorf("slot %d (backlog %d): consolidations %v, want %v", slot, s.backlog, got, s.want)
		}
		if len(r.Deposits)+len(r.Withdrawals) != 0 {
			t.Errorf("slot %d: unexpected deposits/withdrawals %+v", slot, r)
		}
	}
}

func opConsolidator(owned []consensus.ValidatorIndex) *Operator {
	return NewOperator(OperatorConfig{
		ID: 1, Policy: PolicyConsolidate, TargetGwei: 128 * opETH,
		Validators: owned, Pubkey: opPubkey, Mode: SignOff,
	})
}

// TestOperatorConsolidateSwitchesTargetsFirst: with targets of 128 ETH
// every fourth owned 32-ETH validator is a target (32 + 3*32 = 128; a
// fifth would make 160). Targets still have 0x01 credentials, and
// process_consolidation_request ignores a target without 0x02 ones, so the
// operator first sends switch requests (source == target, from the
// target's own address), at most MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD
// minus the backlog per slot, and no source request. A switch that has not
// shown in the state is sent again RetryEpochs later.
func TestOperatorConsolidateSwitchesTargetsFirst(t *testing.T) {
	cfg := consensus.Minimal()
	if cfg.MaxConsolidationRequestsPerPayload != 2 {
		t.Fatalf("test assumes MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD 2, have %d", cfg.MaxConsolidationRequestsPerPayload)
	}
	retry := int(RetryEpochs * cfg.SlotsPerEpoch)
	none := func(n int) []opStep { return make([]opStep, n) }
	cases := []struct {
		name  string
		owned int
		steps []opStep
	}{
		{"8 owned", 8, append([]opStep{{0, opSwitches(0, 4)}}, none(8)...)},
		{"8 owned, backlog 1", 8, []opStep{{1, opSwitches(0)}, {1, opSwitches(4)}, {0, nil}, {1, nil}}},
		{"8 owned, queue full", 8, []opStep{{2, nil}, {3, nil}, {0, opSwitches(0, 4)}, {0, nil}}},
		{"24 owned", 24, []opStep{{0, opSwitches(0, 4)}, {0, opSwitches(8, 12)}, {0, opSwitches(16, 20)}, {0, nil}, {0, nil}}},
		// Not shown in the state: sent again exactly RetryEpochs after.
		{"8 owned, retry", 8, append(append([]opStep{{0, opSwitches(0, 4)}}, none(retry-1)...), opStep{0, opSwitches(0, 4)}, opStep{0, nil})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := opState(t, &cfg, 256)
			o := opConsolidator(opRange(0, c.owned))
			opRun(t, &cfg, st, o, st.Slot, c.steps)
			for i := range c.owned {
				if st.Validators[i].WithdrawalCredentials[0] != consensus.ETH1AddressWithdrawalPrefix {
					t.Fatalf("operator modified the state: validator %d credentials", i)
				}
			}
		})
	}
}

// TestOperatorConsolidateSourcesIntoTargets: once targets 0 and 4 hold
// 0x02 credentials, validators 1-3 are consolidated into 0 and 5-7 into 4,
// from the source's address, at most the per-payload limit minus the
// backlog per slot, and none while the backlog fills a payload.
func TestOperatorConsolidateSourcesIntoTargets(t *testing.T) {
	cfg := consensus.Minimal()
	st := opState(t, &cfg, 256)
	opSetCompounding(st, 0, 4)
	o := opConsolidator(opRange(0, 8))
	opRun(t, &cfg, st, o, st.Slot, []opStep{
		{0, []opPair{{1, 0}, {2, 0}}},
		{2, nil},
		{5, nil},
		{1, []opPair{{3, 0}}},
		{0, []opPair{{5, 4}, {6, 4}}},
		{0, []opPair{{7, 4}}},
		{0, nil},
		{0, nil},
	})
}

// TestOperatorConsolidateWaits: process_consolidation_request ignores
// requests while len(pending_consolidations) == PENDING_CONSOLIDATIONS_LIMIT
// or get_consolidation_churn_limit(state) <= MIN_ACTIVATION_BALANCE, so
// the operator sends none then, and resumes when room appears.
func TestOperatorConsolidateWaits(t *testing.T) {
	cfg := consensus.Minimal()

	t.Run("queue full", func(t *testing.T) {
		st := opState(t, &cfg, 256)
		opSetCompounding(st, 0, 4)
		limit := int(cfg.PendingConsolidationsLimit)
		for range limit {
			st.PendingConsolidations = append(st.PendingConsolidations, consensus.PendingConsolidation{SourceIndex: 200, TargetIndex: 201})
		}
		o := opConsolidator(opRange(0, 8))
		first := st.Slot
		opRun(t, &cfg, st, o, first, []opStep{{0, nil}, {0, nil}})
		// One place: only one request can be queued (a second would be
		// ignored at the full queue).
		st.PendingConsolidations = st.PendingConsolidations[:limit-1]
		opRun(t, &cfg, st, o, first+2, []opStep{{0, []opPair{{1, 0}}}})
		st.PendingConsolidations = st.PendingConsolidations[:limit-3]
		opRun(t, &cfg, st, o, first+3, []opStep{{0, []opPair{{2, 0}, {3, 0}}}})
	})

	t.Run("churn too low", func(t *testing.T) {
		// get_consolidation_churn_limit from the spec text:
		//   churn = max(MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA, total // CHURN_LIMIT_QUOTIENT)
		//   balance = churn - churn % EFFECTIVE_BALANCE_INCREMENT
		//   consolidation = balance - min(MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT, balance)
		consolidationChurn := func(total consensus.Gwei) consensus.Gwei {
			churn := max(cfg.MinPerEpochChurnLimitElectra, total/consensus.Gwei(cfg.ChurnLimitQuotient))
			balance := churn - churn%cfg.EffectiveBalanceIncrement
			return balance - min(cfg.MaxPerEpochActivationExitChurnLimit, balance)
		}
		// n is the smallest registry of 32-ETH validators whose
		// consolidation churn exceeds MIN_ACTIVATION_BALANCE.
		n := 0
		for k := 1; k <= 100_000; k++ {
			if consolidationChurn(consensus.Gwei(k)*32*opETH) > cfg.MinActivationBalance {
				n = k
				break
			}
		}
		if n < 9 {
			t.Fatalf("threshold registry %d too small for the test", n)
		}
		st := opState(t, &cfg, n)
		opSetCompounding(st, 0, 4)
		// The last validator is not active yet: n-1 active validators,
		// churn at most MIN_ACTIVATION_BALANCE.
		last := &st.Validators[n-1]
		last.ActivationEpoch = consensus.FarFutureEpoch
		if got := consensus.GetConsolidationChurnLimit(&cfg, st); got != consolidationChurn(consensus.Gwei(n-1)*32*opETH) || got > cfg.MinActivationBalance {
			t.Fatalf("premise: consolidation churn %d with %d active validators", got, n-1)
		}
		o := opConsolidator(opRange(0, 8))
		first := st.Slot
		opRun(t, &cfg, st, o, first, []opStep{{0, nil}, {0, nil}})
		last.ActivationEpoch = 0
		opRun(t, &cfg, st, o, first+2, []opStep{{0, []opPair{{1, 0}, {2, 0}}}, {0, []opPair{{3, 0}, {5, 4}}}})
	})
}

// TestOperatorConsolidateRetry: a source request that has not shown in the
// state (the source's exit_epoch is still FAR_FUTURE_EPOCH) is sent again
// RetryEpochs after it was sent, not before; a source the state shows
// exiting is never sent again.
func TestOperatorConsolidateRetry(t *testing.T) {
	cfg := consensus.Minimal()
	st := opState(t, &cfg, 256)
	opSetCompounding(st, 0, 4)
	o := opConsolidator(opRange(0, 8))
	s0 := st.Slot
	retry := consensus.Slot(RetryEpochs * cfg.SlotsPerEpoch)
	// Sent: 1,2 at s0; 3,5 at s0+1; 6,7 at s0+2.
	opRun(t, &cfg, st, o, s0, []opStep{
		{0, []opPair{{1, 0}, {2, 0}}},
		{0, []opPair{{3, 0}, {5, 4}}},
		{0, []opPair{{6, 4}, {7, 4}}},
	})
	// Nothing until RetryEpochs have passed.
	for s := s0 + 3; s < s0+retry; s++ {
		opRun(t, &cfg, st, o, s, []opStep{{0, nil}})
	}
	// Source 1's request has been applied: it is exiting.
	st.Validators[1].ExitEpoch = opEpoch(&cfg) + 5
	st.Validators[1].WithdrawableEpoch = st.Validators[1].ExitEpoch + consensus.Epoch(cfg.MinValidatorWithdrawabilityDelay)
	opRun(t, &cfg, st, o, s0+retry, []opStep{
		{0, []opPair{{2, 0}}},         // 2 is due (sent at s0), 3 and 5 not yet
		{0, []opPair{{3, 0}, {5, 4}}}, // sent at s0+1
		{0, []opPair{{6, 4}, {7, 4}}}, // sent at s0+2
		{0, nil},
	})
	// Ever after, source 1 is never sent again.
	for s := s0 + retry + 4; s < s0+8*retry; s++ {
		r := opAct(o, &cfg, st, s, Backlog{})
		for _, p := range opPairs(t, r.Consolidations) {
			if p.Source == 1 {
				t.Fatalf("slot %d: exiting source 1 requested again", s)
			}
		}
	}
}

// TestOperatorConsolidateClosedLoop applies the operator's requests with
// the consensus package's process_consolidation_request, one block per
// slot, until the plan is done: every request must be valid (none
// ignored) and the state must end with 0 and 4 compounding and the six
// consolidations queued into the right targets.
func TestOperatorConsolidateClosedLoop(t *testing.T) {
	cfg := consensus.Minimal()
	st := opState(t, &cfg, 256)
	o := opConsolidator(opRange(0, 8))
	s0 := st.Slot
	var sent int
	for s := s0; s < s0+64; s++ {
		r := opAct(o, &cfg, st, s, Backlog{})
		sent += len(r.Consolidations)
		rep, err := consensus.ProcessExecutionRequests(&cfg, st, &r, 0)
		if err != nil {
			t.Fatalf("slot %d: %v", s, err)
		}
		if rep.ConsolidationIgnored != 0 {
			t.Fatalf("slot %d: requests ignored: %v", s, rep.Ignored)
		}
	}
	if sent != 8 {
		t.Errorf("%d requests sent, want 2 switches + 6 consolidations", sent)
	}
	for _, i := range []int{0, 4} {
		if st.Validators[i].WithdrawalCredentials[0] != consensus.CompoundingWithdrawalPrefix {
			t.Errorf("target %d not compounding", i)
		}
	}
	var want []consensus.PendingConsolidation
	for _, p := range []opPair{{1, 0}, {2, 0}, {3, 0}, {5, 4}, {6, 4}, {7, 4}} {
		want = append(want, consensus.PendingConsolidation{SourceIndex: p.Source, TargetIndex: p.Target})
	}
	if !slices.Equal(st.PendingConsolidations, want) {
		t.Errorf("pending consolidations %v, want %v", st.PendingConsolidations, want)
	}
}

// TestOperatorExitWave: an exit wave of Count sends full-exit withdrawal
// requests (amount FULL_EXIT_REQUEST_AMOUNT, from the validator's address,
// with its key) to the lowest-indexed owned validators that are not
// exiting, at most MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD minus the backlog
// per slot. A validator too new for process_withdrawal_request
// (activation_epoch + SHARD_COMMITTEE_PERIOD > epoch) waits; validators the
// state shows exiting are done and never requested.
func TestOperatorExitWave(t *testing.T) {
	cfg := consensus.Minimal()
	if cfg.MaxWithdrawalRequestsPerPayload != 16 {
		t.Fatalf("test assumes MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD 16, have %d", cfg.MaxWithdrawalRequestsPerPayload)
	}
	st := opState(t, &cfg, 256)
	e := opEpoch(&cfg)
	// Validator 2 exits already; validator 5 became active 3 epochs short
	// of SHARD_COMMITTEE_PERIOD before e.
	st.Validators[2].ExitEpoch = e + 5
	st.Validators[5].ActivationEpoch = e + 3 - consensus.Epoch(cfg.ShardCommitteePeriod)
	o := NewOperator(OperatorConfig{
		ID: 1, Policy: PolicyKeep, Validators: opRange(0, 30), Pubkey: opPubkey, Mode: SignOff,
		Waves: []Wave{{Kind: WaveExit, Epoch: e, Count: 20}},
	})
	// The 20 lowest-indexed non-exiting validators: 0, 1, 3..20.
	check := func(slot consensus.Slot, b Backlog, want []consensus.ValidatorIndex) {
		t.Helper()
		r := opAct(o, &cfg, st, slot, b)
		opCheckLimit(t, &cfg, slot, r, b)
		if len(r.Consolidations)+len(r.Deposits) != 0 {
			t.Errorf("slot %d: unexpected requests %+v", slot, r)
		}
		var got []consensus.ValidatorIndex
		for _, w := range r.Withdrawals {
			i, ok := opIndex(w.ValidatorPubkey)
			if !ok {
				t.Fatalf("slot %d: unknown pubkey %x", slot, w.ValidatorPubkey)
			}
			if w.Amount != 0 {
				t.Errorf("slot %d: validator %d: amount %d, want 0 (full exit)", slot, i, w.Amount)
			}
			if w.SourceAddress != opAddr(i) {
				t.Errorf("slot %d: validator %d: source address %x, want %x", slot, i, w.SourceAddress, opAddr(i))
			}
			got = append(got, i)
		}
		if !slices.Equal(got, want) {
			t.Errorf("slot %d (backlog %d): exits %v, want %v", slot, b.Withdrawals, got, want)
		}
	}
	s0 := opFirstSlot(&cfg, e)
	check(s0-1, Backlog{}, nil)              // before the wave's epoch
	check(s0, Backlog{Withdrawals: 16}, nil) // the queue holds a payload
	check(s0+1, Backlog{Withdrawals: 6}, []consensus.ValidatorIndex{0, 1, 3, 4, 6, 7, 8, 9, 10, 11})
	check(s0+2, Backlog{}, opRange(12, 21))
	check(s0+3, Backlog{}, nil)
	// All but 20 show in the state; 20's request was lost.
	for _, i := range append([]consensus.ValidatorIndex{0, 1, 3, 4}, opRange(6, 20)...) {
		st.Validators[i].ExitEpoch = e + 6
	}
	retry := consensus.Slot(RetryEpochs * cfg.SlotsPerEpoch)
	check(s0+2+retry-1, Backlog{}, nil)
	check(s0+2+retry, Backlog{}, []consensus.ValidatorIndex{20})
	// Validator 5 may exit from epoch e+3 on.
	check(opFirstSlot(&cfg, e+3)-1, Backlog{}, nil)
	check(opFirstSlot(&cfg, e+3), Backlog{}, []consensus.ValidatorIndex{5})
	st.Validators[5].ExitEpoch = e + 8
	st.Validators[20].ExitEpoch = e + 8
	// Done: nothing more, ever (the wave's 20 are all exiting).
	for s := opFirstSlot(&cfg, e+3) + 1; s < opFirstSlot(&cfg, e+20); s++ {
		check(s, Backlog{}, nil)
	}
}

// TestOperatorDepositWave: a deposit wave emits each key's DepositRequest
// once, in key order, in the first slot of its epoch, with the wave's
// amount and the key's credentials; the signature is the key's proof of
// possession over compute_signing_root(DepositMessage, DOMAIN_DEPOSIT) in
// full signing mode and zero with signing off.
func TestOperatorDepositWave(t *testing.T) {
	cfg := consensus.Minimal()
	e := opEpoch(&cfg) + 2
	amount := 64 * opETH
	var keys []NewKey
	var pubs []*crypto.PublicKey
	for i := range 3 {
		sk := crypto.DeriveSecretKey(99, uint64(i))
		pk := sk.PublicKey()
		pubs = append(pubs, pk)
		keys = append(keys, NewKey{Pubkey: pk.Bytes(), Secret: sk, Credentials: opCreds(consensus.CompoundingWithdrawalPrefix, consensus.ValidatorIndex(300+i))})
	}
	for _, mode := range []SignMode{SignFull, SignOff} {
		t.Run(fmt.Sprintf("mode %d", mode), func(t *testing.T) {
			st := opState(t, &cfg, 64)
			o := NewOperator(OperatorConfig{
				ID: 1, Policy: PolicyKeep, Validators: opRange(0, 8), Pubkey: opPubkey, Mode: mode,
				Waves: []Wave{{Kind: WaveDeposit, Epoch: e, Count: len(keys), AmountGwei: amount, Keys: keys}},
			})
			s0 := opFirstSlot(&cfg, e)
			for s := s0 - consensus.Slot(cfg.SlotsPerEpoch); s < s0; s++ {
				if r := opAct(o, &cfg, st, s, Backlog{}); !r.Empty() {
					t.Fatalf("slot %d, before the wave: %+v", s, r)
				}
			}
			r := opAct(o, &cfg, st, s0, Backlog{})
			if len(r.Deposits) != len(keys) || len(r.Withdrawals)+len(r.Consolidations) != 0 {
				t.Fatalf("wave slot: %d deposits, %d withdrawals, %d consolidations", len(r.Deposits), len(r.Withdrawals), len(r.Consolidations))
			}
			for i, d := range r.Deposits {
				k := keys[i]
				if d.Pubkey != k.Pubkey || d.WithdrawalCredentials != k.Credentials || d.Amount != amount {
					t.Errorf("deposit %d: %x %x %d, want key %d's with amount %d", i, d.Pubkey[:4], d.WithdrawalCredentials, d.Amount, i, amount)
				}
				root := consensus.DepositSigningRoot(&cfg, k.Pubkey, k.Credentials, amount)
				switch mode {
				case SignFull:
					if !crypto.FastAggregateVerify([]*crypto.PublicKey{pubs[i]}, root, d.Signature) {
						t.Errorf("deposit %d: signature does not verify", i)
					}
					other := consensus.DepositSigningRoot(&cfg, k.Pubkey, k.Credentials, amount+opETH)
					if crypto.FastAggregateVerify([]*crypto.PublicKey{pubs[i]}, other, d.Signature) {
						t.Errorf("deposit %d: signature verifies for another amount", i)
					}
					if crypto.FastAggregateVerify([]*crypto.PublicKey{pubs[(i+1)%len(pubs)]}, root, d.Signature) {
						t.Errorf("deposit %d: signature verifies under another key", i)
					}
				case SignOff:
					if !d.Signature.IsZero() {
						t.Errorf("deposit %d: signed with signing off", i)
					}
				}
			}
			for s := s0 + 1; s < s0+4*consensus.Slot(cfg.SlotsPerEpoch); s++ {
				if r := opAct(o, &cfg, st, s, Backlog{}); !r.Empty() {
					t.Fatalf("slot %d, after the wave: %+v", s, r)
				}
			}
		})
	}
}

// TestOperatorCompound: the compound policy sends a switch-to-compounding
// request (source == target, from the validator's address) for every owned
// active 0x01 validator, at most the per-payload limit minus the backlog
// per slot, and none for validators that already have 0x02 credentials.
func TestOperatorCompound(t *testing.T) {
	cfg := consensus.Minimal()
	st := opState(t, &cfg, 256)
	opSetCompounding(st, 3, 7)
	o := NewOperator(OperatorConfig{ID: 1, Policy: PolicyCompound, Validators: opRange(0, 10), Pubkey: opPubkey, Mode: SignOff})
	opRun(t, &cfg, st, o, st.Slot, []opStep{
		{0, opSwitches(0, 1)},
		{2, nil},
		{1, opSwitches(2)},
		{0, opSwitches(4, 5)},
		{0, opSwitches(6, 8)},
		{0, opSwitches(9)},
		{0, nil},
		{0, nil},
	})
}

// TestOperatorKeepSendsNothing: a keep-policy operator without waves never
// sends a request, and an operator without an OperateDuty does nothing.
func TestOperatorKeepSendsNothing(t *testing.T) {
	cfg := consensus.Minimal()
	st := opState(t, &cfg, 256)
	o := NewOperator(OperatorConfig{ID: 1, Policy: PolicyKeep, Validators: opRange(0, 32), Pubkey: opPubkey, Mode: SignFull})
	for s := consensus.Slot(0); s < 20*consensus.Slot(cfg.SlotsPerEpoch); s++ {
		if r := opAct(o, &cfg, st, s, Backlog{}); !r.Empty() {
			t.Fatalf("slot %d: %+v", s, r)
		}
	}
	c := NewOperator(OperatorConfig{ID: 2, Policy: PolicyCompound, Validators: opRange(0, 32), Pubkey: opPubkey})
	a := c.Act(&SlotView{Slot: st.Slot, Epoch: opEpoch(&cfg)}, &Duties{})
	if !a.Requests.Empty() || len(a.Blocks)+len(a.Attestations) != 0 {
		t.Errorf("acted without an OperateDuty: %+v", a)
	}
}

// TestOperatorSecondPartialWithdrawalWave: two partial-withdrawal waves on
// the same 0x02 validators must each withdraw (scenario doc: each wave
// "withdraws amount from each of count of the group's 0x02 validators").
// With 10 ETH of excess and 1-ETH waves, process_withdrawal_request
// accepts the second request too (balance > MIN_ACTIVATION_BALANCE +
// pending_balance_to_withdraw), so the state must end with two pending
// partial withdrawals per validator.
func TestOperatorSecondPartialWithdrawalWave(t *testing.T) {
	cfg := consensus.Minimal()
	st := opState(t, &cfg, 256)
	opSetCompounding(st, 0, 1)
	st.Balances[0] += 10 * opETH
	st.Balances[1] += 10 * opETH
	e := opEpoch(&cfg)
	o := NewOperator(OperatorConfig{
		ID: 1, Policy: PolicyKeep, Validators: opRange(0, 2), Pubkey: opPubkey, Mode: SignOff,
		Waves: []Wave{
			{Kind: WavePartialWithdrawal, Epoch: e, Count: 2, AmountGwei: opETH},
			{Kind: WavePartialWithdrawal, Epoch: e + 1, Count: 2, AmountGwei: opETH},
		},
	})
	for s := opFirstSlot(&cfg, e); s < opFirstSlot(&cfg, e+3*RetryEpochs); s++ {
		r := opAct(o, &cfg, st, s, Backlog{})
		if _, err := consensus.ProcessExecutionRequests(&cfg, st, &r, 0); err != nil {
			t.Fatalf("slot %d: %v", s, err)
		}
	}
	for _, i := range []consensus.ValidatorIndex{0, 1} {
		if got := consensus.GetPendingBalanceToWithdraw(st, i); got != 2*opETH {
			t.Errorf("validator %d: %d Gwei pending withdrawal, want %d (two waves of 1 ETH)", i, got, 2*opETH)
		}
	}
}

// TestOperatorConsolidateLaterValidators: the consolidate policy covers
// every owned validator, including those that join after the operator's
// first slot (OperatorConfig.Validators lists the deposit waves'
// validators). Validators 256-259 join at epoch e+1 as a group of four
// 32-ETH validators: 256 is a target (the previous targets are full), so
// the operator must send its switch request once it is active.
func TestOperatorConsolidateLaterValidators(t *testing.T) {
	cfg := consensus.Minimal()
	st := opState(t, &cfg, 256)
	e := opEpoch(&cfg)
	o := opConsolidator(append(opRange(0, 8), opRange(256, 260)...))
	opRun(t, &cfg, st, o, st.Slot, []opStep{{0, opSwitches(0, 4)}})
	for i := range 4 {
		st.Validators = append(st.Validators, consensus.Validator{
			WithdrawalCredentials: opCreds(consensus.ETH1AddressWithdrawalPrefix, consensus.ValidatorIndex(256+i)),
			EffectiveBalance:      32 * opETH, ActivationEligibilityEpoch: e - 4, ActivationEpoch: e + 1,
			ExitEpoch: consensus.FarFutureEpoch, WithdrawableEpoch: consensus.FarFutureEpoch,
		})
		st.Balances = append(st.Balances, 32*opETH)
	}
	sent := false
	for s := st.Slot + 1; s < opFirstSlot(&cfg, e+2); s++ {
		r := opAct(o, &cfg, st, s, Backlog{})
		for _, p := range opPairs(t, r.Consolidations) {
			sent = sent || p == opPair{256, 256}
		}
	}
	if !sent {
		t.Error("no switch request for validator 256, a target of the later validators")
	}
}
