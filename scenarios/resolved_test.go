package scenarios

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestResolvedYAMLReproduces: for every built-in, with a param overridden
// and seed, epochs and bls changed as the CLI flags do, the resolved file
// parses (without overrides) into the same scenario.
func TestResolvedYAMLReproduces(t *testing.T) {
	for _, name := range builtinNames() {
		t.Run(name, func(t *testing.T) {
			data, _ := BuiltinYAML(name)
			orig, err := Parse("builtin:"+name, data, nil)
			if err != nil {
				t.Fatal(err)
			}
			// The first param at its maximum, as --set would give it.
			var ovs []Override
			if len(orig.Params) > 0 {
				p := orig.Params[0]
				ovs = append(ovs, Override{Name: p.Name, Value: strconv.FormatFloat(p.Max, 'g', -1, 64)})
			}
			want, err := Parse("builtin:"+name, data, ovs)
			if err != nil {
				t.Fatal(err)
			}
			want.SetSeed(42)
			if err := want.SetEpochs(7); err != nil {
				t.Fatal(err)
			}
			if err := want.SetBLS(string(BLSOff)); err != nil {
				t.Fatal(err)
			}
			out, err := want.ResolvedYAML("resolved for a test\nsecond line")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(out), "# resolved for a test\n# second line\n") {
				t.Errorf("header missing:\n%s", out)
			}
			if strings.Contains(string(out), "${") {
				t.Errorf("an expression was left in the resolved file:\n%s", out)
			}
			got, err := Parse("scenario.yaml", out, nil)
			if err != nil {
				t.Fatalf("resolved file does not parse: %v\n%s", err, out)
			}
			if got.Seed != 42 || got.Epochs != 7 || got.BLS != BLSOff {
				t.Errorf("seed/epochs/bls = %d/%d/%s, want 42/7/off", got.Seed, got.Epochs, got.BLS)
			}
			if got.ResolvedFrom != "builtin:"+name {
				t.Errorf("resolved_from = %q, want builtin:%s", got.ResolvedFrom, name)
			}
			got.Source, want.Source, got.YAML, want.YAML, got.ResolvedFrom = "", "", nil, nil, ""
			// By design the resolved file's defaults are the values used.
			for i := range want.Params {
				want.Params[i].Default = want.Params[i].Value
			}
			gv, wv := reflect.ValueOf(*got), reflect.ValueOf(*want)
			for i := range gv.NumField() {
				if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
					t.Errorf("resolved scenario's %s differs:\n got %+v\nwant %+v", gv.Type().Field(i).Name, gv.Field(i), wv.Field(i))
				}
			}
		})
	}
}
