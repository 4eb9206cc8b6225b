package sim_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	blst "github.com/supranational/blst/bindings/go"
)

const benchScenario = `name: bench
description: benchmark network
preset: minimal
epochs: 100000
bls: %s
validators:
  - name: v
    count: %d
    validators_per_agent: %d
`

// BenchmarkEpoch measures one epoch of the engine and compares it with the
// crypto-bound limit: the same number of sign and FastAggregateVerify calls
// (same aggregate sizes) timed on raw blst over all cores in the same
// benchmark. crypto_ratio = engine wall time / raw crypto wall time.
func BenchmarkEpoch(b *testing.B) {
	for _, c := range []struct {
		n, perAgent int
		mode        string
	}{
		{1_000, 8, "full"},
		{10_000, 16, "full"},
		{100_000, 64, "aggregate"},
	} {
		b.Run(fmt.Sprintf("%s-%d", c.mode, c.n), func(b *testing.B) {
			e := startBenchEngine(b, fmt.Sprintf(benchScenario, c.mode, c.n, c.perAgent))
			defer e.Stop()
			ctx := context.Background()
			for i := 0; i < 2; i++ { // warm up past genesis
				if err := e.RunEpoch(ctx); err != nil {
					b.Fatal(err)
				}
			}
			before := e.Stats()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := e.RunEpoch(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			wall := b.Elapsed().Seconds() / float64(b.N)
			after := e.Stats()
			signs := (after.AttestationSigns + after.SyncSigns + after.BlockSigns + after.AggregateSigns -
				before.AttestationSigns - before.SyncSigns - before.BlockSigns - before.AggregateSigns) / uint64(b.N)
			aggs := (after.AggregatesVerified - before.AggregatesVerified) / uint64(b.N)
			sigs := (after.SignaturesVerified - before.SignaturesVerified) / uint64(b.N)
			raw := rawCryptoSeconds(int(signs), int(aggs), int(sigs))
			b.ReportMetric(float64(c.n)/wall, "validator-epochs/s")
			b.ReportMetric(wall/raw, "crypto_ratio")
			b.ReportMetric(float64(signs), "signs/epoch")
			b.ReportMetric(float64(aggs), "verifies/epoch")
		})
	}
}

var dst = []byte("BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_")

// rawCryptoSeconds times signs Sign calls and aggs FastAggregateVerify calls
// over aggregates of sigs/aggs members on raw blst, spread over GOMAXPROCS
// goroutines: the wall time a run would need if it did nothing but its
// cryptography.
func rawCryptoSeconds(signs, aggs, sigs int) float64 {
	wall, _ := rawCryptoTimes(signs, aggs, sigs)
	return wall
}

// rawCryptoTimes is rawCryptoSeconds returning also the process CPU
// seconds of the timed part, which a shared machine disturbs less.
func rawCryptoTimes(signs, aggs, sigs int) (wall, cpu float64) {
	size := 1
	if aggs > 0 {
		size = max(1, sigs/aggs)
	}
	var ikm [32]byte
	sks := make([]*blst.SecretKey, size)
	pks := make([]*blst.P1Affine, size)
	for i := range sks {
		ikm[0], ikm[1] = byte(i), byte(i>>8)
		sks[i] = blst.KeyGen(ikm[:])
		pks[i] = new(blst.P1Affine).From(sks[i])
	}
	msg := make([]byte, 32)
	sig := new(blst.P2Affine).Sign(sks[0], msg, dst)
	agg := new(blst.P2Aggregate)
	for _, sk := range sks {
		agg.Add(new(blst.P2Affine).Sign(sk, msg, dst), false)
	}
	aggSig := agg.ToAffine()
	_ = sig

	workers := runtime.GOMAXPROCS(0)
	start, cpuStart := time.Now(), cpuSeconds()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < signs; i += workers {
				m := [32]byte{byte(i), byte(i >> 8), byte(i >> 16)}
				new(blst.P2Affine).Sign(sks[i%size], m[:], dst)
			}
			for i := w; i < aggs; i += workers {
				if !aggSig.FastAggregateVerify(true, pks, msg, dst) {
					panic("raw verify failed")
				}
			}
		}(w)
	}
	wg.Wait()
	return time.Since(start).Seconds(), cpuSeconds() - cpuStart
}
