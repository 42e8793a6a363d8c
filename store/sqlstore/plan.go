package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// How a page of a customer's list is cut (X6). Three plans answer a
// TicketQuery exactly alike; they differ in what they read:
//
//   - walk: for a list sorted by creation or last activity. The scope's
//     associations keep both dates in indexes (migration orders), so the
//     statement walks the contact's and the company's index from the cursor,
//     reads each ticket to test the filters and the search, and stops at the
//     page's end: its cost is the page and the rows the filters skip, not the
//     size of the company.
//   - scope: for any other sort. The statement reads every ticket of the
//     scope that passes the filters and sorts them.
//   - search: for a search that the database's index serves (search.go)
//     and that few of the tenant's tickets hold. The statement reads the
//     tickets the index finds, tests the scope and the filters, and sorts
//     them: its cost is the term's tickets, not the company's.
//
// Whether a search is rare is asked of the scope first (dense): when its
// first tickets, a few pages' worth, hold a page of tickets with the terms,
// the term is common and a walk will be short. Only then is the index
// asked, counting the tenant's tickets with the terms no further than
// rareTickets (rare): counting a common term's tickets costs more than
// walking to them (PostgreSQL's index finds every one before it counts).

// plan is one way of cutting a page.
type plan int

const (
	scopePlan plan = iota
	walkPlan
	searchPlan
	plans // how many there are
)

// rareTickets is how many of a tenant's tickets a rare search is in at
// most: the search plan reads that many at most.
const rareTickets = 500

// sampleTimes is how many times the page's length the scope sample of a
// search reads.
const sampleTimes = 4

// keyOrder is an order the association tables keep a scope's tickets in
// (portal.Order): the column of its key.
type keyOrder string

// orderColumns are the columns of the portal.Orders' keys.
var orderColumns = [portal.Orders]keyOrder{
	portal.ByCreated:  "created_key",
	portal.ByActivity: "activity_key",
	portal.ByNumber:   "number_key",
}

// orderOf returns the order a list's sort is kept in, if one is.
func orderOf(s portal.Sort) (keyOrder, bool) {
	o, ok := s.Order()
	if !ok {
		return "", false
	}
	return orderColumns[o], true
}

// choose picks q's plan. A search of a ticket number alone ("#1042") is a
// search plan of one candidate, the ticket of that number.
func (s *Store) choose(ctx context.Context, q *portal.TicketQuery) (plan, error) {
	if q.Number != 0 && len(q.Search) == 0 {
		return searchPlan, nil
	}
	p := scopePlan
	if _, ok := orderOf(q.Sort); ok {
		p = walkPlan
	}
	terms := s.search.indexedTerms(q.Search)
	if len(terms) == 0 {
		return p, nil
	}
	dense, err := s.dense(ctx, q, terms)
	if err != nil || dense {
		return p, err
	}
	rare, err := s.rare(ctx, q, terms)
	if err != nil || !rare {
		return p, err
	}
	return searchPlan, nil
}

// QueryTickets implements portal.TicketStore: a page is one statement of
// the plan choose picks, after the probe of a search's rarity when it has
// one, and reuses page's slices.
func (s *Store) QueryTickets(ctx context.Context, q portal.TicketQuery, page *portal.TicketPage) error {
	p, err := s.choose(ctx, &q)
	if err != nil {
		return mapErr("query tickets", err)
	}
	return s.fill(ctx, &q, p, page)
}

// fill answers q's page with plan p.
func (s *Store) fill(ctx context.Context, q *portal.TicketQuery, p plan, page *portal.TicketPage) error {
	s.plans[p].Add(1)
	var co []walkRow
	if p == walkPlan && q.CompanyID != uuid.Nil && !s.d.sharedCTE() && q.Limit >= splitWalk {
		var err error
		if co, err = s.companyBranch(ctx, q, q.Limit+1); err != nil {
			return mapErr("query tickets", err)
		}
	}
	text, args, kind := s.pageSQL(q, p, q.Limit+1, co)
	rows, err := s.db.QueryContext(ctx, text, args...)
	if err != nil {
		return mapErr("query tickets", err)
	}
	defer rows.Close()
	var rr rowReader
	rr.start(page)
	for rows.Next() { // at most q.Limit+1 rows, in no order
		var r pageRow
		if err := r.scan(rows, kind); err != nil {
			return mapErr("query tickets", err)
		}
		if err := rr.add(page, &r); err != nil {
			return mapErr("query tickets", err)
		}
	}
	if err := rows.Err(); err != nil {
		return mapErr("query tickets", err)
	}
	sortPage(page, q.Sort.Desc)
	if len(page.Tickets) > q.Limit {
		page.Tickets, page.Keys, page.More = page.Tickets[:q.Limit], page.Keys[:q.Limit], true
		related(page)
	}
	return nil
}

