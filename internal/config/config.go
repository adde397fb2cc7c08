package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/userpoold/userpoold/internal/trigger"
)

// Config is everything userpoold can be told.
type Config struct {
	// Addr is the host:port to listen on.
	Addr string `yaml:"addr"`
	// TLSAddr, when set, is the host:port of a second, HTTPS listener
	// serving the same handler with a certificate from the local CA
	// userpoold keeps in DataDir (`userpoold ca` prints it). Amplify's
	// signInWithRedirect speaks only https to a user pool domain.
	TLSAddr string `yaml:"tls_addr"`
	// PublicURL is the base URL clients reach the server at, for
	// deployments behind a proxy or load balancer: the "local" issuer, the
	// discovery documents and the domains' path-form URLs are under it.
	// Empty means https://<TLSAddr> when the TLS listener is on, else
	// http://<Addr>.
	PublicURL string `yaml:"public_url"`
	// DataDir holds the SQLite database and the generated master key.
	DataDir string `yaml:"data"`
	// DB is "" (SQLite in DataDir), a SQLite path ("sqlite:<path>"), or a
	// PostgreSQL URL ("postgres://...").
	DB string `yaml:"db"`
	// Region is the AWS region the server pretends to be (pool ID prefix,
	// ARNs, device keys).
	Region string `yaml:"region"`
	// AccountID appears in ARNs.
	AccountID string `yaml:"account_id"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// LogFormat is text or json.
	LogFormat string `yaml:"log_format"`

	// AdminKeys are the access keys whose SigV4 signatures authorize admin
	// (IAM-authorized) operations. With none, any well-formed signature is
	// accepted, which is only allowed on a loopback address unless
	// InsecureOpenAdmin is set.
	AdminKeys         []AccessKey `yaml:"admin_keys"`
	InsecureOpenAdmin bool        `yaml:"insecure_open_admin"`

	// Issuer selects the token issuer: "local" (<public base URL>/<pool>,
	// byte-identical to the discovery document's issuer),
	// "aws" (https://cognito-idp.<region>.amazonaws.com/<pool>, so that
	// verifiers such as aws-jwt-verify work unchanged), or a base URL to
	// which "/<pool>" is appended.
	Issuer string `yaml:"issuer"`

	// MasterKeyFile holds the 32-byte key (hex or base64) that encrypts
	// secrets at rest. Empty means <DataDir>/master.key, generated with mode
	// 0600 on first start. MasterKey (hex or base64) overrides the file.
	MasterKeyFile string `yaml:"master_key_file"`
	MasterKey     string `yaml:"master_key"`

	// PasswordHashing names an argon2id preset (password.Presets):
	// "default" (= "owasp-9m": m=9 MiB, t=4, p=1), OWASP's other
	// settings of equal strength "owasp-46m" (m=46 MiB, t=1),
	// "owasp-19m" (m=19 MiB, t=2), "owasp-12m" (m=12 MiB, t=3) and
	// "owasp-7m" (m=7 MiB, t=5), "strong-64m" (m=64 MiB, t=2, p=2) or
	// "fast" (minimal cost, test suites only).
	PasswordHashing string `yaml:"password_hashing"`

	Delivery Delivery `yaml:"delivery"`

	// Lambda says how the pools' Lambda triggers are reached.
	Lambda Lambda `yaml:"lambda"`

	// CompromisedPasswordsFile is a file with one compromised password per
	// line, which threat protection's compromised-credentials detection
	// checks passwords against. Empty means the small built-in list
	// (risk.DefaultCompromisedPasswords).
	CompromisedPasswordsFile string `yaml:"compromised_passwords_file"`

	// PasskeyOrigins are origins a passkey ceremony accepts beside the
	// rule for the pool's RP ID (https://<rp id> and its subdomains, any
	// http://localhost port for RP ID localhost): exact matches, such as an
	// Android app's android:apk-key-hash:... or a plain-http test host.
	PasskeyOrigins []string `yaml:"passkey_origins"`

	// MaxBodyBytes bounds API request bodies.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// ShutdownTimeout bounds the wait for in-flight requests on SIGTERM.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`

	// Seed is a bootstrap file (package bootstrap) applied at start;
	// Bootstrap is the same document given inline as the config file's
	// bootstrap: section (its nodes keep the file's line numbers). At most
	// one of them is set.
	Seed      string    `yaml:"seed"`
	Bootstrap yaml.Node `yaml:"bootstrap"`

	// TestClock makes the server's clock settable through POST
	// /_userpoold/clock (tests only). It needs a loopback address or admin
	// keys.
	TestClock bool `yaml:"test_clock"`
	// EnforceQuotas meters API requests by Cognito's per-category request
	// rates (package quota, with the provisioned limits) and answers
	// TooManyRequestsException "Rate exceeded" beyond them. Off by default.
	EnforceQuotas bool `yaml:"enforce_quotas"`

	// SingleNode accepts, on PostgreSQL, the defaults that are safe only for
	// one node: the "local" issuer (naming this node's own address) and a
	// master key generated into this node's data directory.
	SingleNode bool `yaml:"single_node"`

	// Metrics says who may read GET /metrics: "loopback" (requests from a
	// loopback address only; the default), "admin" (authorized like
	// /_userpoold/outbox: a SigV4 signature made with an admin key), "open"
	// (anyone who reaches the listener) or "off" (not served).
	Metrics string `yaml:"metrics"`

	// Federation configures sign-in through external identity providers.
	Federation Federation `yaml:"federation"`
}

