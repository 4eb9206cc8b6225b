package scenarios

import (
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// lhead starts the lifecycle test scenarios (lines 1-3): a 100-epoch run.
const lhead = "name: t\ndescription: d\nepochs: 100\n"

// grp returns lhead and one group "a" of 10 validators with the given
// credentials, on lines 1-7; what follows starts on line 8.
func grp(creds string) string {
	return lhead + "validators:\n  - name: a\n    count: 10\n    withdrawal_credentials: \"" + creds + "\"\n"
}

// Amounts written out in Gwei (1 ETH = 10^9 Gwei), independently of the
// package's constants.
const (
	eth32Gwei   = 32_000_000_000
	eth100Gwei  = 100_000_000_000
	eth1024Gwei = 1_024_000_000_000
	eth2048Gwei = 2_048_000_000_000
)

func TestLifecycleParse(t *testing.T) {
	src := `name: lifecycle
description: Operators, request waves and config overrides.
epochs: 100
params:
  - name: n
    default: 512
    doc: Validators of the big operator.
    min: 256
    max: 1024
validators:
  - name: big-operator
    count: "${n}"
    balance_eth: 32
    withdrawal_credentials: "0x01"
    operator:
      policy: consolidate
      target_eth: "${n * 2}"
      from_epoch: 64
    requests:
      - kind: deposit
        epoch: 70
        count: "${n / 2}"
      - kind: top_up
        epoch: 75
        count: 5
        amount_eth: 100
      - {kind: partial_withdrawal, epoch: 80, count: 10, amount_gwei: 500_000_000}
      - kind: exit
        epoch: 90
        count: "${n + n / 2}"
  - name: solo
    count: 100
    withdrawal_credentials: "0x02"
    requests:
      - {kind: partial_withdrawal, epoch: 3, count: 100, amount_eth: 1}
      - {kind: deposit, epoch: 99, count: 7, amount_gwei: 1_000_000_000}
  - name: compounder
    count: 4
    withdrawal_credentials: "0x02"
    operator: {policy: compound}
  - name: defaults
    count: 1
    balance_eth: 31.5
    operator:
      policy: consolidate
  - name: keeper
    count: 1
    operator: {policy: keep, from_epoch: "${n / 512}"}
    requests: []
config:
  pending_consolidations_limit: 262144
  shard_committee_period: "${n / 256}"
  max_per_epoch_activation_exit_churn_limit_gwei: 1152921504606846976
`
	type want struct {
		op       *Operator
		requests []Request
	}
	// n = 512: target 1024 ETH, deposit of 256, exit of 768 = 512 genesis +
	// 256 deposited at epoch 70 < 90 (exactly the bound).
	wantDefault := map[string]want{
		"big-operator": {
			op: &Operator{Policy: PolicyConsolidate, TargetGwei: eth1024Gwei, FromEpoch: 64},
			requests: []Request{
				{Kind: RequestDeposit, Epoch: 70, Count: 256, AmountGwei: eth32Gwei},
				{Kind: RequestTopUp, Epoch: 75, Count: 5, AmountGwei: eth100Gwei},
				{Kind: RequestPartialWithdrawal, Epoch: 80, Count: 10, AmountGwei: 500_000_000},
				{Kind: RequestExit, Epoch: 90, Count: 768},
			},
		},
		"solo": {requests: []Request{
			{Kind: RequestPartialWithdrawal, Epoch: 3, Count: 100, AmountGwei: 1_000_000_000},
			{Kind: RequestDeposit, Epoch: 99, Count: 7, AmountGwei: 1_000_000_000},
		}},
		"compounder": {op: &Operator{Policy: PolicyCompound}},
		"defaults":   {op: &Operator{Policy: PolicyConsolidate, TargetGwei: eth2048Gwei}},
		"keeper":     {op: &Operator{Policy: PolicyKeep, FromEpoch: 1}},
	}
	tests := []struct {
		name      string
		overrides []Override
		groups    map[string]want
		genesis   int
		deposited int
		config    []ConfigOverride
	}{
		{
			name:      "defaults",
			groups:    wantDefault,
			genesis:   512 + 100 + 4 + 1 + 1,
			deposited: 256 + 7,
			config: []ConfigOverride{
				{Name: "pending_consolidations_limit", Value: 262144},
				{Name: "shard_committee_period", Value: 2},
				{Name: "max_per_epoch_activation_exit_churn_limit_gwei", Value: 1 << 60},
			},
		},
		{
			// n = 1024: target 2048 ETH, deposit of 512, exit of 1536;
			// the keeper starts at epoch 2, shard_committee_period is 4.
			name:      "override feeds the lifecycle expressions",
			overrides: []Override{{Name: "n", Value: "1024"}},
			groups: map[string]want{
				"big-operator": {
					op: &Operator{Policy: PolicyConsolidate, TargetGwei: eth2048Gwei, FromEpoch: 64},
					requests: []Request{
						{Kind: RequestDeposit, Epoch: 70, Count: 512, AmountGwei: eth32Gwei},
						{Kind: RequestTopUp, Epoch: 75, Count: 5, AmountGwei: eth100Gwei},
						{Kind: RequestPartialWithdrawal, Epoch: 80, Count: 10, AmountGwei: 500_000_000},
						{Kind: RequestExit, Epoch: 90, Count: 1536},
					},
				},
				"solo":       wantDefault["solo"],
				"compounder": wantDefault["compounder"],
				"defaults":   wantDefault["defaults"],
				"keeper":     {op: &Operator{Policy: PolicyKeep, FromEpoch: 2}},
			},
			genesis:   1024 + 100 + 4 + 1 + 1,
			deposited: 512 + 7,
			config: []ConfigOverride{
				{Name: "pending_consolidations_limit", Value: 262144},
				{Name: "shard_committee_period", Value: 4},
				{Name: "max_per_epoch_activation_exit_churn_limit_gwei", Value: 1 << 60},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("l.yaml", []byte(src), tt.overrides)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Groups) != len(tt.groups) {
				t.Fatalf("%d groups, want %d", len(s.Groups), len(tt.groups))
			}
			for _, g := range s.Groups {
				w, ok := tt.groups[g.Name]
				if !ok {
					t.Errorf("unexpected group %q", g.Name)
					continue
				}
				if !reflect.DeepEqual(g.Operator, w.op) {
					t.Errorf("group %s operator = %+v, want %+v", g.Name, g.Operator, w.op)
				}
				if !reflect.DeepEqual(g.Requests, w.requests) {
					t.Errorf("group %s requests = %+v, want %+v", g.Name, g.Requests, w.requests)
				}
			}
			if got := s.TotalValidators(); got != tt.genesis {
				t.Errorf("TotalValidators = %d, want %d (genesis only)", got, tt.genesis)
			}
			if got := s.DepositedValidators(); got != tt.deposited {
				t.Errorf("DepositedValidators = %d, want %d", got, tt.deposited)
			}
			if !reflect.DeepEqual(s.Config, tt.config) {
				t.Errorf("config = %+v, want %+v", s.Config, tt.config)
			}
			// The other group fields keep their meaning.
			if g := s.Groups[3]; g.BalanceGwei != 31_500_000_000 || g.Credentials != 0x01 || len(g.Behaviours) != 1 {
				t.Errorf("group defaults %+v", g)
			}
		})
	}
}

