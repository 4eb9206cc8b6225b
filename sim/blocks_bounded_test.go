package sim

import (
	"context"
	"testing"

	"github.com/stakesim/stakesim/scenarios"
)

// blockCounter is a Sink that takes blocks.csv rows and keeps what the
// test checks: the rows written in each epoch (batch[i]: before the i-th
// EndEpoch; the last entry, after it, at the run's end), their order, the
// roots seen (to find duplicates and unknown parents), and the rows of
// blocks at or after slot late.
type blockCounter struct {
	rows, proposals uint64
	batch           []uint64
	last            *BlockRow
	roots           map[string]bool
	late, lateRows  uint64
	err             string
}

func newBlockCounter(late uint64) *blockCounter {
	return &blockCounter{batch: []uint64{0}, roots: map[string]bool{}, late: late}
}

func (s *blockCounter) Epoch(row EpochRow) error {
	if row.Branch == "main+attackers" {
		s.proposals += row.Proposals
	}
	return nil
}
func (s *blockCounter) Event(Event) error { return nil }

func (s *blockCounter) EndEpoch(uint64) error {
	s.batch = append(s.batch, 0)
	s.last = nil
	return nil
}

func (s *blockCounter) Block(row BlockRow) error {
	switch {
	case s.err != "":
	case s.roots[row.Root]:
		s.err = "block " + row.Root + " written twice"
	case row.Slot > 0 && !s.roots[row.ParentRoot]:
		s.err = "the parent of block " + row.Root + " was not written before it"
	case s.last != nil && (row.Slot < s.last.Slot || row.Slot == s.last.Slot && row.Root <= s.last.Root):
		s.err = "a batch is not sorted by (slot, root) at block " + row.Root
	}
	s.roots[row.Root] = true
	s.last = &row
	s.rows++
	if row.Slot >= s.late {
		s.lateRows++
	}
	s.batch[len(s.batch)-1]++
	return nil
}

// TestBlocksBoundedWhileStalled: attack-33 from epoch 4 (BLS off) stalls
// finality for about 340 epochs, until the leak has drained the silent
// coalition. Writing blocks.csv keeps no block the chain would have
// dropped: the held blocks are, epoch by epoch, those of the same run
// without a BlockSink; while stalled nothing is written; when finality
// resumes the stall's blocks go out in one batch and the chain is small
// again. Every block is written once, each batch sorted, a parent before
// its child, and (no block is orphaned here) the blocks are genesis, the
// proposals epochs.csv counts and those of the settling epoch.
func TestBlocksBoundedWhileStalled(t *testing.T) {
	if testing.Short() {
		t.Skip("a 360-epoch run")
	}
	const epochs = 360
	load := func() *scenarios.Scenario {
		sc, err := scenarios.Load("attack-33", []scenarios.Override{{Name: "attack_start_epoch", Value: "4"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := sc.SetBLS("off"); err != nil {
			t.Fatal(err)
		}
		if err := sc.SetEpochs(epochs); err != nil {
			t.Fatal(err)
		}
		return sc
	}
	run := func(sink Sink) (held []int, finalized []uint64, res *Result) {
		var e *Engine
		opts := Options{Progress: func(p Progress) {
			held = append(held, len(e.chain.blocks))
			finalized = append(finalized, p.FinalizedEpoch)
		}}
		e, err := New(load(), sink, opts)
		if err != nil {
			t.Fatal(err)
		}
		res, err = e.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return held, finalized, res
	}
	spe := slotsPerEpochOf(t)
	plain, _, _ := run(nil)
	sink := newBlockCounter(epochs * spe)
	held, finalized, res := run(sink)
	if len(held) != epochs || len(plain) != epochs {
		t.Fatalf("progress after %d and %d epochs, want %d", len(held), len(plain), epochs)
	}
	for ep := range held {
		if held[ep] != plain[ep] {
			t.Fatalf("epoch %d: %d blocks held with blocks.csv, %d without", ep, held[ep], plain[ep])
		}
	}
	// The stall: finality stops moving from the attack's start until the
	// leak ends it, and the chain holds every block meanwhile.
	resumed := -1
	for ep := 8; ep < epochs; ep++ {
		if finalized[ep] > finalized[ep-1] && finalized[ep-1]+4 < uint64(ep) {
			resumed = ep
			break
		}
	}
	if resumed < 100 || resumed > epochs-8 {
		t.Fatalf("finality resumed at epoch %d; the test needs a long stall that ends before the run does", resumed)
	}
	if held[resumed-1] < (resumed-8)*int(spe)/2 {
		t.Errorf("only %d blocks held before finality resumed at epoch %d", held[resumed-1], resumed)
	}
	for ep := resumed + 4; ep < epochs; ep++ {
		if held[ep] > 4*int(spe) {
			t.Errorf("epoch %d, after finality resumed: %d blocks held, want at most %d", ep, held[ep], 4*spe)
		}
	}
	// sink.batch[i] is what epoch i's end wrote (the settling epoch,
	// epochs, included), the last entry the end of the run.
	if len(sink.batch) != epochs+2 {
		t.Fatalf("%d batches, want %d (one per epoch and the run's end)", len(sink.batch), epochs+2)
	}
	var during uint64
	for ep := 12; ep < resumed-1; ep++ {
		during += sink.batch[ep]
	}
	if during != 0 {
		t.Errorf("%d block rows written while finality was stalled", during)
	}
	big := uint64(0)
	for ep := resumed - 1; ep <= resumed+2; ep++ {
		big = max(big, sink.batch[ep])
	}
	if big < uint64(held[resumed-1]/2) {
		t.Errorf("the largest batch when finality resumed has %d rows, %d blocks were held", big, held[resumed-1])
	}
	t.Logf("finality resumed at epoch %d with %d blocks held; largest batch then %d rows; %d rows in all", resumed, held[resumed-1], big, sink.rows)
	if sink.err != "" {
		t.Fatal(sink.err)
	}
	// Genesis, the reported proposals, and the settling epoch's blocks.
	if sink.rows != 1+sink.proposals+sink.lateRows || sink.lateRows == 0 || sink.lateRows > spe {
		t.Errorf("%d rows, want genesis + %d proposals + %d blocks of the settling epoch", sink.rows, sink.proposals, sink.lateRows)
	}
	if res.Summary.Proposals != sink.proposals {
		t.Errorf("summary proposals %d, epochs.csv rows' %d", res.Summary.Proposals, sink.proposals)
	}
}

func slotsPerEpochOf(t *testing.T) uint64 {
	t.Helper()
	sc, err := scenarios.Load("attack-33", nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(sc, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e.cfg.SlotsPerEpoch
}
