package sim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stakesim/stakesim/crypto"
	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/internal/simtest"
	"github.com/stakesim/stakesim/sim"
)

// TestKeyCacheRunsIdentical: a run whose keys come from the key cache
// (miss, then hit) writes the same outputs as one that derives them
// (--no-key-cache, or fewer keys than the threshold), and timing.json
// says which happened. Nothing is written to the cache when it is off.
func TestKeyCacheRunsIdentical(t *testing.T) {
	root := t.TempDir()
	t.Setenv(crypto.CacheDirEnv, root)
	keys := filepath.Join(root, "keys")
	run := func(opts sim.Options, want string) string {
		t.Helper()
		sc := simtest.Load(t, "baseline", 2, "aggregate", "validators=64")
		dir, res := simtest.Run(t, context.Background(), sc, opts)
		if res.Timing.KeyCache != want {
			t.Fatalf("%+v: key_cache %q (%s), want %q", opts, res.Timing.KeyCache, res.Timing.KeyCacheNote, want)
		}
		var timing map[string]any
		data, err := os.ReadFile(filepath.Join(dir, output.TimingFile))
		if err != nil || json.Unmarshal(data, &timing) != nil || timing["key_cache"] != want {
			t.Fatalf("timing.json: %v %s", err, data)
		}
		return dir
	}
	noFiles := func(when string) {
		t.Helper()
		if _, err := os.Stat(keys); !os.IsNotExist(err) {
			t.Fatalf("%s: %s exists (%v)", when, keys, err)
		}
	}
	base := run(sim.Options{}, "off") // 64 keys: below the default threshold
	noFiles("below the threshold")
	off := run(sim.Options{NoKeyCache: true, KeyCacheMinKeys: 1}, "off")
	noFiles("--no-key-cache")
	miss := run(sim.Options{KeyCacheMinKeys: 1}, "miss")
	hit := run(sim.Options{KeyCacheMinKeys: 1, Workers: 1}, "hit")
	for _, f := range []string{output.EpochsFile, output.EventsFile, output.SummaryFile} {
		want, err := os.ReadFile(filepath.Join(base, f))
		if err != nil {
			t.Fatal(err)
		}
		for name, dir := range map[string]string{"off": off, "miss": miss, "hit": hit} {
			if got, err := os.ReadFile(filepath.Join(dir, f)); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: %s differs from the derived run's (%v)", name, f, err)
			}
		}
	}
}
