package crypto

import (
	"sync"

	blst "github.com/supranational/blst/bindings/go"
)

// hashCacheSize bounds the messages whose hash to G2 Sign remembers. A
// slot's signers share a few messages (a committee's attestation data, the
// sync committee's block root), so a small table serves them all.
const hashCacheSize = 256

// hashCache remembers H(m), the hash of a message to G2 under the
// ciphersuite, for recently signed messages: in BLS mode full every
// member of a committee signs the same message, and hashing it is half
// the cost of a signature. When full it is emptied and refilled. Hashing
// is a pure function, so what the cache holds never changes a signature.
type hashCache struct {
	mu sync.Mutex
	m  map[[32]byte]*blst.P2
}

// signHashes is the process's cache for Sign; safe for concurrent use.
var signHashes hashCache

// hash returns H(msg), from the cache or hashed now (two goroutines may
// both hash a new message; they store the same point). The returned point
// is shared and must not be modified.
func (c *hashCache) hash(msg [32]byte) *blst.P2 {
	c.mu.Lock()
	h := c.m[msg]
	c.mu.Unlock()
	if h != nil {
		return h
	}
	h = blst.HashToG2(msg[:], []byte(ciphersuite))
	c.mu.Lock()
	if len(c.m) >= hashCacheSize || c.m == nil {
		c.m = make(map[[32]byte]*blst.P2, hashCacheSize)
	}
	c.m[msg] = h
	c.mu.Unlock()
	return h
}
