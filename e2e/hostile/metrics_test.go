package hostile

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/server/servertest"
)

// /metrics exposure: by default only a loopback peer reads the metrics;
// --metrics admin asks for an admin signature, open serves everyone, off
// serves nothing.
func TestMetricsExposure(t *testing.T) {
	// fromRemote serves a GET /metrics whose peer is a public address
	// straight to the server's handler (a listener on loopback cannot get
	// such a peer otherwise).
	fromRemote := func(env *servertest.Env, sign bool) answer {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, env.URL+"/metrics", nil)
		req.RemoteAddr = "203.0.113.7:40000"
		if sign {
			req = signer{}.sign(t, req, nil)
		}
		rec := httptest.NewRecorder()
		env.Server.Handler.ServeHTTP(rec, req)
		return readAnswer(t, rec.Result())
	}
	local := func(env *servertest.Env, sign bool) answer {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/metrics", nil)
		if sign {
			req = signer{}.sign(t, req, nil)
		}
		return do(t, req)
	}
	served := func(t *testing.T, a answer) {
		t.Helper()
		a.want(t, 200, "", "")
		if !strings.Contains(string(a.Body), "userpoold_requests_total") {
			t.Fatalf("no metrics in %.200q", a.Body)
		}
	}
	metrics := func(mode string) servertest.Option {
		return func(c *config.Config) { c.Metrics = mode }
	}

	t.Run("default: loopback only", func(t *testing.T) {
		env := servertest.New(t)
		env.CreatePool(nil) // one request counted
		served(t, local(env, false))
		fromRemote(env, false).want(t, 403, "AccessDeniedException", "Metrics are served to loopback addresses only (see --metrics).")
		// A signature does not open them to other addresses either.
		fromRemote(env, true).want(t, 403, "AccessDeniedException", "")
	})
	t.Run("admin", func(t *testing.T) {
		env := servertest.New(t, metrics("admin"))
		env.CreatePool(nil)
		local(env, false).want(t, 403, "MissingAuthenticationTokenException", "Missing Authentication Token")
		fromRemote(env, false).want(t, 403, "MissingAuthenticationTokenException", "")
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/metrics", nil)
		do(t, signer{secret: "guessed"}.sign(t, req, nil)).want(t, 403, "InvalidSignatureException", "")
		served(t, local(env, true))
		served(t, fromRemote(env, true))
	})
	t.Run("open", func(t *testing.T) {
		env := servertest.New(t, metrics("open"))
		env.CreatePool(nil)
		served(t, fromRemote(env, false))
	})
	t.Run("off", func(t *testing.T) {
		env := servertest.New(t, metrics("off"))
		if a := local(env, false); a.Status != 404 {
			t.Fatalf("GET /metrics with metrics off: %d %.200q", a.Status, a.Body)
		}
	})
}
