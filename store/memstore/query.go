package memstore

import (
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
	key   string
	gen   uint64
	hits  []hit  // a sort the scopes do not keep
	items []item // a key order: with the keys of that order
}

// results keeps a tenant's most recent query results.
type results struct {
	mu   sync.Mutex
	list [4]*result // most recent first
}

func (rs *results) get(key string, gen uint64) *result {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for i, r := range rs.list {
		if r != nil && r.key == key && r.gen == gen {
			copy(rs.list[1:i+1], rs.list[:i])
			rs.list[0] = r
			return r
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
func (s *Store) QueryTickets(ctx context.Context, q portal.TicketQuery, p *portal.TicketPage) error {
	_, err := read(s, q.PortalID, func(t *tenant) (struct{}, error) {
		r, err := t.page(ctx, &q, false)
		if err == nil {
			fill(p, &r)
			r.release()
		}
		return struct{}{}, err
	})
	return err
}

var (
	_ portal.TicketPageReader = (*Store)(nil)
	_ portal.TicketCounter    = (*Store)(nil)
)

// CountTickets implements portal.TicketCounter: it walks the contact's
// scope and then the company's, each ticket once, and stops at max.
func (s *Store) CountTickets(_ context.Context, q portal.TicketQuery, max int) (int, error) {
	return read(s, q.PortalID, func(t *tenant) (int, error) { return t.count(&q, max), nil })
}

// ReadTicketPage implements portal.TicketPageReader. It finds the page
// under the read lock, as QueryTickets does, and then calls readTicket with the
// stored tickets themselves, the lock released: a stored ticket is never
// changed, only replaced by a new one (PutTicket), and a query's sorted
// result is never changed once made, so reading them needs no lock.
func (s *Store) ReadTicketPage(ctx context.Context, q portal.TicketQuery, readTicket func(*portal.Ticket, *portal.SortKey) error) (bool, error) {
	r, err := read(s, q.PortalID, func(t *tenant) (rows, error) { return t.page(ctx, &q, true) })
	if err != nil {
		return false, err
	}
	defer r.release()
	for i := -prefetchAhead; i < 0; i++ {
		r.prefetch(i)
	}
	var key portal.SortKey   // each ticket's, for readTicket's duration
	for i := range r.items { // a page holds items or hits
		r.prefetch(i)
		it := &r.items[i]
		it.sortKey(&key)
		if err := readTicket(&it.e.tk, &key); err != nil {
			return false, err
		}
	}
	for i := range r.hits {
		r.prefetch(i)
		key = r.hits[i].key
		if err := readTicket(r.hits[i].tk, &key); err != nil {
			return false, err
		}
	}
	return r.more, nil
}

// rows are the tickets of a page, in order, and whether more follow: the
// hits of a sorted result, or the items of a walk, with the keys of the
// walk's order.
type rows struct {
	hits  []hit
	items []item
	more  bool
	buf   *walkBuffers // the walk's, to release when the rows are read
}

// release gives a walk's buffers back for the next walk.
func (r *rows) release() {
	if r.buf != nil {
		walkPool.Put(r.buf)
		r.buf, r.items = nil, nil
	}
}

// walkBuffers are the slices of one walk, kept in walkPool from walk to
// walk: an export walks page after page, and allocating them each time
// made it spend a sixth of its time collecting garbage.
type walkBuffers struct{ company, contact, merged []item }

var walkPool = sync.Pool{New: func() any { return new(walkBuffers) }}

func (r *rows) len() int { return len(r.hits) + len(r.items) }

// at returns the page's ticket i and its sort key.
func (r *rows) at(i int) (*portal.Ticket, portal.SortKey) {
	if r.items == nil {
		return r.hits[i].tk, r.hits[i].key
	}
	var key portal.SortKey
	r.items[i].sortKey(&key)
	return &r.items[i].e.tk, key
}

// sortKey sets key, a date's or zero, to the item's, as
// portal.TicketSortKey keys a date. It writes only Null and Int, the fields
// a date's key sets: an export reads its tickets in a loop that sets one
// key again and again (Store.ReadTicketPage); that loop cost 31 ns a
// ticket when it made each key whole, 20 ns now.
func (it *item) sortKey(key *portal.SortKey) {
	key.Null, key.Int = it.key == portal.NoKey, it.key
	if key.Null {
		key.Int = 0
	}
}

// page returns q's page. A page of a list sorted by a date its scopes
// keep in order is a walk of those orders from the cursor. Any other, and
// any page of a caller that reads the whole result (whole: an export), is
// cut from the result made whole, which is kept for the query's following
// pages until the tenant is written to: an export orders its tickets once
// (in a key order, merging the scopes' orders, 32 bytes a ticket), then
// each page is a search and a slice. The caller holds the read lock.
func (t *tenant) page(ctx context.Context, q *portal.TicketQuery, whole bool) (rows, error) {
	if q.Number != 0 && len(q.Search) == 0 {
		return rows{hits: t.numbered(q)}, nil
	}
	o, ordered := q.Sort.Order()
	if ordered && !whole {
		buf := walkPool.Get().(*walkBuffers)
		items, more := t.walkPage(q, o, buf)
		return rows{items: items, more: more, buf: buf}, nil
	}
	key := q.ResultKey()
	r := t.results.get(key, t.gen)
	if r == nil {
		r = &result{key: key, gen: t.gen}
		if ordered {
			r.items = t.ordered(q, o)
		} else {
			r.hits = t.query(q)
		}
		if err := ctx.Err(); err != nil {
			return rows{}, err
		}
		t.results.put(r)
	}
	if ordered {
		start := 0
		if q.After != nil {
			pivot := item{key: portal.NoKey, id: q.AfterID}
			if !q.After.Null {
				pivot.key = q.After.Int
			}
			start = sort.Search(len(r.items), func(i int) bool {
				c := compareItems(r.items[i], pivot)
				return q.Sort.Desc && c < 0 || !q.Sort.Desc && c > 0
			})
		}
		end := min(start+q.Limit, len(r.items))
		return rows{items: r.items[start:end], more: end < len(r.items)}, nil
	}
	start := 0
	if q.After != nil {
		start = sort.Search(len(r.hits), func(i int) bool {
			return compare(q.Sort.Desc, r.hits[i].key, r.hits[i].tk.ID, *q.After, q.AfterID) > 0
		})
	}
	end := min(start+q.Limit, len(r.hits))
	return rows{hits: r.hits[start:end], more: end < len(r.hits)}, nil
}

// matcher returns the test a ticket of q's scope must pass.
func (t *tenant) matcher(q *portal.TicketQuery, env *portal.Env) func(*entry) bool {
	if q.Visibility.Empty() && q.Filter.Empty() && !q.Searching() {
		return func(*entry) bool { return true }
	}
	return func(e *entry) bool {
		return q.Visibility.MatchFolded(e.t, &e.fx, env) && q.Filter.MatchFolded(e.t, &e.fx, env) && q.MatchesSearch(e.t, &e.fx)
	}
}

// numbered answers a search of a ticket number alone ("#1042") from the
// tenant's numbers: the ticket of the number, when it is in q's scope,
// passes the filters and comes after the cursor.
func (t *tenant) numbered(q *portal.TicketQuery) []hit {
	e, ok := t.tickets[t.numbers[q.Number]]
	if !ok || !e.t.Associated(q.ContactID) && (q.CompanyID == uuid.Nil || !slices.Contains(e.t.CompanyIDs, q.CompanyID)) {
		return nil
	}
	env := portal.Env{Now: q.Now, Closed: t.closed}
	if !t.matcher(q, &env)(e) {
		return nil
	}
	key := portal.TicketSortKey(e.t, &e.fx, q.Sort, t, &env)
	if q.After != nil && compare(q.Sort.Desc, key, e.id, *q.After, q.AfterID) <= 0 {
		return nil
	}
	return []hit{{e.t, key}}
}

// count counts q's tickets up to max. Without a filter or a search every
// ticket of the contact's scope counts: its size is known.
func (t *tenant) count(q *portal.TicketQuery, max int) int {
	if q.Number != 0 && len(q.Search) == 0 {
		whole := *q
		whole.After = nil // a count is of the whole result
		return min(len(t.numbered(&whole)), max)
	}
	if n, ok := t.countKept(q, max); ok {
		return n
	}
	env := portal.Env{Now: q.Now, Closed: t.closed}
	match := t.matcher(q, &env)
	all := q.Visibility.Empty() && q.Filter.Empty() && !q.Searching()
	n := 0
	if sc := t.byContact[q.ContactID]; all && sc != nil {
		n = min(sc.len(), max)
	}
	visit := func(sc *scope, skip func(*entry) bool) {
		if sc == nil || n >= max {
			return
		}
		sc.tree(portal.ByCreated).Ascend(func(it item) bool {
			if (skip == nil || !skip(it.e)) && match(it.e) {
				n++
			}
			return n < max
		})
	}
	if !all {
		visit(t.byContact[q.ContactID], nil)
	}
	if q.CompanyID != uuid.Nil {
		visit(t.byCompany[q.CompanyID], func(e *entry) bool {
			return e.t.Associated(q.ContactID) // counted above
		})
	}
	return n
}

// walkPage answers q from its scopes' order o: the first Limit+1 matching
// tickets after the cursor in each of the contact's and the company's
// scopes, merged, each once, and whether more than Limit follow. The first
// Limit+1 of the two are among the first Limit+1 of each. The contact's
// walk does not skip the company's tickets, which could be every ticket it
// walks; it stops at the key of the company's last when the company fills
// its walk, as no ticket after that one is on the page.
func (t *tenant) walkPage(q *portal.TicketQuery, o portal.Order, buf *walkBuffers) ([]item, bool) {
	env := portal.Env{Now: q.Now, Closed: t.closed}
	match := t.matcher(q, &env)
	n := q.Limit + 1
	var end *int64
	found := buf.company[:0]
	if q.CompanyID != uuid.Nil {
		found = walk(buf.company, t.byCompany[q.CompanyID], o, q.Sort.Desc, q.After, q.AfterID, nil, n, match)
		buf.company = found
		if len(found) == n {
			end = &found[n-1].key
		}
	}
	contact := walk(buf.contact, t.byContact[q.ContactID], o, q.Sort.Desc, q.After, q.AfterID, end, n, match)
	buf.contact = contact
	if q.CompanyID == uuid.Nil {
		found = contact
	} else if len(contact) > 0 { // both come in the list's order
		found = merge(buf.merged, found, contact, func(a, b item) int {
			if q.Sort.Desc {
				return compareItems(b, a)
			}
			return compareItems(a, b)
		})
		found = slices.CompactFunc(found, func(a, b item) bool { return a.e == b.e })
		buf.merged = found
	}
	return found[:min(len(found), q.Limit)], len(found) > q.Limit
}

// query finds and sorts every ticket of q's result (a sort the scopes do
// not keep).
func (t *tenant) query(q *portal.TicketQuery) []hit {
	env := portal.Env{Now: q.Now, Closed: t.closed}
	match := t.matcher(q, &env)
	var hits []hit
	collect := func(sc *scope, skip func(*entry) bool) {
		if sc == nil {
			return
		}
		sc.tree(portal.ByCreated).Ascend(func(it item) bool {
			if e := it.e; (skip == nil || !skip(e)) && match(e) {
				hits = append(hits, hit{e.t, portal.TicketSortKey(e.t, &e.fx, q.Sort, t, &env)})
			}
			return true
		})
	}
	collect(t.byContact[q.ContactID], nil)
	if q.CompanyID != uuid.Nil {
		collect(t.byCompany[q.CompanyID], func(e *entry) bool {
			return e.t.Associated(q.ContactID) // listed above
		})
	}
	slices.SortFunc(hits, func(a, b hit) int { return compare(q.Sort.Desc, a.key, a.tk.ID, b.key, b.tk.ID) })
	return hits
}

// ordered returns every ticket of q's result in order o, in the list's
// direction: the contact's and the company's, each once, come in order
// from their scopes and are merged.
func (t *tenant) ordered(q *portal.TicketQuery, o portal.Order) []item {
	env := portal.Env{Now: q.Now, Closed: t.closed}
	match := t.matcher(q, &env)
	collect := func(sc *scope, skip func(*entry) bool) []item {
		if sc == nil {
			return nil
		}
		out := make([]item, 0, sc.len())
		visit := func(it item) bool {
			if (skip == nil || !skip(it.e)) && match(it.e) {
				out = append(out, it)
			}
			return true
		}
		if q.Sort.Desc {
			sc.tree(o).Descend(visit)
		} else {
			sc.tree(o).Ascend(visit)
		}
		return out
	}
	contact := collect(t.byContact[q.ContactID], nil)
	if q.CompanyID == uuid.Nil {
		return contact
	}
	company := collect(t.byCompany[q.CompanyID], func(e *entry) bool {
		return e.t.Associated(q.ContactID) // the contact's
	})
	return merge(make([]item, 0, len(contact)+len(company)), contact, company, func(a, b item) int {
		if q.Sort.Desc {
			return compareItems(b, a)
		}
		return compareItems(a, b)
	})
}

// merge merges two lists sorted by cmp into out[:0].
func merge[T any](out, a, b []T, cmp func(T, T) int) []T {
	out = out[:0]
	for len(a) > 0 && len(b) > 0 {
		if cmp(a[0], b[0]) <= 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// fill copies a page's rows into p, reusing its slices. The association
// lists of all its tickets share one new backing array (each capped to its
// own length), so a page costs a few allocations, not a few per ticket,
// and shares nothing with the store.
func fill(p *portal.TicketPage, r *rows) {
	n := r.len()
	p.More = r.more
	p.Requesters, p.Owners, p.Related = p.Requesters[:0], p.Owners[:0], false
	p.Tickets = slices.Grow(p.Tickets[:0], n)[:n]
	p.Keys = slices.Grow(p.Keys[:0], n)[:n]
	refs := 0
	for i := range n {
		tk, _ := r.at(i)
		refs += len(tk.ContactIDs) + len(tk.CompanyIDs)
	}
	ids := make([]uuid.UUID, 0, refs)
	carve := func(src []uuid.UUID) []uuid.UUID {
		if src == nil {
			return nil
		}
		start := len(ids)
		ids = append(ids, src...)
		return ids[start:len(ids):len(ids)]
	}
	for i := range n {
		src, key := r.at(i)
		tk := &p.Tickets[i]
		*tk = *src
		tk.ContactIDs = carve(src.ContactIDs)
		tk.CompanyIDs = carve(src.CompanyIDs)
		tk.Properties = src.Properties.Clone()
		tk.Participants = slices.Clone(src.Participants)
		p.Keys[i] = key
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
