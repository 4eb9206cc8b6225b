package lrt

import "fmt"

// Check recomputes the protocol's totals from its parts and returns an
// error wrapping ErrInvariant on the first disagreement:
//
//   - tokens: supply = Σ holders + locked, locked = Σ tokens of open
//     requests, and supply + burnt = tokens ever minted is implied by the
//     counters;
//   - the queue: open requests' arrived and exiting units and values at
//     request match the cached totals; every open request in escrow owns
//     ledger withdrawals, and together they are exactly the protocol's
//     uncompleted ledger withdrawals (Σ their amounts = the ledger's
//     pending amounts of the protocol's accounts); reserved = Σ payouts of
//     claimable requests; no request is paid more than its value at
//     request, nor more units than it was worth at finalization;
//   - value: pooled = delegated + escrow + exiting + arrived + buffer
//     (Holdings.Pooled) and units are conserved: buffer + exiting +
//     arrived + reserved + claimed + (units put in the ledger − units
//     taken out) + beacon exit losses = deposits + rewards, while the
//     ledger holds at most what was put in net (the difference is what
//     AVS slashes took).
//
// It reads every holder and stored request: tests call it after each step.
func (p *Protocol) Check() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s epoch %d: %s", ErrInvariant, p.name, p.epoch, fmt.Sprintf(format, args...))
	}
	var held uint64
	for _, h := range p.Holders() {
		held += h.Tokens
	}
	if held+p.locked != p.supply {
		return fail("tokens: holders %d + locked %d != supply %d", held, p.locked, p.supply)
	}
	var locked, arrived, exiting, escrowIDs uint64
	var openVal Gwei
	var ledgerEscrow uint64
	for _, s := range openStatuses {
		rs := p.Requests(s)
		if len(rs) != p.stages[s] {
			return fail("%d requests %s, counted %d", len(rs), s, p.stages[s])
		}
		for _, r := range rs {
			locked += r.Tokens
			arrived += r.ArrivedUnits
			exiting += r.ExitingUnits
			openVal += r.ValueAtRequestGwei
			if (s == StatusEscrow) != (len(r.LedgerWithdrawals) > 0) {
				return fail("request %d is %s with %d ledger withdrawals", r.ID, s, len(r.LedgerWithdrawals))
			}
			for _, id := range r.LedgerWithdrawals {
				w, err := p.ledger.Withdrawal(id)
				if err != nil || w.Completed || w.Staker == "" || p.accountIndex(w.Staker) < 0 {
					return fail("request %d holds ledger withdrawal %d wrongly (%v)", r.ID, id, err)
				}
				ledgerEscrow += uint64(w.AmountGwei)
				escrowIDs++
			}
		}
	}
	if locked != p.locked || arrived != p.arrived || exiting != p.exiting || openVal != p.openVal {
		return fail("queue: locked %d/%d arrived %d/%d exiting %d/%d value %d/%d (sum/cached)",
			locked, p.locked, arrived, p.arrived, exiting, p.exiting, openVal, p.openVal)
	}
	var owed uint64
	for _, r := range p.Requests(StatusClaimable) {
		owed += r.PayoutUnits
	}
	for _, s := range []RequestStatus{StatusClaimable, StatusClaimed} {
		for _, r := range p.Requests(s) {
			if r.PayoutGwei > r.ValueAtRequestGwei || r.PayoutGwei > r.ValueAtFinalizationGwei {
				return fail("request %d pays %d Gwei > min(%d at request, %d at finalization)",
					r.ID, r.PayoutGwei, r.ValueAtRequestGwei, r.ValueAtFinalizationGwei)
			}
			if r.PayoutUnits > r.UnitsAtFinalization {
				return fail("request %d pays %d units > %d its tokens held at finalization", r.ID, r.PayoutUnits, r.UnitsAtFinalization)
			}
		}
	}
	if owed != p.reserved {
		return fail("claimable requests owed %d, reserved %d", owed, p.reserved)
	}
	h := p.Holdings()
	var pendingIDs uint64
	for _, acct := range p.accounts {
		ws, err := p.ledger.PendingWithdrawals(acct)
		if err != nil {
			return fail("ledger account %q: %v", acct, err)
		}
		pendingIDs += uint64(len(ws))
	}
	if h.Escrow != ledgerEscrow || pendingIDs != escrowIDs {
		return fail("ledger escrow %d in %d withdrawals, requests hold %d in %d", h.Escrow, pendingIDs, ledgerEscrow, escrowIDs)
	}
	net := p.toLedger - p.fromLedger
	if h.Delegated+h.Escrow > net {
		return fail("ledger holds %d > %d put in net", h.Delegated+h.Escrow, net)
	}
	have := p.buffer + p.exiting + p.arrived + p.reserved + p.claimed + net + p.exitLoss
	if have != p.deposited+p.rewards {
		return fail("units: held %d + claimed %d + ledger net %d + exit loss %d != deposits %d + rewards %d",
			p.buffer+p.exiting+p.arrived+p.reserved, p.claimed, net, p.exitLoss, p.deposited, p.rewards)
	}
	return nil
}

// accountIndex is the position of a ledger staker id among the protocol's
// accounts, or -1.
func (p *Protocol) accountIndex(id string) int {
	for i, a := range p.accounts {
		if a == id {
			return i
		}
	}
	return -1
}
