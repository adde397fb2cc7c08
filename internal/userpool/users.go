package userpool

import (
	"context"
	"crypto/sha256"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

// User lifecycle faults. Sources are noted per message; UNCONFIRMED marks a
// wording we could not find in a capture of real AWS output.
var (
	// ErrSignUpNotPermitted: AllowAdminCreateUserOnly pools (many app code
	// bases quote the NotAuthorizedException verbatim).
	ErrSignUpNotPermitted = fault.New(fault.NotAuthorized, "SignUp is not permitted for this user pool")
	// ErrSignUpUserExists: SignUp with a taken username; app code quotes
	// the raw 400 body {"__type":"UsernameExistsException","message":"User
	// already exists"}.
	ErrSignUpUserExists = fault.New(fault.UsernameExists, "User already exists")
	// ErrAdminUserExists: AdminCreateUser with a taken username (SDK error
	// strings "UsernameExistsException: User account already exists" in
	// many test suites and notes).
	ErrAdminUserExists = fault.New(fault.UsernameExists, "User account already exists")
	// ErrUsernameClientNotFound is the LEGACY answer of the client-ID
	// operations (ForgotPassword, ConfirmSignUp, ...) for an unknown user:
	// {"__type":"UserNotFoundException","message":"Username/client id
	// combination not found."} (aws-amplify/aws-sdk-ios#4837, raw response).
	ErrUsernameClientNotFound = fault.New(fault.UserNotFound, "Username/client id combination not found.")
	// ErrAlreadyConfirmed: ResendConfirmationCode for a confirmed user
	// (amazon-cognito-identity-js#525 quotes the raw response).
	ErrAlreadyConfirmed = fault.New(fault.InvalidParameter, "User is already confirmed.")
	// ErrNoAutoVerification: ResendConfirmationCode in a pool without
	// auto-verified attributes (raw response quoted in app notes).
	ErrNoAutoVerification = fault.New(fault.NotAuthorized, "Cannot resend codes. Auto verification not turned on.")
	// ErrNoRecoveryChannel: ForgotPassword without a verified email or
	// phone (amazon-cognito-identity-js#678, aws-sdk-js-v3#7101).
	ErrNoRecoveryChannel = fault.New(fault.InvalidParameter, "Cannot reset password for the user as there is no registered/verified email or phone_number")
	// ErrCannotReset: ForgotPassword for a user who never set a password
	// (FORCE_CHANGE_PASSWORD); NotAuthorizedException, quoted by many app
	// code bases. UNCONFIRMED for AdminResetUserPassword and for
	// admin_only recovery.
	ErrCannotReset = fault.New(fault.NotAuthorized, "User password cannot be reset in the current state.")
	// ErrUnauthorizedWrite: a client writes an attribute outside its
	// WriteAttributes (NotAuthorizedException, quoted by app code and CLI
	// output).
	ErrUnauthorizedWrite = fault.New(fault.NotAuthorized, "A client attempted to write unauthorized attribute")
	// ErrMissingPassword is SignUp without a password in a pool that only
	// allows password sign-in. UNCONFIRMED wording: the model's own
	// "Member must not be null" validation text.
	ErrMissingPassword = fault.New(fault.InvalidParameter, "1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null")
	// ErrResendNotPossible: AdminCreateUser with MessageAction RESEND for a
	// user who is no longer FORCE_CHANGE_PASSWORD. The exception type is
	// UnsupportedUserStateException (app code handles it for this case).
	// UNCONFIRMED wording.
	ErrResendNotPossible = fault.New(fault.UnsupportedUserState, "Resend not possible. User status is not FORCE_CHANGE_PASSWORD")
)

// cannotConfirm is the error for (Admin)ConfirmSignUp on a user that is not
// UNCONFIRMED: "User cannot be confirmed. Current status is CONFIRMED" (many
// app code bases compare the message verbatim).
func cannotConfirm(status storage.UserStatus) error {
	return fault.Errorf(fault.NotAuthorized, "User cannot be confirmed. Current status is %s", status)
}

var (
	emailFormatRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
)

// IsEmailFormat reports whether s looks like an email address, as Cognito
// decides whether a username "is in email format".
func IsEmailFormat(s string) bool { return emailFormatRE.MatchString(s) }

// IsPhoneFormat reports whether s is an E.164 phone number (+ and digits).
func IsPhoneFormat(s string) bool { return phoneRE.MatchString(s) }

// usernameRules applies the pool's username and alias attribute rules to a
// new username. It returns the attribute the username fills (email or
// phone_number) when the pool uses username attributes, or "".
func usernameRules(st *Settings, username string) (attr string, err error) {
	if len(st.UsernameAttributes) > 0 {
		email, phone := st.IsUsernameAttribute("email"), st.IsUsernameAttribute("phone_number")
		switch {
		case email && IsEmailFormat(username):
			return "email", nil
		case phone && IsPhoneFormat(username):
			return "phone_number", nil
		case email && phone:
			// UNCONFIRMED wording (the single-attribute forms are seen in
			// real output).
			return "", fault.New(fault.InvalidParameter, "Username should be either an email or a phone number.")
		case email:
			// InvalidParameterException quoted from AdminCreateUser output
			// (aws-samples/sample-aws-genai-ops-demos#2).
			return "", fault.New(fault.InvalidParameter, "Username should be an email.")
		default:
			// Seen without the final period in an issue title
			// (amplify-passwordless-sms-auth#13); UNCONFIRMED punctuation.
			return "", fault.New(fault.InvalidParameter, "Username should be a phone number.")
		}
	}
	if slices.Contains(st.AliasAttributes, "email") && IsEmailFormat(username) {
		// Verbatim from aws-amplify/amplify-js#8800 and others.
		return "", fault.New(fault.InvalidParameter, "Username cannot be of email format, since user pool is configured for email alias.")
	}
	if slices.Contains(st.AliasAttributes, "phone_number") && IsPhoneFormat(username) {
		// UNCONFIRMED: the phone analogue of the email message.
		return "", fault.New(fault.InvalidParameter, "Username cannot be of phone number format, since user pool is configured for phone number alias.")
	}
	return "", nil
}

// accountExists is the error for a username-attribute value (or alias) that
// another user holds: "An account with the given email already exists."
// (Amplify UI's translation dictionaries and app code quote it for
// UsernameExistsException and AliasExistsException; the phone_number and
// preferred_username forms are UNCONFIRMED).
func accountExists(kind fault.Kind, attr string) error {
	return fault.Errorf(kind, "An account with the given %s already exists.", attr)
}

// newUser assembles a user for SignUp or AdminCreateUser from the requested
// username and attributes, applying the username, schema and required
// attribute rules, then check (the caller's remaining input checks, such as
// the password policy), and only then whether the username (or username
// attribute value) is taken: exists is the error for a taken username. The
// returned user has no password, status or codes yet.
func (s *Service) newUser(ctx context.Context, p *Pool, username string, attrs []storage.Attribute, exists error, check func() error) (storage.User, error) {
	st := p.Settings
	usernameAttr, err := usernameRules(st, username)
	if err != nil {
		return storage.User{}, err
	}
	if err := st.CheckAttributes(attrs, WriteCreate); err != nil {
		return storage.User{}, err
	}
	final := SetAttributes(nil, attrs...)
	if usernameAttr != "" {
		// The username fills its attribute, over any value given for it
		// (UNCONFIRMED: Cognito may refuse a different value instead).
		final = SetAttributes(final, storage.Attribute{Name: usernameAttr, Value: username})
	}
	if err := st.CheckRequired(final); err != nil {
		return storage.User{}, err
	}
	if check != nil {
		if err := check(); err != nil {
			return storage.User{}, err
		}
	}
	sub, err := NewUUID(s.rand())
	if err != nil {
		return storage.User{}, err
	}
	internal := username
	if usernameAttr != "" {
		// The internal username of a pool with username attributes is a
		// generated UUID, the same as the sub (Developer Guide, "User pool
		// attributes", option 2).
		internal = sub
	}
	now := s.now()
	u := storage.User{
		PoolID: p.ID, Username: internal, UsernameKey: st.UsernameKey(internal), Sub: sub,
		Attributes: final, Enabled: true, CreatedAt: now, UpdatedAt: now,
	}
	if usernameAttr != "" {
		holders, err := s.attributeHolders(ctx, p, usernameAttr, username, "")
		if err != nil {
			return storage.User{}, err
		}
		if len(holders) > 0 {
			return storage.User{}, accountExists(fault.UsernameExists, usernameAttr)
		}
	}
	if _, err := s.Users.GetUser(ctx, p.ID, u.UsernameKey); err == nil {
		return storage.User{}, exists
	} else if !errors.Is(err, storage.ErrNotFound) {
		return storage.User{}, err
	}
	return u, nil
}

// attributeHolders returns the users other than exceptKey whose attribute
// attr equals value (email compared case-insensitively, other attributes
// case-insensitively only in case-insensitive pools).
func (s *Service) attributeHolders(ctx context.Context, p *Pool, attr, value, exceptKey string) ([]storage.User, error) {
	if value == "" {
		return nil, nil
	}
	users, err := s.Users.FindUsersByAttribute(ctx, p.ID, attr, value)
	if err != nil {
		return nil, err
	}
	var out []storage.User
	for _, u := range users {
		if u.UsernameKey == exceptKey {
			continue
		}
		v, _ := GetAttribute(u.Attributes, attr)
		if p.Settings.CaseSensitive() && attr != "email" && v != value {
			continue
		}
		out = append(out, u)
	}
	return out, nil
}

// aliasOwners returns the users other than exceptKey who can sign in with
// value as alias attr: verified holders of an email or phone alias, every
// holder of a preferred_username alias or of a username attribute. It
// returns nil when attr is not a sign-in attribute of the pool.
func (s *Service) aliasOwners(ctx context.Context, p *Pool, attr, value, exceptKey string) ([]storage.User, error) {
	if !p.Settings.IsAlias(attr) {
		return nil, nil
	}
	holders, err := s.attributeHolders(ctx, p, attr, value, exceptKey)
	if err != nil {
		return nil, err
	}
	var out []storage.User
	for _, u := range holders {
		if p.Settings.IsUsernameAttribute(attr) || isVerifiedAlias(u, attr) {
			out = append(out, u)
		}
	}
	return out, nil
}

// releaseAlias un-verifies attr on the given users, so that they can no
// longer sign in with it (ForceAliasCreation moves an alias to a new owner).
func (s *Service) releaseAlias(ctx context.Context, p *Pool, attr string, owners []storage.User) error {
	flag := verifiedFlag(attr)
	if flag == "" {
		return nil
	}
	for _, o := range owners {
		_, err := s.Users.UpdateUser(ctx, p.ID, o.UsernameKey, func(u *storage.User) error {
			u.Attributes = SetAttributes(u.Attributes, storage.Attribute{Name: flag, Value: "false"})
			u.UpdatedAt = s.now()
			return nil
		})
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
	}
	return nil
}

// verifiedFlag returns the verification flag of email or phone_number, or "".
func verifiedFlag(attr string) string {
	switch attr {
	case "email":
		return "email_verified"
	case "phone_number":
		return "phone_number_verified"
	}
	return ""
}

// confirmationAttribute returns the attribute a sign-up confirmation code
// goes to: an auto-verified phone_number (SMS wins when both are
// auto-verified), else an auto-verified email, else "".
func confirmationAttribute(st *Settings, u storage.User) string {
	for _, a := range []string{"phone_number", "email"} {
		if v, ok := GetAttribute(u.Attributes, a); ok && v != "" && st.AutoVerifies(a) {
			return a
		}
	}
	return ""
}

// ---------------------------------------------------------------------------
// SignUp and confirmation

// SignUpInput is a SignUp request.
type SignUpInput struct {
	Username   string
	Password   string
	SecretHash string
	Attributes []storage.Attribute
}

// SignUpResult is the outcome of SignUp.
type SignUpResult struct {
	User      storage.User
	Confirmed bool
	// Delivery says where the confirmation code went; nil when none was sent.
	Delivery *CodeDelivery
}

// SignUp registers a user through an app client: the user is UNCONFIRMED
// and, when an attribute of theirs is auto-verified, gets a confirmation
// code there.
func (s *Service) SignUp(ctx context.Context, p *Pool, c *Client, in SignUpInput) (SignUpResult, error) {
	if err := c.CheckSecretHash(in.Username, in.SecretHash); err != nil {
		return SignUpResult{}, err
	}
	if p.Settings.AdminCreateOnly() {
		return SignUpResult{}, ErrSignUpNotPermitted
	}
	if err := c.checkWrite(p, in.Attributes); err != nil {
		return SignUpResult{}, err
	}
	u, err := s.newUser(ctx, p, in.Username, in.Attributes, ErrSignUpUserExists, func() error {
		if in.Password == "" {
			if !p.allowsPasswordless() {
				return ErrMissingPassword
			}
			return nil
		}
		return p.CheckPasswordPolicy("SignUp", in.Password)
	})
	if err != nil {
		return SignUpResult{}, err
	}
	if err := s.checkNewAliases(ctx, p, u, false); err != nil {
		return SignUpResult{}, err
	}
	u.Status = StatusUnconfirmed
	if in.Password != "" {
		if err := s.SetPassword(p, &u, in.Password); err != nil {
			return SignUpResult{}, err
		}
	}
	attr := confirmationAttribute(p.Settings, u)
	var code string
	if attr != "" {
		if code, err = s.IssueCode(&u, CodeSignUp, SignUpCodeTTL); err != nil {
			return SignUpResult{}, err
		}
	}
	if err := s.Users.CreateUser(ctx, u); err != nil {
		if errors.Is(err, storage.ErrExists) {
			return SignUpResult{}, ErrSignUpUserExists
		}
		return SignUpResult{}, err
	}
	res := SignUpResult{User: u}
	if attr != "" {
		d, err := s.SendCode(ctx, p, u, attr, delivery.PurposeSignUp, code)
		if err != nil {
			return SignUpResult{}, err
		}
		res.Delivery = &d
	}
	return res, nil
}

// allowsPasswordless reports whether the pool lets users sign in without a
// password (a one-time-code or passkey first factor).
func (p *Pool) allowsPasswordless() bool {
	pol := p.Settings.Policies
	if pol == nil || pol.SignInPolicy == nil {
		return false
	}
	return slices.ContainsFunc(pol.SignInPolicy.AllowedFirstAuthFactors, func(f AuthFactor) bool { return f != AuthFactorPassword })
}

// checkNewAliases checks that the sign-in aliases a new user brings (a
// verified email or phone, a preferred_username) are free. With force, the
// verified email or phone aliases of other users are not an error; the
// caller releases them (see forcedAliases).
func (s *Service) checkNewAliases(ctx context.Context, p *Pool, u storage.User, force bool) error {
	if len(p.Settings.AliasAttributes) == 0 {
		return nil
	}
	for _, attr := range []string{"email", "phone_number", "preferred_username"} {
		v, ok := GetAttribute(u.Attributes, attr)
		if !ok || !p.Settings.IsAlias(attr) || (attr != "preferred_username" && !isVerifiedAlias(u, attr)) {
			continue
		}
		owners, err := s.aliasOwners(ctx, p, attr, v, u.UsernameKey)
		if err != nil {
			return err
		}
		if len(owners) > 0 && (!force || attr == "preferred_username") {
			return accountExists(fault.AliasExists, attr)
		}
	}
	return nil
}

// forcedAliases returns, per alias attribute, the other users whose
// verified email or phone alias u's verified values take over.
func (s *Service) forcedAliases(ctx context.Context, p *Pool, u storage.User) (map[string][]storage.User, error) {
	out := map[string][]storage.User{}
	for _, attr := range []string{"email", "phone_number"} {
		v, ok := GetAttribute(u.Attributes, attr)
		if !ok || !slices.Contains(p.Settings.AliasAttributes, attr) || !isVerifiedAlias(u, attr) {
			continue
		}
		owners, err := s.aliasOwners(ctx, p, attr, v, u.UsernameKey)
		if err != nil {
			return nil, err
		}
		if len(owners) > 0 {
			out[attr] = owners
		}
	}
	return out, nil
}

// clientUser finds the user a client-ID operation (ConfirmSignUp,
// ForgotPassword, ...) names. An unknown user is ErrUsernameClientNotFound.
func (s *Service) clientUser(ctx context.Context, p *Pool, username string) (storage.User, error) {
	u, err := s.FindUser(ctx, p, username)
	if errors.Is(err, ErrUserNotFound) {
		return u, ErrUsernameClientNotFound
	}
	return u, err
}

// ConfirmSignUp confirms a user with the code SignUp (or
// ResendConfirmationCode) sent, and marks the attribute the code went to
// verified. A verified alias another user holds is AliasExistsException
// unless force (ForceAliasCreation), which takes the alias over.
func (s *Service) ConfirmSignUp(ctx context.Context, p *Pool, c *Client, username, secretHash, code string, force bool) error {
	if err := c.CheckSecretHash(username, secretHash); err != nil {
		return err
	}
	u, err := s.clientUser(ctx, p, username)
	if err != nil {
		if errors.Is(err, ErrUsernameClientNotFound) && c.Settings.HidesUserExistence() {
			// UNCONFIRMED: the Developer Guide lists ExpiredCodeException
			// among ConfirmSignUp's answers with PreventUserExistenceErrors.
			return ErrCodeExpired
		}
		return err
	}
	if u.Status != StatusUnconfirmed {
		return cannotConfirm(u.Status)
	}
	attr := confirmationAttribute(p.Settings, u)
	var owners []storage.User
	if attr != "" && slices.Contains(p.Settings.AliasAttributes, attr) {
		v, _ := GetAttribute(u.Attributes, attr)
		if owners, err = s.aliasOwners(ctx, p, attr, v, u.UsernameKey); err != nil {
			return err
		}
	}
	_, err = s.updateWithCode(ctx, p, u.UsernameKey, CodeSignUp, "", code, func(u *storage.User) error {
		if u.Status != StatusUnconfirmed {
			return cannotConfirm(u.Status)
		}
		return nil
	}, func(u *storage.User) error {
		if len(owners) > 0 && !force {
			return accountExists(fault.AliasExists, attr)
		}
		u.Status = StatusConfirmed
		if attr != "" {
			u.Attributes = SetAttributes(u.Attributes, storage.Attribute{Name: verifiedFlag(attr), Value: "true"})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.releaseAlias(ctx, p, attr, owners)
}

// updateWithCode consumes a one-time code of purpose (bound to target, see
// consumeCode) on the user inside one atomic update. check runs first and
// aborts without writing; a wrong, expired or exhausted code is returned
// after the attempt count is stored; apply runs only after the code was
// accepted, and its error aborts the whole update (the code stays usable).
func (s *Service) updateWithCode(ctx context.Context, p *Pool, key, purpose, target, code string,
	check, apply func(*storage.User) error) (storage.User, error) {
	var codeErr error
	u, err := s.Users.UpdateUser(ctx, p.ID, key, func(u *storage.User) error {
		codeErr = nil // fn may run more than once (serialization retries)
		if check != nil {
			if err := check(u); err != nil {
				return err
			}
		}
		if codeErr = s.consumeCode(u, purpose, target, code); codeErr != nil {
			return nil // keep the attempt count
		}
		if err := apply(u); err != nil {
			return err
		}
		u.UpdatedAt = s.now()
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return u, ErrUserNotFound
	}
	if err != nil {
		return u, err
	}
	return u, codeErr
}

// ResendConfirmationCode sends a new sign-up confirmation code.
func (s *Service) ResendConfirmationCode(ctx context.Context, p *Pool, c *Client, username, secretHash string) (CodeDelivery, error) {
	if err := c.CheckSecretHash(username, secretHash); err != nil {
		return CodeDelivery{}, err
	}
	u, err := s.clientUser(ctx, p, username)
	if err == nil && !u.Enabled && c.Settings.HidesUserExistence() {
		err = ErrUsernameClientNotFound
	}
	if err != nil {
		if errors.Is(err, ErrUsernameClientNotFound) && c.Settings.HidesUserExistence() {
			// Developer Guide, "Managing error responses": a simulated
			// delivery for unknown or disabled users.
			return FakeDelivery(p, username), nil
		}
		return CodeDelivery{}, err
	}
	if u.Status != StatusUnconfirmed {
		return CodeDelivery{}, ErrAlreadyConfirmed
	}
	attr := confirmationAttribute(p.Settings, u)
	if attr == "" {
		// The pool verifies nothing automatically (or the user lacks the
		// attribute it verifies). A raw AWS answer quoted in an app's notes:
		// {"__type":"NotAuthorizedException","message":"Cannot resend codes.
		// Auto verification not turned on."}
		return CodeDelivery{}, ErrNoAutoVerification
	}
	var code string
	u, err = s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(u *storage.User) error {
		if u.Status != StatusUnconfirmed {
			return ErrAlreadyConfirmed
		}
		var err error
		code, err = s.IssueCode(u, CodeSignUp, SignUpCodeTTL)
		return err
	})
	if err != nil {
		return CodeDelivery{}, notFound(err)
	}
	return s.SendCode(ctx, p, u, attr, delivery.PurposeResendCode, code)
}

// notFound turns storage.ErrNotFound (the user vanished between lookup and
// update) into ErrUserNotFound.
func notFound(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return ErrUserNotFound
	}
	return err
}

// AdminConfirmSignUp confirms an UNCONFIRMED user without a code. It marks
// no attribute verified, as in Cognito.
func (s *Service) AdminConfirmSignUp(ctx context.Context, p *Pool, username string) error {
	u, err := s.FindUser(ctx, p, username)
	if err != nil {
		return err
	}
	_, err = s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(u *storage.User) error {
		if u.Status != StatusUnconfirmed {
			return cannotConfirm(u.Status)
		}
		u.Status = StatusConfirmed
		u.UpdatedAt = s.now()
		return nil
	})
	return notFound(err)
}

// ---------------------------------------------------------------------------
// AdminCreateUser

// AdminCreateUserInput is an AdminCreateUser request.
type AdminCreateUserInput struct {
	Username           string
	Attributes         []storage.Attribute
	TemporaryPassword  string
	ForceAliasCreation bool
	// MessageAction is "", "SUPPRESS" or "RESEND".
	MessageAction string
	// DeliveryMediums are the channels of the invitation: "SMS", "EMAIL".
	// Empty means SMS, Cognito's default.
	DeliveryMediums []string
}

// AdminCreateUser creates a user with a temporary password
// (FORCE_CHANGE_PASSWORD) and sends the invitation, or with RESEND sends a
// new invitation with a new temporary password to an existing user.
func (s *Service) AdminCreateUser(ctx context.Context, p *Pool, in AdminCreateUserInput) (storage.User, error) {
	checkTemp := func() error {
		if in.TemporaryPassword == "" {
			return nil
		}
		return p.CheckPasswordPolicy("AdminCreateUser", in.TemporaryPassword)
	}
	temp := in.TemporaryPassword
	if temp == "" {
		var err error
		if temp, err = p.PasswordPolicy().Generate(s.rand()); err != nil {
			return storage.User{}, err
		}
	}
	if in.MessageAction == "RESEND" {
		if err := checkTemp(); err != nil {
			return storage.User{}, err
		}
		return s.resendInvitation(ctx, p, in, temp)
	}
	u, err := s.newUser(ctx, p, in.Username, in.Attributes, ErrAdminUserExists, checkTemp)
	if err != nil {
		return storage.User{}, err
	}
	if err := s.checkNewAliases(ctx, p, u, in.ForceAliasCreation); err != nil {
		return storage.User{}, err
	}
	var forced map[string][]storage.User
	if in.ForceAliasCreation {
		if forced, err = s.forcedAliases(ctx, p, u); err != nil {
			return storage.User{}, err
		}
	}
	u.Status = StatusForceChangePassword
	if err := s.SetPassword(p, &u, temp); err != nil {
		return storage.User{}, err
	}
	if err := s.Users.CreateUser(ctx, u); err != nil {
		if errors.Is(err, storage.ErrExists) {
			return storage.User{}, ErrAdminUserExists
		}
		return storage.User{}, err
	}
	for attr, owners := range forced {
		if err := s.releaseAlias(ctx, p, attr, owners); err != nil {
			return storage.User{}, err
		}
	}
	if in.MessageAction != "SUPPRESS" {
		if err := s.sendInvitation(ctx, p, u, in.DeliveryMediums, temp); err != nil {
			return storage.User{}, err
		}
	}
	return u, nil
}

func (s *Service) resendInvitation(ctx context.Context, p *Pool, in AdminCreateUserInput, temp string) (storage.User, error) {
	u, err := s.FindUser(ctx, p, in.Username)
	if err != nil {
		return storage.User{}, err
	}
	if u.Status != StatusForceChangePassword {
		return storage.User{}, ErrResendNotPossible
	}
	np, err := s.HashPassword(p, u.Username, temp)
	if err != nil {
		return storage.User{}, err
	}
	u, err = s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(u *storage.User) error {
		if u.Status != StatusForceChangePassword {
			return ErrResendNotPossible
		}
		u.UpdatedAt = s.now()
		np.Apply(u) // restarts the temporary password's validity
		return nil
	})
	if err != nil {
		return storage.User{}, notFound(err)
	}
	if err := s.sendInvitation(ctx, p, u, in.DeliveryMediums, temp); err != nil {
		return storage.User{}, err
	}
	return u, nil
}

// sendInvitation sends the invitation with the temporary password over each
// requested medium the user has an attribute for. A medium without its
// attribute is skipped silently (UNCONFIRMED: Cognito sends nothing when the
// default SMS medium meets a user without a phone number, and we assume it
// raises no error).
func (s *Service) sendInvitation(ctx context.Context, p *Pool, u storage.User, mediums []string, temp string) error {
	if len(mediums) == 0 {
		mediums = []string{delivery.ChannelSMS}
	}
	for _, m := range slices.Compact(slices.Sorted(slices.Values(mediums))) {
		attr := "email"
		if m == delivery.ChannelSMS {
			attr = "phone_number"
		}
		if v, ok := GetAttribute(u.Attributes, attr); !ok || v == "" {
			continue
		}
		if _, err := s.SendCode(ctx, p, u, attr, delivery.PurposeInvitation, temp); err != nil {
			return err
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Deletion, enabling

// DeleteUser deletes a user with their devices and group memberships.
func (s *Service) DeleteUser(ctx context.Context, p *Pool, u storage.User) error {
	err := s.Users.DeleteUser(ctx, p.ID, u.UsernameKey)
	return notFound(err)
}

// SetUserEnabled enables or disables a user. Disabling also revokes every
// token issued to the user so far.
func (s *Service) SetUserEnabled(ctx context.Context, p *Pool, username string, enabled bool) error {
	u, err := s.FindUser(ctx, p, username)
	if err != nil {
		return err
	}
	_, err = s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(u *storage.User) error {
		now := s.now()
		u.Enabled = enabled
		if !enabled {
			u.TokensRevokedAt = now
		}
		u.UpdatedAt = now
		return nil
	})
	return notFound(err)
}

// ---------------------------------------------------------------------------
// Passwords

// ChangePassword changes the password of a signed-in user, who must prove
// the previous one. A wrong previous password counts towards the user's
// sign-in lockout (Lockout*), so that a stolen access token is no oracle for
// guessing the password; while the user is locked out the answer is
// ErrPasswordAttemptsExceeded. A correct one clears the count, as a
// successful sign-in does.
func (s *Service) ChangePassword(ctx context.Context, p *Pool, u storage.User, previous, proposed string) error {
	if err := p.CheckPasswordPolicy("ChangePassword", proposed); err != nil {
		return err
	}
	if Locked(u, s.now()) {
		return ErrPasswordAttemptsExceeded
	}
	// Hold the hashing budget for the check and the new hash, so that a
	// busy server refuses (TooManyRequestsException) before an attempt is
	// counted.
	release, err := s.acquireHash(ctx, max(s.verifyMemory(u), s.Hashing.MemoryKiB))
	if err != nil {
		return err
	}
	defer release()
	// Count the attempt as failed before checking it: concurrent guesses
	// are then all counted, and refused once the lockout starts, instead
	// of all being checked against one stale count.
	cur, err := s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(cur *storage.User) error {
		now := s.now()
		if Locked(*cur, now) {
			return ErrPasswordAttemptsExceeded
		}
		CountLockoutFailure(&cur.Lockout, now)
		return nil
	})
	if err != nil {
		return notFound(err)
	}
	if !s.verifyPassword(cur, previous) {
		return ErrIncorrectPassword
	}
	np, err := s.hashPassword(p, cur.Username, proposed)
	if err != nil {
		return err
	}
	release()
	_, err = s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(u *storage.User) error {
		if u.Secrets.PasswordHash != cur.Secrets.PasswordHash {
			// The password changed since it was checked.
			return ErrIncorrectPassword
		}
		u.UpdatedAt = s.now()
		u.Lockout = storage.Lockout{}
		np.Apply(u)
		return nil
	})
	return notFound(err)
}

// AdminSetUserPassword sets a user's password: permanent (CONFIRMED) or
// temporary (FORCE_CHANGE_PASSWORD).
func (s *Service) AdminSetUserPassword(ctx context.Context, p *Pool, username, pw string, permanent bool) error {
	u, err := s.FindUser(ctx, p, username)
	if err != nil {
		return err
	}
	if err := p.CheckPasswordPolicy("AdminSetUserPassword", pw); err != nil {
		return err
	}
	np, err := s.HashPassword(p, u.Username, pw)
	if err != nil {
		return err
	}
	_, err = s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(u *storage.User) error {
		np.Apply(u)
		if permanent {
			u.Status = StatusConfirmed
		} else {
			u.Status = StatusForceChangePassword
		}
		u.Lockout = storage.Lockout{}
		u.UpdatedAt = s.now()
		return nil
	})
	return notFound(err)
}

