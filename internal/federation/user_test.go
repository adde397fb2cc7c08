package federation_test

import (
	"strings"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/federation"
)

func TestUsernameAndGroup(t *testing.T) {
	cases := []struct {
		provider, id string
		sensitive    bool
		want         string
	}{
		{"Google", "109354484677663308178", true, "Google_109354484677663308178"},
		{"Facebook", "1613644848950245", true, "Facebook_1613644848950245"},
		{"Google", "109336476016498885621", false, "google_109336476016498885621"},
		{"OktaSAML", "Jane.Doe@Example.com", false, "oktasaml_jane.doe@example.com"},
		{"OktaSAML", "Jane.Doe@Example.com", true, "OktaSAML_Jane.Doe@Example.com"},
	}
	for _, tc := range cases {
		if got := federation.Username(tc.provider, tc.id, tc.sensitive); got != tc.want {
			t.Errorf("Username(%q, %q, %v) = %q, want %q", tc.provider, tc.id, tc.sensitive, got, tc.want)
		}
	}
	if g := federation.GroupName("eu-west-1_zwqFAay0e", "Google"); g != "eu-west-1_zwqFAay0e_Google" {
		t.Fatal(g)
	}
}

// TestIdentitiesJSON: the captured shape, member order and string
// primary/dateCreated, and reading both it and the Developer Guide's form.
func TestIdentitiesJSON(t *testing.T) {
	e := federation.IdentityEntry{UserID: "109354484677663308178", ProviderName: "Google", ProviderType: federation.TypeGoogle,
		Primary: true, DateCreated: time.UnixMilli(1555128389392)}
	want := `[{"userId":"109354484677663308178","providerName":"Google","providerType":"Google","issuer":null,"primary":"true","dateCreated":"1555128389392"}]`
	if got := federation.IdentitiesJSON([]federation.IdentityEntry{e}); got != want {
		t.Fatalf("%s\nwant %s", got, want)
	}
	back, err := federation.ParseIdentities(want)
	if err != nil || len(back) != 1 || back[0].UserID != e.UserID || !back[0].Primary || !back[0].DateCreated.Equal(e.DateCreated) {
		t.Fatal(back, err)
	}
	dg := `[{"userId":"x","providerName":"Facebook","providerType":"Facebook","issuer":null,"primary":false,"dateCreated":1470959240455}]`
	back, err = federation.ParseIdentities(dg)
	if err != nil || back[0].Primary || back[0].DateCreated.UnixMilli() != 1470959240455 {
		t.Fatal(back, err)
	}
	saml := federation.IdentitiesJSON([]federation.IdentityEntry{{UserID: "a&b", ProviderName: "Okta", ProviderType: federation.TypeSAML, Issuer: "http://www.okta.com/exk1", DateCreated: time.UnixMilli(1)}})
	if !strings.Contains(saml, `"issuer":"http://www.okta.com/exk1","primary":"false"`) || !strings.Contains(saml, `"a&b"`) {
		t.Fatal(saml)
	}
	if _, err := federation.ParseIdentities(`[{"providerName":"x"}]`); err == nil {
		t.Fatal("an entry without userId was read")
	}
}

func samlProvider(mapping map[string]string) federation.Provider {
	return federation.Provider{PoolID: testPool.ID, Name: "Okta", Type: federation.TypeSAML, AttributeMapping: mapping}
}

