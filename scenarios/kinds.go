package scenarios

import (
	"fmt"
	"sort"
)

// kindField is one field, besides kind, from_epoch and to_epoch, that a
// behaviour kind accepts. Every such field is an unsigned integer in
// [min, max]; set stores it in the Behaviour.
type kindField struct {
	name     string
	doc      string
	required bool
	min, max uint64
	set      func(b *Behaviour, v uint64)
}

// behaviourKind describes one behaviour kind: its own fields and an optional
// check across them, run after each field has been decoded and range-checked.
type behaviourKind struct {
	name   string
	doc    string
	fields []kindField
	check  func(b *Behaviour) error
}

// behaviourKinds is the table of behaviour kinds. To add a kind, add an
// entry here (and, if it needs a new parameter, a field to Behaviour and a
// kindField whose set stores it); the decoder, the error messages and
// BehaviourKinds follow from the table.
func behaviourKinds() []behaviourKind {
	return []behaviourKind{
		{
			name: "honest",
			doc:  "follows the protocol: attests and proposes on time",
		},
		{
			name: "offline",
			doc:  "does nothing: no attestations, no blocks",
		},
		{
			name: "late",
			doc:  "attests delay_ms after the normal attestation time (a third of the slot)",
			fields: []kindField{{
				name:     "delay_ms",
				doc:      "milliseconds after the normal attestation time",
				required: true,
				min:      0,
				max:      MaxLateDelayMs,
				set:      func(b *Behaviour, v uint64) { b.DelayMs = v },
			}},
		},
	}
}

// commonBehaviourFields returns the fields every kind accepts.
func commonBehaviourFields() []string { return []string{"kind", "from_epoch", "to_epoch"} }

func lookupKind(name string) (behaviourKind, bool) {
	for _, k := range behaviourKinds() {
		if k.name == name {
			return k, true
		}
	}
	return behaviourKind{}, false
}

// BehaviourKinds returns the names of the behaviour kinds, sorted.
func BehaviourKinds() []string {
	var names []string
	for _, k := range behaviourKinds() {
		names = append(names, k.name)
	}
	sort.Strings(names)
	return names
}

// allowedFields returns the field names a behaviour of kind k may have.
func (k behaviourKind) allowedFields() []string {
	names := commonBehaviourFields()
	for _, f := range k.fields {
		names = append(names, f.name)
	}
	return names
}

// anyKindHasField reports whether some kind other than k accepts field, so
// that an error can say "not allowed for kind X" rather than "unknown field".
func anyKindHasField(field string) bool {
	for _, k := range behaviourKinds() {
		for _, f := range k.fields {
			if f.name == field {
				return true
			}
		}
	}
	return false
}

// delayField is one parameter of a delay distribution, in milliseconds.
type delayField struct {
	name     string
	required bool
	set      func(d *Delay, v uint64)
}

// delayDist describes a delay distribution: its fields and a check across
// them.
type delayDist struct {
	name   string
	fields []delayField
	check  func(d *Delay) error
}

// delayDists is the table of delay distributions.
func delayDists() []delayDist {
	return []delayDist{
		{
			name:   "fixed",
			fields: []delayField{{name: "ms", set: func(d *Delay, v uint64) { d.Ms = v }}},
		},
		{
			name: "uniform",
			fields: []delayField{
				{name: "min_ms", set: func(d *Delay, v uint64) { d.MinMs = v }},
				{name: "max_ms", required: true, set: func(d *Delay, v uint64) { d.MaxMs = v }},
			},
			check: func(d *Delay) error {
				if d.MinMs > d.MaxMs {
					return fmt.Errorf("min_ms %d is greater than max_ms %d", d.MinMs, d.MaxMs)
				}
				return nil
			},
		},
		{
			name: "normal",
			fields: []delayField{
				{name: "mean_ms", required: true, set: func(d *Delay, v uint64) { d.MeanMs = v }},
				{name: "stddev_ms", required: true, set: func(d *Delay, v uint64) { d.StddevMs = v }},
			},
		},
		{
			name:   "exponential",
			fields: []delayField{{name: "mean_ms", required: true, set: func(d *Delay, v uint64) { d.MeanMs = v }}},
		},
	}
}

func lookupDist(name string) (delayDist, bool) {
	for _, d := range delayDists() {
		if d.name == name {
			return d, true
		}
	}
	return delayDist{}, false
}

func distNames() []string {
	var names []string
	for _, d := range delayDists() {
		names = append(names, d.name)
	}
	return names
}

func anyDistHasField(field string) bool {
	for _, d := range delayDists() {
		for _, f := range d.fields {
			if f.name == field {
				return true
			}
		}
	}
	return false
}
