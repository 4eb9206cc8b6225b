package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics"
)

const aprDescription = `Prints the analytic consensus-layer APR of a 32-ETH validator for a total
stake, from the spec's reward formulas (no simulation):

  base_reward = 32 * (EFFECTIVE_BALANCE_INCREMENT * BASE_REWARD_FACTOR
                      // integer_squareroot(total active balance))

Model:
  - --stake-eth / 32 validators, each of exactly 32 ETH effective balance
    (the remainder is ignored); they make up the whole active balance.
  - Counted: the timely source, target and head rewards
    (base_reward * 14, 26, 14 // 64), the proposer reward for including
    each slot's attestations (sum of base_reward * 54 // 448, floored per
    on-chain aggregate), as economics.IdealEpochIssuance models them, and
    the sync committee's rewards (process_sync_aggregate's participant and
    proposer rewards with every bit set, economics.IdealEpochSyncIssuance).
    Not counted: priority fees and MEV.
  - --participation P: the share of the stake that attests and signs
    timely. Every flag reward, and so every proposer reward, scales with the
    participating stake, and a sync seat is paid only in slots with a block,
    so a participating validator earns P times the ideal figure: APR_% = P *
    (ideal issuance per epoch / staked Gwei) * epochs per year * 100, simple
    (not compounded), 365.25-day year.
  - The other 1 - P lose their source and target penalties
    (base_reward * 14 // 64 + base_reward * 26 // 64 per epoch; their
    inactivity scores stay 0 while the chain finalizes) and a sync
    participant_reward per seat in every slot with a block; their own slots
    have no block. Attestations are still included by the next block.
    ISSUANCE_ETH/YEAR is the network's net new ETH: rewards minus those
    penalties.
  - Below P = 2/3 the chain does not finalize, enters an inactivity leak
    and attestation rewards stop; such rows are marked and do not apply.

--json prints an array with one object per stake: preset, participation,
total_stake_eth, validators, counted_stake_eth, base_reward_gwei,
validator_reward_gwei_per_epoch, validator_reward_eth_per_year,
apr_percent, issuance_eth_per_year, finalizing.`

// aprDefaultStakesETH are the total stakes of the default table.
var aprDefaultStakesETH = []float64{1e6, 5e6, 10e6, 20e6, 30e6, 34e6, 40e6, 50e6, 60e6, 100e6}

const (
	aprValidatorETH = 32
	aprMaxStakeETH  = 1e9 // far above all ETH (about 1.2e8); keeps Gwei sums in uint64
	aprGweiPerETH   = 1e9
)

// aprRow is one stake's figures; the JSON names carry the units.
type aprRow struct {
	Preset             string  `json:"preset"`
	Participation      float64 `json:"participation"`
	TotalStakeETH      float64 `json:"total_stake_eth"`
	Validators         uint64  `json:"validators"`
	CountedStakeETH    uint64  `json:"counted_stake_eth"`
	BaseRewardGwei     uint64  `json:"base_reward_gwei"`
	RewardGweiPerEpoch float64 `json:"validator_reward_gwei_per_epoch"`
	RewardETHPerYear   float64 `json:"validator_reward_eth_per_year"`
	APRPercent         float64 `json:"apr_percent"`
	IssuanceETHPerYear float64 `json:"issuance_eth_per_year"`
	Finalizing         bool    `json:"finalizing"`
}

