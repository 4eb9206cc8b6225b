package consensus

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"

	"github.com/stakesim/stakesim/crypto"
)

// Tests of process_bls_to_execution_change, ethereum/consensus-specs
// v1.7.0-alpha.13, specs/capella/beacon-chain.md.

// bcFixture returns the minimal preset, a validator keyring, withdrawal keys
// (which no validator holds: another seed) and a genesis state of 8
// validators. Validators 2..7 have BLS credentials 0x00 | SHA-256(pubkey of
// withdrawal key i)[1:], written out here rather than with
// BLSWithdrawalCredentials; validator 0 has 0x01 and validator 1 0x02
// credentials.
func bcFixture(t *testing.T) (*Config, *crypto.Keyring, []*crypto.SecretKey, *State) {
	t.Helper()
	cfg := Minimal()
	wks := make([]*crypto.SecretKey, 8)
	vals := make([]GenesisValidator, 8)
	for i := range vals {
		wks[i] = crypto.DeriveSecretKey(0xb15, uint64(i))
		pk := wks[i].PublicKey().Bytes()
		creds := Root(sha256.Sum256(pk[:]))
		creds[0] = 0x00
		vals[i] = GenesisValidator{Balance: 32 * tuETH, WithdrawalCredentials: creds}
	}
	vals[0].WithdrawalCredentials = tuCreds(ETH1AddressWithdrawalPrefix, 0)
	vals[1].WithdrawalCredentials = tuCreds(CompoundingWithdrawalPrefix, 1)
	return &cfg, crypto.NewKeyring(12, 8, 2), wks, tuGenesisWith(t, &cfg, vals)
}

// bcAddress is 0x1112...24, an address with no zero byte.
func bcAddress() ExecutionAddress {
	var a ExecutionAddress
	for i := range a {
		a[i] = 0x11 + byte(i)
	}
	return a
}

// bcChange is validator i's change to bcAddress from withdrawal key wk.
func bcChange(i ValidatorIndex, wk *crypto.SecretKey) BLSToExecutionChange {
	return BLSToExecutionChange{ValidatorIndex: i, FromBLSPubkey: wk.PublicKey().Bytes(), ToExecutionAddress: bcAddress()}
}

// bcSign signs c with sk under the spec's domain.
func bcSign(cfg *Config, st *State, sk *crypto.SecretKey, c BLSToExecutionChange) *SignedBLSToExecutionChange {
	return &SignedBLSToExecutionChange{Message: c, Signature: crypto.Sign(sk, BLSToExecutionChangeSigningRoot(cfg, st, &c))}
}

// TestBLSToExecutionChangeRoots checks the documented layout
// (validator_index u64 LE | from_bls_pubkey [48] | to_execution_address
// [20], SHA-256), the fork-agnostic domain (DOMAIN_BLS_TO_EXECUTION_CHANGE
// 0x0A000000 with GENESIS_FORK_VERSION 0x00000001 of the minimal config)
// and the signing root.
func TestBLSToExecutionChangeRoots(t *testing.T) {
	cfg, _, wks, st := bcFixture(t)
	c := bcChange(0x0203, wks[3])
	enc, _ := hex.DecodeString("0302000000000000")
	enc = append(enc, c.FromBLSPubkey[:]...)
	addr := bcAddress()
	enc = append(enc, addr[:]...)
	if len(enc) != 76 {
		t.Fatalf("encoding of %d bytes", len(enc))
	}
	if got, want := c.Root(), Root(sha256.Sum256(enc)); got != want {
		t.Fatalf("Root %x, want %x", got, want)
	}
	var leaves [64]byte
	copy(leaves[:4], []byte{0x00, 0x00, 0x00, 0x01})
	copy(leaves[32:], st.GenesisValidatorsRoot[:])
	fdr := sha256.Sum256(leaves[:])
	var domain Root
	copy(domain[:4], []byte{0x0A, 0x00, 0x00, 0x00})
	copy(domain[4:], fdr[:28])
	if got := BLSToExecutionChangeDomain(cfg, st); got != domain {
		t.Fatalf("domain %x, want %x", got, domain)
	}
	r := c.Root()
	if got, want := BLSToExecutionChangeSigningRoot(cfg, st, &c), Root(sha256.Sum256(append(r[:], domain[:]...))); got != want {
		t.Fatalf("signing root %x, want %x", got, want)
	}
}

