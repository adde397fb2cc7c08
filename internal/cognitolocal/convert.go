package cognitolocal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// poolSettings are the members of cognito-local's stored pool (a
// UserPoolType) that are CreateUserPool request members too, copied into
// a pool's settings as they are.
var poolSettings = []string{
	"AccountRecoverySetting", "AdminCreateUserConfig", "AliasAttributes", "AutoVerifiedAttributes",
	"DeletionProtection", "DeviceConfiguration", "EmailConfiguration", "EmailVerificationMessage",
	"EmailVerificationSubject", "MfaConfiguration", "Policies", "SmsAuthenticationMessage",
	"SmsConfiguration", "SmsVerificationMessage", "UserAttributeUpdateSettings", "UsernameAttributes",
	"UsernameConfiguration", "UserPoolAddOns", "UserPoolTags", "VerificationMessageTemplate",
}

// clientSettings are the members of cognito-local's stored app client that
// are CreateUserPoolClient request members too.
var clientSettings = []string{
	"AccessTokenValidity", "AllowedOAuthFlows", "AllowedOAuthFlowsUserPoolClient", "AllowedOAuthScopes",
	"CallbackURLs", "ClientSecret", "DefaultRedirectURI", "EnableTokenRevocation", "ExplicitAuthFlows",
	"IdTokenValidity", "LogoutURLs", "PreventUserExistenceErrors", "ReadAttributes",
	"RefreshTokenValidity", "SupportedIdentityProviders", "TokenValidityUnits", "WriteAttributes",
}

// allFlows is what a client without ExplicitAuthFlows gets: cognito-local
// does not check flows, so the app may use any of these.
var allFlows = []string{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}

// Document is the bootstrap document Convert produces.
type Document struct {
	Pools []Pool `yaml:"pools"`
}

// Pool is a declared pool.
type Pool struct {
	ID       string         `yaml:"id"`
	Name     string         `yaml:"name"`
	Settings map[string]any `yaml:"settings,omitempty"`
	Clients  []Client       `yaml:"clients,omitempty"`
	Groups   []Group        `yaml:"groups,omitempty"`
	Users    []User         `yaml:"users,omitempty"`
}

// Client is a declared app client.
type Client struct {
	ID       string         `yaml:"id"`
	Name     string         `yaml:"name"`
	Settings map[string]any `yaml:"settings,omitempty"`
}

// Group is a declared group.
type Group struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	Precedence  *int   `yaml:"precedence,omitempty"`
	RoleARN     string `yaml:"role_arn,omitempty"`
}

// User is a declared user.
type User struct {
	Username   string            `yaml:"username"`
	Password   string            `yaml:"password,omitempty"`
	Status     string            `yaml:"status"`
	Enabled    *bool             `yaml:"enabled,omitempty"`
	Attributes map[string]string `yaml:"attributes,omitempty"`
	Groups     []string          `yaml:"groups,omitempty"`
}

// The stored shapes of cognito-local.
type (
	localConfig struct {
		LambdaClient     struct{ Endpoint string }
		UserPoolDefaults map[string]any
		TriggerFunctions map[string]string
	}
	localClients struct {
		Clients map[string]map[string]any
	}
	localPool struct {
		Options map[string]any
		Users   map[string]localUser
		Groups  map[string]localGroup
	}
	localUser struct {
		Username   string
		Password   string
		UserStatus string
		Enabled    *bool
		Attributes []struct{ Name, Value string }
		MFAOptions []any
	}
	localGroup struct {
		GroupName   string
		Description string
		Precedence  *int
		RoleArn     string
		Members     []string `json:"members"`
	}
)

// poolIDRE matches a pool ID; group 2 is the part after the region.
var poolIDRE = regexp.MustCompile(`^([\w-]+)_([0-9a-zA-Z]+)$`)

