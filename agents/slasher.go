package agents

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"slices"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// Offences named by Evidence.Offence.
const (
	OffenceDoubleVote     = "double_vote"
	OffenceSurroundVote   = "surround_vote"
	OffenceDoubleProposal = "double_proposal"
)

const (
	// DefaultHistoryEpochs is the vote window of NewSlasher(0).
	DefaultHistoryEpochs = 64
	// maxHistoryEpochs bounds the window so that the header window in
	// slots cannot overflow.
	maxHistoryEpochs = 1 << 32
	// maxVotesPerTarget bounds how many distinct votes of one validator for
	// one target epoch are kept. One second vote already proves a double
	// vote; keeping a few more only lets later evidence pair with them.
	// Votes over the bound are still checked, just not stored.
	maxVotesPerTarget = 8
	// headerSlotsPerEpoch converts the window to slots for block headers,
	// which carry only a slot and the slasher has no Config. It is the
	// largest SLOTS_PER_EPOCH of the presets (mainnet), so headers are kept
	// for at least the window in every preset.
	headerSlotsPerEpoch = 32
	// PoolLimit bounds the evidence pool; past it Add drops the oldest entry.
	PoolLimit = 4096
)

// Evidence is one finding of a Slasher: a slashing operation ready to be put
// in a block, and the validators it proves guilty.
type Evidence struct {
	// Offence is OffenceDoubleVote, OffenceSurroundVote or OffenceDoubleProposal.
	Offence string
	// Validators are those the evidence proves guilty, sorted: the
	// intersection of the two attestations' indices, or the proposer.
	Validators []consensus.ValidatorIndex
	// Exactly one of Attester and Proposer is set.
	Attester *consensus.AttesterSlashing
	Proposer *consensus.ProposerSlashing
}

// maxSlasherEpoch bounds the epochs of the data the slasher stores.
const maxSlasherEpoch = 1<<32 - 1

// pairKey names an unordered pair of data roots (a < b bytewise).
type pairKey struct{ a, b consensus.Root }

func makePairKey(x, y consensus.Root) pairKey {
	if bytes.Compare(x[:], y[:]) > 0 {
		x, y = y, x
	}
	return pairKey{x, y}
}

type headerKey struct {
	proposer consensus.ValidatorIndex
	slot     consensus.Slot
}

// headerRec is the first header seen for one (proposer, slot).
type headerRec struct {
	first    consensus.SignedBeaconBlockHeader
	reported bool
}

type poolEntry struct {
	key [32]byte
	ev  Evidence
}

