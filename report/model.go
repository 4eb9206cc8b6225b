package report

// Chart is the data of one chart, independent of how it is drawn: the
// tests check these values against the CSV files, and plot.go draws them.
type Chart struct {
	ID      string // HTML anchor
	Title   string
	Caption string // one sentence: what to look at
	XLabel  string // with its unit
	YLabel  string // with its unit
	Lines   []Line
	Bands   []Band
	Bars    []Bars // stacked in order
	Spans   []Span
	Markers []Marker
	HLines  []HLine
	Scatter []Scatter
	Whisker []Whiskers
	XTicks  []Tick // fixed x ticks (categorical axes); nil: automatic
	// YMin and YMax fix the y range when YFixed.
	YMin, YMax float64
	YFixed     bool
	// XInclude and YInclude are values the axes' ranges must include
	// (0 and the last epoch, so epoch charts line up; 0 and 1 for shares).
	XInclude, YInclude []float64
	// Pad widens both ranges by 5% so points at the ends stay off the axes.
	Pad   bool
	Notes []string // shown under the chart
}

// Line is a series drawn as a line (Step: as steps).
type Line struct {
	Name   string
	Points []Point
	Color  int // index into the palette
	Dash   int // index into the dash patterns
	Step   bool
}

// Band is a shaded band between two edges with the same xs.
type Band struct {
	Name         string
	Lower, Upper []Point
	Color        int
}

// Bars is a bar series: one bar of Width at each point's X.
type Bars struct {
	Name   string
	Points []Point
	Width  float64
	Color  int
	// Shade, when not 0, colours the bars with shade Shade (1–8, light to
	// dark) of the sequential scale instead of palette colour Color: for
	// ordered categories such as health-factor buckets.
	Shade int
}

// Span is a shaded x range.
type Span struct {
	From, To float64
	Label    string
}

// Marker is an event marker: a vertical line at X with the glyph of Kind.
type Marker struct {
	X     float64
	Kind  string
	Label string // drawn beside the glyph when not empty (timeline numbers)
}

// HLine is a horizontal reference line.
type HLine struct {
	Y     float64
	Label string
}

// Scatter is a series of glyphs.
type Scatter struct {
	Name   string
	Points []Point
	Color  int
	Shape  int
	Hollow bool
}

// Whiskers is a series of vertical min–max ranges.
type Whiskers struct {
	Name   string
	Ranges []Range
	Color  int
}

// Range is one whisker.
type Range struct{ X, Lo, Hi float64 }

// Tick is a labelled axis position.
type Tick struct {
	Value float64
	Label string
}

// HeatMap is a grid of cells coloured by value, the value printed in
// each; Hatched cells hold a run that did not resume finality.
type HeatMap struct {
	ID, Title, Caption string
	XLabel, YLabel     string
	ValueLabel         string
	XTicks, YTicks     []string
	Values             [][]float64 // [y][x], NaN: no run
	Counts             [][]int     // runs that gave the cell's mean
	Hatched            [][]bool
	Notes              []string
}
