package agents

import (
	"testing"

	"github.com/stakesim/stakesim/consensus"
)

const wadT = 1_000_000_000_000_000_000

// TestLooperBuildClosedForm: E = 2 tokens, LT 0.95, h 1.01, p_oracle =
// p_mint = 1, worked by hand: C = E/(1 − LT/h) = 2·1.01/0.06 = 33.6667,
// D = C·LT/h = 31.6667, leverage C/E = 16.83.
func TestLooperBuildClosedForm(t *testing.T) {
	a := &MarketLooperAgent{TargetHFWAD: []uint64{1_010_000_000_000_000_000}}
	d := &MarketDuty{Participants: []MarketParticipant{{Tokens: 2_000_000_000}},
		Loop: &LoopVenue{Venue: 3, PriceWAD: wadT, MintWAD: wadT, LTWAD: 950_000_000_000_000_000, LTVWAD: 945_000_000_000_000_000, Build: true}}
	orders := a.Decide(d)
	if len(orders) != 1 {
		t.Fatalf("orders %+v, want one build", orders)
	}
	o := orders[0]
	if o.Kind != OrderLoopBuild || o.Venue != 3 || o.Participant != 0 {
		t.Fatalf("order %+v, want a build in venue 3", o)
	}
	near := func(got consensus.Gwei, want uint64) bool { return uint64(got) >= want-2 && uint64(got) <= want+2 }
	if !near(o.Collateral, 33_666_666_666) || !near(o.Amount, 31_666_666_666) {
		t.Fatalf("collateral %d, debt %d; want 33.666666666 and 31.666666666", o.Collateral, o.Amount)
	}
	if lev := uint64(o.Collateral) * 100 / 2_000_000_000; lev != 1683 {
		t.Fatalf("leverage %d/100, want 16.83", lev)
	}
	// Without the build flag and unmanaged it does nothing.
	d.Loop.Build = false
	d.Participants[0] = MarketParticipant{Collateral: o.Collateral, Debt: o.Amount, HFWAD: wadT}
	if orders := a.Decide(d); len(orders) != 0 {
		t.Fatalf("unmanaged looper ordered %+v", orders)
	}
}

// TestLooperRelever: a loop at HF 1.2 (C = 12, D = 9.5 at LT 0.95,
// p = 1) with relever_above 1.1 borrows back to its target 1.01:
// ΔD = (C·LT/h − D)/(1 − LT/h).
func TestLooperRelever(t *testing.T) {
	a := &MarketLooperAgent{TargetHFWAD: []uint64{1_010_000_000_000_000_000}, ReleverAboveWAD: 1_100_000_000_000_000_000}
	c, debt := consensus.Gwei(12_000_000_000), consensus.Gwei(9_500_000_000) // HF 1.2
	d := &MarketDuty{Participants: []MarketParticipant{{Collateral: c, Debt: debt, HFWAD: 1_200_000_000_000_000_000}},
		Loop: &LoopVenue{PriceWAD: wadT, MintWAD: wadT, LTWAD: 950_000_000_000_000_000, LTVWAD: 950_000_000_000_000_000}}
	orders := a.Decide(d)
	if len(orders) != 1 || orders[0].Kind != OrderLoopRelever {
		t.Fatalf("orders %+v, want one relever", orders)
	}
	// After: C' = C + ΔD, D' = D + ΔD, C'·0.95/D' = 1.01.
	more := orders[0].Amount
	hf := float64(c+more) * 0.95 / float64(debt+more)
	if hf < 1.0099 || hf > 1.0101 {
		t.Fatalf("relever by %d gives HF %.5f, want 1.01", more, hf)
	}
}
