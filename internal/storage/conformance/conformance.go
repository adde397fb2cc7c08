package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// Run runs the suite against the stores open returns. open must return a
// new, empty store on every call and close it when t ends (t.Cleanup). The
// subtests run in parallel, each on its own store.
func Run(t *testing.T, open func(t *testing.T) storage.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"Fixtures", testFixtures},
		{"Ping", testPing},

		{"Pool/RoundTrip", testPoolRoundTrip},
		{"Pool/Errors", testPoolErrors},
		{"Pool/CreateWithKeys", testPoolCreateWithKeys},
		{"Pool/Update", testPoolUpdate},
		{"Pool/Copies", testPoolCopies},
		{"Pool/List", testPoolList},
		{"Pool/DeleteCascade", testPoolDeleteCascade},

		{"Client/RoundTrip", testClientRoundTrip},
		{"Client/Errors", testClientErrors},
		{"Client/Update", testClientUpdate},
		{"Client/List", testClientList},

		{"User/RoundTrip", testUserRoundTrip},
		{"User/Errors", testUserErrors},
		{"User/Update", testUserUpdate},
		{"User/UpdateErrors", testUserUpdateErrors},
		{"User/Copies", testUserCopies},
		{"User/Delete", testUserDelete},
		{"User/Count", testUserCount},
		{"User/FindByAttribute", testFindUsersByAttribute},
		{"User/ListFilters", testListUsersFilters},
		{"User/List", testUserList},
		{"User/ConcurrentUpdates", testUserConcurrentUpdates},
		{"User/ConcurrentCreates", testUserConcurrentCreates},
		{"User/CancelledContext", testUserCancelledContext},

		{"Group/RoundTrip", testGroupRoundTrip},
		{"Group/Errors", testGroupErrors},
		{"Group/Update", testGroupUpdate},
		{"Group/List", testGroupList},
		{"Group/Membership", testGroupMembership},
		{"Group/MembershipLists", testGroupMembershipLists},

		{"Device/RoundTrip", testDeviceRoundTrip},
		{"Device/Errors", testDeviceErrors},
		{"Device/Update", testDeviceUpdate},
		{"Device/List", testDeviceList},

		{"Session/RoundTrip", testSessionRoundTrip},
		{"Session/Errors", testSessionErrors},
		{"Session/Update", testSessionUpdate},
		{"Session/Expiry", testSessionExpiry},

		{"SigningKey/RoundTrip", testSigningKeyRoundTrip},
		{"SigningKey/Errors", testSigningKeyErrors},
		{"SigningKey/Update", testSigningKeyUpdate},

		{"Revocation", testRevocation},

		{"Message/AppendList", testMessages},

		{"AuthEvent/RoundTrip", testAuthEventRoundTrip},
		{"AuthEvent/Errors", testAuthEventErrors},
		{"AuthEvent/Update", testAuthEventUpdate},
		{"AuthEvent/List", testAuthEventList},

		{"Domain/RoundTrip", testDomainRoundTrip},
		{"Domain/Errors", testDomainErrors},
		{"Domain/Update", testDomainUpdate},
		{"Domain/List", testDomainList},

		{"ResourceServer/RoundTrip", testResourceServerRoundTrip},
		{"ResourceServer/Errors", testResourceServerErrors},
		{"ResourceServer/Update", testResourceServerUpdate},
		{"ResourceServer/List", testResourceServerList},

		{"ImportJob/RoundTrip", testImportJobRoundTrip},
		{"ImportJob/Errors", testImportJobErrors},
		{"ImportJob/Update", testImportJobUpdate},
		{"ImportJob/List", testImportJobList},
		{"ImportJob/DeleteCascade", testImportJobCascade},
		{"ImportFile/PutOpen", testImportFilePutOpen},
		{"ImportFile/Refused", testImportFileRefused},

		{"ProvisionedLimits", testProvisionedLimits},
		{"LogDelivery", testLogDelivery},

		{"IdentityProvider/RoundTrip", testIdentityProviderRoundTrip},
		{"IdentityProvider/Errors", testIdentityProviderErrors},
		{"IdentityProvider/Update", testIdentityProviderUpdate},
		{"IdentityProvider/List", testIdentityProviderList},
		{"SAMLKey", testSAMLKey},
		{"ProviderLinks", testProviderLinks},
		{"SpendOnce", testSpendOnce},
		{"Branding/RoundTrip", testBrandingRoundTrip},
		{"Branding/Errors", testBrandingErrors},
		{"Branding/Update", testBrandingUpdate},
		{"Branding/List", testBrandingList},
		{"Branding/Cascade", testBrandingCascade},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// ---------------------------------------------------------------------------
// Helpers

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want one wrapping %v", what, err, target)
	}
}

func same(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := diff(want, got); d != "" {
		t.Errorf("%s differs from what was stored:%s", what, d)
	}
}

func mkPool(t *testing.T, s storage.Store, id string) {
	t.Helper()
	must(t, s.CreatePool(t.Context(), minimalPool(id)))
}

func mkUser(t *testing.T, s storage.Store, poolID, key string) storage.User {
	t.Helper()
	u := minimalUser(poolID, key)
	must(t, s.CreateUser(t.Context(), u))
	return u
}

var errSentinel = errors.New("conformance: fn refused")

// collect pages through a listing with page size limit and returns every
// record. It checks that no page is larger than limit, that every page but
// the last is full, that Next is "" exactly on the last page, and that
// there are no empty pages except a first page of an empty listing.
func collect[T any](t *testing.T, limit int, list func(storage.Page) ([]T, string, error)) []T {
	t.Helper()
	var all []T
	page := storage.Page{Limit: limit}
	for n := 0; ; n++ {
		if n > 10000 {
			t.Fatal("listing does not end")
		}
		got, next, err := list(page)
		if err != nil {
			t.Fatalf("page %d (limit %d): %v", n, limit, err)
		}
		if len(got) > limit {
			t.Fatalf("page %d has %d records, limit %d", n, len(got), limit)
		}
		if len(got) == 0 && (n > 0 || next != "") {
			t.Fatalf("page %d (limit %d) is empty (next %q): the previous page should have had Next == \"\"", n, limit, next)
		}
		all = append(all, got...)
		if next == "" {
			return all
		}
		if len(got) < limit {
			t.Fatalf("page %d has %d records (limit %d) but Next is %q", n, len(got), limit, next)
		}
		page.After = next
	}
}

// checkPaging lists with several page sizes and compares the keys with
// want, in order.
func checkPaging[T any](t *testing.T, what string, want []string, key func(T) string, list func(storage.Page) ([]T, string, error)) {
	t.Helper()
	limits := []int{1, 2, 3, len(want), len(want) + 1, 1000}
	for _, limit := range limits {
		if limit < 1 {
			continue
		}
		var got []string
		for _, v := range collect(t, limit, list) {
			got = append(got, key(v))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s with limit %d: got %q, want %q", what, limit, got, want)
		}
	}
	for _, bad := range []string{"garbage!", "Zm9v"} {
		if _, _, err := list(storage.Page{After: bad, Limit: 1}); !errors.Is(err, storage.ErrBadCursor) {
			t.Errorf("%s with cursor %q: err = %v, want ErrBadCursor", what, bad, err)
		}
	}
}

// ---------------------------------------------------------------------------
// Fixtures and Ping

func testFixtures(t *testing.T, _ storage.Store) {
	for _, v := range []any{
		fullPool("p"), fullClient("p", "c"), fullUser("p", "u"), fullGroup("p", "g"),
		fullDevice("p", "u", "d"), fullSession("p", "s"), fullSigningKey("p", "k"),
		fullAuthEvent("p", "u", "e", at(1)),
		fullDomain("p", "d", true), fullResourceServer("p", "r"),
		fullImportJob("p", "import-j", at(1)), fullLogDelivery("p"),
		fullIdentityProvider("p", "i"), fullProviderLink("p", "i", "v", "u"), fullSAMLKey("p"),
		fullBranding("p", storage.BrandingTerms, "b", "c", "terms-of-use"),
	} {
		if z := zeroFields(v); len(z) > 0 {
			t.Errorf("%T fixture leaves fields zero (add them to the fixture and round-trip them): %v", v, z)
		}
	}
	if z := zeroFields(fullMessage("p", "u", 1), "Message.ID"); len(z) > 0 {
		t.Errorf("Message fixture leaves fields zero: %v", z)
	}
}

func testPing(t *testing.T, s storage.Store) {
	must(t, s.Ping(t.Context()))
}

// ---------------------------------------------------------------------------
// Pools

func testPoolRoundTrip(t *testing.T, s storage.Store) {
	ctx := t.Context()
	for _, p := range []storage.Pool{
		fullPool("us-east-1_Full"),
		minimalPool("us-east-1_Min"),
		{ID: "us-east-1_Empty", Config: []byte{}, Tags: map[string]string{}},
	} {
		must(t, s.CreatePool(ctx, p))
		got, err := s.GetPool(ctx, p.ID)
		must(t, err)
		same(t, "GetPool "+p.ID, p, got)
	}
}

func testPoolErrors(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreatePool(ctx, fullPool("p1")))
	wantIs(t, "CreatePool duplicate", s.CreatePool(ctx, minimalPool("p1")), storage.ErrExists)
	_, err := s.GetPool(ctx, "nope")
	wantIs(t, "GetPool missing", err, storage.ErrNotFound)
	called := false
	_, err = s.UpdatePool(ctx, "nope", func(*storage.Pool) error { called = true; return nil })
	wantIs(t, "UpdatePool missing", err, storage.ErrNotFound)
	if called {
		t.Error("UpdatePool called fn for a missing pool")
	}
	wantIs(t, "DeletePool missing", s.DeletePool(ctx, "nope"), storage.ErrNotFound)
	must(t, s.DeletePool(ctx, "p1"))
	_, err = s.GetPool(ctx, "p1")
	wantIs(t, "GetPool after DeletePool", err, storage.ErrNotFound)
	must(t, s.CreatePool(ctx, minimalPool("p1"))) // the ID is free again
}

