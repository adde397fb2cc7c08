package userpool

import (
	"context"
	"strings"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

// Filter is a parsed ListUsers filter: `attribute = "value"` (equality) or
// `attribute ^= "value"` (starts with).
type Filter struct {
	Attribute string
	Value     string
	Prefix    bool
}

// filterAttributes are the attributes ListUsers can search (API Reference,
// ListUsers "Filter").
var filterAttributes = map[string]bool{
	"username": true, "email": true, "phone_number": true, "name": true, "given_name": true,
	"family_name": true, "preferred_username": true, "cognito:user_status": true, "status": true, "sub": true,
}

// Searchable reports whether ListUsers can filter on attribute name.
func Searchable(name string) bool { return filterAttributes[name] }

// ErrFilterSyntax is Cognito's answer to a filter it cannot parse
// (aws/aws-sdk-php#1088 quotes the raw response).
var ErrFilterSyntax = fault.New(fault.InvalidParameter, "Error while parsing filter.")

// ParseFilter parses a ListUsers filter string of the form
// `AttributeName Filter-Type "AttributeValue"`, where Filter-Type is = or ^=
// and the value is double-quoted with \" and \\ escapes. Spaces around the
// operator are optional. An empty (or blank) filter is the zero Filter,
// which selects every user. A filter on an attribute ListUsers cannot search
// is InvalidParameterException "Invalid search attribute: <name>"
// (UNCONFIRMED wording, as moto words it).
func ParseFilter(s string) (Filter, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Filter{}, nil
	}
	i := 0
	for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '=' && s[i] != '^' && s[i] != '"' {
		i++
	}
	attr := s[:i]
	rest := strings.TrimLeft(s[i:], " \t")
	var f Filter
	switch {
	case strings.HasPrefix(rest, "^="):
		f.Prefix = true
		rest = rest[2:]
	case strings.HasPrefix(rest, "="):
		rest = rest[1:]
	default:
		return Filter{}, ErrFilterSyntax
	}
	if attr == "" {
		return Filter{}, ErrFilterSyntax
	}
	rest = strings.TrimLeft(rest, " \t")
	if !strings.HasPrefix(rest, `"`) {
		return Filter{}, ErrFilterSyntax
	}
	var v strings.Builder
	j := 1
	closed := false
	for j < len(rest) {
		c := rest[j]
		if c == '\\' && j+1 < len(rest) && (rest[j+1] == '"' || rest[j+1] == '\\') {
			v.WriteByte(rest[j+1])
			j += 2
			continue
		}
		if c == '"' {
			closed = true
			j++
			break
		}
		v.WriteByte(c)
		j++
	}
	if !closed || strings.TrimSpace(rest[j:]) != "" {
		return Filter{}, ErrFilterSyntax
	}
	if !filterAttributes[attr] {
		return Filter{}, fault.Errorf(fault.InvalidParameter, "Invalid search attribute: %s", attr)
	}
	f.Attribute, f.Value = attr, v.String()
	return f, nil
}

// fold reports whether the filter compares case-insensitively in pool st.
// The API Reference calls username and status case-sensitive and
// cognito:user_status case-insensitive; we also fold username, email and
// preferred_username in pools whose usernames are case-insensitive
// (UNCONFIRMED), and compare everything else exactly.
func (f Filter) fold(st *Settings) bool {
	switch f.Attribute {
	case "cognito:user_status":
		return true
	case "username", "email", "preferred_username":
		return !st.CaseSensitive()
	}
	return false
}

// ListUsersQuery asks for one page of ListUsers.
type ListUsersQuery struct {
	Filter Filter
	// Limit is 1 to 60; 0 means 60.
	Limit int
	// PaginationToken is the token of the previous page, or "".
	PaginationToken string
}

// ListUsers returns one page of the pool's users that match the filter, in
// username order, and the token of the next page ("" on the last).
func (s *Service) ListUsers(ctx context.Context, p *Pool, q ListUsersQuery) ([]storage.User, string, error) {
	uq := storage.UserQuery{PoolID: p.ID, Page: storage.Page{After: q.PaginationToken, Limit: pageLimit(int32(q.Limit))}}
	if q.Filter.Attribute != "" {
		uq.Attribute, uq.Value, uq.Prefix, uq.Fold = q.Filter.Attribute, q.Filter.Value, q.Filter.Prefix, q.Filter.fold(p.Settings)
	}
	return s.Users.ListUsers(ctx, uq)
}
