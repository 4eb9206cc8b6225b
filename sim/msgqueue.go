package sim

// msgQueue holds the messages in flight and hands them out in (at, seq)
// order: by arrival time, then in the order they were sent. Many messages
// share an arrival time (a slot's votes, drawn from a delay distribution
// in whole milliseconds), so the queue keeps one FIFO bucket per arrival
// time and a min-heap of the buckets: push appends to its time's bucket
// (seq grows with every push, so a bucket stays in seq order) and pop takes
// the head of the earliest bucket. Buckets are recycled, so a steady run
// allocates nothing per message.
type msgQueue struct {
	heap    []*msgBucket // min-heap by at
	buckets map[uint64]*msgBucket
	last    *msgBucket // the bucket of the latest push: runs of pushes share a time
	free    []*msgBucket
	n       int
}

// msgBucket is the messages of one arrival time, in seq order from head.
type msgBucket struct {
	at   uint64
	msgs []message
	head int
}

// maxFreeBuckets bounds the buckets a queue keeps for reuse.
const maxFreeBuckets = 256

// Len returns the number of messages queued.
func (q *msgQueue) Len() int { return q.n }

// push queues m, whose seq must exceed that of every message pushed before.
func (q *msgQueue) push(m message) {
	b := q.last
	if b == nil || b.at != m.at {
		b = q.bucket(m.at)
		q.last = b
	}
	b.msgs = append(b.msgs, m)
	q.n++
}

// bucket returns the bucket of time at, creating it when there is none.
func (q *msgQueue) bucket(at uint64) *msgBucket {
	if b, ok := q.buckets[at]; ok {
		return b
	}
	if q.buckets == nil {
		q.buckets = make(map[uint64]*msgBucket)
	}
	var b *msgBucket
	if n := len(q.free); n > 0 {
		b, q.free = q.free[n-1], q.free[:n-1]
	} else {
		b = &msgBucket{}
	}
	b.at = at
	q.buckets[at] = b
	q.heap = append(q.heap, b)
	q.up(len(q.heap) - 1)
	return b
}

// peek returns the next message; the queue must not be empty.
func (q *msgQueue) peek() *message {
	b := q.heap[0]
	return &b.msgs[b.head]
}

// pop removes and returns the next message; the queue must not be empty.
func (q *msgQueue) pop() message {
	b := q.heap[0]
	m := b.msgs[b.head]
	b.msgs[b.head] = message{} // drop the references for the collector
	b.head++
	q.n--
	if b.head == len(b.msgs) {
		q.retire(b)
	}
	return m
}

// retire removes the emptied earliest bucket b and keeps it for reuse.
func (q *msgQueue) retire(b *msgBucket) {
	last := len(q.heap) - 1
	q.heap[0] = q.heap[last]
	q.heap[last] = nil
	q.heap = q.heap[:last]
	if last > 0 {
		q.down(0)
	}
	delete(q.buckets, b.at)
	if q.last == b {
		q.last = nil
	}
	b.msgs, b.head = b.msgs[:0], 0
	if len(q.free) < maxFreeBuckets {
		q.free = append(q.free, b)
	}
}

// up restores the heap order from position i towards the root.
func (q *msgQueue) up(i int) {
	h := q.heap
	for i > 0 {
		p := (i - 1) / 2
		if h[p].at <= h[i].at {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

// down restores the heap order from position i towards the leaves.
func (q *msgQueue) down(i int) {
	h := q.heap
	for {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if r := c + 1; r < len(h) && h[r].at < h[c].at {
			c = r
		}
		if h[i].at <= h[c].at {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
