package consensus

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/stakesim/stakesim/crypto"
)

// Slot and block processing: process_slots, state_transition, process_block
// and its parts. Operations live in attestation.go, slashing_ops.go and
// withdrawals.go.
//
// A block is applied to a State in place. If ProcessBlock (or
// StateTransition) returns an error the block is invalid and the State has
// been partly modified: the caller must discard it and keep using the
// parent's post-state (apply blocks to a Copy). This mirrors the spec, where
// a failed assert invalidates the whole transition.

// maxSlotAdvance bounds one ProcessSlots call (about 1,000 years of slots).
const maxSlotAdvance = 1 << 32

// ProcessSlots advances st to slot, running process_slot on every slot and
// ProcessEpoch at the end of every epoch, and returns the epoch reports in
// order.
//
// Spec definition:
//
//	def process_slots(state: BeaconState, slot: Slot) -> None:
//	    assert state.slot < slot
//	    while state.slot < slot:
//	        process_slot(state)
//	        # Process epoch on the start slot of the next epoch
//	        if (state.slot + 1) % SLOTS_PER_EPOCH == 0:
//	            process_epoch(state)
//	        state.slot = Slot(state.slot + 1)
func ProcessSlots(cfg *Config, st *State, slot Slot) ([]EpochReport, error) {
	return ProcessSlotsWithPubkeys(cfg, st, slot, nil)
}

// ProcessSlotsWithPubkeys is ProcessSlots with a public-key index for the
// pending deposits of epoch processing (see ProcessEpochWithPubkeys). With
// idx nil it calls ProcessEpoch, which looks for an index on st's Caches.
func ProcessSlotsWithPubkeys(cfg *Config, st *State, slot Slot, idx PubkeyIndexFunc) ([]EpochReport, error) {
	if slot <= st.Slot {
		return nil, fmt.Errorf("%w: process_slots to %d from %d", ErrSlotInPast, slot, st.Slot)
	}
	if slot-st.Slot > maxSlotAdvance {
		return nil, fmt.Errorf("consensus: process_slots: %d slots at once exceeds the bound %d", slot-st.Slot, uint64(maxSlotAdvance))
	}
	if len(st.BlockRoots) == 0 || len(st.RandaoMixes) == 0 || cfg.SlotsPerEpoch == 0 {
		return nil, fmt.Errorf("consensus: process_slots: state has no history rings (build it with NewGenesisState)")
	}
	var reports []EpochReport
	for st.Slot < slot {
		processSlot(st)
		if (uint64(st.Slot)+1)%cfg.SlotsPerEpoch == 0 {
			var r EpochReport
			var err error
			if idx != nil {
				r, err = ProcessEpochWithPubkeys(cfg, st, idx)
			} else {
				r, err = ProcessEpoch(cfg, st)
			}
			if err != nil {
				return reports, fmt.Errorf("slot %d: process_epoch: %w", st.Slot, err)
			}
			reports = append(reports, r)
		}
		st.Slot++
	}
	return reports, nil
}

// processSlot records the previous block root in the block-root ring. There
// are no state roots in the model (README), so the spec's state-root caching
// has nothing to do and the latest header is hashed as it stands.
//
// Spec definition:
//
//	def process_slot(state: BeaconState) -> None:
//	    # Cache state root
//	    previous_state_root = hash_tree_root(state)
//	    state.state_roots[state.slot % SLOTS_PER_HISTORICAL_ROOT] = previous_state_root
//	    # Cache latest block header state root
//	    if state.latest_block_header.state_root == Bytes32():
//	        state.latest_block_header.state_root = previous_state_root
//	    # Cache block root
//	    previous_block_root = hash_tree_root(state.latest_block_header)
//	    state.block_roots[state.slot % SLOTS_PER_HISTORICAL_ROOT] = previous_block_root
func processSlot(st *State) {
	st.BlockRoots[uint64(st.Slot)%uint64(len(st.BlockRoots))] = st.LatestBlockHeader.Root()
}

