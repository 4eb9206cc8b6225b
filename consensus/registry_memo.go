package consensus

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// registryMemo memoises what the consensus functions derive from a
// registry (State.Validators) alone, per epoch: the active set's
// fingerprint, size and effective balance, and the participation weights
// (participationWeights). A registry shared by copies
// does not change (see State), so its memo serves every state that shares
// it: Copy gives both states the same memo, and MutValidator and
// appendValidator drop a state's memo before it writes. A state without a
// memo (never copied, or written since its last Copy) computes afresh.
// It is safe for concurrent use.
type registryMemo struct {
	mu     sync.Mutex
	epochs map[Epoch]*memoEntry
}

type memoEntry struct {
	once sync.Once
	sum  *activeSummary
	// weights is the epoch's participationWeights, built on first use.
	weightsOnce sync.Once
	weights     *participationWeights
}

// maxMemoEpochs bounds a memo: the rules look at the previous, current and
// next epochs of a state.
const maxMemoEpochs = 4

// activeSummary describes the validators active in one epoch.
type activeSummary struct {
	// hash is the SHA-256 of the active indices (8 bytes LE each), balHash
	// that of their effective balances (8 bytes LE each), in index order.
	hash, balHash Root
	count         uint64
	total         Gwei // sum of effective balances, without the spec's floor
}

// activeSummaryOf returns the summary of epoch's active set, from st's
// memo when it has one.
func activeSummaryOf(st *State, epoch Epoch) *activeSummary {
	m := st.reg
	if m == nil {
		return summarizeActive(st.Validators, epoch)
	}
	e := m.entry(epoch)
	e.once.Do(func() { e.sum = summarizeActive(st.Validators, epoch) })
	return e.sum
}

// entry returns the memo's entry for epoch, creating it (and evicting the
// oldest when the memo is full).
func (m *registryMemo) entry(epoch Epoch) *memoEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.epochs[epoch]
	if !ok {
		if m.epochs == nil {
			m.epochs = make(map[Epoch]*memoEntry)
		}
		if len(m.epochs) >= maxMemoEpochs {
			oldest := epoch
			for e := range m.epochs {
				oldest = min(oldest, e)
			}
			delete(m.epochs, oldest)
		}
		e = &memoEntry{}
		m.epochs[epoch] = e
	}
	return e
}

// participationWeights is what the participation sums need of a registry
// for one epoch, in a compact form so that a pass over the participation
// flags need not read the registry (about 120 bytes a validator).
type participationWeights struct {
	inc Gwei // the effective balance increment weight counts in
	// weight[i] is validator i's effective balance in increments when it is
	// active in the epoch and not slashed, else 0.
	weight []uint16
	// exitQueue counts the validators with an exit epoch set after the
	// epoch.
	exitQueue int
}

// participationWeightsOf returns st's registry's weights for epoch from
// its memo, or nil when st has no memo or some effective balance is not a
// whole number of increments below 2^16 of them (callers then read the
// registry).
func participationWeightsOf(cfg *Config, st *State, epoch Epoch) *participationWeights {
	m := st.reg
	if m == nil {
		return nil
	}
	e := m.entry(epoch)
	e.weightsOnce.Do(func() { e.weights = buildParticipationWeights(cfg, st.Validators, epoch) })
	if w := e.weights; w != nil && w.inc == cfg.EffectiveBalanceIncrement {
		return w
	}
	return nil
}

// buildParticipationWeights computes participationWeights in one pass, or
// returns nil when a weight does not fit.
func buildParticipationWeights(cfg *Config, vals []Validator, epoch Epoch) *participationWeights {
	inc := cfg.EffectiveBalanceIncrement
	if inc == 0 {
		return nil
	}
	w := &participationWeights{inc: inc, weight: make([]uint16, len(vals))}
	for i := range vals {
		v := &vals[i]
		if v.ExitEpoch != FarFutureEpoch && v.ExitEpoch > epoch {
			w.exitQueue++
		}
		if v.Slashed || !IsActiveValidator(v, epoch) {
			continue
		}
		n := v.EffectiveBalance / inc
		if n*inc != v.EffectiveBalance || n > 0xffff {
			return nil
		}
		w.weight[i] = uint16(n)
	}
	return w
}

// summarizeActive computes an activeSummary in one pass, hashing in
// blocks so that no list of the active set is built.
func summarizeActive(vals []Validator, epoch Epoch) *activeSummary {
	const block = 512
	var s activeSummary
	hi, hb := sha256.New(), sha256.New()
	var bi, bb [8 * block]byte
	n := 0
	flush := func() {
		hi.Write(bi[:8*n])
		hb.Write(bb[:8*n])
		n = 0
	}
	for i := range vals {
		v := &vals[i]
		if !IsActiveValidator(v, epoch) {
			continue
		}
		binary.LittleEndian.PutUint64(bi[8*n:], uint64(i))
		binary.LittleEndian.PutUint64(bb[8*n:], uint64(v.EffectiveBalance))
		s.count++
		s.total += v.EffectiveBalance
		if n++; n == block {
			flush()
		}
	}
	flush()
	hi.Sum(s.hash[:0])
	hb.Sum(s.balHash[:0])
	return &s
}
