package report

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestReadLending: per-venue series from lending.csv, the health-factor
// buckets kept as the last row of each bucket when downsampled, and
// liquidations summed; none without the file.
func TestReadLending(t *testing.T) {
	dir := t.TempDir()
	if vs, err := readLending(dir, 1, nil); err != nil || vs != nil {
		t.Fatalf("no lending.csv: %v %v", vs, err)
	}
	csv := "epoch,market,oracle_price,collateral_gwei,debt_gwei,positions,positions_below_1,liquidations,liquidated_collateral_gwei,bad_debt_gwei,hf_1_1.01,hf_1.01_1.05,hf_1.05_1.1,hf_1.1_1.25,hf_above_1.25\n" +
		"0,hi,1.000000000,100000000000,80000000000,4,0,0,0,0,0,1,1,1,1\n" +
		"0,lo,1.000000000,100000000000,50000000000,2,0,0,0,0,0,0,0,0,2\n" +
		"1,hi,0.900000000,90000000000,70000000000,4,2,1,10000000000,0,1,1,0,0,0\n" +
		"1,lo,0.900000000,100000000000,50000000000,2,0,0,0,0,0,0,0,1,1\n" +
		"2,hi,0.800000000,50000000000,40000000000,3,1,3,40000000000,1500000000,0,0,0,0,0\n"
	if err := os.WriteFile(filepath.Join(dir, lendingFile), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	vs, err := readLending(dir, 1, nil)
	if err != nil || len(vs) != 2 || vs[0].name != "hi" || vs[1].name != "lo" {
		t.Fatalf("%v %v", vs, err)
	}
	hi := vs[0]
	if got, want := hi.hf.points(0), []Point{{1, 2}, {2, 1}}; !slices.Equal(got, want) {
		t.Errorf("HF < 1: %v, want %v", got, want)
	}
	if got, want := hi.hf.points(5), []Point{{0, 1}}; !slices.Equal(got, want) {
		t.Errorf("HF ≥ 1.25: %v, want %v", got, want)
	}
	if got, want := hi.liqs.points(), []Point{{1, 1}, {2, 3}}; !slices.Equal(got, want) {
		t.Errorf("liquidations %v, want %v", got, want)
	}
	if got := hi.badDebt.points(); got[2] != (Point{2, 1.5}) {
		t.Errorf("bad debt %v", got)
	}
	if got := hi.oracle.points(); got[1] != (Point{1, 0.9}) {
		t.Errorf("oracle %v", got)
	}
	// Buckets of 2 epochs: the HF distribution is the bucket's last row,
	// liquidations are summed.
	vs, err = readLending(dir, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := vs[0].hf.points(0), []Point{{0, 2}, {2, 1}}; !slices.Equal(got, want) {
		t.Errorf("downsampled HF < 1: %v, want %v", got, want)
	}
	if got, want := vs[0].liqs.points(), []Point{{0, 1}, {2, 3}}; !slices.Equal(got, want) {
		t.Errorf("downsampled liquidations %v, want %v", got, want)
	}
}

// TestDepegMarkers: one marker per epoch, labelled with the lowest
// threshold crossed in it.
func TestDepegMarkers(t *testing.T) {
	ev := func(e uint64, th string) event {
		var x event
		x.Epoch, x.Kind, x.Details.Threshold = e, "depeg", th
		return x
	}
	got := depegMarkers([]event{ev(4, "0.990000000"), ev(4, "0.970000000"), ev(4, "0.950000000"), ev(6, "0.900000000"), ev(9, "0.990000000")})
	want := []Marker{{X: 4, Kind: "depeg", Label: "<0.95"}, {X: 6, Kind: "depeg", Label: "<0.9"}, {X: 9, Kind: "depeg", Label: "<0.99"}}
	if !slices.Equal(got, want) {
		t.Errorf("%v, want %v", got, want)
	}
}

// chartByID returns the chart called id.
func chartByID(t *testing.T, chs []Chart, id string) *Chart {
	t.Helper()
	for i := range chs {
		if chs[i].ID == id {
			return &chs[i]
		}
	}
	t.Fatalf("no chart %s", id)
	return nil
}

// barsByName returns the points of the chart's bar series called name.
func barsByName(t *testing.T, ch *Chart, name string) []Point {
	t.Helper()
	for _, b := range ch.Bars {
		if b.Name == name {
			return b.Points
		}
	}
	t.Fatalf("chart %s has no bars %q", ch.ID, name)
	return nil
}

// TestLendingChartsEzeth: on a real ezeth-2024 run the lending charts
// are the columns of lending.csv (HF buckets, liquidations, seized
// collateral, bad debt, oracle price), the price charts carry the depeg
// markers of events.jsonl, and the page draws them.
func TestLendingChartsEzeth(t *testing.T) {
	dir := runScenario(t, "ezeth-2024", 0, "off")
	rd, err := loadRun(dir, PageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	chs := marketCharts(rd)
	var ids []string
	for _, ch := range chs {
		ids = append(ids, ch.ID)
	}
	want := []string{"market-price", "market-composition", "market-volume", "lending-oracle", "lending-hf-morpho-high",
		"lending-hf-morpho-low", "lending-liquidations", "lending-seized", "lending-bad-debt"}
	if !slices.Equal(ids, want) {
		t.Fatalf("charts %v, want %v", ids, want)
	}
	rows := csvRows(t, filepath.Join(dir, lendingFile))
	for _, venue := range []string{"morpho-high", "morpho-low"} {
		hf := chartByID(t, chs, "lending-hf-"+venue)
		for _, h := range hfColumns {
			checkColumn(t, rows, venue, h.col, 1, barsByName(t, hf, h.name), true)
		}
		checkColumn(t, rows, venue, "liquidations", 1, barsByName(t, chartByID(t, chs, "lending-liquidations"), venue), true)
		checkColumn(t, rows, venue, "liquidated_collateral_gwei", 1e9, barsByName(t, chartByID(t, chs, "lending-seized"), venue), true)
		checkColumn(t, rows, venue, "bad_debt_gwei", 1e9, lineByName(t, chartByID(t, chs, "lending-bad-debt"), venue), false)
		checkColumn(t, rows, venue, "oracle_price", 1, lineByName(t, chartByID(t, chs, "lending-oracle"), venue+" · oracle"), false)
	}
	wantMarks := []Marker{{X: 4, Kind: "depeg", Label: "<0.95"}, {X: 6, Kind: "depeg", Label: "<0.9"}}
	for _, id := range []string{"market-price", "lending-oracle", "lending-liquidations"} {
		if got := chartByID(t, chs, id).Markers; !slices.Equal(got, wantMarks) {
			t.Errorf("%s markers %v, want %v", id, got, wantMarks)
		}
	}
	figs, err := chartFigures(chs)
	if err != nil || len(figs) != len(chs) {
		t.Fatalf("%d figures: %v", len(figs), err)
	}
}

// checkColumn compares a series with column col of venue's rows divided
// by scale; bars leave out zero rows.
func checkColumn(t *testing.T, rows []map[string]string, venue, col string, scale float64, got []Point, bars bool) {
	t.Helper()
	var want []Point
	for _, r := range rows {
		if r["market"] != venue {
			continue
		}
		if v := num(t, r[col]) / scale; !bars || v != 0 {
			want = append(want, Point{num(t, r["epoch"]), v})
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s %s:\n got %v\nwant %v", venue, col, got, want)
	}
}
