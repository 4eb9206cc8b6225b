// Package narrate tells the story of a run in plain words while it runs:
// "epoch 15: no checkpoint finalized for 5 epochs; the inactivity leak
// begins." It is what "stakesim run --narrate" prints.
//
// # Using it
//
// Wrap the run's sink in a Narrator, run, then finish it:
//
//	n := narrate.New(os.Stdout, writer, sc)
//	res, err := sim.Run(ctx, sc, n, opts)
//	if err != nil {
//		n.Flush() // the story so far
//		return err
//	}
//	return n.Finish(&res.Summary) // the rest of the story and a closing paragraph
//
// A Narrator forwards every row and event to the next sink unchanged and
// prints a line only when something changes for good:
//
//   - the first finality; finality stalling and resuming, by the rule of
//     summary.json's finality_stalled_at_epoch (sim.FinalityWatch): a stall
//     is told at its first epoch if finality does not advance in the two
//     epochs after it either, and its end with its length, the one
//     sim.FinalityStall defines (the epoch finality resumed minus the
//     stall's first); the inactivity leak starting and ending;
//   - partitions starting and healing; branches splitting and merging, when
//     the new set of branches lasts at least 3 epochs;
//   - target participation moving by 10 points or across two thirds, when
//     the next epoch confirms it;
//   - attacker stake crossing one third, one half or two thirds;
//   - a coalition starting to withhold blocks, and releasing them;
//   - reorgs: the first epoch of a run of them in full, then a count every
//     10 epochs and when they stop; rejected blocks;
//   - the first slashing evidence of each offence; slashings and ejections,
//     counted per epoch;
//   - conflicting finalization.
//
// An epoch in which every checkpoint is justified and finalized on time
// prints nothing.
//
// # Order and timing
//
// The engine sends the rows of epoch e after the events of epoch e+1
// (participation is final one epoch late). A Narrator keeps what it
// receives per epoch and tells epoch e only when a row of epoch e+3 arrives
// (or at Flush and Finish): its lines are then in epoch order, each line
// can use the events and the rows of its epoch, and a change can be
// checked against the two epochs after it. Lines carry the epoch they are
// about and never a wall-clock time: the same run prints the same story.
//
// # Branches
//
// Rows come one per branch. A line about one branch says which, "epoch 9
// (branch a): ...", unless the same line holds for every branch of the
// epoch, in which case it is printed once without a branch. When a new
// branch label appears, the Narrator continues the story of the branch of
// the previous epoch that shares a view group with it, so a split or a merge
// does not retell the first finality or a stall.
package narrate

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

const (
	ppmOne = 1_000_000
	// participationStepPPM is the change in target participation (10
	// percentage points) since the last one told that is worth a line, if
	// the next epoch confirms it (stays within participationNoisePPM and on
	// the same side of two thirds). Crossing two thirds is always news.
	participationStepPPM  = 100_000
	participationNoisePPM = 50_000
	// A run of reorgs with gaps of at most reorgGapEpochs is one episode:
	// its first epoch is told, then a count every reorgSummaryEpochs.
	reorgGapEpochs     = 3
	reorgSummaryEpochs = 10
	// lookaheadEpochs is how many later epochs are received before an
	// epoch is told, so that a change can be told only if it lasts.
	lookaheadEpochs = 2
	// stallLagEpochs: before finality has started (no stall by the
	// summary's rule), a finalized checkpoint still at genesis more than
	// this many epochs in is worth a line. With every vote in time the
	// chain first finalizes at epoch 3.
	stallLagEpochs = 3
	// maxDetailLen bounds an error message quoted from an event.
	maxDetailLen = 120
	// Width is the column at which Finish wraps its closing paragraph.
	Width = 80
)

// Line priorities: the order of the lines of one epoch.
const (
	prioIntro = iota * 10
	prioPartition
	prioBranches
	prioWithheld
	prioReorg
	prioFinality
	prioLeak
	prioShare
	prioDetected
	prioSlashed
	prioEjected
	prioConflict
	prioRestaking
)

// Narrator is a sim.Sink that forwards everything to the next sink and
// writes the run's story to its writer. It is not safe for concurrent use;
// the engine calls a sink from one goroutine.
type Narrator struct {
	w    io.Writer
	next sim.Sink
	err  error // the first write error

	attackers   bool              // the scenario has a coalition (or a row showed attacker stake)
	coalitionOf map[string]string // validator group -> coalition ("" honest)
	coalitions  []string          // sorted coalition names

	pending map[uint64]*epochNews

	started       bool                    // the first row has been told
	finalizedOnce bool                    // some branch has finalized past genesis
	finalizedNow  bool                    // ... in the epoch being told
	labels        []string                // branches of the last epoch told that had rows
	branches      map[string]*branchState // by label, for the branches in labels
	toldLabels    []string                // the branches last told about
	slashedOnce   bool                    // a slashing has been told
	offences      map[string]bool         // offences whose first detection was told
	withholding   map[string]bool         // coalition -> a withholding episode has been told and not yet released
	proposerReorg map[string]bool         // view -> its first honest proposer re-org has been told
	reorgs        *reorgEpisode           // the current run of reorgs, nil when there is none
}

var (
	_ sim.Sink    = (*Narrator)(nil)
	_ sim.AVSSink = (*Narrator)(nil)
)

// branchState is what the Narrator remembers about one branch.
type branchState struct {
	finalized uint64
	// watch follows the branch's stalls by the rule of summary.json's
	// finality_stalled_at_epoch and finality_resumed_epoch, so that a stall
	// told has the summary's first epoch and length; stallTold: the stall
	// in progress was told (it lasted), so its end is told too.
	watch      sim.FinalityWatch
	stallTold  bool
	waitTold   bool   // "no checkpoint finalized yet" was told
	level      int    // attacker share: 0 below 1/3, 1 above 1/3, 2 above 1/2, 3 above 2/3
	partPPM    uint64 // target participation last told (or first seen)
	hasPart    bool
	leakStart  uint64
	leakKnown  bool
	slashedCum uint64
}

