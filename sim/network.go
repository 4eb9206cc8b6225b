package sim

import (
	"github.com/stakesim/stakesim/scenarios"
)

// delayModel draws per-message delays from the scenario's distribution.
type delayModel struct {
	d scenarios.Delay
}

// draw returns one delay in milliseconds.
func (m delayModel) draw(g *RNG) uint64 {
	switch m.d.Dist {
	case "uniform":
		if m.d.MaxMs <= m.d.MinMs {
			return m.d.MinMs
		}
		return m.d.MinMs + g.IntN(m.d.MaxMs-m.d.MinMs+1)
	case "normal":
		return g.Normal(m.d.MeanMs, m.d.StddevMs)
	case "exponential":
		return g.Exponential(m.d.MeanMs)
	default: // fixed
		return m.d.Ms
	}
}

// partitionSchedule answers which view groups can reach each other at an
// epoch. Views are the finest grouping of validator groups implied by all
// partitions of the scenario (with no partition there is one view, "main").
type partitionSchedule struct {
	parts []scenarios.Partition
	// side[p][view] is the partition group index of view in partition p.
	side [][]int
}

// active returns the index of the partition in force at epoch, or -1.
func (s *partitionSchedule) active(epoch uint64) int {
	for i, p := range s.parts {
		if epoch >= p.StartEpoch && epoch < p.EndEpoch {
			return i
		}
	}
	return -1
}

// connected reports whether a message from view a reaches view b at epoch.
func (s *partitionSchedule) connected(epoch uint64, a, b int) bool {
	if a == b {
		return true
	}
	p := s.active(epoch)
	if p < 0 {
		return true
	}
	sa, sb := s.side[p][a], s.side[p][b]
	return sa == sb || sa == bridgeSide || sb == bridgeSide
}
