package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// legendEntry is one entry of the legend strip under a chart.
type legendEntry struct {
	name   string
	thumbs []plot.Thumbnailer
}

// newPlot returns a plot with the chart fonts, title and axis labels.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	h := p.TextHandler
	p.Title.Text = title
	p.Title.TextStyle = textStyle(titleFont, h)
	p.Title.TextStyle.XAlign, p.Title.TextStyle.YAlign = draw.XCenter, draw.YTop
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle = textStyle(labelFont, h)
		a.Tick.Label = textStyle(tickFont, h)
		a.Padding = 2
	}
	p.Y.Label.TextStyle.XAlign, p.Y.Label.TextStyle.YAlign = draw.XCenter, draw.YBottom
	p.X.Tick.Marker, p.Y.Tick.Marker = niceTicks{}, niceTicks{}
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XCenter, draw.YTop
	p.Y.Tick.Label.XAlign, p.Y.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.X.Label.TextStyle.XAlign, p.X.Label.TextStyle.YAlign = draw.XCenter, draw.YBottom
	return p
}

// renderChart draws a chart as an SVG element.
func renderChart(ch *Chart) ([]byte, error) {
	p := newPlot(ch.Title, ch.XLabel, ch.YLabel)
	var leg []legendEntry
	adders := []func(*plot.Plot, *Chart) ([]legendEntry, error){
		addSpans, addBands, addBars, addLines, addWhiskers, addScatter, addHLines, addMarkers,
	}
	for _, add := range adders {
		l, err := add(p, ch)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", ch.ID, err)
		}
		leg = append(leg, l...)
	}
	fixRanges(p, ch)
	if ch.XTicks != nil {
		p.X.Tick.Marker = constantTicks(ch.XTicks)
	}
	return drawSVG(p, leg, chartWidth, chartHeight, ch.Title)
}

// fixRanges sets the y range of a fixed chart and gives an empty or flat
// axis a range.
func fixRanges(p *plot.Plot, ch *Chart) {
	for _, x := range ch.XInclude {
		p.X.Min, p.X.Max = min(p.X.Min, x), max(p.X.Max, x)
	}
	for _, y := range ch.YInclude {
		p.Y.Min, p.Y.Max = min(p.Y.Min, y), max(p.Y.Max, y)
	}
	if ch.YFixed {
		p.Y.Min, p.Y.Max = ch.YMin, ch.YMax
	} else if headroom(ch) {
		p.Y.Max += (p.Y.Max - p.Y.Min) * 0.08
	}
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		if d := (a.Max - a.Min) * 0.05; ch.Pad && d > 0 && !math.IsInf(d, 0) {
			a.Min, a.Max = a.Min-d, a.Max+d
		}
		if math.IsInf(a.Min, 0) || math.IsInf(a.Max, 0) || math.IsNaN(a.Min) || math.IsNaN(a.Max) {
			a.Min, a.Max = 0, 1
		}
		switch {
		case a.Min == 0 && a.Max == 0:
			a.Max = 1
		case a.Min == a.Max:
			a.Min, a.Max = a.Min-0.5, a.Max+0.5
		}
	}
}

// headroom reports whether a chart needs room over its data: bars (so
// the tallest does not touch the title) or labelled markers (so the
// labels under the glyphs stay off the data).
func headroom(ch *Chart) bool {
	return len(ch.Bars) > 0 || slices.ContainsFunc(ch.Markers, func(m Marker) bool { return m.Label != "" })
}

func constantTicks(ts []Tick) plot.ConstantTicks {
	out := make(plot.ConstantTicks, len(ts))
	for i, t := range ts {
		out[i] = plot.Tick{Value: t.Value, Label: t.Label}
	}
	return out
}

// xys converts points for gonum.
func xys(pts []Point) plotter.XYs {
	out := make(plotter.XYs, len(pts))
	for i, p := range pts {
		out[i].X, out[i].Y = p.X, p.Y
	}
	return out
}

func addLines(p *plot.Plot, ch *Chart) ([]legendEntry, error) {
	var leg []legendEntry
	for _, s := range ch.Lines {
		if len(s.Points) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys(s.Points))
		if err != nil {
			return nil, err
		}
		l.LineStyle = draw.LineStyle{Color: colour(s.Color, 0xFF), Width: 1.2, Dashes: dash(s.Dash)}
		if s.Step {
			l.StepStyle = plotter.PostStep
		}
		p.Add(l)
		leg = append(leg, legendEntry{s.Name, []plot.Thumbnailer{l}})
	}
	return leg, nil
}

