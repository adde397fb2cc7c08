package bootstrap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// File is a parsed bootstrap file: what it declares, each part with the
// node it came from.
type File struct {
	Name  string // as given to Parse, for messages
	Pools []*Pool
}

// Pool is a declared user pool.
type Pool struct {
	Field string // e.g. pools[0]
	node  *yaml.Node
	idAt  *yaml.Node
	// Input is the CreateUserPool request: Name, Settings, Schema, Tags,
	// and ID when the file fixes it.
	Input userpool.PoolInput
	// MFA is the SetUserPoolMfaConfig request; nil when not declared.
	MFA     *userpool.MFAConfig
	mfaAt   *yaml.Node
	setAt   *yaml.Node
	Clients []*Client
	Groups  []*Group
	Users   []*User
	// Domain is the prefix domain, CustomDomain the custom domain; nil
	// when not declared.
	Domain, CustomDomain *Domain
	ResourceServers      []*ResourceServer
}

// Client is a declared app client.
type Client struct {
	Field string
	node  *yaml.Node
	idAt  *yaml.Node
	setAt *yaml.Node
	// Input is the CreateUserPoolClient request (ID when fixed).
	Input userpool.ClientInput
}

// Group is a declared group.
type Group struct {
	Field  string
	node   *yaml.Node
	Name   string
	Change userpool.GroupChange
}

// User is a declared user.
type User struct {
	Field    string
	node     *yaml.Node
	Username string
	// Password is the permanent password (Status CONFIRMED) or the
	// temporary one (FORCE_CHANGE_PASSWORD); "" for none.
	Password string
	pwAt     *yaml.Node
	Status   storage.UserStatus
	// Enabled is nil when not declared.
	Enabled    *bool
	Attributes []storage.Attribute
	attrsAt    *yaml.Node
	Groups     []string
	groupsAt   []*yaml.Node
	MFA        *UserMFA
	mfaAt      *yaml.Node
}

// UserMFA is a user's declared MFA state.
type UserMFA struct {
	// TOTPSecret becomes the user's verified software token; nil when not
	// declared.
	TOTPSecret []byte
	// Enabled lists the factors on (SMS_MFA, SOFTWARE_TOKEN_MFA,
	// EMAIL_OTP); those not listed are off.
	Enabled   []storage.MFAFactor
	Preferred storage.MFAFactor
}

// placeholderPool stands for the pool of a request block while it is
// validated (the file gives the pool by nesting, not by ID).
const placeholderPool = "us-east-1_Placeholder1"

// Parse reads a bootstrap file; name is used in problems. A file with
// problems is an *Error listing every one.
func Parse(name string, data []byte) (*File, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &File{Name: name}, nil
		}
		return nil, &Error{Problems: []Problem{syntaxProblem(name, err)}}
	}
	if len(doc.Content) == 0 {
		return &File{Name: name}, nil
	}
	return ParseNode(name, doc.Content[0])
}

// syntaxProblem turns a YAML syntax error ("yaml: line 3: ...") into a
// problem at that line.
func syntaxProblem(name string, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := Problem{File: name, Message: msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, text, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(n); err == nil {
				p.Line, p.Message = line, text
			}
		}
	}
	return p
}

