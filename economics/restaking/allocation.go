package restaking

import "fmt"

// ModifyAllocation sets the magnitude operatorID allocates to set setID,
// mirroring AllocationManager.modifyAllocations for one (operator set,
// strategy) pair. The rules, paraphrased from docs/core/AllocationManager.md:
//
//   - Completable deallocations are cleared first (here: always already
//     cleared, the ledger settles them as its clock reaches them).
//   - The operator MUST NOT have a pending, non-completable modification for
//     the set (ErrModificationPending), and the new magnitude MUST NOT equal
//     the current one (ErrSameMagnitude).
//   - An increase is added to the encumbered magnitude at once, and the new
//     encumbered magnitude MUST NOT exceed the max magnitude
//     (ErrInsufficientMagnitude); it takes effect, and becomes slashable, at
//     the current epoch plus the operator's allocation delay.
//   - A decrease of an allocation that is slashable (the operator is
//     registered for the set or still slashable after deregistering, and the
//     current magnitude is nonzero) takes effect one epoch after
//     epoch + DEALLOCATION_DELAY: "the existing allocation remains slashable
//     for DEALLOCATION_DELAY blocks", and its magnitude stays encumbered
//     until then.
//   - A decrease of an allocation that is not slashable is freed at once.
func (l *Ledger) ModifyAllocation(operatorID, setID string, newMagnitude uint64) error {
	oi, err := l.lookupOperator(operatorID)
	if err != nil {
		return err
	}
	si, err := l.lookupSet(setID)
	if err != nil {
		return err
	}
	if newMagnitude > WAD {
		return fmt.Errorf("%w: %d > WAD", ErrInvalidMagnitude, newMagnitude)
	}
	op := l.operators[oi]
	l.settle(op, si)
	a := op.peek(si)
	if a.pending {
		return fmt.Errorf("%w: operator %q set %q takes effect at epoch %d", ErrModificationPending, operatorID, setID, a.effect)
	}
	if newMagnitude == a.current {
		return fmt.Errorf("%w: operator %q set %q magnitude %d", ErrSameMagnitude, operatorID, setID, newMagnitude)
	}
	slashable := a.slashableAt(l.epoch) && a.current != 0
	if newMagnitude > a.current {
		diff := newMagnitude - a.current
		if op.encumbered+diff > op.maxMagnitude {
			return fmt.Errorf("%w: operator %q: encumbered %d + %d > max %d", ErrInsufficientMagnitude, operatorID, op.encumbered, diff, op.maxMagnitude)
		}
		op.encumbered += diff
		p := op.alloc(si)
		p.pending, p.pendingDiff = true, int64(diff)
		p.effect = l.epoch + op.delay.at(l.epoch)
		l.settle(op, si) // an allocation delay of 0 takes effect at once
		return nil
	}
	diff := a.current - newMagnitude
	p := op.alloc(si)
	if slashable {
		p.pending, p.pendingDiff = true, -int64(diff)
		p.effect = l.epoch + l.params.DeallocationDelay + 1
		return nil
	}
	p.current = newMagnitude
	op.encumbered -= diff
	return nil
}

// SetAllocationDelay changes an operator's allocation delay, mirroring
// AllocationManager.setAllocationDelay for an operator already registered:
// the new delay is pending until epoch + ALLOCATION_CONFIGURATION_DELAY + 1
// ("Wait the entire configuration delay before the delay takes effect"); a
// pending delay whose effect epoch has passed is applied first.
func (l *Ledger) SetAllocationDelay(operatorID string, delay Epoch) error {
	oi, err := l.lookupOperator(operatorID)
	if err != nil {
		return err
	}
	if delay > MaxDelay {
		return fmt.Errorf("%w: allocation delay %d > %d", ErrInvalidParams, delay, MaxDelay)
	}
	d := &l.operators[oi].delay
	if d.hasPending && l.epoch >= d.effect {
		d.delay = d.pendingDelay
	}
	d.pendingDelay, d.hasPending = delay, true
	d.effect = l.epoch + l.params.AllocationConfigurationDelay + 1
	return nil
}

// RegisterForOperatorSet registers an operator for a set
// (AllocationManager.registerForOperatorSets): any magnitude already
// allocated to the set becomes slashable at once. The operator MUST NOT be
// registered already, and after a deregistration it MUST NOT still be
// slashable (ErrAlreadyMember).
func (l *Ledger) RegisterForOperatorSet(operatorID, setID string) error {
	oi, err := l.lookupOperator(operatorID)
	if err != nil {
		return err
	}
	si, err := l.lookupSet(setID)
	if err != nil {
		return err
	}
	op := l.operators[oi]
	if op.peek(si).slashableAt(l.epoch) {
		return fmt.Errorf("%w: operator %q set %q", ErrAlreadyMember, operatorID, setID)
	}
	a := op.alloc(si)
	a.registered, a.deregistered, a.slashableUntil = true, false, 0
	return nil
}

// DeregisterFromOperatorSet removes an operator from a set
// (AllocationManager.deregisterFromOperatorSets): its allocations stay, and
// it stays slashable through epoch + DEALLOCATION_DELAY ("slashableUntil:
// block.number + DEALLOCATION_DELAY").
func (l *Ledger) DeregisterFromOperatorSet(operatorID, setID string) error {
	oi, err := l.lookupOperator(operatorID)
	if err != nil {
		return err
	}
	si, err := l.lookupSet(setID)
	if err != nil {
		return err
	}
	op := l.operators[oi]
	if !op.peek(si).registered {
		return fmt.Errorf("%w: operator %q set %q", ErrNotMember, operatorID, setID)
	}
	a := op.alloc(si)
	a.registered, a.deregistered = false, true
	a.slashableUntil = l.epoch + l.params.DeallocationDelay
	return nil
}
