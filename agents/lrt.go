package agents

import (
	"slices"

	"github.com/stakesim/stakesim/consensus"
)

// Liquid restaking agents. A liquid restaking protocol (economics/lrt,
// driven by sim/lrt.go) has one protocol agent, which picks the
// validators to exit for the withdrawals whose restaking escrow has
// completed; its node operators are LSTNodeOperatorAgents (one per
// validator group) and its holders LSTHolderAgents, whose balances are
// the protocol's tokens.

// KindLRTProtocol is the kind of LRTProtocolAgent.
const KindLRTProtocol = "lrt_protocol"

// LRTOperatorNeed is what one restaking operator's share of the
// protocol's validators must still return: NeedGwei beyond what has
// arrived and what the validators already asked to exit hold, and the
// validators that may be asked (active, not exiting, not slashed, past
// SHARD_COMMITTEE_PERIOD, not asked before), in index order with their
// balances.
type LRTOperatorNeed struct {
	Operator   string
	NeedGwei   consensus.Gwei
	Candidates []LRTCandidate
}

// LRTCandidate is a validator the protocol may exit, with its balance on
// the summary branch.
type LRTCandidate struct {
	Index   consensus.ValidatorIndex
	Balance consensus.Gwei
}

// LRTExitDuty asks a liquid restaking protocol which validators to exit
// at Epoch for the needs of its restaking operators.
type LRTExitDuty struct {
	Epoch consensus.Epoch
	Needs []LRTOperatorNeed
}

// LRTProtocolAgent is a liquid restaking protocol's exit logic (Renzo's
// and ether.fi's operators exit EigenPod validators to fill the queued
// withdrawals).
type LRTProtocolAgent struct {
	Economic
	Protocol string
}

// Kind is KindLRTProtocol.
func (p *LRTProtocolAgent) Kind() string { return KindLRTProtocol }

// Act picks the exits (Plan).
func (p *LRTProtocolAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.LST == nil || d.LST.LRT == nil {
		return Actions{}
	}
	return Actions{LST: &LSTActions{Exits: p.Plan(d.LST.LRT)}}
}

// Plan exits, for each operator, its lowest-index candidates until their
// balances cover its need (a whole validator leaves, so the last one may
// bring more than needed; the rest serves later withdrawals). The result
// is in index order.
func (p *LRTProtocolAgent) Plan(d *LRTExitDuty) []consensus.ValidatorIndex {
	var out []consensus.ValidatorIndex
	for _, n := range d.Needs {
		var covered consensus.Gwei
		for _, c := range n.Candidates {
			if covered >= n.NeedGwei {
				break
			}
			out = append(out, c.Index)
			covered += c.Balance
		}
	}
	slices.Sort(out)
	return out
}
