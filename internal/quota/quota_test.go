package quota

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/cognitoidp"
	"github.com/userpoold/userpoold/internal/fault"
)

// Every operation the server dispatches has a category, and the table names
// no operation the model lacks.
func TestTableCoversDispatch(t *testing.T) {
	if len(cognitoidp.OperationsByName) != 129 {
		t.Errorf("dispatch table has %d operations, want the model's 129", len(cognitoidp.OperationsByName))
	}
	for name := range cognitoidp.OperationsByName {
		if _, ok := CategoryOf(name); !ok {
			t.Errorf("%s has no category", name)
		}
	}
	for name, c := range operations {
		if _, ok := cognitoidp.OperationsByName[name]; !ok {
			t.Errorf("table names %s, which the model does not have", name)
		}
		if _, ok := Lookup(c); !ok {
			t.Errorf("%s is in undefined category %s", name, c)
		}
	}
	for _, d := range Definitions() {
		ops := Operations(d.Category)
		switch d.Category {
		case ClientAuthentication, UserFederation:
			if len(ops) != 0 {
				t.Errorf("%s meters requests that are not API operations, has %v", d.Category, ops)
			}
		default:
			if len(ops) == 0 {
				t.Errorf("category %s has no operation", d.Category)
			}
		}
	}
}