// aprCommand is "stakesim apr": the analytic consensus-layer yield of a
// validator at a given total stake, from economics.IdealEpochIssuance and
// economics.AnnualisedPercent, with no simulation.
//
//	stakesim apr                                  # table over 1M..100M ETH, mainnet
//	stakesim apr --stake-eth 34M --participation 0.95
//	stakesim apr --stake-eth 1M --stake-eth 34M --preset minimal --json
//
// What it computes, per total stake S (ETH) and participation p:
//
//   - n = floor(S / 32) validators of exactly 32 ETH effective balance (the
//     remainder of S is ignored); total active balance n·32 ETH.
//   - ideal = IdealEpochIssuance(cfg, n, 32 ETH) + IdealEpochSyncIssuance(cfg,
//     n, 32 ETH): every validator's timely source, target and head rewards
//     (base_reward·weight//64 each); for every slot, the proposer's reward
//     for including the previous slot's attestations (floored per on-chain
//     aggregate); and every slot's sync aggregate with all SYNC_COMMITTEE_SIZE
//     bits set (participant_reward per seat and proposer_reward per bit,
//     process_sync_aggregate). Together, about the spec's full ideal
//     issuance of one base_reward per validator per epoch.
//   - A participating validator earns p·ideal/n per epoch: with a share p of
//     the stake attesting, each flag reward is base_reward·weight·
//     participating_increments // (active_increments·64), p times the ideal
//     one; a block's proposer reward is proportional to the attesters it
//     includes, so p times the ideal one too; and a sync seat is paid only in
//     slots with a block, a share p of them (Gwei flooring at p < 1 is
//     ignored). apr_percent = p·AnnualisedPercent(cfg, ideal, n·32 ETH):
//     simple, not compounded, 365.25-day year, consensus layer only (no
//     priority fees or MEV).
//   - The non-participating share still proposes its blocks (every slot has
//     a block carrying the previous slot's attestations) but loses its
//     source and target penalties, base_reward·(14+26)//64 per epoch (its
//     inactivity score stays 0 while the chain finalizes). The network's
//     issuance per epoch is p²·n·attest + p·proposer - (1-p)·n·penalty +
//     p·(p·sync - (1-p)·seats·participant_reward), attest being one
//     validator's ideal flag rewards, proposer the ideal proposer total, sync
//     the ideal sync issuance and seats = SLOTS_PER_EPOCH·SYNC_COMMITTEE_SIZE:
//     a block (share p of the slots) pays the share p of seats that signed and
//     charges the others.
//   - These are finalizing-chain figures. Below p = 2/3 the chain cannot
//     justify, enters an inactivity leak and attestation rewards stop: the
//     row is marked finalizing: false and its figures do not apply.
func aprCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:        "apr",
		Usage:       "the analytic consensus-layer APR of a 32-ETH validator at given total stakes",
		ArgsUsage:   " ",
		Description: aprDescription,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "stake-eth", Usage: "total staked `ETH`, a number with an optional k or M suffix (34M = 34000000), at least 32 and at most 1e9; repeat it for several rows (default: a table over 1M, 5M, 10M, 20M, 30M, 34M, 40M, 50M, 60M and 100M)"},
			&cli.StringFlag{Name: "preset", Value: "mainnet", Usage: "consensus `PRESET`: mainnet or minimal"},
			&cli.Float64Flag{Name: "participation", Value: 1, Usage: "share `P` in (0, 1] of the stake attesting timely; a participating validator earns P times the ideal rewards, the rest loses source and target penalties"},
			&cli.BoolFlag{Name: "json", Usage: "print a JSON array, one object per stake"},
		},
		Action: func(c *cli.Context) error { return runAPR(c, stdout) },
	}
}

