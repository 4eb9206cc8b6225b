package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// checkXML parses the whole page (after its doctype) and each <svg>
// element on its own with encoding/xml, and returns the number of svgs.
func checkXML(t *testing.T, name string, page []byte) int {
	t.Helper()
	body, ok := bytes.CutPrefix(page, []byte("<!DOCTYPE html>\n"))
	if !ok {
		t.Fatalf("%s: no doctype", name)
	}
	if err := parseXML(body); err != nil {
		t.Errorf("%s: the page is not well-formed: %v", name, err)
	}
	n := 0
	for rest := string(body); ; {
		i := strings.Index(rest, "<svg")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "</svg>")
		if j < 0 {
			t.Fatalf("%s: unclosed svg", name)
		}
		if err := parseXML([]byte(rest[i : i+j+len("</svg>")])); err != nil {
			t.Errorf("%s: svg %d: %v", name, n, err)
		}
		n++
		rest = rest[i+j:]
	}
	return n
}

func parseXML(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// TestPagesParse: every page the tests can make (the fixture, real runs
// of three scenarios) is well-formed, every chart is an inline <svg>,
// the page says how many, and it has no script or external reference.
func TestPagesParse(t *testing.T) {
	dirs := map[string]string{
		"fixture":        filepath.Join("testdata", "fork-run"),
		"attack-33":      runScenario(t, "attack-33", 40, "off"),
		"partition":      runScenario(t, "partition-50-50", 20, "off"),
		"attack-34-both": runScenario(t, "attack-34-both-sides", 30, "off"),
		"ezeth-2024":     runScenario(t, "ezeth-2024", 0, "off"),
	}
	for name, dir := range dirs {
		page, err := RunPage(dir, PageOptions{Lesson: "<p>lesson</p>", Timeline: []TimelineEntry{{5, "a <b> & c"}}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		svgs := checkXML(t, name, page)
		if svgs < 5 || !bytes.Contains(page, []byte(`data-charts="`)) {
			t.Errorf("%s: %d charts", name, svgs)
		}
		text := strings.NewReplacer(`xmlns="http://www.w3.org/2000/svg"`, "", `xmlns:xlink="http://www.w3.org/1999/xlink"`, "").Replace(string(page))
		for _, bad := range []string{"<script", "http://", "https://", "<link", "<img", "@import", "url("} {
			if strings.Contains(text, bad) {
				t.Errorf("%s: the page contains %q", name, bad)
			}
		}
		if !bytes.Contains(page, []byte("a &lt;b&gt; &amp; c")) {
			t.Errorf("%s: the timeline text is not escaped", name)
		}
	}
}

// TestDeterministic: two runs of the same scenario give the same page
// (timing.json, the one wall-clock input, made equal first), and two
// Write calls give the same file.
func TestDeterministic(t *testing.T) {
	a := runScenario(t, "partition-50-50", 20, "off")
	b := runScenario(t, "partition-50-50", 20, "off")
	timing, err := os.ReadFile(filepath.Join(a, timingFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b, timingFile), timing, 0o644); err != nil {
		t.Fatal(err)
	}
	pa, err := RunPage(a, PageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pb, err := RunPage(b, PageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pa, pb) {
		t.Errorf("two runs of one scenario give different pages (%d and %d bytes)", len(pa), len(pb))
	}
	var files [2][]byte
	for i := range files {
		path, err := Write(a)
		if err != nil {
			t.Fatal(err)
		}
		if files[i], err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(files[0], files[1]) || !bytes.Equal(files[0], pa) {
		t.Error("two Write calls give different files")
	}
}

// TestBigRunSize: a synthetic 5,000-epoch run with three branches (and
// groups.csv, blocks.csv, a large events.jsonl) gives a page under 5 MB
// that parses; so does the worst case of the bounds (six branches, more
// than MaxPanels, and MaxGroups groups). The same directory gives the same
// bytes twice.
func TestBigRunSize(t *testing.T) {
	worst := bigRun
	worst.views, worst.groups = []string{"a", "b", "c", "d", "e", "f"}, MaxGroups
	for name, s := range map[string]synth{"3 branches, 3 groups": bigRun, "6 branches, 8 groups": worst} {
		dir := filepath.Join(t.TempDir(), "synth")
		genRun(t, dir, s)
		start := time.Now()
		path, err := Write(dir)
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		page, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("5,000 epochs, %s: report.html is %d bytes (%.2f MB), written in %v", name, len(page), float64(len(page))/1e6, took)
		if len(page) >= 5e6 {
			t.Errorf("%s: page of %d bytes, want under 5 MB", name, len(page))
		}
		checkXML(t, name, page)
		for _, want := range []string{"Block tree", "… ", "downsampled to buckets of 9 epochs", "timing.json is missing",
			"byzantine_share_crossed: first 50 of 250"} {
			if !bytes.Contains(page, []byte(want)) {
				t.Errorf("%s: the page does not say %q", name, want)
			}
		}
		again, err := RunPage(dir, PageOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(page, again) {
			t.Errorf("%s: the same directory gives different pages", name)
		}
	}
}

// TestDetect: a directory that is neither a run nor a sweep is refused
// with ErrNotResults and its name.
func TestDetect(t *testing.T) {
	dir := t.TempDir()
	_, err := Write(dir)
	if !errors.Is(err, ErrNotResults) || !strings.Contains(err.Error(), dir) {
		t.Errorf("empty dir: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, epochsFile), []byte("epoch,branch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir); !errors.Is(err, ErrNotResults) || !strings.Contains(err.Error(), "summary.json") {
		t.Errorf("run without summary: %v", err)
	}
	if _, err := Write(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing dir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, reportFile)); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refused directory got a report.html")
	}
}
