package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/server/servertest"
)

// BenchmarkImport100kRows imports a file of 100,000 users through the
// real upload URL and the SDK, polling DescribeUserImportJob meanwhile: it
// fails unless the progress counter was seen between 0 and the end, and
// reports the import's wall time (from StartUserImportJob to Succeeded) as
// s/import and its rate as rows/s.
//
//	go test -run '^$' -bench Import100k -benchtime 1x ./internal/server/
func BenchmarkImport100kRows(b *testing.B) {
	const n = 100_000
	for range b.N {
		b.StopTimer()
		e := servertest.New(b)
		ctx := context.Background()
		pool := e.CreatePool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}})
		hdr, err := e.Client.GetCSVHeader(ctx, &cip.GetCSVHeaderInput{UserPoolId: aws.String(pool)})
		if err != nil {
			b.Fatal(err)
		}
		var f strings.Builder
		f.WriteString(strings.Join(hdr.CSVHeader, ",") + "\n")
		for i := range n {
			for _, c := range hdr.CSVHeader {
				switch c {
				case "email":
					fmt.Fprintf(&f, "user%06d@example.com", i)
				case "email_verified":
					f.WriteString("TRUE")
				case "given_name":
					fmt.Fprintf(&f, "Given%d", i)
				case "cognito:mfa_enabled":
					f.WriteString("false")
				case "cognito:username":
					fmt.Fprintf(&f, "user%06d", i)
				}
				if c != "cognito:username" {
					f.WriteString(",")
				}
			}
			f.WriteString("\n")
		}
		j := createJob(b, e, pool, f.String(), "")
		job := aws.ToString(j.JobId)
		b.StartTimer()
		start := time.Now()
		startJob(b, e, pool, job)
		var progress []int64
		var done *types.UserImportJobType
		for {
			d := describeJob(b, e, pool, job)
			if d.Status == types.UserImportJobStatusTypeInProgress && d.ImportedUsers > 0 &&
				(len(progress) == 0 || progress[len(progress)-1] != d.ImportedUsers) {
				progress = append(progress, d.ImportedUsers)
			}
			if ended(d) {
				done = d
				break
			}
			if time.Since(start) > 30*time.Minute {
				b.Fatalf("the import did not end: %+v", d)
			}
			time.Sleep(100 * time.Millisecond)
		}
		wall := time.Since(start)
		b.StopTimer()
		if done.Status != types.UserImportJobStatusTypeSucceeded || done.ImportedUsers != n {
			b.Fatalf("job: %+v", done)
		}
		if len(progress) == 0 || progress[0] >= n {
			b.Fatalf("DescribeUserImportJob never showed the job part-way: %v", progress)
		}
		if c, err := e.Store.CountUsers(ctx, pool); err != nil || c != n {
			b.Fatalf("%d users (%v)", c, err)
		}
		b.ReportMetric(wall.Seconds(), "s/import")
		b.ReportMetric(float64(n)/wall.Seconds(), "rows/s")
		b.StartTimer()
		b.Logf("100,000 rows in %s; ImportedUsers seen mid-run: %d values, first %d, last %d", wall.Round(time.Millisecond), len(progress), progress[0], progress[len(progress)-1])
	}
}
