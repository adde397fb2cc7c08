package authflow

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"time"

	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// srpAuth runs USER_SRP_AUTH (InitiateAuth and AdminInitiateAuth): USERNAME
// and SRP_A in, a PASSWORD_VERIFIER challenge out, without a Session (spec
// §7.4, §9.2).
func (s *Service) srpAuth(ctx context.Context, pool *userpool.Pool, client *userpool.Client, in Initiate) (*Result, error) {
	username := in.Params["USERNAME"]
	if username == "" {
		return nil, missing("USERNAME")
	}
	srpA := in.Params["SRP_A"]
	if srpA == "" {
		return nil, missing("SRP_A")
	}
	if err := client.CheckSecretHash(username, in.Params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	A, err := srp.ParseA(srpA)
	if err != nil {
		return nil, errInvalidSRPA
	}
	blk := secretBlock{
		expires:   s.now().Add(client.Settings.SessionValidity()),
		deviceKey: in.Params["DEVICE_KEY"],
		a:         A,
	}
	var salt, verifier []byte
	var shown string // USERNAME and USER_ID_FOR_SRP
	// PreAuthentication fires in InitiateAuth (spec §4), before the proof.
	sc := &signIn{pool: pool, client: client, admin: in.Admin, respond: in.respond, metadata: in.Metadata, context: in.Context}
	sc.state = sessionState{Flow: in.Flow}
	u, err := s.Pools.FindUser(ctx, pool, username)
	switch {
	case errors.Is(err, userpool.ErrUserNotFound):
		if !client.Settings.HidesUserExistence() {
			return nil, err // the legacy error comes at InitiateAuth (ministack#1758)
		}
		if !in.respond {
			if err := s.preAuthenticationUnknown(ctx, sc, username); err != nil {
				return nil, err
			}
		}
		// A decoy challenge that looks like a real one and then fails:
		// the same SALT every time for the same name, a B from a verifier
		// nobody knows the password of.
		// The block keeps the name's lookup key, under which its failures
		// are counted (userpool.UnknownSignInFailure).
		blk.decoy = true
		blk.username = pool.Settings.LookupKey(username)
		if shown, err = s.decoyUsername(pool, username); err != nil {
			return nil, err
		}
		if salt, err = s.decoySalt(pool.ID, pool.Settings.LookupKey(username)); err != nil {
			return nil, err
		}
		if verifier, err = s.decoyVerifier(); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		if err := userpool.CheckSignIn(u); err != nil {
			return nil, err
		}
		if !in.respond {
			if err := s.preAuthentication(ctx, sc, u); err != nil {
				return nil, err
			}
		}
		blk.username, shown = u.Username, u.Username
		salt, verifier = u.Secrets.SRPSalt, u.Secrets.SRPVerifier
		if len(salt) == 0 || len(verifier) == 0 {
			// No password (or none usable by SRP): the proof will fail.
			if salt, err = s.decoySalt(pool.ID, u.UsernameKey); err != nil {
				return nil, err
			}
			if verifier, err = s.decoyVerifier(); err != nil {
				return nil, err
			}
		}
	}
	params, err := s.passwordVerifierParameters(pool, client, blk, shown, salt, verifier)
	if err != nil {
		return nil, err
	}
	return &Result{Challenge: ChallengePasswordVerifier, Parameters: params}, nil
}

// passwordVerifierParameters starts the server side of SRP for verifier
// and returns PASSWORD_VERIFIER's ChallengeParameters: SALT, SRP_B, the
// SECRET_BLOCK sealing blk with the server state, and shown as USERNAME
// and USER_ID_FOR_SRP.
func (s *Service) passwordVerifierParameters(pool *userpool.Pool, client *userpool.Client, blk secretBlock, shown string, salt, verifier []byte) (map[string]string, error) {
	server, err := srp.NewServer(s.rand(), verifier)
	if err != nil {
		return nil, err
	}
	blk.state = server.State()
	sealed, err := s.sealBlock(pool.ID, client.ID, blk)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		"SALT":            hex.EncodeToString(salt),
		"SECRET_BLOCK":    sealed,
		"SRP_B":           server.SRPBHex(),
		"USERNAME":        shown,
		"USER_ID_FOR_SRP": shown,
	}, nil
}

