package server_test

import (
	"bytes"
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/server/servertest"
	"github.com/userpoold/userpoold/internal/srp"
	"github.com/userpoold/userpoold/internal/srp/srptest"
)

const importRole = "arn:aws:iam::123456789012:role/CognitoImportRole"

// importPool creates a pool that auto-verifies email (imports need one
// auto-verified attribute) and a client allowing password sign-in.
func importPool(t testing.TB, e *servertest.Env, mods ...func(*cip.CreateUserPoolInput)) (pool, client string) {
	t.Helper()
	in := &cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}}
	for _, m := range mods {
		m(in)
	}
	pool = e.CreatePool(in)
	return pool, aws.ToString(e.CreateClient(pool, nil).ClientId)
}

// csvFile renders rows (column → value) under the header GetCSVHeader
// returns, plus extra columns.
func csvFile(t testing.TB, e *servertest.Env, pool string, extra []string, rows ...map[string]string) string {
	t.Helper()
	out, err := e.Client.GetCSVHeader(context.Background(), &cip.GetCSVHeaderInput{UserPoolId: aws.String(pool)})
	if err != nil {
		t.Fatalf("GetCSVHeader: %v", err)
	}
	header := append(out.CSVHeader, extra...)
	var b strings.Builder
	b.WriteString(strings.Join(header, ",") + "\n")
	for _, r := range rows {
		vals := make([]string, len(header))
		for i, h := range header {
			vals[i] = strings.ReplaceAll(r[h], ",", `\,`)
		}
		b.WriteString(strings.Join(vals, ",") + "\n")
	}
	return b.String()
}

// row is a valid row for a pool that auto-verifies email.
func row(username string, kv ...string) map[string]string {
	r := map[string]string{"cognito:username": username, "email": username + "@example.com", "email_verified": "TRUE", "cognito:mfa_enabled": "false"}
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i]] = kv[i+1]
	}
	return r
}

