package sim

// Liquid restaking of an LST (`asset: <lst protocol>`): the LRT is a
// holder of a liquid-staking protocol of the same run, as Renzo and
// ether.fi hold stETH.
//
// # Model
//
// The LRT's books (economics/lrt, Asset AssetLST, ChunkUnits 1) count LST
// shares, valued at the LST's share rate through the LST's books (a
// lrt.Pricer). The LRT's shares sit in the LST's books under the LRT's
// name; the restaking ledger's accounts "<lrt>/<operator>" count the
// shares restaked with each operator. It has no validators, EigenPods or
// exits of its own: its stake is the LST's validators'.
//
//   - Deposits (genesis initial_eth, and holders of policy deposit): the
//     LRT deposits the holder's ETH into the LST (lst.Deposit, tallied as
//     the LST's holders' deposits) and credits the shares minted to the
//     holder (lrt.Deposit); Sync restakes them share by share by the
//     policy.
//   - Withdrawals: the request's shares leave the delegations through the
//     ledger's escrow (slashable until completion), are in hand at
//     completion, and are claimed as LST shares: the engine moves them
//     from the LRT to the holder's LST account "<lrt>/<holder>" with
//     lst.TransferShares (economics/lrt doc.go, "Claim pays the reserved
//     units (ETH, or LST shares the engine moves)"). No LST withdrawal
//     queue is entered; the holder may leave the LST on its own.
//   - AVS slashes: the ledger lowers the LRT's restaked shares; the engine
//     moves the shares no longer backing the LRT (its LST balance less its
//     books' holdings) to the burn account "restaking/burned" of the LST,
//     as EigenLayer burns slashed LST shares.
//   - AVS rewards are owed in shares (economics/lrt's simplification):
//     the AVS buys them, depositing ceil(n × pooled / shares) Gwei into
//     the LST as "restaking/avs-rewards", which mints at least n shares,
//     and moves n to the LRT.
//
// So the LRT's rate is (its pooled shares × the LST's rate) / its tokens:
// a negative rebase of the LST lowers it by the LST rate's fall, an AVS
// slash by the slashed share of its restaked shares.
//
// Order, each reported epoch: the LST protocols' step (sim/lst.go) comes
// first, so the LRT's step sees the LST's rate after this epoch's report;
// then, as for native restaking, the rate drop, the holders (claims paid
// in shares, deposits, requests), then Sync (AVS rewards bought,
// escrows completed, finalization, restaking), the burn of slashed
// shares, the checks and the lst.csv row. The LRT's books run at epoch e,
// the LST's at e+1 (sim/lst.go).

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/stakesim/stakesim/consensus"
)

// LST accounts of the restaking side: where slashed shares go, and the AVS
// that buys reward shares.
const (
	lstBurnAccount      = "restaking/burned"
	lstAVSRewardAccount = "restaking/avs-rewards"
)

// lrtLSTFlows tallies an LST-asset LRT's shares for the invariants.
type lrtLSTFlows struct {
	in, rewards, out, burned uint64 // shares bought, rewarded, claimed, burned
}

// addLRTOnLST builds LRT pi, whose asset names an LST protocol built
// before.
func (r *lstRun) addLRTOnLST(pi int) error {
	spec := r.e.sc.LiquidStaking.Protocols[pi]
	at := slices.IndexFunc(r.protos, func(q *lstProto) bool { return q.spec.Name == spec.Asset })
	if at < 0 {
		return fmt.Errorf("sim: liquid restaking %q: asset %q is not a liquid-staking protocol of the run", spec.Name, spec.Asset)
	}
	p, _, err := r.newLRT(pi, spec, r.slots, r.protos[at])
	if err != nil {
		return err
	}
	r.lrts = append(r.lrts, p)
	return nil
}

// lrtHolderAccount is an LRT holder's account in the LST's books.
func lrtHolderAccount(p *lrtProto, owner string) string { return p.spec.Name + "/" + owner }

// lrtGenesisLST buys the holders' initial ETH in the LST and restakes it.
func (r *lstRun) lrtGenesisLST(p *lrtProto) error {
	for _, h := range p.spec.Holders {
		for _, ha := range p.holders {
			for _, owner := range ha.owners {
				if !ownerIn(owner, h.Name) || h.InitialGwei == 0 {
					continue
				}
				if err := r.lrtBuy(p, owner, consensus.Gwei(h.InitialGwei), 0); err != nil {
					return fmt.Errorf("sim: liquid restaking %q: holder %s: %w", p.spec.Name, owner, err)
				}
			}
		}
	}
	if _, err := p.book.Sync(0); err != nil {
		return fmt.Errorf("sim: liquid restaking %q: genesis restaking: %w", p.spec.Name, err)
	}
	return nil
}

// lrtBuy is a holder's deposit of gwei at LRT epoch t: the LRT deposits it
// into the LST (whose books run at p.lstT) and credits the shares minted
// to the holder.
func (r *lstRun) lrtBuy(p *lrtProto, owner string, gwei consensus.Gwei, t consensus.Epoch) error {
	shares, err := r.lstDeposit(p.asset, p.spec.Name, gwei, p.lstT)
	if err != nil {
		return err
	}
	if _, err := p.book.Deposit(owner, shares, t); err != nil {
		// The LST shares are the LRT's already: hand them back to the buyer.
		return fmt.Errorf("%w (and the LST shares: %w)", err, p.asset.book.TransferShares(p.spec.Name, lrtHolderAccount(p, owner), shares, p.lstT))
	}
	p.lstFlows.in += shares
	return nil
}

