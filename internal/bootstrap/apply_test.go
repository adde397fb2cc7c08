package bootstrap_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/bootstrap"
	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/server"
	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/storage"
)

var ctx = context.Background()

const (
	poolID   = "us-east-1_LocalDev1"
	clientID = "localdevweb0000000000000001"
	// totpSecret is 32 base32 characters: 160 bits.
	totpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

// seed declares a pool with a fixed ID and MFA, a client with a fixed ID
// and secret, two groups and three users in different states.
const seed = `pools:
  - id: us-east-1_LocalDev1
    name: local-dev
    settings:
      UsernameAttributes: [email]
      AutoVerifiedAttributes: [email]
      Policies:
        PasswordPolicy: {MinimumLength: 10, RequireSymbols: false}
      Schema:
        - {Name: team, AttributeDataType: String, Mutable: true}
      UserPoolTags: {env: dev}
    mfa:
      MfaConfiguration: OPTIONAL
      SoftwareTokenMfaConfiguration: {Enabled: true}
    clients:
      - id: localdevweb0000000000000001
        name: web
        settings:
          ClientSecret: localdevwebsecret0000000000000000000000000001
          ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
      - name: cli
        settings: {ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH]}
    groups:
      - {name: admins, description: Administrators, precedence: 1}
      - {name: readers}
    users:
      - username: alice@example.com
        password: alice-password-1
        attributes: {email_verified: "true", name: Alice, custom:team: blue}
        groups: [admins, readers]
        mfa:
          totp_secret: JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
          enabled: [SOFTWARE_TOKEN_MFA]
          preferred: SOFTWARE_TOKEN_MFA
      - username: bob@example.com
        password: bob-temporary-1
        status: FORCE_CHANGE_PASSWORD
      - username: carol@example.com
        password: carol-password-1
        enabled: false
`

func parse(t *testing.T, src string) *bootstrap.File {
	t.Helper()
	f, err := bootstrap.Parse("seed.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func secretHash(username string) string {
	return secretHashOf(clientID, "localdevwebsecret0000000000000000000000000001", username)
}

func login(env *servertest.Env, username, password string) (*cip.InitiateAuthOutput, error) {
	return env.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(clientID),
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password, "SECRET_HASH": secretHash(username)}})
}

// TestApplySeedSignsIn applies the seed and checks, through the SDK, that
// the fixed IDs hold and that every declared state signs in as declared.
func TestApplySeedSignsIn(t *testing.T) {
	env := servertest.New(t)
	rep, err := env.Server.Seed.Apply(ctx, parse(t, seed))
	if err != nil {
		t.Fatal(err)
	}
	want := bootstrap.Report{Pools: bootstrap.Count{Created: 1}, Clients: bootstrap.Count{Created: 2}, Groups: bootstrap.Count{Created: 2}, Users: bootstrap.Count{Created: 3}}
	if rep != want {
		t.Errorf("report = %+v, want %+v", rep, want)
	}
	pool, err := env.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(poolID)})
	if err != nil {
		t.Fatal(err)
	}
	if p := pool.UserPool; aws.ToString(p.Name) != "local-dev" || aws.ToInt32(p.Policies.PasswordPolicy.MinimumLength) != 10 || p.UserPoolTags["env"] != "dev" || p.MfaConfiguration != types.UserPoolMfaTypeOptional {
		t.Errorf("pool = %+v", p)
	}
	client, err := env.Client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID)})
	if err != nil || aws.ToString(client.UserPoolClient.ClientSecret) != "localdevwebsecret0000000000000000000000000001" {
		t.Fatalf("client = %+v, %v", client, err)
	}

	// alice: CONFIRMED, TOTP preferred with the declared secret, in both groups.
	out, err := login(env, "alice@example.com", "alice-password-1")
	if err != nil || out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("alice: %+v %v", out, err)
	}
	secret, _ := mfa.DecodeSecret(totpSecret)
	done, err := env.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(clientID), ChallengeName: out.ChallengeName, Session: out.Session,
		ChallengeResponses: map[string]string{"USERNAME": out.ChallengeParameters["USER_ID_FOR_SRP"], "SOFTWARE_TOKEN_MFA_CODE": mfa.Code(secret, time.Now()), "SECRET_HASH": secretHash(out.ChallengeParameters["USER_ID_FOR_SRP"])}})
	if err != nil {
		t.Fatalf("alice's TOTP: %v", err)
	}
	me, err := env.Anonymous.GetUser(ctx, &cip.GetUserInput{AccessToken: done.AuthenticationResult.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	attrs := map[string]string{}
	for _, a := range me.UserAttributes {
		attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	if attrs["email"] != "alice@example.com" || attrs["email_verified"] != "true" || attrs["name"] != "Alice" || attrs["custom:team"] != "blue" || me.PreferredMfaSetting == nil {
		t.Errorf("alice = %v, preferred %v", attrs, me.PreferredMfaSetting)
	}
	groups, _ := env.Client.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: aws.String(poolID), Username: aws.String("alice@example.com")})
	if len(groups.Groups) != 2 {
		t.Errorf("alice's groups = %+v", groups.Groups)
	}
	// bob: FORCE_CHANGE_PASSWORD with the declared temporary password.
	if out, err := login(env, "bob@example.com", "bob-temporary-1"); err != nil || out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Errorf("bob: %+v %v", out, err)
	}
	// carol: disabled.
	if _, err := login(env, "carol@example.com", "carol-password-1"); servertest.ErrorMessage(err) != "User is disabled." {
		t.Errorf("carol: %v", err)
	}
}

