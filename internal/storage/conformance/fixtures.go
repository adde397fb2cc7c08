package conformance

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// t0 is the suite's fixed clock. Fixture times have microsecond precision,
// the precision every backend must keep.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

// at returns t0 plus n seconds and n microseconds.
func at(n int) time.Time {
	return t0.Add(time.Duration(n)*time.Second + time.Duration(n)*time.Microsecond)
}

// elsewhere is a non-UTC zone: a store may return times in any location but
// they must be Equal.
var elsewhere = time.FixedZone("UTC+5:30", 5*3600+1800)

func i32(v int32) *int32 { return &v }

// The full* fixtures set every field, recursively, to a non-zero value;
// TestFixtures-style checks in Run fail when a field is added to a storage
// type and not to its fixture, so that every new field is round-tripped.

func fullPool(id string) storage.Pool {
	return storage.Pool{
		ID:        id,
		Name:      "pool " + id,
		CreatedAt: at(1),
		UpdatedAt: at(2).In(elsewhere),
		// Whitespace and member order are kept: Config comes back byte-equal.
		Config:     json.RawMessage("{ \"Policies\": {\"PasswordPolicy\": {\"MinimumLength\": 8}},\n  \"MfaConfiguration\": \"OPTIONAL\" }"),
		RiskConfig: json.RawMessage(`{"CompromisedCredentialsRiskConfiguration":{"Actions":{"EventAction":"BLOCK"}}}`),
		Tags:       map[string]string{"team": "identity", "env": "ci", "ünïcode": "wert"},
	}
}

func fullClient(poolID, id string) storage.Client {
	return storage.Client{
		PoolID: poolID,
		ID:     id,
		Name:   "client " + id,
		Secret: "client-secret-" + id,
		Secrets: []storage.ClientSecret{
			{ID: id + "--1700000003", Value: "client-secret-" + id, CreatedAt: at(3)},
			{ID: id + "--1700000005", Value: "second-secret-" + id, CreatedAt: at(5).In(elsewhere)},
		},
		CreatedAt:  at(3),
		UpdatedAt:  at(4),
		Config:     json.RawMessage(`{"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], "RefreshTokenValidity": 30}`),
		RiskConfig: json.RawMessage(`{"AccountTakeoverRiskConfiguration":{}}`),
	}
}

