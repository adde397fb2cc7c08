package sql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/userpoold/userpoold/internal/storage"
)

type attrJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func toAttrJSON(as []storage.Attribute) []attrJSON {
	if len(as) == 0 {
		return nil
	}
	out := make([]attrJSON, len(as))
	for i, a := range as {
		out[i] = attrJSON(a)
	}
	return out
}

func fromAttrJSON(as []attrJSON) []storage.Attribute {
	if len(as) == 0 {
		return nil
	}
	out := make([]storage.Attribute, len(as))
	for i, a := range as {
		out[i] = storage.Attribute(a)
	}
	return out
}

// userData is the data column of users: every field that is neither a key
// column nor secret.
type userData struct {
	Attributes        []attrJSON         `json:"attributes,omitempty"`
	PendingAttributes []attrJSON         `json:"pending_attributes,omitempty"`
	Status            storage.UserStatus `json:"status,omitempty"`
	Enabled           bool               `json:"enabled,omitempty"`
	CreatedAt         *int64             `json:"created_at,omitempty"`
	UpdatedAt         *int64             `json:"updated_at,omitempty"`
	PasswordChangedAt *int64             `json:"password_changed_at,omitempty"`
	TokensRevokedAt   *int64             `json:"tokens_revoked_at,omitempty"`
	MFA               mfaJSON            `json:"mfa"`
	Lockout           lockoutJSON        `json:"lockout"`
	Passkeys          []passkeyJSON      `json:"passkeys,omitempty"`
	ImportJobID       string             `json:"import_job,omitempty"`
	ImportLine        int64              `json:"import_line,omitempty"`
}

// passkeyJSON is one storage.Passkey in the data column (nothing in it is
// secret: public keys and credential IDs).
type passkeyJSON struct {
	ID                []byte   `json:"id"`
	PublicKey         []byte   `json:"public_key"`
	Algorithm         int64    `json:"alg"`
	SignCount         uint32   `json:"sign_count,omitempty"`
	AAGUID            []byte   `json:"aaguid,omitempty"`
	Transports        []string `json:"transports,omitempty"`
	Attachment        string   `json:"attachment,omitempty"`
	UserVerified      bool     `json:"uv,omitempty"`
	BackupEligible    bool     `json:"be,omitempty"`
	BackupState       bool     `json:"bs,omitempty"`
	AttestationFormat string   `json:"att_fmt,omitempty"`
	AttestationType   string   `json:"att_type,omitempty"`
	RelyingPartyID    string   `json:"rp_id,omitempty"`
	FriendlyName      string   `json:"name,omitempty"`
	CreatedAt         *int64   `json:"created_at,omitempty"`
	LastUsedAt        *int64   `json:"last_used_at,omitempty"`
}

func toPasskeyJSON(ps []storage.Passkey) []passkeyJSON {
	if len(ps) == 0 {
		return nil
	}
	out := make([]passkeyJSON, len(ps))
	for i, p := range ps {
		out[i] = passkeyJSON{ID: p.ID, PublicKey: p.PublicKey, Algorithm: p.Algorithm, SignCount: p.SignCount,
			AAGUID: emptyNil(p.AAGUID), Transports: emptyNil(p.Transports), Attachment: p.Attachment,
			UserVerified: p.UserVerified, BackupEligible: p.BackupEligible, BackupState: p.BackupState,
			AttestationFormat: p.AttestationFormat, AttestationType: p.AttestationType, RelyingPartyID: p.RelyingPartyID,
			FriendlyName: p.FriendlyName, CreatedAt: jtime(p.CreatedAt), LastUsedAt: jtime(p.LastUsedAt)}
	}
	return out
}

