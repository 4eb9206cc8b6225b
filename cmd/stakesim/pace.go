package main

import (
	"bytes"
	"io"
	"time"
)

// pacedWriter slows a story down for a live class: after writing each line
// that tells an epoch ("epoch N: ..."), it waits pace, so that the class
// can read it before the next one appears.
type pacedWriter struct {
	w     io.Writer
	pace  time.Duration
	sleep func(time.Duration)
	line  []byte // the start of a line not yet ended
}

func newPacedWriter(w io.Writer, pace time.Duration) io.Writer {
	if pace <= 0 {
		return w
	}
	return &pacedWriter{w: w, pace: pace, sleep: time.Sleep}
}

// Write writes p, pausing after every completed epoch line.
func (p *pacedWriter) Write(b []byte) (int, error) {
	written := 0
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			n, err := p.w.Write(b)
			p.line = append(p.line, b[:n]...)
			return written + n, err
		}
		n, err := p.w.Write(b[:i+1])
		written += n
		if err != nil {
			return written, err
		}
		p.line = append(p.line, b[:i]...)
		if bytes.HasPrefix(p.line, []byte("epoch ")) {
			p.sleep(p.pace)
		}
		p.line = p.line[:0]
		b = b[i+1:]
	}
	return written, nil
}
