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

// SetPlanBounds sets how many tickets a rare search is in at most, and how
// many tickets of a scope PostgreSQL's sample of a search reads, so that
// small tests reach every plan of a search. 0 keeps a bound.
func SetPlanBounds(s *Store, rare, sample int) { s.rareTickets, s.sampleRows = rare, sample }

// PagesByPlan counts the pages s has cut by each plan.
func PagesByPlan(s *Store) (scope, walk, search int64) {
	return s.plans[scopePlan].Load(), s.plans[walkPlan].Load(), s.plans[searchPlan].Load()
}

// CountsByWay counts the totals s has counted from its kept verdicts, and
// by reading tickets.
func CountsByWay(s *Store) (kept, read int64) { return s.keptCounts.Load(), s.readCounts.Load() }

// ForShare is the dialect's clause for a shared lock on the rows read.
func ForShare(d Dialect) string { return d.forShare() }
