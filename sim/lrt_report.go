package sim

import (
	"fmt"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/lrt"
	"github.com/stakesim/stakesim/scenarios"
)

// Liquid-restaking outputs: lst.csv rows of kind lrt, withdrawals.csv
// rows, the lrt_rate_fell event, summary entries and invariants (see
// lrt.go for the model).

// EventLRTRateFell: a liquid restaking token's rate fell since the last
// epoch: an AVS slash of one of its operators took part of its restaked
// stake (LRTRateFellDetails).
const EventLRTRateFell = "lrt_rate_fell"

// LRTRateFellDetails is the details of EventLRTRateFell: the rate at the
// last epoch's row and after this epoch's restaking slashes (before the
// epoch's rewards), and the pooled Gwei lost.
type LRTRateFellDetails struct {
	LossGwei   uint64 `json:"loss_gwei"`
	PooledGwei uint64 `json:"pooled_gwei"` // after the loss
	Protocol   string `json:"protocol"`
	RateAfter  string `json:"rate_after"`
	RateBefore string `json:"rate_before"`
}

func (LRTRateFellDetails) EventKind() string { return EventLRTRateFell }

func init() { detailsDecoders[EventLRTRateFell] = decodeDetails[LRTRateFellDetails] }

// CheckLRTBooks: economics/lrt's own check and the restaking ledger's after
// the protocol's operations (tokens and units conserved, the queue's
// totals, escrow matching the ledger, payouts).
const CheckLRTBooks = "lrt_books"

// lrtCheck runs the per-epoch invariants of LRT p: its books, the ledger,
// and the pods' conservation: per operator, what arrived from the chain
// plus what was restaked without validators equals what is in the pod
// plus what it paid to requests.
func (r *lstRun) lrtCheck(p *lrtProto, epoch consensus.Epoch, label string) error {
	fail := func(check string, err error) error {
		return &InvariantError{Epoch: epoch, Branch: label, Check: check, Err: err}
	}
	if err := p.book.Check(); err != nil {
		return fail(CheckLRTBooks, fmt.Errorf("%w: %s: %w", ErrLSTBooks, p.spec.Name, err))
	}
	if err := r.e.rs.ledger.CheckInvariants(); err != nil {
		return fail(CheckLRTBooks, fmt.Errorf("%w: %s: restaking ledger: %w", ErrLSTBooks, p.spec.Name, err))
	}
	if p.asset != nil {
		if err := p.asset.book.Check(); err != nil {
			return fail(CheckLSTBooks, fmt.Errorf("%w: %s (after %s): %w", ErrLSTBooks, p.asset.spec.Name, p.spec.Name, err))
		}
		if err := r.lrtCheckLST(p); err != nil {
			return fail(CheckLSTConservation, err)
		}
	}
	for _, op := range p.ops {
		if op.credited+op.idle != op.pod+op.served {
			return fail(CheckLSTConservation, fmt.Errorf("%w: %s operator %s: arrived %d + idle %d != pod %d + paid %d",
				ErrLSTConservation, p.spec.Name, op.name, op.credited, op.idle, op.pod, op.served))
		}
	}
	return nil
}

// lrtRow builds and sends LRT p's lst.csv row of epoch (from Snapshot and
// the summary branch) and the withdrawals.csv rows of its finalized
// requests.
func (r *lstRun) lrtRow(p *lrtProto, epoch consensus.Epoch, st *consensus.State) error {
	s := p.book.Snapshot()
	if s.ShareRate.Cmp(p.minRate) < 0 {
		p.minRate = s.ShareRate
	}
	p.lastRate, p.lastPooled = s.ShareRate, s.TotalPooledGwei
	p.peakPooled = max(p.peakPooled, s.TotalPooledGwei)
	row := LSTRow{Epoch: uint64(epoch), Protocol: p.spec.Name, Kind: scenarios.KindLRT, TotalPooledGwei: uint64(s.TotalPooledGwei),
		BufferedGwei: uint64(s.BufferedGwei), TotalShares: s.TotalShares, ShareRate: formatRate(s.ShareRate),
		WithdrawalQueueGwei: uint64(s.WithdrawalQueueGwei), WithdrawalRequestsPending: uint64(s.WithdrawalRequestsPending),
		FinalizedGwei: uint64(p.epochFinalized), OldestRequestWaitEpochs: uint64(s.OldestRequestWaitEpochs), LastRebaseGwei: p.epochRebase}
	t := epoch + 1
	for _, op := range p.ops {
		for _, vi := range op.vals {
			v := &st.Validators[vi]
			row.BeaconBalanceGwei += uint64(st.Balances[vi])
			switch {
			case consensus.IsActiveValidator(v, t) && v.ExitEpoch == consensus.FarFutureEpoch:
				row.ValidatorsActive++
			case v.ExitEpoch != consensus.FarFutureEpoch && v.WithdrawableEpoch > t:
				row.ValidatorsExiting++
			}
		}
	}
	rows := p.pendingRows
	p.pendingRows = nil
	if r.sink == nil {
		return nil
	}
	if err := r.sink.LST(row); err != nil {
		return fmt.Errorf("sim: writing lst.csv row of epoch %d: %w", epoch, err)
	}
	for _, w := range rows {
		if err := r.sink.Withdrawal(w); err != nil {
			return fmt.Errorf("sim: writing withdrawals.csv row of request %d: %w", w.RequestID, err)
		}
	}
	return nil
}

// lrtFinish writes LRT p's pending requests' withdrawals.csv rows and
// returns its summary; end is the last reported epoch + 1.
func (r *lstRun) lrtFinish(p *lrtProto, end consensus.Epoch) (LSTSummary, error) {
	for _, st := range []lrt.RequestStatus{lrt.StatusEscrow, lrt.StatusExiting, lrt.StatusReady} {
		for _, q := range p.book.Requests(st) {
			meta := p.requests[q.ID]
			p.stats.LargestWaitEpochs = max(p.stats.LargestWaitEpochs, uint64(end-min(end, meta.epoch)))
			if r.sink == nil {
				continue
			}
			if err := r.sink.Withdrawal(WithdrawalRow{RequestID: q.ID, Protocol: p.spec.Name, Owner: q.Owner,
				RequestedEpoch: uint64(meta.epoch), Shares: q.Tokens, RateAtRequest: formatRate(meta.rate)}); err != nil {
				return LSTSummary{}, fmt.Errorf("sim: writing withdrawals.csv row of request %d: %w", q.ID, err)
			}
		}
	}
	s := p.stats
	s.MinShareRate = formatRate(p.minRate)
	s.RequestsPending = uint64(len(p.requests))
	for _, op := range p.ops {
		s.VaultCreditedGwei += uint64(op.credited)
	}
	return s, nil
}