// Federation configures the identity providers side of the server.
type Federation struct {
	// SocialEndpoints sends a social provider type (Google, Facebook,
	// LoginWithAmazon, SignInWithApple) to another base URL instead of its
	// public endpoints, so that it can be tested offline (for example the
	// built-in test IdP, http://127.0.0.1:9229/_idp/google). What the base
	// URL must serve is said by federation.Config.Endpoints.
	SocialEndpoints map[string]string `yaml:"social_endpoints"`
	// AllowHTTP lets OIDC issuers and SAML metadata URLs use plain http on
	// any host (loopback hosts always may).
	AllowHTTP bool `yaml:"allow_http"`
	// TestIdP serves the built-in OIDC and SAML test identity provider
	// under /_idp/<name>/ (local trials and CI; never in production).
	TestIdP bool `yaml:"test_idp"`
	// TestIdPAutoApprove makes the test IdP sign in its first user without
	// showing its page (CI).
	TestIdPAutoApprove bool `yaml:"test_idp_auto_approve"`
}

// Lambda configures how trigger functions are invoked (package trigger).
type Lambda struct {
	// Endpoint is the Lambda Invoke API base URL (sam local start-lambda:
	// http://127.0.0.1:3001, LocalStack: http://localhost:4566), or "aws"
	// for AWS itself, in each function ARN's region. Empty means no
	// Lambda: a configured trigger without a webhook then fails as AWS
	// fails a function it cannot invoke (UnexpectedLambdaException).
	Endpoint string `yaml:"endpoint"`
	// FunctionName is what the Invoke path names a function by: "arn"
	// (the full ARN from the pool's LambdaConfig; AWS, LocalStack) or
	// "name" (the segment after "function:", the qualifier as
	// ?Qualifier=; sam local). Empty means "arn".
	FunctionName string `yaml:"function_name"`
	// Webhooks maps a trigger name as LambdaConfigType spells it
	// (PreTokenGeneration, CustomMessage, ...) to a URL that receives its
	// events as HTTP POSTs instead of Lambda.
	Webhooks map[string]string `yaml:"webhooks"`
	// WebhookSecret, when set, signs every webhook body (HMAC-SHA256 in
	// X-Userpoold-Signature, as the delivery webhooks).
	WebhookSecret string `yaml:"webhook_secret"`
	// KMSEndpoint is the KMS API base URL (LocalStack, local-kms) whose
	// data keys encrypt the codes sent to custom SMS and email senders.
	// Empty means the plain-text mode: senders receive the code as it is.
	KMSEndpoint string `yaml:"kms_endpoint"`
	// Timeout bounds each synchronous invocation. AWS fixes it at 5 s;
	// 0 means that.
	Timeout time.Duration `yaml:"timeout"`
}

