package lst

import (
	"fmt"

	"github.com/hashicorp/go-memdb"
	"github.com/stakesim/stakesim/economics/internal/book"
)

// Holder is one owner's position in a protocol: Shares held as the
// rebasing token (stETH-like) and Wrapped, the non-rebasing wrapper's
// balance (wstETH-like), which is a share count held by the wrapper for
// the owner. Rows are immutable once stored: updates insert a copy.
type Holder struct {
	Protocol string
	Owner    string
	Shares   uint64
	Wrapped  uint64
}

// RequestStatus is a withdrawal request's state.
type RequestStatus string

// Request states: pending (in the queue, shares locked), finalized (payout
// reserved, shares handed to the burner), claimed (paid out).
const (
	StatusPending   RequestStatus = "pending"
	StatusFinalized RequestStatus = "finalized"
	StatusClaimed   RequestStatus = "claimed"
)

// Request is one withdrawal request (WithdrawalQueueBase.WithdrawalRequest,
// per request rather than cumulative). AmountGwei is the stETH requested
// and Shares the shares locked for it; PayoutGwei is set at finalization.
type Request struct {
	Protocol       string
	ID             uint64
	Owner          string
	Status         RequestStatus
	AmountGwei     Gwei
	Shares         uint64
	RequestEpoch   Epoch
	FinalizedEpoch Epoch
	ClaimedEpoch   Epoch
	PayoutGwei     Gwei
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

// holder reads owner's row (a zero row if absent).
func (p *Protocol) holder(txn *memdb.Txn, owner string) Holder {
	raw, err := txn.First(tableHolder, indexID, p.name, owner)
	if err != nil {
		panic(fmt.Sprintf("lst: holder lookup: %v", err))
	}
	if raw == nil {
		return Holder{Protocol: p.name, Owner: owner}
	}
	return *raw.(*Holder)
}

// putHolder stores h, or deletes its row when it holds nothing.
func (p *Protocol) putHolder(txn *memdb.Txn, h Holder) {
	var err error
	if h.Shares == 0 && h.Wrapped == 0 {
		_, err = txn.DeleteAll(tableHolder, indexID, p.name, h.Owner)
	} else {
		err = txn.Insert(tableHolder, &h)
	}
	if err != nil {
		panic(fmt.Sprintf("lst: holder write: %v", err))
	}
}

// request reads a request by id.
func (p *Protocol) request(txn *memdb.Txn, id uint64) (Request, bool) {
	raw, err := txn.First(tableRequest, indexID, p.name, id)
	if err != nil {
		panic(fmt.Sprintf("lst: request lookup: %v", err))
	}
	if raw == nil {
		return Request{}, false
	}
	return *raw.(*Request), true
}

func (p *Protocol) putRequest(txn *memdb.Txn, r Request) {
	if err := txn.Insert(tableRequest, &r); err != nil {
		panic(fmt.Sprintf("lst: request write: %v", err))
	}
}

// eachRequest calls fn on the protocol's requests in a status, in id
// (FIFO) order, through the status index, until fn returns false.
func (p *Protocol) eachRequest(txn *memdb.Txn, s RequestStatus, fn func(Request) bool) {
	it, err := txn.Get(tableRequest, indexStatus+"_prefix", p.name, exact(string(s)))
	if err != nil {
		panic(fmt.Sprintf("lst: request scan: %v", err))
	}
	for raw := it.Next(); raw != nil; raw = it.Next() {
		if !fn(*raw.(*Request)) {
			return
		}
	}
}

// requestsByStatus collects eachRequest's requests.
func (p *Protocol) requestsByStatus(txn *memdb.Txn, s RequestStatus) []Request {
	var out []Request
	p.eachRequest(txn, s, func(r Request) bool { out = append(out, r); return true })
	return out
}

// exact makes the last string of a compound prefix lookup match whole: the
// prefix then ends with the string's terminator.
func exact(s string) string { return book.Exact(s) }

// RequestsOf returns owner's requests still stored (any status) in id
// order, through the owner index.
func (p *Protocol) RequestsOf(owner string) []Request {
	txn := p.db.Txn(false)
	it, err := txn.Get(tableRequest, indexOwner+"_prefix", p.name, exact(owner))
	if err != nil {
		panic(fmt.Sprintf("lst: request scan: %v", err))
	}
	var out []Request
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, *raw.(*Request))
	}
	return out
}

// Requests returns the protocol's stored requests in a status, in id order.
func (p *Protocol) Requests(s RequestStatus) []Request {
	return p.requestsByStatus(p.db.Txn(false), s)
}

// Holders returns every position in the protocol, by owner, through the
// protocol index.
func (p *Protocol) Holders() []Holder {
	it, err := p.db.Txn(false).Get(tableHolder, indexProto, p.name)
	if err != nil {
		panic(fmt.Sprintf("lst: holder scan: %v", err))
	}
	var out []Holder
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, *raw.(*Holder))
	}
	return out
}

// Holder returns owner's position (zero if none).
func (p *Protocol) Holder(owner string) Holder { return p.holder(p.db.Txn(false), owner) }
