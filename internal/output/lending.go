package output

import "github.com/stakesim/stakesim/sim"

// The lending file, written only for scenarios with lending venues:
// created with its first row.
const LendingFile = "lending.csv"

// LendingColumns returns the header of lending.csv (the fields of
// sim.LendingRow, in order): the ten columns, then the positions
// with debt per health-factor bucket.
func LendingColumns() []string {
	return []string{"epoch", "market", "oracle_price", "collateral_gwei", "debt_gwei", "positions", "positions_below_1",
		"liquidations", "liquidated_collateral_gwei", "bad_debt_gwei",
		"hf_1_1.01", "hf_1.01_1.05", "hf_1.05_1.1", "hf_1.1_1.25", "hf_above_1.25"}
}

var _ sim.LendingSink = (*Writer)(nil)

// Lending appends one row to lending.csv, creating the file on the first
// row.
func (w *Writer) Lending(row sim.LendingRow) error {
	if w.closed {
		return errClosed
	}
	if w.lending.csv == nil {
		if err := w.lending.create(w.dir, LendingFile, LendingColumns()); err != nil {
			return err
		}
	}
	r := w.lending.rec
	r[0], r[1], r[2] = u(row.Epoch), row.Market, row.OraclePrice
	r[3], r[4], r[5], r[6] = u(row.CollateralGwei), u(row.DebtGwei), u(row.Positions), u(row.PositionsBelow1)
	r[7], r[8], r[9] = u(row.Liquidations), u(row.LiquidatedCollateralGwei), u(row.BadDebtGwei)
	r[10], r[11], r[12], r[13], r[14] = u(row.HF1), u(row.HF101), u(row.HF105), u(row.HF110), u(row.HF125)
	return w.lending.write(r)
}
