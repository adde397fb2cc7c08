package mfa

import "github.com/userpoold/userpoold/internal/fault"

// Software-token faults (spec §5, §7.4, §13.4–§13.5). Messages are
// Cognito's, verbatim.
var (
	// ErrPoolTOTPOff is AssociateSoftwareToken (and VerifySoftwareToken) in
	// a pool whose SoftwareTokenMfaConfiguration is not enabled [DG23].
	ErrPoolTOTPOff = fault.New(fault.SoftwareTokenMFANotFound, "Software Token MFA has not been enabled by the userPool")
	// ErrNoTOTP is a SOFTWARE_TOKEN_MFA answer (or a VerifySoftwareToken)
	// for a user without a software token [IS amazon-cognito-identity-js#630].
	ErrNoTOTP = fault.New(fault.SoftwareTokenMFANotFound, "Software Token MFA does not exist for the user.")
	// ErrEnableTOTPMismatch is a wrong code in VerifySoftwareToken.
	ErrEnableTOTPMismatch = fault.New(fault.EnableSoftwareTokenMFA, "Code mismatch and fail enable Software Token MFA")
	// ErrSetupAttempts answers VerifySoftwareToken after MaxSetupAttempts
	// wrong codes within SetupWindow: the answer of every other code's
	// limit (userpool.ErrCodeAttemptsPassed). UNCONFIRMED for this
	// operation.
	ErrSetupAttempts = fault.New(fault.LimitExceeded, "Attempt limit exceeded, please try after some time.")
	// ErrTOTPMismatch is a wrong code in a SOFTWARE_TOKEN_MFA challenge.
	ErrTOTPMismatch = fault.New(fault.CodeMismatch, "Invalid code received for user")
	// ErrTOTPReplay is a code whose time step was already used, in either
	// place (including the code just used to verify the token) [AV].
	ErrTOTPReplay = fault.New(fault.ExpiredCode, "Your software token has already been used once.")
)

// One-time code faults of SMS_MFA and EMAIL_OTP challenges (spec §7.4).
var (
	// ErrCodeMismatch is a wrong SMS_MFA_CODE [IS amplify-js#3066, #11069].
	// EMAIL_OTP answers get the same text: UNCONFIRMED for email.
	ErrCodeMismatch = fault.New(fault.CodeMismatch, "Invalid code or auth state for the user.")
)

// Preference faults of (Admin)SetUserMFAPreference and (Admin)SetUserSettings
// (spec §3.4).
var (
	// ErrTOTPNotVerified: enabling SOFTWARE_TOKEN_MFA without a verified
	// software token. Confirmed [IS aws-sdk-js-v3#4645].
	ErrTOTPNotVerified = fault.New(fault.InvalidParameter, "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA")
	// ErrNoPhone: enabling SMS_MFA for a user without phone_number.
	// UNCONFIRMED: the message follows the confirmed TOTP pattern.
	ErrNoPhone = fault.New(fault.InvalidParameter, "User does not have delivery config set to turn on SMS_MFA")
	// ErrNoEmail: enabling EMAIL_OTP for a user without email.
	// UNCONFIRMED: by analogy with the TOTP message.
	ErrNoEmail = fault.New(fault.InvalidParameter, "User does not have delivery config set to turn on EMAIL_OTP")
	// ErrPreferredDisabled: PreferredMfa=true with Enabled=false in one
	// block. The type is from an Amplify maintainer [IS amplify-android#2580];
	// the message is UNCONFIRMED.
	ErrPreferredDisabled = fault.New(fault.InvalidParameter, "Invalid MFA preference given, can't set a disabled MFA as preferred.")
	// ErrTwoPreferred: more than one block with PreferredMfa=true
	// [IS aws-amplify/docs#5690: "the API will throw an error"]. Type and
	// message UNCONFIRMED.
	ErrTwoPreferred = fault.New(fault.InvalidParameter, "Invalid MFA preference given, only one MFA can be set as preferred.")
	// ErrEmailMFAUnavailable: EmailMfaSettings.Enabled=true in a LITE pool or
	// a pool without EmailMfaConfiguration. Type and message UNCONFIRMED
	// (FeatureUnavailableInTierException is not in the operation's error
	// list, so InvalidParameterException).
	ErrEmailMFAUnavailable = fault.New(fault.InvalidParameter, "Email MFA is not enabled for this user pool.")
	// ErrWebAuthnMFAUnavailable: WebAuthnMfaSettings.Enabled=true when the
	// pool's WebAuthnConfiguration.FactorConfiguration is not
	// MULTI_FACTOR_WITH_USER_VERIFICATION, or in a LITE pool. Type and
	// message UNCONFIRMED.
	ErrWebAuthnMFAUnavailable = fault.New(fault.InvalidParameter, "Passkey MFA is not enabled for this user pool.")
	// ErrLegacyOption: an MFAOptions entry of (Admin)SetUserSettings other
	// than {DeliveryMedium: SMS, AttributeName: phone_number}, the only one
	// the model doc allows. Message UNCONFIRMED.
	ErrLegacyOption = fault.New(fault.InvalidParameter, "Only SMS MFA with the phone_number attribute can be set with MFAOptions.")
)
