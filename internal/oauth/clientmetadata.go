package oauth

import (
	"context"
	"encoding/json"
)

// ClientMetadataParam is the token request's form field that carries a
// client_credentials request's ClientMetadata: URL-encoded JSON of string
// values, which Cognito hands to a V3_0 pre token generation trigger (spec
// cognito-triggers-import.md §4.1).
const ClientMetadataParam = "aws_client_metadata"

type clientMetadataKey struct{}

// ClientMetadata returns the aws_client_metadata of the token request ctx
// belongs to (nil when there is none), for Grants.ClientTokens.
func ClientMetadata(ctx context.Context) map[string]string {
	m, _ := ctx.Value(clientMetadataKey{}).(map[string]string)
	return m
}

// withClientMetadata parses aws_client_metadata into ctx. A value that is
// not a JSON object of strings is invalid_request. UNCONFIRMED: Cognito's
// answer to it.
func withClientMetadata(ctx context.Context, raw string) (context.Context, *Error) {
	if raw == "" {
		return ctx, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return ctx, errorOf(CodeInvalidRequest, ClientMetadataParam+" is not a JSON object of strings")
	}
	return context.WithValue(ctx, clientMetadataKey{}, m), nil
}
