package consensus

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/crypto"
)

// Tests of voluntary exits and BLS-to-execution changes as block operations
// (process_operations, ethereum/consensus-specs v1.7.0-alpha.13,
// specs/electra/beacon-chain.md: voluntary exits and then
// bls_to_execution_changes after the attestations and deposits, before the
// execution requests; MAX_VOLUNTARY_EXITS = MAX_BLS_TO_EXECUTION_CHANGES = 16).

// beBlock builds the block at st's slot with the given exits and changes,
// signed by its proposer with kr (zero signature when kr is nil).
func beBlock(t *testing.T, cfg *Config, st *State, kr *crypto.Keyring, exits []SignedVoluntaryExit, changes []SignedBLSToExecutionChange) *SignedBeaconBlock {
	t.Helper()
	sb := tuBlock(t, cfg, st, nil, nil, nil, nil)
	sb.Message.Body.VoluntaryExits = exits
	sb.Message.Body.BLSToExecutionChanges = changes
	tuSignBlock(cfg, st, kr, sb)
	return sb
}

// TestBlockVoluntaryExits: a block at epoch 64 carrying the exits of
// validators 0 (200 ETH), 5 and 6 in that order is valid and initiates the
// three exits as TestVoluntaryExitChurn works them out by hand: exit epochs
// 71, 72, 72, withdrawable 327, 328, 328, exit_balance_to_consume 12 ETH
// left. The three signatures join the block's single batch: 4 checks (the
// block's own and three exits), 4 signatures.
func TestBlockVoluntaryExits(t *testing.T) {
	cfg, kr, st := veFixture(t)
	var exits []SignedVoluntaryExit
	for _, v := range []ValidatorIndex{0, 5, 6} {
		exits = append(exits, *veSign(cfg, st, kr, v, VoluntaryExit{Epoch: veEpoch, ValidatorIndex: v}))
	}
	sb := beBlock(t, cfg, st, kr, exits, nil)
	rep, err := ProcessBlock(cfg, st, sb, kr)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		v           ValidatorIndex
		exit, withd Epoch
	}{{0, 71, 327}, {5, 72, 328}, {6, 72, 328}} {
		if got := st.Validators[w.v]; got.ExitEpoch != w.exit || got.WithdrawableEpoch != w.withd {
			t.Errorf("validator %d: exit %d withdrawable %d, want %d %d", w.v, got.ExitEpoch, got.WithdrawableEpoch, w.exit, w.withd)
		}
	}
	if st.EarliestExitEpoch != 72 || st.ExitBalanceToConsume != 12*tuETH {
		t.Errorf("earliest_exit_epoch %d, exit_balance_to_consume %d; want 72 and 12 ETH", st.EarliestExitEpoch, st.ExitBalanceToConsume)
	}
	if st.Validators[1].ExitEpoch != FarFutureEpoch {
		t.Error("validator 1 exits without an exit in the block")
	}
	if rep.VoluntaryExits != 3 || rep.BLSToExecutionChanges != 0 || rep.AggregatesVerified != 4 || rep.Signatures != 4 {
		t.Errorf("report: %d exits, %d changes, %d checks, %d signatures; want 3, 0, 4, 4",
			rep.VoluntaryExits, rep.BLSToExecutionChanges, rep.AggregatesVerified, rep.Signatures)
	}
}

// TestBlockExitLimits: 16 exits (validators 1..16) or 16 changes are
// within MAX_VOLUNTARY_EXITS and MAX_BLS_TO_EXECUTION_CHANGES; 17 of
// either make the block invalid.
func TestBlockExitLimits(t *testing.T) {
	cfg, _, base := veFixture(t)
	exits := make([]SignedVoluntaryExit, 17)
	for i := range exits {
		exits[i].Message = VoluntaryExit{Epoch: veEpoch, ValidatorIndex: ValidatorIndex(i + 1)}
	}
	st := base.Copy()
	rep, err := ProcessBlock(cfg, st, beBlock(t, cfg, st, nil, exits[:16], nil), AcceptAll{})
	if err != nil || rep.VoluntaryExits != 16 {
		t.Fatalf("16 exits: %v (%d applied)", err, rep.VoluntaryExits)
	}
	st = base.Copy()
	_, err = ProcessBlock(cfg, st, beBlock(t, cfg, st, nil, exits, nil), AcceptAll{})
	if !errors.Is(err, ErrInvalidBlock) || !errors.Is(err, ErrInvalidVoluntaryExit) || !strings.Contains(err.Error(), "17 voluntary exits > MAX_VOLUNTARY_EXITS 16") {
		t.Fatalf("17 exits: %v", err)
	}

	bcfg, _, wks, bst := bcFixture(t)
	tuAdvance(t, bcfg, bst, 1)
	changes := make([]SignedBLSToExecutionChange, 17)
	for i := range changes {
		changes[i].Message = bcChange(ValidatorIndex(2+i%6), wks[2+i%6])
	}
	st = bst.Copy()
	_, err = ProcessBlock(bcfg, st, beBlock(t, bcfg, st, nil, nil, changes), AcceptAll{})
	if !errors.Is(err, ErrInvalidBLSToExecutionChange) || !strings.Contains(err.Error(), "17 BLS-to-execution changes > MAX_BLS_TO_EXECUTION_CHANGES 16") {
		t.Fatalf("17 changes: %v", err)
	}
}

