package scenarios

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
)

// ResolvedYAML returns the scenario as it ran, as a scenario file that
// reproduces the run: "stakesim run FILE --seed S" with the seed the run
// used gives byte-identical outputs. Starting from the original file, every
// "${...}" expression is replaced by its value over the resolved params,
// each param's default becomes the value the run used (so --set overrides
// are baked in), and seed, epochs and bls are the run's (after --seed,
// --epochs and --bls). proposer_reorg is always written (true or false),
// so a rerun does not depend on its default. Comments and the layout of the original are not
// kept; header, a comment block, is written first.
func (s *Scenario) ResolvedYAML(header string) ([]byte, error) {
	var doc yaml.MapSlice
	if err := yaml.UnmarshalWithOptions(s.YAML, &doc, yaml.UseOrderedMap()); err != nil {
		return nil, fmt.Errorf("scenarios: resolving %s: %w", s.Source, err)
	}
	params := make(map[string]float64, len(s.Params))
	choices := make(map[string]string) // choice params: their words
	for _, p := range s.Params {
		if len(p.Values) > 0 {
			choices[p.Name] = p.Text
			continue
		}
		params[p.Name] = p.Value
	}
	resolved, err := resolveValue(doc, params, choices)
	if err != nil {
		return nil, fmt.Errorf("scenarios: resolving %s: %w", s.Source, err)
	}
	doc = resolved.(yaml.MapSlice)
	doc = setKey(doc, "seed", s.Seed)
	doc = setKey(doc, "epochs", s.Epochs)
	doc = setKey(doc, "bls", string(s.BLS))
	doc = setKey(doc, "proposer_reorg", s.ProposerReorg)
	from := s.Source
	if s.ResolvedFrom != "" {
		from = s.ResolvedFrom
	}
	doc = setKey(doc, "resolved_from", from)
	for i := range doc {
		if doc[i].Key == "params" {
			doc[i].Value = resolvedParams(doc[i].Value, params, choices)
		}
	}
	body, err := yaml.MarshalWithOptions(doc, yaml.UseLiteralStyleIfMultiline(true))
	if err != nil {
		return nil, fmt.Errorf("scenarios: resolving %s: %w", s.Source, err)
	}
	var b bytes.Buffer
	for _, line := range strings.Split(strings.TrimRight(header, "\n"), "\n") {
		b.WriteString(strings.TrimRight("# "+line, " ") + "\n")
	}
	b.Write(body)
	return b.Bytes(), nil
}

// resolveValue returns v with every "${...}" string replaced by its value:
// the word of a choice param, else the number.
func resolveValue(v any, params map[string]float64, choices map[string]string) (any, error) {
	switch t := v.(type) {
	case yaml.MapSlice:
		out := make(yaml.MapSlice, len(t))
		for i, it := range t {
			r, err := resolveValue(it.Value, params, choices)
			if err != nil {
				return nil, err
			}
			out[i] = yaml.MapItem{Key: it.Key, Value: r}
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, it := range t {
			r, err := resolveValue(it, params, choices)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case string:
		src := strings.TrimSpace(t)
		if !strings.HasPrefix(src, "${") || !strings.HasSuffix(src, "}") {
			return t, nil
		}
		if w, ok := choices[strings.TrimSpace(src[2:len(src)-1])]; ok {
			return w, nil
		}
		f, err := Eval(src[2:len(src)-1], params)
		if err != nil {
			return nil, err
		}
		return yamlNumber(f), nil
	}
	return v, nil
}

// yamlNumber is f as YAML writes it back exactly: an integer when f is
// within the decoder's 1e-9 of one, else the shortest float that parses
// back to f.
func yamlNumber(f float64) any {
	if r := math.Round(f); math.Abs(f-r) <= 1e-9 && math.Abs(r) < 1<<53 {
		return int64(r)
	}
	return yaml.RawMessage(strconv.FormatFloat(f, 'g', -1, 64))
}

// setKey sets key to value in the top-level mapping, adding it after
// "name" when absent.
func setKey(doc yaml.MapSlice, key string, value any) yaml.MapSlice {
	for i := range doc {
		if doc[i].Key == key {
			doc[i].Value = value
			return doc
		}
	}
	at := 0
	for i := range doc {
		if doc[i].Key == "name" || doc[i].Key == "description" || doc[i].Key == "preset" {
			at = i + 1
		}
	}
	doc = append(doc, yaml.MapItem{})
	copy(doc[at+1:], doc[at:])
	doc[at] = yaml.MapItem{Key: key, Value: value}
	return doc
}

// resolvedParams sets each declared param's default to the value the run
// used (the word, for a choice param).
func resolvedParams(v any, params map[string]float64, choices map[string]string) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	for i, it := range list {
		m, ok := it.(yaml.MapSlice)
		if !ok {
			continue
		}
		name := ""
		for _, kv := range m {
			if kv.Key == "name" {
				name, _ = kv.Value.(string)
			}
		}
		if w, ok := choices[name]; ok {
			list[i] = setKey(m, "default", w)
		} else if val, ok := params[name]; ok {
			list[i] = setKey(m, "default", yamlNumber(val))
		}
	}
	return list
}
