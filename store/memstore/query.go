package memstore

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// hit is one ticket of a query's result with its sort key.
type hit struct {
	tk  *portal.Ticket // stored tickets are never changed, only replaced
	key portal.SortKey
}

// result is the whole sorted result of a query, kept so that the following
// pages (the same query after a cursor, as an export asks) cost a binary
// search and a copy instead of another pass over the indexes. It holds for
// the tenant's write generation it was made at.
type result struct {
	key  string
	gen  uint64
	hits []hit
}

// results keeps a tenant's most recent query results.
type results struct {
	mu   sync.Mutex
	list [4]*result // most recent first
}

func (rs *results) get(key string, gen uint64) []hit {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for i, r := range rs.list {
		if r != nil && r.key == key && r.gen == gen {
			copy(rs.list[1:i+1], rs.list[:i])
			rs.list[0] = r
			return r.hits
		}
	}
	return nil
}

func (rs *results) put(r *result) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	copy(rs.list[1:], rs.list[:len(rs.list)-1])
	rs.list[0] = r
}

// QueryTickets implements portal.TicketStore. It visits only the tickets
// indexed under the query's contact and company, tests each against the
// compiled filters and the search index, and sorts the matches; the sorted
// result serves the query's later pages until the tenant is written to.
func (s *Store) QueryTickets(ctx context.Context, q portal.TicketQuery) (portal.TicketPage, error) {
	var p portal.TicketPage
	err := s.FillTicketPage(ctx, q, &p)
	return p, err
}

var (
	_ portal.TicketPageFiller = (*Store)(nil)
	_ portal.TicketPageReader = (*Store)(nil)
)

// FillTicketPage implements portal.TicketPageFiller.
func (s *Store) FillTicketPage(ctx context.Context, q portal.TicketQuery, p *portal.TicketPage) error {
	_, err := read(s, q.PortalID, func(t *tenant) (struct{}, error) {
		hits, more, err := t.page(ctx, &q)
		if err == nil {
			fill(p, hits, more)
		}
		return struct{}{}, err
	})
	return err
}

// ReadTicketPage implements portal.TicketPageReader. It finds the page
// under the read lock, as FillTicketPage does, and then calls readTicket with the
// stored tickets themselves, the lock released: a stored ticket is never
// changed, only replaced by a new one (PutTicket), and a query's sorted
// result is never changed once made, so reading them needs no lock.
func (s *Store) ReadTicketPage(ctx context.Context, q portal.TicketQuery, readTicket func(*portal.Ticket, *portal.SortKey) error) (bool, error) {
	type page struct {
		hits []hit
		more bool
	}
	p, err := read(s, q.PortalID, func(t *tenant) (page, error) {
		hits, more, err := t.page(ctx, &q)
		return page{hits, more}, err
	})
	if err != nil {
		return false, err
	}
	for i := range p.hits {
		if err := readTicket(p.hits[i].tk, &p.hits[i].key); err != nil {
			return false, err
		}
	}
	return p.more, nil
}

// page returns the hits of q's page and whether more follow, from the
// tenant's kept result for q when it has one. The caller holds the read
// lock.
func (t *tenant) page(ctx context.Context, q *portal.TicketQuery) ([]hit, bool, error) {
	key := q.ResultKey()
	hits := t.results.get(key, t.gen)
	if hits == nil {
		hits = t.query(q)
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		t.results.put(&result{key: key, gen: t.gen, hits: hits})
	}
	start := 0
	if q.After != nil {
		start = sort.Search(len(hits), func(i int) bool {
			return order(q.Sort.Desc, hits[i].key, hits[i].tk.ID, *q.After, q.AfterID) > 0
		})
	}
	end := min(start+q.Limit, len(hits))
	return hits[start:end], end < len(hits), nil
}

// query finds and sorts every ticket of q's result.
func (t *tenant) query(q *portal.TicketQuery) []hit {
	env := portal.Env{Now: q.Now, Closed: t.closed}
	var hits []hit
	visit := func(e *entry) {
		if q.Visibility.Match(e.t, &env) && q.Filter.Match(e.t, &env) && found(e.search, q.Search) {
			hits = append(hits, hit{e.t, portal.TicketSortKey(e.t, q.Sort, t, &env)})
		}
	}
	for _, e := range t.byContact[q.ContactID] {
		visit(e)
	}
	if q.CompanyID != uuid.Nil {
		for _, e := range t.byCompany[q.CompanyID] {
			if !slices.Contains(e.t.ContactIDs, q.ContactID) { // not seen above
				visit(e)
			}
		}
	}
	slices.SortFunc(hits, func(a, b hit) int { return order(q.Sort.Desc, a.key, a.tk.ID, b.key, b.tk.ID) })
	return hits
}

// fill copies hits into p, reusing its slices. The association lists of
// all its tickets share one new backing array (each capped to its own
// length), so a page costs a few allocations, not a few per ticket, and
// shares nothing with the store.
func fill(p *portal.TicketPage, hits []hit, more bool) {
	p.More = more
	p.Tickets = slices.Grow(p.Tickets[:0], len(hits))[:len(hits)]
	p.Keys = slices.Grow(p.Keys[:0], len(hits))[:len(hits)]
	n := 0
	for _, h := range hits {
		n += len(h.tk.ContactIDs) + len(h.tk.CompanyIDs)
	}
	ids := make([]uuid.UUID, 0, n)
	carve := func(src []uuid.UUID) []uuid.UUID {
		if src == nil {
			return nil
		}
		start := len(ids)
		ids = append(ids, src...)
		return ids[start:len(ids):len(ids)]
	}
	for i, h := range hits {
		tk := &p.Tickets[i]
		*tk = *h.tk
		tk.ContactIDs = carve(h.tk.ContactIDs)
		tk.CompanyIDs = carve(h.tk.CompanyIDs)
		tk.Properties = h.tk.Properties.Clone()
		p.Keys[i] = h.key
	}
}

// order compares two rows in the query's direction.
func order(desc bool, a portal.SortKey, aID uuid.UUID, b portal.SortKey, bID uuid.UUID) int {
	c := portal.CompareKeys(a, aID, b, bID)
	if desc {
		return -c
	}
	return c
}

// found reports whether every search term occurs in a ticket's search text.
func found(text string, terms []string) bool {
	for _, term := range terms {
		if !strings.Contains(text, term) {
			return false
		}
	}
	return true
}

// The tenant is the portal.Lookup that sort keys resolve references with.

func (t *tenant) Contact(id uuid.UUID) (portal.Contact, bool) { c, ok := t.contacts[id]; return c, ok }
func (t *tenant) Owner(id uuid.UUID) (portal.Owner, bool)     { o, ok := t.owners[id]; return o, ok }
func (t *tenant) Pipeline(id uuid.UUID) (portal.Pipeline, bool) {
	p, ok := t.pipelines[id]
	return p, ok
}
func (t *tenant) Stage(id uuid.UUID) (portal.Stage, bool)     { st, ok := t.stages[id]; return st, ok }
func (t *tenant) Channel(id uuid.UUID) (portal.Channel, bool) { c, ok := t.channels[id]; return c, ok }
