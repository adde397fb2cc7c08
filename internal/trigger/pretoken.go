package trigger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// PreTokenInput is a token issuance about to happen.
type PreTokenInput struct {
	// Source is one of the TokenGeneration_ sources;
	// TokenGenerationClientCredentials fires only V3_0 functions.
	Source Source
	// Username is the internal username. For client credentials there is
	// no user; UNCONFIRMED: what Cognito sends there (the caller may pass
	// the client ID).
	Username   string
	Attributes map[string]string
	// Groups, IAMRoles and PreferredRole are the user's groups, their role
	// ARNs and the preferred role ("" is sent as null), as the tokens would
	// carry them (request.groupConfiguration).
	Groups        []string
	IAMRoles      []string
	PreferredRole string
	// Scopes are the scopes the access token would carry (V2_0/V3_0 only).
	Scopes []string
}

type groupConfiguration struct {
	GroupsToOverride   []string `json:"groupsToOverride"`
	IAMRolesToOverride []string `json:"iamRolesToOverride"`
	PreferredRole      *string  `json:"preferredRole"`
}

type preTokenRequestV1 struct {
	UserAttributes     map[string]string  `json:"userAttributes"`
	GroupConfiguration groupConfiguration `json:"groupConfiguration"`
	ClientMetadata     map[string]string  `json:"clientMetadata,omitempty"`
}

type preTokenRequestV2 struct {
	UserAttributes     map[string]string  `json:"userAttributes"`
	GroupConfiguration groupConfiguration `json:"groupConfiguration"`
	ClientMetadata     map[string]string  `json:"clientMetadata,omitempty"`
	Scopes             []string           `json:"scopes"`
}

// groupOverride distinguishes null (keep) from [] (remove) per field.
type groupOverride struct {
	GroupsToOverride   *[]string `json:"groupsToOverride"`
	IAMRolesToOverride *[]string `json:"iamRolesToOverride"`
	PreferredRole      *string   `json:"preferredRole"`
}

type claimsOverrideDetails struct {
	// V1 values are strings only (aws-lambda-go: map[string]string).
	// UNCONFIRMED: what AWS does with other values (spec §12.10); here they
	// make the output unrecognizable.
	ClaimsToAddOrOverride map[string]string `json:"claimsToAddOrOverride"`
	ClaimsToSuppress      []string          `json:"claimsToSuppress"`
	GroupOverrideDetails  *groupOverride    `json:"groupOverrideDetails"`
}

type preTokenResponseV1 struct {
	ClaimsOverrideDetails *claimsOverrideDetails `json:"claimsOverrideDetails"`
}

type tokenGeneration struct {
	ClaimsToAddOrOverride map[string]json.RawMessage `json:"claimsToAddOrOverride"`
	ClaimsToSuppress      []string                   `json:"claimsToSuppress"`
	ScopesToAdd           []string                   `json:"scopesToAdd"`
	ScopesToSuppress      []string                   `json:"scopesToSuppress"`
}

type claimsAndScopeOverrideDetails struct {
	IDTokenGeneration     *tokenGeneration `json:"idTokenGeneration"`
	AccessTokenGeneration *tokenGeneration `json:"accessTokenGeneration"`
	GroupOverrideDetails  *groupOverride   `json:"groupOverrideDetails"`
}

type preTokenResponseV2 struct {
	ClaimsAndScopeOverrideDetails *claimsAndScopeOverrideDetails `json:"claimsAndScopeOverrideDetails"`
}

