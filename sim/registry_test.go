package sim

import (
	"slices"
	"testing"
)

// TestRegistryRanges: validators are stored as runs of consecutive
// indices, and the queries give back exactly the indices put in.
func TestRegistryRanges(t *testing.T) {
	recs := appendRanges(nil, []int{0, 1, 2, 5, 6, 9}, ValidatorRecord{Group: "a", Agent: 0, View: "main"})
	recs = appendRanges(recs, []int{3, 4}, ValidatorRecord{Group: "b", Agent: 1, View: "main", Coalition: "x"})
	recs = appendRanges(recs, []int{7, 8, 10}, ValidatorRecord{Group: "a", Agent: 2, View: "main"})
	want := []ValidatorRecord{
		{First: 0, Count: 3, Group: "a", Agent: 0, View: "main"},
		{First: 5, Count: 2, Group: "a", Agent: 0, View: "main"},
		{First: 9, Count: 1, Group: "a", Agent: 0, View: "main"},
		{First: 3, Count: 2, Group: "b", Agent: 1, View: "main", Coalition: "x"},
		{First: 7, Count: 2, Group: "a", Agent: 2, View: "main"},
		{First: 10, Count: 1, Group: "a", Agent: 2, View: "main"},
	}
	if !slices.Equal(recs, want) {
		t.Fatalf("ranges %+v\nwant %+v", recs, want)
	}
	reg, err := newRegistry()
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.insert(recs, []AgentRecord{{ID: 0, Kind: "validator_client", Group: "a"}, {ID: 1, Kind: "validator_client", Group: "b"}, {ID: 2, Kind: "validator_client", Group: "a"}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		got, want []uint64
	}{
		{must(reg.ValidatorsOfAgent(0)), []uint64{0, 1, 2, 5, 6, 9}},
		{must(reg.ValidatorsOfAgent(2)), []uint64{7, 8, 10}},
		{must(reg.ValidatorsOfGroup("a")), []uint64{0, 1, 2, 5, 6, 7, 8, 9, 10}},
		{must(reg.ValidatorsOfGroup("b")), []uint64{3, 4}},
		{must(reg.ValidatorsOfCoalition("x")), []uint64{3, 4}},
		{must(reg.ValidatorsOfCoalition("y")), nil},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("got %v, want %v", c.got, c.want)
		}
	}
}

func must(v []uint64, err error) []uint64 {
	if err != nil {
		panic(err)
	}
	return v
}

// TestRegistryRelations: restaking relations are queried both ways, and
// the same relation cannot be recorded twice.
func TestRegistryRelations(t *testing.T) {
	reg, err := newRegistry()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []RestakingRecord{
		{RestakesGroup, "op-b", "g2"}, {RestakesGroup, "op-a", "g3"}, {RestakesGroup, "op-a", "g1"},
		{RegisteredFor, "op-a", "oracle"}, {DelegatesTo, "alice", "op-a"},
	} {
		if err := reg.relate(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := reg.relate(RestakingRecord{RestakesGroup, "op-a", "g1"}); err == nil {
		t.Error("a duplicate relation was accepted")
	}
	if got, err := reg.Related(RestakesGroup, "op-a"); err != nil || !slices.Equal(got, []string{"g1", "g3"}) {
		t.Errorf("groups of op-a: %v %v, want [g1 g3]", got, err)
	}
	if got, err := reg.RelatedTo(RestakesGroup, "g2"); err != nil || !slices.Equal(got, []string{"op-b"}) {
		t.Errorf("owner of g2: %v %v, want [op-b]", got, err)
	}
	if got, err := reg.RelatedTo(DelegatesTo, "op-a"); err != nil || !slices.Equal(got, []string{"alice"}) {
		t.Errorf("delegators of op-a: %v %v, want [alice]", got, err)
	}
	if got, err := reg.Related(RegisteredFor, "op-b"); err != nil || len(got) != 0 {
		t.Errorf("op-b's AVSs: %v %v, want none", got, err)
	}
}
