package bootstrap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/mfa"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// Target is what a file is applied through: the services, and the store
// under them.
type Target struct {
	Pools *userpool.Service
	MFA   *mfa.Service
	// Store is the store the services use. The dry run reads the records
	// the file names from the live one and copies them into the scratch
	// one; nothing is written to a live store except through the services.
	Store storage.Store
}

// Applier applies files to Live after a dry run on a scratch Target.
type Applier struct {
	Live Target
	// Scratch returns a Target over a new, empty store whose services apply
	// the same rules as Live's (same region and account; it may hash
	// passwords cheaply and make dummy signing keys); done releases it.
	Scratch func(ctx context.Context) (t Target, done func(), err error)
}

// Count counts the declared things of one kind by what applying did.
type Count struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// Report says what applying did (or, from Check, would do).
type Report struct {
	Pools           Count `json:"pools"`
	Clients         Count `json:"clients"`
	Groups          Count `json:"groups"`
	Users           Count `json:"users"`
	Domains         Count `json:"domains"`
	ResourceServers Count `json:"resource_servers"`
}

// Check runs the dry run only: it reports every problem of f with the
// store as it is, and what applying would do (a user with a password counts
// as updated, since the dry run does not check passwords).
func (a *Applier) Check(ctx context.Context, f *File) (Report, error) {
	r, _, err := a.dryRun(ctx, f)
	return r, err
}

// Apply applies f: a dry run first, which reports every problem and writes
// nothing when there is one, then the same steps on the live store,
// skipping those the dry run found to change nothing.
func (a *Applier) Apply(ctx context.Context, f *File) (Report, error) {
	// Seeding is no API call: it fires no Lambda trigger.
	ctx = userpool.WithoutTriggers(ctx)
	_, plan, err := a.dryRun(ctx, f)
	if err != nil {
		return Report{}, err
	}
	r := &run{t: a.Live, file: f, plan: plan, ps: &problems{file: f.Name}}
	r.apply(ctx)
	if err := r.ps.err(); err != nil {
		err.(*Error).Applied = true
		return r.report, err
	}
	if r.err != nil {
		return r.report, r.err
	}
	return r.report, nil
}

func (a *Applier) dryRun(ctx context.Context, f *File) (Report, map[string]bool, error) {
	ctx = userpool.WithoutTriggers(ctx)
	scratch, done, err := a.Scratch(ctx)
	if err != nil {
		return Report{}, nil, fmt.Errorf("bootstrap: scratch store: %w", err)
	}
	defer done()
	ps := &problems{file: f.Name}
	if err := copyNamed(ctx, a.Live, scratch, f, ps); err != nil {
		return Report{}, nil, err
	}
	if err := ps.err(); err != nil {
		return Report{}, nil, err
	}
	r := &run{t: scratch, file: f, dry: true, changed: map[string]bool{}, ps: ps}
	r.apply(ctx)
	if r.err != nil {
		return Report{}, nil, r.err
	}
	if err := ps.err(); err != nil {
		return Report{}, nil, err
	}
	return r.report, r.changed, nil
}

// run is one pass over a file against one Target.
type run struct {
	t    Target
	file *File
	dry  bool
	// changed records, in the dry run, which update steps changed the
	// record; plan is that record, read by the live run.
	changed map[string]bool
	plan    map[string]bool
	report  Report
	ps      *problems
	err     error // a failure that is not the file's (storage)
	races   int   // creations another writer won, in the live run
}

// raced reports whether a creation that found its record already there
// is retried as an update: in the live run, where another node applying
// the same file may have won (a bounded number of times).
func (r *run) raced() bool {
	if r.dry || r.races >= 100 {
		return false
	}
	r.races++
	return true
}

// fail records err against node n and field, and reports whether the run
// goes on: the dry run goes on to find more problems, the live run stops.
// Errors that are not the file's (a store failure) stop both.
func (r *run) fail(n *yaml.Node, field string, err error) bool {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		r.err = fmt.Errorf("bootstrap: %s: %w", field, err)
		return false
	}
	r.ps.add(n, field, "%s", fe.Error())
	return r.dry
}

// stopped reports whether the run must end.
func (r *run) stopped() bool { return r.err != nil || (!r.dry && len(r.ps.list) > 0) }

func (r *run) apply(ctx context.Context) {
	for i, p := range r.file.Pools {
		if r.stopped() {
			return
		}
		r.applyPool(ctx, fmt.Sprint(i), p)
	}
}

