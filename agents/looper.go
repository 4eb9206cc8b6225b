package agents

import (
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/lending"
)

// KindMarketLooper is the kind of MarketLooperAgent.
const KindMarketLooper = "market_looper"

// LoopVenue is a looper's venue as its duty shows it: the venue (index in
// the run's venues), the venue oracle's price and the protocol's rate
// (ETH a minted token costs), both WAD ETH per token, and the
// liquidation threshold and LTV of the looper's mode (WAD). Build is set
// at the first market slot only, before the slot's oracle observation:
// the participants, holding their equity tokens, build their loops.
type LoopVenue struct {
	Venue             int
	PriceWAD, MintWAD uint64
	LTWAD, LTVWAD     uint64
	Build             bool
}

// MarketLooperAgent is a group of leveraged loopers: each participant
// borrows ETH against its token to a target health factor (TargetHFWAD,
// one per participant). At the build duty each participant holding
// tokens answers an OrderLoopBuild: the debt and collateral of
// lending.LoopPosition(tokens, mint price, oracle price, LT, target), the
// borrowed ETH minted at the protocol. Afterwards, if managed:
//
//   - ReleverAboveWAD (0: never): when its HF is above it, it borrows
//     back to its target (OrderLoopRelever, the extra debt
//     ΔD = (C·p·LT − h·D)/(h − p·LT/p_mint), minted at the protocol; at an
//     Aave venue the target is raised to LT/LTV, the lowest HF a borrow
//     reaches);
//   - DeleverageBelowWAD (0: never): when its HF is below it but still at
//     least 1, it sells collateral into the pool and repays the debt with
//     the ETH, back to its target (OrderLoopDeleverage: x tokens with
//     (C − x)·p·LT = h·(D − x·s), s the sale's price per token, quoted
//     once at the marginal price and again at the quote's average), if
//     selling helps at all (h·s > p·LT).
//
// It draws nothing from its stream.
type MarketLooperAgent struct {
	MarketTrading
	TargetHFWAD                         []uint64
	ReleverAboveWAD, DeleverageBelowWAD uint64
}

// Kind is KindMarketLooper.
func (a *MarketLooperAgent) Kind() string { return KindMarketLooper }

// Act builds or manages the loops (Decide).
func (a *MarketLooperAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.Market == nil {
		return Actions{}
	}
	return marketActions(a.Decide(d.Market))
}

// Decide is each participant's build order at the build duty, its
// management order afterwards.
func (a *MarketLooperAgent) Decide(d *MarketDuty) []MarketOrder {
	lv := d.Loop
	if lv == nil {
		return nil
	}
	var out []MarketOrder
	for i, p := range d.Participants {
		var o *MarketOrder
		switch {
		case lv.Build:
			o = a.build(lv, i, p)
		case p.Debt == 0 || p.HFWAD < lstWAD:
		case a.ReleverAboveWAD > 0 && p.HFWAD > a.ReleverAboveWAD:
			o = a.relever(lv, i, p)
		case a.DeleverageBelowWAD > 0 && p.HFWAD < a.DeleverageBelowWAD:
			o = a.deleverage(d, i, p)
		}
		if o != nil {
			out = append(out, *o)
		}
	}
	return out
}

// target is participant i's target health factor.
func (a *MarketLooperAgent) target(i int) uint64 {
	if i < len(a.TargetHFWAD) {
		return a.TargetHFWAD[i]
	}
	return 0
}

// build is the loop of p's tokens at its target: Amount is the debt,
// Collateral the tokens the position will hold.
func (a *MarketLooperAgent) build(lv *LoopVenue, i int, p MarketParticipant) *MarketOrder {
	if p.Tokens == 0 {
		return nil
	}
	c, debt, err := lending.LoopPosition(p.Tokens, lv.MintWAD, lv.PriceWAD, lv.LTWAD, a.target(i))
	if err != nil || debt == 0 {
		return nil
	}
	return &MarketOrder{Participant: i, Kind: OrderLoopBuild, Amount: debt, Collateral: c, Venue: lv.Venue}
}

// relever borrows back to the target (at least LT/LTV at an Aave venue).
func (a *MarketLooperAgent) relever(lv *LoopVenue, i int, p MarketParticipant) *MarketOrder {
	h := a.target(i)
	if lv.LTVWAD > 0 && lv.LTVWAD < lv.LTWAD {
		h = max(h, mulDivSat(lv.LTWAD, lstWAD, lv.LTVWAD)+lstWAD/10_000)
	}
	// borrowing power at HF h: C·p·LT/h, in ETH; each ETH borrowed adds p·LT/p_mint of it
	power := mulDivSat(mulDivSat(uint64(p.Collateral), lv.PriceWAD, lstWAD), lv.LTWAD, h)
	gain := mulDivSat(mulDivSat(lv.PriceWAD, lv.LTWAD, max(lv.MintWAD, 1)), lstWAD, h)
	if power <= uint64(p.Debt) || gain >= lstWAD {
		return nil
	}
	more := mulDivSat(power-uint64(p.Debt), lstWAD, lstWAD-gain)
	if more == 0 {
		return nil
	}
	return &MarketOrder{Participant: i, Kind: OrderLoopRelever, Amount: consensus.Gwei(more), Venue: lv.Venue}
}

// deleverage sells collateral and repays, back to the target.
func (a *MarketLooperAgent) deleverage(d *MarketDuty, i int, p MarketParticipant) *MarketOrder {
	lv, h := d.Loop, a.target(i)
	sale := d.PriceGwei * 1_000_000_000 // WAD ETH per token, marginal
	var x, q consensus.Gwei
	for range 2 {
		x = a.toSell(lv, h, p, sale)
		if x == 0 {
			return nil
		}
		got, err := d.Pool.GetDy(1, 0, x, d.PoolEpoch)
		if err != nil || got == 0 {
			return nil
		}
		q, sale = got, mulDivSat(uint64(got), lstWAD, uint64(x))
	}
	return &MarketOrder{Participant: i, Kind: OrderLoopDeleverage, Amount: x, MinOut: a.minOut(q), Venue: lv.Venue}
}

// toSell is x with (C − x)·p·LT = h·(D − x·s), at most the collateral;
// 0 when selling does not raise the HF (h·s ≤ p·LT) or it is at h.
func (a *MarketLooperAgent) toSell(lv *LoopVenue, h uint64, p MarketParticipant, sale uint64) consensus.Gwei {
	lt := mulDivSat(lv.PriceWAD, lv.LTWAD, lstWAD) // p·LT, WAD
	hs := mulDivSat(h, sale, lstWAD)
	hd := mulDivSat(h, uint64(p.Debt), lstWAD)
	cl := mulDivSat(uint64(p.Collateral), lt, lstWAD)
	if hs <= lt || hd <= cl {
		return 0
	}
	x := mulDivSat(hd-cl, lstWAD, hs-lt) + 1
	return consensus.Gwei(min(x, uint64(p.Collateral)))
}