var (
	_ portal.TicketScanner = (*Store)(nil)
	_ portal.TicketCounter = (*Store)(nil)
)

// ScanTickets implements portal.TicketScanner. A walk goes on page after
// page, each from the last: each costs its page. Any other plan is one
// statement without a limit, sorted once, read a page at a time.
func (s *Store) ScanTickets(ctx context.Context, q portal.TicketQuery, fn func(*portal.TicketPage) error) error {
	p, err := s.choose(ctx, &q)
	if err != nil {
		return mapErr("scan tickets", err)
	}
	var page portal.TicketPage
	if p == walkPlan {
		for {
			if err := s.fill(ctx, &q, walkPlan, &page); err != nil {
				return err
			}
			if err := fn(&page); err != nil || !page.More {
				return err
			}
			last := len(page.Tickets) - 1
			key := page.Keys[last]
			q.After, q.AfterID = &key, page.Tickets[last].ID
		}
	}
	s.plans[p].Add(1)
	text, args, kind := s.pageSQL(&q, p, 0, nil)
	rows, err := s.db.QueryContext(ctx, text, args...)
	if err != nil {
		return mapErr("scan tickets", err)
	}
	defer rows.Close()
	var rr rowReader
	var next *pageRow // the first row of the next page, read to know there is one
	for {
		rr.start(&page)
		for len(page.Tickets) < q.Limit {
			r := next
			if r == nil {
				if !rows.Next() {
					break
				}
				r = new(pageRow)
				if err := r.scan(rows, kind); err != nil {
					return mapErr("scan tickets", err)
				}
			}
			next = nil
			if err := rr.add(&page, r); err != nil {
				return mapErr("scan tickets", err)
			}
		}
		if len(page.Tickets) == q.Limit && rows.Next() {
			next = new(pageRow)
			if err := next.scan(rows, kind); err != nil {
				return mapErr("scan tickets", err)
			}
			page.More = true
		}
		if err := rows.Err(); err != nil {
			return mapErr("scan tickets", err)
		}
		if err := fn(&page); err != nil || !page.More {
			return err
		}
	}
}

// pageRow is one row of a page's statement: the ticket and its key, and
// the requester's and owner's documents (nil: none).
type pageRow struct {
	ticket           portal.Ticket
	key              portal.SortKey
	requester, owner []byte
}

// scan reads a row of (ticket cells, key, requester, owner); kind is
// the key's type.
func (r *pageRow) scan(rows *sql.Rows, kind keyKind) error {
	var c ticketCells
	var err error
	switch kind {
	case textKey:
		var k []byte
		err = rows.Scan(&c.doc, &c.number, &c.rating, &c.participants, &k, &r.requester, &r.owner)
		r.key = portal.SortKey{Null: k == nil, Text: string(k)}
	case orderKeyKind:
		var k int64
		err = rows.Scan(&c.doc, &c.number, &c.rating, &c.participants, &k, &r.requester, &r.owner)
		r.key = portal.SortKey{Null: k == portal.NoKey}
		if !r.key.Null {
			r.key.Int = k
		}
	case intKey:
		var k *int64
		err = rows.Scan(&c.doc, &c.number, &c.rating, &c.participants, &k, &r.requester, &r.owner)
		r.key = portal.SortKey{Null: k == nil}
		if k != nil {
			r.key.Int = *k
		}
	default:
		var k *float64
		err = rows.Scan(&c.doc, &c.number, &c.rating, &c.participants, &k, &r.requester, &r.owner)
		r.key = portal.SortKey{Null: k == nil}
		if k != nil && *k != 0 { // PostgreSQL keeps -0; a key is never -0
			r.key.Num = *k
		}
	}
	if err != nil {
		return err
	}
	r.ticket, err = c.ticket()
	return err
}

