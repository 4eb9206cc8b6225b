// Results table: results.csv and results.parquet hold one row per run of a
// sweep (or of a shard), sorted by run_id, with these columns in this order:
//
//	run_id      string   the run's identifier
//	seed        uint64   the run's seed
//	<param>...  float64  one column per scenario parameter, named as the param
//	                     (string, the word, for a choice param)
//	status      string   "ok" or "error"
//	error       string   the error of a failed run, "" otherwise
//	<summary>   numeric  the numeric fields of summary.json, in summary.json order
//	finality_stall_epochs  uint64  epochs without finality in the stall of
//	                     finality_stalled_at_epoch (0 when finality never
//	                     stalled; up to the run's end when it had not resumed)
//	finality_resumed     bool  whether finality resumed before the run ended;
//	                     empty when it never stalled. false means the run
//	                     ended during the stall, so finality_stall_epochs and
//	                     longest_finality_gap_epochs are cut off by the run
//	                     length: lower bounds, not results
//
// The summary columns are the numeric fields of summary.json flattened: a
// nested object gives one column per numeric member, named
// "<parent>_<member>" (reorgs_count, reorgs_max_depth,
// conflicting_finalization_epoch, ...), and each validator group of the
// scenario gives one column per numeric field of its entry in "groups",
// named "group_<group name>_<field>" (group_honest_end_balance_gwei).
// Strings, booleans, lists, seed and params are left out (params and seed
// have their own columns). The column set depends only on the scenario's
// parameters and groups, never on a run's outcome.
//
// Every cell is text as results.csv shows it: integers in decimal, floats
// in Go's shortest round-trip form (strconv.FormatFloat(v, 'g', -1, 64), so
// 0.1, 1e-300, NaN, +Inf), booleans as true and false, and the empty string
// for a missing value (a null field of summary.json, a group missing from
// a run's summary, every summary and finality column of a failed run).
//
// results.parquet holds the same table: one column per results column, in
// the same order; string columns are required BYTE_ARRAY (UTF8) columns
// ("" stays ""), integer columns INT64 with the signed or unsigned 64-bit
// integer logical type, float columns DOUBLE, bool columns BOOLEAN;
// numeric and bool columns are optional, and an empty cell is a null. The file is Zstd-compressed, has a row group
// per 10,000 rows, and the same table always gives the same bytes.

package sweep

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/stakesim/stakesim/sim"
)

// Kind is the type of a results column.
type Kind uint8

// Column kinds.
const (
	KindString Kind = iota
	KindInt64
	KindUint64
	KindFloat64
	KindBool
)

// String returns the kind's name as the README's column tables write it.
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindInt64:
		return "int64"
	case KindUint64:
		return "uint64"
	case KindFloat64:
		return "float64"
	case KindBool:
		return "bool"
	default:
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
}

// Column is one column of results.csv / results.parquet.
type Column struct {
	Name string
	Kind Kind
}

// parquetRowGroupRows is the number of rows WriteParquet buffers before it
// writes them out as one row group, which bounds its memory use.
const parquetRowGroupRows = 10_000

// parquetWriteBatchRows is the number of rows WriteParquet hands to the
// parquet writer at a time.
const parquetWriteBatchRows = 256

// parquetCreatedBy is the created_by field of results.parquet. It is a fixed
// string so that the file does not change with the build.
const parquetCreatedBy = "stakesim"

// summaryLeaf is one summary column and where its value lives.
type summaryLeaf struct {
	col Column
	// group is the group name for a group column, and index then walks a
	// GroupSummary; otherwise index walks a Summary.
	group   string
	isGroup bool
	index   []int // field indexes from the outer struct down to the leaf
}

var (
	summaryType      = reflect.TypeFor[sim.Summary]()
	groupSummaryType = reflect.TypeFor[sim.GroupSummary]()
)

// summaryLeaves flattens sim.Summary's type into columns (see the file
// comment for the rules). It panics if the type holds a field it cannot
// flatten, which is a bug for a test to catch when sim.Summary changes.
func summaryLeaves(groups []string) []summaryLeaf {
	var leaves []summaryLeaf
	for i := range summaryType.NumField() {
		f := summaryType.Field(i)
		name, ok := jsonName(f)
		if !ok {
			continue
		}
		switch {
		case name == "seed" || name == "params":
			continue
		case f.Type == reflect.SliceOf(groupSummaryType):
			for _, g := range groups {
				for _, leaf := range flattenStruct(groupSummaryType, "group_"+g+"_", nil) {
					leaf.group, leaf.isGroup = g, true
					leaves = append(leaves, leaf)
				}
			}
			continue
		}
		leaves = append(leaves, flattenField(f, name, []int{i})...)
	}
	return leaves
}

