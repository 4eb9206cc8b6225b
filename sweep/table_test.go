package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/stakesim/stakesim/sim"
)

// populate sets every number reachable from v to a distinct non-zero value
// (negative for signed integers, with a fraction for floats) and allocates
// every nil pointer, so that the JSON of v shows every numeric field and
// its kind. next numbers the values.
func populate(v reflect.Value, next *int) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		populate(v.Elem(), next)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				populate(v.Field(i), next)
			}
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		*next++
		v.SetUint(uint64(*next))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		*next++
		v.SetInt(-int64(*next))
	case reflect.Float64:
		*next++
		v.SetFloat(float64(*next) + 0.5)
	}
}

// populatedSummary returns a Summary with every field set, with groups
// "honest" and "attacker", and a string field set so that strings show in
// the JSON too.
func populatedSummary() *sim.Summary {
	var s sim.Summary
	n := 0
	populate(reflect.ValueOf(&s).Elem(), &n)
	s.Scenario = "scn"
	s.Params = []sim.ParamValue{{Name: "p", Value: 1}}
	s.Branches = []string{"main"}
	for _, name := range []string{"honest", "attacker"} {
		var g sim.GroupSummary
		populate(reflect.ValueOf(&g).Elem(), &n)
		g.Name = name
		g.Coalition = "c"
		s.Groups = append(s.Groups, g)
	}
	return &s
}

// jsonColumn is a column found in a summary's JSON: its name, kind and the
// number as the JSON shows it.
type jsonColumn struct {
	name string
	kind Kind
	text string
}

// flattenJSON walks the JSON object read from dec (its opening brace
// already consumed) in document order, independently of table.go: objects
// give prefixed columns, numbers give a column whose kind is read from
// the literal, strings, booleans, nulls and arrays give none. The values
// of populate make the kinds visible: negative for signed, a fraction for
// floats.
func flattenJSON(t *testing.T, dec *json.Decoder, prefix string, top bool, groups map[string][]jsonColumn, groupsAt *int) []jsonColumn {
	t.Helper()
	var cols []jsonColumn
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		key := tok.(string)
		tok, err = dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		switch v := tok.(type) {
		case json.Delim:
			switch {
			case v == '{':
				cols = append(cols, flattenJSON(t, dec, prefix+key+"_", false, groups, nil)...)
			case v == '[' && top && key == "groups":
				*groupsAt = len(cols)
				for dec.More() {
					if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
						t.Fatalf("groups: got %v, %v; want an object", tok, err)
					}
					g := flattenJSON(t, dec, "", false, nil, nil)
					var name string
					for _, c := range g {
						if c.name == "name" {
							name = c.text
						}
					}
					groups[name] = g
				}
				if _, err := dec.Token(); err != nil {
					t.Fatal(err)
				}
			case v == '[':
				skipJSON(t, dec)
			}
		case json.Number:
			if top && (key == "seed") {
				continue
			}
			s := string(v)
			kind := KindUint64
			switch {
			case strings.ContainsAny(s, ".eE"):
				kind = KindFloat64
			case strings.HasPrefix(s, "-"):
				kind = KindInt64
			}
			cols = append(cols, jsonColumn{prefix + key, kind, s})
		case string:
			if key == "name" && groups == nil {
				cols = append(cols, jsonColumn{"name", KindString, v})
			}
		}
	}
	if _, err := dec.Token(); err != nil { // closing brace
		t.Fatal(err)
	}
	return cols
}

// skipJSON consumes the rest of an array whose '[' was read.
func skipJSON(t *testing.T, dec *json.Decoder) {
	t.Helper()
	depth := 1
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '[', '{':
				depth++
			case ']', '}':
				depth--
			}
		}
	}
}