// Slasher watches the attestations and block headers that reach one view
// group and finds double votes, surround votes and double proposals, and
// keeps a pool of evidence for the group's proposers.
//
// Memory. An IndexedAttestation is stored once, when it adds a vote or is
// larger than what a vote of its validators refers to, and each validator
// has one vote per data root it signed, referring
// to the largest stored attestation seen with that data (ties: the one
// stored first), so that evidence slashes as many validators at once as
// the observed aggregates allow. A vote seen again, by gossip and then
// inside block aggregates, adds nothing. Votes are kept while their target
// epoch is within the window of the newest target seen (NewSlasher), which
// is all the surround test needs; older votes are dropped, and a vote that
// arrives already older than the window is ignored. A vote with a
// far-future target therefore moves the window and drops the history: feed
// only votes that passed gossip or block validation. At most
// maxVotesPerTarget distinct votes are kept per validator and target epoch.
//
// Votes are stored per target epoch (see epochVotes): a table of the
// epoch's distinct data, and one byte per validator up to the largest one
// that voted, naming its data (a validator with several votes in the epoch,
// or an epoch with more than 254 data, takes a map entry instead). A
// stored single vote costs 24 bytes until an aggregate with its data and
// validator is stored, which replaces it; an aggregate costs its index list
// (kept without a copy by ObserveSharedAttestation) until a larger one
// holds all its validators, and packAfter epochs behind the newest target
// the list is packed (see packedIndices: little more than a byte an index
// for a committee's). So an honest validator whose votes reach the slasher
// in aggregates costs about two or three bytes per epoch of the window, and
// ObserveVote stores a single vote with no allocation of its own; the
// epochs' arrays are reused as the window moves, so nothing grows with the
// epochs run. Data with an epoch beyond 2^32-1 or a validator index from
// 2^24 are ignored. Block headers are kept for the window in slots (see
// headerSlotsPerEpoch). The pool holds at most PoolLimit entries.
//
// Pool. ObserveAttestation and ObserveHeader return new evidence and do not
// put it in the pool: the caller hands it to Add, of this slasher or of
// others (evidence travels over the network like any message). Add ignores
// evidence it already holds, so the same finding may be added from several
// sources. ForBlock reads the pool and removes evidence that can never be
// included again.
//
// Signatures. The slasher neither signs nor verifies: it copies the
// IndexedAttestations and headers it is given, signatures included, into
// its evidence. A caller that feeds it unsigned votes (BLS off, or signing
// later) gets evidence with those signatures, which block processing with a
// real Verifier rejects; it must sign or aggregate them itself.
//
// A Slasher is not safe for concurrent use; all its results are
// deterministic functions of the sequence of calls.
type Slasher struct {
	historyEpochs uint64

	// Attestations.
	votesSeen bool
	newest    consensus.Epoch // newest target epoch seen (or passed to Prune)
	// epochs are the target epochs with votes stored, oldest first.
	epochs []*epochVotes
	// spare holds cleared ids arrays of pruned epochs for the next ones,
	// and spareSingles an emptied list of single votes for the next data.
	spare        [][]uint8
	spareSingles []singleVote
	// layout counts changes of epochs or of their source bounds, which
	// invalidate q.others.
	layout uint64
	// lastEp, lastData and lastID are the last data looked up: votes
	// arrive committee by committee, most with the data of the one before.
	lastEp   *epochVotes
	lastData consensus.AttestationData
	lastID   uint32
	nextSeq  uint64 // storage order of attestations
	q        voteQuery
	fresh    []consensus.ValidatorIndex // scratch of observe
	// covered[e][pair] is the set of validators that evidence already
	// produced for the pair of data roots proves guilty; e is the older
	// target epoch of the pair, so the entry goes when that vote does.
	covered map[consensus.Epoch]map[pairKey]map[consensus.ValidatorIndex]struct{}

	// Headers.
	headersSeen bool
	newestSlot  consensus.Slot
	sweptCutoff consensus.Slot
	headers     map[headerKey]*headerRec

	// Pool, in the order added.
	pool     []poolEntry
	poolKeys map[[32]byte]struct{}
}

// NewSlasher returns a slasher that keeps votes whose target epoch is within
// historyEpochs of the newest target seen (0 means DefaultHistoryEpochs).
func NewSlasher(historyEpochs uint64) *Slasher {
	if historyEpochs == 0 {
		historyEpochs = DefaultHistoryEpochs
	}
	historyEpochs = min(historyEpochs, maxHistoryEpochs)
	return &Slasher{
		historyEpochs: historyEpochs,
		covered:       make(map[consensus.Epoch]map[pairKey]map[consensus.ValidatorIndex]struct{}),
		headers:       make(map[headerKey]*headerRec),
		poolKeys:      make(map[[32]byte]struct{}),
	}
}

// voteCutoff is the oldest target epoch kept.
func (s *Slasher) voteCutoff() consensus.Epoch {
	if uint64(s.newest) < s.historyEpochs {
		return 0
	}
	return s.newest - consensus.Epoch(s.historyEpochs) + 1
}

// advanceVotes moves the newest epoch forward to e and drops what fell out
// of the window.
func (s *Slasher) advanceVotes(e consensus.Epoch) {
	if s.votesSeen && e <= s.newest {
		return
	}
	before := s.voteCutoff()
	s.newest, s.votesSeen = e, true
	if s.voteCutoff() != before {
		s.pruneVotes()
	}
	s.packEpochs()
}

