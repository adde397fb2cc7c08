-- 0002_oauth.sql: the OAuth 2.0 server of a pool: its domains and resource
-- servers. (Authorization codes live in sessions, under IDs of their own.)
-- Conventions and tokens as in 0001_init.sql.

-- domains: name is a prefix or a custom domain's FQDN, unique in the
-- deployment; custom is 0 (prefix) or 1 (custom domain), and a pool has at
-- most one domain of each kind.
CREATE TABLE domains (
	name    {{key}} NOT NULL PRIMARY KEY,
	pool_id {{key}} NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	custom  INTEGER NOT NULL,
	data    TEXT NOT NULL,
	UNIQUE (pool_id, custom)
);

CREATE TABLE resource_servers (
	pool_id    {{key}} NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	identifier {{key}} NOT NULL,
	data       TEXT NOT NULL,
	PRIMARY KEY (pool_id, identifier)
);
