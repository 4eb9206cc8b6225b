package crypto

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// merkleizeChunks is an independent SSZ merkleize (ssz/simple-serialize.md,
// "Merkleization"): pad the chunk list with zero chunks to the next power of
// two and hash pairs until one root remains.
func merkleizeChunks(chunks [][32]byte) [32]byte {
	n := 1
	for n < len(chunks) {
		n *= 2
	}
	layer := make([][32]byte, n)
	copy(layer, chunks)
	for len(layer) > 1 {
		next := make([][32]byte, len(layer)/2)
		for i := range next {
			h := sha256.New()
			h.Write(layer[2*i][:])
			h.Write(layer[2*i+1][:])
			h.Sum(next[i][:0])
		}
		layer = next
	}
	return layer[0]
}

// bytesChunk is hash_tree_root of a ByteVector[N] with N <= 32: the
// serialization packed into one right-zero-padded chunk.
func bytesChunk(b []byte) [32]byte {
	var c [32]byte
	copy(c[:], b)
	return c
}

func TestComputeDomainAndSigningRoot(t *testing.T) {
	gvr := sha256.Sum256([]byte("genesis validators"))
	obj := sha256.Sum256([]byte("attestation data"))
	tests := []struct {
		name       string
		domainType [4]byte
		version    [4]byte
		gvr        [32]byte
	}{
		{"beacon attester, zero root", [4]byte{0x01, 0, 0, 0}, [4]byte{}, [32]byte{}},
		{"beacon proposer, electra", [4]byte{0x00, 0, 0, 0}, [4]byte{0x05, 0, 0, 0}, gvr},
		{"randao, odd version", [4]byte{0x02, 0, 0, 0}, [4]byte{0x01, 0x02, 0x03, 0x04}, gvr},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// ForkData{current_version, genesis_validators_root}.
			forkRoot := merkleizeChunks([][32]byte{bytesChunk(tc.version[:]), bytesChunk(tc.gvr[:])})
			if got := ComputeForkDataRoot(tc.version, tc.gvr); got != forkRoot {
				t.Errorf("ComputeForkDataRoot = %x, want %x", got, forkRoot)
			}
			var wantDomain [32]byte
			copy(wantDomain[:], append(tc.domainType[:], forkRoot[:28]...))
			domain := ComputeDomain(tc.domainType, tc.version, tc.gvr)
			if domain != wantDomain {
				t.Errorf("ComputeDomain = %x, want %x", domain, wantDomain)
			}
			// SigningData{object_root, domain}.
			wantRoot := merkleizeChunks([][32]byte{bytesChunk(obj[:]), bytesChunk(domain[:])})
			if got := ComputeSigningRoot(obj, domain); got != wantRoot {
				t.Errorf("ComputeSigningRoot = %x, want %x", got, wantRoot)
			}
		})
	}
}

// TestMainnetDepositDomain pins the one domain every client hard-codes:
// compute_domain(DOMAIN_DEPOSIT, GENESIS_FORK_VERSION=0x00000000, Root()) on
// mainnet (the deposit contract's and launchpad's DEPOSIT_DOMAIN).
func TestMainnetDepositDomain(t *testing.T) {
	got := ComputeDomain([4]byte{0x03, 0, 0, 0}, [4]byte{}, [32]byte{})
	const want = "03000000f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a9"
	if hex.EncodeToString(got[:]) != want {
		t.Errorf("deposit domain = %x, want %s", got, want)
	}
}
