package sim

import (
	"sort"

	"github.com/stakesim/stakesim/agents"
)

type job struct {
	view   *agents.SlotView
	duties *agents.Duties
}

// runEpochPhase hands the economic agents with duties their epoch duty
// (the view is nil) and waits for all of them: the same barrier as the
// slot phases. It returns their results by agent id, in id order, and
// clears them.
func (e *Engine) runEpochPhase(duties map[int]*agents.Duties) map[int]agents.Actions {
	ids := e.runPhase(nil, duties, false)
	out := make(map[int]agents.Actions, len(ids))
	for _, id := range ids {
		out[id] = e.results[id]
		e.results[id] = agents.Actions{}
	}
	return out
}

// Start launches one goroutine per agent.
func (e *Engine) Start() {
	e.workers = make([]chan job, len(e.agents))
	for i, a := range e.agents {
		ch := make(chan job, 1)
		e.workers[i] = ch
		go func(id int, a agents.Agent, in <-chan job) {
			for j := range in {
				e.results[id] = a.Act(j.view, j.duties)
				e.wg.Done()
			}
		}(i, a, ch)
	}
}

// Stop ends the agent goroutines.
func (e *Engine) Stop() {
	for _, ch := range e.workers {
		close(ch)
	}
}

// runPhase hands every agent with duties its view and waits for all of
// them (the slot barrier). Results land in e.results by agent id. The wall
// time goes to timing's agents phase, or to signing for the attestation
// phase in full BLS mode, where agents do little but sign.
func (e *Engine) runPhase(views []*agents.SlotView, duties map[int]*agents.Duties, signing bool) []int {
	ids := make([]int, 0, len(duties))
	for id := range duties {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	start := e.now()
	e.wg.Add(len(ids))
	for _, id := range ids {
		var v *agents.SlotView
		if views != nil {
			v = views[e.viewOfAgent[id]]
		}
		e.workers[id] <- job{view: v, duties: duties[id]}
	}
	e.wg.Wait()
	if signing {
		e.timing.SigningSeconds += e.since(start).Seconds()
	} else {
		e.timing.AgentsSeconds += e.since(start).Seconds()
	}
	return ids
}

// dutiesOf returns the agent's entry in a phase's duty table, creating it.
func dutiesOf(duties map[int]*agents.Duties, agent int) *agents.Duties {
	d := duties[agent]
	if d == nil {
		d = &agents.Duties{}
		duties[agent] = d
	}
	return d
}