// epochNews is everything received about one epoch, kept until it is told.
// Validators are counted, not kept, so an epoch costs memory in proportion
// to its branches, views and coalitions, not to its validators.
type epochNews struct {
	rows       []sim.EpochRow
	partitions []item
	withheld   map[string]uint64 // coalition -> blocks
	released   map[string]*release
	reorgs     map[string]*reorgTally // view ->
	rejected   map[string]*rejectTally
	proposerRe map[string]uint64 // view -> honest proposer re-orgs (get_proposer_head)
	leaks      []leakNote
	detected   map[detectKey]uint64 // -> validators
	slashed    map[string]*tally    // branch ->
	ejected    map[string]*tally
	conflicts  []sim.Event
	restaking  []item                // restaking and Byzantine-share lines, in event order
	economics  []item                // liquid staking and market lines, in event order (economics.go)
	lending    map[string]*venueNews // venue -> liquidations and bad debt (economics.go)
}

type release struct {
	blocks, votes uint64
	counted       bool // an event had the counts (details)
	to            []string
}

type reorgTally struct{ count, maxDepth uint64 }

// reorgEpisode is a run of epochs with reorgs. Its first epoch is told in
// full; the later reorgs are counted and told every reorgSummaryEpochs and
// when the episode ends.
type reorgEpisode struct {
	last   uint64 // last epoch with a reorg
	toldAt uint64 // epoch of the last line about the episode
	since  uint64 // first epoch counted in the tally below
	tally  reorgTally
	views  []string
}

type rejectTally struct {
	count uint64
	first string
}

type leakNote struct {
	branch    string
	started   bool
	finalized uint64
	hasFinal  bool
}

type detectKey struct{ offence, view string }

type tally struct {
	attackers, honest uint64
	maxBalanceGwei    uint64
	hasBalance        bool
}

// item is one line of an epoch before branch qualifiers are added.
type item struct {
	prio   int
	branch string // "" for a line about the whole run
	text   string
}

// New returns a Narrator that writes to w and forwards to next (which may
// be nil). sc, which may be nil, names the coalitions and tells which
// validator groups are attackers.
func New(w io.Writer, next sim.Sink, sc *scenarios.Scenario) *Narrator {
	n := &Narrator{
		w: w, next: next,
		coalitionOf:   map[string]string{},
		pending:       map[uint64]*epochNews{},
		branches:      map[string]*branchState{},
		offences:      map[string]bool{},
		withholding:   map[string]bool{},
		proposerReorg: map[string]bool{},
	}
	if sc != nil {
		seen := map[string]bool{}
		for _, g := range sc.Groups {
			n.coalitionOf[g.Name] = g.Coalition
			if g.Coalition != "" && !seen[g.Coalition] {
				seen[g.Coalition] = true
				n.coalitions = append(n.coalitions, g.Coalition)
			}
		}
		sort.Strings(n.coalitions)
		n.attackers = len(n.coalitions) > 0
	}
	return n
}

// Epoch forwards row to the next sink, then tells every epoch whose rows
// and those of the lookaheadEpochs after it are complete.
func (n *Narrator) Epoch(row sim.EpochRow) error {
	if n.next != nil {
		if err := n.next.Epoch(row); err != nil {
			return err
		}
	}
	if row.Epoch > lookaheadEpochs {
		n.tellBefore(row.Epoch - lookaheadEpochs)
	}
	en := n.news(row.Epoch)
	en.rows = append(en.rows, row)
	return nil
}

// AVS forwards an avs.csv row to the next sink when that sink takes them
// (sim.AVSSink); the story does not use them.
func (n *Narrator) AVS(row sim.AVSRow) error {
	if next, ok := n.next.(sim.AVSSink); ok {
		return next.AVS(row)
	}
	return nil
}

// Group forwards a groups.csv row to the next sink when that sink takes
// them (sim.GroupSink); the story does not use them.
func (n *Narrator) Group(row sim.GroupRow) error {
	if next, ok := n.next.(sim.GroupSink); ok {
		return next.Group(row)
	}
	return nil
}

// Block forwards a blocks.csv row to the next sink when that sink takes
// them (sim.BlockSink); the story does not use them.
func (n *Narrator) Block(row sim.BlockRow) error {
	if next, ok := n.next.(sim.BlockSink); ok {
		return next.Block(row)
	}
	return nil
}

// EndEpoch forwards the end of an epoch to the next sink when that sink
// wants it (sim.EpochEnder: the output writer then flushes its files).
func (n *Narrator) EndEpoch(epoch uint64) error {
	if next, ok := n.next.(sim.EpochEnder); ok {
		return next.EndEpoch(epoch)
	}
	return nil
}

// Event forwards ev to the next sink and records it for its epoch's story.
func (n *Narrator) Event(ev sim.Event) error {
	var err error
	if n.next != nil {
		err = n.next.Event(ev)
	}
	n.record(ev)
	return err
}

// Flush tells every epoch received so far and returns the first error met
// writing the story.
func (n *Narrator) Flush() error {
	n.tellPending(func(uint64) bool { return true })
	if ep := n.reorgs; ep != nil && ep.tally.count > 0 {
		n.printf("epoch %d: %s.\n", ep.last, ep.countText())
		ep.toldAt, ep.since, ep.tally, ep.views = ep.last, ep.last+1, reorgTally{}, nil
	}
	return n.err
}

// Finish tells the rest of the story and ends it with a paragraph on the
// run as a whole, from s: finality, conflicting finalization, slashings,
// honest validators' balances, reorgs, consolidations, Byzantine-share
// crossings and restaking. The key results are phrased by the functions of
// results.go, which the run summary uses too, so the two agree. It returns
// the first error met writing the story.
func (n *Narrator) Finish(s *sim.Summary) error {
	n.Flush()
	if s != nil {
		n.printf("\n%s", Wrap(n.closing(s), Width, ""))
	}
	return n.err
}

func (n *Narrator) printf(format string, args ...any) {
	if n.err != nil {
		return
	}
	_, n.err = fmt.Fprintf(n.w, format, args...)
}

func (n *Narrator) news(epoch uint64) *epochNews {
	en := n.pending[epoch]
	if en == nil {
		en = &epochNews{
			withheld:   map[string]uint64{},
			released:   map[string]*release{},
			reorgs:     map[string]*reorgTally{},
			rejected:   map[string]*rejectTally{},
			proposerRe: map[string]uint64{},
			detected:   map[detectKey]uint64{},
			slashed:    map[string]*tally{},
			ejected:    map[string]*tally{},
			lending:    map[string]*venueNews{},
		}
		n.pending[epoch] = en
	}
	return en
}

// tellBefore tells, in epoch order, every pending epoch below epoch.
func (n *Narrator) tellBefore(epoch uint64) {
	n.tellPending(func(e uint64) bool { return e < epoch })
}

