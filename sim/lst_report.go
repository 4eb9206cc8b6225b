package sim

import (
	"errors"
	"fmt"
	"slices"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/lst"
)

// Liquid-staking outputs: lst.csv and withdrawals.csv rows, events,
// summary, invariants (see lst.go for the model).

// LSTRow is one line of lst.csv: one protocol at the end of one epoch,
// read from the summary branch and the protocol's books. The column order
// is the field order.
type LSTRow struct {
	Epoch    uint64
	Protocol string
	Kind     string // "lst" (the liquid restaking half adds "lrt")
	// TotalPooledGwei is the books' pooled ETH (buffer + reported CL
	// balance + transient deposits); BeaconBalanceGwei the protocol's
	// validators' balances on the summary branch now (the reports lag it).
	TotalPooledGwei, BeaconBalanceGwei, BufferedGwei uint64
	TotalShares                                      uint64
	ShareRate                                        string // pooled ETH per share, 18 decimals
	// ValidatorsActive: active, not exiting; ValidatorsExiting: exit
	// initiated, not yet withdrawable.
	ValidatorsActive, ValidatorsExiting uint64
	WithdrawalQueueGwei                 uint64 // stETH the pending requests ask for
	WithdrawalRequestsPending           uint64
	FinalizedGwei                       uint64 // paid out by requests finalized at this epoch
	OldestRequestWaitEpochs             uint64 // age of the oldest pending request
	Bunker                              bool
	LastRebaseGwei                      int64  // the last accepted report's CL rebase
	FeesGwei                            uint64 // value of the fee shares minted at this epoch
}

// WithdrawalRow is one line of withdrawals.csv: one withdrawal request,
// written when finalized, or at the end of the run while still pending
// (Finalized false: the last three columns are empty).
type WithdrawalRow struct {
	RequestID          uint64
	Protocol, Owner    string
	RequestedEpoch     uint64
	Shares             uint64
	RateAtRequest      string
	Finalized          bool
	FinalizedEpoch     uint64
	RateAtFinalization string
	PaidGwei           uint64
}

// LSTSink is an optional interface of a Sink: a sink that implements it
// receives lst.csv rows (one per protocol, after each epoch's economic
// phase) and withdrawals.csv rows (requests finalized in that epoch, and
// the pending ones at the end), for scenarios with a liquid_staking block
// only.
type LSTSink interface {
	LST(row LSTRow) error
	Withdrawal(row WithdrawalRow) error
}

// LSTSummary is one protocol's part of summary.json.
type LSTSummary struct {
	Protocol string `json:"protocol"`
	Kind     string `json:"kind"`
	// MinShareRate is the lowest share rate of any epoch end (18 decimals).
	MinShareRate string `json:"min_share_rate"`
	// LargestWaitEpochs is the longest a request waited: from its request
	// to its finalization, or to the end of the run if still pending.
	LargestWaitEpochs uint64 `json:"largest_wait_epochs"`
	TotalFeesGwei     uint64 `json:"total_fees_gwei"`
	// SocialisedLossGwei is the sum of the negative CL rebases the reports
	// brought: ETH lost by the protocol's validators and borne by every
	// share. RequestDiscountGwei is what finalized requests were paid
	// below their amount (the lower rate at finalization).
	SocialisedLossGwei  uint64 `json:"socialised_loss_gwei"`
	RequestDiscountGwei uint64 `json:"request_discount_gwei"`
	Reports             uint64 `json:"reports"`
	ReportsRejected     uint64 `json:"reports_rejected"`
	NegativeRebases     uint64 `json:"negative_rebases"`
	// BunkerEpochs counts the epochs in bunker mode (ended periods, and
	// the one still open at the end).
	BunkerEpochs        uint64 `json:"bunker_epochs"`
	Requests            uint64 `json:"requests"`
	RequestsFinalized   uint64 `json:"requests_finalized"`
	RequestsPending     uint64 `json:"requests_pending"`
	ExitsRequested      uint64 `json:"exits_requested"`
	ValidatorsDeposited uint64 `json:"validators_deposited"`
	VaultCreditedGwei   uint64 `json:"vault_credited_gwei"`
}

// Liquid-staking event kinds (on the summary branch).
const (
	// EventOracleReport: a protocol's oracle reported (OracleReportDetails).
	EventOracleReport = "oracle_report"
	// EventNegativeRebase: an accepted report lowered the pooled ETH
	// (NegativeRebaseDetails).
	EventNegativeRebase = "negative_rebase"
	// EventBunkerStarted and EventBunkerEnded: a report turned bunker
	// mode on or off (BunkerStartedDetails, BunkerEndedDetails).
	EventBunkerStarted = "bunker_started"
	EventBunkerEnded   = "bunker_ended"
	// EventExitsRequested: a protocol asked its node operators to exit
	// validators (ExitsRequestedDetails).
	EventExitsRequested = "exits_requested"
	// EventWithdrawalFinalized: a report finalized withdrawal requests
	// (WithdrawalFinalizedDetails).
	EventWithdrawalFinalized = "withdrawal_finalized"
)

