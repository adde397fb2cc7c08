package main

import (
	"bytes"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "-trimpath", Value: "true"}, {Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: "2026-11-25T22:14:18Z"}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "5d9f270a6779c8500878999a09a1f54510b617e6"
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"tagged release", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.0"}, Settings: vcs(rev, "false")},
			"userpoold v1.2.0 (commit " + rev + "; go1.26.8 linux/arm64)"},
		{"pseudo-version, uncommitted changes", &debug.BuildInfo{GoVersion: "go1.26.8",
			Main: debug.Module{Version: "v0.0.0-20261125221418-5d9f270a6779+dirty"}, Settings: vcs(rev, "true")},
			"userpoold v0.0.0-20261125221418-5d9f270a6779+dirty (commit " + rev + ", modified; go1.26.8 linux/arm64)"},
		{"no VCS information", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			"userpoold (devel) (commit unknown; go1.26.8 linux/arm64)"},
		{"no build information", nil,
			"userpoold (devel) (commit unknown; " + runtime.Version() + " linux/arm64)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionLine(tt.bi, "linux/arm64"); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	env := func(string) string { return "" }
	var outs []string
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, env, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", args, code, stderr.String())
		}
		outs = append(outs, stdout.String())
	}
	if outs[0] != outs[1] || outs[0] != outs[2] {
		t.Errorf("version and --version differ: %q", outs)
	}
	want := " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	if !strings.HasPrefix(outs[0], "userpoold ") || !strings.HasSuffix(outs[0], want) {
		t.Errorf("output %q, want userpoold ... %q", outs[0], want)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"version", "extra"}, env, &stdout, &stderr); code != 2 || stdout.Len() != 0 {
		t.Errorf("version extra: exit %d, stdout %q", code, stdout.String())
	}
}

// TestVersionMatchesBuildInfo builds the binary and checks that its
// --version line says what `go version -m` reads from the same binary:
// the module version, the commit and its modified flag (when the build
// recorded them; a git clone does, a worktree or -buildvcs=false does not)
// and the Go version.
func TestVersionMatchesBuildInfo(t *testing.T) {
	bin := buildBinary(t)
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	line := string(out)
	meta, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	version, commit, goVersion := "(devel)", "unknown", ""
	modified := false
	for i, l := range strings.Split(string(meta), "\n") {
		f := strings.Fields(l)
		switch {
		case i == 0 && len(f) == 2:
			goVersion = f[1]
		case len(f) >= 3 && f[0] == "mod":
			version = f[2]
		case len(f) == 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.revision="):
			commit = strings.TrimPrefix(f[1], "vcs.revision=")
		case len(f) == 2 && f[0] == "build" && f[1] == "vcs.modified=true":
			modified = true
		}
	}
	if modified {
		commit += ", modified"
	}
	want := "userpoold " + version + " (commit " + commit + "; " + goVersion + " " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	if goVersion == "" || line != want {
		t.Errorf("userpoold --version printed\n%s\nwant (from go version -m)\n%s\ngo version -m:\n%s", line, want, meta)
	}
}
