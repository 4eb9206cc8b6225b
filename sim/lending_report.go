package sim

import (
	"errors"
	"fmt"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/lending"
)

// Lending outputs: lending.csv rows, liquidation and bad_debt events, the
// summary's lending venues, the venues' invariants (see lending.go).

// LendingRow is one line of lending.csv: one venue at the end of one
// epoch's market slots. The column order is the field order: the issue's
// ten columns, then the health-factor distribution.
type LendingRow struct {
	Epoch  uint64
	Market string
	// OraclePrice is the oracle's price at the epoch's last market slot,
	// ETH per whole token, 9 decimals.
	OraclePrice string
	// CollateralGwei (tokens) and DebtGwei (ETH) are the venue's totals;
	// Positions counts positions with collateral or debt,
	// PositionsBelow1 those with HF < 1 at OraclePrice.
	CollateralGwei, DebtGwei   uint64
	Positions, PositionsBelow1 uint64
	// Liquidations and LiquidatedCollateralGwei (tokens seized) are the
	// epoch's; BadDebtGwei is cumulative (Aave's deficit, Morpho's bad
	// debt), in ETH.
	Liquidations, LiquidatedCollateralGwei, BadDebtGwei uint64
	// HF buckets of the positions with debt: [1, 1.01), [1.01, 1.05),
	// [1.05, 1.1), [1.1, 1.25), ≥ 1.25 (below 1 is PositionsBelow1).
	HF1, HF101, HF105, HF110, HF125 uint64
}

// LendingSink is an optional interface of a Sink: a sink that implements
// it receives lending.csv rows (one per venue, after each epoch's market
// rows), for scenarios with lending venues only.
type LendingSink interface {
	Lending(row LendingRow) error
}

// VenueSummary is one lending venue's part of summary.json's markets.
type VenueSummary struct {
	Venue string `json:"venue"`
	Kind  string `json:"kind"`
	// Liquidations, the collateral they seized (tokens) and the ETH they
	// repaid; BadDebtGwei the ETH written off.
	Liquidations             uint64 `json:"liquidations"`
	LiquidatedCollateralGwei uint64 `json:"liquidated_collateral_gwei"`
	RepaidGwei               uint64 `json:"repaid_gwei"`
	BadDebtGwei              uint64 `json:"bad_debt_gwei"`
	// MinOraclePrice is the lowest oracle price at a market slot, 9
	// decimals; Positions and PositionsBelow1 are the last epoch's.
	MinOraclePrice  string `json:"min_oracle_price"`
	Positions       uint64 `json:"positions"`
	PositionsBelow1 uint64 `json:"positions_below_1"`
	// Relevers and Deleverages count managed loopers' applied orders
	// (absent when none).
	Relevers    uint64 `json:"relevers,omitempty"`
	Deleverages uint64 `json:"deleverages,omitempty"`
	minPrice    uint64
}

// Lending events.
const (
	EventLiquidation = "liquidation"
	EventBadDebt     = "bad_debt"
)

// LiquidationDetails is the details of EventLiquidation: the venue, the
// borrower, the liquidator, ETH repaid, tokens seized (to the
// liquidator), the health factor before and the oracle price (9
// decimals), and the market slot.
type LiquidationDetails struct {
	Venue       string `json:"venue"`
	User        string `json:"user"`
	Liquidator  string `json:"liquidator"`
	RepaidGwei  uint64 `json:"repaid_gwei"`
	SeizedGwei  uint64 `json:"seized_gwei"`
	HFBefore    string `json:"hf_before"`
	OraclePrice string `json:"oracle_price"`
	Slot        uint64 `json:"slot"`
}

func (LiquidationDetails) EventKind() string { return EventLiquidation }

// BadDebtDetails is the details of EventBadDebt: debt written off when a
// liquidation took the last of a position's collateral.
type BadDebtDetails struct {
	Venue       string `json:"venue"`
	User        string `json:"user"`
	BadDebtGwei uint64 `json:"bad_debt_gwei"`
	Slot        uint64 `json:"slot"`
}

func (BadDebtDetails) EventKind() string { return EventBadDebt }

func init() {
	detailsDecoders[EventLiquidation] = decodeDetails[LiquidationDetails]
	detailsDecoders[EventBadDebt] = decodeDetails[BadDebtDetails]
}

// CheckLending: each venue's own Check, and its token holdings in the
// protocol's books equal the collateral it accounts for.
const CheckLending = "lending"

// ErrLending is a lending venue inconsistent with itself or the books.
var ErrLending = errors.New("sim: lending venue inconsistent")

// wadToGwei9 writes a WAD price with 9 decimals.
func wadToGwei9(p uint64) string { return formatGwei9(p / 1_000_000_000) }

