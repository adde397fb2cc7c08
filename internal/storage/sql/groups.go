package sql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/userpoold/userpoold/internal/storage"
)

// ---------------------------------------------------------------------------
// Groups and memberships

type groupData struct {
	Description string `json:"description,omitempty"`
	RoleArn     string `json:"role_arn,omitempty"`
	Precedence  *int32 `json:"precedence,omitempty"`
	CreatedAt   *int64 `json:"created_at,omitempty"`
	UpdatedAt   *int64 `json:"updated_at,omitempty"`
}

const groupCols = "pool_id, name, data"

func encodeGroup(g *storage.Group) (string, error) {
	b, err := json.Marshal(groupData{
		Description: g.Description,
		RoleArn:     g.RoleArn,
		Precedence:  g.Precedence,
		CreatedAt:   jtime(g.CreatedAt),
		UpdatedAt:   jtime(g.UpdatedAt),
	})
	return string(b), err
}

func decodeGroup(g *storage.Group, data string) error {
	var d groupData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return fmt.Errorf("storage/sql: group %s/%s: %w", g.PoolID, g.Name, err)
	}
	g.Description = d.Description
	g.RoleArn = d.RoleArn
	g.Precedence = d.Precedence
	g.CreatedAt = fromJTime(d.CreatedAt)
	g.UpdatedAt = fromJTime(d.UpdatedAt)
	return nil
}

func scanGroup(r row) (storage.Group, error) {
	var g storage.Group
	var data string
	if err := r.Scan(&g.PoolID, &g.Name, &data); err != nil {
		return g, err
	}
	err := decodeGroup(&g, data)
	return g, err
}

func scanGroupRow(r rows) (storage.Group, []string, error) {
	g, err := scanGroup(r)
	return g, []string{g.Name}, err
}

// CreateGroup stores g; ErrExists if the name is taken in the pool,
// ErrNotFound if the pool does not exist.
func (db *DB) CreateGroup(ctx context.Context, g storage.Group) error {
	data, err := encodeGroup(&g)
	if err != nil {
		return err
	}
	err = db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("INSERT INTO user_groups ("+groupCols+") VALUES (?, ?, ?)", g.PoolID, g.Name, data)
		return err
	})
	if err != nil {
		return fmt.Errorf("create group %s/%s: %w", g.PoolID, g.Name, err)
	}
	return nil
}

// GetGroup returns a group.
func (db *DB) GetGroup(ctx context.Context, poolID, name string) (storage.Group, error) {
	var g storage.Group
	err := db.be.read(ctx, func(q querier) error {
		var err error
		g, err = scanGroup(q.queryRow("SELECT "+groupCols+" FROM user_groups WHERE pool_id = ? AND name = ?", poolID, name))
		return err
	})
	if errors.Is(err, errNoRows) {
		return storage.Group{}, notFound("group", poolID, name)
	}
	return g, err
}

// UpdateGroup changes a group atomically. PoolID and Name are immutable.
func (db *DB) UpdateGroup(ctx context.Context, poolID, name string, fn func(*storage.Group) error) (storage.Group, error) {
	var out storage.Group
	err := db.be.write(ctx, true, func(q querier) error {
		g, err := scanGroup(q.queryRow("SELECT "+groupCols+" FROM user_groups WHERE pool_id = ? AND name = ?"+db.d.forUpdate, poolID, name))
		if errors.Is(err, errNoRows) {
			return notFound("group", poolID, name)
		} else if err != nil {
			return err
		}
		if err := fn(&g); err != nil {
			return err
		}
		if g.PoolID != poolID {
			return immutable("UpdateGroup", "PoolID")
		}
		if g.Name != name {
			return immutable("UpdateGroup", "Name")
		}
		data, err := encodeGroup(&g)
		if err != nil {
			return err
		}
		if _, err := q.exec("UPDATE user_groups SET data = ? WHERE pool_id = ? AND name = ?", data, poolID, name); err != nil {
			return err
		}
		out = storage.Group{PoolID: poolID, Name: name}
		return decodeGroup(&out, data)
	})
	if err != nil {
		return storage.Group{}, err
	}
	return out, nil
}