// pruneVotes drops votes and coverage records older than the window. Map
// iteration order does not matter here: each entry is filtered on its own.
func (s *Slasher) pruneVotes() {
	cutoff := s.voteCutoff()
	kept := s.epochs[:0]
	for _, ep := range s.epochs {
		if ep.target >= cutoff {
			kept = append(kept, ep)
			continue
		}
		clear(ep.ids)
		if len(s.spare) < 2 {
			s.spare = append(s.spare, ep.ids[:0])
		}
	}
	clear(s.epochs[len(kept):])
	s.epochs = kept
	s.lastEp = nil
	s.layout++
	for e := range s.covered {
		if e < cutoff {
			delete(s.covered, e)
		}
	}
}

// Prune drops the votes older than the window counted back from
// currentEpoch (or from the newest target seen, if that is later). Votes
// are also pruned as newer targets arrive; Prune is for a caller that wants
// memory released while no votes arrive. Headers are pruned by
// ObserveHeader, by slot.
func (s *Slasher) Prune(currentEpoch consensus.Epoch) {
	s.advanceVotes(currentEpoch)
}

// maxSlasherValidators bounds the validator indices a slasher stores
// votes for (its history is indexed densely), as fork choice's does.
const maxSlasherValidators = 1 << 24

// validIndices reports whether idx is non-empty, sorted and unique, as
// is_valid_indexed_attestation requires, and within maxSlasherValidators;
// the slasher ignores anything else.
func validIndices(idx []consensus.ValidatorIndex) bool {
	if len(idx) == 0 || idx[len(idx)-1] >= maxSlasherValidators {
		return false
	}
	for i := 1; i < len(idx); i++ {
		if idx[i-1] >= idx[i] {
			return false
		}
	}
	return true
}

func copyIndexed(ia *consensus.IndexedAttestation) consensus.IndexedAttestation {
	c := *ia
	c.AttestingIndices = slices.Clone(ia.AttestingIndices)
	return c
}

// intersect returns the sorted intersection of two sorted, unique lists.
func intersect(x, y []consensus.ValidatorIndex) []consensus.ValidatorIndex {
	var out []consensus.ValidatorIndex
	for len(x) > 0 && len(y) > 0 {
		switch {
		case x[0] < y[0]:
			x = x[1:]
		case x[0] > y[0]:
			y = y[1:]
		default:
			out = append(out, x[0])
			x, y = x[1:], y[1:]
		}
	}
	return out
}

// ObserveAttestation records an indexed attestation (a single gossip vote
// has one index, a block aggregate many) and returns the new evidence it
// reveals: one AttesterSlashing per stored attestation that conflicts with
// it (a double vote, or a surround vote either way), whose intersection
// holds every validator that conflicts through that pair. Candidates are
// taken largest intersection first (ties: the attestation stored first), and
// evidence for a pair of data roots that proves no validator guilty beyond
// what earlier evidence for the same pair did is not produced again. The
// attestation must have sorted, unique, non-empty indices (else it is
// ignored); its signature is copied, not checked.
//
// Two attestations conflict when is_slashable_attestation_data holds in one
// order, and that order is the one the AttesterSlashing uses.
//
// Spec definition:
//
//	def is_slashable_attestation_data(data_1: AttestationData, data_2: AttestationData) -> bool:
//	    return (
//	        # Double vote
//	        (data_1 != data_2 and data_1.target.epoch == data_2.target.epoch)
//	        # Surround vote
//	        or (data_1.source.epoch < data_2.source.epoch and data_2.target.epoch < data_1.target.epoch)
//	    )
func (s *Slasher) ObserveAttestation(ia *consensus.IndexedAttestation) []Evidence {
	return s.observe(ia, false)
}

