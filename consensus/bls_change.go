package consensus

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/stakesim/stakesim/crypto"
)

// BLS-to-execution changes (Capella): a validator with BLS (0x00)
// withdrawal credentials moves to an execution address (0x01) with a
// message signed by its withdrawal key.
//
// The rules follow ethereum/consensus-specs v1.7.0-alpha.13, the release
// named by SpecVersion (specs/capella/beacon-chain.md, "New
// process_bls_to_execution_change"; Deneb and Electra leave it unchanged).
// The quoted function and containers are byte-identical in v1.6.1 and at the
// repository's head (a08d8a6e2).
//
// Object root (canonical SHA-256 as for every root of this package, see
// encoding.go; not SSZ):
//
//	BLSToExecutionChange (76 bytes):
//	    validator_index u64 | from_bls_pubkey [48] | to_execution_address [20]
//	BLSToExecutionChange.Root = SHA-256(BLSToExecutionChange encoding)
//
// The domain and the signing root are exactly the spec's
// (crypto.ComputeDomain, crypto.ComputeSigningRoot). The credential check
// uses the spec's hash (SHA-256 of the 48 pubkey bytes), so BLS credentials
// here are the real ones: 0x00 | SHA-256(withdrawal pubkey)[1:].

// DomainBLSToExecutionChange is DOMAIN_BLS_TO_EXECUTION_CHANGE (Capella).
var DomainBLSToExecutionChange = DomainType{0x0A, 0x00, 0x00, 0x00}

// MaxBLSToExecutionChanges is MAX_BLS_TO_EXECUTION_CHANGES, the most
// changes a block may carry (Capella preset; 16 in both mainnet and
// minimal); block processing rejects a block with more.
const MaxBLSToExecutionChanges = 16

// BLSToExecutionChange asks to replace a validator's BLS withdrawal
// credentials with an execution address.
//
// Spec definition (Capella):
//
//	class BLSToExecutionChange(Container):
//	    validator_index: ValidatorIndex
//	    from_bls_pubkey: BLSPubkey
//	    to_execution_address: ExecutionAddress
type BLSToExecutionChange struct {
	ValidatorIndex     ValidatorIndex
	FromBLSPubkey      crypto.PublicKeyBytes
	ToExecutionAddress ExecutionAddress
}

// SignedBLSToExecutionChange is a change signed by the withdrawal key
// (FromBLSPubkey), not by the validator's signing key.
//
// Spec definition (Capella):
//
//	class SignedBLSToExecutionChange(Container):
//	    message: BLSToExecutionChange
//	    signature: BLSSignature
type SignedBLSToExecutionChange struct {
	Message   BLSToExecutionChange
	Signature crypto.Signature
}

// Root returns the change's object root: SHA-256 of validator_index u64
// (little-endian) | from_bls_pubkey [48] | to_execution_address [20], the
// layout at the top of this file.
func (c BLSToExecutionChange) Root() Root {
	enc := newEncoder()
	enc.u64(uint64(c.ValidatorIndex))
	enc.bytes(c.FromBLSPubkey[:])
	enc.bytes(c.ToExecutionAddress[:])
	return enc.sum()
}

// BLSToExecutionChangeDomain is the fork-agnostic domain of address
// changes: compute_domain(DOMAIN_BLS_TO_EXECUTION_CHANGE,
// genesis_validators_root=state.genesis_validators_root), whose fork version
// defaults to GENESIS_FORK_VERSION.
func BLSToExecutionChangeDomain(cfg *Config, st *State) Root {
	return crypto.ComputeDomain(DomainBLSToExecutionChange, cfg.GenesisForkVersion, st.GenesisValidatorsRoot)
}

// BLSToExecutionChangeSigningRoot is the message the withdrawal key signs:
// compute_signing_root(address_change, BLSToExecutionChangeDomain(cfg, st)).
func BLSToExecutionChangeSigningRoot(cfg *Config, st *State, c *BLSToExecutionChange) Root {
	return crypto.ComputeSigningRoot(c.Root(), BLSToExecutionChangeDomain(cfg, st))
}