// RecoveryAttribute returns the verified attribute (email or phone_number)
// a password-reset code goes to, following the pool's
// AccountRecoverySetting by priority, or Cognito's legacy order (a verified
// phone before a verified email) when the pool has none. adminOnly reports
// an admin_only setting.
func RecoveryAttribute(st *Settings, u storage.User) (attr string, adminOnly bool) {
	order, adminOnly := st.recoveryOrder()
	if adminOnly {
		return "", true
	}
	for _, a := range order {
		if v, ok := GetAttribute(u.Attributes, a); ok && v != "" && isVerifiedAlias(u, a) {
			return a, false
		}
	}
	return "", false
}

// ForgotPassword sends a password-reset code to the user's verified email or
// phone. With PreventUserExistenceErrors, unknown and disabled users and
// users without a verified channel get a simulated delivery.
func (s *Service) ForgotPassword(ctx context.Context, p *Pool, c *Client, username, secretHash string) (CodeDelivery, error) {
	if err := c.CheckSecretHash(username, secretHash); err != nil {
		return CodeDelivery{}, err
	}
	hide := c.Settings.HidesUserExistence()
	u, err := s.clientUser(ctx, p, username)
	if err != nil {
		if errors.Is(err, ErrUsernameClientNotFound) && hide {
			return FakeDelivery(p, username), nil
		}
		return CodeDelivery{}, err
	}
	if !u.Enabled {
		if hide {
			return FakeDelivery(p, username), nil
		}
		return CodeDelivery{}, ErrUserDisabled
	}
	if u.Status == StatusForceChangePassword {
		return CodeDelivery{}, ErrCannotReset
	}
	attr, adminOnly := RecoveryAttribute(p.Settings, u)
	if adminOnly {
		return CodeDelivery{}, ErrCannotReset // UNCONFIRMED for admin_only
	}
	if attr == "" {
		if hide {
			return FakeDelivery(p, username), nil
		}
		return CodeDelivery{}, ErrNoRecoveryChannel
	}
	var code string
	u, err = s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(u *storage.User) error {
		var err error
		code, err = s.IssueCode(u, CodeForgotPassword, ForgotPasswordCodeTTL)
		return err
	})
	if err != nil {
		return CodeDelivery{}, notFound(err)
	}
	return s.SendCode(ctx, p, u, attr, delivery.PurposeForgotPassword, code)
}

