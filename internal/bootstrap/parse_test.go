package bootstrap_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/userpoold/userpoold/internal/bootstrap"
)

// problemsOf parses src and returns its problems as "line: field: message"
// strings.
func problemsOf(t *testing.T, src string) []bootstrap.Problem {
	t.Helper()
	_, err := bootstrap.Parse("seed.yaml", []byte(src))
	var be *bootstrap.Error
	if !errors.As(err, &be) {
		t.Fatalf("Parse = %v, want problems", err)
	}
	if be.Applied || !strings.Contains(be.Error(), "nothing was changed") {
		t.Errorf("a parse error must say nothing changed: %v", be)
	}
	return be.Problems
}

func TestParseProblemsNameLineAndField(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		field     string
		message   string
	}{
		{"unknown top key", "pool:\n  - name: x\n", 1, "pool", "is not a known key"},
		{"unknown pool key", "pools:\n  - name: dev\n    colour: blue\n", 3, "pools[0].colour", "is not a known key"},
		{"pool without a name", "pools:\n  - id: us-east-1_Dev1\n", 2, "pools[0].name", "is required"},
		{"unknown request member", "pools:\n  - name: dev\n    settings:\n      MfaConfiguration: OFF\n      Colour: blue\n", 5, "pools[0].settings.Colour", "is not a member of this request"},
		{"wrong type deep", "pools:\n  - name: dev\n    settings:\n      Policies:\n        PasswordPolicy:\n          MinimumLength: eight\n", 6,
			"pools[0].settings.Policies.PasswordPolicy.MinimumLength", "must be a number"},
		{"model constraint", "pools:\n  - name: dev\n    settings:\n      Policies:\n        PasswordPolicy:\n          MinimumLength: 3\n", 6,
			"pools[0].settings.policies.passwordPolicy.minimumLength", "Value '3' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value greater than or equal to 6"},
		{"enum", "pools:\n  - name: dev\n    settings:\n      UsernameAttributes: [email, nickname]\n", 4,
			"pools[0].settings.usernameAttributes", "Value '[email, nickname]' at 'usernameAttributes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [phone_number, email]]"},
		{"PoolName in settings", "pools:\n  - name: dev\n    settings: {PoolName: other}\n", 3, "pools[0].settings.PoolName", "is given by the entry itself"},
		{"client flow", "pools:\n  - name: dev\n    clients:\n      - name: web\n        settings:\n          ExplicitAuthFlows:\n            - ALLOW_USER_SRP_AUTH\n            - ALLOW_MAGIC\n", 7,
			"pools[0].clients[0].settings.explicitAuthFlows", "Member must satisfy enum value set"},
		{"duplicate client id", "pools:\n  - name: dev\n    clients:\n      - {id: webclient1, name: a}\n      - {id: webclient1, name: b}\n", 5, "pools[0].clients[1].id", "also declared by pools[0].clients[0]"},
		{"group precedence", "pools:\n  - name: dev\n    groups:\n      - name: admins\n        precedence: high\n", 5, "pools[0].groups[0].precedence", "must be a whole number"},
		{"group role arn", "pools:\n  - name: dev\n    groups:\n      - name: admins\n        role_arn: nope\n", 5, "pools[0].groups[0].role_arn", "failed to satisfy constraint"},
		{"status", "pools:\n  - name: dev\n    users:\n      - username: al\n        password: Passw0rd!\n        status: RESET_REQUIRED\n", 6, "pools[0].users[0].status", "must be CONFIRMED or FORCE_CHANGE_PASSWORD"},
		{"confirmed without password", "pools:\n  - name: dev\n    users:\n      - username: al\n        status: CONFIRMED\n", 5, "pools[0].users[0].status", "needs a password"},
		{"sub", "pools:\n  - name: dev\n    users:\n      - username: al\n        attributes:\n          sub: 1234\n", 6, "pools[0].users[0].attributes.sub", "cannot be declared"},
		{"short totp secret", "pools:\n  - name: dev\n    users:\n      - username: al\n        mfa:\n          totp_secret: JBSWY3DPEHPK3PXP\n", 6, "pools[0].users[0].mfa.totp_secret", "is 80 bits"},
		{"totp without secret", "pools:\n  - name: dev\n    users:\n      - username: al\n        mfa:\n          enabled: [SOFTWARE_TOKEN_MFA]\n", 6, "pools[0].users[0].mfa.enabled", "needs a totp_secret"},
		{"preferred not enabled", "pools:\n  - name: dev\n    users:\n      - username: al\n        mfa:\n          enabled: [EMAIL_OTP]\n          preferred: SMS_MFA\n", 7, "pools[0].users[0].mfa.preferred", "must be one of the enabled factors"},
		{"duplicate user", "pools:\n  - name: dev\n    users:\n      - {username: al}\n      - {username: al}\n", 5, "pools[0].users[1].username", "also declared"},
		{"password too long", "pools:\n  - name: dev\n    users:\n      - username: al\n        password: " + strings.Repeat("x", 300) + "\n", 5, "pools[0].users[0].password", "Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"syntax", "pools: []\nfoo: 1\n  bar: 2\n", 3, "", "mapping values are not allowed in this context"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := problemsOf(t, tc.src)
			for _, p := range ps {
				if p.Line == tc.line && p.Field == tc.field && strings.Contains(p.Message, tc.message) && p.File == "seed.yaml" {
					return
				}
			}
			t.Errorf("want line %d, field %q, message containing %q; got:\n%v", tc.line, tc.field, tc.message, (&bootstrap.Error{Problems: ps}).Error())
		})
	}
}

