package consensus

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"

	"github.com/stakesim/stakesim/crypto"
)

// Tests of process_voluntary_exit, ethereum/consensus-specs v1.7.0-alpha.13,
// specs/electra/beacon-chain.md ("Modified process_voluntary_exit").

// veEpoch is the epoch the fixtures run at: SHARD_COMMITTEE_PERIOD (64 in
// the minimal preset) after genesis, the first epoch at which a validator
// activated at genesis may exit.
const veEpoch = Epoch(64)

// veFixture returns the minimal preset, a keyring and a state at the first
// slot of veEpoch with 64 validators active since epoch 0: validator 0 has
// 0x02 credentials and 200 ETH (effective balance 200 ETH), the others 0x01
// credentials and 32 ETH. The state is moved to veEpoch by setting its slot:
// nothing process_voluntary_exit reads depends on the slots in between
// (running 64 empty epochs would only leak balances).
func veFixture(t *testing.T) (*Config, *crypto.Keyring, *State) {
	t.Helper()
	cfg := Minimal()
	vals := make([]GenesisValidator, 64)
	for i := range vals {
		vals[i] = GenesisValidator{Balance: 32 * tuETH, WithdrawalCredentials: tuCreds(ETH1AddressWithdrawalPrefix, i)}
	}
	vals[0] = GenesisValidator{Balance: 200 * tuETH, WithdrawalCredentials: tuCreds(CompoundingWithdrawalPrefix, 0)}
	st := tuGenesisWith(t, &cfg, vals)
	st.Slot = Slot(uint64(veEpoch) * cfg.SlotsPerEpoch)
	return &cfg, crypto.NewKeyring(11, 64, 2), st
}

// veSign signs exit with validator i's key under the EIP-7044 domain.
func veSign(cfg *Config, st *State, kr *crypto.Keyring, signer ValidatorIndex, e VoluntaryExit) *SignedVoluntaryExit {
	return &SignedVoluntaryExit{Message: e, Signature: crypto.Sign(kr.Secret(uint64(signer)), VoluntaryExitSigningRoot(cfg, st, &e))}
}

// TestCapellaForkVersion checks CAPELLA_FORK_VERSION against
// configs/mainnet.yaml (0x03000000) and configs/minimal.yaml (0x03000001),
// and that ELECTRA_FORK_VERSION follows the numbering it is derived from.
func TestCapellaForkVersion(t *testing.T) {
	for _, tc := range []struct {
		cfg           Config
		capella, elec [4]byte
	}{
		{Mainnet(), [4]byte{0x03, 0x00, 0x00, 0x00}, [4]byte{0x05, 0x00, 0x00, 0x00}},
		{Minimal(), [4]byte{0x03, 0x00, 0x00, 0x01}, [4]byte{0x05, 0x00, 0x00, 0x01}},
	} {
		if got := tc.cfg.CapellaForkVersion(); got != tc.capella {
			t.Errorf("%s: CAPELLA_FORK_VERSION %x, want %x", tc.cfg.PresetName, got, tc.capella)
		}
		if tc.cfg.ElectraForkVersion != tc.elec {
			t.Errorf("%s: ELECTRA_FORK_VERSION %x, want %x (the Capella derivation assumes this numbering)",
				tc.cfg.PresetName, tc.cfg.ElectraForkVersion, tc.elec)
		}
	}
}

// TestVoluntaryExitRoots checks the documented layout (epoch u64 |
// validator_index u64, little-endian, SHA-256) and that the signing root is
// compute_signing_root with the EIP-7044 domain.
func TestVoluntaryExitRoots(t *testing.T) {
	cfg, _, st := veFixture(t)
	e := VoluntaryExit{Epoch: 0x0102, ValidatorIndex: 7}
	enc, _ := hex.DecodeString("0201000000000000" + "0700000000000000")
	if got, want := e.Root(), Root(sha256.Sum256(enc)); got != want {
		t.Fatalf("Root %x, want %x", got, want)
	}
	domain := VoluntaryExitDomain(cfg, st)
	// compute_domain: domain_type (0x04000000) + fork_data_root[:28], with
	// fork_data_root = SHA-256(CAPELLA_FORK_VERSION padded to 32 bytes | gvr).
	var leaves [64]byte
	copy(leaves[:4], []byte{0x03, 0x00, 0x00, 0x01})
	copy(leaves[32:], st.GenesisValidatorsRoot[:])
	fdr := sha256.Sum256(leaves[:])
	var want Root
	copy(want[:4], []byte{0x04, 0x00, 0x00, 0x00})
	copy(want[4:], fdr[:28])
	if domain != want {
		t.Fatalf("domain %x, want %x", domain, want)
	}
	if domain == GetDomain(cfg, st, DomainVoluntaryExit, veEpoch) {
		t.Fatal("EIP-7044 domain equals the current-fork (Electra) domain")
	}
	r := e.Root()
	if got, want := VoluntaryExitSigningRoot(cfg, st, &e), Root(sha256.Sum256(append(r[:], domain[:]...))); got != want {
		t.Fatalf("signing root %x, want %x", got, want)
	}
}

