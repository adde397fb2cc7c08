package userpool

import (
	"testing"

	"github.com/userpoold/userpoold/internal/fault"
)

func TestTierAllows(t *testing.T) {
	for _, tc := range []struct {
		tier Tier
		f    Feature
		want bool
	}{
		{TierLite, FeatureEmailMFA, false},
		{TierLite, FeaturePasskeyMFA, false},
		{TierLite, FeatureChoiceBasedAuth, false},
		{TierLite, FeatureThreatProtection, false},
		{TierEssentials, FeatureEmailMFA, true},
		{TierEssentials, FeatureChoiceBasedAuth, true},
		{TierEssentials, FeatureThreatProtection, false},
		{TierPlus, FeatureThreatProtection, true},
		{TierPlus, FeatureEmailMFA, true},
		{"", FeatureEmailMFA, true}, // unset means ESSENTIALS
		{"", FeatureThreatProtection, false},
	} {
		if got := tc.tier.Allows(tc.f); got != tc.want {
			t.Errorf("%q.Allows(%s) = %v, want %v", tc.tier, tc.f, got, tc.want)
		}
	}
	err := TierEssentials.Require(FeatureThreatProtection)
	if fault.KindOf(err) != fault.FeatureUnavailableInTier || err.(*fault.Error).Message != "The following features need to be disabled for the ESSENTIALS pricing tier configured: Threat Protection" {
		t.Errorf("Require = %v", err)
	}
	if err := TierPlus.Require(FeatureThreatProtection); err != nil {
		t.Errorf("PLUS: %v", err)
	}
}
