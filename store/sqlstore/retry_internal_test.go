package sqlstore

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errRace stands for a transaction that lost a race.
var errRace = errors.New("lost a race")

func isRace(err error) bool { return errors.Is(err, errRace) }

// A write that loses races runs again until it wins (X7).
func TestRetryRunsAgainUntilItWins(t *testing.T) {
	runs := 0
	err := retry(context.Background(), time.Minute, func() error {
		if runs++; runs < 6 {
			return errRace
		}
		return nil
	}, isRace)
	require.NoError(t, err)
	assert.Equal(t, 6, runs)
}

// An error that is not a lost race is returned at once.
func TestRetryReturnsOtherErrorsAtOnce(t *testing.T) {
	runs := 0
	other := errors.New("refused")
	err := retry(context.Background(), time.Minute, func() error { runs++; return other }, isRace)
	require.ErrorIs(t, err, other)
	assert.Equal(t, 1, runs)
}

// A write that keeps losing stops when its budget is spent, with the last
// error, having run more than a few times (the pauses grow from 2 ms).
func TestRetryStopsWhenItsBudgetIsSpent(t *testing.T) {
	const budget = 300 * time.Millisecond
	runs := 0
	start := time.Now()
	err := retry(context.Background(), budget, func() error { runs++; return errRace }, isRace)
	require.ErrorIs(t, err, errRace)
	assert.LessOrEqual(t, time.Since(start), budget+time.Second, "within its budget (and a second of slack)")
	assert.Greater(t, runs, 4)
}

// The context's deadline bounds the retries: the write gives up when the
// next pause would pass it, and a cancelled context ends a pause at once.
func TestRetryHeedsTheContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := retry(ctx, time.Hour, func() error { return errRace }, isRace)
	require.ErrorIs(t, err, errRace, "the last error, not the deadline's")
	dl, _ := ctx.Deadline()
	assert.False(t, time.Now().After(dl.Add(time.Second)), "not past the deadline (and a second of slack)")

	ctx2, cancel2 := context.WithCancel(context.Background())
	runs := 0
	err = retry(ctx2, time.Hour, func() error {
		if runs++; runs == 3 {
			cancel2()
		}
		return errRace
	}, isRace)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 3, runs)
}

// unavailable knows a lost database from a refused statement, and a
// context's error from either.
func TestUnavailable(t *testing.T) {
	assert.True(t, unavailable(errors.New("invalid connection")))
	assert.True(t, unavailable(errors.New("Error 1047 (08S01): WSREP has not yet prepared node for application use")))
	assert.True(t, unavailable(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}))
	assert.True(t, unavailable(errors.New("Error 1040: Too many connections")), "refused before the handshake: no SQLSTATE")
	assert.False(t, unavailable(errors.New("Error 1062 (23000): Duplicate entry")))
	// Failures that running again would only repeat:
	assert.False(t, unavailable(errors.New("Error 1153 (08S01): Got a packet bigger than 'max_allowed_packet' bytes")))
	assert.False(t, unavailable(errors.New("Error 1969 (70100): Query execution was interrupted (max_statement_time exceeded)")))
	assert.False(t, unavailable(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "db.example", IsNotFound: true}}))
	assert.False(t, unavailable(context.DeadlineExceeded))
	assert.False(t, unavailable(nil))
	assert.True(t, retryable(errors.New("Error 1213 (40001): Deadlock found when trying to get lock; try restarting transaction")))
	assert.True(t, retryable(errors.New("Error 1205 (HY000): Lock wait timeout exceeded; try restarting transaction")))
}
