package report

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Block-tree glyphs: canonical on every view, on some views, orphaned,
// and the checkpoint rings.
var (
	treeAll      = draw.GlyphStyle{Color: colour(0, 0xFF), Radius: 3, Shape: draw.BoxGlyph{}}
	treeSome     = draw.GlyphStyle{Color: colour(2, 0xFF), Radius: 3.2, Shape: draw.CircleGlyph{}}
	treeOrphan   = draw.GlyphStyle{Color: colour(1, 0xFF), Radius: 3.2, Shape: draw.CrossGlyph{}}
	treeJustify  = draw.GlyphStyle{Color: colour(4, 0xFF), Radius: 6, Shape: draw.RingGlyph{}}
	treeFinalize = draw.GlyphStyle{Color: colour(6, 0xFF), Radius: 7.5, Shape: draw.SquareGlyph{}}
	treeEdge     = draw.LineStyle{Color: greyLine, Width: 0.7}
)

// treePlot draws a BlockTree: edges, blocks, checkpoints and breaks.
// Lane i is drawn at y = -i, so the first lane is on top.
type treePlot struct{ t *BlockTree }

func (tp treePlot) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	pt := func(b TreeBlock) vg.Point { return vg.Point{X: trX(b.X), Y: trY(-float64(b.Lane))} }
	for _, e := range tp.t.Edges {
		a, b := pt(tp.t.Blocks[e[0]]), pt(tp.t.Blocks[e[1]])
		c.StrokeLines(treeEdge, []vg.Point{a, {X: a.X + 3, Y: b.Y}, b})
	}
	for _, i := range tp.t.Stubs {
		b := pt(tp.t.Blocks[i])
		c.StrokeLine2(draw.LineStyle{Color: greyLine, Width: 0.7, Dashes: []vg.Length{1, 2}}, b.X-8, b.Y, b.X, b.Y)
	}
	for _, b := range tp.t.Blocks {
		at := pt(b)
		c.DrawGlyph(blockGlyph(&b), at)
		if b.Justified {
			c.DrawGlyph(treeJustify, at)
		}
		if b.Finalized {
			c.DrawGlyph(treeFinalize, at)
		}
	}
	tp.breaks(c, trX)
}

func blockGlyph(b *TreeBlock) draw.GlyphStyle {
	switch {
	case b.Orphaned():
		return treeOrphan
	case b.AllViews:
		return treeAll
	}
	return treeSome
}

// breaks draws each collapsed stretch as a zig-zag with its slot count.
func (tp treePlot) breaks(c draw.Canvas, trX func(float64) vg.Length) {
	sty := textStyle(8, plot.DefaultTextHandler)
	sty.XAlign, sty.YAlign, sty.Rotation = draw.XCenter, draw.YCenter, math.Pi/2
	ls := draw.LineStyle{Color: greyLine, Width: 0.6, Dashes: []vg.Length{2, 2}}
	for _, br := range tp.t.Breaks {
		x := trX(br.X)
		c.StrokeLine2(ls, x-4, c.Min.Y, x-4, c.Max.Y)
		c.StrokeLine2(ls, x+4, c.Min.Y, x+4, c.Max.Y)
		c.FillText(sty, vg.Point{X: x, Y: (c.Min.Y + c.Max.Y) / 2}, fmt.Sprintf("… %d slots …", br.Slots))
	}
}

func (tp treePlot) DataRange() (float64, float64, float64, float64) {
	xmax := 1.0
	for _, b := range tp.t.Blocks {
		xmax = max(xmax, b.X)
	}
	return -1, xmax + 3, -float64(max(len(tp.t.Lanes), 1)) + 0.4, 0.6
}

// renderTree draws the block tree.
func renderTree(t *BlockTree) ([]byte, error) {
	p := newPlot("Block tree around forks", "slot (quiet stretches collapsed)", "")
	p.Add(treePlot{t})
	p.X.Tick.Marker = constantTicks(t.Ticks)
	var yt []Tick
	for i, l := range t.Lanes {
		yt = append(yt, Tick{-float64(i), l})
	}
	p.Y.Tick.Marker = constantTicks(yt)
	p.Y.Tick.Length = 0
	leg := []legendEntry{
		{"canonical on every view", []plot.Thumbnailer{glyphThumb{treeAll}}},
		{"canonical on some views", []plot.Thumbnailer{glyphThumb{treeSome}}},
		{"orphaned (on no view's chain)", []plot.Thumbnailer{glyphThumb{treeOrphan}}},
		{"justified checkpoint", []plot.Thumbnailer{glyphThumb{treeJustify}}},
		{"finalized checkpoint", []plot.Thumbnailer{glyphThumb{treeFinalize}}},
	}
	h := vg.Length(90 + 30*max(len(t.Lanes), 1))
	return drawSVG(p, leg, chartWidth, h, "Block tree around forks")
}