// flattenStruct returns the columns of the fields of struct type t, each
// named prefix + json name, with index starting with the given prefix.
func flattenStruct(t reflect.Type, prefix string, index []int) []summaryLeaf {
	var leaves []summaryLeaf
	for i := range t.NumField() {
		f := t.Field(i)
		name, ok := jsonName(f)
		if !ok {
			continue
		}
		idx := append(append([]int(nil), index...), i)
		if f.Anonymous && f.Tag.Get("json") == "" && derefType(f.Type).Kind() == reflect.Struct {
			// encoding/json lifts the fields of an untagged embedded struct
			// into the parent object.
			leaves = append(leaves, flattenStruct(derefType(f.Type), prefix, idx)...)
			continue
		}
		leaves = append(leaves, flattenField(f, prefix+name, idx)...)
	}
	return leaves
}

// flattenField returns the columns of field f, named name.
func flattenField(f reflect.StructField, name string, index []int) []summaryLeaf {
	t := derefType(f.Type)
	if t != f.Type && t.Kind() == reflect.Pointer {
		panic(fmt.Sprintf("sweep: summary field %s (%s): pointer to pointer", f.Name, f.Type))
	}
	switch t.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return []summaryLeaf{{col: Column{name, KindUint64}, index: index}}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return []summaryLeaf{{col: Column{name, KindInt64}, index: index}}
	case reflect.Float64:
		return []summaryLeaf{{col: Column{name, KindFloat64}, index: index}}
	case reflect.String, reflect.Bool, reflect.Slice:
		return nil
	case reflect.Struct:
		return flattenStruct(t, name+"_", index)
	default:
		panic(fmt.Sprintf("sweep: summary field %s has type %s, which the results table cannot hold", f.Name, f.Type))
	}
}