// rowReader puts rows into a page, each requester and owner once.
type rowReader struct {
	requesters, owners map[uuid.UUID]bool
}

// start empties page for the reader's rows, keeping its slices.
func (rr *rowReader) start(page *portal.TicketPage) {
	page.Tickets, page.Keys, page.More = page.Tickets[:0], page.Keys[:0], false
	page.Requesters, page.Owners, page.Related = page.Requesters[:0], page.Owners[:0], true
	if rr.requesters == nil {
		rr.requesters, rr.owners = map[uuid.UUID]bool{}, map[uuid.UUID]bool{}
	}
	clear(rr.requesters)
	clear(rr.owners)
}

// add puts r into page, with its requester and owner unless the page has
// them (their documents are decoded once a page).
func (rr *rowReader) add(page *portal.TicketPage, r *pageRow) error {
	page.Tickets = append(page.Tickets, r.ticket)
	page.Keys = append(page.Keys, r.key)
	if id := r.ticket.RequesterID; r.requester != nil && !rr.requesters[id] {
		rr.requesters[id] = true
		c, err := decodeContact(r.requester)
		if err != nil {
			return err
		}
		page.Requesters = append(page.Requesters, c)
	}
	if id := r.ticket.OwnerID; r.owner != nil && !rr.owners[id] {
		rr.owners[id] = true
		o, err := decode[portal.Owner](r.owner)
		if err != nil {
			return err
		}
		page.Owners = append(page.Owners, o)
	}
	return nil
}

// related keeps, of the page's requesters and owners, those of its
// tickets, each once.
func related(page *portal.TicketPage) {
	requesters, owners := map[uuid.UUID]bool{}, map[uuid.UUID]bool{}
	for i := range page.Tickets {
		requesters[page.Tickets[i].RequesterID], owners[page.Tickets[i].OwnerID] = true, true
	}
	page.Requesters = slices.DeleteFunc(page.Requesters, func(c portal.Contact) bool {
		keep := requesters[c.ID]
		requesters[c.ID] = false
		return !keep
	})
	page.Owners = slices.DeleteFunc(page.Owners, func(o portal.Owner) bool {
		keep := owners[o.ID]
		owners[o.ID] = false
		return !keep
	})
}

// sortPage puts a page's tickets and keys in the list's order.
func sortPage(page *portal.TicketPage, desc bool) {
	idx := make([]int, len(page.Tickets))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		c := portal.CompareKeys(page.Keys[a], page.Tickets[a].ID, page.Keys[b], page.Tickets[b].ID)
		if desc {
			return -c
		}
		return c
	})
	tickets, keys := slices.Clone(page.Tickets), slices.Clone(page.Keys)
	for i, j := range idx {
		page.Tickets[i], page.Keys[i] = tickets[j], keys[j]
	}
}

// pageSQL writes a page of q under plan p as one statement, at most limit
// rows (0: all, in the list's order); co are the rows of a walk's company
// branch when they have been read before (see walkSQL):
//
//	SELECT t.doc, t.number, t.rating, t.participants, r.k, <requester>.doc, <owner>.doc FROM (
//	  <the page's ticket IDs and sort keys: see walkSQL, cutSQL>
//	) r CROSS JOIN tickets t LEFT JOIN <requester> … LEFT JOIN <owner> …
//	WHERE t.id = r.id …
//
// The page is cut before the documents are read, and the requesters and
// owners come with it (portal.TicketPage). A limited page's rows come in
// no order: the outer join does not sort its rows of documents again
// (MariaDB would sort them in a temporary table on disk), and fill puts
// the page's few rows in order. Every value is a bound argument.
func (s *Store) pageSQL(q *portal.TicketQuery, p plan, limit int, co []walkRow) (string, []any, keyKind) {
	b := &builder{d: s.d}
	b.sql("SELECT ", ticketSelect, ", r.k, c.doc, o.doc FROM (")
	var kind keyKind
	if p == walkPlan {
		o, _ := orderOf(q.Sort)
		kind = orderKeyKind
		s.walkSQL(b, q, o, limit, co)
	} else {
		kind = s.cutSQL(b, q, p, limit)
	}
	b.sql(") r ", b.d.drivingJoin(), " tickets t",
		" LEFT JOIN contacts c ON c.portal_id = t.portal_id AND c.id = t.requester_id",
		" LEFT JOIN owners o ON o.portal_id = t.portal_id AND o.id = t.owner_id",
		" WHERE t.portal_id = ")
	b.arg(id(q.PortalID))
	b.sql(" AND t.id = r.id")
	if limit == 0 {
		b.sql(" ORDER BY ", order("r", q.Sort.Desc, kind == orderKeyKind))
	}
	return b.d.rebind(b.b.String()), b.args, kind
}

