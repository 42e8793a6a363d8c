package sqlstore

import (
	"context"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// PutTickets bulk-loads tickets of one tenant for the benchmarks.
func PutTickets(ctx context.Context, s *Store, portalID uuid.UUID, ts []portal.Ticket) error {
	return s.putTickets(ctx, portalID, ts)
}

// DecodeTicket reads a ticket document, for hand-written baseline queries.
func DecodeTicket(b []byte) (portal.Ticket, error) { return decodeTicket(b) }

// ListSQL is the statement of a list query, for looking at its plan.
func ListSQL(s *Store, q portal.TicketQuery) (string, []any) {
	text, args, _ := s.listSQL(&q)
	return text, args
}