// tellPending tells, in epoch order, the pending epochs that due selects.
func (n *Narrator) tellPending(due func(uint64) bool) {
	var epochs []uint64
	for e := range n.pending {
		if due(e) {
			epochs = append(epochs, e)
		}
	}
	sort.Slice(epochs, func(i, j int) bool { return epochs[i] < epochs[j] })
	for _, e := range epochs {
		n.tell(e, n.pending[e])
		delete(n.pending, e)
	}
}

// record files an event under its epoch.
func (n *Narrator) record(ev sim.Event) {
	en := n.news(ev.Epoch)
	switch ev.Kind {
	case sim.EventPartitionStarted, sim.EventPartitionHealed:
		en.partitions = append(en.partitions, item{prioPartition, "", partitionText(ev)})
	case sim.EventBlockWithheld:
		en.withheld[n.coalitionOfEvent(ev)]++
	case sim.EventBlocksReleased:
		en.recordRelease(n.coalitionOfEvent(ev), ev)
	case sim.EventReorg:
		en.recordReorg(ev)
	case sim.EventProposerReorg:
		en.proposerRe[firstNonEmpty(ev.Branch, "?")]++
	case sim.EventBlockRejected:
		en.recordRejected(ev)
	case sim.EventLeakStarted, sim.EventLeakEnded:
		en.leaks = append(en.leaks, leakNoteOf(ev))
	case sim.EventSlashingDetected:
		en.recordDetected(ev)
	case sim.EventSlashed, sim.EventEjected:
		n.recordSlashed(en, ev)
	case sim.EventConflictingFinalization:
		en.conflicts = append(en.conflicts, ev)
	case sim.EventByzantineShareCrossed, sim.EventAVSCompromised, sim.EventRestakingSlashed,
		sim.EventStakerWithdrawalQueued, sim.EventRestakingExitsRequested:
		if text := restakingText(ev); text != "" {
			en.restaking = append(en.restaking, item{prioRestaking, "", text})
		}
	case sim.EventLiquidation, sim.EventBadDebt:
		en.recordLending(ev)
	default:
		if text := economicsText(ev); text != "" {
			en.economics = append(en.economics, item{prioRestaking, "", text})
		}
	}
	// justified and finalized are told from the rows; exited follows a
	// slashing or an ejection already told.
}

// partitionText is the line of a partition starting or healing.
func partitionText(ev sim.Event) string {
	if ev.Kind == sim.EventPartitionHealed {
		d, _ := ev.Details.(sim.PartitionHealedDetails)
		text := "the partition"
		if name := d.Partition; name != "" {
			text = "partition " + name
		}
		return text + " heals; the views exchange blocks and votes again."
	}
	d, _ := ev.Details.(sim.PartitionStartedDetails)
	text := "the network splits"
	if name := d.Partition; name != "" {
		text += " (partition " + name + ")"
	}
	if groups := d.Groups; len(groups) > 1 {
		text += ": view groups " + strings.Join(groups, " | ") + " no longer hear each other"
	}
	return text + "."
}

// recordRelease adds a coalition's release of withheld blocks and votes.
func (en *epochNews) recordRelease(c string, ev sim.Event) {
	r := en.released[c]
	if r == nil {
		r = &release{}
		en.released[c] = r
	}
	d, ok := ev.Details.(sim.BlocksReleasedDetails)
	if ok {
		r.blocks += d.Blocks
		r.votes += d.Votes
		r.counted = true
	}
	for _, to := range d.To {
		if !contains(r.to, to) {
			r.to = append(r.to, to)
		}
	}
}

// recordReorg counts a view's reorg and its depth.
func (en *epochNews) recordReorg(ev sim.Event) {
	d, _ := ev.Details.(sim.ReorgDetails)
	view := firstNonEmpty(d.View, ev.Branch, "?")
	t := en.reorgs[view]
	if t == nil {
		t = &reorgTally{}
		en.reorgs[view] = t
	}
	t.count++
	t.maxDepth = max(t.maxDepth, d.Depth)
}

// recordRejected counts a view's rejected blocks, keeping the first error.
func (en *epochNews) recordRejected(ev sim.Event) {
	d, _ := ev.Details.(sim.BlockRejectedDetails)
	view := firstNonEmpty(ev.Branch, "?")
	t := en.rejected[view]
	if t == nil {
		t = &rejectTally{first: d.Error}
		en.rejected[view] = t
	}
	t.count++
}

// leakNoteOf is the note of an inactivity leak starting or ending.
func leakNoteOf(ev sim.Event) leakNote {
	var f uint64
	var ok bool
	switch d := ev.Details.(type) {
	case sim.LeakStartedDetails:
		f, ok = d.FinalizedEpoch, true
	case sim.LeakEndedDetails:
		f, ok = d.FinalizedEpoch, true
	}
	return leakNote{branch: ev.Branch, started: ev.Kind == sim.EventLeakStarted, finalized: f, hasFinal: ok}
}

// recordDetected counts the validators a slasher found, by offence and view.
func (en *epochNews) recordDetected(ev sim.Event) {
	d, ok := ev.Details.(sim.SlashingDetectedDetails)
	k := detectKey{
		offence: firstNonEmpty(d.Offence, "offence"),
		view:    firstNonEmpty(d.Slasher, ev.Branch),
	}
	v := d.Validators
	if !ok {
		v = 1
	}
	en.detected[k] += v
}

// recordSlashed counts a slashed or ejected validator on its branch, as an
// attacker or honest.
func (n *Narrator) recordSlashed(en *epochNews, ev sim.Event) {
	m := en.slashed
	if ev.Kind == sim.EventEjected {
		m = en.ejected
	}
	t := m[ev.Branch]
	if t == nil {
		t = &tally{}
		m[ev.Branch] = t
	}
	var group string
	switch d := ev.Details.(type) {
	case sim.SlashedDetails:
		group = d.Group
	case sim.EjectedDetails:
		group = d.Group
		t.hasBalance = true
		t.maxBalanceGwei = max(t.maxBalanceGwei, d.BalanceGwei)
	}
	if n.coalitionOf[group] != "" {
		t.attackers++
	} else {
		t.honest++
	}
}

// coalitionOfEvent names the coalition that withheld or released blocks:
// the event's branch (the engine gives a coalition's view its coalition's
// name), else the scenario's only coalition; "" when unknown.
func (n *Narrator) coalitionOfEvent(ev sim.Event) string {
	if contains(n.coalitions, ev.Branch) {
		return ev.Branch
	}
	if len(n.coalitions) == 1 {
		return n.coalitions[0]
	}
	return ""
}