// Convert reads the cognito-local data directory dir — the .cognito
// directory, or its db directory — and returns the bootstrap document for
// the server's region, with a note for everything it could not carry over
// (the document is still complete without it).
func Convert(dir, region string) (*Document, []string, error) {
	db := filepath.Join(dir, "db")
	if _, err := os.Stat(db); err != nil {
		db = dir
	}
	var notes []string
	note := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }

	var cfg localConfig
	if err := readJSON(filepath.Join(filepath.Dir(db), "config.json"), &cfg); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	if len(cfg.TriggerFunctions) > 0 {
		names := keys(cfg.TriggerFunctions)
		endpoint := cfg.LambdaClient.Endpoint
		if endpoint == "" {
			endpoint = "<your Lambda endpoint>"
		}
		note("config.json: TriggerFunctions (%s) are not carried over: give each pool a LambdaConfig with the functions' ARNs (arn:aws:lambda:<region>:<account>:function:<name>) and start userpoold with --lambda-endpoint %s --lambda-function-name name (the README's \"Lambda triggers\")", strings.Join(names, ", "), endpoint)
	}
	var clients localClients
	if err := readJSON(filepath.Join(db, "clients.json"), &clients); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	files, err := filepath.Glob(filepath.Join(db, "*.json"))
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(files)
	doc := &Document{}
	for _, f := range files {
		if filepath.Base(f) == "clients.json" {
			continue
		}
		var lp localPool
		if err := readJSON(f, &lp); err != nil {
			return nil, nil, err
		}
		p, err := convertPool(f, lp, cfg, clients, region, note)
		if err != nil {
			return nil, nil, err
		}
		doc.Pools = append(doc.Pools, p)
	}
	if len(doc.Pools) == 0 {
		return nil, nil, fmt.Errorf("%s: no cognito-local pool files (<pool ID>.json beside clients.json)", db)
	}
	return doc, notes, nil
}

