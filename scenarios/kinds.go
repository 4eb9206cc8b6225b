package scenarios

import (
	"fmt"
	"sort"
)

// kindField is one field, besides kind, from_epoch and to_epoch, that a
// behaviour kind accepts. Every such field is an unsigned integer in
// [min, max]; set stores it in the Behaviour.
type kindField struct {
	name     string
	doc      string
	required bool
	min, max uint64
	set      func(b *Behaviour, v uint64)
	// setNames, when set, makes the field a list of validator group names
	// instead of a number (checked against the scenario's groups).
	setNames func(b *Behaviour, v []string)
}

// behaviourKind describes one behaviour kind: its own fields and an optional
// check across them, run after each field has been decoded and range-checked.
type behaviourKind struct {
	name   string
	doc    string
	fields []kindField
	check  func(b *Behaviour) error
	// coalition kinds act for a whole coalition and need the group to have
	// a coalition.
	coalition bool
}

// behaviourKinds is the table of behaviour kinds. To add a kind, add an
// entry here (and, if it needs a new parameter, a field to Behaviour and a
// kindField whose set stores it); the decoder, the error messages and
// BehaviourKinds follow from the table.
func behaviourKinds() []behaviourKind {
	return []behaviourKind{
		{
			name: "honest",
			doc:  "follows the protocol: attests and proposes on time",
		},
		{
			name: "offline",
			doc:  "does nothing: no attestations, no blocks",
		},
		{
			name: "late",
			doc:  "attests delay_ms after the normal attestation time (a third of the slot)",
			fields: []kindField{{
				name:     "delay_ms",
				doc:      "milliseconds after the normal attestation time",
				required: true,
				min:      0,
				max:      MaxLateDelayMs,
				set:      func(b *Behaviour, v uint64) { b.DelayMs = v },
			}},
		},
		{
			name: "late-blocks",
			doc:  "publishes its blocks delay_ms after the slot start (past the attestation deadline, honest proposers may re-org them: proposer_reorg)",
			fields: []kindField{{
				name:     "delay_ms",
				doc:      "milliseconds after the slot start",
				required: true,
				min:      0,
				max:      MaxLateDelayMs,
				set:      func(b *Behaviour, v uint64) { b.DelayMs = v },
			}},
		},
		{
			name: "withhold-attestations",
			doc:  "publishes no attestations (still proposes unless withhold-blocks is also set)",
		},
		{
			name: "withhold-blocks",
			doc:  "publishes none of its blocks (a withheld block never released is a missed slot)",
		},
		{
			name:      "private-chain",
			doc:       "the coalition builds and votes only on its own chain, publishing nothing; when the window ends it releases every withheld block and vote to release_to",
			coalition: true,
			fields: []kindField{{
				name:     "release_to",
				doc:      "validator groups whose view groups receive the release (default: all)",
				setNames: func(b *Behaviour, v []string) { b.ReleaseTo = v },
			}},
		},
		{
			name: "double-vote",
			doc:  "signs a second, conflicting attestation for the same target epoch (slashable)",
		},
		{
			name: "surround-vote",
			doc:  "attests with the genesis checkpoint as source, surrounding its previous vote (slashable)",
		},
		{
			name: "double-propose",
			doc:  "signs two different blocks for each of its slots (slashable)",
		},
		{
			name:      "both-sides",
			doc:       "during a partition that lists the group as a bridge, attests and proposes on the head of every side, each side seeing only its own votes",
			coalition: true,
		},
		{
			name:      "censor",
			doc:       "as proposer, leaves every attestation by a validator outside the coalition out of its blocks",
			coalition: true,
		},
		{
			name:      "own-chain",
			doc:       "the coalition ignores blocks proposed by others: it builds and votes only on its own blocks",
			coalition: true,
		},
		{
			name:      "ex-ante-reorg",
			doc:       "a coalition proposer withholds its block and the coalition's votes for it, releasing them release_delay_ms into the next slot to reorg the next honest block",
			coalition: true,
			fields: []kindField{{
				name: "release_delay_ms",
				doc:  "milliseconds after the next slot starts",
				min:  0, max: MaxLateDelayMs,
				set: func(b *Behaviour, v uint64) { b.ReleaseDelayMs = v },
			}},
		},
		{
			name:      "balancing",
			doc:       "the LMD-GHOST balancing attack: a coalition proposer equivocates at an epoch's first slot, one block to each half of the honest view groups, and the coalition releases its votes so that each half keeps seeing its own branch ahead",
			coalition: true,
		},
	}
}