// PubkeyVerifier checks a signature by a public key given by its bytes. The
// Verifier of block processing names signers by validator index (key i of
// the key directory); a BLS-to-execution change is signed by the withdrawal
// key, which no validator holds, so it needs this instead.
type PubkeyVerifier interface {
	// VerifyPubkey is bls.Verify(pk, msg, sig): false for a key that fails
	// KeyValidate, a zero signature or a wrong signature.
	VerifyPubkey(pk crypto.PublicKeyBytes, msg Root, sig crypto.Signature) bool
}

// BLSPubkeyVerifier is the real PubkeyVerifier (blst): it decompresses and
// validates pk and verifies sig over msg.
type BLSPubkeyVerifier struct{}

// VerifyPubkey implements PubkeyVerifier with crypto.FastAggregateVerify
// over the single key, which is bls.Verify for a validated key.
func (BLSPubkeyVerifier) VerifyPubkey(pk crypto.PublicKeyBytes, msg Root, sig crypto.Signature) bool {
	p, err := crypto.PublicKeyFromBytes(pk)
	if err != nil {
		return false
	}
	return crypto.FastAggregateVerify([]*crypto.PublicKey{p}, msg, sig)
}

// VerifyPubkey accepts every signature (BLS mode off), so AcceptAll is also
// a PubkeyVerifier.
func (AcceptAll) VerifyPubkey(crypto.PublicKeyBytes, Root, crypto.Signature) bool { return true }

// PubkeyVerifierFunc adapts a function to PubkeyVerifier; for instance
// PubkeyVerifierFunc(keys.VerifyDeposit) uses a KeyDirectory's bls.Verify,
// which honours the run's BLS mode.
type PubkeyVerifierFunc func(pk crypto.PublicKeyBytes, msg Root, sig crypto.Signature) bool

// VerifyPubkey calls f.
func (f PubkeyVerifierFunc) VerifyPubkey(pk crypto.PublicKeyBytes, msg Root, sig crypto.Signature) bool {
	return f(pk, msg, sig)
}

// BLS-to-execution-change errors. Every rejection wraps
// ErrInvalidBLSToExecutionChange and one of the check errors below (or
// ErrInvalidSignature), so callers can tell which assert failed with
// errors.Is.
var (
	ErrInvalidBLSToExecutionChange = errors.New("consensus: invalid BLS to execution change")

	ErrBLSChangeUnknownValidator = fmt.Errorf("%w: validator index out of range", ErrInvalidBLSToExecutionChange)
	ErrBLSChangeNotBLSCredential = fmt.Errorf("%w: withdrawal credentials do not start with BLS_WITHDRAWAL_PREFIX", ErrInvalidBLSToExecutionChange)
	ErrBLSChangePubkeyMismatch   = fmt.Errorf("%w: withdrawal credentials are not the hash of from_bls_pubkey", ErrInvalidBLSToExecutionChange)
)

