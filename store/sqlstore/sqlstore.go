// Package sqlstore is a portal.Store on a SQL database: SQLite (the embedded
// default), PostgreSQL or MariaDB/MySQL, through database/sql.
//
// The package imports no driver. The host opens the *sql.DB with the driver
// of its choice and passes it with the dialect:
//
//	import _ "modernc.org/sqlite"                      // SQLite, pure Go
//	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN("portal.db"))
//	st, err := sqlstore.Open(ctx, db, sqlstore.SQLite)
//
//	import _ "github.com/jackc/pgx/v5/stdlib"          // PostgreSQL
//	db, err := sql.Open("pgx", "postgres://user@host/db")
//	st, err := sqlstore.Open(ctx, db, sqlstore.Postgres)
//
//	import _ "github.com/go-sql-driver/mysql"          // MariaDB, MySQL
//	db, err := sql.Open("mysql", "user@tcp(host:3306)/db?interpolateParams=true")
//	st, err := sqlstore.Open(ctx, db, sqlstore.MySQL)
//
// For MySQL, interpolateParams=true lets the driver send each statement
// with its values in one round trip instead of preparing, executing and
// closing it (three); the driver escapes the values itself. The store works
// either way.
//
// Open applies the embedded migrations (see Migrate). A page of a customer's
// ticket list — scope, visibility and customer filters, search, sort, cursor
// and page size — is one parameterised statement over indexes (plan.go): a
// walk of the scope's order index for the sorts by creation and last
// activity, the search index's tickets for a rare search term (SQLite FTS5,
// PostgreSQL pg_trgm; search.go), the scope's tickets otherwise. User text is
// only ever bound, never written into SQL. Every write runs in one
// transaction.
//
// Texts that the portal compares without regard to case are stored folded
// (portal.Fold) as byte strings beside the record, so that every dialect
// compares, searches and sorts them byte for byte exactly as the memory
// store does; a differential test holds the stores to the same answers.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// Store is a portal.Store on a SQL database. It is safe for concurrent use
// by any number of goroutines and processes sharing the database.
type Store struct {
	db     *sql.DB
	d      Dialect
	budget time.Duration // Options.RetryBudget
	reruns atomic.Int64  // Stats.Reruns
	kept   keptParts     // what every request of a tenant reads besides its contact
	search searchIndex   // the database's search index, if it has one
	// rareTickets and sampleRows replace the plans' bounds when set
	// (tests); plans counts the pages cut by each plan.
	rareTickets, sampleRows int
	plans                   [plans]atomic.Int64
	keptCounts, readCounts  atomic.Int64 // totals counted from kept verdicts, and by reading tickets
}

var (
	_ portal.Store     = (*Store)(nil)
	_ portal.AuthStore = (*Store)(nil)
)

// Options configure a Store. The zero value is the default.
type Options struct {
	// RetryBudget bounds how long a write transaction that keeps losing
	// races to other transactions on the same rows (deadlocks, a Galera
	// cluster's certification conflicts, serialization failures, a busy
	// SQLite database), or that cannot reach the database, is run again,
	// with growing, jittered pauses, before it fails with a
	// *portal.BusyError (ErrConflict: try again). The context's deadline
	// bounds it too. 0 means DefaultRetryBudget. It bounds the pauses, not
	// one run: a statement can wait for a lock as long as the database lets
	// it (MariaDB's innodb_lock_wait_timeout, 50 s by default).
	RetryBudget time.Duration
}

// Open migrates the database to the schema this package knows and returns a
// Store on it with the default Options. The caller keeps db and closes it
// when done.
func Open(ctx context.Context, db *sql.DB, d Dialect) (*Store, error) {
	return OpenWith(ctx, db, d, Options{})
}

// OpenWith is Open with Options.
func OpenWith(ctx context.Context, db *sql.DB, d Dialect, opts Options) (*Store, error) {
	if opts.RetryBudget < 0 {
		return nil, fmt.Errorf("%w: retryBudget: must not be negative", portal.ErrInvalid)
	}
	if opts.RetryBudget == 0 {
		opts.RetryBudget = DefaultRetryBudget
	}
	if err := Migrate(ctx, db, d); err != nil {
		return nil, err
	}
	search, err := detectSearch(ctx, db, d)
	if err != nil {
		return nil, err
	}
	return &Store{db: db, d: d, budget: opts.RetryBudget, kept: keptParts{m: map[uuid.UUID]*parts{}}, search: search}, nil
}

// Stats are counts of what a Store did since it was opened.
type Stats struct {
	// Reruns counts the write transactions run again because they lost a
	// race to another transaction or their connection before committing
	// (Options.RetryBudget): a measure of contention, on a cluster of its
	// conflicts between nodes.
	Reruns int64
}

// Stats returns the store's counts.
func (s *Store) Stats() Stats {
	return Stats{Reruns: s.reruns.Load()}
}

// SQLiteDSN returns the modernc.org/sqlite data source name for a database
// file at path, set up for a server: write-ahead logging, a busy timeout of
// 10 s, immediate transactions (a writer takes the write lock when it
// begins, so two writers queue instead of failing), synchronous=NORMAL,
// safe with WAL, and the database file read through memory mapping (up to
// 2 GiB of it: the pages come from the operating system's cache with no
// system call, which made a page of a big company's list 30% faster).
// Characters that mean something in a URI (?, #, %) may appear in path.
func SQLiteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "mmap_size(2147418112)")
	q.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// query runs a query outside a transaction; row, one whose result is one
