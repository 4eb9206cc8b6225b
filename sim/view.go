package sim

import (
	"sort"

	"github.com/prysmaticlabs/go-bitfield"
	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/consensus/forkchoice"
	"github.com/stakesim/stakesim/crypto"
)

// view is one view group: agents that have seen the same messages share one
// fork-choice store and one attestation pool.
type view struct {
	id    int
	name  string
	store *forkchoice.Store

	// pool holds unaggregated attestations by (data root, committee): one
	// network aggregate per entry.
	pool map[poolKey]*poolEntry
	// deferred fork-choice votes waiting for their slot to pass or their
	// block to arrive.
	deferred []deferredVote

	// coalition is the coalition whose view this is ("" for honest views);
	// members marks its validators.
	coalition string
	honest    bool
	members   []bool
	// firstAgent is the id of the view's first agent: a coalition's
	// agents all return the same Policy, so the engine asks this one.
	firstAgent int
	slasher    *agents.Slasher         // honest views only, when slashers run
	rejected   map[consensus.Root]bool // blocks fork choice refused (and their descendants)
	// held is what a private-chain coalition has kept to itself.
	held []heldMsg
	// lastHead is the head at the end of the previous slot (reorgs).
	lastHead *blockEntry

	leaked         bool // some epoch of this view's branch was in the inactivity leak
	verifyFailures uint64

	// syncPool holds the sync committee messages that reached the view,
	// by (slot, root) (sync.go); pruned by slot.
	syncPool map[syncKey]map[consensus.ValidatorIndex]crypto.Signature

	// lastData and lastDataRoot memoise the root of the last vote's data
	// (dataRoot); lastDataSet says they hold one.
	lastData     consensus.AttestationData
	lastDataRoot consensus.Root
	lastDataSet  bool
}

type poolKey struct {
	dataRoot  consensus.Root
	committee consensus.CommitteeIndex
}

// poolEntry is one network aggregate being gathered: its members by
// position in the committee, in arrays of the committee's size.
type poolEntry struct {
	data          consensus.AttestationData
	committee     consensus.CommitteeIndex
	committeeSize int
	// bits marks the members' positions: the aggregate's aggregation bits.
	bits bitfield.Bitlist
	// validators[p] is the member at position p (where bits is set).
	validators []consensus.ValidatorIndex
	// sigs[p] is its signature; nil until a signed vote arrives (full mode).
	sigs    []crypto.Signature
	members int
}

func newPoolEntry(data consensus.AttestationData, committee consensus.CommitteeIndex, size int) *poolEntry {
	return &poolEntry{data: data, committee: committee, committeeSize: size,
		bits: bitfield.NewBitlist(uint64(size)), validators: make([]consensus.ValidatorIndex, size)}
}

// add makes validator val the member at position p, unless p is taken or
// outside the committee.
func (e *poolEntry) add(p int, val consensus.ValidatorIndex, sig crypto.Signature) {
	if p < 0 || p >= e.committeeSize || e.bits.BitAt(uint64(p)) {
		return
	}
	e.bits.SetBitAt(uint64(p), true)
	e.validators[p] = val
	if !sig.IsZero() {
		if e.sigs == nil {
			e.sigs = make([]crypto.Signature, e.committeeSize)
		}
		e.sigs[p] = sig
	}
	e.members++
}

// sig returns the signature of the member at position p.
func (e *poolEntry) sig(p int) crypto.Signature {
	if e.sigs == nil {
		return crypto.Signature{}
	}
	return e.sigs[p]
}

// positions returns the members' positions, ascending.
func (e *poolEntry) positions() []int { return e.bits.BitIndices() }

// heldMsg is one withheld block, attestation or sync committee message.
type heldMsg struct {
	block *blockEntry
	att   *agents.AttestationMsg
	sync  *agents.SyncCommitteeMsg
}

type deferredVote struct {
	validator consensus.ValidatorIndex
	data      consensus.AttestationData
	untilSlot consensus.Slot // drop after this slot
}

// addAttestation puts one validator's attestation into the pool.
func (v *view) addAttestation(m *agents.AttestationMsg) {
	k := poolKey{v.dataRoot(&m.Data), m.CommitteeIndex}
	e, ok := v.pool[k]
	if !ok {
		e = newPoolEntry(m.Data, m.CommitteeIndex, m.CommitteeSize)
		v.pool[k] = e
	}
	e.add(m.Position, m.AttesterIndex, m.Signature)
}

