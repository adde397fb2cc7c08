package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
)

// This file is the lifecycle of what dresses a pool's hosted pages: classic
// UI customization (Set/GetUICustomization), managed login branding styles
// (Create/Describe/Update/DeleteManagedLoginBranding and ...ByClient) and
// terms documents (Create/Describe/Update/Delete/ListTerms), stored as
// storage.Branding documents. The pages read them through Branding* and
// ClientTerms (server/oauthsite.go); what the CSS and images may contain is
// the pages' rule, reached through PageRules.

// PageRules are the hosted pages' rules on what branding may contain
// (implemented over package hostedui by server.New).
type PageRules interface {
	// CheckCSS validates SetUICustomization's CSS.
	CheckCSS(css string) error
	// CheckImage validates a logo image (the classic ImageFile).
	CheckImage(img []byte) error
}

// AllClients is the ClientId of pool-wide UI customization.
const AllClients = "ALL"

// ---------------------------------------------------------------------------
// Classic UI customization

// UICustomization is the classic hosted UI branding of a pool (ClientID
// AllClients) or one of its clients.
type UICustomization struct {
	PoolID     string
	ClientID   string // AllClients for the pool's default
	CSS        string
	Image      []byte // the logo; nil for none
	CSSVersion string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// uiDoc is the stored document of a UICustomization.
type uiDoc struct {
	CSS        string `json:"css,omitempty"`
	Image      []byte `json:"image,omitempty"`
	CSSVersion string `json:"css_version,omitempty"`
}

func uiFrom(b storage.Branding) (UICustomization, error) {
	var d uiDoc
	if len(b.Doc) > 0 {
		if err := json.Unmarshal(b.Doc, &d); err != nil {
			return UICustomization{}, err
		}
	}
	return UICustomization{PoolID: b.PoolID, ClientID: b.ClientID, CSS: d.CSS, Image: d.Image, CSSVersion: d.CSSVersion,
		CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}, nil
}

// errNoDomain: SetUICustomization on a pool without a domain (UNCONFIRMED
// wording, as reported by users of the API).
var errNoDomain = fault.New(fault.InvalidParameter, "There has to be an existing domain associated with this user pool")

// errBadImage: an ImageFile the pages cannot show (UNCONFIRMED wording;
// the size limit is the Developer Guide's 100 KB).
var errBadImage = fault.New(fault.InvalidParameter, "ImageFile must be a PNG, JPEG, SVG, ICO or WEBP image of at most 100 KB.")

// brandingClient resolves the ClientId of a branding request: "" and
// AllClients name the pool; anything else must be a client of the pool.
func (s *Service) brandingClient(ctx context.Context, poolID, clientID string) (*Pool, string, error) {
	if clientID == "" || clientID == AllClients {
		p, err := s.LoadPool(ctx, poolID)
		return p, AllClients, err
	}
	p, c, err := s.PoolClient(ctx, poolID, clientID)
	if err != nil {
		return nil, "", err
	}
	return p, c.ID, nil
}

// SetUICustomization replaces the classic branding of a pool (clientID ""
// or AllClients) or a client. The pool must have a domain; the CSS and
// image are checked by the pages' rules.
func (s *Service) SetUICustomization(ctx context.Context, poolID, clientID, css string, image []byte) (UICustomization, error) {
	p, client, err := s.brandingClient(ctx, poolID, clientID)
	if err != nil {
		return UICustomization{}, err
	}
	prefix, custom, err := s.PoolDomains(ctx, p.ID)
	if err != nil {
		return UICustomization{}, err
	}
	if prefix == "" && custom == "" {
		return UICustomization{}, errNoDomain
	}
	if s.Pages != nil {
		if css != "" {
			if err := s.Pages.CheckCSS(css); err != nil {
				return UICustomization{}, err
			}
		}
		if len(image) > 0 {
			if s.Pages.CheckImage(image) != nil {
				return UICustomization{}, errBadImage
			}
		}
	}
	now := s.now()
	doc, err := json.Marshal(uiDoc{CSS: css, Image: image, CSSVersion: strconv.FormatInt(now.UnixMilli(), 10)})
	if err != nil {
		return UICustomization{}, err
	}
	b, err := s.Branding.UpdateBranding(ctx, p.ID, storage.BrandingUI, client, func(b *storage.Branding) error {
		b.Doc, b.UpdatedAt = doc, now
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		b = storage.Branding{PoolID: p.ID, Kind: storage.BrandingUI, ID: client, ClientID: client, Doc: doc, CreatedAt: now, UpdatedAt: now}
		err = s.Branding.CreateBranding(ctx, b)
		if errors.Is(err, storage.ErrExists) {
			// Another request created it meanwhile: replace that one.
			return s.SetUICustomization(ctx, poolID, clientID, css, image)
		}
	}
	if err != nil {
		return UICustomization{}, err
	}
	return uiFrom(b)
}

// GetUICustomization returns the classic branding of a client, falling back
// to the pool's; ok is false when neither is set.
func (s *Service) GetUICustomization(ctx context.Context, poolID, clientID string) (u UICustomization, ok bool, err error) {
	p, client, err := s.brandingClient(ctx, poolID, clientID)
	if err != nil {
		return UICustomization{}, false, err
	}
	return s.uiCustomization(ctx, p.ID, client)
}

// uiCustomization is the classic branding of a client (or AllClients) of a
// pool known to exist.
func (s *Service) uiCustomization(ctx context.Context, poolID, client string) (UICustomization, bool, error) {
	for _, id := range slices.Compact([]string{client, AllClients}) {
		b, err := s.Branding.GetBranding(ctx, poolID, storage.BrandingUI, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return UICustomization{}, false, err
		}
		u, err := uiFrom(b)
		return u, err == nil, err
	}
	return UICustomization{}, false, nil
}

// ---------------------------------------------------------------------------
// Managed login branding

// BrandingAsset is an image of a managed login branding style (AssetType).
type BrandingAsset struct {
	Category   string `json:"category"`
	ColorMode  string `json:"color_mode"`
	Extension  string `json:"extension"`
	Bytes      []byte `json:"bytes,omitempty"`
	ResourceID string `json:"resource_id,omitempty"`
}

// ManagedLoginBranding is a branding style of one app client.
type ManagedLoginBranding struct {
	ID                       string
	PoolID                   string
	ClientID                 string
	UseCognitoProvidedValues bool
	// Settings is the style's settings document (a JSON object), nil for
	// Cognito's defaults.
	Settings  json.RawMessage
	Assets    []BrandingAsset
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ManagedLoginInput is Create/UpdateManagedLoginBranding's request.
type ManagedLoginInput struct {
	UseCognitoProvidedValues bool
	Settings                 json.RawMessage // nil: not given
	Assets                   []BrandingAsset // nil: not given
}

type managedDoc struct {
	UseCognitoProvidedValues bool            `json:"defaults,omitempty"`
	Settings                 json.RawMessage `json:"settings,omitempty"`
	Assets                   []BrandingAsset `json:"assets,omitempty"`
}

func managedFrom(b storage.Branding) (ManagedLoginBranding, error) {
	var d managedDoc
	if len(b.Doc) > 0 {
		if err := json.Unmarshal(b.Doc, &d); err != nil {
			return ManagedLoginBranding{}, err
		}
	}
	return ManagedLoginBranding{ID: b.ID, PoolID: b.PoolID, ClientID: b.ClientID, UseCognitoProvidedValues: d.UseCognitoProvidedValues,
		Settings: d.Settings, Assets: d.Assets, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}, nil
}

func (m ManagedLoginBranding) doc() (json.RawMessage, error) {
	return json.Marshal(managedDoc{UseCognitoProvidedValues: m.UseCognitoProvidedValues, Settings: m.Settings, Assets: m.Assets})
}

// DefaultBrandingSettings is the part of Cognito's default style that the
// pages use, as ReturnMergedResources shows it under what a style sets.
// UNCONFIRMED: AWS's default document is much larger; these are the
// members the pages apply (colours as RRGGBBAA hex, as the branding editor
// writes them).
var DefaultBrandingSettings = json.RawMessage(`{"categories":{"global":{"colorSchemeMode":"LIGHT"}},` +
	`"components":{"pageBackground":{"lightMode":{"color":"ffffffff"}},` +
	`"pageText":{"lightMode":{"bodyColor":"414d5cff","descriptionColor":"414d5cff","headingColor":"000716ff"}},` +
	`"primaryButton":{"lightMode":{"defaults":{"backgroundColor":"0972d3ff","textColor":"ffffffff"}}}}}`)

var (
	errBrandingDefaultsAndValues = fault.New(fault.InvalidParameter, "UseCognitoProvidedValues cannot be true when Settings or Assets are provided.") // UNCONFIRMED wording
	errSettingsNotObject         = fault.New(fault.InvalidParameter, "Settings must be a JSON object.")                                               // UNCONFIRMED wording
)

func brandingNotFound(id string) error {
	return fault.Errorf(fault.ResourceNotFound, "Managed login branding %s does not exist.", id) // UNCONFIRMED wording
}

// checkManagedInput refuses defaults together with values, settings that
// are not an object, and two assets for one category and colour mode.
func checkManagedInput(in ManagedLoginInput) error {
	if in.UseCognitoProvidedValues && (in.Settings != nil || in.Assets != nil) {
		return errBrandingDefaultsAndValues
	}
	if in.Settings != nil {
		var obj map[string]json.RawMessage
		if json.Unmarshal(in.Settings, &obj) != nil || obj == nil {
			return errSettingsNotObject
		}
	}
	seen := map[[2]string]bool{}
	for _, a := range in.Assets {
		k := [2]string{a.Category, a.ColorMode}
		if seen[k] {
			return fault.Errorf(fault.InvalidParameter, "Duplicate asset for category %s and color mode %s.", a.Category, a.ColorMode) // UNCONFIRMED wording
		}
		seen[k] = true
	}
	return nil
}

// CreateManagedLoginBranding gives a client its branding style; a client
// has one at most.
func (s *Service) CreateManagedLoginBranding(ctx context.Context, poolID, clientID string, in ManagedLoginInput) (ManagedLoginBranding, error) {
	p, c, err := s.PoolClient(ctx, poolID, clientID)
	if err != nil {
		return ManagedLoginBranding{}, err
	}
	if err := checkManagedInput(in); err != nil {
		return ManagedLoginBranding{}, err
	}
	id, err := NewUUID(s.rand())
	if err != nil {
		return ManagedLoginBranding{}, err
	}
	now := s.now()
	m := ManagedLoginBranding{ID: id, PoolID: p.ID, ClientID: c.ID, UseCognitoProvidedValues: in.UseCognitoProvidedValues || (in.Settings == nil && in.Assets == nil),
		Settings: in.Settings, Assets: in.Assets, CreatedAt: now, UpdatedAt: now}
	doc, err := m.doc()
	if err != nil {
		return ManagedLoginBranding{}, err
	}
	err = s.Branding.CreateBranding(ctx, storage.Branding{PoolID: p.ID, Kind: storage.BrandingManagedLogin, ID: id, ClientID: c.ID, Doc: doc, CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, storage.ErrExists) {
		// UNCONFIRMED wording.
		return ManagedLoginBranding{}, fault.Errorf(fault.ManagedLoginBrandingExists, "A managed login branding style already exists for app client %s.", c.ID)
	}
	if err != nil {
		return ManagedLoginBranding{}, err
	}
	return m, nil
}

// ManagedLoginBrandingByID returns a style of pool poolID.
func (s *Service) ManagedLoginBrandingByID(ctx context.Context, poolID, id string) (ManagedLoginBranding, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return ManagedLoginBranding{}, err
	}
	b, err := s.Branding.GetBranding(ctx, p.ID, storage.BrandingManagedLogin, id)
	if errors.Is(err, storage.ErrNotFound) {
		return ManagedLoginBranding{}, brandingNotFound(id)
	}
	if err != nil {
		return ManagedLoginBranding{}, err
	}
	return managedFrom(b)
}

// ManagedLoginBrandingOf returns the style of a client; ok is false when
// it has none.
func (s *Service) ManagedLoginBrandingOf(ctx context.Context, poolID, clientID string) (ManagedLoginBranding, bool, error) {
	p, c, err := s.PoolClient(ctx, poolID, clientID)
	if err != nil {
		return ManagedLoginBranding{}, false, err
	}
	docs, err := s.Branding.ClientBranding(ctx, p.ID, storage.BrandingManagedLogin, c.ID)
	if err != nil || len(docs) == 0 {
		return ManagedLoginBranding{}, false, err
	}
	m, err := managedFrom(docs[0])
	return m, err == nil, err
}

// UpdateManagedLoginBranding changes a style: UseCognitoProvidedValues
// resets it to the defaults; otherwise the given settings are merged into
// the stored ones (members not given are kept) and the given assets
// replace those of the same category and colour mode.
func (s *Service) UpdateManagedLoginBranding(ctx context.Context, poolID, id string, in ManagedLoginInput) (ManagedLoginBranding, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return ManagedLoginBranding{}, err
	}
	if err := checkManagedInput(in); err != nil {
		return ManagedLoginBranding{}, err
	}
	var out ManagedLoginBranding
	_, err = s.Branding.UpdateBranding(ctx, p.ID, storage.BrandingManagedLogin, id, func(b *storage.Branding) error {
		m, err := managedFrom(*b)
		if err != nil {
			return err
		}
		switch {
		case in.UseCognitoProvidedValues:
			m.UseCognitoProvidedValues, m.Settings, m.Assets = true, nil, nil
		default:
			if in.Settings != nil {
				m.Settings = MergeSettings(m.Settings, in.Settings)
				m.UseCognitoProvidedValues = false
			}
			for _, a := range in.Assets {
				m.Assets = slices.DeleteFunc(slices.Clone(m.Assets), func(old BrandingAsset) bool {
					return old.Category == a.Category && old.ColorMode == a.ColorMode
				})
				m.Assets = append(m.Assets, a)
				m.UseCognitoProvidedValues = false
			}
		}
		m.UpdatedAt = s.now()
		doc, err := m.doc()
		if err != nil {
			return err
		}
		b.Doc, b.UpdatedAt = doc, m.UpdatedAt
		out = m
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return ManagedLoginBranding{}, brandingNotFound(id)
	}
	if err != nil {
		return ManagedLoginBranding{}, err
	}
	return out, nil
}

// DeleteManagedLoginBranding removes a style.
func (s *Service) DeleteManagedLoginBranding(ctx context.Context, poolID, id string) error {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return err
	}
	err = s.Branding.DeleteBranding(ctx, p.ID, storage.BrandingManagedLogin, id)
	if errors.Is(err, storage.ErrNotFound) {
		return brandingNotFound(id)
	}
	return err
}

// MergeSettings returns base with over merged in: objects member by member,
// recursively; any other value of over replaces base's. Either may be nil.
func MergeSettings(base, over json.RawMessage) json.RawMessage {
	if len(base) == 0 {
		return over
	}
	if len(over) == 0 {
		return base
	}
	var b, o map[string]json.RawMessage
	if json.Unmarshal(base, &b) != nil || json.Unmarshal(over, &o) != nil || b == nil || o == nil {
		return over
	}
	out := maps.Clone(b)
	for k, v := range o {
		out[k] = MergeSettings(b[k], v)
	}
	merged, err := json.Marshal(out)
	if err != nil {
		return over
	}
	return merged
}

// ---------------------------------------------------------------------------
// Terms documents

// Terms is a terms document of an app client: a link per language
// ("cognito:default", "cognito:english", ...).
type Terms struct {
	ID          string
	PoolID      string
	ClientID    string
	Name        string // terms-of-use or privacy-policy
	Source      string // LINK
	Enforcement string // NONE
	Links       map[string]string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TermsInput is Create/UpdateTerms's request; in an update, empty members
// are kept.
type TermsInput struct {
	Name        string
	Source      string
	Enforcement string
	Links       map[string]string
}

type termsDoc struct {
	Source      string            `json:"source,omitempty"`
	Enforcement string            `json:"enforcement,omitempty"`
	Links       map[string]string `json:"links,omitempty"`
}

func termsFrom(b storage.Branding) (Terms, error) {
	var d termsDoc
	if len(b.Doc) > 0 {
		if err := json.Unmarshal(b.Doc, &d); err != nil {
			return Terms{}, err
		}
	}
	return Terms{ID: b.ID, PoolID: b.PoolID, ClientID: b.ClientID, Name: b.Name, Source: d.Source, Enforcement: d.Enforcement,
		Links: d.Links, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}, nil
}

func (t Terms) doc() (json.RawMessage, error) {
	return json.Marshal(termsDoc{Source: t.Source, Enforcement: t.Enforcement, Links: t.Links})
}

func termsNotFound(id string) error {
	return fault.Errorf(fault.ResourceNotFound, "Terms %s does not exist.", id) // UNCONFIRMED wording
}

func termsExist(name, clientID string) error {
	return fault.Errorf(fault.TermsExists, "Terms %s already exist for app client %s.", name, clientID) // UNCONFIRMED wording
}

// checkLinks refuses links that are not absolute http(s) URLs (the pages
// link to them). UNCONFIRMED: AWS's check and wording; the model checks
// the languages and the length.
func checkLinks(links map[string]string) error {
	for lang, u := range links {
		if !httpURL(u) {
			return fault.Errorf(fault.InvalidParameter, "The link for %s must be an absolute http or https URL.", lang)
		}
	}
	return nil
}

// CreateTerms gives a client a terms document; one per name.
func (s *Service) CreateTerms(ctx context.Context, poolID, clientID string, in TermsInput) (Terms, error) {
	p, c, err := s.PoolClient(ctx, poolID, clientID)
	if err != nil {
		return Terms{}, err
	}
	if len(in.Links) == 0 {
		return Terms{}, fault.New(fault.InvalidParameter, "Links must contain at least one link.") // UNCONFIRMED wording
	}
	if err := checkLinks(in.Links); err != nil {
		return Terms{}, err
	}
	id, err := NewUUID(s.rand())
	if err != nil {
		return Terms{}, err
	}
	now := s.now()
	t := Terms{ID: id, PoolID: p.ID, ClientID: c.ID, Name: in.Name, Source: in.Source, Enforcement: in.Enforcement, Links: in.Links, CreatedAt: now, UpdatedAt: now}
	doc, err := t.doc()
	if err != nil {
		return Terms{}, err
	}
	err = s.Branding.CreateBranding(ctx, storage.Branding{PoolID: p.ID, Kind: storage.BrandingTerms, ID: id, ClientID: c.ID, Name: in.Name, Doc: doc, CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, storage.ErrExists) {
		return Terms{}, termsExist(in.Name, c.ID)
	}
	if err != nil {
		return Terms{}, err
	}
	return t, nil
}

// TermsByID returns a terms document of pool poolID.
func (s *Service) TermsByID(ctx context.Context, poolID, id string) (Terms, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return Terms{}, err
	}
	b, err := s.Branding.GetBranding(ctx, p.ID, storage.BrandingTerms, id)
	if errors.Is(err, storage.ErrNotFound) {
		return Terms{}, termsNotFound(id)
	}
	if err != nil {
		return Terms{}, err
	}
	return termsFrom(b)
}

// UpdateTerms changes a terms document; members not given are kept.
func (s *Service) UpdateTerms(ctx context.Context, poolID, id string, in TermsInput) (Terms, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return Terms{}, err
	}
	if err := checkLinks(in.Links); err != nil {
		return Terms{}, err
	}
	var out Terms
	_, err = s.Branding.UpdateBranding(ctx, p.ID, storage.BrandingTerms, id, func(b *storage.Branding) error {
		t, err := termsFrom(*b)
		if err != nil {
			return err
		}
		if in.Name != "" {
			t.Name = in.Name
		}
		if in.Source != "" {
			t.Source = in.Source
		}
		if in.Enforcement != "" {
			t.Enforcement = in.Enforcement
		}
		if len(in.Links) > 0 {
			t.Links = in.Links
		}
		t.UpdatedAt = s.now()
		doc, err := t.doc()
		if err != nil {
			return err
		}
		b.Name, b.Doc, b.UpdatedAt = t.Name, doc, t.UpdatedAt
		out = t
		return nil
	})
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return Terms{}, termsNotFound(id)
	case errors.Is(err, storage.ErrExists):
		return Terms{}, termsExist(in.Name, out.ClientID)
	case err != nil:
		return Terms{}, err
	}
	return out, nil
}

// DeleteTerms removes a terms document.
func (s *Service) DeleteTerms(ctx context.Context, poolID, id string) error {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return err
	}
	err = s.Branding.DeleteBranding(ctx, p.ID, storage.BrandingTerms, id)
	if errors.Is(err, storage.ErrNotFound) {
		return termsNotFound(id)
	}
	return err
}