// testPoolCreateWithKeys checks that a pool and its first signing keys are
// stored together or not at all.
func testPoolCreateWithKeys(t *testing.T, s storage.Store) {
	ctx := t.Context()
	k1, k2 := fullSigningKey("p1", "id-key"), fullSigningKey("p1", "access-key")
	k2.Use = "access"
	must(t, s.CreatePool(ctx, fullPool("p1"), k1, k2))
	got, err := s.ListSigningKeys(ctx, "p1")
	must(t, err)
	if len(got) != 2 {
		t.Fatalf("CreatePool with two keys stored %d", len(got))
	}
	for _, g := range got {
		want := k1
		if g.KID == k2.KID {
			want = k2
		}
		same(t, "CreatePool key "+g.KID, want, g)
	}

	// A key that cannot be stored (its KID twice) fails the whole call.
	dup := fullSigningKey("p2", "same")
	wantIs(t, "CreatePool with a failing key", s.CreatePool(ctx, fullPool("p2"), dup, dup), storage.ErrExists)
	_, err = s.GetPool(ctx, "p2")
	wantIs(t, "GetPool after a failed CreatePool", err, storage.ErrNotFound)
	if keys, err := s.ListSigningKeys(ctx, "p2"); err != nil || len(keys) != 0 {
		t.Errorf("keys after a failed CreatePool: %d, %v", len(keys), err)
	}
	must(t, s.CreatePool(ctx, fullPool("p2"))) // the failed call left nothing behind

	// A taken pool ID stores none of the keys.
	wantIs(t, "CreatePool duplicate with keys", s.CreatePool(ctx, minimalPool("p1"), fullSigningKey("p1", "extra")), storage.ErrExists)
	if keys, _ := s.ListSigningKeys(ctx, "p1"); len(keys) != 2 {
		t.Errorf("a failed CreatePool added keys to the existing pool: %d", len(keys))
	}
}

func testPoolUpdate(t *testing.T, s storage.Store) {
	ctx := t.Context()
	orig := fullPool("p1")
	must(t, s.CreatePool(ctx, orig))

	want := fullPool("p1")
	want.Name = "renamed"
	want.UpdatedAt = at(30)
	want.Config = []byte(`{"MfaConfiguration":"ON"}`)
	want.RiskConfig = nil
	want.Tags = map[string]string{"only": "one"}
	got, err := s.UpdatePool(ctx, "p1", func(p *storage.Pool) error {
		same(t, "UpdatePool fn argument", orig, *p)
		p.Name, p.UpdatedAt, p.Config, p.RiskConfig, p.Tags = want.Name, want.UpdatedAt, want.Config, want.RiskConfig, map[string]string{"only": "one"}
		return nil
	})
	must(t, err)
	same(t, "UpdatePool result", want, got)
	got, err = s.GetPool(ctx, "p1")
	must(t, err)
	same(t, "GetPool after UpdatePool", want, got)

	_, err = s.UpdatePool(ctx, "p1", func(p *storage.Pool) error {
		p.Name = "not written"
		p.Tags["only"] = "changed"
		return errSentinel
	})
	if err != errSentinel {
		t.Errorf("UpdatePool fn error: got %v, want the fn's error unchanged", err)
	}
	got, err = s.GetPool(ctx, "p1")
	must(t, err)
	same(t, "GetPool after failed UpdatePool", want, got)

	_, err = s.UpdatePool(ctx, "p1", func(p *storage.Pool) error { p.ID = "p2"; return nil })
	if err == nil {
		t.Error("UpdatePool changing the ID succeeded")
	}
	if _, err := s.GetPool(ctx, "p2"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("UpdatePool changing the ID wrote p2 (%v)", err)
	}
}

func testPoolCopies(t *testing.T, s storage.Store) {
	ctx := t.Context()
	p := fullPool("p1")
	must(t, s.CreatePool(ctx, p))
	// Copied in: changing what was passed does not change the store.
	p.Tags["team"] = "changed"
	p.Config[0] = '['
	got, err := s.GetPool(ctx, "p1")
	must(t, err)
	same(t, "GetPool after mutating the created value", fullPool("p1"), got)
	// Copied out: changing what came back does not either.
	got.Tags["team"] = "changed"
	got.Config[0] = '['
	got2, err := s.GetPool(ctx, "p1")
	must(t, err)
	same(t, "GetPool after mutating a returned value", fullPool("p1"), got2)
	upd, err := s.UpdatePool(ctx, "p1", func(*storage.Pool) error { return nil })
	must(t, err)
	upd.Tags["team"] = "changed"
	got3, err := s.GetPool(ctx, "p1")
	must(t, err)
	same(t, "GetPool after mutating an UpdatePool result", fullPool("p1"), got3)
}

func testPoolList(t *testing.T, s storage.Store) {
	ctx := t.Context()
	var want []string
	for _, id := range []string{"eu-west-1_b", "us-east-1_a", "ap-south-1_Z", "eu-west-1_a", "us-east-1_B", "eu-west-1_aa", "sa-east-1_0"} {
		must(t, s.CreatePool(ctx, fullPool(id)))
		want = append(want, id)
	}
	slices.Sort(want) // byte order
	checkPaging(t, "ListPools", want, func(p storage.Pool) string { return p.ID },
		func(pg storage.Page) ([]storage.Pool, string, error) { return s.ListPools(ctx, pg) })
	pools := collect(t, 2, func(pg storage.Page) ([]storage.Pool, string, error) { return s.ListPools(ctx, pg) })
	for _, p := range pools {
		same(t, "ListPools record", fullPool(p.ID), p)
	}
}

// populate fills a pool with one record of every kind.
func populate(t *testing.T, s storage.Store, poolID string) {
	t.Helper()
	ctx := t.Context()
	must(t, s.CreatePool(ctx, fullPool(poolID)))
	must(t, s.CreateClient(ctx, fullClient(poolID, "client-"+poolID)))
	must(t, s.CreateUser(ctx, fullUser(poolID, "alice")))
	must(t, s.CreateGroup(ctx, fullGroup(poolID, "admins")))
	must(t, s.AddUserToGroup(ctx, poolID, "admins", "alice"))
	must(t, s.CreateDevice(ctx, fullDevice(poolID, "alice", "dev-"+poolID)))
	must(t, s.CreateSession(ctx, fullSession(poolID, "sess-"+poolID)))
	must(t, s.AddSigningKey(ctx, fullSigningKey(poolID, "kid-"+poolID)))
	must(t, s.RevokeTokens(ctx, poolID, "jti", at(50)))
	_, err := s.AppendMessage(ctx, fullMessage(poolID, "alice", 1))
	must(t, err)
	must(t, s.AddAuthEvent(ctx, fullAuthEvent(poolID, "alice", "ev", at(1))))
	must(t, s.CreateDomain(ctx, fullDomain(poolID, "domain-"+poolID, false)))
	must(t, s.CreateResourceServer(ctx, fullResourceServer(poolID, "https://api/"+poolID)))
	must(t, s.CreateIdentityProvider(ctx, fullIdentityProvider(poolID, "Okta")))
	must(t, s.CreateProviderLink(ctx, fullProviderLink(poolID, "Okta", "1", "alice")))
	must(t, s.CreateSAMLKey(ctx, fullSAMLKey(poolID)))
}

// checkPopulated checks what populate stored is there (present) or gone.
func checkPopulated(t *testing.T, s storage.Store, poolID string, present bool) {
	t.Helper()
	ctx := t.Context()
	exists := func(what string, err error) {
		t.Helper()
		switch {
		case present && err != nil:
			t.Errorf("pool %s: %s: %v", poolID, what, err)
		case !present && !errors.Is(err, storage.ErrNotFound):
			t.Errorf("pool %s: %s after DeletePool: got %v, want ErrNotFound", poolID, what, err)
		}
	}
	count := func(what string, n int, err error) {
		t.Helper()
		must(t, err)
		if want := map[bool]int{true: 1, false: 0}[present]; n != want {
			t.Errorf("pool %s: %s: %d records, want %d", poolID, what, n, want)
		}
	}
	_, err := s.GetPool(ctx, poolID)
	exists("GetPool", err)
	_, err = s.GetClient(ctx, "client-"+poolID)
	exists("GetClient", err)
	_, err = s.GetUser(ctx, poolID, "alice")
	exists("GetUser", err)
	_, err = s.GetGroup(ctx, poolID, "admins")
	exists("GetGroup", err)
	_, err = s.GetDevice(ctx, poolID, "dev-"+poolID)
	exists("GetDevice", err)
	_, err = s.GetSession(ctx, "sess-"+poolID)
	exists("GetSession", err)
	_, err = s.GetAuthEvent(ctx, poolID, "alice", "ev")
	exists("GetAuthEvent", err)
	_, err = s.GetDomain(ctx, "domain-"+poolID)
	exists("GetDomain", err)
	_, err = s.GetResourceServer(ctx, poolID, "https://api/"+poolID)
	exists("GetResourceServer", err)

	n, err := s.CountUsers(ctx, poolID)
	count("CountUsers", int(n), err)
	keys, err := s.ListSigningKeys(ctx, poolID)
	count("ListSigningKeys", len(keys), err)
	msgs, err := s.ListMessages(ctx, poolID, "")
	count("ListMessages", len(msgs), err)
	clients, _, err := s.ListClients(ctx, poolID, storage.Page{Limit: 10})
	count("ListClients", len(clients), err)
	groups, _, err := s.ListGroupsForUser(ctx, poolID, "alice", storage.Page{Limit: 10})
	count("ListGroupsForUser", len(groups), err)
	users, _, err := s.ListUsersInGroup(ctx, poolID, "admins", storage.Page{Limit: 10})
	count("ListUsersInGroup", len(users), err)
	devices, _, err := s.ListDevices(ctx, poolID, "alice", storage.Page{Limit: 10})
	count("ListDevices", len(devices), err)
	domains, err := s.ListDomains(ctx, poolID)
	count("ListDomains", len(domains), err)
	servers, _, err := s.ListResourceServers(ctx, poolID, storage.Page{Limit: 10})
	count("ListResourceServers", len(servers), err)
	nservers, err := s.CountResourceServers(ctx, poolID)
	count("CountResourceServers", nservers, err)
	_, err = s.GetIdentityProvider(ctx, poolID, "Okta")
	exists("GetIdentityProvider", err)
	_, err = s.GetSAMLKey(ctx, poolID)
	exists("GetSAMLKey", err)
	links, err := s.ListUserProviderLinks(ctx, poolID, "alice")
	count("ListUserProviderLinks", len(links), err)
	revoked, err := s.TokensRevoked(ctx, poolID, "jti")
	must(t, err)
	if revoked != present {
		t.Errorf("pool %s: TokensRevoked = %v, want %v", poolID, revoked, present)
	}
}