// expectedFromJSON returns the columns and cells a populated summary's
// JSON implies for the given groups.
func expectedFromJSON(t *testing.T, s *sim.Summary, groups []string) ([]Column, []string) {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("summary JSON starts with %v, %v", tok, err)
	}
	byGroup := map[string][]jsonColumn{}
	insertAt := -1
	top := flattenJSON(t, dec, "", true, byGroup, &insertAt)
	if insertAt < 0 {
		t.Fatal("summary JSON has no groups")
	}
	template := byGroup["honest"] // the fields of a group, for a missing group
	var cols []Column
	var cells []string
	for _, c := range top {
		cols = append(cols, Column{c.name, c.kind})
		cells = append(cells, c.text)
	}
	var gcols []Column
	var gcells []string
	for _, name := range groups {
		fields, ok := byGroup[name]
		if !ok {
			fields = template
		}
		for _, f := range fields {
			if f.kind == KindString {
				continue
			}
			gcols = append(gcols, Column{"group_" + name + "_" + f.name, f.kind})
			if ok {
				gcells = append(gcells, f.text)
			} else {
				gcells = append(gcells, "")
			}
		}
	}
	cols = slices.Insert(cols, insertAt, gcols...)
	cells = slices.Insert(cells, insertAt, gcells...)
	return cols, cells
}

// TestSummaryColumnsMatchSummaryJSON checks names, kinds, order and cells
// against the JSON encoding/json writes for a summary with every field set:
// every numeric field of summary.json must be a column, and nothing else.
func TestSummaryColumnsMatchSummaryJSON(t *testing.T) {
	s := populatedSummary()
	for _, groups := range [][]string{nil, {"honest"}, {"attacker", "honest", "absent"}} {
		t.Run(fmt.Sprint(groups), func(t *testing.T) {
			wantCols, wantCells := expectedFromJSON(t, s, groups)
			gotCols := SummaryColumns(groups)
			if !slices.Equal(gotCols, wantCols) {
				t.Errorf("SummaryColumns(%q):\ngot  %v\nwant %v", groups, gotCols, wantCols)
			}
			gotCells := SummaryCells(s, groups)
			if !slices.Equal(gotCells, wantCells) {
				t.Errorf("SummaryCells:\ngot  %q\nwant %q", gotCells, wantCells)
			}
		})
	}
}

func TestSummaryColumnsKnownFields(t *testing.T) {
	cols := SummaryColumns([]string{"honest", "attacker"})
	kinds := map[string]Kind{}
	pos := map[string]int{}
	for i, c := range cols {
		if _, dup := kinds[c.Name]; dup {
			t.Errorf("column %q appears twice", c.Name)
		}
		kinds[c.Name] = c.Kind
		pos[c.Name] = i
	}
	for _, tc := range []struct {
		name string
		kind Kind
	}{
		{"epochs", KindUint64},
		{"apr_percent", KindFloat64},
		{"finalized_epoch", KindUint64},
		{"honest_loss_gwei", KindInt64},
		{"reorgs_count", KindUint64},
		{"reorgs_max_depth", KindUint64},
		{"conflicting_finalization_epoch", KindUint64},
		{"conflicting_finalization_slashable_gwei", KindUint64},
		{"finality_resumed_epoch", KindUint64},
		{"slashable_fraction_at_conflict", KindFloat64},
		{"consolidation_epochs", KindUint64},
		{"group_honest_end_balance_gwei", KindUint64},
		{"group_attacker_validators", KindUint64},
		{"group_attacker_initial_penalty_gwei_per_eth", KindFloat64},
		{"gossip_signatures_verified", KindUint64},
	} {
		got, ok := kinds[tc.name]
		if !ok {
			t.Errorf("no column %q", tc.name)
		} else if got != tc.kind {
			t.Errorf("column %q: kind %v, want %v", tc.name, got, tc.kind)
		}
	}
	for _, name := range []string{
		"seed", "params", "scenario", "description", "preset", "bls_mode", "bls_warning",
		"branches", "outputs_sha256", "conflicting_finalization_cause",
		"conflicting_finalization_branch_a", "group_honest_name", "group_honest_coalition",
		"groups", "reorgs",
	} {
		if _, ok := kinds[name]; ok {
			t.Errorf("unexpected column %q", name)
		}
	}
	// summary.json order: epochs before justified before finalized, the
	// groups after gossip_signatures_verified and honest before attacker.
	order := []string{"epochs", "justified_epoch", "finalized_epoch", "reorgs_count", "reorgs_max_depth",
		"gossip_signatures_verified", "group_honest_validators", "group_honest_end_balance_gwei",
		"group_attacker_validators"}
	for i := 1; i < len(order); i++ {
		if pos[order[i-1]] >= pos[order[i]] {
			t.Errorf("column %q (at %d) not before %q (at %d)", order[i-1], pos[order[i-1]], order[i], pos[order[i]])
		}
	}
	if cols[0].Name != "epochs" {
		t.Errorf("first column %q, want epochs", cols[0].Name)
	}
}

