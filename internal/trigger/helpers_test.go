package trigger_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/trigger/lambdatest"
)

const (
	poolID  = "us-east-1_AbCdEf123"
	account = "123456789012"
)

func arn(name string) string { return "arn:aws:lambda:us-east-1:" + account + ":function:" + name }

// fullConfig configures every trigger with a function named as the trigger.
func fullConfig(v trigger.Version) trigger.Config {
	return trigger.Config{
		PreSignUp: arn("PreSignUp"), CustomMessage: arn("CustomMessage"), PostConfirmation: arn("PostConfirmation"),
		PreAuthentication: arn("PreAuthentication"), PostAuthentication: arn("PostAuthentication"),
		DefineAuthChallenge: arn("DefineAuthChallenge"), CreateAuthChallenge: arn("CreateAuthChallenge"),
		VerifyAuthChallengeResponse: arn("VerifyAuthChallengeResponse"), UserMigration: arn("UserMigration"),
		PreTokenGeneration: arn("PreTokenGeneration"), PreTokenGenerationVersion: v,
		CustomSMSSender: arn("CustomSMSSender"), CustomEmailSender: arn("CustomEmailSender"),
		KMSKeyID: "arn:aws:kms:us-east-1:" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab",
	}
}

func pool(v trigger.Version) trigger.Pool { return trigger.Pool{ID: poolID, Config: fullConfig(v)} }

type env struct {
	lt  *lambdatest.Server
	svc *trigger.Service
	reg *prometheus.Registry
}

// newEnv starts a Lambda endpoint and a Service that invokes it through the
// real Lambda client with static credentials.
func newEnv(t testing.TB, opts ...func(*trigger.Options)) *env {
	t.Helper()
	lt := lambdatest.NewServer(t)
	inv, err := trigger.NewLambdaInvoker(context.Background(), trigger.LambdaConfig{
		Endpoint: lt.URL, Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	o := trigger.Options{Invoker: trigger.Router{Lambda: inv}, Registerer: reg}
	for _, f := range opts {
		f(&o)
	}
	svc, err := trigger.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return &env{lt: lt, svc: svc, reg: reg}
}

// lastPayload returns the payload of the last invocation of function name.
func (e *env) lastPayload(t testing.TB, name string) []byte {
	t.Helper()
	calls := e.lt.Invocations()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Function == name {
			return calls[i].Payload
		}
	}
	t.Fatalf("function %s was not invoked (%d invocations)", name, len(calls))
	return nil
}

type failingCredentials struct{}

func (failingCredentials) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{}, errors.New("no credentials in this test")
}

func staticCreds() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
}

// metric returns the value of the counter name whose labels include want.
func (e *env) metric(t testing.TB, name string, want map[string]string) float64 {
	t.Helper()
	families, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if v, ok := want[l.GetName()]; ok && v != l.GetValue() {
					continue series
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
