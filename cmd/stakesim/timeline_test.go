package main

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
)

// smallTimeline is a minimal-preset timeline that finishes in milliseconds:
// 400 validators, 320 of them consolidating into 2048-ETH targets.
var smallTimeline = []string{"maxeb-timeline", "--preset", "minimal", "--stake-eth", "12800", "--consolidate-eth", "10240", "--target-eth", "2048"}

func TestTimelineJSON(t *testing.T) {
	code, stdout, stderr := runCLI(t, append(smallTimeline, "--json")...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing", stderr)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, stdout)
	}
	for _, k := range []string{
		"stake_eth", "consolidate_eth", "target_eth", "preset", "validators_at_start", "validators_at_end",
		"consolidation_churn_gwei_per_epoch", "consolidation_churn_gwei_per_epoch_min", "consolidation_churn_gwei_per_epoch_max",
		"first_request_epoch", "last_completion_epoch", "epochs", "days", "months",
		"requests_sent", "requests_ignored", "peak_pending_consolidations",
	} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON has no %q", k)
		}
	}
	var r struct {
		Preset         string
		StakeETH       uint64         `json:"stake_eth"`
		ConsolidateETH uint64         `json:"consolidate_eth"`
		TargetETH      uint64         `json:"target_eth"`
		Start          int            `json:"validators_at_start"`
		End            int            `json:"validators_at_end"`
		Targets        int            `json:"targets"`
		Sources        int            `json:"sources"`
		Churn          uint64         `json:"consolidation_churn_gwei_per_epoch"`
		ChurnMin       uint64         `json:"consolidation_churn_gwei_per_epoch_min"`
		ChurnMax       uint64         `json:"consolidation_churn_gwei_per_epoch_max"`
		First          uint64         `json:"first_request_epoch"`
		Last           uint64         `json:"last_completion_epoch"`
		Epochs         uint64         `json:"epochs"`
		Days           float64        `json:"days"`
		Months         float64        `json:"months"`
		Sent           int            `json:"requests_sent"`
		Switches       int            `json:"switches"`
		Consolidations int            `json:"consolidations"`
		Ignored        map[string]int `json:"requests_ignored"`
		Peak           int            `json:"peak_pending_consolidations"`
		BalanceMoved   uint64         `json:"balance_moved_gwei"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r.Preset != "minimal" || r.StakeETH != 12800 || r.ConsolidateETH != 10240 || r.TargetETH != 2048 {
		t.Errorf("inputs echoed wrong: %+v", r)
	}
	// 400 validators; 320 take part: 5 groups of 64 = 5 targets, 315 sources.
	if r.Start != 400 || r.Targets != 5 || r.Sources != 315 || r.End != 400-315 {
		t.Errorf("validators %d -> %d, targets %d, sources %d; want 400 -> 85, 5, 315", r.Start, r.End, r.Targets, r.Sources)
	}
	if r.Epochs != r.Last-r.First || r.Epochs == 0 {
		t.Errorf("epochs %d != last_completion_epoch %d - first_request_epoch %d", r.Epochs, r.Last, r.First)
	}
	// Minimal preset: SECONDS_PER_SLOT 6, SLOTS_PER_EPOCH 8.
	wantDays := float64(r.Epochs) * 6 * 8 / 86400
	if math.Abs(r.Days-wantDays) > 1e-9 || math.Abs(r.Months-wantDays/30.44) > 1e-9 {
		t.Errorf("days %v months %v, want %v and %v", r.Days, r.Months, wantDays, wantDays/30.44)
	}
	if r.Sent != r.Switches+r.Consolidations || r.Switches != r.Targets || r.Consolidations != r.Sources {
		t.Errorf("sent %d = %d switches + %d consolidations? targets %d sources %d", r.Sent, r.Switches, r.Consolidations, r.Targets, r.Sources)
	}
	if r.Ignored == nil || len(r.Ignored) != 0 {
		t.Errorf("requests_ignored = %v, want an empty object", r.Ignored)
	}
	if !(r.ChurnMin <= r.Churn && r.Churn <= r.ChurnMax) || r.Churn <= 32e9 {
		t.Errorf("churn %d outside [%d, %d] or not above 32 ETH", r.Churn, r.ChurnMin, r.ChurnMax)
	}
	// PENDING_CONSOLIDATIONS_LIMIT is 64 in the minimal preset.
	if r.Peak <= 0 || r.Peak > 64 {
		t.Errorf("peak_pending_consolidations %d outside (0, 64]", r.Peak)
	}
	if r.BalanceMoved != 315*32e9 {
		t.Errorf("balance_moved_gwei %d, want %d", r.BalanceMoved, uint64(315*32e9))
	}

	// The human-readable form reports the same run.
	code, text, stderr := runCLI(t, smallTimeline...)
	if code != exitOK {
		t.Fatalf("text form: exit %d: %s", code, stderr)
	}
	if !strings.Contains(text, "duration:         "+strconv.FormatUint(r.Epochs, 10)+" epochs") ||
		!strings.Contains(text, "last completion:  epoch "+strconv.FormatUint(r.Last, 10)) {
		t.Errorf("text output does not match the JSON (%d epochs, completion %d):\n%s", r.Epochs, r.Last, text)
	}
	// Deterministic: a second run prints the same bytes.
	if _, again, _ := runCLI(t, append(smallTimeline, "--json")...); again != stdout {
		t.Error("two runs printed different JSON")
	}
}

func TestTimelineBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		flag string // must appear in the message
	}{
		{"target above 2048", []string{"--target-eth", "4096"}, "--target-eth"},
		{"target 32", []string{"--target-eth", "32"}, "--target-eth"},
		{"target zero", []string{"--target-eth", "0"}, "--target-eth"},
		{"consolidate above stake", []string{"--preset", "minimal", "--stake-eth", "12800", "--consolidate-eth", "20000"}, "--consolidate-eth"},
		{"consolidate zero", []string{"--consolidate-eth", "0"}, "--consolidate-eth"},
		{"stake zero", []string{"--stake-eth", "0"}, "--stake-eth"},
		{"stake negative", []string{"--stake-eth", "-5"}, "stake-eth"},
		{"stake not a number", []string{"--stake-eth", "lots"}, "stake-eth"},
		{"stake too low for any consolidation churn", []string{"--stake-eth", "1000000", "--consolidate-eth", "1000"}, "--stake-eth"},
		{"unknown preset", []string{"--preset", "holesky"}, "--preset"},
		{"positional argument", []string{"now"}, "no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"maxeb-timeline"}, tt.args...)...)
			if code != exitBadInput {
				t.Errorf("exit %d, want %d; stderr %s", code, exitBadInput, stderr)
			}
			if !strings.Contains(stderr, tt.flag) {
				t.Errorf("stderr does not name %s:\n%s", tt.flag, stderr)
			}
			if strings.Contains(stdout, "epochs") {
				t.Errorf("stdout has a result:\n%s", stdout)
			}
			checkNoTrace(t, stderr)
		})
	}
}

func TestTimelineHelpDocumentsModel(t *testing.T) {
	code, help, _ := runCLI(t, "maxeb-timeline", "--help")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, s := range []string{"34000000", "32000000", "2048", "mainnet", "rounded down", "No attestations, rewards", "months = days / 30.44"} {
		if !strings.Contains(help, s) {
			t.Errorf("help does not mention %q", s)
		}
	}
}
