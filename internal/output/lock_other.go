//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package output

import "os"

// haveLocks: the platform has advisory file locks.
const haveLocks = false

// tryLock reports false: without advisory locks a leftover temporary
// directory cannot be told from one a running stakesim is writing, so none
// is removed.
func tryLock(*os.File) bool { return false }
