package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.3.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}}}
	got := fromBuildInfo(bi, true)
	want := Info{Version: "v0.3.0", Commit: "abc123-modified", GoVersion: "go1.26.0"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	bi.Settings = []debug.BuildSetting{{Key: "vcs.modified", Value: "true"}}
	if got := fromBuildInfo(bi, true); got.Commit != Unknown {
		t.Errorf("no revision: commit %q, want %q", got.Commit, Unknown)
	}
	if got := fromBuildInfo(nil, false); got.Commit != Unknown || got.Version != "(unknown)" || got.GoVersion == "" {
		t.Errorf("no build info: %+v", got)
	}
}
