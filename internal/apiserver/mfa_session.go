package apiserver

import (
	"context"

	"github.com/userpoold/userpoold/internal/cognitoidp"
)

// associateBySession is AssociateSoftwareToken with the Session of an
// MFA_SETUP challenge: a new secret and a new Session for
// VerifySoftwareToken (spec §7.4).
func (s *Server) associateBySession(ctx context.Context, session string) (*cognitoidp.AssociateSoftwareTokenOutput, error) {
	code, next, err := s.Auth.AssociateSoftwareToken(ctx, session)
	if err != nil {
		return nil, userGone(err)
	}
	return &cognitoidp.AssociateSoftwareTokenOutput{SecretCode: cognitoidp.String(code), Session: cognitoidp.String(next)}, nil
}

// verifyBySession is VerifySoftwareToken with the Session AssociateSoftwareToken
// returned: on success Status SUCCESS and a Session that completes MFA_SETUP.
func (s *Server) verifyBySession(ctx context.Context, session, code, friendlyName string) (*cognitoidp.VerifySoftwareTokenOutput, error) {
	next, err := s.Auth.VerifySoftwareToken(ctx, session, code, friendlyName)
	if err != nil {
		return nil, userGone(err)
	}
	return &cognitoidp.VerifySoftwareTokenOutput{
		Status:  ptr(cognitoidp.VerifySoftwareTokenResponseTypeSuccess),
		Session: cognitoidp.String(next),
	}, nil
}
