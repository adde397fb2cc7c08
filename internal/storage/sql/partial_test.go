package sql

import (
	"context"
	"strings"
	"testing"
)

// TestFilterQueriesUseTheirIndexes: on SQLite every filter on an optional
// attribute (migration 0010 indexes it only where it is set), equality and
// prefix, searches that attribute's index.
func TestFilterQueriesUseTheirIndexes(t *testing.T) {
	db := openDSN(t, newSQLiteDSN(t), Options{})
	b := db.be.(*sqliteBackend)
	for _, attr := range []string{"email", "phone_number", "name", "given_name", "family_name", "preferred_username"} {
		i, _ := filterIndex(attr)
		col := filterAttrs[i].fold
		for _, cond := range []string{col + " = ?", col + " >= ? AND " + col + " < ?"} {
			q := "EXPLAIN QUERY PLAN SELECT " + userCols + " FROM users WHERE pool_id = ? AND " + cond + " ORDER BY username_key LIMIT ?"
			n := strings.Count(q, "?")
			args := make([]any, n)
			for j := range args {
				args[j] = "x"
			}
			rs, err := b.rdb.QueryContext(context.Background(), q, args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rs.Next() {
				var id, parent, notused int
				var detail string
				if err := rs.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			rs.Close()
			if p := strings.Join(plan, "; "); !strings.Contains(p, "INDEX users_fold_"+attr+" ") {
				t.Errorf("%s: plan %q does not search users_fold_%s", cond, p, attr)
			}
		}
	}
}
