package trigger

// Operation is the API operation (or endpoint) a trigger fires in. It
// decides, through clientMetadataRoutes, which triggers see the caller's
// ClientMetadata and under which key.
type Operation string

// The operations that carry ClientMetadata (spec §4.1), plus the token
// endpoint and the hosted UI.
const (
	OpAdminConfirmSignUp               Operation = "AdminConfirmSignUp"
	OpAdminCreateUser                  Operation = "AdminCreateUser"
	OpAdminInitiateAuth                Operation = "AdminInitiateAuth"
	OpAdminResetUserPassword           Operation = "AdminResetUserPassword"
	OpAdminRespondToAuthChallenge      Operation = "AdminRespondToAuthChallenge"
	OpAdminUpdateUserAttributes        Operation = "AdminUpdateUserAttributes"
	OpConfirmForgotPassword            Operation = "ConfirmForgotPassword"
	OpConfirmSignUp                    Operation = "ConfirmSignUp"
	OpForgotPassword                   Operation = "ForgotPassword"
	OpGetTokensFromRefreshToken        Operation = "GetTokensFromRefreshToken"
	OpGetUserAttributeVerificationCode Operation = "GetUserAttributeVerificationCode"
	OpInitiateAuth                     Operation = "InitiateAuth"
	OpResendConfirmationCode           Operation = "ResendConfirmationCode"
	OpRespondToAuthChallenge           Operation = "RespondToAuthChallenge"
	OpSignUp                           Operation = "SignUp"
	OpUpdateUserAttributes             Operation = "UpdateUserAttributes"
	// OpOAuthToken is /oauth2/token; its ClientMetadata is the
	// aws_client_metadata form field (URL-encoded JSON).
	OpOAuthToken Operation = "oauth2/token"
	// OpHostedUI is a managed-login or federated sign-in; it carries no
	// ClientMetadata.
	OpHostedUI Operation = "HostedUI"
)

// metadataRoute is where an operation's ClientMetadata goes in an event.
type metadataRoute uint8

const (
	omitted          metadataRoute = iota // not sent
	asClientMetadata                      // request.clientMetadata
	asValidationData                      // request.validationData
)

// clientMetadataRoutes is spec §4.1 as data: for each operation, the
// trigger sources that receive its ClientMetadata and the key they receive
// it under. A source missing from an operation's row does not receive it.
//
//   - InitiateAuth/AdminInitiateAuth pass it only to pre authentication and
//     user migration, as request.validationData [M doc, DG]; post
//     authentication, pre-token, define/create, custom message and the
//     senders fire in the same call without it.
//   - RespondToAuthChallenge/Admin… pass it to define/create/verify,
//     pre-token, post authentication, custom message and the senders [DG].
//   - CustomEmailSender gets it only for _ForgotPassword, _SignUp and
//     _Authentication [DG]; CustomSMSSender and CustomMessage for all.
//   - ForgotPassword passes it to user migration as request.clientMetadata [DG].
//   - /oauth2/token passes aws_client_metadata to the V3 pre-token trigger.
var clientMetadataRoutes = map[Operation]map[Source]metadataRoute{
	OpSignUp: {
		PreSignUpSignUp: asClientMetadata, CustomMessageSignUp: asClientMetadata,
		CustomSMSSenderSignUp: asClientMetadata, CustomEmailSenderSignUp: asClientMetadata,
	},
	OpAdminCreateUser: {
		PreSignUpAdminCreateUser: asClientMetadata, CustomMessageAdminCreateUser: asClientMetadata,
		CustomSMSSenderAdminCreateUser: asClientMetadata,
	},
	OpConfirmSignUp:      {PostConfirmationConfirmSignUp: asClientMetadata},
	OpAdminConfirmSignUp: {PostConfirmationConfirmSignUp: asClientMetadata},
	OpResendConfirmationCode: {
		CustomMessageResendCode: asClientMetadata, CustomSMSSenderResendCode: asClientMetadata,
	},
	OpInitiateAuth: {
		PreAuthenticationAuthentication: asValidationData, UserMigrationAuthentication: asValidationData,
	},
	OpAdminInitiateAuth: {
		PreAuthenticationAuthentication: asValidationData, UserMigrationAuthentication: asValidationData,
	},
	OpRespondToAuthChallenge:      respondRoutes,
	OpAdminRespondToAuthChallenge: respondRoutes,
	OpForgotPassword: {
		UserMigrationForgotPassword: asClientMetadata, CustomMessageForgotPassword: asClientMetadata,
		CustomSMSSenderForgotPassword: asClientMetadata, CustomEmailSenderForgotPassword: asClientMetadata,
	},
	OpAdminResetUserPassword: {
		CustomMessageForgotPassword: asClientMetadata, CustomSMSSenderForgotPassword: asClientMetadata,
		CustomEmailSenderForgotPassword: asClientMetadata,
	},
	OpConfirmForgotPassword: {PostConfirmationConfirmForgotPassword: asClientMetadata},
	OpUpdateUserAttributes: {
		CustomMessageUpdateUserAttribute: asClientMetadata, CustomSMSSenderUpdateUserAttribute: asClientMetadata,
	},
	OpAdminUpdateUserAttributes: {
		CustomMessageUpdateUserAttribute: asClientMetadata, CustomSMSSenderUpdateUserAttribute: asClientMetadata,
	},
	OpGetUserAttributeVerificationCode: {
		CustomMessageVerifyUserAttribute: asClientMetadata, CustomSMSSenderVerifyUserAttribute: asClientMetadata,
	},
	// UNCONFIRMED: which source GetTokensFromRefreshToken fires (spec §12.11);
	// both get its ClientMetadata.
	OpGetTokensFromRefreshToken: {
		TokenGenerationRefreshTokens: asClientMetadata, TokenGenerationAuthentication: asClientMetadata,
	},
	OpOAuthToken: {TokenGenerationClientCredentials: asClientMetadata},
}

var respondRoutes = map[Source]metadataRoute{
	DefineAuthChallengeAuthentication:         asClientMetadata,
	CreateAuthChallengeAuthentication:         asClientMetadata,
	VerifyAuthChallengeResponseAuthentication: asClientMetadata,
	TokenGenerationAuthentication:             asClientMetadata,
	TokenGenerationNewPasswordChallenge:       asClientMetadata,
	TokenGenerationAuthenticateDevice:         asClientMetadata,
	PostAuthenticationAuthentication:          asClientMetadata,
	CustomMessageAuthentication:               asClientMetadata,
	CustomSMSSenderAuthentication:             asClientMetadata,
	CustomEmailSenderAuthentication:           asClientMetadata,
}

// routeMetadata returns what an event of source fired in op receives of
// metadata: as request.clientMetadata, as request.validationData, or
// neither. Empty maps are not sent.
func routeMetadata(op Operation, source Source, metadata map[string]string) (clientMetadata, validationData map[string]string) {
	if len(metadata) == 0 {
		return nil, nil
	}
	switch clientMetadataRoutes[op][source] {
	case asClientMetadata:
		return metadata, nil
	case asValidationData:
		return nil, metadata
	}
	return nil, nil
}
