package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

var ticketCols = []string{"portal_id", "id", "doc", "subject_fold", "content_fold", "search", "created_at", "last_activity_at",
	"requester_id", "owner_id", "stage_id", "pipeline_id", "channel_id", "priority", "number"}

// numberCol is where a ticket's row holds its number: the last of
// ticketCols.
const numberCol = 14

// assocCols are the columns of an association of a ticket (ticket_contacts
// with contact_id, ticket_companies with company_id): the scope, the ticket
// and the ticket's keys in the orders lists are walked in (see portal.OrderKeys),
// the number's last.
const assocCols = "(portal_id, %s, ticket_id, created_key, activity_key, number_key)"

// PutTicket implements portal.TicketStore: the ticket row with the columns
// its list queries read, its associations and its custom property values,
// replaced in one transaction.
func (s *Store) PutTicket(ctx context.Context, t portal.Ticket) error {
	return s.putTickets(ctx, t.PortalID, []portal.Ticket{t})
}

// putTickets writes tickets of one tenant in one transaction, many to a
// statement: PutTicket writes one, and a bulk load many.
func (s *Store) putTickets(ctx context.Context, portalID uuid.UUID, ts []portal.Ticket) error {
	rows, err := s.newTicketRows(portalID, ts)
	if err != nil {
		return err
	}
	return s.write(ctx, "put ticket", portalID, func(x tx) error { return rows.write(ctx, x) })
}

// ticketRows are the rows that keep some tickets of one tenant. Their
// numbers are given in the transaction that writes them (write).
type ticketRows struct {
	s                                    *Store
	portalID                             uuid.UUID
	pid                                  []byte
	cols                                 []string // of the tickets table
	tickets, contacts, companies, values [][]any
	ticketIDs                            []any
	search                               []string // each ticket's search text, for the search index
	numbers                              []int64  // each ticket's number as put: 0 for the next
	written                              []int64  // each ticket's number as the last write wrote it
	// contactOf and companyOf are, for each row of contacts and of
	// companies, the index of its ticket.
	contactOf, companyOf []int
	src                  []portal.Ticket // the tickets, as put
}

func (s *Store) newTicketRows(portalID uuid.UUID, ts []portal.Ticket) (*ticketRows, error) {
	r := &ticketRows{s: s, portalID: portalID, pid: id(portalID), cols: ticketCols, src: ts}
	if s.search.column {
		r.cols = append(slices.Clip(ticketCols), "search_text")
	}
	for _, t := range ts {
		if t.PortalID != portalID {
			return nil, fmt.Errorf("%w: ticket %s is not of tenant %s", portal.ErrInvalid, t.ID, portalID)
		}
		b, err := encode(ticketDoc{Ticket: t, Properties: props(t.Properties)})
		if err != nil {
			return nil, err
		}
		var priority any
		if t.Priority != "" {
			priority = []byte(t.Priority)
		}
		tid := id(t.ID)
		search := portal.SearchText(&t)
		r.ticketIDs = append(r.ticketIDs, tid)
		r.search = append(r.search, search)
		row := []any{r.pid, tid, b, optFold(t.Subject), optFold(t.Content), []byte(search),
			optMicros(t.CreatedAt), optMicros(t.LastActivityAt), optID(t.RequesterID), optID(t.OwnerID),
			optID(t.StageID), optID(t.PipelineID), optID(t.ChannelID), priority, nil} // number: write's
		if s.search.column {
			row = append(row, indexText(search))
		}
		r.tickets = append(r.tickets, row)
		r.numbers = append(r.numbers, t.Number)
		r.contacts = append(r.contacts, associations(r.pid, &t, t.ContactIDs)...)
		r.companies = append(r.companies, associations(r.pid, &t, t.CompanyIDs)...)
		for len(r.contactOf) < len(r.contacts) {
			r.contactOf = append(r.contactOf, len(r.tickets)-1)
		}
		for len(r.companyOf) < len(r.companies) {
			r.companyOf = append(r.companyOf, len(r.tickets)-1)
		}
		rows, err := propRows(r.pid, tid, t.Properties)
		if err != nil {
			return nil, err
		}
		r.values = append(r.values, rows...)
	}
	return r, nil
}

