package scenarios

import (
	"strings"
	"testing"
)

// TestProposerReorgField: proposer_reorg defaults to true, takes a YAML
// boolean or an expression worth 0 or 1 (so --set can switch it), reports
// anything else at its position, and is written into the resolved file.
func TestProposerReorgField(t *testing.T) {
	const groups = "validators:\n  - {name: a, count: 4}\n"
	for _, tc := range []struct {
		name, src string
		ovs       []Override
		want      bool
	}{
		{"default", head + groups, nil, true},
		{"false", head + "proposer_reorg: false\n" + groups, nil, false},
		{"true", head + "proposer_reorg: true\n" + groups, nil, true},
		{"param 0", head + "params:\n  - {name: reorg, default: 1, min: 0, max: 1}\nproposer_reorg: ${reorg}\n" + groups, []Override{{Name: "reorg", Value: "0"}}, false},
		{"param 1", head + "params:\n  - {name: reorg, default: 1, min: 0, max: 1}\nproposer_reorg: ${reorg}\n" + groups, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("x.yaml", []byte(tc.src), tc.ovs)
			if err != nil {
				t.Fatal(err)
			}
			if s.ProposerReorg != tc.want {
				t.Fatalf("ProposerReorg = %v, want %v", s.ProposerReorg, tc.want)
			}
			out, err := s.ResolvedYAML("h")
			if err != nil {
				t.Fatal(err)
			}
			line := "proposer_reorg: false\n"
			if tc.want {
				line = "proposer_reorg: true\n"
			}
			if !strings.Contains(string(out), line) {
				t.Fatalf("resolved file lacks %q:\n%s", line, out)
			}
			again, err := Parse("scenario.yaml", out, nil)
			if err != nil || again.ProposerReorg != tc.want {
				t.Fatalf("resolved file parses to %v, %v; want %v", again.ProposerReorg, err, tc.want)
			}
		})
	}
	for _, tc := range []struct{ name, src, want string }{
		{"number", head + "proposer_reorg: 1\n" + groups, `x.yaml:4:17: proposer_reorg: expected true, false or "${expression}" (0 or 1), got a number`},
		{"word", head + "proposer_reorg: yes\n" + groups, `x.yaml:4:17: proposer_reorg: expected true, false or "${expression}" (0 or 1), got the string "yes"`},
		{"expr 2", head + "proposer_reorg: ${1 + 1}\n" + groups, `x.yaml:4:17: proposer_reorg: ${1 + 1} = 2 is neither 0 (false) nor 1 (true)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.src), nil)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error %v, want %s", err, tc.want)
			}
		})
	}
}
