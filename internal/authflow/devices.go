package authflow

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"

	"github.com/userpoold/userpoold/internal/risk"
	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file is the device part of sign-in (spec §7.5, §9.3). In a pool that
// tracks devices (DeviceConfiguration set):
//
//   - A DEVICE_KEY sent with the sign-in (AuthParameters of
//     USER_PASSWORD_AUTH, the PASSWORD_VERIFIER ChallengeResponses of SRP)
//     must name a device the user confirmed; anything else (unknown,
//     forgotten, never confirmed, another user's) fails the sign-in with
//     ResourceNotFoundException "Device does not exist." as soon as the
//     password is verified, so that clients retry without the key
//     (amazon-cognito-identity-js and Amplify v6 both do). In SRP the
//     PASSWORD_VERIFIER answer decides: a DEVICE_KEY member there, even empty
//     (identity-js retries with DEVICE_KEY null), replaces the one given to
//     InitiateAuth.
//   - A known device authenticates with DEVICE_SRP_AUTH (the client sends
//     SRP_A) and DEVICE_PASSWORD_VERIFIER (SALT, SRP_B, SECRET_BLOCK,
//     USERNAME; the client signs DeviceGroupKey + DeviceKey + SECRET_BLOCK +
//     TIMESTAMP with the key from its device password); a wrong proof is
//     NotAuthorizedException "Incorrect username or password." and leaves
//     the session usable (MaxSessionAttempts). Tokens then carry device_key
//     and no NewDeviceMetadata.
//   - A sign-in without a (known) device ends with NewDeviceMetadata: a new,
//     unconfirmed device, to be confirmed with ConfirmDevice.
//
// Ordering against MFA (spec §7.5 point 4; §14.10 is UNCONFIRMED, these are
// our rules):
//
//  1. NEW_PASSWORD_REQUIRED always comes first.
//  2. Device first, instead of MFA: the device is remembered, the pool has
//     ChallengeRequiredOnNewDevice ("use a remembered device to suppress the
//     second factor"), and threat protection does not ask for MFA — or the
//     pool remembers devices always (DeviceOnlyRememberedOnUserPrompt
//     false), in which case the Developer Guide says medium/high-risk MFA
//     settings are ignored. DEVICE_SRP_AUTH is then the challenge that
//     follows the password, and passing it passes MFA.
//  3. Otherwise MFA first (the user's own, then any threat protection asks
//     for), then DEVICE_SRP_AUTH: amazon-cognito-identity-js's sendMFACode
//     and the Kotlin SDK expect DEVICE_SRP_AUTH after MFA.
//  4. Tokens.
//
// Admin flows (AdminInitiateAuth) "don't support device tracking" [DG23
// admin authentication flow]: they ignore DEVICE_KEY and return no
// NewDeviceMetadata, and when the pool tracks devices their refresh token
// is bound to no device, so refreshing it fails ("When device tracking is
// enabled, admin authentication succeeds, but any call to refresh the access
// token will fail").
//
// Refresh tokens of a tracking pool are bound to the device of their sign-in
// (the NewDeviceMetadata key, or the known device): REFRESH_TOKEN_AUTH and
// GetTokensFromRefreshToken must send that DEVICE_KEY, and the device must
// still exist and be confirmed, else NotAuthorizedException "Invalid Refresh
// Token" — as Cognito does (aws-sdk-cpp#851, amplify-android#2506: a device
// must be confirmed before its refresh token works; a forgotten device's
// refresh tokens stop working, per the AWS blog on device tracking). Tokens
// from a sign-in that returned NewDeviceMetadata carry no device_key; tokens
// refreshed once the device is confirmed do.

// stepDevice is recorded in sessionState.Done once the device authenticated.
const stepDevice = "DEVICE"

// extDevice is the sessionState.Ext key of deviceState.
const extDevice = "device"

// untrackedDevice is the device a refresh token of an admin sign-in in a
// tracking pool is bound to: no device has this key, so the refresh fails.
const untrackedDevice = "-"

// deviceSecretBlockSize is the length of DEVICE_PASSWORD_VERIFIER's
// SECRET_BLOCK in bytes.
const deviceSecretBlockSize = 64

