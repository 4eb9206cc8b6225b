package sysmem

import (
	"os"
	"testing"
)

func fakeFS(files map[string]string) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, os.ErrNotExist
	}
}

func TestAvailable(t *testing.T) {
	meminfo := "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   20000000 kB\n"
	tests := []struct {
		name  string
		files map[string]string
		want  uint64
		ok    bool
	}{
		{"meminfo only", map[string]string{"/proc/meminfo": meminfo}, 20000000 << 10, true},
		{"cgroup without limit", map[string]string{"/proc/meminfo": meminfo, "/proc/self/cgroup": "0::/user.slice\n",
			"/sys/fs/cgroup/user.slice/memory.max": "max\n"}, 20000000 << 10, true},
		{"cgroup limit below", map[string]string{"/proc/meminfo": meminfo, "/proc/self/cgroup": "0::/slurm/job_7\n",
			"/sys/fs/cgroup/slurm/job_7/memory.max": "4294967296\n", "/sys/fs/cgroup/slurm/job_7/memory.current": "1073741824\n"}, 3 << 30, true},
		{"cgroup used up", map[string]string{"/proc/meminfo": meminfo, "/proc/self/cgroup": "0::/j\n",
			"/sys/fs/cgroup/j/memory.max": "100\n", "/sys/fs/cgroup/j/memory.current": "200\n"}, 0, true},
		{"cgroup v1 limit", map[string]string{"/proc/meminfo": meminfo, "/proc/self/cgroup": "12:cpu,cpuacct:/x\n5:memory:/slurm/uid_0/job_9\n",
			"/sys/fs/cgroup/memory/slurm/uid_0/job_9/memory.limit_in_bytes": "2147483648\n",
			"/sys/fs/cgroup/memory/slurm/uid_0/job_9/memory.usage_in_bytes": "1073741824\n"}, 1 << 30, true},
		{"cgroup v1 without limit", map[string]string{"/proc/meminfo": meminfo, "/proc/self/cgroup": "5:memory:/\n",
			"/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"}, 20000000 << 10, true},
		{"nothing readable", map[string]string{}, 0, false},
	}
	for _, tt := range tests {
		got, ok := available(fakeFS(tt.files))
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: got %d, %v; want %d, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
