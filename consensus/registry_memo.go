package consensus

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// registryMemo memoises what the consensus functions derive from a
// registry (State.Validators) alone, per epoch: the active set's
// fingerprint, size and effective balance. A registry shared by copies
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
	m.mu.Lock()
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
	m.mu.Unlock()
	e.once.Do(func() { e.sum = summarizeActive(st.Validators, epoch) })
	return e.sum
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
