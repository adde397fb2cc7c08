package hostile

import (
	"maps"
	"net/http"
	"testing"
)

// grantedPreflight is what Cognito answers a browser's preflight with
// (besides the echoed Access-Control-Allow-Headers).
var grantedPreflight = map[string]string{
	"Access-Control-Allow-Origin":   "*",
	"Access-Control-Allow-Methods":  "POST",
	"Access-Control-Expose-Headers": "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date",
	"Access-Control-Max-Age":        "172800",
}

// TestBrowsers plays a web page on another origin: it may call the
// user-facing operations and read their answers, as Amplify does, but it
// can neither send nor read an admin call, nor reach /_userpoold.
func TestBrowsers(t *testing.T) {
	e := newUserEnv(t)
	const origin = "https://evil.example"
	preflight := func(path, headers string) answer {
		r, _ := http.NewRequest(http.MethodOptions, e.URL+path, nil)
		r.Header.Set("Origin", origin)
		r.Header.Set("Access-Control-Request-Method", "POST")
		r.Header.Set("Access-Control-Request-Headers", headers)
		return do(t, r)
	}

	t.Run("preflight for a user-facing call", func(t *testing.T) {
		const amplify = "cache-control,content-type,x-amz-target,x-amz-user-agent"
		a := preflight("/", amplify)
		want := maps.Clone(grantedPreflight)
		want["Access-Control-Allow-Headers"] = amplify
		if a.Status != 200 || !maps.Equal(corsHeaders(a.Header), want) || len(a.Body) != 0 {
			t.Errorf("%d %v %q", a.Status, corsHeaders(a.Header), a.Body)
		}
	})
	t.Run("preflight for a signed call", func(t *testing.T) {
		a := preflight("/", "authorization,content-type,x-amz-date,x-amz-target,x-amz-user-agent")
		if a.Status != 200 || len(corsHeaders(a.Header)) != 0 {
			t.Errorf("%d %v", a.Status, corsHeaders(a.Header))
		}
	})
	t.Run("preflight naming an admin operation", func(t *testing.T) {
		r, _ := http.NewRequest(http.MethodOptions, e.URL+"/", nil)
		r.Header.Set("Origin", origin)
		r.Header.Set("Access-Control-Request-Method", "POST")
		r.Header.Set("X-Amz-Target", targetPrefix+"AdminDeleteUser")
		if a := do(t, r); a.Status != 200 || len(corsHeaders(a.Header)) != 0 {
			t.Errorf("%d %v", a.Status, corsHeaders(a.Header))
		}
	})
	for _, path := range []string{"/_userpoold/outbox?userPoolId=" + e.pool, "/_userpoold/rotate-keys?userPoolId=" + e.pool} {
		t.Run("preflight for "+path, func(t *testing.T) {
			if a := preflight(path, "content-type"); a.Status != 405 || len(corsHeaders(a.Header)) != 0 {
				t.Errorf("%d %v", a.Status, corsHeaders(a.Header))
			}
		})
	}

	t.Run("user-facing answers are readable", func(t *testing.T) {
		for _, body := range []string{
			jsonBody(t, map[string]any{"ClientId": e.client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": map[string]string{"USERNAME": "alice", "PASSWORD": e.password}}),
			jsonBody(t, map[string]any{"ClientId": e.client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": map[string]string{"USERNAME": "alice", "PASSWORD": "wrong"}}),
		} {
			r := apiRequest(t, e.Env, "InitiateAuth", []byte(body))
			r.Header.Set("Origin", origin)
			a := do(t, r)
			want := map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": grantedPreflight["Access-Control-Expose-Headers"]}
			if !maps.Equal(corsHeaders(a.Header), want) {
				t.Errorf("%d %s: %v", a.Status, a.Type, corsHeaders(a.Header))
			}
		}
	})
	t.Run("admin answers are not", func(t *testing.T) {
		body := jsonBody(t, map[string]string{"UserPoolId": e.pool, "Username": "alice"})
		for _, signed := range []bool{false, true} {
			r := apiRequest(t, e.Env, "AdminGetUser", []byte(body))
			r.Header.Set("Origin", origin)
			if signed {
				signer{}.sign(t, r, []byte(body))
			}
			a := do(t, r)
			if len(corsHeaders(a.Header)) != 0 {
				t.Errorf("signed %v: %d %v", signed, a.Status, corsHeaders(a.Header))
			}
		}
	})
	t.Run("a simple request names no operation", func(t *testing.T) {
		// Without a preflight a page can POST only simple headers, so no
		// X-Amz-Target: nothing is dispatched, nothing is readable.
		r, _ := http.NewRequest(http.MethodPost, e.URL+"/", nil)
		r.Header.Set("Origin", origin)
		r.Header.Set("Content-Type", "text/plain")
		a := do(t, r)
		a.want(t, 400, "UnknownOperationException", `Operation "" is not supported by this service.`)
		if len(corsHeaders(a.Header)) != 0 {
			t.Errorf("%v", corsHeaders(a.Header))
		}
	})
}
