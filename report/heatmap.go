package report

import (
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// heatPlot draws a HeatMap's cells: colour from the sequential scale,
// the value printed, hatching over cells with a run that did not resume.
type heatPlot struct {
	hm     *HeatMap
	lo, hi float64
}

// scaleIndex is the sequential colour of value v.
func (h heatPlot) scaleIndex(v float64) int {
	if h.hi <= h.lo {
		return len(sequential) / 2
	}
	i := int(math.Floor((v - h.lo) / (h.hi - h.lo) * float64(len(sequential))))
	return min(max(i, 0), len(sequential)-1)
}

func (h heatPlot) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := textStyle(9, p.TextHandler)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	hatch := draw.LineStyle{Color: color.NRGBA{0x22, 0x22, 0x22, 0xFF}, Width: 0.6}
	for r, row := range h.hm.Values {
		for col, v := range row {
			x0, x1 := trX(float64(col)-0.5), trX(float64(col)+0.5)
			y0, y1 := trY(float64(r)-0.5), trY(float64(r)+0.5)
			box := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
			if math.IsNaN(v) {
				c.StrokeLines(draw.LineStyle{Color: greyLine, Width: 0.3}, append(box, box[0]))
				continue
			}
			i := h.scaleIndex(v)
			c.FillPolygon(sequential[i], box)
			if h.hm.Hatched[r][col] {
				ls := hatch
				if i >= 6 {
					ls.Color = color.NRGBA{0xFF, 0xFF, 0xFF, 0xC0}
				}
				hatchBox(c, ls, x0, y0, x1, y1)
			}
			sty.Color = color.Black
			if i >= 6 {
				sty.Color = color.White
			}
			c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, cellText(v, h.hm.Counts[r][col] == 0))
		}
	}
}

// hatchBox strokes 45° lines 6 points apart across the box.
func hatchBox(c draw.Canvas, ls draw.LineStyle, x0, y0, x1, y1 vg.Length) {
	w, h := x1-x0, y1-y0
	for t := -h; t < w; t += 6 {
		lo, hi := max(0, -t), min(h, w-t)
		if lo < hi {
			c.StrokeLine2(ls, x0+t+lo, y0+lo, x0+t+hi, y0+hi)
		}
	}
}

// cellText prints a cell's value (≥ for a lower bound).
func cellText(v float64, lowerBound bool) string {
	s := roundText(v)
	if lowerBound {
		return "≥" + s
	}
	return s
}

// roundText prints v with about three significant digits, without
// trailing zeros.
func roundText(v float64) string {
	p := math.Pow(10, float64(decimalsFor(v)))
	return strconv.FormatFloat(math.Round(v*p)/p, 'f', -1, 64)
}

// decimalsFor gives about three significant digits.
func decimalsFor(v float64) int {
	a := math.Abs(v)
	switch {
	case a == 0 || a >= 100:
		return 0
	case a >= 10:
		return 1
	case a >= 1:
		return 2
	}
	return 3
}

func (h heatPlot) DataRange() (float64, float64, float64, float64) {
	return -0.5, float64(len(h.hm.XTicks)) - 0.5, -0.5, float64(len(h.hm.YTicks)) - 0.5
}

// valueRange is the smallest and largest cell value.
func (hm *HeatMap) valueRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, row := range hm.Values {
		for _, v := range row {
			if !math.IsNaN(v) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	return lo, hi
}

// renderHeatMap draws a heat map with its colour scale as the legend.
func renderHeatMap(hm *HeatMap) ([]byte, error) {
	p := newPlot(hm.Title, hm.XLabel, hm.YLabel)
	lo, hi := hm.valueRange()
	hp := heatPlot{hm: hm, lo: lo, hi: hi}
	p.Add(hp)
	p.X.Tick.Marker, p.Y.Tick.Marker = labelTicks(hm.XTicks), labelTicks(hm.YTicks)
	p.X.Padding, p.Y.Padding = 0, 0
	var leg []legendEntry
	if !math.IsInf(lo, 0) {
		for i, col := range sequential {
			if i%2 == 0 || i == len(sequential)-1 {
				v := lo + (hi-lo)*float64(i)/float64(len(sequential))
				leg = append(leg, legendEntry{"≥ " + roundText(v), []plot.Thumbnailer{rectThumb{col}}})
			}
		}
	}
	leg = append(leg, legendEntry{"hatched: a run did not resume finality", []plot.Thumbnailer{hatchThumb{}}},
		legendEntry{"empty: no finished run", []plot.Thumbnailer{emptyThumb{}}})
	h := vg.Length(90 + 22*len(hm.YTicks))
	return drawSVG(p, leg, chartWidth, min(h, 700), hm.Title)
}

func labelTicks(vals []string) plot.ConstantTicks {
	out := make(plot.ConstantTicks, len(vals))
	for i, v := range vals {
		out[i] = plot.Tick{Value: float64(i), Label: v}
	}
	return out
}

// hatchThumb is the legend thumbnail of a hatched cell.
type hatchThumb struct{}

func (hatchThumb) Thumbnail(c *draw.Canvas) {
	ls := draw.LineStyle{Color: color.Black, Width: 0.6}
	for f := vg.Length(0); f <= 1; f += 0.5 {
		c.StrokeLine2(ls, c.Min.X+(c.Max.X-c.Min.X)*f, c.Min.Y, c.Min.X, c.Min.Y+(c.Max.Y-c.Min.Y)*f)
	}
}

// emptyThumb is the legend thumbnail of an empty cell: an outline.
type emptyThumb struct{}

func (emptyThumb) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Min.Y}}
	c.StrokeLines(draw.LineStyle{Color: greyLine, Width: 0.5}, pts)
}
