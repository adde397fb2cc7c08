-- 0006_outbox_sealed.sql: the outbox seals what a message carries (its code,
-- subject and body: codes and temporary passwords) in secrets, as every other
-- secret is sealed, and records when the message expires so that the
-- sweeper deletes it (storage.MessageStore.DeleteExpiredMessages). Rows
-- written before have neither: they held codes in clear, and the first
-- sweep deletes them. Conventions and tokens as in 0001_init.sql.
ALTER TABLE messages ADD COLUMN secrets {{bytes}};
ALTER TABLE messages ADD COLUMN expires_at BIGINT;
CREATE INDEX messages_expires_at ON messages (expires_at);
