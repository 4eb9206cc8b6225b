package lrt

import (
	"fmt"
	"slices"

	"github.com/hashicorp/go-memdb"
	"github.com/stakesim/stakesim/economics/internal/book"
)

// Holder is one owner's token balance in a protocol (ezETH, weETH, rsETH:
// non-rebasing tokens whose ETH value moves with the rate). Rows are
// immutable once stored: updates insert a copy.
type Holder struct {
	Protocol string
	Owner    string
	Tokens   uint64
}

// RequestStatus is a withdrawal request's stage.
type RequestStatus string

// Request stages, in order. A request in escrow waits out the restaking
// ledger's withdrawal delay (its ledger withdrawals are slashable); exiting
// waits for the beacon chain to return the ETH (native restaking only);
// ready has all its ETH and waits for finalization (normally the next
// Sync); claimable has its payout reserved and its tokens burnt; claimed
// was paid.
const (
	StatusEscrow    RequestStatus = "escrow"
	StatusExiting   RequestStatus = "exiting"
	StatusReady     RequestStatus = "ready"
	StatusClaimable RequestStatus = "claimable"
	StatusClaimed   RequestStatus = "claimed"
)

// openStatuses are the stages before finalization.
var openStatuses = []RequestStatus{StatusEscrow, StatusExiting, StatusReady}

// Request is one withdrawal request. Units are the asset's (Gwei for
// native restaking, LST shares for an LST).
type Request struct {
	Protocol string
	ID       uint64
	Owner    string
	Status   RequestStatus
	// Tokens are locked at request and burnt at finalization.
	Tokens uint64
	// ValueAtRequestGwei is tokens × rate at request (Renzo's
	// amountToRedeem, calculateRedeemAmount): the most the request pays.
	ValueAtRequestGwei Gwei
	// UnitsAtRequest is tokens × pooled units / supply at request: what
	// the protocol pulled out of the ledger (and buffer) for it.
	UnitsAtRequest uint64
	RequestEpoch   Epoch

	// LedgerWithdrawals are the restaking ledger withdrawals of the
	// current escrow round; EscrowUnits their queued total, and
	// CompletableEpoch the first epoch the ledger lets them complete.
	LedgerWithdrawals []uint64
	EscrowUnits       uint64
	CompletableEpoch  Epoch
	// Rounds counts escrow rounds (a top-up after a slash adds one).
	Rounds int
	// SlashedUnits is what slashes took from the request's escrow.
	SlashedUnits uint64
	// ExitingUnits is what the beacon chain still has to return;
	// ExitLossUnits what it returned less (native only).
	ExitingUnits, ExitLossUnits uint64
	// ArrivedUnits is the request's ETH (or LST) in hand.
	ArrivedUnits uint64

	FinalizedEpoch, ClaimedEpoch Epoch
	// ValueAtFinalizationGwei is tokens × rate at finalization; PayoutGwei
	// is min(ValueAtRequestGwei, ValueAtFinalizationGwei) and PayoutUnits
	// that value in units (rounded down), reserved until claimed.
	ValueAtFinalizationGwei, PayoutGwei Gwei
	PayoutUnits                         uint64
	// UnitsAtFinalization is tokens × pooled units / supply at
	// finalization, at least PayoutUnits.
	UnitsAtFinalization uint64
}

// Table and index names: the shared schema of economics/internal/book.
const (
	tableHolder  = book.TableHolder
	tableRequest = book.TableRequest
	indexID      = book.IndexID
	indexProto   = book.IndexProto
	indexStatus  = book.IndexStatus
	indexOwner   = book.IndexOwner
)

func newDB() *memdb.MemDB { return book.NewDB() }

// exact makes the last string of a compound prefix lookup match whole.
func exact(s string) string { return book.Exact(s) }

func (p *Protocol) holder(txn *memdb.Txn, owner string) Holder {
	raw, err := txn.First(tableHolder, indexID, p.name, owner)
	if err != nil {
		panic(fmt.Sprintf("lrt: holder lookup: %v", err))
	}
	if raw == nil {
		return Holder{Protocol: p.name, Owner: owner}
	}
	return *raw.(*Holder)
}

