package memstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// submission is an idempotency key of one contact.
type submission struct {
	contact uuid.UUID
	key     string
}

// submitted is what a submission's key recorded: its ticket and the
// digest of its input.
type submitted struct {
	ticket uuid.UUID
	digest []byte
}

// Each action checks every precondition before it changes anything, under
// the store's lock: it changes all it must, with its event, or nothing.

// AddReply implements portal.ActionStore.
func (s *Store) AddReply(_ context.Context, c portal.ReplyChange) error {
	c = c.Clone()
	m := c.Message
	return s.write(m.PortalID, func(t *tenant) error {
		return t.change(m.TicketID, c.Event, func(tk portal.Ticket) (portal.Ticket, error) {
			tk, err := c.Apply(tk)
			switch {
			case err != nil:
				return tk, err
			case c.NewThread != nil && slices.ContainsFunc(t.threadsByTicket[m.TicketID],
				func(id uuid.UUID) bool { return t.threads[id].VisibleInPortal }):
				return tk, fmt.Errorf("memstore: ticket %s has a portal thread: %w", m.TicketID, portal.ErrConflict)
			}
			if _, ok := t.messages[m.ID]; ok {
				return tk, fmt.Errorf("memstore: message %s exists: %w", m.ID, portal.ErrConflict)
			}
			if c.NewThread != nil {
				t.putThread(*c.NewThread)
			}
			t.addMessage(m)
			for _, a := range m.Attachments {
				delete(t.pending, a.BlobKey)
			}
			return tk, nil
		})
	})
}

// MoveTicket implements portal.ActionStore.
func (s *Store) MoveTicket(_ context.Context, c portal.MoveChange) error {
	return s.write(c.PortalID, func(t *tenant) error { return t.change(c.TicketID, c.Event, c.Apply) })
}

// RateTicket implements portal.ActionStore.
func (s *Store) RateTicket(_ context.Context, c portal.RateChange) error {
	return s.write(c.PortalID, func(t *tenant) error { return t.change(c.TicketID, c.Event, c.Apply) })
}

// SetParticipants implements portal.ActionStore: the ticket is indexed
// under its participants as under its contacts.
func (s *Store) SetParticipants(_ context.Context, c portal.ParticipantChange) error {
	c = c.Clone()
	return s.write(c.PortalID, func(t *tenant) error { return t.change(c.TicketID, c.Event, c.Apply) })
}

// change is one action on ticket id: apply (the change's Apply) checks
// the action's preconditions on a copy of the ticket and returns the copy
// as the action leaves it, having written the action's other records only
// once every check passed; the copy replaces the ticket, with the
// action's event. A ticket that does not exist is ErrNotFound.
func (t *tenant) change(id uuid.UUID, ev portal.Event, apply func(portal.Ticket) (portal.Ticket, error)) error {
	e, ok := t.tickets[id]
	if !ok {
		return notFound("ticket", id)
	}
	tk, err := apply(e.t.Clone())
	if err != nil {
		return err
	}
	t.replace(tk)
	t.emit(ev)
	return nil
}

