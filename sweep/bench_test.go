package sweep

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
)

// cpuSeconds is the process's user plus system CPU time.
func cpuSeconds(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkSweepThroughput runs a 16-run sweep of offline-20 (1,024
// validators, BLS off, 4 epochs) at 1 and 2 workers and reports runs/s.
// Each run also uses goroutines of its own (one per agent), so one worker
// already keeps more than one core partly busy.
func BenchmarkSweepThroughput(b *testing.B) {
	p := loadPlan(b, `
scenario: offline-20
epochs: 4
bls: off
seeds: [1, 2, 3, 4]
grid:
  offline_share: [0, 0.1, 0.2, 0.3]
`)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			dir := b.TempDir()
			runs := 0
			cpu0 := cpuSeconds(b)
			for i := 0; b.Loop(); i++ {
				if _, err := Execute(context.Background(), p, Options{Dir: filepath.Join(dir, fmt.Sprint(i)), Workers: workers}); err != nil {
					b.Fatal(err)
				}
				runs += len(p.Runs)
			}
			b.ReportMetric(float64(runs)/b.Elapsed().Seconds(), "runs/s")
			// Cores kept busy: CPU time over wall time. With 2 cores,
			// runs/s at 2 workers is bounded by 2 / (this at 1 worker)
			// times the 1-worker rate.
			b.ReportMetric((cpuSeconds(b)-cpu0)/b.Elapsed().Seconds(), "cores_busy")
		})
	}
}
