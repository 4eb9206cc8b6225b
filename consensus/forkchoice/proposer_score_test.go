package forkchoice

import (
	"testing"

	"github.com/stakesim/stakesim/consensus"
)

// checkpointState returns a state at the first slot of epoch whose
// validators have the given effective balances (in ETH), all active from
// epoch 0 on; those listed in slashed are slashed and exit 4 epochs later,
// as slash_validator's initiate_validator_exit puts them at least
// MAX_SEED_LOOKAHEAD + 1 epochs ahead.
func checkpointState(cfg *consensus.Config, epoch consensus.Epoch, ethEB []uint64, slashed ...int) *consensus.State {
	st := &consensus.State{Slot: consensus.ComputeStartSlotAtEpoch(cfg, epoch)}
	for _, b := range ethEB {
		st.Validators = append(st.Validators, consensus.Validator{
			EffectiveBalance: consensus.Gwei(b) * eth, ExitEpoch: consensus.FarFutureEpoch,
		})
	}
	for _, i := range slashed {
		st.MutValidator(consensus.ValidatorIndex(i)).Slashed = true
		st.MutValidator(consensus.ValidatorIndex(i)).ExitEpoch = epoch + 4
	}
	return st
}

// minimalCfg is the minimal preset with the constants the hand computations
// below use checked.
func minimalCfg(t *testing.T) *consensus.Config {
	t.Helper()
	cfg := consensus.Minimal()
	if cfg.SlotsPerEpoch != 8 || cfg.ProposerScoreBoost != 40 || cfg.EffectiveBalanceIncrement != eth {
		t.Fatalf("minimal preset: SLOTS_PER_EPOCH %d, PROPOSER_SCORE_BOOST %d, EFFECTIVE_BALANCE_INCREMENT %d; want 8, 40, 1 ETH",
			cfg.SlotsPerEpoch, cfg.ProposerScoreBoost, cfg.EffectiveBalanceIncrement)
	}
	return &cfg
}

// TestProposerScoreCountsSlashedActiveValidators: with a third of the stake
// slashed but still active, the proposer score is computed on all of it.
//
// Justified checkpoint state (minimal preset, epoch 0): validators 0, 1 and
// 2 with 32 ETH effective balance each, all active, validator 2 slashed.
//
//	get_total_active_balance(state) = 32 + 32 + 32 ETH = 96,000,000,000 Gwei
//	    (get_active_validator_indices ignores the slashed flag)
//	committee_weight = 96,000,000,000 // SLOTS_PER_EPOCH (8) = 12,000,000,000
//	compute_proposer_score = 12,000,000,000 * PROPOSER_SCORE_BOOST (40) // 100
//	                       = 4,800,000,000 Gwei (4.8 ETH, 40% of a committee)
//
// Summing only the unslashed 64 ETH, as the fork choice did before, gives
// 64e9 // 8 * 40 // 100 = 3.2e9 Gwei: 26.7% of the committee weight.
// get_attestation_score, on the other hand, counts only
// unslashed_and_active_indices: validator 2's vote weighs nothing, validator
// 0's weighs 32 ETH.
// Reference: phase0 fork-choice.md (consensus-specs v1.7.0-alpha.13),
// compute_proposer_score, get_proposer_score, get_weight,
// get_attestation_score; phase0 beacon-chain.md get_total_active_balance.
func TestProposerScoreCountsSlashedActiveValidators(t *testing.T) {
	cfg := minimalCfg(t)
	states := func(cp consensus.Checkpoint) *consensus.State {
		return checkpointState(cfg, cp.Epoch, []uint64{32, 32, 32}, 2)
	}

	cb := BalancesOf(cfg, states(g0))
	if want := []consensus.Gwei{32 * eth, 32 * eth, 0}; len(cb.Weights) != 3 ||
		cb.Weights[0] != want[0] || cb.Weights[1] != want[1] || cb.Weights[2] != want[2] {
		t.Fatalf("BalancesOf weights = %v, want %v", cb.Weights, want)
	}
	if cb.TotalActive != 96_000_000_000 {
		t.Fatalf("BalancesOf total active = %d, want 96,000,000,000", cb.TotalActive)
	}

	s := NewStore(cfg, BlockInfo{Root: rt("G")}, storeBalances(cfg, states))
	const wantScore = consensus.Gwei(4_800_000_000)
	if got := s.ProposerScore(); got != wantScore {
		t.Fatalf("ProposerScore = %d, want %d", got, wantScore)
	}

	// Validator 2 (slashed) votes at slot 1 for block A of slot 1; at slot 2
	// a timely child B of A takes the boost. A's weight is the boost alone:
	// the slashed validator's vote counts for nothing.
	tickSlot(s, 1, 0)
	add(t, s, "A", "G", 1)
	tickSlot(s, 2, 0)
	vote(t, s, 2, 3, "A", 1)
	add(t, s, "B", "A", 2)
	if s.ProposerBoostRoot() != rt("B") {
		t.Fatalf("boost root %q, want B", nameOf(s.ProposerBoostRoot()))
	}
	if got := s.Weight(rt("A")); got != wantScore {
		t.Fatalf("Weight(A) with the slashed validator's vote = %d, want the boost alone, %d", got, wantScore)
	}
	vote(t, s, 0, 1, "A", 1)
	if got, want := s.Weight(rt("A")), 32*eth+wantScore; got != want {
		t.Fatalf("Weight(A) with validator 0's vote = %d, want 32 ETH + boost = %d", got, want)
	}
}

