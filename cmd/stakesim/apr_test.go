package main

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

// The expected figures below are worked out by hand from the spec's
// formulas (Altair get_base_reward_per_increment, get_flag_index_deltas,
// process_attestation's proposer reward, process_sync_aggregate), never from
// the code under test:
//
//	base_reward_per_increment = EFFECTIVE_BALANCE_INCREMENT * BASE_REWARD_FACTOR // integer_squareroot(total_active_balance)
//	base_reward = 32 * base_reward_per_increment          (32-ETH validators)
//	flag reward = base_reward * weight // 64               (weights 14, 26, 14; all participate)
//	proposer reward per aggregate = Σ base_reward * 54 // 448 over its attesters
//	epochs per year = 365.25 * 86400 / (SLOTS_PER_EPOCH * SECONDS_PER_SLOT)
//	sync: total_base_rewards = base_reward_per_increment * total increments;
//	  participant_reward = total_base_rewards * 2 // 64 // SLOTS_PER_EPOCH // SYNC_COMMITTEE_SIZE;
//	  proposer_reward = participant_reward * 8 // 56, per bit;
//	  per epoch, all bits set: SLOTS_PER_EPOCH * SYNC_COMMITTEE_SIZE * (participant + proposer)
//
// Mainnet, 1,000,000 ETH:
//
//	n = 1,000,000 / 32 = 31,250 validators; total active balance 1e15 Gwei
//	integer_squareroot(1e15) = 31,622,776 (31,622,776² = 999,999,961,946,176 <= 1e15 < 31,622,777²)
//	per increment = 64e9 // 31,622,776 = 2,023 (2,023 * 31,622,776 = 63,972,875,848)
//	base_reward = 32 * 2,023 = 64,736 Gwei
//	flags: 64,736*14//64 = 14,161; 64,736*26//64 = 26,299; head 14,161; sum 54,621
//	committees: min(64, 31,250//32//128 = 7) per slot = 224 per epoch, of 139 or 140
//	proposer: 64,736*54 = 3,495,744 = 448 * 7,803, so an aggregate of k attesters
//	  pays k * 7,803 exactly: 31,250 * 7,803 = 243,843,750 Gwei per epoch
//	attestations per validator per epoch: 54,621 + 7,803 = 62,424 Gwei
//	sync: total_base_rewards = 2,023 * 1,000,000 = 2,023,000,000;
//	  * 2 // 64 = 63,218,750; // 32 = 1,975,585; // 512 = 3,858 (participant);
//	  3,858 * 8 // 56 = 551 (proposer); 32 * 512 * (3,858 + 551) = 72,237,056
//	  Gwei per epoch (participants alone: 32 * 512 * 3,858 = 63,209,472)
//	network per epoch: 31,250 * 62,424 + 72,237,056 = 2,022,987,056 Gwei
//	per validator per epoch: 2,022,987,056 / 31,250 = 64,735.585792 Gwei
//	epochs per year: 31,557,600 / 384 = 82,181.25
//	APR = 64,735.585792 * 82,181.25 / 32e9 * 100 ≈ 16.6252%
//	issuance = 2,022,987,056 * 82,181.25 / 1e9 ≈ 166,251.60 ETH per year
//
// Mainnet, 34,000,000 ETH (here the per-aggregate floor matters):
//
//	n = 1,062,500; total 3.4e16 Gwei; integer_squareroot = 184,390,889
//	  (184,390,889² = 33,999,999,946,210,321 <= 3.4e16 < 184,390,890²)
//	per increment = 64e9 // 184,390,889 = 347 (347 * 184,390,889 = 63,983,638,483;
//	  348 * it = 64,168,029,372 > 64e9); base_reward = 32 * 347 = 11,104
//	flags: 11,104*14//64 = 2,429; 11,104*26//64 = 4,511; head 2,429; sum 9,369
//	proposer: since EIP-7549 each block carries one on-chain aggregate of
//	  the previous slot's committees, floored once. Slot s holds
//	  1,062,500*(s+1)//32 - 1,062,500*s//32 validators: 1,062,500 =
//	  32*33,203 + 4, so 28 slots of 33,203 and 4 of 33,204.
//	  11,104*54/448 = 1,338 + 3/7, so an aggregate of k pays
//	  1,338k + floor(3k/7): 33,203 -> 44,425,614 + 14,229 = 44,439,843;
//	  33,204 -> 44,426,952 + 14,230 = 44,441,182
//	  total 28*44,439,843 + 4*44,441,182 = 1,422,080,332 Gwei per epoch
//	  (per committee, before Electra, it was 1,422,079,656)
//	attestations: 1,062,500*9,369 + 1,422,080,332 = 11,376,642,832 Gwei
//	sync: total_base_rewards = 347 * 34,000,000 = 11,798,000,000; * 2 // 64 =
//	  368,687,500; // 32 = 11,521,484; // 512 = 22,502 (participant);
//	  22,502 * 8 // 56 = 3,214 (proposer); 32 * 512 * 25,716 = 421,330,944
//	epoch total: 11,376,642,832 + 421,330,944 = 11,797,973,776 Gwei
//	APR = 11,797,973,776 / (1,062,500 * 32e9) * 82,181.25 * 100 ≈ 2.8517%
//
// Participation 0.9 at 1,000,000 ETH on mainnet: a participating validator
// earns 0.9 of the ideal 64,735.585792 Gwei; the network issues
// 0.9² * 31,250 * 54,621 (flags) + 0.9 * 243,843,750 (proposers)
// - 0.1 * 31,250 * (14,161 + 26,299) (source and target penalties)
// + 0.9 * (0.9 * 72,237,056 - 0.1 * 63,209,472) (sync: blocks in 0.9 of the
// slots pay the 0.9 of seats that signed and charge the rest) per epoch.
//
// Minimal, 1,000,000 ETH: the same base reward and 62,424 Gwei of
// attestation rewards per validator per epoch (8 on-chain aggregates of 4
// committees each, still k * 7,803 each); sync: 2,023,000,000 * 2 // 64 =
// 63,218,750; // 8 = 7,902,343; // 32 = 246,948 (participant); * 8 // 56 =
// 35,278 (proposer); 8 * 32 * 282,226 = 72,249,856 Gwei per epoch, but 8 slots of 6 s: 31,557,600 / 48 = 657,450 epochs
// per year, APR = 62,424 * 657,450 / 32e9 * 100 ≈ 128.25%.