// DeleteGroup deletes a group and its memberships.
func (db *DB) DeleteGroup(ctx context.Context, poolID, name string) error {
	return db.deleteOne(ctx, notFound("group", poolID, name),
		"DELETE FROM user_groups WHERE pool_id = ? AND name = ?", poolID, name)
}

// ListGroups returns the pool's groups ordered by name.
func (db *DB) ListGroups(ctx context.Context, poolID string, page storage.Page) ([]storage.Group, string, error) {
	return list[storage.Group]{
		first: "SELECT " + groupCols + " FROM user_groups WHERE pool_id = ? ORDER BY name LIMIT ?",
		after: "SELECT " + groupCols + " FROM user_groups WHERE pool_id = ? AND name > ? ORDER BY name LIMIT ?",
		args:  []any{poolID},
		nkeys: 1,
		scan:  scanGroupRow,
	}.run(ctx, db, page)
}

// AddUserToGroup adds a membership; adding it again does nothing.
func (db *DB) AddUserToGroup(ctx context.Context, poolID, groupName, usernameKey string) error {
	return db.be.write(ctx, true, func(q querier) error {
		var one int64
		err := q.queryRow("SELECT 1 FROM users WHERE pool_id = ? AND username_key = ?", poolID, usernameKey).Scan(&one)
		if errors.Is(err, errNoRows) {
			return notFound("user", poolID, usernameKey)
		} else if err != nil {
			return err
		}
		err = q.queryRow("SELECT 1 FROM user_groups WHERE pool_id = ? AND name = ?", poolID, groupName).Scan(&one)
		if errors.Is(err, errNoRows) {
			return notFound("group", poolID, groupName)
		} else if err != nil {
			return err
		}
		_, err = q.exec("INSERT INTO memberships (pool_id, group_name, username_key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			poolID, groupName, usernameKey)
		return err
	})
}

// RemoveUserFromGroup removes a membership if it exists.
func (db *DB) RemoveUserFromGroup(ctx context.Context, poolID, groupName, usernameKey string) error {
	return db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("DELETE FROM memberships WHERE pool_id = ? AND group_name = ? AND username_key = ?",
			poolID, groupName, usernameKey)
		return err
	})
}

// ListGroupsForUser returns the user's groups ordered by name (none if the
// user does not exist).
func (db *DB) ListGroupsForUser(ctx context.Context, poolID, usernameKey string, page storage.Page) ([]storage.Group, string, error) {
	const sel = "SELECT g.pool_id, g.name, g.data FROM memberships m JOIN user_groups g ON g.pool_id = m.pool_id AND g.name = m.group_name" +
		" WHERE m.pool_id = ? AND m.username_key = ?"
	return list[storage.Group]{
		first: sel + " ORDER BY m.group_name LIMIT ?",
		after: sel + " AND m.group_name > ? ORDER BY m.group_name LIMIT ?",
		args:  []any{poolID, usernameKey},
		nkeys: 1,
		scan:  scanGroupRow,
	}.run(ctx, db, page)
}

// ListUsersInGroup returns the group's users ordered by UsernameKey (none if
// the group does not exist).
func (db *DB) ListUsersInGroup(ctx context.Context, poolID, groupName string, page storage.Page) ([]storage.User, string, error) {
	const sel = "SELECT u.pool_id, u.username_key, u.username, u.sub, u.data, u.secrets" +
		" FROM memberships m JOIN users u ON u.pool_id = m.pool_id AND u.username_key = m.username_key" +
		" WHERE m.pool_id = ? AND m.group_name = ?"
	return list[storage.User]{
		first: sel + " ORDER BY m.username_key LIMIT ?",
		after: sel + " AND m.username_key > ? ORDER BY m.username_key LIMIT ?",
		args:  []any{poolID, groupName},
		nkeys: 1,
		scan:  db.scanUserRow,
	}.run(ctx, db, page)
}

