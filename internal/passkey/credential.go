package passkey

import (
	"bytes"
	"fmt"
	"slices"
	"time"
)

// User is the account a ceremony is for.
type User struct {
	// Sub is the user's sub; its bytes are the WebAuthn user handle
	// (§6.1: user.id is base64url of the sub, so userHandle is the sub).
	Sub string
	// Username is the user's (internal) username, shown by the
	// authenticator.
	Username string
}

// Handle returns the WebAuthn user handle.
func (u User) Handle() []byte { return []byte(u.Sub) }

// MaxCredentials is the number of passkeys one user may have (§12.8;
// UNCONFIRMED, ListWebAuthnCredentials' MaxResults is at most 20).
const MaxCredentials = 20

// Authenticator attachments as ListWebAuthnCredentials shows them.
const (
	Platform      = "platform"
	CrossPlatform = "cross-platform"
)

// Credential is one registered passkey: everything the store keeps per
// credential, and every member is to be kept (none is secret; the storage
// conformance suite should round-trip each). Credentials belong to a user
// (the store's key is pool, user and ID).
type Credential struct {
	// ID is the raw credential ID (1–1023 bytes); EncodeID gives the
	// CredentialId clients see.
	ID []byte
	// PublicKey is the credential public key as the COSE_Key bytes of the
	// attested credential data, exactly as registered.
	PublicKey []byte
	// Algorithm is the COSE algorithm of PublicKey (AlgES256, AlgRS256).
	Algorithm int64
	// SignCount is the last signature counter seen (registration or sign-in).
	SignCount uint32
	// AAGUID is the authenticator model (16 bytes; zero for many passkeys).
	AAGUID []byte
	// Transports are the transports the browser reported (usb, nfc, ble,
	// hybrid, internal, ...), never nil once registered (empty when unknown).
	Transports []string
	// Attachment is Platform, CrossPlatform or "" when the browser did not say.
	Attachment string
	// UserVerified records that the authenticator verified the user when
	// the credential was registered.
	UserVerified bool
	// BackupEligible and BackupState are the BE and BS flags (a synced
	// passkey). BE never changes; BS follows the latest assertion.
	BackupEligible bool
	BackupState    bool
	// AttestationFormat is the registration's attestation statement format
	// ("none", "packed", ...); go-webauthn needs it to verify assertions.
	AttestationFormat string
	// AttestationType is the attestation type go-webauthn derived
	// ("none", "self", "basic_full", ...), kept for audit.
	AttestationType string
	// RelyingPartyID is the RP ID the credential is scoped to.
	RelyingPartyID string
	// FriendlyName is the automatically generated name (§6.3).
	FriendlyName string
	// CreatedAt is when CompleteWebAuthnRegistration accepted it.
	CreatedAt time.Time
	// LastUsedAt is the time of the last accepted assertion (zero if none).
	LastUsedAt time.Time
}

// CredentialID returns the CredentialId of ListWebAuthnCredentials and
// DeleteWebAuthnCredential.
func (c Credential) CredentialID() string { return EncodeID(c.ID) }

// friendlyName is the automatically generated name of a passkey (§12.8):
// "Roaming passkey" for cross-platform authenticators [APIX]; the others
// are guesses (UNCONFIRMED, §13.20).
func friendlyName(attachment string) string {
	switch attachment {
	case CrossPlatform:
		return "Roaming passkey"
	case Platform:
		return "Platform passkey"
	default:
		return "Passkey"
	}
}

// AddCredential returns creds with c appended. Run it inside the store's
// atomic update of the user's credentials: it refuses an ID the user
// already has (ErrAlreadyRegistered) and a user who already has
// MaxCredentials (ErrTooMany), so that two concurrent registrations
// cannot exceed the cap.
func AddCredential(creds []Credential, c Credential) ([]Credential, error) {
	if find(creds, c.ID) >= 0 {
		return creds, ErrAlreadyRegistered
	}
	if len(creds) >= MaxCredentials {
		return creds, ErrTooMany
	}
	return append(slices.Clip(creds), c), nil
}