// LambdaAWS is the Lambda.Endpoint value that invokes AWS itself.
const LambdaAWS = "aws"

// AccessKey is an admin access key pair.
type AccessKey struct {
	ID     string `yaml:"id"`
	Secret string `yaml:"secret"`
}

// Delivery configures where codes and messages go.
type Delivery struct {
	// Outbox keeps every message readable at GET /_userpoold/outbox. It
	// defaults to true on a loopback address and to false otherwise.
	Outbox       bool     `yaml:"outbox"`
	SMTP         *SMTP    `yaml:"smtp"`
	SMSWebhook   *Webhook `yaml:"sms_webhook"`
	EmailWebhook *Webhook `yaml:"email_webhook"`
}

// SMTP configures the email relay.
type SMTP struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	From     string `yaml:"from"`
	// TLS is none, starttls or tls.
	TLS string `yaml:"tls"`
}

// Webhook configures an HTTP sink.
type Webhook struct {
	URL    string `yaml:"url"`
	Secret string `yaml:"secret"`
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Addr:            "127.0.0.1:9229",
		DataDir:         "./userpoold-data",
		Region:          "us-east-1",
		AccountID:       "000000000000",
		LogLevel:        "info",
		LogFormat:       "text",
		Issuer:          "local",
		PasswordHashing: "default",
		Delivery:        Delivery{Outbox: true},
		MaxBodyBytes:    1 << 20,
		ShutdownTimeout: 30 * time.Second,
		Metrics:         "loopback",
	}
}

// Env lists the environment variables Load reads, with the flag each mirrors.
var Env = map[string]string{
	"USERPOOLD_CONFIG":              "config",
	"USERPOOLD_ADDR":                "addr",
	"USERPOOLD_TLS_ADDR":            "tls-addr",
	"USERPOOLD_PUBLIC_URL":          "public-url",
	"USERPOOLD_DATA":                "data",
	"USERPOOLD_DB":                  "db",
	"USERPOOLD_REGION":              "region",
	"USERPOOLD_ACCOUNT_ID":          "account-id",
	"USERPOOLD_LOG_LEVEL":           "log-level",
	"USERPOOLD_LOG_FORMAT":          "log-format",
	"USERPOOLD_ADMIN_KEYS":          "admin-keys",
	"USERPOOLD_INSECURE_OPEN_ADMIN": "insecure-open-admin",
	"USERPOOLD_ISSUER":              "issuer",
	"USERPOOLD_MASTER_KEY_FILE":     "master-key-file",
	"USERPOOLD_MASTER_KEY":          "master-key",
	"USERPOOLD_PASSWORD_HASHING":    "password-hashing",
	"USERPOOLD_OUTBOX":              "outbox",
	"USERPOOLD_SMS_WEBHOOK":         "sms-webhook",
	"USERPOOLD_EMAIL_WEBHOOK":       "email-webhook",
	"USERPOOLD_SMTP_URL":            "smtp-url",

	"USERPOOLD_LAMBDA_ENDPOINT":      "lambda-endpoint",
	"USERPOOLD_LAMBDA_FUNCTION_NAME": "lambda-function-name",
	"USERPOOLD_LAMBDA_WEBHOOKS":      "lambda-webhooks",
	"USERPOOLD_KMS_ENDPOINT":         "kms-endpoint",

	"USERPOOLD_COMPROMISED_PASSWORDS_FILE": "compromised-passwords-file",
	"USERPOOLD_PASSKEY_ORIGINS":            "passkey-origins",

	"USERPOOLD_SEED":           "seed",
	"USERPOOLD_TEST_CLOCK":     "test-clock",
	"USERPOOLD_ENFORCE_QUOTAS": "enforce-quotas",
	"USERPOOLD_SINGLE_NODE":    "single-node",
	"USERPOOLD_METRICS":        "metrics",

	"USERPOOLD_SOCIAL_ENDPOINTS":      "social-endpoints",
	"USERPOOLD_FEDERATION_ALLOW_HTTP": "federation-allow-http",
	"USERPOOLD_TEST_IDP":              "test-idp",
	"USERPOOLD_TEST_IDP_AUTO_APPROVE": "test-idp-auto-approve",
}

