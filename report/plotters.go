package report

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The plotters gonum/plot lacks: shaded x spans, stacked bars, whiskers,
// reference lines and event markers. Each draws on the plot's data area.

var (
	spanColour = color.NRGBA{0x80, 0x80, 0x80, 0x30}
	greyLine   = color.NRGBA{0x55, 0x55, 0x55, 0xFF}
)

// spansPlot shades x ranges over the full height.
type spansPlot struct{ spans []Span }

func (s spansPlot) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, sp := range s.spans {
		x0, x1 := max(trX(sp.From), c.Min.X), min(trX(sp.To), c.Max.X)
		if x1 <= x0 {
			x1 = min(x0+1, c.Max.X)
		}
		c.FillPolygon(spanColour, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}

func (s spansPlot) DataRange() (float64, float64, float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, sp := range s.spans {
		lo, hi = min(lo, sp.From), max(hi, sp.To)
	}
	return lo, hi, math.Inf(1), math.Inf(-1)
}

func addSpans(p *plot.Plot, ch *Chart) ([]legendEntry, error) {
	if len(ch.Spans) == 0 {
		return nil, nil
	}
	p.Add(spansPlot{ch.Spans})
	return []legendEntry{{ch.Spans[0].Label, []plot.Thumbnailer{rectThumb{spanColour}}}}, nil
}

// barsPlot draws bar series stacked on one another.
type barsPlot struct{ bars []Bars }

func (b barsPlot) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	base := map[float64]float64{}
	for _, s := range b.bars {
		col := s.fill()
		for _, pt := range s.Points {
			y0 := base[pt.X]
			base[pt.X] = y0 + pt.Y
			x0, x1 := trX(pt.X), trX(pt.X+s.Width)
			if x1-x0 < 0.8 {
				x1 = x0 + 0.8
			}
			lo, hi := trY(y0), trY(y0+pt.Y)
			c.FillPolygon(col, []vg.Point{{X: x0, Y: lo}, {X: x1, Y: lo}, {X: x1, Y: hi}, {X: x0, Y: hi}})
		}
	}
}

func (b barsPlot) DataRange() (float64, float64, float64, float64) {
	xlo, xhi, top := math.Inf(1), math.Inf(-1), 0.0
	sum := map[float64]float64{}
	for _, s := range b.bars {
		for _, pt := range s.Points {
			xlo, xhi = min(xlo, pt.X), max(xhi, pt.X+s.Width)
			sum[pt.X] += pt.Y
			top = max(top, sum[pt.X])
		}
	}
	return xlo, xhi, 0, top
}

// fill is the bars' colour: their shade of the sequential scale, or
// their palette colour.
func (s *Bars) fill() color.NRGBA {
	if s.Shade > 0 {
		return sequential[min(s.Shade, len(sequential)-1)]
	}
	return colour(s.Color, 0xFF)
}

func addBars(p *plot.Plot, ch *Chart) ([]legendEntry, error) {
	var leg []legendEntry
	for _, s := range ch.Bars {
		leg = append(leg, legendEntry{s.Name, []plot.Thumbnailer{rectThumb{s.fill()}}})
	}
	if len(ch.Bars) > 0 {
		p.Add(barsPlot{ch.Bars})
	}
	return leg, nil
}

// whiskersPlot draws vertical min–max ranges with caps.
type whiskersPlot struct{ w Whiskers }

func (w whiskersPlot) style() draw.LineStyle {
	return draw.LineStyle{Color: colour(w.w.Color, 0xFF), Width: 1}
}

func (w whiskersPlot) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, r := range w.w.Ranges {
		x, lo, hi := trX(r.X), trY(r.Lo), trY(r.Hi)
		c.StrokeLine2(w.style(), x, lo, x, hi)
		c.StrokeLine2(w.style(), x-3, lo, x+3, lo)
		c.StrokeLine2(w.style(), x-3, hi, x+3, hi)
	}
}

func (w whiskersPlot) DataRange() (float64, float64, float64, float64) {
	xl, xh, yl, yh := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, r := range w.w.Ranges {
		xl, xh, yl, yh = min(xl, r.X), max(xh, r.X), min(yl, r.Lo), max(yh, r.Hi)
	}
	return xl, xh, yl, yh
}

