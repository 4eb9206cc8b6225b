package sim

import (
	"github.com/stakesim/stakesim/scenarios"
)

// Estimate is what a run is expected to cost on the machine the model was
// calibrated on (2 cores): peak resident memory and wall time. It is a
// model, not a measurement: the constants below come from the runs and
// benchmarks named beside them, and BenchmarkEstimate reports how far a
// measured run is from its estimate.
type Estimate struct {
	PeakBytes       uint64
	KeySeconds      float64 // deriving the validators' BLS keys (none with BLS off)
	Keys            int     // keys the run derives (0 with BLS off)
	SecondsPerEpoch float64
	TotalSeconds    float64 // keys plus every epoch (and the settling one)
	Views           int     // view groups: each keeps its own states
}

// The model's constants, calibrated on 2 cores (Debian, Go 1.26) with
// baseline, partition-50-50 and the benchmarks at 5,000 to 1,000,000
// validators, December 2026 (issue 18's BenchmarkEpochMainnet and a
// 100,000-validator run of 80 epochs):
//
//   - peak resident memory is a fixed base plus, per validator, about
//     1.5 KB (state copies, fork choice, pools, agents) and 140 bytes for
//     every epoch of the slashers' vote window the run fills (the slasher
//     history grows for the window, 64 epochs by default, then stays
//     flat: 100,000 mainnet, BLS off: 2.1 KB after 5 epochs, 8.8 KB from
//     epoch 64 on, 10.5 KB before the slashers shared block aggregates'
//     indices; the model keeps the larger slope), plus about 0.4 KB of
//     keys unless BLS is off; every view group beyond the first adds about
//     half again (partition-50-50 at 20,000: 258 MB against baseline's
//     183 MB);
//   - key derivation costs about 135 µs per validator (20,000: 2.5 s;
//     60,000: 8.0 s; 1,000,000: 114 s at low load, 228 s under load);
//   - an epoch costs per validator: BLS off or aggregate about 17 µs on
//     minimal and 20 to 25 µs on mainnet while other jobs share the
//     machine (BenchmarkEpochMainnet at low load, off: 1.4 s at 100,000,
//     3.3 s at 300,000, 10.2 s at 1,000,000; aggregate: 1.5 s, 3.5 s and
//     10.5 s; about twice that under load); full BLS, where every
//     attestation is signed and aggregated, about 220 µs on minimal (200,000 validators:
//     about 15 minutes for 20 epochs) and 240 µs on mainnet (50,000
//     validators: about 12 s per epoch), plus about 0.4 s per epoch
//     whatever the size (BenchmarkEstimate, 2,000 minimal validators:
//     0.97 s per epoch).
const (
	estBaseBytes          = 48 << 20
	estBytesPerValidator  = 1536
	estSlasherEpochBytes  = 140
	estKeyBytes           = 400
	estSlasherEpochsFloor = 64 // the auditor's window is at least this
	estViewShare          = 0.5
	estKeySeconds         = 135e-6
	estFullEpochSeconds   = 0.4
)

// estEpochSeconds is the cost of one validator-epoch by BLS mode and preset.
var estEpochSeconds = map[scenarios.BLSMode][2]float64{ // [minimal, mainnet]
	scenarios.BLSOff:       {17e-6, 20e-6},
	scenarios.BLSAggregate: {17e-6, 25e-6},
	scenarios.BLSFull:      {220e-6, 240e-6},
}

// EstimateRun estimates what running sc costs: validators at genesis and
// those deposits add, the preset, the BLS mode, the epochs of slasher
// history the run fills and the view groups its partitions and views make.
func EstimateRun(sc *scenarios.Scenario) Estimate {
	n := float64(sc.TotalValidators() + sc.DepositedValidators())
	views := estimateViews(sc)
	est := Estimate{Views: views}
	window := max(sc.SlasherHistoryEpochs, estSlasherEpochsFloor)
	perValidator := float64(estBytesPerValidator + estSlasherEpochBytes*min(sc.Epochs+1, window))
	if sc.BLS != scenarios.BLSOff {
		perValidator += estKeyBytes
	}
	perValidator *= 1 + estViewShare*float64(views-1)
	est.PeakBytes = estBaseBytes + uint64(n*perValidator)
	if sc.BLS != scenarios.BLSOff {
		est.KeySeconds = n * estKeySeconds
		est.Keys = int(n)
	}
	preset := 0
	if sc.Preset == scenarios.PresetMainnet {
		preset = 1
	}
	est.SecondsPerEpoch = n * estEpochSeconds[sc.BLS][preset] * (1 + estViewShare*float64(views-1))
	if sc.BLS == scenarios.BLSFull {
		est.SecondsPerEpoch += estFullEpochSeconds
	}
	est.TotalSeconds = est.KeySeconds + est.SecondsPerEpoch*float64(sc.Epochs+1)
	return est
}

// estimateViews counts the view groups a scenario can split into: one,
// plus one for every extra side of each partition and every extra view
// group, at most one per validator group.
func estimateViews(sc *scenarios.Scenario) int {
	views := 1
	if k := len(sc.Network.Views); k > 1 {
		views += k - 1
	}
	for _, p := range sc.Network.Partitions {
		if k := len(p.Groups); k > 1 {
			views += k - 1
		}
	}
	return max(1, min(views, len(sc.Groups)))
}