func TestSummaryCellsNilPointersAndValues(t *testing.T) {
	one := uint64(7)
	s := &sim.Summary{
		Seed:                   99,
		Epochs:                 32,
		APRPercent:             0.1,
		NetAPRPercent:          -1e-300,
		HonestLossGwei:         -5,
		FinalityStalledAtEpoch: &one,
		Reorgs:                 sim.ReorgSummary{Count: 3, MaxDepth: 2},
		Groups: []sim.GroupSummary{
			{Name: "other", Validators: 1},
			{Name: "honest", Validators: 10, EndBalanceGwei: 320_000_000_000},
			{Name: "honest", Validators: 11}, // a second entry of a name is ignored
		},
	}
	groups := []string{"honest", "attacker"}
	cols := SummaryColumns(groups)
	cells := SummaryCells(s, groups)
	if len(cells) != len(cols) {
		t.Fatalf("%d cells for %d columns", len(cells), len(cols))
	}
	got := map[string]string{}
	for i, c := range cols {
		got[c.Name] = cells[i]
	}
	for name, want := range map[string]string{
		"epochs":                                    "32",
		"apr_percent":                               "0.1",
		"net_apr_percent":                           "-1e-300",
		"honest_loss_gwei":                          "-5",
		"finalized_epoch":                           "0",
		"finality_stalled_at_epoch":                 "7",
		"finality_resumed_epoch":                    "",
		"slashable_fraction_at_conflict":            "",
		"conflicting_finalization_epoch":            "",
		"conflicting_finalization_slashable_gwei":   "",
		"first_consolidation_request_epoch":         "",
		"reorgs_count":                              "3",
		"reorgs_max_depth":                          "2",
		"group_honest_validators":                   "10",
		"group_honest_end_balance_gwei":             "320000000000",
		"group_honest_slashed":                      "0",
		"group_honest_initial_penalty_gwei_per_eth": "",
		"group_attacker_validators":                 "",
		"group_attacker_end_balance_gwei":           "",
	} {
		if g, ok := got[name]; !ok {
			t.Errorf("no column %q", name)
		} else if g != want {
			t.Errorf("%s = %q, want %q", name, g, want)
		}
	}
	for name := range got {
		if strings.HasPrefix(name, "group_other_") {
			t.Errorf("column %q for a group not asked for", name)
		}
	}
	// Every attacker cell is empty: the group is absent.
	for i, c := range cols {
		if strings.HasPrefix(c.Name, "group_attacker_") && cells[i] != "" {
			t.Errorf("%s = %q, want empty", c.Name, cells[i])
		}
	}
}

func TestSummaryColumnsIgnoreValues(t *testing.T) {
	// The column set comes from the type: a zero summary and a populated
	// one give the same columns and the same number of cells.
	groups := []string{"honest"}
	want := SummaryColumns(groups)
	for _, s := range []*sim.Summary{{}, populatedSummary()} {
		if n := len(SummaryCells(s, groups)); n != len(want) {
			t.Errorf("%d cells, want %d", n, len(want))
		}
	}
	if !slices.Equal(SummaryColumns(groups), want) {
		t.Error("SummaryColumns is not stable")
	}
}

