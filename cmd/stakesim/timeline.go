package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/timeline"
)

const timelineDescription = `Answers "how long would consolidating the validator set take at this stake?"
by pushing EIP-7251 consolidation requests through the consensus rules
(process_consolidation_request, the consolidation churn, the
pending-consolidations queue, process_pending_consolidations and the
effective-balance updates) for a registry of the given size.

Model:
  - --stake-eth / 32 validators of exactly 32 ETH with 0x01 credentials, all
    active since genesis; the run starts at epoch SHARD_COMMITTEE_PERIOD. ETH
    amounts are rounded down to whole 32-ETH validators.
  - --consolidate-eth / 32 of them take part, grouped into targets of
    --target-eth / 32 validators (one withdrawal address per group). Each
    target first switches to 0x02 credentials (a consolidation request with
    source == target), then its sources consolidate into it. A smaller last
    group still consolidates; a lone leftover validator does not.
  - Requests are fed in that order, at most MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD
    per slot; a source is sent only once its target is compounding, and
    only while the pending-consolidations queue has room and the
    consolidation churn is above MIN_ACTIVATION_BALANCE (otherwise it waits).
  - The total active balance, and so the churn, is tracked every epoch:
    exited sources leave it until their balance has moved into the target
    (MIN_VALIDATOR_WITHDRAWABILITY_DELAY epochs after the exit).
  - No attestations, rewards, penalties, deposits or withdrawals: balances
    stay exactly 32 ETH per source, so the answer is the pure queue and
    churn answer.

last_completion_epoch is the first epoch whose state has the last source's
balance in its target; epochs is that minus first_request_epoch;
days = epochs * SECONDS_PER_SLOT * SLOTS_PER_EPOCH / 86400, months = days / 30.44.
The output is deterministic.`

func timelineCommand(stdout io.Writer) *cli.Command {
	def := timeline.DefaultParams()
	return &cli.Command{
		Name:        "maxeb-timeline",
		Usage:       "how long consolidating the validator set into MaxEB validators takes at a given stake",
		ArgsUsage:   " ",
		Description: timelineDescription,
		Flags: []cli.Flag{
			&cli.Uint64Flag{Name: "stake-eth", Value: def.StakeETH, Usage: "total active stake in `ETH` (rounded down to whole 32-ETH validators)"},
			&cli.Uint64Flag{Name: "consolidate-eth", Value: def.ConsolidateETH, Usage: "stake that consolidates, in `ETH`, at most --stake-eth (rounded down to whole validators)"},
			&cli.Uint64Flag{Name: "target-eth", Value: def.TargetETH, Usage: "size of each consolidated validator in `ETH`, above 32 and at most 2048 (rounded down to a multiple of 32)"},
			&cli.StringFlag{Name: "preset", Value: "mainnet", Usage: "consensus `PRESET`: mainnet or minimal"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as one JSON object"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return badInput(errors.New("maxeb-timeline takes no arguments (see stakesim maxeb-timeline --help)"))
			}
			cfg, ok := consensus.PresetByName(c.String("preset"))
			if !ok {
				return badInput(fmt.Errorf("--preset: unknown preset %q (mainnet or minimal)", c.String("preset")))
			}
			p := timeline.Params{
				StakeETH:       c.Uint64("stake-eth"),
				ConsolidateETH: c.Uint64("consolidate-eth"),
				TargetETH:      c.Uint64("target-eth"),
			}
			res, err := timeline.Run(c.Context, &cfg, p)
			var pe *timeline.ParamError
			if errors.As(err, &pe) {
				return badInput(fmt.Errorf("--%s: %v", strings.ReplaceAll(pe.Param, "_", "-"), pe.Err))
			}
			if err != nil {
				return err
			}
			if c.Bool("json") {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			return writeTimeline(stdout, &res)
		},
	}
}

// writeTimeline prints a result as human-readable lines.
func writeTimeline(w io.Writer, r *timeline.Result) error {
	eth := func(g consensus.Gwei) string {
		return strconv.FormatFloat(float64(g)/1e9, 'f', -1, 64) + " ETH"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "MaxEB consolidation timeline (preset %s)\n", r.Preset)
	fmt.Fprintf(&b, "stake:            %d ETH = %d validators of 32 ETH", r.StakeETH, r.ValidatorsAtStart)
	if r.StakeCountedETH != r.StakeETH {
		fmt.Fprintf(&b, " (%d ETH, rounded down to whole validators)", r.StakeCountedETH)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "consolidating:    %d ETH: %d validators into %d targets of up to %d ETH (%d sources)\n",
		r.ConsolidateETH, r.Participants, r.Targets, r.TargetETH-r.TargetETH%32, r.Sources)
	fmt.Fprintf(&b, "churn:            %s per epoch for consolidations at the start (min %s, max %s over the run)\n",
		eth(r.ConsolidationChurnGwei), eth(r.ConsolidationChurnMinGwei), eth(r.ConsolidationChurnMaxGwei))
	fmt.Fprintf(&b, "active balance:   %s at the start, lowest %s (sources between exit and move)\n",
		eth(r.TotalActiveBalanceGwei), eth(r.TotalActiveBalanceMinGwei))
	fmt.Fprintf(&b, "requests:         %d sent (%d switches to 0x02, %d consolidations), %s\n",
		r.RequestsSent, r.Switches, r.Consolidations, ignoredText(r.RequestsIgnored))
	fmt.Fprintf(&b, "queue:            peak %d pending consolidations; sources waited for queue room in %d epochs, for churn in %d\n",
		r.PeakPendingConsolidations, r.QueueFullEpochs, r.ChurnTooLowEpochs)
	fmt.Fprintf(&b, "first request:    epoch %d\n", r.FirstRequestEpoch)
	fmt.Fprintf(&b, "last request:     epoch %d (last source exits at epoch %d)\n", r.LastRequestEpoch, r.LastExitEpoch)
	fmt.Fprintf(&b, "last completion:  epoch %d (the last source's balance has moved)\n", r.LastCompletionEpoch)
	fmt.Fprintf(&b, "duration:         %d epochs = %.1f days = %.1f months\n", r.Epochs, r.Days, r.Months)
	fmt.Fprintf(&b, "naive estimate:   %d epochs (moved balance / starting churn, no delays)\n", r.NaiveEpochs)
	fmt.Fprintf(&b, "validators:       %d at the start, %d active at the end\n", r.ValidatorsAtStart, r.ValidatorsAtEnd)
	_, err := io.WriteString(w, b.String())
	return err
}

func ignoredText(m map[string]int) string {
	if len(m) == 0 {
		return "none ignored"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return "ignored: " + strings.Join(parts, ", ")
}
