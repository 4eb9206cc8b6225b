package sim_test

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkSlasherWindow runs n mainnet-preset validators, BLS off, for
// 70 epochs, so that the slashers' 64-epoch vote window is full, and
// reports the live heap after a GC per validator at epoch 8 (window
// filling) and at the end (window full), with their difference, the
// process's peak resident set per validator, and the wall time per epoch. With STAKESIM_HEAPPROFILE=FILE it writes a heap
// profile of the live engine at the end. Issue 18 asks for no per-epoch growth: the late
// figure should stay near the early one. One iteration takes minutes; the
// default size is 20,000 validators, and 100,000 when the -bench pattern
// names it:
//
//	go test ./sim -run XXX -bench 'BenchmarkSlasherWindow/off-100000' -benchtime 1x -timeout 1h
func BenchmarkSlasherWindow(b *testing.B) {
	const early, epochs = 8, 70
	sizes := []int{20_000}
	if benchPatternNames("100000") {
		sizes = append(sizes, 100_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("off-%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				resetPeakRSS()
				e := startBenchEngine(b, fmt.Sprintf(benchMainnet, "off", n, scaleValidatorsPerAgent))
				start := time.Now()
				var liveEarly float64
				for ep := 1; ep <= epochs; ep++ {
					if err := e.RunEpoch(context.Background()); err != nil {
						b.Fatal(err)
					}
					if ep == early {
						liveEarly = liveHeap()
					}
				}
				wall := time.Since(start).Seconds() / epochs
				liveLate := liveHeap()
				writeHeapProfile(b)
				e.Stop()
				b.ReportMetric(liveEarly/float64(n), "live-B/validator-epoch8")
				b.ReportMetric(liveLate/float64(n), "live-B/validator-epoch70")
				b.ReportMetric((liveLate-liveEarly)/float64(n), "growth-B/validator")
				b.ReportMetric(wall, "s/epoch")
				if peak := peakRSS(); peak > 0 {
					b.ReportMetric(peak/float64(n), "peak-B/validator")
				}
			}
		})
	}
}