// RemoveCredential returns creds without the credential whose CredentialId
// is credentialID, or ErrCredentialNotFound (DeleteWebAuthnCredential).
func RemoveCredential(creds []Credential, credentialID string) ([]Credential, error) {
	id, err := b64.DecodeString(credentialID)
	if err != nil || len(id) == 0 {
		return creds, ErrCredentialNotFound
	}
	i := find(creds, id)
	if i < 0 {
		return creds, ErrCredentialNotFound
	}
	return slices.Delete(slices.Clone(creds), i, i+1), nil
}

// Page returns one page of ListWebAuthnCredentials: creds ordered by
// CreatedAt then ID, at most maxResults of them (0 means MaxCredentials,
// the default page size: UNCONFIRMED), after the credential named by
// nextToken (empty for the first page), and the token of the next page
// ("" on the last). A token is the CredentialId of the last credential of
// the previous page; one that names no credential of the user is
// ErrBadNextToken. (Tokens need no secrecy: the IDs are what the list
// shows.)
func Page(creds []Credential, nextToken string, maxResults int) ([]Credential, string, error) {
	if maxResults <= 0 || maxResults > MaxCredentials {
		maxResults = MaxCredentials
	}
	sorted := slices.Clone(creds)
	slices.SortStableFunc(sorted, func(a, b Credential) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return bytes.Compare(a.ID, b.ID)
	})
	start := 0
	if nextToken != "" {
		id, err := b64.DecodeString(nextToken)
		if err != nil || len(id) == 0 {
			return nil, "", ErrBadNextToken
		}
		i := find(sorted, id)
		if i < 0 {
			return nil, "", ErrBadNextToken
		}
		start = i + 1
	}
	end := min(start+maxResults, len(sorted))
	page := sorted[start:end]
	if end < len(sorted) {
		return page, page[len(page)-1].CredentialID(), nil
	}
	return page, "", nil
}

func find(creds []Credential, id []byte) int {
	return slices.IndexFunc(creds, func(c Credential) bool { return bytes.Equal(c.ID, id) })
}

// Assertion is what a verified WEB_AUTHN answer tells the caller.
type Assertion struct {
	// CredentialID is the raw ID of the credential that signed.
	CredentialID []byte
	// SignCount is the authenticator's counter in this assertion.
	SignCount uint32
	// UserVerified is the UV flag: with it the assertion satisfies passkey
	// MFA (§7.4).
	UserVerified bool
	// BackupState is the BS flag.
	BackupState bool
	// At is when it was verified.
	At time.Time
}

// Apply returns the stored credential c updated by a: the new sign count,
// backup state and last use. Run it inside the store's atomic update of
// the credential: it re-checks the counter against the value stored at
// that moment (checkCounter), so that of two assertions verified
// concurrently with the same counter only one is accepted.
func (c Credential) Apply(a Assertion) (Credential, error) {
	if !bytes.Equal(c.ID, a.CredentialID) {
		return c, failed(ErrAssertionFailed, fmt.Errorf("passkey: assertion of another credential"))
	}
	if err := checkCounter(c.SignCount, a.SignCount); err != nil {
		return c, err
	}
	c.SignCount = a.SignCount
	c.BackupState = a.BackupState
	c.LastUsedAt = a.At
	return c, nil
}

// checkCounter is the sign-counter rule (§7.3, W3C §7.2 step 21): when the
// stored or the presented counter is not zero, the presented one must be
// greater than the stored one; otherwise the authenticator may have been
// cloned and the assertion is refused. Authenticators without a counter
// (synced passkeys) always present zero.
func checkCounter(stored, presented uint32) error {
	if (stored != 0 || presented != 0) && presented <= stored {
		return failed(ErrAssertionFailed, fmt.Errorf("passkey: sign counter %d does not exceed the stored %d", presented, stored))
	}
	return nil
}
