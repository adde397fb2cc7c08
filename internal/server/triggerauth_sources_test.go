package server_test

import (
	"crypto/rand"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/srp/srptest"
	"github.com/userpoold/userpoold/internal/trigger/lambdatest"
)

// TestPreTokenGenerationDevice: a sign-in that ends with a remembered
// device's proof is TokenGeneration_AuthenticateDevice.
func TestPreTokenGenerationDevice(t *testing.T) {
	e := newAuthEnv(t, &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
		LambdaArn: aws.String(fnARN("pretoken")), LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20}},
		func(in *cip.CreateUserPoolInput) { in.DeviceConfiguration = &types.DeviceConfigurationType{} })
	var rec recorder[events.CognitoEventUserPoolsPreTokenGenV2_0]
	handle(t, e.lt, "pretoken", &rec, preToken)
	e.addUser("alice")
	first, err := e.password("alice", userPassword, nil)
	if err != nil || first.AuthenticationResult.NewDeviceMetadata == nil {
		t.Fatalf("first sign-in: %+v %v", first, err)
	}
	md := first.AuthenticationResult.NewDeviceMetadata
	key, group := aws.ToString(md.DeviceKey), aws.ToString(md.DeviceGroupKey)
	sec, err := srptest.GenerateHashDevice(rand.Reader, group, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Anonymous.ConfirmDevice(ctx, &cip.ConfirmDeviceInput{AccessToken: first.AuthenticationResult.AccessToken, DeviceKey: md.DeviceKey,
		DeviceSecretVerifierConfig: &types.DeviceSecretVerifierConfigType{PasswordVerifier: aws.String(sec.Verifier), Salt: aws.String(sec.Salt)}}); err != nil {
		t.Fatal(err)
	}
	if evs := rec.all(); len(evs) != 1 || evs[0].TriggerSource != "TokenGeneration_Authentication" {
		t.Errorf("first sign-in: events %+v", evs)
	}
	rec.reset()
	out, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": userPassword, "DEVICE_KEY": key}})
	if err != nil || out.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth {
		t.Fatalf("second sign-in: %+v %v", out, err)
	}
	c, err := srptest.NewClient(rand.Reader, group)
	if err != nil {
		t.Fatal(err)
	}
	pv, err := e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(e.client), Session: out.Session,
		ChallengeName: types.ChallengeNameTypeDeviceSrpAuth, ChallengeResponses: map[string]string{"USERNAME": "alice", "DEVICE_KEY": key, "SRP_A": c.SRPA()}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.DeviceVerifierResponses(pv.ChallengeParameters, "alice", key, sec.Password, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	done, err := e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(e.client), Session: pv.Session,
		ChallengeName: types.ChallengeNameTypeDevicePasswordVerifier, ChallengeResponses: r, ClientMetadata: map[string]string{"d": "1"}})
	if err != nil || done.AuthenticationResult == nil {
		t.Fatalf("device proof: %+v %v", done, err)
	}
	evs := rec.all()
	if len(evs) != 1 || evs[0].TriggerSource != "TokenGeneration_AuthenticateDevice" || evs[0].Request.ClientMetadata["d"] != "1" {
		t.Errorf("device sign-in: events %+v", evs)
	}
	if claims(t, aws.ToString(done.AuthenticationResult.AccessToken))["device_key"] != key {
		t.Errorf("the device's access token lost its device_key")
	}
}