// ListTerms returns one page of a pool's terms documents in ID order
// (limit 1–60; 0 means 60) and the token of the next page.
func (s *Service) ListTerms(ctx context.Context, poolID string, limit int32, next string) ([]Terms, string, error) {
	p, err := s.LoadPool(ctx, poolID)
	if err != nil {
		return nil, "", err
	}
	docs, next, err := s.Branding.ListBranding(ctx, p.ID, storage.BrandingTerms, storage.Page{After: next, Limit: pageLimit(limit)})
	if err != nil {
		return nil, "", err
	}
	out := make([]Terms, 0, len(docs))
	for _, b := range docs {
		t, err := termsFrom(b)
		if err != nil {
			return nil, "", err
		}
		out = append(out, t)
	}
	return out, next, nil
}

// ClientTerms returns the terms documents of a client, by name.
func (s *Service) ClientTerms(ctx context.Context, poolID, clientID string) ([]Terms, error) {
	docs, err := s.Branding.ClientBranding(ctx, poolID, storage.BrandingTerms, clientID)
	if err != nil {
		return nil, err
	}
	var out []Terms
	for _, b := range docs {
		t, err := termsFrom(b)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// PageBranding is what the pages of a client show: its classic UI
// customization (or the pool's) and its managed login style, each with ok
// false when not set.
func (s *Service) PageBranding(ctx context.Context, poolID, clientID string) (ui UICustomization, uiOK bool, m ManagedLoginBranding, mOK bool, err error) {
	if ui, uiOK, err = s.uiCustomization(ctx, poolID, clientID); err != nil {
		return
	}
	docs, err := s.Branding.ClientBranding(ctx, poolID, storage.BrandingManagedLogin, clientID)
	if err != nil || len(docs) == 0 {
		return
	}
	m, err = managedFrom(docs[0])
	mOK = err == nil
	return
}

// httpURL reports whether s is an absolute http or https URL with a host.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
