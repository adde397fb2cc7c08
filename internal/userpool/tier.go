package userpool

import "github.com/userpoold/userpoold/internal/fault"

// Tier is a pool's feature plan (UserPoolTierType).
type Tier string

// The tiers, cheapest first.
const (
	TierLite       Tier = "LITE"
	TierEssentials Tier = "ESSENTIALS"
	TierPlus       Tier = "PLUS"
)

// Feature is a capability that only some tiers have. Its value is the name
// FeatureUnavailableInTierException gives it.
type Feature string

// The features a tier gates.
const (
	// FeatureThreatProtection is AdvancedSecurityMode AUDIT or ENFORCED.
	FeatureThreatProtection Feature = "Threat Protection"
	// FeatureEmailMFA is EMAIL_OTP as a second factor.
	FeatureEmailMFA Feature = "Email MFA"
	// FeaturePasskeyMFA is WEB_AUTHN as a second factor.
	FeaturePasskeyMFA Feature = "Passkey MFA"
	// FeatureChoiceBasedAuth is USER_AUTH (ALLOW_USER_AUTH) and the first
	// factors other than PASSWORD (SignInPolicy.AllowedFirstAuthFactors).
	FeatureChoiceBasedAuth Feature = "Choice-based authentication"
	// FeaturePasskeys is a WebAuthnConfiguration (passkeys at all; spec
	// §3.1). UNCONFIRMED: the name AWS's message gives it.
	FeaturePasskeys Feature = "Passkeys"
	// FeatureManagedLogin is ManagedLoginVersion 2 on a domain (the name
	// in the message is UNCONFIRMED).
	FeatureManagedLogin Feature = "Managed login"
)

// minimumTier is the one place that says which tier allows which feature:
// the cheapest tier that has it (spec §12; Developer Guide, "User pool
// feature plans").
var minimumTier = map[Feature]Tier{
	FeatureThreatProtection: TierPlus,
	FeatureEmailMFA:         TierEssentials,
	FeaturePasskeyMFA:       TierEssentials,
	FeatureChoiceBasedAuth:  TierEssentials,
	FeaturePasskeys:         TierEssentials,
	FeatureManagedLogin:     TierEssentials,
}

// rank orders the tiers; an unknown tier ranks as ESSENTIALS, the default.
func (t Tier) rank() int {
	switch t {
	case TierLite:
		return 0
	case TierPlus:
		return 2
	}
	return 1
}

// Allows reports whether the tier has feature f.
func (t Tier) Allows(f Feature) bool {
	min, ok := minimumTier[f]
	return !ok || t.rank() >= min.rank()
}

// Require returns FeatureUnavailableInTierException "The following features
// need to be disabled for the <TIER> pricing tier configured: <feature>"
// when the tier does not have feature f (the Threat Protection wording is
// confirmed; the others are UNCONFIRMED), or nil.
func (t Tier) Require(f Feature) error {
	if t.Allows(f) {
		return nil
	}
	return fault.Errorf(fault.FeatureUnavailableInTier, "The following features need to be disabled for the %s pricing tier configured: %s", t, f)
}