// putHolder stores h, or deletes its row when it holds nothing.
func (p *Protocol) putHolder(txn *memdb.Txn, h Holder) {
	var err error
	if h.Tokens == 0 {
		_, err = txn.DeleteAll(tableHolder, indexID, p.name, h.Owner)
	} else {
		err = txn.Insert(tableHolder, &h)
	}
	if err != nil {
		panic(fmt.Sprintf("lrt: holder write: %v", err))
	}
}

func (p *Protocol) request(txn *memdb.Txn, id uint64) (Request, bool) {
	raw, err := txn.First(tableRequest, indexID, p.name, id)
	if err != nil {
		panic(fmt.Sprintf("lrt: request lookup: %v", err))
	}
	if raw == nil {
		return Request{}, false
	}
	r := *raw.(*Request)
	r.LedgerWithdrawals = slices.Clone(r.LedgerWithdrawals)
	return r, true
}

func (p *Protocol) putRequest(txn *memdb.Txn, r Request) {
	if err := txn.Insert(tableRequest, &r); err != nil {
		panic(fmt.Sprintf("lrt: request write: %v", err))
	}
}

// requestsByStatus returns the protocol's requests in a stage, in id
// (FIFO) order, through the status index.
func (p *Protocol) requestsByStatus(txn *memdb.Txn, s RequestStatus) []Request {
	it, err := txn.Get(tableRequest, indexStatus+"_prefix", p.name, exact(string(s)))
	if err != nil {
		panic(fmt.Sprintf("lrt: request scan: %v", err))
	}
	var out []Request
	for raw := it.Next(); raw != nil; raw = it.Next() {
		r := *raw.(*Request)
		r.LedgerWithdrawals = slices.Clone(r.LedgerWithdrawals)
		out = append(out, r)
	}
	return out
}

// firstByStatus is the lowest-id request in a stage, through the index.
func (p *Protocol) firstByStatus(txn *memdb.Txn, s RequestStatus) (Request, bool) {
	raw, err := txn.First(tableRequest, indexStatus+"_prefix", p.name, exact(string(s)))
	if err != nil {
		panic(fmt.Sprintf("lrt: request scan: %v", err))
	}
	if raw == nil {
		return Request{}, false
	}
	return *raw.(*Request), true
}

// Request returns a stored request by id.
func (p *Protocol) Request(id uint64) (Request, bool) { return p.request(p.db.Txn(false), id) }

// Requests returns the protocol's stored requests in a stage, in id order.
func (p *Protocol) Requests(s RequestStatus) []Request {
	return p.requestsByStatus(p.db.Txn(false), s)
}

// RequestsOf returns owner's stored requests (any stage) in id order,
// through the owner index.
func (p *Protocol) RequestsOf(owner string) []Request {
	it, err := p.db.Txn(false).Get(tableRequest, indexOwner+"_prefix", p.name, exact(owner))
	if err != nil {
		panic(fmt.Sprintf("lrt: request scan: %v", err))
	}
	var out []Request
	for raw := it.Next(); raw != nil; raw = it.Next() {
		r := *raw.(*Request)
		r.LedgerWithdrawals = slices.Clone(r.LedgerWithdrawals)
		out = append(out, r)
	}
	return out
}

// Holders returns every position in the protocol, by owner, through the
// protocol index.
func (p *Protocol) Holders() []Holder {
	it, err := p.db.Txn(false).Get(tableHolder, indexProto, p.name)
	if err != nil {
		panic(fmt.Sprintf("lrt: holder scan: %v", err))
	}
	var out []Holder
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, *raw.(*Holder))
	}
	return out
}

// BalanceOf is owner's token balance (locked tokens excluded).
func (p *Protocol) BalanceOf(owner string) uint64 { return p.holder(p.db.Txn(false), owner).Tokens }

// PruneClaimed deletes requests claimed before epoch before, so that the
// request table holds open and claimable requests plus recent claims; the
// totals are counters and do not need them. Ids stay used. It returns how
// many were deleted.
func (p *Protocol) PruneClaimed(before Epoch) int {
	txn := p.db.Txn(true)
	n := 0
	for _, r := range p.requestsByStatus(txn, StatusClaimed) {
		if r.ClaimedEpoch < before {
			if _, err := txn.DeleteAll(tableRequest, indexID, p.name, r.ID); err != nil {
				panic(fmt.Sprintf("lrt: prune: %v", err))
			}
			n++
		}
	}
	txn.Commit()
	return n
}
