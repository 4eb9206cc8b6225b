package restaking

import "fmt"

// OperatorInfo is an operator's state at the ledger's epoch.
type OperatorInfo struct {
	ID            string
	CommissionBps uint64
	OwnGwei       Gwei // the operator's own active stake
	DelegatedGwei Gwei // its delegators' active stake
	SharesGwei    Gwei // OwnGwei + DelegatedGwei: the operator shares allocations are fractions of
	// MaxMagnitude is getMaxMagnitude: WAD less everything slashed. It is
	// also the operator's slashing factor: a staker delegated since before
	// any slash keeps MaxMagnitude/WAD of its stake.
	MaxMagnitude        uint64
	EncumberedMagnitude uint64 // allocated plus pending allocations plus pending deallocations
	// AllocatableMagnitude is getAllocatableMagnitude: max − encumbered.
	AllocatableMagnitude uint64
	AllocationDelay      Epoch // in effect now
	SlashedGwei          Gwei  // cumulative, active and queued
	Delegators           []string
}

// StakerInfo is an account's state at the ledger's epoch.
type StakerInfo struct {
	ID          string
	IsOperator  bool
	DelegatedTo string // "" when undelegated
	// WithdrawableGwei is the account's active stake: what it could queue
	// for withdrawal now (getWithdrawableShares), already net of slashing.
	WithdrawableGwei      Gwei
	PendingWithdrawalGwei Gwei // its uncompleted withdrawals, net of slashing so far
	RewardsGwei           Gwei // accrued, unclaimed
}

// AllocationInfo is an operator's allocation to one set (getAllocation plus
// the registration status).
type AllocationInfo struct {
	CurrentMagnitude uint64
	HasPending       bool
	PendingDiff      int64 // positive: allocation; negative: deallocation
	EffectEpoch      Epoch // when the pending change takes effect
	// ProportionWAD is currentMagnitude / maxMagnitude (rounded down): the
	// fraction of the operator's shares the set can slash now if registered.
	ProportionWAD  uint64
	Registered     bool
	Slashable      bool  // the operator is slashable by the set now (isOperatorSlashable)
	SlashableUntil Epoch // after a deregistration
}

// WithdrawalInfo is a queued withdrawal.
type WithdrawalInfo struct {
	ID               uint64
	Staker           string
	Operator         string // delegated operator when queued; "" if none
	StartEpoch       Epoch
	CompletableEpoch Epoch // first epoch CompleteWithdrawal accepts; slashable before it
	QueuedGwei       Gwei
	AmountGwei       Gwei // what completing pays now
	Completed        bool
}

// OperatorSetInfo is an operator set's state at the ledger's epoch.
type OperatorSetInfo struct {
	Config             OperatorSetConfig
	Members            []string // registered operators, in registration order
	AllocatedStakeGwei Gwei     // AllocatedStake
	SlashedGwei        Gwei     // cumulative
	RewardsPaidGwei    Gwei     // cumulative
}

// Totals is the ledger's money at the ledger's epoch. Conservation:
// DepositedGwei = ActiveGwei + PendingWithdrawalsGwei + BurnedGwei +
// RedistributedGwei + WithdrawnGwei; RewardsPaidGwei = RewardsUnclaimedGwei +
// RewardsClaimedGwei.
type Totals struct {
	DepositedGwei          Gwei
	ActiveGwei             Gwei // every account's active stake, delegated or not
	RestakedGwei           Gwei // active stake delegated to operators (TotalRestaked)
	PendingWithdrawalsGwei Gwei
	BurnedGwei             Gwei
	RedistributedGwei      Gwei
	WithdrawnGwei          Gwei
	RewardsPaidGwei        Gwei
	RewardsUnclaimedGwei   Gwei
	RewardsClaimedGwei     Gwei
}

// Recipient is a redistribution recipient's cumulative credit.
type Recipient struct {
	Name string
	Gwei Gwei
}

