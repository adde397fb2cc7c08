package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// runOutbox implements "userpoold outbox": it reads the development outbox
// of a running server and prints the latest code sent to a user.
func runOutbox(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("userpoold outbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", "http://127.0.0.1:9229", "server URL")
	pool := fs.String("pool", "", "user pool ID (required)")
	user := fs.String("user", "", "username the message was sent to (required)")
	channel := fs.String("channel", "", "only messages sent by SMS or EMAIL")
	all := fs.Bool("json", false, "print every matching message as JSON instead of the latest code")
	region := fs.String("region", "us-east-1", "region to sign the request for")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *pool == "" || *user == "" {
		fmt.Fprintln(stderr, "userpoold outbox: --pool and --user are required")
		return 2
	}
	if *channel != "" && *channel != "SMS" && *channel != "EMAIL" {
		fmt.Fprintln(stderr, "userpoold outbox: --channel must be SMS or EMAIL")
		return 2
	}
	u := strings.TrimRight(*endpoint, "/") + "/_userpoold/outbox?" + url.Values{"userPoolId": {*pool}, "username": {*user}}.Encode()
	// Signed like an admin call when credentials are in the environment;
	// unsigned reads are allowed while the server has no admin keys.
	body, err := adminRequest(http.MethodGet, u, getenv, *region, false)
	if err != nil {
		fmt.Fprintln(stderr, "userpoold outbox:", err)
		return 1
	}
	var view struct {
		Messages []struct {
			SentAt, UserPoolId, Username, Channel, Destination, Purpose, Code, Body string
		}
	}
	if err := json.Unmarshal(body, &view); err != nil {
		fmt.Fprintln(stderr, "userpoold outbox: bad response:", err)
		return 1
	}
	msgs := view.Messages[:0]
	for _, m := range view.Messages {
		if *channel == "" || m.Channel == *channel {
			msgs = append(msgs, m)
		}
	}
	if *all {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(msgs)
		return 0
	}
	if len(msgs) == 0 {
		fmt.Fprintln(stderr, "userpoold outbox: no messages for that user")
		return 1
	}
	fmt.Fprintln(stdout, msgs[len(msgs)-1].Code)
	return 0
}

// runRotateKeys implements "userpoold rotate-keys": a pool gets new signing
// keys; the old ones stay published so that issued tokens keep verifying.
func runRotateKeys(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("userpoold rotate-keys", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", "http://127.0.0.1:9229", "server URL")
	pool := fs.String("pool", "", "user pool ID (required)")
	region := fs.String("region", "us-east-1", "region to sign the request for")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *pool == "" {
		fmt.Fprintln(stderr, "userpoold rotate-keys: --pool is required")
		return 2
	}
	u := strings.TrimRight(*endpoint, "/") + "/_userpoold/rotate-keys?" + url.Values{"userPoolId": {*pool}}.Encode()
	jwks, err := adminRequest(http.MethodPost, u, getenv, *region, true)
	if err != nil {
		fmt.Fprintln(stderr, "userpoold rotate-keys:", err)
		return 1
	}
	stdout.Write(jwks)
	fmt.Fprintln(stdout)
	return 0
}

// adminRequest sends a body-less request to one of userpoold's own admin
// endpoints, SigV4-signed with the credentials in AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY. Without credentials it signs with a placeholder key
// when mustSign is set (accepted while the server has no admin keys) and
// sends the request unsigned otherwise. It returns the body of a 200 answer.
func adminRequest(method, u string, getenv func(string) string, region string, mustSign bool) ([]byte, error) {
	return adminCall(method, u, nil, "", getenv, region, mustSign)
}

// adminCall is adminRequest with a body of the given content type (signed
// with it).
func adminCall(method, u string, body []byte, contentType string, getenv func(string) string, region string, mustSign bool) ([]byte, error) {
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if (id == "" || secret == "") && mustSign {
		id, secret = "local", "local"
	}
	if id != "" && secret != "" {
		sum := sha256.Sum256(body)
		creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: getenv("AWS_SESSION_TOKEN")}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "cognito-idp", region, time.Now()); err != nil {
			return nil, fmt.Errorf("signing: %w", err)
		}
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return answer, &statusError{status: resp.Status, code: resp.StatusCode, body: strings.TrimSpace(string(answer))}
	}
	return answer, nil
}

// statusError is adminCall's error for an answer other than 200.
type statusError struct {
	status string
	code   int
	body   string
}

func (e *statusError) Error() string { return e.status + ": " + e.body }