// UsageError is returned by Load for bad flags or configuration; its text
// lists every problem, one per line. Callers exit with status 2.
type UsageError struct{ Problems []string }

func (e *UsageError) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// Load builds the configuration from args (without the program name) and the
// environment lookup getenv. readFile reads the --config file (nil means
// os.ReadFile). Help requested with -h returns flag.ErrHelp.
func Load(args []string, getenv func(string) string, readFile func(string) ([]byte, error), usage io.Writer) (Config, error) {
	fs := flag.NewFlagSet("userpoold", flag.ContinueOnError)
	fs.SetOutput(usage)
	cfg, err := LoadFlags(fs, args, getenv, readFile)
	if err == nil && fs.NArg() > 0 {
		return Config{}, &UsageError{Problems: []string{fmt.Sprintf("unexpected arguments: %q", fs.Args())}}
	}
	return cfg, err
}

// LoadFlags is Load for a subcommand: it defines the configuration flags
// on fs, which may hold flags of the subcommand's own, parses args with it
// and leaves the arguments after the flags in fs.Args().
func LoadFlags(fs *flag.FlagSet, args []string, getenv func(string) string, readFile func(string) ([]byte, error)) (Config, error) {
	if readFile == nil {
		readFile = os.ReadFile
	}
	var (
		configFile = fs.String("config", "", "YAML configuration file (env USERPOOLD_CONFIG)")
		strs       = map[string]*string{}
	)
	def := Default()
	str := func(name, usage string) { strs[name] = fs.String(name, "", usage) }
	str("addr", "listen address (default "+def.Addr+")")
	str("tls-addr", "also listen with HTTPS here, with a certificate from the local CA in the data directory (see `userpoold ca`)")
	str("public-url", "the base URL clients reach the server at (default https://<tls-addr> with TLS, else http://<addr>)")
	str("data", "data directory for SQLite and the master key (default "+def.DataDir+")")
	str("db", `database: empty = SQLite in the data directory, "postgres://..." = PostgreSQL`)
	str("region", "AWS region to present (default "+def.Region+")")
	str("account-id", "AWS account ID used in ARNs (default "+def.AccountID+")")
	str("log-level", "debug, info, warn or error (default info)")
	str("log-format", "text or json (default text)")
	str("admin-keys", "admin access keys, comma-separated ID:SECRET pairs")
	str("insecure-open-admin", "accept any SigV4 signature on a non-loopback address (true/false)")
	str("issuer", `token issuer: "local", "aws", or a base URL`)
	str("master-key-file", "file with the 32-byte master key (default <data>/master.key)")
	str("master-key", "the master key itself, hex or base64")
	str("password-hashing", `argon2id preset: "default" (owasp-9m), OWASP's "owasp-46m", "owasp-19m", "owasp-12m", "owasp-9m", "owasp-7m", "strong-64m" or "fast" (test suites only)`)
	str("outbox", "keep delivered messages readable at /_userpoold/outbox (true/false, default true)")
	str("sms-webhook", "URL that receives SMS messages as JSON")
	str("email-webhook", "URL that receives email messages as JSON")
	str("smtp-url", "SMTP relay, smtp://user:pass@host:port?from=a@b&tls=starttls")
	str("compromised-passwords-file", "file of compromised passwords, one per line (default: a small built-in list)")
	str("passkey-origins", "extra origins passkey ceremonies accept, comma-separated exact matches (android:apk-key-hash:..., http://test-host:8080)")
	str("lambda-endpoint", `Lambda Invoke API base URL for triggers (sam local: http://127.0.0.1:3001), "aws" for AWS itself; empty: no Lambda`)
	str("lambda-function-name", `what the Invoke path names a function by: "arn" (default; AWS, LocalStack) or "name" (sam local)`)
	str("lambda-webhooks", "per-trigger webhooks instead of Lambda, comma-separated Trigger=URL pairs (PreTokenGeneration=http://...)")
	str("kms-endpoint", "KMS API base URL whose keys encrypt custom-sender codes (LocalStack, local-kms); empty: plain-text codes")
	str("seed", "bootstrap file of pools, clients, groups, users, domains and resource servers, applied at start")
	str("metrics", `who may read GET /metrics: "loopback" (default), "admin" (SigV4 with an admin key), "open" or "off"`)
	boolean := func(name, usage string) {
		strs[name] = new(string)
		fs.Var(boolFlag{strs[name]}, name, usage)
	}
	boolean("test-clock", "let admin requests set the server's clock (POST /_userpoold/clock); tests only")
	boolean("enforce-quotas", "answer TooManyRequestsException beyond Cognito's per-category request rates (and the provisioned limits)")
	boolean("single-node", "on PostgreSQL, accept the local issuer and a generated master key (one node only)")
	str("social-endpoints", "send social identity provider types elsewhere, comma-separated TYPE=BASEURL (Google=http://127.0.0.1:9229/_idp/google)")
	boolean("federation-allow-http", "let OIDC issuers and SAML metadata URLs use plain http on any host (loopback always may)")
	boolean("test-idp", "serve the built-in test identity provider (OIDC and SAML) under /_idp/<name>/; local trials and CI only")
	boolean("test-idp-auto-approve", "the built-in test identity provider signs its first user in without showing its page (CI)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, err
		}
		return Config{}, &UsageError{Problems: []string{err.Error()}}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	cfg := def
	var problems []string
	outboxSet := false
	path := *configFile
	if path == "" && getenv != nil {
		path = getenv("USERPOOLD_CONFIG")
	}
	if path != "" {
		b, err := readFile(path)
		if err != nil {
			problems = append(problems, fmt.Sprintf("config file: %v", err))
		} else {
			dec := yaml.NewDecoder(bytes.NewReader(b))
			dec.KnownFields(true)
			if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
				problems = append(problems, fmt.Sprintf("config file %s: %v", path, err))
			}
			var set struct {
				Delivery struct {
					Outbox *bool `yaml:"outbox"`
				} `yaml:"delivery"`
			}
			if yaml.Unmarshal(b, &set) == nil && set.Delivery.Outbox != nil {
				outboxSet = true
			}
		}
	}
	// Environment, then flags.
	values := map[string]string{}
	if getenv != nil {
		for env, name := range Env {
			if v := getenv(env); v != "" && name != "config" {
				values[name] = v
			}
		}
	}
	for name, p := range strs {
		if set[name] {
			values[name] = *p
		}
	}
	problems = append(problems, cfg.apply(values)...)
	// The outbox keeps codes and temporary passwords readable: on by default
	// for local use only. Listening beyond loopback turns it off unless it
	// was asked for.
	if _, ok := values["outbox"]; !ok && !outboxSet {
		if host, _, err := net.SplitHostPort(cfg.Addr); err == nil && !IsLoopback(host) {
			cfg.Delivery.Outbox = false
		}
	}
	problems = append(problems, cfg.Validate()...)
	if len(problems) > 0 {
		return cfg, &UsageError{Problems: problems}
	}
	return cfg, nil
}