// TestPreTokenGenerationOAuth: the hosted pages' code grant is
// TokenGeneration_HostedAuth, its refresh at the token endpoint
// TokenGeneration_RefreshTokens, and a V3_0 function also shapes
// client_credentials tokens (TokenGeneration_ClientCredentials).
func TestPreTokenGenerationOAuth(t *testing.T) {
	lt := lambdatest.NewServer(t)
	e := newOAuthEnv(t, &cip.CreateUserPoolInput{LambdaConfig: &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
		LambdaArn: aws.String(fnARN("pretoken")), LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV30},
		PreAuthentication: aws.String(fnARN("pre")), PostAuthentication: aws.String(fnARN("post"))}},
		func(c *config.Config) { c.Lambda.Endpoint = lt.URL })
	var rec recorder[events.CognitoEventUserPoolsPreTokenGenV2_0]
	handle(t, lt, "pretoken", &rec, func(ev events.CognitoEventUserPoolsPreTokenGenV2_0) (events.CognitoEventUserPoolsPreTokenGenV2_0, error) {
		ev.Response.ClaimsAndScopeOverrideDetails.AccessTokenGeneration.ClaimsToAddOrOverride = map[string]any{"source": ev.TriggerSource}
		ev.Response.ClaimsAndScopeOverrideDetails.IDTokenGeneration.ClaimsToAddOrOverride = map[string]any{"source": ev.TriggerSource}
		return ev, nil
	})
	e.addUser("jane", "email", "jane@example.com", "email_verified", "true")
	var pre recorder[events.CognitoEventUserPoolsPreAuthentication]
	var post recorder[events.CognitoEventUserPoolsPostAuthentication]
	handle(t, lt, "pre", &pre, func(ev events.CognitoEventUserPoolsPreAuthentication) (events.CognitoEventUserPoolsPreAuthentication, error) {
		return ev, nil
	})
	handle(t, lt, "post", &post, func(ev events.CognitoEventUserPoolsPostAuthentication) (events.CognitoEventUserPoolsPostAuthentication, error) {
		return ev, nil
	})

	b := e.browser()
	verifier := oauth2.GenerateVerifier()
	authURL := e.conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), oidc.Nonce("n"))
	cb := e.callback(signIn(b, e.loginPage(b, authURL), "jane", userPassword))
	if n := len(rec.all()); n != 0 {
		t.Errorf("the login page ran the pre-token function %d times before the code was exchanged", n)
	}
	// The hosted pages' sign-in runs pre and post authentication.
	if p, q := pre.all(), post.all(); len(p) != 1 || len(q) != 1 || p[0].TriggerSource != "PreAuthentication_Authentication" ||
		p[0].CallerContext.ClientID != e.client || q[0].UserName != "jane" {
		t.Errorf("hosted sign-in: pre %+v, post %+v", p, q)
	}
	tok, err := e.conf.Exchange(ctx, cb.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	evs := rec.all()
	rec.reset()
	if len(evs) != 1 || evs[0].TriggerSource != "TokenGeneration_HostedAuth" || evs[0].Version != "3" || evs[0].UserName != "jane" ||
		!slices.Equal(evs[0].Request.Scopes, []string{"openid", "email", "profile"}) {
		t.Errorf("code grant: events %+v", evs)
	}
	idRaw, _ := tok.Extra("id_token").(string)
	if _, err := e.provider.Verifier(&oidc.Config{ClientID: e.client}).Verify(ctx, idRaw); err != nil {
		t.Errorf("go-oidc refuses the edited ID token: %v", err)
	}
	if claims(t, idRaw)["source"] != "TokenGeneration_HostedAuth" || claims(t, tok.AccessToken)["source"] != "TokenGeneration_HostedAuth" {
		t.Errorf("code grant tokens lack the claim")
	}

	refreshed, err := e.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token()
	if err != nil {
		t.Fatal(err)
	}
	if evs := rec.all(); len(evs) != 1 || evs[0].TriggerSource != "TokenGeneration_RefreshTokens" || claims(t, refreshed.AccessToken)["source"] != "TokenGeneration_RefreshTokens" {
		t.Errorf("refresh grant: events %+v", evs)
	}
	rec.reset()

	m2m := e.m2mClient(nil)
	cc := clientcredentials.Config{ClientID: aws.ToString(m2m.ClientId), ClientSecret: aws.ToString(m2m.ClientSecret), TokenURL: e.provider.Endpoint().TokenURL,
		EndpointParams: url.Values{"aws_client_metadata": {`{"tenant":"acme"}`}}}
	m, err := cc.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evs = rec.all()
	if len(evs) != 1 || evs[0].TriggerSource != "TokenGeneration_ClientCredentials" || evs[0].CallerContext.ClientID != aws.ToString(m2m.ClientId) ||
		!slices.Equal(evs[0].Request.Scopes, []string{m2mAPI + "/read"}) || evs[0].Request.ClientMetadata["tenant"] != "acme" {
		t.Errorf("client_credentials: events %+v", evs)
	}
	if c := claims(t, m.AccessToken); c["source"] != "TokenGeneration_ClientCredentials" || c["scope"] != m2mAPI+"/read" {
		t.Errorf("client_credentials token = %v", c)
	}
	// aws_client_metadata that is no JSON object of strings.
	cc.EndpointParams = url.Values{"aws_client_metadata": {`{"n":1}`}}
	if _, err := cc.Token(ctx); err == nil || !strings.Contains(err.Error(), "invalid_request") {
		t.Errorf("malformed aws_client_metadata: %v", err)
	}
}
