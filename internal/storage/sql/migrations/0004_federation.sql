-- 0004_federation.sql: federation: the identity providers of a pool, the
-- links of AdminLinkProviderForUser, each pool's SAML key pair, and the
-- single-use values (federation states, SAML assertion IDs) every node
-- must see spent. Conventions and tokens as in 0001_init.sql.

-- identity_providers: secrets seals ProviderDetails (it holds
-- client_secret) and the private details (Apple's private_key).
CREATE TABLE identity_providers (
	pool_id {{key}} NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	name    {{key}} NOT NULL,
	data    TEXT NOT NULL,
	secrets {{bytes}},
	PRIMARY KEY (pool_id, name)
);

-- provider_links: the source identity (provider, attribute, value) is
-- unique in the pool; a link goes with its destination user.
CREATE TABLE provider_links (
	pool_id         {{key}} NOT NULL,
	provider_name   {{key}} NOT NULL,
	attribute_name  {{key}} NOT NULL,
	attribute_value {{key}} NOT NULL,
	username_key    {{key}} NOT NULL,
	created_at      BIGINT NOT NULL,
	PRIMARY KEY (pool_id, provider_name, attribute_name, attribute_value),
	FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key) ON DELETE CASCADE
);
CREATE INDEX provider_links_user ON provider_links (pool_id, username_key);

-- saml_keys: one key pair per pool; secrets seals the private key.
CREATE TABLE saml_keys (
	pool_id     {{key}} NOT NULL PRIMARY KEY REFERENCES pools (id) ON DELETE CASCADE,
	certificate {{bytes}} NOT NULL,
	created_at  BIGINT NOT NULL,
	secrets     {{bytes}}
);

-- spent_values: keys are namespaced by their user ("flow:<id>",
-- "saml:<pool>:<assertion id>"); rows past expires_at are dead.
CREATE TABLE spent_values (
	spent_key  {{key}} NOT NULL PRIMARY KEY,
	expires_at BIGINT NOT NULL
);
CREATE INDEX spent_values_expires_at ON spent_values (expires_at);
