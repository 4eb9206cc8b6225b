package scenarios

import (
	"errors"
	"testing"
)

// FuzzParseScenario checks that Parse never panics, that every failure is a
// bounded, sorted ErrorList with positions inside the file, and that every
// success satisfies the limits the engine relies on.
func FuzzParseScenario(f *testing.F) {
	for _, b := range Builtins() {
		f.Add(b.YAML, "")
		for _, p := range b.Params {
			f.Add(b.YAML, p.Name+"=1")
		}
	}
	f.Add([]byte(twoGroups+"network:\n  partitions:\n    - {name: p, start_epoch: 1, end_epoch: 2, groups: [{name: x, members: [a]}, {name: y, members: [b]}]}\n"), "")
	f.Add([]byte(paramsHead+"validators:\n  - {name: a, count: \"${round(p / 3)}\", behaviours: [{kind: late, delay_ms: \"${p}\"}]}\n"), "p=4")
	f.Add([]byte(paramsHead+"validators:\n  - name: a\n    count: \"${p}\"\n    withdrawal_credentials: \"0x01\"\n"+
		"    operator: {policy: consolidate, target_eth: \"${p * 100}\", from_epoch: 1}\n    requests:\n"+
		"      - {kind: deposit, epoch: 0, count: \"${p}\", amount_eth: 64}\n      - {kind: exit, epoch: 1, count: \"${2 * p}\"}\n"+
		"      - {kind: partial_withdrawal, epoch: 2, count: 1, amount_gwei: 5}\n      - {kind: top_up, epoch: 2, count: 1, amount_eth: 1}\n"+
		"config:\n  pending_consolidations_limit: \"${p}\"\n  shard_committee_period: 0\n"), "p=20")
	f.Add([]byte(restakingFull), "alpha=0.2")
	f.Add([]byte(rOneOp+"  stakers:\n    - {name: s, operator: op-a, share: 0.5, panic: 0.1}\n"), "")
	f.Add([]byte("a: &x [*x]\n"), "")
	f.Add([]byte(""), "")
	// Inputs that made the YAML parser (this or older versions) panic, and
	// YAML features the schema rejects.
	for _, s := range []string{"{? {? ", "true :", "10.:", "0::", "{0", "*-0", ">\n>", "&{0", "0\n:",
		"{\"000\":0000A,", "? a\n: b\n", "<<: {a: 1}\n", "a: !!int 1\n", "name: |\n", "- - - - {\n0}0\n"} {
		f.Add([]byte(s), "")
		f.Add(append([]byte(head), s...), "")
	}
	f.Fuzz(func(t *testing.T, data []byte, set string) {
		var overrides []Override
		if o, err := ParseOverride(set); err == nil {
			overrides = append(overrides, o)
		}
		s, err := Parse("f.yaml", data, overrides)
		if err != nil {
			if s != nil {
				t.Fatal("scenario and error both returned")
			}
			checkErrorList(t, "f.yaml", err)
			return
		}
		checkInvariants(t, s)
	})
}

// checkErrorList asserts the contract of a load error: an ErrorList of at
// most maxReported+1 problems, each positioned in file, sorted by position.
func checkErrorList(t *testing.T, file string, err error) {
	t.Helper()
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 || len(list) > maxReported+1 {
		t.Fatalf("error %T with %d problems", err, len(list))
	}
	for i, e := range list {
		if e.Pos.File != file || e.Pos.Line < 1 || e.Pos.Col < 1 {
			t.Fatalf("problem %d has position %+v: %v", i, e.Pos, e)
		}
		if i > 0 && e.Pos.before(list[i-1].Pos) {
			t.Fatalf("problems not sorted: %v", err)
		}
	}
}

// checkInvariants asserts the documented limits of a successfully parsed
// scenario.
func checkInvariants(t *testing.T, s *Scenario) {
	t.Helper()
	if s.Name == "" || s.Description == "" || s.Epochs < 1 || s.Epochs > MaxEpochs {
		t.Fatalf("header %q %q epochs %d", s.Name, s.Description, s.Epochs)
	}
	if _, ok := parseBLS(string(s.BLS)); !ok || (s.Preset != PresetMinimal && s.Preset != PresetMainnet) {
		t.Fatalf("bls %q preset %q", s.BLS, s.Preset)
	}
	total := s.TotalValidators()
	if total < 1 || total > MaxValidators || len(s.Groups) == 0 {
		t.Fatalf("%d validators in %d groups", total, len(s.Groups))
	}
	names := map[string]bool{}
	for _, g := range s.Groups {
		if names[g.Name] || g.Count < 0 || g.BalanceGwei == 0 || g.Credentials > 2 || g.ValidatorsPerAgent < 1 || len(g.Behaviours) == 0 {
			t.Fatalf("bad group %+v", g)
		}
		names[g.Name] = true
		for _, b := range g.Behaviours {
			if _, ok := lookupKind(b.Kind); !ok || (b.HasToEpoch && b.ToEpoch <= b.FromEpoch) || b.DelayMs > MaxLateDelayMs {
				t.Fatalf("bad behaviour %+v", b)
			}
		}
	}
	if _, ok := lookupDist(s.Network.Delay.Dist); !ok || s.Network.LossPPM >= 1_000_000 {
		t.Fatalf("bad network %+v", s.Network)
	}
	for i, p := range s.Network.Partitions {
		if p.EndEpoch <= p.StartEpoch || (i > 0 && p.StartEpoch < s.Network.Partitions[i-1].EndEpoch) || len(p.Groups) < 2 {
			t.Fatalf("bad partition %+v", p)
		}
		seen := map[string]bool{}
		for _, vg := range p.Groups {
			for _, m := range vg.Members {
				if seen[m] || !names[m] {
					t.Fatalf("bad member %q in %+v", m, p)
				}
				seen[m] = true
			}
		}
		for _, b := range p.Bridges {
			if seen[b] || !names[b] {
				t.Fatalf("bad bridge %q in %+v", b, p)
			}
			seen[b] = true
		}
		if len(seen) != len(names) {
			t.Fatalf("partition %q covers %d of %d groups", p.Name, len(seen), len(names))
		}
	}
	for _, p := range s.Params {
		if p.Value < p.Min || p.Value > p.Max {
			t.Fatalf("param %+v out of range", p)
		}
	}
	checkLifecycleInvariants(t, s)
	checkRestakingInvariants(t, s)
}

func BenchmarkParseBuiltin(b *testing.B) {
	data, ok := BuiltinYAML("partition-50-50")
	if !ok {
		b.Fatal("no partition-50-50")
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("builtin:partition-50-50", data, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "scenarios/s")
}
