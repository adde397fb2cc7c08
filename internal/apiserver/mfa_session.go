package apiserver

import (
	"context"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/fault"
)

// errSessionInvalid answers session-authorized TOTP setup until the sign-in
// sessions of authflow are wired in.
var errSessionInvalid = fault.New(fault.NotAuthorized, "Invalid session for the user.")

func (s *Server) associateBySession(ctx context.Context, session string) (*cognitoidp.AssociateSoftwareTokenOutput, error) {
	return nil, errSessionInvalid
}

func (s *Server) verifyBySession(ctx context.Context, session, code, friendlyName string) (*cognitoidp.VerifySoftwareTokenOutput, error) {
	return nil, errSessionInvalid
}
