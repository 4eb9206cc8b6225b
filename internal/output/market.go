package output

import "github.com/stakesim/stakesim/sim"

// The markets file, written only for scenarios with a markets block:
// created with its first row.
const MarketFile = "market.csv"

// MarketColumns returns the header of market.csv (the fields of
// sim.MarketRow, in order).
func MarketColumns() []string {
	return []string{"epoch", "pool", "a", "fee_bps", "reserve_eth_gwei", "reserve_token_gwei", "lp_supply", "price_sell_1",
		"volume_gwei", "fees_gwei"}
}

var _ sim.MarketSink = (*Writer)(nil)

// Market appends one row to market.csv, creating the file on the first
// row.
func (w *Writer) Market(row sim.MarketRow) error {
	if w.closed {
		return errClosed
	}
	if w.market.csv == nil {
		if err := w.market.create(w.dir, MarketFile, MarketColumns()); err != nil {
			return err
		}
	}
	r := w.market.rec
	r[0], r[1], r[2], r[3] = u(row.Epoch), row.Pool, u(row.A), u(row.FeeBps)
	r[4], r[5], r[6], r[7] = u(row.ReserveEthGwei), u(row.ReserveTokenGwei), u(row.LPSupply), row.PriceSell1
	r[8], r[9] = u(row.VolumeGwei), u(row.FeesGwei)
	return w.market.write(r)
}