func (c *Config) apply(values map[string]string) []string {
	var problems []string
	boolean := func(name, v string, dst *bool) {
		b, err := strconv.ParseBool(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %q is not true or false", name, v))
			return
		}
		*dst = b
	}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := values[name]
		switch name {
		case "addr":
			c.Addr = v
		case "tls-addr":
			c.TLSAddr = v
		case "public-url":
			c.PublicURL = v
		case "data":
			c.DataDir = v
		case "db":
			c.DB = v
		case "region":
			c.Region = v
		case "account-id":
			c.AccountID = v
		case "log-level":
			c.LogLevel = v
		case "log-format":
			c.LogFormat = v
		case "admin-keys":
			c.AdminKeys = nil
			for _, pair := range strings.Split(v, ",") {
				id, secret, ok := strings.Cut(strings.TrimSpace(pair), ":")
				if !ok || id == "" || secret == "" {
					problems = append(problems, "admin-keys: each key must be ID:SECRET")
					continue
				}
				c.AdminKeys = append(c.AdminKeys, AccessKey{ID: id, Secret: secret})
			}
		case "insecure-open-admin":
			boolean(name, v, &c.InsecureOpenAdmin)
		case "issuer":
			c.Issuer = v
		case "master-key-file":
			c.MasterKeyFile = v
		case "master-key":
			c.MasterKey = v
		case "password-hashing":
			c.PasswordHashing = v
		case "outbox":
			boolean(name, v, &c.Delivery.Outbox)
		case "sms-webhook":
			c.Delivery.SMSWebhook = &Webhook{URL: v}
		case "email-webhook":
			c.Delivery.EmailWebhook = &Webhook{URL: v}
		case "compromised-passwords-file":
			c.CompromisedPasswordsFile = v
		case "passkey-origins":
			c.PasskeyOrigins = nil
			for _, o := range strings.Split(v, ",") {
				if o = strings.TrimSpace(o); o != "" {
					c.PasskeyOrigins = append(c.PasskeyOrigins, o)
				}
			}
		case "lambda-endpoint":
			c.Lambda.Endpoint = v
		case "lambda-function-name":
			c.Lambda.FunctionName = v
		case "lambda-webhooks":
			c.Lambda.Webhooks = map[string]string{}
			for _, pair := range strings.Split(v, ",") {
				name, u, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok || name == "" || u == "" {
					problems = append(problems, "lambda-webhooks: each entry must be Trigger=URL")
					continue
				}
				c.Lambda.Webhooks[name] = u
			}
		case "kms-endpoint":
			c.Lambda.KMSEndpoint = v
		case "seed":
			c.Seed = v
		case "test-clock":
			boolean(name, v, &c.TestClock)
		case "enforce-quotas":
			boolean(name, v, &c.EnforceQuotas)
		case "single-node":
			boolean(name, v, &c.SingleNode)
		case "metrics":
			c.Metrics = v
		case "social-endpoints":
			c.Federation.SocialEndpoints = map[string]string{}
			for _, pair := range strings.Split(v, ",") {
				if pair = strings.TrimSpace(pair); pair == "" {
					continue
				}
				t, base, ok := strings.Cut(pair, "=")
				if !ok || t == "" || base == "" {
					problems = append(problems, "social-endpoints: each entry must be TYPE=BASEURL")
					continue
				}
				c.Federation.SocialEndpoints[t] = base
			}
		case "federation-allow-http":
			boolean(name, v, &c.Federation.AllowHTTP)
		case "test-idp":
			boolean(name, v, &c.Federation.TestIdP)
		case "test-idp-auto-approve":
			boolean(name, v, &c.Federation.TestIdPAutoApprove)
		case "smtp-url":
			s, err := parseSMTPURL(v)
			if err != nil {
				problems = append(problems, "smtp-url: "+err.Error())
				continue
			}
			c.Delivery.SMTP = s
		}
	}
	return problems
}

