package trigger

// Name is a trigger as LambdaConfigType names it. The name is also the
// "<Trigger>" of the error messages in spec §3.2 ("PreSignUp failed with
// error ...", "PreTokenGeneration invocation failed due to error ...").
type Name string

// The triggers of LambdaConfigType (spec §2). InboundFederation comes with
// federation and is not built yet.
const (
	PreSignUp                   Name = "PreSignUp"
	CustomMessage               Name = "CustomMessage"
	PostConfirmation            Name = "PostConfirmation"
	PreAuthentication           Name = "PreAuthentication"
	PostAuthentication          Name = "PostAuthentication"
	DefineAuthChallenge         Name = "DefineAuthChallenge"
	CreateAuthChallenge         Name = "CreateAuthChallenge"
	VerifyAuthChallengeResponse Name = "VerifyAuthChallengeResponse"
	PreTokenGeneration          Name = "PreTokenGeneration"
	UserMigration               Name = "UserMigration"
	CustomSMSSender             Name = "CustomSMSSender"
	CustomEmailSender           Name = "CustomEmailSender"
)

// Names lists every trigger this package invokes.
var Names = []Name{
	PreSignUp, CustomMessage, PostConfirmation, PreAuthentication, PostAuthentication,
	DefineAuthChallenge, CreateAuthChallenge, VerifyAuthChallengeResponse,
	PreTokenGeneration, UserMigration, CustomSMSSender, CustomEmailSender,
}

// ParseName returns the trigger named s (exact spelling, as in
// LambdaConfigType), for configuration keys such as lambda.webhooks.
func ParseName(s string) (Name, bool) {
	for _, n := range Names {
		if string(n) == s {
			return n, true
		}
	}
	return "", false
}

// Source is an event's triggerSource.
type Source string

// Trigger sources by trigger (spec §4, §6; DG typos corrected as in §4).
const (
	PreSignUpSignUp           Source = "PreSignUp_SignUp"
	PreSignUpAdminCreateUser  Source = "PreSignUp_AdminCreateUser"
	PreSignUpExternalProvider Source = "PreSignUp_ExternalProvider"

	PostConfirmationConfirmSignUp         Source = "PostConfirmation_ConfirmSignUp"
	PostConfirmationConfirmForgotPassword Source = "PostConfirmation_ConfirmForgotPassword"

	PreAuthenticationAuthentication  Source = "PreAuthentication_Authentication"
	PostAuthenticationAuthentication Source = "PostAuthentication_Authentication"

	DefineAuthChallengeAuthentication         Source = "DefineAuthChallenge_Authentication"
	CreateAuthChallengeAuthentication         Source = "CreateAuthChallenge_Authentication"
	VerifyAuthChallengeResponseAuthentication Source = "VerifyAuthChallengeResponse_Authentication"

	TokenGenerationHostedAuth           Source = "TokenGeneration_HostedAuth"
	TokenGenerationAuthentication       Source = "TokenGeneration_Authentication"
	TokenGenerationNewPasswordChallenge Source = "TokenGeneration_NewPasswordChallenge"
	TokenGenerationAuthenticateDevice   Source = "TokenGeneration_AuthenticateDevice"
	TokenGenerationRefreshTokens        Source = "TokenGeneration_RefreshTokens"
	TokenGenerationClientCredentials    Source = "TokenGeneration_ClientCredentials" // V3_0 only

	UserMigrationAuthentication Source = "UserMigration_Authentication"
	UserMigrationForgotPassword Source = "UserMigration_ForgotPassword"

	CustomMessageSignUp              Source = "CustomMessage_SignUp"
	CustomMessageAdminCreateUser     Source = "CustomMessage_AdminCreateUser"
	CustomMessageResendCode          Source = "CustomMessage_ResendCode"
	CustomMessageForgotPassword      Source = "CustomMessage_ForgotPassword"
	CustomMessageUpdateUserAttribute Source = "CustomMessage_UpdateUserAttribute"
	CustomMessageVerifyUserAttribute Source = "CustomMessage_VerifyUserAttribute"
	CustomMessageAuthentication      Source = "CustomMessage_Authentication"

	CustomSMSSenderSignUp              Source = "CustomSMSSender_SignUp"
	CustomSMSSenderResendCode          Source = "CustomSMSSender_ResendCode"
	CustomSMSSenderForgotPassword      Source = "CustomSMSSender_ForgotPassword"
	CustomSMSSenderUpdateUserAttribute Source = "CustomSMSSender_UpdateUserAttribute"
	CustomSMSSenderVerifyUserAttribute Source = "CustomSMSSender_VerifyUserAttribute"
	CustomSMSSenderAdminCreateUser     Source = "CustomSMSSender_AdminCreateUser"
	CustomSMSSenderAuthentication      Source = "CustomSMSSender_Authentication"

	CustomEmailSenderSignUp                      Source = "CustomEmailSender_SignUp"
	CustomEmailSenderResendCode                  Source = "CustomEmailSender_ResendCode"
	CustomEmailSenderForgotPassword              Source = "CustomEmailSender_ForgotPassword"
	CustomEmailSenderUpdateUserAttribute         Source = "CustomEmailSender_UpdateUserAttribute"
	CustomEmailSenderVerifyUserAttribute         Source = "CustomEmailSender_VerifyUserAttribute"
	CustomEmailSenderAdminCreateUser             Source = "CustomEmailSender_AdminCreateUser"
	CustomEmailSenderAuthentication              Source = "CustomEmailSender_Authentication"
	CustomEmailSenderAccountTakeOverNotification Source = "CustomEmailSender_AccountTakeOverNotification"
)

