package userpool

import (
	"context"
	"errors"
	"strings"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/importjob"
	"github.com/userpoold/userpoold/internal/password/imported"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file is the user side of CSV user import (package importjob): the
// users a job row creates, and sign-in with a password hash imported from
// another system (bcrypt, scrypt, argon2id, PBKDF2-SHA256), which is
// replaced by the pool's own argon2id hash and an SRP verifier at the first
// sign-in it verifies.

// errImportExists is newUser's answer for a taken username during import.
var errImportExists = errors.New("userpool: import: the username is taken")

// ImportUser creates the user one row of import job in.JobID asks for, in
// p, by importjob.UserCreator's contract: with in.Status (RESET_REQUIRED or
// CONFIRMED), the row's attributes checked against the schema (a
// *fault.Error that never quotes a value), the imported password hash
// sealed with the user's secrets and no SRP verifier, cognito:mfa_enabled
// as SMS MFA, and the job and line remembered. A taken username is
// importjob.ErrUserExists, or importjob.ErrAlreadyImported when this job
// created the user from this line (a resumed job); a deleted pool is
// importjob.ErrPoolDeleted. No trigger runs and no message is sent.
//
// UNCONFIRMED: cognito:mfa_enabled turning on SMS MFA (the legacy
// MFAOptions), the most plausible reading; and an alias or username
// attribute taken by another user counting as SKIPPED ("The user already
// exists.").
func (s *Service) ImportUser(ctx context.Context, p *Pool, in importjob.ImportedUser) error {
	attrs := make([]storage.Attribute, 0, len(in.Attributes))
	for _, a := range in.Attributes {
		attrs = append(attrs, storage.Attribute{Name: a.Name, Value: a.Value})
	}
	u, err := s.newUser(ctx, p, in.Username, attrs, errImportExists, nil)
	switch {
	case errors.Is(err, errImportExists), fault.KindOf(err) == fault.UsernameExists:
		return s.existingImport(ctx, p, in)
	case err != nil:
		return err
	}
	if err := s.checkNewAliases(ctx, p, u, false); err != nil {
		if fault.KindOf(err) == fault.AliasExists {
			return importjob.ErrUserExists
		}
		return err
	}
	u.Status = StatusResetRequired
	if in.Status == importjob.StatusConfirmed {
		u.Status = StatusConfirmed
	}
	if stored := in.PasswordHash.Stored(); stored != "" {
		u.Secrets.PasswordHash = stored
		u.PasswordChangedAt = u.CreatedAt
	}
	u.MFA.LegacySMS = in.MFAEnabled
	u.ImportJobID, u.ImportLine = in.JobID, in.Line
	err = s.Users.CreateUser(ctx, u)
	switch {
	case errors.Is(err, storage.ErrExists):
		return s.existingImport(ctx, p, in)
	case errors.Is(err, storage.ErrNotFound):
		return importjob.ErrPoolDeleted
	}
	return err
}

// existingImport tells a user this row created before a crash
// (ErrAlreadyImported) from any other holder of the username
// (ErrUserExists).
func (s *Service) existingImport(ctx context.Context, p *Pool, in importjob.ImportedUser) error {
	u, err := s.FindUser(ctx, p, in.Username)
	if err == nil && u.ImportJobID == in.JobID && u.ImportLine == in.Line {
		return importjob.ErrAlreadyImported
	}
	return importjob.ErrUserExists
}

// importedHash returns the imported hash a stored password hash holds, if
// it holds one: the pool's own hashes are PHC strings ("$argon2id$..."),
// imported ones imported.Hash.Stored's "<ALGORITHM>:<encoded>".
func importedHash(stored string) (imported.Hash, bool) {
	if stored == "" || strings.HasPrefix(stored, "$") {
		return imported.Hash{}, false
	}
	h, err := imported.ParseStored(stored)
	return h, err == nil
}

// rehashImported replaces u's imported password hash, which pw just
// matched, with the pool's own argon2id hash and an SRP verifier, unless
// the password changed meanwhile. The caller holds the hashing budget for
// one hash of the pool's parameters. A failure is logged and leaves the
// imported hash in place: the sign-in it belongs to has succeeded.
func (s *Service) rehashImported(ctx context.Context, u storage.User, pw string) {
	np, err := s.hashPassword(&Pool{Pool: storage.Pool{ID: u.PoolID}}, u.Username, pw)
	if err == nil {
		_, err = s.Users.UpdateUser(ctx, u.PoolID, u.UsernameKey, func(cur *storage.User) error {
			if cur.Secrets.PasswordHash != u.Secrets.PasswordHash {
				return nil // changed meanwhile: keep the newer password
			}
			at := cur.PasswordChangedAt
			np.Apply(cur)
			cur.PasswordChangedAt = at // the same password, in another form
			return nil
		})
	}
	if err != nil {
		s.log().WarnContext(ctx, "replacing an imported password hash", "pool", u.PoolID, "error", err.Error())
	}
}

// errImportInProgress answers a pool change while an import job of the
// pool is active. UNCONFIRMED: the wording.
var errImportInProgress = fault.New(fault.UserImportInProgress, "A user import job is in progress for this user pool.")

// checkNoActiveImport refuses UpdateUserPool, DeleteUserPool and
// AddCustomAttributes while one of the pool's import jobs is Pending,
// InProgress or Stopping (importjob.Status.Active). Without ImportJobs
// nothing is checked.
func (s *Service) checkNoActiveImport(ctx context.Context, poolID string) error {
	if s.ImportJobs == nil {
		return nil
	}
	jobs, err := s.ImportJobs.ListImportJobs(ctx, poolID)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if importjob.Status(j.Status).Active() {
			return errImportInProgress
		}
	}
	return nil
}
