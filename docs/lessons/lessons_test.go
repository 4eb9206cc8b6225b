package lessons

import (
	"errors"
	"strings"
	"testing"
)

func TestList(t *testing.T) {
	got := List()
	names := map[string]string{}
	for _, l := range got {
		names[l.Name] = l.Title
	}
	if _, ok := names["README"]; ok {
		t.Error("the index README is listed as a lesson")
	}
	if ti := names["attack-33"]; ti != "a silent third stops finality; the inactivity leak restarts it" {
		t.Errorf("attack-33's title = %q", ti)
	}
	for i := 1; i < len(got); i++ {
		if got[i-1].Name >= got[i].Name {
			t.Errorf("not sorted: %s before %s", got[i-1].Name, got[i].Name)
		}
	}
}

func TestHTML(t *testing.T) {
	h, err := HTML("attack-33")
	if err != nil {
		t.Fatal(err)
	}
	s := string(h)
	for _, want := range []string{"<h1>Lesson: attack-33", "<table>", "<pre><code"} {
		if !strings.Contains(s, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if _, err := HTML("../README"); !errors.Is(err, ErrNotFound) {
		t.Errorf("path in a name: %v", err)
	}
	if _, err := HTML("no-such"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown lesson: %v", err)
	}
}
