package lst

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// rateNotLower reports whether pooled1/shares1 >= pooled0/shares0 (an empty
// pool counts as any rate).
func rateNotLower(p0 Gwei, s0 uint64, p1 Gwei, s1 uint64) bool {
	if s0 == 0 || s1 == 0 {
		return true
	}
	return NewShareRate(p1, s1).Cmp(NewShareRate(p0, s0)) >= 0
}

// TestRandomOperations runs seeded random sequences of every operation and
// checks, after each step, Check(), that deposits, requests, claims, wraps,
// transfers and validator deposits never lower the share rate, and that
// the ether paid out plus the holders' and queue's claims never exceed
// what came in.
func TestRandomOperations(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { randomRun(t, seed, 400) })
	}
}

func randomRun(t *testing.T, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, 16))
	p := newTestProtocol(t)
	owners := []string{"a", "b", "c", "d"}
	var e Epoch
	var validators uint64
	var cl Gwei
	rejected, finalized, bunkers := 0, 0, 0
	for step := range steps {
		e += Epoch(rng.IntN(20))
		who := owners[rng.IntN(len(owners))]
		pool0, shares0 := p.TotalPooledEther(), p.TotalShares()
		rateOp := true
		var err error
		switch op := rng.IntN(10); op {
		case 0, 1:
			_, err = p.Deposit(who, Gwei(1+rng.Uint64N(100*uint64(eth))), e)
		case 2:
			_, err = p.RequestWithdrawal(who, Gwei(rng.Uint64N(1+uint64(p.BalanceOf(who)))), e)
		case 3:
			if rs := p.RequestsOf(who); len(rs) > 0 {
				_, err = p.ClaimWithdrawal(who, rs[rng.IntN(len(rs))].ID, e)
			}
		case 4:
			if rng.IntN(2) == 0 {
				_, err = p.Wrap(who, Gwei(rng.Uint64N(1+uint64(p.BalanceOf(who)))), e)
			} else {
				_, err = p.Unwrap(who, rng.Uint64N(1+p.WrappedOf(who)), e)
			}
		case 5:
			err = p.TransferShares(who, owners[rng.IntN(len(owners))], rng.Uint64N(1+p.SharesOf(who)), e)
		case 6:
			var n uint64
			n, err = p.DepositValidators(uint64(rng.IntN(4)), e)
			validators += n
		case 7:
			rateOp = false
			if rng.IntN(2) == 0 {
				err = p.CreditWithdrawalVault(Gwei(rng.Uint64N(2*uint64(eth))), e)
			} else {
				err = p.CreditELRewards(Gwei(rng.Uint64N(uint64(eth)/10)), e)
			}
		default:
			rateOp = false
			e += p.p.ReportEpochs
			_, onCL, exited := p.Validators()
			seen := onCL + rng.Uint64N(validators-onCL+1)
			cl += Gwei(seen-onCL) * p.p.DepositGwei
			// A CL move of −0.5 … +0.01 ETH per active validator.
			active := Gwei(seen - exited)
			delta := int64(rng.Uint64N(uint64(active)*uint64(eth)/100+1)) - int64(rng.Uint64N(uint64(active)*uint64(eth)/2+1))
			newCL := Gwei(max(0, int64(cl)+delta))
			exits := exited + rng.Uint64N(min(2, seen-exited)+1)
			var res ReportResult
			res, err = p.ApplyReport(OracleReport{Epoch: e, CLValidators: seen, CLBalanceGwei: newCL, ExitedValidators: exits})
			if err == nil && res.Accepted {
				cl = newCL
				finalized += len(res.Finalized)
				if res.BunkerStarted {
					bunkers++
				}
			} else if err == nil {
				rejected++
			}
		}
		_ = err // refused operations must leave the books consistent too
		if cerr := p.Check(); cerr != nil {
			t.Fatalf("step %d: %v", step, cerr)
		}
		if rateOp && !rateNotLower(pool0, shares0, p.TotalPooledEther(), p.TotalShares()) {
			t.Fatalf("step %d: a non-report operation lowered the share rate", step)
		}
		noEtherCreated(t, p, step)
	}
	t.Logf("seed %d: %d holders, %d requests open, %d finalized, %d rejected reports, %d bunker starts",
		seed, len(p.Holders()), len(p.Requests(StatusPending)), finalized, rejected, bunkers)
}

// noEtherCreated: what holders can redeem (their balances, wrapped ones at
// stETH value) plus what the queue owes is at most the ether the protocol
// holds.
func noEtherCreated(t *testing.T, p *Protocol, step int) {
	t.Helper()
	var claims Gwei
	for _, h := range p.Holders() {
		claims += p.PooledEthByShares(h.Shares) + p.PooledEthByShares(h.Wrapped)
	}
	for _, r := range p.Requests(StatusPending) {
		claims += min(r.AmountGwei, p.PooledEthByShares(r.Shares))
	}
	if claims > p.TotalPooledEther() {
		t.Fatalf("step %d: claims %d > pooled %d", step, claims, p.TotalPooledEther())
	}
}
