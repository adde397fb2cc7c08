package userpool

import (
	"encoding/binary"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/userpoold/userpoold/internal/storage"
)

// NewOriginJTI returns the origin_jti of a new token family (one sign-in and
// its refreshes): a version 7 UUID whose first 48 bits are now in Unix
// milliseconds. SignedOut compares that time with the user's last global
// sign-out, so no per-family record is needed to revoke every family at once.
func NewOriginJTI(now time.Time, r io.Reader) (string, error) {
	var u uuid.UUID
	if _, err := io.ReadFull(r, u[6:]); err != nil {
		return "", err
	}
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(u[:6], ms[2:])
	u[6] = 0x70 | u[6]&0x0f
	u[8] = 0x80 | u[8]&0x3f
	return u.String(), nil
}

// SignedOut reports whether the token family originJTI started before u's
// last global sign-out or disablement (User.TokensRevokedAt, exclusive).
// Origin JTIs that are not version 7 UUIDs carry no time and count as signed
// out once the user ever signed out.
func SignedOut(u storage.User, originJTI string) bool {
	if u.TokensRevokedAt.IsZero() {
		return false
	}
	id, err := uuid.Parse(originJTI)
	if err != nil || id.Version() != 7 {
		return true
	}
	ms := int64(id[0])<<40 | int64(id[1])<<32 | int64(id[2])<<24 | int64(id[3])<<16 | int64(id[4])<<8 | int64(id[5])
	return ms < u.TokensRevokedAt.UnixMilli()
}
