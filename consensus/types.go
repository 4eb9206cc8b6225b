package consensus

import (
	"math/bits"

	"github.com/prysmaticlabs/go-bitfield"
	"github.com/stakesim/stakesim/crypto"
)

// Gwei is an amount of ether in units of 1e-9 ETH, as in the spec.
type Gwei uint64

// Slot, Epoch, ValidatorIndex and CommitteeIndex are the spec's integer types.
type (
	Slot           uint64
	Epoch          uint64
	ValidatorIndex uint64
	CommitteeIndex uint64
)

// Root is a 32-byte SHA-256 digest (block roots, signing roots, seeds).
type Root [32]byte

// ParticipationFlags is the Altair participation bit set of one validator.
type ParticipationFlags uint8

// Spec constants that are not preset values.
const (
	GenesisEpoch   Epoch = 0
	GenesisSlot    Slot  = 0
	FarFutureEpoch Epoch = ^Epoch(0)

	// Participation flag indices (Altair).
	TimelySourceFlagIndex = 0
	TimelyTargetFlagIndex = 1
	TimelyHeadFlagIndex   = 2

	// Incentivization weights (Altair).
	TimelySourceWeight = 14
	TimelyTargetWeight = 26
	TimelyHeadWeight   = 14
	SyncRewardWeight   = 2
	ProposerWeight     = 8
	WeightDenominator  = 64

	JustificationBitsLength = 4

	// Withdrawal credential prefixes.
	BLSWithdrawalPrefix         = 0x00
	ETH1AddressWithdrawalPrefix = 0x01
	CompoundingWithdrawalPrefix = 0x02

	// FullExitRequestAmount is the withdrawal request amount that asks for a
	// full exit (EIP-7002).
	FullExitRequestAmount Gwei = 0
)

// ParticipationFlagWeights is PARTICIPATION_FLAG_WEIGHTS, indexed by flag index.
var ParticipationFlagWeights = [3]uint64{TimelySourceWeight, TimelyTargetWeight, TimelyHeadWeight}

// DomainType is the 4-byte signature domain type.
type DomainType [4]byte

// Signature domain types (phase0).
var (
	DomainBeaconProposer = DomainType{0x00, 0x00, 0x00, 0x00}
	DomainBeaconAttester = DomainType{0x01, 0x00, 0x00, 0x00}
	DomainRandao         = DomainType{0x02, 0x00, 0x00, 0x00}
	DomainDeposit        = DomainType{0x03, 0x00, 0x00, 0x00}
)

// Checkpoint is an (epoch, block root) pair voted on by Casper FFG.
type Checkpoint struct {
	Epoch Epoch
	Root  Root
}

// Validator is one registry entry. The public key is not stored here: it is
// crypto.Keyring's key at the same index (validators are created in index
// order and never reordered).
type Validator struct {
	WithdrawalCredentials      Root
	EffectiveBalance           Gwei
	Slashed                    bool
	ActivationEligibilityEpoch Epoch
	ActivationEpoch            Epoch
	ExitEpoch                  Epoch
	WithdrawableEpoch          Epoch
}

// AttestationData is what an attester signs: slot, committee index, head
// vote and FFG source and target. Since Electra (EIP-7549) Index is always
// 0: the committee is named outside the signed data, in
// Attestation.CommitteeBits and SingleAttestation.CommitteeIndex, so that
// the votes of every committee of a slot sign the same message and can be
// aggregated across committees.
type AttestationData struct {
	Slot            Slot
	Index           CommitteeIndex
	BeaconBlockRoot Root
	Source          Checkpoint
	Target          Checkpoint
}

// CommitteeBits is Electra's Bitvector[MAX_COMMITTEES_PER_SLOT]: bit i set
// means committee i of the attestation's slot takes part. It is kept as a
// 64-bit mask, since MAX_COMMITTEES_PER_SLOT is at most 64 in both presets;
// bits at or beyond the preset's MAX_COMMITTEES_PER_SLOT do not exist in the
// SSZ type, and process_attestation rejects them.
type CommitteeBits uint64

// CommitteeBit returns the CommitteeBits with only committee i set.
func CommitteeBit(i CommitteeIndex) CommitteeBits { return 1 << (uint64(i) & 63) }

// Indices returns the committees whose bits are set, ascending.
//
// Spec definition (Electra):
//
//	def get_committee_indices(committee_bits: Bitvector) -> Sequence[CommitteeIndex]:
//	    return [CommitteeIndex(index) for index, bit in enumerate(committee_bits) if bit]
func (b CommitteeBits) Indices() []CommitteeIndex {
	if b == 0 {
		return nil
	}
	out := make([]CommitteeIndex, 0, bits.OnesCount64(uint64(b)))
	for rest := uint64(b); rest != 0; rest &= rest - 1 {
		out = append(out, CommitteeIndex(bits.TrailingZeros64(rest)))
	}
	return out
}

// Attestation is the Electra (EIP-7549) aggregate: it may span several
// committees of one slot. CommitteeBits names them; AggregationBits is the
// concatenation of their members' bits, committee by committee in
// ascending committee order, each in get_beacon_committee order. A network
// aggregate (validator.md) has one committee bit; a proposer combines the
// network aggregates with equal Data into one on-chain aggregate
// (ComputeOnChainAggregate).
type Attestation struct {
	AggregationBits bitfield.Bitlist
	Data            AttestationData
	Signature       crypto.Signature
	CommitteeBits   CommitteeBits
}

