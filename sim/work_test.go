package sim

import "testing"

// TestWorkLog checks the constant-memory work log against the figures
// worked out by hand for a 5-epoch run (plus its settling epoch).
func TestWorkLog(t *testing.T) {
	l := workLog{epochs: 5}
	signed := 0.0
	for i := uint64(0); i < 6; i++ { // epoch i: 10·(i+1) votes, i gossip, i+1 s signing
		l.cur.votes, l.cur.gossip = 10*(i+1), i
		signed += float64(i + 1)
		l.close(signed, 0)
	}
	if s := l.start(); s.votes != 20 || s.signingSeconds != 2 { // epochs 0,1,2: (10+20+30)/3, (1+2+3)/3
		t.Errorf("start = %+v, want 20 votes and 2 s", s)
	}
	if e := l.end(); e.votes != 40 || e.signingSeconds != 4 { // epochs 2,3,4: (30+40+50)/3, (3+4+5)/3
		t.Errorf("end = %+v, want 40 votes and 4 s", e)
	}
	if l.gossip != 0+1+2+3+4 { // the settling epoch's 5 is not counted
		t.Errorf("gossip = %d, want 10", l.gossip)
	}
	short := workLog{epochs: 2}
	for i := uint64(0); i < 3; i++ {
		short.cur.votes = 10 * (i + 1)
		short.close(0, 0)
	}
	if s, e := short.start(), short.end(); s.votes != 15 || e.votes != 15 { // epochs 0,1 only
		t.Errorf("2-epoch run: start %d end %d, want 15 and 15", s.votes, e.votes)
	}
}
