package consensus

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/crypto"
)

func TestNewGenesisState(t *testing.T) {
	cfg := Minimal()
	vals := []GenesisValidator{
		{Balance: 32 * tuETH, WithdrawalCredentials: tuCreds(0, 0)},         // active, 32
		{Balance: 40*tuETH + 123, WithdrawalCredentials: tuCreds(1, 1)},     // active, capped at 32
		{Balance: 100*tuETH + 5, WithdrawalCredentials: tuCreds(2, 2)},      // compounding: 100
		{Balance: 32*tuETH - 1, WithdrawalCredentials: tuCreds(1, 3)},       // 31 ETH effective: waits
		{Balance: 3000 * tuETH, WithdrawalCredentials: tuCreds(2, 4)},       // capped at 2048
		{Balance: 33*tuETH + tuETH/2, WithdrawalCredentials: tuCreds(0, 5)}, // 0x00, capped at 32
	}
	st := tuGenesisWith(t, &cfg, vals)
	wantEB := []Gwei{32 * tuETH, 32 * tuETH, 100 * tuETH, 31 * tuETH, 2048 * tuETH, 32 * tuETH}
	var sum Gwei
	for i, v := range st.Validators {
		if v.EffectiveBalance != wantEB[i] {
			t.Errorf("validator %d: effective balance %d, want %d", i, v.EffectiveBalance, wantEB[i])
		}
		active := i != 3
		if active && (v.ActivationEpoch != 0 || v.ActivationEligibilityEpoch != 0) {
			t.Errorf("validator %d not activated at genesis", i)
		}
		if !active && (v.ActivationEpoch != FarFutureEpoch || v.ActivationEligibilityEpoch != FarFutureEpoch) {
			t.Errorf("validator %d activated with 31 ETH", i)
		}
		if v.ExitEpoch != FarFutureEpoch || v.WithdrawableEpoch != FarFutureEpoch {
			t.Errorf("validator %d has an exit", i)
		}
		if st.Balances[i] != vals[i].Balance {
			t.Errorf("validator %d balance %d", i, st.Balances[i])
		}
		sum += vals[i].Balance
	}
	if st.Ledger.Genesis != sum {
		t.Errorf("ledger genesis %d, want %d", st.Ledger.Genesis, sum)
	}
	if err := st.CheckConservation(); err != nil {
		t.Error(err)
	}
	if len(st.BlockRoots) != HistoryWindowEpochs*8 || len(st.RandaoMixes) != HistoryWindowEpochs ||
		len(st.Slashings) != 64 || len(st.InactivityScores) != 6 || len(st.CurrentEpochParticipation) != 6 || len(st.PreviousEpochParticipation) != 6 {
		t.Error("state vectors mis-sized")
	}
	for _, m := range st.RandaoMixes {
		if m != tuHash("genesis", 0) {
			t.Fatal("RANDAO mix is not the genesis seed")
		}
	}
	// upgrade_to_electra at epoch 0 with no exits: compute_activation_exit_epoch(0) = 0+1+4 = 5.
	if st.EarliestExitEpoch != 6 || st.EarliestConsolidationEpoch != 5 {
		t.Errorf("earliest exit %d consolidation %d, want 6 and 5", st.EarliestExitEpoch, st.EarliestConsolidationEpoch)
	}
	// Total active = 32+32+100+2048+32 = 2244 ETH; balance churn = max(64 ETH, 2244/32) = 70.125 -> 70 ETH;
	// activation/exit churn = min(128, 70) = 70; consolidation churn = 70 - 70 = 0.
	if st.ExitBalanceToConsume != 70*tuETH || st.ConsolidationBalanceToConsume != 0 {
		t.Errorf("exit balance to consume %d, consolidation %d", st.ExitBalanceToConsume, st.ConsolidationBalanceToConsume)
	}
	if st.DepositRequestsStartIndex != ^uint64(0) {
		t.Error("deposit_requests_start_index not UNSET")
	}
	empty := BeaconBlockBody{}
	if st.LatestBlockHeader != (BeaconBlockHeader{BodyRoot: empty.Root()}) || GenesisBlockRoot(st) != st.LatestBlockHeader.Root() {
		t.Error("genesis header")
	}
	st2 := tuGenesisWith(t, &cfg, vals[:5])
	if st2.GenesisValidatorsRoot == st.GenesisValidatorsRoot {
		t.Error("genesis validators root ignores the registry")
	}
}