// step reports whether the update step key must run: always in the dry
// run; in the live run when the dry run saw it change something.
func (r *run) step(key string) bool { return r.dry || r.plan[key] }

func (r *run) count(c *Count, created, updated bool) {
	switch {
	case created:
		c.Created++
	case updated:
		c.Updated++
	default:
		c.Unchanged++
	}
}

func (r *run) applyPool(ctx context.Context, key string, d *Pool) {
	p, err := findPool(ctx, r.t, d)
	if err != nil {
		r.fail(orNode(d.idAt, d.node), d.Field, err)
		return
	}
	created, updated := false, false
	if p == nil {
		if d.Input.ID != "" {
			if err := userpool.CheckPoolID(r.t.Pools.Region, d.Input.ID); err != nil {
				r.fail(d.idAt, d.Field+".id", err)
				return
			}
		}
		if p, err = r.t.Pools.CreatePool(ctx, d.Input); err != nil {
			if errors.Is(err, storage.ErrExists) && r.raced() {
				// Another node applying the same file created it
				// meanwhile: as the file says.
				r.applyPool(ctx, key, d)
				return
			}
			r.fail(orNode(d.setAt, d.node), d.Field+fieldIf(d.setAt, ".settings"), err)
			return
		}
		created = true
		if d.MFA != nil {
			if _, err := r.t.Pools.SetMFAConfig(ctx, p.ID, *d.MFA); err != nil {
				r.fail(d.mfaAt, d.Field+".mfa", err)
				return
			}
		}
	} else {
		if err := checkImmutable(p, d); err != nil {
			r.fail(orNode(d.setAt, d.node), d.Field+".settings", err)
			return
		}
		add, err := newCustomAttributes(p, d)
		if err != nil {
			r.fail(orNode(d.setAt, d.node), d.Field+".settings.Schema", err)
			return
		}
		// One step: the settings (which UpdateUserPool replaces whole,
		// MFA mode included), the custom attributes and the MFA
		// configuration; it changed something when the record differs at
		// its end.
		if r.step("pool" + key) {
			before := p.Pool
			name := d.Input.Name
			if err := r.t.Pools.UpdatePool(ctx, p.ID, userpool.PoolUpdate{Name: &name, Tags: d.Input.Tags, Settings: d.Input.Settings}); err != nil {
				r.fail(orNode(d.setAt, d.node), d.Field+".settings", err)
				return
			}
			if len(add) > 0 {
				if err := r.t.Pools.AddCustomAttributes(ctx, p.ID, add); err != nil {
					r.fail(orNode(d.setAt, d.node), d.Field+".settings.Schema", err)
					return
				}
			}
			if d.MFA != nil {
				if _, err := r.t.Pools.SetMFAConfig(ctx, p.ID, *d.MFA); err != nil {
					r.fail(d.mfaAt, d.Field+".mfa", err)
					return
				}
			}
			if p, err = r.t.Pools.LoadPool(ctx, p.ID); err != nil {
				r.fail(d.node, d.Field, err)
				return
			}
			updated = poolChanged(before, p.Pool)
			if r.dry {
				r.changed["pool"+key] = updated
			}
		}
	}
	r.count(&r.report.Pools, created, updated)
	// Domains and resource servers before the clients, whose OAuth scopes
	// may name the resource servers' scopes.
	for _, dom := range d.domains() {
		if r.stopped() {
			return
		}
		r.applyDomain(ctx, p, dom)
	}
	for _, rs := range d.ResourceServers {
		if r.stopped() {
			return
		}
		r.applyResourceServer(ctx, p, rs)
	}
	for j, c := range d.Clients {
		if r.stopped() {
			return
		}
		r.applyClient(ctx, fmt.Sprintf("pool%s/client%d", key, j), p, c)
	}
	for _, g := range d.Groups {
		if r.stopped() {
			return
		}
		r.applyGroup(ctx, p, g)
	}
	for _, u := range d.Users {
		if r.stopped() {
			return
		}
		r.applyUser(ctx, p, u)
	}
}

// findPool finds the pool d declares: by its fixed ID, else by its name
// (which must then be unique). nil, nil when there is none.
func findPool(ctx context.Context, t Target, d *Pool) (*userpool.Pool, error) {
	if d.Input.ID != "" {
		p, err := t.Pools.LoadPool(ctx, d.Input.ID)
		if fault.KindOf(err) == fault.ResourceNotFound {
			return nil, nil
		}
		return p, err
	}
	found, err := named(func(next string) ([]*userpool.Pool, string, error) { return t.Pools.ListPools(ctx, 60, next) },
		func(p *userpool.Pool) bool { return p.Name == d.Input.Name })
	if err != nil {
		return nil, err
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	default:
		ids := make([]string, len(found))
		for i, p := range found {
			ids[i] = p.ID
		}
		return nil, fault.Errorf(fault.InvalidParameter, "%d pools are named %q (%v): give the pool its id", len(found), d.Input.Name, ids)
	}
}

