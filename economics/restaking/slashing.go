package restaking

import (
	"fmt"
	"slices"
	"strings"
)

type slashStatus uint8

const (
	slashQueued slashStatus = iota + 1
	slashExecuted
)

type slashRequest struct {
	id             uint64
	operator       int
	set            int
	wad            uint64
	requestedEpoch Epoch
	executeEpoch   Epoch
	status         slashStatus
}

// SlashRequest is a slash waiting out its operator set's veto window.
type SlashRequest struct {
	ID             uint64
	Operator       string
	OperatorSet    string
	WadToSlash     uint64
	RequestedEpoch Epoch
	ExecuteEpoch   Epoch
}

// StakerSlash is what one account lost to one slash: from its active stake
// and from its withdrawals still in the slashable window.
type StakerSlash struct {
	Staker     string
	ActiveGwei Gwei
	QueuedGwei Gwei
}

// SlashReport describes one slash: queued (Queued set, no amounts yet),
// skipped (Skipped set: nothing allocated, or no longer slashable when a
// queued slash came to execute), or applied.
type SlashReport struct {
	ID          uint64
	Operator    string
	OperatorSet string
	WadToSlash  uint64
	Epoch       Epoch // when requested (Queued) or executed

	Queued       bool
	ExecuteEpoch Epoch // for a queued slash, when it executes unless vetoed

	Skipped    bool
	SkipReason string

	// MagnitudeSlashed is ceil(allocated magnitude × WadToSlash / WAD),
	// taken from the set's allocation and from the max magnitude.
	MagnitudeSlashed uint64
	// PendingDeallocationSlashed is the magnitude taken off a pending
	// deallocation (it frees that much less when it completes).
	PendingDeallocationSlashed uint64
	PrevMaxMagnitude           uint64
	NewMaxMagnitude            uint64

	Own        StakerSlash   // the operator's own account
	Delegators []StakerSlash // other accounts that lost stake, sorted by id

	ActiveGwei Gwei // from delegated (active) stake
	QueuedGwei Gwei // from withdrawals in their slashable window
	TotalGwei  Gwei

	Redistributed bool
	Recipient     string // when Redistributed
}

// Slash slashes wadToSlash (in (0, WAD]) of what operatorID allocated to
// setID, mirroring AllocationManager.slashOperator for one strategy. The
// operator MUST be slashable by the set: registered, or deregistered no
// more than DEALLOCATION_DELAY epochs ago (ErrNotSlashable).
//
// When the set has a veto window the slash is queued: the report has Queued
// set and the slash executes when Advance reaches ExecuteEpoch, unless Veto
// cancels it first; it is then evaluated against the ledger as it is at
// that epoch. Otherwise the slash applies at once:
//
//   - magnitude slashed = ceil(currentMagnitude × wadToSlash / WAD)
//     (SlashingLib.mulWadRoundUp, so that "an incoming slashing request
//     isn't rounded down to 0"), subtracted from the set's allocation, the
//     encumbered magnitude and the max magnitude; allocations to other sets
//     keep their magnitude, so their slashable stake is unchanged.
//   - "If there is a pending deallocation, reduce the pending deallocation
//     proportionally": by ceil(|pendingDiff| × wadToSlash / WAD).
//   - If the current magnitude is 0 (an allocation not yet in effect, or
//     fully deallocated) nothing is slashed and the report is Skipped, as
//     slashOperator skips the strategy instead of reverting.
//   - Shares slashed (DelegationManager.slashOperatorShares) =
//     calcSlashedAmount(operatorShares, prevMax, newMax) plus the same
//     calculation over the withdrawals queued from this operator that are
//     still slashable (_getSlashableSharesInQueue). The ledger keeps exact
//     per-account Gwei instead of EigenLayer's lazily applied slashing
//     factor, so it splits each of the two totals over the accounts (and
//     withdrawals) in proportion to their Gwei with apportion: every
//     account loses its exact pro-rata share rounded to within one Gwei,
//     and the parts add up to the total.
//   - The Gwei slashed is burned, or credited to the set's redistribution
//     recipient.
func (l *Ledger) Slash(operatorID, setID string, wadToSlash uint64) (SlashReport, error) {
	oi, err := l.lookupOperator(operatorID)
	if err != nil {
		return SlashReport{}, err
	}
	si, err := l.lookupSet(setID)
	if err != nil {
		return SlashReport{}, err
	}
	if wadToSlash == 0 || wadToSlash > WAD {
		return SlashReport{}, fmt.Errorf("%w: %d", ErrInvalidWad, wadToSlash)
	}
	op := l.operators[oi]
	l.settle(op, si)
	if !op.peek(si).slashableAt(l.epoch) {
		return SlashReport{}, fmt.Errorf("%w: operator %q set %q at epoch %d", ErrNotSlashable, operatorID, setID, l.epoch)
	}
	l.nextSlashID++
	req := &slashRequest{
		id:             l.nextSlashID,
		operator:       oi,
		set:            si,
		wad:            wadToSlash,
		requestedEpoch: l.epoch,
		executeEpoch:   l.epoch + l.sets[si].cfg.VetoWindow,
		status:         slashQueued,
	}
	if l.sets[si].cfg.VetoWindow > 0 {
		l.slashes = append(l.slashes, req)
		return SlashReport{
			ID:           req.id,
			Operator:     operatorID,
			OperatorSet:  setID,
			WadToSlash:   wadToSlash,
			Epoch:        l.epoch,
			Queued:       true,
			ExecuteEpoch: req.executeEpoch,
		}, nil
	}
	l.pruneQueues()
	return l.execute(req), nil
}

