package consensus

import (
	"fmt"
	"slices"

	"github.com/stakesim/stakesim/crypto"
)

// State is the beacon state of one branch (Electra fields that the modelled
// rules read or write). Hot per-validator data lives in plain slices indexed
// by ValidatorIndex. A State is never shared between branches: Copy before
// applying a block to a parent's post-state.
//
// Copies share the slices that change seldom (Validators and
// InactivityScores: a block rarely touches a validator record, and scores
// move only at epoch boundaries) until one of them writes: reading them is
// plain slice indexing, but every write goes through MutValidator,
// appendValidator or mutInactivityScores, which copy a shared slice first.
// Balances and participation flags, which every block writes, are copied
// by Copy.
type State struct {
	GenesisValidatorsRoot Root
	Slot                  Slot

	LatestBlockHeader BeaconBlockHeader

	// BlockRoots is a ring of the last len(BlockRoots) block roots, indexed
	// by slot % len(BlockRoots). The spec's ring has SLOTS_PER_HISTORICAL_ROOT
	// entries; the rules here never look further back than a few epochs, so
	// the window is HistoryWindowEpochs epochs (see NewGenesisState).
	BlockRoots []Root
	// RandaoMixes is a ring indexed by epoch % len(RandaoMixes), with the
	// same reasoning (the spec's has EPOCHS_PER_HISTORICAL_VECTOR entries).
	RandaoMixes []Root

	Validators []Validator
	Balances   []Gwei

	PreviousEpochParticipation []ParticipationFlags
	CurrentEpochParticipation  []ParticipationFlags

	JustificationBits           uint8 // bit 0 = current epoch
	PreviousJustifiedCheckpoint Checkpoint
	CurrentJustifiedCheckpoint  Checkpoint
	FinalizedCheckpoint         Checkpoint

	InactivityScores []uint64

	// Slashings has EPOCHS_PER_SLASHINGS_VECTOR entries, as in the spec.
	Slashings []Gwei

	NextWithdrawalIndex          uint64
	NextWithdrawalValidatorIndex ValidatorIndex

	DepositRequestsStartIndex     uint64
	DepositBalanceToConsume       Gwei
	ExitBalanceToConsume          Gwei
	EarliestExitEpoch             Epoch
	ConsolidationBalanceToConsume Gwei
	EarliestConsolidationEpoch    Epoch
	PendingDeposits               []PendingDeposit
	PendingPartialWithdrawals     []PendingPartialWithdrawal
	PendingConsolidations         []PendingConsolidation

	// Ledger is simulator bookkeeping, not a spec field: every change to a
	// balance goes through IncreaseBalance/DecreaseBalance/Withdraw so the
	// engine can check ETH conservation every epoch.
	Ledger Ledger
	// caches memoises shufflings and proposers; shared by copies (see Caches).
	caches *Caches

	// CurrentSyncCommittee and NextSyncCommittee are the Altair sync
	// committees, as validator indices (see SyncCommittee).
	CurrentSyncCommittee SyncCommittee
	NextSyncCommittee    SyncCommittee

	// shared marks the slices this State shares with copies (see State).
	shared sharedParts
	// reg memoises functions of Validators while it is shared (see
	// registryMemo); nil when none is kept.
	reg *registryMemo
}

// sharedParts is a set of the slices a State may share with its copies.
type sharedParts uint8

const (
	sharedValidators sharedParts = 1 << iota
	sharedInactivity
)

// HistoryWindowEpochs is how many epochs of block roots and RANDAO mixes a
// State keeps (see State.BlockRoots).
const HistoryWindowEpochs = 8

// Ledger counts, per branch, where every Gwei came from and went to since
// genesis. Conservation: sum(balances) + Withdrawn + Burned + Requeued == Genesis + Deposited + Issued.
type Ledger struct {
	Genesis   Gwei // balances at genesis
	Deposited Gwei // ETH deposited after genesis
	Issued    Gwei // rewards minted (attestation, proposer, whistleblower)
	Burned    Gwei // penalties and slashings actually taken (after clamping at zero)
	Withdrawn Gwei // paid out by the withdrawal sweep
	// Requeued is balance moved back into the deposit queue by
	// queue_excess_active_balance (switch to compounding); it returns
	// through the queue and is then counted in Deposited again.
	Requeued Gwei
}

// Copy returns a copy of st that evolves independently (caches are shared:
// they are content-addressed and safe to share). Validators and
// InactivityScores are shared, copy-on-write, by both states (see State),
// with the registry's memo (registryMemo); Copy marks them shared in st
// too, so it must not run concurrently with anything else reading or
// writing st.
func (st *State) Copy() *State {
	st.shared = sharedValidators | sharedInactivity
	if st.reg == nil {
		st.reg = new(registryMemo)
	}
	c := *st
	c.BlockRoots = append([]Root(nil), st.BlockRoots...)
	c.RandaoMixes = append([]Root(nil), st.RandaoMixes...)
	c.Balances = append([]Gwei(nil), st.Balances...)
	c.PreviousEpochParticipation = append([]ParticipationFlags(nil), st.PreviousEpochParticipation...)
	c.CurrentEpochParticipation = append([]ParticipationFlags(nil), st.CurrentEpochParticipation...)
	c.Slashings = append([]Gwei(nil), st.Slashings...)
	c.PendingDeposits = append([]PendingDeposit(nil), st.PendingDeposits...)
	c.PendingPartialWithdrawals = append([]PendingPartialWithdrawal(nil), st.PendingPartialWithdrawals...)
	c.PendingConsolidations = append([]PendingConsolidation(nil), st.PendingConsolidations...)
	c.CurrentSyncCommittee.Indices = append([]ValidatorIndex(nil), st.CurrentSyncCommittee.Indices...)
	c.NextSyncCommittee.Indices = append([]ValidatorIndex(nil), st.NextSyncCommittee.Indices...)
	return &c
}

