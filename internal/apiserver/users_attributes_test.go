package apiserver_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func TestUpdateUserAttributes(t *testing.T) {
	e := newUMEnv(t, &cip.CreateUserPoolInput{
		AutoVerifiedAttributes: []types.VerifiedAttributeType{"email", "phone_number"},
		Schema: []types.SchemaAttributeType{
			{Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(false)},
			{Name: aws.String("plan"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true)},
		},
	}, nil)
	e.createUser("alice", umAttrs("email", "alice@example.com", "email_verified", "true", "custom:tenant", "t1")...)
	tok := e.token("alice", e.client)
	update := func(tok string, attrs ...types.AttributeType) (*cip.UpdateUserAttributesOutput, error) {
		return e.Anonymous.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: aws.String(tok), UserAttributes: attrs})
	}

	// A plain attribute: no code.
	out, err := update(tok, umAttrs("name", "Alice", "custom:plan", "gold")...)
	umOK(t, err)
	if len(out.CodeDeliveryDetailsList) != 0 || len(e.messages("alice")) != 0 {
		t.Fatalf("codes for a plain update: %+v", out.CodeDeliveryDetailsList)
	}
	// A new email: unverified, code sent to the new address.
	out, err = update(tok, umAttr("email", "new@example.org"))
	umOK(t, err)
	if len(out.CodeDeliveryDetailsList) != 1 || aws.ToString(out.CodeDeliveryDetailsList[0].Destination) != "n***@e***.org" ||
		out.CodeDeliveryDetailsList[0].DeliveryMedium != types.DeliveryMediumTypeEmail || aws.ToString(out.CodeDeliveryDetailsList[0].AttributeName) != "email" {
		t.Fatalf("CodeDeliveryDetailsList = %+v", out.CodeDeliveryDetailsList)
	}
	m := umMap(e.get("alice").UserAttributes)
	if m["email"] != "new@example.org" || m["email_verified"] != "false" || m["name"] != "Alice" || m["custom:plan"] != "gold" {
		t.Fatalf("attributes = %v", m)
	}
	msgs := e.messages("alice")
	if len(msgs) != 1 || msgs[0].Purpose != "VERIFY_ATTRIBUTE" || msgs[0].Destination != "new@example.org" {
		t.Fatalf("outbox = %+v", msgs)
	}
	verify := func(attr, code string) error {
		_, err := e.Anonymous.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: aws.String(tok), AttributeName: aws.String(attr), Code: aws.String(code)})
		return err
	}
	umWantErr(t, verify("email", umWrongCode(msgs[0].Code)), "CodeMismatchException", "Invalid verification code provided, please try again.")
	umOK(t, verify("email", msgs[0].Code))
	if v := umMap(e.get("alice").UserAttributes)["email_verified"]; v != "true" {
		t.Fatalf("email_verified = %q", v)
	}
	umWantErr(t, verify("email", msgs[0].Code), "CodeMismatchException", "Invalid verification code provided, please try again.")
	umWantErr(t, verify("name", "123456"), "InvalidParameterException", "Invalid attribute name. Only email and phone_number can be verified.")

	// Email and phone at once: two codes.
	out, err = update(tok, umAttrs("email", "third@example.com", "phone_number", "+15555550199")...)
	umOK(t, err)
	if len(out.CodeDeliveryDetailsList) != 2 {
		t.Fatalf("CodeDeliveryDetailsList = %+v", out.CodeDeliveryDetailsList)
	}

	errs := []struct {
		name  string
		attrs []types.AttributeType
		code  string
		msg   string
	}{
		{"immutable", umAttrs("custom:tenant", "t2"), "InvalidParameterException", "Attributes did not conform to the schema: custom:tenant: Attribute cannot be updated.\n"},
		{"unknown", umAttrs("custom:nope", "x"), "InvalidParameterException", "Attributes did not conform to the schema: custom:nope: Attribute does not exist in the schema.\n"},
		{"sub", umAttrs("sub", "x"), "InvalidParameterException", "Attributes did not conform to the schema: sub: Attribute cannot be updated.\n"},
		{"verification flag", umAttrs("email_verified", "true"), "NotAuthorizedException", "A client attempted to write unauthorized attribute"},
		{"bad email", umAttrs("email", "nope"), "InvalidParameterException", "Attributes did not conform to the schema: email: Invalid email address format.\n"},
	}
	before := umMap(e.get("alice").UserAttributes)
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := update(tok, append(umAttrs("name", "Changed"), tt.attrs...)...)
			umWantErr(t, err, tt.code, tt.msg)
		})
	}
	// A client limited to some attributes.
	limited := e.CreateClient(e.pool, &cip.CreateUserPoolClientInput{WriteAttributes: []string{"name"}})
	_, err = update(e.token("alice", aws.ToString(limited.ClientId)), umAttrs("name", "Changed", "email", "x@example.com")...)
	umWantErr(t, err, "NotAuthorizedException", "A client attempted to write unauthorized attribute")
	if after := umMap(e.get("alice").UserAttributes); after["name"] != before["name"] || after["email"] != before["email"] {
		t.Errorf("failed updates changed the user: %v -> %v", before, after)
	}
	_, err = update("bad-token", umAttr("name", "x"))
	umWantErr(t, err, "NotAuthorizedException", "Invalid Access Token")
}

