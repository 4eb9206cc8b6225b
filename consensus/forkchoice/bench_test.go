package forkchoice

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/stakesim/stakesim/consensus"
)

// benchStore builds a store with nVal validators (32 ETH each) and nBlocks
// blocks in four long branches off genesis (a long partition), with every
// validator's latest message on a random block.
func benchStore(b *testing.B, nVal, nBlocks int) *Store {
	b.Helper()
	cfg := consensus.Mainnet()
	bal := make([]consensus.Gwei, nVal)
	for i := range bal {
		bal[i] = 32 * eth
	}
	anchor := BlockInfo{Root: consensus.Root{0xff}}
	s := newWeighted(&cfg, anchor, func(consensus.Checkpoint) []consensus.Gwei { return bal })
	const branches = 4
	per := nBlocks / branches
	s.OnTick(uint64(per+2) * cfg.SlotDurationMs)
	g := consensus.Checkpoint{Root: anchor.Root}
	var roots []consensus.Root
	for br := range branches {
		parent := anchor.Root
		for i := range per {
			var r consensus.Root
			binary.LittleEndian.PutUint32(r[:], uint32(br*per+i+1))
			if err := s.OnBlock(BlockInfo{Root: r, ParentRoot: parent, Slot: consensus.Slot(i + 1),
				JustifiedCheckpoint: g, FinalizedCheckpoint: g, UnrealizedJustified: g, UnrealizedFinalized: g}); err != nil {
				b.Fatal(err)
			}
			roots = append(roots, r)
			parent = r
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	byBlock := make([][]consensus.ValidatorIndex, len(roots))
	for v := range nVal {
		k := rng.IntN(len(roots))
		byBlock[k] = append(byBlock[k], consensus.ValidatorIndex(v))
	}
	for k, vals := range byBlock {
		info, _ := s.Block(roots[k])
		e := consensus.ComputeEpochAtSlot(&cfg, info.Slot)
		d := consensus.AttestationData{Slot: info.Slot, BeaconBlockRoot: roots[k],
			Target: consensus.Checkpoint{Epoch: e, Root: s.CheckpointBlock(roots[k], e)}}
		if err := s.OnAttestation(vals, d, true); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkHead measures an uncached Head (every iteration invalidates the
// cache, as a new vote or block would) with 100,000 validators and 2,000
// blocks.
func BenchmarkHead(b *testing.B) {
	s := benchStore(b, 100_000, 2_000)
	b.ResetTimer()
	for b.Loop() {
		s.version++
		s.Head()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "heads/s")
}

// BenchmarkOnBlockTimely measures OnBlock for a timely block, which computes
// the pre-block head for update_proposer_boost_root.
func BenchmarkOnBlockTimely(b *testing.B) {
	s := benchStore(b, 100_000, 2_000)
	slot := s.CurrentSlot()
	parent := s.Head()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		slot++
		s.OnTick(uint64(slot) * s.cfg.SlotDurationMs)
		var r consensus.Root
		binary.LittleEndian.PutUint64(r[8:], uint64(slot))
		if err := s.OnBlock(BlockInfo{Root: r, ParentRoot: parent, Slot: slot}); err != nil {
			b.Fatal(err)
		}
		parent = r
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "blocks/s")
}
