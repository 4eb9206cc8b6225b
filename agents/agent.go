package agents

import (
	"github.com/stakesim/stakesim/consensus"
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
	Validator consensus.ValidatorIndex
	Block     *consensus.BeaconBlock // prepared by the engine on the view's head; read-only
	// View is the view group on whose head the block was built: the
	// agent's own, or another side's for a both-sides coalition.
	View int
}

// AttestDuty asks a validator to attest as a member of a committee.
type AttestDuty struct {
	Validator     consensus.ValidatorIndex
	Committee     consensus.CommitteeIndex
	Position      int // index within the committee (its aggregation bit)
	CommitteeSize int
	// View is the view group whose head (and committees) the duty is for:
	// the agent's own, or another side's for a both-sides coalition.
	View int
}

// SlotView is everything an agent may see in one phase of one slot. It is
// shared read-only by all agents of the same view group.
type SlotView struct {
	Slot  consensus.Slot
	Epoch consensus.Epoch
	Phase Phase

	// Head is the fork-choice head of the agent's view group.
	Head consensus.Root
	// Vote is the honest AttestationData for this slot on Head (index 0,
	// as every attestation's since Electra).
	Vote consensus.AttestationData
	// AttesterDomain is the signature domain for Vote's target epoch (the
	// same on every branch: it depends on the fork and genesis only).
	AttesterDomain consensus.Root
	// ProposerDomain is the signature domain for blocks of this epoch.
	ProposerDomain consensus.Root

	// View is the id of the agent's view group; Views describes every
	// view group (indexed by id), for coalition behaviours that act on
	// other views. Honest behaviours only use Head and Vote.
	View  int
	Views []ViewInfo
	// HeadParent, HeadSlot and HeadProposer describe the Head block.
	HeadParent   consensus.Root
	HeadSlot     consensus.Slot
	HeadProposer consensus.ValidatorIndex
	// GenesisRoot is the genesis block root (the epoch-0 checkpoint root).
	GenesisRoot consensus.Root
	// Coalition marks, by validator index, the members of the agent's
	// coalition; nil for honest view groups.
	Coalition []bool
	// SlotMs is the slot length; the attest phase runs SlotMs/3 into it.
	SlotMs uint64
	// SyncDomain is the signature domain of sync committee messages
	// (DOMAIN_SYNC_COMMITTEE; the same on every branch).
	SyncDomain consensus.Root
}

// ViewInfo is what a coalition knows of one view group in a slot.
type ViewInfo struct {
	ID   int
	Name string
	// Honest view groups hold no coalition.
	Honest bool
	// Reachable: messages from the agent's view reach this view now.
	Reachable bool
	Head      consensus.Root
	// Vote is the honest vote template on this view's head (attest phase).
	Vote consensus.AttestationData
}

// Send is one delivery of a message: to view group View, DelayMs after
// the network's own delay.
type Send struct {
	View    int
	DelayMs uint64
}

// Duties are one agent's own duties in one phase.
type Duties struct {
	Proposals    []ProposeDuty
	Attestations []AttestDuty
	// Operate is set, for staking operators, in the propose phase of every
	// slot (see Operator).
	Operate *OperateDuty

	// Epoch-phase duties of the economic agents (see Economic).
	Answer   *AnswerDuty   // restaking operators
	Judge    *JudgeDuty    // AVSs
	Withdraw *WithdrawDuty // stakers
	LST      *LSTDuty      // liquid-staking agents (lst.go)
	Market   *MarketDuty   // market agents, once per market slot (market.go)

	// SyncCommittee asks, in the attest phase, each listed validator to
	// sign its view's head as a sync committee member (see SyncDuty).
	SyncCommittee []SyncDuty
}

// AttestationMsg is one validator's attestation as sent to the network:
// the Electra SingleAttestation (attester, committee, data with index 0,
// signature) with what the engine's pools use without looking the
// committee up again (the attester's position in it and its size) and the
// routing a behaviour chose.
type AttestationMsg struct {
	consensus.SingleAttestation
	Position      int
	CommitteeSize int
	// ExtraDelayMs is added to the network delay (late behaviour).
	ExtraDelayMs uint64
	// Route, when set, replaces the broadcast: the message goes only to
	// these view groups (if reachable), each with its own extra delay.
	Route []Send
}

// BlockMsg is one signed block as sent to the network.
type BlockMsg struct {
	Block consensus.SignedBeaconBlock
	// ExtraDelayMs is added to the network delay (late-blocks behaviour).
	ExtraDelayMs uint64
	// Route as for AttestationMsg: nil broadcasts.
	Route []Send
}

// Actions are what an agent returns for one phase.
type Actions struct {
	Blocks       []BlockMsg
	Attestations []AttestationMsg
	// Requests are execution-layer requests (operators only); the engine
	// queues them for the next blocks (DepositRequest.Index is set there).
	Requests consensus.ExecutionRequests
	// VoluntaryExits and BLSChanges are signed consensus-layer operations
	// (operators only); the engine gossips them to every view's operation
	// pool, from which blocks include them.
	VoluntaryExits []consensus.SignedVoluntaryExit
	BLSChanges     []consensus.SignedBLSToExecutionChange

	// Epoch-phase results: an operator's answer (true when correct), an
	// AVS's task outcome, a staker's decision to withdraw.
	Answer   bool
	Outcome  *TaskOutcome
	Withdraw bool
	// LST is a liquid-staking agent's answer (lst.go).
	LST *LSTActions
	// Market is a market agent's orders (market.go).
	Market *MarketActions

	// SyncMessages are sync committee messages (attest phase).
	SyncMessages []SyncCommitteeMsg
}

// Agent is anything the engine runs in its own goroutine.
type Agent interface {
	// ID is the agent's index in the engine's agent table.
	ID() int
	// Act returns the agent's actions for one phase. It must not retain or
	// modify view or duties.
	Act(view *SlotView, duties *Duties) Actions
	// Policy returns what the engine must do on the agent's behalf in
	// epoch (block building, fork choice, withholding). It is pure and
	// called from the engine's goroutine.
	Policy(epoch consensus.Epoch) Policy
	// Kind names the agent's kind (KindValidatorClient, ...).
	Kind() string
}

// Policy is the part of a behaviour that the engine carries out: the
// choices that need the engine's block builder, a view's fork choice or
// the network. A coalition's agents all return the same Policy.
type Policy struct {
	// BothSides: build this agent's proposals on every reachable honest
	// view's head (the agent routes each block to its side).
	BothSides bool
	// Censor: build blocks without attestations from outside the coalition.
	Censor bool
	// OwnChain: the coalition's view accepts only the coalition's blocks.
	OwnChain bool
	// PrivateChain: every block and vote of the coalition goes only to its
	// own view and is kept; Release (set in the epoch the window ends)
	// publishes what was kept to the view groups of ReleaseTo (all if empty).
	PrivateChain bool
	Release      bool
	ReleaseTo    []string
	// Balancing: the engine runs the coalition's balancing strategy (its
	// agents publish no attestations of their own).
	Balancing bool
}