// TestBlockExitBadSignature: an exit signed by another validator, or a
// change signed by another withdrawal key, makes the block invalid with
// ErrInvalidSignature naming the operation.
func TestBlockExitBadSignature(t *testing.T) {
	cfg, kr, st := veFixture(t)
	e := VoluntaryExit{Epoch: veEpoch, ValidatorIndex: 5}
	bad := *veSign(cfg, st, kr, 6, e)
	good := *veSign(cfg, st, kr, 7, VoluntaryExit{Epoch: veEpoch, ValidatorIndex: 7})
	_, err := ProcessBlock(cfg, st, beBlock(t, cfg, st, kr, []SignedVoluntaryExit{good, bad}, nil), kr)
	if !errors.Is(err, ErrInvalidSignature) || !strings.Contains(err.Error(), "voluntary exit 1 (validator 5") {
		t.Fatalf("exit signed by validator 6 for 5: %v", err)
	}

	bcfg, bkr, wks, bst := bcFixture(t)
	tuAdvance(t, bcfg, bst, 1)
	c := bcChange(3, wks[3])
	sc := *bcSign(bcfg, bst, wks[4], c)
	_, err = ProcessBlock(bcfg, bst, beBlock(t, bcfg, bst, bkr, nil, []SignedBLSToExecutionChange{sc}), bkr)
	if !errors.Is(err, ErrInvalidSignature) || !errors.Is(err, ErrInvalidBLSToExecutionChange) || !strings.Contains(err.Error(), "BLS-to-execution change 0") {
		t.Fatalf("change signed by the wrong withdrawal key: %v", err)
	}
}

// TestBlockBLSChanges: changes for validators 2 and 3 in a block (real BLS:
// the keyring verifier is no PubkeyVerifier, so ProcessBlock uses
// BLSPubkeyVerifier) set their credentials to
// 0x01 || 11 zero bytes || 0x1112...24 and touch no other validator; a
// change for the 0x01 validator 0 makes the block invalid.
func TestBlockBLSChanges(t *testing.T) {
	cfg, kr, wks, st := bcFixture(t)
	tuAdvance(t, cfg, st, 1)
	base := st.Copy()
	changes := []SignedBLSToExecutionChange{*bcSign(cfg, st, wks[2], bcChange(2, wks[2])), *bcSign(cfg, st, wks[3], bcChange(3, wks[3]))}
	rep, err := ProcessBlock(cfg, st, beBlock(t, cfg, st, kr, nil, changes), kr)
	if err != nil {
		t.Fatal(err)
	}
	want := Root{0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24}
	for i := range st.Validators {
		got, was := st.Validators[i].WithdrawalCredentials, base.Validators[i].WithdrawalCredentials
		switch {
		case i == 2 || i == 3:
			if got != want {
				t.Errorf("validator %d credentials %x, want %x", i, got, want)
			}
		case got != was:
			t.Errorf("validator %d credentials changed", i)
		}
	}
	if rep.BLSToExecutionChanges != 2 || rep.AggregatesVerified != 1 {
		t.Errorf("report: %d changes, %d batched checks; want 2 and 1 (changes are not batched)", rep.BLSToExecutionChanges, rep.AggregatesVerified)
	}
	st = base.Copy()
	c := BLSToExecutionChange{ValidatorIndex: 0, FromBLSPubkey: wks[0].PublicKey().Bytes(), ToExecutionAddress: bcAddress()}
	_, err = ProcessBlock(cfg, st, beBlock(t, cfg, st, kr, nil, []SignedBLSToExecutionChange{*bcSign(cfg, st, wks[0], c)}), kr)
	if !errors.Is(err, ErrBLSChangeNotBLSCredential) {
		t.Fatalf("change for a 0x01 validator: %v", err)
	}
}