// aprOut is one row of apr --json.
type aprOut struct {
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

// aprJSON runs apr --json with args and decodes its rows strictly.
func aprJSON(t *testing.T, args ...string) []aprOut {
	t.Helper()
	code, stdout, stderr := runCLI(t, append([]string{"apr", "--json"}, args...)...)
	if code != exitOK {
		t.Fatalf("apr %v: exit %d; stderr:\n%s", args, code, stderr)
	}
	var rows []aprOut
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("apr %v: output is not the expected JSON array: %v\n%s", args, err, stdout)
	}
	return rows
}

func aprCloseTo(got, want float64) bool {
	return math.Abs(got-want) <= 1e-12*math.Max(1, math.Abs(want))
}

func TestAPRByHand(t *testing.T) {
	const (
		mainnetEpochs = 365.25 * 86400 / (32 * 12)
		minimalEpochs = 365.25 * 86400 / (8 * 6)
	)
	tests := []struct {
		name     string
		args     []string
		want     aprOut
		perEpoch float64 // Gwei, one participating validator
		network  float64 // Gwei per epoch, the whole network
	}{
		{"mainnet 1M", []string{"--stake-eth", "1000000"},
			aprOut{"mainnet", 1, 1e6, 31_250, 1_000_000, 64_736, 0, 0, 0, 0, true},
			2_022_987_056.0 / 31_250, 2_022_987_056},
		{"mainnet 1M, not a multiple of 32", []string{"--stake-eth", "1000010"},
			aprOut{"mainnet", 1, 1_000_010, 31_250, 1_000_000, 64_736, 0, 0, 0, 0, true},
			2_022_987_056.0 / 31_250, 2_022_987_056},
		{"mainnet 34M", []string{"--stake-eth", "34M"},
			aprOut{"mainnet", 1, 34e6, 1_062_500, 34_000_000, 11_104, 0, 0, 0, 0, true},
			11_797_973_776.0 / 1_062_500, 11_797_973_776},
		{"mainnet 1M, participation 0.9", []string{"--stake-eth", "1e6", "--participation", "0.9"},
			aprOut{"mainnet", 0.9, 1e6, 31_250, 1_000_000, 64_736, 0, 0, 0, 0, true},
			0.9 * 2_022_987_056.0 / 31_250, 0.81*31_250*54_621 + 0.9*243_843_750 - 0.1*31_250*(14_161+26_299) +
				0.9*(0.9*72_237_056-0.1*63_209_472)},
		{"minimal 1M", []string{"--stake-eth", "1000k", "--preset", "minimal"},
			aprOut{"minimal", 1, 1e6, 31_250, 1_000_000, 64_736, 0, 0, 0, 0, true},
			62_424 + 72_249_856.0/31_250, 31_250*62_424 + 72_249_856},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := aprJSON(t, tt.args...)
			if len(rows) != 1 {
				t.Fatalf("%d rows, want 1", len(rows))
			}
			got := rows[0]
			epochs := mainnetEpochs
			if tt.want.Preset == "minimal" {
				epochs = minimalEpochs
			}
			want := tt.want
			want.RewardGweiPerEpoch = tt.perEpoch
			want.RewardETHPerYear = tt.perEpoch * epochs / 1e9
			want.APRPercent = tt.perEpoch * epochs / 32e9 * 100
			want.IssuanceETHPerYear = tt.network * epochs / 1e9
			exact := got.Preset == want.Preset && got.Participation == want.Participation &&
				got.TotalStakeETH == want.TotalStakeETH && got.Validators == want.Validators &&
				got.CountedStakeETH == want.CountedStakeETH && got.BaseRewardGwei == want.BaseRewardGwei &&
				got.Finalizing == want.Finalizing
			near := aprCloseTo(got.RewardGweiPerEpoch, want.RewardGweiPerEpoch) &&
				aprCloseTo(got.RewardETHPerYear, want.RewardETHPerYear) &&
				aprCloseTo(got.APRPercent, want.APRPercent) &&
				aprCloseTo(got.IssuanceETHPerYear, want.IssuanceETHPerYear)
			if !exact || !near {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestAPRRoundedFigures pins the worked examples' rounded values, as a
// reader would check them against the comment above.
func TestAPRRoundedFigures(t *testing.T) {
	rows := aprJSON(t, "--stake-eth", "1M", "--stake-eth", "34M")
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	if got := math.Round(rows[0].APRPercent*1e4) / 1e4; got != 16.6252 {
		t.Errorf("1M ETH: APR %v%%, want 16.6252%%", got)
	}
	if got := math.Round(rows[0].IssuanceETHPerYear*100) / 100; got != 166_251.60 {
		t.Errorf("1M ETH: issuance %v ETH/year, want 166251.60", got)
	}
	if got := math.Round(rows[1].APRPercent*1e4) / 1e4; got != 2.8517 {
		t.Errorf("34M ETH: APR %v%%, want 2.8517%%", got)
	}
}

// TestAPRDefaultTable: without --stake-eth, a mainnet table over the
// documented stakes, the APR falling as the stake grows.
func TestAPRDefaultTable(t *testing.T) {
	rows := aprJSON(t)
	var stakes []float64
	for i, r := range rows {
		stakes = append(stakes, r.TotalStakeETH)
		if r.Preset != "mainnet" || r.Participation != 1 || !r.Finalizing {
			t.Errorf("row %d: %+v, want mainnet at participation 1", i, r)
		}
		if i > 0 && !(r.APRPercent < rows[i-1].APRPercent) {
			t.Errorf("APR does not fall from %v to %v ETH", rows[i-1].TotalStakeETH, r.TotalStakeETH)
		}
	}
	want := []float64{1e6, 5e6, 10e6, 20e6, 30e6, 34e6, 40e6, 50e6, 60e6, 100e6}
	if !slices.Equal(stakes, want) {
		t.Errorf("default stakes %v, want %v", stakes, want)
	}
	code, text, stderr := runCLI(t, "apr")
	if code != exitOK || stderr != "" {
		t.Fatalf("apr: exit %d, stderr %q", code, stderr)
	}
	for _, s := range []string{"preset mainnet, participation 1", "TOTAL_STAKE_ETH", "APR_%", "ISSUANCE_ETH/YEAR",
		"1000000       31250             64736  16.625", "expected sync-committee"} {
		if !strings.Contains(text, s) {
			t.Errorf("text output lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, "below 2/3") {
		t.Errorf("full participation flagged as not finalizing:\n%s", text)
	}
}

// TestAPRJSONFields: --json is one array whose objects carry exactly the
// documented field names.
func TestAPRJSONFields(t *testing.T) {
	code, stdout, _ := runCLI(t, "apr", "--stake-eth", "32", "--json")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("not a JSON array of one object (%v):\n%s", err, stdout)
	}
	var keys []string
	for k := range rows[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"apr_percent", "base_reward_gwei", "counted_stake_eth", "finalizing", "issuance_eth_per_year",
		"participation", "preset", "total_stake_eth", "validator_reward_eth_per_year",
		"validator_reward_gwei_per_epoch", "validators"}
	if !slices.Equal(keys, want) {
		t.Errorf("fields %v, want %v", keys, want)
	}
}

// TestAPRLowParticipation: below 2/3 the rows are marked as not
// finalizing, in JSON and in the table; non-participants' penalties can
// make the net issuance negative (at 0.5 and 34M ETH: 0.25*n*9,369 +
// 0.5*1,422,079,656 - 0.5*n*6,940 < 0 with n = 1,062,500).
func TestAPRLowParticipation(t *testing.T) {
	rows := aprJSON(t, "--stake-eth", "34M", "--participation", "0.5")
	if len(rows) != 1 || rows[0].Finalizing || !(rows[0].IssuanceETHPerYear < 0) {
		t.Errorf("rows %+v, want one not finalizing with negative issuance", rows)
	}
	if rows := aprJSON(t, "--stake-eth", "34M", "--participation", "0.7"); !rows[0].Finalizing {
		t.Errorf("participation 0.7 marked as not finalizing")
	}
	_, text, _ := runCLI(t, "apr", "--stake-eth", "34M", "--participation", "0.5")
	if !strings.Contains(text, "*") || !strings.Contains(text, "participation below 2/3") {
		t.Errorf("the table does not flag participation 0.5:\n%s", text)
	}
}

func TestAPRBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"negative stake", []string{"--stake-eth", "-5"}, `--stake-eth: "-5" is negative`},
		{"negative stake with =", []string{"--stake-eth=-1M"}, `--stake-eth: "-1M" is negative`},
		{"stake below one validator", []string{"--stake-eth", "31"}, `--stake-eth: "31" is less than one 32-ETH validator`},
		{"zero stake", []string{"--stake-eth", "0"}, `--stake-eth: "0"`},
		{"stake too large", []string{"--stake-eth", "2e9"}, `--stake-eth: "2e9" is above`},
		{"stake not a number", []string{"--stake-eth", "lots"}, `--stake-eth: "lots" is not an amount of ETH`},
		{"stake with commas", []string{"--stake-eth", "1,000,000"}, `--stake-eth: "1,000,000" is not an amount of ETH`},
		{"stake NaN", []string{"--stake-eth", "NaN"}, `--stake-eth: "NaN"`},
		{"stake Inf", []string{"--stake-eth", "Inf"}, `--stake-eth: "Inf"`},
		{"participation zero", []string{"--participation", "0"}, "--participation: 0 is not in (0, 1]"},
		{"participation above 1", []string{"--participation", "1.01"}, "--participation: 1.01 is not in (0, 1]"},
		{"participation negative", []string{"--participation=-0.5"}, "--participation: -0.5 is not in (0, 1]"},
		{"participation NaN", []string{"--participation", "NaN"}, "--participation: NaN"},
		{"participation not a number", []string{"--participation", "most"}, "participation"},
		{"unknown preset", []string{"--preset", "gnosis"}, `--preset: unknown preset "gnosis" (mainnet or minimal)`},
		{"argument", []string{"34M"}, "apr takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"apr"}, tt.args...)...)
			if code != exitBadInput {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitBadInput, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.HasPrefix(stderr, "stakesim: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want a stakesim: message with %q", stderr, tt.want)
			}
			checkNoTrace(t, stderr)
		})
	}
}
