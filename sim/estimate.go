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

// The model's constants, calibrated on 2 cores (Debian, Go 1.26) in
// December 2026 after issue 18's memory and time work, from
// BenchmarkEpochMainnet (100,000 to 1,000,000 mainnet validators, 256 per
// client, off and aggregate), BenchmarkSlasherWindow (100,000, 70 epochs)
// and BenchmarkEstimate (2,000 to 20,000 validators, 8 per client),
// measured while one other run shared the machine:
//
//   - peak resident memory is a base of 16 MiB, about 15 KiB per client
//     agent (its goroutine's stack, channels and maps: 20,000 validators
//     in clients of 8 take about 37 MB more than in clients of 256), and
//     per validator about 1 KiB (state copies, fork choice, pools) plus
//     25 bytes for every epoch of the slashers' vote window the run fills
//     (the window, 64 epochs by default, then stays full: 100,000
//     mainnet, BLS off, 1,366 bytes a validator after 5 epochs, 2,780
//     after 70) plus the keys: about 300 bytes in aggregate mode (secret,
//     compressed public key, index and signing buffers) and 400 in full
//     mode (with the affine public key); every view group beyond the
//     first adds about half again;
//   - key derivation costs about 135 µs per validator (1,000,000: 116 s;
//     loading them from the key cache about 1 µs);
//   - an epoch costs a fixed part plus a part per validator, by BLS mode
//     and preset: mainnet off 0.15 s + 4.6 µs (100,000: 0.61 s;
//     1,000,000: 4.7 s), mainnet aggregate 0.4 s + 5.4 µs (0.93 s and
//     5.7 s), minimal off 5 µs and aggregate 8.4 µs (20,000: 0.10 and
//     0.17 s); full mode, where every attestation is signed and
//     aggregated, 0.4 s + 100 µs on minimal (2,000: 0.60 s) and about
//     160 µs on mainnet (50,000: 22 CPU seconds an epoch under load,
//     since crypto.Sign hashes each message once for all its signers).
const (
	estBaseBytes          = 16 << 20
	estAgentBytes         = 15 << 10
	estBytesPerValidator  = 1024
	estSlasherEpochBytes  = 25
	estSlasherEpochsFloor = 64 // the auditor's window is at least this
	estViewShare          = 0.5
	estKeySeconds         = 135e-6
)

// estKeyBytes is the keys' memory per validator by BLS mode.
var estKeyBytes = map[scenarios.BLSMode]float64{
	scenarios.BLSOff:       0,
	scenarios.BLSAggregate: 300,
	scenarios.BLSFull:      400,
}

// estEpochSeconds is the cost of one validator-epoch, and estEpochFixed
// that of an epoch whatever its size, by BLS mode and preset.
var (
	estEpochSeconds = map[scenarios.BLSMode][2]float64{ // [minimal, mainnet]
		scenarios.BLSOff:       {5e-6, 4.6e-6},
		scenarios.BLSAggregate: {8.4e-6, 5.4e-6},
		scenarios.BLSFull:      {100e-6, 160e-6},
	}
	estEpochFixed = map[scenarios.BLSMode][2]float64{
		scenarios.BLSOff:       {0, 0.15},
		scenarios.BLSAggregate: {0, 0.4},
		scenarios.BLSFull:      {0.4, 0.4},
	}
)

// EstimateRun estimates what running sc costs: validators at genesis and
// those deposits add, their client agents, the preset, the BLS mode, the
// epochs of slasher history the run fills and the view groups its
// partitions and views make.
func EstimateRun(sc *scenarios.Scenario) Estimate {
	n := float64(sc.TotalValidators() + sc.DepositedValidators())
	views := estimateViews(sc)
	viewFactor := 1 + estViewShare*float64(views-1)
	est := Estimate{Views: views}
	window := max(sc.SlasherHistoryEpochs, estSlasherEpochsFloor)
	perValidator := float64(estBytesPerValidator+estSlasherEpochBytes*min(sc.Epochs+1, window)) + estKeyBytes[sc.BLS]
	est.PeakBytes = estBaseBytes + uint64(n*perValidator*viewFactor) + uint64(estimateAgents(sc))*estAgentBytes
	if sc.BLS != scenarios.BLSOff {
		est.KeySeconds = n * estKeySeconds
		est.Keys = int(n)
	}
	preset := 0
	if sc.Preset == scenarios.PresetMainnet {
		preset = 1
	}
	est.SecondsPerEpoch = (n*estEpochSeconds[sc.BLS][preset] + estEpochFixed[sc.BLS][preset]) * viewFactor
	est.TotalSeconds = est.KeySeconds + est.SecondsPerEpoch*float64(sc.Epochs+1)
	return est
}

// estimateAgents counts the client agents of the genesis groups (one per
// validators_per_agent validators of a group, rounded up).
func estimateAgents(sc *scenarios.Scenario) int {
	agents := 0
	for _, g := range sc.Groups {
		per := max(1, g.ValidatorsPerAgent)
		agents += (g.Count + per - 1) / per
	}
	return agents
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