// BlockReport summarises what one block did.
type BlockReport struct {
	Slot      Slot
	Proposer  ValidatorIndex
	BlockRoot Root

	AttestationsIncluded int
	ProposerSlashings    int
	AttesterSlashings    int
	// AggregatesVerified is the number of signature checks handed to the
	// Verifier in the block's single VerifyAggregates call (block signature,
	// attestations, both sides of every slashing); Signatures sums their
	// participants.
	AggregatesVerified int
	Signatures         int

	// ProposerReward is the proposer's attestation-inclusion reward. Its
	// slashing rewards are paid by SlashValidator and not counted here.
	ProposerReward Gwei
	// Slashed lists the validators slashed by the block, in processing order.
	Slashed []ValidatorIndex
	// Slashings reports what each of those slashes applied (same order):
	// the initial penalty and the whistleblower and proposer rewards.
	Slashings []SlashingReport

	Withdrawals   int
	WithdrawnGwei Gwei

	// Requests is what the block's execution requests did.
	Requests RequestsReport

	// NewTimelySource/Target/Head count the participation flags that the
	// block's attestations set for the first time.
	NewTimelySource int
	NewTimelyTarget int
	NewTimelyHead   int

	// VoluntaryExits and BLSToExecutionChanges count the block's voluntary
	// exits (each initiated an exit) and BLS-to-execution changes (each
	// switched a validator to 0x01 credentials).
	VoluntaryExits        int
	BLSToExecutionChanges int
	// SyncParticipants is the number of sync committee bits the block's
	// SyncAggregate set. SyncRewards is what process_sync_aggregate paid
	// (participants' and proposer's rewards; SyncProposerReward is the
	// proposer's part), SyncPenalties what it took from members without a
	// bit (after clamping at zero balance).
	SyncParticipants   int
	SyncRewards        Gwei
	SyncProposerReward Gwei
	SyncPenalties      Gwei
}

// StateTransition advances st to the block's slot (if it is behind) and
// applies the block.
//
// Spec definition:
//
//	def state_transition(
//	    state: BeaconState, signed_block: SignedBeaconBlock, validate_result: bool = True
//	) -> None:
//	    block = signed_block.message
//	    # Process slots (including those with no blocks) since block
//	    process_slots(state, block.slot)
//	    # Verify signature
//	    if validate_result:
//	        assert verify_block_signature(state, signed_block)
//	    # Process block
//	    process_block(state, block)
//	    # Verify state root
//	    if validate_result:
//	        assert block.state_root == hash_tree_root(state)
//
// The block signature is checked inside ProcessBlock together with every
// other signature of the block; there is no state root to compare.
func StateTransition(cfg *Config, st *State, sb *SignedBeaconBlock, v Verifier) ([]EpochReport, BlockReport, error) {
	var reports []EpochReport
	if st.Slot < sb.Message.Slot {
		r, err := ProcessSlots(cfg, st, sb.Message.Slot)
		if err != nil {
			return r, BlockReport{}, err
		}
		reports = r
	}
	rep, err := ProcessBlock(cfg, st, sb, v)
	return reports, rep, err
}

// blockContext carries the figures that process_block computes once and
// every operation reuses, and the signature checks collected for the single
// verification at the end.
type blockContext struct {
	cfg      *Config
	st       *State
	proposer ValidatorIndex
	epoch    Epoch

	// totalActive is get_total_active_balance, computed on first use. It is
	// valid for the whole block: effective balances and the active set of
	// the current epoch change only in epoch processing (slashings and exits
	// take effect at least MAX_SEED_LOOKAHEAD+1 epochs later).
	totalActive Gwei
	haveTotal   bool

	shufflings [2]*Shuffling // previous, current epoch (fetched on first use)

	checks []crypto.AggregateCheck
	labels []string
	report BlockReport

	// pkv checks BLS-to-execution-change signatures (see pubkeyVerifierOf).
	pkv PubkeyVerifier
}

func (bc *blockContext) total() Gwei {
	if !bc.haveTotal {
		bc.totalActive = GetTotalActiveBalance(bc.cfg, bc.st)
		bc.haveTotal = true
	}
	return bc.totalActive
}

