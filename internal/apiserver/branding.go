package apiserver

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/userpool"
)

// This file converts the branding operations between the wire and
// userpool.Service (userpool/branding.go holds the rules): Set/
// GetUICustomization, Create/Describe/Update/DeleteManagedLoginBranding
// and DescribeManagedLoginBrandingByClient, Create/Describe/Update/Delete/
// ListTerms.

// ---------------------------------------------------------------------------
// UI customization

func (s *Server) uiCustomization(u userpool.UICustomization) *cognitoidp.UICustomizationType {
	out := &cognitoidp.UICustomizationType{
		UserPoolId:       cognitoidp.String(u.PoolID),
		ClientId:         cognitoidp.String(u.ClientID),
		CSSVersion:       cognitoidp.String(u.CSSVersion),
		CreationDate:     cognitoidp.Time(u.CreatedAt),
		LastModifiedDate: cognitoidp.Time(u.UpdatedAt),
	}
	if u.CSS != "" {
		out.CSS = cognitoidp.String(u.CSS)
	}
	// AWS answers a CloudFront URL; here the server serves the logo itself.
	if len(u.Image) > 0 && s.UILogoURL != nil {
		out.ImageUrl = cognitoidp.String(s.UILogoURL(u.PoolID, u.ClientID, u.CSSVersion))
	}
	return out
}

// SetUICustomization sets the classic branding of a pool or client.
func (s *Server) SetUICustomization(ctx context.Context, in *cognitoidp.SetUICustomizationInput) (*cognitoidp.SetUICustomizationOutput, error) {
	u, err := s.Pools.SetUICustomization(ctx, str(in.UserPoolId), str(in.ClientId), str(in.CSS), in.ImageFile)
	if err != nil {
		return nil, err
	}
	return &cognitoidp.SetUICustomizationOutput{UICustomization: s.uiCustomization(u)}, nil
}

// GetUICustomization returns the classic branding of a client, else the
// pool's, else an empty object.
func (s *Server) GetUICustomization(ctx context.Context, in *cognitoidp.GetUICustomizationInput) (*cognitoidp.GetUICustomizationOutput, error) {
	u, ok, err := s.Pools.GetUICustomization(ctx, str(in.UserPoolId), str(in.ClientId))
	if err != nil {
		return nil, err
	}
	if !ok {
		return &cognitoidp.GetUICustomizationOutput{UICustomization: &cognitoidp.UICustomizationType{}}, nil
	}
	return &cognitoidp.GetUICustomizationOutput{UICustomization: s.uiCustomization(u)}, nil
}

// ---------------------------------------------------------------------------
// Managed login branding

// managedInput turns a branding request's members into userpool's input.
func managedInput(defaults *bool, settings json.RawMessage, assets []cognitoidp.AssetType) userpool.ManagedLoginInput {
	in := userpool.ManagedLoginInput{UseCognitoProvidedValues: cognitoidp.ToValue(defaults)}
	if t := bytes.TrimSpace(settings); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
		in.Settings = settings
	}
	if assets != nil {
		in.Assets = []userpool.BrandingAsset{}
	}
	for _, a := range assets {
		in.Assets = append(in.Assets, userpool.BrandingAsset{
			Category: string(cognitoidp.ToValue(a.Category)), ColorMode: string(cognitoidp.ToValue(a.ColorMode)),
			Extension: string(cognitoidp.ToValue(a.Extension)), Bytes: a.Bytes, ResourceID: str(a.ResourceId),
		})
	}
	return in
}

