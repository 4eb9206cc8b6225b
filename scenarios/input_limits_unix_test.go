//go:build unix

package scenarios

import (
	"path/filepath"
	"syscall"
)

// makeFIFO creates a FIFO in dir, with no writer.
func makeFIFO(dir string) (string, error) {
	path := filepath.Join(dir, "fifo.yaml")
	return path, syscall.Mkfifo(path, 0o600)
}