// recordLiquidation counts a liquidation and emits its events.
func (m *marketRun) recordLiquidation(lv *lendVenue, part *marketParticipant, l lending.Liquidation, hf uint64) {
	lv.liqs++
	lv.liqColl += uint64(l.Seized)
	lv.stats.Liquidations++
	lv.stats.LiquidatedCollateralGwei += uint64(l.Seized)
	lv.stats.RepaidGwei += uint64(l.Repaid)
	if m.ev == nil {
		return
	}
	m.ev(LiquidationDetails{Venue: lv.spec.Name, User: l.User, Liquidator: part.owner, RepaidGwei: uint64(l.Repaid),
		SeizedGwei: uint64(l.Seized - l.Fee), HFBefore: wadToGwei9(hf), OraclePrice: wadToGwei9(lv.price), Slot: m.slotNow})
	if l.BadDebt > 0 {
		m.ev(BadDebtDetails{Venue: lv.spec.Name, User: l.User, BadDebtGwei: uint64(l.BadDebt), Slot: m.slotNow})
	}
}

// venueCash is the ETH a venue holds (lent out ETH excluded).
func (lv *lendVenue) venueCash() consensus.Gwei {
	if lv.aave != nil {
		r, _ := lv.aave.Pool().Reserve(ethReserve)
		return r.Cash
	}
	return lv.morpho.Market().State().Cash
}

// venueTokens are the tokens a venue holds: its users' collateral and
// any protocol fee.
func (lv *lendVenue) venueTokens() consensus.Gwei {
	if lv.aave != nil {
		r, _ := lv.aave.Pool().Reserve(tokenReserve)
		return r.Supplied
	}
	return lv.morpho.Market().State().Collateral
}

// checkVenues runs the venues' checks and returns the ETH they hold.
func (m *marketRun) checkVenues() (consensus.Gwei, error) {
	var cash consensus.Gwei
	for _, lv := range m.venues {
		if err := lv.v.Check(); err != nil {
			return 0, fmt.Errorf("%w: %s: %w", ErrLending, lv.spec.Name, err)
		}
		if b, h := m.pools[lv.pool].tok.balance(lv.owner), lv.venueTokens(); b != h {
			return 0, fmt.Errorf("%w: %s holds %d tokens, the books say %d", ErrLending, lv.spec.Name, h, b)
		}
		cash += lv.venueCash()
	}
	return cash, nil
}

// hfBuckets are the bucket bounds of LendingRow (WAD).
var hfBuckets = [...]uint64{wad, wad + wad/100, wad + wad/20, wad + wad/10, wad + wad/4}

// lendingRow is a venue's row of epoch.
func (m *marketRun) lendingRow(epoch consensus.Epoch, lv *lendVenue) LendingRow {
	t := lv.v.Totals()
	row := LendingRow{Epoch: uint64(epoch), Market: lv.spec.Name, OraclePrice: wadToGwei9(lv.price),
		CollateralGwei: uint64(t.Collateral), DebtGwei: uint64(t.Borrowed), Liquidations: lv.liqs,
		LiquidatedCollateralGwei: lv.liqColl, BadDebtGwei: uint64(t.BadDebt)}
	buckets := []*uint64{&row.PositionsBelow1, &row.HF1, &row.HF101, &row.HF105, &row.HF110, &row.HF125}
	for _, pos := range lv.v.Positions() {
		row.Positions++
		if pos.Debt == 0 {
			continue
		}
		hf := lv.v.HealthFactor(pos.User, lv.price)
		b := 0
		for b < len(hfBuckets) && hf >= hfBuckets[b] {
			b++
		}
		*buckets[b]++
	}
	lv.liqs, lv.liqColl = 0, 0
	lv.stats.Positions, lv.stats.PositionsBelow1 = row.Positions, row.PositionsBelow1
	return row
}

// lendingRows sends each venue's lending.csv row of epoch.
func (m *marketRun) lendingRows(epoch consensus.Epoch) error {
	for _, lv := range m.venues {
		row := m.lendingRow(epoch, lv)
		if m.lsink == nil {
			continue
		}
		if err := m.lsink.Lending(row); err != nil {
			return fmt.Errorf("sim: writing lending.csv row of epoch %d: %w", epoch, err)
		}
	}
	return nil
}

// lendingSummary is the venues' part of the markets summary.
func (m *marketRun) lendingSummary() []VenueSummary {
	var out []VenueSummary
	for _, lv := range m.venues {
		s := lv.stats
		s.BadDebtGwei = uint64(lv.v.Totals().BadDebt)
		s.MinOraclePrice = wadToGwei9(s.minPrice)
		out = append(out, s)
	}
	return out
}
