package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/stakesim/stakesim/internal/narrate"
	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// explainWidth is the column at which explain wraps prose.
const explainWidth = 80

func explainCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "explain",
		Usage:     "explain what a scenario (a built-in NAME or a FILE) shows, its params and what to watch",
		ArgsUsage: "SCENARIO",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "set", Usage: "override a scenario param, `NAME=VALUE` (repeatable), as run does"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return badInput(errors.New("explain needs exactly one SCENARIO (a built-in name or a file; see stakesim scenarios)"))
			}
			sets := c.StringSlice("set")
			overrides, err := parseOverrides(sets)
			if err != nil {
				return err
			}
			arg := c.Args().First()
			sc, err := scenarios.Load(arg, overrides)
			if err != nil {
				return badInput(err)
			}
			return writeExplain(stdout, sc, arg, sets)
		},
	}
}

// parseOverrides parses --set values; a bad one is the user's mistake.
func parseOverrides(sets []string) ([]scenarios.Override, error) {
	var overrides []scenarios.Override
	for _, s := range sets {
		o, err := scenarios.ParseOverride(s)
		if err != nil {
			return nil, badInput(fmt.Errorf("--set: %w", err))
		}
		overrides = append(overrides, o)
	}
	return overrides, nil
}

// writeExplain prints what "stakesim explain" shows about sc, which was
// loaded from arg with the --set values sets.
func writeExplain(w io.Writer, sc *scenarios.Scenario, arg string, sets []string) error {
	var b strings.Builder
	b.WriteString(narrate.Wrap(sc.Name+": "+sc.Description, explainWidth, ""))
	groupsWord := "groups"
	if len(sc.Groups) == 1 {
		groupsWord = "group"
	}
	fmt.Fprintf(&b, "  %d validators in %d %s, %d epochs; preset %s, seed %d, bls %s\n  from %s\n",
		sc.TotalValidators(), len(sc.Groups), groupsWord, sc.Epochs, sc.Preset, sc.Seed, sc.BLS, sc.Source)

	b.WriteString("\nExplanation\n")
	if strings.TrimSpace(sc.Explain) != "" {
		b.WriteString(formatProse(sc.Explain, explainWidth, "  "))
	} else {
		b.WriteString(narrate.Wrap("This scenario has no explain text; its description, its validators and network below, and its YAML say what it sets up.", explainWidth, "  "))
	}

	explainParams(&b, sc)
	explainSetup(&b, sc)
	explainRun(&b, sc, arg, sets)
	explainWatch(&b, sc)
	_, err := io.WriteString(w, b.String())
	return err
}

// explainParams prints the params table, with a VALUE column when --set changed one.
func explainParams(b *strings.Builder, sc *scenarios.Scenario) {
	b.WriteString("\nParams (vary them with --set NAME=VALUE)\n")
	if len(sc.Params) == 0 {
		b.WriteString("  none\n")
	} else {
		overridden := slices.ContainsFunc(sc.Params, func(p scenarios.Param) bool { return p.Value != p.Default })
		tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
		if overridden {
			fmt.Fprintf(tw, "  NAME\tDEFAULT\tVALUE\tRANGE\tDOC\n")
		} else {
			fmt.Fprintf(tw, "  NAME\tDEFAULT\tRANGE\tDOC\n")
		}
		for _, p := range sc.Params {
			if overridden {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.Name, paramDefault(p), paramValue(p), paramRange(p), oneLine(p.Doc))
			} else {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.Name, paramDefault(p), paramRange(p), oneLine(p.Doc))
			}
		}
		tw.Flush()
	}
}

// explainSetup prints the validator groups and the network.
func explainSetup(b *strings.Builder, sc *scenarios.Scenario) {
	b.WriteString("\nValidators\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, g := range sc.Groups {
		who := "honest"
		if g.Coalition != "" {
			who = "coalition " + g.Coalition
		}
		var behs []string
		for _, bh := range g.Behaviours {
			if bh.Kind != "honest" || len(g.Behaviours) > 1 {
				behs = append(behs, behaviourText(bh))
			}
		}
		if len(behs) > 0 {
			who += ": " + strings.Join(behs, ", ")
		}
		fmt.Fprintf(tw, "  %s\t%d validators\t%s\n", g.Name, g.Count, who)
	}
	tw.Flush()
	b.WriteString("\nNetwork\n")
	b.WriteString("  " + delayText(sc.Network) + "\n")
	for _, p := range sc.Network.Partitions {
		var sides []string
		for _, vg := range p.Groups {
			side := vg.Name
			if len(vg.Members) != 1 || vg.Members[0] != vg.Name {
				side += " (" + strings.Join(vg.Members, ", ") + ")"
			}
			sides = append(sides, side)
		}
		fmt.Fprintf(b, "  partition %s in epochs [%d, %d): %s", p.Name, p.StartEpoch, p.EndEpoch, strings.Join(sides, " | "))
		if len(p.Bridges) > 0 {
			fmt.Fprintf(b, "; bridged by %s", strings.Join(p.Bridges, ", "))
		}
		b.WriteString("\n")
	}
}

