// Package sysmem tells how much memory a new run can use on this machine:
// the kernel's MemAvailable, lowered to what the process's cgroup (a Slurm
// job, a container; cgroup v2 memory.max or v1 memory.limit_in_bytes)
// still allows and to the address-space limit (ulimit -v). It reads
// Linux's /proc and /sys; on other systems, or when none can be read, the
// amount is unknown.
package sysmem

import (
	"bufio"
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Available returns the bytes of memory available to a new run, and false
// when it cannot be told.
func Available() (uint64, bool) {
	avail, ok := available(os.ReadFile)
	// Go reserves more address space than it touches: under ulimit -v a
	// run dies at about half the limit in resident memory (measured: 2.0
	// GiB resident under a 3.8 GiB limit), so half the limit is usable.
	if as, limited := addressSpaceLimit(); limited && (!ok || as/2 < avail) {
		avail, ok = as/2, true
	}
	return avail, ok
}

// available is Available, without the address-space limit, reading files
// through read.
func available(read func(string) ([]byte, error)) (uint64, bool) {
	avail, ok := memAvailable(read)
	for _, cg := range []func(func(string) ([]byte, error)) (uint64, uint64, bool){cgroupLimit, cgroupV1Limit} {
		limit, used, limited := cg(read)
		if !limited {
			continue
		}
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

// cgroupV1Limit reads the cgroup v1 memory controller's limit and usage
// for this process; ok is false without v1 or without a limit (v1 writes
// a huge number, near 2^63, for none).
func cgroupV1Limit(read func(string) ([]byte, error)) (limit, used uint64, ok bool) {
	data, err := read("/proc/self/cgroup")
	if err != nil {
		return 0, 0, false
	}
	path := ""
	for _, line := range strings.Split(string(data), "\n") {
		// hierarchy-ID:controller-list:path
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 && slices.Contains(strings.Split(parts[1], ","), "memory") {
			path = strings.TrimSpace(parts[2])
		}
	}
	if path == "" {
		return 0, 0, false
	}
	for _, dir := range []string{"/sys/fs/cgroup/memory" + strings.TrimSuffix(path, "/"), "/sys/fs/cgroup/memory"} {
		if limit, ok = readUint(read, dir+"/memory.limit_in_bytes"); ok {
			if limit >= 1<<62 {
				return 0, 0, false
			}
			used, _ = readUint(read, dir+"/memory.usage_in_bytes")
			return limit, used, true
		}
	}
	return 0, 0, false
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
