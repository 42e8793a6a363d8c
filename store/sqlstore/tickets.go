package sqlstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

var ticketCols = []string{"portal_id", "id", "doc", "subject_fold", "content_fold", "search", "created_at", "last_activity_at",
	"requester_id", "owner_id", "stage_id", "pipeline_id", "channel_id", "priority"}

// PutTicket implements portal.TicketStore: the ticket row with the columns
// its list queries read, its associations and its custom property values,
// replaced in one transaction.
func (s *Store) PutTicket(ctx context.Context, t portal.Ticket) error {
	b, err := encode(ticketDoc{Ticket: t, Properties: props(t.Properties)})
	if err != nil {
		return err
	}
	var priority any
	if t.Priority != "" {
		priority = []byte(t.Priority)
	}
	pid, tid := id(t.PortalID), id(t.ID)
	upsert := s.d.upsert("tickets", []string{"portal_id", "id"}, ticketCols)
	return s.write(ctx, "put ticket", t.PortalID, func(x tx) error {
		if _, err := x.exec(ctx, upsert, pid, tid, b, optFold(t.Subject), optFold(t.Content), []byte(portal.SearchText(&t)),
			optMicros(t.CreatedAt), optMicros(t.LastActivityAt), optID(t.RequesterID), optID(t.OwnerID),
			optID(t.StageID), optID(t.PipelineID), optID(t.ChannelID), priority); err != nil {
			return err
		}
		for _, table := range []string{"ticket_contacts", "ticket_companies", "ticket_props"} {
			if _, err := x.exec(ctx, "DELETE FROM "+table+" WHERE portal_id = ? AND ticket_id = ?", pid, tid); err != nil {
				return err
			}
		}
		if err := insertRows(ctx, x, "ticket_contacts (portal_id, contact_id, ticket_id)", associations(pid, tid, t.ContactIDs)); err != nil {
			return err
		}
		if err := insertRows(ctx, x, "ticket_companies (portal_id, company_id, ticket_id)", associations(pid, tid, t.CompanyIDs)); err != nil {
			return err
		}
		rows, err := propRows(pid, tid, t.Properties)
		if err != nil {
			return err
		}
		return insertRows(ctx, x, "ticket_props (portal_id, ticket_id, name, kind, raw, txt, num)", rows)
	})
}

// associations are the rows of an association table, each ID once.
func associations(pid, tid []byte, ids []uuid.UUID) [][]any {
	var rows [][]any
	seen := make(map[uuid.UUID]bool, len(ids))
	for _, a := range ids {
		if !seen[a] {
			seen[a] = true
			rows = append(rows, []any{pid, id(a), tid})
		}
	}
	return rows
}

// propRows are the ticket_props rows of a ticket's custom property values.
// An empty text is an unknown value and has no row.
func propRows(pid, tid []byte, p portal.Properties) ([][]any, error) {
	names := slices.Sorted(maps.Keys(p))
	var rows [][]any
	for _, name := range names {
		switch v := p[name].(type) {
		case string:
			if v != "" {
				rows = append(rows, []any{pid, tid, name, "s", []byte(v), []byte(portal.Fold(v)), nil})
			}
		case float64:
			rows = append(rows, []any{pid, tid, name, "n", nil, nil, v})
		case time.Time:
			if !v.IsZero() {
				rows = append(rows, []any{pid, tid, name, "d", nil, nil, float64(v.UnixMicro())})
			}
		case bool:
			n := 0.0
			if v {
				n = 1
			}
			rows = append(rows, []any{pid, tid, name, "b", nil, nil, n})
		default:
			return nil, fmt.Errorf("property %q: unsupported value type %T", name, v)
		}
	}
	return rows, nil
}

// insertRows inserts rows into "table (columns)", many to a statement.
func insertRows(ctx context.Context, x tx, into string, rows [][]any) error {
	const perStatement = 100
	for len(rows) > 0 {
		n := min(len(rows), perStatement)
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(rows[0])), ", ") + ")"
		q := "INSERT INTO " + into + " VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
		args := make([]any, 0, n*len(rows[0]))
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := x.exec(ctx, q, args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// Ticket implements portal.TicketStore.
func (s *Store) Ticket(ctx context.Context, portalID, tid uuid.UUID) (portal.Ticket, error) {
	return getDoc(ctx, s, "ticket", "tickets", portalID, tid, decodeTicket)
}

// PutThread implements portal.TicketStore.
func (s *Store) PutThread(ctx context.Context, th portal.Thread) error {
	return s.putDoc(ctx, "put thread", "threads", th.PortalID, th.ID, th,
		[]col{{"ticket_id", id(th.TicketID)}, {"created_at", th.CreatedAt.UnixMicro()}})
}

// Thread implements portal.TicketStore.
func (s *Store) Thread(ctx context.Context, portalID, thid uuid.UUID) (portal.Thread, error) {
	return getDoc(ctx, s, "thread", "threads", portalID, thid, decode[portal.Thread])
}

// Threads implements portal.TicketStore.
func (s *Store) Threads(ctx context.Context, portalID, ticketID uuid.UUID) ([]portal.Thread, error) {
	return docs(ctx, s, "threads", decode[portal.Thread],
		"SELECT doc FROM threads WHERE portal_id = ? AND ticket_id = ? ORDER BY created_at, id", id(portalID), id(ticketID))
}

// AddMessage implements portal.TicketStore.
func (s *Store) AddMessage(ctx context.Context, m portal.Message) error {
	b, err := encode(m)
	if err != nil {
		return err
	}
	q := s.d.insertNew("messages", []string{"portal_id", "id"}, []string{"portal_id", "id", "thread_id", "created_at", "doc"})
	return s.write(ctx, "add message", m.PortalID, func(x tx) error {
		res, err := x.exec(ctx, q, id(m.PortalID), id(m.ID), id(m.ThreadID), m.CreatedAt.UnixMicro(), b)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("%w: message %s exists (%v)", portal.ErrConflict, m.ID, err)
		}
		return nil
	})
}

// Messages implements portal.TicketStore.
func (s *Store) Messages(ctx context.Context, portalID, threadID uuid.UUID) ([]portal.Message, error) {
	return docs(ctx, s, "messages", decode[portal.Message],
		"SELECT doc FROM messages WHERE portal_id = ? AND thread_id = ? ORDER BY created_at, id", id(portalID), id(threadID))
}