func TestGetUserAttributeVerificationCode(t *testing.T) {
	e := newUMEnv(t, nil, nil)
	e.createUser("alice", umAttrs("email", "alice@example.com", "phone_number", "+15555550100")...)
	tok := e.token("alice", e.client)
	out, err := e.Anonymous.GetUserAttributeVerificationCode(ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: aws.String(tok), AttributeName: aws.String("phone_number")})
	umOK(t, err)
	if d := out.CodeDeliveryDetails; d == nil || d.DeliveryMedium != types.DeliveryMediumTypeSms || aws.ToString(d.Destination) != "+*******0100" {
		t.Fatalf("details = %+v", d)
	}
	code := e.lastCode("alice", "VERIFY_ATTRIBUTE")
	_, err = e.Anonymous.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: aws.String(tok), AttributeName: aws.String("email"), Code: aws.String(code)})
	umWantErr(t, err, "CodeMismatchException", "Invalid verification code provided, please try again.")
	_, err = e.Anonymous.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: aws.String(tok), AttributeName: aws.String("phone_number"), Code: aws.String(code)})
	umOK(t, err)
	if v := umMap(e.get("alice").UserAttributes)["phone_number_verified"]; v != "true" {
		t.Errorf("phone_number_verified = %q", v)
	}
	_, err = e.Anonymous.GetUserAttributeVerificationCode(ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: aws.String(tok), AttributeName: aws.String("name")})
	umWantErr(t, err, "InvalidParameterException", "Invalid attribute name. Only email and phone_number can be verified.")
	e.createUser("bob")
	_, err = e.Anonymous.GetUserAttributeVerificationCode(ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: aws.String(e.token("bob", e.client)), AttributeName: aws.String("email")})
	umWantErr(t, err, "InvalidParameterException", "User does not have a value for the email attribute.")
}

func TestVerificationBeforeUpdate(t *testing.T) {
	e := newUMEnv(t, &cip.CreateUserPoolInput{
		AutoVerifiedAttributes:      []types.VerifiedAttributeType{"email"},
		UserAttributeUpdateSettings: &types.UserAttributeUpdateSettingsType{AttributesRequireVerificationBeforeUpdate: []types.VerifiedAttributeType{"email"}},
	}, nil)
	e.createUser("alice", umAttrs("email", "old@example.com", "email_verified", "true")...)
	tok := e.token("alice", e.client)
	out, err := e.Anonymous.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: aws.String(tok), UserAttributes: umAttrs("email", "new@example.com")})
	umOK(t, err)
	if len(out.CodeDeliveryDetailsList) != 1 || aws.ToString(out.CodeDeliveryDetailsList[0].Destination) != "n***@e***.com" {
		t.Fatalf("details = %+v", out.CodeDeliveryDetailsList)
	}
	// The old, verified value stays in place (and still signs in as alias).
	m := umMap(e.get("alice").UserAttributes)
	if m["email"] != "old@example.com" || m["email_verified"] != "true" {
		t.Fatalf("attributes while pending: %v", m)
	}
	if u := e.stored("alice"); len(u.PendingAttributes) != 1 || u.PendingAttributes[0].Value != "new@example.com" {
		t.Fatalf("PendingAttributes = %+v", u.PendingAttributes)
	}
	// A new code goes to the pending value.
	g, err := e.Anonymous.GetUserAttributeVerificationCode(ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: aws.String(tok), AttributeName: aws.String("email")})
	umOK(t, err)
	if aws.ToString(g.CodeDeliveryDetails.Destination) != "n***@e***.com" {
		t.Fatalf("resent to %s", aws.ToString(g.CodeDeliveryDetails.Destination))
	}
	code := e.lastCode("alice", "VERIFY_ATTRIBUTE")
	_, err = e.Anonymous.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: aws.String(tok), AttributeName: aws.String("email"), Code: aws.String(code)})
	umOK(t, err)
	m = umMap(e.get("alice").UserAttributes)
	if m["email"] != "new@example.com" || m["email_verified"] != "true" {
		t.Fatalf("attributes after verification: %v", m)
	}
	if u := e.stored("alice"); len(u.PendingAttributes) != 0 {
		t.Fatalf("PendingAttributes left: %+v", u.PendingAttributes)
	}
}