// dataRoot returns data.Root(), from the last answer when data repeats:
// votes arrive in runs with equal data (a slot's honest votes on one head).
func (v *view) dataRoot(data *consensus.AttestationData) consensus.Root {
	if !v.lastDataSet || *data != v.lastData {
		v.lastData, v.lastDataRoot, v.lastDataSet = *data, data.Root(), true
	}
	return v.lastDataRoot
}

// vote applies one gossip vote to fork choice now if it can, else defers it.
func (v *view) vote(cfg *consensus.Config, now consensus.Slot, val consensus.ValidatorIndex, data consensus.AttestationData) {
	if data.Slot < now && v.store.HasBlock(data.BeaconBlockRoot) && v.store.HasBlock(data.Target.Root) {
		_ = v.store.OnAttestation([]consensus.ValidatorIndex{val}, data, false)
		return
	}
	v.deferred = append(v.deferred, deferredVote{validator: val, data: data, untilSlot: data.Slot + consensus.Slot(2*cfg.SlotsPerEpoch)})
}

// retryDeferred applies deferred votes whose time has come, in order.
// Consecutive votes with the same data go to fork choice in one call, which
// applies them as the calls one by one would (the store does not change
// between them).
func (v *view) retryDeferred(cfg *consensus.Config, now consensus.Slot) {
	keep := v.deferred[:0]
	var run []consensus.ValidatorIndex
	var runData consensus.AttestationData
	flush := func() {
		if len(run) > 0 {
			_ = v.store.OnAttestation(run, runData, false)
			run = run[:0]
		}
	}
	for _, d := range v.deferred {
		if d.untilSlot < now {
			continue
		}
		if d.data.Slot < now && v.store.HasBlock(d.data.BeaconBlockRoot) && v.store.HasBlock(d.data.Target.Root) {
			if len(run) > 0 && d.data != runData {
				flush()
			}
			runData = d.data
			run = append(run, d.validator)
			continue
		}
		keep = append(keep, d)
	}
	flush()
	v.deferred = keep
}

// prune drops pool entries too old to be included.
func (v *view) prune(cfg *consensus.Config, now consensus.Slot) {
	for k, e := range v.pool {
		if uint64(e.data.Slot)+2*cfg.SlotsPerEpoch < uint64(now) {
			delete(v.pool, k)
		}
	}
	v.pruneSync(now)
}

// candidates returns the pool's network aggregates (one committee each)
// that could go into a block at slot, in a deterministic order, with their
// member lists.
func (v *view) candidates(cfg *consensus.Config, slot consensus.Slot) []*poolEntry {
	epoch := consensus.ComputeEpochAtSlot(cfg, slot)
	var out []*poolEntry
	for _, e := range v.pool {
		if e.data.Slot+consensus.Slot(cfg.MinAttestationInclusionDelay) > slot {
			continue
		}
		if e.data.Target.Epoch+1 < epoch {
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := &out[i].data, &out[j].data
		if a.Slot != b.Slot {
			return a.Slot > b.Slot // newest first: most likely to earn head and source flags
		}
		if out[i].committee != out[j].committee {
			return out[i].committee < out[j].committee
		}
		ra, rb := a.Root(), b.Root()
		return string(ra[:]) < string(rb[:])
	})
	return out
}

// only returns the entry restricted to the validators marked in keep, or
// nil when none of its members is.
func (e *poolEntry) only(keep []bool) *poolEntry {
	out := newPoolEntry(e.data, e.committee, e.committeeSize)
	for _, p := range e.positions() {
		if val := e.validators[p]; int(val) < len(keep) && keep[val] {
			out.add(p, val, e.sig(p))
		}
	}
	if out.members == 0 {
		return nil
	}
	return out
}

// aggregate returns the unsigned network aggregate of a pool entry (one
// committee bit, aggregation bits from the members' positions), sharing the
// entry's bits: for a caller that only reads them before the entry next
// grows (SelectAttestations, whose packed aggregates are built afresh).
func (e *poolEntry) aggregate() consensus.Attestation {
	return consensus.Attestation{AggregationBits: e.bits, Data: e.data, CommitteeBits: consensus.CommitteeBit(e.committee)}
}