// row.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.db.QueryContext(ctx, s.d.rebind(q), args...)
}

func (s *Store) row(ctx context.Context, q string, args ...any) *sql.Row {
	return s.db.QueryRowContext(ctx, s.d.rebind(q), args...)
}

// tx is a write transaction: its statements use ? placeholders, which its
// methods, the only way to its *sql.Tx, rewrite for the dialect.
type tx struct {
	t *sql.Tx
	d Dialect
}

func (t tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.t.ExecContext(ctx, t.d.rebind(q), args...)
}

func (t tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.t.QueryContext(ctx, t.d.rebind(q), args...)
}

func (t tx) row(ctx context.Context, q string, args ...any) *sql.Row {
	return t.t.QueryRowContext(ctx, t.d.rebind(q), args...)
}

// bump counts a change to the tenant's custom properties, pipelines or
// channels in its generation (see Snapshot).
func (t tx) bump(ctx context.Context, portalID uuid.UUID) error {
	_, err := t.exec(ctx, "UPDATE generations SET generation = generation + 1 WHERE portal_id = ?", id(portalID))
	return err
}

// write runs fn in a transaction of the tenant portalID (transact): it
// fails with ErrNotFound when the tenant does not exist.
func (s *Store) write(ctx context.Context, op string, portalID uuid.UUID, fn func(t tx) error) error {
	return s.transact(ctx, op, func(t tx) error {
		var one int
		if err := t.row(ctx, "SELECT 1 FROM tenants WHERE id = ?", id(portalID)).Scan(&one); err != nil {
			if err == sql.ErrNoRows {
				return fmt.Errorf("%w: tenant %s", portal.ErrNotFound, portalID)
			}
			return err
		}
		return fn(t)
	})
}

// transact runs fn in a transaction and commits it when fn succeeds. A
// transaction that lost a race with another (retryable), or that lost its
// connection before its commit (unavailable), was rolled back: it runs
// again, within the store's retry budget. So fn must do nothing that
// outlives its transaction: no write elsewhere, no change to the store's
// memory or to fn's caller's variables that a second run would not redo.
// A commit whose connection was lost may or may not have been written: it
// is not run again, and its error is a *portal.BusyError that says so.
func (s *Store) transact(ctx context.Context, op string, fn func(t tx) error) error {
	committing, runs := false, 0
	again := func(err error) bool { return retryable(err) || !committing && unavailable(err) }
	err := retry(ctx, s.budget, func() error {
		if runs++; runs > 1 {
			s.reruns.Add(1)
		}
		committing = false
		sqlTx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer sqlTx.Rollback()
		if err := fn(tx{sqlTx, s.d}); err != nil {
			return err
		}
		committing = true
		return commit(ctx, sqlTx)
	}, again)
	if err != nil && committing && (unavailable(err) || errors.As(err, new(errCommitAbandoned))) {
		return &portal.BusyError{Op: op, Unknown: true, Err: err}
	}
	return mapErr(op, err)
}

// commit commits sqlTx, or gives up waiting when ctx ends first: a
// database/sql commit does not heed the context, and a commit on a cluster
// can wait for as long as the database's lock wait timeout. The commit
// goes on without a waiter; its outcome is unknown, and the error, the
// context's, says so (transact: a *portal.BusyError with Unknown set).
func commit(ctx context.Context, sqlTx *sql.Tx) error {
	if ctx.Done() == nil {
		return sqlTx.Commit()
	}
	if err := ctx.Err(); err != nil {
		return err // not sent: database/sql rolls the transaction back
	}
	done := make(chan error, 1)
	go func() { done <- sqlTx.Commit() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		select {
		case err := <-done: // it answered as the context ended
			return err
		default:
			return errCommitAbandoned{ctx.Err()}
		}
	}
}

// errCommitAbandoned is the error of a commit that the context ended
// before it answered.
type errCommitAbandoned struct{ err error }

func (e errCommitAbandoned) Error() string { return "commit abandoned: " + e.err.Error() }
func (e errCommitAbandoned) Unwrap() error { return e.err }

// doc reads one JSON document.
func (s *Store) doc(ctx context.Context, op, q string, args ...any) ([]byte, error) {
	var b []byte
	if err := s.row(ctx, q, args...).Scan(&b); err != nil {
		return nil, mapErr(op, err)
	}
	return b, nil
}

// docs reads a list of JSON documents and decodes each.
func docs[T any](ctx context.Context, s *Store, op string, dec func([]byte) (T, error), q string, args ...any) ([]T, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, mapErr(op, err)
	}
	out, err := decodeAll(rows, dec)
	return out, mapErr(op, err)
}

// decodeAll decodes the document of each row of rows, in order, and
// closes rows.
func decodeAll[T any](rows *sql.Rows, dec func([]byte) (T, error)) ([]T, error) {
	return collect(rows, func(rows *sql.Rows, v *T) error {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return err
		}
		var err error
		*v, err = dec(b)
		return err
	})
}

// collect reads every row of rows with scan, in order, and closes rows:
// a transaction may then use its connection again (a migration writes
// what it read).
func collect[T any](rows *sql.Rows, scan func(rows *sql.Rows, v *T) error) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}