// ObserveSharedAttestation is ObserveAttestation for an attestation whose
// indices the caller never modifies: the slasher keeps them instead of a
// copy while the block database holds them too (packAfter epochs behind the
// newest target, it packs them), so that the slashers that see one block
// aggregate (every view's and the auditor) hold one list of its indices
// between them.
func (s *Slasher) ObserveSharedAttestation(ia *consensus.IndexedAttestation) []Evidence {
	return s.observe(ia, true)
}

// ObserveVote is ObserveAttestation for a single vote: the attestation with
// the one index v, data and sig (the zero signature when unsigned). The
// vote is stored without any allocation of its own, and the
// IndexedAttestation is built only for evidence, so gossip votes cost the
// caller nothing either. An index from 2^24 is ignored.
func (s *Slasher) ObserveVote(v consensus.ValidatorIndex, data *consensus.AttestationData, sig crypto.Signature) []Evidence {
	if data == nil || v >= maxSlasherValidators || !s.admit(data) {
		return nil
	}
	q := s.beginQuery(data)
	dup, count := s.scanVoter(q, v)
	if !dup && count < maxVotesPerTarget {
		d := s.dataFor(q, data)
		d.addSingle(v, sig, s.takeSeq(), &s.spareSingles)
		q.ep.addVote(v, q.id)
	}
	if len(q.cands) == 0 {
		return nil
	}
	ia := consensus.IndexedAttestation{AttestingIndices: []consensus.ValidatorIndex{v}, Data: *data, Signature: sig}
	return s.finish(q, &ia)
}

// observe is ObserveAttestation; shared tells whether the indices may be
// kept without a copy. A validator whose vote for this data is already
// stored (the vote seen again, by gossip or in another aggregate) cannot
// reveal anything new: when that vote was stored, every conflict with it
// was found and its evidence covered the validator. So only new votes are
// checked. The attestation is stored when it adds a vote, or is larger
// than every stored one of its data that holds one of its validators (their
// votes then refer to it).
func (s *Slasher) observe(ia *consensus.IndexedAttestation, shared bool) []Evidence {
	if ia == nil || !validIndices(ia.AttestingIndices) || !s.admit(&ia.Data) {
		return nil
	}
	q := s.beginQuery(&ia.Data)
	idx := ia.AttestingIndices
	store := false
	fresh := s.fresh[:0]
	for _, v := range idx {
		dup, count := s.scanVoter(q, v)
		switch {
		case dup:
			store = store || (len(idx) > 1 && !q.d.inAggOfSize(v, len(idx)))
		case count < maxVotesPerTarget:
			store = true
			fresh = append(fresh, v)
		}
	}
	s.fresh = fresh[:0]
	if store {
		d, seq := s.dataFor(q, &ia.Data), s.takeSeq()
		if len(idx) == 1 {
			d.addSingle(idx[0], ia.Signature, seq, &s.spareSingles)
		} else {
			if !shared {
				idx = slices.Clone(idx)
			}
			d.addAgg(&storedAgg{indices: idx, sig: ia.Signature, seq: seq}, &s.spareSingles)
			q.ep.loose = true
		}
		for _, v := range fresh {
			q.ep.addVote(v, q.id)
		}
	}
	if len(q.cands) == 0 {
		return nil
	}
	return s.finish(q, ia)
}

// evidence is the slashing evidence of ia against the conflicting stored
// attestations cands: the largest intersections first (ties: the one
// stored first), each only if it covers a validator no earlier evidence
// for the same pair of data did.
func (s *Slasher) evidence(ia *consensus.IndexedAttestation, root consensus.Root, cands []voteRef) []Evidence {
	data := &ia.Data
	target := data.Target.Epoch
	type cand struct {
		ref   *voteRef
		inter []consensus.ValidatorIndex
	}
	cs := make([]cand, len(cands))
	for i := range cands {
		cs[i] = cand{ref: &cands[i], inter: cands[i].intersect(ia)}
	}
	slices.SortFunc(cs, func(x, y cand) int {
		if c := cmp.Compare(len(y.inter), len(x.inter)); c != 0 {
			return c
		}
		return cmp.Compare(x.ref.order(), y.ref.order())
	})
	var out []Evidence
	for _, c := range cs {
		other := &c.ref.d.data
		if !s.cover(min(target, other.Target.Epoch), makePairKey(root, c.ref.d.root), c.inter) {
			continue
		}
		as := &consensus.AttesterSlashing{Attestation1: copyIndexed(ia), Attestation2: c.ref.indexed()}
		if consensus.IsSlashableAttestationData(other, data) {
			as.Attestation1, as.Attestation2 = as.Attestation2, as.Attestation1
		}
		offence := OffenceSurroundVote
		if other.Target.Epoch == target {
			offence = OffenceDoubleVote
		}
		out = append(out, Evidence{Offence: offence, Validators: c.inter, Attester: as})
	}
	return out
}

