package narrate

import (
	"testing"

	"github.com/stakesim/stakesim/sim"
)

// TestReorgTextProposer: honest proposers' re-orgs of late blocks follow
// the views' reorgs, and stand alone when the views saw none.
func TestReorgTextProposer(t *testing.T) {
	for _, tc := range []struct {
		r    sim.ReorgSummary
		want string
	}{
		{sim.ReorgSummary{}, ""},
		{sim.ReorgSummary{Count: 9, MaxDepth: 1, Proposer: 8}, "the views saw 9 reorgs, the deepest of depth 1; honest proposers built over 8 late blocks"},
		{sim.ReorgSummary{Count: 1, MaxDepth: 1}, "the views saw 1 reorg, of depth 1"},
		{sim.ReorgSummary{Proposer: 1}, "honest proposers built over 1 late block"},
	} {
		if got := ReorgText(&sim.Summary{Reorgs: tc.r}); got != tc.want {
			t.Errorf("ReorgText(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}