func testPoolDeleteCascade(t *testing.T, s storage.Store) {
	ctx := t.Context()
	populate(t, s, "pool-a")
	populate(t, s, "pool-b")
	checkPopulated(t, s, "pool-a", true)
	must(t, s.DeletePool(ctx, "pool-a"))
	checkPopulated(t, s, "pool-a", false)
	checkPopulated(t, s, "pool-b", true)
	// A pool created again under the same ID starts empty.
	must(t, s.CreatePool(ctx, fullPool("pool-a")))
	must(t, s.CreateUser(ctx, minimalUser("pool-a", "alice")))
	must(t, s.CreateGroup(ctx, fullGroup("pool-a", "admins")))
	groups, _, err := s.ListGroupsForUser(ctx, "pool-a", "alice", storage.Page{Limit: 10})
	must(t, err)
	users, _, err := s.ListUsersInGroup(ctx, "pool-a", "admins", storage.Page{Limit: 10})
	must(t, err)
	devices, _, err := s.ListDevices(ctx, "pool-a", "alice", storage.Page{Limit: 10})
	must(t, err)
	events, _, err := s.ListAuthEvents(ctx, "pool-a", "alice", storage.Page{Limit: 10})
	must(t, err)
	if len(groups)+len(users)+len(devices)+len(events) != 0 {
		t.Errorf("recreated pool inherited records: %d groups, %d users in group, %d devices, %d events",
			len(groups), len(users), len(devices), len(events))
	}
}

// ---------------------------------------------------------------------------
// Clients

func testClientRoundTrip(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	for _, c := range []storage.Client{
		fullClient("p1", "c1full"),
		{PoolID: "p1", ID: "c2min"},
		{PoolID: "p1", ID: "c3empty", Config: []byte{}, RiskConfig: []byte{}},
	} {
		must(t, s.CreateClient(ctx, c))
		got, err := s.GetClient(ctx, c.ID)
		must(t, err)
		same(t, "GetClient "+c.ID, c, got)
	}
	// Copies.
	c := fullClient("p1", "c4")
	must(t, s.CreateClient(ctx, c))
	c.Config[0] = '['
	got, err := s.GetClient(ctx, "c4")
	must(t, err)
	got.Config[1] = '['
	got, err = s.GetClient(ctx, "c4")
	must(t, err)
	same(t, "GetClient after mutations", fullClient("p1", "c4"), got)
}

func testClientErrors(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	must(t, s.CreateClient(ctx, fullClient("p1", "c1")))
	wantIs(t, "CreateClient duplicate", s.CreateClient(ctx, fullClient("p1", "c1")), storage.ErrExists)
	wantIs(t, "CreateClient duplicate ID in another pool", s.CreateClient(ctx, fullClient("p2", "c1")), storage.ErrExists)
	wantIs(t, "CreateClient in a missing pool", s.CreateClient(ctx, fullClient("nope", "c9")), storage.ErrNotFound)
	_, err := s.GetClient(ctx, "nope")
	wantIs(t, "GetClient missing", err, storage.ErrNotFound)
	_, err = s.UpdateClient(ctx, "nope", func(*storage.Client) error { return nil })
	wantIs(t, "UpdateClient missing", err, storage.ErrNotFound)
	wantIs(t, "DeleteClient missing", s.DeleteClient(ctx, "nope"), storage.ErrNotFound)
	must(t, s.DeleteClient(ctx, "c1"))
	_, err = s.GetClient(ctx, "c1")
	wantIs(t, "GetClient after DeleteClient", err, storage.ErrNotFound)
	must(t, s.CreateClient(ctx, fullClient("p2", "c1")))
}

func testClientUpdate(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	orig := fullClient("p1", "c1")
	must(t, s.CreateClient(ctx, orig))
	steps := []func(c *storage.Client){
		func(c *storage.Client) { c.Name, c.Secret, c.UpdatedAt = "renamed", "new-secret", at(31) },
		func(c *storage.Client) { c.Secret, c.Config, c.RiskConfig = "", []byte(`{"a":1}`), nil },
		func(c *storage.Client) { c.Secret = "secret-again" },
		// Rotated secrets change alone, keeping Secret.
		func(c *storage.Client) {
			c.Secrets = append(c.Secrets[1:len(c.Secrets):len(c.Secrets)], storage.ClientSecret{ID: "c1--9", Value: "third", CreatedAt: at(9).In(elsewhere)})
		},
		func(c *storage.Client) { c.Secrets = nil },
	}
	want := orig
	for i, step := range steps {
		step(&want)
		got, err := s.UpdateClient(ctx, "c1", func(c *storage.Client) error { step(c); return nil })
		must(t, err)
		same(t, fmt.Sprintf("UpdateClient result %d", i), want, got)
		got, err = s.GetClient(ctx, "c1")
		must(t, err)
		same(t, fmt.Sprintf("GetClient after update %d", i), want, got)
	}
	_, err := s.UpdateClient(ctx, "c1", func(c *storage.Client) error { c.Secret = "x"; return errSentinel })
	if err != errSentinel {
		t.Errorf("UpdateClient fn error: got %v, want it unchanged", err)
	}
	got, err := s.GetClient(ctx, "c1")
	must(t, err)
	same(t, "GetClient after failed update", want, got)
	mkPool(t, s, "p2")
	if _, err := s.UpdateClient(ctx, "c1", func(c *storage.Client) error { c.PoolID = "p2"; return nil }); err == nil {
		t.Error("UpdateClient moving the client to another pool succeeded")
	}
}

func testClientList(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	var want []string
	for i := range 7 {
		id := fmt.Sprintf("c%02d", (i*5)%7)
		must(t, s.CreateClient(ctx, fullClient("p1", id)))
		want = append(want, id)
		must(t, s.CreateClient(ctx, fullClient("p2", "other"+id)))
	}
	slices.Sort(want)
	checkPaging(t, "ListClients", want, func(c storage.Client) string { return c.ID },
		func(pg storage.Page) ([]storage.Client, string, error) { return s.ListClients(ctx, "p1", pg) })
	for _, c := range collect(t, 3, func(pg storage.Page) ([]storage.Client, string, error) { return s.ListClients(ctx, "p1", pg) }) {
		same(t, "ListClients record", fullClient("p1", c.ID), c)
	}
	got, next, err := s.ListClients(ctx, "p3", storage.Page{Limit: 5})
	if err != nil || len(got) != 0 || next != "" {
		t.Errorf("ListClients of a pool without clients: %d, %q, %v", len(got), next, err)
	}
}

// ---------------------------------------------------------------------------
// Users

func testUserRoundTrip(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	empty := minimalUser("p1", "empty")
	empty.Attributes, empty.PendingAttributes, empty.MFA.Enabled = []storage.Attribute{}, []storage.Attribute{}, []storage.MFAFactor{}
	empty.Secrets = storage.UserSecrets{SRPSalt: []byte{}, Codes: []storage.Code{}}
	for _, u := range []storage.User{fullUser("p1", "full"), minimalUser("p1", "min"), empty} {
		must(t, s.CreateUser(ctx, u))
		got, err := s.GetUser(ctx, "p1", u.UsernameKey)
		must(t, err)
		same(t, "GetUser "+u.UsernameKey, u, got)
		got, err = s.GetUserBySub(ctx, "p1", u.Sub)
		must(t, err)
		same(t, "GetUserBySub "+u.UsernameKey, u, got)
	}
	// Times keep at least microsecond precision: nanoseconds may be dropped.
	u := minimalUser("p1", "nanos")
	u.CreatedAt = t0.Add(999) // nanoseconds below the fixture's microseconds
	must(t, s.CreateUser(ctx, u))
	got, err := s.GetUser(ctx, "p1", "nanos")
	must(t, err)
	if d := got.CreatedAt.Sub(u.CreatedAt.Truncate(1e3)); d < 0 || d >= 1e3 {
		t.Errorf("CreatedAt %v came back as %v", u.CreatedAt, got.CreatedAt)
	}
	_, err = s.GetUserBySub(ctx, "p1", "nope")
	wantIs(t, "GetUserBySub missing", err, storage.ErrNotFound)
	_, err = s.GetUserBySub(ctx, "p2", fullUser("p1", "full").Sub)
	wantIs(t, "GetUserBySub in another pool", err, storage.ErrNotFound)
}

func testUserErrors(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	must(t, s.CreateUser(ctx, fullUser("p1", "alice")))
	dupKey := minimalUser("p1", "alice")
	dupKey.Sub = "another-sub"
	wantIs(t, "CreateUser duplicate UsernameKey", s.CreateUser(ctx, dupKey), storage.ErrExists)
	dupSub := minimalUser("p1", "alice2")
	dupSub.Sub = fullUser("p1", "alice").Sub
	wantIs(t, "CreateUser duplicate Sub", s.CreateUser(ctx, dupSub), storage.ErrExists)
	if _, err := s.GetUser(ctx, "p1", "alice2"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("CreateUser with a duplicate Sub stored the user (%v)", err)
	}
	// Keys are unique per pool only.
	other := fullUser("p1", "alice")
	other.PoolID = "p2"
	must(t, s.CreateUser(ctx, other))
	wantIs(t, "CreateUser in a missing pool", s.CreateUser(ctx, minimalUser("nope", "x")), storage.ErrNotFound)
	_, err := s.GetUser(ctx, "p1", "nope")
	wantIs(t, "GetUser missing", err, storage.ErrNotFound)
	_, err = s.GetUser(ctx, "p3", "alice")
	wantIs(t, "GetUser in another pool", err, storage.ErrNotFound)
	called := false
	_, err = s.UpdateUser(ctx, "p1", "nope", func(*storage.User) error { called = true; return nil })
	wantIs(t, "UpdateUser missing", err, storage.ErrNotFound)
	if called {
		t.Error("UpdateUser called fn for a missing user")
	}
	wantIs(t, "DeleteUser missing", s.DeleteUser(ctx, "p1", "nope"), storage.ErrNotFound)
	// Case matters in keys: the caller folds them.
	must(t, s.CreateUser(ctx, minimalUser("p1", "Alice")))
}

