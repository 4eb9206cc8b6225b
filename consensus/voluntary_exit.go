package consensus

import (
	"errors"
	"fmt"

	"github.com/stakesim/stakesim/crypto"
)

// Voluntary exits (phase0 operation, signature domain fixed by Deneb's
// EIP-7044, pending-withdrawal check added by Electra's EIP-7251).
//
// The rules follow ethereum/consensus-specs v1.7.0-alpha.13, the release
// named by SpecVersion (specs/electra/beacon-chain.md, "Modified
// process_voluntary_exit"). The quoted function and containers are
// byte-identical in v1.6.1 and at the repository's head (a08d8a6e2), and the
// same in substance since v1.5.0, the Electra mainnet release. The
// containers are phase0's (specs/phase0/beacon-chain.md).
//
// Object root (canonical SHA-256 as for every root of this package, see
// encoding.go; not SSZ):
//
//	VoluntaryExit (16 bytes): epoch u64 | validator_index u64
//	VoluntaryExit.Root = SHA-256(VoluntaryExit encoding)
//
// The domain and the signing root are exactly the spec's
// (crypto.ComputeDomain, crypto.ComputeSigningRoot).

// DomainVoluntaryExit is DOMAIN_VOLUNTARY_EXIT (phase0).
var DomainVoluntaryExit = DomainType{0x04, 0x00, 0x00, 0x00}

// MaxVoluntaryExits is MAX_VOLUNTARY_EXITS, the most voluntary exits a block
// may carry (phase0 preset; 16 in both mainnet and minimal); block
// processing rejects a block with more.
const MaxVoluntaryExits = 16

// CapellaForkVersion returns CAPELLA_FORK_VERSION: 0x03000000 in
// configs/mainnet.yaml and 0x03000001 in configs/minimal.yaml. The modelled
// chain runs Electra from genesis, so Config has no field for it; only the
// EIP-7044 voluntary-exit domain needs it. Both configurations number their
// fork versions as the fork's number in the first byte followed by the last
// three bytes of GENESIS_FORK_VERSION (ELECTRA_FORK_VERSION is 0x05000000 and
// 0x05000001), so it is derived from GenesisForkVersion.
func (c *Config) CapellaForkVersion() [4]byte {
	g := c.GenesisForkVersion
	return [4]byte{0x03, g[1], g[2], g[3]}
}

// VoluntaryExit is a validator's signed request to leave the active set.
//
// Spec definition (phase0):
//
//	class VoluntaryExit(Container):
//	    epoch: Epoch
//	    validator_index: ValidatorIndex
type VoluntaryExit struct {
	Epoch          Epoch
	ValidatorIndex ValidatorIndex
}

// SignedVoluntaryExit is a VoluntaryExit with the validator's signature.
//
// Spec definition (phase0):
//
//	class SignedVoluntaryExit(Container):
//	    message: VoluntaryExit
//	    signature: BLSSignature
type SignedVoluntaryExit struct {
	Message   VoluntaryExit
	Signature crypto.Signature
}

// Root returns the exit's object root: SHA-256 of epoch u64 |
// validator_index u64 (little-endian), the layout at the top of this file.
func (e VoluntaryExit) Root() Root {
	enc := newEncoder()
	enc.u64(uint64(e.Epoch))
	enc.u64(uint64(e.ValidatorIndex))
	return enc.sum()
}

// VoluntaryExitDomain is the EIP-7044 domain of voluntary exits:
// compute_domain(DOMAIN_VOLUNTARY_EXIT, CAPELLA_FORK_VERSION,
// state.genesis_validators_root). It does not depend on the current fork or
// on the exit's epoch, so a signed exit stays valid forever.
func VoluntaryExitDomain(cfg *Config, st *State) Root {
	return crypto.ComputeDomain(DomainVoluntaryExit, cfg.CapellaForkVersion(), st.GenesisValidatorsRoot)
}

// VoluntaryExitSigningRoot is the message a validator signs to exit:
// compute_signing_root(voluntary_exit, VoluntaryExitDomain(cfg, st)).
func VoluntaryExitSigningRoot(cfg *Config, st *State, e *VoluntaryExit) Root {
	return crypto.ComputeSigningRoot(e.Root(), VoluntaryExitDomain(cfg, st))
}

// Voluntary-exit errors. Every rejection wraps ErrInvalidVoluntaryExit and
// one of the check errors below (or ErrInvalidSignature), so callers can
// tell which assert failed with errors.Is.
var (
	ErrInvalidVoluntaryExit = errors.New("consensus: invalid voluntary exit")

	ErrExitUnknownValidator   = fmt.Errorf("%w: validator index out of range", ErrInvalidVoluntaryExit)
	ErrExitInactive           = fmt.Errorf("%w: validator not active", ErrInvalidVoluntaryExit)
	ErrExitAlreadyInitiated   = fmt.Errorf("%w: exit already initiated", ErrInvalidVoluntaryExit)
	ErrExitNotYetValid        = fmt.Errorf("%w: exit epoch is after the current epoch", ErrInvalidVoluntaryExit)
	ErrExitTooSoon            = fmt.Errorf("%w: validator active for less than SHARD_COMMITTEE_PERIOD", ErrInvalidVoluntaryExit)
	ErrExitPendingWithdrawals = fmt.Errorf("%w: validator has pending partial withdrawals", ErrInvalidVoluntaryExit)
)