// walkSQL writes the IDs and keys of a walk plan's page: the first limit
// tickets after the cursor in each scope's order o that pass the filters
// and the search, the contact's and the company's, each once, and of those
// the first limit:
//
//	WITH co AS (<branch: the company's>)
//	SELECT u.id, u.k FROM (
//	  SELECT co.id, co.k FROM co
//	  UNION SELECT b.id, b.k FROM (<branch: the contact's, up to co's last key>) b
//	) u ORDER BY u.k, u.id LIMIT n
//
// A ticket of both scopes has the same key in each, and the first limit
// of the union are among the first limit of each branch. The contact's
// branch does not skip the company's tickets, which could be every ticket
// it walks; it stops at the key of the company's last (when the company
// fills its branch): a ticket after that one is not on the page. So a page
// reads about its own tickets and those of the contact within its span,
// not twice the page. Where a CTE read twice is computed twice (MySQL),
// the company's branch of a long page (splitWalk) is read by a statement
// of its own before (co), and this one takes its rows as values. Without a limit (a scan) the two
// branches are a plain UNION. Only the page's documents are read.
func (s *Store) walkSQL(b *builder, q *portal.TicketQuery, o keyOrder, limit int, co []walkRow) {
	if q.CompanyID == uuid.Nil {
		s.branchSQL(b, q, o, "ticket_contacts", "contact_id", q.ContactID, limit, nil)
		return
	}
	last, none := "MIN", "-9223372036854775808"
	if !q.Sort.Desc {
		last, none = "MAX", "9223372036854775807"
	}
	switch {
	case co != nil: // the company's branch, read before
		b.sql("SELECT u.id, u.k FROM (SELECT b.id, b.k FROM (")
		var end func()
		if len(co) == limit {
			end = func() { b.arg(co[limit-1].k) }
		}
		s.branchSQL(b, q, o, "ticket_contacts", "contact_id", q.ContactID, limit, end)
		b.sql(") b")
		for _, r := range co {
			b.sql(" UNION SELECT ")
			b.arg(r.id)
			b.sql(", ")
			b.arg(r.k)
		}
		b.sql(") u ORDER BY ", order("u", q.Sort.Desc, true), " LIMIT ")
		b.arg(limit)
	case limit > 0 && b.d.sharedCTE():
		b.sql("WITH co AS (")
		s.branchSQL(b, q, o, "ticket_companies", "company_id", q.CompanyID, limit, nil)
		b.sql(") SELECT u.id, u.k FROM (SELECT co.id, co.k FROM co UNION SELECT b.id, b.k FROM (")
		s.branchSQL(b, q, o, "ticket_contacts", "contact_id", q.ContactID, limit, func() {
			b.sql(fmt.Sprintf("(SELECT CASE WHEN COUNT(*) = %d THEN %s(co.k) ELSE %s END FROM co)", limit, last, none))
		})
		b.sql(") b) u ORDER BY ", order("u", q.Sort.Desc, true), " LIMIT ")
		b.arg(limit)
	default:
		b.sql("SELECT u.id, u.k FROM (SELECT b.id, b.k FROM (")
		s.branchSQL(b, q, o, "ticket_contacts", "contact_id", q.ContactID, limit, nil)
		b.sql(") b UNION SELECT b.id, b.k FROM (")
		s.branchSQL(b, q, o, "ticket_companies", "company_id", q.CompanyID, limit, nil)
		b.sql(") b) u ORDER BY ", order("u", q.Sort.Desc, true))
		if limit > 0 {
			b.sql(" LIMIT ")
			b.arg(limit)
		}
	}
}

