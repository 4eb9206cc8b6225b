// Package buildinfo says which program is running: the stakesim module
// version, the VCS revision it was built from, and the Go version. It is
// the one place that reads runtime/debug's build information, for
// "stakesim version" and for summary.json.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Unknown is the revision of a build without VCS information (go test,
// a build outside a git checkout, or -buildvcs=false).
const Unknown = "unknown"

// Info describes a build.
type Info struct {
	// Version is the main module's version: a tag or pseudo-version when
	// built with go install MODULE@VERSION, "(devel)" for a source build.
	Version string
	// Commit is the VCS revision, with "-modified" appended when the
	// working tree had uncommitted changes; Unknown when absent.
	Commit string
	// GoVersion is the toolchain that built the binary, e.g. "go1.26.0".
	GoVersion string
}

// Read returns this binary's build information.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	return fromBuildInfo(bi, ok)
}

// fromBuildInfo is Read on given build information.
func fromBuildInfo(bi *debug.BuildInfo, ok bool) Info {
	info := Info{Version: "(unknown)", Commit: Unknown, GoVersion: runtime.Version()}
	if !ok || bi == nil {
		return info
	}
	if bi.Main.Version != "" {
		info.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		info.GoVersion = bi.GoVersion
	}
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if s.Value != "" {
				info.Commit = s.Value
			}
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified && info.Commit != Unknown {
		info.Commit += "-modified"
	}
	return info
}