func fromPasskeyJSON(ps []passkeyJSON) []storage.Passkey {
	if len(ps) == 0 {
		return nil
	}
	out := make([]storage.Passkey, len(ps))
	for i, p := range ps {
		out[i] = storage.Passkey{ID: p.ID, PublicKey: p.PublicKey, Algorithm: p.Algorithm, SignCount: p.SignCount,
			AAGUID: emptyNil(p.AAGUID), Transports: emptyNil(p.Transports), Attachment: p.Attachment,
			UserVerified: p.UserVerified, BackupEligible: p.BackupEligible, BackupState: p.BackupState,
			AttestationFormat: p.AttestationFormat, AttestationType: p.AttestationType, RelyingPartyID: p.RelyingPartyID,
			FriendlyName: p.FriendlyName, CreatedAt: fromJTime(p.CreatedAt), LastUsedAt: fromJTime(p.LastUsedAt)}
	}
	return out
}

type mfaJSON struct {
	Enabled          []storage.MFAFactor `json:"enabled,omitempty"`
	Preferred        storage.MFAFactor   `json:"preferred,omitempty"`
	LegacySMS        bool                `json:"legacy_sms,omitempty"`
	TOTPFriendlyName string              `json:"totp_friendly_name,omitempty"`
	TOTPVerifiedAt   *int64              `json:"totp_verified_at,omitempty"`
	TOTPLastStep     int64               `json:"totp_last_step,omitempty"`
}

type lockoutJSON struct {
	Failures    int    `json:"failures,omitempty"`
	LastFailure *int64 `json:"last_failure,omitempty"`
	LockedUntil *int64 `json:"locked_until,omitempty"`
}

// userSecretsJSON is sealed into the secrets column of users.
type userSecretsJSON struct {
	PasswordHash string     `json:"password_hash,omitempty"`
	SRPSalt      []byte     `json:"srp_salt,omitempty"`
	SRPVerifier  []byte     `json:"srp_verifier,omitempty"`
	TOTPSecret   []byte     `json:"totp_secret,omitempty"`
	TOTPPending  []byte     `json:"totp_pending,omitempty"`
	Codes        []codeJSON `json:"codes,omitempty"`
	Passkey      []byte     `json:"passkey_challenge,omitempty"`
}

type codeJSON struct {
	Purpose     string `json:"purpose,omitempty"`
	Value       string `json:"value,omitempty"`
	ExpiresAt   *int64 `json:"expires_at,omitempty"`
	Attempts    int    `json:"attempts,omitempty"`
	Target      string `json:"target,omitempty"`
	Issued      int    `json:"issued,omitempty"`
	WindowStart *int64 `json:"window_start,omitempty"`
}

func marshalUserData(u *storage.User) (string, error) {
	b, err := json.Marshal(userData{
		Attributes:        toAttrJSON(u.Attributes),
		PendingAttributes: toAttrJSON(u.PendingAttributes),
		Status:            u.Status,
		Enabled:           u.Enabled,
		CreatedAt:         jtime(u.CreatedAt),
		UpdatedAt:         jtime(u.UpdatedAt),
		PasswordChangedAt: jtime(u.PasswordChangedAt),
		TokensRevokedAt:   jtime(u.TokensRevokedAt),
		MFA: mfaJSON{
			Enabled:          emptyNil(u.MFA.Enabled),
			Preferred:        u.MFA.Preferred,
			LegacySMS:        u.MFA.LegacySMS,
			TOTPFriendlyName: u.MFA.TOTPFriendlyName,
			TOTPVerifiedAt:   jtime(u.MFA.TOTPVerifiedAt),
			TOTPLastStep:     u.MFA.TOTPLastStep,
		},
		Lockout: lockoutJSON{
			Failures:    u.Lockout.Failures,
			LastFailure: jtime(u.Lockout.LastFailure),
			LockedUntil: jtime(u.Lockout.LockedUntil),
		},
		Passkeys:    toPasskeyJSON(u.Passkeys),
		ImportJobID: u.ImportJobID,
		ImportLine:  u.ImportLine,
	})
	return string(b), err
}

var emptyJSONObject = []byte("{}")