// deviceState is the device part of a sign-in session.
type deviceState struct {
	// Checked is set once the DEVICE_KEY of the sign-in was looked up.
	Checked bool `json:"chk,omitempty"`
	// Admin is set for a sign-in started with AdminInitiateAuth.
	Admin bool `json:"adm,omitempty"`
	// Known is set when sessionState.DeviceKey names a confirmed device of
	// the user, which must authenticate.
	Known      bool   `json:"known,omitempty"`
	GroupKey   string `json:"grp,omitempty"`
	Remembered bool   `json:"rem,omitempty"`
	// IP is the client address of the request that verified the password:
	// the device's last_ip_used.
	IP string `json:"ip,omitempty"`
	// ReplacesMFA is set when DEVICE_SRP_AUTH was issued instead of MFA.
	ReplacesMFA bool `json:"mfa,omitempty"`
	// A, SRP and Block are the handshake of DEVICE_PASSWORD_VERIFIER: the
	// client's A, the server state and the SECRET_BLOCK.
	A     []byte `json:"a,omitempty"`
	SRP   []byte `json:"srp,omitempty"`
	Block []byte `json:"blk,omitempty"`
}

func (st *sessionState) device() deviceState { return getExt[deviceState](st, extDevice) }

func (st *sessionState) setDevice(v deviceState) { st.putExt(extDevice, v) }

// confirmedDevice loads device key of u if it is confirmed (has a
// verifier), or returns userpool.ErrDeviceNotFound.
func (s *Service) confirmedDevice(ctx context.Context, pool *userpool.Pool, u storage.User, key string) (storage.Device, error) {
	d, err := s.Pools.UserDevice(ctx, pool, u, key)
	if err == nil && len(d.Secrets.Verifier) == 0 {
		return storage.Device{}, userpool.ErrDeviceNotFound
	}
	return d, err
}

// deviceLookup checks the DEVICE_KEY of the sign-in once, right after the
// password: in a tracking pool and a user flow it must name a confirmed
// device of the user; elsewhere it is dropped.
func (s *Service) deviceLookup(ctx context.Context, sc *signIn) error {
	st := sc.state.device()
	if st.Checked {
		return nil
	}
	st.Checked, st.Admin = true, sc.admin
	if a := risk.ParseIP(sc.context.IP); a.IsValid() {
		st.IP = a.String()
	}
	if sc.state.DeviceKey != "" && sc.pool.Settings.DeviceTracking() && !sc.admin {
		d, err := s.confirmedDevice(ctx, sc.pool, sc.user, sc.state.DeviceKey)
		if err != nil {
			return err
		}
		st.Known, st.GroupKey, st.Remembered = true, d.GroupKey, d.Remembered == userpool.DeviceRemembered
	} else {
		sc.state.DeviceKey = ""
	}
	sc.state.setDevice(st)
	return nil
}

// deviceReplacesMFA reports whether a known device authenticates instead of
// MFA (rule 2 of the file comment).
func deviceReplacesMFA(sc *signIn, st deviceState) bool {
	pool := sc.pool.Settings
	if !pool.ChallengeRequiredOnNewDevice() || !st.Remembered {
		return false
	}
	return !sc.state.risk().needsMFA() || !pool.DeviceOnlyRememberedOnUserPrompt()
}

// deviceStep issues DEVICE_SRP_AUTH for a known device that has not
// authenticated yet. With first set (before MFA) it does so only when the
// device replaces MFA.
func (s *Service) deviceStep(ctx context.Context, sc *signIn, first bool) (*Result, error) {
	st := sc.state.device()
	if !st.Known || sc.state.done(stepDevice) {
		return nil, nil
	}
	if first {
		if sc.state.done(stepMFA) || !deviceReplacesMFA(sc, st) {
			return nil, nil
		}
		st.ReplacesMFA = true
	}
	st.A, st.SRP, st.Block = nil, nil, nil
	sc.state.setDevice(st)
	// ChallengeParameters: UNCONFIRMED (spec §7.4); clients read none.
	return s.challenge(ctx, sc, ChallengeDeviceSRPAuth, map[string]string{"USERNAME": sc.user.Username})
}

// answerDeviceSRPAuth takes the client's SRP_A for the device and returns
// DEVICE_PASSWORD_VERIFIER with the device's SALT and the server's SRP_B.
func answerDeviceSRPAuth(ctx context.Context, s *Service, sc *signIn, r map[string]string) (*Result, error) {
	key, srpA := r["DEVICE_KEY"], r["SRP_A"]
	if key == "" {
		return nil, missing("DEVICE_KEY")
	}
	if srpA == "" {
		return nil, missing("SRP_A")
	}
	if key != sc.state.DeviceKey {
		return nil, s.wrongAnswer(ctx, sc, userpool.ErrDeviceNotFound)
	}
	d, err := s.confirmedDevice(ctx, sc.pool, sc.user, key)
	if err != nil {
		return nil, err
	}
	A, err := srp.ParseA(srpA)
	if err != nil {
		return nil, s.wrongAnswer(ctx, sc, errInvalidSRPA)
	}
	server, err := srp.NewServer(s.rand(), d.Secrets.Verifier)
	if err != nil {
		return nil, err
	}
	block := make([]byte, deviceSecretBlockSize)
	if _, err := io.ReadFull(s.rand(), block); err != nil {
		return nil, err
	}
	st := sc.state.device()
	st.GroupKey, st.A, st.SRP, st.Block = d.GroupKey, A, server.State(), block
	sc.state.setDevice(st)
	return s.challenge(ctx, sc, ChallengeDevicePasswordVerifier, map[string]string{
		"SALT":         hex.EncodeToString(d.Secrets.Salt),
		"SRP_B":        server.SRPBHex(),
		"SECRET_BLOCK": base64.StdEncoding.EncodeToString(block),
		"USERNAME":     sc.user.Username,
	})
}