// ProcessBLSToExecutionChange applies one signed change to st: after the
// spec's asserts, the validator's withdrawal credentials become
// ETH1_ADDRESS_WITHDRAWAL_PREFIX | 11 zero bytes | to_execution_address.
//
// Spec definition (Capella, ethereum/consensus-specs v1.7.0-alpha.13,
// specs/capella/beacon-chain.md):
//
//	def process_bls_to_execution_change(
//	    state: BeaconState, signed_address_change: SignedBLSToExecutionChange
//	) -> None:
//	    address_change = signed_address_change.message
//
//	    assert address_change.validator_index < len(state.validators)
//
//	    validator = state.validators[address_change.validator_index]
//
//	    assert validator.withdrawal_credentials[:1] == BLS_WITHDRAWAL_PREFIX
//	    assert validator.withdrawal_credentials[1:] == hash(address_change.from_bls_pubkey)[1:]
//
//	    # Fork-agnostic domain since address changes are valid across forks
//	    domain = compute_domain(
//	        DOMAIN_BLS_TO_EXECUTION_CHANGE, genesis_validators_root=state.genesis_validators_root
//	    )
//	    signing_root = compute_signing_root(address_change, domain)
//	    assert bls.Verify(address_change.from_bls_pubkey, signing_root, signed_address_change.signature)
//
//	    validator.withdrawal_credentials = (
//	        ETH1_ADDRESS_WITHDRAWAL_PREFIX + b"\x00" * 11 + address_change.to_execution_address
//	    )
//
// hash is SHA-256 (phase0 "hash"). The signature is checked by v against
// from_bls_pubkey; pass AcceptAll to skip BLS. A failed check returns an
// error and leaves st unchanged.
func ProcessBLSToExecutionChange(cfg *Config, st *State, sc *SignedBLSToExecutionChange, v PubkeyVerifier) error {
	if v == nil {
		return fmt.Errorf("consensus: ProcessBLSToExecutionChange: nil PubkeyVerifier (use AcceptAll to skip BLS)")
	}
	if sc == nil {
		return fmt.Errorf("consensus: ProcessBLSToExecutionChange: nil change")
	}
	c := &sc.Message
	if err := checkBLSToExecutionChange(st, c); err != nil {
		return err
	}
	if !v.VerifyPubkey(c.FromBLSPubkey, BLSToExecutionChangeSigningRoot(cfg, st, c), sc.Signature) {
		return fmt.Errorf("%w: %w: validator %d, from_bls_pubkey %#x (domain DOMAIN_BLS_TO_EXECUTION_CHANGE, GENESIS_FORK_VERSION %#x)",
			ErrInvalidBLSToExecutionChange, ErrInvalidSignature, c.ValidatorIndex, c.FromBLSPubkey[:8], cfg.GenesisForkVersion)
	}
	st.MutValidator(c.ValidatorIndex).WithdrawalCredentials = ExecutionAddressCredentials(c.ToExecutionAddress)
	return nil
}

// checkBLSToExecutionChange runs every assert of
// process_bls_to_execution_change except the signature, in the spec's
// order, without writing to st.
func checkBLSToExecutionChange(st *State, c *BLSToExecutionChange) error {
	i := c.ValidatorIndex
	if uint64(i) >= uint64(len(st.Validators)) {
		return fmt.Errorf("%w (validator %d, registry of %d)", ErrBLSChangeUnknownValidator, i, len(st.Validators))
	}
	creds := st.Validators[i].WithdrawalCredentials
	if creds[0] != BLSWithdrawalPrefix {
		return fmt.Errorf("%w (validator %d has prefix 0x%02x)", ErrBLSChangeNotBLSCredential, i, creds[0])
	}
	if h := sha256.Sum256(c.FromBLSPubkey[:]); [31]byte(creds[1:]) != [31]byte(h[1:]) {
		return fmt.Errorf("%w (validator %d)", ErrBLSChangePubkeyMismatch, i)
	}
	return nil
}

// BLSWithdrawalCredentials returns the BLS (0x00) withdrawal credentials of
// a withdrawal key: BLS_WITHDRAWAL_PREFIX + hash(pubkey)[1:], the
// credentials process_bls_to_execution_change accepts for pk.
func BLSWithdrawalCredentials(pk crypto.PublicKeyBytes) Root {
	r := Root(sha256.Sum256(pk[:]))
	r[0] = BLSWithdrawalPrefix
	return r
}

// ExecutionAddressCredentials returns the 0x01 withdrawal credentials of
// addr: ETH1_ADDRESS_WITHDRAWAL_PREFIX + b"\x00" * 11 + addr.
func ExecutionAddressCredentials(addr ExecutionAddress) Root {
	var r Root
	r[0] = ETH1AddressWithdrawalPrefix
	copy(r[12:], addr[:])
	return r
}
