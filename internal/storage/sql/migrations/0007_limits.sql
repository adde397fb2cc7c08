-- 0007_limits.sql: the request rates UpdateProvisionedLimit provisioned,
-- per API category, for the whole deployment. Conventions as in
-- 0001_init.sql.
CREATE TABLE provisioned_limits (
	category {{key}} NOT NULL PRIMARY KEY,
	rps      BIGINT NOT NULL
);