// ---------------------------------------------------------------------------
// Devices

type deviceData struct {
	GroupKey            string     `json:"group_key,omitempty"`
	Name                string     `json:"name,omitempty"`
	Remembered          string     `json:"remembered,omitempty"`
	Confirmed           bool       `json:"confirmed,omitempty"`
	Attributes          []attrJSON `json:"attributes,omitempty"`
	CreatedAt           *int64     `json:"created_at,omitempty"`
	UpdatedAt           *int64     `json:"updated_at,omitempty"`
	LastAuthenticatedAt *int64     `json:"last_authenticated_at,omitempty"`
}

type deviceSecretsJSON struct {
	Salt     []byte `json:"salt,omitempty"`
	Verifier []byte `json:"verifier,omitempty"`
}

const deviceCols = "pool_id, device_key, username_key, data, secrets"

func encodeDevice(d *storage.Device) (data string, secrets []byte, err error) {
	b, err := json.Marshal(deviceData{
		GroupKey:            d.GroupKey,
		Name:                d.Name,
		Remembered:          d.Remembered,
		Confirmed:           d.Confirmed,
		Attributes:          toAttrJSON(d.Attributes),
		CreatedAt:           jtime(d.CreatedAt),
		UpdatedAt:           jtime(d.UpdatedAt),
		LastAuthenticatedAt: jtime(d.LastAuthenticatedAt),
	})
	if err != nil {
		return "", nil, err
	}
	s, err := json.Marshal(deviceSecretsJSON{Salt: emptyNil(d.Secrets.Salt), Verifier: emptyNil(d.Secrets.Verifier)})
	if err != nil || string(s) == "{}" {
		return string(b), nil, err
	}
	return string(b), s, nil
}

func decodeDevice(d *storage.Device, data string, secrets []byte) error {
	var j deviceData
	if err := json.Unmarshal([]byte(data), &j); err != nil {
		return fmt.Errorf("storage/sql: device %s/%s: %w", d.PoolID, d.Key, err)
	}
	d.GroupKey = j.GroupKey
	d.Name = j.Name
	d.Remembered = j.Remembered
	d.Confirmed = j.Confirmed
	d.Attributes = fromAttrJSON(j.Attributes)
	d.CreatedAt = fromJTime(j.CreatedAt)
	d.UpdatedAt = fromJTime(j.UpdatedAt)
	d.LastAuthenticatedAt = fromJTime(j.LastAuthenticatedAt)
	d.Secrets = storage.DeviceSecrets{}
	if len(secrets) > 0 {
		var s deviceSecretsJSON
		if err := json.Unmarshal(secrets, &s); err != nil {
			return fmt.Errorf("storage/sql: device %s/%s secrets: %w", d.PoolID, d.Key, err)
		}
		d.Secrets.Salt = emptyNil(s.Salt)
		d.Secrets.Verifier = emptyNil(s.Verifier)
	}
	return nil
}

func (db *DB) scanDevice(r row) (storage.Device, []byte, error) {
	var d storage.Device
	var data string
	var sealed []byte
	if err := r.Scan(&d.PoolID, &d.Key, &d.UsernameKey, &data, &sealed); err != nil {
		return d, nil, err
	}
	plain, err := db.unseal(deviceAD(d.PoolID, d.Key), sealed)
	if err != nil {
		return d, nil, err
	}
	return d, plain, decodeDevice(&d, data, plain)
}

// CreateDevice stores d; ErrExists if its key is taken in the pool,
// ErrNotFound if its user does not exist.
func (db *DB) CreateDevice(ctx context.Context, d storage.Device) error {
	data, plain, err := encodeDevice(&d)
	if err != nil {
		return err
	}
	sealed, err := db.seal(deviceAD(d.PoolID, d.Key), plain)
	if err != nil {
		return err
	}
	err = db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("INSERT INTO devices ("+deviceCols+") VALUES (?, ?, ?, ?, ?)",
			d.PoolID, d.Key, d.UsernameKey, data, nullBytes(sealed))
		return err
	})
	if err != nil {
		return fmt.Errorf("create device %s/%s: %w", d.PoolID, d.Key, err)
	}
	return nil
}

