package authflow

import "context"

// Flow is an InitiateAuth AuthFlow (AuthFlowType).
type Flow string

// The flows (InitiateAuth dispatches on them).
const (
	FlowUserPassword      Flow = "USER_PASSWORD_AUTH"
	FlowAdminUserPassword Flow = "ADMIN_USER_PASSWORD_AUTH"
	FlowAdminNoSRP        Flow = "ADMIN_NO_SRP_AUTH"
	FlowUserSRP           Flow = "USER_SRP_AUTH"
	FlowRefreshToken      Flow = "REFRESH_TOKEN"
	FlowRefreshTokenAuth  Flow = "REFRESH_TOKEN_AUTH"
	FlowCustom            Flow = "CUSTOM_AUTH"
	FlowUser              Flow = "USER_AUTH"
	// FlowHostedPassword is the password sign-in of the hosted login pages
	// (package hostedui, through the server's adapter). It is not a wire
	// value (AuthFlowType's enum keeps it out of InitiateAuth): it runs
	// USER_PASSWORD_AUTH without asking for ALLOW_USER_PASSWORD_AUTH (the
	// pages serve every OAuth client) or a SECRET_HASH (the server itself
	// calls it), and it ends in a signed-in user (Result.SignedIn) instead
	// of tokens, which the OAuth endpoints then mint (oauth.go). Its
	// sessions answer only hosted responses (Respond.Hosted), and the
	// hosted pages answer only its sessions.
	FlowHostedPassword Flow = "HOSTED_UI_PASSWORD"
)

// ChallengeName names a sign-in challenge (ChallengeNameType). A new
// challenge gets a constant here and an entry in answers.
type ChallengeName string

// The challenges this package issues and answers.
const (
	// ChallengePasswordVerifier is USER_SRP_AUTH's proof of the password;
	// it is answered without a Session (srp.go), so it has no entry in
	// answers.
	ChallengePasswordVerifier ChallengeName = "PASSWORD_VERIFIER"
	// ChallengeNewPassword replaces a temporary password (next.go).
	ChallengeNewPassword ChallengeName = "NEW_PASSWORD_REQUIRED"
	// The MFA challenges (mfa.go). Email MFA is EMAIL_OTP on the wire
	// (spec §13.2).
	ChallengeSMSMFA        ChallengeName = "SMS_MFA"
	ChallengeEmailOTP      ChallengeName = "EMAIL_OTP"
	ChallengeSoftwareToken ChallengeName = "SOFTWARE_TOKEN_MFA"
	ChallengeSelectMFAType ChallengeName = "SELECT_MFA_TYPE"
	ChallengeMFASetup      ChallengeName = "MFA_SETUP"
	// The remembered-device challenges (devices.go).
	ChallengeDeviceSRPAuth          ChallengeName = "DEVICE_SRP_AUTH"
	ChallengeDevicePasswordVerifier ChallengeName = "DEVICE_PASSWORD_VERIFIER"
)

// answer handles the response to one challenge that is bound to a session.
// sc holds the session state and the user it names; the handler returns the
// next step (usually through advance).
type answer func(ctx context.Context, s *Service, sc *signIn, responses map[string]string) (*Result, error)

// answers is the handler of every challenge answered with a Session
// (RespondToAuthChallenge dispatches on the challenge name here). It is the
// whole table: a new challenge adds its line.
var answers = map[ChallengeName]answer{
	ChallengeNewPassword:            answerNewPassword,
	ChallengeSMSMFA:                 answerSMSMFA,
	ChallengeEmailOTP:               answerEmailOTP,
	ChallengeSoftwareToken:          answerSoftwareToken,
	ChallengeSelectMFAType:          answerSelectMFAType,
	ChallengeMFASetup:               answerMFASetup,
	ChallengeDeviceSRPAuth:          answerDeviceSRPAuth,
	ChallengeDevicePasswordVerifier: answerDevicePasswordVerifier,
	// USER_AUTH's first factors (userauth.go); EMAIL_OTP above answers
	// both the email MFA and the passwordless email code.
	ChallengeSelectChallenge: answerSelectChallenge,
	ChallengePassword:        answerPasswordFactor,
	ChallengePasswordSRP:     answerPasswordSRPFactor,
	ChallengeSMSOTP:          answerSMSOTP,
	ChallengeWebAuthn:        answerWebAuthn,
	// CUSTOM_AUTH's challenge of the CreateAuthChallenge trigger
	// (customauth.go).
	ChallengeCustom: answerCustomChallenge,
}
