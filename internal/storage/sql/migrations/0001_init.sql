-- 0001_init.sql: the initial schema.
--
-- Written once for both dialects. Before it runs, the dialect replaces:
--   {{key}}    text compared or ordered by the store (keys, cursors, filters):
--              TEXT on SQLite (BINARY collation), TEXT COLLATE "C" on
--              PostgreSQL, so both order and compare byte-wise (= code point
--              order for UTF-8).
--   {{bytes}}  binary: BLOB on SQLite, BYTEA on PostgreSQL.
--   {{serial}} an increasing 64-bit id assigned on insert:
--              INTEGER PRIMARY KEY on SQLite (the rowid; AUTOINCREMENT keeps
--              ids from being reused), BIGINT GENERATED ALWAYS AS IDENTITY
--              PRIMARY KEY on PostgreSQL.
--
-- Conventions: timestamps are BIGINT unix microseconds (UTC); "data" is a JSON
-- document with the record's remaining fields; "secrets" is the Sealer's
-- ciphertext of the secret fields (NULL when there are none); "config" and
-- "risk_config" hold json.RawMessage documents verbatim (NULL when empty).
-- Every child row names its pool and is deleted with it (ON DELETE CASCADE).

CREATE TABLE pools (
	id          {{key}} NOT NULL PRIMARY KEY,
	config      {{bytes}},
	risk_config {{bytes}},
	data        TEXT NOT NULL
);

CREATE TABLE clients (
	id          {{key}} NOT NULL PRIMARY KEY,
	pool_id     {{key}} NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	config      {{bytes}},
	risk_config {{bytes}},
	data        TEXT NOT NULL,
	secrets     {{bytes}}
);
CREATE INDEX clients_pool ON clients (pool_id, id);

-- users: the attr_* and fold_* columns are denormalised copies of the
-- ListUsers filter attributes (NULL when the user has no such attribute) and
-- their lower-cased forms. They are derived from the record on every write and
-- never read back; queries select on fold_* (indexed) and, for case-sensitive
-- filters, also on the raw column.
CREATE TABLE users (
	pool_id                      {{key}} NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	username_key                 {{key}} NOT NULL,
	sub                          {{key}} NOT NULL,
	username                     {{key}} NOT NULL,
	data                         TEXT NOT NULL,
	secrets                      {{bytes}},
	attr_email                   {{key}},
	attr_phone_number            {{key}},
	attr_name                    {{key}},
	attr_given_name              {{key}},
	attr_family_name             {{key}},
	attr_preferred_username      {{key}},
	attr_user_status             {{key}},
	attr_status                  {{key}},
	fold_username                {{key}} NOT NULL,
	fold_email                   {{key}},
	fold_phone_number            {{key}},
	fold_name                    {{key}},
	fold_given_name              {{key}},
	fold_family_name             {{key}},
	fold_preferred_username      {{key}},
	fold_user_status             {{key}},
	fold_status                  {{key}},
	fold_sub                     {{key}} NOT NULL,
	PRIMARY KEY (pool_id, username_key),
	UNIQUE (pool_id, sub)
);
CREATE INDEX users_fold_username ON users (pool_id, fold_username, username_key);
CREATE INDEX users_fold_email ON users (pool_id, fold_email, username_key);
CREATE INDEX users_fold_phone_number ON users (pool_id, fold_phone_number, username_key);
CREATE INDEX users_fold_name ON users (pool_id, fold_name, username_key);
CREATE INDEX users_fold_given_name ON users (pool_id, fold_given_name, username_key);
CREATE INDEX users_fold_family_name ON users (pool_id, fold_family_name, username_key);
CREATE INDEX users_fold_preferred_username ON users (pool_id, fold_preferred_username, username_key);
CREATE INDEX users_fold_user_status ON users (pool_id, fold_user_status, username_key);
CREATE INDEX users_fold_status ON users (pool_id, fold_status, username_key);
CREATE INDEX users_fold_sub ON users (pool_id, fold_sub, username_key);

CREATE TABLE user_groups (
	pool_id {{key}} NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	name    {{key}} NOT NULL,
	data    TEXT NOT NULL,
	PRIMARY KEY (pool_id, name)
);

CREATE TABLE memberships (
	pool_id      {{key}} NOT NULL,
	group_name   {{key}} NOT NULL,
	username_key {{key}} NOT NULL,
	PRIMARY KEY (pool_id, group_name, username_key),
	FOREIGN KEY (pool_id, group_name) REFERENCES user_groups (pool_id, name) ON DELETE CASCADE,
	FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key) ON DELETE CASCADE
);
CREATE INDEX memberships_user ON memberships (pool_id, username_key, group_name);

CREATE TABLE devices (
	pool_id      {{key}} NOT NULL,
	device_key   {{key}} NOT NULL,
	username_key {{key}} NOT NULL,
	data         TEXT NOT NULL,
	secrets      {{bytes}},
	PRIMARY KEY (pool_id, device_key),
	FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key) ON DELETE CASCADE
);
CREATE INDEX devices_user ON devices (pool_id, username_key, device_key);

CREATE TABLE sessions (
	id         {{key}} NOT NULL PRIMARY KEY,
	pool_id    {{key}} NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	client_id  {{key}} NOT NULL,
	expires_at BIGINT NOT NULL,
	data       TEXT NOT NULL,
	secrets    {{bytes}}
);
CREATE INDEX sessions_pool ON sessions (pool_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE signing_keys (
	pool_id    {{key}} NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	kid        {{key}} NOT NULL,
	created_at BIGINT NOT NULL,
	data       TEXT NOT NULL,
	secrets    {{bytes}},
	PRIMARY KEY (pool_id, kid)
);
CREATE INDEX signing_keys_created_at ON signing_keys (pool_id, created_at, kid);

CREATE TABLE revocations (
	pool_id    {{key}} NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	origin_jti {{key}} NOT NULL,
	expires_at BIGINT NOT NULL,
	PRIMARY KEY (pool_id, origin_jti)
);

CREATE TABLE messages (
	id       {{serial}},
	pool_id  {{key}} NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	username {{key}} NOT NULL,
	data     TEXT NOT NULL
);
CREATE INDEX messages_pool ON messages (pool_id, id);
CREATE INDEX messages_pool_user ON messages (pool_id, username, id);

CREATE TABLE auth_events (
	pool_id      {{key}} NOT NULL,
	username_key {{key}} NOT NULL,
	id           {{key}} NOT NULL,
	created_at   BIGINT NOT NULL,
	data         TEXT NOT NULL,
	PRIMARY KEY (pool_id, username_key, id),
	FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key) ON DELETE CASCADE
);
CREATE INDEX auth_events_created_at ON auth_events (pool_id, username_key, created_at, id);
