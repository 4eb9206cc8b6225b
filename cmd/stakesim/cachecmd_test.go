package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/crypto"
)

// TestCacheInfoAndClear: cache info lists the files of $STAKESIM_CACHE_DIR/keys
// and cache clear removes them, and only them.
func TestCacheInfoAndClear(t *testing.T) {
	root := t.TempDir()
	t.Setenv(crypto.CacheDirEnv, root)
	keys := filepath.Join(root, "keys")
	if _, res := crypto.LoadOrDeriveKeyring(77, 20, 1, crypto.CacheOptions{MinKeys: 1}); res.Status != crypto.CacheMiss {
		t.Fatalf("writing a cache file: %+v", res)
	}
	if err := os.WriteFile(filepath.Join(keys, "mine.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "cache", "info")
	if code != exitOK || !strings.Contains(out, "key cache: "+keys) || !strings.Contains(out, "1 file,") ||
		!strings.Contains(out, "  77 ") || !strings.Contains(out, " 20 ") {
		t.Fatalf("cache info: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "cache", "clear")
	if code != exitOK || !strings.Contains(out, "removed 1 file,") {
		t.Fatalf("cache clear: exit %d\n%s%s", code, out, errOut)
	}
	if names, _ := os.ReadDir(keys); len(names) != 1 || names[0].Name() != "mine.txt" {
		t.Errorf("after clear: %v, want only mine.txt", names)
	}
	if code, _, errOut := runCLI(t, "cache", "info", "extra"); code != exitBadInput {
		t.Errorf("cache info extra: exit %d, stderr %q", code, errOut)
	}
}

// TestRunNoKeyCacheFlag: run accepts --no-key-cache, and timing.json says
// the cache was off.
func TestRunNoKeyCacheFlag(t *testing.T) {
	root := t.TempDir()
	t.Setenv(crypto.CacheDirEnv, root)
	out := filepath.Join(t.TempDir(), "run")
	code, _, errOut := runCLI(t, "run", "baseline", "--set", "validators=64", "--epochs", "1", "--bls", "aggregate",
		"--quiet", "--no-report", "--no-key-cache", "--out", out)
	if code != exitOK {
		t.Fatalf("run --no-key-cache: exit %d\n%s", code, errOut)
	}
	timing, err := os.ReadFile(filepath.Join(out, "timing.json"))
	if err != nil || !strings.Contains(string(timing), `"key_cache": "off"`) {
		t.Errorf("timing.json: %v\n%s", err, timing)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Errorf("--no-key-cache wrote %v", entries)
	}
}
