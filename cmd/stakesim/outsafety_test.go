package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// smallRun is a scenario that runs in a blink.
var smallRun = []string{"run", "baseline", "--set", "validators=64", "--epochs", "2", "--bls", "off", "--quiet"}

func runSmall(t *testing.T, extra ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLI(t, append(slices.Clone(smallRun), extra...)...)
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		out = append(out, de.Name())
	}
	return out
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestForceRefusesUserDir is issue 13: --force on a directory stakesim did
// not write deleted thesis.tex and sub/.
func TestForceRefusesUserDir(t *testing.T) {
	out := filepath.Join(t.TempDir(), "work")
	writeFile(t, filepath.Join(out, "thesis.tex"), "chapter 1")
	writeFile(t, filepath.Join(out, "sub", "notes.txt"), "notes")
	code, stdout, stderr := runSmall(t, "--out", out, "--force")
	if code != 2 {
		t.Errorf("exit code %d, want 2; stderr:\n%s", code, stderr)
	}
	want := "stakesim: output directory " + out + " is not empty and was not written by stakesim (it has no .stakesim-run file)"
	if !strings.HasPrefix(stderr, want) {
		t.Errorf("stderr = %q, want it to start with %q", stderr, want)
	}
	checkNoTrace(t, stderr)
	if stdout != "" {
		t.Errorf("a refused run printed %q", stdout)
	}
	if got := names(t, out); !slices.Equal(got, []string{"sub", "thesis.tex"}) {
		t.Errorf("out holds %v, want [sub thesis.tex]", got)
	}
	if data, err := os.ReadFile(filepath.Join(out, "thesis.tex")); err != nil || string(data) != "chapter 1" {
		t.Errorf("thesis.tex now %q (err %v)", data, err)
	}
	if got := names(t, filepath.Dir(out)); !slices.Equal(got, []string{"work"}) {
		t.Errorf("parent holds %v, want [work]", got)
	}
}

func TestForceReplacesPreviousRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	if code, _, stderr := runSmall(t, "--out", out); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, ".stakesim-run")); err != nil {
		t.Fatalf("run directory has no marker: %v", err)
	}
	writeFile(t, filepath.Join(out, "stale.txt"), "from before")
	if code, _, stderr := runSmall(t, "--out", out); code != 2 {
		t.Errorf("second run without --force: exit %d, want 2; stderr %s", code, stderr)
	}
	code, stdout, stderr := runSmall(t, "--out", out, "--force")
	if code != 0 {
		t.Fatalf("--force on a previous run: exit %d: %s", code, stderr)
	}
	want := []string{".stakesim-run", "blocks.csv", "epochs.csv", "events.jsonl", "groups.csv", "report.html", "scenario.yaml", "summary.json", "timing.json"}
	if got := names(t, out); !slices.Equal(got, want) {
		t.Errorf("out holds %v, want %v", got, want)
	}
	if !strings.Contains(stdout, "outputs in "+out) {
		t.Errorf("summary does not name %s:\n%s", out, stdout)
	}
	if got := names(t, filepath.Dir(out)); !slices.Equal(got, []string{"run"}) {
		t.Errorf("parent holds %v, want [run]", got)
	}
}

// TestRefusesWorkingDir: --out . and --out .. are refused before the run
// starts (no header line, nothing written), with or without --force.
func TestRefusesWorkingDir(t *testing.T) {
	base := t.TempDir()
	cwd := filepath.Join(base, "cwd")
	if err := os.Mkdir(cwd, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(cwd)
	for _, out := range []string{".", "..", cwd, "./"} {
		for _, force := range []bool{false, true} {
			args := []string{"run", "baseline", "--set", "validators=64", "--epochs", "2", "--bls", "off", "--out", out}
			if force {
				args = append(args, "--force")
			}
			code, stdout, stderr := runCLI(t, args...)
			if code != 2 {
				t.Errorf("--out %s force=%v: exit %d, want 2; stderr %s", out, force, code, stderr)
			}
			want := "stakesim: --out " + out + " is the working directory or one of its ancestors"
			if !strings.HasPrefix(stderr, want) {
				t.Errorf("--out %s: stderr %q, want it to start with %q", out, stderr, want)
			}
			if strings.Contains(stderr, "stakesim run baseline seed=") || stdout != "" {
				t.Errorf("--out %s: the run started: stdout %q stderr %q", out, stdout, stderr)
			}
		}
	}
	if got := names(t, cwd); len(got) != 0 {
		t.Errorf("cwd holds %v", got)
	}
	if got := names(t, base); !slices.Equal(got, []string{"cwd"}) {
		t.Errorf("parent of cwd holds %v", got)
	}
}

// TestLeftoverTmpCleaned: a killed run's NAME.tmp-HEX (with the marker) is
// removed by the next run into the same parent; a user's directory of a
// similar name, or of the same pattern without the marker, is kept.
func TestLeftoverTmpCleaned(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "run")
	killed := filepath.Join(parent, "run.tmp-0a1b2c3d4e5f6789")
	writeFile(t, filepath.Join(killed, ".stakesim-run"), "written by stakesim\n")
	writeFile(t, filepath.Join(killed, "epochs.csv"), "half")
	writeFile(t, filepath.Join(parent, "run.tmp-backup", ".stakesim-run"), "mine\n")
	writeFile(t, filepath.Join(parent, "run.tmp-aaaaaaaaaaaaaaaa", "paper.tex"), "mine")
	code, _, stderr := runSmall(t, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := []string{"run", "run.tmp-aaaaaaaaaaaaaaaa", "run.tmp-backup"}
	if got := names(t, parent); !slices.Equal(got, want) {
		t.Errorf("parent holds %v, want %v", got, want)
	}
}

// TestBadOutIsBadInput: an --out that is a regular file or cannot be
// created is exit 2 with a message naming it.
func TestBadOutIsBadInput(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "file")
	writeFile(t, file, "x")
	tests := []struct {
		name, out, want string
	}{
		{"regular file", file, "stakesim: cannot write to --out " + file + ": " + file + " exists and is not a directory"},
		{"under a regular file", filepath.Join(file, "run"), "stakesim: cannot write to --out " + filepath.Join(file, "run") + ": "},
	}
	if os.Geteuid() != 0 {
		ro := filepath.Join(base, "ro")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(ro, 0o755) })
		tests = append(tests, struct{ name, out, want string }{"unwritable parent", filepath.Join(ro, "run"),
			"stakesim: cannot write to --out " + filepath.Join(ro, "run") + ": "})
	}
	for _, tt := range tests {
		for _, force := range []bool{false, true} {
			args := []string{"--out", tt.out}
			if force {
				args = append(args, "--force")
			}
			code, stdout, stderr := runSmall(t, args...)
			if code != 2 {
				t.Errorf("%s force=%v: exit %d, want 2; stderr %s", tt.name, force, code, stderr)
			}
			if !strings.HasPrefix(stderr, tt.want) {
				t.Errorf("%s: stderr %q, want it to start with %q", tt.name, stderr, tt.want)
			}
			checkNoTrace(t, stderr)
			if stdout != "" {
				t.Errorf("%s: stdout %q", tt.name, stdout)
			}
		}
	}
	if got := names(t, base); !slices.Contains(got, "file") || len(got) > 2 {
		t.Errorf("base holds %v", got)
	}
}
