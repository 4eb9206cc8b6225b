package agents

import (
	"errors"
	"fmt"
	"slices"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/restaking"
)

// Restaking agents: AVSs, restaking operators and their stakers. Each is a
// small value with pure, deterministic methods. The engine (sim) owns the
// restaking ledger: at each epoch end it asks these agents what to do, in
// a fixed order, and applies their decisions to the ledger.
//
// One AVS task per epoch goes like this. The engine lists the operators of
// the AVS's set that have slashable stake in it, in the ledger's member
// order, and builds the task's TaskView with NewTaskView (which of them
// are Byzantine for the AVS comes from RestakingOperatorAgent.IsByzantine).
// Every such operator answers with RestakingOperatorAgent.Answer; the AVS
// judges the answers with AVSAgent.Task, which reports whether the task
// reached its quorum and whether it was compromised, and lists the slashes
// to request, in order.
//
// # Quorum
//
// A task's result is certified by the answers holding at least α (the
// AVS's ThresholdWAD) of the set's slashable stake: α is "the fraction of
// the set's allocated stake needed to corrupt it", and a quorum of α is
// exactly what makes that true — a coalition with α of the stake can
// certify a wrong result on its own. So the task completes when the
// correct answers hold at least α of the stake (exactly: correct·WAD >=
// α·total, i.e. correct >= ceil(α·total/WAD)) and is compromised when the
// wrong answers do. A coalition holding more than 1 − α blocks the correct
// result (the task fails); with α <= 1/2 both results can be certified at
// once, and the task both completes and is compromised. A set with no
// slashable stake completes nothing.
//
// # Rational attackers
//
// The operators Byzantine for an AVS form one coalition that decides
// together (CoalitionAttacks, the same for every member since they see
// the same TaskView): they answer wrongly only when the attack works and
// pays — their slashable stake is at least α of the set's total and the
// AVS's profit from corruption exceeds what the AVS would slash from them.
// Otherwise they answer correctly and wait: an attack can become possible
// later, when honest stake leaves the set.

// Allocation policies of restaking operators (the scenario's
// `allocation`; "" is AllocationEven).
const (
	AllocationEven         = "even"         // WAD/n to each of its n AVSs
	AllocationConservative = "conservative" // WAD/(2n) to each
	AllocationYield        = "yield"        // WAD to the AVS with the highest reward rate, the first on ties
)

// ErrAllocation is returned by RestakingOperatorAgent.Allocate for a
// configuration that gives no valid allocation.
var ErrAllocation = errors.New("agents: restaking allocation")

// BuggySlash makes an AVS slash the named operators at Epoch although they
// answered correctly (a buggy slashing condition).
type BuggySlash struct {
	Epoch     consensus.Epoch
	Operators []string
}

// AVSAgent is an actively validated service: one operator set that issues
// one task per epoch and slashes the operators that answer it wrongly.
type AVSAgent struct {
	Economic
	Name string
	// ThresholdWAD is α, in (0, WAD]: the share of the set's slashable
	// stake that certifies a task's result (the quorum), and so the share
	// needed to corrupt the AVS.
	ThresholdWAD uint64
	// ProfitGwei is π, what corrupting the AVS is worth to an attacker.
	ProfitGwei uint64
	// SlashFractionWAD is the fraction of an offender's allocation the AVS
	// slashes per fault, in (0, WAD]; 0 means WAD.
	SlashFractionWAD uint64
	// Buggy, when set, is the AVS's wrongful slashing.
	Buggy *BuggySlash
}

// slashFraction is SlashFractionWAD with its default.
func (a *AVSAgent) slashFraction() uint64 {
	if a.SlashFractionWAD == 0 {
		return restaking.WAD
	}
	return a.SlashFractionWAD
}

// SlashGwei is what one slash by the AVS takes from an allocation whose
// slashable stake is stakeGwei: ceil(stake·f/WAD), the ledger's rounding
// of the slashed magnitude (up, so a slash never rounds down to nothing).
func (a *AVSAgent) SlashGwei(stakeGwei consensus.Gwei) uint64 {
	return restaking.MulDivUp(uint64(stakeGwei), a.slashFraction(), restaking.WAD)
}

// QuorumGwei is the stake a result needs to be certified in a set with
// totalGwei of slashable stake: ceil(α·total/WAD).
func (a *AVSAgent) QuorumGwei(totalGwei consensus.Gwei) uint64 {
	return restaking.MulDivUp(uint64(totalGwei), a.ThresholdWAD, restaking.WAD)
}

// TaskMember is one operator of an AVS's set with slashable stake in it,
// as the engine lists them for a task.
type TaskMember struct {
	Operator  string
	StakeGwei consensus.Gwei // slashable by the AVS now
	Byzantine bool           // in the coalition attacking this AVS
}

