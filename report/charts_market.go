package report

import (
	"errors"
	"io"
	"path/filepath"
	"strconv"

	"github.com/stakesim/stakesim/internal/output"
)

// marketFile is the markets file the charts read.
const marketFile = output.MarketFile

// MaxPools caps the pools drawn (the first ones of market.csv).
const MaxPools = 4

// poolSeries are one pool's market.csv series, downsampled.
type poolSeries struct {
	name                      string
	price, eth, token, volume *sampler
}

// readMarket streams market.csv into per-pool series (nil without it).
func readMarket(dir string, width uint64, forced forcedSet) ([]*poolSeries, error) {
	if !exists(dir, marketFile) {
		return nil, nil
	}
	c, err := openCSV(filepath.Join(dir, marketFile))
	if err != nil {
		return nil, err
	}
	defer c.close()
	cols, err := c.need("epoch", "pool", "price_sell_1", "reserve_eth_gwei", "reserve_token_gwei", "volume_gwei")
	if err != nil {
		return nil, err
	}
	var out []*poolSeries
	find := func(name string) *poolSeries {
		for _, s := range out {
			if s.name == name {
				return s
			}
		}
		if len(out) == MaxPools {
			return nil
		}
		s := &poolSeries{name: name, price: newSampler(width, forced), eth: newSampler(width, forced),
			token: newSampler(width, forced), volume: newSampler(width, forced)}
		out = append(out, s)
		return s
	}
	for {
		rec, err := c.next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		s := find(cell(rec, cols[1]))
		if s == nil {
			continue
		}
		e := cellU(rec, cols[0])
		price, _ := strconv.ParseFloat(cell(rec, cols[2]), 64)
		s.price.add(e, price)
		s.eth.add(e, float64(cellU(rec, cols[3]))/1e9)
		s.token.add(e, float64(cellU(rec, cols[4]))/1e9)
		s.volume.add(e, float64(cellU(rec, cols[5]))/1e9)
	}
	return out, nil
}

// marketCharts: each pool's price against the protocols' share rates
// (depegs marked), its composition, and its volume, when the run has
// market.csv.
func marketCharts(rd *runData) []Chart {
	ps, err := readMarket(rd.dir, rd.width, rd.forced())
	if err != nil {
		rd.notes = append(rd.notes, "market.csv could not be read: "+err.Error())
		return nil
	}
	if len(ps) == 0 {
		return lendingCharts(rd, nil)
	}
	price := Chart{ID: "market-price", Title: "Markets: price against the share rate", XLabel: "epoch", YLabel: "ETH per token", Pad: true,
		Markers: markers(rd, "depeg", "negative_rebase", "lrt_rate_fell"),
		Caption: "ETH for selling one whole token in each pool (price_sell_1, fee included) at each epoch's end, and each protocol's share rate, the token's redemption value: the gap is the discount. Markers: the pool price crossing 0.99, 0.97, 0.95 or 0.90 downward (labelled with the lowest crossed that epoch), and falls of the rate."}
	comp := Chart{ID: "market-composition", Title: "Markets: pool composition", XLabel: "epoch", YLabel: "coins in the pool", YInclude: []float64{0},
		Caption: "The pool's ETH and token balances: sales of the token and one-coin ETH withdrawals drain its ETH side, and the price falls faster the more imbalanced it is (StableSwap with amplification A)."}
	vol := Chart{ID: "market-volume", Title: "Markets: volume per epoch", XLabel: "epoch", YLabel: "ETH-equivalent sold into the pool", YInclude: []float64{0},
		Caption: "Both coins sold into each pool during the epoch's market slots, at face value."}
	for i, p := range ps {
		price.Lines = append(price.Lines, Line{Name: p.name + " · price", Points: p.price.points(), Color: i, Step: true})
		comp.Lines = append(comp.Lines, Line{Name: p.name + " · ETH", Points: p.eth.points(), Color: i, Step: true},
			Line{Name: p.name + " · token", Points: p.token.points(), Color: i, Dash: 1, Step: true})
		vol.Lines = append(vol.Lines, Line{Name: p.name, Points: p.volume.points(), Color: i, Step: true})
	}
	if ls, err := readLST(rd.dir, rd.width, rd.forced()); err == nil {
		for i, l := range ls {
			price.Lines = append(price.Lines, Line{Name: l.name + " · share rate", Points: l.rate.points(), Color: len(ps) + i, Dash: 1, Step: true})
		}
	}
	return append([]Chart{price, comp, vol}, lendingCharts(rd, ps)...)
}
