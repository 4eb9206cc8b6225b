package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// memoryBound is what parsing any input of up to maxInputBytes may use
// beyond what was in use before (issue 13).
const memoryBound = 64 << 20

// parsers are the three decoders that share document().
var parsers = []struct {
	name  string
	parse func(data []byte) error
}{
	{"scenario", func(data []byte) error { _, err := Parse("f.yaml", data, nil); return err }},
	{"sweep", func(data []byte) error { _, err := ParseSweep("f.yaml", data); return err }},
	{"graph", func(data []byte) error { _, err := ParseRestakingGraph("f.yaml", data); return err }},
}

// fill repeats unit after head until the result is size bytes (cutting the
// last repetition), then appends tail.
func fill(head, unit, tail string, size int) []byte {
	n := size - len(head) - len(tail)
	if n < 0 {
		n = 0
	}
	b := make([]byte, 0, size)
	b = append(b, head...)
	for len(b)-len(head) < n {
		b = append(b, unit...)
	}
	b = b[:len(head)+n]
	return append(b, tail...)
}

// indented is lines of text, each indented one step more than the last.
func indented(line string, step, size int) []byte {
	var b []byte
	for i := 0; ; i++ {
		l := strings.Repeat(" ", i*step) + line + "\n"
		if len(b)+len(l) > size {
			return b
		}
		b = append(b, l...)
	}
}

// hostileShapes are the worst inputs of up to size bytes found for the
// YAML parser: deep nesting of every kind, many small nodes, long strings
// and anchors and aliases.
func hostileShapes(size int) []struct {
	name string
	data []byte
} {
	x := strings.Repeat("x", 48)
	return []struct {
		name string
		data []byte
	}{
		{"deep [", fill("a: ", "[", "", size)},
		{"deep {a: ", fill("a: ", "{a: ", "", size)},
		{"deep block mappings", indented("a:", 1, size)},
		{"deep block sequences, one per line", indented("-", 1, size)},
		{"deep block sequences on one line", fill("", "- ", "", size)},
		{"deep mixed", fill("", "- a: [{b: ", "", size)},
		{"many scalars in a block list", fill("a:\n", "- 1\n", "", size)},
		{"many scalars in a flow list", fill("a: [", "0, ", "0]\n", size)},
		{"many empty flow lists", fill("a: [", "[], ", "[]]\n", size)},
		{"many flow mappings", fill("a:\n", "- {a: 1}\n", "", size)},
		{"many keys in one mapping", fill("", "k: 1\n", "", size)},
		{"many graph allocations", fill("allocations:\n", "  - {operator: op1, service: s1, magnitude: 0.5}\n", "", size)},
		{"many block allocations", fill("allocations:\n", "  - operator: op1\n    service: s1\n    magnitude: 0.5\n", "", size)},
		{"many comments", fill("a: 1\n", "#\n", "", size)},
		{"many blank lines", fill("a: 1\n", "\n", "", size)},
		{"long plain string", fill("a: ", "x", "\n", size)},
		{"long plain words", fill("a: ", "x ", "\n", size)},
		{"long double-quoted string", fill(`a: "`, "x", "\"\n", size)},
		{"long escapes", fill(`a: "`, `\n`, "\"\n", size)},
		{"long multi-line plain string", fill("a: x\n", "  "+x+"\n", "", size)},
		{"long multi-line quoted string", fill("a: \"x\n", "  "+x+"\n", "\"\n", size)},
		{"long multi-line short quoted lines", fill("a: \"x\n", " x\n", "\"\n", size)},
		{"long block literal", fill("a: |\n", "  "+x+"\n", "", size)},
		{"long block literal of short lines", fill("a: |\n", "  x\n", "", size)},
		{"many anchors", fill("a:\n", "- &x 1\n", "", size)},
		{"many aliases", fill("a: &x [1]\nb: [", "*x, ", "*x]\n", size)},
		{"billion laughs", []byte(laughs())},
		{"long key over many values", fill(strings.Repeat("k", size/2)+":\n", "  a: 1\n", "", size)},
		{"long key over a long list", fill(strings.Repeat("k", size/2)+":\n", "  - 1\n", "", size)},
		{"long quoted key", fill(`"`+strings.Repeat("k", size/2)+"\":\n", "  - 1\n", "", size)},
		{"long complex key", fill("? "+strings.Repeat("k", size/2)+"\n: [", "1, ", "1]\n", size)},
		{"long flow key", fill("{"+strings.Repeat("k", size/2)+":[", "1,", "1]}\n", size)},
		{"long keys nested", fill("", strings.Repeat("k", 4000)+":\n  ", "", size)},
		{"many spaces", fill("a: 1", " ", "\n", size)},
		{"many documents", fill("", "---\n", "", size)},
	}
}

