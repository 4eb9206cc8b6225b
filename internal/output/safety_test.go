package output

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stakesim/stakesim/sim"
)

// writeMarkerFile makes dir look like a directory an earlier run wrote.
func writeMarkerFile(t *testing.T, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, ".stakesim-run"), []byte("written by stakesim\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMarkerIsWritten(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	w, err := Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(&sim.Summary{}, &sim.Timing{}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, ".stakesim-run"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "This directory was written by stakesim run; stakesim run --force may replace it.\n"; string(data) != want {
		t.Errorf("marker holds %q, want %q", data, want)
	}
}

func TestForceRefusesUserDir(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "thesis")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "thesis.tex"), []byte("chapter 1"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := Create(dir, true)
	if !errors.Is(err, ErrNotRunDir) {
		t.Fatalf("Create(force) on a user dir: w=%v err=%v, want ErrNotRunDir", w, err)
	}
	if got := entries(t, dir); !slices.Equal(got, []string{"sub", "thesis.tex"}) {
		t.Errorf("dir holds %v after the refusal", got)
	}
	if got := entries(t, parent); !slices.Equal(got, []string{"thesis"}) {
		t.Errorf("parent holds %v after the refusal", got)
	}
}

// TestFinishRechecksMarker: a directory that stops being stakesim's while
// the run goes on is not replaced at Finish.
func TestFinishRechecksMarker(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "run")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeMarkerFile(t, dir)
	w, err := Create(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, ".stakesim-run")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(&sim.Summary{}, &sim.Timing{}); !errors.Is(err, ErrNotRunDir) {
		t.Fatalf("Finish = %v, want ErrNotRunDir", err)
	}
	if got := entries(t, dir); !slices.Equal(got, []string{"notes.txt"}) {
		t.Errorf("dir holds %v, want notes.txt only", got)
	}
	if got := entries(t, parent); !slices.Equal(got, []string{"run"}) {
		t.Errorf("parent holds %v, want only run", got)
	}
}

// TestLegacyRunDirIsReplaced: a directory holding only stakesim's output
// files (written before the marker existed) is replaced with force; one
// more file makes it a user's directory.
func TestLegacyRunDirIsReplaced(t *testing.T) {
	for _, extra := range []string{"", "thesis.tex"} {
		dir := filepath.Join(t.TempDir(), "run")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		files := []string{"epochs.csv", "events.jsonl", "summary.json", "timing.json", extra}
		for _, f := range files {
			if f != "" {
				if err := os.WriteFile(filepath.Join(dir, f), []byte("old"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		w, err := Create(dir, true)
		if extra != "" {
			if !errors.Is(err, ErrNotRunDir) {
				t.Errorf("with %s: err %v, want ErrNotRunDir", extra, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Finish(&sim.Summary{}, &sim.Timing{}); err != nil {
			t.Fatal(err)
		}
		if got := entries(t, dir); !slices.Contains(got, ".stakesim-run") {
			t.Errorf("replaced dir holds %v, no marker", got)
		}
	}
}

func TestRefusesWorkingDirAndAncestors(t *testing.T) {
	base := t.TempDir()
	cwd := filepath.Join(base, "a", "b")
	if err := os.MkdirAll(cwd, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(filepath.Join(base, "a"), link); err != nil {
		t.Fatal(err)
	}
	t.Chdir(cwd)
	for _, dir := range []string{".", "..", cwd, filepath.Join(base, "a"), base, "/", link, "../b/", "./"} {
		if w, err := Create(dir, true); !errors.Is(err, ErrUnsafeDir) {
			t.Errorf("Create(%q): w=%v err=%v, want ErrUnsafeDir", dir, w, err)
		}
	}
	if got := entries(t, cwd); len(got) != 0 {
		t.Errorf("cwd holds %v", got)
	}
	// A new subdirectory and a sibling are fine.
	for _, dir := range []string{"run", "../sibling"} {
		w, err := Create(dir, false)
		if err != nil {
			t.Errorf("Create(%q): %v", dir, err)
			continue
		}
		w.Abort()
	}
}

func TestIsTmpName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"run.tmp-0123456789abcdef", true},
		{"run.tmp-0123456789ABCDEF", false},
		{"run.tmp-0123456789abcde", false},
		{"run.tmp-0123456789abcdef0", false},
		{"run.tmp-0123456789abcdef.old", false},
		{"run.tmp-0123456789abcdeg", false},
		{"other.tmp-0123456789abcdef", false},
		{"xrun.tmp-0123456789abcdef", false},
		{"run", false},
	}
	for _, tt := range tests {
		if got := isTmpName(tt.name, "run"); got != tt.want {
			t.Errorf("isTmpName(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestLeftoversCleaned: only exact NAME.tmp-HEX directories with the marker
// are removed, and never one a live Writer holds.
func TestLeftoversCleaned(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "run")
	mk := func(name string, marker bool) {
		t.Helper()
		p := filepath.Join(parent, name)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "data"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if marker {
			writeMarkerFile(t, p)
		}
	}
	mk("run.tmp-00112233445566ff", true)     // killed run: removed
	mk("run.tmp-aabbccddeeff0011", false)    // no marker: kept
	mk("run.tmp-mine", true)                 // not the pattern: kept
	mk("run.tmp-00112233445566ff.old", true) // previous run moved aside: kept
	mk("other.tmp-00112233445566ff", true)   // another NAME: kept
	live, err := Create(filepath.Join(parent, "run"), false)
	if err != nil {
		t.Fatal(err)
	}
	liveTmp := filepath.Base(live.tmp)
	want := []string{"other.tmp-00112233445566ff", "run.tmp-00112233445566ff.old",
		"run.tmp-aabbccddeeff0011", "run.tmp-mine", liveTmp}
	slices.Sort(want)
	if got := entries(t, parent); !slices.Equal(got, want) {
		t.Fatalf("after Create parent holds %v, want %v", got, want)
	}
	// A second run into the same NAME leaves the live one's directory.
	second, err := Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(live.tmp); err != nil {
		t.Errorf("a second Create removed a live run's directory: %v", err)
	}
	second.Abort()
	if err := live.Finish(&sim.Summary{}, &sim.Timing{}); err != nil {
		t.Fatal(err)
	}
}
