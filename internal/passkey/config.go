package passkey

import (
	"crypto/rand"
	"io"
	"slices"
	"strings"
	"time"
)

// UserVerification is WebAuthnConfiguration.UserVerification: whether an
// authenticator must verify the user (PIN, biometrics) to register or sign
// in. Cognito has no "discouraged" [M].
type UserVerification string

// The two UserVerification values.
const (
	UVRequired  UserVerification = "required"
	UVPreferred UserVerification = "preferred"
)

// ParseUserVerification returns the pool's setting; anything but "required"
// (including unset) is UVPreferred, the model's default.
func ParseUserVerification(s string) UserVerification {
	if s == string(UVRequired) {
		return UVRequired
	}
	return UVPreferred
}

// FactorConfiguration values of WebAuthnConfiguration.FactorConfiguration
// (§7.4). An unset value means SingleFactor.
const (
	SingleFactor                    = "SINGLE_FACTOR"
	MultiFactorWithUserVerification = "MULTI_FACTOR_WITH_USER_VERIFICATION"
)

// FirstFactorWebAuthn is the AllowedFirstAuthFactors value that offers
// passkeys as a first factor.
const FirstFactorWebAuthn = "WEB_AUTHN"

// ResolveRPID returns the pool's relying party ID (§12.2): configured (the
// WebAuthnConfiguration.RelyingPartyId) when set, else the custom domain,
// else the prefix domain's FQDN (<prefix>.auth.<region>.amazoncognito.com),
// else ErrConfigurationMissing. Which domain AWS takes is UNCONFIRMED
// (§13.14). The result is lower-cased.
func ResolveRPID(configured, customDomain, prefixDomainFQDN string) (string, error) {
	for _, id := range []string{configured, customDomain, prefixDomainFQDN} {
		if id = strings.TrimSpace(id); id != "" {
			return strings.ToLower(id), nil
		}
	}
	return "", ErrConfigurationMissing
}

// CheckEnabled returns ErrNotEnabled unless the pool offers passkeys: as a
// first factor (WEB_AUTHN in SignInPolicy.AllowedFirstAuthFactors) or as
// MFA (FactorConfiguration MULTI_FACTOR_WITH_USER_VERIFICATION). The
// condition is UNCONFIRMED (§13.15); StartWebAuthnRegistration calls it.
func CheckEnabled(allowedFirstAuthFactors []string, factorConfiguration string) error {
	if slices.Contains(allowedFirstAuthFactors, FirstFactorWebAuthn) || factorConfiguration == MultiFactorWithUserVerification {
		return nil
	}
	return ErrNotEnabled
}

// RelyingParty is one pool's passkey configuration as the ceremonies need
// it, plus the clock and the randomness. The zero Now and Rand mean
// time.Now and crypto/rand.
type RelyingParty struct {
	// ID is the RP ID (ResolveRPID), lower case.
	ID string
	// UserVerification is the pool's setting.
	UserVerification UserVerification
	// ExtraOrigins are origins accepted beside OriginAllowed's rule: the
	// server's setting for native apps (android:apk-key-hash:...) and
	// plain-http test hosts. Exact matches.
	ExtraOrigins []string

	Now  func() time.Time
	Rand io.Reader
}

func (rp *RelyingParty) now() time.Time {
	if rp.Now != nil {
		return rp.Now()
	}
	return time.Now()
}

func (rp *RelyingParty) rand() io.Reader {
	if rp.Rand != nil {
		return rp.Rand
	}
	return rand.Reader
}
