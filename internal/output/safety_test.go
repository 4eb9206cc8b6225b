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

// TestAbortKeepsForeignFiles: a file someone puts into the run directory
// while the run goes on survives an aborted run, and so does the directory.
func TestAbortKeepsForeignFiles(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "run")
	w, err := Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if got := entries(t, dir); !slices.Equal(got, []string{"notes.txt"}) {
		t.Errorf("dir holds %v, want notes.txt only", got)
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
	first, err := Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"other.tmp-00112233445566ff", "run", "run.tmp-00112233445566ff.old",
		"run.tmp-aabbccddeeff0011", "run.tmp-mine"}
	if got := entries(t, parent); !slices.Equal(got, want) {
		t.Fatalf("after Create parent holds %v, want %v", got, want)
	}
	if err := first.Finish(&sim.Summary{}, &sim.Timing{}); err != nil {
		t.Fatal(err)
	}
	// A run replacing "run" moves it aside to run.tmp-HEX while it goes
	// on; cleaning leftovers then must leave that directory alone.
	live, err := Create(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if removed := cleanLeftovers(dir); len(removed) != 0 {
		t.Errorf("cleaning during a live run removed %v", removed)
	}
	if _, err := os.Stat(live.aside); err != nil {
		t.Errorf("the live run's moved-aside directory is gone: %v", err)
	}
	// While it runs, another run cannot replace the directory.
	if _, err := Create(dir, true); !errors.Is(err, ErrInUse) {
		t.Errorf("Create --force on a directory a run is writing: %v, want ErrInUse", err)
	}
	if err := live.Finish(&sim.Summary{}, &sim.Timing{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(live.aside); !os.IsNotExist(err) {
		t.Errorf("Finish left the previous run at %s (%v)", live.aside, err)
	}
}