// explainRun prints the commands that run the scenario.
func explainRun(b *strings.Builder, sc *scenarios.Scenario, arg string, sets []string) {
	b.WriteString("\nRun it\n")
	cmd := "stakesim run " + shellQuote(arg)
	for _, s := range sets {
		cmd += " --set " + shellQuote(s)
	}
	fmt.Fprintf(b, "  %s --narrate\n", cmd)
	b.WriteString("  (add --set NAME=VALUE to vary a param, --seed N for another random run)\n")
	if name, ok := strings.CutPrefix(sc.Source, "builtin:"); ok {
		fmt.Fprintf(b, "  stakesim show %s > my.yaml   (a copy to edit)\n", name)
	}
}

// explainWatch prints the columns, events and summary fields worth watching.
func explainWatch(b *strings.Builder, sc *scenarios.Scenario) {
	cols, events, fields := watchList(sc)
	b.WriteString("\nWhat to look at (in the run's output directory)\n")
	for _, f := range []struct {
		file  string
		names []string
	}{{output.EpochsFile, cols}, {output.EventsFile, events}, {output.SummaryFile, fields}} {
		fmt.Fprintf(b, "  %s:\n", f.file)
		b.WriteString(narrate.Wrap(strings.Join(f.names, ", "), explainWidth, "    "))
	}
	if sc.Restaking != nil {
		fmt.Fprintf(b, "  %s:\n", output.AVSFile)
		b.WriteString(narrate.Wrap(strings.Join(output.AVSColumns(), ", "), explainWidth, "    "))
	}
	if sc.LiquidStaking != nil {
		for _, f := range []struct {
			file string
			cols []string
		}{{output.LSTFile, output.LSTColumns()}, {output.WithdrawalsFile, output.WithdrawalColumns()}} {
			fmt.Fprintf(b, "  %s:\n", f.file)
			b.WriteString(narrate.Wrap(strings.Join(f.cols, ", "), explainWidth, "    "))
		}
	}
	if sc.Markets != nil {
		fmt.Fprintf(b, "  %s:\n", output.MarketFile)
		b.WriteString(narrate.Wrap(strings.Join(output.MarketColumns(), ", "), explainWidth, "    "))
		if len(sc.Markets.Lending) > 0 {
			fmt.Fprintf(b, "  %s:\n", output.LendingFile)
			b.WriteString(narrate.Wrap(strings.Join(output.LendingColumns(), ", "), explainWidth, "    "))
		}
	}
	b.WriteString(narrate.Wrap("With --narrate, run prints these changes as a story while it runs; report.html draws them (groups.csv and blocks.csv hold each group's balances and every block).", explainWidth, "  "))
}

// formatProse lays out free text: paragraphs (split at blank lines) are
// reflowed to width, except those holding a list or indented lines, which
// are kept as written.
func formatProse(text string, width int, indent string) string {
	var b strings.Builder
	for i, para := range strings.Split(strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n"), "\n\n") {
		para = strings.Trim(para, "\n")
		if strings.TrimSpace(para) == "" {
			continue
		}
		if i > 0 {
			b.WriteString("\n")
		}
		lines := strings.Split(para, "\n")
		if slices.ContainsFunc(lines, asWritten) {
			for _, l := range lines {
				b.WriteString(strings.TrimRight(indent+l, " \t") + "\n")
			}
			continue
		}
		b.WriteString(narrate.Wrap(para, width, indent))
	}
	return b.String()
}

// asWritten reports whether a line of prose must keep its layout: a list
// item, or an indented (code or table) line.
func asWritten(line string) bool {
	if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") ||
		strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* ") {
		return true
	}
	digits := strings.TrimLeft(line, "0123456789")
	return len(digits) < len(line) && (strings.HasPrefix(digits, ". ") || strings.HasPrefix(digits, ") "))
}

