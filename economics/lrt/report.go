package lrt

import (
	"github.com/stakesim/stakesim/economics/lst"
)

// Snapshot is the protocol's state for one lst.csv row (kind lrt) and for
// the engine's views.
type Snapshot struct {
	Epoch    Epoch
	Protocol string
	Kind     string // "lrt"
	Asset    Asset

	// TotalPooledGwei is what backs the tokens, valued in Gwei.
	TotalPooledGwei Gwei
	// TotalShares is the token supply, locked tokens included.
	TotalShares uint64
	// ShareRate is TotalPooledGwei × 1e27 / TotalShares.
	ShareRate lst.ShareRate
	// Holdings in units (Gwei for native restaking).
	Holdings Holdings
	// BufferedGwei is the buffer valued in Gwei.
	BufferedGwei Gwei

	// WithdrawalQueueGwei is Σ ValueAtRequestGwei of the open requests;
	// WithdrawalRequestsPending counts them; by stage too.
	WithdrawalQueueGwei       Gwei
	WithdrawalRequestsPending int
	InEscrow, Exiting, Ready  int
	// FinalizedGwei is the value reserved for claimable requests.
	FinalizedGwei Gwei
	// OldestRequestWaitEpochs is how long the oldest open request has
	// waited (0 with none).
	OldestRequestWaitEpochs Epoch
	WithdrawalsEnabled      bool
}

// Snapshot returns the protocol's state at its clock: counters, the
// ledger's balances of the protocol's accounts, and the oldest open
// request through three first-lookups on the status index.
func (p *Protocol) Snapshot() Snapshot {
	h := p.Holdings()
	s := Snapshot{
		Epoch: p.epoch, Protocol: p.name, Kind: "lrt", Asset: p.p.Asset,
		TotalPooledGwei:     p.price.PooledEthByShares(h.Pooled()),
		TotalShares:         p.supply,
		Holdings:            h,
		BufferedGwei:        p.price.PooledEthByShares(h.Buffer),
		WithdrawalQueueGwei: p.openVal,
		FinalizedGwei:       p.price.PooledEthByShares(h.Reserved),
		WithdrawalsEnabled:  p.p.WithdrawalsEnabled,
	}
	s.ShareRate = lst.NewShareRate(s.TotalPooledGwei, s.TotalShares)
	txn := p.db.Txn(false)
	oldest, found := Epoch(0), false
	s.InEscrow, s.Exiting, s.Ready = p.stages[StatusEscrow], p.stages[StatusExiting], p.stages[StatusReady]
	for _, st := range openStatuses {
		if r, ok := p.firstByStatus(txn, st); ok && (!found || r.RequestEpoch < oldest) {
			oldest, found = r.RequestEpoch, true
		}
	}
	s.WithdrawalRequestsPending = s.InEscrow + s.Exiting + s.Ready
	if found {
		s.OldestRequestWaitEpochs = p.epoch - oldest
	}
	return s
}