func testUserUpdate(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	orig := fullUser("p1", "alice")
	must(t, s.CreateUser(ctx, orig))
	steps := []func(u *storage.User){
		// Change every mutable field.
		func(u *storage.User) {
			u.Username = "ALICE"
			u.Attributes = []storage.Attribute{{Name: "email", Value: "new@example.com"}, {Name: "name", Value: "Alice"}}
			u.PendingAttributes = nil
			u.Status = "RESET_REQUIRED"
			u.Enabled = false
			u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt, u.TokensRevokedAt = at(41), at(42), at(43), at(44)
			u.MFA = storage.UserMFA{Enabled: []storage.MFAFactor{"EMAIL_OTP"}, Preferred: "EMAIL_OTP", TOTPFriendlyName: "x", TOTPVerifiedAt: at(45), TOTPLastStep: 9}
			u.Lockout = storage.Lockout{Failures: 9, LastFailure: at(46), LockedUntil: at(47)}
			u.Secrets = storage.UserSecrets{PasswordHash: "$argon2id$new", SRPSalt: []byte{9}, SRPVerifier: []byte{8}, TOTPSecret: []byte{7},
				Codes: []storage.Code{{Purpose: "FORGOT_PASSWORD", Value: "999999", ExpiresAt: at(48), Attempts: 3}}}
		},
		// Clear everything.
		func(u *storage.User) {
			*u = minimalUser("p1", "alice")
		},
		// And back.
		func(u *storage.User) {
			*u = fullUser("p1", "alice")
		},
		// Change only secrets; only non-secrets.
		func(u *storage.User) {
			u.Secrets.Codes = append(u.Secrets.Codes, storage.Code{Purpose: "p", Value: "v"})
		},
		func(u *storage.User) { u.Lockout.Failures++ },
		// Nothing.
		func(u *storage.User) {},
	}
	want := orig
	for i, step := range steps {
		step(&want)
		got, err := s.UpdateUser(ctx, "p1", "alice", func(u *storage.User) error { step(u); return nil })
		must(t, err)
		same(t, fmt.Sprintf("UpdateUser result %d", i), want, got)
		got, err = s.GetUser(ctx, "p1", "alice")
		must(t, err)
		same(t, fmt.Sprintf("GetUser after update %d", i), want, got)
		got, err = s.GetUserBySub(ctx, "p1", want.Sub)
		must(t, err)
		same(t, fmt.Sprintf("GetUserBySub after update %d", i), want, got)
	}
	// fn sees the freshest copy.
	_, err := s.UpdateUser(ctx, "p1", "alice", func(u *storage.User) error {
		same(t, "UpdateUser fn argument", want, *u)
		return nil
	})
	must(t, err)
}

func testUserUpdateErrors(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	must(t, s.CreateUser(ctx, fullUser("p1", "alice")))
	_, err := s.UpdateUser(ctx, "p1", "alice", func(u *storage.User) error {
		u.Status = "not written"
		u.Attributes[0].Value = "not written"
		u.Secrets.PasswordHash = "not written"
		return errSentinel
	})
	if err != errSentinel {
		t.Errorf("UpdateUser fn error: got %v, want it unchanged", err)
	}
	got, err := s.GetUser(ctx, "p1", "alice")
	must(t, err)
	same(t, "GetUser after a failed update", fullUser("p1", "alice"), got)

	for name, change := range map[string]func(u *storage.User){
		"UsernameKey": func(u *storage.User) { u.UsernameKey = "bob" },
		"Sub":         func(u *storage.User) { u.Sub = "other-sub" },
		"PoolID":      func(u *storage.User) { u.PoolID = "p2" },
	} {
		if _, err := s.UpdateUser(ctx, "p1", "alice", func(u *storage.User) error { change(u); return nil }); err == nil {
			t.Errorf("UpdateUser changing the immutable %s succeeded", name)
		}
	}
	got, err = s.GetUser(ctx, "p1", "alice")
	must(t, err)
	same(t, "GetUser after refused updates", fullUser("p1", "alice"), got)
}

func testUserCopies(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	u := fullUser("p1", "alice")
	must(t, s.CreateUser(ctx, u))
	u.Attributes[0].Value = "changed"
	u.MFA.Enabled[0] = "changed"
	u.Secrets.SRPSalt[0] = 99
	u.Secrets.Codes[0].Value = "changed"
	got, err := s.GetUser(ctx, "p1", "alice")
	must(t, err)
	same(t, "GetUser after mutating the created value", fullUser("p1", "alice"), got)
	got.Attributes[0].Value = "changed"
	got.Secrets.TOTPSecret[0] = 99
	got, err = s.GetUser(ctx, "p1", "alice")
	must(t, err)
	same(t, "GetUser after mutating a returned value", fullUser("p1", "alice"), got)
	var kept *storage.User
	upd, err := s.UpdateUser(ctx, "p1", "alice", func(u *storage.User) error { kept = u; return nil })
	must(t, err)
	upd.Attributes[0].Value = "changed"
	kept.Attributes[1].Value = "changed"
	got, err = s.GetUser(ctx, "p1", "alice")
	must(t, err)
	same(t, "GetUser after mutating UpdateUser's values", fullUser("p1", "alice"), got)
}

func testUserDelete(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	must(t, s.CreateUser(ctx, fullUser("p1", "alice")))
	must(t, s.CreateUser(ctx, fullUser("p1", "bob")))
	must(t, s.CreateGroup(ctx, fullGroup("p1", "g1")))
	must(t, s.CreateGroup(ctx, fullGroup("p1", "g2")))
	for _, u := range []string{"alice", "bob"} {
		must(t, s.AddUserToGroup(ctx, "p1", "g1", u))
		must(t, s.AddUserToGroup(ctx, "p1", "g2", u))
		must(t, s.CreateDevice(ctx, fullDevice("p1", u, "dev-"+u)))
	}
	must(t, s.DeleteUser(ctx, "p1", "alice"))
	_, err := s.GetUser(ctx, "p1", "alice")
	wantIs(t, "GetUser after DeleteUser", err, storage.ErrNotFound)
	_, err = s.GetUserBySub(ctx, "p1", fullUser("p1", "alice").Sub)
	wantIs(t, "GetUserBySub after DeleteUser", err, storage.ErrNotFound)
	_, err = s.GetDevice(ctx, "p1", "dev-alice")
	wantIs(t, "GetDevice of a deleted user", err, storage.ErrNotFound)
	users, _, err := s.ListUsersInGroup(ctx, "p1", "g1", storage.Page{Limit: 10})
	must(t, err)
	if len(users) != 1 || users[0].UsernameKey != "bob" {
		t.Errorf("ListUsersInGroup after DeleteUser: %d users", len(users))
	}
	if _, err := s.GetDevice(ctx, "p1", "dev-bob"); err != nil {
		t.Errorf("DeleteUser deleted another user's device: %v", err)
	}
	// Recreated under the same key, the user starts without groups or devices.
	must(t, s.CreateUser(ctx, fullUser("p1", "alice")))
	groups, _, err := s.ListGroupsForUser(ctx, "p1", "alice", storage.Page{Limit: 10})
	must(t, err)
	devices, _, err := s.ListDevices(ctx, "p1", "alice", storage.Page{Limit: 10})
	must(t, err)
	if len(groups) != 0 || len(devices) != 0 {
		t.Errorf("recreated user inherited %d groups and %d devices", len(groups), len(devices))
	}
}

func testUserCount(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	for i := range 5 {
		mkUser(t, s, "p1", fmt.Sprintf("u%d", i))
	}
	mkUser(t, s, "p2", "u0")
	must(t, s.DeleteUser(ctx, "p1", "u3"))
	for pool, want := range map[string]int64{"p1": 4, "p2": 1, "p3": 0} {
		n, err := s.CountUsers(ctx, pool)
		must(t, err)
		if n != want {
			t.Errorf("CountUsers(%s) = %d, want %d", pool, n, want)
		}
	}
}

func withAttrs(u storage.User, kv ...string) storage.User {
	for i := 0; i+1 < len(kv); i += 2 {
		u.Attributes = append(u.Attributes, storage.Attribute{Name: kv[i], Value: kv[i+1]})
	}
	return u
}

func testFindUsersByAttribute(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	for _, u := range []storage.User{
		withAttrs(minimalUser("p1", "a"), "email", "Shared@Example.com", "phone_number", "+15550001", "preferred_username", "Ally"),
		withAttrs(minimalUser("p1", "b"), "email", "shared@example.COM", "phone_number", "+15550002", "preferred_username", "bobby"),
		withAttrs(minimalUser("p1", "c"), "email", "c@example.com", "preferred_username", "ALLY"),
		withAttrs(minimalUser("p1", "d")),
		withAttrs(minimalUser("p2", "a"), "email", "shared@example.com"),
	} {
		must(t, s.CreateUser(ctx, u))
	}
	for _, tc := range []struct {
		name, value string
		want        []string
	}{
		{"email", "shared@example.com", []string{"a", "b"}},
		{"email", "SHARED@EXAMPLE.COM", []string{"a", "b"}},
		{"email", "c@example.com", []string{"c"}},
		{"email", "shared@example", nil},
		{"phone_number", "+15550002", []string{"b"}},
		{"phone_number", "+1555000", nil},
		{"preferred_username", "ally", []string{"a", "c"}},
		{"preferred_username", "Bobby", []string{"b"}},
	} {
		users, err := s.FindUsersByAttribute(ctx, "p1", tc.name, tc.value)
		must(t, err)
		var got []string
		for _, u := range users {
			got = append(got, u.UsernameKey)
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("FindUsersByAttribute(%s, %q) = %q, want %q", tc.name, tc.value, got, tc.want)
		}
	}
	users, err := s.FindUsersByAttribute(ctx, "p1", "email", "c@example.com")
	must(t, err)
	if len(users) == 1 {
		same(t, "FindUsersByAttribute record", withAttrs(minimalUser("p1", "c"), "email", "c@example.com", "preferred_username", "ALLY"), users[0])
	}
}