// jsonName returns the name encoding/json gives field f, and false when
// encoding/json leaves the field out.
func jsonName(f reflect.StructField) (string, bool) {
	if !f.IsExported() && !f.Anonymous {
		return "", false
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, true
}

func derefType(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

// SummaryColumns returns the numeric fields of summary.json (sim.Summary) as
// columns, in the order summary.json lists them, with one set of group
// columns for each name in groups (the scenario's validator groups). The
// result depends only on the sim.Summary type and groups.
func SummaryColumns(groups []string) []Column {
	leaves := summaryLeaves(groups)
	cols := make([]Column, len(leaves))
	for i, l := range leaves {
		cols[i] = l.col
	}
	return cols
}

// SummaryCells formats s as the cells of SummaryColumns(groups): same
// length, same order. A nil pointer, or a group that s does not list,
// gives "".
func SummaryCells(s *sim.Summary, groups []string) []string {
	leaves := summaryLeaves(groups)
	cells := make([]string, len(leaves))
	sv := reflect.ValueOf(s).Elem()
	groupIndex := make(map[string]int, len(s.Groups))
	for i := len(s.Groups) - 1; i >= 0; i-- { // the first entry of a name wins
		groupIndex[s.Groups[i].Name] = i
	}
	for i, l := range leaves {
		base := sv
		if l.isGroup {
			gi, ok := groupIndex[l.group]
			if !ok {
				continue
			}
			base = reflect.ValueOf(&s.Groups[gi]).Elem()
		}
		cells[i] = formatLeaf(base, l.index)
	}
	return cells
}

// formatLeaf follows index from v and formats the number it reaches, or
// returns "" when a nil pointer is on the way.
func formatLeaf(v reflect.Value, index []int) string {
	for _, i := range index {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return ""
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	default:
		panic(fmt.Sprintf("sweep: summary leaf of kind %s", v.Kind()))
	}
}

// DerivedColumns are the columns after the summary's, computed from it
// (see the file comment): finality_stall_epochs and finality_resumed.
func DerivedColumns() []Column {
	return []Column{{"finality_stall_epochs", KindUint64}, {"finality_resumed", KindBool}}
}

// DerivedCells formats the cells of DerivedColumns for summary s, by
// sim.Summary.FinalityStall: the stall's epochs (0 without a stall) and
// whether finality resumed ("" without a stall).
func DerivedCells(s *sim.Summary) []string {
	st, stalled := s.FinalityStall()
	if !stalled {
		return []string{"0", ""}
	}
	return []string{strconv.FormatUint(st.Epochs, 10), strconv.FormatBool(st.Resumed)}
}

// checkColumns rejects a column set that would give an ambiguous or
// unreadable table.
func checkColumns(cols []Column) error {
	seen := make(map[string]bool, len(cols))
	for i, c := range cols {
		if c.Name == "" {
			return fmt.Errorf("sweep: results column %d has no name", i+1)
		}
		if seen[c.Name] {
			return fmt.Errorf("sweep: results column %q appears twice", c.Name)
		}
		seen[c.Name] = true
		if c.Kind > KindBool {
			return fmt.Errorf("sweep: results column %q has unknown kind %d", c.Name, c.Kind)
		}
	}
	return nil
}

// WriteCSV writes the table as CSV: a header of the column names, then
// every row next returns until next returns io.EOF. Lines end in "\n".
func WriteCSV(w io.Writer, cols []Column, next func() ([]string, error)) error {
	if err := checkColumns(cols); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Name
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("sweep: write results.csv header: %w", err)
	}
	for n := 1; ; n++ {
		row, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if len(row) != len(cols) {
			return fmt.Errorf("sweep: results row %d has %d cells, want %d", n, len(row), len(cols))
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("sweep: write results.csv row %d: %w", n, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("sweep: write results.csv: %w", err)
	}
	return nil
}

// WriteParquet writes the table as Parquet (see the file comment for the
// types), reading rows from next until it returns io.EOF. It holds at most
// one row group (parquetRowGroupRows rows) in memory.
func WriteParquet(w io.Writer, cols []Column, next func() ([]string, error)) error {
	if err := checkColumns(cols); err != nil {
		return err
	}
	schema := parquet.NewSchema("results", parquetGroup(cols))
	pw := parquet.NewWriter(w, schema, &parquet.WriterConfig{
		CreatedBy: parquetCreatedBy,
		// Zstd with one encoder goroutine compresses each page with
		// EncodeAll, whose output depends only on the input.
		Compression:        &zstd.Codec{Level: zstd.SpeedDefault, Concurrency: 1},
		MaxRowsPerRowGroup: parquetRowGroupRows,
	})
	batch := make([]parquet.Row, 0, parquetWriteBatchRows)
	inGroup := 0
	writeBatch := func() error {
		if _, err := pw.WriteRows(batch); err != nil {
			return fmt.Errorf("sweep: write results.parquet: %w", err)
		}
		batch = batch[:0]
		return nil
	}
	for n := 1; ; n++ {
		row, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		prow, err := parquetRow(cols, row, n)
		if err != nil {
			return err
		}
		batch = append(batch, prow)
		inGroup++
		if len(batch) == cap(batch) || inGroup == parquetRowGroupRows {
			if err := writeBatch(); err != nil {
				return err
			}
		}
		if inGroup == parquetRowGroupRows {
			if err := pw.Flush(); err != nil {
				return fmt.Errorf("sweep: write results.parquet: %w", err)
			}
			inGroup = 0
		}
	}
	if err := writeBatch(); err != nil {
		return err
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("sweep: write results.parquet: %w", err)
	}
	return nil
}

// parquetRow converts row n (1-based) of the table to Parquet values.
func parquetRow(cols []Column, row []string, n int) (parquet.Row, error) {
	if len(row) != len(cols) {
		return nil, fmt.Errorf("sweep: results row %d has %d cells, want %d", n, len(row), len(cols))
	}
	prow := make(parquet.Row, len(cols))
	for i, c := range cols {
		cell := row[i]
		if c.Kind == KindString {
			prow[i] = parquet.ByteArrayValue([]byte(cell)).Level(0, 0, i)
			continue
		}
		if cell == "" {
			prow[i] = parquet.NullValue().Level(0, 0, i)
			continue
		}
		var v parquet.Value
		switch c.Kind {
		case KindInt64:
			x, err := strconv.ParseInt(cell, 10, 64)
			if err != nil {
				return nil, badCell(c, n, cell, err)
			}
			v = parquet.Int64Value(x)
		case KindUint64:
			x, err := strconv.ParseUint(cell, 10, 64)
			if err != nil {
				return nil, badCell(c, n, cell, err)
			}
			// INT64 with the unsigned logical type stores the bits.
			v = parquet.Int64Value(int64(x))
		case KindFloat64:
			x, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				return nil, badCell(c, n, cell, err)
			}
			v = parquet.DoubleValue(x)
		case KindBool:
			switch cell {
			case "true":
				v = parquet.BooleanValue(true)
			case "false":
				v = parquet.BooleanValue(false)
			default:
				return nil, badCell(c, n, cell, errors.New("want true or false"))
			}
		}
		prow[i] = v.Level(0, 1, i)
	}
	return prow, nil
}

func badCell(c Column, n int, cell string, err error) error {
	var numErr *strconv.NumError
	if errors.As(err, &numErr) {
		err = numErr.Err
	}
	return fmt.Errorf("sweep: results row %d, column %q: %q is not a %s: %w", n, c.Name, cell, c.Kind, err)
}

// parquetGroup returns the root node of the Parquet schema of cols.
func parquetGroup(cols []Column) orderedGroup {
	fields := make([]parquet.Field, len(cols))
	for i, c := range cols {
		var node parquet.Node
		switch c.Kind {
		case KindString:
			node = parquet.String()
		case KindInt64:
			node = parquet.Optional(parquet.Int(64))
		case KindUint64:
			node = parquet.Optional(parquet.Uint(64))
		case KindFloat64:
			node = parquet.Optional(parquet.Leaf(parquet.DoubleType))
		case KindBool:
			node = parquet.Optional(parquet.Leaf(parquet.BooleanType))
		default:
			panic(fmt.Sprintf("sweep: column %q of unknown kind %d", c.Name, c.Kind)) // checkColumns ran
		}
		fields[i] = orderedField{Node: node, name: c.Name, index: i}
	}
	return orderedGroup(fields)
}

// orderedGroup is a Parquet group node that keeps its fields in the given
// order. parquet.Group is a map and sorts its fields by name; a Go struct
// type keeps its order but restricts the names. The writer walks Fields()
// in order, so the file's columns come out in the table's order.
type orderedGroup []parquet.Field

var _ parquet.Node = orderedGroup(nil)

func (g orderedGroup) ID() int { return 0 }

func (g orderedGroup) String() string {
	var b strings.Builder
	_ = parquet.PrintSchema(&b, "", g) // a strings.Builder does not fail
	return b.String()
}

func (g orderedGroup) Type() parquet.Type { return parquet.Group{}.Type() }

func (g orderedGroup) Optional() bool { return false }

func (g orderedGroup) Repeated() bool { return false }

func (g orderedGroup) Required() bool { return true }

func (g orderedGroup) Leaf() bool { return false }

func (g orderedGroup) Fields() []parquet.Field { return g }

func (g orderedGroup) Encoding() encoding.Encoding { return nil }

func (g orderedGroup) Compression() compress.Codec { return nil }

// GoType returns a struct type with one field per column, in order, tagged
// with the column name, as parquet.Group's GoType does.
func (g orderedGroup) GoType() reflect.Type {
	fields := make([]reflect.StructField, len(g))
	for i, f := range g {
		fields[i] = reflect.StructField{
			Name: "C" + strconv.Itoa(i),
			Type: f.GoType(),
			Tag:  reflect.StructTag(`parquet:` + strconv.Quote(f.Name())),
		}
	}
	return reflect.StructOf(fields)
}

// orderedField is a field of an orderedGroup.
type orderedField struct {
	parquet.Node
	name  string
	index int
}

func (f orderedField) Name() string { return f.name }

// Value returns the field's value in base, a value of the group's GoType
// (or a pointer to one) or a map from column names.
func (f orderedField) Value(base reflect.Value) reflect.Value {
	for base.Kind() == reflect.Interface || base.Kind() == reflect.Pointer {
		if base.IsNil() {
			return reflect.Value{}
		}
		base = base.Elem()
	}
	switch base.Kind() {
	case reflect.Struct:
		if f.index < base.NumField() {
			return base.Field(f.index)
		}
	case reflect.Map:
		return base.MapIndex(reflect.ValueOf(f.name))
	}
	return reflect.Value{}
}