// fieldIf returns suffix when n is given.
func fieldIf(n *yaml.Node, suffix string) string {
	if n == nil {
		return ""
	}
	return suffix
}

// named returns the records of every page of list that match.
func named[T any](list func(next string) ([]T, string, error), match func(T) bool) ([]T, error) {
	var found []T
	for next := ""; ; {
		page, n, err := list(next)
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			if match(r) {
				found = append(found, r)
			}
		}
		if n == "" {
			return found, nil
		}
		next = n
	}
}

func poolChanged(a, b storage.Pool) bool {
	return !bytes.Equal(a.Config, b.Config) || a.Name != b.Name || !maps.Equal(a.Tags, b.Tags)
}

// checkImmutable refuses a declaration that changes what Cognito never
// changes in an existing pool: its username and alias attributes and
// username configuration.
func checkImmutable(p *userpool.Pool, d *Pool) error {
	have, want := p.Settings, d.Input.Settings
	for _, c := range []struct {
		name       string
		have, want any
	}{
		{"UsernameAttributes", have.UsernameAttributes, want.UsernameAttributes},
		{"AliasAttributes", have.AliasAttributes, want.AliasAttributes},
		{"UsernameConfiguration", have.UsernameConfiguration, want.UsernameConfiguration},
	} {
		if !sameJSON(c.have, c.want) {
			return fault.Errorf(fault.InvalidParameter, "%s of the existing pool %s cannot change (it has %s); delete the pool or declare what it has", c.name, p.ID, jsonText(c.have))
		}
	}
	return nil
}

// newCustomAttributes returns the custom attributes d declares that p
// lacks, and refuses a declared attribute that differs from p's.
func newCustomAttributes(p *userpool.Pool, d *Pool) ([]userpool.SchemaAttribute, error) {
	want, err := userpool.BuildSchema(d.Input.Schema)
	if err != nil {
		return nil, err
	}
	var add []userpool.SchemaAttribute
	for i, w := range want {
		h := p.Settings.Attribute(w.Name)
		switch {
		case h == nil:
			// Only custom attributes can be missing; BuildSchema keeps the
			// requested ones in order after the standard ones.
			add = append(add, customRequest(d.Input.Schema, w.Name, i))
		case !sameJSON(*h, w):
			return nil, fault.Errorf(fault.InvalidParameter, "attribute %s of the existing pool %s cannot change (it is %s)", w.Name, p.ID, jsonText(*h))
		}
	}
	return add, nil
}

// customRequest returns the request for the custom attribute named
// (custom:<name> or dev:custom:<name>) among requested.
func customRequest(requested []userpool.SchemaAttribute, name string, _ int) userpool.SchemaAttribute {
	for _, r := range requested {
		if r.Name == name || "custom:"+r.Name == name || "dev:custom:"+r.Name == name {
			return r
		}
	}
	return userpool.SchemaAttribute{Name: name}
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	if string(x) == "null" {
		x = nil
	}
	if string(y) == "null" {
		y = nil
	}
	return bytes.Equal(x, y) || (len(x) == 0 && string(y) == "[]") || (len(y) == 0 && string(x) == "[]")
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	if string(b) == "null" {
		return "none"
	}
	return string(b)
}

