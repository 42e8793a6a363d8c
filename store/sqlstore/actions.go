package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// Customer actions. Each runs in one transaction that first takes the
// tenant's outbox row (its event counter): the tenant's actions commit one
// after the other, their events are numbered in commit order, and
// everything an action reads after that is the latest committed data, read
// with row locks (FOR UPDATE) where the dialect has them.

// nextEvent takes the tenant's outbox row and returns its next event
// number. The row is made by the tenant's first action or ack.
func (s *Store) nextEvent(ctx context.Context, x tx, portalID uuid.UUID) (int64, error) {
	res, err := x.exec(ctx, "UPDATE outbox SET seq = seq + 1 WHERE portal_id = ?", id(portalID))
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, err
	} else if n == 0 {
		if err := s.outboxRow(ctx, x, portalID); err != nil {
			return 0, err
		}
		if _, err := x.exec(ctx, "UPDATE outbox SET seq = seq + 1 WHERE portal_id = ?", id(portalID)); err != nil {
			return 0, err
		}
	}
	var seq int64
	err = x.row(ctx, "SELECT seq FROM outbox WHERE portal_id = ?"+s.d.forUpdate(), id(portalID)).Scan(&seq)
	return seq, err
}

// outboxRow creates the tenant's outbox row unless it exists.
func (s *Store) outboxRow(ctx context.Context, x tx, portalID uuid.UUID) error {
	_, err := x.exec(ctx, s.d.insertNew("outbox", []string{"portal_id"}, []string{"portal_id", "seq", "acked"}), id(portalID), 0, 0)
	return err
}

// emit writes the event with the next number of the tenant's outbox.
func (s *Store) emit(ctx context.Context, x tx, e portal.Event) error {
	seq, err := s.nextEvent(ctx, x, e.PortalID)
	if err != nil {
		return err
	}
	return s.insertEvent(ctx, x, e, seq)
}

// insertEvent writes the event as number seq of the tenant's outbox, which
// nextEvent gave in the same transaction.
func (s *Store) insertEvent(ctx context.Context, x tx, e portal.Event, seq int64) error {
	e.Seq = seq
	b, err := encode(e)
	if err != nil {
		return err
	}
	_, err = x.exec(ctx, "INSERT INTO events (portal_id, seq, id, doc) VALUES (?, ?, ?, ?)", id(e.PortalID), seq, id(e.ID), b)
	return err
}

// lockTicket reads a ticket for update.
func (s *Store) lockTicket(ctx context.Context, x tx, portalID, tid uuid.UUID) (portal.Ticket, error) {
	var c ticketCells
	err := x.row(ctx, "SELECT "+ticketSelect+" FROM tickets t WHERE t.portal_id = ? AND t.id = ?"+s.d.forUpdate(), id(portalID), id(tid)).
		Scan(&c.doc, &c.number, &c.rating, &c.participants)
	if err != nil {
		return portal.Ticket{}, err // sql.ErrNoRows: mapErr makes it ErrNotFound
	}
	return c.ticket()
}

// updateTicket writes the stage and last activity date of a ticket read
// with lockTicket, and moves the ticket to its last activity in the orders
// of its associations; nothing else of it changes.
func (s *Store) updateTicket(ctx context.Context, x tx, t portal.Ticket) error {
	b, err := encode(ticketDoc{Ticket: t, Properties: props(t.Properties)})
	if err != nil {
		return err
	}
	_, err = x.exec(ctx, "UPDATE tickets SET doc = ?, stage_id = ?, last_activity_at = ? WHERE portal_id = ? AND id = ?",
		b, optID(t.StageID), optMicros(t.LastActivityAt), id(t.PortalID), id(t.ID))
	if err != nil {
		return err
	}
	f, err := s.tenantFilter(ctx, x, t.PortalID)
	if err != nil {
		return err
	}
	for _, table := range []string{"ticket_contacts", "ticket_companies"} {
		b := &builder{d: x.d}
		b.sql("UPDATE ", table, " SET activity_key = ")
		b.arg(portal.OrderKeys(&t)[portal.ByActivity])
		b.sql(", stage_id = ")
		b.arg(optID(t.StageID))
		b.sql(", shown = ")
		verdictSQL(b, table, f)
		b.sql(" WHERE portal_id = ")
		b.arg(id(t.PortalID))
		b.sql(" AND ticket_id = ")
		b.arg(id(t.ID))
		if _, err := x.exec(ctx, b.b.String(), b.args...); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) insertThread(ctx context.Context, x tx, th portal.Thread) error {
	b, err := encode(th)
	if err != nil {
		return err
	}
	_, err = x.exec(ctx, "INSERT INTO threads (portal_id, id, doc, ticket_id, created_at) VALUES (?, ?, ?, ?, ?)",
		id(th.PortalID), id(th.ID), b, id(th.TicketID), th.CreatedAt.UnixMicro())
	return err
}

// insertMessage adds a new message: ErrConflict when its ID exists.
func (s *Store) insertMessage(ctx context.Context, x tx, m portal.Message) error {
	b, err := encode(m)
	if err != nil {
		return err
	}
	q := s.d.insertNew("messages", []string{"portal_id", "id"}, []string{"portal_id", "id", "thread_id", "created_at", "doc"})
	res, err := x.exec(ctx, q, id(m.PortalID), id(m.ID), id(m.ThreadID), m.CreatedAt.UnixMicro(), b)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("%w: message %s exists (%v)", portal.ErrConflict, m.ID, err)
	}
	return nil
}