// putFile uploads body to a pre-signed URL as curl -T does, with the
// header AWS's documentation tells users to send.
func putFile(t testing.TB, url string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-amz-server-side-encryption", "aws:kms")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// createJob creates a job, uploads file to its URL and returns the job ID.
func createJob(t testing.TB, e *servertest.Env, pool, file string, alg string) *types.UserImportJobType {
	t.Helper()
	var job *types.UserImportJobType
	if alg == "" {
		out, err := e.Client.CreateUserImportJob(context.Background(), &cip.CreateUserImportJobInput{
			UserPoolId: aws.String(pool), JobName: aws.String("import test"), CloudWatchLogsRoleArn: aws.String(importRole),
		})
		if err != nil {
			t.Fatalf("CreateUserImportJob: %v", err)
		}
		job = out.UserImportJob
	} else {
		// The SDK's model (v1.61.0) predates PasswordHashingAlgorithm: send
		// the request as the newer SDKs do.
		code, out := rawCall(t, e, "CreateUserImportJob", map[string]any{
			"UserPoolId": pool, "JobName": "import test", "CloudWatchLogsRoleArn": importRole, "PasswordHashingAlgorithm": alg,
		})
		j, _ := out["UserImportJob"].(map[string]any)
		if code != 200 || j["PasswordHashingAlgorithm"] != alg {
			t.Fatalf("CreateUserImportJob with %s: %d %v", alg, code, out)
		}
		job = &types.UserImportJobType{JobId: aws.String(j["JobId"].(string)), PreSignedUrl: aws.String(j["PreSignedUrl"].(string))}
	}
	if file != "" {
		if code, body := putFile(t, aws.ToString(job.PreSignedUrl), []byte(file)); code != 200 {
			t.Fatalf("upload: %d %s", code, body)
		}
	}
	return job
}

// rawCall calls an operation with a JSON body, signed with the test admin
// key, and returns the status and the decoded answer.
func rawCall(t testing.TB, e *servertest.Env, op string, in map[string]any) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	servertest.Sign(req, body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func describeJob(t testing.TB, e *servertest.Env, pool, job string) *types.UserImportJobType {
	t.Helper()
	out, err := e.Client.DescribeUserImportJob(context.Background(), &cip.DescribeUserImportJobInput{UserPoolId: aws.String(pool), JobId: aws.String(job)})
	if err != nil {
		t.Fatalf("DescribeUserImportJob: %v", err)
	}
	return out.UserImportJob
}

// waitJob polls DescribeUserImportJob until done reports true (the job
// runs in the background) and returns the job.
func waitJob(t testing.TB, e *servertest.Env, pool, job string, what string, done func(*types.UserImportJobType) bool) *types.UserImportJobType {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		j := describeJob(t, e, pool, job)
		if done(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s never became %s: %+v", job, what, j)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func ended(j *types.UserImportJobType) bool {
	switch j.Status {
	case types.UserImportJobStatusTypeSucceeded, types.UserImportJobStatusTypeFailed, types.UserImportJobStatusTypeStopped:
		return true
	}
	return false
}

func startJob(t testing.TB, e *servertest.Env, pool, job string) *types.UserImportJobType {
	t.Helper()
	out, err := e.Client.StartUserImportJob(context.Background(), &cip.StartUserImportJobInput{UserPoolId: aws.String(pool), JobId: aws.String(job)})
	if err != nil {
		t.Fatalf("StartUserImportJob: %v", err)
	}
	return out.UserImportJob
}

// importLog returns the job's log file.
func importLog(t testing.TB, dataDir, pool, job string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "import-logs", pool, job+".log"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The whole import through the SDK and the real pre-signed URL: the
// header, the job's states and counters, a bad row and an existing user
// logged while the rest import, the users RESET_REQUIRED, the file gone.
func TestImportJobEndToEnd(t *testing.T) {
	var dataDir string
	e := servertest.New(t, func(c *config.Config) { dataDir = c.DataDir })
	ctx := context.Background()
	pool, client := importPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{{Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true)}}
	})
	hdr, err := e.Client.GetCSVHeader(ctx, &cip.GetCSVHeaderInput{UserPoolId: aws.String(pool)})
	if err != nil {
		t.Fatal(err)
	}
	want := "name,given_name,family_name,middle_name,nickname,preferred_username,profile,picture,website,email,email_verified,gender,birthdate,zoneinfo,locale,phone_number,phone_number_verified,address,updated_at,custom:tenant,cognito:mfa_enabled,cognito:username"
	if got := strings.Join(hdr.CSVHeader, ","); got != want || aws.ToString(hdr.UserPoolId) != pool {
		t.Fatalf("GetCSVHeader = %s", got)
	}
	if _, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(pool), Username: aws.String("existing"), MessageAction: types.MessageActionTypeSuppress}); err != nil {
		t.Fatal(err)
	}
	file := csvFile(t, e, pool, nil,
		row("alice", "given_name", "Alice", "custom:tenant", "acme, inc", "birthdate", "01/31/1990"),
		row("bob", "email_verified", "false"), // no verified auto-verified attribute: FAILED
		row("existing"),                       // SKIPPED
		row("carol", "phone_number", "+15555550123"),
	)
	created, err := e.Client.CreateUserImportJob(ctx, &cip.CreateUserImportJobInput{
		UserPoolId: aws.String(pool), JobName: aws.String("first import"), CloudWatchLogsRoleArn: aws.String(importRole),
	})
	if err != nil {
		t.Fatal(err)
	}
	j := created.UserImportJob
	url := aws.ToString(j.PreSignedUrl)
	if j.Status != types.UserImportJobStatusTypeCreated || !strings.HasPrefix(url, e.URL+"/_cognito/user-import/") ||
		!strings.Contains(url, "X-Amz-Expires=899") || !strings.Contains(url, "X-Amz-SignedHeaders=host%3Bx-amz-server-side-encryption") ||
		j.ImportedUsers != 0 || j.StartDate != nil {
		t.Fatalf("created job: %+v (url %s)", j, url)
	}
	job := aws.ToString(j.JobId)

	// Without the signed encryption header the upload is refused as S3 does.
	req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(file))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), "<Code>SignatureDoesNotMatch</Code>") {
		t.Fatalf("upload without x-amz-server-side-encryption: %d %s", resp.StatusCode, body)
	}
	// Start before any upload.
	_, err = e.Client.StartUserImportJob(ctx, &cip.StartUserImportJobInput{UserPoolId: aws.String(pool), JobId: aws.String(job)})
	if servertest.ErrorCode(err) != "PreconditionNotMetException" {
		t.Fatalf("Start before upload: %v", err)
	}
	if code, body := putFile(t, url, []byte("garbage that is replaced")); code != 200 {
		t.Fatalf("upload: %d %s", code, body)
	}
	if code, body := putFile(t, url, []byte(file)); code != 200 { // the last upload wins
		t.Fatalf("upload: %d %s", code, body)
	}
	started := startJob(t, e, pool, job)
	if started.Status != types.UserImportJobStatusTypePending || started.StartDate == nil {
		t.Fatalf("Start answered %+v", started)
	}
	// A started job takes no more uploads.
	if code, body := putFile(t, url, []byte(file)); code != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") {
		t.Fatalf("upload after start: %d %s", code, body)
	}
	done := waitJob(t, e, pool, job, "ended", ended)
	if done.Status != types.UserImportJobStatusTypeSucceeded || aws.ToString(done.CompletionMessage) != "Import Job Completed Successfully." ||
		done.ImportedUsers != 2 || done.SkippedUsers != 1 || done.FailedUsers != 1 || done.CompletionDate == nil {
		t.Fatalf("finished job: %+v", done)
	}
	// Stopping an ended job is refused.
	_, err = e.Client.StopUserImportJob(ctx, &cip.StopUserImportJobInput{UserPoolId: aws.String(pool), JobId: aws.String(job)})
	if servertest.ErrorCode(err) != "PreconditionNotMetException" {
		t.Fatalf("Stop of an ended job: %v", err)
	}

	u, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	attrs := map[string]string{}
	for _, a := range u.UserAttributes {
		attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	if u.UserStatus != types.UserStatusTypeResetRequired || attrs["custom:tenant"] != "acme, inc" || attrs["given_name"] != "Alice" ||
		attrs["email_verified"] != "true" || attrs["birthdate"] != "01/31/1990" || attrs["sub"] == "" {
		t.Fatalf("imported alice: %s %v", u.UserStatus, attrs)
	}
	if _, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String("bob")}); servertest.ErrorCode(err) != "UserNotFoundException" {
		t.Fatalf("the failed row created bob: %v", err)
	}
	ex, _ := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String("existing")})
	if ex.UserStatus != types.UserStatusTypeForceChangePassword {
		t.Fatalf("the skipped row changed the existing user: %s", ex.UserStatus)
	}
	// RESET_REQUIRED users are told to reset their password.
	_, err = e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(client),
		AuthParameters: map[string]string{"USERNAME": "carol", "PASSWORD": "Whatever1!"}})
	if servertest.ErrorCode(err) != "PasswordResetRequiredException" {
		t.Fatalf("sign-in of an imported user: %v", err)
	}
	log := importLog(t, dataDir, pool, job)
	for _, line := range []string{
		"[SUCCEEDED] Line Number 2 - The import succeeded.",
		"[FAILED] Line Number 3 - The User Record does not set any of the auto verified attributes to verified. (Example: email_verified to true).",
		"[SKIPPED] Line Number 4 - The user already exists.",
		"[SUCCEEDED] Line Number 5 - The import succeeded.",
	} {
		if !strings.Contains(log, line+"\n") {
			t.Errorf("the job's log lacks %q:\n%s", line, log)
		}
	}
	if strings.Contains(log, "alice") || strings.Contains(log, "example.com") {
		t.Errorf("the job's log holds user data:\n%s", log)
	}
	if has, err := e.Store.HasImportFile(ctx, pool, job); err != nil || has {
		t.Errorf("the file of an ended job is kept (%v)", err)
	}
}

