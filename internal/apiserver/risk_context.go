package apiserver

import (
	"context"
	"strings"

	"github.com/userpoold/userpoold/internal/awsjson"
	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/risk"
)

// requestIP is the source address of the HTTP request ctx belongs to, ""
// when unknown.
func requestIP(ctx context.Context) string {
	if ip := risk.ParseIP(awsjson.Info(ctx).RemoteAddr); ip.IsValid() {
		return ip.String()
	}
	return ""
}

// userContext is the threat-protection context of an unsigned sign-in
// request: the request's source address and User-Agent, and
// UserContextData's EncodedData. UserContextData's IpAddress replaces the
// source address only for app clients with
// EnablePropagateAdditionalUserContextData (which Cognito allows only with a
// client secret): from anyone else it is an unauthenticated claim that could
// dodge blocked IP ranges or claim a skipped one.
func (s *Server) userContext(ctx context.Context, clientID string, in *cognitoidp.UserContextDataType) risk.Context {
	c := risk.Context{IP: requestIP(ctx), UserAgent: awsjson.Info(ctx).Header.Get("User-Agent")}
	if in == nil {
		return c
	}
	c.EncodedData = str(in.EncodedData)
	if ip := str(in.IpAddress); ip != "" {
		if cl, err := s.Pools.LoadClient(ctx, "", clientID); err == nil && cl.Secret != "" && cl.Settings.PropagatesUserContext() {
			c.IP = ip
		}
	}
	return c
}

// adminContext is the threat-protection context of an admin sign-in
// request: ContextData's IpAddress, EncodedData and User-Agent header (the
// end user's, forwarded by the back end), else the request's own.
func adminContext(ctx context.Context, in *cognitoidp.ContextDataType) risk.Context {
	c := risk.Context{IP: requestIP(ctx), UserAgent: awsjson.Info(ctx).Header.Get("User-Agent")}
	if in == nil {
		return c
	}
	if ip := str(in.IpAddress); ip != "" {
		c.IP = ip
	}
	c.EncodedData = str(in.EncodedData)
	for _, h := range in.HttpHeaders {
		if strings.EqualFold(str(h.HeaderName), "User-Agent") {
			c.UserAgent = str(h.HeaderValue)
		}
	}
	return c
}
