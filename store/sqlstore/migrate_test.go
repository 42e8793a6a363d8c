package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/store/sqlstore"
)

// undo holds, for each schema version after the first, the statements that
// take a database of that version back to the one before, per dialect:
// what an older release left, for the tests of upgrades.
var undo = map[int]map[sqlstore.Dialect][]string{
	2: all("DROP TABLE generations"),
	3: all("DROP TABLE outbox", "DROP TABLE events", "DROP TABLE submissions"),
	4: all("DROP TABLE contact_emails", "DROP TABLE contact_list_members", "DROP TABLE logins", "DROP TABLE tokens", "DROP TABLE sessions"),
	5: {
		sqlstore.SQLite: {"DROP TABLE ticket_search_terms", "DROP TABLE ticket_search", "DROP TABLE ticket_search_ids",
			"DROP INDEX ticket_contacts_created", "DROP INDEX ticket_contacts_activity",
			"DROP INDEX ticket_companies_created", "DROP INDEX ticket_companies_activity",
			"ALTER TABLE ticket_contacts DROP COLUMN created_key", "ALTER TABLE ticket_contacts DROP COLUMN activity_key",
			"ALTER TABLE ticket_companies DROP COLUMN created_key", "ALTER TABLE ticket_companies DROP COLUMN activity_key"},
		sqlstore.Postgres: {"DROP FUNCTION portal_search_ids", "ALTER TABLE tickets DROP COLUMN search_text",
			"ALTER TABLE ticket_contacts DROP COLUMN created_key, DROP COLUMN activity_key, RESET (parallel_workers)",
			"ALTER TABLE ticket_companies DROP COLUMN created_key, DROP COLUMN activity_key, RESET (parallel_workers)"},
		sqlstore.MySQL: {
			"ALTER TABLE ticket_contacts DROP INDEX ticket_contacts_created, DROP INDEX ticket_contacts_activity, DROP COLUMN created_key, DROP COLUMN activity_key",
			"ALTER TABLE ticket_companies DROP INDEX ticket_companies_created, DROP INDEX ticket_companies_activity, DROP COLUMN created_key, DROP COLUMN activity_key"},
	},
	// Version 5 kept custom dates in num, a double.
	6:  all("UPDATE ticket_props SET num = micros WHERE kind = 'd'", "ALTER TABLE ticket_props DROP COLUMN micros"),
	7:  all("ALTER TABLE submissions DROP COLUMN digest"),
	8:  all("DROP TABLE throttles"),
	9:  all("DROP TABLE pending_blobs"),
	10: all("DROP TABLE mail_queue"),
	11: {
		sqlstore.SQLite: {"DROP INDEX tickets_number", "DROP INDEX ticket_contacts_number", "DROP INDEX ticket_companies_number",
			"ALTER TABLE tickets DROP COLUMN number", "ALTER TABLE ticket_contacts DROP COLUMN number_key",
			"ALTER TABLE ticket_companies DROP COLUMN number_key", "ALTER TABLE tenants DROP COLUMN last_number"},
		sqlstore.Postgres: {"ALTER TABLE tickets DROP COLUMN number", "ALTER TABLE ticket_contacts DROP COLUMN number_key",
			"ALTER TABLE ticket_companies DROP COLUMN number_key", "ALTER TABLE tenants DROP COLUMN last_number"},
		sqlstore.MySQL: {"ALTER TABLE tickets DROP INDEX tickets_number, DROP COLUMN number",
			"ALTER TABLE ticket_contacts DROP INDEX ticket_contacts_number, DROP COLUMN number_key",
			"ALTER TABLE ticket_companies DROP INDEX ticket_companies_number, DROP COLUMN number_key",
			"ALTER TABLE tenants DROP COLUMN last_number"},
	},
	12: all("ALTER TABLE tickets DROP COLUMN rating", "ALTER TABLE tickets DROP COLUMN satisfaction"),
	13: all("ALTER TABLE tickets DROP COLUMN participants"),
	14: all("ALTER TABLE mail_queue DROP COLUMN ticket_id"),
	15: all("ALTER TABLE tokens DROP COLUMN email"),
	16: {
		sqlstore.SQLite: {"DROP INDEX ticket_contacts_shown", "DROP INDEX ticket_companies_shown",
			"ALTER TABLE ticket_contacts DROP COLUMN stage_id", "ALTER TABLE ticket_contacts DROP COLUMN shown",
			"ALTER TABLE ticket_companies DROP COLUMN stage_id", "ALTER TABLE ticket_companies DROP COLUMN shown"},
		sqlstore.Postgres: {"ALTER TABLE ticket_contacts DROP COLUMN stage_id, DROP COLUMN shown",
			"ALTER TABLE ticket_companies DROP COLUMN stage_id, DROP COLUMN shown"},
		sqlstore.MySQL: {"ALTER TABLE ticket_contacts DROP INDEX ticket_contacts_shown, DROP COLUMN stage_id, DROP COLUMN shown",
			"ALTER TABLE ticket_companies DROP INDEX ticket_companies_shown, DROP COLUMN stage_id, DROP COLUMN shown"},
	},
}