// TaskView is what the operators see of one AVS task when they answer:
// what a rational attacker needs to decide.
type TaskView struct {
	AVS          string
	ThresholdWAD uint64 // α
	ProfitGwei   uint64 // π
	// TotalGwei is the set's slashable stake (its members' with stake).
	TotalGwei consensus.Gwei
	// ByzantineGwei is the coalition's part of TotalGwei: the slashable
	// stake of the members Byzantine for this AVS.
	ByzantineGwei consensus.Gwei
	// CoalitionLossGwei is what the AVS would slash from the coalition if
	// it attacked: the sum over its members of AVSAgent.SlashGwei.
	CoalitionLossGwei uint64
}

// NewTaskView builds the view of a's task over its members.
func NewTaskView(a *AVSAgent, members []TaskMember) TaskView {
	v := TaskView{AVS: a.Name, ThresholdWAD: a.ThresholdWAD, ProfitGwei: a.ProfitGwei}
	for _, m := range members {
		v.TotalGwei += m.StakeGwei
		if m.Byzantine {
			v.ByzantineGwei += m.StakeGwei
			v.CoalitionLossGwei += a.SlashGwei(m.StakeGwei)
		}
	}
	return v
}

// CoalitionAttacks is the coalition's decision for a task, the same for
// each of its members: attack when it exists, holds at least α of the
// set's slashable stake (exactly: byz·WAD >= α·total, as
// economics/security checks a valid attack) and the profit exceeds what
// the slashing will take from it (π > loss; at π == loss it does not pay).
func CoalitionAttacks(v TaskView) bool {
	return v.ByzantineGwei > 0 && restaking.FractionAtLeast(uint64(v.ByzantineGwei), uint64(v.TotalGwei), v.ThresholdWAD, restaking.WAD) &&
		v.ProfitGwei > v.CoalitionLossGwei
}

// TaskAnswer is one operator's answer to an AVS task.
type TaskAnswer struct {
	Operator  string
	StakeGwei consensus.Gwei // its slashable stake in the AVS
	Correct   bool
}

// SlashRequest is a slash an AVS asks for: FractionWAD of the operator's
// allocation to the AVS.
type SlashRequest struct {
	Operator    string
	FractionWAD uint64
	// Buggy: a wrongful slash of an operator that answered correctly (the
	// engine skips it when the AVS cannot slash the operator).
	Buggy bool
	// Deregister: the operator answered wrongly; after the slash the AVS
	// removes it from its set, so it answers no later task.
	Deregister bool
}

// TaskOutcome is an AVS's judgement of one task.
type TaskOutcome struct {
	TotalGwei, CorrectGwei, WrongGwei consensus.Gwei
	// QuorumGwei is the stake a result needed: ceil(α·total/WAD).
	QuorumGwei uint64
	// Completed: the correct answers reached the quorum (never with no
	// stake at all).
	Completed bool
	// Compromised: the wrong answers reached the quorum.
	Compromised bool
	// Wrong are the operators that answered wrongly, in answer order.
	Wrong []string
	// Slashes are the slashes to request, in order: each wrong answerer
	// (Deregister set), then, at the buggy epoch, the buggy targets.
	Slashes []SlashRequest
}

// Task judges the answers to the AVS's task of epoch.
func (a *AVSAgent) Task(epoch consensus.Epoch, answers []TaskAnswer) TaskOutcome {
	var out TaskOutcome
	f := a.slashFraction()
	for _, ans := range answers {
		out.TotalGwei += ans.StakeGwei
		if ans.Correct {
			out.CorrectGwei += ans.StakeGwei
			continue
		}
		out.WrongGwei += ans.StakeGwei
		out.Wrong = append(out.Wrong, ans.Operator)
		out.Slashes = append(out.Slashes, SlashRequest{Operator: ans.Operator, FractionWAD: f, Deregister: true})
	}
	out.QuorumGwei = a.QuorumGwei(out.TotalGwei)
	out.Completed = out.CorrectGwei > 0 && restaking.FractionAtLeast(uint64(out.CorrectGwei), uint64(out.TotalGwei), a.ThresholdWAD, restaking.WAD)
	out.Compromised = out.WrongGwei > 0 && restaking.FractionAtLeast(uint64(out.WrongGwei), uint64(out.TotalGwei), a.ThresholdWAD, restaking.WAD)
	if b := a.Buggy; b != nil && b.Epoch == epoch {
		for _, op := range b.Operators {
			out.Slashes = append(out.Slashes, SlashRequest{Operator: op, FractionWAD: f, Buggy: true})
		}
	}
	return out
}

// AVSMagnitude is an explicit allocation of an operator to an AVS.
type AVSMagnitude struct {
	AVS          string
	MagnitudeWAD uint64
}

// AVSOffer is what an operator knows of an AVS when it allocates.
type AVSOffer struct {
	Name          string
	RewardRateWAD uint64 // yearly reward rate
}