// splitWalk is the page length from which a walk reads its company's
// branch first where a statement cannot read it once for two uses
// (sharedCTE): for a shorter page, reading the contact's branch to its
// full length costs less than the second statement.
const splitWalk = 100

// walkRow is a row of a walk's branch: a ticket ID and its key.
type walkRow struct {
	id []byte
	k  int64
}

// companyBranch reads the company's branch of a walk of limit rows, for a
// dialect whose statement cannot read it once for two uses (sharedCTE).
func (s *Store) companyBranch(ctx context.Context, q *portal.TicketQuery, limit int) ([]walkRow, error) {
	o, _ := orderOf(q.Sort)
	b := &builder{d: s.d}
	s.branchSQL(b, q, o, "ticket_companies", "company_id", q.CompanyID, limit, nil)
	rows, err := s.db.QueryContext(ctx, b.d.rebind(b.b.String()), b.args...)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, func(rows *sql.Rows, r *walkRow) error { return rows.Scan(&r.id, &r.k) })
	if out == nil {
		out = []walkRow{} // read, and empty: walkSQL tells it from not read
	}
	return out, err
}

// branchSQL writes one scope's branch of a walk:
//
//	SELECT a.ticket_id AS id, a.<key> AS k FROM <table> a CROSS JOIN tickets t
//	WHERE a.portal_id = ? AND a.<scope> = ? AND <after the cursor>
//	  AND t.id = a.ticket_id … AND <filters>
//	ORDER BY a.<key>, a.ticket_id LIMIT n
//
// The index on (portal_id, scope, key, ticket_id) gives the order and the
// start; the ORDER BY and LIMIT stop the walk at the page's end, and end,
// when set, writes a key the walk goes no further than.
func (s *Store) branchSQL(b *builder, q *portal.TicketQuery, o keyOrder, table, scopeCol string, scopeID uuid.UUID, limit int, end func()) {
	pid := id(q.PortalID)
	b.sql("SELECT a.ticket_id AS id, a.", string(o), " AS k FROM ", table, " a ", b.d.drivingJoin(), " tickets t WHERE a.portal_id = ")
	b.arg(pid)
	b.sql(" AND a.", scopeCol, " = ")
	b.arg(id(scopeID))
	if q.After != nil {
		b.sql(" AND ")
		b.walkAfter(q, "a."+string(o), "a.ticket_id")
	}
	if end != nil {
		to := " >= "
		if !q.Sort.Desc {
			to = " <= "
		}
		b.sql(" AND a.", string(o), to)
		end()
	}
	b.sql(" AND t.portal_id = a.portal_id AND t.id = a.ticket_id")
	b.filters(q)
	dir := ""
	if q.Sort.Desc {
		dir = " DESC"
	}
	b.sql(" ORDER BY a.", string(o), dir, ", a.ticket_id", dir)
	if limit > 0 {
		b.sql(" LIMIT ")
		b.arg(limit)
	}
}

// walkAfter writes the condition for the rows after the cursor in an order
// of the association tables: its key, the cursor's (an unknown one is
// portal.NoKey), as a range the index can start from, then the ticket ID.
func (b *builder) walkAfter(q *portal.TicketQuery, keyCol, idCol string) {
	key := int64(portal.NoKey)
	if !q.After.Null {
		key = q.After.Int
	}
	cmp, cmpOrEq := " > ", " >= "
	if q.Sort.Desc {
		cmp, cmpOrEq = " < ", " <= "
	}
	b.sql(keyCol, cmpOrEq)
	b.arg(key)
	b.sql(" AND (", keyCol, cmp)
	b.arg(key)
	b.sql(" OR ", idCol, cmp)
	b.arg(id(q.AfterID))
	b.sql(")")
}

