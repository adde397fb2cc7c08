package userpool

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/trigger"
)

// Attribute permission faults.
var (
	// ErrUnauthorizedWrite: a client writes an attribute outside its
	// WriteAttributes (NotAuthorizedException, quoted by app code and CLI
	// output).
	ErrUnauthorizedWrite = fault.New(fault.NotAuthorized, "A client attempted to write unauthorized attribute")
)

// Attribute verification faults.
var (
	// ErrNotVerifiable: (Get)UserAttributeVerificationCode or
	// VerifyUserAttribute for an attribute other than email or phone_number.
	// UNCONFIRMED wording.
	ErrNotVerifiable = fault.New(fault.InvalidParameter, "Invalid attribute name. Only email and phone_number can be verified.")
)

// noValue is the error for verifying an attribute the user does not have.
// UNCONFIRMED wording.
func noValue(attr string) error {
	return fault.Errorf(fault.InvalidParameter, "User does not have a value for the %s attribute.", attr)
}

// CanRead reports whether the client may read attribute name of a user
// through an access token: every attribute when the client has no
// ReadAttributes list, else the listed ones (sub always).
func (c *Client) CanRead(name string) bool {
	rs := c.Settings.ReadAttributes
	return len(rs) == 0 || name == "sub" || slices.Contains(rs, name)
}

// CanWrite reports whether the client may write attribute name (SignUp,
// UpdateUserAttributes, DeleteUserAttributes). Without a WriteAttributes
// list a client may write every attribute except the developer-only ones
// and the verification flags email_verified and phone_number_verified,
// which only administrators set (UNCONFIRMED for the flags: Cognito's
// console never offers them as writable).
func (c *Client) CanWrite(p *Pool, name string) bool {
	if ws := c.Settings.WriteAttributes; len(ws) > 0 {
		return slices.Contains(ws, name)
	}
	return !strings.HasPrefix(name, "dev:") && name != "email_verified" && name != "phone_number_verified"
}

// checkWrite refuses attributes the client may not write. A nil client is
// an administrator, who may write everything.
func (c *Client) checkWrite(p *Pool, attrs []storage.Attribute) error {
	if c == nil {
		return nil
	}
	for _, a := range attrs {
		if !c.CanWrite(p, a.Name) {
			return ErrUnauthorizedWrite
		}
	}
	return nil
}

// requiresVerificationBeforeUpdate reports whether the pool keeps attr's
// old value until a new one is verified
// (UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate).
func (st *Settings) requiresVerificationBeforeUpdate(attr string) bool {
	return st.UserAttributeUpdateSettings != nil &&
		slices.Contains(st.UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate, attr)
}

// pendingCode is a verification code to send once an update is stored.
type pendingCode struct {
	attr, value, code string
}

// UpdateAttributes changes a user's attributes as (Admin)UpdateUserAttributes
// does. c is the app client of the access token, or nil for an
// administrator. A new email or phone_number is unverified; when the pool
// verifies it automatically a code goes to the new value, and when the pool
// requires verification before update the old value stays in place and the
// new one waits in PendingAttributes until VerifyAttribute. An administrator
// who sets email_verified or phone_number_verified to true in the same call
// verifies the new value at once, and no code is sent. It returns where the
// codes went. Codes sent earlier for another value of a changed attribute
// stop working. A user (not an administrator) whose codes for the
// attribute hit the limits of their window (see IssueCode) gets
// ErrTooManyRequests, and nothing changes.
func (s *Service) UpdateAttributes(ctx context.Context, p *Pool, u storage.User, attrs []storage.Attribute, c *Client) ([]CodeDelivery, error) {
	st := p.Settings
	if err := c.checkWrite(p, attrs); err != nil {
		return nil, err
	}
	if err := st.CheckAttributes(attrs, WriteUpdate); err != nil {
		return nil, err
	}
	plan := planUpdate(st, u, attrs)
	if err := st.CheckRequired(plan.attrs); err != nil {
		return nil, err
	}
	if err := s.checkUpdatedAliases(ctx, p, u, plan); err != nil {
		return nil, err
	}

	var codes []pendingCode
	updated, err := s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(cur *storage.User) error {
		codes = codes[:0]
		// Re-plan on the current record: a concurrent change since the
		// checks above is applied on top of, not undone.
		pl := planUpdate(st, *cur, attrs)
		cur.Attributes, cur.PendingAttributes = pl.attrs, pl.pending
		DropStaleVerificationCodes(cur)
		for _, a := range pl.verify {
			code, err := s.issueCode(cur, CodeVerify(a.Name), codeTarget(a.Value), VerifyCodeTTL, c != nil)
			if errors.Is(err, ErrCodeIssueLimit) {
				// UpdateUserAttributes has no LimitExceededException in
				// its model; UNCONFIRMED which answer Cognito gives.
				return ErrTooManyRequests
			}
			if err != nil {
				return err
			}
			codes = append(codes, pendingCode{attr: a.Name, value: a.Value, code: code})
		}
		cur.UpdatedAt = s.now()
		return nil
	})
	if err != nil {
		return nil, notFound(err)
	}
	var out []CodeDelivery
	for _, pc := range codes {
		to := updated
		to.Attributes = SetAttributes(updated.Attributes, storage.Attribute{Name: pc.attr, Value: pc.value})
		d, err := s.sendCode(ctx, p, to, pc.attr, delivery.PurposeVerifyAttribute, trigger.MessageUpdateUserAttribute, pc.code)
		if err != nil {
			return out, err
		}
		out = append(out, d)
	}
	return out, nil
}