func (r *run) applyClient(ctx context.Context, key string, p *userpool.Pool, d *Client) {
	c, err := findClient(ctx, r.t, p, d)
	if err != nil {
		r.fail(orNode(d.idAt, d.node), d.Field, err)
		return
	}
	if c == nil {
		if d.Input.ID != "" {
			if err := userpool.CheckClientID(d.Input.ID); err != nil {
				r.fail(d.idAt, d.Field+".id", err)
				return
			}
		}
		if _, err := r.t.Pools.CreateClient(ctx, p.ID, d.Input); err != nil {
			if errors.Is(err, storage.ErrExists) && r.raced() {
				r.applyClient(ctx, key, p, d) // created meanwhile by another node
				return
			}
			r.fail(orNode(d.setAt, d.node), d.Field+fieldIf(d.setAt, ".settings"), err)
			return
		}
		r.count(&r.report.Clients, true, false)
		return
	}
	switch {
	case d.Input.Secret != "" && d.Input.Secret != c.Secret:
		r.fail(orNode(d.setAt, d.node), d.Field+".settings.ClientSecret", fault.Errorf(fault.InvalidParameter, "the secret of the existing client %s cannot change", c.ID))
		return
	case d.Input.Secret == "" && d.Input.GenerateSecret != (c.Secret != ""):
		r.fail(orNode(d.setAt, d.node), d.Field+".settings.GenerateSecret", fault.Errorf(fault.InvalidParameter, "the existing client %s has %s secret; whether a client has one cannot change", c.ID, map[bool]string{true: "a", false: "no"}[c.Secret != ""]))
		return
	}
	updated := false
	if r.step(key) {
		name := d.Input.Name
		after, err := r.t.Pools.UpdateClient(ctx, p.ID, c.ID, userpool.ClientUpdate{Name: &name, Settings: d.Input.Settings})
		if err != nil {
			r.fail(orNode(d.setAt, d.node), d.Field+".settings", err)
			return
		}
		updated = !bytes.Equal(c.Config, after.Config) || c.Name != after.Name
		if r.dry {
			r.changed[key] = updated
		}
	}
	r.count(&r.report.Clients, false, updated)
}

// findClient finds the client d declares in p: by its fixed ID (which must
// not belong to another pool), else by its name (unique in the pool).
func findClient(ctx context.Context, t Target, p *userpool.Pool, d *Client) (*storage.Client, error) {
	if d.Input.ID != "" {
		c, err := t.Store.GetClient(ctx, d.Input.ID)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			return nil, nil
		case err != nil:
			return nil, err
		case c.PoolID != p.ID:
			return nil, fault.Errorf(fault.InvalidParameter, "the app client ID %s belongs to pool %s", c.ID, c.PoolID)
		}
		return &c, nil
	}
	found, err := named(func(next string) ([]storage.Client, string, error) { return t.Pools.ListClients(ctx, p.ID, 60, next) },
		func(c storage.Client) bool { return c.Name == d.Input.Name })
	if err != nil {
		return nil, err
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return &found[0], nil
	default:
		return nil, fault.Errorf(fault.InvalidParameter, "%d clients of pool %s are named %q: give the client its id", len(found), p.ID, d.Input.Name)
	}
}

func (r *run) applyGroup(ctx context.Context, p *userpool.Pool, d *Group) {
	g, err := r.t.Pools.GetGroup(ctx, p, d.Name)
	if fault.KindOf(err) == fault.ResourceNotFound {
		if _, err := r.t.Pools.CreateGroup(ctx, p, d.Name, d.Change); err != nil {
			if fault.KindOf(err) == fault.GroupExists && r.raced() {
				r.applyGroup(ctx, p, d) // created meanwhile by another node
				return
			}
			r.fail(d.node, d.Field, err)
			return
		}
		r.count(&r.report.Groups, true, false)
		return
	}
	if err != nil {
		r.fail(d.node, d.Field, err)
		return
	}
	c := d.Change
	if (c.Description == nil || *c.Description == g.Description) && (c.RoleArn == nil || *c.RoleArn == g.RoleArn) &&
		(c.Precedence == nil || (g.Precedence != nil && *c.Precedence == *g.Precedence)) {
		r.count(&r.report.Groups, false, false)
		return
	}
	if _, err := r.t.Pools.UpdateGroup(ctx, p, d.Name, d.Change); err != nil {
		r.fail(d.node, d.Field, err)
		return
	}
	r.count(&r.report.Groups, false, true)
}

// bootstrapDevice names the software token of a declared TOTP secret.
const bootstrapDevice = "userpoold bootstrap"

