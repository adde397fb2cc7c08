package conformance

import (
	"fmt"
	"slices"
	"testing"

	"github.com/userpoold/userpoold/internal/storage"
)

// ---------------------------------------------------------------------------
// Domains

func testDomainRoundTrip(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	for _, d := range []storage.Domain{
		fullDomain("p1", "auth.example.com", true),
		{Name: "min", PoolID: "p1"},
		{Name: "empty-routing", PoolID: "p2", Routing: []byte{}},
	} {
		must(t, s.CreateDomain(ctx, d))
		got, err := s.GetDomain(ctx, d.Name)
		must(t, err)
		if len(d.Routing) == 0 {
			d.Routing = nil
		}
		same(t, "GetDomain "+d.Name, d, got)
	}
	d := fullDomain("p2", "copies.example.com", true)
	must(t, s.CreateDomain(ctx, d))
	d.Routing[2] = 'X'
	got, err := s.GetDomain(ctx, d.Name)
	must(t, err)
	got.Routing[3] = 'X'
	got, err = s.GetDomain(ctx, d.Name)
	must(t, err)
	same(t, "GetDomain after mutations", fullDomain("p2", "copies.example.com", true), got)
}

func testDomainErrors(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	must(t, s.CreateDomain(ctx, fullDomain("p1", "one", false)))
	wantIs(t, "CreateDomain duplicate name", s.CreateDomain(ctx, fullDomain("p2", "one", false)), storage.ErrExists)
	wantIs(t, "CreateDomain second prefix of a pool", s.CreateDomain(ctx, fullDomain("p1", "two", false)), storage.ErrExists)
	must(t, s.CreateDomain(ctx, fullDomain("p1", "auth.one.example", true)))
	wantIs(t, "CreateDomain second custom domain of a pool", s.CreateDomain(ctx, fullDomain("p1", "auth.two.example", true)), storage.ErrExists)
	wantIs(t, "CreateDomain in a missing pool", s.CreateDomain(ctx, fullDomain("nope", "three", false)), storage.ErrNotFound)
	_, err := s.GetDomain(ctx, "nope")
	wantIs(t, "GetDomain missing", err, storage.ErrNotFound)
	_, err = s.UpdateDomain(ctx, "nope", func(*storage.Domain) error { return nil })
	wantIs(t, "UpdateDomain missing", err, storage.ErrNotFound)
	wantIs(t, "DeleteDomain missing", s.DeleteDomain(ctx, "nope"), storage.ErrNotFound)
	must(t, s.DeleteDomain(ctx, "one"))
	_, err = s.GetDomain(ctx, "one")
	wantIs(t, "GetDomain after DeleteDomain", err, storage.ErrNotFound)
	// The name and the pool's prefix slot are free again.
	must(t, s.CreateDomain(ctx, fullDomain("p2", "one", false)))
	must(t, s.CreateDomain(ctx, fullDomain("p1", "two", false)))
}

func testDomainUpdate(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	must(t, s.CreateDomain(ctx, fullDomain("p1", "d", true)))
	want := fullDomain("p1", "d", true)
	for i, step := range []func(d *storage.Domain){
		func(d *storage.Domain) {
			d.CertificateARN, d.SecurityPolicy, d.ManagedLoginVersion, d.UpdatedAt = "arn2", "TLS_V1_3_2025", 1, at(44)
		},
		func(d *storage.Domain) { d.Routing, d.CloudFrontDistribution = nil, "" },
		func(d *storage.Domain) { d.Routing = []byte(`{"Failover":{}}`) },
	} {
		step(&want)
		got, err := s.UpdateDomain(ctx, "d", func(d *storage.Domain) error { step(d); return nil })
		must(t, err)
		same(t, fmt.Sprintf("UpdateDomain result %d", i), want, got)
		got, err = s.GetDomain(ctx, "d")
		must(t, err)
		same(t, fmt.Sprintf("GetDomain after update %d", i), want, got)
	}
	_, err := s.UpdateDomain(ctx, "d", func(d *storage.Domain) error { d.SecurityPolicy = "x"; return errSentinel })
	if err != errSentinel {
		t.Errorf("UpdateDomain fn error: got %v, want it unchanged", err)
	}
	for name, change := range map[string]func(d *storage.Domain){
		"Name":   func(d *storage.Domain) { d.Name = "e" },
		"PoolID": func(d *storage.Domain) { d.PoolID = "p2" },
		"Custom": func(d *storage.Domain) { d.Custom = false },
	} {
		if _, err := s.UpdateDomain(ctx, "d", func(d *storage.Domain) error { change(d); return nil }); err == nil {
			t.Errorf("UpdateDomain changing %s succeeded", name)
		}
	}
	got, err := s.GetDomain(ctx, "d")
	must(t, err)
	same(t, "GetDomain after refused updates", want, got)
}

func testDomainList(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	mkPool(t, s, "p3")
	must(t, s.CreateDomain(ctx, fullDomain("p1", "zz-prefix", false)))
	must(t, s.CreateDomain(ctx, fullDomain("p1", "auth.example.com", true)))
	must(t, s.CreateDomain(ctx, fullDomain("p2", "other", false)))
	got, err := s.ListDomains(ctx, "p1")
	must(t, err)
	same(t, "ListDomains", []storage.Domain{fullDomain("p1", "auth.example.com", true), fullDomain("p1", "zz-prefix", false)}, got)
	got, err = s.ListDomains(ctx, "p3")
	must(t, err)
	if len(got) != 0 {
		t.Errorf("ListDomains of a pool without domains = %v", got)
	}
}

// ---------------------------------------------------------------------------
// Resource servers

