package userpool

import (
	"context"
	"crypto/subtle"
	"errors"
	"slices"
	"strconv"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file is client secret rotation (Add/Delete/ListUserPoolClientSecrets)
// and the checks that accept any of a client's secrets: SECRET_HASH in the
// API, the ClientSecret of GetTokensFromRefreshToken and RevokeToken, and
// (through server/oauthsite.go) the token endpoint.
//
// A client made with a secret has one secret, whose descriptor is derived
// from the client (ID <clientId>--<creation time>); the first rotation
// stores the list (storage.Client.Secrets), and Secret stays the value of
// its first member, the one DescribeUserPoolClient shows.

// MaxClientSecrets is how many secrets a client may have at once ("up to 2
// active secrets per app client", the model's documentation).
const MaxClientSecrets = 2

// SecretList returns every secret of the client, oldest first; nil for a
// client without a secret.
func (c *Client) SecretList() []storage.ClientSecret { return clientSecrets(c.Client) }

// clientSecrets is the secret list of c, derived for a client whose secret
// was never rotated.
func clientSecrets(c storage.Client) []storage.ClientSecret {
	if len(c.Secrets) > 0 {
		return slices.Clone(c.Secrets)
	}
	if c.Secret == "" {
		return nil
	}
	return []storage.ClientSecret{{ID: clientSecretID(c.ID, c.CreatedAt.UnixMilli()), Value: c.Secret, CreatedAt: c.CreatedAt}}
}

// clientSecretID is a secret's ID: "<client-id>--<epoch-create-time>" (the
// model). UNCONFIRMED: the unit of the time; milliseconds here, so two
// secrets made in one second differ.
func clientSecretID(clientID string, ms int64) string {
	return clientID + "--" + strconv.FormatInt(ms, 10)
}

// CheckSecret reports whether secret is one of the client's secrets,
// comparing it with every one in constant time. A client without a secret
// accepts anything (callers check that a public client sent none where it
// matters).
func (c *Client) CheckSecret(secret string) bool {
	list := c.SecretList()
	if len(list) == 0 {
		return true
	}
	ok := 0
	for _, s := range list {
		ok |= subtle.ConstantTimeCompare([]byte(s.Value), []byte(secret))
	}
	return ok == 1
}

// SecretValues returns the values of every secret of the client.
func (c *Client) SecretValues() []string {
	var out []string
	for _, s := range c.SecretList() {
		out = append(out, s.Value)
	}
	return out
}

// checkSecretHash reports whether secretHash is the SECRET_HASH of
// username under any of the client's secrets, checking every one.
func (c *Client) checkSecretHash(username, hash string) bool {
	ok := 0
	for _, s := range c.SecretList() {
		ok |= subtle.ConstantTimeCompare([]byte(secretHash(s.Value, username, c.ID)), []byte(hash))
	}
	return ok == 1
}

// Errors of secret rotation. UNCONFIRMED: AWS's wording of each.
var (
	errSecretOnPublicClient = fault.New(fault.InvalidParameter, "Client secrets can only be added to an app client that has a client secret.")
	errLastClientSecret     = fault.New(fault.InvalidParameter, "The last client secret of an app client cannot be deleted.")
	errClientSecretExists   = fault.New(fault.InvalidParameter, "The app client already has this client secret.")
	errTooManyClientSecrets = fault.Errorf(fault.LimitExceeded, "An app client can have at most %d client secrets.", MaxClientSecrets)
)

func clientSecretNotFound(id string) error {
	return fault.Errorf(fault.ResourceNotFound, "Client secret %s does not exist.", id) // UNCONFIRMED wording
}

// AddClientSecret gives a confidential client one more secret: value, or a
// generated one when value is "". generated says which, since the answer
// shows the value only of a generated secret.
func (s *Service) AddClientSecret(ctx context.Context, poolID, clientID, value string) (sec storage.ClientSecret, generated bool, err error) {
	if _, _, err := s.PoolClient(ctx, poolID, clientID); err != nil {
		return storage.ClientSecret{}, false, err
	}
	if value == "" {
		if value, err = NewClientSecret(s.rand()); err != nil {
			return storage.ClientSecret{}, false, err
		}
		generated = true
	}
	now := s.now()
	_, err = s.Clients.UpdateClient(ctx, clientID, func(c *storage.Client) error {
		list := clientSecrets(*c)
		switch {
		case len(list) == 0:
			return errSecretOnPublicClient
		case len(list) >= MaxClientSecrets:
			return errTooManyClientSecrets
		}
		ms := now.UnixMilli()
		for _, old := range list {
			if subtle.ConstantTimeCompare([]byte(old.Value), []byte(value)) == 1 {
				return errClientSecretExists
			}
			// IDs stay unique when two secrets share a millisecond.
			if old.ID == clientSecretID(c.ID, ms) {
				ms++
			}
		}
		sec = storage.ClientSecret{ID: clientSecretID(c.ID, ms), Value: value, CreatedAt: now}
		c.Secrets = append(list, sec)
		c.Secret = c.Secrets[0].Value
		c.UpdatedAt = now
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return storage.ClientSecret{}, false, ClientNotFound(clientID)
	}
	if err != nil {
		return storage.ClientSecret{}, false, err
	}
	return sec, generated, nil
}

// DeleteClientSecret removes one secret of a client; the last one stays.
func (s *Service) DeleteClientSecret(ctx context.Context, poolID, clientID, secretID string) error {
	if _, _, err := s.PoolClient(ctx, poolID, clientID); err != nil {
		return err
	}
	_, err := s.Clients.UpdateClient(ctx, clientID, func(c *storage.Client) error {
		list := clientSecrets(*c)
		i := slices.IndexFunc(list, func(s storage.ClientSecret) bool { return s.ID == secretID })
		switch {
		case i < 0:
			return clientSecretNotFound(secretID)
		case len(list) == 1:
			return errLastClientSecret
		}
		c.Secrets = slices.Delete(list, i, i+1)
		c.Secret = c.Secrets[0].Value
		c.UpdatedAt = s.now()
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return ClientNotFound(clientID)
	}
	return err
}

// ClientSecrets returns the secrets of a client, oldest first (none for a
// public client).
func (s *Service) ClientSecrets(ctx context.Context, poolID, clientID string) ([]storage.ClientSecret, error) {
	_, c, err := s.PoolClient(ctx, poolID, clientID)
	if err != nil {
		return nil, err
	}
	return c.SecretList(), nil
}
