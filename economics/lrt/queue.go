package lrt

import (
	"fmt"

	"github.com/hashicorp/go-memdb"
)

// RequestWithdrawal is Renzo's WithdrawQueue.withdraw (ether.fi's
// requestWithdraw, Kelp's initiateWithdrawal) for tokens of owner's: it
// refuses every request when Params.WithdrawalsEnabled is false; the
// tokens are locked (they stay in the supply until finalization burns
// them); the request's value at the current rate, ValueAtRequestGwei, is
// the most it will pay. The protocol pulls the request's units (tokens ×
// pooled units / supply) out of the restaking ledger at once — from the
// delegations above their weight targets first (drain), with
// DelegationManager.queueWithdrawals — and takes from the buffer only
// what the delegations cannot give; more than both hold is refused
// (ErrInsufficientLiquidity, Renzo's NotEnoughCollateralValue). The queued
// ledger withdrawals stay slashable for the ledger's WithdrawalDelay. The
// ledger must be at epoch e. It returns the request id (from 1).
func (p *Protocol) RequestWithdrawal(owner string, tokens uint64, e Epoch) (uint64, error) {
	if !p.p.WithdrawalsEnabled {
		return 0, fmt.Errorf("%w: %q requests %d tokens", ErrWithdrawalsDisabled, owner, tokens)
	}
	if tokens < p.p.MinRequestTokens {
		return 0, fmt.Errorf("%w: request of %d tokens < minimum %d", ErrInvalidAmount, tokens, p.p.MinRequestTokens)
	}
	txn := p.db.Txn(true)
	defer txn.Abort()
	h := p.holder(txn, owner)
	if h.Tokens < tokens {
		return 0, fmt.Errorf("%w: %q has %d tokens, requests %d", ErrInsufficient, owner, h.Tokens, tokens)
	}
	value := p.ValueOfTokens(tokens)
	units := p.unitsOfTokens(tokens, p.TotalPooledUnits())
	if value == 0 || units == 0 {
		return 0, fmt.Errorf("%w: %d tokens are worth nothing", ErrInvalidAmount, tokens)
	}
	actives := p.actives()
	var active uint64
	for _, a := range actives {
		active += a
	}
	fromLedger := min(units, active)
	fromBuffer := units - fromLedger
	if fromBuffer > p.buffer {
		return 0, fmt.Errorf("%w: %d units needed, %d delegated, %d in the buffer", ErrInsufficientLiquidity, units, active, p.buffer)
	}
	if err := p.advance(e); err != nil {
		return 0, err
	}
	r := Request{
		Protocol: p.name, ID: p.nextID, Owner: owner, Status: StatusReady,
		Tokens: tokens, ValueAtRequestGwei: value, UnitsAtRequest: units, RequestEpoch: e,
		ArrivedUnits: fromBuffer,
	}
	p.nextID++
	p.queueEscrow(&r, actives, fromLedger)
	p.move("", r.Status)
	h.Tokens -= tokens
	p.putHolder(txn, h)
	p.putRequest(txn, r)
	txn.Commit()
	p.locked += tokens
	p.openVal += value
	p.buffer -= fromBuffer
	p.arrived += fromBuffer
	return r.ID, nil
}

// queueEscrow queues amount units of ledger withdrawals for r, split by
// drain over the delegations' actives, and puts r in escrow. amount must
// be at most Σ actives. The queued units stay in the ledger, slashable,
// until completion moves them out.
func (p *Protocol) queueEscrow(r *Request, actives []uint64, amount uint64) {
	if amount == 0 {
		return
	}
	parts := drain(actives, p.p.weights(), amount)
	r.LedgerWithdrawals = nil
	for i, part := range parts {
		if part == 0 {
			continue
		}
		id, err := p.ledger.QueueWithdrawal(p.accounts[i], Gwei(part))
		if err != nil {
			panic(fmt.Sprintf("lrt: ledger refused a withdrawal within the active stake: %v", err))
		}
		w, _ := p.ledger.Withdrawal(id)
		r.LedgerWithdrawals = append(r.LedgerWithdrawals, id)
		r.CompletableEpoch = w.CompletableEpoch
	}
	r.Status = StatusEscrow
	r.EscrowUnits = amount
	r.Rounds++
}