// ParseNode reads a bootstrap document from its YAML node (the config
// file's bootstrap: section keeps the config file's lines).
func ParseNode(name string, n *yaml.Node) (*File, error) {
	ps := &problems{file: name}
	f := &File{Name: name}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	top, ok := readMapping(ps, n, "", "pools")
	if ok {
		seen := declared{kind: "pool"}
		for i, pn := range top.list(ps, "pools") {
			p := parsePool(ps, pn, fmt.Sprintf("pools[%d]", i))
			if p == nil {
				continue
			}
			seen.add(ps, p.Field, p.Input.ID, p.idAt, p.Input.Name, p.node)
			f.Pools = append(f.Pools, p)
		}
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return f, nil
}

func parsePool(ps *problems, n *yaml.Node, field string) *Pool {
	m, ok := readMapping(ps, n, field, "id", "name", "settings", "mfa", "clients", "groups", "users",
		"domain", "custom_domain", "resource_servers")
	if !ok {
		return nil
	}
	p := &Pool{Field: field, node: n}
	p.Input.ID, p.idAt = m.str(ps, "id")
	p.Input.Name, _ = m.str(ps, "name")
	if m.values["name"] == nil {
		ps.add(n, field+".name", "is required (the pool's PoolName)")
	}
	in := &cognitoidp.CreateUserPoolInput{}
	if s := m.values["settings"]; s != nil {
		p.setAt = s
		if !decodeShape(ps, s, field+".settings", in, "PoolName") {
			in = nil
		}
	}
	if in != nil {
		in.PoolName = cognitoidp.String(p.Input.Name)
		if p.Input.Name == "" {
			in.PoolName = cognitoidp.String("placeholder")
		}
		if err := in.Validate(); err != nil {
			validation(ps, orNode(p.setAt, n), field+".settings", err, nil)
		} else {
			p.Input.Tags = in.UserPoolTags
			if err := recode(in, &p.Input.Settings); err != nil {
				ps.add(p.setAt, field+".settings", "%v", err)
			}
			if err := recode(in.Schema, &p.Input.Schema); err != nil {
				ps.add(p.setAt, field+".settings.Schema", "%v", err)
			}
		}
	}
	if s := m.values["mfa"]; s != nil {
		p.mfaAt = s
		mc := &cognitoidp.SetUserPoolMfaConfigInput{}
		if decodeShape(ps, s, field+".mfa", mc, "UserPoolId") {
			mc.UserPoolId = cognitoidp.String(placeholderPool)
			if err := mc.Validate(); err != nil {
				validation(ps, s, field+".mfa", err, nil)
			} else {
				p.MFA = new(userpool.MFAConfig)
				if err := recode(mc, p.MFA); err != nil {
					ps.add(s, field+".mfa", "%v", err)
				}
			}
		}
	}
	parseOAuth(ps, m, p)
	seen := declared{kind: "client"}
	for i, cn := range m.list(ps, "clients") {
		c := parseClient(ps, cn, fmt.Sprintf("%s.clients[%d]", field, i))
		if c == nil {
			continue
		}
		seen.add(ps, c.Field, c.Input.ID, c.idAt, c.Input.Name, c.node)
		p.Clients = append(p.Clients, c)
	}
	groups := map[string]string{}
	for i, gn := range m.list(ps, "groups") {
		g := parseGroup(ps, gn, fmt.Sprintf("%s.groups[%d]", field, i))
		if g == nil {
			continue
		}
		if prev, dup := groups[g.Name]; dup {
			ps.add(g.node, g.Field+".name", "group %q is also declared by %s", g.Name, prev)
		}
		groups[g.Name] = g.Field
		p.Groups = append(p.Groups, g)
	}
	users := map[string]string{}
	for i, un := range m.list(ps, "users") {
		u := parseUser(ps, un, fmt.Sprintf("%s.users[%d]", field, i))
		if u == nil {
			continue
		}
		if prev, dup := users[u.Username]; dup {
			ps.add(u.node, u.Field+".username", "user %q is also declared by %s", u.Username, prev)
		}
		users[u.Username] = u.Field
		p.Users = append(p.Users, u)
	}
	return p
}

// declared finds pools or clients declared twice in one file: by the same
// fixed ID, or by the same name without one (a name is how such an entry
// is found).
type declared struct {
	kind       string
	ids, names map[string]string // → the field that declared it first
}

func (d *declared) add(ps *problems, field, id string, idAt *yaml.Node, name string, node *yaml.Node) {
	if d.ids == nil {
		d.ids, d.names = map[string]string{}, map[string]string{}
	}
	if id != "" {
		if prev, dup := d.ids[id]; dup {
			ps.add(idAt, field+".id", "%s ID %s is also declared by %s", d.kind, id, prev)
		}
		d.ids[id] = field
		return
	}
	if prev, dup := d.names[name]; dup {
		ps.add(node, field+".name", "a %s named %q without an id is also declared by %s; give each an id", d.kind, name, prev)
	}
	d.names[name] = field
}

func parseClient(ps *problems, n *yaml.Node, field string) *Client {
	m, ok := readMapping(ps, n, field, "id", "name", "settings")
	if !ok {
		return nil
	}
	c := &Client{Field: field, node: n}
	c.Input.ID, c.idAt = m.str(ps, "id")
	c.Input.Name, _ = m.str(ps, "name")
	if m.values["name"] == nil {
		ps.add(n, field+".name", "is required (the client's ClientName)")
	}
	in := &cognitoidp.CreateUserPoolClientInput{}
	if s := m.values["settings"]; s != nil {
		c.setAt = s
		if !decodeShape(ps, s, field+".settings", in, "UserPoolId", "ClientName") {
			return c
		}
	}
	in.UserPoolId = cognitoidp.String(placeholderPool)
	in.ClientName = cognitoidp.String(c.Input.Name)
	if c.Input.Name == "" {
		in.ClientName = cognitoidp.String("placeholder")
	}
	if err := in.Validate(); err != nil {
		validation(ps, orNode(c.setAt, n), field+".settings", err, nil)
		return c
	}
	if err := recode(in, &c.Input.Settings); err != nil {
		ps.add(c.setAt, field+".settings", "%v", err)
	}
	c.Input.Secret = cognitoidp.ToValue(in.ClientSecret)
	c.Input.GenerateSecret = cognitoidp.ToValue(in.GenerateSecret)
	return c
}

func parseGroup(ps *problems, n *yaml.Node, field string) *Group {
	m, ok := readMapping(ps, n, field, "name", "description", "precedence", "role_arn")
	if !ok {
		return nil
	}
	g := &Group{Field: field, node: n}
	g.Name, _ = m.str(ps, "name")
	if m.values["name"] == nil {
		ps.add(n, field+".name", "is required")
	}
	if d, at := m.str(ps, "description"); at != nil {
		g.Change.Description = &d
	}
	if r, at := m.str(ps, "role_arn"); at != nil {
		g.Change.RoleArn = &r
	}
	g.Change.Precedence = m.integer(ps, "precedence")
	in := &cognitoidp.CreateGroupInput{UserPoolId: cognitoidp.String(placeholderPool), GroupName: cognitoidp.String(g.Name),
		Description: g.Change.Description, RoleArn: g.Change.RoleArn, Precedence: g.Change.Precedence}
	if err := in.Validate(); err != nil {
		validation(ps, n, field, err, func(s string) string {
			switch s {
			case "groupName":
				return "name"
			case "roleArn":
				return "role_arn"
			}
			return s
		})
	}
	return g
}

// Factor names a user's mfa block accepts.
var factors = []storage.MFAFactor{mfa.SMS, mfa.TOTP, mfa.Email}

func parseUser(ps *problems, n *yaml.Node, field string) *User {
	m, ok := readMapping(ps, n, field, "username", "password", "status", "enabled", "attributes", "groups", "mfa")
	if !ok {
		return nil
	}
	u := &User{Field: field, node: n}
	u.Username, _ = m.str(ps, "username")
	if m.values["username"] == nil {
		ps.add(n, field+".username", "is required")
	}
	u.Password, u.pwAt = m.str(ps, "password")
	status, statusAt := m.str(ps, "status")
	switch storage.UserStatus(status) {
	case "":
		u.Status = userpool.StatusConfirmed
		if u.pwAt == nil {
			u.Status = userpool.StatusForceChangePassword
		}
	case userpool.StatusConfirmed:
		u.Status = userpool.StatusConfirmed
		if u.pwAt == nil {
			ps.add(statusAt, field+".status", "CONFIRMED needs a password")
		}
	case userpool.StatusForceChangePassword:
		u.Status = userpool.StatusForceChangePassword
	default:
		ps.add(statusAt, field+".status", "must be CONFIRMED or FORCE_CHANGE_PASSWORD (the password is then temporary)")
	}
	u.Enabled = m.boolean(ps, "enabled")
	if an := m.values["attributes"]; an != nil {
		u.attrsAt = an
		if am, ok := readMappingAny(ps, an, field+".attributes"); ok {
			for i := 0; i+1 < len(am.Content); i += 2 {
				k, v := am.Content[i], am.Content[i+1]
				if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
					ps.add(v, field+".attributes."+k.Value, "must be a single value")
					continue
				}
				if k.Value == "sub" {
					ps.add(k, field+".attributes.sub", "cannot be declared: the server gives every user its sub")
					continue
				}
				u.Attributes = append(u.Attributes, storage.Attribute{Name: k.Value, Value: v.Value})
			}
		}
	}
	u.Groups, u.groupsAt = m.strings(ps, "groups")
	// The model's constraints on the username, attributes and passwords, in
	// AWS's wording.
	in := &cognitoidp.AdminCreateUserInput{UserPoolId: cognitoidp.String(placeholderPool), Username: cognitoidp.String(u.Username)}
	if u.Username == "" {
		in.Username = cognitoidp.String("placeholder")
	}
	for _, a := range u.Attributes {
		in.UserAttributes = append(in.UserAttributes, cognitoidp.AttributeType{Name: cognitoidp.String(a.Name), Value: cognitoidp.String(a.Value)})
	}
	if err := in.Validate(); err != nil {
		validation(ps, n, field, err, func(s string) string {
			if s == "userAttributes" {
				return "attributes"
			}
			return s
		})
	}
	if u.pwAt != nil {
		pw := &cognitoidp.AdminSetUserPasswordInput{UserPoolId: cognitoidp.String(placeholderPool), Username: cognitoidp.String("placeholder"), Password: cognitoidp.String(u.Password)}
		if err := pw.Validate(); err != nil {
			validation(ps, u.pwAt, field+".password", err, func(string) string { return "" })
		}
	}
	if mn := m.values["mfa"]; mn != nil {
		u.mfaAt = mn
		u.MFA = parseUserMFA(ps, mn, field+".mfa")
	}
	return u
}