// Reference: phase0 process_slots / process_slot.
func TestProcessSlotsRecordsBlockRoots(t *testing.T) {
	cfg := Minimal()
	st := tuGenesis(t, &cfg, 64)
	genesisRoot := GenesisBlockRoot(st)
	tuAdvance(t, &cfg, st, 3)
	sb := tuBlock(t, &cfg, st, nil, nil, nil, nil)
	if _, err := ProcessBlock(&cfg, st, sb, AcceptAll{}); err != nil {
		t.Fatal(err)
	}
	blockRoot := sb.Message.Root()
	tuAdvance(t, &cfg, st, 6)
	for s := range Slot(6) {
		want := genesisRoot
		if s >= 3 {
			want = blockRoot
		}
		got, ok := GetBlockRootAtSlot(st, s)
		if !ok || got != want {
			t.Fatalf("block root at slot %d = %x, want %x", s, got[:4], want[:4])
		}
	}
	if _, err := ProcessSlots(&cfg, st, 6); !errors.Is(err, ErrSlotInPast) {
		t.Fatalf("ProcessSlots to the same slot: %v", err)
	}
}

func TestProcessBlockHeaderChecks(t *testing.T) {
	cfg := Minimal()
	base := tuGenesis(t, &cfg, 64)
	tuAdvance(t, &cfg, base, 1)
	good := tuBlock(t, &cfg, base, nil, nil, nil, nil)
	for _, tc := range []struct {
		name   string
		mutate func(b *BeaconBlock)
		want   string
	}{
		{"wrong slot", func(b *BeaconBlock) { b.Slot = 2 }, "block slot"},
		{"wrong proposer", func(b *BeaconBlock) { b.ProposerIndex = (b.ProposerIndex + 1) % 64 }, "proposer index"},
		{"wrong parent", func(b *BeaconBlock) { b.ParentRoot[0] ^= 1 }, "parent root"},
		{"wrong randao", func(b *BeaconBlock) { b.Body.RandaoReveal[0] ^= 1 }, "RANDAO"},
		{"extra withdrawal", func(b *BeaconBlock) { b.Body.Withdrawals = []Withdrawal{{ValidatorIndex: 1, Amount: 1}} }, "withdrawals"},
		{"slashed proposer", nil, "slashed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := base.Copy()
			sb := *good
			if tc.mutate != nil {
				tc.mutate(&sb.Message)
			} else {
				st.MutValidator(ValidatorIndex(sb.Message.ProposerIndex)).Slashed = true
			}
			_, err := ProcessBlock(&cfg, st, &sb, AcceptAll{})
			if !errors.Is(err, ErrInvalidBlock) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrInvalidBlock mentioning %q", err, tc.want)
			}
		})
	}
	st := base.Copy()
	if _, err := ProcessBlock(&cfg, st, good, AcceptAll{}); err != nil {
		t.Fatalf("good block rejected: %v", err)
	}
	// A second block for the same slot is rejected.
	again := tuBlock(t, &cfg, st, nil, nil, nil, nil)
	if _, err := ProcessBlock(&cfg, st, again, AcceptAll{}); err == nil {
		t.Fatal("second block at the same slot accepted")
	}
}

// Reference: phase0 process_randao: mix = xor(get_randao_mix(state, epoch), hash(reveal)).
func TestProcessRandaoMixesReveal(t *testing.T) {
	cfg := Minimal()
	st := tuGenesis(t, &cfg, 64)
	tuAdvance(t, &cfg, st, 1)
	sb := tuBlock(t, &cfg, st, nil, nil, nil, nil)
	before := st.RandaoMixes[0]
	if _, err := ProcessBlock(&cfg, st, sb, AcceptAll{}); err != nil {
		t.Fatal(err)
	}
	// The reveal, from the documented encoding.
	var buf []byte
	buf = append(buf, 0x02, 0, 0, 0)
	buf = append(buf, st.GenesisValidatorsRoot[:]...)
	buf = append(buf, byte(sb.Message.ProposerIndex), 0, 0, 0, 0, 0, 0, 0)
	buf = append(buf, 0, 0, 0, 0, 0, 0, 0, 0)
	reveal := sha256.Sum256(buf)
	if reveal != sb.Message.Body.RandaoReveal {
		t.Fatal("RandaoReveal does not follow the documented encoding")
	}
	h := sha256.Sum256(reveal[:])
	for i := range before {
		before[i] ^= h[i]
	}
	if st.RandaoMixes[0] != before {
		t.Fatal("mix is not xor(previous mix, hash(reveal))")
	}
}