// TestVoluntaryExitChurn applies three valid exits at epoch 64 and checks
// exit_epoch and withdrawable_epoch as initiate_validator_exit and
// compute_exit_epoch_and_update_churn give them, worked by hand:
//
//	total active balance = 63 × 32 + 200 = 2216 ETH
//	get_balance_churn_limit = max(64 ETH, 2216 ETH // 32 = 69.25 ETH) = 69.25 ETH,
//	    rounded down to the increment: 69 ETH
//	per_epoch_churn = min(MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT 128 ETH, 69 ETH) = 69 ETH
//	compute_activation_exit_epoch(64) = 64 + 1 + MAX_SEED_LOOKAHEAD 4 = 69
//	genesis earliest_exit_epoch = 6 < 69: a new exit epoch
//
//	exit validator 0 (effective 200 ETH):
//	    earliest = 69, to_consume = 69 ETH; 200 > 69:
//	    balance_to_process = 131 ETH, additional_epochs = (131e9 - 1) // 69e9 + 1 = 2
//	    earliest = 71, to_consume = 69 + 2 × 69 = 207 ETH, left 207 - 200 = 7 ETH
//	    exit_epoch 71, withdrawable_epoch 71 + 256 = 327
//	exit validator 5 (32 ETH):
//	    earliest = max(71, 69) = 71, not new: to_consume = 7 ETH; 32 > 7:
//	    balance_to_process = 25 ETH, additional_epochs = (25e9 - 1) // 69e9 + 1 = 1
//	    earliest = 72, to_consume = 7 + 69 = 76 ETH, left 76 - 32 = 44 ETH
//	    exit_epoch 72, withdrawable_epoch 328
//	exit validator 6 (32 ETH):
//	    to_consume = 44 ETH >= 32: earliest stays 72, left 12 ETH
//	    exit_epoch 72, withdrawable_epoch 328
//
// Nothing else in the state changes (balances included).
func TestVoluntaryExitChurn(t *testing.T) {
	cfg, kr, st := veFixture(t)
	if got := GetTotalActiveBalance(cfg, st); got != 2216*tuETH {
		t.Fatalf("total active balance %d, want 2216 ETH", got)
	}
	for _, step := range []struct {
		v                    ValidatorIndex
		exitEpoch, withdrawn Epoch
		left                 Gwei
	}{
		{0, 71, 327, 7 * tuETH},
		{5, 72, 328, 44 * tuETH},
		{6, 72, 328, 12 * tuETH},
	} {
		want := st.Copy()
		want.MutValidator(ValidatorIndex(step.v)).ExitEpoch = step.exitEpoch
		want.MutValidator(ValidatorIndex(step.v)).WithdrawableEpoch = step.withdrawn
		want.EarliestExitEpoch = step.exitEpoch
		want.ExitBalanceToConsume = step.left

		se := veSign(cfg, st, kr, step.v, VoluntaryExit{Epoch: veEpoch, ValidatorIndex: step.v})
		if err := ProcessVoluntaryExit(cfg, st, se, kr); err != nil {
			t.Fatalf("exit %d: %v", step.v, err)
		}
		if !reflect.DeepEqual(st, want) {
			v := st.Validators[step.v]
			t.Fatalf("exit %d: exit_epoch %d withdrawable_epoch %d earliest_exit_epoch %d exit_balance_to_consume %d; want %d %d %d %d (or another field changed)",
				step.v, v.ExitEpoch, v.WithdrawableEpoch, st.EarliestExitEpoch, st.ExitBalanceToConsume,
				step.exitEpoch, step.withdrawn, step.exitEpoch, step.left)
		}
	}
}