// laughs is the "billion laughs" document: nine levels of aliases, each
// naming the level below ten times.
func laughs() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// largestAccepted returns the longest prefix of data that prescan accepts:
// the largest input of that shape that reaches the YAML parser.
func largestAccepted(data []byte) []byte {
	if prescan(data) == nil {
		return data
	}
	lo, hi := 0, len(data)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if prescan(data[:mid]) == nil {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return data[:lo]
}

// memoryUse runs parse on data and returns the bytes it allocated in all
// (TotalAlloc) and, when that is over memoryBound, the peak of the heap
// beyond the heap before the call, sampled while parse runs. The total
// bounds the peak, so when it is under memoryBound the peak is not sampled
// (peak is then reported as the total).
func memoryUse(parse func([]byte) error, data []byte) (total, peak uint64, err error) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err = parse(data)
	runtime.ReadMemStats(&after)
	total = after.TotalAlloc - before.TotalAlloc
	if total < memoryBound {
		return total, total, err
	}
	runtime.GC()
	runtime.ReadMemStats(&before)
	maxHeap := before.HeapAlloc
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			maxHeap = max(maxHeap, ms.HeapAlloc)
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	err = parse(data)
	close(stop)
	wg.Wait()
	runtime.ReadMemStats(&after)
	maxHeap = max(maxHeap, after.HeapAlloc)
	return total, maxHeap - before.HeapAlloc, err
}

// TestParseMemoryBound checks issue 13's bound: any input of up to 1 MiB is
// accepted or refused using at most 64 MiB beyond what was in use before.
// Every hostile shape is tried at 1 MiB and at the largest size prescan lets
// through to the YAML parser (the costliest one), for all three file types.
func TestParseMemoryBound(t *testing.T) {
	for _, sh := range hostileShapes(maxInputBytes) {
		inputs := [][]byte{sh.data}
		if fit := largestAccepted(sh.data); len(fit) < len(sh.data) {
			inputs = append(inputs, fit)
		}
		for _, data := range inputs {
			for _, p := range parsers {
				start := time.Now()
				total, peak, err := memoryUse(p.parse, data)
				msg := "accepted"
				if err != nil {
					msg, _, _ = strings.Cut(err.Error(), "\n")
					msg = truncate(msg)
				}
				t.Logf("%-36s %-8s %7d bytes: allocated %5.1f MiB, peak %5.1f MiB, %v: %s",
					sh.name, p.name, len(data), float64(total)/(1<<20), float64(peak)/(1<<20), time.Since(start).Round(time.Millisecond), msg)
				if peak >= memoryBound {
					t.Errorf("%s, %s, %d bytes: peak heap %.1f MiB beyond the baseline; the bound is %d MiB",
						sh.name, p.name, len(data), float64(peak)/(1<<20), memoryBound>>20)
				}
			}
		}
	}
}

// FuzzParseMemory checks the same bound on arbitrary inputs of up to
// maxInputBytes, for all three file types.
//
//	go test ./scenarios -run XXX -fuzz FuzzParseMemory -fuzztime 20s
func FuzzParseMemory(f *testing.F) {
	for _, sh := range hostileShapes(512) {
		f.Add(sh.data)
	}
	for _, b := range Builtins() {
		f.Add(b.YAML)
	}
	f.Add([]byte(restakingFull))
	f.Add([]byte("a: [:,]\n")) // once made prescan loop forever
	f.Add([]byte(strings.Repeat("- ", 63) + "x\n"))
	f.Add([]byte("a: " + strings.Repeat("[", 63) + strings.Repeat("]", 63) + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxInputBytes {
			t.Skip()
		}
		// All three together first: what they allocate bounds what each
		// one uses, and one measurement keeps the target fast (the fuzzer
		// minimizes every new interesting input by running it again).
		all := func(data []byte) error {
			for _, p := range parsers {
				_ = p.parse(data)
			}
			return nil
		}
		if total, _, _ := memoryUse(all, data); total < memoryBound {
			return
		}
		for _, p := range parsers {
			if _, peak, _ := memoryUse(p.parse, data); peak >= memoryBound {
				t.Fatalf("%s: %d bytes used %.1f MiB of heap; the bound is %d MiB", p.name, len(data), float64(peak)/(1<<20), memoryBound>>20)
			}
		}
	})
}