// write writes the rows in x, in place of what the tickets had, with their
// numbers (number).
func (r *ticketRows) write(ctx context.Context, x tx) error {
	numbers, err := r.number(ctx, x)
	if err != nil {
		return err
	}
	r.written = numbers
	for i, row := range r.tickets {
		row[numberCol] = numbers[i]
	}
	for i, row := range r.contacts {
		row[len(row)-1] = numbers[r.contactOf[i]]
	}
	for i, row := range r.companies {
		row[len(row)-1] = numbers[r.companyOf[i]]
	}
	if q := x.d.bulkWrite(); q != "" {
		if _, err := x.exec(ctx, q); err != nil {
			return err
		}
	}
	err = batches(r.tickets, func(rows [][]any) error {
		_, err := x.exec(ctx, x.d.upsert("tickets", []string{"portal_id", "id"}, r.cols, len(rows)), flat(rows)...)
		return err
	})
	if err != nil {
		return err
	}
	for _, table := range []string{"ticket_contacts", "ticket_companies", "ticket_props"} {
		err := batches(r.ticketIDs, func(tids []any) error {
			q := "DELETE FROM " + table + " WHERE portal_id = ? AND ticket_id IN (" + placeholders(len(tids)) + ")"
			_, err := x.exec(ctx, q, append([]any{r.pid}, tids...)...)
			return err
		})
		if err != nil {
			return err
		}
	}
	participants, err := r.participants(ctx, x, numbers)
	if err != nil {
		return err
	}
	if err := insertRows(ctx, x, "ticket_contacts "+fmt.Sprintf(assocCols, "contact_id"), append(slices.Clip(r.contacts), participants...)); err != nil {
		return err
	}
	if err := insertRows(ctx, x, "ticket_companies "+fmt.Sprintf(assocCols, "company_id"), r.companies); err != nil {
		return err
	}
	if err := insertRows(ctx, x, "ticket_props (portal_id, ticket_id, name, kind, raw, txt, num, micros)", r.values); err != nil {
		return err
	}
	// The verdicts, which read the ticket's row and its properties.
	f, err := r.s.tenantFilter(ctx, x, r.portalID)
	if err != nil {
		return err
	}
	if err := decide(ctx, x, r.pid, f, r.ticketIDs); err != nil {
		return err
	}
	return r.s.indexSearch(ctx, x, r.pid, r.ticketIDs, r.search)
}

// number returns the tickets' numbers (P10): the number each was put
// with; for one put without, its stored number when it is stored, else the
// tenant's next, in the order of the tickets, from tenants.last_number,
// which it moves above them all. A number another ticket of the tenant has
// (or two of the batch) is ErrConflict.
//
// Numbers are checked here, under locks, rather than left to the unique
// index: MySQL's upsert, finding a number taken, would update the other
// ticket's row. A number that is not its own ticket's already is checked
// holding the tenant's row, which every write giving a number takes, so
// that two writes cannot both find a number free (MySQL's READ COMMITTED
// takes no gap locks); the tenant's row is not taken for the common put,
// a ticket saved again with its own number.
func (r *ticketRows) number(ctx context.Context, x tx) ([]int64, error) {
	numbers := slices.Clone(r.numbers)
	at := make(map[string]int, len(r.ticketIDs)) // a ticket's position by its ID
	var unnumbered []any
	for i, tid := range r.ticketIDs {
		at[string(tid.([]byte))] = i
		if numbers[i] == 0 {
			unnumbered = append(unnumbered, tid)
		}
	}
	stored, err := r.numbered(ctx, x, "id", unnumbered)
	if err != nil {
		return nil, err
	}
	for _, st := range stored {
		numbers[at[string(st.id)]] = st.n
	}
	var fresh, top int64
	var given []any
	of := make(map[int64]int, len(numbers)) // a given number's ticket position
	for i, n := range numbers {
		if n == 0 {
			fresh++
			continue
		}
		if _, twice := of[n]; twice {
			return nil, fmt.Errorf("%w: ticket number %d is given twice", portal.ErrConflict, n)
		}
		of[n], top = i, max(top, n)
		given = append(given, n)
	}
	check := func() (own bool, err error) {
		holders, err := r.numbered(ctx, x, "number", given)
		for _, h := range holders {
			if i, ok := at[string(h.id)]; !ok || i != of[h.n] {
				return false, fmt.Errorf("%w: ticket number %d is another ticket's", portal.ErrConflict, h.n)
			}
		}
		return len(holders) == len(given), err
	}
	own, err := check()
	if err != nil || own && fresh == 0 {
		return numbers, err // each its own ticket's already: below last_number
	}
	var last int64
	if err := x.row(ctx, "SELECT last_number FROM tenants WHERE id = ?"+x.d.forUpdate(), r.pid).Scan(&last); err != nil {
		return nil, err
	}
	if _, err := check(); err != nil { // again, holding the tenant's row
		return nil, err
	}
	next := max(last, top) + 1
	if next+fresh-1 != last {
		if _, err := x.exec(ctx, "UPDATE tenants SET last_number = ? WHERE id = ?", next+fresh-1, r.pid); err != nil {
			return nil, err
		}
	}
	for i, n := range numbers {
		if n == 0 {
			numbers[i] = next
			next++
		}
	}
	return numbers, nil
}