// RestakingOperatorAgent is an operator that restakes its validators' ETH
// in AVSs: it allocates by policy and answers their tasks, honestly or as
// a rational member of the coalition attacking an AVS.
type RestakingOperatorAgent struct {
	Economic
	Name string
	// AVSs are the operator sets it registers for, in order.
	AVSs []string
	// Allocation is one of the Allocation constants ("" is even);
	// Magnitudes, when set, override it.
	Allocation string
	Magnitudes []AVSMagnitude
	// Byzantine lists the AVSs whose coalition it belongs to.
	Byzantine []string
}

// Allocate returns the operator's magnitude for each of its AVSs (in the
// order of AVSs), in WAD units. offers are the AVSs it may know of (the
// yield policy reads their reward rates).
//
//   - explicit magnitudes: as given; each must name one of its AVSs and
//     they must sum to at most WAD.
//   - even: floor(WAD/n) to each of its n AVSs.
//   - conservative: floor(WAD/(2n)) to each.
//   - yield: WAD to the AVS with the highest reward rate, the first of its
//     AVSs on ties.
func (o *RestakingOperatorAgent) Allocate(offers []AVSOffer) ([]uint64, error) {
	out := make([]uint64, len(o.AVSs))
	n := uint64(len(o.AVSs))
	if len(o.Magnitudes) > 0 {
		var sum uint64
		for _, m := range o.Magnitudes {
			i := slices.Index(o.AVSs, m.AVS)
			if i < 0 {
				return nil, fmt.Errorf("%w: magnitude for AVS %q it does not register for", ErrAllocation, m.AVS)
			}
			out[i] = m.MagnitudeWAD
			if m.MagnitudeWAD > restaking.WAD || sum+m.MagnitudeWAD > restaking.WAD {
				return nil, fmt.Errorf("%w: magnitudes sum to more than 1", ErrAllocation)
			}
			sum += m.MagnitudeWAD
		}
		return out, nil
	}
	if n == 0 {
		return out, nil
	}
	switch o.Allocation {
	case AllocationEven, "":
		for i := range out {
			out[i] = restaking.WAD / n
		}
	case AllocationConservative:
		for i := range out {
			out[i] = restaking.WAD / (2 * n)
		}
	case AllocationYield:
		best, bestRate := -1, uint64(0)
		for i, a := range o.AVSs {
			j := slices.IndexFunc(offers, func(x AVSOffer) bool { return x.Name == a })
			if j < 0 {
				return nil, fmt.Errorf("%w: unknown AVS %q", ErrAllocation, a)
			}
			if best < 0 || offers[j].RewardRateWAD > bestRate {
				best, bestRate = i, offers[j].RewardRateWAD
			}
		}
		out[best] = restaking.WAD
	default:
		return nil, fmt.Errorf("%w: unknown allocation policy %q", ErrAllocation, o.Allocation)
	}
	return out, nil
}

// IsByzantine reports whether the operator belongs to the coalition
// attacking avs.
func (o *RestakingOperatorAgent) IsByzantine(avs string) bool {
	return slices.Contains(o.Byzantine, avs)
}

// Answer returns the operator's answer to the task v describes: true for
// the correct one. An honest operator always answers correctly; a
// Byzantine one answers wrongly exactly when its coalition attacks
// (CoalitionAttacks).
func (o *RestakingOperatorAgent) Answer(v TaskView) bool {
	if !o.IsByzantine(v.AVS) {
		return true
	}
	return !CoalitionAttacks(v)
}

// StakerAgent delegates part of an operator's restaked ETH and runs on the
// operator when it has been slashed beyond its panic threshold.
type StakerAgent struct {
	Economic
	Name     string
	Operator string
	// ShareWAD is the fraction of the operator's restaked ETH it delegates.
	ShareWAD uint64
	// PanicWAD is its panic threshold (0: never panics).
	PanicWAD uint64
}

// DelegationGwei is what the staker deposits and delegates out of the
// operator's restakedGwei: floor(restaked·share/WAD).
func (s *StakerAgent) DelegationGwei(restakedGwei consensus.Gwei) consensus.Gwei {
	return consensus.Gwei(restaking.MulDivDown(uint64(restakedGwei), s.ShareWAD, restaking.WAD))
}

// ShouldWithdraw reports whether the staker runs: its operator has lost
// strictly more than PanicWAD of the stake it restaked initially (exactly:
// lost·WAD > panic·initial). A staker with PanicWAD 0 never runs.
func (s *StakerAgent) ShouldWithdraw(lostGwei, initialGwei consensus.Gwei) bool {
	return s.PanicWAD != 0 && restaking.FractionAbove(uint64(lostGwei), uint64(initialGwei), s.PanicWAD, restaking.WAD)
}