func all(stmts ...string) map[sqlstore.Dialect][]string {
	return map[sqlstore.Dialect][]string{sqlstore.SQLite: stmts, sqlstore.Postgres: stmts, sqlstore.MySQL: stmts}
}

// downTo takes a database of the newest schema back to version, as the
// release of that version left it, its data and all.
func downTo(t *testing.T, db *sql.DB, d sqlstore.Dialect, version int) {
	t.Helper()
	var current int
	require.NoError(t, db.QueryRow("SELECT MAX(version) FROM portal_schema").Scan(&current))
	require.Len(t, undo, current-1, "a test's undo for every migration")
	for v := current; v > version; v-- {
		for _, q := range undo[v][d] {
			_, err := db.Exec(q)
			require.NoError(t, err, "undo %d: %s", v, q)
		}
	}
	_, err := db.Exec(fmt.Sprintf("DELETE FROM portal_schema WHERE version > %d", version))
	require.NoError(t, err)
}

// upgraded copies w into a new database of d, takes it back to schema
// version (downTo), and opens it again, which migrates it.
func upgraded(t *testing.T, d dialect, w *world, version int) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	dsn := d.fresh(t)
	db := d.db(t, dsn)
	st, err := sqlstore.Open(ctx, db, d.name)
	require.NoError(t, err)
	w.copyTo(t, st)
	downTo(t, db, d.name, version)
	st, err = sqlstore.Open(ctx, d.db(t, dsn), d.name)
	require.NoError(t, err)
	return st
}

// A database of the release before the ordered scopes and the search index
// (schema version 4), with a helpdesk in it, is brought up to date by Open:
// its tickets get their order keys and their search index, and every list
// lists the same pages as the memory store, by every plan.
// covers: X1, X6
func TestMigrationOrdersKeepPages(t *testing.T) {
	w := newUnratedWorld(t, 21, 120) // a database of version 4 has no ratings
	eachDialect(t, func(t *testing.T, d dialect) {
		st := upgraded(t, d, w, 4)
		sqlstore.SetPlanBounds(st, 0, 1) // every search the index serves is searched
		rng := rand.New(rand.NewPCG(21, 3))
		for round := range 150 {
			q := w.query(rng)
			compare(t, round, w.mem, st, q)
			if round%5 == 0 {
				compareScan(t, round, w.mem, st, q)
			}
		}
		scope, walk, search := sqlstore.PagesByPlan(st)
		require.Positive(t, scope)
		require.Positive(t, walk)
		if d.name != sqlstore.MySQL {
			require.Positive(t, search, "the search index serves the tickets stored before it")
		}
	})
}

// A database of the release before the kept verdicts (schema version 15),
// whose tenant has a visibility filter, is brought up to date by Open: its
// associations get their stages and their verdicts, and every view's
// total under that filter, with or without a status filter, is counted
// from them and is the memory store's.
// covers: X1, P11, S8
func TestMigrationVerdictsKeepTotals(t *testing.T) {
	w := newWorld(t, 23, 150)
	ctx := context.Background()
	pid := w.data.Tenant.ID
	rng := rand.New(rand.NewPCG(23, 5))
	vis := w.filter(rng, 2)
	for vis.Stamp() <= 1 { // a filter whose verdicts are kept
		vis = w.filter(rng, 2)
	}
	set, err := w.mem.Settings(ctx, pid)
	require.NoError(t, err)
	set.Display.Visibility = vis.Groups()
	_, err = w.mem.SaveSettings(ctx, pid, set)
	require.NoError(t, err)
	defs, err := w.mem.Properties(ctx, pid)
	require.NoError(t, err)
	set, err = w.mem.Settings(ctx, pid)
	require.NoError(t, err)
	tenantVis, err := portal.VisibilityOf(&set, defs)
	require.NoError(t, err)
	statuses := []portal.TicketFilter{{}}
	for _, s := range []string{portal.StatusOpen, portal.StatusClosed} {
		f, err := portal.CompileTicketFilter(portal.FilterGroups{{{Property: portal.PropStatus, Operator: portal.IsAnyOf, Values: []string{s}}}}, w.schema)
		require.NoError(t, err)
		statuses = append(statuses, f)
	}
	eachDialect(t, func(t *testing.T, d dialect) {
		st := upgraded(t, d, w, 15)
		rng := rand.New(rand.NewPCG(23, 7)) // each dialect's own: they run in parallel
		shown := 0
		for round := range 60 {
			q := w.query(rng)
			q.Visibility, q.Filter, q.Search, q.Number = tenantVis, statuses[round%3], nil, 0
			for _, max := range []int{1, 7, 1000} {
				want, err := w.mem.CountTickets(ctx, q, max)
				require.NoError(t, err)
				got, err := st.CountTickets(ctx, q, max)
				require.NoError(t, err)
				require.Equal(t, want, got, "round %d, at most %d: %s", round, max, describe(q))
				shown += got
			}
		}
		require.Positive(t, shown, "the filter shows some tickets")
		kept, read := sqlstore.CountsByWay(st)
		assert.Equal(t, int64(180), kept, "counted from the kept verdicts")
		assert.Zero(t, read, "counted by reading tickets")
	})
}
