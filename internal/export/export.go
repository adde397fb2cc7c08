package export

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// Source is what Users reads; storage.Store implements it.
type Source interface {
	GetPool(ctx context.Context, id string) (storage.Pool, error)
	ListPools(ctx context.Context, page storage.Page) ([]storage.Pool, string, error)
	ListUsers(ctx context.Context, q storage.UserQuery) ([]storage.User, string, error)
	ListGroupsForUser(ctx context.Context, poolID, usernameKey string, page storage.Page) ([]storage.Group, string, error)
}

// Attribute is one user attribute.
type Attribute struct {
	Name  string
	Value string
}

// Record is one line of the export. Its member names are AdminGetUser's;
// dates are RFC 3339 in UTC.
type Record struct {
	UserPoolId           string
	Username             string
	UserStatus           string
	Enabled              bool
	UserCreateDate       string
	UserLastModifiedDate string
	// Attributes lists sub first, then the user's attributes in their
	// stored order.
	Attributes          []Attribute
	UserMFASettingList  []string `json:",omitempty"`
	PreferredMfaSetting string   `json:",omitempty"`
	// Groups names the user's groups.
	Groups []string
}

// Stats counts what Users wrote.
type Stats struct {
	Pools, Users int
}

// pageSize is how many users or groups are read at a time.
const pageSize = 500

// Users writes every user of the pools named (every pool when none is
// named), pool by pool in ID order and users in username order, one JSON
// object per line. A pool named that does not exist is an error before
// anything is written.
func Users(ctx context.Context, src Source, w io.Writer, pools []string) (Stats, error) {
	var st Stats
	ids := pools
	if len(ids) == 0 {
		for after := ""; ; {
			page, next, err := src.ListPools(ctx, storage.Page{After: after, Limit: pageSize})
			if err != nil {
				return st, err
			}
			for _, p := range page {
				ids = append(ids, p.ID)
			}
			if next == "" {
				break
			}
			after = next
		}
	} else {
		for _, id := range ids {
			if _, err := src.GetPool(ctx, id); err != nil {
				return st, fmt.Errorf("pool %s: %w", id, err)
			}
		}
	}
	enc := json.NewEncoder(w)
	for _, id := range ids {
		st.Pools++
		for after := ""; ; {
			users, next, err := src.ListUsers(ctx, storage.UserQuery{PoolID: id, Page: storage.Page{After: after, Limit: pageSize}})
			if err != nil {
				return st, err
			}
			for _, u := range users {
				r, err := record(ctx, src, u)
				if err != nil {
					return st, err
				}
				if err := enc.Encode(r); err != nil {
					return st, err
				}
				st.Users++
			}
			if next == "" {
				break
			}
			after = next
		}
	}
	return st, nil
}

// record is the export of u: everything but its secrets.
func record(ctx context.Context, src Source, u storage.User) (Record, error) {
	r := Record{
		UserPoolId:           u.PoolID,
		Username:             u.Username,
		UserStatus:           string(u.Status),
		Enabled:              u.Enabled,
		UserCreateDate:       date(u.CreatedAt),
		UserLastModifiedDate: date(u.UpdatedAt),
		Attributes:           []Attribute{{Name: "sub", Value: u.Sub}},
		PreferredMfaSetting:  string(u.MFA.Preferred),
		Groups:               []string{},
	}
	for _, a := range u.Attributes {
		r.Attributes = append(r.Attributes, Attribute(a))
	}
	for _, f := range u.MFA.Enabled {
		r.UserMFASettingList = append(r.UserMFASettingList, string(f))
	}
	for after := ""; ; {
		groups, next, err := src.ListGroupsForUser(ctx, u.PoolID, u.UsernameKey, storage.Page{After: after, Limit: pageSize})
		if err != nil {
			return Record{}, err
		}
		for _, g := range groups {
			r.Groups = append(r.Groups, g.Name)
		}
		if next == "" {
			return r, nil
		}
		after = next
	}
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
