package sim

import (
	"fmt"
	"math/big"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/lrt"
	"github.com/stakesim/stakesim/economics/lst"
)

// marketToken is a pool's coin 1 in its protocol's books: an lst
// protocol's shares or an lrt protocol's tokens. Every market balance of
// it (pools, participants) is a holder in those books; mints and claims
// go through the engine's tallies of the protocol (lst.go's userIn and
// claimed, the requests' metadata), so the protocol's own invariants keep
// holding. at is the books' clock at the market of epoch e.
type marketToken interface {
	name() string
	at(e consensus.Epoch) consensus.Epoch
	balance(owner string) consensus.Gwei
	transfer(from, to string, amount consensus.Gwei, t consensus.Epoch) error
	// mint deposits eth at the protocol for owner and returns the tokens.
	mint(owner string, eth consensus.Gwei, t consensus.Epoch) (consensus.Gwei, error)
	// rateGwei is the redemption value of one whole token in Gwei.
	rateGwei() uint64
	withdrawals() bool
	// redeem requests the withdrawal of tokens, in as many requests as the
	// bounds need; it returns the tokens locked.
	redeem(owner string, tokens consensus.Gwei, t consensus.Epoch) (consensus.Gwei, error)
	// claim claims owner's claimable requests and returns the ETH paid.
	claim(owners map[string]int, t consensus.Epoch) (map[string]consensus.Gwei, error)
	// signals are the chain's signals about the protocol at epoch e's end;
	// slashed counts its slashed validators on the summary branch.
	signals(st *consensus.State) (sig agents.MarketSignals, slashed uint64)
	// waitEpochs is the expected withdrawal wait of a request of gwei.
	waitEpochs(cfg *consensus.Config, st *consensus.State, gwei consensus.Gwei) uint64
}

// rateToGwei is a 1e27 share rate as Gwei per whole token.
func rateToGwei(r lst.ShareRate) uint64 {
	v := r.Big()
	v.Quo(v, big.NewInt(1_000_000_000_000_000_000))
	if !v.IsUint64() {
		return ^uint64(0)
	}
	return v.Uint64()
}

// ---------------------------------------------------------------- lst

type lstToken struct {
	r *lstRun
	p *lstProto
}

func (k lstToken) name() string                         { return k.p.spec.Name }
func (k lstToken) at(e consensus.Epoch) consensus.Epoch { return e + 1 }
func (k lstToken) balance(owner string) consensus.Gwei {
	return consensus.Gwei(k.p.book.SharesOf(owner))
}
func (k lstToken) rateGwei() uint64  { return rateToGwei(k.p.book.ShareRate()) }
func (k lstToken) withdrawals() bool { return k.p.spec.Withdrawals }
func (k lstToken) transfer(from, to string, n consensus.Gwei, t consensus.Epoch) error {
	return k.p.book.TransferShares(from, to, uint64(n), t)
}

func (k lstToken) mint(owner string, eth consensus.Gwei, t consensus.Epoch) (consensus.Gwei, error) {
	before := k.p.book.SharesOf(owner)
	if err := k.r.deposit(k.p, owner, eth, t); err != nil {
		return 0, err
	}
	return consensus.Gwei(k.p.book.SharesOf(owner) - before), nil
}

// redeem requests the stETH value of the shares, split at the queue's
// maximum; a remainder below its minimum stays with the owner.
func (k lstToken) redeem(owner string, tokens consensus.Gwei, t consensus.Epoch) (consensus.Gwei, error) {
	b := k.p.book
	before := b.SharesOf(owner)
	amount := b.PooledEthByShares(uint64(min(tokens, consensus.Gwei(before))))
	for amount >= b.Params().MinWithdrawalGwei && amount > 0 {
		part := min(amount, b.Params().MaxWithdrawalGwei)
		rate := b.ShareRate()
		id, err := b.RequestWithdrawal(owner, part, t)
		if err != nil {
			break
		}
		k.p.requests[id] = lstRequestMeta{epoch: t, rate: rate, amount: part}
		k.p.stats.Requests++
		amount -= part
	}
	return consensus.Gwei(before - b.SharesOf(owner)), nil
}

func (k lstToken) claim(owners map[string]int, t consensus.Epoch) (map[string]consensus.Gwei, error) {
	paid := map[string]consensus.Gwei{}
	for _, q := range k.p.book.Requests(lst.StatusFinalized) {
		if _, ok := owners[q.Owner]; !ok {
			continue
		}
		got, err := k.p.book.ClaimWithdrawal(q.Owner, q.ID, t)
		if err != nil {
			return nil, fmt.Errorf("claim of request %d: %w", q.ID, err)
		}
		k.p.claimed += got
		paid[q.Owner] += got
	}
	return paid, nil
}

