package agents

import (
	"testing"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

func testView(phase Phase, epoch consensus.Epoch) *SlotView {
	return &SlotView{
		Slot:  consensus.Slot(uint64(epoch) * 8),
		Epoch: epoch,
		Phase: phase,
		Head:  consensus.Root{1},
		Vote: consensus.AttestationData{
			Slot:            consensus.Slot(uint64(epoch) * 8),
			BeaconBlockRoot: consensus.Root{1},
			Source:          consensus.Checkpoint{Epoch: 0},
			Target:          consensus.Checkpoint{Epoch: epoch, Root: consensus.Root{2}},
		},
		AttesterDomain: consensus.Root{9},
	}
}

func twoDuties() *Duties {
	return &Duties{Attestations: []AttestDuty{
		{Validator: 3, Committee: 1, Position: 0, CommitteeSize: 4},
		{Validator: 5, Committee: 2, Position: 3, CommitteeSize: 4},
	}}
}

func TestWindow(t *testing.T) {
	for _, c := range []struct {
		w    Window
		e    consensus.Epoch
		want bool
	}{
		{Window{From: 2}, 1, false},
		{Window{From: 2}, 2, true},
		{Window{From: 2}, 1000, true},
		{Window{From: 2, To: 4, Bounded: true}, 3, true},
		{Window{From: 2, To: 4, Bounded: true}, 4, false},
	} {
		if got := c.w.Contains(c.e); got != c.want {
			t.Errorf("%+v.Contains(%d) = %v", c.w, c.e, got)
		}
	}
}

// TestFullModeSignsVerifiably: in full mode each attestation carries its
// validator's own signature over compute_signing_root(data, domain), with
// its committee index filled in.
func TestFullModeSignsVerifiably(t *testing.T) {
	kr := crypto.NewKeyring(7, 8, 1)
	keys := map[consensus.ValidatorIndex]*crypto.SecretKey{3: kr.Secret(3), 5: kr.Secret(5)}
	c := NewValidatorClient(0, keys, SignFull, []Behaviour{Honest{}})
	v := testView(PhaseAttest, 1)
	a := c.Act(v, twoDuties())
	if len(a.Attestations) != 2 {
		t.Fatalf("got %d attestations", len(a.Attestations))
	}
	for _, m := range a.Attestations {
		root := crypto.ComputeSigningRoot(m.Data.Root(), v.AttesterDomain)
		if !crypto.FastAggregateVerify([]*crypto.PublicKey{kr.Public(uint64(m.AttesterIndex))}, root, m.Signature) {
			t.Errorf("validator %d: signature does not verify", m.AttesterIndex)
		}
		other := 8 - uint64(m.AttesterIndex) // 5 or 3: the other validator's key must not verify it
		if crypto.FastAggregateVerify([]*crypto.PublicKey{kr.Public(other)}, root, m.Signature) {
			t.Errorf("validator %d: signature verifies under another key", m.AttesterIndex)
		}
	}
	// EIP-7549: the committee travels beside the data, whose index is 0.
	if a.Attestations[0].CommitteeIndex != 1 || a.Attestations[1].CommitteeIndex != 2 ||
		a.Attestations[0].Data.Index != 0 || a.Attestations[1].Data.Index != 0 {
		t.Errorf("committee index not set beside the data: %+v", a.Attestations)
	}
}

func TestAggregateAndOffModesDoNotSign(t *testing.T) {
	for _, mode := range []SignMode{SignAggregate, SignOff} {
		c := NewValidatorClient(0, map[consensus.ValidatorIndex]*crypto.SecretKey{3: nil, 5: nil}, mode, nil)
		a := c.Act(testView(PhaseAttest, 1), twoDuties())
		if len(a.Attestations) != 2 {
			t.Fatalf("mode %d: %d attestations", mode, len(a.Attestations))
		}
		for _, m := range a.Attestations {
			if !m.Signature.IsZero() {
				t.Errorf("mode %d: attestation signed", mode)
			}
		}
	}
}

// TestBehavioursCompose: offline silences a client only inside its window
// (blocks and votes), late delays votes only inside its window, and both
// apply in order.
func TestBehavioursCompose(t *testing.T) {
	keys := map[consensus.ValidatorIndex]*crypto.SecretKey{3: nil, 5: nil}
	beh := []Behaviour{
		Late{Window: Window{From: 1, To: 3, Bounded: true}, DelayMs: 700},
		Offline{Window: Window{From: 2, To: 3, Bounded: true}},
	}
	c := NewValidatorClient(0, keys, SignOff, beh)
	cases := []struct {
		epoch  consensus.Epoch
		n      int
		delay  uint64
		blocks int
	}{
		{0, 2, 0, 1},
		{1, 2, 700, 1},
		{2, 0, 0, 0},
		{3, 2, 0, 1},
	}
	for _, cs := range cases {
		a := c.Act(testView(PhaseAttest, cs.epoch), twoDuties())
		if len(a.Attestations) != cs.n {
			t.Errorf("epoch %d: %d attestations, want %d", cs.epoch, len(a.Attestations), cs.n)
		}
		for _, m := range a.Attestations {
			if m.ExtraDelayMs != cs.delay {
				t.Errorf("epoch %d: delay %d, want %d", cs.epoch, m.ExtraDelayMs, cs.delay)
			}
		}
		blk := &consensus.BeaconBlock{Slot: 1, ProposerIndex: 3}
		p := c.Act(testView(PhasePropose, cs.epoch), &Duties{Proposals: []ProposeDuty{{Validator: 3, Block: blk}}})
		if len(p.Blocks) != cs.blocks {
			t.Errorf("epoch %d: %d blocks, want %d", cs.epoch, len(p.Blocks), cs.blocks)
		}
	}
}

func TestFromSpec(t *testing.T) {
	b, err := FromSpec(Spec{Kind: "late", FromEpoch: 2, ToEpoch: 5, HasToEpoch: true, DelayMs: 300})
	if err != nil {
		t.Fatal(err)
	}
	l, ok := b.(Late)
	if !ok || l.DelayMs != 300 || l.Window != (Window{From: 2, To: 5, Bounded: true}) {
		t.Errorf("FromSpec(late) = %#v", b)
	}
	if _, err := FromSpec(Spec{Kind: "teleport"}); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestSlashingProtection(t *testing.T) {
	keys := map[consensus.ValidatorIndex]*crypto.SecretKey{3: nil, 5: nil}
	c := NewValidatorClient(0, keys, SignOff, []Behaviour{Honest{}})
	c.EnableSlashingProtection()
	v := testView(PhaseAttest, 4)
	if n := len(c.Act(v, twoDuties()).Attestations); n != 2 {
		t.Fatalf("first duty: %d attestations", n)
	}
	// A second duty in the same epoch (another branch's committees) on a
	// different head: refused, it would be a double vote.
	v2 := testView(PhaseAttest, 4)
	v2.Vote.BeaconBlockRoot = consensus.Root{7}
	if n := len(c.Act(v2, twoDuties()).Attestations); n != 0 {
		t.Errorf("same target epoch signed again: %d attestations", n)
	}
	// A later target with an older source could surround: refused.
	v3 := testView(PhaseAttest, 6)
	v3.Vote.Source.Epoch = 0
	v.Vote.Source.Epoch = 2
	c2 := NewValidatorClient(0, keys, SignOff, nil)
	c2.EnableSlashingProtection()
	v.Vote.Source.Epoch = 2
	c2.Act(v, twoDuties())
	if n := len(c2.Act(v3, twoDuties()).Attestations); n != 0 {
		t.Errorf("surrounding vote signed: %d attestations", n)
	}
	// The next epoch is fine; a client without protection signs anything.
	if n := len(c.Act(testView(PhaseAttest, 5), twoDuties()).Attestations); n != 2 {
		t.Errorf("next epoch: %d attestations", n)
	}
	if n := len(NewValidatorClient(0, keys, SignOff, nil).Act(v2, twoDuties()).Attestations); n != 2 {
		t.Errorf("unprotected client: %d attestations", n)
	}
}