// answerDevicePasswordVerifier checks the device's PASSWORD_CLAIM_SIGNATURE
// (pool name = DeviceGroupKey, user = DeviceKey, spec §9.3).
func answerDevicePasswordVerifier(ctx context.Context, s *Service, sc *signIn, r map[string]string) (*Result, error) {
	for _, name := range []string{"PASSWORD_CLAIM_SECRET_BLOCK", "TIMESTAMP", "PASSWORD_CLAIM_SIGNATURE"} {
		if r[name] == "" {
			return nil, missing(name)
		}
	}
	sc.compared()
	st := sc.state.device()
	key := sc.state.DeviceKey
	if k := r["DEVICE_KEY"]; k != "" && k != key {
		return nil, s.wrongAnswer(ctx, sc, errIncorrect)
	}
	raw, err := base64.StdEncoding.DecodeString(r["PASSWORD_CLAIM_SECRET_BLOCK"])
	if err != nil || len(st.Block) == 0 || subtle.ConstantTimeCompare(raw, st.Block) != 1 {
		return nil, s.wrongAnswer(ctx, sc, errIncorrect)
	}
	d, err := s.confirmedDevice(ctx, sc.pool, sc.user, key)
	if err != nil {
		return nil, err
	}
	proof := secretBlock{a: st.A, state: st.SRP}
	if !s.verifyProof(proof, d.Secrets.Verifier, d.GroupKey, key, raw, r, s.now()) {
		return nil, s.wrongAnswer(ctx, sc, errIncorrect)
	}
	if err := s.spend(ctx, sc); err != nil {
		return nil, err
	}
	if err := s.Pools.DeviceUsed(ctx, sc.pool, key, st.IP); err != nil {
		return nil, err
	}
	sc.state.pass(stepDevice)
	if st.ReplacesMFA {
		sc.state.pass(stepMFA)
	}
	st.A, st.SRP, st.Block = nil, nil, nil
	sc.state.setDevice(st)
	return s.advance(ctx, sc)
}

// deviceTokens returns how the tokens of a finished sign-in relate to its
// device: the device_key of the access token, the device the refresh token
// is bound to, and NewDeviceMetadata (a new unconfirmed device) for a user
// sign-in without a known device in a tracking pool.
func (s *Service) deviceTokens(ctx context.Context, sc *signIn) (accessKey, refreshKey string, meta *DeviceMetadata, err error) {
	st := sc.state.device()
	switch {
	case !sc.pool.Settings.DeviceTracking():
		return "", "", nil, nil
	case st.Admin:
		return "", untrackedDevice, nil, nil
	case st.Known:
		return sc.state.DeviceKey, sc.state.DeviceKey, nil, nil
	}
	d, err := s.Pools.NewDevice(ctx, sc.pool, sc.user, st.IP)
	if err != nil {
		return "", "", nil, err
	}
	return "", d.Key, &DeviceMetadata{DeviceKey: d.Key, DeviceGroupKey: d.GroupKey}, nil
}

// refreshDevice applies the device binding of a refresh token (see the file
// comment) and returns the device_key of the new tokens. The DEVICE_KEY
// sent with the refresh only ever selects the device the token is bound to:
// it is never copied into a token by itself, so that a client cannot put a
// device_key of its choosing in an access token (where a pool does not track
// devices, or the token is bound to none).
func (s *Service) refreshDevice(ctx context.Context, pool *userpool.Pool, u storage.User, bound, sent string) (string, error) {
	if !pool.Settings.DeviceTracking() {
		if bound == untrackedDevice {
			return "", nil
		}
		return bound, nil // "" or the device of a sign-in while the pool tracked devices
	}
	if bound == "" {
		return "", nil // issued before the pool tracked devices
	}
	if bound == untrackedDevice || sent != bound {
		return "", errRefreshInvalid
	}
	if _, err := s.confirmedDevice(ctx, pool, u, bound); err != nil {
		if errors.Is(err, userpool.ErrDeviceNotFound) {
			return "", errRefreshInvalid
		}
		return "", err
	}
	return bound, nil
}
