package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const guide = "# A guide\n\n```yaml file=seed.yaml\npools: []\nport: 9229\n```\n\nRun:\n\n```sh\nuserpoold --addr 127.0.0.1:9229 &\n```\n\n```text\nshown only\n```\n\n````js from=src.js\nconst a = 1;\n````\n"

func TestScript(t *testing.T) {
	blocks, err := parse(strings.NewReader(guide))
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 4 || blocks[0].attr["file"] != "seed.yaml" || blocks[1].lang != "sh" || blocks[3].attr["from"] != "src.js" || blocks[3].text != "const a = 1;\n" {
		t.Fatalf("blocks = %+v", blocks)
	}
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "src.js"), []byte("// x\nconst a = 1;\nrun();\n"), 0o644)
	rep, _ := subs{"9229=40001"}.replacer()
	var out strings.Builder
	if err := script(&out, "g.md", blocks, rep, root); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"set -euo pipefail", "cat > 'seed.yaml' <<'GUIDE_EOF'\npools: []\nport: 40001\nGUIDE_EOF\n", "userpoold --addr 127.0.0.1:40001 &\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("script lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "shown only") {
		t.Errorf("a text block is in the script:\n%s", got)
	}

	// An excerpt that is not in its source fails.
	os.WriteFile(filepath.Join(root, "src.js"), []byte("const a = 2;\n"), 0o644)
	if err := script(&out, "g.md", blocks, rep, root); err == nil || !strings.Contains(err.Error(), "g.md:18: the block is not in src.js") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnclosedBlock(t *testing.T) {
	if _, err := parse(strings.NewReader("```sh\necho\n")); err == nil {
		t.Fatal("an unclosed block was accepted")
	}
}

func TestExpectations(t *testing.T) {
	got, err := expectations("echo a\naws x \\\n  --query y --output text   # -> CONFIRMED\necho b  # a comment\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "echo a\nguide_expect 'CONFIRMED' \"$(aws x \\\n  --query y --output text)\"\necho b  # a comment\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := expectations("echo   # -> it's\n"); err == nil {
		t.Fatal("a quote in an expected output was accepted")
	}
}

// TestExpectationFailsTheScript runs a generated script: a command whose
// output differs from the stated one fails it.
func TestExpectationFailsTheScript(t *testing.T) {
	for _, c := range []struct {
		guide string
		ok    bool
	}{
		{"```sh\necho CONFIRMED   # -> CONFIRMED\n```\n", true},
		{"```sh\necho UNCONFIRMED   # -> CONFIRMED\n```\n", false},
		{"```sh\nfalse\n```\n", false},
	} {
		blocks, _ := parse(strings.NewReader(c.guide))
		rep, _ := subs{}.replacer()
		var out strings.Builder
		if err := script(&out, "g.md", blocks, rep, t.TempDir()); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("bash", "-c", out.String())
		if err := cmd.Run(); (err == nil) != c.ok {
			t.Errorf("%q: ran with %v, want success %v", c.guide, err, c.ok)
		}
	}
}