// SingleAttestation is one validator's vote as it travels on the
// beacon_attestation subnets since Electra: the attester and its committee
// by index, beside the signed data (whose Index is 0).
type SingleAttestation struct {
	CommitteeIndex CommitteeIndex
	AttesterIndex  ValidatorIndex
	Data           AttestationData
	Signature      crypto.Signature
}

// IndexedAttestation names its attesters explicitly (sorted, unique).
type IndexedAttestation struct {
	AttestingIndices []ValidatorIndex
	Data             AttestationData
	Signature        crypto.Signature
}

// BeaconBlockHeader commits to a block through its body root. The spec's
// state_root is left out (README, "Model and simplifications").
type BeaconBlockHeader struct {
	Slot          Slot
	ProposerIndex ValidatorIndex
	ParentRoot    Root
	BodyRoot      Root
}

// SignedBeaconBlockHeader is a header with its proposer's signature.
type SignedBeaconBlockHeader struct {
	Message   BeaconBlockHeader
	Signature crypto.Signature
}

// ProposerSlashing is evidence of two different headers for one slot by one proposer.
type ProposerSlashing struct {
	SignedHeader1 SignedBeaconBlockHeader
	SignedHeader2 SignedBeaconBlockHeader
}

// AttesterSlashing is evidence of a double or surround vote.
type AttesterSlashing struct {
	Attestation1 IndexedAttestation
	Attestation2 IndexedAttestation
}

// Withdrawal is one entry of the execution payload's withdrawal list.
type Withdrawal struct {
	Index          uint64
	ValidatorIndex ValidatorIndex
	Amount         Gwei
}

// BeaconBlockBody carries the operations a proposer packs. Withdrawals are
// the list the proposer computed with get_expected_withdrawals (they stand in
// for the execution payload's withdrawals).
type BeaconBlockBody struct {
	RandaoReveal      Root
	Graffiti          Root
	ProposerSlashings []ProposerSlashing
	AttesterSlashings []AttesterSlashing
	Attestations      []Attestation
	Withdrawals       []Withdrawal
	// ExecutionRequests are the execution layer's deposit, withdrawal and
	// consolidation requests (Electra body.execution_requests).
	ExecutionRequests ExecutionRequests
	// VoluntaryExits (phase0, at most MAX_VOLUNTARY_EXITS) and
	// BLSToExecutionChanges (Capella, at most MAX_BLS_TO_EXECUTION_CHANGES)
	// are the operations of body.voluntary_exits and
	// body.bls_to_execution_changes.
	VoluntaryExits        []SignedVoluntaryExit
	BLSToExecutionChanges []SignedBLSToExecutionChange
	// SyncAggregate is the sync committee's aggregate over the previous
	// slot's block root (Altair body.sync_aggregate).
	SyncAggregate SyncAggregate
}

// BeaconBlock is one slot's block.
type BeaconBlock struct {
	Slot          Slot
	ProposerIndex ValidatorIndex
	ParentRoot    Root
	Body          BeaconBlockBody
}

// SignedBeaconBlock is a block with its proposer's signature over the
// block's signing root under DOMAIN_BEACON_PROPOSER.
type SignedBeaconBlock struct {
	Message   BeaconBlock
	Signature crypto.Signature
}

// PendingDeposit, PendingPartialWithdrawal and PendingConsolidation are the
// Electra queues in the state.
type PendingDeposit struct {
	Pubkey                crypto.PublicKeyBytes
	WithdrawalCredentials Root
	Amount                Gwei
	// Signature is the deposit's proof of possession (zero for the excess
	// balance queue_excess_active_balance re-queues, whose key is known).
	Signature crypto.Signature
	Slot      Slot
}

type PendingPartialWithdrawal struct {
	ValidatorIndex    ValidatorIndex
	Amount            Gwei
	WithdrawableEpoch Epoch
}

type PendingConsolidation struct {
	SourceIndex ValidatorIndex
	TargetIndex ValidatorIndex
}

// ExecutionAddress is a 20-byte execution-layer address: the last 20 bytes
// of an 0x01 or 0x02 withdrawal credential.
type ExecutionAddress [20]byte

// AddressOf returns the execution address in a withdrawal credential
// (withdrawal_credentials[12:]).
func AddressOf(creds Root) ExecutionAddress {
	var a ExecutionAddress
	copy(a[:], creds[12:])
	return a
}

// DepositRequest is an EIP-6110 deposit made on the execution layer.
type DepositRequest struct {
	Pubkey                crypto.PublicKeyBytes
	WithdrawalCredentials Root
	Amount                Gwei
	Signature             crypto.Signature
	Index                 uint64
}

// WithdrawalRequest is an EIP-7002 request from the withdrawal address: a
// full exit (Amount == FullExitRequestAmount) or a partial withdrawal.
type WithdrawalRequest struct {
	SourceAddress   ExecutionAddress
	ValidatorPubkey crypto.PublicKeyBytes
	Amount          Gwei
}

// ConsolidationRequest is an EIP-7251 request from the source's withdrawal
// address: move the source's balance into the target, or, with source ==
// target, switch the validator to compounding credentials.
type ConsolidationRequest struct {
	SourceAddress ExecutionAddress
	SourcePubkey  crypto.PublicKeyBytes
	TargetPubkey  crypto.PublicKeyBytes
}

// ExecutionRequests is the Electra block body's execution_requests.
type ExecutionRequests struct {
	Deposits       []DepositRequest
	Withdrawals    []WithdrawalRequest
	Consolidations []ConsolidationRequest
}

// Empty reports whether there are no requests.
func (r *ExecutionRequests) Empty() bool {
	return len(r.Deposits) == 0 && len(r.Withdrawals) == 0 && len(r.Consolidations) == 0
}
