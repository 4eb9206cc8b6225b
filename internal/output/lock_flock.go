//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package output

import (
	"os"
	"syscall"
)

// haveLocks: the platform has advisory file locks.
const haveLocks = true

// tryLock takes an exclusive advisory lock on f without waiting; the lock
// goes when f is closed or its process ends. It reports whether it got it.
func tryLock(f *os.File) bool {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