func behaviourText(bh scenarios.Behaviour) string {
	s := bh.Kind
	var extra []string
	if bh.DelayMs > 0 {
		extra = append(extra, fmt.Sprintf("%d ms", bh.DelayMs))
	}
	if len(bh.ReleaseTo) > 0 {
		extra = append(extra, "release to "+strings.Join(bh.ReleaseTo, ", "))
	}
	if bh.ReleaseDelayMs > 0 {
		extra = append(extra, fmt.Sprintf("release after %d ms", bh.ReleaseDelayMs))
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	switch {
	case bh.HasToEpoch:
		s += fmt.Sprintf(" in epochs [%d, %d)", bh.FromEpoch, bh.ToEpoch)
	case bh.FromEpoch > 0:
		s += fmt.Sprintf(" from epoch %d", bh.FromEpoch)
	}
	return s
}

func delayText(n scenarios.Network) string {
	d := n.Delay
	var s string
	switch d.Dist {
	case "fixed":
		s = fmt.Sprintf("delay %d ms", d.Ms)
	case "uniform":
		s = fmt.Sprintf("delay uniform in [%d, %d] ms", d.MinMs, d.MaxMs)
	case "normal":
		s = fmt.Sprintf("delay normal, mean %d ms, sd %d ms", d.MeanMs, d.StddevMs)
	case "exponential":
		s = fmt.Sprintf("delay exponential, mean %d ms", d.MeanMs)
	case "":
		s = "no delay"
	default:
		s = "delay " + d.Dist
	}
	if n.LossPPM > 0 {
		s += fmt.Sprintf(", %d.%04d%% of messages lost", n.LossPPM/10_000, n.LossPPM%10_000)
	}
	return s
}

// Behaviour kinds by what they make worth watching.
var (
	// quietKinds take stake out of the votes, so finality may stall and the
	// inactivity leak start.
	quietKinds = []string{"offline", "late", "withhold-attestations", "censor", "private-chain", "own-chain"}
	// slashableKinds sign conflicting messages.
	slashableKinds = []string{"double-vote", "surround-vote", "double-propose", "both-sides", "balancing"}
	// forkKinds withhold blocks or build their own chain, causing reorgs.
	forkKinds = []string{"withhold-blocks", "private-chain", "own-chain", "ex-ante-reorg", "balancing"}
	// safetyKinds can make two branches finalize conflicting checkpoints.
	safetyKinds = []string{"both-sides", "balancing", "private-chain"}
)

// watchList picks, from what the scenario sets up, the epochs.csv
// columns, event kinds and summary.json fields worth watching, each in its
// file's order.
func watchList(sc *scenarios.Scenario) (cols, events, fields []string) {
	has := func(kinds []string) bool {
		for _, g := range sc.Groups {
			for _, bh := range g.Behaviours {
				if slices.Contains(kinds, bh.Kind) {
					return true
				}
			}
		}
		return false
	}
	coalition := slices.ContainsFunc(sc.Groups, func(g scenarios.Group) bool { return g.Coalition != "" })
	partitions := len(sc.Network.Partitions) > 0
	restaked := sc.Restaking != nil
	exits := slices.ContainsFunc(sc.Groups, func(g scenarios.Group) bool {
		return slices.ContainsFunc(g.Requests, func(r scenarios.Request) bool {
			return r.Kind == scenarios.RequestVoluntaryExit || r.Kind == scenarios.RequestBLSChange
		})
	})
	gated := slices.ContainsFunc(sc.Groups, func(g scenarios.Group) bool {
		return slices.ContainsFunc(g.Behaviours, func(b scenarios.Behaviour) bool { return b.AfterByzantineShareWAD > 0 })
	})
	// A coalition without a restaking block is an attack on consensus; in a
	// restaking scenario it may just mark whose stake counts as Byzantine.
	quiet := has(quietKinds) || partitions || (coalition && !restaked) || gated
	slashable := has(slashableKinds)
	forks := has(forkKinds)
	safety := has(safetyKinds) || partitions

	c := map[string]bool{"justified_epoch": true, "finalized_epoch": true, "target_participation": true, "issuance_gwei": true}
	e := map[string]bool{sim.EventJustified: true, sim.EventFinalized: true}
	f := map[string]bool{"finalized_epoch": true, "longest_finality_gap_epochs": true, "apr_percent": true, "groups": true}
	set := func(m map[string]bool, keys ...string) {
		for _, k := range keys {
			m[k] = true
		}
	}
	if quiet {
		set(c, "in_inactivity_leak", "penalties_gwei", "active_validators")
		set(e, sim.EventLeakStarted, sim.EventLeakEnded, sim.EventEjected)
		set(f, "finality_stalled_at_epoch", "finality_resumed_epoch", "net_apr_percent", "ejected_validators")
	}
	if partitions {
		set(c, "branch")
		set(e, sim.EventPartitionStarted, sim.EventPartitionHealed, sim.EventReorg)
		set(f, "branches", "reorgs")
	}
	if coalition {
		set(c, "attacker_stake_share", "honest_balance_gwei", "attacker_balance_gwei")
		set(f, "honest_loss_gwei")
	}
	if slashable {
		set(c, "slashed_validators", "slashable_stake_gwei")
		set(e, sim.EventSlashingDetected, sim.EventSlashed)
		set(f, "slashings_detected", "slashed_validators", "attacker_slashed_gwei", "whistleblower_rewards_gwei")
	}
	if forks {
		set(c, "branch", "proposals", "missed_proposals")
		set(e, sim.EventReorg, sim.EventBlockWithheld, sim.EventBlocksReleased)
		set(f, "reorgs", "branches")
	}
	if has([]string{"late-blocks"}) { // late blocks that honest proposers may re-org
		set(e, sim.EventReorg, sim.EventProposerReorg)
		set(f, "reorgs")
	}
	if safety {
		set(e, sim.EventConflictingFinalization)
		set(f, "conflicting_finalization", "slashable_fraction_at_conflict")
	}
	if coalition || gated || restaked {
		set(c, "byzantine_share")
		set(e, sim.EventByzantineShareCrossed)
		set(f, "max_byzantine_share", "byzantine_crossings")
	}
	if exits {
		set(c, "active_validators", "total_balance_gwei", "exited_validators", "exit_queue_epochs", "voluntary_exits", "bls_changes")
		set(e, sim.EventExited)
	}
	if restaked {
		set(c, "active_validators", "exited_validators", "restaked_gwei", "avs_compromised", "operators_slashed",
			"restaking_slashed_gwei", "pending_withdrawals_gwei")
		set(e, sim.EventExited, sim.EventAVSCompromised, sim.EventRestakingSlashed, sim.EventRestakingExitsRequested,
			sim.EventStakerWithdrawalQueued, sim.EventStakerWithdrawalCompleted)
		set(f, "restaking")
	}
	return inOrder(output.Columns(), c), inOrder(eventKinds, e), inOrder(summaryFields, f)
}

// eventKinds are the event kinds in the order sim/metrics.go lists them.
var eventKinds = []string{
	sim.EventJustified, sim.EventFinalized, sim.EventLeakStarted, sim.EventLeakEnded,
	sim.EventSlashed, sim.EventEjected, sim.EventExited, sim.EventPartitionStarted,
	sim.EventPartitionHealed, sim.EventBlockRejected, sim.EventReorg, sim.EventProposerReorg,
	sim.EventConflictingFinalization, sim.EventSlashingDetected,
	sim.EventBlockWithheld, sim.EventBlocksReleased,
	sim.EventByzantineShareCrossed, sim.EventRestakingSlashed, sim.EventRestakingSlashQueued,
	sim.EventAVSCompromised, sim.EventRestakingExitsRequested,
	sim.EventStakerWithdrawalQueued, sim.EventStakerWithdrawalCompleted,
}

// summaryFields are the summary.json fields explain may point at, in the
// order of sim.Summary (a test checks them against its JSON tags).
var summaryFields = []string{
	"justified_epoch", "finalized_epoch", "longest_finality_gap_epochs",
	"slashed_validators", "ejected_validators", "apr_percent", "net_apr_percent",
	"branches", "finality_stalled_at_epoch", "finality_resumed_epoch",
	"conflicting_finalization", "slashable_fraction_at_conflict",
	"attacker_slashed_gwei", "honest_loss_gwei", "whistleblower_rewards_gwei",
	"slashings_detected", "reorgs", "groups",
	"max_byzantine_share", "byzantine_crossings", "restaking",
}

func inOrder(order []string, want map[string]bool) []string {
	var out []string
	for _, k := range order {
		if want[k] {
			out = append(out, k)
		}
	}
	return out
}

// shellQuote quotes s for a POSIX shell when it holds anything but plain
// path characters.
func shellQuote(s string) string {
	plain := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_./-=+:,@%", r))
	}) < 0
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// paramDefault, paramValue and paramRange print a param for people: a
// choice param (declared with values:) by its words, others as numbers.
func paramDefault(p scenarios.Param) string {
	if len(p.Values) > 0 {
		return choiceWord(p, p.Default)
	}
	return num(p.Default)
}

func paramValue(p scenarios.Param) string {
	if len(p.Values) > 0 {
		return choiceWord(p, p.Value)
	}
	return num(p.Value)
}

func paramRange(p scenarios.Param) string {
	if len(p.Values) > 0 {
		return strings.Join(p.Values, "|")
	}
	return fmt.Sprintf("[%s, %s]", num(p.Min), num(p.Max))
}

// choiceWord is the word of a choice param at index v.
func choiceWord(p scenarios.Param, v float64) string {
	if i := int(v); i >= 0 && i < len(p.Values) && float64(i) == v {
		return p.Values[i]
	}
	return num(v)
}