// TestParseListsEveryProblem: problems are collected, not just the first.
func TestParseListsEveryProblem(t *testing.T) {
	ps := problemsOf(t, `pools:
  - name: dev
    settings: {Colour: blue}
    users:
      - username: al
        status: NOPE
      - password: x
`)
	if len(ps) != 3 {
		t.Errorf("got %d problems, want 3:\n%v", len(ps), (&bootstrap.Error{Problems: ps}).Error())
	}
	if got := ps[0].String(); !strings.HasPrefix(got, "seed.yaml:3:16: pools[0].settings.Colour: ") {
		t.Errorf("rendering = %q", got)
	}
}

func TestParseEmptyAndValid(t *testing.T) {
	for _, src := range []string{"", "pools: []\n", "# nothing yet\n"} {
		if f, err := bootstrap.Parse("x", []byte(src)); err != nil || len(f.Pools) != 0 {
			t.Errorf("Parse(%q) = %v, %v", src, f, err)
		}
	}
	f, err := bootstrap.Parse("x", []byte(`pools:
  - id: us-east-1_LocalDev1
    name: dev
    settings:
      UsernameAttributes: [email]
      UserPoolTags: {team: web}
    mfa:
      MfaConfiguration: OPTIONAL
      SoftwareTokenMfaConfiguration: {Enabled: true}
    clients:
      - id: localdevweb0000000000000001
        name: web
        settings: {ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH], GenerateSecret: true}
    groups:
      - {name: admins, precedence: 1}
    users:
      - username: al@example.com
        password: Passw0rd!
        attributes: {email_verified: true, name: Al}
        mfa: {totp_secret: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP, enabled: [SOFTWARE_TOKEN_MFA], preferred: SOFTWARE_TOKEN_MFA}
`))
	if err != nil {
		t.Fatal(err)
	}
	p := f.Pools[0]
	if p.Input.ID != "us-east-1_LocalDev1" || p.Input.Name != "dev" || p.Input.Tags["team"] != "web" || len(p.Input.Settings.UsernameAttributes) != 1 || p.MFA == nil {
		t.Errorf("pool = %+v", p.Input)
	}
	if c := p.Clients[0].Input; c.ID != "localdevweb0000000000000001" || !c.GenerateSecret || len(c.Settings.ExplicitAuthFlows) != 1 {
		t.Errorf("client = %+v", c)
	}
	u := p.Users[0]
	if u.Status != "CONFIRMED" || u.Attributes[0].Value != "true" || len(u.MFA.TOTPSecret) != 20 || u.MFA.Preferred != "SOFTWARE_TOKEN_MFA" {
		t.Errorf("user = %+v", u)
	}
}
