//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package sysmem

// addressSpaceLimit reports no limit where the platform has no rlimits.
func addressSpaceLimit() (uint64, bool) { return 0, false }