// updatePlan is the result of applying an attribute update to a user.
type updatePlan struct {
	attrs   []storage.Attribute
	pending []storage.Attribute
	// verify lists the email/phone values that need a verification code.
	verify []storage.Attribute
	// changed lists the email, phone_number and preferred_username values
	// the update makes active (not pending).
	changed []storage.Attribute
}

// planUpdate applies attrs to u (see UpdateAttributes) without side effects.
func planUpdate(st *Settings, u storage.User, attrs []storage.Attribute) updatePlan {
	pl := updatePlan{
		attrs:   slices.Clone(u.Attributes),
		pending: slices.Clone(u.PendingAttributes),
	}
	flags := map[string]string{}
	for _, a := range attrs {
		if a.Name == "email_verified" || a.Name == "phone_number_verified" {
			flags[a.Name] = a.Value
		}
	}
	handled := map[string]bool{}
	for _, a := range attrs {
		switch a.Name {
		case "email_verified", "phone_number_verified":
			continue
		case "email", "phone_number":
		default:
			pl.attrs = SetAttributes(pl.attrs, a)
			if a.Name == "preferred_username" && a.Value != "" {
				pl.changed = append(pl.changed, a)
			}
			continue
		}
		flag := verifiedFlag(a.Name)
		cur, has := GetAttribute(pl.attrs, a.Name)
		pl.pending = DeleteAttributes(pl.pending, a.Name)
		switch {
		case a.Value == "":
			// An empty value deletes the attribute and its flag.
			pl.attrs = DeleteAttributes(pl.attrs, a.Name, flag)
			handled[flag] = true
		case has && cur == a.Value:
			// The same value again: nothing to verify.
		case flags[flag] == "true":
			pl.attrs = SetAttributes(pl.attrs, a, storage.Attribute{Name: flag, Value: "true"})
			pl.changed = append(pl.changed, a)
			handled[flag] = true
		case st.AutoVerifies(a.Name) && has && isVerifiedAlias(storage.User{Attributes: pl.attrs}, a.Name) &&
			st.requiresVerificationBeforeUpdate(a.Name):
			// UNCONFIRMED: we keep the old value only when it is verified;
			// an unverified old value is replaced at once.
			pl.pending = SetAttributes(pl.pending, a)
			pl.verify = append(pl.verify, a)
			handled[flag] = true
		default:
			pl.attrs = SetAttributes(pl.attrs, a, storage.Attribute{Name: flag, Value: "false"})
			pl.changed = append(pl.changed, a)
			if st.AutoVerifies(a.Name) {
				pl.verify = append(pl.verify, a)
			}
			handled[flag] = true
		}
	}
	for _, name := range []string{"email_verified", "phone_number_verified"} {
		if v, ok := flags[name]; ok && !handled[name] {
			pl.attrs = SetAttributes(pl.attrs, storage.Attribute{Name: name, Value: v})
			if v == "true" {
				attr := strings.TrimSuffix(name, "_verified")
				if val, ok := GetAttribute(pl.attrs, attr); ok {
					pl.changed = append(pl.changed, storage.Attribute{Name: attr, Value: val})
				}
			}
		}
	}
	return pl
}

// checkUpdatedAliases refuses an update that would give u a sign-in value
// another user holds: a username attribute (email or phone_number of a pool
// with username attributes), a preferred_username alias, or a verified email
// or phone alias. The error is AliasExistsException "An account with the
// given <attr> already exists." (UNCONFIRMED for the username-attribute
// case, whose exception type may differ).
func (s *Service) checkUpdatedAliases(ctx context.Context, p *Pool, u storage.User, pl updatePlan) error {
	after := storage.User{Attributes: pl.attrs}
	for _, a := range pl.changed {
		if !p.Settings.IsAlias(a.Name) {
			continue
		}
		if !p.Settings.IsUsernameAttribute(a.Name) && a.Name != "preferred_username" && !isVerifiedAlias(after, a.Name) {
			continue
		}
		owners, err := s.aliasOwners(ctx, p, a.Name, a.Value, u.UsernameKey)
		if err != nil {
			return err
		}
		if p.Settings.IsUsernameAttribute(a.Name) {
			// Every holder of a username attribute signs in with it.
			if owners, err = s.attributeHolders(ctx, p, a.Name, a.Value, u.UsernameKey); err != nil {
				return err
			}
		}
		if len(owners) > 0 {
			return accountExists(fault.AliasExists, a.Name)
		}
	}
	return nil
}