// TestBLSToExecutionChange: a valid change replaces the credentials with
// 0x01 | 11 zero bytes | address and changes nothing else; the same change
// again is then rejected, the credentials no longer being BLS ones.
func TestBLSToExecutionChange(t *testing.T) {
	cfg, _, wks, st := bcFixture(t)
	const v = ValidatorIndex(3)
	// The check compares credentials[1:] only: byte 0 of the hash is
	// replaced by the prefix. The key's hash starts with a nonzero byte, so
	// this case shows it.
	if pk := wks[v].PublicKey().Bytes(); sha256.Sum256(pk[:])[0] == 0 {
		t.Fatal("fixture: the withdrawal key's hash starts with 0x00; pick another key")
	}
	sc := bcSign(cfg, st, wks[v], bcChange(v, wks[v]))
	want := st.Copy()
	creds, _ := hex.DecodeString("01" + "0000000000000000000000" + "1112131415161718191a1b1c1d1e1f2021222324")
	want.MutValidator(ValidatorIndex(v)).WithdrawalCredentials = Root(creds)
	if err := ProcessBLSToExecutionChange(cfg, st, sc, BLSPubkeyVerifier{}); err != nil {
		t.Fatal(err)
	}
	if got := st.Validators[v].WithdrawalCredentials; got != Root(creds) {
		t.Fatalf("credentials %x, want %x", got, creds)
	}
	if !reflect.DeepEqual(st, want) {
		t.Fatal("the change wrote more than the validator's credentials")
	}
	if !HasEth1WithdrawalCredential(&st.Validators[v]) || AddressOf(st.Validators[v].WithdrawalCredentials) != bcAddress() {
		t.Fatal("credentials are not 0x01 with the requested address")
	}
	if err := ProcessBLSToExecutionChange(cfg, st, sc, BLSPubkeyVerifier{}); !errors.Is(err, ErrBLSChangeNotBLSCredential) {
		t.Fatalf("second change: error %v, want ErrBLSChangeNotBLSCredential", err)
	}
}

// TestBLSToExecutionChangeRejected checks every assert of
// process_bls_to_execution_change: each failure returns the error naming it
// (wrapping ErrInvalidBLSToExecutionChange) and leaves the state unchanged.
func TestBLSToExecutionChangeRejected(t *testing.T) {
	cfg, kr, wks, base := bcFixture(t)
	const v = ValidatorIndex(4)
	other := crypto.DeriveSecretKey(0xbad, 0)
	var garbage crypto.PublicKeyBytes
	for i := range garbage {
		garbage[i] = 0xff
	}
	for _, tc := range []struct {
		name   string
		change BLSToExecutionChange
		mutate func(st *State)
		sign   func(st *State, c BLSToExecutionChange) crypto.Signature // nil: withdrawal key, spec domain
		want   error
	}{
		{name: "unknown validator", change: bcChange(8, wks[v]), want: ErrBLSChangeUnknownValidator},
		{name: "0x01 credentials", change: bcChange(0, wks[0]), want: ErrBLSChangeNotBLSCredential},
		{name: "0x02 credentials", change: bcChange(1, wks[1]), want: ErrBLSChangeNotBLSCredential},
		// The right hash but another prefix: only 0x00 is accepted.
		{name: "hash of the key behind a 0x01 prefix", change: bcChange(v, wks[v]), mutate: func(st *State) {
			st.MutValidator(ValidatorIndex(v)).WithdrawalCredentials[0] = ETH1AddressWithdrawalPrefix
		}, want: ErrBLSChangeNotBLSCredential},
		// A key whose hash is not in the credentials, with a signature
		// that is valid for it.
		{name: "wrong pubkey hash", change: bcChange(v, other), sign: func(st *State, c BLSToExecutionChange) crypto.Signature {
			return crypto.Sign(other, BLSToExecutionChangeSigningRoot(cfg, st, &c))
		}, want: ErrBLSChangePubkeyMismatch},
		{name: "another validator's withdrawal key", change: bcChange(v, wks[v+1]), want: ErrBLSChangePubkeyMismatch},
		{name: "one credential byte differs", change: bcChange(v, wks[v]), mutate: func(st *State) {
			st.MutValidator(ValidatorIndex(v)).WithdrawalCredentials[31] ^= 1
		}, want: ErrBLSChangePubkeyMismatch},
		{name: "signed by the validator's signing key", change: bcChange(v, wks[v]), sign: func(st *State, c BLSToExecutionChange) crypto.Signature {
			return crypto.Sign(kr.Secret(uint64(v)), BLSToExecutionChangeSigningRoot(cfg, st, &c))
		}, want: ErrInvalidSignature},
		{name: "signature over another address", change: bcChange(v, wks[v]), sign: func(st *State, c BLSToExecutionChange) crypto.Signature {
			c.ToExecutionAddress[0]++
			return crypto.Sign(wks[v], BLSToExecutionChangeSigningRoot(cfg, st, &c))
		}, want: ErrInvalidSignature},
		{name: "current fork (Electra) domain", change: bcChange(v, wks[v]), sign: func(st *State, c BLSToExecutionChange) crypto.Signature {
			return crypto.Sign(wks[v], SigningRoot(cfg, st, DomainBLSToExecutionChange, GetCurrentEpoch(cfg, st), c.Root()))
		}, want: ErrInvalidSignature},
		{name: "zero genesis validators root", change: bcChange(v, wks[v]), sign: func(st *State, c BLSToExecutionChange) crypto.Signature {
			return crypto.Sign(wks[v], crypto.ComputeSigningRoot(c.Root(), crypto.ComputeDomain(DomainBLSToExecutionChange, cfg.GenesisForkVersion, Root{})))
		}, want: ErrInvalidSignature},
		{name: "zero signature", change: bcChange(v, wks[v]), sign: func(*State, BLSToExecutionChange) crypto.Signature {
			return crypto.Signature{}
		}, want: ErrInvalidSignature},
		// Credentials committing to bytes that are not a public key: the
		// hash matches, KeyValidate fails.
		{name: "not a public key", change: BLSToExecutionChange{ValidatorIndex: v, FromBLSPubkey: garbage, ToExecutionAddress: bcAddress()},
			mutate: func(st *State) {
				st.MutValidator(ValidatorIndex(v)).WithdrawalCredentials = BLSWithdrawalCredentials(garbage)
			},
			sign: func(*State, BLSToExecutionChange) crypto.Signature { return crypto.Sign(wks[v], Root{}) },
			want: ErrInvalidSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := base.Copy()
			if tc.mutate != nil {
				tc.mutate(st)
			}
			var sc *SignedBLSToExecutionChange
			if tc.sign != nil {
				sc = &SignedBLSToExecutionChange{Message: tc.change, Signature: tc.sign(st, tc.change)}
			} else {
				sc = bcSign(cfg, st, wks[v], tc.change)
			}
			before := st.Copy()
			err := ProcessBLSToExecutionChange(cfg, st, sc, BLSPubkeyVerifier{})
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrInvalidBLSToExecutionChange) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if !reflect.DeepEqual(st, before) {
				t.Fatal("a rejected change altered the state")
			}
		})
	}
}