// AddReply implements portal.ActionStore.
func (s *Store) AddReply(ctx context.Context, c portal.ReplyChange) error {
	m := c.Message
	return s.write(ctx, "add reply", m.PortalID, func(x tx) error {
		t, next, err := s.act(ctx, x, m.PortalID, m.TicketID, c.Event, c.Apply)
		if err != nil {
			return err
		}
		if c.NewThread != nil {
			visible, err := s.hasPortalThread(ctx, x, t)
			if err != nil {
				return err
			}
			if visible {
				return fmt.Errorf("%w: ticket %s has a portal thread", portal.ErrConflict, t.ID)
			}
			if err := s.insertThread(ctx, x, *c.NewThread); err != nil {
				return err
			}
		}
		if err := s.insertMessage(ctx, x, m); err != nil {
			return err
		}
		if err := forgetPending(ctx, x, m.PortalID, m.Attachments); err != nil {
			return err
		}
		if next.LastActivityAt.Equal(t.LastActivityAt) && next.StageID == t.StageID && next.ClosedAt.Equal(t.ClosedAt) {
			return nil
		}
		return s.updateTicket(ctx, x, next)
	})
}

// act begins an action on a ticket in x: its event numbered and written
// (emit, which takes the tenant's outbox row first, as every action
// does), the ticket locked and read, and apply (the change's Apply)
// giving the ticket as the action leaves it, next, or the precondition
// that failed.
func (s *Store) act(ctx context.Context, x tx, portalID, ticketID uuid.UUID, ev portal.Event, apply func(portal.Ticket) (portal.Ticket, error)) (was, next portal.Ticket, err error) {
	if err := s.emit(ctx, x, ev); err != nil {
		return was, next, err
	}
	if was, err = s.lockTicket(ctx, x, portalID, ticketID); err != nil {
		return was, next, err
	}
	next, err = apply(was)
	return was, next, err
}

// forgetPending forgets the pending blob keys of attachments, which their
// message now holds.
func forgetPending(ctx context.Context, x tx, portalID uuid.UUID, as []portal.Attachment) error {
	for _, a := range as {
		if _, err := x.exec(ctx, "DELETE FROM pending_blobs WHERE portal_id = ? AND blob_key = ?", id(portalID), text(a.BlobKey)); err != nil {
			return err
		}
	}
	return nil
}

// hasPortalThread reports whether a ticket has a thread visible in the
// portal.
func (s *Store) hasPortalThread(ctx context.Context, x tx, t portal.Ticket) (bool, error) {
	rows, err := x.query(ctx, "SELECT doc FROM threads WHERE portal_id = ? AND ticket_id = ?"+s.d.forUpdate(),
		id(t.PortalID), id(t.ID))
	if err != nil {
		return false, err
	}
	defer rows.Close()
	visible := false
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return false, err
		}
		th, err := decode[portal.Thread](b)
		if err != nil {
			return false, err
		}
		visible = visible || th.VisibleInPortal
	}
	return visible, rows.Err()
}

// MoveTicket implements portal.ActionStore.
func (s *Store) MoveTicket(ctx context.Context, c portal.MoveChange) error {
	return s.write(ctx, "move ticket", c.PortalID, func(x tx) error {
		_, t, err := s.act(ctx, x, c.PortalID, c.TicketID, c.Event, c.Apply)
		if err != nil {
			return err
		}
		return s.updateTicket(ctx, x, t)
	})
}

// RateTicket implements portal.ActionStore.
func (s *Store) RateTicket(ctx context.Context, c portal.RateChange) error {
	b, err := encode(c.Rating)
	if err != nil {
		return err
	}
	return s.write(ctx, "rate ticket", c.PortalID, func(x tx) error {
		if _, _, err := s.act(ctx, x, c.PortalID, c.TicketID, c.Event, c.Apply); err != nil {
			return err
		}
		_, err := x.exec(ctx, "UPDATE tickets SET rating = ?, satisfaction = ? WHERE portal_id = ? AND id = ?",
			b, text(c.Rating.Value), id(c.PortalID), id(c.TicketID))
		if err != nil {
			return err
		}
		return s.decideOne(ctx, x, c.PortalID, c.TicketID)
	})
}