// The rows the Developer Guide states in words.
func TestNamedRows(t *testing.T) {
	for op, want := range map[string]Category{
		"SignUp": UserCreation, "ConfirmSignUp": UserCreation, "AdminCreateUser": UserCreation, "AdminConfirmSignUp": UserCreation,
		"InitiateAuth": UserAuthentication, "AdminInitiateAuth": UserAuthentication,
		"RespondToAuthChallenge": UserAuthentication, "AdminRespondToAuthChallenge": UserAuthentication,
	} {
		if got, _ := CategoryOf(op); got != want {
			t.Errorf("%s in %s, want %s", op, got, want)
		}
	}
	want := map[Category]struct {
		rps, perPool int
		adjustable   bool
	}{
		UserAuthentication: {120, 0, true}, UserCreation: {50, 0, true}, UserFederation: {25, 0, true},
		UserAccountRecovery: {30, 0, false}, UserRead: {120, 0, true}, UserUpdate: {25, 0, false},
		UserToken: {120, 0, true}, UserResourceRead: {50, 0, true}, UserResourceUpdate: {25, 0, false},
		UserList: {30, 0, false}, UserPoolRead: {15, 0, false}, UserPoolUpdate: {15, 0, false},
		UserPoolResourceRead: {20, 5, false}, UserPoolResourceUpdate: {15, 5, false},
		UserPoolClientRead: {15, 5, false}, UserPoolClientUpdate: {15, 5, false},
		ClientAuthentication: {150, 0, false}, LimitManagement: {1, 0, false},
	}
	if len(Definitions()) != len(want) {
		t.Errorf("%d categories, want %d", len(Definitions()), len(want))
	}
	for _, d := range Definitions() {
		w := want[d.Category]
		if d.DefaultRPS != w.rps || d.PerPoolOperationRPS != w.perPool || d.Adjustable != w.adjustable {
			t.Errorf("%s = %d RPS, %d per pool, adjustable %v; want %+v", d.Category, d.DefaultRPS, d.PerPoolOperationRPS, d.Adjustable, w)
		}
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestLimiter(scope Scope) (*Limiter, *clock) {
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	return NewLimiter(Options{Now: c.now, Scope: scope}), c
}

// calls makes n calls and returns how many were allowed; every refusal
// must be ErrRateExceeded.
func calls(t *testing.T, l *Limiter, op, pool string, n int) int {
	t.Helper()
	ok := 0
	for range n {
		switch err := l.Allow(op, pool); {
		case err == nil:
			ok++
		case errors.Is(err, ErrRateExceeded):
		default:
			t.Fatalf("Allow = %v", err)
		}
	}
	return ok
}

func TestBucketBurstAndRefill(t *testing.T) {
	l, c := newTestLimiter(ScopeAccount)
	if got := calls(t, l, "ListUsers", "p1", 100); got != 30 {
		t.Fatalf("burst allowed %d, want UserList's 30", got)
	}
	c.advance(100 * time.Millisecond) // 3 tokens
	if got := calls(t, l, "ListUsersInGroup", "p2", 10); got != 3 {
		t.Fatalf("after 100ms allowed %d, want 3 (same category, other pool: account scope)", got)
	}
	c.advance(time.Hour) // refills to the capacity, not beyond
	if got := calls(t, l, "ListUsers", "p1", 100); got != 30 {
		t.Fatalf("after an hour allowed %d, want 30", got)
	}
	// Other categories are untouched.
	if got := calls(t, l, "AdminGetUser", "p1", 200); got != 120 {
		t.Fatalf("UserRead allowed %d, want 120", got)
	}
}

func TestErrorIsCognitos(t *testing.T) {
	l, _ := newTestLimiter(ScopeAccount)
	calls(t, l, "ListUsers", "", 30)
	err := l.Allow("ListUsers", "")
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Kind != fault.TooManyRequests || fe.Message != "Rate exceeded" {
		t.Fatalf("Allow = %#v, want TooManyRequests %q", err, "Rate exceeded")
	}
}

func TestScopePool(t *testing.T) {
	l, _ := newTestLimiter(ScopePool)
	if got := calls(t, l, "ListUsers", "p1", 50); got != 30 {
		t.Fatalf("p1 allowed %d", got)
	}
	if got := calls(t, l, "ListUsers", "p2", 50); got != 30 {
		t.Fatalf("p2 allowed %d, want its own 30", got)
	}
}

// UserPool* operations: 5 RPS per operation and pool, within the
// category's account-wide rate.
func TestPerPoolOperationRate(t *testing.T) {
	l, c := newTestLimiter(ScopeAccount)
	if got := calls(t, l, "GetGroup", "p1", 10); got != 5 {
		t.Fatalf("GetGroup on p1 allowed %d, want 5", got)
	}
	if got := calls(t, l, "ListGroups", "p1", 10); got != 5 {
		t.Fatalf("ListGroups on p1 allowed %d, want 5 (its own operation bucket)", got)
	}
	if got := calls(t, l, "GetGroup", "p2", 10); got != 5 {
		t.Fatalf("GetGroup on p2 allowed %d, want 5", got)
	}
	// 15 of UserPoolResourceRead's 20 are spent; p3 and p4 share the rest.
	if got := calls(t, l, "GetGroup", "p3", 10) + calls(t, l, "GetGroup", "p4", 10); got != 5 {
		t.Fatalf("p3+p4 allowed %d, want the category's remaining 5", got)
	}
	// A refusal by the per-pool bucket takes nothing from the category.
	c.advance(time.Second)
	calls(t, l, "GetGroup", "p1", 5)
	if got := calls(t, l, "GetGroup", "p1", 100); got != 0 {
		t.Fatalf("p1 allowed %d beyond 5", got)
	}
	if got := calls(t, l, "DescribeResourceServer", "p5", 5) + calls(t, l, "ListGroups", "p6", 5) + calls(t, l, "GetGroup", "p7", 5); got != 15 {
		t.Fatalf("after refusals the category allowed %d, want its remaining 15", got)
	}
}

// RespondToAuthChallenge has three times UserAuthentication's rate of its
// own, then spills into UserAuthentication (the Developer Guide's example).
func TestChallengeHandling(t *testing.T) {
	l, _ := newTestLimiter(ScopeAccount)
	l.SetRate(UserAuthentication, 80)
	if got := calls(t, l, "RespondToAuthChallenge", "p", 240); got != 240 {
		t.Fatalf("challenges allowed %d, want 240 (3 x 80)", got)
	}
	if got := calls(t, l, "InitiateAuth", "p", 40); got != 40 {
		t.Fatalf("InitiateAuth allowed %d; the challenge bucket must not have used UserAuthentication", got)
	}
	// 40 more challenges come out of UserAuthentication, then nothing is left.
	if got := calls(t, l, "AdminRespondToAuthChallenge", "p", 100); got != 40 {
		t.Fatalf("spilled challenges allowed %d, want 40", got)
	}
	if got := calls(t, l, "AdminInitiateAuth", "p", 1); got != 0 {
		t.Fatalf("UserAuthentication not exhausted")
	}
}

func TestSetRate(t *testing.T) {
	l, c := newTestLimiter(ScopeAccount)
	calls(t, l, "AdminCreateUser", "p", 50)
	l.SetRate(UserCreation, 200)
	if l.Rate(UserCreation) != 200 {
		t.Fatal("Rate not updated")
	}
	if got := calls(t, l, "SignUp", "p", 10); got != 0 {
		t.Fatalf("raising the rate created %d tokens out of nothing", got)
	}
	c.advance(time.Second)
	if got := calls(t, l, "SignUp", "p", 500); got != 200 {
		t.Fatalf("after a second at 200 RPS allowed %d", got)
	}
	l.SetRate(UserCreation, 0)
	if l.Rate(UserCreation) != 50 {
		t.Fatalf("SetRate 0 left %d, want the default 50", l.Rate(UserCreation))
	}
	c.advance(time.Second)
	if got := calls(t, l, "SignUp", "p", 500); got != 50 {
		t.Fatalf("back at the default allowed %d", got)
	}
}

func TestClockBackAndUnknown(t *testing.T) {
	l, c := newTestLimiter(ScopeAccount)
	calls(t, l, "ListUsers", "", 30)
	c.advance(-time.Hour)
	if got := calls(t, l, "ListUsers", "", 5); got != 0 {
		t.Fatalf("a clock set back refilled %d", got)
	}
	c.advance(time.Hour + time.Second)
	if got := calls(t, l, "ListUsers", "", 50); got != 30 {
		t.Fatalf("allowed %d after the clock moved on", got)
	}
	if got := calls(t, l, "NoSuchOperation", "", 1000); got != 1000 {
		t.Fatal("an unknown operation was metered")
	}
	if err := l.AllowCategory("NoSuchCategory", ""); err != nil {
		t.Fatal(err)
	}
	n := 0
	for l.AllowCategory(ClientAuthentication, "p") == nil && n < 1000 {
		n++
	}
	if n != 150 {
		t.Fatalf("ClientAuthentication allowed %d, want 150", n)
	}
}

// Idle buckets are dropped once the map grows, without changing answers.
func TestPrune(t *testing.T) {
	l, c := newTestLimiter(ScopePool)
	for i := range 3000 {
		if err := l.Allow("GetGroup", fmt.Sprint("pool", i)); err != nil {
			t.Fatal(err)
		}
	}
	c.advance(time.Minute)
	if err := l.Allow("GetGroup", "fresh"); err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	n := len(l.buckets)
	l.mu.Unlock()
	if n > 1100 {
		t.Fatalf("%d buckets kept for idle pools", n)
	}
}

func TestProvision(t *testing.T) {
	d, err := Resolve(APICategory, map[string]string{"Category": "UserAuthentication", "Other": "x"})
	if err != nil || d.Category != UserAuthentication {
		t.Fatalf("Resolve = %v, %v", d, err)
	}
	if got := d.Current(0); got != (Limit{UserAuthentication, 120, 120}) {
		t.Errorf("Current(0) = %+v", got)
	}
	if got := d.Current(300); got != (Limit{UserAuthentication, 300, 120}) {
		t.Errorf("Current(300) = %+v", got)
	}
	lim, err := d.Provision(1200, 0)
	if err != nil || lim != (Limit{UserAuthentication, 1200, 120}) {
		t.Errorf("Provision(1200) = %+v, %v", lim, err)
	}
	for _, tc := range []struct {
		name      string
		class     LimitClass
		attrs     map[string]string
		requested int
		want      fault.Kind
	}{
		{"class", "RESOURCE", map[string]string{"Category": "UserAuthentication"}, 200, fault.InvalidParameter},
		{"no category", APICategory, map[string]string{"category": "UserAuthentication"}, 200, fault.InvalidParameter},
		{"unknown category", APICategory, map[string]string{"Category": "UserAuth"}, 200, fault.InvalidParameter},
		{"not adjustable", APICategory, map[string]string{"Category": "UserList"}, 60, fault.InvalidParameter},
		{"below default", APICategory, map[string]string{"Category": "UserCreation"}, 49, fault.InvalidParameter},
		{"above maximum", APICategory, map[string]string{"Category": "UserCreation"}, 501, fault.ServiceQuotaExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Resolve(tc.class, tc.attrs)
			if err == nil {
				_, err = d.Provision(tc.requested, 0)
			}
			if fault.KindOf(err) != tc.want {
				t.Fatalf("error %v, want kind %s", err, tc.want)
			}
		})
	}
	if _, err := (Definition{Category: UserCreation, DefaultRPS: 50, Adjustable: true}).Provision(100, 2); err != nil {
		t.Errorf("Provision at the configured maximum: %v", err)
	}
	if !slices.Contains(Operations(LimitManagement), "UpdateProvisionedLimit") {
		t.Error("UpdateProvisionedLimit not metered")
	}
}