// shuffling returns the committees of epoch, which must be the previous or
// the current epoch.
func (bc *blockContext) shuffling(epoch Epoch) (*Shuffling, error) {
	slot := 1
	if epoch != bc.epoch {
		slot = 0
	}
	if bc.shufflings[slot] == nil {
		s, err := EpochCommittees(bc.cfg, bc.st, epoch)
		if err != nil {
			return nil, err
		}
		bc.shufflings[slot] = s
	}
	return bc.shufflings[slot], nil
}

func (bc *blockContext) addCheck(label string, indices []ValidatorIndex, msg Root, sig crypto.Signature) {
	idx := make([]uint64, len(indices))
	for i, v := range indices {
		idx[i] = uint64(v)
	}
	bc.checks = append(bc.checks, crypto.AggregateCheck{Indices: idx, Message: msg, Signature: sig})
	bc.labels = append(bc.labels, label)
	bc.report.Signatures += len(indices)
}

// ProcessBlock applies a signed block to st, which must already be at the
// block's slot (see ProcessSlots, StateTransition). Every signature in the
// block is verified with one v.VerifyAggregates call after the operations
// have been applied; a failure returns an error wrapping ErrInvalidSignature
// and naming the item. On any error the block is invalid and st must be
// discarded.
//
// Voluntary-exit signatures join that batch (signed by validator keys).
// BLS-to-execution changes are signed by withdrawal keys, which are not in
// the key directory the Verifier names signers from: they are checked one
// by one, by v itself when v also implements PubkeyVerifier (AcceptAll
// does, so BLS off accepts them) and otherwise by BLSPubkeyVerifier.
//
// Spec definition (Electra; eth1 data, the execution payload, Eth1-bridge
// deposits are not modelled; the execution requests are processed at the
// end of process_operations):
//
//	def process_block(state: BeaconState, block: BeaconBlock) -> None:
//	    process_block_header(state, block)
//	    process_withdrawals(state, block.body.execution_payload)
//	    process_execution_payload(state, block.body, EXECUTION_ENGINE)
//	    process_randao(state, block.body)
//	    process_eth1_data(state, block.body)
//	    process_operations(state, block.body)
//	    process_sync_aggregate(state, block.body.sync_aggregate)
func ProcessBlock(cfg *Config, st *State, sb *SignedBeaconBlock, v Verifier) (BlockReport, error) {
	if v == nil {
		return BlockReport{}, fmt.Errorf("consensus: ProcessBlock: nil Verifier (use AcceptAll to skip BLS)")
	}
	b := &sb.Message
	bc := &blockContext{cfg: cfg, st: st, epoch: GetCurrentEpoch(cfg, st), pkv: pubkeyVerifierOf(v)}
	fail := func(err error) (BlockReport, error) {
		return bc.report, fmt.Errorf("%w: slot %d: %w", ErrInvalidBlock, b.Slot, err)
	}
	if err := processBlockHeader(bc, b); err != nil {
		return fail(err)
	}
	bc.report.Slot = b.Slot
	bc.report.Proposer = b.ProposerIndex
	bc.report.BlockRoot = st.LatestBlockHeader.Root()
	bc.addCheck("block signature", []ValidatorIndex{b.ProposerIndex},
		SigningRoot(cfg, st, DomainBeaconProposer, ComputeEpochAtSlot(cfg, b.Slot), bc.report.BlockRoot), sb.Signature)

	if err := processWithdrawals(bc, &b.Body); err != nil {
		return fail(err)
	}
	if err := processRandao(bc, &b.Body); err != nil {
		return fail(err)
	}
	if err := processOperations(bc, &b.Body); err != nil {
		return fail(err)
	}
	if err := processSyncAggregate(bc, &b.Body.SyncAggregate); err != nil {
		return fail(err)
	}

	bc.report.AggregatesVerified = len(bc.checks)
	results := v.VerifyAggregates(bc.checks)
	if len(results) != len(bc.checks) {
		return fail(fmt.Errorf("%w: verifier returned %d results for %d checks", ErrInvalidSignature, len(results), len(bc.checks)))
	}
	for i, ok := range results {
		if !ok {
			return fail(fmt.Errorf("%w: %s", ErrInvalidSignature, bc.labels[i]))
		}
	}
	return bc.report, nil
}

