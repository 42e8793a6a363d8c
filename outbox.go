package portal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// EventKind names a customer action the helpdesk receives.
type EventKind string

// The event kinds.
const (
	EventReply  EventKind = "reply"  // a contact replied (P5)
	EventClose  EventKind = "close"  // a contact closed a ticket (P6)
	EventSubmit EventKind = "submit" // a contact submitted the support form (P8)
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
	// ContactID is the contact who acted.
	ContactID uuid.UUID
	// ThreadID and MessageID are the message written (reply, submit).
	ThreadID  uuid.UUID
	MessageID uuid.UUID
	// StageID is the stage a close moved the ticket to.
	StageID uuid.UUID
	At      time.Time
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
		ps.add("limit", fmt.Sprintf("must be 1–%d", MaxEvents))
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
		return invalid(fe.Field, fe.Problem)
	}
	return classify(err)
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
// action, on a timer, or both.
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
