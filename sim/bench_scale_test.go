package sim_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stakesim/stakesim/sim"
	blst "github.com/supranational/blst/bindings/go"
)

// Issue 18 ("Mainnet scale") measures the engine at 100,000, 300,000 and
// 1,000,000 mainnet-preset validators. The larger sizes take minutes and
// gigabytes, so a benchmark runs them only when the -bench pattern names
// the size; the default run stays at 100,000:
//
//	go test ./sim -run XXX -bench 'BenchmarkEpochMainnet/off-1000000' -benchtime 3x -timeout 2h
//	go test ./sim -run XXX -bench 'BenchmarkMemoryPerValidator/aggregate-300000' -benchtime 1x
//
// BLS mode full runs at fullSize validators only, and only when the
// pattern names "full" (about 12 s an epoch on two cores):
//
//	go test ./sim -run XXX -bench 'BenchmarkEpochMainnet/full-50000' -benchtime 1x -timeout 1h
var scaleSizes = []int{100_000, 300_000, 1_000_000}

// fullSize is the size of BenchmarkEpochMainnet's full-mode run (issue
// 18: at most 1.1 times the crypto bound).
const fullSize = 50_000

// scaleValidatorsPerAgent groups the validators into clients as real
// nodes do: a few thousand clients at a million validators.
const scaleValidatorsPerAgent = 256

// selectedSizes returns 100,000 and every larger size the -bench pattern
// names.
func selectedSizes() []int {
	var out []int
	for _, n := range scaleSizes {
		if n == scaleSizes[0] || benchPatternNames(fmt.Sprint(n)) {
			out = append(out, n)
		}
	}
	return out
}

// BenchmarkEpochMainnet runs n mainnet-preset validators for two epochs
// past genesis, then times b.N epochs. It reports seconds per epoch (wall and CPU), the
// process's peak resident memory (VmHWM since the engine was built) and
// the live heap after a GC, both per validator (and the peak when the
// engine had started), and in the BLS modes aggregate and full the
// crypto bound (the same signs, signature aggregation and aggregate
// verifications on raw blst) with the ratio of the two, in wall time
// (crypto_ratio) and in CPU time (crypto_cpu_ratio, which other jobs on a
// shared machine disturb less). With
// STAKESIM_HEAPPROFILE=FILE it writes a heap profile of the live engine
// after the warm-up.
func BenchmarkEpochMainnet(b *testing.B) {
	for _, mode := range []string{"off", "aggregate"} {
		for _, n := range selectedSizes() {
			b.Run(fmt.Sprintf("%s-%d", mode, n), func(b *testing.B) {
				benchMainnetEpochs(b, mode, n)
			})
		}
	}
	if benchPatternNames("full") {
		b.Run(fmt.Sprintf("full-%d", fullSize), func(b *testing.B) {
			benchMainnetEpochs(b, "full", fullSize)
		})
	}
}

// benchPatternNames reports whether the -bench pattern contains s.
func benchPatternNames(s string) bool {
	f := flag.Lookup("test.bench")
	return f != nil && strings.Contains(f.Value.String(), s)
}

func benchMainnetEpochs(b *testing.B, mode string, n int) {
	resetPeakRSS()
	start := time.Now()
	e := startBenchEngine(b, fmt.Sprintf(benchMainnet, mode, n, scaleValidatorsPerAgent))
	defer e.Stop()
	startup, startPeak := time.Since(start).Seconds(), peakRSS()
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := e.RunEpoch(ctx); err != nil {
			b.Fatal(err)
		}
	}
	writeHeapProfile(b)
	before, cpuBefore := e.Stats(), cpuSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := e.RunEpoch(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	wall := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(wall, "s/epoch")
	cpu := (cpuSeconds() - cpuBefore) / float64(b.N)
	b.ReportMetric(cpu, "cpu-s/epoch")
	b.ReportMetric(startup, "s-startup")
	if startPeak > 0 {
		b.ReportMetric(startPeak/float64(n), "startup-peak-B/validator")
	}
	reportMemory(b, n)
	if mode != "off" {
		raw, rawCPU := cryptoBound(before, e.Stats(), b.N)
		b.ReportMetric(raw, "crypto-s/epoch")
		b.ReportMetric(wall/raw, "crypto_ratio")
		b.ReportMetric(cpu/rawCPU, "crypto_cpu_ratio")
	}
}

// cryptoBound times, on raw blst, the signs, signature aggregation and
// aggregate verifications an engine did per epoch between two Stats, and
// returns the wall and the CPU seconds. On a shared machine the CPU
// seconds compare better with the engine's (crypto_cpu_ratio): other jobs
// stretch wall times, not the work done.
func cryptoBound(before, after sim.Stats, epochs int) (wall, cpu float64) {
	signs := (after.AttestationSigns + after.SyncSigns + after.BlockSigns + after.AggregateSigns -
		before.AttestationSigns - before.SyncSigns - before.BlockSigns - before.AggregateSigns) / uint64(epochs)
	aggs := (after.AggregatesVerified - before.AggregatesVerified) / uint64(epochs)
	sigs := (after.SignaturesVerified - before.SignaturesVerified) / uint64(epochs)
	summed := (after.SignaturesAggregated - before.SignaturesAggregated) / uint64(epochs)
	wall, cpu = rawCryptoTimes(int(signs), int(aggs), int(sigs))
	aggWall, aggCPU := rawAggregationTimes(int(summed))
	return wall + aggWall, cpu + aggCPU
}

// rawAggregationTimes times n signature additions on raw blst (what
// AggregateSignatures does per signature, no group check), spread over
// GOMAXPROCS goroutines like rawCryptoTimes, in wall and CPU seconds.
func rawAggregationTimes(n int) (wall, cpu float64) {
	if n == 0 {
		return 0, 0
	}
	var ikm [32]byte
	sig := new(blst.P2Affine).Sign(blst.KeyGen(ikm[:]), make([]byte, 32), dst)
	workers := runtime.GOMAXPROCS(0)
	start, cpuStart := time.Now(), cpuSeconds()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var agg blst.P2Aggregate
			for i := w; i < n; i += workers {
				agg.Add(sig, false)
			}
			agg.ToAffine()
		})
	}
	wg.Wait()
	return time.Since(start).Seconds(), cpuSeconds() - cpuStart
}

// reportMemory reports the peak resident set and the live heap, per
// validator.
func reportMemory(b *testing.B, n int) {
	if peak := peakRSS(); peak > 0 {
		b.ReportMetric(peak/float64(n), "peak-B/validator")
	}
	b.ReportMetric(liveHeap()/float64(n), "live-B/validator")
}

// cpuSeconds is the process's CPU time so far (user and system, all
// threads): on a shared machine it moves less than the wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// resetPeakRSS frees what earlier benchmarks left and resets the process's
// peak resident set (VmHWM) to the current one, so that peakRSS measures
// the benchmark that follows. Where /proc is missing it does nothing.
func resetPeakRSS() {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// writeHeapProfile writes a heap profile to $STAKESIM_HEAPPROFILE when
// that is set.
func writeHeapProfile(b *testing.B) {
	path := os.Getenv("STAKESIM_HEAPPROFILE")
	if path == "" {
		return
	}
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.Fatal(err)
	}
}
