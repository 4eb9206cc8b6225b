package consensus

import (
	"crypto/sha256"
	"encoding/binary"
)

// This file implements the swap-or-not shuffle of phase0, twice: once per
// index, exactly as the spec's classic compute_shuffled_index reads, and once
// over a whole list, the way clients compute committees. A test proves that
// the two agree.

// ComputeShuffledIndex returns the position that index moves to under the
// swap-or-not shuffle of index_count items keyed by seed. ok is false when
// index >= indexCount (the spec's assertion).
//
// Spec definition (phase0, per-index form):
//
//	def compute_shuffled_index(index: uint64, index_count: uint64, seed: Bytes32) -> uint64:
//	    assert index < index_count
//	    # Swap or not (https://link.springer.com/content/pdf/10.1007%2F978-3-642-32009-5_1.pdf)
//	    # See the 'generalized domain' algorithm on page 3
//	    for current_round in range(SHUFFLE_ROUND_COUNT):
//	        pivot = bytes_to_uint64(hash(seed + uint_to_bytes(uint8(current_round)))[0:8]) % index_count
//	        flip = (pivot + index_count - index) % index_count
//	        position = max(index, flip)
//	        source = hash(
//	            seed
//	            + uint_to_bytes(uint8(current_round))
//	            + uint_to_bytes(uint32(position // 256))
//	        )
//	        byte = uint8(source[(position % 256) // 8])
//	        bit = (byte >> (position % 8)) % 2
//	        index = flip if bit else index
//	    return index
//
// The current spec text defines the same function as
// compute_shuffled_permutation(index_count, seed)[index]; see ShuffleList.
func ComputeShuffledIndex(cfg *Config, index, indexCount uint64, seed Root) (uint64, bool) {
	if index >= indexCount {
		return 0, false
	}
	var buf [32 + 1 + 4]byte
	copy(buf[:32], seed[:])
	for round := uint64(0); round < cfg.ShuffleRoundCount; round++ {
		buf[32] = uint8(round)
		ph := sha256.Sum256(buf[:33])
		pivot := binary.LittleEndian.Uint64(ph[:8]) % indexCount
		flip := (pivot + indexCount - index) % indexCount
		position := max(index, flip)
		binary.LittleEndian.PutUint32(buf[33:], uint32(position/256))
		source := sha256.Sum256(buf[:])
		b := source[(position%256)/8]
		if (b>>(position%8))&1 == 1 {
			index = flip
		}
	}
	return index, true
}

// indexShuffler computes single shuffled indices for one (seed, count)
// faster than ComputeShuffledIndex by hashing the per-round pivots once. It
// is what compute_proposer_index uses, where the candidates are few.
type indexShuffler struct {
	seed   Root
	count  uint64
	pivots []uint64
	// sources caches hash(seed + round + bucket) by round*buckets+bucket
	// when that table is small (maxCachedSources); have marks the filled
	// entries. Proposer selection samples many indices of one shuffling,
	// and with few validators they share buckets.
	sources [][32]byte
	have    []bool
	buckets uint64
}

// maxCachedSources bounds an indexShuffler's source cache (32 bytes an
// entry): up to 90 rounds of about 23,000 validators.
const maxCachedSources = 1 << 13

func newIndexShuffler(cfg *Config, seed Root, count uint64) *indexShuffler {
	s := &indexShuffler{seed: seed, count: count, pivots: make([]uint64, cfg.ShuffleRoundCount)}
	if count == 0 {
		return s
	}
	s.buckets = (count + 255) / 256
	if n := s.buckets * cfg.ShuffleRoundCount; n <= maxCachedSources {
		s.sources, s.have = make([][32]byte, n), make([]bool, n)
	}
	var buf [33]byte
	copy(buf[:32], seed[:])
	for r := range s.pivots {
		buf[32] = uint8(r)
		h := sha256.Sum256(buf[:])
		s.pivots[r] = binary.LittleEndian.Uint64(h[:8]) % count
	}
	return s
}

// index is compute_shuffled_index(index, s.count, s.seed); index < s.count.
func (s *indexShuffler) index(index uint64) uint64 {
	var buf [37]byte
	copy(buf[:32], s.seed[:])
	n := s.count
	for r, pivot := range s.pivots {
		flip := (pivot + n - index) % n
		position := max(index, flip)
		source := s.source(&buf, r, position/256)
		if (source[(position%256)/8]>>(position%8))&1 == 1 {
			index = flip
		}
	}
	return index
}

// source is hash(seed + uint_to_bytes(round, 1) + uint_to_bytes(bucket, 4)),
// from the cache when there is one; buf holds the seed in its first 32 bytes.
func (s *indexShuffler) source(buf *[37]byte, round int, bucket uint64) *[32]byte {
	k := uint64(round)*s.buckets + bucket
	if s.have != nil && s.have[k] {
		return &s.sources[k]
	}
	buf[32] = uint8(round)
	binary.LittleEndian.PutUint32(buf[33:], uint32(bucket))
	h := sha256.Sum256(buf[:])
	if s.have == nil {
		return &h
	}
	s.sources[k], s.have[k] = h, true
	return &s.sources[k]
}