// Operators lists operator ids in registration order.
func (l *Ledger) Operators() []string {
	out := make([]string, len(l.operators))
	for i, op := range l.operators {
		out[i] = op.id
	}
	return out
}

// Accounts lists account ids (operators' own accounts and stakers) in
// registration order.
func (l *Ledger) Accounts() []string {
	out := make([]string, len(l.accounts))
	for i, a := range l.accounts {
		out[i] = a.id
	}
	return out
}

// OperatorSets lists operator set ids in creation order.
func (l *Ledger) OperatorSets() []string {
	out := make([]string, len(l.sets))
	for i, s := range l.sets {
		out[i] = s.cfg.ID
	}
	return out
}

// Operator returns an operator's state.
func (l *Ledger) Operator(id string) (OperatorInfo, error) {
	oi, err := l.lookupOperator(id)
	if err != nil {
		return OperatorInfo{}, err
	}
	op := l.operators[oi]
	own := l.accounts[op.self].activeGwei
	info := OperatorInfo{
		ID:                   op.id,
		CommissionBps:        op.commissionBps,
		OwnGwei:              own,
		DelegatedGwei:        op.sharesGwei - own,
		SharesGwei:           op.sharesGwei,
		MaxMagnitude:         op.maxMagnitude,
		EncumberedMagnitude:  op.encumbered,
		AllocatableMagnitude: op.maxMagnitude - op.encumbered,
		AllocationDelay:      op.delay.at(l.epoch),
		SlashedGwei:          op.slashedGwei,
	}
	for _, ai := range op.delegators {
		info.Delegators = append(info.Delegators, l.accounts[ai].id)
	}
	return info, nil
}

// MaxMagnitude is AllocationManager.getMaxMagnitude.
func (l *Ledger) MaxMagnitude(operatorID string) (uint64, error) {
	oi, err := l.lookupOperator(operatorID)
	if err != nil {
		return 0, err
	}
	return l.operators[oi].maxMagnitude, nil
}

// AllocatableMagnitude is AllocationManager.getAllocatableMagnitude: "The
// difference between the operator's max magnitude and its encumbered
// magnitude is the magnitude that can be allocated", completable
// deallocations already cleared.
func (l *Ledger) AllocatableMagnitude(operatorID string) (uint64, error) {
	oi, err := l.lookupOperator(operatorID)
	if err != nil {
		return 0, err
	}
	op := l.operators[oi]
	return op.maxMagnitude - op.encumbered, nil
}

// Staker returns an account's state.
func (l *Ledger) Staker(id string) (StakerInfo, error) {
	ai, err := l.lookupAccount(id)
	if err != nil {
		return StakerInfo{}, err
	}
	acc := l.accounts[ai]
	info := StakerInfo{
		ID:               acc.id,
		IsOperator:       acc.ownOperator >= 0,
		WithdrawableGwei: acc.activeGwei,
		RewardsGwei:      acc.rewardsGwei,
	}
	if acc.operator >= 0 {
		info.DelegatedTo = l.operators[acc.operator].id
	}
	for _, id := range acc.pending {
		info.PendingWithdrawalGwei += l.withdrawals[id-1].amountGwei
	}
	return info, nil
}

// PendingWithdrawals lists an account's uncompleted withdrawals in queue
// order.
func (l *Ledger) PendingWithdrawals(accountID string) ([]WithdrawalInfo, error) {
	ai, err := l.lookupAccount(accountID)
	if err != nil {
		return nil, err
	}
	var out []WithdrawalInfo
	for _, id := range l.accounts[ai].pending {
		out = append(out, l.withdrawalInfo(l.withdrawals[id-1]))
	}
	return out, nil
}

// Withdrawal returns one withdrawal, completed or not.
func (l *Ledger) Withdrawal(id uint64) (WithdrawalInfo, error) {
	if id == 0 || id > uint64(len(l.withdrawals)) {
		return WithdrawalInfo{}, fmt.Errorf("%w: %d", ErrUnknownWithdrawal, id)
	}
	return l.withdrawalInfo(l.withdrawals[id-1]), nil
}