// TestProfileFor: the mapping rules of every sign-in.
func TestProfileFor(t *testing.T) {
	required := federation.Pool{ID: testPool.ID, Attributes: append([]federation.Attribute{{Name: "family_name", Required: true, Mutable: true, MaxLength: 10}}, testPool.Attributes...)}
	mapping := map[string]string{"email": "mail", "family_name": "sn", "custom:tier": "groups", "name": "displayName"}
	id := federation.Identity{ProviderName: "Okta", ProviderType: federation.TypeSAML, UserID: "jane",
		Claims: map[string][]string{"mail": {"jane@example.com"}, "sn": {"Doe"}, "groups": {"a", "b"}}}

	prof, err := federation.ProfileFor(id, federation.ProfileInput{Pool: required, Provider: samlProvider(mapping), CaseSensitive: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"email": "jane@example.com", "email_verified": "false", "family_name": "Doe", "custom:tier": "[a, b]"}
	if len(prof.Attributes) != len(want) {
		t.Fatalf("%v", prof.Attributes)
	}
	for k, v := range want {
		if prof.Attributes[k] != v {
			t.Errorf("%s = %q, want %q", k, prof.Attributes[k], v)
		}
	}

	// A later sign-in without sn keeps the stored family_name; the same
	// email keeps its verification.
	later := federation.Identity{ProviderName: "Okta", ProviderType: federation.TypeSAML, UserID: "jane", Claims: map[string][]string{"mail": {"jane@example.com"}}}
	existing := map[string]string{"email": "jane@example.com", "email_verified": "true", "family_name": "Doe"}
	prof, err = federation.ProfileFor(later, federation.ProfileInput{Pool: required, Provider: samlProvider(mapping), Existing: existing})
	if err != nil || prof.Attributes["email_verified"] != "" || len(prof.Attributes) != 1 {
		t.Fatalf("%v %v", prof.Attributes, err)
	}
	// A changed email is unverified again.
	later.Claims["mail"] = []string{"new@example.com"}
	prof, _ = federation.ProfileFor(later, federation.ProfileInput{Pool: required, Provider: samlProvider(mapping), Existing: existing})
	if prof.Attributes["email_verified"] != "false" {
		t.Fatalf("%v", prof.Attributes)
	}
	// email_verified mapped: the IdP's word, as "true"/"false".
	m2 := map[string]string{"email": "email", "email_verified": "email_verified", "family_name": "sn"}
	oidcID := federation.Identity{ProviderName: "Corp", ProviderType: federation.TypeOIDC, UserID: "s",
		Claims: map[string][]string{"email": {"x@example.com"}, "email_verified": {"True"}, "sn": {"X"}}}
	prof, err = federation.ProfileFor(oidcID, federation.ProfileInput{Pool: required, Provider: federation.Provider{Name: "Corp", Type: federation.TypeOIDC, AttributeMapping: m2}})
	if err != nil || prof.Attributes["email_verified"] != "true" {
		t.Fatalf("%v %v", prof.Attributes, err)
	}
	// Writable: attributes the app client cannot write are left alone.
	prof, _ = federation.ProfileFor(id, federation.ProfileInput{Pool: required, Provider: samlProvider(mapping), Writable: func(n string) bool { return n != "custom:tier" }})
	if _, ok := prof.Attributes["custom:tier"]; ok {
		t.Fatal("an unwritable attribute was mapped")
	}

	failures := []struct {
		name     string
		id       federation.Identity
		existing map[string]string
		want     string
	}{
		{"required missing (SAML)", federation.Identity{ProviderName: "Okta", ProviderType: federation.TypeSAML, UserID: "j", Claims: map[string][]string{"mail": {"j@x"}}}, nil,
			"Invalid SAML response received: Invalid user attributes: family_name: The attribute is required"},
		{"required missing (OIDC)", federation.Identity{ProviderName: "Okta", ProviderType: federation.TypeOIDC, UserID: "j", Claims: map[string][]string{}}, nil,
			"attributes required: [family_name]"},
		{"required deleted", federation.Identity{ProviderName: "Okta", ProviderType: federation.TypeSAML, UserID: "j", Claims: map[string][]string{"sn": {""}}}, map[string]string{"family_name": "Doe"},
			"Invalid SAML response received: Invalid user attributes: family_name: Required attribute cannot be deleted"},
		{"too long", federation.Identity{ProviderName: "Okta", ProviderType: federation.TypeSAML, UserID: "j", Claims: map[string][]string{"sn": {"Featherstonehaugh"}}}, nil,
			"Invalid SAML response received: Invalid user attributes: family_name: The attribute value is too long"},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			_, err := federation.ProfileFor(tc.id, federation.ProfileInput{Pool: required, Provider: samlProvider(mapping), Existing: tc.existing})
			e := federation.AsError(err)
			if e == nil || e.Description != tc.want || e.Page {
				t.Fatalf("%v, want %q", err, tc.want)
			}
		})
	}
	long := federation.Identity{ProviderName: "Okta", ProviderType: federation.TypeSAML, UserID: "j", Claims: map[string][]string{"displayName": {strings.Repeat("x", 2049)}}}
	if _, err := federation.ProfileFor(long, federation.ProfileInput{Pool: testPool, Provider: samlProvider(mapping)}); err == nil {
		t.Fatal("a 2,049-character value was mapped")
	}
}

