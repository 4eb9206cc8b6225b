// Package sysmem tells how much memory a new run can use on this machine:
// the kernel's MemAvailable, lowered to what the process's cgroup (a Slurm
// job, a container) still allows. It reads Linux's /proc and /sys; on
// other systems, or when neither can be read, the amount is unknown.
package sysmem

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// Available returns the bytes of memory available to a new run, and false
// when it cannot be told.
func Available() (uint64, bool) {
	return available(os.ReadFile)
}

// available is Available reading files through read.
func available(read func(string) ([]byte, error)) (uint64, bool) {
	avail, ok := memAvailable(read)
	if limit, used, ok2 := cgroupLimit(read); ok2 {
		left := uint64(0)
		if limit > used {
			left = limit - used
		}
		if !ok || left < avail {
			avail, ok = left, true
		}
	}
	return avail, ok
}

// memAvailable reads MemAvailable from /proc/meminfo.
func memAvailable(read func(string) ([]byte, error)) (uint64, bool) {
	data, err := read("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseUint(fields[1], 10, 64)
			if err != nil {
				return 0, false
			}
			return kb << 10, true
		}
	}
	return 0, false
}

// cgroupLimit reads the cgroup v2 memory.max and memory.current of this
// process's cgroup; ok is false without a limit ("max") or cgroup v2.
func cgroupLimit(read func(string) ([]byte, error)) (limit, used uint64, ok bool) {
	data, err := read("/proc/self/cgroup")
	if err != nil {
		return 0, 0, false
	}
	path := ""
	for _, line := range strings.Split(string(data), "\n") {
		if rest, found := strings.CutPrefix(line, "0::"); found {
			path = strings.TrimSpace(rest)
		}
	}
	if path == "" {
		return 0, 0, false
	}
	dir := "/sys/fs/cgroup" + strings.TrimSuffix(path, "/")
	limit, ok = readUint(read, dir+"/memory.max")
	if !ok {
		return 0, 0, false
	}
	used, _ = readUint(read, dir+"/memory.current")
	return limit, used, true
}

// readUint reads one decimal number from a file ("max" or anything else
// is not ok).
func readUint(read func(string) ([]byte, error), path string) (uint64, bool) {
	data, err := read(path)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
	return v, err == nil
}