func addBands(p *plot.Plot, ch *Chart) ([]legendEntry, error) {
	var leg []legendEntry
	for _, b := range ch.Bands {
		if len(b.Lower) == 0 {
			continue
		}
		ring := append(xys(b.Lower), reversed(xys(b.Upper))...)
		poly, err := plotter.NewPolygon(ring)
		if err != nil {
			return nil, err
		}
		poly.Color = colour(b.Color, 0x40)
		poly.LineStyle.Width = 0
		p.Add(poly)
		if b.Name != "" {
			leg = append(leg, legendEntry{b.Name, []plot.Thumbnailer{poly}})
		}
	}
	return leg, nil
}

func reversed(x plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, len(x))
	for i := range x {
		out[len(x)-1-i] = x[i]
	}
	return out
}

func addScatter(p *plot.Plot, ch *Chart) ([]legendEntry, error) {
	var leg []legendEntry
	for _, s := range ch.Scatter {
		if len(s.Points) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xys(s.Points))
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: colour(s.Color, 0xFF), Radius: 3, Shape: glyph(s.Shape, s.Hollow)}
		p.Add(sc)
		leg = append(leg, legendEntry{s.Name, []plot.Thumbnailer{sc}})
	}
	return leg, nil
}

// drawSVG draws p with the legend strip under it into a width × height
// (plus legend) SVG and returns the <svg> element.
func drawSVG(p *plot.Plot, leg []legendEntry, width, height vg.Length, title string) ([]byte, error) {
	sty := textStyle(legendFont, p.TextHandler)
	leg = slices.DeleteFunc(leg, func(e legendEntry) bool { return e.name == "" })
	rows := layoutLegend(leg, sty, width-20)
	legH := vg.Length(len(rows))*legendRowH + 4
	if len(rows) == 0 {
		legH = 0
	}
	cv := vgsvg.New(width, height+legH)
	dc := draw.New(cv)
	p.Draw(draw.Crop(dc, 0, 0, legH, 0))
	drawLegend(dc, rows, sty, legH)
	var b bytes.Buffer
	if _, err := cv.WriteTo(&b); err != nil {
		return nil, err
	}
	return cleanSVG(b.Bytes(), title), nil
}

// layoutLegend places the entries left to right in rows of at most width.
func layoutLegend(leg []legendEntry, sty draw.TextStyle, width vg.Length) [][]legendEntry {
	var rows [][]legendEntry
	var used vg.Length
	for _, e := range leg {
		w := entryWidth(e, sty)
		if len(rows) == 0 || used+w > width {
			rows = append(rows, nil)
			used = 0
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], e)
		used += w
	}
	return rows
}

// entryWidth is an entry's width, with room for a browser font wider
// than the one the text was measured in.
func entryWidth(e legendEntry, sty draw.TextStyle) vg.Length {
	return legendThumbW + 4 + sty.Width(e.name)*1.15 + 14
}

// drawLegend draws the rows at the bottom of c, in a strip of height h.
func drawLegend(c draw.Canvas, rows [][]legendEntry, sty draw.TextStyle, h vg.Length) {
	sty.YAlign = draw.YCenter
	for r, row := range rows {
		y := c.Min.Y + h - vg.Length(r+1)*legendRowH + 2
		x := c.Min.X + 10
		for _, e := range row {
			icon := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: y + 1}, Max: vg.Point{X: x + legendThumbW, Y: y + legendRowH - 3}}}
			for _, t := range e.thumbs {
				t.Thumbnail(&icon)
			}
			c.FillText(sty, vg.Point{X: x + legendThumbW + 4, Y: y + legendRowH/2 - 1}, e.name)
			x += entryWidth(e, sty)
		}
	}
}

// fontFallback lets a browser without Liberation Sans use a metric-
// compatible font.
const fontFallback = "font-family:Liberation Sans,Arial,Helvetica,sans-serif;"

// cleanSVG turns vgsvg's document into an element to inline in HTML: no
// XML declaration or comment, size from the page's CSS (the viewBox
// keeps the aspect ratio), a fallback font list and an accessible name.
func cleanSVG(doc []byte, title string) []byte {
	s := string(doc)
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	if i, j := strings.Index(s, " width="), strings.Index(s, " viewBox="); i >= 0 && j > i {
		s = s[:i] + ` class="chart" role="img" aria-label="` + htmlAttr(title) + `"` + s[j:]
	}
	s = strings.ReplaceAll(s, "font-family:Liberation Sans;", fontFallback)
	return []byte(s)
}

// htmlAttr escapes s for a double-quoted attribute.
func htmlAttr(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
	return r.Replace(s)
}

// rectThumb is a legend thumbnail of a filled rectangle.
type rectThumb struct{ c color.Color }

func (t rectThumb) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}}
	c.FillPolygon(t.c, pts)
}
