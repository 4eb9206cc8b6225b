package restaking

import (
	"fmt"
	"strings"
)

// CheckInvariants recomputes the ledger's totals from its parts and returns
// an error wrapping ErrInvariant on the first disagreement. It checks:
//
//   - conservation: deposited = Σ active stake + Σ uncompleted withdrawals +
//     burned + redistributed + withdrawn, and rewards paid = Σ unclaimed +
//     claimed;
//   - every operator's shares = its own and its delegators' active stake,
//     its delegator list sorted, complete and consistent;
//   - encumbered magnitude = Σ over sets of current magnitude plus pending
//     allocations, encumbered <= max magnitude <= WAD, a pending
//     deallocation no larger than the current magnitude, and no pending
//     change whose effect epoch has passed;
//   - slashed per set adds up to burned + redistributed, and per operator
//     too.
//
// Tests call it after every operation; it costs a pass over the ledger.
func (l *Ledger) CheckInvariants() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: epoch %d: %s", ErrInvariant, l.epoch, fmt.Sprintf(format, args...))
	}

	var active, rewards Gwei
	for _, a := range l.accounts {
		active += a.activeGwei
		rewards += a.rewardsGwei
	}
	var pending Gwei
	open := 0
	for _, w := range l.withdrawals {
		if w.amountGwei > w.queuedGwei {
			return fail("withdrawal %d pays %d > queued %d", w.id, w.amountGwei, w.queuedGwei)
		}
		if !w.completed {
			pending += w.amountGwei
			open++
		}
	}
	if pending != l.pendingGwei {
		return fail("pending withdrawals %d, cached %d", pending, l.pendingGwei)
	}
	var redistributed Gwei
	for _, r := range l.recipients {
		redistributed += r.gwei
	}
	if redistributed != l.redistributedGwei {
		return fail("redistributed %d, cached %d", redistributed, l.redistributedGwei)
	}
	if got := active + pending + l.burnedGwei + redistributed + l.withdrawnGwei; got != l.depositedGwei {
		return fail("conservation: active %d + pending %d + burned %d + redistributed %d + withdrawn %d = %d != deposited %d",
			active, pending, l.burnedGwei, redistributed, l.withdrawnGwei, got, l.depositedGwei)
	}
	if rewards+l.rewardsClaimedGwei != l.rewardsPaidGwei {
		return fail("rewards: unclaimed %d + claimed %d != paid %d", rewards, l.rewardsClaimedGwei, l.rewardsPaidGwei)
	}

	var setSlashed, opSlashed Gwei
	for _, s := range l.sets {
		setSlashed += s.slashedGwei
	}
	delegated := make([]int, len(l.operators))
	listed := 0
	for ai, a := range l.accounts {
		listed += len(a.pending)
		if a.operator >= 0 && a.ownOperator < 0 {
			delegated[a.operator]++
		}
		if a.ownOperator >= 0 && (a.operator != a.ownOperator || l.operators[a.ownOperator].self != ai) {
			return fail("operator account %q not self-delegated", a.id)
		}
		for _, id := range a.pending {
			if w := l.withdrawals[id-1]; w.completed || w.staker != ai {
				return fail("account %q lists withdrawal %d wrongly", a.id, id)
			}
		}
	}
	if listed != open {
		return fail("accounts list %d open withdrawals, ledger holds %d", listed, open)
	}
	for oi, op := range l.operators {
		opSlashed += op.slashedGwei
		shares := l.accounts[op.self].activeGwei
		for i, ai := range op.delegators {
			a := l.accounts[ai]
			if a.operator != oi || a.ownOperator >= 0 {
				return fail("operator %q lists %q, delegated elsewhere", op.id, a.id)
			}
			if i > 0 && strings.Compare(l.accounts[op.delegators[i-1]].id, a.id) >= 0 {
				return fail("operator %q delegators not sorted", op.id)
			}
			shares += a.activeGwei
		}
		if len(op.delegators) != delegated[oi] {
			return fail("operator %q lists %d delegators, %d delegated", op.id, len(op.delegators), delegated[oi])
		}
		if shares != op.sharesGwei {
			return fail("operator %q shares %d, accounts hold %d", op.id, op.sharesGwei, shares)
		}
		if op.maxMagnitude > WAD || op.encumbered > op.maxMagnitude {
			return fail("operator %q encumbered %d max %d", op.id, op.encumbered, op.maxMagnitude)
		}
		var enc uint64
		for s, a := range op.allocs {
			enc += a.current
			if !a.pending {
				if a.pendingDiff != 0 {
					return fail("operator %q set %q diff without pending", op.id, l.sets[s].cfg.ID)
				}
				continue
			}
			if a.effect <= l.epoch {
				return fail("operator %q set %q change due at %d not applied", op.id, l.sets[s].cfg.ID, a.effect)
			}
			if a.pendingDiff > 0 {
				enc += uint64(a.pendingDiff)
			} else if uint64(-a.pendingDiff) > a.current {
				return fail("operator %q set %q deallocates %d of %d", op.id, l.sets[s].cfg.ID, -a.pendingDiff, a.current)
			}
		}
		if enc != op.encumbered {
			return fail("operator %q encumbered %d, allocations sum to %d", op.id, op.encumbered, enc)
		}
		for _, id := range op.queue {
			if w := l.withdrawals[id-1]; w.operator != oi {
				return fail("operator %q queue holds withdrawal %d of another operator", op.id, id)
			}
		}
	}
	if setSlashed != l.burnedGwei+l.redistributedGwei || opSlashed != setSlashed {
		return fail("slashed: sets %d, operators %d, burned+redistributed %d", setSlashed, opSlashed, l.burnedGwei+l.redistributedGwei)
	}
	return nil
}