// processBlockHeader checks the block against the state and caches its header.
//
// Spec definition:
//
//	def process_block_header(state: BeaconState, block: BeaconBlock) -> None:
//	    # Verify that the slots match
//	    assert block.slot == state.slot
//	    # Verify that the block is newer than latest block header
//	    assert block.slot > state.latest_block_header.slot
//	    # Verify that proposer index is the correct index
//	    assert block.proposer_index == get_beacon_proposer_index(state)
//	    # Verify that the parent matches
//	    assert block.parent_root == hash_tree_root(state.latest_block_header)
//	    # Cache current block as the new latest block
//	    state.latest_block_header = BeaconBlockHeader(
//	        slot=block.slot,
//	        proposer_index=block.proposer_index,
//	        parent_root=block.parent_root,
//	        state_root=Bytes32(),  # Overwritten in the next process_slot call
//	        body_root=hash_tree_root(block.body),
//	    )
//	    # Verify proposer is not slashed
//	    proposer = state.validators[block.proposer_index]
//	    assert not proposer.slashed
func processBlockHeader(bc *blockContext, b *BeaconBlock) error {
	st := bc.st
	if b.Slot != st.Slot {
		return fmt.Errorf("block slot %d != state slot %d", b.Slot, st.Slot)
	}
	if b.Slot <= st.LatestBlockHeader.Slot {
		return fmt.Errorf("block slot %d not after latest block header slot %d", b.Slot, st.LatestBlockHeader.Slot)
	}
	proposer, err := GetBeaconProposerIndex(bc.cfg, st)
	if err != nil {
		return err
	}
	if b.ProposerIndex != proposer {
		return fmt.Errorf("proposer index %d, expected %d", b.ProposerIndex, proposer)
	}
	if parent := st.LatestBlockHeader.Root(); b.ParentRoot != parent {
		return fmt.Errorf("parent root %x does not match latest block header %x", b.ParentRoot[:4], parent[:4])
	}
	st.LatestBlockHeader = b.Header()
	if st.Validators[proposer].Slashed {
		return fmt.Errorf("proposer %d is slashed", proposer)
	}
	bc.proposer = proposer
	return nil
}

// RandaoReveal returns the RANDAO reveal that proposer must put in a block
// of epoch.
//
// Simplification: in the spec the reveal is the proposer's BLS signature
// over the epoch under DOMAIN_RANDAO. Here it is
//
//	SHA-256(DOMAIN_RANDAO (4) || genesis_validators_root (32) || proposer (u64 LE) || epoch (u64 LE))
//
// so that the chain, and therefore every seed, committee and proposer, is
// the same in every BLS mode (with BLS off there are no signatures to
// reveal). A reveal is still unique per (proposer, epoch) and fixed in
// advance, which is the property RANDAO relies on; what is lost is only its
// unpredictability to others, which no agent in the model exploits.
func RandaoReveal(st *State, proposer ValidatorIndex, epoch Epoch) Root {
	var buf [4 + 32 + 8 + 8]byte
	copy(buf[:4], DomainRandao[:])
	copy(buf[4:36], st.GenesisValidatorsRoot[:])
	binary.LittleEndian.PutUint64(buf[36:44], uint64(proposer))
	binary.LittleEndian.PutUint64(buf[44:52], uint64(epoch))
	return sha256.Sum256(buf[:])
}

// processRandao checks the reveal and mixes it into the current epoch's mix.
//
// Spec definition:
//
//	def process_randao(state: BeaconState, body: BeaconBlockBody) -> None:
//	    epoch = get_current_epoch(state)
//	    # Verify RANDAO reveal
//	    proposer = state.validators[get_beacon_proposer_index(state)]
//	    signing_root = compute_signing_root(epoch, get_domain(state, DOMAIN_RANDAO))
//	    assert bls.Verify(proposer.pubkey, signing_root, body.randao_reveal)
//	    # Mix in RANDAO reveal
//	    mix = xor(get_randao_mix(state, epoch), hash(body.randao_reveal))
//	    state.randao_mixes[epoch % EPOCHS_PER_HISTORICAL_VECTOR] = mix
//
// The reveal check compares with RandaoReveal instead of verifying a BLS
// signature (see RandaoReveal).
func processRandao(bc *blockContext, body *BeaconBlockBody) error {
	st := bc.st
	if want := RandaoReveal(st, bc.proposer, bc.epoch); body.RandaoReveal != want {
		return fmt.Errorf("wrong RANDAO reveal for proposer %d at epoch %d", bc.proposer, bc.epoch)
	}
	h := sha256.Sum256(body.RandaoReveal[:])
	mix := GetRandaoMix(st, bc.epoch)
	for i := range mix {
		mix[i] ^= h[i]
	}
	st.RandaoMixes[uint64(bc.epoch)%uint64(len(st.RandaoMixes))] = mix
	return nil
}