// filterValue is the reference meaning of a ListUsers filter attribute.
func filterValue(u storage.User, attr string) (string, bool) {
	switch attr {
	case "username":
		return u.Username, true
	case "sub":
		return u.Sub, true
	case "cognito:user_status":
		return string(u.Status), true
	case "status":
		if u.Enabled {
			return "Enabled", true
		}
		return "Disabled", true
	}
	for _, a := range u.Attributes {
		if a.Name == attr {
			return a.Value, true
		}
	}
	return "", false
}

func filterMatch(u storage.User, q storage.UserQuery) bool {
	if q.Attribute == "" {
		return true
	}
	v, ok := filterValue(u, q.Attribute)
	if !ok {
		return false
	}
	want := q.Value
	if q.Fold {
		v, want = strings.ToLower(v), strings.ToLower(want)
	}
	if q.Prefix {
		return strings.HasPrefix(v, want)
	}
	return v == want
}

var filterAttributes = []string{"username", "email", "phone_number", "name", "given_name", "family_name",
	"preferred_username", "cognito:user_status", "status", "sub"}

func filterUsers() []storage.User {
	mk := func(key, username string, status storage.UserStatus, enabled bool, kv ...string) storage.User {
		u := withAttrs(minimalUser("p1", key), kv...)
		u.Username, u.Status, u.Enabled = username, status, enabled
		return u
	}
	return []storage.User{
		mk("alice", "Alice", "CONFIRMED", true, "email", "Alice@Example.com", "phone_number", "+15550001", "name", "Alice Smith",
			"given_name", "Alice", "family_name", "Smith", "preferred_username", "ally"),
		mk("bob", "bob", "UNCONFIRMED", false, "email", "bob@example.com", "phone_number", "+15550002", "name", "Bob Smith",
			"given_name", "Bob", "family_name", "smith", "preferred_username", "Bobby"),
		mk("carol", "Carol", "FORCE_CHANGE_PASSWORD", true, "email", "CAROL@example.org", "phone_number", "+4930123",
			"name", "Élodie Carol", "given_name", "Élodie", "family_name", "Carol"),
		mk("dave", "DAVE", "RESET_REQUIRED", false, "name", "dave", "given_name", "dave", "family_name", "Smithers", "preferred_username", "ally2"),
		mk("emile", "émile", "CONFIRMED", true, "email", "émile@example.com", "given_name", "élodie", "family_name", "SMITH"),
		mk("frank", "frank", "CONFIRMED", true, "email", "frank@example.com", "custom:name", "Alice"),
	}
}

func testListUsersFilters(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	users := filterUsers()
	for _, u := range users {
		must(t, s.CreateUser(ctx, u))
		other := u
		other.PoolID = "p2"
		must(t, s.CreateUser(ctx, other)) // never listed for p1
	}
	// Values to try per attribute: every user's value, its case variants
	// and prefixes, and a miss.
	seen := map[storage.UserQuery]bool{}
	var queries []storage.UserQuery
	add := func(q storage.UserQuery) {
		if !seen[q] {
			seen[q] = true
			queries = append(queries, q)
		}
	}
	add(storage.UserQuery{PoolID: "p1"})
	for _, attr := range filterAttributes {
		values := []string{"zz-no-match", ""}
		for _, u := range users {
			if v, ok := filterValue(u, attr); ok {
				r := []rune(v)
				values = append(values, v, strings.ToUpper(v), strings.ToLower(v), string(r[:min(2, len(r))]),
					strings.ToUpper(string(r[:min(3, len(r))])), v+"x")
			}
		}
		for _, v := range values {
			for _, prefix := range []bool{false, true} {
				for _, fold := range []bool{false, true} {
					add(storage.UserQuery{PoolID: "p1", Attribute: attr, Value: v, Prefix: prefix, Fold: fold})
				}
			}
		}
	}
	matched := 0
	for _, q := range queries {
		var want []string
		for _, u := range users {
			if filterMatch(u, q) {
				want = append(want, u.UsernameKey)
			}
		}
		slices.Sort(want)
		if len(want) > 0 {
			matched++
		}
		for _, limit := range []int{2, 100} {
			var got []string
			for _, u := range collect(t, limit, func(pg storage.Page) ([]storage.User, string, error) {
				q := q
				q.Page = pg
				return s.ListUsers(ctx, q)
			}) {
				got = append(got, u.UsernameKey)
			}
			if !slices.Equal(got, want) {
				t.Errorf("ListUsers(%s %q prefix=%v fold=%v, limit %d) = %q, want %q", q.Attribute, q.Value, q.Prefix, q.Fold, limit, got, want)
			}
		}
	}
	if matched < len(queries)/3 {
		t.Errorf("only %d of %d filter queries match anything; the fixture is too weak", matched, len(queries))
	}
	// Records come back whole.
	got, _, err := s.ListUsers(ctx, storage.UserQuery{PoolID: "p1", Attribute: "email", Value: "bob@example.com", Page: storage.Page{Limit: 5}})
	must(t, err)
	if len(got) == 1 {
		same(t, "ListUsers record", users[1], got[0])
	}
	if _, _, err := s.ListUsers(ctx, storage.UserQuery{PoolID: "p1", Attribute: "custom:name", Value: "x", Page: storage.Page{Limit: 5}}); err == nil {
		t.Error("ListUsers with an unsupported filter attribute succeeded")
	}
}

func testUserList(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	var want []string
	for i := range 11 {
		key := fmt.Sprintf("user-%02d", (i*7)%11)
		must(t, s.CreateUser(ctx, fullUser("p1", key)))
		want = append(want, key)
	}
	for _, key := range []string{"Zed", "_x", "ärger", "0"} {
		must(t, s.CreateUser(ctx, fullUser("p1", key)))
		want = append(want, key)
	}
	mkUser(t, s, "p2", "user-00")
	slices.Sort(want)
	checkPaging(t, "ListUsers", want, func(u storage.User) string { return u.UsernameKey },
		func(pg storage.Page) ([]storage.User, string, error) {
			return s.ListUsers(ctx, storage.UserQuery{PoolID: "p1", Page: pg})
		})
	for _, u := range collect(t, 4, func(pg storage.Page) ([]storage.User, string, error) {
		return s.ListUsers(ctx, storage.UserQuery{PoolID: "p1", Page: pg})
	}) {
		same(t, "ListUsers record", fullUser("p1", u.UsernameKey), u)
	}
}

func testUserConcurrentUpdates(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkUser(t, s, "p1", "counter")
	mkUser(t, s, "p1", "mixed")
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, errs[i] = s.UpdateUser(ctx, "p1", "counter", func(u *storage.User) error {
				u.Lockout.Failures++
				return nil
			})
		}()
		// Half of these fail after changing the record: only the others
		// count, and each failure comes back unchanged.
		go func() {
			defer wg.Done()
			_, errs[n+i] = s.UpdateUser(ctx, "p1", "mixed", func(u *storage.User) error {
				u.Lockout.Failures++
				u.MFA.TOTPLastStep += 1000
				if i%2 == 1 {
					return errSentinel
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		wantErr := error(nil)
		if i >= n && (i-n)%2 == 1 {
			wantErr = errSentinel
		}
		if err != wantErr {
			t.Errorf("update %d: got %v, want %v", i, err, wantErr)
		}
	}
	u, err := s.GetUser(ctx, "p1", "counter")
	must(t, err)
	if u.Lockout.Failures != n {
		t.Errorf("after %d concurrent increments the counter is %d", n, u.Lockout.Failures)
	}
	u, err = s.GetUser(ctx, "p1", "mixed")
	must(t, err)
	if u.Lockout.Failures != n/2 || u.MFA.TOTPLastStep != 1000*n/2 {
		t.Errorf("after %d successful and %d failed increments: %d, %d", n/2, n/2, u.Lockout.Failures, u.MFA.TOTPLastStep)
	}
}

func testUserConcurrentCreates(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	const n = 30
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every third one collides with an earlier key.
			key := fmt.Sprintf("u%02d", i)
			if i%3 == 2 {
				key = fmt.Sprintf("u%02d", i-1)
			}
			u := minimalUser("p1", key)
			u.Sub = fmt.Sprintf("sub-%02d", i)
			errs[i] = s.CreateUser(ctx, u)
		}()
	}
	wg.Wait()
	ok, exists := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, storage.ErrExists):
			exists++
		default:
			t.Errorf("CreateUser: %v", err)
		}
	}
	count, err := s.CountUsers(ctx, "p1")
	must(t, err)
	if ok != 20 || exists != 10 || count != 20 {
		t.Errorf("concurrent creates: %d ok, %d ErrExists, %d stored; want 20, 10, 20", ok, exists, count)
	}
}

func testUserCancelledContext(t *testing.T, s storage.Store) {
	mkPool(t, s, "p1")
	mkUser(t, s, "p1", "alice")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.CreateUser(ctx, minimalUser("p1", "bob")); err == nil {
		t.Error("CreateUser with a cancelled context succeeded")
	}
	if _, err := s.UpdateUser(ctx, "p1", "alice", func(u *storage.User) error { u.Status = "CHANGED"; return nil }); err == nil {
		t.Error("UpdateUser with a cancelled context succeeded")
	}
	if err := s.DeleteUser(ctx, "p1", "alice"); err == nil {
		t.Error("DeleteUser with a cancelled context succeeded")
	}
	if _, err := s.GetUser(t.Context(), "p1", "bob"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("CreateUser with a cancelled context stored the user (%v)", err)
	}
	u, err := s.GetUser(t.Context(), "p1", "alice")
	must(t, err)
	same(t, "user after cancelled calls", minimalUser("p1", "alice"), u)
}

// ---------------------------------------------------------------------------
// Groups

func testGroupRoundTrip(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	zero := fullGroup("p1", "zero")
	zero.Precedence = i32(0)
	for _, g := range []storage.Group{fullGroup("p1", "full"), {PoolID: "p1", Name: "min"}, zero} {
		must(t, s.CreateGroup(ctx, g))
		got, err := s.GetGroup(ctx, "p1", g.Name)
		must(t, err)
		same(t, "GetGroup "+g.Name, g, got)
	}
	g := fullGroup("p1", "copies")
	must(t, s.CreateGroup(ctx, g))
	*g.Precedence = 99
	got, err := s.GetGroup(ctx, "p1", "copies")
	must(t, err)
	*got.Precedence = 98
	got, err = s.GetGroup(ctx, "p1", "copies")
	must(t, err)
	same(t, "GetGroup after mutations", fullGroup("p1", "copies"), got)
}

