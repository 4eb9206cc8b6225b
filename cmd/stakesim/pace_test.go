package main

import (
	"bytes"
	"slices"
	"testing"
	"time"
)

// TestPacedWriter: the story passes through unchanged, and the writer
// waits once after each epoch line, whatever the write boundaries.
func TestPacedWriter(t *testing.T) {
	var out bytes.Buffer
	var waits []time.Duration
	p := &pacedWriter{w: &out, pace: 2 * time.Second, sleep: func(d time.Duration) { waits = append(waits, d) }}
	story := "epoch 3: finality stalls.\n\nIn 20 epochs: the paragraph.\nepoch 7: it resumes.\n"
	for _, chunk := range []string{story[:10], story[10:40], story[40:]} {
		if _, err := p.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if out.String() != story {
		t.Errorf("story changed:\n%q", out.String())
	}
	if !slices.Equal(waits, []time.Duration{2 * time.Second, 2 * time.Second}) {
		t.Errorf("waits %v, want two of 2s (one per epoch line)", waits)
	}
}
