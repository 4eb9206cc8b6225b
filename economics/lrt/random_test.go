package lrt

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stakesim/stakesim/economics/lst"
)

// unitRate is pooled units per token in 1e27: the rate without the
// asset's price, which only the price moves.
func unitRate(p *Protocol) lst.ShareRate {
	return lst.NewShareRate(Gwei(p.TotalPooledUnits()), p.TotalSupply())
}

// TestRandomOperations runs seeded random sequences of every operation,
// native and LST, and checks after each step Check(), the ledger's
// invariants, and that deposits, transfers, requests, claims and Syncs
// never lower the rate (in units; for LST deposits, in Gwei); slashes,
// exit losses and the LST's price may.
func TestRandomOperations(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		for _, asset := range []Asset{AssetNative, AssetLST} {
			t.Run(fmt.Sprint(asset, seed), func(t *testing.T) { randomRun(t, seed, asset, 400) })
		}
	}
}

// randomRun is one sequence.
func randomRun(t *testing.T, seed uint64, asset Asset, steps int) {
	rng := rand.New(rand.NewPCG(seed, 16))
	l := newLedger(t)
	params := DefaultParams(ops...)
	params.WeightsWAD = []uint64{WAD / 2, WAD / 4, WAD / 4}
	params.BufferTarget = uint64(rng.IntN(3)) * uint64(eth)
	var price Pricer
	fake := &fakeLST{num: 1_000_000, den: 1_000_000}
	if asset == AssetLST {
		params.Asset, params.ChunkUnits, price = AssetLST, 1+rng.Uint64N(uint64(eth)), fake
	} else if rng.IntN(2) == 0 {
		params.ChunkUnits = uint64(eth)
	}
	p := must(New("lrt", params, l, price, 0))
	owners := []string{"a", "b", "c", "d"}
	var e Epoch
	stats := map[string]int{}
	for step := range steps {
		who := owners[rng.IntN(len(owners))]
		before, beforeGwei := unitRate(p), p.Rate()
		monotone := p.TotalSupply() > 0
		var op int
		var err error
		switch op = rng.IntN(12); op {
		case 0, 1:
			_, err = p.Deposit(who, 1+rng.Uint64N(50*uint64(eth)), e)
		case 2:
			err = p.Transfer(who, owners[rng.IntN(len(owners))], rng.Uint64N(1+p.BalanceOf(who)), e)
			if errors.Is(err, ErrInvalidAmount) {
				err = nil
			}
		case 3, 4:
			_, err = p.RequestWithdrawal(who, rng.Uint64N(1+p.BalanceOf(who)), e)
			if errors.Is(err, ErrInsufficientLiquidity) || errors.Is(err, ErrInvalidAmount) {
				stats["refused"]++
				err = nil
			}
		case 5, 6:
			e += Epoch(rng.IntN(6))
			must(l.Advance(e))
			var res SyncResult
			res, err = p.Sync(e)
			stats["finalized"] += len(res.Finalized)
		case 7:
			monotone = false
			if _, serr := l.Slash(ops[rng.IntN(3)], "avs", 1+rng.Uint64N(WAD/5)); serr == nil {
				stats["slashes"]++
			}
		case 8:
			err = p.CreditRewards(ops[rng.IntN(3)], 1+rng.Uint64N(uint64(eth)), e)
		case 9:
			monotone = false
			if rs := p.Requests(StatusExiting); len(rs) > 0 {
				r := rs[rng.IntN(len(rs))]
				loss := rng.Uint64N(1 + r.ExitingUnits/20)
				err = p.CreditExited(r.ID, Gwei(r.ExitingUnits-loss), e)
			}
		case 10:
			if rs := p.Requests(StatusClaimable); len(rs) > 0 {
				r := rs[rng.IntN(len(rs))]
				_, err = p.Claim(r.Owner, r.ID, e)
				stats["claims"]++
			}
			p.PruneClaimed(e)
		default:
			monotone = asset != AssetLST
			if asset == AssetLST {
				fake.num = 900_000 + rng.Uint64N(300_000)
			}
		}
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		check(t, p, l)
		if asset == AssetLST && op <= 1 {
			// A deposit mints on its Gwei value, rounded down: the rate
			// in Gwei never falls; the rate in units may, by the price's
			// rounding.
			before, after := beforeGwei, p.Rate()
			if monotone && after.Cmp(before) < 0 {
				t.Fatalf("step %d: deposit lowered the rate from %s to %s", step, before, after)
			}
		} else if monotone && p.TotalSupply() > 0 && unitRate(p).Cmp(before) < 0 {
			t.Fatalf("step %d op %d: rate fell from %s to %s", step, op, before, unitRate(p))
		}
	}
	// Drain: every open request can finish once the ledger's delay passes
	// and exits are credited.
	for range 6 {
		e += testDelay + 1
		must(l.Advance(e))
		must(p.Sync(e))
		for _, r := range p.Requests(StatusExiting) {
			noErr(t, p.CreditExited(r.ID, Gwei(r.ExitingUnits), e))
		}
		must(p.Sync(e))
		check(t, p, l)
	}
	if s := p.Snapshot(); s.WithdrawalRequestsPending > 0 {
		t.Logf("seed %d %v: %d requests still open (liquidity short): %+v", seed, asset, s.WithdrawalRequestsPending, s)
	}
	for _, st := range []RequestStatus{StatusClaimable, StatusClaimed} {
		for _, r := range p.Requests(st) {
			if r.Rounds > 1 {
				stats["top-ups"]++
			}
			if r.PayoutGwei < r.ValueAtRequestGwei {
				stats["discounted"]++
			}
		}
	}
	t.Logf("%v", stats)
	if stats["finalized"] == 0 {
		t.Fatalf("seed %d: nothing finalized (%v)", seed, stats)
	}
}
