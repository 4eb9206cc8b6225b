// Package lessons embeds the lessons of docs/lessons (one Markdown file per
// lesson, named after the built-in scenario it runs, and README.md, the
// index) for "stakesim lesson": their names, titles, and text as Markdown
// or as HTML for the lesson page.
package lessons

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

//go:embed *.md
var files embed.FS

// ErrNotFound is wrapped by Markdown and HTML for an unknown lesson.
var ErrNotFound = errors.New("no such lesson")

// Lesson is one lesson file.
type Lesson struct {
	Name  string // the file name without .md: the scenario it runs
	Title string // the first heading, without "Lesson: NAME — "
}

// List returns every lesson (README.md, the index, excluded) sorted by name.
func List() []Lesson {
	entries, _ := fs.ReadDir(files, ".")
	var out []Lesson
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".md")
		if !ok || name == "README" {
			continue
		}
		md, _ := files.ReadFile(e.Name())
		out = append(out, Lesson{Name: name, Title: title(name, md)})
	}
	slices.SortFunc(out, func(a, b Lesson) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// title is a lesson's first "# " heading without its "Lesson: NAME — "
// prefix, or the name.
func title(name string, md []byte) string {
	for _, line := range strings.Split(string(md), "\n") {
		if t, ok := strings.CutPrefix(line, "# "); ok {
			t = strings.TrimPrefix(t, "Lesson: ")
			t = strings.TrimPrefix(t, name)
			return strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(t), "—-:"))
		}
	}
	return name
}

// Markdown returns a lesson's Markdown text.
func Markdown(name string) ([]byte, error) {
	if name == "README" || strings.ContainsAny(name, "/.\\") {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	md, err := files.ReadFile(name + ".md")
	if err != nil {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	return md, nil
}

// HTML returns a lesson's text as an HTML fragment (GitHub-flavoured
// Markdown: tables, fenced code), with raw HTML in the Markdown left out.
// The same lesson gives the same bytes.
func HTML(name string) ([]byte, error) {
	md, err := Markdown(name)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := goldmark.New(goldmark.WithExtensions(extension.GFM)).Convert(md, &b); err != nil {
		return nil, fmt.Errorf("lesson %s: %w", name, err)
	}
	return b.Bytes(), nil
}