// CoalitionKind reports whether behaviour kind name acts for a whole
// coalition (and so is the same for all its groups).
func CoalitionKind(name string) bool {
	k, ok := lookupKind(name)
	return ok && k.coalition
}

// commonBehaviourFields returns the fields every kind accepts.
func commonBehaviourFields() []string {
	return []string{"kind", "from_epoch", "to_epoch", "after_byzantine_share"}
}

func lookupKind(name string) (behaviourKind, bool) {
	for _, k := range behaviourKinds() {
		if k.name == name {
			return k, true
		}
	}
	return behaviourKind{}, false
}

// BehaviourKinds returns the names of the behaviour kinds, sorted.
func BehaviourKinds() []string {
	var names []string
	for _, k := range behaviourKinds() {
		names = append(names, k.name)
	}
	sort.Strings(names)
	return names
}

// allowedFields returns the field names a behaviour of kind k may have.
func (k behaviourKind) allowedFields() []string {
	names := commonBehaviourFields()
	for _, f := range k.fields {
		names = append(names, f.name)
	}
	return names
}

// anyKindHasField reports whether some kind other than k accepts field, so
// that an error can say "not allowed for kind X" rather than "unknown field".
func anyKindHasField(field string) bool {
	for _, k := range behaviourKinds() {
		for _, f := range k.fields {
			if f.name == field {
				return true
			}
		}
	}
	return false
}

// delayField is one parameter of a delay distribution, in milliseconds.
type delayField struct {
	name     string
	required bool
	set      func(d *Delay, v uint64)
}

// delayDist describes a delay distribution: its fields and a check across
// them.
type delayDist struct {
	name   string
	fields []delayField
	check  func(d *Delay) error
}

// delayDists is the table of delay distributions.
func delayDists() []delayDist {
	return []delayDist{
		{
			name:   "fixed",
			fields: []delayField{{name: "ms", set: func(d *Delay, v uint64) { d.Ms = v }}},
		},
		{
			name: "uniform",
			fields: []delayField{
				{name: "min_ms", set: func(d *Delay, v uint64) { d.MinMs = v }},
				{name: "max_ms", required: true, set: func(d *Delay, v uint64) { d.MaxMs = v }},
			},
			check: func(d *Delay) error {
				if d.MinMs > d.MaxMs {
					return fmt.Errorf("min_ms %d is greater than max_ms %d", d.MinMs, d.MaxMs)
				}
				return nil
			},
		},
		{
			name: "normal",
			fields: []delayField{
				{name: "mean_ms", required: true, set: func(d *Delay, v uint64) { d.MeanMs = v }},
				{name: "stddev_ms", required: true, set: func(d *Delay, v uint64) { d.StddevMs = v }},
			},
		},
		{
			name:   "exponential",
			fields: []delayField{{name: "mean_ms", required: true, set: func(d *Delay, v uint64) { d.MeanMs = v }}},
		},
	}
}

func lookupDist(name string) (delayDist, bool) {
	for _, d := range delayDists() {
		if d.name == name {
			return d, true
		}
	}
	return delayDist{}, false
}

func distNames() []string {
	var names []string
	for _, d := range delayDists() {
		names = append(names, d.name)
	}
	return names
}

func anyDistHasField(field string) bool {
	for _, d := range delayDists() {
		for _, f := range d.fields {
			if f.name == field {
				return true
			}
		}
	}
	return false
}

// operatorPolicy describes one operator policy (`operator.policy`).
type operatorPolicy struct {
	name string
	doc  string
	// target policies accept target_eth.
	target bool
	// execution policies send execution-layer requests for the group's
	// validators, so the group needs 0x01 or 0x02 credentials.
	execution bool
	// compounding policies leave the group's validators with 0x02
	// credentials, so partial withdrawals become possible.
	compounding bool
}

