// Package importjob owns CSV user import jobs (spec/cognito-triggers-import.md
// §7, §10.6): the job record and its state machine (Job, Status, the
// transition table), the CSV header a pool's schema asks for (Header), the
// CSV dialect and rules of the Developer Guide (Reader, Columns), and the
// Runner that streams an uploaded file row by row into a user pool, in
// batches, checkpointing its progress and writing AWS's per-row log lines.
//
// The package declares the small interfaces it needs and leaves their
// implementation to the caller: JobStore (atomic read-modify-write of a job
// record), UserCreator (creates one imported user in a pool), Files (opens
// and deletes an uploaded CSV) and LogSink (receives log lines). Sub-package
// upload serves the pre-signed URL the file is uploaded to.
//
// Crash safety: a Runner checkpoints after every batch (the last file line
// done and the counters, in one atomic update that also renews the worker's
// lease and observes a Stop). A job interrupted by a crash stays InProgress
// (or Stopping) with a stale lease; Run on it again resumes after the
// checkpoint, so the rows of the batch that was in flight are processed a
// second time. UserCreator makes that exact by reporting ErrAlreadyImported
// for a user this job created from the same line, which counts as imported;
// log lines of that batch may then appear twice. A Stopping job resumes
// straight to Stopped.
//
// The package is pure: it imports the standard library, internal/fault and
// internal/password/imported, never net/http, storage or the API layer;
// time and randomness are injected.
package importjob