// ShufflePermutation returns perm with perm[i] = compute_shuffled_index(i,
// indexCount, seed) for every i, computing one hash per 256 positions per
// round instead of one per index per round.
//
// Spec definition (current text):
//
//	def compute_shuffled_permutation(index_count: Uint64, seed: Bytes32) -> Sequence[Uint64]:
//	    indices = [Uint64(i) for i in range(index_count)]
//	    for current_round in range(SHUFFLE_ROUND_COUNT):
//	        round_bytes = current_round.to_bytes(1, "little")
//	        pivot = int.from_bytes(hash(seed + round_bytes)[0:8], "little") % index_count
//	        source_by_bucket: Dict[Uint64, Bytes32] = {}
//	        for i in range(index_count):
//	            flip = (pivot + index_count - indices[i]) % index_count
//	            position = max(indices[i], flip)
//	            position_bucket = position // 256
//	            if position_bucket not in source_by_bucket:
//	                source_by_bucket[position_bucket] = hash(
//	                    seed + round_bytes + position_bucket.to_bytes(4, "little")
//	                )
//	            source = source_by_bucket[position_bucket]
//	            byte_val = source[(position % 256) // 8]
//	            bit = (byte_val >> int(position % 8)) % 2
//	            indices[i] = flip if bit else indices[i]
//	    return indices
//
// Every bucket below index_count/256 is needed in every round (position
// ranges over all values), so the bucket hashes are computed up front per
// round into one flat table rather than a map.
func ShufflePermutation(cfg *Config, indexCount uint64, seed Root) []uint64 {
	perm := make([]uint64, indexCount)
	for i := range perm {
		perm[i] = uint64(i)
	}
	if indexCount == 0 {
		return perm
	}
	// Bucket b's hash covers positions 256b..256b+255, one bit each, so the
	// concatenated hashes are a bit array indexed by position.
	buckets := (indexCount + 255) / 256
	sources := make([]byte, buckets*32)
	var buf [37]byte
	copy(buf[:32], seed[:])
	for round := uint64(0); round < cfg.ShuffleRoundCount; round++ {
		buf[32] = uint8(round)
		ph := sha256.Sum256(buf[:33])
		pivot := binary.LittleEndian.Uint64(ph[:8]) % indexCount
		for b := uint64(0); b < buckets; b++ {
			binary.LittleEndian.PutUint32(buf[33:], uint32(b))
			h := sha256.Sum256(buf[:])
			copy(sources[b*32:], h[:])
		}
		for i, idx := range perm {
			// (pivot + indexCount - idx) % indexCount without a division:
			// both pivot and idx are below indexCount.
			flip := pivot + indexCount - idx
			if flip >= indexCount {
				flip -= indexCount
			}
			position := max(idx, flip)
			bit := uint64(sources[position>>3]>>(position&7)) & 1
			// Branch-free select: the bit is a coin flip, so a branch
			// would mispredict half the time.
			perm[i] = idx ^ ((idx ^ flip) & -bit)
		}
	}
	return perm
}

// ShuffleList returns the shuffled order of indices used by compute_committee:
// out[i] = indices[compute_shuffled_index(i, len(indices), seed)]. Committee
// k of count is then out[len*k/count : len*(k+1)/count].
func ShuffleList(cfg *Config, indices []ValidatorIndex, seed Root) []ValidatorIndex {
	perm := ShufflePermutation(cfg, uint64(len(indices)), seed)
	out := make([]ValidatorIndex, len(indices))
	for i, p := range perm {
		out[i] = indices[p]
	}
	return out
}

// ComputeCommittee returns committee index of count over indices.
//
// Spec definition:
//
//	def compute_committee(
//	    indices: Sequence[ValidatorIndex], seed: Bytes32, index: uint64, count: uint64
//	) -> Sequence[ValidatorIndex]:
//	    start = (len(indices) * index) // count
//	    end = (len(indices) * uint64(index + 1)) // count
//	    return [
//	        indices[compute_shuffled_index(uint64(i), uint64(len(indices)), seed)]
//	        for i in range(start, end)
//	    ]
//
// This form shuffles per index (cost proportional to the committee); the
// committee code uses the cached whole-list shuffle instead (EpochCommittees).
func ComputeCommittee(cfg *Config, indices []ValidatorIndex, seed Root, index, count uint64) []ValidatorIndex {
	if count == 0 || index >= count {
		return nil
	}
	n := uint64(len(indices))
	start, end := n*index/count, n*(index+1)/count
	sh := newIndexShuffler(cfg, seed, n)
	out := make([]ValidatorIndex, 0, end-start)
	for i := start; i < end; i++ {
		out = append(out, indices[sh.index(i)])
	}
	return out
}