// cutSQL writes the IDs and keys of a scope or search plan's page, and
// returns the key's type:
//
//	SELECT m.id, m.k FROM (
//	  SELECT t.id, <sort key> AS k FROM (<candidate IDs>) sc
//	  CROSS JOIN tickets t WHERE t.id = sc.ticket_id … AND <filters>
//	) m WHERE <after the cursor> ORDER BY … LIMIT n
//
// The candidates of the scope plan are the scope's tickets (the
// association tables' primary keys); those of the search plan are the
// tickets the search index finds, which must then be in the scope.
func (s *Store) cutSQL(b *builder, q *portal.TicketQuery, p plan, limit int) keyKind {
	b.sql("SELECT m.id, m.k FROM (SELECT t.id, ")
	kind := b.sortKey(q.Sort)
	b.sql(" AS k")
	s.resultSQL(b, q, p == searchPlan)
	b.sql(") m")
	if q.After != nil {
		b.sql(" WHERE ")
		b.after(q, kind)
	}
	b.sql(" ORDER BY ", order("m", q.Sort.Desc, false))
	if limit > 0 {
		b.sql(" LIMIT ")
		b.arg(limit)
	}
	return kind
}

// resultSQL writes the FROM and WHERE of q's result, the tickets t of its
// scope that pass its filters and search: read from the scope's
// associations, or, with indexed, from the search index's candidates,
// kept when they are in the scope.
func (s *Store) resultSQL(b *builder, q *portal.TicketQuery, indexed bool) {
	pid := id(q.PortalID)
	b.sql(" FROM (")
	if indexed {
		s.candidatesSQL(b, q, 0)
	} else {
		s.scopeIDsSQL(b, q)
	}
	b.sql(") sc ", b.d.drivingJoin(), " tickets t WHERE t.portal_id = ")
	b.arg(pid)
	b.sql(" AND t.id = sc.ticket_id")
	if indexed {
		b.sql(" AND (EXISTS (SELECT 1 FROM ticket_contacts a WHERE a.portal_id = t.portal_id AND a.contact_id = ")
		b.arg(id(q.ContactID))
		b.sql(" AND a.ticket_id = t.id)")
		if q.CompanyID != uuid.Nil {
			b.sql(" OR EXISTS (SELECT 1 FROM ticket_companies a WHERE a.portal_id = t.portal_id AND a.company_id = ")
			b.arg(id(q.CompanyID))
			b.sql(" AND a.ticket_id = t.id)")
		}
		b.sql(")")
	}
	b.filters(q)
}

// scopeIDsSQL writes the IDs of the tickets of q's scope, each once, from
// their associations.
func (s *Store) scopeIDsSQL(b *builder, q *portal.TicketQuery) {
	pid := id(q.PortalID)
	b.sql("SELECT ticket_id FROM ticket_contacts WHERE portal_id = ")
	b.arg(pid)
	b.sql(" AND contact_id = ")
	b.arg(id(q.ContactID))
	if q.CompanyID != uuid.Nil {
		b.sql(" UNION SELECT ticket_id FROM ticket_companies WHERE portal_id = ")
		b.arg(pid)
		b.sql(" AND company_id = ")
		b.arg(id(q.CompanyID))
	}
}

// CountTickets implements portal.TicketCounter: from the kept verdicts
// when they answer q (countKept, verdicts.go), else one statement. A search
// that QueryTickets answers from the search index (a rare term: choose) is
// counted from the index's candidates. Any other query reads its scopes
// (the contact's, the company's): on SQLite as the union of their ticket
// IDs, streamed in ID order, joined to the tickets (read in their key
// order) until max pass; PostgreSQL and MySQL, which make a union whole
// before a LIMIT outside it, read each scope until max pass, and count
// the union of the two. (Measured both ways, BenchmarkBigCompany's
// "+total" rows, 2026-12-05.)
func (s *Store) CountTickets(ctx context.Context, q portal.TicketQuery, max int) (int, error) {
	q.After, q.AfterID = nil, uuid.Nil
	if n, ok, err := s.countKept(ctx, &q, max); err != nil {
		return 0, mapErr("count tickets", err)
	} else if ok {
		s.keptCounts.Add(1)
		return n, nil
	}
	s.readCounts.Add(1)
	p, err := s.choose(ctx, &q)
	if err != nil {
		return 0, mapErr("count tickets", err)
	}
	b := &builder{d: s.d}
	b.sql("SELECT COUNT(*) FROM (")
	if p == searchPlan || s.d == SQLite {
		b.sql("SELECT t.id")
		s.resultSQL(b, &q, p == searchPlan)
		b.sql(" LIMIT ")
		b.arg(max)
	} else {
		s.branchCountSQL(b, &q, "ticket_contacts", "contact_id", q.ContactID, max)
		if q.CompanyID != uuid.Nil {
			b.sql(" UNION ")
			s.branchCountSQL(b, &q, "ticket_companies", "company_id", q.CompanyID, max)
		}
	}
	b.sql(") c")
	var n int
	err = s.db.QueryRowContext(ctx, b.d.rebind(b.b.String()), b.args...).Scan(&n)
	return min(n, max), mapErr("count tickets", err)
}