func fullUser(poolID, key string) storage.User {
	return storage.User{
		PoolID:      poolID,
		Username:    key,
		UsernameKey: key,
		Sub:         "sub-" + poolID + "-" + key,
		Attributes: []storage.Attribute{
			{Name: "email", Value: key + "@example.com"},
			{Name: "email_verified", Value: "true"},
			{Name: "phone_number", Value: "+15555550100"},
			{Name: "custom:tier", Value: "gold"},
		},
		PendingAttributes: []storage.Attribute{{Name: "email", Value: key + "@new.example.com"}},
		Status:            "CONFIRMED",
		Enabled:           true,
		CreatedAt:         at(5),
		UpdatedAt:         at(6),
		PasswordChangedAt: at(7).In(elsewhere),
		TokensRevokedAt:   at(8),
		MFA: storage.UserMFA{
			Enabled:          []storage.MFAFactor{"SOFTWARE_TOKEN_MFA", "SMS_MFA"},
			Preferred:        "SOFTWARE_TOKEN_MFA",
			LegacySMS:        true,
			TOTPFriendlyName: "phone",
			TOTPVerifiedAt:   at(9),
			TOTPLastStep:     58_123_456,
		},
		Lockout: storage.Lockout{Failures: 3, LastFailure: at(10), LockedUntil: at(11)},
		Passkeys: []storage.Passkey{{
			ID: []byte{0xc1, 0xed, 0x00, 0x01}, PublicKey: []byte{0xa5, 0x01, 0x02, 0x03, 0x26}, Algorithm: -7, SignCount: 4_000_000_001,
			AAGUID:     []byte{0xfb, 0xfc, 0x30, 0x07, 0x15, 0x4e, 0x4e, 0xcc, 0x8c, 0x0b, 0x6e, 0x02, 0x05, 0x57, 0xd7, 0xbd},
			Transports: []string{"hybrid", "internal"}, Attachment: "cross-platform",
			UserVerified: true, BackupEligible: true, BackupState: true,
			AttestationFormat: "packed", AttestationType: "self", RelyingPartyID: "auth.example.com",
			FriendlyName: "Roaming passkey", CreatedAt: at(12), LastUsedAt: at(13).In(elsewhere),
		}, {
			ID: []byte{2}, PublicKey: []byte{3}, Algorithm: -257, SignCount: 7, AAGUID: []byte{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6},
			Transports: []string{"usb"}, Attachment: "platform", UserVerified: true, BackupEligible: true, BackupState: true,
			AttestationFormat: "none", AttestationType: "none", RelyingPartyID: "localhost", FriendlyName: "Passkey",
			CreatedAt: at(14), LastUsedAt: at(15),
		}},
		ImportJobID: "import-mAgUtd8PMm",
		ImportLine:  5956,
		Secrets: storage.UserSecrets{
			PasswordHash:     "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
			SRPSalt:          []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
			SRPVerifier:      []byte{0xde, 0xad, 0xbe, 0xef, 0x00, 0x01},
			TOTPSecret:       []byte("12345678901234567890"),
			TOTPPending:      []byte("pending-secret-bytes"),
			PasskeyChallenge: []byte(`{"k":"webauthn.create","c":"Y2hhbGxlbmdl"}`),
			Codes: []storage.Code{
				{Purpose: "SIGN_UP", Value: "123456", ExpiresAt: at(12), Attempts: 1, Target: "sign-up-target", Issued: 3, WindowStart: at(16)},
				{Purpose: "VERIFY:email", Value: "654321", ExpiresAt: at(13), Attempts: 2,
					Target: "5a2f9e0c1b7d3e8f6a4c2b0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f", Issued: 5, WindowStart: at(17)},
			},
		},
	}
}

func fullGroup(poolID, name string) storage.Group {
	return storage.Group{
		PoolID:      poolID,
		Name:        name,
		Description: "group " + name,
		RoleArn:     "arn:aws:iam::123456789012:role/" + name,
		Precedence:  i32(7),
		CreatedAt:   at(14),
		UpdatedAt:   at(15),
	}
}

func fullDevice(poolID, usernameKey, key string) storage.Device {
	return storage.Device{
		PoolID:              poolID,
		UsernameKey:         usernameKey,
		Key:                 key,
		GroupKey:            "-group-" + key,
		Name:                "laptop " + key,
		Remembered:          "remembered",
		Confirmed:           true,
		Attributes:          []storage.Attribute{{Name: "device_name", Value: "laptop"}, {Name: "last_ip_used", Value: "192.0.2.1"}},
		CreatedAt:           at(16),
		UpdatedAt:           at(17),
		LastAuthenticatedAt: at(18),
		Secrets:             storage.DeviceSecrets{Salt: []byte("device-salt-0123"), Verifier: []byte("device-verifier")},
	}
}

func fullSession(poolID, id string) storage.AuthSession {
	return storage.AuthSession{
		ID:        id,
		PoolID:    poolID,
		ClientID:  "client-of-" + id,
		ExpiresAt: at(19),
		Used:      true,
		Attempts:  2,
		State:     []byte(`{"challenge":"SMS_MFA","code":"112233"}`),
	}
}

func fullSigningKey(poolID, kid string) storage.SigningKey {
	return storage.SigningKey{
		PoolID:     poolID,
		KID:        kid,
		Use:        "access",
		PrivateKey: []byte("pkcs8-der-bytes-of-" + kid),
		CreatedAt:  at(20),
		RetiredAt:  at(21),
	}
}