// SetParticipants implements portal.ActionStore: the participants' column,
// and the ticket_contacts rows of those the ticket's contacts do not hold.
func (s *Store) SetParticipants(ctx context.Context, c portal.ParticipantChange) error {
	var b []byte
	if len(c.Participants) > 0 {
		var err error
		if b, err = encode(c.Participants); err != nil {
			return err
		}
	}
	return s.write(ctx, "set participants", c.PortalID, func(x tx) error {
		t, _, err := s.act(ctx, x, c.PortalID, c.TicketID, c.Event, c.Apply)
		if err != nil {
			return err
		}
		if _, err := x.exec(ctx, "UPDATE tickets SET participants = ? WHERE portal_id = ? AND id = ?", b, id(c.PortalID), id(c.TicketID)); err != nil {
			return err
		}
		was, now := participantsBeside(t.ContactIDs, c.Was), participantsBeside(t.ContactIDs, c.Participants)
		for _, gone := range was {
			if slices.Contains(now, gone) {
				continue
			}
			_, err := x.exec(ctx, "DELETE FROM ticket_contacts WHERE portal_id = ? AND contact_id = ? AND ticket_id = ?",
				id(c.PortalID), id(gone), id(t.ID))
			if err != nil {
				return err
			}
		}
		var added []uuid.UUID
		for _, a := range now {
			if !slices.Contains(was, a) {
				added = append(added, a)
			}
		}
		rows := associations(id(c.PortalID), &t, added)
		for _, row := range rows {
			row[len(row)-1] = portal.OrderKeys(&t)[portal.ByNumber]
		}
		if err := insertRows(ctx, x, "ticket_contacts "+fmt.Sprintf(assocCols, "contact_id"), rows); err != nil || len(rows) == 0 {
			return err
		}
		return s.decideOne(ctx, x, c.PortalID, c.TicketID)
	})
}

// errSubmitted stops a submission whose key was used: its transaction
// rolls back, and SubmitTicket returns the first submission's ticket.
var errSubmitted = errors.New("submitted before")

// SubmitTicket implements portal.ActionStore. The event is numbered
// first, which takes the outbox row as every action does, and written
// last, with the number the ticket was given.
func (s *Store) SubmitTicket(ctx context.Context, c portal.SubmitChange) (portal.SubmitResult, error) {
	pid := c.Ticket.PortalID
	c.Ticket.Number = 0 // the next
	rows, err := s.newTicketRows(pid, []portal.Ticket{c.Ticket})
	if err != nil {
		return portal.SubmitResult{}, err
	}
	var res portal.SubmitResult
	err = s.write(ctx, "submit ticket", pid, func(x tx) error {
		res = portal.SubmitResult{} // this run's: a rerun decides anew
		seq, err := s.nextEvent(ctx, x, pid)
		if err != nil {
			return err
		}
		if c.Key != "" {
			var b, digest []byte
			err := x.row(ctx, "SELECT ticket_id, digest FROM submissions WHERE portal_id = ? AND contact_id = ? AND idem_key = ?"+s.d.forUpdate(),
				id(pid), id(c.ContactID), text(c.Key)).Scan(&b, &digest)
			if err == nil {
				if len(digest) > 0 && !bytes.Equal(digest, c.Digest) {
					return fmt.Errorf("%w: key %q was used for another submission", portal.ErrConflict, c.Key)
				}
				var number *int64
				// A locking read: the first submission may have committed
				// after this transaction's snapshot was taken (MySQL).
				if err := x.row(ctx, "SELECT number FROM tickets WHERE portal_id = ? AND id = ?"+s.d.forUpdate(), id(pid), b).Scan(&number); err != nil {
					return err
				}
				if res.TicketID, err = uuidOf(b); err != nil {
					return err
				}
				if number != nil {
					res.Number = *number
				}
				return errSubmitted
			}
			if !isNoRows(err) {
				return err
			}
			if _, err := x.exec(ctx, "INSERT INTO submissions (portal_id, contact_id, idem_key, ticket_id, digest) VALUES (?, ?, ?, ?, ?)",
				id(pid), id(c.ContactID), text(c.Key), id(c.Ticket.ID), c.Digest); err != nil {
				return err
			}
		}
		var one int
		switch err := x.row(ctx, "SELECT 1 FROM tickets WHERE portal_id = ? AND id = ?", id(pid), id(c.Ticket.ID)).Scan(&one); {
		case err == nil:
			return fmt.Errorf("%w: ticket %s exists", portal.ErrConflict, c.Ticket.ID)
		case !isNoRows(err):
			return err
		}
		if err := rows.write(ctx, x); err != nil {
			return err
		}
		e := c.Event
		e.TicketNumber = rows.written[0]
		if err := s.insertEvent(ctx, x, e, seq); err != nil {
			return err
		}
		if err := s.insertThread(ctx, x, c.Thread); err != nil {
			return err
		}
		if err := s.insertMessage(ctx, x, c.Message); err != nil {
			return err
		}
		if err := forgetPending(ctx, x, pid, c.Message.Attachments); err != nil {
			return err
		}
		if c.Receipt != nil {
			if err := insertMail(ctx, x, *c.Receipt); err != nil {
				return err
			}
		}
		res = portal.SubmitResult{TicketID: c.Ticket.ID, Number: e.TicketNumber, Created: true}
		return nil
	})
	switch {
	case errors.Is(err, errSubmitted):
		return res, nil
	case err != nil:
		return portal.SubmitResult{}, err
	}
	return res, nil
}

