package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/helpdeskkit/portal"
)

// DefaultRetryBudget is how long a write that keeps losing races, or that
// cannot reach the database, is run again when Options.RetryBudget is 0.
const DefaultRetryBudget = 10 * time.Second

// The pauses between two runs of a write: the first is up to minPause,
// each next one up to twice the one before, at most maxPause. Each is a
// random part of that bound (from half of it to all of it), so that the
// writers who collided do not collide again at the next run.
const (
	minPause = 2 * time.Millisecond
	maxPause = 250 * time.Millisecond
)

// retry runs fn until it succeeds or fails with an error that again does
// not accept. Between two runs it pauses (see minPause); when the next
// pause would take it past budget, counted from the first run, or past
// ctx's deadline, it returns the last error. When ctx is cancelled it
// returns ctx's error at once, pause or not; a deadline that a slow
// machine lets pass anyway still gives the last error, as one reached a
// pause early would.
func retry(ctx context.Context, budget time.Duration, fn func() error, again func(error) bool) error {
	start := time.Now()
	bound := minPause
	for {
		err := fn()
		if err == nil || !again(err) {
			return err
		}
		if ctx.Err() != nil {
			return ended(ctx, err)
		}
		pause := bound/2 + rand.N(bound/2+1)
		bound = min(2*bound, maxPause)
		if time.Since(start)+pause > budget {
			return err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < pause {
			return err
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return ended(ctx, err)
		case <-t.C:
		}
	}
}

// ended is what retry returns when ctx has ended after a run failed with
// last: the last error when the deadline passed, ctx's error when it was
// cancelled.
func ended(ctx context.Context, last error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return last
	}
	return ctx.Err()
}

// retryable reports whether a transaction failed only because another one
// won a race, and was rolled back: a serialization failure or deadlock
// (PostgreSQL 40001, 40P01; MySQL 1213, which is also how a Galera cluster
// reports a write set that failed certification at commit), a lock wait
// that timed out (MySQL 1205), a busy SQLite database. It may run again.
func retryable(err error) bool {
	s := state(err)
	return s == "40001" || s == "40P01"
}

// unavailable reports whether err says that the database could not be
// reached or was lost: a connection refused, reset or closed under the
// statement, a server shutting down, a cluster node that is not part of
// the primary component (MySQL 1047, "WSREP has not yet prepared node for
// application use"). A transaction that failed so before its commit was
// rolled back and may run again, on another connection; one that failed
// so in its commit may or may not have been written.
func unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // a context's error is its own (and a net.Error)
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var dns *net.DNSError // a name that does not resolve stays so
	if errors.As(err, &dns) {
		return dns.IsTimeout || dns.IsTemporary
	}
	var op *net.OpError // dialling, reading or writing
	if errors.As(err, &op) {
		return true
	}
	switch mysqlErrno(err) {
	case "1040", // too many connections
		"1047", // WSREP has not yet prepared node for application use
		"1053", // server shutdown in progress
		"1180", // a cluster's commit failed: its outcome is not known
		"1927": // the connection was killed
		return true
	}
	switch state(err) {
	case "08000", "08001", "08003", "08004", "08006", // PostgreSQL's connection exceptions
		"53300",                   // too many connections
		"57P01", "57P02", "57P03": // shutting down, starting up
		return true
	}
	// go-sql-driver/mysql's ErrInvalidConn, pgx's closed connection: the
	// drivers give them no type to match.
	msg := err.Error()
	return strings.HasSuffix(msg, "invalid connection") || strings.HasSuffix(msg, "conn closed")
}

// busy is the error of a write whose runs were spent on lost races or an
// unreachable database (retry), or of a read that could not reach it: a
// *portal.BusyError, "try again", with the cause kept for logs.
func busy(op string, err error) error {
	return &portal.BusyError{Op: op, Err: err}
}
