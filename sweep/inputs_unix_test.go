//go:build unix

package sweep

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stakesim/stakesim/scenarios"
)

// finishedSweep runs smallSweep with the fake engine into a new directory.
func finishedSweep(t *testing.T) (*Plan, string) {
	t.Helper()
	p := loadPlan(t, smallSweep)
	dir := filepath.Join(t.TempDir(), "s")
	if _, err := Execute(context.Background(), p, Options{Dir: dir, simulate: fakeSim}); err != nil {
		t.Fatal(err)
	}
	return p, dir
}

// within fails the test if f has not returned after 10 s (a FIFO that was
// opened or read would block for ever).
func within(t *testing.T, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("blocked on a FIFO")
		return nil
	}
}

// TestSweepDirInputsMustBeRegular: the sweep.json and journal.jsonl of a
// directory given to --resume or merge are refused, without blocking, when
// they are FIFOs or directories, and sweep.json when it is larger than the
// largest manifest a sweep can have.
func TestSweepDirInputsMustBeRegular(t *testing.T) {
	for _, file := range []string{ManifestFile, JournalFile} {
		for _, kind := range []string{"fifo", "dir"} {
			t.Run(file+"/"+kind, func(t *testing.T) {
				p, dir := finishedSweep(t)
				path := filepath.Join(dir, file)
				os.Remove(path)
				if kind == "fifo" {
					if err := syscall.Mkfifo(path, 0o644); err != nil {
						t.Skip("no FIFOs here:", err)
					}
				} else if err := os.Mkdir(path, 0o755); err != nil {
					t.Fatal(err)
				}
				err := within(t, func() error {
					_, err := Execute(context.Background(), p, Options{Dir: dir, Resume: true, simulate: fakeSim})
					return err
				})
				if !errors.Is(err, scenarios.ErrNotRegular) || !strings.Contains(err.Error(), path) {
					t.Errorf("--resume: err = %v, want one naming %s and wrapping ErrNotRegular", err, path)
				}
				err = within(t, func() error {
					_, err := Merge([]string{dir}, filepath.Join(t.TempDir(), "m"))
					return err
				})
				if !errors.Is(err, scenarios.ErrNotRegular) || !strings.Contains(err.Error(), path) {
					t.Errorf("merge: err = %v, want one naming %s and wrapping ErrNotRegular", err, path)
				}
			})
		}
	}
	t.Run("manifest too large", func(t *testing.T) {
		p, dir := finishedSweep(t)
		// A sparse file: its size is checked before anything is read.
		if err := os.Truncate(filepath.Join(dir, ManifestFile), maxManifestBytes+1); err != nil {
			t.Fatal(err)
		}
		_, err := Execute(context.Background(), p, Options{Dir: dir, Resume: true, simulate: fakeSim})
		var list scenarios.ErrorList
		if !errors.As(err, &list) || !strings.Contains(err.Error(), "file is 67108865 bytes; the limit is 67108864") {
			t.Errorf("err = %v", err)
		}
	})
}
