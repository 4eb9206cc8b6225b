package lrt

import "fmt"

// Stake is what one Sync restaked with one operator.
type Stake struct {
	Operator string
	Units    uint64
	// Validators is Units / ChunkUnits for native restaking: the 32-ETH
	// validators the engine creates for the protocol under Operator.
	Validators uint64
}

// SyncResult is what one Sync did.
type SyncResult struct {
	Epoch Epoch
	// RewardsUnits were claimed from the ledger's AVS rewards into the
	// buffer.
	RewardsUnits uint64
	// Exits are the beacon exits the engine must start (native only).
	Exits []ExitOrder
	// Finalized are the request ids that became claimable.
	Finalized []uint64
	// Staked is the buffer restaked, by operator, in Params order.
	Staked []Stake
}

// Sync is the protocol's once-per-epoch step; call it after the ledger's
// Advance(e) and the epoch's slashes. In order it claims the AVS rewards
// of its ledger accounts into the buffer (RewardsCoordinator claims, paid
// in the restaked asset), completes the escrows due (CompleteEscrow),
// finalizes the ready requests (Finalize), and restakes the buffer beyond
// BufferTarget (Restake).
func (p *Protocol) Sync(e Epoch) (SyncResult, error) {
	if err := p.advance(e); err != nil {
		return SyncResult{}, err
	}
	res := SyncResult{Epoch: e}
	for _, acct := range p.accounts {
		r, err := p.ledger.ClaimRewards(acct)
		if err != nil {
			return res, fmt.Errorf("%w: %w", ErrLedger, err)
		}
		res.RewardsUnits += uint64(r)
	}
	p.buffer += res.RewardsUnits
	p.rewards += res.RewardsUnits
	var err error
	if res.Exits, err = p.CompleteEscrow(e); err != nil {
		return res, err
	}
	if res.Finalized, err = p.Finalize(e); err != nil {
		return res, err
	}
	res.Staked, err = p.Restake(e)
	return res, err
}

// Restake delegates the buffer beyond BufferTarget, in whole ChunkUnits,
// to the operators by the policy: fill moves the delegations toward their
// weight targets over the new total, so a deposit re-balances them (Renzo's
// chooseOperatorDelegatorForDeposit sends each deposit to the first
// OperatorDelegator below its allocation; ether.fi and Kelp spread by
// admin-set node delegators). Fully slashed operators (max magnitude 0)
// get nothing. For native restaking the ledger is credited at once; the
// engine creates the validators the result lists (EigenPod credential
// proofs and the activation queue are not modelled).
func (p *Protocol) Restake(e Epoch) ([]Stake, error) {
	if err := p.advance(e); err != nil {
		return nil, err
	}
	if p.buffer <= p.p.BufferTarget {
		return nil, nil
	}
	chunk := p.p.ChunkUnits
	chunks := (p.buffer - p.p.BufferTarget) / chunk
	if chunks == 0 {
		return nil, nil
	}
	weights := p.p.weights()
	actives := p.actives()
	for i, op := range p.p.Operators {
		actives[i] /= chunk
		if m, err := p.ledger.MaxMagnitude(op); err != nil || m == 0 {
			weights[i] = 0
		}
	}
	var out []Stake
	for i, n := range fill(actives, weights, chunks) {
		if n == 0 {
			continue
		}
		units := n * chunk
		if err := p.ledger.Deposit(p.accounts[i], Gwei(units)); err != nil {
			return out, fmt.Errorf("%w: %w", ErrLedger, err)
		}
		p.buffer -= units
		p.toLedger += units
		s := Stake{Operator: p.p.Operators[i], Units: units}
		if p.p.Asset == AssetNative {
			s.Validators = n
		}
		out = append(out, s)
	}
	return out, nil
}