// participants returns the ticket_contacts rows of the stored tickets'
// participants (P12), which a put keeps: each a contact's that the ticket
// as put does not have already. It takes the tickets' rows, so that a
// concurrent SetParticipants cannot come between it and the write.
func (r *ticketRows) participants(ctx context.Context, x tx, numbers []int64) ([][]any, error) {
	at := make(map[string]int, len(r.ticketIDs))
	for i, tid := range r.ticketIDs {
		at[string(tid.([]byte))] = i
	}
	var rows [][]any
	err := batches(r.ticketIDs, func(tids []any) error {
		q := "SELECT id, participants FROM tickets WHERE portal_id = ? AND id IN (" + placeholders(len(tids)) + ")" + x.d.forUpdate()
		res, err := x.query(ctx, q, append([]any{r.pid}, tids...)...)
		if err != nil {
			return err
		}
		type stored struct{ id, participants []byte }
		got, err := collect(res, func(rs *sql.Rows, s *stored) error { return rs.Scan(&s.id, &s.participants) })
		if err != nil {
			return err
		}
		for _, s := range got {
			if s.participants == nil {
				continue
			}
			ps, err := decode[[]portal.Participant](s.participants)
			if err != nil {
				return err
			}
			i := at[string(s.id)]
			for _, row := range associations(r.pid, &r.src[i], participantsBeside(r.src[i].ContactIDs, ps)) {
				row[len(row)-1] = numbers[i]
				rows = append(rows, row)
			}
		}
		return nil
	})
	return rows, err
}

// participantsBeside returns the contacts of ps that are not among
// contacts: those a ticket is associated with as participants alone.
func participantsBeside(contacts []uuid.UUID, ps []portal.Participant) []uuid.UUID {
	var out []uuid.UUID
	for _, pa := range ps {
		if !slices.Contains(contacts, pa.ContactID) {
			out = append(out, pa.ContactID)
		}
	}
	return out
}

// numberRow is a stored ticket's ID and number.
type numberRow struct {
	id []byte
	n  int64
}

// numbered reads, locking them, the IDs and numbers of the tenant's
// tickets whose col (id or number) is one of vals.
func (r *ticketRows) numbered(ctx context.Context, x tx, col string, vals []any) ([]numberRow, error) {
	var out []numberRow
	err := batches(vals, func(vs []any) error {
		q := "SELECT id, number FROM tickets WHERE portal_id = ? AND " + col + " IN (" + placeholders(len(vs)) + ") AND number IS NOT NULL" + x.d.forUpdate()
		rows, err := x.query(ctx, q, append([]any{r.pid}, vs...)...)
		if err != nil {
			return err
		}
		got, err := collect(rows, func(rows *sql.Rows, h *numberRow) error { return rows.Scan(&h.id, &h.n) })
		out = append(out, got...)
		return err
	})
	return out, err
}

