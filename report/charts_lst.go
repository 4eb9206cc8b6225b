package report

import (
	"errors"
	"io"
	"path/filepath"
	"strconv"

	"github.com/stakesim/stakesim/internal/output"
)

// lstFile is the liquid-staking file the charts read.
const lstFile = output.LSTFile

// MaxLSTProtocols caps the protocols drawn (the first ones of lst.csv).
const MaxLSTProtocols = 4

// lstSeries are one protocol's lst.csv series, downsampled.
type lstSeries struct {
	name                        string
	rate, pooled, beacon, queue *sampler
	bunker                      []Span
	bunkerFrom                  float64
	inBunker                    bool
}

// readLST streams lst.csv into per-protocol series (nil without the file).
func readLST(dir string, width uint64, forced forcedSet) ([]*lstSeries, error) {
	if !exists(dir, lstFile) {
		return nil, nil
	}
	c, err := openCSV(filepath.Join(dir, lstFile))
	if err != nil {
		return nil, err
	}
	defer c.close()
	cols, err := c.need("epoch", "protocol", "share_rate", "total_pooled_gwei", "beacon_balance_gwei", "withdrawal_queue_gwei", "bunker")
	if err != nil {
		return nil, err
	}
	var out []*lstSeries
	find := func(name string) *lstSeries {
		for _, s := range out {
			if s.name == name {
				return s
			}
		}
		if len(out) == MaxLSTProtocols {
			return nil
		}
		s := &lstSeries{name: name, rate: newSampler(width, forced), pooled: newSampler(width, forced),
			beacon: newSampler(width, forced), queue: newSampler(width, forced)}
		out = append(out, s)
		return s
	}
	var last uint64
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
		last = max(last, e)
		rate, _ := strconv.ParseFloat(cell(rec, cols[2]), 64)
		s.rate.add(e, rate)
		s.pooled.add(e, float64(cellU(rec, cols[3]))/1e9)
		s.beacon.add(e, float64(cellU(rec, cols[4]))/1e9)
		s.queue.add(e, float64(cellU(rec, cols[5]))/1e9)
		if on := cell(rec, cols[6]) == "1"; on != s.inBunker {
			if on {
				s.bunkerFrom = float64(e)
			} else if len(s.bunker) < MaxSpans {
				s.bunker = append(s.bunker, Span{From: s.bunkerFrom, To: float64(e), Label: "bunker"})
			}
			s.inBunker = on
		}
	}
	for _, s := range out {
		if s.inBunker && len(s.bunker) < MaxSpans {
			s.bunker = append(s.bunker, Span{From: s.bunkerFrom, To: float64(last + 1), Label: "bunker"})
		}
	}
	return out, nil
}

// lstCharts: share rate, pooled ETH and the withdrawal queue of each
// protocol, bunker mode shaded, when the run has lst.csv.
func lstCharts(rd *runData) []Chart {
	ps, err := readLST(rd.dir, rd.width, rd.forced())
	if err != nil {
		rd.notes = append(rd.notes, "lst.csv could not be read: "+err.Error())
		return nil
	}
	if len(ps) == 0 {
		return nil
	}
	rate := Chart{ID: "lst-rate", Title: "Liquid staking: share rate", XLabel: "epoch", YLabel: "ETH per share", Pad: true,
		Markers: markers(rd, "negative_rebase", "lrt_rate_fell"),
		Caption: "Each holder's ETH is its shares times this rate: a liquid-staking protocol's moves only at oracle reports, falls with a negative rebase, and bunker mode (shaded) holds withdrawals meanwhile; a liquid restaking token's (kind lrt) falls when an AVS slashes one of its operators."}
	pooled := Chart{ID: "lst-pooled", Title: "Liquid staking: pooled ETH and the chain's balances", XLabel: "epoch", YLabel: "ETH", Pad: true,
		Caption: "The books' pooled ETH follows the protocol's validators' balances on the chain one report later; exits move ETH from the chain to the buffer."}
	queue := Chart{ID: "lst-queue", Title: "Liquid staking: withdrawal queue", XLabel: "epoch", YLabel: "ETH requested", YInclude: []float64{0},
		Caption: "The ETH pending requests ask for: it drains only when exited validators' ETH has passed the exit churn, the withdrawability delay and the sweep (for a liquid restaking token, after the restaking escrow first), and bunker mode allows."}
	for i, p := range ps {
		rate.Lines = append(rate.Lines, Line{Name: p.name, Points: p.rate.points(), Color: i, Step: true})
		pooled.Lines = append(pooled.Lines, Line{Name: p.name + " · pooled", Points: p.pooled.points(), Color: i, Step: true},
			Line{Name: p.name + " · on chain", Points: p.beacon.points(), Color: i, Dash: 1})
		queue.Lines = append(queue.Lines, Line{Name: p.name, Points: p.queue.points(), Color: i, Step: true})
		if i == 0 {
			rate.Spans, queue.Spans = p.bunker, p.bunker
		}
	}
	return []Chart{rate, pooled, queue}
}