// GetDevice returns a device.
func (db *DB) GetDevice(ctx context.Context, poolID, deviceKey string) (storage.Device, error) {
	var d storage.Device
	err := db.be.read(ctx, func(q querier) error {
		var err error
		d, _, err = db.scanDevice(q.queryRow("SELECT "+deviceCols+" FROM devices WHERE pool_id = ? AND device_key = ?", poolID, deviceKey))
		return err
	})
	if errors.Is(err, errNoRows) {
		return storage.Device{}, notFound("device", poolID, deviceKey)
	}
	return d, err
}

// UpdateDevice changes a device atomically. PoolID, Key and UsernameKey are
// immutable.
func (db *DB) UpdateDevice(ctx context.Context, poolID, deviceKey string, fn func(*storage.Device) error) (storage.Device, error) {
	var out storage.Device
	err := db.be.write(ctx, true, func(q querier) error {
		d, oldPlain, err := db.scanDevice(q.queryRow("SELECT "+deviceCols+" FROM devices WHERE pool_id = ? AND device_key = ?"+db.d.forUpdate,
			poolID, deviceKey))
		if errors.Is(err, errNoRows) {
			return notFound("device", poolID, deviceKey)
		} else if err != nil {
			return err
		}
		owner := d.UsernameKey
		if err := fn(&d); err != nil {
			return err
		}
		switch {
		case d.PoolID != poolID:
			return immutable("UpdateDevice", "PoolID")
		case d.Key != deviceKey:
			return immutable("UpdateDevice", "Key")
		case d.UsernameKey != owner:
			return immutable("UpdateDevice", "UsernameKey")
		}
		data, plain, err := encodeDevice(&d)
		if err != nil {
			return err
		}
		if string(plain) == string(oldPlain) {
			_, err = q.exec("UPDATE devices SET data = ? WHERE pool_id = ? AND device_key = ?", data, poolID, deviceKey)
		} else {
			var sealed []byte
			if sealed, err = db.seal(deviceAD(poolID, deviceKey), plain); err != nil {
				return err
			}
			_, err = q.exec("UPDATE devices SET data = ?, secrets = ? WHERE pool_id = ? AND device_key = ?",
				data, nullBytes(sealed), poolID, deviceKey)
		}
		if err != nil {
			return err
		}
		out = storage.Device{PoolID: poolID, Key: deviceKey, UsernameKey: owner}
		return decodeDevice(&out, data, plain)
	})
	if err != nil {
		return storage.Device{}, err
	}
	return out, nil
}

// DeleteDevice deletes a device.
func (db *DB) DeleteDevice(ctx context.Context, poolID, deviceKey string) error {
	return db.deleteOne(ctx, notFound("device", poolID, deviceKey),
		"DELETE FROM devices WHERE pool_id = ? AND device_key = ?", poolID, deviceKey)
}

// ListDevices returns the user's devices ordered by Key.
func (db *DB) ListDevices(ctx context.Context, poolID, usernameKey string, page storage.Page) ([]storage.Device, string, error) {
	const sel = "SELECT " + deviceCols + " FROM devices WHERE pool_id = ? AND username_key = ?"
	return list[storage.Device]{
		first: sel + " ORDER BY device_key LIMIT ?",
		after: sel + " AND device_key > ? ORDER BY device_key LIMIT ?",
		args:  []any{poolID, usernameKey},
		nkeys: 1,
		scan: func(r rows) (storage.Device, []string, error) {
			d, _, err := db.scanDevice(r)
			return d, []string{d.Key}, err
		},
	}.run(ctx, db, page)
}
