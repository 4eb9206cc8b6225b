package output

import (
	"strconv"

	"github.com/stakesim/stakesim/sim"
)

// The liquid-staking files, written only for scenarios with a
// liquid_staking block: each is created with its first row.
const (
	LSTFile         = "lst.csv"
	WithdrawalsFile = "withdrawals.csv"
)

// LSTColumns returns the header of lst.csv (the fields of sim.LSTRow, in
// order).
func LSTColumns() []string {
	return []string{"epoch", "protocol", "kind", "total_pooled_gwei", "beacon_balance_gwei", "buffered_gwei", "total_shares",
		"share_rate", "validators_active", "validators_exiting", "withdrawal_queue_gwei", "withdrawal_requests_pending",
		"finalized_gwei", "oldest_request_wait_epochs", "bunker", "last_rebase_gwei", "fees_gwei"}
}

// WithdrawalColumns returns the header of withdrawals.csv (the fields of
// sim.WithdrawalRow, in order, without Finalized: a pending request's
// finalized_epoch, rate_at_finalization and paid_gwei are empty).
func WithdrawalColumns() []string {
	return []string{"request_id", "protocol", "owner", "requested_epoch", "shares", "rate_at_request", "finalized_epoch",
		"rate_at_finalization", "paid_gwei"}
}

var _ sim.LSTSink = (*Writer)(nil)

// LST appends one row to lst.csv, creating the file on the first row.
func (w *Writer) LST(row sim.LSTRow) error {
	if w.closed {
		return errClosed
	}
	if w.lst.csv == nil {
		if err := w.lst.create(w.dir, LSTFile, LSTColumns()); err != nil {
			return err
		}
	}
	r := w.lst.rec
	r[0], r[1], r[2] = u(row.Epoch), row.Protocol, row.Kind
	r[3], r[4], r[5], r[6] = u(row.TotalPooledGwei), u(row.BeaconBalanceGwei), u(row.BufferedGwei), u(row.TotalShares)
	r[7], r[8], r[9] = row.ShareRate, u(row.ValidatorsActive), u(row.ValidatorsExiting)
	r[10], r[11], r[12] = u(row.WithdrawalQueueGwei), u(row.WithdrawalRequestsPending), u(row.FinalizedGwei)
	r[13], r[14] = u(row.OldestRequestWaitEpochs), b(row.Bunker)
	r[15], r[16] = strconv.FormatInt(row.LastRebaseGwei, 10), u(row.FeesGwei)
	return w.lst.write(r)
}

// Withdrawal appends one row to withdrawals.csv, creating the file on the
// first row.
func (w *Writer) Withdrawal(row sim.WithdrawalRow) error {
	if w.closed {
		return errClosed
	}
	if w.withdrawals.csv == nil {
		if err := w.withdrawals.create(w.dir, WithdrawalsFile, WithdrawalColumns()); err != nil {
			return err
		}
	}
	r := w.withdrawals.rec
	r[0], r[1], r[2], r[3], r[4], r[5] = u(row.RequestID), row.Protocol, row.Owner, u(row.RequestedEpoch), u(row.Shares), row.RateAtRequest
	r[6], r[7], r[8] = "", "", ""
	if row.Finalized {
		r[6], r[7], r[8] = u(row.FinalizedEpoch), row.RateAtFinalization, u(row.PaidGwei)
	}
	return w.withdrawals.write(r)
}