// TestBLSWithdrawalCredentials: the helper gives the credentials the rule
// accepts, 0x00 | SHA-256(pubkey)[1:].
func TestBLSWithdrawalCredentials(t *testing.T) {
	_, _, wks, st := bcFixture(t)
	for i := 2; i < 8; i++ {
		if got := BLSWithdrawalCredentials(wks[i].PublicKey().Bytes()); got != st.Validators[i].WithdrawalCredentials {
			t.Fatalf("validator %d: %x, want %x", i, got, st.Validators[i].WithdrawalCredentials)
		}
	}
}

// TestBLSToExecutionChangeVerifiers: AcceptAll (BLS off) accepts an
// unsigned change but still runs the credential checks; PubkeyVerifierFunc
// is called with the from_bls_pubkey and the spec's signing root; a nil
// verifier is an error.
func TestBLSToExecutionChangeVerifiers(t *testing.T) {
	cfg, _, wks, st := bcFixture(t)
	before := st.Copy()
	unsigned := &SignedBLSToExecutionChange{Message: bcChange(5, wks[5])}
	if err := ProcessBLSToExecutionChange(cfg, st, unsigned, nil); err == nil {
		t.Fatal("nil verifier accepted")
	}
	wrongKey := &SignedBLSToExecutionChange{Message: bcChange(5, wks[6])}
	if err := ProcessBLSToExecutionChange(cfg, st, wrongKey, AcceptAll{}); !errors.Is(err, ErrBLSChangePubkeyMismatch) {
		t.Fatalf("AcceptAll with a wrong key: error %v, want ErrBLSChangePubkeyMismatch", err)
	}
	if !reflect.DeepEqual(st, before) {
		t.Fatal("a rejected change altered the state")
	}
	var calls int
	f := PubkeyVerifierFunc(func(pk crypto.PublicKeyBytes, msg Root, sig crypto.Signature) bool {
		calls++
		c := bcChange(5, wks[5])
		return pk == c.FromBLSPubkey && msg == BLSToExecutionChangeSigningRoot(cfg, st, &c)
	})
	if err := ProcessBLSToExecutionChange(cfg, st, unsigned, f); err != nil || calls != 1 {
		t.Fatalf("PubkeyVerifierFunc: error %v after %d calls", err, calls)
	}
	if err := ProcessBLSToExecutionChange(cfg, st, &SignedBLSToExecutionChange{Message: bcChange(6, wks[6])}, AcceptAll{}); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{5, 6} {
		if c := st.Validators[i].WithdrawalCredentials; c[0] != ETH1AddressWithdrawalPrefix || AddressOf(c) != bcAddress() {
			t.Fatalf("validator %d credentials %x", i, c)
		}
	}
}