// DeleteAttributes deletes attributes of a user ((Admin)DeleteUserAttributes).
// c is the app client of the access token, or nil for an administrator.
// Deleting email or phone_number also deletes its verification flag and any
// value pending verification.
func (s *Service) DeleteAttributes(ctx context.Context, p *Pool, u storage.User, names []string, c *Client) error {
	st := p.Settings
	as := make([]storage.Attribute, len(names))
	for i, n := range names {
		as[i] = storage.Attribute{Name: n}
	}
	if err := c.checkWrite(p, as); err != nil {
		return err
	}
	var lines []string
	for _, n := range names {
		def := st.Attribute(n)
		switch {
		case def == nil:
			lines = append(lines, n+": Attribute does not exist in the schema.")
		case n == "sub" || !def.Mutable:
			lines = append(lines, n+": Attribute cannot be updated.") // UNCONFIRMED wording
		}
	}
	if len(lines) > 0 {
		return schemaError(lines)
	}
	apply := func(u *storage.User) {
		drop := slices.Clone(names)
		for _, n := range names {
			if f := verifiedFlag(n); f != "" {
				drop = append(drop, f)
			}
		}
		u.Attributes = DeleteAttributes(u.Attributes, drop...)
		u.PendingAttributes = DeleteAttributes(u.PendingAttributes, names...)
		DropStaleVerificationCodes(u)
	}
	check := u
	apply(&check)
	if err := st.CheckRequired(check.Attributes); err != nil {
		return err
	}
	_, err := s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(cur *storage.User) error {
		apply(cur)
		cur.UpdatedAt = s.now()
		return nil
	})
	return notFound(err)
}

// verificationTarget returns the value a verification code for attr checks:
// the value pending verification if there is one, else the current value.
func verificationTarget(u storage.User, attr string) (value string, pending bool) {
	if v, ok := GetAttribute(u.PendingAttributes, attr); ok && v != "" {
		return v, true
	}
	v, _ := GetAttribute(u.Attributes, attr)
	return v, false
}

// SendVerificationCode sends a code that verifies attr (email or
// phone_number) of u: its pending value if it has one, else its current
// value (GetUserAttributeVerificationCode). The code verifies that value
// only. Past the limits of the window it fails with ErrCodeIssueLimit.
func (s *Service) SendVerificationCode(ctx context.Context, p *Pool, u storage.User, attr string) (CodeDelivery, error) {
	if verifiedFlag(attr) == "" {
		return CodeDelivery{}, ErrNotVerifiable
	}
	value, _ := verificationTarget(u, attr)
	if value == "" {
		return CodeDelivery{}, noValue(attr)
	}
	var code string
	updated, err := s.Users.UpdateUser(ctx, p.ID, u.UsernameKey, func(cur *storage.User) error {
		// The value to verify, on the current record.
		if value, _ = verificationTarget(*cur, attr); value == "" {
			return noValue(attr)
		}
		var err error
		code, err = s.issueCode(cur, CodeVerify(attr), codeTarget(value), VerifyCodeTTL, true)
		return err
	})
	if err != nil {
		return CodeDelivery{}, notFound(err)
	}
	to := updated
	to.Attributes = SetAttributes(updated.Attributes, storage.Attribute{Name: attr, Value: value})
	return s.SendCode(ctx, p, to, attr, delivery.PurposeVerifyAttribute, code)
}

// VerifyAttribute checks a verification code for attr of u; on success the
// pending value (if any) becomes the attribute's value and it is marked
// verified. The code must have been sent to that value: a code sent to an
// earlier value is ErrCodeExpired. A verified alias another user owns is
// AliasExistsException and leaves the code usable.
func (s *Service) VerifyAttribute(ctx context.Context, p *Pool, u storage.User, attr, code string) error {
	flag := verifiedFlag(attr)
	if flag == "" {
		return ErrNotVerifiable
	}
	value, _ := verificationTarget(u, attr)
	if value == "" {
		return noValue(attr)
	}
	var owners []storage.User
	var err error
	if p.Settings.IsUsernameAttribute(attr) {
		owners, err = s.attributeHolders(ctx, p, attr, value, u.UsernameKey)
	} else {
		owners, err = s.aliasOwners(ctx, p, attr, value, u.UsernameKey)
	}
	if err != nil {
		return err
	}
	check := func(cur *storage.User) error {
		if v, _ := verificationTarget(*cur, attr); v != value {
			// Changed since the owners were looked up.
			return ErrCodeExpired
		}
		return nil
	}
	_, err = s.updateWithCode(ctx, p, u.UsernameKey, CodeVerify(attr), codeTarget(value), code, check, func(cur *storage.User) error {
		if len(owners) > 0 {
			return accountExists(fault.AliasExists, attr)
		}
		v, pending := verificationTarget(*cur, attr)
		if pending {
			cur.PendingAttributes = DeleteAttributes(cur.PendingAttributes, attr)
		}
		cur.Attributes = SetAttributes(cur.Attributes, storage.Attribute{Name: attr, Value: v}, storage.Attribute{Name: flag, Value: "true"})
		return nil
	})
	return err
}
