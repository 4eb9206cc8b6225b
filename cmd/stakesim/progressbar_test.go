package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stakesim/stakesim/sim"
)

// ansi matches the terminal control sequences the bar prints.
var ansi = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// TestBarFitsNarrowTerminals renders the progress bar of a 123,456-epoch
// run at epochs with six-digit justified and finalized figures for
// terminals 30 to 200 columns wide: no rendered line may reach the
// terminal's width (it would wrap and scroll).
func TestBarFitsNarrowTerminals(t *testing.T) {
	for _, width := range []int{30, 40, 60, 80, 100, 120, 200} {
		var buf bytes.Buffer
		bar, describe := newBar(&buf, 123456, width)
		p := &progress{w: &buf, bar: bar, describe: describe, now: time.Now}
		for _, ep := range []uint64{1, 99999, 123455, 123456} {
			p.update(sim.Progress{Epoch: ep, Epochs: 123456, JustifiedEpoch: 123454, FinalizedEpoch: 123453})
		}
		p.finish(true)
		longest := ""
		for _, seg := range strings.FieldsFunc(ansi.ReplaceAllString(buf.String(), ""), func(r rune) bool { return r == '\r' || r == '\n' }) {
			seg = strings.TrimRight(seg, " ")
			if len([]rune(seg)) > len([]rune(longest)) {
				longest = seg
			}
		}
		if n := len([]rune(longest)); n >= width || n == 0 {
			t.Errorf("width %d: longest line has %d columns: %q", width, n, longest)
		}
		if width >= 120 && !strings.Contains(longest, "justified 123454 finalized 123453") {
			t.Errorf("width %d: the line lacks the finality figures: %q", width, longest)
		}
	}
}

// TestStartupLine: a start-up of 5 s or more gets one line naming the
// keys' share (12.43 s = 14.23 - 1.8 rounds to 12.4 s); a short one and a
// quiet run print nothing.
func TestStartupLine(t *testing.T) {
	clock := func() time.Time { return time.Unix(0, 0) }
	cases := []struct {
		s    sim.Startup
		want string
	}{
		{sim.Startup{Seconds: 14.23, KeySeconds: 1.8, KeyCache: "hit"}, "  started in 14.2s: keys 1.8s from the key cache, genesis, views and agents 12.4s\n"},
		{sim.Startup{Seconds: 130, KeySeconds: 116.29, KeyCache: "miss"}, "  started in 2m10s: keys 1m56.3s derived and stored in the key cache, genesis, views and agents 13.7s\n"},
		{sim.Startup{Seconds: 6, KeyCache: "off"}, "  started in 6s: no keys (BLS off), genesis, views and agents 6s\n"},
		{sim.Startup{Seconds: 4.9, KeySeconds: 4, KeyCache: "hit"}, ""},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		newProgressAt(&buf, false, 10, clock).started(c.s)
		if buf.String() != c.want {
			t.Errorf("%+v: %q, want %q", c.s, buf.String(), c.want)
		}
		buf.Reset()
		newProgressAt(&buf, true, 10, clock).started(c.s)
		if buf.Len() != 0 {
			t.Errorf("quiet %+v: %q", c.s, buf.String())
		}
	}
}
