package memstore

import (
	"bytes"
	"cmp"
	"context"
	"slices"
	"sort"
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
// of the query's contact and company (their scopes), in the order of the
// sort when a scope keeps it, and tests each against the compiled filters
// and the search terms on its folded text.
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
		hits, more, err := t.page(ctx, &q, false)
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
		hits, more, err := t.page(ctx, &q, true)
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

// page returns the hits of q's page and whether more follow. A page of a
// list sorted by a date its scopes keep in order is a walk of those orders
// from the cursor. Any other, and every page of a caller that reads the
// whole result (whole: an export), is cut from the result sorted whole,
// which is kept for the query's following pages until the tenant is
// written to: an export sorts once, then each page is a search and a
// slice. The caller holds the read lock.
func (t *tenant) page(ctx context.Context, q *portal.TicketQuery, whole bool) ([]hit, bool, error) {
	if o, ok := sortOrder(q.Sort); ok && !whole {
		return t.walkPage(q, o)
	}
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
			return compare(q.Sort.Desc, hits[i].key, hits[i].tk.ID, *q.After, q.AfterID) > 0
		})
	}
	end := min(start+q.Limit, len(hits))
	return hits[start:end], end < len(hits), nil
}

// matcher returns the test a ticket of q's scope must pass.
func (t *tenant) matcher(q *portal.TicketQuery, env *portal.Env) func(*entry) bool {
	return func(e *entry) bool {
		return q.Visibility.MatchFolded(e.t, &e.fx, env) && q.Filter.MatchFolded(e.t, &e.fx, env) && e.fx.HasTerms(q.Search)
	}
}

// walkPage answers q from its scopes' order o: the first Limit+1 matching
// tickets after the cursor in each of the contact's and the company's
// scopes, merged, each once. The first Limit+1 of the two are among the
// first Limit+1 of each. The contact's walk does not skip the company's
// tickets, which could be every ticket it walks; it stops at the key of the
// company's last when the company fills its walk, as no ticket after that
// one is on the page.
func (t *tenant) walkPage(q *portal.TicketQuery, o dateOrder) ([]hit, bool, error) {
	env := portal.Env{Now: q.Now, Closed: t.closed}
	match := t.matcher(q, &env)
	n := q.Limit + 1
	var found []*entry
	var end *int64
	if q.CompanyID != uuid.Nil {
		found = walk(t.byCompany[q.CompanyID], o, q.Sort.Desc, q.After, q.AfterID, nil, n, match)
		if len(found) == n {
			last := o.key(found[n-1])
			end = &last
		}
	}
	found = append(found, walk(t.byContact[q.ContactID], o, q.Sort.Desc, q.After, q.AfterID, end, n, match)...)
	if q.CompanyID != uuid.Nil {
		slices.SortFunc(found, func(a, b *entry) int {
			c := cmp.Compare(o.key(a), o.key(b))
			if c == 0 {
				c = bytes.Compare(a.id[:], b.id[:])
			}
			if q.Sort.Desc {
				return -c
			}
			return c
		})
		found = slices.CompactFunc(found, func(a, b *entry) bool { return a == b })
	}
	more := len(found) > q.Limit
	found = found[:min(len(found), q.Limit)]
	hits := make([]hit, len(found))
	for i, e := range found {
		hits[i] = hit{e.t, portal.TicketSortKey(e.t, &e.fx, q.Sort, t, &env)}
	}
	return hits, more, nil
}

// query finds and sorts every ticket of q's result. In an order the
// scopes keep, the contact's and the company's tickets come sorted, and
// are merged; in any other, they are sorted.
func (t *tenant) query(q *portal.TicketQuery) []hit {
	env := portal.Env{Now: q.Now, Closed: t.closed}
	match := t.matcher(q, &env)
	o, ordered := sortOrder(q.Sort)
	if !ordered {
		o = byCreated
	}
	// collect visits a scope in order o, in the list's direction when it
	// is kept in that order.
	collect := func(sc *scope, skip func(*entry) bool) []hit {
		var hits []hit
		if sc == nil {
			return hits
		}
		visit := func(e *entry) bool {
			if (skip == nil || !skip(e)) && match(e) {
				hits = append(hits, hit{e.t, portal.TicketSortKey(e.t, &e.fx, q.Sort, t, &env)})
			}
			return true
		}
		if ordered && q.Sort.Desc {
			sc.tree(o).Descend(visit)
		} else {
			sc.tree(o).Ascend(visit)
		}
		return hits
	}
	hits := collect(t.byContact[q.ContactID], nil)
	if q.CompanyID != uuid.Nil {
		company := collect(t.byCompany[q.CompanyID], func(e *entry) bool {
			return slices.Contains(e.t.ContactIDs, q.ContactID) // listed above
		})
		if ordered {
			return merge(hits, company, func(a, b hit) int { return compare(q.Sort.Desc, a.key, a.tk.ID, b.key, b.tk.ID) })
		}
		hits = append(hits, company...)
	}
	if !ordered {
		slices.SortFunc(hits, func(a, b hit) int { return compare(q.Sort.Desc, a.key, a.tk.ID, b.key, b.tk.ID) })
	}
	return hits
}

// merge merges two lists sorted by cmp into one.
func merge[T any](a, b []T, cmp func(T, T) int) []T {
	out := make([]T, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if cmp(a[0], b[0]) <= 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
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

// compare compares two rows in the query's direction.
func compare(desc bool, a portal.SortKey, aID uuid.UUID, b portal.SortKey, bID uuid.UUID) int {
	c := portal.CompareKeys(a, aID, b, bID)
	if desc {
		return -c
	}
	return c
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