// Veto cancels a queued slash before its veto window ends. It returns
// ErrSlashNotPending for a slash that was applied, executed or vetoed
// already, and ErrUnknownSlash for an id never issued.
func (l *Ledger) Veto(slashID uint64) error {
	for i, s := range l.slashes {
		if s.id == slashID && s.status == slashQueued {
			l.slashes = slices.Delete(l.slashes, i, i+1)
			return nil
		}
	}
	if slashID == 0 || slashID > l.nextSlashID {
		return fmt.Errorf("%w: %d", ErrUnknownSlash, slashID)
	}
	return fmt.Errorf("%w: %d", ErrSlashNotPending, slashID)
}

// PendingSlashes lists the queued slashes, in request order.
func (l *Ledger) PendingSlashes() []SlashRequest {
	var out []SlashRequest
	for _, s := range l.slashes {
		if s.status == slashQueued {
			out = append(out, SlashRequest{
				ID:             s.id,
				Operator:       l.operators[s.operator].id,
				OperatorSet:    l.sets[s.set].cfg.ID,
				WadToSlash:     s.wad,
				RequestedEpoch: s.requestedEpoch,
				ExecuteEpoch:   s.executeEpoch,
			})
		}
	}
	return out
}

func (l *Ledger) executeDueSlashes() []SlashReport {
	var out []SlashReport
	due := false
	for _, s := range l.slashes {
		if s.status == slashQueued && s.executeEpoch <= l.epoch {
			due = true
			break
		}
	}
	if !due {
		return nil
	}
	l.pruneQueues()
	for _, s := range l.slashes {
		if s.status == slashQueued && s.executeEpoch <= l.epoch {
			out = append(out, l.execute(s))
		}
	}
	// Forget finished requests so that the list stays bounded.
	l.slashes = slices.DeleteFunc(l.slashes, func(s *slashRequest) bool { return s.status != slashQueued })
	return out
}

