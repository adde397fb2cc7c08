// Package userimport runs CSV user import jobs in a server (spec
// cognito-triggers-import.md §7, §10.6): the six operations of the API
// (GetCSVHeader, Create/Start/Stop/Describe/ListUserImportJobs) over
// storage.ImportJobStore, the Store the pre-signed upload URL writes into
// (package importjob/upload's Handler), and the background runs of started
// jobs with package importjob's Runner, which it resumes after a restart
// and takes over from a node that stopped holding a job.
//
// It is the glue of packages that own the rules: importjob (the job's
// state machine, the CSV rules, the Runner), upload (the URL and its
// signature), userpool (the users a row creates, ImportUser) and storage.
// It converts between importjob.Job and storage.ImportJob, loads a pool's
// schema as importjob.Pool, and writes each job's log lines (AWS's
// CloudWatch lines, "[SUCCEEDED] Line Number 2 - The import succeeded.")
// to the server log and to a file per job (LogSink). Rows of a batch are
// created several at a time (Service.Concurrency), in file order per
// username.
//
// It imports storage, userpool, importjob and importjob/upload; never
// net/http (beyond upload's types), the wire layer or storage/sql. Time is
// the server's clock (Service.Now), so the test clock moves job expiry and
// the upload URLs' validity.
package userimport
