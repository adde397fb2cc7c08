package bootstrap

import (
	"context"
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file is a pool's declared domains (domain: a prefix,
// custom_domain: a custom domain) and resource servers: parsing, the dry
// run's copies, and applying.

// Domain is a declared domain of a pool.
type Domain struct {
	Field string // e.g. pools[0].domain
	node  *yaml.Node
	// Input is the CreateUserPoolDomain request (Custom for custom_domain).
	Input userpool.DomainInput
}

// ResourceServer is a declared resource server.
type ResourceServer struct {
	Field string
	node  *yaml.Node
	// Input is the CreateResourceServer request; applying an existing one
	// replaces its name and scopes (UpdateResourceServer).
	Input userpool.ResourceServerInput
}

// parseOAuth reads a pool's domain, custom_domain and resource_servers.
func parseOAuth(ps *problems, m *mapping, p *Pool) {
	if name, at := m.str(ps, "domain"); at != nil {
		d := &Domain{Field: p.Field + ".domain", node: at, Input: userpool.DomainInput{Name: name}}
		in := &cognitoidp.CreateUserPoolDomainInput{Domain: cognitoidp.String(name), UserPoolId: cognitoidp.String(placeholderPool)}
		if err := in.Validate(); err != nil {
			validation(ps, at, d.Field, err, func(string) string { return "" })
		}
		p.Domain = d
	}
	if cn := m.values["custom_domain"]; cn != nil {
		field := p.Field + ".custom_domain"
		if cm, ok := readMapping(ps, cn, field, "domain", "certificate_arn", "security_policy"); ok {
			name, nameAt := cm.str(ps, "domain")
			arn, arnAt := cm.str(ps, "certificate_arn")
			policy, policyAt := cm.str(ps, "security_policy")
			if nameAt == nil {
				ps.add(cn, field+".domain", "is required (the custom domain's name)")
			}
			if arnAt == nil {
				ps.add(cn, field+".certificate_arn", "is required (CustomDomainConfig.CertificateArn)")
			}
			d := &Domain{Field: field, node: orNode(nameAt, cn), Input: userpool.DomainInput{Name: name, Custom: true, CertificateARN: arn, SecurityPolicy: policy}}
			// The model's constraints on each member, reported at its line.
			for _, c := range []struct {
				at    *yaml.Node
				key   string
				input cognitoidp.CreateUserPoolDomainInput
			}{
				{nameAt, "domain", cognitoidp.CreateUserPoolDomainInput{Domain: cognitoidp.String(name)}},
				{arnAt, "certificate_arn", cognitoidp.CreateUserPoolDomainInput{CustomDomainConfig: &cognitoidp.CustomDomainConfigType{CertificateArn: cognitoidp.String(arn)}}},
				{policyAt, "security_policy", cognitoidp.CreateUserPoolDomainInput{CustomDomainConfig: &cognitoidp.CustomDomainConfigType{SecurityPolicy: (*cognitoidp.SecurityPolicyType)(&policy)}}},
			} {
				if c.at == nil {
					continue
				}
				in := c.input
				in.UserPoolId = cognitoidp.String(placeholderPool)
				if in.Domain == nil {
					in.Domain = cognitoidp.String("placeholder")
				}
				if in.CustomDomainConfig != nil && in.CustomDomainConfig.CertificateArn == nil {
					in.CustomDomainConfig.CertificateArn = cognitoidp.String("arn:aws:acm:us-east-1:123456789012:certificate/placeholder")
				}
				if err := in.Validate(); err != nil {
					validation(ps, c.at, field+"."+c.key, err, func(string) string { return "" })
				}
			}
			p.CustomDomain = d
		}
	}
	seen := map[string]string{}
	for i, rn := range m.list(ps, "resource_servers") {
		rs := parseResourceServer(ps, rn, fmt.Sprintf("%s.resource_servers[%d]", p.Field, i))
		if rs == nil {
			continue
		}
		if prev, dup := seen[rs.Input.Identifier]; dup {
			ps.add(rs.node, rs.Field+".identifier", "resource server %q is also declared by %s", rs.Input.Identifier, prev)
		}
		seen[rs.Input.Identifier] = rs.Field
		p.ResourceServers = append(p.ResourceServers, rs)
	}
}

func parseResourceServer(ps *problems, n *yaml.Node, field string) *ResourceServer {
	m, ok := readMapping(ps, n, field, "identifier", "name", "scopes")
	if !ok {
		return nil
	}
	rs := &ResourceServer{Field: field, node: n}
	rs.Input.Identifier, _ = m.str(ps, "identifier")
	rs.Input.Name, _ = m.str(ps, "name")
	for _, k := range []string{"identifier", "name"} {
		if m.values[k] == nil {
			ps.add(n, field+"."+k, "is required")
		}
	}
	in := &cognitoidp.CreateResourceServerInput{UserPoolId: cognitoidp.String(placeholderPool),
		Identifier: cognitoidp.String(rs.Input.Identifier), Name: cognitoidp.String(rs.Input.Name)}
	if err := in.Validate(); err != nil {
		validation(ps, n, field, err, nil)
	}
	rs.Input.Scopes = []storage.ResourceServerScope{}
	for i, sn := range m.list(ps, "scopes") {
		sf := fmt.Sprintf("%s.scopes[%d]", field, i)
		sm, ok := readMapping(ps, sn, sf, "name", "description")
		if !ok {
			continue
		}
		sc := storage.ResourceServerScope{}
		sc.Name, _ = sm.str(ps, "name")
		sc.Description, _ = sm.str(ps, "description")
		for _, k := range []string{"name", "description"} {
			if sm.values[k] == nil {
				ps.add(sn, sf+"."+k, "is required")
			}
		}
		// The model's constraints on one scope, in AWS's wording.
		one := &cognitoidp.CreateResourceServerInput{UserPoolId: cognitoidp.String(placeholderPool), Identifier: cognitoidp.String("placeholder"),
			Name: cognitoidp.String("placeholder"), Scopes: []cognitoidp.ResourceServerScopeType{{ScopeName: cognitoidp.String(sc.Name), ScopeDescription: cognitoidp.String(sc.Description)}}}
		if err := one.Validate(); err != nil {
			validation(ps, sn, sf, err, func(string) string { return "" })
		}
		if slices.ContainsFunc(rs.Input.Scopes, func(h storage.ResourceServerScope) bool { return h.Name == sc.Name }) {
			ps.add(sn, sf+".name", "scope %q is listed twice", sc.Name)
		}
		rs.Input.Scopes = append(rs.Input.Scopes, sc)
	}
	return rs
}

// domains returns the pool's declared domains.
func (d *Pool) domains() []*Domain {
	var out []*Domain
	for _, x := range []*Domain{d.Domain, d.CustomDomain} {
		if x != nil {
			out = append(out, x)
		}
	}
	return out
}

// checkDomainOwners prepares the dry run: a declared domain name that a
// pool other than p holds (p nil: the pool is yet to be created) is a
// problem, since the scratch store holds only the named pools' domains.
func checkDomainOwners(ctx context.Context, live Target, p *userpool.Pool, d *Pool, ps *problems) error {
	for _, dom := range d.domains() {
		held, ok, err := live.Pools.DescribeDomain(ctx, dom.Input.Name)
		if err != nil {
			return err
		}
		if ok && (p == nil || held.PoolID != p.ID) {
			ps.add(dom.node, dom.Field, "%s", domainTaken(dom.Input.Name, held.PoolID).Error())
		}
	}
	return nil
}

// domainTaken is CreateUserPoolDomain's answer for a name another pool
// holds (AWS's wording), naming the pool.
func domainTaken(name, poolID string) error {
	return fault.Errorf(fault.InvalidParameter, "Domain already associated with another user pool. (%s belongs to pool %s)", name, poolID)
}

// copyOAuth copies the domains and resource servers of p.
func copyOAuth(ctx context.Context, live, scratch Target, p *userpool.Pool) error {
	ds, err := live.Store.ListDomains(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if err := scratch.Store.CreateDomain(ctx, d); err != nil {
			return err
		}
	}
	for next := ""; ; {
		rs, n, err := live.Store.ListResourceServers(ctx, p.ID, storage.Page{After: next, Limit: userpool.MaxResourceServers})
		if err != nil {
			return err
		}
		for _, r := range rs {
			if err := scratch.Store.CreateResourceServer(ctx, r); err != nil {
				return err
			}
		}
		if n == "" {
			return nil
		}
		next = n
	}
}

// applyDomain gives p the declared domain: created when missing; a custom
// domain's certificate and security policy updated when they differ. A
// domain is never renamed: a pool that has another domain of the kind is
// a problem.
func (r *run) applyDomain(ctx context.Context, p *userpool.Pool, d *Domain) {
	cur, ok, err := r.t.Pools.DescribeDomain(ctx, d.Input.Name)
	if err != nil {
		r.fail(d.node, d.Field, err)
		return
	}
	kind := map[bool]string{false: "prefix", true: "custom"}
	switch {
	case ok && cur.PoolID != p.ID:
		r.fail(d.node, d.Field, domainTaken(d.Input.Name, cur.PoolID))
		return
	case ok && cur.Custom != d.Input.Custom:
		r.fail(d.node, d.Field, fault.Errorf(fault.InvalidParameter, "%s is a %s domain of pool %s; a domain cannot change kind", cur.Name, kind[cur.Custom], p.ID))
		return
	case !ok:
		prefix, custom, err := r.t.Pools.PoolDomains(ctx, p.ID)
		if err != nil {
			r.fail(d.node, d.Field, err)
			return
		}
		if have := map[bool]string{false: prefix, true: custom}[d.Input.Custom]; have != "" {
			r.fail(d.node, d.Field, fault.Errorf(fault.InvalidParameter, "pool %s already has the %s domain %s; a domain cannot be renamed: delete it (DeleteUserPoolDomain) or declare it", p.ID, kind[d.Input.Custom], have))
			return
		}
		if _, err := r.t.Pools.CreateDomain(ctx, p.ID, d.Input); err != nil {
			if fault.KindOf(err) == fault.InvalidParameter && r.raced() {
				if now, ok, _ := r.t.Pools.DescribeDomain(ctx, d.Input.Name); ok && now.PoolID == p.ID {
					r.applyDomain(ctx, p, d) // created meanwhile by another node
					return
				}
			}
			r.fail(d.node, d.Field, err)
			return
		}
		r.count(&r.report.Domains, true, false)
		return
	}
	if d.Input.Custom && (cur.CertificateARN != d.Input.CertificateARN || (d.Input.SecurityPolicy != "" && cur.SecurityPolicy != d.Input.SecurityPolicy)) {
		if _, err := r.t.Pools.UpdateDomain(ctx, p.ID, d.Input); err != nil {
			r.fail(d.node, d.Field, err)
			return
		}
		r.count(&r.report.Domains, false, true)
		return
	}
	r.count(&r.report.Domains, false, false)
}

// applyResourceServer creates the declared resource server, or replaces
// the name and scopes of the existing one when they differ.
func (r *run) applyResourceServer(ctx context.Context, p *userpool.Pool, d *ResourceServer) {
	cur, err := r.t.Pools.ResourceServer(ctx, p.ID, d.Input.Identifier)
	if fault.KindOf(err) == fault.ResourceNotFound {
		if _, err := r.t.Pools.CreateResourceServer(ctx, p.ID, d.Input); err != nil {
			if fault.KindOf(err) == fault.InvalidParameter && r.raced() {
				if _, gerr := r.t.Pools.ResourceServer(ctx, p.ID, d.Input.Identifier); gerr == nil {
					r.applyResourceServer(ctx, p, d) // created meanwhile by another node
					return
				}
			}
			r.fail(d.node, d.Field, err)
			return
		}
		r.count(&r.report.ResourceServers, true, false)
		return
	}
	if err != nil {
		r.fail(d.node, d.Field, err)
		return
	}
	if cur.Name == d.Input.Name && slices.Equal(cur.Scopes, d.Input.Scopes) {
		r.count(&r.report.ResourceServers, false, false)
		return
	}
	if _, err := r.t.Pools.UpdateResourceServer(ctx, p.ID, d.Input); err != nil {
		r.fail(d.node, d.Field, err)
		return
	}
	r.count(&r.report.ResourceServers, false, true)
}
