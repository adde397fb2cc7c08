package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file loads what requests name: pools, app clients (with the
// SECRET_HASH check) and users by any name they sign in with.

// LoadPool returns the pool with the given ID.
func (s *Service) LoadPool(ctx context.Context, id string) (*Pool, error) {
	p, err := s.Pools.GetPool(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, PoolNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	st, err := s.decoded.pool(p)
	if err != nil {
		return nil, err
	}
	return &Pool{Pool: p, Settings: st}, nil
}

// LoadClient returns the app client with the given ID. If poolID is not
// empty the client must belong to that pool.
func (s *Service) LoadClient(ctx context.Context, poolID, clientID string) (*Client, error) {
	c, err := s.Clients.GetClient(ctx, clientID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && poolID != "" && c.PoolID != poolID) {
		return nil, ClientNotFound(clientID)
	}
	if err != nil {
		return nil, err
	}
	cs, err := s.decoded.client(c)
	if err != nil {
		return nil, err
	}
	return &Client{Client: c, Settings: cs}, nil
}

// CheckSecretHash verifies SECRET_HASH = Base64(HMAC-SHA256(secret,
// username+clientID)) for clients that have a secret, under any of their
// secrets (rotation keeps two valid at once); clients without one ignore
// it.
func (c *Client) CheckSecretHash(username, secretHash string) error {
	if c.Secret == "" {
		return nil
	}
	if secretHash == "" {
		return fault.Errorf(fault.NotAuthorized, "Client %s is configured with secret but SECRET_HASH was not received", c.ID)
	}
	if !c.checkSecretHash(username, secretHash) {
		return fault.Errorf(fault.NotAuthorized, "Unable to verify secret hash for client %s", c.ID)
	}
	return nil
}

// SecretHash is the SECRET_HASH of username for a client with a secret
// (Base64(HMAC-SHA256(secret, username+clientID))); "" for a client
// without one. The server computes it itself where it acts for the user
// (the hosted pages' sign-up and recovery).
func (c *Client) SecretHash(username string) string {
	if c.Secret == "" {
		return ""
	}
	return secretHash(c.Secret, username, c.ID)
}

// secretHash is Base64(HMAC-SHA256(secret, username+clientID)).
func secretHash(secret, username, clientID string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// FindUser resolves name, which may be the username, the sub, or a value of
// an attribute the pool lets users sign in with (a username attribute, or a
// verified alias), to a user. It returns ErrUserNotFound when nothing
// matches.
func (s *Service) FindUser(ctx context.Context, p *Pool, name string) (storage.User, error) {
	if name == "" {
		return storage.User{}, ErrUserNotFound
	}
	u, err := s.Users.GetUser(ctx, p.ID, p.Settings.UsernameKey(name))
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, err
	}
	if uuidRE.MatchString(strings.ToLower(name)) {
		u, err := s.Users.GetUserBySub(ctx, p.ID, strings.ToLower(name))
		if err == nil {
			return u, nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return storage.User{}, err
		}
	}
	for _, attr := range []string{"email", "phone_number", "preferred_username"} {
		if !p.Settings.IsAlias(attr) {
			continue
		}
		users, err := s.Users.FindUsersByAttribute(ctx, p.ID, attr, name)
		if err != nil {
			return storage.User{}, err
		}
		for _, cand := range users {
			v, _ := GetAttribute(cand.Attributes, attr)
			if p.Settings.CaseSensitive() && attr != "email" && v != name {
				continue
			}
			if p.Settings.IsUsernameAttribute(attr) || isVerifiedAlias(cand, attr) {
				return cand, nil
			}
		}
	}
	return storage.User{}, ErrUserNotFound
}

// PoolClient loads pool poolID and one of its app clients, answering
// Cognito's errors for a missing pool (first) or client: what admin
// operations naming a pool and a client start with.
func (s *Service) PoolClient(ctx context.Context, poolID, clientID string) (*Pool, *Client, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.LoadClient(ctx, p.ID, clientID)
	if err != nil {
		return nil, nil, err
	}
	return p, c, nil
}

// ClientPool loads the app client an operation names by client ID alone
// (InitiateAuth, SignUp, ...) and its pool.
func (s *Service) ClientPool(ctx context.Context, clientID string) (*Pool, *Client, error) {
	c, err := s.LoadClient(ctx, "", clientID)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.LoadPool(ctx, c.PoolID)
	if err != nil {
		return nil, nil, err
	}
	return p, c, nil
}

// PoolUser loads a pool and the user name designates in it (username,
// alias or sub; see FindUser): what an operation naming a pool and a user
// starts with.
func (s *Service) PoolUser(ctx context.Context, poolID, name string) (*Pool, storage.User, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return nil, storage.User{}, err
	}
	u, err := s.FindUser(ctx, p, name)
	if err != nil {
		return nil, storage.User{}, err
	}
	return p, u, nil
}

// LoadUser loads the user a token or a sign-in session names: by internal
// username and sub. A user deleted and re-created under the same name is
// another user: ErrUserNotFound, like a missing one.
func (s *Service) LoadUser(ctx context.Context, p *Pool, username, sub string) (storage.User, error) {
	u, err := s.Users.GetUser(ctx, p.ID, p.Settings.UsernameKey(username))
	if errors.Is(err, storage.ErrNotFound) || (err == nil && u.Sub != sub) {
		return storage.User{}, ErrUserNotFound
	}
	return u, err
}

// isVerifiedAlias reports whether attr of u can be used to sign in as an
// alias: email and phone_number only once verified; preferred_username
// always.
func isVerifiedAlias(u storage.User, attr string) bool {
	switch attr {
	case "email":
		v, _ := GetAttribute(u.Attributes, "email_verified")
		return v == "true"
	case "phone_number":
		v, _ := GetAttribute(u.Attributes, "phone_number_verified")
		return v == "true"
	}
	return true
}