func (w whiskersPlot) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	c.StrokeLine2(w.style(), x, c.Min.Y, x, c.Max.Y)
}

func addWhiskers(p *plot.Plot, ch *Chart) ([]legendEntry, error) {
	var leg []legendEntry
	for _, w := range ch.Whisker {
		if len(w.Ranges) == 0 {
			continue
		}
		wp := whiskersPlot{w}
		p.Add(wp)
		leg = append(leg, legendEntry{w.Name, []plot.Thumbnailer{wp}})
	}
	return leg, nil
}

// hlinesPlot draws labelled horizontal reference lines.
type hlinesPlot struct{ lines []HLine }

func (h hlinesPlot) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	sty := textStyle(tickFont, p.TextHandler)
	sty.Color, sty.XAlign, sty.YAlign = greyLine, draw.XRight, draw.YBottom
	ls := draw.LineStyle{Color: greyLine, Width: 0.8, Dashes: []vg.Length{5, 3}}
	for _, l := range h.lines {
		y := trY(l.Y)
		if y < c.Min.Y || y > c.Max.Y {
			continue
		}
		c.StrokeLine2(ls, c.Min.X, y, c.Max.X, y)
		c.FillText(sty, vg.Point{X: c.Max.X - 2, Y: y + 1}, l.Label)
	}
}

func (h hlinesPlot) DataRange() (float64, float64, float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, l := range h.lines {
		lo, hi = min(lo, l.Y), max(hi, l.Y)
	}
	return math.Inf(1), math.Inf(-1), lo, hi
}

func addHLines(p *plot.Plot, ch *Chart) ([]legendEntry, error) {
	if len(ch.HLines) > 0 {
		p.Add(hlinesPlot{ch.HLines})
	}
	return nil, nil
}

// markersPlot draws event markers: a dotted vertical line and the kind's
// glyph at the top of the data area (and the marker's label beside it);
// markers of other kinds at the same epoch stack their glyphs downward.
type markersPlot struct{ markers []Marker }

func (m markersPlot) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	sty := textStyle(7, p.TextHandler)
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
	stacked := map[float64]int{} // markers already drawn at an x
	for _, mk := range m.markers {
		st := markerStyles[mk.Kind]
		x := trX(mk.X)
		if x < c.Min.X-0.01 || x > c.Max.X+0.01 {
			continue
		}
		ls := draw.LineStyle{Color: colour(st.color, 0x90), Width: 0.7, Dashes: []vg.Length{1, 2}}
		c.StrokeLine2(ls, x, c.Min.Y, x, c.Max.Y)
		top := vg.Point{X: x, Y: c.Max.Y - 4 - 8*vg.Length(stacked[mk.X])}
		stacked[mk.X]++
		c.DrawGlyphNoClip(draw.GlyphStyle{Color: colour(st.color, 0xFF), Radius: 3, Shape: st.shape}, top)
		if mk.Label != "" {
			c.FillText(sty, vg.Point{X: x + 4, Y: top.Y - 7}, mk.Label)
		}
	}
}

func (m markersPlot) DataRange() (float64, float64, float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, mk := range m.markers {
		lo, hi = min(lo, mk.X), max(hi, mk.X)
	}
	return lo, hi, math.Inf(1), math.Inf(-1)
}

// glyphThumb is a legend thumbnail of one glyph.
type glyphThumb struct{ st draw.GlyphStyle }

func (g glyphThumb) Thumbnail(c *draw.Canvas) {
	c.DrawGlyphNoClip(g.st, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2})
}

func addMarkers(p *plot.Plot, ch *Chart) ([]legendEntry, error) {
	if len(ch.Markers) == 0 {
		return nil, nil
	}
	p.Add(markersPlot{ch.Markers})
	var leg []legendEntry
	for _, k := range markerOrder {
		for _, mk := range ch.Markers {
			if mk.Kind == k {
				st := markerStyles[k]
				g := glyphThumb{draw.GlyphStyle{Color: colour(st.color, 0xFF), Radius: 3, Shape: st.shape}}
				leg = append(leg, legendEntry{st.name, []plot.Thumbnailer{g}})
				break
			}
		}
	}
	return leg, nil
}