// marshalUserSecrets returns nil when the user has no secrets.
func marshalUserSecrets(s *storage.UserSecrets) ([]byte, error) {
	j := userSecretsJSON{
		PasswordHash: s.PasswordHash,
		SRPSalt:      emptyNil(s.SRPSalt),
		SRPVerifier:  emptyNil(s.SRPVerifier),
		TOTPSecret:   emptyNil(s.TOTPSecret),
		TOTPPending:  emptyNil(s.TOTPPending),
		Passkey:      emptyNil(s.PasskeyChallenge),
	}
	if len(s.Codes) > 0 {
		j.Codes = make([]codeJSON, len(s.Codes))
		for i, c := range s.Codes {
			j.Codes[i] = codeJSON{Purpose: c.Purpose, Value: c.Value, ExpiresAt: jtime(c.ExpiresAt), Attempts: c.Attempts,
				Target: c.Target, Issued: c.Issued, WindowStart: jtime(c.WindowStart)}
		}
	}
	b, err := json.Marshal(j)
	if err != nil || bytes.Equal(b, emptyJSONObject) {
		return nil, err
	}
	return b, nil
}

func unmarshalUserSecrets(b []byte, s *storage.UserSecrets) error {
	if len(b) == 0 {
		return nil
	}
	var j userSecretsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	s.PasswordHash = j.PasswordHash
	s.SRPSalt = emptyNil(j.SRPSalt)
	s.SRPVerifier = emptyNil(j.SRPVerifier)
	s.TOTPSecret = emptyNil(j.TOTPSecret)
	s.TOTPPending = emptyNil(j.TOTPPending)
	s.PasskeyChallenge = emptyNil(j.Passkey)
	if len(j.Codes) > 0 {
		s.Codes = make([]storage.Code, len(j.Codes))
		for i, c := range j.Codes {
			s.Codes[i] = storage.Code{Purpose: c.Purpose, Value: c.Value, ExpiresAt: fromJTime(c.ExpiresAt), Attempts: c.Attempts,
				Target: c.Target, Issued: c.Issued, WindowStart: fromJTime(c.WindowStart)}
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Filter columns

// filterAttr is a ListUsers filter attribute and the columns that hold it.
type filterAttr struct {
	attr string // UserQuery.Attribute
	raw  string // column with the value as is
	fold string // column with the value lower-cased (indexed)
}

var filterAttrs = [...]filterAttr{
	{"username", "username", "fold_username"},
	{"email", "attr_email", "fold_email"},
	{"phone_number", "attr_phone_number", "fold_phone_number"},
	{"name", "attr_name", "fold_name"},
	{"given_name", "attr_given_name", "fold_given_name"},
	{"family_name", "attr_family_name", "fold_family_name"},
	{"preferred_username", "attr_preferred_username", "fold_preferred_username"},
	{"cognito:user_status", "attr_user_status", "fold_user_status"},
	{"status", "attr_status", "fold_status"},
	{"sub", "sub", "fold_sub"},
}

const (
	filterUsername   = 0
	filterUserStatus = 7
	filterStatus     = 8
	filterSub        = 9
)

func filterIndex(attr string) (int, bool) {
	for i, f := range filterAttrs {
		if f.attr == attr {
			return i, true
		}
	}
	return 0, false
}

// fold is the case-insensitive form of filter values: strings.ToLower,
// which maps rune by rune, so fold(a+b) == fold(a)+fold(b) and prefixes
// survive folding.
func fold(s string) string { return strings.ToLower(s) }

// EnabledStatus and DisabledStatus are the values of the ListUsers "status"
// filter attribute, as in Cognito's ListUsers.
const (
	EnabledStatus  = "Enabled"
	DisabledStatus = "Disabled"
)

// filterValue returns the value of filter attribute i for u.
func filterValue(u *storage.User, i int) (string, bool) {
	switch i {
	case filterUsername:
		return u.Username, true
	case filterUserStatus:
		return string(u.Status), true
	case filterStatus:
		if u.Enabled {
			return EnabledStatus, true
		}
		return DisabledStatus, true
	case filterSub:
		return u.Sub, true
	}
	name := filterAttrs[i].attr
	for _, a := range u.Attributes {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// The columns an update may change, in a fixed order; secrets is handled
// apart because it is compared before sealing.
var userMutableCols = func() []string {
	cols := []string{"username", "data"}
	for i, f := range filterAttrs {
		if i != filterUsername && i != filterSub {
			cols = append(cols, f.raw)
		}
	}
	for i, f := range filterAttrs {
		if i != filterSub {
			cols = append(cols, f.fold)
		}
	}
	return cols
}()

// userValues returns the values of userMutableCols for u.
func userValues(u *storage.User, data string) []any {
	vals := make([]any, 0, len(userMutableCols))
	vals = append(vals, u.Username, data)
	for i := range filterAttrs {
		if i != filterUsername && i != filterSub {
			v, ok := filterValue(u, i)
			vals = append(vals, nullString(v, ok))
		}
	}
	for i := range filterAttrs {
		if i != filterSub {
			v, ok := filterValue(u, i)
			vals = append(vals, nullString(fold(v), ok))
		}
	}
	return vals
}

var insertUserSQL = func() string {
	cols := append([]string{"pool_id", "username_key", "sub", "fold_sub", "secrets"}, userMutableCols...)
	return "INSERT INTO users (" + strings.Join(cols, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
}()

// updateUserSQL caches UPDATE statements by the set of changed columns
// (bit i = userMutableCols[i], bit len = secrets), so that an update writes
// only what changed and SQLite touches only the indexes it must.
var updateUserSQL sync.Map // updateUserKey → string

type updateUserKey struct {
	mask uint64
	eq   string
}

// updateUserQuery returns the UPDATE for mask. Its arguments are the new
// values, pool_id and username_key, and, when eq (the dialect's null-safe
// equality) is set, the data and secrets the row must still hold.
func updateUserQuery(mask uint64, eq string) string {
	key := updateUserKey{mask, eq}
	if q, ok := updateUserSQL.Load(key); ok {
		return q.(string)
	}
	var sets []string
	for i, c := range userMutableCols {
		if mask&(1<<i) != 0 {
			sets = append(sets, c+" = ?")
		}
	}
	if mask&(1<<len(userMutableCols)) != 0 {
		sets = append(sets, "secrets = ?")
	}
	q := "UPDATE users SET " + strings.Join(sets, ", ") + " WHERE pool_id = ? AND username_key = ?"
	if eq != "" {
		q += " AND data = ? AND secrets " + eq + " ?"
	}
	updateUserSQL.Store(key, q)
	return q
}

// updateUserCAS is the compare-and-swap form of updateUserQuery.
func (db *DB) updateUserCAS(mask uint64) string {
	return updateUserQuery(mask, db.d.nullSafeEq)
}

const userCols = "pool_id, username_key, username, sub, data, secrets"

// storedUser is a user as read, with what an update compares against.
type storedUser struct {
	data         string
	sealed       []byte
	secretsPlain []byte
}

// scanUser reads one user row. With snap, a row that holds exactly the bytes
// of the user's snapshot is not unsealed and decoded again, and a row that
// does not becomes the snapshot (usersnap.go).
func (db *DB) scanUser(r row, snap bool) (storage.User, storedUser, error) {
	var u storage.User
	var s storedUser
	if err := r.Scan(&u.PoolID, &u.UsernameKey, &u.Username, &u.Sub, &s.data, &s.sealed); err != nil {
		return u, s, err
	}
	if snap {
		if v := db.snaps.get(u.PoolID, u.UsernameKey); v.matches(u.Username, s) {
			return cloneUser(v.user), v.stored, nil
		}
	}
	var err error
	if s.secretsPlain, err = db.unseal(userAD(u.PoolID, u.UsernameKey), s.sealed); err != nil {
		return u, s, err
	}
	if err = decodeUser(&u, s.data, s.secretsPlain); err != nil {
		return u, s, err
	}
	if snap {
		db.snaps.put(u.PoolID, u.UsernameKey, &userSnap{stored: s, user: cloneUser(u)})
	}
	return u, s, nil
}

// decodeUser fills u (whose key columns are set) from its data document and
// plaintext secrets.
func decodeUser(u *storage.User, data string, secrets []byte) error {
	var d userData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return fmt.Errorf("storage/sql: user %s/%s: %w", u.PoolID, u.UsernameKey, err)
	}
	u.Attributes = fromAttrJSON(d.Attributes)
	u.PendingAttributes = fromAttrJSON(d.PendingAttributes)
	u.Status = d.Status
	u.Enabled = d.Enabled
	u.CreatedAt = fromJTime(d.CreatedAt)
	u.UpdatedAt = fromJTime(d.UpdatedAt)
	u.PasswordChangedAt = fromJTime(d.PasswordChangedAt)
	u.TokensRevokedAt = fromJTime(d.TokensRevokedAt)
	u.MFA = storage.UserMFA{
		Enabled:          emptyNil(d.MFA.Enabled),
		Preferred:        d.MFA.Preferred,
		LegacySMS:        d.MFA.LegacySMS,
		TOTPFriendlyName: d.MFA.TOTPFriendlyName,
		TOTPVerifiedAt:   fromJTime(d.MFA.TOTPVerifiedAt),
		TOTPLastStep:     d.MFA.TOTPLastStep,
	}
	u.Lockout = storage.Lockout{
		Failures:    d.Lockout.Failures,
		LastFailure: fromJTime(d.Lockout.LastFailure),
		LockedUntil: fromJTime(d.Lockout.LockedUntil),
	}
	u.Passkeys = fromPasskeyJSON(d.Passkeys)
	u.ImportJobID, u.ImportLine = d.ImportJobID, d.ImportLine
	u.Secrets = storage.UserSecrets{}
	if err := unmarshalUserSecrets(secrets, &u.Secrets); err != nil {
		return fmt.Errorf("storage/sql: user %s/%s secrets: %w", u.PoolID, u.UsernameKey, err)
	}
	return nil
}

func (db *DB) scanUserRow(r rows) (storage.User, []string, error) {
	u, _, err := db.scanUser(r, false)
	return u, []string{u.UsernameKey}, err
}

// CreateUser stores u; ErrExists if its UsernameKey or Sub is taken in the
// pool, ErrNotFound if the pool does not exist.
func (db *DB) CreateUser(ctx context.Context, u storage.User) error {
	data, err := marshalUserData(&u)
	if err != nil {
		return err
	}
	plain, err := marshalUserSecrets(&u.Secrets)
	if err != nil {
		return err
	}
	sealed, err := db.seal(userAD(u.PoolID, u.UsernameKey), plain)
	if err != nil {
		return err
	}
	args := append([]any{u.PoolID, u.UsernameKey, u.Sub, fold(u.Sub), nullBytes(sealed)}, userValues(&u, data)...)
	err = db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec(insertUserSQL, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("create user %s/%s: %w", u.PoolID, u.UsernameKey, err)
	}
	return nil
}

// GetUser returns the user with this username key.
func (db *DB) GetUser(ctx context.Context, poolID, usernameKey string) (storage.User, error) {
	return db.getUser(ctx, "SELECT "+userCols+" FROM users WHERE pool_id = ? AND username_key = ?", poolID, usernameKey)
}

// GetUserBySub returns the user with this sub.
func (db *DB) GetUserBySub(ctx context.Context, poolID, sub string) (storage.User, error) {
	return db.getUser(ctx, "SELECT "+userCols+" FROM users WHERE pool_id = ? AND sub = ?", poolID, sub)
}

func (db *DB) getUser(ctx context.Context, query, poolID, key string) (storage.User, error) {
	var u storage.User
	err := db.be.read(ctx, func(q querier) error {
		var err error
		u, _, err = db.scanUser(q.queryRow(query, poolID, key), true)
		return err
	})
	if errors.Is(err, errNoRows) {
		return storage.User{}, notFound("user", poolID, key)
	}
	return u, err
}

// FindUsersByAttribute returns the users whose attribute name equals value
// case-insensitively, ordered by UsernameKey. name is any ListUsers filter
// attribute; the contract needs email, phone_number and preferred_username.
func (db *DB) FindUsersByAttribute(ctx context.Context, poolID, name, value string) ([]storage.User, error) {
	i, ok := filterIndex(name)
	if !ok {
		return nil, fmt.Errorf("storage/sql: FindUsersByAttribute: unsupported attribute %q", name)
	}
	var out []storage.User
	err := db.be.read(ctx, func(q querier) error {
		rs, err := q.query("SELECT "+userCols+" FROM users WHERE pool_id = ? AND "+filterAttrs[i].fold+" = ? ORDER BY username_key",
			poolID, fold(value))
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			u, _, err := db.scanUser(rs, false)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return rs.Err()
	})
	return out, err
}

// UpdateUser changes a user atomically, writing only the columns that
// changed. PoolID, UsernameKey and Sub are immutable.
//
// The update is optimistic: the record is read and fn run on the caller's
// goroutine, and the result is written with one UPDATE that applies only if
// the row still holds what was read (compare-and-swap on data and secrets).
// If it does not, the update is done again under a lock: inside the SQLite
// writer's transaction, or in a PostgreSQL transaction with SELECT ... FOR
// UPDATE. fn may therefore run more than once; only the last run counts. An
// fn error, or an fn that changes nothing, needs no write at all: the call
// takes effect at the moment of the read.
func (db *DB) UpdateUser(ctx context.Context, poolID, usernameKey string, fn func(*storage.User) error) (storage.User, error) {
	var out storage.User
	var written storedUser // the row as out was written (or read)
	locked := func(q querier) error {
		u, old, err := db.scanUser(q.queryRow("SELECT "+userCols+" FROM users WHERE pool_id = ? AND username_key = ?"+db.d.forUpdate,
			poolID, usernameKey), false)
		if errors.Is(err, errNoRows) {
			return notFound("user", poolID, usernameKey)
		} else if err != nil {
			return err
		}
		res, mask, args, now, err := db.applyUserFn(u, old, fn)
		if err != nil {
			return err
		}
		if mask != 0 {
			if _, err := q.exec(updateUserQuery(mask, ""), append(args, poolID, usernameKey)...); err != nil {
				return err
			}
		}
		out, written = res, now
		return nil
	}
	if db.lockingUpdates {
		if err := db.be.write(ctx, true, locked); err != nil {
			return storage.User{}, err
		}
		db.snaps.put(poolID, usernameKey, &userSnap{stored: written, user: cloneUser(out)})
		return out, nil
	}

	// The compare-and-swap starts from the user's snapshot when there is
	// one (usersnap.go), else from a read.
	var (
		res    storage.User
		mask   uint64
		args   []any
		now    storedUser
		old    storedUser
		err    error
		fromSS bool
	)
	if v := db.snaps.get(poolID, usernameKey); v != nil {
		old = v.stored
		res, mask, args, now, err = db.applyUserFn(cloneUser(v.user), old, fn)
		// Neither an error nor "nothing to write" may come from a stale
		// snapshot: both are decided again on a fresh read.
		fromSS = err == nil && mask != 0
	}
	if !fromSS {
		var u storage.User
		err = db.be.read(ctx, func(q querier) error {
			var err error
			u, old, err = db.scanUser(q.queryRow("SELECT "+userCols+" FROM users WHERE pool_id = ? AND username_key = ?", poolID, usernameKey), false)
			return err
		})
		if errors.Is(err, errNoRows) {
			return storage.User{}, notFound("user", poolID, usernameKey)
		} else if err != nil {
			return storage.User{}, err
		}
		res, mask, args, now, err = db.applyUserFn(u, old, fn)
		if err != nil {
			return storage.User{}, err
		}
		if mask == 0 {
			db.snaps.put(poolID, usernameKey, &userSnap{stored: old, user: cloneUser(res)})
			return res, nil
		}
	}
	args = append(args, poolID, usernameKey, old.data, nullBytes(old.sealed))
	relock := false
	// One statement: PostgreSQL runs it without BEGIN/COMMIT.
	err = db.be.write(ctx, false, func(q querier) error {
		n, err := q.exec(db.updateUserCAS(mask), args...)
		switch {
		case err != nil:
			return err
		case n == 1:
			out, written = res, now
			return nil
		case db.d == sqliteDialect:
			// Changed (or deleted) since the read: redo it here, inside
			// the writer's transaction, where nothing can intervene.
			return locked(q)
		default:
			relock = true
			return nil
		}
	})
	if err == nil && relock {
		err = db.be.write(ctx, true, locked)
	}
	if err != nil {
		return storage.User{}, err
	}
	db.snaps.put(poolID, usernameKey, &userSnap{stored: written, user: cloneUser(out)})
	return out, nil
}

// applyUserFn runs fn on u (as read, with old) and returns the result as a
// read would return it, the columns to set (mask and values, see
// updateUserQuery) and the row as it will be stored. fn's error comes back
// unchanged.
func (db *DB) applyUserFn(u storage.User, old storedUser, fn func(*storage.User) error) (storage.User, uint64, []any, storedUser, error) {
	poolID, usernameKey, sub := u.PoolID, u.UsernameKey, u.Sub
	oldVals := userValues(&u, old.data)
	if err := fn(&u); err != nil {
		return storage.User{}, 0, nil, storedUser{}, err
	}
	switch {
	case u.PoolID != poolID:
		return storage.User{}, 0, nil, storedUser{}, immutable("UpdateUser", "PoolID")
	case u.UsernameKey != usernameKey:
		return storage.User{}, 0, nil, storedUser{}, immutable("UpdateUser", "UsernameKey")
	case u.Sub != sub:
		return storage.User{}, 0, nil, storedUser{}, immutable("UpdateUser", "Sub")
	}
	data, err := marshalUserData(&u)
	if err != nil {
		return storage.User{}, 0, nil, storedUser{}, err
	}
	plain, err := marshalUserSecrets(&u.Secrets)
	if err != nil {
		return storage.User{}, 0, nil, storedUser{}, err
	}
	newVals := userValues(&u, data)
	var mask uint64
	var args []any
	for i := range newVals {
		if newVals[i] != oldVals[i] {
			mask |= 1 << i
			args = append(args, newVals[i])
		}
	}
	now := storedUser{data: data, sealed: old.sealed, secretsPlain: plain}
	if !bytes.Equal(plain, old.secretsPlain) {
		sealed, err := db.seal(userAD(poolID, usernameKey), plain)
		if err != nil {
			return storage.User{}, 0, nil, storedUser{}, err
		}
		mask |= 1 << len(userMutableCols)
		args = append(args, nullBytes(sealed))
		now.sealed = sealed
	}
	// Return what GetUser would, without decoding what was encoded: a
	// normalised deep copy (times in UTC to the microsecond, empty is nil).
	return canonical(u), mask, args, now, nil
}

// DeleteUser deletes a user with its devices, group memberships and auth
// events.
func (db *DB) DeleteUser(ctx context.Context, poolID, usernameKey string) error {
	db.snaps.drop(poolID, usernameKey)
	return db.deleteOne(ctx, notFound("user", poolID, usernameKey),
		"DELETE FROM users WHERE pool_id = ? AND username_key = ?", poolID, usernameKey)
}

// ListUsers returns matching users ordered by UsernameKey. The filter runs in
// SQL on the indexed fold_* columns (plus the raw column when the match is
// case-sensitive). A prefix match is a range [p, succ(p)) in byte order,
// where succ increments the last code point of p.
func (db *DB) ListUsers(ctx context.Context, uq storage.UserQuery) ([]storage.User, string, error) {
	var where strings.Builder
	where.WriteString("SELECT " + userCols + " FROM users WHERE pool_id = ?")
	args := []any{uq.PoolID}
	if uq.Attribute != "" {
		i, ok := filterIndex(uq.Attribute)
		if !ok {
			return nil, "", fmt.Errorf("storage/sql: ListUsers: unsupported filter attribute %q", uq.Attribute)
		}
		f := filterAttrs[i]
		foldCol := f.fold
		if uq.Prefix && db.d == sqliteDialect {
			broad, err := db.broadPrefix(ctx, uq.PoolID, f.fold, fold(uq.Value))
			if err != nil {
				return nil, "", err
			}
			if broad {
				// "+col" keeps SQLite off the column's index: it walks the
				// primary key in username order and stops after a page,
				// instead of sorting every match.
				foldCol = "+" + f.fold
			}
		}
		cond := func(col, v string) {
			if !uq.Prefix {
				where.WriteString(" AND " + col + " = ?")
				args = append(args, v)
				return
			}
			where.WriteString(" AND " + col + " >= ?")
			args = append(args, v)
			if hi, ok := successor(v); ok {
				where.WriteString(" AND " + col + " < ?")
				args = append(args, hi)
			}
		}
		cond(foldCol, fold(uq.Value))
		if !uq.Fold {
			cond(f.raw, uq.Value)
		}
	}
	base := where.String()
	return list[storage.User]{
		first: base + " ORDER BY username_key LIMIT ?",
		after: base + " AND username_key > ? ORDER BY username_key LIMIT ?",
		args:  args,
		nkeys: 1,
		scan:  db.scanUserRow,
	}.run(ctx, db, uq.Page)
}

// broadPrefixRows is where a prefix filter counts as broad (broadPrefix).
const broadPrefixRows = 5000

// broadPrefix reports whether more than broadPrefixRows users of the pool
// have a value of the indexed column col starting with v. A page of a
// narrow prefix is cheapest through the column's index (find the matches,
// sort them by username); a page of a broad one (status ^= "Ena", email ^=
// "a") through the primary key (walk users in username order, keep the
// matches, stop after a page), which never sorts the whole range: either
// way a page costs at most about broadPrefixRows rows, whatever the pool's
// size. Counting stops at broadPrefixRows+1 index entries. (PostgreSQL's
// planner makes this choice itself, from its statistics.)
func (db *DB) broadPrefix(ctx context.Context, poolID, col, v string) (bool, error) {
	q := "SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE pool_id = ? AND " + col + " >= ?"
	args := []any{poolID, v}
	if hi, ok := successor(v); ok {
		q += " AND " + col + " < ?"
		args = append(args, hi)
	}
	q += " LIMIT ?)"
	args = append(args, broadPrefixRows+1)
	var n int
	err := db.be.read(ctx, func(r querier) error { return r.queryRow(q, args...).Scan(&n) })
	return n > broadPrefixRows, err
}

// successor returns the least string greater than every string with prefix
// p (in code point order), or false if there is none (p is empty or all
// U+10FFFF).
func successor(p string) (string, bool) {
	rs := []rune(p)
	for len(rs) > 0 {
		last := rs[len(rs)-1]
		switch {
		case last == utf8.MaxRune:
			rs = rs[:len(rs)-1]
			continue
		case last == 0xD7FF:
			last = 0xE000 // skip the surrogates
		default:
			last++
		}
		rs[len(rs)-1] = last
		return string(rs), true
	}
	return "", false
}

// CountUsers returns the number of users in the pool.
func (db *DB) CountUsers(ctx context.Context, poolID string) (int64, error) {
	var n int64
	err := db.be.read(ctx, func(q querier) error {
		return q.queryRow("SELECT COUNT(*) FROM users WHERE pool_id = ?", poolID).Scan(&n)
	})
	return n, err
}
