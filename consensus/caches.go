package consensus

import (
	"sync"
	"sync/atomic"

	"github.com/stakesim/stakesim/crypto"
)

// Caches is shared, content-addressed memoisation of the expensive pure
// functions of a state: the shuffled committee layout of an epoch and the
// proposer of a slot. Entries are keyed by everything the result depends on
// (seed, the active set, effective balances, the preset values involved), so
// one Caches may serve every branch and every State copy of a run, and even
// two presets side by side. It is safe for concurrent use; a result that
// several goroutines ask for at once is computed once.
//
// A State points to its Caches through an unexported field that Copy shares.
// A State without Caches (the zero State, or SetCaches(nil)) computes
// everything afresh on each call, which is correct but slow.
type Caches struct {
	mu         sync.Mutex
	shufflings map[shufflingKey]*shufflingEntry
	shufOrder  []shufflingKey // insertion order, for FIFO eviction
	proposers  map[proposerKey]ValidatorIndex
	propOrder  []proposerKey

	// keys resolves public keys to validators (see KeyDirectory); nil when
	// none was attached.
	keys KeyDirectory

	// Counters, for tests and benchmarks.
	shufflingHits, shufflingMisses uint64
}

// Cache bounds. A shuffling of 100,000 validators takes about 2 MB; a run
// has at most a few epochs times a few branches in play at once.
const (
	maxCachedShufflings = 16
	maxCachedProposers  = 4096
)

// NewCaches returns an empty cache set.
func NewCaches() *Caches {
	return &Caches{
		shufflings: make(map[shufflingKey]*shufflingEntry),
		proposers:  make(map[proposerKey]ValidatorIndex),
	}
}

// KeyDirectory maps validators to public keys: Validator carries no key,
// validator i holds the directory's key i (validators are created in key
// order). The engine backs it with its keyring; requests and deposits name
// validators by public key, so block and epoch processing need it.
type KeyDirectory interface {
	// PubkeyIndex returns the key index of pk (the validator index, once a
	// validator holds it), or false for an unknown key.
	PubkeyIndex(pk crypto.PublicKeyBytes) (ValidatorIndex, bool)
	// Pubkey returns key i.
	Pubkey(i ValidatorIndex) crypto.PublicKeyBytes
	// VerifyDeposit is bls.Verify(pk, signingRoot, sig) for a deposit's
	// proof of possession.
	VerifyDeposit(pk crypto.PublicKeyBytes, signingRoot Root, sig crypto.Signature) bool
}

// SetKeys attaches the key directory used to resolve request and deposit
// public keys. It is shared by every state using these caches.
func (c *Caches) SetKeys(k KeyDirectory) {
	c.mu.Lock()
	c.keys = k
	c.mu.Unlock()
}

// Keys returns the attached key directory, or nil.
func (c *Caches) Keys() KeyDirectory {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.keys
}

// SetCaches attaches c to st (and to every later Copy of st). Passing nil
// detaches it.
func (st *State) SetCaches(c *Caches) { st.caches = c }

// Caches returns the caches attached to st, or nil.
func (st *State) Caches() *Caches { return st.caches }

// ShufflingStats reports how many EpochCommittees lookups were served from
// the cache and how many computed a shuffle.
func (c *Caches) ShufflingStats() (hits, misses uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.shufflingHits, c.shufflingMisses
}

// presetKey holds the preset values that committee and proposer layouts
// depend on besides the state.
type presetKey struct {
	slotsPerEpoch, maxCommittees, targetCommittee, rounds uint64
	maxEB                                                 Gwei
}

func presetKeyOf(cfg *Config) presetKey {
	return presetKey{cfg.SlotsPerEpoch, cfg.MaxCommitteesPerSlot, cfg.TargetCommitteeSize, cfg.ShuffleRoundCount, cfg.MaxEffectiveBalanceElectra}
}

type shufflingKey struct {
	preset     presetKey
	seed       Root // get_seed(state, epoch, DOMAIN_BEACON_ATTESTER); it includes the epoch
	activeHash Root // SHA-256 of the active index list
}

type shufflingEntry struct {
	once  sync.Once
	sh    *Shuffling
	built atomic.Pointer[Shuffling] // sh, once built
}

type proposerKey struct {
	preset     presetKey
	seed       Root // the per-slot proposer seed
	activeHash Root
	balHash    Root // SHA-256 of the active validators' effective balances
}

// shuffling returns the Shuffling for key, computing it with build on a miss.
// Like the proposers', the key names the active set by its SHA-256 (see
// activeSummary), so a hit costs no pass over the registry.
func (c *Caches) shuffling(key shufflingKey, build func() *Shuffling) *Shuffling {
	if c == nil {
		return build()
	}
	c.mu.Lock()
	e, ok := c.shufflings[key]
	if ok {
		c.shufflingHits++
	} else {
		c.shufflingMisses++
		e = &shufflingEntry{}
		c.shufflings[key] = e
		c.shufOrder = append(c.shufOrder, key)
		if len(c.shufOrder) > maxCachedShufflings {
			delete(c.shufflings, c.shufOrder[0])
			c.shufOrder = c.shufOrder[1:]
		}
	}
	c.mu.Unlock()
	e.once.Do(func() {
		e.sh = build()
		e.built.Store(e.sh)
	})
	return e.sh
}

// cachedShuffling returns the Shuffling for key if one was built, without
// building one or counting a lookup.
func (c *Caches) cachedShuffling(key shufflingKey) (*Shuffling, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	e, ok := c.shufflings[key]
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	sh := e.built.Load() // nil while a build is under way
	return sh, sh != nil
}

func (c *Caches) proposer(key proposerKey) (ValidatorIndex, bool) {
	if c == nil {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.proposers[key]
	return v, ok
}

func (c *Caches) putProposer(key proposerKey, v ValidatorIndex) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.proposers[key]; ok {
		return
	}
	c.proposers[key] = v
	c.propOrder = append(c.propOrder, key)
	if len(c.propOrder) > maxCachedProposers {
		delete(c.proposers, c.propOrder[0])
		c.propOrder = c.propOrder[1:]
	}
}