// operatorPolicies is the table of operator policies.
func operatorPolicies() []operatorPolicy {
	return []operatorPolicy{
		{name: PolicyKeep, doc: "keeps its 32-ETH validators as they are; sends only the group's request waves"},
		{name: PolicyConsolidate, doc: "consolidates the group's validators into targets of target_eth each", target: true, execution: true, compounding: true},
		{name: PolicyCompound, doc: "switches every validator of the group to 0x02 (compounding) credentials", execution: true, compounding: true},
	}
}

func lookupPolicy(name string) (operatorPolicy, bool) {
	for _, p := range operatorPolicies() {
		if p.name == name {
			return p, true
		}
	}
	return operatorPolicy{}, false
}

func policyNames() []string {
	var names []string
	for _, p := range operatorPolicies() {
		names = append(names, p.name)
	}
	return names
}

// allowedFields returns the field names an operator with policy p may have.
func (p operatorPolicy) allowedFields() []string {
	if p.target {
		return []string{"policy", "target_eth", "from_epoch"}
	}
	return []string{"policy", "from_epoch"}
}

// requestKind describes one kind of request wave (`requests[].kind`).
type requestKind struct {
	name string
	doc  string
	// amount kinds accept amount_eth or amount_gwei (one of them), in
	// [minAmountGwei, maxAmountGwei]; without either, the wave uses
	// defaultAmountGwei, or is an error when that is 0.
	amount                       bool
	defaultAmountGwei            uint64
	minAmountGwei, maxAmountGwei uint64
	// execution kinds are sent from the group's execution withdrawal
	// address, so the group needs 0x01 or 0x02 credentials.
	execution bool
	// compounding kinds apply only to validators with 0x02 credentials.
	compounding bool
	// creates kinds add Count new validators to the group; the other kinds
	// act on Count of the group's existing validators.
	creates bool
	// bls kinds apply only to validators with BLS (0x00) credentials.
	bls bool
}

// requestKinds is the table of request wave kinds.
func requestKinds() []requestKind {
	return []requestKind{
		{
			name: RequestDeposit, doc: "count new validators of amount each join the group (EIP-6110)",
			amount: true, defaultAmountGwei: defaultDepositGwei,
			minAmountGwei: minDepositGwei, maxAmountGwei: maxEffectiveBalanceElectraETH * gweiPerETH,
			creates: true,
		},
		{
			name: RequestTopUp, doc: "adds amount to each of count of the group's validators",
			amount: true, minAmountGwei: minDepositGwei, maxAmountGwei: MaxBalanceETH * gweiPerETH,
			execution: true,
		},
		{
			name: RequestExit, doc: "count of the group's validators exit (EIP-7002 full exit)",
			execution: true,
		},
		{
			name: RequestPartialWithdrawal, doc: "withdraws amount from each of count of the group's 0x02 validators (EIP-7002)",
			amount: true, minAmountGwei: 1, maxAmountGwei: MaxBalanceETH * gweiPerETH,
			execution: true, compounding: true,
		},
		{
			name: RequestVoluntaryExit, doc: "count of the group's validators sign voluntary exits (consensus layer; any credentials)",
		},
		{
			name: RequestBLSChange, doc: "count of the group's 0x00 validators change to 0x01 credentials (BLS-to-execution change signed by the withdrawal key)",
			bls: true,
		},
	}
}

func lookupRequestKind(name string) (requestKind, bool) {
	for _, k := range requestKinds() {
		if k.name == name {
			return k, true
		}
	}
	return requestKind{}, false
}

func requestKindNames() []string {
	var names []string
	for _, k := range requestKinds() {
		names = append(names, k.name)
	}
	return names
}

// allowedFields returns the field names a request wave of kind k may have.
func (k requestKind) allowedFields() []string {
	if k.amount {
		return []string{"kind", "epoch", "count", "amount_eth", "amount_gwei"}
	}
	return []string{"kind", "epoch", "count"}
}

// configKeyNames returns the names in ConfigKeys, in table order.
func configKeyNames() []string {
	names := make([]string, len(ConfigKeys))
	for i, k := range ConfigKeys {
		names[i] = k.Name
	}
	return names
}

func lookupConfigKey(name string) (ConfigKey, bool) {
	for _, k := range ConfigKeys {
		if k.Name == name {
			return k, true
		}
	}
	return ConfigKey{}, false
}