// TestBlockExitOperationOrder checks the order of process_operations with
// a block at epoch 64 (8 validators of bcFixture) that carries:
//
//   - a voluntary exit of validator 0 (0x01) and an EIP-7002 full-exit
//     request for validator 0 from its own address: exits come first, so
//     the request finds the exit initiated and is ignored (in the other
//     order the request would exit validator 0 and the voluntary exit would
//     fail "exit already initiated", invalidating the block);
//   - a BLS change of validator 2 to 0x1112...24 and a full-exit request
//     for validator 2 from 0x1112...24: changes come before the execution
//     requests, so the request finds the new 0x01 credentials and exits
//     validator 2 (in the other order it would be ignored: no execution
//     credentials).
//
// Exit epochs by hand: total active 8 × 32 = 256 ETH; balance churn
// max(64 ETH, 256/32 = 8 ETH) = 64 ETH = the exit churn (below 128);
// compute_activation_exit_epoch(64) = 69 > earliest_exit_epoch 6, so both
// exits (32 ETH each, 64 ETH in all) fit in epoch 69 and consume the whole
// churn: exit epoch 69, withdrawable 69 + 256 = 325, 0 ETH left.
func TestBlockExitOperationOrder(t *testing.T) {
	cfg, kr, wks, st := bcFixture(t)
	keys := &rqKeys{verify: true}
	st.Caches().SetKeys(keys)
	st.Slot = Slot(uint64(veEpoch) * cfg.SlotsPerEpoch)
	se := SignedVoluntaryExit{Message: VoluntaryExit{Epoch: veEpoch, ValidatorIndex: 0}}
	se.Signature = crypto.Sign(kr.Secret(0), VoluntaryExitSigningRoot(cfg, st, &se.Message))
	sc := *bcSign(cfg, st, wks[2], bcChange(2, wks[2]))
	sb := beBlock(t, cfg, st, nil, []SignedVoluntaryExit{se}, []SignedBLSToExecutionChange{sc})
	sb.Message.Body.ExecutionRequests.Withdrawals = []WithdrawalRequest{
		{SourceAddress: AddressOf(st.Validators[0].WithdrawalCredentials), ValidatorPubkey: keys.Pubkey(0), Amount: FullExitRequestAmount},
		{SourceAddress: bcAddress(), ValidatorPubkey: keys.Pubkey(2), Amount: FullExitRequestAmount},
	}
	tuSignBlock(cfg, st, kr, sb)
	rep, err := ProcessBlock(cfg, st, sb, kr)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []ValidatorIndex{0, 2} {
		if got := st.Validators[v]; got.ExitEpoch != 69 || got.WithdrawableEpoch != 325 {
			t.Errorf("validator %d: exit %d withdrawable %d, want 69 and 325", v, got.ExitEpoch, got.WithdrawableEpoch)
		}
	}
	if st.ExitBalanceToConsume != 0 || st.EarliestExitEpoch != 69 {
		t.Errorf("exit_balance_to_consume %d, earliest_exit_epoch %d; want 0 and 69", st.ExitBalanceToConsume, st.EarliestExitEpoch)
	}
	if rep.VoluntaryExits != 1 || rep.BLSToExecutionChanges != 1 || rep.Requests.Exits != 1 {
		t.Errorf("report: %d voluntary exits, %d changes, %d request exits; want 1, 1, 1", rep.VoluntaryExits, rep.BLSToExecutionChanges, rep.Requests.Exits)
	}
}

// TestBlockBodyRootExitOperations: a body without exits or changes keeps
// the root it had before they existed (the encoding appends them only when
// present); adding an exit, or a change, changes the root; an exit in a
// body without execution requests does not collide with a body whose
// execution requests encode the same bytes.
func TestBlockBodyRootExitOperations(t *testing.T) {
	var empty BeaconBlockBody
	// SHA-256 of randao [32] | graffiti [32] | four zero u64 lengths |
	// the sync aggregate (a zero u64 bit length and a zero signature): the
	// layout before exits existed, written out independently.
	zsig := crypto.Signature{}.Bytes()
	enc := make([]byte, 64+4*8+8)
	enc = append(enc, zsig[:]...)
	want := Root(sha256.Sum256(enc))
	if empty.Root() != want {
		t.Fatalf("empty body root %x, want %x", empty.Root(), want)
	}
	withExit := BeaconBlockBody{VoluntaryExits: []SignedVoluntaryExit{{Message: VoluntaryExit{Epoch: 1, ValidatorIndex: 2}}}}
	withChange := BeaconBlockBody{BLSToExecutionChanges: []SignedBLSToExecutionChange{{Message: BLSToExecutionChange{ValidatorIndex: 2}}}}
	if withExit.Root() == empty.Root() || withChange.Root() == empty.Root() || withExit.Root() == withChange.Root() {
		t.Fatal("exits or changes do not change the body root")
	}
	// The exit section follows three empty request lists.
	enc = append(enc, make([]byte, 3*8)...)
	enc = append(enc, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0)
	enc = append(enc, zsig[:]...)
	enc = append(enc, make([]byte, 8)...)
	if got := withExit.Root(); got != Root(sha256.Sum256(enc)) {
		t.Fatalf("body root with one exit %x, want %x", got, sha256.Sum256(enc))
	}
}