// ExitOrder asks the engine to exit Gwei of the protocol's validators
// under Operator for a request whose escrow completed (native restaking),
// and to report the ETH with CreditExited when it arrives.
type ExitOrder struct {
	RequestID uint64
	Operator  string
	Gwei      Gwei
}

// CompleteEscrow completes the ledger withdrawals of every request in
// escrow whose withdrawal delay has passed at the ledger's epoch
// (DelegationManager.completeQueuedWithdrawal, received as tokens; the
// payout is what slashes during the delay left). For an LST the units are
// in hand and the request is ready; for native restaking it moves to the
// beacon exit, and the returned orders say which operators' validators
// must exit for how much. Sync calls it.
func (p *Protocol) CompleteEscrow(e Epoch) ([]ExitOrder, error) {
	if err := p.advance(e); err != nil {
		return nil, err
	}
	now := p.ledger.Epoch()
	txn := p.db.Txn(true)
	defer txn.Abort()
	var orders []ExitOrder
	for _, r := range p.requestsByStatus(txn, StatusEscrow) {
		if r.CompletableEpoch > now {
			continue
		}
		orders = append(orders, p.completeRound(&r)...)
		p.putRequest(txn, r)
	}
	txn.Commit()
	return orders, nil
}

// completeRound completes r's ledger withdrawals and moves r on.
func (p *Protocol) completeRound(r *Request) []ExitOrder {
	var paid uint64
	var orders []ExitOrder
	for _, id := range r.LedgerWithdrawals {
		info, _ := p.ledger.Withdrawal(id)
		got, err := p.ledger.CompleteWithdrawal(id)
		if err != nil {
			panic(fmt.Sprintf("lrt: ledger withdrawal %d of request %d: %v", id, r.ID, err))
		}
		paid += uint64(got)
		if got > 0 {
			orders = append(orders, ExitOrder{RequestID: r.ID, Operator: info.Operator, Gwei: got})
		}
	}
	p.fromLedger += paid
	r.SlashedUnits += r.EscrowUnits - paid
	r.LedgerWithdrawals, r.EscrowUnits = nil, 0
	if p.p.Asset == AssetNative && paid > 0 {
		r.Status, r.ExitingUnits = StatusExiting, paid
		p.move(StatusEscrow, StatusExiting)
		p.exiting += paid
		return orders
	}
	r.Status = StatusReady
	p.move(StatusEscrow, StatusReady)
	r.ArrivedUnits += paid
	p.arrived += paid
	return nil
}

// CreditExited reports that the beacon chain returned gwei for request id
// (native restaking): the exit queue, withdrawability delay and sweep are
// the engine's. gwei is at most the request's ExitingUnits; anything less
// is a beacon-chain loss, shared by every holder through the rate. The
// request becomes ready.
func (p *Protocol) CreditExited(id uint64, gwei Gwei, e Epoch) error {
	txn := p.db.Txn(true)
	defer txn.Abort()
	r, ok := p.request(txn, id)
	switch {
	case !ok:
		return fmt.Errorf("%w: %d", ErrUnknownRequest, id)
	case r.Status != StatusExiting:
		return fmt.Errorf("%w: request %d is %s, not exiting", ErrWrongStage, id, r.Status)
	case uint64(gwei) > r.ExitingUnits:
		return fmt.Errorf("%w: %d Gwei credited, %d exiting", ErrInvalidAmount, gwei, r.ExitingUnits)
	}
	if err := p.advance(e); err != nil {
		return err
	}
	loss := r.ExitingUnits - uint64(gwei)
	p.exiting -= r.ExitingUnits
	p.exitLoss += loss
	p.arrived += uint64(gwei)
	r.ExitLossUnits += loss
	r.ArrivedUnits += uint64(gwei)
	r.ExitingUnits = 0
	r.Status = StatusReady
	p.move(StatusExiting, StatusReady)
	p.putRequest(txn, r)
	txn.Commit()
	return nil
}