// cover records that evidence for the pair pk, whose older target is
// older, proves inter guilty, and reports whether that is news: whether
// inter holds a validator no earlier evidence for the pair did.
func (s *Slasher) cover(older consensus.Epoch, pk pairKey, inter []consensus.ValidatorIndex) bool {
	byPair := s.covered[older]
	if byPair == nil {
		byPair = make(map[pairKey]map[consensus.ValidatorIndex]struct{})
		s.covered[older] = byPair
	}
	cov := byPair[pk]
	if cov == nil {
		cov = make(map[consensus.ValidatorIndex]struct{})
		byPair[pk] = cov
	}
	fresh := false
	for _, v := range inter {
		if _, ok := cov[v]; !ok {
			fresh = true
			cov[v] = struct{}{}
		}
	}
	return fresh
}

// headerCutoff is the oldest header slot kept.
func (s *Slasher) headerCutoff() consensus.Slot {
	w := consensus.Slot(s.historyEpochs * headerSlotsPerEpoch)
	if s.newestSlot < w {
		return 0
	}
	return s.newestSlot - w + 1
}

// ObserveHeader records a signed block header. A second header by the same
// proposer for the same slot that differs from the first gives a
// ProposerSlashing of the two, once per proposer and slot; the same header
// seen again (with any signature) gives nothing.
//
// Spec definition (the conditions the evidence meets):
//
//	def process_proposer_slashing(state: BeaconState, proposer_slashing: ProposerSlashing) -> None:
//	    header_1 = proposer_slashing.signed_header_1.message
//	    header_2 = proposer_slashing.signed_header_2.message
//
//	    # Verify header slots match
//	    assert header_1.slot == header_2.slot
//	    # Verify header proposer indices match
//	    assert header_1.proposer_index == header_2.proposer_index
//	    # Verify the headers are different
//	    assert header_1 != header_2
//	    ...
func (s *Slasher) ObserveHeader(h *consensus.SignedBeaconBlockHeader) []Evidence {
	if h == nil {
		return nil
	}
	slot := h.Message.Slot
	if !s.headersSeen || slot > s.newestSlot {
		s.newestSlot, s.headersSeen = slot, true
		// Sweep once per headerSlotsPerEpoch slots of progress.
		if c := s.headerCutoff(); c >= s.sweptCutoff+headerSlotsPerEpoch {
			for k := range s.headers {
				if k.slot < c {
					delete(s.headers, k)
				}
			}
			s.sweptCutoff = c
		}
	}
	if slot < s.headerCutoff() {
		return nil
	}
	k := headerKey{proposer: h.Message.ProposerIndex, slot: slot}
	rec := s.headers[k]
	if rec == nil {
		s.headers[k] = &headerRec{first: *h}
		return nil
	}
	if rec.reported || rec.first.Message == h.Message {
		return nil
	}
	rec.reported = true
	return []Evidence{{
		Offence:    OffenceDoubleProposal,
		Validators: []consensus.ValidatorIndex{k.proposer},
		Proposer:   &consensus.ProposerSlashing{SignedHeader1: rec.first, SignedHeader2: *h},
	}}
}

