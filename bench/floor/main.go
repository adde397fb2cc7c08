// Command floor is the benchmarks' do-nothing server: it speaks AWS JSON
// 1.1 on `POST /` like the Cognito user pools endpoint and answers every
// operation of the service model with a canned, well-formed response, so
// that aws-sdk-go-v2 (or any SDK) decodes it as it would decode AWS's
// answer, but it does no work: no signature, token or input check, no
// storage, no JSON decoding. What a client measures against it is what
// HTTP, JSON and the client itself cost on the machine, which no server can
// beat; bench/compare.sh reports userpoold and other servers as a fraction
// of it.
//
// The responses of the operations the benchmarks call (CreateUserPool,
// CreateUserPoolClient, AdminCreateUser, InitiateAuth, GetUser,
// AdminGetUser, ...) carry the members and about the size of userpoold's
// real answers to the benchmarks' requests (RS256-sized tokens for a
// sign-in, a user with three attributes), so that the client decodes as
// much as it would from userpoold; every other operation answers `{}`, which every output shape
// accepts. An X-Amz-Target that names no operation of the model is
// answered with UnknownOperationException, and `GET /health` with 200, so
// that scripts can wait for the floor as they wait for userpoold.
//
//	go run ./bench/floor -addr 127.0.0.1:9330
package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/userpoold/userpoold/internal/cognitoidp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9330", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "floor listening on", ln.Addr())
	// The same timeouts as userpoold's server.
	hs := &http.Server{
		Handler:           newHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	if err := hs.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

// targetPrefix is the X-Amz-Target prefix of the Cognito user pools API.
const targetPrefix = "AWSCognitoIdentityProviderService."

// handler answers from canned bodies rendered once, at start.
type handler struct {
	canned  map[string][]byte // operation name → response body
	empty   []byte            // the answer of every other operation
	counter atomic.Uint64     // numbers the request IDs
}

func newHandler() *handler {
	h := &handler{canned: map[string][]byte{}, empty: []byte("{}")}
	for op, v := range cannedResponses() {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		h.canned[op] = b
	}
	return h
}

// ServeHTTP implements http.Handler. Besides answering it only reads the
// request body to its end, which HTTP/1.1 needs to reuse the connection.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/health" {
		io.WriteString(w, "ok\n")
		return
	}
	io.Copy(io.Discard, r.Body)
	hdr := w.Header()
	hdr["Content-Type"] = []string{"application/x-amz-json-1.1"}
	// A request ID of AWS's form (a UUID) without the cost of random bytes.
	hdr["X-Amzn-Requestid"] = []string{fmt.Sprintf("00000000-0000-4000-8000-%012x", h.counter.Add(1))}
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, targetPrefix)
	if ok {
		_, ok = cognitoidp.Lookup(name)
	}
	if r.Method != http.MethodPost || !ok {
		hdr["X-Amzn-Errortype"] = []string{"UnknownOperationException:"}
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"UnknownOperationException","message":%s}`, strconv.Quote("Operation "+strconv.Quote(target)+" is not supported by this service."))
		return
	}
	body, ok := h.canned[name]
	if !ok {
		body = h.empty
	}
	hdr["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.Write(body)
}

// Canned identifiers, shaped like AWS's.
const (
	poolID    = "us-east-1_FLOOR0000"
	clientID  = "3n4b5urk1ft4fl3mg5e62d9ado"
	sub       = "94f8b4a8-30c1-70e8-0c5c-8e8a3ec0f3c4"
	username  = "user0000"
	createdAt = 1764108000.125 // epoch seconds, as the AWS JSON protocol sends timestamps
)

// cannedResponses returns the answers of the operations the benchmarks
// call, as values that encoding/json renders into AWS's wire shapes.
func cannedResponses() map[string]any {
	type attr struct{ Name, Value string }
	// The benchmarks' users: one with a phone number and SMS MFA (the
	// token scenarios), new ones with a verified email address.
	attrs := []attr{{"sub", sub}, {"phone_number", "+12065550100"}, {"email", "user0000@example.com"}}
	mfa := map[string]any{"UserMFASettingList": []string{"SMS_MFA"}, "PreferredMfaSetting": "SMS_MFA"}
	newAttrs := []attr{{"sub", sub}, {"email", "user0000@example.com"}, {"email_verified", "true"}}
	user := map[string]any{"Username": username, "Attributes": newAttrs, "UserCreateDate": createdAt,
		"UserLastModifiedDate": createdAt, "Enabled": true, "UserStatus": "FORCE_CHANGE_PASSWORD"}
	withMFA := func(m map[string]any) map[string]any {
		for k, v := range mfa {
			m[k] = v
		}
		return m
	}
	tokens := map[string]any{"AccessToken": jwt(accessClaims), "IdToken": jwt(idClaims), "RefreshToken": refreshToken(),
		"ExpiresIn": 3600, "TokenType": "Bearer"}
	pool := map[string]any{"Id": poolID, "Name": "floor", "Arn": "arn:aws:cognito-idp:us-east-1:000000000000:userpool/" + poolID,
		"CreationDate": createdAt, "LastModifiedDate": createdAt, "MfaConfiguration": "OFF",
		"Policies": map[string]any{"PasswordPolicy": map[string]any{"MinimumLength": 8, "RequireUppercase": true,
			"RequireLowercase": true, "RequireNumbers": true, "RequireSymbols": true, "TemporaryPasswordValidityDays": 7}},
		"AdminCreateUserConfig": map[string]any{"AllowAdminCreateUserOnly": false, "UnusedAccountValidityDays": 7},
		"UserPoolTier":          "ESSENTIALS", "EstimatedNumberOfUsers": 0}
	return map[string]any{
		"CreateUserPool":   map[string]any{"UserPool": pool},
		"DescribeUserPool": map[string]any{"UserPool": pool},
		"CreateUserPoolClient": map[string]any{"UserPoolClient": map[string]any{"UserPoolId": poolID, "ClientId": clientID,
			"ClientName": "floor", "CreationDate": createdAt, "LastModifiedDate": createdAt, "RefreshTokenValidity": 30,
			"ExplicitAuthFlows": []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}},
		"SetUserPoolMfaConfig": map[string]any{"MfaConfiguration": "OPTIONAL",
			"SmsMfaConfiguration": map[string]any{"SmsAuthenticationMessage": "Your code is {####}"}},
		"AdminCreateUser":   map[string]any{"User": user},
		"AdminGetUser":      withMFA(map[string]any{"Username": username, "UserAttributes": attrs, "UserCreateDate": createdAt, "UserLastModifiedDate": createdAt, "Enabled": true, "UserStatus": "CONFIRMED"}),
		"GetUser":           withMFA(map[string]any{"Username": username, "UserAttributes": attrs}),
		"InitiateAuth":      map[string]any{"AuthenticationResult": tokens, "ChallengeParameters": map[string]string{}},
		"AdminInitiateAuth": map[string]any{"AuthenticationResult": tokens, "ChallengeParameters": map[string]string{}},
	}
}

// Claims shaped like Cognito's (and userpoold's) access and ID tokens.
var (
	accessClaims = map[string]any{"sub": sub, "iss": "http://127.0.0.1:9229/" + poolID, "client_id": clientID,
		"origin_jti": "0197b0f4-5b9c-7c3e-9f3a-1f2e3d4c5b6a", "event_id": "0197b0f4-5b9c-7c3e-9f3a-1f2e3d4c5b6b",
		"token_use": "access", "scope": "aws.cognito.signin.user.admin", "auth_time": 1764108000, "exp": 1764111600,
		"iat": 1764108000, "jti": "0197b0f4-5b9c-7c3e-9f3a-1f2e3d4c5b6c", "username": username}
	idClaims = map[string]any{"sub": sub, "iss": "http://127.0.0.1:9229/" + poolID, "aud": clientID,
		"cognito:username": username, "origin_jti": "0197b0f4-5b9c-7c3e-9f3a-1f2e3d4c5b6a",
		"event_id": "0197b0f4-5b9c-7c3e-9f3a-1f2e3d4c5b6b", "token_use": "id", "auth_time": 1764108000,
		"phone_number": "+12065550100", "phone_number_verified": false, "exp": 1764111600, "iat": 1764108000,
		"jti": "0197b0f4-5b9c-7c3e-9f3a-1f2e3d4c5b6d"}
)

// jwt renders claims as a compact JWS of an RS256 token's size (a
// 2048-bit signature). The signature is not a signature: nothing verifies
// tokens against the floor.
func jwt(claims map[string]any) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"kid": "Zmxvb3ItZmxvb3ItZmxvb3ItZmxvb3ItZmxvb3I=", "alg": "RS256"})
	payload, _ := json.Marshal(claims)
	return enc.EncodeToString(header) + "." + enc.EncodeToString(payload) + "." + enc.EncodeToString(make([]byte, 256))
}

// refreshToken is an opaque string of the size of userpoold's refresh
// tokens (about 380 characters; Cognito's, a JWE, are about 1,800).
func refreshToken() string {
	return base64.RawURLEncoding.EncodeToString(make([]byte, 285))
}
