// Command loadgen drives a Cognito user pools endpoint (userpoold, AWS, or
// another emulator such as cognito-local) with SetUserMFAPreference or
// GetUser requests, as an app's signed-in users would, and reports the
// throughput and latency it measured.
//
// Setup goes through the ordinary API with the AWS SDK: CreateUserPool
// (MFA OPTIONAL with SMS, where the server supports it),
// CreateUserPoolClient, then per user AdminCreateUser, AdminSetUserPassword
// (permanent) and InitiateAuth USER_PASSWORD_AUTH for an access token. The
// load itself is plain HTTP: both operations are unsigned, so each request
// is one POST of a prepared body, and the generator costs little CPU next
// to the server it measures.
//
// SetUserMFAPreference alternates SMSMfaSettings.PreferredMfa between true
// and false for each user, so that every request changes the stored user:
// each one is a write the server must make durable before answering.
//
//	go run ./bench/loadgen -endpoint http://127.0.0.1:9229 -op SetUserMFAPreference -c 64 -d 10s
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:9229", "server URL")
	op := flag.String("op", "SetUserMFAPreference", "operation: SetUserMFAPreference or GetUser")
	conc := flag.Int("c", 64, "concurrent clients (one user each)")
	dur := flag.Duration("d", 10*time.Second, "measured duration")
	warm := flag.Duration("warmup", 2*time.Second, "unmeasured warm-up")
	flag.Parse()
	if err := run(*endpoint, *op, *conc, *dur, *warm); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(endpoint, op string, conc int, dur, warm time.Duration) error {
	if op != "SetUserMFAPreference" && op != "GetUser" {
		return fmt.Errorf("unknown -op %q", op)
	}
	ctx := context.Background()
	tokens, err := setup(ctx, endpoint, conc)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	hc := &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conc * 2,
		MaxIdleConnsPerHost: conc * 2,
		IdleConnTimeout:     time.Minute,
	}, Timeout: 30 * time.Second}

	var (
		measuring atomic.Bool
		stop      atomic.Bool
		count     atomic.Int64
		failures  atomic.Int64
		firstErr  atomic.Value
		mu        sync.Mutex
		latencies []time.Duration
		wg        sync.WaitGroup
	)
	for i := range conc {
		wg.Go(func() {
			var lat []time.Duration
			pref := false
			for n := 0; !stop.Load(); n++ {
				var body []byte
				switch op {
				case "GetUser":
					body = fmt.Appendf(nil, `{"AccessToken":%q}`, tokens[i])
				default:
					pref = !pref
					body = fmt.Appendf(nil, `{"AccessToken":%q,"SMSMfaSettings":{"Enabled":true,"PreferredMfa":%t}}`, tokens[i], pref)
				}
				t0 := time.Now()
				err := call(hc, endpoint, op, body)
				d := time.Since(t0)
				if !measuring.Load() {
					continue
				}
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				count.Add(1)
				lat = append(lat, d)
			}
			mu.Lock()
			latencies = append(latencies, lat...)
			mu.Unlock()
		})
	}
	time.Sleep(warm)
	measuring.Store(true)
	start := time.Now()
	time.Sleep(dur)
	measuring.Store(false)
	elapsed := time.Since(start)
	stop.Store(true)
	wg.Wait()

	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(float64(len(latencies))*p))]
	}
	n := count.Load()
	fmt.Printf("endpoint=%s op=%s concurrency=%d duration=%s\n", endpoint, op, conc, elapsed.Round(time.Millisecond))
	fmt.Printf("requests=%d failures=%d throughput=%.0f req/s p50=%s p90=%s p99=%s max=%s\n",
		n, failures.Load(), float64(n)/elapsed.Seconds(), pct(.5), pct(.9), pct(.99), pct(1))
	if e := firstErr.Load(); e != nil {
		fmt.Printf("first failure: %s\n", e)
	}
	return nil
}

// call makes one unsigned AWS JSON 1.1 request and checks for HTTP 200.
func call(hc *http.Client, endpoint, op string, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	return nil
}

// setup creates a pool, a client and n users through the API and returns
// an access token per user.
func setup(ctx context.Context, endpoint string, n int) ([]string, error) {
	c := cip.New(cip.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	suffix := time.Now().Format("150405.000")
	pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("loadgen-" + suffix)})
	if err != nil {
		return nil, err
	}
	poolID := pool.UserPool.Id
	// MFA OPTIONAL with SMS so that SMS_MFA may be enabled; servers that
	// do not implement this call are still measured.
	if _, err := c.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: poolID, MfaConfiguration: types.UserPoolMfaTypeOptional,
		SmsMfaConfiguration: &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Your code is {####}")},
	}); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen: SetUserPoolMfaConfig:", err)
	}
	client, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: poolID, ClientName: aws.String("loadgen"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
	})
	if err != nil {
		return nil, err
	}
	tokens := make([]string, n)
	for i := range n {
		name := fmt.Sprintf("user%04d", i)
		const pw = "Load-Test-Passw0rd!"
		if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
			UserPoolId: poolID, Username: aws.String(name), MessageAction: types.MessageActionTypeSuppress,
			UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String(fmt.Sprintf("+1206555%04d", i))}},
		}); err != nil {
			return nil, err
		}
		if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
			UserPoolId: poolID, Username: aws.String(name), Password: aws.String(pw), Permanent: true,
		}); err != nil {
			return nil, err
		}
		out, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{
			ClientId: client.UserPoolClient.ClientId, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": pw},
		})
		if err != nil {
			return nil, err
		}
		if out.AuthenticationResult == nil {
			b, _ := json.Marshal(out.ChallengeName)
			return nil, errors.New("sign-in ended in a challenge: " + string(b))
		}
		tokens[i] = aws.ToString(out.AuthenticationResult.AccessToken)
	}
	return tokens, nil
}