// ProcessVoluntaryExit applies one signed voluntary exit to st: it checks
// the spec's asserts in order and then initiates the exit through the
// Electra exit churn (InitiateValidatorExit), which sets the validator's
// exit_epoch and withdrawable_epoch and consumes exit churn.
//
// Spec definition (Electra, ethereum/consensus-specs v1.7.0-alpha.13,
// specs/electra/beacon-chain.md):
//
//	def process_voluntary_exit(state: BeaconState, signed_voluntary_exit: SignedVoluntaryExit) -> None:
//	    voluntary_exit = signed_voluntary_exit.message
//	    validator = state.validators[voluntary_exit.validator_index]
//	    # Verify the validator is active
//	    assert is_active_validator(validator, get_current_epoch(state))
//	    # Verify exit has not been initiated
//	    assert validator.exit_epoch == FAR_FUTURE_EPOCH
//	    # Exits must specify an epoch when they become valid; they are not valid before then
//	    assert get_current_epoch(state) >= voluntary_exit.epoch
//	    # Verify the validator has been active long enough
//	    assert get_current_epoch(state) >= validator.activation_epoch + SHARD_COMMITTEE_PERIOD
//	    # [New in Electra:EIP7251]
//	    # Only exit validator if it has no pending withdrawals in the queue
//	    assert get_pending_balance_to_withdraw(state, voluntary_exit.validator_index) == 0
//	    # Verify signature
//	    domain = compute_domain(
//	        DOMAIN_VOLUNTARY_EXIT, CAPELLA_FORK_VERSION, state.genesis_validators_root
//	    )
//	    signing_root = compute_signing_root(voluntary_exit, domain)
//	    assert bls.Verify(validator.pubkey, signing_root, signed_voluntary_exit.signature)
//	    # Initiate exit
//	    initiate_validator_exit(state, voluntary_exit.validator_index)
//
// The spec's IndexError on an unknown index is ErrExitUnknownValidator. The
// signature is checked by v as a one-validator aggregate (the validator's
// key is the key directory's key at its index, see Validator), which is
// bls.Verify for a single key; pass AcceptAll to skip BLS. A failed check
// returns an error and leaves st unchanged: every assert is evaluated before
// anything is written.
func ProcessVoluntaryExit(cfg *Config, st *State, se *SignedVoluntaryExit, v Verifier) error {
	if v == nil {
		return fmt.Errorf("consensus: ProcessVoluntaryExit: nil Verifier (use AcceptAll to skip BLS)")
	}
	if se == nil {
		return fmt.Errorf("consensus: ProcessVoluntaryExit: nil exit")
	}
	if err := checkVoluntaryExit(cfg, st, &se.Message); err != nil {
		return err
	}
	i := se.Message.ValidatorIndex
	check := crypto.AggregateCheck{
		Indices:   []uint64{uint64(i)},
		Message:   VoluntaryExitSigningRoot(cfg, st, &se.Message),
		Signature: se.Signature,
	}
	if ok := v.VerifyAggregates([]crypto.AggregateCheck{check}); len(ok) != 1 || !ok[0] {
		return fmt.Errorf("%w: %w: validator %d (domain DOMAIN_VOLUNTARY_EXIT, CAPELLA_FORK_VERSION %#x)",
			ErrInvalidVoluntaryExit, ErrInvalidSignature, i, cfg.CapellaForkVersion())
	}
	InitiateValidatorExit(cfg, st, i)
	return nil
}

// checkVoluntaryExit runs every assert of process_voluntary_exit except the
// signature, in the spec's order, without writing to st.
func checkVoluntaryExit(cfg *Config, st *State, e *VoluntaryExit) error {
	i := e.ValidatorIndex
	if uint64(i) >= uint64(len(st.Validators)) {
		return fmt.Errorf("%w (validator %d, registry of %d)", ErrExitUnknownValidator, i, len(st.Validators))
	}
	val := &st.Validators[i]
	epoch := GetCurrentEpoch(cfg, st)
	if !IsActiveValidator(val, epoch) {
		return fmt.Errorf("%w (validator %d at epoch %d: activation epoch %d, exit epoch %d)",
			ErrExitInactive, i, epoch, val.ActivationEpoch, val.ExitEpoch)
	}
	if val.ExitEpoch != FarFutureEpoch {
		return fmt.Errorf("%w (validator %d exits at epoch %d)", ErrExitAlreadyInitiated, i, val.ExitEpoch)
	}
	if epoch < e.Epoch {
		return fmt.Errorf("%w (validator %d: exit epoch %d, current epoch %d)", ErrExitNotYetValid, i, e.Epoch, epoch)
	}
	// Active implies activation_epoch <= epoch, so the subtraction cannot
	// wrap (and activation_epoch + SHARD_COMMITTEE_PERIOD cannot overflow).
	if uint64(epoch-val.ActivationEpoch) < cfg.ShardCommitteePeriod {
		return fmt.Errorf("%w (validator %d: activation epoch %d + %d > current epoch %d)",
			ErrExitTooSoon, i, val.ActivationEpoch, cfg.ShardCommitteePeriod, epoch)
	}
	if pending := GetPendingBalanceToWithdraw(st, i); pending != 0 {
		return fmt.Errorf("%w (validator %d: %d Gwei pending)", ErrExitPendingWithdrawals, i, pending)
	}
	return nil
}
