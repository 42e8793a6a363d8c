package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// Kept verdicts (P11, S8). Each association row (ticket_contacts,
// ticket_companies) keeps its ticket's stage (stage_id) and, in shown, the
// ticket's verdict under the tenant's visibility filter: the filter's
// stamp (portal.TicketFilter.Stamp) when the ticket passes it, the stamp
// negated when it does not, 0 when undecided. A total whose visibility
// filter has a stamp and whose other filter is on the status alone is
// counted from the scopes' index of them (countKept), without reading a
// ticket; the stages' states are read then.
//
// A verdict reads the ticket alone (its row and its custom property
// values). It is decided by the filter's own SQL (the list's), so that it
// is what a query reading the ticket would find: in the transaction of
// every write of the ticket (decide), and for every ticket of the tenant
// when the filter's stamp changes (redecide: the settings' filter, or a
// custom property it reads). A row decided under another stamp (a row the
// migration's backfill has not decided, a write on another node that
// raced a change of the filter) makes the count read the tickets instead,
// as before (CountTickets): a kept verdict is trusted only under its own
// stamp.
//
// A write of a ticket reads the settings' row with a shared lock before
// it decides (tenantFilter), which a save of the settings, or of a custom
// property, holds exclusively before it decides every ticket again: the
// two take turns,
// so that the save's statement, which reads the tickets as they were when
// it began, never reads a ticket that a write has changed since. On a
// Galera cluster, where a lock does not reach the other nodes, the save
// changes every row's stamp, and a write of one of them conflicts with it
// at certification: one of the two is rolled back and run again.

// judge is a tenant's visibility filter and its stamp, 0 when it keeps no
// verdicts: the filter reads more than the ticket, or the stored settings
// do not compile (which the store does not check: Portal does, and
// refuses them).
type judge struct {
	f     portal.TicketFilter
	stamp int64
}

// judgeOf is the judge of a compiled filter, or of none when err is set.
func judgeOf(f portal.TicketFilter, err error) judge {
	if err != nil {
		return judge{}
	}
	return judge{f, f.Stamp()}
}

// tenantFilter returns the tenant's judge as x sees its settings and
// custom properties, holding the settings' row shared until x ends (see
// the top of the file): the kept snapshot's when it is current, else read
// in x (and not kept: x may roll back).
func (s *Store) tenantFilter(ctx context.Context, x tx, portalID uuid.UUID) (judge, error) {
	var version int64
	var generation *int64
	err := x.row(ctx, "SELECT s.version, (SELECT g.generation FROM generations g WHERE g.portal_id = s.portal_id) FROM settings s WHERE s.portal_id = ?"+x.d.forShare(),
		id(portalID)).Scan(&version, &generation)
	if err != nil {
		return judge{}, err
	}
	if kept := s.kept.get(portalID); kept.current(version, generation) {
		return judgeOf(kept.visibility()), nil
	}
	return readFilter(ctx, x, portalID)
}

// changingFilter begins, in x, a change that may change the tenant's
// judge other than a save of the settings (whose conditional UPDATE of the
// row takes it first): it takes the settings' row exclusively (see the
// top of the file) and returns the judge before the change, for redecide.
func changingFilter(ctx context.Context, x tx, portalID uuid.UUID) (judge, error) {
	var one int
	if err := x.row(ctx, "SELECT 1 FROM settings WHERE portal_id = ?"+x.d.forUpdate(), id(portalID)).Scan(&one); err != nil {
		return judge{}, err
	}
	return readFilter(ctx, x, portalID)
}

// readFilter reads the tenant's judge in x: its settings and custom
// properties as last committed, holding them shared. A plain read would
// not do: on MariaDB it sees the snapshot x began with, where a write that
// waited for a lock while the filter changed would find the filter before
// the change, and decide its tickets under it (their rows then stale, so
// their scopes' totals read tickets until they are written again).
func readFilter(ctx context.Context, x tx, portalID uuid.UUID) (judge, error) {
	var doc []byte
	if err := x.row(ctx, "SELECT doc FROM settings WHERE portal_id = ?"+x.d.forShare(), id(portalID)).Scan(&doc); err != nil {
		return judge{}, err
	}
	set, err := decode[portal.Settings](doc)
	if err != nil {
		return judge{}, err
	}
	props, err := properties(ctx, x, portalID)
	if err != nil {
		return judge{}, err
	}
	return judgeOf(portal.VisibilityOf(&set, props)), nil
}