// lstDeposit deposits gwei into LST q for owner at the LST's epoch t,
// tallied as a holder's deposit, and returns the shares minted.
func (r *lstRun) lstDeposit(q *lstProto, owner string, gwei consensus.Gwei, t consensus.Epoch) (uint64, error) {
	shares, err := q.book.Deposit(owner, gwei, t)
	if err != nil {
		return 0, err
	}
	q.userIn += gwei
	return shares, nil
}

// lrtPayShares pays a claim of units LST shares to owner's LST account.
func (r *lstRun) lrtPayShares(p *lrtProto, owner string, units uint64, t consensus.Epoch) error {
	if units == 0 {
		return nil
	}
	if err := p.asset.book.TransferShares(p.spec.Name, lrtHolderAccount(p, owner), units, p.lstT); err != nil {
		return fmt.Errorf("sim: epoch %d: liquid restaking %q: paying a claim in %s shares: %w", t, p.spec.Name, p.spec.Asset, err)
	}
	p.lstFlows.out += units
	return nil
}

// lrtEpochLST is the rest of an LST-asset LRT's epoch after its holders
// (see the model above).
func (r *lstRun) lrtEpochLST(p *lrtProto, epoch consensus.Epoch, main *BranchBoundary, ev func(EventDetails)) error {
	t := epoch
	res, err := p.book.Sync(t)
	if err != nil {
		return fmt.Errorf("sim: epoch %d: liquid restaking %q: %w", epoch, p.spec.Name, err)
	}
	if err := r.lrtBuyRewards(p, res.RewardsUnits, t); err != nil {
		return err
	}
	if err := r.lrtFinalized(p, t, res.Finalized, ev); err != nil {
		return err
	}
	if err := r.lrtBurnSlashed(p, t); err != nil {
		return err
	}
	p.book.PruneClaimed(t + 1)
	if err := r.lrtCheck(p, epoch, main.Label); err != nil {
		return err
	}
	return r.lrtRow(p, epoch, main.Post)
}

// lrtBuyRewards buys the n shares of AVS rewards Sync credited: the AVS
// deposits ceil(n × pooled / shares) Gwei, which mints at least n shares
// (floor(ceil(n·P/S)·S/P) ≥ n), and moves n to the LRT.
func (r *lstRun) lrtBuyRewards(p *lrtProto, n uint64, t consensus.Epoch) error {
	if n == 0 {
		return nil
	}
	q := p.asset.book
	num := new(big.Int).Mul(new(big.Int).SetUint64(n), new(big.Int).SetUint64(uint64(q.TotalPooledEther())))
	den := new(big.Int).SetUint64(max(q.TotalShares(), 1))
	num.Add(num, den).Sub(num, big.NewInt(1)).Quo(num, den)
	if q.TotalShares() == 0 || !num.IsUint64() {
		return fmt.Errorf("sim: epoch %d: liquid restaking %q: cannot buy %d %s shares of AVS rewards", t, p.spec.Name, n, p.spec.Asset)
	}
	if _, err := r.lstDeposit(p.asset, lstAVSRewardAccount, consensus.Gwei(num.Uint64()), p.lstT); err != nil {
		return fmt.Errorf("sim: epoch %d: liquid restaking %q: AVS rewards: %w", t, p.spec.Name, err)
	}
	if err := q.TransferShares(lstAVSRewardAccount, p.spec.Name, n, p.lstT); err != nil {
		return fmt.Errorf("sim: epoch %d: liquid restaking %q: AVS rewards: %w", t, p.spec.Name, err)
	}
	p.lstFlows.rewards += n
	return nil
}

// lrtHeldShares is what the LRT's books hold in LST shares: pooled and
// reserved for claims.
func lrtHeldShares(p *lrtProto) uint64 {
	h := p.book.Holdings()
	return h.Pooled() + h.Reserved
}

// lrtBurnSlashed moves the shares the ledger's slashes took from the LRT
// to the burn account.
func (r *lstRun) lrtBurnSlashed(p *lrtProto, t consensus.Epoch) error {
	have, held := p.asset.book.SharesOf(p.spec.Name), lrtHeldShares(p)
	if have <= held {
		return nil
	}
	if err := p.asset.book.TransferShares(p.spec.Name, lstBurnAccount, have-held, p.lstT); err != nil {
		return fmt.Errorf("sim: epoch %d: liquid restaking %q: burning slashed shares: %w", t, p.spec.Name, err)
	}
	p.lstFlows.burned += have - held
	return nil
}

// lrtCheckLST: the LRT's LST balance is exactly what its books hold, and
// what came in less what went out.
func (r *lstRun) lrtCheckLST(p *lrtProto) error {
	have, held := p.asset.book.SharesOf(p.spec.Name), lrtHeldShares(p)
	f := p.lstFlows
	if have != held || have+f.out+f.burned != f.in+f.rewards {
		return fmt.Errorf("%w: %s holds %d %s shares, its books %d; bought %d + rewards %d != held + claimed %d + burned %d",
			ErrLSTConservation, p.spec.Name, have, p.spec.Asset, held, f.in, f.rewards, f.out, f.burned)
	}
	return nil
}