// TestLinkRules: AdminLinkProviderForUser's decisions and errors.
func TestLinkRules(t *testing.T) {
	providers := []federation.Provider{
		{Name: "Google", Type: federation.TypeGoogle, AttributeMapping: map[string]string{"username": "sub", "email": "email"}},
		{Name: "Okta", Type: federation.TypeSAML, AttributeMapping: map[string]string{"email": "mail"}},
	}
	base := func() federation.LinkInput {
		return federation.LinkInput{PoolID: testPool.ID, Providers: providers, DestinationExists: true, Now: fixed,
			Destination: federation.UserRef{ProviderName: "Cognito", AttributeName: "whatever", AttributeValue: "jane"},
			Source:      federation.UserRef{ProviderName: "Google", AttributeName: "Cognito_Subject", AttributeValue: "1093"}}
	}
	res, err := federation.DecideLink(base())
	if err != nil {
		t.Fatal(err)
	}
	if res.Link.Username != "jane" || res.Link.AttributeName != "Cognito_Subject" || res.Entry.Primary || res.Entry.UserID != "1093" {
		t.Fatalf("%+v", res)
	}
	cases := []struct {
		name string
		edit func(*federation.LinkInput)
		kind fault.Kind
		msg  string
	}{
		{"native source", func(in *federation.LinkInput) { in.Source.ProviderName = "Cognito" }, fault.InvalidParameter,
			"Invalid SourceUser: Cognito users with a username/password may not be passed in as a SourceUser, only as a DestinationUser"},
		{"signed up", func(in *federation.LinkInput) { in.SourceSignedUp = true }, fault.InvalidParameter,
			"Merging is not currently supported, provide a SourceUser that has not been signed up in order to link"},
		{"no destination", func(in *federation.LinkInput) { in.DestinationExists = false }, fault.UserNotFound, "User does not exist."},
		{"too many", func(in *federation.LinkInput) { in.DestinationLinks = 5 }, fault.LimitExceeded, "A user can be linked to at most 5 identities."},
		{"linked elsewhere", func(in *federation.LinkInput) { in.SourceLinkedTo = "john" }, fault.AliasExists, "The source user is already linked to another user."},
		{"social by email", func(in *federation.LinkInput) { in.Source.AttributeName = "email" }, fault.InvalidParameter, "Invalid SourceUser: ProviderAttributeName must be Cognito_Subject for Google."},
		{"unknown provider", func(in *federation.LinkInput) { in.Source.ProviderName = "Nope" }, fault.InvalidParameter, "Invalid SourceUser: provider Nope does not exist for this user pool."},
		{"SAML unmapped", func(in *federation.LinkInput) {
			in.Source = federation.UserRef{ProviderName: "Okta", AttributeName: "phone_number", AttributeValue: "1"}
		}, fault.InvalidParameter, "Invalid SourceUser: phone_number is not mapped for provider Okta."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			tc.edit(&in)
			_, err := federation.DecideLink(in)
			var fe *fault.Error
			if !asFault(err, &fe) || fe.Kind != tc.kind || fe.Message != tc.msg {
				t.Fatalf("%v, want %s %q", err, tc.kind, tc.msg)
			}
		})
	}
	// The same link again (idempotent) is allowed even at the limit.
	in := base()
	in.SourceLinkedTo, in.DestinationLinks = "jane", 5
	if _, err := federation.DecideLink(in); err != nil {
		t.Fatal(err)
	}

	// A SAML link by email: the sign-in finds it through the mapping.
	in = base()
	in.Source = federation.UserRef{ProviderName: "Okta", AttributeName: "email", AttributeValue: "jane@example.com"}
	res, err = federation.DecideLink(in)
	if err != nil {
		t.Fatal(err)
	}
	id := federation.Identity{ProviderName: "Okta", ProviderType: federation.TypeSAML, UserID: "opaque-nameid", Claims: map[string][]string{"mail": {"jane@example.com"}}}
	if l, ok := federation.FindLink([]federation.Link{res.Link}, providers[1], id); !ok || l.Username != "jane" {
		t.Fatal("the SAML sign-in did not find its link")
	}
	id.Claims["mail"] = []string{"other@example.com"}
	if _, ok := federation.FindLink([]federation.Link{res.Link}, providers[1], id); ok {
		t.Fatal("another email matched the link")
	}
}

func TestDisableRules(t *testing.T) {
	providers := []federation.Provider{{Name: "Google", Type: federation.TypeGoogle}, {Name: "Okta", Type: federation.TypeSAML}}
	cases := []struct {
		ref  federation.UserRef
		want federation.DisableAction
		msg  string
	}{
		{federation.UserRef{ProviderName: "Cognito", AttributeName: "Cognito_Subject", AttributeValue: "jane"}, federation.DisableNative, ""},
		{federation.UserRef{ProviderName: "Cognito", AttributeName: "email", AttributeValue: "jane"}, 0, "Invalid User: ProviderAttributeName must be Cognito_Subject for Cognito users."},
		{federation.UserRef{ProviderName: "Google", AttributeName: "Cognito_Subject", AttributeValue: "1"}, federation.RemoveLink, ""},
		{federation.UserRef{ProviderName: "Google", AttributeName: "email", AttributeValue: "1"}, 0, "Invalid User: ProviderAttributeName must be Cognito_Subject for Google."},
		{federation.UserRef{ProviderName: "Okta", AttributeName: "email", AttributeValue: "a@b"}, federation.RemoveLink, ""},
		{federation.UserRef{ProviderName: "Nope", AttributeName: "Cognito_Subject", AttributeValue: "1"}, 0, "Invalid User: provider Nope does not exist for this user pool."},
	}
	for _, tc := range cases {
		got, err := federation.DecideDisable(tc.ref, providers)
		if tc.msg == "" {
			if err != nil || got != tc.want {
				t.Errorf("%+v: %v %v", tc.ref, got, err)
			}
			continue
		}
		if err == nil || err.(*fault.Error).Message != tc.msg {
			t.Errorf("%+v: %v, want %q", tc.ref, err, tc.msg)
		}
	}
}
