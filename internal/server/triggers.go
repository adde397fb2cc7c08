package server

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/trigger"
	"github.com/userpoold/userpoold/internal/trigger/esdk"
)

// buildTriggers builds the one trigger.Service of the server from cfg's
// lambda section, its metrics registered on reg:
//
//   - lambda.webhooks route their triggers to HTTP endpoints;
//   - every other trigger goes to the Lambda Invoke API at lambda.endpoint
//     ("aws": each function ARN's regional endpoint), naming the function
//     as lambda.function_name says;
//   - with neither, a trigger a pool configures fails with
//     UnexpectedLambdaException (trigger.Router), never skipped;
//   - with kms_endpoint, custom-sender codes are Encryption SDK messages
//     under the pool's KMSKeyID; without, they are sent in plain text.
//
// It makes no network call.
func buildTriggers(ctx context.Context, cfg config.Config, reg prometheus.Registerer, log *slog.Logger) (*trigger.Service, error) {
	l := cfg.Lambda
	var router trigger.Router
	if l.Endpoint != "" {
		endpoint := l.Endpoint
		if endpoint == config.LambdaAWS {
			endpoint = ""
		}
		inv, err := trigger.NewLambdaInvoker(ctx, trigger.LambdaConfig{Endpoint: endpoint, FunctionName: trigger.NameMode(l.FunctionName)})
		if err != nil {
			return nil, fmt.Errorf("lambda: %w", err)
		}
		router.Lambda = inv
	}
	for name, url := range l.Webhooks {
		n, ok := trigger.ParseName(name)
		if !ok {
			return nil, fmt.Errorf("lambda.webhooks: %q is not a trigger name", name)
		}
		w, err := trigger.NewWebhookInvoker(trigger.WebhookConfig{URL: url, Secret: l.WebhookSecret}, nil)
		if err != nil {
			return nil, fmt.Errorf("lambda.webhooks.%s: %w", name, err)
		}
		if router.Webhooks == nil {
			router.Webhooks = map[trigger.Name]trigger.Invoker{}
		}
		router.Webhooks[n] = w
	}
	var enc trigger.CodeEncrypter
	if l.KMSEndpoint != "" {
		client, err := esdk.NewKMSClient(ctx, esdk.KMSConfig{Endpoint: l.KMSEndpoint, Region: cfg.Region})
		if err != nil {
			return nil, fmt.Errorf("kms-endpoint: %w", err)
		}
		enc = esdk.KMSEncrypter{Client: client}
	}
	return trigger.New(trigger.Options{Invoker: router, Encrypter: enc, Registerer: reg, Logger: log, Timeout: l.Timeout})
}
