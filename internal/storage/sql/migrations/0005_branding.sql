-- 0005_branding.sql: the documents that dress a pool's hosted pages:
-- classic UI customization, managed login branding styles and terms
-- documents (storage.Branding). Conventions and tokens as in 0001_init.sql.

-- branding: kind is "ui", "managed-login" or "terms"; client_id is a
-- client's ID or "ALL"; name is "" except for terms, so that a client has
-- one style and one terms document of each name. doc is the document
-- (opaque here); data holds the times. The rows of a client go with it
-- (DeleteClient deletes them in its transaction).
CREATE TABLE branding (
	pool_id   {{key}} NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	kind      {{key}} NOT NULL,
	id        {{key}} NOT NULL,
	client_id {{key}} NOT NULL,
	name      {{key}} NOT NULL,
	doc       TEXT,
	data      TEXT NOT NULL,
	PRIMARY KEY (pool_id, kind, id),
	UNIQUE (pool_id, kind, client_id, name)
);
