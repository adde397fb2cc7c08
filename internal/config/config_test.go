package config

import (
	"errors"
	"flag"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadPrecedence(t *testing.T) {
	file := []byte("addr: 127.0.0.1:1111\nregion: eu-west-1\nlog_level: debug\nadmin_keys:\n  - {id: AK1, secret: s1}\ndelivery:\n  outbox: false\n")
	read := func(string) ([]byte, error) { return file, nil }
	cfg, err := Load([]string{"--config", "c.yaml", "--addr", "127.0.0.1:3333"},
		env(map[string]string{"USERPOOLD_ADDR": "127.0.0.1:2222", "USERPOOLD_REGION": "ap-south-1"}), read, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:3333" { // flag beats env beats file
		t.Errorf("Addr = %q", cfg.Addr)
	}
	if cfg.Region != "ap-south-1" { // env beats file
		t.Errorf("Region = %q", cfg.Region)
	}
	if cfg.LogLevel != "debug" || cfg.Delivery.Outbox || len(cfg.AdminKeys) != 1 || cfg.AdminKeys[0].Secret != "s1" {
		t.Errorf("file values not applied: %+v", cfg)
	}
	if cfg.DataDir != "./userpoold-data" || cfg.ShutdownTimeout != 30*time.Second {
		t.Errorf("defaults lost: %+v", cfg)
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := Load(nil, env(nil), nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9229" || cfg.DB != "" || cfg.Region != "us-east-1" || !cfg.Delivery.Outbox {
		t.Errorf("defaults = %+v", cfg)
	}
}

func TestEveryProblemListed(t *testing.T) {
	_, err := Load([]string{"--addr", "0.0.0.0:9229", "--region", "mars", "--log-level", "loud", "--db", "mysql://x",
		"--password-hashing", "md5", "--outbox", "maybe"}, env(nil), nil, io.Discard)
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"region", "log-level", "db:", "password-hashing", "outbox", "not a loopback address"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if len(ue.Problems) != 6 {
		t.Errorf("got %d problems, want 6:\n%v", len(ue.Problems), err)
	}
}

func TestOpenAdmin(t *testing.T) {
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"--addr", "0.0.0.0:9229"}, false},
		{[]string{"--addr", ":9229"}, false},
		{[]string{"--addr", "0.0.0.0:9229", "--insecure-open-admin", "true"}, true},
		{[]string{"--addr", "0.0.0.0:9229", "--admin-keys", "AK:SK"}, true},
		{[]string{"--addr", "localhost:9229"}, true},
		{[]string{"--addr", "[::1]:9229"}, true},
	} {
		_, err := Load(tc.args, env(nil), nil, io.Discard)
		if (err == nil) != tc.ok {
			t.Errorf("%v: err = %v", tc.args, err)
		}
	}
}