// TestPrescanLimits checks the errors of the bounds checked before the
// YAML parser runs, and that they come at the first byte past the bound.
func TestPrescanLimits(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"deep [", "a: " + strings.Repeat("[", 100), "f.yaml:1:67: nested deeper than 64 levels"},
		{"deep {", "a: " + strings.Repeat("{a: ", 100), "f.yaml:1:256: nested deeper than 64 levels"},
		{"deep block mappings", string(indented("a:", 1, 10000)), "f.yaml:65:65: nested deeper than 64 levels"},
		{"deep block sequences", string(indented("-", 2, 100000)), "f.yaml:65:129: nested deeper than 64 levels"},
		{"deep sequences on one line", strings.Repeat("- ", 100), "f.yaml:1:129: nested deeper than 64 levels"},
		{"deep mixed", "a: " + strings.Repeat("[{a: ", 40), "f.yaml:1:160: nested deeper than 64 levels"},
		{"deep mixed block", string(indented("- a:", 2, 20000)), "f.yaml:65:129: nested deeper than 64 levels"},
		{"too many tokens", "a:\n" + strings.Repeat("- 1\n", 30000),
			"f.yaml:20001:1: more than 40000 YAML tokens (keys, values, punctuation and comments); the limit is 40000"},
		{"long key over many values", strings.Repeat("k", 500_000) + ":\n" + strings.Repeat("  - 1\n", 100),
			"f.yaml:9:5: keys too long for the values under them: more than 8388608 bytes of field paths (each value's keys, added up); the limit is 8388608"},
		{"too many comments", "a: 1\n" + strings.Repeat("# c\n", 40000),
			"f.yaml:39999:1: more than 40000 YAML tokens (keys, values, punctuation and comments); the limit is 40000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range parsers {
				err := p.parse([]byte(tt.src))
				if err == nil || err.Error() != tt.want {
					t.Errorf("%s: error\n%v\nwant\n%s", p.name, err, tt.want)
				}
			}
		})
	}
}

// TestPrescanAcceptsValid checks that prescan refuses nothing the decoder's
// own limits accept: nesting up to maxNesting as checkPlain counts it, block
// scalars, quoted strings and comments that look like nesting, every
// built-in scenario and every YAML file under examples/.
func TestPrescanAcceptsValid(t *testing.T) {
	valid := []string{
		strings.Repeat("- ", 64) + "x\n",
		strings.Repeat("-\n", 1) + string(indented("-", 2, 64*66)),
		"a: " + strings.Repeat("[", 63) + strings.Repeat("]", 63) + "\n",
		"a: |\n" + strings.Repeat("  [[[[ {a: \n", 1000) + "b: 1\n",
		"a: >-\n  " + strings.ReplaceAll(string(indented("x:", 1, 20000)), "\n", "\n  ") + "\nb: 1\n",
		"a: \"" + strings.Repeat("[{", 10000) + "\"\nb: '" + strings.Repeat("[''", 1000) + "'\n",
		"a: 1 # " + strings.Repeat("[", 10000) + "\n" + strings.Repeat("# [{- - \n", 1000),
		"a: \"line\n" + string(indented("- x", 1, 20000)) + "\"\n",
		"a: [\n" + string(indented("1,", 1, 20000)) + "]\n",
		"description: a long\n  plain text that goes\n  on over lines\n",
		"\xef\xbb\xbfname: x\n",
		"a: [:, :], b: {:}\n",
	}
	for i, src := range valid {
		if err := prescan([]byte(src)); err != nil {
			t.Errorf("valid input %d refused at %d:%d: %s", i, err.line, err.col, err.msg)
		}
	}
	for _, b := range Builtins() {
		if err := prescan(b.YAML); err != nil {
			t.Errorf("built-in %s refused at %d:%d: %s", b.Name, err.line, err.col, err.msg)
		}
		if _, err := Load(b.Name, nil); err != nil {
			t.Errorf("built-in %s: %v", b.Name, err)
		}
	}
	var files int
	err := filepath.WalkDir(filepath.Join("..", "examples"), func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if perr := prescan(data); perr != nil {
			t.Errorf("%s refused at %d:%d: %s", path, perr.line, perr.col, perr.msg)
		}
		switch filepath.Base(filepath.Dir(path)) {
		case "restaking":
			if _, err := LoadRestakingGraph(path); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		case "sweeps", "slurm":
			if _, err := LoadSweep(path); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 7 {
		t.Errorf("found %d YAML files under examples/; want at least 7", files)
	}
}

// loaders are the public Load functions, by file type.
var loaders = []struct {
	name string
	load func(path string) error
}{
	{"Load", func(path string) error { _, err := Load(path, nil); return err }},
	{"LoadSweep", func(path string) error { _, err := LoadSweep(path); return err }},
	{"LoadRestakingGraph", func(path string) error { _, err := LoadRestakingGraph(path); return err }},
}

// loadWithin runs load(path) and fails the test if it takes more than ten
// seconds (it would block forever on a FIFO that were opened).
func loadWithin(t *testing.T, load func(string) error, path string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- load(path) }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("loading %s did not return within 10s", path)
		return nil
	}
}

