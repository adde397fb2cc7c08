package oauth

import (
	"context"
	"net/url"
)

// LogoutOutcome is what GET /logout does after clearing the session
// (spec §10). Exactly one field is set.
type LogoutOutcome struct {
	// Location is a registered logout_uri to redirect to (shape 1).
	Location string
	// Login is a valid authorize request to send to the login page with
	// its query (shape 2: client_id, redirect_uri, response_type...).
	Login *AuthorizeRequest
	// Page is an error to show as a page, never redirected.
	Page *Error
}

// ParseLogout decides a /logout request to the domain of pool poolID.
// client_id with a logout_uri registered in LogoutURLs (exact match) is
// shape 1. Anything else falls through to shape 2, an authorize request,
// so an unregistered logout_uri with no redirect_uri shows "Required String
// parameter 'redirect_uri' is not present" as AWS does. OIDC's
// post_logout_redirect_uri and id_token_hint are ignored. The caller
// clears the session cookie whatever the outcome.
func ParseLogout(ctx context.Context, poolID string, q url.Values, clients ClientSource, catalog ScopeCatalog) (LogoutOutcome, error) {
	clientID, _, dup := single(q, "client_id")
	if clientID == "" || dup {
		return LogoutOutcome{Page: errorOf(CodeInvalidRequest, "Required String parameter 'client_id' is not present")}, nil
	}
	client, ok, err := clients.OAuthClient(ctx, clientID)
	if err != nil {
		return LogoutOutcome{}, err
	}
	if !ok || client.PoolID != poolID {
		return LogoutOutcome{Page: errorOf(CodeInvalidRequest, "Client "+clientID+" does not exist.")}, nil
	}
	if uri, _, dup := single(q, "logout_uri"); !dup && MatchURL(client.LogoutURLs, uri) {
		return LogoutOutcome{Location: uri}, nil
	}
	if _, present, _ := single(q, "redirect_uri"); !present {
		return LogoutOutcome{Page: errorOf(CodeInvalidRequest, "Required String parameter 'redirect_uri' is not present")}, nil
	}
	req, aerr, err := ParseAuthorize(ctx, poolID, q, clients, catalog)
	if err != nil {
		return LogoutOutcome{}, err
	}
	if aerr != nil {
		if aerr.RedirectURI == "" {
			return LogoutOutcome{Page: aerr.Error}, nil
		}
		return LogoutOutcome{Location: aerr.Location()}, nil
	}
	return LogoutOutcome{Login: req}, nil
}

// Next is what an authorize request leads to once it is valid.
type Next int

// Next steps of an authorize request.
const (
	// NextLogin shows the login page (302 /login?<same query>).
	NextLogin Next = iota
	// NextComplete issues a code or tokens for the session's user at once.
	NextComplete
	// NextFederate goes to the external IdP named by identity_provider or
	// idp_identifier (federation; not served yet).
	NextFederate
	// NextLoginRequired answers prompt=none without a session with
	// error=login_required (UNCONFIRMED, spec §20.6).
	NextLoginRequired
)

// Decide picks the next step of a valid authorize request. haveSession
// says whether the request carries a session cookie of the pool whose user
// SessionChecker accepted. prompt is honoured only on managed login
// (version 2) domains (spec §19.5): there prompt=login always shows the
// login page and prompt=none never does; elsewhere it is ignored.
func Decide(req *AuthorizeRequest, haveSession bool, managedLoginVersion int) Next {
	if req.IDPIdentifier != "" || (req.IdentityProvider != "" && req.IdentityProvider != ProviderCognito) {
		return NextFederate
	}
	if managedLoginVersion == 2 {
		switch {
		case req.HasPrompt(PromptLogin):
			return NextLogin
		case req.HasPrompt(PromptNone) && !haveSession:
			return NextLoginRequired
		}
	}
	if haveSession {
		return NextComplete
	}
	return NextLogin
}