// answerPasswordVerifier checks the client's PASSWORD_CLAIM_SIGNATURE
// against the state sealed in PASSWORD_CLAIM_SECRET_BLOCK. Anything wrong
// with the proof, the block, the TIMESTAMP or the user behind them answers
// "Incorrect username or password." (spec §7.4).
func (s *Service) answerPasswordVerifier(ctx context.Context, pool *userpool.Pool, client *userpool.Client, in Respond) (*Result, error) {
	r := in.Responses
	for _, name := range []string{"USERNAME", "PASSWORD_CLAIM_SECRET_BLOCK", "TIMESTAMP", "PASSWORD_CLAIM_SIGNATURE"} {
		if r[name] == "" {
			return nil, missing(name)
		}
	}
	username := r["USERNAME"]
	if err := client.CheckSecretHash(username, r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(r["PASSWORD_CLAIM_SECRET_BLOCK"])
	if err != nil {
		return nil, errIncorrect
	}
	blk, err := s.openBlock(pool.ID, client.ID, raw)
	if err != nil {
		return nil, errIncorrect
	}
	now := s.now()
	if !now.Before(blk.expires) {
		return nil, errIncorrect // UNCONFIRMED: Cognito may word an expired challenge differently
	}
	if blk.custom {
		// The PASSWORD_VERIFIER of a CUSTOM_AUTH sign-in answers its
		// session, whose rounds go on after it (customauth.go).
		return s.answerCustomPasswordVerifier(ctx, pool, client, in, blk, raw)
	}
	key := pool.Settings.UsernameKey(blk.username)
	if blk.decoy {
		// Counted and answered as a real user's wrong proof (reserve):
		// "Password attempts exceeded" during the name's lockout, without
		// a check.
		locked, err := s.Pools.UnknownSignInFailure(ctx, pool, blk.username)
		if err != nil {
			return nil, err
		}
		if locked {
			return nil, errAttemptsExceeded
		}
		s.decoyProof(blk, pool, r)
		return nil, errIncorrect
	}
	// Count the attempt before the proof is checked (see passwordAuth).
	u, res, err := s.reserve(ctx, pool.ID, key, func(u storage.User) error {
		if pool.Settings.UsernameKey(username) != key && username != u.Sub {
			return errIncorrect
		}
		return userpool.CheckSignIn(u)
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errIncorrect
	}
	if err != nil {
		return nil, err
	}
	if !s.verifyProof(blk, u.Secrets.SRPVerifier, srp.PoolName(pool.ID), u.Username, raw, r, now) {
		return nil, s.signInFailed(ctx, pool, client, u, in.Context, errIncorrect)
	}
	if err := s.refund(ctx, pool.ID, &u, res); err != nil {
		return nil, err
	}
	// A DEVICE_KEY member here, even empty, replaces the one sent with
	// InitiateAuth: amazon-cognito-identity-js retries this answer with
	// DEVICE_KEY null after "Device does not exist." (devices.go).
	deviceKey, sent := r["DEVICE_KEY"]
	if !sent {
		deviceKey = blk.deviceKey
	}
	sc := &signIn{pool: pool, client: client, user: u, admin: in.Admin, respond: true, metadata: in.Metadata, context: in.Context}
	sc.state = sessionState{Username: u.Username, Sub: u.Sub, Flow: FlowUserSRP, DeviceKey: deviceKey}
	// Each SECRET_BLOCK authenticates once (advance spends it).
	sc.block, sc.blockExpires = raw, blk.expires
	return s.passwordVerified(ctx, sc)
}

// spendBlock records that the SECRET_BLOCK of the PASSWORD_VERIFIER answer
// being handled (sc.block, base64-decoded) has authenticated, so that the
// answer cannot be replayed: a marker in the session store whose ID is "pv:"
// and a SHA-256 digest of the block, expiring with the block (the session
// sweeper removes it once it no longer matters). The marker is created
// atomically, so of two concurrent answers with one block only one gets
// through; the other, like any later replay, gets errIncorrect. The marker
// is never a usable session: session IDs are digests without a prefix, and
// it is stored already used.
//
// advance calls it right after the DEVICE_KEY check, not when the proof is
// verified: amazon-cognito-identity-js answers "Device does not exist." by
// sending the same answer again with DEVICE_KEY null (devices.go).
func (s *Service) spendBlock(ctx context.Context, sc *signIn) error {
	if sc.block == nil {
		return nil
	}
	raw := sc.block
	sc.block = nil
	sum := sha256.Sum256(append([]byte("userpoold/secret-block\x00"), raw...))
	err := s.Sessions.CreateSession(ctx, storage.AuthSession{
		ID:        "pv:" + base64.RawURLEncoding.EncodeToString(sum[:]),
		PoolID:    sc.pool.ID,
		ClientID:  sc.client.ID,
		ExpiresAt: sc.blockExpires,
		Used:      true,
		State:     []byte("{}"),
	})
	if errors.Is(err, storage.ErrExists) {
		return errIncorrect
	}
	return err
}

// verifyProof resumes the handshake sealed in blk for verifier and checks
// the claim. The TIMESTAMP must be in Cognito's format (srp.ParseTimestamp,
// strict about the day and weekday) and within TimestampSkew of now (of
// ClientNow when it is set).
func (s *Service) verifyProof(blk secretBlock, verifier []byte, poolName, userID string, rawBlock []byte, r map[string]string, now time.Time) bool {
	if s.ClientNow != nil {
		now = s.ClientNow()
	}
	ts, err := srp.ParseTimestamp(r["TIMESTAMP"])
	if err != nil || ts.Sub(now).Abs() > TimestampSkew {
		return false
	}
	if len(verifier) == 0 {
		return false
	}
	server, err := srp.ResumeServer(blk.state, verifier)
	if err != nil {
		return false
	}
	return server.VerifyClaim(blk.a, poolName, userID, rawBlock, r["TIMESTAMP"], r["PASSWORD_CLAIM_SIGNATURE"])
}

// decoyProof spends the time a real proof check costs, so that a decoy
// challenge cannot be told from a real one by timing.
func (s *Service) decoyProof(blk secretBlock, pool *userpool.Pool, r map[string]string) {
	v, err := s.decoyVerifier()
	if err != nil {
		return
	}
	s.verifyProof(blk, v, srp.PoolName(pool.ID), blk.username, nil, r, s.now())
}

// decoySalt is the SALT shown for a user who does not exist (or has no SRP
// verifier): derived from the name, so that asking twice gives the same
// answer, as it would for a real user. Like real salts it is 16 bytes that
// never start with 0x00.
func (s *Service) decoySalt(poolID, usernameKey string) ([]byte, error) {
	if err := s.keys(); err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, s.decoy)
	m.Write([]byte(poolID))
	m.Write([]byte{0})
	m.Write([]byte(usernameKey))
	salt := m.Sum(nil)[:srp.SaltSize]
	if salt[0] == 0 {
		salt[0] = 1
	}
	return salt, nil
}

// decoyUsername is the USER_ID_FOR_SRP shown for a user who does not exist,
// derived from the name's lookup key (userpool.Settings.LookupKey: the
// normalisation of the real lookup), so that every spelling a lookup would
// take for one user gets one answer. Where a real user found by that name
// shows an internal username unlike it (pools whose users sign in with
// email or phone as the username, whose usernames are UUIDs; an email
// address or phone number typed as an alias; a sub), the decoy is a UUID
// derived from the name (the same on every attempt); elsewhere it is the
// lookup key, which is what a real user signing in by username sees when
// the name was created as typed (lower-cased in a case-insensitive pool).
// UNCONFIRMED: Cognito's decoy for unknown names.
func (s *Service) decoyUsername(pool *userpool.Pool, typed string) (string, error) {
	key := pool.Settings.LookupKey(typed)
	st := pool.Settings
	asAlias := (userpool.IsEmailFormat(typed) && st.IsAlias("email")) ||
		(userpool.IsPhoneFormat(typed) && st.IsAlias("phone_number")) || key != st.UsernameKey(typed)
	if len(st.UsernameAttributes) == 0 && !asAlias {
		return key, nil
	}
	if err := s.keys(); err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, s.decoy)
	m.Write([]byte("username\x00" + pool.ID + "\x00" + key))
	var u [16]byte
	copy(u[:], m.Sum(nil))
	u[6] = 0x40 | u[6]&0x0f
	u[8] = 0x80 | u[8]&0x3f
	return hex.EncodeToString(u[0:4]) + "-" + hex.EncodeToString(u[4:6]) + "-" + hex.EncodeToString(u[6:8]) + "-" +
		hex.EncodeToString(u[8:10]) + "-" + hex.EncodeToString(u[10:]), nil
}