// managedBranding renders a style; merged shows Cognito's defaults under
// what the style sets (ReturnMergedResources).
func managedBranding(m userpool.ManagedLoginBranding, merged bool) *cognitoidp.ManagedLoginBrandingType {
	out := &cognitoidp.ManagedLoginBrandingType{
		ManagedLoginBrandingId:   cognitoidp.String(m.ID),
		UserPoolId:               cognitoidp.String(m.PoolID),
		UseCognitoProvidedValues: cognitoidp.Bool(m.UseCognitoProvidedValues),
		Settings:                 m.Settings,
		Assets:                   []cognitoidp.AssetType{},
		CreationDate:             cognitoidp.Time(m.CreatedAt),
		LastModifiedDate:         cognitoidp.Time(m.UpdatedAt),
	}
	if merged {
		out.Settings = userpool.MergeSettings(userpool.DefaultBrandingSettings, m.Settings)
	}
	for _, a := range m.Assets {
		at := cognitoidp.AssetType{
			Category:  (*cognitoidp.AssetCategoryType)(cognitoidp.String(a.Category)),
			ColorMode: (*cognitoidp.ColorSchemeModeType)(cognitoidp.String(a.ColorMode)),
			Extension: (*cognitoidp.AssetExtensionType)(cognitoidp.String(a.Extension)),
			Bytes:     a.Bytes,
		}
		if a.ResourceID != "" {
			at.ResourceId = cognitoidp.String(a.ResourceID)
		}
		out.Assets = append(out.Assets, at)
	}
	return out
}

// CreateManagedLoginBranding gives a client its branding style.
func (s *Server) CreateManagedLoginBranding(ctx context.Context, in *cognitoidp.CreateManagedLoginBrandingInput) (*cognitoidp.CreateManagedLoginBrandingOutput, error) {
	m, err := s.Pools.CreateManagedLoginBranding(ctx, str(in.UserPoolId), str(in.ClientId), managedInput(in.UseCognitoProvidedValues, in.Settings, in.Assets))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.CreateManagedLoginBrandingOutput{ManagedLoginBranding: managedBranding(m, false)}, nil
}

// DescribeManagedLoginBranding describes a style by ID.
func (s *Server) DescribeManagedLoginBranding(ctx context.Context, in *cognitoidp.DescribeManagedLoginBrandingInput) (*cognitoidp.DescribeManagedLoginBrandingOutput, error) {
	m, err := s.Pools.ManagedLoginBrandingByID(ctx, str(in.UserPoolId), str(in.ManagedLoginBrandingId))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.DescribeManagedLoginBrandingOutput{ManagedLoginBranding: managedBranding(m, cognitoidp.ToValue(in.ReturnMergedResources))}, nil
}

// DescribeManagedLoginBrandingByClient describes the style of a client.
// UNCONFIRMED: a client without a style is ResourceNotFoundException.
func (s *Server) DescribeManagedLoginBrandingByClient(ctx context.Context, in *cognitoidp.DescribeManagedLoginBrandingByClientInput) (*cognitoidp.DescribeManagedLoginBrandingByClientOutput, error) {
	m, ok, err := s.Pools.ManagedLoginBrandingOf(ctx, str(in.UserPoolId), str(in.ClientId))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, cognitoidp.NewResourceNotFoundException("App client " + str(in.ClientId) + " has no managed login branding.")
	}
	return &cognitoidp.DescribeManagedLoginBrandingByClientOutput{ManagedLoginBranding: managedBranding(m, cognitoidp.ToValue(in.ReturnMergedResources))}, nil
}

// UpdateManagedLoginBranding changes a style, keeping what it is not given.
func (s *Server) UpdateManagedLoginBranding(ctx context.Context, in *cognitoidp.UpdateManagedLoginBrandingInput) (*cognitoidp.UpdateManagedLoginBrandingOutput, error) {
	m, err := s.Pools.UpdateManagedLoginBranding(ctx, str(in.UserPoolId), str(in.ManagedLoginBrandingId), managedInput(in.UseCognitoProvidedValues, in.Settings, in.Assets))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.UpdateManagedLoginBrandingOutput{ManagedLoginBranding: managedBranding(m, false)}, nil
}

// DeleteManagedLoginBranding removes a style.
func (s *Server) DeleteManagedLoginBranding(ctx context.Context, in *cognitoidp.DeleteManagedLoginBrandingInput) (*cognitoidp.DeleteManagedLoginBrandingOutput, error) {
	if err := s.Pools.DeleteManagedLoginBranding(ctx, str(in.UserPoolId), str(in.ManagedLoginBrandingId)); err != nil {
		return nil, err
	}
	return &cognitoidp.DeleteManagedLoginBrandingOutput{}, nil
}

