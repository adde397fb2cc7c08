package apiserver

import (
	"context"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/importjob"
	"github.com/userpoold/userpoold/internal/password/imported"
	"github.com/userpoold/userpoold/internal/userimport"
)

// ImportJobs runs CSV user import jobs; *userimport.Service implements it.
type ImportJobs interface {
	CSVHeader(ctx context.Context, poolID string) ([]string, error)
	Create(ctx context.Context, in userimport.CreateInput) (importjob.Job, error)
	Start(ctx context.Context, poolID, jobID string) (importjob.Job, error)
	Stop(ctx context.Context, poolID, jobID string) (importjob.Job, error)
	Describe(ctx context.Context, poolID, jobID string) (importjob.Job, error)
	List(ctx context.Context, poolID string, max int, token string) ([]importjob.Job, string, error)
}

// imports returns s.Imports, or a service that answers every operation
// UnsupportedOperationException when the server runs none.
func (s *Server) imports(op string) ImportJobs {
	if s.Imports != nil {
		return s.Imports
	}
	return noImports{cognitoidp.NewUnsupportedOperationException("userpoold does not implement " + op + " here")}
}

type noImports struct{ err error }

func (n noImports) CSVHeader(context.Context, string) ([]string, error) { return nil, n.err }
func (n noImports) Create(context.Context, userimport.CreateInput) (importjob.Job, error) {
	return importjob.Job{}, n.err
}
func (n noImports) Start(context.Context, string, string) (importjob.Job, error) {
	return importjob.Job{}, n.err
}
func (n noImports) Stop(context.Context, string, string) (importjob.Job, error) {
	return importjob.Job{}, n.err
}
func (n noImports) Describe(context.Context, string, string) (importjob.Job, error) {
	return importjob.Job{}, n.err
}
func (n noImports) List(context.Context, string, int, string) ([]importjob.Job, string, error) {
	return nil, "", n.err
}

// GetCSVHeader returns the CSV header a pool's import files must have.
func (s *Server) GetCSVHeader(ctx context.Context, in *cognitoidp.GetCSVHeaderInput) (*cognitoidp.GetCSVHeaderOutput, error) {
	h, err := s.imports("GetCSVHeader").CSVHeader(ctx, str(in.UserPoolId))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.GetCSVHeaderOutput{UserPoolId: in.UserPoolId, CSVHeader: h}, nil
}

// CreateUserImportJob creates a job and its pre-signed upload URL.
func (s *Server) CreateUserImportJob(ctx context.Context, in *cognitoidp.CreateUserImportJobInput) (*cognitoidp.CreateUserImportJobOutput, error) {
	var alg imported.Algorithm
	if in.PasswordHashingAlgorithm != nil {
		alg = imported.Algorithm(*in.PasswordHashingAlgorithm)
	}
	j, err := s.imports("CreateUserImportJob").Create(ctx, userimport.CreateInput{
		PoolID: str(in.UserPoolId), JobName: str(in.JobName), CloudWatchLogsRoleARN: str(in.CloudWatchLogsRoleArn),
		PasswordHashingAlgorithm: alg,
	})
	if err != nil {
		return nil, err
	}
	return &cognitoidp.CreateUserImportJobOutput{UserImportJob: importJobType(j)}, nil
}

// StartUserImportJob starts a job whose file was uploaded.
func (s *Server) StartUserImportJob(ctx context.Context, in *cognitoidp.StartUserImportJobInput) (*cognitoidp.StartUserImportJobOutput, error) {
	j, err := s.imports("StartUserImportJob").Start(ctx, str(in.UserPoolId), str(in.JobId))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.StartUserImportJobOutput{UserImportJob: importJobType(j)}, nil
}

// StopUserImportJob stops a Pending or InProgress job.
func (s *Server) StopUserImportJob(ctx context.Context, in *cognitoidp.StopUserImportJobInput) (*cognitoidp.StopUserImportJobOutput, error) {
	j, err := s.imports("StopUserImportJob").Stop(ctx, str(in.UserPoolId), str(in.JobId))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.StopUserImportJobOutput{UserImportJob: importJobType(j)}, nil
}

// DescribeUserImportJob returns a job with its counters.
func (s *Server) DescribeUserImportJob(ctx context.Context, in *cognitoidp.DescribeUserImportJobInput) (*cognitoidp.DescribeUserImportJobOutput, error) {
	j, err := s.imports("DescribeUserImportJob").Describe(ctx, str(in.UserPoolId), str(in.JobId))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.DescribeUserImportJobOutput{UserImportJob: importJobType(j)}, nil
}

// ListUserImportJobs lists a pool's jobs, newest first.
func (s *Server) ListUserImportJobs(ctx context.Context, in *cognitoidp.ListUserImportJobsInput) (*cognitoidp.ListUserImportJobsOutput, error) {
	jobs, next, err := s.imports("ListUserImportJobs").List(ctx, str(in.UserPoolId), int(cognitoidp.ToValue(in.MaxResults)), str(in.PaginationToken))
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.ListUserImportJobsOutput{UserImportJobs: make([]cognitoidp.UserImportJobType, 0, len(jobs))}
	for _, j := range jobs {
		out.UserImportJobs = append(out.UserImportJobs, *importJobType(j))
	}
	if next != "" {
		out.PaginationToken = &next
	}
	return out, nil
}

// importJobType renders a job as UserImportJobType: the counters always,
// the dates and the message when they apply, the algorithm when one was
// given (§7).
func importJobType(j importjob.Job) *cognitoidp.UserImportJobType {
	status := cognitoidp.UserImportJobStatusType(j.Status)
	out := &cognitoidp.UserImportJobType{
		JobName: ptr(j.JobName), JobId: ptr(j.JobID), UserPoolId: ptr(j.PoolID), PreSignedUrl: ptr(j.PreSignedURL),
		CreationDate: cognitoidp.Time(j.CreationDate), Status: &status, CloudWatchLogsRoleArn: ptr(j.CloudWatchLogsRoleARN),
		ImportedUsers: ptr(j.ImportedUsers), SkippedUsers: ptr(j.SkippedUsers), FailedUsers: ptr(j.FailedUsers),
	}
	if !j.StartDate.IsZero() {
		out.StartDate = cognitoidp.Time(j.StartDate)
	}
	if !j.CompletionDate.IsZero() {
		out.CompletionDate = cognitoidp.Time(j.CompletionDate)
	}
	if j.CompletionMessage != "" {
		out.CompletionMessage = ptr(j.CompletionMessage)
	}
	if j.PasswordHashingAlgorithm != "" {
		alg := cognitoidp.PasswordHashingAlgorithmType(j.PasswordHashingAlgorithm)
		out.PasswordHashingAlgorithm = &alg
	}
	return out
}
