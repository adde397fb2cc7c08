package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	model := flag.String("model", "api/cognito-idp-2016-04-18.json", "path of the botocore service model (service-2.json)")
	out := flag.String("out", "internal/cognitoidp", "directory to write the generated package into")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "apigen: unexpected arguments:", strings.Join(flag.Args(), " "))
		os.Exit(2)
	}
	if err := run(*model, *out); err != nil {
		fmt.Fprintln(os.Stderr, "apigen:", err)
		os.Exit(1)
	}
}

// run generates the package from the model file into dir. Files in dir that apigen generated
// earlier but no longer produces are removed; other files are left alone.
func run(modelPath, dir string) error {
	b, err := os.ReadFile(modelPath)
	if err != nil {
		return err
	}
	files, err := generate(b)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	stale, err := generatedFiles(dir)
	if err != nil {
		return err
	}
	for _, name := range stale {
		if _, ok := files[name]; !ok {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	for _, name := range sortedKeys(files) {
		path := filepath.Join(dir, name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, files[name]) {
			continue // leave the file (and its modification time) alone
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// generatedFiles lists the .go files in dir that carry apigen's "Code generated" header.
func generatedFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if bytes.HasPrefix(b, []byte(generatedMarker)) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}