// tell prints the lines of one epoch.
func (n *Narrator) tell(epoch uint64, en *epochNews) {
	var items []item
	add := func(prio int, branch, text string) { items = append(items, item{prio, branch, text}) }
	items = append(items, en.partitions...)
	items = append(items, en.restaking...)
	items = append(items, en.economics...)
	labels := n.tellBranches(epoch, en, add, &items)
	n.tellWithholding(en, add)
	n.tellReorgs(epoch, en, add)
	n.tellRejectedAndProposerReorgs(en, add)
	n.tellLeaks(epoch, en, add)
	n.tellDetections(en, add)
	n.tellSlashed(en, add)
	n.tellEjected(en, add)
	tellLending(en, add)
	for _, ev := range en.conflicts {
		add(prioConflict, "", conflictText(ev))
	}
	n.printItems(epoch, labels, items)
}

// tellBranches continues each branch's story from the epoch's rows and
// says when the branches change for good; it returns the labels to print
// the epoch's lines with.
func (n *Narrator) tellBranches(epoch uint64, en *epochNews, add func(int, string, string), items *[]item) []string {
	labels := n.labels
	// Branches: continue each branch's story, and say when they change
	// for good (views that disagree for an epoch or two are not news).
	if len(en.rows) > 0 {
		labels = rowLabels(en.rows)
		if !n.started {
			n.toldLabels = labels
		} else if !sameStrings(labels, n.toldLabels) && n.lasts(epoch, labels) {
			add(prioBranches, "", n.branchChange(n.toldLabels, en.rows))
			n.toldLabels = labels
		}
		states := make(map[string]*branchState, len(en.rows))
		for _, r := range en.rows {
			st := n.branches[r.Branch]
			if st == nil {
				st = n.inherit(r)
			}
			states[r.Branch] = st
		}
		if !n.started && n.attackers {
			for _, r := range en.rows {
				if r.AttackerStakeSharePPM > 0 {
					add(prioIntro, r.Branch, fmt.Sprintf("%s hold %s of active stake.", n.attackerNames(), PercentPPM(r.AttackerStakeSharePPM)))
				}
			}
		}
		for _, r := range en.rows {
			*items = append(*items, n.tellRow(r, states[r.Branch], n.nextRow(epoch, r.Branch))...)
		}
		n.finalizedOnce = n.finalizedOnce || n.finalizedNow
		n.branches = states
		n.labels = labels
		n.started = true
	}
	return labels
}

// tellWithholding tells coalitions starting to withhold blocks and releasing them.
func (n *Narrator) tellWithholding(en *epochNews, add func(int, string, string)) {
	for _, c := range sortedKeys(en.withheld) {
		if !n.withholding[c] {
			add(prioWithheld, "", fmt.Sprintf("%s starts withholding its blocks (%s this epoch).", coalitionName(c), plural(en.withheld[c], "block", "blocks")))
			n.withholding[c] = true
		}
	}
	for _, c := range sortedKeys(en.released) {
		r := en.released[c]
		what := "the blocks and votes it withheld"
		if r.counted {
			what = fmt.Sprintf("%s and %s it withheld", plural(r.blocks, "block", "blocks"), plural(r.votes, "vote", "votes"))
		}
		text := fmt.Sprintf("%s releases %s", coalitionName(c), what)
		if len(r.to) > 0 {
			text += " to " + andList(r.to)
		}
		add(prioWithheld, "", text+".")
		n.withholding[c] = false
	}

}

// tellRejectedAndProposerReorgs tells the blocks views rejected and the
// first honest proposer re-org of late blocks in each view.
func (n *Narrator) tellRejectedAndProposerReorgs(en *epochNews, add func(int, string, string)) {
	for _, v := range sortedKeys(en.rejected) {
		t := en.rejected[v]
		text := fmt.Sprintf("view %s rejected %s", v, plural(t.count, "block", "blocks"))
		if t.first != "" {
			text += " (" + truncate(t.first, maxDetailLen) + ")"
		}
		add(prioReorg, "", text+".")
	}
	// Honest proposers' re-orgs of late blocks: the first in each view (the
	// summary counts them all).
	for _, v := range sortedKeys(en.proposerRe) {
		if !n.proposerReorg[v] {
			add(prioReorg, "", fmt.Sprintf("in view %s an honest proposer builds on the parent of a late, weakly voted head (get_proposer_head; %s this epoch).", v, plural(en.proposerRe[v], "re-org", "re-orgs")))
			n.proposerReorg[v] = true
		}
	}

}

// tellLeaks tells the inactivity leak starting and ending on each branch.
func (n *Narrator) tellLeaks(epoch uint64, en *epochNews, add func(int, string, string)) {
	for _, l := range en.leaks {
		st := n.branches[l.branch]
		// No lengths here: a stall's length is told once, when it ends
		// (tellRow), with the summary's definition.
		if l.started {
			text := "the inactivity leak begins, draining the stake of validators that do not vote"
			if l.hasFinal {
				text += fmt.Sprintf(" (the last finalized checkpoint is epoch %d)", l.finalized)
			}
			text += "."
			if n.attackers {
				if r, ok := rowOf(en.rows, l.branch); ok {
					text += fmt.Sprintf(" Attackers hold %s of active stake.", PercentPPM(r.AttackerStakeSharePPM))
				}
			}
			add(prioLeak, l.branch, text)
			if st != nil {
				st.leakStart, st.leakKnown = epoch, true
			}
			continue
		}
		text := "the inactivity leak ends"
		if l.hasFinal {
			text += fmt.Sprintf(" (finalized epoch %d)", l.finalized)
		}
		if st != nil && st.leakKnown && epoch >= st.leakStart {
			text += fmt.Sprintf("; it began at epoch %d", st.leakStart)
		}
		add(prioLeak, l.branch, text+".")
		if st != nil {
			st.leakKnown = false
		}
	}

}

// tellDetections tells the first evidence of each offence.
func (n *Narrator) tellDetections(en *epochNews, add func(int, string, string)) {
	var firsts []string
	for _, k := range sortedDetectKeys(en.detected) {
		if n.offences[k.offence] {
			continue
		}
		if !contains(firsts, k.offence) {
			firsts = append(firsts, k.offence)
		}
		who := "a slasher"
		if k.view != "" {
			who = "slasher on " + k.view
		}
		add(prioDetected, "", fmt.Sprintf("%s found %s by %s.", who, offenceName(k.offence), plural(en.detected[k], "validator", "validators")))
	}
	for _, o := range firsts {
		n.offences[o] = true
	}
}

