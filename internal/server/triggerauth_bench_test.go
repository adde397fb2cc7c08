package server_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// BenchmarkSignInPreTokenTrigger measures what a PreTokenGeneration trigger
// costs a sign-in through the whole server, besides the function's own
// time: the same sign-in without a trigger ("none") and with a V2_0
// function on an in-process Lambda Invoke endpoint that answers at once
// ("V2_0": event, SigV4-signed Invoke over loopback, decoding, the claims
// edited and the tokens re-encoded). The difference between the two is the
// server's overhead; the target is at most 1 ms. Two sign-ins:
// USER_PASSWORD_AUTH (a password hash each; --password-hashing fast) and
// REFRESH_TOKEN_AUTH (no hash, so the trigger's share shows best).
func BenchmarkSignInPreTokenTrigger(b *testing.B) {
	for _, tc := range []struct {
		name string
		lc   *types.LambdaConfigType
	}{
		{"none", nil},
		{"V2_0", &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
			LambdaArn: aws.String(fnARN("pretoken")), LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20}}},
	} {
		e := newAuthEnv(b, tc.lc, nil)
		handle(b, e.lt, "pretoken", nil, func(ev events.CognitoEventUserPoolsPreTokenGenV2_0) (events.CognitoEventUserPoolsPreTokenGenV2_0, error) {
			ev.Response.ClaimsAndScopeOverrideDetails.AccessTokenGeneration.ClaimsToAddOrOverride = map[string]any{"tenant": "acme"}
			ev.Response.ClaimsAndScopeOverrideDetails.IDTokenGeneration.ClaimsToAddOrOverride = map[string]any{"tenant": "acme"}
			return ev, nil
		})
		e.addUser("bench")
		first, err := e.password("bench", userPassword, nil)
		if err != nil {
			b.Fatal(err)
		}
		check := func(r *types.AuthenticationResultType) {
			if tc.lc != nil && !strings.Contains(jwtPayload(aws.ToString(r.IdToken)), `"tenant":"acme"`) {
				b.Fatal("the trigger's claim is missing")
			}
		}
		b.Run("password/"+tc.name, func(b *testing.B) {
			for b.Loop() {
				out, err := e.password("bench", userPassword, nil)
				if err != nil {
					b.Fatal(err)
				}
				check(out.AuthenticationResult)
			}
		})
		b.Run("refresh/"+tc.name, func(b *testing.B) {
			in := &cip.InitiateAuthInput{ClientId: aws.String(e.client), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
				AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(first.AuthenticationResult.RefreshToken)}}
			for b.Loop() {
				out, err := e.Anonymous.InitiateAuth(ctx, in)
				if err != nil {
					b.Fatal(err)
				}
				check(out.AuthenticationResult)
			}
		})
	}
}

// jwtPayload is a JWT's decoded payload ("" when it is not a JWT).
func jwtPayload(jwt string) string {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return ""
	}
	p, _ := base64.RawURLEncoding.DecodeString(parts[1])
	return string(p)
}