// ConfirmForgotPassword sets a new password with a reset code. It confirms
// the user and clears their sign-in lockout.
func (s *Service) ConfirmForgotPassword(ctx context.Context, p *Pool, c *Client, username, secretHash, code, pw string) error {
	if err := c.CheckSecretHash(username, secretHash); err != nil {
		return err
	}
	hide := c.Settings.HidesUserExistence()
	u, err := s.clientUser(ctx, p, username)
	if err != nil {
		if errors.Is(err, ErrUsernameClientNotFound) && hide {
			return ErrCodeMismatch // Developer Guide, "Managing error responses"
		}
		return err
	}
	if !u.Enabled {
		if hide {
			return ErrCodeMismatch
		}
		return ErrUserDisabled
	}
	if err := p.CheckPasswordPolicy("ConfirmForgotPassword", pw); err != nil {
		return err
	}
	if !hasCode(u, CodeForgotPassword) {
		// "If a code isn't requested when using ForgotPassword, Amazon
		// Cognito returns the ExpiredCodeException error" (Developer Guide).
		return ErrCodeExpired
	}
	// Check the code before the costly hash: a wrong code is counted and
	// answered here, without hashing anything. A right one is left in
	// place (errCodeAccepted aborts the update) and consumed below, in the
	// update that sets the password, so that it still works only once.
	_, err = s.updateWithCode(ctx, p, u.UsernameKey, CodeForgotPassword, "", code, nil, func(*storage.User) error {
		return errCodeAccepted
	})
	if !errors.Is(err, errCodeAccepted) {
		return err
	}
	np, err := s.HashPassword(p, u.Username, pw)
	if err != nil {
		return err
	}
	_, err = s.updateWithCode(ctx, p, u.UsernameKey, CodeForgotPassword, "", code, nil, func(u *storage.User) error {
		np.Apply(u)
		u.Status = StatusConfirmed
		u.Lockout = storage.Lockout{}
		return nil
	})
	return err
}