// TestApplyIsIdempotent: applying the same file again changes nothing (not
// even modification dates); after the records drift, applying brings back
// what the file declares and leaves the rest alone.
func TestApplyIsIdempotent(t *testing.T) {
	env := servertest.New(t)
	f := parse(t, seed)
	if _, err := env.Server.Seed.Apply(ctx, f); err != nil {
		t.Fatal(err)
	}
	describe := func() (*types.UserPoolType, *types.UserPoolClientType, *cip.AdminGetUserOutput) {
		p, err := env.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(poolID)})
		if err != nil {
			t.Fatal(err)
		}
		c, err := env.Client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID)})
		if err != nil {
			t.Fatal(err)
		}
		u, err := env.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String("carol@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		return p.UserPool, c.UserPoolClient, u
	}
	p1, c1, u1 := describe()
	env.Clock.Advance(time.Hour)
	rep, err := env.Server.Seed.Apply(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	want := bootstrap.Report{Pools: bootstrap.Count{Unchanged: 1}, Clients: bootstrap.Count{Unchanged: 2}, Groups: bootstrap.Count{Unchanged: 2}, Users: bootstrap.Count{Unchanged: 3}}
	if rep != want {
		t.Errorf("second apply = %+v, want all unchanged", rep)
	}
	p2, c2, u2 := describe()
	if !p1.LastModifiedDate.Equal(*p2.LastModifiedDate) || !c1.LastModifiedDate.Equal(*c2.LastModifiedDate) || !u1.UserLastModifiedDate.Equal(*u2.UserLastModifiedDate) {
		t.Errorf("a second apply touched records: pool %v→%v client %v→%v user %v→%v", p1.LastModifiedDate, p2.LastModifiedDate, c1.LastModifiedDate, c2.LastModifiedDate, u1.UserLastModifiedDate, u2.UserLastModifiedDate)
	}

	// Drift: alice changes her password and name, leaves a group and gains
	// an attribute the file does not mention; the client's flows change; a
	// user the file does not declare is added.
	pool := aws.String(poolID)
	env.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pool, Username: aws.String("alice@example.com"), Password: aws.String("another-password-9"), Permanent: true})
	env.Client.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: pool, Username: aws.String("alice@example.com"),
		UserAttributes: []types.AttributeType{{Name: aws.String("name"), Value: aws.String("Alicia")}, {Name: aws.String("family_name"), Value: aws.String("Liddell")}}})
	env.Client.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{UserPoolId: pool, Username: aws.String("alice@example.com"), GroupName: aws.String("readers")})
	env.Client.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{UserPoolId: pool, ClientId: aws.String(clientID), ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth}})
	env.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("dave@example.com"), MessageAction: types.MessageActionTypeSuppress})
	rep, err = env.Server.Seed.Apply(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	want = bootstrap.Report{Pools: bootstrap.Count{Unchanged: 1}, Clients: bootstrap.Count{Updated: 1, Unchanged: 1}, Groups: bootstrap.Count{Unchanged: 2}, Users: bootstrap.Count{Updated: 1, Unchanged: 2}}
	if rep != want {
		t.Errorf("apply after drift = %+v, want %+v", rep, want)
	}
	if out, err := login(env, "alice@example.com", "alice-password-1"); err != nil || out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Errorf("alice's declared password after apply: %+v %v", out, err)
	}
	u, _ := env.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: aws.String("alice@example.com")})
	attrs := map[string]string{}
	for _, a := range u.UserAttributes {
		attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	if attrs["name"] != "Alice" || attrs["family_name"] != "Liddell" {
		t.Errorf("alice's attributes after apply = %v (declared ones restored, others kept)", attrs)
	}
	groups, _ := env.Client.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: pool, Username: aws.String("alice@example.com")})
	if len(groups.Groups) != 2 {
		t.Errorf("alice's groups after apply = %d", len(groups.Groups))
	}
	if _, err := env.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: aws.String("dave@example.com")}); err != nil {
		t.Errorf("a user the file does not declare was touched: %v", err)
	}
}