// tellEjected tells the validators ejected on each branch.
func (n *Narrator) tellEjected(en *epochNews, add func(int, string, string)) {
	for _, b := range sortedKeys(en.ejected) {
		t := en.ejected[b]
		text := n.whoCount(t) + " ejected: their effective balance fell to the ejection balance"
		if t.hasBalance {
			text += fmt.Sprintf(" (balances at most %s)", eth(t.maxBalanceGwei))
		}
		add(prioEjected, b, text+".")
	}

}

// tellSlashed tells the slashings of an epoch: one line when every branch
// with slashings saw the same, else one line naming each branch.
func (n *Narrator) tellSlashed(en *epochNews, add func(int, string, string)) {
	if len(en.slashed) == 0 {
		return
	}
	type part struct{ branch, who, sofar string }
	var parts []part
	same := true
	for _, b := range sortedKeys(en.slashed) {
		t := en.slashed[b]
		p := part{branch: b, who: n.whoCount(t) + " slashed"}
		if st := n.branches[b]; st != nil && st.slashedCum > t.attackers+t.honest {
			p.sofar = fmt.Sprintf(" (%d so far)", st.slashedCum)
		}
		if len(parts) > 0 && (p.who != parts[0].who || p.sofar != parts[0].sofar) {
			same = false
		}
		parts = append(parts, p)
	}
	clause := ""
	if !n.slashedOnce {
		clause = "; a slashed validator loses a small part of its stake at once, more later in proportion to all the stake slashed around the same time, and is forced to exit"
		n.slashedOnce = true
	}
	if same {
		for _, p := range parts {
			add(prioSlashed, p.branch, p.who+p.sofar+clause+".")
		}
		return
	}
	var segs []string
	for _, p := range parts {
		segs = append(segs, p.who+" on branch "+p.branch+p.sofar)
	}
	add(prioSlashed, "", strings.Join(segs, "; ")+clause+".")
}

// tellReorgs tells the reorgs of epoch (see reorgEpisode).
func (n *Narrator) tellReorgs(epoch uint64, en *epochNews, add func(int, string, string)) {
	ep := n.reorgs
	if len(en.reorgs) == 0 {
		if ep != nil && epoch > ep.last+reorgGapEpochs {
			if ep.tally.count > 0 {
				add(prioReorg, "", "the reorgs stop: "+ep.countText()+".")
			}
			n.reorgs = nil
		}
		return
	}
	if ep == nil || epoch > ep.last+reorgGapEpochs {
		if ep != nil && ep.tally.count > 0 {
			add(prioReorg, "", ep.countText()+".")
		}
		n.reorgs = &reorgEpisode{last: epoch, toldAt: epoch, since: epoch + 1}
		// Views that saw the same are told together.
		byText := map[string][]string{}
		var texts []string
		for _, v := range sortedKeys(en.reorgs) {
			t := en.reorgs[v]
			text := fmt.Sprintf("%d reorgs, the deepest of depth %d,", t.count, t.maxDepth)
			if t.count == 1 {
				text = fmt.Sprintf("reorg of depth %d", t.maxDepth)
			}
			if byText[text] == nil {
				texts = append(texts, text)
			}
			byText[text] = append(byText[text], v)
		}
		for _, text := range texts {
			add(prioReorg, "", fmt.Sprintf("%s on %s.", text, viewsText(byText[text])))
		}
		return
	}
	ep.last = epoch
	for _, v := range sortedKeys(en.reorgs) {
		t := en.reorgs[v]
		ep.tally.count += t.count
		ep.tally.maxDepth = max(ep.tally.maxDepth, t.maxDepth)
		if !contains(ep.views, v) {
			ep.views = append(ep.views, v)
			sort.Strings(ep.views)
		}
	}
	if epoch >= ep.toldAt+reorgSummaryEpochs {
		add(prioReorg, "", ep.countText()+".")
		ep.toldAt, ep.since, ep.tally, ep.views = epoch, epoch+1, reorgTally{}, nil
	}
}

// countText counts the reorgs of an episode not told yet.
func (ep *reorgEpisode) countText() string {
	if ep.tally.count == 1 {
		return fmt.Sprintf("1 more reorg on %s since epoch %d, of depth %d", viewsText(ep.views), ep.since, ep.tally.maxDepth)
	}
	return fmt.Sprintf("%d more reorgs on %s since epoch %d, the deepest of depth %d", ep.tally.count, viewsText(ep.views), ep.since, ep.tally.maxDepth)
}

func viewsText(views []string) string {
	if len(views) == 1 {
		return "view " + views[0]
	}
	return "views " + andList(views)
}

// lasts reports whether the branches of the lookahead epochs after epoch
// are labels too (epochs not received yet, at the end of a run, count as
// lasting).
func (n *Narrator) lasts(epoch uint64, labels []string) bool {
	for e := epoch + 1; e <= epoch+lookaheadEpochs; e++ {
		if en := n.pending[e]; en != nil && len(en.rows) > 0 && !sameStrings(rowLabels(en.rows), labels) {
			return false
		}
	}
	return true
}

// nextRow returns branch's row of the epoch after epoch: nil when that
// epoch has no rows yet, an empty row of another epoch when it has rows
// but none of branch (the branch is gone, so nothing about it lasts).
func (n *Narrator) nextRow(epoch uint64, branch string) *sim.EpochRow {
	en := n.pending[epoch+1]
	if en == nil || len(en.rows) == 0 {
		return nil
	}
	if r, ok := rowOf(en.rows, branch); ok {
		return &r
	}
	gone := sim.EpochRow{Epoch: epoch + 1, TargetParticipationPPM: ^uint64(0) / 2}
	return &gone
}

func rowLabels(rows []sim.EpochRow) []string {
	labels := make([]string, len(rows))
	for i, r := range rows {
		labels[i] = r.Branch
	}
	return labels
}

// inherit starts the state of a branch label not seen in the previous epoch
// from the branch of that epoch that shares a view group with it,
// preferring one with the same finalized epoch; a branch with no such
// ancestor starts from its own row, silently.
func (n *Narrator) inherit(r sim.EpochRow) *branchState {
	views := strings.Split(r.Branch, "+")
	var parent *branchState
	for _, l := range n.labels {
		if !overlaps(views, strings.Split(l, "+")) {
			continue
		}
		st := n.branches[l]
		if parent == nil || (st.finalized == r.FinalizedEpoch && parent.finalized != r.FinalizedEpoch) {
			parent = st
		}
	}
	if parent != nil {
		c := *parent
		return &c
	}
	return &branchState{
		finalized:  r.FinalizedEpoch,
		level:      shareLevel(r.AttackerStakeSharePPM),
		slashedCum: r.SlashedValidators,
	}
}

