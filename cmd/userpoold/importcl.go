package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/userpoold/userpoold/internal/cognitolocal"
)

// runImportCognitoLocal is "userpoold import-cognito-local [--region R]
// DIR": it prints the bootstrap document converted from cognito-local's
// data directory DIR (.cognito, or its db directory) and writes a note to
// stderr for each thing it could not carry over.
func runImportCognitoLocal(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("userpoold import-cognito-local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	region := fs.String("region", envOr(getenv, "USERPOOLD_REGION", "us-east-1"), "the region of the server the file is for (its pool IDs start with it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: userpoold import-cognito-local [--region us-east-1] DIR > seed.yaml")
		fmt.Fprintln(stderr, "  DIR is cognito-local's .cognito directory (config.json, db/clients.json, db/<pool ID>.json).")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	doc, notes, err := cognitolocal.Convert(fs.Arg(0), *region)
	if err != nil {
		fmt.Fprintln(stderr, "userpoold import-cognito-local:", err)
		return 1
	}
	out, err := doc.Marshal(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "userpoold import-cognito-local:", err)
		return 1
	}
	stdout.Write(out)
	for _, n := range notes {
		fmt.Fprintln(stderr, "note:", n)
	}
	return 0
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
