package agents

import "github.com/stakesim/stakesim/consensus"

// KindMarketLiquidator is the kind of MarketLiquidatorAgent.
const KindMarketLiquidator = "market_liquidator"

// LiquidatablePosition is a lending position below HF 1 as a liquidator
// sees it at a market slot: its venue (index in the run's venues), user,
// health factor (WAD) at the venue's oracle price, the largest repay a
// liquidation may use now, and the venue's quote for that repay (ETH
// repaid, tokens the liquidator would receive).
type LiquidatablePosition struct {
	Venue          int
	User           string
	HFWAD          uint64
	MaxRepay       consensus.Gwei
	Repaid, Seized consensus.Gwei
}

// MarketLiquidatorAgent liquidates positions below HF 1 and sells the
// seized tokens into the pool at once: for each position of its venues
// in the duty's order, its participant with the most ETH repays the
// position's MaxRepay (at most its ETH) if selling the seized tokens pays the repaid ETH plus MinProfitBps. The sale is priced at the
// margin of the agent's earlier liquidations of the slot (the quote of all
// its seized tokens so far plus these, less the quote of those so far),
// since its orders are applied in order. Each order is a bundle the engine
// applies atomically (a flash-loan liquidation): it is dropped if the
// sale, quoted on the pool as the earlier orders left it, pays less than
// MinOut.
type MarketLiquidatorAgent struct {
	MarketTrading
	MinProfitBps uint64
	Venues       []int
}

// Kind is KindMarketLiquidator.
func (a *MarketLiquidatorAgent) Kind() string { return KindMarketLiquidator }

// Act liquidates (Decide).
func (a *MarketLiquidatorAgent) Act(_ *SlotView, d *Duties) Actions {
	if d.Market == nil {
		return Actions{}
	}
	return marketActions(a.Decide(d.Market))
}

// Decide picks the slot's liquidations.
func (a *MarketLiquidatorAgent) Decide(d *MarketDuty) []MarketOrder {
	var out []MarketOrder
	var sold consensus.Gwei // tokens this agent's earlier orders sell
	i := richest(d.Participants)
	for _, lp := range d.Liquidatable {
		if !a.covers(lp.Venue) || i < 0 {
			continue
		}
		o, seized, ok := a.liquidation(d, i, lp, sold)
		if !ok {
			continue
		}
		out = append(out, o)
		sold += seized
	}
	return out
}

// richest is the participant with the most ETH (the lowest index on a
// tie), -1 without ETH: a bundle returns more ETH than it repays, so it
// can carry every liquidation of the slot.
func richest(ps []MarketParticipant) int {
	best := -1
	for i, p := range ps {
		if p.ETH > 0 && (best < 0 || p.ETH > ps[best].ETH) {
			best = i
		}
	}
	return best
}

func (a *MarketLiquidatorAgent) covers(v int) bool {
	for _, x := range a.Venues {
		if x == v {
			return true
		}
	}
	return false
}

// liquidation is participant i's order for lp if it pays, with the
// tokens it seizes: the largest of the position's MaxRepay (at most the
// participant's ETH), its half, quarter, … (8 halvings) whose sale pays
// the repay plus the least profit; a smaller repay seizes proportionally
// less (the engine applies the venue's own quote).
func (a *MarketLiquidatorAgent) liquidation(d *MarketDuty, i int, lp LiquidatablePosition, sold consensus.Gwei) (MarketOrder, consensus.Gwei, bool) {
	full := min(lp.Repaid, d.Participants[i].ETH)
	for repay := full; repay > 0 && repay*256 >= full; repay /= 2 {
		seized := consensus.Gwei(mulDivSat(uint64(lp.Seized), uint64(repay), uint64(max(lp.Repaid, 1))))
		if seized == 0 {
			break
		}
		got, err := a.marginalSale(d, sold, seized)
		want := repay + consensus.Gwei(mulDivSat(uint64(repay), a.MinProfitBps, 10_000))
		if err == nil && got > want {
			return MarketOrder{Participant: i, Kind: OrderLiquidate, Amount: repay, MinOut: want, Venue: lp.Venue, User: lp.User}, seized, true
		}
	}
	return MarketOrder{}, 0, false
}

// marginalSale is what selling seized more tokens pays after sold.
func (a *MarketLiquidatorAgent) marginalSale(d *MarketDuty, sold, seized consensus.Gwei) (consensus.Gwei, error) {
	var before consensus.Gwei
	if sold > 0 {
		b, err := d.Pool.GetDy(1, 0, sold, d.PoolEpoch)
		if err != nil {
			return 0, err
		}
		before = b
	}
	after, err := d.Pool.GetDy(1, 0, sold+seized, d.PoolEpoch)
	if err != nil || after < before {
		return 0, err
	}
	return after - before, nil
}
