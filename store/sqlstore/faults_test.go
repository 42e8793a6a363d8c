package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/sqlstore"
	"github.com/helpdeskkit/portal/store/storetest"
)

// eachDialect runs fn as a parallel subtest per dialect.
func eachDialect(t *testing.T, fn func(t *testing.T, d dialect)) {
	for _, d := range dialects(t) {
		t.Run(string(d.name), func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}

// Search terms and filter values that are SQL, LIKE wildcards, escapes,
// NUL or very long are bound as values: the SQL stores answer exactly what
// the memory store answers, and the tables are intact afterwards.
// covers: X1, P2, S5
func TestHostileValuesAreOnlyValues(t *testing.T) {
	w := newWorld(t, 5, 60)
	hostile := []string{"'; DROP TABLE tickets; --", "%", "_", `\`, `\%`, "a\x00b", "\x00", `"`, "?", "$1",
		strings.Repeat("ø", 500), "' OR '1'='1", "*/ SELECT 1 /*"}
	eachDialect(t, func(t *testing.T, d dialect) {
		s := d.open(t)
		w.copyTo(t, s)
		rng := rand.New(rand.NewPCG(5, 5))
		for round, v := range hostile {
			q := w.query(rng)
			q.Search = strings.Fields(portal.Fold(v))
			for _, prop := range []string{portal.PropSubject, noteProp} {
				for _, op := range []portal.Operator{portal.EqualsAny, portal.ContainsAny, portal.NotContainsAny, portal.StartsWith, portal.EndsWith} {
					f, err := portal.CompileTicketFilter(portal.FilterGroups{{{Property: prop, Operator: op, Values: []string{v}}}}, w.schema)
					require.NoError(t, err, "%q is a valid text value", v)
					q.Filter = f
					compare(t, round, w.mem, s, q)
				}
			}
		}
		for _, tk := range w.data.Tickets {
			_, err := s.Ticket(context.Background(), tk.PortalID, tk.ID)
			require.NoError(t, err, "every ticket is still there")
		}
	})
}

// failCompanyInserts makes the database refuse every insert into
// ticket_companies, which PutTicket writes after the ticket row and its
// contacts: a fault in the middle of its transaction.
var failCompanyInserts = map[sqlstore.Dialect][]string{
	sqlstore.SQLite: {"CREATE TRIGGER fail BEFORE INSERT ON ticket_companies BEGIN SELECT RAISE(ABORT, 'injected fault'); END"},
	sqlstore.Postgres: {
		"CREATE FUNCTION fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql",
		"CREATE TRIGGER fail BEFORE INSERT ON ticket_companies FOR EACH ROW EXECUTE FUNCTION fail()",
	},
	sqlstore.MySQL: {"CREATE TRIGGER fail BEFORE INSERT ON ticket_companies FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected fault'"},
}

// A write that fails part-way leaves nothing of itself: a new ticket is not
// there at all, a replaced one is as it was, with its old associations.
// covers: X1
func TestFailedWriteLeavesNothing(t *testing.T) {
	eachDialect(t, func(t *testing.T, d dialect) {
		ctx := context.Background()
		db := d.db(t, d.fresh(t))
		s, err := sqlstore.Open(ctx, db, d.name)
		require.NoError(t, err)
		pid, contact, other := uuid.New(), uuid.New(), uuid.New()
		require.NoError(t, s.CreateTenant(ctx, portal.Tenant{ID: pid, Name: "T"}, portal.DefaultSettings()))
		at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
		tk := portal.Ticket{ID: uuid.New(), PortalID: pid, Number: 1, Subject: "Before", ContactIDs: []uuid.UUID{contact}, CreatedAt: at, LastActivityAt: at}
		require.NoError(t, s.PutTicket(ctx, tk))
		for _, stmt := range failCompanyInserts[d.name] {
			_, err := db.Exec(stmt)
			require.NoError(t, err)
		}

		changed := tk
		changed.Subject = "After"
		changed.ContactIDs = []uuid.UUID{other}
		changed.CompanyIDs = []uuid.UUID{uuid.New()}
		err = s.PutTicket(ctx, changed)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "injected fault")
		got, err := s.Ticket(ctx, pid, tk.ID)
		require.NoError(t, err)
		assert.Equal(t, tk, norm(got), "the ticket is as it was")

		fresh := changed
		fresh.ID, fresh.Number = uuid.New(), 0
		require.Error(t, s.PutTicket(ctx, fresh))
		_, err = s.Ticket(ctx, pid, fresh.ID)
		require.ErrorIs(t, err, portal.ErrNotFound)

		list := func(c uuid.UUID) []uuid.UUID {
			var page portal.TicketPage
			require.NoError(t, s.QueryTickets(ctx, portal.TicketQuery{PortalID: pid, ContactID: c, Limit: 10,
				Sort: portal.Sort{Property: mustProp(t, portal.PropCreatedAt)}}, &page))
			return ids(page)
		}
		assert.Equal(t, []uuid.UUID{tk.ID}, list(contact), "the old association stands")
		assert.Empty(t, list(other), "no new association")
	})
}

func mustProp(t *testing.T, name string) portal.Property {
	p, ok := portal.Schema{}.Lookup(portal.TicketObject, name)
	require.True(t, ok)
	return p
}

// A cancelled context and a closed database give an error at once and
// write nothing.
// covers: X1
func TestCancelledAndClosed(t *testing.T) {
	eachDialect(t, func(t *testing.T, d dialect) {
		s := d.open(t)
		pid := uuid.New()
		require.NoError(t, s.CreateTenant(context.Background(), portal.Tenant{ID: pid, Name: "T"}, portal.DefaultSettings()))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		tk := portal.Ticket{ID: uuid.New(), PortalID: pid, Subject: "Never", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
		err := s.PutTicket(ctx, tk)
		require.ErrorIs(t, err, context.Canceled)
		_, err = s.Ticket(context.Background(), pid, tk.ID)
		require.ErrorIs(t, err, portal.ErrNotFound)
		err = s.QueryTickets(ctx, portal.TicketQuery{PortalID: pid, ContactID: uuid.New(), Limit: 5,
			Sort: portal.Sort{Property: mustProp(t, portal.PropSubject)}}, new(portal.TicketPage))
		require.ErrorIs(t, err, context.Canceled)

		db := d.db(t, d.fresh(t))
		closed, err := sqlstore.Open(context.Background(), db, d.name)
		require.NoError(t, err)
		require.NoError(t, db.Close())
		start := time.Now()
		err = closed.CreateTenant(context.Background(), portal.Tenant{ID: uuid.New()}, portal.DefaultSettings())
		require.Error(t, err)
		assert.False(t, errors.Is(err, portal.ErrConflict) || errors.Is(err, portal.ErrNotFound), "a closed database is neither: %v", err)
		_, err = closed.Tenant(context.Background(), pid)
		require.Error(t, err)
		assert.Less(t, time.Since(start), 5*time.Second, "a closed database answers at once")
	})
}

// Migrations are recorded and idempotent, several processes may run them
// at once, and a database at a newer schema version is refused.
// covers: X1
func TestMigrations(t *testing.T) {
	eachDialect(t, func(t *testing.T, d dialect) {
		ctx := context.Background()
		dsn := d.fresh(t)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() { // each as its own process would: its own pool
				defer wg.Done()
				_, errs[i] = sqlstore.Open(ctx, d.db(t, dsn), d.name)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		db := d.db(t, dsn)
		_, err := sqlstore.Open(ctx, db, d.name)
		require.NoError(t, err, "a second run changes nothing")
		var versions, applied int
		require.NoError(t, db.QueryRow("SELECT COUNT(*), COUNT(DISTINCT version) FROM portal_schema").Scan(&versions, &applied))
		assert.Equal(t, versions, applied, "each version is recorded once")
		assert.Positive(t, versions)

		_, err = db.Exec("INSERT INTO portal_schema (version, applied_at) VALUES (9999, 0)")
		require.NoError(t, err)
		_, err = sqlstore.Open(ctx, db, d.name)
		require.ErrorIs(t, err, sqlstore.ErrSchemaTooNew)
		assert.Contains(t, err.Error(), "9999")
	})
}

// A database made at schema version 1, with tenants in it, is brought up to
// date by Open: the generations of its tenants are filled in, and a change
// to a channel is seen by the next snapshot.
// covers: X1
func TestMigrationUpgradesTenants(t *testing.T) {
	eachDialect(t, func(t *testing.T, d dialect) {
		ctx := context.Background()
		f := d.withTenant(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
		db, pid := f.db, f.pid
		c := f.contact(t, "a@b.example")
		downTo(t, db, d.name, 1) // as an older release left it

		st, err := sqlstore.Open(ctx, d.db(t, f.dsn), d.name)
		require.NoError(t, err)
		var generation int64
		require.NoError(t, db.QueryRow(sqlstore.Rebind(d.name, "SELECT generation FROM generations WHERE portal_id = ?"), pid[:]).Scan(&generation))
		assert.Zero(t, generation)
		_, err = st.Snapshot(ctx, pid, c.ID)
		require.NoError(t, err)
		ch := portal.Channel{ID: uuid.Must(portal.NewID()), PortalID: pid, Name: "Desk", Kind: portal.HelpDesk}
		require.NoError(t, st.PutChannel(ctx, ch))
		snap, err := st.Snapshot(ctx, pid, c.ID)
		require.NoError(t, err)
		assert.Equal(t, []portal.Channel{ch}, snap.Channels)
	})
}

// Contacts stored before the contact indexes existed (schema version 3)
// are indexed by the migration that makes them: registration and
// invitations find them by e-mail and by list. More contacts than one
// batch of the backfill.
// covers: X1, A2, A3
func TestMigrationIndexesOldContacts(t *testing.T) {
	eachDialect(t, func(t *testing.T, d dialect) {
		ctx := context.Background()
		f := d.withTenant(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
		db, st, pid, at, dsn := f.db, f.st, f.pid, f.at, f.dsn
		list := portal.ContactList{ID: uuid.Must(portal.NewID()), PortalID: pid, Name: "Customers"}
		require.NoError(t, st.PutContactList(ctx, list))
		const n = 1203
		var members []uuid.UUID
		for i := range n {
			c := portal.Contact{ID: uuid.Must(portal.NewID()), PortalID: pid, Email: fmt.Sprintf("Kunde%d@Firma.example", i), CreatedAt: at, UpdatedAt: at}
			if i%2 == 0 {
				c.Lists = []uuid.UUID{list.ID}
				members = append(members, c.ID)
			}
			require.NoError(t, st.PutContact(ctx, portal.ContactChange{Contact: c}))
		}
		downTo(t, db, d.name, 3) // as a release before the indexes left it

		st, err := sqlstore.Open(ctx, d.db(t, dsn), d.name)
		require.NoError(t, err)
		for _, i := range []int{0, 1, 600, n - 1} {
			found, err := st.ContactsByEmail(ctx, pid, fmt.Sprintf("kunde%d@firma.example", i))
			require.NoError(t, err)
			require.Len(t, found, 1, "contact %d", i)
		}
		assert.ElementsMatch(t, members, storetest.MemberIDs(t, st, pid, []uuid.UUID{list.ID}, 100))
	})
}

// The store works on a generated helpdesk through the Portal: a
// customer's list and the conversation. covers: P1, P3
func TestPortalOnSQL(t *testing.T) {
	eachDialect(t, func(t *testing.T, d dialect) {
		ctx := context.Background()
		p, err := portal.New(d.open(t), portal.Options{Now: portaltest.Now})
		require.NoError(t, err)
		data, err := portaltest.Generate(ctx, p, portaltest.Size{}, 3)
		require.NoError(t, err)
		c := data.Contacts[0]
		tv, err := p.ListTickets(ctx, portal.Viewer{PortalID: data.Tenant.ID, ContactID: c.ID}, portal.ListQuery{Limit: portal.DefaultPageSize})
		require.NoError(t, err)
		require.NotEmpty(t, tv.Rows)
		detail, err := p.TicketDetail(ctx, portal.Viewer{PortalID: data.Tenant.ID, ContactID: c.ID}, tv.Rows[0].ID)
		require.NoError(t, err)
		assert.NotEmpty(t, detail.Conversation)
	})
}

// A SQLite file whose path holds URI characters is opened at that path.
func TestSQLiteDSNPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a #1? 100% ø.db")
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(path))
	require.NoError(t, err)
	defer db.Close()
	_, err = sqlstore.Open(context.Background(), db, sqlstore.SQLite)
	require.NoError(t, err)
	_, err = os.Stat(path)
	require.NoError(t, err, "the database is at the path given")
}

// An unknown dialect is refused before the database is touched.
func TestUnknownDialect(t *testing.T) {
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "x.db")))
	require.NoError(t, err)
	defer db.Close()
	_, err = sqlstore.Open(context.Background(), db, "oracle")
	require.ErrorIs(t, err, portal.ErrInvalid)
	assert.Contains(t, err.Error(), "dialect")
}

