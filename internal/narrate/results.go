package narrate

import (
	"fmt"
	"strings"

	"github.com/stakesim/stakesim/sim"
)

// The key results of a run, each phrased once from summary.json's fields:
// the closing paragraph of the story (Finish) and the summary that
// "stakesim run" prints both use these, so the two never disagree on a
// figure. Each returns "" when its result does not apply to the run.

// RunLengthText is the run's length: "538 epochs", or "interrupted after
// 100 of 538 epochs" for a run stopped early.
func RunLengthText(s *sim.Summary) string {
	if s.Interrupted {
		return fmt.Sprintf("interrupted after %d of %d epochs", s.CompletedEpochs, s.Epochs)
	}
	return plural(s.Epochs, "epoch", "epochs")
}

// StallText is the summary's finality stall: when it began and ended and
// its length, sim.FinalityStall's (the epochs from finality_stalled_at_epoch
// to finality_resumed_epoch, or to the end of the run).
func StallText(s *sim.Summary) string {
	st, ok := s.FinalityStall()
	switch {
	case !ok:
		return ""
	case st.Resumed:
		return fmt.Sprintf("finality stalled at epoch %d and resumed at epoch %d, after %s without finality",
			st.Since, st.Until, plural(st.Epochs, "epoch", "epochs"))
	}
	return fmt.Sprintf("finality stalled at epoch %d and has not resumed by the end (%s without finality)",
		st.Since, plural(st.Epochs, "epoch", "epochs"))
}

// ConflictText is the run's first conflicting finalization, with the share
// of stake that was slashable.
func ConflictText(s *sim.Summary) string {
	c := s.ConflictingFinalization
	if c == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "branches %s and %s finalized conflicting checkpoints (%s and %s) at epoch %d", c.BranchA, c.BranchB, c.CheckpointA, c.CheckpointB, c.Epoch)
	if s.SlashableFractionAtConflict != nil {
		fmt.Fprintf(&b, "; %s of stake (%s) was slashable", Percent(*s.SlashableFractionAtConflict), eth(c.SlashableGwei))
	}
	if c.Cause != "" {
		fmt.Fprintf(&b, " (cause: %s)", strings.ReplaceAll(c.Cause, "_", " "))
	}
	return b.String()
}

// ReorgText counts the views' reorgs and gives the deepest, then the
// late blocks honest proposers re-orged on purpose (get_proposer_head).
func ReorgText(s *sim.Summary) string {
	var out string
	switch r := s.Reorgs; {
	case r.Count == 1:
		out = fmt.Sprintf("the views saw 1 reorg, of depth %d", r.MaxDepth)
	case r.Count > 1:
		out = fmt.Sprintf("the views saw %d reorgs, the deepest of depth %d", r.Count, r.MaxDepth)
	}
	if p := s.Reorgs.Proposer; p > 0 {
		if out != "" {
			out += "; "
		}
		out += "honest proposers built over " + plural(p, "late block", "late blocks")
	}
	return out
}

// ConsolidationText is what the consolidation requests did, when any was
// sent.
func ConsolidationText(s *sim.Summary) string {
	if s.ConsolidationsRequested == 0 && s.SwitchesRequested == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s requested", plural(s.ConsolidationsRequested, "consolidation", "consolidations"))
	if s.SwitchesRequested > 0 {
		fmt.Fprintf(&b, " (and %s to compounding)", plural(s.SwitchesRequested, "switch", "switches"))
	}
	fmt.Fprintf(&b, ", %d accepted, %d completed", s.ConsolidationsAccepted, s.ConsolidationsCompleted)
	if f, l := s.FirstConsolidationRequestEpoch, s.LastConsolidationEpoch; f != nil && l != nil {
		fmt.Fprintf(&b, " between epoch %d (the first request) and epoch %d (the last balance moved)", *f, *l)
		if d := s.ConsolidationEpochs; d != nil {
			fmt.Fprintf(&b, ", %s", plural(*d, "epoch", "epochs"))
		}
	}
	fmt.Fprintf(&b, "; active validators %d at the start, %d at the end", s.ValidatorsAtStart, s.ValidatorsAtEnd)
	return b.String()
}

// CrossingsText lists the summary branch's Byzantine-share crossings of
// 1/3, 1/2 and 2/3, with the share at each.
func CrossingsText(s *sim.Summary) string {
	if len(s.ByzantineCrossings) == 0 {
		return ""
	}
	// Crossings of several thresholds at once (the same epoch, direction
	// and share) make one part: "rose above 1/3, 1/2 and 2/3 at epoch 0".
	var parts []string
	cs := s.ByzantineCrossings
	for i := 0; i < len(cs); {
		c := cs[i]
		thresholds := []string{c.Threshold}
		j := i + 1
		for ; j < len(cs) && cs[j].Epoch == c.Epoch && cs[j].Direction == c.Direction && cs[j].Share == c.Share; j++ {
			thresholds = append(thresholds, cs[j].Threshold)
		}
		if c.Direction == "down" {
			parts = append(parts, fmt.Sprintf("fell to %s or below at epoch %d (%s)", andList(thresholds), c.Epoch, Percent(c.Share)))
		} else {
			parts = append(parts, fmt.Sprintf("rose above %s at epoch %d (%s)", andList(thresholds), c.Epoch, Percent(c.Share)))
		}
		i = j
	}
	return "Ethereum's Byzantine share " + strings.Join(parts, ", then ")
}
