package quota

import (
	"sync"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
)

// MsgRateExceeded is the message of the TooManyRequestsException Cognito
// answers when a quota is exceeded, as SDKs report it: "An error occurred
// (TooManyRequestsException) when calling the AdminGetUser operation: Rate
// exceeded" (boto/boto3#2517; also aws-amplify/amplify-js#3554, #10243,
// mifi/cognito-backup#6).
const MsgRateExceeded = "Rate exceeded"

// ErrRateExceeded is what Allow returns for a throttled request.
var ErrRateExceeded = fault.New(fault.TooManyRequests, MsgRateExceeded)

// Scope says what a category's bucket is shared by.
type Scope int

const (
	// ScopeAccount shares one bucket per category among all user pools, as
	// AWS meters an account in a Region.
	ScopeAccount Scope = iota
	// ScopePool gives each user pool its own buckets, so that test suites
	// working on separate pools of one server do not throttle each other.
	ScopePool
)

// Limiter meters requests with one token bucket per category (per Scope),
// AWS's extra 5 RPS bucket per operation and user pool for the UserPool*
// categories, and the separate bucket of the challenge operations. A bucket
// holds one second of its rate and refills continuously, so a client may
// burst up to the rate and then sustain it.
//
// A Limiter is safe for concurrent use. Use NewLimiter.
type Limiter struct {
	now   func() time.Time
	scope Scope

	mu      sync.Mutex
	rates   map[Category]int // provisioned rates; missing means the default
	buckets map[bucketKey]*bucket
	// Full buckets are dropped when the map reaches pruneAt, or holds more
	// than minPrune a minute after the last pruning.
	pruneAt   int
	lastPrune time.Time
}

const minPrune = 1024

type bucketKind uint8

const (
	kindCategory  bucketKind = iota
	kindChallenge            // RespondToAuthChallenge's 3× bucket
	kindPoolOp               // 5 RPS per operation and pool
)

type bucketKey struct {
	kind     bucketKind
	category Category
	scope    string // pool ID, or "" for the account
	op       string // kindPoolOp only
}

type bucket struct {
	rate   float64 // tokens per second, also the capacity
	tokens float64
	last   time.Time
}

// refill brings b to now. A clock that went back (a test clock set to an
// earlier time) refills nothing.
func (b *bucket) refill(now time.Time) {
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.rate, b.tokens+d.Seconds()*b.rate)
	}
	b.last = now
}

// Options configure a Limiter.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Scope of the category buckets; the zero value is ScopeAccount.
	Scope Scope
}

// NewLimiter returns a Limiter with every category at its default rate.
func NewLimiter(o Options) *Limiter {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Limiter{now: now, scope: o.Scope, rates: map[Category]int{}, buckets: map[bucketKey]*bucket{}, pruneAt: minPrune}
}

// Rate returns the rate c is metered at: its provisioned limit if one was
// set, else its default.
func (l *Limiter) Rate(c Category) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rateLocked(c)
}

func (l *Limiter) rateLocked(c Category) int {
	if r, ok := l.rates[c]; ok {
		return r
	}
	d, _ := Lookup(c)
	return d.DefaultRPS
}

// SetRate meters c at rps from now on (a provisioned limit, read from
// storage at start-up and after UpdateProvisionedLimit). Buckets keep their
// tokens, capped at the new rate. A rate below 1 restores the default.
func (l *Limiter) SetRate(c Category, rps int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if rps < 1 {
		delete(l.rates, c)
	} else {
		l.rates[c] = rps
	}
	now := l.now()
	for k, b := range l.buckets {
		if k.category != c || k.kind == kindPoolOp {
			continue
		}
		b.refill(now)
		b.rate = l.bucketRate(k)
		b.tokens = min(b.tokens, b.rate)
	}
}

func (l *Limiter) bucketRate(k bucketKey) float64 {
	switch k.kind {
	case kindChallenge:
		return float64(ChallengeMultiplier * l.rateLocked(UserAuthentication))
	case kindPoolOp:
		d, _ := Lookup(k.category)
		return float64(d.PerPoolOperationRPS)
	}
	return float64(l.rateLocked(k.category))
}

// Allow meters one call of operation on poolID ("" for operations without
// a pool, such as ListUserPools) and returns nil, or ErrRateExceeded when a
// bucket it needs is empty; a refused call takes no token from any bucket.
// Operations outside the table are not metered.
//
// RespondToAuthChallenge and AdminRespondToAuthChallenge take from their own
// bucket (three times UserAuthentication's rate) and, once it is empty, from
// UserAuthentication's, as the Developer Guide describes.
func (l *Limiter) Allow(operation, poolID string) error {
	c, ok := CategoryOf(operation)
	if !ok {
		return nil
	}
	return l.allow(c, operation, poolID)
}

// AllowCategory meters one request of category c that is not an API
// operation: a client_credentials grant (ClientAuthentication) or a
// federated sign-in (UserFederation).
func (l *Limiter) AllowCategory(c Category, poolID string) error {
	if _, ok := Lookup(c); !ok {
		return nil
	}
	return l.allow(c, "", poolID)
}

func (l *Limiter) allow(c Category, operation, poolID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	scope := ""
	if l.scope == ScopePool {
		scope = poolID
	}

	var take []*bucket
	if d, _ := Lookup(c); d.PerPoolOperationRPS > 0 && poolID != "" && operation != "" {
		b := l.bucket(bucketKey{kind: kindPoolOp, category: c, scope: poolID, op: operation}, now)
		if b.tokens < 1 {
			return ErrRateExceeded
		}
		take = append(take, b)
	}
	main := l.bucket(bucketKey{kind: kindCategory, category: c, scope: scope}, now)
	if challengeOperations[operation] {
		if ch := l.bucket(bucketKey{kind: kindChallenge, category: c, scope: scope}, now); ch.tokens >= 1 {
			main = ch
		}
	}
	if main.tokens < 1 {
		return ErrRateExceeded
	}
	for _, b := range append(take, main) {
		b.tokens--
	}
	return nil
}

// bucket returns the bucket for k, refilled to now, creating a full one if
// it has none. Full buckets are indistinguishable from new ones, so when
// the map grows (or a minute after the last look) they are dropped.
func (l *Limiter) bucket(k bucketKey, now time.Time) *bucket {
	if b, ok := l.buckets[k]; ok {
		b.refill(now)
		return b
	}
	if n := len(l.buckets); n >= l.pruneAt || (n >= minPrune && now.Sub(l.lastPrune) >= time.Minute) {
		for key, b := range l.buckets {
			if b.refill(now); b.tokens >= b.rate {
				delete(l.buckets, key)
			}
		}
		l.pruneAt = max(minPrune, 2*len(l.buckets))
		l.lastPrune = now
	}
	r := l.bucketRate(k)
	b := &bucket{rate: r, tokens: r, last: now}
	l.buckets[k] = b
	return b
}