// The states and limits: a pool without auto-verified attributes, Stop
// and Start in the wrong states, one active job per account, expiry
// after 24 hours on the server's clock, ListUserImportJobs' pages.
func TestImportJobStates(t *testing.T) {
	e := servertest.New(t)
	ctx := context.Background()
	pool, _ := importPool(t, e)
	file := csvFile(t, e, pool, nil, row("u1"))

	// A pool that auto-verifies nothing cannot start a job.
	bare := e.CreatePool(&cip.CreateUserPoolInput{PoolName: aws.String("bare")})
	bj := createJob(t, e, bare, "cognito:username\n", "")
	_, err := e.Client.StartUserImportJob(ctx, &cip.StartUserImportJobInput{UserPoolId: aws.String(bare), JobId: bj.JobId})
	if servertest.ErrorCode(err) != "PreconditionNotMetException" {
		t.Fatalf("Start on a pool without auto-verified attributes: %v", err)
	}
	// Stop of a job never started.
	j1 := createJob(t, e, pool, file, "")
	_, err = e.Client.StopUserImportJob(ctx, &cip.StopUserImportJobInput{UserPoolId: aws.String(pool), JobId: j1.JobId})
	if servertest.ErrorCode(err) != "PreconditionNotMetException" {
		t.Fatalf("Stop of a Created job: %v", err)
	}
	// Unknown pool and job.
	_, err = e.Client.DescribeUserImportJob(ctx, &cip.DescribeUserImportJobInput{UserPoolId: aws.String(pool), JobId: aws.String("import-nope")})
	if servertest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Fatalf("Describe of an unknown job: %v", err)
	}
	_, err = e.Client.GetCSVHeader(ctx, &cip.GetCSVHeaderInput{UserPoolId: aws.String("us-east-1_nope")})
	if servertest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Fatalf("GetCSVHeader of an unknown pool: %v", err)
	}
	// Bad role ARN and job name answer InvalidParameter.
	_, err = e.Client.CreateUserImportJob(ctx, &cip.CreateUserImportJobInput{UserPoolId: aws.String(pool), JobName: aws.String("x"),
		CloudWatchLogsRoleArn: aws.String("arn:aws:s3:::bucket")})
	if servertest.ErrorCode(err) != "InvalidParameterException" {
		t.Fatalf("Create with a role ARN that is no role: %v", err)
	}

	// Expiry: a job not started within 24 hours of the server's clock.
	j2 := createJob(t, e, pool, file, "")
	e.Clock.Set(time.Now().Add(25 * time.Hour))
	exp := describeJob(t, e, pool, aws.ToString(j2.JobId))
	if exp.Status != types.UserImportJobStatusTypeExpired || aws.ToString(exp.CompletionMessage) != "The user import job has expired." {
		t.Fatalf("job after 25 hours: %+v", exp)
	}
	_, err = e.Client.StartUserImportJob(ctx, &cip.StartUserImportJobInput{UserPoolId: aws.String(pool), JobId: j2.JobId})
	if servertest.ErrorCode(err) != "PreconditionNotMetException" {
		t.Fatalf("Start of an expired job: %v", err)
	}
	if has, _ := e.Store.HasImportFile(ctx, pool, aws.ToString(j2.JobId)); has {
		t.Error("an expired job's file is kept")
	}
	e.Clock.Reset()

	// List: newest first, in pages.
	j3 := createJob(t, e, pool, "", "")
	var ids []string
	var token *string
	for page := 0; ; page++ {
		out, err := e.Client.ListUserImportJobs(ctx, &cip.ListUserImportJobsInput{UserPoolId: aws.String(pool), MaxResults: aws.Int32(2), PaginationToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.UserImportJobs) > 2 {
			t.Fatalf("page of %d", len(out.UserImportJobs))
		}
		for _, j := range out.UserImportJobs {
			ids = append(ids, aws.ToString(j.JobId))
		}
		if token = out.PaginationToken; token == nil {
			break
		}
		if !strings.HasPrefix(*token, pool+"#import-") {
			t.Fatalf("pagination token %q", *token)
		}
	}
	if want := []string{aws.ToString(j3.JobId), aws.ToString(j2.JobId), aws.ToString(j1.JobId)}; strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Fatalf("ListUserImportJobs = %v, want %v", ids, want)
	}

	// One active job per account: a big job runs while another is started.
	var rows []map[string]string
	for i := range 3000 {
		rows = append(rows, row(fmt.Sprintf("bulk%05d", i)))
	}
	big := createJob(t, e, pool, csvFile(t, e, pool, nil, rows...), "")
	j4 := createJob(t, e, pool, file, "")
	startJob(t, e, pool, aws.ToString(big.JobId))
	_, err = e.Client.StartUserImportJob(ctx, &cip.StartUserImportJobInput{UserPoolId: aws.String(pool), JobId: j4.JobId})
	if servertest.ErrorCode(err) != "LimitExceededException" {
		t.Fatalf("a second active job: %v", err)
	}
	// While it is active its pool cannot change.
	_, err = e.Client.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(pool), AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}})
	if servertest.ErrorCode(err) != "UserImportInProgressException" {
		t.Fatalf("UpdateUserPool during an import: %v", err)
	}
	_, err = e.Client.AddCustomAttributes(ctx, &cip.AddCustomAttributesInput{UserPoolId: aws.String(pool),
		CustomAttributes: []types.SchemaAttributeType{{Name: aws.String("plan"), AttributeDataType: types.AttributeDataTypeString}}})
	if servertest.ErrorCode(err) != "UserImportInProgressException" {
		t.Fatalf("AddCustomAttributes during an import: %v", err)
	}
	_, err = e.Client.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(pool)})
	if servertest.ErrorCode(err) != "UserImportInProgressException" {
		t.Fatalf("DeleteUserPool during an import: %v", err)
	}
	// Stop: the running job halts at its next checkpoint.
	stop, err := e.Client.StopUserImportJob(ctx, &cip.StopUserImportJobInput{UserPoolId: aws.String(pool), JobId: big.JobId})
	if err != nil {
		t.Fatal(err)
	}
	if s := stop.UserImportJob.Status; s != types.UserImportJobStatusTypeStopping && s != types.UserImportJobStatusTypeStopped {
		t.Fatalf("Stop answered %s", s)
	}
	done := waitJob(t, e, pool, aws.ToString(big.JobId), "ended", ended)
	if done.Status != types.UserImportJobStatusTypeStopped || aws.ToString(done.CompletionMessage) != "The Import Job was stopped by the developer." ||
		done.ImportedUsers >= 3000 {
		t.Fatalf("stopped job: %+v", done)
	}
	_, err = e.Client.StartUserImportJob(ctx, &cip.StartUserImportJobInput{UserPoolId: aws.String(pool), JobId: big.JobId})
	if servertest.ErrorCode(err) != "PreconditionNotMetException" {
		t.Fatalf("restart of a stopped job: %v", err)
	}
	// Now the other job may start.
	startJob(t, e, pool, aws.ToString(j4.JobId))
	if j := waitJob(t, e, pool, aws.ToString(j4.JobId), "ended", ended); j.Status != types.UserImportJobStatusTypeSucceeded {
		t.Fatalf("second job: %+v", j)
	}
}