// readMappingAny reads n as a mapping of any keys.
func readMappingAny(ps *problems, n *yaml.Node, field string) (*yaml.Node, bool) {
	if n.Kind != yaml.MappingNode {
		ps.add(n, field, "must be a mapping (name: value)")
		return nil, false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; seen[k] {
			ps.add(n.Content[i], join(field, k), "is given twice")
		} else {
			seen[k] = true
		}
	}
	return n, true
}

func parseUserMFA(ps *problems, n *yaml.Node, field string) *UserMFA {
	m, ok := readMapping(ps, n, field, "totp_secret", "enabled", "preferred")
	if !ok {
		return nil
	}
	out := &UserMFA{Enabled: []storage.MFAFactor{}}
	if s, at := m.str(ps, "totp_secret"); at != nil {
		secret, err := mfa.DecodeSecret(strings.ToUpper(strings.ReplaceAll(s, " ", "")))
		switch {
		case err != nil:
			ps.add(at, field+".totp_secret", "must be base32 (A-Z, 2-7), as authenticator apps show it")
		case len(secret) < mfa.MinSecretBytes:
			ps.add(at, field+".totp_secret", "is %d bits; a TOTP secret needs at least 128 (26 base32 characters)", 8*len(secret))
		default:
			out.TOTPSecret = secret
		}
	}
	names, nodes := m.strings(ps, "enabled")
	for i, name := range names {
		f := storage.MFAFactor(name)
		if !slices.Contains(factors, f) {
			ps.add(nodes[i], fmt.Sprintf("%s.enabled[%d]", field, i), "must be SMS_MFA, SOFTWARE_TOKEN_MFA or EMAIL_OTP")
			continue
		}
		if slices.Contains(out.Enabled, f) {
			ps.add(nodes[i], fmt.Sprintf("%s.enabled[%d]", field, i), "is listed twice")
			continue
		}
		out.Enabled = append(out.Enabled, f)
	}
	if slices.Contains(out.Enabled, mfa.TOTP) && m.values["totp_secret"] == nil {
		ps.add(m.values["enabled"], field+".enabled", "SOFTWARE_TOKEN_MFA needs a totp_secret")
	}
	if p, at := m.str(ps, "preferred"); at != nil {
		out.Preferred = storage.MFAFactor(p)
		if !slices.Contains(out.Enabled, out.Preferred) {
			ps.add(at, field+".preferred", "must be one of the enabled factors")
		}
	}
	return out
}

func orNode(a, b *yaml.Node) *yaml.Node {
	if a != nil {
		return a
	}
	return b
}

// recode converts between two shapes with the same JSON member names.
func recode(src, dst any) error {
	b, err := json.Marshal(src)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst)
}
