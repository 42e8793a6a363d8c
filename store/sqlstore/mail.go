package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// QueueMail implements portal.MailStore.
func (s *Store) QueueMail(ctx context.Context, m portal.QueuedMail) error {
	return s.write(ctx, "queue mail", m.PortalID, func(t tx) error { return insertMail(ctx, t, m) })
}

// insertMail adds m to the mail queue in t.
func insertMail(ctx context.Context, t tx, m portal.QueuedMail) error {
	_, err := t.exec(ctx, "INSERT INTO mail_queue (portal_id, id, kind, contact_id, email, ticket_id, queued_at, due_at, attempts)"+
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", id(m.PortalID), id(m.ID), string(m.Kind), id(m.ContactID), text(m.Email),
		optID(m.TicketID), m.QueuedAt.UnixMicro(), m.DueAt.UnixMicro(), m.Attempts)
	return err
}

// DueMails implements portal.MailStore.
func (s *Store) DueMails(ctx context.Context, portalID uuid.UUID, at time.Time, limit int) ([]portal.QueuedMail, error) {
	rows, err := s.query(ctx, "SELECT id, kind, contact_id, email, ticket_id, queued_at, due_at, attempts FROM mail_queue"+
		" WHERE portal_id = ? AND due_at <= ? ORDER BY due_at, id LIMIT "+strconv.Itoa(limit), id(portalID), at.UnixMicro())
	if err != nil {
		return nil, mapErr("due mails", err)
	}
	out, err := collect(rows, func(rows *sql.Rows, m *portal.QueuedMail) error {
		var mid, cid, email, tid []byte
		var kind string
		var queued, due int64
		err := rows.Scan(&mid, &kind, &cid, &email, &tid, &queued, &due, &m.Attempts)
		if err != nil {
			return err
		}
		if tid != nil {
			if m.TicketID, err = uuidOf(tid); err != nil {
				return err
			}
		}
		if m.ID, err = uuidOf(mid); err != nil {
			return err
		}
		if m.ContactID, err = uuidOf(cid); err != nil {
			return err
		}
		m.PortalID, m.Kind, m.Email = portalID, portal.TokenKind(kind), string(email)
		m.QueuedAt, m.DueAt = fromMicros(queued), fromMicros(due)
		return nil
	})
	return out, mapErr("due mails", err)
}

// ClaimMail implements portal.MailStore: the UPDATE compares and sets in
// one statement, so of two deliveries that read one mail, one changes its
// row and the other changes none.
func (s *Store) ClaimMail(ctx context.Context, portalID, mailID uuid.UUID, due, next time.Time) error {
	return s.write(ctx, "claim mail", portalID, func(t tx) error {
		res, err := t.exec(ctx, "UPDATE mail_queue SET due_at = ?, attempts = attempts + 1 WHERE portal_id = ? AND id = ? AND due_at = ?",
			next.UnixMicro(), id(portalID), id(mailID), due.UnixMicro())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var one int
		if err := t.row(ctx, "SELECT 1 FROM mail_queue WHERE portal_id = ? AND id = ?", id(portalID), id(mailID)).Scan(&one); err != nil {
			return err
		}
		return fmt.Errorf("%w: queued mail %s taken by another delivery", portal.ErrConflict, mailID)
	})
}

// DeleteMail implements portal.MailStore.
func (s *Store) DeleteMail(ctx context.Context, portalID, mailID uuid.UUID) error {
	_, err := s.deleteCount(ctx, "delete mail", portalID, "DELETE FROM mail_queue WHERE portal_id = ? AND id = ?", id(portalID), id(mailID))
	return err
}