// Events implements portal.OutboxStore.
func (s *Store) Events(ctx context.Context, portalID uuid.UUID, after int64, limit int) ([]portal.Event, error) {
	if _, err := s.Tenant(ctx, portalID); err != nil {
		return nil, err
	}
	return docs(ctx, s, "events", decode[portal.Event],
		"SELECT doc FROM events WHERE portal_id = ? AND seq > ? ORDER BY seq LIMIT ?", id(portalID), after, max(limit, 0))
}

// AckEvents implements portal.OutboxStore.
func (s *Store) AckEvents(ctx context.Context, portalID uuid.UUID, seq int64) error {
	return s.write(ctx, "ack events", portalID, func(x tx) error {
		if err := s.outboxRow(ctx, x, portalID); err != nil {
			return err
		}
		// The counter row, locked: an action that is writing an event
		// commits (or rolls back) before the comparison, and none can
		// write one between the comparison and the update.
		var head int64
		if err := x.row(ctx, "SELECT seq FROM outbox WHERE portal_id = ?"+s.d.forUpdate(), id(portalID)).Scan(&head); err != nil {
			return err
		}
		if seq > head {
			return &portal.PastLastEventError{Last: head}
		}
		_, err := x.exec(ctx, "UPDATE outbox SET acked = ? WHERE portal_id = ? AND acked < ?", seq, id(portalID), seq)
		return err
	})
}

// AckedEvents implements portal.OutboxStore.
func (s *Store) AckedEvents(ctx context.Context, portalID uuid.UUID) (int64, error) {
	if _, err := s.Tenant(ctx, portalID); err != nil {
		return 0, err
	}
	var n int64
	err := s.row(ctx, "SELECT acked FROM outbox WHERE portal_id = ?", id(portalID)).Scan(&n)
	if isNoRows(err) {
		return 0, nil
	}
	return n, mapErr("acked events", err)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// AddPendingBlobs implements portal.PendingBlobStore.
func (s *Store) AddPendingBlobs(ctx context.Context, portalID uuid.UUID, keys []string, at time.Time) error {
	q := s.d.upsert("pending_blobs", []string{"portal_id", "blob_key"}, []string{"portal_id", "blob_key", "pending_at"})
	return s.write(ctx, "add pending blobs", portalID, func(t tx) error {
		for _, k := range keys {
			if _, err := t.exec(ctx, q, id(portalID), text(k), at.UnixMicro()); err != nil {
				return err
			}
		}
		return nil
	})
}

// PendingBlobs implements portal.PendingBlobStore.
func (s *Store) PendingBlobs(ctx context.Context, portalID uuid.UUID, before time.Time, limit int) ([]string, error) {
	rows, err := s.query(ctx, "SELECT blob_key FROM pending_blobs WHERE portal_id = ? AND pending_at < ? ORDER BY blob_key LIMIT "+
		strconv.Itoa(limit), id(portalID), before.UnixMicro())
	if err != nil {
		return nil, mapErr("pending blobs", err)
	}
	out, err := collect(rows, func(rows *sql.Rows, k *string) error {
		var b []byte
		err := rows.Scan(&b)
		*k = string(b)
		return err
	})
	return out, mapErr("pending blobs", err)
}

// ForgetPendingBlobs implements portal.PendingBlobStore.
func (s *Store) ForgetPendingBlobs(ctx context.Context, portalID uuid.UUID, keys []string) error {
	return s.write(ctx, "forget pending blobs", portalID, func(t tx) error {
		for _, k := range keys {
			if _, err := t.exec(ctx, "DELETE FROM pending_blobs WHERE portal_id = ? AND blob_key = ?", id(portalID), text(k)); err != nil {
				return err
			}
		}
		return nil
	})
}