// execute applies a slash request at the current epoch. The operator's
// withdrawal queue must have been pruned to the slashable window.
func (l *Ledger) execute(req *slashRequest) SlashReport {
	req.status = slashExecuted
	op := l.operators[req.operator]
	set := l.sets[req.set]
	rep := SlashReport{
		ID:               req.id,
		Operator:         op.id,
		OperatorSet:      set.cfg.ID,
		WadToSlash:       req.wad,
		Epoch:            l.epoch,
		PrevMaxMagnitude: op.maxMagnitude,
		NewMaxMagnitude:  op.maxMagnitude,
		Own:              StakerSlash{Staker: op.id},
	}
	l.settle(op, req.set)
	a := op.peek(req.set)
	if !a.slashableAt(l.epoch) {
		rep.Skipped, rep.SkipReason = true, "operator no longer slashable by the operator set"
		return rep
	}
	if a.current == 0 {
		rep.Skipped, rep.SkipReason = true, "no magnitude allocated to the operator set"
		return rep
	}

	// Magnitudes (AllocationManager._slashOperator steps 3 and 4).
	p := op.alloc(req.set)
	slashedMag := mulWadRoundUp(p.current, req.wad)
	prevMax := op.maxMagnitude
	p.current -= slashedMag
	op.maxMagnitude -= slashedMag
	op.encumbered -= slashedMag
	if p.pending && p.pendingDiff < 0 {
		slashedPending := mulWadRoundUp(uint64(-p.pendingDiff), req.wad)
		p.pendingDiff += int64(slashedPending)
		rep.PendingDeallocationSlashed = slashedPending
	}
	rep.MagnitudeSlashed = slashedMag
	rep.NewMaxMagnitude = op.maxMagnitude

	// Shares (DelegationManager.slashOperatorShares).
	losses := map[int]*StakerSlash{} // by account; only read back in sorted order
	lossOf := func(ai int) *StakerSlash {
		if ai == op.self {
			return &rep.Own
		}
		s, ok := losses[ai]
		if !ok {
			s = &StakerSlash{Staker: l.accounts[ai].id}
			losses[ai] = s
		}
		return s
	}

	activeSlashed := calcSlashedAmount(uint64(op.sharesGwei), prevMax, op.maxMagnitude)
	holders := append([]int{op.self}, op.delegators...)
	weights := make([]uint64, len(holders))
	for i, ai := range holders {
		weights[i] = uint64(l.accounts[ai].activeGwei)
	}
	for i, part := range apportion(weights, activeSlashed) {
		if part == 0 {
			continue
		}
		acc := l.accounts[holders[i]]
		acc.activeGwei -= Gwei(part)
		lossOf(holders[i]).ActiveGwei += Gwei(part)
	}
	op.sharesGwei -= Gwei(activeSlashed)

	var queued uint64
	qweights := make([]uint64, len(op.queue))
	for i, id := range op.queue {
		qweights[i] = uint64(l.withdrawals[id-1].amountGwei)
		queued += qweights[i]
	}
	queueSlashed := calcSlashedAmount(queued, prevMax, op.maxMagnitude)
	for i, part := range apportion(qweights, queueSlashed) {
		if part == 0 {
			continue
		}
		w := l.withdrawals[op.queue[i]-1]
		w.amountGwei -= Gwei(part)
		lossOf(w.staker).QueuedGwei += Gwei(part)
	}
	l.pendingGwei -= Gwei(queueSlashed)

	for _, s := range losses {
		rep.Delegators = append(rep.Delegators, *s)
	}
	slices.SortFunc(rep.Delegators, func(a, b StakerSlash) int { return strings.Compare(a.Staker, b.Staker) })

	rep.ActiveGwei = Gwei(activeSlashed)
	rep.QueuedGwei = Gwei(queueSlashed)
	rep.TotalGwei = rep.ActiveGwei + rep.QueuedGwei
	op.slashedGwei += rep.TotalGwei
	set.slashedGwei += rep.TotalGwei
	if r := set.cfg.RedistributionRecipient; r != "" {
		rep.Redistributed, rep.Recipient = true, r
		l.credit(r, rep.TotalGwei)
	} else {
		l.burnedGwei += rep.TotalGwei
	}
	return rep
}

func (l *Ledger) credit(recipient string, amount Gwei) {
	i, ok := l.recipientIndex[recipient]
	if !ok {
		i = len(l.recipients)
		l.recipientIndex[recipient] = i
		l.recipients = append(l.recipients, recipientBalance{name: recipient})
	}
	l.recipients[i].gwei += amount
	l.redistributedGwei += amount
}
