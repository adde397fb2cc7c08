package importjob

import "slices"

// MFAConfiguration is a pool's UserPoolMfaType.
type MFAConfiguration string

// The MFA configurations.
const (
	MFAOff      MFAConfiguration = "OFF"
	MFAOn       MFAConfiguration = "ON"
	MFAOptional MFAConfiguration = "OPTIONAL"
)

// Pool is what the import needs to know of the pool it imports into; the
// caller fills it from the pool's configuration.
type Pool struct {
	ID   string
	Name string
	// CustomAttributes are the names of the pool's custom attributes, with
	// their "custom:" prefix, in schema order. Developer-only attributes
	// ("dev:custom:...") are left out. UNCONFIRMED: whether GetCSVHeader
	// lists them, and the order of several custom attributes (§12 item 14).
	CustomAttributes []string
	// Required lists the attributes the pool requires (standard or custom,
	// never sub).
	Required []string
	// AutoVerified lists the pool's AutoVerifiedAttributes: "email",
	// "phone_number", both, or none.
	AutoVerified []string
	MFA          MFAConfiguration
	// EmailOTP and SMSOTP report whether the pool allows passwordless
	// sign-in with an email or SMS one-time password (AllowedFirstAuthFactors
	// EMAIL_OTP, SMS_OTP): a user with the matching verified attribute is
	// then imported CONFIRMED (§7.4).
	EmailOTP bool
	SMSOTP   bool
}

// Columns of the header that are not user attributes.
const (
	ColumnMFAEnabled   = "cognito:mfa_enabled"
	ColumnUsername     = "cognito:username"
	ColumnPasswordHash = "password_hash"
)

// StandardColumns are the standard attributes of the header, in
// GetCSVHeader's order (§7.2): every standard attribute but sub.
var StandardColumns = []string{
	"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
	"website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
	"phone_number_verified", "address", "updated_at",
}

// Header returns GetCSVHeader's CSVHeader for p: the standard attributes,
// the custom attributes, cognito:mfa_enabled and cognito:username (§7.2).
//
// UNCONFIRMED: password_hash is left out. The Developer Guide's template for
// pools that may import hashes has it, but whether GetCSVHeader returns it,
// and where, is unknown (§12 item 14); a file for a job with a
// PasswordHashingAlgorithm adds the column (its position is free).
func Header(p Pool) []string {
	h := make([]string, 0, len(StandardColumns)+len(p.CustomAttributes)+2)
	h = append(h, StandardColumns...)
	h = append(h, p.CustomAttributes...)
	return append(h, ColumnMFAEnabled, ColumnUsername)
}

// autoVerifies reports whether p auto-verifies attr.
func (p Pool) autoVerifies(attr string) bool { return slices.Contains(p.AutoVerified, attr) }
