package sql

import (
	"context"
	"fmt"
)

// ProvisionedLimits returns every provisioned rate by category.
func (db *DB) ProvisionedLimits(ctx context.Context) (map[string]int, error) {
	var out map[string]int
	err := db.be.read(ctx, func(q querier) error {
		out = map[string]int{}
		rs, err := q.query("SELECT category, rps FROM provisioned_limits")
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var c string
			var rps int64
			if err := rs.Scan(&c, &rps); err != nil {
				return err
			}
			out[c] = int(rps)
		}
		return rs.Err()
	})
	return out, err
}

// SetProvisionedLimit stores one category's rate.
func (db *DB) SetProvisionedLimit(ctx context.Context, category string, rps int) error {
	err := db.be.write(ctx, false, func(q querier) error {
		_, err := q.exec("INSERT INTO provisioned_limits (category, rps) VALUES (?, ?) ON CONFLICT (category) DO UPDATE SET rps = excluded.rps", category, int64(rps))
		return err
	})
	if err != nil {
		return fmt.Errorf("set provisioned limit %s: %w", category, err)
	}
	return nil
}