// rowsOf returns a next function over rows.
func rowsOf(rows [][]string) func() ([]string, error) {
	i := 0
	return func() ([]string, error) {
		if i == len(rows) {
			return nil, io.EOF
		}
		i++
		return rows[i-1], nil
	}
}

var smallCols = []Column{
	{"run_id", KindString},
	{"seed", KindUint64},
	{"x", KindFloat64},
	{"status", KindString},
	{"error", KindString},
	{"honest_loss_gwei", KindInt64},
}

var smallRows = [][]string{
	{"r0001", "1", "0.1", "ok", "", "-5"},
	{"r0002", "18446744073709551615", "1e-300", "error", `bad "x", y`, ""},
	{"r0003", "0", "", "error", "two\nlines", "9223372036854775807"},
}

func TestWriteCSVBytes(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, smallCols, rowsOf(smallRows)); err != nil {
		t.Fatal(err)
	}
	want := "run_id,seed,x,status,error,honest_loss_gwei\n" +
		"r0001,1,0.1,ok,,-5\n" +
		"r0002,18446744073709551615,1e-300,error,\"bad \"\"x\"\", y\",\n" +
		"r0003,0,,error,\"two\nlines\",9223372036854775807\n"
	if b.String() != want {
		t.Errorf("results.csv:\ngot  %q\nwant %q", b.String(), want)
	}
}

func TestWriteCSVHeaderOnly(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, smallCols, rowsOf(nil)); err != nil {
		t.Fatal(err)
	}
	if want := "run_id,seed,x,status,error,honest_loss_gwei\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

// tableWriters are the two writers, for the tests of their common errors.
var tableWriters = []struct {
	name  string
	write func(io.Writer, []Column, func() ([]string, error)) error
}{
	{"CSV", WriteCSV},
	{"Parquet", WriteParquet},
}

func TestTableWritersReject(t *testing.T) {
	errNext := errors.New("next failed")
	for _, w := range tableWriters {
		for _, tc := range []struct {
			name string
			cols []Column
			next func() ([]string, error)
			want string
		}{
			{"short row", smallCols, rowsOf([][]string{smallRows[0], {"r", "1"}}), "row 2 has 2 cells, want 6"},
			{"duplicate column", []Column{{"a", KindString}, {"a", KindUint64}}, rowsOf(nil), `"a" appears twice`},
			{"unnamed column", []Column{{"", KindString}}, rowsOf(nil), "column 1 has no name"},
			{"bad kind", []Column{{"a", Kind(9)}}, rowsOf(nil), "unknown kind"},
			{"next error", smallCols, func() ([]string, error) { return nil, errNext }, "next failed"},
		} {
			t.Run(w.name+"/"+tc.name, func(t *testing.T) {
				err := w.write(io.Discard, tc.cols, tc.next)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("error %v, want one containing %q", err, tc.want)
				}
			})
		}
	}
}

