package forkchoice

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"

	"github.com/stakesim/stakesim/consensus"
)

// stallRoot is the root of the n-th block of a benchmark chain: uniformly
// spread bytes, like the hashes the engine uses.
func stallRoot(n uint64) consensus.Root {
	var r consensus.Root
	for i := 0; i < 32; i += 8 {
		n += 0x9e3779b97f4a7c15
		z := n
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		binary.LittleEndian.PutUint64(r[i:], z^z>>31)
	}
	return r
}

// stallChain is a mainnet-preset store whose finality stalled: epoch 3 is
// justified and epoch 2 finalized, and nothing after. It holds a block at
// every slot of epochs 0..epochs-1, plus, with orphans, one orphaned sibling
// per epoch (a leaf that stays in the justified subtree for good). Every
// slot's committee (nVal/32 validators) votes for that slot's block.
type stallChain struct {
	s         *Store
	cfg       consensus.Config
	nVal      int
	nBlocks   int
	tip, prev consensus.Root // the last two canonical blocks
	lastEpoch consensus.Epoch
	heapBytes uint64 // heap growth while building the store
}

func buildStallChain(tb testing.TB, epochs, nVal int, orphans bool) *stallChain {
	tb.Helper()
	cfg := consensus.Mainnet()
	bal := make([]consensus.Gwei, nVal)
	for i := range bal {
		bal[i] = 32 * eth
	}
	slots := uint64(epochs) * cfg.SlotsPerEpoch
	before := heapInUse()

	anchor := BlockInfo{Root: stallRoot(0)}
	s := newWeighted(&cfg, anchor, func(consensus.Checkpoint) []consensus.Gwei { return bal })
	// The clock runs ahead of the blocks, so that no block is timely (no
	// pre-block Head) and every vote is in the past.
	s.OnTick((slots + 1) * cfg.SlotDurationMs)
	c := &stallChain{s: s, cfg: cfg, nVal: nVal, lastEpoch: consensus.Epoch(epochs - 1)}
	genesis := consensus.Checkpoint{Root: anchor.Root}
	var cp2, cp3 consensus.Checkpoint
	parent := anchor.Root
	perSlot := max(1, nVal/int(cfg.SlotsPerEpoch))
	for slot := uint64(1); slot < slots; slot++ {
		j, f := genesis, genesis
		if cp3.Epoch == 3 {
			j, f = cp3, cp2
		}
		b := BlockInfo{Root: stallRoot(slot), ParentRoot: parent, Slot: consensus.Slot(slot),
			JustifiedCheckpoint: j, FinalizedCheckpoint: f, UnrealizedJustified: j, UnrealizedFinalized: f}
		if err := s.OnBlock(b); err != nil {
			tb.Fatal(err)
		}
		c.nBlocks++
		if orphans && slot%cfg.SlotsPerEpoch == 5 {
			o := b
			o.Root = stallRoot(slot | 1<<40)
			if err := s.OnBlock(o); err != nil {
				tb.Fatal(err)
			}
			c.nBlocks++
		}
		switch slot {
		case 2 * cfg.SlotsPerEpoch:
			cp2 = consensus.Checkpoint{Epoch: 2, Root: b.Root}
		case 3 * cfg.SlotsPerEpoch:
			cp3 = consensus.Checkpoint{Epoch: 3, Root: b.Root}
		}
		e := consensus.ComputeEpochAtSlot(&cfg, b.Slot)
		first := int(slot%cfg.SlotsPerEpoch) * perSlot % nVal
		vals := make([]consensus.ValidatorIndex, perSlot)
		for i := range vals {
			vals[i] = consensus.ValidatorIndex((first + i) % nVal)
		}
		d := consensus.AttestationData{Slot: b.Slot, BeaconBlockRoot: b.Root,
			Target: consensus.Checkpoint{Epoch: e, Root: s.CheckpointBlock(b.Root, e)}}
		if err := s.OnAttestation(vals, d, true); err != nil {
			tb.Fatal(err)
		}
		c.prev, c.tip, parent = c.tip, b.Root, b.Root
	}
	if s.Justified().Epoch != 3 || s.Finalized().Epoch != 2 {
		tb.Fatalf("checkpoints J=%d F=%d, want 3 and 2", s.Justified().Epoch, s.Finalized().Epoch)
	}
	s.Head()
	c.heapBytes = heapInUse() - before
	runtime.KeepAlive(bal)
	return c
}

// heapInUse returns the live heap after a collection.
func heapInUse() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// vote makes validator k%nVal change its latest message (to the tip or its
// parent, alternately) in a new epoch after the chain's last one.
func (c *stallChain) vote(tb testing.TB, k int) {
	e := c.lastEpoch + 1 + consensus.Epoch(k/c.nVal)
	slot := consensus.ComputeStartSlotAtEpoch(&c.cfg, e)
	if k%c.nVal == 0 {
		c.s.OnTick(uint64(slot+1) * c.cfg.SlotDurationMs)
	}
	head := c.tip
	if k%2 == 1 {
		head = c.prev
	}
	d := consensus.AttestationData{Slot: slot, BeaconBlockRoot: head,
		Target: consensus.Checkpoint{Epoch: e, Root: head}}
	if err := c.s.OnAttestation([]consensus.ValidatorIndex{consensus.ValidatorIndex(k % c.nVal)}, d, true); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkHeadStalledFinality measures Head after one vote change in a
// store whose finality stalled long ago (every block since genesis is
// retained), at two history lengths: the cost per Head should not grow with
// the length of the stalled history. It also reports the heap the store
// holds per block.
func BenchmarkHeadStalledFinality(b *testing.B) {
	const nVal = 8192 // 256 votes per slot
	for _, orphans := range []bool{false, true} {
		for _, epochs := range []int{300, 1200} {
			name := fmt.Sprintf("chain/epochs=%d", epochs)
			if orphans {
				name = fmt.Sprintf("orphan-per-epoch/epochs=%d", epochs)
			}
			b.Run(name, func(b *testing.B) {
				c := buildStallChain(b, epochs, nVal, orphans)
				k := 0
				for b.Loop() {
					c.vote(b, k)
					c.s.Head()
					k++
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(k), "ns/head")
				b.ReportMetric(float64(c.heapBytes)/float64(c.nBlocks), "B/block")
			})
		}
	}
}

// BenchmarkOnBlockStalledFinality measures OnBlock for a timely block on
// the tip of a store whose finality stalled long ago: the finalized-descent
// check and the pre-block Head of update_proposer_boost_root.
func BenchmarkOnBlockStalledFinality(b *testing.B) {
	const nVal = 8192
	for _, epochs := range []int{300, 1200} {
		b.Run(fmt.Sprintf("epochs=%d", epochs), func(b *testing.B) {
			c := buildStallChain(b, epochs, nVal, false)
			info, _ := c.s.Block(c.tip)
			slot := c.s.CurrentSlot()
			k := 0
			for b.Loop() {
				slot++
				c.s.OnTick(uint64(slot) * c.cfg.SlotDurationMs)
				info = BlockInfo{Root: stallRoot(uint64(slot) | 1<<41), ParentRoot: info.Root, Slot: slot,
					JustifiedCheckpoint: info.JustifiedCheckpoint, FinalizedCheckpoint: info.FinalizedCheckpoint,
					UnrealizedJustified: info.UnrealizedJustified, UnrealizedFinalized: info.UnrealizedFinalized}
				if err := c.s.OnBlock(info); err != nil {
					b.Fatal(err)
				}
				k++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(k), "ns/block")
		})
	}
}
