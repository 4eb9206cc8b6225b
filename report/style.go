package report

import (
	"image/color"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// palette is Okabe and Ito's colour-blind-safe palette, in the order the
// series take it (yellow last: it is faint on white).
var palette = []color.NRGBA{
	{0x00, 0x72, 0xB2, 0xFF}, // blue
	{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	{0xE6, 0x9F, 0x00, 0xFF}, // orange
	{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	{0x00, 0x00, 0x00, 0xFF}, // black
	{0xF0, 0xE4, 0x42, 0xFF}, // yellow
}

// colour returns palette colour i (cycling) with alpha a (0..255).
func colour(i int, a uint8) color.NRGBA {
	c := palette[((i%len(palette))+len(palette))%len(palette)]
	c.A = a
	return c
}

// dashes are the line dash patterns, in points; series take them in
// order, so two series differ in dash as well as in colour.
var dashes = [][]vg.Length{nil, {6, 3}, {2, 2}, {8, 3, 2, 3}, {4, 4}, {1, 3}, {10, 4}, {3, 2, 1, 2}}

func dash(i int) []vg.Length { return dashes[((i%len(dashes))+len(dashes))%len(dashes)] }

// sequential is Paul Tol's colour-blind-safe sequential scheme YlOrBr,
// light to dark, for heat maps.
var sequential = []color.NRGBA{
	{0xFF, 0xFF, 0xE5, 0xFF}, {0xFF, 0xF7, 0xBC, 0xFF}, {0xFE, 0xE3, 0x91, 0xFF},
	{0xFE, 0xC4, 0x4F, 0xFF}, {0xFB, 0x9A, 0x29, 0xFF}, {0xEC, 0x70, 0x14, 0xFF},
	{0xCC, 0x4C, 0x02, 0xFF}, {0x99, 0x34, 0x04, 0xFF}, {0x66, 0x25, 0x06, 0xFF},
}

// markerStyle is how an event marker kind is drawn and named.
type markerStyle struct {
	name  string
	color int
	shape draw.GlyphDrawer
}

var markerStyles = map[string]markerStyle{
	"partition_started":        {"partition started", 0, draw.PyramidGlyph{}},
	"partition_healed":         {"partition healed", 2, draw.TriangleGlyph{}},
	"leak_started":             {"leak started", 1, draw.BoxGlyph{}},
	"leak_ended":               {"leak ended", 1, draw.SquareGlyph{}},
	"conflicting_finalization": {"conflicting finalization", 6, draw.CrossGlyph{}},
	"byzantine_share_crossed":  {"Byzantine share crossed 1/3, 1/2 or 2/3", 3, draw.PlusGlyph{}},
	"stalled":                  {"finality stalled (summary)", 4, draw.CircleGlyph{}},
	"resumed":                  {"finality resumed (summary)", 4, draw.RingGlyph{}},
	"timeline":                 {"narrated timeline entry", 6, draw.RingGlyph{}},
	"depeg":                    {"pool price crossed 0.99, 0.97, 0.95 or 0.90 (label: the lowest that epoch)", 1, draw.PyramidGlyph{}},
	"negative_rebase":          {"negative rebase", 3, draw.BoxGlyph{}},
	"lrt_rate_fell":            {"restaking token's rate fell", 3, draw.SquareGlyph{}},
}

// markerOrder is the legend order of marker kinds.
var markerOrder = []string{"stalled", "resumed", "partition_started", "partition_healed",
	"leak_started", "leak_ended", "conflicting_finalization", "byzantine_share_crossed",
	"depeg", "negative_rebase", "lrt_rate_fell", "timeline"}

// glyph returns shape i, filled or hollow.
func glyph(i int, hollow bool) draw.GlyphDrawer {
	type pair struct{ filled, hollow draw.GlyphDrawer }
	shapes := []pair{
		{draw.CircleGlyph{}, draw.RingGlyph{}}, {draw.BoxGlyph{}, draw.SquareGlyph{}},
		{draw.PyramidGlyph{}, draw.TriangleGlyph{}}, {draw.CrossGlyph{}, draw.CrossGlyph{}},
		{draw.PlusGlyph{}, draw.PlusGlyph{}},
	}
	s := shapes[((i%len(shapes))+len(shapes))%len(shapes)]
	if hollow {
		return s.hollow
	}
	return s.filled
}

// sansFont is the chart font (its metrics lay the text out; the SVG asks
// for it with fallbacks, see fontFallback).
var sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// textStyle returns a text style of size pt in the chart font.
func textStyle(pt vg.Length, handler text.Handler) text.Style {
	return text.Style{Color: color.Black, Font: font.From(sansFont, pt), Handler: handler}
}

// Chart geometry, in points.
const (
	chartWidth   = 680
	chartHeight  = 250
	legendRowH   = 13
	legendThumbW = 20
	legendFont   = 9
	tickFont     = 9
	labelFont    = 10
	titleFont    = 12
)