// TestVoluntaryExitRejected checks every assert of process_voluntary_exit:
// each failure returns the error naming it (wrapping
// ErrInvalidVoluntaryExit) and leaves the state unchanged.
func TestVoluntaryExitRejected(t *testing.T) {
	cfg, kr, base := veFixture(t)
	const v = ValidatorIndex(5)
	exit := VoluntaryExit{Epoch: veEpoch, ValidatorIndex: v}
	for _, tc := range []struct {
		name   string
		mutate func(st *State)
		exit   VoluntaryExit
		sign   func(st *State, e VoluntaryExit) crypto.Signature // nil: v's key, EIP-7044 domain
		want   error
	}{
		{name: "unknown validator", exit: VoluntaryExit{Epoch: veEpoch, ValidatorIndex: 64},
			sign: func(*State, VoluntaryExit) crypto.Signature { return crypto.Signature{} }, want: ErrExitUnknownValidator},
		{name: "not yet active", mutate: func(st *State) {
			st.MutValidator(ValidatorIndex(v)).ActivationEpoch = veEpoch + 1
		}, exit: exit, want: ErrExitInactive},
		{name: "already exited", mutate: func(st *State) {
			st.MutValidator(ValidatorIndex(v)).ExitEpoch, st.MutValidator(ValidatorIndex(v)).WithdrawableEpoch = veEpoch-4, veEpoch+252
		}, exit: exit, want: ErrExitInactive},
		{name: "exit already initiated", mutate: func(st *State) {
			st.MutValidator(ValidatorIndex(v)).ExitEpoch, st.MutValidator(ValidatorIndex(v)).WithdrawableEpoch = veEpoch+6, veEpoch+262
		}, exit: exit, want: ErrExitAlreadyInitiated},
		{name: "exit epoch in the future", exit: VoluntaryExit{Epoch: veEpoch + 1, ValidatorIndex: v}, want: ErrExitNotYetValid},
		// activation_epoch + SHARD_COMMITTEE_PERIOD = 1 + 64 = 65 > 64.
		{name: "active for 63 epochs", mutate: func(st *State) {
			st.MutValidator(ValidatorIndex(v)).ActivationEpoch = 1
		}, exit: exit, want: ErrExitTooSoon},
		// At epoch 63 a validator active since 0 has served 63 < 64 epochs.
		{name: "epoch 63", mutate: func(st *State) {
			st.Slot = Slot(uint64(veEpoch-1)*cfg.SlotsPerEpoch + cfg.SlotsPerEpoch - 1)
		}, exit: VoluntaryExit{Epoch: veEpoch - 1, ValidatorIndex: v}, want: ErrExitTooSoon},
		{name: "pending partial withdrawal", mutate: func(st *State) {
			st.PendingPartialWithdrawals = append(st.PendingPartialWithdrawals,
				PendingPartialWithdrawal{ValidatorIndex: 3, Amount: tuETH, WithdrawableEpoch: 400},
				PendingPartialWithdrawal{ValidatorIndex: v, Amount: 1, WithdrawableEpoch: 400})
		}, exit: exit, want: ErrExitPendingWithdrawals},
		{name: "signed by another validator", exit: exit, sign: func(st *State, e VoluntaryExit) crypto.Signature {
			return crypto.Sign(kr.Secret(6), VoluntaryExitSigningRoot(cfg, st, &e))
		}, want: ErrInvalidSignature},
		{name: "signature over another exit", exit: exit, sign: func(st *State, e VoluntaryExit) crypto.Signature {
			e.Epoch--
			return crypto.Sign(kr.Secret(uint64(v)), VoluntaryExitSigningRoot(cfg, st, &e))
		}, want: ErrInvalidSignature},
		{name: "zero signature", exit: exit, sign: func(*State, VoluntaryExit) crypto.Signature {
			return crypto.Signature{}
		}, want: ErrInvalidSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := base.Copy()
			if tc.mutate != nil {
				tc.mutate(st)
			}
			se := &SignedVoluntaryExit{Message: tc.exit}
			if tc.sign != nil {
				se.Signature = tc.sign(st, tc.exit)
			} else {
				se = veSign(cfg, st, kr, tc.exit.ValidatorIndex, tc.exit)
			}
			before := st.Copy()
			err := ProcessVoluntaryExit(cfg, st, se, kr)
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrInvalidVoluntaryExit) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if !reflect.DeepEqual(st, before) {
				t.Fatal("a rejected exit changed the state")
			}
		})
	}
}