// boolFlag is a flag that may be given bare (--test-clock) or with a value
// (--test-clock=false); it records the text for apply to parse.
type boolFlag struct{ s *string }

func (b boolFlag) String() string {
	if b.s == nil {
		return ""
	}
	return *b.s
}
func (b boolFlag) Set(v string) error { *b.s = v; return nil }
func (b boolFlag) IsBoolFlag() bool   { return true }

func parseSMTPURL(v string) (*SMTP, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("want smtp://[user:pass@]host:port?from=addr[&tls=none|starttls|tls]")
	}
	s := &SMTP{Host: u.Hostname(), From: u.Query().Get("from"), TLS: u.Query().Get("tls")}
	if s.TLS == "" {
		s.TLS = "starttls"
		if u.Scheme == "smtps" {
			s.TLS = "tls"
		}
	}
	if p := u.Port(); p != "" {
		s.Port, _ = strconv.Atoi(p)
	} else {
		s.Port = 587
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	return s, nil
}

var (
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	accountRE = regexp.MustCompile(`^\d{12}$`)
)

// Validate returns every problem with c, or nil.
func (c *Config) Validate() []string {
	var p []string
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		p = append(p, fmt.Sprintf("addr: %q is not host:port", c.Addr))
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		p = append(p, fmt.Sprintf("addr: bad port %q", port))
	}
	if c.TLSAddr != "" {
		if _, port, err := net.SplitHostPort(c.TLSAddr); err != nil {
			p = append(p, fmt.Sprintf("tls-addr: %q is not host:port", c.TLSAddr))
		} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			p = append(p, fmt.Sprintf("tls-addr: bad port %q", port))
		}
		if c.DataDir == "" {
			p = append(p, "tls-addr: the local CA needs a data directory")
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			p = append(p, fmt.Sprintf("public-url: %q is not an absolute http(s) URL without query, fragment or credentials", c.PublicURL))
		}
	}
	if c.DB == "" && c.DataDir == "" {
		p = append(p, "data: a data directory is needed for the embedded SQLite database")
	}
	if c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") && !strings.HasPrefix(c.DB, "sqlite:") {
		p = append(p, fmt.Sprintf("db: %q is neither postgres://..., postgresql://... nor sqlite:<path>", redactDSN(c.DB)))
	}
	if !regionRE.MatchString(c.Region) {
		p = append(p, fmt.Sprintf("region: %q is not an AWS region name like us-east-1", c.Region))
	}
	if !accountRE.MatchString(c.AccountID) {
		p = append(p, fmt.Sprintf("account-id: %q is not 12 digits", c.AccountID))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		p = append(p, fmt.Sprintf("log-level: %q is not debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		p = append(p, fmt.Sprintf("log-format: %q is not text or json", c.LogFormat))
	}
	switch c.PasswordHashing {
	case "default", "owasp-46m", "owasp-19m", "owasp-12m", "owasp-9m", "owasp-7m", "strong-64m", "fast":
	default:
		p = append(p, fmt.Sprintf("password-hashing: %q is not default, owasp-46m, owasp-19m, owasp-12m, owasp-9m, owasp-7m, strong-64m or fast", c.PasswordHashing))
	}
	switch {
	case c.Issuer == "local" || c.Issuer == "aws":
	case strings.HasPrefix(c.Issuer, "http://") || strings.HasPrefix(c.Issuer, "https://"):
		if _, err := url.Parse(c.Issuer); err != nil {
			p = append(p, fmt.Sprintf("issuer: %v", err))
		}
	default:
		p = append(p, fmt.Sprintf("issuer: %q is not local, aws or an http(s) URL", c.Issuer))
	}
	seen := map[string]bool{}
	for _, k := range c.AdminKeys {
		if k.ID == "" || k.Secret == "" {
			p = append(p, "admin_keys: every key needs an id and a secret")
		}
		if seen[k.ID] {
			p = append(p, fmt.Sprintf("admin_keys: key %q is listed twice", k.ID))
		}
		seen[k.ID] = true
	}
	if err == nil && len(c.AdminKeys) == 0 && !c.InsecureOpenAdmin && !IsLoopback(host) {
		p = append(p, fmt.Sprintf("addr: %s is not a loopback address and no admin_keys are configured; configure admin keys or pass --insecure-open-admin", c.Addr))
	}
	if c.TestClock && err == nil && len(c.AdminKeys) == 0 && !IsLoopback(host) {
		p = append(p, fmt.Sprintf("test-clock: on %s (not a loopback address) the settable clock needs admin_keys; it is never open to unsigned or keyless requests there", c.Addr))
	}
	if c.Seed != "" && !c.Bootstrap.IsZero() {
		p = append(p, "seed: give the bootstrap file with --seed or as the config file's bootstrap: section, not both")
	}
	if c.IsPostgres() && !c.SingleNode {
		// The local issuer is the public base URL: one for every node when
		// --public-url names it, each node's own address otherwise.
		if c.Issuer == "local" && c.PublicURL == "" {
			p = append(p, "issuer: with PostgreSQL every node must sign tokens with one issuer, but the local issuer names each node's own address; set --issuer to the public base URL clients reach (or \"aws\"), or --public-url, or pass --single-node if this is the only node")
		}
		if c.MasterKey == "" && c.MasterKeyFile == "" {
			p = append(p, "master-key-file: with PostgreSQL every node must share one master key, but none is configured and each node would generate its own in its data directory; set --master-key-file or --master-key (the same on every node), or pass --single-node if this is the only node")
		}
	}
	switch c.Metrics {
	case "loopback", "admin", "open", "off":
	default:
		p = append(p, fmt.Sprintf("metrics: %q is not loopback, admin, open or off", c.Metrics))
	}
	if c.MaxBodyBytes < 1024 {
		p = append(p, "max_body_bytes: must be at least 1024")
	}
	if c.ShutdownTimeout <= 0 {
		p = append(p, "shutdown_timeout: must be positive")
	}
	if s := c.Delivery.SMTP; s != nil {
		if s.Host == "" || s.Port <= 0 || s.Port > 65535 {
			p = append(p, "delivery.smtp: host and port are required")
		}
		switch s.TLS {
		case "", "none", "starttls", "tls":
		default:
			p = append(p, fmt.Sprintf("delivery.smtp.tls: %q is not none, starttls or tls", s.TLS))
		}
	}
	for _, hook := range []struct {
		name string
		w    *Webhook
	}{{"sms_webhook", c.Delivery.SMSWebhook}, {"email_webhook", c.Delivery.EmailWebhook}} {
		name, w := hook.name, hook.w
		if w == nil {
			continue
		}
		if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p = append(p, fmt.Sprintf("delivery.%s: %q is not an http(s) URL", name, w.URL))
		}
	}
	p = append(p, c.Lambda.validate()...)
	return p
}

