package apiserver

import (
	"context"
	"encoding/json"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file converts the app client operations between the wire and
// userpool.Service (userpool/clients.go holds the defaults and rules).

// clientDoc is the stored client document (storage.Client.Config) as the
// wire types read it: the client's settings in the UserPoolClientType
// shape, without identity, secret and dates. userpool.ClientSettings reads
// and writes the same document; TestClientDocumentReaders checks that the
// two agree.
type clientDoc = cognitoidp.UserPoolClientType

func decodeClientDoc(c storage.Client) (*clientDoc, error) {
	d := new(clientDoc)
	if len(c.Config) > 0 {
		if err := json.Unmarshal(c.Config, d); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// describeClient renders a stored client as UserPoolClientType.
func describeClient(c storage.Client) (*cognitoidp.UserPoolClientType, error) {
	d, err := decodeClientDoc(c)
	if err != nil {
		return nil, err
	}
	d.UserPoolId = cognitoidp.String(c.PoolID)
	d.ClientId = cognitoidp.String(c.ID)
	d.ClientName = cognitoidp.String(c.Name)
	if c.Secret != "" {
		d.ClientSecret = cognitoidp.String(c.Secret)
	}
	d.CreationDate = cognitoidp.Time(c.CreatedAt)
	d.LastModifiedDate = cognitoidp.Time(c.UpdatedAt)
	return d, nil
}

// CreateUserPoolClient creates an app client.
func (s *Server) CreateUserPoolClient(ctx context.Context, in *cognitoidp.CreateUserPoolClientInput) (*cognitoidp.CreateUserPoolClientOutput, error) {
	req := userpool.ClientInput{Name: str(in.ClientName), Secret: str(in.ClientSecret), GenerateSecret: cognitoidp.ToValue(in.GenerateSecret)}
	if err := recode(in, &req.Settings); err != nil {
		return nil, err
	}
	c, err := s.Pools.CreateClient(ctx, str(in.UserPoolId), req)
	if err != nil {
		return nil, err
	}
	out, err := describeClient(c.Client)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.CreateUserPoolClientOutput{UserPoolClient: out}, nil
}

// DescribeUserPoolClient returns an app client's settings, secret included.
func (s *Server) DescribeUserPoolClient(ctx context.Context, in *cognitoidp.DescribeUserPoolClientInput) (*cognitoidp.DescribeUserPoolClientOutput, error) {
	_, c, err := s.Pools.PoolClient(ctx, str(in.UserPoolId), str(in.ClientId))
	if err != nil {
		return nil, err
	}
	out, err := describeClient(c.Client)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.DescribeUserPoolClientOutput{UserPoolClient: out}, nil
}

// UpdateUserPoolClient replaces an app client's settings; omitted settings
// return to their defaults, as in Cognito.
func (s *Server) UpdateUserPoolClient(ctx context.Context, in *cognitoidp.UpdateUserPoolClientInput) (*cognitoidp.UpdateUserPoolClientOutput, error) {
	req := userpool.ClientUpdate{Name: in.ClientName}
	if err := recode(in, &req.Settings); err != nil {
		return nil, err
	}
	c, err := s.Pools.UpdateClient(ctx, str(in.UserPoolId), str(in.ClientId), req)
	if err != nil {
		return nil, err
	}
	out, err := describeClient(c.Client)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.UpdateUserPoolClientOutput{UserPoolClient: out}, nil
}

// DeleteUserPoolClient deletes an app client.
func (s *Server) DeleteUserPoolClient(ctx context.Context, in *cognitoidp.DeleteUserPoolClientInput) (*cognitoidp.DeleteUserPoolClientOutput, error) {
	if err := s.Pools.DeleteClient(ctx, str(in.UserPoolId), str(in.ClientId)); err != nil {
		return nil, err
	}
	return &cognitoidp.DeleteUserPoolClientOutput{}, nil
}

// ListUserPoolClients lists a pool's app clients.
func (s *Server) ListUserPoolClients(ctx context.Context, in *cognitoidp.ListUserPoolClientsInput) (*cognitoidp.ListUserPoolClientsOutput, error) {
	clients, next, err := s.Pools.ListClients(ctx, str(in.UserPoolId), cognitoidp.ToValue(in.MaxResults), str(in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.ListUserPoolClientsOutput{UserPoolClients: []cognitoidp.UserPoolClientDescription{}, NextToken: nextToken(next)}
	for _, c := range clients {
		out.UserPoolClients = append(out.UserPoolClients, cognitoidp.UserPoolClientDescription{
			ClientId: cognitoidp.String(c.ID), UserPoolId: cognitoidp.String(c.PoolID), ClientName: cognitoidp.String(c.Name),
		})
	}
	return out, nil
}

// secretDescriptor renders a client secret; the value only when show is
// set (a secret Cognito generated, in AddUserPoolClientSecret's answer).
func secretDescriptor(s storage.ClientSecret, show bool) cognitoidp.ClientSecretDescriptorType {
	d := cognitoidp.ClientSecretDescriptorType{ClientSecretId: cognitoidp.String(s.ID), ClientSecretCreateDate: cognitoidp.Time(s.CreatedAt)}
	if show {
		d.ClientSecretValue = cognitoidp.String(s.Value)
	}
	return d
}

// AddUserPoolClientSecret gives a confidential client one more secret.
func (s *Server) AddUserPoolClientSecret(ctx context.Context, in *cognitoidp.AddUserPoolClientSecretInput) (*cognitoidp.AddUserPoolClientSecretOutput, error) {
	sec, generated, err := s.Pools.AddClientSecret(ctx, str(in.UserPoolId), str(in.ClientId), str(in.ClientSecret))
	if err != nil {
		return nil, err
	}
	d := secretDescriptor(sec, generated)
	return &cognitoidp.AddUserPoolClientSecretOutput{ClientSecretDescriptor: &d}, nil
}

// DeleteUserPoolClientSecret removes a secret of a client.
func (s *Server) DeleteUserPoolClientSecret(ctx context.Context, in *cognitoidp.DeleteUserPoolClientSecretInput) (*cognitoidp.DeleteUserPoolClientSecretOutput, error) {
	if err := s.Pools.DeleteClientSecret(ctx, str(in.UserPoolId), str(in.ClientId), str(in.ClientSecretId)); err != nil {
		return nil, err
	}
	return &cognitoidp.DeleteUserPoolClientSecretOutput{}, nil
}

// ListUserPoolClientSecrets lists a client's secrets without their values,
// in one page (a client has at most two).
func (s *Server) ListUserPoolClientSecrets(ctx context.Context, in *cognitoidp.ListUserPoolClientSecretsInput) (*cognitoidp.ListUserPoolClientSecretsOutput, error) {
	list, err := s.Pools.ClientSecrets(ctx, str(in.UserPoolId), str(in.ClientId))
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.ListUserPoolClientSecretsOutput{ClientSecrets: []cognitoidp.ClientSecretDescriptorType{}}
	for _, sec := range list {
		out.ClientSecrets = append(out.ClientSecrets, secretDescriptor(sec, false))
	}
	return out, nil
}
