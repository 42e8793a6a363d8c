package portal

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
)

// EventKind names a customer action the helpdesk receives.
type EventKind string

// The event kinds.
const (
	EventReply  EventKind = "reply"  // a contact replied (P5)
	EventClose  EventKind = "close"  // a contact closed a ticket (P6)
	EventReopen EventKind = "reopen" // a contact reopened a ticket (P13)
	EventSubmit EventKind = "submit" // a contact submitted the support form (P8)
	EventRating EventKind = "rating" // a contact rated a ticket, or changed its rating (P14)

	EventParticipantAdded   EventKind = "participant_added"   // a contact added a colleague to a ticket (P12)
	EventParticipantRemoved EventKind = "participant_removed" // a contact took a participant off a ticket (P12)
	EventContactName        EventKind = "contact_name"        // a contact changed its name (P16)
	EventContactEmail       EventKind = "contact_email"       // a contact confirmed a new e-mail (P16)
)

// Event tells the helpdesk that a customer acted in the portal. It is
// written in the same store transaction as the change it reports (an
// outbox): an event exists exactly when its change does.
type Event struct {
	// ID is the event's stable identity: a redelivered event has the same
	// ID, so a helpdesk can drop one it has already handled.
	ID       uuid.UUID
	PortalID uuid.UUID
	// Seq is the event's position in its tenant's outbox, assigned by the
	// store in commit order: 1, 2, 3 … without gaps.
	Seq  int64
	Kind EventKind
	// TicketID is the ticket acted on; ChannelID the channel that receives
	// the action (S3): the ticket's channel, or the portal's default channel
	// when the ticket has none.
	TicketID  uuid.UUID
	ChannelID uuid.UUID
	// TicketNumber is the ticket's number (P10); for a submission the
	// store writes the number it gave the new ticket.
	TicketNumber int64
	// ContactID is the contact who acted.
	ContactID uuid.UUID
	// ThreadID and MessageID are the message written (reply, submit).
	ThreadID  uuid.UUID
	MessageID uuid.UUID
	// StageID is the stage a close or a reopen moved the ticket to, or a
	// reply that reopened it (P13).
	StageID uuid.UUID
	// Rating and RatingComment are a rating's value and comment (P14).
	Rating        string
	RatingComment string
	// ParticipantID is the contact added to or taken off the ticket (P12).
	ParticipantID uuid.UUID
	// FirstName and LastName are a contact's new name (EventContactName);
	// Email and PreviousEmail its new and old e-mail (EventContactEmail).
	// A contact's own change names no ticket or channel (P16).
	FirstName     string
	LastName      string
	Email         string
	PreviousEmail string
	At            time.Time
}

// MaxEvents bounds a page of events.
const MaxEvents = 1000

