package quota

import "slices"

// Category is an API operation category, the unit AWS meters request rates
// in and the value of the "Category" attribute of a LimitDefinition.
type Category string

// The categories of "Amazon Cognito user pools API operation categories
// and request rate quotas".
const (
	UserAuthentication     Category = "UserAuthentication"
	UserCreation           Category = "UserCreation"
	UserFederation         Category = "UserFederation"
	UserAccountRecovery    Category = "UserAccountRecovery"
	UserRead               Category = "UserRead"
	UserUpdate             Category = "UserUpdate"
	UserToken              Category = "UserToken"
	UserResourceRead       Category = "UserResourceRead"
	UserResourceUpdate     Category = "UserResourceUpdate"
	UserList               Category = "UserList"
	UserPoolRead           Category = "UserPoolRead"
	UserPoolUpdate         Category = "UserPoolUpdate"
	UserPoolResourceRead   Category = "UserPoolResourceRead"
	UserPoolResourceUpdate Category = "UserPoolResourceUpdate"
	UserPoolClientRead     Category = "UserPoolClientRead"
	UserPoolClientUpdate   Category = "UserPoolClientUpdate"
	ClientAuthentication   Category = "ClientAuthentication"
	// LimitManagement meters GetProvisionedLimit and UpdateProvisionedLimit.
	// UNCONFIRMED: the category and its 1 RPS are reported from the current
	// quotas page by another emulator's notes (BlackbirdWorks/gopherstack,
	// services/cognitoidp/provisioned_limits.go); no AWS text available here
	// shows them.
	LimitManagement Category = "LimitManagement"
)

// Definition describes one category.
type Definition struct {
	Category Category
	// DefaultRPS is the default (free) quota in requests per second, for
	// all user pools of an account in a Region.
	DefaultRPS int
	// Adjustable reports whether UpdateProvisionedLimit may raise it.
	Adjustable bool
	// PerPoolOperationRPS, when not zero, also bounds each operation of the
	// category on a single user pool ("Any individual operation in this
	// category has a constraint that prevents the operation from being
	// called at a rate higher than 5 RPS for a single user pool").
	PerPoolOperationRPS int
	// Description is AWS's description of the category.
	Description string
}

// definitions is the category table, in AWS's order. Rates and
// adjustability agree between the Developer Guide and Service Quotas
// (L-026ADBA3 UserAuthentication 120 adjustable, ... L-F21F8BB4 UserToken
// 120 adjustable, L-74D3DD04 ClientAuthentication 150).
var definitions = []Definition{
	{UserAuthentication, 120, true, 0, "Operations that authenticate (sign in) a user."},
	{UserCreation, 50, true, 0, "Operations that create or confirm an Amazon Cognito native user."},
	{UserFederation, 25, true, 0, "Operations that federate (authenticate) users with a third-party identity provider into your Amazon Cognito user pools."},
	{UserAccountRecovery, 30, false, 0, "Operations that recover a user's account, or change or update a user's password."},
	{UserRead, 120, true, 0, "Operations that retrieve a user from your user pools."},
	{UserUpdate, 25, false, 0, "Operations that you use to manage users and user attributes."},
	{UserToken, 120, true, 0, "Operations for token management."},
	{UserResourceRead, 50, true, 0, "Operations that retrieve user resource information from Amazon Cognito, such as a remembered device or a group membership."},
	{UserResourceUpdate, 25, false, 0, "Operations that update resource information for a user, such as a remembered device or a group membership."},
	{UserList, 30, false, 0, "Operations that return a list of users."},
	{UserPoolRead, 15, false, 0, "Operations that read your user pools."},
	{UserPoolUpdate, 15, false, 0, "Operations that create, update, or delete your user pools."},
	{UserPoolResourceRead, 20, false, 5, "Operations that retrieve information about resources, such as groups or resource servers, from a user pool."},
	{UserPoolResourceUpdate, 15, false, 5, "Operations that modify resources, such as groups or resource servers, in a user pool."},
	{UserPoolClientRead, 15, false, 5, "Operations that retrieve information about your user pool clients."},
	{UserPoolClientUpdate, 15, false, 5, "Operations that create, update, and delete your user pool clients."},
	{ClientAuthentication, 150, false, 0, "Operations that generate credentials to be used in authorizing machine-to-machine requests (client_credentials grant requests to the token endpoint)."},
	{LimitManagement, 1, false, 0, "Operations that read and set provisioned limits."}, // UNCONFIRMED, see LimitManagement
}

// Definitions returns the category table in AWS's order.
func Definitions() []Definition { return slices.Clone(definitions) }

// Lookup returns the definition of c.
func Lookup(c Category) (Definition, bool) {
	for _, d := range definitions {
		if d.Category == c {
			return d, true
		}
	}
	return Definition{}, false
}

// ChallengeMultiplier is the special handling of RespondToAuthChallenge and
// AdminRespondToAuthChallenge: they have their own quota of three times
// UserAuthentication's, and only calls beyond it count towards
// UserAuthentication.
const ChallengeMultiplier = 3

