package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	_ "image/jpeg" // FullScreenshot returns a JPEG
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds the browser the report test needs: scripts/test
// installs Debian's chromium when it is missing, so a missing browser is a
// failure, never a skip.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium on PATH: run scripts/install-browser (Debian: apt-get install chromium fonts-dejavu-core)")
	return ""
}

// chartBox is a rendered chart's size in CSS pixels.
type chartBox struct {
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// TestReportInBrowser runs a built-in attack (attack-33, BLS off, 120
// epochs: the stall and the leak), opens its report.html in headless
// Chromium and asserts that the page logs no console error or exception,
// that every chart the page declares (data-charts on <body>) renders as
// an <svg> of non-zero size, and that a full-page screenshot is not blank.
// The screenshot is kept in the test's temp dir (printed with -v).
func TestReportInBrowser(t *testing.T) {
	browser := chromiumPath(t)
	out := filepath.Join(t.TempDir(), "attack-33")
	if code, _, stderr := runCLI(t, "run", "attack-33", "--bls", "off", "--epochs", "120", "--out", out, "--quiet"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	page := filepath.Join(out, "report.html")
	if _, err := os.Stat(page); err != nil {
		t.Fatalf("the run wrote no report: %v", err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.WindowSize(1280, 1000))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v", browser, err)
	}
	stop := collectConsole(ctx)
	tab, cancelTab := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTab()
	if err := chromedp.Do(tab, chromedp.Navigate("file://"+page)); err != nil {
		t.Fatal(err)
	}
	declared, err := chromedp.Run(tab, chromedp.Evaluate[int](`Number(document.body.dataset.charts || 0)`))
	if err != nil {
		t.Fatal(err)
	}
	boxes, err := chromedp.Run(tab, chromedp.Evaluate[[]chartBox](
		`Array.from(document.querySelectorAll('figure.chart svg')).map(e => { const r = e.getBoundingClientRect(); return {w: r.width, h: r.height}; })`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(tab, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range stop() {
		if m.IsException() || m.Type == "error" {
			t.Errorf("console %s: %s", m.Type, m.Text)
		}
	}
	if declared < 6 || len(boxes) != declared {
		t.Errorf("%d charts rendered, the page declares %d (want at least 6)", len(boxes), declared)
	}
	for i, b := range boxes {
		if b.W < 50 || b.H < 50 {
			t.Errorf("chart %d renders at %.0f×%.0f px", i, b.W, b.H)
		}
	}
	shotPath := filepath.Join(t.TempDir(), "report-attack-33.jpg")
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", shotPath, len(shot))
	if n := distinctColours(t, shot); n < 8 {
		t.Errorf("the screenshot has %d distinct colours: blank", n)
	}
}

// collectConsole gathers the page's console messages until stop is called.
func collectConsole(ctx context.Context) func() []chromedp.ConsoleMessage {
	sub, cancel := context.WithCancel(ctx)
	var mu sync.Mutex
	var got []chromedp.ConsoleMessage
	done := make(chan struct{})
	msgs := chromedp.Console(sub)
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			mu.Lock()
			got = append(got, m)
			mu.Unlock()
		}
	}()
	return func() []chromedp.ConsoleMessage {
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return got
	}
}

// distinctColours counts the colours of a screenshot (up to 1,000).
func distinctColours(t *testing.T, data []byte) int {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y && len(seen) < 1000; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			seen[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)] = true
		}
	}
	return len(seen)
}
