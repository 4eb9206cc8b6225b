package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunWritesReport: run writes report.html unless --no-report; report
// DIR writes the same bytes later; report on a directory that holds no
// results is exit 2.
func TestRunWritesReport(t *testing.T) {
	base := t.TempDir()
	with, without := filepath.Join(base, "with"), filepath.Join(base, "without")
	code, stdout, stderr := runCLI(t, "run", "partition-50-50", "--bls", "off", "--epochs", "16", "--out", with, "--quiet")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "report: "+filepath.Join(with, "report.html")) {
		t.Errorf("run does not say where its report is:\n%s", stdout)
	}
	if code, _, stderr := runCLI(t, "run", "partition-50-50", "--bls", "off", "--epochs", "16", "--out", without, "--quiet", "--no-report"); code != 0 {
		t.Fatalf("run --no-report: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(without, "report.html")); !os.IsNotExist(err) {
		t.Fatalf("--no-report wrote a report (%v)", err)
	}
	// The timings differ between the runs; give the second the first's so
	// that the outputs are the same, then the pages must be too.
	timing, err := os.ReadFile(filepath.Join(with, "timing.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(without, "timing.json"), timing, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "report", without); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	a, _ := os.ReadFile(filepath.Join(with, "report.html"))
	b, _ := os.ReadFile(filepath.Join(without, "report.html"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("the run's report (%d bytes) and report DIR's (%d bytes) differ", len(a), len(b))
	}
	for _, bad := range []string{t.TempDir(), filepath.Join(base, "missing")} {
		if code, _, stderr := runCLI(t, "report", bad); code != exitBadInput || !strings.Contains(stderr, bad) {
			t.Errorf("report %s: exit %d, stderr %q; want 2 naming the directory", bad, code, stderr)
		}
	}
}

// TestSweepWritesReport: a finished sweep directory gets its report.
func TestSweepWritesReport(t *testing.T) {
	f := writeSweep(t, "scenario: offline-20\nepochs: 14\nbls: off\nseeds: [1, 2]\ngrid: {offline_share: [0.1, 0.4]}\nset: {validators: 128}\n")
	dir := filepath.Join(t.TempDir(), "sweep")
	code, stdout, stderr := runCLI(t, "sweep", f, "--out", dir, "--quiet", "--workers", "2")
	if code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, stderr)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil || !strings.Contains(stdout, "report: ") {
		t.Fatalf("no sweep report (%v):\n%s", err, stdout)
	}
	if !bytes.Contains(page, []byte("offline_share")) || !bytes.Contains(page, []byte("<svg")) {
		t.Errorf("the sweep report has no chart against offline_share")
	}
}

// TestLesson: lesson lists the lessons; lesson NAME runs the scenario with
// its story and writes lesson.html with the lesson's text, the charts and
// the story's lines; unknown names and read-only lessons are exit 2.
func TestLesson(t *testing.T) {
	code, stdout, _ := runCLI(t, "lesson")
	if code != 0 || !strings.Contains(stdout, "attack-33") || !strings.Contains(stdout, "no scenario to run") {
		t.Fatalf("lesson list: exit %d:\n%s", code, stdout)
	}
	dir := filepath.Join(t.TempDir(), "lesson")
	code, stdout, stderr := runCLI(t, "lesson", "attack-33", "--epochs", "30", "--out", dir, "--quiet")
	if code != 0 {
		t.Fatalf("lesson attack-33: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "epoch 10: ") {
		t.Errorf("the story was not told:\n%s", stdout)
	}
	page, err := os.ReadFile(filepath.Join(dir, LessonFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"a silent third stops finality", "<svg", "finality stalls"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("lesson.html lacks %q", want)
		}
	}
	if rows := rowsIn(t, filepath.Join(dir, "groups.csv")); rows == 0 {
		t.Error("the lesson's run wrote no groups.csv rows")
	}
	for _, bad := range []string{"no-such", "restaking-analysis"} {
		if code, _, _ := runCLI(t, "lesson", bad, "--out", filepath.Join(t.TempDir(), "x")); code != exitBadInput {
			t.Errorf("lesson %s: exit %d, want 2", bad, code)
		}
	}
}
