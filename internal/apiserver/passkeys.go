package apiserver

import (
	"context"
	"encoding/json"

	"github.com/userpoold/userpoold/internal/authflow"
	"github.com/userpoold/userpoold/internal/cognitoidp"
)

// This file implements a user's passkeys (spec cognito-user-auth.md §6):
// StartWebAuthnRegistration, CompleteWebAuthnRegistration,
// ListWebAuthnCredentials and DeleteWebAuthnCredential, each authorized by
// an access token (unsigned; IAM is not evaluated) and carried out by
// userpool over internal/passkey.

// StartWebAuthnRegistration returns the CredentialCreationOptions of a new
// passkey for the signed-in user, as a JSON object (a document, not a
// string: §6.1).
func (s *Server) StartWebAuthnRegistration(ctx context.Context, in *cognitoidp.StartWebAuthnRegistrationInput) (*cognitoidp.StartWebAuthnRegistrationOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	opts, err := s.Pools.StartPasskeyRegistration(ctx, who.Pool, who.User, who.Claims.ClientID)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(opts)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.StartWebAuthnRegistrationOutput{CredentialCreationOptions: doc}, nil
}

// CompleteWebAuthnRegistration verifies the RegistrationResponseJSON the
// browser returned for the pending registration and stores the passkey.
func (s *Server) CompleteWebAuthnRegistration(ctx context.Context, in *cognitoidp.CompleteWebAuthnRegistrationInput) (*cognitoidp.CompleteWebAuthnRegistrationOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	if err := s.Pools.CompletePasskeyRegistration(ctx, who.Pool, who.User, who.Claims.ClientID, in.Credential); err != nil {
		return nil, err
	}
	return &cognitoidp.CompleteWebAuthnRegistrationOutput{}, nil
}

// ListWebAuthnCredentials lists one page of the signed-in user's passkeys.
// AuthenticatorTransports is [] when the browser reported none (§6.3);
// CreatedAt is epoch seconds with a fraction, as every timestamp.
func (s *Server) ListWebAuthnCredentials(ctx context.Context, in *cognitoidp.ListWebAuthnCredentialsInput) (*cognitoidp.ListWebAuthnCredentialsOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	page, next, err := s.Pools.ListPasskeys(who.User, str(in.NextToken), int(cognitoidp.ToValue(in.MaxResults)))
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.ListWebAuthnCredentialsOutput{Credentials: []cognitoidp.WebAuthnCredentialDescription{}}
	for _, c := range page {
		d := cognitoidp.WebAuthnCredentialDescription{
			CredentialId:            cognitoidp.String(c.CredentialID()),
			FriendlyCredentialName:  cognitoidp.String(c.FriendlyName),
			RelyingPartyId:          cognitoidp.String(c.RelyingPartyID),
			AuthenticatorTransports: append([]string{}, c.Transports...),
			CreatedAt:               cognitoidp.Time(c.CreatedAt),
		}
		if c.Attachment != "" {
			d.AuthenticatorAttachment = cognitoidp.String(c.Attachment)
		}
		out.Credentials = append(out.Credentials, d)
	}
	if next != "" {
		out.NextToken = cognitoidp.String(next)
	}
	return out, nil
}

// DeleteWebAuthnCredential deletes one of the signed-in user's passkeys.
func (s *Server) DeleteWebAuthnCredential(ctx context.Context, in *cognitoidp.DeleteWebAuthnCredentialInput) (*cognitoidp.DeleteWebAuthnCredentialOutput, error) {
	who, err := s.Auth.Authorize(ctx, str(in.AccessToken), authflow.ActiveUser)
	if err != nil {
		return nil, err
	}
	if err := s.Pools.DeletePasskey(ctx, who.Pool, who.User, str(in.CredentialId)); err != nil {
		return nil, err
	}
	return &cognitoidp.DeleteWebAuthnCredentialOutput{}, nil
}