// normalize checks that ev is well-formed evidence (exactly one operation,
// meeting the state-independent conditions of process_*_slashing) and
// returns a private deep copy whose Offence and Validators are recomputed
// from the operation, with its pool key.
func normalize(ev *Evidence) (Evidence, [32]byte, bool) {
	h := sha256.New()
	var buf [8]byte
	u64 := func(x uint64) {
		binary.LittleEndian.PutUint64(buf[:], x)
		h.Write(buf[:])
	}
	switch {
	case ev.Attester != nil && ev.Proposer == nil:
		a1, a2 := &ev.Attester.Attestation1, &ev.Attester.Attestation2
		if !validIndices(a1.AttestingIndices) || !validIndices(a2.AttestingIndices) ||
			!consensus.IsSlashableAttestationData(&a1.Data, &a2.Data) {
			return Evidence{}, [32]byte{}, false
		}
		inter := intersect(a1.AttestingIndices, a2.AttestingIndices)
		if len(inter) == 0 {
			return Evidence{}, [32]byte{}, false
		}
		out := Evidence{
			Offence:    OffenceSurroundVote,
			Validators: inter,
			Attester:   &consensus.AttesterSlashing{Attestation1: copyIndexed(a1), Attestation2: copyIndexed(a2)},
		}
		if a1.Data.Target.Epoch == a2.Data.Target.Epoch {
			out.Offence = OffenceDoubleVote
		}
		// The key covers data and indices, not signatures, and does not
		// depend on the order of the two attestations.
		k1, k2 := indexedKey(a1), indexedKey(a2)
		if bytes.Compare(k1[:], k2[:]) > 0 {
			k1, k2 = k2, k1
		}
		h.Write([]byte{'A'})
		h.Write(k1[:])
		h.Write(k2[:])
		var key [32]byte
		h.Sum(key[:0])
		return out, key, true
	case ev.Proposer != nil && ev.Attester == nil:
		h1, h2 := &ev.Proposer.SignedHeader1.Message, &ev.Proposer.SignedHeader2.Message
		if h1.Slot != h2.Slot || h1.ProposerIndex != h2.ProposerIndex || *h1 == *h2 {
			return Evidence{}, [32]byte{}, false
		}
		ps := *ev.Proposer
		out := Evidence{
			Offence:    OffenceDoubleProposal,
			Validators: []consensus.ValidatorIndex{h1.ProposerIndex},
			Proposer:   &ps,
		}
		r1, r2 := h1.Root(), h2.Root()
		if bytes.Compare(r1[:], r2[:]) > 0 {
			r1, r2 = r2, r1
		}
		h.Write([]byte{'P'})
		h.Write(r1[:])
		h.Write(r2[:])
		u64(uint64(h1.ProposerIndex))
		var key [32]byte
		h.Sum(key[:0])
		return out, key, true
	}
	return Evidence{}, [32]byte{}, false
}

