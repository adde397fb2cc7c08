package trigger

import (
	"fmt"
	"strings"
)

// Version is a LambdaVersion of PreTokenGenerationConfig and the custom
// sender configurations.
type Version string

// Lambda versions (spec §2).
const (
	V1_0 Version = "V1_0"
	V2_0 Version = "V2_0"
	V3_0 Version = "V3_0"
)

// eventVersion is the event's "version" string for a pre-token version
// (spec §3.1): "1", "2" or "3". Everything else sends "1".
func (v Version) eventVersion() string {
	switch v {
	case V2_0:
		return "2"
	case V3_0:
		return "3"
	}
	return "1"
}

// Config is a pool's LambdaConfig, as plain values: the function ARN of each
// configured trigger (empty means not configured), the pre-token version and
// the KMS key of the custom senders. Callers map LambdaConfigType into it.
type Config struct {
	PreSignUp                   string
	CustomMessage               string
	PostConfirmation            string
	PreAuthentication           string
	PostAuthentication          string
	DefineAuthChallenge         string
	CreateAuthChallenge         string
	VerifyAuthChallengeResponse string
	UserMigration               string
	// PreTokenGeneration is PreTokenGenerationConfig.LambdaArn, or the
	// legacy PreTokenGeneration ARN when only that is set.
	PreTokenGeneration string
	// PreTokenGenerationVersion is PreTokenGenerationConfig.LambdaVersion;
	// empty means V1_0 (the legacy form).
	PreTokenGenerationVersion Version
	CustomSMSSender           string // CustomSMSSender.LambdaArn (V1_0)
	CustomEmailSender         string // CustomEmailSender.LambdaArn (V1_0)
	// KMSKeyID is the key that encrypts custom-sender codes.
	KMSKeyID string
}

// Function returns the ARN configured for trigger n, or "".
func (c Config) Function(n Name) string {
	switch n {
	case PreSignUp:
		return c.PreSignUp
	case CustomMessage:
		return c.CustomMessage
	case PostConfirmation:
		return c.PostConfirmation
	case PreAuthentication:
		return c.PreAuthentication
	case PostAuthentication:
		return c.PostAuthentication
	case DefineAuthChallenge:
		return c.DefineAuthChallenge
	case CreateAuthChallenge:
		return c.CreateAuthChallenge
	case VerifyAuthChallengeResponse:
		return c.VerifyAuthChallengeResponse
	case PreTokenGeneration:
		return c.PreTokenGeneration
	case UserMigration:
		return c.UserMigration
	case CustomSMSSender:
		return c.CustomSMSSender
	case CustomEmailSender:
		return c.CustomEmailSender
	}
	return ""
}

// Has reports whether trigger n is configured.
func (c Config) Has(n Name) bool { return c.Function(n) != "" }

// preTokenVersion is the effective pre-token version.
func (c Config) preTokenVersion() Version {
	if c.PreTokenGenerationVersion == "" {
		return V1_0
	}
	return c.PreTokenGenerationVersion
}

// Pool is what every trigger event names about the pool: its ID, its
// region (the envelope's "region" and the default region of the functions)
// and its trigger configuration.
type Pool struct {
	ID     string
	Region string // empty: derived from ID ("us-east-1_AbC" → "us-east-1")
	Config Config
}

func (p Pool) region() string {
	if p.Region != "" {
		return p.Region
	}
	if i := strings.IndexByte(p.ID, '_'); i > 0 {
		return p.ID[:i]
	}
	return ""
}

// FunctionARN is a parsed Lambda function ARN,
// arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>].
type FunctionARN struct {
	Partition, Region, Account, Name, Qualifier string
}

// ParseFunctionARN parses a function ARN. It accepts only the full form;
// LambdaConfigType requires ARNs (spec §2).
func ParseFunctionARN(arn string) (FunctionARN, error) {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || len(parts) > 8 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" ||
		parts[1] == "" || parts[3] == "" || parts[4] == "" || parts[6] == "" {
		return FunctionARN{}, fmt.Errorf("trigger: %q is not a Lambda function ARN", arn)
	}
	f := FunctionARN{Partition: parts[1], Region: parts[3], Account: parts[4], Name: parts[6]}
	if len(parts) == 8 {
		if parts[7] == "" {
			return FunctionARN{}, fmt.Errorf("trigger: %q has an empty qualifier", arn)
		}
		f.Qualifier = parts[7]
	}
	return f, nil
}

// String returns the ARN.
func (f FunctionARN) String() string {
	s := "arn:" + f.Partition + ":lambda:" + f.Region + ":" + f.Account + ":function:" + f.Name
	if f.Qualifier != "" {
		s += ":" + f.Qualifier
	}
	return s
}
