package hostile

import (
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

var b64 = base64.RawURLEncoding

// jwtParts splits a compact JWS and decodes its header and payload.
func jwtParts(t *testing.T, token string) (header, payload map[string]any, sig string) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		raw, err := b64.DecodeString(parts[i])
		if err != nil || json.Unmarshal(raw, dst) != nil {
			t.Fatalf("token part %d: %v", i, err)
		}
	}
	return header, payload, parts[2]
}

// jws assembles a compact JWS from a header, a payload and a signature.
func jws(t *testing.T, header, payload map[string]any, sig string) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	p, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return b64.EncodeToString(h) + "." + b64.EncodeToString(p) + "." + sig
}

// jwks fetches a pool's published keys by kid.
func jwks(t *testing.T, url string) map[string]*rsa.PublicKey {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct{ Keys []struct{ Kid, N, E string } }
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]*rsa.PublicKey{}
	for _, k := range doc.Keys {
		n, _ := b64.DecodeString(k.N)
		e, _ := b64.DecodeString(k.E)
		out[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return out
}

// TestForgedTokens attacks the access token check with tokens an attacker
// can build from tokens of their own and the published keys. GetUser
// answers each with NotAuthorizedException and the message Cognito gives.
func TestForgedTokens(t *testing.T) {
	e := newUserEnv(t)
	e.addUser(t, e.pool, "mallory")
	alice := e.signIn(t, e.client, "alice")
	mallory := e.signIn(t, e.client, "mallory")
	access := aws.ToString(alice.AccessToken)
	header, payload, sig := jwtParts(t, access)
	_, malloryPayload, _ := jwtParts(t, aws.ToString(mallory.AccessToken))
	idHeader, _, _ := jwtParts(t, aws.ToString(alice.IdToken))
	keys := jwks(t, e.URL+"/"+e.pool+"/.well-known/jwks.json")

	// The control.
	getUser(t, e.Env, access).want(t, 200, "", "")

	with := func(m map[string]any, k string, v any) map[string]any {
		out := map[string]any{}
		for kk, vv := range m {
			out[kk] = vv
		}
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	hs256 := func() string {
		der, err := x509.MarshalPKIXPublicKey(keys[header["kid"].(string)])
		if err != nil {
			t.Fatal(err)
		}
		h := with(header, "alg", "HS256")
		unsigned := strings.Join(strings.Split(jws(t, h, payload, ""), ".")[:2], ".")
		m := hmac.New(sha256.New, der)
		m.Write([]byte(unsigned))
		return unsigned + "." + b64.EncodeToString(m.Sum(nil))
	}

	const invalid = "Invalid Access Token"
	for name, token := range map[string]string{
		"alg none":                     jws(t, with(header, "alg", "none"), payload, ""),
		"alg none, signature kept":     jws(t, with(header, "alg", "none"), payload, sig),
		"HS256 keyed with the RSA key": hs256(),
		"kid of the ID token key":      jws(t, with(header, "kid", idHeader["kid"]), payload, sig),
		"unknown kid":                  jws(t, with(header, "kid", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), payload, sig),
		"another user's payload":       jws(t, header, malloryPayload, sig),
		"username edited":              jws(t, header, with(payload, "username", "mallory"), sig),
		"exp extended":                 jws(t, header, with(payload, "exp", 4102444800), sig),
		"embedded jwk":                 jws(t, with(header, "jwk", map[string]string{"kty": "oct", "k": "AAAA"}), payload, sig),
		"ID token":                     aws.ToString(alice.IdToken),
		"refresh token":                aws.ToString(alice.RefreshToken),
		"truncated signature":          access[:len(access)-10],
		"empty signature":              access[:strings.LastIndexByte(access, '.')+1],
		"signature of another token":   strings.Join(strings.Split(access, ".")[:2], ".") + "." + strings.Split(aws.ToString(mallory.AccessToken), ".")[2],
		"issuer of an unknown pool":    jws(t, header, with(payload, "iss", strings.Replace(payload["iss"].(string), e.pool, "us-east-1_Nope12345", 1)), sig),
		"token_use changed":            jws(t, header, with(payload, "token_use", "id"), sig),
		"no exp":                       jws(t, header, with(payload, "exp", nil), sig),
		"64 KiB of garbage":            strings.Repeat("A", 64<<10+1),
		"three empty parts":            "..",
		"header only":                  strings.Split(access, ".")[0],
	} {
		t.Run(name, func(t *testing.T) {
			getUser(t, e.Env, token).want(t, 400, "NotAuthorizedException", invalid)
		})
	}
	// Tokens outside the model's alphabet do not get that far.
	for name, token := range map[string]string{
		"JSON serialization":               `{"payload":"` + strings.Split(access, ".")[1] + `","protected":"` + strings.Split(access, ".")[0] + `","signature":"` + sig + `"}`,
		"whitespace around":                " " + access + " ",
		"access token of alice, base64std": strings.NewReplacer("-", "+", "_", "/").Replace(access),
	} {
		t.Run(name, func(t *testing.T) {
			getUser(t, e.Env, token).want(t, 400, "InvalidParameterException",
				"1 validation error detected: Value at 'accessToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9-_=.]+")
		})
	}
}

// TestTokenLifetime checks expired and revoked tokens, and tokens moved to
// another pool or client.
func TestTokenLifetime(t *testing.T) {
	e := newUserEnv(t)
	e.Clock.Set(time.Now().UTC().Truncate(time.Second))
	other := e.CreatePool(&cip.CreateUserPoolInput{PoolName: aws.String("other")})
	otherClient := aws.ToString(e.CreateClient(other, nil).ClientId)
	e.addUser(t, other, "alice")
	secondClient := aws.ToString(e.CreateClient(e.pool, nil).ClientId)

	t.Run("expired", func(t *testing.T) {
		tokens := e.signIn(t, e.client, "alice")
		getUser(t, e.Env, aws.ToString(tokens.AccessToken)).want(t, 200, "", "")
		e.Clock.Advance(time.Hour + time.Second)
		defer e.Clock.Advance(-time.Hour - time.Second)
		getUser(t, e.Env, aws.ToString(tokens.AccessToken)).want(t, 400, "NotAuthorizedException", "Access Token has expired")
	})
	t.Run("revoked by global sign-out", func(t *testing.T) {
		tokens := e.signIn(t, e.client, "alice")
		anonCall(t, e.Env, "GlobalSignOut", jsonBody(t, map[string]string{"AccessToken": aws.ToString(tokens.AccessToken)})).want(t, 200, "", "")
		getUser(t, e.Env, aws.ToString(tokens.AccessToken)).want(t, 400, "NotAuthorizedException", "Access Token has been revoked")
		refresh(t, e, e.client, aws.ToString(tokens.RefreshToken)).want(t, 400, "NotAuthorizedException", "Refresh Token has been revoked")
		// Sign-ins after the sign-out are valid again (revocation has
		// one-second resolution, and the test clock is frozen).
		e.Clock.Advance(time.Second)
	})
	t.Run("revoked refresh token", func(t *testing.T) {
		tokens := e.signIn(t, e.client, "alice")
		anonCall(t, e.Env, "RevokeToken", jsonBody(t, map[string]string{"ClientId": e.client, "Token": aws.ToString(tokens.RefreshToken)})).want(t, 200, "", "")
		getUser(t, e.Env, aws.ToString(tokens.AccessToken)).want(t, 400, "NotAuthorizedException", "Access Token has been revoked")
		refresh(t, e, e.client, aws.ToString(tokens.RefreshToken)).want(t, 400, "NotAuthorizedException", "Refresh Token has been revoked")
	})
	t.Run("moved to another pool", func(t *testing.T) {
		// A token of the other pool's alice, with its iss rewritten to name
		// this pool: the signature no longer matches any key this pool
		// published.
		tokens := e.signIn(t, otherClient, "alice")
		getUser(t, e.Env, aws.ToString(tokens.AccessToken)).want(t, 200, "", "")
		header, payload, sig := jwtParts(t, aws.ToString(tokens.AccessToken))
		payload["iss"] = strings.Replace(payload["iss"].(string), other, e.pool, 1)
		getUser(t, e.Env, jws(t, header, payload, sig)).want(t, 400, "NotAuthorizedException", "Invalid Access Token")
		refresh(t, e, e.client, aws.ToString(tokens.RefreshToken)).want(t, 400, "NotAuthorizedException", "Invalid Refresh Token")
	})
	t.Run("refresh token of another client", func(t *testing.T) {
		tokens := e.signIn(t, e.client, "alice")
		refresh(t, e, secondClient, aws.ToString(tokens.RefreshToken)).want(t, 400, "NotAuthorizedException", "Invalid Refresh Token")
		refresh(t, e, e.client, aws.ToString(tokens.RefreshToken)).want(t, 200, "", "")
	})
	t.Run("refresh token edited", func(t *testing.T) {
		tok := []byte(aws.ToString(e.signIn(t, e.client, "alice").RefreshToken))
		tok[len(tok)/2] ^= 1
		refresh(t, e, e.client, string(tok)).want(t, 400, "NotAuthorizedException", "Invalid Refresh Token")
	})
}

// refresh calls InitiateAuth REFRESH_TOKEN_AUTH over raw HTTP.
func refresh(t *testing.T, e *userEnv, clientID, token string) answer {
	t.Helper()
	return anonCall(t, e.Env, "InitiateAuth", jsonBody(t, map[string]any{
		"ClientId": clientID, "AuthFlow": types.AuthFlowTypeRefreshTokenAuth, "AuthParameters": map[string]string{"REFRESH_TOKEN": token},
	}))
}
