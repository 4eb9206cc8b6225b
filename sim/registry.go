package sim

import (
	"fmt"
	"slices"

	"github.com/hashicorp/go-memdb"
)

// ValidatorRecord is the registry's row for a run of consecutive
// validators, First to First+Count-1, that one agent runs: who runs them
// and where they sit in the scenario. One row per run rather than per
// validator keeps the registry at a few bytes per validator at mainnet
// scale. The registry is a go-memdb database written only by the engine;
// readers take snapshot transactions.
type ValidatorRecord struct {
	First, Count uint64
	Group        string
	Agent        int
	View         string
	Coalition    string // "" for honest groups
}

// appendRanges appends to recs one record per run of consecutive indices
// in idx (ascending), each a copy of tmpl with First and Count set.
func appendRanges(recs []ValidatorRecord, idx []int, tmpl ValidatorRecord) []ValidatorRecord {
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && idx[j] == idx[j-1]+1 {
			j++
		}
		r := tmpl
		r.First, r.Count = uint64(idx[i]), uint64(j-i)
		recs = append(recs, r)
		i = j
	}
	return recs
}

// AgentRecord is the registry's row for one agent.
type AgentRecord struct {
	ID        int
	Kind      string
	Group     string
	View      string
	Coalition string
}

// RestakingRecord is one restaking relation: an operator restakes a
// validator group (RestakesGroup), registers for an AVS (RegisteredFor),
// or a staker delegates to an operator (DelegatesTo, From the staker).
type RestakingRecord struct {
	Relation string
	From, To string
}

// Restaking relations.
const (
	RestakesGroup = "restakes_group"
	RegisteredFor = "registered_for"
	DelegatesTo   = "delegates_to"
)

func registrySchema() *memdb.DBSchema {
	return &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
		"validator": {
			Name: "validator",
			Indexes: map[string]*memdb.IndexSchema{
				"id":        {Name: "id", Unique: true, Indexer: &memdb.UintFieldIndex{Field: "First"}},
				"group":     {Name: "group", Indexer: &memdb.StringFieldIndex{Field: "Group"}},
				"agent":     {Name: "agent", Indexer: &memdb.IntFieldIndex{Field: "Agent"}},
				"view":      {Name: "view", Indexer: &memdb.StringFieldIndex{Field: "View"}},
				"coalition": {Name: "coalition", AllowMissing: true, Indexer: &memdb.StringFieldIndex{Field: "Coalition"}},
			},
		},
		"restaking": {
			Name: "restaking",
			Indexes: map[string]*memdb.IndexSchema{
				"id": {Name: "id", Unique: true, Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{
					&memdb.StringFieldIndex{Field: "Relation"}, &memdb.StringFieldIndex{Field: "From"}, &memdb.StringFieldIndex{Field: "To"}}}},
				"from": {Name: "from", Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{
					&memdb.StringFieldIndex{Field: "Relation"}, &memdb.StringFieldIndex{Field: "From"}}}},
				"to": {Name: "to", Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{
					&memdb.StringFieldIndex{Field: "Relation"}, &memdb.StringFieldIndex{Field: "To"}}}},
			},
		},
		"agent": {
			Name: "agent",
			Indexes: map[string]*memdb.IndexSchema{
				"id": {Name: "id", Unique: true, Indexer: &memdb.IntFieldIndex{Field: "ID"}},
				// Economic agents belong to no validator group.
				"group": {Name: "group", AllowMissing: true, Indexer: &memdb.StringFieldIndex{Field: "Group"}},
				"kind":  {Name: "kind", Indexer: &memdb.StringFieldIndex{Field: "Kind"}},
			},
		},
	}}
}

// Registry is the engine's queryable registry of validators and agents.
type Registry struct {
	db *memdb.MemDB
}

func newRegistry() (*Registry, error) {
	db, err := memdb.NewMemDB(registrySchema())
	if err != nil {
		return nil, fmt.Errorf("sim: registry: %w", err)
	}
	return &Registry{db: db}, nil
}

func (r *Registry) insert(vals []ValidatorRecord, ags []AgentRecord) error {
	txn := r.db.Txn(true)
	defer txn.Abort()
	for i := range vals {
		if err := txn.Insert("validator", &vals[i]); err != nil {
			return fmt.Errorf("sim: registry: %w", err)
		}
	}
	for i := range ags {
		if err := txn.Insert("agent", &ags[i]); err != nil {
			return fmt.Errorf("sim: registry: %w", err)
		}
	}
	txn.Commit()
	return nil
}

// ValidatorsOfAgent returns the validator indices an agent runs, ascending.
func (r *Registry) ValidatorsOfAgent(agent int) ([]uint64, error) {
	return r.collect("agent", agent)
}

// ValidatorsOfCoalition returns the validator indices of a coalition's
// groups, ascending.
func (r *Registry) ValidatorsOfCoalition(coalition string) ([]uint64, error) {
	return r.collect("coalition", coalition)
}

// ValidatorsOfGroup returns the validator indices of a scenario group, ascending.
func (r *Registry) ValidatorsOfGroup(group string) ([]uint64, error) {
	return r.collect("group", group)
}

func (r *Registry) collect(index string, arg any) ([]uint64, error) {
	txn := r.db.Txn(false)
	it, err := txn.Get("validator", index, arg)
	if err != nil {
		return nil, fmt.Errorf("sim: registry: validators by %s %v: %w", index, arg, err)
	}
	var out []uint64
	for obj := it.Next(); obj != nil; obj = it.Next() {
		r := obj.(*ValidatorRecord)
		for i := r.First; i < r.First+r.Count; i++ {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out, nil
}

// relate records a restaking relation; a duplicate is an error.
func (r *Registry) relate(rec RestakingRecord) error {
	txn := r.db.Txn(true)
	defer txn.Abort()
	if old, err := txn.First("restaking", "id", rec.Relation, rec.From, rec.To); err != nil {
		return fmt.Errorf("sim: registry: %w", err)
	} else if old != nil {
		return fmt.Errorf("sim: registry: %s %s %s recorded twice", rec.From, rec.Relation, rec.To)
	}
	if err := txn.Insert("restaking", &rec); err != nil {
		return fmt.Errorf("sim: registry: %w", err)
	}
	txn.Commit()
	return nil
}

// Related returns, in insertion-independent (sorted) order, the To side of
// relation from from (e.g. the groups an operator restakes).
func (r *Registry) Related(relation, from string) ([]string, error) {
	return r.related("from", relation, from, func(rec *RestakingRecord) string { return rec.To })
}

// RelatedTo returns, sorted, the From side of relation to to (e.g. the
// operator that restakes a group).
func (r *Registry) RelatedTo(relation, to string) ([]string, error) {
	return r.related("to", relation, to, func(rec *RestakingRecord) string { return rec.From })
}

func (r *Registry) related(index, relation, key string, side func(*RestakingRecord) string) ([]string, error) {
	it, err := r.db.Txn(false).Get("restaking", index, relation, key)
	if err != nil {
		return nil, fmt.Errorf("sim: registry: %s by %s %q: %w", relation, index, key, err)
	}
	var out []string
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, side(obj.(*RestakingRecord)))
	}
	slices.Sort(out)
	return out, nil
}