func TestAdminUpdateUserAttributes(t *testing.T) {
	e := newUMEnv(t, &cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"}}, nil)
	e.createUser("alice", umAttrs("email", "alice@example.com", "email_verified", "true")...)
	update := func(attrs ...types.AttributeType) error {
		_, err := e.Client.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(e.pool), Username: aws.String("alice"), UserAttributes: attrs})
		return err
	}
	// Verified in the same call: no code.
	umOK(t, update(umAttrs("email", "b@example.com", "email_verified", "true")...))
	if m := umMap(e.get("alice").UserAttributes); m["email"] != "b@example.com" || m["email_verified"] != "true" {
		t.Fatalf("attributes = %v", m)
	}
	if n := len(e.messages("alice")); n != 0 {
		t.Fatalf("%d messages", n)
	}
	// Without the flag: unverified and a code.
	umOK(t, update(umAttr("email", "c@example.com")))
	if m := umMap(e.get("alice").UserAttributes); m["email"] != "c@example.com" || m["email_verified"] != "false" {
		t.Fatalf("attributes = %v", m)
	}
	if msgs := e.messages("alice"); len(msgs) != 1 || msgs[0].Destination != "c@example.com" {
		t.Fatalf("outbox = %+v", msgs)
	}
	// Administrators may set the flags alone.
	umOK(t, update(umAttr("email_verified", "true")))
	if m := umMap(e.get("alice").UserAttributes); m["email_verified"] != "true" {
		t.Fatalf("attributes = %v", m)
	}
	_, err := e.Client.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(e.pool), Username: aws.String("nobody"), UserAttributes: umAttrs("name", "x")})
	umWantErr(t, err, "UserNotFoundException", "User does not exist.")
}

func TestDeleteUserAttributes(t *testing.T) {
	e := newUMEnv(t, &cip.CreateUserPoolInput{Schema: []types.SchemaAttributeType{
		{Name: aws.String("given_name"), Required: aws.Bool(true), Mutable: aws.Bool(true)},
	}}, nil)
	e.createUser("alice", umAttrs("given_name", "Alice", "email", "alice@example.com", "email_verified", "true", "name", "A", "locale", "en")...)
	tok := e.token("alice", e.client)
	_, err := e.Anonymous.DeleteUserAttributes(ctx, &cip.DeleteUserAttributesInput{AccessToken: aws.String(tok), UserAttributeNames: []string{"email", "locale"}})
	umOK(t, err)
	m := umMap(e.get("alice").UserAttributes)
	if _, ok := m["email"]; ok || m["email_verified"] != "" || m["locale"] != "" || m["name"] != "A" {
		t.Fatalf("attributes = %v", m)
	}
	_, err = e.Anonymous.DeleteUserAttributes(ctx, &cip.DeleteUserAttributesInput{AccessToken: aws.String(tok), UserAttributeNames: []string{"name", "given_name"}})
	umWantErr(t, err, "InvalidParameterException", "Attributes did not conform to the schema: given_name: The attribute is required\n")
	_, err = e.Anonymous.DeleteUserAttributes(ctx, &cip.DeleteUserAttributesInput{AccessToken: aws.String(tok), UserAttributeNames: []string{"custom:nope"}})
	umWantErr(t, err, "InvalidParameterException", "Attributes did not conform to the schema: custom:nope: Attribute does not exist in the schema.\n")
	if m := umMap(e.get("alice").UserAttributes); m["name"] != "A" {
		t.Fatalf("failed delete changed the user: %v", m)
	}
	limited := e.CreateClient(e.pool, &cip.CreateUserPoolClientInput{WriteAttributes: []string{"locale"}})
	_, err = e.Anonymous.DeleteUserAttributes(ctx, &cip.DeleteUserAttributesInput{AccessToken: aws.String(e.token("alice", aws.ToString(limited.ClientId))), UserAttributeNames: []string{"name"}})
	umWantErr(t, err, "NotAuthorizedException", "A client attempted to write unauthorized attribute")

	_, err = e.Client.AdminDeleteUserAttributes(ctx, &cip.AdminDeleteUserAttributesInput{UserPoolId: aws.String(e.pool), Username: aws.String("alice"), UserAttributeNames: []string{"name"}})
	umOK(t, err)
	if m := umMap(e.get("alice").UserAttributes); m["name"] != "" || m["given_name"] != "Alice" {
		t.Fatalf("attributes = %v", m)
	}
	_, err = e.Client.AdminDeleteUserAttributes(ctx, &cip.AdminDeleteUserAttributesInput{UserPoolId: aws.String(e.pool), Username: aws.String("nobody"), UserAttributeNames: []string{"name"}})
	umWantErr(t, err, "UserNotFoundException", "User does not exist.")
}
