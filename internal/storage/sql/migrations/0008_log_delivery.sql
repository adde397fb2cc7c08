-- 0008_log_delivery.sql: each pool's log delivery configuration
-- (SetLogDeliveryConfiguration), as a JSON document. Conventions as in
-- 0001_init.sql.
CREATE TABLE log_delivery (
	pool_id {{key}} NOT NULL PRIMARY KEY REFERENCES pools (id) ON DELETE CASCADE,
	data    TEXT NOT NULL
);
