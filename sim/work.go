package sim

// epochWork is one epoch's signing and verification: counts (deterministic)
// and seconds (wall clock, timing.json only).
type epochWork struct {
	votes               uint64 // attestations signed by validators
	gossip              uint64 // of which verified on gossip
	signingSeconds      float64
	verificationSeconds float64
}

// workWindow is how many epochs the start and end figures average over.
const workWindow = 3

// workLog keeps what the summary and timing need of the per-epoch work —
// the first workWindow reported epochs, the last workWindow, and the
// gossip total — in constant memory, however many epochs run.
type workLog struct {
	epochs uint64    // reported epochs: the settling epoch after them is not counted
	cur    epochWork // the epoch running now
	closed uint64    // epochs closed so far
	// signed and verified are the cumulative seconds at the last close.
	signed, verified float64
	first, last      [workWindow]epochWork // last is a ring indexed by epoch % workWindow
	gossip           uint64                // over the reported epochs
}

// close ends the current epoch, given the cumulative signing and
// verification seconds so far.
func (l *workLog) close(signed, verified float64) {
	w := l.cur
	w.signingSeconds, w.verificationSeconds = signed-l.signed, verified-l.verified
	l.signed, l.verified = signed, verified
	if i := l.closed; i < l.epochs {
		if i < workWindow {
			l.first[i] = w
		}
		l.last[i%workWindow] = w
		l.gossip += w.gossip
	}
	l.closed++
	l.cur = epochWork{}
}

// reported is the number of reported epochs closed so far.
func (l *workLog) reported() uint64 { return min(l.closed, l.epochs) }

// start averages the first workWindow reported epochs.
func (l *workLog) start() epochWork {
	n := min(l.reported(), workWindow)
	return average(l.first[:n])
}

// end averages the last workWindow reported epochs.
func (l *workLog) end() epochWork {
	n := min(l.reported(), workWindow)
	ws := make([]epochWork, 0, n)
	for i := l.reported() - n; i < l.reported(); i++ {
		ws = append(ws, l.last[i%workWindow])
	}
	return average(ws)
}

func average(ws []epochWork) epochWork {
	var out epochWork
	for _, w := range ws {
		out.votes += w.votes
		out.signingSeconds += w.signingSeconds
		out.verificationSeconds += w.verificationSeconds
	}
	if n := len(ws); n > 0 {
		out.votes /= uint64(n)
		out.signingSeconds /= float64(n)
		out.verificationSeconds /= float64(n)
	}
	return out
}
