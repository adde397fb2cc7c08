package sql

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/userpoold/userpoold/internal/storage"
)

// benchUsers is how many users the benchmarks spread their calls over.
const benchUsers = 1000

// benchUser is a user of realistic size: a handful of attributes, an
// argon2id hash, a 3072-bit SRP verifier.
func benchUser(key string) storage.User {
	t := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	return storage.User{
		PoolID: "us-east-1_Bench", Username: key, UsernameKey: key, Sub: "0b6e7b3c-" + key,
		Attributes: []storage.Attribute{
			{Name: "email", Value: key + "@example.com"}, {Name: "email_verified", Value: "true"},
			{Name: "phone_number", Value: "+15555550100"}, {Name: "given_name", Value: "Bench"},
			{Name: "family_name", Value: "User"}, {Name: "custom:tenant", Value: "acme"},
		},
		Status: "CONFIRMED", Enabled: true, CreatedAt: t, UpdatedAt: t, PasswordChangedAt: t,
		MFA: storage.UserMFA{Enabled: []storage.MFAFactor{"SOFTWARE_TOKEN_MFA"}, Preferred: "SOFTWARE_TOKEN_MFA", TOTPVerifiedAt: t},
		Secrets: storage.UserSecrets{
			PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$" + string(bytes.Repeat([]byte("h"), 43)),
			SRPSalt:      bytes.Repeat([]byte{1}, 16),
			SRPVerifier:  bytes.Repeat([]byte{2}, 384),
			TOTPSecret:   bytes.Repeat([]byte{3}, 20),
		},
	}
}

func benchDB(b *testing.B, newDSN func(testing.TB) string) (*DB, []string) {
	db := openDSN(b, newDSN(b), Options{})
	ctx := context.Background()
	if err := db.CreatePool(ctx, storage.Pool{ID: "us-east-1_Bench"}); err != nil {
		b.Fatal(err)
	}
	keys := make([]string, benchUsers)
	for i := range keys {
		keys[i] = fmt.Sprintf("user-%05d", i)
		if err := db.CreateUser(ctx, benchUser(keys[i])); err != nil {
			b.Fatal(err)
		}
	}
	return db, keys
}

func benchBackends(b *testing.B, fn func(b *testing.B, newDSN func(testing.TB) string)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, newSQLiteDSN) })
	b.Run("postgres", func(b *testing.B) {
		newPGDSN(b)
		fn(b, newPGDSN)
	})
}

// BenchmarkUpdateUser increments a counter of a random-ish user per call,
// from GOMAXPROCS×parallelism goroutines. Every call is a durable write.
func BenchmarkUpdateUser(b *testing.B) {
	benchBackends(b, func(b *testing.B, newDSN func(testing.TB) string) {
		for _, par := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("par=%d", par), func(b *testing.B) {
				db, keys := benchDB(b, newDSN)
				ctx := context.Background()
				var n atomic.Int64
				var groups0 int64
				groups := func() int64 { return 0 }
				switch be := db.be.(type) {
				case *sqliteBackend:
					groups = be.w.groups.Load
				case *pgBackend:
					if be.batcher != nil {
						groups = be.batcher.groups.Load
					}
				}
				groups0 = groups()
				b.SetParallelism(par)
				b.ResetTimer()
				defer func() {
					if g := groups() - groups0; g > 0 {
						b.ReportMetric(float64(b.N)/float64(g), "writes/txn")
					}
				}()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						key := keys[(n.Add(1)*7919)%benchUsers]
						_, err := db.UpdateUser(ctx, "us-east-1_Bench", key, func(u *storage.User) error {
							u.Lockout.Failures++
							u.Lockout.LastFailure = time.Now()
							return nil
						})
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			})
		}
	})
}

// BenchmarkGetUser reads users from GOMAXPROCS×parallelism goroutines.
func BenchmarkGetUser(b *testing.B) {
	benchBackends(b, func(b *testing.B, newDSN func(testing.TB) string) {
		for _, par := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("par=%d", par), func(b *testing.B) {
				db, keys := benchDB(b, newDSN)
				ctx := context.Background()
				var n atomic.Int64
				b.SetParallelism(par)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						key := keys[(n.Add(1)*7919)%benchUsers]
						if _, err := db.GetUser(ctx, "us-east-1_Bench", key); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			})
		}
	})
}