func (l *Ledger) withdrawalInfo(w *withdrawal) WithdrawalInfo {
	info := WithdrawalInfo{
		ID:               w.id,
		Staker:           l.accounts[w.staker].id,
		StartEpoch:       w.start,
		CompletableEpoch: w.slashableUntil + 1,
		QueuedGwei:       w.queuedGwei,
		AmountGwei:       w.amountGwei,
		Completed:        w.completed,
	}
	if w.operator >= 0 {
		info.Operator = l.operators[w.operator].id
	}
	return info
}

// PendingWithdrawalsGwei is the sum of all uncompleted withdrawals, net of
// slashing so far.
func (l *Ledger) PendingWithdrawalsGwei() Gwei { return l.pendingGwei }

// Allocation returns an operator's allocation to a set.
func (l *Ledger) Allocation(operatorID, setID string) (AllocationInfo, error) {
	oi, err := l.lookupOperator(operatorID)
	if err != nil {
		return AllocationInfo{}, err
	}
	si, err := l.lookupSet(setID)
	if err != nil {
		return AllocationInfo{}, err
	}
	op := l.operators[oi]
	a := op.peek(si)
	info := AllocationInfo{
		CurrentMagnitude: a.current,
		HasPending:       a.pending,
		PendingDiff:      a.pendingDiff,
		EffectEpoch:      a.effect,
		Registered:       a.registered,
		Slashable:        a.slashableAt(l.epoch),
		SlashableUntil:   a.slashableUntil,
	}
	if op.maxMagnitude > 0 {
		info.ProportionWAD = mustMulDiv(a.current, WAD, op.maxMagnitude, false)
	}
	return info, nil
}

// IsSlashable reports whether the operator is slashable by the set now
// (AllocationManager.isOperatorSlashable) and has magnitude in effect there.
func (l *Ledger) IsSlashable(operatorID, setID string) (bool, error) {
	info, err := l.Allocation(operatorID, setID)
	if err != nil {
		return false, err
	}
	return info.Slashable && info.CurrentMagnitude > 0, nil
}

// SlashableStake is the Gwei of operatorID's active stake that setID can
// slash at epoch at (>= the ledger's epoch), if nothing else happens first:
// floor(shares × magnitude / maxMagnitude), where magnitude is the current
// magnitude plus any pending change (allocation or deallocation) whose
// effect epoch is at or before at, and zero when the operator is not
// slashable by the set at that epoch (not registered, or deregistered more
// than DEALLOCATION_DELAY epochs before). A pending allocation counts only
// from its effect epoch; a pending deallocation stays slashable until its
// effect epoch (queued withdrawals, which a slash also reaches, are not
// included, as in EigenLayer's getAllocatedStake). Deposits, withdrawals,
// slashes (queued ones included) and allocation changes after now are not
// foreseen. EigenLayer rounds twice (mulWad(shares, divWad(magnitude, max)));
// the ledger rounds the exact quotient once, so 85 ETH at 0.15/0.85 is
// exactly 15 ETH rather than 1 Gwei less.
func (l *Ledger) SlashableStake(operatorID, setID string, at Epoch) (Gwei, error) {
	oi, err := l.lookupOperator(operatorID)
	if err != nil {
		return 0, err
	}
	si, err := l.lookupSet(setID)
	if err != nil {
		return 0, err
	}
	if at < l.epoch {
		return 0, fmt.Errorf("%w: %d < %d", ErrPastEpoch, at, l.epoch)
	}
	op := l.operators[oi]
	a := op.peek(si)
	if !a.slashableAt(at) || op.maxMagnitude == 0 {
		return 0, nil
	}
	mag := a.current
	if a.pending && a.effect <= at {
		mag = addDiff(mag, a.pendingDiff)
	}
	return Gwei(mustMulDiv(uint64(op.sharesGwei), mag, op.maxMagnitude, false)), nil
}

