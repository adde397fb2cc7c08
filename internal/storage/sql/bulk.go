package sql

import (
	"context"
	"fmt"

	"github.com/userpoold/userpoold/internal/storage"
)

// CreateUsers stores many new users in one transaction: the bulk path of
// benchmark loaders (bench/million) and bulk imports. Each user is stored
// exactly as CreateUser stores it (the same columns, sealing and
// denormalised filter columns); if any user fails (a taken username or
// sub: storage.ErrExists), none of the batch is stored. Batches of a few
// thousand users keep each transaction short.
func (db *DB) CreateUsers(ctx context.Context, users []storage.User) error {
	rows := make([][]any, len(users))
	for i := range users {
		u := &users[i]
		data, err := marshalUserData(u)
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
		rows[i] = append([]any{u.PoolID, u.UsernameKey, u.Sub, fold(u.Sub), nullBytes(sealed)}, userValues(u, data)...)
	}
	err := db.be.write(ctx, true, func(q querier) error {
		for _, args := range rows {
			if _, err := q.exec(insertUserSQL, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create %d users: %w", len(users), err)
	}
	return nil
}