func (k lstToken) signals(st *consensus.State) (agents.MarketSignals, uint64) {
	var slashed uint64
	for _, vi := range k.r.protoValidators(k.p, st) {
		if st.Validators[vi].Slashed {
			slashed++
		}
	}
	bunker, _ := k.p.book.Bunker()
	return agents.MarketSignals{RateFell: k.p.epochNegativeWAD > 0, Bunker: bunker}, slashed
}

func (k lstToken) waitEpochs(cfg *consensus.Config, st *consensus.State, gwei consensus.Gwei) uint64 {
	n := uint64(len(k.r.protoValidators(k.p, st)))
	return lst.EstimateWithdrawalWait(cfg, k.p.params, k.p.book.TotalPooledEther(), gwei, max(n, 1)).Mean()
}

// ---------------------------------------------------------------- lrt

type lrtToken struct {
	r *lstRun
	p *lrtProto
}

func (k lrtToken) name() string                         { return k.p.spec.Name }
func (k lrtToken) at(e consensus.Epoch) consensus.Epoch { return e }
func (k lrtToken) balance(owner string) consensus.Gwei {
	return consensus.Gwei(k.p.book.BalanceOf(owner))
}
func (k lrtToken) rateGwei() uint64  { return rateToGwei(k.p.book.Rate()) }
func (k lrtToken) withdrawals() bool { return k.p.spec.Withdrawals && k.p.asset == nil }
func (k lrtToken) transfer(from, to string, n consensus.Gwei, t consensus.Epoch) error {
	return k.p.book.Transfer(from, to, uint64(n), t)
}

// mint deposits native ETH (an LRT restaking an LST takes its shares,
// which a market participant does not hold: refused).
func (k lrtToken) mint(owner string, eth consensus.Gwei, t consensus.Epoch) (consensus.Gwei, error) {
	if k.p.asset != nil {
		return 0, fmt.Errorf("%s restakes %s shares: no ETH deposits", k.p.spec.Name, k.p.asset.spec.Name)
	}
	n, err := k.p.book.Deposit(owner, uint64(eth), t)
	return consensus.Gwei(n), err
}

func (k lrtToken) redeem(owner string, tokens consensus.Gwei, t consensus.Epoch) (consensus.Gwei, error) {
	b := k.p.book
	n := min(uint64(tokens), b.BalanceOf(owner))
	meta := lrtRequestMeta{epoch: t, rate: b.Rate(), value: b.ValueOfTokens(n)}
	id, err := b.RequestWithdrawal(owner, n, t)
	if err != nil {
		return 0, nil // below the minimum, or disabled: nothing locked
	}
	k.p.requests[id] = meta
	k.p.stats.Requests++
	return consensus.Gwei(n), nil
}

func (k lrtToken) claim(owners map[string]int, t consensus.Epoch) (map[string]consensus.Gwei, error) {
	paid := map[string]consensus.Gwei{}
	if k.p.asset != nil {
		return paid, nil
	}
	for _, q := range k.p.book.Requests(lrt.StatusClaimable) {
		if _, ok := owners[q.Owner]; !ok {
			continue
		}
		units, err := k.p.book.Claim(q.Owner, q.ID, t)
		if err != nil {
			return nil, fmt.Errorf("claim of request %d: %w", q.ID, err)
		}
		k.p.claimed += units
		paid[q.Owner] += consensus.Gwei(units)
	}
	return paid, nil
}

func (k lrtToken) signals(st *consensus.State) (agents.MarketSignals, uint64) {
	var slashed uint64
	for _, op := range k.p.ops {
		for _, vi := range op.vals {
			if st.Validators[vi].Slashed {
				slashed++
			}
		}
	}
	return agents.MarketSignals{RateFell: k.p.epochDropWAD > 0}, slashed
}

// waitEpochs of an LRT: the restaking escrow plus the beacon chain's exit
// path as for an LST of the same stake.
func (k lrtToken) waitEpochs(cfg *consensus.Config, st *consensus.State, gwei consensus.Gwei) uint64 {
	var n uint64
	for _, op := range k.p.ops {
		n += uint64(len(op.vals))
	}
	w := lst.EstimateWithdrawalWait(cfg, lst.ParamsFor(cfg), k.p.book.TotalPooledGwei(), gwei, max(n, 1))
	return w.Chain() + w.SweepCycleEpochs/2 + uint64(k.r.e.rs.ledger.Params().WithdrawalDelay)
}