// errCodeAccepted aborts an updateWithCode that only checks a code.
var errCodeAccepted = errors.New("userpool: code accepted")

func hasCode(u storage.User, purpose string) bool {
	return slices.ContainsFunc(u.Secrets.Codes, func(c storage.Code) bool { return c.Purpose == purpose })
}

// AdminResetUserPassword requires a user to reset their password
// (RESET_REQUIRED) and sends them a reset code.
func (s *Service) AdminResetUserPassword(ctx context.Context, p *Pool, username string) error {
	u, err := s.FindUser(ctx, p, username)
	if err != nil {
		return err
	}
	if u.Status == StatusForceChangePassword || u.Status == StatusUnconfirmed {
		return ErrCannotReset // UNCONFIRMED for this operation
	}
	attr, adminOnly := RecoveryAttribute(p.Settings, u)
	if adminOnly {
		return ErrCannotReset // UNCONFIRMED
	}
	if attr == "" {
		return ErrNoRecoveryChannel // UNCONFIRMED for this operation
	}
	var code string
	u, err = s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(u *storage.User) error {
		var err error
		// An administrator's request is not limited, and gives the new
		// code its full attempts.
		if code, err = s.issueCode(u, CodeForgotPassword, "", ForgotPasswordCodeTTL, false); err != nil {
			return err
		}
		u.Status = StatusResetRequired
		u.UpdatedAt = s.now()
		return nil
	})
	if err != nil {
		return notFound(err)
	}
	_, err = s.SendCode(ctx, p, u, attr, delivery.PurposeForgotPassword, code)
	return err
}

