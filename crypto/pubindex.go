package crypto

import "encoding/binary"

// pubIndex maps compressed public keys back to keyring indices with open
// addressing: a power-of-two table of index+1 (0 = empty slot), at most
// half full, probed linearly from a hash of the key. The keys themselves
// stay in the keyring's pubBytes, so the index costs 8 to 16 bytes a key
// instead of the 134 of a Go map of 48-byte keys (at a million).
type pubIndex struct {
	slots []uint32
}

// pubIndexMaxKeys bounds the keys an index holds (index+1 must fit 32 bits).
const pubIndexMaxKeys = 1<<32 - 2

// buildPubIndex indexes pks; for a key that appears twice (a KeyGen
// collision, never seen) the first index wins.
func buildPubIndex(pks []PublicKeyBytes) pubIndex {
	if len(pks) > pubIndexMaxKeys {
		panic("crypto: too many keys for the public key index")
	}
	size := 1
	for size < 2*len(pks) {
		size <<= 1
	}
	x := pubIndex{slots: make([]uint32, size)}
	for i := range pks {
		if _, dup := x.find(pks, &pks[i]); !dup {
			x.slots[x.slotOf(pks, &pks[i])] = uint32(i) + 1
		}
	}
	return x
}

// hash spreads a key over the table: bytes 8..15 of a compressed key are
// bits of the x coordinate, uniform for derived keys (the first byte
// carries flags).
func (x *pubIndex) hash(pk *PublicKeyBytes) int {
	return int(binary.LittleEndian.Uint64(pk[8:16]) & uint64(len(x.slots)-1))
}

// slotOf returns the slot holding pk, or the empty slot where it belongs.
func (x *pubIndex) slotOf(pks []PublicKeyBytes, pk *PublicKeyBytes) int {
	mask := len(x.slots) - 1
	for s := x.hash(pk); ; s = (s + 1) & mask {
		v := x.slots[s]
		if v == 0 || pks[v-1] == *pk {
			return s
		}
	}
}

// find returns the index of pk among pks, which must be the keys the
// index was built from.
func (x *pubIndex) find(pks []PublicKeyBytes, pk *PublicKeyBytes) (uint64, bool) {
	if len(x.slots) == 0 {
		return 0, false
	}
	v := x.slots[x.slotOf(pks, pk)]
	if v == 0 {
		return 0, false
	}
	return uint64(v - 1), true
}