// branchCountSQL writes the IDs of at most max tickets of one scope that
// pass q's filters and search; without any, from the scope's
// associations alone.
func (s *Store) branchCountSQL(b *builder, q *portal.TicketQuery, table, scopeCol string, scopeID uuid.UUID, max int) {
	b.sql("SELECT id FROM (SELECT a.ticket_id AS id FROM ", table, " a")
	filtered := !q.Visibility.Empty() || !q.Filter.Empty() || q.Searching()
	if filtered {
		b.sql(" ", b.d.drivingJoin(), " tickets t")
	}
	b.sql(" WHERE a.portal_id = ")
	b.arg(id(q.PortalID))
	b.sql(" AND a.", scopeCol, " = ")
	b.arg(id(scopeID))
	if filtered {
		b.sql(" AND t.portal_id = a.portal_id AND t.id = a.ticket_id")
		b.filters(q)
	}
	b.sql(" LIMIT ")
	b.arg(max)
	b.sql(") x")
}

// candidatesSQL writes the IDs of the tenant's tickets that the search
// index finds for q's indexed terms (a superset of those holding them), at
// most limit (0: all), and the ticket of q's number when it has one.
func (s *Store) candidatesSQL(b *builder, q *portal.TicketQuery, limit int) {
	terms := s.search.indexedTerms(q.Search)
	pid := id(q.PortalID)
	if q.Number != 0 {
		b.sql("SELECT id AS ticket_id FROM tickets WHERE portal_id = ")
		b.arg(pid)
		b.sql(" AND number = ")
		b.arg(q.Number)
		if len(terms) == 0 {
			return
		}
		b.sql(" UNION SELECT ix.ticket_id FROM (")
		defer b.sql(") ix")
	}
	if s.search.fts {
		b.sql("SELECT i.ticket_id FROM ticket_search f CROSS JOIN ticket_search_ids i WHERE f.search MATCH ")
		b.arg(ftsQuery(terms))
		b.sql(" AND i.n = f.rowid AND i.portal_id = ")
		b.arg(pid)
		if limit > 0 {
			b.sql(" LIMIT ")
			b.arg(limit)
		}
		return
	}
	b.sql("SELECT ticket_id FROM portal_search_ids(")
	b.arg(pid)
	b.sql(", ")
	b.arg(likePattern(terms[0]))
	b.sql(", ")
	if limit > 0 {
		b.arg(limit)
	} else {
		b.sql("NULL")
	}
	b.sql(")")
}

// filters writes q's visibility filter, customer filter and search (its
// terms, or its number besides: portal.TicketQuery.Number),
// each AND-ed, on the ticket t.
func (b *builder) filters(q *portal.TicketQuery) {
	b.filter(q.Visibility.Conds(), q)
	b.filter(q.Filter.Conds(), q)
	if q.Number == 0 {
		b.search(q.Search)
		return
	}
	// The ticket of the number matches too (portal.TicketQuery.Number).
	b.sql(" AND (t.number = ")
	b.arg(q.Number)
	if len(q.Search) > 0 {
		b.sql(" OR (", b.d.boolean(true))
		b.search(q.Search)
		b.sql(")")
	}
	b.sql(")")
}

// search writes the test that every term occurs in the ticket t's search
// text.
func (b *builder) search(terms []string) {
	for _, term := range terms {
		b.sql(" AND ")
		b.position("t.search", term)
		b.sql(" > 0")
	}
}

// rare reports whether fewer than rareTickets of the tenant's tickets
// hold the indexed terms, by the index: it reads no more than that many.
func (s *Store) rare(ctx context.Context, q *portal.TicketQuery, terms []string) (bool, error) {
	b := &builder{d: s.d}
	b.sql("SELECT COUNT(*) FROM (")
	s.candidatesSQL(b, q, s.rareLimit())
	b.sql(") x")
	var n int
	if err := s.db.QueryRowContext(ctx, b.d.rebind(b.b.String()), b.args...).Scan(&n); err != nil {
		return false, err
	}
	return n < s.rareLimit(), nil
}

