package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The built-ins' validators and preset params. Each list is the contract:
// a built-in missing from it says in its file why it has no such param.
var (
	builtinValidators = map[string]int{ // default validators
		"baseline": 1024, "offline-20": 1024, "partition-50-50": 1024, "partition-leak": 128,
		"attack-33": 256, "attack-34-both-sides": 256, "attack-67": 256, "balancing": 256, "ex-ante-reorg": 256,
		"late-block-reorg": 256,
	}
	// mainnet is the one built-in on the mainnet preset, with no preset
	// param and its own validators range (TestBuiltinMainnet).
	builtinNoPreset = []string{"mainnet", "bls-change-exit", "maxeb-consolidation", "maxeb-exit-queue", "voluntary-exit", "lst-slashing", "lst-leak", "lrt-avs-slash", "steth-2022", "ezeth-2024", "lst-slash-loops"}
)

// TestBuiltinValidatorsAndPreset: --set validators=N makes N validators
// (the groups are shares of it) and --set preset=mainnet selects mainnet,
// in every built-in that has the params; the defaults are the counts the
// built-ins were written for.
func TestBuiltinValidatorsAndPreset(t *testing.T) {
	for _, name := range builtinNames() {
		t.Run(name, func(t *testing.T) {
			def, err := Load(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			if name == "mainnet" {
				return // TestBuiltinMainnet
			}
			if def.Preset != PresetMinimal {
				t.Errorf("default preset %q, want minimal", def.Preset)
			}
			p, hasPreset := def.Param("preset")
			if want := !slices.Contains(builtinNoPreset, name); hasPreset != want {
				t.Fatalf("has a preset param: %v, want %v", hasPreset, want)
			}
			if hasPreset {
				if !slices.Equal(p.Values, []string{"minimal", "mainnet"}) || p.Text != "minimal" || p.Value != 0 || p.Default != 0 || p.Min != 0 || p.Max != 1 {
					t.Errorf("preset param %+v", p)
				}
				sc, err := Load(name, []Override{{Name: "preset", Value: "mainnet"}})
				if err != nil {
					t.Fatal(err)
				}
				if q, _ := sc.Param("preset"); sc.Preset != PresetMainnet || q.Text != "mainnet" || q.Value != 1 {
					t.Errorf("--set preset=mainnet: Preset %q, param %+v", sc.Preset, q)
				}
				if sc.TotalValidators() != def.TotalValidators() {
					t.Errorf("--set preset=mainnet changed the validators: %d, want %d", sc.TotalValidators(), def.TotalValidators())
				}
			}
			wantDefault, hasValidators := builtinValidators[name]
			if q, ok := def.Param("validators"); ok != hasValidators {
				t.Fatalf("has a validators param: %v, want %v", ok, hasValidators)
			} else if !ok {
				return
			} else if q.Default != float64(wantDefault) || q.Min != 64 || q.Max != 200000 {
				t.Errorf("validators param %+v, want default %d in [64, 200000]", q, wantDefault)
			}
			if def.TotalValidators() != wantDefault {
				t.Errorf("default: %d validators, want %d", def.TotalValidators(), wantDefault)
			}
			for _, n := range []int{64, 1000, 20000, 200000} {
				ovs := []Override{{Name: "validators", Value: fmt.Sprint(n)}}
				if hasPreset {
					ovs = append(ovs, Override{Name: "preset", Value: "mainnet"})
				}
				sc, err := Load(name, ovs)
				if err != nil {
					t.Fatalf("validators=%d: %v", n, err)
				}
				if sc.TotalValidators() != n {
					t.Errorf("validators=%d: %d validators", n, sc.TotalValidators())
				}
				if hasPreset && sc.Preset != PresetMainnet {
					t.Errorf("validators=%d preset=mainnet: preset %q", n, sc.Preset)
				}
			}
		})
	}
}

// TestBuiltinMainnet: the mainnet built-in is a million validators on the
// mainnet preset in aggregate mode, with params for the offline share,
// its start and the epochs, and clients of 256 validators.
func TestBuiltinMainnet(t *testing.T) {
	def, err := Load("mainnet", nil)
	if err != nil {
		t.Fatal(err)
	}
	if def.Preset != PresetMainnet || def.BLS != BLSAggregate || def.TotalValidators() != 1_000_000 || def.Epochs != 4 {
		t.Errorf("default: preset %s, bls %s, %d validators, %d epochs", def.Preset, def.BLS, def.TotalValidators(), def.Epochs)
	}
	if q, ok := def.Param("validators"); !ok || q.Default != 1e6 || q.Min != 1024 || q.Max != 2e6 {
		t.Errorf("validators param %+v", q)
	}
	for _, g := range def.Groups {
		if g.ValidatorsPerAgent != 256 {
			t.Errorf("group %s: %d validators per agent, want 256", g.Name, g.ValidatorsPerAgent)
		}
	}
	// 100,000 at 0.4 from epoch 3: 60,000 online, 40,000 offline.
	sc, err := Load("mainnet", []Override{{"validators", "100000"}, {"offline_share", "0.4"}, {"offline_from", "3"}, {"epochs", "3000"}})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Groups[0].Count != 60000 || sc.Groups[1].Count != 40000 || sc.Epochs != 3000 {
		t.Fatalf("groups %d and %d, %d epochs", sc.Groups[0].Count, sc.Groups[1].Count, sc.Epochs)
	}
	if b := sc.Groups[1].Behaviours; len(b) != 1 || b[0].Kind != "offline" || b[0].FromEpoch != 3 {
		t.Errorf("offline behaviours %+v", b)
	}
}

// TestBuiltinGroupsScale checks the groups of two built-ins at a size
// other than the default, worked out by hand.
func TestBuiltinGroupsScale(t *testing.T) {
	// 20,000 * 0.4 = 8,000 offline, 12,000 online.
	off, err := Load("offline-20", []Override{{"validators", "20000"}, {"preset", "mainnet"}, {"offline_share", "0.4"}})
	if err != nil {
		t.Fatal(err)
	}
	if off.Preset != PresetMainnet || off.Groups[0].Count != 12000 || off.Groups[1].Count != 8000 {
		t.Errorf("offline-20: preset %s, groups %d and %d", off.Preset, off.Groups[0].Count, off.Groups[1].Count)
	}
	// attack-34-both-sides at 1,000: attackers round(340) = 340, honest-a
	// round(1000 * 0.66 / 2) = 330, honest-b 1000 - 340 - 330 = 330.
	both, err := Load("attack-34-both-sides", []Override{{"validators", "1000"}})
	if err != nil {
		t.Fatal(err)
	}
	got := []int{both.Groups[0].Count, both.Groups[1].Count, both.Groups[2].Count}
	if !slices.Equal(got, []int{330, 330, 340}) {
		t.Errorf("attack-34-both-sides at 1000: groups %v, want [330 330 340]", got)
	}
}

// declLine returns the line of "  - name: NAME" in a built-in's file.
func declLine(t *testing.T, builtin, param string) int {
	t.Helper()
	data, _ := BuiltinYAML(builtin)
	for i, line := range strings.Split(string(data), "\n") {
		if line == "  - name: "+param {
			return i + 1
		}
	}
	t.Fatalf("%s declares no param %s", builtin, param)
	return 0
}

func TestOfflineShareRange(t *testing.T) {
	sc, err := Load("offline-20", []Override{{"offline_share", "0.9"}})
	if err != nil {
		t.Fatalf("offline_share=0.9: %v", err)
	}
	// 1,024 * 0.9 = 921.6, rounded to 922 offline.
	if sc.Groups[1].Count != 922 || sc.Groups[0].Count != 102 {
		t.Errorf("offline_share=0.9: groups %+v", sc.Groups)
	}
	_, err = Load("offline-20", []Override{{"offline_share", "0.95"}})
	want := fmt.Sprintf("builtin:offline-20:%d:5: --set offline_share: bad override: 0.95 is outside the range [0, 0.9] of param offline_share",
		declLine(t, "offline-20", "offline_share"))
	if err == nil || err.Error() != want {
		t.Errorf("offline_share=0.95: err = %v\nwant %s", err, want)
	}
}

func TestBuiltinPresetOverrideErrors(t *testing.T) {
	line := declLine(t, "attack-33", "preset")
	for _, tt := range []struct {
		value, want string
	}{
		{"Mainnet", `"Mainnet" is not one of minimal, mainnet (the values of param preset)`},
		{"1", `"1" is not one of minimal, mainnet (the values of param preset)`},
		{"gnosis", `"gnosis" is not one of minimal, mainnet (the values of param preset)`},
	} {
		_, err := Load("attack-33", []Override{{"preset", tt.value}})
		want := fmt.Sprintf("builtin:attack-33:%d:5: --set preset: bad override: %s", line, tt.want)
		if err == nil || err.Error() != want {
			t.Errorf("preset=%s: err = %v\nwant %s", tt.value, err, want)
		}
	}
}

// TestBuiltinRunLengths checks the run lengths, worked out by hand from
// the epochs expressions of attack-33 and offline-20 (see their comments):
// f is the figure measured at 256 validators, and the leak bound is
// start + 13 + B(Y), B(Y) = max(min(515 + 668Y, 774 + 409Y, 1294 + 240Y),
// 522Y - 5529), Y = 47 - floor(16 * validators / attackers).
func TestBuiltinRunLengths(t *testing.T) {
	for _, tt := range []struct {
		name string
		ovs  []Override
		want uint64
	}{
		// 87 attackers: Y = 47 - floor(4096 / 87) = 0, 10 + 13 + 515 = 538;
		// f = 10 + 400 + round(1600 * 0.08) = 538. The default as before.
		{"attack-33", nil, 538},
		// f = 10 + 400 + 1600 + round(20000 * 0.06) = 3210; Y = 47 - 40 =
		// 7, B = min(5191, 3637, 2974) = 2974, 10 + 13 + 2974 = 2997.
		{"attack-33", []Override{{"attacker_share", "0.4"}, {"validators", "20000"}, {"preset", "mainnet"}}, 3210},
		// 6,700 of 20,000 are more than a third: Y = 47 - floor(47.76) =
		// 0, 538; f = 10 + 400 = 410.
		{"attack-33", []Override{{"attacker_share", "0.335"}, {"validators", "20000"}}, 538},
		// 6,810: Y = 47 - floor(46.99) = 1, B = min(1183, 1183, 1534),
		// 10 + 13 + 1183 = 1206; f = 10 + 400 + round(448) + round(10) = 868.
		{"attack-33", []Override{{"attacker_share", "0.3405"}, {"validators", "20000"}}, 1206},
		// 88 of 256: f = 10 + 400 + 1600 + round(100) = 2110 (as before).
		{"attack-33", []Override{{"attacker_share", "0.345"}}, 2110},
		// At most a third offline: 24 epochs.
		{"offline-20", nil, 24},
		{"offline-20", []Override{{"offline_share", "0.3334"}}, 24}, // 341 of 1,024
		// 348 of 1,024: Y = 47 - floor(47.08) = 0, 4 + 13 + 515.
		{"offline-20", []Override{{"offline_share", "0.34"}}, 532},
		// 8,000 of 20,000: Y = 7, 4 + 13 + 2974.
		{"offline-20", []Override{{"offline_share", "0.4"}, {"validators", "20000"}, {"preset", "mainnet"}}, 2991},
		// 922 of 1,024: Y = 47 - floor(17.77) = 30, B = max(8494, 10131),
		// 4 + 13 + 10131.
		{"offline-20", []Override{{"offline_share", "0.9"}}, 10148},
	} {
		sc, err := Load(tt.name, tt.ovs)
		if err != nil {
			t.Fatalf("%s %v: %v", tt.name, tt.ovs, err)
		}
		if sc.Epochs != tt.want {
			t.Errorf("%s %v: %d epochs, want %d", tt.name, tt.ovs, sc.Epochs, tt.want)
		}
	}
}

// leakDrain returns the epochs, counted from the first epoch of a stall,
// that the inactivity leak alone takes to bring a validator of 32 ETH down
// to an effective balance of x ETH, by the spec's arithmetic (altair
// process_inactivity_updates, bellatrix get_inactivity_penalty_deltas,
// process_effective_balance_updates' hysteresis) without the attestation
// penalties, which only make it faster. Finality is delayed by 2 epochs at
// the stall's first epoch and the leak begins once the delay exceeds
// MIN_EPOCHS_TO_INACTIVITY_PENALTY (4).
func leakDrain(x uint64) uint64 {
	const gwei = 1_000_000_000
	bal, eb, score := uint64(32*gwei), uint64(32*gwei), uint64(0)
	for t := uint64(1); ; t++ {
		if t+1 > 4 {
			score += 4 // INACTIVITY_SCORE_BIAS
		} else {
			score -= min(16, score) // INACTIVITY_SCORE_RECOVERY_RATE
		}
		bal -= eb * score / (4 << 24) // INACTIVITY_SCORE_BIAS * INACTIVITY_PENALTY_QUOTIENT_BELLATRIX
		if bal+gwei/4 < eb {
			eb = bal - bal%gwei
		}
		if eb <= x*gwei {
			return t
		}
	}
}

// TestRunLengthCoversTheLeak: at any validators, preset and share that
// stalls finality, attack-33 and offline-20 run at least 5 epochs past
// the point where the inactivity leak alone has drained the silent
// validators to the effective balance at which the others hold two thirds
// (the engine's runs at 256 validators resumed within 5 epochs of that
// arithmetic with their other penalties added).
func TestRunLengthCoversTheLeak(t *testing.T) {
	drain := map[uint64]uint64{}
	for _, c := range []struct{ name, share, start string }{
		{"attack-33", "attacker_share", "attack_start_epoch"},
		{"offline-20", "offline_share", "offline_from"},
	} {
		base, _ := Load(c.name, nil)
		pmax, _ := base.Param(c.share)
		for _, v := range []int{64, 100, 256, 1024, 20000, 123457, 200000} {
			for m := 300; m <= int(pmax.Max*1000+0.5); m += 5 { // shares 0.300, 0.305, ...
				ovs := []Override{{"validators", fmt.Sprint(v)}, {c.share, fmt.Sprint(float64(m) / 1000)}}
				sc, err := Load(c.name, ovs)
				if err != nil {
					t.Fatalf("%s %v: %v", c.name, ovs, err)
				}
				a := uint64(sc.Groups[1].Count)
				if 3*a <= uint64(v) {
					continue // the others hold two thirds: no stall
				}
				// The largest effective balance x at which (v - a) * 32 * 3
				// >= 2 * ((v - a) * 32 + a * x).
				x := 16 * (uint64(v) - a) / a
				if _, ok := drain[x]; !ok {
					drain[x] = leakDrain(x)
				}
				start, _ := sc.Param(c.start)
				if need := uint64(start.Value) + drain[x] + 5; sc.Epochs < need {
					t.Errorf("%s %v: %d attackers of %d must drain to %d ETH: %d epochs, need %d", c.name, ovs, a, v, x, sc.Epochs, need)
				}
			}
		}
	}
}

// choiceSrc is a scenario with a choice param net and a number n; line 4
// is the preset field, line 6 net's declaration.
const choiceSrc = "name: t\ndescription: d\nepochs: 5\n" +
	"preset: \"${net}\"\n" + // 4
	"params:\n" +
	"  - name: net\n" + // 6
	"    default: minimal\n" +
	"    values: [minimal, mainnet]\n" +
	"  - name: n\n" + // 9
	"    default: 4\n" +
	"    min: 1\n" +
	"    max: 8\n" +
	"validators:\n" +
	"  - {name: a, count: \"${n}\"}\n" // 14

func TestChoiceParams(t *testing.T) {
	sc, err := Parse("x.yaml", []byte(choiceSrc), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := sc.Param("net")
	if sc.Preset != PresetMinimal || p.Text != "minimal" || p.Value != 0 || p.Default != 0 || p.Min != 0 || p.Max != 1 ||
		!slices.Equal(p.Values, []string{"minimal", "mainnet"}) {
		t.Errorf("default: preset %q, param %+v", sc.Preset, p)
	}
	sc, err = Parse("x.yaml", []byte(choiceSrc), []Override{{"net", "mainnet"}, {"n", "6"}})
	if err != nil {
		t.Fatal(err)
	}
	p, _ = sc.Param("net")
	if sc.Preset != PresetMainnet || p.Text != "mainnet" || p.Value != 1 || p.Default != 0 || sc.Groups[0].Count != 6 {
		t.Errorf("--set net=mainnet: preset %q, param %+v, count %d", sc.Preset, p, sc.Groups[0].Count)
	}
	// Any field that takes one of a few words can name a choice.
	bls := strings.Replace(choiceSrc, "epochs: 5\n", "epochs: 5\nbls: \"${ mode }\"\n", 1)
	bls = strings.Replace(bls, "params:\n", "params:\n  - {name: mode, default: \"off\", values: [full, \"off\"]}\n", 1)
	if sc, err := Parse("x.yaml", []byte(bls), nil); err != nil || sc.BLS != BLSOff {
		t.Errorf("bls from a choice: %v, %v", sc, err)
	}
}

func TestChoiceParamErrors(t *testing.T) {
	for _, tt := range []struct {
		name      string
		old, new  string // replace old by new in choiceSrc
		overrides []Override
		want      string
	}{
		{
			name:      "--set a word not among the values",
			overrides: []Override{{"net", "foo"}},
			want:      `x.yaml:6:5: --set net: bad override: "foo" is not one of minimal, mainnet (the values of param net)`,
		},
		{
			name: "a choice in a numeric expression",
			old:  `count: "${n}"`, new: `count: "${net}"`,
			want: `x.yaml:14:22: validators[0].count: ${net}: expression error: param "net" is a choice (minimal, mainnet), not a number; only a field that takes one of a few words (such as preset) can use it, as "${net}" at offset 0`,
		},
		{
			name: "a number in a word field",
			old:  `preset: "${net}"`, new: `preset: "${n}"`,
			want: `x.yaml:4:9: preset: ${n}: param "n" is a number; this field takes one of minimal, mainnet, so it can only name a param declared with values`,
		},
		{
			name: "an unknown param in a word field",
			old:  `preset: "${net}"`, new: `preset: "${nope}"`,
			want: `x.yaml:4:9: preset: ${nope}: unknown param "nope" (params with values: net)`,
		},
		{
			name: "an expression in a word field",
			old:  `preset: "${net}"`, new: `preset: "${n + 1}"`,
			want: `x.yaml:4:9: preset: expressions (${...}) are allowed only in numeric fields`,
		},
		{
			name: "a word the field does not take",
			old:  "values: [minimal, mainnet]", new: "values: [minimal, gnosis]",
			overrides: []Override{{"net", "gnosis"}},
			want:      `x.yaml:4:9: preset: ${net} = "gnosis" is not one of minimal, mainnet`,
		},
		{
			name: "values with min",
			old:  "    values: [minimal, mainnet]\n", new: "    values: [minimal, mainnet]\n    min: 0\n",
			want: `x.yaml:9:5: params[0].min: a param with values takes no min`,
		},
		{
			name: "default not among the values",
			old:  "default: minimal", new: "default: foo",
			want: `x.yaml:7:14: params[0].default: default "foo" is not one of the values minimal, mainnet`,
		},
		{
			name: "a value twice",
			old:  "values: [minimal, mainnet]", new: "values: [minimal, minimal]",
			want: `x.yaml:8:23: params[0].values[1]: value "minimal" is listed twice`,
		},
		{
			name: "one value",
			old:  "values: [minimal, mainnet]", new: "values: [minimal]",
			want: `x.yaml:8:13: params[0].values: 1 values; a param with values needs 2 to 64`,
		},
		{
			name: "a value that is not a word",
			old:  "values: [minimal, mainnet]", new: "values: [minimal, 2]",
			want: `x.yaml:8:23: params[0].values[1]: expected a string, got a number`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := choiceSrc
			if tt.old != "" {
				if !strings.Contains(src, tt.old) {
					t.Fatalf("%q not in the scenario", tt.old)
				}
				src = strings.Replace(src, tt.old, tt.new, 1)
			}
			_, err := Parse("x.yaml", []byte(src), tt.overrides)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestChoiceResolvedYAML: a run's scenario.yaml keeps the word of a choice
// param, as the field's value and as the param's default.
func TestChoiceResolvedYAML(t *testing.T) {
	data, _ := BuiltinYAML("attack-33")
	sc, err := Parse("builtin:attack-33", data, []Override{{"preset", "mainnet"}, {"validators", "20000"}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := sc.ResolvedYAML("test")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "\npreset: mainnet\n") || !strings.Contains(string(out), "  default: mainnet\n") {
		t.Errorf("resolved file lacks the preset's word:\n%s", out)
	}
	got, err := Parse("scenario.yaml", out, nil)
	if err != nil {
		t.Fatalf("resolved file does not parse: %v", err)
	}
	p, _ := got.Param("preset")
	if got.Preset != PresetMainnet || p.Text != "mainnet" || p.Value != 1 || got.TotalValidators() != 20000 || got.Epochs != sc.Epochs {
		t.Errorf("resolved: preset %q param %+v validators %d epochs %d", got.Preset, p, got.TotalValidators(), got.Epochs)
	}
}