// OracleReportDetails is the details of EventOracleReport.
type OracleReportDetails struct {
	Accepted          bool   `json:"accepted"`
	BeaconBalanceGwei uint64 `json:"beacon_balance_gwei"` // Σ balances of the protocol's validators on the CL
	Exited            uint64 `json:"exited"`              // validators whose exit epoch has come
	Protocol          string `json:"protocol"`
	RebaseGwei        int64  `json:"rebase_gwei"` // the frame's CL rebase (0 if rejected)
	Rejection         string `json:"rejection,omitempty"`
	ReportEpoch       uint64 `json:"report_epoch"` // the report's reference epoch
	ShareRate         string `json:"share_rate"`   // after the report
	Slashings         uint64 `json:"slashings"`    // slashed validators not yet withdrawable
	Validators        uint64 `json:"validators"`   // the protocol's validators on the CL
}

// NegativeRebaseDetails is the details of EventNegativeRebase.
type NegativeRebaseDetails struct {
	Protocol    string `json:"protocol"`
	RateAfter   string `json:"rate_after"`
	RateBefore  string `json:"rate_before"`
	RebaseGwei  int64  `json:"rebase_gwei"`
	ReportEpoch uint64 `json:"report_epoch"`
}

// BunkerStartedDetails is the details of EventBunkerStarted; SinceEpoch
// is bunker mode's start (the previous report's epoch).
type BunkerStartedDetails struct {
	Protocol    string `json:"protocol"`
	ReportEpoch uint64 `json:"report_epoch"`
	SinceEpoch  uint64 `json:"since_epoch"`
}

// BunkerEndedDetails is the details of EventBunkerEnded; DurationEpochs
// counts from the report that started it.
type BunkerEndedDetails struct {
	DurationEpochs uint64 `json:"duration_epochs"`
	Protocol       string `json:"protocol"`
	ReportEpoch    uint64 `json:"report_epoch"`
}

// ExitsRequestedDetails is the details of EventExitsRequested.
type ExitsRequestedDetails struct {
	BalanceGwei    uint64 `json:"balance_gwei"` // the validators' balances now
	FirstValidator uint64 `json:"first_validator"`
	Method         string `json:"method"` // voluntary or eip7002
	Protocol       string `json:"protocol"`
	Validators     uint64 `json:"validators"`
}

// WithdrawalFinalizedDetails is the details of EventWithdrawalFinalized:
// one report's batch.
type WithdrawalFinalizedDetails struct {
	AmountGwei   uint64 `json:"amount_gwei"` // what the requests asked for
	FirstRequest uint64 `json:"first_request"`
	LastRequest  uint64 `json:"last_request"`
	PaidGwei     uint64 `json:"paid_gwei"`
	Protocol     string `json:"protocol"`
	Rate         string `json:"rate"` // the finalization share rate
	Requests     uint64 `json:"requests"`
}

func (OracleReportDetails) EventKind() string        { return EventOracleReport }
func (NegativeRebaseDetails) EventKind() string      { return EventNegativeRebase }
func (BunkerStartedDetails) EventKind() string       { return EventBunkerStarted }
func (BunkerEndedDetails) EventKind() string         { return EventBunkerEnded }
func (ExitsRequestedDetails) EventKind() string      { return EventExitsRequested }
func (WithdrawalFinalizedDetails) EventKind() string { return EventWithdrawalFinalized }

func init() {
	detailsDecoders[EventOracleReport] = decodeDetails[OracleReportDetails]
	detailsDecoders[EventNegativeRebase] = decodeDetails[NegativeRebaseDetails]
	detailsDecoders[EventBunkerStarted] = decodeDetails[BunkerStartedDetails]
	detailsDecoders[EventBunkerEnded] = decodeDetails[BunkerEndedDetails]
	detailsDecoders[EventExitsRequested] = decodeDetails[ExitsRequestedDetails]
	detailsDecoders[EventWithdrawalFinalized] = decodeDetails[WithdrawalFinalizedDetails]
}

// Liquid-staking invariant checks and their sentinels.
const (
	// CheckLSTBooks: economics/lst's own check (shares conserved, the
	// queue's totals, the books' ETH conservation).
	CheckLSTBooks = "lst_books"
	// CheckLSTConservation: the ETH that entered (holders' deposits and
	// the withdrawals the chain paid to the vault) equals what the
	// protocol holds off the beacon chain (buffer, vaults, locked for
	// finalized requests), what it paid out (claims) and what it sent to
	// the beacon chain (deposits).
	CheckLSTConservation = "lst_conservation"
	// CheckLSTPayout: no request is paid more than it was worth when made.
	CheckLSTPayout = "lst_payout"
)

var (
	ErrLSTBooks        = errors.New("sim: liquid-staking books inconsistent")
	ErrLSTConservation = errors.New("sim: liquid-staking ETH not conserved")
	ErrLSTPayout       = errors.New("sim: withdrawal paid more than its worth at request")
)