// TestApplyProblemsChangeNothing: files that break a rule only the
// services know (found by the dry run) write nothing and name the line.
func TestApplyProblemsChangeNothing(t *testing.T) {
	env := servertest.New(t)
	if _, err := env.Server.Seed.Apply(ctx, parse(t, seed)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, src string
		line      int
		field     string
		message   string
	}{
		{"weak password after a valid pool", `pools:
  - id: us-east-1_Second1
    name: second
  - id: us-east-1_Second2
    name: second-too
    users:
      - username: erin@example.com
        password: short
`, 8, "pools[1].users[0].password", "InvalidPasswordException: Password did not conform with password policy: Password not long enough"},
		{"unknown read attribute", `pools:
  - id: us-east-1_Third1
    name: third
    clients:
      - name: web
        settings: {ReadAttributes: [custom:nope]}
`, 6, "pools[0].clients[0].settings", "InvalidParameterException: Invalid read attributes specified while creating a client"},
		{"group not declared", `pools:
  - id: us-east-1_Fourth1
    name: fourth
    users:
      - username: frank
        password: Passw0rd!
        groups: [ghosts]
`, 7, "pools[0].users[0].groups[0]", "Group not found"},
		{"region", `pools:
  - id: eu-west-1_Fifth1
    name: fifth
`, 2, "pools[0].id", "A user pool ID must be the region us-east-1"},
		{"username attributes of an existing pool", `pools:
  - id: us-east-1_LocalDev1
    name: local-dev
    settings: {UsernameAttributes: [phone_number]}
`, 4, "pools[0].settings", "UsernameAttributes of the existing pool us-east-1_LocalDev1 cannot change"},
		{"client id of another pool", `pools:
  - id: us-east-1_Sixth1
    name: sixth
    clients:
      - {id: localdevweb0000000000000001, name: web}
`, 5, "pools[0].clients[0].id", "belongs to pool us-east-1_LocalDev1"},
		{"client secret cannot change", `pools:
  - id: us-east-1_LocalDev1
    name: local-dev
    settings:
      UsernameAttributes: [email]
    clients:
      - id: localdevweb0000000000000001
        name: web
        settings: {ClientSecret: anothersecretofenoughlength0}
`, 9, "pools[0].clients[0].settings.ClientSecret", "cannot change"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := poolCount(env)
			_, err := env.Server.Seed.Apply(ctx, parse(t, tc.src))
			wantProblem(t, err, tc.line, tc.field, tc.message)
			if after := poolCount(env); after != before {
				t.Errorf("pools before %d, after %d", before, after)
			}
		})
	}
	// The first pool's users were not created either, nor the existing
	// pool's settings changed.
	if _, err := env.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String("erin@example.com")}); servertest.ErrorCode(err) != "UserNotFoundException" {
		t.Errorf("erin: %v", err)
	}
	if _, err := env.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String("us-east-1_Second1")}); servertest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Errorf("the valid pool before the bad user was created: %v", err)
	}
}