func testGroupErrors(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	must(t, s.CreateGroup(ctx, fullGroup("p1", "g")))
	wantIs(t, "CreateGroup duplicate", s.CreateGroup(ctx, fullGroup("p1", "g")), storage.ErrExists)
	must(t, s.CreateGroup(ctx, fullGroup("p2", "g")))
	wantIs(t, "CreateGroup in a missing pool", s.CreateGroup(ctx, fullGroup("nope", "g")), storage.ErrNotFound)
	_, err := s.GetGroup(ctx, "p1", "nope")
	wantIs(t, "GetGroup missing", err, storage.ErrNotFound)
	_, err = s.UpdateGroup(ctx, "p1", "nope", func(*storage.Group) error { return nil })
	wantIs(t, "UpdateGroup missing", err, storage.ErrNotFound)
	wantIs(t, "DeleteGroup missing", s.DeleteGroup(ctx, "p1", "nope"), storage.ErrNotFound)
	must(t, s.DeleteGroup(ctx, "p1", "g"))
	_, err = s.GetGroup(ctx, "p1", "g")
	wantIs(t, "GetGroup after DeleteGroup", err, storage.ErrNotFound)
	if _, err := s.GetGroup(ctx, "p2", "g"); err != nil {
		t.Errorf("DeleteGroup deleted the group of another pool: %v", err)
	}
}

func testGroupUpdate(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	must(t, s.CreateGroup(ctx, fullGroup("p1", "g")))
	want := fullGroup("p1", "g")
	for i, step := range []func(g *storage.Group){
		func(g *storage.Group) {
			g.Description, g.RoleArn, g.Precedence, g.UpdatedAt = "d2", "arn2", i32(0), at(33)
		},
		func(g *storage.Group) { g.Precedence = nil },
		func(g *storage.Group) { g.Precedence, g.CreatedAt = i32(-5), at(34) },
	} {
		step(&want)
		got, err := s.UpdateGroup(ctx, "p1", "g", func(g *storage.Group) error { step(g); return nil })
		must(t, err)
		same(t, fmt.Sprintf("UpdateGroup result %d", i), want, got)
		got, err = s.GetGroup(ctx, "p1", "g")
		must(t, err)
		same(t, fmt.Sprintf("GetGroup after update %d", i), want, got)
	}
	_, err := s.UpdateGroup(ctx, "p1", "g", func(g *storage.Group) error { g.Description = "x"; return errSentinel })
	if err != errSentinel {
		t.Errorf("UpdateGroup fn error: got %v, want it unchanged", err)
	}
	if _, err := s.UpdateGroup(ctx, "p1", "g", func(g *storage.Group) error { g.Name = "h"; return nil }); err == nil {
		t.Error("UpdateGroup renaming the group succeeded")
	}
	got, err := s.GetGroup(ctx, "p1", "g")
	must(t, err)
	same(t, "GetGroup after refused updates", want, got)
}

func testGroupList(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	var want []string
	for _, name := range []string{"b", "a", "C", "aa", "Admins", "z-last", "0"} {
		must(t, s.CreateGroup(ctx, fullGroup("p1", name)))
		must(t, s.CreateGroup(ctx, fullGroup("p2", "other-"+name)))
		want = append(want, name)
	}
	slices.Sort(want)
	checkPaging(t, "ListGroups", want, func(g storage.Group) string { return g.Name },
		func(pg storage.Page) ([]storage.Group, string, error) { return s.ListGroups(ctx, "p1", pg) })
	for _, g := range collect(t, 3, func(pg storage.Page) ([]storage.Group, string, error) { return s.ListGroups(ctx, "p1", pg) }) {
		same(t, "ListGroups record", fullGroup("p1", g.Name), g)
	}
}

func testGroupMembership(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	mkUser(t, s, "p1", "alice")
	mkUser(t, s, "p2", "bob")
	must(t, s.CreateGroup(ctx, fullGroup("p1", "g")))
	must(t, s.AddUserToGroup(ctx, "p1", "g", "alice"))
	must(t, s.AddUserToGroup(ctx, "p1", "g", "alice")) // idempotent
	wantIs(t, "AddUserToGroup missing user", s.AddUserToGroup(ctx, "p1", "g", "nope"), storage.ErrNotFound)
	wantIs(t, "AddUserToGroup user of another pool", s.AddUserToGroup(ctx, "p1", "g", "bob"), storage.ErrNotFound)
	wantIs(t, "AddUserToGroup missing group", s.AddUserToGroup(ctx, "p1", "nope", "alice"), storage.ErrNotFound)
	groups, next, err := s.ListGroupsForUser(ctx, "p1", "alice", storage.Page{Limit: 10})
	must(t, err)
	if len(groups) != 1 || next != "" {
		t.Fatalf("ListGroupsForUser: %d groups, next %q", len(groups), next)
	}
	same(t, "ListGroupsForUser record", fullGroup("p1", "g"), groups[0])
	users, _, err := s.ListUsersInGroup(ctx, "p1", "g", storage.Page{Limit: 10})
	must(t, err)
	if len(users) != 1 {
		t.Fatalf("ListUsersInGroup: %d users", len(users))
	}
	same(t, "ListUsersInGroup record", minimalUser("p1", "alice"), users[0])

	must(t, s.RemoveUserFromGroup(ctx, "p1", "g", "alice"))
	must(t, s.RemoveUserFromGroup(ctx, "p1", "g", "alice")) // idempotent
	must(t, s.RemoveUserFromGroup(ctx, "p1", "nope", "nope"))
	users, _, err = s.ListUsersInGroup(ctx, "p1", "g", storage.Page{Limit: 10})
	must(t, err)
	if len(users) != 0 {
		t.Errorf("ListUsersInGroup after RemoveUserFromGroup: %d users", len(users))
	}

	// DeleteGroup removes memberships: a new group of that name is empty.
	must(t, s.AddUserToGroup(ctx, "p1", "g", "alice"))
	must(t, s.DeleteGroup(ctx, "p1", "g"))
	groups, _, err = s.ListGroupsForUser(ctx, "p1", "alice", storage.Page{Limit: 10})
	must(t, err)
	if len(groups) != 0 {
		t.Errorf("ListGroupsForUser after DeleteGroup: %d groups", len(groups))
	}
	must(t, s.CreateGroup(ctx, fullGroup("p1", "g")))
	users, _, err = s.ListUsersInGroup(ctx, "p1", "g", storage.Page{Limit: 10})
	must(t, err)
	if len(users) != 0 {
		t.Errorf("recreated group inherited %d members", len(users))
	}
}

func testGroupMembershipLists(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	var groups, users []string
	for i := range 6 {
		g := fmt.Sprintf("group-%d", (i*5)%6)
		must(t, s.CreateGroup(ctx, fullGroup("p1", g)))
		groups = append(groups, g)
	}
	must(t, s.CreateGroup(ctx, fullGroup("p1", "unrelated")))
	for i := range 7 {
		u := fmt.Sprintf("user-%d", (i*3)%7)
		must(t, s.CreateUser(ctx, fullUser("p1", u)))
		users = append(users, u)
	}
	mkUser(t, s, "p1", "loner")
	for _, g := range groups {
		must(t, s.AddUserToGroup(ctx, "p1", g, "user-0"))
	}
	for _, u := range users {
		must(t, s.AddUserToGroup(ctx, "p1", "group-0", u))
	}
	slices.Sort(groups)
	slices.Sort(users)
	checkPaging(t, "ListGroupsForUser", groups, func(g storage.Group) string { return g.Name },
		func(pg storage.Page) ([]storage.Group, string, error) {
			return s.ListGroupsForUser(ctx, "p1", "user-0", pg)
		})
	checkPaging(t, "ListUsersInGroup", users, func(u storage.User) string { return u.UsernameKey },
		func(pg storage.Page) ([]storage.User, string, error) {
			return s.ListUsersInGroup(ctx, "p1", "group-0", pg)
		})
	for _, u := range collect(t, 2, func(pg storage.Page) ([]storage.User, string, error) {
		return s.ListUsersInGroup(ctx, "p1", "group-0", pg)
	}) {
		same(t, "ListUsersInGroup record", fullUser("p1", u.UsernameKey), u)
	}
}

// ---------------------------------------------------------------------------
// Devices

func testDeviceRoundTrip(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkUser(t, s, "p1", "alice")
	for _, d := range []storage.Device{
		fullDevice("p1", "alice", "us-east-1_full"),
		{PoolID: "p1", UsernameKey: "alice", Key: "us-east-1_min"},
	} {
		must(t, s.CreateDevice(ctx, d))
		got, err := s.GetDevice(ctx, "p1", d.Key)
		must(t, err)
		same(t, "GetDevice "+d.Key, d, got)
	}
	d := fullDevice("p1", "alice", "copies")
	must(t, s.CreateDevice(ctx, d))
	d.Secrets.Salt[0] = 'X'
	d.Attributes[0].Value = "X"
	got, err := s.GetDevice(ctx, "p1", "copies")
	must(t, err)
	got.Secrets.Verifier[0] = 'X'
	got, err = s.GetDevice(ctx, "p1", "copies")
	must(t, err)
	same(t, "GetDevice after mutations", fullDevice("p1", "alice", "copies"), got)
}

func testDeviceErrors(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkUser(t, s, "p1", "alice")
	mkUser(t, s, "p1", "bob")
	must(t, s.CreateDevice(ctx, fullDevice("p1", "alice", "d1")))
	wantIs(t, "CreateDevice duplicate", s.CreateDevice(ctx, fullDevice("p1", "alice", "d1")), storage.ErrExists)
	wantIs(t, "CreateDevice duplicate key for another user", s.CreateDevice(ctx, fullDevice("p1", "bob", "d1")), storage.ErrExists)
	wantIs(t, "CreateDevice for a missing user", s.CreateDevice(ctx, fullDevice("p1", "nope", "d2")), storage.ErrNotFound)
	_, err := s.GetDevice(ctx, "p1", "nope")
	wantIs(t, "GetDevice missing", err, storage.ErrNotFound)
	_, err = s.UpdateDevice(ctx, "p1", "nope", func(*storage.Device) error { return nil })
	wantIs(t, "UpdateDevice missing", err, storage.ErrNotFound)
	wantIs(t, "DeleteDevice missing", s.DeleteDevice(ctx, "p1", "nope"), storage.ErrNotFound)
	must(t, s.DeleteDevice(ctx, "p1", "d1"))
	_, err = s.GetDevice(ctx, "p1", "d1")
	wantIs(t, "GetDevice after DeleteDevice", err, storage.ErrNotFound)
}