// Events returns at most limit (1–MaxEvents) events of the tenant after
// position after (0: from the start), in order, for a host that reads the
// outbox itself. A host remembers the last Seq it handled, or acknowledges
// it with AckEvents and reads from AckedEvents.
func (p *Portal) Events(ctx context.Context, portalID uuid.UUID, after int64, limit int) ([]Event, error) {
	var ps problems
	if after < 0 {
		ps.add("after", "must not be negative")
	}
	if limit < 1 || limit > MaxEvents {
		ps.add("limit", "must be 1–%d", MaxEvents)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	evs, err := p.store.Events(ctx, portalID, after, limit)
	return evs, classify(err)
}

// AckEvents records that the helpdesk has received every event of the
// tenant up to seq. The position only moves forward: an older seq changes
// nothing. A seq past the tenant's last event is ErrInvalid naming "seq"
// and changes nothing, so that an acknowledgement can never hide events
// written after it; the store checks it in the same step as the write.
func (p *Portal) AckEvents(ctx context.Context, portalID uuid.UUID, seq int64) error {
	if seq < 0 {
		return invalid("seq", "must not be negative")
	}
	err := p.store.AckEvents(ctx, portalID, seq)
	if fe := (*FieldError)(nil); errors.As(err, &fe) {
		return invalid(fe.Field, "%s", fe.Problem)
	}
	return classify(err)
}

// PastLastEventError is what an OutboxStore's AckEvents returns for a
// position past the tenant's last event, Last: the store says what it
// found, and the error unwraps to the *FieldError of "seq" (ErrInvalid)
// that Portal.AckEvents reports to its caller, in a *ValidationError.
type PastLastEventError struct{ Last int64 }

func (e *PastLastEventError) Error() string { return e.field().Error() }

// Unwrap returns the FieldError of "seq", which wraps ErrInvalid.
func (e *PastLastEventError) Unwrap() error { return e.field() }

func (e *PastLastEventError) field() *FieldError {
	t := msg("is past the last event (%s)", strconv.FormatInt(e.Last, 10))
	return &FieldError{Field: "seq", Problem: t.String(), text: t}
}

// AckedEvents returns the tenant's acknowledged outbox position.
func (p *Portal) AckedEvents(ctx context.Context, portalID uuid.UUID) (int64, error) {
	n, err := p.store.AckedEvents(ctx, portalID)
	return n, classify(err)
}

// Deliver calls handle with every event of the tenant after the
// acknowledged position, in order, and acknowledges each one after handle
// returns nil. It stops at the first error from handle, which it returns
// wrapped, and that event and the ones after it are delivered again by the
// next call. It returns how many events were delivered and acknowledged.
//
// Delivery is at least once: an event whose handling succeeded but whose
// acknowledgement was lost (a crash, a failing store), and events handled
// by two Deliver calls running at once, are handled again; handle tells
// them by Event.ID. The host decides when to call Deliver: after each
// action, on a timer, or both; or it starts RunDelivery once, which calls
// Deliver whenever there may be something to deliver.
func (p *Portal) Deliver(ctx context.Context, portalID uuid.UUID, handle func(context.Context, Event) error) (int, error) {
	if handle == nil {
		return 0, invalid("handle", "is nil")
	}
	after, err := p.AckedEvents(ctx, portalID)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		evs, err := p.Events(ctx, portalID, after, 100)
		if err != nil {
			return n, err
		}
		if len(evs) == 0 {
			return n, nil
		}
		for _, e := range evs {
			if err := handle(ctx, e); err != nil {
				return n, fmt.Errorf("deliver event %d (%s): %w", e.Seq, e.ID, err)
			}
			if err := p.AckEvents(ctx, portalID, e.Seq); err != nil {
				return n, err
			}
			after = e.Seq
			n++
		}
	}
}

// DeliverOptions tune RunDelivery (the outbox) and RunMailDelivery (the
// mail queue). The zero value holds the defaults; a negative duration is
// ErrInvalid.
type DeliverOptions struct {
	// PollInterval is how long the loop waits, with everything delivered,
	// before it looks at the outbox (the mail queue) again, for events
	// written (mails queued, or due again) by other Portals (other
	// processes) sharing the store. An action (a request) of this Portal
	// for the tenant wakes the loop at once. Default 1 s.
	PollInterval time.Duration
	// RetryMin is how long the loop waits after a failure (the handler's
	// or the store's) before it tries again; each further failure in a row
	// doubles the wait, up to RetryMax. Defaults 100 ms and 30 s.
	RetryMin, RetryMax time.Duration
	// OnError, when set, is called with each failure before the loop waits
	// to retry, on the loop's goroutine: to log it, or to count it.
	OnError func(error)
}

// The defaults of DeliverOptions.
const (
	DefaultPollInterval = time.Second
	DefaultRetryMin     = 100 * time.Millisecond
	DefaultRetryMax     = 30 * time.Second
)

func (o DeliverOptions) check() (DeliverOptions, error) {
	var ps problems
	for _, f := range []struct {
		name string
		d    *time.Duration
		def  time.Duration
	}{{"opts.pollInterval", &o.PollInterval, DefaultPollInterval}, {"opts.retryMin", &o.RetryMin, DefaultRetryMin},
		{"opts.retryMax", &o.RetryMax, DefaultRetryMax}} {
		switch {
		case *f.d < 0:
			ps.add(f.name, "must not be negative")
		case *f.d == 0:
			*f.d = f.def
		}
	}
	if err := ps.err(); err != nil {
		return o, err
	}
	if o.RetryMin > o.RetryMax {
		return o, invalid("opts.retryMax", "must be at least retryMin (%s)", o.RetryMin)
	}
	return o, nil
}

