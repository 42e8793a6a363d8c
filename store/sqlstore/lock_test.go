package sqlstore_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/store/sqlstore"
)

// A write that waits for a contact's lock checks what it was decided on
// against what the holder of the lock committed, not against what the
// database held when the write's transaction began (on MariaDB, a plain
// read sees that older snapshot): when the contact's e-mail changed
// meanwhile, a contact change decided on the old one, and a registration
// that found the contact by it, are conflicts, and Portal decides again.
// SQLite runs one writer at a time.
// covers: A2, A4, X8
func TestWritesCheckTheContactsLastCommittedEmail(t *testing.T) {
	for _, w := range []struct {
		name string
		// statement is how the write's waiting statement begins.
		statement string
		write     func(st *sqlstore.Store, c portal.Contact) error
	}{
		{"ContactChange", "INSERT INTO contacts ", func(st *sqlstore.Store, c portal.Contact) error {
			c.FirstName = "Ann"
			return st.PutContact(context.Background(), portal.ContactChange{Contact: c, If: &portal.ContactState{Email: c.Email}})
		}},
		{"Register", "SELECT 1 FROM contacts ", func(st *sqlstore.Store, c portal.Contact) error {
			return st.Register(context.Background(), portal.RegisterChange{Contact: c,
				Login: portal.Login{PortalID: c.PortalID, ContactID: c.ID, Email: c.Email, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}})
		}},
	} {
		t.Run(w.name, func(t *testing.T) {
			eachLockingDialect(t, func(t *testing.T, d dialect, f fresh) {
				ctx := context.Background()
				db, st, pid := f.db, f.st, f.pid
				c := f.contact(t, "ann@acme.example")

				// Another writer holds the contact and changes its e-mail.
				holder := hold(t, db, d, "SELECT 1 FROM contacts WHERE portal_id = ? AND id = ? FOR UPDATE", pid[:], c.ID[:])
				_, err := holder.ExecContext(ctx, sqlstore.Rebind(d.name,
					"UPDATE contact_emails SET email = ? WHERE portal_id = ? AND contact_id = ?"), "ann@new.example", pid[:], c.ID[:])
				require.NoError(t, err)

				// A write decided on the old e-mail begins, and waits.
				done := make(chan error, 1)
				go func() { done <- w.write(st, c) }()
				waitForWaiter(t, db, holder, d.name, w.statement, done)
				require.NoError(t, holder.Commit())
				require.ErrorIs(t, <-done, portal.ErrConflict, "the e-mail it was decided on is no longer the contact's")
				_, err = st.LoginByEmail(ctx, pid, c.Email)
				require.ErrorIs(t, err, portal.ErrNotFound, "no login under the old e-mail")
				got, err := st.Contacts(ctx, pid, []uuid.UUID{c.ID})
				require.NoError(t, err)
				require.Len(t, got, 1)
				require.Empty(t, got[0].FirstName, "the refused write changed nothing of the contact")
			})
		})
	}
}

// eachLockingDialect runs fn as a parallel subtest, on a fresh tenant, per
// dialect whose writers run side by side and wait for each other's locks:
// SQLite runs one writer at a time.
func eachLockingDialect(t *testing.T, fn func(t *testing.T, d dialect, f fresh)) {
	eachDialect(t, func(t *testing.T, d dialect) {
		if d.name == sqlstore.SQLite {
			t.Skip("SQLite runs one writer at a time: no write waits for another's lock")
		}
		fn(t, d, d.withTenant(t, time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)))
	})
}

// hold begins a transaction on db that holds the rows a locking SELECT of
// one column (query, in ? form) reads, until it ends: rolled back at the
// test's end at the latest.
func hold(t *testing.T, db *sql.DB, d dialect, query string, args ...any) *sql.Tx {
	t.Helper()
	ctx := context.Background()
	holder, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = holder.Rollback() })
	var v any
	require.NoError(t, holder.QueryRowContext(ctx, sqlstore.Rebind(d.name, query), args...).Scan(&v))
	return holder
}

// waitForWaiter returns once a write waits for a lock that holder holds.
// It watches from another connection of db (PostgreSQL's activity view
// holds still within a transaction); MariaDB lists no lock waits of a
// transaction that has written nothing yet, so there it looks for the
// write's statement, which begins with statement. It fails the test if the
// write ends first.
func waitForWaiter(t *testing.T, db *sql.DB, holder *sql.Tx, d sqlstore.Dialect, statement string, done <-chan error) {
	t.Helper()
	ctx := context.Background()
	var pid int64
	q := "SELECT count(*) FROM information_schema.PROCESSLIST WHERE db = DATABASE() AND info LIKE ?"
	args := []any{statement + "%"}
	if d == sqlstore.Postgres {
		require.NoError(t, holder.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid))
		q, args = "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", []any{pid}
	}
	deadline := time.Now().Add(time.Minute)
	for {
		var n int
		require.NoError(t, db.QueryRowContext(ctx, q, args...).Scan(&n))
		if n > 0 {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("the write ended without waiting for the lock: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the write never came to wait for the lock")
		}
	}
}

