package crypto

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"
)

// TestDeriveWithdrawalKey recomputes the documented IKM independently,
// checks that withdrawal keys differ from the signing keys of the same and
// of nearby indices, and that WithdrawalPublicKeys gives the same keys with
// one worker or several.
func TestDeriveWithdrawalKey(t *testing.T) {
	buf := []byte("stakesim/crypto/DeriveWithdrawalKey/v1")
	buf = binary.LittleEndian.AppendUint64(buf, 7)
	buf = binary.LittleEndian.AppendUint64(buf, 3)
	ikm := sha256.Sum256(buf)
	wk := DeriveWithdrawalKey(7, 3).PublicKey().Bytes()
	if keyGen(ikm[:]).PublicKey().Bytes() != wk {
		t.Fatal("DeriveWithdrawalKey does not follow its documented derivation")
	}
	for i := range uint64(8) {
		if DeriveSecretKey(7, i).PublicKey().Bytes() == wk {
			t.Fatalf("withdrawal key (7, 3) is signing key (7, %d)", i)
		}
	}
	idx := []uint64{5, 3, 9, 0, 3}
	one := WithdrawalPublicKeys(7, idx, 1)
	three := WithdrawalPublicKeys(7, idx, 3)
	for j, i := range idx {
		if one[j] != three[j] || one[j] != DeriveWithdrawalKey(7, i).PublicKey().Bytes() {
			t.Fatalf("WithdrawalPublicKeys position %d (index %d) differs", j, i)
		}
	}
}