// MutValidator returns validator i's record for writing, first copying the
// registry if st shares it with a copy. A pointer taken from st.Validators
// before the call may point into the shared registry: read only through it.
func (st *State) MutValidator(i ValidatorIndex) *Validator {
	st.reg = nil
	if st.shared&sharedValidators != 0 {
		st.Validators = slices.Clone(st.Validators)
		st.shared &^= sharedValidators
	}
	return &st.Validators[i]
}

// appendValidator appends v to the registry (never into a shared slice's
// spare capacity).
func (st *State) appendValidator(v Validator) {
	st.reg = nil
	if st.shared&sharedValidators != 0 {
		st.Validators = slices.Grow(slices.Clip(st.Validators), 1)
		st.shared &^= sharedValidators
	}
	st.Validators = append(st.Validators, v)
}

// appendInactivityScore appends a zero score (never into a shared slice's
// spare capacity).
func (st *State) appendInactivityScore() {
	if st.shared&sharedInactivity != 0 {
		st.InactivityScores = slices.Grow(slices.Clip(st.InactivityScores), 1)
		st.shared &^= sharedInactivity
	}
	st.InactivityScores = append(st.InactivityScores, 0)
}

// mutInactivityScores returns the inactivity scores for writing, first
// copying them if st shares them with a copy.
func (st *State) mutInactivityScores() []uint64 {
	if st.shared&sharedInactivity != 0 {
		st.InactivityScores = slices.Clone(st.InactivityScores)
		st.shared &^= sharedInactivity
	}
	return st.InactivityScores
}

// IncreaseBalance adds delta to a validator's balance and counts it as issuance.
//
// Spec definition:
//
//	def increase_balance(state: BeaconState, index: ValidatorIndex, delta: Gwei) -> None:
//	    state.balances[index] += delta
func (st *State) IncreaseBalance(i ValidatorIndex, delta Gwei) {
	st.Balances[i] += delta
	st.Ledger.Issued += delta
}

// DecreaseBalance subtracts delta, clamped at zero, and counts what was
// actually taken as burned.
//
// Spec definition:
//
//	def decrease_balance(state: BeaconState, index: ValidatorIndex, delta: Gwei) -> None:
//	    state.balances[index] = 0 if delta > state.balances[index] else state.balances[index] - delta
func (st *State) DecreaseBalance(i ValidatorIndex, delta Gwei) {
	b := st.Balances[i]
	if delta > b {
		delta = b
	}
	st.Balances[i] = b - delta
	st.Ledger.Burned += delta
}

// Withdraw pays amount out of a validator's balance to its withdrawal
// address (the execution layer), as process_withdrawals does.
func (st *State) Withdraw(i ValidatorIndex, amount Gwei) {
	b := st.Balances[i]
	if amount > b {
		amount = b
	}
	st.Balances[i] = b - amount
	st.Ledger.Withdrawn += amount
}

// TotalBalance is the sum of all balances (the ledger's left-hand side).
func (st *State) TotalBalance() Gwei {
	var s Gwei
	for _, b := range st.Balances {
		s += b
	}
	return s
}

// CheckConservation verifies the ETH accounting identity and returns an
// error naming the discrepancy.
func (st *State) CheckConservation() error {
	l := st.Ledger
	lhs := st.TotalBalance() + l.Withdrawn + l.Burned + l.Requeued
	rhs := l.Genesis + l.Deposited + l.Issued
	if lhs != rhs {
		return fmt.Errorf("%w: balances+withdrawn+burned+requeued = %d Gwei, genesis+deposited+issued = %d Gwei (diff %d)",
			ErrConservation, lhs, rhs, int64(lhs)-int64(rhs))
	}
	return nil
}

// Verifier checks BLS aggregates for block processing. crypto.Keyring
// implements it with blst; AcceptAll is the `--bls off` verifier.
type Verifier interface {
	// VerifyAggregates reports, per check, whether FastAggregateVerify of
	// the signature over the message by the listed validators succeeds.
	VerifyAggregates(checks []crypto.AggregateCheck) []bool
}

// AcceptAll is the Verifier of BLS mode off: it checks nothing.
type AcceptAll struct{}

// VerifyAggregates accepts every check.
func (AcceptAll) VerifyAggregates(checks []crypto.AggregateCheck) []bool {
	ok := make([]bool, len(checks))
	for i := range ok {
		ok[i] = true
	}
	return ok
}
