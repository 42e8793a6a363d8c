package memstore

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// QueryTickets implements portal.TicketStore. It visits only the tickets
// indexed under the query's contact and company, tests each against the
// compiled filters and the search index, and sorts the matches.
func (s *Store) QueryTickets(ctx context.Context, q portal.TicketQuery) (portal.TicketPage, error) {
	return read(s, q.PortalID, func(t *tenant) (portal.TicketPage, error) {
		env := portal.Env{Now: q.Now, Closed: t.closed}
		type hit struct {
			tk  *portal.Ticket
			key portal.SortKey
		}
		var hits []hit
		visit := func(id uuid.UUID) {
			tk := t.tickets[id]
			if !q.Visibility.Match(tk, &env) || !q.Filter.Match(tk, &env) || !t.found(id, q.Search) {
				return
			}
			key := portal.TicketSortKey(tk, q.Sort, t, &env)
			if q.After != nil && t.order(q.Sort.Desc, key, id, *q.After, q.AfterID) <= 0 {
				return
			}
			hits = append(hits, hit{tk, key})
		}
		own := t.byContact[q.ContactID]
		for id := range own {
			visit(id)
		}
		if q.CompanyID != uuid.Nil {
			for id := range t.byCompany[q.CompanyID] {
				if _, seen := own[id]; !seen {
					visit(id)
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return portal.TicketPage{}, err
		}
		slices.SortFunc(hits, func(a, b hit) int { return t.order(q.Sort.Desc, a.key, a.tk.ID, b.key, b.tk.ID) })
		var page portal.TicketPage
		if len(hits) > q.Limit {
			hits, page.More = hits[:q.Limit], true
		}
		page.Tickets = make([]portal.Ticket, len(hits))
		page.Keys = make([]portal.SortKey, len(hits))
		for i, h := range hits {
			page.Tickets[i], page.Keys[i] = h.tk.Clone(), h.key
		}
		return page, nil
	})
}

// order compares two rows in the query's direction.
func (*tenant) order(desc bool, a portal.SortKey, aID uuid.UUID, b portal.SortKey, bID uuid.UUID) int {
	c := portal.CompareKeys(a, aID, b, bID)
	if desc {
		return -c
	}
	return c
}

// found reports whether every search term occurs in the ticket's search text.
func (t *tenant) found(id uuid.UUID, terms []string) bool {
	if len(terms) == 0 {
		return true
	}
	text := t.searchText[id]
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
