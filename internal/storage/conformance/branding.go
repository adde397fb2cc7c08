package conformance

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/userpoold/userpoold/internal/storage"
)

// ---------------------------------------------------------------------------
// Branding documents

func fullBranding(poolID string, kind storage.BrandingKind, id, clientID, name string) storage.Branding {
	return storage.Branding{
		PoolID:   poolID,
		Kind:     kind,
		ID:       id,
		ClientID: clientID,
		Name:     name,
		// Whitespace and member order are kept: Doc comes back byte-equal.
		Doc:       json.RawMessage("{ \"z\": 1,\n  \"a\": \"ünïcode\" }"),
		CreatedAt: at(51),
		UpdatedAt: at(52).In(elsewhere),
	}
}

func testBrandingRoundTrip(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	for _, b := range []storage.Branding{
		fullBranding("p1", storage.BrandingTerms, "t1", "c1", "terms-of-use"),
		fullBranding("p1", storage.BrandingUI, "ALL", "ALL", ""),
		{PoolID: "p1", Kind: storage.BrandingManagedLogin, ID: "m1", ClientID: "c1"},
		{PoolID: "p1", Kind: storage.BrandingManagedLogin, ID: "m2", ClientID: "c2", Doc: json.RawMessage{}},
	} {
		must(t, s.CreateBranding(ctx, b))
		got, err := s.GetBranding(ctx, b.PoolID, b.Kind, b.ID)
		must(t, err)
		if len(b.Doc) == 0 {
			b.Doc = nil
		}
		same(t, "GetBranding "+b.ID, b, got)
	}
	// Copies.
	b := fullBranding("p1", storage.BrandingTerms, "t2", "c1", "privacy-policy")
	must(t, s.CreateBranding(ctx, b))
	b.Doc[2] = 'X'
	got, err := s.GetBranding(ctx, "p1", storage.BrandingTerms, "t2")
	must(t, err)
	got.Doc[3] = 'X'
	got, err = s.GetBranding(ctx, "p1", storage.BrandingTerms, "t2")
	must(t, err)
	same(t, "GetBranding after mutations", fullBranding("p1", storage.BrandingTerms, "t2", "c1", "privacy-policy"), got)
}

func testBrandingErrors(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	must(t, s.CreateBranding(ctx, fullBranding("p1", storage.BrandingTerms, "t1", "c1", "terms-of-use")))
	wantIs(t, "CreateBranding duplicate ID", s.CreateBranding(ctx, fullBranding("p1", storage.BrandingTerms, "t1", "c2", "privacy-policy")), storage.ErrExists)
	wantIs(t, "CreateBranding duplicate client and name", s.CreateBranding(ctx, fullBranding("p1", storage.BrandingTerms, "t2", "c1", "terms-of-use")), storage.ErrExists)
	wantIs(t, "CreateBranding in a missing pool", s.CreateBranding(ctx, fullBranding("nope", storage.BrandingTerms, "t9", "c1", "terms-of-use")), storage.ErrNotFound)
	// The same ID, client and name in another kind or pool are distinct.
	must(t, s.CreateBranding(ctx, fullBranding("p1", storage.BrandingManagedLogin, "t1", "c1", "terms-of-use")))
	must(t, s.CreateBranding(ctx, fullBranding("p2", storage.BrandingTerms, "t1", "c1", "terms-of-use")))
	must(t, s.CreateBranding(ctx, fullBranding("p1", storage.BrandingTerms, "t3", "c1", "privacy-policy")))

	_, err := s.GetBranding(ctx, "p1", storage.BrandingTerms, "nope")
	wantIs(t, "GetBranding missing", err, storage.ErrNotFound)
	_, err = s.GetBranding(ctx, "p1", storage.BrandingUI, "t3")
	wantIs(t, "GetBranding of another kind", err, storage.ErrNotFound)
	_, err = s.UpdateBranding(ctx, "p1", storage.BrandingTerms, "nope", func(*storage.Branding) error { return nil })
	wantIs(t, "UpdateBranding missing", err, storage.ErrNotFound)
	_, err = s.UpdateBranding(ctx, "p1", storage.BrandingTerms, "t3", func(b *storage.Branding) error { b.Name = "terms-of-use"; return nil })
	wantIs(t, "UpdateBranding to a name the client has", err, storage.ErrExists)
	for field, fn := range map[string]func(*storage.Branding){
		"PoolID":   func(b *storage.Branding) { b.PoolID = "p2" },
		"Kind":     func(b *storage.Branding) { b.Kind = storage.BrandingUI },
		"ID":       func(b *storage.Branding) { b.ID = "t4" },
		"ClientID": func(b *storage.Branding) { b.ClientID = "c2" },
	} {
		if _, err := s.UpdateBranding(ctx, "p1", storage.BrandingTerms, "t3", func(b *storage.Branding) error { fn(b); return nil }); err == nil {
			t.Errorf("UpdateBranding changing %s succeeded", field)
		}
	}
	got, err := s.GetBranding(ctx, "p1", storage.BrandingTerms, "t3")
	must(t, err)
	same(t, "GetBranding after refused updates", fullBranding("p1", storage.BrandingTerms, "t3", "c1", "privacy-policy"), got)
	wantIs(t, "DeleteBranding missing", s.DeleteBranding(ctx, "p1", storage.BrandingTerms, "nope"), storage.ErrNotFound)
	must(t, s.DeleteBranding(ctx, "p1", storage.BrandingTerms, "t1"))
	_, err = s.GetBranding(ctx, "p1", storage.BrandingTerms, "t1")
	wantIs(t, "GetBranding after DeleteBranding", err, storage.ErrNotFound)
	// The client's name is free again.
	must(t, s.CreateBranding(ctx, fullBranding("p1", storage.BrandingTerms, "t5", "c1", "terms-of-use")))
}

