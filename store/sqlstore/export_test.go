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

// The dialect's pieces, for the hand-written baseline's SQL.
func Rebind(d Dialect, q string) string     { return d.rebind(q) }
func Position(d Dialect, col string) string { return d.position(col) }
func DrivingJoin(d Dialect) string          { return d.drivingJoin() }