// TestVoluntaryExitEIP7044Domain: since Deneb (EIP-7044) the exit domain is
// fixed to CAPELLA_FORK_VERSION. A signature made with the current fork's
// domain (get_domain, Electra here), with GENESIS_FORK_VERSION, or for
// another chain (another genesis_validators_root) is rejected; the
// Capella-domain signature of an exit valid since epoch 0 is accepted.
func TestVoluntaryExitEIP7044Domain(t *testing.T) {
	cfg, kr, base := veFixture(t)
	const v = ValidatorIndex(9)
	e := VoluntaryExit{Epoch: 0, ValidatorIndex: v}
	sk := kr.Secret(uint64(v))
	for _, tc := range []struct {
		name   string
		domain Root
		ok     bool
	}{
		{"current fork (Electra) domain", GetDomain(cfg, base, DomainVoluntaryExit, veEpoch), false},
		{"genesis fork domain", crypto.ComputeDomain(DomainVoluntaryExit, cfg.GenesisForkVersion, base.GenesisValidatorsRoot), false},
		{"Capella domain of another chain", crypto.ComputeDomain(DomainVoluntaryExit, cfg.CapellaForkVersion(), Root{}), false},
		{"Capella domain (EIP-7044)", crypto.ComputeDomain(DomainVoluntaryExit, [4]byte{0x03, 0x00, 0x00, 0x01}, base.GenesisValidatorsRoot), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := base.Copy()
			se := &SignedVoluntaryExit{Message: e, Signature: crypto.Sign(sk, crypto.ComputeSigningRoot(e.Root(), tc.domain))}
			err := ProcessVoluntaryExit(cfg, st, se, kr)
			if !tc.ok {
				if !errors.Is(err, ErrInvalidSignature) || !errors.Is(err, ErrInvalidVoluntaryExit) {
					t.Fatalf("error %v, want ErrInvalidSignature", err)
				}
				if !reflect.DeepEqual(st, base) {
					t.Fatal("a rejected exit changed the state")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Total 2216 ETH, churn 69 ETH: the first exit fits in epoch 69.
			if got := st.Validators[v]; got.ExitEpoch != 69 || got.WithdrawableEpoch != 69+256 {
				t.Fatalf("exit_epoch %d withdrawable_epoch %d, want 69 325", got.ExitEpoch, got.WithdrawableEpoch)
			}
		})
	}
}

// TestVoluntaryExitPendingWithdrawalOfOther: only the exiting validator's
// own pending partial withdrawals block it (get_pending_balance_to_withdraw
// sums by validator index); once its own are gone it may exit.
func TestVoluntaryExitPendingWithdrawalOfOther(t *testing.T) {
	cfg, kr, st := veFixture(t)
	const v = ValidatorIndex(5)
	st.PendingPartialWithdrawals = []PendingPartialWithdrawal{
		{ValidatorIndex: 0, Amount: 10 * tuETH, WithdrawableEpoch: 400},
		{ValidatorIndex: v, Amount: tuETH, WithdrawableEpoch: 400},
	}
	se := veSign(cfg, st, kr, v, VoluntaryExit{Epoch: veEpoch, ValidatorIndex: v})
	if err := ProcessVoluntaryExit(cfg, st, se, kr); !errors.Is(err, ErrExitPendingWithdrawals) {
		t.Fatalf("error %v, want ErrExitPendingWithdrawals", err)
	}
	st.PendingPartialWithdrawals = st.PendingPartialWithdrawals[:1] // v's withdrawal was paid
	if err := ProcessVoluntaryExit(cfg, st, se, kr); err != nil {
		t.Fatal(err)
	}
	if st.Validators[v].ExitEpoch != 69 {
		t.Fatalf("exit_epoch %d, want 69", st.Validators[v].ExitEpoch)
	}
	// The exit is now initiated: the same exit again is rejected.
	if err := ProcessVoluntaryExit(cfg, st, se, kr); !errors.Is(err, ErrExitAlreadyInitiated) {
		t.Fatalf("second exit: error %v, want ErrExitAlreadyInitiated", err)
	}
}

// TestVoluntaryExitVerifiers: AcceptAll (BLS off) accepts an unsigned exit;
// a nil Verifier is an error that leaves the state alone.
func TestVoluntaryExitVerifiers(t *testing.T) {
	cfg, _, st := veFixture(t)
	se := &SignedVoluntaryExit{Message: VoluntaryExit{Epoch: veEpoch, ValidatorIndex: 3}}
	before := st.Copy()
	if err := ProcessVoluntaryExit(cfg, st, se, nil); err == nil {
		t.Fatal("nil Verifier accepted")
	}
	if !reflect.DeepEqual(st, before) {
		t.Fatal("nil Verifier changed the state")
	}
	if err := ProcessVoluntaryExit(cfg, st, se, AcceptAll{}); err != nil {
		t.Fatal(err)
	}
	if st.Validators[3].ExitEpoch != 69 {
		t.Fatalf("exit_epoch %d, want 69", st.Validators[3].ExitEpoch)
	}
}