// check runs the per-epoch invariants of protocol p.
func (r *lstRun) check(p *lstProto, epoch consensus.Epoch, label string) error {
	if err := p.book.Check(); err != nil {
		return &InvariantError{Epoch: epoch, Branch: label, Check: CheckLSTBooks, Err: fmt.Errorf("%w: %s: %w", ErrLSTBooks, p.spec.Name, err)}
	}
	vault, el := p.book.Vaults()
	deposited, _, _ := p.book.Validators()
	held := p.book.Buffer() + vault + el + p.book.Locked() + p.claimed + consensus.Gwei(deposited)*p.params.DepositGwei
	in := p.userIn + p.credited
	if held != in {
		return &InvariantError{Epoch: epoch, Branch: label, Check: CheckLSTConservation, Err: fmt.Errorf(
			"%w: %s: buffer %d + vaults %d + locked %d + claimed %d + deposited %d×%d = %d, holders' deposits %d + vault credits %d = %d",
			ErrLSTConservation, p.spec.Name, p.book.Buffer(), vault+el, p.book.Locked(), p.claimed, deposited, p.params.DepositGwei, held,
			p.userIn, p.credited, in)}
	}
	return nil
}

// row builds and sends protocol p's lst.csv row of epoch, and the
// withdrawals.csv rows of the requests finalized in it.
func (r *lstRun) row(p *lstProto, epoch consensus.Epoch, st *consensus.State) error {
	t := epoch + 1
	rate := p.book.ShareRate()
	if rate.Cmp(p.minRate) < 0 {
		p.minRate = rate
	}
	bunker, _ := p.book.Bunker()
	row := LSTRow{Epoch: uint64(epoch), Protocol: p.spec.Name, Kind: "lst", TotalPooledGwei: uint64(p.book.TotalPooledEther()),
		BufferedGwei: uint64(p.book.Buffer()), TotalShares: p.book.TotalShares(), ShareRate: formatRate(rate),
		WithdrawalQueueGwei: uint64(p.book.Unfinalized()), WithdrawalRequestsPending: uint64(len(p.requests)),
		FinalizedGwei: uint64(p.epochFinalized), Bunker: bunker, LastRebaseGwei: p.lastRebase, FeesGwei: uint64(p.epochFees)}
	for _, vi := range r.protoValidators(p, st) {
		v := &st.Validators[vi]
		row.BeaconBalanceGwei += uint64(st.Balances[vi])
		switch {
		case consensus.IsActiveValidator(v, t) && v.ExitEpoch == consensus.FarFutureEpoch:
			row.ValidatorsActive++
		case v.ExitEpoch != consensus.FarFutureEpoch && v.WithdrawableEpoch > t:
			row.ValidatorsExiting++
		}
	}
	if oldest, ok := p.oldestPending(); ok {
		row.OldestRequestWaitEpochs = uint64(t - oldest)
	}
	rows := p.pendingWithdrawRows
	p.pendingWithdrawRows = nil
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

// oldestPending is the request epoch of the oldest pending request (the
// first in the FIFO queue).
func (p *lstProto) oldestPending() (consensus.Epoch, bool) {
	var oldest consensus.Epoch
	found := false
	for _, m := range p.requests {
		if !found || m.epoch < oldest {
			oldest, found = m.epoch, true
		}
	}
	return oldest, found
}

// finish writes the pending requests' withdrawals.csv rows and returns
// the protocols' summaries; end is the epoch the books' clock reached.
func (r *lstRun) finish(end consensus.Epoch) ([]LSTSummary, error) {
	var out []LSTSummary
	for _, p := range r.protos {
		for _, q := range p.book.Requests(lst.StatusPending) {
			meta := p.requests[q.ID]
			p.stats.LargestWaitEpochs = max(p.stats.LargestWaitEpochs, uint64(end-min(end, meta.epoch)))
			if r.sink != nil {
				if err := r.sink.Withdrawal(WithdrawalRow{RequestID: q.ID, Protocol: p.spec.Name, Owner: q.Owner,
					RequestedEpoch: uint64(meta.epoch), Shares: q.Shares, RateAtRequest: formatRate(meta.rate)}); err != nil {
					return nil, fmt.Errorf("sim: writing withdrawals.csv row of request %d: %w", q.ID, err)
				}
			}
		}
		s := p.stats
		s.MinShareRate = formatRate(p.minRate)
		s.RequestsPending = uint64(len(p.requests))
		s.VaultCreditedGwei = uint64(p.credited)
		if on, _ := p.book.Bunker(); on {
			s.BunkerEpochs += uint64(end - min(end, p.bunkerSince))
		}
		out = append(out, s)
	}
	for _, p := range r.lrts {
		s, err := r.lrtFinish(p, end-min(end, 1))
		if err != nil {
			return nil, err
		}
		out = slices.Insert(out, min(p.index, len(out)), s)
	}
	return out, nil
}
