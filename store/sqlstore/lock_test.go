package sqlstore_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/google/uuid"
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
			eachDialect(t, func(t *testing.T, d dialect) {
				if d.name == sqlstore.SQLite {
					t.Skip("SQLite runs one writer at a time: no write waits for another's lock")
				}
				ctx := context.Background()
				f := d.withTenant(t, time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC))
				db, st, pid := f.db, f.st, f.pid
				c := f.contact(t, "ann@acme.example")

				// Another writer holds the contact and changes its e-mail.
				holder, err := db.BeginTx(ctx, nil)
				require.NoError(t, err)
				defer holder.Rollback()
				var one int
				require.NoError(t, holder.QueryRowContext(ctx, sqlstore.Rebind(d.name,
					"SELECT 1 FROM contacts WHERE portal_id = ? AND id = ? FOR UPDATE"), pid[:], c.ID[:]).Scan(&one))
				_, err = holder.ExecContext(ctx, sqlstore.Rebind(d.name,
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
