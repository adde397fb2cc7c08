package quota

import (
	"fmt"

	"github.com/userpoold/userpoold/internal/fault"
)

// LimitClass is LimitDefinitionType.LimitClass; the model's only value is
// API_CATEGORY.
type LimitClass string

// APICategory is the class of API request-rate limits.
const APICategory LimitClass = "API_CATEGORY"

// CategoryAttribute is the key of LimitDefinitionType.Attributes that names
// the category ("For API rate limits, specify the Category key with a value
// like UserAuthentication or UserCreation").
const CategoryAttribute = "Category"

// DefaultMaxMultiplier sets the account-level maximum an adjustable
// category may be provisioned to, as a multiple of its default, when the
// server is not configured with one. AWS's maximum is each account's own
// Service Quotas value. UNCONFIRMED: any number; 10 leaves room for tests.
const DefaultMaxMultiplier = 10

// Limit is LimitType: the provisioned and free values of one category.
type Limit struct {
	Category Category
	// Provisioned is the rate enforced (ProvisionedLimitValue): the free
	// rate unless UpdateProvisionedLimit raised it.
	Provisioned int
	// Free is the default rate (FreeLimitValue).
	Free int
}

// Messages of the provisioned-limit checks. UNCONFIRMED: AWS's wording of
// each; the conditions are the API reference's ("The value must be between
// the default limit and your account-level maximum limit in Service
// Quotas") and the model's LimitClass enum.
const (
	msgBadClass      = "LimitClass must be API_CATEGORY."
	msgNoCategory    = "LimitDefinition.Attributes must contain Category."
	msgUnknownCat    = "Category %s is not a valid API category."
	msgNotAdjustable = "Category %s is not adjustable."
	msgBelowFree     = "RequestedLimitValue must be at least the default limit of %d for category %s."
	msgAboveMax      = "RequestedLimitValue %d exceeds the account-level maximum limit of %d for category %s."
)

// Resolve returns the category a LimitDefinitionType names: class must be
// API_CATEGORY and attributes must hold a known Category (other keys are
// ignored). Errors are InvalidParameter.
func Resolve(class LimitClass, attributes map[string]string) (Definition, error) {
	if class != APICategory {
		return Definition{}, fault.New(fault.InvalidParameter, msgBadClass)
	}
	name, ok := attributes[CategoryAttribute]
	if !ok {
		return Definition{}, fault.New(fault.InvalidParameter, msgNoCategory)
	}
	d, ok := Lookup(Category(name))
	if !ok {
		return Definition{}, fault.Errorf(fault.InvalidParameter, msgUnknownCat, name)
	}
	return d, nil
}

// Current returns d's Limit when provisioned is the stored value (0 when
// none is stored).
func (d Definition) Current(provisioned int) Limit {
	if provisioned < d.DefaultRPS {
		provisioned = d.DefaultRPS
	}
	return Limit{Category: d.Category, Provisioned: provisioned, Free: d.DefaultRPS}
}

// MaxRPS returns the account-level maximum of d for a multiplier (< 1
// means DefaultMaxMultiplier).
func (d Definition) MaxRPS(multiplier int) int {
	if multiplier < 1 {
		multiplier = DefaultMaxMultiplier
	}
	return d.DefaultRPS * multiplier
}

// Provision checks an UpdateProvisionedLimit request for d and returns the
// Limit to store and report: the category must be adjustable and requested
// between the default and the maximum (both inclusive). A value below the
// default or a non-adjustable category is InvalidParameter; a value above
// the maximum is ServiceQuotaExceeded.
func (d Definition) Provision(requested, multiplier int) (Limit, error) {
	if !d.Adjustable {
		return Limit{}, fault.Errorf(fault.InvalidParameter, msgNotAdjustable, d.Category)
	}
	if requested < d.DefaultRPS {
		return Limit{}, fault.Errorf(fault.InvalidParameter, msgBelowFree, d.DefaultRPS, d.Category)
	}
	if m := d.MaxRPS(multiplier); requested > m {
		return Limit{}, fault.New(fault.ServiceQuotaExceeded, fmt.Sprintf(msgAboveMax, requested, m, d.Category))
	}
	return Limit{Category: d.Category, Provisioned: requested, Free: d.DefaultRPS}, nil
}