// tellRow compares one branch's row with what the branch showed before and
// updates st. next is the branch's row of the next epoch, if received.
func (n *Narrator) tellRow(r sim.EpochRow, st *branchState, next *sim.EpochRow) []item {
	var items []item
	add := func(prio int, text string) { items = append(items, item{prio, r.Branch, text}) }
	if r.AttackerStakeSharePPM > 0 && !n.attackers {
		n.attackers = true
		st.level = shareLevel(r.AttackerStakeSharePPM)
	}

	// Finality. A stall is told at its first epoch (the summary's
	// finality_stalled_at_epoch), and only if it lasts: if finality does not
	// advance in the lookahead epochs either (a missed justification that
	// the next epoch makes up is not news). Its end is told with its length,
	// sim.FinalityStall's: the epochs from its first to the one at which
	// finality advanced again.
	stalledNow := false
	begins, resumed := st.watch.Row(r.Epoch, r.FinalizedEpoch)
	switch {
	case r.FinalizedEpoch > 0 && !n.finalizedOnce:
		n.finalizedNow = true
		add(prioFinality, fmt.Sprintf("the chain finalizes for the first time: the checkpoint of epoch %d is final.", r.FinalizedEpoch))
	case resumed && st.stallTold:
		stall, _ := st.watch.Last()
		text := fmt.Sprintf("finality resumes, ending a stall of %s that began at epoch %d: the checkpoint of epoch %d is final",
			plural(stall.Epochs, "epoch", "epochs"), stall.Since, r.FinalizedEpoch)
		if n.attackers {
			text += fmt.Sprintf("; attackers now hold %s of active stake", PercentPPM(r.AttackerStakeSharePPM))
		}
		add(prioFinality, text+".")
		st.stallTold = false
	case begins && !n.finalityAdvances(r):
		add(prioFinality, fmt.Sprintf("finality stalls: the last finalized checkpoint stays epoch %d; %s.", r.FinalizedEpoch, votedText(r)))
		st.stallTold = true
		stalledNow = true
	case !n.finalizedOnce && !st.waitTold && r.FinalizedEpoch == 0 && r.Epoch > stallLagEpochs && !n.finalityAdvances(r):
		// Finality has not started: no stall (the summary's rule), but
		// news all the same.
		add(prioFinality, fmt.Sprintf("no checkpoint has been finalized yet; %s.", votedText(r)))
		st.waitTold = true
		stalledNow = true
	}
	if r.FinalizedEpoch > st.finalized {
		st.finalized = r.FinalizedEpoch
	}

	// Attacker stake crossing a third, a half, two thirds.
	if n.attackers {
		if lv := shareLevel(r.AttackerStakeSharePPM); lv != st.level {
			add(prioShare, shareText(r.AttackerStakeSharePPM, st.level, lv))
			st.level = lv
		}
	}

	// Target participation moving by 10 points or across two thirds, and
	// staying there in the next epoch. Epoch 0 is special (its first slot
	// is genesis), so the reference starts at 1.
	if r.Epoch > 0 {
		p := r.TargetParticipationPPM
		lasts := next == nil ||
			absDiff(next.TargetParticipationPPM, p) < participationNoisePPM && twoThirds(next.TargetParticipationPPM) == twoThirds(p)
		crossed := twoThirds(p) != twoThirds(st.partPPM)
		switch {
		case !st.hasPart:
			st.partPPM, st.hasPart = p, true
		case (absDiff(p, st.partPPM) >= participationStepPPM || crossed) && lasts:
			if !stalledNow {
				dir := "fell"
				if p > st.partPPM {
					dir = "rose"
				}
				text := fmt.Sprintf("target participation %s to %s of active stake (from %s)", dir, PercentPPM(p), PercentPPM(st.partPPM))
				switch {
				case crossed && twoThirds(p):
					text += ", enough again to justify checkpoints"
				case crossed:
					text += ", less than the two thirds needed to justify a checkpoint"
				}
				add(prioShare, text+".")
			}
			st.partPPM = p
		}
	}
	st.slashedCum = r.SlashedValidators
	return items
}

// finalityAdvances reports whether r's branch finalizes a later checkpoint
// than r's in the lookahead epochs received after it. When the branch's
// label is gone in an epoch, the branches that continue its story there
// count (those sharing a view group with it, as in inherit); epochs not
// received yet, at the end of a run, do not.
func (n *Narrator) finalityAdvances(r sim.EpochRow) bool {
	views := strings.Split(r.Branch, "+")
	for e := r.Epoch + 1; e <= r.Epoch+lookaheadEpochs; e++ {
		en := n.pending[e]
		if en == nil {
			continue
		}
		if next, ok := rowOf(en.rows, r.Branch); ok {
			if next.FinalizedEpoch > r.FinalizedEpoch {
				return true
			}
			continue
		}
		for _, next := range en.rows {
			if overlaps(views, strings.Split(next.Branch, "+")) && next.FinalizedEpoch > r.FinalizedEpoch {
				return true
			}
		}
	}
	return false
}

// votedText says how much of the stake voted for the target, and whether
// that can justify a checkpoint.
func votedText(r sim.EpochRow) string {
	if !twoThirds(r.TargetParticipationPPM) {
		return fmt.Sprintf("only %s of active stake voted for the target, and justifying a checkpoint needs two thirds", PercentPPM(r.TargetParticipationPPM))
	}
	return fmt.Sprintf("%s of active stake voted for the target", PercentPPM(r.TargetParticipationPPM))
}

// branchChange describes how the branches of rows differ from prev.
func (n *Narrator) branchChange(prev []string, rows []sim.EpochRow) string {
	differ := false
	for _, r := range rows {
		differ = differ || r.AttackerStakeSharePPM != rows[0].AttackerStakeSharePPM
	}
	var parts []string
	for _, r := range rows {
		s := r.Branch
		if differ {
			s += fmt.Sprintf(" (attackers %s)", PercentPPM(r.AttackerStakeSharePPM))
		}
		parts = append(parts, s)
	}
	switch {
	case len(prev) <= 1 && len(rows) > 1:
		return fmt.Sprintf("the views no longer agree on a head: the chain has split into %d branches, %s.", len(rows), andList(parts))
	case len(rows) == 1 && len(prev) > 1:
		return fmt.Sprintf("the branches merge: every view follows one head again (%s, finalized epoch %d).", rows[0].Branch, rows[0].FinalizedEpoch)
	default:
		return fmt.Sprintf("the branches are now %s (were %s).", andList(parts), andList(prev))
	}
}

