package lending

import (
	"fmt"
	"math/bits"
)

// OracleKind selects how an Oracle prices the collateral token.
type OracleKind int

// Oracle kinds.
const (
	// OraclePool is the last observed pool (market) price.
	OraclePool OracleKind = iota
	// OracleRate is the protocol's exchange rate (ETH per token), as
	// Aave prices wstETH, optionally capped CAPO-style.
	OracleRate
	// OracleTWAP is the arithmetic mean of the pool price over the last
	// Window slots.
	OracleTWAP
)

// MaxTWAPWindow bounds the TWAP ring buffer (about 9 days of 12-s slots).
const MaxTWAPWindow = 1 << 16

// OracleParams configure an Oracle.
type OracleParams struct {
	Kind OracleKind
	// Window is the TWAP's number of slots (OracleTWAP; 1..MaxTWAPWindow).
	Window int
	// MaxYearlyGrowthBps caps an OracleRate's growth (CAPO's
	// maxYearlyRatioGrowthPercent, 10,000 = 100%); 0 disables the cap.
	MaxYearlyGrowthBps uint64
	// SnapshotRate and SnapshotSlot are CAPO's snapshotRatio and
	// snapshotTimestamp (the rate is WAD ETH per token).
	SnapshotRate, SnapshotSlot uint64
	// SlotsPerYear is CAPO's SECONDS_PER_YEAR in slots (2,629,800 for
	// 12-s slots over 365.25 days, 2,628,000 over 365 days).
	SlotsPerYear uint64
}

// capoScaling is PriceCapAdapterBase.SCALING_FACTOR.
const capoScaling = 1_000_000

// Oracle prices a collateral token in WAD ETH per token from per-slot
// observations. Its memory is bounded by the TWAP window.
type Oracle struct {
	p          OracleParams
	growth     uint64 // maxRatioGrowthPerSecondScaled, per slot
	started    bool
	slot       uint64
	pool, rate uint64
	ring       []uint64 // the last Window per-slot pool prices
	next, n    int
}

// NewOracle checks the parameters and makes an oracle with no observation
// (Price is 0 until the first Observe).
func NewOracle(p OracleParams) (*Oracle, error) {
	o := &Oracle{p: p}
	switch p.Kind {
	case OraclePool:
	case OracleRate:
		if p.MaxYearlyGrowthBps == 0 {
			break
		}
		if p.SnapshotRate == 0 || p.SlotsPerYear == 0 {
			return nil, fmt.Errorf("%w: a capped rate oracle needs a snapshot rate and SlotsPerYear", ErrInvalidParams)
		}
		// (snapshotRatio·maxYearlyRatioGrowthPercent·SCALING_FACTOR)
		// / PERCENTAGE_FACTOR / SECONDS_PER_YEAR; the first division is exact.
		g, ok := mulDiv(p.SnapshotRate, p.MaxYearlyGrowthBps*(capoScaling/PercentageFactor), p.SlotsPerYear, false)
		if !ok || p.MaxYearlyGrowthBps > 1<<32 {
			return nil, fmt.Errorf("%w: growth cap overflows", ErrInvalidParams)
		}
		o.growth = g
	case OracleTWAP:
		if p.Window < 1 || p.Window > MaxTWAPWindow {
			return nil, fmt.Errorf("%w: TWAP window %d outside 1..%d", ErrInvalidParams, p.Window, MaxTWAPWindow)
		}
		o.ring = make([]uint64, p.Window)
	default:
		return nil, fmt.Errorf("%w: oracle kind %d", ErrInvalidParams, p.Kind)
	}
	return o, nil
}

// Observe records slot's pool price and exchange rate (both WAD). It is
// called once per slot with increasing slots; a TWAP carries the previous
// pool price over skipped slots. A call for a slot not after the last one
// replaces the last observation instead of adding one.
func (o *Oracle) Observe(slot uint64, poolPrice, rate uint64) {
	if o.ring != nil {
		o.record(slot, poolPrice)
	}
	if !o.started || slot > o.slot {
		o.slot = slot
	}
	o.started = true
	o.pool, o.rate = poolPrice, rate
}

func (o *Oracle) record(slot, price uint64) {
	w := len(o.ring)
	if o.started && slot <= o.slot {
		o.ring[(o.next+w-1)%w] = price
		return
	}
	if o.started {
		for gap := min(slot-o.slot-1, uint64(w)); gap > 0; gap-- {
			o.push(o.pool)
		}
	}
	o.push(price)
}

func (o *Oracle) push(price uint64) {
	o.ring[o.next] = price
	o.next = (o.next + 1) % len(o.ring)
	o.n = min(o.n+1, len(o.ring))
}

// Price is the oracle's price now: the last pool price (OraclePool), the
// mean of the recorded window rounded down (OracleTWAP, over fewer slots
// until the window fills), or the rate capped at
//
//	snapshotRate + growth·(slot − snapshotSlot)/SCALING_FACTOR
//
// (PriceCapAdapterBase._getMaxRatio and latestAnswer) for OracleRate.
// A market depeg leaves a rate oracle unchanged; a fall of the rate
// (slashing) lowers it at once.
func (o *Oracle) Price() uint64 {
	switch o.p.Kind {
	case OracleRate:
		return min(o.rate, o.maxRate())
	case OracleTWAP:
		return o.mean()
	}
	return o.pool
}

// maxRate is CAPO's _getMaxRatio at the last observed slot.
func (o *Oracle) maxRate() uint64 {
	if o.p.MaxYearlyGrowthBps == 0 {
		return ^uint64(0)
	}
	var elapsed uint64
	if o.slot > o.p.SnapshotSlot {
		elapsed = o.slot - o.p.SnapshotSlot
	}
	g, ok := mulDiv(o.growth, elapsed, capoScaling, false)
	if !ok || o.p.SnapshotRate+g < g {
		return ^uint64(0)
	}
	return o.p.SnapshotRate + g
}

func (o *Oracle) mean() uint64 {
	if o.n == 0 {
		return 0
	}
	var s wide
	for i := range o.n {
		var c uint64
		s.lo, c = bits.Add64(s.lo, o.ring[i], 0)
		s.hi += c
	}
	q, _ := s.div(uint64(o.n))
	return q
}