// ---------------------------------------------------------------------------
// Terms

func termsType(t userpool.Terms) *cognitoidp.TermsType {
	return &cognitoidp.TermsType{
		TermsId: cognitoidp.String(t.ID), UserPoolId: cognitoidp.String(t.PoolID), ClientId: cognitoidp.String(t.ClientID),
		TermsName:        cognitoidp.String(t.Name),
		TermsSource:      (*cognitoidp.TermsSourceType)(cognitoidp.String(t.Source)),
		Enforcement:      (*cognitoidp.TermsEnforcementType)(cognitoidp.String(t.Enforcement)),
		Links:            t.Links,
		CreationDate:     cognitoidp.Time(t.CreatedAt),
		LastModifiedDate: cognitoidp.Time(t.UpdatedAt),
	}
}

func termsInput(name *string, source *cognitoidp.TermsSourceType, enforcement *cognitoidp.TermsEnforcementType, links map[string]string) userpool.TermsInput {
	return userpool.TermsInput{Name: str(name), Source: string(cognitoidp.ToValue(source)), Enforcement: string(cognitoidp.ToValue(enforcement)), Links: links}
}

// CreateTerms gives a client a terms document.
func (s *Server) CreateTerms(ctx context.Context, in *cognitoidp.CreateTermsInput) (*cognitoidp.CreateTermsOutput, error) {
	t, err := s.Pools.CreateTerms(ctx, str(in.UserPoolId), str(in.ClientId), termsInput(in.TermsName, in.TermsSource, in.Enforcement, in.Links))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.CreateTermsOutput{Terms: termsType(t)}, nil
}

// DescribeTerms describes a terms document.
func (s *Server) DescribeTerms(ctx context.Context, in *cognitoidp.DescribeTermsInput) (*cognitoidp.DescribeTermsOutput, error) {
	t, err := s.Pools.TermsByID(ctx, str(in.UserPoolId), str(in.TermsId))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.DescribeTermsOutput{Terms: termsType(t)}, nil
}

// UpdateTerms changes a terms document.
func (s *Server) UpdateTerms(ctx context.Context, in *cognitoidp.UpdateTermsInput) (*cognitoidp.UpdateTermsOutput, error) {
	t, err := s.Pools.UpdateTerms(ctx, str(in.UserPoolId), str(in.TermsId), termsInput(in.TermsName, in.TermsSource, in.Enforcement, in.Links))
	if err != nil {
		return nil, err
	}
	return &cognitoidp.UpdateTermsOutput{Terms: termsType(t)}, nil
}

// DeleteTerms removes a terms document.
func (s *Server) DeleteTerms(ctx context.Context, in *cognitoidp.DeleteTermsInput) (*cognitoidp.DeleteTermsOutput, error) {
	if err := s.Pools.DeleteTerms(ctx, str(in.UserPoolId), str(in.TermsId)); err != nil {
		return nil, err
	}
	return &cognitoidp.DeleteTermsOutput{}, nil
}

// ListTerms lists a pool's terms documents.
func (s *Server) ListTerms(ctx context.Context, in *cognitoidp.ListTermsInput) (*cognitoidp.ListTermsOutput, error) {
	list, next, err := s.Pools.ListTerms(ctx, str(in.UserPoolId), cognitoidp.ToValue(in.MaxResults), str(in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &cognitoidp.ListTermsOutput{Terms: []cognitoidp.TermsDescriptionType{}, NextToken: nextToken(next)}
	for _, t := range list {
		out.Terms = append(out.Terms, cognitoidp.TermsDescriptionType{
			TermsId: cognitoidp.String(t.ID), TermsName: cognitoidp.String(t.Name),
			Enforcement:  (*cognitoidp.TermsEnforcementType)(cognitoidp.String(t.Enforcement)),
			CreationDate: cognitoidp.Time(t.CreatedAt), LastModifiedDate: cognitoidp.Time(t.UpdatedAt),
		})
	}
	return out, nil
}
