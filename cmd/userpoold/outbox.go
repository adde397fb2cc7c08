package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
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
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
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
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		fmt.Fprintln(stderr, "userpoold outbox:", err)
		return 2
	}
	// Sign like an admin call when credentials are in the environment.
	if id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		sum := sha256.Sum256(nil)
		creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: getenv("AWS_SESSION_TOKEN")}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "cognito-idp", *region, time.Now()); err != nil {
			fmt.Fprintln(stderr, "userpoold outbox: signing:", err)
			return 1
		}
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "userpoold outbox:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "userpoold outbox: %s: %s\n", resp.Status, strings.TrimSpace(string(body)))
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