// runAPR checks the flags and prints one row per stake.
func runAPR(c *cli.Context, stdout io.Writer) error {
	if c.Args().Present() {
		return badInput(errors.New("apr takes no arguments (see stakesim apr --help)"))
	}
	cfg, ok := consensus.PresetByName(c.String("preset"))
	if !ok {
		return badInput(fmt.Errorf("--preset: unknown preset %q (mainnet or minimal)", c.String("preset")))
	}
	p := c.Float64("participation")
	if !(p > 0 && p <= 1) {
		return badInput(fmt.Errorf("--participation: %v is not in (0, 1]", p))
	}
	stakes, err := aprStakes(c.StringSlice("stake-eth"))
	if err != nil {
		return err
	}
	rows := make([]aprRow, len(stakes))
	for i, s := range stakes {
		rows[i] = aprRowFor(&cfg, s, p)
	}
	if c.Bool("json") {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	return writeAPR(stdout, &cfg, p, rows)
}

// aprStakes parses the --stake-eth values, or returns the default list.
func aprStakes(values []string) ([]float64, error) {
	if len(values) == 0 {
		return aprDefaultStakesETH, nil
	}
	out := make([]float64, len(values))
	for i, v := range values {
		s, err := parseAPRStakeETH(v)
		if err != nil {
			return nil, badInput(fmt.Errorf("--stake-eth: %w", err))
		}
		out[i] = s
	}
	return out, nil
}

// parseAPRStakeETH reads an amount of ETH: a decimal number, optionally with
// a k/K (thousand) or M (million) suffix.
func parseAPRStakeETH(text string) (float64, error) {
	num, mult := strings.TrimSpace(text), 1.0
	switch {
	case strings.HasSuffix(num, "M"):
		num, mult = strings.TrimSuffix(num, "M"), 1e6
	case strings.HasSuffix(num, "k"), strings.HasSuffix(num, "K"):
		num, mult = num[:len(num)-1], 1e3
	}
	v, err := strconv.ParseFloat(num, 64)
	v *= mult
	switch {
	case err != nil || math.IsNaN(v):
		return 0, fmt.Errorf("%q is not an amount of ETH (one value per --stake-eth, e.g. 1000000, 1e6 or 1M)", text)
	case v < 0:
		return 0, fmt.Errorf("%q is negative", text)
	case v < aprValidatorETH:
		return 0, fmt.Errorf("%q is less than one 32-ETH validator", text)
	case v > aprMaxStakeETH:
		return 0, fmt.Errorf("%q is above the model's limit of 1e9 ETH", text)
	}
	return v, nil
}

// aprRowFor computes one stake's figures (see aprCommand's comment).
func aprRowFor(cfg *consensus.Config, stakeETH, p float64) aprRow {
	n := uint64(stakeETH / aprValidatorETH)
	eb := consensus.Gwei(aprValidatorETH * aprGweiPerETH)
	counted := consensus.Gwei(n) * eb
	attestIdeal := economics.IdealEpochIssuance(cfg, n, eb)
	syncIdeal := economics.IdealEpochSyncIssuance(cfg, n, eb)
	participant, _ := economics.SyncRewardsPerSeat(cfg, n, eb)
	seats := float64(cfg.SlotsPerEpoch * cfg.SyncCommitteeSize)
	ideal := attestIdeal + syncIdeal
	base, attest, penalty := aprValidatorRewards(cfg, counted, eb)
	proposer := float64(uint64(attestIdeal) - n*attest)
	nf := float64(n)
	net := p*p*nf*float64(attest) + p*proposer - (1-p)*nf*float64(penalty) +
		p*(p*float64(syncIdeal)-(1-p)*seats*float64(participant))
	apr := p * economics.AnnualisedPercent(cfg, ideal, counted)
	return aprRow{
		Preset: cfg.PresetName, Participation: p,
		TotalStakeETH: stakeETH, Validators: n, CountedStakeETH: n * aprValidatorETH,
		BaseRewardGwei:     base,
		RewardGweiPerEpoch: p * float64(ideal) / nf,
		RewardETHPerYear:   apr / 100 * aprValidatorETH,
		APRPercent:         apr,
		IssuanceETHPerYear: net * aprEpochsPerYear(cfg) / aprGweiPerETH,
		Finalizing:         3*p >= 2,
	}
}

// aprValidatorRewards returns, for a validator of effective balance eb in
// a total active balance total, its base reward, its ideal flag rewards
// (source + target + head) and its penalty for missing source and target.
func aprValidatorRewards(cfg *consensus.Config, total, eb consensus.Gwei) (base, attest, penalty uint64) {
	base = uint64(eb/cfg.EffectiveBalanceIncrement) * uint64(consensus.GetBaseRewardPerIncrement(cfg, total))
	for _, w := range consensus.ParticipationFlagWeights {
		attest += base * w / consensus.WeightDenominator
	}
	penalty = base*consensus.TimelySourceWeight/consensus.WeightDenominator +
		base*consensus.TimelyTargetWeight/consensus.WeightDenominator
	return base, attest, penalty
}

// aprEpochsPerYear uses the 365.25-day year of economics.AnnualisedPercent.
func aprEpochsPerYear(cfg *consensus.Config) float64 {
	return 365.25 * 86400 / cfg.SecondsPerEpoch()
}

// writeAPR prints the rows as a table with a note on what they include.
func writeAPR(w io.Writer, cfg *consensus.Config, p float64, rows []aprRow) error {
	fmt.Fprintf(w, "Validator APR, preset %s, participation %s (32-ETH validators; consensus layer only)\n",
		cfg.PresetName, strconv.FormatFloat(p, 'g', -1, 64))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "TOTAL_STAKE_ETH\tVALIDATORS\tBASE_REWARD_GWEI\tAPR_%%\tETH/VALIDATOR/YEAR\tISSUANCE_ETH/YEAR\t\n")
	for _, r := range rows {
		mark := ""
		if !r.Finalizing {
			mark = "*"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.3f%s\t%.5f\t%.0f\t\n", strconv.FormatFloat(r.TotalStakeETH, 'f', -1, 64),
			r.Validators, r.BaseRewardGwei, r.APRPercent, mark, r.RewardETHPerYear, r.IssuanceETHPerYear)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, aprNote(p))
	return err
}

// aprNote says what the table counts, and warns below 2/3 participation.
func aprNote(p float64) string {
	note := "APR_%: a participating validator's yield: participation × (its timely source, target and\n" +
		"  head rewards + its share of the proposer rewards for attestations + its expected sync-committee\n" +
		"  rewards); no fees or MEV; simple interest, 365.25-day year. ISSUANCE_ETH/YEAR: the network's net\n" +
		"  new ETH, rewards minus the non-participants' source, target and sync penalties.\n"
	if 3*p < 2 {
		note += "* participation below 2/3: the chain does not finalize and enters an inactivity leak in\n" +
			"  which attestation rewards stop; these figures assume finality and do not apply.\n"
	}
	return note
}
