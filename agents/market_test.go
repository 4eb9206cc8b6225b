package agents

import (
	"testing"

	"github.com/stakesim/stakesim/consensus"
)

// slopedPool quotes buys at a price (Gwei of ETH per token) that rises
// with the trade: base + dx/slope.
type slopedPool struct{ base, slope uint64 }

func (p slopedPool) GetDy(i, j int, dx consensus.Gwei, _ consensus.Epoch) (consensus.Gwei, error) {
	price := p.base + uint64(dx)/p.slope
	return consensus.Gwei(mulDivSat(uint64(dx), 1e9, price)), nil
}

func (slopedPool) CalcWithdrawOneCoin(uint64, int, consensus.Epoch) (consensus.Gwei, error) {
	return 0, nil
}

// countingRand returns 0 and counts its draws.
type countingRand struct{ n int }

func (r *countingRand) IntN(uint64) uint64 { r.n++; return 0 }

// TestDipBuyer: it buys only from its epoch and below its threshold, the
// largest halving of its trade whose price is below the threshold,
// within its ETH; one draw per participant, whatever the price.
func TestDipBuyer(t *testing.T) {
	r := &countingRand{}
	a := &MarketDipBuyerAgent{MarketTrading: MarketTrading{SlippageBps: 100, Rand: r}, BelowGwei: 900_000_000,
		MaxTradeGwei: 8e9, ChanceWAD: lstWAD, From: 3}
	// price base 0.85 rising 0.01 per ETH: 8 ETH pays 0.93, 4 ETH 0.89.
	pool := slopedPool{base: 850_000_000, slope: 100}
	duty := func(epoch consensus.Epoch, price uint64, eth ...consensus.Gwei) *MarketDuty {
		d := &MarketDuty{Epoch: epoch, Pool: pool, PriceGwei: price}
		for _, e := range eth {
			d.Participants = append(d.Participants, MarketParticipant{ETH: e})
		}
		return d
	}
	if o := a.Decide(duty(2, 800_000_000, 10e9)); o != nil {
		t.Errorf("before from_epoch: %+v", o)
	}
	if o := a.Decide(duty(3, 900_000_000, 10e9)); o != nil {
		t.Errorf("at the threshold: %+v", o)
	}
	o := a.Decide(duty(3, 840_000_000, 10e9, 1e9, 0))
	if len(o) != 2 || o[0].Participant != 0 || o[0].Kind != OrderBuy || o[0].Amount != 4e9 || o[1].Participant != 1 || o[1].Amount != 1e9 {
		t.Fatalf("orders %+v; want 4 ETH for participant 0 and 1 ETH for participant 1", o)
	}
	if q, _ := pool.GetDy(0, 1, 4e9, 0); o[0].MinOut != a.minOut(q) {
		t.Errorf("min-out %d, want the quote less slippage", o[0].MinOut)
	}
	if r.n != 1+1+3 {
		t.Errorf("%d draws, want one per participant and slot", r.n)
	}
	a.ChanceWAD = 0
	if o := a.Decide(duty(3, 840_000_000, 10e9)); o != nil {
		t.Errorf("chance 0: %+v", o)
	}
}
