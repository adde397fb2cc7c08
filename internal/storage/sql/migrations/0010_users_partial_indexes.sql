-- 0010_users_partial_indexes.sql: index the optional filter attributes only
-- where a user has them.
--
-- Most users lack most of phone_number, name, given_name, family_name and
-- preferred_username (and some lack email), but a full index holds an entry
-- for every user, NULL or not: each new user wrote eleven index entries, a
-- page of the write-ahead log each, where one with only an email needs six.
-- Every query on these columns compares them (fold_x = ?, fold_x >= ?), which
-- no NULL satisfies, so SQLite and PostgreSQL use the partial index for them
-- exactly as they used the full one.
DROP INDEX users_fold_email;
DROP INDEX users_fold_phone_number;
DROP INDEX users_fold_name;
DROP INDEX users_fold_given_name;
DROP INDEX users_fold_family_name;
DROP INDEX users_fold_preferred_username;
CREATE INDEX users_fold_email ON users (pool_id, fold_email, username_key) WHERE fold_email IS NOT NULL;
CREATE INDEX users_fold_phone_number ON users (pool_id, fold_phone_number, username_key) WHERE fold_phone_number IS NOT NULL;
CREATE INDEX users_fold_name ON users (pool_id, fold_name, username_key) WHERE fold_name IS NOT NULL;
CREATE INDEX users_fold_given_name ON users (pool_id, fold_given_name, username_key) WHERE fold_given_name IS NOT NULL;
CREATE INDEX users_fold_family_name ON users (pool_id, fold_family_name, username_key) WHERE fold_family_name IS NOT NULL;
CREATE INDEX users_fold_preferred_username ON users (pool_id, fold_preferred_username, username_key) WHERE fold_preferred_username IS NOT NULL;
