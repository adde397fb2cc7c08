// Package account is a small service of the kind userpooldtest is for: it
// registers, confirms and signs in users of an Amazon Cognito user pool
// through aws-sdk-go-v2, and knows nothing of userpoold. Its tests
// (account_test.go) run it against userpooldtest.NewServer, exactly as a
// project outside the userpoold repository would.
package account

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Service talks to one app client of a user pool.
type Service struct {
	Cognito  *cip.Client
	ClientID string
}

// Tokens are the result of a completed sign-in.
type Tokens struct {
	Access, ID, Refresh string
}

// MFARequired is returned by SignIn when the user must answer with an
// authenticator app's code; pass it to AnswerMFA.
type MFARequired struct {
	Username, session string
}

func (m *MFARequired) Error() string { return "an authenticator code is required" }

// Register signs a user up with an email address and a password; a code is
// sent to the address.
func (s *Service) Register(ctx context.Context, email, password string) error {
	_, err := s.Cognito.SignUp(ctx, &cip.SignUpInput{
		ClientId: aws.String(s.ClientID), Username: aws.String(email), Password: aws.String(password),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}},
	})
	return err
}

// Confirm confirms a registration with the emailed code.
func (s *Service) Confirm(ctx context.Context, email, code string) error {
	_, err := s.Cognito.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{
		ClientId: aws.String(s.ClientID), Username: aws.String(email), ConfirmationCode: aws.String(code),
	})
	return err
}

// SignIn checks a password. It returns the tokens, or an *MFARequired error
// when the user has an authenticator app.
func (s *Service) SignIn(ctx context.Context, email, password string) (Tokens, error) {
	out, err := s.Cognito.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(s.ClientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
	if err != nil {
		return Tokens{}, err
	}
	switch out.ChallengeName {
	case "":
		return tokens(out.AuthenticationResult), nil
	case types.ChallengeNameTypeSoftwareTokenMfa:
		return Tokens{}, &MFARequired{Username: out.ChallengeParameters["USER_ID_FOR_SRP"], session: aws.ToString(out.Session)}
	}
	return Tokens{}, errors.New("unexpected challenge " + string(out.ChallengeName))
}

// AnswerMFA completes a sign-in with an authenticator app's code.
func (s *Service) AnswerMFA(ctx context.Context, m *MFARequired, code string) (Tokens, error) {
	out, err := s.Cognito.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(s.ClientID), ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa,
		Session:            aws.String(m.session),
		ChallengeResponses: map[string]string{"USERNAME": m.Username, "SOFTWARE_TOKEN_MFA_CODE": code},
	})
	if err != nil {
		return Tokens{}, err
	}
	return tokens(out.AuthenticationResult), nil
}

// EnableAuthenticator registers an authenticator app for a signed-in user:
// it returns the secret to show (as a QR code) and then verifies the first
// code the app shows with verify.
func (s *Service) EnableAuthenticator(ctx context.Context, accessToken string, verify func(secret string) string) error {
	assoc, err := s.Cognito.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: aws.String(accessToken)})
	if err != nil {
		return err
	}
	if _, err := s.Cognito.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{
		AccessToken: aws.String(accessToken), UserCode: aws.String(verify(aws.ToString(assoc.SecretCode))),
	}); err != nil {
		return err
	}
	_, err = s.Cognito.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken:              aws.String(accessToken),
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true},
	})
	return err
}

// Profile returns the attributes of the signed-in user.
func (s *Service) Profile(ctx context.Context, accessToken string) (map[string]string, error) {
	out, err := s.Cognito.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(accessToken)})
	if err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	for _, a := range out.UserAttributes {
		attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	return attrs, nil
}

func tokens(r *types.AuthenticationResultType) Tokens {
	return Tokens{Access: aws.ToString(r.AccessToken), ID: aws.ToString(r.IdToken), Refresh: aws.ToString(r.RefreshToken)}
}