// dense reports whether the terms are common in q's scope: in each of
// its scopes, the first sampleTimes pages of tickets from the cursor (in
// the list's order when the scopes keep it, else newest first) hold a
// page of tickets with the terms, or are all there is.
func (s *Store) dense(ctx context.Context, q *portal.TicketQuery, terms []string) (bool, error) {
	b := &builder{d: s.d}
	b.sql("SELECT ")
	s.sampleSQL(b, q, "ticket_contacts", "contact_id", q.ContactID, terms)
	if q.CompanyID != uuid.Nil {
		b.sql(", ")
		s.sampleSQL(b, q, "ticket_companies", "company_id", q.CompanyID, terms)
	} else {
		b.sql(", 0, 0")
	}
	var hits, rows [2]int
	err := s.db.QueryRowContext(ctx, b.d.rebind(b.b.String()), b.args...).Scan(&hits[0], &rows[0], &hits[1], &rows[1])
	if err != nil {
		return false, err
	}
	for i := range hits {
		if rows[i] == s.sample(q) && hits[i] <= q.Limit {
			return false, nil
		}
	}
	return true, nil
}

// sampleSQL writes, for one scope, how many of its first sample tickets
// from the cursor hold the terms (counting no further than the page's
// length and one), and how many tickets the sample holds.
func (s *Store) sampleSQL(b *builder, q *portal.TicketQuery, table, scopeCol string, scopeID uuid.UUID, terms []string) {
	sample := func() {
		o, walkable := orderOf(q.Sort)
		desc := q.Sort.Desc
		if !walkable {
			o, desc = orderColumns[portal.ByCreated], true
		}
		b.sql("SELECT a.ticket_id FROM ", table, " a WHERE a.portal_id = ")
		b.arg(id(q.PortalID))
		b.sql(" AND a.", scopeCol, " = ")
		b.arg(id(scopeID))
		if walkable && q.After != nil {
			b.sql(" AND ")
			b.walkAfter(q, "a."+string(o), "a.ticket_id")
		}
		dir := ""
		if desc {
			dir = " DESC"
		}
		b.sql(" ORDER BY a.", string(o), dir, ", a.ticket_id", dir, " LIMIT ")
		b.arg(s.sample(q))
	}
	b.sql("(SELECT COUNT(*) FROM (SELECT 1 AS one FROM (")
	sample()
	b.sql(") w ", b.d.drivingJoin(), " tickets t WHERE t.portal_id = ")
	b.arg(id(q.PortalID))
	b.sql(" AND t.id = w.ticket_id")
	b.search(terms)
	b.sql(" LIMIT ")
	b.arg(q.Limit + 1)
	b.sql(") x), (SELECT COUNT(*) FROM (")
	sample()
	b.sql(") y)")
}

// sample is how many tickets of each scope dense reads for q.
func (s *Store) sample(q *portal.TicketQuery) int {
	if s.sampleRows > 0 {
		return s.sampleRows
	}
	return sampleTimes * (q.Limit + 1)
}

// rareLimit is rareTickets, or what a test has set.
func (s *Store) rareLimit() int {
	if s.rareTickets > 0 {
		return s.rareTickets
	}
	return rareTickets
}

// order is the ORDER BY of a list: the key, unknown keys last (first
// descending), then the ticket ID, all in the sort's direction. A key of
// an association table's order (portal.OrderKeys) is never NULL: portal.NoKey orders
// an unknown one.
func order(rel string, desc, orderKeys bool) string {
	if orderKeys {
		if desc {
			return fmt.Sprintf("%[1]s.k DESC, %[1]s.id DESC", rel)
		}
		return fmt.Sprintf("%[1]s.k, %[1]s.id", rel)
	}
	if desc {
		return fmt.Sprintf("(%[1]s.k IS NULL) DESC, %[1]s.k DESC, %[1]s.id DESC", rel)
	}
	return fmt.Sprintf("(%[1]s.k IS NULL), %[1]s.k, %[1]s.id", rel)
}