// printItems merges the lines that hold for several branches and prints the
// epoch's lines in priority order.
func (n *Narrator) printItems(epoch uint64, labels []string, items []item) {
	type group struct {
		prio     int
		text     string
		branches []string
		global   bool
	}
	var groups []*group
	index := map[string]*group{}
	for _, it := range items {
		key := strconv.Itoa(it.prio) + "\x00" + it.text
		g := index[key]
		if g == nil {
			g = &group{prio: it.prio, text: it.text}
			index[key] = g
			groups = append(groups, g)
		}
		if it.branch == "" {
			g.global = true
		} else if !contains(g.branches, it.branch) {
			g.branches = append(g.branches, it.branch)
		}
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].prio < groups[j].prio })
	for _, g := range groups {
		qual := ""
		if !g.global && len(labels) > 1 && !coversAll(g.branches, labels) {
			if len(g.branches) == 1 {
				qual = " (branch " + g.branches[0] + ")"
			} else {
				qual = " (branches " + andList(g.branches) + ")"
			}
		}
		n.printf("epoch %d%s: %s\n", epoch, qual, g.text)
	}
}

// closing is the paragraph that ends the story.
func (n *Narrator) closing(s *sim.Summary) string {
	var b strings.Builder
	if s.Interrupted {
		fmt.Fprintf(&b, "The run was %s. In those epochs: ", RunLengthText(s))
	} else {
		fmt.Fprintf(&b, "In %s: ", RunLengthText(s))
	}
	if stall := StallText(s); stall != "" {
		fmt.Fprintf(&b, "%s; the last finalized checkpoint is epoch %d.", stall, s.FinalizedEpoch)
	} else {
		fmt.Fprintf(&b, "finality never stalled; the last finalized checkpoint is epoch %d and the longest finality gap was %d epochs.",
			s.FinalizedEpoch, s.LongestFinalityGapEpochs)
	}
	if c := ConflictText(s); c != "" {
		b.WriteString(" " + sentence(c))
	} else if len(s.Branches) > 1 || n.attackers {
		b.WriteString(" No two branches finalized conflicting checkpoints.")
	}
	switch {
	case s.SlashedValidators > 0 && n.attackers:
		fmt.Fprintf(&b, " %s slashed; attackers lost %s of effective balance to slashing.", wereCount(s.SlashedValidators), eth(s.AttackerSlashedGwei))
	case s.SlashedValidators > 0:
		fmt.Fprintf(&b, " %s slashed.", wereCount(s.SlashedValidators))
	case n.attackers:
		b.WriteString(" No validator was slashed.")
	}
	if s.SlashingsDetected > 0 {
		fmt.Fprintf(&b, " Slashers found evidence against %s", plural(s.SlashingsDetected, "validator", "validators"))
		if s.WhistleblowerRewardsGwei > 0 {
			fmt.Fprintf(&b, "; whistleblowers earned %s", eth(s.WhistleblowerRewardsGwei))
		}
		b.WriteString(".")
	}
	if s.EjectedValidators > 0 {
		fmt.Fprintf(&b, " %s ejected.", wereCount(s.EjectedValidators))
	}
	switch {
	case s.HonestLossGwei > 0:
		fmt.Fprintf(&b, " Honest validators lost %s.", eth(uint64(s.HonestLossGwei)))
	case s.HonestLossGwei < 0:
		fmt.Fprintf(&b, " Honest validators gained %s.", eth(uint64(-(s.HonestLossGwei+1))+1))
	default:
		b.WriteString(" Honest validators ended with the balance they started with.")
	}
	if r := ReorgText(s); r != "" {
		b.WriteString(" " + sentence(r))
	} else {
		b.WriteString(" No view saw a reorg.")
	}
	if c := ConsolidationText(s); c != "" {
		b.WriteString(" " + sentence(c))
	}
	if c := CrossingsText(s); c != "" {
		b.WriteString(" " + sentence(c))
	}
	if r := s.Restaking; r != nil {
		fmt.Fprintf(&b, " Restaking: %s compromised for %s of profit from corruption; AVSs slashed %s from %s; %s of stake was forced out of the beacon chain.",
			plural(r.AVSCompromised, "AVS", "AVSs"), eth(r.ProfitFromCorruptionRealizedGwei), eth(r.RestakingSlashedGwei),
			plural(r.OperatorsSlashed, "operator", "operators"), eth(r.StakeLeftGwei))
	}
	return b.String()
}

// sentence capitalises a clause's first letter and ends it with a period.
func sentence(clause string) string {
	if clause == "" {
		return ""
	}
	return strings.ToUpper(clause[:1]) + clause[1:] + "."
}

func conflictText(ev sim.Event) string {
	d, ok := ev.Details.(sim.ConflictingFinalizationDetails)
	a, b := d.BranchA, d.BranchB
	ca, cb := d.CheckpointA, d.CheckpointB
	who := "two branches"
	if a != "" && b != "" {
		who = "branches " + a + " and " + b
	}
	text := who + " finalized conflicting checkpoints"
	if ca != "" && cb != "" {
		text += " (" + ca + " and " + cb + ")"
	}
	if ok {
		f := d.SlashableFraction
		text += fmt.Sprintf("; %s of stake is slashable", Percent(f))
		switch {
		case d.Cause == "inactivity_leak":
			text += " — the inactivity leak let the two branches' validator sets drift apart, so accountable safety's one third need not be slashable"
		case f*3 >= 1:
			text += " — accountable safety"
		}
	}
	return text + "."
}

func (n *Narrator) whoCount(t *tally) string {
	switch {
	case t.honest == 0 && t.attackers > 0:
		return plural(t.attackers, "attacker", "attackers")
	case t.attackers == 0:
		if n.attackers {
			return plural(t.honest, "honest validator", "honest validators")
		}
		return plural(t.honest, "validator", "validators")
	}
	return fmt.Sprintf("%s (%d attackers, %d honest)", plural(t.attackers+t.honest, "validator", "validators"), t.attackers, t.honest)
}