// TestProposerBoostWithSlashedStakeDecidesHead: the proposer score counted
// on the slashed stake too is what lets a boosted block beat a sibling.
//
// Justified checkpoint state (minimal preset, epoch 0): validators 0, 1, 2
// with 32 ETH, validator 3 with 4 ETH, all active, validator 2 slashed.
//
//	get_total_active_balance = 32 + 32 + 32 + 4 ETH = 100,000,000,000 Gwei
//	committee_weight = 100e9 // 8 = 12,500,000,000
//	proposer score   = 12.5e9 * 40 // 100 = 5,000,000,000 Gwei
//
// Block A (slot 1) gets the votes of validators 2 and 3 at slot 1; only
// validator 3's counts (2 is slashed): get_weight(A) = 4,000,000,000. Block
// B (slot 2, sibling of A) arrives timely at the start of slot 2 and takes
// the boost (both chains have the genesis block as their shuffling
// dependent root): get_weight(B) = 5,000,000,000 > 4,000,000,000, so the
// head is B. With the unslashed 68 ETH as the total, the boost would be
// 68e9 // 8 * 40 // 100 = 3.4e9 < 4e9 and the head would be A.
// Reference: phase0 fork-choice.md (consensus-specs v1.7.0-alpha.13),
// get_head, get_weight, compute_proposer_score, update_proposer_boost_root.
func TestProposerBoostWithSlashedStakeDecidesHead(t *testing.T) {
	cfg := minimalCfg(t)
	states := func(cp consensus.Checkpoint) *consensus.State {
		return checkpointState(cfg, cp.Epoch, []uint64{32, 32, 32, 4}, 2)
	}
	s := NewStore(cfg, BlockInfo{Root: rt("G")}, storeBalances(cfg, states))
	tickSlot(s, 1, 0)
	add(t, s, "A", "G", 1)
	tickSlot(s, 2, 0)
	vote(t, s, 2, 4, "A", 1)
	if got := nameOf(s.Head()); got != "A" {
		t.Fatalf("head before B = %s, want A", got)
	}
	add(t, s, "B", "G", 2)
	if s.ProposerBoostRoot() != rt("B") {
		t.Fatalf("boost root %q, want B", nameOf(s.ProposerBoostRoot()))
	}
	if got := s.Weight(rt("A")); got != 4_000_000_000 {
		t.Fatalf("Weight(A) = %d, want 4,000,000,000 (validator 3 only)", got)
	}
	if got := s.Weight(rt("B")); got != 5_000_000_000 {
		t.Fatalf("Weight(B) = %d, want 5,000,000,000 (the boost)", got)
	}
	if got := nameOf(s.Head()); got != "B" {
		t.Fatalf("head = %s, want B", got)
	}
}

// TestBalancesOf: validators not active in the state's current epoch count
// in neither part, slashed or not; slashed active ones count in the total
// only; the total is at least EFFECTIVE_BALANCE_INCREMENT.
// Reference: get_attestation_score (unslashed_and_active_indices),
// get_total_active_balance, get_total_balance, is_active_validator.
func TestBalancesOf(t *testing.T) {
	cfg := minimalCfg(t)
	st := checkpointState(cfg, 5, []uint64{32, 2048, 17, 32, 32, 32}, 2, 4)
	st.MutValidator(consensus.ValidatorIndex(3)).ActivationEpoch = 6 // not yet active at epoch 5
	st.MutValidator(consensus.ValidatorIndex(4)).ExitEpoch = 5       // slashed and exited at epoch 5
	st.MutValidator(consensus.ValidatorIndex(5)).ExitEpoch = 5       // exited at epoch 5
	cb := BalancesOf(cfg, st)
	want := []consensus.Gwei{32 * eth, 2048 * eth, 0, 0, 0, 0}
	for i := range want {
		if cb.Weights[i] != want[i] {
			t.Fatalf("weights = %v, want %v", cb.Weights, want)
		}
	}
	if got, wantTotal := cb.TotalActive, (32+2048+17)*eth; got != wantTotal {
		t.Fatalf("total active = %d, want %d (validators 0, 1 and the slashed 2)", got, wantTotal)
	}

	none := checkpointState(cfg, 5, []uint64{32}, 0)
	none.MutValidator(consensus.ValidatorIndex(0)).ExitEpoch = 5
	if cb := BalancesOf(cfg, none); cb.TotalActive != cfg.EffectiveBalanceIncrement || cb.Weights[0] != 0 {
		t.Fatalf("no active validator: %+v, want weights [0] and total EFFECTIVE_BALANCE_INCREMENT", cb)
	}
}