// PreTokenGeneration runs the pre-token trigger, if configured, and returns
// the changes it asked for, already filtered by the rules of spec §6.5. The
// zero TokenEdits (no trigger, or an unchanged event) changes nothing.
//
// A V1_0 function customises the ID token (and cognito:groups in both
// tokens); V2_0/V3_0 functions customise both tokens and the scopes; only
// V3_0 functions fire for TokenGenerationClientCredentials.
func (s *Service) PreTokenGeneration(ctx context.Context, pool Pool, call Call, in PreTokenInput) (TokenEdits, error) {
	if in.Source.Trigger() != PreTokenGeneration {
		return TokenEdits{}, fmt.Errorf("trigger: %q is not a TokenGeneration source", in.Source)
	}
	version := pool.Config.preTokenVersion()
	if !pool.Config.Has(PreTokenGeneration) || (in.Source == TokenGenerationClientCredentials && version != V3_0) {
		return TokenEdits{}, nil
	}
	cm, _ := routeMetadata(call.Operation, in.Source, call.ClientMetadata)
	groups := groupConfiguration{GroupsToOverride: nonNil(in.Groups), IAMRolesToOverride: nonNil(in.IAMRoles)}
	if in.PreferredRole != "" {
		r := in.PreferredRole
		groups.PreferredRole = &r
	}
	if version == V1_0 {
		ev := newEvent(pool, call, in.Source, in.Username,
			preTokenRequestV1{UserAttributes: attributes(in.Attributes), GroupConfiguration: groups, ClientMetadata: cm},
			preTokenResponseV1{})
		var out preTokenResponseV1
		if err := run(ctx, s, pool, Sync, ev, &out); err != nil {
			return TokenEdits{}, err
		}
		return editsV1(out.ClaimsOverrideDetails), nil
	}
	ev := newEvent(pool, call, in.Source, in.Username,
		preTokenRequestV2{UserAttributes: attributes(in.Attributes), GroupConfiguration: groups, ClientMetadata: cm, Scopes: nonNil(in.Scopes)},
		preTokenResponseV2{})
	ev.Version = version.eventVersion()
	var out preTokenResponseV2
	if err := run(ctx, s, pool, Sync, ev, &out); err != nil {
		return TokenEdits{}, err
	}
	return editsV2(out.ClaimsAndScopeOverrideDetails, call.ClientID), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TokenEdits are the changes a pre-token trigger asked for, after the rules
// of spec §6.5: claims that cannot be changed are left out (a forbidden
// claim in claimsToAddOrOverride is ignored silently; UNCONFIRMED, the
// spec's recommendation), a claim both suppressed and overridden is only
// suppressed, and scopes with spaces are dropped (UNCONFIRMED: ignored
// rather than an error). Apply them with ApplyID and ApplyAccess.
type TokenEdits struct {
	// IDSet and AccessSet add or replace claims; values are JSON.
	IDSet     map[string]json.RawMessage
	AccessSet map[string]json.RawMessage
	// IDSuppress and AccessSuppress remove claims.
	IDSuppress     []string
	AccessSuppress []string
	// Groups, when non-nil, replaces cognito:groups in both tokens; empty
	// removes the claim.
	Groups *[]string
	// Roles, when non-nil, replaces cognito:roles in the ID token; empty
	// removes it.
	Roles *[]string
	// PreferredRole, when non-nil, replaces cognito:preferred_role in the
	// ID token; "" removes it.
	PreferredRole *string
	// ScopesToAdd and ScopesToSuppress change the access token's scope
	// claim; suppression wins.
	ScopesToAdd      []string
	ScopesToSuppress []string
}

// IsZero reports whether e changes nothing.
func (e TokenEdits) IsZero() bool {
	return len(e.IDSet) == 0 && len(e.AccessSet) == 0 && len(e.IDSuppress) == 0 && len(e.AccessSuppress) == 0 &&
		e.Groups == nil && e.Roles == nil && e.PreferredRole == nil && len(e.ScopesToAdd) == 0 && len(e.ScopesToSuppress) == 0
}

// Claim names of spec §6.5.
const (
	claimGroups        = "cognito:groups"
	claimRoles         = "cognito:roles"
	claimPreferredRole = "cognito:preferred_role"
	claimScope         = "scope"
	claimAud           = "aud"
)

// neverChanged are the claims no trigger may add, modify or suppress (spec
// §6.5), besides every cognito:* claim other than the three group claims.
var neverChanged = map[string]bool{
	"username": true, "sub": true, "identities": true, "client_id": true, "event_id": true,
	"device_key": true, "version": true, "acr": true, "amr": true, "at_hash": true,
	"auth_time": true, "azp": true, "exp": true, "iat": true, "iss": true, "jti": true,
	"nbf": true, "nonce": true, "origin_jti": true, "token_use": true,
}

// noComplexInID are ID token claims that take only scalar values.
var noComplexInID = map[string]bool{"phone_number_verified": true, "email_verified": true, "updated_at": true, "address": true}

// mayAdd reports whether a trigger may add or replace claim name in the
// ID token (access false) or the access token (access true) with value.
func mayAdd(name string, value json.RawMessage, access bool, clientID string) bool {
	switch {
	case neverChanged[name], strings.HasPrefix(name, "cognito:"), strings.HasPrefix(name, "dev:"):
		return false
	case name == claimAud:
		// The access token may gain aud, with the session's client ID only.
		var s string
		return access && json.Unmarshal(value, &s) == nil && s != "" && s == clientID
	case name == claimScope && access:
		return false
	case !access && noComplexInID[name]:
		v := bytes.TrimSpace(value)
		return len(v) > 0 && v[0] != '{' && v[0] != '['
	}
	return true
}

// maySuppress reports whether a trigger may suppress claim name.
func maySuppress(name string, access bool) bool {
	switch {
	case name == claimGroups, name == claimRoles && !access, name == claimPreferredRole && !access:
		return true
	case neverChanged[name], strings.HasPrefix(name, "cognito:"), name == claimAud:
		return false
	case name == claimScope && access:
		return false
	}
	return true
}

// filterClaims applies mayAdd/maySuppress and "suppressed wins".
func filterClaims(set map[string]json.RawMessage, suppress []string, access bool, clientID string) (map[string]json.RawMessage, []string) {
	var outSuppress []string
	for _, name := range suppress {
		if maySuppress(name, access) && !slices.Contains(outSuppress, name) {
			outSuppress = append(outSuppress, name)
		}
	}
	var outSet map[string]json.RawMessage
	for name, v := range set {
		if v == nil || !mayAdd(name, v, access, clientID) || slices.Contains(outSuppress, name) {
			continue
		}
		if outSet == nil {
			outSet = map[string]json.RawMessage{}
		}
		outSet[name] = v
	}
	return outSet, outSuppress
}

func (e *TokenEdits) setGroups(g *groupOverride) {
	if g == nil {
		return
	}
	// UNCONFIRMED: spec §6.5 says an empty or null groupOverrideDetails
	// removes the groups. Every aws-lambda-go handler returns the object
	// with null members (its struct is not a pointer), so a null member
	// here keeps the claim; an explicit [] or "" removes it.
	if g.GroupsToOverride != nil {
		v := slices.Clone(*g.GroupsToOverride)
		e.Groups = &v
	}
	if g.IAMRolesToOverride != nil {
		v := slices.Clone(*g.IAMRolesToOverride)
		e.Roles = &v
	}
	if g.PreferredRole != nil {
		v := *g.PreferredRole
		e.PreferredRole = &v
	}
}

func editsV1(d *claimsOverrideDetails) TokenEdits {
	var e TokenEdits
	if d == nil {
		return e
	}
	set := make(map[string]json.RawMessage, len(d.ClaimsToAddOrOverride))
	for k, v := range d.ClaimsToAddOrOverride {
		raw, _ := json.Marshal(v)
		set[k] = raw
	}
	e.IDSet, e.IDSuppress = filterClaims(set, d.ClaimsToSuppress, false, "")
	e.setGroups(d.GroupOverrideDetails)
	return e
}

func editsV2(d *claimsAndScopeOverrideDetails, clientID string) TokenEdits {
	var e TokenEdits
	if d == nil {
		return e
	}
	if g := d.IDTokenGeneration; g != nil {
		e.IDSet, e.IDSuppress = filterClaims(g.ClaimsToAddOrOverride, g.ClaimsToSuppress, false, clientID)
	}
	if g := d.AccessTokenGeneration; g != nil {
		e.AccessSet, e.AccessSuppress = filterClaims(g.ClaimsToAddOrOverride, g.ClaimsToSuppress, true, clientID)
		for _, sc := range g.ScopesToSuppress {
			if sc != "" && !slices.Contains(e.ScopesToSuppress, sc) {
				e.ScopesToSuppress = append(e.ScopesToSuppress, sc)
			}
		}
		for _, sc := range g.ScopesToAdd {
			if sc != "" && !strings.ContainsAny(sc, " \t\n") && !slices.Contains(e.ScopesToAdd, sc) && !slices.Contains(e.ScopesToSuppress, sc) {
				e.ScopesToAdd = append(e.ScopesToAdd, sc)
			}
		}
	}
	e.setGroups(d.GroupOverrideDetails)
	return e
}

// ApplyID applies e to the claims of an ID token, in place: group
// overrides, then suppressions (suppressing cognito:groups also removes
// cognito:roles and cognito:preferred_role), then additions.
func (e TokenEdits) ApplyID(claims map[string]any) {
	if e.Groups != nil {
		setList(claims, claimGroups, *e.Groups)
	}
	if e.Roles != nil {
		setList(claims, claimRoles, *e.Roles)
	}
	if e.PreferredRole != nil {
		if *e.PreferredRole == "" {
			delete(claims, claimPreferredRole)
		} else {
			claims[claimPreferredRole] = *e.PreferredRole
		}
	}
	for _, name := range e.IDSuppress {
		delete(claims, name)
		if name == claimGroups {
			delete(claims, claimRoles)
			delete(claims, claimPreferredRole)
		}
	}
	for name, v := range e.IDSet {
		claims[name] = v
	}
}

// ApplyAccess applies e to the claims of an access token, in place: the
// group override, suppressions, additions, then the scope changes to the
// space-separated scope claim (removed when no scope is left).
func (e TokenEdits) ApplyAccess(claims map[string]any) {
	if e.Groups != nil {
		setList(claims, claimGroups, *e.Groups)
	}
	for _, name := range e.AccessSuppress {
		delete(claims, name)
	}
	for name, v := range e.AccessSet {
		claims[name] = v
	}
	if len(e.ScopesToAdd) == 0 && len(e.ScopesToSuppress) == 0 {
		return
	}
	current, _ := claims[claimScope].(string)
	scopes := strings.Fields(current)
	scopes = slices.DeleteFunc(scopes, func(s string) bool { return slices.Contains(e.ScopesToSuppress, s) })
	for _, s := range e.ScopesToAdd {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	if len(scopes) == 0 {
		delete(claims, claimScope)
		return
	}
	claims[claimScope] = strings.Join(scopes, " ")
}

func setList(claims map[string]any, name string, v []string) {
	if len(v) == 0 {
		delete(claims, name)
		return
	}
	claims[name] = slices.Clone(v)
}