// TestLoadRefusesNonRegular checks that a character device (/dev/zero,
// which never ends) and a FIFO with no writer (whose open would block), a
// directory and an oversized file are refused quickly, naming the file.
func TestLoadRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, dev := range []string{"/dev/zero", "/dev/null", "/dev/urandom"} {
		if fi, err := os.Stat(dev); err == nil && fi.Mode()&fs.ModeCharDevice != 0 {
			paths = append(paths, dev)
			break
		}
	}
	if fifo, err := makeFIFO(dir); err == nil {
		paths = append(paths, fifo)
	} else if runtime.GOOS == "linux" {
		t.Fatalf("mkfifo: %v", err)
	}
	paths = append(paths, dir)
	for _, path := range paths {
		for _, l := range loaders {
			start := time.Now()
			err := loadWithin(t, l.load, path)
			if !errors.Is(err, ErrNotRegular) {
				t.Errorf("%s(%s): error %v; want ErrNotRegular", l.name, path, err)
				continue
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("%s(%s): error %q does not name the file and its kind", l.name, path, err)
			}
			t.Logf("%s(%s) in %v: %v", l.name, path, time.Since(start).Round(time.Microsecond), err)
		}
	}
}

// TestLoadSizeLimit checks that a file over 1 MiB is refused by its size
// before it is read, that a file at the limit is read, and that regular
// files reached through a symlink still load.
func TestLoadSizeLimit(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, fill("a: ", "x", "\n", maxInputBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, l := range loaders {
		err := l.load(big)
		want := big + ":1:1: file is 1048577 bytes; the limit is 1048576"
		if err == nil || err.Error() != want {
			t.Errorf("%s: error\n%v\nwant\n%s", l.name, err, want)
		}
	}
	// At the limit, the file is read and decoded: the problems are in it.
	atLimit := filepath.Join(dir, "limit.yaml")
	if err := os.WriteFile(atLimit, fill("a: ", "x", "\n", maxInputBytes), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, l := range loaders {
		err := l.load(atLimit)
		if err == nil || !strings.HasPrefix(err.Error(), atLimit+":1:1: a: unknown field") {
			t.Errorf("%s: error %v; want an unknown field a", l.name, err)
		}
	}
	// A symlink to a regular file is followed.
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(filepath.Join("..", "examples", "restaking", "chain.yaml"), link); err == nil {
		abs, _ := filepath.Abs(filepath.Join("..", "examples", "restaking", "chain.yaml"))
		_ = os.Remove(link)
		if err := os.Symlink(abs, link); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadRestakingGraph(link); err != nil {
			t.Errorf("LoadRestakingGraph through a symlink: %v", err)
		}
	}
	// A missing file is still reported as such.
	if _, err := Load(filepath.Join(dir, "missing.yaml"), nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load of a missing file: %v; want ErrNotFound", err)
	}
	if _, err := LoadRestakingGraph(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadRestakingGraph of a missing file: %v; want os.ErrNotExist", err)
	}
}
