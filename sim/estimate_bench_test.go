package sim_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// BenchmarkEstimate checks the cost model that "stakesim validate" and
// "stakesim run" print (sim.EstimateRun) against measurement: for each
// case it runs 4 epochs after genesis and reports the measured seconds per
// epoch, the model's, and measured/estimated; and the memory the Go
// runtime took from the OS against the model's peak. Recalibrate the
// constants in estimate.go when a ratio leaves [0.5, 2].
//
//	go test ./sim -run XXX -bench BenchmarkEstimate -benchtime 1x
func BenchmarkEstimate(b *testing.B) {
	cases := []struct {
		preset, bls string
		n           int
	}{
		// Smallest first: peak RSS is the process's so far.
		{"minimal", "full", 2_000},
		{"minimal", "off", 20_000},
		{"minimal", "aggregate", 20_000},
		{"mainnet", "off", 20_000},
		{"mainnet", "aggregate", 20_000},
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("%s-%s-%d", c.preset, c.bls, c.n), func(b *testing.B) {
			yaml := fmt.Sprintf("name: est\ndescription: estimate check\npreset: %s\nepochs: 100\nbls: %s\n"+
				"validators:\n  - name: v\n    count: %d\n    validators_per_agent: 8\n", c.preset, c.bls, c.n)
			sc, err := scenarios.Parse("est.yaml", []byte(yaml), nil)
			if err != nil {
				b.Fatal(err)
			}
			est := sim.EstimateRun(sc)
			for i := 0; i < b.N; i++ {
				e := startBenchEngine(b, yaml)
				if err := e.RunEpoch(context.Background()); err != nil { // genesis epoch
					b.Fatal(err)
				}
				start := time.Now()
				const epochs = 4
				for ep := 0; ep < epochs; ep++ {
					if err := e.RunEpoch(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
				perEpoch := time.Since(start).Seconds() / epochs
				e.Stop()
				b.ReportMetric(perEpoch, "s/epoch")
				b.ReportMetric(est.SecondsPerEpoch, "est-s/epoch")
				b.ReportMetric(perEpoch/est.SecondsPerEpoch, "measured/est-time")
				b.ReportMetric(peakRSS()/float64(est.PeakBytes), "peakRSS/est-memory")
			}
		})
	}
}