// validate returns the problems of the lambda section.
func (l *Lambda) validate() []string {
	var p []string
	if l.Endpoint != "" && l.Endpoint != LambdaAWS && !isHTTPURL(l.Endpoint) {
		p = append(p, fmt.Sprintf("lambda.endpoint: %q is not an http(s) URL or %q", l.Endpoint, LambdaAWS))
	}
	switch trigger.NameMode(l.FunctionName) {
	case "", trigger.NameARN, trigger.NameShort:
	default:
		p = append(p, fmt.Sprintf("lambda.function_name: %q is not %q or %q", l.FunctionName, trigger.NameARN, trigger.NameShort))
	}
	names := make([]string, 0, len(l.Webhooks))
	for name := range l.Webhooks {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, ok := trigger.ParseName(name); !ok {
			p = append(p, fmt.Sprintf("lambda.webhooks: %q is not a trigger name (want one of %s)", name, triggerNames()))
		}
		if u := l.Webhooks[name]; !isHTTPURL(u) {
			p = append(p, fmt.Sprintf("lambda.webhooks.%s: %q is not an http(s) URL", name, trigger.RedactURL(u)))
		}
	}
	if l.KMSEndpoint != "" && !isHTTPURL(l.KMSEndpoint) {
		p = append(p, fmt.Sprintf("kms-endpoint: %q is not an http(s) URL", l.KMSEndpoint))
	}
	if l.Timeout < 0 {
		p = append(p, "lambda.timeout: must not be negative")
	}
	return p
}

// triggerNames lists the trigger names lambda.webhooks accepts.
func triggerNames() string {
	s := make([]string, len(trigger.Names))
	for i, n := range trigger.Names {
		s[i] = string(n)
	}
	return strings.Join(s, ", ")
}

// isHTTPURL reports whether v is an absolute http(s) URL with a host.
func isHTTPURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// IsPostgres reports whether the store is PostgreSQL.
func (c *Config) IsPostgres() bool {
	return strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
}

// IsLoopback reports whether host (a name or IP, no port) only listens on
// the loopback interface. An empty host means all interfaces.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return dsn
}