// sourceTrigger maps every source to the trigger it belongs to; it is also
// the list of valid sources.
var sourceTrigger = map[Source]Name{
	PreSignUpSignUp: PreSignUp, PreSignUpAdminCreateUser: PreSignUp, PreSignUpExternalProvider: PreSignUp,

	PostConfirmationConfirmSignUp: PostConfirmation, PostConfirmationConfirmForgotPassword: PostConfirmation,

	PreAuthenticationAuthentication:  PreAuthentication,
	PostAuthenticationAuthentication: PostAuthentication,

	DefineAuthChallengeAuthentication:         DefineAuthChallenge,
	CreateAuthChallengeAuthentication:         CreateAuthChallenge,
	VerifyAuthChallengeResponseAuthentication: VerifyAuthChallengeResponse,

	TokenGenerationHostedAuth: PreTokenGeneration, TokenGenerationAuthentication: PreTokenGeneration,
	TokenGenerationNewPasswordChallenge: PreTokenGeneration, TokenGenerationAuthenticateDevice: PreTokenGeneration,
	TokenGenerationRefreshTokens: PreTokenGeneration, TokenGenerationClientCredentials: PreTokenGeneration,

	UserMigrationAuthentication: UserMigration, UserMigrationForgotPassword: UserMigration,

	CustomMessageSignUp: CustomMessage, CustomMessageAdminCreateUser: CustomMessage,
	CustomMessageResendCode: CustomMessage, CustomMessageForgotPassword: CustomMessage,
	CustomMessageUpdateUserAttribute: CustomMessage, CustomMessageVerifyUserAttribute: CustomMessage,
	CustomMessageAuthentication: CustomMessage,

	CustomSMSSenderSignUp: CustomSMSSender, CustomSMSSenderResendCode: CustomSMSSender,
	CustomSMSSenderForgotPassword: CustomSMSSender, CustomSMSSenderUpdateUserAttribute: CustomSMSSender,
	CustomSMSSenderVerifyUserAttribute: CustomSMSSender, CustomSMSSenderAdminCreateUser: CustomSMSSender,
	CustomSMSSenderAuthentication: CustomSMSSender,

	CustomEmailSenderSignUp: CustomEmailSender, CustomEmailSenderResendCode: CustomEmailSender,
	CustomEmailSenderForgotPassword: CustomEmailSender, CustomEmailSenderUpdateUserAttribute: CustomEmailSender,
	CustomEmailSenderVerifyUserAttribute: CustomEmailSender, CustomEmailSenderAdminCreateUser: CustomEmailSender,
	CustomEmailSenderAuthentication: CustomEmailSender, CustomEmailSenderAccountTakeOverNotification: CustomEmailSender,
}

// Trigger returns the trigger s belongs to, or "" for an unknown source.
func (s Source) Trigger() Name { return sourceTrigger[s] }

// Sources returns every source of trigger n.
func Sources(n Name) []Source {
	var out []Source
	for s, t := range sourceTrigger {
		if t == n {
			out = append(out, s)
		}
	}
	return out
}

// MessageKind is what a message event is about; it selects the
// CustomMessage, CustomSMSSender and CustomEmailSender sources, which share
// their suffixes.
type MessageKind string

// The message kinds (the suffixes of spec §6.7 and §6.8).
const (
	MessageSignUp              MessageKind = "SignUp"
	MessageAdminCreateUser     MessageKind = "AdminCreateUser"
	MessageResendCode          MessageKind = "ResendCode"
	MessageForgotPassword      MessageKind = "ForgotPassword"
	MessageUpdateUserAttribute MessageKind = "UpdateUserAttribute"
	MessageVerifyUserAttribute MessageKind = "VerifyUserAttribute"
	MessageAuthentication      MessageKind = "Authentication"
	// MessageAccountTakeOverNotification exists for CustomEmailSender only.
	MessageAccountTakeOverNotification MessageKind = "AccountTakeOverNotification"
)

// source returns the source of trigger n for kind k, or "" when n has no
// such source (CustomMessage and CustomSMSSender have no take-over notice).
func (k MessageKind) source(n Name) Source {
	s := Source(string(n) + "_" + string(k))
	if sourceTrigger[s] != n {
		return ""
	}
	return s
}