// A server stopped in the middle of a job pauses it at a row; the next
// server on the same store resumes it after its checkpoint and ends it
// with every row counted once.
func TestImportJobResumesAfterRestart(t *testing.T) {
	var dataDir, db string
	first := servertest.New(t, func(c *config.Config) { dataDir, db = c.DataDir, c.DB })
	pool, _ := importPool(t, first)
	const n = 6000
	rows := make([]map[string]string, n)
	for i := range rows {
		rows[i] = row(fmt.Sprintf("user%05d", i))
	}
	j := createJob(t, first, pool, csvFile(t, first, pool, nil, rows...), "")
	job := aws.ToString(j.JobId)
	startJob(t, first, pool, job)
	mid := waitJob(t, first, pool, job, "in progress with rows imported", func(j *types.UserImportJobType) bool {
		return j.Status == types.UserImportJobStatusTypeInProgress && j.ImportedUsers > 0 || ended(j)
	})
	if ended(mid) {
		t.Skipf("the job ended before the server stopped (%d rows imported)", mid.ImportedUsers)
	}
	first.Server.Close()

	second := servertest.New(t, func(c *config.Config) { c.DataDir, c.DB = dataDir, db })
	done := waitJob(t, second, pool, job, "ended", ended)
	if done.Status != types.UserImportJobStatusTypeSucceeded || done.ImportedUsers != n || done.FailedUsers != 0 || done.SkippedUsers != 0 {
		t.Fatalf("resumed job: %+v (paused at %d)", done, mid.ImportedUsers)
	}
	users, err := second.Store.CountUsers(context.Background(), pool)
	if err != nil || users != n {
		t.Fatalf("%d users in the pool (%v), want %d", users, err, n)
	}
	t.Logf("paused at %d imported rows, resumed to %d", mid.ImportedUsers, n)
}

