package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestUserMigrationWelcome: the welcome message of a migrated user
// (userpool.Migrate, spec §6.6) — sent unless messageAction is SUPPRESS,
// over desiredDeliveryMediums (default SMS) through the delivery path, so
// the CustomMessage trigger shapes it; ForgotPassword sends only its code.
func TestUserMigrationWelcome(t *testing.T) {
	e := newAuthEnv(t, &types.LambdaConfigType{
		UserMigration: aws.String(fnARN("migrate")), CustomMessage: aws.String(fnARN("message")),
	}, nil)
	handle(t, e.lt, "migrate", nil, func(ev events.CognitoEventUserPoolsMigrateUser) (events.CognitoEventUserPoolsMigrateUser, error) {
		r := &ev.CognitoEventUserPoolsMigrateUserResponse
		r.FinalUserStatus = "CONFIRMED"
		switch ev.UserName {
		case "by-email":
			r.UserAttributes = map[string]string{"email": "by-email@example.com", "email_verified": "true", "phone_number": "+15555550100"}
			r.DesiredDeliveryMediums = []string{"EMAIL"}
		case "by-default":
			// No desiredDeliveryMediums: SMS.
			r.UserAttributes = map[string]string{"email": "by-default@example.com", "phone_number": "+15555550101", "phone_number_verified": "true"}
		case "no-phone":
			// The default SMS medium and no phone number: nothing is sent.
			r.UserAttributes = map[string]string{"email": "no-phone@example.com", "email_verified": "true"}
		case "both":
			r.UserAttributes = map[string]string{"email": "both@example.com", "phone_number": "+15555550102"}
			r.DesiredDeliveryMediums = []string{"SMS", "EMAIL"}
		case "quiet":
			r.UserAttributes = map[string]string{"email": "quiet@example.com", "phone_number": "+15555550103"}
			r.DesiredDeliveryMediums = []string{"EMAIL", "SMS"}
			r.MessageAction = "SUPPRESS"
		case "forgot":
			r.UserAttributes = map[string]string{"email": "forgot@example.com", "email_verified": "true", "phone_number": "+15555550104"}
			r.FinalUserStatus = "RESET_REQUIRED"
			r.DesiredDeliveryMediums = []string{"SMS"}
		default:
			return ev, errors.New("User not found")
		}
		return ev, nil
	})
	var msgs recorder[events.CognitoEventUserPoolsCustomMessage]
	// Decoded leniently: the event carries Cognito's undocumented
	// linkParameter, which aws-lambda-go's struct lacks (spec §6.7).
	e.lt.Register("message", func(_ context.Context, payload []byte) ([]byte, error) {
		var ev events.CognitoEventUserPoolsCustomMessage
		if err := json.Unmarshal(payload, &ev); err != nil {
			t.Errorf("CustomMessage event: %v", err)
			return nil, err
		}
		msgs.add(ev)
		if ev.TriggerSource == "CustomMessage_AdminCreateUser" {
			ev.Response.SMSMessage = "Welcome over, " + ev.Request.UsernameParameter + "!" + ev.Request.CodeParameter
		}
		return json.Marshal(ev)
	})

	signIn := func(name string) {
		t.Helper()
		out, err := e.password(name, "legacy-pw", nil)
		if err != nil || out.AuthenticationResult == nil {
			t.Fatalf("%s: migrated sign-in: %v", name, err)
		}
	}
	type sent struct{ channel, dest, purpose string }
	outbox := func(name string) []sent {
		t.Helper()
		var out []sent
		for _, m := range e.Outbox(e.pool, name) {
			out = append(out, sent{m.Channel, m.Destination, m.Purpose})
		}
		return out
	}

	signIn("by-email")
	if got := outbox("by-email"); len(got) != 1 || got[0] != (sent{"EMAIL", "by-email@example.com", "INVITATION"}) {
		t.Errorf("EMAIL welcome: outbox %+v", got)
	}
	signIn("by-default")
	got := e.Outbox(e.pool, "by-default")
	if len(got) != 1 || got[0].Channel != "SMS" || got[0].Destination != "+15555550101" || got[0].Purpose != "INVITATION" {
		t.Fatalf("default (SMS) welcome: outbox %+v", got)
	}
	// The CustomMessage trigger wrote the SMS: it fired with
	// CustomMessage_AdminCreateUser for the migrated user.
	if got[0].Body != "Welcome over, by-default!" {
		t.Errorf("SMS body %q, want the CustomMessage text", got[0].Body)
	}
	var seen []string
	for _, ev := range msgs.all() {
		seen = append(seen, ev.TriggerSource+":"+ev.UserName)
	}
	if strings.Join(seen, ",") != "CustomMessage_AdminCreateUser:by-email,CustomMessage_AdminCreateUser:by-default" {
		t.Errorf("CustomMessage events = %v", seen)
	}
	signIn("no-phone")
	if got := outbox("no-phone"); len(got) != 0 {
		t.Errorf("SMS welcome without a phone number: outbox %+v", got)
	}
	signIn("both")
	if got := outbox("both"); len(got) != 2 || got[0].purpose != "INVITATION" || got[1].purpose != "INVITATION" || got[0].channel == got[1].channel {
		t.Errorf("EMAIL and SMS welcome: outbox %+v", got)
	}
	signIn("quiet")
	if got := outbox("quiet"); len(got) != 0 {
		t.Errorf("SUPPRESS sent %+v", got)
	}

	// ForgotPassword migrates the user and sends the reset code to the
	// verified email, and no welcome message (even over the SMS asked for).
	fp, err := e.Client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e.client), Username: aws.String("forgot")})
	if err != nil {
		t.Fatalf("ForgotPassword: %v", err)
	}
	if d := fp.CodeDeliveryDetails; d == nil || d.DeliveryMedium != types.DeliveryMediumTypeEmail {
		t.Errorf("CodeDeliveryDetails = %+v", d)
	}
	if got := outbox("forgot"); len(got) != 1 || got[0] != (sent{"EMAIL", "forgot@example.com", "FORGOT_PASSWORD"}) {
		t.Errorf("ForgotPassword of a migrated user: outbox %+v", got)
	}
	if u, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("forgot")}); err != nil || u.UserStatus != types.UserStatusTypeResetRequired {
		t.Errorf("migrated by ForgotPassword: %+v %v", u, err)
	}
}
