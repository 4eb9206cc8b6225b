package agents

import (
	"cmp"
	"math"
	"slices"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// The slasher's vote store (see the Memory paragraph of Slasher). Votes are
// kept per target epoch: an epochVotes holds the distinct attestation data
// voted for in that epoch, numbered by a small data id, and one byte per
// validator naming the data it voted for. Each data keeps the attestations
// stored with it, which prove who signed it: the aggregates (index lists,
// shared with the caller when it allows) and the single votes of validators
// that no stored aggregate of that data contains. A validator's vote refers
// to the largest stored attestation of its data that contains it (ties: the
// one stored first), found when evidence needs it.

// manyVotes in epochVotes.ids marks a validator whose votes are listed in
// epochVotes.extra: it voted for more than one data of the epoch, or for a
// data whose id does not fit in the byte.
const manyVotes = math.MaxUint8

// epochVotes is the votes for one target epoch.
type epochVotes struct {
	target consensus.Epoch
	// data are the distinct data voted for, indexed by data id.
	data   []*voteData
	byData map[consensus.AttestationData]uint32
	// minSource and maxSource bound the data's source epochs, so that the
	// surround test skips the epoch when none of its data can conflict.
	minSource, maxSource consensus.Epoch
	// ids[v] is validator v's vote: 0 none, manyVotes see extra, else the
	// data id plus one. It reaches only the largest validator that voted.
	ids []uint8
	// extra lists the data ids of the validators marked manyVotes, in the
	// order they were stored.
	extra map[consensus.ValidatorIndex][]uint32
	// loose tells that some aggregates are not packed yet.
	loose bool
}

// packAfter is how many epochs behind the newest target an epoch's
// aggregates are packed: by then blocks no longer carry them, so the list
// shared with the block database (ObserveSharedAttestation) would be the
// slasher's alone.
const packAfter = 2

// packEpochs packs the aggregates of the epochs packAfter or more behind
// the newest target.
func (s *Slasher) packEpochs() {
	for _, ep := range s.epochs {
		if !ep.loose || ep.target+packAfter > s.newest {
			continue
		}
		for _, d := range ep.data {
			for _, a := range d.aggs {
				a.pack()
			}
		}
		ep.loose = false
	}
}

// voteData is one distinct attestation data of an epoch and the stored
// attestations that carry it.
type voteData struct {
	data consensus.AttestationData
	root consensus.Root // data.Root()
	// aggs are the stored attestations of more than one index: largest
	// first, then in the order stored. An aggregate that is no
	// validator's largest (every index it holds is in one before it) is
	// dropped.
	aggs []*storedAgg
	// singles are the stored single-index attestations whose validator no
	// aggregate in aggs contains, in the order stored.
	singles []singleVote
	// singleAt indexes singles by validator; built when first needed
	// (evidence against a single vote), nil after singles change.
	singleAt map[consensus.ValidatorIndex]int32
}

// storedAgg is a stored attestation of more than one index. Its indices are
// sorted and unique: a private copy or the caller's list (see
// ObserveSharedAttestation) while the epoch is recent, packed once it is
// not (see Slasher.packEpochs).
type storedAgg struct {
	indices []consensus.ValidatorIndex // nil once packed
	packed  *packedIndices
	sig     crypto.Signature
	seq     uint64 // order of storage, for deterministic tie-breaks
}

// singleVote is a stored attestation of one index: it needs no index list.
type singleVote struct {
	v   uint32
	sig crypto.Signature
	seq uint64
}

// voteRef names the stored attestation that proves a validator signed a
// data: an aggregate, or (agg nil) the single vote of validator v. It is
// comparable, so that candidates are collected once each.
type voteRef struct {
	d   *voteData
	agg *storedAgg
	v   consensus.ValidatorIndex
	sig crypto.Signature
	seq uint64
}

// indexed returns a copy of the referred attestation.
func (r *voteRef) indexed() consensus.IndexedAttestation {
	if r.agg != nil {
		idx := r.agg.list()
		if r.agg.packed == nil {
			idx = slices.Clone(idx)
		}
		return consensus.IndexedAttestation{AttestingIndices: idx, Data: r.d.data, Signature: r.agg.sig}
	}
	return consensus.IndexedAttestation{AttestingIndices: []consensus.ValidatorIndex{r.v}, Data: r.d.data, Signature: r.sig}
}

// intersect returns the sorted validators that both ia and the referred
// attestation hold.
func (r *voteRef) intersect(ia *consensus.IndexedAttestation) []consensus.ValidatorIndex {
	if r.agg != nil {
		return intersect(ia.AttestingIndices, r.agg.list())
	}
	return intersect(ia.AttestingIndices, []consensus.ValidatorIndex{r.v})
}

// hasIndex reports whether the sorted list idx holds v.
func hasIndex(idx []consensus.ValidatorIndex, v consensus.ValidatorIndex) bool {
	_, ok := slices.BinarySearch(idx, v)
	return ok
}

// ref returns the stored attestation that v's vote for d refers to: the
// first aggregate (largest, then oldest) that contains v, else v's single
// vote. v must have voted for d.
func (d *voteData) ref(v consensus.ValidatorIndex) voteRef {
	for _, a := range d.aggs {
		if a.has(v) {
			return voteRef{d: d, agg: a}
		}
	}
	if d.singleAt == nil {
		d.singleAt = make(map[consensus.ValidatorIndex]int32, len(d.singles))
		for i := range d.singles {
			d.singleAt[consensus.ValidatorIndex(d.singles[i].v)] = int32(i)
		}
	}
	i, ok := d.singleAt[v]
	if !ok {
		panic("agents: slasher vote without a stored attestation")
	}
	sv := &d.singles[i]
	return voteRef{d: d, v: v, sig: sv.sig, seq: sv.seq}
}

// inAggOfSize reports whether an aggregate of d with at least size indices
// contains v: then v's vote already refers to one at least that large.
func (d *voteData) inAggOfSize(v consensus.ValidatorIndex, size int) bool {
	for _, a := range d.aggs {
		if a.size() < size {
			return false
		}
		if a.has(v) {
			return true
		}
	}
	return false
}

// addSingle stores a single vote of v; spare is an empty list to grow
// into when d has none.
func (d *voteData) addSingle(v consensus.ValidatorIndex, sig crypto.Signature, seq uint64, spare *[]singleVote) {
	if d.singles == nil && *spare != nil {
		d.singles, *spare = *spare, nil
	}
	d.singles = append(d.singles, singleVote{v: uint32(v), sig: sig, seq: seq})
	if d.singleAt != nil {
		d.singleAt[v] = int32(len(d.singles) - 1)
	}
}

// addAgg stores an aggregate, newer than every stored one, and drops the
// single votes and aggregates that no validator's vote refers to any more.
// A list of single votes that empties goes to spare, if larger.
func (d *voteData) addAgg(a *storedAgg, spare *[]singleVote) {
	i := len(d.aggs)
	for i > 0 && d.aggs[i-1].size() < a.size() {
		i--
	}
	d.aggs = slices.Insert(d.aggs, i, a)
	if len(d.singles) > 0 {
		d.dropSingles(a.indices, spare)
	}
	d.dropUnreferenced(i)
}

// dropSingles drops the single votes of the validators in idx, and gives
// back the memory when few are left (to spare, if none are and it is
// larger: the next slot's votes grow into it).
func (d *voteData) dropSingles(idx []consensus.ValidatorIndex, spare *[]singleVote) {
	kept := d.singles[:0]
	for _, sv := range d.singles {
		if !hasIndex(idx, consensus.ValidatorIndex(sv.v)) {
			kept = append(kept, sv)
		}
	}
	if len(kept) == len(d.singles) {
		return
	}
	clear(d.singles[len(kept):])
	d.singleAt = nil
	switch {
	case len(kept) == 0:
		if cap(kept) > cap(*spare) {
			*spare = kept
		}
		d.singles = nil
	case len(kept) < cap(d.singles)/4:
		d.singles = slices.Clone(kept)
	default:
		d.singles = kept
	}
}

// dropUnreferenced drops the aggregates after position i (the one just
// added) whose every index is in an aggregate before them: no vote refers
// to them, and none ever will.
func (d *voteData) dropUnreferenced(i int) {
	kept := d.aggs[:i+1]
	for _, b := range d.aggs[i+1:] {
		if !coveredBy(b.list(), d.aggs[i], kept) {
			kept = append(kept, b)
		}
	}
	clear(d.aggs[len(kept):])
	d.aggs = kept
}

// coveredBy reports whether every index in idx is in first or in one of
// aggs (first is tried first: a newer aggregate usually holds the older).
func coveredBy(idx []consensus.ValidatorIndex, first *storedAgg, aggs []*storedAgg) bool {
	for _, v := range idx {
		if first.has(v) {
			continue
		}
		if !slices.ContainsFunc(aggs, func(a *storedAgg) bool { return a.has(v) }) {
			return false
		}
	}
	return true
}

// votesOf returns the data ids validator v voted for; one is scratch space
// for the common case of a single vote.
func (ep *epochVotes) votesOf(v consensus.ValidatorIndex, one *[1]uint32) []uint32 {
	if uint64(v) >= uint64(len(ep.ids)) {
		return nil
	}
	switch id := ep.ids[v]; id {
	case 0:
		return nil
	case manyVotes:
		return ep.extra[v]
	default:
		one[0] = uint32(id) - 1
		return one[:]
	}
}

// addVote records that v voted for data id.
func (ep *epochVotes) addVote(v consensus.ValidatorIndex, id uint32) {
	if n := int(v) + 1; n > len(ep.ids) {
		if n > cap(ep.ids) {
			ep.ids = slices.Grow(ep.ids, n-len(ep.ids))
		}
		ep.ids = ep.ids[:n] // beyond len the array is zero (see releaseEpoch)
	}
	cur := ep.ids[v]
	if cur == 0 && id+1 < manyVotes {
		ep.ids[v] = uint8(id + 1)
		return
	}
	if ep.extra == nil {
		ep.extra = make(map[consensus.ValidatorIndex][]uint32)
	}
	if cur != 0 && cur != manyVotes {
		ep.extra[v] = []uint32{uint32(cur) - 1}
	}
	ep.extra[v] = append(ep.extra[v], id)
	ep.ids[v] = manyVotes
}

// dataID returns the id of data in ep, if it has one.
func (ep *epochVotes) dataID(data *consensus.AttestationData) (uint32, bool) {
	id, ok := ep.byData[*data]
	return id, ok
}

// addData gives data (with its root) an id in ep.
func (ep *epochVotes) addData(data *consensus.AttestationData, root consensus.Root) uint32 {
	id := uint32(len(ep.data))
	ep.data = append(ep.data, &voteData{data: *data, root: root})
	ep.byData[*data] = id
	if id == 0 || data.Source.Epoch < ep.minSource {
		ep.minSource = data.Source.Epoch
	}
	if id == 0 || data.Source.Epoch > ep.maxSource {
		ep.maxSource = data.Source.Epoch
	}
	return id
}

// order is the referred attestation's storage order.
func (r *voteRef) order() uint64 {
	if r.agg != nil {
		return r.agg.seq
	}
	return r.seq
}

// voteQuery is the observation in progress: the vote's epochs, where its
// data is stored, and the conflicting attestations found so far.
type voteQuery struct {
	source, target consensus.Epoch
	ep             *epochVotes // the target epoch, nil while it has no votes
	d              *voteData   // the data in ep, nil while not stored
	id             uint32      // d's id in ep
	// others are the epochs other than the target with data that may
	// surround the vote or be surrounded by it, for othersKey.
	others    []*epochVotes
	othersKey [3]uint64 // source, target, Slasher.layout
	cands     []voteRef
	seen      map[voteRef]struct{}
}

// admit moves the window to data's target and reports whether the vote is
// inside it (and its epochs within maxSlasherEpoch).
func (s *Slasher) admit(data *consensus.AttestationData) bool {
	source, target := data.Source.Epoch, data.Target.Epoch
	if source > maxSlasherEpoch || target > maxSlasherEpoch {
		return false
	}
	s.advanceVotes(target)
	return target >= s.voteCutoff()
}

// beginQuery starts the observation of a vote with data.
func (s *Slasher) beginQuery(data *consensus.AttestationData) *voteQuery {
	q := &s.q
	q.source, q.target = data.Source.Epoch, data.Target.Epoch
	q.d, q.id = nil, 0
	if s.lastEp != nil && s.lastEp.target == q.target {
		q.ep = s.lastEp
	} else {
		q.ep = s.epochOf(q.target)
	}
	q.cands = q.cands[:0]
	q.seen = nil
	if q.ep != nil {
		if q.ep == s.lastEp && *data == s.lastData {
			q.d, q.id = q.ep.data[s.lastID], s.lastID
		} else if id, ok := q.ep.dataID(data); ok {
			q.d, q.id = q.ep.data[id], id
			s.lastEp, s.lastData, s.lastID = q.ep, *data, id
		}
	}
	if key := [3]uint64{uint64(q.source), uint64(q.target), s.layout}; key != q.othersKey || q.others == nil {
		q.others, q.othersKey = s.surroundEpochs(q.source, q.target, q.others[:0]), key
	}
	return q
}

// surroundEpochs appends to out the epochs other than target holding data
// that a vote (source, target) may surround or be surrounded by.
func (s *Slasher) surroundEpochs(source, target consensus.Epoch, out []*epochVotes) []*epochVotes {
	for _, ep := range s.epochs {
		if (ep.target > target && ep.minSource < source) || (ep.target < target && ep.maxSource > source) {
			out = append(out, ep)
		}
	}
	if out == nil {
		out = []*epochVotes{}
	}
	return out
}

// scanVoter looks up v's votes for the query: whether one is for the same
// data (dup; then nothing else is done), how many others share its target,
// and it adds to q.cands the stored attestations of v's conflicting votes.
func (s *Slasher) scanVoter(q *voteQuery, v consensus.ValidatorIndex) (dup bool, count int) {
	var one [1]uint32
	if q.ep != nil {
		ids := q.ep.votesOf(v, &one)
		if q.d != nil && slices.Contains(ids, q.id) {
			return true, 0
		}
		for _, id := range ids {
			q.add(q.ep.data[id].ref(v)) // a double vote: same target, other data
		}
		count = len(ids)
	}
	for _, ep := range q.others {
		for _, id := range ep.votesOf(v, &one) {
			d := ep.data[id]
			rs, rt := d.data.Source.Epoch, ep.target
			if (rs < q.source && q.target < rt) || (q.source < rs && rt < q.target) {
				q.add(d.ref(v))
			}
		}
	}
	return false, count
}

// add adds a candidate once.
func (q *voteQuery) add(r voteRef) {
	if q.seen == nil {
		q.seen = make(map[voteRef]struct{})
	}
	if _, ok := q.seen[r]; !ok {
		q.seen[r] = struct{}{}
		q.cands = append(q.cands, r)
	}
}

// finish returns the evidence of ia against the query's candidates.
func (s *Slasher) finish(q *voteQuery, ia *consensus.IndexedAttestation) []Evidence {
	var root consensus.Root
	if q.d != nil {
		root = q.d.root
	} else {
		root = ia.Data.Root()
	}
	ev := s.evidence(ia, root, q.cands)
	clear(q.cands)
	q.seen = nil
	return ev
}

// takeSeq returns the next storage order.
func (s *Slasher) takeSeq() uint64 {
	s.nextSeq++
	return s.nextSeq - 1
}

// dataFor returns the query's data in its epoch, storing both if new.
func (s *Slasher) dataFor(q *voteQuery, data *consensus.AttestationData) *voteData {
	if q.ep == nil {
		q.ep = s.newEpoch(q.target)
	}
	if q.d == nil {
		q.id = q.ep.addData(data, data.Root())
		q.d = q.ep.data[q.id]
		s.lastEp, s.lastData, s.lastID = q.ep, *data, q.id
		s.layout++
	}
	return q.d
}

// epochOf returns the votes of target epoch t, or nil.
func (s *Slasher) epochOf(t consensus.Epoch) *epochVotes {
	if i, ok := s.epochIndex(t); ok {
		return s.epochs[i]
	}
	return nil
}

func (s *Slasher) epochIndex(t consensus.Epoch) (int, bool) {
	return slices.BinarySearchFunc(s.epochs, t, func(ep *epochVotes, t consensus.Epoch) int {
		return cmp.Compare(ep.target, t)
	})
}

// newEpoch adds target epoch t, reusing a pruned epoch's array.
func (s *Slasher) newEpoch(t consensus.Epoch) *epochVotes {
	ep := &epochVotes{target: t, byData: make(map[consensus.AttestationData]uint32)}
	if n := len(s.spare); n > 0 {
		ep.ids, s.spare = s.spare[n-1], s.spare[:n-1]
	}
	i, _ := s.epochIndex(t)
	s.epochs = slices.Insert(s.epochs, i, ep)
	s.layout++
	return ep
}
