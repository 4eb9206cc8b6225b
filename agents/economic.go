package agents

import "github.com/stakesim/stakesim/consensus"

// Agent kinds, as summary.json counts them (Kind of every agent).
const (
	KindValidatorClient   = "validator_client"
	KindStakingOperator   = "staking_operator"
	KindRestakingOperator = "restaking_operator"
	KindAVS               = "avs"
	KindStaker            = "staker"
)

// Economic is embedded by the agents that act only in the epoch phase (at
// an epoch's boundary, on the economics around the chain): it gives them
// the parts of the Agent interface that concern the slot phases. Their
// Act reads only the epoch duties; the view is nil in the epoch phase.
type Economic struct {
	// AgentID is the agent's index in the engine's agent table, set by
	// the engine when it registers the agent.
	AgentID int
}

// ID returns the agent's id.
func (e *Economic) ID() int { return e.AgentID }

// Policy returns the zero Policy: economic agents shape no block or vote.
func (e *Economic) Policy(consensus.Epoch) Policy { return Policy{} }

// AnswerDuty asks a restaking operator to answer an AVS task.
type AnswerDuty struct{ View TaskView }

// JudgeDuty asks an AVS to judge the answers to its task of Epoch.
type JudgeDuty struct {
	Epoch   consensus.Epoch
	Answers []TaskAnswer
}

// WithdrawDuty asks a staker whether it runs from its operator, which has
// lost LostGwei of InitialGwei restaked.
type WithdrawDuty struct{ LostGwei, InitialGwei consensus.Gwei }

// Act answers the operator's epoch duty (Answer).
func (o *RestakingOperatorAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.Answer == nil {
		return Actions{}
	}
	return Actions{Answer: o.Answer(d.Answer.View)}
}

// Kind is KindRestakingOperator.
func (o *RestakingOperatorAgent) Kind() string { return KindRestakingOperator }

// Act judges the AVS's task (Task).
func (a *AVSAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.Judge == nil {
		return Actions{}
	}
	out := a.Task(d.Judge.Epoch, d.Judge.Answers)
	return Actions{Outcome: &out}
}

// Kind is KindAVS.
func (a *AVSAgent) Kind() string { return KindAVS }

// Act decides whether the staker runs (ShouldWithdraw).
func (s *StakerAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.Withdraw == nil {
		return Actions{}
	}
	return Actions{Withdraw: s.ShouldWithdraw(d.Withdraw.LostGwei, d.Withdraw.InitialGwei)}
}

// Kind is KindStaker.
func (s *StakerAgent) Kind() string { return KindStaker }
