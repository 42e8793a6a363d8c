package portal_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/store/memstore"
)

// patience bounds how long a test waits for a loop that should act at
// once; it is never waited out when the code works.
const patience = 10 * time.Second

// runLoop starts p.RunDelivery for the tenant and returns a function that
// stops it and returns what it returned.
func runLoop(t *testing.T, p *portal.Portal, pid uuid.UUID, handle func(context.Context, portal.Event) error, opts portal.DeliverOptions) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.RunDelivery(ctx, pid, handle, opts) }()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(patience):
			return errors.New("the loop did not stop")
		}
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// next returns the next event from got, or fails the test.
func next(t *testing.T, got <-chan portal.Event, what string) portal.Event {
	t.Helper()
	select {
	case e := <-got:
		return e
	case <-time.After(patience):
		t.Fatalf("no event delivered: %s", what)
		return portal.Event{}
	}
}

// waitAsked returns the next wait a loop asked its timer for.
func waitAsked(t *testing.T, asked <-chan time.Duration) time.Duration {
	t.Helper()
	select {
	case d := <-asked:
		return d
	case <-time.After(patience):
		t.Fatal("the loop did not wait")
		return 0
	}
}

func acked(t *testing.T, p *portal.Portal, pid uuid.UUID) int64 {
	t.Helper()
	n, err := p.AckedEvents(context.Background(), pid)
	require.NoError(t, err)
	return n
}

// The loop delivers what is pending, then each action of this Portal as
// it commits: the poll interval is an hour, so only the wake-up can.
// covers: P5, P6, P8 (delivery to the helpdesk)
func TestRunDeliveryWakesOnThisPortalsActions(t *testing.T) {
	d := newDemo(t, memstore.New(), nil)
	ctx, pid := context.Background(), d.data.Tenant.ID
	first, err := d.p.Reply(ctx, d.viewer, d.ticket, portal.ReplyInput{Text: "before the loop"})
	require.NoError(t, err)
	got := make(chan portal.Event, 10)
	stop := runLoop(t, d.p, pid, func(_ context.Context, e portal.Event) error { got <- e; return nil },
		portal.DeliverOptions{PollInterval: time.Hour})
	assert.Equal(t, first.ID, next(t, got, "the pending reply").MessageID)

	m, err := d.p.Reply(ctx, d.viewer, d.ticket, portal.ReplyInput{Text: "while it runs"})
	require.NoError(t, err)
	assert.Equal(t, m.ID, next(t, got, "a reply").MessageID)
	_, err = d.p.Close(ctx, d.viewer, d.ticket)
	require.NoError(t, err)
	assert.Equal(t, portal.EventClose, next(t, got, "a close").Kind)
	sub, err := d.p.SubmitTicket(ctx, d.viewer, portal.SubmissionInput{Values: map[string]any{"subject": "New", "content": "C"}})
	require.NoError(t, err)
	e := next(t, got, "a submission")
	assert.Equal(t, portal.EventSubmit, e.Kind)
	assert.Equal(t, sub.TicketID, e.TicketID)

	require.ErrorIs(t, stop(), context.Canceled, "it returns ctx.Err() when ctx ends")
	assert.Equal(t, int64(4), acked(t, d.p, pid))
	assert.Empty(t, got, "each event once")
}

// Events written through another Portal (another process) wake nothing
// here: the loop finds them when its poll interval has passed.
// covers: P5 (delivery to the helpdesk), X1
func TestRunDeliveryPollsForOtherProcesses(t *testing.T) {
	st := memstore.New()
	d := newDemo(t, st, nil)
	other, err := portal.New(st, portal.Options{})
	require.NoError(t, err)
	asked := make(chan time.Duration, 10)
	fire := make(chan time.Time)
	portal.SetDeliveryTimer(d.p, func(dur time.Duration) <-chan time.Time { asked <- dur; return fire })
	got := make(chan portal.Event, 10)
	runLoop(t, d.p, d.data.Tenant.ID, func(_ context.Context, e portal.Event) error { got <- e; return nil },
		portal.DeliverOptions{PollInterval: 5 * time.Second})
	assert.Equal(t, 5*time.Second, waitAsked(t, asked), "nothing pending: the loop waits a poll interval")

	m, err := other.Reply(context.Background(), d.viewer, d.ticket, portal.ReplyInput{Text: "from elsewhere"})
	require.NoError(t, err)
	select {
	case e := <-got:
		t.Fatalf("delivered %v before the poll", e)
	default:
	}
	fire <- time.Now()
	assert.Equal(t, m.ID, next(t, got, "after the poll").MessageID)
	assert.Equal(t, 5*time.Second, waitAsked(t, asked), "and waits again")
}

