package apiserver_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpoold/userpoold/internal/server/servertest"
)

var ctx = context.Background()

func TestCreateUserPoolDefaults(t *testing.T) {
	env := servertest.New(t)
	out, err := env.Client.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName:     aws.String("defaults"),
		UserPoolTags: map[string]string{"team": "auth"},
		Schema: []types.SchemaAttributeType{
			{Name: aws.String("email"), Required: aws.Bool(true), Mutable: aws.Bool(true)},
			{Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(false)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := out.UserPool
	id := aws.ToString(p.Id)
	if len(id) != len("us-east-1_")+9 || id[:10] != "us-east-1_" {
		t.Errorf("Id = %q", id)
	}
	if aws.ToString(p.Arn) != "arn:aws:cognito-idp:us-east-1:000000000000:userpool/"+id {
		t.Errorf("Arn = %q", aws.ToString(p.Arn))
	}
	pp := p.Policies.PasswordPolicy
	if aws.ToInt32(pp.MinimumLength) != 8 || !pp.RequireUppercase || !pp.RequireSymbols || pp.TemporaryPasswordValidityDays != 7 {
		t.Errorf("password policy = %+v", pp)
	}
	if p.MfaConfiguration != types.UserPoolMfaTypeOff || p.DeletionProtection != types.DeletionProtectionTypeInactive ||
		p.UserPoolTier != types.UserPoolTierTypeEssentials {
		t.Errorf("defaults: mfa %q, protection %q, tier %q", p.MfaConfiguration, p.DeletionProtection, p.UserPoolTier)
	}
	if p.AdminCreateUserConfig == nil || p.AdminCreateUserConfig.AllowAdminCreateUserOnly || p.AdminCreateUserConfig.UnusedAccountValidityDays != 7 {
		t.Errorf("AdminCreateUserConfig = %+v", p.AdminCreateUserConfig)
	}
	if p.EmailConfiguration == nil || p.EmailConfiguration.EmailSendingAccount != types.EmailSendingAccountTypeCognitoDefault {
		t.Errorf("EmailConfiguration = %+v", p.EmailConfiguration)
	}
	if p.VerificationMessageTemplate == nil || p.VerificationMessageTemplate.DefaultEmailOption != types.DefaultEmailOptionTypeConfirmWithCode {
		t.Errorf("VerificationMessageTemplate = %+v", p.VerificationMessageTemplate)
	}
	byName := map[string]types.SchemaAttributeType{}
	for _, a := range p.SchemaAttributes {
		byName[aws.ToString(a.Name)] = a
	}
	if len(p.SchemaAttributes) != 21 {
		t.Errorf("%d schema attributes, want 20 standard + 1 custom", len(p.SchemaAttributes))
	}
	if a := byName["email"]; !aws.ToBool(a.Required) {
		t.Errorf("email not required: %+v", a)
	}
	if a, ok := byName["custom:tenant"]; !ok || aws.ToBool(a.Mutable) {
		t.Errorf("custom:tenant = %+v, %v", a, ok)
	}
	if a := byName["sub"]; aws.ToBool(a.Mutable) || !aws.ToBool(a.Required) || aws.ToString(a.StringAttributeConstraints.MinLength) != "1" {
		t.Errorf("sub = %+v", a)
	}
	if p.UserPoolTags["team"] != "auth" || p.CreationDate == nil || p.EstimatedNumberOfUsers != 0 {
		t.Errorf("tags %v, created %v", p.UserPoolTags, p.CreationDate)
	}

	d, err := env.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.UserPool.Name) != "defaults" || len(d.UserPool.SchemaAttributes) != 21 || !d.UserPool.CreationDate.Equal(*p.CreationDate) {
		t.Errorf("describe = %+v", d.UserPool)
	}
}

func TestUpdateUserPoolResetsOmittedSettings(t *testing.T) {
	env := servertest.New(t)
	id := env.CreatePool(&cip.CreateUserPoolInput{
		DeletionProtection:     types.DeletionProtectionTypeActive,
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		UsernameAttributes:     []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
	})
	if _, err := env.Client.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(id)}); servertest.ErrorCode(err) != "InvalidParameterException" {
		t.Fatalf("delete with protection: %v", err)
	}
	_, err := env.Client.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{
		UserPoolId: aws.String(id),
		Policies:   &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(12)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := env.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(id)})
	p := d.UserPool
	if p.DeletionProtection != types.DeletionProtectionTypeInactive || len(p.AutoVerifiedAttributes) != 0 {
		t.Errorf("omitted settings kept: protection %q, auto %v", p.DeletionProtection, p.AutoVerifiedAttributes)
	}
	if aws.ToInt32(p.Policies.PasswordPolicy.MinimumLength) != 12 || p.Policies.PasswordPolicy.RequireUppercase {
		t.Errorf("policy = %+v", p.Policies.PasswordPolicy)
	}
	if len(p.UsernameAttributes) != 1 {
		t.Errorf("immutable UsernameAttributes changed: %v", p.UsernameAttributes)
	}
	if _, err := env.Client.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = env.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(id)})
	if servertest.ErrorCode(err) != "ResourceNotFoundException" || servertest.ErrorMessage(err) != "User pool "+id+" does not exist." {
		t.Errorf("describe deleted: %v", err)
	}
}

