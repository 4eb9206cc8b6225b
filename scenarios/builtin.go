package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// builtinFS holds the built-in scenarios, one NAME.yaml per scenario.
//
//go:embed builtin/*.yaml
var builtinFS embed.FS

// Builtin describes a built-in scenario for listings (stakesim scenarios).
type Builtin struct {
	Name, Description string
	Params            []Param
	YAML              []byte
}

// builtinNames returns the names of the built-in scenarios, sorted.
func builtinNames() []string {
	entries, err := fs.ReadDir(builtinFS, "builtin")
	if err != nil {
		panic(fmt.Sprintf("scenarios: embedded built-ins unreadable: %v", err)) // a build problem, not input
	}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".yaml"); ok && !e.IsDir() {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// BuiltinYAML returns the source of the built-in scenario called name.
func BuiltinYAML(name string) ([]byte, bool) {
	if !scenarioNameRe.MatchString(name) {
		return nil, false
	}
	data, err := builtinFS.ReadFile("builtin/" + name + ".yaml")
	if err != nil {
		return nil, false
	}
	return data, true
}

// Builtins returns every built-in scenario, sorted by name, with its params
// at their defaults. The built-ins are part of the program: one that fails
// to load is a bug (the package tests load every one), so it panics.
func Builtins() []Builtin {
	var out []Builtin
	for _, name := range builtinNames() {
		data, _ := BuiltinYAML(name)
		s, err := Parse("builtin:"+name, data, nil)
		if err != nil {
			panic(fmt.Sprintf("scenarios: built-in %q is invalid: %v", name, err))
		}
		out = append(out, Builtin{Name: name, Description: s.Description, Params: s.Params, YAML: data})
	}
	return out
}
