package trigger_test

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/trigger"
)

// startNodeEndpoint runs e2e/node/lib/lambda-endpoint.js with
// lib/trigger-handlers.js and returns its URL, or skips without node.
func startNodeEndpoint(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the Node Lambda endpoint check needs Node.js >= 20")
	}
	dir, _ := filepath.Abs("../../e2e/node")
	cmd := exec.Command(node, "lib/lambda-endpoint.js", "lib/trigger-handlers.js")
	cmd.Dir = dir
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("lambda-endpoint.js printed no URL: %v", err)
	}
	return strings.TrimSpace(line)
}

// TestNodeLambdaEndpoint drives the Node endpoint of the e2e suite with
// the real Go Lambda client: CUSTOM_AUTH over three rounds, the V2
// pre-token function, and a thrown error.
func TestNodeLambdaEndpoint(t *testing.T) {
	url := startNodeEndpoint(t)
	ctx := context.Background()
	for _, mode := range []trigger.NameMode{trigger.NameARN, trigger.NameShort} {
		inv, err := trigger.NewLambdaInvoker(ctx, trigger.LambdaConfig{Endpoint: url, FunctionName: mode, Credentials: staticCreds()})
		if err != nil {
			t.Fatal(err)
		}
		svc, _ := trigger.New(trigger.Options{Invoker: trigger.Router{Lambda: inv}})
		p := pool(trigger.V2_0)
		user := trigger.CustomAuthUser{Username: "jane"}
		respond := trigger.Call{Operation: trigger.OpRespondToAuthChallenge, ClientID: "c1", ClientMetadata: map[string]string{"rounds": "3"}}
		step, err := svc.StartCustomAuth(ctx, p, trigger.Call{Operation: trigger.OpInitiateAuth, ClientID: "c1"}, user, false)
		for i := 0; err == nil && step.Kind == trigger.StepChallenge; i++ {
			var n int
			fmt.Sscanf(step.Parameters["question"], "what is %d+1?", &n)
			step, err = svc.AnswerCustomChallenge(ctx, p, respond, user, step.State, strconv.Itoa(n+1))
		}
		if err != nil || step.Kind != trigger.StepTokens || len(step.State.Session) != 3 {
			t.Fatalf("%s: custom auth ended with %+v, %v", mode, step, err)
		}
		edits, err := svc.PreTokenGeneration(ctx, p, respond, trigger.PreTokenInput{Source: trigger.TokenGenerationAuthentication, Username: "jane"})
		if err != nil || string(edits.AccessSet["tier"]) != "3" || string(edits.IDSet["tenant"]) != `"acme"` {
			t.Fatalf("%s: pre-token %+v, %v", mode, edits, err)
		}
		p.Config.PreAuthentication = arn("Fail")
		err = svc.PreAuthentication(ctx, p, trigger.Call{Operation: trigger.OpInitiateAuth}, trigger.PreAuthenticationInput{Username: "jane"})
		wantFault(t, err, fault.UserLambdaValidation, "PreAuthentication failed with error rejected by the test function.")
	}
}