// TestSeedAtStart: --seed and the config file's bootstrap: section are
// applied when the server starts; a bad seed stops the start.
func TestSeedAtStart(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/seed.yaml"
	writeFile(t, path, seed)
	env := servertest.New(t, func(c *config.Config) { c.Seed = path })
	if _, err := env.Client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID)}); err != nil {
		t.Errorf("seeded client: %v", err)
	}
	writeFile(t, path, "pools:\n  - name: x\n    settings: {Colour: blue}\n")
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.PasswordHashing = "fast"
	cfg.Seed = path
	_, err := startServer(cfg)
	if err == nil || !strings.Contains(err.Error(), path+":3:16: pools[0].settings.Colour") {
		t.Errorf("start with a bad seed: %v", err)
	}
}

// TestConflictWithUndeclaredRecords: a conflict with a record the file does
// not name (an email alias another user holds) is found only while
// writing: the error says what was written, and applying the fixed file
// completes it. Check (the dry run alone) finds the file's own problems
// and writes nothing.
func TestConflictWithUndeclaredRecords(t *testing.T) {
	env := servertest.New(t)
	src := `pools:
  - id: us-east-1_Alias1
    name: alias
    settings: {AliasAttributes: [email]}
    users:
      - {username: xena, password: Passw0rd!}
      - username: yan
        password: Passw0rd!
        attributes: {email: shared@example.com, email_verified: "true"}
`
	f := parse(t, src)
	rep, err := env.Server.Seed.Check(ctx, f)
	if err != nil || rep.Pools.Created != 1 || rep.Users.Created != 2 {
		t.Fatalf("Check = %+v, %v", rep, err)
	}
	if _, err := env.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String("us-east-1_Alias1")}); err == nil {
		t.Fatal("Check created the pool")
	}
	if _, err := env.Server.Seed.Apply(ctx, parse(t, "pools:\n  - {id: us-east-1_Alias1, name: alias, settings: {AliasAttributes: [email]}}\n")); err != nil {
		t.Fatal(err)
	}
	pool := aws.String("us-east-1_Alias1")
	env.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("zed"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("shared@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}})
	_, err = env.Server.Seed.Apply(ctx, f)
	var be *bootstrap.Error
	if !errors.As(err, &be) || !be.Applied || len(be.Problems) != 1 || be.Problems[0].Line != 7 || !strings.Contains(be.Problems[0].Message, "AliasExistsException") {
		t.Fatalf("Apply = %v", err)
	}
	if !strings.Contains(be.Error(), "the steps before this one were written") {
		t.Errorf("message = %v", be)
	}
	if _, err := env.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: aws.String("xena")}); err != nil {
		t.Errorf("the user before the conflict: %v", err)
	}
	env.Client.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: pool, Username: aws.String("zed")})
	rep, err = env.Server.Seed.Apply(ctx, f)
	if err != nil || rep.Users.Created != 1 || rep.Users.Unchanged != 1 {
		t.Errorf("applying again after the fix = %+v, %v", rep, err)
	}
}

// TestNodesStartTogether: two servers on one database start at once with
// the same seed; both start, and the store holds each declared thing once.
// The pool's usernames are plain names: for a pool whose username is an
// email or phone number, userpool checks uniqueness before it writes, so
// two nodes creating the same user at once may both succeed (README).
func TestNodesStartTogether(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/seed.yaml"
	plain := strings.Replace(seed, "      UsernameAttributes: [email]\n", "", 1)
	if plain == seed {
		t.Fatal("the seed changed: no UsernameAttributes line to remove")
	}
	writeFile(t, path, plain)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.PasswordHashing = "fast"
	cfg.MasterKey = strings.Repeat("5a", 32)
	cfg.Seed = path
	errs := make(chan error, 2)
	for range 2 {
		go func() { _, err := startServer(cfg); errs <- err }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("a node failed to start: %v", err)
		}
	}
	s, err := server.New(ctx, cfg, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pools, _, err := s.Store.ListPools(ctx, storage.Page{Limit: 10})
	if err != nil || len(pools) != 1 {
		t.Fatalf("pools = %d, %v", len(pools), err)
	}
	clients, _, _ := s.Store.ListClients(ctx, poolID, storage.Page{Limit: 10})
	users, _, _ := s.Store.ListUsers(ctx, storage.UserQuery{PoolID: poolID, Page: storage.Page{Limit: 10}})
	groups, _, _ := s.Store.ListGroups(ctx, poolID, storage.Page{Limit: 10})
	if len(clients) != 2 || len(users) != 3 || len(groups) != 2 {
		t.Errorf("clients %d, users %d, groups %d", len(clients), len(users), len(groups))
	}
}