func TestListUserPoolsPaginates(t *testing.T) {
	env := servertest.New(t)
	want := map[string]bool{}
	for i := 0; i < 5; i++ {
		want[env.CreatePool(nil)] = true
	}
	got := map[string]bool{}
	var next *string
	pages := 0
	for {
		out, err := env.Client.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(2), NextToken: next})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, p := range out.UserPools {
			got[aws.ToString(p.Id)] = true
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	if len(got) != 5 || pages != 3 {
		t.Errorf("got %d pools in %d pages", len(got), pages)
	}
	_, err := env.Client.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(61)})
	if servertest.ErrorCode(err) != "InvalidParameterException" ||
		servertest.ErrorMessage(err) != "1 validation error detected: Value '61' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60" {
		t.Errorf("MaxResults 61: %v", err)
	}
}

func TestTagsAndCustomAttributes(t *testing.T) {
	env := servertest.New(t)
	id := env.CreatePool(nil)
	arn := "arn:aws:cognito-idp:us-east-1:000000000000:userpool/" + id
	if _, err := env.Client.TagResource(ctx, &cip.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.UntagResource(ctx, &cip.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := env.Client.ListTagsForResource(ctx, &cip.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || tags.Tags["b"] != "2" {
		t.Fatalf("tags = %v, %v", tags, err)
	}
	_, err = env.Client.AddCustomAttributes(ctx, &cip.AddCustomAttributesInput{UserPoolId: aws.String(id), CustomAttributes: []types.SchemaAttributeType{
		{Name: aws.String("plan"), AttributeDataType: types.AttributeDataTypeString},
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.Client.AddCustomAttributes(ctx, &cip.AddCustomAttributesInput{UserPoolId: aws.String(id), CustomAttributes: []types.SchemaAttributeType{
		{Name: aws.String("plan"), AttributeDataType: types.AttributeDataTypeString},
	}})
	if servertest.ErrorCode(err) != "InvalidParameterException" {
		t.Errorf("duplicate custom attribute: %v", err)
	}
}

func TestUserPoolMfaConfig(t *testing.T) {
	env := servertest.New(t)
	id := env.CreatePool(nil)
	get := func() *cip.GetUserPoolMfaConfigOutput {
		out, err := env.Client.GetUserPoolMfaConfig(ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if g := get(); g.MfaConfiguration != types.UserPoolMfaTypeOff || g.SoftwareTokenMfaConfiguration != nil {
		t.Errorf("fresh pool: %+v", g)
	}
	sms := &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Code {####}"),
		SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sms")}}
	totp := &types.SoftwareTokenMfaConfigType{Enabled: true}
	tests := []struct {
		name string
		in   cip.SetUserPoolMfaConfigInput
		code string
		msg  string
	}{
		{"off with factor", cip.SetUserPoolMfaConfigInput{MfaConfiguration: types.UserPoolMfaTypeOff, SoftwareTokenMfaConfiguration: totp},
			"InvalidParameterException", "Invalid MFA configuration given, can't turn off MFA and configure an MFA together."},
		{"on without factor", cip.SetUserPoolMfaConfigInput{MfaConfiguration: types.UserPoolMfaTypeOn},
			"InvalidParameterException", "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration."},
		{"optional totp and sms", cip.SetUserPoolMfaConfigInput{MfaConfiguration: types.UserPoolMfaTypeOptional, SoftwareTokenMfaConfiguration: totp, SmsMfaConfiguration: sms}, "", ""},
		{"off alone", cip.SetUserPoolMfaConfigInput{MfaConfiguration: types.UserPoolMfaTypeOff}, "", ""},
		{"bad sms message", cip.SetUserPoolMfaConfigInput{MfaConfiguration: types.UserPoolMfaTypeOn,
			SmsMfaConfiguration: &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("no placeholder")}}, "InvalidParameterException", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.UserPoolId = aws.String(id)
			_, err := env.Client.SetUserPoolMfaConfig(ctx, &in)
			if servertest.ErrorCode(err) != tc.code || (tc.msg != "" && servertest.ErrorMessage(err) != tc.msg) {
				t.Errorf("err = %v, want %s %q", err, tc.code, tc.msg)
			}
		})
	}
	// Replace, not merge: setting TOTP only turns SMS off.
	env.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(id), MfaConfiguration: types.UserPoolMfaTypeOn, SmsMfaConfiguration: sms, SoftwareTokenMfaConfiguration: totp})
	out, err := env.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(id), MfaConfiguration: types.UserPoolMfaTypeOn, SoftwareTokenMfaConfiguration: totp})
	if err != nil {
		t.Fatal(err)
	}
	if out.SmsMfaConfiguration != nil || out.SoftwareTokenMfaConfiguration == nil || !out.SoftwareTokenMfaConfiguration.Enabled {
		t.Errorf("set output = %+v", out)
	}
	g := get()
	if g.MfaConfiguration != types.UserPoolMfaTypeOn || g.SmsMfaConfiguration != nil || !g.SoftwareTokenMfaConfiguration.Enabled {
		t.Errorf("get = %+v", g)
	}
	d, _ := env.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(id)})
	if d.UserPool.MfaConfiguration != types.UserPoolMfaTypeOn {
		t.Errorf("DescribeUserPool MfaConfiguration = %q", d.UserPool.MfaConfiguration)
	}
	// CreateUserPool can only turn SMS MFA on.
	_, err = env.Client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("x"), MfaConfiguration: types.UserPoolMfaTypeOn})
	if servertest.ErrorCode(err) != "InvalidParameterException" {
		t.Errorf("MFA ON without SMS: %v", err)
	}
	sp := env.CreatePool(&cip.CreateUserPoolInput{MfaConfiguration: types.UserPoolMfaTypeOptional, SmsConfiguration: sms.SmsConfiguration})
	g2, _ := env.Client.GetUserPoolMfaConfig(ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: aws.String(sp)})
	if g2.SmsMfaConfiguration == nil || g2.MfaConfiguration != types.UserPoolMfaTypeOptional {
		t.Errorf("pool created with SMS MFA: %+v", g2)
	}
}