// challengeOperations are the operations with that special handling.
var challengeOperations = map[string]bool{"RespondToAuthChallenge": true, "AdminRespondToAuthChallenge": true}

// operations maps every operation of the model to its category. The
// Developer Guide names UserCreation's four operations (SignUp,
// ConfirmSignUp, AdminCreateUser, AdminConfirmSignUp) and
// UserAuthentication's four (InitiateAuth, AdminInitiateAuth,
// RespondToAuthChallenge, AdminRespondToAuthChallenge); every other row is
// placed by its category's description. UNCONFIRMED: those placements,
// each a one-line change; the ones least certain say why.
var operations = map[string]Category{
	// UserAuthentication (named by the Guide).
	"InitiateAuth":                UserAuthentication,
	"AdminInitiateAuth":           UserAuthentication,
	"RespondToAuthChallenge":      UserAuthentication,
	"AdminRespondToAuthChallenge": UserAuthentication,
	// The Guide counts token refreshes (InitiateAuth REFRESH_TOKEN_AUTH)
	// against UserAuthentication; GetTokensFromRefreshToken is the same act.
	"GetTokensFromRefreshToken": UserAuthentication,

	// UserCreation (named by the Guide).
	"SignUp":             UserCreation,
	"ConfirmSignUp":      UserCreation,
	"AdminCreateUser":    UserCreation,
	"AdminConfirmSignUp": UserCreation,

	// UserAccountRecovery: recover an account, change or set a password.
	"ForgotPassword":         UserAccountRecovery,
	"ConfirmForgotPassword":  UserAccountRecovery,
	"ChangePassword":         UserAccountRecovery,
	"AdminResetUserPassword": UserAccountRecovery,
	"AdminSetUserPassword":   UserAccountRecovery,

	// UserRead: retrieve a user.
	"GetUser":                 UserRead,
	"AdminGetUser":            UserRead,
	"GetUserAuthFactors":      UserRead,
	"AdminGetUserAuthFactors": UserRead,

	// UserUpdate: manage users and user attributes (and a user's own MFA
	// settings and sign-out, which change the user record).
	"UpdateUserAttributes":             UserUpdate,
	"AdminUpdateUserAttributes":        UserUpdate,
	"DeleteUserAttributes":             UserUpdate,
	"AdminDeleteUserAttributes":        UserUpdate,
	"DeleteUser":                       UserUpdate,
	"AdminDeleteUser":                  UserUpdate,
	"AdminDisableUser":                 UserUpdate,
	"AdminEnableUser":                  UserUpdate,
	"VerifyUserAttribute":              UserUpdate,
	"GetUserAttributeVerificationCode": UserUpdate,
	"ResendConfirmationCode":           UserUpdate,
	"SetUserMFAPreference":             UserUpdate,
	"AdminSetUserMFAPreference":        UserUpdate,
	"SetUserSettings":                  UserUpdate,
	"AdminSetUserSettings":             UserUpdate,
	"AssociateSoftwareToken":           UserUpdate,
	"VerifySoftwareToken":              UserUpdate,
	"AdminLinkProviderForUser":         UserUpdate,
	"AdminDisableProviderForUser":      UserUpdate,
	"UpdateAuthEventFeedback":          UserUpdate,
	"AdminUpdateAuthEventFeedback":     UserUpdate,
	"GlobalSignOut":                    UserUpdate,
	"AdminUserGlobalSignOut":           UserUpdate,

	// UserToken: token management.
	"RevokeToken": UserToken,

	// UserResourceRead: a user's devices, groups, auth events, passkeys.
	"GetDevice":               UserResourceRead,
	"AdminGetDevice":          UserResourceRead,
	"ListDevices":             UserResourceRead,
	"AdminListDevices":        UserResourceRead,
	"AdminListGroupsForUser":  UserResourceRead,
	"AdminListUserAuthEvents": UserResourceRead,
	"ListWebAuthnCredentials": UserResourceRead,

	// UserResourceUpdate: a user's devices, group memberships, passkeys.
	"ConfirmDevice":                UserResourceUpdate,
	"ForgetDevice":                 UserResourceUpdate,
	"AdminForgetDevice":            UserResourceUpdate,
	"UpdateDeviceStatus":           UserResourceUpdate,
	"AdminUpdateDeviceStatus":      UserResourceUpdate,
	"AdminAddUserToGroup":          UserResourceUpdate,
	"AdminRemoveUserFromGroup":     UserResourceUpdate,
	"StartWebAuthnRegistration":    UserResourceUpdate,
	"CompleteWebAuthnRegistration": UserResourceUpdate,
	"DeleteWebAuthnCredential":     UserResourceUpdate,

	// UserList.
	"ListUsers":        UserList,
	"ListUsersInGroup": UserList,

	// UserPoolRead.
	"DescribeUserPool":     UserPoolRead,
	"ListUserPools":        UserPoolRead,
	"GetUserPoolMfaConfig": UserPoolRead,
	"ListUserPoolReplicas": UserPoolRead,

	// UserPoolUpdate.
	"CreateUserPool":        UserPoolUpdate,
	"UpdateUserPool":        UserPoolUpdate,
	"DeleteUserPool":        UserPoolUpdate,
	"AddCustomAttributes":   UserPoolUpdate,
	"SetUserPoolMfaConfig":  UserPoolUpdate,
	"CreateUserPoolReplica": UserPoolUpdate,
	"UpdateUserPoolReplica": UserPoolUpdate,
	"DeleteUserPoolReplica": UserPoolUpdate,

	// UserPoolResourceRead: groups, identity providers, resource servers,
	// domains, import jobs, UI and branding, terms, settings of a pool.
	"GetGroup":                             UserPoolResourceRead,
	"ListGroups":                           UserPoolResourceRead,
	"DescribeIdentityProvider":             UserPoolResourceRead,
	"GetIdentityProviderByIdentifier":      UserPoolResourceRead,
	"ListIdentityProviders":                UserPoolResourceRead,
	"DescribeResourceServer":               UserPoolResourceRead,
	"ListResourceServers":                  UserPoolResourceRead,
	"DescribeUserPoolDomain":               UserPoolResourceRead,
	"DescribeRiskConfiguration":            UserPoolResourceRead,
	"GetUICustomization":                   UserPoolResourceRead,
	"GetSigningCertificate":                UserPoolResourceRead,
	"GetCSVHeader":                         UserPoolResourceRead,
	"DescribeUserImportJob":                UserPoolResourceRead,
	"ListUserImportJobs":                   UserPoolResourceRead,
	"ListTagsForResource":                  UserPoolResourceRead,
	"GetLogDeliveryConfiguration":          UserPoolResourceRead,
	"DescribeManagedLoginBranding":         UserPoolResourceRead,
	"DescribeManagedLoginBrandingByClient": UserPoolResourceRead,
	"DescribeTerms":                        UserPoolResourceRead,
	"ListTerms":                            UserPoolResourceRead,

	// UserPoolResourceUpdate.
	"CreateGroup":                 UserPoolResourceUpdate,
	"UpdateGroup":                 UserPoolResourceUpdate,
	"DeleteGroup":                 UserPoolResourceUpdate,
	"CreateIdentityProvider":      UserPoolResourceUpdate,
	"UpdateIdentityProvider":      UserPoolResourceUpdate,
	"DeleteIdentityProvider":      UserPoolResourceUpdate,
	"CreateResourceServer":        UserPoolResourceUpdate,
	"UpdateResourceServer":        UserPoolResourceUpdate,
	"DeleteResourceServer":        UserPoolResourceUpdate,
	"CreateUserPoolDomain":        UserPoolResourceUpdate,
	"UpdateUserPoolDomain":        UserPoolResourceUpdate,
	"DeleteUserPoolDomain":        UserPoolResourceUpdate,
	"SetRiskConfiguration":        UserPoolResourceUpdate,
	"SetUICustomization":          UserPoolResourceUpdate,
	"CreateUserImportJob":         UserPoolResourceUpdate,
	"StartUserImportJob":          UserPoolResourceUpdate,
	"StopUserImportJob":           UserPoolResourceUpdate,
	"TagResource":                 UserPoolResourceUpdate,
	"UntagResource":               UserPoolResourceUpdate,
	"SetLogDeliveryConfiguration": UserPoolResourceUpdate,
	"CreateManagedLoginBranding":  UserPoolResourceUpdate,
	"UpdateManagedLoginBranding":  UserPoolResourceUpdate,
	"DeleteManagedLoginBranding":  UserPoolResourceUpdate,
	"CreateTerms":                 UserPoolResourceUpdate,
	"UpdateTerms":                 UserPoolResourceUpdate,
	"DeleteTerms":                 UserPoolResourceUpdate,

	// UserPoolClientRead.
	"DescribeUserPoolClient":    UserPoolClientRead,
	"ListUserPoolClients":       UserPoolClientRead,
	"ListUserPoolClientSecrets": UserPoolClientRead,

	// UserPoolClientUpdate.
	"CreateUserPoolClient":       UserPoolClientUpdate,
	"UpdateUserPoolClient":       UserPoolClientUpdate,
	"DeleteUserPoolClient":       UserPoolClientUpdate,
	"AddUserPoolClientSecret":    UserPoolClientUpdate,
	"DeleteUserPoolClientSecret": UserPoolClientUpdate,

	// LimitManagement (UNCONFIRMED, see the constant).
	"GetProvisionedLimit":    LimitManagement,
	"UpdateProvisionedLimit": LimitManagement,
}

// CategoryOf returns the category of an API operation (the X-Amz-Target
// operation name). Requests that are not API operations are metered by
// category directly: client_credentials grants at the token endpoint are
// ClientAuthentication, sign-ins through a third-party identity provider
// UserFederation (Limiter.AllowCategory).
func CategoryOf(operation string) (Category, bool) {
	c, ok := operations[operation]
	return c, ok
}

// Operations returns the operations of c, sorted.
func Operations(c Category) []string {
	var ops []string
	for op, oc := range operations {
		if oc == c {
			ops = append(ops, op)
		}
	}
	slices.Sort(ops)
	return ops
}