// importedHashes returns a password hash of pw in the format of each
// PasswordHashingAlgorithm (spec §7.5), made with the usual libraries.
func importedHashes(t testing.TB, pw string) map[string]string {
	t.Helper()
	salt := []byte("0123456789abcdef")
	bc, err := bcrypt.GenerateFromPassword([]byte(pw), 10)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scrypt.Key([]byte(pw), salt, 16384, 8, 1, 32)
	if err != nil {
		t.Fatal(err)
	}
	a2 := argon2.IDKey([]byte(pw), salt, 2, 19456, 1, 32)
	pb, err := pbkdf2.Key(sha256.New, pw, salt, 29000, 32)
	if err != nil {
		t.Fatal(err)
	}
	ab64 := func(b []byte) string { return strings.ReplaceAll(base64.RawStdEncoding.EncodeToString(b), "+", ".") }
	return map[string]string{
		"BCRYPT":        string(bc),
		"SCRYPT":        "16384$8$1$" + hex.EncodeToString(salt) + "$" + hex.EncodeToString(sc),
		"ARGON2ID":      "$argon2id$v=19$m=19456,t=2,p=1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(a2),
		"PBKDF2_SHA256": "$pbkdf2-sha256$29000$" + ab64(salt) + "$" + ab64(pb),
	}
}