func testResourceServerRoundTrip(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	for _, r := range []storage.ResourceServer{
		fullResourceServer("p1", "https://api.example.com/v1"),
		{PoolID: "p1", Identifier: "min"},
		{PoolID: "p1", Identifier: "no-descriptions", Scopes: []storage.ResourceServerScope{{Name: "a"}}},
		{PoolID: "p1", Identifier: "empty-scopes", Scopes: []storage.ResourceServerScope{}},
	} {
		must(t, s.CreateResourceServer(ctx, r))
		got, err := s.GetResourceServer(ctx, "p1", r.Identifier)
		must(t, err)
		if len(r.Scopes) == 0 {
			r.Scopes = nil
		}
		same(t, "GetResourceServer "+r.Identifier, r, got)
	}
	r := fullResourceServer("p1", "copies")
	must(t, s.CreateResourceServer(ctx, r))
	r.Scopes[0].Name = "changed"
	got, err := s.GetResourceServer(ctx, "p1", "copies")
	must(t, err)
	got.Scopes[1].Name = "changed"
	got, err = s.GetResourceServer(ctx, "p1", "copies")
	must(t, err)
	same(t, "GetResourceServer after mutations", fullResourceServer("p1", "copies"), got)
}

func testResourceServerErrors(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	must(t, s.CreateResourceServer(ctx, fullResourceServer("p1", "r")))
	wantIs(t, "CreateResourceServer duplicate", s.CreateResourceServer(ctx, fullResourceServer("p1", "r")), storage.ErrExists)
	must(t, s.CreateResourceServer(ctx, fullResourceServer("p2", "r")))
	wantIs(t, "CreateResourceServer in a missing pool", s.CreateResourceServer(ctx, fullResourceServer("nope", "r")), storage.ErrNotFound)
	_, err := s.GetResourceServer(ctx, "p1", "nope")
	wantIs(t, "GetResourceServer missing", err, storage.ErrNotFound)
	_, err = s.UpdateResourceServer(ctx, "p1", "nope", func(*storage.ResourceServer) error { return nil })
	wantIs(t, "UpdateResourceServer missing", err, storage.ErrNotFound)
	wantIs(t, "DeleteResourceServer missing", s.DeleteResourceServer(ctx, "p1", "nope"), storage.ErrNotFound)
	must(t, s.DeleteResourceServer(ctx, "p1", "r"))
	_, err = s.GetResourceServer(ctx, "p1", "r")
	wantIs(t, "GetResourceServer after delete", err, storage.ErrNotFound)
	if _, err := s.GetResourceServer(ctx, "p2", "r"); err != nil {
		t.Errorf("DeleteResourceServer deleted the server of another pool: %v", err)
	}
}

func testResourceServerUpdate(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	must(t, s.CreateResourceServer(ctx, fullResourceServer("p1", "r")))
	want := fullResourceServer("p1", "r")
	for i, step := range []func(r *storage.ResourceServer){
		func(r *storage.ResourceServer) {
			r.Name, r.UpdatedAt = "renamed", at(45)
			r.Scopes = append(r.Scopes, storage.ResourceServerScope{Name: "admin", Description: "Everything"})
		},
		func(r *storage.ResourceServer) { r.Scopes = nil },
		func(r *storage.ResourceServer) {
			r.Scopes = []storage.ResourceServerScope{{Name: "only", Description: "one"}}
		},
	} {
		step(&want)
		got, err := s.UpdateResourceServer(ctx, "p1", "r", func(r *storage.ResourceServer) error { step(r); return nil })
		must(t, err)
		same(t, fmt.Sprintf("UpdateResourceServer result %d", i), want, got)
		got, err = s.GetResourceServer(ctx, "p1", "r")
		must(t, err)
		same(t, fmt.Sprintf("GetResourceServer after update %d", i), want, got)
	}
	_, err := s.UpdateResourceServer(ctx, "p1", "r", func(r *storage.ResourceServer) error { r.Name = "x"; return errSentinel })
	if err != errSentinel {
		t.Errorf("UpdateResourceServer fn error: got %v, want it unchanged", err)
	}
	if _, err := s.UpdateResourceServer(ctx, "p1", "r", func(r *storage.ResourceServer) error { r.Identifier = "q"; return nil }); err == nil {
		t.Error("UpdateResourceServer changing the identifier succeeded")
	}
	got, err := s.GetResourceServer(ctx, "p1", "r")
	must(t, err)
	same(t, "GetResourceServer after refused updates", want, got)
}

func testResourceServerList(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	var want []string
	for _, id := range []string{"https://b.example", "a", "https://a.example/x", "Z", "z/é", "0"} {
		must(t, s.CreateResourceServer(ctx, fullResourceServer("p1", id)))
		must(t, s.CreateResourceServer(ctx, fullResourceServer("p2", "other-"+id)))
		want = append(want, id)
	}
	slices.Sort(want)
	checkPaging(t, "ListResourceServers", want, func(r storage.ResourceServer) string { return r.Identifier },
		func(pg storage.Page) ([]storage.ResourceServer, string, error) {
			return s.ListResourceServers(ctx, "p1", pg)
		})
	for _, r := range collect(t, 4, func(pg storage.Page) ([]storage.ResourceServer, string, error) {
		return s.ListResourceServers(ctx, "p1", pg)
	}) {
		same(t, "ListResourceServers record", fullResourceServer("p1", r.Identifier), r)
	}
	n, err := s.CountResourceServers(ctx, "p1")
	must(t, err)
	if n != len(want) {
		t.Errorf("CountResourceServers = %d, want %d", n, len(want))
	}
}