// Finalize pays the ready requests in id order (WithdrawQueue.claim's
// amount: min(amountToRedeem, calculateAmountToRedeem at claim); Lido's
// min of the rates at request and at finalization): the payout is
// min(ValueAtRequestGwei, tokens × rate now), its units are reserved, the
// tokens burnt. The request's arrived units pay it; a surplus joins the
// buffer, a shortfall (a slash took more from this request's escrow than
// from the pool as a whole) comes from the buffer, or, when the buffer is
// short, from a new escrow round for the shortfall (the request goes back
// to escrow). With neither, the request waits. Losses and gains are thus
// socialised through the rate. It returns the finalized ids. Sync calls
// it.
func (p *Protocol) Finalize(e Epoch) ([]uint64, error) {
	if err := p.advance(e); err != nil {
		return nil, err
	}
	txn := p.db.Txn(true)
	defer txn.Abort()
	var done []uint64
	for _, r := range p.requestsByStatus(txn, StatusReady) {
		if p.finalizeOne(txn, &r) {
			done = append(done, r.ID)
		}
	}
	txn.Commit()
	return done, nil
}

// finalizeOne finalizes r if the liquidity allows, or starts a top-up
// round; it stores r and reports whether it was finalized.
func (p *Protocol) finalizeOne(txn *memdb.Txn, r *Request) bool {
	pooled := p.TotalPooledUnits()
	nowValue := Gwei(mustMulDiv(r.Tokens, uint64(p.price.PooledEthByShares(pooled)), p.supply))
	pay := min(r.ValueAtRequestGwei, nowValue)
	nowUnits := p.unitsOfTokens(r.Tokens, pooled)
	payUnits := min(p.price.SharesByPooledEth(pay), nowUnits)
	if payUnits > r.ArrivedUnits {
		need := payUnits - r.ArrivedUnits
		if need > p.buffer {
			p.topUp(txn, r, need)
			return false
		}
		p.buffer -= need
	} else {
		p.buffer += r.ArrivedUnits - payUnits
	}
	p.arrived -= r.ArrivedUnits
	p.reserved += payUnits
	p.supply -= r.Tokens
	p.locked -= r.Tokens
	p.burned += r.Tokens
	p.openVal -= r.ValueAtRequestGwei
	r.ArrivedUnits = 0
	r.Status, r.FinalizedEpoch = StatusClaimable, p.epoch
	p.move(StatusReady, StatusClaimable)
	r.ValueAtFinalizationGwei, r.PayoutGwei, r.PayoutUnits = nowValue, pay, payUnits
	r.UnitsAtFinalization = nowUnits
	p.putRequest(txn, *r)
	return true
}

// topUp queues a new escrow round of need units for r if the delegations
// hold them; otherwise r stays ready until the buffer grows.
func (p *Protocol) topUp(txn *memdb.Txn, r *Request, need uint64) {
	actives := p.actives()
	var active uint64
	for _, a := range actives {
		active += a
	}
	if active < need {
		return
	}
	p.queueEscrow(r, actives, need)
	p.move(StatusReady, StatusEscrow)
	p.putRequest(txn, *r)
}

// Claim pays a claimable request's reserved units to its owner
// (WithdrawQueue.claim, WithdrawRequestNFT.claimWithdraw). It returns the
// units paid (Gwei of ETH, or LST shares the engine transfers).
func (p *Protocol) Claim(owner string, id uint64, e Epoch) (uint64, error) {
	txn := p.db.Txn(true)
	defer txn.Abort()
	r, ok := p.request(txn, id)
	switch {
	case !ok:
		return 0, fmt.Errorf("%w: %d", ErrUnknownRequest, id)
	case r.Owner != owner:
		return 0, fmt.Errorf("%w: request %d belongs to %q", ErrNotOwner, id, r.Owner)
	case r.Status != StatusClaimable:
		return 0, fmt.Errorf("%w: request %d is %s, not claimable", ErrWrongStage, id, r.Status)
	}
	if err := p.advance(e); err != nil {
		return 0, err
	}
	r.Status, r.ClaimedEpoch = StatusClaimed, e
	p.putRequest(txn, r)
	txn.Commit()
	p.reserved -= r.PayoutUnits
	p.claimed += r.PayoutUnits
	return r.PayoutUnits, nil
}
