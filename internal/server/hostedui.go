package server

import (
	"context"
	"maps"
	"slices"

	"github.com/userpoold/userpoold/internal/authflow"
	"github.com/userpoold/userpoold/internal/hostedui"
	"github.com/userpoold/userpoold/internal/oauth"
	"github.com/userpoold/userpoold/internal/risk"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// pageAccounts signs users in and runs their account operations for the
// hosted pages (hostedui.Authenticator). Each method is the API operation
// of the same name (apiserver builds the same authflow and userpool
// calls), except that the sign-in is authflow.FlowHostedPassword and that
// the server computes the SECRET_HASH of clients with a secret itself: a
// rule of sign-in or of the account lifecycle lives in one place.
type pageAccounts struct {
	auth  *authflow.Service
	pools *userpool.Service
}

// riskContext is the threat-protection context of a page request: the
// browser's address and User-Agent, and the form's cognitoAsfData.
func riskContext(c hostedui.Client) risk.Context {
	return risk.Context{IP: c.IP, UserAgent: c.UserAgent, EncodedData: c.ASFData}
}

// step turns a sign-in result into the pages' Step.
func step(poolID string, r *authflow.Result) hostedui.Step {
	if r.SignedIn != nil {
		return hostedui.Step{User: &oauth.Subject{PoolID: poolID, Username: r.SignedIn.Username, Sub: r.SignedIn.Sub, AuthTime: r.SignedIn.AuthTime}}
	}
	return hostedui.Step{Challenge: string(r.Challenge), Parameters: r.Parameters, Session: r.Session}
}

func (a pageAccounts) SignIn(ctx context.Context, in hostedui.SignIn) (hostedui.Step, error) {
	r, err := a.auth.InitiateAuth(ctx, authflow.Initiate{
		ClientID: in.ClientID,
		Flow:     authflow.FlowHostedPassword,
		Params:   map[string]string{"USERNAME": in.Username, "PASSWORD": in.Password},
		Context:  riskContext(in.Client),
	})
	if err != nil {
		return hostedui.Step{}, err
	}
	return step(in.PoolID, r), nil
}

func (a pageAccounts) Respond(ctx context.Context, in hostedui.Respond) (hostedui.Step, error) {
	r, err := a.auth.RespondToAuthChallenge(ctx, authflow.Respond{
		Hosted:    true,
		ClientID:  in.ClientID,
		Challenge: authflow.ChallengeName(in.Challenge),
		Session:   in.Session,
		Responses: in.Responses,
		Context:   riskContext(in.Client),
	})
	if err != nil {
		return hostedui.Step{}, err
	}
	return step(in.PoolID, r), nil
}

func (a pageAccounts) AssociateSoftwareToken(ctx context.Context, session string) (string, string, error) {
	return a.auth.AssociateSoftwareToken(ctx, session)
}

func (a pageAccounts) VerifySoftwareToken(ctx context.Context, session, code, deviceName string) (string, error) {
	return a.auth.VerifySoftwareToken(ctx, session, code, deviceName)
}

func pageDelivery(d userpool.CodeDelivery) hostedui.Delivery {
	return hostedui.Delivery{Medium: d.DeliveryMedium, Destination: d.Destination}
}

func (a pageAccounts) SignUp(ctx context.Context, in hostedui.SignUp) (hostedui.SignUpResult, error) {
	p, c, err := a.pools.ClientPool(ctx, in.ClientID)
	if err != nil {
		return hostedui.SignUpResult{}, err
	}
	var attrs []storage.Attribute
	for _, name := range slices.Sorted(maps.Keys(in.Attributes)) {
		attrs = append(attrs, storage.Attribute{Name: name, Value: in.Attributes[name]})
	}
	res, err := a.pools.SignUp(ctx, p, c, userpool.SignUpInput{Username: in.Username, Password: in.Password, SecretHash: c.SecretHash(in.Username), Attributes: attrs})
	if err != nil {
		return hostedui.SignUpResult{}, err
	}
	out := hostedui.SignUpResult{Confirmed: res.Confirmed}
	if res.Delivery != nil {
		out.Delivery = pageDelivery(*res.Delivery)
	}
	return out, nil
}

func (a pageAccounts) ConfirmSignUp(ctx context.Context, clientID, username, code string) error {
	p, c, err := a.pools.ClientPool(ctx, clientID)
	if err != nil {
		return err
	}
	return a.pools.ConfirmSignUp(ctx, p, c, username, c.SecretHash(username), code, false)
}

func (a pageAccounts) ResendConfirmationCode(ctx context.Context, clientID, username string) (hostedui.Delivery, error) {
	p, c, err := a.pools.ClientPool(ctx, clientID)
	if err != nil {
		return hostedui.Delivery{}, err
	}
	d, err := a.pools.ResendConfirmationCode(ctx, p, c, username, c.SecretHash(username))
	return pageDelivery(d), err
}

func (a pageAccounts) ForgotPassword(ctx context.Context, clientID, username string) (hostedui.Delivery, error) {
	p, c, err := a.pools.ClientPool(ctx, clientID)
	if err != nil {
		return hostedui.Delivery{}, err
	}
	d, err := a.pools.ForgotPassword(ctx, p, c, username, c.SecretHash(username))
	return pageDelivery(d), err
}

func (a pageAccounts) ConfirmForgotPassword(ctx context.Context, clientID, username, code, password string) error {
	p, c, err := a.pools.ClientPool(ctx, clientID)
	if err != nil {
		return err
	}
	return a.pools.ConfirmForgotPassword(ctx, p, c, username, c.SecretHash(username), code, password)
}