// RunDelivery delivers the tenant's events to handle until ctx ends, for a
// host that starts it once (in a goroutine of its own, one per tenant)
// rather than calling Deliver itself. It delivers what is pending, then
// waits until an action of this Portal writes an event of the tenant, or
// until opts.PollInterval has passed (events written through other
// Portals, in other processes), and delivers again. When handle or the
// store fails, the loop waits (opts.RetryMin, doubling with each failure
// in a row up to opts.RetryMax) and tries again from the first
// unacknowledged event; handle is never skipped past. Events reach handle
// one at a time, in order, on the loop's goroutine.
//
// Delivery is at least once, as with Deliver: an event whose
// acknowledgement failed is handled again, and two loops (or a loop and a
// Deliver call) for one tenant, in one process or in several, may each
// deliver the same event; handle tells them apart by Event.ID. One loop per
// tenant delivers each event once as long as nothing fails.
//
// RunDelivery returns ctx.Err() when ctx ends, and at once ErrInvalid for
// a nil handle or invalid opts, and ErrNotFound for an unknown tenant.
// It starts no goroutine and is safe for concurrent use.
func (p *Portal) RunDelivery(ctx context.Context, portalID uuid.UUID, handle func(context.Context, Event) error, opts DeliverOptions) error {
	if handle == nil {
		return invalid("handle", "is nil")
	}
	opts, err := opts.check()
	if err != nil {
		return err
	}
	if _, err := p.AckedEvents(ctx, portalID); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return p.loop(ctx, portalID, &p.wake, opts, func() (int, error) { return p.Deliver(ctx, portalID, handle) })
}

// loop runs step until ctx ends: after a step that succeeds, it waits
// until w wakes for the tenant or opts.PollInterval has passed; after one
// that fails, it tells opts.OnError and waits opts.RetryMin, doubled with
// each failure in a row up to opts.RetryMax. A step that got something
// done (n > 0) before failing starts a new run of failures.
func (p *Portal) loop(ctx context.Context, portalID uuid.UUID, w *wakeups, opts DeliverOptions, step func() (int, error)) error {
	failures := 0
	for {
		// Listen before the step: work queued after the step has looked
		// wakes the wait, however soon it comes.
		wake := w.listen(portalID)
		n, err := step()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			failures = 0
			err = p.pause(ctx, opts.PollInterval, wake)
		} else {
			if n > 0 {
				failures = 0 // it got further: a new run of failures
			}
			failures++
			if opts.OnError != nil {
				opts.OnError(err)
			}
			err = p.pause(ctx, backoff(opts.RetryMin, opts.RetryMax, failures), nil)
		}
		if err != nil {
			return err
		}
	}
}

// backoff is the wait after the failures-th failure in a row: lo, doubled
// for each failure after the first, at most hi.
func backoff(lo, hi time.Duration, failures int) time.Duration {
	d := lo
	for i := 1; i < failures; i++ {
		if d >= hi/2 {
			return hi // and doubling cannot overflow
		}
		d *= 2
	}
	return min(d, hi)
}

// pause waits d, or until wake is closed (nil: never); it returns ctx.Err()
// when ctx ends first.
func (p *Portal) pause(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	var elapsed <-chan time.Time
	if p.after != nil {
		elapsed = p.after(d)
	} else {
		t := time.NewTimer(d)
		defer t.Stop()
		elapsed = t.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-wake:
	case <-elapsed:
	}
	return nil
}

// wakeups tell RunDelivery (RunMailDelivery) loops that an action of this
// Portal wrote an event (queued a mail) of their tenant: one channel per
// tenant that a loop has listened on since the tenant's last event,
// closed (and dropped) by the next one.
// A stopped loop may leave its tenant's channel behind: at most one per
// tenant.
type wakeups struct {
	mu sync.Mutex
	ch map[uuid.UUID]chan struct{}
}

// listen returns the channel the tenant's next event closes.
func (w *wakeups) listen(portalID uuid.UUID) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.ch[portalID]
	if !ok {
		if w.ch == nil {
			w.ch = map[uuid.UUID]chan struct{}{}
		}
		c = make(chan struct{})
		w.ch[portalID] = c
	}
	return c
}

// notify wakes every loop of the tenant. Without one it costs a map look-up.
func (w *wakeups) notify(portalID uuid.UUID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c, ok := w.ch[portalID]; ok {
		close(c)
		delete(w.ch, portalID)
	}
}