// Users imported with a password hash of each algorithm are CONFIRMED and
// sign in with their password (a wrong one is refused, SRP is refused
// until the first password sign-in), which replaces the imported hash with
// the pool's own argon2id hash and an SRP verifier.
func TestImportJobPasswordHashes(t *testing.T) {
	e := servertest.New(t)
	ctx := context.Background()
	pool, client := importPool(t, e)
	const pw = "Imp0rted-Passw0rd!"
	for alg, hash := range importedHashes(t, pw) {
		t.Run(alg, func(t *testing.T) {
			user := "hash-" + strings.ToLower(strings.ReplaceAll(alg, "_", "-"))
			file := csvFile(t, e, pool, []string{"password_hash"}, row(user, "password_hash", hash), row(user+"-blank"), row(user+"-bad", "password_hash", "$2b$31$notahash"))
			j := createJob(t, e, pool, file, alg)
			startJob(t, e, pool, aws.ToString(j.JobId))
			done := waitJob(t, e, pool, aws.ToString(j.JobId), "ended", ended)
			if done.ImportedUsers != 2 || done.FailedUsers != 1 {
				t.Fatalf("job: %+v", done)
			}
			if _, d := rawCall(t, e, "DescribeUserImportJob", map[string]any{"UserPoolId": pool, "JobId": aws.ToString(j.JobId)}); d["UserImportJob"].(map[string]any)["PasswordHashingAlgorithm"] != alg {
				t.Fatalf("DescribeUserImportJob does not echo the algorithm: %v", d)
			}
			u, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String(user)})
			if err != nil || u.UserStatus != types.UserStatusTypeConfirmed {
				t.Fatalf("imported user: %v %v", u, err)
			}
			if b, _ := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String(user + "-blank")}); b.UserStatus != types.UserStatusTypeResetRequired {
				t.Fatalf("user with a blank hash: %s", b.UserStatus)
			}
			signIn := func(p string) error {
				_, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(client),
					AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": p}})
				return err
			}
			srpSignIn := func() error {
				c, err := srptest.NewClient(rand.Reader, srp.PoolName(pool))
				if err != nil {
					t.Fatal(err)
				}
				out, err := e.Anonymous.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: aws.String(client),
					AuthParameters: map[string]string{"USERNAME": user, "SRP_A": c.SRPA()}})
				if err != nil {
					return err
				}
				resp, err := c.PasswordVerifierResponses(out.ChallengeParameters, pw, time.Now())
				if err != nil {
					t.Fatal(err)
				}
				_, err = e.Anonymous.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(client),
					ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: resp})
				return err
			}
			if err := signIn("wrong-" + pw); servertest.ErrorCode(err) != "NotAuthorizedException" {
				t.Fatalf("wrong password: %v", err)
			}
			if err := srpSignIn(); servertest.ErrorCode(err) != "NotAuthorizedException" {
				t.Fatalf("SRP before the first password sign-in: %v", err)
			}
			if err := signIn(pw); err != nil {
				t.Fatalf("sign-in with the imported password: %v", err)
			}
			stored, err := e.Store.GetUser(ctx, pool, user)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(stored.Secrets.PasswordHash, "$argon2id$") || len(stored.Secrets.SRPVerifier) == 0 {
				t.Fatalf("after sign-in the hash is %.12q…, SRP verifier %d bytes", stored.Secrets.PasswordHash, len(stored.Secrets.SRPVerifier))
			}
			if err := signIn(pw); err != nil {
				t.Fatalf("sign-in after the rehash: %v", err)
			}
			if err := srpSignIn(); err != nil {
				t.Fatalf("SRP after the rehash: %v", err)
			}
		})
	}
}