func TestWriteParquetBadCell(t *testing.T) {
	for _, tc := range []struct {
		col  Column
		cell string
	}{
		{Column{"seed", KindUint64}, "abc"},
		{Column{"seed", KindUint64}, "-1"},
		{Column{"seed", KindUint64}, "18446744073709551616"},
		{Column{"loss", KindInt64}, "1.5"},
		{Column{"loss", KindInt64}, " 1"},
		{Column{"apr", KindFloat64}, "x"},
		{Column{"finality_resumed", KindBool}, "yes"},
		{Column{"finality_resumed", KindBool}, "1"},
		{Column{"finality_resumed", KindBool}, "True"},
	} {
		t.Run(tc.col.Name+"/"+tc.cell, func(t *testing.T) {
			cols := []Column{{"run_id", KindString}, tc.col}
			rows := [][]string{{"a", ""}, {"b", tc.cell}}
			err := WriteParquet(io.Discard, cols, rowsOf(rows))
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range []string{`column "` + tc.col.Name + `"`, "row 2", strconv.Quote(tc.cell)} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

// readParquet opens b and returns its column names and kinds (read from
// the file's schema) and its cells formatted as the table's text, and the
// number of rows of each row group.
func readParquet(t *testing.T, b []byte) (*parquet.File, []Column, [][]string, []int64) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var cols []Column
	for _, field := range f.Schema().Fields() {
		if !field.Leaf() || field.Repeated() {
			t.Fatalf("column %q is not a plain leaf", field.Name())
		}
		typ := field.Type()
		lt := typ.LogicalType()
		var kind Kind
		switch {
		case typ.Kind() == parquet.ByteArray && lt != nil && isString(lt.Value):
			kind = KindString
			if !field.Required() {
				t.Errorf("string column %q is not required", field.Name())
			}
		case typ.Kind() == parquet.Int64:
			it, ok := lt.Value.(*format.IntType)
			if !ok || it.BitWidth != 64 {
				t.Fatalf("column %q: INT64 with logical type %v", field.Name(), lt)
			}
			kind = KindInt64
			if !it.IsSigned {
				kind = KindUint64
			}
		case typ.Kind() == parquet.Double:
			kind = KindFloat64
		case typ.Kind() == parquet.Boolean:
			kind = KindBool
		default:
			t.Fatalf("column %q of type %v", field.Name(), typ)
		}
		if kind != KindString && !field.Optional() {
			t.Errorf("numeric column %q is not optional", field.Name())
		}
		cols = append(cols, Column{field.Name(), kind})
	}
	var cells [][]string
	var groupRows []int64
	for _, rg := range f.RowGroups() {
		groupRows = append(groupRows, rg.NumRows())
		rows := rg.Rows()
		buf := make([]parquet.Row, 100)
		for {
			n, err := rows.ReadRows(buf)
			for _, row := range buf[:n] {
				if len(row) != len(cols) {
					t.Fatalf("row of %d values, want %d", len(row), len(cols))
				}
				line := make([]string, len(cols))
				for _, v := range row {
					i := v.Column()
					switch {
					case v.IsNull():
						if cols[i].Kind == KindString {
							t.Errorf("null in string column %q", cols[i].Name)
						}
					case cols[i].Kind == KindString:
						line[i] = string(v.ByteArray())
					case cols[i].Kind == KindInt64:
						line[i] = strconv.FormatInt(v.Int64(), 10)
					case cols[i].Kind == KindUint64:
						line[i] = strconv.FormatUint(uint64(v.Int64()), 10)
					case cols[i].Kind == KindFloat64:
						line[i] = strconv.FormatFloat(v.Double(), 'g', -1, 64)
					case cols[i].Kind == KindBool:
						line[i] = strconv.FormatBool(v.Boolean())
					}
				}
				cells = append(cells, line)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return f, cols, cells, groupRows
}

func isString(v format.LogicalTypeValue) bool {
	_, ok := v.(*format.StringType)
	return ok
}

// allKindsCols is deliberately not in name order, to check the column
// order survives.
var allKindsCols = []Column{
	{"run_id", KindString},
	{"seed", KindUint64},
	{"zeta", KindFloat64},
	{"alpha", KindFloat64},
	{"status", KindString},
	{"error", KindString},
	{"honest_loss_gwei", KindInt64},
	{"apr_percent", KindFloat64},
	{"finality_resumed_epoch", KindUint64},
	{"finality_resumed", KindBool},
}

var allKindsRows = [][]string{
	{"r1", "0", "0.1", "1e-300", "ok", "", "-5", "3.25", "", "false"},
	{"r2", "18446744073709551615", "-0", "5e-324", "error", "boom, \"quoted\"\nnext line", "", "", "12", "true"},
	{"", "1", "", "", "ok", "", "-9223372036854775808", "1.7976931348623157e+308", "0", ""},
	{"r4 ünïcode", "9223372036854775808", "NaN", "+Inf", "ok", "", "9223372036854775807", "-Inf", "18446744073709551615", "true"},
	{"r5", "", "0", "1.2345678912345679e+08", "ok", "", "0", "0.30000000000000004", "", ""},
}

func TestWriteParquetRoundTrip(t *testing.T) {
	var b bytes.Buffer
	if err := WriteParquet(&b, allKindsCols, rowsOf(allKindsRows)); err != nil {
		t.Fatal(err)
	}
	f, cols, cells, groupRows := readParquet(t, b.Bytes())
	if !slices.Equal(cols, allKindsCols) {
		t.Errorf("columns:\ngot  %v\nwant %v", cols, allKindsCols)
	}
	if !slices.EqualFunc(cells, allKindsRows, slices.Equal) {
		t.Errorf("cells:\ngot  %q\nwant %q", cells, allKindsRows)
	}
	if !slices.Equal(groupRows, []int64{int64(len(allKindsRows))}) {
		t.Errorf("row groups %v", groupRows)
	}
	md := f.Metadata()
	if md.CreatedBy != "stakesim" {
		t.Errorf("created_by %q", md.CreatedBy)
	}
	if len(md.KeyValueMetadata) != 0 {
		t.Errorf("key-value metadata %v", md.KeyValueMetadata)
	}
	for _, rg := range md.RowGroups {
		for _, c := range rg.Columns {
			if c.MetaData.Codec != format.Zstd {
				t.Errorf("column %v compressed with %v", c.MetaData.PathInSchema, c.MetaData.Codec)
			}
		}
	}
}

func TestWriteParquetEmptyTable(t *testing.T) {
	var b bytes.Buffer
	if err := WriteParquet(&b, allKindsCols, rowsOf(nil)); err != nil {
		t.Fatal(err)
	}
	_, cols, cells, _ := readParquet(t, b.Bytes())
	if !slices.Equal(cols, allKindsCols) {
		t.Errorf("columns:\ngot  %v\nwant %v", cols, allKindsCols)
	}
	if len(cells) != 0 {
		t.Errorf("%d rows, want 0", len(cells))
	}
}

// bigTable returns n rows over summary-like columns, every value a
// function of its row so that a reader can check it.
func bigTable(n int) ([]Column, [][]string) {
	cols := []Column{{"run_id", KindString}, {"seed", KindUint64}, {"p", KindFloat64}, {"status", KindString}, {"error", KindString}}
	cols = append(cols, SummaryColumns([]string{"honest", "attacker"})...)
	rows := make([][]string, n)
	for r := range rows {
		row := make([]string, len(cols))
		row[0] = fmt.Sprintf("run-%06d", r)
		row[1] = strconv.FormatUint(uint64(r)*0x9E3779B97F4A7C15, 10)
		row[2] = strconv.FormatFloat(float64(r%17)/10, 'g', -1, 64)
		row[3] = "ok"
		if r%1000 == 999 {
			row[3], row[4] = "error", "run "+strconv.Itoa(r)+" failed"
		}
		for i := 5; i < len(cols); i++ {
			switch {
			case row[3] == "error" || (r+i)%11 == 0:
				row[i] = ""
			case cols[i].Kind == KindUint64:
				row[i] = strconv.FormatUint(uint64(r*i), 10)
			case cols[i].Kind == KindInt64:
				row[i] = strconv.FormatInt(int64(r-i*100), 10)
			default:
				row[i] = strconv.FormatFloat(float64(r)/float64(i), 'g', -1, 64)
			}
		}
		rows[r] = row
	}
	return cols, rows
}

func TestWriteParquetManyRowGroups(t *testing.T) {
	cols, rows := bigTable(25_000)
	var b bytes.Buffer
	if err := WriteParquet(&b, cols, rowsOf(rows)); err != nil {
		t.Fatal(err)
	}
	_, gotCols, cells, groupRows := readParquet(t, b.Bytes())
	if !slices.Equal(gotCols, cols) {
		t.Errorf("columns differ")
	}
	if !slices.Equal(groupRows, []int64{10_000, 10_000, 5_000}) {
		t.Errorf("row groups of %v rows, want 10000, 10000, 5000", groupRows)
	}
	if len(cells) != len(rows) {
		t.Fatalf("%d rows, want %d", len(cells), len(rows))
	}
	for r := range rows {
		if !slices.Equal(cells[r], rows[r]) {
			t.Fatalf("row %d:\ngot  %q\nwant %q", r, cells[r], rows[r])
		}
	}
}

func TestWriteParquetDeterministic(t *testing.T) {
	cols, rows := bigTable(12_345)
	var first []byte
	for i := range 3 {
		var b bytes.Buffer
		if err := WriteParquet(&b, cols, rowsOf(rows)); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b.Bytes()
			continue
		}
		if !bytes.Equal(b.Bytes(), first) {
			t.Fatalf("write %d differs from the first (%d vs %d bytes)", i+1, b.Len(), len(first))
		}
	}
	// A different table gives different bytes (the comparison can fail).
	rows[0] = slices.Clone(rows[0])
	rows[0][0] = "run-x"
	var b bytes.Buffer
	if err := WriteParquet(&b, cols, rowsOf(rows)); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(b.Bytes(), first) {
		t.Error("changed table, same bytes")
	}
}

func TestTableParquetSchemaString(t *testing.T) {
	s := parquetGroup(allKindsCols).String()
	want := []string{"required binary run_id (STRING)", "optional int64 seed (INT(64,false))",
		"optional double zeta", "optional int64 honest_loss_gwei (INT(64,true))", "optional boolean finality_resumed"}
	last := -1
	for _, w := range want {
		i := strings.Index(s, w)
		if i < 0 {
			t.Errorf("schema %s lacks %q", s, w)
		}
		if i < last && i >= 0 {
			t.Errorf("schema %s: %q out of order", s, w)
		}
		last = i
	}
}

func BenchmarkWriteParquet10k(b *testing.B) {
	cols, rows := bigTable(10_000)
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteParquet(&buf, cols, rowsOf(rows)); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes/file")
	b.ReportMetric(float64(len(cols)), "columns")
	b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkWriteCSV10k(b *testing.B) {
	cols, rows := bigTable(10_000)
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteCSV(&buf, cols, rowsOf(rows)); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes/file")
	b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkSummaryCells(b *testing.B) {
	s := populatedSummary()
	groups := []string{"honest", "attacker"}
	for b.Loop() {
		SummaryCells(s, groups)
	}
}

// TestSummaryFlattenRules checks the flattening rules on a made-up type
// with the field shapes sim.Summary may gain: embedded structs, pointers to
// structs, json "-" and untagged fields, and kinds the table cannot hold.
func TestSummaryFlattenRules(t *testing.T) {
	type inner struct {
		A uint32  `json:"a"`
		B *int    `json:"b"`
		S string  `json:"s"`
		F float64 `json:"f,omitempty"`
	}
	type Embedded struct {
		E uint64 `json:"e"`
	}
	//lint:ignore U1000 shape.hidden is never read on purpose: the test checks that unexported fields are left out
	type shape struct {
		Embedded
		Plain    uint64            `json:"plain"`
		Skipped  uint64            `json:"-"`
		Untagged int16             // named by its Go name
		hidden   uint64            // unexported: not in JSON
		In       inner             `json:"in"`
		PIn      *inner            `json:"p_in"`
		Flags    []uint64          `json:"flags"`
		On       bool              `json:"on"`
		Named    consensusLikeGwei `json:"named"`
	}
	leaves := flattenStruct(reflect.TypeFor[shape](), "", nil)
	var got []Column
	for _, l := range leaves {
		got = append(got, l.col)
	}
	want := []Column{
		{"e", KindUint64}, {"plain", KindUint64}, {"Untagged", KindInt64},
		{"in_a", KindUint64}, {"in_b", KindInt64}, {"in_f", KindFloat64},
		{"p_in_a", KindUint64}, {"p_in_b", KindInt64}, {"p_in_f", KindFloat64},
		{"named", KindUint64},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("columns:\ngot  %v\nwant %v", got, want)
	}
	b := -3
	for _, tc := range []struct {
		name string
		v    shape
		want []string
	}{
		{"nil pointers", shape{Embedded: Embedded{1}, Plain: 2, Untagged: -4, In: inner{A: 5, F: 0.5}, Named: 6},
			[]string{"1", "2", "-4", "5", "", "0.5", "", "", "", "6"}},
		{"set pointers", shape{In: inner{B: &b}, PIn: &inner{A: 7, B: &b, F: 1e-300}},
			[]string{"0", "0", "0", "0", "-3", "0", "7", "-3", "1e-300", "0"}},
	} {
		var cells []string
		for _, l := range leaves {
			cells = append(cells, formatLeaf(reflect.ValueOf(&tc.v).Elem(), l.index))
		}
		if !slices.Equal(cells, tc.want) {
			t.Errorf("%s: cells %q, want %q", tc.name, cells, tc.want)
		}
	}

	for _, bad := range []reflect.Type{
		reflect.TypeFor[struct {
			M map[string]uint64 `json:"m"`
		}](),
		reflect.TypeFor[struct {
			F float32 `json:"f"`
		}](),
		reflect.TypeFor[struct {
			P **uint64 `json:"p"`
		}](),
		reflect.TypeFor[struct {
			A [2]uint64 `json:"a"`
		}](),
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%v: no panic", bad)
				}
			}()
			flattenStruct(bad, "", nil)
		}()
	}
}

// consensusLikeGwei is a named integer type, as consensus.Gwei is.
type consensusLikeGwei uint64

// TestDerivedCells works the finality columns out by hand from the summary
// fields they come from (sim.Summary.FinalityStall).
func TestDerivedCells(t *testing.T) {
	if got := DerivedColumns(); !slices.Equal(got, []Column{{"finality_stall_epochs", KindUint64}, {"finality_resumed", KindBool}}) {
		t.Errorf("DerivedColumns() = %v", got)
	}
	u := func(v uint64) *uint64 { return &v }
	for _, tc := range []struct {
		name string
		s    sim.Summary
		want []string
	}{
		{"never stalled", sim.Summary{Epochs: 600, CompletedEpochs: 600}, []string{"0", ""}},
		// Stalled at 10, finality advanced again at 346: 336 epochs.
		{"resumed", sim.Summary{Epochs: 600, CompletedEpochs: 600, FinalityStalledAtEpoch: u(10), FinalityResumedEpoch: u(346)}, []string{"336", "true"}},
		// attack-33 at 0.40 cut at 600 epochs: the stall runs from 10 to
		// the run's end, 590 epochs, and had not ended.
		{"cut off by the run's end", sim.Summary{Epochs: 600, CompletedEpochs: 600, FinalityStalledAtEpoch: u(10)}, []string{"590", "false"}},
		// An interrupted run ends at its completed epochs.
		{"interrupted", sim.Summary{Epochs: 600, CompletedEpochs: 50, Interrupted: true, FinalityStalledAtEpoch: u(10)}, []string{"40", "false"}},
		// Without completed_epochs the run length counts.
		{"no completed_epochs", sim.Summary{Epochs: 24, FinalityStalledAtEpoch: u(4)}, []string{"20", "false"}},
	} {
		if got := DerivedCells(&tc.s); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