// runClock implements "userpoold clock": it reads, sets, advances or resets
// the clock of a server started with --test-clock and prints its time.
func runClock(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("userpoold clock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", "http://127.0.0.1:9229", "server URL")
	set := fs.String("set", "", "stop the clock at this RFC 3339 time (2030-01-02T15:04:05Z)")
	advance := fs.String("advance", "", "move the clock by this duration (1h, 90s, 720h) and stop it there")
	reset := fs.Bool("reset", false, "make the clock read the real time again")
	region := fs.String("region", "us-east-1", "region to sign the request for")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	change := map[string]any{}
	if *set != "" {
		change["set"] = *set
	}
	if *advance != "" {
		change["advance"] = *advance
	}
	if *reset {
		change["reset"] = true
	}
	if len(change) > 1 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "userpoold clock: give at most one of --set, --advance and --reset")
		return 2
	}
	u := strings.TrimRight(*endpoint, "/") + "/_userpoold/clock"
	var answer []byte
	var err error
	if len(change) == 0 {
		answer, err = adminRequest(http.MethodGet, u, getenv, *region, false)
	} else {
		body, _ := json.Marshal(change)
		answer, err = adminCall(http.MethodPost, u, body, "application/json", getenv, *region, true)
	}
	if err != nil {
		fmt.Fprintln(stderr, "userpoold clock:", err)
		return 1
	}
	var view struct{ Now string }
	if err := json.Unmarshal(answer, &view); err != nil || view.Now == "" {
		fmt.Fprintln(stderr, "userpoold clock: bad response:", string(answer))
		return 1
	}
	fmt.Fprintln(stdout, view.Now)
	return 0
}

// runApply implements "userpoold apply FILE": the bootstrap file is sent to
// a running server (POST /_userpoold/apply), which applies it through its
// own services; --check only reports what applying would do and every
// problem of the file.
func runApply(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("userpoold apply", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", "http://127.0.0.1:9229", "server URL")
	check := fs.Bool("check", false, "only check the file against the server's store: report problems and what would change, write nothing")
	region := fs.String("region", "us-east-1", "region to sign the request for")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: userpoold apply [flags] FILE\n\nApplies a bootstrap file of pools, clients, groups, users, domains and resource servers to a running server.")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	path := fs.Arg(0)
	body, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(stderr, "userpoold apply:", err)
		return 1
	}
	q := url.Values{"name": {path}}
	if *check {
		q.Set("check", "true")
	}
	u := strings.TrimRight(*endpoint, "/") + "/_userpoold/apply?" + q.Encode()
	answer, err := adminCall(http.MethodPost, u, body, "application/yaml", getenv, *region, true)
	var view struct {
		Message  string
		Applied  bool
		Problems []struct{ Message string }
		Report   *struct {
			Pools, Clients, Groups, Users struct{ Created, Updated, Unchanged int }
			Domains                       struct{ Created, Updated, Unchanged int }
			ResourceServers               struct{ Created, Updated, Unchanged int } `json:"resource_servers"`
		}
	}
	json.Unmarshal(answer, &view)
	if err != nil {
		var se *statusError
		if errors.As(err, &se) && se.code == http.StatusBadRequest && view.Message != "" {
			fmt.Fprintln(stderr, view.Message)
			return 1
		}
		fmt.Fprintln(stderr, "userpoold apply:", err)
		return 1
	}
	if view.Report == nil {
		fmt.Fprintln(stderr, "userpoold apply: bad response:", string(answer))
		return 1
	}
	verb := "applied"
	if *check {
		verb = "checked (nothing written)"
	}
	fmt.Fprintf(stdout, "%s %s\n", path, verb)
	for _, k := range []struct {
		name string
		c    struct{ Created, Updated, Unchanged int }
	}{{"pools", view.Report.Pools}, {"clients", view.Report.Clients}, {"groups", view.Report.Groups}, {"users", view.Report.Users},
		{"domains", view.Report.Domains}, {"resource servers", view.Report.ResourceServers}} {
		if k.c == (struct{ Created, Updated, Unchanged int }{}) && (k.name == "domains" || k.name == "resource servers") {
			continue // a file without them
		}
		fmt.Fprintf(stdout, "  %-8s %d created, %d updated, %d unchanged\n", k.name+":", k.c.Created, k.c.Updated, k.c.Unchanged)
	}
	return 0
}

// parseFlags parses a subcommand's flags. When ok is false the subcommand
// exits with code: 0 after -h (the usage is printed), 2 after a bad flag
// (the flag package has said what is wrong).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}