// SubmitTicket implements portal.ActionStore.
func (s *Store) SubmitTicket(_ context.Context, c portal.SubmitChange) (portal.SubmitResult, error) {
	c = c.Clone()
	var res portal.SubmitResult
	err := s.write(c.Ticket.PortalID, func(t *tenant) error {
		key := submission{c.ContactID, c.Key}
		if first, ok := t.submissions[key]; ok && c.Key != "" {
			if len(first.digest) > 0 && !bytes.Equal(first.digest, c.Digest) {
				return fmt.Errorf("memstore: key %q was used for another submission: %w", c.Key, portal.ErrConflict)
			}
			res = portal.SubmitResult{TicketID: first.ticket}
			if e, ok := t.tickets[first.ticket]; ok {
				res.Number = e.t.Number
			}
			return nil
		}
		if _, ok := t.tickets[c.Ticket.ID]; ok {
			return fmt.Errorf("memstore: ticket %s exists: %w", c.Ticket.ID, portal.ErrConflict)
		}
		if _, ok := t.messages[c.Message.ID]; ok {
			return fmt.Errorf("memstore: message %s exists: %w", c.Message.ID, portal.ErrConflict)
		}
		if c.Receipt != nil {
			// The identity lock, after the tenant's, as PutContact takes them.
			s.idmu.Lock()
			defer s.idmu.Unlock()
			if _, ok := s.idsFor(c.Receipt.PortalID).mails[c.Receipt.ID]; ok {
				return fmt.Errorf("memstore: queued mail %s: %w", c.Receipt.ID, portal.ErrConflict)
			}
		}
		c.Ticket.Number = 0 // the next
		n, err := t.putTicket(c.Ticket)
		if err != nil {
			return err
		}
		if c.Key != "" {
			t.submissions[key] = submitted{c.Ticket.ID, bytes.Clone(c.Digest)}
		}
		t.putThread(c.Thread)
		t.addMessage(c.Message)
		for _, a := range c.Message.Attachments {
			delete(t.pending, a.BlobKey)
		}
		if c.Receipt != nil {
			s.idsFor(c.Receipt.PortalID).mails[c.Receipt.ID] = *c.Receipt
		}
		c.Event.TicketNumber = n
		t.emit(c.Event)
		res = portal.SubmitResult{TicketID: c.Ticket.ID, Number: n, Created: true}
		return nil
	})
	if err != nil {
		return portal.SubmitResult{}, err
	}
	return res, nil
}

// emit appends an event to the outbox with the next sequence number.
func (t *tenant) emit(e portal.Event) {
	e.Seq = int64(len(t.events)) + 1
	t.events = append(t.events, e)
}

// Events implements portal.OutboxStore.
func (s *Store) Events(_ context.Context, portalID uuid.UUID, after int64, limit int) ([]portal.Event, error) {
	return read(s, portalID, func(t *tenant) ([]portal.Event, error) {
		from := min(max(after, 0), int64(len(t.events)))
		to := min(from+int64(max(limit, 0)), int64(len(t.events)))
		return slices.Clone(t.events[from:to]), nil
	})
}

// AckEvents implements portal.OutboxStore.
func (s *Store) AckEvents(_ context.Context, portalID uuid.UUID, seq int64) error {
	return s.write(portalID, func(t *tenant) error {
		if head := int64(len(t.events)); seq > head {
			return &portal.PastLastEventError{Last: head}
		}
		t.acked = max(t.acked, seq)
		return nil
	})
}

// AckedEvents implements portal.OutboxStore.
func (s *Store) AckedEvents(_ context.Context, portalID uuid.UUID) (int64, error) {
	return read(s, portalID, func(t *tenant) (int64, error) { return t.acked, nil })
}

// AddPendingBlobs implements portal.PendingBlobStore.
func (s *Store) AddPendingBlobs(_ context.Context, portalID uuid.UUID, keys []string, at time.Time) error {
	return s.write(portalID, func(t *tenant) error {
		for _, k := range keys {
			t.pending[k] = at
		}
		return nil
	})
}

// PendingBlobs implements portal.PendingBlobStore.
func (s *Store) PendingBlobs(_ context.Context, portalID uuid.UUID, before time.Time, limit int) ([]string, error) {
	return read(s, portalID, func(t *tenant) ([]string, error) {
		var out []string
		for k, at := range t.pending {
			if at.Before(before) {
				out = append(out, k)
			}
		}
		slices.Sort(out)
		return out[:min(len(out), limit)], nil
	})
}

// ForgetPendingBlobs implements portal.PendingBlobStore.
func (s *Store) ForgetPendingBlobs(_ context.Context, portalID uuid.UUID, keys []string) error {
	return s.write(portalID, func(t *tenant) error {
		for _, k := range keys {
			delete(t.pending, k)
		}
		return nil
	})
}