// processOperations applies the block's operations in the spec's order,
// after checking the per-block limits (which SSZ list limits enforce in the
// spec): slashings, attestations, voluntary exits, BLS-to-execution
// changes, then the execution requests.
//
// Spec definition (Electra, ethereum/consensus-specs v1.7.0-alpha.13,
// specs/electra/beacon-chain.md; the Eth1-bridge deposit check and
// body.deposits are not modelled, see ProcessBlock):
//
//	def process_operations(state: BeaconState, body: BeaconBlockBody) -> None:
//	    # [Modified in Electra:EIP6110]
//	    # Disable former deposit mechanism once all prior deposits are processed
//	    ...
//	    def for_ops(operations: Sequence[Any], fn: Callable[[BeaconState, Any], None]) -> None:
//	        for operation in operations:
//	            fn(state, operation)
//
//	    for_ops(body.proposer_slashings, process_proposer_slashing)
//	    for_ops(body.attester_slashings, process_attester_slashing)
//	    # [Modified in Electra:EIP7549]
//	    for_ops(body.attestations, process_attestation)
//	    for_ops(body.deposits, process_deposit)
//	    # [Modified in Electra:EIP7251]
//	    for_ops(body.voluntary_exits, process_voluntary_exit)
//	    for_ops(body.bls_to_execution_changes, process_bls_to_execution_change)
//	    # [New in Electra:EIP6110]
//	    for_ops(body.execution_requests.deposits, process_deposit_request)
//	    # [New in Electra:EIP7002:EIP7251]
//	    for_ops(body.execution_requests.withdrawals, process_withdrawal_request)
//	    # [New in Electra:EIP7251]
//	    for_ops(body.execution_requests.consolidations, process_consolidation_request)
func processOperations(bc *blockContext, body *BeaconBlockBody) error {
	cfg := bc.cfg
	if n := uint64(len(body.ProposerSlashings)); n > cfg.MaxProposerSlashings {
		return fmt.Errorf("%w: %d proposer slashings > MAX_PROPOSER_SLASHINGS %d", ErrInvalidSlashing, n, cfg.MaxProposerSlashings)
	}
	if n := uint64(len(body.AttesterSlashings)); n > cfg.MaxAttesterSlashings {
		return fmt.Errorf("%w: %d attester slashings > MAX_ATTESTER_SLASHINGS %d", ErrInvalidSlashing, n, cfg.MaxAttesterSlashings)
	}
	if n := uint64(len(body.Attestations)); n > cfg.MaxAttestations {
		return fmt.Errorf("%w: %d attestations > MAX_ATTESTATIONS_ELECTRA %d", ErrInvalidAttestation, n, cfg.MaxAttestations)
	}
	for i := range body.ProposerSlashings {
		if err := processProposerSlashing(bc, i, &body.ProposerSlashings[i]); err != nil {
			return fmt.Errorf("proposer slashing %d: %w", i, err)
		}
	}
	for i := range body.AttesterSlashings {
		if err := processAttesterSlashing(bc, i, &body.AttesterSlashings[i]); err != nil {
			return fmt.Errorf("attester slashing %d: %w", i, err)
		}
	}
	for i := range body.Attestations {
		if err := processAttestation(bc, i, &body.Attestations[i]); err != nil {
			return fmt.Errorf("attestation %d: %w", i, err)
		}
	}
	if err := processExitOperations(bc, body); err != nil {
		return err
	}
	if !body.ExecutionRequests.Empty() {
		rr, err := ProcessExecutionRequests(cfg, bc.st, &body.ExecutionRequests, bc.total())
		if err != nil {
			return err
		}
		bc.report.Requests = rr
	}
	return nil
}
