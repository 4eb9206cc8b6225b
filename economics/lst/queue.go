package lst

import (
	"fmt"

	"github.com/hashicorp/go-memdb"
)

// RequestWithdrawal is WithdrawalQueue.requestWithdrawals for one amount of
// stETH: the amount must lie in [MinWithdrawalGwei, MaxWithdrawalGwei];
// SharesByPooledEth(amount) shares (rounded down) leave owner's balance and
// are locked in the queue until finalization burns them. Requests cannot be
// cancelled. It returns the request id (ids start at 1 and grow).
func (p *Protocol) RequestWithdrawal(owner string, amount Gwei, e Epoch) (uint64, error) {
	if err := p.checkRequestAmount(amount); err != nil {
		return 0, err
	}
	shares := p.SharesByPooledEth(amount)
	txn := p.db.Txn(true)
	defer txn.Abort()
	h := p.holder(txn, owner)
	if shares == 0 || h.Shares < shares {
		return 0, fmt.Errorf("%w: %q has %d shares, request needs %d", ErrInsufficient, owner, h.Shares, shares)
	}
	if err := p.advance(e); err != nil {
		return 0, err
	}
	h.Shares -= shares
	p.putHolder(txn, h)
	id := p.enqueue(txn, owner, amount, shares)
	txn.Commit()
	return id, nil
}

// RequestWithdrawalWrapped is requestWithdrawalsWstETH: w wrapper tokens are
// unwrapped (their stETH value, rounded down, is the request's amount, which
// must lie within the bounds) and their w shares locked.
func (p *Protocol) RequestWithdrawalWrapped(owner string, w uint64, e Epoch) (uint64, error) {
	amount := p.PooledEthByShares(w)
	if err := p.checkRequestAmount(amount); err != nil {
		return 0, err
	}
	txn := p.db.Txn(true)
	defer txn.Abort()
	h := p.holder(txn, owner)
	if w == 0 || h.Wrapped < w {
		return 0, fmt.Errorf("%w: %q has %d wrapped, request needs %d", ErrInsufficient, owner, h.Wrapped, w)
	}
	if err := p.advance(e); err != nil {
		return 0, err
	}
	h.Wrapped -= w
	p.wrapped -= w
	p.putHolder(txn, h)
	id := p.enqueue(txn, owner, amount, w)
	txn.Commit()
	return id, nil
}

// checkRequestAmount is _checkWithdrawalRequestAmount.
func (p *Protocol) checkRequestAmount(amount Gwei) error {
	if amount < p.p.MinWithdrawalGwei {
		return fmt.Errorf("%w: %d < %d Gwei", ErrRequestTooSmall, amount, p.p.MinWithdrawalGwei)
	}
	if amount > p.p.MaxWithdrawalGwei {
		return fmt.Errorf("%w: %d > %d Gwei", ErrRequestTooLarge, amount, p.p.MaxWithdrawalGwei)
	}
	return nil
}

// enqueue stores a pending request (_enqueue).
func (p *Protocol) enqueue(txn *memdb.Txn, owner string, amount Gwei, shares uint64) uint64 {
	id := p.nextID
	p.nextID++
	p.putRequest(txn, Request{
		Protocol: p.name, ID: id, Owner: owner, Status: StatusPending,
		AmountGwei: amount, Shares: shares, RequestEpoch: p.epoch,
	})
	p.queueShares += shares
	p.unfinalized += amount
	return id
}

// Request returns a stored request by id.
func (p *Protocol) Request(id uint64) (Request, bool) { return p.request(p.db.Txn(false), id) }

// ClaimWithdrawal is WithdrawalQueue.claimWithdrawal: the owner of a
// finalized request takes its payout from the locked ether. It returns the
// payout.
func (p *Protocol) ClaimWithdrawal(owner string, id uint64, e Epoch) (Gwei, error) {
	txn := p.db.Txn(true)
	defer txn.Abort()
	r, ok := p.request(txn, id)
	switch {
	case !ok:
		return 0, fmt.Errorf("%w: %d", ErrUnknownRequest, id)
	case r.Owner != owner:
		return 0, fmt.Errorf("%w: request %d belongs to %q", ErrNotOwner, id, r.Owner)
	case r.Status == StatusPending:
		return 0, fmt.Errorf("%w: %d", ErrNotFinalized, id)
	case r.Status == StatusClaimed:
		return 0, fmt.Errorf("%w: %d", ErrAlreadyClaimed, id)
	}
	if err := p.advance(e); err != nil {
		return 0, err
	}
	r.Status, r.ClaimedEpoch = StatusClaimed, e
	p.putRequest(txn, r)
	txn.Commit()
	p.locked -= r.PayoutGwei
	p.claimedOut += r.PayoutGwei
	return r.PayoutGwei, nil
}

// PruneClaimed deletes claimed requests claimed before epoch before, so the
// request table grows with open requests only. Their ids stay used; Request
// and RequestsOf no longer return them. It returns how many were deleted.
func (p *Protocol) PruneClaimed(before Epoch) int {
	txn := p.db.Txn(true)
	n := 0
	for _, r := range p.requestsByStatus(txn, StatusClaimed) {
		if r.ClaimedEpoch < before {
			if _, err := txn.DeleteAll(tableRequest, indexID, p.name, r.ID); err != nil {
				panic(fmt.Sprintf("lst: prune: %v", err))
			}
			n++
		}
	}
	txn.Commit()
	return n
}

// finalization is what a report finalizes.
type finalization struct {
	requests []Request // with Status, FinalizedEpoch and PayoutGwei set
	eth      Gwei
	shares   uint64
	amount   Gwei // Σ AmountGwei
}

// planFinalization walks the pending requests in FIFO order, as
// WithdrawalQueueBase.calculateFinalizationBatches does, and stops at the
// first one created after border or whose payout exceeds the remaining
// budget. A request pays its amount if its own rate (amount × 1e27 / shares)
// is at most rate (nominal), else shares × rate / 1e27 (discounted): the
// lower of the rate at request and the rate at finalization.
func (p *Protocol) planFinalization(txn *memdb.Txn, budget Gwei, rate ShareRate, border Epoch, hasBorder bool, e Epoch) finalization {
	var f finalization
	if !hasBorder {
		return f
	}
	p.eachRequest(txn, StatusPending, func(r Request) bool {
		if r.RequestEpoch > border {
			return false
		}
		pay := payout(r, rate)
		if pay > budget {
			return false
		}
		budget -= pay
		r.Status, r.FinalizedEpoch, r.PayoutGwei = StatusFinalized, e, pay
		f.requests = append(f.requests, r)
		f.eth += pay
		f.shares += r.Shares
		f.amount += r.AmountGwei
		return true
	})
	return f
}

// payout is _calculateClaimableEther for one request at the finalization
// rate.
func payout(r Request, rate ShareRate) Gwei {
	own := NewShareRate(r.AmountGwei, r.Shares)
	if own.Cmp(rate) > 0 {
		return rate.Value(r.Shares)
	}
	return r.AmountGwei
}