// FakeDelivery returns the simulated CodeDeliveryDetails Cognito answers,
// with PreventUserExistenceErrors, when it sends nothing. The medium follows
// the format of the name the caller gave, else the pool's recovery or
// verification settings; the destination is masked and derived from the
// pool and name, so that the same question always gets the same answer.
func FakeDelivery(p *Pool, username string) CodeDelivery {
	switch {
	case IsEmailFormat(username):
		return CodeDelivery{DeliveryMedium: delivery.ChannelEmail, AttributeName: "email", Destination: delivery.MaskEmail(username)}
	case IsPhoneFormat(username):
		return CodeDelivery{DeliveryMedium: delivery.ChannelSMS, AttributeName: "phone_number", Destination: delivery.MaskPhone(username)}
	}
	h := sha256.Sum256([]byte(p.ID + "\x00" + strings.ToLower(username)))
	attr := "email"
	if r := p.Settings.AccountRecoverySetting; r != nil && len(r.RecoveryMechanisms) > 0 {
		best := r.RecoveryMechanisms[0]
		for _, m := range r.RecoveryMechanisms {
			if deref(m.Priority) < deref(best.Priority) {
				best = m
			}
		}
		if str(best.Name) == "verified_phone_number" {
			attr = "phone_number"
		}
	} else if p.Settings.AutoVerifies("phone_number") && !p.Settings.AutoVerifies("email") {
		attr = "phone_number"
	}
	if attr == "phone_number" {
		digits := []byte("+1555")
		for i := range 7 {
			digits = append(digits, '0'+h[2+i]%10)
		}
		return CodeDelivery{DeliveryMedium: delivery.ChannelSMS, AttributeName: attr, Destination: delivery.MaskPhone(string(digits))}
	}
	local := string(rune('a' + h[0]%26))
	domain := string(rune('a' + h[1]%26))
	return CodeDelivery{DeliveryMedium: delivery.ChannelEmail, AttributeName: attr, Destination: delivery.MaskEmail(local + "@" + domain + ".com")}
}
