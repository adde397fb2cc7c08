package token

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
)

func TestEdit(t *testing.T) {
	f := newFixture(t, poolA)
	ctx := context.Background()

	a := accessClaims(poolA)
	a.Edit = func(c map[string]any) {
		if c["scope"] != "aws.cognito.signin.user.admin" || c["exp"].(json.Number).String() == "" {
			t.Errorf("claims handed to Edit: %v", c)
		}
		delete(c, "event_id")
		c["scope"] = "aws.cognito.signin.user.admin tenant/read"
		c["tenant"] = json.RawMessage(`{"id":7}`)
		c["a_list"] = []string{"x", "<y>"}
	}
	tok, err := f.iss.SignAccess(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	_, p := segments(t, tok)
	want := []string{"sub", "cognito:groups", "iss", "version", "client_id", "origin_jti", "token_use", "scope",
		"auth_time", "exp", "iat", "jti", "username", "device_key", "a_list", "tenant"}
	if got := keyOrder(t, p); !slices.Equal(got, want) {
		t.Errorf("order = %v\nwant %v", got, want)
	}
	var raw map[string]any
	if err := json.Unmarshal(p, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["tenant"].(map[string]any)["id"] != 7.0 || raw["a_list"].([]any)[1] != "<y>" || raw["exp"] != float64(a.ExpiresAt.Unix()) {
		t.Errorf("payload = %s", p)
	}
	out, err := f.iss.VerifyAccess(ctx, tok)
	if err != nil || out.Scope != "aws.cognito.signin.user.admin tenant/read" || out.EventID != "" {
		t.Errorf("VerifyAccess = %+v, %v", out, err)
	}

	id := idClaims(poolA)
	id.Edit = func(c map[string]any) { delete(c, "email"); c["custom:x"] = "1" }
	tok, err = f.iss.SignID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	oid, err := f.iss.VerifyID(ctx, tok)
	if err != nil || oid.Attributes["email"] != "" || oid.Attributes["custom:x"] != "1" || oid.Sub != id.Sub {
		t.Errorf("VerifyID = %+v, %v", oid, err)
	}
}