func fullMessage(poolID, username string, n int) storage.Message {
	return storage.Message{
		PoolID:      poolID,
		Username:    username,
		Channel:     "EMAIL",
		Destination: username + "@example.com",
		Purpose:     "SIGN_UP",
		Code:        fmt.Sprintf("%06d", n),
		Subject:     "Your verification code",
		Body:        fmt.Sprintf("Your code is %06d", n),
		SentAt:      at(22 + n),
		ExpiresAt:   at(122 + n),
	}
}

func fullAuthEvent(poolID, usernameKey, id string, created time.Time) storage.AuthEvent {
	return storage.AuthEvent{
		PoolID:                 poolID,
		UsernameKey:            usernameKey,
		ID:                     id,
		Type:                   "SignIn",
		CreatedAt:              created,
		Response:               "Pass",
		RiskDecision:           "AccountTakeover",
		RiskLevel:              "Medium",
		CompromisedCredentials: true,
		ChallengeResponses:     []storage.ChallengeResult{{Name: "Password", Response: "Success"}, {Name: "Mfa", Response: "Failure"}},
		Context: storage.EventContext{
			IPAddress:         "198.51.100.7",
			DeviceName:        "Chrome, Linux",
			Timezone:          "+01:00",
			City:              "Berlin",
			Country:           "Germany",
			DeviceFingerprint: "fp-" + id,
			UserAgent:         "Mozilla/5.0",
		},
		Feedback:          &storage.EventFeedback{Value: "Valid", Provider: "admin", Date: at(40)},
		FeedbackTokenHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	}
}

// minimal fixtures set only the keys (and what a key needs).
func minimalPool(id string) storage.Pool { return storage.Pool{ID: id} }

func minimalUser(poolID, key string) storage.User {
	return storage.User{PoolID: poolID, Username: key, UsernameKey: key, Sub: "sub-" + poolID + "-" + key}
}

func fullDomain(poolID, name string, custom bool) storage.Domain {
	return storage.Domain{
		Name:                   name,
		PoolID:                 poolID,
		Custom:                 custom,
		CertificateARN:         "arn:aws:acm:us-east-1:123456789012:certificate/" + name,
		SecurityPolicy:         "TLS_V1_2_2021",
		ManagedLoginVersion:    2,
		Routing:                json.RawMessage(`{ "Failover": {"SecondaryRegion": "us-west-2", "PrimaryRoute53HealthCheckId": "hc-1"} }`),
		CloudFrontDistribution: "d111111abcdef8.cloudfront.net",
		CreatedAt:              at(40),
		UpdatedAt:              at(41).In(elsewhere),
	}
}

func fullResourceServer(poolID, identifier string) storage.ResourceServer {
	return storage.ResourceServer{
		PoolID:     poolID,
		Identifier: identifier,
		Name:       "server " + identifier,
		Scopes: []storage.ResourceServerScope{
			{Name: "read", Description: "Read things"},
			{Name: "write", Description: "Write things"},
		},
		CreatedAt: at(42),
		UpdatedAt: at(43),
	}
}

func fullImportJob(poolID, jobID string, created time.Time) storage.ImportJob {
	return storage.ImportJob{
		PoolID: poolID, JobID: jobID, JobName: "import users, 1=2.@-",
		Status:                   "InProgress",
		CloudWatchLogsRoleARN:    "arn:aws:iam::123456789012:role/CognitoImport",
		PasswordHashingAlgorithm: "BCRYPT",
		PreSignedURL:             "http://127.0.0.1:9229/_cognito/user-import/123456789012/" + poolID + "/" + jobID + "?X-Amz-Signature=abc",
		CreatedAt:                created,
		StartedAt:                created.Add(time.Minute).In(elsewhere),
		CompletedAt:              created.Add(time.Hour),
		CompletionMessage:        "Import Job Completed Successfully.",
		ImportedUsers:            99_998,
		SkippedUsers:             1,
		FailedUsers:              2,
		CheckpointLine:           100_002,
		Worker:                   "node-a/123",
		LeaseExpires:             created.Add(2 * time.Minute),
	}
}