// A write that keeps losing to another transaction (here: another process
// holds SQLite's write lock, and the database does not wait for it) runs
// again until the store's retry budget is spent, then fails with a
// *portal.BusyError: ErrConflict, "try again", never ErrInternal. Once the
// other lets go, the same write succeeds. covers: X7
func TestBusyDatabaseMeansTryAgain(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "portal.db")
	dsn := "file:" + path + "?_pragma=busy_timeout(0)&_pragma=journal_mode(WAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	defer db.Close()
	_, err = sqlstore.OpenWith(ctx, db, sqlstore.SQLite, sqlstore.Options{RetryBudget: -1})
	require.ErrorIs(t, err, portal.ErrInvalid, "a negative budget")
	st, err := sqlstore.OpenWith(ctx, db, sqlstore.SQLite, sqlstore.Options{RetryBudget: 300 * time.Millisecond})
	require.NoError(t, err)

	other, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	defer other.Close()
	holder, err := other.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	require.NoError(t, err)
	_, err = holder.Exec("UPDATE portal_schema SET applied_at = applied_at")
	require.NoError(t, err)

	tenant := portal.Tenant{ID: uuid.New(), Name: "Busy", CreatedAt: portaltest.Now()}
	err = st.CreateTenant(ctx, tenant, portal.DefaultSettings())
	var busy *portal.BusyError
	require.ErrorAs(t, err, &busy)
	assert.ErrorIs(t, err, portal.ErrConflict)
	assert.NotErrorIs(t, err, portal.ErrInternal)
	assert.False(t, busy.Unknown, "nothing was committed")
	assert.NotContains(t, err.Error(), "SQLITE", "the driver's message is kept for logs, not shown")
	assert.Greater(t, st.Stats().Reruns, int64(2), "it ran again, more than twice")

	require.NoError(t, holder.Rollback())
	require.NoError(t, st.CreateTenant(ctx, tenant, portal.DefaultSettings()))
	_, err = st.Tenant(ctx, tenant.ID)
	require.NoError(t, err)
}
