package sqlstore_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/blobs"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/sqlstore"
)

// errSecret is a database failure whose text no caller may see.
var errSecret = errors.New("disk I/O error at /var/lib/secret-7f3a (SQLITE_IOERR)")

// Every operation of a customer over a database that fails at any one of
// its statements, or at its commit, answers an error that wraps one of the
// package's sentinels and says nothing of the failure, or succeeds (the
// statement was retried); with no failure it succeeds.
// covers: X8, X1
func TestDatabaseFailuresLeakNothing(t *testing.T) {
	ctx := context.Background()
	dsn := freshSQLite(t)
	plain, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	f := &faults{}
	db := sql.OpenDB(faultConnector{drv: plain.Driver(), dsn: dsn, f: f})
	require.NoError(t, plain.Close())
	t.Cleanup(func() { db.Close() })
	st, err := sqlstore.Open(ctx, db, sqlstore.SQLite)
	require.NoError(t, err)
	p, err := portal.New(st, portal.Options{Now: portaltest.Now, Blobs: blobs.NewMemory(), Mailer: &portaltest.Mailbox{},
		Auth: portal.AuthOptions{Password: portal.PasswordParams{Memory: 64, Time: 1}}})
	require.NoError(t, err)
	d, err := portaltest.Generate(ctx, p, portaltest.Size{Companies: 2, ContactsPerCompany: 2, Tickets: 30}, 11)
	require.NoError(t, err)
	var v portal.Viewer
	var ticket portal.Ticket
	for _, tk := range d.Tickets {
		v = portal.Viewer{PortalID: d.Tenant.ID, ContactID: tk.RequesterID}
		if det, err := p.TicketDetail(ctx, v, tk.ID); err == nil && det.CanReply && det.CanClose {
			ticket = tk
			break
		}
	}
	require.NotZero(t, ticket.ID, "a ticket its requester may reply to and close")
	contact, err := p.Contact(ctx, d.Tenant.ID, v.ContactID)
	require.NoError(t, err)

	ops := []struct {
		name string
		do   func() error
	}{
		{"list", func() error { _, err := p.ListTickets(ctx, v, portal.ListQuery{Limit: 10, Search: "a"}); return err }},
		{"detail", func() error { _, err := p.TicketDetail(ctx, v, ticket.ID); return err }},
		{"export", func() error {
			_, err := p.ExportCSV(ctx, v, portal.ListQuery{}, io.Discard, portal.CSVOptions{})
			return err
		}},
		{"reply", func() error {
			_, err := p.Reply(ctx, v, ticket.ID, portal.ReplyInput{Text: "Any news?"})
			return err
		}},
		{"submit", func() error {
			_, err := p.SubmitTicket(ctx, v, portal.SubmissionInput{Values: map[string]any{"subject": "Printer", "content": "It jams"}})
			return err
		}},
		{"close", func() error { _, err := p.Close(ctx, v, ticket.ID); return err }},
		{"settings", func() error {
			s, err := p.Settings(ctx, d.Tenant.ID)
			if err == nil {
				s.Name += "!"
				_, err = p.SaveSettings(ctx, d.Tenant.ID, s)
			}
			return err
		}},
		{"events", func() error { _, err := p.Events(ctx, d.Tenant.ID, 0, 50); return err }},
		// Getting in: the answer without a failure is the one named.
		{"invite", func() error { return p.InviteContact(ctx, d.Tenant.ID, v.ContactID) }},
		{"deliver mail", func() error { _, err := p.DeliverMail(ctx, d.Tenant.ID); return err }},
		{"reset request", func() error { return p.RequestPasswordReset(ctx, d.Tenant.ID, contact.Email) }},
		{"wrong password", func() error {
			_, _, err := p.Login(ctx, d.Tenant.ID, contact.Email, "not the password")
			return expected(err, portal.ErrUnauthenticated)
		}},
		{"unknown session", func() error {
			_, err := p.Authenticate(ctx, d.Tenant.ID, strings.Repeat("A", 43)) // a token's form, no session's
			return expected(err, portal.ErrUnauthenticated)
		}},
		{"preview", func() error {
			_, _, err := p.Preview(ctx, d.Tenant.ID, v.ContactID, "agent@helpdesk.example")
			return err
		}},
		{"purge", func() error { _, _, err := p.PurgeExpired(ctx, d.Tenant.ID); return err }},
		// The host's operations.
		{"save contact, e-mail changed", func() error {
			c, err := p.Contact(ctx, d.Tenant.ID, v.ContactID)
			if err == nil {
				c.Email = "x" + c.Email
				_, err = p.SaveContact(ctx, c)
			}
			return err
		}},
		{"save ticket", func() error {
			tk, err := p.Ticket(ctx, d.Tenant.ID, ticket.ID)
			if err == nil {
				tk.Subject += "!"
				_, err = p.SaveTicket(ctx, tk)
			}
			return err
		}},
		{"agent's message", func() error {
			det, err := p.TicketDetail(ctx, v, ticket.ID)
			if err == nil {
				_, err = p.AddMessage(ctx, portal.Message{PortalID: d.Tenant.ID, ThreadID: det.ThreadID, Kind: portal.AgentMessage,
					From: "agent@helpdesk.example", Text: "We are on it."})
			}
			return err
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			for n := 1; ; n++ {
				f.arm(n)
				err := op.do()
				if !f.disarm() {
					require.NoError(t, err, "no failure")
					require.Greater(t, n, 1, "the operation reads the database")
					t.Logf("%d statements and commits, each failed once", n-1)
					return
				}
				if err == nil {
					continue // the failed statement was tried again
				}
				assert.True(t, wrapsSentinel(err), "statement %d: %v wraps no sentinel", n, err)
				assert.NotContains(t, err.Error(), "secret", "statement %d", n)
				assert.NotContains(t, err.Error(), "SQLITE", "statement %d", n)
			}
		})
	}
}