// convertPool converts one pool file.
func convertPool(file string, lp localPool, cfg localConfig, clients localClients, region string, note func(string, ...any)) (Pool, error) {
	opts := map[string]any{}
	for k, v := range cfg.UserPoolDefaults {
		opts[k] = v
	}
	for k, v := range lp.Options {
		opts[k] = v
	}
	localID, _ := opts["Id"].(string)
	if localID == "" {
		localID = strings.TrimSuffix(filepath.Base(file), ".json")
	}
	m := poolIDRE.FindStringSubmatch(localID)
	if m == nil {
		return Pool{}, fmt.Errorf("%s: %q is not a pool ID", file, localID)
	}
	p := Pool{ID: region + "_" + m[2], Settings: map[string]any{}}
	if p.ID != localID {
		note("pool %s is %s in userpoold (the region of a pool ID is the server's): configure your app with the new ID", localID, p.ID)
	}
	p.Name, _ = opts["Name"].(string)
	if p.Name == "" {
		p.Name = localID
	}
	for _, k := range poolSettings {
		if v, ok := opts[k]; ok && v != nil && !isEmpty(v) {
			p.Settings[k] = v
		}
	}
	if mc, _ := opts["MfaConfiguration"].(string); mc == "OFF" {
		delete(p.Settings, "MfaConfiguration")
	} else if mc != "" {
		note("pool %s: MfaConfiguration %s needs an MFA factor configured (SmsConfiguration for SMS, or an mfa: block with SoftwareTokenMfaConfiguration): check its settings", p.ID, mc)
	}
	if lc, ok := opts["LambdaConfig"].(map[string]any); ok && len(lc) > 0 {
		note("pool %s: LambdaConfig is not carried over; add it to the pool's settings with the functions' ARNs", p.ID)
	}
	if schema := customSchema(opts["SchemaAttributes"]); len(schema) > 0 {
		p.Settings["Schema"] = schema
	}
	if len(p.Settings) == 0 {
		p.Settings = nil
	}

	for _, id := range keys(clients.Clients) {
		c := clients.Clients[id]
		if c["UserPoolId"] != localID {
			continue
		}
		cl := Client{ID: id, Settings: map[string]any{}}
		if cid, _ := c["ClientId"].(string); cid != "" {
			cl.ID = cid
		}
		cl.Name, _ = c["ClientName"].(string)
		for _, k := range clientSettings {
			if v, ok := c[k]; ok && v != nil && !isEmpty(v) {
				cl.Settings[k] = v
			}
		}
		if _, ok := cl.Settings["ExplicitAuthFlows"]; !ok {
			cl.Settings["ExplicitAuthFlows"] = allFlows
			note("client %s (%s): no ExplicitAuthFlows; cognito-local allows every flow, so it gets %s: narrow them to what the app uses", cl.ID, cl.Name, strings.Join(allFlows, ", "))
		}
		p.Clients = append(p.Clients, cl)
	}

	members := map[string][]string{}
	for _, name := range keys(lp.Groups) {
		g := lp.Groups[name]
		if g.GroupName == "" {
			g.GroupName = name
		}
		p.Groups = append(p.Groups, Group{Name: g.GroupName, Description: g.Description, Precedence: g.Precedence, RoleARN: g.RoleArn})
		for _, u := range g.Members {
			members[u] = append(members[u], g.GroupName)
		}
	}

	signInAttrs, _ := opts["UsernameAttributes"].([]any)
	for _, key := range keys(lp.Users) {
		lu := lp.Users[key]
		if lu.Username == "" {
			lu.Username = key
		}
		attrs := map[string]string{}
		for _, a := range lu.Attributes {
			if a.Name != "sub" {
				attrs[a.Name] = a.Value
			}
		}
		u := User{Username: lu.Username, Password: lu.Password, Enabled: lu.Enabled, Groups: members[lu.Username]}
		// In a pool whose users sign in with an email or phone number,
		// that is the name a bootstrap file declares them by.
		for _, a := range signInAttrs {
			if v := attrs[fmt.Sprint(a)]; v != "" {
				u.Username = v
				delete(attrs, fmt.Sprint(a))
				break
			}
		}
		if len(attrs) > 0 {
			u.Attributes = attrs
		}
		switch lu.UserStatus {
		case "CONFIRMED", "FORCE_CHANGE_PASSWORD":
			u.Status = lu.UserStatus
		default:
			note("pool %s: user %s is %s and is not carried over (a bootstrap file declares CONFIRMED and FORCE_CHANGE_PASSWORD users): the user signs up again", p.ID, lu.Username, orNone(lu.UserStatus))
			continue
		}
		if u.Password == "" {
			note("pool %s: user %s has no password and is not carried over", p.ID, lu.Username)
			continue
		}
		if len(lu.MFAOptions) > 0 {
			note("pool %s: user %s had SMS MFA options; they are not carried over", p.ID, lu.Username)
		}
		p.Users = append(p.Users, u)
	}
	if len(lp.Users) > 0 {
		note("pool %s: users get new subs (the server gives every user its own); an app that stored cognito-local's subs must map them by username", p.ID)
	}
	return p, nil
}

// customSchema returns the custom attributes of a stored SchemaAttributes
// list as CreateUserPool Schema entries (Name without "custom:").
func customSchema(v any) []map[string]any {
	list, _ := v.([]any)
	var out []map[string]any
	for _, item := range list {
		a, _ := item.(map[string]any)
		name, _ := a["Name"].(string)
		short, ok := strings.CutPrefix(name, "custom:")
		if !ok {
			continue
		}
		s := map[string]any{"Name": short}
		for _, k := range []string{"AttributeDataType", "DeveloperOnlyAttribute", "Mutable", "StringAttributeConstraints", "NumberAttributeConstraints"} {
			if v, ok := a[k]; ok && v != nil && !isEmpty(v) {
				s[k] = v
			}
		}
		out = append(out, s)
	}
	return out
}

// Marshal writes the document as YAML, with a comment saying where it came
// from.
func (d *Document) Marshal(source string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# userpoold bootstrap file converted from cognito-local's " + source + "\n# by userpoold import-cognito-local. Apply it with --seed or userpoold apply.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case string:
		return x == ""
	}
	return false
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func orNone(s string) string {
	if s == "" {
		return "without a status"
	}
	return s
}
