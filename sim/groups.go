package sim

import (
	"fmt"
	"math/bits"

	"github.com/stakesim/stakesim/consensus"
)

// groups.csv: one row per (epoch, branch, group), built with the epoch's
// EpochRows from the same boundary post-state (makeRow) and written with
// them (flush), so the two files agree and the settling epoch has none.

// groupAcc gathers one group's figures in the single pass over a branch's
// validators.
type groupAcc struct {
	validators, active, slashed, exited uint64
	balance, effective, score           uint64 // sums
	minBal, maxBal                      uint64
}

// groupRows builds the groups.csv rows of one branch at epoch from its
// state st (the boundary post-state, as the branch's EpochRow), in
// scenario group order, in one pass over the validators.
func (r *reporter) groupRows(epoch consensus.Epoch, branch string, st *consensus.State) []GroupRow {
	e := r.e
	accs := make([]groupAcc, len(e.sc.Groups))
	for i := range st.Validators {
		if i >= len(e.groupOfVal) {
			continue // no group: not a validator the scenario planned
		}
		a := &accs[e.groupOfVal[i]]
		v := &st.Validators[i]
		bal := uint64(st.Balances[i])
		if a.validators == 0 || bal < a.minBal {
			a.minBal = bal
		}
		a.maxBal = max(a.maxBal, bal)
		a.validators++
		if consensus.IsActiveValidator(v, epoch) {
			a.active++
		}
		if v.Slashed {
			a.slashed++
		}
		if exitedBy(v, epoch) {
			a.exited++
		}
		a.balance += bal
		a.effective += uint64(v.EffectiveBalance)
		a.score += st.InactivityScores[i]
	}
	rows := make([]GroupRow, len(accs))
	for gi := range accs {
		a := &accs[gi]
		rows[gi] = GroupRow{
			Epoch: uint64(epoch), Branch: branch, Group: e.sc.Groups[gi].Name,
			Validators: a.validators, Active: a.active, Slashed: a.slashed, Exited: a.exited,
			BalanceMinGwei: a.minBal, BalanceMaxGwei: a.maxBal,
		}
		if a.validators > 0 {
			rows[gi].BalanceMeanGwei = a.balance / a.validators
			rows[gi].EffectiveBalanceMeanGwei = a.effective / a.validators
			rows[gi].InactivityScoreMeanPPM = millionthsOf(a.score, a.validators)
		}
	}
	return rows
}

// millionthsOf returns floor(sum * 10^6 / n) for n > 0, saturating at the
// largest uint64 (a 128-bit product: no overflow below that).
func millionthsOf(sum, n uint64) uint64 {
	hi, lo := bits.Mul64(sum, 1_000_000)
	if hi >= n {
		return ^uint64(0)
	}
	q, _ := bits.Div64(hi, lo, n)
	return q
}

// writeGroups sends a reported row's groups.csv rows, right after it.
func (r *reporter) writeGroups(p *pendingRow) error {
	if r.groupSink == nil {
		return nil
	}
	for _, g := range p.groups {
		if err := r.groupSink.Group(g); err != nil {
			return fmt.Errorf("sim: writing the groups.csv row of group %s, epoch %d: %w", g.Group, g.Epoch, err)
		}
	}
	return nil
}