// expected is nil for an error that wraps want, the operation's answer
// when nothing fails.
func expected(err, want error) error {
	if errors.Is(err, want) {
		return nil
	}
	return err
}

func wrapsSentinel(err error) bool {
	for _, s := range []error{portal.ErrNotFound, portal.ErrInvalid, portal.ErrConflict, portal.ErrForbidden,
		portal.ErrPortalDisabled, portal.ErrUnauthenticated, portal.ErrInternal} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// faults fails the n-th statement (or commit) after arm(n) with errSecret.
type faults struct {
	mu    sync.Mutex
	left  int
	fired bool
}

func (f *faults) arm(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.left, f.fired = n, false
}

// disarm stops counting and reports whether the failure happened.
func (f *faults) disarm() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.left = 0
	return f.fired
}

func (f *faults) hit() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.left == 0 {
		return nil
	}
	f.left--
	if f.left > 0 {
		return nil
	}
	f.fired = true
	return errSecret
}

// faultConnector opens connections of drv whose statements and commits
// go through f.
type faultConnector struct {
	drv driver.Driver
	dsn string
	f   *faults
}

func (c faultConnector) Connect(context.Context) (driver.Conn, error) {
	cn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &faultConn{Conn: cn, f: c.f}, nil
}

func (c faultConnector) Driver() driver.Driver { return c.drv }

type faultConn struct {
	driver.Conn
	f *faults
}

func (c *faultConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.f.hit(); err != nil {
		return nil, err
	}
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *faultConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.f.hit(); err != nil {
		return nil, err
	}
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *faultConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c *faultConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return faultTx{Tx: tx, f: c.f}, nil
}

func (c *faultConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

type faultTx struct {
	driver.Tx
	f *faults
}

func (t faultTx) Commit() error {
	if err := t.f.hit(); err != nil {
		_ = t.Tx.Rollback()
		return err
	}
	return t.Tx.Commit()
}

// The wrapper passes on what SQLite's connection does.
var (
	_ driver.ExecerContext      = (*faultConn)(nil)
	_ driver.QueryerContext     = (*faultConn)(nil)
	_ driver.ConnPrepareContext = (*faultConn)(nil)
	_ driver.ConnBeginTx        = (*faultConn)(nil)
)
