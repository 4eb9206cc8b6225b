//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package sysmem

import "syscall"

// addressSpaceLimit is the soft RLIMIT_AS (ulimit -v), when one is set
// (RLIM_INFINITY is all ones).
func addressSpaceLimit() (uint64, bool) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &r); err != nil || r.Cur == ^uint64(0) {
		return 0, false
	}
	return uint64(r.Cur), true
}
