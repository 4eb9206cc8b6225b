package report

import (
	"bytes"
	"html/template"
	"strings"
)

// pageData is what the page template shows.
type pageData struct {
	Title    string
	Subtitle string
	Lesson   template.HTML
	Summary  []row
	Sections []section
	Timeline []TimelineEntry
	Notes    []string
	Files    []string
}

// Charts counts the page's chart figures (the body's data-charts).
func (pd *pageData) Charts() int {
	n := 0
	for _, s := range pd.Sections {
		n += len(s.Figures)
	}
	return n
}

// row is a line of a two-column table.
type row struct{ Key, Value string }

// section is a heading with figures and tables.
type section struct {
	ID, Heading string
	Intro       string
	Figures     []figure
	Tables      []table
}

// figure is one chart: its SVG and its caption.
type figure struct {
	ID      string
	SVG     template.HTML
	Caption string
	Notes   []string
}

// table is a titled table with a header row.
type table struct {
	Title  string
	Header []string
	Rows   [][]string
}

// chartFigure renders a chart into a figure.
func chartFigure(ch *Chart) (figure, error) {
	svg, err := renderChart(ch)
	if err != nil {
		return figure{}, err
	}
	return figure{ID: ch.ID, SVG: template.HTML(svg), Caption: ch.Caption, Notes: ch.Notes}, nil
}

// chartFigures renders charts in order.
func chartFigures(chs []Chart) ([]figure, error) {
	var out []figure
	for i := range chs {
		f, err := chartFigure(&chs[i])
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// renderPage executes the page template.
func renderPage(pd *pageData) ([]byte, error) {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, pd); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var pageTemplate = template.Must(template.New("page").Parse(strings.TrimSpace(pageHTML) + "\n"))

const pageCSS = `
body{font-family:"Liberation Sans",Arial,Helvetica,sans-serif;margin:0 auto;max-width:1280px;padding:1em 1.5em;color:#111;background:#fff;line-height:1.4}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
p.sub{color:#444;margin:.2em 0 1em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
table.kv th{width:16em}
.layout{display:grid;grid-template-columns:minmax(0,1fr);gap:1.5em}
.layout.with-aside{grid-template-columns:minmax(0,1fr) 20em}
aside{font-size:.92em}aside .sticky{position:sticky;top:.5em;max-height:95vh;overflow:auto}
aside ol{padding-left:1.8em}aside li{margin:.3em 0}aside .ep{color:#555;font-variant-numeric:tabular-nums}
figure{margin:1em 0 1.6em}svg.chart{width:100%;height:auto;max-width:960px;display:block}
figcaption{font-size:.92em;color:#333;max-width:960px}
.note{font-size:.88em;color:#6a4a00;margin:.2em 0}
.lesson{background:#f7f7f2;border-left:4px solid #0072B2;padding:.5em 1em;margin:1em 0}
footer{margin-top:2em;font-size:.85em;color:#555;border-top:1px solid #ccc;padding-top:.5em}
@media (max-width:900px){.layout.with-aside{grid-template-columns:minmax(0,1fr)}}
`

const pageHTML = `
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{{.Title}}</title>
<style>` + pageCSS + `</style>
</head>
<body data-charts="{{.Charts}}">
<header>
<h1>{{.Title}}</h1>
{{if .Subtitle}}<p class="sub">{{.Subtitle}}</p>{{end}}
</header>
{{if .Summary}}<section id="key-results">
<h2>Key results</h2>
<table class="kv">
{{range .Summary}}<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>
{{end}}</table>
</section>{{end}}
{{if .Lesson}}<section class="lesson" id="lesson">
{{.Lesson}}
</section>{{end}}
<div class="layout{{if .Timeline}} with-aside{{end}}">
<main>
{{range .Sections}}<section id="{{.ID}}">
<h2>{{.Heading}}</h2>
{{if .Intro}}<p>{{.Intro}}</p>{{end}}
{{range .Figures}}<figure class="chart" id="fig-{{.ID}}">
{{.SVG}}<figcaption>{{.Caption}}</figcaption>
{{range .Notes}}<p class="note">{{.}}</p>
{{end}}</figure>
{{end}}{{range .Tables}}{{if .Title}}<h3>{{.Title}}</h3>{{end}}
<table>
<tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{end}}</section>
{{end}}</main>
{{if .Timeline}}<aside id="timeline"><div class="sticky">
<h2>Timeline</h2>
<ol>
{{range .Timeline}}<li><span class="ep">epoch {{.Epoch}}:</span> {{.Text}}</li>
{{end}}</ol>
</div></aside>{{end}}
</div>
{{if .Notes}}<section id="notes">
<h2>Notes</h2>
<ul>
{{range .Notes}}<li>{{.}}</li>
{{end}}</ul>
</section>{{end}}
<footer>Written by stakesim's report package from {{range $i, $f := .Files}}{{if $i}}, {{end}}{{$f}}{{end}}. One self-contained file: no scripts, no network requests.</footer>
</body>
</html>
`