func testDeviceUpdate(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkUser(t, s, "p1", "alice")
	mkUser(t, s, "p1", "bob")
	must(t, s.CreateDevice(ctx, fullDevice("p1", "alice", "d1")))
	want := fullDevice("p1", "alice", "d1")
	for i, step := range []func(d *storage.Device){
		func(d *storage.Device) {
			d.GroupKey, d.Name, d.Remembered, d.Confirmed = "g2", "n2", "not_remembered", false
			d.Attributes = []storage.Attribute{{Name: "device_name", Value: "phone"}}
			d.CreatedAt, d.UpdatedAt, d.LastAuthenticatedAt = at(35), at(36), at(37)
		},
		func(d *storage.Device) { d.Secrets = storage.DeviceSecrets{Salt: []byte("s2"), Verifier: []byte("v2")} },
		func(d *storage.Device) { d.Secrets = storage.DeviceSecrets{}; d.Attributes = nil },
	} {
		step(&want)
		got, err := s.UpdateDevice(ctx, "p1", "d1", func(d *storage.Device) error { step(d); return nil })
		must(t, err)
		same(t, fmt.Sprintf("UpdateDevice result %d", i), want, got)
		got, err = s.GetDevice(ctx, "p1", "d1")
		must(t, err)
		same(t, fmt.Sprintf("GetDevice after update %d", i), want, got)
	}
	_, err := s.UpdateDevice(ctx, "p1", "d1", func(d *storage.Device) error { d.Name = "x"; return errSentinel })
	if err != errSentinel {
		t.Errorf("UpdateDevice fn error: got %v, want it unchanged", err)
	}
	if _, err := s.UpdateDevice(ctx, "p1", "d1", func(d *storage.Device) error { d.UsernameKey = "bob"; return nil }); err == nil {
		t.Error("UpdateDevice moving the device to another user succeeded")
	}
	got, err := s.GetDevice(ctx, "p1", "d1")
	must(t, err)
	same(t, "GetDevice after refused updates", want, got)
}

func testDeviceList(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkUser(t, s, "p1", "alice")
	mkUser(t, s, "p1", "bob")
	var want []string
	for i := range 7 {
		key := fmt.Sprintf("us-east-1_%d", (i*3)%7)
		must(t, s.CreateDevice(ctx, fullDevice("p1", "alice", key)))
		must(t, s.CreateDevice(ctx, fullDevice("p1", "bob", "bob-"+key)))
		want = append(want, key)
	}
	slices.Sort(want)
	checkPaging(t, "ListDevices", want, func(d storage.Device) string { return d.Key },
		func(pg storage.Page) ([]storage.Device, string, error) { return s.ListDevices(ctx, "p1", "alice", pg) })
	for _, d := range collect(t, 3, func(pg storage.Page) ([]storage.Device, string, error) { return s.ListDevices(ctx, "p1", "alice", pg) }) {
		same(t, "ListDevices record", fullDevice("p1", "alice", d.Key), d)
	}
}

// ---------------------------------------------------------------------------
// Sessions

func testSessionRoundTrip(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	for _, sess := range []storage.AuthSession{fullSession("p1", "full"), {ID: "min", PoolID: "p1"}, {ID: "empty", PoolID: "p1", State: []byte{}}} {
		must(t, s.CreateSession(ctx, sess))
		got, err := s.GetSession(ctx, sess.ID)
		must(t, err)
		same(t, "GetSession "+sess.ID, sess, got)
	}
	sess := fullSession("p1", "copies")
	must(t, s.CreateSession(ctx, sess))
	sess.State[0] = 'X'
	got, err := s.GetSession(ctx, "copies")
	must(t, err)
	got.State[1] = 'X'
	got, err = s.GetSession(ctx, "copies")
	must(t, err)
	same(t, "GetSession after mutations", fullSession("p1", "copies"), got)
}

func testSessionErrors(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	must(t, s.CreateSession(ctx, fullSession("p1", "s1")))
	wantIs(t, "CreateSession duplicate", s.CreateSession(ctx, fullSession("p1", "s1")), storage.ErrExists)
	wantIs(t, "CreateSession in a missing pool", s.CreateSession(ctx, fullSession("nope", "s2")), storage.ErrNotFound)
	_, err := s.GetSession(ctx, "nope")
	wantIs(t, "GetSession missing", err, storage.ErrNotFound)
	_, err = s.UpdateSession(ctx, "nope", func(*storage.AuthSession) error { return nil })
	wantIs(t, "UpdateSession missing", err, storage.ErrNotFound)
}

func testSessionUpdate(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	must(t, s.CreateSession(ctx, fullSession("p1", "s1")))
	want := fullSession("p1", "s1")
	for i, step := range []func(x *storage.AuthSession){
		func(x *storage.AuthSession) { x.Used, x.Attempts = false, 0 },
		func(x *storage.AuthSession) {
			x.Attempts, x.State, x.ExpiresAt, x.ClientID = 3, []byte("next"), at(60), "c2"
		},
		func(x *storage.AuthSession) { x.Used, x.State = true, nil },
	} {
		step(&want)
		got, err := s.UpdateSession(ctx, "s1", func(x *storage.AuthSession) error { step(x); return nil })
		must(t, err)
		same(t, fmt.Sprintf("UpdateSession result %d", i), want, got)
		got, err = s.GetSession(ctx, "s1")
		must(t, err)
		same(t, fmt.Sprintf("GetSession after update %d", i), want, got)
	}
	_, err := s.UpdateSession(ctx, "s1", func(x *storage.AuthSession) error { x.Used = false; return errSentinel })
	if err != errSentinel {
		t.Errorf("UpdateSession fn error: got %v, want it unchanged", err)
	}
	if _, err := s.UpdateSession(ctx, "s1", func(x *storage.AuthSession) error { x.ID = "s2"; return nil }); err == nil {
		t.Error("UpdateSession changing the ID succeeded")
	}
	got, err := s.GetSession(ctx, "s1")
	must(t, err)
	same(t, "GetSession after refused updates", want, got)
}

func testSessionExpiry(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	for i := 1; i <= 5; i++ {
		sess := fullSession("p1", fmt.Sprintf("s%d", i))
		sess.ExpiresAt = at(i)
		must(t, s.CreateSession(ctx, sess))
	}
	n, err := s.DeleteExpiredSessions(ctx, at(3))
	must(t, err)
	if n != 2 {
		t.Errorf("DeleteExpiredSessions(at(3)) removed %d, want 2 (expiring at exactly t is not expired before t)", n)
	}
	for i := 1; i <= 5; i++ {
		_, err := s.GetSession(ctx, fmt.Sprintf("s%d", i))
		if gone := errors.Is(err, storage.ErrNotFound); gone != (i < 3) {
			t.Errorf("session %d: gone=%v, err %v", i, gone, err)
		}
	}
	n, err = s.DeleteExpiredSessions(ctx, at(3))
	must(t, err)
	if n != 0 {
		t.Errorf("DeleteExpiredSessions again removed %d", n)
	}
	n, err = s.DeleteExpiredSessions(ctx, at(100).In(elsewhere))
	must(t, err)
	if n != 3 {
		t.Errorf("DeleteExpiredSessions(at(100)) removed %d, want 3", n)
	}
}

// ---------------------------------------------------------------------------
// Signing keys

func testSigningKeyRoundTrip(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	var want []storage.SigningKey
	for _, n := range []int{3, 1, 2} {
		k := fullSigningKey("p1", fmt.Sprintf("kid-%d", n))
		k.CreatedAt = at(n)
		if n == 3 {
			k.RetiredAt = time.Time{}
		}
		must(t, s.AddSigningKey(ctx, k))
		want = append(want, k)
	}
	must(t, s.AddSigningKey(ctx, storage.SigningKey{PoolID: "p2", KID: "other"}))
	slices.SortFunc(want, func(a, b storage.SigningKey) int { return a.CreatedAt.Compare(b.CreatedAt) })
	got, err := s.ListSigningKeys(ctx, "p1")
	must(t, err)
	if len(got) != len(want) {
		t.Fatalf("ListSigningKeys: %d keys, want %d", len(got), len(want))
	}
	for i := range want {
		same(t, fmt.Sprintf("ListSigningKeys[%d] (oldest first)", i), want[i], got[i])
	}
	got[0].PrivateKey[0] = 'X'
	got, err = s.ListSigningKeys(ctx, "p1")
	must(t, err)
	same(t, "ListSigningKeys after mutation", want[0], got[0])
	got, err = s.ListSigningKeys(ctx, "p3")
	if err != nil || len(got) != 0 {
		t.Errorf("ListSigningKeys of a pool without keys: %d, %v", len(got), err)
	}
}

func testSigningKeyErrors(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	must(t, s.AddSigningKey(ctx, fullSigningKey("p1", "k")))
	wantIs(t, "AddSigningKey duplicate", s.AddSigningKey(ctx, fullSigningKey("p1", "k")), storage.ErrExists)
	must(t, s.AddSigningKey(ctx, fullSigningKey("p2", "k")))
	wantIs(t, "AddSigningKey in a missing pool", s.AddSigningKey(ctx, fullSigningKey("nope", "k")), storage.ErrNotFound)
	_, err := s.UpdateSigningKey(ctx, "p1", "nope", func(*storage.SigningKey) error { return nil })
	wantIs(t, "UpdateSigningKey missing", err, storage.ErrNotFound)
}