// properties reads the tenant's custom properties in x, in their order,
// as last committed, holding them shared.
func properties(ctx context.Context, x tx, portalID uuid.UUID) ([]portal.PropertyDef, error) {
	rows, err := x.query(ctx, propertiesSQL+x.d.forShare(), id(portalID))
	if err != nil {
		return nil, err
	}
	return decodeAll(rows, decode[portal.PropertyDef])
}

// decide writes f's verdicts on the tickets tids (IDs as stored) into
// their associations, and their stages.
func decide(ctx context.Context, x tx, pid []byte, f judge, tids []any) error {
	return batches(tids, func(tids []any) error {
		for _, table := range []string{"ticket_contacts", "ticket_companies"} {
			b := &builder{d: x.d}
			b.sql("UPDATE ", table, " SET stage_id = (SELECT t.stage_id FROM tickets t WHERE t.portal_id = ", table,
				".portal_id AND t.id = ", table, ".ticket_id), shown = ")
			verdictSQL(b, table, f)
			b.sql(" WHERE portal_id = ")
			b.arg(pid)
			b.sql(" AND ticket_id IN (", placeholders(len(tids)), ")")
			b.args = append(b.args, tids...)
			if _, err := x.exec(ctx, b.b.String(), b.args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// decideOne decides the verdict of one ticket, after a write of it.
func (s *Store) decideOne(ctx context.Context, x tx, portalID, ticketID uuid.UUID) error {
	f, err := s.tenantFilter(ctx, x, portalID)
	if err != nil {
		return err
	}
	return decide(ctx, x, id(portalID), f, []any{id(ticketID)})
}

// redecide decides the verdicts of every ticket of the tenant again when
// its judge in x differs from was, the judge before x's change (of the
// settings, or of a custom property). A judge without a stamp decides
// none: the rows' stamps then differ from every query's.
func redecide(ctx context.Context, x tx, portalID uuid.UUID, was judge) error {
	now, err := readFilter(ctx, x, portalID)
	if err != nil || now.stamp == was.stamp || now.stamp == 0 {
		return err
	}
	return redecideAll(ctx, x, id(portalID), now)
}

// decideVerdicts is migration verdicts' backfill: the stages and the
// verdicts of every tenant's tickets (and on MySQL, the columns and
// indexes first).
func decideVerdicts(ctx context.Context, x tx) error {
	if x.d == MySQL {
		for _, table := range []string{"ticket_contacts", "ticket_companies"} {
			if err := mysqlColumns(table, "stage_id binary(16)", "shown bigint NOT NULL DEFAULT 0")(ctx, x); err != nil {
				return err
			}
		}
		err := mysqlIndexes(ctx, x,
			mysqlIndex{"ticket_contacts", "ticket_contacts_shown", "(portal_id, contact_id, shown, stage_id, ticket_id)", false},
			mysqlIndex{"ticket_companies", "ticket_companies_shown", "(portal_id, company_id, shown, stage_id, ticket_id)", false})
		if err != nil {
			return err
		}
		for _, q := range []string{
			"UPDATE ticket_contacts a STRAIGHT_JOIN tickets t ON t.portal_id = a.portal_id AND t.id = a.ticket_id SET a.stage_id = t.stage_id",
			"UPDATE ticket_companies a STRAIGHT_JOIN tickets t ON t.portal_id = a.portal_id AND t.id = a.ticket_id SET a.stage_id = t.stage_id",
		} {
			if _, err := x.exec(ctx, q); err != nil {
				return err
			}
		}
	}
	rows, err := x.query(ctx, "SELECT portal_id FROM settings")
	if err != nil {
		return err
	}
	tenants, err := collect(rows, func(rs *sql.Rows, pid *[]byte) error { return rs.Scan(pid) })
	if err != nil {
		return err
	}
	for _, pid := range tenants {
		portalID, err := uuid.FromBytes(pid)
		if err != nil {
			return err
		}
		f, err := readFilter(ctx, x, portalID)
		if err != nil {
			return err
		}
		if f.stamp != 0 {
			if err := redecideAll(ctx, x, pid, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// redecideAll writes f's verdicts on every ticket of the tenant pid.
func redecideAll(ctx context.Context, x tx, pid []byte, f judge) error {
	for _, table := range []string{"ticket_contacts", "ticket_companies"} {
		b := &builder{d: x.d}
		b.sql("UPDATE ", table, " SET shown = ")
		verdictSQL(b, table, f)
		b.sql(" WHERE portal_id = ")
		b.arg(pid)
		if _, err := x.exec(ctx, b.b.String(), b.args...); err != nil {
			return err
		}
	}
	return nil
}

// verdictSQL writes the verdict of f on the ticket of a row of table (see
// the top of the file).
func verdictSQL(b *builder, table string, f judge) {
	// The stamps are written as numbers, not parameters, whose type
	// PostgreSQL cannot infer in a CASE.
	stamp := f.stamp
	if stamp <= 1 { // undecided; or an empty filter, which every ticket passes
		b.sql(strconv.FormatInt(stamp, 10))
		return
	}
	q := portal.TicketQuery{Now: time.Now()} // a stamped filter does not read it
	b.sql("CASE WHEN EXISTS (SELECT 1 FROM tickets t WHERE t.portal_id = ", table, ".portal_id AND t.id = ", table, ".ticket_id")
	b.filter(f.f.Conds(), &q)
	b.sql(") THEN ", strconv.FormatInt(stamp, 10), " ELSE ", strconv.FormatInt(-stamp, 10), " END")
}

// countKept counts q's tickets up to max from the kept verdicts (see the
// top of the file), in one statement: ok is false when they cannot answer
// q (its visibility filter has no stamp, or it filters by more than the
// status, or searches) or when a row of its scopes was decided under
// another stamp.
func (s *Store) countKept(ctx context.Context, q *portal.TicketQuery, max int) (n int, ok bool, err error) {
	stamp := q.Visibility.Stamp()
	open, closed, statusOnly := q.Filter.Statuses()
	if stamp == 0 || !statusOnly || q.Searching() {
		return 0, false, nil
	}
	if !open && !closed {
		return 0, true, nil
	}
	type scope struct {
		table, col string
		id         []byte
	}
	pid := id(q.PortalID)
	scopes := []scope{{"ticket_contacts", "contact_id", id(q.ContactID)}}
	if q.CompanyID != uuid.Nil {
		scopes = append(scopes, scope{"ticket_companies", "company_id", id(q.CompanyID)})
	}
	b := &builder{d: s.d}
	in := func(sc scope) {
		b.sql("SELECT 1 FROM ", sc.table, " WHERE portal_id = ")
		b.arg(pid)
		b.sql(" AND ", sc.col, " = ")
		b.arg(sc.id)
	}
	// Stale: a verdict that is neither stamp nor -stamp, as three ranges
	// of the index. The stamps are written as numbers: with parameters,
	// PostgreSQL's generic plan of a statement used again guessed a third
	// of a scope in each range, and scanned the table for the first.
	yes, no := strconv.FormatInt(stamp, 10), strconv.FormatInt(-stamp, 10)
	b.sql("SELECT CASE WHEN ")
	for i, sc := range scopes {
		if i > 0 {
			b.sql(" OR ")
		}
		b.sql("EXISTS (")
		in(sc)
		b.sql(" AND shown < ", no, ") OR EXISTS (")
		in(sc)
		b.sql(" AND shown > ", no, " AND shown < ", yes, ") OR EXISTS (")
		in(sc)
		b.sql(" AND shown > ", yes, ")")
	}
	b.sql(" THEN -1 ELSE (SELECT COUNT(*) FROM (")
	for i, sc := range scopes {
		if i > 0 {
			b.sql(" UNION ")
		}
		b.sql("SELECT ticket_id FROM (SELECT ticket_id FROM ", sc.table, " WHERE portal_id = ")
		b.arg(pid)
		b.sql(" AND ", sc.col, " = ")
		b.arg(sc.id)
		b.sql(" AND shown = ", yes)
		switch {
		case open && !closed:
			b.sql(" AND (stage_id IS NULL OR stage_id NOT IN (SELECT id FROM stages WHERE portal_id = ")
			b.arg(pid)
			b.sql(" AND closed = 1))")
		case closed && !open:
			b.sql(" AND stage_id IN (SELECT id FROM stages WHERE portal_id = ")
			b.arg(pid)
			b.sql(" AND closed = 1)")
		}
		b.sql(" LIMIT ")
		b.arg(max)
		b.sql(") s", strconv.Itoa(i))
	}
	b.sql(") c) END")
	err = s.db.QueryRowContext(ctx, b.d.rebind(b.b.String()), b.args...).Scan(&n)
	if err != nil || n < 0 {
		return 0, false, err
	}
	return min(n, max), true, nil
}
