package sim

import (
	"math/rand/v2"
	"sort"
	"testing"
)

// The queue pops random messages in (at, seq) order: the order sort.Slice
// gives the same messages.
func TestMsgQueuePopsInArrivalOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, span := range []uint64{1, 5, 1000, 1 << 40} {
		var q msgQueue
		var all []message
		for seq := uint64(1); seq <= 5000; seq++ {
			m := message{at: r.Uint64N(span), seq: seq, view: int(seq)}
			q.push(m)
			all = append(all, m)
		}
		sort.Slice(all, func(i, j int) bool {
			if all[i].at != all[j].at {
				return all[i].at < all[j].at
			}
			return all[i].seq < all[j].seq
		})
		for i, want := range all {
			if q.Len() != len(all)-i {
				t.Fatalf("span %d: Len %d, want %d", span, q.Len(), len(all)-i)
			}
			if p := q.peek(); p.seq != want.seq {
				t.Fatalf("span %d: peek %d = seq %d, want %d", span, i, p.seq, want.seq)
			}
			if got := q.pop(); got.at != want.at || got.seq != want.seq || got.view != want.view {
				t.Fatalf("span %d: pop %d = (%d, %d), want (%d, %d)", span, i, got.at, got.seq, want.at, want.seq)
			}
		}
		if q.Len() != 0 {
			t.Fatalf("span %d: %d left", span, q.Len())
		}
	}
}

// Pushes between pops, some earlier than what was popped already (as a
// heal's catch-up may be), keep the order of a sorted reference.
func TestMsgQueueInterleaved(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var q msgQueue
	var ref []message // kept sorted by (at, seq)
	seq := uint64(0)
	now := uint64(0)
	for step := 0; step < 20000; step++ {
		if r.IntN(3) > 0 || len(ref) == 0 {
			seq++
			m := message{at: now + r.Uint64N(50), seq: seq}
			if r.IntN(20) == 0 && now > 10 {
				m.at = now - r.Uint64N(10) // in the past
			}
			q.push(m)
			i := sort.Search(len(ref), func(i int) bool {
				return ref[i].at > m.at || (ref[i].at == m.at && ref[i].seq > m.seq)
			})
			ref = append(ref, message{})
			copy(ref[i+1:], ref[i:])
			ref[i] = m
			continue
		}
		got, want := q.pop(), ref[0]
		ref = ref[1:]
		if got.at != want.at || got.seq != want.seq {
			t.Fatalf("step %d: pop (%d, %d), want (%d, %d)", step, got.at, got.seq, want.at, want.seq)
		}
		now = got.at
	}
	if q.Len() != len(ref) {
		t.Fatalf("Len %d, want %d", q.Len(), len(ref))
	}
}