func TestBadFile(t *testing.T) {
	_, err := Load([]string{"--config", "x.yaml"}, env(nil), func(string) ([]byte, error) { return []byte("nope: 1\n"), nil }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown field accepted: %v", err)
	}
	_, err = Load([]string{"--config", "missing.yaml"}, env(nil), func(string) ([]byte, error) { return nil, os.ErrNotExist }, io.Discard)
	if err == nil {
		t.Error("missing file accepted")
	}
	if _, err := Load([]string{"-h"}, env(nil), nil, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}

func TestSMTPURL(t *testing.T) {
	cfg, err := Load([]string{"--smtp-url", "smtp://u:p@mail.local:2525?from=no-reply@x.com"}, env(nil), nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Delivery.SMTP
	if s.Host != "mail.local" || s.Port != 2525 || s.Username != "u" || s.Password != "p" || s.From != "no-reply@x.com" || s.TLS != "starttls" {
		t.Errorf("smtp = %+v", s)
	}
}

func TestCompromisedPasswordsFile(t *testing.T) {
	cfg, err := Load(nil, env(map[string]string{"USERPOOLD_COMPROMISED_PASSWORDS_FILE": "/etc/breached.txt"}), nil, io.Discard)
	if err != nil || cfg.CompromisedPasswordsFile != "/etc/breached.txt" {
		t.Fatalf("env: %q %v", cfg.CompromisedPasswordsFile, err)
	}
	read := func(string) ([]byte, error) { return []byte("compromised_passwords_file: list.txt\n"), nil }
	cfg, err = Load([]string{"--config", "c.yaml"}, env(nil), read, io.Discard)
	if err != nil || cfg.CompromisedPasswordsFile != "list.txt" {
		t.Fatalf("file: %q %v", cfg.CompromisedPasswordsFile, err)
	}
	cfg, err = Load([]string{"--compromised-passwords-file", "flag.txt"}, env(nil), nil, io.Discard)
	if err != nil || cfg.CompromisedPasswordsFile != "flag.txt" || Default().CompromisedPasswordsFile != "" {
		t.Fatalf("flag: %q %v", cfg.CompromisedPasswordsFile, err)
	}
}

func TestPasskeyOrigins(t *testing.T) {
	cfg, err := Load([]string{"--passkey-origins", "android:apk-key-hash:abc, http://test-host:8080,"}, env(nil), nil, io.Discard)
	if err != nil || !slices.Equal(cfg.PasskeyOrigins, []string{"android:apk-key-hash:abc", "http://test-host:8080"}) {
		t.Fatalf("flag: %q %v", cfg.PasskeyOrigins, err)
	}
	read := func(string) ([]byte, error) { return []byte("passkey_origins: [\"http://a:1\"]\n"), nil }
	cfg, err = Load([]string{"--config", "c.yaml"}, env(nil), read, io.Discard)
	if err != nil || !slices.Equal(cfg.PasskeyOrigins, []string{"http://a:1"}) {
		t.Fatalf("file: %q %v", cfg.PasskeyOrigins, err)
	}
}

func TestOutboxDefaultFollowsAddress(t *testing.T) {
	for _, tc := range []struct {
		args []string
		file string
		want bool
	}{
		{[]string{"--addr", "127.0.0.1:9229"}, "", true},
		{[]string{"--addr", "0.0.0.0:9229", "--insecure-open-admin", "true"}, "", false},
		{[]string{"--addr", "0.0.0.0:9229", "--insecure-open-admin", "true", "--outbox", "true"}, "", true},
		{[]string{"--addr", "0.0.0.0:9229", "--insecure-open-admin", "true", "--config", "c.yaml"}, "delivery:\n  outbox: true\n", true},
		{[]string{"--addr", "127.0.0.1:9229", "--outbox", "false"}, "", false},
	} {
		read := func(string) ([]byte, error) { return []byte(tc.file), nil }
		cfg, err := Load(tc.args, env(nil), read, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if cfg.Delivery.Outbox != tc.want {
			t.Errorf("%v %q: outbox = %v, want %v", tc.args, tc.file, cfg.Delivery.Outbox, tc.want)
		}
	}
}

func TestPostgresNeedsSharedIssuerAndMasterKey(t *testing.T) {
	pg := "postgres://u@db.internal/userpoold"
	for _, tc := range []struct {
		name string
		args []string
		want []string // problems' prefixes; none means accepted
	}{
		{"defaults", []string{"--db", pg}, []string{"issuer:", "master-key-file:"}},
		{"issuer only", []string{"--db", pg, "--issuer", "https://auth.example.com"}, []string{"master-key-file:"}},
		{"master key only", []string{"--db", pg, "--master-key-file", "/run/secrets/master.key"}, []string{"issuer:"}},
		{"both", []string{"--db", pg, "--issuer", "https://auth.example.com", "--master-key-file", "/k"}, nil},
		{"aws issuer", []string{"--db", pg, "--issuer", "aws", "--master-key", strings.Repeat("ab", 32)}, nil},
		{"single node", []string{"--db", pg, "--single-node"}, nil},
		{"single node false", []string{"--db", pg, "--single-node=false", "--issuer", "aws"}, []string{"master-key-file:"}},
		{"sqlite", []string{"--db", "sqlite:/tmp/x.db"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.args, env(nil), nil, io.Discard)
			var ue *UsageError
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.As(err, &ue) || len(ue.Problems) != len(tc.want) {
				t.Fatalf("err = %v, want %d problems", err, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(ue.Problems[i], w) {
					t.Errorf("problem %d = %q, want prefix %q", i, ue.Problems[i], w)
				}
			}
		})
	}
	// The environment and the file reach the same settings.
	if _, err := Load(nil, env(map[string]string{"USERPOOLD_DB": pg, "USERPOOLD_SINGLE_NODE": "true"}), nil, io.Discard); err != nil {
		t.Errorf("USERPOOLD_SINGLE_NODE: %v", err)
	}
	file := []byte("db: " + pg + "\nsingle_node: true\n")
	if _, err := Load([]string{"--config", "c.yaml"}, env(nil), func(string) ([]byte, error) { return file, nil }, io.Discard); err != nil {
		t.Errorf("single_node in the file: %v", err)
	}
}

func TestTestClock(t *testing.T) {
	cfg, err := Load([]string{"--test-clock"}, env(nil), nil, io.Discard)
	if err != nil || !cfg.TestClock {
		t.Fatalf("bare --test-clock: %v, TestClock=%v", err, cfg.TestClock)
	}
	if cfg, _ := Load(nil, env(nil), nil, io.Discard); cfg.TestClock {
		t.Error("the test clock is on by default")
	}
	// Beyond loopback it needs admin keys, even with --insecure-open-admin.
	_, err = Load([]string{"--test-clock", "--addr", "0.0.0.0:9229", "--insecure-open-admin", "true"}, env(nil), nil, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "test-clock:") {
		t.Errorf("keyless test clock on 0.0.0.0 accepted: %v", err)
	}
	if _, err := Load([]string{"--test-clock", "--addr", "0.0.0.0:9229", "--admin-keys", "AK:secret"}, env(nil), nil, io.Discard); err != nil {
		t.Errorf("test clock with admin keys refused: %v", err)
	}
	if cfg, err := Load(nil, env(map[string]string{"USERPOOLD_TEST_CLOCK": "1"}), nil, io.Discard); err != nil || !cfg.TestClock {
		t.Errorf("USERPOOLD_TEST_CLOCK=1: %v %v", err, cfg.TestClock)
	}
}

func TestSeedAndBootstrapSection(t *testing.T) {
	file := []byte("addr: 127.0.0.1:1111\nbootstrap:\n  pools:\n    - name: dev\n")
	read := func(string) ([]byte, error) { return file, nil }
	cfg, err := Load([]string{"--config", "c.yaml"}, env(nil), read, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Bootstrap.IsZero() || cfg.Bootstrap.Line != 3 {
		t.Errorf("bootstrap section not kept with its line: %+v", cfg.Bootstrap)
	}
	if _, err := Load([]string{"--config", "c.yaml", "--seed", "seed.yaml"}, env(nil), read, io.Discard); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("seed and bootstrap section both accepted: %v", err)
	}
	cfg, err = Load(nil, env(map[string]string{"USERPOOLD_SEED": "seed.yaml"}), nil, io.Discard)
	if err != nil || cfg.Seed != "seed.yaml" {
		t.Errorf("USERPOOLD_SEED: %v %q", err, cfg.Seed)
	}
}

func TestLoadFlagsLeavesArguments(t *testing.T) {
	fs := flag.NewFlagSet("userpoold backup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	force := fs.Bool("force", false, "")
	cfg, err := LoadFlags(fs, []string{"--data", "/srv/up", "--force", "backup.db"}, env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/srv/up" || !*force || fs.NArg() != 1 || fs.Arg(0) != "backup.db" {
		t.Errorf("DataDir=%q force=%v args=%q", cfg.DataDir, *force, fs.Args())
	}
	if _, err := Load([]string{"extra"}, env(nil), nil, io.Discard); err == nil {
		t.Error("Load accepted an argument")
	}
}

func TestTLSAndPublicURL(t *testing.T) {
	cfg, err := Load([]string{"--tls-addr", "127.0.0.1:9230"}, env(map[string]string{"USERPOOLD_PUBLIC_URL": "https://auth.example.com/base"}), nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLSAddr != "127.0.0.1:9230" || cfg.PublicURL != "https://auth.example.com/base" {
		t.Errorf("TLSAddr, PublicURL = %q, %q", cfg.TLSAddr, cfg.PublicURL)
	}
	file := []byte("tls_addr: 127.0.0.1:9443\npublic_url: http://127.0.0.1:9229\n")
	cfg, err = Load([]string{"--config", "c.yaml"}, env(nil), func(string) ([]byte, error) { return file, nil }, io.Discard)
	if err != nil || cfg.TLSAddr != "127.0.0.1:9443" || cfg.PublicURL != "http://127.0.0.1:9229" {
		t.Errorf("from YAML: %+v, %v", cfg, err)
	}
	// On PostgreSQL the public URL makes the local issuer one for every
	// node.
	if _, err := Load([]string{"--db", "postgres://u@db/x", "--public-url", "https://auth.example.com", "--master-key-file", "/k"}, env(nil), nil, io.Discard); err != nil {
		t.Errorf("PostgreSQL with --public-url: %v", err)
	}
	for _, bad := range [][]string{
		{"--tls-addr", "9230"},
		{"--tls-addr", "127.0.0.1:99999"},
		{"--public-url", "ftp://example.com"},
		{"--public-url", "https://example.com/?x=1"},
		{"--public-url", "https://user:pw@example.com"},
		{"--public-url", "/relative"},
	} {
		if _, err := Load(bad, env(nil), nil, io.Discard); err == nil {
			t.Errorf("Load(%q) accepted", bad)
		}
	}
}

func TestLambda(t *testing.T) {
	file := []byte("lambda:\n  endpoint: http://127.0.0.1:3001\n  function_name: name\n  webhooks:\n    PreTokenGeneration: http://127.0.0.1:8080/hook\n  kms_endpoint: http://localhost:4566\n  timeout: 2s\n")
	read := func(string) ([]byte, error) { return file, nil }
	cfg, err := Load([]string{"--config", "c.yaml"}, env(nil), read, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := Lambda{Endpoint: "http://127.0.0.1:3001", FunctionName: "name",
		Webhooks:    map[string]string{"PreTokenGeneration": "http://127.0.0.1:8080/hook"},
		KMSEndpoint: "http://localhost:4566", Timeout: 2 * time.Second}
	if cfg.Lambda.Endpoint != want.Endpoint || cfg.Lambda.FunctionName != want.FunctionName || cfg.Lambda.KMSEndpoint != want.KMSEndpoint ||
		cfg.Lambda.Timeout != want.Timeout || cfg.Lambda.Webhooks["PreTokenGeneration"] != want.Webhooks["PreTokenGeneration"] {
		t.Errorf("Lambda = %+v, want %+v", cfg.Lambda, want)
	}

	// Environment and flags beat the file.
	cfg, err = Load([]string{"--config", "c.yaml", "--lambda-function-name", "arn", "--lambda-webhooks", "CustomMessage=http://h/cm, PreSignUp=http://h/ps"},
		env(map[string]string{"USERPOOLD_LAMBDA_ENDPOINT": "aws", "USERPOOLD_KMS_ENDPOINT": "http://localhost:8080"}), read, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Lambda.Endpoint != LambdaAWS || cfg.Lambda.FunctionName != "arn" || cfg.Lambda.KMSEndpoint != "http://localhost:8080" ||
		len(cfg.Lambda.Webhooks) != 2 || cfg.Lambda.Webhooks["PreSignUp"] != "http://h/ps" {
		t.Errorf("Lambda = %+v", cfg.Lambda)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--lambda-endpoint", "127.0.0.1:3001"}, "lambda.endpoint"},
		{[]string{"--lambda-function-name", "alias"}, "lambda.function_name"},
		{[]string{"--lambda-webhooks", "PreTokenGen=http://h/x"}, `"PreTokenGen" is not a trigger name`},
		{[]string{"--lambda-webhooks", "PreSignUp=ftp://h/x"}, "lambda.webhooks.PreSignUp"},
		{[]string{"--lambda-webhooks", "PreSignUp"}, "Trigger=URL"},
		{[]string{"--kms-endpoint", "localhost"}, "kms-endpoint"},
	} {
		_, err := Load(tc.args, env(nil), nil, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want one naming %q", tc.args, err, tc.want)
		}
	}

	// Every problem at once, with the others of the configuration.
	_, err = Load([]string{"--region", "mars", "--lambda-endpoint", "x", "--kms-endpoint", "y"}, env(nil), nil, io.Discard)
	var ue *UsageError
	if !errors.As(err, &ue) || len(ue.Problems) != 3 {
		t.Errorf("err = %v, want 3 problems", err)
	}
}

func TestMetricsSetting(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string // "" means refused
	}{
		{nil, nil, "loopback"},
		{[]string{"--metrics", "admin"}, nil, "admin"},
		{nil, map[string]string{"USERPOOLD_METRICS": "open"}, "open"},
		{[]string{"--metrics", "off"}, nil, "off"},
		{[]string{"--metrics", "public"}, nil, ""},
	} {
		cfg, err := Load(tc.args, env(tc.env), nil, io.Discard)
		if tc.want == "" {
			if err == nil || !strings.Contains(err.Error(), "metrics:") {
				t.Errorf("%v: err = %v, want a metrics problem", tc.args, err)
			}
			continue
		}
		if err != nil || cfg.Metrics != tc.want {
			t.Errorf("%v %v: metrics = %q, %v; want %q", tc.args, tc.env, cfg.Metrics, err, tc.want)
		}
	}
}
