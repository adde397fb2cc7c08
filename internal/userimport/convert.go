package userimport

import (
	"slices"
	"strings"

	"github.com/userpoold/userpoold/internal/importjob"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/password/imported"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// toJob converts a stored job.
func toJob(j storage.ImportJob) importjob.Job {
	return importjob.Job{
		PoolID:                   j.PoolID,
		JobID:                    j.JobID,
		JobName:                  j.JobName,
		Status:                   importjob.Status(j.Status),
		CloudWatchLogsRoleARN:    j.CloudWatchLogsRoleARN,
		PasswordHashingAlgorithm: imported.Algorithm(j.PasswordHashingAlgorithm),
		PreSignedURL:             j.PreSignedURL,
		CreationDate:             j.CreatedAt,
		StartDate:                j.StartedAt,
		CompletionDate:           j.CompletedAt,
		CompletionMessage:        j.CompletionMessage,
		ImportedUsers:            j.ImportedUsers,
		SkippedUsers:             j.SkippedUsers,
		FailedUsers:              j.FailedUsers,
		CheckpointLine:           j.CheckpointLine,
		Worker:                   j.Worker,
		LeaseExpires:             j.LeaseExpires,
	}
}

// fromJob converts a job to its stored form.
func fromJob(j importjob.Job) storage.ImportJob {
	return storage.ImportJob{
		PoolID:                   j.PoolID,
		JobID:                    j.JobID,
		JobName:                  j.JobName,
		Status:                   string(j.Status),
		CloudWatchLogsRoleARN:    j.CloudWatchLogsRoleARN,
		PasswordHashingAlgorithm: string(j.PasswordHashingAlgorithm),
		PreSignedURL:             j.PreSignedURL,
		CreatedAt:                j.CreationDate,
		StartedAt:                j.StartDate,
		CompletedAt:              j.CompletionDate,
		CompletionMessage:        j.CompletionMessage,
		ImportedUsers:            j.ImportedUsers,
		SkippedUsers:             j.SkippedUsers,
		FailedUsers:              j.FailedUsers,
		CheckpointLine:           j.CheckpointLine,
		Worker:                   j.Worker,
		LeaseExpires:             j.LeaseExpires,
	}
}

// importPool is what an import needs of p's configuration: its custom
// attributes in schema order (developer-only ones left out), its required
// attributes, auto-verified attributes, MFA configuration, and whether it
// offers email or SMS one-time passwords as a first factor.
func importPool(p *userpool.Pool) importjob.Pool {
	st := p.Settings
	out := importjob.Pool{ID: p.ID, Name: p.Name, AutoVerified: slices.Clone(st.AutoVerifiedAttributes)}
	for _, a := range st.SchemaAttributes {
		if strings.HasPrefix(a.Name, "custom:") {
			out.CustomAttributes = append(out.CustomAttributes, a.Name)
		}
		if a.Required && a.Name != "sub" {
			out.Required = append(out.Required, a.Name)
		}
	}
	switch st.MFAMode() {
	case mfa.ModeOn:
		out.MFA = importjob.MFAOn
	case mfa.ModeOptional:
		out.MFA = importjob.MFAOptional
	default:
		out.MFA = importjob.MFAOff
	}
	for _, f := range st.FirstAuthFactors() {
		switch f {
		case userpool.AuthFactorEmailOTP:
			out.EmailOTP = true
		case userpool.AuthFactorSMSOTP:
			out.SMSOTP = true
		}
	}
	return out
}
