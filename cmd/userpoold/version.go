package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// runVersion implements "userpoold version" and "userpoold --version": it
// prints one line with the module version, the VCS commit the binary was
// built from (with "modified" when the work tree had uncommitted changes)
// and the Go toolchain and platform, all as the Go linker recorded them in
// the binary's build information.
func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "userpoold version: unexpected arguments: %q\n", args)
		return 2
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, versionLine(bi, runtime.GOOS+"/"+runtime.GOARCH))
	return 0
}

// versionLine renders build information as
//
//	userpoold v1.2.0 (commit 5d9f270a6779c8500878999a09a1f54510b617e6, modified; go1.26.8 linux/amd64)
//
// The version is the main module's: a release tag, a pseudo-version
// derived from the commit, or "(devel)" when the build recorded none (go
// run, a build outside a git clone, or -buildvcs=false). The commit is
// "unknown" when the build recorded no VCS information. bi may be nil (a
// binary built without module support); platform is GOOS/GOARCH.
func versionLine(bi *debug.BuildInfo, platform string) string {
	version, commit, goVersion := "(devel)", "unknown", runtime.Version()
	modified := false
	if bi != nil {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if modified {
		commit += ", modified"
	}
	return fmt.Sprintf("userpoold %s (commit %s; %s %s)", version, commit, goVersion, platform)
}