// MinimumSlashableStake mirrors AllocationManager.getMinimumSlashableStake:
// the least stake the set is sure to be able to slash from now through
// epoch until, "ONLY include the pending change if it is a deallocation":
// pending allocations are ignored, deallocations taking effect by until are
// subtracted. It is zero when the operator is not slashable by the set now.
func (l *Ledger) MinimumSlashableStake(operatorID, setID string, until Epoch) (Gwei, error) {
	oi, err := l.lookupOperator(operatorID)
	if err != nil {
		return 0, err
	}
	si, err := l.lookupSet(setID)
	if err != nil {
		return 0, err
	}
	if until < l.epoch {
		return 0, fmt.Errorf("%w: %d < %d", ErrPastEpoch, until, l.epoch)
	}
	op := l.operators[oi]
	a := op.peek(si)
	if !a.slashableAt(l.epoch) || op.maxMagnitude == 0 {
		return 0, nil
	}
	mag := a.current
	if a.pending && a.pendingDiff < 0 && a.effect <= until {
		mag = addDiff(mag, a.pendingDiff)
	}
	return Gwei(mustMulDiv(uint64(op.sharesGwei), mag, op.maxMagnitude, false)), nil
}

// AllocatedStake is the stake setID can slash now, summed over operators
// (SlashableStake at the current epoch).
func (l *Ledger) AllocatedStake(setID string) (Gwei, error) {
	if _, err := l.lookupSet(setID); err != nil {
		return 0, err
	}
	var sum Gwei
	for _, op := range l.operators {
		s, err := l.SlashableStake(op.id, setID, l.epoch)
		if err != nil {
			return 0, err
		}
		sum += s
	}
	return sum, nil
}

// OperatorSet returns a set's configuration and state.
func (l *Ledger) OperatorSet(id string) (OperatorSetInfo, error) {
	si, err := l.lookupSet(id)
	if err != nil {
		return OperatorSetInfo{}, err
	}
	set := l.sets[si]
	info := OperatorSetInfo{Config: set.cfg, SlashedGwei: set.slashedGwei, RewardsPaidGwei: set.rewardsPaidGwei}
	for _, op := range l.operators {
		if op.peek(si).registered {
			info.Members = append(info.Members, op.id)
		}
	}
	info.AllocatedStakeGwei, err = l.AllocatedStake(id)
	return info, err
}

// TotalRestaked is the active stake delegated to operators.
func (l *Ledger) TotalRestaked() Gwei {
	var sum Gwei
	for _, op := range l.operators {
		sum += op.sharesGwei
	}
	return sum
}

// Totals returns the ledger's money, the terms of its conservation law.
func (l *Ledger) Totals() Totals {
	t := Totals{
		DepositedGwei:          l.depositedGwei,
		RestakedGwei:           l.TotalRestaked(),
		PendingWithdrawalsGwei: l.pendingGwei,
		BurnedGwei:             l.burnedGwei,
		RedistributedGwei:      l.redistributedGwei,
		WithdrawnGwei:          l.withdrawnGwei,
		RewardsPaidGwei:        l.rewardsPaidGwei,
		RewardsClaimedGwei:     l.rewardsClaimedGwei,
	}
	for _, a := range l.accounts {
		t.ActiveGwei += a.activeGwei
		t.RewardsUnclaimedGwei += a.rewardsGwei
	}
	return t
}

// Redistributed is the cumulative Gwei credited to one recipient.
func (l *Ledger) Redistributed(recipient string) Gwei {
	if i, ok := l.recipientIndex[recipient]; ok {
		return l.recipients[i].gwei
	}
	return 0
}

// Recipients lists redistribution recipients in the order they were first
// credited.
func (l *Ledger) Recipients() []Recipient {
	out := make([]Recipient, len(l.recipients))
	for i, r := range l.recipients {
		out[i] = Recipient{Name: r.name, Gwei: r.gwei}
	}
	return out
}