// decoyVerifier is a verifier for a random password nobody knows, computed
// once per process.
func (s *Service) decoyVerifier() ([]byte, error) {
	s.fakeOne.Do(func() {
		pw := make([]byte, 32)
		if _, err := io.ReadFull(s.rand(), pw); err != nil {
			s.fakeErr = err
			return
		}
		_, s.fakeV, s.fakeErr = srp.NewVerifier(s.rand(), "decoy", "decoy", hex.EncodeToString(pw))
	})
	return s.fakeV, s.fakeErr
}

// secretBlock is the PASSWORD_VERIFIER state carried by SECRET_BLOCK.
type secretBlock struct {
	expires   time.Time // millisecond precision
	decoy     bool      // no such user: the answer must fail
	custom    bool      // a CUSTOM_AUTH round: answered with its Session
	username  string    // internal username (the name as typed for a decoy)
	deviceKey string    // DEVICE_KEY sent with InitiateAuth
	a         []byte    // the client's A, srp.Size bytes
	state     []byte    // srp.Server.State()
}

const (
	blockVersion = 2
	flagDecoy    = 1
	flagCustom   = 2
)

// errBlock reports a SECRET_BLOCK that does not decode.
var errBlock = errors.New("authflow: malformed secret block")

// blockAD binds a sealed block to the pool and client it was issued for.
func blockAD(poolID, clientID string) []byte {
	return []byte("secret-block\x00" + poolID + "\x00" + clientID)
}