func testBrandingUpdate(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	orig := fullBranding("p1", storage.BrandingTerms, "t1", "c1", "terms-of-use")
	must(t, s.CreateBranding(ctx, orig))
	steps := []func(*storage.Branding){
		func(b *storage.Branding) {
			b.Name, b.Doc, b.UpdatedAt = "privacy-policy", json.RawMessage(`{"b":2}`), at(61)
		},
		func(b *storage.Branding) { b.Doc = nil },
		func(b *storage.Branding) { b.Doc, b.CreatedAt = json.RawMessage(`[1]`), at(62) },
	}
	want := orig
	for _, step := range steps {
		step(&want)
		got, err := s.UpdateBranding(ctx, "p1", storage.BrandingTerms, "t1", func(b *storage.Branding) error { step(b); return nil })
		must(t, err)
		same(t, "UpdateBranding result", want, got)
		got, err = s.GetBranding(ctx, "p1", storage.BrandingTerms, "t1")
		must(t, err)
		same(t, "GetBranding after update", want, got)
	}
	_, err := s.UpdateBranding(ctx, "p1", storage.BrandingTerms, "t1", func(b *storage.Branding) error { b.Name = "x"; return errSentinel })
	if err != errSentinel {
		t.Errorf("UpdateBranding fn error: got %v, want it unchanged", err)
	}
}

func testBrandingList(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	var want []string
	for i, id := range []string{"b", "a", "Z", "é", "0", "c-1"} {
		client := []string{"c1", "c2"}[i%2]
		must(t, s.CreateBranding(ctx, fullBranding("p1", storage.BrandingTerms, id, client, "n"+id)))
		must(t, s.CreateBranding(ctx, fullBranding("p2", storage.BrandingTerms, id, client, "n"+id)))
		must(t, s.CreateBranding(ctx, fullBranding("p1", storage.BrandingManagedLogin, "m"+id, "m"+id, "")))
		want = append(want, id)
	}
	slices.Sort(want)
	checkPaging(t, "ListBranding", want, func(b storage.Branding) string { return b.ID },
		func(pg storage.Page) ([]storage.Branding, string, error) {
			return s.ListBranding(ctx, "p1", storage.BrandingTerms, pg)
		})
	got, err := s.ClientBranding(ctx, "p1", storage.BrandingTerms, "c2")
	must(t, err)
	var names []string
	for _, b := range got {
		same(t, "ClientBranding record", fullBranding("p1", storage.BrandingTerms, b.ID, "c2", b.Name), b)
		names = append(names, b.Name)
	}
	if !slices.Equal(names, []string{"na", "nc-1", "né"}) {
		t.Errorf("ClientBranding names = %q", names)
	}
	if got, err := s.ClientBranding(ctx, "p1", storage.BrandingTerms, "c9"); err != nil || len(got) != 0 {
		t.Errorf("ClientBranding of a client without documents = %v, %v", got, err)
	}
}

// testBrandingCascade: a client's documents go with the client, every
// document with its pool.
func testBrandingCascade(t *testing.T, s storage.Store) {
	ctx := t.Context()
	mkPool(t, s, "p1")
	mkPool(t, s, "p2")
	must(t, s.CreateClient(ctx, fullClient("p1", "c1")))
	must(t, s.CreateClient(ctx, fullClient("p1", "c2")))
	for _, b := range []storage.Branding{
		fullBranding("p1", storage.BrandingTerms, "t1", "c1", "terms-of-use"),
		fullBranding("p1", storage.BrandingUI, "c1", "c1", ""),
		fullBranding("p1", storage.BrandingUI, "ALL", "ALL", ""),
		fullBranding("p1", storage.BrandingTerms, "t2", "c2", "terms-of-use"),
		fullBranding("p2", storage.BrandingTerms, "t1", "ALL", "terms-of-use"),
	} {
		must(t, s.CreateBranding(ctx, b))
	}
	must(t, s.DeleteClient(ctx, "c1"))
	for _, k := range [][2]string{{string(storage.BrandingTerms), "t1"}, {string(storage.BrandingUI), "c1"}} {
		_, err := s.GetBranding(ctx, "p1", storage.BrandingKind(k[0]), k[1])
		wantIs(t, "GetBranding of a deleted client", err, storage.ErrNotFound)
	}
	for _, k := range [][2]string{{string(storage.BrandingTerms), "t2"}, {string(storage.BrandingUI), "ALL"}} {
		_, err := s.GetBranding(ctx, "p1", storage.BrandingKind(k[0]), k[1])
		must(t, err)
	}
	must(t, s.DeletePool(ctx, "p1"))
	must(t, s.CreatePool(ctx, fullPool("p1")))
	if docs, _, err := s.ListBranding(ctx, "p1", storage.BrandingUI, storage.Page{Limit: 10}); err != nil || len(docs) != 0 {
		t.Errorf("a recreated pool inherited branding: %v %v", docs, err)
	}
	_, err := s.GetBranding(ctx, "p2", storage.BrandingTerms, "t1")
	must(t, err)
}