func TestLifecycleAbsent(t *testing.T) {
	for _, src := range []string{
		head + "validators:\n  - {name: a, count: 5}\n",
		head + "validators:\n  - {name: a, count: 5, requests: []}\nconfig:\n",
		head + "validators:\n  - {name: a, count: 5, requests: }\nconfig: {}\n",
	} {
		s, err := Parse("x.yaml", []byte(src), nil)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if g := s.Groups[0]; g.Operator != nil || g.Requests != nil || s.Config != nil || s.DepositedValidators() != 0 {
			t.Errorf("%q: operator %+v requests %+v config %+v", src, g.Operator, g.Requests, s.Config)
		}
	}
	for _, b := range Builtins() {
		s, err := Parse(b.Name, b.YAML, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Every lifecycle built-in deposits at most MaxValidators in total.
		if s.TotalValidators()+s.DepositedValidators() > MaxValidators {
			t.Errorf("built-in %s: %d + %d validators", b.Name, s.TotalValidators(), s.DepositedValidators())
		}
	}
}

// TestLifecycleAllowed covers combinations the rules allow on purpose.
func TestLifecycleAllowed(t *testing.T) {
	tests := []struct {
		name string
		src  string
	}{
		{"compound on 0x02 is a no-op", grp("0x02") + "    operator: {policy: compound}\n"},
		{"consolidate on 0x02", grp("0x02") + "    operator: {policy: consolidate, target_eth: 33}\n"},
		{"keep on 0x00", grp("0x00") + "    operator: {policy: keep}\n"},
		{"deposit on 0x00", grp("0x00") + "    requests:\n      - {kind: deposit, epoch: 0, count: 1}\n"},
		{"voluntary exit on any credentials", grp("0x01") + "    requests:\n      - {kind: voluntary_exit, epoch: 3, count: 10}\n"},
		{"exit after bls_change", grp("0x00") + "    requests:\n      - {kind: exit, epoch: 5, count: 4}\n      - {kind: bls_change, epoch: 2, count: 4}\n      - {kind: voluntary_exit, epoch: 1, count: 2}\n"},
		{"partial after compound", grp("0x01") + "    operator: {policy: compound}\n    requests:\n      - {kind: partial_withdrawal, epoch: 5, count: 10, amount_eth: 1}\n"},
		{"partial after consolidate", grp("0x01") + "    operator: {policy: consolidate}\n    requests:\n      - {kind: partial_withdrawal, epoch: 5, count: 10, amount_gwei: 1}\n"},
		{"deposit of 2048", grp("0x02") + "    requests:\n      - {kind: deposit, epoch: 99, count: 1, amount_eth: 2048}\n"},
		{"exit of deposited validators", grp("0x01") + "    requests:\n      - {kind: deposit, epoch: 1, count: 5}\n      - {kind: deposit, epoch: 2, count: 5}\n      - {kind: exit, epoch: 3, count: 20}\n"},
		{"coalition without lifecycle", lhead + "validators:\n  - {name: a, count: 10}\n  - {name: b, count: 10, coalition: evil, requests: []}\n"},
		{"validator limit reached exactly", lhead + "validators:\n  - name: a\n    count: 1999998\n    requests:\n      - {kind: deposit, epoch: 1, count: 2}\n"},
		{"config ends of ranges", grp("0x01") + "config:\n  epochs_per_slashings_vector: 4\n  churn_limit_quotient: 4294967296\n  min_per_epoch_churn_limit_gwei: 0\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse("x.yaml", []byte(tt.src), nil); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

func TestLifecycleBadInputs(t *testing.T) {
	configKeys := "shard_committee_period, min_validator_withdrawability_delay, epochs_per_slashings_vector, churn_limit_quotient, " +
		"min_per_epoch_churn_limit_gwei, max_per_epoch_activation_exit_churn_limit_gwei, pending_consolidations_limit, " +
		"pending_partial_withdrawals_limit, max_pending_deposits_per_epoch"
	const needExec = `needs execution withdrawal credentials: give the group withdrawal_credentials "0x01" or "0x02", or convert its validators with a bls_change wave of an earlier epoch (it has 0x00; EIP-7002 requests come from the execution address)`
	tests := []struct {
		name string
		src  string
		want string // the whole error
		at   string // the source text the first problem must point at
	}{
		// operator
		{
			name: "unknown operator field",
			src:  grp("0x01") + "    operator:\n      policy: keep\n      colour: red\n",
			want: "x.yaml:10:7: validators[0].operator.colour: unknown field (allowed: policy, from_epoch)",
			at:   "colour",
		},
		{
			name: "unknown operator field, consolidate",
			src:  grp("0x01") + "    operator:\n      policy: consolidate\n      colour: red\n",
			want: "x.yaml:10:7: validators[0].operator.colour: unknown field (allowed: policy, target_eth, from_epoch)",
			at:   "colour",
		},
		{
			name: "target_eth for keep",
			src:  grp("0x01") + "    operator:\n      policy: keep\n      target_eth: 64\n",
			want: `x.yaml:10:7: validators[0].operator.target_eth: field not allowed for policy "keep": only policy consolidate has a target (allowed: policy, from_epoch)`,
			at:   "target_eth",
		},
		{
			name: "target_eth for compound",
			src:  grp("0x01") + "    operator: {policy: compound, target_eth: 64}\n",
			want: `x.yaml:8:34: validators[0].operator.target_eth: field not allowed for policy "compound": only policy consolidate has a target (allowed: policy, from_epoch)`,
			at:   "target_eth",
		},
		{
			name: "unknown policy",
			src:  grp("0x01") + "    operator: {policy: merge}\n",
			want: `x.yaml:8:24: validators[0].operator.policy: "merge" is not one of keep, consolidate, compound`,
			at:   "merge",
		},
		{
			name: "policy missing",
			src:  grp("0x01") + "    operator:\n      from_epoch: 3\n",
			want: "x.yaml:9:7: validators[0].operator.policy: required field is missing",
			at:   "from_epoch",
		},
		{
			name: "operator not a mapping",
			src:  grp("0x01") + "    operator: consolidate\n",
			want: `x.yaml:8:15: validators[0].operator: expected a mapping, got the string "consolidate"`,
			at:   "consolidate",
		},
		{
			name: "target of MIN_ACTIVATION_BALANCE",
			src:  grp("0x01") + "    operator:\n      policy: consolidate\n      target_eth: 32\n",
			want: "x.yaml:10:19: validators[0].operator.target_eth: 32 ETH is outside (32, 2048]: a consolidation target must hold more than MIN_ACTIVATION_BALANCE and at most MAX_EFFECTIVE_BALANCE_ELECTRA",
			at:   "32",
		},
		{
			name: "target above MAX_EFFECTIVE_BALANCE_ELECTRA",
			src:  grp("0x01") + "    operator:\n      policy: consolidate\n      target_eth: \"${2048 + 1}\"\n",
			want: "x.yaml:10:19: validators[0].operator.target_eth: 2049 ETH is outside (32, 2048]: a consolidation target must hold more than MIN_ACTIVATION_BALANCE and at most MAX_EFFECTIVE_BALANCE_ELECTRA",
			at:   `"${2048 + 1}"`,
		},
		{
			name: "target not above the balance",
			src:  lhead + "validators:\n  - name: a\n    count: 10\n    balance_eth: 64\n    withdrawal_credentials: \"0x02\"\n    operator:\n      policy: consolidate\n      target_eth: 64\n",
			want: "x.yaml:11:19: validators[0].operator.target_eth: target_eth 64 must be greater than the group's balance_eth 64",
			at:   "64",
		},
		{
			name: "default target not above the balance",
			src:  lhead + "validators:\n  - name: a\n    count: 10\n    balance_eth: 2048.5\n    operator:\n      policy: consolidate\n",
			want: `x.yaml:9:15: validators[0].operator.policy: policy "consolidate": the default target_eth 2048 must be greater than the group's balance_eth 2048.5`,
			at:   "consolidate",
		},
		{
			name: "operator from_epoch at the end",
			src:  grp("0x01") + "    operator:\n      policy: keep\n      from_epoch: 100\n",
			want: "x.yaml:10:19: validators[0].operator.from_epoch: from_epoch 100 must be less than epochs 100 (the run's length)",
			at:   "100",
		},
		{
			name: "consolidate with 0x00",
			src:  grp("0x00") + "    operator:\n      policy: consolidate\n",
			want: `x.yaml:9:15: validators[0].operator.policy: policy "consolidate" needs execution withdrawal credentials: give the group withdrawal_credentials "0x01" or "0x02" (it has 0x00)`,
			at:   "consolidate",
		},
		{
			name: "compound with 0x00",
			src:  grp("0x00") + "    operator: {policy: compound}\n",
			want: `x.yaml:8:24: validators[0].operator.policy: policy "compound" needs execution withdrawal credentials: give the group withdrawal_credentials "0x01" or "0x02" (it has 0x00)`,
			at:   "compound",
		},
		// coalition
		{
			name: "coalition with operator",
			src:  lhead + "validators:\n  - name: a\n    count: 10\n    coalition: evil\n    operator: {policy: keep}\n",
			want: "x.yaml:8:5: validators[0].operator: a group with a coalition may not have an operator: keep attacks and the validator lifecycle in separate groups",
			at:   "operator",
		},
		{
			name: "coalition with requests",
			src:  lhead + "validators:\n  - name: a\n    count: 10\n    requests:\n      - {kind: exit, epoch: 1, count: 1}\n    coalition: evil\n",
			want: "x.yaml:7:5: validators[0].requests: a group with a coalition may not have request waves: keep attacks and the validator lifecycle in separate groups",
			at:   "requests",
		},
		// requests
		{
			name: "unknown request field",
			src:  grp("0x01") + "    requests:\n      - {kind: exit, epoch: 5, count: 1, when: now}\n",
			want: "x.yaml:9:42: validators[0].requests[0].when: unknown field (allowed: kind, epoch, count)",
			at:   "when",
		},
		{
			name: "unknown field in an amount kind",
			src:  grp("0x01") + "    requests:\n      - kind: top_up\n        epoch: 5\n        count: 1\n        amount_eth: 1\n        amount: 1\n",
			want: "x.yaml:13:9: validators[0].requests[0].amount: unknown field (allowed: kind, epoch, count, amount_eth, amount_gwei)",
			at:   "amount: 1",
		},
		{
			name: "amount for exit",
			src:  grp("0x01") + "    requests:\n      - {kind: exit, epoch: 5, count: 1, amount_eth: 1}\n",
			want: `x.yaml:9:42: validators[0].requests[0].amount_eth: field not allowed for kind "exit" (allowed: kind, epoch, count)`,
			at:   "amount_eth",
		},
		{
			name: "unknown request kind",
			src:  grp("0x01") + "    requests:\n      - {kind: withdraw, epoch: 5, count: 1}\n",
			want: `x.yaml:9:16: validators[0].requests[0].kind: unknown request kind "withdraw" (kinds: deposit, top_up, exit, partial_withdrawal, voluntary_exit, bls_change)`,
			at:   "withdraw",
		},
		{
			name: "request kind missing",
			src:  grp("0x01") + "    requests:\n      - epoch: 5\n        count: 1\n",
			want: "x.yaml:9:9: validators[0].requests[0].kind: required field is missing",
			at:   "epoch: 5",
		},
		{
			name: "request epoch missing",
			src:  grp("0x01") + "    requests:\n      - {kind: exit, count: 1}\n",
			want: "x.yaml:9:9: validators[0].requests[0].epoch: required field is missing",
			at:   "{kind: exit",
		},
		{
			name: "request epoch at the end",
			src:  grp("0x01") + "    requests:\n      - kind: exit\n        epoch: 100\n        count: 1\n",
			want: "x.yaml:10:16: validators[0].requests[0].epoch: epoch 100 must be less than epochs 100 (the run's length)",
			at:   "100",
		},
		{
			name: "request count missing",
			src:  grp("0x01") + "    requests:\n      - {kind: deposit, epoch: 5}\n",
			want: "x.yaml:9:9: validators[0].requests[0].count: required field is missing",
			at:   "{kind: deposit",
		},
		{
			name: "request count zero",
			src:  grp("0x01") + "    requests:\n      - {kind: exit, epoch: 5, count: 0}\n",
			want: "x.yaml:9:39: validators[0].requests[0].count: 0 is less than the minimum 1",
			at:   "0}",
		},
		{
			name: "exit of more than the group",
			src:  grp("0x01") + "    requests:\n      - {kind: deposit, epoch: 5, count: 4}\n      - {kind: exit, epoch: 5, count: 11}\n",
			want: "x.yaml:10:39: validators[0].requests[1].count: count 11 is more than the group's 10 validators before epoch 5 (10 at genesis + 0 from deposit waves of earlier epochs)",
			at:   "11}",
		},
		{
			name: "top-up of more than the group and its earlier deposits",
			src:  grp("0x01") + "    requests:\n      - {kind: top_up, epoch: 6, count: 15, amount_eth: 1}\n      - {kind: deposit, epoch: 5, count: 4}\n      - {kind: deposit, epoch: 7, count: 100}\n",
			want: "x.yaml:9:41: validators[0].requests[0].count: count 15 is more than the group's 14 validators before epoch 6 (10 at genesis + 4 from deposit waves of earlier epochs)",
			at:   "15,",
		},
		{
			name: "deposit above MAX_EFFECTIVE_BALANCE_ELECTRA",
			src:  grp("0x01") + "    requests:\n      - {kind: deposit, epoch: 5, count: 1, amount_eth: 2049}\n",
			want: "x.yaml:9:57: validators[0].requests[0].amount_eth: 2049 is greater than the maximum 2048",
			at:   "2049}",
		},
		{
			name: "deposit below MIN_DEPOSIT_AMOUNT",
			src:  grp("0x01") + "    requests:\n      - {kind: deposit, epoch: 5, count: 1, amount_gwei: 999_999_999}\n",
			want: "x.yaml:9:58: validators[0].requests[0].amount_gwei: 999999999 is less than the minimum 1000000000",
			at:   "999_999_999}",
		},
		{
			name: "top-up of zero",
			src:  grp("0x01") + "    requests:\n      - {kind: top_up, epoch: 5, count: 1, amount_eth: 0}\n",
			want: "x.yaml:9:56: validators[0].requests[0].amount_eth: 0 is less than the minimum 1",
			at:   "0}",
		},
		{
			name: "partial withdrawal of zero Gwei",
			src:  grp("0x02") + "    requests:\n      - {kind: partial_withdrawal, epoch: 5, count: 1, amount_gwei: 0}\n",
			want: "x.yaml:9:69: validators[0].requests[0].amount_gwei: 0 is less than the minimum 1",
			at:   "0}",
		},
		{
			name: "both amounts",
			src:  grp("0x01") + "    requests:\n      - {kind: top_up, epoch: 5, count: 1, amount_eth: 1, amount_gwei: 5}\n",
			want: "x.yaml:9:59: validators[0].requests[0].amount_gwei: give amount_eth or amount_gwei, not both",
			at:   "amount_gwei",
		},
		{
			name: "top-up without amount",
			src:  grp("0x01") + "    requests:\n      - {kind: top_up, epoch: 5, count: 1}\n",
			want: `x.yaml:9:9: validators[0].requests[0].amount_eth: required field is missing for kind "top_up": give amount_eth or amount_gwei`,
			at:   "{kind: top_up",
		},
		{
			name: "partial withdrawal without amount",
			src:  grp("0x02") + "    requests:\n      - kind: partial_withdrawal\n        epoch: 5\n        count: 1\n",
			want: `x.yaml:9:9: validators[0].requests[0].amount_eth: required field is missing for kind "partial_withdrawal": give amount_eth or amount_gwei`,
			at:   "kind: partial",
		},
		{
			name: "exit with 0x00",
			src:  grp("0x00") + "    requests:\n      - {kind: exit, epoch: 5, count: 1}\n",
			want: `x.yaml:9:16: validators[0].requests[0].kind: kind "exit" ` + needExec,
			at:   "exit",
		},
		{
			name: "exit in the epoch of the bls_change",
			src:  grp("0x00") + "    requests:\n      - {kind: bls_change, epoch: 5, count: 1}\n      - {kind: exit, epoch: 5, count: 1}\n",
			want: `x.yaml:10:16: validators[0].requests[1].kind: kind "exit" ` + needExec,
			at:   "exit",
		},
		{
			name: "bls_change with 0x01",
			src:  grp("0x01") + "    requests:\n      - {kind: bls_change, epoch: 5, count: 1}\n",
			want: `x.yaml:9:16: validators[0].requests[0].kind: kind "bls_change" needs BLS withdrawal credentials: give the group withdrawal_credentials "0x00" (it has 0x01; a BLS-to-execution change converts 0x00 credentials to 0x01)`,
			at:   "bls_change",
		},
		{
			name: "voluntary exit with an amount",
			src:  grp("0x01") + "    requests:\n      - {kind: voluntary_exit, epoch: 5, count: 1, amount_eth: 1}\n",
			want: `x.yaml:9:52: validators[0].requests[0].amount_eth: field not allowed for kind "voluntary_exit" (allowed: kind, epoch, count)`,
			at:   "amount_eth",
		},
		{
			name: "top-up with 0x00",
			src:  grp("0x00") + "    requests:\n      - {kind: top_up, epoch: 5, count: 1, amount_eth: 1}\n",
			want: `x.yaml:9:16: validators[0].requests[0].kind: kind "top_up" ` + needExec,
			at:   "top_up",
		},
		{
			name: "partial withdrawal with 0x00",
			src:  grp("0x00") + "    requests:\n      - {kind: partial_withdrawal, epoch: 5, count: 1, amount_eth: 1}\n",
			want: `x.yaml:9:16: validators[0].requests[0].kind: kind "partial_withdrawal" ` + needExec,
			at:   "partial_withdrawal",
		},
		{
			name: "partial withdrawal with 0x01",
			src:  grp("0x01") + "    requests:\n      - {kind: partial_withdrawal, epoch: 5, count: 1, amount_eth: 1}\n",
			want: `x.yaml:9:16: validators[0].requests[0].kind: kind "partial_withdrawal" needs 0x02 (compounding) credentials: give the group withdrawal_credentials "0x02" or an operator with policy compound or consolidate`,
			at:   "partial_withdrawal",
		},
		{
			name: "partial withdrawal with 0x01 and a keep operator",
			src:  grp("0x01") + "    operator: {policy: keep}\n    requests:\n      - {kind: partial_withdrawal, epoch: 5, count: 1, amount_eth: 1}\n",
			want: `x.yaml:10:16: validators[0].requests[0].kind: kind "partial_withdrawal" needs 0x02 (compounding) credentials: give the group withdrawal_credentials "0x02" or an operator with policy compound or consolidate`,
			at:   "partial_withdrawal",
		},
		{
			name: "requests not a list",
			src:  grp("0x01") + "    requests: {kind: exit, epoch: 5, count: 1}\n",
			want: "x.yaml:8:15: validators[0].requests: expected a list, got a mapping",
			at:   "{kind: exit",
		},
		{
			name: "too many request waves",
			src:  grp("0x01") + "    requests:\n" + strings.Repeat("      - {kind: deposit, epoch: 1, count: 1}\n", 257),
			want: "x.yaml:9:7: validators[0].requests: 257 request waves; the limit is 256",
			at:   "- {kind: deposit",
		},
		// totals
		{
			name: "deposits past the validator limit",
			src:  lhead + "validators:\n  - name: a\n    count: 1999999\n    requests:\n      - {kind: deposit, epoch: 1, count: 2}\n",
			want: "x.yaml:4:1: validators: 2000001 validators in total (1999999 at genesis + 2 from deposit waves); the limit is 2000000",
			at:   "validators:",
		},
		{
			name: "top-ups past the stake limit",
			src:  lhead + "validators:\n  - name: a\n    count: 1000\n    requests:\n      - {kind: top_up, epoch: 1, count: 1000, amount_eth: 1000000}\n",
			want: "x.yaml:4:1: validators: 1000032000 ETH staked in total (32000 at genesis + 1000000000 from deposit and top-up waves); the limit is 1000000000",
			at:   "validators:",
		},
		// config
		{
			name: "unknown config key",
			src:  grp("0x01") + "config:\n  churn_limit: 5\n",
			want: "x.yaml:9:3: config.churn_limit: unknown config key (allowed: " + configKeys + ")",
			at:   "churn_limit",
		},
		{
			name: "config value below its range",
			src:  grp("0x01") + "config:\n  pending_consolidations_limit: 0\n",
			want: "x.yaml:9:33: config.pending_consolidations_limit: 0 is less than the minimum 1",
			at:   "0",
		},
		{
			name: "config value above its range",
			src:  grp("0x01") + "config:\n  epochs_per_slashings_vector: \"${65536 + 1}\"\n",
			want: "x.yaml:9:32: config.epochs_per_slashings_vector: ${65536 + 1} = 65537 is greater than the maximum 65536",
			at:   `"${65536 + 1}"`,
		},
		{
			name: "config value not an integer",
			src:  grp("0x01") + "config:\n  shard_committee_period: 2.5\n",
			want: "x.yaml:9:27: config.shard_committee_period: 2.5 is not an integer",
			at:   "2.5",
		},
		{
			name: "duplicate config key",
			src:  grp("0x01") + "config:\n  max_pending_deposits_per_epoch: 4\n  max_pending_deposits_per_epoch: 5\n",
			want: "x.yaml:10:3: config.max_pending_deposits_per_epoch: duplicate field (first at line 9)",
			at:   "max_pending_deposits_per_epoch: 5",
		},
		{
			name: "config not a mapping",
			src:  grp("0x01") + "config: [shard_committee_period]\n",
			want: "x.yaml:8:9: config: expected a mapping, got a list",
			at:   "[shard_committee_period]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("x.yaml", []byte(tt.src), nil)
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want error %q", s, tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got: %s\nwant: %s", got, tt.want)
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is %T, want a non-empty ErrorList", err)
			}
			first := list[0]
			if got := textAt(tt.src, first.Pos.Line, first.Pos.Col); !strings.HasPrefix(got, tt.at) {
				t.Errorf("first problem points at %q (line %d col %d), want text starting %q", got, first.Pos.Line, first.Pos.Col, tt.at)
			}
		})
	}
}

// TestLifecycleDocs keeps doc.go in step with the tables: every config key
// with its range, every policy and every request kind is documented.
func TestLifecycleDocs(t *testing.T) {
	data, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	// doc.go wraps lines with "//"; undo that so phrases can span lines.
	var b strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		b.WriteString(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "//")))
		b.WriteByte(' ')
	}
	doc := b.String()
	for _, k := range ConfigKeys {
		// The table in doc.go reads "name [min, max]" with the bounds
		// written as in the table (2^n for powers of two).
		want := k.Name + " [" + docBound(k.Min) + ", " + docBound(k.Max) + "]"
		if !strings.Contains(doc, want) {
			t.Errorf("doc.go does not document config key %q as %q", k.Name, want)
		}
	}
	for _, p := range operatorPolicies() {
		if !strings.Contains(doc, "- "+p.name+":") {
			t.Errorf("doc.go does not document policy %q", p.name)
		}
	}
	for _, k := range requestKinds() {
		if !strings.Contains(doc, "- "+k.name+":") {
			t.Errorf("doc.go does not document request kind %q", k.name)
		}
	}
}

