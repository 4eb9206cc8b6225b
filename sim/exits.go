package sim

import (
	"runtime"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// Voluntary exits and BLS-to-execution changes: the withdrawal keys behind
// 0x00 credentials, the operations' gossip and each view's pool of them,
// from which blocks take what their pre-state accepts.
//
// Operators sign the operations (agents/exits.go) in the propose phase;
// the engine sends each one like a vote, to every view the sender's view
// reaches, with the network's delay and loss (network.go: message.op). A
// view keeps what reached it in its pool, at most one exit and one change
// per validator, in arrival order; every slot it drops what its head state
// no longer accepts (applied, or invalid there), so pools stay bounded by
// the validators with an operation in flight. A lost or dropped operation
// is signed again by its operator after agents.RetryEpochs.

// exitState is the engine's part of exits and changes.
type exitState struct {
	pools []opPool // by view id, grown on first delivery
	// wpk and addr are, for every validator with 0x00 credentials (at
	// genesis or from a deposit), its withdrawal public key and the
	// execution address its BLS change names. Read-only after setup.
	wpk  map[consensus.ValidatorIndex]crypto.PublicKeyBytes
	addr map[consensus.ValidatorIndex]consensus.ExecutionAddress
}

// opPool is one view's pending operations, in arrival order.
type opPool struct {
	exits   []consensus.SignedVoluntaryExit
	changes []consensus.SignedBLSToExecutionChange
}

// opMsg is one gossiped operation: an exit or a change.
type opMsg struct {
	exit   *consensus.SignedVoluntaryExit
	change *consensus.SignedBLSToExecutionChange
}

// setBLSCredentials gives every validator of a 0x00 group the spec's BLS
// credentials, BLS_WITHDRAWAL_PREFIX + SHA-256(withdrawal pubkey)[1:], with
// its withdrawal key crypto.DeriveWithdrawalKey(seed, index), in every BLS
// mode (so that the chain is the same in all of them). The address part of
// the placeholder credentials (group and member number) becomes the
// address of its BLS change. gvals are the genesis validators; later
// indices are those deposits create.
func (e *Engine) setBLSCredentials(gvals []consensus.GenesisValidator) {
	var idx []uint64
	for vi, gi := range e.groupOfVal {
		if e.sc.Groups[gi].Credentials == consensus.BLSWithdrawalPrefix {
			idx = append(idx, uint64(vi))
		}
	}
	if len(idx) == 0 {
		return
	}
	pks := crypto.WithdrawalPublicKeys(e.sc.Seed, idx, runtime.GOMAXPROCS(0))
	e.exits.wpk = make(map[consensus.ValidatorIndex]crypto.PublicKeyBytes, len(idx))
	e.exits.addr = make(map[consensus.ValidatorIndex]consensus.ExecutionAddress, len(idx))
	for j, i := range idx {
		vi := consensus.ValidatorIndex(i)
		e.exits.addr[vi] = consensus.ExecutionAddress(e.credentials[i][12:])
		e.exits.wpk[vi] = pks[j]
		cred := consensus.BLSWithdrawalCredentials(pks[j])
		e.credentials[i] = cred
		if i < uint64(len(gvals)) {
			gvals[i].WithdrawalCredentials = cred
		}
	}
}

// exitKeys implements agents.ExitKeys for the run's operators.
type exitKeys struct{ e *Engine }

func (k exitKeys) Signing(i consensus.ValidatorIndex) *crypto.SecretKey {
	if k.e.keys == nil {
		return nil
	}
	return k.e.keys.Secret(uint64(i))
}

func (k exitKeys) Withdrawal(i consensus.ValidatorIndex) (*crypto.SecretKey, crypto.PublicKeyBytes) {
	pk := k.e.exits.wpk[i]
	if k.e.mode == agents.SignOff {
		return nil, pk
	}
	return crypto.DeriveWithdrawalKey(k.e.sc.Seed, uint64(i)), pk
}

func (k exitKeys) Address(i consensus.ValidatorIndex) consensus.ExecutionAddress {
	return k.e.exits.addr[i]
}

// gossipOps sends the exits and changes an operator signed this slot.
func (e *Engine) gossipOps(id int, epoch consensus.Epoch, now uint64) {
	r := &e.results[id]
	for i := range r.VoluntaryExits {
		x := r.VoluntaryExits[i]
		e.send(id, epoch, now, 0, nil, func(m *message) { m.op = &opMsg{exit: &x} })
	}
	for i := range r.BLSChanges {
		c := r.BLSChanges[i]
		e.send(id, epoch, now, 0, nil, func(m *message) { m.op = &opMsg{change: &c} })
	}
}

// pool returns view v's pool, growing the table on first use.
func (s *exitState) pool(v int) *opPool {
	for len(s.pools) <= v {
		s.pools = append(s.pools, opPool{})
	}
	return &s.pools[v]
}

// deliver adds an operation to view v's pool unless the pool already holds
// one of its kind for the same validator.
func (s *exitState) deliver(v int, m *opMsg) {
	p := s.pool(v)
	switch {
	case m.exit != nil:
		for i := range p.exits {
			if p.exits[i].Message.ValidatorIndex == m.exit.Message.ValidatorIndex {
				return
			}
		}
		p.exits = append(p.exits, *m.exit)
	case m.change != nil:
		for i := range p.changes {
			if p.changes[i].Message.ValidatorIndex == m.change.Message.ValidatorIndex {
				return
			}
		}
		p.changes = append(p.changes, *m.change)
	}
}

// pruneOps drops from view v's pool what its head state st no longer
// accepts: exits already initiated or otherwise invalid, changes already
// applied or otherwise invalid (signatures are checked when a block is
// imported).
func (e *Engine) pruneOps(v int, st *consensus.State) {
	if v >= len(e.exits.pools) {
		return
	}
	p := &e.exits.pools[v]
	exits := p.exits[:0]
	for _, x := range p.exits {
		if consensus.CheckVoluntaryExit(&e.cfg, st, &x.Message) == nil {
			exits = append(exits, x)
		}
	}
	clear(p.exits[len(exits):])
	p.exits = exits
	changes := p.changes[:0]
	for _, c := range p.changes {
		if consensus.CheckBLSToExecutionChange(st, &c.Message) == nil {
			changes = append(changes, c)
		}
	}
	clear(p.changes[len(changes):])
	p.changes = changes
}

// opsForBlock returns the exits and changes a block on pre-state st,
// proposed in view v, carries: the pool's first MAX_VOLUNTARY_EXITS and
// MAX_BLS_TO_EXECUTION_CHANGES that st accepts, in arrival order. The pool
// holds one of each per validator, and neither operation's checks depend
// on another validator's, so each being valid on st makes them valid
// together.
func (e *Engine) opsForBlock(v int, st *consensus.State) ([]consensus.SignedVoluntaryExit, []consensus.SignedBLSToExecutionChange) {
	if v >= len(e.exits.pools) {
		return nil, nil
	}
	p := &e.exits.pools[v]
	var exits []consensus.SignedVoluntaryExit
	for i := range p.exits {
		if len(exits) == consensus.MaxVoluntaryExits {
			break
		}
		if consensus.CheckVoluntaryExit(&e.cfg, st, &p.exits[i].Message) == nil {
			exits = append(exits, p.exits[i])
		}
	}
	var changes []consensus.SignedBLSToExecutionChange
	for i := range p.changes {
		if len(changes) == consensus.MaxBLSToExecutionChanges {
			break
		}
		if consensus.CheckBLSToExecutionChange(st, &p.changes[i].Message) == nil {
			changes = append(changes, p.changes[i])
		}
	}
	return exits, changes
}
