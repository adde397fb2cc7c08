package userpool

import (
	"testing"

	"github.com/userpoold/userpoold/internal/trigger"
)

func TestTriggerConfig(t *testing.T) {
	arn := func(n string) *string { return ptr("arn:aws:lambda:us-east-1:123456789012:function:" + n) }
	for _, tc := range []struct {
		name string
		in   *LambdaConfig
		want trigger.Config
	}{
		{"none", nil, trigger.Config{}},
		{"legacy pre-token is V1_0", &LambdaConfig{PreTokenGeneration: arn("v1")},
			trigger.Config{PreTokenGeneration: *arn("v1")}},
		{"the versioned config wins", &LambdaConfig{PreTokenGeneration: arn("v1"),
			PreTokenGenerationConfig: &LambdaVersionConfig{LambdaArn: arn("v3"), LambdaVersion: ptr("V3_0")}},
			trigger.Config{PreTokenGeneration: *arn("v3"), PreTokenGenerationVersion: trigger.V3_0}},
		{"every trigger", &LambdaConfig{
			PreSignUp: arn("a"), CustomMessage: arn("b"), PostConfirmation: arn("c"), PreAuthentication: arn("d"),
			PostAuthentication: arn("e"), DefineAuthChallenge: arn("f"), CreateAuthChallenge: arn("g"),
			VerifyAuthChallengeResponse: arn("h"), UserMigration: arn("i"),
			CustomSMSSender:   &LambdaVersionConfig{LambdaArn: arn("j"), LambdaVersion: ptr("V1_0")},
			CustomEmailSender: &LambdaVersionConfig{LambdaArn: arn("k"), LambdaVersion: ptr("V1_0")},
			KMSKeyID:          ptr("arn:aws:kms:us-east-1:123456789012:key/x"),
		}, trigger.Config{
			PreSignUp: *arn("a"), CustomMessage: *arn("b"), PostConfirmation: *arn("c"), PreAuthentication: *arn("d"),
			PostAuthentication: *arn("e"), DefineAuthChallenge: *arn("f"), CreateAuthChallenge: *arn("g"),
			VerifyAuthChallengeResponse: *arn("h"), UserMigration: *arn("i"), CustomSMSSender: *arn("j"),
			CustomEmailSender: *arn("k"), KMSKeyID: "arn:aws:kms:us-east-1:123456789012:key/x",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Pool{Settings: &Settings{LambdaConfig: tc.in}}
			p.ID = "us-east-1_Abc"
			got := p.TriggerPool()
			if got.ID != "us-east-1_Abc" || got.Config != tc.want {
				t.Errorf("TriggerPool = %+v, want %+v", got, tc.want)
			}
		})
	}
}