// A ticket write that began before a change of the visibility filter, and
// waited for a lock until the change was committed, decides its ticket's
// verdict under the new filter, not under the settings its transaction
// began with (on MariaDB a plain read sees that older snapshot): the
// scope's total is then still counted from the kept verdicts. The filter
// is changed through another Store on the database, as by another
// process, whose settings the writing Store has not seen.
// covers: P11, S8, X7
func TestWriteWaitingOnAFilterChangeDecidesUnderIt(t *testing.T) {
	eachLockingDialect(t, func(t *testing.T, d dialect, f fresh) {
		ctx := context.Background()
		db, st, pid, at := f.db, f.st, f.pid, f.at
		c := f.contact(t, "ann@acme.example")
		other, err := sqlstore.Open(ctx, d.db(t, f.dsn), d.name)
		require.NoError(t, err)
		show := func(st *sqlstore.Store, term string) portal.TicketFilter {
			set, err := st.Settings(ctx, pid)
			require.NoError(t, err)
			set.Display.Visibility = portal.FilterGroups{{{Property: portal.PropSubject, Operator: portal.ContainsAny, Values: []string{term}}}}
			_, err = st.SaveSettings(ctx, pid, set)
			require.NoError(t, err)
			set, err = st.Settings(ctx, pid)
			require.NoError(t, err)
			defs, err := st.Properties(ctx, pid)
			require.NoError(t, err)
			vis, err := portal.VisibilityOf(&set, defs)
			require.NoError(t, err)
			require.Greater(t, vis.Stamp(), int64(1), "a filter whose verdicts are kept")
			return vis
		}
		show(st, "alpha")

		// Another writer holds the tenant's row, which a new ticket's number
		// needs.
		holder := hold(t, db, d, "SELECT last_number FROM tenants WHERE id = ? FOR UPDATE", pid[:])

		// A new ticket's write begins, and waits; the filter changes
		// meanwhile, to one the ticket passes.
		tk := portal.Ticket{ID: uuid.Must(portal.NewID()), PortalID: pid, Subject: "Beta printer", RequesterID: c.ID,
			ContactIDs: []uuid.UUID{c.ID}, CreatedAt: at, LastActivityAt: at}
		done := make(chan error, 1)
		go func() { done <- st.PutTicket(ctx, tk) }()
		waitForWaiter(t, db, holder, d.name, "SELECT last_number FROM tenants ", done)
		vis := show(other, "beta")
		require.NoError(t, holder.Rollback())
		require.NoError(t, <-done)

		kept, read := sqlstore.CountsByWay(st)
		n, err := st.CountTickets(ctx, portal.TicketQuery{PortalID: pid, ContactID: c.ID, Visibility: vis, Now: at}, 100)
		require.NoError(t, err)
		require.Equal(t, 1, n, "the ticket passes the filter")
		keptNow, readNow := sqlstore.CountsByWay(st)
		assert.Equal(t, kept+1, keptNow, "counted from the kept verdicts")
		assert.Equal(t, read, readNow, "counted by reading the tickets")
	})
}

// A change that may change the visibility filter's verdicts, a save of the
// settings or of a custom property, takes the settings' row exclusively
// before it decides the tickets again, and so waits for a write of a
// ticket that holds the row shared while it decides the ticket's verdict
// (as tenantFilter does): the change's statement, which reads the tickets
// as they were when it began, then begins after the write has committed,
// and never writes a verdict of the ticket as it was before the write
// under the new filter.
// covers: P11, S8
func TestFilterChangesWaitForDecidingWrites(t *testing.T) {
	for _, change := range []struct {
		name string
		// statement is how the change's waiting statement begins.
		statement string
		run       func(st *sqlstore.Store, pid uuid.UUID) error
	}{
		{"settings", "UPDATE settings ", func(st *sqlstore.Store, pid uuid.UUID) error {
			set, err := st.Settings(context.Background(), pid)
			if err != nil {
				return err
			}
			set.Display.Visibility = portal.FilterGroups{{{Property: portal.PropSubject, Operator: portal.ContainsAny, Values: []string{"beta"}}}}
			_, err = st.SaveSettings(context.Background(), pid, set)
			return err
		}},
		{"property", "SELECT 1 FROM settings ", func(st *sqlstore.Store, pid uuid.UUID) error {
			return st.PutProperty(context.Background(), pid, portal.PropertyDef{Object: portal.TicketObject,
				Property: portal.Property{Name: "region", Label: "Region", Type: portal.Text}})
		}},
	} {
		t.Run(change.name, func(t *testing.T) {
			eachLockingDialect(t, func(t *testing.T, d dialect, f fresh) {
				db, st, pid := f.db, f.st, f.pid

				// A write of a ticket is deciding its verdict.
				holder := hold(t, db, d, "SELECT version FROM settings WHERE portal_id = ?"+sqlstore.ForShare(d.name), pid[:])

				done := make(chan error, 1)
				go func() { done <- change.run(st, pid) }()
				waitForWaiter(t, db, holder, d.name, change.statement, done)
				require.NoError(t, holder.Commit())
				require.NoError(t, <-done)
			})
		})
	}
}
