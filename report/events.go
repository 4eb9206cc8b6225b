package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MaxEventsPerKind caps the events of one kind kept for markers and
// tables: the first MaxEventsPerKind of each kind (in file order) are
// kept, the others only counted, and the page says so.
const MaxEventsPerKind = 50

// markerKinds are the event kinds drawn as markers on the epoch charts,
// in legend order.
var markerKinds = []string{
	"partition_started", "partition_healed", "leak_started", "leak_ended",
	"conflicting_finalization", "byzantine_share_crossed",
	"depeg", "negative_rebase", "lrt_rate_fell",
}

// countKinds are counted per epoch for the slashings chart.
var countKinds = []string{"slashed", "ejected", "exited"}

// event is one line of events.jsonl, with the detail fields the report
// uses (unknown fields are ignored).
type event struct {
	Epoch   uint64 `json:"epoch"`
	Slot    uint64 `json:"slot"`
	Kind    string `json:"kind"`
	Branch  string `json:"branch"`
	Details struct {
		Root              string  `json:"root"`
		CheckpointEpoch   uint64  `json:"checkpoint_epoch"`
		BranchA           string  `json:"branch_a"`
		BranchB           string  `json:"branch_b"`
		CheckpointA       string  `json:"checkpoint_a"`
		CheckpointB       string  `json:"checkpoint_b"`
		Cause             string  `json:"cause"`
		SlashableFraction float64 `json:"slashable_fraction"`
		Partition         string  `json:"partition"`
		Threshold         string  `json:"threshold"`
		Direction         string  `json:"direction"`
		Share             float64 `json:"share"`
		Depth             uint64  `json:"depth"`
	} `json:"details"`
}

// eventData is what the report keeps of events.jsonl: bounded by
// MaxEventsPerKind per kind and by the downsampling resolution.
type eventData struct {
	total   map[string]int     // events per kind (all of them)
	kept    map[string][]event // the first MaxEventsPerKind per marker kind
	counts  map[string]*binner // per-bucket counts of countKinds, summary class
	checkJ  map[string]uint64  // justified checkpoint roots among roots (epoch)
	checkF  map[string]uint64  // finalized checkpoint roots among roots
	skipped int                // lines over maxLine
	present bool
}

// readEvents streams DIR/events.jsonl. roots are the block roots the
// block tree draws (their justified/finalized events are kept); onSummary
// reports whether an event's branch holds the summary class.
func readEvents(dir string, width uint64, roots map[string]bool, onSummary func(string) bool) (*eventData, error) {
	ed := &eventData{total: map[string]int{}, kept: map[string][]event{}, counts: map[string]*binner{},
		checkJ: map[string]uint64{}, checkF: map[string]uint64{}}
	for _, k := range countKinds {
		ed.counts[k] = newBinner(width)
	}
	f, err := os.Open(filepath.Join(dir, eventsFile))
	if errors.Is(err, os.ErrNotExist) {
		return ed, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	ed.present = true
	br := bufio.NewReaderSize(f, 64<<10)
	for line := 1; ; line++ {
		b, long, err := readLine(br)
		if errors.Is(err, io.EOF) {
			return ed, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", f.Name(), line, err)
		}
		if long {
			ed.skipped++
			continue
		}
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var ev event
		if err := json.Unmarshal(b, &ev); err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", f.Name(), line, err)
		}
		ed.take(&ev, roots, onSummary)
	}
}

// maxLine bounds one events.jsonl line; longer lines are skipped.
const maxLine = 1 << 20

// readLine returns the next line without its newline; long reports a
// line over maxLine bytes, which is read through but not kept.
func readLine(br *bufio.Reader) (line []byte, long bool, err error) {
	n := 0
	for {
		part, err := br.ReadSlice('\n')
		n += len(part)
		if long = n > maxLine; !long {
			line = append(line, part...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && (!errors.Is(err, io.EOF) || n == 0) {
			return nil, false, err
		}
		return []byte(strings.TrimRight(string(line), "\r\n")), long, nil
	}
}

// take records one event.
func (ed *eventData) take(ev *event, roots map[string]bool, onSummary func(string) bool) {
	ed.total[ev.Kind]++
	switch {
	case ev.Kind == "justified" && roots[ev.Details.Root]:
		ed.checkJ[ev.Details.Root] = ev.Details.CheckpointEpoch
	case ev.Kind == "finalized" && roots[ev.Details.Root]:
		ed.checkF[ev.Details.Root] = ev.Details.CheckpointEpoch
	case slices.Contains(countKinds, ev.Kind) && (ev.Branch == "" || onSummary(ev.Branch)):
		ed.counts[ev.Kind].add(ev.Epoch, 1)
	}
	if keepKind(ev.Kind) && len(ed.kept[ev.Kind]) < MaxEventsPerKind {
		ed.kept[ev.Kind] = append(ed.kept[ev.Kind], *ev)
	}
}

// keepKind reports whether events of kind are kept (markers and tables).
func keepKind(kind string) bool {
	return slices.Contains(markerKinds, kind) || kind == "reorg"
}

// epochs returns the epochs of the kept marker events: the points every
// series keeps exactly.
func (ed *eventData) epochs() []uint64 {
	var out []uint64
	for _, k := range markerKinds {
		for _, ev := range ed.kept[k] {
			out = append(out, ev.Epoch)
		}
	}
	return out
}

// capped lists the kinds with more events than were kept.
func (ed *eventData) capped() []string {
	var out []string
	for _, k := range append(slices.Clone(markerKinds), "reorg") {
		if n := ed.total[k]; n > len(ed.kept[k]) {
			out = append(out, fmt.Sprintf("%s: first %d of %d", k, len(ed.kept[k]), n))
		}
	}
	return out
}