func testSigningKeyUpdate(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	k := fullSigningKey("p1", "k")
	k.RetiredAt = time.Time{}
	must(t, s.AddSigningKey(ctx, k))
	want := k
	for i, step := range []func(k *storage.SigningKey){
		func(k *storage.SigningKey) { k.RetiredAt = at(70) },
		func(k *storage.SigningKey) { k.Use, k.PrivateKey, k.CreatedAt = "id", []byte("rotated"), at(71) },
	} {
		step(&want)
		got, err := s.UpdateSigningKey(ctx, "p1", "k", func(k *storage.SigningKey) error { step(k); return nil })
		must(t, err)
		same(t, fmt.Sprintf("UpdateSigningKey result %d", i), want, got)
		keys, err := s.ListSigningKeys(ctx, "p1")
		must(t, err)
		if len(keys) == 1 {
			same(t, fmt.Sprintf("ListSigningKeys after update %d", i), want, keys[0])
		}
	}
	_, err := s.UpdateSigningKey(ctx, "p1", "k", func(k *storage.SigningKey) error { k.RetiredAt = time.Time{}; return errSentinel })
	if err != errSentinel {
		t.Errorf("UpdateSigningKey fn error: got %v, want it unchanged", err)
	}
	if _, err := s.UpdateSigningKey(ctx, "p1", "k", func(k *storage.SigningKey) error { k.KID = "k2"; return nil }); err == nil {
		t.Error("UpdateSigningKey changing the KID succeeded")
	}
	keys, err := s.ListSigningKeys(ctx, "p1")
	must(t, err)
	if len(keys) != 1 {
		t.Fatalf("%d keys after refused updates", len(keys))
	}
	same(t, "key after refused updates", want, keys[0])
}

// ---------------------------------------------------------------------------
// Revocations

func testRevocation(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	revoked := func(pool, jti string) bool {
		t.Helper()
		r, err := s.TokensRevoked(ctx, pool, jti)
		must(t, err)
		return r
	}
	if revoked("p1", "jti-1") {
		t.Error("TokensRevoked before RevokeTokens")
	}
	must(t, s.RevokeTokens(ctx, "p1", "jti-1", at(100)))
	must(t, s.RevokeTokens(ctx, "p1", "jti-1", at(50))) // idempotent
	must(t, s.RevokeTokens(ctx, "p1", "jti-1", at(200)))
	if !revoked("p1", "jti-1") {
		t.Error("TokensRevoked after RevokeTokens = false")
	}
	if revoked("p1", "jti-2") || revoked("p2", "jti-1") {
		t.Error("revocation leaked to another token family or pool")
	}
}

// ---------------------------------------------------------------------------
// Messages

func testMessages(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	var all, alice []storage.Message
	var last int64
	for i, who := range []string{"alice", "bob", "alice", "alice", "bob"} {
		m, err := s.AppendMessage(ctx, fullMessage("p1", who, i))
		must(t, err)
		if m.ID <= last {
			t.Errorf("message %d got ID %d after %d: IDs must increase", i, m.ID, last)
		}
		last = m.ID
		want := fullMessage("p1", who, i)
		want.ID = m.ID
		same(t, "AppendMessage result", want, m)
		all = append(all, want)
		if who == "alice" {
			alice = append(alice, want)
		}
		_, err = s.AppendMessage(ctx, fullMessage("p2", who, i))
		must(t, err)
	}
	_, err := s.AppendMessage(ctx, fullMessage("nope", "alice", 1))
	wantIs(t, "AppendMessage to a missing pool", err, storage.ErrNotFound)
	got, err := s.ListMessages(ctx, "p1", "alice")
	must(t, err)
	same(t, "ListMessages(alice)", alice, got)
	got, err = s.ListMessages(ctx, "p1", "")
	must(t, err)
	same(t, "ListMessages(pool)", all, got)
	got, err = s.ListMessages(ctx, "p1", "carol")
	if err != nil || len(got) != 0 {
		t.Errorf("ListMessages for a user without messages: %d, %v", len(got), err)
	}
	// Expiry: messages i = 0, 1, 2 of both pools expired before at(125).
	n, err := s.DeleteExpiredMessages(ctx, at(125))
	must(t, err)
	if n != 6 {
		t.Errorf("DeleteExpiredMessages removed %d messages, want 6", n)
	}
	got, err = s.ListMessages(ctx, "p1", "")
	must(t, err)
	same(t, "ListMessages after DeleteExpiredMessages", all[3:], got)
	if n, err := s.DeleteExpiredMessages(ctx, at(125)); err != nil || n != 0 {
		t.Errorf("DeleteExpiredMessages again: %d, %v", n, err)
	}
}

// ---------------------------------------------------------------------------
// Auth events

func testAuthEventRoundTrip(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkUser(t, s, "p1", "alice")
	for _, e := range []storage.AuthEvent{
		fullAuthEvent("p1", "alice", "full", at(1)),
		{PoolID: "p1", UsernameKey: "alice", ID: "min"},
		{PoolID: "p1", UsernameKey: "alice", ID: "zerofeedback", Feedback: &storage.EventFeedback{}, ChallengeResponses: []storage.ChallengeResult{}},
	} {
		must(t, s.AddAuthEvent(ctx, e))
		got, err := s.GetAuthEvent(ctx, "p1", "alice", e.ID)
		must(t, err)
		same(t, "GetAuthEvent "+e.ID, e, got)
	}
}

func testAuthEventErrors(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkUser(t, s, "p1", "alice")
	mkUser(t, s, "p1", "bob")
	must(t, s.AddAuthEvent(ctx, fullAuthEvent("p1", "alice", "e1", at(1))))
	wantIs(t, "AddAuthEvent duplicate", s.AddAuthEvent(ctx, fullAuthEvent("p1", "alice", "e1", at(2))), storage.ErrExists)
	must(t, s.AddAuthEvent(ctx, fullAuthEvent("p1", "bob", "e1", at(1)))) // IDs are per user
	wantIs(t, "AddAuthEvent for a missing user", s.AddAuthEvent(ctx, fullAuthEvent("p1", "nope", "e2", at(1))), storage.ErrNotFound)
	_, err := s.GetAuthEvent(ctx, "p1", "alice", "nope")
	wantIs(t, "GetAuthEvent missing", err, storage.ErrNotFound)
	_, err = s.GetAuthEvent(ctx, "p1", "carol", "e1")
	wantIs(t, "GetAuthEvent of another user", err, storage.ErrNotFound)
	_, err = s.UpdateAuthEvent(ctx, "p1", "alice", "nope", func(*storage.AuthEvent) error { return nil })
	wantIs(t, "UpdateAuthEvent missing", err, storage.ErrNotFound)
}

func testAuthEventUpdate(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkUser(t, s, "p1", "alice")
	e := fullAuthEvent("p1", "alice", "e1", at(1))
	e.Feedback = nil
	must(t, s.AddAuthEvent(ctx, e))
	want := e
	for i, step := range []func(e *storage.AuthEvent){
		func(e *storage.AuthEvent) {
			e.Feedback = &storage.EventFeedback{Value: "Invalid", Provider: "cognito", Date: at(80)}
		},
		func(e *storage.AuthEvent) {
			e.Response, e.RiskDecision, e.RiskLevel, e.CompromisedCredentials = "Fail", "Block", "High", false
			e.ChallengeResponses = nil
			e.Context.City = "Paris"
			e.FeedbackTokenHash = ""
			e.CreatedAt = at(81)
		},
	} {
		step(&want)
		got, err := s.UpdateAuthEvent(ctx, "p1", "alice", "e1", func(e *storage.AuthEvent) error { step(e); return nil })
		must(t, err)
		same(t, fmt.Sprintf("UpdateAuthEvent result %d", i), want, got)
		got, err = s.GetAuthEvent(ctx, "p1", "alice", "e1")
		must(t, err)
		same(t, fmt.Sprintf("GetAuthEvent after update %d", i), want, got)
	}
	_, err := s.UpdateAuthEvent(ctx, "p1", "alice", "e1", func(e *storage.AuthEvent) error { e.Feedback = nil; return errSentinel })
	if err != errSentinel {
		t.Errorf("UpdateAuthEvent fn error: got %v, want it unchanged", err)
	}
	if _, err := s.UpdateAuthEvent(ctx, "p1", "alice", "e1", func(e *storage.AuthEvent) error { e.ID = "e2"; return nil }); err == nil {
		t.Error("UpdateAuthEvent changing the ID succeeded")
	}
	got, err := s.GetAuthEvent(ctx, "p1", "alice", "e1")
	must(t, err)
	same(t, "GetAuthEvent after refused updates", want, got)
}

func testAuthEventList(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkUser(t, s, "p1", "alice")
	mkUser(t, s, "p1", "bob")
	// Added out of order; three share a time.
	created := map[string]time.Time{}
	for _, n := range []int{4, 1, 6, 2, 5, 3} {
		id := fmt.Sprintf("e%d", n)
		created[id] = at(n)
		must(t, s.AddAuthEvent(ctx, fullAuthEvent("p1", "alice", id, at(n))))
		must(t, s.AddAuthEvent(ctx, fullAuthEvent("p1", "bob", id, at(n))))
	}
	for _, id := range []string{"tie-b", "tie-a", "tie-c"} {
		created[id] = at(3)
		must(t, s.AddAuthEvent(ctx, fullAuthEvent("p1", "alice", id, at(3))))
	}
	for _, limit := range []int{1, 2, 4, 9, 10, 50} {
		events := collect(t, limit, func(pg storage.Page) ([]storage.AuthEvent, string, error) {
			return s.ListAuthEvents(ctx, "p1", "alice", pg)
		})
		if len(events) != len(created) {
			t.Errorf("ListAuthEvents limit %d: %d events, want %d", limit, len(events), len(created))
		}
		seen := map[string]bool{}
		for i, e := range events {
			if seen[e.ID] {
				t.Errorf("ListAuthEvents limit %d: %s listed twice", limit, e.ID)
			}
			seen[e.ID] = true
			if i > 0 && e.CreatedAt.After(events[i-1].CreatedAt) {
				t.Errorf("ListAuthEvents limit %d: %s (%v) after %s (%v): want newest first", limit, e.ID, e.CreatedAt, events[i-1].ID, events[i-1].CreatedAt)
			}
			same(t, "ListAuthEvents record", fullAuthEvent("p1", "alice", e.ID, created[e.ID]), e)
		}
	}
}
