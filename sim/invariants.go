package sim

import (
	"errors"
	"fmt"

	"github.com/stakesim/stakesim/consensus"
)

// Invariant checks, as InvariantError.Check names them.
const (
	CheckConservation      = "conservation"
	CheckSlashedRewarded   = "slashed_never_rewarded"
	CheckFinalityReverted  = "finality_never_reverts"
	CheckAccountableSafety = "accountable_safety"
)

// Sentinels wrapped by InvariantError: test them with errors.Is. A run
// that fails one of them has found a bug in the engine or in the rules;
// no scenario input can cause it.
var (
	// ErrConservation: sum(balances) + withdrawn + burned differs from
	// genesis + deposited + issued on a branch (it also wraps
	// consensus.ErrConservation).
	ErrConservation = errors.New("sim: ETH conservation violated")
	// ErrSlashedRewarded: a slashed validator's balance rose during an
	// epoch without a deposit or consolidation paying into it.
	ErrSlashedRewarded = errors.New("sim: slashed validator rewarded")
	// ErrFinalityReverted: a view's finalized checkpoint went back, or its
	// head left the finalized checkpoint's subtree.
	ErrFinalityReverted = errors.New("sim: finality reverted")
	// ErrAccountableSafety: two views finalized conflicting checkpoints
	// with less than a third of the stake slashable and no inactivity
	// leak on either branch.
	ErrAccountableSafety = errors.New("sim: accountable safety violated")
)

// InvariantError reports a broken invariant at an epoch boundary (or, for
// finality, at the slot a view's head was noted). Branch is the branch
// label or view name.
type InvariantError struct {
	Epoch  consensus.Epoch
	Branch string
	Check  string
	Err    error
}

func (e *InvariantError) Error() string {
	if e.Branch == "" {
		return fmt.Sprintf("sim: epoch %d: %s: %v", e.Epoch, e.Check, e.Err)
	}
	return fmt.Sprintf("sim: epoch %d, branch %s: %s: %v", e.Epoch, e.Branch, e.Check, e.Err)
}

func (e *InvariantError) Unwrap() error { return e.Err }

// checkConservation is the ETH conservation invariant of one branch's
// state (consensus.State.CheckConservation over its Ledger).
func checkConservation(epoch consensus.Epoch, branch string, st *consensus.State) error {
	if err := st.CheckConservation(); err != nil {
		return &InvariantError{Epoch: epoch, Branch: branch, Check: CheckConservation, Err: fmt.Errorf("%w: %w", ErrConservation, err)}
	}
	return nil
}

// checkSlashedNotRewarded fails if a validator already slashed in prev
// has a higher balance in st, unless inflow names it (a consolidation or a
// deposit may pay into a slashed validator; rewards never do).
func checkSlashedNotRewarded(epoch consensus.Epoch, branch string, prev, st *consensus.State, inflow map[consensus.ValidatorIndex]bool) error {
	for i := range prev.Validators {
		if i >= len(st.Balances) || !prev.Validators[i].Slashed {
			continue
		}
		if st.Balances[i] > prev.Balances[i] && !inflow[consensus.ValidatorIndex(i)] {
			return &InvariantError{Epoch: epoch, Branch: branch, Check: CheckSlashedRewarded,
				Err: fmt.Errorf("%w: validator %d (%d -> %d Gwei)", ErrSlashedRewarded, i, prev.Balances[i], st.Balances[i])}
		}
	}
	return nil
}

// checkFinalityKept fails if a view's finalized epoch is below the
// highest it ever had.
func checkFinalityKept(epoch consensus.Epoch, view string, finalized, highest consensus.Epoch) error {
	if finalized < highest {
		return &InvariantError{Epoch: epoch, Branch: view, Check: CheckFinalityReverted,
			Err: fmt.Errorf("%w: finalized epoch %d after %d", ErrFinalityReverted, finalized, highest)}
	}
	return nil
}
