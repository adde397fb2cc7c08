package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/userpoold/userpoold/internal/passkey"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file is a user's passkeys (issue 10; spec cognito-user-auth.md §6):
// StartWebAuthnRegistration, CompleteWebAuthnRegistration,
// ListWebAuthnCredentials and DeleteWebAuthnCredential, and the
// RelyingParty sign-in (authflow's WEB_AUTHN challenge) verifies against.
// The ceremonies are package passkey's; this file keeps the pending
// registration challenge (sealed with the user's secrets, one per user) and
// the credential list (storage.User.Passkeys) and changes both atomically.

// RelyingParty returns the pool's passkey relying party: its RP ID (spec
// §12.2: WebAuthnConfiguration.RelyingPartyId, else the pool's custom
// domain, else its prefix domain's host, else
// WebAuthnConfigurationMissingException), its UserVerification, the
// server's extra origins (PasskeyOrigins), this service's clock and
// randomness.
func (s *Service) RelyingParty(ctx context.Context, p *Pool) (*passkey.RelyingParty, error) {
	w := p.Settings.WebAuthnConfiguration
	var configured, uv string
	if w != nil {
		configured, uv = str(w.RelyingPartyId), str(w.UserVerification)
	}
	var custom, prefixHost string
	if configured == "" && s.Domains != nil {
		prefix, c, err := s.PoolDomains(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		custom = c
		if prefix != "" && s.OAuth != nil {
			prefixHost = s.OAuth.PrefixHost(prefix, s.Region)
		}
	}
	// UNCONFIRMED (spec §13.14): which of the two domains AWS takes.
	id, err := passkey.ResolveRPID(configured, custom, prefixHost)
	if err != nil {
		return nil, err
	}
	return &passkey.RelyingParty{
		ID:               id,
		UserVerification: passkey.ParseUserVerification(uv),
		ExtraOrigins:     s.PasskeyOrigins,
		Now:              s.now,
		Rand:             s.rand(),
	}, nil
}

// PasskeysEnabled returns WebAuthnNotEnabledException unless the pool offers
// passkeys as a first factor (WEB_AUTHN in the tier-filtered
// AllowedFirstAuthFactors) or as MFA (passkey.CheckEnabled; the condition
// is UNCONFIRMED, spec §13.15).
func PasskeysEnabled(p *Pool) error {
	var first []string
	for _, f := range p.Settings.FirstAuthFactors() {
		first = append(first, string(f))
	}
	factor := ""
	if p.Settings.MFA().WebAuthn {
		factor = passkey.MultiFactorWithUserVerification
	}
	return passkey.CheckEnabled(first, factor)
}

// PasskeyUser is the WebAuthn account of u: its sub is the user handle.
func PasskeyUser(u storage.User) passkey.User {
	return passkey.User{Sub: u.Sub, Username: u.Username}
}

// Passkeys returns u's stored credentials as package passkey's values.
func Passkeys(u storage.User) []passkey.Credential {
	out := make([]passkey.Credential, len(u.Passkeys))
	for i, c := range u.Passkeys {
		out[i] = passkey.Credential(c)
	}
	return out
}

// storedPasskeys converts credentials back to the stored form.
func storedPasskeys(creds []passkey.Credential) []storage.Passkey {
	if len(creds) == 0 {
		return nil
	}
	out := make([]storage.Passkey, len(creds))
	for i, c := range creds {
		out[i] = storage.Passkey(c)
	}
	return out
}

// StartPasskeyRegistration is StartWebAuthnRegistration for u, signed in
// with an access token of clientID: it checks that the pool offers
// passkeys and has an RP ID, and returns the CredentialCreationOptions. The
// challenge becomes the user's one pending registration (a new Start
// replaces an older one), bound to clientID.
func (s *Service) StartPasskeyRegistration(ctx context.Context, p *Pool, u storage.User, clientID string) (passkey.CreationOptions, error) {
	if err := PasskeysEnabled(p); err != nil {
		return passkey.CreationOptions{}, err
	}
	rp, err := s.RelyingParty(ctx, p)
	if err != nil {
		return passkey.CreationOptions{}, err
	}
	opts, ch, err := rp.BeginRegistration(PasskeyUser(u), Passkeys(u), clientID)
	if err != nil {
		return passkey.CreationOptions{}, err
	}
	doc, err := json.Marshal(ch)
	if err != nil {
		return passkey.CreationOptions{}, err
	}
	if _, err := s.updateSameUser(ctx, p, u, func(cur *storage.User) error {
		cur.Secrets.PasskeyChallenge = doc
		return nil
	}); err != nil {
		return passkey.CreationOptions{}, err
	}
	return opts, nil
}

// CompletePasskeyRegistration is CompleteWebAuthnRegistration: it takes
// the user's pending challenge (single use: it is removed in the same
// atomic update that reads it, so two concurrent answers cannot both
// verify), verifies credential (a RegistrationResponseJSON document) with
// package passkey, and adds the passkey (the cap and duplicate IDs are
// checked again inside the update that writes it).
func (s *Service) CompletePasskeyRegistration(ctx context.Context, p *Pool, u storage.User, clientID string, credential []byte) error {
	if err := PasskeysEnabled(p); err != nil {
		return err
	}
	rp, err := s.RelyingParty(ctx, p)
	if err != nil {
		return err
	}
	now := s.now()
	var taken passkey.Challenge
	cur, err := s.updateSameUser(ctx, p, u, func(cur *storage.User) error {
		var ch passkey.Challenge
		if len(cur.Secrets.PasskeyChallenge) == 0 || json.Unmarshal(cur.Secrets.PasskeyChallenge, &ch) != nil {
			return passkey.ErrChallengeNotFound
		}
		cur.Secrets.PasskeyChallenge = nil
		var err error
		taken, err = ch.Take(now)
		// An expired challenge is removed all the same.
		if err != nil {
			taken = passkey.Challenge{}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(taken.Value) == 0 {
		return passkey.ErrChallengeNotFound
	}
	cred, err := rp.FinishRegistration(taken, PasskeyUser(cur), Passkeys(cur), clientID, credential)
	if err != nil {
		return err
	}
	_, err = s.updatePasskeys(ctx, p, cur, true, func(creds []passkey.Credential) ([]passkey.Credential, error) {
		return passkey.AddCredential(creds, cred)
	})
	return err
}

// ListPasskeys is ListWebAuthnCredentials: one page of u's passkeys
// (passkey.Page: ordered by creation, NextToken the last CredentialId).
func (s *Service) ListPasskeys(u storage.User, nextToken string, maxResults int) ([]passkey.Credential, string, error) {
	return passkey.Page(Passkeys(u), nextToken, maxResults)
}

// DeletePasskey is DeleteWebAuthnCredential: it removes the passkey named
// by credentialID (ResourceNotFoundException when u has none of that ID).
func (s *Service) DeletePasskey(ctx context.Context, p *Pool, u storage.User, credentialID string) error {
	_, err := s.updatePasskeys(ctx, p, u, true, func(creds []passkey.Credential) ([]passkey.Credential, error) {
		return passkey.RemoveCredential(creds, credentialID)
	})
	return err
}

// ApplyPasskeyAssertion records a verified WEB_AUTHN assertion on the
// stored credential it names (new sign count, backup state, last use),
// re-checking the counter against the value stored at that moment
// (passkey.Credential.Apply), so that of two assertions verified
// concurrently with one counter only one is accepted.
func (s *Service) ApplyPasskeyAssertion(ctx context.Context, p *Pool, u storage.User, a passkey.Assertion) (storage.User, error) {
	return s.updatePasskeys(ctx, p, u, false, func(creds []passkey.Credential) ([]passkey.Credential, error) {
		i := slices.IndexFunc(creds, func(c passkey.Credential) bool { return string(c.ID) == string(a.CredentialID) })
		if i < 0 {
			return nil, passkey.ErrAssertionFailed // deleted meanwhile
		}
		c, err := creds[i].Apply(a)
		if err != nil {
			return nil, err
		}
		creds[i] = c
		return creds, nil
	})
}

// updatePasskeys replaces u's passkeys by what fn makes of them, atomically
// (fn may run more than once); touch also sets UpdatedAt (a change of the
// user's passkey list, not a sign-in).
func (s *Service) updatePasskeys(ctx context.Context, p *Pool, u storage.User, touch bool, fn func([]passkey.Credential) ([]passkey.Credential, error)) (storage.User, error) {
	now := s.now()
	return s.updateSameUser(ctx, p, u, func(cur *storage.User) error {
		creds, err := fn(Passkeys(*cur))
		if err != nil {
			return err
		}
		cur.Passkeys = storedPasskeys(creds)
		if touch {
			cur.UpdatedAt = now
		}
		return nil
	})
}

// updateSameUser runs fn on u's record atomically, refusing a user deleted
// and re-created under the same name meanwhile (UserNotFoundException).
func (s *Service) updateSameUser(ctx context.Context, p *Pool, u storage.User, fn func(*storage.User) error) (storage.User, error) {
	out, err := s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(cur *storage.User) error {
		if cur.Sub != u.Sub {
			return ErrUserNotFound
		}
		return fn(cur)
	})
	if errors.Is(err, storage.ErrNotFound) {
		return out, ErrUserNotFound
	}
	return out, err
}