func (n *Narrator) attackerNames() string {
	switch len(n.coalitions) {
	case 0:
		return "attackers"
	case 1:
		if c := n.coalitions[0]; c != "attackers" {
			return "attackers (coalition " + c + ")"
		}
		return "attackers"
	}
	return "attackers (coalitions " + andList(n.coalitions) + ")"
}

func coalitionName(c string) string {
	if c == "" || c == "attackers" {
		return "the attackers' coalition"
	}
	return "coalition " + c
}

func offenceName(o string) string {
	switch o {
	case "double_vote":
		return "a double vote"
	case "surround_vote":
		return "a surround vote"
	case "double_proposal":
		return "a double proposal"
	}
	return "evidence of " + strings.ReplaceAll(o, "_", " ")
}

// twoThirds reports whether a share in parts per million reaches two
// thirds, the supermajority that justifies a checkpoint.
func twoThirds(p uint64) bool { return p*3 >= 2*ppmOne }

// shareLevel places an attacker share in parts per million against the
// thresholds of 1/3, 1/2 and 2/3 (strictly above each).
func shareLevel(p uint64) int {
	switch {
	case p*3 > 2*ppmOne:
		return 3
	case p*2 > ppmOne:
		return 2
	case p*3 > ppmOne:
		return 1
	}
	return 0
}

func shareText(p uint64, from, to int) string {
	if to > from {
		switch to {
		case 1:
			return fmt.Sprintf("attackers now hold %s of active stake, more than one third: without their votes no checkpoint can be justified.", PercentPPM(p))
		case 2:
			return fmt.Sprintf("attackers now hold %s of active stake, more than half: their votes outweigh the honest ones in fork choice.", PercentPPM(p))
		default:
			return fmt.Sprintf("attackers now hold %s of active stake, more than two thirds: they can justify and finalize checkpoints on their own.", PercentPPM(p))
		}
	}
	switch to {
	case 0:
		return fmt.Sprintf("attackers' share of active stake falls to %s, below one third: honest validators can finalize without them.", PercentPPM(p))
	case 1:
		return fmt.Sprintf("attackers' share of active stake falls to %s, below one half.", PercentPPM(p))
	default:
		return fmt.Sprintf("attackers' share of active stake falls to %s, below two thirds: they can no longer finalize on their own.", PercentPPM(p))
	}
}

// PercentPPM formats a share in parts per million (epochs.csv's shares) as
// a percentage with one decimal, rounded half up in integer arithmetic.
// Every share the story, its closing paragraph and the run summary print
// goes through it (or Percent), so one figure always reads the same.
func PercentPPM(p uint64) string {
	tenths := (p + 500) / 1000
	return fmt.Sprintf("%d.%d%%", tenths/10, tenths%10)
}

// Percent formats a share (0.3377 for 33.77%) as PercentPPM does. The share
// is first taken to the nearest part per million, the precision of the
// outputs (summary.json and the events round shares to 6 decimals), which
// gives back a rounded figure's exact ppm, so the one rounding is
// PercentPPM's. Shares below 0 (and NaN) read 0.0%.
func Percent(share float64) string {
	if !(share > 0) {
		return PercentPPM(0)
	}
	return PercentPPM(uint64(math.Round(share * ppmOne)))
}

// eth formats Gwei as ETH with at most three decimals.
func eth(g uint64) string {
	milli := g / 1_000_000
	if g%1_000_000 >= 500_000 {
		milli++
	}
	s := strconv.FormatUint(milli/1000, 10)
	if frac := milli % 1000; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%03d", frac), "0")
	}
	return s + " ETH"
}

func plural(n uint64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatUint(n, 10) + " " + many
}

func wereCount(n uint64) string {
	if n == 1 {
		return "1 validator was"
	}
	return strconv.FormatUint(n, 10) + " validators were"
}

// andList joins "a", "a and b", "a, b and c".
func andList(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// Wrap reflows text into lines of at most width columns (longer words keep
// their own line), each starting with indent, and ends it with a newline.
// Runs of white space, newlines included, count as one space.
func Wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if line != indent && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	if line != indent {
		b.WriteString(line + "\n")
	}
	return b.String()
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func absDiff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if contains(b, x) {
			return true
		}
	}
	return false
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func coversAll(branches, labels []string) bool {
	for _, l := range labels {
		if !contains(branches, l) {
			return false
		}
	}
	return true
}

func rowOf(rows []sim.EpochRow, branch string) (sim.EpochRow, bool) {
	for _, r := range rows {
		if r.Branch == branch {
			return r, true
		}
	}
	return sim.EpochRow{}, false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedDetectKeys(m map[detectKey]uint64) []detectKey {
	keys := make([]detectKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].offence != keys[j].offence {
			return keys[i].offence < keys[j].offence
		}
		return keys[i].view < keys[j].view
	})
	return keys
}

// restakingText is the story line of a restaking or Byzantine-share event
// ("" for one without the details it needs).
func restakingText(ev sim.Event) string {
	switch d := ev.Details.(type) {
	case sim.ByzantineShareCrossedDetails:
		if d.Threshold == "" {
			return ""
		}
		share := " (" + Percent(d.Share) + ")"
		if d.Direction == "down" {
			return "Ethereum's Byzantine share falls back below " + d.Threshold + share + "."
		}
		return "Ethereum's Byzantine share rises above " + d.Threshold + share + "."
	case sim.AVSCompromisedDetails:
		hold, take := "hold", "take"
		if len(d.Operators) == 1 {
			hold, take = "holds", "takes"
		}
		return fmt.Sprintf("AVS %s is compromised: %s %s %s of its %s and %s its %s profit from corruption.",
			d.AVS, strings.Join(d.Operators, ", "), hold, eth(d.ByzantineStakeGwei), eth(d.TotalStakeGwei), take, eth(d.ProfitGwei))
	case sim.RestakingSlashedDetails:
		why := ""
		if d.Buggy {
			why = " although it did nothing wrong (a buggy or captured slashing)"
		}
		return fmt.Sprintf("AVS %s slashes operator %s: %s%s.", d.AVS, d.Operator, eth(d.Gwei), why)
	case sim.StakerWithdrawalQueuedDetails:
		return fmt.Sprintf("staker %s runs on operator %s: it withdraws %s.", d.Staker, d.Operator, eth(d.Gwei))
	case sim.RestakingExitsRequestedDetails:
		return fmt.Sprintf("operator %s's slashed or withdrawn stake is forced out of the beacon chain: %d exits requested.", d.Operator, d.Validators)
	}
	return ""
}