// marshal lays the block out as: version (1) | flags (1) | expires, Unix ms
// (8) | username (2-byte length + bytes) | device key (2 + n) | A (Size) |
// state (2 + n).
func (b secretBlock) marshal() []byte {
	out := make([]byte, 0, 2+8+2+len(b.username)+2+len(b.deviceKey)+len(b.a)+2+len(b.state))
	var flags byte
	if b.decoy {
		flags |= flagDecoy
	}
	if b.custom {
		flags |= flagCustom
	}
	out = append(out, blockVersion, flags)
	out = binary.BigEndian.AppendUint64(out, uint64(b.expires.UnixMilli()))
	out = binary.BigEndian.AppendUint16(out, uint16(len(b.username)))
	out = append(out, b.username...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(b.deviceKey)))
	out = append(out, b.deviceKey...)
	out = append(out, b.a...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(b.state)))
	return append(out, b.state...)
}

func unmarshalBlock(p []byte) (secretBlock, error) {
	var b secretBlock
	if len(p) < 10 || p[0] != blockVersion {
		return b, errBlock
	}
	b.decoy = p[1]&flagDecoy != 0
	b.custom = p[1]&flagCustom != 0
	b.expires = time.UnixMilli(int64(binary.BigEndian.Uint64(p[2:10])))
	p = p[10:]
	str := func() (string, bool) {
		if len(p) < 2 {
			return "", false
		}
		n := int(binary.BigEndian.Uint16(p))
		if len(p) < 2+n {
			return "", false
		}
		v := string(p[2 : 2+n])
		p = p[2+n:]
		return v, true
	}
	var ok1, ok2 bool
	b.username, ok1 = str()
	b.deviceKey, ok2 = str()
	if !ok1 || !ok2 || len(p) < srp.Size+2 {
		return b, errBlock
	}
	b.a, p = p[:srp.Size], p[srp.Size:]
	n := int(binary.BigEndian.Uint16(p))
	if len(p) != 2+n {
		return b, errBlock
	}
	b.state = p[2:]
	return b, nil
}

// sealBlock returns SECRET_BLOCK: standard base64 (with padding) of the
// sealed block.
func (s *Service) sealBlock(poolID, clientID string, b secretBlock) (string, error) {
	if err := s.keys(); err != nil {
		return "", err
	}
	sealed, err := s.blocks.Seal(b.marshal(), blockAD(poolID, clientID))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sealed), nil
}

// openBlock opens a SECRET_BLOCK (already base64-decoded) issued for this
// pool and client.
func (s *Service) openBlock(poolID, clientID string, raw []byte) (secretBlock, error) {
	if err := s.keys(); err != nil {
		return secretBlock{}, err
	}
	p, err := s.blocks.Open(raw, blockAD(poolID, clientID))
	if err != nil {
		return secretBlock{}, err
	}
	return unmarshalBlock(p)
}
