package agents

import (
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// Phase is the moment within a slot an agent is asked to act.
type Phase uint8

const (
	// PhasePropose is the start of the slot: proposers sign blocks.
	PhasePropose Phase = iota
	// PhaseAttest is one third into the slot: committee members attest.
	PhaseAttest
)

// ProposeDuty asks a validator to propose the prepared block.
type ProposeDuty struct {
	Validator   consensus.ValidatorIndex
	Block       *consensus.BeaconBlock // prepared by the engine on the view's head; read-only
	SigningRoot consensus.Root         // compute_signing_root(block, DOMAIN_BEACON_PROPOSER)
}

// AttestDuty asks a validator to attest as a member of a committee.
type AttestDuty struct {
	Validator     consensus.ValidatorIndex
	Committee     consensus.CommitteeIndex
	Position      int // index within the committee (its aggregation bit)
	CommitteeSize int
}

// SlotView is everything an agent may see in one phase of one slot. It is
// shared read-only by all agents of the same view group.
type SlotView struct {
	Slot  consensus.Slot
	Epoch consensus.Epoch
	Phase Phase

	// Head is the fork-choice head of the agent's view group.
	Head consensus.Root
	// Vote is the honest AttestationData template for this slot on Head
	// (Index left 0; the agent fills in its committee).
	Vote consensus.AttestationData
	// AttesterDomain is the signature domain for Vote's target epoch.
	AttesterDomain consensus.Root
}

// Duties are one agent's own duties in one phase.
type Duties struct {
	Proposals    []ProposeDuty
	Attestations []AttestDuty
}

// AttestationMsg is one validator's attestation as sent to the network.
type AttestationMsg struct {
	Validator     consensus.ValidatorIndex
	Position      int
	CommitteeSize int
	Data          consensus.AttestationData
	// Signature is set in full BLS mode and zero otherwise.
	Signature crypto.Signature
	// ExtraDelayMs is added to the network delay (late behaviour).
	ExtraDelayMs uint64
}

// Actions are what an agent returns for one phase.
type Actions struct {
	Blocks       []consensus.SignedBeaconBlock
	Attestations []AttestationMsg
}

// Agent is anything the engine runs in its own goroutine.
type Agent interface {
	// ID is the agent's index in the engine's agent table.
	ID() int
	// Act returns the agent's actions for one phase. It must not retain or
	// modify view or duties.
	Act(view *SlotView, duties *Duties) Actions
}