// A chain of blocks with real BLS: every block verifies with the keyring,
// attestations earn flags, ETH is conserved. Then the same block with one
// flipped aggregation bit, a tampered aggregate or a tampered block
// signature is rejected with ErrInvalidSignature naming the item.
func TestBlocksWithRealBLS(t *testing.T) {
	cfg := Minimal()
	const n = 64
	kr := crypto.NewKeyring(42, n, 2)
	st := tuGenesis(t, &cfg, n)
	rep := tuRunChain(t, &cfg, st, kr, 10) // crosses one epoch boundary
	if rep.AttestationsIncluded == 0 || rep.NewTimelyHead == 0 {
		t.Fatalf("last block included %d attestations, %d new head flags", rep.AttestationsIncluded, rep.NewTimelyHead)
	}
	if rep.AggregatesVerified != 1+rep.AttestationsIncluded {
		t.Fatalf("%d aggregates verified for %d attestations", rep.AggregatesVerified, rep.AttestationsIncluded)
	}

	// Build the next block by hand.
	pending := tuAttestations(t, &cfg, st, kr)
	tuAdvance(t, &cfg, st, 11)
	atts := tuOnChain(SelectAttestations(&cfg, st, pending))
	if len(atts) == 0 {
		t.Fatal("no attestation selected")
	}
	good := tuBlock(t, &cfg, st, kr, atts, nil, nil)
	if rep, err := ProcessBlock(&cfg, st.Copy(), good, kr); err != nil {
		t.Fatalf("good block rejected: %v", err)
	} else if rep.Signatures != 1+int(n/8) {
		t.Fatalf("signatures %d, want 1 + %d attesters", rep.Signatures, n/8)
	}

	cloneBlock := func() *SignedBeaconBlock {
		sb := *good
		sb.Message.Body.Attestations = append([]Attestation(nil), good.Message.Body.Attestations...)
		a := &sb.Message.Body.Attestations[0]
		a.AggregationBits = append(a.AggregationBits[:0:0], a.AggregationBits...)
		return &sb
	}
	for _, tc := range []struct {
		name   string
		mutate func(sb *SignedBeaconBlock)
		want   string
	}{
		{"flipped aggregation bit", func(sb *SignedBeaconBlock) {
			sb.Message.Body.Attestations[0].AggregationBits.SetBitAt(0, false)
			tuSignBlock(&cfg, st, kr, sb) // only the aggregate is now wrong
		}, "attestation 0"},
		{"tampered aggregate", func(sb *SignedBeaconBlock) {
			sb.Message.Body.Attestations[0].Signature = crypto.Sign(kr.Secret(0), tuHash("other", 0))
			tuSignBlock(&cfg, st, kr, sb)
		}, "attestation 0"},
		{"tampered block signature", func(sb *SignedBeaconBlock) {
			sb.Signature = crypto.Sign(kr.Secret(uint64(sb.Message.ProposerIndex)), tuHash("other", 1))
		}, "block signature"},
		{"block signed by another validator", func(sb *SignedBeaconBlock) {
			sb.Signature = crypto.Sign(kr.Secret(uint64(sb.Message.ProposerIndex+1)%n), BlockSigningRoot(&cfg, st, &sb.Message))
		}, "block signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := cloneBlock()
			tc.mutate(sb)
			_, err := ProcessBlock(&cfg, st.Copy(), sb, kr)
			if !errors.Is(err, ErrInvalidSignature) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrInvalidSignature naming %q", err, tc.want)
			}
			// The same block passes with BLS off: only the signature was wrong.
			if _, err := ProcessBlock(&cfg, st.Copy(), sb, AcceptAll{}); err != nil {
				t.Fatalf("with AcceptAll: %v", err)
			}
		})
	}
}

// Blocks over several epochs with BLS off: ETH is conserved after every
// block (checked inside tuRunChain) and finality advances with full participation.
func TestChainConservationAndFinality(t *testing.T) {
	cfg := Minimal()
	st := tuGenesis(t, &cfg, 64)
	tuRunChain(t, &cfg, st, nil, 5*8)
	if err := st.CheckConservation(); err != nil {
		t.Fatal(err)
	}
	if st.CurrentJustifiedCheckpoint.Epoch < 3 || st.FinalizedCheckpoint.Epoch < 2 {
		t.Fatalf("justified %d finalized %d after 5 epochs of full participation",
			st.CurrentJustifiedCheckpoint.Epoch, st.FinalizedCheckpoint.Epoch)
	}
}

func BenchmarkProcessBlockMainnet(b *testing.B) {
	cfg := Mainnet()
	st := tuGenesis(b, &cfg, 16384)
	tuAdvance(b, &cfg, st, 1)
	var atts []Attestation
	pre := st.Copy()
	pre.Slot = 0
	_ = pre
	sb := tuBlock(b, &cfg, st, nil, atts, nil, nil)
	b.ResetTimer()
	for b.Loop() {
		c := st.Copy()
		if _, err := ProcessBlock(&cfg, c, sb, AcceptAll{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "blocks/s")
}