// A failing handler gets the same event again after a wait that doubles
// with each failure up to the cap; OnError hears of each failure; the
// loop never skips the event.
// covers: P5 (delivery to the helpdesk, at least once)
func TestRunDeliveryRetriesWithCappedBackoff(t *testing.T) {
	d := newDemo(t, memstore.New(), nil)
	ctx, pid := context.Background(), d.data.Tenant.ID
	m, err := d.p.Reply(ctx, d.viewer, d.ticket, portal.ReplyInput{Text: "hard to deliver"})
	require.NoError(t, err)

	const poll = time.Hour
	var mu sync.Mutex
	var waits []time.Duration
	portal.SetDeliveryTimer(d.p, func(dur time.Duration) <-chan time.Time {
		mu.Lock()
		defer mu.Unlock()
		if dur == poll {
			return nil // the test stops the loop while it waits
		}
		waits = append(waits, dur)
		c := make(chan time.Time, 1)
		c <- time.Now() // a retry waits no real time
		return c
	})
	var seen []uuid.UUID
	var reported []error
	delivered := make(chan portal.Event, 1)
	stop := runLoop(t, d.p, pid, func(_ context.Context, e portal.Event) error {
		seen = append(seen, e.ID)
		if len(seen) <= 6 {
			return fmt.Errorf("helpdesk down (%d)", len(seen))
		}
		delivered <- e
		return nil
	}, portal.DeliverOptions{PollInterval: poll, RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond,
		OnError: func(err error) { reported = append(reported, err) }})
	e := next(t, delivered, "after the retries")
	require.ErrorIs(t, stop(), context.Canceled)

	assert.Equal(t, m.ID, e.MessageID)
	require.Len(t, seen, 7)
	for _, id := range seen {
		assert.Equal(t, e.ID, id, "the same event every time")
	}
	ms := time.Millisecond
	assert.Equal(t, []time.Duration{10 * ms, 20 * ms, 40 * ms, 50 * ms, 50 * ms, 50 * ms}, waits, "doubling, capped")
	require.Len(t, reported, 6)
	assert.ErrorContains(t, reported[0], "helpdesk down (1)")
	assert.Equal(t, int64(1), acked(t, d.p, pid))

	assert.Equal(t, 30*time.Second, portal.Backoff(time.Second, 30*time.Second, 1000), "capped, however many")
	assert.Equal(t, time.Duration(math.MaxInt64), portal.Backoff(1<<62, math.MaxInt64, 3), "no overflow")
	assert.Equal(t, time.Second, portal.Backoff(time.Second, time.Minute, 1))
}

// Two loops for one tenant while customers reply at once: every event is
// delivered (some may be twice: at least once), and all end acknowledged.
// Run it under -race.
// covers: P5 (delivery to the helpdesk, concurrency)
func TestRunDeliveryConcurrentLoops(t *testing.T) {
	d := newDemo(t, memstore.New(), nil)
	pid := d.data.Tenant.ID
	const writers, each = 3, 5
	var mu sync.Mutex
	seen := map[uuid.UUID]int{}
	all := make(chan struct{})
	handle := func(_ context.Context, e portal.Event) error {
		mu.Lock()
		defer mu.Unlock()
		seen[e.ID]++
		if len(seen) == writers*each && seen[e.ID] == 1 {
			close(all)
		}
		return nil
	}
	opts := portal.DeliverOptions{PollInterval: time.Hour}
	stops := []func() error{runLoop(t, d.p, pid, handle, opts), runLoop(t, d.p, pid, handle, opts)}
	var wg sync.WaitGroup
	errs := make([]error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				_, errs[w*each+i] = d.p.Reply(context.Background(), d.viewer, d.ticket,
					portal.ReplyInput{Text: fmt.Sprint("reply ", w, i)})
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	select {
	case <-all:
	case <-time.After(patience):
		t.Fatal("not every event was delivered")
	}
	for _, stop := range stops {
		require.ErrorIs(t, stop(), context.Canceled)
	}
	assert.Len(t, seen, writers*each)
	assert.Equal(t, int64(writers*each), acked(t, d.p, pid))
}

// A loop that cannot work is refused at once.
// covers: P5 (delivery to the helpdesk)
func TestRunDeliveryRefusesAtOnce(t *testing.T) {
	d := newDemo(t, memstore.New(), nil)
	ctx, pid := context.Background(), d.data.Tenant.ID
	ok := func(context.Context, portal.Event) error { return nil }
	for field, try := range map[string]func() error{
		"handle":            func() error { return d.p.RunDelivery(ctx, pid, nil, portal.DeliverOptions{}) },
		"opts.pollInterval": func() error { return d.p.RunDelivery(ctx, pid, ok, portal.DeliverOptions{PollInterval: -1}) },
		"opts.retryMin":     func() error { return d.p.RunDelivery(ctx, pid, ok, portal.DeliverOptions{RetryMin: -1}) },
		"opts.retryMax": func() error {
			return d.p.RunDelivery(ctx, pid, ok, portal.DeliverOptions{RetryMin: time.Minute, RetryMax: time.Second})
		},
	} {
		var ve *portal.ValidationError
		require.ErrorAs(t, try(), &ve, field)
		assert.True(t, ve.Has(field), field)
	}
	require.ErrorIs(t, d.p.RunDelivery(ctx, uuid.New(), ok, portal.DeliverOptions{}), portal.ErrNotFound, "an unknown tenant")
	done, cancel := context.WithCancel(ctx)
	cancel()
	require.ErrorIs(t, d.p.RunDelivery(done, pid, ok, portal.DeliverOptions{}), context.Canceled)
}