func (r *run) applyUser(ctx context.Context, p *userpool.Pool, d *User) {
	u, err := r.t.Pools.FindUser(ctx, p, d.Username)
	created, updated := false, false
	switch {
	case errors.Is(err, userpool.ErrUserNotFound):
		in := userpool.AdminCreateUserInput{Username: d.Username, Attributes: d.Attributes, TemporaryPassword: d.Password, MessageAction: "SUPPRESS"}
		if u, err = r.t.Pools.AdminCreateUser(ctx, p, in); err != nil {
			if errors.Is(err, userpool.ErrAdminUserExists) && r.raced() {
				r.applyUser(ctx, p, d) // created meanwhile by another node
				return
			}
			at, field := r.userNode(d, err)
			r.fail(at, field, err)
			return
		}
		created = true
		if d.Status == userpool.StatusConfirmed {
			if err := r.t.Pools.AdminSetUserPassword(ctx, p, u.Username, d.Password, true); err != nil {
				r.fail(orNode(d.pwAt, d.node), d.Field+".password", err)
				return
			}
		}
	case err != nil:
		r.fail(d.node, d.Field, err)
		return
	default:
		if changes := changedAttributes(u, d.Attributes); len(changes) > 0 {
			if _, err := r.t.Pools.UpdateAttributes(ctx, p, u, changes, nil); err != nil {
				r.fail(orNode(d.attrsAt, d.node), d.Field+".attributes", err)
				return
			}
			updated = true
		}
		if d.pwAt != nil {
			set := r.dry || u.Status != d.Status
			if !set {
				ok, err := r.t.Pools.CheckPassword(ctx, u, d.Password)
				if err != nil {
					r.fail(d.pwAt, d.Field+".password", err)
					return
				}
				set = !ok
			}
			if set {
				if err := r.t.Pools.AdminSetUserPassword(ctx, p, u.Username, d.Password, d.Status == userpool.StatusConfirmed); err != nil {
					r.fail(d.pwAt, d.Field+".password", err)
					return
				}
				updated = true
			}
		}
	}
	if u, err = r.t.Pools.FindUser(ctx, p, u.Username); err != nil {
		r.fail(d.node, d.Field, err)
		return
	}
	if d.Enabled != nil && *d.Enabled != u.Enabled {
		if err := r.t.Pools.SetUserEnabled(ctx, p, u.Username, *d.Enabled); err != nil {
			r.fail(d.node, d.Field+".enabled", err)
			return
		}
		updated = true
	}
	if len(d.Groups) > 0 {
		have, err := r.t.Pools.UserGroups(ctx, p, u)
		if err != nil {
			r.fail(d.node, d.Field+".groups", err)
			return
		}
		for i, g := range d.Groups {
			if slices.ContainsFunc(have, func(h storage.Group) bool { return h.Name == g }) {
				continue
			}
			if err := r.t.Pools.AddUserToGroup(ctx, p, u.Username, g); err != nil {
				r.fail(d.groupsAt[i], fmt.Sprintf("%s.groups[%d]", d.Field, i), err)
				return
			}
			updated = true
		}
	}
	if m := d.MFA; m != nil {
		if m.TOTPSecret != nil && !bytes.Equal(u.Secrets.TOTPSecret, m.TOTPSecret) {
			if u, err = r.t.MFA.SetSecret(ctx, p.ID, u.UsernameKey, m.TOTPSecret, bootstrapDevice); err != nil {
				r.fail(d.mfaAt, d.Field+".mfa.totp_secret", err)
				return
			}
			updated = true
		}
		if !sameFactors(u.MFA.Enabled, m.Enabled) || u.MFA.Preferred != m.Preferred {
			if _, err := r.t.MFA.SetPreference(ctx, p.ID, u.UsernameKey, preference(m), p.Settings.MFA()); err != nil {
				r.fail(d.mfaAt, d.Field+".mfa", err)
				return
			}
			updated = true
		}
	}
	r.count(&r.report.Users, created, updated && !created)
}

// userNode is where a user's creation failure is reported (node and
// field): the password for a password the pool's policy refuses, else the
// user.
func (r *run) userNode(d *User, err error) (*yaml.Node, string) {
	if fault.KindOf(err) == fault.InvalidPassword && d.pwAt != nil {
		return d.pwAt, d.Field + ".password"
	}
	return d.node, d.Field
}

// changedAttributes returns the declared attributes whose value u lacks.
func changedAttributes(u storage.User, declared []storage.Attribute) []storage.Attribute {
	var out []storage.Attribute
	for _, a := range declared {
		if v, ok := userpool.GetAttribute(u.Attributes, a.Name); !ok || v != a.Value {
			out = append(out, a)
		}
	}
	return out
}

func sameFactors(a, b []storage.MFAFactor) bool {
	if len(a) != len(b) {
		return false
	}
	for _, f := range a {
		if !slices.Contains(b, f) {
			return false
		}
	}
	return true
}

// preference turns a declared MFA state into the SetUserMFAPreference
// request that sets it: every factor's block, so those not listed are off.
func preference(m *UserMFA) mfa.Preference {
	set := func(f storage.MFAFactor) *mfa.Setting {
		return &mfa.Setting{Enabled: slices.Contains(m.Enabled, f), Preferred: m.Preferred == f}
	}
	return mfa.Preference{SMS: set(mfa.SMS), TOTP: set(mfa.TOTP), Email: set(mfa.Email)}
}