// associations are the rows of an association table of t, each ID once.
func associations(pid []byte, t *portal.Ticket, ids []uuid.UUID) [][]any {
	var rows [][]any
	seen := make(map[uuid.UUID]bool, len(ids))
	keys := portal.OrderKeys(t)
	tid, created, activity := id(t.ID), keys[portal.ByCreated], keys[portal.ByActivity]
	for _, a := range ids {
		if !seen[a] {
			seen[a] = true
			rows = append(rows, []any{pid, id(a), tid, created, activity, nil}) // number_key: write's
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
				rows = append(rows, []any{pid, tid, name, "s", []byte(v), []byte(portal.Fold(v)), nil, nil})
			}
		case float64:
			rows = append(rows, []any{pid, tid, name, "n", nil, nil, v, nil})
		case time.Time:
			if !v.IsZero() {
				rows = append(rows, []any{pid, tid, name, "d", nil, nil, nil, v.UnixMicro()})
			}
		case bool:
			n := 0.0
			if v {
				n = 1
			}
			rows = append(rows, []any{pid, tid, name, "b", nil, nil, n, nil})
		default:
			return nil, fmt.Errorf("property %q: unsupported value type %T", name, v)
		}
	}
	return rows, nil
}

// perStatement is how many rows a multi-row statement writes at most.
const perStatement = 100

// batches calls fn with xs in slices of at most perStatement.
func batches[T any](xs []T, fn func([]T) error) error {
	for len(xs) > 0 {
		n := min(len(xs), perStatement)
		if err := fn(xs[:n]); err != nil {
			return err
		}
		xs = xs[n:]
	}
	return nil
}

// flat lists the values of rows one after the other.
func flat(rows [][]any) []any {
	var out []any
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// insertRows inserts rows into "table (columns)", many to a statement.
func insertRows(ctx context.Context, x tx, into string, rows [][]any) error {
	return batches(rows, func(rows [][]any) error {
		q := "INSERT INTO " + into + " VALUES " + tuples(len(rows), len(rows[0]))
		_, err := x.exec(ctx, q, flat(rows)...)
		return err
	})
}

// Ticket implements portal.TicketStore.
func (s *Store) Ticket(ctx context.Context, portalID, tid uuid.UUID) (portal.Ticket, error) {
	var c ticketCells
	err := s.row(ctx, "SELECT "+ticketSelect+" FROM tickets t WHERE t.portal_id = ? AND t.id = ?", id(portalID), id(tid)).
		Scan(&c.doc, &c.number, &c.rating, &c.participants)
	if err != nil {
		return portal.Ticket{}, mapErr("ticket", err)
	}
	t, err := c.ticket()
	return t, mapErr("ticket", err)
}

// ticketSelect selects a ticket t's cells (ticketCells).
const ticketSelect = "t.doc, t.number, t.rating, t.participants"

// ticketCells are the columns a ticket is read from: its document, and its
// number, rating and participants, which live in their columns alone (a
// document's are not read: the documents written before numbers have
// none, and a put does not write the others).
type ticketCells struct {
	doc          []byte
	number       *int64
	rating       []byte
	participants []byte
}

// ticket decodes the cells.
func (c *ticketCells) ticket() (portal.Ticket, error) {
	t, err := decodeTicket(c.doc)
	if err != nil {
		return t, err
	}
	t.Number = 0
	if c.number != nil {
		t.Number = *c.number
	}
	if c.rating != nil {
		if t.Rating, err = decode[portal.Rating](c.rating); err != nil {
			return t, err
		}
	}
	if c.participants != nil {
		t.Participants, err = decode[[]portal.Participant](c.participants)
	}
	return t, err
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
	return s.write(ctx, "add message", m.PortalID, func(x tx) error { return s.insertMessage(ctx, x, m) })
}

// Messages implements portal.TicketStore.
func (s *Store) Messages(ctx context.Context, portalID, threadID uuid.UUID) ([]portal.Message, error) {
	return docs(ctx, s, "messages", decode[portal.Message],
		"SELECT doc FROM messages WHERE portal_id = ? AND thread_id = ? ORDER BY created_at, id", id(portalID), id(threadID))
}