// indexedKey commits to an indexed attestation's data and indices.
func indexedKey(ia *consensus.IndexedAttestation) [32]byte {
	h := sha256.New()
	r := ia.Data.Root()
	h.Write(r[:])
	b := make([]byte, 0, 8*(len(ia.AttestingIndices)+1))
	b = binary.LittleEndian.AppendUint64(b, uint64(len(ia.AttestingIndices)))
	for _, v := range ia.AttestingIndices {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	h.Write(b)
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// Add puts evidence in the pool. Malformed evidence (not exactly one
// operation set, indices not sorted and unique, data or headers that are no
// offence, empty intersection) and evidence already in the pool are
// ignored. Offence and Validators are recomputed from the operation, and the
// pool keeps its own copies. Past PoolLimit entries the oldest is dropped.
func (s *Slasher) Add(ev []Evidence) {
	for i := range ev {
		e, key, ok := normalize(&ev[i])
		if !ok {
			continue
		}
		if _, dup := s.poolKeys[key]; dup {
			continue
		}
		s.poolKeys[key] = struct{}{}
		s.pool = append(s.pool, poolEntry{key: key, ev: e})
		if len(s.pool) > PoolLimit {
			delete(s.poolKeys, s.pool[0].key)
			s.pool = slices.Delete(s.pool, 0, 1)
		}
	}
}

// PoolSize is the number of evidence entries in the pool.
func (s *Slasher) PoolSize() int { return len(s.pool) }

// slashableNow reports whether v is in st's registry and slashable at
// epoch (now), and whether it can never be slashed on st's chain again
// (never: slashed, or past its withdrawable epoch). A validator not yet
// active, or not yet in the registry, may still become slashable.
func slashableNow(st *consensus.State, v consensus.ValidatorIndex, epoch consensus.Epoch) (now, never bool) {
	if uint64(v) >= uint64(len(st.Validators)) {
		return false, false
	}
	val := &st.Validators[v]
	if val.Slashed || epoch >= val.WithdrawableEpoch {
		return false, true
	}
	return consensus.IsSlashableValidator(val, epoch), false
}

func inRegistry(st *consensus.State, ia *consensus.IndexedAttestation) bool {
	idx := ia.AttestingIndices
	return len(idx) > 0 && uint64(idx[len(idx)-1]) < uint64(len(st.Validators))
}

// ForBlock returns the slashings that a block built on st should carry. st
// is the state the block applies to, already advanced to the block's slot
// (as for consensus.BlockTemplate). It selects at most
// cfg.MaxProposerSlashings proposer slashings and cfg.MaxAttesterSlashings
// attester slashings, only ones that process_proposer_slashing and
// process_attester_slashing accept on st (signatures apart, see Slasher) in
// the order the block processes them: proposer slashings first, each
// slashing a proposer not slashed by an earlier one, then attester
// slashings, each with a validator slashable at st's current epoch and not
// slashed by an operation selected before it, and both attestations' indices
// in st's registry. Within each kind it takes greedily the evidence that
// slashes the most still-slashable effective balance (then the most
// validators, then the smallest pool key: ties never depend on the order of
// Add). Evidence of which every validator is slashed, or past its
// withdrawable epoch, on st is dropped from the pool; st's branch is taken
// as final, so after a reorg to a branch where they are not slashed that
// evidence is gone.
//
// Spec definition (the state-dependent checks; see ObserveHeader and
// ObserveAttestation for the others):
//
//	def process_proposer_slashing(state: BeaconState, proposer_slashing: ProposerSlashing) -> None:
//	    ...
//	    # Verify the proposer is slashable
//	    proposer = state.validators[header_1.proposer_index]
//	    assert is_slashable_validator(proposer, get_current_epoch(state))
//	    ...
//
//	def process_attester_slashing(state: BeaconState, attester_slashing: AttesterSlashing) -> None:
//	    ...
//	    assert is_valid_indexed_attestation(state, attestation_1)
//	    assert is_valid_indexed_attestation(state, attestation_2)
//
//	    slashed_any = False
//	    indices = set(attestation_1.attesting_indices).intersection(attestation_2.attesting_indices)
//	    for index in sorted(indices):
//	        if is_slashable_validator(state.validators[index], get_current_epoch(state)):
//	            slash_validator(state, index)
//	            slashed_any = True
//	    assert slashed_any
func (s *Slasher) ForBlock(cfg *consensus.Config, st *consensus.State) ([]consensus.ProposerSlashing, []consensus.AttesterSlashing) {
	if cfg == nil || st == nil || cfg.SlotsPerEpoch == 0 {
		return nil, nil
	}
	epoch := consensus.GetCurrentEpoch(cfg, st)
	s.dropStale(st, epoch)
	p := poolPicker{pool: s.pool, st: st, epoch: epoch, taken: make(map[consensus.ValidatorIndex]struct{})}
	var ps []consensus.ProposerSlashing
	for _, pe := range p.pick(cfg.MaxProposerSlashings, func(pe *poolEntry) bool { return pe.ev.Proposer != nil }) {
		ps = append(ps, *pe.ev.Proposer)
	}
	var as []consensus.AttesterSlashing
	for _, pe := range p.pick(cfg.MaxAttesterSlashings, func(pe *poolEntry) bool {
		a := pe.ev.Attester
		return a != nil && inRegistry(st, &a.Attestation1) && inRegistry(st, &a.Attestation2)
	}) {
		a := pe.ev.Attester
		as = append(as, consensus.AttesterSlashing{Attestation1: copyIndexed(&a.Attestation1), Attestation2: copyIndexed(&a.Attestation2)})
	}
	return ps, as
}

// dropStale removes from the pool the evidence that can never be included
// on st's chain again (none of its validators will be slashable).
func (s *Slasher) dropStale(st *consensus.State, epoch consensus.Epoch) {
	kept := s.pool[:0]
	for _, pe := range s.pool {
		usable := false
		for _, v := range pe.ev.Validators {
			if _, never := slashableNow(st, v, epoch); !never {
				usable = true
				break
			}
		}
		if usable {
			kept = append(kept, pe)
		} else {
			delete(s.poolKeys, pe.key)
		}
	}
	clear(s.pool[len(kept):])
	s.pool = kept
}

// poolPicker chooses a block's slashings from the pool greedily; taken
// holds the validators the operations chosen so far slash.
type poolPicker struct {
	pool  []poolEntry
	st    *consensus.State
	epoch consensus.Epoch
	taken map[consensus.ValidatorIndex]struct{}
}

// score is the still-slashable effective balance and count of pe's
// validators that the operations selected so far leave slashable.
func (p *poolPicker) score(pe *poolEntry) (consensus.Gwei, int) {
	var sum consensus.Gwei
	n := 0
	for _, v := range pe.ev.Validators {
		if _, ok := p.taken[v]; ok {
			continue
		}
		if now, _ := slashableNow(p.st, v, p.epoch); now {
			sum += p.st.Validators[v].EffectiveBalance
			n++
		}
	}
	return sum, n
}

// pick selects up to limit entries of one kind, greedily: the most
// slashable balance first, then the most validators, then the smallest key.
func (p *poolPicker) pick(limit uint64, kind func(*poolEntry) bool) []*poolEntry {
	var out []*poolEntry
	used := make([]bool, len(p.pool))
	for uint64(len(out)) < limit {
		best := p.best(used, kind)
		if best < 0 {
			break
		}
		used[best] = true
		for _, v := range p.pool[best].ev.Validators {
			p.taken[v] = struct{}{}
		}
		out = append(out, &p.pool[best])
	}
	return out
}

// best is the index of the best unused entry of the kind, or -1.
func (p *poolPicker) best(used []bool, kind func(*poolEntry) bool) int {
	best := -1
	var bestSum consensus.Gwei
	bestN := 0
	for i := range p.pool {
		pe := &p.pool[i]
		if used[i] || !kind(pe) {
			continue
		}
		sum, n := p.score(pe)
		if n == 0 {
			continue
		}
		better := best < 0 || sum > bestSum || (sum == bestSum && n > bestN) ||
			(sum == bestSum && n == bestN && bytes.Compare(pe.key[:], p.pool[best].key[:]) < 0)
		if better {
			best, bestSum, bestN = i, sum, n
		}
	}
	return best
}

// Pending returns, sorted, the validators that evidence in the pool proves
// guilty and that are in st's registry but not slashed on st (the
// "slashable stake" still waiting for inclusion). It does not prune the pool.
func (s *Slasher) Pending(st *consensus.State) []consensus.ValidatorIndex {
	if st == nil {
		return nil
	}
	seen := make(map[consensus.ValidatorIndex]struct{})
	var out []consensus.ValidatorIndex
	for i := range s.pool {
		for _, v := range s.pool[i].ev.Validators {
			if uint64(v) >= uint64(len(st.Validators)) || st.Validators[v].Slashed {
				continue
			}
			if _, ok := seen[v]; !ok {
				seen[v] = struct{}{}
				out = append(out, v)
			}
		}
	}
	slices.Sort(out)
	return out
}
