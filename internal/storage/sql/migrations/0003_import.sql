-- 0003_import.sql: user import jobs (CreateUserImportJob) and the CSV files
-- uploaded to their pre-signed URLs. Conventions and tokens as in
-- 0001_init.sql.

-- import_jobs: status and created_at are copies of the record's fields, for
-- the listings (newest first in a pool; by status across pools). upload
-- names the complete file among import_files' rows (NULL: none uploaded).
CREATE TABLE import_jobs (
	pool_id    {{key}} NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
	job_id     {{key}} NOT NULL,
	status     {{key}} NOT NULL,
	created_at BIGINT NOT NULL,
	upload     {{key}},
	data       TEXT NOT NULL,
	PRIMARY KEY (pool_id, job_id)
);
CREATE INDEX import_jobs_status ON import_jobs (status, created_at);

-- import_files: a file is written in parts of at most 1 MiB, each sealed,
-- under an upload ID of its own; the import_jobs row then names the upload
-- in one statement and the parts of other uploads are deleted, so the last
-- complete upload wins and a reader never sees half of one.
CREATE TABLE import_files (
	pool_id {{key}} NOT NULL,
	job_id  {{key}} NOT NULL,
	upload  {{key}} NOT NULL,
	part    BIGINT NOT NULL,
	data    {{bytes}} NOT NULL,
	PRIMARY KEY (pool_id, job_id, upload, part),
	FOREIGN KEY (pool_id, job_id) REFERENCES import_jobs (pool_id, job_id) ON DELETE CASCADE
);
