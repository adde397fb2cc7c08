package apiserver_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/userpoold/userpoold/internal/server/servertest"
)

var update = flag.Bool("update", false, "rewrite the golden wire fixtures under testdata/wire")

// wireCase is one golden fixture: testdata/wire/<Operation>/<case>.json.
// "{{pool}}" in the request body is replaced by a freshly created pool's ID,
// and in the response by the literal "{{pool}}" again, so fixtures stay
// stable.
type wireCase struct {
	Request struct {
		Target string          `json:"target"`
		Signed bool            `json:"signed"`
		Body   json.RawMessage `json:"body"`
		Raw    *string         `json:"raw,omitempty"` // a body that is not JSON
	} `json:"request"`
	Response struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"response"`
}

// wireHeaders are the response headers fixtures pin down.
var wireHeaders = []string{"Content-Type", "X-Amzn-Errortype", "X-Amzn-Errormessage", "Access-Control-Allow-Origin"}

func TestWireFixtures(t *testing.T) {
	env := servertest.New(t)
	pool := env.CreatePool(nil)
	files, err := filepath.Glob("testdata/wire/*/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "testdata/wire/"), ".json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var c wireCase
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			body := []byte(strings.ReplaceAll(string(c.Request.Body), "{{pool}}", pool))
			if c.Request.Raw != nil {
				body = []byte(*c.Request.Raw)
			}
			req, _ := http.NewRequest(http.MethodPost, env.URL+"/", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("X-Amz-Target", c.Request.Target)
			if c.Request.Signed {
				sum := sha256.Sum256(body)
				v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: servertest.AccessKeyID, SecretAccessKey: servertest.SecretAccessKey},
					req, hex.EncodeToString(sum[:]), "cognito-idp", servertest.Region, time.Now())
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			got = bytes.ReplaceAll(got, []byte(pool), []byte("{{pool}}"))
			if len(resp.Header.Get("X-Amzn-Requestid")) != 36 {
				t.Errorf("x-amzn-RequestId = %q", resp.Header.Get("X-Amzn-Requestid"))
			}
			headers := map[string]string{}
			for _, h := range wireHeaders {
				if v := resp.Header.Get(h); v != "" {
					headers[h] = strings.ReplaceAll(v, pool, "{{pool}}")
				}
			}
			if *update {
				c.Response.Status = resp.StatusCode
				c.Response.Headers = headers
				c.Response.Body = json.RawMessage(got)
				out, _ := json.MarshalIndent(c, "", "  ")
				os.WriteFile(file, append(out, '\n'), 0o644)
				return
			}
			if resp.StatusCode != c.Response.Status {
				t.Errorf("status = %d, want %d", resp.StatusCode, c.Response.Status)
			}
			for k, v := range c.Response.Headers {
				if headers[k] != v {
					t.Errorf("header %s = %q, want %q", k, headers[k], v)
				}
			}
			for k := range headers {
				if _, ok := c.Response.Headers[k]; !ok {
					t.Errorf("unexpected header %s: %q", k, headers[k])
				}
			}
			var want bytes.Buffer
			json.Compact(&want, c.Response.Body)
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("body =\n%s\nwant\n%s", got, want.Bytes())
			}
		})
	}
}
