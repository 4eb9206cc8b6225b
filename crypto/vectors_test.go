package crypto

import (
	"encoding/hex"
	"math/big"
	"testing"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// TestKeyGenEIP2333Vectors checks keyGen (blst's draft-04 KeyGen with empty
// key_info, the primitive under DeriveSecretKey) against the master keys of
// the EIP-2333 test cases, because EIP-2333's derive_master_SK(seed) is
// HKDF_mod_r(seed) = KeyGen(seed).
// Reference: https://eips.ethereum.org/EIPS/eip-2333, "Test Cases" 0, 1, 2.
func TestKeyGenEIP2333Vectors(t *testing.T) {
	tests := []struct {
		name, seed, masterSK string
	}{
		{"case 0",
			"c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
			"6083874454709270928345386274498605044986640685124978867557563392430687146096"},
		{"case 1",
			"3141592653589793238462643383279502884197169399375105820974944592",
			"29757020647961307431480504535336562678282505419141012933316116377660817309383"},
		{"case 2",
			"0099ff991111002299dd7744ee3355bbdd8844115566cc55663355668888cc00",
			"27580842291869792442942448775674722299803720648445448686099262467207037398656"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, ok := new(big.Int).SetString(tc.masterSK, 10)
			if !ok {
				t.Fatalf("bad decimal %q", tc.masterSK)
			}
			sk := keyGen(mustHex(t, tc.seed))
			got := new(big.Int).SetBytes(sk.s.Serialize()) // big-endian
			if got.Cmp(want) != 0 {
				t.Errorf("KeyGen = %s, want %s", got, want)
			}
		})
	}
}

// TestSignVector checks Sign and the public key against the consensus-spec
// BLS test vector sign_case_8cd3d4d0d9a5b265 (ethereum/bls12-381-tests;
// the same triple is verify_valid_case_2ea479adf8c40300).
func TestSignVector(t *testing.T) {
	var sk SecretKey
	if sk.s.Deserialize(mustHex(t, "263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3")) == nil {
		t.Fatal("secret key rejected")
	}
	var msg [32]byte
	copy(msg[:], mustHex(t, "5656565656565656565656565656565656565656565656565656565656565656"))
	wantPK := mustHex(t, "a491d1b0ecd9bb917989f0e74f0dea0422eac4a873e5e2644f368dffb9a6e20fd6e10c1b77654d067c0618f6e5a7f79a")
	wantSig := mustHex(t, "882730e5d03f6b42c3abc26d3372625034e1d871b65a8a6b900a56dae22da98abbe1b68f85e49fe7652a55ec3d0591c20767677e33e5cbb1207315c41a9ac03be39c2e7668edc043d6cb1d9fd93033caa8a1c5b0e84bedaeb6c64972503a43eb")

	pk := sk.PublicKey()
	if got := pk.Bytes(); hex.EncodeToString(got[:]) != hex.EncodeToString(wantPK) {
		t.Errorf("public key = %x, want %x", got, wantPK)
	}
	sig := Sign(&sk, msg)
	if got := sig.Bytes(); hex.EncodeToString(got[:]) != hex.EncodeToString(wantSig) {
		t.Errorf("signature = %x, want %x", got, wantSig)
	}
	var sb SignatureBytes
	copy(sb[:], wantSig)
	decoded, err := SignatureFromBytes(sb)
	if err != nil {
		t.Fatalf("vector signature rejected: %v", err)
	}
	if !FastAggregateVerify([]*PublicKey{pk}, msg, decoded) {
		t.Error("vector signature does not verify")
	}
}
