package agents

import (
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// SignMode says who signs attestations (see the package comment).
type SignMode uint8

const (
	SignFull SignMode = iota
	SignAggregate
	SignOff
)

// ValidatorClient is a node hosting one or more validator keys.
type ValidatorClient struct {
	id         int
	keys       map[consensus.ValidatorIndex]*crypto.SecretKey
	mode       SignMode
	behaviours []Behaviour
}

// NewValidatorClient returns a client for the given validators. keys maps
// each hosted validator to its secret key (nil entries in SignOff mode).
func NewValidatorClient(id int, keys map[consensus.ValidatorIndex]*crypto.SecretKey, mode SignMode, behaviours []Behaviour) *ValidatorClient {
	return &ValidatorClient{id: id, keys: keys, mode: mode, behaviours: behaviours}
}

// ID implements Agent.
func (c *ValidatorClient) ID() int { return c.id }

// Act implements Agent: honest duties first, then each behaviour in order.
func (c *ValidatorClient) Act(v *SlotView, d *Duties) Actions {
	var a Actions
	switch v.Phase {
	case PhasePropose:
		for _, p := range d.Proposals {
			sb := consensus.SignedBeaconBlock{Message: *p.Block}
			if c.mode != SignOff {
				sb.Signature = crypto.Sign(c.keys[p.Validator], p.SigningRoot)
			}
			a.Blocks = append(a.Blocks, sb)
		}
	case PhaseAttest:
		for _, duty := range d.Attestations {
			data := v.Vote
			data.Index = duty.Committee
			msg := AttestationMsg{
				Validator:     duty.Validator,
				Position:      duty.Position,
				CommitteeSize: duty.CommitteeSize,
				Data:          data,
			}
			a.Attestations = append(a.Attestations, msg)
		}
	}
	for _, b := range c.behaviours {
		b.Shape(v, &a)
	}
	// Sign last, so behaviours that alter the vote sign what they send.
	if c.mode == SignFull {
		for i := range a.Attestations {
			m := &a.Attestations[i]
			root := crypto.ComputeSigningRoot(m.Data.Root(), v.AttesterDomain)
			m.Signature = crypto.Sign(c.keys[m.Validator], root)
		}
	}
	return a
}