// docBound writes a config bound as doc.go does: powers of two from 2^16
// up as 2^n, the rest in decimal.
func docBound(v uint64) string {
	for n := 16; n < 64; n++ {
		if v == 1<<n {
			return "2^" + strconv.Itoa(n)
		}
	}
	return strconv.FormatUint(v, 10)
}

func TestFmtETH(t *testing.T) {
	for gwei, want := range map[uint64]string{0: "0", 1: "0.000000001", 32_000_000_000: "32", 31_750_000_000: "31.75", 2_048_500_000_000: "2048.5"} {
		if got := fmtETH(gwei); got != want {
			t.Errorf("fmtETH(%d) = %q, want %q", gwei, got, want)
		}
	}
}

// checkLifecycleInvariants asserts the documented limits of the lifecycle
// fields of a successfully parsed scenario (used by the fuzz test).
func checkLifecycleInvariants(t *testing.T, s *Scenario) {
	t.Helper()
	if n := s.TotalValidators() + s.DepositedValidators(); n > MaxValidators {
		t.Fatalf("%d validators counting deposits", n)
	}
	for _, g := range s.Groups {
		if g.Coalition != "" && (g.Operator != nil || len(g.Requests) > 0) {
			t.Fatalf("coalition group with lifecycle %+v", g)
		}
		compounding := g.Credentials == 0x02
		if op := g.Operator; op != nil {
			p, ok := lookupPolicy(op.Policy)
			if !ok || op.FromEpoch >= s.Epochs || (p.execution && g.Credentials == 0) {
				t.Fatalf("bad operator %+v in %+v", op, g)
			}
			if p.target != (op.TargetGwei != 0) ||
				(p.target && (op.TargetGwei <= 32_000_000_000 || op.TargetGwei > 2_048_000_000_000 || op.TargetGwei <= g.BalanceGwei || op.TargetGwei%1_000_000_000 != 0)) {
				t.Fatalf("bad target %+v in %+v", op, g)
			}
			compounding = compounding || op.Policy != PolicyKeep
		}
		if len(g.Requests) > maxRequests {
			t.Fatalf("%d requests", len(g.Requests))
		}
		for _, r := range g.Requests {
			k, ok := lookupRequestKind(r.Kind)
			converted := false
			for _, c := range g.Requests {
				converted = converted || (c.Kind == RequestBLSChange && c.Epoch < r.Epoch)
			}
			if !ok || r.Epoch >= s.Epochs || r.Count < 1 || (k.execution && g.Credentials == 0 && !converted) || (k.compounding && !compounding) ||
				(k.bls && g.Credentials != 0) {
				t.Fatalf("bad request %+v in %+v", r, g)
			}
			switch r.Kind {
			case RequestExit, RequestVoluntaryExit, RequestBLSChange:
				if r.AmountGwei != 0 {
					t.Fatalf("%s with an amount: %+v", r.Kind, r)
				}
			case RequestDeposit:
				if r.AmountGwei < 1_000_000_000 || r.AmountGwei > 2_048_000_000_000 {
					t.Fatalf("bad deposit amount %+v", r)
				}
			default:
				if r.AmountGwei < 1 || r.AmountGwei > MaxBalanceETH*1_000_000_000 {
					t.Fatalf("bad amount %+v", r)
				}
			}
		}
	}
	seen := map[string]bool{}
	for _, c := range s.Config {
		k, ok := lookupConfigKey(c.Name)
		if !ok || seen[c.Name] || c.Value < k.Min || c.Value > k.Max {
			t.Fatalf("bad config %+v", c)
		}
		seen[c.Name] = true
	}
}