func TestUserPoolClients(t *testing.T) {
	env := servertest.New(t)
	pool := env.CreatePool(nil)
	out, err := env.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(pool), ClientName: aws.String("web"), GenerateSecret: true,
		ExplicitAuthFlows:   []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
		AccessTokenValidity: aws.Int32(30), TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes},
		AuthSessionValidity: aws.Int32(10),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := out.UserPoolClient
	if len(aws.ToString(c.ClientId)) != 26 || len(aws.ToString(c.ClientSecret)) != 51 {
		t.Errorf("id %q secret length %d", aws.ToString(c.ClientId), len(aws.ToString(c.ClientSecret)))
	}
	if c.RefreshTokenValidity != 30 || !aws.ToBool(c.EnableTokenRevocation) || aws.ToInt32(c.AuthSessionValidity) != 10 ||
		aws.ToInt32(c.AccessTokenValidity) != 30 || c.TokenValidityUnits.AccessToken != types.TimeUnitsTypeMinutes {
		t.Errorf("client = %+v", c)
	}
	id := c.ClientId
	d, err := env.Client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: id})
	if err != nil || aws.ToString(d.UserPoolClient.ClientSecret) != aws.ToString(c.ClientSecret) {
		t.Fatalf("describe: %+v %v", d, err)
	}
	// Update: omitted settings return to their defaults, the secret stays.
	u, err := env.Client.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: id, ClientName: aws.String("web2")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(u.UserPoolClient.ClientName) != "web2" || u.UserPoolClient.ExplicitAuthFlows != nil || aws.ToInt32(u.UserPoolClient.AuthSessionValidity) != 3 ||
		aws.ToString(u.UserPoolClient.ClientSecret) != aws.ToString(c.ClientSecret) {
		t.Errorf("update = %+v", u.UserPoolClient)
	}
	for _, bad := range []*cip.CreateUserPoolClientInput{
		{ClientName: aws.String("x"), AccessTokenValidity: aws.Int32(2), TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes}},
		{ClientName: aws.String("x"), ReadAttributes: []string{"custom:nope"}},
		{ClientName: aws.String("x"), AuthSessionValidity: aws.Int32(16)},
	} {
		bad.UserPoolId = aws.String(pool)
		if _, err := env.Client.CreateUserPoolClient(ctx, bad); servertest.ErrorCode(err) != "InvalidParameterException" {
			t.Errorf("bad client %+v: %v", bad, err)
		}
	}
	env.CreateClient(pool, nil)
	list, err := env.Client.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(pool)})
	if err != nil || len(list.UserPoolClients) != 2 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	other := env.CreatePool(nil)
	_, err = env.Client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(other), ClientId: id})
	if servertest.ErrorCode(err) != "ResourceNotFoundException" || servertest.ErrorMessage(err) != "User pool client "+aws.ToString(id)+" does not exist." {
		t.Errorf("client of another pool: %v", err)
	}
	if _, err := env.Client.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: id}); err != nil {
		t.Fatal(err)
	}
	_, err = env.Client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: id})
	if servertest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Errorf("deleted client: %v", err)
	}
}
